"""Erlang A (M/M/c+M): a call centre whose callers abandon, solved exactly.

Poisson arrivals at ``calls_per_hour``, exponential handling with mean
``aht_s`` (seconds), ``agents`` agents first come first served, and exponential
caller patience with mean ``patience_s`` (seconds): a waiting caller whose
patience runs out abandons. The birth-death chain is solved in log space over
the window of states that carry any weight, so the figures stay exact and fast
for thousands of agents.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.special import betainc, digamma

from sim.analytic.erlang import (
    QueueFigures,
    check_agents,
    check_non_negative,
    check_patience,
    check_positive,
    check_target,
    erlang_c_unchecked,
)
from sim.units import SECONDS_PER_HOUR

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


def erlang_a_unchecked(
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
    rate = check_non_negative("calls_per_hour", calls_per_hour)
    aht = check_positive("aht_s", aht_s)
    c = check_agents("agents", agents)
    patience = check_patience(patience_s)
    t = check_target(target_s)
    load = rate / SECONDS_PER_HOUR * aht
    if math.isinf(patience):
        figures = erlang_c_unchecked(load, aht, c, t)
        return QueueFigures(
            p_wait=figures.p_wait,
            service_level=figures.service_level,
            asa_s=figures.asa_s,
            occupancy=figures.occupancy,
            p_abandon=0.0,
        )
    return erlang_a_unchecked(load, aht, c, patience, t)
