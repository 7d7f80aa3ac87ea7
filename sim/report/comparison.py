"""What each change does: the trade-off curve of a sweep and the paired differences.

Both read ``changes.csv`` (each scenario's settings that differ from the
baseline) and ``comparison.csv`` (paired differences), never a configuration.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from sim.report.change_words import change_sentence, number, setting_words
from sim.report.load import Results
from sim.report.style import (
    PALETTE,
    TARGET_COLOUR,
    ReportFigure,
    grid,
    has_figure,
    hide_empty_cells,
    style_figure,
    summary_rows,
    transparent,
)
from sim.report.targets import (
    add_target_line,
    axis_title,
    headline_figures,
    headline_label,
    reference_scenario,
    targets_for,
)
from sim.report.words import change_unit, format_signed, format_value

#: Most panels in one figure: two rows of two, so that a figure fits a printed A4 page whole.
PANELS_PER_FIGURE = 4


def split_panels(
    shown: list, key: str, title: str, draw: Callable[[list, str, str], ReportFigure]
) -> list[ReportFigure]:
    """One figure per :data:`PANELS_PER_FIGURE` panels: ``key``, ``key-2``...; titles numbered."""
    chunks = [shown[i : i + PANELS_PER_FIGURE] for i in range(0, len(shown), PANELS_PER_FIGURE)]
    if len(chunks) == 1:
        return [draw(chunks[0], key, title)]
    return [
        draw(chunk, key if n == 1 else f"{key}-{n}", f"{title} ({n} of {len(chunks)})")
        for n, chunk in enumerate(chunks, start=1)
    ]


def setting_name(results: Results, path: str) -> str:
    """A setting in words (``"call handlers on the late shift"``), from its path and shift name."""
    items = results.facts[results.facts["field"] == f"item.{path}"]["value"]
    return setting_words(path, str(items.iloc[0]) if len(items) else "")


def describe_changes(results: Results, scenario: str, detail: bool = True) -> str:
    """What a scenario changes from the baseline, in words, every change of ``changes.csv``.

    For example "4 fewer call handlers on the late shift (10 instead of 14)";
    ``detail`` says what a platform does, not just its name.
    """
    rows = results.scenario_changes(scenario)
    items = results.scenario_facts(scenario, "item.")
    platforms = results.platforms()
    return " and ".join(
        change_sentence(
            str(row["path"]),
            str(row["before"]),
            str(row["after"]),
            items.get(str(row["path"]), ""),
            platforms,
            detail,
        )
        for _, row in rows.iterrows()
    )


def sweep_axis(results: Results) -> tuple[str, dict[str, float]] | None:
    """The numeric setting an experiment sweeps: its path and each scenario's value.

    A setting counts when the scenarios that change only it, to a number, and
    the baseline (at the value they change it from) take three or more values.
    With several, the one with most scenarios.
    """
    by_path: dict[str, dict[str, float]] = {}
    changes = results.changes
    for scenario, rows in changes.groupby("scenario", sort=False):
        if len(rows) != 1 or scenario not in results.scenarios:
            continue
        row = rows.iloc[0]
        after, before = number(row["after"]), number(row["before"])
        if after is None:
            continue
        values = by_path.setdefault(str(row["path"]), {})
        values[str(scenario)] = after
        if before is not None and results.baseline is not None:
            values.setdefault(results.baseline, before)
    candidates = [(len(v), p) for p, v in by_path.items() if len(set(v.values())) >= 3]
    if not candidates:
        return None
    _, path = max(candidates)
    return path, by_path[path]


def tradeoff_figure(results: Results) -> list[ReportFigure]:
    """Each headline figure against the swept number, with its 95% band and target."""
    key, title = "trade-off", "How many do we need? Each figure against the number swept"
    if not results.is_experiment:
        return [
            ReportFigure(
                key,
                title,
                None,
                "these results are a single run, not a sweep: a trade-off curve needs an "
                "experiment whose scenarios vary one number (a grid over handlers or units)",
            )
        ]
    axis = sweep_axis(results)
    if axis is None:
        return [
            ReportFigure(
                key,
                title,
                None,
                "no setting takes three or more numeric values across the scenarios of this "
                "experiment, so there is no curve to draw",
            )
        ]
    path, values = axis
    setting = setting_name(results, path)
    x_title = f"{setting} (number)"
    summary = results.summary
    shown = [
        h
        for h in headline_figures(results)
        if has_figure(summary[summary["scenario"].isin(values)], *h)
    ]

    def draw(shown: list, key: str, title: str) -> ReportFigure:
        rows, cols = grid(len(shown), 2)
        fig = make_subplots(
            rows=rows,
            cols=cols,
            subplot_titles=[headline_label(*h) for h in shown],
            vertical_spacing=0.5 / max(rows, 1) if rows > 1 else 0.1,
            horizontal_spacing=0.14,
        )
        all_targets = targets_for(results, reference_scenario(results))
        for n, head in enumerate(shown):
            row, col = n // cols + 1, n % cols + 1
            part = summary_rows(summary, *head)
            part = part[part["scenario"].isin(values)].copy()
            part["x"] = part["scenario"].map(values)
            part = part.sort_values("x")
            unit = str(part["unit"].iloc[0])
            low = part["ci_low"].fillna(part["mean"])
            high = part["ci_high"].fillna(part["mean"])
            fig.add_trace(
                go.Scatter(
                    x=np.concatenate([part["x"], part["x"][::-1]]),
                    y=np.concatenate([high, low[::-1]]),
                    fill="toself",
                    mode="lines",
                    fillcolor=transparent(PALETTE[0], 0.2),
                    line={"width": 0},
                    hoverinfo="skip",
                    name="95% confidence band",
                    legendgroup="band",
                    showlegend=n == 0,
                ),
                row=row,
                col=col,
            )
            fig.add_trace(
                go.Scatter(
                    x=part["x"],
                    y=part["mean"],
                    mode="lines+markers",
                    line={"color": PALETTE[0], "width": 2},
                    name="average over replications",
                    legendgroup="mean",
                    showlegend=n == 0,
                    text=[
                        f"{s}: {format_value(m, unit)}"
                        for s, m in zip(part["scenario"], part["mean"], strict=True)
                    ],
                    hovertemplate="%{text}<extra></extra>",
                ),
                row=row,
                col=col,
            )
            fig.update_xaxes(title_text=x_title, row=row, col=col)
            fig.update_yaxes(
                title_text=axis_title(*head, unit), rangemode="tozero", row=row, col=col
            )
            add_target_line(fig, all_targets.get(head), row, col, vertical=False)
        hide_empty_cells(fig, len(shown), rows, cols)
        note = (
            f"Scenarios {', '.join(sorted(values, key=values.get))} differ only in the number of "
            f"{setting}. The line is the average over the replications, the "
            "shaded band its 95% confidence interval, the dashed line the target: the smallest "
            "number whose band is on the right side of the target is enough."
        )
        return ReportFigure(key, title, style_figure(fig, 300 * rows + 140, title), "", note)

    return split_panels(shown, key, title, draw)


def difference_figure(results: Results) -> list[ReportFigure]:
    """Each scenario's paired difference from the baseline, per headline figure."""
    key, title = "difference", "What each change does: difference from the baseline"
    if not results.is_experiment:
        return [
            ReportFigure(
                key,
                title,
                None,
                "these results are a single run: there is no baseline to compare with",
            )
        ]
    comparison = results.comparison
    if comparison is None:
        return [
            ReportFigure(
                key, title, None, "the results directory has no comparison.csv (paired differences)"
            )
        ]
    shown = [
        h
        for h in headline_figures(results)
        if not comparison[
            (comparison["metric"] == h[0])
            & (comparison["segment"] == h[1])
            & (comparison["stat"] == h[2])
        ].empty
    ]
    if not shown:
        return [ReportFigure(key, title, None, "comparison.csv has none of the headline figures")]

    def draw(shown: list, key: str, title: str) -> ReportFigure:
        others = [s for s in results.scenarios if s != results.baseline]
        rows, cols = grid(len(shown), 2)
        fig = make_subplots(
            rows=rows,
            cols=cols,
            subplot_titles=[headline_label(*h) for h in shown],
            vertical_spacing=0.5 / max(rows, 1) if rows > 1 else 0.1,
            horizontal_spacing=0.2,
        )
        for n, head in enumerate(shown):
            row, col = n // cols + 1, n % cols + 1
            part = comparison[
                (comparison["metric"] == head[0])
                & (comparison["segment"] == head[1])
                & (comparison["stat"] == head[2])
            ]
            part = part.set_index("scenario").reindex(others).dropna(subset=["difference"])
            unit = str(part["unit"].iloc[0]) if len(part) else ""
            diff = part["difference"].to_numpy(float)
            low = part["ci_low"].fillna(part["difference"]).to_numpy(float)
            high = part["ci_high"].fillna(part["difference"]).to_numpy(float)
            clear = part["excludes_zero"].astype(str).str.lower().eq("true").to_numpy()
            fig.add_trace(
                go.Scatter(
                    x=diff,
                    y=list(part.index),
                    mode="markers",
                    marker={
                        "color": [PALETTE[3] if c else PALETTE[4] for c in clear],
                        "size": 9,
                        "symbol": ["circle" if c else "circle-open" for c in clear],
                        "line": {
                            "width": 2,
                            "color": [PALETTE[3] if c else PALETTE[4] for c in clear],
                        },
                    },
                    error_x={
                        "type": "data",
                        "symmetric": False,
                        "array": high - diff,
                        "arrayminus": diff - low,
                        "color": "#444444",
                        "thickness": 1.2,
                    },
                    showlegend=False,
                    text=[
                        f"{format_signed(d, unit)} (95% confidence: {format_signed(a, unit)} "
                        f"to {format_signed(b, unit)})" + ("" if c else "; no clear difference")
                        for d, a, b, c in zip(diff, low, high, clear, strict=True)
                    ],
                    hovertemplate="%{y}: %{text}<extra></extra>",
                ),
                row=row,
                col=col,
            )
            fig.add_vline(x=0, line={"color": TARGET_COLOUR, "width": 1}, row=row, col=col)
            fig.update_xaxes(title_text=f"change ({change_unit(unit)})", row=row, col=col)
            fig.update_yaxes(
                title_text="scenario", autorange="reversed", type="category", row=row, col=col
            )
        hide_empty_cells(fig, len(shown), rows, cols)
        note = (
            f"Each scenario minus the baseline ({results.baseline}), replication by replication "
            "(both see the same calls), with the 95% confidence interval of the difference. A "
            "filled marker: the interval excludes zero, a clear difference; an open marker: no "
            "clear difference (the interval crosses the grey zero line)."
        )
        return ReportFigure(key, title, style_figure(fig, 260 * rows + 140, title), "", note)

    return split_panels(shown, key, title, draw)
