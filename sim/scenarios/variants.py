"""Experiment variants: every scenario an experiment file makes, built and checked.

Each scenario is built by applying ``--set`` style overrides to the base file's
raw YAML (:func:`sim.config.apply_overrides`) and validating the result as a
whole scenario, so an experiment can change any field a scenario has, and a bad
path or value is reported -- naming the experiment file and the field of the
experiment it came from -- before anything runs.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from sim.config import (
    InputError,
    Problem,
    Scenario,
    apply_overrides,
    problems_from_validation,
    read_yaml_file,
    scenario_from_dict,
    scenario_warnings,
)
from sim.config.experiment import (
    NAME_UNSAFE,
    SHARED_FIELDS,
    Experiment,
    is_experiment,
    yaml_text,
)
from sim.config.geography_files import resolve_geography_files


@dataclass(frozen=True)
class Override:
    """One change to the base scenario, and where in the experiment file it came from."""

    path: str
    value: Any
    origin: str

    def as_set(self) -> str:
        """The change as a ``--set PATH=VALUE`` string (the value as YAML)."""
        return f"{self.path}={yaml_text(self.value)}"


def _value_label(value: Any) -> str | None:
    """A value as part of a scenario name (``12``, ``0_25``, ``true``); None if unsuitable."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float, str)) and not isinstance(value, bool):
        text = NAME_UNSAFE.sub("_", str(value).strip())
        return text if text and len(text) <= 40 else None
    return None


@dataclass(frozen=True)
class Variant:
    """One scenario an experiment makes: its name, validated config and how it was made."""

    name: str
    scenario: Scenario
    overrides: tuple[Override, ...]
    description: str = ""

    @property
    def changes(self) -> list[Override]:
        """The overrides that make this scenario differ (experiment-wide settings excluded)."""
        return [o for o in self.overrides if o.origin.startswith(("grid", "scenarios"))]


@dataclass(frozen=True)
class ExpandedExperiment:
    """A validated experiment file and every scenario it makes, in run order.

    Attributes
    ----------
    source
        The experiment file.
    experiment
        Its validated contents.
    base_path
        The base scenario file (resolved relative to the experiment file).
    variants
        The scenarios, grid first (in cartesian order, first axis slowest), then
        the named ones.
    """

    source: Path
    experiment: Experiment
    base_path: Path
    variants: tuple[Variant, ...]


def expand_experiment_file(path: str | Path) -> ExpandedExperiment:
    """Read, validate and expand an experiment file.

    Raises
    ------
    InputError
        With every problem found: in the experiment file (field paths of the
        experiment), in its base scenario (field paths of the scenario), and in
        each scenario it makes (field paths of the experiment where the bad
        path or value was given).
    """
    return expand_experiment(read_yaml_file(path), Path(path))


def expand_experiment(raw: Any, source: Path) -> ExpandedExperiment:
    """Validate and expand a parsed experiment file (see :func:`expand_experiment_file`)."""
    where = str(source)
    if not isinstance(raw, dict):
        raise InputError(
            [Problem(where, "", "is not a mapping of fields; expected an experiment file")]
        )
    try:
        experiment = Experiment.model_validate(raw)
    except ValidationError as exc:
        raise InputError(problems_from_validation(exc, where)) from None
    except RecursionError:
        raise InputError([Problem(where, "", "is nested too deeply")]) from None

    base_path = (source.parent / experiment.base).resolve()
    try:
        shown = base_path.relative_to(Path.cwd())
    except ValueError:
        shown = base_path
    try:
        base_raw = read_yaml_file(base_path)
    except InputError as exc:
        raise InputError(
            [Problem(where, "base", f"{p.path + ': ' if p.path else ''}{p.message} ({shown})")
             for p in exc.problems]
        ) from None  # fmt: skip
    # A geography data file's problems name that file, its row and column.
    base_raw = resolve_geography_files(base_raw, base_path)
    if isinstance(base_raw, dict) and is_experiment(base_raw):
        raise InputError(
            [Problem(where, "base", f"{shown} is an experiment; expected a scenario file")]
        )
    # The base on its own must be valid: its problems name its own file and fields.
    scenario_from_dict(base_raw, str(shown))

    shared = [
        Override(field, getattr(experiment, field), field)
        for field in ("days", "warmup_days", "seed", "platform")
        if getattr(experiment, field) is not None
    ]
    if isinstance(experiment.replications, int):
        shared.append(Override("replications", experiment.replications, "replications"))
    elif experiment.precision is not None:
        # Recorded in each scenario (and the manifest) as the most it may get.
        shared.append(Override("replications", experiment.precision.max_replications, "precision"))

    variants, problems = _variants(experiment, where)
    problems.extend(_name_problems([name for name, _ in variants], experiment.baseline, where))
    planned: list[Variant] = []
    descriptions = {named.name: named.description for named in experiment.scenarios}
    for name, changes in variants:
        overrides = (*shared, *changes, Override("name", name, "name"))
        scenario, found = _build(base_raw, overrides, name, where, base_path)
        problems.extend(found)
        if scenario is not None:
            planned.append(Variant(name, scenario, overrides, descriptions.get(name, "")))

    problems = list(dict.fromkeys(problems))  # the same problem from many grid points: once
    if problems:
        raise InputError(problems)
    return ExpandedExperiment(source, experiment, base_path, tuple(planned))


def experiment_warnings(expanded: ExpandedExperiment) -> list[Problem]:
    """Warnings about the experiment's scenarios (see :func:`sim.config.scenario_warnings`).

    Each is at ``scenario NAME`` of the experiment file, with the scenario's
    field; one that every scenario shares (from the base) is given once, for the
    first scenario, with how many others have it.
    """
    source = str(expanded.source)
    found: dict[tuple[str, str], list[str]] = {}
    for variant in expanded.variants:
        for warning in scenario_warnings(variant.scenario, source):
            found.setdefault((warning.path, warning.message), []).append(variant.name)
    warnings = []
    for (path, message), names in found.items():
        more = len(names) - 1
        others = f" (and {more} other scenario{'s' if more > 1 else ''})" if more else ""
        warnings.append(Problem(source, f"scenario {names[0]}", f"{path}: {message}{others}"))
    return warnings


def _name_problems(names: list[str], baseline: str, source: str) -> list[Problem]:
    """Scenario names that clash (exactly, or in case only) and a baseline that is none of them.

    Names are directory and file names of the results: two that differ only in
    case are one file on a case-insensitive file system (macOS, Windows).
    """
    problems: list[Problem] = []
    by_folded: dict[str, list[str]] = {}
    for name in names:
        by_folded.setdefault(name.casefold(), []).append(name)
    for same in by_folded.values():
        if len(same) < 2:
            continue
        if len(set(same)) < len(same):
            for name in sorted({n for n in same if same.count(n) > 1}):
                problems.append(
                    Problem(
                        source,
                        "scenarios",
                        f"two scenarios are called {name!r}; expected unique names "
                        "(give grid labels or rename a named scenario)",
                    )
                )
        distinct = sorted(set(same))
        if len(distinct) > 1:
            problems.append(
                Problem(
                    source,
                    "scenarios",
                    f"scenarios {', '.join(repr(n) for n in distinct)} differ only in case, "
                    "which names one results file on a case-insensitive file system; "
                    "expected names that differ in more than case",
                )
            )
    if names and baseline not in names:
        listed = ", ".join(names[:12]) + (", ..." if len(names) > 12 else "")
        problems.append(
            Problem(
                source,
                "baseline",
                f"is {baseline!r}, which is not one of the scenarios; expected one of {listed}",
            )
        )
    return problems


def _variants(
    experiment: Experiment, source: str
) -> tuple[list[tuple[str, list[Override]]], list[Problem]]:
    """Names and overrides of every scenario, grid first; problems with names or paths."""
    problems: list[Problem] = []
    variants: list[tuple[str, list[Override]]] = []
    for label, axis in experiment.grid.items():
        for field in SHARED_FIELDS:
            if axis.path == field:
                problems.append(_shared_field_problem(source, f"grid.{label}.path", field))
    for i, named in enumerate(experiment.scenarios):
        for path in named.overrides:
            if path in SHARED_FIELDS:
                problems.append(_shared_field_problem(source, f"scenarios.{i}.set", path))

    if experiment.grid:
        axes: list[list[tuple[str, Override]]] = []
        for label, axis in experiment.grid.items():
            points = []
            for j, value in enumerate(axis.values):
                text = axis.labels[j] if axis.labels else _value_label(value)
                if text is None:
                    problems.append(
                        Problem(
                            source,
                            f"grid.{label}.values.{j}",
                            f"is {yaml_text(value)[:60]}, which cannot name a scenario; "
                            "give labels: [...] for this axis, one name per value",
                        )
                    )
                    text = f"v{j}"
                origin = f"grid.{label}.values.{j}"
                points.append((f"{label}-{text}", Override(axis.path, value, origin)))
            axes.append(points)
        for combination in itertools.product(*axes):
            name = "_".join(part for part, _ in combination)
            variants.append((name, [override for _, override in combination]))
    for i, named in enumerate(experiment.scenarios):
        changes = [
            Override(path, value, f"scenarios.{i}.set") for path, value in named.overrides.items()
        ]
        variants.append((named.name, changes))
    return variants, problems


def _shared_field_problem(source: str, where: str, field: str) -> Problem:
    return Problem(
        source,
        where,
        f"sets {field!r}, which every scenario of an experiment shares; set it at the top "
        "level of the experiment instead",
    )


def _build(
    base_raw: Any, overrides: Sequence[Override], name: str, source: str, base_path: Path
) -> tuple[Scenario | None, list[Problem]]:
    """Apply overrides to the base and validate; problems blamed on the experiment's fields.

    A geography file an override names is read beside the base scenario.
    """
    by_set = {o.as_set(): o for o in overrides}
    try:
        raw = apply_overrides(base_raw, list(by_set))
    except InputError as exc:
        problems = []
        for problem in exc.problems:
            override = _override_of(problem.source, by_set)
            origin = override.origin if override else ""
            if origin.startswith("grid."):
                origin = origin.rsplit(".values.", 1)[0] + ".path"
            detail = f"{problem.path}: " if problem.path else ""
            problems.append(Problem(source, origin, f"{detail}{problem.message}"))
        return None, problems
    try:
        return scenario_from_dict(resolve_geography_files(raw, base_path), source), []
    except InputError as exc:
        return None, [_blame(problem, overrides, name, source) for problem in exc.problems]


def _override_of(problem_source: str, by_set: dict[str, Override]) -> Override | None:
    text = problem_source.removeprefix("--set ")
    return by_set.get(text)


def _blame(problem: Problem, overrides: Sequence[Override], name: str, source: str) -> Problem:
    """Name the experiment field whose override caused a scenario problem.

    A problem with a value from the grid or a named scenario is reported at that
    entry of the experiment (``grid.late.values.2``, ``scenarios.0.set``), with the
    scenario field it set; one with an experiment-wide setting at that setting.
    """
    for override in reversed(overrides):
        path = override.path
        if problem.path and (
            problem.path == path
            or problem.path.startswith(path + ".")
            or path.startswith(problem.path + ".")
        ):
            from_sweep = override.origin.startswith(("grid.", "scenarios."))
            if from_sweep or problem.path != override.origin:
                return Problem(source, override.origin, f"{problem.path}: {problem.message}")
            return Problem(source, override.origin, problem.message)
    return Problem(source, f"scenario {name}", f"{problem.path}: {problem.message}")
