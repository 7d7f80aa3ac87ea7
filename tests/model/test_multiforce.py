"""Several forces in one scenario: segments per force and in total, and pooled contact centres."""

from __future__ import annotations

import numpy as np
from scipy import stats

from sim.config import Scenario, scenario_from_dict
from sim.metrics.kpis import replication_metrics
from sim.model.records import CallOutcome
from sim.model.replication import run_replication


def two_forces(pooled: bool, handlers_each: int, calls_per_hour: float = 100.0) -> Scenario:
    """Two identical forces; one pool for both, or one pool each, with the same total staff."""
    channel = {
        "volume_per_year": calls_per_hour * 8760,
        "handling": {"distribution": "exponential", "mean_s": 360},
        "patience": {"distribution": "exponential", "mean_s": 600},
    }
    forces = {name: {"channels": {"101": dict(channel)}} for name in ("north", "south")}
    if pooled:
        pools = {
            "joint": {
                "serves": ["north/101", "south/101"],
                "roster": {"staff": 2 * handlers_each},
            }
        }
    else:
        pools = {
            name: {"serves": [f"{name}/101"], "roster": {"staff": handlers_each}}
            for name in ("north", "south")
        }
    return scenario_from_dict(
        {
            "name": "pooling",
            "days": 7,
            "warmup_days": 1,
            "forces": forces,
            "handler_pools": pools,
        }
    )


def p_wait(scenario: Scenario, replication: int) -> float:
    """Share of measured calls (both forces) that found every handler busy."""
    output = run_replication(scenario, replication)
    calls = output.calls
    inside = (calls.arrival_s >= 0) & (calls.arrival_s < output.horizon_s)
    immediate = (calls.outcome == CallOutcome.ANSWERED) & (calls.answered_s == calls.arrival_s)
    return 1.0 - immediate[inside].mean()


def test_metrics_name_each_force_first_and_give_scenario_totals() -> None:
    output = run_replication(two_forces(pooled=False, handlers_each=12), 0)
    values = {(v.metric, v.segment, v.stat): v.value for v in replication_metrics(output)}
    north = values[("offered", "north/101", "count")]
    south = values[("offered", "south/101", "count")]
    assert values[("offered", "101", "count")] == north + south
    assert ("answer_time", "north/101", "p90") in values
    assert ("occupancy", "north", "value") in values and ("occupancy", "south", "value") in values


def test_pooling_two_forces_never_raises_and_under_load_lowers_waiting() -> None:
    # The square-root staffing effect: one pool of 2n handlers answers two
    # streams better than two pools of n, on common random numbers.
    for handlers_each, loaded in ((16, False), (12, True)):
        separate = np.array([p_wait(two_forces(False, handlers_each), r) for r in range(6)])
        pooled = np.array([p_wait(two_forces(True, handlers_each), r) for r in range(6)])
        difference = pooled - separate
        assert difference.mean() <= 0, (handlers_each, separate, pooled)
        if loaded:
            # Paired 95% interval of the reduction lies wholly below zero.
            half = stats.t.ppf(0.975, 5) * difference.std(ddof=1) / np.sqrt(6)
            assert difference.mean() + half < 0
            assert separate.mean() - pooled.mean() > 0.05
