"""The command line on a force with beats: validate and run, bad geography files exit 2."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from cli import app
from tests.model.spatial_setups import spatial_demo_copy

runner = CliRunner()


def test_validate_and_run_the_spatial_demo(tmp_path: Path) -> None:
    scenario = spatial_demo_copy(tmp_path)
    result = runner.invoke(app, ["validate", str(scenario)])
    assert result.exit_code == 0, result.output
    assert "valid scenario 'spatial-demo'" in " ".join(result.output.split())
    out = tmp_path / "out"
    result = runner.invoke(
        app,
        ["--quiet", "run", str(scenario), "--days", "3", "--warmup-days", "0",
         "--replications", "1", "--out", str(out)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "grade1/beat/" not in result.output  # the printed tables keep to areas
    assert "grade1/rural" in result.output
    assert len(json.loads((out / "geography.json").read_text())["beats"]) == 40


def test_a_bad_road_file_exits_2_naming_file_row_and_column(tmp_path: Path) -> None:
    scenario = spatial_demo_copy(tmp_path)
    roads = scenario.parent / "spatial" / "roads.csv"
    lines = roads.read_text().splitlines()
    fields = lines[4].split(",")
    lines[4] = ",".join([*fields[:-1], "far"])  # the minutes column, read first
    roads.write_text("\n".join(lines) + "\n")
    for command in (
        ["validate", str(scenario)],
        ["run", str(scenario), "--out", str(tmp_path / "o")],
    ):
        result = runner.invoke(app, command)
        assert result.exit_code == 2, result.output
        said = " ".join(result.output.split())
        assert "roads.csv: row 5, column minutes: is 'far'; expected a number" in said
