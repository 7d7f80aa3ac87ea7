"""How many call handlers are needed, interval by interval, to meet service targets.

Two requirements are computed for one handler pool, per interval of the week
(15, 30 or 60 minutes, Monday 00:00 first):

* **SIPP** (stationary independent period by period), the quick analytic
  baseline: each interval is treated as a stationary queue with the interval's
  expected arrival rate (from the scenario's profile) times the mean handling
  time, and staffed with the smallest number of handlers that Erlang C (callers
  never hang up) or Erlang A (exponential patience with the channel's mean
  patience) says meets every target.
* **FMMW**, after Feldman, Mandelbaum, Massey and Whitt (Management Science
  54(2), 2008): the same Erlang rule at the time-varying *offered load* -- the
  mean number of calls that would be in service if every call were answered on
  arrival, which lags the arrival rate by the handling time. The load of first
  attempts is computed exactly (:func:`sim.planning.load.expected_offered_load`);
  the load of redials depends on the staffing (abandoned callers ring again)
  and is estimated from Erlang A's abandonment at the staffing, iterated until
  the staffing stops changing -- analytically, with no simulation.

The FMMW staffing is then searched and verified by simulation
(:mod:`sim.planning.search`): each interval must meet every target at the
stated one-sided confidence, on the search's replications and again on a
confirmation run with fresh seeds. This absorbs what the Erlang model leaves
out (priority of 999 over 101, non-exponential handling and patience, redials'
timing). Only the contact side of the scenario is simulated: the pool's calls
do not depend on what happens to incidents, and the model gives the same calls
either way (:func:`sim.scenarios.staffing.contact_only`).

Targets are written ``metric:segment[:stat]<=|>=value``, e.g.
``answered_within_target:999>=90`` (% of offered calls answered within the
channel's answer target) or ``answer_time:101:p90<=120`` (seconds).

The requirement is in handlers *taking calls*; the rostered requirement adds
the pool's shrinkage back (``available = round(rostered * (1 - shrinkage))``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import numpy as np

from sim.analytic import erlang_a_figures
from sim.config import Scenario
from sim.planning.figures import FiguresReducer, PoolFigures
from sim.planning.load import expected_offered_load, sipp_loads
from sim.planning.pool import PoolSetup, erlang_requirement
from sim.planning.search import TrialRunner, finish, search_staffing, stacked
from sim.planning.simulation import PoolCallsReducer
from sim.planning.verification import (
    Confidence,
    Estimate,
    StaffingResult,
    rostered_for,
)
from sim.runs.executors import Executor
from sim.scenarios.staffing import contact_only, with_pool_roster
from sim.units import SECONDS_PER_HOUR

log = logging.getLogger(__name__)


def with_staff(setup: PoolSetup, staff: np.ndarray) -> Scenario:
    """The scenario with the pool staffed by ``staff`` handlers per interval (no shrinkage)."""
    return with_pool_roster(setup.scenario, setup.pool_id, setup.interval_minutes, list(staff))


def redial_load(
    setup: PoolSetup, staff: np.ndarray, load: np.ndarray, aht_s: np.ndarray
) -> np.ndarray:
    """Offered load of redials per interval at a staffing, from Erlang A's abandonment, Erlangs.

    Each queue's first attempts (its profile's rate) abandon with the
    probability Erlang A gives the pooled queue at ``load`` (all attempts) with
    the queue's mean patience; an abandoned caller rings again with the
    redial probability, up to ``max_attempts`` calls in all, each busy for the
    queue's mean handling time. The redial delay (a minute or a quarter of an
    hour) is taken as short against the interval.
    """
    hour = np.arange(setup.intervals) * setup.interval_minutes // 60
    extra = np.zeros(setup.intervals)
    for q in setup.queues:
        redial = q.config.redial
        if redial is None or q.patience_s is None:
            continue
        rates = q.rates_per_s[hour]
        for i in np.flatnonzero(rates > 0):
            figures = erlang_a_figures(
                float(load[i] / aht_s[i] * SECONDS_PER_HOUR),
                float(aht_s[i]),
                int(max(staff[i], 1)),
                q.patience_s,
                0.0,
            )
            x = (figures.p_abandon or 0.0) * redial.probability
            again = sum(x**k for k in range(1, redial.max_attempts))
            extra[i] += rates[i] * again * q.aht_s
    return extra


def pool_trials(setup: PoolSetup, executor: Executor | None) -> TrialRunner:
    """Trial staffings of the pool, simulated on the contact side of the scenario only.

    Each replication is reduced to the targets' figures per interval in the
    worker that ran it (:class:`sim.planning.figures.FiguresReducer`).
    """
    base = contact_only(setup.scenario)

    def build(staff: np.ndarray) -> Scenario:
        return with_pool_roster(base, setup.pool_id, setup.interval_minutes, list(staff))

    return TrialRunner(
        build,
        FiguresReducer(PoolCallsReducer(tuple(setup.refs())), PoolFigures.of(setup)),
        stacked(setup.targets),
        executor,
        f"{setup.scenario.name} staffing",
    )


def pool_estimate(setup: PoolSetup, max_staff: int = 2000, max_iterations: int = 20) -> Estimate:
    """SIPP and FMMW staffing from the analytic loads (no simulation; see the module docstring).

    Raises
    ------
    InputError
        If some target is out of reach (more than ``max_staff`` handlers).
    """
    hours = setup.interval_minutes / 60
    arrivals, sipp_load, sipp_aht = sipp_loads(setup)
    sipp = erlang_requirement(setup, sipp_load, sipp_aht, max_staff)
    iterations: list[dict[str, object]] = []
    # The load of first attempts does not depend on the staffing: computed exactly.
    # Redials do: from Erlang A's abandonment at the staffing, iterated from no
    # redials. Fewer staff only mean more redials, so the staffing only rises.
    first_load = expected_offered_load(setup)
    extra = np.zeros(setup.intervals)
    staff = erlang_requirement(setup, first_load, sipp_aht, max_staff)
    converged = not any(q.config.redial is not None for q in setup.queues)
    for iteration in range(max_iterations):
        if converged:
            break
        previous, extra = extra, redial_load(setup, staff, first_load + extra, sipp_aht)
        proposed = erlang_requirement(setup, first_load + extra, sipp_aht, max_staff, staff)
        changed = int(np.sum(proposed != staff))
        iterations.append(
            {
                "step": f"fmmw-{iteration + 1}",
                "staff_hours": float(staff.sum()) * hours,
                "redial_load_erlang_hours": float(extra.sum()) * hours,
                "next_staff_hours": float(proposed.sum()) * hours,
                "intervals_changed": changed,
            }
        )
        # Settled when the staffing stands and the redial load with it (redials add
        # load, which adds abandonment: a fixed point, reached from below).
        staff = proposed
        converged = changed == 0 and float(np.max(np.abs(extra - previous))) < 0.01
    shrinkage = setup.scenario.handler_pools[setup.pool_id].shrinkage
    columns: dict[str, object] = {
        "calls_per_hour": arrivals,
        "sipp_load": sipp_load,
        "offered_load": first_load + extra,
        "aht_s": sipp_aht,
        "sipp_staff": sipp,
        "fmmw_staff": staff,
    }
    return Estimate(staff, sipp, rostered_for(staff, shrinkage), columns, iterations, converged)


def staffing_requirement(
    setup: PoolSetup,
    replications: int,
    executor: Executor | None = None,
    confidence: Confidence | None = None,
    compare_sipp: bool = False,
    max_staff: int = 2000,
    on_step: Callable[[str], None] | None = None,
    estimate: Estimate | None = None,
) -> StaffingResult:
    """FMMW staffing, searched and confirmed by simulation, beside the SIPP baseline.

    Parameters
    ----------
    setup
        Pool, targets and interval (from :func:`resolve_pool`).
    replications
        Replications per staffing to start the search with (the scenario's
        seed; replication ``r`` uses the same random numbers in every
        simulation, so staffings are compared on the same calls).
    executor
        Where every simulation runs (an entered :mod:`sim.runs.executors`
        executor); by default this process.
    confidence
        One-sided confidence, tolerance and replication limits (default
        :class:`Confidence`).
    compare_sipp
        Also simulate the SIPP staffing on the confirmation's seeds.
    max_staff
        Largest number of handlers per interval considered.
    on_step
        Called with a short description before each simulation (progress).
    estimate
        The analytic estimate, if already made (:func:`pool_estimate`).

    Raises
    ------
    InputError
        If some target is out of reach (more than ``max_staff`` handlers).
    """
    confidence = confidence or Confidence()
    estimate = estimate or pool_estimate(setup, max_staff)
    trials = pool_trials(setup, executor)
    verified = search_staffing(
        trials,
        estimate.staff,
        setup.scenario.seed,
        replications,
        setup.interval_minutes,
        confidence,
        max_staff=max_staff,
        step=on_step or (lambda text: None),
    )
    pool = setup.scenario.handler_pools[setup.pool_id]
    return finish(
        setup, estimate, verified, trials, confidence, compare_sipp, pool.roster, pool.shrinkage
    )
