"""Run an experiment: every scenario, every replication, durably, on any executor.

The procedure:

1. Open the results directory (:class:`sim.runs.store.ResultStore`): a new one, or,
   with ``resume``, one that holds replications of the same scenarios.
2. Run the replications not yet on disk -- replication 0 of every scenario,
   then replication 1, ... -- on the executor, saving each as it finishes.
   A replication that fails is tried once more; if it fails again it is
   reported (scenario, replication, seed, traceback) and the rest carry on.
3. With ``replications: auto``, look at the named metrics and either stop or
   run the further replications the sequential rule needs
   (:func:`sim.metrics.statistics.check_precision`), up to the cap. Every scenario gets
   the same replications, so every comparison is fully paired.
4. Rebuild the summary files from the per-replication files: summary.csv,
   comparison.csv, replications.parquet, warmup.csv, precision.csv (auto),
   failures.csv (if any failed), manifest.json.

Because the summary files are rebuilt from what is on disk, and a replication
is a pure function of (scenario, replication, seed), the result is identical
whichever executor ran it, and whether or not the run was interrupted and
resumed.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from sim.config import InputError, Problem
from sim.files import write_json, write_table
from sim.metrics.statistics import check_precision, compare, look_ahead
from sim.metrics.warmup import summarise_warmup
from sim.runs.executors import Attempt, Executor, Job
from sim.runs.experiment import ExperimentPlan
from sim.runs.results import build_manifest, now_utc
from sim.runs.runner import ReplicationResult, run_one, summarise
from sim.runs.store import ResultStore

log = logging.getLogger(__name__)

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
FAILURE_COLUMNS = ["scenario", "replication", "seed", "attempts", "error", "traceback"]

#: Reports progress: replications completed so far, and the total now planned.
Progress = Callable[[int, int], None]
#: Runs one replication: ``(scenario, replication, seed, keep_records, warmup)``.
Task = Callable[..., ReplicationResult]


@dataclass(frozen=True)
class Failure:
    """A replication that failed twice: where, and why."""

    scenario: str
    replication: int
    seed: int
    attempts: int
    error: str
    traceback: str


@dataclass(frozen=True)
class ExperimentOutcome:
    """What an experiment produced.

    Attributes
    ----------
    out_dir
        The results directory.
    plan
        The experiment run.
    replications
        Replications per scenario.
    summary, comparison
        ``summary.csv`` and ``comparison.csv`` as written.
    precision
        ``precision.csv`` (``replications: auto`` only).
    failures
        Replications that failed twice (not in any table).
    ran, reused
        Replications run by this call, and found already done on disk.
    calls, compute_s
        Call attempts simulated and compute seconds, over the replications in
        the tables.
    executor
        Where the replications ran.
    """

    out_dir: Path
    plan: ExperimentPlan
    replications: int
    summary: pd.DataFrame
    comparison: pd.DataFrame
    precision: pd.DataFrame | None
    failures: list[Failure]
    ran: int
    reused: int
    calls: int
    compute_s: float
    executor: str
    elapsed_s: float = 0.0

    @property
    def precision_met(self) -> bool | None:
        """Whether auto replications met the target on every named metric (None if fixed)."""
        if self.precision is None:
            return None
        return bool(self.precision["met"].all())


@dataclass
class _Run:
    """Mutable state of one call of :func:`run_experiment`."""

    plan: ExperimentPlan
    store: ResultStore
    executor: Executor
    task: Task
    on_progress: Progress | None
    done: set[tuple[str, int]]
    failures: dict[tuple[str, int], Failure] = field(default_factory=dict)
    ran: int = 0

    def report(self, wanted: list[tuple[str, int]]) -> None:
        if self.on_progress is not None:
            completed = sum(1 for key in wanted if key in self.done)
            self.on_progress(completed, len(wanted))

    def execute(self, wanted: list[tuple[str, int]]) -> None:
        """Run every replication of ``wanted`` not yet done; retry failures once."""
        todo = [key for key in wanted if key not in self.done]
        self.report(wanted)
        if not todo:
            return
        log.info("running %d replications on %s", len(todo), self.executor.description)
        retry: list[tuple[str, int]] = []
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

    def _jobs(self, keys: list[tuple[str, int]]) -> list[Job]:
        records = self.plan.experiment.records
        return [
            Job((name, r), (self.plan.scenario(name), r, self.plan.seed, records, True))
            for name, r in keys
        ]

    def _save(self, attempt: Attempt) -> None:
        result: ReplicationResult = attempt.result
        self.store.save(result, warmup=result.warmup, records=result.records)
        self.done.add((result.scenario, result.replication))
        self.failures.pop((result.scenario, result.replication), None)
        self.ran += 1


def run_experiment(
    plan: ExperimentPlan,
    out_dir: Path,
    executor: Executor,
    resume: bool = False,
    on_progress: Progress | None = None,
    task: Task = run_one,
) -> ExperimentOutcome:
    """Run an experiment into a results directory (see the module docstring).

    Parameters
    ----------
    plan
        The validated experiment.
    out_dir
        Results directory: new or empty, or, with ``resume``, holding this
        experiment's replications.
    executor
        Where to run replications (entered and left by the caller).
    resume
        Continue the experiment in ``out_dir``: run only what is missing.
    on_progress
        Called with (completed, total) replications as they finish.
    task
        The replication function (tests replace it to inject failures).

    Raises
    ------
    InputError
        If ``out_dir`` cannot be used, or a metric named for ``replications:
        auto`` is not among the results (after the first replications, which
        stay on disk for a resume).
    """
    started, clock = now_utc(), time.perf_counter()
    store = ResultStore(out_dir)
    store.open(
        {
            "fingerprint": plan.fingerprint(),
            "name": plan.name,
            "source": str(plan.source),
            "scenarios": plan.names,
        },
        resume,
    )
    needs = ("warmup", "records") if plan.experiment.records else ("warmup",)
    names = set(plan.names)
    done = {key for key in store.completed(needs) if key[0] in names}
    found = set(done)
    run = _Run(plan, store, executor, task, on_progress, done)

    precision = plan.experiment.precision
    if precision is None:
        target = plan.fixed_replications
    else:
        start = precision.min_replications
        target = min(precision.max_replications, start + look_ahead(start, precision.look_ahead))
    checks: pd.DataFrame | None = None
    while True:
        run.execute(_wanted(plan, target))
        if precision is None:
            break
        if run.failures:
            log.warning("replications failed: stopping at %d replications per scenario", target)
            break
        checks, needed = _precision(plan, store, target)
        if checks["met_settled"].all() or target >= precision.max_replications:
            break
        target = min(precision.max_replications, needed)
        log.info("precision not yet reached: going on to %d replications", target)
    if precision is not None and (checks is None or run.failures):
        checks, _ = _precision(plan, store, target, strict=False)

    present = [key for key in _scenario_major(plan, target) if key in done]
    table = store.load_values(present)
    summary = summarise(table)
    comparison = compare(table, plan.baseline)
    warmup = summarise_warmup(store.load_warmup(present))
    precision_table = checks[PRECISION_COLUMNS] if checks is not None else None
    failures = [run.failures[key] for key in _scenario_major(plan, target) if key in run.failures]
    details = [store.details(*key) for key in present]

    root = store.root
    write_table(table, root / "replications.parquet")
    write_table(summary, root / "summary.csv")
    write_table(comparison, root / "comparison.csv")
    write_table(warmup, root / "warmup.csv")
    _write_or_remove(precision_table, root / "precision.csv")
    failure_table = pd.DataFrame([f.__dict__ for f in failures], columns=FAILURE_COLUMNS)
    _write_or_remove(failure_table if failures else None, root / "failures.csv")
    reused = sum(1 for key in present if key in found)
    outcome = ExperimentOutcome(
        out_dir=root,
        plan=plan,
        replications=target,
        summary=summary,
        comparison=comparison,
        precision=precision_table,
        failures=failures,
        ran=run.ran,
        reused=reused,
        calls=int(sum(d.get("calls", 0) for d in details)),
        compute_s=float(sum(d.get("wall_s", 0.0) for d in details)),
        executor=executor.description,
        elapsed_s=time.perf_counter() - clock,
    )
    write_json(_manifest(outcome, started), root / "manifest.json")
    return outcome


def _wanted(plan: ExperimentPlan, replications: int) -> list[tuple[str, int]]:
    """Replication 0 of every scenario, then 1, ...: a stopped run leaves whole pairs."""
    return [(name, r) for r in range(replications) for name in plan.names]


def _scenario_major(plan: ExperimentPlan, replications: int) -> list[tuple[str, int]]:
    return [(name, r) for name in plan.names for r in range(replications)]


def _precision(
    plan: ExperimentPlan, store: ResultStore, replications: int, strict: bool = True
) -> tuple[pd.DataFrame, int]:
    """Apply the sequential rule to every named metric of every scenario.

    Returns the per-scenario, per-metric checks and the replications the rule
    needs next. With ``strict``, a named metric missing from the results is an
    error (its replications are on disk: fix the experiment file and resume).
    """
    precision = plan.experiment.precision
    assert precision is not None
    keys = _scenario_major(plan, replications)
    table = store.load_values([key for key in keys if key in store.completed(())])
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


def _write_or_remove(frame: pd.DataFrame | None, path: Path) -> None:
    """Write a table, or remove a stale one left by an earlier run of the same experiment."""
    if frame is None:
        path.unlink(missing_ok=True)
    else:
        write_table(frame, path)


def _manifest(outcome: ExperimentOutcome, started: str) -> dict[str, Any]:
    plan = outcome.plan
    experiment = plan.experiment
    return build_manifest(
        [s.scenario for s in plan.scenarios],
        plan.seed,
        list(range(outcome.replications)),
        started,
        now_utc(),
        extra={
            "experiment": {
                "name": plan.name,
                "source": str(plan.source),
                "base": str(plan.base_path),
                "baseline": plan.baseline,
                "fingerprint": plan.fingerprint(),
                "changes": {s.name: s.changes for s in plan.scenarios},
                "replications": experiment.replications
                if experiment.replications is not None
                else outcome.replications,
                "precision": experiment.precision.model_dump(mode="json")
                if experiment.precision
                else None,
                "precision_met": outcome.precision_met,
                "records": experiment.records,
            },
            "executor": outcome.executor,
            "replications_run": outcome.ran,
            "replications_reused": outcome.reused,
            "failures": [
                {"scenario": f.scenario, "replication": f.replication, "error": f.error}
                for f in outcome.failures
            ],
        },
    )
