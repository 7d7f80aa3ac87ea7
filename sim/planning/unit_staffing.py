"""How many response units an area needs, interval by interval, to meet attendance targets.

The units counterpart of :mod:`sim.planning.staffing` (call handlers). Per interval of
the week (15, 30 or 60 minutes, Monday 00:00 first):

1. **Offered load.** One simulation with ample units in the area (nobody
   waits for a unit, so no help from neighbours and no diversions are needed
   there) gives, per interval, the incidents the area's units attend (grade 1
   and grade 2, by the time they became ready) and the *offered load*: the
   mean number of the area's incidents with a unit on them (dispatch decision,
   travel and on scene; FMMW's infinite-server load, which lags the incident
   rate by the job length), read from the unit assignments.
2. **Erlang C requirement.** Each interval is taken as a stationary M/M/c
   queue of units with that load, grade 1 and grade 2 together first come first
   served, and staffed with the fewest units for which the wait for a unit
   ``W`` plus the decision time and travel ``X`` (attendance ``= W + X``) meet
   every target: ``P(W > t) = C(c, a) exp(-(c - a) t / s)`` (``s`` the mean
   job length), so ``P(W + X <= T) = E[1{X <= T} (1 - C exp(-(c - a)(T - X)/s))]``
   over the travel distribution. Done twice: at the lagged simulated load
   (*FMMW*) and at the interval's own incident rate times the mean job length
   (*SIPP*, the period-by-period baseline).
3. **Verification.** Simulate with the FMMW staffing; every interval's achieved
   figures get a 95% confidence interval across replications, and an interval
   whose interval lies wholly on the wrong side of a target gets one more unit,
   and so on (at most ``max_corrections`` rounds). This absorbs what Erlang C
   leaves out: grade 1 goes before grade 2 (non-preemptive priority), helping
   neighbours, diversions, non-exponential on-scene times and shift ends.

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
from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd

from sim.catalogue import PERCENTILES
from sim.config import MINUTES_PER_WEEK, SECONDS_PER_MINUTE, Scenario
from sim.metrics.windows import interval_edges, interval_of
from sim.planning.area import AreaSetup, erlang_units
from sim.planning.simulation import AreaIncidents, simulate_incidents
from sim.planning.targets import Target
from sim.planning.verification import (
    StaffingResult,
    interval_label,
    interval_percentiles,
    verification_frame,
    verify_staffing,
)
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


def area_load(
    runs: Sequence[AreaIncidents], interval_minutes: int
) -> tuple[np.ndarray, np.ndarray, float]:
    """Offered load, incident rate and mean job length of the area, per interval of the week.

    The load is the number of the area's incidents with a unit on them
    (dispatch to clear), averaged over each interval of the measured period and
    folded onto the week -- with ample units, the infinite-server load.

    Returns
    -------
    tuple
        Offered load (Erlangs) and grade 1 plus grade 2 incidents per hour,
        one value each per interval; mean job length, seconds.
    """
    intervals = MINUTES_PER_WEEK // interval_minutes
    area = np.zeros(intervals)
    length = np.zeros(intervals)
    count = np.zeros(intervals)
    work, jobs = 0.0, 0
    for run in runs:
        edges = interval_edges(run.horizon_s, interval_minutes)
        start, end = run.job_start_s, run.job_end_s
        # Integral of the number of jobs in progress: linear between events.
        times = np.concatenate([start, end])
        steps = np.concatenate([np.ones(start.size), -np.ones(end.size)])
        order = np.argsort(times, kind="stable")
        times, in_progress = times[order], np.cumsum(steps[order])
        if times.size:
            integral = np.concatenate([[0.0], np.cumsum(np.diff(times) * in_progress[:-1])])
            at_edges = np.interp(edges, times, integral, left=0.0, right=integral[-1])
        else:
            at_edges = np.zeros(edges.size)
        covered = np.diff(at_edges)
        slot = interval_of(edges[:-1], interval_minutes)
        np.add.at(area, slot, covered)
        np.add.at(length, slot, np.diff(edges))
        inside = (run.ready_s >= 0) & (run.ready_s < run.horizon_s)
        np.add.at(count, interval_of(run.ready_s[inside], interval_minutes), 1.0)
        measured = (start >= 0) & (start < run.horizon_s)
        work += float((end - start)[measured].sum())
        jobs += int(measured.sum())
    load = np.divide(area, length, out=np.zeros(intervals), where=length > 0)
    per_hour = np.divide(count, length / 3600.0, out=np.zeros(intervals), where=length > 0)
    return load, per_hour, work / jobs if jobs else 1.0


def area_interval_figures(
    run: AreaIncidents, setup: AreaSetup, target: Target, grade: int
) -> np.ndarray:
    """One replication's figure for a target in each interval of the week (NaN: no incidents)."""
    inside = (run.ready_s >= 0) & (run.ready_s < run.horizon_s) & (run.grade == grade)
    slot = interval_of(run.ready_s[inside], setup.interval_minutes)
    n = setup.intervals
    values = run.dispatch_min if target.metric == "dispatch_delay" else run.attendance_min
    values = values[inside]
    if target.metric == "attended_within_target":
        hits = np.bincount(slot, weights=values <= setup.within_min[grade], minlength=n)
        counted = np.bincount(slot, minlength=n).astype(float)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(counted > 0, 100.0 * hits / counted, np.nan)
    finite = np.isfinite(values)
    values, slot = values[finite], slot[finite]
    if target.stat == "mean":
        total = np.bincount(slot, weights=values, minlength=n)
        counted = np.bincount(slot, minlength=n)
        return np.where(counted > 0, total / np.maximum(counted, 1), np.nan)
    return interval_percentiles(slot, values, n, PERCENTILES[target.stat])


def area_verification_table(
    runs: Sequence[AreaIncidents], setup: AreaSetup, method: str
) -> pd.DataFrame:
    """Achieved figure per interval and target: mean and 95% t-interval across replications."""
    per_target = (
        (target, np.vstack([area_interval_figures(run, setup, target, grade) for run in runs]))
        for target, grade in zip(setup.targets, setup.target_grades, strict=True)
    )
    return verification_frame(per_target, setup.interval_minutes, method)


def unit_requirement(
    setup: AreaSetup,
    replications: int,
    executor: Executor | None = None,
    max_corrections: int = 6,
    max_units: int = 2000,
    on_step: Callable[[str], None] | None = None,
) -> StaffingResult:
    """Units per interval: Erlang C at the simulated load, corrected by simulation.

    Parameters
    ----------
    setup
        Area, targets and interval (from :func:`resolve_area`).
    replications
        Replications per simulation (the scenario's seed: every simulation
        sees the same incidents).
    executor
        Where every verification simulation runs (an entered
        :mod:`sim.runs.executors` executor); by default this process.
    max_corrections
        Verification rounds at most that add a unit where a target is missed
        beyond doubt.
    max_units
        Most units per interval considered.
    on_step
        Called with a short description before each simulation (progress).

    Returns
    -------
    StaffingResult
        ``requirement`` has one row per interval (``required_staff`` the
        verified units, ``required_rostered`` the same: units have no
        shrinkage); ``verification`` the FMMW and SIPP staffings' figures.

    Raises
    ------
    InputError
        If some target is out of reach.
    """
    step = on_step or (lambda text: None)
    where = (setup.force_id, setup.area_id)
    iterations: list[dict[str, object]] = []
    hours = setup.interval_minutes / 60
    current = setup.scenario.forces[setup.force_id].areas[setup.area_id].units.staff_per_minute()
    ample = int(min(max_units, 3 * current.max() + 20))
    runs = 0
    while True:
        step(f"simulating with ample units ({ample})")
        ample_runs = simulate_incidents(with_units(setup, ample), where, replications, executor)
        runs += 1
        waited = any(
            np.nanmax(r.dispatch_min * SECONDS_PER_MINUTE - setup.decision_s, initial=0.0) > 1e-6
            for r in ample_runs
        )
        iterations.append(
            {"step": f"ample-{ample}", "staff_hours": ample * setup.intervals * hours}
        )
        if not waited or ample >= max_units:
            break
        ample = min(max_units, 2 * ample)
    load, per_hour, job_s = area_load(ample_runs, setup.interval_minutes)
    sipp_load = per_hour / 3600.0 * job_s
    sipp = erlang_units(setup, sipp_load, job_s, max_units)
    fmmw = erlang_units(setup, load, job_s, max_units)

    def verify(trial: np.ndarray, method: str) -> pd.DataFrame:
        simulated = simulate_incidents(with_units(setup, trial), where, replications, executor)
        return area_verification_table(simulated, setup, method)

    def logged(correction: int, missed: int) -> None:
        log.info("verification %d: %d intervals missed", correction, missed)

    verified = verify_staffing(
        verify,
        fmmw.copy(),
        sipp,
        setup.interval_minutes,
        max_corrections,
        step,
        max_staff=max_units,
        on_round=logged,
    )
    staff = verified.staff
    iterations.extend(verified.iterations)
    runs += verified.simulations
    converged = verified.met
    per_interval = current.reshape(setup.intervals, setup.interval_minutes)
    requirement = pd.DataFrame(
        {
            "interval": np.arange(setup.intervals),
            "label": [interval_label(i, setup.interval_minutes) for i in range(setup.intervals)],
            "incidents_per_hour": per_hour,
            "sipp_load": sipp_load,
            "offered_load": load,
            "job_s": job_s,
            "sipp_staff": sipp,
            "fmmw_staff": fmmw,
            "required_staff": staff,
            "required_rostered": staff,
            "current_rostered": per_interval.min(axis=1),
        }
    )
    notes = [] if converged else ["some intervals still miss a target after the corrections"]
    return StaffingResult(
        setup=setup,  # type: ignore[arg-type]
        requirement=requirement,
        verification=verified.verification,
        iterations=pd.DataFrame(iterations),
        converged=converged,
        runs=runs,
        notes=notes,
    )
