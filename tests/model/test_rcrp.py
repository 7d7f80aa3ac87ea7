"""Right Care Right Person: referrals at grading, partner capacity, the handover cap.

Each statistical check compares the simulated officer-hours released with what
the configuration implies analytically (Poisson online reports, so the expected
number of each kind of incident is the annual volume times the shares), within
a 99% t-interval over replications that is checked to be narrow enough (under
10% of the expectation) for the test to be able to fail.
"""

from __future__ import annotations

import math
from itertools import pairwise
from typing import Any

import numpy as np
from scipy import stats

from sim.config import SECONDS_PER_DAY, Scenario, scenario_from_dict
from sim.metrics.kpis import replication_metrics
from sim.model.records import Grade
from sim.model.replication import run_replication

VOLUME = 40_000.0  # online reports a year, all graded 1 or 2
LONG_MEAN_S = 4 * 3600.0  # flagged incidents: four hours at hospital, on average
OFFICERS = 2  # double-crewed units


def rcrp_scenario(rcrp: dict[str, Any] | None, days: float = 28, units: int = 60) -> Scenario:
    """One force, online reports only (Poisson), many double-crewed units: no queueing."""
    on_scene = {"distribution": "exponential", "mean_s": 1800}
    force: dict[str, Any] = {
        "channels": {
            "101": {"volume_per_year": 0, "handling": {"distribution": "constant", "value_s": 60}}
        },
        "online": {"volume_per_year": VOLUME, "grading": {"grade1": 0.4, "grade2": 0.6}},
        "areas": {
            "urban": {
                "share": 1.0,
                "travel": {"distribution": "lognormal", "median_s": 600, "p90_s": 1200},
                "units": {"staff": units},
                "officers_per_unit": OFFICERS,
            }
        },
        "response": {"on_scene": {"grade1": on_scene, "grade2": on_scene}},
    }
    if rcrp is not None:
        force["rcrp"] = rcrp
    return scenario_from_dict(
        {
            "name": "rcrp",
            "days": days,
            "warmup_days": 1,
            "seed": 7,
            "forces": {"f": force},
            "handler_pools": {"p": {"serves": ["101"], "roster": {"staff": 1}}},
        }
    )


def _rcrp(**changes: Any) -> dict[str, Any]:
    block: dict[str, Any] = {
        "flagged": {"online": {"grade1": 0.1, "grade2": 0.3}},
        "referral_share": 0.5,
        "on_scene": {"distribution": "exponential", "mean_s": LONG_MEAN_S},
    }
    block.update(changes)
    return block


def _metric(output, metric: str, segment: str) -> float:
    (value,) = [
        v.value for v in replication_metrics(output) if v.metric == metric and v.segment == segment
    ]
    return value


def _interval(values: list[float], confidence: float = 0.99) -> tuple[float, float]:
    mean = float(np.mean(values))
    half = stats.t.ppf(0.5 + confidence / 2, len(values) - 1) * stats.sem(values)
    return mean, float(half)


FLAGGED_PER_YEAR = VOLUME * (0.4 * 0.1 + 0.6 * 0.3)


def test_released_hours_equal_the_referred_incidents_expected_on_scene_hours() -> None:
    scenario = rcrp_scenario(_rcrp())
    released = [
        _metric(run_replication(scenario, r), "officer_hours_released", "referral")
        for r in range(20)
    ]
    expected = FLAGGED_PER_YEAR * 0.5 * LONG_MEAN_S / 3600 * OFFICERS
    mean, half = _interval(released)
    assert half < 0.1 * expected, "interval too wide for the test to mean anything"
    assert abs(mean - expected) <= half, (mean, expected, half)


def test_handover_cap_releases_the_expected_excess_of_exponential_on_scene_time() -> None:
    # E[(X - c)+] = m exp(-c / m) for exponential X of mean m.
    cap_min = 60.0
    scenario = rcrp_scenario(_rcrp(handover_cap_min=cap_min))
    released = [
        _metric(run_replication(scenario, r), "officer_hours_released", "handover")
        for r in range(20)
    ]
    excess_s = LONG_MEAN_S * math.exp(-cap_min * 60 / LONG_MEAN_S)
    expected = FLAGGED_PER_YEAR * 0.5 * excess_s / 3600 * OFFICERS
    mean, half = _interval(released)
    assert half < 0.1 * expected
    assert abs(mean - expected) <= half, (mean, expected, half)


def test_a_shorter_handover_cap_never_releases_fewer_officer_hours() -> None:
    # Paired: the same seed gives every variant the same incidents and RCRP draws.
    caps = [None, 240.0, 120.0, 60.0, 30.0]
    for replication in range(4):
        released = [
            _metric(
                run_replication(rcrp_scenario(_rcrp(handover_cap_min=cap), days=14), replication),
                "officer_hours_released",
                "rcrp",
            )
            for cap in caps
        ]
        assert all(b >= a for a, b in pairwise(released)), released
        assert released[-1] > released[0]


def test_referred_incidents_are_not_deployed_and_keep_their_first_grade() -> None:
    output = run_replication(rcrp_scenario(_rcrp(), days=7), 0)
    records = output.mechanisms
    assert records is not None
    incidents = output.incidents
    referred = records.referred
    assert referred.sum() > 50
    assert (incidents.grade[referred] == Grade.NO_DEPLOYMENT).all()
    assert np.isin(incidents.first_grade[referred], [Grade.GRADE1, Grade.GRADE2]).all()
    assert np.isnan(incidents.arrived[referred]).all()
    sent_to = set(output.assignments.incident.tolist())
    assert not sent_to & set(np.flatnonzero(referred).tolist())
    # Flagged incidents that were attended held their units for the long on-scene time.
    attended = records.flagged & ~referred & ~np.isnan(incidents.cleared)
    assert np.allclose(
        incidents.cleared[attended] - incidents.arrived[attended],
        records.long_on_scene_s[attended],
    )


def test_the_partner_never_takes_more_referrals_a_day_than_its_capacity() -> None:
    capacity = 5
    output = run_replication(rcrp_scenario(_rcrp(partner_referrals_per_day=capacity)), 0)
    records = output.mechanisms
    assert records is not None
    days = np.floor(output.incidents.created / SECONDS_PER_DAY).astype(int)
    per_day = np.bincount(days[records.referred] - days.min())
    assert per_day.max() == capacity  # binding: about 15 a day are accepted
    assert records.refused.sum() > 0
    assert not (records.refused & records.referred).any()


def test_with_nothing_flagged_every_other_metric_is_unchanged() -> None:
    # The RCRP draws come from a stream of their own: the rest of the run is untouched.
    plain = replication_metrics(run_replication(rcrp_scenario(None, days=7), 0))
    off = replication_metrics(run_replication(rcrp_scenario(_rcrp(flagged={}), days=7), 0))
    existing = {(v.metric, v.segment, v.stat): v.value for v in plain}
    with_block = {(v.metric, v.segment, v.stat): v.value for v in off}
    keys = sorted(key for key in existing if key[0] != "officer_hours")
    assert len(keys) > 20
    assert np.array_equal(
        [existing[k] for k in keys], [with_block[k] for k in keys], equal_nan=True
    )
    assert with_block[("officer_hours_released", "rcrp", "value")] == 0.0
