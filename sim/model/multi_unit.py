"""Jobs that need more than one unit: the first goes at once, the others follow.

Per grade, a share of incidents need ``k`` units (``forces.F.multi_unit``). The
choice made here, and why: a grade 1 does not wait for its back-up to be free
before the first unit sets off (no control room holds an immediate job back),
so the first unit is sent as the single-unit model would send it, and the
others follow as units of the first unit's area free up: a freed unit backs up
a grade 1 short of units before it takes a queued grade 1, and a grade 2 short
of units after any queued grade 1 but before a queued grade 2. Each follower
travels the job's own travel time (the job's place is one place), plus the
neighbour penalty when the first unit came from a neighbouring area. The job
clears at the first arrival plus its on-scene time, and holds every unit sent
until then; a unit that could only arrive after that is not sent. Attendance
counts from the first unit on scene.

A diverted unit (``divert_from_grade2``) of a job other units still hold
leaves it to them, and the job may take another follower; the job's last unit
diverted sends the job back to its queue, as for a single-unit job.

Why "every job needs 2 and twice the units" equals "one unit each": units
start, free and leave in pairs (every roster count doubled), a pair's two
units clear at the same instant, and the second of them joins the job the
first has just taken, with the same decision time and travel, so both arrive
and clear together; the doubled system is the single one with each unit
replaced by a pair, incident by incident (help from neighbours included, since
followers come from the first unit's area; not with diversion, which takes one
unit of a pair).

The number needed is drawn, per incident as it is routed, from the stream
``multi_unit/<force>``, which only this mechanism reads.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sim.config import MultiUnit, Scenario
from sim.model.events import Callback, call_later
from sim.model.incident_table import IncidentTable
from sim.model.records import Grade
from sim.model.response import AreaState, ResponseSystem, Unit
from sim.model.streams import Streams, buffered_uniforms

#: Stream name prefix of the units-needed draws (one uniform per routed incident).
MULTI_UNIT_STREAM = "multi_unit"

_GRADE1, _GRADE2 = int(Grade.GRADE1), int(Grade.GRADE2)


@dataclass(eq=False)
class _Job:
    """A job needing several units: who holds it, how many more it needs, when it clears."""

    incident: int
    grade: int
    area: AreaState
    penalty_s: float
    clears_at: float
    missing: int
    units: list[Unit] = field(default_factory=list)


class MultiUnitResponse(ResponseSystem):
    """:class:`ResponseSystem` with jobs that need more than one unit.

    Parameters
    ----------
    multi_unit
        Per force index, its multi-unit settings (forces without: left out).
    streams
        The replication's streams (``multi_unit/<force id>``).
    force_ids
        Force ids in force-index order.
    *args, **kwargs
        As :class:`ResponseSystem`.
    """

    def __init__(
        self,
        *args: object,
        multi_unit: dict[int, MultiUnit],
        streams: Streams,
        force_ids: list[str],
        **kwargs: object,
    ):
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self._settings = multi_unit
        self._draw: dict[int, Callable[[], float]] = {
            force: buffered_uniforms(streams[f"{MULTI_UNIT_STREAM}/{force_ids[force]}"])
            for force in multi_unit
        }
        #: Units each routed incident needs, by row.
        self.needed: dict[int, int] = {}
        self._jobs: dict[int, _Job] = {}
        self._short: dict[int, deque[_Job]] = {}

    def units_needed(self, incident: int) -> int:
        """Units the incident needs (drawn once, when first asked)."""
        needed = self.needed.get(incident)
        if needed is None:
            table: IncidentTable = self.incidents
            force = table.force[incident]
            needed = 1
            settings = self._settings.get(force)
            if settings is not None:
                u = self._draw[force]()
                grade = table.grade[incident]
                rule = settings.grade1 if grade == Grade.GRADE1 else settings.grade2
                if rule is not None and u < rule.share:
                    needed = rule.units
            self.needed[incident] = needed
        return needed

    def create(self, incident: int) -> None:
        """A grade 1 or grade 2 incident needs its units (now)."""
        self.units_needed(incident)
        super().create(incident)

    def _dispatch(self, incident: int, unit: Unit, penalty_s: float) -> None:
        super()._dispatch(incident, unit, penalty_s)
        needed = self.needed.get(incident, 1)
        if needed <= 1 or incident in self._jobs or unit.area is None:
            return
        job = _Job(
            incident, self.incidents.grade[incident], unit.area, penalty_s, unit.clears_at,
            needed - 1, [unit],
        )  # fmt: skip
        self._jobs[incident] = job
        area = unit.area
        # Free units go at once, unless they would arrive after the job has cleared.
        while job.missing and area.free and (arrives := self._arrival(job)) < job.clears_at:
            self._follow(job, area.take_free(self.env.now), arrives)
        if job.missing:
            self._short.setdefault(area.index, deque()).append(job)

    def _arrival(self, job: _Job) -> float:
        """When a unit sent to ``job`` now would arrive, seconds."""
        now = self.env._now
        # A follower decides as the first unit did.
        delay = self.decision_time(job.incident, now)
        return now + delay + self.incidents.travel[job.incident] + job.penalty_s

    def _follow(self, job: _Job, unit: Unit, arrives: float) -> None:
        """Send ``unit`` to ``job`` as a follower, to arrive at ``arrives`` seconds."""
        now = self.env._now
        table = self.incidents
        area = unit.area
        if unit.index not in area.busy:
            area.advance(now)
            area.busy[unit.index] = unit
        if arrives < table.arrived[job.incident]:
            table.arrived[job.incident] = arrives
            table.unit[job.incident] = unit.index
        unit.set_arrival = False
        unit.incident = job.incident
        unit.token += 1
        unit.dispatched_at = now
        unit.arrives_at = arrives
        unit.clears_at = job.clears_at
        unit.assignment = len(self.assignment_unit)
        self.assignment_incident.append(job.incident)
        self.assignment_unit.append(unit.index)
        self.assignment_start.append(now)
        self.assignment_end.append(job.clears_at)
        job.units.append(unit)
        job.missing -= 1
        call_later(self.env, job.clears_at - now, self._on_clear, (unit, unit.token))

    def _on_clear(self, event: Callback) -> None:
        unit, token = event._value
        if token == unit.token:
            self._leave_job(unit)
        super()._on_clear(event)

    def _leave_job(self, unit: Unit) -> None:
        job = self._jobs.get(unit.incident)
        if job is None:
            return
        job.units.remove(unit)
        if not job.units:
            del self._jobs[job.incident]
            job.missing = 0  # drops out of the short list when next looked at

    def _take_next(self, unit: Unit) -> bool:
        """A freed unit's next job: back-up for a grade 1 first, then the queues as usual.

        Order: a grade 1 job of its area short of units; its area's (then, with
        help, a neighbour's) queued grade 1; a grade 2 job short of units; its
        area's queued grade 2.
        """
        if self._join_short(unit, _GRADE1):
            return True
        area = unit.area
        grade1_waiting = bool(area.grade1_queue) or (
            area.help_allowed and any(n.grade1_queue for n in area.neighbours)
        )
        if not grade1_waiting and self._join_short(unit, _GRADE2):
            return True
        return super()._take_next(unit)

    def _join_short(self, unit: Unit, grade: int) -> bool:
        """Send ``unit`` to the oldest job of ``grade`` in its area still short of units."""
        short = self._short.get(unit.area.index)
        if not short:
            return False
        for job in list(short):
            arrives = self._arrival(job)
            if not job.missing or arrives >= job.clears_at:
                short.remove(job)  # complete, or too late for any unit from now on
                continue
            if job.grade != grade:
                continue
            self._follow(job, unit, arrives)
            if not job.missing:
                short.remove(job)
            return True
        return False

    def _divert(self, unit: Unit, incident: int) -> None:
        job = self._jobs.get(unit.incident)
        if job is None or len(job.units) == 1:
            if job is not None:
                self._leave_job(unit)  # the job goes back to its queue: a fresh start
            super()._divert(unit, incident)
            return
        now = self.env.now
        table = self.incidents
        job.units.remove(unit)
        table.diverted[job.incident] = True
        self.assignment_end[unit.assignment] = now
        if table.unit[job.incident] == unit.index and now < unit.arrives_at:
            first = min(job.units, key=lambda u: u.arrives_at)
            table.arrived[job.incident] = first.arrives_at
            table.unit[job.incident] = first.index
        if not job.missing:
            self._short.setdefault(job.area.index, deque()).append(job)
        job.missing += 1
        self._dispatch(incident, unit, 0.0)


def needs_multi_unit(multi_unit: dict[int, MultiUnit]) -> bool:
    """Whether any force has a positive share of multi-unit jobs."""
    return any(
        rule is not None and rule.share > 0
        for settings in multi_unit.values()
        for rule in (settings.grade1, settings.grade2)
    )


def response_system(
    scenario: Scenario, streams: Streams | None, *args: Any, **kwargs: Any
) -> ResponseSystem:
    """The response system of a scenario: with multi-unit jobs where a force has them.

    ``args`` and ``kwargs`` are :class:`ResponseSystem`'s; ``streams`` may be
    ``None`` only when nothing will be simulated (a dry build).
    """
    multi_unit = {
        i: force.multi_unit
        for i, force in enumerate(scenario.forces.values())
        if force.multi_unit is not None
    }
    if not needs_multi_unit(multi_unit):
        return ResponseSystem(*args, **kwargs)
    return MultiUnitResponse(
        *args,
        multi_unit=multi_unit,
        streams=streams if streams is not None else Streams(scenario.seed, 0),
        force_ids=list(scenario.forces),
        **kwargs,
    )
