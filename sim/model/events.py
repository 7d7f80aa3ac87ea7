"""Small scheduling helpers on the SimPy event loop: rosters and pre-sampled arrivals.

Both keep one pending event at a time, chaining the next from the callback, so a
year of roster changes or arrivals never fills the event queue.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np
import simpy
from simpy.events import Timeout

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
    changes.extend(
        (float(minutes[i] * SECONDS_PER_MINUTE), int(values[i])) for i in changed.tolist()
    )
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
        if index >= len(changes):
            return
        when, count = changes[index]

        def fire(_event: simpy.Event) -> None:
            apply(count)
            schedule(index + 1)

        Timeout(env, max(when - env.now, 0.0)).callbacks.append(fire)

    schedule(position)


def schedule_in_order(
    env: simpy.Environment, times: Sequence[float], on_arrival: Callable[[int], None]
) -> None:
    """Call ``on_arrival(i)`` at each of ``times`` (seconds, sorted), one event at a time."""
    if not times:
        return

    def fire(event: simpy.Event) -> None:
        index = event._value
        on_arrival(index)
        following = index + 1
        if following < len(times):
            delay = times[following] - env.now
            Timeout(env, delay if delay > 0 else 0.0, following).callbacks.append(fire)

    Timeout(env, max(times[0] - env.now, 0.0), 0).callbacks.append(fire)
