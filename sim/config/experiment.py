"""Experiment files: the schema of a sweep of scenarios built from one base scenario.

An experiment file (``experiments/*.yaml``) names a base scenario file, the
scenarios to run as changes to it -- a ``grid`` (the cartesian product of
values at dotted field paths) and/or a list of named override sets -- the
``baseline`` they are compared against, and the run settings shared by every
scenario: days, warm-up days, seed, platform, and replications (a number, or
``auto`` with a target precision). This module validates the file's own fields;
:mod:`sim.scenarios.variants` builds and checks the scenarios it makes.
"""

from __future__ import annotations

import math
import re
from typing import Annotated, Any, Literal

import yaml
from pydantic import BeforeValidator, Field, model_validator

from sim.catalogue import METRICS
from sim.config import CrossFieldError, FrozenModel, NotBool

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
NAME_UNSAFE = re.compile(r"[^A-Za-z0-9_-]")


def _shown(value: Any) -> str:
    """A YAML value as the planner wrote it (``true``, not ``True``), shortened."""
    return yaml_text(value)[:60] if isinstance(value, (bool, type(None))) else repr(value)[:60]


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

    @model_validator(mode="after")
    def _in_the_catalogue(self) -> MetricKey:
        # Checked here, not after the first replications: the segment depends on the
        # scenario, but the metric and its statistic are known from the catalogue.
        definition = METRICS.get(self.metric)
        if definition is None:
            raise CrossFieldError(
                [
                    (
                        ("metric",),
                        f"is {self.metric!r}, which is not a metric; expected one of "
                        f"{', '.join(METRICS)}",
                    )
                ]
            )
        if self.stat not in definition.stats:
            raise CrossFieldError(
                [
                    (
                        ("stat",),
                        f"is {self.stat!r}, which {self.metric} does not have; expected one "
                        f"of {', '.join(definition.stats)}",
                    )
                ]
            )
        return self

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
    question: str = Field(
        default="",
        max_length=400,
        description="The question the experiment answers, in the panel's words; the "
        "report's brief opens with it.",
    )
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
        earlier: list[tuple[str, str]] = []
        for label, axis in self.grid.items():
            for other, path in earlier:
                # The later axis would overwrite (part of) the earlier one, and the
                # scenario names would claim settings the scenarios do not have.
                if _overlap(axis.path, path):
                    problems.append(
                        (
                            ("grid", label, "path"),
                            f"is {axis.path!r}, which sets what axis {other!r} ({path!r}) "
                            "already sets; expected each axis on its own path (put every "
                            "value in one axis)",
                        )
                    )
                    break
            earlier.append((label, axis.path))
        count = self.scenario_count()
        if count > MAX_SCENARIOS:
            sizes = " x ".join(str(len(axis.values)) for axis in self.grid.values()) or "0"
            problems.append(
                (
                    ("grid",),
                    f"makes {count:,} scenarios (grid {sizes}, plus {len(self.scenarios)} "
                    f"named); expected at most {MAX_SCENARIOS:,}",
                )
            )
        if problems:
            raise CrossFieldError(problems)
        return self

    def scenario_count(self) -> int:
        """Scenarios the experiment makes: the grid points (product of axis lengths), then named."""
        grid = math.prod(len(axis.values) for axis in self.grid.values()) if self.grid else 0
        return grid + len(self.scenarios)


def _overlap(path: str, other: str) -> bool:
    """Whether two dotted paths set the same field, or one sets a section holding the other."""
    return path == other or path.startswith(other + ".") or other.startswith(path + ".")


def is_experiment(raw: Any) -> bool:
    """Whether parsed YAML is an experiment file (rather than a scenario)."""
    return isinstance(raw, dict) and "forces" not in raw and bool(EXPERIMENT_KEYS & set(raw))


def yaml_text(value: Any) -> str:
    """A value as one line of YAML that parses back to the same value."""
    text = yaml.safe_dump(value, default_flow_style=True, width=10**9, allow_unicode=True)
    return text.removesuffix("\n").removesuffix("\n...").strip()
