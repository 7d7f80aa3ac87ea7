"""Staffing an area's response units against attendance targets (``staff --area``)."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from sim.analytic import erlang_c
from sim.config import InputError, load_scenario, scenario_from_dict
from sim.planning.area import attendance_meets, erlang_units, resolve_area
from sim.planning.load import area_offered_load
from sim.planning.simulation import simulate_incidents
from sim.planning.targets import UNIT_METRICS, parse_target
from sim.planning.unit_staffing import unit_estimate, unit_requirement
from sim.runs.executors import ProcessExecutor

ROOT = Path(__file__).resolve().parents[2]
DEMO = str(ROOT / "configs" / "demo.yaml")
ZERO_TRAVEL = {"distribution": "constant", "value_s": 0}
ON_SCENE_S = 1800.0


def units_raw(
    per_year: float,
    grading: dict[str, float],
    travel: dict[str, Any] = ZERO_TRAVEL,
    hourly: list[float] | None = None,
    days: float = 28,
    replications: int = 4,
    units: Any = 10,
) -> dict[str, Any]:
    """One force, incidents only from online reports (Poisson, no desk review), one area."""
    online: dict[str, Any] = {"volume_per_year": per_year, "grading": grading}
    if hourly is not None:
        online["profile"] = {"hourly": hourly}
    on_scene = {"distribution": "exponential", "mean_s": ON_SCENE_S}
    return {
        "name": "units",
        "days": days,
        "warmup_days": 1,
        "seed": 7,
        "replications": replications,
        "forces": {
            "f": {
                "channels": {
                    "101": {
                        "volume_per_year": 0,
                        "handling": {"distribution": "exponential", "mean_s": 300},
                    }
                },
                "online": online,
                "areas": {
                    "urban": {
                        "share": 1.0,
                        "travel": travel,
                        "units": units if isinstance(units, dict) else {"staff": units},
                    }
                },
                "response": {"on_scene": {"grade1": on_scene, "grade2": on_scene}},
            }
        },
        "handler_pools": {"p": {"serves": ["101"], "roster": {"staff": 1}}},
    }


def unit_targets(*texts: str) -> list:
    return [parse_target(t, UNIT_METRICS) for t in texts]


# --------------------------------------------------------------------------- targets and area


def test_unit_targets_parse_in_minutes() -> None:
    t = parse_target("attendance_time:grade2:p90<=60", UNIT_METRICS)
    assert (t.metric, t.segment, t.stat, t.value, t.unit) == (
        "attendance_time", "grade2", "p90", 60.0, "min",
    )  # fmt: skip
    with pytest.raises(InputError, match="better higher"):
        parse_target("attended_within_target:grade1/urban<=90", UNIT_METRICS)
    with pytest.raises(InputError, match="unknown metric 'answer_time'"):
        parse_target("answer_time:999<=10", UNIT_METRICS)


def test_resolve_area_names_a_bad_area_or_segment() -> None:
    scenario = load_scenario(DEMO)
    with pytest.raises(InputError, match="no such response area; expected one of urban, rural"):
        resolve_area(scenario, "suburb", unit_targets("attendance_time:grade2<=60"), 60)
    with pytest.raises(InputError, match="unknown segment 'grade1/rural'"):
        resolve_area(scenario, "urban", unit_targets("attendance_time:grade1/rural<=20"), 60)
    setup = resolve_area(
        scenario, "demo/urban", unit_targets("attendance_time:demo/grade2/urban<=60"), 60
    )
    assert (setup.force_id, setup.area_id, setup.target_grades) == ("demo", "urban", (1,))
    assert setup.within_min == {0: 15.0, 1: 60.0}


# --------------------------------------------------------------------------- Erlang C


def test_attendance_with_no_travel_is_the_erlang_c_wait() -> None:
    load, job_s, no_delay = 5.0, 1800.0, np.zeros(1)
    for units in (6, 8, 12):
        p_wait = erlang_c(units, load)
        within = 1.0 - p_wait * math.exp(-(units - load) * 600.0 / job_s)
        ok = unit_targets(f"attended_within_target:grade1>={100 * within - 0.01}")[0]
        too_much = unit_targets(f"attended_within_target:grade1>={100 * within + 0.01}")[0]
        assert attendance_meets(ok, 10.0, units, load, job_s, no_delay)
        assert not attendance_meets(too_much, 10.0, units, load, job_s, no_delay)
        mean_min = p_wait / ((units - load) / job_s) / 60.0
        mean = unit_targets(f"dispatch_delay:grade1<={mean_min + 1e-6}")[0]
        assert attendance_meets(mean, 10.0, units, load, job_s, no_delay)
    assert not attendance_meets(ok, 10.0, 5, load, job_s, no_delay)  # units == load: unstable


def smallest_erlang_c(load: float, wait_s: float, share: float, job_s: float) -> int:
    return next(
        c
        for c in range(1, 1000)
        if c > load and 1.0 - erlang_c(c, load) * math.exp(-(c - load) * wait_s / job_s) >= share
    )


def test_erlang_units_is_the_smallest_meeting_number() -> None:
    scenario = scenario_from_dict(units_raw(50_000, {"grade1": 1.0}))
    setup = resolve_area(scenario, "urban", unit_targets("attendance_time:grade1:p90<=10"), 60)
    loads = np.array([0.0, 0.4, 2.5, 5.7, 20.0])
    expected = [1] + [smallest_erlang_c(a, 600.0, 0.9, ON_SCENE_S) for a in loads[1:]]
    assert erlang_units(setup, loads, ON_SCENE_S, 500).tolist() == expected
    with pytest.raises(InputError, match="not reachable with 10 units"):
        erlang_units(setup, loads, ON_SCENE_S, 10)


def test_a_target_shorter_than_travel_is_out_of_reach() -> None:
    travel = {"distribution": "constant", "value_s": 1200}
    scenario = scenario_from_dict(units_raw(50_000, {"grade1": 1.0}, travel=travel))
    setup = resolve_area(scenario, "urban", unit_targets("attendance_time:grade1:p50<=15"), 60)
    with pytest.raises(InputError, match="not reachable"):
        erlang_units(setup, np.array([2.0]), ON_SCENE_S, 200)


# --------------------------------------------------------------------------- by simulation


def test_stationary_load_is_computed_and_staffed_at_the_erlang_c_number() -> None:
    """The load is computed, not sampled: Erlang C's minimum in every hour, no simulation."""
    per_year = 100_000
    scenario = scenario_from_dict(units_raw(per_year, {"grade1": 1.0}, days=28))
    setup = resolve_area(scenario, "urban", unit_targets("attendance_time:grade1:p90<=10"), 60)
    load = per_year / (365 * 24) * ON_SCENE_S / 3600.0
    computed = area_offered_load(setup)
    np.testing.assert_allclose(computed.load, load, rtol=1e-3)
    np.testing.assert_allclose(computed.per_hour, per_year / (365 * 24), rtol=1e-3)
    assert computed.job_s == pytest.approx(ON_SCENE_S, rel=1e-3)
    erlang = smallest_erlang_c(load, 600.0, 0.9, ON_SCENE_S)
    estimate = unit_estimate(setup)
    assert set(estimate.staff) == {erlang} and set(estimate.sipp) == {erlang}


def test_computed_area_load_matches_the_ample_unit_simulation() -> None:
    """Time-varying, two grades, travel: the computed load against the unit jobs simulated."""
    travel = {"distribution": "lognormal", "median_s": 300, "p90_s": 600}
    raw = units_raw(120_000, {"grade1": 0.4, "grade2": 0.6}, travel=travel, hourly=HOURLY,
                    days=28, units=200)  # fmt: skip
    scenario = scenario_from_dict(raw)
    setup = resolve_area(scenario, "urban", unit_targets("attendance_time:grade2:p90<=45"), 60)
    computed = area_offered_load(setup)
    runs = simulate_incidents(scenario, ("f", "urban"), 4)
    busy = np.zeros(setup.intervals)
    hours = np.zeros(setup.intervals)
    for run in runs:
        for start in range(0, int(run.horizon_s), 3600):
            slot = (start // 3600) % 168
            overlap = np.minimum(run.job_end_s, start + 3600) - np.maximum(run.job_start_s, start)
            busy[slot] += np.clip(overlap, 0, None).sum() / 3600
            hours[slot] += 1
    simulated = busy / hours
    assert simulated.mean() == pytest.approx(computed.load.mean(), rel=0.03)
    assert np.corrcoef(simulated, computed.load)[0, 1] > 0.97


@pytest.mark.slow
def test_stationary_requirement_is_the_erlang_c_number() -> None:
    per_year = 100_000
    load = per_year / (365 * 24) * ON_SCENE_S / 3600.0
    erlang = smallest_erlang_c(load, 600.0, 0.9, ON_SCENE_S)
    raw = units_raw(per_year, {"grade1": 1.0}, days=84, replications=6)
    scenario = scenario_from_dict(raw)
    setup = resolve_area(scenario, "urban", unit_targets("attendance_time:grade1:p90<=10"), 60)
    with ProcessExecutor(2) as executor:
        result = unit_requirement(setup, replications=6, executor=executor)
    req = result.requirement
    assert set(req["fmmw_staff"]) == {erlang}
    assert result.converged
    assert np.abs(req["required_staff"] - erlang).max() <= 1


HOURLY = [2, 1.5, 1, 1, 1, 1, 1.5, 2, 3, 4, 5, 5, 5, 5, 5, 5, 6, 6, 7, 7, 6, 5, 4, 3]


@pytest.mark.slow
def test_time_varying_units_meet_the_targets_in_every_interval() -> None:
    travel = {"distribution": "lognormal", "median_s": 300, "p90_s": 600}
    raw = units_raw(120_000, {"grade1": 0.4, "grade2": 0.6}, travel=travel, hourly=HOURLY)
    scenario = scenario_from_dict(raw)
    targets = unit_targets(
        "attended_within_target:grade1/urban>=90", "attendance_time:grade2:p90<=45"
    )
    setup = resolve_area(scenario, "urban", targets, 60)
    with ProcessExecutor(2) as executor:
        result = unit_requirement(setup, replications=4, executor=executor)
    confirmed = result.verification.query("stage == 'confirmation'")
    assert result.converged and confirmed["held"].all()
    req = result.requirement
    # Busier afternoons need more units than the small hours.
    by_hour = req.groupby(req["interval"] % 24)["required_staff"].mean()
    assert by_hour.loc[17:20].mean() > by_hour.loc[2:5].mean() + 2
