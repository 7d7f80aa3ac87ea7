"""The handler pool being staffed, and its analytic requirement (Erlang C/A, SIPP).

:func:`resolve_pool` checks a pool and its targets against a scenario and
gathers what Erlang needs of each queue it answers. The SIPP baseline
(stationary independent period by period) treats each interval as a
stationary queue at the interval's expected arrival rate times the mean
handling time; :func:`erlang_requirement` staffs each interval with the
fewest handlers Erlang C (callers never hang up) or Erlang A (exponential
patience) says meet every target. The loads come from :mod:`sim.planning.load`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from sim.analytic import QueueFigures, erlang_a_figures, smallest_meeting
from sim.catalogue import PERCENTILES
from sim.config import MINUTES_PER_WEEK, Channel, InputError, Problem, Scenario
from sim.model.demand import hourly_rates_per_s
from sim.planning.targets import TARGET_FORM, Target
from sim.planning.verification import INTERVAL_CHOICES, interval_label
from sim.units import SECONDS_PER_HOUR


@dataclass(frozen=True)
class QueueInfo:
    """One (force, channel) queue a pool serves, with what Erlang needs of it."""

    force: str
    channel: str
    aht_s: float
    patience_s: float | None
    answer_target_s: float
    rates_per_s: np.ndarray  # expected rate per hour of the week (168), calls per second
    config: Channel


@dataclass(frozen=True)
class PoolSetup:
    """The pool being staffed and the targets, resolved against a scenario."""

    scenario: Scenario
    pool_id: str
    queues: tuple[QueueInfo, ...]
    targets: tuple[Target, ...]
    segments: dict[str, tuple[str, ...]]  # target segment -> "force/channel" refs
    interval_minutes: int

    @property
    def intervals(self) -> int:
        """Intervals in a week."""
        return MINUTES_PER_WEEK // self.interval_minutes

    def refs(self) -> list[str]:
        """``force/channel`` of every queue the pool serves."""
        return [f"{q.force}/{q.channel}" for q in self.queues]


def resolve_pool(
    scenario: Scenario, pool_id: str, targets: Sequence[Target], interval_minutes: int
) -> PoolSetup:
    """Check the pool, interval and targets against the scenario.

    Raises
    ------
    InputError
        For an unknown pool, an interval a roster cannot hold, a target on a
        channel the pool does not serve, a channel shared with another pool, or
        no target at all.
    """
    problems: list[Problem] = []
    if pool_id not in scenario.handler_pools:
        known = ", ".join(scenario.handler_pools)
        raise InputError([Problem("--pool", pool_id, f"no such handler pool; expected {known}")])
    if interval_minutes not in INTERVAL_CHOICES:
        problems.append(
            Problem(
                "--interval",
                str(interval_minutes),
                f"expected one of {', '.join(map(str, INTERVAL_CHOICES))} (minutes)",
            )
        )
    if not targets:
        problems.append(Problem("--target", "", f"missing; give at least one: {TARGET_FORM}"))
    pool = scenario.handler_pools[pool_id]
    refs = [scenario.resolve_channel_ref(ref) for ref in pool.serves]
    served = [ref for ref in refs if ref is not None]
    for other_id, other in scenario.handler_pools.items():
        if other_id == pool_id:
            continue
        shared = {scenario.resolve_channel_ref(r) for r in other.serves} & set(served)
        if shared:
            problems.append(
                Problem(
                    "--pool",
                    pool_id,
                    f"shares {', '.join(sorted(s for s in shared if s))} with pool {other_id}; "
                    "expected a pool that answers its channels alone",
                )
            )
    queues = [queue_info(scenario, ref) for ref in served]
    one_force = len(scenario.forces) == 1
    segments: dict[str, tuple[str, ...]] = {}
    for q in queues:
        segments.setdefault(f"{q.force}/{q.channel}", (f"{q.force}/{q.channel}",))
        if one_force:
            segments[q.channel] = (f"{q.force}/{q.channel}",)
    if not one_force:
        for channel in {q.channel for q in queues}:
            segments[channel] = tuple(
                f"{q.force}/{q.channel}" for q in queues if q.channel == channel
            )
    for target in targets:
        if target.segment not in segments:
            problems.append(
                Problem(
                    "--target",
                    str(target),
                    f"pool {pool_id} does not answer segment '{target.segment}'; "
                    f"expected one of {', '.join(sorted(segments))}",
                )
            )
    if problems:
        raise InputError(problems)
    return PoolSetup(scenario, pool_id, tuple(queues), tuple(targets), segments, interval_minutes)


def _meets(target: Target, figures: QueueFigures) -> bool:
    """Whether stationary Erlang figures meet a target (computed at the right answer target)."""
    if target.metric == "answered_within_target":
        return figures.service_level * 100.0 >= target.value
    if target.metric == "abandoned":
        return (figures.p_abandon or 0.0) * 100.0 <= target.value and figures.occupancy < 1.0
    if target.stat == "mean":
        return figures.asa_s <= target.value
    # Percentile of the answer time of answered calls: P(W <= value | answered) >= q.
    answered = 1.0 - (figures.p_abandon or 0.0)
    if answered <= 0.0:
        return False
    return figures.service_level / answered >= PERCENTILES[target.stat] / 100.0 - 1e-12


def erlang_staff(
    load: float,
    aht_s: float,
    targets: Sequence[tuple[Target, float, float | None]],
    max_staff: int,
    floor: int = 1,
    hint: int | None = None,
) -> int:
    """Smallest number of handlers for which Erlang C/A meets every target.

    Parameters
    ----------
    load
        Offered load, Erlangs (calls per second times mean handling time, s).
    aht_s
        Mean handling time (talk plus wrap-up), seconds.
    targets
        ``(target, answer_target_s, patience_s)``: the target, the channel's
        answer target in seconds (for ``answered_within_target``) and its mean
        patience in seconds (``None``: Erlang C, callers never hang up).
    max_staff
        Largest number to consider.
    floor
        Fewest to consider: the result is the larger of this and the smallest
        number meeting every target.
    hint
        A guess at the answer (the neighbouring interval's, say): the search
        steps from it, so a good guess costs two or three Erlang evaluations.

    Returns
    -------
    int
        At least ``floor`` (and 1).

    Raises
    ------
    ValueError
        If ``max_staff`` handlers do not meet some target.
    """
    rate_per_hour = load / aht_s * SECONDS_PER_HOUR
    need = max(1, floor)
    guess = min(math.ceil(load) + 1, max_staff) if hint is None else hint
    for target, answer_target_s, patience_s in targets:
        wait_s = answer_target_s if target.metric == "answered_within_target" else target.value
        if target.metric == "answer_time" and target.stat == "mean":
            wait_s = 0.0
        patience = math.inf if patience_s is None else patience_s

        def meets(staff: int, t: Target = target, w: float = wait_s, p: float = patience) -> bool:
            return _meets(t, erlang_a_figures(rate_per_hour, aht_s, staff, p, w))

        if meets(need):
            continue
        found = _smallest_from(meets, need, guess, max_staff)
        if found is None:
            raise ValueError(
                f"{target} is not reachable with {max_staff} handlers at an offered load "
                f"of {load:.1f} Erlangs"
            )
        need = found
    return need


def erlang_requirement(
    setup: PoolSetup,
    loads: np.ndarray,
    aht_s: np.ndarray,
    max_staff: int,
    floor: np.ndarray | None = None,
) -> np.ndarray:
    """Erlang requirement per interval at the given offered loads.

    The pool's calls are taken together (one queue with the load-weighted
    handling time); each target is judged with its own channel's answer target
    and patience. With ``floor`` (per interval), never fewer than that: the
    same as ``np.maximum(floor, erlang_requirement(...))``, found faster.

    Raises
    ------
    InputError
        If a target cannot be met with ``max_staff`` handlers in some interval.
    """
    targets = []
    for target in setup.targets:
        queue = _first_queue(setup, target.segment)
        targets.append((target, queue.answer_target_s, queue.patience_s))
    staff = np.empty(len(loads), dtype=np.int64)
    hint: int | None = None
    for i, (load, aht) in enumerate(zip(loads, aht_s, strict=True)):
        least = 1 if floor is None else int(floor[i])
        try:
            # The neighbouring interval's answer is a close guess: loads change slowly.
            staff[i] = hint = erlang_staff(float(load), float(aht), targets, max_staff, least, hint)
        except ValueError as exc:
            raise InputError(
                [
                    Problem(
                        "--target",
                        interval_label(i, setup.interval_minutes),
                        f"{exc}; expected a target some number of handlers can meet "
                        "(or raise --max-staff)",
                    )
                ]
            ) from None
    return staff


def _smallest_from(meets: Callable[[int], bool], below: int, guess: int, limit: int) -> int | None:
    """Smallest whole number in ``(below, limit]`` for which monotone ``meets`` holds.

    Steps from ``guess`` (a few steps either way), then leaves it to the
    galloping search of :func:`sim.analytic.smallest_meeting`.
    """
    at = min(max(guess, below + 1), limit)
    if meets(at):
        for _ in range(_STEPS):
            if at - 1 <= below or not meets(at - 1):
                return at
            at -= 1
        return smallest_meeting(meets, below, at, limit)
    for _ in range(_STEPS):
        if at >= limit:
            return None
        at += 1
        if meets(at):
            return at
    return smallest_meeting(meets, at, at + 1, limit)


#: Steps from a guess before the galloping search takes over.
_STEPS = 4


def _first_queue(setup: PoolSetup, segment: str) -> QueueInfo:
    ref = setup.segments[segment][0]
    return next(q for q in setup.queues if f"{q.force}/{q.channel}" == ref)


def queue_info(scenario: Scenario, ref: str) -> QueueInfo:
    """One channel's queue as staffing sees it: mean handling (seconds), patience, rates.

    ``ref`` is a resolved ``force/channel`` reference; the answer target is the
    force's own for that channel (seconds).
    """
    force_id, channel_id = ref.split("/")
    force = scenario.forces[force_id]
    channel = force.channels[channel_id]  # type: ignore[index]
    return QueueInfo(
        force=force_id,
        channel=channel_id,
        aht_s=channel.handling.mean() + channel.wrap_up.mean(),
        patience_s=channel.patience.mean() if channel.patience is not None else None,
        answer_target_s=force.target_s(channel_id),
        rates_per_s=hourly_rates_per_s(channel),
        config=channel,
    )
