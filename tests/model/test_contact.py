"""Contact-centre invariants, rosters, priority, redials, determinism and monotonicity."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.config import SECONDS_PER_DAY, SECONDS_PER_HOUR, Scenario, scenario_from_dict
from sim.metrics.kpis import contact_metrics
from sim.model.records import CallOutcome
from sim.model.replication import run_replication
from tests.helpers import load_raw, single_queue


def in_service_at(output, times: np.ndarray, pool: int = 0) -> np.ndarray:
    """Number of calls being handled by ``pool`` at each time (start inclusive, end exclusive)."""
    calls = output.calls
    mine = calls.pool == pool
    start = calls.answered_s[mine]
    # Same arithmetic as the model, so that a call ending at t is not counted at t.
    end = start + (calls.talk_s[mine] + calls.wrap_s[mine])
    starts = np.sort(start)
    ends = np.sort(end)
    return np.searchsorted(starts, times, side="right") - np.searchsorted(ends, times, side="right")


def available_at(scenario: Scenario, pool_id: str, times: np.ndarray) -> np.ndarray:
    per_minute = scenario.handler_pools[pool_id].available_per_minute()
    return per_minute[(np.floor(times / 60).astype(np.int64)) % len(per_minute)]


@pytest.fixture(scope="module")
def demo_scenario() -> Scenario:
    raw = load_raw("demo.yaml")
    raw["days"] = 7
    # Tighter staffing than shipped, so queues, abandonment and redials all happen.
    for shift, count in zip(
        raw["handler_pools"]["contact_centre"]["roster"]["shifts"], [11, 4, 11, 5], strict=False
    ):
        shift["count"] = count
    return scenario_from_dict(raw)


@pytest.fixture(scope="module")
def demo_output(demo_scenario):
    return run_replication(demo_scenario, 0)


def test_every_call_is_answered_abandoned_or_still_waiting(demo_output) -> None:
    calls = demo_output.calls
    outcome = calls.outcome
    answered = outcome == CallOutcome.ANSWERED
    abandoned = outcome == CallOutcome.ABANDONED
    waiting = outcome == CallOutcome.WAITING
    assert (answered | abandoned | waiting).all()
    assert answered.sum() + abandoned.sum() + waiting.sum() == len(outcome)
    # Answered calls were answered after arriving and before their patience ran out.
    wait = calls.answered_s[answered] - calls.arrival_s[answered]
    assert (wait >= 0).all()
    assert (wait < calls.patience_s[answered]).all()
    # Abandoned calls have no answer, and their patience ended within the run.
    assert np.isnan(calls.answered_s[abandoned]).all()
    assert (calls.arrival_s[abandoned] + calls.patience_s[abandoned] <= demo_output.end_s).all()
    assert abandoned.sum() > 100 and (calls.attempt > 0).sum() > 100


def test_no_handler_takes_two_calls_and_no_pool_exceeds_its_roster(
    demo_scenario, demo_output
) -> None:
    calls = demo_output.calls
    answered_at = calls.answered_s[calls.outcome == CallOutcome.ANSWERED]
    # When a call is answered, the calls in service (it included) never exceed
    # the handlers available then: a handler takes one call at a time.
    busy = in_service_at(demo_output, answered_at)
    assert (busy <= available_at(demo_scenario, "contact_centre", answered_at)).all()


def test_no_caller_waits_while_a_handler_is_free(demo_scenario, demo_output) -> None:
    calls = demo_output.calls
    queued = ~(calls.answered_s == calls.arrival_s)
    arrival = calls.arrival_s[queued]
    busy = in_service_at(demo_output, arrival)
    assert (busy >= available_at(demo_scenario, "contact_centre", arrival)).all()


def test_first_come_first_served_within_a_channel(demo_output) -> None:
    calls = demo_output.calls
    for queue in range(len(demo_output.queues)):
        mine = (calls.queue == queue) & (calls.outcome == CallOutcome.ANSWERED)
        order = np.argsort(calls.arrival_s[mine], kind="stable")
        assert (np.diff(calls.answered_s[mine][order]) >= 0).all()


def test_littles_law_for_handlers(demo_output) -> None:
    # Handler-seconds integrated by the model as it ran equal the handling time
    # of the answered calls, clipped to the measured period: L = lambda W for the
    # service stage, from two independent computations.
    calls = demo_output.calls
    answered = calls.outcome == CallOutcome.ANSWERED
    start = calls.answered_s[answered]
    end = start + calls.talk_s[answered] + calls.wrap_s[answered]
    overlap = np.clip(np.minimum(end, demo_output.horizon_s) - np.maximum(start, 0.0), 0, None)
    assert np.isclose(demo_output.pools[0].busy_s, overlap.sum(), rtol=1e-9)


def roster_scenario(staff: list[int], **channel) -> Scenario:
    return scenario_from_dict(
        {
            "name": "roster",
            "days": 2,
            "warmup_days": 0,
            "forces": {
                "f": {
                    "channels": {
                        "101": {
                            "volume_per_year": 60 * 24 * 365,
                            "handling": {"distribution": "exponential", "mean_s": 240},
                            **channel,
                        }
                    }
                }
            },
            "handler_pools": {
                "p": {"serves": ["101"], "roster": {"staff": staff, "allow_gaps": True}}
            },
        }
    )


def test_roster_changes_take_effect_at_the_right_times() -> None:
    # Nobody on duty 00:00-08:00; ten handlers from 08:00. Calls ring all night.
    day = [0] * 8 + [10] * 16
    scenario = roster_scenario(day * 7)
    output = run_replication(scenario, 0)
    answered = output.calls.answered_s[output.calls.outcome == CallOutcome.ANSWERED]
    time_of_day = answered % SECONDS_PER_DAY
    assert not ((time_of_day > 0) & (time_of_day < 8 * SECONDS_PER_HOUR)).any()
    # The night's backlog is picked up the moment the day shift starts.
    at_eight = np.isclose(answered, 8 * SECONDS_PER_HOUR) | np.isclose(
        answered, SECONDS_PER_DAY + 8 * SECONDS_PER_HOUR
    )
    assert at_eight.sum() == 20


def test_end_of_shift_finishes_the_call_then_leaves() -> None:
    # Five handlers 08:00-09:00 only; long calls. Calls in hand at 09:00 finish,
    # no call is answered after 09:00, and the pool counts the overrun as present.
    day = [0] * 8 + [5] + [0] * 15
    scenario = roster_scenario(day * 7, handling={"distribution": "constant", "value_s": 1500.0})
    output = run_replication(scenario, 0)
    answered = output.calls.answered_s[output.calls.outcome == CallOutcome.ANSWERED]
    in_first_day = answered[answered < SECONDS_PER_DAY]
    assert len(in_first_day) > 0
    assert (in_first_day >= 8 * SECONDS_PER_HOUR).all()
    assert (in_first_day < 9 * SECONDS_PER_HOUR).all()
    finishes = in_first_day + 1500.0
    assert (finishes > 9 * SECONDS_PER_HOUR).any()
    # Present handler time is the rostered hour each day plus every overrun
    # (within the two measured days; the run drains into a third).
    answered = answered[answered < output.horizon_s]
    day_start = np.floor(answered / SECONDS_PER_DAY) * SECONDS_PER_DAY
    overrun = np.clip(answered + 1500.0 - (day_start + 9 * SECONDS_PER_HOUR), 0, None).sum()
    assert overrun > 0
    assert np.isclose(output.pools[0].present_s, 2 * 5 * SECONDS_PER_HOUR + overrun)


def test_999_waits_no_longer_than_101_under_load() -> None:
    handling = {"distribution": "exponential", "mean_s": 300}
    scenario = scenario_from_dict(
        {
            "name": "priority",
            "days": 5,
            "forces": {
                "f": {
                    "channels": {
                        "999": {"volume_per_year": 40 * 8760, "handling": handling},
                        "101": {"volume_per_year": 80 * 8760, "handling": handling},
                    }
                }
            },
            # 120 calls an hour x 5 min = 10 Erlangs on 11 handlers: 91% load.
            "handler_pools": {"p": {"serves": ["999", "101"], "roster": {"staff": 11}}},
        }
    )
    for replication in range(3):
        values = {
            (v.metric, v.segment, v.stat): v.value
            for v in contact_metrics(run_replication(scenario, replication))
        }
        assert values[("answer_time", "999", "mean")] < values[("answer_time", "101", "mean")] / 3
        assert values[("answer_time", "999", "p90")] <= values[("answer_time", "101", "p90")]


def test_abandoned_101_callers_redial_after_the_delay() -> None:
    scenario = single_queue(150, 300, 10, patience_s=60, days=3)
    raw = scenario.model_dump(mode="json")
    raw["forces"]["f"]["channels"]["101"]["redial"] = {
        "probability": 0.6,
        "delay": {"distribution": "constant", "value_s": 600},
        "max_attempts": 3,
    }
    output = run_replication(scenario_from_dict(raw), 0)
    calls = output.calls
    frame = pd.DataFrame(
        {
            "caller": calls.caller,
            "attempt": calls.attempt,
            "arrival": calls.arrival_s,
            "abandon": calls.arrival_s + calls.patience_s,
            "outcome": calls.outcome,
        }
    )
    first = frame[frame["attempt"] == 0].set_index("caller")
    second = frame[frame["attempt"] == 1].set_index("caller")
    assert len(second) > 200
    # Every redial follows an abandonment of the same caller, exactly 600 s later.
    assert (first.loc[second.index, "outcome"] == CallOutcome.ABANDONED).all()
    assert np.allclose(second["arrival"] - first.loc[second.index, "abandon"], 600.0)
    # About 60% of abandoned first attempts (that had time left) redial.
    abandoned_early = first[
        (first["outcome"] == CallOutcome.ABANDONED) & (first["abandon"] < output.horizon_s - 600)
    ]
    share = abandoned_early.index.isin(second.index).mean()
    assert abs(share - 0.6) < 4 * np.sqrt(0.24 / len(abandoned_early))
    # No caller makes more than max_attempts calls.
    assert frame["attempt"].max() <= 2


def test_warmup_is_excluded_from_metrics() -> None:
    scenario = single_queue(100, 300, 12, days=1, warmup_days=1)
    output = run_replication(scenario, 0)
    offered = next(v for v in contact_metrics(output) if v.metric == "offered")
    inside = (output.calls.arrival_s >= 0) & (output.calls.arrival_s < SECONDS_PER_DAY)
    assert offered.value == inside.sum()
    assert (output.calls.arrival_s < 0).sum() > 1000
