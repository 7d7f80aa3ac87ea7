"""The headline tables a command prints: figures of summary.csv by segment and scenario."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from sim.catalogue import is_place_segment, metric, table_label
from sim.config.experiment import MetricKey
from sim.runs.results import ResultsWritten

#: Figures shown after an experiment, when the experiment names none.
DEFAULT_HEADLINE = (
    ("answered_within_target", "999", "value"),
    ("answered_within_target", "101", "value"),
    ("answer_time", "101", "p90"),
    ("abandoned", "101", "value"),
    ("attended_within_target", "grade1/urban", "value"),
    ("occupancy", None, "value"),
)


def figure_label(metric: str, segment: str, stat: str) -> str:
    """A short column label for a figure of summary.csv: ``101 p90 answer time (s)``."""
    return f"{segment} {table_label(metric, stat)}"


@dataclass(frozen=True)
class HeadlineCell:
    """One scenario's figure: mean and interval, and the paired difference from the baseline."""

    mean: float
    ci_low: float
    ci_high: float
    difference: float = math.nan
    excludes_zero: bool = False


def experiment_headline(outcome: ResultsWritten) -> tuple[pd.DataFrame, list[str]]:
    """The headline figures per scenario, and the named figures not in the results.

    Returns
    -------
    tuple
        A DataFrame (rows: scenarios in run order; columns: figure labels) of
        :class:`HeadlineCell`, and the ``metric/segment/stat`` of every headline
        figure the experiment named that the results do not have.
    """
    summary = outcome.summary
    available = list(
        dict.fromkeys(zip(summary["metric"], summary["segment"], summary["stat"], strict=True))
    )
    named: list[MetricKey] | None = outcome.plan.headline
    missing: list[str] = []
    if named is not None:
        keys = [m.key for m in named if m.key in set(available)]
        missing = [str(m) for m in named if m.key not in set(available)]
    else:
        keys = [
            key
            for metric, segment, stat in DEFAULT_HEADLINE
            for key in available
            if key[0] == metric and key[2] == stat and (segment is None or key[1] == segment)
        ]
    by_key = summary.set_index(["scenario", "metric", "segment", "stat"])
    comparison = outcome.comparison.set_index(["scenario", "metric", "segment", "stat"])
    rows: dict[str, dict[str, HeadlineCell]] = {}
    for name in outcome.plan.names:
        row: dict[str, HeadlineCell] = {}
        for key in keys:
            if (name, *key) not in by_key.index:
                continue
            figure = by_key.loc[(name, *key)]
            cell = HeadlineCell(figure["mean"], figure["ci_low"], figure["ci_high"])
            if (name, *key) in comparison.index:
                paired = comparison.loc[(name, *key)]
                cell = HeadlineCell(
                    cell.mean,
                    cell.ci_low,
                    cell.ci_high,
                    float(paired["difference"]),
                    bool(paired["excludes_zero"]),
                )
            row[figure_label(*key)] = cell
        rows[name] = row
    columns = [figure_label(*key) for key in keys]
    return pd.DataFrame.from_dict(rows, orient="index").reindex(columns=columns), missing


#: The columns of the printed tables, labelled from the catalogue.
HEADLINE_STATS = {
    key: table_label(*key)
    for key in (
        ("offered", "count"),
        ("answer_time", "mean"),
        ("answer_time", "p90"),
        ("answered_within_target", "value"),
        ("abandoned", "value"),
    )
}
RESPONSE_HEADLINE_STATS = {
    key: table_label(*key)
    for key in (
        ("attendance_time", "p50"),
        ("attendance_time", "p90"),
        ("attended_within_target", "value"),
    )
}

#: One-line figures printed under the tables: (metric, stat).
OTHER_HEADLINES = (
    ("occupancy", "value"),
    ("unit_utilisation", "value"),
    ("dispatch_delay", "p90"),
    ("callback_time", "mean"),
    ("appointment_wait", "p90"),
)


def headline(
    summary: pd.DataFrame,
    stats: dict[tuple[str, str], str] = HEADLINE_STATS,
    segments: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Headline figures: one row per segment, one column per figure in ``stats``.

    Cells are ``(mean, ci_low, ci_high)`` tuples. ``segments`` keeps only those
    rows, in that order; by default every segment with the first statistic.
    """
    rows: dict[str, dict[str, tuple[float, float, float]]] = {}
    for row in summary.itertuples(index=False):
        label = stats.get((row.metric, row.stat))
        if label is not None:
            rows.setdefault(row.segment, {})[label] = (row.mean, row.ci_low, row.ci_high)
    if segments is not None:
        rows = {segment: rows[segment] for segment in segments if segment in rows}
    else:
        first = next(iter(stats.values()))
        rows = {segment: cells for segment, cells in rows.items() if first in cells}
    return pd.DataFrame.from_dict(rows, orient="index").reindex(columns=list(stats.values()))


def response_headline(summary: pd.DataFrame) -> pd.DataFrame:
    """Attendance by grade and area (grade 1 per area, grade 2 overall); empty without response."""
    attended = summary[summary["metric"] == "attended_within_target"]["segment"].tolist()
    attended = [segment for segment in attended if not is_place_segment(segment)]
    return headline(summary, RESPONSE_HEADLINE_STATS, attended)


def other_headlines(summary: pd.DataFrame) -> list[tuple[str, tuple[float, float, float], str]]:
    """One-line figures: ``(label, (mean, low, high), unit)`` for those the run has."""
    lines = []
    for metric_name, stat in OTHER_HEADLINES:
        definition = metric(metric_name)
        prefix = "" if stat == "value" else f"{stat} "
        rows = summary[(summary["metric"] == metric_name) & (summary["stat"] == stat)]
        for row in rows.itertuples(index=False):
            label = f"{prefix}{definition.label}, {row.segment}"
            lines.append((label, (row.mean, row.ci_low, row.ci_high), row.unit))
    return lines
