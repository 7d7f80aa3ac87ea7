"""The response side of a fitted force: areas, travel, units, on-scene times and teams.

Grade 1 and 2 incidents give each area's share, its travel time (dispatched
to arrived) and, where the CAD export names the unit, its units on duty;
arrived to cleared gives the time on scene per grade. The appointment cars and
the telephone resolution team are sized from their volumes and marked
ASSUMED: a CAD export does not show them working.
"""

from __future__ import annotations

import math
import re
import unicodedata
import warnings
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from sim.fit.demand import rounded_shares
from sim.fit.dispatch import add_dispatch_delay, fit_travel_by_grade, travel_by_grade_note
from sim.fit.durations import LognormalFit, fit_lognormal
from sim.fit.rosters import UNIT_GAP_HOURS, fit_on_duty
from sim.units import HOURS_PER_WEEK

if TYPE_CHECKING:
    from sim.fit.assemble import FitParts

#: Time on scene (s) an area's units are assumed busy for when no grade's was fitted.
ASSUMED_ON_SCENE_S = 2400.0


#: Utilisation a response area is sized for when the export names no units.
UNIT_UTILISATION = 0.65
#: Longest identifier a scenario accepts (``sim.config.base.Identifier``).
MAX_ID_LENGTH = 40


def valid_ids(names: Iterable[str], fallback: str = "area") -> dict[str, str]:
    """A scenario identifier for each name in an export, unique and valid.

    ``Town Centre`` becomes ``town-centre`` and ``Bédford`` ``bedford``: lower
    case, accents dropped, anything else but letters, digits, ``_`` and ``-``
    a hyphen, at most 40 characters; a clash gets ``-2``, ``-3``...
    """
    out: dict[str, str] = {}
    used: set[str] = set()
    for name in names:
        ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
        base = re.sub(r"[^a-z0-9_-]+", "-", ascii_name.lower()).strip("-_")[:MAX_ID_LENGTH]
        base = base or fallback
        ident, n = base, 2
        while ident in used:
            suffix = f"-{n}"
            ident, n = base[: MAX_ID_LENGTH - len(suffix)] + suffix, n + 1
        used.add(ident)
        out[name] = ident
    return out


def _units_for(rate_per_h: float, busy_s: float, utilisation: float = 0.65) -> int:
    """Units (or staff) to keep ``utilisation`` at ``rate_per_h`` jobs an hour of ``busy_s`` s."""
    return max(1, math.ceil(rate_per_h * busy_s / 3600.0 / utilisation))


def _on_scene_fits(parts: FitParts, inc: pd.DataFrame) -> dict[str, LognormalFit | None]:
    """Arrived to cleared per grade (empty without both columns)."""
    fits: dict[str, LognormalFit | None] = {}
    if "on_scene_s" in inc:
        for grade in ("grade1", "grade2", "scheduled"):
            scene_s = inc.loc[inc["grade"] == grade, "on_scene_s"].to_numpy(dtype=float)
            fits[grade] = fit_lognormal(scene_s)
            parts.samples[f"on_scene/{grade}"] = scene_s
    parts.fits["on_scene"] = fits
    return fits


def _area_section(
    parts: FitParts,
    area_id: str,
    rows: pd.DataFrame,
    columns: set[str],
    share: tuple[int, int],
    mean_scene_s: float,
    also_busy: pd.DataFrame,
) -> dict[str, Any]:
    """One area from its grade 1 and 2 incidents: kind, share, travel and units.

    ``share`` is (the area's incidents, all areas' incidents); ``mean_scene_s``
    sizes the units when no unit ids are given; ``also_busy`` are the other
    jobs the area's response units did (escalated call-backs), with unit ids.
    """
    path = (*parts.force_path, "areas", area_id)
    comments = parts.comments
    k, total = share
    travel = None
    if "travel_s" in columns:
        travel_s = rows["travel_s"].to_numpy(dtype=float)
        travel = fit_lognormal(travel_s)
        parts.samples[f"travel/{area_id}"] = travel_s
    parts.fits[f"travel/{area_id}"] = travel
    area: dict[str, Any] = {
        "kind": "rural" if "rural" in area_id else "urban",
        "share": k / total,
    }
    comments[(*path, "kind")] = "ASSUMED from the area name: set urban or rural"
    comments[(*path, "share")] = f"{k} of {total} grade 1 and 2 incidents"
    if travel is not None:
        area["travel"] = travel.config()
        comments[(*path, "travel")] = (
            "dispatched to arrived; " + travel.note() + travel_by_grade_note(rows)
        )
        own = fit_travel_by_grade(parts, area_id, rows, travel)
        if own:
            area["travel_by_grade"] = own
        busy_s = travel.median_s * 2 + mean_scene_s
    else:
        area["travel"] = {"distribution": "exponential", "mean_s": 600}
        comments[(*path, "travel")] = "ASSUMED, not fitted: no dispatched/arrived times"
        busy_s = 1200 + mean_scene_s
    units = None
    if {"unit", "dispatched", "cleared"} <= columns:
        units = fit_on_duty(
            rows["unit"],
            rows["dispatched"],
            rows["cleared"],
            parts.start,
            parts.end,
            gap_hours=UNIT_GAP_HOURS,
            summary="max",
        )
    parts.fits[f"units/{area_id}"] = units
    if units is not None and units.fitted.sum() > 0:
        # Seen is a lower bound (a unit free all spell is not seen): at least enough
        # units to carry the work the units were seen doing, sized as without ids.
        carried, _ = _units_from_workload(parts, area_id, rows, k, busy_s, also_busy)
        staff = np.maximum(units.fitted, np.asarray(carried["staff"]))
        area["units"] = {"staff": [int(v) for v in staff], "allow_gaps": True}
        comments[(*path, "units")] = (
            f"fitted from {units.people} unit ids on grade 1 and 2 jobs: on duty from "
            f"first dispatch to last clear of each spell (split at {UNIT_GAP_HOURS:g} h "
            f"idle), most seen in any of {len(units.per_week)} weeks per hour of the "
            "week (a lower bound: a unit free all spell is not seen), or, where more, the "
            f"mean busy units (their escalated call-backs too) for {UNIT_UTILISATION:.0%} "
            f"utilisation ({int((staff > units.fitted).sum())} hours of the week)"
        )
    else:
        area["units"], comments[(*path, "units")] = _units_from_workload(
            parts, area_id, rows, k, busy_s
        )
    return area


def _units_from_workload(
    parts: FitParts,
    area_id: str,
    rows: pd.DataFrame,
    jobs: int,
    assumed_busy_s: float,
    also_busy: pd.DataFrame | None = None,
) -> tuple[dict[str, Any], str]:
    """Units on duty, with no unit ids, sized from the area's mean busy units in each hour.

    Each job keeps a unit busy from dispatch to clearing; the mean number busy
    in each hour of the week (over the weeks observed) divided by
    :data:`UNIT_UTILISATION` is the roster. Real job times are long-tailed, so
    the mean workload, not a median job time, is what the units must carry.
    Without dispatch and clear times the units are sized from ``assumed_busy_s``.
    ``also_busy`` jobs (dispatched and cleared) add to the workload only.
    """
    timed = rows[:0]
    if {"dispatched", "cleared"} <= set(rows.columns):
        timed = rows[rows["dispatched"].notna() & rows["cleared"].notna()]
    worked = timed
    if also_busy is not None and not also_busy.empty and not timed.empty:
        extra = also_busy[also_busy["dispatched"].notna() & also_busy["cleared"].notna()]
        worked = pd.concat([timed, extra])
    if timed.empty:
        staff = _units_for(jobs / parts.hours, assumed_busy_s, UNIT_UTILISATION)
        return {"staff": staff}, (
            f"ASSUMED, not fitted (no unit ids, no dispatch and clear times): sized for about "
            f"{UNIT_UTILISATION:.0%} utilisation"
        )
    each_job = pd.Series(np.arange(len(worked))).astype(str)
    busy = fit_on_duty(
        each_job,
        worked["dispatched"].reset_index(drop=True),
        worked["cleared"].reset_index(drop=True),
        parts.start,
        parts.end,
        gap_hours=0.0,
    )
    assert busy is not None
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # an hour of the week no week covers
        workload = np.nan_to_num(np.nanmean(busy.per_week, axis=0))
        busiest = np.nan_to_num(np.nanmax(busy.per_week, axis=0))
    parts.fits[f"workload/{area_id}"] = workload
    staff = np.maximum(np.ceil(workload / UNIT_UTILISATION - 1e-9), 1).astype(int)
    saturated = _saturated_hours(timed)
    # Where jobs queued for a unit, every unit on duty was busy: the busiest week's
    # mean busy units is the number on duty then, not a share of it.
    staff[saturated] = np.maximum(np.round(busiest[saturated]), 1).astype(int)
    note = (
        f"ASSUMED, not fitted (no unit ids): sized from the mean busy units in each hour of "
        f"the week (dispatched to cleared; {workload.sum():,.0f} unit-hours a week from "
        f"{len(timed)} jobs) for about {UNIT_UTILISATION:.0%} utilisation, and in the "
        f"{int(saturated.sum())} hours of the week where jobs queued for a unit, the most "
        "seen busy at once; check against your roster"
    )
    return {"staff": [int(v) for v in staff]}, note


#: Share of an hour's jobs waiting for a unit above which every unit on duty was busy.
SATURATED_SHARE = 0.1


def _saturated_hours(jobs: pd.DataFrame) -> np.ndarray:
    """Hours of the week in which at least :data:`SATURATED_SHARE` of jobs waited for a unit.

    A job waited when its dispatch delay exceeds the grade 1 median (the
    decision time) by more than a minute.
    """
    if "delay_s" not in jobs:
        return np.zeros(HOURS_PER_WEEK, dtype=bool)
    delay_s = jobs["delay_s"].to_numpy(dtype=float)
    grade1 = delay_s[(jobs["grade"] == "grade1").to_numpy()]
    decision_s = float(np.nanmedian(grade1)) if len(grade1) else 0.0
    slot = (jobs["created"].dt.day_of_week * 24 + jobs["created"].dt.hour).to_numpy()
    waited = np.nan_to_num(delay_s, nan=0.0) > decision_s + 60.0
    jobs_in = np.bincount(slot, minlength=HOURS_PER_WEEK)
    waited_in = np.bincount(slot, weights=waited, minlength=HOURS_PER_WEEK)
    return (jobs_in >= 5) & (waited_in >= SATURATED_SHARE * np.maximum(jobs_in, 1))


def _escalated_to_response_units(inc: pd.DataFrame, deployed: pd.DataFrame) -> pd.DataFrame:
    """Resolution incidents a response unit (one seen on grade 1 and 2 jobs) was sent to."""
    if not {"unit", "dispatched", "cleared"} <= set(inc.columns):
        return inc[:0]
    response_units = set(deployed["unit"].dropna())
    sent = (inc["grade"] == "resolution") & inc["dispatched"].notna()
    return inc[sent & inc["unit"].isin(response_units)]


def _on_scene_section(parts: FitParts, fits: dict[str, LognormalFit | None]) -> dict[str, Any]:
    """``response.on_scene``: a grade with no fit borrows the other grade's, else is assumed."""
    path = (*parts.force_path, "response", "on_scene")
    on_scene: dict[str, Any] = {}
    for grade in ("grade1", "grade2"):
        f = fits.get(grade) or fits.get("grade2") or fits.get("grade1")
        if f is not None:
            on_scene[grade] = f.config()
            parts.comments[(*path, grade)] = "arrived to cleared; " + (
                f.note() if fits.get(grade) is f else f"borrowed from another grade; {f.note()}"
            )
        else:
            on_scene[grade] = {"distribution": "lognormal", "median_s": 2400, "p90_s": 5400}
            parts.comments[(*path, grade)] = "ASSUMED, not fitted"
    scheduled = fits.get("scheduled")
    if scheduled is not None:
        on_scene["scheduled"] = scheduled.config()
        parts.comments[(*path, "scheduled")] = "arrived to cleared; " + scheduled.note()
    return on_scene


def _add_teams(parts: FitParts, force: dict[str, Any], inc: pd.DataFrame) -> None:
    """Appointment cars and a resolution team where the grading uses them.

    Without areas, grade 1 and 2 shares are dropped: there is no one to attend.
    """
    fpath = parts.force_path
    sources = [*force["channels"].values(), *([force["online"]] if "online" in force else [])]
    grades_used = {g for ch in sources for g in ch.get("grading", {})}
    if {"grade1", "grade2"} & grades_used and "areas" not in force:
        for ch in sources:
            for g in ("grade1", "grade2"):
                ch.get("grading", {}).pop(g, None)
        parts.comments[(*fpath, "channels")] = (
            "no areas in the incidents: grade 1 and 2 shares dropped"
        )
    if "scheduled" in grades_used:
        n_sched = int((inc["grade"] == "scheduled").sum())
        force["appointments"] = {
            "cars": _units_for(n_sched / parts.hours, 3600, 0.5),
            "lead_time_hours": 2,
        }
        parts.comments[(*fpath, "appointments")] = (
            "ASSUMED, not fitted: cars sized from the scheduled volume"
        )
    if "resolution" in grades_used:
        n_res = int((inc["grade"] == "resolution").sum())
        force["resolution"] = {
            "roster": {"staff": _units_for(n_res / parts.hours, 1200, 0.6)},
            "callback": {"distribution": "exponential", "mean_s": 1200},
        }
        parts.comments[(*fpath, "resolution")] = (
            "ASSUMED, not fitted: team sized from the resolution volume"
        )
        escalation, note = _escalation(inc)
        if escalation:
            force["resolution"]["escalation"] = escalation
            parts.comments[(*fpath, "resolution", "escalation")] = note


def _escalation(inc: pd.DataFrame) -> tuple[dict[str, float], str]:
    """Shares of call-backs escalated to a deployment: resolution incidents a unit was sent to.

    Sent a response unit (one seen on grade 1 and 2 jobs), it became a grade 2;
    sent any other (a schedule car), an appointment. Empty when none was sent,
    or the export has no dispatch times or no unit ids (a response unit and a
    schedule car cannot be told apart then).
    """
    resolution = inc[inc["grade"] == "resolution"]
    if not {"dispatched", "unit"} <= set(inc.columns) or resolution.empty:
        return {}, ""
    sent = resolution[resolution["dispatched"].notna()]
    response_units = set(inc.loc[inc["grade"].isin(["grade1", "grade2"]), "unit"].dropna())
    to_grade2 = int(sent["unit"].isin(response_units).sum())
    if not len(sent):
        return {}, ""
    n = len(resolution)
    exact = rounded_shares({"grade2": to_grade2 / n, "scheduled": (len(sent) - to_grade2) / n})
    return exact, (
        f"{len(sent)} of {len(resolution)} resolution incidents had a unit sent: {to_grade2} "
        "a response unit (grade 2), the rest another unit (an appointment)"
    )


def add_response(parts: FitParts, force: dict[str, Any], inc: pd.DataFrame) -> None:
    """Add ``areas``, ``response``, ``appointments`` and ``resolution`` to a fitted force.

    Parameters
    ----------
    parts
        The fit's period, comments, fits and samples (updated here).
    force
        The force dict, its ``channels`` (and ``online``) already fitted; grade
        1 and 2 shares are dropped from their grading when there are no areas.
    inc
        Cleaned incidents.
    """
    on_scene_fits = _on_scene_fits(parts, inc)
    deployed = inc[inc["grade"].isin(["grade1", "grade2"])]
    if "area" in inc:
        deployed = deployed[deployed["area"].notna()]
    if not deployed.empty and "area" in inc:
        counts = deployed["area"].value_counts()
        total = int(counts.sum())
        ids = valid_ids(str(name) for name in counts.index)
        escalated = _escalated_to_response_units(inc, deployed)
        mean_scene_s = np.mean(
            [f.median_s for f in on_scene_fits.values() if f is not None] or [ASSUMED_ON_SCENE_S]
        )
        areas = {
            ids[str(name)]: _area_section(
                parts,
                ids[str(name)],
                deployed[deployed["area"] == name],
                set(inc.columns),
                (int(k), total),
                float(mean_scene_s),
                escalated[escalated["area"] == name],
            )
            for name, k in counts.items()
        }
        for name, ident in ids.items():
            parts.comments[(*parts.force_path, "areas", ident)] = f"'{name}' in the export"
        exact = rounded_shares({a: area["share"] for a, area in areas.items()}, 6, total=1.0)
        for area_id, area in areas.items():
            area["share"] = exact.get(area_id, 1e-6)
        force["areas"] = areas
        force["response"] = {"on_scene": _on_scene_section(parts, on_scene_fits)}
        add_dispatch_delay(parts, force, deployed, inc)
    _add_teams(parts, force, inc)
