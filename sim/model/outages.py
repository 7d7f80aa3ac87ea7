"""A platform in time: outage windows and the learning curve after go-live.

Outage windows are sampled per replication from their own random stream
(alternating up and down times, exponential with the platform's mean time
between failures and mean time to repair); during an outage talk time and
dispatch delay are multiplied by the degraded-mode factors. The static changes a
platform makes are applied before the model sees the scenario
(:func:`sim.scenarios.platforms.apply_platform`).
"""

from __future__ import annotations

import bisect

import numpy as np

from sim.config import SECONDS_PER_HOUR, Platform

#: Name of the random stream outage windows are drawn from (one per replication).
OUTAGE_STREAM = "platform/outages"


def sample_outages(
    platform: Platform, generator: np.random.Generator, start_s: float, end_s: float
) -> tuple[np.ndarray, np.ndarray]:
    """Outage windows over ``[start_s, end_s)``: alternating exponential up and down times.

    The platform is up at ``start_s``. Returns the start and end of each window
    (seconds); the last may end after ``end_s``.
    """
    starts: list[float] = []
    ends: list[float] = []
    outages = platform.outages
    if outages is None:
        return np.empty(0), np.empty(0)
    up_s = outages.mtbf_hours * SECONDS_PER_HOUR
    down_s = outages.mttr_hours * SECONDS_PER_HOUR
    t = start_s
    while True:
        t += float(generator.exponential(up_s))
        if t >= end_s:
            break
        starts.append(t)
        t += float(generator.exponential(down_s))
        ends.append(t)
    return np.asarray(starts, dtype=float), np.asarray(ends, dtype=float)


class PlatformClock:
    """The platform's state in time: outage windows and the learning curve.

    Parameters
    ----------
    platform
        The platform.
    starts, ends
        Outage windows, seconds from the scenario start, sorted and disjoint.
    """

    def __init__(self, platform: Platform, starts: np.ndarray, ends: np.ndarray):
        self.platform = platform
        self.starts = starts.tolist()
        self.ends = ends.tolist()
        outages = platform.outages
        self.degraded_handling = outages.handling_multiplier if outages else 1.0
        self.degraded_dispatch = outages.dispatch_delay_multiplier if outages else 1.0
        self.learning = platform.learning_curve

    def in_outage(self, t_s: float) -> bool:
        """Whether the platform is down at ``t_s`` seconds."""
        i = bisect.bisect_right(self.starts, t_s) - 1
        return i >= 0 and t_s < self.ends[i]

    def handling_factor(self, t_s: float) -> float:
        """Talk-time multiplier for a call answered at ``t_s`` seconds."""
        factor = self.learning.multiplier_at(t_s) if self.learning is not None else 1.0
        if self.starts and self.in_outage(t_s):
            factor *= self.degraded_handling
        return factor

    def dispatch_factor(self, t_s: float) -> float:
        """Dispatch-delay multiplier for a unit sent at ``t_s`` seconds."""
        return self.degraded_dispatch if self.in_outage(t_s) else 1.0

    @property
    def changes_handling(self) -> bool:
        """Whether any call's talk time may be changed."""
        return self.learning is not None or (bool(self.starts) and self.degraded_handling != 1.0)

    @property
    def changes_dispatch(self) -> bool:
        """Whether any dispatch delay may be changed."""
        return bool(self.starts) and self.degraded_dispatch != 1.0
