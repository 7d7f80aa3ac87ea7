"""A higher call-back threshold never lowers the share answered within target (issue 18).

With a higher threshold fewer callers take a call-back; those who would have
taken one stay in line, and a call-back is never an answer within target.
Each threshold is run on the same seeds (common random numbers: the same
callers, patience and talk times, and the same acceptance uniform per caller),
so the paired differences between consecutive thresholds are tight. Each
paired 99% t-interval must not lie below zero, and the whole sweep must raise
the share by a clearly positive amount, so the test is not vacuous.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from sim.config import scenario_from_dict
from sim.metrics.kpis import contact_metrics
from sim.model.replication import run_replication

#: Thresholds in seconds; with a 300 s mean handling on 2 handlers the ACD
#: estimate steps by 150 s a place, so each threshold starts at another place.
THRESHOLDS_S = (100.0, 200.0, 350.0, 500.0, 800.0, 1200.0)
REPLICATIONS = 20


def _scenario(threshold_s: float):
    channel = {
        "volume_per_year": 22 * 24 * 365,
        "handling": {"distribution": "exponential", "mean_s": 300},
        "patience": {"distribution": "exponential", "mean_s": 300},
        "answer_target_s": 120,
        "callback": {"threshold_s": threshold_s, "accept_probability": 0.6},
    }
    return scenario_from_dict(
        {
            "name": "threshold",
            "days": 7,
            "warmup_days": 0.5,
            "seed": 3,
            "forces": {"f": {"channels": {"101": channel}}},
            "handler_pools": {"pool": {"serves": ["101"], "roster": {"staff": 2}}},
        }
    )


def _within_target(threshold_s: float, replication: int) -> float:
    metrics = contact_metrics(run_replication(_scenario(threshold_s), replication))
    return next(m.value for m in metrics if m.metric == "answered_within_target")


@pytest.mark.slow
def test_a_higher_callback_threshold_never_lowers_answered_within_target() -> None:
    shares = np.array([[_within_target(t, r) for r in range(REPLICATIONS)] for t in THRESHOLDS_S])
    t99 = stats.t.ppf(0.995, REPLICATIONS - 1)
    steps = zip(THRESHOLDS_S, THRESHOLDS_S[1:], np.diff(shares, axis=0), strict=False)
    for lower, higher, diff in steps:
        half = t99 * diff.std(ddof=1) / np.sqrt(REPLICATIONS)
        assert diff.mean() + half >= 0, (
            f"threshold {lower:g} -> {higher:g} s lowered answered within target by "
            f"{-diff.mean():.3g} ± {half:.3g} points"
        )
    overall = shares[-1] - shares[0]
    half = t99 * overall.std(ddof=1) / np.sqrt(REPLICATIONS)
    assert overall.mean() - half > 5.0, "the sweep changes too little to test anything"
