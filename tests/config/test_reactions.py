"""Config of call-backs and reactions to waiting: bad input named by field path, off by default."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.config import scenario_from_dict
from sim.config.reactions import SwitchCurve
from tests.config.problems import assert_bad, channel, demo_raw
from tests.config.test_config import validate_data


def test_shipped_demo_has_neither_mechanism() -> None:
    scenario = scenario_from_dict(demo_raw())
    for force in scenario.forces.values():
        for config in force.channels.values():
            assert config.callback is None and config.reaction is None


def test_switch_curve_is_the_logistic_in_minutes() -> None:
    curve = SwitchCurve(intercept=-3.0, slope_per_min=0.1)
    assert curve.probability(0.0) == pytest.approx(1 / (1 + 2.718281828459045**3))
    assert curve.probability(30 * 60.0) == pytest.approx(0.5)
    assert curve.probability(600.0) < curve.probability(1200.0)


def test_reaction_on_999_is_refused(tmp_path: Path) -> None:
    raw = demo_raw()
    channel(raw, "999")["reaction"] = {"online_probability": 0.0}
    result, path = validate_data(tmp_path, raw)
    assert_bad(result, path, "forces.demo.channels.999.reaction", "expected it on 101 only")


def test_online_reaction_needs_an_online_channel(tmp_path: Path) -> None:
    raw = demo_raw()
    del raw["forces"]["demo"]["online"]
    channel(raw, "101")["reaction"] = {"online_probability": 0.2}
    result, path = validate_data(tmp_path, raw)
    assert_bad(
        result, path, "forces.demo.channels.101.reaction.online_probability", "no online channel"
    )


def test_callback_probability_out_of_range(tmp_path: Path) -> None:
    raw = demo_raw()
    channel(raw, "101")["callback"] = {"threshold_s": 60, "accept_probability": 1.5}
    result, path = validate_data(tmp_path, raw)
    assert_bad(result, path, "forces.demo.channels.101.callback.accept_probability", "1")


def test_displaced_grading_needs_the_parts_it_sends_to(tmp_path: Path) -> None:
    raw = demo_raw()
    del raw["forces"]["demo"]["resolution"]
    for config in raw["forces"]["demo"]["channels"].values():
        config["grading"].pop("resolution", None)
    raw["forces"]["demo"]["online"]["grading"].pop("resolution", None)
    channel(raw, "999")["displaced_grading"] = {"resolution": 0.5}
    result, path = validate_data(tmp_path, raw)
    assert_bad(result, path, "forces.demo.resolution", "displaced_grading.resolution")
