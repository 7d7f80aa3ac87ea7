"""The panel report's figures (Plotly), each built from the tables of a results directory.

Every builder returns a :class:`ReportFigure`: the figure, or ``None`` with the
reason it was left out, in words a panel member can read. Colours are the
Okabe–Ito palette (safe for the common colour-vision deficiencies), and every
axis is titled with its unit.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import yaml
from plotly.subplots import make_subplots

from sim.report.load import Results
from sim.report.words import format_duration, format_value

#: Okabe & Ito (2008), yellow last (it is faint on white).
PALETTE: tuple[str, ...] = (
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#D55E00",
    "#56B4E9",
    "#CC79A7",
    "#000000",
    "#F0E442",
)
SYMBOLS: tuple[str, ...] = ("circle", "square", "diamond", "triangle-up", "x", "star")
TARGET_COLOUR = "#555555"
FONT = "Helvetica, Arial, sans-serif"
WIDTH_PX = 1000  # PNG width; on the page figures fill the column
PERCENTILE_STATS = ("p50", "p90", "p95")
ATTENDANCE_MAIN = ("grade1/urban", "grade1/rural", "grade2")
CHANNELS = ("999", "101")

#: Headline figures: (metric, segment, stat), in the order shown.
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
)

UNIT_WORDS = {"s": "s", "min": "min", "h": "h", "%": "%", "calls": "calls", "count": "count"}


@dataclass(frozen=True)
class Target:
    """A published or configured target for one figure: ``value`` in the metric's unit."""

    value: float
    label: str
    higher_is_better: bool = False


@dataclass
class ReportFigure:
    """One figure of the report, or the reason it is not there.

    Attributes
    ----------
    key
        Short identifier: the HTML element id is ``fig-<key>``, the PNG ``<key>.png``.
    title
        The figure's heading.
    figure
        The Plotly figure; ``None`` when left out.
    reason
        Why it was left out (or what part of it was), in plain words.
    note
        How to read it, or how it was built.
    """

    key: str
    title: str
    figure: go.Figure | None
    reason: str = ""
    note: str = ""


def colour(index: int) -> str:
    """The palette colour of the ``index``-th scenario."""
    return PALETTE[index % len(PALETTE)]


SEGMENT_NAMES = {
    "grade1/urban": "grade 1 urban",
    "grade1/rural": "grade 1 rural",
    "grade2": "grade 2",
    "resolution": "telephone resolution",
    "scheduled": "appointments",
    "999": "999 calls",
    "101": "101 calls",
}


def segment_name(segment: str) -> str:
    """A segment in words: ``"grade 1 urban"``."""
    return SEGMENT_NAMES.get(segment, segment)


def label(metric: str, segment: str, stat: str) -> str:
    """A short name for a headline figure: ``"P90 answer time, 101"``."""
    names = {
        "answer_time": "answer time",
        "answered_within_target": "answered within target",
        "abandoned": "abandoned",
        "attendance_time": "attendance",
        "callback_time": "call-back time",
        "appointment_wait": "appointment wait",
    }
    prefix = f"{stat.upper()} " if stat.startswith("p") else ""
    name = names.get(metric, metric.replace("_", " "))
    return f"{prefix}{name}, {SEGMENT_NAMES.get(segment, segment).replace(' calls', '')}"


def axis_title(metric: str, segment: str, stat: str, unit: str) -> str:
    """An axis title with its unit: ``"P90 answer time, 101 (s)"``."""
    return f"{label(metric, segment, stat)} ({UNIT_WORDS.get(unit, unit)})"


# ---------------------------------------------------------------- targets


def targets(results: Results) -> dict[tuple[str, str, str], Target]:
    """Targets for the headline figures: the national ones, or the scenario's own.

    Read from the baseline's (or first scenario's) resolved settings in the
    manifest: answer targets per channel, grade 1 targets per area, the grade 2
    target. Without a manifest, the national standards of DESIGN §6.
    """
    scenario = results.baseline or (results.scenarios[0] if results.scenarios else "")
    config = results.config(scenario)
    answer = {"999": 10.0, "101": 120.0}
    grade1 = {"urban": 15.0, "rural": 20.0}
    grade2 = 60.0
    forces = config.get("forces") or {}
    if forces:
        force = next(iter(forces.values())) or {}
        for channel, settings in (force.get("channels") or {}).items():
            if isinstance(settings, dict) and settings.get("answer_target_s") is not None:
                answer[str(channel)] = float(settings["answer_target_s"])
        for area, settings in (force.get("areas") or {}).items():
            if isinstance(settings, dict) and settings.get("grade1_target_min") is not None:
                grade1[str(area)] = float(settings["grade1_target_min"])
        response = force.get("response") or {}
        if response.get("grade2_target_min") is not None:
            grade2 = float(response["grade2_target_min"])
    found: dict[tuple[str, str, str], Target] = {
        ("answered_within_target", "999", "value"): Target(
            90.0, f"national standard: 90% within {format_duration(answer['999'])}", True
        ),
        ("attendance_time", "grade2", "p90"): Target(grade2, f"grade 2 target {grade2:g} min"),
    }
    for channel, seconds in answer.items():
        for stat in PERCENTILE_STATS:
            found[("answer_time", channel, stat)] = Target(
                seconds, f"{channel} target {format_duration(seconds)}"
            )
    for area, minutes in grade1.items():
        for stat in PERCENTILE_STATS:
            found[("attendance_time", f"grade1/{area}", stat)] = Target(
                minutes, f"grade 1 {area} target {minutes:g} min"
            )
    for stat in PERCENTILE_STATS:
        found[("attendance_time", "grade2", stat)] = Target(
            grade2, f"grade 2 target {grade2:g} min"
        )
    return found


# ---------------------------------------------------------------- helpers


def _rows(summary: pd.DataFrame, metric: str, segment: str, stat: str) -> pd.DataFrame:
    rows = summary[
        (summary["metric"] == metric) & (summary["segment"] == segment) & (summary["stat"] == stat)
    ]
    return rows[np.isfinite(rows["mean"].to_numpy(dtype=float))]


def _has(summary: pd.DataFrame, metric: str, segment: str, stat: str) -> bool:
    return not _rows(summary, metric, segment, stat).empty


def _style(fig: go.Figure, height: int, title: str) -> go.Figure:
    fig.update_layout(
        title={"text": title, "x": 0.0, "xanchor": "left", "font": {"size": 16}},
        height=height,
        font={"family": FONT, "size": 12, "color": "#222222"},
        template="plotly_white",
        colorway=list(PALETTE),
        margin={"l": 70, "r": 30, "t": 80, "b": 60},
        legend={"orientation": "h", "yanchor": "top", "y": -0.18, "x": 0.0},
        hoverlabel={"namelength": -1},
    )
    return fig


def _hover_text(values: Sequence[float], unit: str) -> list[str]:
    return [format_value(float(v), unit) for v in values]


def _add_target(fig: go.Figure, target: Target | None, row: int, col: int, vertical: bool) -> None:
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


def _grid(count: int, columns: int) -> tuple[int, int]:
    return math.ceil(count / columns), min(columns, count)


def _hide_empty_cells(fig: go.Figure, count: int, rows: int, cols: int) -> None:
    """Hide the axes of grid cells after the last panel (an odd number of panels)."""
    for n in range(count, rows * cols):
        fig.update_xaxes(visible=False, row=n // cols + 1, col=n % cols + 1)
        fig.update_yaxes(visible=False, row=n // cols + 1, col=n % cols + 1)


# ---------------------------------------------------------------- figure 1


def percentile_figure(
    results: Results, metric: str, segments: Sequence[str], key: str, title: str, what: str
) -> ReportFigure:
    """P50, P90 and P95 per scenario with 95% confidence whiskers and the target line."""
    summary = results.summary
    shown = [s for s in segments if any(_has(summary, metric, s, st) for st in PERCENTILE_STATS)]
    if not shown:
        return ReportFigure(
            key, title, None, f"the results have no {what} percentiles (no {metric} in summary.csv)"
        )
    all_targets = targets(results)
    unit = str(summary[summary["metric"] == metric]["unit"].iloc[0])
    fig = make_subplots(rows=1, cols=len(shown), subplot_titles=[segment_name(s) for s in shown])
    scenarios = results.scenarios
    width = 0.7 / max(len(scenarios), 1)
    for col, segment in enumerate(shown, start=1):
        for i, scenario in enumerate(scenarios):
            xs, ys, lows, highs = [], [], [], []
            for j, stat in enumerate(PERCENTILE_STATS):
                rows = _rows(summary[summary["scenario"] == scenario], metric, segment, stat)
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
                    showlegend=col == 1,
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
                row=1,
                col=col,
            )
        fig.update_xaxes(
            tickvals=list(range(len(PERCENTILE_STATS))),
            ticktext=[s.upper() for s in PERCENTILE_STATS],
            range=[-0.5, len(PERCENTILE_STATS) - 0.5],
            title_text="percentile",
            row=1,
            col=col,
        )
        fig.update_yaxes(title_text=f"{what} ({unit})", rangemode="tozero", row=1, col=col)
        _add_target(fig, all_targets.get((metric, segment, "p90")), 1, col, vertical=False)
    left_out = [s for s in segments if s not in shown]
    reason = f"no {what} for {', '.join(left_out)} in these results" if left_out else ""
    note = (
        "Each marker is the average over the replications; the whisker is its 95% confidence "
        "interval. P90 is the time within which 9 in 10 are reached. The dashed line is the target."
    )
    return ReportFigure(key, title, _style(fig, 460, title), reason, note)


# ---------------------------------------------------------------- figure 2


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


def distribution_figure(results: Results, kind: str) -> ReportFigure:
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
        metric, segments, unit, what = "answer_time", CHANNELS, "s", "answer time"
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
        or (source == "percentiles" and _has(summary, metric, s, "p90"))
    ]
    if not shown:
        return ReportFigure(key, title, None, f"the results have no {what}s")
    all_targets = targets(results)
    fig = make_subplots(rows=1, cols=len(shown), subplot_titles=[segment_name(s) for s in shown])
    for col, segment in enumerate(shown, start=1):
        for i, scenario in enumerate(results.scenarios):
            if source == "records":
                values = curves.get((scenario, segment))
                if values is None:
                    continue
                x, y = _quantile_curve(values)
                mode = "lines"
            else:
                points = [
                    (float(_rows(summary[summary["scenario"] == scenario], metric, segment, s)
                           ["mean"].iloc[0]), float(s[1:]))
                    for s in PERCENTILE_STATS
                    if _has(summary[summary["scenario"] == scenario], metric, segment, s)
                ]  # fmt: skip
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
                    text=_hover_text(x, unit),
                    hovertemplate=f"{scenario}<br>%{{y:.0f}}% within %{{text}}<extra></extra>",
                ),
                row=1,
                col=col,
            )
        fig.update_xaxes(title_text=f"{what} ({unit})", rangemode="tozero", row=1, col=col)
        fig.update_yaxes(
            title_text="share reached within that time (%)", range=[0, 100], row=1, col=col
        )
        _add_target(fig, all_targets.get((metric, segment, "p90")), 1, col, vertical=True)
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
    return ReportFigure(key, title, _style(fig, 460, title), reason, note)


# ---------------------------------------------------------------- figure 3


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
                    text=_hover_text(band[0.5], "s"),
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
                    fillcolor=_transparent(c, 0.2),
                    name=scenario,
                    legendgroup=scenario,
                    showlegend=True,
                    text=_hover_text(band[0.9], "s"),
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
        return ReportFigure(key, title, _style(fig, 620, title), "", note)
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
                    text=_hover_text(mean, "s"),
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
        return ReportFigure(key, title, _style(fig, 440, title), reason, note)
    if not _has(results.summary, "offered", "101", "count"):
        return ReportFigure(key, title, None, "these results have no 101 calls")
    return ReportFigure(
        key,
        title,
        None,
        "hour-by-hour figures need per-call records (demandsim run --records) or an "
        "experiment's warmup.csv; these results have neither",
    )


def _transparent(hex_colour: str, alpha: float) -> str:
    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},{alpha})"


# ---------------------------------------------------------------- figure 4

_SHIFT_COUNT = re.compile(r"^handler_pools\.([^.]+)\.roster\.shifts\.(\d+)\.count$")
_UNIT_SHIFT = re.compile(r"^forces\.([^.]+)\.areas\.([^.]+)\.units\.shifts\.(\d+)\.count$")
_STAFF = re.compile(r"^handler_pools\.([^.]+)\.roster\.staff$")


def value_at(config: dict[str, Any], path: str) -> Any:
    """The value at a dotted path of a resolved scenario (``None`` if absent)."""
    node: Any = config
    for part in path.split("."):
        if isinstance(node, dict):
            node = node.get(part)
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return None
    return node


def describe_setting(path: str, config: dict[str, Any]) -> str:
    """A dotted setting path in words: ``"call handlers on the late shift"``."""
    if match := _SHIFT_COUNT.match(path):
        name = value_at(config, f"handler_pools.{match[1]}.roster.shifts.{match[2]}.name")
        return f"call handlers on the {name or 'shift ' + match[2]} shift"
    if match := _UNIT_SHIFT.match(path):
        name = value_at(config, f"forces.{match[1]}.areas.{match[2]}.units.shifts.{match[3]}.name")
        return f"{match[2]} response units on the {name or 'shift ' + match[3]} shift"
    if match := _STAFF.match(path):
        return f"call handlers on duty ({match[1]})"
    if path.endswith("appointments.cars"):
        return "schedule cars"
    return path


def parse_change(change: str) -> tuple[str, Any]:
    """``"a.b=12"`` → ``("a.b", 12)`` (the value read as YAML)."""
    path, _, text = change.partition("=")
    try:
        value = yaml.safe_load(text)
    except yaml.YAMLError:
        value = text
    return path, value


def sweep_axis(results: Results) -> tuple[str, dict[str, float]] | None:
    """The numeric setting an experiment sweeps: its path and each scenario's value.

    A setting counts when three or more scenarios each change only it, to a
    number. With several, the one with most scenarios.
    """
    by_path: dict[str, dict[str, float]] = {}
    for scenario, changes in results.changes().items():
        if len(changes) != 1 or scenario not in results.scenarios:
            continue
        path, value = parse_change(changes[0])
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            by_path.setdefault(path, {})[scenario] = float(value)
    candidates = [(len(v), p) for p, v in by_path.items() if len(set(v.values())) >= 3]
    if not candidates:
        return None
    _, path = max(candidates)
    return path, by_path[path]


def tradeoff_figure(results: Results) -> ReportFigure:
    """Each headline figure against the swept number, with its 95% band and target."""
    key, title = "trade-off", "How many do we need? Each figure against the number swept"
    if not results.is_experiment:
        return ReportFigure(
            key,
            title,
            None,
            "these results are a single run, not a sweep: a trade-off curve needs an experiment "
            "whose scenarios vary one number (a grid over handlers or units)",
        )
    axis = sweep_axis(results)
    if axis is None:
        return ReportFigure(
            key,
            title,
            None,
            "no setting takes three or more numeric values across the scenarios of this "
            "experiment, so there is no curve to draw",
        )
    path, values = axis
    config = results.config(results.baseline or next(iter(values)))
    x_title = f"{describe_setting(path, config)} (number)"
    summary = results.summary
    shown = [h for h in HEADLINES if _has(summary[summary["scenario"].isin(values)], *h)]
    rows, cols = _grid(len(shown), 2)
    fig = make_subplots(
        rows=rows,
        cols=cols,
        subplot_titles=[label(*h) for h in shown],
        vertical_spacing=0.5 / max(rows, 1) if rows > 1 else 0.1,
        horizontal_spacing=0.14,
    )
    all_targets = targets(results)
    for n, head in enumerate(shown):
        row, col = n // cols + 1, n % cols + 1
        part = _rows(summary, *head)
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
                fillcolor=_transparent(PALETTE[0], 0.2),
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
        fig.update_yaxes(title_text=axis_title(*head, unit), rangemode="tozero", row=row, col=col)
        _add_target(fig, all_targets.get(head), row, col, vertical=False)
    _hide_empty_cells(fig, len(shown), rows, cols)
    note = (
        f"Scenarios {', '.join(sorted(values, key=values.get))} differ only in the number of "
        f"{describe_setting(path, config)}. The line is the average over the replications, the "
        "shaded band its 95% confidence interval, the dashed line the target: the smallest "
        "number whose band is on the right side of the target is enough."
    )
    return ReportFigure(key, title, _style(fig, 300 * rows + 140, title), "", note)


# ---------------------------------------------------------------- figure 5


def difference_figure(results: Results) -> ReportFigure:
    """Each scenario's paired difference from the baseline, per headline figure."""
    key, title = "difference", "What each change does: difference from the baseline"
    if not results.is_experiment:
        return ReportFigure(
            key, title, None, "these results are a single run: there is no baseline to compare with"
        )
    comparison = results.comparison
    if comparison is None:
        return ReportFigure(
            key, title, None, "the results directory has no comparison.csv (paired differences)"
        )
    shown = [
        h
        for h in HEADLINES
        if not comparison[
            (comparison["metric"] == h[0])
            & (comparison["segment"] == h[1])
            & (comparison["stat"] == h[2])
        ].empty
    ]
    if not shown:
        return ReportFigure(key, title, None, "comparison.csv has none of the headline figures")
    others = [s for s in results.scenarios if s != results.baseline]
    rows, cols = _grid(len(shown), 2)
    fig = make_subplots(
        rows=rows,
        cols=cols,
        subplot_titles=[label(*h) for h in shown],
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
                    "line": {"width": 2, "color": [PALETTE[3] if c else PALETTE[4] for c in clear]},
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
                    f"{_signed(d, unit)} (95% confidence: {_signed(a, unit)} to {_signed(b, unit)})"
                    + ("" if c else "; no clear difference")
                    for d, a, b, c in zip(diff, low, high, clear, strict=True)
                ],
                hovertemplate="%{y}: %{text}<extra></extra>",
            ),
            row=row,
            col=col,
        )
        fig.add_vline(x=0, line={"color": TARGET_COLOUR, "width": 1}, row=row, col=col)
        fig.update_xaxes(title_text=f"change ({unit})", row=row, col=col)
        fig.update_yaxes(
            title_text="scenario", autorange="reversed", type="category", row=row, col=col
        )
    _hide_empty_cells(fig, len(shown), rows, cols)
    note = (
        f"Each scenario minus the baseline ({results.baseline}), replication by replication "
        "(both see the same calls), with the 95% confidence interval of the difference. A filled "
        "marker: the interval excludes zero, a clear difference; an open marker: no clear "
        "difference (the interval crosses the grey zero line)."
    )
    return ReportFigure(key, title, _style(fig, 260 * rows + 140, title), "", note)


def _signed(value: float, unit: str) -> str:
    if not math.isfinite(value):
        return "–"
    text = format_value(abs(value), unit)
    return ("+" if value > 0 else "−" if value < 0 else "") + text


# ---------------------------------------------------------------- all


def build_figures(results: Results) -> list[ReportFigure]:
    """Every figure of the report in order, present or left out with a reason."""
    return [
        percentile_figure(
            results,
            "attendance_time",
            ATTENDANCE_MAIN,
            "attendance-percentiles",
            "Attendance: how long until the first officer arrives",
            "attendance time",
        ),
        percentile_figure(
            results,
            "answer_time",
            CHANNELS,
            "answer-percentiles",
            "999 and 101: how long until a call is answered",
            "answer time",
        ),
        distribution_figure(results, "answer"),
        distribution_figure(results, "attendance"),
        hourly_figure(results),
        tradeoff_figure(results),
        difference_figure(results),
    ]
