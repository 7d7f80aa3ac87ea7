"""``demandsim run``, ``experiment`` and ``validate`` driven through the command line.

Resume after an interrupt or a kill, the results-directory rules, a Dask cluster
through ``--scheduler``, failures and automatic replications as the planner sees
them: exit codes and messages. The pipeline itself is tested without the
command line in ``tests/runs/``.
"""

from __future__ import annotations

import os
import shlex
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

import sim.app.outdir
import sim.app.run
import sim.runs.replicate
from cli import app
from sim.runs.executors import SequentialExecutor
from sim.runs.plan import plan_experiment_file
from sim.runs.store import ResultStore
from tests.helpers import CONFIGS, ROOT
from tests.runs.experiments import (
    LATE,
    TABLES,
    assert_same_tables,
    auto_experiment,
    experiment_file,
    run_into,
)

runner = CliRunner()
EXPERIMENTS = ROOT / "experiments"
DEMO = CONFIGS / "demo.yaml"
#: A short run of the demo: 4 replications of 2 days after 1 warm-up day.
SHORT_RUN = ["--days", "2", "--warmup-days", "1", "--replications", "4", "--seed", "5"]


def one_line(output: str) -> str:
    """Command output with rich's line wrapping undone."""
    return output.replace("\n", " ")


@pytest.fixture(scope="module")
def whole_run(tmp_path_factory) -> Path:
    """The short demo run through ``demandsim run``, uninterrupted."""
    out = tmp_path_factory.mktemp("run") / "whole"
    result = runner.invoke(app, ["run", str(DEMO), *SHORT_RUN, "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out


# --------------------------------------------------------------------------- run


def test_run_resumed_after_an_interrupt_equals_the_uninterrupted_run(
    whole_run, tmp_path, monkeypatch
) -> None:
    real = sim.runs.replicate.run_replication

    def interrupted(scenario, replication, seed=None, platform=None):
        if replication == 2:
            raise KeyboardInterrupt  # Ctrl-C during replication 2
        return real(scenario, replication, seed, platform)

    monkeypatch.setattr(sim.runs.replicate, "run_replication", interrupted)
    out = tmp_path / "stopped"
    stopped = runner.invoke(app, ["run", str(DEMO), *SHORT_RUN, "--out", str(out)])
    assert stopped.exit_code == 130, stopped.output
    assert f"interrupted: 2 finished replication(s) are saved in {out}/" in (
        one_line(stopped.output)
    )
    assert sorted(p.name for p in (out / "replications" / "demo").glob("*.parquet")) == [
        "00000.parquet",
        "00001.parquet",
    ]
    assert not (out / "summary.csv").exists()
    monkeypatch.undo()
    # The command it prints finishes the run.
    hint = stopped.output.strip().splitlines()[-1].strip()
    assert hint.startswith("demandsim run ") and hint.endswith(f"--out {out} --resume")
    resumed = runner.invoke(app, shlex.split(hint)[1:])
    assert resumed.exit_code == 0, resumed.output
    assert "2 replications reused from disk" in one_line(resumed.output)
    assert_same_tables(whole_run, out, ("summary.csv", "replications.parquet", "warmup.csv"))


def test_run_resumed_after_lost_replications_equals_the_uninterrupted_run(
    whole_run, tmp_path
) -> None:
    out = tmp_path / "out"
    first = runner.invoke(app, ["run", str(DEMO), *SHORT_RUN, "--out", str(out)])
    assert first.exit_code == 0, first.output
    (out / "replications" / "demo" / "00001.parquet").unlink()
    (out / "replications" / "demo" / "00003.parquet").unlink()
    (out / "summary.csv").unlink()
    again = runner.invoke(app, ["run", str(DEMO), *SHORT_RUN, "--out", str(out), "--resume"])
    assert again.exit_code == 0, again.output
    assert "2 replications reused from disk" in one_line(again.output)
    assert_same_tables(whole_run, out, ("summary.csv", "replications.parquet", "warmup.csv"))


def test_run_writes_warmup_csv_hour_by_hour(whole_run) -> None:
    warmup = pd.read_csv(whole_run / "warmup.csv", dtype={"segment": str})
    one = warmup[warmup["segment"] == "101"]
    assert one["hour"].tolist() == list(range(-24, 48))  # 1 warm-up day, 2 measured days
    assert set(one[one["hour"] < 0]["period"]) == {"warm-up"}
    assert (one["replications"] == 4).all()


def test_a_second_run_into_the_same_folder_is_refused_unless_overwrite(tmp_path) -> None:
    out = tmp_path / "out"
    base = ["run", str(DEMO), "--days", "1", "--warmup-days", "0.5", "--out", str(out)]
    first = runner.invoke(app, [*base, "--replications", "3", "--seed", "1", "--records"])
    assert first.exit_code == 0, first.output
    (out / "report.html").write_text("<html>the first run's report</html>")  # demandsim report
    (out / "notes.txt").write_text("the planner's own")
    before = (out / "summary.csv").read_bytes()
    refused = runner.invoke(app, [*base, "--replications", "2", "--seed", "2"])
    assert refused.exit_code == 2
    assert "--overwrite to replace them" in one_line(refused.output)
    assert (out / "summary.csv").read_bytes() == before
    second = runner.invoke(app, [*base, "--replications", "2", "--seed", "2", "--overwrite"])
    assert second.exit_code == 0, second.output
    table = pd.read_parquet(out / "replications.parquet")
    assert set(table["seed"]) == {2} and sorted(set(table["replication"])) == [0, 1]
    assert sorted(p.name for p in (out / "replications" / "demo").glob("*.parquet")) == [
        "00000.parquet",
        "00001.parquet",
    ]
    assert not (out / "records").exists()  # the first run's records went with it
    assert not (out / "report.html").exists()  # the report of the replaced results, too
    assert (out / "notes.txt").exists()  # not a file demandsim writes: left alone
    assert (pd.read_csv(out / "summary.csv")["replications"] == 2).all()


def test_run_resume_without_out_is_bad_input(tmp_path) -> None:
    result = runner.invoke(app, ["run", str(DEMO), "--resume"])
    assert result.exit_code == 2
    assert "--resume: needs --out" in result.output


def test_run_into_an_experiments_folder_is_bad_input(reference) -> None:
    _, out = reference
    before = {name: (out / name).read_bytes() for name in TABLES}
    result = runner.invoke(app, ["run", str(DEMO), "--days", "1", "--out", str(out)])
    assert result.exit_code == 2
    assert f"--out: {out}: holds the results of experiment small, which a run cannot resume" in (
        one_line(result.output)
    )
    assert {name: (out / name).read_bytes() for name in TABLES} == before


# --------------------------------------------------------------------------- validate


def test_validate_command_checks_experiments_with_exit_2_and_writes_nothing(tmp_path) -> None:
    path = experiment_file(tmp_path, grid={"late": {"path": LATE + "x", "values": [1]}})
    checked = runner.invoke(app, ["validate", str(path)])
    assert checked.exit_code == 2
    assert f"{path}: grid.late.values.0: " in checked.output
    ran = runner.invoke(app, ["experiment", str(path), "--out", str(tmp_path / "out")])
    assert ran.exit_code == 2
    assert not (tmp_path / "out").exists()  # reported before anything runs


@pytest.mark.parametrize("path", sorted(EXPERIMENTS.glob("*.yaml")), ids=lambda p: p.name)
def test_shipped_experiments_are_valid(path) -> None:
    result = runner.invoke(app, ["validate", str(path)])
    assert result.exit_code == 0, result.output
    assert "valid experiment" in result.output


# --------------------------------------------------------------------------- experiment


def test_dask_cluster_through_scheduler_gives_identical_results(
    reference, dask_cluster, tmp_path
) -> None:
    path, out = reference
    result = runner.invoke(
        app,
        [
            "experiment", str(path), "--out", str(tmp_path / "out"),
            "--scheduler", dask_cluster.scheduler_address,
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "Dask cluster at tcp://127.0.0.1" in result.output
    assert_same_tables(out, tmp_path / "out")


def test_run_through_a_dask_scheduler_gives_identical_results(
    whole_run, dask_cluster, tmp_path
) -> None:
    out = tmp_path / "out"
    result = runner.invoke(
        app,
        ["run", str(DEMO), *SHORT_RUN, "--out", str(out),
         "--scheduler", dask_cluster.scheduler_address],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert_same_tables(whole_run, out, ("summary.csv", "replications.parquet", "warmup.csv"))


def test_unreachable_scheduler_is_bad_input(reference, tmp_path, monkeypatch) -> None:
    path, _ = reference
    monkeypatch.setattr("sim.runs.executors.DASK_CONNECT_TIMEOUT_S", 1.0)
    result = runner.invoke(
        app,
        ["experiment", str(path), "--out", str(tmp_path / "out"), "--scheduler",
         "tcp://127.0.0.1:9"],
    )  # fmt: skip
    assert result.exit_code == 2
    assert "--scheduler: tcp://127.0.0.1:9: cannot connect" in result.output
    assert not (tmp_path / "out").exists()


def test_resume_after_lost_replications_equals_the_uninterrupted_run(reference, tmp_path) -> None:
    path, out = reference
    copy = tmp_path / "out"
    with SequentialExecutor() as executor:
        run_into(plan_experiment_file(path), copy, executor)
    # As a crash would leave it: some replications never written, a half-written
    # temporary file, no summary files.
    for scenario, replication in (("late-12", 3), ("late-14", 0), ("late-16", 2)):
        (copy / "replications" / scenario / f"{replication:05d}.parquet").unlink()
    (copy / "replications" / "late-12" / ".00003.parquet.tmp123").write_bytes(b"PAR1 trunc")
    for name in TABLES:
        (copy / name).unlink()
    again = runner.invoke(app, ["experiment", str(path), "--out", str(copy), "--resume",
                                "--workers", "1"])  # fmt: skip
    assert again.exit_code == 0, again.output
    assert "3 replications run" in again.output and "9 reused" in again.output
    assert not list(copy.glob("replications/*/.*"))
    assert_same_tables(out, copy)


def test_resume_after_sigkill_equals_the_uninterrupted_run(tmp_path) -> None:
    """Kill a real run part-way (SIGKILL: no chance to clean up), resume it, compare."""
    path = experiment_file(tmp_path, days=4, replications=5)
    killed, whole = tmp_path / "killed", tmp_path / "whole"
    command = [sys.executable, "cli.py", "experiment", str(path), "--workers", "1"]
    process = subprocess.Popen(
        [*command, "--out", str(killed)],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while len(list(killed.glob("replications/*/*.parquet"))) < 3:
        assert process.poll() is None, "finished before it could be killed: make it longer"
        assert time.monotonic() < deadline
        time.sleep(0.01)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    saved = len(list(killed.glob("replications/*/*.parquet")))
    assert 3 <= saved < 15
    assert not (killed / "summary.csv").exists()
    resumed = subprocess.run([*command, "--out", str(killed), "--resume"], cwd=ROOT,
                             capture_output=True, text=True, timeout=120)  # fmt: skip
    assert resumed.returncode == 0, resumed.stderr
    assert f"{15 - saved} replications run" in one_line(resumed.stdout)
    with SequentialExecutor() as executor:
        run_into(plan_experiment_file(path), whole, executor)
    assert_same_tables(whole, killed)


def test_out_directory_rules(reference, tmp_path) -> None:
    path, out = reference
    # Without --resume, an existing experiment directory is not overwritten.
    result = runner.invoke(app, ["experiment", str(path), "--out", str(out)])
    assert result.exit_code == 2 and "add --resume" in result.output
    # A different experiment cannot resume it.
    other = experiment_file(tmp_path, seed=12)
    result = runner.invoke(app, ["experiment", str(other), "--out", str(out), "--resume"])
    assert result.exit_code == 2 and "different experiment" in result.output
    # --resume needs --out.
    result = runner.invoke(app, ["experiment", str(path), "--resume"])
    assert result.exit_code == 2 and "--resume: needs --out" in result.output
    # Not an empty or experiment directory.
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "notes.txt").write_text("mine")
    result = runner.invoke(app, ["experiment", str(path), "--out", str(tmp_path / "busy")])
    assert result.exit_code == 2 and "is not empty" in result.output
    # ... and left as it was: no lock file of ours in someone else's folder.
    assert [p.name for p in (tmp_path / "busy").iterdir()] == ["notes.txt"]


@pytest.mark.parametrize("out", ["", ".", "/"])
def test_out_that_is_the_root_or_the_current_directory_is_bad_input(
    out, tmp_path, monkeypatch
) -> None:
    monkeypatch.chdir(tmp_path)
    for command in (
        ["run", str(DEMO), *SHORT_RUN],
        ["experiment", str(experiment_file(tmp_path / "spec"))],
    ):
        result = runner.invoke(app, [*command, "--out", out])
        assert result.exit_code == 2, result.output
        assert "--out" in result.output
        assert "is the root of the file system" in one_line(result.output) or (
            "is the current directory" in one_line(result.output)
        )
    assert [p.name for p in tmp_path.iterdir()] == ["spec"]  # nothing written beside it


def test_out_under_a_file_is_bad_input(tmp_path) -> None:
    (tmp_path / "notes.txt").write_text("mine")
    out = tmp_path / "notes.txt" / "out"
    result = runner.invoke(app, ["run", str(DEMO), *SHORT_RUN, "--out", str(out)])
    assert result.exit_code == 2, result.output
    assert "--out" in result.output and "is a file" in one_line(result.output)


def test_a_disk_without_room_is_bad_input_before_anything_runs(tmp_path, monkeypatch) -> None:
    def never(*args: object, **kwargs: object) -> None:
        raise AssertionError("a replication ran")

    monkeypatch.setattr(
        sim.app.outdir.shutil, "disk_usage", lambda path: SimpleNamespace(free=10**6)
    )
    monkeypatch.setattr(sim.runs.replicate, "run_replication", never)
    out = tmp_path / "out"
    result = runner.invoke(app, ["run", str(DEMO), *SHORT_RUN, "--out", str(out)])
    assert result.exit_code == 2, result.output
    text = one_line(result.output)
    assert "--out" in text and "has 1.0 MB free on its disk" in text
    assert "need about 8.0 MB" in text  # 4 replications x 2 MB
    assert not out.exists()


def test_a_second_writer_on_one_out_is_bad_input(tmp_path) -> None:
    """A run in another process while this one holds the directory: refused, with our pid."""
    out = tmp_path / "out"
    with ResultStore(out) as holder:
        holder.open({"fingerprint": "x", "kind": "run", "name": "demo"}, resume=False)
        for command in (
            ["run", str(DEMO), *SHORT_RUN],
            ["experiment", str(experiment_file(tmp_path))],
        ):
            second = subprocess.run(
                [sys.executable, "cli.py", *command, "--out", str(out), "--resume"],
                cwd=ROOT, capture_output=True, text=True, timeout=120,
            )  # fmt: skip
            assert second.returncode == 2, second.stderr
            assert f"is in use by another run or experiment (pid {os.getpid()})" in one_line(
                second.stderr
            )
    assert not (out / "replications").exists()


def test_run_resumed_over_a_truncated_replication_reruns_it(whole_run, tmp_path) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(whole_run, copy)
    target = copy / "replications" / "demo" / "00002.parquet"
    target.write_bytes(target.read_bytes()[:100])
    again = runner.invoke(app, ["run", str(DEMO), *SHORT_RUN, "--out", str(copy), "--resume"])
    assert again.exit_code == 0, again.output
    assert "3 replications reused from disk" in one_line(again.output)
    assert_same_tables(whole_run, copy, ("summary.csv", "replications.parquet", "warmup.csv"))


def test_resume_refuses_a_replication_copied_from_another_scenario(reference, tmp_path) -> None:
    path, out = reference
    copy = tmp_path / "copy"
    shutil.copytree(out, copy)
    target = copy / "replications" / "late-16" / "00000.parquet"
    shutil.copyfile(copy / "replications" / "late-12" / "00000.parquet", target)
    result = runner.invoke(app, ["experiment", str(path), "--out", str(copy), "--resume"])
    assert result.exit_code == 2, result.output
    text = one_line(result.output).replace(" ", "")
    assert str(target).replace(" ", "") in text  # rich may wrap the path anywhere
    assert "late-12" in text


def test_cli_exits_1_with_a_summary_of_failures(reference, tmp_path, monkeypatch) -> None:
    path, _ = reference
    real = sim.runs.replicate.run_replication

    def broken(scenario, replication, seed=None, platform=None):
        if scenario.name == "late-12" and replication == 1:
            raise RuntimeError("model bug")
        return real(scenario, replication, seed, platform)

    monkeypatch.setattr(sim.runs.replicate, "run_replication", broken)
    result = runner.invoke(app, ["experiment", str(path), "--out", str(tmp_path / "o"),
                                 "--workers", "1"])  # fmt: skip
    assert result.exit_code == 1
    assert "1 replication(s) failed twice" in result.output
    assert "late-12 replication 1 (seed 11): RuntimeError: model bug" in result.output
    assert "Traceback" in result.output and "--resume" in result.output
    assert (tmp_path / "o" / "summary.csv").exists()


def test_auto_replications_on_the_model_through_the_cli(tmp_path) -> None:
    path = auto_experiment(tmp_path, target=0.5, cap=20)
    result = runner.invoke(app, ["experiment", str(path), "--out", str(tmp_path / "o"),
                                 "--workers", "1"])  # fmt: skip
    assert result.exit_code == 0, result.output
    precision = pd.read_csv(tmp_path / "o" / "precision.csv", dtype={"segment": str})
    count = int(precision["replications"].iloc[0])
    assert 8 <= count < 20 and precision["met"].all()
    assert f"replications: {count} per scenario (auto); target ±50.0% met" in result.output


def test_auto_with_an_unknown_metric_is_bad_input_and_resumable(tmp_path) -> None:
    path = auto_experiment(tmp_path, target=0.1, cap=20)
    content = yaml.safe_load(path.read_text())
    content["precision"]["metrics"][0]["segment"] = "112"
    path.write_text(yaml.safe_dump(content))
    result = runner.invoke(app, ["experiment", str(path), "--out", str(tmp_path / "o"),
                                 "--workers", "1"])  # fmt: skip
    assert result.exit_code == 2
    assert "precision.metrics.0: answer_time/112/mean is not a figure of these results" in (
        result.output.replace("\n", "")
    )
    # The replications already run are kept: with the metric corrected, resume uses them.
    content["precision"]["metrics"][0]["segment"] = "101"
    path.write_text(yaml.safe_dump(content))
    with SequentialExecutor() as executor:
        outcome = run_into(plan_experiment_file(path), tmp_path / "o", executor, resume=True)
    assert outcome.reused == 24 and outcome.replications >= 8
