"""From graded calls and online reports to incidents, and each incident to whoever deals with it.

An incident's attributes are drawn from five uniforms taken when its call (or
online report) arrives: which area it is in, its travel time, its on-scene time,
whether a call-back escalates it, and the call-back's length. Each uniform is
turned into a duration through the inverse distribution function of whatever
applies (the area's travel, the grade's on-scene time), so a scenario that moves
an incident to another area or grade still gives it the same random numbers.

Routing: grade 1 and grade 2 to the response units of the incident's area;
scheduled to the force's appointment diary; resolution to the telephone
resolution team, which may escalate it to grade 2 or scheduled (the same
incident, counted once, re-graded at the end of the call-back); no_deployment
is recorded and closed.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import simpy
from simpy.events import Timeout

from sim.model.appointments import AppointmentDiary
from sim.model.incident_table import IncidentTable
from sim.model.records import NO_GRADE, Grade
from sim.model.response import AreaState, ResponseSystem
from sim.model.streams import DurationModel, quantile
from sim.model.teams import Team

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

    def create(
        self, force: int, grade: int, source: int, source_id: int, u: Sequence[float]
    ) -> int:
        """Create an incident of ``grade`` now and send it on; return its id."""
        settings = self.forces[force]
        area, travel = -1, math.nan
        if settings.areas:
            position = int(np.searchsorted(settings.cumulative_shares, u[U_AREA], side="right"))
            position = min(position, len(settings.areas) - 1)
            area = settings.areas[position].index
            travel = float(quantile(settings.travel[position], u[U_TRAVEL]))
        escalate_to = NO_GRADE
        if grade == Grade.RESOLUTION:
            to_grade2, to_scheduled = settings.escalation
            if u[U_ESCALATE] < to_grade2:
                escalate_to = Grade.GRADE2
            elif u[U_ESCALATE] < to_grade2 + to_scheduled:
                escalate_to = Grade.SCHEDULED
        deployed_as = escalate_to if grade == Grade.RESOLUTION else grade
        on_scene_model = settings.on_scene.get(deployed_as)
        on_scene = float(quantile(on_scene_model, u[U_ON_SCENE])) if on_scene_model else 0.0
        callback_s = (
            float(quantile(settings.callback, u[U_CALLBACK]))
            if grade == Grade.RESOLUTION and settings.callback is not None
            else 0.0
        )
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
        settings = self.forces[table.force[incident]]
        if grade in (Grade.GRADE1, Grade.GRADE2):
            self.response.create(incident)
        elif grade == Grade.SCHEDULED:
            assert settings.diary is not None, "validated: scheduled needs appointments"
            slot, car, start = settings.diary.book(self.env.now)
            table.appointment_slot[incident] = slot
            table.appointment_car[incident] = car
            table.appointment_s[incident] = start
            due = Timeout(self.env, max(start - self.env.now, 0.0), incident)
            due.callbacks.append(self._appointment_due)
        elif grade == Grade.RESOLUTION:
            assert settings.resolution_team is not None, "validated: resolution needs a team"
            settings.resolution_team.submit(incident, table.callback_s[incident])

    def _appointment_due(self, event: simpy.Event) -> None:
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
