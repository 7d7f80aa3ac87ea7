"""Benchmark 3: scaling of a 20-scenario experiment over workers.

The experiment: the demo scenario (``configs/demo.yaml``) with its late shift
swept over 20 values (20 scenarios), a few replications each, run through
``sim.app.run.execute`` (the run pipeline, :func:`sim.runs.pipeline.run_plan`,
with its results written to a temporary directory) on

- 1 local worker process (``ProcessExecutor(1)``),
- 2 local worker processes (``ProcessExecutor(2)``),
- a local Dask cluster (``dask.distributed.LocalCluster``, 2 worker processes
  of 1 thread) through ``DaskExecutor``.

Speed-up is the 1-worker wall time over each executor's; overhead per
replication is ``(wall time × workers − compute time) / replications``, where
compute time is the sum of the replications' own wall times (what running them
costs without any executor): the time per replication lost to start-up,
pickling, scheduling, storing results and idle workers.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks.common import BenchSettings, Section, Table
from sim.app.run import execute
from sim.runs.executors import DaskExecutor, Executor, ProcessExecutor
from sim.runs.plan import RunPlan, plan_experiment
from sim.scenarios.variants import expand_experiment

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = 20
WORKERS = 2


def experiment(quick: bool) -> RunPlan:
    """The 20-scenario experiment (shorter runs with ``quick``)."""
    raw = {
        "name": "bench-scaling",
        "base": "configs/demo.yaml",
        "baseline": "late-14",
        "days": 2 if quick else 7,
        "warmup_days": 1,
        "seed": 20181116,
        "replications": 1 if quick else 3,
        "grid": {
            "late": {
                "path": "handler_pools.contact_centre.roster.shifts.2.count",
                "values": list(range(5, 5 + SCENARIOS)),
            }
        },
    }
    return plan_experiment(expand_experiment(raw, ROOT / "bench-scaling.yaml"))


class _LocalDask:
    """A local Dask cluster of ``workers`` single-threaded processes, as a ``DaskExecutor``."""

    def __init__(self, workers: int):
        self.workers = workers
        self._cluster: Any = None
        self._executor: DaskExecutor | None = None

    def __enter__(self) -> DaskExecutor:
        from dask.distributed import LocalCluster

        self._cluster = LocalCluster(
            n_workers=self.workers,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
        )
        self._executor = DaskExecutor(self._cluster.scheduler_address)
        return self._executor.__enter__()

    def __exit__(self, *exc_info: object) -> None:
        if self._executor is not None:
            self._executor.__exit__(*exc_info)
        if self._cluster is not None:
            self._cluster.close()


def _time(plan: RunPlan, make: Callable[[], Any]) -> dict[str, Any]:
    """Run the experiment on a fresh executor; wall time includes starting and stopping it."""
    with tempfile.TemporaryDirectory(prefix="demandsim-bench-") as tmp:
        start = time.perf_counter()
        with make() as executor:
            outcome = execute(plan, Path(tmp) / "out", executor)
        wall = time.perf_counter() - start
    assert not outcome.failures, outcome.failures
    return {"wall_s": wall, "compute_s": outcome.compute_s, "replications": outcome.ran}


def benchmark(settings: BenchSettings) -> Section:
    """Run the experiment on each executor and report speed-ups and overheads."""
    plan = experiment(settings.quick)
    contenders: dict[str, tuple[int, Callable[[], Executor | _LocalDask]]] = {
        "1 local worker": (1, lambda: ProcessExecutor(1)),
        f"{WORKERS} local workers": (WORKERS, lambda: ProcessExecutor(WORKERS)),
        f"Dask LocalCluster, {WORKERS} workers": (WORKERS, lambda: _LocalDask(WORKERS)),
    }
    results: dict[str, dict[str, Any]] = {}
    for name, (workers, make) in contenders.items():
        results[name] = {"workers": workers, **_time(plan, make)}
    base = results["1 local worker"]["wall_s"]
    rows = []
    for name, figures in results.items():
        n, wall, workers = figures["replications"], figures["wall_s"], figures["workers"]
        figures["speed_up"] = base / wall
        figures["efficiency"] = base / wall / workers
        figures["overhead_per_replication_s"] = (wall * workers - figures["compute_s"]) / n
        figures["compute_per_replication_s"] = figures["compute_s"] / n
        rows.append(
            [
                name,
                str(workers),
                str(n),
                f"{wall:.2f}",
                f"{figures['compute_s']:.2f}",
                f"{figures['speed_up']:.2f}",
                f"{figures['efficiency']:.0%}",
                f"{figures['compute_per_replication_s'] * 1000:.0f}",
                f"{figures['overhead_per_replication_s'] * 1000:.0f}",
            ]
        )
    days = plan.scenarios[0].scenario.days
    description = f"""
A {len(plan.names)}-scenario experiment (the demo scenario's late shift swept over
{SCENARIOS} values), {plan.replications} replication(s) each of {days:g} days plus 1
warm-up day, {len(plan.names) * plan.replications} replications in all, through the run
pipeline (`sim.app.run.execute`) into a temporary directory. Wall time includes starting
and stopping the executor. Speed-up: the 1-worker wall time over this one's; efficiency:
speed-up per worker. Compute: the sum of the replications' own wall times. Overhead per
replication: (wall × workers − compute) / replications. This machine has
{os.cpu_count()} CPUs.
""".replace("\n", " ")
    return Section(
        key="scaling",
        title="Scaling: a 20-scenario experiment over workers",
        description=description,
        tables=[
            Table(
                "",
                [
                    "executor",
                    "workers",
                    "replications",
                    "wall time (s)",
                    "compute (s)",
                    "speed-up",
                    "efficiency",
                    "compute/replication (ms)",
                    "overhead/replication (ms)",
                ],
                rows,
            )
        ],
        data={
            "scenarios": len(plan.names),
            "replications_per_scenario": plan.replications,
            "days": days,
            "executors": results,
        },
    )
