"""Statistics across replications: paired comparisons and the sequential replication rule.

Paired comparisons rest on common random numbers: replication ``r`` of every
scenario of an experiment uses the same random streams, so scenario and
baseline values of the same replication are positively correlated, and the
interval of their mean difference is narrower than the two-sample interval
built from the same replications.

The replication rule is the sequential procedure of Hoad, Robinson and Davies
(2010), "Automated selection of the number of replications for a discrete-event
simulation", Journal of the Operational Research Society 61(11): run
replications until the relative half-width of the 95% confidence interval of
an output is at most a target, and check it stays there for a look-ahead of
further replications.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

KEY = ["metric", "segment", "stat", "unit"]
COMPARISON_COLUMNS = [
    "scenario",
    "baseline",
    *KEY,
    "baseline_mean",
    "scenario_mean",
    "difference",
    "ci_low",
    "ci_high",
    "excludes_zero",
    "pairs",
]


def paired_interval(
    scenario: np.ndarray, baseline: np.ndarray, confidence: float = 0.95
) -> tuple[float, float, float, int]:
    """Mean difference ``scenario - baseline`` and its paired t confidence interval.

    Parameters
    ----------
    scenario, baseline
        Values of the same replications (same order) in the two scenarios. Pairs
        where either value is NaN are left out.
    confidence
        Confidence level of the interval.

    Returns
    -------
    tuple
        ``(mean difference, low, high, pairs)``; the interval is NaN with fewer
        than two pairs.
    """
    difference = np.asarray(scenario, dtype=float) - np.asarray(baseline, dtype=float)
    difference = difference[~np.isnan(difference)]
    n = int(difference.size)
    if n == 0:
        return math.nan, math.nan, math.nan, 0
    mean = float(difference.mean())
    if n < 2:
        return mean, math.nan, math.nan, n
    half = float(stats.t.ppf(0.5 + confidence / 2, n - 1) * difference.std(ddof=1) / math.sqrt(n))
    return mean, mean - half, mean + half, n


def welch_interval(
    scenario: np.ndarray, baseline: np.ndarray, confidence: float = 0.95
) -> tuple[float, float, float]:
    """Mean difference ``scenario - baseline`` of two independent samples, Welch's t interval.

    For replications that share no random numbers (different seeds): the two
    variances are not assumed equal, and the degrees of freedom are
    Welch-Satterthwaite's.

    Returns
    -------
    tuple
        ``(mean difference, low, high)``; the interval is NaN unless each sample
        has two values or more (and NaN values are left out).
    """
    a = np.asarray(scenario, dtype=float)
    b = np.asarray(baseline, dtype=float)
    a, b = a[~np.isnan(a)], b[~np.isnan(b)]
    if not a.size or not b.size:
        return math.nan, math.nan, math.nan
    mean = float(a.mean() - b.mean())
    if a.size < 2 or b.size < 2:
        return mean, math.nan, math.nan
    va, vb = a.var(ddof=1) / a.size, b.var(ddof=1) / b.size
    if va + vb == 0:
        return mean, mean, mean
    dof = (va + vb) ** 2 / (va**2 / (a.size - 1) + vb**2 / (b.size - 1))
    half = float(stats.t.ppf(0.5 + confidence / 2, dof) * math.sqrt(va + vb))
    return mean, mean - half, mean + half


def compare(
    table: pd.DataFrame, baseline: str, confidence: float = 0.95, paired: bool = True
) -> pd.DataFrame:
    """Every scenario against the baseline, per metric, segment and statistic.

    Parameters
    ----------
    table
        Per-replication values (the ``replications.parquet`` layout: ``scenario``,
        ``metric``, ``segment``, ``stat``, ``unit``, ``replication``, ``value``).
    baseline
        Name of the baseline scenario.
    confidence
        Confidence level of the intervals.
    paired
        Pair replication ``r`` of each scenario with the baseline's (common
        random numbers: the scenarios share a seed). ``False``: every
        replication of each, Welch's interval (:func:`welch_interval`), and
        ``pairs`` is 0.

    Returns
    -------
    pandas.DataFrame
        ``comparison.csv``: one row per scenario (baseline excluded) x metric x
        segment x stat, in the order of ``table``, with the means of the two
        scenarios over the replications both have (``pairs``), the mean
        difference (scenario minus baseline, in the metric's unit), its paired
        confidence interval, and whether that interval excludes zero.
    """
    base = table[table["scenario"] == baseline]
    base_values = {
        key: group.set_index("replication")["value"]
        for key, group in base.groupby(KEY, sort=False, observed=True)
    }
    rows = []
    for (name, *key), group in table[table["scenario"] != baseline].groupby(
        ["scenario", *KEY], sort=False, observed=True
    ):
        reference = base_values.get(tuple(key))
        if reference is None:
            continue
        values = group.set_index("replication")["value"]
        if paired:
            both = values.index.intersection(reference.index)
            a = values.loc[both].to_numpy(dtype=float)
            b = reference.loc[both].to_numpy(dtype=float)
            finite = ~(np.isnan(a) | np.isnan(b))
            a, b = a[finite], b[finite]
            mean, low, high, pairs = paired_interval(a, b, confidence)
        else:
            a, b = values.to_numpy(dtype=float), reference.to_numpy(dtype=float)
            a, b = a[~np.isnan(a)], b[~np.isnan(b)]
            mean, low, high = welch_interval(a, b, confidence)
            pairs = 0
        excludes = bool(low > 0 or high < 0) if not math.isnan(low) else False
        rows.append(
            (
                name,
                baseline,
                *key,
                float(b.mean()) if b.size else math.nan,
                float(a.mean()) if a.size else math.nan,
                mean,
                low,
                high,
                excludes,
                pairs,
            )
        )
    return pd.DataFrame(rows, columns=COMPARISON_COLUMNS)


# --------------------------------------------------------------------------- replications


def relative_half_widths(values: Sequence[float], confidence: float = 0.95) -> np.ndarray:
    """Relative half-width of the t confidence interval after each replication.

    Parameters
    ----------
    values
        One output's values, in replication order.
    confidence
        Confidence level.

    Returns
    -------
    numpy.ndarray
        Element ``n - 1`` is the half-width of the interval of the first ``n``
        values divided by the absolute value of their mean (so 0.05 is ±5%). It is
        NaN for ``n = 1``; infinite if any of the first ``n`` values is NaN, or if
        their mean is zero but they vary; zero if they are all equal.
    """
    x = np.asarray(values, dtype=float)
    result = np.full(x.size, np.nan)
    if x.size < 2:
        return result
    n = np.arange(1, x.size + 1, dtype=float)
    bad = np.cumsum(np.isnan(x)) > 0
    shifted = np.where(np.isnan(x), 0.0, x - (x[0] if not np.isnan(x[0]) else 0.0))
    total = np.cumsum(shifted)
    squares = np.cumsum(shifted**2)
    mean_shifted = total / n
    with np.errstate(invalid="ignore", divide="ignore"):
        variance = np.maximum(squares - n * mean_shifted**2, 0.0) / (n - 1)
        half = stats.t.ppf(0.5 + confidence / 2, n - 1) * np.sqrt(variance / n)
        mean = np.abs(mean_shifted + (x[0] if not np.isnan(x[0]) else 0.0))
        relative = np.where(half == 0, 0.0, half / mean)
    relative[bad] = np.inf
    relative[0] = np.nan
    return relative


def look_ahead(n: int, k_limit: int) -> int:
    """Replications past a candidate ``n`` over which the precision must hold (HRD's f).

    ``k_limit`` while ``n`` is under 100, then ``floor(k_limit * n / 100)``: the
    check grows with the count so that it stays proportionate.
    """
    return k_limit if n < 100 else (k_limit * n) // 100


@dataclass(frozen=True)
class PrecisionCheck:
    """The sequential rule applied to one output of one scenario.

    Attributes
    ----------
    replications
        Replications looked at.
    achieved
        Relative half-width after all of them (NaN with fewer than two).
    candidate
        Smallest count from which the relative half-width is at or under the
        target at every count up to ``replications`` (None if it is over the
        target now).
    settled
        The candidate has held for its whole look-ahead.
    needed
        Replications the rule needs before it can settle (at least
        ``replications`` when settled).
    """

    replications: int
    achieved: float
    candidate: int | None
    settled: bool
    needed: int


def check_precision(
    values: Sequence[float], target: float, minimum: int, k_limit: int
) -> PrecisionCheck:
    """Apply the sequential replication rule to one output.

    Parameters
    ----------
    values
        The output's values in replication order (replications 0, 1, ...).
    target
        Largest acceptable relative half-width (0.05 for ±5%).
    minimum
        Fewest replications to consider (at least 2).
    k_limit
        Look-ahead (see :func:`look_ahead`).
    """
    relative = relative_half_widths(values)
    n_run = len(relative)
    achieved = float(relative[-1]) if n_run else math.nan
    candidate: int | None = None
    # Walk back from the last count while the target holds: the candidate is the
    # first count of that final run of counts within the target.
    n = n_run
    while n >= max(minimum, 2) and relative[n - 1] <= target:
        candidate = n
        n -= 1
    if candidate is not None:
        needed = candidate + look_ahead(candidate, k_limit)
        return PrecisionCheck(n_run, achieved, candidate, n_run >= needed, max(needed, n_run))
    first = max(n_run + 1, minimum)
    return PrecisionCheck(n_run, achieved, None, False, first + look_ahead(first, k_limit))


def t_interval(values: np.ndarray, confidence: float = 0.95) -> tuple[float, float, float, int]:
    """Mean and t confidence interval of replication values, ignoring NaNs.

    Returns ``(mean, low, high, n)``; the interval is NaN with fewer than two values.
    """
    finite = values[~np.isnan(values)]
    n = int(finite.size)
    if n == 0:
        return float("nan"), float("nan"), float("nan"), 0
    mean = float(finite.mean())
    if n < 2:
        return mean, float("nan"), float("nan"), n
    half = float(stats.t.ppf(0.5 + confidence / 2, n - 1) * finite.std(ddof=1) / np.sqrt(n))
    return mean, mean - half, mean + half, n
