"""Monotonicity (DESIGN §7.5): more staff never makes waits longer, on common random numbers."""

from __future__ import annotations

import copy
import itertools

import numpy as np

from sim.config import scenario_from_dict
from sim.metrics.kpis import replication_metrics
from sim.model.replication import run_replication
from sim.runs.tables import replication_table
from tests.helpers import replications, single_queue


def test_common_random_numbers_more_handlers_never_lengthen_any_wait() -> None:
    # FCFS without abandonment, the same arrivals and handling times: adding a
    # handler cannot delay any call (a pathwise property), so compare call by call.
    waits = []
    for agents in (9, 10, 11, 12):
        output = run_replication(single_queue(100, 300, agents, days=3), 0)
        waits.append(output.calls.answered_s - output.calls.arrival_s)
    for fewer, more in itertools.pairwise(waits):
        assert len(fewer) == len(more)
        assert (more <= fewer + 1e-9).all()
        assert more.mean() < fewer.mean()


def test_more_handlers_never_lengthen_mean_waits_with_abandonment_and_redials(
    demo_scenario,
) -> None:
    raw = demo_scenario.model_dump(mode="json")
    means = []
    for extra in (0, 1, 2, 4):
        varied = {
            **raw,
            "handler_pools": {"contact_centre": {**raw["handler_pools"]["contact_centre"]}},
        }
        shifts = [dict(s) for s in raw["handler_pools"]["contact_centre"]["roster"]["shifts"]]
        for shift in shifts:
            shift["count"] += extra
        varied["handler_pools"]["contact_centre"]["roster"] = {
            **raw["handler_pools"]["contact_centre"]["roster"],
            "shifts": shifts,
        }
        scenario = scenario_from_dict(varied)
        table = replication_table(replications(scenario, 3, seed=3))
        waits = table[(table["metric"] == "answer_time") & (table["stat"] == "mean")]
        means.append(waits.groupby("segment")["value"].mean())
    for fewer, more in itertools.pairwise(means):
        assert (more <= fewer).all(), (fewer, more)


def test_more_units_never_lengthen_attendance_on_common_random_numbers(demo_scenario) -> None:
    raw = demo_scenario.model_dump(mode="json")
    p90 = []
    for extra in (0, 3):
        varied = copy.deepcopy(raw)
        for area in varied["forces"]["demo"]["areas"].values():
            for shift in area["units"]["shifts"]:
                shift["count"] += extra
        scenario = scenario_from_dict(varied)
        values = [
            v.value
            for r in range(2)
            for v in replication_metrics(run_replication(scenario, r))
            if (v.metric, v.segment, v.stat) == ("attendance_time", "grade2", "p90")
        ]
        p90.append(np.mean(values))
    assert p90[1] < p90[0]
