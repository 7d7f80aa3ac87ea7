"""Units that move: response for forces with beats, stations and travel between beats.

For a force with ``geography``, each incident is placed in a beat of its area
(drawn by the beats' weights at its creation time, from a stream of its own),
and each response unit has a home station and a position:

- at its station while idle there;
- at the incident's beat from the moment it is sent until it clears;
- after clearing it drives back to its station, taking the expected travel
  time back. **It is available while returning, and is dispatched from the
  beat it has just cleared** (its position until it is back): a conservative
  choice that needs no event for the drive home.

A trip's time is the expected travel from the unit's position to the beat, in
the time band of the moment it is sent, times a lognormal factor (median 1,
90th percentile ``travel.trip_factor_p90``).

Dispatch, by ``geography.dispatch``: ``nearest``, the free unit of the
incident's area with the shortest expected travel (ties: the one back at its
station longest, so a station's units share the work);
for a grade 1, if none is free and the force allows neighbours' help, the
nearest free unit of a neighbouring area of the same force. ``preference``:
the first station on the beat's list with a free unit (the nearest of its
free units). A grade 1 with no unit sent may divert the grade 2 unit nearest
to it (``divert_from_grade2``), then as the aggregate model does (schedule
cars, then the queue). With ``when_no_unit: lost`` an incident that finds no
unit is lost (recorded, never attended): the hypercube's zero line. Otherwise
it queues, first come first served, grade 1 first; a unit that frees up takes
jobs as in the aggregate model, driving from where it is.

Help across a force border to a force without beats, or to another force's
beats when the scenario gives no ``border_travel``, has no travel matrix: such
a trip takes the incident's aggregate travel draw plus the area's
``help_penalty_s``. With ``border_travel`` (:mod:`sim.config.border`) and
forces that help across forces (``response.help_across_forces``, or a
platform's ``dispatch_scope: cross_force``), dispatch is **borderless**: a
grade 1 takes the nearest free unit of its own area *and* of the other forces'
neighbouring areas (``neighbours: [hampshire/rural]``), by expected travel over
the border roads; only if none is free, a same-force neighbour's, as before.
A grade 2 stays with its own area's units unless ``border_travel.grade2``:
neighbours' help has always been for grade 1 (a car sent across the border to a
grade 2 is not there for its own force's next grade 1, and a grade 2's 60
minutes leave room to wait for a local unit). A unit that frees up takes a
neighbouring force's waiting grade 1 as it takes a neighbouring area's (and
only its own area's waiting grade 2s, even with ``border_travel.grade2``). Such a
trip has no ``help_penalty_s``: the border roads give its time. The trip's
random factor is drawn from the unit's force's stream. ``preference`` dispatch
keeps to its lists (stations of the beat's own force).

``patrol: home_beat``: a free unit waits in its home beat (a station's
``patrol_beats`` in turn, else the station's beat) instead of its station, so
it is sent from there, drives back there after a job, and starts its shift
there (it is not driven out from the station). A position is a beat: its
centre, its row of the travel matrix.

Each station follows its own roster; end of shift is as in the aggregate
model, per station: a busy unit finishes its job, then goes off duty.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import partial

import numpy as np
import simpy

from sim.config import Force, Scenario
from sim.config.border import border_minutes
from sim.config.geography import BANDS
from sim.model.events import Callback, follow_roster, roster_changes
from sim.model.incident_table import IncidentTable
from sim.model.records import Grade
from sim.model.response import AreaState, ResponseSystem, Unit
from sim.model.spatial_records import GeographyRecords, incident_places, place_fields
from sim.model.spatial_state import BorderState, Draws, SpatialForce, StationState, UnitPlace
from sim.model.streams import Streams

_GRADE1, _GRADE2 = int(Grade.GRADE1), int(Grade.GRADE2)
_HOURS_PER_WEEK = 168


class SpatialResponseSystem(ResponseSystem):
    """The response system with beats and stations for the forces that have them.

    Areas of forces without geography are dispatched exactly as by
    :class:`ResponseSystem`. Parameters are the base class's, plus the
    ``scenario`` (its forces' geography) and the replication's ``streams``.
    """

    def __init__(
        self,
        env: simpy.Environment,
        areas: list[AreaState],
        incidents: IncidentTable,
        dispatch_delay_s: list[float],
        schedule_cars: dict[int, int] | None,
        delay_factor: Callable[[float], float] | None,
        scenario: Scenario,
        streams: Streams,
    ):
        super().__init__(env, areas, incidents, dispatch_delay_s, schedule_cars, delay_factor)
        self.stations: list[StationState] = []
        self.places: dict[int, UnitPlace] = {}
        self._spatial: dict[int, SpatialForce] = {}
        self._rosters: list[tuple[StationState, np.ndarray]] = []
        self.beat_of: dict[int, int] = {}
        #: Per incident row, of its first unit on scene: origin beat, station, expected
        #: and actual travel (seconds).
        self.origin_of: dict[int, tuple[int, int, float, float]] = {}
        self.lost: set[int] = set()
        self._beats: list[tuple[int, str, int]] = []  # (force, beat id, area index)
        self._travel_day: list[np.ndarray] = []
        by_force: dict[int, list[AreaState]] = {}
        for area in areas:
            by_force.setdefault(area.force, []).append(area)
        for force_index, (force_id, force) in enumerate(scenario.forces.items()):
            if force.geography is not None:
                self._add_force(force_index, force_id, force, by_force[force_index], streams)
        self._border: BorderState | None = None
        #: Per area index: the other forces' neighbouring areas it may take units from.
        self._across: dict[int, list[AreaState]] = {}
        border = scenario.border_travel
        if border is not None and len({s.force for s in self._spatial.values()}) > 1:
            seconds = border_minutes(border, scenario.forces) * 60.0
            self._border = BorderState(seconds.tolist(), border.grade2)
            for area in areas:
                across = [
                    n for n in area.neighbours if n.force != area.force and n.index in self._spatial
                ]
                if across and area.index in self._spatial:
                    self._across[area.index] = across

    def _add_force(
        self,
        force_index: int,
        force_id: str,
        force: Force,
        areas: list[AreaState],
        streams: Streams,
    ) -> None:
        """Beats, travel, stations and preference lists of one force with geography."""
        geography = force.geography
        assert geography is not None
        area_of = {area.area_id: area for area in areas}
        first = len(self._beats)
        beat_index = {beat.id: first + i for i, beat in enumerate(geography.beats)}
        beats_of_area: dict[int, list[int]] = {}
        weights_of_area: dict[int, list[np.ndarray]] = {}
        for beat in geography.beats:
            area = area_of[beat.area]
            self._beats.append((force_index, beat.id, area.index))
            beats_of_area.setdefault(area.index, []).append(beat_index[beat.id])
            profile = np.ones(_HOURS_PER_WEEK) if beat.profile is None else np.asarray(beat.profile)
            weights_of_area.setdefault(area.index, []).append(beat.weight * profile)
        cumulative = {}
        for area_index, weights in weights_of_area.items():
            table = np.cumsum(np.stack(weights, axis=1), axis=1)  # (hour, beat)
            # One row for every hour when no beat has a profile: cheaper to look up.
            same = all(b.profile is None for b in geography.beats)
            cumulative[area_index] = table[0] if same else table
        minutes = geography.travel_minutes()
        self._travel_day.append(minutes[BANDS.index("day")] * 60.0)
        stations: dict[str, StationState] = {}
        for station_id, station in geography.stations.items():
            beat = beat_index[station.beat]
            state = StationState(len(self.stations), station_id, beat, area_of[
                geography.beats[beat - first].area])  # fmt: skip
            if geography.patrol == "home_beat":
                state.patrol_beats = [beat_index[b] for b in station.patrol_beats]
            self.stations.append(state)
            stations[station_id] = state
            self._rosters.append((state, station.units.staff_per_minute()))
        preferences = None
        if geography.dispatch == "preference":
            preferences = [
                [stations[s] for s in geography.preferences[beat.id]] for beat in geography.beats
            ]
        spatial = SpatialForce(
            force=force_index,
            first_beat=first,
            travel_s=(minutes * 60.0).tolist(),
            trip_sigma=geography.travel.trip_sigma,
            trip=Draws(streams[f"geography/trip/{force_id}"], normal=True),
            lost_when_no_unit=geography.when_no_unit == "lost",
            preferences=preferences,
            beats_of_area=beats_of_area,
            cumulative=cumulative,
            pick=Draws(streams[f"geography/beat/{force_id}"], normal=False),
        )
        for area in areas:
            self._spatial[area.index] = spatial

    def follow_station_rosters(self, roster_window: tuple[float, float]) -> None:
        """Put every station's units on duty by its roster over ``roster_window`` (seconds)."""
        for station, per_minute in self._rosters:
            changes = roster_changes(per_minute, *roster_window)
            follow_roster(self.env, changes, partial(self.set_station_available, station))

    # ----------------------------------------------------------------- dispatch

    def _from(self, place: UnitPlace, now: float) -> int:
        """The beat a unit would be sent from now."""
        return place.position if now < place.back_at else place.home

    def _travel(self, place: UnitPlace, origin: int, beat: int, now: float) -> float:
        """Expected travel of a unit from beat ``origin`` to ``beat`` sent now, seconds."""
        border = self._border
        if border is None:
            return place.force.expected_s(origin, beat, now)
        return border.expected_s(origin, beat, now)

    def create(self, incident: int) -> None:
        """A grade 1 or grade 2 incident needs a unit (now): placed in a beat, then dispatched."""
        table = self.incidents
        area = self.areas[table.area[incident]]
        spatial = self._spatial.get(area.index)
        if spatial is None:
            super().create(incident)
            return
        now = self.env.now
        beat = self.beat_of.get(incident)
        if beat is None:
            beat = self.beat_of[incident] = spatial.draw_beat(area.index, now)
        grade1 = table.grade[incident] == _GRADE1
        across = self._across.get(area.index)
        if across and not (area.help_allowed and (grade1 or self._border.grade2)):  # type: ignore[union-attr]
            across = None
        unit = self._choose(spatial, area, beat, now, grade1 and area.help_allowed, across)
        if unit is not None:
            if unit.area is not area:
                table.helped[incident] = True
            unit.area.advance(now)
            unit.area.free.remove(unit)
            self._dispatch(incident, unit, 0.0)
            return
        if grade1 and area.divert_allowed:
            on_grade2 = [u for u in area.busy.values() if table.grade[u.incident] == _GRADE2]
            if on_grade2:
                victim = min(on_grade2, key=lambda u: (self._expected(u, beat, now), u.index))
                self._divert(victim, incident)
                return
        if spatial.lost_when_no_unit:
            self.lost.add(incident)
        elif grade1 and not area.free:
            super()._grade1(incident, area)  # schedule cars where allowed, else the queue
        elif grade1:
            area.grade1_queue.append(incident)  # units free, none on the beat's list
        else:
            area.grade2_queue.append(incident)

    def _expected(self, unit: Unit, beat: int, now: float) -> float:
        place = self.places[unit.index]
        return self._travel(place, self._from(place, now), beat, now)

    def _rank(self, unit: Unit, beat: int, now: float) -> tuple[float, float, int]:
        """A free unit's place in the order of dispatch to ``beat``: nearest first; of
        equally near ones, the one back at its station longest (then the lowest id)."""
        place = self.places[unit.index]
        return (
            self._travel(place, self._from(place, now), beat, now),
            place.back_at,
            unit.index,
        )

    def _choose(
        self,
        spatial: SpatialForce,
        area: AreaState,
        beat: int,
        now: float,
        helped: bool,
        across: list[AreaState] | None = None,
    ) -> Unit | None:
        """The unit to send to ``beat`` now, by the force's rule (None: none free).

        ``across``: other forces' areas whose free units compete with the area's
        own by expected travel (borderless dispatch)."""
        allowed = [area]
        if helped:
            allowed += [n for n in area.neighbours if self._spatial.get(n.index) is spatial]
        if spatial.preferences is not None:
            for station in spatial.preferences[beat - spatial.first_beat]:
                if station.area in allowed:
                    here = [u for u in station.area.free if self.places[u.index].station is station]
                    if here:
                        return min(here, key=lambda u: self._rank(u, beat, now))
            return None
        for group in ([area, *across] if across else [area], allowed[1:]):
            free = [u for a in group for u in a.free]
            if free:
                return min(free, key=lambda u: self._rank(u, beat, now))
        return None

    def _dispatch(self, incident: int, unit: Unit, penalty_s: float) -> None:
        place = self.places.get(unit.index)
        if place is not None:
            now = self.env._now
            if unit.incident >= 0 and now < unit.arrives_at and unit.set_arrival:
                self.origin_of.pop(unit.incident, None)  # diverted before it arrived
            beat = self.beat_of.get(incident, -1)
            table = self.incidents
            spatial = place.force
            target = self._spatial.get(table.area[incident])
            if beat >= 0 and (
                target is spatial or (target is not None and self._border is not None)
            ):
                origin = self._from(place, now)
                expected = self._travel(place, origin, beat, now)
                factor = 1.0
                if spatial.trip_sigma > 0:
                    factor = math.exp(spatial.trip_sigma * spatial.trip.next())
                table.travel[incident] = travel = expected * factor
                if math.isnan(table.arrived[incident]):
                    self.origin_of[incident] = (origin, place.station.index, expected, travel)
                penalty_s = 0.0
                place.position = beat
            else:
                # Across a border with no travel matrix: back home after the job.
                place.position = place.home
            place.back_at = math.inf
        super()._dispatch(incident, unit, penalty_s)

    def _on_clear(self, event: Callback) -> None:
        unit, token = event._value
        place = self.places.get(unit.index)
        if place is None or token != unit.token:
            super()._on_clear(event)
            return
        now = self.env._now
        place.back_at = now + self._travel(place, place.position, place.home, now)
        station = place.station
        if not station.leaving_since:
            super()._on_clear(event)
            return
        # This station's shift is ending: the unit finishes here and goes off duty.
        self.incidents.cleared[unit.incident] = now
        unit.incident = -1
        area = station.area
        area.advance(now)
        del area.busy[unit.index]
        since = station.leaving_since.popleft()
        area.overrun_s += max(0.0, min(now, area.window_end) - max(since, area.window_start))
        self._off_duty_unit(unit, now)

    # ----------------------------------------------------------------- rosters

    def set_station_available(self, station: StationState, count: int) -> None:
        """Change the number of units on duty at ``station`` (a roster change)."""
        now = self.env.now
        area = station.area
        area.advance(now)
        on_duty = station.on_duty - len(station.leaving_since)
        if count > on_duty:
            extra = count - on_duty
            while extra and station.leaving_since:
                station.leaving_since.pop()
                extra -= 1
            for _ in range(extra):
                unit = station.spare.pop() if station.spare else self._new_station_unit(station)
                place = self.places[unit.index]
                place.position, place.back_at, place.on_since = place.home, -math.inf, now
                station.on_duty += 1
                if not self._take_next(unit):
                    area.free.append(unit)
        elif count < on_duty:
            surplus = on_duty - count
            idle = [u for u in area.free if self.places[u.index].station is station][:surplus]
            for unit in idle:
                area.free.remove(unit)
                self._off_duty_unit(unit, now)
            station.leaving_since.extend([now] * (surplus - len(idle)))

    def _new_station_unit(self, station: StationState) -> Unit:
        unit = Unit(len(self.units), station.area)
        self.units.append(unit)
        home = station.home_of_next_unit()
        station.created += 1
        self.places[unit.index] = UnitPlace(
            station=station,
            force=self._spatial[station.area.index],
            label=f"{station.station_id}.{station.created}",
            position=home,
            home=home,
        )
        return unit

    def _off_duty_unit(self, unit: Unit, now: float) -> None:
        place = self.places[unit.index]
        place.present_s += self._in_window(place.station.area, place.on_since, now)
        place.on_since = math.nan
        place.station.on_duty -= 1
        place.station.spare.append(unit)

    @staticmethod
    def _in_window(area: AreaState, start: float, end: float) -> float:
        """Seconds of ``[start, end)`` inside the measured window."""
        return max(0.0, min(end, area.window_end) - max(start, area.window_start))

    def close(self, end_s: float) -> None:
        """Bring unit-second integrals, per-unit duty time and station overruns up to ``end_s``."""
        super().close(end_s)
        for place in self.places.values():
            if not math.isnan(place.on_since):
                place.present_s += self._in_window(place.station.area, place.on_since, end_s)
                place.on_since = end_s
        for station in self.stations:
            for since in station.leaving_since:
                station.area.overrun_s += self._in_window(station.area, since, end_s)

    # ----------------------------------------------------------------- records

    def geography_records(self, scenario: Scenario) -> GeographyRecords:
        """Where every incident and unit was, in the order of the incident records."""
        unit_station = np.full(len(self.units), -1, dtype=np.int64)
        unit_home = np.full(len(self.units), -1, dtype=np.int64)
        unit_present = np.zeros(len(self.units))
        labels = [""] * len(self.units)
        for index, place in self.places.items():
            unit_station[index] = place.station.index
            unit_home[index] = place.home
            unit_present[index] = place.present_s
            labels[index] = place.label
        return GeographyRecords(
            **place_fields(
                scenario,
                self._beats,
                self._travel_day,
                [(station.station_id, station.beat) for station in self.stations],
            ),
            **incident_places(self.incidents, self.beat_of, self.origin_of, self.lost),
            unit_station=unit_station,
            unit_home_beat=unit_home,
            unit_label=labels,
            unit_present_s=unit_present,
        )


__all__ = ["SpatialForce", "SpatialResponseSystem", "StationState", "UnitPlace"]
