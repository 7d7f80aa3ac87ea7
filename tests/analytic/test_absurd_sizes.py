"""Erlang computations cost time in proportion to the agents, and refuse absurd sizes (issue 21).

The recursions step one agent at a time, so a head count typed with three
zeros too many once ran for minutes. Past :data:`sim.analytic.erlang.MAX_AGENTS`
every entry point refuses at once, naming the argument; at the bound each
still answers quickly.
"""

from __future__ import annotations

import time

import pytest

from sim.analytic import agents_for_service_level, erlang_a_figures, erlang_b, erlang_c_figures
from sim.analytic.erlang import MAX_AGENTS


@pytest.mark.parametrize(
    "compute",
    [
        lambda n: erlang_c_figures(100.0, 300.0, n, 20.0),
        lambda n: erlang_a_figures(100.0, 300.0, n, 120.0, 20.0),
        lambda n: erlang_b(n, 10.0),
        lambda n: agents_for_service_level(100.0, 300.0, 20.0, 0.8, max_agents=n),
    ],
    ids=["erlang-c", "erlang-a", "erlang-b", "staffing"],
)
def test_absurd_head_counts_are_refused_at_once(compute) -> None:
    started = time.perf_counter()
    with pytest.raises(ValueError, match=f"at most {MAX_AGENTS:,}"):
        compute(1_000_000_000)
    assert time.perf_counter() - started < 0.1


def test_the_largest_head_count_allowed_answers_quickly() -> None:
    started = time.perf_counter()
    figures = erlang_c_figures(3_600_000.0, 3.6, MAX_AGENTS, 20.0)  # 3,600 Erlangs
    assert time.perf_counter() - started < 2.0
    assert figures.p_wait == pytest.approx(0.0, abs=1e-12)
    assert figures.occupancy == pytest.approx(3_600 / MAX_AGENTS)
