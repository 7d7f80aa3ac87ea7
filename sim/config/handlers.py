"""Rosters and call handlers: staff on duty per minute of the week, shifts, shrinkage."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import numpy as np
from pydantic import Discriminator, Field, Tag, model_validator

from sim.config.base import ClockTime, CrossFieldError, FrozenModel, NotBool, StaffCount
from sim.units import DAY_NAMES, MINUTES_PER_WEEK, clock_to_seconds


class Shift(FrozenModel):
    """A shift pattern: ``count`` handlers start at ``start`` on each of ``days``."""

    name: str = Field(default="shift", max_length=80)
    start: ClockTime
    length_hours: Annotated[float, Field(gt=0, le=24, allow_inf_nan=False), NotBool]
    count: StaffCount
    days: Annotated[
        list[Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]], Field(min_length=1)
    ] = Field(default_factory=lambda: list(DAY_NAMES))


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
        description="Allow intervals with nobody on duty, or nobody working once shrinkage "
        "is taken off (off by default: almost always a typo).",
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
        return after_shrinkage(self.roster.staff_per_minute(), self.shrinkage)

    @model_validator(mode="after")
    def _someone_left_after_shrinkage(self) -> HandlerPool:
        check_staff_left(self.roster, self.shrinkage)
        return self


def check_staff_left(roster: Roster, shrinkage: float) -> None:
    """Refuse a shrinkage that leaves nobody working where staff are rostered.

    Unless ``roster.allow_gaps``: then nobody working is the planner's intent
    (``demandsim validate`` still warns when it is so all week, see
    :mod:`sim.config.caveats`).

    Raises
    ------
    CrossFieldError
        At ``shrinkage``, saying where nobody is left.
    """
    if roster.allow_gaps:
        return
    rostered = roster.staff_per_minute()
    emptied = (rostered > 0) & (after_shrinkage(rostered, shrinkage) == 0)
    if not emptied.any():
        return
    gaps = _zero_runs(np.where(emptied, 0, 1))
    where = ", ".join(_describe_minutes(a, b) for a, b in gaps[:3])
    more = f" and {len(gaps) - 3} more" if len(gaps) > 3 else ""
    raise CrossFieldError(
        [
            (
                ("shrinkage",),
                f"is {shrinkage:g}, which rounds everyone rostered away {where}{more} "
                f"(at most {rostered[emptied].max()} on duty there), leaving nobody working; "
                "expected a smaller shrinkage or more staff (or roster.allow_gaps: true "
                "if that is intended)",
            )
        ]
    )


def after_shrinkage(rostered: np.ndarray, shrinkage: float) -> np.ndarray:
    """Staff working of those rostered, when ``shrinkage`` of them are not taking work.

    Parameters
    ----------
    rostered
        Staff rostered in each minute (or interval) of the week.
    shrinkage
        Share of rostered staff away (breaks, training, sickness), 0 to 1.

    Returns
    -------
    numpy.ndarray
        Whole staff working in each minute, rounded to the nearest (halves up).
    """
    # floor(x + 0.5): round half up, unlike numpy's round-half-to-even.
    return np.floor(rostered * (1.0 - shrinkage) + 0.5).astype(np.int64)


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
