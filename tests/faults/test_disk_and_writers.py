"""A disk that fills up part-way, and two writers on one ``--out``.

A full disk: ``run`` and ``experiment`` check the free space before simulating,
but the disk may fill while they run (another job's files). Then the command
must exit 2 with a message (not a traceback), the replications finished before
keep their files, and once there is room ``--resume`` finishes the run,
byte-identical to an uninterrupted one. Tested on a real, small tmpfs where the
test may mount one (as root), and always with the store's writer patched to
raise ENOSPC.

Two writers: two commands started at once on one ``--out`` -- one runs, the
other is refused with exit 2 (the ``.lock``), and the results are the one run's.
"""

from __future__ import annotations

import errno
import os
import subprocess
from pathlib import Path

import pytest

import sim.runs.store
from tests.faults.processes import (
    DEMO,
    RUN,
    RUN_TABLES,
    cli,
    finish,
    invoke,
    one_line,
    saved,
    start,
    wait_until,
)
from tests.runs.experiments import assert_same_tables, experiment_file


def test_disk_full_part_way_exits_2_keeps_what_finished_and_resumes(
    whole_run, tmp_path, monkeypatch
) -> None:
    """The store's writer raises ENOSPC from the fourth file on (a patched writer)."""
    real = sim.runs.store.atomic_write
    written = []

    def filling(path, write):
        if len(written) >= 3 * 2:  # 3 replications of 2 files (warm-up, values) fit
            raise OSError(errno.ENOSPC, "No space left on device", str(path))
        written.append(path)
        return real(path, write)

    monkeypatch.setattr(sim.runs.store, "atomic_write", filling)
    out = tmp_path / "out"
    result = invoke("run", DEMO, *RUN, "--out", out)
    assert result.exit_code == 2, result.output
    assert "No space left on device" in one_line(result.output)
    assert "Traceback" not in result.output
    assert len(saved(out)) == 3
    monkeypatch.undo()
    again = invoke("run", DEMO, *RUN, "--out", out, "--resume")
    assert again.exit_code == 0, again.output
    assert "3 replications reused from disk" in one_line(again.output)
    assert_same_tables(whole_run, out, RUN_TABLES)


@pytest.fixture
def small_disk(tmp_path) -> Path:
    """A 40 MB tmpfs mounted at tmp_path/disk (skipped where mounting is not allowed)."""
    disk = tmp_path / "disk"
    disk.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=40m", "tmpfs", str(disk)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.strip()}")
    try:
        yield disk
    finally:
        subprocess.run(["umount", "-l", str(disk)], check=False)


def fill(disk: Path) -> Path:
    """Fill the disk to the last byte with one file (unbuffered writes); return it."""
    filler = disk / "filler"
    handle = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        size = 1 << 20
        while size:
            try:
                os.write(handle, b"\0" * size)
            except OSError as exc:
                assert exc.errno == errno.ENOSPC
                size //= 2
    finally:
        os.close(handle)
    return filler


@pytest.mark.slow
def test_a_real_disk_filling_part_way_exits_2_and_resumes(whole_run, small_disk) -> None:
    out = small_disk / "out"
    process = start("run", DEMO, *RUN, "--out", out)
    assert wait_until(process, lambda: len(saved(out)) >= 2), "finished before the disk filled"
    filler = fill(small_disk)
    code, stdout, stderr = finish(process)
    kept = saved(out)
    assert code == 2, stdout + stderr
    assert "Traceback" not in stdout + stderr
    assert "space" in one_line(stderr).lower(), stderr
    assert len(kept) >= 2
    filler.unlink()
    code, stdout, stderr = cli("run", DEMO, *RUN, "--out", out, "--resume")
    assert code == 0, stderr
    assert_same_tables(whole_run, out, RUN_TABLES)


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["run", "experiment"])
@pytest.mark.parametrize("when", ["at once", "once the first holds the lock"])
def test_a_second_writer_on_one_out_is_refused(whole_run, tmp_path, kind, when) -> None:
    if kind == "run":  # long enough (about 10 s) that the second starts while it runs
        command: list[str | Path] = ["run", DEMO, *RUN[:5], "30", "--seed", "5"]
    else:
        command = [
            "experiment",
            experiment_file(tmp_path, days=2, replications=3),
            "--workers",
            "1",
        ]
    out = tmp_path / "out"
    first = start(*command, "--out", out)
    if when != "at once":
        assert wait_until(first, lambda: (out / ".lock").exists())
    second = start(*command, "--out", out)
    outcomes = sorted([finish(first), finish(second)])
    (code_a, _, _), (code_b, _, refused) = outcomes
    assert (code_a, code_b) == (0, 2), outcomes
    # Refused by the lock, or (when it looks after the first has saved something) by the
    # rule that --out must be new, empty or resumed: either way, nothing is mixed.
    said = one_line(refused)
    assert "in use by another run or experiment" in said or "already holds results" in said, said
    assert not (out / ".lock").exists()
    summary = (out / "summary.csv").read_text().splitlines()
    replications = 30 if kind == "run" else 3
    assert all(line.endswith(f",{replications}") for line in summary[1:]), summary[:3]
