"""Staffing judged by simulation: figures per interval of the week, with stated confidence.

A staffing is simulated; for every interval and target the replications'
figures give a mean and a *one-sided* confidence bound at the planner's
confidence (``--confidence``, default 0.95): the lower bound for a ``>=``
target, the upper bound for a ``<=`` one. An interval *holds* a target when
that bound is on the right side of the target, less the planner's tolerance
(``--tolerance``, in the target's unit, default 0): we are that confident the
long-run figure meets it. :func:`judge_intervals` does this for every interval at once,
and estimates the replications an interval whose mean meets the target but
whose bound does not yet would need (``n >= (t s / margin)^2``).

The search that uses it is :mod:`sim.planning.search`. Shared by handler
(:mod:`sim.planning.staffing`) and unit (:mod:`sim.planning.unit_staffing`)
staffing, as are the intervals of the week and the result type.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from scipy import stats

from sim.config import DAY_NAMES, MINUTES_PER_WEEK
from sim.planning.targets import Target

if TYPE_CHECKING:
    from sim.planning.area import AreaSetup
    from sim.planning.pool import PoolSetup


#: Interval lengths a roster can hold, minutes.
INTERVAL_CHOICES = (15, 30, 60)


@dataclass(frozen=True)
class Confidence:
    """How sure a staffing must be of each target, and how much simulation may be spent.

    Attributes
    ----------
    level
        One-sided confidence of each interval's bound (0.5 to 1; 0.95 default).
    tolerance
        How far a figure may fall short of a target and still hold, in the
        target's unit (percentage points, seconds or minutes; default 0).
    max_replications
        Most replications per staffing tried in the search.
    confirm_factor
        The confirmation run has this many times ``max_replications``.
    min_confirm
        ... and at least this many.
    """

    level: float = 0.95
    tolerance: float = 0.0
    max_replications: int = 20
    confirm_factor: float = 2.0
    min_confirm: int = 20


@dataclass(frozen=True)
class Judgement:
    """One target's figures in every interval, judged at a confidence (arrays per interval).

    ``held`` -- the bound is on the right side of the target less tolerance (an
    interval with no calls or incidents holds); ``refuted`` -- even the other
    one-sided bound is on the wrong side (short, at the same confidence);
    ``close`` -- neither, so more replications may settle it; ``needed`` the
    replications that would make the bound hold if the mean stayed where it is
    (estimated; infinite when the mean is on the wrong side).
    """

    target: Target
    mean: np.ndarray
    bound: np.ndarray
    replications: np.ndarray
    held: np.ndarray
    refuted: np.ndarray
    close: np.ndarray
    needed: np.ndarray
    sd: np.ndarray  # standard deviation across replications (NaN with fewer than two)
    margin: np.ndarray  # how far the mean is on the right side of the target less tolerance


def judge_intervals(target: Target, per_run: np.ndarray, confidence: Confidence) -> Judgement:
    """Mean and one-sided bound of a target's figure in every interval, and whether it holds.

    Parameters
    ----------
    target
        The target.
    per_run
        One row per replication, one column per interval, in the target's unit
        (NaN: nothing measured there in that replication).
    confidence
        Level and tolerance.
    """
    values = np.asarray(per_run, dtype=float)
    finite = ~np.isnan(values)
    n = finite.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(n > 0, np.nansum(values, axis=0) / np.maximum(n, 1), np.nan)
        squares = np.nansum((values - mean) ** 2, axis=0)
        sd = np.where(n > 1, np.sqrt(squares / np.maximum(n - 1, 1)), np.nan)
        t = stats.t.ppf(confidence.level, np.maximum(n - 1, 1))
        half = np.where(n > 1, t * sd / np.sqrt(np.maximum(n, 1)), np.inf)
    sign = 1.0 if target.op == ">=" else -1.0
    goal = target.value - sign * confidence.tolerance
    margin = sign * (mean - goal)  # how far the mean is on the right side
    empty = n == 0
    held = empty | (margin - half >= -1e-9)
    refuted = ~empty & (n > 1) & (margin + half < 0)
    close = ~held & ~refuted
    with np.errstate(invalid="ignore", divide="ignore"):
        needed = np.where(
            close & (n > 1) & (margin > 0),
            np.ceil((t * sd / np.where(margin > 0, margin, 1.0)) ** 2),
            np.inf,
        )
    return Judgement(target, mean, mean - sign * half, n, held, refuted, close, needed, sd, margin)


def verification_frame(
    judged: Iterable[Judgement],
    interval_minutes: int,
    method: str,
    stage: str,
    confidence: Confidence,
) -> pd.DataFrame:
    """The verification table: one row per target and interval.

    Parameters
    ----------
    judged
        Each target's :class:`Judgement`.
    interval_minutes
        Staffing interval, minutes.
    method
        The staffing simulated (``fmmw`` or ``sipp``).
    stage
        ``search`` (the replications the search used) or ``confirmation``
        (fresh seeds, more replications).
    confidence
        Level and tolerance the bounds were taken at.

    Returns
    -------
    pandas.DataFrame
        ``method, stage, interval, label, target, op, unit, goal, tolerance,
        confidence, mean, bound, replications, met, held, replications_needed``:
        the mean and its one-sided bound, whether the mean meets the target
        less tolerance, whether the bound does (the interval holds), and the
        replications that would make it hold if the mean stayed put (infinite
        where the mean misses).
    """
    intervals = MINUTES_PER_WEEK // interval_minutes
    labels = [interval_label(i, interval_minutes) for i in range(intervals)]
    frames = []
    for j in judged:
        sign = 1.0 if j.target.op == ">=" else -1.0
        goal = j.target.value - sign * confidence.tolerance
        frames.append(
            pd.DataFrame(
                {
                    "method": method,
                    "stage": stage,
                    "interval": np.arange(intervals),
                    "label": labels,
                    "target": str(j.target),
                    "op": j.target.op,
                    "unit": j.target.unit,
                    "goal": j.target.value,
                    "tolerance": confidence.tolerance,
                    "confidence": confidence.level,
                    "mean": j.mean,
                    "bound": j.bound,
                    "replications": j.replications,
                    "met": np.isnan(j.mean) | (sign * (j.mean - goal) >= -1e-9),
                    "held": j.held,
                    "replications_needed": np.where(j.held, j.replications, j.needed),
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def interval_label(index: int, interval_minutes: int) -> str:
    """``Mon 07:30-08:00`` for an interval of the week."""
    start = index * interval_minutes
    end = start + interval_minutes
    day = DAY_NAMES[start // 1440].capitalize()
    return (
        f"{day} {start % 1440 // 60:02d}:{start % 60:02d}-"
        f"{end % 1440 // 60 if end % 1440 else 24:02d}:{end % 60:02d}"
    )


@dataclass(frozen=True)
class Estimate:
    """The analytic first estimate, before any simulation (per interval of the week).

    ``columns`` are the requirement table's analytic columns (rates, loads,
    ``sipp_staff``, ``fmmw_staff``); ``rostered`` the FMMW staffing with
    shrinkage added back -- what a roster must cover if the simulation
    confirms it unchanged, and what the fast feasibility check uses.
    """

    staff: np.ndarray  # FMMW: Erlang at the offered load
    sipp: np.ndarray
    rostered: np.ndarray
    columns: dict[str, object]
    iterations: list[dict[str, object]]
    converged: bool


@dataclass(frozen=True)
class StaffingResult:
    """The requirement, how it was found, and how it performed."""

    setup: PoolSetup | AreaSetup
    requirement: pd.DataFrame  # one row per interval
    verification: pd.DataFrame  # FMMW and SIPP, per interval and target
    iterations: pd.DataFrame  # one row per simulation of the algorithm
    converged: bool  # the confirmation run held every target in every interval
    runs: int = 0  # simulations (staffings tried, confirmation included)
    notes: list[str] = field(default_factory=list)
    replications: int = 0  # replications simulated in all
    search_replications: int = 0  # replications per staffing at the end of the search
    confirm_replications: int = 0  # replications of the (last) confirmation run


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
    """Per method, stage and target: the worst interval, the spread, how many intervals hold.

    Returns
    -------
    pandas.DataFrame
        ``method, stage, target, worst, worst_bound, worst_label, std,
        intervals, intervals_held, replications`` -- the mean and one-sided
        bound of the interval whose bound is worst, the standard deviation of
        the means across intervals (the flatter the better), the intervals
        with a figure and how many of them hold the target.
    """
    rows = []
    keys = ["method", "stage", "target"]
    for (method, stage, target), group in verification.groupby(keys, sort=False):
        measured = group[group["mean"].notna()]
        sign = 1.0 if group["op"].iloc[0] == ">=" else -1.0
        if len(measured):
            worst = measured.loc[(sign * measured["bound"]).idxmin()]
            worst_mean, worst_bound = float(worst["mean"]), float(worst["bound"])
            worst_label = str(worst["label"])
        else:
            worst_mean = worst_bound = math.nan
            worst_label = ""
        rows.append(
            {
                "method": method,
                "stage": stage,
                "target": target,
                "worst": worst_mean,
                "worst_bound": worst_bound,
                "worst_label": worst_label,
                "std": float(measured["mean"].std(ddof=1)) if len(measured) > 1 else math.nan,
                "intervals": len(measured),
                "intervals_held": int(measured["held"].sum()),
                "replications": int(group["replications"].max()),
            }
        )
    return pd.DataFrame(rows)
