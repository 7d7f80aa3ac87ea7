"""Scheduling on the SimPy event loop: cheap callbacks, rosters, and pre-sampled arrivals.

Three ways to make something happen at a time, cheapest first:

- a pre-sampled arrival (a call, an online report) is no event at all: its time
  is known before the run, so :func:`run_counting` merges the sorted arrival
  times of :class:`Arrivals` with SimPy's event queue and calls the arrival's
  handler when the clock reaches it;
- a time computed during the run (a call's end, a unit clearing) is a
  :class:`Callback`, the least object SimPy's ``Environment.step`` can process,
  put on SimPy's queue as ``Environment.schedule`` puts an event there;
- rosters are followed with one pending :class:`Callback` per roster, so a
  year of roster changes never fills the event queue.
"""

from __future__ import annotations

import gc
import math
from bisect import bisect_left
from collections.abc import Callable, Sequence
from heapq import heappop, heappush

import numpy as np
import simpy
from simpy.events import NORMAL

from sim.units import MINUTES_PER_WEEK, SECONDS_PER_MINUTE


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
    # Whole minutes times 60 are exact in int64, so converting the products to
    # float gives the same times as converting one at a time.
    times = (minutes[changed] * SECONDS_PER_MINUTE).astype(float).tolist()
    changes.extend(zip(times, values[changed].tolist(), strict=True))
    return changes


def follow_roster(
    env: simpy.Environment,
    changes: list[tuple[float, int]],
    apply: Callable[[int], None],
) -> None:
    """Call ``apply(count)`` at each ``(time, count)`` of a roster, in order.

    The first change at or before the current time is applied at once; the rest
    are scheduled one after another (one pending event per roster at a time).
    """
    position = 0
    while position < len(changes) and changes[position][0] <= env.now:
        position += 1
    if position:
        apply(changes[position - 1][1])

    def schedule(index: int) -> None:
        if index < len(changes):
            # Pushed at the time a SimPy Timeout of this delay would be (now + delay).
            call_later(env, max(changes[index][0] - env._now, 0.0), fire, index)

    def fire(event: Callback) -> None:
        index = event._value
        apply(changes[index][1])
        schedule(index + 1)

    schedule(position)


class Callback:
    """An event that only calls back: what ``simpy.Environment.step`` needs, and no more.

    SimPy processes a scheduled event by calling each of its ``callbacks`` with
    it and then checking ``_ok``; a ``Timeout`` also sets its environment, delay
    and description, which the model never reads. This carries one callback
    and ``_value`` (what the callback is about: a call id, a unit) and is
    scheduled like any SimPy event (:func:`call_later`), at a fraction of the
    cost of a ``Timeout``. SimPy's own ``step`` processes it like any other
    event; :func:`run_counting` does the same itself, saving a method call per
    event.

    It has no ``__init__`` (a Python one nearly doubles the cost of making one):
    make it with no arguments and set both attributes, as :func:`call_later` does::

        event = Callback()
        event.callbacks = [callback]
        event._value = value

    Events of one kind may share one ``callbacks`` list: SimPy and
    :func:`run_counting` only read it (SimPy then sets the attribute to ``None``).
    """

    __slots__ = ("_value", "callbacks")

    #: It never fails (what SimPy's ``step`` checks after the callbacks).
    _ok = True

    callbacks: list[Callable[[Callback], None]]
    _value: object


def call_later(
    env: simpy.Environment, delay_s: float, callback: Callable[[Callback], None], value: object
) -> None:
    """Call ``callback(event)`` in ``delay_s`` seconds (>= 0), ``event._value`` being ``value``.

    What ``env.schedule(event, NORMAL, delay_s)`` does with a :class:`Callback`,
    without the method call (the hottest paths push onto the queue themselves the
    same way).
    """
    event = Callback()
    event.callbacks = [callback]
    event._value = value
    heappush(env._queue, (env._now + delay_s, NORMAL, next(env._eid), event))


class Arrivals:
    """Pre-sampled arrival streams of a run, merged in time order, to be run without events.

    Each stream is a sorted sequence of times (seconds) and a handler called
    with the arrival's index in its stream. :func:`run_counting` calls the
    handlers in time order, interleaved with SimPy's events; an arrival at the
    very time of an event comes after it (with continuous arrival times that
    has probability zero). Streams added earlier come first at equal times.
    """

    def __init__(self) -> None:
        self._streams: list[tuple[np.ndarray, Callable[[int], None]]] = []

    def add(self, times: Sequence[float] | np.ndarray, handler: Callable[[int], None]) -> None:
        """Add a stream: ``handler(i)`` is called at ``times[i]`` (sorted, seconds)."""
        if len(times):
            self._streams.append((np.asarray(times, dtype=float), handler))

    def merged(self) -> tuple[list[float], list[Callable[[int], None]], list[int]]:
        """All arrivals in time order: their times, each one's handler and its index."""
        if not self._streams:
            return [], [], []
        if len(self._streams) == 1:
            times, handler = self._streams[0]
            return times.tolist(), [handler] * len(times), list(range(len(times)))
        times = np.concatenate([t for t, _ in self._streams])
        stream = np.concatenate(
            [np.full(len(t), k, dtype=np.int64) for k, (t, _) in enumerate(self._streams)]
        )
        index = np.concatenate([np.arange(len(t)) for t, _ in self._streams])
        order = np.argsort(times, kind="stable")
        handlers = np.empty(len(self._streams), dtype=object)
        handlers[:] = [handler for _, handler in self._streams]
        return times[order].tolist(), handlers[stream[order]].tolist(), index[order].tolist()


def run_counting(
    env: simpy.Environment, until: float = math.inf, arrivals: Arrivals | None = None
) -> int:
    """Run the environment up to ``until`` (seconds); return how many SimPy events it processed.

    Like ``env.run(until)``: nothing at or after ``until`` is processed. With no
    ``until``, runs until no event or arrival is left. ``arrivals`` are merged in
    time order and cost no event.
    """
    # The loop allocates a tuple and an event per scheduled callback, each of which
    # counts towards a garbage collection that would walk the run's large per-call
    # lists (about 7% of a contact-side run); they are freed by reference counting,
    # so the collector is paused for the loop (as timeit does) and restored after.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _run(env, until, arrivals)
    finally:
        if collecting:
            gc.enable()


def _run(env: simpy.Environment, until: float, arrivals: Arrivals | None) -> int:
    """:func:`run_counting`'s loop."""
    times, handlers, index = arrivals.merged() if arrivals else ([], [], [])
    # Arrivals at or after ``until`` are never reached: dropped here, so that the
    # loop need not compare each arrival with ``until``.
    del times[bisect_left(times, until) :]
    times.append(math.inf)  # a sentinel: the loop never runs past the last arrival
    events = 0
    step = env.step
    # The loop reads SimPy's queue and clock directly, as Environment.peek and
    # Environment.step do: at a million events, each method call saved counts.
    queue = env._queue
    inf, pop, callback_type = math.inf, heappop, Callback
    position = 0
    next_arrival = times[0]
    while True:
        if queue:
            # Arrivals before the next event (one at its very time comes after it);
            # an arrival may schedule an event, so the head is read again each time.
            while next_arrival < queue[0][0]:
                env._now = next_arrival
                handlers[position](index[position])
                position += 1
                next_arrival = times[position]
            head = queue[0]
            if head[0] >= until:
                break
            event = head[3]
            if type(event) is callback_type:
                # What Environment.step does with an event that cannot fail and has
                # one callback (nothing reads a Callback's callbacks after it).
                pop(queue)
                env._now = head[0]
                event.callbacks[0](event)
            else:
                step()
            events += 1
        elif next_arrival < inf:
            env._now = next_arrival
            handlers[position](index[position])
            position += 1
            next_arrival = times[position]
        else:
            break
    return events
