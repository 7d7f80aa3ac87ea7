"""The tables of a results directory: per-replication values and their summary (DESIGN §3)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import pandas as pd

from sim.files import KEY_COLUMNS, REPLICATION_COLUMNS, SUMMARY_COLUMNS
from sim.metrics.statistics import bounded_interval, value_bounds

if TYPE_CHECKING:
    from sim.runs.replicate import ReplicationResult


def now_utc() -> str:
    """The current time, ISO 8601 in UTC."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def replication_table(results: Sequence[ReplicationResult]) -> pd.DataFrame:
    """One row per replication x metric x segment x stat (``replications.parquet``)."""
    rows = [
        (r.scenario, v.metric, v.segment, v.stat, v.unit, r.replication, r.seed, v.value)
        for r in results
        for v in r.values
    ]
    return pd.DataFrame(rows, columns=REPLICATION_COLUMNS)


def summarise(table: pd.DataFrame, confidence: float = 0.95) -> pd.DataFrame:
    """Mean and confidence interval across replications, one row per metric (``summary.csv``).

    A percentile's interval is over the per-replication percentiles. It is the
    t-interval, or where that crosses a bound of the metric (a time below zero,
    a share above 100%) the interval on the log or logit scale
    (:func:`sim.metrics.statistics.bounded_interval`).
    """
    rows = []
    for key, group in table.groupby(KEY_COLUMNS, sort=False, observed=True):
        bounds = value_bounds(str(key[1]), str(key[2]), str(key[4]))
        values = group["value"].to_numpy(dtype=float)
        mean, low, high, n = bounded_interval(values, *bounds, confidence)
        rows.append((*key, mean, low, high, n))
    return pd.DataFrame(rows, columns=SUMMARY_COLUMNS)
