"""Erlang B and C for a call centre, and the figures every exact model returns.

These closed-form / exactly-solved models give quick estimates for the
``demandsim erlang`` CLI, reference values for validating the simulator and
building blocks for staffing optimisation.

Model and units
---------------
* Calls arrive as a Poisson process at ``calls_per_hour`` (calls per hour).
* Handling times are exponential with mean ``aht_s`` (seconds).
* ``agents`` identical agents serve calls first-come first-served.
* The offered load is ``a = calls_per_hour / 3600 * aht_s`` (Erlangs).
* Erlang A (:mod:`sim.analytic.erlang_a`) adds exponential caller patience.

Everything is computed with stable recursions or in log space so that the
functions stay accurate and fast for thousands of agents (no factorials, no
large powers, no overflow).
"""

from __future__ import annotations

import math
import operator
from dataclasses import asdict, dataclass

from sim.units import SECONDS_PER_HOUR


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


#: Most agents any computation here accepts: 100,000, some fifty times the largest
#: contact centre. Erlang B, C and A cost time in proportion to the agents (the
#: recursions step one agent at a time), so past this a typo of a few zeros
#: would run for minutes.
MAX_AGENTS = 100_000


def check_agents(name: str, value: int) -> int:
    """``value`` as a head count, 1 to :data:`MAX_AGENTS`; ValueError naming ``name`` otherwise."""
    # bool is an int subclass but never a meaningful head count.
    if isinstance(value, bool):
        raise ValueError(f"{name} must be an integer >= 1, got {value!r}")
    try:
        count = operator.index(value)
    except TypeError:
        raise ValueError(f"{name} must be an integer >= 1, got {value!r}") from None
    if count < 1:
        raise ValueError(f"{name} must be an integer >= 1, got {count}")
    if count > MAX_AGENTS:
        raise ValueError(
            f"{name} must be at most {MAX_AGENTS:,} (far beyond any contact centre), got {count:,}"
        )
    return count


def check_non_negative(name: str, value: float) -> float:
    x = float(value)
    if not math.isfinite(x) or x < 0.0:
        raise ValueError(f"{name} must be a finite number >= 0, got {value!r}")
    return x


def check_positive(name: str, value: float) -> float:
    x = float(value)
    if not math.isfinite(x) or x <= 0.0:
        raise ValueError(f"{name} must be a finite number > 0, got {value!r}")
    return x


def check_target(value: float) -> float:
    # An infinite target is allowed: it asks for the fraction answered at all.
    x = float(value)
    if math.isnan(x) or x < 0.0:
        raise ValueError(f"target_s must be a number >= 0 (seconds), got {value!r}")
    return x


def check_patience(value: float) -> float:
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


def c_from_b(agents: int, load: float, b: float) -> float:
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
    c = check_agents("agents", agents)
    a = check_non_negative("offered_load", offered_load)
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
    c = check_agents("agents", agents)
    a = check_non_negative("offered_load", offered_load)
    if a >= c:
        return 1.0
    return c_from_b(c, a, _erlang_b_unchecked(c, a))


def erlang_c_service_level(
    agents: int, load: float, p_wait: float, target_s: float, aht_s: float
) -> float:
    if load >= agents:
        return 0.0
    # P(W > t) = C exp(-(c mu - lambda) t) with c mu - lambda = (c - a) / aht.
    return 1.0 - p_wait * math.exp(-(agents - load) * target_s / aht_s)


def erlang_c_unchecked(load: float, aht_s: float, agents: int, target_s: float) -> QueueFigures:
    if load >= agents:
        return QueueFigures(
            p_wait=1.0,
            service_level=0.0,
            asa_s=math.inf,
            occupancy=1.0,
            p_abandon=None,
        )
    p_wait = c_from_b(agents, load, _erlang_b_unchecked(agents, load))
    return QueueFigures(
        p_wait=p_wait,
        service_level=erlang_c_service_level(agents, load, p_wait, target_s, aht_s),
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
    rate = check_non_negative("calls_per_hour", calls_per_hour)
    aht = check_positive("aht_s", aht_s)
    c = check_agents("agents", agents)
    t = check_target(target_s)
    return erlang_c_unchecked(rate / SECONDS_PER_HOUR * aht, aht, c, t)
