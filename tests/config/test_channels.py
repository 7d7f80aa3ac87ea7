"""Call channels beyond 999 and 101: ids, priority ranks and answer targets.

A force may have any number of call channels (``101-switchboard``,
``crime-line``). 999 and 101 keep their defaults (priority 0 and 1, answer
targets 10 s and 120 s); any other channel states both, and a missing one is
an error naming ``forces.<force>.channels.<id>.priority`` (or
``answer_target_s``). ``online`` is the online-report block, never a channel.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from sim.config import scenario_from_dict
from tests.config.problems import assert_bad, channel, demo_raw, pool, problem_lines, write
from tests.config.test_config import check


def with_switchboard(**fields: Any) -> dict[str, Any]:
    """The demo with a third channel, ``101-switchboard``, served by the contact centre."""
    raw = demo_raw()
    extra = copy.deepcopy(channel(raw, "101"))
    extra.pop("answer_target_s", None)
    extra.pop("priority", None)
    extra.update(fields)
    raw["forces"]["demo"]["channels"]["101-switchboard"] = extra
    pool(raw)["serves"].append("101-switchboard")
    return raw


def test_999_and_101_default_to_ranks_0_and_1() -> None:
    force = scenario_from_dict(demo_raw()).forces["demo"]
    assert force.channels["999"].priority == 0
    assert force.channels["101"].priority == 1
    assert [force.priority_of(c) for c in ("999", "101")] == [0, 1]


def test_a_default_rank_may_be_overridden() -> None:
    raw = demo_raw()
    channel(raw, "101")["priority"] = 0
    force = scenario_from_dict(raw).forces["demo"]
    assert force.priority_of("101") == 0 == force.priority_of("999")


def test_a_third_channel_with_its_rank_and_target_is_valid() -> None:
    scenario = scenario_from_dict(with_switchboard(priority=2, answer_target_s=300))
    force = scenario.forces["demo"]
    assert list(force.channels) == ["999", "101", "101-switchboard"]
    assert force.priority_of("101-switchboard") == 2
    assert force.target_s("101-switchboard") == 300.0
    assert scenario.resolve_channel_ref("101-switchboard") == "demo/101-switchboard"


def test_a_third_channel_without_a_rank_is_refused(tmp_path: Path) -> None:
    result = check(path := write(tmp_path, with_switchboard(answer_target_s=300)))
    assert_bad(
        result, path, "forces.demo.channels.101-switchboard.priority", "missing", "0 is answered"
    )
    assert len(problem_lines(result)) == 1, result.stderr


def test_a_third_channel_without_a_target_is_refused(tmp_path: Path) -> None:
    result = check(path := write(tmp_path, with_switchboard(priority=2)))
    assert_bad(
        result,
        path,
        "forces.demo.channels.101-switchboard.answer_target_s",
        "missing",
        "no national answer target",
    )
    assert len(problem_lines(result)) == 1, result.stderr


def test_both_missing_are_both_reported(tmp_path: Path) -> None:
    result = check(path := write(tmp_path, with_switchboard()))
    assert_bad(result, path, "forces.demo.channels.101-switchboard.priority", "missing")
    assert_bad(result, path, "forces.demo.channels.101-switchboard.answer_target_s", "missing")


@pytest.mark.parametrize("rank", [-1, 100, 1.5, True, "high"])
def test_a_rank_must_be_a_small_whole_number(tmp_path: Path, rank: object) -> None:
    result = check(path := write(tmp_path, with_switchboard(priority=rank, answer_target_s=60)))
    assert_bad(result, path, "forces.demo.channels.101-switchboard.priority")


def test_online_is_not_a_call_channel(tmp_path: Path) -> None:
    raw = demo_raw()
    raw["forces"]["demo"]["channels"]["online"] = copy.deepcopy(channel(raw, "101"))
    result = check(path := write(tmp_path, raw))
    assert_bad(result, path, "forces.demo.channels.online", "online: block")


def test_a_pool_serving_an_unknown_channel_names_the_new_ones_too(tmp_path: Path) -> None:
    raw = with_switchboard(priority=2, answer_target_s=300)
    pool(raw)["serves"].append("crime-line")
    result = check(path := write(tmp_path, raw))
    assert_bad(
        result,
        path,
        "handler_pools.contact_centre.serves.3",
        "'crime-line' is not a channel of this scenario",
        "101-switchboard",
    )
