"""One replication, and what to keep of it: the task every executor runs.

A replication is a pure function of (prepared scenario, replication number,
seed), so replications can run in any order, in this process, in worker
processes or on Dask, and give identical numbers. Only what the caller's
*reducer* keeps crosses process boundaries: metric values (and records, and
the hourly warm-up figures) for a run or an experiment, per-interval call
figures for staffing verification.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import pandas as pd

from sim.config import Platform, Scenario
from sim.metrics.kpis import MetricValue, replication_metrics, replication_records
from sim.metrics.warmup import hourly_profile
from sim.model.replication import ReplicationOutput, run_replication
from sim.runs.plan import PlannedScenario


class Reducer(Protocol):
    """What to keep of one replication; must be picklable (a module-level class or function)."""

    def __call__(self, output: ReplicationOutput, scenario: Scenario) -> Any:
        """Reduce one replication's output, of ``scenario``, to what the caller needs."""
        ...


@dataclass(frozen=True)
class ReplicationResult:
    """What the metric reducer keeps of one replication.

    ``wall_s`` is the wall-clock time the replication took, seconds; ``calls``
    the number of call attempts simulated and ``events`` the SimPy events
    processed (both warm-up and drain included). When asked for, ``records``
    holds the record tables by name (``calls``, and ``incidents`` and
    ``outages`` where there are any) and ``warmup`` the hourly queue figures
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


@dataclass(frozen=True)
class MetricReducer:
    """Keep the replication's metric values (and records, warm-up figures when asked)."""

    records: bool = False
    warmup: bool = True

    def __call__(self, output: ReplicationOutput, scenario: Scenario) -> dict[str, Any]:
        """The fields of a :class:`ReplicationResult` this reducer fills."""
        return {
            "values": replication_metrics(output),
            "records": replication_records(output) if self.records else None,
            "warmup": hourly_profile(output) if self.warmup else None,
        }


@dataclass(frozen=True)
class Replicated:
    """A replication's reduced result, with its identity and cost."""

    scenario: str
    replication: int
    seed: int
    kept: Any
    calls: int
    events: int
    wall_s: float


def replicate(
    planned: PlannedScenario,
    replication: int,
    seed: int,
    reducer: Callable[[ReplicationOutput, Scenario], Any],
) -> ReplicationResult | Replicated:
    """Run one replication of a planned scenario and reduce it.

    Parameters
    ----------
    planned
        The scenario, prepared (platform applied).
    replication
        Replication number, from 0.
    seed
        Base seed; the replication's streams derive from ``(seed, replication)``.
    reducer
        What to keep. With a :class:`MetricReducer` the result is a
        :class:`ReplicationResult`; otherwise a :class:`Replicated` holding
        whatever the reducer returned.
    """
    started = time.perf_counter()
    output = run_replication(planned.prepared, replication, seed, planned.platform)
    kept = reducer(output, planned.prepared)
    wall_s = time.perf_counter() - started
    calls = len(output.calls)
    if isinstance(reducer, MetricReducer):
        return ReplicationResult(
            scenario=planned.name,
            replication=replication,
            seed=seed,
            calls=calls,
            events=output.events,
            wall_s=wall_s,
            **kept,
        )
    return Replicated(planned.name, replication, seed, kept, calls, output.events, wall_s)


def simulate_replication(
    scenario: Scenario, replication: int, seed: int | None = None, platform: Platform | None = None
) -> ReplicationOutput:
    """One replication of a scenario as configured: its platform applied first.

    For tests and notebooks that want the raw output of one replication;
    everything that runs many goes through :func:`sim.runs.pipeline.run_plan`.
    """
    planned = PlannedScenario.of(scenario)
    return run_replication(
        planned.prepared, replication, seed, platform if platform is not None else planned.platform
    )
