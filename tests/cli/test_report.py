"""The report command end to end: exit codes and what it prints."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli import app
from sim.app import run as app_run
from tests.helpers import CONFIGS
from tests.report.results_files import write_changes, write_targets

runner = CliRunner()
SHORT = ["days=1", "warmup_days=0.25", "replications=2"]


@pytest.fixture(scope="module")
def contact_only_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("mmc") / "mmc"
    app_run.run_scenario(CONFIGS / "mmc.yaml", SHORT, out)
    write_targets(out, {("answer_time", "101", "threshold"): 20.0})
    write_changes(out)
    return out


def test_cli_bad_input_exits_2(tmp_path: Path) -> None:
    missing = runner.invoke(app, ["report", str(tmp_path / "nowhere")])
    assert missing.exit_code == 2
    assert "does not exist" in missing.output
    empty = runner.invoke(app, ["report", str(tmp_path)])
    assert empty.exit_code == 2
    assert "has no summary.csv" in empty.output
    (tmp_path / "summary.csv").write_text("a,b\n1,2\n")
    wrong = runner.invoke(app, ["report", str(tmp_path)])
    assert wrong.exit_code == 2
    assert "has no column(s) scenario" in wrong.output


def test_cli_report_lists_left_out_figures(contact_only_dir: Path, tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["report", str(contact_only_dir), "--out", str(tmp_path / "r.html")]
    )
    assert result.exit_code == 0, result.output
    assert "not in this report: How many do we need?" in result.output
    assert f"report: {tmp_path / 'r.html'}" in result.output
