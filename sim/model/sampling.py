"""Sampling one replication's inputs up front, in numpy, each from its own named stream.

Every first-attempt call's attributes (arrival, patience, talk, wrap-up, redial
decision, incident grade and grading delay, and the uniforms behind its
incident's area, travel, on-scene time and call-back) are drawn per queue and
period (warm-up, measured period) before the run starts; likewise every online
report. Redials, whose number is not known in advance, draw theirs during the
run from buffered streams of their own. Streams are named
``[warmup/]KIND/FORCE/CHANNEL``, so adding a channel or a period never shifts
another's draws.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

import numpy as np

from sim.config import Area, Channel, OnlineChannel, Scenario
from sim.model.call_table import CallTable
from sim.model.contact import CallQueue, PoolState, RedialPolicy
from sim.model.demand import (
    calendar_factors,
    day_factors,
    rate_segments,
    sample_arrivals,
    with_calendar,
)
from sim.model.incidents import UNIFORMS_PER_INCIDENT, grade_codes
from sim.model.records import NO_GRADE, Grade
from sim.model.streams import DurationModel, Streams, buffered_durations, buffered_uniforms, draw

#: The grades a response unit is sent to, with their own travel and decision time.
_DEPLOYED = {"grade1": int(Grade.GRADE1), "grade2": int(Grade.GRADE2)}


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
        **_incident_draws(channel.grading.shares(), stream, n, channel.grading_delay),
    }


def _incident_draws(
    shares: list[float],
    stream: Callable[[str], np.random.Generator],
    n: int,
    grading_delay: DurationModel | None = None,
) -> dict[str, np.ndarray]:
    """Each call's or report's grade code and incident uniforms (and grading delay, seconds).

    Where no grade has a share (a contact-only run's channels), every one is
    ``NO_GRADE`` whatever its uniform, and nothing reads its uniforms or delay:
    those streams are not drawn from (each stream is its own, so no other draw moves).
    """
    if not any(share > 0 for share in shares):
        draws = {
            "grade": np.full(n, NO_GRADE, dtype=np.int64),
            "incident_u": np.zeros((n, UNIFORMS_PER_INCIDENT)),
        }
        return draws if grading_delay is None else {**draws, "grading_delay": np.zeros(n)}
    draws = {
        "grade": grade_codes(shares, stream("grading").random(n)),
        "incident_u": stream("incident").random((n, UNIFORMS_PER_INCIDENT)),
    }
    if grading_delay is None:
        return draws
    return {**draws, "grading_delay": draw(grading_delay, stream("grading_delay"), n)}


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
        "review_s": draw(review, stream("review"), n) if review is not None else np.zeros(n),
        **_incident_draws(online.grading.shares(), stream, n),
    }


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
    # take: the same rows as values[order], several times faster for a 2-D array.
    return {key: np.take(values, order, axis=0) for key, values in merged.items()}


def _periods(warmup_s: float, horizon_s: float) -> list[tuple[bool, float, float]]:
    """The warm-up and the measured period as ``(is_warmup, start, end)``, seconds."""
    periods = [(True, -warmup_s, 0.0), (False, 0.0, horizon_s)]
    return [(warmup, start, end) for warmup, start, end in periods if end > start]


def _redial_grade(cumulative_shares: list[float], uniform: Callable[[], float]) -> int:
    """A redial's grade code from its uniform: what :func:`grade_codes` gives, without numpy."""
    code = bisect_right(cumulative_shares, uniform())
    return code if code < len(cumulative_shares) else NO_GRADE


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
        grade=partial(_redial_grade, np.cumsum(shares).tolist(), grade_u),
        grading_delay=buffered_durations(channel.grading_delay, stream("grading_delay")),
    )


@dataclass
class SampledCalls:
    """The contact centre of one replication before it runs: queues, pools and calls.

    ``calls`` holds every first-attempt call in arrival order, ``incident_u``
    the uniforms of their incidents (one row per call), ``redials`` the redial
    policy per queue index and ``targets_s`` each queue's answer target, seconds.
    """

    queues: list[CallQueue]
    pools: list[PoolState]
    calls: CallTable
    incident_u: np.ndarray
    redials: dict[int, RedialPolicy]
    targets_s: list[float]


def sample_calls(
    scenario: Scenario,
    queues: list[CallQueue],
    pools: list[PoolState],
    streams: Streams,
    days: tuple[int, int],
) -> SampledCalls:
    """Every first-attempt call of the queues, sampled up front in arrival order.

    ``days`` is the range of day numbers (from the scenario start) the run
    covers, for day-to-day busyness.
    """
    batches: list[dict[str, np.ndarray]] = []
    redials: dict[int, RedialPolicy] = {}
    targets: list[float] = []
    for queue in queues:
        force = scenario.forces[queue.force]
        channel = force.channels[queue.channel]  # type: ignore[index]
        targets.append(force.target_s(queue.channel))
        busyness = _busyness(channel, queue.force, queue.channel, streams, *days)
        busyness = with_calendar(
            busyness, calendar_factors(channel, scenario.year, scenario.start_date, *days)
        )
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
    return SampledCalls(queues, pools, calls, incident_u, redials, targets)


def sample_online(
    scenario: Scenario, streams: Streams, days: tuple[int, int]
) -> dict[str, np.ndarray]:
    """Every force's online reports, sampled up front in arrival order (empty: none).

    Keys: ``arrival``, ``force`` (index), ``grade`` (code, or ``NO_GRADE``),
    ``review_s`` (desk review time, seconds) and ``incident_u``.
    """
    force_index = {force_id: i for i, force_id in enumerate(scenario.forces)}
    batches = []
    for force_id, force in scenario.forces.items():
        if force.online is None:
            continue
        busyness = _busyness(force.online, force_id, "online", streams, *days)
        busyness = with_calendar(
            busyness, calendar_factors(force.online, scenario.year, scenario.start_date, *days)
        )
        for warmup, start, end in _periods(scenario.warmup_s, scenario.horizon_s):
            batches.append(
                _online_reports(
                    force.online, force_id, force_index[force_id], streams,
                    start, end, busyness, warmup,
                )
            )  # fmt: skip
    return _merge_in_time_order(batches) if batches else {}


def travel_by_grade(area: Area) -> dict[int, DurationModel]:
    """The grade codes with travel of their own in ``area`` (empty: its ``travel`` for all).

    They are drawn from each incident's travel uniform like the area's own
    travel, so adding one changes that grade's travel times and no other draw.
    """
    own = area.travel_by_grade
    if own is None:
        return {}
    return {code: getattr(own, name) for name, code in _DEPLOYED.items() if getattr(own, name)}


def decision_delays(
    scenario: Scenario, streams: Streams
) -> dict[tuple[int, int], Callable[[], float]]:
    """Decision time draws (seconds) per ``(force index, grade code)`` given as distributions.

    Each comes from a stream of its own, ``dispatch_delay/FORCE/GRADE``, one draw per
    unit sent, so a scenario without ``response.dispatch_delay`` (a constant
    ``dispatch_delay_s`` only) draws nothing and every other stream is unchanged.
    """
    draws: dict[tuple[int, int], Callable[[], float]] = {}
    for index, (force_id, force) in enumerate(scenario.forces.items()):
        policy = force.response
        if policy is None or policy.dispatch_delay is None:
            continue
        for name, code in _DEPLOYED.items():
            distribution = getattr(policy.dispatch_delay, name)
            if distribution is not None:
                stream = streams[f"dispatch_delay/{force_id}/{name}"]
                draws[(index, code)] = buffered_durations(distribution, stream)
    return draws
