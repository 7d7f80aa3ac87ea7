"""``demandsim staff --pool`` on the demo: this checkout against the algorithm before issue 16.

Usage (from the repository root)::

    .venv/bin/python benchmarks/staffing.py        # both twice, 2 workers, writes staffing.md
    .venv/bin/python benchmarks/staffing.py --workers 1 --rounds 1

The earlier algorithm is not kept in the package: it is exported from git
(``--before``, default the commit the staffing work started from) into a
temporary folder and run there, so both are timed in the same run, on the same
machine, one after the other, with the same command line. The ratio is the
figure to read; absolute times depend on the machine and its load (the load
average at the start and at the end is recorded: on a shared machine, run it
twice and compare). The two do not do the same work: the earlier one simulated
the whole scenario five times and accepted an interval unless its whole 95%
interval missed; this one simulates the contact side only, on twenty common-
random-number replications per staffing tried, until every interval clears what the
confirmation needs, and then confirms on 40 fresh replications that every
interval holds at 95% one-sided confidence. ``staffing.md`` records both
outputs so the difference in what was bought is visible too.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: The commit the staffing work (issue 16) started from.
BEFORE = "514a844"
COMMAND = [
    "staff", "configs/demo.yaml", "--pool", "contact_centre",
    "--target", "answered_within_target:999>=90", "--target", "answer_time:101:p90<=120",
]  # fmt: skip


def timed(checkout: Path, out: Path, workers: int) -> tuple[float, str]:
    """Wall-clock seconds of the staff command run from ``checkout``, and its output."""
    env = {**os.environ, "PYTHONPATH": str(checkout), "COLUMNS": "150"}
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, str(checkout / "cli.py"), *COMMAND, "--workers", str(workers),
         "--out", str(out)],
        cwd=checkout, env=env, capture_output=True, text=True, check=True,
    )  # fmt: skip
    return time.perf_counter() - started, done.stdout


def main() -> None:
    """Time both and write ``benchmarks/staffing.md``.

    With ``--rounds 2`` (the default) the order is before, this, this,
    before: on a machine whose load drifts while the benchmark runs, the
    drift then falls on both alike, and the ratio is of the summed times.
    """
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--before", default=BEFORE)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "staffing.md")
    args = parser.parse_args()
    started = dt.datetime.now(dt.UTC)
    rows: list[tuple[str, float, float, float]] = []  # which, seconds, load at start, at end
    outputs: dict[str, str] = {}
    with tempfile.TemporaryDirectory() as folder:
        old = Path(folder) / "before"
        old.mkdir()
        archive = subprocess.run(
            ["git", "-C", str(ROOT), "archive", args.before], capture_output=True, check=True
        )
        subprocess.run(["tar", "-x", "-C", str(old)], input=archive.stdout, check=True)
        checkouts = {"before": old, "this checkout": ROOT}
        for round_ in range(args.rounds):
            order = ["before", "this checkout"]
            for which in order if round_ % 2 == 0 else order[::-1]:
                load = os.getloadavg()[0]
                out = Path(folder) / f"out-{len(rows)}"
                seconds, outputs[which] = timed(checkouts[which], out, args.workers)
                rows.append((which, seconds, load, os.getloadavg()[0]))
    total = {w: sum(r[1] for r in rows if r[0] == w) for w in ("before", "this checkout")}
    lines = [
        "# `staff --pool` on the demo",
        "",
        f"{started:%Y-%m-%d %H:%M} UTC, {os.cpu_count()} cores shared with other work, "
        f"`--workers {args.workers}`; before = git {args.before}; {args.rounds} rounds, "
        "alternating which goes first.",
        "",
        "| run | wall-clock s | load average at start | at end |",
        "|---|---:|---:|---:|",
        *(f"| {w} | {s:.1f} | {a:.1f} | {b:.1f} |" for w, s, a, b in rows),
        "",
        f"**Ratio, this checkout to before: {total['this checkout'] / total['before']:.2f}** "
        f"({total['this checkout']:.1f} s against {total['before']:.1f} s in all).",
        "",
        "## before: output",
        "",
        "```",
        outputs["before"].strip(),
        "```",
        "",
        "## this checkout: output",
        "",
        "```",
        outputs["this checkout"].strip(),
        "```",
        "",
    ]
    args.out.write_text("\n".join(lines))
    sys.stdout.write("\n".join(lines[: 9 + len(rows)]) + "\n")


if __name__ == "__main__":
    main()
