"""The staffing search: simulate, add staff or replications where a target is not yet sure, confirm.

Shared by handler (:mod:`sim.planning.staffing`) and unit
(:mod:`sim.planning.unit_staffing`) staffing. Starting from the analytic
requirement, every round simulates the staffing (replications ``0 .. n-1`` of
the scenario's seed, so every staffing is tried on the same calls: common
random numbers) and judges each interval at the stated confidence
(:func:`sim.planning.verification.judge_intervals`):

* an interval that holds every target is left alone;
* one shown short of a target at the same confidence (even the other
  one-sided bound is on the wrong side), or still undecided at
  ``max_replications``, gets one more handler or unit, and the round is
  repeated;
* when no interval is short but some are undecided (neither bound settles
  it), replications are added to the same staffing -- only the new ones are
  simulated -- doubling, up to ``max_replications``; then the round is judged
  again.

When every interval holds, a **confirmation run** simulates the staffing on
fresh seeds (no replication the search saw) with more replications
(``confirm_factor`` times, at least ``min_confirm``): the search picked
intervals whose replications happened to look good, and the fresh seeds take
that selection away. Only if every interval holds every target there too is
the staffing reported as verified. Otherwise the intervals that failed get one
more and the confirmation is repeated on the same fresh seeds (at most
``max_confirmations`` times; the same random numbers, so the intervals that
held are very nearly unchanged -- more staff nearby only helps -- and the
corrected ones are judged anew), and if it still
fails the result says so.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from sim.config import Roster, Scenario
from sim.planning.targets import Target
from sim.planning.verification import (
    Confidence,
    Estimate,
    Judgement,
    StaffingResult,
    interval_label,
    judge_intervals,
    rostered_for,
    verification_frame,
)
from sim.runs.executors import Executor
from sim.runs.memory_store import MemoryStore
from sim.runs.pipeline import simulate
from sim.runs.replicate import Reducer

log = logging.getLogger(__name__)

#: Figures of a target per replication (rows) and interval (columns), from reduced runs.
Figures = Callable[[Sequence[Any]], list[tuple[Target, np.ndarray]]]


@dataclass(frozen=True)
class FiguresReducer:
    """Reduce a replication, where it ran, to each target's figure per interval.

    ``keep`` takes what the figures need of the replication (the pool's
    calls, the area's incidents); ``figures`` turns that into one row per
    target and one column per interval of the week. Doing both in the worker
    spreads the figures' cost over the workers and sends back a few hundred
    numbers instead of every call.
    """

    keep: Reducer
    figures: Callable[[Any], np.ndarray]

    def __call__(self, output: Any, scenario: Scenario) -> np.ndarray:
        """Targets x intervals figures of this replication."""
        return self.figures(self.keep(output, scenario))


def stacked(targets: Sequence[Target]) -> Figures:
    """:data:`Figures` from replications reduced by a :class:`FiguresReducer`."""

    def figures(runs: Sequence[Any]) -> list[tuple[Target, np.ndarray]]:
        table = np.stack([np.asarray(run) for run in runs])  # replications x targets x intervals
        return [(target, table[:, k, :]) for k, target in enumerate(targets)]

    return figures


def fresh_seed(seed: int, attempt: int) -> int:
    """A seed whose replications share no random numbers with ``seed``'s (confirmation runs)."""
    return int(np.random.SeedSequence([seed, 0xC0FF1, attempt]).generate_state(1)[0])


@dataclass
class TrialRunner:
    """Simulates trial staffings through the run pipeline, keeping each trial's replications.

    Asking the same staffing and seed again for more replications runs only
    the new ones (:func:`sim.runs.pipeline.simulate` with a kept store).
    """

    build: Callable[[np.ndarray], Scenario]  # staff per interval -> scenario to simulate
    reducer: Reducer
    figures: Figures
    executor: Executor | None
    name: str
    simulations: int = 0  # distinct (staffing, seed) trials
    replications: int = 0  # replications simulated in all
    _key: tuple[bytes, int] | None = field(default=None, repr=False)
    _store: MemoryStore = field(default_factory=MemoryStore, repr=False)

    def run(
        self, staff: np.ndarray, replications: int, seed: int
    ) -> list[tuple[Target, np.ndarray]]:
        """Each target's figures per replication and interval for ``staff``."""
        key = (np.asarray(staff, dtype=np.int64).tobytes(), seed)
        if key != self._key:
            self._key, self._store = key, MemoryStore()
            self.simulations += 1
        before = len(self._store.results)
        scenario = self.build(staff).model_copy(update={"replications": replications, "seed": seed})
        runs = simulate([scenario], self.reducer, self.executor, self.name, store=self._store)
        self.replications += len(self._store.results) - before
        return self.figures(runs[scenario.name])


@dataclass(frozen=True)
class Verified:
    """A staffing after the search and the confirmation run."""

    staff: np.ndarray  # staff per interval
    verification: pd.DataFrame  # search rows, then confirmation rows (then SIPP, if asked)
    iterations: list[dict[str, object]]  # one row per simulation round
    confirmed: bool  # the (last) confirmation held every target in every interval
    search_replications: int
    confirm_replications: int


def _judged(figures: list[tuple[Target, np.ndarray]], confidence: Confidence) -> list[Judgement]:
    return [judge_intervals(target, per_run, confidence) for target, per_run in figures]


def _short(judged: list[Judgement], n: int, cap: int, level: float) -> np.ndarray:
    """Intervals to give one more: not held, and more replications would not make them hold.

    That is: shown short (even the other bound is on the wrong side), or the
    mean on the wrong side, or the mean on the right side but so close that
    even ``cap`` replications would not bring the bound across if the mean
    and spread stayed where they are (``(t s / margin)^2 > cap``, with the
    ``t`` of ``cap`` replications), or still not held at ``cap``. Deciding
    this at the first few replications, rather than only after doubling to
    the cap, is what keeps the search to a few cheap rounds.
    """
    t_cap = float(stats.t.ppf(level, max(cap - 1, 1)))
    bad = np.zeros(judged[0].mean.size, dtype=bool)
    for j in judged:
        with np.errstate(invalid="ignore", divide="ignore"):
            reachable = (j.margin > 0) & ((t_cap * j.sd / j.margin) ** 2 <= cap)
        bad |= ~j.held & (j.refuted | (n >= cap))
    return bad


def _row(step: str, staff: np.ndarray, hours: float, n: int, judged: list[Judgement]) -> dict:
    not_held = np.zeros(staff.size, dtype=bool)
    for j in judged:
        not_held |= ~j.held
    return {
        "step": step,
        "staff_hours": float(staff.sum()) * hours,
        "replications": n,
        "intervals_not_held": int(not_held.sum()),
    }


def search_staffing(
    trials: TrialRunner,
    staff: np.ndarray,
    seed: int,
    start_replications: int,
    interval_minutes: int,
    confidence: Confidence,
    max_rounds: int = 12,
    max_confirmations: int = 3,
    max_staff: int | None = None,
    step: Callable[[str], None] = lambda text: None,
) -> Verified:
    """Search from ``staff`` until every interval holds every target, then confirm.

    Parameters
    ----------
    trials
        Simulates a staffing (see :class:`TrialRunner`).
    staff
        The analytic staffing to start from, per interval.
    seed
        The scenario's seed (the search's replications); the confirmation
        runs use :func:`fresh_seed` of it.
    start_replications
        Replications per staffing to begin with (at least 3).
    interval_minutes
        Staffing interval, minutes.
    confidence
        Level, tolerance and replication limits.
    max_rounds
        Simulation rounds of the search at most (each one adds staff or replications).
    max_confirmations
        Confirmation runs at most.
    max_staff
        Most per interval (``None``: no cap).
    step
        Called with a short description before each simulation (progress).
    """
    hours = interval_minutes / 60
    cap = max(confidence.max_replications, start_replications, 3)
    n = max(3, start_replications)
    staff = np.asarray(staff, dtype=np.int64).copy()
    iterations: list[dict[str, object]] = []

    def add_one(where: np.ndarray) -> np.ndarray:
        more = staff.copy()
        more[where] += 1
        return more if max_staff is None else np.minimum(more, max_staff)

    judged: list[Judgement] = []
    for round_ in range(max_rounds):
        step(f"search round {round_ + 1}: simulating {n} replications")
        judged = _judged(trials.run(staff, n, seed), confidence)
        short = _short(judged, n, cap, confidence.level)
        iterations.append(_row(f"search-{round_ + 1}", staff, hours, n, judged))
        log.info("search round %d: %d intervals short at %d replications", round_, short.sum(), n)
        if short.any():
            grown = add_one(short)
            if np.array_equal(grown, staff):
                break  # at max_staff everywhere short: nothing more to try
            staff = grown
            continue
        if not any(j.close.any() for j in judged) or n >= cap:
            break
        # Doubling, not straight to the cap: most undecided intervals settle on the
        # way, and those shown short get staff at fewer replications.
        n = int(min(cap, 2 * n))
    search_rows = verification_frame(judged, interval_minutes, "fmmw", "search", confidence)

    confirmed = False
    confirm_n = 0
    confirmation = pd.DataFrame()
    confirm_n = max(confidence.min_confirm, math.ceil(confidence.confirm_factor * n))
    for attempt in range(max_confirmations):
        step(f"confirmation run {attempt + 1}: {confirm_n} replications on fresh seeds")
        judged = _judged(trials.run(staff, confirm_n, fresh_seed(seed, 0)), confidence)
        confirmation = verification_frame(
            judged, interval_minutes, "fmmw", "confirmation", confidence
        )
        iterations.append(_row(f"confirm-{attempt + 1}", staff, hours, confirm_n, judged))
        failed = np.zeros(staff.size, dtype=bool)
        for j in judged:
            failed |= ~j.held
        if not failed.any():
            confirmed = True
            break
        log.info("confirmation %d: %d intervals not held", attempt + 1, failed.sum())
        if attempt + 1 < max_confirmations:
            staff = add_one(failed)
    verification = pd.concat([search_rows, confirmation], ignore_index=True)
    return Verified(staff, verification, iterations, confirmed, n, confirm_n)


def finish(
    setup: Any,
    estimate: Estimate,
    verified: Verified,
    trials: TrialRunner,
    confidence: Confidence,
    compare_sipp: bool,
    current: Roster,
    shrinkage: float,
) -> StaffingResult:
    """The result of a search: the requirement table, the verification, what it took.

    With ``compare_sipp`` the SIPP staffing is simulated on the first
    confirmation's fresh seeds too (common random numbers), for comparison.
    """
    verification = verified.verification
    if compare_sipp:
        judged = _judged(
            trials.run(
                estimate.sipp, verified.confirm_replications, fresh_seed(setup.scenario.seed, 0)
            ),
            confidence,
        )
        sipp_rows = verification_frame(
            judged, setup.interval_minutes, "sipp", "confirmation", confidence
        )
        verification = pd.concat([verification, sipp_rows], ignore_index=True)
    per_interval = current.staff_per_minute().reshape(setup.intervals, setup.interval_minutes)
    requirement = pd.DataFrame(
        {
            "interval": np.arange(setup.intervals),
            "label": [interval_label(i, setup.interval_minutes) for i in range(setup.intervals)],
            **estimate.columns,
            "required_staff": verified.staff,
            "required_rostered": rostered_for(verified.staff, shrinkage),
            "current_rostered": per_interval.min(axis=1),
        }
    )
    notes = [] if estimate.converged else ["the redial iteration stopped at its cap"]
    if not verified.confirmed:
        notes.append("the confirmation run on fresh seeds did not hold every target")
    return StaffingResult(
        setup=setup,
        requirement=requirement,
        verification=verification,
        iterations=pd.DataFrame([*estimate.iterations, *verified.iterations]),
        converged=verified.confirmed,
        runs=trials.simulations,
        notes=notes,
        replications=trials.replications,
        search_replications=verified.search_replications,
        confirm_replications=verified.confirm_replications,
    )
