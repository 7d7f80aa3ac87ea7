"""The tables of a results directory: per-replication values and their summary (DESIGN §3)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from sim.errors import InputError, Problem
from sim.files import KEY_COLUMNS, REPLICATION_COLUMNS, SUMMARY_COLUMNS
from sim.metrics.statistics import bounded_interval, value_bounds

if TYPE_CHECKING:
    from sim.runs.replicate import ReplicationResult


def now_utc() -> str:
    """The current time, ISO 8601 in UTC."""
    return datetime.now(UTC).isoformat(timespec="seconds")


@contextmanager
def writing_into(root: Path, what: str) -> Iterator[None]:
    """Turn a failed write into a results directory (a full disk...) into exit-2 input error.

    The disk can fill, or the folder become read-only, after the checks made before
    simulating; that is no bug in demandsim, and what was saved before is kept. The
    message names the folder and how to finish once the disk has room again.
    """
    try:
        yield
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise InputError(
            [
                Problem(
                    "--out",
                    str(root),
                    f"cannot write {what}: {reason}; every replication saved before it is "
                    "kept: make room (or fix the folder), then run the same command with "
                    "--resume",
                )
            ]
        ) from exc


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
