"""Scenario configuration: frozen pydantic models, YAML loading and ``--set`` overrides.

Everything a replication needs is described here and validated before a single
event is simulated. Units are in the field names (``_s`` seconds, ``_hours``,
``_per_year``) or stated in the docstrings. Nothing in this module imports SimPy.

Errors are collected, never raised one at a time: a planner who mistyped three
values sees three lines, each ``FILE: field.path: what is wrong; what is expected``.
"""

from __future__ import annotations

import copy
import math
import re
import reprlib
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
import yaml
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from sim.errors import InputError, Problem
from sim.units import (
    DAY_NAMES,
    DAYS_PER_YEAR,
    HOURS_PER_WEEK,
    MINUTES_PER_WEEK,
    SECONDS_PER_DAY,
    SECONDS_PER_HOUR,
    SECONDS_PER_MINUTE,
    SECONDS_PER_WEEK,
    clock_to_seconds,
)

#: Channels a call handler answers, in priority order: 999 is always answered
#: before 101 (non-preemptive priority, DESIGN §2).
CALL_CHANNELS: tuple[str, ...] = ("999", "101")
CHANNEL_PRIORITY: dict[str, int] = {name: rank for rank, name in enumerate(CALL_CHANNELS)}

#: Default answer targets in seconds. 999: the national standard (90% within 10 s).
#: 101: "the vast majority of 101 calls within two minutes" (Thames Valley panel
#: minutes, item 18, seed 004) -- a force sets its own in the scenario.
DEFAULT_ANSWER_TARGET_S: dict[str, float] = {"999": 10.0, "101": 120.0}


#: z-score of the 90th percentile of the standard normal distribution.
Z90 = 1.2815515655446004

# Upper bounds are sanity limits, not modelling limits: they stop a typo such as
# 1e30 calls a year from turning into a run that never ends.
MAX_DURATION_S = 1e7  # about 116 days: no single call, patience or delay is longer
MAX_VOLUME_PER_YEAR = 5e7  # five times the busiest force in England and Wales
MAX_DAYS = 3660.0
MAX_STAFF = 10_000

#: Widest lognormal spread accepted: p90 at most this many times the median, or a
#: standard deviation at most this many times the mean. Real durations are far
#: narrower (p90/median of 2 to 5); beyond this the mean overflows or sampling
#: returns absurd values, so a wider spread is taken for a unit mistake.
MAX_LOGNORMAL_RATIO = 100.0


def _not_a_bool(value: Any) -> Any:
    """Reject true/false where a number is expected (pydantic would read true as 1)."""
    if isinstance(value, bool):
        raise PydanticCustomError(
            "bool_not_number",
            "is {given}; expected a number (true/false is not a number)",
            {"given": "true" if value else "false"},
        )
    return value


def _clock_not_a_number(value: Any) -> Any:
    """Explain YAML's reading of an unquoted ``23:00`` as a number (base 60: 1380)."""
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 24 * 60:
        hours, minutes = divmod(value, 60)
        raise PydanticCustomError(
            "clock_read_as_number",
            "is the number {given}, which is how YAML reads an unquoted {clock}; expected "
            'a clock time in quotes, e.g. "{clock}"',
            {"given": value, "clock": f"{hours:02d}:{minutes:02d}"},
        )
    return value


NotBool = BeforeValidator(_not_a_bool)
Seconds = Annotated[float, Field(ge=0, le=MAX_DURATION_S, allow_inf_nan=False), NotBool]
PositiveSeconds = Annotated[float, Field(gt=0, le=MAX_DURATION_S, allow_inf_nan=False), NotBool]
Weight = Annotated[float, Field(ge=0, le=1e9, allow_inf_nan=False), NotBool]
Identifier = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,39}$")]
#: An area of this force (``rural``) or of another force (``hampshire/urban``).
AreaRef = Annotated[str, Field(pattern=r"^([a-z0-9][a-z0-9_-]{0,39}/)?[a-z0-9][a-z0-9_-]{0,39}$")]
ClockTime = Annotated[
    str, Field(pattern=r"^([01]\d|2[0-3]):[0-5]\d$"), BeforeValidator(_clock_not_a_number)
]
StaffCount = Annotated[int, Field(ge=0, le=MAX_STAFF), NotBool]


class FrozenModel(BaseModel):
    """Base for every config model: immutable, unknown keys rejected."""

    # coerce_numbers_to_str: YAML reads `serves: [999, 101]` or `name: 2024` as
    # numbers; in a text field they can only mean the text.
    model_config = ConfigDict(
        frozen=True, extra="forbid", str_strip_whitespace=True, coerce_numbers_to_str=True
    )


class CrossFieldError(ValueError):
    """Problems found by a model-level check, each at a path below that model.

    pydantic reports a model validator's error at the model's own location; this
    carries the finer paths so that the message can still name the exact field.
    """

    def __init__(self, problems: Sequence[tuple[tuple[str | int, ...], str]]):
        self.problems = list(problems)
        super().__init__("; ".join(f"{'.'.join(map(str, p))}: {m}" for p, m in self.problems))


# --------------------------------------------------------------------------- distributions


class ExponentialTime(FrozenModel):
    """An exponentially distributed duration with the given mean (seconds)."""

    distribution: Literal["exponential"]
    mean_s: PositiveSeconds

    def mean(self) -> float:
        """Mean duration in seconds."""
        return self.mean_s


class LognormalTime(FrozenModel):
    """A lognormal duration, given by ``mean_s`` and ``sd_s`` or by ``median_s`` and ``p90_s``.

    Forces usually publish medians and 90th percentiles; call-centre systems
    report means and standard deviations. Either pair fixes the distribution.
    """

    distribution: Literal["lognormal"]
    mean_s: PositiveSeconds | None = None
    sd_s: PositiveSeconds | None = None
    median_s: PositiveSeconds | None = None
    p90_s: PositiveSeconds | None = None

    @model_validator(mode="after")
    def _one_parameter_pair(self) -> LognormalTime:
        moments = (self.mean_s, self.sd_s)
        quantiles = (self.median_s, self.p90_s)
        has_moments = any(v is not None for v in moments)
        has_quantiles = any(v is not None for v in quantiles)
        if has_moments and has_quantiles:
            raise ValueError("give either mean_s and sd_s, or median_s and p90_s, not both")
        if has_moments and None in moments:
            missing = "sd_s" if self.sd_s is None else "mean_s"
            raise CrossFieldError([((missing,), "missing; mean_s and sd_s go together")])
        if has_quantiles and None in quantiles:
            missing = "p90_s" if self.p90_s is None else "median_s"
            raise CrossFieldError([((missing,), "missing; median_s and p90_s go together")])
        if not has_moments and not has_quantiles:
            raise ValueError("needs mean_s and sd_s, or median_s and p90_s")
        if has_quantiles and self.p90_s <= self.median_s:  # type: ignore[operator]
            raise CrossFieldError(
                [
                    (
                        ("p90_s",),
                        f"is {self.p90_s:g}; expected a value above median_s ({self.median_s:g})",
                    )
                ]
            )
        if has_quantiles and self.p90_s > MAX_LOGNORMAL_RATIO * self.median_s:  # type: ignore[operator]
            raise CrossFieldError(
                [
                    (
                        ("p90_s",),
                        f"is {self.p90_s:g}, over {MAX_LOGNORMAL_RATIO:g} times median_s "
                        f"({self.median_s:g}); expected at most {MAX_LOGNORMAL_RATIO:g} times "
                        "median_s (check both are in seconds)",
                    )
                ]
            )
        if has_moments and self.sd_s > MAX_LOGNORMAL_RATIO * self.mean_s:  # type: ignore[operator]
            raise CrossFieldError(
                [
                    (
                        ("sd_s",),
                        f"is {self.sd_s:g}, over {MAX_LOGNORMAL_RATIO:g} times mean_s "
                        f"({self.mean_s:g}); expected at most {MAX_LOGNORMAL_RATIO:g} times "
                        "mean_s (check both are in seconds)",
                    )
                ]
            )
        return self

    def log_params(self) -> tuple[float, float]:
        """Return ``(mu, sigma)`` of the underlying normal distribution (log seconds)."""
        if self.median_s is not None and self.p90_s is not None:
            mu = math.log(self.median_s)
            return mu, (math.log(self.p90_s) - mu) / Z90
        assert self.mean_s is not None and self.sd_s is not None
        sigma2 = math.log1p((self.sd_s / self.mean_s) ** 2)
        return math.log(self.mean_s) - sigma2 / 2, math.sqrt(sigma2)

    def mean(self) -> float:
        """Mean duration in seconds."""
        mu, sigma = self.log_params()
        return math.exp(mu + sigma**2 / 2)


class ConstantTime(FrozenModel):
    """A fixed duration in seconds (for wrap-up, or deterministic tests)."""

    distribution: Literal["constant"]
    value_s: Seconds

    def mean(self) -> float:
        """The duration in seconds."""
        return self.value_s


Duration = Annotated[
    ExponentialTime | LognormalTime | ConstantTime, Field(discriminator="distribution")
]
Patience = Annotated[ExponentialTime | LognormalTime, Field(discriminator="distribution")]


# --------------------------------------------------------------------------- demand


class Profile(FrozenModel):
    """Relative call volume by hour of the week, from Monday 00:00.

    Give ``hour_of_week`` (168 weights), or ``hourly`` (24 weights, the shape of a
    day) optionally with ``daily`` (7 weights, Monday first, the relative volume of
    each day). Weights are relative: they are normalised to sum to one.
    """

    hour_of_week: list[Weight] | None = None
    hourly: list[Weight] | None = None
    daily: list[Weight] | None = None

    @field_validator("hour_of_week")
    @classmethod
    def _168(cls, v: list[float] | None) -> list[float] | None:
        return _check_weights(v, HOURS_PER_WEEK, "one per hour of the week from Monday 00:00")

    @field_validator("hourly")
    @classmethod
    def _24(cls, v: list[float] | None) -> list[float] | None:
        return _check_weights(v, 24, "one per hour of the day from 00:00")

    @field_validator("daily")
    @classmethod
    def _7(cls, v: list[float] | None) -> list[float] | None:
        return _check_weights(v, 7, "one per day, Monday first")

    @model_validator(mode="after")
    def _one_form(self) -> Profile:
        if self.hour_of_week is not None and (self.hourly or self.daily):
            raise ValueError("give hour_of_week, or hourly (with optional daily), not both")
        return self

    def weights(self) -> np.ndarray:
        """168 hour-of-week weights summing to one (Monday 00:00 first)."""
        if self.hour_of_week is not None:
            w = np.asarray(self.hour_of_week, dtype=float)
        else:
            hourly = np.asarray(self.hourly if self.hourly else [1.0] * 24, dtype=float)
            daily = np.asarray(self.daily if self.daily else [1.0] * 7, dtype=float)
            w = np.outer(daily / daily.sum(), hourly / hourly.sum()).ravel()
        return w / w.sum()


def _check_weights(values: list[float] | None, length: int, meaning: str) -> list[float] | None:
    if values is None:
        return None
    if len(values) != length:
        raise ValueError(f"has {len(values)} values; expected {length} ({meaning})")
    if sum(values) <= 0:
        raise ValueError("all weights are zero; expected at least one positive weight")
    return values


class Surge(FrozenModel):
    """A multiplier on a channel's arrival rate over a window (a heatwave, a state visit).

    The window starts ``start_day`` days after the scenario start (day 0 is the
    first Monday of the measured period) at ``start_time`` and lasts
    ``duration_hours``.
    """

    name: str = Field(default="surge", max_length=80)
    start_day: Annotated[int, Field(ge=-366, le=int(MAX_DAYS)), NotBool]
    start_time: ClockTime = "00:00"
    duration_hours: Annotated[float, Field(gt=0, le=24 * 366, allow_inf_nan=False), NotBool]
    multiplier: Annotated[float, Field(ge=0, le=100, allow_inf_nan=False), NotBool]

    def window_s(self) -> tuple[float, float]:
        """Start and end of the surge in seconds from the scenario start."""
        start = self.start_day * SECONDS_PER_DAY + clock_to_seconds(self.start_time)
        return start, start + self.duration_hours * SECONDS_PER_HOUR


class Redial(FrozenModel):
    """What an abandoned caller does: redial with a probability, after a delay."""

    probability: Annotated[float, Field(ge=0, le=1, allow_inf_nan=False), NotBool]
    delay: Duration
    max_attempts: Annotated[int, Field(ge=1, le=20), NotBool] = Field(
        default=3,
        description="Most calls one caller makes, first attempt included.",
    )

    @field_validator("delay")
    @classmethod
    def _positive_delay(cls, v: ExponentialTime | LognormalTime | ConstantTime) -> Any:
        # A zero delay with zero patience would redial forever at one instant.
        if v.mean() <= 0:
            raise ValueError("has a mean of 0 s; expected a positive redial delay")
        return v


class Channel(FrozenModel):
    """One way the public calls one force (999 or 101): demand, patience and handling."""

    volume_per_year: Annotated[
        float, Field(ge=0, le=MAX_VOLUME_PER_YEAR, allow_inf_nan=False), NotBool
    ]
    profile: Profile = Profile()
    surges: list[Surge] = []
    overdispersion_cv: Annotated[float, Field(ge=0, le=2, allow_inf_nan=False), NotBool] = Field(
        default=0.0,
        description=(
            "Coefficient of variation of a gamma-distributed busyness factor per day "
            "(mean 1); 0 gives a plain non-homogeneous Poisson process."
        ),
    )
    patience: Patience | None = Field(
        default=None, description="Caller patience; null means callers never hang up."
    )
    handling: Duration
    wrap_up: Duration = ConstantTime(distribution="constant", value_s=0.0)
    redial: Redial | None = None
    answer_target_s: Seconds | None = Field(
        default=None, description="Answer target in seconds; defaults 999: 10 s, 101: 120 s."
    )
    grading: Grading = Field(
        default_factory=lambda: Grading(),
        description="Share of handled calls becoming each grade of incident.",
    )
    grading_delay: Duration = Field(
        default=ConstantTime(distribution="constant", value_s=60.0),
        description="Time from answer to the incident being created (capped at the talk "
        "time): a grade 1 is dispatched while the caller is still on the line.",
    )

    def mean_rate_per_s(self) -> float:
        """Mean arrival rate over a week, calls per second (before surges)."""
        return self.volume_per_year / (DAYS_PER_YEAR * SECONDS_PER_DAY)


# --------------------------------------------------------------------------- handlers


class Shift(FrozenModel):
    """A shift pattern: ``count`` handlers start at ``start`` on each of ``days``."""

    name: str = Field(default="shift", max_length=80)
    start: ClockTime
    length_hours: Annotated[float, Field(gt=0, le=24, allow_inf_nan=False), NotBool]
    count: StaffCount
    days: Annotated[
        list[Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]], Field(min_length=1)
    ] = list(DAY_NAMES)


def _staff_form(value: Any) -> str:
    """Which form of ``Roster.staff`` a value is: one number, or one per interval."""
    return "per_interval" if isinstance(value, (list, tuple)) else "number"


class Roster(FrozenModel):
    """Staff on duty across the week, repeating weekly from Monday 00:00.

    Either ``staff``: one number for constant staffing, or one value per
    ``interval_minutes`` interval of the week (168 for hourly intervals); or
    ``shifts``: shift patterns that add up to the staff on duty per interval.
    A shift that runs past Sunday midnight carries on into Monday.
    """

    interval_minutes: Literal[15, 30, 60] = 60
    staff: (
        Annotated[
            Annotated[StaffCount, Tag("number")] | Annotated[list[StaffCount], Tag("per_interval")],
            Discriminator(_staff_form),
        ]
        | None
    ) = None
    shifts: list[Shift] | None = None
    allow_gaps: bool = Field(
        default=False,
        description="Allow intervals with nobody on duty (off by default: almost always a typo).",
    )

    @model_validator(mode="after")
    def _covers_the_week(self) -> Roster:
        if (self.staff is None) == (self.shifts is None):
            raise ValueError("give either staff (per interval, or one number) or shifts")
        intervals = MINUTES_PER_WEEK // self.interval_minutes
        if isinstance(self.staff, list) and len(self.staff) != intervals:
            raise CrossFieldError(
                [
                    (
                        ("staff",),
                        f"has {len(self.staff)} values; expected {intervals} "
                        f"(one per {self.interval_minutes}-minute interval from Monday 00:00), "
                        "or a single number for constant staffing",
                    )
                ]
            )
        if self.shifts is not None and not self.shifts:
            raise CrossFieldError([(("shifts",), "is empty; expected at least one shift")])
        if not self.allow_gaps:
            per_minute = self.staff_per_minute()
            gaps = _zero_runs(per_minute)
            if gaps:
                where = ", ".join(_describe_minutes(a, b) for a, b in gaps[:3])
                more = f" and {len(gaps) - 3} more" if len(gaps) > 3 else ""
                field = "staff" if self.staff is not None else "shifts"
                raise CrossFieldError(
                    [
                        (
                            (field,),
                            f"leaves nobody on duty {where}{more}; expected every part of "
                            "the week covered (set allow_gaps: true if that is intended)",
                        )
                    ]
                )
        return self

    def staff_per_minute(self) -> np.ndarray:
        """Staff on duty in each minute of the week (10,080 integers, Monday 00:00 first)."""
        if self.staff is not None:
            if isinstance(self.staff, int):
                return np.full(MINUTES_PER_WEEK, self.staff, dtype=np.int64)
            return np.repeat(np.asarray(self.staff, dtype=np.int64), self.interval_minutes)
        per_minute = np.zeros(MINUTES_PER_WEEK, dtype=np.int64)
        assert self.shifts is not None
        for shift in self.shifts:
            length = round(shift.length_hours * 60)
            for day in shift.days:
                first = DAY_NAMES.index(day) * 24 * 60 + clock_to_seconds(shift.start) // 60
                minutes = (first + np.arange(length)) % MINUTES_PER_WEEK
                per_minute[minutes] += shift.count
        return per_minute


class HandlerPool(FrozenModel):
    """A team of call handlers with one roster, answering the channels it serves.

    ``serves`` lists channels as ``FORCE/CHANNEL`` (``tvp/999``) or, when the
    scenario has one force, just ``CHANNEL``. ``shrinkage`` is the share of
    rostered staff not taking calls (breaks, training, sickness): the handlers
    available are the rostered count times ``1 - shrinkage``, rounded to the
    nearest whole handler.
    """

    name: str = Field(default="", max_length=120)
    serves: Annotated[list[Annotated[str, Field(max_length=90)]], Field(min_length=1)]
    roster: Roster
    shrinkage: Annotated[float, Field(ge=0, lt=1, allow_inf_nan=False), NotBool] = 0.0

    def available_per_minute(self) -> np.ndarray:
        """Handlers taking calls in each minute of the week, after shrinkage."""
        rostered = self.roster.staff_per_minute()
        # floor(x + 0.5): round half up, unlike numpy's round-half-to-even.
        return np.floor(rostered * (1.0 - self.shrinkage) + 0.5).astype(np.int64)


# --------------------------------------------------------------------------- incidents and response

Probability = Annotated[float, Field(ge=0, le=1, allow_inf_nan=False), NotBool]

#: National attendance targets in minutes (DESIGN §6): grade 1 within 15 min in
#: urban areas and 20 min in rural areas; grade 2 within 60 min (the common force target).
DEFAULT_GRADE1_TARGET_MIN: dict[str, float] = {"urban": 15.0, "rural": 20.0}
DEFAULT_GRADE2_TARGET_MIN = 60.0


class Grading(FrozenModel):
    """How handled calls (or online reports) become incidents: a share for each grade.

    Shares are of handled calls; what is left (1 minus their sum) creates no
    incident at all (information, transfers).
    """

    grade1: Probability = 0.0
    grade2: Probability = 0.0
    scheduled: Probability = 0.0
    resolution: Probability = 0.0
    no_deployment: Probability = 0.0

    @model_validator(mode="after")
    def _at_most_one(self) -> Grading:
        total = sum(self.shares())
        if total > 1 + 1e-9:
            raise ValueError(
                f"shares add up to {total:.4g}; expected at most 1 (the rest create no incident)"
            )
        return self

    def shares(self) -> list[float]:
        """Shares in grade order: grade1, grade2, scheduled, resolution, no_deployment."""
        return [self.grade1, self.grade2, self.scheduled, self.resolution, self.no_deployment]

    def deploys(self) -> set[str]:
        """The grades with a positive share."""
        names = ("grade1", "grade2", "scheduled", "resolution", "no_deployment")
        return {name for name, share in zip(names, self.shares(), strict=True) if share > 0}


class DeskReview(FrozenModel):
    """A desk team that reviews online reports before they become incidents."""

    roster: Roster
    shrinkage: Annotated[float, Field(ge=0, lt=1, allow_inf_nan=False), NotBool] = 0.0
    review: Duration

    def available_per_minute(self) -> np.ndarray:
        """Reviewers working in each minute of the week, after shrinkage."""
        return _after_shrinkage(self.roster.staff_per_minute(), self.shrinkage)


class OnlineChannel(FrozenModel):
    """Reports made online: demand like a call channel, but no call-handler time."""

    volume_per_year: Annotated[
        float, Field(ge=0, le=MAX_VOLUME_PER_YEAR, allow_inf_nan=False), NotBool
    ]
    profile: Profile = Profile()
    surges: list[Surge] = []
    overdispersion_cv: Annotated[float, Field(ge=0, le=2, allow_inf_nan=False), NotBool] = 0.0
    grading: Grading = Grading()
    desk_review: DeskReview | None = Field(
        default=None, description="Desk review before an incident is created; null: at once."
    )

    def mean_rate_per_s(self) -> float:
        """Mean arrival rate over a week, reports per second (before surges)."""
        return self.volume_per_year / (DAYS_PER_YEAR * SECONDS_PER_DAY)


class Area(FrozenModel):
    """A response area of a force: where incidents happen and units patrol.

    ``share`` is the share of the force's incidents located here. ``travel`` is
    the time from dispatch to arrival (usually lognormal by ``median_s`` and
    ``p90_s``). ``neighbours`` may send a free unit to a grade 1 here when the
    force allows it, taking ``help_penalty_s`` longer than a local unit. A
    neighbour is an area of the same force (``rural``) or of another force of
    the scenario (``hampshire/urban``); the latter helps only when both forces
    allow help across forces (``response.help_across_forces``, or a platform
    with ``dispatch_scope: cross_force``).
    """

    name: str = Field(default="", max_length=120)
    kind: Literal["urban", "rural"] | None = Field(
        default=None,
        description="Sets the default grade 1 target (urban 15 min, rural 20 min); "
        "defaults to the area id when that is 'urban' or 'rural'.",
    )
    share: Probability
    units: Roster
    travel: Duration
    neighbours: list[AreaRef] = []
    help_penalty_s: Seconds = 0.0
    grade1_target_min: (
        Annotated[float, Field(gt=0, le=1440, allow_inf_nan=False), NotBool] | None
    ) = None


class OnScene(FrozenModel):
    """Time on scene by grade (seconds), from arrival to clearing the incident."""

    grade1: Duration
    grade2: Duration
    scheduled: Duration | None = Field(
        default=None, description="Length of an appointment; defaults to grade 2's on-scene time."
    )


class ResponsePolicy(FrozenModel):
    """How a force dispatches: on-scene times and what a grade 1 may take."""

    on_scene: OnScene
    help_from_neighbours: bool = Field(
        default=False, description="A grade 1 with no local unit free may take a neighbour's."
    )
    help_across_forces: bool = Field(
        default=False,
        description="With help_from_neighbours, neighbours in other forces "
        "(areas listed as FORCE/AREA) may help too, and this force's units help them.",
    )
    divert_from_grade2: bool = Field(
        default=False,
        description="A grade 1 with no unit free may take a unit off a grade 2 job "
        "(the grade 2 goes back to the front of its queue).",
    )
    divert_from_scheduled: bool = Field(
        default=False,
        description="A grade 1 with no unit free may take a schedule car off an appointment "
        "in its area (the appointment resumes first when a car is free).",
    )
    dispatch_delay_s: Seconds = Field(
        default=0.0, description="Decision time from an incident being ready to a unit sent."
    )
    grade2_target_min: Annotated[float, Field(gt=0, le=10_080, allow_inf_nan=False), NotBool] = (
        DEFAULT_GRADE2_TARGET_MIN
    )


class Appointments(FrozenModel):
    """Schedule cars working a diary of appointment slots (seed 000, para 6.5)."""

    cars: StaffCount
    start: ClockTime = "08:00"
    end: ClockTime = "21:00"
    slot_minutes: Annotated[int, Field(ge=5, le=720), NotBool] = 60
    lead_time_hours: Annotated[float, Field(ge=0, le=24 * 28, allow_inf_nan=False), NotBool] = 0.0
    days: Annotated[
        list[Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]], Field(min_length=1)
    ] = list(DAY_NAMES)

    @model_validator(mode="after")
    def _a_slot_fits(self) -> Appointments:
        length = clock_to_seconds(self.end) - clock_to_seconds(self.start)
        if length < self.slot_minutes * SECONDS_PER_MINUTE:
            raise CrossFieldError(
                [
                    (
                        ("end",),
                        f"is {self.end}; expected a time at least one slot "
                        f"({self.slot_minutes} min) after start ({self.start})",
                    )
                ]
            )
        return self


class Escalation(FrozenModel):
    """Share of call-backs that end up needing a deployment after all."""

    grade2: Probability = 0.0
    scheduled: Probability = 0.0

    @model_validator(mode="after")
    def _at_most_one(self) -> Escalation:
        if self.grade2 + self.scheduled > 1 + 1e-9:
            raise ValueError("grade2 and scheduled add up to more than 1; expected at most 1")
        return self


class ResolutionTeam(FrozenModel):
    """The telephone resolution team: calls back incidents graded for resolution."""

    roster: Roster
    shrinkage: Annotated[float, Field(ge=0, lt=1, allow_inf_nan=False), NotBool] = 0.0
    callback: Duration
    escalation: Escalation = Escalation()

    def available_per_minute(self) -> np.ndarray:
        """Team members taking call-backs in each minute of the week, after shrinkage."""
        return _after_shrinkage(self.roster.staff_per_minute(), self.shrinkage)


def _after_shrinkage(rostered: np.ndarray, shrinkage: float) -> np.ndarray:
    # floor(x + 0.5): round half up, unlike numpy's round-half-to-even.
    return np.floor(rostered * (1.0 - shrinkage) + 0.5).astype(np.int64)


class Force(FrozenModel):
    """A police force: its call channels, online reports, areas and response teams.

    Only ``channels`` is required: a scenario of the contact centre alone needs
    no areas. Each kind of incident the grading can create needs the part of the
    force that deals with it (areas and ``response`` for grades 1 and 2,
    ``appointments`` for scheduled, ``resolution`` for telephone resolution).
    """

    name: str = Field(default="", max_length=120)
    channels: Annotated[dict[Literal["999", "101"], Channel], Field(min_length=1)]
    online: OnlineChannel | None = None
    areas: dict[Identifier, Area] = {}
    response: ResponsePolicy | None = None
    appointments: Appointments | None = None
    resolution: ResolutionTeam | None = None

    @model_validator(mode="before")
    @classmethod
    def _defaults(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        data = dict(data)
        if isinstance(data.get("channels"), dict):
            channels = {}
            for key, channel in data["channels"].items():
                if isinstance(channel, dict) and channel.get("answer_target_s") is None:
                    target = DEFAULT_ANSWER_TARGET_S.get(str(key))
                    channel = {**channel, "answer_target_s": target}
                channels[key] = channel
            data["channels"] = channels
        if isinstance(data.get("areas"), dict):
            areas = {}
            for key, area in data["areas"].items():
                if (
                    isinstance(area, dict)
                    and area.get("kind") is None
                    and key in ("urban", "rural")
                ):
                    area = {**area, "kind": key}
                areas[key] = area
            data["areas"] = areas
        return data

    @model_validator(mode="after")
    def _parts_for_each_grade(self) -> Force:
        problems: list[tuple[tuple[str | int, ...], str]] = []
        grades: dict[str, str] = {}
        for channel_id, channel in self.channels.items():
            for grade in channel.grading.deploys():
                grades.setdefault(grade, f"channels.{channel_id}.grading.{grade}")
        if self.online is not None:
            for grade in self.online.grading.deploys():
                grades.setdefault(grade, f"online.grading.{grade}")
        if self.resolution is not None and self.resolution.escalation.grade2 > 0:
            grades.setdefault("grade2", "resolution.escalation.grade2")
        if self.resolution is not None and self.resolution.escalation.scheduled > 0:
            grades.setdefault("scheduled", "resolution.escalation.scheduled")
        if {"grade1", "grade2"} & grades.keys():
            where = grades.get("grade1") or grades["grade2"]
            if not self.areas:
                problems.append(
                    (
                        ("areas",),
                        f"missing; {where} sends incidents to response units, "
                        "so the force needs areas with units",
                    )
                )
            if self.response is None:
                problems.append(
                    (
                        ("response",),
                        f"missing; {where} needs on-scene times "
                        "(response.on_scene.grade1 and grade2)",
                    )
                )
        if "scheduled" in grades and self.appointments is None:
            problems.append(
                (
                    ("appointments",),
                    f"missing; {grades['scheduled']} books appointments, so the force "
                    "needs schedule cars",
                )
            )
        if "resolution" in grades and self.resolution is None:
            problems.append(
                (
                    ("resolution",),
                    f"missing; {grades['resolution']} sends incidents to a telephone "
                    "resolution team",
                )
            )
        if self.areas:
            total = sum(area.share for area in self.areas.values())
            if abs(total - 1) > 1e-6:
                problems.append(
                    (
                        ("areas",),
                        f"shares add up to {total:.4g}; expected 1 "
                        "(each area's share of the force's incidents)",
                    )
                )
        for area_id, area in self.areas.items():
            if area.kind is None and area.grade1_target_min is None:
                problems.append(
                    (
                        ("areas", area_id, "kind"),
                        "missing; expected urban or rural (it sets the grade 1 target), "
                        "or give grade1_target_min",
                    )
                )
            for i, neighbour in enumerate(area.neighbours):
                if "/" in neighbour:
                    continue  # another force's area: checked by the scenario
                if neighbour == area_id or neighbour not in self.areas:
                    known = ", ".join(a for a in self.areas if a != area_id) or "none"
                    problems.append(
                        (
                            ("areas", area_id, "neighbours", i),
                            f"{_describe_input(neighbour)} is not another area of this "
                            f"force; expected one of: {known}",
                        )
                    )
        if problems:
            raise CrossFieldError(problems)
        return self

    def target_s(self, channel: str) -> float:
        """Answer target of a channel, seconds."""
        target = self.channels[channel].answer_target_s  # type: ignore[index]
        return DEFAULT_ANSWER_TARGET_S[channel] if target is None else target

    def grade1_target_min(self, area_id: str) -> float:
        """Grade 1 attendance target of an area, minutes."""
        area = self.areas[area_id]
        if area.grade1_target_min is not None:
            return area.grade1_target_min
        return DEFAULT_GRADE1_TARGET_MIN[area.kind or "urban"]

    def grade2_target_min(self) -> float:
        """Grade 2 attendance target, minutes."""
        return self.response.grade2_target_min if self.response else DEFAULT_GRADE2_TARGET_MIN


# --------------------------------------------------------------------------- platforms

#: Where named platforms live: ``platform: cmp`` reads ``configs/platforms/cmp.yaml``.
PLATFORMS_DIR = Path(__file__).resolve().parents[2] / "configs" / "platforms"

Multiplier = Annotated[float, Field(gt=0, le=10, allow_inf_nan=False), NotBool]
CallChannel = Literal["999", "101"]


class SmsAdvice(FrozenModel):
    """Advice sent by SMS or e-mail instead of being read out (seed 004, CMP items).

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

    mtbf_hours: Annotated[float, Field(gt=0, le=87_600, allow_inf_nan=False), NotBool]
    mttr_hours: Annotated[float, Field(gt=0, le=8_760, allow_inf_nan=False), NotBool]
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
    handling_multiplier: dict[CallChannel, Multiplier] = Field(
        default_factory=dict, description="Talk time multiplier per channel (999, 101)."
    )
    wrap_up_multiplier: dict[CallChannel, Multiplier] = Field(
        default_factory=dict, description="Wrap-up time multiplier per channel (999, 101)."
    )
    sms_advice: dict[CallChannel, SmsAdvice] = Field(default_factory=dict)
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


def available_platforms() -> list[str]:
    """Names of the platforms in ``configs/platforms/``, sorted."""
    return sorted(p.stem for p in PLATFORMS_DIR.glob("*.yaml"))


def _platform_by_name(value: Any) -> Any:
    """Read ``platform: NAME`` from ``configs/platforms/NAME.yaml``; a mapping passes through."""
    if not isinstance(value, str):
        return value
    name = value.strip()
    known = available_platforms()
    if name not in known:
        raise PydanticCustomError(
            "unknown_platform",
            "is {given}, which is not a platform; expected one of: {known} "
            "(files in configs/platforms/)",
            {"given": _describe_input(value), "known": ", ".join(known) or "none"},
        )
    try:
        raw = read_yaml_file(PLATFORMS_DIR / f"{name}.yaml")
    except InputError as exc:
        raise PydanticCustomError(
            "bad_platform_file", "{name}.yaml cannot be read: {detail}",
            {"name": name, "detail": "; ".join(str(p) for p in exc.problems)},
        ) from None  # fmt: skip
    if isinstance(raw, dict):
        raw = {"name": name, **raw}
    return raw


# --------------------------------------------------------------------------- scenario


class Scenario(FrozenModel):
    """One scenario: forces, their demand, and the handler pools that answer it.

    The measured period is ``days`` long and starts on a Monday at 00:00
    (simulation time 0). A warm-up of ``warmup_days`` runs before it, so that the
    measured period does not start with empty queues; nothing in the warm-up
    counts in any metric.
    """

    name: Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]{0,79}$")]
    description: str = Field(default="", max_length=4000)
    days: Annotated[float, Field(gt=0, le=MAX_DAYS, allow_inf_nan=False), NotBool] = 28.0
    warmup_days: Annotated[float, Field(ge=0, le=365, allow_inf_nan=False), NotBool] = 1.0
    seed: Annotated[int, Field(ge=0, lt=2**63), NotBool] = 1
    replications: Annotated[int, Field(ge=1, le=10_000), NotBool] = 5
    forces: Annotated[dict[Identifier, Force], Field(min_length=1)]
    handler_pools: Annotated[dict[Identifier, HandlerPool], Field(min_length=1)]
    platform: Annotated[Platform | None, BeforeValidator(_platform_by_name)] = Field(
        default=None,
        description="A platform applied on top of this scenario: a name from "
        "configs/platforms/ (cmp, legacy...) or its fields inline.",
    )

    @model_validator(mode="after")
    def _pools_serve_real_channels(self) -> Scenario:
        problems: list[tuple[tuple[str | int, ...], str]] = []
        for force_id, force in self.forces.items():
            for area_id, area in force.areas.items():
                for i, ref in enumerate(area.neighbours):
                    if "/" not in ref:
                        continue
                    other, _, other_area = ref.partition("/")
                    target = self.forces.get(other)
                    if (
                        target is None
                        or other_area not in target.areas
                        or ref == (f"{force_id}/{area_id}")
                    ):
                        known = sorted(
                            f"{f}/{a}" for f, fc in self.forces.items() for a in fc.areas
                            if (f, a) != (force_id, area_id)
                        )  # fmt: skip
                        problems.append(
                            (
                                ("forces", force_id, "areas", area_id, "neighbours", i),
                                f"{_describe_input(ref)} is not an area of this scenario; "
                                f"expected one of: {', '.join(known) or 'none'}",
                            )
                        )
        known = {f"{f}/{c}" for f, force in self.forces.items() for c in force.channels}
        served: set[str] = set()
        for pool_id, pool in self.handler_pools.items():
            for i, ref in enumerate(pool.serves):
                resolved = self.resolve_channel_ref(ref)
                if resolved is None:
                    problems.append(
                        (
                            ("handler_pools", pool_id, "serves", i),
                            f"{_describe_input(ref)} is not a channel of this scenario; "
                            f"expected one of {', '.join(sorted(self._channel_refs()))}",
                        )
                    )
                else:
                    served.add(resolved)
        for ref in sorted(known - served):
            force_id, channel = ref.split("/")
            if self.forces[force_id].channels[channel].volume_per_year > 0:  # type: ignore[index]
                problems.append(
                    (
                        ("forces", force_id, "channels", channel),
                        "has calls but no handler pool serves it; expected it in some "
                        "handler_pools.*.serves",
                    )
                )
        if problems:
            raise CrossFieldError(problems)
        return self

    def _channel_refs(self) -> set[str]:
        refs = {f"{f}/{c}" for f, force in self.forces.items() for c in force.channels}
        if len(self.forces) == 1:
            refs |= {c for force in self.forces.values() for c in force.channels}
        return refs

    def resolve_channel_ref(self, ref: str) -> str | None:
        """``FORCE/CHANNEL`` for a pool's ``serves`` entry, or None if it names nothing."""
        if "/" in ref:
            force_id, _, channel = ref.partition("/")
            force = self.forces.get(force_id)
            return ref if force is not None and channel in force.channels else None
        if len(self.forces) == 1:
            force_id, force = next(iter(self.forces.items()))
            return f"{force_id}/{ref}" if ref in force.channels else None
        return None

    @property
    def horizon_s(self) -> float:
        """Length of the measured period, seconds."""
        return self.days * SECONDS_PER_DAY

    @property
    def warmup_s(self) -> float:
        """Length of the warm-up before time 0, seconds."""
        return self.warmup_days * SECONDS_PER_DAY


# --------------------------------------------------------------------------- time helpers


def _zero_runs(per_minute: np.ndarray) -> list[tuple[int, int]]:
    """Runs of minutes of the week with nobody on duty, as ``(first, end)`` minutes."""
    zero = per_minute == 0
    if not zero.any():
        return []
    if zero.all():
        return [(0, MINUTES_PER_WEEK)]
    edges = np.flatnonzero(np.diff(np.concatenate(([0], zero.astype(np.int8), [0]))))
    return list(zip(edges[::2].tolist(), edges[1::2].tolist(), strict=True))


def _describe_minutes(first: int, end: int) -> str:
    def label(minute: int) -> str:
        day, rest = divmod(minute % MINUTES_PER_WEEK, 24 * 60)
        return f"{DAY_NAMES[day].title()} {rest // 60:02d}:{rest % 60:02d}"

    if end - first >= MINUTES_PER_WEEK:
        return "all week"
    return f"{label(first)}–{label(end)}"


# --------------------------------------------------------------------------- errors


class _InputRepr(reprlib.Repr):
    """Short, safe descriptions of any parsed YAML value (huge, nested or self-referring)."""

    def __init__(self) -> None:
        super().__init__()
        self.maxlevel = 3
        self.maxlist = self.maxtuple = self.maxset = self.maxfrozenset = 6
        self.maxdict = 4
        self.maxstring = 60
        self.maxother = 60
        self.maxlong = 40

    def repr_int(self, x: int, level: int) -> str:
        if x.bit_length() > 128:  # repr() of a very long int raises ValueError
            return f"a whole number of about {int(x.bit_length() * math.log10(2)) + 1} digits"
        return super().repr_int(x, level)

    def repr_bool(self, x: bool, level: int) -> str:
        return "true" if x else "false"

    def repr_NoneType(self, x: None, level: int) -> str:  # noqa: N802 - reprlib naming
        return "null"

    def repr_date(self, x: Any, level: int) -> str:
        return f"{x.isoformat()} (a date)"

    def repr_datetime(self, x: Any, level: int) -> str:
        return f"{x.isoformat()} (a date and time)"


_INPUT_REPR = _InputRepr()


def _describe_input(value: Any) -> str:
    """A short description of an input value for a message, never raising."""
    try:
        text = _INPUT_REPR.repr(value)
    except Exception:  # a message must never fail on odd input
        text = f"a {type(value).__name__}"
    return text if len(text) <= 80 else text[:77] + "..."


_KIND_OF_INPUT = {
    dict: "a section (mapping)",
    list: "a list",
    str: "text",
    bool: "true/false",
    type(None): "empty (null)",
}


def _given(value: Any) -> str:
    """``'abc'`` for a scalar; ``a list [1, 2]`` where the kind matters."""
    for kind, label in _KIND_OF_INPUT.items():
        if type(value) is kind and kind in (dict, list):
            return f"{label} {_describe_input(value)}"
    return _describe_input(value)


def _bound(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


#: pydantic error types, and what was expected, for the common mistakes.
_EXPECTED = {
    "float_type": "a number",
    "float_parsing": "a number",
    "int_type": "a whole number",
    "int_parsing": "a whole number",
    "int_from_float": "a whole number",
    "int_parsing_size": "a whole number of a sensible size",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
    "string_type": "text",
    "string_unicode": "text",
    "dict_type": "a section (a mapping of names to values)",
    "model_type": "a section of fields, e.g. {field: value}",
    "model_attributes_type": "a section of fields, e.g. {field: value}",
    "list_type": "a list, e.g. [a, b]",
}


def _friendly(error: Mapping[str, Any]) -> str:
    """Turn one pydantic error into 'what is wrong; what is expected'."""
    kind = error["type"]
    given = error.get("input")
    ctx = error.get("ctx") or {}
    if kind == "extra_forbidden":
        return "unknown field; check the spelling (fields are listed in README.md, Reference)"
    if kind == "missing":
        return "missing; this field is required"
    if kind == "value_error":
        return str(ctx.get("error", error["msg"])).removeprefix("Value error, ")
    if kind == "union_tag_invalid":
        return (
            f"distribution {_describe_input(ctx.get('tag'))} is not known; expected one of "
            f"{ctx.get('expected_tags')}"
        )
    if kind == "union_tag_not_found":
        return "has no 'distribution'; expected distribution: exponential, lognormal or constant"
    if kind == "literal_error":
        return f"is {_describe_input(given)}; expected {ctx.get('expected')}"
    if kind == "string_pattern_mismatch":
        pattern = str(ctx.get("pattern", ""))
        if ":" in pattern and "[0-5]" in pattern:
            return f"is {_describe_input(given)}; expected a clock time HH:MM, e.g. 07:00"
        return (
            f"is {_describe_input(given)}; expected an identifier: lower-case letters, digits, "
            "'_' or '-', starting with a letter or digit"
            if "a-z0-9]" in pattern and "A-Z" not in pattern
            else f"is {_describe_input(given)}; expected letters, digits, '_' or '-' only, "
            "starting with a letter or digit"
        )
    if kind == "finite_number":
        return f"is {_describe_input(given)}; expected a finite number"
    if kind in _EXPECTED:
        return f"is {_given(given)}; expected {_EXPECTED[kind]}"
    if kind == "greater_than":
        return f"is {_describe_input(given)}; expected a number above {_bound(ctx.get('gt'))}"
    if kind == "greater_than_equal":
        return f"is {_describe_input(given)}; expected {_bound(ctx.get('ge'))} or more"
    if kind == "less_than":
        return f"is {_describe_input(given)}; expected less than {_bound(ctx.get('lt'))}"
    if kind == "less_than_equal":
        return f"is {_describe_input(given)}; expected at most {_bound(ctx.get('le'))}"
    if kind == "too_short":
        if ctx.get("actual_length") == 0:
            return f"is empty; expected at least {ctx.get('min_length')} entry"
        return f"has {ctx.get('actual_length')} entries; expected at least {ctx.get('min_length')}"
    if kind == "too_long":
        return f"has too many entries; expected at most {ctx.get('max_length')}"
    if kind == "string_too_long":
        length = len(given) if isinstance(given, str) else "too many"
        return f"is {length} characters long; expected at most {ctx.get('max_length')}"
    if kind == "recursion_loop":
        return "refers to itself (a YAML alias loop); expected plain values"
    # Custom errors (PydanticCustomError) already read 'is X; expected Y'.
    if kind in {"bool_not_number", "clock_read_as_number", "unknown_platform", "bad_platform_file"}:
        return str(error["msg"])
    return f"is {_given(given)}; {error['msg'][:1].lower()}{error['msg'][1:]}"


#: Fields whose value is a tagged union: pydantic puts the tag in the error path.
#: (Used when the input is not at hand; with the input, tags are found exactly.)
_TAGGED_FIELDS: dict[str, frozenset[str]] = {
    **dict.fromkeys(
        (
            "patience",
            "handling",
            "wrap_up",
            "delay",
            "grading_delay",
            "review",
            "travel",
            "callback",
            "grade1",
            "grade2",
            "scheduled",
        ),
        frozenset({"exponential", "lognormal", "constant"}),
    ),
    "staff": frozenset({"number", "per_interval"}),
}
_UNION_TAGS = frozenset().union(*_TAGGED_FIELDS.values())
_VALIDATOR_LOC = re.compile(r"^function-(before|after|wrap|plain)\[")
_NO_INPUT = object()


def _clean_loc(loc: Sequence[Any], raw: Any = _NO_INPUT) -> list[Any]:
    """The path as the user wrote it: without union tags and validator markers.

    With the input at hand, a union tag is told from a key of the same name (a
    force called ``constant``) by walking the input along the path: a tag is a
    part that names nothing in the input there.
    """
    cleaned: list[Any] = []
    node = raw
    for part in loc:
        if isinstance(part, str) and _VALIDATOR_LOC.match(part):
            continue
        if node is not _NO_INPUT:
            in_dict = isinstance(node, dict) and part in node
            in_list = isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)
            if in_dict or in_list:
                node = node[part]
            elif isinstance(part, str) and part in _UNION_TAGS:
                continue
            else:
                node = _NO_INPUT
            cleaned.append(part)
            continue
        previous = cleaned[-1] if cleaned else None
        if isinstance(previous, str) and part in _TAGGED_FIELDS.get(previous, ()):
            continue
        cleaned.append(part)
    return cleaned


def _show_key(part: Any) -> str:
    text = str(part)
    if text and text.isprintable() and not any(c in text for c in ".: \"'"):
        return text
    return repr(text)


def _path(loc: Iterable[Any]) -> str:
    return ".".join(_show_key(p) for p in loc if p != "[key]")


def problems_from_validation(
    error: ValidationError, source: str, raw: Any = _NO_INPUT
) -> list[Problem]:
    """Every problem in a pydantic ``ValidationError``, with dotted field paths.

    ``raw`` is the input that was validated, if at hand (it makes the paths
    exact). A key that is not allowed (``channels: {"112": ...}``) is reported
    once, as such; the errors pydantic also finds inside its value are left out.
    """
    found: list[tuple[tuple[Any, ...], str]] = []
    bad_keys: set[tuple[Any, ...]] = set()
    for item in error.errors(include_url=False):
        raw_loc = tuple(item["loc"])
        loc = tuple(_clean_loc(raw_loc, raw))
        cross = (item.get("ctx") or {}).get("error")
        if isinstance(cross, CrossFieldError):
            found.extend((loc + tuple(sub), msg) for sub, msg in cross.problems)
        elif raw_loc and raw_loc[-1] == "[key]":
            key_loc = loc[:-1]
            bad_keys.add(key_loc)
            parent = str(key_loc[-2]) if len(key_loc) >= 2 else ""
            what = {
                "channels": "a known channel",
                "forces": "a valid force id",
                "handler_pools": "a valid pool id",
            }.get(parent, "a valid name here")
            expected = _friendly(item).split("; ", 1)[-1]
            found.append(
                (key_loc, f"{_describe_input(str(key_loc[-1]))} is not {what}; {expected}")
            )
        else:
            found.append((loc, _friendly(item)))
    problems: list[Problem] = []
    seen: set[tuple[str, str]] = set()
    for loc, message in found:
        if any(loc[: len(bad)] == bad and len(loc) > len(bad) for bad in bad_keys):
            continue
        key = (_path(loc), message)
        if key not in seen:
            seen.add(key)
            problems.append(Problem(source, key[0], message))
    return problems


# --------------------------------------------------------------------------- YAML and overrides

#: Largest scenario file read (a scenario is a few kilobytes; this stops a wrong
#: path such as a data file or /dev/zero from being read for ever).
MAX_FILE_BYTES = 10_000_000

_MERGE_TAG = "tag:yaml.org,2002:merge"


class _StrictLoader(yaml.SafeLoader):
    """Safe YAML loader: no Python objects, keys read as names, duplicate keys rejected."""


def _construct_mapping(loader: _StrictLoader, node: yaml.MappingNode, deep: bool = False) -> dict:
    explicit = sum(1 for key_node, _ in node.value if key_node.tag != _MERGE_TAG)
    # `<<: *defaults` merge keys, as in yaml.SafeLoader: merged entries come first,
    # and the mapping's own entries may override them.
    loader.flatten_mapping(node)
    first_explicit = len(node.value) - explicit
    mapping: dict[str, Any] = {}
    own_keys: set[str] = set()
    for i, (key_node, value_node) in enumerate(node.value):
        if not isinstance(key_node, yaml.ScalarNode):
            raise yaml.constructor.ConstructorError(
                "while reading a mapping",
                node.start_mark,
                "found a list or mapping used as a key; expected a name",
                key_node.start_mark,
            )
        # Every key in a scenario is a name, read as written: `999:` is "999",
        # not the number 999, and `yes:` is "yes", not true.
        key_text = str(key_node.value)
        if i >= first_explicit:
            if key_text in own_keys:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key '{key_text}'", key_node.start_mark
                )
            own_keys.add(key_text)
        mapping[key_text] = loader.construct_object(value_node, deep=deep)
    return mapping


_StrictLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG,
    _construct_mapping,  # type: ignore[arg-type]
)


def _printable(text: str) -> str:
    """Text safe to print on a terminal: control and invisible characters escaped."""
    return text if text.isprintable() else repr(text)


def parse_yaml(text: str, source: str) -> Any:
    """Parse YAML text safely, raising ``InputError`` that names the line on failure."""
    try:
        return yaml.load(text, Loader=_StrictLoader)  # a SafeLoader subclass: safe
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        detail = exc.problem or str(exc)
        raise InputError([Problem(source, where, f"not valid YAML: {detail}")]) from None
    except yaml.reader.ReaderError as exc:
        line = text.count("\n", 0, max(exc.position, 0)) + 1
        character = chr(exc.character) if isinstance(exc.character, int) else exc.character
        detail = f"character {_describe_input(character)} is not allowed in YAML"
        raise InputError([Problem(source, f"line {line}", f"not valid YAML: {detail}")]) from None
    except yaml.YAMLError as exc:
        raise InputError([Problem(source, "", f"not valid YAML: {exc}")]) from None
    except RecursionError:
        raise InputError(
            [Problem(source, "", "not valid YAML: nested too deeply; expected a scenario")]
        ) from None
    except (ValueError, TypeError, LookupError, ArithmeticError) as exc:
        # A scalar YAML cannot convert: a date such as 2024-02-30, `!!bool maybe`,
        # an integer too long to read.
        raise InputError(
            [Problem(source, "", f"not valid YAML: a value cannot be read ({exc})")]
        ) from None


def read_yaml_file(path: str | Path) -> Any:
    """Read and parse a YAML file, raising ``InputError`` if it cannot be read or parsed."""
    source = str(path)
    try:
        with Path(path).open("rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        raise InputError(
            [Problem(source, "", "file not found; expected the path of a scenario YAML file")]
        ) from None
    except IsADirectoryError:
        raise InputError([Problem(source, "", "is a directory; expected a YAML file")]) from None
    except OSError as exc:
        raise InputError([Problem(source, "", f"cannot be read: {exc.strerror}")]) from None
    if len(data) > MAX_FILE_BYTES:
        raise InputError(
            [
                Problem(
                    source, "", f"is over {MAX_FILE_BYTES:,} bytes; expected a scenario YAML file"
                )
            ]
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError([Problem(source, "", "is not UTF-8 text; expected a YAML file")]) from None
    return parse_yaml(text, source)


_OVERRIDE = re.compile(r"^\s*([^=\s][^=]*?)\s*=(.*)$", re.DOTALL)


def _override_source(text: str) -> str:
    return f"--set {_printable(text)}"


def parse_override(text: str) -> tuple[list[str], Any]:
    """Split ``a.b.c=VALUE`` into its path and its value (parsed as YAML: a number, text, list).

    Raises
    ------
    InputError
        If the text is not of that form.
    """
    match = _OVERRIDE.match(text)
    source = _override_source(text)
    if not match:
        raise InputError([Problem(source, "", "expected PATH=VALUE, e.g. days=14")])
    path = match.group(1).split(".")
    if any(not part or part != part.strip() for part in path):
        raise InputError(
            [Problem(source, "", "has an empty part in the path; expected a.b.c=VALUE")]
        )
    value = parse_yaml(match.group(2), source) if match.group(2).strip() else None
    return path, value


def apply_overrides(raw: Any, overrides: Sequence[str]) -> Any:
    """Return a copy of a raw (parsed YAML) config with ``--set`` overrides applied.

    Lists are indexed by number (``handler_pools.cc.roster.shifts.0.count=12``).
    Missing sections are created, so that the result is validated like the file
    and an unknown name is reported as an unknown field.

    Raises
    ------
    InputError
        For every override that is malformed or cannot be applied.
    """
    result = copy.deepcopy(raw)
    problems: list[Problem] = []
    for text in overrides:
        try:
            path, value = parse_override(text)
        except InputError as exc:
            problems.extend(exc.problems)
            continue
        if not isinstance(result, dict):
            problems.append(
                Problem(_override_source(text), "", "the file is not a mapping of fields")
            )
            continue
        problem = _set_path(result, path, value, _override_source(text))
        if problem is not None:
            problems.append(problem)
    if problems:
        raise InputError(problems)
    return result


def _set_path(root: dict, path: list[str], value: Any, source: str) -> Problem | None:
    """Set ``value`` at ``path`` in ``root``; a Problem if the path cannot be followed."""
    node: Any = root
    for depth, part in enumerate(path):
        walked = _path(path[: depth + 1])
        last = depth == len(path) - 1
        if isinstance(node, list):
            if not (part.isdigit() and int(part) < len(node)):
                expected = (
                    "the list is empty; set the whole list instead, e.g. "
                    f"{_path(path[:depth])}=[...]"
                    if not node
                    else f"expected an index 0..{len(node) - 1}"
                )
                return Problem(
                    source, walked, f"is not an index of this list of {len(node)}; {expected}"
                )
            key: Any = int(part)
        else:
            key = part
            if not last and node.get(key) is None:
                node[key] = {}  # a new section: validation says if the name is wrong
        if last:
            node[key] = value
            return None
        child = node[key]
        if not isinstance(child, (dict, list)):
            return Problem(
                source,
                walked,
                f"is a value ({_describe_input(child)}), not a section; cannot set a field "
                "inside it",
            )
        node = child
    return None


def load_scenario(path: str | Path, overrides: Sequence[str] = ()) -> Scenario:
    """Load, override and validate a scenario file.

    Parameters
    ----------
    path
        Scenario YAML file.
    overrides
        ``a.b.c=VALUE`` strings applied to the file before validation. A problem
        with a value set this way names the ``--set`` it came from.

    Raises
    ------
    InputError
        Listing every problem found, each with the file and field path.
    """
    raw = read_yaml_file(path)
    if not overrides:
        return scenario_from_dict(raw, str(path))
    raw = apply_overrides(raw, overrides)
    try:
        return scenario_from_dict(raw, str(path))
    except InputError as exc:
        raise InputError([_blame_override(p, overrides) for p in exc.problems]) from None


def _blame_override(problem: Problem, overrides: Sequence[str]) -> Problem:
    """Add ``(from --set ...)`` to a problem at, inside or around an overridden field."""
    for text in reversed(overrides):  # the last override of a field is the one that counts
        dotted = _path(parse_override(text)[0])
        if not problem.path:
            continue
        if (
            problem.path == dotted
            or problem.path.startswith(dotted + ".")
            or dotted.startswith(problem.path + ".")
        ):
            message = f"{problem.message} (from {_override_source(text)})"
            return Problem(problem.source, problem.path, message)
    return problem


def scenario_from_dict(raw: Any, source: str = "<scenario>") -> Scenario:
    """Validate a parsed scenario mapping, raising ``InputError`` with every problem."""
    if not isinstance(raw, dict):
        kind = (
            "empty"
            if raw is None
            else _given(raw)
            if isinstance(raw, list)
            else (f"{_describe_input(raw)}")
        )
        raise InputError([Problem(source, "", f"is {kind}; expected a mapping of scenario fields")])
    try:
        return Scenario.model_validate(raw)
    except ValidationError as exc:
        raise InputError(problems_from_validation(exc, source, raw)) from None
    except RecursionError:
        raise InputError([Problem(source, "", "is nested too deeply")]) from None
