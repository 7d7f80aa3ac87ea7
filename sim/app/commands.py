"""Plain functions behind the command-line commands.

Each CLI command in ``cli.py`` parses its arguments and calls one function here;
these functions never print (they log, and return what the CLI shows).
"""

from __future__ import annotations

import logging
import math
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from sim import fit
from sim.analytic.erlang import QueueFigures, erlang_a_figures, erlang_c_figures
from sim.config import (
    InputError,
    Problem,
    Scenario,
    load_scenario,
    read_yaml_file,
    scenario_from_dict,
)
from sim.files import atomic_write
from sim.runs.executors import DaskExecutor, Executor, ProcessExecutor, SequentialExecutor
from sim.runs.experiment import (
    ExperimentPlan,
    MetricKey,
    is_experiment,
    load_experiment,
    plan_from_dict,
)
from sim.runs.results import build_manifest, now_utc, write_results
from sim.runs.runner import (
    ReplicationResult,
    replication_table,
    run_replications,
    summarise,
)
from sim.runs.sweep import ExperimentOutcome, Progress, run_experiment

if TYPE_CHECKING:
    from sim.config import Roster
    from sim.planning.rostering import RosterSolution
    from sim.planning.staffing import MetricSpec, StaffingResult, Target
    from sim.report import ReportOutcome

log = logging.getLogger(__name__)

DEFAULT_RESULTS_ROOT = Path("results")


@dataclass(frozen=True)
class RunOutcome:
    """What ``demandsim run`` produced: where, and the summary table."""

    out_dir: Path
    scenario: Scenario
    summary: pd.DataFrame
    calls: int
    wall_s: float


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


def default_out_dir(scenario: Scenario, root: Path = DEFAULT_RESULTS_ROOT) -> Path:
    """``results/<scenario>-<YYYYmmdd-HHMMSS>``: a new directory per run."""
    return root / f"{scenario.name}-{datetime.now():%Y%m%d-%H%M%S}"


def run_scenario(
    path: Path,
    overrides: Sequence[str] = (),
    out_dir: Path | None = None,
    keep_records: bool = False,
    workers: int = 1,
    on_start: Callable[[int], None] | None = None,
    on_done: Callable[[ReplicationResult], None] | None = None,
) -> RunOutcome:
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
        Also write per-call and per-incident records (``records/calls.parquet``,
        ``records/incidents.parquet``).
    workers
        Worker processes (1: run in this process).
    on_start, on_done
        Called with the number of replications before the first starts, and with
        each replication's result as it finishes (for a progress bar).

    Raises
    ------
    InputError
        If the scenario or an override is invalid, or the output path is unusable.
    """
    scenario = load_scenario(path, overrides)
    out_dir = out_dir if out_dir is not None else default_out_dir(scenario)
    if out_dir.exists() and not out_dir.is_dir():
        raise InputError([Problem("--out", str(out_dir), "is a file; expected a directory")])
    started = now_utc()
    replications = list(range(scenario.replications))
    if on_start:
        on_start(len(replications))
    log.info("running %s: %d replications", scenario.name, len(replications))
    results = run_replications(
        scenario, replications, scenario.seed, workers, keep_records, on_done
    )
    table = replication_table(results)
    summary = summarise(table)
    records = combine_records(results) if keep_records else None
    manifest = build_manifest(
        [scenario],
        scenario.seed,
        replications,
        started,
        now_utc(),
        extra={"source": str(path), "overrides": list(overrides), "workers": workers},
    )
    write_results(out_dir, summary, table, manifest, records)
    return RunOutcome(
        out_dir=out_dir,
        scenario=scenario,
        summary=summary,
        calls=sum(r.calls for r in results),
        wall_s=sum(r.wall_s for r in results),
    )


def combine_records(results: Sequence[ReplicationResult]) -> dict[str, pd.DataFrame]:
    """Each record table (``calls``, ``incidents``) of every replication, stacked."""
    kinds = sorted({kind for r in results if r.records for kind in r.records})
    return {
        kind: pd.concat(
            [r.records[kind] for r in results if r.records and kind in r.records],
            ignore_index=True,
        )
        for kind in kinds
    }


def validate_file(path: Path) -> str:
    """Check a scenario or experiment file; return a one-line description of what it holds.

    A file is read as an experiment if it has any of the keys only an experiment
    has (``base``, ``baseline``, ``grid``, ``scenarios``) and no ``forces``.

    Raises
    ------
    InputError
        With every problem found.
    """
    raw = read_yaml_file(path)
    if is_experiment(raw):
        return describe_plan(plan_from_dict(raw, path))
    scenario = scenario_from_dict(raw, str(path))
    channels = sum(len(f.channels) for f in scenario.forces.values())
    return (
        f"{path}: valid scenario '{scenario.name}': {len(scenario.forces)} force(s), "
        f"{channels} channel(s), {len(scenario.handler_pools)} handler pool(s), "
        f"{scenario.days:g} days after {scenario.warmup_days:g} warm-up, "
        f"{scenario.replications} replication(s)"
    )


def describe_plan(plan: ExperimentPlan) -> str:
    """One line saying what an experiment will run."""
    first = plan.scenarios[0].scenario
    precision = plan.experiment.precision
    if precision is None:
        replications = f"{plan.fixed_replications} replication(s) each"
    else:
        metrics = ", ".join(str(m) for m in precision.metrics)
        replications = (
            f"replications auto ({precision.min_replications} to {precision.max_replications}, "
            f"until ±{precision.relative_half_width:.0%} on {metrics})"
        )
    return (
        f"{plan.source}: valid experiment '{plan.name}': {len(plan.scenarios)} scenario(s) "
        f"from {plan.base_path.name}, baseline {plan.baseline}, "
        f"{first.days:g} days after {first.warmup_days:g} warm-up, seed {plan.seed}, "
        f"{replications}"
    )


def make_executor(workers: int | None = None, scheduler: str | None = None) -> Executor:
    """The executor for ``--workers``/``--scheduler``: Dask, local processes, or this process.

    ``workers`` defaults to every core; 1 runs replications in this process.
    ``--workers`` does not apply to a Dask cluster (its workers are its own).
    """
    if scheduler:
        return DaskExecutor(scheduler)
    count = (os.cpu_count() or 1) if workers is None else workers
    return SequentialExecutor() if count <= 1 else ProcessExecutor(count)


def default_experiment_dir(plan: ExperimentPlan, root: Path = DEFAULT_RESULTS_ROOT) -> Path:
    """``results/<experiment>-<YYYYmmdd-HHMMSS>``: a new directory per experiment."""
    return root / f"{plan.name}-{datetime.now():%Y%m%d-%H%M%S}"


def run_experiment_file(
    path: Path,
    out_dir: Path | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    resume: bool = False,
    on_progress: Progress | None = None,
) -> ExperimentOutcome:
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
    scheduler
        Address of a Dask scheduler (``tcp://HOST:PORT``) to run on instead.
    resume
        Run only the replications missing from ``out_dir``.
    on_progress
        Called with (completed, total) replications as they finish.

    Raises
    ------
    InputError
        For a bad experiment, option or results directory, or an unreachable
        scheduler: before anything runs.
    """
    plan = load_experiment(path)
    if resume and out_dir is None:
        raise InputError(
            [Problem("--resume", "", "needs --out DIR: the results directory to finish")]
        )
    out_dir = out_dir if out_dir is not None else default_experiment_dir(plan)
    with make_executor(workers, scheduler) as executor:
        return run_experiment(plan, out_dir, executor, resume, on_progress)


#: Figures shown after an experiment, when the experiment names none.
DEFAULT_HEADLINE = (
    ("answered_within_target", "999", "value"),
    ("answered_within_target", "101", "value"),
    ("answer_time", "101", "p90"),
    ("abandoned", "101", "value"),
    ("attended_within_target", "grade1/urban", "value"),
    ("occupancy", None, "value"),
)


def figure_label(metric: str, segment: str, stat: str) -> str:
    """A short column label for a figure of summary.csv: ``101 p90 answer time (s)``."""
    from sim.catalogue import table_label

    return f"{segment} {table_label(metric, stat)}"


@dataclass(frozen=True)
class HeadlineCell:
    """One scenario's figure: mean and interval, and the paired difference from the baseline."""

    mean: float
    ci_low: float
    ci_high: float
    difference: float = math.nan
    excludes_zero: bool = False


def experiment_headline(outcome: ExperimentOutcome) -> tuple[pd.DataFrame, list[str]]:
    """The headline figures per scenario, and the named figures not in the results.

    Returns
    -------
    tuple
        A DataFrame (rows: scenarios in run order; columns: figure labels) of
        :class:`HeadlineCell`, and the ``metric/segment/stat`` of every headline
        figure the experiment named that the results do not have.
    """
    summary = outcome.summary
    available = list(
        dict.fromkeys(zip(summary["metric"], summary["segment"], summary["stat"], strict=True))
    )
    named: list[MetricKey] | None = outcome.plan.experiment.headline
    missing: list[str] = []
    if named is not None:
        keys = [m.key for m in named if m.key in set(available)]
        missing = [str(m) for m in named if m.key not in set(available)]
    else:
        keys = [
            key
            for metric, segment, stat in DEFAULT_HEADLINE
            for key in available
            if key[0] == metric and key[2] == stat and (segment is None or key[1] == segment)
        ]
    by_key = summary.set_index(["scenario", "metric", "segment", "stat"])
    comparison = outcome.comparison.set_index(["scenario", "metric", "segment", "stat"])
    rows: dict[str, dict[str, HeadlineCell]] = {}
    for name in outcome.plan.names:
        row: dict[str, HeadlineCell] = {}
        for key in keys:
            if (name, *key) not in by_key.index:
                continue
            figure = by_key.loc[(name, *key)]
            cell = HeadlineCell(figure["mean"], figure["ci_low"], figure["ci_high"])
            if (name, *key) in comparison.index:
                paired = comparison.loc[(name, *key)]
                cell = HeadlineCell(
                    cell.mean,
                    cell.ci_low,
                    cell.ci_high,
                    float(paired["difference"]),
                    bool(paired["excludes_zero"]),
                )
            row[figure_label(*key)] = cell
        rows[name] = row
    columns = [figure_label(*key) for key in keys]
    return pd.DataFrame.from_dict(rows, orient="index").reindex(columns=columns), missing


def erlang(
    model: str,
    calls_per_hour: float,
    aht_s: float,
    agents: int,
    target_s: float,
    patience_s: float | None = None,
) -> QueueFigures:
    """Analytic Erlang C (``model='c'``) or Erlang A (``model='a'``) figures.

    Raises
    ------
    InputError
        For arguments out of range, naming the option.
    """
    try:
        if model == "a":
            if patience_s is None:
                raise InputError(
                    [Problem("erlang a", "--patience", "missing; Erlang A needs mean patience")]
                )
            return erlang_a_figures(calls_per_hour, aht_s, agents, patience_s, target_s)
        return erlang_c_figures(calls_per_hour, aht_s, agents, target_s)
    except ValueError as exc:
        raise InputError([Problem(f"erlang {model}", "", str(exc))]) from None


HEADLINE_STATS = {
    ("offered", "count"): "offered",
    ("answer_time", "mean"): "mean answer (s)",
    ("answer_time", "p90"): "p90 answer (s)",
    ("answered_within_target", "value"): "within target (%)",
    ("abandoned", "value"): "abandoned (%)",
}


RESPONSE_HEADLINE_STATS = {
    ("attendance_time", "p50"): "p50 attendance (min)",
    ("attendance_time", "p90"): "p90 attendance (min)",
    ("attended_within_target", "value"): "within target (%)",
}

#: One-line figures printed under the tables: (metric, stat, label, unit).
OTHER_HEADLINES = (
    ("occupancy", "value", "occupancy of", "%"),
    ("unit_utilisation", "value", "unit utilisation,", "%"),
    ("dispatch_delay", "p90", "p90 wait for a unit,", "min"),
    ("callback_time", "mean", "mean wait for a call-back,", "min"),
    ("appointment_wait", "p90", "p90 wait for an appointment,", "h"),
)


def headline(
    summary: pd.DataFrame,
    stats: dict[tuple[str, str], str] = HEADLINE_STATS,
    segments: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Headline figures: one row per segment, one column per figure in ``stats``.

    Cells are ``(mean, ci_low, ci_high)`` tuples. ``segments`` keeps only those
    rows, in that order; by default every segment with the first statistic.
    """
    rows: dict[str, dict[str, tuple[float, float, float]]] = {}
    for row in summary.itertuples(index=False):
        label = stats.get((row.metric, row.stat))
        if label is not None:
            rows.setdefault(row.segment, {})[label] = (row.mean, row.ci_low, row.ci_high)
    if segments is not None:
        rows = {segment: rows[segment] for segment in segments if segment in rows}
    else:
        first = next(iter(stats.values()))
        rows = {segment: cells for segment, cells in rows.items() if first in cells}
    return pd.DataFrame.from_dict(rows, orient="index").reindex(columns=list(stats.values()))


def response_headline(summary: pd.DataFrame) -> pd.DataFrame:
    """Attendance by grade and area (grade 1 per area, grade 2 overall); empty without response."""
    attended = summary[summary["metric"] == "attended_within_target"]["segment"].tolist()
    return headline(summary, RESPONSE_HEADLINE_STATS, attended)


def other_headlines(summary: pd.DataFrame) -> list[tuple[str, tuple[float, float, float], str]]:
    """One-line figures: ``(label, (mean, low, high), unit)`` for those the run has."""
    lines = []
    for metric, stat, label, unit in OTHER_HEADLINES:
        rows = summary[(summary["metric"] == metric) & (summary["stat"] == stat)]
        for row in rows.itertuples(index=False):
            lines.append((f"{label} {row.segment}", (row.mean, row.ci_low, row.ci_high), unit))
    return lines


def write_panel_report(
    results_dir: Path, out: Path | None = None, png_dir: Path | None = None
) -> ReportOutcome:
    """Write the panel report of a results directory (``demandsim report``).

    Parameters
    ----------
    results_dir
        A directory written by ``demandsim run`` or ``demandsim experiment``.
    out
        The HTML file (default ``RESULTS_DIR/report.html``).
    png_dir
        Also write every figure as a PNG here (through the system Chromium).

    Raises
    ------
    InputError
        Not a results directory (no summary.csv), or no Chromium for ``--png``.
    """
    from sim.report import write_report  # plotly is imported only for reports

    return write_report(results_dir, out, png_dir)


# --------------------------------------------------------------------------- staff


@dataclass(frozen=True)
class StaffOutcome:
    """What ``demandsim staff`` produced: the requirement, the roster, where they are."""

    out_dir: Path
    result: object  # sim.planning.staffing.StaffingResult
    roster: object  # sim.planning.rostering.RosterSolution
    spread: pd.DataFrame
    current_paid_hours: float
    figure: Path | None


def staff_scenario(
    path: Path,
    pool_id: str,
    targets: Sequence[str],
    interval_minutes: int = 30,
    out_dir: Path | None = None,
    overrides: Sequence[str] = (),
    shifts: Path | None = None,
    workers: int = 1,
    max_staff: int = 2000,
    on_step: Callable[[str], None] | None = None,
) -> StaffOutcome:
    """Handlers needed per interval to meet the targets, then the cheapest roster covering them.

    Parameters
    ----------
    path
        Scenario YAML file.
    pool_id
        The handler pool to staff.
    targets
        ``metric:segment[:stat]<=|>=value`` strings, e.g. ``answered_within_target:999>=90``.
    interval_minutes
        Staffing interval, minutes (15, 30 or 60).
    out_dir
        Results directory; default ``results/<scenario>-staff-<timestamp>``.
    overrides
        ``a.b.c=VALUE`` overrides applied to the scenario first (``replications``
        sets the replications per simulation).
    shifts
        YAML file of shift patterns (``patterns:``); default: 8 and 10 hour
        shifts starting on any hour.
    workers
        Worker processes for the replications.
    max_staff
        Most handlers per interval considered.
    on_step
        Called with a short description of each step (progress).

    Raises
    ------
    InputError
        For a bad scenario, pool, target, interval or shift file, a target no
        number of handlers up to ``max_staff`` meets, or a requirement the
        shift patterns cannot cover.
    """
    from sim.planning import staffing

    def place(scenario: Scenario, setup: Any, parsed: list[Target]) -> _StaffedPlace:
        pool = scenario.handler_pools[pool_id]

        def header(roster: RosterSolution) -> str:
            return (
                f"Roster for handler pool '{pool_id}' of scenario '{scenario.name}' ({path}):\n"
                f"covers the rostered requirement (shrinkage {pool.shrinkage:g}) for "
                f"{', '.join(str(t) for t in parsed)}\n"
                f"at {roster.paid_hours:,.1f} paid hours a week ({roster.shifts} shifts). Paste "
                f"the roster: block under handler_pools.{pool_id}, or run scenario.yaml beside it."
            )

        title = f"{scenario.name}: handlers in pool {pool_id} per interval"
        key = ("handler_pools", pool_id, "roster")
        return _StaffedPlace(pool.roster, header, key, title, "handlers", ("pool", pool_id))

    return _staff(
        path,
        targets,
        interval_minutes,
        out_dir,
        overrides,
        shifts,
        metrics=staffing.HANDLER_METRICS,
        resolve=lambda scenario, parsed: staffing.resolve_pool(
            scenario, pool_id, parsed, interval_minutes
        ),
        out_name=lambda scenario, setup: f"{scenario.name}-staff-",
        requirement_of=lambda setup, replications: staffing.staffing_requirement(
            setup, replications, workers, max_staff=max_staff, on_step=on_step
        ),
        shift_hours=(8.0, 10.0),
        place=place,
    )


def staff_area(
    path: Path,
    area_ref: str,
    targets: Sequence[str],
    interval_minutes: int = 60,
    out_dir: Path | None = None,
    overrides: Sequence[str] = (),
    shifts: Path | None = None,
    workers: int = 1,
    max_units: int = 2000,
    on_step: Callable[[str], None] | None = None,
) -> StaffOutcome:
    """Response units needed per interval in an area to meet attendance targets, then rosters.

    Parameters
    ----------
    path
        Scenario YAML file.
    area_ref
        The response area to staff: ``AREA`` or ``FORCE/AREA``.
    targets
        ``metric:segment[:stat]<=|>=value`` strings on ``attended_within_target``
        (%), ``attendance_time`` or ``dispatch_delay`` (minutes), e.g.
        ``attended_within_target:grade1/urban>=90``.
    interval_minutes
        Staffing interval, minutes (15, 30 or 60).
    out_dir
        Results directory; default ``results/<scenario>-staff-<area>-<timestamp>``.
    overrides
        ``a.b.c=VALUE`` overrides applied to the scenario first.
    shifts
        YAML file of shift patterns (``patterns:``); default: 10 hour shifts
        starting on any hour.
    workers
        Worker processes for the replications.
    max_units
        Most units per interval considered.
    on_step
        Called with a short description of each step (progress).

    Raises
    ------
    InputError
        For a bad scenario, area, target, interval or shift file, a target no
        number of units up to ``max_units`` meets, or a requirement the shift
        patterns cannot cover.
    """
    from sim.planning import unit_staffing

    def place(scenario: Scenario, setup: Any, parsed: list[Target]) -> _StaffedPlace:
        area = scenario.forces[setup.force_id].areas[setup.area_id]
        where = f"forces.{setup.force_id}.areas.{setup.area_id}"

        def header(roster: RosterSolution) -> str:
            return (
                f"Units roster for area '{setup.label}' of scenario '{scenario.name}' ({path}):\n"
                f"covers the verified requirement for {', '.join(str(t) for t in parsed)}\n"
                f"at {roster.paid_hours:,.1f} unit-hours a week ({roster.shifts} shifts). Paste "
                f"the roster: mapping as {where}.units, or run scenario.yaml beside it."
            )

        title = f"{scenario.name}: response units in area {setup.label}"
        key = ("forces", setup.force_id, "areas", setup.area_id, "units")
        return _StaffedPlace(area.units, header, key, title, "units", ("area", setup.label))

    return _staff(
        path,
        targets,
        interval_minutes,
        out_dir,
        overrides,
        shifts,
        metrics=unit_staffing.UNIT_METRICS,
        resolve=lambda scenario, parsed: unit_staffing.resolve_area(
            scenario, area_ref, parsed, interval_minutes
        ),
        out_name=lambda scenario, setup: f"{scenario.name}-staff-{setup.area_id}-",
        requirement_of=lambda setup, replications: unit_staffing.unit_requirement(
            setup, replications, workers, max_units=max_units, on_step=on_step
        ),
        shift_hours=(10.0,),
        place=place,
    )


@dataclass(frozen=True)
class _StaffedPlace:
    """What differs between staffing a handler pool and an area's units.

    ``header`` turns the roster solution into the ``roster.yaml`` header;
    ``key`` is the path of the roster mapping in the scenario YAML; ``noun``
    what is staffed (``handlers`` or ``units``, for the figure); ``manifest``
    the ``(key, value)`` naming what was staffed in ``manifest.json``.
    """

    current: Roster  # the scenario's current roster (staff per minute)
    header: Callable[[RosterSolution], str]
    key: tuple[str, ...]
    title: str
    noun: str
    manifest: tuple[str, str]


def _staff(
    path: Path,
    targets: Sequence[str],
    interval_minutes: int,
    out_dir: Path | None,
    overrides: Sequence[str],
    shifts: Path | None,
    *,
    metrics: dict[str, MetricSpec],
    resolve: Callable[[Scenario, list[Target]], Any],
    out_name: Callable[[Scenario, Any], str],
    requirement_of: Callable[[Any, int], StaffingResult],
    shift_hours: tuple[float, ...],
    place: Callable[[Scenario, Any, list[Target]], _StaffedPlace],
) -> StaffOutcome:
    """Requirement, roster and results directory: the steps shared by both staff commands.

    Parameters
    ----------
    path, targets, interval_minutes, out_dir, overrides, shifts
        As for :func:`staff_scenario` and :func:`staff_area`.
    metrics
        The metrics a target may name.
    resolve
        ``(scenario, targets) -> setup``: checks what is staffed.
    out_name
        ``(scenario, setup) -> name`` of the default results directory, before
        the timestamp (e.g. ``demo-staff-``).
    requirement_of
        ``(setup, replications) -> StaffingResult``: the verified requirement.
    shift_hours
        Shift lengths, hours, of the default shift patterns.
    place
        ``(scenario, setup, targets) ->`` what is staffed and how to describe it.

    Raises
    ------
    InputError
        As for :func:`staff_scenario` and :func:`staff_area`.
    """
    import yaml

    from sim.config import apply_overrides
    from sim.files import atomic_write, write_json, write_table
    from sim.planning import rostering, staffing

    problems: list[Problem] = []
    parsed = []
    for text in targets:
        try:
            parsed.append(staffing.parse_target(text, metrics))
        except InputError as exc:
            problems.extend(exc.problems)
    patterns = rostering.load_patterns(shifts) if shifts is not None else None
    if problems:
        raise InputError(problems)
    scenario = load_scenario(path, overrides)
    setup = resolve(scenario, parsed)
    if out_dir is None:
        stamp = f"{datetime.now():%Y%m%d-%H%M%S}"
        out_dir = DEFAULT_RESULTS_ROOT / f"{out_name(scenario, setup)}{stamp}"
    if out_dir.exists() and not out_dir.is_dir():
        raise InputError([Problem("--out", str(out_dir), "is a file; expected a directory")])
    started = now_utc()
    result = requirement_of(setup, scenario.replications)
    requirement = result.requirement
    roster = rostering.solve_roster(
        requirement["required_rostered"].to_numpy(),
        patterns if patterns is not None else rostering.default_patterns(shift_hours),
        interval_minutes,
        source=str(shifts) if shifts is not None else "default shift patterns",
    )
    requirement = requirement.assign(rostered_cover=roster.cover)
    spread = staffing.service_spread(result.verification)
    staffed = place(scenario, setup, parsed)
    current_paid_hours = float(staffed.current.staff_per_minute().sum()) / 60.0

    write_table(requirement, out_dir / "requirement.csv")
    write_table(result.verification, out_dir / "verification.csv")
    write_table(spread, out_dir / "spread.csv")
    write_table(result.iterations, out_dir / "iterations.csv")
    text = rostering.roster_yaml(roster, staffed.header(roster))
    atomic_write(out_dir / "roster.yaml", lambda p: p.write_text(text))
    raw = apply_overrides(read_yaml_file(path), overrides)
    node = raw
    for key in staffed.key[:-1]:
        node = node[key]
    node[staffed.key[-1]] = rostering.roster_block(roster)
    raw["name"] = f"{scenario.name}-staffed"[:80]
    scenario_from_dict(raw, str(out_dir / "scenario.yaml"))  # the new scenario must be valid
    atomic_write(
        out_dir / "scenario.yaml",
        lambda p: p.write_text(yaml.safe_dump(raw, sort_keys=False, width=100)),
    )
    figure_path: Path | None = None
    try:
        from sim.report.staffing import requirement_figure

        figure = requirement_figure(requirement, staffed.title, staffed.noun)
    except ImportError:
        log.info("plotly not installed: requirement.csv only, no figure")
    else:
        figure_path = out_dir / "requirement.html"
        atomic_write(figure_path, lambda p: figure.write_html(p, include_plotlyjs="cdn"))
    what, name = staffed.manifest
    manifest = build_manifest(
        [scenario],
        scenario.seed,
        list(range(scenario.replications)),
        started,
        now_utc(),
        extra={
            "source": str(path),
            "overrides": list(overrides),
            what: name,
            "targets": [str(t) for t in parsed],
            "interval_minutes": interval_minutes,
            "shifts": str(shifts) if shifts is not None else "default",
            "converged": result.converged,
            "simulations": result.runs,
        },
    )
    write_json(manifest, out_dir / "manifest.json")
    return StaffOutcome(out_dir, result, roster, spread, current_paid_hours, figure_path)


@dataclass(frozen=True)
class FitOutcome:
    """What ``demandsim fit`` wrote: the scenario, the bad-data report, the diagnostic page.

    ``pngs`` lists the diagnostic figures written as PNG (with ``png_dir``).
    """

    out: Path
    report: Path
    report_text: str
    result: fit.FitResult
    html: Path
    pngs: list[Path]


def fit_scenario(
    incidents: Path,
    calls: Path | None,
    columns: Path | None,
    out: Path,
    html: Path | None = None,
    png_dir: Path | None = None,
) -> FitOutcome:
    """Fit a scenario from a CAD incident export and optionally a telephony export.

    Parameters
    ----------
    incidents, calls
        CSV exports (calls optional).
    columns
        Optional mapping YAML (column names, timestamp format, priority and channel codes).
    out
        Scenario YAML to write; the bad-data report goes beside it as ``<stem>.data-report.txt``.
    html
        The diagnostic report page (default ``<stem>.fit-report.html`` beside ``out``).
    png_dir
        Also write each diagnostic figure as a PNG here.

    Raises
    ------
    fit.FitDataError
        A missing required column or no usable rows.
    InputError
        If the fitted scenario does not validate (a bug in the fit).
    """
    mapping = fit.read_mapping(columns)
    inc = fit.read_incidents(incidents, mapping.incidents)
    cleaned_calls = fit.read_calls(calls, mapping.calls) if calls is not None else None
    name = "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in out.stem)[:80] or "fitted"
    result = fit.build_scenario(inc, cleaned_calls, name=name.lstrip("-_") or "fitted")
    read = {str(incidents): (inc.rows_read, inc.rows_kept)}
    if cleaned_calls is not None:
        read[str(calls)] = (cleaned_calls.rows_read, cleaned_calls.rows_kept)
    report_text = fit.issues_text(result.issues, read)
    scenario_from_dict(result.scenario, str(out))
    header = (
        f"Fitted by demandsim fit from {incidents}" + (f" and {calls}" if calls else "") + ".\n"
        "Each fitted value says its sample size and a goodness-of-fit figure;\n"
        "values marked ASSUMED were not in the data: check them before use.\n"
        "Data report:\n" + report_text
    )
    text = fit.scenario_yaml(result, header)
    out.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(out, lambda p: p.write_text(text))
    report = out.with_name(out.stem + ".data-report.txt")
    atomic_write(report, lambda p: p.write_text(report_text + "\n"))
    for issue in result.issues:
        log.warning("%s", issue.describe())
    from sim.report.fit_report import write_fit_report  # plotly is imported only for reports

    sources = [str(incidents)] + ([str(calls)] if calls else [])
    diagnostics = fit.fit_diagnostics(
        result, sources, report_text.splitlines(), title=f"How well {out.name} fits the data"
    )
    page = write_fit_report(
        diagnostics, html or out.with_name(out.stem + ".fit-report.html"), png_dir
    )
    return FitOutcome(out, report, report_text, result, page.html, page.pngs)
