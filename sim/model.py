"""One replication of a scenario: sample its inputs, wire the model, run it.

The only module that knows how the parts fit together. It samples every
first-attempt call's attributes up front in numpy (arrival, patience, talk,
wrap-up, redial decision), each from its own named stream, builds the queues and
handler pools, runs the SimPy environment from the start of the warm-up to the
end of the measured period plus a drain, and returns plain arrays for the
metrics layer.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import simpy

from sim.config import (
    CHANNEL_PRIORITY,
    MINUTES_PER_WEEK,
    SECONDS_PER_DAY,
    SECONDS_PER_MINUTE,
    Channel,
    Scenario,
)
from sim.contact import CallQueue, CallTable, ContactCentre, PoolState, RedialPolicy
from sim.demand import day_factors, rate_segments, sample_arrivals
from sim.streams import Streams, buffered_durations, buffered_uniforms, draw

#: After the measured period no new calls arrive, but the model runs on this
#: long (seconds) so that calls which arrived inside it get answered or abandon
#: and their answer times are known rather than cut off.
DRAIN_S = SECONDS_PER_DAY

OUTCOME_ANSWERED = "answered"
OUTCOME_ABANDONED = "abandoned"
OUTCOME_WAITING = "waiting"


@dataclass(frozen=True)
class PoolTotals:
    """Handler-seconds of one pool over the measured period."""

    pool_id: str
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


OUTCOME_CODES = (OUTCOME_ANSWERED, OUTCOME_ABANDONED, OUTCOME_WAITING)


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


def run_replication(
    scenario: Scenario, replication: int, seed: int | None = None
) -> ReplicationOutput:
    """Simulate one replication of a scenario.

    Parameters
    ----------
    scenario
        The validated scenario.
    replication
        Replication number, from 0; with the seed it fixes every random stream.
    seed
        Base seed; defaults to the scenario's.
    """
    seed = scenario.seed if seed is None else seed
    streams = Streams(seed, replication)
    warmup_s, horizon_s = scenario.warmup_s, scenario.horizon_s
    queues, pools = build_queues_and_pools(scenario)

    batches: list[dict[str, np.ndarray]] = []
    redials: dict[int, RedialPolicy] = {}
    targets: list[float] = []
    first_day = math.floor(-warmup_s / SECONDS_PER_DAY)
    end_day = math.ceil(horizon_s / SECONDS_PER_DAY)
    for queue in queues:
        force = scenario.forces[queue.force]
        channel = force.channels[queue.channel]  # type: ignore[index]
        targets.append(force.target_s(queue.channel))
        busyness = day_factors(
            channel.overdispersion_cv,
            first_day,
            end_day,
            streams[_stream("busyness", queue.force, queue.channel, False)],
            streams[_stream("busyness", queue.force, queue.channel, True)],
        )
        for warmup, (start, end) in ((True, (-warmup_s, 0.0)), (False, (0.0, horizon_s))):
            if end > start:
                batches.append(
                    _first_attempts(
                        channel, queue.force, queue.channel, queue.index,
                        streams, start, end, busyness, warmup,
                    )
                )  # fmt: skip
        if channel.redial is not None:
            redial = channel.redial

            def stream(kind: str, q: CallQueue = queue) -> np.random.Generator:
                return streams[f"redial/{kind}/{q.force}/{q.channel}"]

            redials[queue.index] = RedialPolicy(
                probability=redial.probability,
                max_attempts=redial.max_attempts,
                decide=buffered_uniforms(stream("decide")),
                delay=buffered_durations(redial.delay, stream("delay")),
                patience=buffered_durations(channel.patience, stream("patience")),
                talk=buffered_durations(channel.handling, stream("handling")),
                wrap=buffered_durations(channel.wrap_up, stream("wrap_up")),
            )

    merged = {key: np.concatenate([b[key] for b in batches]) for key in batches[0]}
    order = np.argsort(merged["arrival"], kind="stable")
    calls = CallTable()
    calls.extend(**{key: values[order] for key, values in merged.items()})

    end_s = horizon_s + DRAIN_S
    env = simpy.Environment(initial_time=-warmup_s)
    centre = ContactCentre(env, queues, pools, calls, redials, redial_cutoff=horizon_s)
    changes = [
        roster_changes(config.available_per_minute(), -warmup_s, end_s)
        for config in scenario.handler_pools.values()
    ]
    centre.start(changes)
    events = _run_counting(env, end_s)
    for pool in pools:
        pool.advance(end_s)

    return ReplicationOutput(
        scenario=scenario.name,
        replication=replication,
        seed=seed,
        horizon_s=horizon_s,
        warmup_s=warmup_s,
        end_s=end_s,
        queues=[(q.force, q.channel) for q in queues],
        targets_s=targets,
        calls=_call_arrays(calls, end_s),
        pools=[PoolTotals(p.pool_id, p.busy_s, p.present_s) for p in pools],
        events=events,
    )


def _run_counting(env: simpy.Environment, until: float) -> int:
    """Run the environment up to ``until`` (seconds); return how many events it processed.

    Like ``env.run(until)``: events at exactly ``until`` are not processed.
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
