"""The staffing search holds: re-simulated on unseen seeds, every interval meets its target.

The check that matters (issue 16): the returned staffing, simulated with many
more replications on seeds the search never saw, meets every target in every
interval at the stated confidence, within tolerance. "Meets at the stated
confidence" is read as a test would: the long-run figure is not shown to be
below the target -- the *other* one-sided bound of the fresh replications is
on the right side. So the test has teeth, the same check is shown to fail for
the analytic (Erlang) staffing the search started from.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from scipy import stats

from sim.analytic import agents_for_service_level
from sim.config import scenario_from_dict
from sim.planning.figures import interval_percentiles
from sim.planning.pool import resolve_pool
from sim.planning.search import SEARCH_REPLICATIONS, TrialRunner, fresh_seed, search_staffing
from sim.planning.staffing import pool_estimate, pool_trials, staffing_requirement
from sim.planning.targets import parse_target
from sim.planning.verification import Confidence, judge_intervals
from sim.runs.executors import ProcessExecutor
from tests.helpers import single_queue

#: A day with a morning rise and an evening peak.
DAY = [1.0, 0.7, 0.5, 0.4, 0.4, 0.5, 1.0, 2.0, 3.0, 3.5, 3.6, 3.5,
       3.4, 3.3, 3.2, 3.2, 3.3, 3.5, 3.8, 4.0, 3.6, 3.0, 2.2, 1.5]  # fmt: skip


def contact_scenario(channels: dict[str, Any], days: float, name: str) -> Any:
    return scenario_from_dict(
        {
            "name": name,
            "days": days,
            "warmup_days": 0.5,
            "seed": 11,
            "replications": 4,
            "forces": {"f": {"channels": channels}},
            "handler_pools": {"pool": {"serves": list(channels), "roster": {"staff": 30}}},
        }
    )


def long_tailed_101(days: float = 7) -> Any:
    """101 only, handling lognormal with a long tail (sd twice the mean), 80% in 60 s."""
    return contact_scenario(
        {
            "101": {
                "volume_per_year": 30 * 8760,
                "profile": {"hourly": DAY},
                "handling": {"distribution": "lognormal", "mean_s": 300, "sd_s": 600},
                "patience": {"distribution": "exponential", "mean_s": 600},
                "answer_target_s": 60,
            }
        },
        days,
        "longtail",
    )


def mixed_999_101(days: float = 7) -> Any:
    """999 (answered first) and 101 through one pool, time-varying, with redials."""
    return contact_scenario(
        {
            "999": {
                "volume_per_year": 12 * 8760,
                "profile": {"hourly": DAY[-5:] + DAY[:-5]},
                "handling": {"distribution": "lognormal", "median_s": 240, "p90_s": 540},
                "patience": {"distribution": "lognormal", "median_s": 180, "p90_s": 720},
                "redial": {
                    "probability": 0.8,
                    "delay": {"distribution": "exponential", "mean_s": 60},
                },
                "answer_target_s": 10,
            },
            "101": {
                "volume_per_year": 25 * 8760,
                "profile": {"hourly": DAY},
                "handling": {"distribution": "lognormal", "mean_s": 360, "sd_s": 240},
                "patience": {"distribution": "exponential", "mean_s": 480},
                "answer_target_s": 120,
            },
        },
        days,
        "mixed",
    )


def unseen_check(setup: Any, staff: np.ndarray, replications: int, executor: Any, level: float,
                 tolerance: float) -> dict[str, np.ndarray]:  # fmt: skip
    """Per target and interval: not shown on the wrong side of the target, on never-seen seeds.

    For a ``>=`` target an interval is refuted when even the upper one-sided
    bound (at ``level``) of the fresh replications is below the target less
    tolerance; for ``<=``, when the lower bound is above it plus tolerance.
    """
    trials = pool_trials(setup, executor)
    seed = fresh_seed(setup.scenario.seed, 99)  # neither the search's nor its confirmation's
    assert seed not in {setup.scenario.seed, fresh_seed(setup.scenario.seed, 0)}
    result = {}
    for target, per_run in trials.run(staff, replications, seed):
        n = np.sum(~np.isnan(per_run), axis=0)
        mean = np.nanmean(per_run, axis=0)
        half = stats.t.ppf(level, np.maximum(n - 1, 1)) * np.nanstd(per_run, axis=0, ddof=1)
        half /= np.sqrt(np.maximum(n, 1))
        if target.op == ">=":
            ok = mean + half >= target.value - tolerance
        else:
            ok = mean - half <= target.value + tolerance
        result[str(target)] = ok | (n < 2)
    return result


CASES = [
    (long_tailed_101, ["answered_within_target:101>=80"], 60, 7),
    (mixed_999_101, ["answered_within_target:999>=90", "answer_time:101:p90<=120"], 60, 7),
]


def _holds_on_unseen_seeds(build, targets, interval, days, unseen, executor) -> None:
    setup = resolve_pool(build(days), "pool", [parse_target(t) for t in targets], interval)
    confidence = Confidence(level=0.95, tolerance=0.0, max_replications=16, min_confirm=16)
    result = staffing_requirement(setup, 4, executor, confidence)
    assert result.converged, result.notes
    staff = result.requirement["required_staff"].to_numpy()
    checked = unseen_check(setup, staff, unseen, executor, 0.95, 0.0)
    for target, ok in checked.items():
        assert ok.all(), (target, np.flatnonzero(~ok))
    # Teeth: the check refutes one handler less in the intervals the search did not
    # raise above the Erlang estimate -- the staffing is tight, and the check can fail.
    estimate = pool_estimate(setup).staff
    fewer = np.where(staff > estimate, staff, np.maximum(staff - 1, 1))
    refuted = unseen_check(setup, fewer, unseen, executor, 0.95, 0.0)
    assert sum(int((~ok).sum()) for ok in refuted.values()) >= 3
    # ... and the search paid for its confidence with little more than Erlang asked.
    assert staff.sum() <= 1.25 * estimate.sum()
    assert np.all(staff >= estimate)


@pytest.mark.parametrize(("build", "targets", "interval", "days"), CASES)
def test_staffing_holds_on_seeds_the_search_never_saw(build, targets, interval, days) -> None:
    with ProcessExecutor(2) as executor:
        _holds_on_unseen_seeds(build, targets, interval, days, 60, executor)


@pytest.mark.slow
@pytest.mark.parametrize(("build", "targets"), [(c[0], c[1]) for c in CASES])
def test_half_hour_staffing_holds_on_200_unseen_replications(build, targets) -> None:
    with ProcessExecutor(2) as executor:
        _holds_on_unseen_seeds(build, targets, 30, 14, 200, executor)


@pytest.mark.slow
def test_stationary_requirement_is_the_erlang_c_number_in_every_interval() -> None:
    """Constant demand and staff: search and confirmation add nothing to Erlang C's minimum.

    The goal sits just above what one handler fewer achieves (Erlang C: 75.9% at
    13, 86.1% at 14), so the minimum has ten points of slack: a search that
    added staff where it was not needed, or one that read a noisy load, would
    show here in some of the 168 hours.
    """
    scenario = single_queue(100, 360, 14, target_s=20, days=28, replications=4)
    target = parse_target("answered_within_target:101>=76.5")
    setup = resolve_pool(scenario, "pool", [target], 60)
    erlang = agents_for_service_level(100, 360, 20, 0.765)
    assert erlang == 14
    with ProcessExecutor(2) as executor:
        result = staffing_requirement(setup, 4, executor, Confidence())
    assert result.converged
    assert set(result.requirement["fmmw_staff"]) == {erlang}
    assert set(result.requirement["required_staff"]) == {erlang}


def test_more_replications_run_only_the_new_ones() -> None:
    scenario = single_queue(60, 300, 8, days=2, replications=2)
    setup = resolve_pool(scenario, "pool", [parse_target("answered_within_target:101>=80")], 60)
    trials: TrialRunner = pool_trials(setup, None)
    staff = np.full(setup.intervals, 8)
    few = trials.run(staff, 3, 5)
    many = trials.run(staff, 5, 5)
    assert (trials.simulations, trials.replications) == (1, 5)
    np.testing.assert_array_equal(many[0][1][:3], few[0][1])  # the same first three
    trials.run(staff + 1, 3, 5)
    assert (trials.simulations, trials.replications) == (2, 8)


def test_judge_one_sided_bound_and_replications_needed() -> None:
    target = parse_target("answered_within_target:101>=80")
    rng = np.random.default_rng(3)
    per_run = rng.normal([70.0, 81.0, 95.0, np.nan], 4.0, size=(10, 4))
    per_run[:, 3] = np.nan
    j = judge_intervals(target, per_run, Confidence(level=0.95))
    half = stats.t.ppf(0.95, 9) * per_run[:, :3].std(axis=0, ddof=1) / np.sqrt(10)
    np.testing.assert_allclose(j.bound[:3], per_run[:, :3].mean(axis=0) - half)
    assert j.held.tolist() == [False, False, True, True]  # no calls: nothing to miss
    assert j.close.tolist() == [False, True, False, False]
    assert 10 < j.needed[1] < np.inf
    # A tolerance of 15 points lets the first interval's bound hold too.
    assert judge_intervals(target, per_run, Confidence(level=0.95, tolerance=15.0)).held[0]


def test_interval_percentiles_are_numpys_to_the_last_bit() -> None:
    rng = np.random.default_rng(8)
    for _ in range(50):
        n = int(rng.integers(1, 40))
        size = int(rng.integers(0, 400))
        slots = rng.integers(0, n, size)
        values = rng.exponential(30.0, size).round(int(rng.integers(0, 3)))  # ties too
        q = float(rng.choice([50.0, 90.0, 95.0, rng.uniform(0, 100)]))
        expected = [np.percentile(values[slots == i], q) if (slots == i).any() else np.nan
                    for i in range(n)]  # fmt: skip
        np.testing.assert_array_equal(interval_percentiles(slots, values, n, q), expected)


class Synthetic:
    """A stand-in for :class:`TrialRunner`: each interval's figure rises with its staff.

    Interval ``i`` answers ``base + step * (staff - need_i)`` per cent, plus
    noise drawn from the seed and replication -- the same noise for every
    staffing (common random numbers), fresh noise for a fresh seed.
    ``confirm_offset`` lowers every figure on seeds other than ``search_seed``:
    a search fooled by its own replications.
    """

    def __init__(self, need: np.ndarray, search_seed: int, confirm_offset: float = 0.0):
        self.need, self.search_seed, self.offset = need, search_seed, confirm_offset
        self.target = parse_target("answered_within_target:101>=80")
        self.calls: list[tuple[int, int]] = []

    def run(self, staff: np.ndarray, replications: int, seed: int) -> list:
        self.calls.append((replications, seed))
        noise = np.random.default_rng(seed).normal(0.0, 3.0, (replications, staff.size))
        figure = 80.0 + 6.0 * (staff - self.need) + noise
        if seed != self.search_seed:
            figure = figure - self.offset
        return [(self.target, np.minimum(figure, 100.0))]


def test_search_adds_where_needed_in_a_few_rounds_and_confirms_on_fresh_seeds() -> None:
    need = np.repeat([5, 7, 9, 12], 42)  # a week of hours
    trials = Synthetic(need, search_seed=1)
    start = need - 2  # the analytic estimate two short everywhere
    verified = search_staffing(trials, start, 1, 5, 60, Confidence())
    assert verified.confirmed
    # At the need the figure is 80 on average: one more (86) is what holds. An
    # interval the search's noise let through at the need misses on the fresh
    # seeds and gets two more; none is left at the need or below.
    extra = verified.staff - need
    assert extra.min() >= 1 and extra.max() <= 2
    assert np.mean(extra == 1) >= 0.9
    search_rounds = [c for c in trials.calls if c[1] == 1]
    assert len(search_rounds) <= 6  # two short each time, then the unsure settled
    assert {c[0] for c in search_rounds} <= {SEARCH_REPLICATIONS, 2 * SEARCH_REPLICATIONS}
    fresh = [c for c in trials.calls if c[1] != 1]
    assert fresh and {c[0] for c in fresh} == {2 * Confidence().max_replications}
    confirmation = verified.verification.query("stage == 'confirmation'")
    assert confirmation["held"].all() and (confirmation["bound"] >= 80.0).all()


def test_never_verified_unless_the_confirmation_holds() -> None:
    """Fresh seeds that always come out 30 points worse: the search cannot buy its way out."""
    need = np.full(168, 6)
    trials = Synthetic(need, search_seed=1, confirm_offset=30.0)
    verified = search_staffing(
        trials, need, 1, 5, 60, Confidence(), max_confirmations=2, max_staff=8
    )
    assert not verified.confirmed
    confirmation = verified.verification.query("stage == 'confirmation'")
    assert not confirmation["held"].all()
    assert (verified.staff == 8).all()  # more was tried, up to max_staff


class OneFlatInterval(Synthetic):
    """As :class:`Synthetic`, but interval 0 is 81% whatever its staff, spread 4.5 points.

    Such a figure (a grade 1 at night, held up by travel rather than units) fails
    a 40-replication bound (80.0 less about 1.2) and holds at 80 (less about 0.85).
    """

    def run(self, staff: np.ndarray, replications: int, seed: int) -> list:
        ((target, figure),) = super().run(staff, replications, seed)
        figure[:, 0] = 81.0 + 4.5 * np.where(np.arange(replications) % 2 == 0, 1.0, -1.0)
        return [(target, figure)]


def test_a_confirmation_that_more_replications_would_settle_is_extended_not_staffed() -> None:
    need = np.full(168, 6)
    trials = OneFlatInterval(need, search_seed=1)
    verified = search_staffing(trials, need + 1, 1, 5, 60, Confidence())
    assert verified.confirmed
    fresh = [r for r, seed in trials.calls if seed != 1]
    assert fresh[0] == 40 and fresh[-1] == 80  # doubled on the same fresh seeds
    assert len({seed for _, seed in trials.calls if seed != 1}) == 1
    confirmation = verified.verification.query("stage == 'confirmation'")
    assert confirmation["held"].all() and int(confirmation["replications"].max()) == 80
    first, last = verified.iterations[-len(fresh)], verified.iterations[-1]
    assert first["step"] == "confirm-1" and first["replications"] == 40
    assert last["staff_hours"] == first["staff_hours"]  # no staff added for it
