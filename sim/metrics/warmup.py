"""Is the warm-up long enough? Hour-by-hour queue figures over the whole run.

Every metric leaves the warm-up out, but a planner needs to see whether it was
long enough: whether queues at the start of the measured period already look
like queues later on, or still carry the empty start. This module reduces one
replication's call records to hourly figures per call segment from the start of
the warm-up to the end of the measured period -- calls arriving, their mean
answer time, and the time-average number of callers waiting -- and averages
them across replications (``warmup.csv``).

It reads only the call records' ``arrival_s``, ``answered_s``, ``patience_s``,
``queue`` and ``outcome`` and the output's times.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from sim.metrics.kpis import call_segments
from sim.metrics.windows import hour_bins
from sim.model.records import CallOutcome, ReplicationOutput

HOURLY_COLUMNS = ["segment", "hour", "arrivals", "answer_time_mean_s", "waiting_mean"]
WARMUP_COLUMNS = [
    "scenario",
    "segment",
    "hour",
    "day",
    "time",
    "period",
    "arrivals",
    "answer_time_mean_s",
    "waiting_mean",
    "replications",
]


def time_in_queue_per_bin(arrival: np.ndarray, leave: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Total time callers spent waiting inside each bin, seconds.

    Parameters
    ----------
    arrival, leave
        When each caller started and stopped waiting, seconds (``leave >= arrival``).
    edges
        Bin edges, seconds, increasing.

    Returns
    -------
    numpy.ndarray
        ``len(edges) - 1`` totals: the integral of the number waiting over each bin.
    """
    # F(e) = sum_i (min(e, leave_i) - arrival_i)^+ : waiting time accumulated before e.
    a = np.sort(arrival)
    b = np.sort(leave)
    cum_a = np.concatenate(([0.0], np.cumsum(a)))
    cum_b = np.concatenate(([0.0], np.cumsum(b)))
    started = np.searchsorted(a, edges, side="left")  # arrival < e
    left = np.searchsorted(b, edges, side="left")  # leave < e
    accumulated = cum_b[left] + edges * (started - left) - cum_a[started]
    return np.diff(accumulated)


def hourly_profile(output: ReplicationOutput) -> pd.DataFrame:
    """Hourly queue figures of one replication, warm-up included.

    Returns
    -------
    pandas.DataFrame
        One row per call segment x hour, with ``hour`` counted from the start of
        the measured period (negative in the warm-up) up to its end:
        ``arrivals`` (call attempts arriving in the hour), ``answer_time_mean_s``
        (mean seconds to answer of the answered calls among them; NaN if none)
        and ``waiting_mean`` (time-average number of callers waiting in the hour).
    """
    calls = output.calls
    arrival = calls.arrival_s
    answered = calls.answered_s
    outcome = calls.outcome
    # When each caller stopped waiting: answered, hung up, or the end of the run.
    leave = np.where(
        outcome == CallOutcome.ANSWERED,
        answered,
        np.where(outcome == CallOutcome.ABANDONED, arrival + calls.patience_s, output.end_s),
    )
    leave = np.maximum(np.minimum(leave, output.end_s), arrival)
    hours, edges = hour_bins(-output.warmup_s, output.horizon_s)
    widths = np.diff(edges)
    frames = []
    for segment, mask in call_segments(output).items():
        seg_arrival = arrival[mask]
        bins = np.searchsorted(edges, seg_arrival, side="right") - 1
        inside = (bins >= 0) & (bins < len(hours))
        counts = np.bincount(bins[inside], minlength=len(hours))
        waits = (answered - arrival)[mask]
        ok = inside & (outcome[mask] == CallOutcome.ANSWERED)
        wait_sum = np.bincount(bins[ok], weights=waits[ok], minlength=len(hours))
        wait_n = np.bincount(bins[ok], minlength=len(hours))
        with np.errstate(invalid="ignore", divide="ignore"):
            mean_wait = np.where(wait_n > 0, wait_sum / np.maximum(wait_n, 1), np.nan)
        waiting = time_in_queue_per_bin(seg_arrival, leave[mask], edges) / widths
        frames.append(
            pd.DataFrame(
                {
                    "segment": segment,
                    "hour": hours,
                    "arrivals": counts,
                    "answer_time_mean_s": mean_wait,
                    "waiting_mean": waiting,
                }
            )
        )
    return pd.concat(frames, ignore_index=True)[HOURLY_COLUMNS]


def summarise_warmup(profiles: Sequence[pd.DataFrame]) -> pd.DataFrame:
    """Hourly figures averaged across replications (``warmup.csv``).

    Parameters
    ----------
    profiles
        :func:`hourly_profile` frames, each with a ``scenario`` column added.

    Returns
    -------
    pandas.DataFrame
        One row per scenario x segment x hour: ``day`` and ``time`` (clock time
        of the hour's start; day 0 is the first Monday of the measured period),
        ``period`` (``warm-up`` or ``measured``), and the means across
        replications of ``arrivals``, ``answer_time_mean_s`` (hours with no
        answered call left out) and ``waiting_mean``.
    """
    if not profiles:
        return pd.DataFrame(columns=WARMUP_COLUMNS)
    frame = pd.concat(profiles, ignore_index=True)
    grouped = frame.groupby(["scenario", "segment", "hour"], sort=False, observed=True)
    result = grouped.agg(
        arrivals=("arrivals", "mean"),
        answer_time_mean_s=("answer_time_mean_s", "mean"),
        waiting_mean=("waiting_mean", "mean"),
        replications=("arrivals", "size"),
    ).reset_index()
    hour = result["hour"].to_numpy()
    result["day"] = np.floor_divide(hour, 24)
    result["time"] = [f"{h % 24:02d}:00" for h in hour]
    result["period"] = np.where(hour < 0, "warm-up", "measured")
    return result[WARMUP_COLUMNS]
