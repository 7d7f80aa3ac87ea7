"""``demandsim report`` on damaged results directories exits 2, naming the file and the fault.

Issue 21: a manifest.json of the wrong shape was a traceback; a ragged
summary.csv or one with ``inf`` was drawn without a word. Each damage is made
to a copy of a real results directory (a short run of the contact-only
scenario), and the command must exit 2 with the file, the field or row, and
what was expected, and no traceback.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli import app
from sim.app import run as app_run
from tests.helpers import CONFIGS

runner = CliRunner()
SHORT = ["days=1", "warmup_days=0.25", "replications=2"]


@pytest.fixture(scope="module")
def good_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("good") / "mmc"
    app_run.run_scenario(CONFIGS / "mmc.yaml", SHORT, out)
    return out


def _edit_line(path: Path, line: int, change: Callable[[str], str]) -> None:
    lines = path.read_text().splitlines()
    lines[line] = change(lines[line])
    path.write_text("\n".join(lines) + "\n")


def _set_mean(value: str) -> Callable[[str], str]:
    def change(line: str) -> str:
        cells = line.split(",")
        cells[5] = value
        return ",".join(cells)

    return change


def _manifest(root: Path, change: Callable[[dict], object]) -> None:
    path = root / "manifest.json"
    path.write_text(json.dumps(change(json.loads(path.read_text()))))


DAMAGES: dict[str, tuple[Callable[[Path], None], list[str]]] = {
    "manifest a list": (
        lambda r: _manifest(r, lambda m: [m]),
        ["manifest.json", "is a list; expected a mapping of run details"],
    ),
    "manifest experiment text": (
        lambda r: _manifest(r, lambda m: {**m, "experiment": "late-14"}),
        ["manifest.json", "experiment", "is text; expected a mapping"],
    ),
    "manifest replications a number": (
        lambda r: _manifest(r, lambda m: {**m, "replications": 3}),
        ["manifest.json", "replications", "is a number; expected a list"],
    ),
    "manifest baseline a list": (
        lambda r: _manifest(r, lambda m: {**m, "run": {**m["run"], "baseline": ["x"]}}
                            | {"experiment": {"baseline": ["x"]}}),
        ["manifest.json", "experiment.baseline", "is a list; expected text"],
    ),
    "manifest not json": (
        lambda r: (r / "manifest.json").write_text("{not json"),
        ["manifest.json", "cannot be read as JSON"],
    ),
    "summary row cut short": (
        lambda r: _edit_line(r / "summary.csv", 3, lambda s: ",".join(s.split(",")[:3])),
        ["summary.csv", "row(s) 4", "a row cut short, or a ragged file"],
    ),
    "summary row too long": (
        lambda r: _edit_line(r / "summary.csv", 2, lambda s: s + ",1,2"),
        ["summary.csv", "cannot be read as CSV"],
    ),
    "summary inf": (
        lambda r: _edit_line(r / "summary.csv", 2, _set_mean("inf")),
        ["summary.csv", "mean", "is infinite in row(s) 3"],
    ),
    "summary text in a number": (
        lambda r: _edit_line(r / "summary.csv", 5, _set_mean("lots")),
        ["summary.csv", "mean", "is not a number in row(s) 6"],
    ),
    "summary replications": (
        lambda r: _edit_line(r / "summary.csv", 1, lambda s: s.rsplit(",", 1)[0] + ",2.5"),
        ["summary.csv", "replications", "is not a whole number of replications in row(s) 2"],
    ),
    "targets inf": (
        lambda r: _edit_line(r / "targets.csv", 1, lambda s: s.replace(",20,", ",-inf,", 1)),
        ["targets.csv", "target", "is infinite in row(s) 2"],
    ),
    "comparison nan text": (
        lambda r: (r / "comparison.csv").write_text(
            "scenario,baseline,metric,segment,stat,unit,baseline_mean,scenario_mean,difference,"
            "ci_low,ci_high,excludes_zero,pairs\nb,a,offered,101,count,calls,1,2,inf,0,2,True,2\n"
        ),
        ["comparison.csv", "difference", "is infinite in row(s) 2"],
    ),
}  # fmt: skip


@pytest.mark.parametrize("damage", DAMAGES)
def test_a_damaged_results_directory_exits_2_naming_the_file(
    good_dir: Path, tmp_path: Path, damage: str
) -> None:
    root = tmp_path / "results"
    shutil.copytree(good_dir, root)
    spoil, expected = DAMAGES[damage]
    spoil(root)
    result = runner.invoke(app, ["report", str(root), "--out", str(tmp_path / "r.html")])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    text = " ".join(result.output.split())
    for part in expected:
        assert part in text, (part, text)
    assert not (tmp_path / "r.html").exists()


def test_the_undamaged_copy_reports(good_dir: Path, tmp_path: Path) -> None:
    result = runner.invoke(app, ["report", str(good_dir), "--out", str(tmp_path / "r.html")])
    assert result.exit_code == 0, result.output
