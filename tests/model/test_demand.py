"""Arrivals: the non-homogeneous Poisson process is sampled exactly.

Checks against the process's own definition: counts per hour of week follow
the profile (chi-square), a surge gets its multiplied rate, a rate step between
two arrivals is honoured (first-arrival distribution, Kolmogorov-Smirnov), and
over-dispersion inflates the variance of daily counts by the stated amount.
"""

from __future__ import annotations

import numpy as np
from scipy import stats

from sim.config import SECONDS_PER_DAY, SECONDS_PER_HOUR, SECONDS_PER_WEEK, Channel
from sim.model.demand import day_factors, expected_arrivals, rate_segments, sample_arrivals


def channel(**fields) -> Channel:
    base = {
        "volume_per_year": 100_000,
        "handling": {"distribution": "exponential", "mean_s": 300},
    }
    return Channel.model_validate({**base, **fields})


def test_counts_per_hour_of_week_follow_the_profile() -> None:
    rng = np.random.default_rng(5)
    weights = rng.uniform(0.2, 3.0, 168)
    demand = channel(profile={"hour_of_week": weights.tolist()})
    weeks = 20
    edges, rates = rate_segments(demand, 0.0, weeks * SECONDS_PER_WEEK)
    arrivals = sample_arrivals(edges, rates, np.random.default_rng(1))
    hour = (arrivals // SECONDS_PER_HOUR).astype(int) % 168
    observed = np.bincount(hour, minlength=168)
    expected = demand.volume_per_year * 7 / 365 * weeks * weights / weights.sum()
    # Total is Poisson with the expected mean.
    assert abs(observed.sum() - expected.sum()) < 4 * np.sqrt(expected.sum())
    # Given the total, hours are multinomial with the profile's shares.
    chi2 = (((observed - expected * observed.sum() / expected.sum()) ** 2) / expected).sum()
    assert stats.chi2.sf(chi2, df=167) > 0.001


def test_hourly_times_daily_profile_shapes_days_and_hours() -> None:
    hourly = [1.0] * 12 + [3.0] * 12
    daily = [1, 1, 1, 1, 1, 2, 2]
    demand = channel(profile={"hourly": hourly, "daily": daily})
    edges, rates = rate_segments(demand, 0.0, 30 * SECONDS_PER_WEEK)
    arrivals = sample_arrivals(edges, rates, np.random.default_rng(2))
    day = (arrivals // SECONDS_PER_DAY).astype(int) % 7
    afternoon = (arrivals % SECONDS_PER_DAY) >= 12 * SECONDS_PER_HOUR
    weekend_share = np.isin(day, [5, 6]).mean()
    assert abs(weekend_share - 4 / 9) < 4 * np.sqrt(4 / 9 * 5 / 9 / len(arrivals))
    assert abs(afternoon.mean() - 0.75) < 4 * np.sqrt(0.75 * 0.25 / len(arrivals))


def test_surge_window_gets_multiplied_rate() -> None:
    surge = {"start_day": 3, "start_time": "18:00", "duration_hours": 6, "multiplier": 2.5}
    demand = channel(volume_per_year=2_000_000, surges=[surge])
    start, end = (
        3 * SECONDS_PER_DAY + 18 * SECONDS_PER_HOUR,
        3 * SECONDS_PER_DAY + 24 * SECONDS_PER_HOUR,
    )
    edges, rates = rate_segments(demand, 0.0, SECONDS_PER_WEEK)
    base_rate = demand.mean_rate_per_s()
    inside = (edges[:-1] >= start) & (edges[1:] <= end)
    assert np.allclose(rates[inside], 2.5 * base_rate)
    assert np.allclose(rates[~inside], base_rate)
    counts_inside = []
    counts_before = []
    for seed in range(200):
        arrivals = sample_arrivals(edges, rates, np.random.default_rng(seed))
        counts_inside.append(((arrivals >= start) & (arrivals < end)).sum())
        counts_before.append(((arrivals >= start - 6 * 3600) & (arrivals < start)).sum())
    expected_inside = 2.5 * base_rate * 6 * SECONDS_PER_HOUR
    mean_inside = np.mean(counts_inside)
    assert abs(mean_inside - expected_inside) < 4 * np.sqrt(expected_inside / 200)
    assert abs(np.mean(counts_before) - expected_inside / 2.5) < 4 * np.sqrt(
        expected_inside / 2.5 / 200
    )


def test_surge_window_need_not_align_with_hours() -> None:
    surge = {"start_day": 0, "start_time": "10:17", "duration_hours": 0.25, "multiplier": 0.0}
    demand = channel(volume_per_year=50_000_000, surges=[surge])
    edges, rates = rate_segments(demand, 0.0, SECONDS_PER_DAY)
    arrivals = sample_arrivals(edges, rates, np.random.default_rng(3))
    start = 10 * SECONDS_PER_HOUR + 17 * 60
    assert not ((arrivals >= start) & (arrivals < start + 900)).any()
    assert ((arrivals >= start - 900) & (arrivals < start)).sum() > 100


def test_rate_step_between_two_arrivals_is_honoured() -> None:
    # Almost no calls for an hour, then a flood. Sampling that drew a rate at the
    # last arrival and held it would put the first arrival hours late.
    edges = np.array([0.0, 3600.0, 7200.0])
    rates = np.array([1.0 / 36_000, 1.0 / 60])  # one per 10 hours, then one a minute
    first = []
    for seed in range(2000):
        arrivals = sample_arrivals(edges, rates, np.random.default_rng(seed))
        first.append(arrivals[0] if len(arrivals) else np.inf)
    first = np.asarray(first)

    def cdf(t: np.ndarray) -> np.ndarray:
        cumulative = np.where(t < 3600, t * rates[0], 3600 * rates[0] + (t - 3600) * rates[1])
        return 1 - np.exp(-cumulative)

    finite = first[np.isfinite(first)]
    # Conditional on an arrival before 7200 s, KS against the exact distribution.
    conditional = stats.kstest(finite, lambda t: cdf(np.asarray(t)) / cdf(np.array([7200.0]))[0])
    assert conditional.pvalue > 0.001
    after_step = finite[finite >= 3600]
    assert abs(np.median(after_step) - 3600 - 60 * np.log(2)) < 10


def test_expected_arrivals_match_annual_volume() -> None:
    demand = channel(volume_per_year=365_000, profile={"hourly": list(range(1, 25))})
    edges, rates = rate_segments(demand, -2 * SECONDS_PER_DAY, 5 * SECONDS_PER_WEEK)
    assert np.isclose(expected_arrivals(edges, rates), 1000 * (35 + 2))


def test_plain_poisson_daily_counts_have_poisson_variance() -> None:
    demand = channel(volume_per_year=365 * 500)
    edges, rates = rate_segments(demand, 0.0, 400 * SECONDS_PER_DAY)
    arrivals = sample_arrivals(edges, rates, np.random.default_rng(8))
    counts = np.bincount((arrivals // SECONDS_PER_DAY).astype(int), minlength=400)
    dispersion = counts.var(ddof=1) / counts.mean()
    # Var/mean of 400 Poisson counts: about 1 +- 0.07; well away from the 5.5 below.
    assert 0.75 < dispersion < 1.3


def test_overdispersion_inflates_daily_variance() -> None:
    cv = 0.3
    demand = channel(volume_per_year=365 * 500, overdispersion_cv=cv)
    factors = day_factors(cv, 0, 400, np.random.default_rng(9), np.random.default_rng(10))
    assert abs(np.mean(list(factors.values())) - 1) < 4 * cv / np.sqrt(400)
    edges, rates = rate_segments(demand, 0.0, 400 * SECONDS_PER_DAY, factors)
    arrivals = sample_arrivals(edges, rates, np.random.default_rng(8))
    counts = np.bincount((arrivals // SECONDS_PER_DAY).astype(int), minlength=400)
    # Negative binomial: Var = m + cv^2 m^2 = 500 + 0.09 * 250000 = 23000 (ratio 46).
    expected_variance = 500 + cv**2 * 500**2
    ratio = counts.var(ddof=1) / expected_variance
    # The sample variance of 400 values from this mixture is within about +-20%.
    assert 0.7 < ratio < 1.3


def test_day_factors_of_measured_days_do_not_depend_on_warmup() -> None:
    short = day_factors(0.2, -1, 10, np.random.default_rng(1), np.random.default_rng(2))
    long = day_factors(0.2, -5, 10, np.random.default_rng(1), np.random.default_rng(2))
    assert all(short[d] == long[d] for d in range(-1, 10))


def test_longer_run_keeps_the_arrivals_of_a_shorter_one() -> None:
    demand = channel(profile={"hourly": list(range(1, 25))})
    short_edges, short_rates = rate_segments(demand, 0.0, SECONDS_PER_WEEK)
    long_edges, long_rates = rate_segments(demand, 0.0, 2 * SECONDS_PER_WEEK)
    short = sample_arrivals(short_edges, short_rates, np.random.default_rng(4))
    long = sample_arrivals(long_edges, long_rates, np.random.default_rng(4))
    assert np.allclose(long[: len(short)], short)
