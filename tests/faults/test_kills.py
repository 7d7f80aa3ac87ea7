"""SIGKILL of ``run`` and ``experiment`` at random points, then ``--resume``: nothing lost.

A kill gives the process no chance to clean up: it may land while Python
starts, while the results directory is being set up, between two replications,
in the middle of writing one, or while the summary is written. Whatever the
point, ``--resume`` must finish the run, and its ``summary.csv`` and
``replications.parquet`` (and ``comparison.csv``, ``warmup.csv``) must be
byte-identical to an uninterrupted run's. The kill points are drawn from a
seeded generator (reproducible), some by time, some by replications saved, and
a run may be killed twice before it is let finish.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from tests.faults.processes import (
    DEMO,
    RUN,
    RUN_TABLES,
    cli,
    finish,
    kill,
    saved,
    start,
    wait_for,
    wait_until,
)
from tests.runs.experiments import TABLES, assert_same_tables, experiment_file

pytestmark = pytest.mark.slow


def commands(kind: str, folder: Path) -> tuple[list[str | Path], int, tuple[str, ...]]:
    """The command of one kind, its number of replications, and the tables to compare."""
    if kind == "run":
        return ["run", DEMO, *RUN], 6, RUN_TABLES
    spec = experiment_file(folder, days=2, replications=3)  # 3 scenarios x 3 replications
    return ["experiment", spec, "--workers", "1"], 9, TABLES


@pytest.fixture(scope="module", params=["run", "experiment"])
def reference(request, tmp_path_factory) -> tuple[str, Path, list[str | Path], int, tuple]:
    """The uninterrupted run (or experiment) every killed one is compared with."""
    folder = tmp_path_factory.mktemp(f"whole-{request.param}")
    command, replications, tables = commands(request.param, folder)
    code, _stdout, stderr = cli(*command, "--out", folder / "out")
    assert code == 0, stderr
    return request.param, folder / "out", command, replications, tables


def kill_at(command: list[str | Path], out: Path, point: tuple[str, float]) -> str:
    """Start the command (resuming if its folder exists), SIGKILL it at ``point``.

    ``point`` is ``("saved", k)``: once k replications are saved, or ``("time", s)``:
    s seconds after the start. Returns what happened ("killed", or "finished" when
    the process ended first).
    """
    resume = ["--resume"] if out.exists() else []
    process = start(*command, "--out", out, *resume)
    kind, value = point
    if kind == "saved":
        reached = wait_until(process, lambda: len(saved(out)) >= value)
    else:
        reached = wait_for(process, value)
    if process.poll() is None:
        kill(process)
        return "killed"
    code, _, stderr = finish(process)
    assert code == 0, stderr
    return "finished" if reached or kind == "time" else "finished early"


@pytest.mark.parametrize("draw", range(4))
def test_killed_at_random_points_then_resumed_is_byte_identical(reference, draw, tmp_path) -> None:
    kind, whole, command, replications, tables = reference
    rng = random.Random(f"issue-21-{kind}-{draw}")
    out = tmp_path / "out"
    happened = []
    for _ in range(rng.choice([1, 2])):
        if rng.random() < 0.5:
            point: tuple[str, float] = ("saved", rng.randrange(0, replications))
        else:
            point = ("time", round(rng.uniform(0.0, 6.0), 2))
        happened.append((point, kill_at(command, out, point)))
    resume = ["--resume"] if out.exists() else []
    code, stdout, stderr = cli(*command, "--out", out, *resume)
    assert code == 0, f"{happened}\n{stdout}\n{stderr}"
    assert_same_tables(whole, out, tables)
    assert not (out / ".lock").exists()
