"""The one run pipeline: plan -> execute -> store, for everything that simulates.

``run``, ``experiment``, ``staff`` (handlers and units) and the fit back-test
all call :func:`run_plan`. The procedure:

1. Open the store: a results directory (new, or with ``resume`` one that holds
   replications of the same scenarios), or memory.
2. Run the replications not yet in the store -- replication 0 of every
   scenario, then replication 1, ... -- on the executor, saving each as it
   finishes. A replication that fails is tried once more; if it fails again it
   is reported (scenario, replication, seed, traceback) and the rest carry on.
3. With a precision target (``replications: auto``), look at the named metrics
   and either stop or run the further replications the sequential rule needs
   (:func:`sim.metrics.statistics.check_precision`), up to the cap. Every
   scenario gets the same replications, so every comparison is fully paired.

What each replication keeps is the caller's choice, the *reducer*
(:mod:`sim.runs.replicate`); the pipeline owns the rest: replication numbers,
seeds, retries, resume, automatic replications and the executor. Because a
replication is a pure function of (scenario, replication, seed), the results
are identical whichever executor ran them, and whether or not the run was
interrupted and resumed. :func:`sim.runs.results.write_results` then rebuilds
the summary files of a results directory from what is stored.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import pandas as pd

from sim.errors import InputError, Problem
from sim.metrics.statistics import check_precision, look_ahead
from sim.runs.executors import Attempt, Executor, Job, SequentialExecutor
from sim.runs.memory_store import MemoryStore
from sim.runs.plan import RunPlan, plan_scenarios
from sim.runs.replicate import MetricReducer, Reducer, Replicated, ReplicationResult, replicate

log = logging.getLogger(__name__)

#: Reports progress: replications completed so far, and the total now planned.
Progress = Callable[[int, int], None]
#: Runs one replication: ``(planned scenario, replication, seed, reducer)``.
Task = Callable[..., ReplicationResult | Replicated]

Key = tuple[str, int]


class Store(Protocol):
    """Where finished replications are kept (:mod:`sim.runs.store`)."""

    durable: bool

    def open(self, identity: dict[str, Any], resume: bool) -> None:
        """Make the store ready for a plan, or check it holds this one."""
        ...

    def save(self, result: Any) -> None:
        """Keep one finished replication."""
        ...

    def completed(self, needs: Iterable[str] = ()) -> set[Key]:
        """Every replication kept whole."""
        ...

    def load_values(self, wanted: Sequence[Key]) -> pd.DataFrame:
        """Metric values of the given replications."""
        ...

    def details(self, scenario: str, replication: int) -> dict[str, Any]:
        """Calls, events and wall-clock seconds of one replication."""
        ...


@dataclass(frozen=True)
class Failure:
    """A replication that failed twice: where, and why."""

    scenario: str
    replication: int
    seed: int
    attempts: int
    error: str
    traceback: str


PRECISION_COLUMNS = [
    "scenario",
    "metric",
    "segment",
    "stat",
    "mean",
    "relative_half_width",
    "target",
    "replications",
    "required",
    "met",
]


@dataclass(frozen=True)
class PlanOutcome:
    """What :func:`run_plan` did.

    Attributes
    ----------
    plan
        The plan run.
    replications
        Replications per scenario at the end (the fixed count, or where the
        sequential rule stopped).
    present
        ``(scenario, replication)`` of every replication in the store, scenario-major.
    failures
        Replications that failed twice.
    ran, reused
        Replications run by this call, and found already in the store.
    ran_keys
        ``(scenario, replication)`` of the replications run by this call (the
        present ones not reused), so compute time is reported for those alone.
    precision
        The precision checks (``replications: auto`` only).
    executor
        Where the replications ran.
    """

    plan: RunPlan
    replications: int
    present: list[Key]
    failures: list[Failure]
    ran: int
    reused: int
    precision: pd.DataFrame | None
    executor: str
    ran_keys: list[Key] = field(default_factory=list)

    @property
    def precision_met(self) -> bool | None:
        """Whether auto replications met the target on every named metric (None if fixed)."""
        if self.precision is None:
            return None
        return bool(self.precision["met"].all())


@dataclass
class _Execution:
    """Mutable state of one call of :func:`run_plan`."""

    plan: RunPlan
    store: Store
    executor: Executor
    reducer: Reducer
    task: Task
    on_progress: Progress | None
    done: set[Key]
    failures: dict[Key, Failure] = field(default_factory=dict)
    ran: int = 0

    def report(self, wanted: list[Key]) -> None:
        if self.on_progress is not None:
            completed = sum(1 for key in wanted if key in self.done)
            self.on_progress(completed, len(wanted))

    def execute(self, wanted: list[Key]) -> None:
        """Run every replication of ``wanted`` not yet done; retry failures once."""
        todo = [key for key in wanted if key not in self.done]
        self.report(wanted)
        if not todo:
            return
        log.info("running %d replications on %s", len(todo), self.executor.description)
        retry: list[Key] = []
        for attempt in self.executor.run(self.task, self._jobs(todo)):
            if attempt.ok:
                self._save(attempt)
                self.report(wanted)
            else:
                log.warning(
                    "replication %s failed (%s); trying it again", attempt.key, attempt.error
                )
                retry.append(attempt.key)  # type: ignore[arg-type]
        for attempt in self.executor.run(self.task, self._jobs(retry)):
            if attempt.ok:
                self._save(attempt)
                self.report(wanted)
            else:
                scenario, replication = attempt.key  # type: ignore[misc]
                log.error(
                    "replication %d of %s failed twice: %s", replication, scenario, attempt.error
                )
                self.failures[(scenario, replication)] = Failure(
                    scenario,
                    replication,
                    self.plan.seed,
                    2,
                    attempt.error or "",
                    attempt.traceback or "(no traceback: it did not finish on a worker)",
                )

    def _jobs(self, keys: list[Key]) -> list[Job]:
        return [
            Job((name, r), (self.plan.scenario(name), r, self.plan.seed, self.reducer))
            for name, r in keys
        ]

    def _save(self, attempt: Attempt) -> None:
        result = attempt.result
        self.store.save(result)
        self.done.add((result.scenario, result.replication))
        self.failures.pop((result.scenario, result.replication), None)
        self.ran += 1


def run_plan(
    plan: RunPlan,
    store: Store,
    executor: Executor,
    reducer: Reducer | None = None,
    resume: bool = False,
    on_progress: Progress | None = None,
    task: Task = replicate,
) -> PlanOutcome:
    """Run a plan's replications into a store (see the module docstring).

    Parameters
    ----------
    plan
        The scenarios, replications, seed and records wanted.
    store
        Where finished replications go: :class:`sim.runs.store.ResultStore` for
        a results directory, :class:`sim.runs.memory_store.MemoryStore` otherwise.
    executor
        Where to run replications (entered and left by the caller).
    reducer
        What to keep of each replication; by default its metric values, with
        the hourly warm-up figures, and records if the plan asks for them.
    resume
        Continue the plan in a durable store: run only what is missing.
    on_progress
        Called with (completed, total) replications as they finish.
    task
        The replication function (tests replace it to inject failures).

    Raises
    ------
    InputError
        If the store cannot be used, or a metric named for ``replications:
        auto`` is not among the results (after the first replications, which
        stay in the store for a resume).
    """
    reducer = reducer if reducer is not None else MetricReducer(records=plan.records)
    store.open(
        {
            # Only a durable store checks what it holds against the fingerprint; hashing
            # every scenario's config is wasted on each staffing trial kept in memory.
            "fingerprint": plan.fingerprint() if store.durable else "",
            "name": plan.name,
            "kind": plan.kind,
            "seed": plan.seed,  # the store checks each reused replication was saved with it
            "source": str(plan.source),
            "scenarios": plan.names,
        },
        resume,
    )
    needs: tuple[str, ...] = ()
    if isinstance(reducer, MetricReducer):
        needs = ("warmup",) if reducer.warmup else ()
        needs += ("calls",) if reducer.records else ()
    names = set(plan.names)
    done = {key for key in store.completed(needs) if key[0] in names}
    found = set(done)
    execution = _Execution(plan, store, executor, reducer, task, on_progress, done)

    precision = plan.precision
    if precision is None:
        target = plan.replications
    else:
        start = precision.min_replications
        target = min(precision.max_replications, start + look_ahead(start, precision.look_ahead))
    checks: pd.DataFrame | None = None
    while True:
        execution.execute(_wanted(plan, target))
        if precision is None:
            break
        if execution.failures:
            log.warning("replications failed: stopping at %d replications per scenario", target)
            break
        checks, needed = precision_checks(plan, store, target)
        if checks["met_settled"].all() or target >= precision.max_replications:
            break
        target = min(precision.max_replications, needed)
        log.info("precision not yet reached: going on to %d replications", target)
    if precision is not None and (checks is None or execution.failures):
        checks, _ = precision_checks(plan, store, target, strict=False)

    present = [key for key in scenario_major(plan, target) if key in done]
    failures = [
        execution.failures[key] for key in scenario_major(plan, target) if key in execution.failures
    ]
    return PlanOutcome(
        plan=plan,
        replications=target,
        present=present,
        failures=failures,
        ran=execution.ran,
        reused=sum(1 for key in present if key in found),
        precision=checks[PRECISION_COLUMNS] if checks is not None else None,
        executor=executor.description,
        ran_keys=[key for key in present if key not in found],
    )


def _wanted(plan: RunPlan, replications: int) -> list[Key]:
    """Replication 0 of every scenario, then 1, ...: a stopped run leaves whole pairs."""
    return [(name, r) for r in range(replications) for name in plan.names]


def scenario_major(plan: RunPlan, replications: int) -> list[Key]:
    """Every ``(scenario, replication)`` of the plan, scenario by scenario."""
    return [(name, r) for name in plan.names for r in range(replications)]


def precision_checks(
    plan: RunPlan, store: Store, replications: int, strict: bool = True
) -> tuple[pd.DataFrame, int]:
    """Apply the sequential rule to every named metric of every scenario.

    Returns the per-scenario, per-metric checks and the replications the rule
    needs next. With ``strict``, a named metric missing from the results is an
    error (its replications are in the store: fix the experiment file and resume).
    """
    precision = plan.precision
    assert precision is not None
    keys = scenario_major(plan, replications)
    stored = store.completed(())
    table = store.load_values([key for key in keys if key in stored])
    available = set(zip(table["metric"], table["segment"], table["stat"], strict=True))
    missing = [
        Problem(
            str(plan.source),
            f"precision.metrics.{i}",
            f"{key} is not a figure of these results; expected a metric/segment/stat of "
            f"summary.csv, e.g. {_examples(available)}",
        )
        for i, key in enumerate(precision.metrics)
        if key.key not in available
    ]
    if missing and strict:
        raise InputError(missing)
    rows: list[dict[str, Any]] = []
    needed = replications
    for name in plan.names:
        own = table[table["scenario"] == name]
        for key in precision.metrics:
            values = own[
                (own["metric"] == key.metric)
                & (own["segment"] == key.segment)
                & (own["stat"] == key.stat)
            ].sort_values("replication")["value"]
            check = check_precision(
                values.to_numpy(dtype=float),
                precision.relative_half_width,
                precision.min_replications,
                precision.look_ahead,
            )
            needed = max(needed, check.needed)
            rows.append(
                {
                    "scenario": name,
                    "metric": key.metric,
                    "segment": key.segment,
                    "stat": key.stat,
                    "mean": float(values.mean()) if len(values) else math.nan,
                    "relative_half_width": check.achieved,
                    "target": precision.relative_half_width,
                    "replications": check.replications,
                    "required": check.candidate,
                    "met": bool(check.achieved <= precision.relative_half_width),
                    "met_settled": check.settled,
                }
            )
    frame = pd.DataFrame(rows)
    frame["required"] = frame["required"].astype("Int64")
    return frame, needed


def _examples(available: set[tuple[str, str, str]]) -> str:
    shown = sorted(available)[:3]
    return ", ".join("/".join(key) for key in shown) if shown else "(no results yet)"


def simulate(
    scenarios: Sequence[Any],
    reducer: Reducer | None = None,
    executor: Executor | None = None,
    name: str = "simulation",
    store: MemoryStore | None = None,
) -> dict[str, list[Any]]:
    """Replications of some scenarios, kept in memory: ``{scenario: [result per replication]}``.

    Every scenario runs its own ``replications`` with the first scenario's seed
    (so scenarios that differ only in staffing see the same calls), through
    :func:`run_plan` into a :class:`sim.runs.memory_store.MemoryStore`.

    Parameters
    ----------
    scenarios
        Validated scenarios with unique names.
    reducer
        What to keep of each replication (default: metric values, no warm-up).
        With a :class:`MetricReducer` the lists hold
        :class:`sim.runs.replicate.ReplicationResult`; otherwise what the
        reducer returned.
    executor
        An executor already entered (the caller's, reused across calls); by
        default this process.
    name
        What the simulation is for (in log messages).
    store
        A memory store to keep the replications in across calls: those already
        in it are not run again (staffing adds replications to a trial this way).

    Raises
    ------
    RuntimeError
        If a replication failed twice: an in-memory simulation has no partial result.
    """
    plan = plan_scenarios(list(scenarios), name, Path("<memory>"))
    store = store if store is not None else MemoryStore()
    reducer = reducer if reducer is not None else MetricReducer(warmup=False)
    if executor is None:
        with SequentialExecutor() as own:
            outcome = run_plan(plan, store, own, reducer)
    else:
        outcome = run_plan(plan, store, executor, reducer)
    if outcome.failures:
        first = outcome.failures[0]
        raise RuntimeError(
            f"replication {first.replication} of {first.scenario} failed twice: {first.error}\n"
            f"{first.traceback}"
        )
    results: dict[str, list[Any]] = {s: [] for s in plan.names}
    for key in outcome.present:
        result = store.results[key]
        results[key[0]].append(result.kept if isinstance(result, Replicated) else result)
    return results
