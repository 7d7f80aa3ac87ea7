"""The optional mechanisms' config: off by default, one --set away, bad values named."""

from __future__ import annotations

import pytest

from sim.config import InputError, load_scenario
from tests.config.problems import DEMO

NORTHUMBRIA = DEMO.parent / "northumbria-2017.yaml"


def problems(path, *overrides: str) -> list[str]:
    with pytest.raises(InputError) as caught:
        load_scenario(path, overrides)
    return [str(problem) for problem in caught.value.problems]


def test_every_mechanism_is_off_in_the_shipped_scenarios() -> None:
    for name in ("demo.yaml", "northumbria-2017.yaml", "thames-valley-hampshire-2018.yaml"):
        scenario = load_scenario(DEMO.parent / name)
        assert scenario.year == 0
        for force in scenario.forces.values():
            assert force.rcrp is None and force.multi_unit is None
            assert all(a.officers_per_unit is None for a in force.areas.values())
            demands = [*force.channels.values(), *([force.online] if force.online else [])]
            assert all(d.growth_per_year == 0 and d.seasonality is None for d in demands)


def test_next_years_demand_is_one_set() -> None:
    scenario = load_scenario(
        NORTHUMBRIA, ["year=1", "forces.northumbria.channels.101.growth_per_year=0.035"]
    )
    assert scenario.year == 1
    assert scenario.forces["northumbria"].channels["101"].growth_per_year == 0.035


def test_seasonality_without_a_start_date_names_the_field_and_the_fix() -> None:
    [problem] = problems(
        NORTHUMBRIA, "forces.northumbria.channels.999.seasonality.bank_holiday_multiplier=1.2"
    )
    assert "forces.northumbria.channels.999.seasonality" in problem
    assert "start_date" in problem


@pytest.mark.parametrize(
    ("override", "field", "expected"),
    [
        ("forces.northumbria.multi_unit.grade1={share: 0.2, units: 1}",
         "multi_unit.grade1.units", "2"),
        ("forces.northumbria.channels.101.growth_per_year=3", "growth_per_year", "1"),
        ("forces.northumbria.rcrp.referral_share=1.5", "rcrp.referral_share", "1"),
        ("forces.northumbria.rcrp.flagged.112.grade1=0.1", "rcrp.flagged", "999"),
        ("forces.northumbria.areas.urban.officers_per_unit=0", "officers_per_unit", "1"),
        ("year=-1", "year", "0"),
        ("forces.northumbria.channels.999.seasonality.month_of_year=[1, 2]",
         "month_of_year", "12"),
    ],
)  # fmt: skip
def test_a_bad_mechanism_value_is_refused_with_its_path(
    override: str, field: str, expected: str
) -> None:
    found = problems(NORTHUMBRIA, "start_date=2017-01-02", override)
    assert any(field in p and expected in p for p in found), found


def test_growth_that_would_plan_too_many_calls_is_refused_before_running() -> None:
    [problem] = problems(
        NORTHUMBRIA, "year=30", "forces.northumbria.channels.101.growth_per_year=1"
    )
    assert "forces.northumbria.channels.101" in problem
    assert "growth_per_year" in problem
