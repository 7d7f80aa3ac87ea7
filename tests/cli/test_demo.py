"""``demandsim demo``: what ``make demo`` does, from any folder, with or without a checkout."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
from typer.testing import CliRunner

from cli import app
from sim.app.demo import shipped_scenario
from tests.helpers import CONFIGS

runner = CliRunner()


def test_the_demo_scenario_is_found_from_a_checkout() -> None:
    assert shipped_scenario() == CONFIGS / "demo.yaml"


def test_demo_runs_the_demo_into_results_demo_and_writes_its_report(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["demo", "--days", "1"])
    assert result.exit_code == 0, result.output
    out = Path("results") / "demo"
    summary = pd.read_csv(out / "summary.csv", dtype={"segment": str})
    assert set(summary["scenario"]) == {"demo"}
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["scenarios"]["demo"]["days"] == 1
    assert manifest["run"]["records"] is True
    assert (out / "records" / "calls" / "demo").is_dir()
    assert (out / "report.html").is_file()
    assert f"report: {out / 'report.html'}" in result.output
    assert "demo: mean ± half-width" in result.output


def test_demo_with_a_bad_day_count_is_bad_input(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["demo", "--days", "-1"])
    assert result.exit_code == 2
    assert "days" in result.output
