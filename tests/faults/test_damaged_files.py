"""Saved replications damaged or misplaced, then ``--resume``: re-run, or refused by name.

Each saved replication records its scenario, replication, seed and the run it
belongs to (issue 21, part 3). On ``--resume`` a damaged file -- truncated,
empty, garbage, zeros -- is run again and the results come out byte-identical
to an uninterrupted run; a sound file that belongs elsewhere -- another
scenario, another replication, another seed -- is refused, with exit 2 and the
file named, and left where it is.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.faults.processes import DEMO, RUN, RUN_TABLES, invoke, one_line
from tests.runs.experiments import assert_same_tables, experiment_file


@pytest.fixture(scope="module")
def other_seed(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("damaged") / "seed6"
    assert invoke("run", DEMO, *RUN[:-1], "6", "--out", out).exit_code == 0
    return out


FLIPPED = "one byte flipped in the middle"
DAMAGE: dict[str, Callable[[bytes], bytes]] = {
    "truncated": lambda data: data[: len(data) // 2],
    "cut to 100 bytes": lambda data: data[:100],
    "empty": lambda data: b"",
    "garbage": lambda data: bytes(range(256)) * 8,
    "zeros": lambda data: bytes(len(data)),
    "tail cut": lambda data: data[:-8],
    FLIPPED: lambda data: (
        data[: len(data) // 2] + bytes([data[len(data) // 2] ^ 0xFF]) + data[len(data) // 2 + 1 :]
    ),
}


DAMAGES = sorted(DAMAGE)


@pytest.mark.parametrize("kind", ["values", "warmup"])
@pytest.mark.parametrize("damage", DAMAGES)
def test_a_damaged_saved_replication_is_run_again(whole_run, tmp_path, damage, kind) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(whole_run, copy)
    folder = "replications" if kind == "values" else "warmup"
    target = copy / folder / "demo" / "00002.parquet"
    target.write_bytes(DAMAGE[damage](target.read_bytes()))
    result = invoke("run", DEMO, *RUN, "--out", copy, "--resume")
    assert result.exit_code == 0, result.output
    assert "5 replications reused from disk" in one_line(result.output)
    assert_same_tables(whole_run, copy, RUN_TABLES)


@pytest.fixture(scope="module")
def small_experiment(tmp_path_factory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("damaged-experiment")
    spec = experiment_file(folder, days=1, replications=2)
    out = folder / "whole"
    assert invoke("experiment", spec, "--workers", "1", "--out", out).exit_code == 0
    return spec, out


@pytest.mark.parametrize("damage", ["truncated", "empty", "garbage"])
def test_a_damaged_experiment_replication_is_run_again(small_experiment, tmp_path, damage) -> None:
    spec, whole = small_experiment
    copy = tmp_path / "copy"
    shutil.copytree(whole, copy)
    target = copy / "replications" / "late-16" / "00001.parquet"
    target.write_bytes(DAMAGE[damage](target.read_bytes()))
    result = invoke("experiment", spec, "--workers", "1", "--out", copy, "--resume")
    assert result.exit_code == 0, result.output
    assert "1 replication run" in one_line(result.output)
    assert_same_tables(whole, copy)


@pytest.mark.parametrize("source", ["late-12", "late-14"])
def test_an_experiment_replication_from_another_scenario_is_refused(
    small_experiment, tmp_path, source
) -> None:
    spec, whole = small_experiment
    copy = tmp_path / "copy"
    shutil.copytree(whole, copy)
    target = copy / "replications" / "late-16" / "00000.parquet"
    shutil.copyfile(copy / "replications" / source / "00000.parquet", target)
    result = invoke("experiment", spec, "--workers", "1", "--out", copy, "--resume")
    assert result.exit_code == 2, result.output
    text = one_line(result.output).replace(" ", "")
    assert str(target).replace(" ", "") in text and source in text


@pytest.mark.parametrize("source", ["another replication", "another seed", "another run"])
def test_a_misplaced_replication_is_refused_by_name(
    whole_run, other_seed, small_experiment, tmp_path, source
) -> None:
    """A sound file in the wrong place: 00001 copied over 00002; replication 2 of a run
    with another seed; the experiment's baseline replication 2 dropped into the demo run."""
    copy = tmp_path / "copy"
    shutil.copytree(whole_run, copy)
    target = copy / "replications" / "demo" / "00002.parquet"
    origin = {
        "another replication": copy / "replications" / "demo" / "00001.parquet",
        "another seed": other_seed / "replications" / "demo" / "00002.parquet",
        "another run": small_experiment[1] / "replications" / "late-14" / "00001.parquet",
    }[source]
    shutil.copyfile(origin, target)
    before = target.read_bytes()
    result = invoke("run", DEMO, *RUN, "--out", copy, "--resume")
    assert result.exit_code == 2, result.output
    assert str(target).replace(" ", "") in one_line(result.output).replace(" ", "")
    assert target.read_bytes() == before  # left for the planner to look at
