"""Every other figure: what the headline table and the charts do not show.

The mechanisms a scenario may switch on (call-backs, callers who switch to
999, Right Care Right Person, jobs that need more than one unit, crewing) each
write their own metrics to ``summary.csv``; so do figures with no target
(dispatch delay, unit overrun, platform outage hours). This section lists them
all, one table per metric, every scenario a row and every segment and
statistic a column, each with its 95% interval; in an experiment, each
scenario's paired difference from the baseline (``comparison.csv``) is given
under its value. Per-beat figures are left to the map.

Reads the results' tables only; labels and units come from the metric
catalogue.
"""

from __future__ import annotations

import html
import math

import pandas as pd

from sim.catalogue import MECHANISM_METRICS, METRICS, is_place_segment, split_force
from sim.report.load import Results
from sim.report.targets import headline_figures
from sim.report.words import format_value

#: A metric with more columns than this is folded away (opened with a click).
FOLD_COLUMNS = 12
#: Metrics the report's figures draw in full already (every segment and stat).
DRAWN_IN_FULL = frozenset({"answer_time", "attendance_time"})


def further_metrics(results: Results) -> list[str]:
    """Metrics of the summary that the headline table and the figures leave out.

    Returns
    -------
    list of str
        Metric names in ``summary.csv`` order, those a mechanism adds
        (:data:`sim.catalogue.MECHANISM_METRICS`) first: a metric is left out
        when every row of it is a headline figure, a per-beat or per-station
        figure, or drawn in full by a figure.
    """
    summary = results.summary
    if summary.empty:
        return []
    headline = set(headline_figures(results))
    forces = frozenset(results.forces)
    names: list[str] = []
    for name, rows in summary.groupby("metric", sort=False):
        if name in DRAWN_IN_FULL:
            continue
        kept = rows[~rows["segment"].astype(str).map(is_place_segment)]
        keys = zip(kept["segment"].astype(str), kept["stat"], strict=True)
        # The headline table shows each force's figures too: judge them without the force.
        if all((name, split_force(seg, forces)[1], stat) in headline for seg, stat in keys):
            continue  # nothing left once the headline and per-place rows are out
        names.append(str(name))
    return sorted(names, key=lambda name: name not in MECHANISM_METRICS)


def _number(value: float, unit: str) -> str:
    """A value without its unit (the table's heading gives it); a duration in words."""
    if not math.isfinite(value):
        return "–"
    if unit in ("s", "min", "h"):
        return format_value(value, unit)
    whole = unit in ("count", "calls") or abs(value) >= 100
    digits = 0 if whole and not unit.startswith("%") else 1
    return f"{value:,.{digits}f}"


def _signed(value: float, unit: str) -> str:
    return ("+" if value > 0 else "−" if value < 0 else "±") + _number(abs(value), unit)


def _interval(mean: float, low: float, high: float, unit: str) -> str:
    text = html.escape(_number(mean, unit))
    if math.isfinite(low) and math.isfinite(high) and low != high:
        text += f" <small>({html.escape(_number(low, unit))} – "
        text += f"{html.escape(_number(high, unit))})</small>"
    return text


def _difference(
    comparison: pd.DataFrame | None, scenario: str, metric: str, segment: str, stat: str
) -> str:
    if comparison is None or comparison.empty:
        return ""
    match = comparison[
        (comparison["scenario"] == scenario)
        & (comparison["metric"] == metric)
        & (comparison["segment"].astype(str) == segment)
        & (comparison["stat"] == stat)
    ]
    if match.empty:
        return ""
    row = match.iloc[0]
    unit, difference = str(row["unit"]), float(row["difference"])
    low, high = float(row["ci_low"]), float(row["ci_high"])
    if difference == 0 and not (math.isfinite(low) and low != high):
        return "<br><small class='difference'>no change</small>"
    text = f"{_signed(difference, unit)}"
    if math.isfinite(low) and math.isfinite(high):
        text += f" ({_signed(low, unit)} to {_signed(high, unit)})"
    mark = "*" if bool(row.get("excludes_zero", False)) else ""
    return f"<br><small class='difference'>{html.escape(text)}{mark}</small>"


def _stat_note(stat: str) -> str:
    """A column head's statistic, left out for the single value of a share or count."""
    return "" if stat in ("value", "count") else f" <small>{html.escape(stat)}</small>"


def metric_table(results: Results, name: str) -> str:
    """One metric's table: a row per scenario, a column per segment and statistic."""
    rows = results.summary[results.summary["metric"] == name]
    rows = rows[~rows["segment"].astype(str).map(is_place_segment)]
    columns = list(dict.fromkeys(zip(rows["segment"].astype(str), rows["stat"], strict=True)))
    head = "".join(
        f"<th>{html.escape(segment)}{_stat_note(stat)}</th>" for segment, stat in columns
    )
    body = []
    for scenario in results.scenarios:
        own = rows[rows["scenario"] == scenario]
        cells = [f"<td>{html.escape(scenario)}</td>"]
        for segment, stat in columns:
            cell = own[(own["segment"].astype(str) == segment) & (own["stat"] == stat)]
            if cell.empty:
                cells.append("<td>–</td>")
                continue
            row = cell.iloc[0]
            text = _interval(
                float(row["mean"]), float(row["ci_low"]), float(row["ci_high"]), str(row["unit"])
            )
            if scenario != results.baseline:
                text += _difference(results.comparison, scenario, name, segment, stat)
            cells.append(f"<td>{text}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return (
        f"<table class='further' data-metric='{html.escape(name)}'><thead><tr><th>scenario</th>"
        f"{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
    )


def further_html(results: Results) -> str:
    """The section's body: the mechanisms' tables open, every other figure folded; '' if none."""
    names = further_metrics(results)
    if not names:
        return ""
    parts = [
        "<p class='note'>The figures the headline table and the charts leave out, each with "
        "its 95% interval"
        + (
            " and, under it, the paired difference from the baseline (*: its 95% interval "
            "excludes no change)"
            if results.baseline
            else ""
        )
        + ". A mechanism's figures (geography, call-backs, callers who switch, Right Care "
        "Right Person, multi-unit jobs) appear only when a scenario switches it on.</p>"
    ]
    mechanisms = [n for n in names if n in MECHANISM_METRICS]
    others = [n for n in names if n not in MECHANISM_METRICS]
    parts.extend(_metric_block(results, name) for name in mechanisms)
    if others:
        parts.append(
            f"<details class='others'><summary>{len(others)} more figures without a target "
            "or beyond the headline (click to open)</summary>"
            + "".join(_metric_block(results, name) for name in others)
            + "</details>"
        )
    return "".join(parts)


def _metric_block(results: Results, name: str) -> str:
    """A metric's heading and table; a wide one folded away behind its heading."""
    known = METRICS.get(name)
    label = known.label if known else name
    rows = results.summary[results.summary["metric"] == name]
    unit = str(rows["unit"].iloc[0]) if not rows.empty else ""
    title = f"{html.escape(label)} <small>({html.escape(name)}, {html.escape(unit)})</small>"
    table = metric_table(results, name)
    wide = rows[["segment", "stat"]].drop_duplicates().shape[0] > FOLD_COLUMNS
    if wide:
        return f"<details><summary>{title}</summary>{table}</details>"
    return f"<h3>{title}</h3>{table}"
