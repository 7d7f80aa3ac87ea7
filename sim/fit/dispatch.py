"""Dispatch delay and travel per grade: how long an incident waits before a unit is sent, and goes.

Created to dispatched is its own distribution per grade (a grade 2 waits
for a free unit; a grade 1 rarely does), fitted as a lognormal to the
positive delays, with the share dispatched at once, and shown in the comment
and on the fit page. What the scenario needs is less: the *decision* time,
since the simulator adds the wait for a unit itself. Where the export names
the unit of each job, an incident raised while a unit of its area was
evidently free (on a spell of duty and not on a job) did not wait for one, so
its created-to-dispatched time is the decision time alone
(:func:`free_unit_at_creation`): those times, per grade, are
``response.dispatch_delay``. Without unit ids, the median grade 1 delay is
the one constant ``dispatch_delay_s``, as a grade 1 is sent at once whenever
any unit is free. Travel (dispatched to arrived) is fitted per area and
grade too; a grade whose median travel differs from its area's (outside the
grade's 95% interval) gets its own ``travel_by_grade``.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from sim.fit.durations import LognormalFit, fit_lognormal
from sim.fit.rosters import duty_spells

if TYPE_CHECKING:
    from sim.fit.assemble import FitParts

#: The grades a response unit is dispatched to.
DEPLOYED_GRADES = ("grade1", "grade2")
#: Fewest incidents of a grade its own decision time or travel is fitted from.
MIN_BY_GRADE = 30
#: Units seen free at an incident's creation for it to count as not waiting for one, and
#: the longest idle time (hours) a unit counts as on duty then: a callsign off duty
#: between two shifts a few hours apart must not look free (missing a unit idle on duty
#: longer only leaves an incident out of the sample).
FREE_UNITS = 2
FREE_GAP_HOURS = 1.0
#: A decision time at most this long (s) is "at once": the export's clock has whole seconds.
AT_ONCE_S = 1.0


def _count_at(times: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """How many intervals ``[start, end)`` contain each time."""
    return np.searchsorted(np.sort(starts), times, side="right") - np.searchsorted(
        np.sort(ends), times, side="right"
    )


def free_unit_at_creation(jobs: pd.DataFrame, every: pd.DataFrame) -> np.ndarray:
    """Whether a response unit of each job's area was free when the job was created.

    The area's response units are those seen on its grade 1 and 2 ``jobs``
    (schedule cars are not); each is on duty over a spell of everything it
    did in ``every`` incident (an escalated call-back too), from first
    job to last clear, split at :data:`FREE_GAP_HOURS` idle, and busy from
    being taken for each job (:func:`_taken`) to its clear; on duty and not
    busy is free, and :data:`FREE_UNITS` free make the answer yes. Counted half a second before the
    job was created, so the job's own unit is not counted busy with it.

    Returns
    -------
    numpy.ndarray
        One bool per row of ``jobs``; all False without unit ids.
    """
    free = np.zeros(len(jobs), dtype=bool)
    needed = {"unit", "area", "dispatched", "cleared"}
    if not needed <= set(jobs.columns) or not needed <= set(every.columns) or jobs.empty:
        return free
    origin = every["created"].min()

    def seconds(frame: pd.DataFrame, column: str) -> np.ndarray:
        return (frame[column] - origin).dt.total_seconds().to_numpy(dtype=float)

    def units(frame: pd.DataFrame) -> np.ndarray:
        return frame["unit"].astype("string").str.strip().fillna("").to_numpy()

    created = seconds(jobs, "created") - 0.5
    opened, dispatched, cleared = (seconds(every, c) for c in ("created", "dispatched", "cleared"))
    unit, job_unit = units(every), units(jobs)
    timed = np.isfinite(dispatched) & np.isfinite(cleared) & (unit != "")
    area = jobs["area"].to_numpy()
    for name in pd.unique(jobs["area"].dropna()):
        here = area == name
        mine = timed & np.isin(unit, list(set(job_unit[here]) - {""}))
        if not mine.any():
            continue
        codes, _ = pd.factorize(unit[mine])
        taken = _taken(codes, opened[mine], dispatched[mine], cleared[mine])
        on, off = duty_spells(codes, taken, cleared[mine], FREE_GAP_HOURS)
        on_duty = _count_at(created[here], on, off)
        busy = _count_at(created[here], taken, cleared[mine])
        free[here] = on_duty - busy >= FREE_UNITS
    return free


def _taken(
    codes: np.ndarray, opened: np.ndarray, dispatched: np.ndarray, cleared: np.ndarray
) -> np.ndarray:
    """When each job's unit was taken for it (seconds): its creation, or the unit's last clear.

    A unit is sent while the decision is being made, so it is no longer free
    from the moment it is chosen: when the job was raised if the unit was
    free then, else when it cleared its previous job; never after dispatch.
    """
    order = np.lexsort((dispatched, codes))
    previous_clear = np.full(len(codes), -np.inf)
    same = np.r_[False, codes[order][1:] == codes[order][:-1]]
    previous_clear[order[1:][same[1:]]] = cleared[order][:-1][same[1:]]
    taken = np.maximum(np.where(np.isfinite(opened), opened, dispatched), previous_clear)
    return np.minimum(taken, dispatched)


def _decision_time(delay_s: np.ndarray) -> tuple[dict[str, Any], str]:
    """A grade's decision time for the scenario from the delays of jobs a free unit took."""
    at_once = float(np.mean(delay_s <= AT_ONCE_S))
    if at_once >= 0.5:
        value = float(np.median(delay_s))
        return {"distribution": "constant", "value_s": round(value)}, (
            f"{at_once:.0%} sent at once: the median, {value:.0f} s"
        )
    fitted = fit_lognormal(delay_s)
    assert fitted is not None, "more than half the delays are positive"
    return fitted.config(), f"lognormal, {fitted.note()} ({at_once:.0%} at once, left out)"


def add_dispatch_delay(
    parts: FitParts, force: dict[str, Any], inc: pd.DataFrame, every: pd.DataFrame
) -> None:
    """Fit created to dispatched per grade; set the decision time per grade, or the constant.

    Parameters
    ----------
    parts
        The fit's comments, fits and samples (updated here: ``dispatch_delay/<grade>``
        and, with unit ids, ``decision_delay/<grade>``, seconds).
    force
        The fitted force; its ``response`` (when there is one) gets
        ``dispatch_delay`` (per grade, with unit ids) or ``dispatch_delay_s``.
    inc
        Cleaned grade 1 and 2 incidents, with ``delay_s`` where the export has
        dispatch times.
    every
        Every cleaned incident (what else the units did).
    """
    if "delay_s" not in inc or "response" not in force:
        return
    path = (*parts.force_path, "response")
    free = free_unit_at_creation(inc, every)
    notes = []
    grade1_median = None
    per_grade: dict[str, Any] = {}
    for grade in DEPLOYED_GRADES:
        rows = (inc["grade"] == grade).to_numpy()
        delay_s = inc.loc[rows, "delay_s"].to_numpy(dtype=float)
        timed = np.isfinite(delay_s)
        delay_s, taken_free = delay_s[timed], free[rows][timed]
        if len(delay_s) == 0:
            continue
        fitted = fit_lognormal(delay_s)
        parts.fits[f"dispatch_delay/{grade}"] = fitted
        parts.samples[f"dispatch_delay/{grade}"] = delay_s
        at_once = float(np.mean(delay_s <= 0))
        median, p90 = np.quantile(delay_s, [0.5, 0.9])
        notes.append(
            f"{grade} median {median:.0f} s, p90 {p90:.0f} s (n={len(delay_s)}, "
            f"{at_once:.0%} at once"
            + (f"; the rest lognormal, {fitted.note()}" if fitted is not None else "")
            + ")"
        )
        if grade == "grade1":
            grade1_median = float(median)
        decision_s = delay_s[taken_free]
        if len(decision_s) >= MIN_BY_GRADE:
            parts.samples[f"decision_delay/{grade}"] = decision_s
            per_grade[grade], note = _decision_time(decision_s)
            parts.comments[(*path, "dispatch_delay", grade)] = (
                f"created to dispatched of the {len(decision_s)} {grade} incidents raised "
                f"while a unit of their area was free (the decision time alone); {note}"
            )
    if per_grade:
        force["response"]["dispatch_delay"] = per_grade
        parts.comments[(*path, "dispatch_delay")] = (
            "decision time per grade (the simulator adds any wait for a unit); created to "
            "dispatched, all incidents: " + "; ".join(notes)
        )
        return
    if grade1_median is None:
        return
    force["response"]["dispatch_delay_s"] = round(grade1_median)
    parts.comments[(*path, "dispatch_delay_s")] = (
        "the median grade 1 created-to-dispatched time (the simulator adds any wait for a "
        "unit); created to dispatched: " + "; ".join(notes)
    )


def fit_travel_by_grade(
    parts: FitParts, area_id: str, rows: pd.DataFrame, travel: LognormalFit
) -> dict[str, Any]:
    """Each grade's own travel in one area, where the grades differ (empty if they do not).

    Where a grade with at least :data:`MIN_BY_GRADE` timed jobs has a fitted
    median whose 95% interval leaves out the area's median (all grades), each
    grade gets its own lognormal (the area's ``travel`` mixes them);
    ``parts.fits["travel/AREA/GRADE"]`` holds every grade's fit.
    """
    fits: dict[str, LognormalFit] = {}
    differs = False
    for grade in DEPLOYED_GRADES:
        travel_s = rows.loc[rows["grade"] == grade, "travel_s"].to_numpy(dtype=float)
        fitted = fit_lognormal(travel_s) if len(travel_s) >= MIN_BY_GRADE else None
        parts.fits[f"travel/{area_id}/{grade}"] = fitted
        if fitted is None:
            continue
        parts.samples[f"travel/{area_id}/{grade}"] = travel_s
        fits[grade] = fitted
        low, high = fitted.mu_ci
        differs |= not low <= math.log(travel.median_s) <= high
    if not differs:
        return {}
    for grade, fitted in fits.items():
        parts.comments[(*parts.force_path, "areas", area_id, "travel_by_grade", grade)] = (
            f"dispatched to arrived of {grade} jobs (the grades' medians differ); " + fitted.note()
        )
    return {grade: fitted.config() for grade, fitted in fits.items()}


def travel_by_grade_note(rows: pd.DataFrame) -> str:
    """Median travel per grade of one area's jobs, for the area's travel comment ('' if none)."""
    if "travel_s" not in rows:
        return ""
    parts = []
    for grade in DEPLOYED_GRADES:
        travel_s = rows.loc[rows["grade"] == grade, "travel_s"].dropna()
        if len(travel_s) >= 3:
            parts.append(f"{grade} median {travel_s.median():.0f} s (n={len(travel_s)})")
    return "; by grade: " + ", ".join(parts) if len(parts) > 1 else ""
