"""The contact centre: call queues, handler pools on rosters, abandonment and redials.

Built for speed on SimPy's event loop: no process per call, only callbacks.
A first attempt's arrival costs no event (its time is pre-sampled, so the run
loop merges it with the event queue: :class:`sim.model.events.Arrivals`). The
end of a call is known when it is answered, so each pool keeps a heap of its
calls' ends and counts a handler free once the clock has passed its call's end;
that end costs an event only if callers are waiting then (the pool wakes at its
first call end after a caller queues). An answered call costs one more event
when it is graded if its incident goes on to a unit, a diary or a team (an
incident that goes nowhere is recorded at the answer, with its grading time).
Handler-seconds are computed from the answer and end times once the run is over.
Abandonment costs nothing: a caller's deadline (arrival plus patience) is known
at arrival, so a handler looking for work skips callers whose deadline has
passed, and such a caller is recorded as abandoned at its deadline. Only a
caller who may redial costs one more event, at the deadline, because the redial
must be scheduled at the right time.

Queueing discipline: each (force, channel) has one first-come-first-served
queue. A handler pool serves a set of queues; a free handler takes the oldest
call of the highest-priority channel (999 before 101, non-preemptive). An
arriving call goes to the first pool serving it that has a free handler.

End of shift: when a roster drops the number of handlers on duty below the
number busy, the busy handlers finish their calls and only then leave (no
handler takes a new call while the pool is over its rostered number).
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from heapq import heappop, heappush

import numpy as np
import simpy
from simpy.events import NORMAL

from sim.model.call_table import NOT_ANSWERED, CallTable
from sim.model.events import Arrivals, Callback, call_later, follow_roster
from sim.model.handler_time import handler_seconds
from sim.model.records import CallRecords, Grade, PoolTotals

# What answering a call does about its incident, by grade (ContactCentre._grade_action).
_NOTHING, _SCHEDULE, _RECORD_FIRST = 0, 1, 2


@dataclass
class CallQueue:
    """Calls of one force and channel waiting for a handler, oldest first."""

    index: int
    force: str
    channel: str
    priority: int
    pools: list[PoolState] = field(default_factory=list)
    waiting: deque[int] = field(default_factory=deque)


@dataclass
class PoolState:
    """A handler pool during a run: how many handlers are available, and their calls' ends.

    ``roster`` records each change of the number available, ``(time, count)``
    in seconds, for the handler-second totals computed once the run is over
    (:meth:`ContactCentre.pool_totals`).
    """

    index: int
    pool_id: str
    window_start: float
    window_end: float
    available: int = 0
    queue_groups: list[list[CallQueue]] = field(default_factory=list)
    roster: list[tuple[float, int]] = field(default_factory=list)
    #: Where each priority has one queue: their waiting calls, in priority order
    #: (set by :class:`ContactCentre`; ``None``: some priority has several queues).
    waiting_in_order: list[deque[int]] | None = None
    #: When each call taken ends (a heap, seconds). The handlers busy at a time
    #: are the ends after it. Fewer ends than handlers available: one is free,
    #: whatever has ended; only otherwise are the ends passed taken off and the
    #: rest counted (:meth:`ContactCentre.offer`), so the heap may hold some.
    finishing: list[float] = field(default_factory=list)
    #: The earliest wake-up due for waiting callers (seconds; inf: none).
    wake_at: float = math.inf


@dataclass
class RedialPolicy:
    """How the abandoned callers of one queue redial.

    Each call's redial decision is drawn when it arrives (for first attempts,
    pre-sampled with the other attributes): ``decide`` returns a uniform draw
    compared with ``probability``. ``delay``, ``patience``, ``talk`` and ``wrap``
    draw a redial's delay and its attributes; ``grade`` its incident grade code
    (``NO_GRADE`` for none) and ``grading_delay`` the time from answer to that incident.
    """

    probability: float
    max_attempts: int
    decide: Callable[[], float]
    delay: Callable[[], float]
    patience: Callable[[], float]
    talk: Callable[[], float]
    wrap: Callable[[], float]
    grade: Callable[[], int]
    grading_delay: Callable[[], float]


@dataclass(frozen=True)
class GradingHook:
    """What the contact centre does with a handled call's incident grade.

    ``graded(call)`` runs at the grading time (answer plus grading delay, or the
    end of the talk if sooner), by an event. A first attempt whose grade is in
    ``unrouted`` (its incident goes to no unit, diary or team) is instead passed
    to ``recorded(call, graded_s)`` when it is answered, with its grading time in
    seconds: nothing waits on it, so it needs no event.
    """

    graded: Callable[[int], None]
    recorded: Callable[[int, float], None] | None = None
    unrouted: frozenset[int] = frozenset()


class ContactCentre:
    """Event logic of the contact centre on a SimPy environment.

    Parameters
    ----------
    env
        The SimPy environment (time in seconds).
    queues
        One queue per (force, channel), with the pools that serve it set.
    pools
        The handler pools, with their queues grouped by priority set.
    calls
        The call table, holding the pre-sampled first-attempt calls in arrival order.
    redials
        Redial policy per queue index (absent: callers of that queue never redial).
    redial_cutoff
        No redial is scheduled at or after this time (seconds): it would fall
        outside the period the run generates arrivals for.
    on_graded
        What happens to a handled call's incident grade (``None``: nothing).
    handling_factor
        A platform's talk-time multiplier for a call answered at a given time
        (seconds): outages and learning curve. ``None`` (the default) leaves talk
        times as sampled. A changed call keeps its sampled talk time in
        ``sampled_talk`` and its multiplier in ``talk_factor`` (by call id).
    """

    def __init__(
        self,
        env: simpy.Environment,
        queues: list[CallQueue],
        pools: list[PoolState],
        calls: CallTable,
        redials: dict[int, RedialPolicy],
        redial_cutoff: float,
        on_graded: GradingHook | None = None,
        handling_factor: Callable[[float], float] | None = None,
    ):
        self.env = env
        self.queues = queues
        self.pools = pools
        self.calls = calls
        self.redials = redials
        self.redial_cutoff = redial_cutoff
        self.on_graded = on_graded.graded if on_graded is not None else None
        self.first_attempts = len(calls)
        # By grade code (NO_GRADE, -1, is the last entry): what answering a call of
        # that grade does about its incident.
        self._grade_action = [_NOTHING] * (len(Grade) + 1)
        if on_graded is not None:
            for grade in Grade:
                unrouted = on_graded.recorded is not None and grade in on_graded.unrouted
                self._grade_action[grade] = _RECORD_FIRST if unrouted else _SCHEDULE
        self.record_graded = on_graded.recorded if on_graded is not None else None
        self.handling_factor = handling_factor
        self.sampled_talk: dict[int, float] = {}
        self.talk_factor: dict[int, float] = {}
        self.start_s = env.now
        for pool in pools:
            if all(len(group) == 1 for group in pool.queue_groups):
                pool.waiting_in_order = [group[0].waiting for group in pool.queue_groups]
        self._queue, self._eid = env._queue, env._eid
        # The hot paths hold the call table's column lists (redials are appended
        # to these same lists) and each queue's pools, rather than looking them
        # up through attributes each time.
        self._queue_of, self._grade = calls.queue, calls.grade
        self._answered, self._served_by = calls.answered, calls.served_by
        self._talk, self._wrap = calls.talk, calls.wrap
        self._deadline, self._may_redial = calls.deadline, calls.may_redial
        self._pools_of = [queue.pools for queue in queues]
        # offer answers inline, but through _answer where answering does more than
        # record the answer: a platform changing talk times, a subclass's own answering.
        self._hooked = (
            handling_factor is not None or type(self)._answer is not ContactCentre._answer
        )
        # The callbacks lists of this centre's events, made once (a bound method is a
        # new object each time it is looked up; the lists are only ever read).
        self._woken, self._graded = [self._on_wake], [self._on_graded]
        self._patience_ended = [self._on_patience_end]

    # ----------------------------------------------------------------- scheduling

    def start(self, roster_changes: list[list[tuple[float, int]]], arrivals: Arrivals) -> None:
        """Add the first-attempt calls to ``arrivals`` and schedule each pool's roster changes.

        ``roster_changes[p]`` lists ``(time, available handlers)`` for pool ``p``
        in time order; the first entry should be at or before the run's start.
        The calls ring when :func:`sim.model.events.run_counting` runs ``arrivals``.
        """
        arrivals.add(self.calls.column("arrival")[: self.first_attempts], self.offer)
        for pool, changes in zip(self.pools, roster_changes, strict=True):
            follow_roster(self.env, changes, partial(self._set_available, pool))

    def _schedule(self, when: float, value: object, callback: Callable) -> None:
        delay = when - self.env._now
        call_later(self.env, delay if delay > 0 else 0.0, callback, value)

    # ----------------------------------------------------------------- events

    def offer(self, call: int) -> None:
        """A call rings: answer it if a handler is free, otherwise queue it."""
        now = self.env._now  # the clock; read as often as this, the property costs
        queue = self._queue_of[call]
        for pool in self._pools_of[queue]:
            finishing = pool.finishing
            if len(finishing) >= pool.available:
                # Maybe all busy: take off the calls ended by now, then count.
                while finishing and finishing[0] <= now:
                    heappop(finishing)
                if len(finishing) >= pool.available:
                    continue
            if self._hooked:
                self._answer(call, pool)
                return
            self._answered[call] = now
            self._served_by[call] = pool.index
            talk = self._talk[call]
            heappush(finishing, now + (talk + self._wrap[call]))
            if self._grade_action[self._grade[call]]:
                self._grade_incident(call, now, talk)
            return
        self._queue_call(call, self.queues[queue])

    def _queue_call(self, call: int, queue: CallQueue) -> None:
        """No handler is free: the caller joins the back of its queue."""
        queue.waiting.append(call)
        for pool in queue.pools:
            # Usually a wake-up is due already: the method only when it may not be.
            if pool.finishing and pool.finishing[0] < pool.wake_at:
                self._wake_when_free(pool)
        if self._may_redial[call]:
            # At the deadline, or now if it has passed (as _schedule).
            now = self.env._now
            delay = self._deadline[call] - now
            event = Callback()
            event.callbacks, event._value = self._patience_ended, call
            heappush(self._queue, (now + (delay if delay > 0 else 0.0), NORMAL, next(self._eid),
                                   event))  # fmt: skip

    def _answer(self, call: int, pool: PoolState) -> None:
        """A free handler of ``pool`` takes the call now.

        What :meth:`offer` does inline (the hottest path) when no platform
        changes talk times and no subclass takes over answering (``_hooked``).
        """
        now = self.env._now
        self._answered[call] = now
        self._served_by[call] = pool.index
        talk = self._talk[call]
        if self.handling_factor is not None:
            factor = self.handling_factor(now)
            if factor != 1.0:
                self.sampled_talk[call] = talk
                self.talk_factor[call] = factor
                talk = talk * factor
                self._talk[call] = talk
        # The handler is free again at this time; an event is needed only if a
        # caller is waiting then (_wake_when_free).
        heappush(pool.finishing, now + (talk + self._wrap[call]))
        if self._grade_action[self._grade[call]]:
            self._grade_incident(call, now, talk)

    def _grade_incident(self, call: int, now: float, talk: float) -> None:
        """The call answered at ``now`` has an incident: record it, or raise it when graded."""
        delay = self.calls.grading_delay[call]
        if delay > talk:
            delay = talk
        if self._grade_action[self._grade[call]] == _RECORD_FIRST and call < self.first_attempts:
            self.record_graded(call, now + delay)  # type: ignore[misc]
        else:
            # Pushed onto SimPy's queue as Environment.schedule would.
            event = Callback()
            event.callbacks, event._value = self._graded, call
            heappush(self._queue, (now + delay, NORMAL, next(self._eid), event))

    def _on_graded(self, event: Callback) -> None:
        self.on_graded(event._value)  # type: ignore[misc]

    def _wake_when_free(self, pool: PoolState) -> None:
        """Callers are waiting for ``pool``: make sure it wakes when its next handler is free.

        The wake-up is at that call's end exactly (pushed with its absolute time),
        and only if no wake-up is due as early already. The pool's ended calls
        have been taken off ``finishing`` (none of its handlers was found free).
        """
        finishing = pool.finishing
        if finishing and finishing[0] < pool.wake_at:
            pool.wake_at = finishing[0]
            event = Callback()
            event.callbacks, event._value = self._woken, pool
            heappush(self._queue, (finishing[0], NORMAL, next(self._eid), event))

    def _on_wake(self, event: Callback) -> None:
        """A handler of the pool finished a call while callers were waiting: serve them."""
        pool = event._value
        if pool.wake_at <= self.env._now:
            pool.wake_at = math.inf
        self._serve_waiting(pool)

    def _serve_waiting(self, pool: PoolState) -> None:
        """Free handlers of ``pool`` (after their calls ended by now) take waiting calls."""
        now = self.env._now
        finishing = pool.finishing
        in_order = pool.waiting_in_order
        deadline = self._deadline
        while True:
            # A handler is free once fewer ends than handlers are left after taking
            # off those passed (as in offer); when none is, the head is the next end.
            while finishing and finishing[0] <= now and len(finishing) >= pool.available:
                heappop(finishing)
            if len(finishing) >= pool.available:
                break
            if in_order is None:
                call = self._oldest_waiting(pool)
            else:
                # One queue per priority: the oldest caller of the first queue with one
                # (as _oldest_waiting, inline: a wake-up usually serves one caller).
                call = -1
                for waiting in in_order:
                    while waiting and deadline[waiting[0]] <= now:
                        waiting.popleft()
                    if waiting:
                        call = waiting.popleft()
                        break
            if call < 0:
                return
            self._answer(call, pool)
        if finishing and finishing[0] < pool.wake_at:
            self._wake_when_free(pool)

    def _set_available(self, pool: PoolState, available: int) -> None:
        pool.roster.append((self.env.now, available))
        pool.available = available
        # Handlers coming on duty pick up waiting calls at once.
        self._serve_waiting(pool)

    def _oldest_waiting(self, pool: PoolState) -> int:
        """Take the next call for a free handler of ``pool``; -1 if none is waiting.

        Callers whose patience has run out are dropped from the head of their
        queue on the way (they abandoned at their deadline).
        """
        now = self.env._now
        deadline = self.calls.deadline
        if pool.waiting_in_order is not None:
            # One queue per priority: the oldest of the first queue with a caller.
            for waiting in pool.waiting_in_order:
                while waiting and deadline[waiting[0]] <= now:
                    waiting.popleft()
                if waiting:
                    return waiting.popleft()
            return -1
        arrival = self.calls.arrival
        for group in pool.queue_groups:
            best: CallQueue | None = None
            best_arrival = math.inf
            for queue in group:
                waiting = queue.waiting
                while waiting and deadline[waiting[0]] <= now:
                    waiting.popleft()
                if waiting and arrival[waiting[0]] < best_arrival:
                    best = queue
                    best_arrival = arrival[waiting[0]]
            if best is not None:
                return best.waiting.popleft()
        return -1

    def pool_totals(self, records: CallRecords) -> list[PoolTotals]:
        """Each pool's busy and present handler-seconds over its window, once the run is over.

        ``records`` are this run's calls (:func:`sim.model.replication.run_replication`
        makes them from the call table).
        """
        answered, handled, served_by = self._handler_busy(records)
        totals = []
        for pool in self.pools:
            mine = served_by == pool.index
            busy_s, present_s = handler_seconds(
                pool, self.start_s, np.compress(mine, answered), np.compress(mine, handled)
            )
            totals.append(PoolTotals(pool.pool_id, busy_s, present_s))
        return totals

    def _handler_busy(self, records: CallRecords) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """When each spell of handler work started and ended (seconds), and its pool index."""
        # The time each finish was scheduled for: the answer plus talk and wrap-up.
        handled = records.answered_s + (records.talk_s + records.wrap_s)
        return records.answered_s, handled, records.pool

    def _on_patience_end(self, event: Callback) -> None:
        call = event._value
        calls = self.calls
        if calls.served_by[call] != NOT_ANSWERED:
            return
        # The caller abandoned now; whether they would redial was drawn at arrival.
        when = self.env.now + self.redials[calls.queue[call]].delay()
        if when >= self.redial_cutoff:
            return
        value = (calls.queue[call], calls.attempt[call] + 1, calls.caller[call])
        self._schedule(when, value, self._on_redial)

    def _on_redial(self, event: Callback) -> None:
        queue, attempt, caller = event._value
        policy = self.redials[queue]
        call = self.calls.append(
            arrival=self.env.now,
            patience=policy.patience(),
            talk=policy.talk(),
            wrap=policy.wrap(),
            queue=queue,
            attempt=attempt,
            caller=caller,
            may_redial=attempt + 1 < policy.max_attempts and policy.decide() < policy.probability,
            grade=policy.grade(),
            grading_delay=policy.grading_delay(),
        )
        self.offer(call)
