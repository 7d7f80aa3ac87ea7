"""Fitting demand: annual volume, hour-of-week profile, over-dispersion, grading shares.

Each channel's arrivals give its volume (calls per year, with a 95%
interval) and 168 hour-of-week weights, shrunk towards a day x hour shape
where the data are thin (:func:`fit_profile`). The same hourly counts say
how far arrivals vary beyond Poisson: Pearson's chi-square per degree of
freedom, and the day-to-day busyness factor's coefficient of variation the
scenario's ``overdispersion_cv`` takes. Grading shares are the share of
handled calls that became each grade of incident (:func:`fit_grading`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from sim.fit.durations import Z95
from sim.fit.mapping import GRADES, TELEPHONE_CHANNELS
from sim.units import DAYS_PER_YEAR, HOURS_PER_WEEK

#: Hours in a (365-day) year: volumes are calls per year, rates calls per hour.
HOURS_PER_YEAR = DAYS_PER_YEAR * 24


@dataclass(frozen=True)
class ProfileFit:
    """Annual volume and hour-of-week profile of one channel.

    ``weights`` are 168 relative rates (Monday 00:00 first, mean 1); ``weeks``
    is how many weeks of data they rest on; ``dispersion`` is Pearson's
    chi-square per degree of freedom of each week's hourly counts about the
    fitted rates (about 1 for Poisson arrivals; above 1, busier and quieter
    weeks than Poisson); ``day_cv`` is the day-to-day busyness beyond Poisson
    (the coefficient of variation of a day's factor, method of moments over
    ``days`` whole days; 0 when days vary no more than Poisson); ``closed``
    how many hours of the week had no arrival at all and are kept at zero.
    """

    volume_per_year: float
    volume_ci: tuple[float, float]
    count: int
    weeks: float
    weights: np.ndarray
    raw_rate_per_hour: np.ndarray
    smoothed: bool
    dispersion: float
    day_cv: float = 0.0
    days: int = 0
    closed: int = 0

    @property
    def rate_per_hour(self) -> np.ndarray:
        """The 168 fitted arrivals per hour the scenario generates (calls per hour)."""
        return self.weights * self.volume_per_year / HOURS_PER_YEAR


def fit_profile(
    times: pd.Series, start: pd.Timestamp, end: pd.Timestamp, prior_weeks: float = 2.0
) -> ProfileFit:
    """Fit the annual volume and hour-of-week profile of arrivals.

    Each of the 168 hours of the week gets its own rate (count / hours
    observed). Where the data are thin, rates are shrunk towards a separable
    day x hour shape (gamma-Poisson: ``prior_weeks`` weeks' worth of the
    separable rate is added), which matters only with a few weeks of data.

    Parameters
    ----------
    times
        Arrival timestamps.
    start, end
        The observed period (end exclusive).
    prior_weeks
        Weight of the smoothing prior, in weeks.
    """
    hours = pd.date_range(start.floor("h"), end.ceil("h"), freq="h", inclusive="left")
    hour_slot = np.asarray(hours.day_of_week * 24 + hours.hour)
    exposure = np.bincount(hour_slot, minlength=HOURS_PER_WEEK).astype(float)
    slot = (times.dt.day_of_week * 24 + times.dt.hour).to_numpy()
    counts = np.bincount(slot, minlength=HOURS_PER_WEEK).astype(float)
    span_h = (end - start).total_seconds() / 3600.0
    n = int(counts.sum())
    raw = np.divide(counts, exposure, out=np.zeros(HOURS_PER_WEEK), where=exposure > 0)
    grid = raw.reshape(7, 24)
    day = grid.mean(axis=1)
    hour = grid.mean(axis=0)
    overall = grid.mean()
    separable = (np.outer(day, hour) / overall).ravel() if overall > 0 else np.ones(HOURS_PER_WEEK)
    smoothed = (counts + prior_weeks * separable) / (exposure + prior_weeks)
    closed = closed_hours(counts, exposure)
    smoothed[closed] = 0.0
    # Each calendar hour's count against its fitted rate: repeated weeks are the
    # replication that makes this a test (the rates came from their sums).
    per_hour = times.dt.floor("h").value_counts().reindex(hours, fill_value=0).to_numpy(dtype=float)
    expected = smoothed[hour_slot]
    seen = expected > 0
    df = max(int(seen.sum()) - int((exposure > 0).sum()), 1)
    dispersion = float(np.sum((per_hour[seen] - expected[seen]) ** 2 / expected[seen]) / df)
    day_cv, days = _day_to_day_cv(per_hour, expected, hours)
    per_year = n / span_h * HOURS_PER_YEAR
    half = Z95 * math.sqrt(max(n, 1)) / span_h * HOURS_PER_YEAR
    weights = smoothed / smoothed.mean() if smoothed.mean() > 0 else np.ones(HOURS_PER_WEEK)
    return ProfileFit(
        per_year,
        (per_year - half, per_year + half),
        n,
        span_h / 168.0,
        weights,
        raw,
        bool(prior_weeks > 0),
        dispersion,
        day_cv,
        days,
        int(closed.sum()),
    )


#: Days a clock hour (or a weekday) must be seen with no arrival before it counts as closed.
CLOSED_AFTER_DAYS = 14


def closed_hours(counts: np.ndarray, exposure: np.ndarray) -> np.ndarray:
    """Hours of the week the service is closed: no arrival in that clock hour, or that weekday.

    Smoothing borrows rate from neighbouring hours; a 101 line closed at
    night, or on Sundays, must not get calls there. An hour of the day with no
    arrival on any of at least :data:`CLOSED_AFTER_DAYS` days seen, and a weekday
    with none in at least two weeks, is closed.

    Parameters
    ----------
    counts, exposure
        Arrivals and hours observed in each of the 168 hours of the week.
    """
    grid_counts, grid_exposure = counts.reshape(7, 24), exposure.reshape(7, 24)
    hour_closed = (grid_counts.sum(axis=0) == 0) & (grid_exposure.sum(axis=0) >= CLOSED_AFTER_DAYS)
    day_closed = (grid_counts.sum(axis=1) == 0) & (grid_exposure.sum(axis=1) >= 2 * 24)
    if counts.sum() == 0:
        return np.zeros(HOURS_PER_WEEK, dtype=bool)
    return (hour_closed[np.newaxis, :] | day_closed[:, np.newaxis]).ravel()


def _day_to_day_cv(
    per_hour: np.ndarray, expected: np.ndarray, hours: pd.DatetimeIndex
) -> tuple[float, int]:
    """Day factor CV beyond Poisson: Var(N/E) = 1/E + cv^2 for a day's count N of mean E."""
    if len(hours) == 0:
        return 0.0, 0
    day = np.asarray((hours - hours[0]).days)
    observed = np.bincount(day, weights=per_hour)
    mean = np.bincount(day, weights=expected)
    whole = (np.bincount(day) == 24) & (mean > 0)
    weekday = np.asarray(hours[::24].day_of_week)[: len(whole)]
    # Each weekday's rates were fitted from its own W days, which absorbs 1/W of
    # every day's deviation: scale the squared deviations back up by W/(W-1).
    same_weekday = np.bincount(weekday[whole], minlength=7)[weekday]
    whole &= same_weekday >= 2
    if whole.sum() < 7:
        return 0.0, int(whole.sum())
    ratio = observed[whole] / mean[whole]
    w = same_weekday[whole]
    excess = float(np.mean((ratio - 1.0) ** 2 * w / (w - 1) - 1.0 / mean[whole]))
    return (math.sqrt(excess) if excess > 0 else 0.0), int(whole.sum())


def rounded_shares(
    shares: Mapping[str, float], places: int = 4, total: float | None = None
) -> dict[str, float]:
    """Shares rounded to ``places`` decimals that sum to exactly their rounded total.

    Rounding each share on its own can make shares of 1 sum to 1.0001, which a
    scenario refuses; the largest-remainder method keeps the sum. Zero shares
    are dropped.

    Parameters
    ----------
    shares
        Shares (each in [0, 1]).
    places
        Decimals kept.
    total
        The sum wanted (default: the shares' own sum rounded, at most 1).
    """
    unit = 10**places
    want = min(round((sum(shares.values()) if total is None else total) * unit), unit)
    scaled = {k: v * unit for k, v in shares.items()}
    units = {k: math.floor(v) for k, v in scaled.items()}
    short = want - sum(units.values())
    by_remainder = sorted(scaled, key=lambda k: scaled[k] - units[k], reverse=True)
    for k in by_remainder[: max(short, 0)]:
        units[k] += 1
    return {k: u / unit for k, u in units.items() if u > 0}


def fit_grading(incidents: pd.DataFrame, handled: Mapping[str, int]) -> dict[str, dict[str, Any]]:
    """Share of handled calls becoming each grade of incident, per channel.

    Parameters
    ----------
    incidents
        Cleaned incidents with ``grade`` and ``channel`` columns.
    handled
        Answered calls per channel. Where a channel's count is missing, the
        channel's incidents themselves are the base (every call made one). For
        ``online`` the base is always the online incidents: a report that made
        no incident is not in a CAD export.

    Returns
    -------
    dict
        ``{channel: {"shares": {grade: share}, "n": base, "ci": {grade: (lo, hi)}}}``
        with Wilson 95% intervals.
    """
    out: dict[str, dict[str, Any]] = {}
    by_channel = incidents.groupby("channel", observed=True)["grade"].value_counts()
    present = set(by_channel.index.get_level_values(0))
    # The standard channels first, then any others the mapping named, then online.
    others = sorted(present - {*TELEPHONE_CHANNELS, "online"})
    for channel in (*TELEPHONE_CHANNELS, *others, "online"):
        if channel not in present:
            continue
        counts = by_channel.loc[channel]
        base = int(handled.get(channel) or counts.sum())
        base = max(base, int(counts.sum()))
        shares, cis = {}, {}
        for grade in GRADES:
            k = int(counts.get(grade, 0))
            p = k / base
            denom = 1 + Z95**2 / base
            centre = (p + Z95**2 / (2 * base)) / denom
            half = Z95 * math.sqrt(p * (1 - p) / base + Z95**2 / (4 * base**2)) / denom
            shares[grade] = p
            cis[grade] = (centre - half, centre + half)
        out[channel] = {"shares": shares, "n": base, "ci": cis}
    return out
