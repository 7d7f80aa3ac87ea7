"""Named random streams: reproducible, independent, and stable when streams are added."""

from __future__ import annotations

import numpy as np

from sim.config import scenario_from_dict
from sim.model.replication import run_replication
from sim.model.streams import Streams
from tests.helpers import single_queue


def test_same_seed_and_name_give_the_same_sequence() -> None:
    a = Streams(3, 0)["arrivals/f/999"].random(5)
    b = Streams(3, 0)["arrivals/f/999"].random(5)
    assert np.array_equal(a, b)


def test_replications_and_names_give_different_sequences() -> None:
    base = Streams(3, 0)["arrivals/f/999"].random(5)
    assert not np.array_equal(base, Streams(3, 1)["arrivals/f/999"].random(5))
    assert not np.array_equal(base, Streams(4, 0)["arrivals/f/999"].random(5))
    assert not np.array_equal(base, Streams(3, 0)["arrivals/f/101"].random(5))


def test_adding_a_stream_never_shifts_another() -> None:
    few = Streams(9, 2, ["b", "d"])
    many = Streams(9, 2, ["a", "b", "c", "d", "e"])
    assert np.array_equal(few["d"].random(4), many["d"].random(4))
    # Creating or drawing from one stream leaves the others untouched.
    lazy = Streams(9, 2)
    lazy["zzz"].random(1000)
    assert np.array_equal(lazy["b"].random(4), Streams(9, 2)["b"].random(4))
    assert many.names == ["a", "b", "c", "d", "e"]


def test_scenarios_differing_in_staff_share_arrivals_and_call_attributes() -> None:
    # Common random numbers: the same calls arrive with the same patience and
    # handling whatever the staffing.
    small = run_replication(single_queue(100, 300, 10, patience_s=300, days=2), 4)
    large = run_replication(single_queue(100, 300, 14, patience_s=300, days=2), 4)
    for key in ("arrival_s", "patience_s", "talk_s"):
        assert np.array_equal(getattr(small.calls, key), getattr(large.calls, key))


def test_adding_a_channel_leaves_another_channels_calls_alone() -> None:
    one = single_queue(100, 300, 12, days=2)
    raw = one.model_dump(mode="json")
    raw["forces"]["f"]["channels"]["999"] = {
        "volume_per_year": 50_000,
        "handling": {"distribution": "exponential", "mean_s": 200},
    }
    raw["handler_pools"]["pool"]["serves"] = ["999", "101"]
    two = scenario_from_dict(raw)
    first = run_replication(one, 0).calls
    second = run_replication(two, 0).calls
    mask = second.queue == 1  # 101 is the second queue once 999 exists
    assert np.array_equal(first.arrival_s, second.arrival_s[mask])
    assert np.array_equal(first.talk_s, second.talk_s[mask])
