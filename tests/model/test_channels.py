"""Three call channels on one contact centre: conservation, strict priority, Cobham's formula.

A force with 999, 101 and a switchboard (``101-switchboard``, priority rank
2): every channel gets its own queue, records and metric segments; a free
handler takes the oldest caller of the lowest rank waiting (non-preemptive);
channels of equal rank are answered in order of arrival across them.

The analytic check is the non-preemptive priority M/M/1 queue with a common
exponential service time (Cobham 1954): with ``rho_i = lambda_i / mu`` and
``sigma_k = rho_1 + ... + rho_k``, the mean wait in queue of class ``k`` is
``W_k = W0 / ((1 - sigma_{k-1}) (1 - sigma_k))``, where ``W0 = sum_i rho_i / mu``
is the mean residual service a caller finds (exponential: ``E[S^2] / 2 E[S]``
weighted by load). Channels of equal rank are one class of that formula, with
one mean wait between them.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from scipy import stats

from sim.config import Scenario, scenario_from_dict
from sim.metrics.kpis import contact_metrics
from sim.metrics.windows import calls_in_period
from sim.model.records import CallOutcome
from sim.model.replication import run_replication
from sim.model.wiring import build_queues_and_pools
from tests.helpers import measured_waits

#: Channel id -> priority rank, the switchboard last.
RANKS = {"999": 0, "101": 1, "101-switchboard": 2}


def three_channels(
    calls_per_hour: dict[str, float],
    mean_handling_s: float,
    staff: int,
    days: float = 7.0,
    patience_s: float | None = None,
    ranks: dict[str, int] = RANKS,
    replications: int = 10,
) -> Scenario:
    """A force with three Poisson channels (flat rate), exponential handling, constant staff."""
    channels: dict[str, Any] = {}
    for channel_id, per_hour in calls_per_hour.items():
        entry: dict[str, Any] = {
            "volume_per_year": per_hour * 24 * 365,
            "handling": {"distribution": "exponential", "mean_s": mean_handling_s},
            "priority": ranks[channel_id],
            "answer_target_s": 60,
        }
        if patience_s is not None:
            entry["patience"] = {"distribution": "exponential", "mean_s": patience_s}
        channels[channel_id] = entry
    return scenario_from_dict(
        {
            "name": "three",
            "days": days,
            "warmup_days": 1,
            "seed": 7,
            "replications": replications,
            "forces": {"f": {"channels": channels}},
            "handler_pools": {
                "pool": {"serves": list(channels), "roster": {"staff": staff}, "shrinkage": 0.0}
            },
        }
    )


def waits_by_channel(scenario: Scenario, replication: int) -> dict[str, np.ndarray]:
    """Answer waits (s) of answered calls arriving in the measured period, per channel."""
    output = run_replication(scenario, replication)
    wait, answered, _ = measured_waits(output)
    inside_queue = output.calls.queue[calls_in_period(output)]
    return {
        channel: wait[answered & (inside_queue == index)]
        for index, (_, channel) in enumerate(output.queues)
    }


def test_queues_follow_the_configured_ranks() -> None:
    # Listed switchboard first: the queue order comes from the ranks, not the file.
    scenario = three_channels({"101-switchboard": 5, "101": 5, "999": 5}, 60, 2)
    queues, pools = build_queues_and_pools(scenario)
    assert [(q.channel, q.priority) for q in queues] == [
        ("999", 0),
        ("101", 1),
        ("101-switchboard", 2),
    ]
    assert [[q.channel for q in group] for group in pools[0].queue_groups] == [
        ["999"],
        ["101"],
        ["101-switchboard"],
    ]


def test_equal_ranks_share_one_queue_group() -> None:
    ranks = {"999": 0, "101": 1, "101-switchboard": 1}
    scenario = three_channels({"999": 5, "101": 5, "101-switchboard": 5}, 60, 2, ranks=ranks)
    _, pools = build_queues_and_pools(scenario)
    assert [[q.channel for q in g] for g in pools[0].queue_groups] == [
        ["999"],
        ["101", "101-switchboard"],
    ]


@pytest.fixture(scope="module")
def busy_three() -> tuple[Scenario, Any]:
    """Three channels with impatient callers on too few handlers: queues and abandonment."""
    scenario = three_channels(
        {"999": 20, "101": 40, "101-switchboard": 30}, 240, 6, days=3, patience_s=300
    )
    return scenario, run_replication(scenario, 0)


def test_every_call_of_every_channel_is_answered_abandoned_or_waiting(busy_three) -> None:
    _, output = busy_three
    calls = output.calls
    metrics = {(m.metric, m.segment, m.stat): m.value for m in contact_metrics(output)}
    inside = calls_in_period(output)
    assert [c for _, c in output.queues] == list(RANKS)
    for index, (_, channel) in enumerate(output.queues):
        mine = inside & (calls.queue == index)
        outcome = calls.outcome[mine]
        answered = int((outcome == CallOutcome.ANSWERED).sum())
        abandoned = int((outcome == CallOutcome.ABANDONED).sum())
        waiting = int((outcome == CallOutcome.WAITING).sum())
        assert answered + abandoned + waiting == mine.sum() > 500
        assert abandoned > 0
        assert metrics[("offered", channel, "count")] == mine.sum()
        assert metrics[("abandoned", channel, "value")] == pytest.approx(
            100 * abandoned / mine.sum()
        )
        wait = calls.answer_wait_s[mine & (calls.outcome == CallOutcome.ANSWERED)]
        assert metrics[("answer_time", channel, "mean")] == pytest.approx(wait.mean())
        within = 100 * (wait <= 60).sum() / mine.sum()
        assert metrics[("answered_within_target", channel, "value")] == pytest.approx(within)
    # Abandonment is highest where the wait is longest: the lowest rank.
    shares = [metrics[("abandoned", c, "value")] for c in RANKS]
    assert shares == sorted(shares) and shares[0] < shares[2]


def test_one_handler_under_heavy_load_answers_strictly_by_rank() -> None:
    # Utilisation 0.9 on a single handler: the lower ranks wait far longer.
    scenario = three_channels({"999": 15, "101": 20, "101-switchboard": 19}, 60, 1, days=7)
    waits = waits_by_channel(scenario, 0)
    means = [waits[c].mean() for c in RANKS]
    assert means[0] < means[1] < means[2]
    assert means[2] > 3 * means[1] > 3 * means[0]


def cobham_waits(per_hour: list[float], mean_s: float) -> list[float]:
    """Mean wait in queue (s) per class of a non-preemptive priority M/M/1 (Cobham)."""
    rho = [lam / 3600.0 * mean_s for lam in per_hour]
    w0 = sum(r * mean_s for r in rho)  # sum of lambda_i E[S^2] / 2, E[S^2] = 2 mean^2
    sigma = np.cumsum([0.0, *rho])
    return [w0 / ((1 - sigma[k]) * (1 - sigma[k + 1])) for k in range(len(rho))]


def test_mean_waits_per_rank_match_cobham() -> None:
    # rho = 0.2, 0.25, 0.3 (total 0.75) at a 60 s mean: W = 56, 102, 327 s.
    per_hour = {"999": 12.0, "101": 15.0, "101-switchboard": 18.0}
    theory = cobham_waits(list(per_hour.values()), 60.0)
    reps = 20
    scenario = three_channels(per_hour, 60.0, 1, days=14, replications=reps)
    means = np.array(
        [[w.mean() for w in waits_by_channel(scenario, r).values()] for r in range(reps)]
    )
    t = stats.t.ppf(0.999, reps - 1)
    for k, channel in enumerate(RANKS):
        centre = means[:, k].mean()
        half = t * means[:, k].std(ddof=1) / np.sqrt(reps)
        # Not vacuous: the 99.8% interval is within 12% of the figure it is checked against.
        assert half < 0.12 * theory[k], (channel, half, theory[k])
        assert abs(centre - theory[k]) <= half, (channel, centre, theory[k], half)


def test_equal_ranks_are_answered_in_order_of_arrival_as_one_class() -> None:
    # 101 and the switchboard share rank 1: together they are one class of
    # Cobham's formula (rho 0.25 + 0.3), and each has that class's mean wait.
    ranks = {"999": 0, "101": 1, "101-switchboard": 1}
    per_hour = {"999": 12.0, "101": 15.0, "101-switchboard": 18.0}
    theory = cobham_waits([12.0, 15.0 + 18.0], 60.0)  # 56 s, then 225 s for both
    reps = 20
    scenario = three_channels(per_hour, 60.0, 1, days=14, ranks=ranks, replications=reps)
    means = np.array(
        [[w.mean() for w in waits_by_channel(scenario, r).values()] for r in range(reps)]
    )
    t = stats.t.ppf(0.999, reps - 1)
    for k, expected in ((0, theory[0]), (1, theory[1]), (2, theory[1])):
        centre = means[:, k].mean()
        half = t * means[:, k].std(ddof=1) / np.sqrt(reps)
        assert half < 0.12 * expected, (k, half, expected)
        assert abs(centre - expected) <= half, (k, centre, expected, half)
    # Paired by replication (the same calls), the two tied channels' waits agree.
    difference = means[:, 1] - means[:, 2]
    half = t * difference.std(ddof=1) / np.sqrt(reps)
    assert abs(difference.mean()) <= half
