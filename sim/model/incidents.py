"""From graded calls and online reports to incidents, and each incident to whoever deals with it.

An incident's attributes are drawn from five uniforms taken when its call (or
online report) is sampled: which area it is in, its travel time, its on-scene
time, whether a call-back escalates it, and the call-back's length. Each uniform
is turned into a duration through the inverse distribution function of whatever
applies (the area's travel, the grade's on-scene time), so a scenario that moves
an incident to another area or grade still gives it the same random numbers.
The attributes of every first attempt and online report are computed before the
run as vectors (:func:`incident_attributes`); a redial's, whose grade is known
only when it rings, from blocks of uniforms drawn and turned into every grade's
attributes at once (:class:`RedialAttributes`). Neither calls a distribution
during the run.

Routing: grade 1 and grade 2 to the response units of the incident's area;
scheduled to the force's appointment diary; resolution to the telephone
resolution team, which may escalate it to grade 2 or scheduled (the same
incident, counted once, re-graded at the end of the call-back); no_deployment
is recorded and closed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import simpy

from sim.model.appointments import AppointmentDiary
from sim.model.events import Callback, call_later
from sim.model.incident_table import IncidentTable
from sim.model.records import NO_GRADE, Grade
from sim.model.response import AreaState, ResponseSystem
from sim.model.streams import DurationModel, quantile
from sim.model.teams import Team

if TYPE_CHECKING:
    from sim.model.rcrp import RcrpDesk

# Grade codes as plain ints for routing: reading an IntEnum member costs about
# 0.3 µs (Python 3.11), which adds up at a few lookups per incident.
_GRADE1, _GRADE2 = int(Grade.GRADE1), int(Grade.GRADE2)
_SCHEDULED, _RESOLUTION = int(Grade.SCHEDULED), int(Grade.RESOLUTION)

#: Columns of an incident's uniform draws.
U_AREA, U_TRAVEL, U_ON_SCENE, U_ESCALATE, U_CALLBACK = range(5)
UNIFORMS_PER_INCIDENT = 5


@dataclass
class ForceIncidents:
    """What one force needs to create and route its incidents during a run."""

    index: int
    force_id: str
    areas: list[AreaState] = field(default_factory=list)
    cumulative_shares: np.ndarray = field(default_factory=lambda: np.empty(0))
    travel: list[DurationModel] = field(default_factory=list)
    #: Per area (in ``areas`` order), travel of the grade codes that have their own.
    travel_by_grade: list[dict[int, DurationModel]] = field(default_factory=list)
    on_scene: dict[int, DurationModel] = field(default_factory=dict)
    escalation: tuple[float, float] = (0.0, 0.0)
    callback: DurationModel | None = None
    diary: AppointmentDiary | None = None
    resolution_team: Team | None = None


def grade_codes(shares: Sequence[float], u: np.ndarray) -> np.ndarray:
    """Grade code per uniform draw (``NO_GRADE``: no incident), from shares in grade order."""
    cumulative = np.cumsum(shares)
    codes = np.searchsorted(cumulative, u, side="right")
    return np.where(codes < len(shares), codes, NO_GRADE).astype(np.int64)


@dataclass(frozen=True)
class IncidentAttributes:
    """Incident attributes, one element per incident: what its uniforms and grade give.

    ``area`` is the area index (-1: the force has none); ``travel`` (NaN without
    areas), ``on_scene`` (0 for a grade no unit attends) and ``callback_s`` (0
    unless graded for resolution) are seconds; ``escalate_to`` the grade a
    call-back escalates to (``NO_GRADE``: none, or not graded for resolution).
    """

    area: np.ndarray
    travel: np.ndarray
    on_scene: np.ndarray
    escalate_to: np.ndarray
    callback_s: np.ndarray


def incident_attributes(
    settings: ForceIncidents, grade: np.ndarray, u: np.ndarray
) -> IncidentAttributes:
    """The attributes of incidents of one force from their grades and uniforms (rows of ``u``).

    Element by element the same numbers as drawing each incident alone:
    ``quantile`` is one vectorised function of each uniform.
    """
    n = len(grade)
    if settings.areas:
        position = np.searchsorted(settings.cumulative_shares, u[:, U_AREA], side="right")
        position = np.minimum(position, len(settings.areas) - 1)
        area = np.array([a.index for a in settings.areas], dtype=np.int64)[position]
        travel = np.empty(n)
        for p, model in enumerate(settings.travel):
            here = position == p
            travel[here] = quantile(model, u[here, U_TRAVEL])
    else:
        area = np.full(n, -1, dtype=np.int64)
        travel = np.full(n, np.nan)
    resolution = grade == Grade.RESOLUTION
    to_grade2, to_scheduled = settings.escalation
    escalate = u[:, U_ESCALATE]
    escalate_to = np.where(
        resolution & (escalate < to_grade2),
        Grade.GRADE2,
        np.where(resolution & (escalate < to_grade2 + to_scheduled), Grade.SCHEDULED, NO_GRADE),
    ).astype(np.int64)
    deployed_as = np.where(resolution, escalate_to, grade)
    # A grade's own travel takes the same uniform: no draw is added or shifted.
    for p, models in enumerate(settings.travel_by_grade if settings.areas else []):
        for code, model in models.items():
            here = (position == p) & (deployed_as == code)
            travel[here] = quantile(model, u[here, U_TRAVEL])
    on_scene = np.zeros(n)
    for deployed, model in settings.on_scene.items():
        here = deployed_as == deployed
        on_scene[here] = quantile(model, u[here, U_ON_SCENE])
    callback_s = np.zeros(n)
    if settings.callback is not None:
        callback_s[resolution] = quantile(settings.callback, u[resolution, U_CALLBACK])
    return IncidentAttributes(area, travel, on_scene, escalate_to, callback_s)


class RedialAttributes:
    """Incident attributes for one queue's redials, one incident at a time, in grading order.

    Each incident takes the next ``UNIFORMS_PER_INCIDENT`` uniforms of the
    queue's stream. They are drawn a block of incidents at a time, and turned
    into the attributes every grade would give, so that handing out one costs
    no distribution call.
    """

    BLOCK = 512

    def __init__(self, settings: ForceIncidents, generator: np.random.Generator):
        self._settings = settings
        self._generator = generator
        self._by_grade: list[list[tuple[int, float, float, int, float]]] = []
        self._next = self.BLOCK

    def __call__(self, grade: int) -> tuple[int, float, float, int, float]:
        """``(area, travel, on_scene, escalate_to, callback_s)`` of the next incident."""
        if self._next >= self.BLOCK:
            u = self._generator.random((self.BLOCK, UNIFORMS_PER_INCIDENT))
            self._by_grade = []
            for code in Grade:
                drawn = incident_attributes(self._settings, np.full(self.BLOCK, code), u)
                columns = (drawn.area, drawn.travel, drawn.on_scene, drawn.escalate_to,
                           drawn.callback_s)  # fmt: skip
                self._by_grade.append(list(zip(*(c.tolist() for c in columns), strict=True)))
            self._next = 0
        attributes = self._by_grade[grade][self._next]
        self._next += 1
        return attributes


class IncidentFactory:
    """Creates incidents at the current simulation time and routes them.

    Parameters
    ----------
    env
        The SimPy environment (seconds).
    incidents
        The incident table to fill.
    response
        Dispatch of grade 1 and 2 incidents.
    forces
        Per force index, its areas, distributions, diary and team.
    """

    def __init__(
        self,
        env: simpy.Environment,
        incidents: IncidentTable,
        response: ResponseSystem,
        forces: list[ForceIncidents],
    ):
        self.env = env
        self.incidents = incidents
        self.response = response
        self.forces = forces
        #: Right Care Right Person's referrals at grading, where a force has them.
        self.rcrp: RcrpDesk | None = None

    def reserve(
        self, force: np.ndarray, grade: np.ndarray, source: int, u: np.ndarray
    ) -> np.ndarray:
        """Reserve incident rows for calls or reports that may become incidents.

        One element per call or report: its force index, the grade it would
        open with (``NO_GRADE``: none, so no row) and its uniforms (rows of
        ``u``); ``source_id`` is the position in the arrays. Returns each
        element's row (-1: none).
        """
        rows = np.full(len(grade), -1, dtype=np.int64)
        graded = np.flatnonzero(grade != NO_GRADE)
        force, grade, u = force[graded], grade[graded], u[graded]
        n = len(graded)
        columns = {
            "area": np.full(n, -1, dtype=np.int64),
            "travel": np.full(n, np.nan),
            "on_scene": np.zeros(n),
            "escalate_to": np.full(n, NO_GRADE, dtype=np.int64),
            "callback_s": np.zeros(n),
        }
        for settings in self.forces:
            mine = np.flatnonzero(force == settings.index)
            drawn = incident_attributes(settings, grade[mine], u[mine])
            for name, values in columns.items():
                values[mine] = getattr(drawn, name)
        first = self.incidents.reserve(
            force=force, grade=grade, source=source, source_id=graded, **columns
        )
        rows[graded] = np.arange(first, first + n)
        return rows

    def open(self, row: int) -> None:
        """A reserved incident is created now, and sent on."""
        self.incidents.open(row, self.env._now)  # the clock, as Environment.now reads it
        self._route(row)

    def record(self, row: int, created_s: float) -> None:
        """A reserved incident that goes nowhere (no deployment), created at ``created_s`` seconds.

        May be ahead of the clock: nothing in the run waits on it.
        """
        self.incidents.open(row, created_s)
        self.incidents.opened_ahead = True

    def create(
        self,
        force: int,
        grade: int,
        source: int,
        source_id: int,
        attributes: tuple[int, float, float, int, float],
    ) -> int:
        """Create an incident of ``grade`` now and send it on; return its row.

        ``attributes`` are ``(area, travel, on_scene, escalate_to, callback_s)``
        (a :class:`RedialAttributes`' draw).
        """
        area, travel, on_scene, escalate_to, callback_s = attributes
        incident = self.incidents.add(
            created=self.env.now,
            force=force,
            area=area,
            grade=grade,
            source=source,
            source_id=source_id,
            travel=travel,
            on_scene=on_scene,
            escalate_to=escalate_to,
            callback_s=callback_s,
        )
        self._route(incident)
        return incident

    def _route(self, incident: int) -> None:
        table = self.incidents
        grade = table.grade[incident]
        if grade in (_GRADE1, _GRADE2):
            if self.rcrp is not None and self.rcrp.refer(incident):
                return
            self.response.create(incident)
            return
        settings = self.forces[table.force[incident]]
        if grade == _SCHEDULED:
            assert settings.diary is not None, "validated: scheduled needs appointments"
            slot, car, start = settings.diary.book(self.env.now)
            table.appointment_slot[incident] = slot
            table.appointment_car[incident] = car
            table.appointment_s[incident] = start
            call_later(self.env, max(start - self.env.now, 0.0), self._appointment_due, incident)
        elif grade == _RESOLUTION:
            assert settings.resolution_team is not None, "validated: resolution needs a team"
            settings.resolution_team.submit(incident, table.callback_s[incident])

    def _appointment_due(self, event: Callback) -> None:
        self.response.appointment_due(event._value)

    def callback_started(self, incident: int) -> None:
        """The resolution team rings the caller back (now)."""
        self.incidents.callback_start[incident] = self.env.now

    def callback_finished(self, incident: int) -> None:
        """The call-back is over: close the incident, or escalate it to a deployment."""
        table = self.incidents
        escalate_to = table.escalate_to[incident]
        if escalate_to == NO_GRADE:
            table.cleared[incident] = self.env.now
            return
        table.grade[incident] = escalate_to
        table.escalated[incident] = True
        table.graded_at[incident] = self.env.now
        self._route(incident)
