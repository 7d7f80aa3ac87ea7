"""Travel and decision time per grade (``travel_by_grade``, ``response.dispatch_delay``)."""

from __future__ import annotations

import numpy as np

from sim.config import scenario_from_dict
from sim.model.records import Grade
from sim.model.replication import run_replication
from tests.model.test_response import in_period, quantile_interval, response_scenario

GRADE1_TRAVEL = {"distribution": "lognormal", "median_s": 360, "p90_s": 600}
GRADE2_TRAVEL = {"distribution": "lognormal", "median_s": 900, "p90_s": 2100}
GRADE1_DECISION = {"distribution": "lognormal", "median_s": 45, "p90_s": 150}
GRADE2_DECISION = {"distribution": "lognormal", "median_s": 240, "p90_s": 900}


def _with(scenario, area: dict | None = None, response: dict | None = None):
    raw = scenario.model_dump(mode="json", exclude_none=True)
    force = raw["forces"]["f"]
    force["areas"]["urban"].update(area or {})
    force["response"].update(response or {})
    return scenario_from_dict(raw)


def _base():
    # Units always free: created to dispatched is the decision time alone.
    return response_scenario(150_000, {"grade1": 0.4, "grade2": 0.6}, units=500)


def _within_order_statistic_interval(values: np.ndarray, spec: dict) -> None:
    for q, configured in ((0.5, spec["median_s"]), (0.9, spec["p90_s"])):
        low, high = quantile_interval(values, q)
        assert low <= configured <= high, (q, low, configured, high)


def test_each_grade_travels_and_waits_for_a_decision_as_configured() -> None:
    scenario = _with(
        _base(),
        area={"travel_by_grade": {"grade1": GRADE1_TRAVEL, "grade2": GRADE2_TRAVEL}},
        response={"dispatch_delay": {"grade1": GRADE1_DECISION, "grade2": GRADE2_DECISION}},
    )
    output = run_replication(scenario, 0)
    inc = output.incidents
    for grade, travel, decision in (
        (Grade.GRADE1, GRADE1_TRAVEL, GRADE1_DECISION),
        (Grade.GRADE2, GRADE2_TRAVEL, GRADE2_DECISION),
    ):
        mask = in_period(output) & (inc.grade == grade)
        assert mask.sum() > 2000
        _within_order_statistic_interval(inc.arrived[mask] - inc.dispatched[mask], travel)
        _within_order_statistic_interval(inc.dispatched[mask] - inc.graded_at[mask], decision)


def test_a_grade_left_out_keeps_the_area_travel_and_the_constant_delay() -> None:
    scenario = _with(
        _base(),
        area={"travel_by_grade": {"grade1": GRADE1_TRAVEL}},
        response={"dispatch_delay_s": 30, "dispatch_delay": {"grade1": GRADE1_DECISION}},
    )
    output = run_replication(scenario, 0)
    inc = output.incidents
    grade2 = in_period(output) & (inc.grade == Grade.GRADE2)
    assert np.allclose(inc.dispatched[grade2] - inc.graded_at[grade2], 30)
    _within_order_statistic_interval(
        inc.arrived[grade2] - inc.dispatched[grade2], {"median_s": 600, "p90_s": 1200}
    )


def test_new_fields_that_repeat_the_old_ones_change_no_random_number() -> None:
    """Per-grade travel takes the incident's own travel uniform, and per-grade decision
    times come from streams of their own: restating the defaults gives the same run."""
    base = _with(_base(), response={"dispatch_delay_s": 20})
    restated = _with(
        base,
        area={"travel_by_grade": {"grade2": base.forces["f"].areas["urban"].travel.model_dump()}},
        response={"dispatch_delay": {"grade1": {"distribution": "constant", "value_s": 20}}},
    )
    a, b = run_replication(base, 0).incidents, run_replication(restated, 0).incidents
    for column in ("created", "dispatched", "arrived", "cleared", "unit"):
        assert np.array_equal(getattr(a, column), getattr(b, column), equal_nan=True), column


def test_travel_by_grade_changes_only_that_grade() -> None:
    base = _base()
    changed = _with(base, area={"travel_by_grade": {"grade1": GRADE1_TRAVEL}})
    a, b = run_replication(base, 0).incidents, run_replication(changed, 0).incidents
    assert np.array_equal(a.grade, b.grade)
    grade1, grade2 = a.grade == Grade.GRADE1, a.grade == Grade.GRADE2
    assert np.array_equal(a.travel[grade2], b.travel[grade2])
    assert grade1.sum() > 1000 and np.all(a.travel[grade1] != b.travel[grade1])
