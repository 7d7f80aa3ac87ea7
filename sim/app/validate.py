"""``demandsim validate``: every check ``run`` and ``experiment`` make, without simulating."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sim.config import (
    Problem,
    Scenario,
    read_yaml_file,
    scenario_from_dict,
    scenario_warnings,
)
from sim.config.cost import planned_replication_cost
from sim.config.experiment import is_experiment
from sim.runs.plan import RunPlan, check_buildable, plan_experiment, plan_scenario
from sim.scenarios.variants import expand_experiment, experiment_warnings


@dataclass(frozen=True)
class Validation:
    """What ``validate`` found in a valid file.

    Attributes
    ----------
    description
        One line saying what the file holds.
    warnings
        Scenarios that will run but whose results cannot mean anything, each
        naming the field (:func:`sim.config.scenario_warnings`).
    """

    description: str
    warnings: tuple[Problem, ...] = ()


def validate_file(path: Path) -> Validation:
    """Check a scenario or experiment file: what it holds, and any warnings.

    Every check ``run`` and ``experiment`` make before simulating is made: the
    file and every scenario it makes are validated (their cost bounded: see
    :mod:`sim.config.cost`), platforms applied, and each scenario's model
    built without simulating (:func:`sim.runs.plan.check_buildable`). Only
    what depends on ``--out`` (room on its disk, whether it may be written)
    is left to the run.

    A file is read as an experiment if it has any of the keys only an experiment
    has (``base``, ``baseline``, ``grid``, ``scenarios``) and no ``forces``.

    Raises
    ------
    InputError
        With every problem found.
    """
    raw = read_yaml_file(path)
    if is_experiment(raw):
        expanded = expand_experiment(raw, path)
        plan = plan_experiment(expanded)
        check_buildable(plan)
        return Validation(describe_plan(plan), tuple(experiment_warnings(expanded)))
    scenario = scenario_from_dict(raw, str(path))
    check_buildable(plan_scenario(scenario, path))
    return Validation(
        describe_scenario(path, scenario), tuple(scenario_warnings(scenario, str(path)))
    )


def describe_scenario(path: Path, scenario: Scenario) -> str:
    """One line saying what a scenario holds."""
    channels = sum(len(f.channels) for f in scenario.forces.values())
    arrivals, memory = planned_replication_cost(scenario)
    return (
        f"{path}: valid scenario '{scenario.name}': {len(scenario.forces)} force(s), "
        f"{channels} channel(s), {len(scenario.handler_pools)} handler pool(s), "
        f"{scenario.days:g} days after {scenario.warmup_days:g} warm-up, "
        f"{scenario.replications} replication(s) of at most about {arrivals:,.0f} call "
        f"attempts and online reports and {memory / 1e6:,.0f} MB each"
    )


def describe_plan(plan: RunPlan) -> str:
    """One line saying what an experiment will run."""
    first = plan.scenarios[0].scenario
    precision = plan.precision
    if precision is None:
        replications = f"{plan.replications} replication(s) each"
    else:
        metrics = ", ".join(str(m) for m in precision.metrics)
        replications = (
            f"replications auto ({precision.min_replications} to {precision.max_replications}, "
            f"until ±{precision.relative_half_width:.0%} on {metrics})"
        )
    base = plan.base_path.name if plan.base_path is not None else plan.source.name
    arrivals, memory = max(planned_replication_cost(s.prepared) for s in plan.scenarios)
    return (
        f"{plan.source}: valid experiment '{plan.name}': {len(plan.scenarios)} scenario(s) "
        f"from {base}, baseline {plan.baseline}, "
        f"{first.days:g} days after {first.warmup_days:g} warm-up, seed {plan.seed}, "
        f"{replications}; the largest replication plans at most about {arrivals:,.0f} call "
        f"attempts and online reports and {memory / 1e6:,.0f} MB"
    )
