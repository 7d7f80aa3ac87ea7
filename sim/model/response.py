"""Response: incidents, areas, response units on rosters, dispatch and attendance.

Grade 1 goes at once to a free unit of its area; failing that, where the force
allows it, to a free unit of a neighbouring area (with a travel penalty), or by
diverting a unit from a grade 2 job (the grade 2 goes back to the front of its
queue); otherwise it waits first in line. Grade 2 waits for a free unit of its
area, behind every grade 1, first come first served. A unit that frees up takes
its own area's oldest grade 1, then (where helping is allowed) a neighbouring
area's oldest grade 1, then its own oldest grade 2.

Each dispatch costs one event: travel and on-scene time are known when the unit
is sent, so arrival is recorded then and only the clear-up is scheduled. A
diverted unit's pending clear-up is ignored by a token check.

End of shift: when a roster drops, free units go off duty at once; busy units
finish their job, then leave, and the time past the end of their shift is
recorded as overrun.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from math import isnan

import simpy

from sim.model.events import Callback, call_later
from sim.model.incident_table import IncidentTable
from sim.model.records import Grade

# Grade codes as plain ints: reading an IntEnum member costs about 0.3 µs
# (Python 3.11), which adds up at one lookup per dispatch.
_GRADE1, _GRADE2, _SCHEDULED = int(Grade.GRADE1), int(Grade.GRADE2), int(Grade.SCHEDULED)


@dataclass(eq=False)
class Unit:
    """A response unit (a double-crewed car, a single officer...) or a schedule car.

    A response unit belongs to an ``area``; a schedule car has no area and
    belongs to its force's ``cars`` instead.
    """

    index: int
    area: AreaState | None
    cars: ScheduleCars | None = None
    incident: int = -1
    token: int = 0
    assignment: int = -1
    arrives_at: float = math.nan
    clears_at: float = math.nan
    dispatched_at: float = math.nan
    set_arrival: bool = False


@dataclass(eq=False)
class ScheduleCars:
    """A force's schedule cars: appointments start at their slot with a free car.

    The diary books no more appointments into a slot than there are cars, but a
    car may still be busy when a slot starts (an appointment ran long, or the
    car was diverted to a grade 1): the appointment then waits first in line
    (``due``) for the next free car.
    """

    force: int
    free: list[Unit] = field(default_factory=list)
    busy: dict[int, Unit] = field(default_factory=dict)
    due: deque[int] = field(default_factory=deque)


@dataclass(eq=False)
class AreaState:
    """An area during a run: its units, its queues and unit-time integrals.

    ``busy_s`` and ``present_s`` are unit-seconds over the measured window;
    ``overrun_s`` is unit-seconds worked past the end of a shift.
    """

    index: int
    area_id: str
    force: int
    window_start: float
    window_end: float
    help_penalty_s: float = 0.0
    help_allowed: bool = False
    divert_allowed: bool = False
    divert_scheduled_allowed: bool = False
    neighbours: list[AreaState] = field(default_factory=list)
    free: list[Unit] = field(default_factory=list)
    busy: dict[int, Unit] = field(default_factory=dict)
    leaving_since: deque[float] = field(default_factory=deque)
    grade1_queue: deque[int] = field(default_factory=deque)
    grade2_queue: deque[int] = field(default_factory=deque)
    busy_s: float = 0.0
    present_s: float = 0.0
    overrun_s: float = 0.0
    last_change: float = 0.0

    def advance(self, now: float) -> None:
        """Add the time since the last change to the unit-second integrals.

        Call it before any unit joins or leaves ``free`` or ``busy``: the
        integrals count the units as they were since the last change.
        """
        # Conditional expressions: this runs for every unit change, where max/min cost.
        start = self.window_start if self.window_start > self.last_change else self.last_change
        end = self.window_end if self.window_end < now else now
        if end > start:
            self.busy_s += len(self.busy) * (end - start)
            self.present_s += (len(self.busy) + len(self.free)) * (end - start)
        self.last_change = now

    def take_free(self, now: float) -> Unit:
        """Take a free unit to dispatch it (``now``, seconds), integrals brought up to date.

        The unit is out of ``free`` until the dispatch puts it in ``busy``, so
        the time since the last change must be counted first, while it is still
        free: counted after, that time would have the unit neither free nor
        busy, and present unit time would fall short of the truth.
        """
        self.advance(now)
        return self.free.pop()


class ResponseSystem:
    """Dispatch of grade 1 and grade 2 incidents to the response units of each area.

    Parameters
    ----------
    env
        The SimPy environment (seconds).
    areas
        Every area of every force, with neighbours and policies set.
    incidents
        The incident table (shared with the rest of the model).
    dispatch_delay_s
        Decision time between an incident being ready and a unit being sent,
        seconds, per force index.
    schedule_cars
        Number of schedule cars per force index (forces without appointments
        left out).
    delay_factor
        A platform's dispatch-delay multiplier for a unit sent at a given time
        (seconds), during outages; ``None`` (the default) for none.
    """

    def __init__(
        self,
        env: simpy.Environment,
        areas: list[AreaState],
        incidents: IncidentTable,
        dispatch_delay_s: list[float],
        schedule_cars: dict[int, int] | None = None,
        delay_factor: Callable[[float], float] | None = None,
    ):
        self.env = env
        self.delay_factor = delay_factor
        self.areas = areas
        self.incidents = incidents
        self.dispatch_delay_s = dispatch_delay_s
        #: Decision time draws per (force index, grade code) where a scenario gives a
        #: distribution (``response.dispatch_delay``); set after wiring.
        self.decision_delay: dict[tuple[int, int], Callable[[], float]] = {}
        self.units: list[Unit] = []
        self._off_duty: dict[int, list[Unit]] = {area.index: [] for area in areas}
        # One row per unit assignment: who went to what, from when to when.
        self.assignment_incident: list[int] = []
        self.assignment_unit: list[int] = []
        self.assignment_start: list[float] = []
        self.assignment_end: list[float] = []
        for area in areas:
            area.last_change = env.now
        self.schedule_cars: dict[int, ScheduleCars] = {}
        for force, count in (schedule_cars or {}).items():
            cars = ScheduleCars(force)
            for _ in range(count):
                car = Unit(len(self.units), None, cars)
                self.units.append(car)
                cars.free.append(car)
            self.schedule_cars[force] = cars

    # ----------------------------------------------------------------- incidents

    def units_needed(self, incident: int) -> int:
        """Units an incident needs: one (``sim.model.multi_unit`` overrides it)."""
        return 1

    def decision_time(self, incident: int, now: float) -> float:
        """Seconds from a unit being chosen at ``now`` to it being sent to ``incident``.

        The grade's own decision time where the scenario gives one (a draw from its
        stream), else the force's ``dispatch_delay_s``; times a platform's degraded
        mode factor.
        """
        force = self.incidents.force[incident]
        drawn = self.decision_delay.get((force, self.incidents.grade[incident]))
        delay = drawn() if drawn is not None else self.dispatch_delay_s[force]
        if self.delay_factor is not None:
            delay *= self.delay_factor(now)
        return delay

    def create(self, incident: int) -> None:
        """A grade 1 or grade 2 incident needs a unit (now)."""
        area = self.areas[self.incidents.area[incident]]
        if self.incidents.grade[incident] == _GRADE1:
            self._grade1(incident, area)
        elif area.free:
            self._dispatch(incident, area.take_free(self.env.now), 0.0)
        else:
            area.grade2_queue.append(incident)

    def _grade1(self, incident: int, area: AreaState) -> None:
        if area.free:
            self._dispatch(incident, area.take_free(self.env.now), 0.0)
            return
        if area.help_allowed:
            for neighbour in area.neighbours:
                if neighbour.free:
                    self.incidents.helped[incident] = True
                    unit = neighbour.take_free(self.env.now)
                    self._dispatch(incident, unit, area.help_penalty_s)
                    return
        if area.divert_allowed:
            on_grade2 = [
                unit
                for unit in area.busy.values()
                if self.incidents.grade[unit.incident] == _GRADE2
            ]
            if on_grade2:
                self._divert(max(on_grade2, key=lambda unit: unit.dispatched_at), incident)
                return
        cars = self.schedule_cars.get(area.force)
        if area.divert_scheduled_allowed and cars is not None:
            at_appointments_here = [
                car for car in cars.busy.values() if self.incidents.area[car.incident] == area.index
                and self.incidents.grade[car.incident] == _SCHEDULED
            ]  # fmt: skip
            if at_appointments_here:
                car = max(at_appointments_here, key=lambda unit: unit.dispatched_at)
                self._divert(car, incident)
                return
        area.grade1_queue.append(incident)

    def _divert(self, unit: Unit, incident: int) -> None:
        """Take ``unit`` off its grade 2 job or appointment; send it to grade 1 ``incident``.

        The job goes back to the front of its queue, with what is left of its
        on-scene time if the unit had arrived.
        """
        now = self.env.now
        table = self.incidents
        job = unit.incident
        if now < unit.arrives_at:
            if unit.set_arrival:
                table.arrived[job] = math.nan
                table.unit[job] = -1
        else:
            table.remaining[job] = unit.clears_at - now
        table.diverted[job] = True
        self.assignment_end[unit.assignment] = now
        if unit.cars is not None:
            unit.cars.due.appendleft(job)
        else:
            self.areas[table.area[job]].grade2_queue.appendleft(job)
        self._dispatch(incident, unit, 0.0)

    def _dispatch(self, incident: int, unit: Unit, penalty_s: float) -> None:
        now = self.env._now  # the clock, without the property's cost (once per dispatch)
        table = self.incidents
        area = unit.area
        index = unit.index
        if area is not None and index not in area.busy:
            area.advance(now)
            area.busy[index] = unit
        if table.grade[incident] == _SCHEDULED:
            # An appointment: the car is booked to be there at the slot's start.
            decided = arrives = now
        else:
            decided = now + self.decision_time(incident, now)
            arrives = decided + table.travel[incident] + penalty_s
        clears = arrives + table.remaining[incident]
        if isnan(table.dispatched[incident]):
            table.dispatched[incident] = decided
        unit.set_arrival = set_arrival = isnan(table.arrived[incident])
        if set_arrival:
            table.arrived[incident] = arrives
            table.unit[incident] = index
        unit.incident = incident
        unit.token += 1
        unit.dispatched_at = now
        unit.arrives_at = arrives
        unit.clears_at = clears
        unit.assignment = len(self.assignment_unit)
        self.assignment_incident.append(incident)
        self.assignment_unit.append(index)
        self.assignment_start.append(now)
        self.assignment_end.append(clears)
        call_later(self.env, clears - now, self._on_clear, (unit, unit.token))

    def _on_clear(self, event: Callback) -> None:
        unit, token = event._value
        if token != unit.token:
            return  # diverted: this job was handed back to its queue
        now = self.env._now
        self.incidents.cleared[unit.incident] = now
        unit.incident = -1
        if unit.cars is not None:
            self._car_free(unit)
            return
        area = unit.area
        assert area is not None
        if area.leaving_since:
            area.advance(now)
            del area.busy[unit.index]
            since = area.leaving_since.popleft()
            area.overrun_s += max(0.0, min(now, area.window_end) - max(since, area.window_start))
            self._off_duty[area.index].append(unit)
            return
        if not self._take_next(unit):
            area.advance(now)
            del area.busy[unit.index]
            area.free.append(unit)

    def _take_next(self, unit: Unit) -> bool:
        """Give a unit that has just become available its next job, if any."""
        area = unit.area
        if area.grade1_queue:
            self._dispatch(area.grade1_queue.popleft(), unit, 0.0)
            return True
        if area.help_allowed:
            # Neighbours are symmetric, and helping is a force-wide policy.
            graded_at = self.incidents.graded_at
            waiting = [n for n in area.neighbours if n.grade1_queue]
            if waiting:
                neighbour = min(waiting, key=lambda n: graded_at[n.grade1_queue[0]])
                incident = neighbour.grade1_queue.popleft()
                self.incidents.helped[incident] = True
                self._dispatch(incident, unit, neighbour.help_penalty_s)
                return True
        if area.grade2_queue:
            self._dispatch(area.grade2_queue.popleft(), unit, 0.0)
            return True
        return False

    # ----------------------------------------------------------------- appointments

    def appointment_due(self, incident: int) -> None:
        """An appointment's slot starts now: a schedule car goes, or it waits first in line."""
        cars = self.schedule_cars[self.incidents.force[incident]]
        if cars.free:
            car = cars.free.pop()
            cars.busy[car.index] = car
            self._dispatch(incident, car, 0.0)
        else:
            cars.due.append(incident)

    def _car_free(self, car: Unit) -> None:
        cars = car.cars
        assert cars is not None
        if cars.due:
            self._dispatch(cars.due.popleft(), car, 0.0)
            return
        del cars.busy[car.index]
        cars.free.append(car)

    # ----------------------------------------------------------------- rosters

    def set_available(self, area: AreaState, count: int) -> None:
        """Change the number of units on duty in ``area`` (a roster change)."""
        now = self.env.now
        area.advance(now)
        on_duty = len(area.free) + len(area.busy) - len(area.leaving_since)
        if count > on_duty:
            extra = count - on_duty
            while extra and area.leaving_since:
                area.leaving_since.pop()
                extra -= 1
            for _ in range(extra):
                unit = self._new_unit(area)
                if not self._take_next(unit):
                    area.free.append(unit)
        elif count < on_duty:
            surplus = on_duty - count
            while surplus and area.free:
                self._off_duty[area.index].append(area.free.pop())
                surplus -= 1
            area.leaving_since.extend([now] * surplus)

    def _new_unit(self, area: AreaState) -> Unit:
        spare = self._off_duty[area.index]
        if spare:
            return spare.pop()
        unit = Unit(len(self.units), area)
        self.units.append(unit)
        return unit

    def close(self, end_s: float) -> None:
        """Bring the unit-second integrals up to the end of the run (seconds)."""
        for area in self.areas:
            area.advance(end_s)
            # Units still past their shift at the end: count their overrun so far.
            for since in area.leaving_since:
                area.overrun_s += max(
                    0.0, min(end_s, area.window_end) - max(since, area.window_start)
                )
