"""A scenario that validates must run, and mean something (issue 21, part 1).

Each test here is one input that once validated and then failed, hung or ran
without meaning: zero schedule cars with scheduled demand, outage means of a
femtosecond, a vanishing over-dispersion, a volume and surge planning hundreds
of millions of calls. Each is now refused by :func:`sim.config.scenario_from_dict`
with a problem naming the field and what is expected; the scenarios that run
but mean nothing get a warning naming the field
(:func:`sim.config.scenario_warnings`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest

from sim.config import (
    MAX_ARRIVALS_PER_REPLICATION,
    Channel,
    InputError,
    load_scenario,
    scenario_from_dict,
    scenario_warnings,
)
from sim.config.cost import (
    BYTES_PER_PLANNED_ARRIVAL,
    MAX_REPLICATION_BYTES,
    planned_arrivals,
    planned_replication_cost,
)
from tests.config.problems import DEMO, ROOT, assert_bad, channel, demo_raw, pool

SOURCE = "scenario.yaml"


@dataclass(frozen=True)
class Checked:
    """What validating a scenario found: exit code 0 or 2, and one line per problem."""

    exit_code: int
    stderr: str = ""

    @property
    def output(self) -> str:
        return self.stderr


def check(raw: dict[str, Any]) -> Checked:
    try:
        scenario_from_dict(raw, SOURCE)
    except InputError as exc:
        return Checked(2, "\n".join(str(p) for p in exc.problems))
    return Checked(0)


def demo_force(raw: dict[str, Any]) -> dict[str, Any]:
    return raw["forces"]["demo"]


# --------------------------------------------------------------------------- appointments


def test_zero_schedule_cars_with_scheduled_demand_is_refused() -> None:
    raw = demo_raw()
    demo_force(raw)["appointments"]["cars"] = 0
    line = assert_bad(
        check(raw), SOURCE, "forces.demo.appointments.cars", "is 0", "at least 1 schedule car"
    )
    assert "grading.scheduled" in line  # says which share books appointments


def test_zero_schedule_cars_without_scheduled_demand_is_valid() -> None:
    raw = demo_raw()
    force = demo_force(raw)
    force["appointments"]["cars"] = 0
    for grading in (channel(raw, "999")["grading"], channel(raw, "101")["grading"]):
        grading["scheduled"] = 0.0
    force["online"]["grading"]["scheduled"] = 0.0
    force["resolution"]["escalation"]["scheduled"] = 0.0
    assert check(raw).exit_code == 0, check(raw).stderr


# --------------------------------------------------------------------------- outages


@pytest.mark.parametrize("field", ["mtbf_hours", "mttr_hours"])
def test_outage_means_under_a_minute_are_refused(field: str) -> None:
    raw = demo_raw()
    raw["platform"] = {"outages": {"mtbf_hours": 72, "mttr_hours": 2, field: 1e-15}}
    assert_bad(check(raw), SOURCE, f"platform.outages.{field}", "is 1e-15 h", "at least one minute")


def test_outage_means_of_a_minute_are_valid() -> None:
    raw = demo_raw()
    raw["platform"] = {"outages": {"mtbf_hours": 1 / 60, "mttr_hours": 1 / 60}}
    assert check(raw).exit_code == 0, check(raw).stderr


def test_too_many_expected_outages_are_refused() -> None:
    raw = demo_raw()
    raw["days"] = 400  # 402 days x 24 h / (2 min) = about 289,000 outages
    raw["platform"] = {"outages": {"mtbf_hours": 1 / 60, "mttr_hours": 1 / 60}}
    assert_bad(
        check(raw), SOURCE, "platform.outages.mtbf_hours", "outages per replication",
        "expected at most 100,000", "mttr_hours",
    )  # fmt: skip


# --------------------------------------------------------------------------- over-dispersion


@pytest.mark.parametrize("cv", [1e-155, 1e-300, 5e-7])
def test_vanishing_overdispersion_is_refused(cv: float) -> None:
    raw = demo_raw()
    channel(raw)["overdispersion_cv"] = cv
    demo_force(raw)["online"]["overdispersion_cv"] = cv
    result = check(raw)
    for path in (
        "forces.demo.channels.999.overdispersion_cv",
        "forces.demo.online.overdispersion_cv",
    ):
        assert_bad(result, SOURCE, path, "expected 0 (no over-dispersion) or at least 1e-06")


@pytest.mark.parametrize("cv", [0.0, 1e-6, 0.5, 2.0])
def test_overdispersion_of_none_or_measurable_is_valid(cv: float) -> None:
    raw = demo_raw()
    channel(raw)["overdispersion_cv"] = cv
    assert check(raw).exit_code == 0, check(raw).stderr


# --------------------------------------------------------------------------- cost guard


def test_huge_volume_with_a_long_surge_is_refused_fast() -> None:
    raw = demo_raw()
    call_101 = channel(raw, "101")
    call_101["volume_per_year"] = 5e7
    call_101["surges"] = [{"start_day": 0, "duration_hours": 24 * 28, "multiplier": 100}]
    started = time.perf_counter()
    result = check(raw)
    assert time.perf_counter() - started < 5
    assert_bad(
        result, SOURCE, "forces.demo.channels.101.surges", "call attempts",
        f"expected at most {MAX_ARRIVALS_PER_REPLICATION:,}", "volume_per_year", "days",
    )  # fmt: skip


def test_a_large_volume_without_surges_is_valid() -> None:
    raw = demo_raw()
    channel(raw, "101")["volume_per_year"] = 2e7  # at most 3.1 million attempts over 30 days
    assert check(raw).exit_code == 0, check(raw).stderr


def test_a_volume_needing_more_memory_than_the_bound_is_refused() -> None:
    raw = demo_raw()
    channel(raw, "101")["volume_per_year"] = 5e7  # at most 7.7 million attempts, 5.4 GB
    arrivals, memory = planned_replication_cost(load_scenario(DEMO))
    assert memory == arrivals * BYTES_PER_PLANNED_ARRIVAL
    line = assert_bad(
        check(raw), SOURCE, "forces.demo.channels.101.volume_per_year", "GB of memory",
        f"at most {MAX_REPLICATION_BYTES / 1e9:g} GB", "shorten days",
    )  # fmt: skip
    assert "about 5.4 GB" in line


def test_a_long_measured_period_is_blamed_on_the_biggest_channel() -> None:
    raw = demo_raw()
    channel(raw, "101")["volume_per_year"] = 5e7
    raw["days"] = 365
    assert_bad(check(raw), SOURCE, "forces.demo.channels.101.volume_per_year", "call attempts")


def _channel(**fields: Any) -> Channel:
    return Channel.model_validate(
        {"handling": {"distribution": "constant", "value_s": 60}, **fields}
    )


def test_expected_arrivals_integrate_volume_and_surges() -> None:
    day = 86_400.0
    flat = _channel(volume_per_year=365_000)  # 1,000 a day
    assert planned_arrivals(flat, -2 * day, 10 * day) == pytest.approx(12_000)
    surged = _channel(
        volume_per_year=365_000,
        surges=[
            {"start_day": 1, "duration_hours": 24, "multiplier": 3},
            {"start_day": 1, "start_time": "12:00", "duration_hours": 48, "multiplier": 2},
        ],
    )
    # Day 1 morning x3, day 1 afternoon x6 (surges compound), day 2 x2, half of day 3 x2.
    expected = 10_000 + 500 * 2 + 500 * 5 + 1_000 * 1 + 500 * 1
    assert planned_arrivals(surged, 0.0, 10 * day) == pytest.approx(expected)
    assert planned_arrivals(surged, 0.0, 10 * day, 2.0) == pytest.approx(2 * expected)


def test_expected_arrivals_follow_the_profile_hour_by_hour() -> None:
    rng = np.random.default_rng(7)
    weights = rng.uniform(0, 5, 168).round(3).tolist()
    peaky = _channel(volume_per_year=52_000, profile={"hour_of_week": weights})
    per_hour = 52_000 * 7 / 365 * np.asarray(weights) / sum(weights)
    # From Tuesday 05:30 of the warm-up week to Thursday 13:15 of the second week.
    start_h, end_h = -168 + 24 + 5.5, 168 + 72 + 13.25
    hours = np.arange(np.floor(start_h), np.ceil(end_h))
    overlap = np.minimum(hours + 1, end_h) - np.maximum(hours, start_h)
    brute = float(np.sum(overlap * per_hour[(hours % 168).astype(int)]))
    assert planned_arrivals(peaky, start_h * 3600, end_h * 3600) == pytest.approx(brute)


# --------------------------------------------------------------------------- warnings


def warnings_of(raw: dict[str, Any]) -> list[str]:
    return [str(w) for w in scenario_warnings(scenario_from_dict(raw, SOURCE), SOURCE)]


def test_shipped_scenarios_have_no_warnings() -> None:
    for path in sorted((ROOT / "configs").glob("*.yaml")):
        assert scenario_warnings(load_scenario(path), str(path)) == [], path


def test_shrinkage_that_rounds_every_handler_away_is_an_error_unless_gaps_are_allowed() -> None:
    raw = demo_raw()
    pool(raw)["shrinkage"] = 0.99
    line = assert_bad(check(raw), SOURCE, "handler_pools.contact_centre.shrinkage", "is 0.99")
    assert "all week" in line and "allow_gaps: true" in line


def test_shrinkage_that_empties_some_intervals_is_an_error_unless_gaps_are_allowed() -> None:
    raw = demo_raw()
    # One handler on nights (22:00-07:00): a shrinkage of 0.6 leaves 0.4, rounded to nobody.
    raw["handler_pools"]["contact_centre"]["roster"] = {
        "staff": [1] * 7 + [10] * 15 + [1] * 2,
        "interval_minutes": 60,
    }
    raw["handler_pools"]["contact_centre"]["roster"]["staff"] *= 7
    pool(raw)["shrinkage"] = 0.6
    line = assert_bad(check(raw), SOURCE, "handler_pools.contact_centre.shrinkage", "is 0.6")
    assert "Mon 00:00–Mon 07:00" in line and "at most 1 on duty" in line
    raw["handler_pools"]["contact_centre"]["roster"]["allow_gaps"] = True
    assert check(raw).exit_code == 0


def test_shrinkage_that_rounds_every_handler_away_is_a_warning_where_gaps_are_allowed() -> None:
    raw = demo_raw()
    pool(raw)["shrinkage"] = 0.99
    pool(raw)["roster"]["allow_gaps"] = True
    (line,) = warnings_of(raw)
    assert line.startswith(f"{SOURCE}: handler_pools.contact_centre.shrinkage: is 0.99")
    assert "rounds every rostered handler away" in line


def test_an_area_with_no_unit_all_week_is_a_warning() -> None:
    raw = demo_raw()
    demo_force(raw)["areas"]["rural"]["units"] = {"staff": 0, "allow_gaps": True}
    (line,) = warnings_of(raw)
    assert line.startswith(f"{SOURCE}: forces.demo.areas.rural.units: has no unit on duty")
    assert "grade1 and grade2 demand" in line


def test_a_measured_period_shorter_than_handling_is_a_warning() -> None:
    raw = demo_raw()
    raw["days"] = 1e-6
    lines = warnings_of(raw)
    assert {line.split(": ")[1] for line in lines} == {"days"}
    assert any("forces.demo.channels.999" in line for line in lines)
    assert any("forces.demo.channels.101" in line for line in lines)


def test_planned_arrivals_match_the_models_integrated_rate() -> None:
    from sim.model.demand import expected_arrivals, rate_segments

    surged = _channel(
        volume_per_year=200_000,
        profile={"hourly": list(range(1, 25)), "daily": [1, 2, 3, 4, 5, 6, 7]},
        surges=[
            {"start_day": 2, "start_time": "17:30", "duration_hours": 30, "multiplier": 4},
            {"start_day": 3, "duration_hours": 5.5, "multiplier": 0.5},
            {"start_day": -1, "duration_hours": 12, "multiplier": 2},
        ],
    )
    start_s, end_s = -2 * 86_400.0, 9.3 * 86_400.0
    model = expected_arrivals(*rate_segments(surged, start_s, end_s))
    assert planned_arrivals(surged, start_s, end_s) == pytest.approx(model, rel=1e-9)


@pytest.mark.parametrize("team", ["resolution", "online.desk_review"])
def test_shrinkage_that_rounds_a_whole_team_away_is_a_warning(team: str) -> None:
    raw = demo_raw()
    section = demo_force(raw)
    for part in team.split("."):
        section = section[part]
    section["shrinkage"] = 0.95
    (line,) = warnings_of(raw)
    assert line.startswith(f"{SOURCE}: forces.demo.{team}.shrinkage: is 0.95")
