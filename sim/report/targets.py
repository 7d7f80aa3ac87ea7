"""The targets each figure is judged against, from ``targets.csv``, and the headline figures.

A results directory's ``targets.csv`` holds one row per scenario, metric,
segment and statistic (DESIGN §3 segments, with the force first in
multi-force results). A row of statistic ``threshold`` is a time: the answer
target of a channel, or the attendance target of a grade and area. It is the
line drawn on that segment's percentile panels (P50, P90, P95) and the target
the headline P90 is judged against; the share answered (or attended) within
it is judged against its own row (``answered_within_target`` ``value`` ``>= 90``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import plotly.graph_objects as go

from sim.catalogue import HIGHER, METRICS, PERCENTILES, THRESHOLD, segment_words, split_force
from sim.report.load import Results
from sim.report.style import TARGET_COLOUR
from sim.report.words import format_duration

#: Headline figures: (metric, segment, stat), in the order shown. In multi-force
#: results each is shown for all forces together and for each force.
HEADLINES: tuple[tuple[str, str, str], ...] = (
    ("answered_within_target", "999", "value"),
    ("answer_time", "999", "p90"),
    ("answer_time", "101", "p90"),
    ("abandoned", "101", "value"),
    ("attendance_time", "grade1/urban", "p90"),
    ("attendance_time", "grade1/rural", "p90"),
    ("attendance_time", "grade2", "p90"),
    ("callback_time", "resolution", "p90"),
    ("appointment_wait", "scheduled", "p90"),
    # Shown only where a channel has call-backs or reactions (sim.metrics.choices).
    ("callbacks_accepted", "101", "count"),
    ("callback_wait", "101", "p90"),
    ("switched_to_999", "101", "count"),
    ("displaced_101", "999", "value"),
)

#: The standard call channels: shown (or said to be missing) in every report.
STANDARD_CHANNELS = ("999", "101")


def call_channels(results: Results) -> list[str]:
    """The call channels to show: 999 and 101, then every other the results have.

    The others (a switchboard, a crime line) are the segments of ``answer_time``
    in ``summary.csv``, force prefix taken off, in the order they appear there
    (the model's queue order: by priority rank).
    """
    summary = results.summary
    segments = summary.loc[summary["metric"] == "answer_time", "segment"].astype(str)
    forces = frozenset(results.forces)
    found = dict.fromkeys(split_force(s, forces)[1] for s in segments)
    return [*STANDARD_CHANNELS, *(c for c in found if c not in STANDARD_CHANNELS)]


def headline_figures(results: Results) -> list[tuple[str, str, str]]:
    """:data:`HEADLINES`, with the P90 answer time and abandonment of every other channel.

    A channel beyond 999 and 101 gets its figures after 101's, so a results
    directory with a switchboard says how its callers fared too.
    """
    others = call_channels(results)[len(STANDARD_CHANNELS) :]
    extra = [(m, c, s) for c in others for m, s in (("answer_time", "p90"), ("abandoned", "value"))]
    at = HEADLINES.index(("abandoned", "101", "value")) + 1
    return [*HEADLINES[:at], *extra, *HEADLINES[at:]]


@dataclass(frozen=True)
class TargetLine:
    """A target for one figure: ``value`` in the metric's unit, and how to name it.

    ``source`` is ``scenario`` (set in the scenario) or ``national`` (the
    catalogue's national standard); ``within`` is, for a share, the time it is
    counted within (``"10 s"``), and for a percentile's threshold the same time.
    """

    value: float
    label: str
    higher_is_better: bool = False
    source: str = "national"
    within: str = ""


def amount_text(value: float, unit: str) -> str:
    """A target's amount: ``"2 min"`` for seconds, ``"15 min"``, ``"90%"``."""
    if unit == "s":
        return format_duration(value)
    if unit == "%":
        return f"{value:g}%"
    return f"{value:g} {unit}"


def short_segment(segment: str) -> str:
    """A segment in a few words for a label: ``"101"``, ``"grade 1 urban"``, ``"tvp: 101"``."""
    return segment_words(segment).replace(" calls", "")


def targets_for(results: Results, scenario: str) -> dict[tuple[str, str, str], TargetLine]:
    """The targets of one scenario's figures, by ``(metric, segment, stat)``.

    A threshold row gives the target of the segment's percentiles; a share's
    label names its threshold where the same segment has one
    (``"national standard: 90% within 10 s"``).
    """
    rows = results.scenario_targets(scenario)
    thresholds = {
        (str(r.metric), str(r.segment)): (float(r.target), str(r.unit))
        for r in rows.itertuples(index=False)
        if r.stat == THRESHOLD
    }
    found: dict[tuple[str, str, str], TargetLine] = {}
    for row in rows.itertuples(index=False):
        metric_name, segment, stat = str(row.metric), str(row.segment), str(row.stat)
        value, unit, source = float(row.target), str(row.unit), str(row.source)
        if not math.isfinite(value):
            continue
        if stat == THRESHOLD:
            amount = amount_text(value, unit)
            line = TargetLine(
                value, f"{short_segment(segment)} target {amount}", False, source, amount
            )
            for percentile in PERCENTILES:
                found[(metric_name, segment, percentile)] = line
            continue
        who = "national standard" if source == "national" else "target"
        within = _threshold_of(metric_name, segment, thresholds)
        amount = amount_text(value, unit)
        label = f"{who}: {amount} within {within}" if within else f"{who}: {row.direction} {amount}"
        found[(metric_name, segment, stat)] = TargetLine(
            value, label, str(row.direction) == HIGHER, source, within
        )
    return found


def _threshold_of(
    metric_name: str, segment: str, thresholds: dict[tuple[str, str], tuple[float, str]]
) -> str:
    """The threshold a share is counted within, in words ("" if none)."""
    time_metric = {
        "answered_within_target": "answer_time",
        "attended_within_target": "attendance_time",
    }.get(metric_name)
    if time_metric is None or (time_metric, segment) not in thresholds:
        return ""
    value, unit = thresholds[(time_metric, segment)]
    return amount_text(value, unit)


def reference_scenario(results: Results) -> str:
    """The scenario whose targets head the table and draw the lines: the baseline, or the first."""
    return results.baseline or (results.scenarios[0] if results.scenarios else "")


def scopes(results: Results) -> list[str]:
    """Segment prefixes to show: all forces together (``""``), then each force (``"tvp/"``)."""
    return ["", *(f"{force}/" for force in results.forces)]


def headline_label(metric_name: str, segment: str, stat: str) -> str:
    """A short name for a headline figure: ``"P90 answer time, 101"``."""
    definition = METRICS.get(metric_name)
    prefix = f"{stat.upper()} " if stat.startswith("p") else ""
    name = definition.label if definition else metric_name.replace("_", " ")
    return f"{prefix}{name}, {short_segment(segment)}"


def axis_title(metric_name: str, segment: str, stat: str, unit: str) -> str:
    """An axis title with its unit: ``"P90 answer time, 101 (s)"``."""
    return f"{headline_label(metric_name, segment, stat)} ({unit})"


def add_target_line(
    fig: go.Figure, target: TargetLine | None, row: int, col: int, vertical: bool
) -> None:
    """Draw a target as a dashed line across one panel, labelled."""
    if target is None:
        return
    line = {"dash": "dash", "color": TARGET_COLOUR, "width": 1.5}
    if vertical:
        fig.add_vline(
            x=target.value,
            line=line,
            row=row,
            col=col,
            annotation_text=target.label,
            annotation_position="top right",
            annotation_font_size=10,
        )
    else:
        fig.add_hline(
            y=target.value,
            line=line,
            row=row,
            col=col,
            annotation_text=target.label,
            annotation_position="top left",
            annotation_font_size=10,
        )


__all__ = [
    "HEADLINES",
    "STANDARD_CHANNELS",
    "TargetLine",
    "add_target_line",
    "amount_text",
    "axis_title",
    "call_channels",
    "headline_figures",
    "headline_label",
    "reference_scenario",
    "scopes",
    "short_segment",
    "targets_for",
]
