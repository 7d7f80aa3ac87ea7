"""Analytic queueing formulas for a call centre (Erlang B, C and A).

These closed-form / exactly-solved models give quick estimates for the
``demandsim erlang`` CLI, reference values for validating the simulator and
building blocks for staffing optimisation.

Model and units
---------------
* Calls arrive as a Poisson process at ``calls_per_hour`` (calls per hour).
* Handling times are exponential with mean ``aht_s`` (seconds).
* ``agents`` identical agents serve calls first-come first-served.
* The offered load is ``a = calls_per_hour / 3600 * aht_s`` (Erlangs).
* Erlang A adds exponential caller patience with mean ``patience_s``
  (seconds); a waiting caller whose patience runs out abandons.

Everything is computed with stable recursions or in log space so that the
functions stay accurate and fast for thousands of agents (no factorials, no
large powers, no overflow).
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable
from dataclasses import asdict, dataclass

import numpy as np
from scipy.special import betainc, digamma

__all__ = [
    "QueueFigures",
    "agents_for_service_level",
    "erlang_a_figures",
    "erlang_b",
    "erlang_c",
    "erlang_c_figures",
    "square_root_staffing",
]

SECONDS_PER_HOUR = 3600.0

# Stationary-distribution states whose weight is below exp(-_LOG_CUTOFF) times
# the weight of the mode are dropped.  The distribution is log-concave, so the
# discarded tail is geometrically bounded: with a cutoff of 50 (~2e-22) the
# neglected mass stays far below 1e-14 even for windows of millions of states.
_LOG_CUTOFF = 50.0
# Guards against pathological inputs (e.g. patience of years with overload),
# where the exact chain would need an absurd number of states.
_MAX_WINDOW_STATES = 2_000_000
_MAX_MODE = 1e12
# Below this many queue positions the offset of the conditional-wait sum is
# summed directly; above it the digamma difference is used (cancellation is
# then harmless because the difference itself is large).
_DIRECT_SUM_LIMIT = 1 << 20


@dataclass(frozen=True)
class QueueFigures:
    """Steady-state performance figures of a call-centre queue.

    Attributes
    ----------
    p_wait : float
        Probability that an arriving call finds every agent busy (by PASTA,
        the time-stationary probability that all agents are busy), 0..1.
    service_level : float
        Fraction of *offered* calls that are answered with a wait of at most
        the target time, 0..1.  Abandoned calls count as failures.
    asa_s : float
        Average speed of answer: mean wait of *answered* calls, in seconds
        (``math.inf`` for an unstable Erlang C queue).
    occupancy : float
        Fraction of agent time spent busy, 0..1 (carried load in Erlangs
        divided by the number of agents).
    p_abandon : float or None
        Probability that a call abandons (Erlang A); ``None`` for Erlang C,
        which has no abandonment model.
    """

    p_wait: float
    service_level: float
    asa_s: float
    occupancy: float
    p_abandon: float | None

    def as_dict(self) -> dict[str, float | None]:
        """Return the figures as a plain dictionary.

        Returns
        -------
        dict of str to float
            Keys ``p_wait``, ``service_level``, ``asa_s``, ``occupancy`` and,
            only when it is not ``None``, ``p_abandon``.
        """
        out: dict[str, float | None] = asdict(self)
        if self.p_abandon is None:
            del out["p_abandon"]
        return out


# --------------------------------------------------------------------------
# Input validation
# --------------------------------------------------------------------------


def _check_agents(name: str, value: int) -> int:
    # bool is an int subclass but never a meaningful head count.
    if isinstance(value, bool):
        raise ValueError(f"{name} must be an integer >= 1, got {value!r}")
    try:
        count = operator.index(value)
    except TypeError:
        raise ValueError(f"{name} must be an integer >= 1, got {value!r}") from None
    if count < 1:
        raise ValueError(f"{name} must be an integer >= 1, got {count}")
    return count


def _check_non_negative(name: str, value: float) -> float:
    x = float(value)
    if not math.isfinite(x) or x < 0.0:
        raise ValueError(f"{name} must be a finite number >= 0, got {value!r}")
    return x


def _check_positive(name: str, value: float) -> float:
    x = float(value)
    if not math.isfinite(x) or x <= 0.0:
        raise ValueError(f"{name} must be a finite number > 0, got {value!r}")
    return x


def _check_target(value: float) -> float:
    # An infinite target is allowed: it asks for the fraction answered at all.
    x = float(value)
    if math.isnan(x) or x < 0.0:
        raise ValueError(f"target_s must be a number >= 0 (seconds), got {value!r}")
    return x


def _check_patience(value: float) -> float:
    # math.inf is allowed and means "callers never abandon" (Erlang C).
    x = float(value)
    if math.isnan(x) or x <= 0.0:
        raise ValueError(f"patience_s must be a number > 0 (seconds) or math.inf, got {value!r}")
    return x


# --------------------------------------------------------------------------
# Erlang B and C
# --------------------------------------------------------------------------


def _erlang_b_unchecked(agents: int, load: float) -> float:
    # Forward recursion B(k) = a B(k-1) / (k + a B(k-1)): every step is a
    # convex combination, so it cannot overflow and only underflows
    # (harmlessly, to 0) when blocking is negligible.
    b = 1.0
    for k in range(1, agents + 1):
        ab = load * b
        b = ab / (k + ab)
    return b


def _c_from_b(agents: int, load: float, b: float) -> float:
    # C = c B / (c - a (1 - B)), valid for a < c; all terms are O(c).
    if load >= agents:
        return 1.0
    return agents * b / (agents - load * (1.0 - b))


def erlang_b(agents: int, offered_load: float) -> float:
    """Erlang B blocking probability of an M/M/c/c loss system.

    Parameters
    ----------
    agents : int
        Number of agents (servers), >= 1.
    offered_load : float
        Offered load in Erlangs (arrival rate times mean handling time), >= 0.

    Returns
    -------
    float
        Probability that an arriving call finds all agents busy and is lost,
        in 0..1.

    Raises
    ------
    ValueError
        If ``agents`` is not an integer >= 1 or ``offered_load`` is negative
        or not finite.
    """
    c = _check_agents("agents", agents)
    a = _check_non_negative("offered_load", offered_load)
    return _erlang_b_unchecked(c, a)


def erlang_c(agents: int, offered_load: float) -> float:
    """Erlang C probability of waiting in an M/M/c queue.

    Parameters
    ----------
    agents : int
        Number of agents (servers), >= 1.
    offered_load : float
        Offered load in Erlangs, >= 0.

    Returns
    -------
    float
        Probability that an arriving call has to wait (all agents busy), in
        0..1.  Returns 1.0 when ``offered_load >= agents`` (unstable queue).

    Raises
    ------
    ValueError
        If ``agents`` is not an integer >= 1 or ``offered_load`` is negative
        or not finite.
    """
    c = _check_agents("agents", agents)
    a = _check_non_negative("offered_load", offered_load)
    if a >= c:
        return 1.0
    return _c_from_b(c, a, _erlang_b_unchecked(c, a))


def _erlang_c_service_level(
    agents: int, load: float, p_wait: float, target_s: float, aht_s: float
) -> float:
    if load >= agents:
        return 0.0
    # P(W > t) = C exp(-(c mu - lambda) t) with c mu - lambda = (c - a) / aht.
    return 1.0 - p_wait * math.exp(-(agents - load) * target_s / aht_s)


def _erlang_c_unchecked(load: float, aht_s: float, agents: int, target_s: float) -> QueueFigures:
    if load >= agents:
        return QueueFigures(
            p_wait=1.0,
            service_level=0.0,
            asa_s=math.inf,
            occupancy=1.0,
            p_abandon=None,
        )
    p_wait = _c_from_b(agents, load, _erlang_b_unchecked(agents, load))
    return QueueFigures(
        p_wait=p_wait,
        service_level=_erlang_c_service_level(agents, load, p_wait, target_s, aht_s),
        # Every call is eventually answered, so the mean over answered calls
        # is the mean over all calls: C / (c mu - lambda).
        asa_s=p_wait * aht_s / (agents - load),
        occupancy=load / agents,
        p_abandon=None,
    )


def erlang_c_figures(
    calls_per_hour: float, aht_s: float, agents: int, target_s: float
) -> QueueFigures:
    """Steady-state figures of an M/M/c queue (Erlang C, infinite patience).

    Parameters
    ----------
    calls_per_hour : float
        Poisson arrival rate in calls per hour, >= 0.
    aht_s : float
        Mean (exponential) handling time in seconds, > 0.
    agents : int
        Number of agents, >= 1.
    target_s : float
        Service-level target wait in seconds, >= 0 (``math.inf`` allowed).

    Returns
    -------
    QueueFigures
        ``p_abandon`` is ``None``.  If the offered load is at least
        ``agents`` the queue is unstable and the figures are ``p_wait=1``,
        ``service_level=0``, ``asa_s=inf``, ``occupancy=1``.

    Raises
    ------
    ValueError
        On a negative or non-finite rate, ``aht_s <= 0``, ``agents < 1`` or
        ``target_s < 0``.
    """
    rate = _check_non_negative("calls_per_hour", calls_per_hour)
    aht = _check_positive("aht_s", aht_s)
    c = _check_agents("agents", agents)
    t = _check_target(target_s)
    return _erlang_c_unchecked(rate / SECONDS_PER_HOUR * aht, aht, c, t)


# --------------------------------------------------------------------------
# Erlang A (M/M/c+M)
# --------------------------------------------------------------------------
#
# Time is measured in units of the mean handling time inside the helpers
# below, so the service rate is 1, the arrival rate equals the offered load
# ``a`` and the abandonment rate is ``r = aht_s / patience_s``.


def _log_ratio(n: np.ndarray, load: float, agents: int, r: float) -> np.ndarray:
    """Return log(pi(n) / pi(n - 1)) of the M/M/c+M chain for states n >= 1."""
    death = np.minimum(n, agents) + r * np.maximum(n - agents, 0.0)
    return math.log(load) - np.log(death)


def _stationary_window(load: float, agents: int, r: float) -> tuple[int, np.ndarray]:
    """Log-weights of the stationary distribution around its mode.

    Returns ``(lo, log_w)`` where ``log_w[i]`` is log(pi(lo + i) / pi(mode)).
    Working relative to the mode (rather than from state 0) avoids the
    underflow that ruins naive products for thousands of agents.
    """
    # The death rate is increasing in n, so pi(n)/pi(n-1) = a / death(n) is
    # decreasing: the distribution is log-concave and its mode is the last
    # state whose death rate does not exceed the arrival rate.
    if load >= agents:
        excess = (load - agents) / r
        if excess > _MAX_MODE:
            raise ValueError(
                "patience_s is too long for an exact Erlang A solution at this "
                f"overload (the queue would hold ~{excess:.3g} calls); use "
                "patience_s=math.inf for Erlang C"
            )
        mode = agents + math.floor(excess)
    else:
        mode = min(math.floor(load), agents - 1)

    # Spread is ~sqrt(a) below c and ~sqrt(a / r) in the queue; start a bit
    # wider than that and double until the weights fall below the cutoff.
    start = 64 + 8 * math.isqrt(mode + 1)

    width = start
    while True:
        n_up = np.arange(mode + 1, mode + width + 1, dtype=float)
        up = np.cumsum(_log_ratio(n_up, load, agents, r))
        if up[-1] < -_LOG_CUTOFF:
            break
        width *= 2
        if width > _MAX_WINDOW_STATES:
            raise ValueError(
                "Erlang A stationary distribution needs more than "
                f"{_MAX_WINDOW_STATES} states; patience_s is too long for this "
                "load (use patience_s=math.inf for Erlang C)"
            )
    up = up[: int(np.argmax(up < -_LOG_CUTOFF)) + 1]

    down = np.empty(0)
    width = min(start, mode)
    while width > 0:
        n_down = np.arange(mode, mode - width, -1, dtype=float)
        # log pi(n-1) - log pi(mode) for n = mode, mode-1, ...
        down = -np.cumsum(_log_ratio(n_down, load, agents, r))
        if down[-1] < -_LOG_CUTOFF or width == mode:
            break
        width = min(2 * width, mode)
        if width > _MAX_WINDOW_STATES:
            raise ValueError(
                f"Erlang A stationary distribution needs more than {_MAX_WINDOW_STATES} states"
            )
    if down.size and down[-1] < -_LOG_CUTOFF:
        down = down[: int(np.argmax(down < -_LOG_CUTOFF)) + 1]

    log_w = np.concatenate([down[::-1], [0.0], up])
    return mode - down.size, log_w


def _wait_offset(first_pos: int, agents: int, r: float) -> float:
    """Sum_{k=1}^{first_pos} 1 / (c + k r), in handling-time units."""
    if first_pos <= 0:
        return 0.0
    if first_pos <= _DIRECT_SUM_LIMIT:
        k = np.arange(1, first_pos + 1, dtype=float)
        return float(np.sum(1.0 / (agents + k * r)))
    # Sum_{k=1}^{J} 1/(c + k r) = (psi(c/r + J + 1) - psi(c/r + 1)) / r.
    p = agents / r
    return float((digamma(p + first_pos + 1.0) - digamma(p + 1.0)) / r)


def _erlang_a_unchecked(
    load: float, aht_s: float, agents: int, patience_s: float, target_s: float
) -> QueueFigures:
    if load == 0.0:
        return QueueFigures(p_wait=0.0, service_level=1.0, asa_s=0.0, occupancy=0.0, p_abandon=0.0)
    c = agents
    r = aht_s / patience_s  # abandonment rate in handling-time units
    lo, log_w = _stationary_window(load, c, r)
    w = np.exp(log_w - log_w.max())
    pi = w / np.sum(w)

    # States n >= c: the arriving call queues behind j = n - c others.
    first_queue = max(c - lo, 0)
    pi_q = pi[first_queue:]
    p_wait = float(np.sum(pi_q))
    # Summed directly rather than as 1 - p_wait so that a tiny probability
    # of immediate answer is not lost to cancellation.
    p_immediate = float(np.sum(pi[:first_queue]))
    if pi_q.size == 0:
        # All the mass is below c: nobody waits (to within the cutoff).
        return QueueFigures(
            p_wait=0.0,
            service_level=1.0,
            asa_s=0.0,
            occupancy=min(load / c, 1.0),
            p_abandon=0.0,
        )
    j0 = lo + first_queue - c
    j = np.arange(j0, j0 + pi_q.size, dtype=float)

    # p_abandon from the rate balance: abandonments per unit time are
    # theta E[Q], arrivals are lambda.
    p_abandon = float(r * np.dot(pi_q, j) / load)
    p_abandon = min(max(p_abandon, 0.0), 1.0)

    # Tagged call with j ahead: it reaches an agent after T = sum of
    # independent exponentials with rates c + k r (k = j..0) and is answered
    # iff its own Exp(r) patience exceeds T.  That sum has density
    # K e^{-c t} (1 - e^{-r t})^j, i.e. U = e^{-r T} ~ Beta(c/r, j+1), so
    #   P(answered)            = c / (c + (j+1) r),
    #   P(answered, T <= tau)  = P(answered) * I_{1-e^{-r tau}}(j+1, c/r+1),
    #   E[T | answered]        = sum_{k=1}^{j+1} 1 / (c + k r).
    # (Conditioning on answer adds r to every rate, giving Beta(c/r+1, j+1).)
    p_answer_j = c / (c + (j + 1.0) * r)
    tau = target_s / aht_s
    # 1 - e^{-r tau} via expm1 keeps precision when r tau is tiny.
    y = -math.expm1(-r * tau) if math.isfinite(tau) else 1.0
    within = betainc(j + 1.0, c / r + 1.0, y)
    service_level = p_immediate + float(np.dot(pi_q, p_answer_j * within))

    mean_wait_j = _wait_offset(j0, c, r) + np.cumsum(1.0 / (c + (j + 1.0) * r))
    wait_answered = float(np.dot(pi_q, p_answer_j * mean_wait_j))
    p_answer = 1.0 - p_abandon
    asa = wait_answered / p_answer * aht_s if p_answer > 0.0 else math.inf

    return QueueFigures(
        p_wait=min(max(p_wait, 0.0), 1.0),
        service_level=min(max(service_level, 0.0), 1.0),
        asa_s=asa,
        occupancy=min(max(load * p_answer / c, 0.0), 1.0),
        p_abandon=p_abandon,
    )


def erlang_a_figures(
    calls_per_hour: float,
    aht_s: float,
    agents: int,
    patience_s: float,
    target_s: float,
) -> QueueFigures:
    """Steady-state figures of an M/M/c+M queue (Erlang A, with abandonment).

    Callers have exponential patience with mean ``patience_s``; a caller
    still waiting when the patience expires abandons.  The queue is always
    stable.  The number of calls in the system is solved exactly as a
    birth-death chain (in log space, truncated where the tail mass is below
    ~1e-14), and the waiting-time figures are obtained exactly per queue
    position from a Beta-distribution closed form.

    Parameters
    ----------
    calls_per_hour : float
        Poisson arrival rate in calls per hour, >= 0.
    aht_s : float
        Mean (exponential) handling time in seconds, > 0.
    agents : int
        Number of agents, >= 1.
    patience_s : float
        Mean (exponential) caller patience in seconds, > 0.  ``math.inf``
        returns the Erlang C figures with ``p_abandon = 0.0``.
    target_s : float
        Service-level target wait in seconds, >= 0 (``math.inf`` allowed,
        giving the fraction of calls answered at all).

    Returns
    -------
    QueueFigures
        ``p_wait`` = P(all agents busy on arrival); ``service_level`` =
        P(answered and waited <= ``target_s``) over all offered calls;
        ``asa_s`` = mean wait of answered calls in seconds; ``occupancy`` =
        carried load / agents; ``p_abandon`` = P(abandon).

    Raises
    ------
    ValueError
        On a negative or non-finite rate, ``aht_s <= 0``, ``agents < 1``,
        ``patience_s <= 0``, ``target_s < 0``, or when the patience is so
        long relative to an overload that the exact chain would need
        millions of states.
    """
    rate = _check_non_negative("calls_per_hour", calls_per_hour)
    aht = _check_positive("aht_s", aht_s)
    c = _check_agents("agents", agents)
    patience = _check_patience(patience_s)
    t = _check_target(target_s)
    load = rate / SECONDS_PER_HOUR * aht
    if math.isinf(patience):
        figures = _erlang_c_unchecked(load, aht, c, t)
        return QueueFigures(
            p_wait=figures.p_wait,
            service_level=figures.service_level,
            asa_s=figures.asa_s,
            occupancy=figures.occupancy,
            p_abandon=0.0,
        )
    return _erlang_a_unchecked(load, aht, c, patience, t)


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
    load = _check_non_negative("offered_load", offered_load)
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
    rate = _check_non_negative("calls_per_hour", calls_per_hour)
    aht = _check_positive("aht_s", aht_s)
    t = _check_target(target_s)
    goal = float(service_level)
    if not 0.0 <= goal <= 1.0:
        raise ValueError(f"service_level must be a fraction in 0..1, got {service_level!r}")
    limit = _check_agents("max_agents", max_agents)
    patience = math.inf if patience_s is None else _check_patience(patience_s)
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
            p_wait = _c_from_b(c, load, b)
            if _erlang_c_service_level(c, load, p_wait, t, aht) >= goal:
                return c
        raise unreachable

    def meets(c: int) -> bool:
        return _erlang_a_unchecked(load, aht, c, patience, t).service_level >= goal

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
