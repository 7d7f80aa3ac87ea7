"""Larson's hypercube queueing model of response units spread over a region.

The region is cut into *atoms* (beats); atom ``j`` sends calls as a Poisson
process of ``rates_per_hour[j]`` calls per hour. ``N`` units each serve one
call at a time, for an exponential time of mean ``1 / mu`` hours (travel and
on-scene together, independent of who goes, as the model assumes). Each atom
has a fixed preference list, a permutation of the units: a call goes to the
first free unit of its atom's list. When every unit is busy the call is lost
(``capacity='zero line'``) or waits first come first served for the first unit
to clear (``capacity='infinite line'``).

The state of the units is a vertex of the N-dimensional unit cube (bit ``n``
set: unit ``n`` busy), hence the name (Larson, "A hypercube queuing model for
facility location and redistricting in urban emergency services", Computers &
Operations Research 1(1), 1974). Two solutions:

* :func:`solve_exact` solves the 2^N-state chain's balance equations as one
  sparse linear system (up to :data:`MAX_EXACT_UNITS` units). In the infinite
  line the states beyond all-busy form an M/M/N tail: the all-busy vertex
  balances with the states below it exactly as in the loss chain (arrivals
  into the queue are matched by queue departures, ``lambda P(q) = N mu
  P(q+1)``), so the loss chain's solution holds with the all-busy mass scaled
  by ``1 / (1 - lambda / (N mu))``.
* :func:`sim.analytic.hypercube_approx.solve_approximate` is Larson's 1975
  approximation, for any number of units (about 1-2% from the exact model).

Queued calls (infinite line) go to whichever unit clears first, each unit
equally likely (every unit busy, each clearing at rate ``mu``); their travel is
counted from that unit's home, as in Larson's model.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sparse
import scipy.sparse.linalg as sparse_linalg

#: Capacity rules: a call finding every unit busy is lost, or queues FCFS.
ZERO_LINE = "zero line"
INFINITE_LINE = "infinite line"
CAPACITIES = (ZERO_LINE, INFINITE_LINE)

#: Largest fleet solved exactly: 2^12 = 4,096 states solve in about a second
#: (sparse LU, minimum-degree ordering); every extra unit doubles the states and
#: the factor's fill-in grows faster, so beyond this the approximate model is used.
MAX_EXACT_UNITS = 12

#: Largest fleet the approximate model accepts (its cost is O(atoms x units)).
MAX_UNITS = 1_000


@dataclass(frozen=True, eq=False)
class HypercubeSolution:
    """Steady-state figures of a hypercube model.

    Attributes
    ----------
    method : str
        ``'exact'`` or ``'approximate'``.
    capacity : str
        ``'zero line'`` or ``'infinite line'``.
    state_probabilities : numpy.ndarray or None
        Exact only: probability of each set of busy units, indexed by the
        bitmask (bit ``n`` set: unit ``n`` busy), length 2^N, summing to 1. In
        the infinite line the all-busy entry includes every queue length.
    workloads : numpy.ndarray
        ``rho_n``, the fraction of time unit ``n`` is busy, 0..1, shape (N,).
    dispatch_fractions : numpy.ndarray
        ``f[j, n]``, the fraction of atom ``j``'s calls served by unit ``n``,
        shape (J, N). In the infinite line queued calls are included.
    dispatch_shares : numpy.ndarray
        Larson's ``f_{nj}`` as ``shares[j, n]``: the fraction of all dispatched
        (served) calls that send unit ``n`` to atom ``j``, shape (J, N), summing
        to 1.
    lost_fraction : float
        Fraction of every atom's calls lost (zero line; 0 in the infinite
        line). ``f[j].sum() + lost_fraction == 1`` for every atom.
    queued_fraction : float
        Fraction of calls that wait (infinite line; 0 in the zero line).
    all_busy : float
        Probability that every unit is busy (Erlang B or Erlang C).
    mean_travel_min : float or None
        Mean travel time of served calls, minutes (with a travel matrix).
    atom_travel_min : numpy.ndarray or None
        Mean travel time of each atom's served calls, minutes, shape (J,).
    unit_travel_min : numpy.ndarray or None
        Mean travel time of each unit's calls, minutes, shape (N,) (NaN for a
        unit that serves none).
    """

    method: str
    capacity: str
    state_probabilities: np.ndarray | None
    workloads: np.ndarray
    dispatch_fractions: np.ndarray
    dispatch_shares: np.ndarray
    lost_fraction: float
    queued_fraction: float
    all_busy: float
    mean_travel_min: float | None
    atom_travel_min: np.ndarray | None
    unit_travel_min: np.ndarray | None


def check_hypercube_inputs(
    rates_per_hour: Sequence[float],
    mu_per_hour: float,
    preferences: Sequence[Sequence[int]],
    capacity: str,
    travel_min: np.ndarray | Sequence[Sequence[float]] | None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """The inputs as arrays: rates (J,), preference order (J, N), travel (J, N) or None.

    Raises
    ------
    ValueError
        Naming the first argument out of range.
    """
    rates = np.asarray(rates_per_hour, dtype=float)
    if rates.ndim != 1 or rates.size == 0:
        raise ValueError("rates_per_hour must be a non-empty list of calls per hour, one per atom")
    if not np.all(np.isfinite(rates)) or np.any(rates < 0.0):
        raise ValueError("rates_per_hour must be finite numbers >= 0 (calls per hour)")
    if rates.sum() <= 0.0:
        raise ValueError("rates_per_hour must not all be 0")
    if not math.isfinite(mu_per_hour) or mu_per_hour <= 0.0:
        raise ValueError(f"mu_per_hour must be a finite number > 0, got {mu_per_hour!r}")
    if capacity not in CAPACITIES:
        raise ValueError(f"capacity must be one of {CAPACITIES}, got {capacity!r}")
    if len(preferences) != rates.size:
        raise ValueError(
            f"preferences must give one list per atom ({rates.size}), got {len(preferences)}"
        )
    units = len(preferences[0])
    if units < 1 or units > MAX_UNITS:
        raise ValueError(f"the model needs 1 to {MAX_UNITS} units, got {units}")
    for j, row in enumerate(preferences):
        if sorted(int(n) for n in row) != list(range(units)):
            raise ValueError(
                f"preferences[{j}] must list every unit 0..{units - 1} once, got {list(row)}"
            )
    order = np.asarray([list(p) for p in preferences], dtype=np.int64)
    travel = None
    if travel_min is not None:
        travel = np.asarray(travel_min, dtype=float)
        if travel.shape != (rates.size, units):
            raise ValueError(
                f"travel_min must be atoms x units ({rates.size} x {units}), got {travel.shape}"
            )
        if not np.all(np.isfinite(travel)) or np.any(travel < 0.0):
            raise ValueError("travel_min must be finite numbers >= 0 (minutes)")
    if capacity == INFINITE_LINE and rates.sum() >= units * mu_per_hour:
        raise ValueError(
            f"the infinite line is unstable: {rates.sum():g} calls per hour offered to "
            f"{units} units clearing {units * mu_per_hour:g} per hour at most"
        )
    return rates, order, travel


def _first_free(order: np.ndarray, states: np.ndarray) -> np.ndarray:
    """The unit each atom's call goes to in each state (-1: every unit busy), (J, S)."""
    target = np.full((order.shape[0], states.size), -1, dtype=np.int64)
    for j, row in enumerate(order):
        unassigned = np.ones(states.size, dtype=bool)
        for unit in row:
            free = ((states >> unit) & 1) == 0
            take = unassigned & free
            target[j, take] = unit
            unassigned &= ~take
    return target


def assemble_solution(
    method: str,
    capacity: str,
    rates: np.ndarray,
    fractions: np.ndarray,
    workloads: np.ndarray,
    all_busy: float,
    travel: np.ndarray | None,
    state_probabilities: np.ndarray | None = None,
) -> HypercubeSolution:
    """The full solution from the calls dispatched at once, ``fractions`` (J, N).

    Adds the queued calls (infinite line: each unit clears first equally often),
    Larson's shares and the travel figures.
    """
    units = fractions.shape[1]
    if capacity == INFINITE_LINE:
        fractions = fractions + all_busy / units
        lost, queued = 0.0, all_busy
    else:
        lost, queued = all_busy, 0.0
    calls = rates[:, None] * fractions
    mean_travel = atom_travel = unit_travel = None
    if travel is not None:
        atom_travel = (fractions * travel).sum(axis=1) / fractions.sum(axis=1)
        mean_travel = float((calls * travel).sum() / calls.sum())
        unit_calls = calls.sum(axis=0)
        with np.errstate(invalid="ignore", divide="ignore"):
            unit_travel = np.where(
                unit_calls > 0, (calls * travel).sum(axis=0) / unit_calls, np.nan
            )
    return HypercubeSolution(
        method=method,
        capacity=capacity,
        state_probabilities=state_probabilities,
        workloads=workloads,
        dispatch_fractions=fractions,
        dispatch_shares=calls / calls.sum(),
        lost_fraction=lost,
        queued_fraction=queued,
        all_busy=all_busy,
        mean_travel_min=mean_travel,
        atom_travel_min=atom_travel,
        unit_travel_min=unit_travel,
    )


def solve_exact(
    rates_per_hour: Sequence[float],
    mu_per_hour: float,
    preferences: Sequence[Sequence[int]],
    capacity: str = ZERO_LINE,
    travel_min: np.ndarray | Sequence[Sequence[float]] | None = None,
) -> HypercubeSolution:
    """Solve the hypercube chain exactly.

    Parameters
    ----------
    rates_per_hour : sequence of float
        Each atom's Poisson call rate, calls per hour, shape (J,).
    mu_per_hour : float
        Service rate of every unit, calls per hour (1 / mean service hours).
    preferences : sequence of sequence of int
        For each atom, every unit index 0..N-1 once, most preferred first.
    capacity : str
        ``'zero line'`` (loss) or ``'infinite line'`` (FCFS queue).
    travel_min : array-like, optional
        Travel time from each unit's home to each atom, minutes, (J, N).

    Returns
    -------
    HypercubeSolution

    Raises
    ------
    ValueError
        On inputs out of range, more than :data:`MAX_EXACT_UNITS` units, or an
        unstable infinite line.
    """
    rates, order, travel = check_hypercube_inputs(
        rates_per_hour, mu_per_hour, preferences, capacity, travel_min
    )
    units = order.shape[1]
    if units > MAX_EXACT_UNITS:
        raise ValueError(
            f"the exact model solves at most {MAX_EXACT_UNITS} units (2^N states), got {units}; "
            "use the approximate model"
        )
    count = 1 << units
    full = count - 1
    states = np.arange(count, dtype=np.int64)
    target = _first_free(order, states)

    # Generator Q (row: from, column: to); arrivals raise one bit, clearances drop one.
    rows, cols, vals = [], [], []
    for j in range(rates.size):
        if rates[j] == 0.0:
            continue
        ok = target[j] >= 0
        rows.append(states[ok])
        cols.append(states[ok] | (np.int64(1) << target[j, ok]))
        vals.append(np.full(int(ok.sum()), rates[j]))
    for unit in range(units):
        busy = ((states >> unit) & 1) == 1
        rows.append(states[busy])
        cols.append(states[busy] & ~(np.int64(1) << unit))
        vals.append(np.full(int(busy.sum()), mu_per_hour))
    r, c, v = np.concatenate(rows), np.concatenate(cols), np.concatenate(vals)
    generator = sparse.coo_matrix((v, (r, c)), shape=(count, count)).tocsr()
    generator = generator - sparse.diags(np.asarray(generator.sum(axis=1)).ravel())
    # pi Q = 0 with pi[0] = 1 (then normalised): dropping state 0's balance equation
    # and column keeps the system sparse, where a row of ones would fill in the factors.
    transposed = generator.T.tocsc()
    reduced = transposed[1:, 1:]
    pi = np.empty(count)
    pi[0] = 1.0
    pi[1:] = sparse_linalg.spsolve(
        reduced, -transposed[1:, 0].toarray().ravel(), permc_spec="MMD_AT_PLUS_A"
    )
    pi = np.clip(pi, 0.0, None)

    if capacity == INFINITE_LINE:
        # The M/M/N tail beyond the all-busy vertex: geometric with ratio lambda / (N mu).
        pi[full] /= 1.0 - rates.sum() / (units * mu_per_hour)
    pi /= pi.sum()

    fractions = np.zeros((rates.size, units))
    for j in range(rates.size):
        ok = target[j] >= 0
        fractions[j] = np.bincount(target[j, ok], weights=pi[ok], minlength=units)
    workloads = np.array([pi[((states >> n) & 1) == 1].sum() for n in range(units)])
    return assemble_solution(
        "exact", capacity, rates, fractions, workloads, float(pi[full]), travel, pi
    )


def solve(
    rates_per_hour: Sequence[float],
    mu_per_hour: float,
    preferences: Sequence[Sequence[int]],
    capacity: str = ZERO_LINE,
    travel_min: np.ndarray | Sequence[Sequence[float]] | None = None,
    method: str = "auto",
) -> HypercubeSolution:
    """The hypercube model, exact up to :data:`MAX_EXACT_UNITS` units, approximate beyond.

    Parameters are those of :func:`solve_exact`, plus ``method``: ``'auto'``,
    ``'exact'`` or ``'approximate'``.

    Returns
    -------
    HypercubeSolution
    """
    if method not in ("auto", "exact", "approximate"):
        raise ValueError(f"method must be 'auto', 'exact' or 'approximate', got {method!r}")
    units = len(preferences[0]) if len(preferences) else 0
    exact = method == "exact" or (method == "auto" and units <= MAX_EXACT_UNITS)
    if exact:
        return solve_exact(rates_per_hour, mu_per_hour, preferences, capacity, travel_min)
    # Imported here: the approximate model builds on this module's inputs and outputs.
    from sim.analytic.hypercube_approx import solve_approximate

    return solve_approximate(rates_per_hour, mu_per_hour, preferences, capacity, travel_min)
