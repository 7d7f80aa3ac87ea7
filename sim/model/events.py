"""Small scheduling helpers on the SimPy event loop: rosters and pre-sampled arrivals.

Both keep one pending event at a time, chaining the next from the callback, so a
year of roster changes or arrivals never fills the event queue.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import simpy
from simpy.events import Timeout


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
