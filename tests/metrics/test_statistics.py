"""Paired intervals, relative precision and the sequential replication rule, against scipy."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from sim.metrics.statistics import (
    check_precision,
    compare,
    look_ahead,
    paired_interval,
    relative_half_widths,
)
from sim.metrics.warmup import time_in_queue_per_bin


def test_paired_interval_matches_scipy_ttest_rel() -> None:
    rng = np.random.default_rng(4)
    base = rng.normal(100, 10, 12)
    scenario = base - 3 + rng.normal(0, 2, 12)
    mean, low, high, n = paired_interval(scenario, base)
    reference = stats.ttest_rel(scenario, base).confidence_interval(0.95)
    assert n == 12
    assert mean == pytest.approx(np.mean(scenario - base))
    assert (low, high) == pytest.approx((reference.low, reference.high), rel=1e-12)


def test_paired_interval_known_values() -> None:
    # differences 1, 2, 3: mean 2, sd 1, t(0.975, 2) = 4.302652729911275
    mean, low, high, n = paired_interval(np.array([2.0, 4.0, 6.0]), np.array([1.0, 2.0, 3.0]))
    half = 4.302652729911275 / math.sqrt(3)
    assert (mean, n) == (2.0, 3)
    assert (low, high) == pytest.approx((2 - half, 2 + half))


def test_paired_interval_leaves_out_missing_pairs() -> None:
    mean, low, _, n = paired_interval(np.array([1.0, np.nan, 3.0]), np.array([0.0, 1.0, 1.0]))
    assert (mean, n) == (1.5, 2)
    assert not math.isnan(low)
    assert paired_interval(np.array([1.0]), np.array([0.0]))[3] == 1


def _table(values: dict[str, list[float]]) -> pd.DataFrame:
    rows = [
        (name, "answer_time", "101", "mean", "s", r, 1, value)
        for name, series in values.items()
        for r, value in enumerate(series)
    ]
    columns = ["scenario", "metric", "segment", "stat", "unit", "replication", "seed", "value"]
    return pd.DataFrame(rows, columns=columns)


def test_compare_pairs_by_replication_and_flags_intervals_excluding_zero() -> None:
    table = _table({"base": [10, 12, 11, 13], "better": [8, 10.5, 9, 11], "same": [10, 12, 11, 13]})
    table = table.sample(frac=1, random_state=1)  # order must not matter: pairs are by replication
    comparison = compare(table, "base").set_index("scenario")
    better = comparison.loc["better"]
    reference = stats.ttest_rel([8, 10.5, 9, 11], [10, 12, 11, 13]).confidence_interval()
    assert better["difference"] == pytest.approx(-1.875)
    assert (better["ci_low"], better["ci_high"]) == pytest.approx((reference.low, reference.high))
    assert bool(better["excludes_zero"]) and better["pairs"] == 4
    assert better["baseline_mean"] == pytest.approx(11.5)
    assert better["scenario_mean"] == pytest.approx(9.625)
    same = comparison.loc["same"]
    assert same["difference"] == 0 and not same["excludes_zero"]
    assert "base" not in comparison.index


def test_compare_uses_only_replications_both_scenarios_have() -> None:
    table = _table({"base": [10, 12, 11], "other": [9, 11, 10]})
    table = table[~((table["scenario"] == "base") & (table["replication"] == 2))]
    row = compare(table, "base").iloc[0]
    assert row["pairs"] == 2 and row["difference"] == pytest.approx(-1.0)


@given(st.lists(st.floats(min_value=-1e6, max_value=1e6, allow_nan=False), min_size=2, max_size=40))
@settings(max_examples=200, deadline=None)
def test_relative_half_widths_match_a_direct_computation(values) -> None:
    relative = relative_half_widths(values)
    assert math.isnan(relative[0])
    for n in range(2, len(values) + 1):
        x = np.asarray(values[:n])
        half = stats.t.ppf(0.975, n - 1) * x.std(ddof=1) / math.sqrt(n)
        mean = abs(x.mean())
        if half <= 1e-9 * max(1.0, np.abs(x).max()):
            continue  # all (nearly) equal: rounding decides between 0 and tiny
        if mean < 1e-6 * np.abs(x).max():
            continue  # mean near zero: relative width meaningless either way
        assert relative[n - 1] == pytest.approx(half / mean, rel=1e-6)


def test_relative_half_widths_edge_cases() -> None:
    assert relative_half_widths([5.0, 5.0, 5.0])[1:].tolist() == [0.0, 0.0]
    assert np.isinf(relative_half_widths([-1.0, 1.0])[1])  # mean 0, values vary
    assert np.isinf(relative_half_widths([1.0, np.nan, 1.0])[1:]).all()


def test_look_ahead_grows_past_100() -> None:
    assert [look_ahead(n, 5) for n in (3, 99, 100, 250)] == [5, 5, 5, 12]


def sequential_rule(values, target, minimum, k_limit) -> int:
    """Hoad, Robinson & Davies, replication by replication, written independently."""
    solution = None
    for n in range(minimum, len(values) + 1):
        x = np.asarray(values[:n])
        half = stats.t.ppf(0.975, n - 1) * x.std(ddof=1) / math.sqrt(n)
        precise = half / abs(x.mean()) <= target
        if precise and solution is None:
            solution = n
        elif not precise:
            solution = None
        if solution is not None and n >= solution + look_ahead(solution, k_limit):
            return n
    raise AssertionError("not enough values")


@pytest.mark.parametrize("seed", range(8))
def test_check_precision_agrees_with_the_replication_by_replication_rule(seed) -> None:
    values = np.random.default_rng(seed).normal(100, 12, 400)
    expected = sequential_rule(values, 0.05, 3, 5)
    # The check, fed ever more values, settles exactly where the sequential rule stops.
    n = 3
    while not (check := check_precision(values[:n], 0.05, 3, 5)).settled:
        assert check.needed > n
        n = check.needed
    assert n == expected
    assert check.achieved <= 0.05 and check.candidate is not None


def test_time_in_queue_per_bin_matches_brute_force() -> None:
    rng = np.random.default_rng(2)
    arrival = rng.uniform(-3600, 10_000, 300)
    leave = arrival + rng.exponential(900, 300)
    edges = np.arange(-3600, 14_400 + 1, 3600.0)
    expected = [
        np.clip(np.minimum(leave, hi) - np.maximum(arrival, lo), 0, None).sum()
        for lo, hi in itertools.pairwise(edges)
    ]
    np.testing.assert_allclose(time_in_queue_per_bin(arrival, leave, edges), expected)
