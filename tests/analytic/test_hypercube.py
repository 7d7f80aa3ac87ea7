"""The hypercube model against exact figures, queueing theory and a Monte-Carlo of the chain."""

from __future__ import annotations

import itertools
import math
from collections import deque

import numpy as np
import pytest

from sim.analytic import erlang_b, erlang_c
from sim.analytic.hypercube import (
    CAPACITIES,
    INFINITE_LINE,
    MAX_EXACT_UNITS,
    ZERO_LINE,
    HypercubeSolution,
    solve,
    solve_exact,
)
from sim.analytic.hypercube_approx import correction_factors, solve_approximate


def random_instance(
    rng: np.random.Generator, units: int, atoms: int, workload: float, mu: float = 1.0
) -> tuple[np.ndarray, float, list[list[int]], np.ndarray]:
    """Rates scaled to a mean workload, random preference lists and travel times (minutes)."""
    weights = rng.uniform(0.2, 1.0, atoms)
    rates = weights / weights.sum() * workload * units * mu
    preferences = [[int(n) for n in rng.permutation(units)] for _ in range(atoms)]
    travel = rng.uniform(2.0, 30.0, (atoms, units))
    return rates, mu, preferences, travel


def test_two_unit_example_is_exact() -> None:
    # The example: lambda = 2 (1 per sector), mu = 2, zero line;
    # each sector prefers its own unit.
    sol = solve_exact([1.0, 1.0], 2.0, [[0, 1], [1, 0]], ZERO_LINE, [[2.0, 6.0], [6.0, 2.0]])
    p = sol.state_probabilities
    assert p is not None
    # Index = bitmask of busy units: 0b00, 0b01 (unit 1 busy), 0b10, 0b11.
    assert p == pytest.approx([2 / 5, 1 / 5, 1 / 5, 1 / 5], rel=1e-12)
    assert sol.workloads == pytest.approx([2 / 5, 2 / 5], rel=1e-12)
    # Larson's f_nj: shares of all dispatches (f11 = 3/8, f12 = 1/8).
    assert sol.dispatch_shares[0] == pytest.approx([3 / 8, 1 / 8], rel=1e-12)
    assert sol.dispatch_shares[1] == pytest.approx([1 / 8, 3 / 8], rel=1e-12)
    # Per atom: its own unit when free (P00 + P01), the other when only its own is busy.
    assert sol.dispatch_fractions[0] == pytest.approx([3 / 5, 1 / 5], rel=1e-12)
    assert sol.lost_fraction == pytest.approx(1 / 5, rel=1e-12)
    # Travel: (3/5 * 2 + 1/5 * 6) / (4/5) = 3 minutes everywhere, by symmetry.
    assert sol.mean_travel_min == pytest.approx(3.0, rel=1e-12)
    assert sol.atom_travel_min == pytest.approx([3.0, 3.0], rel=1e-12)
    assert sol.unit_travel_min == pytest.approx([3.0, 3.0], rel=1e-12)


@pytest.mark.parametrize("capacity", CAPACITIES)
@pytest.mark.parametrize("seed", range(6))
def test_calls_and_workloads_are_conserved(capacity: str, seed: int) -> None:
    rng = np.random.default_rng(seed)
    units, atoms = int(rng.integers(3, 9)), int(rng.integers(5, 21))
    rates, mu, prefs, travel = random_instance(rng, units, atoms, rng.uniform(0.1, 0.8))
    for sol in (
        solve_exact(rates, mu, prefs, capacity, travel),
        solve_approximate(rates, mu, prefs, capacity, travel),
    ):
        assert sol.dispatch_fractions.sum(axis=1) + sol.lost_fraction == pytest.approx(1.0)
        assert sol.dispatch_shares.sum() == pytest.approx(1.0)
        carried = rates.sum() * (1.0 - sol.lost_fraction) / mu
        assert sol.workloads.sum() == pytest.approx(carried, rel=1e-9)
        assert np.all((sol.workloads >= 0.0) & (sol.workloads <= 1.0))
        assert travel.min() <= sol.mean_travel_min <= travel.max()
    exact = solve_exact(rates, mu, prefs, capacity)
    assert exact.state_probabilities is not None
    assert exact.state_probabilities.sum() == pytest.approx(1.0, abs=1e-12)
    assert np.all(exact.state_probabilities >= 0.0)


@pytest.mark.parametrize("offered", [0.1, 0.7, 0.95])
def test_one_unit_is_mm11_and_mm1(offered: float) -> None:
    loss = solve_exact([offered * 3.0], 3.0, [[0]], ZERO_LINE)
    assert loss.workloads[0] == pytest.approx(offered / (1.0 + offered), rel=1e-12)
    assert loss.lost_fraction == pytest.approx(offered / (1.0 + offered), rel=1e-12)
    queue = solve_exact([offered * 3.0], 3.0, [[0]], INFINITE_LINE)
    assert queue.workloads[0] == pytest.approx(offered, rel=1e-12)
    assert queue.queued_fraction == pytest.approx(offered, rel=1e-12)
    for method in (solve_exact, solve_approximate):
        assert method([offered * 3.0], 3.0, [[0]], INFINITE_LINE).dispatch_fractions[0, 0] == (
            pytest.approx(1.0)
        )


@pytest.mark.parametrize("units", [2, 4, 7])
@pytest.mark.parametrize("workload", [0.3, 0.8])
def test_a_common_preference_order_is_erlang_with_ordered_entry(
    units: int, workload: float
) -> None:
    rng = np.random.default_rng(units)
    order = [int(n) for n in rng.permutation(units)]
    rates = rng.uniform(0.5, 1.0, 6)
    rates *= workload * units / rates.sum()
    load = float(rates.sum())
    zero = solve_exact(rates, 1.0, [order] * 6, ZERO_LINE)
    assert zero.all_busy == pytest.approx(erlang_b(units, load), rel=1e-10)
    # Ordered entry: the k-th unit of the common order carries the calls the
    # first k - 1 units would lose but the first k do not.
    for k, unit in enumerate(order, start=1):
        carried = load * (erlang_b(k - 1, load) if k > 1 else 1.0) - load * erlang_b(k, load)
        assert zero.workloads[unit] == pytest.approx(carried, rel=1e-9)
    queue = solve_exact(rates, 1.0, [order] * 6, INFINITE_LINE)
    assert queue.all_busy == pytest.approx(erlang_c(units, load), rel=1e-10)
    assert queue.queued_fraction == pytest.approx(erlang_c(units, load), rel=1e-10)
    for approx in (solve_approximate(rates, 1.0, [order] * 6, c) for c in CAPACITIES):
        expected = erlang_b(units, load) if approx.capacity == ZERO_LINE else erlang_c(units, load)
        assert approx.all_busy == pytest.approx(expected, rel=1e-10)


#: Larson (1975) reports the approximation within about 2% of the exact model
#: (workloads, dispatch fractions). The bounds are twice that: 4% of the fleet's
#: total workload summed over units, 0.04 (4 points) on any one workload or
#: dispatch fraction. Measured on these instances: at most 1.9%, 0.015 and 0.021.
APPROXIMATION_TOTAL = 0.04
APPROXIMATION_EACH = 0.04


@pytest.mark.parametrize("capacity", CAPACITIES)
def test_approximate_model_is_within_larsons_accuracy(capacity: str) -> None:
    rng = np.random.default_rng(7)
    worst_total = worst_each = 0.0
    for _ in range(40):
        units, atoms = int(rng.integers(3, 9)), int(rng.integers(5, 21))
        rates, mu, prefs, travel = random_instance(rng, units, atoms, rng.uniform(0.1, 0.8))
        exact = solve_exact(rates, mu, prefs, capacity, travel)
        approx = solve_approximate(rates, mu, prefs, capacity, travel)
        error = np.abs(approx.workloads - exact.workloads)
        worst_total = max(worst_total, error.sum() / exact.workloads.sum())
        worst_each = max(
            worst_each,
            error.max(),
            np.abs(approx.dispatch_fractions - exact.dispatch_fractions).max(),
        )
        assert approx.mean_travel_min == pytest.approx(exact.mean_travel_min, rel=0.04)
    assert worst_total <= APPROXIMATION_TOTAL
    assert worst_each <= APPROXIMATION_EACH
    # Not vacuous: the approximation is not the exact model.
    assert worst_each > 1e-4


@pytest.mark.parametrize("capacity", CAPACITIES)
@pytest.mark.parametrize("workload", [0.2, 0.5, 0.85])
def test_approximate_model_is_exact_for_random_dispatch(capacity: str, workload: float) -> None:
    # Every permutation as an atom, equal rates: a call goes to a free unit chosen
    # at random, the symmetric system Larson's Q(N, rho, k) is derived from, so the
    # approximation must reproduce the exact chain there.
    units = 4
    prefs = [list(p) for p in itertools.permutations(range(units))]
    rates = np.full(len(prefs), workload * units / len(prefs))
    exact = solve_exact(rates, 1.0, prefs, capacity)
    approx = solve_approximate(rates, 1.0, prefs, capacity)
    assert approx.workloads == pytest.approx(exact.workloads, rel=1e-9)
    assert approx.dispatch_fractions == pytest.approx(exact.dispatch_fractions, rel=1e-9)
    q = correction_factors(units, workload * units, capacity)
    assert q[0] == pytest.approx(1.0, rel=1e-12)


def test_auto_is_exact_up_to_the_limit_and_approximate_beyond() -> None:
    rng = np.random.default_rng(3)
    small = random_instance(rng, 4, 6, 0.5)
    assert solve(*small[:3]).method == "exact"
    big = random_instance(rng, MAX_EXACT_UNITS + 3, 30, 0.5)
    assert solve(*big[:3]).method == "approximate"
    with pytest.raises(ValueError, match="at most 12 units"):
        solve_exact(*big[:3])


@pytest.mark.parametrize(
    ("rates", "prefs", "capacity", "message"),
    [
        ([1.0, -1.0], [[0, 1], [1, 0]], ZERO_LINE, "rates_per_hour"),
        ([1.0], [[0, 1], [1, 0]], ZERO_LINE, "one list per atom"),
        ([1.0, 1.0], [[0, 1], [0, 0]], ZERO_LINE, r"preferences\[1\]"),
        ([1.0, 1.0], [[0, 1], [1, 0]], "queue", "capacity"),
        ([3.0, 3.0], [[0, 1], [1, 0]], INFINITE_LINE, "unstable"),
    ],
)
def test_bad_inputs_are_refused(
    rates: list[float], prefs: list[list[int]], capacity: str, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        solve_exact(rates, 2.0, prefs, capacity)


# --------------------------------------------------------------------------
# An independent check of the exact solver: the same chain, event by event.
# --------------------------------------------------------------------------


def simulate_chain(
    rates: np.ndarray,
    mu: float,
    prefs: list[list[int]],
    capacity: str,
    travel: np.ndarray,
    events: int,
    batches: int,
    rng: np.random.Generator,
) -> dict[str, np.ndarray]:
    """Batch means of workloads, per-atom dispatch fractions and mean travel."""
    units, atoms = len(prefs[0]), rates.size
    total_rate = rates.sum()
    atom_cdf = np.cumsum(rates) / total_rate
    busy = np.zeros(units, dtype=bool)
    queue: deque[int] = deque()
    per_batch = events // batches
    workloads = np.zeros((batches, units))
    fractions = np.zeros((batches, atoms, units))
    travel_mean = np.zeros(batches)
    for b in range(batches):
        busy_time = np.zeros(units)
        elapsed = 0.0
        served = np.zeros((atoms, units))
        arrived = np.zeros(atoms)
        gaps = rng.exponential(1.0, per_batch)
        picks = rng.uniform(0.0, 1.0, per_batch)
        for e in range(per_batch):
            n_busy = int(busy.sum())
            rate = total_rate + mu * n_busy
            dt = gaps[e] / rate
            busy_time += busy * dt
            elapsed += dt
            u = picks[e] * rate
            if u < total_rate:
                atom = min(int(np.searchsorted(atom_cdf, u / total_rate, side="right")), atoms - 1)
                arrived[atom] += 1
                free = [n for n in prefs[atom] if not busy[n]]
                if free:
                    busy[free[0]] = True
                    served[atom, free[0]] += 1
                elif capacity == INFINITE_LINE:
                    queue.append(atom)
            else:
                # Which busy unit clears: uniform among the busy ones.
                unit = int(np.flatnonzero(busy)[int((u - total_rate) / mu)])
                if queue:
                    # The unit that cleared takes the call at the head of the line.
                    served[queue.popleft(), unit] += 1
                else:
                    busy[unit] = False
        workloads[b] = busy_time / elapsed
        fractions[b] = served / np.maximum(arrived, 1)[:, None]
        calls = served.sum()
        travel_mean[b] = (served * travel).sum() / calls
    return {"workloads": workloads, "fractions": fractions, "travel": travel_mean}


#: Every batch-means estimate must lie within this many standard errors of the
#: exact value: 4.0 is a two-sided 6e-5 chance per comparison, so the ~200
#: comparisons below fail by chance about once in a hundred fixed seeds.
STANDARD_ERRORS = 4.0


@pytest.mark.parametrize("capacity", CAPACITIES)
@pytest.mark.parametrize("seed", [11, pytest.param(12, marks=pytest.mark.slow)])
def test_exact_solver_matches_a_monte_carlo_of_the_chain(capacity: str, seed: int) -> None:
    rng = np.random.default_rng(seed)
    units, atoms = int(rng.integers(3, 6)), int(rng.integers(5, 9))
    rates, mu, prefs, travel = random_instance(rng, units, atoms, 0.6)
    exact: HypercubeSolution = solve_exact(rates, mu, prefs, capacity, travel)
    sample = simulate_chain(rates, mu, prefs, capacity, travel, 120_000, 20, rng)
    batches = sample["workloads"].shape[0]
    for name, value in (
        ("workloads", exact.workloads),
        ("fractions", exact.dispatch_fractions),
        ("travel", exact.mean_travel_min),
    ):
        estimates = sample[name]
        mean = estimates.mean(axis=0)
        standard_error = estimates.std(axis=0, ddof=1) / math.sqrt(batches)
        # Not vacuous: the estimates are tight enough to tell a wrong answer.
        assert np.all(standard_error < 0.02 * max(1.0, float(np.max(value))))
        assert np.all(np.abs(mean - value) <= STANDARD_ERRORS * standard_error + 1e-12), name


#: The approximation against the chain's Monte-Carlo on fleets past the exact
#: model: Larson's 2% doubled, plus four standard errors of the estimate.
LARGE_FLEET_EACH = 0.04


@pytest.mark.parametrize(
    ("capacity", "units", "atoms", "workload"),
    [
        (ZERO_LINE, 24, 8, 0.6),
        pytest.param(INFINITE_LINE, 20, 6, 0.55, marks=pytest.mark.slow),
    ],
)
def test_approximate_model_matches_the_chain_on_large_fleets(
    capacity: str, units: int, atoms: int, workload: float
) -> None:
    # Many units and few atoms: the case where the bare iteration ran to every
    # unit busy (workloads summing to N, not to the load carried).
    rng = np.random.default_rng(units)
    rates, mu, prefs, travel = random_instance(rng, units, atoms, workload)
    approx = solve_approximate(rates, mu, prefs, capacity, travel)
    carried = rates.sum() * (1.0 - approx.lost_fraction) / mu
    assert approx.workloads.sum() == pytest.approx(carried, rel=1e-9)
    sample = simulate_chain(rates, mu, prefs, capacity, travel, 80_000, 16, rng)
    estimates = sample["workloads"]
    mean = estimates.mean(axis=0)
    standard_error = estimates.std(axis=0, ddof=1) / math.sqrt(estimates.shape[0])
    assert np.all(standard_error < 0.02)
    error = np.abs(mean - approx.workloads)
    assert np.all(error <= LARGE_FLEET_EACH + STANDARD_ERRORS * standard_error)
    assert error.sum() / mean.sum() <= 0.05


def test_many_units_on_one_list_converge_to_the_load_carried() -> None:
    # One atom, 70 units in one order: the bare iteration swung between two states
    # for ever; half steps reach the fixed point, whose workloads add up exactly.
    load = 0.325 * 70
    approx = solve_approximate([load], 1.0, [list(range(70))], ZERO_LINE)
    assert approx.workloads.sum() == pytest.approx(load * (1 - erlang_b(70, load)), rel=1e-9)
    assert approx.all_busy == pytest.approx(erlang_b(70, load), rel=1e-12)
