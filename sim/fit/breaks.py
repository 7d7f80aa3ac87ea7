"""Handler breaks: idle spells while callers queued, taken out of the hours a handler was on duty.

A handler is on duty from the first call of a spell of work to the last, but
not available all that time: breaks, training and meetings sit inside it. A
telephony export does not say when a handler was on a break, but it shows
it: a handler idle for :data:`MIN_BREAK_MIN` minutes or more while callers
were waiting was not there to answer them (an ACD routes a waiting call to
any free handler at once). Such gaps are taken out of the roster
(:func:`breaks_while_queued`), and their share of the time on duty is the
fitted shrinkage.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

#: Shortest idle gap read as a break (minutes): shorter is the ACD's own slack.
MIN_BREAK_MIN = 5.0
#: Shortest wait (s) that says callers were queuing.
QUEUED_S = 30.0
#: Share of a gap callers must have been queuing for it to be a break.
QUEUED_SHARE = 0.5


def _coverage(starts: np.ndarray, ends: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Times and cumulative covered seconds of the union of intervals (for ``np.interp``)."""
    order = np.argsort(starts)
    starts, ends = starts[order], np.maximum.accumulate(ends[order])
    new = np.r_[True, starts[1:] > ends[:-1]]
    group = np.cumsum(new) - 1
    union_from = starts[new]
    union_to = np.maximum.reduceat(ends, np.flatnonzero(new))
    assert len(union_from) == group[-1] + 1
    times = np.ravel(np.column_stack([union_from, union_to]))
    lengths = np.ravel(np.column_stack([np.zeros(len(union_from)), union_to - union_from]))
    return times, np.cumsum(lengths)


def breaks_while_queued(
    calls: pd.DataFrame, gap_hours: float
) -> tuple[pd.Series, pd.Series] | None:
    """When each handler was idle, within a spell of work, while callers queued.

    Parameters
    ----------
    calls
        Cleaned calls (:func:`sim.fit.read.clean_calls`) with ``handler_id``.
    gap_hours
        Longest idle time within one spell of work (longer is between shifts).

    Returns
    -------
    (starts, ends) or None
        The breaks (local timestamps), or None without handler ids or waits.
    """
    if "handler_id" not in calls or calls.empty:
        return None
    origin = calls["arrival"].min()
    arrival, answered, ended = (
        (calls[column] - origin).dt.total_seconds().to_numpy()
        for column in ("arrival", "answered", "ended")
    )
    waited = calls["wait_s"].to_numpy(dtype=float)
    queued = np.isfinite(waited) & (waited >= QUEUED_S)
    if not queued.any():
        return None
    cover_t, cover_s = _coverage(arrival[queued], arrival[queued] + waited[queued])
    took = calls["answered_flag"].to_numpy() & calls["handler_id"].notna().to_numpy()
    handler = calls["handler_id"].to_numpy()[took]
    start, end = answered[took], ended[took]
    order = np.lexsort((start, handler))
    handler, start, end = handler[order], start[order], end[order]
    latest = pd.Series(end).groupby(handler).cummax().to_numpy()
    same = np.r_[False, handler[1:] == handler[:-1]]
    gap_from, gap_to = np.r_[np.nan, latest[:-1]], start
    length = gap_to - gap_from
    candidate = same & (length >= MIN_BREAK_MIN * 60) & (length <= gap_hours * 3600)
    gap_from, gap_to, length = gap_from[candidate], gap_to[candidate], length[candidate]
    overlap = np.interp(gap_to, cover_t, cover_s) - np.interp(gap_from, cover_t, cover_s)
    is_break = overlap >= QUEUED_SHARE * length
    starts = pd.Series(origin + pd.to_timedelta(gap_from[is_break], unit="s"))
    ends = pd.Series(origin + pd.to_timedelta(gap_to[is_break], unit="s"))
    return starts, ends
