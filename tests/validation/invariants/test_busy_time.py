"""Busy and present server time add up exactly to the records (DESIGN §7.2).

Over the measured period, a handler pool's busy handler-seconds are the sum of
its answered calls' talk plus wrap-up, a response area's busy unit-seconds the
sum of its unit assignments (dispatch to clear or diversion), and a resolution
team's busy staff-seconds the sum of its call-backs, each clipped to the
period; with a constant roster, present time is the number on duty times the
period's length. Any event that changes the number of free or busy servers
without first counting the time since the last change breaks these sums.
"""

from __future__ import annotations

import numpy as np
import pytest

from sim.model.records import CallOutcome, ReplicationOutput
from sim.model.replication import run_replication
from tests.validation.theory.test_utilisation import (
    area_scenario,
    pool_scenario,
    resolution_scenario,
)

SERVERS = 10
LOAD = 0.85


def clipped_total(start_s: np.ndarray, end_s: np.ndarray, horizon_s: float) -> float:
    """Total length of the intervals inside ``[0, horizon_s)``, seconds."""
    return float(np.clip(np.minimum(end_s, horizon_s) - np.maximum(start_s, 0.0), 0.0, None).sum())


@pytest.fixture(scope="module", params=[0, 1])
def replication(request: pytest.FixtureRequest) -> int:
    return request.param


def test_pool_time_is_the_calls_handled(replication: int) -> None:
    output = run_replication(pool_scenario(SERVERS, LOAD), replication)
    calls = output.calls
    answered = calls.outcome == CallOutcome.ANSWERED
    start = calls.answered_s[answered]
    end = start + calls.talk_s[answered] + calls.wrap_s[answered]
    (pool,) = output.pools
    assert pool.busy_s == pytest.approx(clipped_total(start, end, output.horizon_s), rel=1e-12)
    assert pool.present_s == pytest.approx(SERVERS * output.horizon_s, rel=1e-12)


def test_area_time_is_the_units_assignments(replication: int) -> None:
    output = run_replication(area_scenario(SERVERS, LOAD), replication)
    jobs = output.assignments
    (area,) = output.areas
    busy = clipped_total(jobs.start_s, jobs.end_s, output.horizon_s)
    assert area.busy_s == pytest.approx(busy, rel=1e-12)
    assert area.present_s == pytest.approx(SERVERS * output.horizon_s, rel=1e-12)


def test_team_time_is_the_call_backs(replication: int) -> None:
    output: ReplicationOutput = run_replication(resolution_scenario(SERVERS, LOAD), replication)
    incidents = output.incidents
    (team,) = output.teams
    # A call-back not started (or not finished) by the end of the run counts from
    # its start (or to the end) only: NaN becomes a time past the period.
    busy = clipped_total(
        np.nan_to_num(incidents.callback_start, nan=np.inf),
        np.nan_to_num(incidents.cleared, nan=np.inf),
        output.horizon_s,
    )
    assert team.busy_s == pytest.approx(busy, rel=1e-12)
    assert team.present_s == pytest.approx(SERVERS * output.horizon_s, rel=1e-12)
