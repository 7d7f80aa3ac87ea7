"""Larson's approximate hypercube model, for fleets too large for the exact chain.

Larson, "Approximating the performance of urban emergency service systems",
Operations Research 23(5), 1975. The exact model's chance that a call from atom
``j`` finds its first ``k`` preferred units busy and the next one free is
replaced by ``Q(N, rho, k) rho_1 ... rho_k (1 - rho_{k+1})``: the units taken as
independently busy with their own workloads, corrected by Larson's factor ``Q``
for the dependence an M/M/N system has between its servers. The workloads then
solve a fixed point, found by iteration from the mean workload, rescaled at
every step to add up to the load carried (without that, fleets of many units
and few atoms run away to every unit busy). Larson reports
errors of about 1-2% in the workloads against the exact model; the cost is
O(atoms x units) per iteration for any number of units. Inputs and outputs are
those of :mod:`sim.analytic.hypercube`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from scipy.special import gammaln

from sim.analytic.erlang import erlang_b, erlang_c
from sim.analytic.hypercube import (
    INFINITE_LINE,
    ZERO_LINE,
    HypercubeSolution,
    assemble_solution,
    check_hypercube_inputs,
)


def busy_count_distribution(units: int, offered_load: float, capacity: str) -> np.ndarray:
    """Probability that ``k`` units are busy, k = 0..N, for N symmetric servers.

    The M/M/N/N (zero line) or M/M/N (infinite line; entry N is every state with
    all units busy) birth-death chain, computed in log space so that it holds
    for hundreds of units.

    Parameters
    ----------
    units : int
        N, number of units.
    offered_load : float
        lambda / mu, Erlangs.
    capacity : str
        ``'zero line'`` or ``'infinite line'``.

    Returns
    -------
    numpy.ndarray
        Shape (N + 1,), summing to 1.
    """
    k = np.arange(units + 1)
    log_terms = k * math.log(offered_load) - np.array([math.lgamma(i + 1) for i in k])
    if capacity == INFINITE_LINE:
        log_terms[units] -= math.log1p(-offered_load / units)
    log_terms -= log_terms.max()
    terms = np.exp(log_terms)
    return terms / terms.sum()


def correction_factors(units: int, offered_load: float, capacity: str) -> np.ndarray:
    """Larson's correction factors Q(N, rho, k), k = 0..N-1.

    ``Q(N, rho, k) rho^k (1 - rho)`` is the probability that a call finds ``k``
    given units busy and a given further unit free when the busy set, given its
    size, is equally likely to be any set of that size (random dispatch):
    ``sum_{i>=k} P_i [i! (N-k-1)! (N-i)] / [(i-k)! N!]`` over the symmetric
    chain's ``P_i`` (:func:`busy_count_distribution`), with ``rho`` the mean
    workload. ``Q(N, rho, 0) = 1`` when every unit is free at least sometimes.
    Parameters are those of :func:`busy_count_distribution`.

    Returns
    -------
    numpy.ndarray
        Shape (N,).
    """
    p = busy_count_distribution(units, offered_load, capacity)
    rho = float((np.arange(units + 1) * p).sum() / units)
    if capacity == INFINITE_LINE:
        rho = offered_load / units
    k = np.arange(units)[:, None]
    i = np.arange(units)[None, :]
    # weight[k, i] = i! (N-k-1)! (N-i) / ((i-k)! N!) for i >= k, in log space.
    with np.errstate(divide="ignore", invalid="ignore"):
        log_weight = (
            gammaln(i + 1)
            + gammaln(units - k)
            - gammaln(np.maximum(i - k, 0) + 1)
            - gammaln(units + 1)
            + np.log(units - i)
        )
    weight = np.where(i >= k, np.exp(log_weight), 0.0)
    numerator = weight @ p[:units]
    denominator = rho ** np.arange(units) * (1.0 - rho)
    safe = denominator > 0.0
    q = np.zeros(units)
    q[safe] = numerator[safe] / denominator[safe]
    return q


def solve_approximate(
    rates_per_hour: Sequence[float],
    mu_per_hour: float,
    preferences: Sequence[Sequence[int]],
    capacity: str = ZERO_LINE,
    travel_min: np.ndarray | Sequence[Sequence[float]] | None = None,
    tolerance: float = 1e-10,
    max_iterations: int = 10_000,
) -> HypercubeSolution:
    """Larson's (1975) approximate hypercube model, for any number of units.

    Parameters are those of :func:`sim.analytic.hypercube.solve_exact`, plus
    ``tolerance`` (largest change of a workload between iterations at which to
    stop) and ``max_iterations``. ``state_probabilities`` is ``None``.

    Returns
    -------
    HypercubeSolution

    Raises
    ------
    ValueError
        On inputs out of range, an unstable infinite line, or no convergence.
    """
    rates, order, travel = check_hypercube_inputs(
        rates_per_hour, mu_per_hour, preferences, capacity, travel_min
    )
    units = order.shape[1]
    load = float(rates.sum() / mu_per_hour)
    q = correction_factors(units, load, capacity)
    if capacity == INFINITE_LINE:
        all_busy = erlang_c(units, load)
        # Queued calls, shared evenly: each unit's share of its busy time.
        queued_load = load * all_busy / units
    else:
        all_busy = erlang_b(units, load)
        queued_load = 0.0
    rho_mean = load * (1.0 - all_busy) / units if capacity == ZERO_LINE else load / units
    workloads = np.full(units, rho_mean)
    atom_load = rates / mu_per_hour

    def dispatch_terms(rho: np.ndarray) -> np.ndarray:
        # terms[j, k] = Q(N, rho, k) * prod of the workloads of atom j's first k units.
        busy_before = np.cumprod(
            np.hstack([np.ones((order.shape[0], 1)), rho[order[:, :-1]]]), axis=1
        )
        return q[None, :] * busy_before

    for _ in range(max_iterations):
        terms = dispatch_terms(workloads)
        # load_first[n]: Erlangs that would reach unit n if it were free.
        load_first = np.zeros(units)
        np.add.at(load_first, order, atom_load[:, None] * terms)
        updated = (load_first + queued_load) / (1.0 + load_first)
        # The workloads must add up to the load carried (known exactly: N rho). The
        # bare iteration need not keep that: with many units and few atoms, units
        # deep in the lists have Q in the hundreds, a small excess feeds itself and
        # every workload runs to 1. Rescaling to the total each step keeps the fixed
        # point the one Larson's Q is derived for (his mean workload rho).
        updated *= units * rho_mean / updated.sum()
        updated = np.minimum(updated, 1.0)
        # Half steps: the same fixed point, but no two-cycle where a few atoms send
        # all their calls down long lists (100 units, 5 atoms oscillated for ever).
        updated = 0.5 * (workloads + updated)
        change = float(np.abs(updated - workloads).max())
        workloads = updated
        if change < tolerance:
            break
    else:
        raise ValueError(
            f"the approximate hypercube did not converge in {max_iterations:,} steps "
            f"({units} units, {rates.size} atoms): Larson's correction grows without bound "
            "when a few atoms send calls far down long lists; expected more atoms than a "
            f"handful per {units} units, or at most 12 units for the exact model"
        )

    terms = dispatch_terms(workloads)
    fractions = np.zeros((rates.size, units))
    rows = np.arange(rates.size)[:, None]
    fractions[rows, order] = terms * (1.0 - workloads[order])
    # Larson's products need not add up to the calls dispatched at once (1 - all
    # busy) for an asymmetric fleet; rescaling each atom's row restores the
    # conservation the exact model keeps, and brings the fractions closer to it.
    fractions *= (1.0 - all_busy) / fractions.sum(axis=1, keepdims=True)
    return assemble_solution("approximate", capacity, rates, fractions, workloads, all_busy, travel)
