"""``demandsim staff``: handlers or response units per interval to meet targets, then rosters."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from sim.app.outdir import claim_out_folder
from sim.app.run import DEFAULT_RESULTS_ROOT, make_executor
from sim.config import (
    InputError,
    Problem,
    Scenario,
    load_scenario,
    read_yaml_file,
    scenario_from_dict,
)
from sim.runs.results import build_manifest
from sim.runs.tables import now_utc

if TYPE_CHECKING:
    from sim.catalogue import MetricDef
    from sim.config import Roster
    from sim.planning.rostering import RosterSolution
    from sim.planning.targets import Target
    from sim.planning.verification import Estimate, StaffingResult

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class StaffOutcome:
    """What ``demandsim staff`` produced: the requirement, the roster, where they are."""

    out_dir: Path
    result: object  # sim.planning.staffing.StaffingResult
    roster: object  # sim.planning.rostering.RosterSolution
    spread: pd.DataFrame
    current_paid_hours: float
    figure: Path | None
    options: StaffOptions
    shifts_source: str  # where the shift patterns came from


@dataclass(frozen=True)
class StaffOptions:
    """The planner's settings of ``demandsim staff`` (see the command's help).

    ``interval_minutes`` ``None``: 30 for a pool, 60 for an area. ``confidence``
    is one-sided; ``tolerance`` in each target's unit. ``max_starts`` limits the
    roster's distinct start times; ``vary_by_day`` lets weekdays differ.
    """

    interval_minutes: int | None = None
    out_dir: Path | None = None
    overrides: Sequence[str] = ()
    shifts: Path | None = None
    workers: int = 1
    max_staff: int = 2000
    scheduler: str | None = None
    confidence: float = 0.95
    tolerance: float = 0.0
    max_replications: int = 20
    max_starts: int | None = None
    vary_by_day: bool = False
    compare_sipp: bool = False


def staff_scenario(
    path: Path,
    pool_id: str,
    targets: Sequence[str],
    options: StaffOptions = StaffOptions(),
    on_step: Callable[[str], None] | None = None,
    overwrite: bool = False,
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
    options
        Interval, results directory, overrides (``replications`` sets the
        replications the search starts with), shift patterns (default: the
        pool's own shifts), workers, confidence and tolerance, roster limits.
    on_step
        Called with a short description of each step (progress).
    overwrite
        Replace an earlier staffing result in ``out_dir`` (which must otherwise
        be new or empty).

    Raises
    ------
    InputError
        For a bad scenario, pool, target, interval or shift file, a target no
        number of handlers up to ``max_staff`` meets, or a requirement the
        shift patterns cannot cover (found before any simulation when the
        analytic estimate already cannot be covered).
    """
    from sim.planning import pool, staffing
    from sim.planning import targets as target_rules

    interval = options.interval_minutes or 30

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
        interval,
        options,
        metrics=target_rules.HANDLER_METRICS,
        resolve=lambda scenario, parsed: pool.resolve_pool(scenario, pool_id, parsed, interval),
        out_name=lambda scenario, setup: f"{scenario.name}-staff-",
        estimate_of=lambda setup: staffing.pool_estimate(setup, options.max_staff),
        requirement_of=lambda setup, estimate, replications, executor, confidence: (
            staffing.staffing_requirement(
                setup,
                replications,
                executor,
                confidence,
                options.compare_sipp,
                max_staff=options.max_staff,
                on_step=on_step,
                estimate=estimate,
            )
        ),
        overwrite=overwrite,
        shift_hours=(8.0, 10.0),
        place=place,
        on_step=on_step,
    )


def staff_area(
    path: Path,
    area_ref: str,
    targets: Sequence[str],
    options: StaffOptions = StaffOptions(),
    on_step: Callable[[str], None] | None = None,
    overwrite: bool = False,
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
    options
        As for :func:`staff_scenario` (``max_staff``: most units per interval;
        default shift patterns: the area's own unit shifts).
    on_step
        Called with a short description of each step (progress).
    overwrite
        Replace an earlier staffing result in ``out_dir`` (which must otherwise
        be new or empty).

    Raises
    ------
    InputError
        For a bad scenario, area, target, interval or shift file, a target no
        number of units up to ``max_staff`` meets, or a requirement the shift
        patterns cannot cover.
    """
    from sim.planning import area, unit_staffing
    from sim.planning import targets as target_rules

    interval = options.interval_minutes or 60

    def place(scenario: Scenario, setup: Any, parsed: list[Target]) -> _StaffedPlace:
        area = scenario.forces[setup.force_id].areas[setup.area_id]
        where = f"forces.{setup.force_id}.areas.{setup.area_id}"

        def header(roster: RosterSolution) -> str:
            return (
                f"Units roster for area '{setup.label}' of scenario '{scenario.name}' ({path}):\n"
                f"covers the requirement for {', '.join(str(t) for t in parsed)}\n"
                f"at {roster.paid_hours:,.1f} unit-hours a week ({roster.shifts} shifts). Paste "
                f"the roster: mapping as {where}.units, or run scenario.yaml beside it."
            )

        title = f"{scenario.name}: response units in area {setup.label}"
        key = ("forces", setup.force_id, "areas", setup.area_id, "units")
        return _StaffedPlace(area.units, header, key, title, "units", ("area", setup.label))

    return _staff(
        path,
        targets,
        interval,
        options,
        metrics=target_rules.UNIT_METRICS,
        resolve=lambda scenario, parsed: area.resolve_area(scenario, area_ref, parsed, interval),
        out_name=lambda scenario, setup: f"{scenario.name}-staff-{setup.area_id}-",
        estimate_of=lambda setup: unit_staffing.unit_estimate(setup, options.max_staff),
        requirement_of=lambda setup, estimate, replications, executor, confidence: (
            unit_staffing.unit_requirement(
                setup,
                replications,
                executor,
                confidence,
                options.compare_sipp,
                max_units=options.max_staff,
                on_step=on_step,
                estimate=estimate,
            )
        ),
        overwrite=overwrite,
        shift_hours=(10.0,),
        place=place,
        on_step=on_step,
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


#: The files ``staff`` writes in its results directory (``--overwrite`` deletes these).
STAFF_FILES = (
    "requirement.csv",
    "verification.csv",
    "spread.csv",
    "iterations.csv",
    "roster.yaml",
    "scenario.yaml",
    "requirement.html",
    "manifest.json",
)


def _holds_staffing(folder: Path) -> bool:
    """Whether a folder holds the results of ``demandsim staff`` (its manifest says so)."""
    import json

    try:
        manifest = json.loads((folder / "manifest.json").read_text())
    except (OSError, ValueError):
        return False
    return isinstance(manifest, dict) and {"targets", "interval_minutes"} <= set(manifest)


def _staff(
    path: Path,
    targets: Sequence[str],
    interval_minutes: int,
    options: StaffOptions,
    *,
    metrics: Mapping[str, MetricDef],
    resolve: Callable[[Scenario, list[Target]], Any],
    out_name: Callable[[Scenario, Any], str],
    estimate_of: Callable[[Any], Estimate],
    requirement_of: Callable[..., StaffingResult],
    shift_hours: tuple[float, ...],
    place: Callable[[Scenario, Any, list[Target]], _StaffedPlace],
    on_step: Callable[[str], None] | None,
    overwrite: bool = False,
) -> StaffOutcome:
    """Requirement, roster and results directory: the steps shared by both staff commands.

    Parameters
    ----------
    path, targets, interval_minutes, options
        As for :func:`staff_scenario` and :func:`staff_area`.
    metrics
        The metrics a target may name.
    resolve
        ``(scenario, targets) -> setup``: checks what is staffed.
    out_name
        ``(scenario, setup) -> name`` of the default results directory, before
        the timestamp (e.g. ``demo-staff-``).
    estimate_of
        ``setup -> Estimate``: the analytic first estimate (no simulation).
    requirement_of
        ``(setup, estimate, replications, executor, confidence) -> StaffingResult``.
    shift_hours
        Shift lengths, hours, of the fallback shift patterns (any hour).
    place
        ``(scenario, setup, targets) ->`` what is staffed and how to describe it.
    on_step
        Called with a short description of each step (progress).

    Raises
    ------
    InputError
        As for :func:`staff_scenario` and :func:`staff_area`.
    """
    import yaml

    from sim.config import apply_overrides
    from sim.files import atomic_write, write_json, write_table
    from sim.planning import rostering, shifts, verification
    from sim.planning import targets as target_rules
    from sim.scenarios.staffing import staffed_scenario_yaml

    step = on_step or (lambda text: None)
    problems: list[Problem] = []
    parsed = []
    for text in targets:
        try:
            parsed.append(target_rules.parse_target(text, metrics))
        except InputError as exc:
            problems.extend(exc.problems)
    if not 0.5 <= options.confidence < 1:
        problems.append(
            Problem("--confidence", f"{options.confidence:g}", "expected from 0.5 to below 1")
        )
    if options.tolerance < 0:
        problems.append(
            Problem("--tolerance", f"{options.tolerance:g}", "expected 0 or more (target's unit)")
        )
    patterns = shifts.load_patterns(options.shifts) if options.shifts is not None else None
    if problems:
        raise InputError(problems)
    scenario = load_scenario(path, options.overrides)
    setup = resolve(scenario, parsed)
    staffed = place(scenario, setup, parsed)
    source = str(options.shifts)
    if patterns is None:
        patterns = shifts.patterns_from_roster(staffed.current)
        source = "the scenario's own shifts"
    if patterns is None:
        patterns = shifts.default_patterns(shift_hours)
        source = "default shift patterns"
    out_dir = options.out_dir
    if out_dir is None:
        stamp = f"{datetime.now():%Y%m%d-%H%M%S}"
        out_dir = DEFAULT_RESULTS_ROOT / f"{out_name(scenario, setup)}{stamp}"

    def roster_for(requirement: Any) -> RosterSolution:
        return rostering.solve_roster(
            requirement,
            patterns,
            interval_minutes,
            source=source,
            max_starts=options.max_starts,
            vary_by_day=options.vary_by_day,
        )

    confidence = verification.Confidence(
        level=options.confidence,
        tolerance=options.tolerance,
        max_replications=max(options.max_replications, scenario.replications),
    )
    started = now_utc()
    # Entered first: worker processes start while the analytic estimate is computed.
    with make_executor(options.workers, options.scheduler) as running_on:
        # Fast feasibility: if the analytic estimate cannot be rostered, nothing simulated can.
        step("analytic estimate and roster feasibility")
        estimate = estimate_of(setup)
        roster_for(estimate.rostered)
        claim_out_folder(out_dir, STAFF_FILES, overwrite, _holds_staffing, "staffing")
        result = requirement_of(setup, estimate, scenario.replications, running_on, confidence)
    requirement = result.requirement
    step("rostering")
    roster = roster_for(requirement["required_rostered"].to_numpy())
    requirement = requirement.assign(rostered_cover=roster.cover)
    spread = verification.service_spread(result.verification)
    current_paid_hours = float(staffed.current.staff_per_minute().sum()) / 60.0

    write_table(requirement, out_dir / "requirement.csv")
    write_table(result.verification, out_dir / "verification.csv")
    write_table(spread, out_dir / "spread.csv")
    write_table(result.iterations, out_dir / "iterations.csv")
    text = rostering.roster_yaml(roster, staffed.header(roster))
    atomic_write(out_dir / "roster.yaml", lambda p: p.write_text(text))
    raw = staffed_scenario_yaml(
        apply_overrides(read_yaml_file(path), options.overrides),
        staffed.key,
        rostering.roster_block(roster),
        f"{scenario.name}-staffed",
    )
    scenario_from_dict(raw, str(out_dir / "scenario.yaml"))  # the new scenario must be valid
    atomic_write(
        out_dir / "scenario.yaml",
        lambda p: p.write_text(yaml.safe_dump(raw, sort_keys=False, width=100)),
    )
    figure_path: Path | None = None
    try:
        from sim.report.staffing import requirement_page

        page = requirement_page(requirement, staffed.title, staffed.noun, result.converged)
    except ImportError:
        log.info("plotly not installed: requirement.csv only, no figure")
    else:
        figure_path = out_dir / "requirement.html"
        atomic_write(figure_path, lambda p: p.write_text(page, encoding="utf-8"))
    what, name = staffed.manifest
    manifest = build_manifest(
        [scenario],
        scenario.seed,
        list(range(result.search_replications)),
        started,
        now_utc(),
        extra={
            "source": str(path),
            "overrides": list(options.overrides),
            what: name,
            "targets": [str(t) for t in parsed],
            "interval_minutes": interval_minutes,
            "shifts": source,
            "max_starts": options.max_starts,
            "vary_by_day": options.vary_by_day,
            "confidence": options.confidence,
            "tolerance": options.tolerance,
            "confirmed": result.converged,
            "simulations": result.runs,
            "replications_simulated": result.replications,
            "confirmation_replications": result.confirm_replications,
        },
    )
    write_json(manifest, out_dir / "manifest.json")
    return StaffOutcome(
        out_dir, result, roster, spread, current_paid_hours, figure_path, options, source
    )
