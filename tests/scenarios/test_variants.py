"""An experiment that validates must run and mean what its names say (issue 21, part 1).

Through :func:`sim.scenarios.variants.expand_experiment`: the grid size is
checked before any scenario is built, two axes on one path and names that
differ only in case are errors, a ``precision.metrics`` entry the metric
catalogue does not know is refused at validation, and warnings about the
scenarios name the scenario and the field.
"""

from __future__ import annotations

import time
import tracemalloc
from pathlib import Path
from typing import Any

import pytest

from sim.config import InputError
from sim.scenarios.variants import expand_experiment, experiment_warnings
from tests.config.problems import DEMO, ROOT

SOURCE = Path("experiment.yaml")


def experiment(**fields: Any) -> dict[str, Any]:
    """A small valid experiment on the demo, with ``fields`` changed."""
    return {
        "name": "exp",
        "base": str(DEMO),
        "baseline": "late-14",
        "replications": 2,
        "grid": {
            "late": {
                "path": "handler_pools.contact_centre.roster.shifts.2.count",
                "values": [12, 14],
            }
        },
        **fields,
    }


def problems(raw: dict[str, Any]) -> list[str]:
    with pytest.raises(InputError) as caught:
        expand_experiment(raw, SOURCE)
    return [str(p) for p in caught.value.problems]


def test_the_small_experiment_is_valid() -> None:
    assert [v.name for v in expand_experiment(experiment(), SOURCE).variants] == [
        "late-12",
        "late-14",
    ]


def test_a_huge_grid_is_refused_before_any_scenario_is_built() -> None:
    raw = experiment(
        base="no-such-base.yaml",  # never read: the grid is refused first
        baseline="a-0_b-0",
        grid={
            "a": {"path": "days", "values": list(range(1, 101))},
            "b": {"path": "warmup_days", "values": list(range(100))},
        },
        scenarios=[{"name": "extra"}],
    )
    tracemalloc.start()
    started = time.perf_counter()
    lines = problems(raw)
    elapsed = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert elapsed < 2 and peak < 50e6, (elapsed, peak)
    assert lines == [
        f"{SOURCE}: grid: makes 10,001 scenarios (grid 100 x 100, plus 1 named); expected at "
        "most 2,000"
    ]


def test_two_grid_axes_on_one_path_are_refused() -> None:
    path = "handler_pools.contact_centre.roster.shifts.2.count"
    raw = experiment(
        grid={"late": {"path": path, "values": [12, 14]}, "more": {"path": path, "values": [1]}}
    )
    (line,) = problems(raw)
    assert line.startswith(f"{SOURCE}: grid.more.path: is '{path}', which sets what axis 'late'")


def test_a_grid_axis_inside_another_axis_section_is_refused() -> None:
    shifts = "handler_pools.contact_centre.roster.shifts"
    raw = experiment(
        grid={
            "late": {"path": f"{shifts}.2.count", "values": [12, 14]},
            "roster": {"path": shifts, "values": [[]], "labels": ["none"]},
        }
    )
    assert any(line.startswith(f"{SOURCE}: grid.roster.path: ") for line in problems(raw))


def test_names_that_differ_only_in_case_are_refused() -> None:
    raw = experiment(scenarios=[{"name": "Late-12"}])
    (line,) = problems(raw)
    assert line.startswith(f"{SOURCE}: scenarios: scenarios 'Late-12', 'late-12' differ only in")
    assert "case-insensitive file system" in line


def test_exactly_equal_names_are_still_refused() -> None:
    raw = experiment(scenarios=[{"name": "late-12"}])
    assert any("two scenarios are called 'late-12'" in line for line in problems(raw))


def auto(metric: dict[str, str]) -> dict[str, Any]:
    return experiment(
        replications="auto", precision={"metrics": [metric], "relative_half_width": 0.1}
    )


def test_a_precision_metric_not_in_the_catalogue_is_refused() -> None:
    (line,) = problems(auto({"metric": "answer_tme", "segment": "101", "stat": "p90"}))
    assert line.startswith(
        f"{SOURCE}: precision.metrics.0.metric: is 'answer_tme', which is not a metric; "
        "expected one of offered, answer_time,"
    )


def test_a_precision_stat_the_metric_lacks_is_refused() -> None:
    (line,) = problems(auto({"metric": "answer_time", "segment": "101", "stat": "p99"}))
    assert line == (
        f"{SOURCE}: precision.metrics.0.stat: is 'p99', which answer_time does not have; "
        "expected one of mean, p50, p90, p95"
    )


def test_a_known_precision_metric_is_valid() -> None:
    expand_experiment(auto({"metric": "answer_time", "segment": "101", "stat": "p90"}), SOURCE)


def test_warnings_name_the_scenario_and_the_field() -> None:
    raw = experiment(
        scenarios=[
            {
                "name": "no-one",
                "set": {
                    "handler_pools.contact_centre.shrinkage": 0.99,
                    # Nobody working is an error unless the roster allows gaps (issue 21).
                    "handler_pools.contact_centre.roster.allow_gaps": True,
                },
            }
        ]
    )
    (line,) = map(str, experiment_warnings(expand_experiment(raw, SOURCE)))
    assert line.startswith(
        f"{SOURCE}: scenario no-one: handler_pools.contact_centre.shrinkage: is 0.99"
    )


def test_a_warning_every_scenario_shares_is_given_once() -> None:
    lines = [str(w) for w in experiment_warnings(expand_experiment(experiment(days=1e-6), SOURCE))]
    assert len(lines) == 2  # one for each channel, not one for each scenario and channel
    for line in lines:
        assert line.startswith(f"{SOURCE}: scenario late-12: days: is 1e-06")
        assert line.endswith("(and 1 other scenario)")


def test_shipped_experiments_are_valid_and_warning_free() -> None:
    from sim.config import read_yaml_file

    for path in sorted((ROOT / "experiments").glob("*.yaml")):
        assert experiment_warnings(expand_experiment(read_yaml_file(path), path)) == [], path
