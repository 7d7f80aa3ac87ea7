"""Windows of time: the measured period, hours, and staffing intervals of the week.

Every metric counts only what happened in the measured period ``[0, horizon)``
(seconds from Monday 00:00; the warm-up before it and the drain after it count
for nothing), and figures per hour or per staffing interval fold simulation
time onto the week. These are the only definitions of those windows: the KPIs,
the warm-up profile, the records files and the per-interval staffing figures
all use them.
"""

from __future__ import annotations

import math

import numpy as np

from sim.model.records import ReplicationOutput
from sim.units import MINUTES_PER_WEEK, SECONDS_PER_HOUR, SECONDS_PER_MINUTE, SECONDS_PER_WEEK


def in_period(times_s: np.ndarray, horizon_s: float) -> np.ndarray:
    """Whether each time (seconds) falls in the measured period ``[0, horizon_s)``.

    NaN (something that never happened) is never in the period.
    """
    return (times_s >= 0.0) & (times_s < horizon_s)


def overlaps_period(start_s: np.ndarray, end_s: np.ndarray, horizon_s: float) -> np.ndarray:
    """Whether each window ``[start_s, end_s)`` (seconds) overlaps ``[0, horizon_s)``."""
    return (end_s > 0) & (start_s < horizon_s)


def clip_to_period(times_s: np.ndarray, horizon_s: float) -> np.ndarray:
    """Times (seconds) moved into ``[0, horizon_s]``: the part of a window inside the period."""
    return np.clip(times_s, 0.0, horizon_s)


def calls_in_period(output: ReplicationOutput) -> np.ndarray:
    """Mask of the call records (all attempts) that arrived in the measured period."""
    return in_period(output.calls.arrival_s, output.horizon_s)


def incidents_in_period(output: ReplicationOutput) -> np.ndarray:
    """Mask of the incidents that got their final grade in the measured period."""
    return in_period(output.incidents.graded_at, output.horizon_s)


def outages_in_period(output: ReplicationOutput) -> np.ndarray:
    """Mask of the platform's outage windows that overlap the measured period."""
    if output.outages is None:
        return np.zeros(0, dtype=bool)
    return overlaps_period(output.outages.start_s, output.outages.end_s, output.horizon_s)


def hour_bins(start_s: float, end_s: float) -> tuple[np.ndarray, np.ndarray]:
    """Whole hours covering ``[start_s, end_s)``, cut to it at both ends.

    Returns
    -------
    tuple of numpy.ndarray
        Hour numbers counted from time 0 (negative before it), and their
        ``len(hours) + 1`` edges, seconds: the first and last edges are
        ``start_s`` and ``end_s``, the others on the hour.
    """
    first = math.floor(start_s / SECONDS_PER_HOUR)
    last = math.ceil(end_s / SECONDS_PER_HOUR)
    hours = np.arange(first, last)
    edges = np.arange(first, last + 1) * float(SECONDS_PER_HOUR)
    edges[0], edges[-1] = max(edges[0], start_s), min(edges[-1], end_s)
    return hours, edges


def intervals_per_week(interval_minutes: int) -> int:
    """Staffing intervals of ``interval_minutes`` minutes in a week."""
    return MINUTES_PER_WEEK // interval_minutes


def interval_of(times_s: np.ndarray, interval_minutes: int) -> np.ndarray:
    """Staffing interval of the week (0 = Monday from 00:00) of each time, seconds."""
    width = interval_minutes * SECONDS_PER_MINUTE
    return (np.mod(times_s, SECONDS_PER_WEEK) // width).astype(np.int64) % intervals_per_week(
        interval_minutes
    )


def hour_of_week(times_s: np.ndarray) -> np.ndarray:
    """Hour of the week (0 = Monday 00:00-01:00, ..., 167) of each time, seconds."""
    return interval_of(times_s, 60)


def interval_edges(horizon_s: float, interval_minutes: int) -> np.ndarray:
    """Edges (seconds) of the staffing intervals of the measured period, the last cut to it."""
    width = interval_minutes * SECONDS_PER_MINUTE
    return np.append(np.arange(0.0, horizon_s, width), horizon_s)
