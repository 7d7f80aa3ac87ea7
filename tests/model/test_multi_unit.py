"""Jobs that need more than one unit: equivalence with paired units, and the rules kept.

The equivalence: every job needing two units with every roster count doubled
is the single-unit model with each unit replaced by a pair. Units come on and
go off duty in pairs, a pair clears at one instant (the job holds both until
it clears), and the second unit of a pair joins the job the first has just
taken with the same decision time and the same (per-job) travel, so both
arrive together. Same seed, same calls and incidents (the units-needed draws
come from a stream of their own), so the attendance of every incident is the
same to the last bit of floating point: the tolerance is 1e-9 s.
"""

from __future__ import annotations

import copy
from typing import Any

import numpy as np

from sim.config import Scenario, scenario_from_dict
from sim.metrics.kpis import replication_metrics
from sim.model.replication import run_replication
from tests.helpers import load_raw

SHIFTS = [
    {"name": "day", "start": "07:00", "length_hours": 10, "count": 4},
    {"name": "late", "start": "15:00", "length_hours": 10, "count": 5},
    {"name": "night", "start": "22:00", "length_hours": 10, "count": 3},
]


def two_area_force(factor: int, multi_unit: dict[str, Any] | None) -> Scenario:
    """Urban and rural areas helping each other, shift rosters times ``factor``, busy units."""
    on_scene = {"distribution": "lognormal", "median_s": 2400, "p90_s": 5400}

    def area(share: float, travel_median_s: float) -> dict[str, Any]:
        shifts = [{**shift, "count": shift["count"] * factor} for shift in SHIFTS]
        return {
            "share": share,
            "travel": {"distribution": "lognormal", "median_s": travel_median_s,
                       "p90_s": 2 * travel_median_s},
            "units": {"shifts": shifts},
            "neighbours": ["rural" if share > 0.5 else "urban"],
            "help_penalty_s": 300,
        }  # fmt: skip

    force: dict[str, Any] = {
        "channels": {
            "101": {"volume_per_year": 0, "handling": {"distribution": "constant", "value_s": 60}}
        },
        "online": {"volume_per_year": 30_000, "grading": {"grade1": 0.4, "grade2": 0.6}},
        "areas": {"urban": area(0.7, 420), "rural": area(0.3, 780)},
        "response": {
            "on_scene": {"grade1": on_scene, "grade2": on_scene},
            "help_from_neighbours": True,
            "dispatch_delay_s": 30,
        },
    }
    if multi_unit is not None:
        force["multi_unit"] = multi_unit
    return scenario_from_dict(
        {
            "name": "multi",
            "days": 14,
            "warmup_days": 1,
            "seed": 11,
            "forces": {"f": force},
            "handler_pools": {"p": {"serves": ["101"], "roster": {"staff": 1}}},
        }
    )


EVERY_JOB_TWO = {"grade1": {"share": 1.0, "units": 2}, "grade2": {"share": 1.0, "units": 2}}


def test_every_job_needing_two_with_twice_the_units_attends_as_one_unit_jobs() -> None:
    for replication in range(3):
        single = run_replication(two_area_force(1, None), replication)
        paired = run_replication(two_area_force(2, EVERY_JOB_TWO), replication)
        a, b = single.incidents, paired.incidents
        assert np.array_equal(a.created, b.created)
        assert np.allclose(a.arrived, b.arrived, rtol=0, atol=1e-9, equal_nan=True)
        assert np.allclose(a.cleared, b.cleared, rtol=0, atol=1e-9, equal_nan=True)
        # Not vacuous: units were short, so many incidents waited for one.
        waited = a.dispatched - a.graded_at > 60
        assert waited.mean() > 0.05
        assert (b.helped == a.helped).all() and a.helped.any()
        # Each pair does one unit's work: twice the assignments, the same utilisation.
        assert len(paired.assignments) == 2 * len(single.assignments)
        for x, y in zip(single.areas, paired.areas, strict=True):
            assert abs(x.busy_s / x.present_s - y.busy_s / y.present_s) < 1e-9


def test_every_unit_of_a_job_is_held_until_it_clears_and_none_is_in_two_places() -> None:
    output = run_replication(two_area_force(1, {"grade1": {"share": 0.5, "units": 3}}), 0)
    records = output.mechanisms
    assert records is not None
    sent = output.assignments
    incidents = output.incidents
    several = np.flatnonzero(records.units_needed > 1)
    assert len(several) > 100
    followed = 0
    for incident in several:
        mine = sent.incident == incident
        assert mine.sum() <= 3
        if not np.isfinite(incidents.cleared[incident]):
            continue
        assert np.allclose(sent.end_s[mine], incidents.cleared[incident])
        followed += mine.sum() > 1 and sent.start_s[mine].max() > sent.start_s[mine].min()
    assert followed > 10  # some back-up units followed later, as units freed up
    for unit in np.unique(sent.unit):
        start, end = sent.start_s[sent.unit == unit], sent.end_s[sent.unit == unit]
        order = np.argsort(start)
        assert (start[order][1:] >= end[order][:-1] - 1e-9).all()


def test_diversion_with_multi_unit_jobs_keeps_every_unit_in_one_place() -> None:
    # The shipped Northumbria force diverts units off grade 2 jobs: a diverted unit
    # leaves its job to the others, and no unit is ever on two jobs at once.
    raw = load_raw("northumbria-2017.yaml")
    raw["days"] = 7
    raw["forces"]["northumbria"]["multi_unit"] = {
        "grade1": {"share": 0.4, "units": 2},
        "grade2": {"share": 0.3, "units": 2},
    }
    output = run_replication(scenario_from_dict(copy.deepcopy(raw)), 0)
    sent = output.assignments
    assert output.incidents.diverted.any()
    for unit in np.unique(sent.unit):
        start, end = sent.start_s[sent.unit == unit], sent.end_s[sent.unit == unit]
        order = np.argsort(start, kind="stable")
        assert (start[order][1:] >= end[order][:-1] - 1e-9).all()


def test_double_crewed_units_count_two_officers_for_officer_hours() -> None:
    def officer_hours(officers: int) -> float:
        raw = two_area_force(1, None).model_dump(mode="json")
        for area in raw["forces"]["f"]["areas"].values():
            area["officers_per_unit"] = officers
        values = replication_metrics(run_replication(scenario_from_dict(raw), 0))
        return sum(v.value for v in values if v.metric == "officer_hours")

    single, double = officer_hours(1), officer_hours(2)
    assert single > 1000
    assert abs(double - 2 * single) < 1e-6 * single
