"""Staffing requirement: target parsing, Erlang at the offered load, FMMW against SIPP."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sim.analytic import agents_for_service_level, erlang_a_figures
from sim.config import MINUTES_PER_WEEK, InputError, load_scenario, scenario_from_dict
from sim.metrics.windows import interval_edges, interval_of
from sim.planning.load import expected_offered_load
from sim.planning.pool import erlang_staff, resolve_pool
from sim.planning.simulation import PoolCalls, simulate_calls
from sim.planning.staffing import (
    pool_estimate,
    redial_load,
    with_staff,
)
from sim.planning.targets import parse_target
from sim.planning.verification import rostered_for

ROOT = Path(__file__).resolve().parents[2]
MMC = str(ROOT / "configs" / "mmc.yaml")

# --------------------------------------------------------------------------- targets


def test_parse_target_forms() -> None:
    t = parse_target("answered_within_target:999>=90")
    assert (t.metric, t.segment, t.stat, t.op, t.value) == (
        "answered_within_target", "999", "value", ">=", 90.0,
    )  # fmt: skip
    t = parse_target(" answer_time : 101 : p90 <= 120 ")
    assert (t.metric, t.segment, t.stat, t.op, t.value) == ("answer_time", "101", "p90", "<=", 120)
    assert parse_target("answer_time:tvp/101<=30").stat == "mean"
    assert str(parse_target("abandoned:101<=5")) == "abandoned:101<=5"


#: Bad ``--target`` texts and what the error names.
BAD_TARGETS = [
    ("answered_within_target:999", "cannot read"),
    ("answered_within_target:999=>90", "cannot read"),
    ("answered:999>=90", "unknown metric 'answered'"),
    ("answer_time:101:p99<=120", "no statistic 'p99'"),
    ("answered_within_target:999:p90>=90", "no statistic 'p90'"),
    ("answered_within_target:999<=90", "must use >="),
    ("answer_time:101:p90>=120", "must use <="),
    ("answered_within_target:999>=ninety", "is not a number"),
    ("answered_within_target:999>=120", "out of range"),
    ("answer_time:101<=0", "out of range"),
    ("abandoned:101<=nan", "out of range"),
]


@pytest.mark.parametrize(("text", "named"), BAD_TARGETS)
def test_bad_targets_name_the_problem(text: str, named: str) -> None:
    with pytest.raises(InputError) as caught:
        parse_target(text)
    assert named in str(caught.value)


def test_target_on_a_channel_the_pool_does_not_answer() -> None:
    scenario = load_scenario(MMC)
    with pytest.raises(InputError) as caught:
        resolve_pool(scenario, "handlers", [parse_target("answered_within_target:999>=90")], 30)
    assert "does not answer segment '999'" in str(caught.value)
    assert "expected one of 101" in str(caught.value)
    with pytest.raises(InputError, match="no such handler pool"):
        resolve_pool(scenario, "nobody", [parse_target("abandoned:101<=5")], 30)
    with pytest.raises(InputError, match="--interval"):
        resolve_pool(scenario, "handlers", [parse_target("abandoned:101<=5")], 20)


# --------------------------------------------------------------------------- Erlang


@pytest.mark.parametrize(("calls_per_hour", "aht_s", "goal"), [(100, 360, 80), (400, 240, 90)])
def test_erlang_staff_matches_agents_for_service_level(
    calls_per_hour: float, aht_s: float, goal: float
) -> None:
    target = parse_target(f"answered_within_target:101>={goal}")
    load = calls_per_hour * aht_s / 3600
    expected = agents_for_service_level(calls_per_hour, aht_s, 20, goal / 100)
    assert erlang_staff(load, aht_s, [(target, 20.0, None)], 1000) == expected
    expected_a = agents_for_service_level(calls_per_hour, aht_s, 20, goal / 100, patience_s=300)
    assert erlang_staff(load, aht_s, [(target, 20.0, 300.0)], 1000) == expected_a


def test_erlang_staff_other_targets_are_smallest() -> None:
    load, aht = 10.0, 360.0
    rate = load / aht * 3600
    for text, ok in [
        ("abandoned:101<=3", lambda f: f.p_abandon <= 0.03),
        ("answer_time:101<=15", lambda f: f.asa_s <= 15),
        ("answer_time:101:p90<=60", lambda f: f.service_level / (1 - f.p_abandon) >= 0.9),
    ]:
        target = parse_target(text)
        wait = 0.0 if target.stat == "mean" else target.value
        staff = erlang_staff(load, aht, [(target, 20.0, 240.0)], 1000)
        assert ok(erlang_a_figures(rate, aht, staff, 240.0, wait))
        assert not ok(erlang_a_figures(rate, aht, staff - 1, 240.0, wait))


def test_rostered_for_adds_shrinkage_back() -> None:
    available = np.arange(0, 60)
    for shrinkage in (0.0, 0.1, 0.25, 0.3):
        rostered = rostered_for(available, shrinkage)
        assert np.all(np.floor(rostered * (1 - shrinkage) + 0.5) >= available)
        assert np.all(np.floor((rostered - 1) * (1 - shrinkage) + 0.5) < available)


# --------------------------------------------------------------------------- offered load


def simulated_load(runs: list[PoolCalls], interval_minutes: int, redials_only: bool = False):
    """Independent estimate: calls in progress if each were answered on arrival, per interval."""
    intervals = MINUTES_PER_WEEK // interval_minutes
    area, length = np.zeros(intervals), np.zeros(intervals)
    for run in runs:
        keep = run.attempt > 0 if redials_only else np.ones(run.arrival_s.size, dtype=bool)
        start, end = run.arrival_s[keep], (run.arrival_s + run.busy_s)[keep]
        edges = interval_edges(run.horizon_s, interval_minutes)
        # Time each call spends in [edge_k, edge_k+1), summed: the integral of the count.
        for k in range(edges.size - 1):
            overlap = np.clip(np.minimum(end, edges[k + 1]) - np.maximum(start, edges[k]), 0, None)
            slot = interval_of(np.array([edges[k]]), interval_minutes)[0]
            area[slot] += overlap.sum()
            length[slot] += edges[k + 1] - edges[k]
    return np.divide(area, length, out=np.zeros(intervals), where=length > 0)


HOURLY = (1 + 0.8 * np.sin(2 * np.pi * np.arange(24) / 24)).round(3).tolist()


def varying(calls_per_hour: float = 60, aht_s: float = 1800, replications: int = 5, **channel):
    """A sinusoidal day and long calls: the offered load lags the arrival rate."""
    return scenario_from_dict(
        {
            "name": "varying",
            "days": 7,
            "warmup_days": 0.5,
            "seed": 3,
            "replications": replications,
            "forces": {
                "f": {
                    "channels": {
                        "101": {
                            "volume_per_year": calls_per_hour * 8760,
                            "profile": {"hourly": HOURLY},
                            "handling": {"distribution": "exponential", "mean_s": aht_s},
                            "answer_target_s": 20,
                            **channel,
                        }
                    }
                }
            },
            "handler_pools": {"pool": {"serves": ["101"], "roster": {"staff": 200}}},
        }
    )


def test_exact_offered_load_matches_the_ample_staff_simulation() -> None:
    setup = resolve_pool(varying(), "pool", [parse_target("abandoned:101<=5")], 60)
    exact = expected_offered_load(setup)
    runs = simulate_calls(setup.scenario, setup.refs(), 6)
    simulated = simulated_load(runs, 60)
    # Six replications of a week: about 3% noise per interval at these loads.
    assert np.mean(simulated) == pytest.approx(np.mean(exact), rel=0.02)
    assert np.corrcoef(simulated, exact)[0, 1] > 0.98
    # The load lags the arrival rate: the rate is the same at 05:00 and 07:00
    # (either side of its 06:00 peak), the load is higher at 07:00.
    assert HOURLY[5] == HOURLY[7]
    assert exact[7] > exact[5] + 1


# --------------------------------------------------------------------------- redials


def test_analytic_redial_load_matches_the_simulated_redials() -> None:
    redial = {
        "patience": {"distribution": "exponential", "mean_s": 60},
        "redial": {"probability": 0.9, "delay": {"distribution": "exponential", "mean_s": 60}},
    }
    scenario = varying(calls_per_hour=120, aht_s=300, replications=3, **redial)
    setup = resolve_pool(scenario, "pool", [parse_target("answered_within_target:101>=60")], 60)
    estimate = pool_estimate(setup)
    steps = [row for row in estimate.iterations if row["step"].startswith("fmmw")]
    assert estimate.converged and steps[-1]["intervals_changed"] == 0
    assert steps[0]["redial_load_erlang_hours"] > 0
    # Staffing a little short, so that callers hang up and ring again.
    short = np.maximum(estimate.staff - 2, 1)
    first = expected_offered_load(setup)
    aht = np.full(setup.intervals, 300.0)
    analytic = np.zeros(setup.intervals)
    for _ in range(30):  # redials add load, which adds abandonment: to the fixed point
        analytic = redial_load(setup, short, first + analytic, aht)
    runs = simulate_calls(with_staff(setup, short), setup.refs(), 4)
    simulated = simulated_load(runs, 60, redials_only=True)
    # Erlang A per interval against the simulated redials, over the week: within a fifth.
    assert analytic.sum() == pytest.approx(simulated.sum(), rel=0.2)
    assert analytic.sum() > 1.0


def test_erlang_staff_from_a_guess_or_a_floor_is_the_same_number() -> None:
    """Stepping from a hint, or starting at a floor, changes the work, never the answer."""
    target = parse_target("answered_within_target:101>=80")
    targets = [(target, 20.0, 300.0)]
    for load in (0.3, 2.5, 9.0, 40.0, 120.0):
        plain = erlang_staff(load, 300.0, targets, 1000)
        for hint in (1, plain - 7, plain - 1, plain, plain + 1, plain + 9, 1000):
            assert erlang_staff(load, 300.0, targets, 1000, hint=max(hint, 1)) == plain
        for floor in (1, plain - 3, plain, plain + 4):
            floored = erlang_staff(load, 300.0, targets, 1000, floor=max(floor, 1), hint=plain)
            assert floored == max(plain, floor)
