"""Honest timings: a resume says what it ran and reused, and counts only the work it did."""

from __future__ import annotations

import re
from pathlib import Path

from typer.testing import CliRunner

from cli import app
from tests.helpers import CONFIGS

runner = CliRunner()
SHORT = ["--days", "0.5", "--warmup-days", "0", "--seed", "7"]


def _run(out: Path, replications: int, *extra: str) -> str:
    result = runner.invoke(
        app,
        ["run", str(CONFIGS / "mmc.yaml"), *SHORT, "--replications", str(replications),
         "--out", str(out), *extra],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    return " ".join(result.output.split())


def _calls(text: str) -> int:
    found = re.search(r"([\d,]+) calls simulated in [\d.]+ s of compute", text)
    assert found, text
    return int(found.group(1).replace(",", ""))


def test_a_resume_counts_only_the_replications_it_ran(tmp_path: Path) -> None:
    first_only = _calls(_run(tmp_path / "one", 1))  # replication 0 alone
    out = tmp_path / "two"
    both = _run(out, 2)
    assert "2 replications run;" in both
    (out / "replications" / "mmc" / "00001.parquet").unlink()
    resumed = _run(out, 2, "--resume")
    assert "1 replication run, 1 replication reused from disk;" in resumed
    # Replication 1 alone: the calls of both minus those of replication 0 (same seed).
    assert _calls(resumed) == _calls(both) - first_only


def test_a_resume_with_nothing_left_says_it_simulated_nothing(tmp_path: Path) -> None:
    out = tmp_path / "done"
    _run(out, 2)
    again = _run(out, 2, "--resume")
    assert "nothing simulated: all 2 replications reused from disk" in again
    assert "of compute" not in again
