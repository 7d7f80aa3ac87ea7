"""How many call handlers are needed, interval by interval, to meet service targets.

Two requirements are computed for one handler pool, per interval of the week
(15, 30 or 60 minutes, Monday 00:00 first):

* **SIPP** (stationary independent period by period), the quick analytic
  baseline: each interval is treated as a stationary queue with the interval's
  expected arrival rate (from the scenario's profile) times the mean handling
  time, and staffed with the smallest number of handlers that Erlang C (callers
  never hang up) or Erlang A (exponential patience with the channel's mean
  patience) says meets every target.
* **FMMW**, the iterative staffing algorithm of Feldman, Mandelbaum, Massey and
  Whitt (Management Science 54(2), 2008): simulate with ample staff; read the
  time-varying *offered load* -- the mean number of calls that would be in
  service if every call were answered on arrival (the infinite-server load),
  which lags the arrival rate by the handling time -- from the simulated calls;
  staff each interval with the Erlang requirement at that load; simulate again
  with the new staffing (abandoned callers ring again, so the offered load
  depends on the staffing) and repeat until the staffing stops changing. The
  result is then verified by simulation: every interval's achieved figures get
  a 95% confidence interval across replications, and an interval whose
  interval lies wholly on the wrong side of a target gets one more handler and
  the verification is repeated (at most ``max_corrections`` times). This last
  step absorbs what the Erlang model leaves out (priority of 999 over 101,
  non-exponential handling and patience).

Targets are written ``metric:segment[:stat]<=|>=value``, e.g.
``answered_within_target:999>=90`` (% of offered calls answered within the
channel's answer target) or ``answer_time:101:p90<=120`` (seconds).

The requirement is in handlers *taking calls*; the rostered requirement adds
the pool's shrinkage back (``available = round(rostered * (1 - shrinkage))``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd

from sim.catalogue import PERCENTILES
from sim.config import MINUTES_PER_WEEK, Scenario
from sim.metrics.windows import in_period, interval_edges, interval_of
from sim.planning.pool import (
    PoolSetup,
    erlang_requirement,
    expected_offered_load,
    sipp_loads,
)
from sim.planning.simulation import PoolCalls, simulate_calls
from sim.planning.targets import Target
from sim.planning.verification import (
    StaffingResult,
    interval_label,
    interval_percentiles,
    rostered_for,
    verification_frame,
    verify_staffing,
)
from sim.runs.executors import Executor
from sim.scenarios.staffing import with_pool_roster

log = logging.getLogger(__name__)


def with_staff(setup: PoolSetup, staff: np.ndarray) -> Scenario:
    """The scenario with the pool staffed by ``staff`` handlers per interval (no shrinkage)."""
    return with_pool_roster(setup.scenario, setup.pool_id, setup.interval_minutes, list(staff))


def offered_load(
    runs: Sequence[PoolCalls], interval_minutes: int, redials_only: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """Infinite-server offered load and mean handling time per interval of the week.

    Every call attempt is taken as if answered on arrival and kept for its
    talk plus wrap-up time; the number of such calls in progress, averaged over
    each interval of the measured period and folded onto the week, is the
    offered load (FMMW's ``m(t)``) in Erlangs. With ``redials_only``, only
    the redials count (the load that depends on the staffing).

    Returns
    -------
    tuple of numpy.ndarray
        Offered load (Erlangs) and mean handling time of the calls arriving in
        the interval (seconds; the overall mean where none arrived).
    """
    intervals = MINUTES_PER_WEEK // interval_minutes
    area = np.zeros(intervals)
    length = np.zeros(intervals)
    work = np.zeros(intervals)
    count = np.zeros(intervals)
    for run in runs:
        if redials_only:
            run = _redials(run)
        edges = interval_edges(run.horizon_s, interval_minutes)
        start, end = run.arrival_s, run.arrival_s + run.busy_s
        times = np.concatenate([start, end])
        steps = np.concatenate([np.ones(start.size), -np.ones(end.size)])
        order = np.argsort(times, kind="stable")
        times, in_progress = times[order], np.cumsum(steps[order])
        # Integral of the in-progress count from the first event: linear between events.
        if times.size:
            integral = np.concatenate([[0.0], np.cumsum(np.diff(times) * in_progress[:-1])])
            at_edges = np.interp(edges, times, integral, left=0.0, right=integral[-1])
        else:
            at_edges = np.zeros(edges.size)
        slot = interval_of(edges[:-1], interval_minutes)
        np.add.at(area, slot, np.diff(at_edges))
        np.add.at(length, slot, np.diff(edges))
        inside = in_period(run.arrival_s, run.horizon_s)
        arrival_slot = interval_of(run.arrival_s[inside], interval_minutes)
        np.add.at(work, arrival_slot, run.busy_s[inside])
        np.add.at(count, arrival_slot, 1.0)
    load = np.divide(area, length, out=np.zeros(intervals), where=length > 0)
    overall = work.sum() / count.sum() if count.sum() else 1.0
    aht = np.divide(work, count, out=np.full(intervals, overall), where=count > 0)
    return load, aht


def _redials(run: PoolCalls) -> PoolCalls:
    keep = run.attempt > 0
    return PoolCalls(
        replication=run.replication,
        horizon_s=run.horizon_s,
        **{
            name: getattr(run, name)[keep]
            for name in (
                "arrival_s",
                "busy_s",
                "wait_s",
                "answered",
                "abandoned",
                "within",
                "ref",
                "attempt",
            )
        },
    )


def interval_figures(run: PoolCalls, setup: PoolSetup, target: Target) -> np.ndarray:
    """One replication's figure for a target in each interval of the week (NaN: no calls)."""
    inside = in_period(run.arrival_s, run.horizon_s)
    inside &= np.isin(run.ref, list(setup.segments[target.segment]))
    slot = interval_of(run.arrival_s[inside], setup.interval_minutes)
    n = setup.intervals
    offered = np.bincount(slot, minlength=n).astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        if target.metric == "answered_within_target":
            hits = np.bincount(slot, weights=run.within[inside], minlength=n)
            return np.where(offered > 0, 100.0 * hits / offered, np.nan)
        if target.metric == "abandoned":
            hits = np.bincount(slot, weights=run.abandoned[inside], minlength=n)
            return np.where(offered > 0, 100.0 * hits / offered, np.nan)
        answered = run.answered[inside]
        waits, slots = run.wait_s[inside][answered], slot[answered]
        if target.stat == "mean":
            total = np.bincount(slots, weights=waits, minlength=n)
            counted = np.bincount(slots, minlength=n)
            return np.where(counted > 0, total / np.maximum(counted, 1), np.nan)
    return interval_percentiles(slots, waits, n, PERCENTILES[target.stat])


def verification_table(runs: Sequence[PoolCalls], setup: PoolSetup, method: str) -> pd.DataFrame:
    """Achieved figure per interval and target: mean and 95% t-interval across replications."""
    per_target = (
        (target, np.vstack([interval_figures(run, setup, target) for run in runs]))
        for target in setup.targets
    )
    return verification_frame(per_target, setup.interval_minutes, method)


def staffing_requirement(
    setup: PoolSetup,
    replications: int,
    executor: Executor | None = None,
    max_iterations: int = 8,
    max_corrections: int = 4,
    max_staff: int = 2000,
    on_step: Callable[[str], None] | None = None,
) -> StaffingResult:
    """FMMW iterative staffing, verified by simulation, beside the SIPP baseline.

    Parameters
    ----------
    setup
        Pool, targets and interval (from :func:`resolve_pool`).
    replications
        Replications per simulation (the scenario's seed; replication ``r`` uses
        the same random numbers in every simulation, so staffings are compared
        on the same calls).
    executor
        Where every verification simulation runs (an entered
        :mod:`sim.runs.executors` executor); by default this process.
    max_iterations
        FMMW iterations at most (each one simulation).
    max_corrections
        Verification rounds at most that add a handler where a target is missed
        beyond doubt.
    max_staff
        Largest number of handlers per interval considered.
    on_step
        Called with a short description before each simulation (progress).

    Raises
    ------
    InputError
        If some target is out of reach (more than ``max_staff`` handlers).
    """
    refs = setup.refs()
    step = on_step or (lambda text: None)
    arrivals, sipp_load, sipp_aht = sipp_loads(setup)
    sipp = erlang_requirement(setup, sipp_load, sipp_aht, max_staff)
    iterations: list[dict[str, object]] = []
    runs = 0

    # The load of first attempts does not depend on the staffing: computed exactly.
    # Redials do (abandoned callers ring again): read from simulation, starting
    # with ample staff (nobody waits, so nobody redials) and iterating.
    first_load = expected_offered_load(setup)
    redials = any(q.config.redial is not None for q in setup.queues)
    staff = np.full(setup.intervals, min(max_staff, int(3 * sipp.max() + 20)), dtype=np.int64)
    converged = False
    history: list[np.ndarray] = []
    redial_load = np.zeros(setup.intervals)
    load = first_load
    for iteration in range(max_iterations):
        if redials and iteration > 0:
            step(f"FMMW iteration {iteration + 1}: simulating")
            simulated = simulate_calls(with_staff(setup, staff), refs, replications, executor)
            runs += 1
            redial_load, _ = offered_load(simulated, setup.interval_minutes, redials_only=True)
        load = first_load + redial_load
        proposed = erlang_requirement(setup, load, sipp_aht, max_staff)
        if iteration > 1:
            # Fewer staff only mean more redials: from here the staffing only rises,
            # so simulation noise cannot make it flip back and forth.
            proposed = np.maximum(proposed, staff)
        changed = int(np.sum(proposed != staff))
        iterations.append(
            {
                "step": f"fmmw-{iteration + 1}",
                "staff_hours": float(staff.sum()) * setup.interval_minutes / 60,
                "redial_load_erlang_hours": float(redial_load.sum()) * setup.interval_minutes / 60,
                "next_staff_hours": float(proposed.sum()) * setup.interval_minutes / 60,
                "intervals_changed": changed,
            }
        )
        log.info("FMMW iteration %d: %d intervals changed", iteration + 1, changed)
        if changed == 0 or (not redials and iteration > 0):
            converged = True
            break
        if any(np.array_equal(proposed, h) for h in history):
            # A cycle (the staffing flips between values): take the larger of each.
            staff = np.maximum(proposed, staff)
            converged = True
            break
        history.append(staff)
        staff = proposed
        if not redials:
            converged = True
            break
    fmmw = staff.copy()

    # Verification; where a target is missed beyond doubt, one more handler.
    def verify(trial: np.ndarray, method: str) -> pd.DataFrame:
        simulated = simulate_calls(with_staff(setup, trial), refs, replications, executor)
        return verification_table(simulated, setup, method)

    verified = verify_staffing(verify, staff, sipp, setup.interval_minutes, max_corrections, step)
    staff = verified.staff
    iterations.extend(verified.iterations)
    runs += verified.simulations

    shrinkage = setup.scenario.handler_pools[setup.pool_id].shrinkage
    current = setup.scenario.handler_pools[setup.pool_id].roster.staff_per_minute()
    per_interval = current.reshape(setup.intervals, setup.interval_minutes)
    requirement = pd.DataFrame(
        {
            "interval": np.arange(setup.intervals),
            "label": [interval_label(i, setup.interval_minutes) for i in range(setup.intervals)],
            "calls_per_hour": arrivals,
            "sipp_load": sipp_load,
            "offered_load": load,
            "aht_s": sipp_aht,
            "sipp_staff": sipp,
            "fmmw_staff": fmmw,
            "required_staff": staff,
            "required_rostered": rostered_for(staff, shrinkage),
            "current_rostered": per_interval.min(axis=1),
        }
    )
    return StaffingResult(
        setup=setup,
        requirement=requirement,
        verification=verified.verification,
        iterations=pd.DataFrame(iterations),
        converged=converged,
        runs=runs,
    )
