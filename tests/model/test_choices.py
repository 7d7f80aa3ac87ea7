"""Call-backs and callers who react to waiting: conservation, records, switch probability."""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pytest

from sim.config import scenario_from_dict
from sim.metrics.kpis import call_records, replication_metrics
from sim.metrics.windows import calls_in_period
from sim.model.choice_records import CallbackState, Reaction, ReactionReason
from sim.model.records import CallOutcome, IncidentSource
from sim.model.replication import run_replication
from tests.helpers import load_raw


def _scenario(callback: dict[str, Any] | None, reaction: dict[str, Any] | None, **extra: Any):
    ch101: dict[str, Any] = {
        "volume_per_year": 40 * 24 * 365,
        "handling": {"distribution": "exponential", "mean_s": 300},
        "patience": {"distribution": "exponential", "mean_s": 240},
        "answer_target_s": 120,
        "grading": {"no_deployment": 0.5},
        **extra,
    }
    if callback is not None:
        ch101["callback"] = callback
    if reaction is not None:
        ch101["reaction"] = reaction
    ch999 = {
        "volume_per_year": 5 * 24 * 365,
        "handling": {"distribution": "exponential", "mean_s": 200},
        "patience": {"distribution": "exponential", "mean_s": 60},
        "displaced_grading": {"no_deployment": 0.8},
    }
    return scenario_from_dict(
        {
            "name": "choices",
            "days": 7,
            "warmup_days": 0.5,
            "seed": 1,
            "forces": {
                "f": {
                    "channels": {"999": ch999, "101": ch101},
                    "online": {"volume_per_year": 1000, "grading": {"no_deployment": 1.0}},
                }
            },
            "handler_pools": {"pool": {"serves": ["999", "101"], "roster": {"staff": 4}}},
        }
    )


CALLBACK = {
    "threshold_s": 120,
    "accept_probability": 0.5,
    "no_answer_probability": 0.3,
    "max_tries": 3,
    "retry_delay": {"distribution": "constant", "value_s": 300},
}
REACTION = {
    "announce_threshold_s": 300,
    "switch_to_999": {"intercept": -1.5, "slope_per_min": 0.4},
    "online_probability": 0.3,
}


@pytest.fixture(scope="module")
def both():
    return run_replication(_scenario(CALLBACK, REACTION), 0)


def test_every_101_caller_is_accounted_for_once(both) -> None:
    calls, choices = both.calls, both.choices
    assert choices is not None
    is101 = calls.queue == both.queues.index(("f", "101"))
    outcome = calls.outcome[is101]
    counts = {code: int((outcome == code).sum()) for code in CallOutcome}
    given_up = counts[CallOutcome.LEFT] + counts[CallOutcome.UNREACHED]
    assert is101.sum() == (
        counts[CallOutcome.ANSWERED]
        + counts[CallOutcome.CALLED_BACK]
        + counts[CallOutcome.ABANDONED]
        + given_up
        + counts[CallOutcome.WAITING]
    )
    # Every mechanism happened, so the identities below are not vacuous.
    assert min(counts[c] for c in CallOutcome if c != CallOutcome.WAITING) > 10
    accepted = choices.callback[is101] == CallbackState.ACCEPTED
    settled = np.isin(outcome, [CallOutcome.CALLED_BACK, CallOutcome.UNREACHED])
    owed = accepted & (outcome == CallOutcome.WAITING)
    assert np.array_equal(accepted, settled | owed)
    # A call-back is answered at no try (unreached after max_tries), or at one of them.
    tries = choices.callback_tries[is101]
    assert np.all(tries[outcome == CallOutcome.UNREACHED] == CALLBACK["max_tries"])
    assert np.all(tries[outcome == CallOutcome.CALLED_BACK] >= 1)
    assert np.all(tries[~accepted] == 0)
    # Who abandoned reacted (no redials here): rang 999, went online or gave up.
    abandoned = outcome == CallOutcome.ABANDONED
    reason = choices.reaction_reason[is101]
    assert np.array_equal(abandoned, reason == ReactionReason.ABANDONED)
    assert np.all(choices.reaction[is101][abandoned] != Reaction.NONE)
    left = outcome == CallOutcome.LEFT
    assert np.all(np.isin(choices.reaction[is101][left], [Reaction.RANG_999, Reaction.ONLINE]))


def test_each_switch_to_999_is_one_999_call_of_the_same_caller(both) -> None:
    calls, choices = both.calls, both.choices
    rang = np.flatnonzero(choices.reaction == Reaction.RANG_999)
    switched = np.flatnonzero(choices.switched_from >= 0)
    assert len(rang) > 50
    assert np.array_equal(np.sort(choices.switched_from[switched]), rang)
    assert np.all(calls.queue[switched] == both.queues.index(("f", "999")))
    assert np.all(calls.caller[switched] == calls.caller[choices.switched_from[switched]])
    # It rings when the caller decided: at the abandonment or the announcement.
    origin = choices.switched_from[switched]
    decided = calls.arrival_s[origin] + np.where(
        choices.reaction_reason[origin] == ReactionReason.ABANDONED,
        calls.patience_s[origin],
        0.0,
    )
    assert np.allclose(calls.arrival_s[switched], decided)


def test_online_reactions_become_online_instead_incidents(both) -> None:
    online = np.flatnonzero(both.choices.reaction == Reaction.ONLINE)
    made = both.incidents.source_id[both.incidents.source == IncidentSource.ONLINE_INSTEAD]
    assert len(online) > 10
    # The online grading here creates an incident for every report.
    assert np.array_equal(np.sort(made), online[online < len(both.calls)])


def test_call_backs_are_not_answers_and_have_their_own_wait(both) -> None:
    metrics = {(m.metric, m.segment, m.stat): m.value for m in replication_metrics(both)}
    calls = both.calls
    inside = calls_in_period(both)
    back = inside & (calls.outcome == CallOutcome.CALLED_BACK)
    wait_min = (calls.answered_s[back] - calls.arrival_s[back]) / 60
    assert metrics[("callback_wait", "101", "mean")] == pytest.approx(wait_min.mean())
    assert metrics[("callbacks_completed", "101", "count")] == back.sum()
    answered = inside & (calls.outcome == CallOutcome.ANSWERED) & (calls.queue == 1)
    assert metrics[("answer_time", "101", "mean")] == pytest.approx(
        calls.answer_wait_s[answered].mean()
    )
    displaced = metrics[("displaced_101", "999", "value")]
    is999 = inside & (calls.queue == 0)
    assert displaced == pytest.approx(
        100 * (is999 & (both.choices.switched_from >= 0)).sum() / is999.sum()
    )
    assert 0 < displaced < 100


def test_unanswered_call_backs_take_handler_time() -> None:
    """The pool is busy for its calls as recorded plus ``ring_s`` per unanswered try.

    Rings of calls near the end of the period fall partly after it, so the
    rings inside it are at most, and at least 90% of, all rings.
    """
    scenario = _scenario(CALLBACK, None).model_copy(update={"warmup_days": 0.0})
    output = run_replication(scenario, 0)
    calls, choices = output.calls, output.choices
    mine = calls.pool == 0
    start = np.clip(calls.answered_s[mine], 0, output.horizon_s)
    end = np.clip(calls.answered_s[mine] + calls.talk_s[mine] + calls.wrap_s[mine], 0,
                  output.horizon_s)  # fmt: skip
    rings_s = output.pools[0].busy_s - float((end - start).sum())
    unanswered = choices.callback_tries - (calls.outcome == CallOutcome.CALLED_BACK)
    all_rings_s = 30.0 * float(np.maximum(unanswered, 0).sum())
    assert all_rings_s > 100 * 30.0
    assert 0.9 * all_rings_s <= rings_s <= all_rings_s + 1e-6


def test_the_switch_probability_is_recovered_from_the_records() -> None:
    """Rang 999 over decisions matches the logistic at each decision's wait, within CI.

    Decisions are independent Bernoulli trials given their waits (each uses a
    uniform of its own), so the number switched in a group of decisions has
    mean sum p(w) and variance sum p(w)(1 - p(w)); the count in each third of
    the waits (short, middle, long) must lie within 3.29 standard deviations
    (99.9%, two-sided) of that mean.
    """
    intercept, slope = -1.0, 0.25
    reaction = {"switch_to_999": {"intercept": intercept, "slope_per_min": slope}}
    frames = [call_records(run_replication(_scenario(None, reaction), r)) for r in range(4)]
    _check_switches(frames, "abandoned", intercept, slope)


def test_the_switch_probability_at_the_announcement_is_recovered_from_the_records() -> None:
    """As above, for callers told an expected wait over 2 minutes (the wait announced)."""
    intercept, slope = -2.0, 0.3
    reaction = {
        "announce_threshold_s": 120,
        "switch_to_999": {"intercept": intercept, "slope_per_min": slope},
    }
    frames = [call_records(run_replication(_scenario(None, reaction), r)) for r in range(4)]
    _check_switches(frames, "announced", intercept, slope)


def _check_switches(frames: list, reason: str, intercept: float, slope: float) -> None:
    """Switches to 999 in each third of the decisions' waits, against the logistic.

    Every caller told the wait decided then (``announced_wait_s``), and rang
    999 then if its last decision is a switch on the announcement; every caller
    who abandoned (no redials here) decided then, last.
    """
    column = "announced_wait_s" if reason == "announced" else "reaction_wait_s"
    if reason == "announced":
        decided = [f[f["announced_wait_s"].notna()] for f in frames]
    else:
        decided = [f[f["reaction_reason"] == reason] for f in frames]
    wait_min = np.concatenate([d[column].to_numpy() / 60 for d in decided])
    rang = np.concatenate(
        [((d["reaction"] == "rang_999") & (d["reaction_reason"] == reason)).to_numpy()
         for d in decided]
    )  # fmt: skip
    assert len(wait_min) > 2000
    p = 1 / (1 + np.exp(-(intercept + slope * wait_min)))
    edges = np.quantile(wait_min, [0, 1 / 3, 2 / 3, 1])
    for low, high in itertools.pairwise(edges):
        group = (wait_min >= low) & (wait_min <= high)
        expected, sd = p[group].sum(), np.sqrt((p[group] * (1 - p[group])).sum())
        assert abs(rang[group].sum() - expected) <= 3.29 * sd, (low, high)
    # The curve is visible in the records: long waits switch more often than short ones.
    short, long = wait_min <= edges[1], wait_min >= edges[2]
    assert rang[long].mean() > rang[short].mean() + 0.05


def test_without_the_blocks_the_centre_and_records_are_unchanged() -> None:
    raw = load_raw("demo.yaml")
    raw["days"] = 2
    output = run_replication(scenario_from_dict(raw), 0)
    assert output.choices is None
    frame = call_records(output)
    assert "callback" not in frame.columns and "reaction" not in frame.columns
    names = {"callbacks_offered", "callback_wait", "switched_to_999", "displaced_101"}
    assert not [m for m in replication_metrics(output) if m.metric in names]


def test_a_callback_nobody_accepts_changes_nothing() -> None:
    """The reactive centre with every offer declined runs exactly as the plain centre."""
    plain = run_replication(_scenario(None, None), 0)
    declined = run_replication(_scenario({**CALLBACK, "accept_probability": 0.0}, None), 0)
    assert declined.choices is not None and plain.choices is None
    assert (declined.choices.callback == CallbackState.DECLINED).sum() > 100
    for name in ("arrival_s", "answered_s", "outcome", "pool", "talk_s"):
        assert np.array_equal(
            getattr(plain.calls, name), getattr(declined.calls, name), equal_nan=name != "outcome"
        ), name
    assert plain.pools == declined.pools
