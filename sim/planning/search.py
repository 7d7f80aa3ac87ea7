"""The staffing search: simulate, add staff where a target is not yet safe, confirm.

Shared by handler (:mod:`sim.planning.staffing`) and unit
(:mod:`sim.planning.unit_staffing`) staffing. Starting from the analytic
requirement, every round simulates the staffing on the same replications
(``0 .. n-1`` of the scenario's seed, ``n`` = :data:`SEARCH_REPLICATIONS`
unless ``max_replications`` is lower: common random numbers, so two staffings
differ only where their staff do) and looks at each interval's mean and spread
(:func:`sim.planning.verification.judge_intervals`):

* an interval whose mean clears every target by what the confirmation's
  one-sided bound will need, plus :data:`SEARCH_SAFETY_SE` standard errors
  of the search's own mean, is kept as it is;
* one that even the upper bound of its mean shows short of that gets one more
  handler or unit at once -- no replications are spent on an interval that
  would at best only just hold -- and the round is repeated;
* the rest are unsure: when no interval is short, replications are added to
  the same staffing (doubling, only the new ones simulated, up to
  ``max_replications``, where an unsure interval whose mean does not clear the
  confirmation's margin gets one more after all).

An interval kept in an earlier round, whose figures moved only because a
neighbour got more, stays kept while its mean still clears the confirmation's
margin, so the search ends in a few rounds instead of chasing intervals on
the edge; and when a round gives one more to at most :data:`FEW_SHORT` of the
intervals and none is unsure, the confirmation judges them without another
search round.

Then a **confirmation run** simulates the staffing on fresh seeds (no
replication the search saw) with ``confirm_factor`` times ``max_replications``
(at least ``min_confirm``): the search picked intervals whose replications
happened to look good, and the fresh seeds take that selection away. Only if
every interval holds every target there -- its one-sided bound on the right
side -- is the staffing reported as verified. Otherwise the intervals that
failed get one more (two where even the mean missed; one also where the bound
held by less than :data:`EDGE` of its half-width, since the staff added
elsewhere moves every figure a little) and the confirmation is repeated on the
same fresh seeds (at most ``max_confirmations`` times); if it still fails the
result says so. Where every interval that failed has its mean on the right side
and twice the replications would bring its bound there (the mean staying put),
the confirmation is extended instead (doubling on the same fresh seeds, only the
new replications simulated, up to :data:`MAX_CONFIRM_GROWTH` times its first
size): a figure that more staff hardly move needs replications, not staff.
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

#: Replications per staffing in the search, unless ``--max-replications`` is lower.
#: The default cap (:class:`Confidence`) is this too, so by default every round of
#: the search simulates the cap at once: rounds with fewer only ever found the
#: hopeless intervals, and the rounds at the cap were still needed after them.
SEARCH_REPLICATIONS = 20
#: Standard errors of the search's mean an interval must be clear by, beyond
#: what the confirmation's bound will need, to be kept without one more.
SEARCH_SAFETY_SE = 1.0
#: When a search round gives one more to at most this share of the intervals,
#: the search ends there and the confirmation judges them. A round costs half a
#: confirmation, and the confirmation's own repair (one more where the bound
#: misses, two where even the mean does) settles what a second round would: on
#: the demo, three seeds, one round and two confirmations needed 100
#: replications, two rounds 120-160, for the same handler-hours (within 0.3%).
#: More rounds are for an analytic estimate short in most intervals.
FEW_SHORT = 0.5
#: A confirmation whose every failed interval would hold at twice the
#: replications (its mean staying put) is extended so, up to this many times its
#: first size, before staff are added.
MAX_CONFIRM_GROWTH = 4
#: After a failed confirmation, an interval whose bound cleared its target by
#: less than this share of its half-width gets one more too: the staff added
#: elsewhere moves every figure a little (redials' random numbers are drawn in
#: the order callers abandon, so common random numbers hold only until the
#: first changed abandonment), and each repeat of the confirmation costs as much
#: as the first. Measured on the demo: 0.1 needed three or four confirmations,
#: 0.5 two, for 0.9% more handler-hours (benchmarks/staffing.md).
EDGE = 0.5

#: Figures of a target per replication (rows) and interval (columns), from reduced runs.
Figures = Callable[[Sequence[Any]], list[tuple[Target, np.ndarray]]]


def stacked(targets: Sequence[Target]) -> Figures:
    """:data:`Figures` from replications reduced by :class:`sim.planning.figures.FiguresReducer`."""

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


def _sorted(
    judged: list[Judgement], n: int, cap: int, confirm_n: int, level: float, fresh: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Intervals to give one more now (short), and intervals not yet clear (unsure).

    The confirmation's bound will need the mean to clear the target by
    ``t s / sqrt(confirm_n)`` (the ``t`` of ``confirm_n`` replications). An
    interval is *short* when even the upper one-sided bound of its mean on the
    search's ``n`` replications falls below that: it gets one more at once, no
    replications being spent on an interval that would at best only just hold.
    One whose staffing is new (``fresh``: not yet judged clear at it) is clear
    when its mean clears that margin by :data:`SEARCH_SAFETY_SE` standard errors
    of its own more (``s / sqrt(n)``), so that it is likely to hold on fresh
    seeds too and the confirmation seldom has to be repeated; one judged clear
    before, whose figures moved only because a neighbour got more, needs only
    the confirmation's margin (otherwise every round would find a few intervals
    on the edge and the search would never end). Anything else is *unsure*:
    more replications, not more staff, settle it -- up to ``cap``, where one
    whose mean does not clear the confirmation's margin is short after all.
    """
    margin = float(stats.t.ppf(level, max(confirm_n - 1, 1))) / math.sqrt(confirm_n)
    t_n = float(stats.t.ppf(level, max(n - 1, 1)))
    safe = np.where(fresh, margin + SEARCH_SAFETY_SE / math.sqrt(n), margin)
    short = np.zeros(judged[0].mean.size, dtype=bool)
    unsure = np.zeros(judged[0].mean.size, dtype=bool)
    for j in judged:
        empty = j.replications == 0
        with np.errstate(invalid="ignore"):
            hopeless = ~empty & (j.margin + t_n * j.sd / math.sqrt(n) < margin * j.sd)
            clear = empty | (j.margin - margin * j.sd >= -1e-9)  # NaN spread: not clear
            safely = empty | (j.margin - safe * j.sd >= -1e-9)
        short |= hopeless | (~clear & (n >= cap))
        unsure |= ~safely & (n < cap)
    return short, unsure & ~short


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
    max_confirmations: int = 4,
    max_staff: int | None = None,
    step: Callable[[str], None] = lambda text: None,
) -> Verified:
    """Search from ``staff`` until every interval is likely to hold every target, then confirm.

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
        Replications per staffing in the search: at least this, and at least
        :data:`SEARCH_REPLICATIONS`, but not more than ``max_replications``.
    interval_minutes
        Staffing interval, minutes.
    confidence
        Level, tolerance and replication limits.
    max_rounds
        Simulation rounds of the search at most (each one adds staff).
    max_confirmations
        Confirmation runs at most.
    max_staff
        Most per interval (``None``: no cap).
    step
        Called with a short description before each simulation (progress).
    """
    hours = interval_minutes / 60
    cap = max(confidence.max_replications, 3)
    n = min(cap, max(3, start_replications, SEARCH_REPLICATIONS))
    confirm_n = max(confidence.min_confirm, math.ceil(confidence.confirm_factor * cap))
    staff = np.asarray(staff, dtype=np.int64).copy()
    iterations: list[dict[str, object]] = []

    def add_one(where: np.ndarray, twice: np.ndarray | None = None) -> np.ndarray:
        more = staff + where.astype(np.int64)
        if twice is not None:
            more += twice.astype(np.int64)
        return more if max_staff is None else np.minimum(more, max_staff)

    judged: list[Judgement] = []
    fresh = np.ones(staff.size, dtype=bool)
    for round_ in range(max_rounds):
        step(f"search round {round_ + 1}: simulating {n} replications")
        judged = _judged(trials.run(staff, n, seed), confidence)
        short, unsure = _sorted(judged, n, cap, confirm_n, confidence.level, fresh)
        iterations.append(_row(f"search-{round_ + 1}", staff, hours, n, judged))
        log.info(
            "search round %d: %d intervals short, %d unsure at %d replications",
            round_ + 1, short.sum(), unsure.sum(), n,
        )  # fmt: skip
        if not short.any():
            if not unsure.any():
                break  # every interval clear
            # Doubling, only the new replications simulated: most settle on the way.
            n = min(cap, 2 * n)
            fresh = unsure
            continue
        grown = add_one(short)
        if np.array_equal(grown, staff):
            break  # at max_staff where short
        fresh = (grown != staff) | unsure
        staff = grown
        if short.sum() <= FEW_SHORT * staff.size and not unsure.any():
            # A last few, each clear of the rest: the confirmation judges them with
            # everything else, rather than a search round of their own.
            break
    search_rows = verification_frame(judged, interval_minutes, "fmmw", "search", confidence)

    confirmed = False
    confirmation = pd.DataFrame()
    first_confirm_n = confirm_n
    attempt = runs = 0
    while attempt < max_confirmations:
        runs += 1
        step(f"confirmation run {runs}: {confirm_n} replications on fresh seeds")
        judged = _judged(trials.run(staff, confirm_n, fresh_seed(seed, 0)), confidence)
        confirmation = verification_frame(
            judged, interval_minutes, "fmmw", "confirmation", confidence
        )
        iterations.append(_row(f"confirm-{runs}", staff, hours, confirm_n, judged))
        failed = np.zeros(staff.size, dtype=bool)
        missed = np.zeros(staff.size, dtype=bool)
        on_edge = np.zeros(staff.size, dtype=bool)
        settles = np.ones(staff.size, dtype=bool)  # held, or twice the replications would do
        for j in judged:
            failed |= ~j.held
            missed |= ~j.held & (j.margin < 0)
            half = np.abs(j.mean - j.bound)
            with np.errstate(invalid="ignore"):
                on_edge |= j.held & (j.margin - half < EDGE * half)
            settles &= j.held | (j.needed <= 2 * confirm_n)
        if not failed.any():
            confirmed = True
            break
        log.info("confirmation %d: %d intervals not held", runs, failed.sum())
        if settles.all() and 2 * confirm_n <= MAX_CONFIRM_GROWTH * first_confirm_n:
            # Every interval that failed has its mean on the right side, close
            # enough for twice the replications to bring its bound there if the
            # mean stays: a figure more staff hardly moves (a grade 1 at night,
            # held up by travel, not by units) settles so, and more staff would
            # cost as many replications. Only the new replications are simulated.
            confirm_n *= 2
            continue  # not counted in max_confirmations: MAX_CONFIRM_GROWTH bounds it
        attempt += 1
        if attempt < max_confirmations:
            # Every repeat of the confirmation costs as much as the first, so the
            # repeat should hold: two more where even the mean misses (one more
            # seldom clears it by the margin the bound needs), and one more where
            # the bound held narrowly (EDGE) -- the staff added elsewhere moves
            # every figure a little, and one of those would otherwise tip over.
            staff = add_one(failed | on_edge, missed)
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
