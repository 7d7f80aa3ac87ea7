"""Percentile and distribution figures: how long callers and incidents wait, per scenario.

:func:`percentile_figure` shows P50, P90 and P95 with their confidence
whiskers and the target (in multi-force results, one row of panels per
force); :func:`cdf_figure` the whole distribution, from records where the
results have them, else through the stored percentiles.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from sim.catalogue import PERCENTILES, split_force
from sim.report.load import Results
from sim.report.style import (
    SYMBOLS,
    ReportFigure,
    colour,
    grid,
    has_figure,
    hide_empty_cells,
    hover_text,
    style_figure,
    summary_rows,
)
from sim.report.targets import (
    add_target_line,
    call_channels,
    reference_scenario,
    scopes,
    short_segment,
    targets_for,
)
from sim.report.words import format_value

ATTENDANCE_MAIN = ("grade1/urban", "grade1/rural", "grade2")


def percentile_figures(
    results: Results, metric: str, segments: Sequence[str], key: str, title: str, what: str
) -> list[ReportFigure]:
    """One percentile figure for all forces together and one per force (multi-force results).

    Attendance panels also show grade 2 per area where the results have it.
    """
    figures = []
    for scope in scopes(results):
        extra = area_segments(results, metric, scope) if metric == "attendance_time" else []
        force = scope.rstrip("/")
        named = f"{title}: {force}" if force else title + (": all forces" if results.forces else "")
        figures.append(
            percentile_figure(
                results,
                metric,
                [*segments, *extra],
                f"{key}-{force}" if force else key,
                named,
                what,
                scope,
            )
        )
    return figures


def area_segments(results: Results, metric: str, scope: str) -> list[str]:
    """The per-area grade 2 segments of one scope (``grade2/urban``...), in summary order."""
    segments = results.summary[results.summary["metric"] == metric]["segment"].astype(str)
    found = [s[len(scope) :] for s in segments if s.startswith(f"{scope}grade2/")]
    return [s for s in dict.fromkeys(found) if split_force(s)[0] == ""]


def percentile_figure(
    results: Results,
    metric: str,
    segments: Sequence[str],
    key: str,
    title: str,
    what: str,
    scope: str = "",
) -> ReportFigure:
    """P50, P90 and P95 per scenario with 95% confidence whiskers and the target line.

    ``scope`` is the force prefix of the segments shown (``"tvp/"``), or ``""``.
    """
    summary = results.summary
    panels = [f"{scope}{s}" for s in segments]
    shown = [s for s in panels if any(has_figure(summary, metric, s, st) for st in PERCENTILES)]
    if not shown:
        return ReportFigure(
            key, title, None, f"the results have no {what} percentiles (no {metric} in summary.csv)"
        )
    all_targets = targets_for(results, reference_scenario(results))
    unit = str(summary[summary["metric"] == metric]["unit"].iloc[0])
    # At most three panels a row, so that each is readable at the printed text width.
    rows_count, cols = grid(len(shown), 3)
    fig = make_subplots(
        rows=rows_count,
        cols=cols,
        subplot_titles=[short_segment(s) for s in shown],
        vertical_spacing=0.5 / rows_count if rows_count > 1 else 0.1,
    )
    scenarios = results.scenarios
    width = 0.7 / max(len(scenarios), 1)
    for n, segment in enumerate(shown):
        panel_row, col = n // cols + 1, n % cols + 1
        for i, scenario in enumerate(scenarios):
            xs, ys, lows, highs = [], [], [], []
            for j, stat in enumerate(PERCENTILES):
                rows = summary_rows(summary[summary["scenario"] == scenario], metric, segment, stat)
                if rows.empty:
                    continue
                row = rows.iloc[0]
                xs.append(j + (i - (len(scenarios) - 1) / 2) * width)
                ys.append(float(row["mean"]))
                lows.append(float(row["ci_low"]))
                highs.append(float(row["ci_high"]))
            if not xs:
                continue
            y = np.array(ys)
            low = np.where(np.isfinite(lows), lows, y)
            high = np.where(np.isfinite(highs), highs, y)
            text = [
                f"{format_value(m, unit)} (95% confidence: {format_value(a, unit)} to "
                f"{format_value(b, unit)})"
                for m, a, b in zip(y, low, high, strict=True)
            ]
            fig.add_trace(
                go.Scatter(
                    x=xs,
                    y=y,
                    mode="markers",
                    name=scenario,
                    legendgroup=scenario,
                    showlegend=n == 0,
                    marker={"color": colour(i), "size": 9, "symbol": SYMBOLS[i % len(SYMBOLS)]},
                    error_y={
                        "type": "data",
                        "symmetric": False,
                        "array": high - y,
                        "arrayminus": y - low,
                        "color": colour(i),
                        "thickness": 1.5,
                        "width": 4,
                    },
                    text=text,
                    hovertemplate=f"{scenario}<br>%{{text}}<extra></extra>",
                ),
                row=panel_row,
                col=col,
            )
        fig.update_xaxes(
            tickvals=list(range(len(PERCENTILES))),
            ticktext=[s.upper() for s in PERCENTILES],
            range=[-0.5, len(PERCENTILES) - 0.5],
            title_text="percentile",
            row=panel_row,
            col=col,
        )
        fig.update_yaxes(title_text=f"{what} ({unit})", rangemode="tozero", row=panel_row, col=col)
        target = all_targets.get((metric, segment, "p90"))
        add_target_line(fig, target, panel_row, col, vertical=False)
    hide_empty_cells(fig, len(shown), rows_count, cols)
    left_out = [s for s in panels if s not in shown]
    reason = f"no {what} for {', '.join(left_out)} in these results" if left_out else ""
    note = (
        "Each marker is the average over the replications; the whisker is its 95% confidence "
        "interval. P90 is the time within which 9 in 10 are reached. The dashed line is the target."
    )
    height = 460 if rows_count == 1 else 340 * rows_count + 120
    return ReportFigure(key, title, style_figure(fig, height, title), reason, note)


def _quantile_curve(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    shares = np.linspace(0.0, 0.99, 100)
    return np.quantile(values, shares), shares * 100.0


def _cdf_from_records(
    results: Results, frame: pd.DataFrame, groups: dict[str, pd.Series], value: str
) -> dict[tuple[str, str], np.ndarray]:
    curves: dict[tuple[str, str], np.ndarray] = {}
    for segment, mask in groups.items():
        part = frame[mask]
        for scenario, rows in part.groupby("scenario", sort=False):
            values = rows[value].to_numpy(dtype=float)
            values = values[np.isfinite(values)]
            if values.size:
                curves[(str(scenario), segment)] = values
    return curves


def cdf_figure(results: Results, kind: str) -> ReportFigure:
    """Cumulative distribution per scenario: from records, else from stored percentiles.

    Parameters
    ----------
    kind
        ``"answer"`` (answer time per channel, s) or ``"attendance"``
        (attendance per grade and area, min).
    """
    key = f"{kind}-distribution"
    if kind == "answer":
        title = "How long callers wait to be answered: the whole distribution"
        segments: Sequence[str] = call_channels(results)
        metric, unit, what = "answer_time", "s", "answer time"
    else:
        title = "How long incidents wait for the first officer: the whole distribution"
        metric, segments, unit, what = "attendance_time", ATTENDANCE_MAIN, "min", "attendance time"
    summary = results.summary
    curves: dict[tuple[str, str], np.ndarray] = {}
    source = "records"
    if kind == "answer" and results.calls is not None:
        calls = results.calls
        answered = calls["outcome"] == "answered"
        groups = {c: answered & (calls["channel"] == c) for c in segments}
        curves = _cdf_from_records(results, calls, groups, "answer_wait_s")
    elif kind == "attendance" and results.incidents is not None:
        inc = results.incidents.copy()
        inc["attendance_min"] = (inc["arrived_s"] - inc["graded_s"]) / 60.0
        groups = {
            "grade1/urban": (inc["grade"] == "grade1") & (inc["area"] == "urban"),
            "grade1/rural": (inc["grade"] == "grade1") & (inc["area"] == "rural"),
            "grade2": inc["grade"] == "grade2",
        }
        curves = _cdf_from_records(results, inc, groups, "attendance_min")
    if not curves:
        source = "percentiles"
    shown = [
        s
        for s in segments
        if (source == "records" and any(seg == s for _, seg in curves))
        or (source == "percentiles" and has_figure(summary, metric, s, "p90"))
    ]
    if not shown:
        return ReportFigure(key, title, None, f"the results have no {what}s")
    all_targets = targets_for(results, reference_scenario(results))
    fig = make_subplots(rows=1, cols=len(shown), subplot_titles=[short_segment(s) for s in shown])
    for col, segment in enumerate(shown, start=1):
        for i, scenario in enumerate(results.scenarios):
            if source == "records":
                values = curves.get((scenario, segment))
                if values is None:
                    continue
                x, y = _quantile_curve(values)
                mode = "lines"
            else:
                own = summary[summary["scenario"] == scenario]
                points = [
                    (float(summary_rows(own, metric, segment, s)["mean"].iloc[0]), PERCENTILES[s])
                    for s in PERCENTILES
                    if has_figure(own, metric, segment, s)
                ]
                if not points:
                    continue
                x, y = np.array([p[0] for p in points]), np.array([p[1] for p in points])
                mode = "lines+markers"
            fig.add_trace(
                go.Scatter(
                    x=x,
                    y=y,
                    mode=mode,
                    name=scenario,
                    legendgroup=scenario,
                    showlegend=col == 1,
                    line={"color": colour(i), "width": 2, "dash": ["solid", "dash", "dot"][i % 3]},
                    marker={"symbol": SYMBOLS[i % len(SYMBOLS)]},
                    text=hover_text(x, unit),
                    hovertemplate=f"{scenario}<br>%{{y:.0f}}% within %{{text}}<extra></extra>",
                ),
                row=1,
                col=col,
            )
        fig.update_xaxes(title_text=f"{what} ({unit})", rangemode="tozero", row=1, col=col)
        fig.update_yaxes(
            title_text="share reached within that time (%)", range=[0, 100], row=1, col=col
        )
        add_target_line(fig, all_targets.get((metric, segment, "p90")), 1, col, vertical=True)
    if source == "records":
        who = "answered calls" if kind == "answer" else "attended incidents"
        note = (
            f"From the per-{'call' if kind == 'answer' else 'incident'} records of every "
            f"replication ({who}, up to the 99th percentile). Read across from a share on the "
            "left to the time by which that share was reached; the dashed line is the target."
        )
        reason = ""
    else:
        note = (
            "Drawn through the stored P50, P90 and P95 only (the results have no per-call or "
            "per-incident records): the shape between and beyond those points is not known."
        )
        reason = (
            "the full curve needs records (demandsim run --records, or records: true in an "
            "experiment); drawn from the stored percentiles instead"
        )
    return ReportFigure(key, title, style_figure(fig, 460, title), reason, note)
