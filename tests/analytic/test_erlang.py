"""Tests for sim.analytic.

Every numerical check compares the module against something computed
independently here: the stationary distribution of an explicitly built
birth-death generator (solved with numpy.linalg), a tagged-customer absorbing
CTMC (matrix exponential and linear solves, whereas the module uses a
Beta-distribution closed form), Poisson / Halfin-Whitt limits, or textbook
values.
"""

from __future__ import annotations

import math
import time
import warnings
from collections.abc import Callable

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.linalg import expm
from scipy.stats import norm, poisson

from sim.analytic import (
    QueueFigures,
    agents_for_service_level,
    erlang_a_figures,
    erlang_b,
    erlang_c,
    erlang_c_figures,
    square_root_staffing,
)

# --------------------------------------------------------------------------
# Independent reference computations
# --------------------------------------------------------------------------


def stationary(birth: float, death: np.ndarray) -> np.ndarray:
    """Solve pi Q = 0, sum(pi) = 1 for a finite birth-death generator.

    ``death[n]`` is the death rate out of state n (death[0] is ignored); the
    birth rate is ``birth`` in every state but the last.
    """
    size = death.size
    q = np.zeros((size, size))
    idx = np.arange(size)
    q[idx[:-1], idx[:-1] + 1] = birth
    q[idx[1:], idx[1:] - 1] = death[1:]
    q[idx, idx] = -q.sum(axis=1)
    # Replace one (redundant) balance equation by the normalisation.
    lhs = q.T.copy()
    lhs[-1, :] = 1.0
    rhs = np.zeros(size)
    rhs[-1] = 1.0
    return np.linalg.solve(lhs, rhs)


def truncation_for(load: float, agents: int, r: float, tol: float = 1e-16) -> int:
    """Number of queue states after which the chain's tail is below tol."""
    log_ratio, k = 0.0, 0
    while True:
        k += 1
        log_ratio += math.log(load / (agents + k * r))
        if log_ratio < math.log(tol) and load / (agents + k * r) < 0.999:
            return k


def chain_mmc_abandon(load: float, agents: int, r: float) -> tuple[np.ndarray, int]:
    """Stationary distribution of the M/M/c+M chain (time unit = mean AHT).

    ``r`` is the abandonment rate relative to the service rate (0 = Erlang C).
    """
    k = truncation_for(load, agents, r)
    n = np.arange(agents + k + 1, dtype=float)
    death = np.minimum(n, agents) + r * np.maximum(n - agents, 0.0)
    return stationary(load, death), k


def tagged_customer(
    agents: int, r: float, positions: int, tau: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Brute-force tagged-customer CTMC, independent of the Beta closed form.

    Transient states j = 0..positions (calls ahead in queue), plus absorbing
    states "answered" and "abandoned".  From j the caller moves to j-1 (or is
    answered, from 0) at rate c + j r and abandons at rate r.

    Returns P(answered by tau | j), P(answered | j) and E[T; answered | j],
    the last two via the fundamental matrix: -S^-1 s0 and S^-2 s0.
    """
    size = positions + 1
    j = np.arange(size, dtype=float)
    s = np.zeros((size, size))
    s[j.astype(int)[1:], j.astype(int)[1:] - 1] = agents + j[1:] * r
    s[j.astype(int), j.astype(int)] = -(agents + j * r + r)
    s0 = np.zeros(size)
    s0[0] = agents  # rate from "0 ahead" into service

    full = np.zeros((size + 2, size + 2))
    full[:size, :size] = s
    full[:size, size] = s0  # -> answered
    full[:size, size + 1] = r  # -> abandoned
    by_tau = expm(full * tau)[:size, size]

    x = np.linalg.solve(s, s0)
    p_answer = -x
    wait_answer = np.linalg.solve(s, x)
    return by_tau, p_answer, wait_answer


def reference_erlang_a(
    calls_per_hour: float, aht_s: float, agents: int, patience_s: float, target_s: float
) -> dict[str, float]:
    load = calls_per_hour / 3600.0 * aht_s
    r = aht_s / patience_s
    pi, k = chain_mmc_abandon(load, agents, r)
    pi_q = pi[agents:]
    queue = np.arange(k + 1, dtype=float)
    p_abandon = r * float(pi_q @ queue) / load
    by_tau, p_answer_j, wait_j = tagged_customer(agents, r, k, target_s / aht_s)
    p_answer = float(pi[:agents].sum() + pi_q @ p_answer_j)
    return {
        "p_wait": float(pi_q.sum()),
        "p_abandon": p_abandon,
        "p_answer_by_position": 1.0 - p_answer,
        "service_level": float(pi[:agents].sum() + pi_q @ by_tau),
        "asa_s": float(pi_q @ wait_j) / p_answer * aht_s,
        "occupancy": float(pi @ np.minimum(np.arange(pi.size), agents)) / agents,
    }


# --------------------------------------------------------------------------
# Erlang B / C against the birth-death chain
# --------------------------------------------------------------------------

GRID = [
    (agents, rho)
    for agents in (1, 2, 7, 25, 60)
    for rho in (0.5, 0.8, 0.95, 0.99)
    # 0.99 needs ~3000 states; keep the dense solves to a few cases.
    if rho < 0.99 or agents in (1, 25)
]


@pytest.mark.parametrize(("agents", "rho"), GRID)
def test_erlang_b_matches_loss_chain(agents: int, rho: float) -> None:
    load = rho * agents
    n = np.arange(agents + 1, dtype=float)
    pi = stationary(load, n)  # M/M/c/c: death rate n
    assert erlang_b(agents, load) == pytest.approx(pi[-1], rel=1e-10, abs=1e-15)


@pytest.mark.parametrize(("agents", "rho"), GRID)
def test_erlang_c_matches_waiting_chain(agents: int, rho: float) -> None:
    load = rho * agents
    pi, _ = chain_mmc_abandon(load, agents, 0.0)
    p_wait = pi[agents:].sum()
    assert erlang_c(agents, load) == pytest.approx(p_wait, rel=1e-9)
    figs = erlang_c_figures(load * 3600.0 / 240.0, 240.0, agents, 30.0)
    assert figs.p_wait == pytest.approx(p_wait, rel=1e-9)
    # Mean wait by Little's law from the chain: E[Q] / lambda.
    queue = np.arange(pi.size - agents, dtype=float)
    asa_chain = float(pi[agents:] @ queue) / (load / 240.0)
    assert figs.asa_s == pytest.approx(asa_chain, rel=1e-8)
    assert figs.occupancy == pytest.approx(rho)
    assert figs.p_abandon is None


def test_erlang_c_service_level_matches_tagged_chain() -> None:
    # With r = 0 the tagged-customer CTMC is the Erlang C waiting time.
    agents, load, aht, target = 12, 10.5, 200.0, 15.0
    pi, k = chain_mmc_abandon(load, agents, 0.0)
    by_tau, _, _ = tagged_customer(agents, 0.0, k, target / aht)
    sl = pi[:agents].sum() + pi[agents:] @ by_tau
    figs = erlang_c_figures(load * 3600 / aht, aht, agents, target)
    assert figs.service_level == pytest.approx(sl, rel=1e-9)


def test_textbook_values() -> None:
    # Reference numbers re-derived from the loss / waiting chains first.
    b_chain = stationary(10.0, np.arange(11, dtype=float))[-1]
    pi, _ = chain_mmc_abandon(10.0, 11, 0.0)
    assert round(b_chain, 4) == 0.2146
    assert round(pi[11:].sum(), 4) == 0.6821
    assert erlang_b(10, 10.0) == pytest.approx(0.2146, abs=5e-5)
    assert erlang_c(11, 10.0) == pytest.approx(0.6821, abs=5e-5)


def test_erlang_c_unstable_and_edge_cases() -> None:
    assert erlang_c(5, 5.0) == 1.0
    assert erlang_c(5, 7.0) == 1.0
    assert erlang_b(3, 0.0) == 0.0
    figs = erlang_c_figures(3600.0, 10.0, 10, 20.0)  # a = 10 = agents
    assert figs == QueueFigures(1.0, 0.0, math.inf, 1.0, None)
    idle = erlang_c_figures(0.0, 300.0, 3, 20.0)
    assert (idle.p_wait, idle.service_level, idle.asa_s, idle.occupancy) == (
        0.0,
        1.0,
        0.0,
        0.0,
    )
    # target 0: only immediately answered calls count.
    figs = erlang_c_figures(100.0, 300.0, 10, 0.0)
    assert figs.service_level == pytest.approx(1.0 - figs.p_wait)


# --------------------------------------------------------------------------
# Erlang A against independent computations
# --------------------------------------------------------------------------

A_CASES = [
    # calls/h, aht_s, agents, patience_s, target_s
    (120.0, 300.0, 11, 120.0, 20.0),
    (200.0, 180.0, 8, 600.0, 60.0),  # overloaded (a = 10 > 8)
    (50.0, 240.0, 1, 90.0, 30.0),
    (700.0, 150.0, 30, 45.0, 10.0),
    (900.0, 240.0, 60, 400.0, 0.0),
    (300.0, 300.0, 20, 2000.0, 120.0),  # slow abandonment: long queue
    (240.0, 300.0, 2, 6000.0, 600.0),  # mode ~360 calls deep: window above c
]


@pytest.mark.parametrize(("cph", "aht", "agents", "patience", "target"), A_CASES)
def test_erlang_a_matches_chain_and_tagged_customer(
    cph: float, aht: float, agents: int, patience: float, target: float
) -> None:
    ref = reference_erlang_a(cph, aht, agents, patience, target)
    figs = erlang_a_figures(cph, aht, agents, patience, target)
    # abs=1e-13: the dense reference solves only resolve ~1e-15 absolutely.
    assert figs.p_wait == pytest.approx(ref["p_wait"], rel=1e-9, abs=1e-13)
    assert figs.p_abandon == pytest.approx(ref["p_abandon"], rel=1e-9)
    # P(abandon) from the per-position fundamental matrix agrees as well.
    assert figs.p_abandon == pytest.approx(ref["p_answer_by_position"], rel=1e-9)
    assert figs.service_level == pytest.approx(ref["service_level"], rel=1e-9, abs=1e-13)
    assert figs.asa_s == pytest.approx(ref["asa_s"], rel=1e-8)
    assert figs.occupancy == pytest.approx(ref["occupancy"], rel=1e-9)


def test_erlang_a_huge_patience_tends_to_erlang_c() -> None:
    c_figs = erlang_c_figures(120.0, 300.0, 11, 20.0)
    a_figs = erlang_a_figures(120.0, 300.0, 11, 1e12, 20.0)
    assert a_figs.p_wait == pytest.approx(c_figs.p_wait, rel=1e-6)
    assert a_figs.service_level == pytest.approx(c_figs.service_level, rel=1e-6)
    assert a_figs.asa_s == pytest.approx(c_figs.asa_s, rel=1e-6)
    assert a_figs.occupancy == pytest.approx(c_figs.occupancy, rel=1e-6)
    assert a_figs.p_abandon == pytest.approx(0.0, abs=1e-9)


def test_erlang_a_infinite_patience_is_erlang_c() -> None:
    c_figs = erlang_c_figures(120.0, 300.0, 11, 20.0)
    a_figs = erlang_a_figures(120.0, 300.0, 11, math.inf, 20.0)
    assert a_figs.as_dict() == {**c_figs.as_dict(), "p_abandon": 0.0}


@pytest.mark.parametrize(("agents", "load"), [(1, 0.7), (5, 3.0), (20, 24.0), (300, 290.0)])
def test_erlang_a_equal_rates_is_poisson(agents: int, load: float) -> None:
    # theta == mu: every call leaves at rate mu whatever it is doing, so the
    # number in system is that of an M/M/inf queue: Poisson(a).
    aht = 180.0
    figs = erlang_a_figures(load * 3600.0 / aht, aht, agents, aht, 30.0)
    assert figs.p_wait == pytest.approx(poisson.sf(agents - 1, load), rel=1e-9)
    k = np.arange(agents, agents + 400)
    expected_queue = float(np.sum((k - agents) * poisson.pmf(k, load)))
    assert figs.p_abandon == pytest.approx(expected_queue / load, rel=1e-9)


@pytest.mark.parametrize("r", [1e-4, 1e-7])
def test_erlang_a_heavy_overload_matches_fluid_limit(r: float) -> None:
    # a = 2c with very patient callers: the queue settles ~(a - c)/r deep
    # (1e5 and 1e8 calls), far beyond any explicit chain.  Fluid limit: half
    # the calls abandon and an answered call waits ln(a/c)/theta.
    aht = 300.0
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        figs = erlang_a_figures(20.0 * 3600.0 / aht, aht, 10, aht / r, 20.0)
    assert figs.p_abandon == pytest.approx(0.5, rel=1e-6)
    assert figs.asa_s == pytest.approx(math.log(2.0) * aht / r, rel=1e-4)
    assert figs.occupancy == pytest.approx(1.0, rel=1e-6)
    assert figs.p_wait == pytest.approx(1.0)
    assert 0.0 <= figs.service_level < 1e-12


def test_erlang_a_zero_target_and_infinite_target() -> None:
    zero = erlang_a_figures(400.0, 200.0, 22, 150.0, 0.0)
    assert zero.service_level == pytest.approx(1.0 - zero.p_wait, rel=1e-12)
    forever = erlang_a_figures(400.0, 200.0, 22, 150.0, math.inf)
    assert forever.service_level == pytest.approx(1.0 - forever.p_abandon, rel=1e-12)


def test_erlang_a_no_calls() -> None:
    figs = erlang_a_figures(0.0, 300.0, 4, 60.0, 20.0)
    assert figs == QueueFigures(0.0, 1.0, 0.0, 0.0, 0.0)


# --------------------------------------------------------------------------
# Large scale
# --------------------------------------------------------------------------


def halfin_whitt(agents: int, load: float) -> float:
    beta = (agents - load) / math.sqrt(load)
    return 1.0 / (1.0 + beta * norm.cdf(beta) / norm.pdf(beta))


def garnett(agents: int, load: float, r: float) -> float:
    """Garnett-Mandelbaum-Reiman QED limit for P(wait) in Erlang A."""
    beta = (agents - load) / math.sqrt(load)

    def hazard(x: float) -> float:
        return norm.pdf(x) / norm.sf(x)

    return 1.0 / (1.0 + math.sqrt(r) * hazard(beta / math.sqrt(r)) / hazard(-beta))


@pytest.mark.parametrize(("agents", "hw_rel_tol"), [(1000, 0.06), (5000, 0.15)])
def test_large_scale_95_percent_load(agents: int, hw_rel_tol: float) -> None:
    load = 0.95 * agents
    aht = 300.0
    cph = load * 3600.0 / aht
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        p_b = erlang_b(agents, load)
        p_c = erlang_c(agents, load)
        c_figs = erlang_c_figures(cph, aht, agents, 20.0)
        a_figs = erlang_a_figures(cph, aht, agents, 180.0, 20.0)
    for value in (p_b, p_c, *c_figs.as_dict().values(), *a_figs.as_dict().values()):
        assert math.isfinite(value)
    for fig in (c_figs, a_figs):
        for value in (fig.p_wait, fig.service_level, fig.occupancy):
            assert 0.0 <= value <= 1.0
    assert 0.0 <= a_figs.p_abandon <= 1.0
    assert 0.0 < p_b < p_c < 1.0
    # At fixed load fraction beta grows like sqrt(c), so the Halfin-Whitt
    # limit's relative error grows too (about 5% at c=1000, 13% at 5000).
    assert p_c == pytest.approx(halfin_whitt(agents, load), rel=hw_rel_tol)
    assert a_figs.p_wait == pytest.approx(garnett(agents, load, aht / 180.0), rel=hw_rel_tol)


def test_halfin_whitt_limit_converges_at_fixed_beta() -> None:
    beta = 0.5
    errors = []
    for agents in (100, 1000, 5000):
        # Solve c = a + beta sqrt(a) for a.
        load = ((-beta + math.sqrt(beta**2 + 4 * agents)) / 2) ** 2
        errors.append(abs(erlang_c(agents, load) / halfin_whitt(agents, load) - 1))
    assert errors[0] > errors[1] > errors[2]
    assert errors[2] < 0.005


def test_erlang_a_critical_load_matches_garnett() -> None:
    # beta = 0 (load = agents): the QED approximation is at its best.
    for agents, tol in ((1000, 0.02), (5000, 0.01)):
        figs = erlang_a_figures(agents * 3600.0 / 300.0, 300.0, agents, 180.0, 20.0)
        assert figs.p_wait == pytest.approx(garnett(agents, agents, 300.0 / 180.0), rel=tol)


def test_erlang_a_is_fast_for_thousand_agents() -> None:
    start = time.perf_counter()
    for _ in range(5):
        erlang_a_figures(0.97 * 1000 * 12, 300.0, 1000, 240.0, 20.0)
    assert (time.perf_counter() - start) / 5 < 0.2


# --------------------------------------------------------------------------
# Monotonicity in the number of agents (property tests)
# --------------------------------------------------------------------------

REL = 1e-9


def _no_worse(fewer: QueueFigures, more: QueueFigures) -> None:
    assert more.p_wait <= fewer.p_wait * (1 + REL) + 1e-14
    assert more.asa_s <= fewer.asa_s * (1 + REL) + 1e-12
    assert more.service_level >= fewer.service_level * (1 - REL) - 1e-14


@settings(max_examples=60, deadline=None)
@given(
    agents=st.integers(1, 80),
    extra=st.integers(1, 5),
    rho=st.floats(0.01, 1.5),
    aht=st.floats(10.0, 1800.0),
    target=st.floats(0.0, 600.0),
)
def test_erlang_c_monotone_in_agents(
    agents: int, extra: int, rho: float, aht: float, target: float
) -> None:
    cph = rho * agents * 3600.0 / aht
    fewer = erlang_c_figures(cph, aht, agents, target)
    more = erlang_c_figures(cph, aht, agents + extra, target)
    _no_worse(fewer, more)


@settings(max_examples=60, deadline=None)
@given(
    agents=st.integers(1, 80),
    extra=st.integers(1, 5),
    rho=st.floats(0.01, 2.0),
    aht=st.floats(10.0, 1800.0),
    patience=st.floats(5.0, 3600.0),
    target=st.floats(0.0, 600.0),
)
def test_erlang_a_monotone_in_agents(
    agents: int, extra: int, rho: float, aht: float, patience: float, target: float
) -> None:
    cph = rho * agents * 3600.0 / aht
    fewer = erlang_a_figures(cph, aht, agents, patience, target)
    more = erlang_a_figures(cph, aht, agents + extra, patience, target)
    _no_worse(fewer, more)
    assert more.p_abandon <= fewer.p_abandon * (1 + REL) + 1e-14


# --------------------------------------------------------------------------
# Staffing
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cph", "aht", "target", "level", "patience"),
    [
        (120.0, 300.0, 20.0, 0.8, None),
        (120.0, 300.0, 20.0, 0.8, 120.0),
        (2000.0, 240.0, 15.0, 0.9, None),
        (2000.0, 240.0, 15.0, 0.9, 300.0),
        (11_000.0, 300.0, 20.0, 0.95, 180.0),  # ~900 Erlangs
        (30.0, 600.0, 0.0, 0.5, None),
    ],
)
def test_agents_for_service_level_is_smallest(
    cph: float, aht: float, target: float, level: float, patience: float | None
) -> None:
    n = agents_for_service_level(cph, aht, target, level, patience_s=patience)

    def sl(agents: int) -> float:
        if patience is None:
            return erlang_c_figures(cph, aht, agents, target).service_level
        return erlang_a_figures(cph, aht, agents, patience, target).service_level

    assert sl(n) >= level
    assert n == 1 or sl(n - 1) < level


def test_agents_for_service_level_edges() -> None:
    assert agents_for_service_level(100.0, 300.0, 20.0, 0.0) == 1
    with pytest.raises(ValueError, match="max_agents"):
        agents_for_service_level(3600.0, 300.0, 20.0, 0.9, max_agents=50)
    with pytest.raises(ValueError, match="max_agents"):
        agents_for_service_level(3600.0, 300.0, 20.0, 0.9, patience_s=60.0, max_agents=50)
    with pytest.raises(ValueError, match="service_level"):
        agents_for_service_level(100.0, 300.0, 20.0, 1.5)


def test_square_root_staffing() -> None:
    assert square_root_staffing(100.0, 1.0) == 110
    assert square_root_staffing(100.0, 0.5) == 105
    assert square_root_staffing(2.25, 2.0) == 6  # 2.25 + 3 = 5.25
    assert square_root_staffing(400.0, -0.5) == 390
    assert square_root_staffing(0.0, 1.0) == 0


# --------------------------------------------------------------------------
# Validation and misc
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("func", "kwargs", "name"),
    [
        (erlang_b, {"agents": 0, "offered_load": 1.0}, "agents"),
        (erlang_b, {"agents": 2.5, "offered_load": 1.0}, "agents"),
        (erlang_b, {"agents": 3, "offered_load": -1.0}, "offered_load"),
        (erlang_c, {"agents": 3, "offered_load": math.nan}, "offered_load"),
        (erlang_c, {"agents": 3, "offered_load": math.inf}, "offered_load"),
        (
            erlang_c_figures,
            {"calls_per_hour": -5.0, "aht_s": 300.0, "agents": 3, "target_s": 20.0},
            "calls_per_hour",
        ),
        (
            erlang_c_figures,
            {"calls_per_hour": math.inf, "aht_s": 300.0, "agents": 3, "target_s": 20.0},
            "calls_per_hour",
        ),
        (
            erlang_c_figures,
            {"calls_per_hour": 5.0, "aht_s": 0.0, "agents": 3, "target_s": 20.0},
            "aht_s",
        ),
        (
            erlang_c_figures,
            {"calls_per_hour": 5.0, "aht_s": 300.0, "agents": 0, "target_s": 20.0},
            "agents",
        ),
        (
            erlang_c_figures,
            {"calls_per_hour": 5.0, "aht_s": 300.0, "agents": 3, "target_s": -1.0},
            "target_s",
        ),
        (
            erlang_a_figures,
            {
                "calls_per_hour": 5.0,
                "aht_s": 300.0,
                "agents": 3,
                "patience_s": 0.0,
                "target_s": 20.0,
            },
            "patience_s",
        ),
        (
            erlang_a_figures,
            {
                "calls_per_hour": 5.0,
                "aht_s": math.nan,
                "agents": 3,
                "patience_s": 60.0,
                "target_s": 20.0,
            },
            "aht_s",
        ),
        (square_root_staffing, {"offered_load": -1.0, "beta": 1.0}, "offered_load"),
        (square_root_staffing, {"offered_load": 1.0, "beta": math.nan}, "beta"),
        (
            agents_for_service_level,
            {
                "calls_per_hour": 5.0,
                "aht_s": 300.0,
                "target_s": 20.0,
                "service_level": 0.8,
                "patience_s": -3.0,
            },
            "patience_s",
        ),
    ],
)
def test_invalid_inputs_raise_naming_argument(
    func: Callable[..., object], kwargs: dict[str, object], name: str
) -> None:
    with pytest.raises(ValueError, match=name):
        func(**kwargs)


def test_as_dict_keys() -> None:
    c_dict = erlang_c_figures(120.0, 300.0, 11, 20.0).as_dict()
    assert list(c_dict) == ["p_wait", "service_level", "asa_s", "occupancy"]
    a_dict = erlang_a_figures(120.0, 300.0, 11, 120.0, 20.0).as_dict()
    assert list(a_dict) == ["p_wait", "service_level", "asa_s", "occupancy", "p_abandon"]
