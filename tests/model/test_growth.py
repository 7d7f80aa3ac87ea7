"""Demand growth, the scenario's year offset, and seasonality.

Growth ``g`` a year and a year offset ``Y``: day ``d`` of the run has its rate
multiplied by ``(1 + g) ** (Y + d / 365)``. The expected offered calls of a
run is then the base daily volume summed over those factors, and moving the
same scenario one year on multiplies every day, so the year's offered calls,
by exactly ``1 + g``. Both are checked against 99% t-intervals over
replications, themselves checked narrow enough for the test to fail.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest
from scipy import stats

from sim.config import Scenario, scenario_from_dict
from sim.metrics.kpis import replication_metrics
from sim.model.demand import calendar_factors
from sim.model.replication import run_replication

VOLUME = 60_000.0  # 101 calls a year


def growing(growth: float, year: float, days: float = 91, **channel: object) -> Scenario:
    """One 101 channel answered at once (plenty of handlers), growing by ``growth`` a year."""
    return scenario_from_dict(
        {
            "name": "growth",
            "days": days,
            "warmup_days": 0,
            "seed": 3,
            "year": year,
            "start_date": "2027-01-04",
            "forces": {
                "f": {
                    "channels": {
                        "101": {
                            "volume_per_year": VOLUME,
                            "handling": {"distribution": "constant", "value_s": 30},
                            "growth_per_year": growth,
                            **channel,
                        }
                    }
                }
            },
            "handler_pools": {"p": {"serves": ["101"], "roster": {"staff": 20}}},
        }
    )


def _offered(scenario: Scenario, replication: int) -> float:
    (value,) = [
        v.value
        for v in replication_metrics(run_replication(scenario, replication))
        if v.metric == "offered" and v.segment == "101"
    ]
    return value


def _t_half(values: np.ndarray, confidence: float = 0.99) -> float:
    return float(stats.t.ppf(0.5 + confidence / 2, len(values) - 1) * stats.sem(values))


def test_offered_calls_follow_the_compounded_growth_trend() -> None:
    growth, year, days = 0.035, 3.0, 91
    offered = np.array([_offered(growing(growth, year, days), r) for r in range(20)])
    expected = VOLUME / 365 * sum((1 + growth) ** (year + d / 365) for d in range(days))
    half = _t_half(offered)
    assert half < 0.02 * expected
    assert abs(offered.mean() - expected) <= half, (offered.mean(), expected, half)
    # Not vacuous: the growth is far outside the interval of the base year's volume.
    assert expected - VOLUME * days / 365 > 3 * half


def test_growth_g_raises_next_years_offered_calls_by_g() -> None:
    # A whole year (52 weeks) and the same year moved one on, paired (same seed):
    # E[next] = (1 + g) E[this], so d = next - (1 + g) this has mean 0. Its 99%
    # interval over 20 pairs must hold 0 and be far narrower than the growth itself.
    growth = 0.10
    this_year = np.array([_offered(growing(growth, 0.0, 364), r) for r in range(20)])
    next_year = np.array([_offered(growing(growth, 1.0, 364), r) for r in range(20)])
    d = next_year - (1 + growth) * this_year
    half = _t_half(d)
    assert abs(d.mean()) <= half, (d.mean(), half)
    assert half < 0.05 * growth * this_year.mean()
    assert (next_year > this_year).all()


def test_no_growth_and_no_seasonality_leaves_the_arrival_rate_untouched() -> None:
    scenario = growing(0.0, 5.0)
    channel = scenario.forces["f"].channels["101"]
    assert calendar_factors(channel, scenario.year, scenario.start_date, -1, 10) is None


def test_month_factors_keep_the_annual_volume_and_bank_holidays_multiply_their_day() -> None:
    months = [1.2, 1.0, 1.0, 1.0, 1.0, 1.1, 1.1, 1.1, 1.0, 1.0, 0.9, 1.4]
    holiday = date(2027, 1, 11)  # the second Monday of the run
    scenario = growing(
        0.0,
        0.0,
        days=28,
        seasonality={
            "month_of_year": months,
            "bank_holidays": [holiday.isoformat()],
            "bank_holiday_multiplier": 1.5,
        },
    )
    channel = scenario.forces["f"].channels["101"]
    assert channel.seasonality is not None
    assert np.mean(channel.seasonality.month_factors()) == pytest.approx(1.0)
    factors = calendar_factors(channel, 0.0, scenario.start_date, 0, 28)
    assert factors is not None
    january = months[0] / np.mean(months)
    assert factors[7] == pytest.approx(1.5 * january)
    assert factors[0] == factors[14] == pytest.approx(january)
    # Simulated: the bank holiday has 1.5 times the calls of the other Mondays.
    day_counts = []
    for r in range(10):
        calls = run_replication(scenario, r).calls
        day = np.floor(calls.arrival_s / 86_400).astype(int)
        day_counts.append([np.sum(day == d) for d in (0, 7, 14, 21)])
    counts = np.array(day_counts, dtype=float)
    ratio = counts[:, 1].sum() / counts[:, [0, 2, 3]].sum() * 3
    # Poisson counts: the ratio's standard error from the totals (delta method).
    se = ratio * np.sqrt(1 / counts[:, 1].sum() + 1 / counts[:, [0, 2, 3]].sum())
    assert abs(ratio - 1.5) <= 2.58 * se, (ratio, se)
    assert 2.58 * se < 0.1
