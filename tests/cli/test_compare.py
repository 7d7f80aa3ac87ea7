"""``demandsim compare A B``: two separate runs compared as an experiment compares them."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from typer.testing import CliRunner

from cli import app
from tests.helpers import CONFIGS

runner = CliRunner()
SHIFT = "handler_pools.contact_centre.roster.shifts.0.count"
SETTINGS = ["--days", "1", "--warmup-days", "0.5", "--replications", "3"]
KEY = ["metric", "segment", "stat"]


def _invoke(*arguments: str) -> str:
    result = runner.invoke(app, list(arguments))
    assert result.exit_code == 0, result.output
    return " ".join(result.output.split())


def _run(out: Path, count: int, seed: int) -> Path:
    _invoke("-q", "run", str(CONFIGS / "demo.yaml"), *SETTINGS, "--seed", str(seed),
            "--set", f"{SHIFT}={count}", "--out", str(out))  # fmt: skip
    return out


def _comparison(path: Path) -> pd.DataFrame:
    table = pd.read_csv(path / "comparison.csv", dtype={"segment": str})
    return table.sort_values(KEY).reset_index(drop=True)


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("compare")
    _run(root / "a", 14, 5)
    _run(root / "b", 16, 5)
    _run(root / "c", 16, 6)
    return root


def test_two_runs_with_one_seed_give_the_intervals_of_an_experiment_of_both(runs) -> None:
    experiment = runs / "pair.yaml"
    experiment.write_text(
        f"name: pair\nbase: {CONFIGS / 'demo.yaml'}\nbaseline: a\n"
        "days: 1\nwarmup_days: 0.5\nseed: 5\nreplications: 3\n"
        f"scenarios:\n  - name: a\n    set: {{{SHIFT}: 14}}\n"
        f"  - name: b\n    set: {{{SHIFT}: 16}}\n"
    )
    _invoke("-q", "experiment", str(experiment), "--workers", "1", "--out", str(runs / "exp"))
    said = _invoke("compare", str(runs / "a"), str(runs / "b"), "--out", str(runs / "ab"))
    assert "paired: the same seed (5) and 3 shared replications" in said
    ours, theirs = _comparison(runs / "ab"), _comparison(runs / "exp")
    assert list(ours.columns) == list(theirs.columns)
    assert ours[["scenario", "baseline", *KEY]].equals(theirs[["scenario", "baseline", *KEY]])
    for column in ("difference", "ci_low", "ci_high", "baseline_mean", "scenario_mean"):
        np.testing.assert_allclose(ours[column], theirs[column], rtol=1e-9, equal_nan=True)
    assert (ours["pairs"] == 3).all()
    changes = pd.read_csv(runs / "ab" / "changes.csv", dtype=str)
    assert changes[["path", "before", "after"]].values.tolist() == [[SHIFT, "14", "16"]]


def test_runs_with_different_seeds_are_compared_unpaired_by_welch(runs) -> None:
    said = _invoke("compare", str(runs / "a"), str(runs / "c"), "--out", str(runs / "ac"))
    assert "unpaired (Welch): the runs used different seeds (5, 6)" in said
    ours = _comparison(runs / "ac")
    assert (ours["pairs"] == 0).all()
    values = pd.concat(
        pd.read_parquet(runs / side / "replications.parquet").assign(side=side) for side in "ac"
    )
    figure = values[(values["metric"] == "answer_time") & (values["segment"] == "101")]
    figure = figure[figure["stat"] == "p90"]
    a = figure[figure["side"] == "a"]["value"].to_numpy()
    c = figure[figure["side"] == "c"]["value"].to_numpy()
    expected = stats.ttest_ind(c, a, equal_var=False).confidence_interval(0.95)
    row = ours.query("metric == 'answer_time' and segment == '101' and stat == 'p90'").iloc[0]
    assert row["ci_low"] == pytest.approx(expected.low, rel=1e-5)  # CSV keeps 6 digits
    assert row["ci_high"] == pytest.approx(expected.high, rel=1e-5)


def test_a_comparison_feeds_the_report(runs, tmp_path) -> None:
    said = _invoke("compare", str(runs / "a"), str(runs / "b"), "--out", str(tmp_path / "ab"))
    assert f"report: demandsim report {tmp_path / 'ab'}" in said
    reported = _invoke("report", str(tmp_path / "ab"))
    assert "difference from the baseline" not in reported  # the difference figure is drawn
    html = (tmp_path / "ab" / "report.html").read_text()
    assert "b" in html and "2 more call handlers on shift 0 (16 instead of 14)" in html


def test_an_experiment_directory_is_not_a_run_to_compare(runs, tmp_path) -> None:
    experiment = runs / "exp"
    if not experiment.exists():
        pytest.skip("needs the experiment of the first test")
    result = runner.invoke(app, ["compare", str(experiment), str(runs / "a")])
    assert result.exit_code == 2
    assert "holds 2 scenarios (a, b); expected one run" in " ".join(result.output.split())
