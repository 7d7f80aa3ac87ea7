"""Call arrivals: an exact non-homogeneous Poisson process per force and channel.

The arrival rate of a channel is piecewise constant: the hour-of-week profile
sets it hour by hour, a day's busyness factor (over-dispersion) scales a whole
day, and surges multiply it over their windows. Arrivals are sampled exactly by
inverting the cumulative rate: if ``E1, E2, ...`` are unit exponentials, the
k-th arrival is at ``Lambda^-1(E1 + ... + Ek)``. Because the inversion walks the
piecewise rate segment by segment, a rate that changes between two arrivals is
honoured exactly (no "draw a rate at the top of the hour and hold it").

The construction also couples scenarios well: with the same stream, a scenario
with more volume gets every arrival of the smaller one moved slightly earlier,
not a fresh set, and a longer run starts with the same arrivals as a shorter one.
"""

from __future__ import annotations

import math
from datetime import date, timedelta

import numpy as np

from sim.config import (
    DAYS_PER_YEAR,
    HOURS_PER_WEEK,
    SECONDS_PER_DAY,
    SECONDS_PER_HOUR,
    Channel,
    OnlineChannel,
)


def hourly_rates_per_s(channel: Channel) -> np.ndarray:
    """Arrival rate in each hour of the week (168 values, calls per second)."""
    calls_per_week = channel.volume_per_year * 7.0 / DAYS_PER_YEAR
    return calls_per_week * channel.profile.weights() / SECONDS_PER_HOUR


def day_factors(
    cv: float,
    first_day: int,
    end_day: int,
    generator: np.random.Generator,
    warmup_generator: np.random.Generator,
) -> dict[int, float]:
    """Busyness factor per day (gamma, mean 1, coefficient of variation ``cv``).

    Days are numbered from the scenario start (day 0); warm-up days are negative.
    Days 0, 1, 2, ... are drawn in order from ``generator`` and days -1, -2, ...
    from ``warmup_generator``, so the factor of a measured day does not depend on
    the warm-up length.
    """
    days = range(first_day, end_day)
    if cv <= 0:
        return dict.fromkeys(days, 1.0)
    shape = 1.0 / cv**2
    measured = max(end_day, 0)
    warmup = max(-first_day, 0)
    forward = generator.gamma(shape, 1.0 / shape, measured).tolist()
    backward = warmup_generator.gamma(shape, 1.0 / shape, warmup).tolist()
    return {d: (forward[d] if d >= 0 else backward[-d - 1]) for d in days}


def rate_segments(
    channel: Channel,
    start_s: float,
    end_s: float,
    busyness: dict[int, float] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """The piecewise-constant arrival rate over ``[start_s, end_s)``.

    Returns
    -------
    edges
        Segment boundaries in seconds (``len(rates) + 1`` values, from ``start_s``
        to ``end_s``).
    rates
        Arrival rate in each segment, calls per second.
    """
    first_hour = math.floor(start_s / SECONDS_PER_HOUR) + 1
    last_hour = math.ceil(end_s / SECONDS_PER_HOUR) - 1
    cuts = [start_s, end_s]
    cuts.extend(h * SECONDS_PER_HOUR for h in range(first_hour, last_hour + 1))
    windows = [surge.window_s() for surge in channel.surges]
    for window_start, window_end in windows:
        cuts.extend(t for t in (window_start, window_end) if start_s < t < end_s)
    edges = np.unique(np.asarray(cuts, dtype=float))
    mids = (edges[:-1] + edges[1:]) / 2

    hour_of_week = np.floor(mids / SECONDS_PER_HOUR).astype(np.int64) % HOURS_PER_WEEK
    rates = hourly_rates_per_s(channel)[hour_of_week]
    if busyness:
        day = np.floor(mids / SECONDS_PER_DAY).astype(np.int64)
        rates = rates * np.array([busyness.get(int(d), 1.0) for d in day])
    for surge, (window_start, window_end) in zip(channel.surges, windows, strict=True):
        inside = (mids >= window_start) & (mids < window_end)
        rates = np.where(inside, rates * surge.multiplier, rates)
    return edges, rates


def expected_arrivals(edges: np.ndarray, rates: np.ndarray) -> float:
    """Expected number of arrivals over the segments (the integrated rate)."""
    return float(np.sum(rates * np.diff(edges)))


def sample_arrivals(
    edges: np.ndarray, rates: np.ndarray, generator: np.random.Generator
) -> np.ndarray:
    """Arrival times (seconds, sorted) of a Poisson process with a piecewise-constant rate.

    Exact: unit-rate Poisson points on the cumulative-rate axis mapped back
    through the inverse of the cumulative rate.
    """
    cumulative = np.concatenate(([0.0], np.cumsum(rates * np.diff(edges))))
    total = cumulative[-1]
    if total <= 0:
        return np.empty(0)
    # Draw in blocks until the unit-rate points pass the total; the first block
    # is large enough to need a second one only rarely.
    points: list[np.ndarray] = []
    reached = 0.0
    block = int(total + 6.0 * math.sqrt(total) + 16)
    while reached <= total:
        steps = np.cumsum(generator.exponential(1.0, block)) + reached
        points.append(steps)
        reached = float(steps[-1])
        block = max(16, block // 4)
    unit_points = np.concatenate(points)
    unit_points = unit_points[unit_points < total]
    # Segment holding each point: the last edge whose cumulative rate is <= it.
    # A zero-rate segment has equal cumulative values at both ends, so no point
    # is ever placed inside it.
    segment = np.searchsorted(cumulative, unit_points, side="right") - 1
    segment = np.minimum(segment, len(rates) - 1)
    return edges[segment] + (unit_points - cumulative[segment]) / rates[segment]


def calendar_factors(
    demand: Channel | OnlineChannel,
    year: float,
    start_date: date | None,
    first_day: int,
    end_day: int,
) -> dict[int, float] | None:
    """Growth and seasonality as a multiplier per day (day 0: the scenario start), or ``None``.

    Growth compounds ``growth_per_year`` over the scenario's ``year`` offset and
    goes on as a trend through the run, stepping once a day: day ``d`` has
    ``(1 + g) ** (year + d / 365)``. Seasonality multiplies each day by its
    month's factor and, on a bank holiday, by the bank-holiday multiplier (the
    calendar from ``start_date``). ``None`` when the channel has neither, so a
    scenario without them samples exactly as before.
    """
    growth = demand.growth_per_year
    seasonality = demand.seasonality
    if growth == 0 and seasonality is None:
        return None
    days = np.arange(first_day, end_day)
    factors = (1.0 + growth) ** (year + days / DAYS_PER_YEAR)
    if seasonality is not None:
        assert start_date is not None, "validated: seasonality needs start_date"
        months = np.asarray(seasonality.month_factors())
        holidays = set(seasonality.bank_holidays)
        for i, day in enumerate(days.tolist()):
            when = start_date + timedelta(days=day)
            factors[i] *= months[when.month - 1]
            if when in holidays:
                factors[i] *= seasonality.bank_holiday_multiplier
    return dict(zip(days.tolist(), factors.tolist(), strict=True))


def with_calendar(
    busyness: dict[int, float], calendar: dict[int, float] | None
) -> dict[int, float]:
    """Day-to-day busyness times the calendar's day factors (unchanged without a calendar)."""
    if calendar is None:
        return busyness
    return {day: busyness.get(day, 1.0) * factor for day, factor in calendar.items()}
