"""``demandsim run``, ``experiment`` and ``validate``: plans built from files and run.

A run is an experiment of one scenario: both build a :class:`sim.runs.plan.RunPlan`,
run it through :func:`sim.runs.pipeline.run_plan` into a results directory
(:class:`sim.runs.store.ResultStore`) and rebuild its summary files
(:func:`sim.runs.results.write_results`), so both resume, both write
``warmup.csv``, ``targets.csv`` and ``changes.csv``, and both run in this
process, in worker processes or on Dask.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sim.app.outdir import check_free_space, check_out_dir
from sim.app.stopped import RunStoppedError
from sim.config import (
    InputError,
    Problem,
    Scenario,
    load_scenario,
    read_yaml_file,
    scenario_from_dict,
    scenario_warnings,
)
from sim.config.cost import planned_replication_cost
from sim.config.experiment import is_experiment
from sim.config.geography_files import resolve_geography_files
from sim.runs.executors import (
    ClusterLostError,
    DaskExecutor,
    Executor,
    ProcessExecutor,
    SequentialExecutor,
    malformed_scheduler,
)
from sim.runs.pipeline import Progress, run_plan
from sim.runs.plan import (
    RunPlan,
    check_buildable,
    plan_experiment,
    plan_experiment_file,
    plan_scenario,
)
from sim.runs.results import ResultsWritten, write_results
from sim.runs.store import ResultStore
from sim.runs.tables import now_utc
from sim.scenarios.variants import expand_experiment, experiment_warnings

log = logging.getLogger(__name__)

DEFAULT_RESULTS_ROOT = Path("results")


def cli_overrides(
    overrides: Sequence[str],
    replications: int | None = None,
    seed: int | None = None,
    days: float | None = None,
    warmup_days: float | None = None,
) -> list[str]:
    """``--set`` strings for the run options, after the user's own ``--set`` values."""
    result = list(overrides)
    for field, value in (
        ("replications", replications),
        ("seed", seed),
        ("days", days),
        ("warmup_days", warmup_days),
    ):
        if value is not None:
            result.append(f"{field}={value}")
    return result


def default_out_dir(name: str, root: Path = DEFAULT_RESULTS_ROOT) -> Path:
    """``results/<name>-<YYYYmmdd-HHMMSS>``: a new directory per run or experiment."""
    return root / f"{name}-{datetime.now():%Y%m%d-%H%M%S}"


def make_executor(
    workers: int | None = None, scheduler: str | None = None, jobs: int | None = None
) -> Executor:
    """The executor for ``--workers``/``--scheduler``: Dask, local processes, or this process.

    ``workers`` defaults to every core; 1 runs replications in this process.
    More workers than ``jobs`` (the replications planned) would only sit idle,
    so they are capped at it; more than the cores are allowed (with a warning:
    they share the cores and each holds a replication's memory).
    ``--workers`` does not apply to a Dask cluster (its workers are its own).

    Raises
    ------
    InputError
        If ``scheduler`` is given but empty, or is not the shape of an address.
    """
    if scheduler is not None:
        if not scheduler.strip():
            raise InputError(
                [
                    Problem(
                        "--scheduler",
                        "",
                        "is empty; expected the address of a Dask scheduler, e.g. "
                        "tcp://10.0.0.5:8786 (or leave --scheduler out to run on this machine)",
                    )
                ]
            )
        problems = malformed_scheduler(scheduler.strip())
        if problems:
            raise InputError(problems)
        return DaskExecutor(scheduler.strip())
    cores = os.cpu_count() or 1
    count = cores if workers is None else workers
    if jobs is not None and count > jobs:
        log.info("%d workers for %d replications: using %d", count, jobs, max(jobs, 1))
        count = max(jobs, 1)
    if count > cores:
        log.warning(
            "--workers %d is more than this machine's %d cores: the workers share them "
            "(no faster) and each holds a replication in memory",
            count,
            cores,
        )
    return SequentialExecutor() if count <= 1 else ProcessExecutor(count)


def planned_jobs(plan: RunPlan) -> int:
    """Replications a plan may run: scenarios x replications (auto: at most)."""
    precision = plan.precision
    if precision is None:
        return len(plan.scenarios) * plan.replications
    return len(plan.scenarios) * precision.max_replications


def execute(
    plan: RunPlan,
    out_dir: Path,
    executor: Executor,
    resume: bool = False,
    on_progress: Progress | None = None,
    overwrite: bool = False,
) -> ResultsWritten:
    """Run a plan into a results directory and write its summary files.

    Parameters
    ----------
    plan
        The plan (one scenario, or an experiment's).
    out_dir
        Results directory: new or empty; with ``resume``, holding this plan's
        replications; with ``overwrite``, holding results to replace.
    executor
        Where to run the replications (entered and left by the caller).
    resume
        Run only the replications missing from ``out_dir``.
    on_progress
        Called with (completed, total) replications as they finish.
    overwrite
        Replace the results of another run or experiment in ``out_dir``
        (only the files demandsim wrote: see :class:`sim.runs.store.ResultStore`).

    Raises
    ------
    InputError
        For an unusable ``out_dir``, before anything runs.
    RunStoppedError
        On Ctrl-C, or when the cluster is lost part-way: what finished is saved.
    """
    started, clock = now_utc(), time.perf_counter()
    check_buildable(plan)
    check_out_dir(out_dir)
    check_free_space(plan, out_dir)
    # The store holds the directory's lock until the summary files are written.
    with ResultStore(out_dir, overwrite=overwrite) as store:
        try:
            outcome = run_plan(plan, store, executor, resume=resume, on_progress=on_progress)
            return write_results(plan, store, outcome, started, time.perf_counter() - clock)
        except KeyboardInterrupt:
            raise RunStoppedError(out_dir, store.finished(), interrupted=True) from None
        except ClusterLostError as lost:
            raise RunStoppedError(out_dir, store.finished(), False, lost.problems) from None


def _resume_needs_out(resume: bool, out_dir: Path | None) -> None:
    if resume and out_dir is None:
        raise InputError(
            [Problem("--resume", "", "needs --out DIR: the results directory to finish")]
        )


def run_scenario(
    path: Path,
    overrides: Sequence[str] = (),
    out_dir: Path | None = None,
    keep_records: bool = False,
    workers: int = 1,
    scheduler: str | None = None,
    resume: bool = False,
    on_progress: Progress | None = None,
    overwrite: bool = False,
) -> ResultsWritten:
    """Run every replication of a scenario file and write its results directory.

    Parameters
    ----------
    path
        Scenario YAML file.
    overrides
        ``a.b.c=VALUE`` overrides applied before validation.
    out_dir
        Results directory; default ``results/<scenario>-<timestamp>``.
    keep_records
        Also write per-call, per-incident and outage records (``records/``).
    workers
        Worker processes (1: run in this process).
    scheduler
        Address of a Dask scheduler (``tcp://HOST:PORT``) to run on instead.
    resume
        Run only the replications missing from ``out_dir``.
    on_progress
        Called with (completed, total) replications as they finish.
    overwrite
        Replace the results of another run or experiment in ``out_dir``.

    Raises
    ------
    InputError
        If the scenario or an override is invalid, or the output path is unusable.
    RunStoppedError
        On Ctrl-C or a lost cluster, with the finished replications kept.
    """
    _resume_needs_out(resume, out_dir)
    scenario = load_scenario(path, overrides)
    stability_warnings(scenario, str(path))
    plan = plan_scenario(
        scenario,
        path,
        records=keep_records,
        settings={"source": str(path), "overrides": list(overrides), "workers": workers},
    )
    out_dir = out_dir if out_dir is not None else default_out_dir(scenario.name)
    log.info("running %s: %d replications", scenario.name, plan.replications)
    with make_executor(workers, scheduler, planned_jobs(plan)) as executor:
        return execute(plan, out_dir, executor, resume, on_progress, overwrite)


def run_experiment_file(
    path: Path,
    out_dir: Path | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    resume: bool = False,
    on_progress: Progress | None = None,
    overwrite: bool = False,
) -> ResultsWritten:
    """Validate an experiment file, run it, and write its results directory.

    Parameters
    ----------
    path
        Experiment YAML file.
    out_dir
        Results directory; default ``results/<experiment>-<timestamp>``.
        Required with ``resume``.
    workers
        Local worker processes (default: one per core; 1: this process).
    scheduler, resume, on_progress, overwrite
        As for :func:`run_scenario`.

    Raises
    ------
    InputError
        For a bad experiment, option or results directory, or an unreachable
        scheduler: before anything runs.
    RunStoppedError
        On Ctrl-C or a lost cluster, with the finished replications kept.
    """
    plan = plan_experiment_file(path)
    _resume_needs_out(resume, out_dir)
    out_dir = out_dir if out_dir is not None else default_out_dir(plan.name)
    with make_executor(workers, scheduler, planned_jobs(plan)) as executor:
        return execute(plan, out_dir, executor, resume, on_progress, overwrite)


@dataclass(frozen=True)
class Validation:
    """What ``validate`` found in a valid file.

    Attributes
    ----------
    description
        One line saying what the file holds.
    warnings
        Scenarios that will run but whose results cannot mean anything, each
        naming the field (:func:`sim.config.scenario_warnings`).
    """

    description: str
    warnings: tuple[Problem, ...] = ()


def validate_file(path: Path) -> Validation:
    """Check a scenario or experiment file: what it holds, and any warnings.

    Every check ``run`` and ``experiment`` make before simulating is made: the
    file and every scenario it makes are validated (their cost bounded: see
    :mod:`sim.config.cost`), platforms applied, and each scenario's model
    built without simulating (:func:`sim.runs.plan.check_buildable`). Only
    what depends on ``--out`` (room on its disk, whether it may be written)
    is left to the run.

    A file is read as an experiment if it has any of the keys only an experiment
    has (``base``, ``baseline``, ``grid``, ``scenarios``) and no ``forces``.

    Raises
    ------
    InputError
        With every problem found.
    """
    raw = read_yaml_file(path)
    if is_experiment(raw):
        expanded = expand_experiment(raw, path)
        plan = plan_experiment(expanded)
        check_buildable(plan)
        return Validation(describe_plan(plan), tuple(experiment_warnings(expanded)))
    scenario = scenario_from_dict(resolve_geography_files(raw, path), str(path))
    check_buildable(plan_scenario(scenario, path))
    warnings = scenario_warnings(scenario, str(path))
    warnings += stability_warnings(scenario, str(path), logged=False)
    return Validation(describe_scenario(path, scenario), tuple(warnings))


def describe_scenario(path: Path, scenario: Scenario) -> str:
    """One line saying what a scenario holds."""
    channels = sum(len(f.channels) for f in scenario.forces.values())
    arrivals, memory = planned_replication_cost(scenario)
    return (
        f"{path}: valid scenario '{scenario.name}': {len(scenario.forces)} force(s), "
        f"{channels} channel(s), {len(scenario.handler_pools)} handler pool(s), "
        f"{scenario.days:g} days after {scenario.warmup_days:g} warm-up, "
        f"{scenario.replications} replication(s) of at most about {arrivals:,.0f} call "
        f"attempts and online reports and {memory / 1e6:,.0f} MB each"
    )


def describe_plan(plan: RunPlan) -> str:
    """One line saying what an experiment will run."""
    first = plan.scenarios[0].scenario
    precision = plan.precision
    if precision is None:
        replications = f"{plan.replications} replication(s) each"
    else:
        metrics = ", ".join(str(m) for m in precision.metrics)
        replications = (
            f"replications auto ({precision.min_replications} to {precision.max_replications}, "
            f"until ±{precision.relative_half_width:.0%} on {metrics})"
        )
    base = plan.base_path.name if plan.base_path is not None else plan.source.name
    arrivals, memory = max(planned_replication_cost(s.prepared) for s in plan.scenarios)
    return (
        f"{plan.source}: valid experiment '{plan.name}': {len(plan.scenarios)} scenario(s) "
        f"from {base}, baseline {plan.baseline}, "
        f"{first.days:g} days after {first.warmup_days:g} warm-up, seed {plan.seed}, "
        f"{replications}; the largest replication plans at most about {arrivals:,.0f} call "
        f"attempts and online reports and {memory / 1e6:,.0f} MB"
    )


def stability_warnings(scenario: Scenario, source: str, logged: bool = True) -> list[Problem]:
    """Queues that cannot keep up (:func:`sim.planning.stability.stability_problems`).

    The stability hook of ``validate`` (returned with its warnings) and ``run``
    (``logged``: each a warning on the log, and the run goes ahead).
    """
    from sim.planning.stability import stability_problems

    problems = stability_problems(scenario, source)
    for problem in problems if logged else ():
        log.warning("%s", problem)
    return problems
