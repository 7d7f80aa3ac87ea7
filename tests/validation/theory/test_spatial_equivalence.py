"""Beats at one place: the spatial model gives the aggregate model's attendance.

Every beat at the same point and one station: expected travel is 8 min from
anywhere to anywhere, and the per-trip lognormal factor (median 1, p90 15/8)
makes each trip lognormal with median 8 min and p90 15 min -- exactly the
aggregate model's travel for the area. Same demand, units and on-scene times.
The attendance distributions (pooled over replications, in the measured
period) must then be the same: a two-sample Kolmogorov-Smirnov test with fixed
seeds, and the p90s' 95% intervals across replications must overlap.
"""

from __future__ import annotations

import numpy as np
from scipy import stats

from sim.config import scenario_from_dict
from sim.metrics.windows import incidents_in_period
from sim.model.records import Grade
from sim.model.replication import run_replication
from tests.model.spatial_setups import one_place_scenario


def _attendance(raw: dict, grade: Grade) -> list[np.ndarray]:  # type: ignore[type-arg]
    """Attendance times (minutes) of ``grade`` per replication, measured period."""
    scenario = scenario_from_dict(raw)
    samples = []
    for replication in range(scenario.replications):
        output = run_replication(scenario, replication)
        incidents = output.incidents
        mask = incidents_in_period(output) & (incidents.grade == grade)
        minutes = (incidents.arrived[mask] - incidents.graded_at[mask]) / 60.0
        samples.append(minutes[np.isfinite(minutes)])
    return samples


def _p90_interval(samples: list[np.ndarray]) -> tuple[float, float]:
    p90 = np.array([np.percentile(s, 90) for s in samples])
    half = stats.t.ppf(0.975, len(p90) - 1) * p90.std(ddof=1) / np.sqrt(len(p90))
    return p90.mean() - half, p90.mean() + half


def test_one_place_spatial_matches_aggregate_attendance() -> None:
    for grade in (Grade.GRADE1, Grade.GRADE2):
        spatial = _attendance(one_place_scenario(True), grade)
        aggregate = _attendance(one_place_scenario(False), grade)
        pooled_spatial, pooled_aggregate = np.concatenate(spatial), np.concatenate(aggregate)
        assert len(pooled_spatial) > 2000 and len(pooled_aggregate) > 2000
        result = stats.ks_2samp(pooled_spatial, pooled_aggregate)
        assert result.pvalue > 0.01, (grade, result)
        low_s, high_s = _p90_interval(spatial)
        low_a, high_a = _p90_interval(aggregate)
        assert low_s <= high_a and low_a <= high_s, (grade, (low_s, high_s), (low_a, high_a))


def test_the_check_can_fail_a_different_travel_time() -> None:
    """Not vacuous: a spatial travel of 11 min instead of 8 is told apart by the same test."""
    raw = one_place_scenario(True)
    raw["forces"]["p"]["geography"]["travel"]["minutes"] = {"day": [[11.0] * 3] * 3}
    slower = np.concatenate(_attendance(raw, Grade.GRADE1))
    aggregate = np.concatenate(_attendance(one_place_scenario(False), Grade.GRADE1))
    assert stats.ks_2samp(slower, aggregate).pvalue < 1e-6
