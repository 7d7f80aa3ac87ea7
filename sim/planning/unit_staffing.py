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
import math
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.analytic.erlang import erlang_c
from sim.config import (
    MINUTES_PER_WEEK,
    SECONDS_PER_MINUTE,
    InputError,
    Problem,
    Roster,
    Scenario,
)
from sim.metrics.windows import in_period, interval_edges
from sim.model.records import Grade
from sim.model.replication import run_replication
from sim.planning.staffing import (
    INTERVAL_CHOICES,
    PERCENTILE_STATS,
    TARGET_FORM,
    MetricSpec,
    StaffingResult,
    Target,
    _quantiles,
    interval_label,
    interval_of,
    interval_percentiles,
    verification_frame,
    verify_staffing,
)

log = logging.getLogger(__name__)

#: Default staffing interval for units, minutes (jobs last about an hour).
DEFAULT_UNIT_INTERVAL = 60

#: Metrics an area target may name (DESIGN §3 metric names; times in minutes).
UNIT_METRICS: dict[str, MetricSpec] = {
    "attended_within_target": MetricSpec("%", ("value",), "value", ">=", 0.0, 100.0, False),
    "attendance_time": MetricSpec(
        "min", ("mean", *PERCENTILE_STATS), "mean", "<=", 0.0, 10_080.0, False
    ),
    "dispatch_delay": MetricSpec("min", ("mean", "p50", "p90"), "mean", "<=", 0.0, 10_080.0, False),
}

_GRADES = {"grade1": Grade.GRADE1, "grade2": Grade.GRADE2}
_TRAVEL_SAMPLES = 4000


# --------------------------------------------------------------------------- the area


@dataclass(frozen=True)
class AreaSetup:
    """The area being staffed and its targets, resolved against a scenario.

    ``target_grades`` gives the grade code (0 grade 1, 1 grade 2) each target
    is about; ``within_min`` each grade's attendance target, minutes.
    """

    scenario: Scenario
    force_id: str
    area_id: str
    targets: tuple[Target, ...]
    target_grades: tuple[int, ...]
    interval_minutes: int
    within_min: dict[int, float]
    decision_s: float  # dispatch decision time, seconds

    @property
    def intervals(self) -> int:
        """Intervals in a week."""
        return MINUTES_PER_WEEK // self.interval_minutes

    @property
    def label(self) -> str:
        """``force/area`` with several forces, else the area id."""
        return self.area_id if len(self.scenario.forces) == 1 else f"{self.force_id}/{self.area_id}"

    @property
    def pool_id(self) -> str:
        """What is staffed, for messages and tables shared with the handler version."""
        return f"area {self.label}"

    def travel_s(self) -> np.ndarray:
        """Stratified quantiles of the area's travel time, seconds."""
        travel = self.scenario.forces[self.force_id].areas[self.area_id].travel
        u = (np.arange(_TRAVEL_SAMPLES) + 0.5) / _TRAVEL_SAMPLES
        return _quantiles(travel, u)


def resolve_area(
    scenario: Scenario, area_ref: str, targets: Sequence[Target], interval_minutes: int
) -> AreaSetup:
    """Check the area, interval and targets against the scenario.

    Parameters
    ----------
    scenario
        The scenario.
    area_ref
        ``AREA`` (one force, or an id only one force has) or ``FORCE/AREA``.
    targets
        Parsed with :data:`UNIT_METRICS`.
    interval_minutes
        Staffing interval, minutes.

    Raises
    ------
    InputError
        For an unknown or ambiguous area, an interval a roster cannot hold, a
        target segment that is not this area's grade 1 or grade 2, or no target.
    """
    known = [(f, a) for f, force in scenario.forces.items() for a in force.areas]
    names = ", ".join(a if len(scenario.forces) == 1 else f"{f}/{a}" for f, a in known)
    if "/" in area_ref:
        force_id, _, area_id = area_ref.partition("/")
        matches = [(f, a) for f, a in known if (f, a) == (force_id, area_id)]
    else:
        matches = [(f, a) for f, a in known if a == area_ref]
    if len(matches) != 1:
        why = "no such response area" if not matches else "in several forces; give FORCE/AREA"
        raise InputError(
            [Problem("--area", area_ref, f"{why}; expected one of {names or '(none)'}")]
        )
    force_id, area_id = matches[0]
    force = scenario.forces[force_id]
    problems: list[Problem] = []
    if interval_minutes not in INTERVAL_CHOICES:
        problems.append(
            Problem(
                "--interval",
                str(interval_minutes),
                f"expected one of {', '.join(map(str, INTERVAL_CHOICES))} (minutes)",
            )
        )
    if not targets:
        problems.append(Problem("--target", "", f"missing; give at least one: {TARGET_FORM}"))
    allowed = {"grade1": Grade.GRADE1, "grade2": Grade.GRADE2}
    allowed |= {f"{g}/{area_id}": code for g, code in _GRADES.items()}
    allowed |= {f"{force_id}/{s}": code for s, code in list(allowed.items())}
    grades = []
    for target in targets:
        code = allowed.get(target.segment)
        if code is None:
            expected = ", ".join(f"grade1/{area_id}, grade2/{area_id}, grade1, grade2".split(", "))
            problems.append(
                Problem(
                    "--target",
                    str(target),
                    f"unknown segment '{target.segment}' for area {area_id}; expected one of "
                    f"{expected} (optionally led by '{force_id}/')",
                )
            )
        grades.append(code if code is not None else Grade.GRADE1)
    if problems:
        raise InputError(problems)
    response = force.response
    return AreaSetup(
        scenario=scenario,
        force_id=force_id,
        area_id=area_id,
        targets=tuple(targets),
        target_grades=tuple(grades),
        interval_minutes=interval_minutes,
        within_min={
            Grade.GRADE1: force.grade1_target_min(area_id),
            Grade.GRADE2: force.grade2_target_min(),
        },
        decision_s=response.dispatch_delay_s if response is not None else 0.0,
    )


# --------------------------------------------------------------------------- Erlang C


def attendance_meets(
    target: Target,
    within_min: float,
    units: int,
    load: float,
    job_s: float,
    delay_s: np.ndarray,
) -> bool:
    """Whether ``units`` units at an offered load meet a target, by Erlang C.

    Parameters
    ----------
    target
        An area target (``attended_within_target``, ``attendance_time`` or
        ``dispatch_delay``).
    within_min
        The grade's attendance target, minutes (``attended_within_target``).
    units
        Units on duty.
    load
        Offered load, Erlangs (incidents per second times mean job length).
    job_s
        Mean job length (decision, travel and on scene), seconds.
    delay_s
        Samples of the time added to the wait for a unit, seconds: decision
        plus travel for attendance, decision only for dispatch delay.

    Returns
    -------
    bool
        False when ``units <= load`` (the queue grows without bound).
    """
    if load <= 0.0:
        return True
    if units <= load:
        return False
    p_wait = erlang_c(units, load)
    decay = (units - load) / job_s  # per second
    if target.stat == "mean":
        return (p_wait / decay + float(delay_s.mean())) / SECONDS_PER_MINUTE <= target.value
    if target.metric == "attended_within_target":
        limit_s, share = within_min * SECONDS_PER_MINUTE, target.value / 100.0
    else:
        limit_s, share = target.value * SECONDS_PER_MINUTE, PERCENTILE_STATS[target.stat] / 100.0
    slack = limit_s - delay_s
    inside = slack >= 0
    achieved = float(np.mean(np.where(inside, 1.0 - p_wait * np.exp(-decay * slack), 0.0)))
    return achieved >= share - 1e-12


def erlang_units(setup: AreaSetup, loads: np.ndarray, job_s: float, max_units: int) -> np.ndarray:
    """Fewest units per interval that Erlang C says meet every target (at least 1).

    Raises
    ------
    InputError
        If a target is out of reach with ``max_units`` units in some interval
        (e.g. a target shorter than the travel allows).
    """
    travel = setup.travel_s()
    attend = setup.decision_s + travel
    decide = np.array([setup.decision_s])
    units = np.empty(len(loads), dtype=np.int64)
    for i, load in enumerate(loads):
        need = 1
        for target, grade in zip(setup.targets, setup.target_grades, strict=True):
            delay = decide if target.metric == "dispatch_delay" else attend
            within = setup.within_min[grade]
            start = max(need, math.floor(load) + 1)
            found = next(
                (
                    c
                    for c in range(start, max_units + 1)
                    if attendance_meets(target, within, c, float(load), job_s, delay)
                ),
                None,
            )
            if found is None:
                raise InputError(
                    [
                        Problem(
                            "--target",
                            str(target),
                            f"not reachable with {max_units} units in "
                            f"{interval_label(i, setup.interval_minutes)} (offered load "
                            f"{load:.1f}); expected a target that travel times allow "
                            "(or raise --max-staff)",
                        )
                    ]
                )
            need = max(need, found)
        units[i] = need
    return units


# --------------------------------------------------------------------------- simulation


@dataclass(frozen=True)
class AreaIncidents:
    """One replication's grade 1 and grade 2 incidents in the area, and its unit jobs.

    Times in seconds from Monday 00:00 of the measured period; attendance and
    dispatch delay in minutes (NaN: not attended, or not dispatched, by the end).
    """

    replication: int
    horizon_s: float
    ready_s: np.ndarray  # graded (ready for a unit)
    grade: np.ndarray
    attendance_min: np.ndarray
    dispatch_min: np.ndarray
    job_start_s: np.ndarray  # unit assignments on the area's incidents
    job_end_s: np.ndarray


def simulate_area(
    scenario: Scenario, replication: int, seed: int, where: tuple[str, str]
) -> AreaIncidents:
    """Run one replication and keep the incidents of area ``(force, area)``."""
    output = run_replication(scenario, replication, seed)
    index = next(i for i, a in enumerate(output.areas) if (a.force, a.area_id) == where)
    inc = output.incidents
    keep = (inc.area == index) & np.isin(inc.grade, (Grade.GRADE1, Grade.GRADE2))
    arrived = np.where(inc.arrived <= output.end_s, inc.arrived, np.nan)
    dispatched = np.where(inc.dispatched <= output.end_s, inc.dispatched, np.nan)
    jobs = output.assignments
    here = inc.area[jobs.incident] == index
    here &= np.isin(inc.grade[jobs.incident], (Grade.GRADE1, Grade.GRADE2))
    return AreaIncidents(
        replication=replication,
        horizon_s=output.horizon_s,
        ready_s=inc.graded_at[keep],
        grade=inc.grade[keep],
        attendance_min=((arrived - inc.graded_at) / SECONDS_PER_MINUTE)[keep],
        dispatch_min=((dispatched - inc.graded_at) / SECONDS_PER_MINUTE)[keep],
        job_start_s=jobs.start_s[here],
        job_end_s=np.minimum(jobs.end_s[here], output.end_s),
    )


def simulate(
    scenario: Scenario, where: tuple[str, str], replications: int, workers: int
) -> list[AreaIncidents]:
    """``replications`` replications (0, 1, ...) with the scenario's seed, in order."""
    args = (
        [scenario] * replications,
        range(replications),
        [scenario.seed] * replications,
        [where] * replications,
    )
    if workers <= 1 or replications <= 1:
        return [simulate_area(*a) for a in zip(*args, strict=True)]
    with ProcessPoolExecutor(max_workers=min(workers, replications)) as pool:
        return list(pool.map(simulate_area, *args))


def with_units(setup: AreaSetup, units: np.ndarray | int) -> Scenario:
    """The scenario with the area's units rostered at ``units`` per interval."""
    staff: int | list[int] = (
        int(units) if np.ndim(units) == 0 else [int(u) for u in np.asarray(units)]
    )
    roster = Roster(
        interval_minutes=setup.interval_minutes,  # type: ignore[arg-type]
        staff=staff,
        allow_gaps=True,
    )
    scenario = setup.scenario
    force = scenario.forces[setup.force_id]
    area = force.areas[setup.area_id].model_copy(update={"units": roster})
    force = force.model_copy(update={"areas": {**force.areas, setup.area_id: area}})
    return scenario.model_copy(update={"forces": {**scenario.forces, setup.force_id: force}})


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
        inside = in_period(run.ready_s, run.horizon_s)
        np.add.at(count, interval_of(run.ready_s[inside], interval_minutes), 1.0)
        measured = in_period(start, run.horizon_s)
        work += float((end - start)[measured].sum())
        jobs += int(measured.sum())
    load = np.divide(area, length, out=np.zeros(intervals), where=length > 0)
    per_hour = np.divide(count, length / 3600.0, out=np.zeros(intervals), where=length > 0)
    return load, per_hour, work / jobs if jobs else 1.0


def interval_figures(
    run: AreaIncidents, setup: AreaSetup, target: Target, grade: int
) -> np.ndarray:
    """One replication's figure for a target in each interval of the week (NaN: no incidents)."""
    inside = in_period(run.ready_s, run.horizon_s) & (run.grade == grade)
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
    return interval_percentiles(slot, values, n, PERCENTILE_STATS[target.stat])


def verification_table(
    runs: Sequence[AreaIncidents], setup: AreaSetup, method: str
) -> pd.DataFrame:
    """Achieved figure per interval and target: mean and 95% t-interval across replications."""
    per_target = (
        (target, np.vstack([interval_figures(run, setup, target, grade) for run in runs]))
        for target, grade in zip(setup.targets, setup.target_grades, strict=True)
    )
    return verification_frame(per_target, setup.interval_minutes, method)


# --------------------------------------------------------------------------- the algorithm


def unit_requirement(
    setup: AreaSetup,
    replications: int,
    workers: int = 1,
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
    workers
        Worker processes for the replications.
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
        ample_runs = simulate(with_units(setup, ample), where, replications, workers)
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
        simulated = simulate(with_units(setup, trial), where, replications, workers)
        return verification_table(simulated, setup, method)

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
