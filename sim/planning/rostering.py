"""Shift rosters that cover a staffing requirement at the fewest paid hours.

Choosing how many people work each shift pattern (:mod:`sim.planning.shifts`)
on each day, so that the people working cover the requirement in every
interval of the week at the fewest paid hours, is a set-covering integer
programme::

    minimise    sum_j paid_hours_j * x_j
    subject to  sum_j covers[i, j] * x_j >= requirement_i   for every interval i
                min_j <= x_j <= max_j, x_j integer
                x_j <= M y_s(j),  sum_s y_s <= max_starts      (with ``max_starts``)
                x_(p, mon) = x_(p, d) for d = tue .. fri         (unless ``vary_by_day``)

solved with HiGHS through :func:`scipy.optimize.milp`. ``covers[i, j]`` is
the share of column ``j``'s people working throughout interval ``i``: 0 if
the shift is not on duty for the whole of it, else one less the share on a
break there (breaks staggered evenly within their window). Shifts running past
Sunday midnight carry on into Monday, as in a scenario's roster. ``y_s`` is 1
when some shift starts at time of day ``s``, so ``max_starts`` limits the
distinct start times a centre has to run; without ``vary_by_day`` each pattern
is worked by the same number on every weekday (Saturday and Sunday are free).

The result is written as a ``roster:`` block that drops into a scenario (a
scenario's shifts have no breaks: the simulation allows for them through the
pool's shrinkage).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import yaml
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, milp

from sim.config import DAY_NAMES, MINUTES_PER_WEEK, InputError, Problem, Roster
from sim.planning.shifts import ShiftPattern

log = logging.getLogger(__name__)

MINUTES_PER_DAY = 24 * 60
WEEKDAYS = DAY_NAMES[:5]


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


def cover_matrix(
    columns: Sequence[Column], interval_minutes: int, breaks: bool = True
) -> sparse.csr_array:
    """``covers[i, j]``: share of column ``j``'s people working throughout interval ``i``.

    Zero unless the shift is on duty for the whole interval; with ``breaks``,
    the least share not on a break at any minute of it (else 1).
    """
    intervals = MINUTES_PER_WEEK // interval_minutes
    rows, cols, data = [], [], []
    for j, column in enumerate(columns):
        pattern = column.pattern
        minutes = (column.first_minute + np.arange(pattern.length_minutes)) % MINUTES_PER_WEEK
        working = np.zeros(MINUTES_PER_WEEK)
        working[minutes] = pattern.on_duty() if breaks else 1.0
        on = np.zeros(MINUTES_PER_WEEK, dtype=bool)
        on[minutes] = True
        full = on.reshape(intervals, interval_minutes).all(axis=1)
        least = working.reshape(intervals, interval_minutes).min(axis=1)
        covered = np.flatnonzero(full)
        rows.extend(covered.tolist())
        cols.extend([j] * covered.size)
        data.extend(least[covered].tolist())
    return sparse.csr_array((np.array(data), (rows, cols)), shape=(intervals, len(columns)))


@dataclass(frozen=True)
class RosterSolution:
    """How many people work each (pattern, day), and what that covers."""

    columns: list[Column]
    counts: np.ndarray  # people per column
    cover: np.ndarray  # people working (not on a break) throughout each interval
    on_duty: np.ndarray  # people rostered on duty throughout each interval, breaks included
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

    @property
    def start_times(self) -> list[int]:
        """Distinct start times of the shifts worked, minutes after midnight."""
        used = {c.pattern.start_minute for c, n in zip(self.columns, self.counts, strict=True) if n}
        return sorted(used)

    @property
    def minimum_hours(self) -> float:
        """People-hours the requirement itself asks for a week (no roster can pay less)."""
        return float(self.requirement.sum()) * self.interval_minutes / 60


def _label(interval: int, interval_minutes: int) -> str:
    start = interval * interval_minutes
    return f"{DAY_NAMES[start // MINUTES_PER_DAY]} {start % 1440 // 60:02d}:{start % 60:02d}"


def _groups(columns: Sequence[Column], vary_by_day: bool) -> list[list[int]]:
    """Columns that must have equal counts: a pattern's weekdays (unless ``vary_by_day``)."""
    groups: dict[tuple[int, str], list[int]] = {}
    for j, column in enumerate(columns):
        tied = not vary_by_day and column.day in WEEKDAYS
        key = (id(column.pattern), "weekdays" if tied else column.day)
        groups.setdefault(key, []).append(j)
    return list(groups.values())


def shortfall(
    requirement: np.ndarray,
    patterns: Sequence[ShiftPattern],
    interval_minutes: int,
    source: str = "--shifts",
) -> InputError | None:
    """The error naming intervals the patterns cannot cover even at their maxima, or None."""
    requirement = np.asarray(requirement, dtype=np.int64)
    columns = columns_for(patterns)
    covers = cover_matrix(columns, interval_minutes)
    high = np.array([1e9 if c.pattern.max_count is None else c.pattern.max_count for c in columns])
    most = np.floor(covers @ high + 1e-9)
    short = np.flatnonzero(most < requirement)
    if not short.size:
        return None
    first = ", ".join(
        f"{_label(i, interval_minutes)} needs {requirement[i]}, at most {most[i]:.0f}"
        for i in short[:3]
    )
    more = f" and {short.size - 3} more intervals" if short.size > 3 else ""
    hours = float(np.sum(requirement[short] - most[short])) * interval_minutes / 60
    return InputError(
        [
            Problem(
                source,
                "patterns",
                f"cannot cover the requirement: {first}{more} (short by {hours:,.1f} "
                "people-hours a week); expected patterns whose max counts (or start times) "
                "allow enough people on duty",
            )
        ]
    )


def solve_roster(
    requirement: np.ndarray,
    patterns: Sequence[ShiftPattern],
    interval_minutes: int,
    time_limit_s: float = 60.0,
    source: str = "--shifts",
    max_starts: int | None = None,
    vary_by_day: bool = False,
) -> RosterSolution:
    """Fewest paid hours of shifts covering ``requirement`` people in every interval.

    Parameters
    ----------
    requirement
        People needed working per interval of the week (Monday 00:00 first).
    patterns
        The shift patterns that may be worked.
    interval_minutes
        Length of each interval, minutes (the week divided into ``len(requirement)``).
    time_limit_s
        Time the solver may take, seconds; the best roster found by then is used.
    source
        Where the patterns came from, for messages.
    max_starts
        Most distinct start times (times of day) the roster may use (None: any).
    vary_by_day
        Let a pattern's numbers differ between weekdays (default: the same
        Monday to Friday).

    Returns
    -------
    RosterSolution
        Optimal (or, at the time limit, the best found), then made minimal:
        no shift (no weekday set of shifts, when tied) can be removed without
        breaking cover.

    Raises
    ------
    InputError
        If the patterns cannot cover the requirement (naming the first
        intervals short and by how much), or the solver finds no roster.
    """
    requirement = np.asarray(requirement, dtype=np.int64)
    problem = shortfall(requirement, patterns, interval_minutes, source)
    if problem is not None:
        raise problem
    columns = columns_for(patterns)
    covers = cover_matrix(columns, interval_minutes)
    n = len(columns)
    low = np.array([c.pattern.min_count for c in columns], dtype=float)
    high = np.array(
        [math.inf if c.pattern.max_count is None else c.pattern.max_count for c in columns]
    )
    cost = np.array([c.pattern.paid_hours for c in columns])
    groups = _groups(columns, vary_by_day)
    starts = sorted({c.pattern.start_minute for c in columns})
    use_starts = max_starts is not None and max_starts < len(starts)
    extra = len(starts) if use_starts else 0
    matrix = [sparse.hstack([covers, sparse.csr_array((covers.shape[0], extra))])]
    lower, upper = [requirement.astype(float)], [np.full(covers.shape[0], np.inf)]
    ties = [(g[0], j) for g in groups for j in g[1:]]
    if ties:
        tie = sparse.lil_array((len(ties), n + extra))
        for row, (a, b) in enumerate(ties):
            tie[row, a], tie[row, b] = 1.0, -1.0
        matrix.append(tie.tocsr())
        lower.append(np.zeros(len(ties)))
        upper.append(np.zeros(len(ties)))
    if use_starts:
        big = float(max(requirement.max(), 1)) * 2 + float(low.max(initial=0))
        link = sparse.lil_array((n + 1, n + extra))
        for j, column in enumerate(columns):
            link[j, j] = 1.0
            link[j, n + starts.index(column.pattern.start_minute)] = -min(big, high[j])
        link[n, n:] = 1.0
        matrix.append(link.tocsr())
        lower.append(np.full(n + 1, -np.inf))
        upper.append(np.concatenate([np.zeros(n), [float(max_starts)]]))
    result = milp(
        np.concatenate([cost, np.zeros(extra)]),
        constraints=LinearConstraint(
            sparse.vstack(matrix).tocsr(), lb=np.concatenate(lower), ub=np.concatenate(upper)
        ),
        integrality=np.ones(n + extra),
        bounds=Bounds(
            np.concatenate([low, np.zeros(extra)]), np.concatenate([high, np.ones(extra)])
        ),
        options={"time_limit": time_limit_s, "mip_rel_gap": 1e-6},
    )
    if result.x is None:
        limit = f" with at most {max_starts} start times" if use_starts else ""
        raise InputError(
            [
                Problem(
                    source,
                    "patterns",
                    f"no roster covers the requirement{limit} ({result.message}); expected "
                    "patterns (or --max-starts, minima and maxima) that allow one",
                )
            ]
        )
    counts = np.round(result.x[:n]).astype(np.int64)
    counts = _prune(counts, covers, requirement, low.astype(np.int64), cost, groups)
    on_duty = cover_matrix(columns, interval_minutes, breaks=False) @ counts
    solution = RosterSolution(
        columns, counts, np.asarray(covers @ counts), np.asarray(on_duty), requirement,
        interval_minutes,
    )  # fmt: skip
    log.info(
        "roster: %d shifts, %.1f paid hours, %d start times (solver: %s)",
        solution.shifts,
        solution.paid_hours,
        len(solution.start_times),
        result.message,
    )
    return solution


def _prune(
    counts: np.ndarray,
    covers: sparse.csr_array,
    requirement: np.ndarray,
    low: np.ndarray,
    cost: np.ndarray,
    groups: list[list[int]],
) -> np.ndarray:
    """Drop shifts (a tied group at a time) not needed, dearest first, until none can go."""
    counts = counts.copy()
    dense = covers.toarray()
    cover = dense @ counts
    order = sorted(groups, key=lambda g: -float(cost[g].sum()))
    for group in order:
        column = dense[:, group].sum(axis=1)
        while np.all(counts[group] > low[group]) and np.all(cover - column >= requirement - 1e-9):
            counts[group] -= 1
            cover -= column
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
    if np.any(solution.on_duty == 0):
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
