"""The stability check: a queue that cannot keep up is named; the shipped scenarios are not."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.config import load_scenario
from sim.planning.stability import stability_problems
from sim.scenarios.variants import expand_experiment_file

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = sorted((ROOT / "configs").glob("*.yaml"))
EXPERIMENTS = sorted((ROOT / "experiments").glob("*.yaml"))


def test_too_few_handlers_are_named_with_hours_load_and_capacity() -> None:
    # The demo's offered load is about 7 Erlangs on average: 3 handlers (2 after
    # shrinkage) cannot keep up on any day.
    demo = load_scenario(
        ROOT / "configs" / "demo.yaml", ["handler_pools.contact_centre.roster={staff: 3}"]
    )
    problems = stability_problems(demo, "demo.yaml")
    pools = [p for p in problems if p.path == "handler_pools.contact_centre"]
    assert len(pools) == 8  # seven days and the week
    monday = pools[0].message
    assert monday.startswith("handler pool contact_centre cannot keep up on mon")
    assert "06:00-24:00" in monday and "handler-hours against 48 on duty" in monday
    assert "grows without bound" in pools[-1].message
    assert not [p for p in problems if "areas" in p.path]


def test_too_few_units_are_named() -> None:
    demo = load_scenario(
        ROOT / "configs" / "demo.yaml", ["forces.demo.areas.rural.units={staff: 3}"]
    )
    problems = stability_problems(demo, "demo.yaml")
    assert problems and all(p.path == "forces.demo.areas.rural.units" for p in problems)
    assert "response area rural cannot keep up on mon" in problems[0].message
    assert "unit-hours against 72 on duty" in problems[0].message


def test_one_busy_day_is_named_alone() -> None:
    # Rural units on Saturday daytime only 1: that day cannot keep up, the others can.
    starved = load_scenario(
        ROOT / "configs" / "demo.yaml",
        ["forces.demo.areas.rural.units={shifts: [{start: '07:00', length_hours: 10, count: 9,"
         " days: [mon, tue, wed, thu, fri, sun]}, {start: '07:00', length_hours: 10, count: 1,"
         " days: [sat]}, {start: '17:00', length_hours: 14, count: 9}]}"],
    )  # fmt: skip
    problems = stability_problems(starved, "x")
    assert [p.message.split(" on ")[1][:3] for p in problems] == ["sat"]


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_silent_on_every_shipped_scenario(path: Path) -> None:
    assert stability_problems(load_scenario(path), str(path)) == []


@pytest.mark.parametrize("path", EXPERIMENTS, ids=lambda p: p.name)
def test_silent_on_every_experiment_scenario(path: Path) -> None:
    for variant in expand_experiment_file(path).variants:
        assert stability_problems(variant.scenario, str(path)) == [], variant.name
