"""Staff on duty per interval of the week, from the ids of who was seen working.

A telephony export that names the handler of each call, or a CAD export that
names the unit of each incident, shows when each was working: on duty from
the first job of a spell to its last, a spell ending after a long idle gap
(between shifts). Summed over ids and summarised over the weeks observed,
that is a roster (:func:`fit_on_duty`). A handler is seen as soon as they take
a call; a response unit can sit free for hours, so units' rosters are a lower
bound.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from sim.units import HOURS_PER_WEEK

#: Longest idle time within one spell of duty (hours): longer means a new shift.
HANDLER_GAP_HOURS = 2.0
#: Interval of a fitted handler roster (minutes): shifts change on the half hour.
HANDLER_INTERVAL_MIN = 30
#: Response units can sit free for hours at night; a spell ends only after this long (hours).
UNIT_GAP_HOURS = 4.0


@dataclass(frozen=True)
class OnDutyFit:
    """Staff on duty per interval of the week, estimated from who was seen working.

    ``per_week`` has one row per calendar week (Monday first) and one column per
    ``interval_minutes`` interval of the week (168 for hours):
    the mean number on duty in that interval (NaN outside the data). ``fitted`` is
    the whole number per interval written to the roster. ``people`` is
    how many distinct ids were seen, ``sessions`` how many spells of duty;
    ``break_share`` the share of time on duty taken out as breaks.
    """

    per_week: np.ndarray
    fitted: np.ndarray
    people: int
    sessions: int
    gap_hours: float
    summary: str
    break_share: float = 0.0
    interval_minutes: int = 60


def _sessions(
    ids: np.ndarray, busy_from: np.ndarray, busy_to: np.ndarray, gap_s: float
) -> tuple[np.ndarray, np.ndarray]:
    """Spells of duty per id: activity with no gap longer than ``gap_s`` between jobs."""
    order = np.lexsort((busy_from, ids))
    ids, busy_from, busy_to = ids[order], busy_from[order], busy_to[order]
    # Running latest end of the id's jobs so far (a short job inside a long one).
    frame = pd.DataFrame({"id": ids, "to": busy_to})
    latest_to = frame.groupby("id", sort=False)["to"].cummax().to_numpy()
    new_id = np.r_[True, ids[1:] != ids[:-1]]
    gap = np.r_[np.inf, busy_from[1:] - latest_to[:-1]]
    first = new_id | (gap > gap_s)
    label = np.cumsum(first) - 1
    starts = busy_from[first]
    ends = np.maximum.reduceat(busy_to, np.flatnonzero(first))
    assert len(starts) == label[-1] + 1
    return starts, ends


def duty_spells(
    ids: np.ndarray, busy_from_s: np.ndarray, busy_to_s: np.ndarray, gap_hours: float
) -> tuple[np.ndarray, np.ndarray]:
    """Spells of duty (starts, ends; seconds) of each id from its jobs (seconds from any origin).

    A spell runs from an id's first job to its last with no idle gap longer
    than ``gap_hours``.
    """
    if len(ids) == 0:
        return np.empty(0), np.empty(0)
    return _sessions(ids, busy_from_s, busy_to_s, gap_hours * 3600.0)


def fit_on_duty(
    ids: pd.Series,
    busy_from: pd.Series,
    busy_to: pd.Series,
    start: pd.Timestamp,
    end: pd.Timestamp,
    gap_hours: float,
    summary: Literal["median", "max"] = "median",
    breaks: tuple[pd.Series, pd.Series] | None = None,
    interval_minutes: int = 60,
) -> OnDutyFit | None:
    """Staff on duty per interval of the week from the jobs each person (or unit) did.

    A person is on duty from their first job to their last in a spell of
    work; a spell ends where they did nothing for more than ``gap_hours``
    (between shifts). The mean number on duty in each interval of each week
    is then summarised over the weeks observed.

    Parameters
    ----------
    ids
        Handler or unit id of each job.
    busy_from, busy_to
        When each job started and ended (timestamps): answer to end of call,
        or dispatch to clearing.
    start, end
        The observed period (end exclusive).
    gap_hours
        Longest idle time, in hours, within one spell of duty.
    summary
        ``median`` (a typical week) or ``max`` (the most seen in any week:
        use where idle staff are easily missed, as with response units that
        can sit idle for hours).
    breaks
        Times off within spells (starts, ends), taken out of the time on duty
        (:func:`sim.fit.breaks.breaks_while_queued`).
    interval_minutes
        Length of the roster's intervals (minutes: 15, 30 or 60). Shifts that
        change on the half hour need 30: a roster rounded to whole hours puts
        a handover's extra staff in the busy half hour after it instead.

    Returns
    -------
    OnDutyFit or None
        None when no job has an id and both times.
    """
    ok = ids.notna() & busy_from.notna() & busy_to.notna()
    ok &= ids.astype("string").str.strip().fillna("") != ""
    if not ok.any():
        return None
    origin = start.floor("D") - pd.Timedelta(days=int(start.floor("D").day_of_week))
    seconds_from = (busy_from[ok] - origin).dt.total_seconds().to_numpy()
    seconds_to = (busy_to[ok] - origin).dt.total_seconds().to_numpy()
    codes, people = pd.factorize(ids[ok].astype("string").str.strip())
    on, off = _sessions(codes, seconds_from, seconds_to, gap_hours * 3600.0)
    away_from = away_to = np.empty(0)
    if breaks is not None and len(breaks[0]):
        away_from = (breaks[0] - origin).dt.total_seconds().to_numpy()
        away_to = (breaks[1] - origin).dt.total_seconds().to_numpy()
    # Person-seconds on duty up to each event, exact for a step function.
    times = np.r_[on, off, away_from, away_to]
    order = np.argsort(times, kind="stable")
    times = times[order]
    steps = np.r_[np.ones(len(on)), -np.ones(len(off)), -np.ones(len(away_from))]
    level = np.cumsum(np.r_[steps, np.ones(len(away_to))][order])
    integral = np.r_[0.0, np.cumsum(level[:-1] * np.diff(times))]
    interval_s = interval_minutes * 60.0
    per_week_count = HOURS_PER_WEEK * 60 // interval_minutes
    first = math.floor((start - origin).total_seconds() / interval_s)
    last = math.ceil((end - origin).total_seconds() / interval_s)
    edges = np.arange(first, last + 1) * interval_s
    covered = np.interp(edges, times, integral, left=0.0, right=integral[-1])
    mean_on_duty = np.diff(covered) / interval_s
    interval = np.arange(first, last)
    weeks = int(interval[-1] // per_week_count) + 1
    per_week = np.full((weeks, per_week_count), np.nan)
    per_week[interval // per_week_count, interval % per_week_count] = mean_on_duty
    with warnings.catch_warnings():
        # An hour of the week no week covers is all-NaN: it stays NaN, then 0.
        warnings.simplefilter("ignore", RuntimeWarning)
        summarise = np.nanmedian if summary == "median" else np.nanmax
        summarised = summarise(per_week, axis=0)
    fitted = np.floor(np.nan_to_num(summarised, nan=0.0) + 0.5).astype(int)
    away_s = float(np.sum(away_to - away_from))
    share = away_s / max(float(np.sum(off - on)), 1.0)
    return OnDutyFit(
        per_week, fitted, len(people), len(on), gap_hours, summary, share, interval_minutes
    )
