"""Demand: the call channels (999, 101, and any others) and online reports of a force.

Each has an annual volume, an hour-of-week profile and surges; callers have
patience and may redial; the grading turns a handled call (or an online report,
after any desk review) into an incident of some grade, or into none.
"""

from __future__ import annotations

from typing import Annotated, Any

import numpy as np
from pydantic import AfterValidator, Field, field_validator, model_validator

from sim.catalogue import national_threshold
from sim.config.base import (
    MAX_DAYS,
    MAX_VOLUME_PER_YEAR,
    ClockTime,
    FrozenModel,
    NotBool,
    Probability,
    Seconds,
    Weight,
)
from sim.config.durations import ConstantTime, Duration, ExponentialTime, LognormalTime, Patience
from sim.config.handlers import Roster, after_shrinkage, check_staff_left
from sim.config.mechanisms import GrowthPerYear, Seasonality
from sim.config.reactions import VirtualHold, WaitReaction
from sim.units import (
    DAYS_PER_YEAR,
    HOURS_PER_WEEK,
    SECONDS_PER_DAY,
    SECONDS_PER_HOUR,
    clock_to_seconds,
)

#: The standard call channels, in priority order: 999 is answered before 101
#: (non-preemptive priority, DESIGN §2). A force may have others (a switchboard,
#: a crime line); each states its own ``priority`` and ``answer_target_s``.
CALL_CHANNELS: tuple[str, ...] = ("999", "101")
#: Default priority rank of the standard channels (lower is answered first).
CHANNEL_PRIORITY: dict[str, int] = {name: rank for rank, name in enumerate(CALL_CHANNELS)}
#: Not a call channel: the force's online-report block has this name.
ONLINE = "online"


def _not_online(channel_id: str) -> str:
    if channel_id == ONLINE:
        raise ValueError(
            "is 'online', which is not a call channel; expected a call channel id (online "
            "reports go in the force's online: block)"
        )
    return channel_id


#: A call channel's id: ``999``, ``101``, ``101-switchboard``, ``crime-line`` (lower
#: case letters, digits, ``_`` and ``-``; no ``/``, which separates a segment's parts).
ChannelId = Annotated[
    str, Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,39}$"), AfterValidator(_not_online)
]
#: Highest priority rank a channel may have (0 is answered first).
MAX_CHANNEL_PRIORITY = 99

#: Default answer targets in seconds, from the metric catalogue. 999: the national
#: standard (90% within 10 s). 101: "the vast majority of 101 calls within two
#: minutes" (Thames Valley Police and Crime Panel minutes, 16 November 2018, item
#: 18) -- a force sets its own in the scenario.
DEFAULT_ANSWER_TARGET_S: dict[str, float] = {
    channel: national_threshold("answer_time", channel) for channel in ("999", "101")
}


#: Smallest positive day-to-day coefficient of variation. Below about 1e-154 the
#: gamma shape (1 / cv squared) overflows to infinity; long before that, below a
#: millionth, the daily busyness factor is 1 to every digit a report shows.
MIN_OVERDISPERSION_CV = 1e-6


def _none_or_measurable(cv: float) -> float:
    if 0 < cv < MIN_OVERDISPERSION_CV:
        raise ValueError(
            f"is {cv:g}; expected 0 (no over-dispersion) or at least {MIN_OVERDISPERSION_CV:g}"
        )
    return cv


#: Coefficient of variation of the daily busyness factor: 0 (plain Poisson), or
#: ``MIN_OVERDISPERSION_CV`` to 2.
DayCv = Annotated[
    float, Field(ge=0, le=2, allow_inf_nan=False), NotBool, AfterValidator(_none_or_measurable)
]


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


class Channel(FrozenModel):
    """One way the public calls one force (999, 101, a switchboard): demand, patience, handling."""

    volume_per_year: Annotated[
        float, Field(ge=0, le=MAX_VOLUME_PER_YEAR, allow_inf_nan=False), NotBool
    ]
    profile: Profile = Profile()
    surges: list[Surge] = Field(default_factory=list)
    overdispersion_cv: DayCv = Field(
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
    priority: Annotated[int, Field(ge=0, le=MAX_CHANNEL_PRIORITY), NotBool] | None = Field(
        default=None,
        description="Priority rank: a free handler takes a caller of the lowest rank first "
        "(non-preemptive); equal ranks are answered in order of arrival. Defaults 999: 0, "
        "101: 1; any other channel must state it.",
    )
    grading: Grading = Field(
        default_factory=Grading,
        description="Share of handled calls becoming each grade of incident.",
    )
    grading_delay: Duration = Field(
        default=ConstantTime(distribution="constant", value_s=60.0),
        description="Time from answer to the incident being created (capped at the talk "
        "time): a grade 1 is dispatched while the caller is still on the line.",
    )
    growth_per_year: GrowthPerYear = Field(
        default=0.0, description="Demand growth per year (fraction), over the scenario's year."
    )
    seasonality: Seasonality | None = None
    reaction: WaitReaction | None = Field(
        default=None, description="Callers who ring 999, go online or give up (101); off."
    )
    callback: VirtualHold | None = Field(
        default=None, description="Call-backs offered above an expected wait (101); off."
    )
    displaced_grading: Grading | None = Field(
        default=None,
        description="Grading of calls switched here from 101 (999); null: the 101 grading.",
    )

    def mean_rate_per_s(self) -> float:
        """Mean arrival rate over a week, calls per second (before surges)."""
        return self.volume_per_year / (DAYS_PER_YEAR * SECONDS_PER_DAY)


class DeskReview(FrozenModel):
    """A desk team that reviews online reports before they become incidents."""

    roster: Roster
    shrinkage: Annotated[float, Field(ge=0, lt=1, allow_inf_nan=False), NotBool] = 0.0
    review: Duration

    def available_per_minute(self) -> np.ndarray:
        """Reviewers working in each minute of the week, after shrinkage."""
        return after_shrinkage(self.roster.staff_per_minute(), self.shrinkage)

    @model_validator(mode="after")
    def _someone_left_after_shrinkage(self) -> DeskReview:
        check_staff_left(self.roster, self.shrinkage)
        return self


class OnlineChannel(FrozenModel):
    """Reports made online: demand like a call channel, but no call-handler time."""

    volume_per_year: Annotated[
        float, Field(ge=0, le=MAX_VOLUME_PER_YEAR, allow_inf_nan=False), NotBool
    ]
    profile: Profile = Profile()
    surges: list[Surge] = Field(default_factory=list)
    overdispersion_cv: DayCv = 0.0
    grading: Grading = Grading()
    desk_review: DeskReview | None = Field(
        default=None, description="Desk review before an incident is created; null: at once."
    )
    growth_per_year: GrowthPerYear = 0.0
    seasonality: Seasonality | None = None

    def mean_rate_per_s(self) -> float:
        """Mean arrival rate over a week, reports per second (before surges)."""
        return self.volume_per_year / (DAYS_PER_YEAR * SECONDS_PER_DAY)
