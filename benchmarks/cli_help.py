"""Benchmark 5: how long ``demandsim --help`` takes, in a subprocess.

A planner's first contact with the tool, and the floor under every command:
the interpreter starting, the CLI's imports, Typer printing the help. Timed as
a fresh process each time (after one untimed run, so that compiled bytecode is
cached), the best of several; the CPU time is the child's own (user + system).
"""

from __future__ import annotations

import resource
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.common import BenchSettings, Section, Table, verdict

ROOT = Path(__file__).resolve().parents[1]
#: Target (issue 20): the help in under half a second.
TARGET_S = 0.5
RUNS = 5


def command() -> list[str]:
    """The installed ``demandsim`` beside this interpreter, or ``python cli.py``."""
    script = Path(sys.executable).parent / "demandsim"
    return [str(script)] if script.exists() else [sys.executable, str(ROOT / "cli.py")]


def _child_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def benchmark(settings: BenchSettings) -> Section:
    """Run ``demandsim --help`` a few times; report the fastest against the target."""
    argv = [*command(), "--help"]
    subprocess.run(argv, cwd=ROOT, capture_output=True, check=True)  # warm the caches
    walls, cpus = [], []
    for _ in range(RUNS):
        cpu_before, start = _child_cpu_s(), time.perf_counter()
        subprocess.run(argv, cwd=ROOT, capture_output=True, check=True)
        walls.append(time.perf_counter() - start)
        cpus.append(_child_cpu_s() - cpu_before)
    wall, cpu = min(walls), min(cpus)
    met = wall < TARGET_S
    shown = " ".join(Path(argv[0]).name if i == 0 else a for i, a in enumerate(argv))
    return Section(
        key="cli_help",
        title="`demandsim --help`",
        description=(
            f"`{shown}` in a fresh process, from the repository root: the fastest of "
            f"{RUNS} runs after one untimed run (bytecode cached). Wall time is what the "
            "planner waits; CPU time the child's user and system time."
        ),
        tables=[
            Table(
                "",
                ["command", "wall time (s)", "CPU time (s)", "slowest wall time (s)"],
                [[f"`{shown}`", f"{wall:.3f}", f"{cpu:.3f}", f"{max(walls):.3f}"]],
            )
        ],
        notes=[f"Target: under {TARGET_S:g} s: {wall:.3f} s ({verdict(met)})."],
        data={
            "command": argv,
            "wall_s": wall,
            "cpu_s": cpu,
            "walls_s": walls,
            "target_s": TARGET_S,
            "met": met,
        },
    )
