"""Each target's figure per staffing interval of one replication, computed where it ran.

The staffing search (:mod:`sim.planning.search`) reduces every replication
to one row per target and one column per interval of the week in the worker
process that simulated it (:class:`FiguresReducer`), so the figures' cost is
shared by the workers and a few hundred numbers come back instead of every
call. The reducers carry plain data (targets, queue references, the
interval), never a scenario or a setup, and this module imports nothing
heavy: a worker unpickling them imports only this, not pandas or scipy.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.catalogue import PERCENTILES
from sim.metrics.windows import in_period, interval_of, intervals_per_week
from sim.planning.simulation import AreaIncidents, PoolCalls
from sim.planning.targets import Target

if TYPE_CHECKING:
    from sim.config import Scenario
    from sim.model.replication import ReplicationOutput
    from sim.planning.area import AreaSetup
    from sim.planning.pool import PoolSetup


@dataclass(frozen=True)
class FiguresReducer:
    """Reduce a replication, where it ran, to each target's figure per interval.

    ``keep`` takes what the figures need of the replication (the pool's
    calls, the area's incidents); ``figures`` turns that into one row per
    target and one column per interval of the week.
    """

    keep: Callable[[ReplicationOutput, Scenario], Any]
    figures: Callable[[Any], np.ndarray]

    def __call__(self, output: ReplicationOutput, scenario: Scenario) -> np.ndarray:
        """Targets x intervals figures of this replication."""
        return self.figures(self.keep(output, scenario))


def interval_percentiles(slots: np.ndarray, values: np.ndarray, n: int, q: float) -> np.ndarray:
    """Percentile ``q`` (0..100) of the values falling in each of ``n`` intervals.

    The same figure as :func:`numpy.percentile` (its default, linear
    interpolation) of each interval's values, computed for all intervals at
    once from one sort: this runs once per replication and target in the
    staffing search, where one call of :func:`numpy.percentile` per interval
    cost about as much as a fifth of the simulation.

    Parameters
    ----------
    slots
        Interval of each value (0 .. ``n - 1``).
    values
        The values, finite (e.g. waits, seconds, or attendance times, minutes).
    n
        Intervals in a week.
    q
        The percentile, 0..100.

    Returns
    -------
    numpy.ndarray
        One figure per interval, in the values' unit (NaN: no values there).
    """
    result = np.full(n, np.nan)
    slots = np.asarray(slots, dtype=np.int64)
    values = np.asarray(values, dtype=float)
    if values.size == 0:
        return result
    order = np.lexsort((values, slots))  # by interval, then by value
    ordered = values[order]
    counts = np.bincount(slots, minlength=n)
    first = np.concatenate(([0], np.cumsum(counts)[:-1]))
    has = counts > 0
    position = (counts[has] - 1) * (q / 100.0)
    below = np.floor(position).astype(np.int64)
    t = position - below
    a = ordered[first[has] + below]
    b = ordered[first[has] + np.minimum(below + 1, counts[has] - 1)]
    # numpy's own interpolation, so the figures are the same to the last bit.
    diff = b - a
    result[has] = np.where(t >= 0.5, b - diff * (1 - t), a + diff * t)
    return result


def interval_figures(
    run: PoolCalls, target: Target, refs: tuple[str, ...], interval_minutes: int
) -> np.ndarray:
    """One replication's figure for a target in each interval of the week (NaN: no calls).

    ``refs`` are the ``force/channel`` queues of the target's segment; the
    figure is in the target's unit (% of offered calls, or seconds).
    """
    inside = in_period(run.arrival_s, run.horizon_s)
    inside &= np.isin(run.ref, list(refs))
    slot = interval_of(run.arrival_s[inside], interval_minutes)
    n = intervals_per_week(interval_minutes)
    offered = np.bincount(slot, minlength=n).astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        if target.metric == "answered_within_target":
            hits = np.bincount(slot, weights=run.within[inside], minlength=n)
            return np.where(offered > 0, 100.0 * hits / offered, np.nan)
        if target.metric == "abandoned":
            hits = np.bincount(slot, weights=run.abandoned[inside], minlength=n)
            return np.where(offered > 0, 100.0 * hits / offered, np.nan)
    answered = run.answered[inside]
    return _statistic(slot[answered], run.wait_s[inside][answered], n, target.stat)


def _statistic(slots: np.ndarray, values: np.ndarray, n: int, stat: str) -> np.ndarray:
    """The mean or a percentile (``p50``, ``p90``...) of the values in each interval."""
    if stat == "mean":
        total = np.bincount(slots, weights=values, minlength=n)
        counted = np.bincount(slots, minlength=n)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(counted > 0, total / np.maximum(counted, 1), np.nan)
    return interval_percentiles(slots, values, n, PERCENTILES[stat])


@dataclass(frozen=True)
class PoolFigures:
    """Each target's figure per interval (targets x intervals) of one replication's pool calls."""

    targets: tuple[Target, ...]
    refs: tuple[tuple[str, ...], ...]  # per target: the queues of its segment
    interval_minutes: int

    @classmethod
    def of(cls, setup: PoolSetup) -> PoolFigures:
        """The figures of a pool's targets."""
        refs = tuple(tuple(setup.segments[t.segment]) for t in setup.targets)
        return cls(tuple(setup.targets), refs, setup.interval_minutes)

    def __call__(self, run: PoolCalls) -> np.ndarray:
        """One row per target of :func:`interval_figures`."""
        return np.vstack(
            [
                interval_figures(run, target, refs, self.interval_minutes)
                for target, refs in zip(self.targets, self.refs, strict=True)
            ]
        )


def area_interval_figures(
    run: AreaIncidents, target: Target, grade: int, within_min: float, interval_minutes: int
) -> np.ndarray:
    """One replication's figure for a target in each interval of the week (NaN: no incidents).

    ``grade`` is the grade code the target is about and ``within_min`` its
    attendance target, minutes; the figure is in the target's unit (% or minutes).
    """
    inside = (run.ready_s >= 0) & (run.ready_s < run.horizon_s) & (run.grade == grade)
    slot = interval_of(run.ready_s[inside], interval_minutes)
    n = intervals_per_week(interval_minutes)
    values = run.dispatch_min if target.metric == "dispatch_delay" else run.attendance_min
    values = values[inside]
    if target.metric == "attended_within_target":
        hits = np.bincount(slot, weights=values <= within_min, minlength=n)
        counted = np.bincount(slot, minlength=n).astype(float)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(counted > 0, 100.0 * hits / counted, np.nan)
    finite = np.isfinite(values)
    return _statistic(slot[finite], values[finite], n, target.stat)


@dataclass(frozen=True)
class AreaFigures:
    """Each target's figure per interval (targets x intervals) of one replication's incidents."""

    targets: tuple[Target, ...]
    grades: tuple[int, ...]  # per target: the grade code it is about
    within_min: tuple[float, ...]  # per target: that grade's attendance target, minutes
    interval_minutes: int

    @classmethod
    def of(cls, setup: AreaSetup) -> AreaFigures:
        """The figures of an area's targets."""
        within = tuple(float(setup.within_min[g]) for g in setup.target_grades)
        return cls(tuple(setup.targets), tuple(setup.target_grades), within, setup.interval_minutes)

    def __call__(self, run: AreaIncidents) -> np.ndarray:
        """One row per target of :func:`area_interval_figures`."""
        return np.vstack(
            [
                area_interval_figures(run, target, grade, within, self.interval_minutes)
                for target, grade, within in zip(
                    self.targets, self.grades, self.within_min, strict=True
                )
            ]
        )
