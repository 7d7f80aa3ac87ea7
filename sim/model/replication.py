"""One replication of a scenario: sample its inputs, wire the model, run it.

The only module that knows how the parts fit together. It samples every
first-attempt call's attributes up front in numpy (arrival, patience, talk,
wrap-up, redial decision, incident grade and the uniforms behind the incident's
area, travel, on-scene time and call-back), each from its own named stream,
likewise every online report; builds the contact centre, the response areas,
the appointment diaries and the resolution and desk teams; runs the SimPy
environment from the start of the warm-up to the end of the measured period plus
a drain; and returns plain arrays for the metrics layer.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial

import numpy as np
import simpy

from sim.config import (
    CHANNEL_PRIORITY,
    DAY_NAMES,
    MINUTES_PER_WEEK,
    SECONDS_PER_DAY,
    SECONDS_PER_MINUTE,
    Channel,
    OnlineChannel,
    Platform,
    Scenario,
    clock_to_seconds,
)
from sim.model.appointments import AppointmentDiary
from sim.model.contact import CallQueue, CallTable, ContactCentre, PoolState, RedialPolicy
from sim.model.demand import day_factors, rate_segments, sample_arrivals
from sim.model.events import follow_roster, schedule_in_order
from sim.model.incidents import (
    UNIFORMS_PER_INCIDENT,
    ForceIncidents,
    IncidentFactory,
    grade_codes,
)
from sim.model.outages import OUTAGE_STREAM, PlatformClock, sample_outages
from sim.model.response import (
    GRADE1,
    GRADE2,
    SCHEDULED,
    SOURCE_CALL,
    SOURCE_ONLINE,
    AreaState,
    IncidentTable,
    ResponseSystem,
)
from sim.model.streams import Streams, buffered_durations, buffered_uniforms, draw
from sim.model.teams import Team

#: After the measured period no new calls arrive, but the model runs on this
#: long (seconds) so that calls which arrived inside it get answered or abandon
#: and their answer times are known rather than cut off.
DRAIN_S = SECONDS_PER_DAY


@dataclass(frozen=True)
class PoolTotals:
    """Handler-seconds of one pool over the measured period."""

    pool_id: str
    busy_s: float
    present_s: float


@dataclass(frozen=True)
class AreaTotals:
    """Unit-seconds of one response area over the measured period."""

    force: str
    area_id: str
    grade1_target_min: float
    busy_s: float
    present_s: float
    overrun_s: float


@dataclass(frozen=True)
class TeamTotals:
    """Staff-seconds of one team (``resolution`` or ``desk``) over the measured period."""

    force: str
    team: str
    busy_s: float
    present_s: float


@dataclass(frozen=True)
class ReplicationOutput:
    """Everything a replication produced, as plain arrays (no SimPy objects).

    ``calls`` holds one entry per call attempt (first attempts and redials), in
    seconds from the scenario start: ``arrival_s``, ``patience_s``, ``talk_s``,
    ``wrap_s``, ``answered_s`` (NaN if never answered), ``queue`` (index into
    ``queues``), ``attempt`` (0 for a first call), ``caller`` (id of the caller's
    first call), ``pool`` (index into ``pools``, -1 if not answered) and
    ``outcome`` (0 answered, 1 abandoned, 2 still waiting at the end).

    ``incidents`` holds one entry per incident, times in seconds: ``created``,
    ``graded_at`` (when it got its final grade: later than ``created`` only for an
    escalated call-back), ``dispatched``, ``arrived`` (first unit on scene, or the
    appointment), ``cleared``, ``callback_start``, ``appointment_s`` (NaN where
    they did not happen), ``force`` (index into ``forces``), ``area`` (index into
    ``areas``, -1 if none), ``grade`` (final), ``first_grade``, ``source`` (0 call,
    1 online), ``source_id``, ``unit`` (first unit on scene), ``diverted``,
    ``helped``, ``escalated``, ``appointment_slot`` and ``appointment_car``.
    ``assignments`` lists every unit sent to an incident: ``incident``, ``unit``,
    ``start`` and ``end`` (cleared, or diverted). ``online`` holds the online
    reports' ``arrival_s`` and ``force``.

    With a platform (``platform``, its name): ``outages`` holds the outage
    windows' ``start_s`` and ``end_s`` (seconds) when the platform has outages;
    when talk times may change in time (outages, learning curve), ``calls``
    also holds ``sampled_talk_s`` and ``talk_multiplier`` (``talk_s`` is the
    handled talk time, the sampled one times the multiplier). ``incidents``
    holds ``unit_force`` (force index of the first unit on scene, -1 if none).
    """

    scenario: str
    replication: int
    seed: int
    horizon_s: float
    warmup_s: float
    end_s: float
    queues: list[tuple[str, str]]
    targets_s: list[float]
    calls: dict[str, np.ndarray]
    pools: list[PoolTotals]
    events: int
    forces: list[str] = field(default_factory=list)
    grade2_target_min: list[float] = field(default_factory=list)
    areas: list[AreaTotals] = field(default_factory=list)
    teams: list[TeamTotals] = field(default_factory=list)
    incidents: dict[str, np.ndarray] = field(default_factory=dict)
    assignments: dict[str, np.ndarray] = field(default_factory=dict)
    online: dict[str, np.ndarray] = field(default_factory=dict)
    platform: str = ""
    outages: dict[str, np.ndarray] = field(default_factory=dict)


#: Names of the call outcome codes 0, 1 and 2 in ``ReplicationOutput.calls["outcome"]``.
OUTCOME_NAMES = ("answered", "abandoned", "waiting")


def _stream(kind: str, force: str, channel: str, warmup: bool) -> str:
    return f"{'warmup/' if warmup else ''}{kind}/{force}/{channel}"


def _first_attempts(
    channel: Channel,
    force_id: str,
    channel_id: str,
    queue_index: int,
    streams: Streams,
    start_s: float,
    end_s: float,
    busyness: dict[int, float],
    warmup: bool,
) -> dict[str, np.ndarray]:
    """Sample the first-attempt calls of one channel over ``[start_s, end_s)``."""

    def stream(kind: str) -> np.random.Generator:
        return streams[_stream(kind, force_id, channel_id, warmup)]

    edges, rates = rate_segments(channel, start_s, end_s, busyness)
    arrival = sample_arrivals(edges, rates, stream("arrivals"))
    n = len(arrival)
    patience = (
        draw(channel.patience, stream("patience"), n)
        if channel.patience is not None
        else np.full(n, math.inf)
    )
    redial = channel.redial
    may_redial = (
        stream("redial").random(n) < redial.probability
        if redial is not None and redial.max_attempts > 1
        else np.zeros(n, dtype=bool)
    )
    return {
        "arrival": arrival,
        "patience": patience,
        "talk": draw(channel.handling, stream("handling"), n),
        "wrap": draw(channel.wrap_up, stream("wrap_up"), n),
        "queue": np.full(n, queue_index, dtype=np.int64),
        "may_redial": may_redial,
        "grade": grade_codes(channel.grading.shares(), stream("grading").random(n)),
        "grading_delay": draw(channel.grading_delay, stream("grading_delay"), n),
        "incident_u": stream("incident").random((n, UNIFORMS_PER_INCIDENT)),
    }


def _online_reports(
    online: OnlineChannel,
    force_id: str,
    force_index: int,
    streams: Streams,
    start_s: float,
    end_s: float,
    busyness: dict[int, float],
    warmup: bool,
) -> dict[str, np.ndarray]:
    """Sample one force's online reports over ``[start_s, end_s)``."""

    def stream(kind: str) -> np.random.Generator:
        return streams[_stream(kind, force_id, "online", warmup)]

    edges, rates = rate_segments(online, start_s, end_s, busyness)
    arrival = sample_arrivals(edges, rates, stream("arrivals"))
    n = len(arrival)
    review = online.desk_review.review if online.desk_review is not None else None
    return {
        "arrival": arrival,
        "force": np.full(n, force_index, dtype=np.int64),
        "grade": grade_codes(online.grading.shares(), stream("grading").random(n)),
        "review_s": draw(review, stream("review"), n) if review is not None else np.zeros(n),
        "incident_u": stream("incident").random((n, UNIFORMS_PER_INCIDENT)),
    }


def roster_changes(
    available_per_minute: np.ndarray, start_s: float, end_s: float
) -> list[tuple[float, int]]:
    """Times (seconds) at which a weekly per-minute staffing changes over ``[start_s, end_s)``.

    The first entry is at ``start_s`` with the staffing then in force.
    """
    first_minute = math.floor(start_s / SECONDS_PER_MINUTE)
    last_minute = math.ceil(end_s / SECONDS_PER_MINUTE)
    minutes = np.arange(first_minute, last_minute)
    values = available_per_minute[minutes % MINUTES_PER_WEEK]
    changed = np.flatnonzero(np.diff(values)) + 1
    changes = [(float(start_s), int(values[0]))]
    changes.extend(
        (float(minutes[i] * SECONDS_PER_MINUTE), int(values[i])) for i in changed.tolist()
    )
    return changes


def build_queues_and_pools(scenario: Scenario) -> tuple[list[CallQueue], list[PoolState]]:
    """One queue per (force, channel), 999 first, and the pools wired to them."""
    queues: list[CallQueue] = []
    by_ref: dict[str, CallQueue] = {}
    for force_id, force in scenario.forces.items():
        for channel_id in sorted(force.channels, key=CHANNEL_PRIORITY.__getitem__):
            queue = CallQueue(len(queues), force_id, channel_id, CHANNEL_PRIORITY[channel_id])
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


def _busyness(
    demand: Channel | OnlineChannel,
    force_id: str,
    channel_id: str,
    streams: Streams,
    first_day: int,
    end_day: int,
) -> dict[int, float]:
    return day_factors(
        demand.overdispersion_cv,
        first_day,
        end_day,
        streams[_stream("busyness", force_id, channel_id, False)],
        streams[_stream("busyness", force_id, channel_id, True)],
    )


def _merge_in_time_order(batches: list[dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    """Concatenate sampled batches and sort them by arrival time (stable)."""
    merged = {key: np.concatenate([b[key] for b in batches]) for key in batches[0]}
    order = np.argsort(merged["arrival"], kind="stable")
    return {key: values[order] for key, values in merged.items()}


def _periods(warmup_s: float, horizon_s: float) -> list[tuple[bool, float, float]]:
    """The warm-up and the measured period as ``(is_warmup, start, end)``, seconds."""
    periods = [(True, -warmup_s, 0.0), (False, 0.0, horizon_s)]
    return [(warmup, start, end) for warmup, start, end in periods if end > start]


def _redial_policy(channel: Channel, queue: CallQueue, streams: Streams) -> RedialPolicy | None:
    redial = channel.redial
    if redial is None:
        return None

    def stream(kind: str) -> np.random.Generator:
        return streams[f"redial/{kind}/{queue.force}/{queue.channel}"]

    grade_u = buffered_uniforms(stream("grading"))
    shares = channel.grading.shares()
    return RedialPolicy(
        probability=redial.probability,
        max_attempts=redial.max_attempts,
        decide=buffered_uniforms(stream("decide")),
        delay=buffered_durations(redial.delay, stream("delay")),
        patience=buffered_durations(channel.patience, stream("patience")),
        talk=buffered_durations(channel.handling, stream("handling")),
        wrap=buffered_durations(channel.wrap_up, stream("wrap_up")),
        grade=lambda: int(grade_codes(shares, np.array([grade_u()]))[0]),
        grading_delay=buffered_durations(channel.grading_delay, stream("grading_delay")),
    )


def _build_response(
    scenario: Scenario, env: simpy.Environment
) -> tuple[list[AreaState], list[ForceIncidents]]:
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
                GRADE1: policy.on_scene.grade1,
                GRADE2: policy.on_scene.grade2,
                SCHEDULED: policy.on_scene.scheduled or policy.on_scene.grade2,
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


@dataclass
class _SampledCalls:
    """The contact centre of one replication before it runs: queues, pools and calls."""

    queues: list[CallQueue]
    pools: list[PoolState]
    calls: CallTable
    incident_u: np.ndarray
    redials: dict[int, RedialPolicy]
    targets_s: list[float]


def _sample_calls(scenario: Scenario, streams: Streams, days: tuple[int, int]) -> _SampledCalls:
    """Queues, pools and every first-attempt call, sampled up front in arrival order."""
    queues, pools = build_queues_and_pools(scenario)
    batches: list[dict[str, np.ndarray]] = []
    redials: dict[int, RedialPolicy] = {}
    targets: list[float] = []
    for queue in queues:
        force = scenario.forces[queue.force]
        channel = force.channels[queue.channel]  # type: ignore[index]
        targets.append(force.target_s(queue.channel))
        busyness = _busyness(channel, queue.force, queue.channel, streams, *days)
        for warmup, start, end in _periods(scenario.warmup_s, scenario.horizon_s):
            batches.append(
                _first_attempts(
                    channel, queue.force, queue.channel, queue.index,
                    streams, start, end, busyness, warmup,
                )
            )  # fmt: skip
        policy = _redial_policy(channel, queue, streams)
        if policy is not None:
            redials[queue.index] = policy
    sampled = _merge_in_time_order(batches)
    incident_u = sampled.pop("incident_u")
    calls = CallTable()
    calls.extend(**sampled)
    return _SampledCalls(queues, pools, calls, incident_u, redials, targets)


def _wire_response(
    scenario: Scenario,
    env: simpy.Environment,
    roster_window: tuple[float, float],
    delay_factor: Callable[[float], float] | None = None,
) -> tuple[list[AreaState], ResponseSystem, IncidentFactory, list[tuple[str, str, Team]]]:
    """Areas, units on their rosters, schedule cars and resolution teams, ready to run.

    ``delay_factor`` multiplies the dispatch delay of a unit sent at a given time
    (a platform's degraded mode); ``None`` for none.
    """
    incidents = IncidentTable()
    areas, force_settings = _build_response(scenario, env)
    forces = list(scenario.forces.values())
    response = ResponseSystem(
        env,
        areas,
        incidents,
        [f.response.dispatch_delay_s if f.response else 0.0 for f in forces],
        {i: f.appointments.cars for i, f in enumerate(forces) if f.appointments is not None},
        delay_factor,
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
    area_configs = [area for force in forces for area in force.areas.values()]
    for state, config in zip(areas, area_configs, strict=True):
        follow_roster(
            env,
            roster_changes(config.units.staff_per_minute(), *roster_window),
            partial(response.set_available, state),
        )
    return areas, response, factory, teams


def _grading_hook(
    sampled: _SampledCalls, streams: Streams, factory: IncidentFactory, scenario: Scenario
) -> Callable[[int], None]:
    """What happens when a handled call is graded: its incident is created and routed.

    First attempts use the incident uniforms sampled with them; redials draw
    theirs from a stream of their own, in the order they are graded.
    """
    calls = sampled.calls
    force_index = {force_id: i for i, force_id in enumerate(scenario.forces)}
    queue_force = [force_index[q.force] for q in sampled.queues]
    redial_u = {
        q.index: buffered_uniforms(streams[f"redial/incident/{q.force}/{q.channel}"])
        for q in sampled.queues
    }
    first_attempts = len(calls)

    def on_graded(call: int) -> None:
        queue = calls.queue[call]
        if call < first_attempts:
            u = sampled.incident_u[call]
        else:
            u = [redial_u[queue]() for _ in range(UNIFORMS_PER_INCIDENT)]
        factory.create(queue_force[queue], calls.grade[call], SOURCE_CALL, call, u)

    return on_graded


def _wire_online(
    scenario: Scenario,
    env: simpy.Environment,
    streams: Streams,
    factory: IncidentFactory,
    days: tuple[int, int],
    roster_window: tuple[float, float],
) -> tuple[dict[str, np.ndarray], list[tuple[str, str, Team]]]:
    """Online reports sampled and scheduled, with desk teams where forces have them.

    Reports take no call-handler time: each becomes an incident at once, or
    when a desk reviewer has looked at it.
    """
    force_index = {force_id: i for i, force_id in enumerate(scenario.forces)}
    batches = []
    for force_id, force in scenario.forces.items():
        if force.online is None:
            continue
        busyness = _busyness(force.online, force_id, "online", streams, *days)
        for warmup, start, end in _periods(scenario.warmup_s, scenario.horizon_s):
            batches.append(
                _online_reports(
                    force.online, force_id, force_index[force_id], streams,
                    start, end, busyness, warmup,
                )
            )  # fmt: skip
    if not batches:
        return {}, []
    online = _merge_in_time_order(batches)

    def report_reviewed(report: int) -> None:
        if online["grade"][report] >= 0:
            factory.create(
                int(online["force"][report]),
                int(online["grade"][report]),
                SOURCE_ONLINE,
                report,
                online["incident_u"][report],
            )

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

    def report_arrives(report: int) -> None:
        desk = desks.get(int(online["force"][report]))
        if desk is not None:
            desk.submit(report, float(online["review_s"][report]))
        else:
            report_reviewed(report)

    schedule_in_order(env, online["arrival"].tolist(), report_arrives)
    return online, teams


def run_replication(
    scenario: Scenario,
    replication: int,
    seed: int | None = None,
    platform: Platform | None = None,
) -> ReplicationOutput:
    """Simulate one replication of a prepared scenario.

    Parameters
    ----------
    scenario
        The validated scenario, its platform's static changes already made
        (:class:`sim.runs.plan.PlannedScenario` prepares it once per plan).
    replication
        Replication number, from 0; with the seed it fixes every random stream.
    seed
        Base seed; defaults to the scenario's.
    platform
        The platform the scenario runs on, for its outages and learning curve.

    Raises
    ------
    ValueError
        If the scenario still names a platform: it has not been prepared.
    """
    if scenario.platform is not None:
        raise ValueError(
            f"scenario {scenario.name!r} names platform {scenario.platform.name!r} but it has "
            "not been applied; run it through sim.runs (PlannedScenario.of prepares it)"
        )
    seed = scenario.seed if seed is None else seed
    streams = Streams(seed, replication)
    warmup_s, horizon_s = scenario.warmup_s, scenario.horizon_s
    end_s = horizon_s + DRAIN_S
    days = (math.floor(-warmup_s / SECONDS_PER_DAY), math.ceil(horizon_s / SECONDS_PER_DAY))
    roster_window = (-warmup_s, end_s)
    env = simpy.Environment(initial_time=-warmup_s)

    clock: PlatformClock | None = None
    outages: dict[str, np.ndarray] = {}
    if platform is not None and (
        platform.outages is not None or platform.learning_curve is not None
    ):
        starts, ends = sample_outages(platform, streams[OUTAGE_STREAM], -warmup_s, end_s)
        clock = PlatformClock(platform, starts, ends)
        if platform.outages is not None:
            outages = {"start_s": starts, "end_s": ends}
    handling_factor = clock.handling_factor if clock and clock.changes_handling else None
    delay_factor = clock.dispatch_factor if clock and clock.changes_dispatch else None

    sampled = _sample_calls(scenario, streams, days)
    areas, response, factory, teams = _wire_response(scenario, env, roster_window, delay_factor)
    online, desks = _wire_online(scenario, env, streams, factory, days, roster_window)
    teams += desks
    centre = ContactCentre(
        env,
        sampled.queues,
        sampled.pools,
        sampled.calls,
        sampled.redials,
        redial_cutoff=horizon_s,
        on_graded=_grading_hook(sampled, streams, factory, scenario),
        handling_factor=handling_factor,
    )
    centre.start(
        [
            roster_changes(config.available_per_minute(), *roster_window)
            for config in scenario.handler_pools.values()
        ]
    )
    events = run_counting(env, end_s)
    for pool in sampled.pools:
        pool.advance(end_s)
    response.close(end_s)
    for _, _, team in teams:
        team.close(end_s)

    force_ids = list(scenario.forces)
    calls = _call_arrays(sampled.calls, end_s)
    if handling_factor is not None:
        talk = calls["talk_s"]
        sampled_talk = talk.copy()
        factor = np.ones(len(talk))
        if centre.talk_factor:
            changed = np.fromiter(centre.talk_factor, dtype=np.int64)
            sampled_talk[changed] = [centre.sampled_talk[c] for c in changed.tolist()]
            factor[changed] = [centre.talk_factor[c] for c in changed.tolist()]
        calls["sampled_talk_s"] = sampled_talk
        calls["talk_multiplier"] = factor
    incidents = _incident_arrays(response.incidents)
    unit_force = np.array(
        [u.area.force if u.area is not None else u.cars.force for u in response.units]  # type: ignore[union-attr]
        + [-1],
        dtype=np.int64,
    )
    incidents["unit_force"] = unit_force[incidents["unit"]]
    return ReplicationOutput(
        scenario=scenario.name,
        replication=replication,
        seed=seed,
        horizon_s=horizon_s,
        warmup_s=warmup_s,
        end_s=end_s,
        queues=[(q.force, q.channel) for q in sampled.queues],
        targets_s=sampled.targets_s,
        calls=calls,
        pools=[PoolTotals(p.pool_id, p.busy_s, p.present_s) for p in sampled.pools],
        events=events,
        forces=force_ids,
        grade2_target_min=[f.grade2_target_min() for f in scenario.forces.values()],
        areas=[
            AreaTotals(
                force=force_ids[a.force],
                area_id=a.area_id,
                grade1_target_min=scenario.forces[force_ids[a.force]].grade1_target_min(a.area_id),
                busy_s=a.busy_s,
                present_s=a.present_s,
                overrun_s=a.overrun_s,
            )
            for a in areas
        ],
        teams=[TeamTotals(f, kind, t.busy_s, t.present_s) for f, kind, t in teams],
        incidents=incidents,
        assignments={
            "incident": np.asarray(response.assignment_incident, dtype=np.int64),
            "unit": np.asarray(response.assignment_unit, dtype=np.int64),
            "start": np.asarray(response.assignment_start, dtype=float),
            "end": np.asarray(response.assignment_end, dtype=float),
        },
        online={
            "arrival_s": online.get("arrival", np.empty(0)),
            "force": online.get("force", np.empty(0, dtype=np.int64)),
        },
        platform=platform.name if platform is not None else "",
        outages=outages,
    )


def _incident_arrays(incidents: IncidentTable) -> dict[str, np.ndarray]:
    integer = {"force", "area", "grade", "first_grade", "source", "source_id", "unit",
               "appointment_slot", "appointment_car", "escalate_to"}  # fmt: skip
    boolean = {"diverted", "helped", "escalated"}
    arrays = {}
    for name in IncidentTable.FIELDS:
        values = getattr(incidents, name)
        dtype = np.int64 if name in integer else bool if name in boolean else float
        arrays[name] = np.asarray(values, dtype=dtype)
    return arrays


def run_counting(env: simpy.Environment, until: float = math.inf) -> int:
    """Run the environment up to ``until`` (seconds); return how many events it processed.

    Like ``env.run(until)``: events at exactly ``until`` are not processed. With
    no ``until``, runs until no event is left.
    """
    events = 0
    step, peek = env.step, env.peek
    while peek() < until:
        step()
        events += 1
    return events


def _call_arrays(calls: CallTable, end_s: float) -> dict[str, np.ndarray]:
    arrival = np.asarray(calls.arrival)
    deadline = np.asarray(calls.deadline)
    answered = np.asarray(calls.answered)
    served_by = np.asarray(calls.served_by, dtype=np.int64)
    outcome = np.where(served_by >= 0, 0, np.where(deadline <= end_s, 1, 2)).astype(np.int8)
    return {
        "arrival_s": arrival,
        "patience_s": deadline - arrival,
        "talk_s": np.asarray(calls.talk),
        "wrap_s": np.asarray(calls.wrap),
        "answered_s": answered,
        "queue": np.asarray(calls.queue, dtype=np.int64),
        "attempt": np.asarray(calls.attempt, dtype=np.int64),
        "caller": np.asarray(calls.caller, dtype=np.int64),
        "pool": served_by,
        "outcome": outcome,
    }
