"""The figures of the fit page: each fitted part of a scenario beside the data behind it.

One Plotly figure per fitted duration distribution (empirical or Kaplan-Meier
CDF against the fitted one, the largest gap marked), arrival profile (observed
and fitted arrivals per hour of the week) and roster (each week's staff on
duty beside the fitted roster), from the plain numbers of
:class:`sim.fit.diagnostics.FitDiagnostics`.
"""

from __future__ import annotations

import math
import re

import numpy as np
import plotly.graph_objects as go

from sim.catalogue import SECONDS_PER_UNIT
from sim.fit.diagnostics import DistributionCheck, FitDiagnostics, ProfileCheck, RosterCheck
from sim.report.style import ReportFigure, colour, style_figure, transparent
from sim.report.words import format_duration
from sim.units import DAY_NAMES, HOURS_PER_WEEK

#: Display unit of a duration check, by the prefix of its key (``travel/urban`` -> min).
UNIT_BY_PREFIX: dict[str, str] = {
    "handling": "s",
    "patience": "s",
    "travel": "min",
    "on_scene": "min",
}
#: The duration in words, by the prefix of its key, for the x axis title.
WHAT_BY_PREFIX: dict[str, str] = {
    "handling": "handling time (talk and wrap-up)",
    "patience": "time a caller will wait before hanging up",
    "travel": "travel time",
    "on_scene": "time on scene",
}
#: Without a known prefix, durations with a median of this many seconds or more show in minutes.
MINUTES_FROM_S = 600.0
#: At most this many points of an empirical CDF are drawn (thinned evenly in share).
MAX_STEP_POINTS = 2000
DAYS: tuple[str, ...] = tuple(day.title() for day in DAY_NAMES)
OBSERVED_COLOUR = colour(6)  # black: the data
FITTED_COLOUR = colour(0)  # blue: the fit
GAP_COLOUR = colour(3)  # vermillion: the largest gap
DISTRIBUTION_HEIGHT = 460
WEEK_HEIGHT = 440
EMPIRICAL_NAME = "data (empirical)"
KAPLAN_MEIER_NAME = "Kaplan–Meier (answered calls censored)"
FITTED_NAME = "fitted"

# ---------------------------------------------------------------- helpers


def safe_key(key: str, taken: set[str] | None = None) -> str:
    """A file name and HTML id from a check's key: ``"handling/999"`` -> ``"handling-999"``.

    Every character but an ASCII letter or digit becomes ``-``; with ``taken``,
    ``-2``, ``-3``... is appended until the key is not in it, and the key is added.
    """
    base = re.sub(r"[^A-Za-z0-9]", "-", key) or "check"
    out, n = base, 1
    if taken is not None:
        while out in taken:
            n += 1
            out = f"{base}-{n}"
        taken.add(out)
    return out


def duration_unit(check: DistributionCheck) -> str:
    """The unit a duration check is shown in: ``"s"`` or ``"min"``.

    By the key's prefix (seconds for ``handling/*`` and ``patience/*``, minutes
    for ``travel/*`` and ``on_scene/*``); for other keys, minutes when the
    observed median is 10 minutes or more.
    """
    prefix = check.key.split("/", 1)[0]
    if prefix in UNIT_BY_PREFIX:
        return UNIT_BY_PREFIX[prefix]
    observed = np.asarray(check.observed_s, dtype=float)
    observed = observed[np.isfinite(observed)]
    if len(observed) and float(np.median(observed)) >= MINUTES_FROM_S:
        return "min"
    return "s"


def _gap(check: DistributionCheck) -> tuple[float, float, float, float] | None:
    """``(gap, at_s, empirical, fitted)`` at the largest gap; see :func:`largest_gap`."""
    x = np.asarray(check.observed_s, dtype=float)
    y = np.asarray(check.observed_cdf, dtype=float)
    grid = np.asarray(check.grid_s, dtype=float)
    fitted = np.asarray(check.fitted_cdf, dtype=float)
    ok = np.isfinite(x) & np.isfinite(y)
    x, y = x[ok], y[ok]
    on_grid = np.isfinite(grid) & np.isfinite(fitted)
    grid, fitted = grid[on_grid], fitted[on_grid]
    if len(x) == 0 or len(grid) == 0:
        return None
    at = np.interp(x, grid, fitted)
    empirical = y
    gaps = np.abs(at - y)
    if not check.censored:
        before = np.concatenate(([0.0], y[:-1]))
        left = np.abs(at - before)
        empirical = np.where(left > gaps, before, y)
        gaps = np.maximum(gaps, left)
    i = int(np.argmax(gaps))
    return float(gaps[i]), float(x[i]), float(empirical[i]), float(at[i])


def largest_gap(check: DistributionCheck) -> tuple[float, float] | None:
    """The largest vertical gap between the empirical and the fitted CDF, and where it is.

    The fitted CDF is interpolated (linearly, on ``grid_s``) at each observed
    duration. For complete data both sides of each step of the empirical CDF
    count (the Kolmogorov–Smirnov distance); for censored (Kaplan–Meier) data
    only the values at the abandonment times.

    Returns
    -------
    tuple of float, or None
        ``(gap, at_s)``: the gap as a share (0–1) and the duration where it is
        largest (s); None without observed values or a fitted grid.
    """
    gap = _gap(check)
    return None if gap is None else (gap[0], gap[1])


def _thin(x: np.ndarray, y: np.ndarray, max_points: int = MAX_STEP_POINTS) -> np.ndarray:
    """Indices of at most about ``max_points`` points of a CDF, evenly spaced in share.

    A step line through the kept points is within ``1 / max_points`` of the
    full one everywhere; the first and last points are always kept.
    """
    n = len(x)
    if n <= max_points:
        return np.arange(n)
    levels = np.linspace(float(y[0]), float(y[-1]), max_points)
    idx = np.searchsorted(y, levels, side="left").clip(0, n - 1)
    return np.unique(np.concatenate(([0], idx, [n - 1])))


def _week_x(count: int) -> np.ndarray:
    """Hour of the week (h from Monday 00:00) of each of ``count`` equal intervals."""
    return np.arange(count) * (HOURS_PER_WEEK / max(count, 1))


def _week_labels(hours: np.ndarray) -> list[str]:
    """``"Mon 08:00"`` for each hour of the week (h)."""
    out = []
    for h in hours:
        minutes = round(float(h) * 60)
        day, minute = divmod(minutes, 24 * 60)
        out.append(f"{DAYS[int(day) % 7]} {minute // 60:02d}:{minute % 60:02d}")
    return out


def _week_axis(fig: go.Figure) -> None:
    fig.update_xaxes(
        title_text="hour of the week (from Monday 00:00)",
        tickmode="array",
        tickvals=[24 * d for d in range(7)],
        ticktext=list(DAYS),
        range=[0, HOURS_PER_WEEK],
        showgrid=True,
    )


# ---------------------------------------------------------------- figures


def distribution_figure(check: DistributionCheck, key: str) -> ReportFigure:
    """The empirical CDF (steps) against the fitted CDF (curve) of one duration.

    Parameters
    ----------
    check
        Durations in seconds; shown in seconds or minutes (:func:`duration_unit`)
        on a log axis, against the share at or below (0–1).
    key
        The figure's key (:func:`safe_key`).
    """
    unit = duration_unit(check)
    per = SECONDS_PER_UNIT[unit]
    what = WHAT_BY_PREFIX.get(check.key.split("/", 1)[0], "duration")
    x = np.asarray(check.observed_s, dtype=float)
    y = np.asarray(check.observed_cdf, dtype=float)
    grid = np.asarray(check.grid_s, dtype=float)
    fitted = np.asarray(check.fitted_cdf, dtype=float)
    drawable = np.isfinite(x) & np.isfinite(y) & (x > 0)
    reasons = []
    dropped = int(len(x) - drawable.sum())
    if dropped:
        reasons.append(
            f"{dropped} observed value(s) of zero or less (or missing) cannot be drawn on a log "
            "scale and are not shown"
        )
    x, y = x[drawable], y[drawable]
    on_grid = np.isfinite(grid) & np.isfinite(fitted) & (grid > 0)
    grid, fitted = grid[on_grid], fitted[on_grid]
    if len(x) == 0 and len(grid) == 0:
        return ReportFigure(key, check.title, None, "there are no durations to draw", check.note)
    if len(x) == 0:
        reasons.append("there are no observed durations to compare the fit with")
    fig = go.Figure()
    empirical = KAPLAN_MEIER_NAME if check.censored else EMPIRICAL_NAME
    keep = _thin(x, y)
    shown_x = x[keep] / per
    fig.add_trace(
        go.Scatter(
            x=shown_x,
            y=y[keep],
            mode="lines",
            line={"color": OBSERVED_COLOUR, "width": 1.5, "shape": "hv"},
            name=empirical,
            text=[format_duration(v, unit) for v in shown_x],
            hovertemplate=f"{empirical}: %{{y:.3f}} at or below %{{text}}<extra></extra>",
        )
    )
    grid_x = grid / per
    fig.add_trace(
        go.Scatter(
            x=grid_x,
            y=fitted,
            mode="lines",
            line={"color": FITTED_COLOUR, "width": 2.5},
            name=FITTED_NAME,
            text=[format_duration(v, unit) for v in grid_x],
            hovertemplate="fitted: %{y:.3f} at or below %{text}<extra></extra>",
        )
    )
    gap = _gap(check) if len(x) and len(grid) else None
    if gap is not None and math.isfinite(gap[0]) and gap[1] > 0:
        size, at_s, observed_at, fitted_at = gap
        at = at_s / per
        fig.add_trace(
            go.Scatter(
                x=[at, at],
                y=[observed_at, fitted_at],
                mode="lines+markers",
                line={"color": GAP_COLOUR, "width": 3},
                marker={"size": 6, "color": GAP_COLOUR},
                name=f"largest gap: D = {size:.3f} at {format_duration(at, unit)}",
                hovertemplate=f"largest gap D = {size:.3f}<extra></extra>",
            )
        )
    fig.update_xaxes(type="log", title_text=f"{what} ({unit}, log scale)")
    fig.update_yaxes(title_text="share at or below", range=[0, 1.02], tickformat=".1f")
    return ReportFigure(
        key,
        check.title,
        style_figure(fig, DISTRIBUTION_HEIGHT, check.title),
        "; ".join(reasons),
        check.note,
    )


def profile_figure(check: ProfileCheck, key: str) -> ReportFigure:
    """Observed against fitted arrivals per hour (arrivals/h) over the hours of the week.

    Parameters
    ----------
    check
        168 observed and fitted rates (arrivals per hour), Monday 00:00 first.
    key
        The figure's key (:func:`safe_key`).
    """
    observed = np.asarray(check.observed_per_hour, dtype=float)
    fitted = np.asarray(check.fitted_per_hour, dtype=float)
    fig = go.Figure()
    for values, name, line, mode, marker in (
        (observed, "observed", {"color": OBSERVED_COLOUR, "width": 0.8}, "lines+markers", 4),
        (fitted, "fitted", {"color": FITTED_COLOUR, "width": 2.5}, "lines", 0),
    ):
        hours = _week_x(len(values))
        fig.add_trace(
            go.Scatter(
                x=hours,
                y=values,
                mode=mode,
                line=line,
                marker={"size": marker, "color": line["color"]},
                name=name,
                text=_week_labels(hours),
                hovertemplate=f"{name} %{{text}}: %{{y:.2f}} per hour<extra></extra>",
            )
        )
    _week_axis(fig)
    fig.update_yaxes(title_text="arrivals per hour", rangemode="tozero")
    weeks = (
        f"Observed: the average in each hour of the week over {check.weeks:.1f} weeks of data; "
        "fitted: the rate the scenario will generate."
    )
    note = f"{check.note} {weeks}".strip() if check.note else weeks
    return ReportFigure(key, check.title, style_figure(fig, WEEK_HEIGHT, check.title), "", note)


def _with_end(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Hours of the week and values for a step line, with the last step drawn to the week's end."""
    hours = _week_x(len(values))
    if len(values) == 0:
        return hours, values
    return np.append(hours, HOURS_PER_WEEK), np.append(values, values[-1])


def roster_figure(check: RosterCheck, key: str) -> ReportFigure:
    """Staff seen on duty in each observed week (faint) against the fitted roster (bold steps).

    Parameters
    ----------
    check
        ``per_week``: one row per week, one column per interval of the week
        (staff on duty, NaN where not observed); ``fitted``: the roster.
    key
        The figure's key (:func:`safe_key`).
    """
    per_week = np.atleast_2d(np.asarray(check.per_week, dtype=float))
    if per_week.size == 0:
        per_week = per_week.reshape(0, 0)
    fitted = np.asarray(check.fitted, dtype=float)
    fig = go.Figure()
    faint = transparent(OBSERVED_COLOUR, 0.25)
    for i, row in enumerate(per_week):
        hours, values = _with_end(row)
        fig.add_trace(
            go.Scatter(
                x=hours,
                y=values,
                mode="lines",
                line={"color": faint, "width": 1, "shape": "hv"},
                name=f"observed, one line per week ({len(per_week)})",
                legendgroup="observed",
                showlegend=i == 0,
                text=[f"week {i + 1}, {t}" for t in _week_labels(hours)],
                hovertemplate="%{text}: %{y:.0f} on duty<extra></extra>",
            )
        )
    hours, values = _with_end(fitted)
    fig.add_trace(
        go.Scatter(
            x=hours,
            y=values,
            mode="lines",
            line={"color": FITTED_COLOUR, "width": 3, "shape": "hv"},
            name="fitted roster",
            text=_week_labels(hours),
            hovertemplate="fitted %{text}: %{y:.0f} on duty<extra></extra>",
        )
    )
    _week_axis(fig)
    fig.update_yaxes(title_text="staff on duty", rangemode="tozero")
    reason = "" if len(per_week) else "no week of observed staff to compare the roster with"
    return ReportFigure(
        key, check.title, style_figure(fig, WEEK_HEIGHT, check.title), reason, check.note
    )


def fit_figures(diagnostics: FitDiagnostics) -> list[ReportFigure]:
    """Every figure of the fit report, in the order of the checks.

    Parameters
    ----------
    diagnostics
        The fit's checks: durations in seconds, arrivals per hour, staff on duty.

    Returns
    -------
    list of ReportFigure
        One per distribution check (:func:`distribution_figure`), then one per
        profile (:func:`profile_figure`), then one per roster
        (:func:`roster_figure`); keys are the checks' keys made safe and unique
        (:func:`safe_key`). Empty without checks.
    """
    taken: set[str] = set()
    figures = [
        distribution_figure(check, safe_key(check.key, taken))
        for check in diagnostics.distributions
    ]
    figures += [profile_figure(check, safe_key(check.key, taken)) for check in diagnostics.profiles]
    figures += [roster_figure(check, safe_key(check.key, taken)) for check in diagnostics.rosters]
    return figures
