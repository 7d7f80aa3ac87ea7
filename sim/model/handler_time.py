"""Busy and present handler-seconds of a handler pool, from its record once a run is over.

The contact centre keeps no running totals: a pool's roster changes and the
times its calls were answered and finished are enough to integrate the number
busy and present over the measured window afterwards, in numpy
(:meth:`sim.model.contact.ContactCentre.pool_totals`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from sim.model.contact import PoolState


def handler_seconds(
    pool: PoolState, start_s: float, answered: np.ndarray, handled: np.ndarray
) -> tuple[float, float]:
    """Busy and present handler-seconds of a pool over its window, from the run's record.

    ``answered`` and ``handled`` are the times its calls were answered and
    finished (seconds; a finish after the end of the run counts nowhere), and
    ``start_s`` the start of the run. Present is the number available, or the
    number busy where more handlers are finishing calls after their shift.

    The number busy and available is constant between consecutive change
    times, so each gap adds ``busy * gap`` (clipped to the window); the gaps are
    added in time order (``cumsum`` adds left to right), which is what
    integrating as the run went would add, to the last bit.
    """
    roster_t = np.array([start_s] + [t for t, _ in pool.roster])
    roster_n = np.array([0] + [n for _, n in pool.roster], dtype=np.int64)
    n_roster, n_answered = len(roster_t), len(answered)
    # Three sorted runs (the roster's times are), merged by a stable sort; any
    # order of equal times would do: the gaps between them are zero.
    times = np.concatenate([roster_t, np.sort(answered), np.sort(handled)])
    order = np.argsort(times, kind="stable")
    times = np.take(times, order)
    # Each point's step from where it came from: roster 0, answered +1, handled -1.
    step = (order >= n_roster).astype(np.int64)
    step -= 2 * (order >= n_roster + n_answered)
    # Each point's index into the roster, or 0 (forward-filled to the last change before).
    at_roster = np.where(order < n_roster, order, 0)
    busy = np.cumsum(step)[:-1]
    available = np.take(roster_n, np.maximum.accumulate(at_roster)[:-1])
    start = np.maximum(times[:-1], pool.window_start)
    end = np.minimum(times[1:], pool.window_end)
    gap = np.maximum(end - start, 0.0)
    if not len(gap):
        return 0.0, 0.0
    busy_s = float(np.cumsum(busy * gap)[-1])
    present_s = float(np.cumsum(np.maximum(busy, available) * gap)[-1])
    return busy_s, present_s
