"""Plain words from numbers: times as "13 min 47 s", and sentences against a baseline.

Nothing here draws or reads files: every function takes numbers and returns text,
so the sentences of the panel report can be tested against known figures.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from sim.catalogue import SECONDS_PER_UNIT, figure_phrase


def format_duration(value: float, unit: str = "s") -> str:
    """A duration as a person would say it: ``"13 min 47 s"``, ``"1 h 19 min"``.

    Parameters
    ----------
    value
        The duration, in ``unit``.
    unit
        ``"s"``, ``"min"`` or ``"h"``.

    Returns
    -------
    str
        Under 10 s with one decimal (``"6.9 s"``); under a minute in whole
        seconds; under an hour in minutes and seconds; under two days in hours
        and minutes; beyond that in days and hours. ``"–"`` for a missing value.

    Examples
    --------
    >>> format_duration(827.4)
    '13 min 47 s'
    >>> format_duration(13.4, "h")
    '13 h 24 min'
    """
    if value is None or not math.isfinite(value):
        return "–"
    seconds = float(value) * SECONDS_PER_UNIT[unit]
    sign = "-" if seconds < 0 else ""
    seconds = abs(seconds)
    if seconds < 9.95:
        text = f"{seconds:.1f} s".replace(".0 s", " s")
        return sign + text
    whole = round(seconds)
    if whole < 60:
        return f"{sign}{whole} s"
    if whole < 3600:
        minutes, secs = divmod(whole, 60)
        return f"{sign}{minutes} min" + (f" {secs} s" if secs else "")
    whole_minutes = round(seconds / 60)
    if whole_minutes < 48 * 60:
        hours, minutes = divmod(whole_minutes, 60)
        return f"{sign}{hours} h" + (f" {minutes} min" if minutes else "")
    whole_hours = round(seconds / 3600)
    days, hours = divmod(whole_hours, 24)
    return f"{sign}{days} days" + (f" {hours} h" if hours else "")


def format_value(value: float, unit: str) -> str:
    """A metric's value in words: a duration for time units, else a number with its unit."""
    if value is None or not math.isfinite(value):
        return "–"
    if unit in SECONDS_PER_UNIT:
        return format_duration(value, unit)
    if unit.startswith("%"):
        return f"{value:.1f}%"
    return f"{value:,.0f} {unit}".strip()


def format_change(value: float, unit: str) -> str:
    """A difference in words: ``"2 min 5 s longer"``, ``"3.1 percentage points lower"``."""
    if value is None or not math.isfinite(value):
        return "–"
    if value == 0:
        return "no change"
    if unit in SECONDS_PER_UNIT:
        return f"{format_duration(abs(value), unit)} {'longer' if value > 0 else 'shorter'}"
    if unit.startswith("%"):
        return f"{abs(value):.1f} percentage points {'higher' if value > 0 else 'lower'}"
    return f"{abs(value):,.0f} {unit} {'more' if value > 0 else 'fewer'}"


def change_unit(unit: str) -> str:
    """The unit of a difference: ``"percentage points"`` for a share, else the unit itself."""
    return "percentage points" if unit.startswith("%") else unit


def format_signed(value: float, unit: str) -> str:
    """A difference with its sign: ``"+1 min 5 s"``, ``"−3.1 percentage points"``."""
    if value is None or not math.isfinite(value):
        return "–"
    sign = "+" if value > 0 else "−" if value < 0 else ""
    if unit.startswith("%"):
        return f"{sign}{abs(value):.1f} percentage points"
    return sign + format_value(abs(value), unit)


@dataclass(frozen=True)
class Figure:
    """One figure of one scenario: its mean and 95% confidence interval."""

    metric: str
    segment: str
    stat: str
    unit: str
    mean: float
    ci_low: float = math.nan
    ci_high: float = math.nan


@dataclass(frozen=True)
class Difference:
    """A paired difference from the baseline: scenario minus baseline, with its interval."""

    baseline_mean: float
    difference: float
    ci_low: float = math.nan
    ci_high: float = math.nan


def confidence_text(figure: Figure) -> str:
    """``"(95% confidence: 2 min 55 s to 3 min 25 s)"``, or ``""`` without an interval."""
    if not (math.isfinite(figure.ci_low) and math.isfinite(figure.ci_high)):
        return ""
    low = format_value(figure.ci_low, figure.unit)
    high = format_value(figure.ci_high, figure.unit)
    if low == high:
        return ""
    return f" (95% confidence: {low} to {high})"


def sentence(figure: Figure, against: Difference | None = None) -> str:
    """One plain sentence about a figure, compared with the baseline where given.

    Parameters
    ----------
    figure
        The scenario's figure with its own 95% confidence interval.
    against
        The paired difference from the baseline. ``None``: no comparison (a
        single run, or the baseline itself).

    Returns
    -------
    str
        For example "9 in 10 calls to 101 are answered within 3 min 10 s (95%
        confidence: 2 min 55 s to 3 min 25 s), instead of 9 min 40 s." When the
        difference is exactly zero: "..., the same as the baseline."; when its
        paired interval includes zero: "..., against ... in the baseline: no
        clear difference (within the noise of the simulation)."
    """
    text = figure_phrase(
        figure.metric, figure.segment, figure.stat, format_value(figure.mean, figure.unit)
    )
    text = text[0].upper() + text[1:] + confidence_text(figure)
    if against is None or not math.isfinite(against.baseline_mean):
        return text + "."
    before = format_value(against.baseline_mean, figure.unit)
    if against.difference == 0 and (
        not math.isfinite(against.ci_low) or against.ci_low == against.ci_high
    ):
        return text + ", the same as the baseline."
    interval_known = math.isfinite(against.ci_low) and math.isfinite(against.ci_high)
    if not interval_known or against.ci_low <= 0 <= against.ci_high:
        return (
            text + f", against {before} in the baseline: no clear difference "
            "(the change is within the noise of the simulation)."
        )
    return text + f", instead of {before}."


__all__ = [
    "Difference",
    "Figure",
    "change_unit",
    "confidence_text",
    "format_change",
    "format_duration",
    "format_signed",
    "format_value",
    "sentence",
]
