"""Dispatch delay and travel per grade: how long an incident waits before a unit is sent, and goes.

Created to dispatched is its own distribution per grade (a grade 2 waits
for a free unit; a grade 1 rarely does), fitted as a lognormal to the
positive delays, with the share dispatched at once. The scenario's
``response.dispatch_delay_s`` is the decision time alone: the median grade 1
delay, since a grade 1 is sent at once when any unit is free and the
simulator adds the wait for a unit itself. Travel (dispatched to arrived) is
fitted per area and grade too, so the comment shows whether one travel time
per area (the scenario's form) is fair.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from sim.fit.durations import fit_lognormal

if TYPE_CHECKING:
    from sim.fit.assemble import FitParts

#: The grades a response unit is dispatched to.
DEPLOYED_GRADES = ("grade1", "grade2")


def add_dispatch_delay(parts: FitParts, force: dict[str, Any], inc: pd.DataFrame) -> None:
    """Fit created to dispatched per grade; set ``response.dispatch_delay_s`` from grade 1.

    Parameters
    ----------
    parts
        The fit's comments, fits and samples (updated here: ``dispatch_delay/<grade>``).
    force
        The fitted force; its ``response`` (when there is one) gets ``dispatch_delay_s``.
    inc
        Cleaned incidents, with ``delay_s`` where the export has dispatch times.
    """
    if "delay_s" not in inc or "response" not in force:
        return
    notes = []
    grade1_median = None
    for grade in DEPLOYED_GRADES:
        delay_s = inc.loc[inc["grade"] == grade, "delay_s"].dropna().to_numpy(dtype=float)
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
    if grade1_median is None:
        return
    force["response"]["dispatch_delay_s"] = round(grade1_median)
    parts.comments[(*parts.force_path, "response", "dispatch_delay_s")] = (
        "the median grade 1 created-to-dispatched time (the simulator adds any wait for a "
        "unit); created to dispatched: " + "; ".join(notes)
    )


def travel_by_grade(rows: pd.DataFrame) -> str:
    """Median travel per grade of one area's jobs, for the area's travel comment ('' if none)."""
    if "travel_s" not in rows:
        return ""
    parts = []
    for grade in DEPLOYED_GRADES:
        travel_s = rows.loc[rows["grade"] == grade, "travel_s"].dropna()
        if len(travel_s) >= 3:
            parts.append(f"{grade} median {travel_s.median():.0f} s (n={len(travel_s)})")
    return "; by grade: " + ", ".join(parts) if len(parts) > 1 else ""
