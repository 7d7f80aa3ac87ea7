"""One replication of a scenario: sample its inputs, wire the model, run it.

The only module that knows how the parts fit together. ``sampling`` draws every
first-attempt call and online report up front, each from its own named stream;
``wiring`` builds the contact centre's queues and pools, the response areas,
the appointment diaries and the resolution and desk teams on their rosters;
this module runs the SimPy environment from the start of the warm-up to the end
of the measured period plus a drain, with the platform's outages and learning
curve in time, and returns typed records (``sim.model.records``) for the
metrics layer. The platform's static changes are made before the model sees
the scenario (:class:`sim.runs.plan.PlannedScenario` applies them once).
"""

from __future__ import annotations

import math

import numpy as np
import simpy

from sim.config import SECONDS_PER_DAY, Platform, Scenario
from sim.model.call_table import CallTable
from sim.model.callbacks import ReactiveCentre
from sim.model.contact import ContactCentre
from sim.model.events import Arrivals, roster_changes, run_counting
from sim.model.mechanism_records import mechanism_records
from sim.model.outages import OUTAGE_STREAM, PlatformClock, sample_outages
from sim.model.rcrp import attach_rcrp
from sim.model.reactions import caller_choices
from sim.model.records import (
    AreaTotals,
    CallOutcome,
    CallRecords,
    IncidentRecords,
    OnlineReports,
    OutageRecords,
    ReplicationOutput,
    TeamTotals,
    UnitAssignments,
)
from sim.model.response import ResponseSystem
from sim.model.sampling import decision_delays, sample_calls, sample_online
from sim.model.spatial import SpatialResponseSystem
from sim.model.streams import Streams
from sim.model.wiring import build_queues_and_pools, grading_hook, wire_online, wire_response

#: After the measured period no new calls arrive, but the model runs on this
#: long (seconds) so that calls which arrived inside it get answered or abandon
#: and their answer times are known rather than cut off.
DRAIN_S = SECONDS_PER_DAY


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

    queues, pools = build_queues_and_pools(scenario)
    sampled = sample_calls(scenario, queues, pools, streams, days)
    areas, response, factory, teams = wire_response(
        scenario, env, roster_window, delay_factor, streams
    )
    response.decision_delay = decision_delays(scenario, streams)
    online = sample_online(scenario, streams, days)
    arrivals = Arrivals()
    teams += wire_online(scenario, env, online, factory, roster_window, arrivals)
    choices = caller_choices(scenario, sampled, streams, factory)
    centre = (ReactiveCentre if choices else ContactCentre)(
        env,
        sampled.queues,
        sampled.pools,
        sampled.calls,
        sampled.redials,
        redial_cutoff=horizon_s,
        on_graded=grading_hook(sampled, streams, factory, scenario, end_s),
        handling_factor=handling_factor,
        **({"choices": choices} if choices else {}),
    )
    desk = attach_rcrp(
        scenario, streams, factory, sampled.calls.queue, [q.channel for q in sampled.queues]
    )
    centre.start(
        [
            roster_changes(config.available_per_minute(), *roster_window)
            for config in scenario.handler_pools.values()
        ],
        arrivals,
    )
    events = run_counting(env, end_s, arrivals)
    response.close(end_s)
    for _, _, team in teams:
        team.close(end_s)

    force_ids = list(scenario.forces)
    talk_changes = None
    if handling_factor is not None:
        talk_changes = (centre.sampled_talk, centre.talk_factor)
    calls = _call_records(sampled.calls, end_s, talk_changes)
    choice_records = None
    if isinstance(centre, ReactiveCentre):
        calls, choice_records = centre.settle_records(calls)
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
        pools=centre.pool_totals(calls),
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
        incidents=_incident_records(response),
        assignments=UnitAssignments(
            incident=response.incidents.record_ids(response.assignment_incident),
            unit=np.asarray(response.assignment_unit, dtype=np.int64),
            start_s=np.asarray(response.assignment_start, dtype=float),
            end_s=np.asarray(response.assignment_end, dtype=float),
        ),
        online=OnlineReports(
            arrival_s=online.get("arrival", np.empty(0)),
            force=online.get("force", np.empty(0, dtype=np.int64)),
        ),
        platform=platform.name if platform is not None else "",
        outages=OutageRecords(**outages) if outages else None,
        mechanisms=mechanism_records(scenario, response, desk),
        geography=(
            response.geography_records(scenario)
            if isinstance(response, SpatialResponseSystem)
            else None
        ),
        choices=choice_records,
    )


def _call_records(
    calls: CallTable,
    end_s: float,
    talk_changes: tuple[dict[int, float], dict[int, float]] | None,
) -> CallRecords:
    """The call table as records; ``talk_changes`` (sampled talk, multiplier by call id)
    when a platform may change talk times."""
    arrival = calls.column("arrival")
    deadline = calls.column("deadline")
    served_by = calls.column("served_by")
    outcome = np.where(
        served_by >= 0,
        CallOutcome.ANSWERED,
        np.where(deadline <= end_s, CallOutcome.ABANDONED, CallOutcome.WAITING),
    ).astype(np.int8)
    talk = calls.column("talk")
    sampled_talk = factor = None
    if talk_changes is not None:
        sampled_by_call, factor_by_call = talk_changes
        sampled_talk = talk.copy()
        factor = np.ones(len(talk))
        if factor_by_call:
            changed = np.fromiter(factor_by_call, dtype=np.int64)
            sampled_talk[changed] = [sampled_by_call[c] for c in changed.tolist()]
            factor[changed] = [factor_by_call[c] for c in changed.tolist()]
    return CallRecords(
        arrival_s=arrival,
        patience_s=deadline - arrival,
        talk_s=talk,
        wrap_s=calls.column("wrap"),
        answered_s=calls.column("answered"),
        queue=calls.column("queue"),
        attempt=calls.column("attempt"),
        caller=calls.column("caller"),
        pool=served_by,
        outcome=outcome,
        sampled_talk_s=sampled_talk,
        talk_multiplier=factor,
    )


def _incident_records(response: ResponseSystem) -> IncidentRecords:
    """The incident table as records, with the force of each incident's first unit."""
    # Schedule cars have no area: their force is their diary's.
    unit_force = np.array(
        [u.area.force if u.area is not None else u.cars.force for u in response.units]  # type: ignore[union-attr]
        + [-1],
        dtype=np.int64,
    )
    return response.incidents.to_records(unit_force)
