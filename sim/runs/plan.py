"""A run plan: which scenarios, how many replications, which seed, what to keep.

A ``run`` is an experiment of one scenario; an experiment file is expanded
into many; staffing verification plans the trial rosters it wants simulated.
Every one becomes a :class:`RunPlan` and goes through
:func:`sim.runs.pipeline.run_plan`. Each scenario is prepared once, here: its
platform's static changes are applied (:func:`sim.scenarios.platforms.apply_platform`)
so that no replication repeats the work, and the model gets the prepared
scenario and the platform's in-time part (outages, learning curve).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sim.config import Platform, Scenario
from sim.config.experiment import MetricKey, Precision, yaml_text
from sim.errors import InputError, Problem
from sim.model.wiring import dry_build
from sim.scenarios.platforms import apply_platform
from sim.scenarios.variants import ExpandedExperiment, Variant, expand_experiment_file


@dataclass(frozen=True)
class Change:
    """One setting in which a scenario differs from the baseline (a row of ``changes.csv``).

    ``path`` is the dotted config path, ``before`` and ``after`` the baseline's
    and this scenario's values as short text, ``label`` the same in plain words.
    """

    path: str
    before: str
    after: str
    label: str


@dataclass(frozen=True)
class PlannedScenario:
    """A scenario of a plan, as configured and as it runs.

    Attributes
    ----------
    name
        Its name (unique in the plan).
    scenario
        The validated scenario as configured (recorded in the manifest).
    prepared
        The same with its platform's static changes made: what the model runs.
    platform
        The platform whose outages and learning curve act in time (None if none).
    changes
        The settings that differ from the baseline's.
    description
        What the scenario is, in words (from the experiment file).
    """

    name: str
    scenario: Scenario
    prepared: Scenario
    platform: Platform | None
    changes: tuple[Change, ...] = ()
    description: str = ""

    @classmethod
    def of(
        cls, scenario: Scenario, changes: Sequence[Change] = (), description: str = ""
    ) -> PlannedScenario:
        """Prepare a scenario: apply its platform once."""
        return cls(
            scenario.name,
            scenario,
            apply_platform(scenario),
            scenario.platform,
            tuple(changes),
            description or scenario.description,
        )


@dataclass(frozen=True)
class RunPlan:
    """Scenarios x replications, with one seed, and what to record.

    Attributes
    ----------
    name
        What is run (the scenario's or the experiment's name).
    source
        The file it came from.
    scenarios
        The scenarios, in run order.
    baseline
        The scenario every other is compared against.
    replications
        Replications per scenario: the count, or with ``precision`` the most.
    precision
        The target of automatic replications (``replications: auto``), or None.
    records
        Keep per-call and per-incident records of every replication.
    kind
        ``run``, ``experiment`` or ``staffing``: for the manifest and messages.
    base_path
        An experiment's base scenario file.
    headline
        The figures an experiment names for its closing table.
    description
        What the plan is for, in words.
    question
        The question an experiment answers (its ``question:``), or "".
    settings
        Anything else the manifest should record (the command's overrides).
    """

    name: str
    source: Path
    scenarios: tuple[PlannedScenario, ...]
    baseline: str
    replications: int
    precision: Precision | None = None
    records: bool = False
    kind: str = "experiment"
    base_path: Path | None = None
    headline: tuple[MetricKey, ...] | None = None
    description: str = ""
    question: str = ""
    settings: dict[str, Any] = field(default_factory=dict)

    @property
    def names(self) -> list[str]:
        """Scenario names, in run order."""
        return [s.name for s in self.scenarios]

    @property
    def seed(self) -> int:
        """The seed every scenario shares (common random numbers)."""
        return self.scenarios[0].scenario.seed

    @property
    def auto(self) -> bool:
        """Whether the replication count is chosen by the sequential procedure."""
        return self.precision is not None

    def scenario(self, name: str) -> PlannedScenario:
        """The planned scenario called ``name``."""
        for planned in self.scenarios:
            if planned.name == name:
                return planned
        raise KeyError(name)

    def fingerprint(self) -> str:
        """A hash of everything that fixes each replication's results.

        Replication ``r`` of a scenario depends only on the scenario's config and
        the seed, so the hash covers the scenarios (names and resolved configs)
        and nothing else: not the replication count or precision target (a
        resumed run may add replications), not records, and not the name,
        baseline or headline figures. Two plans with the same fingerprint share
        every replication, so either may resume the other's results directory.
        """
        content = {
            s.name: s.scenario.model_dump(mode="json", exclude={"replications", "description"})
            for s in self.scenarios
        }
        text = json.dumps(content, sort_keys=True, default=str)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()


def check_buildable(plan: RunPlan) -> None:
    """Build every scenario's model without simulating it (:func:`sim.model.wiring.dry_build`).

    ``validate``, ``run`` and ``experiment`` all do this before anything runs,
    so a scenario the model cannot be built from is refused at once rather than
    failing in every replication.

    Raises
    ------
    InputError
        Naming each scenario whose model cannot be built, and why.
    """
    problems = []
    for planned in plan.scenarios:
        try:
            dry_build(planned.prepared, planned.platform)
        except Exception as exc:
            where = f"scenario {planned.name}" if plan.kind != "run" else ""
            problems.append(
                Problem(
                    str(plan.source),
                    where,
                    f"the model cannot be built from it ({type(exc).__name__}: {exc}); "
                    "validation should have said which field is wrong: please report it",
                )
            )
    if problems:
        raise InputError(problems)


def plan_scenario(
    scenario: Scenario,
    source: Path,
    records: bool = False,
    settings: dict[str, Any] | None = None,
) -> RunPlan:
    """The plan of ``demandsim run``: one scenario, its own replications and seed."""
    return RunPlan(
        name=scenario.name,
        source=Path(source),
        scenarios=(PlannedScenario.of(scenario),),
        baseline=scenario.name,
        replications=scenario.replications,
        records=records,
        kind="run",
        description=scenario.description,
        settings=dict(settings or {}),
    )


def plan_scenarios(
    scenarios: Sequence[Scenario], name: str, source: Path, kind: str = "staffing"
) -> RunPlan:
    """A plan of several scenarios sharing the first one's seed and replication count.

    For callers that build their own variants (staffing verification): the
    first scenario is the baseline, and names must be unique.
    """
    planned = tuple(PlannedScenario.of(s) for s in scenarios)
    return RunPlan(
        name=name,
        source=Path(source),
        scenarios=planned,
        baseline=planned[0].name,
        replications=scenarios[0].replications,
        kind=kind,
    )


def plan_experiment(expanded: ExpandedExperiment) -> RunPlan:
    """The plan of an expanded experiment file: its scenarios and settings."""
    experiment = expanded.experiment
    baseline = next(v for v in expanded.variants if v.name == experiment.baseline)
    scenarios = tuple(
        PlannedScenario.of(v.scenario, changes_from(baseline, v), v.description)
        for v in expanded.variants
    )
    first = expanded.variants[0].scenario
    return RunPlan(
        name=experiment.name,
        source=expanded.source,
        scenarios=scenarios,
        baseline=experiment.baseline,
        replications=first.replications,
        precision=experiment.precision,
        records=experiment.records,
        kind="experiment",
        base_path=expanded.base_path,
        headline=tuple(experiment.headline) if experiment.headline is not None else None,
        description=experiment.description,
        question=experiment.question,
    )


def plan_experiment_file(path: str | Path) -> RunPlan:
    """Read, validate and expand an experiment file into its plan.

    Raises
    ------
    InputError
        With every problem of the file, its base scenario and the scenarios it makes.
    """
    return plan_experiment(expand_experiment_file(path))


# --------------------------------------------------------------------------- changes


def _at_path(raw: Any, path: str) -> Any:
    """The value at a dotted path of a scenario dump (list items by index); None if absent."""
    node = raw
    for part in path.split("."):
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isascii() and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return None
    return node


def _setting_text(value: Any) -> str:
    """A setting as short text: a platform by its name, anything else as one line of YAML."""
    if value is None:
        return "none"
    if isinstance(value, dict) and isinstance(value.get("name"), str):
        return value["name"]
    return yaml_text(value)[:120]


def changes_from(baseline: Variant, variant: Variant) -> list[Change]:
    """The settings of ``variant`` that differ from ``baseline``'s, at every path either sets.

    The baseline itself has none. A path's label is the grid axis it came from
    (``late 14 → 16``) or, for a named scenario, the path itself.
    """
    if variant.name == baseline.name:
        return []
    labels: dict[str, str] = {}
    for override in (*baseline.changes, *variant.changes):
        if override.origin.startswith("grid."):
            labels.setdefault(override.path, override.origin.split(".")[1])
        else:
            labels.setdefault(override.path, override.path)
    before_raw = baseline.scenario.model_dump(mode="json")
    after_raw = variant.scenario.model_dump(mode="json")
    found: list[Change] = []
    for path, label in labels.items():
        before = _setting_text(_at_path(before_raw, path))
        after = _setting_text(_at_path(after_raw, path))
        if before != after:
            found.append(Change(path, before, after, f"{label} {before} → {after}"))
    return found
