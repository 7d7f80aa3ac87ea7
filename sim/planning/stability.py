"""Can the queues keep up? Offered load against capacity, per handler pool and response area.

Before anything is simulated, :func:`stability_problems` compares, for every
handler pool and every response area, the offered load computed from the
scenario (:mod:`sim.planning.load`, Erlangs: the work arriving per hour, in
hours) with the capacity on duty (handlers after shrinkage, or units), hour
by hour of the week. A queue cannot keep up when, over a whole day, the work
offered is at least the time on duty (utilisation >= 1 over the day: the
queue ends the day longer than it began); over the whole week, it grows
without bound. Each such day is a warning naming the pool or area, the
hours of the day where load exceeds capacity, the load and the capacity.
Short peaks above capacity that the rest of the day pays back are not
warned about: that is what queues are for, and what staffing is about.

A platform's static changes (pooled contact centres, shorter handling) are
applied first, so the check sees the service as it will run.
"""

from __future__ import annotations

import numpy as np

from sim.config import DAY_NAMES, Problem, Scenario
from sim.planning.area import AreaSetup
from sim.planning.load import area_offered_load, expected_offered_load
from sim.planning.pool import PoolSetup, queue_info
from sim.scenarios.platforms import apply_platform

#: Utilisation over a day at or above which a queue cannot keep up.
UNSTABLE = 1.0
_HOURS = 168
#: Fewer samples than staffing uses: hour-level loads to a fraction of a percent, quickly.
_SAMPLES = 20_000


def _pool_setup(scenario: Scenario, pool_id: str) -> PoolSetup:
    """The pool's queues (channels it serves) with hourly intervals, no targets."""
    pool = scenario.handler_pools[pool_id]
    served = (scenario.resolve_channel_ref(ref) for ref in pool.serves)
    # The answer target plays no part in a load: the force's own is carried along.
    queues = [queue_info(scenario, ref) for ref in served if ref is not None]
    return PoolSetup(scenario, pool_id, tuple(queues), (), {}, 60)


def _share_of_channels(scenario: Scenario) -> dict[str, float]:
    """Pools serving a channel split its load by capacity: each pool's share of it, by pool."""
    serving: dict[str, list[str]] = {}
    for pool_id, pool in scenario.handler_pools.items():
        for ref in pool.serves:
            resolved = scenario.resolve_channel_ref(ref)
            if resolved is not None:
                serving.setdefault(resolved, []).append(pool_id)
    return {ref: 1.0 / len(pools) for ref, pools in serving.items()}


def _hours(slots: np.ndarray) -> str:
    """``07:00-10:00, 17:00-19:00`` for hours of one day (0..23)."""
    runs: list[tuple[int, int]] = []
    for hour in sorted(int(h) for h in slots):
        if runs and runs[-1][1] == hour:
            runs[-1] = (runs[-1][0], hour + 1)
        else:
            runs.append((hour, hour + 1))
    return ", ".join(f"{a:02d}:00-{b:02d}:00" for a, b in runs)


def _judge(
    what: str, field: str, load: np.ndarray, capacity: np.ndarray, noun: str, source: str
) -> list[Problem]:
    """Warnings for the days (and the week) whose load is at least their capacity."""
    problems = []
    for day, name in enumerate(DAY_NAMES):
        hours = slice(24 * day, 24 * day + 24)
        offered, present = float(load[hours].sum()), float(capacity[hours].sum())
        if offered <= 0 or offered < UNSTABLE * present:
            continue
        over = np.flatnonzero(load[hours] > capacity[hours])
        against = (
            f"against {present:,.0f} on duty (utilisation {offered / present:.0%})"
            if present > 0
            else "with nobody on duty"
        )
        problems.append(
            Problem(
                source,
                field,
                f"{what} cannot keep up on {name} (load above capacity {_hours(over)}): "
                f"offered load {offered:,.0f} {noun}-hours {against}; expected more "
                f"{noun}s on duty that day",
            )
        )
    if problems and load.sum() >= UNSTABLE * capacity.sum():
        problems.append(
            Problem(
                source,
                field,
                f"{what}: over the week the load ({load.sum():,.0f} {noun}-hours) is at least "
                f"the capacity ({capacity.sum():,.0f}): the queue grows without bound; "
                f"expected more {noun}s on duty (or less work)",
            )
        )
    return problems


def stability_problems(scenario: Scenario, source: str) -> list[Problem]:
    """Warnings for every handler pool and response area that cannot keep up (none: all can).

    Parameters
    ----------
    scenario
        A validated scenario (its platform's static changes are applied here).
    source
        The file, for the warnings.

    Returns
    -------
    list of Problem
        One per pool or area and day whose offered load is at least its
        capacity over the day, and one more where that holds over the week.
    """
    prepared = apply_platform(scenario)
    shares = _share_of_channels(prepared)
    problems: list[Problem] = []
    for pool_id, pool in prepared.handler_pools.items():
        setup = _pool_setup(prepared, pool_id)
        load = np.zeros(_HOURS)
        for queue in setup.queues:
            alone = PoolSetup(prepared, pool_id, (queue,), (), {}, 60)
            load += (
                expected_offered_load(alone, _SAMPLES) * shares[f"{queue.force}/{queue.channel}"]
            )
        capacity = pool.available_per_minute().reshape(_HOURS, 60).mean(axis=1)
        problems += _judge(
            f"handler pool {pool_id}", f"handler_pools.{pool_id}", load, capacity, "handler",
            source,
        )  # fmt: skip
    for force_id, force in prepared.forces.items():
        if force.response is None:
            continue
        for area_id, area in force.areas.items():
            setup = AreaSetup(
                prepared, force_id, area_id, (), (), 60, {}, force.response.dispatch_delay_s
            )
            load = area_offered_load(setup, _SAMPLES).load
            capacity = area.units.staff_per_minute().reshape(_HOURS, 60).mean(axis=1)
            label = area_id if len(prepared.forces) == 1 else f"{force_id}/{area_id}"
            problems += _judge(
                f"response area {label}", f"forces.{force_id}.areas.{area_id}.units", load,
                capacity, "unit", source,
            )  # fmt: skip
    return problems
