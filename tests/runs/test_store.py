"""The results directory keeps one writer and reuses only what belongs in it (issue 21).

A second store on a directory another holds is refused (``flock`` locks per
open file, so two stores in one process exclude each other as two processes
do; the two-process case through the command line is in
``tests/cli/test_runs.py``). A directory that cannot be made or written is bad
input before anything runs. On resume, a damaged metric file is run again, to
the byte-identical result; one recorded for another scenario, replication,
seed or plan is refused, by name; one saved before these were recorded is
reused as before; and a lost ``experiment.json`` is rebuilt from the manifest.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pyarrow.parquet as pq
import pytest

import sim.files
from sim.errors import InputError
from sim.runs.executors import SequentialExecutor
from sim.runs.plan import plan_experiment_file
from sim.runs.store import ResultStore
from tests.runs.experiments import assert_same_tables, run_into

IDENTITY = {"fingerprint": "a", "kind": "experiment", "name": "small"}


def resumed_copy(reference: tuple[Path, Path], tmp_path: Path) -> tuple[Path, Path]:
    """A copy of the reference results to damage: (experiment file, results directory)."""
    path, out = reference
    copy = tmp_path / "copy"
    shutil.copytree(out, copy)
    return path, copy


def resume(path: Path, out: Path):
    with SequentialExecutor() as executor:
        return run_into(plan_experiment_file(path), out, executor, resume=True)


# --------------------------------------------------------------------------- one writer


def test_a_second_store_is_refused_while_the_first_holds_the_directory(tmp_path) -> None:
    root = tmp_path / "out"
    with ResultStore(root) as first:
        first.open(IDENTITY, resume=False)
        with pytest.raises(InputError) as caught:
            ResultStore(root).open(IDENTITY, resume=True)
        problem = caught.value.problems[0]
        assert problem.source == "--out"
        assert f"is in use by another run or experiment (pid {os.getpid()})" in problem.message
    # Released on close, and the lock file removed: the same plan now resumes.
    assert not (root / ".lock").exists()
    with ResultStore(root) as second:
        second.open(IDENTITY, resume=True)


def test_a_lock_file_left_by_a_killed_run_does_not_stop_the_next(tmp_path) -> None:
    root = tmp_path / "out"
    with ResultStore(root) as first:
        first.open(IDENTITY, resume=False)
    (root / ".lock").write_text("999999\n")  # SIGKILL leaves the file; the lock went with it
    with ResultStore(root) as second:
        second.open(IDENTITY, resume=True)
        assert (root / ".lock").read_text() == f"{os.getpid()}\n"
    # A new directory holding only a stale lock file counts as empty.
    (tmp_path / "new").mkdir()
    (tmp_path / "new" / ".lock").write_text("999999\n")
    with ResultStore(tmp_path / "new") as third:
        third.open(IDENTITY, resume=False)


def test_a_directory_under_a_file_is_bad_input(tmp_path) -> None:
    (tmp_path / "notes.txt").write_text("a file")
    with pytest.raises(InputError) as caught:
        ResultStore(tmp_path / "notes.txt" / "out").open(IDENTITY, resume=False)
    assert "cannot be created: its parent" in caught.value.problems[0].message
    assert "is a file" in caught.value.problems[0].message


def test_an_unwritable_directory_is_bad_input(tmp_path, monkeypatch) -> None:
    def refused(*args: object, **kwargs: object) -> tuple[int, str]:
        raise PermissionError(13, "Permission denied")

    # Permission bits do not stop root (these tests may run as root): refuse the write itself.
    monkeypatch.setattr(sim.files.tempfile, "mkstemp", refused)
    with pytest.raises(InputError) as caught:
        ResultStore(tmp_path / "out").open(IDENTITY, resume=False)
    assert "is not writable (Permission denied)" in caught.value.problems[0].message
    assert not (tmp_path / "out" / "experiment.json").exists()


# --------------------------------------------------------------------------- resume verifies


def test_each_replication_records_where_it_belongs(reference) -> None:
    path, out = reference
    plan = plan_experiment_file(path)
    details = ResultStore(out).details("late-16", 2)
    assert details["scenario"] == "late-16" and details["replication"] == 2
    assert details["seed"] == 11
    assert details["fingerprint"] == plan.fingerprint()


@pytest.mark.parametrize("damage", ["truncated", "empty", "garbage"])
def test_a_damaged_replication_is_run_again_on_resume(reference, tmp_path, damage) -> None:
    path, copy = resumed_copy(reference, tmp_path)
    target = copy / "replications" / "late-14" / "00002.parquet"
    content = target.read_bytes()
    target.write_bytes(
        {"truncated": content[: len(content) // 2], "empty": b"", "garbage": b"\x00garbage" * 99}[
            damage
        ]
    )
    written = resume(path, copy)
    assert (written.ran, written.reused) == (1, 11)
    assert_same_tables(reference[1], copy)


def test_a_replication_of_another_scenario_is_refused_by_name(reference, tmp_path) -> None:
    path, copy = resumed_copy(reference, tmp_path)
    target = copy / "replications" / "late-14" / "00001.parquet"
    shutil.copyfile(copy / "replications" / "late-12" / "00001.parquet", target)
    with pytest.raises(InputError) as caught:
        resume(path, copy)
    problem = caught.value.problems[0]
    assert problem.path == str(target)
    assert "scenario 'late-12' (expected 'late-14')" in problem.message
    assert "remove the file" in problem.message


def test_a_replication_saved_before_its_place_was_recorded_is_reused(reference, tmp_path) -> None:
    path, copy = resumed_copy(reference, tmp_path)
    target = copy / "replications" / "late-14" / "00001.parquet"
    table = pq.read_table(target)
    old = {k: v for k, v in ResultStore(copy).details("late-14", 1).items() if k in {"calls"}}
    metadata = {**table.schema.metadata, b"demandsim": json.dumps(old).encode()}
    pq.write_table(table.replace_schema_metadata(metadata), target)
    target.with_suffix(".sha256").unlink()  # saved before checksums were kept, too
    written = resume(path, copy)
    assert (written.ran, written.reused) == (0, 12)
    assert_same_tables(reference[1], copy)


# --------------------------------------------------------------------------- experiment.json lost


def test_a_lost_experiment_json_is_rebuilt_from_the_manifest(reference, tmp_path) -> None:
    path, copy = resumed_copy(reference, tmp_path)
    (copy / "experiment.json").unlink()
    written = resume(path, copy)
    assert (written.ran, written.reused) == (0, 12)
    assert_same_tables(reference[1], copy)
    rebuilt = json.loads((copy / "experiment.json").read_text())
    assert rebuilt["fingerprint"] == plan_experiment_file(path).fingerprint()
    assert rebuilt["rebuilt_from"] == "manifest.json"


def test_replications_with_neither_experiment_json_nor_manifest_say_what_to_do(
    reference, tmp_path
) -> None:
    path, copy = resumed_copy(reference, tmp_path)
    (copy / "experiment.json").unlink()
    (copy / "manifest.json").unlink()
    with pytest.raises(InputError) as caught:
        resume(path, copy)
    message = caught.value.problems[0].message
    assert "neither experiment.json nor manifest.json" in message
    assert "restore experiment.json to resume, or give a new directory" in message
