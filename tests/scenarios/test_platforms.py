"""Platforms: application to a scenario, each field's effect, outages, learning curve.

Every effect test compares the same scenario with and without one platform
field on common random numbers (the same seed and replication).
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml

from sim.config import InputError, Scenario, load_scenario, scenario_from_dict
from sim.metrics.kpis import (
    call_records,
    incident_records,
    replication_metrics,
    replication_records,
)
from sim.metrics.windows import calls_in_period
from sim.model.records import CallOutcome, ReplicationOutput
from sim.runs.replicate import simulate_replication
from sim.scenarios.platforms import POOLED_POOL_ID, apply_platform
from sim.scenarios.variants import expand_experiment_file
from tests.helpers import CONFIGS

DEMO = CONFIGS / "demo.yaml"


def _force(other: str, units: int, grade1_999: float = 0.5) -> dict[str, Any]:
    return {
        "channels": {
            "999": {
                "volume_per_year": 2 * 24 * 365,
                "handling": {"distribution": "exponential", "mean_s": 120.0},
                "wrap_up": {"distribution": "constant", "value_s": 30.0},
                "grading": {"grade1": grade1_999, "grade2": 0.2},
            },
            "101": {
                "volume_per_year": 20 * 24 * 365,
                "handling": {"distribution": "exponential", "mean_s": 300.0},
                "wrap_up": {"distribution": "exponential", "mean_s": 60.0},
                "grading": {"grade1": 0.02, "grade2": 0.1, "no_deployment": 0.5},
            },
        },
        "areas": {
            "urban": {
                "share": 1.0,
                "units": {"staff": units},
                "travel": {"distribution": "lognormal", "median_s": 480.0, "p90_s": 900.0},
                "neighbours": [f"{other}/urban"],
                "help_penalty_s": 120.0,
            }
        },
        "response": {
            "on_scene": {
                "grade1": {"distribution": "exponential", "mean_s": 3600.0},
                "grade2": {"distribution": "exponential", "mean_s": 3600.0},
            },
            "help_from_neighbours": True,
            "dispatch_delay_s": 60.0,
        },
    }


def two_forces(
    staff: int = 3, units_a: int = 4, units_b: int = 4, days: float = 4.0, **extra: Any
) -> dict[str, Any]:
    """Two identical forces (a, b), each with its own pool of ``staff`` handlers."""
    return {
        "name": "two",
        "days": days,
        "warmup_days": 0.5,
        "seed": 7,
        "replications": 1,
        "forces": {"a": _force("b", units_a), "b": _force("a", units_b)},
        "handler_pools": {
            "pa": {"serves": ["a/999", "a/101"], "roster": {"staff": staff}},
            "pb": {"serves": ["b/999", "b/101"], "roster": {"staff": staff}},
        },
        **extra,
    }


def run(raw: dict[str, Any], platform: Any = None, replication: int = 0) -> ReplicationOutput:
    raw = copy.deepcopy(raw)
    if platform is not None:
        raw["platform"] = platform
    return simulate_replication(scenario_from_dict(raw), replication)


def metrics(output: ReplicationOutput) -> dict[tuple[str, str, str], float]:
    return {(m.metric, m.segment, m.stat): m.value for m in replication_metrics(output)}


def occupancy(output: ReplicationOutput) -> float:
    """Busy share of all handler time (%), over every pool."""
    return 100 * sum(p.busy_s for p in output.pools) / sum(p.present_s for p in output.pools)


def p_wait(output: ReplicationOutput) -> float:
    """Share of answered calls (measured period) that waited at all."""
    calls = output.calls
    answered = calls_in_period(output) & (calls.outcome == CallOutcome.ANSWERED)
    waited = calls.answer_wait_s > 1e-9
    return float((answered & waited).sum() / answered.sum())


# --------------------------------------------------------------------------- application


def test_applying_a_platform_leaves_the_original_unchanged() -> None:
    scenario = load_scenario(DEMO, ["platform=cmp"])
    before = scenario.model_dump()
    applied = apply_platform(scenario)
    assert scenario.model_dump() == before
    assert scenario.platform is not None and scenario.platform.name == "cmp"
    assert applied.platform is None
    assert applied.model_dump() != before
    # Two forces: pools merged into one, the original keeps both.
    raw = two_forces()
    original = scenario_from_dict({**raw, "platform": "cmp"})
    dumped = original.model_dump()
    pooled = apply_platform(original)
    assert original.model_dump() == dumped
    assert list(original.handler_pools) == ["pa", "pb"]
    assert list(pooled.handler_pools) == [POOLED_POOL_ID]
    assert pooled.handler_pools[POOLED_POOL_ID].roster.staff == 6
    assert set(pooled.handler_pools[POOLED_POOL_ID].serves) == {"a/999", "a/101", "b/999", "b/101"}


def test_shipped_platforms_are_valid() -> None:
    for name in ("legacy", "cmp", "cmp-unstable", "cmp-learning"):
        scenario = load_scenario(DEMO, [f"platform={name}"])
        assert scenario.platform is not None and scenario.platform.name == name


def test_legacy_gives_results_identical_to_no_platform() -> None:
    plain = load_scenario(DEMO, ["days=3"])
    legacy = load_scenario(DEMO, ["days=3", "platform=legacy"])
    assert metrics(simulate_replication(plain, 0)) == metrics(simulate_replication(legacy, 0))
    raw = two_forces()
    assert metrics(run(raw)) == metrics(run(raw, "legacy"))


def test_same_seed_same_results_with_a_platform() -> None:
    raw = two_forces()
    platform = {"outages": {"mtbf_hours": 12, "mttr_hours": 3, "handling_multiplier": 2.0}}
    one, two = run(raw, platform), run(raw, platform)
    assert metrics(one) == metrics(two)
    np.testing.assert_array_equal(one.outages.start_s, two.outages.start_s)
    assert metrics(run(raw, "cmp")) == metrics(run(raw, "cmp"))


# --------------------------------------------------------------------------- each field


def test_handling_multiplier_lowers_answer_time_and_occupancy() -> None:
    raw = two_forces()
    base = run(raw)
    faster = run(raw, {"handling_multiplier": {"101": 0.8, "999": 0.8}})
    assert (
        metrics(faster)[("answer_time", "101", "mean")]
        < metrics(base)[("answer_time", "101", "mean")]
    )
    assert occupancy(faster) < occupancy(base)


def test_wrap_up_multiplier_lowers_occupancy() -> None:
    raw = two_forces()
    assert occupancy(run(raw, {"wrap_up_multiplier": {"101": 0.5}})) < occupancy(run(raw))


def test_sms_advice_lowers_wrap_up_occupancy_and_offered_calls() -> None:
    raw = two_forces()
    base = run(raw)
    sms = run(
        raw,
        {"sms_advice": {"101": {"share": 0.5, "wrap_up_multiplier": 0.2, "repeat_call_rate": 0.2}}},
    )
    assert metrics(sms)[("offered", "101", "count")] < metrics(base)[("offered", "101", "count")]
    assert occupancy(sms) < occupancy(base)
    is_101 = np.isin(sms.calls.queue, [i for i, q in enumerate(sms.queues) if q[1] == "101"])
    base_101 = np.isin(base.calls.queue, [i for i, q in enumerate(base.queues) if q[1] == "101"])
    assert sms.calls.wrap_s[is_101].mean() < base.calls.wrap_s[base_101].mean()


def test_online_shift_moves_101_demand_online() -> None:
    raw = two_forces()
    base, shifted = metrics(run(raw)), metrics(run(raw, {"online_shift": 0.3}))
    assert shifted[("offered", "101", "count")] < base[("offered", "101", "count")]
    assert base.get(("offered", "online", "count"), 0.0) == 0.0
    assert shifted[("offered", "online", "count")] > 0
    assert shifted[("offered", "a/online", "count")] > 0


def test_pooling_lowers_the_probability_of_waiting() -> None:
    raw = two_forces(staff=3)
    separate = [p_wait(run(raw, replication=r)) for r in range(3)]
    pooled = [p_wait(run(raw, {"pooled_contact_centre": True}, r)) for r in range(3)]
    assert all(p < s for p, s in zip(pooled, separate, strict=True))
    assert np.mean(pooled) < 0.8 * np.mean(separate)


def test_cross_force_scope_lets_the_other_force_attend() -> None:
    # Force a is short of units; b has plenty. Grade 1 in a waits unless b may help.
    raw = two_forces(units_a=1, units_b=8, days=5)
    raw["forces"]["a"]["channels"]["101"]["grading"]["grade1"] = 0.08
    force_only = run(raw, {"dispatch_scope": "force"})
    borderless = run(raw, {"dispatch_scope": "cross_force"})
    records = incident_records(borderless)
    crossed = records[(records["force"] == "a") & (records["unit_force"] == "b")]
    assert len(crossed) > 0 and crossed["helped"].all()
    before = incident_records(force_only)
    assert not ((before["force"] == "a") & (before["unit_force"] == "b")).any()
    key = ("attendance_time", "a/grade1/urban", "mean")
    assert metrics(borderless)[key] < metrics(force_only)[key]


def test_area_scope_stops_help_from_neighbours() -> None:
    raw = two_forces(units_a=1, units_b=8)
    raw["forces"]["a"]["channels"]["101"]["grading"]["grade1"] = 0.08
    records = incident_records(run(raw, {"dispatch_scope": "area"}))
    assert not records["helped"].any()


def test_dispatch_delay_raises_dispatch_delay() -> None:
    raw = two_forces()
    key = ("dispatch_delay", "grade1", "mean")
    assert metrics(run(raw, {"dispatch_delay_s": 600}))[key] > metrics(run(raw))[key]


OUTAGES = {"mtbf_hours": 12, "mttr_hours": 4, "handling_multiplier": 2.0}


def test_outages_raise_answer_times() -> None:
    raw = two_forces()
    key = ("answer_time", "101", "mean")
    assert metrics(run(raw, {"outages": OUTAGES}))[key] > metrics(run(raw))[key]


def test_outages_show_in_the_records_with_the_degraded_talk_time() -> None:
    output = run(two_forces(), {"outages": OUTAGES})
    records = replication_records(output)
    outages = records["outages"]
    assert len(outages) > 0 and (outages["end_s"] > outages["start_s"]).all()
    calls = records["calls"]
    inside = calls[calls["in_outage"]]
    outside = calls[~calls["in_outage"] & calls["answered_s"].notna()]
    assert len(inside) > 10 and len(outside) > 10
    assert (inside["talk_multiplier"] == 2.0).all()
    assert (inside["talk_s"] == inside["sampled_talk_s"] * 2.0).all()
    assert (outside["talk_multiplier"] == 1.0).all()
    assert (outside["talk_s"] == outside["sampled_talk_s"]).all()
    # Each in-outage answer falls inside a recorded window.
    for answered in inside["answered_s"].head(20):
        assert ((outages["start_s"] <= answered) & (answered < outages["end_s"])).any()
    assert metrics(output)[("platform_outage", "time", "value")] > 0


def test_outages_slow_dispatch_in_degraded_mode() -> None:
    raw = two_forces()
    slow = {**OUTAGES, "handling_multiplier": 1.0, "dispatch_delay_multiplier": 5.0}
    key = ("dispatch_delay", "grade1", "mean")
    assert metrics(run(raw, {"outages": slow}))[key] > metrics(run(raw))[key]


def test_learning_curve_raises_answer_time_early_and_not_late() -> None:
    raw = two_forces(days=14)
    curve = {"initial_multiplier": 1.6, "weeks": 1, "shape": "linear"}
    base, learning = run(raw), run(raw, {"learning_curve": curve})
    records = call_records(learning)
    answered = records["answered_s"]
    early = answered < 2 * 86_400
    late = answered > 7 * 86_400
    assert (records.loc[early, "talk_multiplier"] > 1.2).all()
    assert (records.loc[late, "talk_multiplier"] == 1.0).all()

    def mean_wait(output: ReplicationOutput, start_day: float, end_day: float) -> float:
        calls = output.calls
        arrival = calls.arrival_s
        mask = (arrival >= start_day * 86_400) & (arrival < end_day * 86_400)
        return float(np.nanmean(calls.answer_wait_s[mask]))

    assert mean_wait(learning, 0, 2) > 1.5 * mean_wait(base, 0, 2)
    assert mean_wait(learning, 9, 14) == pytest.approx(mean_wait(base, 9, 14), rel=0.1)


@pytest.mark.parametrize("shape", ["linear", "exponential"])
def test_learning_curve_shapes_decay_to_the_steady_value(shape: str) -> None:
    scenario = scenario_from_dict(
        {**two_forces(), "platform": {"learning_curve": {"initial_multiplier": 1.5,
                                                         "steady_multiplier": 1.1,
                                                         "weeks": 2, "shape": shape}}}
    )  # fmt: skip
    curve = scenario.platform.learning_curve  # type: ignore[union-attr]
    week = 7 * 86_400
    assert curve.multiplier_at(0) == 1.5
    assert 1.1 < curve.multiplier_at(week) < 1.5
    assert curve.multiplier_at(4 * week) == pytest.approx(1.1, abs=0.01)


# --------------------------------------------------------------------------- errors


def test_unknown_platform_names_the_field_and_lists_platforms() -> None:
    with pytest.raises(InputError) as caught:
        load_scenario(DEMO, ["platform=nope"])
    text = str(caught.value)
    assert "platform: is 'nope', which is not a platform" in text
    assert "cmp" in text and "legacy" in text


@pytest.mark.parametrize(
    ("platform", "path"),
    [
        ({"handling_multiplier": {"101": -1}}, "platform.handling_multiplier.101"),
        ({"handling_multiplier": {"112": 0.9}}, "platform.handling_multiplier.112"),
        ({"dispatch_scope": "galaxy"}, "platform.dispatch_scope"),
        ({"online_shift": 1.5}, "platform.online_shift"),
        ({"outages": {"mtbf_hours": 0, "mttr_hours": 1}}, "platform.outages.mtbf_hours"),
        ({"learning_curve": {"initial_multiplier": 1.2}}, "platform.learning_curve.weeks"),
        ({"colour": "red"}, "platform.colour"),
    ],
)
def test_bad_platform_fields_name_the_field(platform: dict[str, Any], path: str) -> None:
    with pytest.raises(InputError) as caught:
        scenario_from_dict({**two_forces(), "platform": platform}, "s.yaml")
    assert f"s.yaml: {path}:" in str(caught.value)


def test_bad_cross_force_neighbour_names_the_field() -> None:
    raw = two_forces()
    raw["forces"]["a"]["areas"]["urban"]["neighbours"] = ["c/urban"]
    with pytest.raises(InputError) as caught:
        scenario_from_dict(raw, "s.yaml")
    assert "s.yaml: forces.a.areas.urban.neighbours.0: 'c/urban' is not an area" in str(
        caught.value
    )


def test_experiments_apply_a_platform_to_every_scenario(tmp_path: Path) -> None:
    (tmp_path / "base.yaml").write_text(yaml.safe_dump(two_forces()))
    experiment = {
        "name": "exp",
        "base": "base.yaml",
        "platform": "cmp",
        "baseline": "now",
        "scenarios": [{"name": "now"}, {"name": "old", "set": {"platform": "legacy"}}],
    }
    (tmp_path / "exp.yaml").write_text(yaml.safe_dump(experiment))
    plan = expand_experiment_file(tmp_path / "exp.yaml")
    platforms = {s.name: s.scenario.platform.name for s in plan.variants}  # type: ignore[union-attr]
    assert platforms == {"now": "cmp", "old": "legacy"}


def test_scenario_without_platform_is_unchanged_by_apply() -> None:
    scenario: Scenario = load_scenario(DEMO)
    assert apply_platform(scenario) is scenario
