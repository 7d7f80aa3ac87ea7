"""The panel report lists whatever call channels the results have, not a fixed pair.

A short real run of the demo with a third channel, ``101-switchboard``
(priority rank 2, a 60 s answer target set in the scenario): its results
carry the switchboard's segments and its target in ``targets.csv``, and the
report draws it in the answer-time figures and speaks of it in the
scenario's sentences, judged against that target.
"""

from __future__ import annotations

import copy
from pathlib import Path

import pandas as pd
import pytest
import yaml

from sim.app import run as app_run
from sim.report import write_report
from sim.report.figures import build_figures
from sim.report.load import load_results
from sim.report.targets import call_channels, headline_figures, targets_for
from tests.config.problems import demo_raw

SWITCHBOARD = "101-switchboard"


@pytest.fixture(scope="module")
def three_channel_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("three-channels")
    raw = demo_raw()
    channels = raw["forces"]["demo"]["channels"]
    extra = copy.deepcopy(channels["101"])
    extra.update(volume_per_year=30_000, priority=2, answer_target_s=60)
    extra.pop("redial", None)
    channels[SWITCHBOARD] = extra
    raw["handler_pools"]["contact_centre"]["serves"].append(SWITCHBOARD)
    scenario = folder / "three.yaml"
    scenario.write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")
    out = folder / "results"
    app_run.run_scenario(
        scenario, ["days=1", "warmup_days=0.25", "replications=2"], out, keep_records=True
    )
    return out


def test_results_carry_the_third_channel_and_its_target(three_channel_dir: Path) -> None:
    summary = pd.read_csv(three_channel_dir / "summary.csv", dtype={"segment": str})
    for metric in ("offered", "answer_time", "answered_within_target", "abandoned"):
        assert SWITCHBOARD in set(summary.loc[summary["metric"] == metric, "segment"]), metric
    targets = pd.read_csv(three_channel_dir / "targets.csv", dtype={"segment": str})
    row = targets[(targets["segment"] == SWITCHBOARD) & (targets["metric"] == "answer_time")]
    assert row[["stat", "target", "unit", "source"]].values.tolist() == [
        ["threshold", 60.0, "s", "scenario"]
    ]


def test_report_lists_every_channel_the_results_have(three_channel_dir: Path) -> None:
    results = load_results(three_channel_dir)
    assert call_channels(results) == ["999", "101", SWITCHBOARD]
    heads = headline_figures(results)
    assert ("answer_time", SWITCHBOARD, "p90") in heads
    assert heads.index(("abandoned", "101", "value")) < heads.index(
        ("answer_time", SWITCHBOARD, "p90")
    )
    target = targets_for(results, results.scenarios[0])[("answer_time", SWITCHBOARD, "p90")]
    assert target.value == 60.0 and target.source == "scenario"
    figures = {f.key: f for f in build_figures(results)}
    for key in ("answer-percentiles", "answer-distribution"):
        figure = figures[key].figure
        assert figure is not None, figures[key].reason
        titles = [a.text for a in figure.layout.annotations]
        assert {"999", "101", SWITCHBOARD} <= set(titles), (key, titles)
    assert figures["answer-percentiles"].title.startswith("999, 101 and 101-switchboard")
    html = write_report(three_channel_dir).html.read_text(encoding="utf-8")
    assert "calls to 101-switchboard are answered within" in html
    assert "101-switchboard target 1 min" in html
    # The headline table has the switchboard's columns, judged against its target.
    assert "P90 answer time, 101-switchboard" in html


def test_two_channel_results_keep_their_pair(tmp_path: Path) -> None:
    raw = demo_raw()
    scenario = tmp_path / "demo.yaml"
    scenario.write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")
    out = tmp_path / "results"
    app_run.run_scenario(scenario, ["days=1", "warmup_days=0.25", "replications=2"], out)
    results = load_results(out)
    assert call_channels(results) == ["999", "101"]
    assert build_figures(results)[1].title == "999 and 101: how long until a call is answered"
