"""The simulated contact centre against queueing theory (DESIGN §7.1).

With Poisson arrivals, exponential handling and constant staff, the probability
of waiting, the mean wait of answered calls and the service level must match
Erlang C; with exponential patience, Erlang A, the abandonment probability too.

Each figure is estimated per replication and the analytic value must lie inside
the 99% t-interval across replications. The seeds are fixed, so the tests do not
flake; the interval is derived from the replications, so they are not vacuous
(half-widths are asserted small as well).
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from sim.analytic import erlang_a_figures, erlang_c_figures
from sim.model.replication import run_replication
from tests.helpers import measured_waits, single_queue

AHT_S = 300.0
TARGET_S = 20.0


def replication_figures(scenario, replications: int) -> dict[str, np.ndarray]:
    """Per-replication p_wait, asa_s, service_level and p_abandon."""
    figures: dict[str, list[float]] = {
        "p_wait": [],
        "asa_s": [],
        "service_level": [],
        "p_abandon": [],
    }
    for replication in range(replications):
        wait, answered, abandoned = measured_waits(run_replication(scenario, replication))
        immediate = answered & (wait == 0.0)
        figures["p_wait"].append(1.0 - immediate.mean())
        figures["asa_s"].append(wait[answered].mean())
        figures["service_level"].append((answered & (wait <= TARGET_S)).mean())
        figures["p_abandon"].append(abandoned.mean())
    return {key: np.asarray(values) for key, values in figures.items()}


def assert_within_interval(
    name: str, values: np.ndarray, expected: float, max_rel_half: float
) -> None:
    """``expected`` lies in the 99% t-interval of ``values``, and that interval is tight.

    Tight means a half-width below ``max_rel_half`` of the expected value, or
    below an absolute floor (2 s for a wait, 0.01 for a probability) where the
    value itself is small.
    """
    n = len(values)
    mean = values.mean()
    half = stats.t.ppf(0.995, n - 1) * values.std(ddof=1) / np.sqrt(n)
    assert abs(mean - expected) <= half, (
        f"{name}: analytic {expected:.5g} outside simulated {mean:.5g} ± {half:.3g} (99%)"
    )
    # Guard against a vacuous pass: the interval must be narrow relative to the value.
    floor = 2.0 if name.endswith("_s") else 0.01
    assert half <= max(max_rel_half * abs(expected), floor), (
        f"{name}: interval ±{half:.3g} too wide"
    )


def check_erlang_c(load: float, agents: int, replications: int, days: float) -> None:
    calls_per_hour = load * agents * 3600.0 / AHT_S
    scenario = single_queue(calls_per_hour, AHT_S, agents, days=days, warmup_days=1.0, seed=7)
    simulated = replication_figures(scenario, replications)
    theory = erlang_c_figures(calls_per_hour, AHT_S, agents, TARGET_S)
    assert_within_interval("p_wait", simulated["p_wait"], theory.p_wait, 0.1)
    assert_within_interval("asa_s", simulated["asa_s"], theory.asa_s, 0.2)
    assert_within_interval("service_level", simulated["service_level"], theory.service_level, 0.1)
    assert np.all(simulated["p_abandon"] == 0.0)


def check_erlang_a(
    load: float, agents: int, patience_s: float, replications: int, days: float
) -> None:
    calls_per_hour = load * agents * 3600.0 / AHT_S
    scenario = single_queue(
        calls_per_hour, AHT_S, agents, patience_s=patience_s, days=days, warmup_days=1.0, seed=11
    )
    simulated = replication_figures(scenario, replications)
    theory = erlang_a_figures(calls_per_hour, AHT_S, agents, patience_s, TARGET_S)
    assert theory.p_abandon is not None
    assert_within_interval("p_wait", simulated["p_wait"], theory.p_wait, 0.1)
    assert_within_interval("asa_s", simulated["asa_s"], theory.asa_s, 0.2)
    assert_within_interval("service_level", simulated["service_level"], theory.service_level, 0.1)
    assert_within_interval("p_abandon", simulated["p_abandon"], theory.p_abandon, 0.25)


def test_erlang_c_at_80_percent_load() -> None:
    check_erlang_c(load=0.8, agents=10, replications=10, days=14)


def test_erlang_a_overloaded() -> None:
    # Offered load above capacity: only abandonment keeps the queue stable.
    check_erlang_a(load=1.05, agents=10, patience_s=240.0, replications=10, days=5)


@pytest.mark.slow
@pytest.mark.parametrize("load", [0.5, 0.7, 0.85, 0.95])
def test_erlang_c_across_loads(load: float) -> None:
    check_erlang_c(load=load, agents=12, replications=20, days=14 if load < 0.9 else 40)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("load", "patience_s"), [(0.5, 120.0), (0.8, 300.0), (0.95, 600.0), (1.2, 180.0)]
)
def test_erlang_a_across_loads(load: float, patience_s: float) -> None:
    check_erlang_a(load=load, agents=12, patience_s=patience_s, replications=20, days=14)


@pytest.mark.slow
def test_erlang_c_large_centre() -> None:
    # 200 agents at 95% load: the square-root staffing regime of a large centre.
    check_erlang_c(load=0.95, agents=200, replications=12, days=4)
