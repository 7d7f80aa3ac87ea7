"""``travel_by_grade`` on an area and ``response.dispatch_delay``: optional, per grade, checked."""

from __future__ import annotations

import pytest

from sim.config import InputError, read_yaml_file, scenario_from_dict
from tests.helpers import CONFIGS

LOGNORMAL = {"distribution": "lognormal", "median_s": 300, "p90_s": 600}


def _demo(area: dict | None = None, response: dict | None = None):
    raw = read_yaml_file(CONFIGS / "demo.yaml")
    raw["forces"]["demo"]["areas"]["urban"].update(area or {})
    raw["forces"]["demo"]["response"].update(response or {})
    return scenario_from_dict(raw)


def test_without_the_new_fields_every_grade_takes_the_old_ones() -> None:
    force = _demo(response={"dispatch_delay_s": 30}).forces["demo"]
    for grade in ("grade1", "grade2"):
        assert force.areas["urban"].travel_for(grade) == force.areas["urban"].travel
        assert force.response.decision_delay(grade) == 30


def test_a_grade_given_its_own_takes_it_and_the_other_keeps_the_old() -> None:
    force = _demo(
        area={"travel_by_grade": {"grade1": LOGNORMAL}},
        response={"dispatch_delay_s": 30, "dispatch_delay": {"grade2": LOGNORMAL}},
    ).forces["demo"]
    urban = force.areas["urban"]
    assert urban.travel_for("grade1").median_s == 300
    assert urban.travel_for("grade2") == urban.travel
    assert force.response.decision_delay("grade1") == 30
    assert force.response.decision_delay("grade2").p90_s == 600


@pytest.mark.parametrize(
    ("part", "path"),
    [
        (
            {"area": {"travel_by_grade": {"grade3": LOGNORMAL}}},
            "areas.urban.travel_by_grade.grade3",
        ),
        ({"response": {"dispatch_delay": {"grade1": {"median_s": 5}}}}, "dispatch_delay.grade1"),
    ],
)
def test_a_wrong_grade_or_distribution_names_the_field(part: dict, path: str) -> None:
    with pytest.raises(InputError) as error:
        _demo(**part)
    assert path in str(error.value)
