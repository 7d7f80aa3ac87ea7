"""A run of a force with beats: the results directory the report's map reads.

The contract with the report (issue 17): ``geography.json`` holds the beats
(id, area, x_km, y_km, polygon) and stations (id, beat, x_km, y_km), and
``summary.csv`` has ``attendance_time`` (mean, p50, p90, p95) for
``grade1/beat/<id>`` and ``grade2/beat/<id>`` and ``attended_within_target``
for ``grade1/beat/<id>``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
import yaml

from sim.app.run import run_experiment_file, run_scenario
from tests.model.spatial_setups import spatial_demo_copy


def test_run_writes_the_map_contract(tmp_path: Path) -> None:
    scenario = spatial_demo_copy(tmp_path)
    out = tmp_path / "out"
    run_scenario(scenario, ["days=7", "warmup_days=1", "replications=2"], out, keep_records=True)
    places = json.loads((out / "geography.json").read_text())
    assert len(places["beats"]) == 40 and len(places["stations"]) == 5
    assert {"id", "area", "x_km", "y_km", "polygon"} <= set(places["beats"][0])
    assert {"id", "beat", "x_km", "y_km"} <= set(places["stations"][0])
    assert all(len(b["polygon"]) >= 3 for b in places["beats"])
    summary = pd.read_csv(out / "summary.csv", dtype={"segment": str})
    for beat in places["beats"]:
        for grade in ("grade1", "grade2"):
            rows = summary[(summary.metric == "attendance_time")
                           & (summary.segment == f"{grade}/beat/{beat['id']}")]  # fmt: skip
            assert set(rows.stat) == {"mean", "p50", "p90", "p95"}
        within = summary[(summary.metric == "attended_within_target")
                         & (summary.segment == f"grade1/beat/{beat['id']}")]  # fmt: skip
        assert list(within.stat) == ["value"]
    incidents = pd.concat(map(pd.read_parquet, (out / "records" / "incidents").rglob("*.parquet")))
    sent = incidents[incidents.origin_station != ""]
    assert set(sent.origin_station) <= {s["id"] for s in places["stations"]}
    assert set(sent.beat) <= {b["id"] for b in places["beats"]}


@pytest.mark.slow
def test_closing_a_rural_station_lengthens_attendance_in_its_area(tmp_path: Path) -> None:
    scenario = spatial_demo_copy(tmp_path)
    experiment = scenario.parents[1] / "experiments" / "station-closure.yaml"
    raw = yaml.safe_load(experiment.read_text())
    raw.update(days=14, warmup_days=1, replications=4)
    experiment.write_text(yaml.safe_dump(raw))
    written = run_experiment_file(experiment, tmp_path / "out", workers=1)
    comparison = written.comparison.set_index(["scenario", "metric", "segment", "stat"])
    closed = comparison.loc[("close-east", "attendance_time", "grade1/station/east", "mean")]
    moved = comparison.loc[("two-to-east", "attendance_time", "grade1/station/east", "mean")]
    # Paired differences (common random numbers): its units now drive out from central.
    assert closed["difference"] > 0 and closed["excludes_zero"]
    assert moved["difference"] < 0
