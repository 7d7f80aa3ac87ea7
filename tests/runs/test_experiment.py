"""Experiment files: expansion of grids and named scenarios, validation, common random numbers."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml

from sim.config import InputError
from sim.config.experiment import is_experiment
from sim.runs.plan import plan_experiment_file
from sim.runs.replicate import simulate_replication
from tests.helpers import CONFIGS, ROOT
from tests.runs.experiments import EARLY, LATE

EXPERIMENTS = ROOT / "experiments"


def write(tmp_path: Path, content: dict, name: str = "exp.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(content, sort_keys=False))
    return path


def experiment(**changes) -> dict:
    content = {
        "name": "t",
        "base": str(CONFIGS / "demo.yaml"),
        "baseline": "late-14",
        "days": 2,
        "warmup_days": 1,
        "seed": 3,
        "replications": 2,
        "grid": {"late": {"path": LATE, "values": [12, 14]}},
    }
    content.update(changes)
    return {k: v for k, v in content.items() if v is not None}


def problems(path: Path) -> list[str]:
    with pytest.raises(InputError) as caught:
        plan_experiment_file(path)
    return [str(p) for p in caught.value.problems]


def test_grid_is_the_cartesian_product_with_named_scenarios_after(tmp_path) -> None:
    path = write(
        tmp_path,
        experiment(
            grid={
                "late": {"path": LATE, "values": [12, 14]},
                "early": {"path": EARLY, "values": [10, 16, 18]},
            },
            scenarios=[{"name": "moved", "set": {EARLY: 12, LATE: 16}}],
            baseline="moved",
        ),
    )
    plan = plan_experiment_file(path)
    assert plan.names == [
        "late-12_early-10", "late-12_early-16", "late-12_early-18",
        "late-14_early-10", "late-14_early-16", "late-14_early-18",
        "moved",
    ]  # fmt: skip
    for planned in plan.scenarios:
        shifts = planned.scenario.handler_pools["contact_centre"].roster.shifts
        if planned.name == "moved":
            assert (shifts[0].count, shifts[2].count) == (12, 16)
        else:
            late, early = (int(p.split("-")[1]) for p in planned.name.split("_"))
            assert (shifts[0].count, shifts[2].count) == (early, late)
        assert shifts[1].count == 5 and shifts[3].count == 7  # untouched
        scenario = planned.scenario
        assert (scenario.name, scenario.days, scenario.warmup_days, scenario.seed) == (
            planned.name, 2, 1, 3,
        )  # fmt: skip
        assert scenario.replications == 2
    assert plan.baseline == "moved"


def test_settings_default_to_the_base_scenario(tmp_path) -> None:
    path = write(tmp_path, experiment(days=None, warmup_days=None, seed=None, replications=None))
    plan = plan_experiment_file(path)
    base = yaml.safe_load((CONFIGS / "demo.yaml").read_text())
    scenario = plan.scenarios[0].scenario
    assert (scenario.days, scenario.warmup_days, scenario.seed, scenario.replications) == (
        base["days"], base["warmup_days"], base["seed"], base["replications"],
    )  # fmt: skip


def test_base_is_relative_to_the_experiment_file(tmp_path) -> None:
    folder = tmp_path / "experiments"
    folder.mkdir()
    (tmp_path / "configs").mkdir()
    (tmp_path / "configs" / "demo.yaml").write_text((CONFIGS / "demo.yaml").read_text())
    path = write(folder, experiment(base="../configs/demo.yaml"))
    assert plan_experiment_file(path).base_path == (tmp_path / "configs" / "demo.yaml").resolve()


def test_labels_name_scenarios_and_values_may_be_sections(tmp_path) -> None:
    shifts = [{"start": "00:00", "length_hours": 24, "count": n} for n in (9, 11)]
    path = write(
        tmp_path,
        experiment(
            baseline="roster-flat9",
            grid={
                "roster": {
                    "path": "handler_pools.contact_centre.roster.shifts",
                    "values": [[shifts[0]], [shifts[1]]],
                    "labels": ["flat9", "flat11"],
                }
            },
        ),
    )
    plan = plan_experiment_file(path)
    assert plan.names == ["roster-flat9", "roster-flat11"]
    flat11 = plan.scenario("roster-flat11").scenario
    assert flat11.handler_pools["contact_centre"].roster.shifts[0].count == 11


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        (
            {"grid": {"late": {"path": "handler_pools.contact_centre.roster.shifts.7.count",
                               "values": [12, 14]}}},
            "grid.late.path: handler_pools.contact_centre.roster.shifts.7: is not an index",
        ),
        (
            {"grid": {"late": {"path": LATE, "values": [14, -1]}}},
            f"grid.late.values.1: {LATE}: is -1; expected 0 or more",
        ),
        (
            {"grid": {"late": {"path": "handler_pools.contact_centre.rosta", "values": [1, 2]}}},
            "grid.late.values.0: handler_pools.contact_centre.rosta: unknown field",
        ),
        ({"baseline": "late-99"}, "baseline: is 'late-99', which is not one of the scenarios"),
        ({"days": -2}, "exp.yaml: days: is -2; expected a number above 0"),
        (
            {"scenarios": [{"name": "s", "set": {"seed": 5}}]},
            "scenarios.0.set: sets 'seed', which every scenario of an experiment shares",
        ),
        (
            {"scenarios": [{"name": "s", "set": {"handler_pools.contact_centre.shrinkage": 1.5}}]},
            "scenarios.0.set: handler_pools.contact_centre.shrinkage: is 1.5; expected less than 1",
        ),
        (
            {"scenarios": [{"name": "late-12", "set": {}}]},
            "scenarios: two scenarios are called 'late-12'",
        ),
        ({"replications": "auto"}, "precision: missing; replications: auto needs a precision"),
        ({"replications": True}, "replications: is true; expected a whole number"),
        (
            {"precision": {"metrics": [{"metric": "offered", "segment": "999", "stat": "count"}],
                           "relative_half_width": 0.1}},
            "precision: is given but replications is not auto",
        ),
        ({"grid": None}, "scenarios: missing; expected a grid, a list of scenarios, or both"),
        ({"platform": "nope"}, "platform: is 'nope', which is not a platform; expected one of"),
        ({"colour": "red"}, "colour: unknown field"),
        ({"base": "nowhere.yaml"}, "exp.yaml: base: file not found"),
    ],
)  # fmt: skip
def test_bad_experiments_name_the_field(tmp_path, changes, expected) -> None:
    path = write(tmp_path, experiment(**changes))
    found = problems(path)
    assert any(expected in line for line in found), found
    assert all(line.startswith(str(path)) for line in found), found


def test_an_invalid_base_reports_its_own_file_and_fields(tmp_path) -> None:
    base = yaml.safe_load((CONFIGS / "demo.yaml").read_text())
    base["forces"]["demo"]["channels"]["999"]["volume_per_year"] = -5
    (tmp_path / "base.yaml").write_text(yaml.safe_dump(base))
    path = write(tmp_path, experiment(base="base.yaml"))
    found = problems(path)
    assert any("base.yaml: forces.demo.channels.999.volume_per_year: is -5" in x for x in found)


@pytest.mark.parametrize("path", sorted(EXPERIMENTS.glob("*.yaml")), ids=lambda p: p.name)
def test_shipped_experiments_are_valid(path) -> None:
    plan = plan_experiment_file(path)
    assert plan.kind == "experiment" and plan.baseline in plan.names


def test_scenarios_are_not_mistaken_for_experiments() -> None:
    assert not is_experiment(yaml.safe_load((CONFIGS / "demo.yaml").read_text()))
    assert is_experiment({"base": "x.yaml"})
    assert not is_experiment({"base": "x", "forces": {}})
    assert not is_experiment([1, 2])


def test_fingerprint_ignores_replications_but_not_the_scenarios(tmp_path) -> None:
    one = plan_experiment_file(write(tmp_path, experiment(), "a.yaml"))
    more = plan_experiment_file(
        write(tmp_path, experiment(replications=9, baseline="late-12"), "b.yaml")
    )
    other = plan_experiment_file(write(tmp_path, experiment(seed=4), "c.yaml"))
    assert one.fingerprint() == more.fingerprint()
    assert one.fingerprint() != other.fingerprint()


def test_common_random_numbers_same_calls_whatever_the_staffing(tmp_path) -> None:
    grid = {"late": {"path": LATE, "values": [8, 20]}}
    plan = plan_experiment_file(write(tmp_path, experiment(grid=grid, baseline="late-8")))
    few, many = (
        simulate_replication(plan.scenario(n).scenario, 1, plan.seed) for n in ("late-8", "late-20")
    )
    first_few, first_many = few.calls.attempt == 0, many.calls.attempt == 0
    for field in ("arrival_s", "patience_s", "talk_s", "wrap_s", "queue"):
        np.testing.assert_array_equal(
            getattr(few.calls, field)[first_few], getattr(many.calls, field)[first_many]
        )
    # ... and the staffing did make a difference to what happened to them.
    waits_few = few.calls.answered_s - few.calls.arrival_s
    waits_many = many.calls.answered_s - many.calls.arrival_s
    assert np.nanmean(waits_many) < np.nanmean(waits_few)
