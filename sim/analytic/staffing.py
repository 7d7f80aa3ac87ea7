"""Analytic staffing: the fewest agents meeting a service level (square-root rule, search)."""

from __future__ import annotations

import math
from collections.abc import Callable

from sim.analytic.erlang import (
    c_from_b,
    check_agents,
    check_non_negative,
    check_patience,
    check_positive,
    check_target,
    erlang_c_service_level,
)
from sim.analytic.erlang_a import erlang_a_unchecked
from sim.units import SECONDS_PER_HOUR

# --------------------------------------------------------------------------
# Staffing
# --------------------------------------------------------------------------


def square_root_staffing(offered_load: float, beta: float) -> int:
    """Square-root staffing rule ``ceil(R + beta * sqrt(R))``.

    Parameters
    ----------
    offered_load : float
        Offered load ``R`` in Erlangs, >= 0.
    beta : float
        Quality-of-service parameter (dimensionless); may be negative for
        efficiency-driven staffing with abandonment.

    Returns
    -------
    int
        Number of agents, never negative.

    Raises
    ------
    ValueError
        If ``offered_load`` is negative or not finite, or ``beta`` is not
        finite.
    """
    load = check_non_negative("offered_load", offered_load)
    b = float(beta)
    if not math.isfinite(b):
        raise ValueError(f"beta must be a finite number, got {beta!r}")
    x = load + b * math.sqrt(load)
    # Shave a few ulps so that an exact integer computed with rounding error
    # (e.g. 110.00000000000001) does not round up to an extra agent.
    return max(math.ceil(x - 4.0 * math.ulp(max(abs(x), 1.0))), 0)


def agents_for_service_level(
    calls_per_hour: float,
    aht_s: float,
    target_s: float,
    service_level: float,
    patience_s: float | None = None,
    max_agents: int = 100_000,
) -> int:
    """Smallest number of agents meeting a service-level goal.

    Parameters
    ----------
    calls_per_hour : float
        Poisson arrival rate in calls per hour, >= 0.
    aht_s : float
        Mean handling time in seconds, > 0.
    target_s : float
        Target answer time in seconds, >= 0.
    service_level : float
        Required fraction of offered calls answered within ``target_s``,
        in 0..1.
    patience_s : float or None, optional
        Mean caller patience in seconds.  ``None`` (or ``math.inf``) uses
        Erlang C, otherwise Erlang A.
    max_agents : int, optional
        Largest head count to consider.

    Returns
    -------
    int
        The smallest ``n`` in 1..``max_agents`` whose service level is at
        least ``service_level``.

    Raises
    ------
    ValueError
        On invalid inputs, or if ``max_agents`` agents do not reach the
        service level.

    Notes
    -----
    Erlang C is scanned upwards with the Erlang B recursion, so the result
    is the smallest qualifying count by construction.  Erlang A uses a
    galloping plus bisection search, which relies on the service level being
    non-decreasing in the number of agents.
    """
    rate = check_non_negative("calls_per_hour", calls_per_hour)
    aht = check_positive("aht_s", aht_s)
    t = check_target(target_s)
    goal = float(service_level)
    if not 0.0 <= goal <= 1.0:
        raise ValueError(f"service_level must be a fraction in 0..1, got {service_level!r}")
    limit = check_agents("max_agents", max_agents)
    patience = math.inf if patience_s is None else check_patience(patience_s)
    load = rate / SECONDS_PER_HOUR * aht

    unreachable = ValueError(
        f"service_level {goal} within {t} s is not reachable with "
        f"max_agents={limit} agents (offered load {load:.6g} Erlangs)"
    )

    if math.isinf(patience):
        b = 1.0
        for c in range(1, limit + 1):
            ab = load * b
            b = ab / (c + ab)  # Erlang B recursion, B(c) from B(c - 1)
            p_wait = c_from_b(c, load, b)
            if erlang_c_service_level(c, load, p_wait, t, aht) >= goal:
                return c
        raise unreachable

    def meets(c: int) -> bool:
        return erlang_a_unchecked(load, aht, c, patience, t).service_level >= goal

    found = smallest_meeting(meets, 0, min(max(math.ceil(load), 1), limit), limit)
    if found is None:
        raise unreachable
    return found


def smallest_meeting(
    meets: Callable[[int], bool], below: int, first_try: int, limit: int
) -> int | None:
    """Smallest whole number in ``(below, limit]`` for which ``meets`` holds.

    ``meets`` must be monotone (once true, true for every larger number), as a
    service level is in the number of agents. Gallops up from ``first_try``,
    doubling, then bisects; ``None`` if even ``limit`` does not meet it.
    """
    lo, hi = below, min(max(first_try, below + 1), limit)
    while not meets(hi):
        if hi >= limit:
            return None
        lo, hi = hi, min(2 * hi, limit)
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if meets(mid):
            hi = mid
        else:
            lo = mid
    return hi
