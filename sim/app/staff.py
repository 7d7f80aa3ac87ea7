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
from sim.runs.executors import Executor
from sim.runs.results import build_manifest
from sim.runs.tables import now_utc

if TYPE_CHECKING:
    from sim.catalogue import MetricDef
    from sim.config import Roster
    from sim.planning.rostering import RosterSolution
    from sim.planning.targets import Target
    from sim.planning.verification import StaffingResult

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
    scheduler: str | None = None,
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
    scheduler
        Address of a Dask scheduler (``tcp://HOST:PORT``) to run the replications on.
    max_staff
        Most handlers per interval considered.
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
        shift patterns cannot cover.
    """
    from sim.planning import pool, staffing
    from sim.planning import targets as target_rules

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
        metrics=target_rules.HANDLER_METRICS,
        resolve=lambda scenario, parsed: pool.resolve_pool(
            scenario, pool_id, parsed, interval_minutes
        ),
        out_name=lambda scenario, setup: f"{scenario.name}-staff-",
        requirement_of=lambda setup, replications, executor: staffing.staffing_requirement(
            setup, replications, executor, max_staff=max_staff, on_step=on_step
        ),
        executor=lambda: make_executor(workers, scheduler),
        overwrite=overwrite,
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
    scheduler: str | None = None,
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
    scheduler
        Address of a Dask scheduler (``tcp://HOST:PORT``) to run the replications on.
    max_units
        Most units per interval considered.
    on_step
        Called with a short description of each step (progress).
    overwrite
        Replace an earlier staffing result in ``out_dir`` (which must otherwise
        be new or empty).

    Raises
    ------
    InputError
        For a bad scenario, area, target, interval or shift file, a target no
        number of units up to ``max_units`` meets, or a requirement the shift
        patterns cannot cover.
    """
    from sim.planning import area, unit_staffing
    from sim.planning import targets as target_rules

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
        metrics=target_rules.UNIT_METRICS,
        resolve=lambda scenario, parsed: area.resolve_area(
            scenario, area_ref, parsed, interval_minutes
        ),
        out_name=lambda scenario, setup: f"{scenario.name}-staff-{setup.area_id}-",
        requirement_of=lambda setup, replications, executor: unit_staffing.unit_requirement(
            setup, replications, executor, max_units=max_units, on_step=on_step
        ),
        executor=lambda: make_executor(workers, scheduler),
        overwrite=overwrite,
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
    out_dir: Path | None,
    overrides: Sequence[str],
    shifts: Path | None,
    *,
    metrics: Mapping[str, MetricDef],
    resolve: Callable[[Scenario, list[Target]], Any],
    out_name: Callable[[Scenario, Any], str],
    requirement_of: Callable[[Any, int, Executor], StaffingResult],
    executor: Callable[[], Executor],
    shift_hours: tuple[float, ...],
    place: Callable[[Scenario, Any, list[Target]], _StaffedPlace],
    overwrite: bool = False,
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
        ``(setup, replications, executor) -> StaffingResult``: the verified requirement.
    executor
        Makes the executor every verification simulation runs on (through
        :func:`sim.runs.pipeline.simulate`).
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
    from sim.planning import rostering, verification
    from sim.planning import targets as target_rules

    problems: list[Problem] = []
    parsed = []
    for text in targets:
        try:
            parsed.append(target_rules.parse_target(text, metrics))
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
    claim_out_folder(out_dir, STAFF_FILES, overwrite, _holds_staffing, "staffing")
    started = now_utc()
    with executor() as running_on:
        result = requirement_of(setup, scenario.replications, running_on)
    requirement = result.requirement
    roster = rostering.solve_roster(
        requirement["required_rostered"].to_numpy(),
        patterns if patterns is not None else rostering.default_patterns(shift_hours),
        interval_minutes,
        source=str(shifts) if shifts is not None else "default shift patterns",
    )
    requirement = requirement.assign(rostered_cover=roster.cover)
    spread = verification.service_spread(result.verification)
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
