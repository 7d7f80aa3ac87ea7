"""Typed records: codes as enums, equal-length columns, one Parquet schema."""

from __future__ import annotations

import numpy as np
import pytest

from sim.config import Grading, scenario_from_dict
from sim.metrics.kpis import call_records, incident_records
from sim.model.records import (
    CallOutcome,
    CallRecords,
    Grade,
    IncidentSource,
    OutageRecords,
    ReplicationOutput,
)
from sim.model.replication import run_replication
from tests.helpers import load_raw


@pytest.fixture(scope="module")
def demo_output() -> ReplicationOutput:
    raw = load_raw("demo.yaml")
    raw["days"] = 3
    return run_replication(scenario_from_dict(raw), 0)


def test_codes_keep_their_numbers_and_names() -> None:
    assert [int(o) for o in CallOutcome] == [0, 1, 2, 3, 4, 5]
    assert [o.label for o in CallOutcome] == [
        "answered", "abandoned", "waiting", "called_back", "unreached", "left",
    ]  # fmt: skip
    assert [g.label for g in Grade] == [
        "grade1", "grade2", "scheduled", "resolution", "no_deployment",
    ]  # fmt: skip
    assert [int(g) for g in Grade] == [0, 1, 2, 3, 4]
    assert [s.label for s in IncidentSource] == ["call", "online", "online_instead"]


def test_grading_shares_are_in_grade_order() -> None:
    # The model turns a channel's grading shares into codes by position.
    for grade in Grade:
        shares = Grading(**{grade.label: 1.0}).shares()
        assert shares.index(1.0) == grade


def _calls(n: int, answered: int | None = None) -> CallRecords:
    zeros = np.zeros(n)
    ints = np.zeros(n, dtype=np.int64)
    return CallRecords(
        arrival_s=zeros, patience_s=zeros, talk_s=zeros, wrap_s=zeros,
        answered_s=np.zeros(n if answered is None else answered),
        queue=ints, attempt=ints, caller=ints, pool=ints,
        outcome=np.zeros(n, dtype=np.int8),
    )  # fmt: skip


def test_records_have_one_length_and_refuse_ragged_columns() -> None:
    assert len(_calls(3)) == 3
    with pytest.raises(ValueError, match="answered_s"):
        _calls(3, answered=2)
    with pytest.raises(ValueError):
        OutageRecords(start_s=np.zeros(2), end_s=np.zeros(1))


def test_outage_windows_contain_times_inside_them_only() -> None:
    outages = OutageRecords(start_s=np.array([10.0, 50.0]), end_s=np.array([20.0, 60.0]))
    times = np.array([5.0, 10.0, 19.9, 20.0, 55.0, np.nan, 70.0])
    assert outages.contains(times).tolist() == [False, True, True, False, True, False, False]
    assert not OutageRecords(np.empty(0), np.empty(0)).contains(times).any()


def test_record_frames_are_the_records(demo_output: ReplicationOutput) -> None:
    calls = call_records(demo_output)
    assert len(calls) == len(demo_output.calls)
    assert list(calls.columns[:6]) == [
        "scenario", "replication", "seed", "call_id", "caller_id", "attempt",
    ]  # fmt: skip
    counts = calls["outcome"].value_counts()
    for outcome in CallOutcome:
        assert counts.get(outcome.label, 0) == (demo_output.calls.outcome == outcome).sum()
    incidents = incident_records(demo_output)
    assert len(incidents) == len(demo_output.incidents)
    grade1 = (incidents["grade"] == Grade.GRADE1.label).to_numpy()
    assert np.array_equal(grade1, demo_output.incidents.grade == Grade.GRADE1)
    online = (incidents["source"] == IncidentSource.ONLINE.label).to_numpy()
    assert np.array_equal(online, demo_output.incidents.source == IncidentSource.ONLINE)
