"""The spatial simulation against Larson's exact hypercube model on random instances.

Issue 17: set up as the hypercube assumes (Poisson arrivals per atom,
exponential service independent of travel, fixed preferences, zero line or
infinite line), the simulation's unit workloads, dispatch fractions and mean
travel match :func:`sim.analytic.hypercube.solve_exact` within confidence
intervals, on random instances of 3-8 units and 5-20 atoms.

How the two are made the same model: beat ``b<i>`` holds station ``s<i>`` with
one unit on duty all the time (so atoms >= units); incidents are online
reports graded 1 at once (Poisson per beat in proportion to its rate); time
on scene is exponential. Travel is a symmetric matrix of a few seconds to half
a minute against a 30-minute service, so the time a unit spends driving (which
the hypercube leaves out of service) moves a workload by under 1%, and a unit
is back at its station (where the hypercube's travel is measured from) almost
always. Mean travel is compared in the zero line only: in the infinite line a
queued call's unit comes from the beat it has just cleared, not from home.

Tolerance: each simulated figure's mean over replications must be within
four standard errors of the exact value (a family of up to ~170 figures per
instance, so a one-in-30,000 miss per figure keeps the test from flaking),
plus an allowance for the driving time (1% of a workload); each standard
error must also be small enough that a wrong model would be caught.
"""

from __future__ import annotations

import numpy as np
import pytest

from sim.analytic.hypercube import INFINITE_LINE, ZERO_LINE, solve_exact
from sim.config import scenario_from_dict
from sim.metrics.geography import geography_metrics
from sim.model.replication import run_replication
from tests.model.spatial_setups import hypercube_scenario

pytestmark = pytest.mark.slow

REPLICATIONS = 10
SERVICE_MEAN_MIN = 30.0
#: Standard errors a simulated mean may stand from the exact value.
Z = 4.0


def _instance(seed: int) -> tuple[list[float], list[list[int]], int, np.ndarray]:
    """Random rates (per hour), full preference lists, unit count and travel (minutes)."""
    rng = np.random.default_rng(seed)
    units = int(rng.integers(3, 9))
    atoms = int(rng.integers(max(5, units), 21))
    # Offered load 0.4-0.8 Erlangs a unit: every unit busy often enough to matter.
    load = rng.uniform(0.4, 0.8) * units
    weights = rng.uniform(0.2, 1.0, atoms)
    rates = list(weights / weights.sum() * load * 60.0 / SERVICE_MEAN_MIN)
    preferences = [list(rng.permutation(units)) for _ in range(atoms)]
    # Points in a square, travel proportional to distance: 3-30 s between beats.
    points = rng.uniform(0, 1, (atoms, 2))
    distance = np.linalg.norm(points[:, None, :] - points[None, :, :], axis=2)
    travel = 0.05 + 0.45 * distance / distance.max()
    np.fill_diagonal(travel, 0.05)
    return rates, [[int(u) for u in p] for p in preferences], units, travel


def _simulate(rates, preferences, units, travel, line: str) -> list:  # type: ignore[no-untyped-def]
    raw = hypercube_scenario(
        rates,
        SERVICE_MEAN_MIN,
        preferences,
        units,
        when_no_unit="lost" if line == ZERO_LINE else "queue",
        days=56,
        travel_min=travel.tolist(),
    )
    scenario = scenario_from_dict(raw)
    return [run_replication(scenario, r) for r in range(REPLICATIONS)]


def _close(simulated: np.ndarray, exact: np.ndarray, allowance: float, what: str) -> None:
    """Every column's mean within Z standard errors (plus ``allowance``) of ``exact``."""
    mean = simulated.mean(axis=0)
    error = simulated.std(axis=0, ddof=1) / np.sqrt(len(simulated))
    assert np.all(error < 0.02), f"{what}: standard errors too wide to test: {error.max():.3g}"
    miss = np.abs(mean - exact) - (Z * error + allowance)
    assert np.all(miss <= 0), (what, mean, exact, error)


@pytest.mark.parametrize(
    ("seed", "line"),
    [(11, ZERO_LINE), (12, ZERO_LINE), (13, INFINITE_LINE), (14, INFINITE_LINE)],
)
def test_simulation_matches_the_exact_hypercube(seed: int, line: str) -> None:
    rates, preferences, units, travel = _instance(seed)
    atoms = len(rates)
    # The hypercube's travel is from each unit's home (beat b<i>) to each atom.
    exact = solve_exact(
        rates, 60.0 / SERVICE_MEAN_MIN, preferences, line, travel[:units, :].T.copy()
    )
    outputs = _simulate(rates, preferences, units, travel, line)

    workloads = np.array(
        [
            [
                next(
                    v.value
                    for v in geography_metrics(o)
                    if (v.metric, v.segment) == ("unit_workload", f"s{i}.1")
                )
                / 100.0
                for i in range(units)
            ]
            for o in outputs
        ]
    )
    # Driving time is service the hypercube leaves out: at most ~1% of a workload.
    _close(workloads, exact.workloads, 0.01, "workloads")

    fractions, travel_means = [], []
    for output in outputs:
        geo = output.geography
        beat, origin = geo.incident_beat, geo.incident_origin_station
        per_replication = np.zeros((atoms, units))
        for j in range(atoms):
            calls = beat == j
            if calls.any():
                counts = np.bincount(origin[calls & (origin >= 0)], minlength=units)[:units]
                per_replication[j] = counts / calls.sum()
        fractions.append(per_replication.ravel())
        served = origin >= 0
        travel_means.append(np.nanmean(geo.incident_expected_travel_s[served]) / 60.0)
    _close(np.array(fractions), exact.dispatch_fractions.ravel(), 0.005, "dispatch fractions")
    if line == ZERO_LINE:
        assert exact.mean_travel_min is not None
        _close(
            np.array(travel_means)[:, None],
            np.array([exact.mean_travel_min]),
            0.002,
            "mean travel (min)",
        )
