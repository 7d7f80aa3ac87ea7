"""Calls to 101 through the day: the answer-time band and hang-ups by hour, per scenario."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from sim.report.load import Results
from sim.report.style import (
    SYMBOLS,
    ReportFigure,
    colour,
    has_figure,
    hover_text,
    style_figure,
    transparent,
)


def hourly_figure(results: Results) -> ReportFigure:
    """101 answer-time P50–P90 band and abandonment by hour of day, per scenario."""
    key, title = "by-hour", "Calls to 101 through the day"
    calls = results.calls
    if calls is not None and (calls["channel"] == "101").any():
        calls = calls[calls["channel"] == "101"].copy()
        calls["hour"] = np.floor(np.mod(calls["arrival_s"].to_numpy(float), 86400.0) / 3600.0)
        fig = make_subplots(
            rows=2,
            cols=1,
            shared_xaxes=True,
            vertical_spacing=0.12,
            subplot_titles=["101 answer time: P50 to P90 band", "101 callers who hang up"],
        )
        for i, scenario in enumerate(results.scenarios):
            rows = calls[calls["scenario"] == scenario]
            if rows.empty:
                continue
            answered = rows[rows["outcome"] == "answered"]
            band = answered.groupby("hour")["answer_wait_s"].quantile([0.5, 0.9]).unstack()
            band = band.reindex(range(24))
            abandon = rows.groupby("hour")["outcome"].apply(
                lambda o: 100.0 * float((o == "abandoned").mean())
            )
            abandon = abandon.reindex(range(24))
            hours = np.arange(24)
            c = colour(i)
            fig.add_trace(
                go.Scatter(
                    x=hours,
                    y=band[0.5],
                    mode="lines",
                    line={"color": c, "width": 1},
                    name=scenario,
                    legendgroup=scenario,
                    showlegend=False,
                    text=hover_text(band[0.5], "s"),
                    hovertemplate=f"{scenario} %{{x}}:00 P50 %{{text}}<extra></extra>",
                ),
                row=1,
                col=1,
            )
            fig.add_trace(
                go.Scatter(
                    x=hours,
                    y=band[0.9],
                    mode="lines",
                    line={"color": c, "width": 2},
                    fill="tonexty",
                    fillcolor=transparent(c, 0.2),
                    name=scenario,
                    legendgroup=scenario,
                    showlegend=True,
                    text=hover_text(band[0.9], "s"),
                    hovertemplate=f"{scenario} %{{x}}:00 P90 %{{text}}<extra></extra>",
                ),
                row=1,
                col=1,
            )
            fig.add_trace(
                go.Scatter(
                    x=hours,
                    y=abandon,
                    mode="lines+markers",
                    line={"color": c, "width": 2},
                    marker={"symbol": SYMBOLS[i % len(SYMBOLS)], "size": 5},
                    name=scenario,
                    legendgroup=scenario,
                    showlegend=False,
                    hovertemplate=f"{scenario} %{{x}}:00 %{{y:.1f}}% hang up<extra></extra>",
                ),
                row=2,
                col=1,
            )
        fig.update_yaxes(title_text="101 answer time (s)", rangemode="tozero", row=1, col=1)
        fig.update_yaxes(title_text="101 callers who hang up (%)", rangemode="tozero", row=2, col=1)
        for row in (1, 2):
            fig.update_xaxes(
                title_text="hour of day (h)",
                tickmode="linear",
                dtick=2,
                range=[-0.5, 23.5],
                row=row,
                col=1,
            )
        note = (
            "From the per-call records. The shaded band runs from the time within which half "
            "of the callers were answered (P50) to the time within which 9 in 10 were (P90), "
            "for calls arriving in each hour."
        )
        return ReportFigure(key, title, style_figure(fig, 620, title), "", note)
    warmup = results.warmup
    if (
        warmup is not None
        and ((warmup["segment"] == "101") & (warmup["period"] == "measured")).any()
    ):
        rows = warmup[(warmup["segment"] == "101") & (warmup["period"] == "measured")].copy()
        rows["hour_of_day"] = rows["hour"].astype(int) % 24
        fig = go.Figure()
        for i, scenario in enumerate(results.scenarios):
            part = rows[rows["scenario"] == scenario]
            if part.empty:
                continue
            mean = part.groupby("hour_of_day")["answer_time_mean_s"].mean().reindex(range(24))
            fig.add_trace(
                go.Scatter(
                    x=np.arange(24),
                    y=mean,
                    mode="lines+markers",
                    name=scenario,
                    line={"color": colour(i), "width": 2},
                    marker={"symbol": SYMBOLS[i % len(SYMBOLS)], "size": 5},
                    text=hover_text(mean, "s"),
                    hovertemplate=f"{scenario} %{{x}}:00 mean %{{text}}<extra></extra>",
                )
            )
        fig.update_yaxes(title_text="mean 101 answer time (s)", rangemode="tozero")
        fig.update_xaxes(
            title_text="hour of day (h)",
            tickmode="linear",
            dtick=2,
            range=[-0.5, 23.5],
        )
        reason = (
            "the P50–P90 band and the hang-up rate by hour need per-call records (records: true "
            "in the experiment file); shown instead: the mean answer time by hour, from warmup.csv"
        )
        note = "Mean time to answer of 101 calls arriving in each hour of the day, over all days."
        return ReportFigure(key, title, style_figure(fig, 440, title), reason, note)
    if not has_figure(results.summary, "offered", "101", "count"):
        return ReportFigure(key, title, None, "these results have no 101 calls")
    return ReportFigure(
        key,
        title,
        None,
        "hour-by-hour figures need per-call records (demandsim run --records) or an "
        "experiment's warmup.csv; these results have neither",
    )
