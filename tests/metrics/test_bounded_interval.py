"""Intervals of summary.csv that respect the bounds: log scale for times, logit for shares.

Checked against the t-interval it replaces (identical wherever that stays
inside the bounds), against the bounds themselves for any sample, and by
coverage on skewed samples with a known mean: where the t-interval crosses
zero, the bounded interval covers the true mean more often, not less.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.metrics.statistics import bounded_interval, t_interval, value_bounds


def test_inside_the_bounds_it_is_the_t_interval() -> None:
    values = np.array([40.0, 42.0, 45.0, 41.0, 43.0])
    assert bounded_interval(values, 0.0, math.inf) == t_interval(values)
    assert bounded_interval(values, 0.0, 100.0) == t_interval(values)


def test_where_the_t_interval_crosses_zero_it_moves_to_the_log_scale() -> None:
    values = np.array([0.1, 4.0, 0.2])
    mean, low, high, n = bounded_interval(values, 0.0, math.inf)
    t_mean, t_low, _, _ = t_interval(values)
    assert t_low < 0 < low < mean == t_mean < high
    # delta method on log(mean): mean * exp(± t * se / mean)
    se = values.std(ddof=1) / math.sqrt(3)
    step = 4.302652729911275 * se / mean
    assert (low, high, n) == pytest.approx((mean * math.exp(-step), mean * math.exp(step), 3))


def test_a_share_near_100_stays_under_100() -> None:
    values = np.array([99.9, 97.0, 99.5])
    mean, low, high, _ = bounded_interval(values, 0.0, 100.0)
    assert t_interval(values)[2] > 100.0
    assert 0.0 < low < mean < high < 100.0


def test_every_value_on_the_bound_gives_no_interval_width() -> None:
    assert bounded_interval(np.zeros(4), 0.0, math.inf)[1:3] == (0.0, 0.0)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.floats(0.0, 1e4, allow_nan=False), min_size=2, max_size=12),
    st.booleans(),
)
def test_never_outside_the_bounds(values: list[float], share: bool) -> None:
    high_bound = 100.0 if share else math.inf
    data = np.minimum(np.array(values), high_bound)
    mean, low, high, _ = bounded_interval(data, 0.0, high_bound)
    assert 0.0 <= low <= mean + 1e-9 * max(1.0, mean)
    assert mean - 1e-9 * max(1.0, mean) <= high <= high_bound


@pytest.mark.parametrize("n", [3, 5])
def test_covers_a_skewed_mean_more_often_than_the_t_interval(n: int) -> None:
    # Squared exponentials: mean 2, heavily skewed, so the t-interval often crosses zero.
    # Measured over 4,000 samples (seed 1): n=3, t 0.71 vs bounded 0.88; n=5, 0.71 vs 0.84.
    # The binomial standard error of each coverage is under 0.008, so 0.05 is > 6 of them.
    rng = np.random.default_rng(1)
    trials, covered_t, covered = 4000, 0, 0
    for _ in range(trials):
        sample = rng.exponential(1.0, n) ** 2
        _, low, high, _ = t_interval(sample)
        covered_t += low <= 2.0 <= high
        _, low, high, _ = bounded_interval(sample, 0.0, math.inf)
        covered += low <= 2.0 <= high
    assert covered / trials > covered_t / trials + 0.05


def test_bounds_from_the_catalogue() -> None:
    assert value_bounds("answered_within_target", "999", "%") == (0.0, 100.0)
    assert value_bounds("answer_time", "101", "s") == (0.0, math.inf)
    assert value_bounds("platform_outage", "share", "%") == (0.0, 100.0)
    assert value_bounds("not_a_metric", "x", "s") == (-math.inf, math.inf)
