"""Rostered teams that work a first-come-first-served queue of jobs.

Used for the telephone resolution team (call-backs) and for desk review of
online reports. A team has a number of staff available that changes with its
roster; a job waits until a member is free; a member whose shift ends finishes
the job in hand, then leaves. Like the contact centre, the team is driven by
callbacks on the SimPy event loop: one event per job.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable

import simpy

from sim.model.events import Callback, call_later


class Team:
    """A rostered team working FIFO jobs.

    Parameters
    ----------
    env
        The SimPy environment (seconds).
    name
        Team id, for records and metrics.
    window
        ``(start, end)`` of the measured period, seconds: the busy and present
        staff-second integrals cover only this window.
    on_start, on_done
        Called with the job id when a member starts it and when it is finished.
    """

    def __init__(
        self,
        env: simpy.Environment,
        name: str,
        window: tuple[float, float],
        on_start: Callable[[int], None],
        on_done: Callable[[int], None],
    ):
        self.env = env
        self.name = name
        self.window_start, self.window_end = window
        self.on_start = on_start
        self.on_done = on_done
        self.available = 0
        self.busy = 0
        self.waiting: deque[tuple[int, float]] = deque()
        self.busy_s = 0.0
        self.present_s = 0.0
        self._last = env.now

    def _advance(self, now: float | None = None) -> None:
        now = self.env.now if now is None else now
        # Conditional expressions: this runs for every job, where max/min cost.
        start = self.window_start if self.window_start > self._last else self._last
        end = self.window_end if self.window_end < now else now
        if end > start:
            self.busy_s += self.busy * (end - start)
            present = self.available if self.available > self.busy else self.busy
            self.present_s += present * (end - start)
        self._last = now

    def submit(self, job: int, duration_s: float) -> None:
        """Add a job taking ``duration_s`` seconds of one member's time."""
        if self.busy < self.available and not self.waiting:
            self._start(job, duration_s)
        else:
            self.waiting.append((job, duration_s))

    def set_available(self, count: int) -> None:
        """Change the number of staff on duty (roster change)."""
        self._advance()
        self.available = count
        while self.busy < self.available and self.waiting:
            self._start(*self.waiting.popleft())

    def _start(self, job: int, duration_s: float) -> None:
        self._advance()
        self.busy += 1
        self.on_start(job)
        call_later(self.env, duration_s, self._finish, job)

    def _finish(self, event: Callback) -> None:
        self._advance()
        self.busy -= 1
        self.on_done(event._value)
        if self.busy < self.available and self.waiting:
            self._start(*self.waiting.popleft())

    def close(self, end_s: float) -> None:
        """Bring the staff-second integrals up to the end of the run (seconds)."""
        self._advance(end_s)
