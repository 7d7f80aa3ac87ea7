"""Run the benchmarks and write ``benchmarks/results.md`` and ``benchmarks/results.json``.

Usage (from the repository root)::

    .venv/bin/python benchmarks/run.py            # or: make bench
    .venv/bin/python benchmarks/run.py --quick    # a small run, a few seconds
    .venv/bin/python benchmarks/run.py --calls 500000 --agents 50 --load 0.95
    .venv/bin/python benchmarks/run.py --only mmc

Every benchmark is a function ``(BenchSettings) -> Section`` listed in
``BENCHMARKS``; add one there to have it run and reported.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script: make the project importable
    sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import simpy  # noqa: E402

from benchmarks import cli_help, full_model, mmc, scaling, targets, year  # noqa: E402
from benchmarks.common import Benchmark, BenchSettings, Section  # noqa: E402

#: The benchmarks, in the order they run and are reported.
BENCHMARKS: list[Benchmark] = [
    Benchmark("mmc", mmc.benchmark),
    Benchmark("full", full_model.benchmark),
    Benchmark("year", year.benchmark),
    Benchmark("scaling", scaling.benchmark),
    Benchmark("cli", cli_help.benchmark),
]

#: Defaults that ``--quick`` changes (a full run otherwise uses ``BenchSettings``'s).
QUICK_CALLS = 20_000
QUICK_REPEATS = 1

OUT_DIR = Path(__file__).resolve().parent


def parse_args(argv: list[str] | None = None) -> tuple[BenchSettings, list[str], Path, str]:
    """Settings, the names of the benchmarks to run, the output directory and the note."""
    defaults = BenchSettings()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--calls", type=int, help=f"calls in the M/M/c+M kernel (default {defaults.calls:,})"
    )
    parser.add_argument(
        "--agents", type=int, default=defaults.agents, help="servers c (default %(default)s)"
    )
    parser.add_argument(
        "--load",
        type=float,
        default=defaults.load,
        help="offered load per server (default %(default)s)",
    )
    parser.add_argument(
        "--handling",
        type=float,
        default=defaults.mean_handling_s,
        help="mean handling time, seconds (default %(default)s)",
    )
    parser.add_argument(
        "--patience",
        type=float,
        default=defaults.mean_patience_s,
        help="mean patience, seconds (default %(default)s)",
    )
    parser.add_argument(
        "--seed", type=int, default=defaults.seed, help="sample seed (default %(default)s)"
    )
    parser.add_argument(
        "--repeats",
        type=int,
        help=f"timed repeats per contender, best reported (default {defaults.repeats})",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help=f"small run: {QUICK_CALLS:,} calls and {QUICK_REPEATS} repeat unless given",
    )
    names = [benchmark.name for benchmark in BENCHMARKS]
    parser.add_argument(
        "--only", action="append", choices=names, help="run only this benchmark (repeatable)"
    )
    parser.add_argument(
        "--out-dir", type=Path, default=OUT_DIR, help="where to write results.md and results.json"
    )
    parser.add_argument(
        "--note", default="", help="a line about the machine for results.md (e.g. who shared it)"
    )
    args = parser.parse_args(argv)
    if args.calls is not None and args.calls < 1:
        parser.error("--calls must be at least 1")
    if args.agents < 1:
        parser.error("--agents must be at least 1")
    if args.load <= 0 or args.handling <= 0 or args.patience <= 0:
        parser.error("--load, --handling and --patience must be positive")
    if args.repeats is not None and args.repeats < 1:
        parser.error("--repeats must be at least 1")
    settings = BenchSettings(
        calls=args.calls or (QUICK_CALLS if args.quick else defaults.calls),
        agents=args.agents,
        load=args.load,
        mean_handling_s=args.handling,
        mean_patience_s=args.patience,
        seed=args.seed,
        repeats=args.repeats or (QUICK_REPEATS if args.quick else defaults.repeats),
        quick=args.quick,
    )
    return settings, args.only or names, args.out_dir, args.note


def environment() -> dict[str, Any]:
    """Where the figures were measured: versions, machine, commit and date."""
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain"], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
        if dirty:
            commit += " (with uncommitted changes)"
    except (OSError, subprocess.CalledProcessError):
        commit = "unknown"
    return {
        "date_utc": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M"),
        "commit": commit,
        "python": platform.python_version(),
        "simpy": simpy.__version__,
        "numpy": np.__version__,
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "cpus": os.cpu_count(),
        "load average (1, 5, 15 min) at start": ", ".join(f"{x:.1f}" for x in os.getloadavg()),
    }


def render_markdown(env: dict[str, Any], sections: list[Section], command: str) -> str:
    """``results.md``: the environment, then each benchmark's section."""
    lines = [
        "# Benchmark results",
        "",
        f"Written by `{command}`. Speed is reported as ratios of CPU times measured",
        "in the same run; absolute times depend on the machine below.",
        "",
        "| | |",
        "|---|---|",
    ]
    lines.extend(f"| {key} | {value} |" for key, value in env.items())
    lines.append("")
    for section in sections:
        lines.append(section.markdown())
    return "\n".join(lines).rstrip() + "\n"


def main(argv: list[str] | None = None) -> int:
    """Run the selected benchmarks, print their tables, write the results files."""
    settings, selected, out_dir, note = parse_args(argv)
    env = environment()
    if note:
        env["note"] = note
    sections: list[Section] = []
    for benchmark in BENCHMARKS:
        if benchmark.name not in selected:
            continue
        print(f"running {benchmark.name} ...", flush=True)
        start = time.perf_counter()
        section = benchmark.run(settings)
        print(f"{section.markdown()}({time.perf_counter() - start:.1f} s)\n", flush=True)
        sections.append(section)
    closing = targets.summary(sections)
    if closing is not None:
        print(closing.markdown(), flush=True)
        sections.append(closing)
    env["load average (1, 5, 15 min) at end"] = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    command = " ".join(["benchmarks/run.py", *(sys.argv[1:] if argv is None else argv)])
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "results.md").write_text(render_markdown(env, sections, command))
    data = {"command": command, "environment": env}
    data.update({section.key: section.data for section in sections})
    (out_dir / "results.json").write_text(json.dumps(data, indent=2) + "\n")
    print(f"wrote {out_dir / 'results.md'} and {out_dir / 'results.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
