"""Replications, confidence intervals and executors.

A replication is a pure function of (scenario, seed, replication number), so
replications can run in any order, in this process or in worker processes,
and give identical numbers. Only small, picklable results cross process
boundaries: metric values, and per-call records when asked for.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from sim.config import Scenario
from sim.metrics.kpis import MetricValue, replication_metrics, replication_records
from sim.metrics.warmup import hourly_profile
from sim.model.replication import run_replication

log = logging.getLogger(__name__)

KEY_COLUMNS = ["scenario", "metric", "segment", "stat", "unit"]
SUMMARY_COLUMNS = [*KEY_COLUMNS, "mean", "ci_low", "ci_high", "replications"]
REPLICATION_COLUMNS = [*KEY_COLUMNS, "replication", "seed", "value"]


@dataclass(frozen=True)
class ReplicationResult:
    """What one replication returns to the runner.

    ``wall_s`` is the wall-clock time the replication took, seconds; ``calls``
    the number of call attempts simulated and ``events`` the SimPy events
    processed (both warm-up and drain included). When asked for, ``records``
    holds the record tables by name (``calls``, and ``incidents`` where there
    are any) and ``warmup`` the hourly queue figures
    (:func:`sim.metrics.warmup.hourly_profile`).
    """

    scenario: str
    replication: int
    seed: int
    values: list[MetricValue]
    records: dict[str, pd.DataFrame] | None
    calls: int
    events: int
    wall_s: float
    warmup: pd.DataFrame | None = None


def run_one(
    scenario: Scenario,
    replication: int,
    seed: int,
    keep_records: bool = False,
    warmup: bool = False,
) -> ReplicationResult:
    """Run one replication and reduce it to metrics (and records, warm-up figures if asked).

    Parameters
    ----------
    scenario
        The validated scenario.
    replication
        Replication number, from 0.
    seed
        Base seed; the replication's streams derive from ``(seed, replication)``.
    keep_records
        Also return per-call and per-incident records.
    warmup
        Also return hourly queue figures over the whole run, warm-up included.
    """
    started = time.perf_counter()
    output = run_replication(scenario, replication, seed)
    values = replication_metrics(output)
    records = replication_records(output) if keep_records else None
    profile = hourly_profile(output) if warmup else None
    return ReplicationResult(
        scenario=scenario.name,
        replication=replication,
        seed=seed,
        values=values,
        records=records,
        calls=len(output.calls),
        events=output.events,
        wall_s=time.perf_counter() - started,
        warmup=profile,
    )


def run_replications(
    scenario: Scenario,
    replications: Sequence[int],
    seed: int,
    workers: int = 1,
    keep_records: bool = False,
    on_done: Callable[[ReplicationResult], None] | None = None,
) -> list[ReplicationResult]:
    """Run replications of one scenario, sequentially or in worker processes.

    Parameters
    ----------
    scenario
        The validated scenario.
    replications
        Replication numbers to run.
    seed
        Base seed; replication ``r`` uses ``SeedSequence([seed, r])``.
    workers
        Worker processes; 1 runs in this process.
    keep_records
        Return per-call records too.
    on_done
        Called with each result as it finishes (for a progress bar).

    Returns
    -------
    list of ReplicationResult
        In replication order, whatever order they finished in.
    """
    results: list[ReplicationResult] = []
    if workers <= 1 or len(replications) <= 1:
        for replication in replications:
            result = run_one(scenario, replication, seed, keep_records)
            results.append(result)
            if on_done:
                on_done(result)
    else:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            futures = [
                pool.submit(run_one, scenario, replication, seed, keep_records)
                for replication in replications
            ]
            for future in as_completed(futures):
                result = future.result()
                results.append(result)
                if on_done:
                    on_done(result)
    return sorted(results, key=lambda r: r.replication)


def replication_table(results: Sequence[ReplicationResult]) -> pd.DataFrame:
    """One row per replication x metric x segment x stat (``replications.parquet``)."""
    rows = [
        (r.scenario, v.metric, v.segment, v.stat, v.unit, r.replication, r.seed, v.value)
        for r in results
        for v in r.values
    ]
    return pd.DataFrame(rows, columns=REPLICATION_COLUMNS)


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


def summarise(table: pd.DataFrame, confidence: float = 0.95) -> pd.DataFrame:
    """Mean and confidence interval across replications, one row per metric (``summary.csv``).

    A percentile's interval is over the per-replication percentiles.
    """
    rows = []
    for key, group in table.groupby(KEY_COLUMNS, sort=False, observed=True):
        mean, low, high, n = t_interval(group["value"].to_numpy(dtype=float), confidence)
        rows.append((*key, mean, low, high, n))
    return pd.DataFrame(rows, columns=SUMMARY_COLUMNS)
