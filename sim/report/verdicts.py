"""Each headline figure against its target: met, missed, too close to call, or too few runs.

One definition per headline figure, stated once (:data:`DEFINITIONS`), so
that two figures never seem to contradict each other: the 999 standard counts
every caller who rang (answered within 10 s, of all calls offered), while a
P90 answer time counts answered calls only. A percentile of a segment whose
standard is a share is therefore shown but not judged: the share is.

A verdict needs :data:`MIN_REPLICATIONS` replications; with fewer, the
interval rests on too few values (its t factor is large and its spread poorly
known), and the report says so instead of judging.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from sim.catalogue import PERCENTILES
from sim.report.load import Results
from sim.report.targets import TargetLine, targets_for
from sim.report.words import Figure

#: Fewest replications behind a verdict: the sequential replication rule's
#: default minimum (``precision.min_replications``); below it the t factor of a
#: 95% interval is 2.8 or more and the spread of the replications poorly known.
MIN_REPLICATIONS = 5

#: The share metric standing for each time metric's standard.
SHARE_OF = {"answer_time": "answered_within_target", "attendance_time": "attended_within_target"}

#: What each headline figure counts, stated once on the page.
DEFINITIONS: tuple[tuple[str, str], ...] = (
    (
        "Offered",
        "every call that reached the line, callers ringing again after hanging up included.",
    ),
    (
        "Answered within target",
        "of all calls offered (callers who hung up included), the share answered within the "
        "channel's answer time (999: 10 s). This is how the 999 standard (90% within 10 s) "
        "is judged.",
    ),
    (
        "P50 / P90 answer time",
        "among answered calls only, the time within which half / 9 in 10 were answered. "
        "Callers who hung up are not in it, so a 999 P90 under 10 s can sit beside fewer than "
        "90% of all 999 calls answered within 10 s; the 999 P90 is shown, not judged.",
    ),
    ("Abandoned", "of all calls offered, the share whose caller hung up before an answer."),
    (
        "P90 attendance",
        "from the incident being raised to the first officer on scene: the time within which "
        "9 in 10 attended incidents of that grade and area were reached.",
    ),
)


@dataclass(frozen=True)
class Verdict:
    """Met, missed, too close to call or too few replications, as a word and a CSS class."""

    word: str
    css: str

    @property
    def met(self) -> bool:
        """Whether the target is met beyond the simulation's noise."""
        return self.css == "met"


def verdict(
    mean: float, low: float, high: float, target: TargetLine, replications: int = MIN_REPLICATIONS
) -> Verdict:
    """Compare a figure and its 95% interval with a target.

    Met: the whole interval on the right side; missed: wholly on the wrong
    side; too close to call: it straddles the target. With fewer than
    :data:`MIN_REPLICATIONS` replications: "too few replications".
    """
    if not math.isfinite(mean):
        return Verdict("no data", "")
    if replications < MIN_REPLICATIONS:
        return Verdict(f"Too few replications to judge ({replications})", "few")
    lo = low if math.isfinite(low) else mean
    hi = high if math.isfinite(high) else mean
    if target.higher_is_better:
        good, bad = lo >= target.value, hi < target.value
    else:
        good, bad = hi <= target.value, lo > target.value
    if good:
        return Verdict("Met", "met")
    if bad:
        return Verdict("Missed", "missed")
    return Verdict("Too close to call", "close")


def judged_targets(results: Results, scenario: str) -> dict[tuple[str, str, str], TargetLine]:
    """The targets a scenario's figures are judged against.

    As :func:`sim.report.targets.targets_for`, less the percentiles of a segment
    whose standard is a share (999: judged by the share answered within 10 s).
    """
    found = targets_for(results, scenario)
    return {
        key: line
        for key, line in found.items()
        if not (key[2] in PERCENTILES and (SHARE_OF.get(key[0], ""), key[1], "value") in found)
    }


def figure_row(summary: pd.DataFrame, scenario: str, key: tuple[str, str, str]) -> pd.Series | None:
    """One scenario's ``summary.csv`` row of a figure with a finite mean, or ``None``."""
    rows = summary[
        (summary["scenario"] == scenario)
        & (summary["metric"] == key[0])
        & (summary["segment"] == key[1])
        & (summary["stat"] == key[2])
    ]
    if rows.empty or not math.isfinite(float(rows["mean"].iloc[0])):
        return None
    return rows.iloc[0]


def figure_of(summary: pd.DataFrame, scenario: str, key: tuple[str, str, str]) -> Figure | None:
    """One scenario's figure with its interval, or ``None`` if it has none."""
    row = figure_row(summary, scenario, key)
    if row is None:
        return None
    return Figure(
        key[0],
        key[1],
        key[2],
        str(row["unit"]),
        float(row["mean"]),
        float(row["ci_low"]),
        float(row["ci_high"]),
    )


def judge(results: Results, scenario: str, key: tuple[str, str, str]) -> Verdict | None:
    """A scenario's verdict on one figure, or ``None`` without the figure or a target."""
    row = figure_row(results.summary, scenario, key)
    target = judged_targets(results, scenario).get(key)
    if row is None or target is None:
        return None
    replications = int(row["replications"]) if math.isfinite(float(row["replications"])) else 0
    return verdict(
        float(row["mean"]), float(row["ci_low"]), float(row["ci_high"]), target, replications
    )


def replications_of(results: Results) -> int:
    """Replications run per scenario: the fewest across scenarios.

    A scenario's count is the most behind any of its figures: a rare figure
    (the wait for a call-back, in a replication where no caller took one) has
    fewer rows, and is judged on its own count by :func:`judge`, not allowed
    to make every other figure look under-replicated.
    """
    summary = results.summary
    counts = pd.to_numeric(summary["replications"], errors="coerce")
    per_scenario = counts.groupby(summary["scenario"]).max().dropna()
    return int(per_scenario.min()) if len(per_scenario) else 0


__all__ = [
    "DEFINITIONS",
    "MIN_REPLICATIONS",
    "Verdict",
    "figure_of",
    "figure_row",
    "judge",
    "judged_targets",
    "replications_of",
    "verdict",
]
