"""Shift rosters that cover a staffing requirement at the fewest paid hours.

A *shift pattern* is a start time, a length, an unpaid break, the days it may
be worked and the least and most people who may work it on each of those days.
Choosing how many people work each pattern on each day, so that the people on
duty cover the requirement in every interval of the week at the fewest paid
hours, is a set-covering integer programme::

    minimise    sum_j paid_hours_j * x_j
    subject to  sum_j covers[i, j] * x_j >= requirement_i   for every interval i
                min_j <= x_j <= max_j, x_j integer

solved with HiGHS through :func:`scipy.optimize.milp`. A shift covers an
interval when it is on duty for the whole of it; shifts running past Sunday
midnight carry on into Monday, as in a scenario's roster. Breaks are unpaid
but not taken out of cover: the model allows for breaks through the pool's
shrinkage, so cover counts the whole shift.

The result is written as a ``roster:`` block that drops into a scenario.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, milp

from sim.config import (
    DAY_NAMES,
    MINUTES_PER_WEEK,
    InputError,
    Problem,
    Roster,
    clock_to_seconds,
    read_yaml_file,
)

log = logging.getLogger(__name__)

MINUTES_PER_DAY = 24 * 60
_CLOCK = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


@dataclass(frozen=True)
class ShiftPattern:
    """A shift that may be worked: start, length, unpaid break, days, and counts per day.

    Attributes
    ----------
    name : str
        Label, used in the roster's shift names.
    start_minute : int
        Start, minutes after midnight.
    length_minutes : int
        Time on duty, minutes (breaks included).
    break_minutes : int
        Unpaid break within the shift, minutes.
    days : tuple of str
        Days it may start on (``mon`` ... ``sun``).
    min_count, max_count : int
        Least and most people on it on each of its days (``max_count`` may be
        ``None``: no limit).
    """

    name: str
    start_minute: int
    length_minutes: int
    break_minutes: int = 0
    days: tuple[str, ...] = DAY_NAMES
    min_count: int = 0
    max_count: int | None = None

    @property
    def paid_hours(self) -> float:
        """Paid hours of one person working it once."""
        return (self.length_minutes - self.break_minutes) / 60.0


def default_patterns(lengths_hours: Sequence[float] = (8.0, 10.0)) -> list[ShiftPattern]:
    """Shifts starting on any hour, of each length, any day, no limit on numbers."""
    return [
        ShiftPattern(f"{hours:g}h-{start:02d}00", start * 60, round(hours * 60))
        for hours in lengths_hours
        for start in range(24)
    ]


def patterns_from_dict(raw: Any, source: str) -> list[ShiftPattern]:
    """Shift patterns from a parsed YAML file (``patterns:`` list).

    Each entry: ``name``, ``start`` (``"07:00"``) or ``starts`` (a list),
    ``length_hours``, optional ``break_minutes`` (unpaid, default 0), ``days``
    (default all), ``min`` (default 0) and ``max`` (default no limit) people per day.

    Raises
    ------
    InputError
        Naming the file and the field of every problem.
    """
    problems: list[Problem] = []
    entries = raw.get("patterns") if isinstance(raw, dict) else None
    if not isinstance(entries, list) or not entries:
        raise InputError(
            [Problem(source, "patterns", "missing or empty; expected a list of shift patterns")]
        )
    known = {"name", "start", "starts", "length_hours", "break_minutes", "days", "min", "max"}
    patterns: list[ShiftPattern] = []
    for i, entry in enumerate(entries):
        where = f"patterns.{i}"
        if not isinstance(entry, dict):
            problems.append(Problem(source, where, "expected a section (mapping)"))
            continue
        for key in sorted(set(entry) - known):
            problems.append(
                Problem(
                    source, f"{where}.{key}", f"unknown field; expected {', '.join(sorted(known))}"
                )
            )
        starts = entry.get("starts", [entry["start"]] if "start" in entry else None)
        if not isinstance(starts, list) or not starts:
            problems.append(Problem(source, f"{where}.start", "missing; expected a time, 07:00"))
            continue
        length = entry.get("length_hours")
        if isinstance(length, bool) or not isinstance(length, (int, float)) or not 0 < length <= 24:
            problems.append(
                Problem(source, f"{where}.length_hours", "expected hours on duty, above 0 to 24")
            )
            continue
        pause = entry.get("break_minutes", 0)
        if isinstance(pause, bool) or not isinstance(pause, int) or not 0 <= pause < length * 60:
            problems.append(
                Problem(
                    source,
                    f"{where}.break_minutes",
                    "expected whole minutes from 0, shorter than the shift",
                )
            )
            continue
        days = entry.get("days", list(DAY_NAMES))
        if not isinstance(days, list) or not days or any(d not in DAY_NAMES for d in days):
            problems.append(
                Problem(source, f"{where}.days", f"expected a list of {', '.join(DAY_NAMES)}")
            )
            continue
        low, high = entry.get("min", 0), entry.get("max")
        if isinstance(low, bool) or not isinstance(low, int) or low < 0:
            problems.append(Problem(source, f"{where}.min", "expected a whole number >= 0"))
            continue
        if high is not None and (isinstance(high, bool) or not isinstance(high, int) or high < low):
            problems.append(
                Problem(source, f"{where}.max", f"expected a whole number >= min ({low})")
            )
            continue
        for j, start in enumerate(starts):
            if not isinstance(start, str) or not _CLOCK.match(start):
                field = f"{where}.starts.{j}" if "starts" in entry else f"{where}.start"
                problems.append(Problem(source, field, f"{start!r}: expected HH:MM, 00:00-23:59"))
                continue
            minute = clock_to_seconds(start) // 60
            name = str(entry.get("name", f"shift{i}"))
            patterns.append(
                ShiftPattern(
                    name if len(starts) == 1 else f"{name}-{minute // 60:02d}{minute % 60:02d}",
                    minute,
                    round(length * 60),
                    pause,
                    tuple(days),
                    low,
                    high,
                )
            )
    if problems:
        raise InputError(problems)
    return patterns


def load_patterns(path: Path) -> list[ShiftPattern]:
    """Shift patterns from a YAML file (see :func:`patterns_from_dict`)."""
    return patterns_from_dict(read_yaml_file(path), str(path))


@dataclass(frozen=True)
class Column:
    """One decision variable: a pattern worked on one day."""

    pattern: ShiftPattern
    day: str

    @property
    def first_minute(self) -> int:
        """Start, minutes from Monday 00:00."""
        return DAY_NAMES.index(self.day) * MINUTES_PER_DAY + self.pattern.start_minute


def columns_for(patterns: Sequence[ShiftPattern]) -> list[Column]:
    """Every (pattern, day) the patterns allow."""
    return [Column(p, d) for p in patterns for d in p.days]


def cover_matrix(columns: Sequence[Column], interval_minutes: int) -> sparse.csr_array:
    """``covers[i, j]`` = 1 if column ``j`` is on duty for the whole of interval ``i``."""
    intervals = MINUTES_PER_WEEK // interval_minutes
    rows, cols = [], []
    for j, column in enumerate(columns):
        minutes = (
            column.first_minute + np.arange(column.pattern.length_minutes)
        ) % MINUTES_PER_WEEK
        on = np.zeros(MINUTES_PER_WEEK, dtype=bool)
        on[minutes] = True
        full = on.reshape(intervals, interval_minutes).all(axis=1)
        covered = np.flatnonzero(full)
        rows.extend(covered.tolist())
        cols.extend([j] * covered.size)
    data = np.ones(len(rows))
    return sparse.csr_array((data, (rows, cols)), shape=(intervals, len(columns)))


@dataclass(frozen=True)
class RosterSolution:
    """How many people work each (pattern, day), and what that covers."""

    columns: list[Column]
    counts: np.ndarray  # people per column
    cover: np.ndarray  # people on duty for the whole of each interval
    requirement: np.ndarray
    interval_minutes: int

    @property
    def paid_hours(self) -> float:
        """Paid hours per week."""
        return float(
            sum(c.pattern.paid_hours * n for c, n in zip(self.columns, self.counts, strict=True))
        )

    @property
    def shifts(self) -> int:
        """Shifts worked per week."""
        return int(self.counts.sum())


def _label(interval: int, interval_minutes: int) -> str:
    start = interval * interval_minutes
    return f"{DAY_NAMES[start // MINUTES_PER_DAY]} {start % 1440 // 60:02d}:{start % 60:02d}"


def solve_roster(
    requirement: np.ndarray,
    patterns: Sequence[ShiftPattern],
    interval_minutes: int,
    time_limit_s: float = 120.0,
    source: str = "--shifts",
) -> RosterSolution:
    """Fewest paid hours of shifts covering ``requirement`` people in every interval.

    Parameters
    ----------
    requirement
        People needed on duty per interval of the week (Monday 00:00 first).
    patterns
        The shift patterns that may be worked.
    interval_minutes
        Length of each interval, minutes (the week divided into ``len(requirement)``).
    time_limit_s
        Time the solver may take, seconds; the best roster found by then is used.
    source
        Where the patterns came from, for messages.

    Returns
    -------
    RosterSolution
        Optimal (or, at the time limit, the best found), then made minimal:
        no single shift can be removed without breaking cover.

    Raises
    ------
    InputError
        If the patterns cannot cover the requirement (naming the first
        intervals short and by how much), or the solver finds no roster.
    """
    requirement = np.asarray(requirement, dtype=np.int64)
    columns = columns_for(patterns)
    covers = cover_matrix(columns, interval_minutes)
    low = np.array([c.pattern.min_count for c in columns], dtype=float)
    high = np.array(
        [math.inf if c.pattern.max_count is None else c.pattern.max_count for c in columns]
    )
    most = covers @ np.where(np.isinf(high), 1e9, high)
    short = np.flatnonzero(most < requirement)
    if short.size:
        first = ", ".join(
            f"{_label(i, interval_minutes)} needs {requirement[i]}, at most {most[i]:.0f}"
            for i in short[:3]
        )
        more = f" and {short.size - 3} more intervals" if short.size > 3 else ""
        raise InputError(
            [
                Problem(
                    source,
                    "patterns",
                    f"cannot cover the requirement: {first}{more}; expected patterns whose "
                    "max counts (or start times) allow enough people on duty",
                )
            ]
        )
    cost = np.array([c.pattern.paid_hours for c in columns])
    result = milp(
        cost,
        constraints=LinearConstraint(covers, lb=requirement.astype(float), ub=np.inf),
        integrality=np.ones(len(columns)),
        bounds=Bounds(low, high),
        options={"time_limit": time_limit_s, "mip_rel_gap": 1e-6},
    )
    if result.x is None:
        raise InputError(
            [Problem(source, "patterns", f"no roster found ({result.message}); expected feasible")]
        )
    counts = np.round(result.x).astype(np.int64)
    counts = _prune(counts, covers, requirement, low.astype(np.int64), cost)
    cover = covers @ counts
    log.info(
        "roster: %d shifts, %.1f paid hours (solver: %s)",
        counts.sum(),
        float(cost @ counts),
        result.message,
    )
    return RosterSolution(columns, counts, np.asarray(cover), requirement, interval_minutes)


def _prune(
    counts: np.ndarray,
    covers: sparse.csr_array,
    requirement: np.ndarray,
    low: np.ndarray,
    cost: np.ndarray,
) -> np.ndarray:
    """Drop shifts that are not needed, dearest first, until none can go."""
    counts = counts.copy()
    dense = covers.toarray()
    cover = dense @ counts
    for j in np.argsort(-cost, kind="stable"):
        while counts[j] > low[j] and np.all(cover - dense[:, j] >= requirement):
            counts[j] -= 1
            cover -= dense[:, j]
    return counts


def roster_block(solution: RosterSolution) -> dict[str, Any]:
    """The roster as a scenario's ``roster:`` mapping (shifts, days grouped)."""
    grouped: dict[tuple[str, int, int, int], list[str]] = {}
    for column, count in zip(solution.columns, solution.counts, strict=True):
        if count > 0:
            p = column.pattern
            key = (p.name, p.start_minute, p.length_minutes, int(count))
            grouped.setdefault(key, []).append(column.day)
    shifts = []
    for (name, start, length, count), days in sorted(grouped.items(), key=lambda kv: kv[0][1:]):
        shift: dict[str, Any] = {
            "name": name,
            "start": f"{start // 60:02d}:{start % 60:02d}",
            "length_hours": length / 60,
            "count": count,
        }
        if len(days) < len(DAY_NAMES):
            shift["days"] = sorted(days, key=DAY_NAMES.index)
        shifts.append(shift)
    block: dict[str, Any] = {"shifts": shifts}
    if np.any(solution.cover == 0):
        block["allow_gaps"] = True  # the requirement itself has intervals needing nobody
    return block


def roster_yaml(solution: RosterSolution, header: str = "") -> str:
    """YAML text of the roster block, with a comment header."""
    comment = "".join(f"# {line}\n" for line in header.splitlines())
    body = yaml.safe_dump({"roster": roster_block(solution)}, sort_keys=False, width=100)
    return comment + body


def roster_cover(block: dict[str, Any], interval_minutes: int) -> np.ndarray:
    """People on duty for the whole of each interval under a roster block (via ``Roster``)."""
    per_minute = Roster.model_validate(block).staff_per_minute()
    return per_minute.reshape(-1, interval_minutes).min(axis=1)
