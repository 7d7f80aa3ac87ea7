"""Fitting more than two call channels: a switchboard queue becomes a channel of its own.

The fixture ``three_queues_calls.csv`` (made by :mod:`tests.fit.three_queues`
from a simulated contact centre with 999, 101 and a switchboard ranked after
101) is fitted with ``three_queues_mapping.yaml``; the fitted scenario has
three channels, each with its own volume, patience and handling, the
switchboard with the rank and target the mapping gives; it validates and
simulates. A mapping naming a new channel without its rank or target is exit 2.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim import fit
from sim.app.fit import FitOutcome, fit_scenario
from sim.config import load_scenario
from sim.errors import InputError
from sim.metrics.kpis import contact_metrics
from sim.model.replication import run_replication
from tests.fit.three_queues import FIXTURE, MAPPING, three_queue_scenario

CHANNELS = ["999", "101", "101-switchboard"]


@pytest.fixture(scope="module")
def fitted(tmp_path_factory: pytest.TempPathFactory) -> FitOutcome:
    out = tmp_path_factory.mktemp("three") / "three.yaml"
    return fit_scenario(None, FIXTURE, MAPPING, out)


def test_three_queues_become_three_channels_in_rank_order(fitted: FitOutcome) -> None:
    force = fitted.result.scenario["forces"]["fitted"]
    assert list(force["channels"]) == CHANNELS
    switchboard = force["channels"]["101-switchboard"]
    assert switchboard["priority"] == 2 and switchboard["answer_target_s"] == 60
    # 999 and 101 keep their national defaults: nothing written for them.
    for channel in ("999", "101"):
        assert "priority" not in force["channels"][channel]
        assert "answer_target_s" not in force["channels"][channel]
    assert fitted.result.scenario["handler_pools"]["contact_centre"]["serves"] == CHANNELS


def test_each_channel_has_its_own_fitted_times(fitted: FitOutcome) -> None:
    truth = three_queue_scenario()["forces"]["f"]["channels"]
    fits = fitted.result.fits
    for channel in CHANNELS:
        known = truth[channel]
        prof = fits[f"profile/{channel}"]
        assert prof.volume_ci[0] <= known["volume_per_year"] <= prof.volume_ci[1], channel
        handling = fits[f"handling/{channel}"]
        median = math.exp(handling.mu)
        lo, hi = (math.exp(v) for v in handling.mu_ci)
        # The handling medians differ (420, 900, 180 s): each is its own channel's.
        assert lo <= known["handling"]["median_s"] <= hi, (channel, median)
        patience = fits[f"patience/{channel}"]
        if "patience" in known:
            assert patience is not None and patience.distribution == "exponential", channel
            # Censored MLE: the true mean inside the 95% interval widened to ~99.5%
            # (six parameters are checked from one export).
            lo, hi = patience.mean_ci
            centre, half = (lo + hi) / 2, (hi - lo) / 2 * 2.81 / 1.96
            assert abs(known["patience"]["mean_s"] - centre) <= half, channel
        else:
            assert patience is None, channel  # 999 callers never hang up


def test_the_fitted_scenario_validates_and_simulates(fitted: FitOutcome) -> None:
    scenario = load_scenario(fitted.out)
    force = scenario.forces["fitted"]
    assert [force.priority_of(c) for c in CHANNELS] == [0, 1, 2]
    assert force.target_s("101-switchboard") == 60.0
    output = run_replication(scenario.model_copy(update={"days": 7}), 0)
    values = {(m.metric, m.segment, m.stat): m.value for m in contact_metrics(output)}
    for channel in CHANNELS:
        assert values[("offered", channel, "count")] > 100
        assert ("answer_time", channel, "p90") in values
        assert ("answered_within_target", channel, "value") in values
        assert ("abandoned", channel, "value") in values
    # 999 callers never hung up in the export, so no patience was fitted: none abandon.
    assert values[("abandoned", "999", "value")] == 0
    assert values[("abandoned", "101-switchboard", "value")] > 0


def _mapping(tmp_path: Path, extra: str) -> Path:
    text = MAPPING.read_text(encoding="utf-8").split("channel_priorities")[0] + extra
    path = tmp_path / "m.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_new_channel_without_a_rank_is_refused(tmp_path: Path) -> None:
    path = _mapping(tmp_path, "channel_answer_targets_s: {101-switchboard: 60}\n")
    with pytest.raises(InputError) as caught:
        fit.read_mapping(path)
    (problem,) = caught.value.problems
    assert (problem.source, problem.path) == (str(path), "channel_priorities.101-switchboard")
    assert "calls.channels maps 'SWBD' to '101-switchboard'" in problem.message
    assert "expected its priority rank" in problem.message


def test_a_new_channel_without_a_target_is_refused(tmp_path: Path) -> None:
    path = _mapping(tmp_path, "channel_priorities: {101-switchboard: 2}\n")
    with pytest.raises(InputError) as caught:
        fit_scenario(None, FIXTURE, path, tmp_path / "x.yaml")
    (problem,) = caught.value.problems
    assert problem.path == "channel_answer_targets_s.101-switchboard"
    assert not (tmp_path / "x.yaml").exists()


def test_a_rank_for_a_channel_nothing_maps_to_is_refused(tmp_path: Path) -> None:
    path = _mapping(
        tmp_path,
        "channel_priorities: {101-switchboard: 2, crime-line: 3}\n"
        "channel_answer_targets_s: {101-switchboard: 60}\n",
    )
    with pytest.raises(InputError) as caught:
        fit.read_mapping(path)
    (problem,) = caught.value.problems
    assert problem.path == "channel_priorities.crime-line"
    assert "'crime-line' is not a channel any channels: code maps to" in problem.message
    assert "101-switchboard" in problem.message


def test_the_ranks_of_999_and_101_may_be_given(tmp_path: Path) -> None:
    path = _mapping(
        tmp_path,
        'channel_priorities: {"101": 2, 101-switchboard: 1}\n'
        "channel_answer_targets_s: {101-switchboard: 60}\n",
    )
    outcome = fit_scenario(None, FIXTURE, path, tmp_path / "x.yaml")
    channels = outcome.result.scenario["forces"]["fitted"]["channels"]
    assert list(channels) == ["999", "101-switchboard", "101"]
    assert channels["101"]["priority"] == 2 and "answer_target_s" not in channels["101"]


def test_incidents_alone_give_the_new_channel_its_own_grading(tmp_path: Path) -> None:
    # A CAD export whose source column has a switchboard code, no telephony export.
    rng = np.random.default_rng(11)
    n = 3000
    created = pd.Timestamp("2024-01-01") + pd.to_timedelta(
        np.sort(rng.uniform(0, 14 * 86_400, n)), unit="s"
    )
    source = rng.choice(["E", "N", "SWB", "WEB"], n, p=[0.3, 0.4, 0.2, 0.1])
    # The switchboard's calls rarely need a unit: a grading unlike 999's.
    grade1 = np.where(source == "SWB", 0.02, 0.3)
    grade = np.where(rng.random(n) < grade1, "grade1", "no_deployment")
    stamp = "%Y-%m-%d %H:%M:%S"
    pd.DataFrame(
        {
            "created": created.strftime(stamp),
            "dispatched": (created + pd.Timedelta(minutes=2)).strftime(stamp),
            "arrived": (created + pd.Timedelta(minutes=10)).strftime(stamp),
            "cleared": (created + pd.Timedelta(minutes=40)).strftime(stamp),
            "priority": grade,
            "area": "urban",
            "channel": source,
        }
    ).to_csv(tmp_path / "cad.csv", index=False)
    mapping = tmp_path / "m.yaml"
    mapping.write_text(
        "incidents:\n  channels: {E: '999', N: '101', SWB: 101-switchboard, WEB: online}\n"
        "channel_priorities: {101-switchboard: 2}\n"
        "channel_answer_targets_s: {101-switchboard: 60}\n",
        encoding="utf-8",
    )
    outcome = fit_scenario(tmp_path / "cad.csv", None, mapping, tmp_path / "f.yaml")
    force = outcome.result.scenario["forces"]["fitted"]
    assert list(force["channels"]) == CHANNELS and "online" in force
    for channel, share in (("999", 0.3), ("101-switchboard", 0.02)):
        grading = outcome.result.fits["grading"][channel]
        lo, hi = grading["ci"]["grade1"]
        assert lo <= share <= hi, (channel, lo, hi)
    assert force["channels"]["101-switchboard"]["priority"] == 2
    load_scenario(outcome.out)
