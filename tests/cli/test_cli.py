"""The command line end to end: the results directory contract, erlang, exit codes.

Resume and the results-directory rules of ``run`` and ``experiment`` are in
``tests/cli/test_runs.py``.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from cli import app
from sim.analytic import erlang_a_figures, erlang_c_figures
from sim.files import read_records
from tests.helpers import CONFIGS, ROOT

runner = CliRunner()


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory) -> tuple[Path, str]:
    out = tmp_path_factory.mktemp("results") / "demo"
    result = runner.invoke(
        app,
        [
            "run",
            str(CONFIGS / "demo.yaml"),
            "--days", "3",
            "--warmup-days", "1",
            "--replications", "3",
            "--seed", "42",
            "--records",
            "--out", str(out),
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    return out, result.output


def test_run_writes_the_results_directory(demo_run) -> None:
    out, _ = demo_run
    assert {p.name for p in out.iterdir()} == {
        "summary.csv",
        "comparison.csv",
        "replications.parquet",
        "warmup.csv",
        "targets.csv",
        "changes.csv",
        "scenarios.csv",
        "manifest.json",
        "experiment.json",
        "replications",
        "warmup",
        "records",
    }
    # One file per replication and kind, in the layout every results directory shares.
    for kind in ("replications", "warmup", "records/calls", "records/incidents"):
        assert sorted(p.name for p in (out / kind / "demo").glob("*.parquet")) == [
            "00000.parquet",
            "00001.parquet",
            "00002.parquet",
        ], kind
    # Beside each replication's metric file, the checksums of all its files (written last).
    assert sorted(
        p.name for p in (out / "replications" / "demo").iterdir() if p.suffix != ".parquet"
    ) == [
        "00000.sha256",
        "00001.sha256",
        "00002.sha256",
    ]
    # Results are for sharing: readable by everyone, not just their owner.
    assert (out / "summary.csv").stat().st_mode & 0o777 == 0o644
    summary = pd.read_csv(out / "summary.csv", dtype={"segment": str})
    assert list(summary.columns) == [
        "scenario", "metric", "segment", "stat", "unit",
        "mean", "ci_low", "ci_high", "replications",
    ]  # fmt: skip
    keys = set(zip(summary["metric"], summary["segment"], summary["stat"], strict=True))
    for segment in ("999", "101"):
        assert ("offered", segment, "count") in keys
        for stat in ("mean", "p50", "p90", "p95"):
            assert ("answer_time", segment, stat) in keys
        assert ("answered_within_target", segment, "value") in keys
        assert ("abandoned", segment, "value") in keys
    assert ("occupancy", "contact_centre", "value") in keys
    units = dict(zip(summary["metric"], summary["unit"], strict=False))
    assert units == {
        "offered": "calls",
        "answer_time": "s",
        "answered_within_target": "%",
        "abandoned": "%",
        "occupancy": "%",
        "incidents": "count",
        "attendance_time": "min",
        "attended_within_target": "%",
        "dispatch_delay": "min",
        "callback_time": "min",
        "appointment_wait": "h",
        "unit_utilisation": "%",
        "unit_overrun": "h",
    }
    assert (summary["replications"] == 3).all()
    assert (summary["ci_low"] <= summary["mean"]).all() and (
        summary["mean"] <= summary["ci_high"]
    ).all()


def test_summary_is_the_t_interval_of_the_replications(demo_run) -> None:
    out, _ = demo_run
    summary = pd.read_csv(out / "summary.csv", dtype={"segment": str})
    table = pd.read_parquet(out / "replications.parquet")
    assert {"seed", "value", "replication"} <= set(table.columns)
    assert (table["seed"] == 42).all()
    row = summary[
        (summary["metric"] == "answer_time")
        & (summary["segment"] == "101")
        & (summary["stat"] == "p90")
    ].iloc[0]
    values = table[
        (table["metric"] == "answer_time") & (table["segment"] == "101") & (table["stat"] == "p90")
    ]["value"]
    half = 4.302652729911275 * values.std(ddof=1) / np.sqrt(3)  # t(0.975, 2 df)
    assert np.isclose(row["mean"], values.mean(), rtol=1e-5)
    assert np.isclose(row["ci_high"] - row["mean"], half, rtol=1e-4)


def test_records_agree_with_the_summary(demo_run) -> None:
    out, _ = demo_run
    records = read_records(out, "calls")
    assert set(records["scenario"]) == {"demo"}
    table = pd.read_parquet(out / "replications.parquet")
    measured = records[records["in_period"] & (records["channel"] == "101")]
    for replication, calls in measured.groupby("replication"):
        offered = table[
            (table["metric"] == "offered")
            & (table["segment"] == "101")
            & (table["replication"] == replication)
        ]
        assert offered["value"].iloc[0] == len(calls)
        answered = calls[calls["outcome"] == "answered"]
        mean_wait = table[
            (table["metric"] == "answer_time")
            & (table["segment"] == "101")
            & (table["stat"] == "mean")
            & (table["replication"] == replication)
        ]["value"].iloc[0]
        assert np.isclose(answered["answer_wait_s"].mean(), mean_wait)


def test_manifest_lets_the_run_be_repeated(demo_run, tmp_path) -> None:
    out, _ = demo_run
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["seed"] == 42
    assert manifest["replications"] == [0, 1, 2]
    assert {"python", "simpy", "numpy", "pandas", "pydantic"} <= set(manifest["versions"])
    assert manifest["started"] <= manifest["finished"]
    resolved = manifest["scenarios"]["demo"]
    assert resolved["days"] == 3 and resolved["warmup_days"] == 1
    # The resolved scenario, saved as YAML, reproduces the run exactly.
    scenario_file = tmp_path / "again.yaml"
    scenario_file.write_text(json.dumps(resolved))
    again = runner.invoke(app, ["run", str(scenario_file), "--out", str(tmp_path / "again")])
    assert again.exit_code == 0, again.output
    first = pd.read_parquet(out / "replications.parquet")
    second = pd.read_parquet(tmp_path / "again" / "replications.parquet")
    pd.testing.assert_frame_equal(first, second)


def test_run_prints_headline_and_where_results_are(demo_run) -> None:
    out, output = demo_run
    assert "999" in output and "101" in output
    assert "occupancy, contact_centre" in output
    assert str(out) in output.replace("\n", "")


def test_erlang_c_json_matches_the_analytic_module() -> None:
    result = runner.invoke(
        app,
        [
            "erlang",
            "c",
            "--calls-per-hour",
            "100",
            "--aht",
            "360",
            "--agents",
            "12",
            "--target",
            "20",
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    figures = json.loads(result.output)
    expected = erlang_c_figures(100, 360, 12, 20)
    assert set(figures) == {"p_wait", "service_level", "asa_s", "occupancy"}
    assert np.isclose(figures["p_wait"], expected.p_wait)
    assert np.isclose(figures["asa_s"], expected.asa_s)


def test_erlang_a_json_includes_abandonment() -> None:
    result = runner.invoke(
        app,
        [
            "erlang",
            "a",
            "--calls-per-hour",
            "130",
            "--aht",
            "300",
            "--agents",
            "10",
            "--patience",
            "240",
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    figures = json.loads(result.output)
    expected = erlang_a_figures(130, 300, 10, 240, 20)
    assert set(figures) == {"p_wait", "service_level", "asa_s", "occupancy", "p_abandon"}
    assert np.isclose(figures["p_abandon"], expected.p_abandon)


def test_erlang_thousands_of_agents_is_finite() -> None:
    result = runner.invoke(
        app,
        ["erlang", "c", "--calls-per-hour", "57000", "--aht", "240", "--agents", "3900", "--json"],
    )
    assert result.exit_code == 0
    figures = json.loads(result.output)
    assert all(np.isfinite(v) for v in figures.values())


def test_erlang_text_output() -> None:
    result = runner.invoke(
        app,
        [
            "erlang",
            "a",
            "--calls-per-hour",
            "100",
            "--aht",
            "360",
            "--agents",
            "12",
            "--patience",
            "300",
        ],
    )
    assert result.exit_code == 0
    assert "probability of abandoning" in result.output


@pytest.mark.parametrize(
    "arguments",
    [
        ["erlang", "c", "--calls-per-hour", "-5", "--aht", "300", "--agents", "10"],
        ["erlang", "c", "--calls-per-hour", "100", "--aht", "0", "--agents", "10"],
        [
            "erlang",
            "a",
            "--calls-per-hour",
            "100",
            "--aht",
            "300",
            "--agents",
            "10",
            "--patience",
            "-1",
        ],
        ["erlang", "c", "--calls-per-hour", "abc", "--aht", "300", "--agents", "10"],
    ],
)
def test_erlang_bad_arguments_exit_2(arguments) -> None:
    result = runner.invoke(app, arguments)
    assert result.exit_code == 2
    assert isinstance(result.exception, SystemExit)


def test_console_entry_point_exit_codes(tmp_path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\ndays: -1\n")
    completed = subprocess.run(
        [sys.executable, "cli.py", "validate", str(bad)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert completed.returncode == 2
    assert f"{bad}: days:" in completed.stderr
    assert "Traceback" not in completed.stderr
    good = subprocess.run(
        [sys.executable, "cli.py", "validate", str(CONFIGS / "demo.yaml")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert good.returncode == 0, good.stderr
    assert "valid scenario 'demo'" in good.stdout
