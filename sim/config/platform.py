"""Contact management platforms: the schema, and the named platforms shipped with the package."""

from __future__ import annotations

import math
from importlib import resources
from importlib.resources.abc import Traversable
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field, ValidationError
from pydantic_core import PydanticCustomError

from sim.config.base import MAX_DAYS, FrozenModel, Identifier, NotBool, Probability, Seconds
from sim.config.demand import CALL_CHANNELS, ChannelId
from sim.config.messages import describe_input, problems_from_validation
from sim.config.safe_yaml import parse_yaml
from sim.errors import InputError, Problem
from sim.units import SECONDS_PER_DAY, SECONDS_PER_WEEK

#: Folder of the named platforms, inside this package (package data, so that an
#: installed wheel has them too): ``platform: cmp`` reads ``platforms/cmp.yaml``.
PLATFORMS_FOLDER = "platforms"


#: Shortest mean time between failures or to repair, hours: one minute. Shorter is
#: below the model's resolution (talk times are minutes), and tiny means would make
#: the number of outage windows, and so the run, unbounded (see sim.config.cost).
MIN_OUTAGE_HOURS = 1.0 / 60.0


def _at_least_a_minute(hours: float) -> float:
    if hours < MIN_OUTAGE_HOURS:
        raise ValueError(
            f"is {hours:g} h; expected at least one minute ({MIN_OUTAGE_HOURS:.4g} h): "
            "outages are in hours"
        )
    return hours


AtLeastAMinute = AfterValidator(_at_least_a_minute)

Multiplier = Annotated[float, Field(gt=0, le=10, allow_inf_nan=False), NotBool]


class SmsAdvice(FrozenModel):
    """Advice sent by SMS or e-mail instead of being read out.

    Source: Thames Valley PCP, 16 November 2018, CMP project update (docs/sources.md).

    ``share`` of a channel's handled calls end with advice sent by text; their
    wrap-up is ``wrap_up_multiplier`` times as long. The model applies the
    expected saving to every call of the channel (wrap-up times
    ``1 - share * (1 - wrap_up_multiplier)``) rather than drawing which calls got a
    text, so that scenarios keep common random numbers. ``repeat_call_rate`` is the
    share of advised callers who would otherwise have called again for the same
    advice: the channel's volume falls by ``share * repeat_call_rate``.
    """

    share: Probability
    wrap_up_multiplier: Annotated[float, Field(ge=0, le=1, allow_inf_nan=False), NotBool] = 1.0
    repeat_call_rate: Probability = 0.0

    def wrap_up_factor(self) -> float:
        """Multiplier on the channel's mean wrap-up (dimensionless)."""
        return 1.0 - self.share * (1.0 - self.wrap_up_multiplier)

    def volume_factor(self) -> float:
        """Multiplier on the channel's call volume (dimensionless)."""
        return 1.0 - self.share * self.repeat_call_rate


class Outages(FrozenModel):
    """Platform failures: up and down times exponential, in hours.

    While the platform is down, handling runs in a degraded mode: a call
    answered then has its talk time multiplied by ``handling_multiplier``, and a
    unit sent then takes ``dispatch_delay_multiplier`` times the usual decision time.
    """

    mtbf_hours: Annotated[
        float, Field(gt=0, le=87_600, allow_inf_nan=False), NotBool, AtLeastAMinute
    ]
    mttr_hours: Annotated[
        float, Field(gt=0, le=8_760, allow_inf_nan=False), NotBool, AtLeastAMinute
    ]
    handling_multiplier: Multiplier = 1.0
    dispatch_delay_multiplier: Multiplier = 1.0


class LearningCurve(FrozenModel):
    """Handling-time multiplier after go-live, decaying to its steady value.

    At ``go_live_day`` (days from the scenario start; before it, the initial
    value holds) talk time is ``initial_multiplier`` times as long;
    ``linear``: falls in a straight line to ``steady_multiplier`` over ``weeks``;
    ``exponential``: ``steady + (initial - steady) * exp(-3 t / weeks)``, 95% of
    the way there after ``weeks``. It multiplies on top of the platform's
    ``handling_multiplier``, by the time the call is answered.
    """

    go_live_day: Annotated[float, Field(ge=-366, le=MAX_DAYS, allow_inf_nan=False), NotBool] = 0.0
    initial_multiplier: Multiplier
    steady_multiplier: Multiplier = 1.0
    weeks: Annotated[float, Field(gt=0, le=520, allow_inf_nan=False), NotBool]
    shape: Literal["linear", "exponential"] = "linear"

    def multiplier_at(self, t_s: float) -> float:
        """Talk-time multiplier for a call answered at ``t_s`` seconds from the start."""
        elapsed = t_s - self.go_live_day * SECONDS_PER_DAY
        if elapsed <= 0:
            return self.initial_multiplier
        fraction = elapsed / (self.weeks * SECONDS_PER_WEEK)
        gap = self.initial_multiplier - self.steady_multiplier
        if self.shape == "linear":
            return self.steady_multiplier + gap * max(0.0, 1.0 - fraction)
        return self.steady_multiplier + gap * math.exp(-3.0 * fraction)


class Platform(FrozenModel):
    """A contact management platform, applied on top of a scenario (DESIGN §2).

    Every field defaults to the neutral value (the system as it is): multipliers
    1, no SMS advice, nothing moved online, separate contact centres, dispatch
    within the force, the scenario's own dispatch delay, no outages, no
    learning curve.
    """

    name: Identifier = "custom"
    description: str = Field(default="", max_length=4000)
    handling_multiplier: dict[ChannelId, Multiplier] = Field(
        default_factory=dict, description="Talk time multiplier per channel (999, 101, ...)."
    )
    wrap_up_multiplier: dict[ChannelId, Multiplier] = Field(
        default_factory=dict, description="Wrap-up time multiplier per channel (999, 101, ...)."
    )
    sms_advice: dict[ChannelId, SmsAdvice] = Field(default_factory=dict)
    online_shift: Probability = Field(
        default=0.0,
        description="Share of 101 demand moved to the force's online channel (created, "
        "with 101's profile and grading, if the force has none).",
    )
    pooled_contact_centre: bool = Field(
        default=False,
        description="Merge every handler pool into one serving every channel they served.",
    )
    dispatch_scope: Literal["area", "force", "cross_force"] = Field(
        default="force",
        description="area: no help from neighbours; force: neighbouring areas of the force "
        "help; cross_force: neighbouring areas of other forces too.",
    )
    dispatch_delay_s: Seconds | None = Field(
        default=None, description="Dispatch decision delay, seconds; null keeps the scenario's."
    )
    outages: Outages | None = None
    learning_curve: LearningCurve | None = None

    def unknown_channels(self, known: set[str]) -> list[tuple[str, str]]:
        """``(field, channel)`` of each per-channel setting for a channel not in ``known``.

        999 and 101 are never unknown: a shipped platform names both and is
        applied to any scenario, whichever of the two it has.
        """
        return [
            (name, channel)
            for name in ("handling_multiplier", "wrap_up_multiplier", "sms_advice")
            for channel in getattr(self, name)
            if channel not in known and channel not in CALL_CHANNELS
        ]


def _shipped_platform_files() -> dict[str, Traversable]:
    """The YAML file of each shipped platform, by name, read as package data."""
    folder = resources.files(__package__).joinpath(PLATFORMS_FOLDER)
    return {
        entry.name.removesuffix(".yaml"): entry
        for entry in folder.iterdir()
        if entry.name.endswith(".yaml") and entry.is_file()
    }


def available_platforms() -> list[str]:
    """Names of the platforms shipped in ``sim/config/platforms/``, sorted."""
    return sorted(_shipped_platform_files())


def platform_by_name(value: Any) -> Any:
    """Read ``platform: NAME`` from the shipped ``NAME.yaml``; a mapping passes through.

    A ``BeforeValidator`` of :attr:`Scenario.platform`: it returns the raw mapping
    (with ``name`` set), which pydantic then validates as a :class:`Platform`.
    """
    if not isinstance(value, str):
        return value
    name = value.strip()
    files = _shipped_platform_files()
    if name not in files:
        raise PydanticCustomError(
            "unknown_platform",
            "is {given}, which is not a platform; expected one of: {known} "
            "(the platforms shipped in sim/config/platforms/)",
            {"given": describe_input(value), "known": ", ".join(sorted(files)) or "none"},
        )
    source = f"{name}.yaml"
    try:
        raw = parse_yaml(files[name].read_text(encoding="utf-8-sig"), source)
    except InputError as exc:
        raise PydanticCustomError(
            "bad_platform_file", "{name}.yaml cannot be read: {detail}",
            {"name": name, "detail": "; ".join(str(p) for p in exc.problems)},
        ) from None  # fmt: skip
    if isinstance(raw, dict):
        raw = {"name": name, **raw}
    return raw


def shipped_platform(name: str) -> Platform:
    """The shipped platform ``name`` (``cmp``, ``legacy``...), validated.

    Raises
    ------
    InputError
        If no platform of that name is shipped, or its file does not validate.
    """
    source = f"platform {name}"
    try:
        return Platform.model_validate(platform_by_name(name))
    except PydanticCustomError as exc:
        raise InputError([Problem(source, "", exc.message())]) from None
    except ValidationError as exc:
        raise InputError(problems_from_validation(exc, source)) from None
