"""The event kernel's shortcuts keep the model's meaning (sim.model.events, sim.model.contact).

The run loop pauses the garbage collector, follows rosters with plain callbacks,
drops arrivals it will never reach; pools count free handlers from a heap of
call ends that may still hold ended calls; handler-seconds come from one sorted
pass; online reports that change nothing get no handler. Each test checks one
of these against a definition worked out independently (by hand, or by the
plainest loop), exactly: the shortcuts must not change a single bit.
"""

from __future__ import annotations

import gc
import math
from itertools import pairwise

import numpy as np
import pytest
import simpy

from sim.config import load_scenario
from sim.model.call_table import NOT_ANSWERED, CallTable
from sim.model.contact import CallQueue, ContactCentre, PoolState
from sim.model.events import Arrivals, Callback, call_later, follow_roster, run_counting
from sim.model.handler_time import handler_seconds
from sim.model.replication import run_replication
from sim.scenarios.staffing import contact_only
from tests.helpers import CONFIGS

# ----------------------------------------------------------------------------- the run loop


def test_the_collector_is_paused_only_while_the_loop_runs() -> None:
    seen: list[bool] = []
    env = simpy.Environment()
    call_later(env, 1.0, lambda _e: seen.append(gc.isenabled()), None)
    assert gc.isenabled()
    run_counting(env)
    assert seen == [False]
    assert gc.isenabled()


def test_a_collector_the_caller_disabled_stays_disabled() -> None:
    env = simpy.Environment()
    call_later(env, 1.0, lambda _e: None, None)
    gc.disable()
    try:
        run_counting(env)
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_the_collector_is_restored_when_a_callback_raises() -> None:
    def fail(_event: Callback) -> None:
        raise RuntimeError("boom")

    env = simpy.Environment()
    call_later(env, 1.0, fail, None)
    with pytest.raises(RuntimeError, match="boom"):
        run_counting(env)
    assert gc.isenabled()


def test_arrivals_at_or_after_until_are_not_run_and_events_at_equal_times_come_first() -> None:
    order: list[tuple[str, float]] = []
    env = simpy.Environment()
    arrivals = Arrivals()
    arrivals.add(np.array([1.0, 2.0, 5.0, 6.0]), lambda i: order.append(("arrival", env.now)))
    call_later(env, 2.0, lambda _e: order.append(("event", env.now)), None)
    call_later(env, 5.0, lambda _e: order.append(("late event", env.now)), None)
    events = run_counting(env, until=5.0, arrivals=arrivals)
    assert order == [("arrival", 1.0), ("event", 2.0), ("arrival", 2.0)]
    assert events == 1


def test_roster_changes_come_at_their_times_in_the_order_they_were_scheduled() -> None:
    """At a roster change's time, events scheduled before the change was come first."""
    env = simpy.Environment(initial_time=-10.0)
    log: list[tuple[float, object]] = []
    follow_roster(
        env, [(-20.0, 1), (-10.0, 2), (60.0, 3), (120.0, 4)], lambda n: log.append((env.now, n))
    )
    # Scheduled after the roster's change at 60 s was (when the change at -10 s
    # applied, at once): comes after it. The one at 120 s is scheduled at 60 s,
    # after this callback was, so this one comes first.
    call_later(env, 70.0, lambda _e: log.append((env.now, "event at 60")), None)
    call_later(env, 130.0, lambda _e: log.append((env.now, "event at 120")), None)
    events = run_counting(env)
    assert log == [
        (-10.0, 2),
        (60.0, 3),
        (60.0, "event at 60"),
        (120.0, "event at 120"),
        (120.0, 4),
    ]
    assert events == 4


# ----------------------------------------------------------------------------- handlers


def _centre(
    arrival: list[float],
    talk: list[float],
    roster: list[tuple[float, int]],
    patience: float = math.inf,
) -> tuple[CallTable, ContactCentre]:
    """One queue, one pool, no wrap-up, no redials: the centre run until nothing is left."""
    n = len(arrival)
    env = simpy.Environment(initial_time=0.0)
    queue = CallQueue(index=0, force="f", channel="101", priority=1)
    pool = PoolState(index=0, pool_id="pool", window_start=0.0, window_end=1e9)
    pool.queue_groups.append([queue])
    queue.pools.append(pool)
    calls = CallTable()
    calls.extend(
        arrival=np.array(arrival),
        patience=np.full(n, patience),
        talk=np.array(talk),
        wrap=np.zeros(n),
        queue=np.zeros(n, dtype=np.int64),
        may_redial=np.zeros(n, dtype=bool),
    )
    centre = ContactCentre(env, [queue], [pool], calls, redials={}, redial_cutoff=1e9)
    arrivals = Arrivals()
    centre.start([roster], arrivals)
    run_counting(env, arrivals=arrivals)
    return calls, centre


def test_a_handler_is_free_again_at_the_very_end_of_its_call() -> None:
    # Two handlers, 10 s calls: the third caller gets the first handler at 10 s,
    # the fourth the second at 11 s; a call ending at 20 s frees a handler for
    # the caller ringing at exactly 20 s.
    calls, _ = _centre([0.0, 1.0, 2.0, 3.0, 20.0], [10.0] * 5, [(0.0, 2)])
    assert calls.answered == [0.0, 1.0, 10.0, 11.0, 20.0]


def test_handlers_over_the_roster_finish_their_calls_and_take_no_new_one() -> None:
    # Three on duty take three calls; at 5 s the roster drops to one. The calls
    # end at 10, 11 and 12 s: at 11 s one is still busy, so the caller ringing at
    # 6 s is answered only at 12 s, when none is.
    calls, centre = _centre([0.0, 1.0, 2.0, 6.0], [10.0, 10.0, 10.0, 5.0], [(0.0, 3), (5.0, 1)])
    assert calls.answered == [0.0, 1.0, 2.0, 12.0]
    assert centre.pools[0].roster == [(0.0, 3), (5.0, 1)]


def test_handlers_coming_on_duty_take_waiting_callers_at_once() -> None:
    calls, _ = _centre([0.0, 1.0, 2.0], [100.0] * 3, [(0.0, 1), (30.0, 3)])
    assert calls.answered == [0.0, 30.0, 30.0]


def test_a_caller_whose_patience_ran_out_is_skipped() -> None:
    calls, _ = _centre([0.0, 1.0, 2.0], [10.0, 10.0, 10.0], [(0.0, 1)], patience=5.0)
    # The second and third callers' patience ran out at 6 and 7 s, before 10 s.
    assert calls.served_by == [0, NOT_ANSWERED, NOT_ANSWERED]
    assert math.isnan(calls.answered[1]) and math.isnan(calls.answered[2])


# ----------------------------------------------------------------------------- handler-seconds


def _integrated(
    pool: PoolState, start_s: float, answered: np.ndarray, handled: np.ndarray
) -> tuple[float, float]:
    """Busy and present handler-seconds by the plainest loop: between consecutive
    distinct times, in time order, add (number busy) x (gap inside the window)."""
    roster = [(start_s, 0), *pool.roster]
    points = sorted({start_s, *answered.tolist(), *handled.tolist(), *(t for t, _ in roster)})
    busy_s = present_s = 0.0
    for before, after in pairwise(points):
        gap = max(min(after, pool.window_end) - max(before, pool.window_start), 0.0)
        if gap == 0.0:
            continue
        busy = int((answered <= before).sum() - (handled <= before).sum())
        available = [n for t, n in roster if t <= before][-1]
        busy_s += busy * gap
        present_s += max(busy, available) * gap
    return busy_s, present_s


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_handler_seconds_are_the_integral_as_the_run_went_to_the_last_bit(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = 400
    # Answers partly at roster times and calls partly of no length: equal times
    # among answers, ends and roster changes, which the sort may order any way.
    roster = [(0.0, 3)] + [(float(t), int(c)) for t, c in zip(
        np.arange(600.0, 20_000.0, 600.0), rng.integers(0, 6, 33), strict=True)]  # fmt: skip
    answered = np.sort(rng.uniform(0.0, 20_000.0, n))
    answered[::7] = rng.choice([t for t, _ in roster], len(answered[::7]))
    service = rng.exponential(300.0, n)
    service[::5] = 0.0
    handled = answered + service
    pool = PoolState(index=0, pool_id="pool", window_start=1_000.0, window_end=18_000.0)
    pool.roster = roster
    assert handler_seconds(pool, 0.0, answered, handled) == _integrated(
        pool, 0.0, answered, handled
    )


# ----------------------------------------------------------------------------- online reports


def test_a_contact_only_run_has_the_whole_scenarios_calls_and_reports() -> None:
    """Its online reports open no incident and get no handler, and change nothing."""
    scenario = load_scenario(CONFIGS / "demo.yaml", ["days=3", "warmup_days=1"])
    whole = run_replication(scenario, 0)
    contact = run_replication(contact_only(scenario), 0)
    for name in ("arrival_s", "answered_s", "talk_s", "pool", "outcome", "attempt", "caller"):
        assert np.array_equal(
            getattr(whole.calls, name), getattr(contact.calls, name), equal_nan=True
        )
    assert np.array_equal(whole.online.arrival_s, contact.online.arrival_s)
    assert whole.pools == contact.pools


# ----------------------------------------------------------------------------- the call table


@pytest.mark.parametrize("read_first", [False, True])
def test_the_arrival_list_made_on_first_use_has_every_call(read_first: bool) -> None:
    calls = CallTable()
    n = 5
    calls.extend(
        arrival=np.arange(n, dtype=float),
        patience=np.full(n, 10.0),
        talk=np.ones(n),
        wrap=np.zeros(n),
        queue=np.zeros(n, dtype=np.int64),
        may_redial=np.zeros(n, dtype=bool),
    )
    if read_first:
        assert calls.arrival == [0.0, 1.0, 2.0, 3.0, 4.0]
    redial = calls.append(
        arrival=7.5, patience=1.0, talk=1.0, wrap=0.0, queue=0, attempt=1, caller=2,
        may_redial=False, grade=-1, grading_delay=0.0,
    )  # fmt: skip
    assert redial == n and len(calls) == n + 1
    assert calls.arrival == [0.0, 1.0, 2.0, 3.0, 4.0, 7.5]
    assert calls.column("arrival").tolist() == calls.arrival
    assert calls.column("deadline").tolist() == [10.0, 11.0, 12.0, 13.0, 14.0, 8.5]
