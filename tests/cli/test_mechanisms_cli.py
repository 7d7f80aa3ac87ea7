"""The what-if mechanisms from the command line: one --set away, bad values exit 2."""

from __future__ import annotations

import csv

from typer.testing import CliRunner

from cli import app
from tests.helpers import CONFIGS, ROOT

runner = CliRunner()
NORTHUMBRIA = str(CONFIGS / "northumbria-2017.yaml")


def test_the_rcrp_experiment_is_valid() -> None:
    result = runner.invoke(app, ["validate", str(ROOT / "experiments" / "rcrp.yaml")])
    assert result.exit_code == 0, result.output
    assert "9 scenario(s)" in " ".join(result.output.split())


def test_next_year_with_growth_and_rcrp_runs_and_writes_their_rows(tmp_path) -> None:
    out = tmp_path / "run"
    result = runner.invoke(
        app,
        [
            "run", NORTHUMBRIA, "--days", "2", "--warmup-days", "0", "--replications", "2",
            "--out", str(out),
            "--set", "year=1",
            "--set", "forces.northumbria.channels.101.growth_per_year=0.035",
            "--set", 'forces.northumbria.rcrp.flagged={"999": {grade2: 0.2}}',
            "--set", "forces.northumbria.rcrp.referral_share=0.5",
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    with (out / "summary.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    metrics = {row["metric"] for row in rows}
    assert {"officer_hours_released", "rcrp_incidents"} <= metrics
    released = [r for r in rows if r["metric"] == "officer_hours_released"]
    assert {r["unit"] for r in released} == {"officer-hours/year"}


def test_a_multi_unit_job_of_one_unit_exits_2_naming_the_field() -> None:
    result = runner.invoke(
        app,
        ["run", NORTHUMBRIA, "--days", "1", "--set",
         "forces.northumbria.multi_unit.grade1={share: 0.5, units: 1}"],
    )  # fmt: skip
    assert result.exit_code == 2
    said = " ".join(result.output.split())
    assert "forces.northumbria.multi_unit.grade1.units" in said and "2 or more" in said
