"""How many response units an area needs, interval by interval, to meet attendance targets.

The units counterpart of :mod:`sim.planning.staffing` (call handlers). Per interval of
the week (15, 30 or 60 minutes, Monday 00:00 first):

1. **Offered load**, computed from the scenario (:func:`sim.planning.load.area_offered_load`):
   the area's grade 1 and grade 2 incidents from its force's demand and
   grading, each with a unit on it for the dispatch decision, travel and on
   scene -- the infinite-server load, which lags the incident rate by the job
   length.
2. **Erlang C requirement.** Each interval is taken as a stationary M/M/c
   queue of units with that load, grade 1 and grade 2 together first come first
   served, and staffed with the fewest units for which the wait for a unit
   ``W`` plus the decision time and travel ``X`` (attendance ``= W + X``) meet
   every target (:func:`sim.planning.area.erlang_units`). Done twice: at the
   lagged load (*FMMW*) and at the interval's own incident rate times the mean
   job length (*SIPP*, the period-by-period baseline).
3. **Search and confirmation by simulation** (:mod:`sim.planning.search`):
   every interval must meet every target at the stated one-sided confidence,
   on the search's replications and on a confirmation run with fresh seeds.
   This absorbs what Erlang C leaves out: grade 1 goes before grade 2
   (non-preemptive priority), helping neighbours, diversions, non-exponential
   on-scene times, shift ends and the queues in front (abandoned calls, the
   desk and resolution teams).

Targets are written as for handlers, ``metric:segment[:stat]<=|>=value``, with
the response metrics of DESIGN §3: ``attended_within_target`` (%, grade 1 at the
area's target, grade 2 at the force's), ``attendance_time`` and
``dispatch_delay`` (minutes). Segments: ``grade1/AREA``, ``grade2/AREA``, or
``grade1``/``grade2`` -- always the incidents *in the staffed area* (a force
prefix ``FORCE/`` may lead). Units have no shrinkage: the rostered requirement
is the requirement.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import numpy as np

from sim.config import Scenario
from sim.planning.area import AreaSetup, erlang_units
from sim.planning.figures import AreaFigures, FiguresReducer
from sim.planning.load import area_offered_load
from sim.planning.search import TrialRunner, finish, search_staffing, stacked
from sim.planning.simulation import AreaIncidentsReducer
from sim.planning.verification import Confidence, Estimate, StaffingResult
from sim.runs.executors import Executor
from sim.scenarios.staffing import with_area_units

log = logging.getLogger(__name__)


def with_units(setup: AreaSetup, units: np.ndarray | int) -> Scenario:
    """The scenario with the area's units rostered at ``units`` per interval."""
    staff: int | list[int] = (
        int(units) if np.ndim(units) == 0 else [int(u) for u in np.asarray(units)]
    )
    return with_area_units(
        setup.scenario, setup.force_id, setup.area_id, setup.interval_minutes, staff
    )


def area_trials(setup: AreaSetup, executor: Executor | None) -> TrialRunner:
    """Trial unit rosters of the area, simulated through the run pipeline.

    Each replication is reduced to the targets' figures per interval in the
    worker that ran it (:class:`sim.planning.figures.FiguresReducer`).
    """
    return TrialRunner(
        lambda units: with_units(setup, units),
        FiguresReducer(
            AreaIncidentsReducer((setup.force_id, setup.area_id)), AreaFigures.of(setup)
        ),
        stacked(setup.targets),
        executor,
        f"{setup.scenario.name} unit staffing",
    )


def unit_estimate(setup: AreaSetup, max_units: int = 2000) -> Estimate:
    """SIPP and FMMW units from the computed load (no simulation).

    Raises
    ------
    InputError
        If some target is out of reach.
    """
    computed = area_offered_load(setup)
    sipp_load = computed.per_hour / 3600.0 * computed.job_s
    sipp = erlang_units(setup, sipp_load, computed.job_s, max_units)
    fmmw = erlang_units(setup, computed.load, computed.job_s, max_units)
    columns: dict[str, object] = {
        "incidents_per_hour": computed.per_hour,
        "sipp_load": sipp_load,
        "offered_load": computed.load,
        "job_s": computed.job_s,
        "sipp_staff": sipp,
        "fmmw_staff": fmmw,
    }
    return Estimate(fmmw, sipp, fmmw.copy(), columns, [], True)


def unit_requirement(
    setup: AreaSetup,
    replications: int,
    executor: Executor | None = None,
    confidence: Confidence | None = None,
    compare_sipp: bool = False,
    max_units: int = 2000,
    on_step: Callable[[str], None] | None = None,
    estimate: Estimate | None = None,
) -> StaffingResult:
    """Units per interval: Erlang C at the computed load, searched and confirmed by simulation.

    Parameters
    ----------
    setup
        Area, targets and interval (from :func:`resolve_area`).
    replications
        Replications per staffing to start the search with (the scenario's
        seed: every simulation sees the same incidents).
    executor
        Where every simulation runs (an entered :mod:`sim.runs.executors`
        executor); by default this process.
    confidence
        One-sided confidence, tolerance and replication limits.
    compare_sipp
        Also simulate the SIPP staffing on the confirmation's seeds.
    max_units
        Most units per interval considered.
    on_step
        Called with a short description before each simulation (progress).
    estimate
        The analytic estimate, if already made (:func:`unit_estimate`).

    Returns
    -------
    StaffingResult
        ``requirement`` has one row per interval (``required_staff`` the
        verified units, ``required_rostered`` the same: units have no
        shrinkage); ``verification`` the search's and the confirmation's figures.

    Raises
    ------
    InputError
        If some target is out of reach.
    """
    confidence = confidence or Confidence()
    estimate = estimate or unit_estimate(setup, max_units)
    trials = area_trials(setup, executor)
    verified = search_staffing(
        trials,
        estimate.staff,
        setup.scenario.seed,
        replications,
        setup.interval_minutes,
        confidence,
        max_staff=max_units,
        step=on_step or (lambda text: None),
    )
    units = setup.scenario.forces[setup.force_id].areas[setup.area_id].units
    return finish(setup, estimate, verified, trials, confidence, compare_sipp, units, 0.0)
