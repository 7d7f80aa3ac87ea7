"""Staffing verified by simulation: figures per interval of the week, with confidence.

A staffing is simulated; every interval's achieved figure for each target
gets a 95% confidence interval across replications (:func:`verification_frame`),
and an interval whose interval lies wholly on the wrong side of a target gets
one more handler or unit, and the staffing is simulated again
(:func:`verify_staffing`, at most ``max_corrections`` rounds). Shared by
handler (:mod:`sim.planning.staffing`) and unit (:mod:`sim.planning.unit_staffing`)
staffing, as are the intervals of the week and the result type.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from sim.config import DAY_NAMES, MINUTES_PER_WEEK
from sim.metrics.statistics import t_interval
from sim.planning.targets import Target

if TYPE_CHECKING:
    from sim.planning.area import AreaSetup
    from sim.planning.pool import PoolSetup


#: Interval lengths a roster can hold, minutes.
INTERVAL_CHOICES = (15, 30, 60)


def interval_label(index: int, interval_minutes: int) -> str:
    """``Mon 07:30-08:00`` for an interval of the week."""
    start = index * interval_minutes
    end = start + interval_minutes
    day = DAY_NAMES[start // 1440].capitalize()
    return (
        f"{day} {start % 1440 // 60:02d}:{start % 60:02d}-"
        f"{end % 1440 // 60 if end % 1440 else 24:02d}:{end % 60:02d}"
    )


def interval_percentiles(slots: np.ndarray, values: np.ndarray, n: int, q: float) -> np.ndarray:
    """Percentile ``q`` (0..100) of the values falling in each of ``n`` intervals.

    Parameters
    ----------
    slots
        Interval of each value (0 .. ``n - 1``).
    values
        The values (e.g. waits, seconds, or attendance times, minutes).
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
    order = np.argsort(slots, kind="stable")
    sorted_slots, sorted_values = slots[order], values[order]
    cuts = np.flatnonzero(np.diff(sorted_slots)) + 1
    for group_slots, group in zip(
        np.split(sorted_slots, cuts), np.split(sorted_values, cuts), strict=True
    ):
        if group.size:
            result[group_slots[0]] = np.percentile(group, q)
    return result


def verification_frame(
    per_target: Iterable[tuple[Target, np.ndarray]], interval_minutes: int, method: str
) -> pd.DataFrame:
    """The verification table from each target's figures per replication and interval.

    Parameters
    ----------
    per_target
        ``(target, figures)``: ``figures`` has one row per replication and one
        column per interval of the week, in the target's unit (NaN: nothing
        measured there).
    interval_minutes
        Staffing interval, minutes.
    method
        The staffing simulated (``fmmw`` or ``sipp``).

    Returns
    -------
    pandas.DataFrame
        One row per target and interval: the mean, its 95% t-interval across
        replications and whether the target is met (outright, and within the
        interval).
    """
    rows = []
    intervals = MINUTES_PER_WEEK // interval_minutes
    for target, per_run in per_target:
        for i in range(intervals):
            mean, low, high, n = t_interval(per_run[:, i])
            rows.append(
                {
                    "method": method,
                    "interval": i,
                    "label": interval_label(i, interval_minutes),
                    "target": str(target),
                    "op": target.op,
                    "unit": target.unit,
                    "goal": target.value,
                    "mean": mean,
                    "ci_low": low,
                    "ci_high": high,
                    "replications": n,
                    "met": target.met(mean),
                    "met_within_ci": target.met_within_ci(low, high, mean),
                }
            )
    return pd.DataFrame(rows)


@dataclass(frozen=True)
class StaffingResult:
    """The requirement, how it was found, and how it performed."""

    setup: PoolSetup | AreaSetup
    requirement: pd.DataFrame  # one row per interval
    verification: pd.DataFrame  # FMMW and SIPP, per interval and target
    iterations: pd.DataFrame  # one row per simulation of the algorithm
    converged: bool
    runs: int = 0
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Verified:
    """A staffing after verification by simulation (see :func:`verify_staffing`)."""

    staff: np.ndarray  # verified staff per interval
    verification: pd.DataFrame  # FMMW (the verified staffing) then SIPP rows
    iterations: list[dict[str, object]]  # one row per verification round
    simulations: int  # simulations run (rounds plus the SIPP one)
    met: bool  # every interval meets every target within its confidence interval


def verify_staffing(
    verify: Callable[[np.ndarray, str], pd.DataFrame],
    staff: np.ndarray,
    sipp: np.ndarray,
    interval_minutes: int,
    max_corrections: int,
    step: Callable[[str], None],
    max_staff: int | None = None,
    on_round: Callable[[int, int], None] | None = None,
) -> Verified:
    """Simulate a staffing and add one where a target is missed beyond doubt; then SIPP.

    Parameters
    ----------
    verify
        Simulates a staffing (staff per interval) and returns its
        :func:`verification_frame` under the given method name.
    staff
        The staffing to verify (FMMW), per interval.
    sipp
        The SIPP staffing, simulated once for comparison.
    interval_minutes
        Staffing interval, minutes.
    max_corrections
        Verification rounds at most that add one where a target is missed
        beyond doubt.
    step
        Called with a short description before each simulation (progress).
    max_staff
        Most per interval after a correction (``None``: no cap).
    on_round
        Called with the round (0 first) and the intervals missed after each round.

    Returns
    -------
    Verified
        The verified staffing, the FMMW and SIPP figures, one iterations row
        per round (``verify-N``, staff in hours) and the simulations run.
    """
    verification = pd.DataFrame()
    iterations: list[dict[str, object]] = []
    simulations = 0
    for correction in range(max_corrections + 1):
        step("verifying" if correction == 0 else f"verifying (correction {correction})")
        verification = verify(staff, "fmmw")
        simulations += 1
        missed = np.unique(verification.loc[~verification["met_within_ci"], "interval"])
        iterations.append(
            {
                "step": f"verify-{correction}",
                "staff_hours": float(staff.sum()) * interval_minutes / 60,
                "next_staff_hours": float(staff.sum() + missed.size) * interval_minutes / 60,
                "intervals_changed": int(missed.size),
            }
        )
        if on_round is not None:
            on_round(correction, missed.size)
        if missed.size == 0 or correction == max_corrections:
            break
        staff = staff.copy()
        if max_staff is None:
            staff[missed] += 1
        else:
            staff[missed] = np.minimum(staff[missed] + 1, max_staff)
    met = bool(verification["met_within_ci"].all())
    step("simulating the SIPP staffing")
    sipp_verification = verify(sipp, "sipp")
    simulations += 1
    verification = pd.concat([verification, sipp_verification], ignore_index=True)
    return Verified(staff, verification, iterations, simulations, met)


def rostered_for(available: np.ndarray, shrinkage: float) -> np.ndarray:
    """Smallest rostered counts that give at least ``available`` after shrinkage.

    The model takes ``round(rostered * (1 - shrinkage))`` (half up) handlers.
    """
    keep = 1.0 - shrinkage
    rostered = np.maximum(np.ceil((available - 0.5) / keep - 1e-9), 0).astype(np.int64)
    # Guard the rounding at the edges: step up until the model's rounding gives enough.
    while True:
        short = np.floor(rostered * keep + 0.5) < available
        if not short.any():
            return rostered
        rostered = rostered + short


def service_spread(verification: pd.DataFrame) -> pd.DataFrame:
    """Spread of the achieved figures across intervals, per method and target.

    Returns
    -------
    pandas.DataFrame
        ``method, target, worst, std, intervals_missed`` -- the worst interval's
        mean, the standard deviation across intervals (the flatter the better)
        and the number of intervals whose interval excludes the target.
    """
    rows = []
    for (method, target), group in verification.groupby(["method", "target"], sort=False):
        means = group["mean"].dropna()
        worse = means.min() if group["op"].iloc[0] == ">=" else means.max()
        rows.append(
            {
                "method": method,
                "target": target,
                "worst": float(worse) if len(means) else math.nan,
                "std": float(means.std(ddof=1)) if len(means) > 1 else math.nan,
                "intervals_missed": int((~group["met_within_ci"]).sum()),
            }
        )
    return pd.DataFrame(rows)
