"""A disk that fills while a plan runs: an input error naming ``--out``, saved replications kept.

Regression test (issue 21, found by tests/faults/test_disk_and_writers.py): with
the free space checked before simulating, a disk that filled afterwards made the
first failed write a pyarrow ``OSError`` traceback (exit 1).
"""

from __future__ import annotations

import errno
from pathlib import Path

import pytest

import sim.files
import sim.runs.results
import sim.runs.store
from sim.config import InputError
from sim.runs.executors import SequentialExecutor
from sim.runs.plan import plan_experiment_file
from tests.runs.experiments import experiment_file, run_into


def full_disk(after: int):
    """An ``atomic_write`` that writes ``after`` files, then finds the disk full."""
    real = sim.files.atomic_write
    written: list[Path] = []

    def write(path: Path, content) -> None:
        if len(written) >= after:
            raise OSError(errno.ENOSPC, "No space left on device")
        written.append(path)
        real(path, content)

    return write


@pytest.mark.parametrize("module", ["store", "results"])
def test_a_full_disk_is_an_input_error_and_keeps_what_was_saved(
    tmp_path, monkeypatch, module
) -> None:
    plan = plan_experiment_file(experiment_file(tmp_path, days=1, replications=2))
    out = tmp_path / "out"
    if module == "store":  # part-way through the replications: 2 of 6 saved (2 files each)
        monkeypatch.setattr(sim.runs.store, "atomic_write", full_disk(after=4))
    else:  # every replication saved, then the summary tables
        monkeypatch.setattr(sim.runs.results, "write_table", full_disk(after=0))
    with SequentialExecutor() as executor, pytest.raises(InputError) as caught:
        run_into(plan, out, executor)
    (problem,) = caught.value.problems
    assert problem.source == "--out" and problem.path == str(out)
    assert "No space left on device" in problem.message and "--resume" in problem.message
    kept = sorted(out.glob("replications/*/*.parquet"))
    assert len(kept) == (2 if module == "store" else 6)
    assert not list(out.rglob(".*.parquet.*"))  # no half-written temporary file left
    assert not (out / ".lock").exists()
