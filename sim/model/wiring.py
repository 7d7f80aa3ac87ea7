"""Wiring one replication's model on a SimPy environment: who is connected to whom.

Queues and the handler pools that serve them (by each channel's priority
rank: 999 first); response areas of every force with their neighbours,
linked both ways (across forces only where both forces allow it); units,
resolution teams and desk reviewers following their rosters; schedule-car
diaries; and the hooks by which a graded call or a reviewed online report
becomes an incident.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import numpy as np
import simpy

from sim.config import (
    DAY_NAMES,
    SECONDS_PER_MINUTE,
    Platform,
    Scenario,
    clock_to_seconds,
)
from sim.model.appointments import AppointmentDiary
from sim.model.contact import CallQueue, GradingHook, PoolState
from sim.model.events import Arrivals, follow_roster, roster_changes
from sim.model.incident_table import IncidentTable
from sim.model.incidents import (
    UNIFORMS_PER_INCIDENT,
    ForceIncidents,
    IncidentFactory,
    RedialAttributes,
)
from sim.model.multi_unit import response_system
from sim.model.outages import PlatformClock
from sim.model.records import Grade, IncidentSource
from sim.model.response import AreaState, ResponseSystem
from sim.model.sampling import SampledCalls, travel_by_grade
from sim.model.spatial import SpatialResponseSystem
from sim.model.streams import Streams
from sim.model.teams import Team


def build_queues_and_pools(scenario: Scenario) -> tuple[list[CallQueue], list[PoolState]]:
    """One queue per (force, channel) in priority order, and the pools wired to them.

    Each pool groups the queues it serves by their channel's ``priority`` rank
    (999: 0, 101: 1 unless configured): a free handler takes the oldest caller
    of the lowest rank with anyone waiting, so queues of equal rank (two
    forces' 999, or two channels given one rank) are answered in order of
    arrival across them.
    """
    queues: list[CallQueue] = []
    by_ref: dict[str, CallQueue] = {}
    for force_id, force in scenario.forces.items():
        for channel_id in sorted(force.channels, key=force.priority_of):
            queue = CallQueue(len(queues), force_id, channel_id, force.priority_of(channel_id))
            queues.append(queue)
            by_ref[f"{force_id}/{channel_id}"] = queue
    pools: list[PoolState] = []
    for pool_id, pool_config in scenario.handler_pools.items():
        pool = PoolState(len(pools), pool_id, 0.0, scenario.horizon_s)
        served: dict[str, CallQueue] = {}
        for ref in pool_config.serves:
            resolved = scenario.resolve_channel_ref(ref)
            assert resolved is not None, "validated by Scenario"
            served[resolved] = by_ref[resolved]
        for priority in sorted({q.priority for q in served.values()}):
            pool.queue_groups.append([q for q in served.values() if q.priority == priority])
        for queue in served.values():
            queue.pools.append(pool)
        pools.append(pool)
    return queues, pools


def _build_areas(scenario: Scenario) -> tuple[list[AreaState], list[ForceIncidents]]:
    """Areas of every force (neighbours linked both ways) and per-force incident settings."""
    areas: list[AreaState] = []
    settings: list[ForceIncidents] = []
    by_ref: dict[str, AreaState] = {}
    for force_index, (force_id, force) in enumerate(scenario.forces.items()):
        policy = force.response
        mine: dict[str, AreaState] = {}
        for area_id, area in force.areas.items():
            state = AreaState(
                index=len(areas),
                area_id=area_id,
                force=force_index,
                window_start=0.0,
                window_end=scenario.horizon_s,
                help_penalty_s=area.help_penalty_s,
                help_allowed=bool(policy and policy.help_from_neighbours),
                divert_allowed=bool(policy and policy.divert_from_grade2),
                divert_scheduled_allowed=bool(policy and policy.divert_from_scheduled),
            )
            mine[area_id] = state
            by_ref[f"{force_id}/{area_id}"] = state
            areas.append(state)
        for area_id, area in force.areas.items():
            for neighbour in area.neighbours:
                if "/" in neighbour:
                    continue  # another force's area: linked below, if both allow it
                a, b = mine[area_id], mine[neighbour]
                if b not in a.neighbours:
                    a.neighbours.append(b)
                if a not in b.neighbours:
                    b.neighbours.append(a)
        on_scene = {}
        if policy is not None:
            on_scene = {
                Grade.GRADE1: policy.on_scene.grade1,
                Grade.GRADE2: policy.on_scene.grade2,
                Grade.SCHEDULED: policy.on_scene.scheduled or policy.on_scene.grade2,
            }
        diary = None
        if force.appointments is not None:
            book = force.appointments
            diary = AppointmentDiary(
                cars=book.cars,
                day_start_s=clock_to_seconds(book.start),
                day_end_s=clock_to_seconds(book.end),
                slot_s=book.slot_minutes * SECONDS_PER_MINUTE,
                lead_s=book.lead_time_hours * 3600.0,
                working_days=[DAY_NAMES.index(day) for day in book.days],
            )
        escalation = force.resolution.escalation if force.resolution else None
        settings.append(
            ForceIncidents(
                index=force_index,
                force_id=force_id,
                areas=list(mine.values()),
                cumulative_shares=np.cumsum([a.share for a in force.areas.values()]),
                travel=[a.travel for a in force.areas.values()],
                travel_by_grade=[travel_by_grade(a) for a in force.areas.values()],
                on_scene=on_scene,
                escalation=(escalation.grade2, escalation.scheduled) if escalation else (0.0, 0.0),
                callback=force.resolution.callback if force.resolution else None,
                diary=diary,
            )
        )
    _link_across_forces(scenario, by_ref)
    return areas, settings


def _link_across_forces(scenario: Scenario, by_ref: dict[str, AreaState]) -> None:
    """Link neighbours named ``FORCE/AREA`` both ways, where both forces help across forces."""

    def across(force_id: str) -> bool:
        policy = scenario.forces[force_id].response
        return bool(policy and policy.help_from_neighbours and policy.help_across_forces)

    for force_id, force in scenario.forces.items():
        for area_id, area in force.areas.items():
            for neighbour in area.neighbours:
                other = neighbour.partition("/")[0]
                if "/" not in neighbour or not (across(force_id) and across(other)):
                    continue
                a, b = by_ref[f"{force_id}/{area_id}"], by_ref[neighbour]
                if b not in a.neighbours:
                    a.neighbours.append(b)
                if a not in b.neighbours:
                    b.neighbours.append(a)


def wire_response(
    scenario: Scenario,
    env: simpy.Environment,
    roster_window: tuple[float, float],
    delay_factor: Callable[[float], float] | None = None,
    streams: Streams | None = None,
) -> tuple[list[AreaState], ResponseSystem, IncidentFactory, list[tuple[str, str, Team]]]:
    """Areas, units on their rosters, schedule cars and resolution teams, ready to run.

    ``delay_factor`` multiplies the dispatch delay of a unit sent at a given time
    (a platform's degraded mode); ``None`` for none. ``streams`` are the
    replication's, for forces with geography (beats and trip times) and the
    optional mechanisms (multi-unit jobs); ``None`` only for a dry build.
    """
    incidents = IncidentTable()
    areas, force_settings = _build_areas(scenario)
    forces = list(scenario.forces.values())
    response_args = (
        env,
        areas,
        incidents,
        [f.response.dispatch_delay_s if f.response else 0.0 for f in forces],
        {i: f.appointments.cars for i, f in enumerate(forces) if f.appointments is not None},
        delay_factor,
    )
    spatial = any(f.geography is not None for f in forces)
    response = (
        SpatialResponseSystem(*response_args, scenario, streams or Streams(scenario.seed, 0))
        if spatial
        else response_system(scenario, streams, *response_args)
    )
    factory = IncidentFactory(env, incidents, response, force_settings)
    teams: list[tuple[str, str, Team]] = []
    for settings, (force_id, force) in zip(force_settings, scenario.forces.items(), strict=True):
        if force.resolution is not None:
            team = Team(
                env,
                f"{force_id}/resolution",
                (0.0, scenario.horizon_s),
                factory.callback_started,
                factory.callback_finished,
            )
            settings.resolution_team = team
            teams.append((force_id, "resolution", team))
            changes = roster_changes(force.resolution.available_per_minute(), *roster_window)
            follow_roster(env, changes, team.set_available)
    area_configs = [(area, f) for f in forces for area in f.areas.values()]
    for state, (config, force) in zip(areas, area_configs, strict=True):
        if force.geography is not None:
            continue  # its stations' rosters put its units on duty
        follow_roster(
            env,
            roster_changes(config.units.staff_per_minute(), *roster_window),
            partial(response.set_available, state),
        )
    if isinstance(response, SpatialResponseSystem):
        response.follow_station_rosters(roster_window)
    return areas, response, factory, teams


def grading_hook(
    sampled: SampledCalls,
    streams: Streams,
    factory: IncidentFactory,
    scenario: Scenario,
    end_s: float,
) -> GradingHook:
    """What happens when a handled call is graded: its incident is created and routed.

    First attempts' incidents are reserved now, their attributes drawn as
    vectors from the uniforms sampled with the calls; one that goes nowhere (no
    deployment) is recorded when its call is answered, if its grading time is
    before ``end_s`` (seconds, the end of the run). Redials draw theirs from a
    stream of their own, in the order they are graded.
    """
    calls = sampled.calls
    force_index = {force_id: i for i, force_id in enumerate(scenario.forces)}
    queue_force = [force_index[q.force] for q in sampled.queues]
    first_attempts = len(calls)
    row_of_call = factory.reserve(
        np.asarray(queue_force, dtype=np.int64)[calls.column("queue")],
        calls.column("grade"),
        IncidentSource.CALL,
        sampled.incident_u,
    ).tolist()
    redial_attributes = {
        q.index: RedialAttributes(
            factory.forces[queue_force[q.index]],
            streams[f"redial/incident/{q.force}/{q.channel}"],
        )
        for q in sampled.queues
    }
    switched_attributes = {
        q.index: RedialAttributes(
            factory.forces[queue_force[q.index]],
            streams[f"choice/switched_incident/{q.force}/{q.channel}"],
        )
        for q in sampled.queues
    }

    def graded(call: int) -> None:
        if call < first_attempts:
            factory.open(row_of_call[call])
            return
        queue, grade = calls.queue[call], calls.grade[call]
        if call in calls.switched_from:  # a 101 caller's switch to 999: a stream of its own
            attributes = switched_attributes[queue](grade)
        else:
            attributes = redial_attributes[queue](grade)
        factory.create(queue_force[queue], grade, IncidentSource.CALL, call, attributes)

    def recorded(call: int, graded_s: float) -> None:
        if graded_s < end_s:
            factory.record(row_of_call[call], graded_s)

    return GradingHook(graded, recorded, frozenset({Grade.NO_DEPLOYMENT}))


def wire_online(
    scenario: Scenario,
    env: simpy.Environment,
    online: dict[str, np.ndarray],
    factory: IncidentFactory,
    roster_window: tuple[float, float],
    arrivals: Arrivals,
) -> list[tuple[str, str, Team]]:
    """Sampled online reports added to ``arrivals``, with desk teams where forces have them.

    Reports take no call-handler time: each becomes an incident at once, or
    when a desk reviewer has looked at it. Returns the desk teams.
    """
    if not online:
        return []
    force_index = {force_id: i for i, force_id in enumerate(scenario.forces)}
    grade = online["grade"]
    row_of_report_array = factory.reserve(
        online["force"], grade, IncidentSource.ONLINE, online["incident_u"]
    )
    row_of_report = row_of_report_array.tolist()

    def report_reviewed(report: int) -> None:
        row = row_of_report[report]
        if row >= 0:
            factory.open(row)

    desks: dict[int, Team] = {}
    teams: list[tuple[str, str, Team]] = []
    for force_id, force in scenario.forces.items():
        if force.online is None or force.online.desk_review is None:
            continue
        desk = Team(
            env, f"{force_id}/desk", (0.0, scenario.horizon_s), lambda _r: None, report_reviewed
        )
        desks[force_index[force_id]] = desk
        teams.append((force_id, "desk", desk))
        changes = roster_changes(force.online.desk_review.available_per_minute(), *roster_window)
        follow_roster(env, changes, desk.set_available)

    report_force = online["force"].tolist()
    review_s = online["review_s"].tolist()

    def report_arrives(report: int) -> None:
        desk = desks.get(report_force[report])
        if desk is not None:
            desk.submit(report, review_s[report])
        else:
            report_reviewed(report)

    # A report that opens no incident and goes to no desk changes nothing when it
    # arrives (its record is the sampled arrival): such reports need no handler.
    if desks or (row_of_report_array >= 0).any():
        arrivals.add(online["arrival"], report_arrives)
    return teams


def dry_build(scenario: Scenario, platform: Platform | None = None) -> None:
    """Wire a prepared scenario's model on a SimPy environment without simulating.

    What ``demandsim validate`` and ``run`` do before anything is simulated, so
    that a scenario the model cannot be built from is found at once: the
    queues and the pools serving them, the response areas with their units on
    their rosters, the appointment diaries, the resolution and desk teams, and
    the platform's clock. Nothing is sampled and no event is processed; the
    rosters are followed over the first hour only, so it costs milliseconds.

    Raises
    ------
    Exception
        Whatever the model's constructors raise (the caller reports it).
    """
    env = simpy.Environment(initial_time=0.0)
    window = (0.0, 3600.0)
    build_queues_and_pools(scenario)
    _, _, factory, _ = wire_response(scenario, env, window)
    no_reports = {key: np.empty(0) for key in ("arrival", "force", "grade", "review_s")}
    no_reports["incident_u"] = np.empty((0, UNIFORMS_PER_INCIDENT))
    wire_online(scenario, env, no_reports, factory, window, Arrivals())
    for pool in scenario.handler_pools.values():
        roster_changes(pool.available_per_minute(), *window)
    if platform is not None:
        PlatformClock(platform, np.empty(0), np.empty(0))
