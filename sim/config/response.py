"""Response: what deals with incidents once they are graded.

Areas with their units and travel times, on-scene times and the dispatch policy
(grades 1 and 2), schedule cars (scheduled appointments) and the telephone
resolution team (call-backs).
"""

from __future__ import annotations

from typing import Annotated, Literal

import numpy as np
from pydantic import Field, model_validator

from sim.catalogue import national_threshold
from sim.config.base import (
    AreaRef,
    ClockTime,
    CrossFieldError,
    FrozenModel,
    NotBool,
    Probability,
    Seconds,
    StaffCount,
)
from sim.config.durations import Duration
from sim.config.handlers import Roster, after_shrinkage, check_staff_left
from sim.config.mechanisms import OfficersPerUnit
from sim.units import DAY_NAMES, SECONDS_PER_MINUTE, clock_to_seconds

#: National attendance targets in minutes, from the metric catalogue (DESIGN §6):
#: grade 1 within 15 min in urban areas and 20 min in rural areas; grade 2 within
#: 60 min (the common force target).
DEFAULT_GRADE1_TARGET_MIN: dict[str, float] = {
    kind: national_threshold("attendance_time", f"grade1/{kind}") for kind in ("urban", "rural")
}
DEFAULT_GRADE2_TARGET_MIN = national_threshold("attendance_time", "grade2")


class ByGrade(FrozenModel):
    """A duration for grade 1 and grade 2 incidents, each optional (seconds).

    A grade left out keeps what applies without this block (the area's
    ``travel``, or ``response.dispatch_delay_s``).
    """

    grade1: Duration | None = None
    grade2: Duration | None = None


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
    travel_by_grade: ByGrade | None = Field(
        default=None,
        description="Travel of grade 1 or grade 2 units where it differs from travel "
        "(e.g. grade 1 driven under blue lights); a grade left out takes travel.",
    )
    neighbours: list[AreaRef] = Field(default_factory=list)
    help_penalty_s: Seconds = 0.0
    grade1_target_min: (
        Annotated[float, Field(gt=0, le=1440, allow_inf_nan=False), NotBool] | None
    ) = None
    officers_per_unit: OfficersPerUnit | None = Field(
        default=None,
        description="1 (single-crewed) or 2 (double-crewed): officers per unit, for "
        "officer-hours; null: not reported.",
    )

    def travel_for(self, grade: Literal["grade1", "grade2"]) -> Duration:
        """The travel time distribution of a ``grade`` incident's unit (seconds)."""
        chosen = getattr(self.travel_by_grade, grade, None) if self.travel_by_grade else None
        return chosen if chosen is not None else self.travel


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
    dispatch_delay: ByGrade | None = Field(
        default=None,
        description="Decision time per grade as a distribution, drawn afresh for each "
        "unit sent; a grade left out takes dispatch_delay_s.",
    )
    grade2_target_min: Annotated[float, Field(gt=0, le=10_080, allow_inf_nan=False), NotBool] = (
        DEFAULT_GRADE2_TARGET_MIN
    )

    def decision_delay(self, grade: Literal["grade1", "grade2"]) -> Duration | float:
        """A ``grade`` incident's decision time: its distribution, or the constant (seconds)."""
        chosen = getattr(self.dispatch_delay, grade, None) if self.dispatch_delay else None
        return chosen if chosen is not None else self.dispatch_delay_s


class Appointments(FrozenModel):
    """Schedule cars working a diary of appointment slots.

    Source: Northumbria PCP report, 31 July 2018, para 6.5 (docs/sources.md).
    """

    cars: StaffCount
    start: ClockTime = "08:00"
    end: ClockTime = "21:00"
    slot_minutes: Annotated[int, Field(ge=5, le=720), NotBool] = 60
    lead_time_hours: Annotated[float, Field(ge=0, le=24 * 28, allow_inf_nan=False), NotBool] = 0.0
    days: Annotated[
        list[Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]], Field(min_length=1)
    ] = Field(default_factory=lambda: list(DAY_NAMES))

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
        return after_shrinkage(self.roster.staff_per_minute(), self.shrinkage)

    @model_validator(mode="after")
    def _someone_left_after_shrinkage(self) -> ResolutionTeam:
        check_staff_left(self.roster, self.shrinkage)
        return self
