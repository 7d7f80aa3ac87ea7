"""Shared pieces of the benchmarks: settings, timing, and results as tables.

A benchmark is a function ``(BenchSettings) -> Section``. It times its
contenders in one process, so every figure it reports as a ratio compares runs
made on the same machine under the same conditions, and returns its figures
both as markdown tables (``results.md``) and as plain data (``results.json``).
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class BenchSettings:
    """What the benchmarks run, from the command line of ``benchmarks/run.py``.

    Attributes
    ----------
    calls
        Calls in the M/M/c+M kernel benchmark.
    agents
        Servers (handlers) in the kernel benchmark, constant.
    load
        Offered load per server in the kernel benchmark: arrival rate times mean
        handling time divided by ``agents`` (dimensionless, e.g. 0.9).
    mean_handling_s
        Mean handling time of the kernel benchmark, seconds (exponential).
    mean_patience_s
        Mean patience of the kernel benchmark, seconds (exponential).
    seed
        Seed of the kernel benchmark's samples.
    repeats
        Timed repeats of each contender; the best (shortest) is reported.
    tolerance_s
        Largest difference in a call's wait, seconds, still counted as the same.
    quick
        A small run (``--quick``): ``run.py`` then defaults to fewer calls and one
        repeat; a benchmark may also shrink its own work.
    """

    calls: int = 200_000
    agents: int = 20
    load: float = 0.9
    mean_handling_s: float = 300.0
    mean_patience_s: float = 600.0
    seed: int = 20_240_601
    repeats: int = 3
    tolerance_s: float = 1e-6
    quick: bool = False


@dataclass(frozen=True)
class Table:
    """One markdown table: a caption, column headers and rows of formatted cells."""

    caption: str
    headers: list[str]
    rows: list[list[str]]

    def markdown(self) -> str:
        """The table in GitHub markdown, caption first."""
        lines = [f"**{self.caption}**", ""] if self.caption else []
        lines.append("| " + " | ".join(self.headers) + " |")
        lines.append("|" + "|".join("---" for _ in self.headers) + "|")
        lines.extend("| " + " | ".join(row) + " |" for row in self.rows)
        return "\n".join(lines)


@dataclass
class Section:
    """The results of one benchmark.

    Attributes
    ----------
    key
        Short identifier, the key of this benchmark in ``results.json``.
    title
        Heading in ``results.md``.
    description
        What was measured and how (markdown paragraph).
    tables
        The figures, formatted.
    notes
        Bullet points under the tables (caveats, checks).
    data
        The same figures unformatted, for ``results.json``.
    """

    key: str
    title: str
    description: str
    tables: list[Table] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)

    def markdown(self) -> str:
        """The section in markdown: heading, description, tables, notes."""
        parts = [f"## {self.title}", "", self.description.strip(), ""]
        for table in self.tables:
            parts.extend([table.markdown(), ""])
        parts.extend(f"- {note}" for note in self.notes)
        return "\n".join(parts).rstrip() + "\n"


@dataclass(frozen=True)
class Benchmark:
    """A registered benchmark: its name (for ``--only``) and the function that runs it."""

    name: str
    run: Callable[[BenchSettings], Section]


@dataclass(frozen=True)
class Timing:
    """How long a run took: wall-clock seconds, and CPU seconds of this process.

    On a machine shared with others, wall time includes waiting for a core;
    CPU time counts only the time the process ran, so ratios of CPU times
    measured in the same run are the steadier comparison.
    """

    wall_s: float
    cpu_s: float


def best_of(function: Callable[[], T], repeats: int) -> tuple[Timing, T]:
    """Run ``function`` ``repeats`` times: the shortest wall and CPU times, and the last result.

    A full garbage collection runs before each repeat, outside the timed region,
    so that one run's garbage is not collected on another's clock.
    """
    wall = cpu = float("inf")
    result: T | None = None
    for _ in range(max(1, repeats)):
        result = None  # let the previous run's objects go before collecting
        gc.collect()
        start, start_cpu = time.perf_counter(), time.process_time()
        result = function()
        cpu = min(cpu, time.process_time() - start_cpu)
        wall = min(wall, time.perf_counter() - start)
    assert result is not None
    return Timing(wall, cpu), result


def verdict(met: bool | None) -> str:
    """``met``, ``**not met**``, or ``n/a`` (not measured in this run)."""
    return {True: "met", False: "**not met**", None: "n/a"}[met]


def thousands(value: float) -> str:
    """``1234567.8`` as ``1,234,568``."""
    return f"{value:,.0f}"
