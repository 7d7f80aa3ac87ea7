"""Platforms on scenarios with channels beyond 999 and 101.

A platform's per-channel fields (``handling_multiplier``, ``wrap_up_multiplier``,
``sms_advice``) take any channel id; one naming a channel that no force of the
scenario has is refused, except 999 and 101, which the shipped platforms name
for every scenario.
"""

from __future__ import annotations

import pytest

from sim.config import InputError, Platform, scenario_from_dict
from sim.scenarios.platforms import apply_platform
from tests.config.problems import channel, demo_raw, pool
from tests.config.test_channels import with_switchboard


def test_platform_fields_accept_a_new_channel() -> None:
    scenario = scenario_from_dict(with_switchboard(priority=2, answer_target_s=300))
    platform = Platform(handling_multiplier={"101-switchboard": 0.5})
    applied = apply_platform(scenario, platform).forces["demo"]
    before = scenario.forces["demo"].channels["101-switchboard"].handling.mean()
    assert applied.channels["101-switchboard"].handling.mean() == pytest.approx(before * 0.5)
    assert (
        applied.channels["101"].handling.mean()
        == scenario.forces["demo"].channels["101"].handling.mean()
    )
    assert applied.priority_of("101-switchboard") == 2


def test_platform_naming_a_channel_the_scenario_lacks_is_refused() -> None:
    scenario = scenario_from_dict(demo_raw())
    with pytest.raises(InputError) as caught:
        apply_platform(scenario, Platform(name="p", sms_advice={"crime-line": {"share": 0.1}}))
    (problem,) = caught.value.problems
    assert problem.path == "sms_advice.crime-line"
    assert "'crime-line' is not a call channel of scenario demo" in problem.message
    assert "101, 999" in problem.message


def test_shipped_platforms_still_apply_to_a_scenario_with_one_channel() -> None:
    # The shipped platforms name both 999 and 101; a 101-only scenario takes them.
    raw = demo_raw()
    del raw["forces"]["demo"]["channels"]["999"]
    pool(raw)["serves"] = ["101"]
    for grade in ("grade1",):
        channel(raw, "101")["grading"].pop(grade, None)
    scenario = scenario_from_dict(raw)
    assert (
        "999"
        not in apply_platform(scenario, Platform(handling_multiplier={"999": 0.9}))
        .forces["demo"]
        .channels
    )


def test_a_scenario_platform_naming_a_channel_it_lacks_is_refused_when_read() -> None:
    raw = with_switchboard(priority=2, answer_target_s=300)
    raw["platform"] = {"wrap_up_multiplier": {"101-switchboard": 0.8, "crime-line": 0.9}}
    with pytest.raises(InputError) as caught:
        scenario_from_dict(raw, "s.yaml")
    (problem,) = caught.value.problems
    assert problem.path == "platform.wrap_up_multiplier.crime-line"
    assert "'crime-line' is not a call channel of this scenario" in problem.message
    assert "101, 101-switchboard, 999" in problem.message
