"""Experiment files: a sweep of scenarios built from one base scenario.

An experiment file (``experiments/*.yaml``) names a base scenario file, the
scenarios to run as changes to it -- a ``grid`` (the cartesian product of
values at dotted field paths) and/or a list of named override sets -- the
``baseline`` they are compared against, and the run settings shared by every
scenario: days, warm-up days, seed, platform, and replications (a number, or ``auto``
with a target precision).

Each scenario is built by applying ``--set`` style overrides to the base file's
raw YAML (:func:`sim.config.apply_overrides`) and validating the result as a
whole scenario, so an experiment can change any field a scenario has, and a bad
path or value is reported -- naming the experiment file and the field of the
experiment it came from -- before anything runs. Nothing in this module imports
SimPy.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BeforeValidator, Field, ValidationError, model_validator

from sim.config import (
    CrossFieldError,
    FrozenModel,
    InputError,
    NotBool,
    Problem,
    Scenario,
    apply_overrides,
    problems_from_validation,
    read_yaml_file,
    scenario_from_dict,
)

#: Keys only an experiment file has: a file with any of them (and no ``forces``)
#: is read as an experiment by ``demandsim validate``.
EXPERIMENT_KEYS = frozenset({"base", "baseline", "grid", "scenarios"})

#: Most scenarios one experiment may expand to: a larger grid is almost always a
#: mistake (one axis too many), and would take hours.
MAX_SCENARIOS = 2000
MAX_REPLICATIONS = 10_000

#: Fields every scenario of an experiment must share, set at the experiment
#: level: the seed (common random numbers) and the replication count (pairs).
SHARED_FIELDS = ("seed", "replications", "name")

Label = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]{0,39}$")]
ScenarioName = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]{0,79}$")]
DottedPath = Annotated[str, Field(min_length=1, max_length=300, pattern=r"^[^.=\s]+(\.[^.=\s]+)*$")]
_NAME_UNSAFE = re.compile(r"[^A-Za-z0-9_-]")


def _shown(value: Any) -> str:
    """A YAML value as the planner wrote it (``true``, not ``True``), shortened."""
    return _yaml_text(value)[:60] if isinstance(value, (bool, type(None))) else repr(value)[:60]


def _replications_value(value: Any) -> Any:
    """A replication count (whole number) or the word ``auto``."""
    if isinstance(value, str) and value.strip().lower() == "auto":
        return "auto"
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(
            f"is {_shown(value)}; expected a whole number of replications (1 to "
            f"{MAX_REPLICATIONS:,}), or auto with a precision section"
        )
    if not 1 <= value <= MAX_REPLICATIONS:
        raise ValueError(
            f"is {value}; expected a whole number of replications from 1 to {MAX_REPLICATIONS:,}"
        )
    return value


class MetricKey(FrozenModel):
    """One figure of ``summary.csv``: a metric, a segment and a statistic.

    For example ``{metric: answer_time, segment: "101", stat: p90}``.
    """

    metric: Annotated[str, Field(min_length=1, max_length=80)]
    segment: Annotated[str, Field(min_length=1, max_length=120)]
    stat: Annotated[str, Field(min_length=1, max_length=20)]

    @property
    def key(self) -> tuple[str, str, str]:
        """``(metric, segment, stat)``."""
        return self.metric, self.segment, self.stat

    def __str__(self) -> str:
        return f"{self.metric}/{self.segment}/{self.stat}"


class Precision(FrozenModel):
    """The target of ``replications: auto``: a sequential replication procedure.

    Replications are added until, for every named metric in every scenario, the
    half-width of the 95% confidence interval is at most ``relative_half_width``
    times the mean, and stays so for ``look_ahead`` further replications (Hoad,
    Robinson and Davies 2010), or until ``max_replications`` is reached.
    """

    metrics: Annotated[list[MetricKey], Field(min_length=1, max_length=50)]
    relative_half_width: Annotated[float, Field(gt=0, le=1, allow_inf_nan=False), NotBool] = Field(
        description="Target half-width as a share of the mean: 0.05 is ±5%."
    )
    min_replications: Annotated[int, Field(ge=3, le=MAX_REPLICATIONS), NotBool] = 5
    max_replications: Annotated[int, Field(ge=3, le=MAX_REPLICATIONS), NotBool] = 100
    look_ahead: Annotated[int, Field(ge=0, le=100), NotBool] = 5

    @model_validator(mode="after")
    def _cap_above_start(self) -> Precision:
        if self.max_replications < self.min_replications:
            raise CrossFieldError(
                [
                    (
                        ("max_replications",),
                        f"is {self.max_replications}; expected at least min_replications "
                        f"({self.min_replications})",
                    )
                ]
            )
        return self


class GridAxis(FrozenModel):
    """One axis of a grid: a dotted field path of the scenario and the values it takes.

    Scenario names are built from the axis label and each value (``late-12``);
    give ``labels`` (one per value) where a value does not make a good name.
    """

    path: DottedPath
    values: Annotated[list[Any], Field(min_length=1, max_length=MAX_SCENARIOS)]
    labels: list[Label] | None = None

    @model_validator(mode="after")
    def _labels_match_values(self) -> GridAxis:
        if self.labels is not None and len(self.labels) != len(self.values):
            raise CrossFieldError(
                [
                    (
                        ("labels",),
                        f"has {len(self.labels)} entries; expected {len(self.values)}, one "
                        "per value",
                    )
                ]
            )
        return self


class NamedScenario(FrozenModel):
    """A scenario given by name and a set of overrides (``path: value``) to the base."""

    name: ScenarioName
    description: str = Field(default="", max_length=4000)
    overrides: dict[DottedPath, Any] = Field(default_factory=dict, alias="set")


class Experiment(FrozenModel):
    """An experiment file: scenarios derived from a base scenario, run and compared.

    ``days``, ``warmup_days`` and ``seed`` default to the base scenario's;
    ``replications`` too, unless ``auto``.
    """

    name: ScenarioName
    description: str = Field(default="", max_length=4000)
    base: Annotated[str, Field(min_length=1, max_length=1000)] = Field(
        description="Base scenario file, relative to the experiment file."
    )
    platform: Any = Field(
        default=None,
        description="A platform applied to every scenario (a name from sim/config/platforms/, "
        "or its fields); a grid or named scenario may still set its own.",
    )
    baseline: ScenarioName
    days: Any = None
    warmup_days: Any = None
    seed: Any = None
    replications: Annotated[int | Literal["auto"] | None, BeforeValidator(_replications_value)] = (
        None
    )
    precision: Precision | None = None
    grid: dict[Label, GridAxis] = Field(default_factory=dict, max_length=10)
    scenarios: list[NamedScenario] = Field(default_factory=list, max_length=MAX_SCENARIOS)
    records: bool = Field(default=False, description="Write per-call records of every replication.")
    headline: Annotated[list[MetricKey], Field(max_length=12)] | None = Field(
        default=None, description="Figures for the table printed at the end."
    )

    @model_validator(mode="after")
    def _consistent(self) -> Experiment:
        problems: list[tuple[tuple[str | int, ...], str]] = []
        if self.replications == "auto" and self.precision is None:
            problems.append(
                (("precision",), "missing; replications: auto needs a precision section")
            )
        if self.replications != "auto" and self.precision is not None:
            problems.append(
                (
                    ("precision",),
                    "is given but replications is not auto; expected replications: auto, "
                    "or no precision section",
                )
            )
        if not self.grid and not self.scenarios:
            problems.append(
                (("scenarios",), "missing; expected a grid, a list of scenarios, or both")
            )
        if problems:
            raise CrossFieldError(problems)
        return self


# --------------------------------------------------------------------------- expansion


@dataclass(frozen=True)
class Override:
    """One change to the base scenario, and where in the experiment file it came from."""

    path: str
    value: Any
    origin: str

    def as_set(self) -> str:
        """The change as a ``--set PATH=VALUE`` string (the value as YAML)."""
        return f"{self.path}={_yaml_text(self.value)}"


@dataclass(frozen=True)
class PlannedScenario:
    """A scenario of an experiment: its name, validated config and how it was made."""

    name: str
    scenario: Scenario
    overrides: tuple[Override, ...]

    @property
    def changes(self) -> list[str]:
        """The overrides as ``PATH=VALUE`` strings, experiment-wide settings excluded."""
        return [o.as_set() for o in self.overrides if o.origin.startswith(("grid", "scenarios"))]


@dataclass(frozen=True)
class ExperimentPlan:
    """A validated experiment: every scenario built and checked, ready to run.

    Attributes
    ----------
    source
        The experiment file.
    experiment
        Its validated contents.
    base_path
        The base scenario file (resolved relative to the experiment file).
    scenarios
        The scenarios, grid first (in cartesian order, first axis slowest), then
        the named ones.
    """

    source: Path
    experiment: Experiment
    base_path: Path
    scenarios: tuple[PlannedScenario, ...]

    @property
    def name(self) -> str:
        """The experiment's name."""
        return self.experiment.name

    @property
    def baseline(self) -> str:
        """Name of the scenario every other is compared against."""
        return self.experiment.baseline

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
        return self.experiment.replications == "auto"

    @property
    def fixed_replications(self) -> int:
        """Replications per scenario when fixed (the base's if the experiment gives none)."""
        return self.scenarios[0].scenario.replications

    def scenario(self, name: str) -> Scenario:
        """The validated scenario called ``name``."""
        for planned in self.scenarios:
            if planned.name == name:
                return planned.scenario
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


def is_experiment(raw: Any) -> bool:
    """Whether parsed YAML is an experiment file (rather than a scenario)."""
    return isinstance(raw, dict) and "forces" not in raw and bool(EXPERIMENT_KEYS & set(raw))


def _yaml_text(value: Any) -> str:
    """A value as one line of YAML that parses back to the same value."""
    text = yaml.safe_dump(value, default_flow_style=True, width=10**9, allow_unicode=True)
    return text.removesuffix("\n").removesuffix("\n...").strip()


def _value_label(value: Any) -> str | None:
    """A value as part of a scenario name (``12``, ``0_25``, ``true``); None if unsuitable."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float, str)) and not isinstance(value, bool):
        text = _NAME_UNSAFE.sub("_", str(value).strip())
        return text if text and len(text) <= 40 else None
    return None


def load_experiment(path: str | Path) -> ExperimentPlan:
    """Read, validate and expand an experiment file.

    Raises
    ------
    InputError
        With every problem found: in the experiment file (field paths of the
        experiment), in its base scenario (field paths of the scenario), and in
        each scenario it makes (field paths of the experiment where the bad
        path or value was given).
    """
    return plan_from_dict(read_yaml_file(path), Path(path))


def plan_from_dict(raw: Any, source: Path) -> ExperimentPlan:
    """Validate and expand a parsed experiment file (see :func:`load_experiment`)."""
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
    planned: list[PlannedScenario] = []
    for name, changes in variants:
        overrides = (*shared, *changes, Override("name", name, "name"))
        scenario, found = _build(base_raw, overrides, name, where)
        problems.extend(found)
        if scenario is not None:
            planned.append(PlannedScenario(name, scenario, overrides))

    names = [name for name, _ in variants]
    for name in sorted({n for n in names if names.count(n) > 1}):
        problems.append(
            Problem(
                where,
                "scenarios",
                f"two scenarios are called {name!r}; expected unique names "
                "(give grid labels or rename a named scenario)",
            )
        )
    if len(names) > MAX_SCENARIOS:
        problems.append(
            Problem(
                where,
                "grid",
                f"makes {len(names):,} scenarios; expected at most {MAX_SCENARIOS:,}",
            )
        )
    if names and experiment.baseline not in names:
        listed = ", ".join(names[:12]) + (", ..." if len(names) > 12 else "")
        problems.append(
            Problem(
                where,
                "baseline",
                f"is {experiment.baseline!r}, which is not one of the scenarios; expected "
                f"one of {listed}",
            )
        )
    problems = list(dict.fromkeys(problems))  # the same problem from many grid points: once
    if problems:
        raise InputError(problems)
    return ExperimentPlan(source, experiment, base_path, tuple(planned))


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
                            f"is {_yaml_text(value)[:60]}, which cannot name a scenario; "
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
    base_raw: Any, overrides: Sequence[Override], name: str, source: str
) -> tuple[Scenario | None, list[Problem]]:
    """Apply overrides to the base and validate; problems blamed on the experiment's fields."""
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
        return scenario_from_dict(raw, source), []
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
