"""Running experiments: executors agree, resume equals an uninterrupted run, failures, auto.

One small experiment (the demo, three days, late shift 12/14/16, four
replications) is run once in this process as the reference; every other way of
running it -- worker processes, a real Dask cluster through ``--scheduler``, a
run killed part-way and resumed -- must write byte-identical tables.
"""

from __future__ import annotations

import functools
import math
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
import yaml
from scipy import stats
from typer.testing import CliRunner

from cli import app
from sim.config import Scenario
from sim.metrics.kpis import MetricValue
from sim.metrics.warmup import hourly_profile
from sim.runs.executors import ProcessExecutor, SequentialExecutor
from sim.runs.experiment import load_experiment
from sim.runs.runner import ReplicationResult, run_one
from sim.runs.sweep import run_experiment
from tests.helpers import CONFIGS, ROOT

runner = CliRunner()
LATE = "handler_pools.contact_centre.roster.shifts.2.count"
TABLES = ("summary.csv", "comparison.csv", "replications.parquet", "warmup.csv")


def experiment_file(folder: Path, name: str = "exp.yaml", **changes) -> Path:
    content = {
        "name": "small",
        "base": str(CONFIGS / "demo.yaml"),
        "baseline": "late-14",
        "days": 3,
        "warmup_days": 1,
        "seed": 11,
        "replications": 4,
        "grid": {"late": {"path": LATE, "values": [12, 14, 16]}},
    }
    content.update(changes)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(yaml.safe_dump({k: v for k, v in content.items() if v is not None}))
    return path


def assert_same_tables(one: Path, other: Path) -> None:
    for name in TABLES:
        assert (one / name).read_bytes() == (other / name).read_bytes(), name


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> tuple[Path, Path]:
    """The small experiment run in this process, uninterrupted: (experiment file, results)."""
    folder = tmp_path_factory.mktemp("reference")
    path = experiment_file(folder)
    out = folder / "out"
    with SequentialExecutor() as executor:
        run_experiment(load_experiment(path), out, executor)
    return path, out


def test_experiment_writes_the_results_directory(reference) -> None:
    _, out = reference
    assert {p.name for p in out.iterdir()} >= {
        "summary.csv", "comparison.csv", "replications.parquet", "warmup.csv", "manifest.json",
        "experiment.json", "replications", "warmup",
    }  # fmt: skip
    summary = pd.read_csv(out / "summary.csv", dtype={"segment": str})
    assert list(summary.columns) == [
        "scenario", "metric", "segment", "stat", "unit", "mean", "ci_low", "ci_high",
        "replications",
    ]  # fmt: skip
    assert list(dict.fromkeys(summary["scenario"])) == ["late-12", "late-14", "late-16"]
    assert (summary["replications"] == 4).all()
    table = pd.read_parquet(out / "replications.parquet")
    assert (table["seed"] == 11).all()
    assert sorted(set(table["replication"])) == [0, 1, 2, 3]
    comparison = pd.read_csv(out / "comparison.csv", dtype={"segment": str})
    assert set(comparison["scenario"]) == {"late-12", "late-16"}
    assert (comparison["baseline"] == "late-14").all()
    manifest = pd.read_json(out / "manifest.json", typ="series")
    assert set(manifest["scenarios"]) == {"late-12", "late-14", "late-16"}
    assert manifest["replications"] == [0, 1, 2, 3]
    assert manifest["experiment"]["baseline"] == "late-14"
    assert manifest["experiment"]["changes"]["late-16"] == [f"{LATE}=16"]


def test_comparison_is_the_paired_interval_of_the_replications(reference) -> None:
    _, out = reference
    table = pd.read_parquet(out / "replications.parquet")
    comparison = pd.read_csv(out / "comparison.csv", dtype={"segment": str})

    def values(scenario: str) -> np.ndarray:
        rows = table[
            (table["scenario"] == scenario)
            & (table["metric"] == "answer_time")
            & (table["segment"] == "101")
            & (table["stat"] == "mean")
        ]
        return rows.sort_values("replication")["value"].to_numpy()

    row = comparison[
        (comparison["scenario"] == "late-12")
        & (comparison["metric"] == "answer_time")
        & (comparison["segment"] == "101")
        & (comparison["stat"] == "mean")
    ].iloc[0]
    interval = stats.ttest_rel(values("late-12"), values("late-14")).confidence_interval()
    assert row["difference"] == pytest.approx(np.mean(values("late-12") - values("late-14")))
    assert (row["ci_low"], row["ci_high"]) == pytest.approx((interval.low, interval.high), rel=1e-5)
    assert bool(row["excludes_zero"]) == (interval.low > 0 or interval.high < 0)


def test_paired_intervals_are_narrower_than_unpaired_on_a_staffing_sweep(reference) -> None:
    """The point of common random numbers: the same calls in both, so differences are sharp.

    With only four replications (three degrees of freedom for the paired interval,
    about six for Welch's) a rare-event figure can come out either way; taken
    together the paired intervals are several times narrower, and for the
    figures driven by the shared arrivals (calls offered, occupancy) over five
    times.
    """
    _, out = reference
    table = pd.read_parquet(out / "replications.parquet")
    comparison = pd.read_csv(out / "comparison.csv", dtype={"segment": str})
    ratios = {}
    for row in comparison.itertuples(index=False):
        key = (
            (table["metric"] == row.metric)
            & (table["segment"] == row.segment)
            & (table["stat"] == row.stat)
        )
        a = table[key & (table["scenario"] == row.scenario)]["value"].to_numpy()
        b = table[key & (table["scenario"] == "late-14")]["value"].to_numpy()
        unpaired = stats.ttest_ind(a, b, equal_var=False).confidence_interval()
        if unpaired.high > unpaired.low:  # p50 of 999 answer time is 0 s in every replication
            ratios[(row.scenario, row.metric, row.segment, row.stat)] = (
                row.ci_high - row.ci_low
            ) / (unpaired.high - unpaired.low)
    assert len(ratios) >= 26  # 13 contact figures per scenario, and any the model adds
    narrower = [key for key, ratio in ratios.items() if ratio < 1]
    assert len(narrower) >= 0.9 * len(ratios), ratios
    assert np.median(list(ratios.values())) < 0.4, ratios
    for key, ratio in ratios.items():
        if key[1] in {"offered", "occupancy"}:
            assert ratio < 0.2, (key, ratio)


def test_warmup_csv_covers_the_whole_run_hour_by_hour(reference) -> None:
    _, out = reference
    warmup = pd.read_csv(out / "warmup.csv", dtype={"segment": str})
    one = warmup[(warmup["scenario"] == "late-14") & (warmup["segment"] == "101")]
    assert one["hour"].tolist() == list(range(-24, 72))  # 1 warm-up day, 3 measured days
    assert set(one[one["hour"] < 0]["period"]) == {"warm-up"}
    assert set(one[one["hour"] >= 0]["period"]) == {"measured"}
    assert (one["replications"] == 4).all()
    assert one.iloc[0]["time"] == "00:00" and one.iloc[0]["day"] == -1
    # Mean arrivals over the measured hours, times the hours, is the mean offered count.
    summary = pd.read_csv(out / "summary.csv", dtype={"segment": str})
    offered = summary[
        (summary["scenario"] == "late-14")
        & (summary["metric"] == "offered")
        & (summary["segment"] == "101")
    ]["mean"].iloc[0]
    assert one[one["hour"] >= 0]["arrivals"].sum() == pytest.approx(offered, rel=1e-5)


def test_hourly_profile_agrees_with_the_call_records(reference) -> None:
    path, _ = reference
    plan = load_experiment(path)
    result = run_one(plan.scenario("late-12"), 2, plan.seed, keep_records=True)
    records = result.records["calls"]
    from sim.model.replication import run_replication

    profile = hourly_profile(run_replication(plan.scenario("late-12"), 2, plan.seed))
    calls = records[records["channel"] == "999"]
    hour = np.floor(calls["arrival_s"] / 3600).astype(int)
    inside = (hour >= -24) & (hour < 72)
    waits = calls[inside & (calls["outcome"] == "answered")].groupby(hour)["answer_wait_s"].mean()
    mine = profile[profile["segment"] == "999"].set_index("hour")
    assert mine["arrivals"].sum() == inside.sum()
    pd.testing.assert_series_equal(
        mine["answer_time_mean_s"].dropna(), waits.rename("answer_time_mean_s"),
        check_names=False, check_index_type=False,
    )  # fmt: skip
    # Time-average number waiting, integrated over the run, is the total time spent waiting.
    leave = np.where(
        calls["outcome"] == "answered", calls["answered_s"],
        np.where(calls["outcome"] == "abandoned", calls["abandoned_s"], np.inf),
    )  # fmt: skip
    waited = np.clip(np.minimum(leave, 72 * 3600) - np.maximum(calls["arrival_s"], -86400), 0, None)
    assert (mine["waiting_mean"] * 3600).sum() == pytest.approx(waited.sum(), rel=1e-9)


def test_worker_processes_give_identical_results(reference, tmp_path) -> None:
    path, out = reference
    with ProcessExecutor(2) as executor:
        outcome = run_experiment(load_experiment(path), tmp_path / "out", executor)
    assert outcome.ran == 12 and "2 local worker processes" in outcome.executor
    assert_same_tables(out, tmp_path / "out")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def dask_cluster():
    """A real ``dask scheduler`` and ``dask worker`` (two processes) on 127.0.0.1."""
    distributed = pytest.importorskip("dask.distributed")
    dask_cli = Path(sys.executable).parent / "dask"
    if not dask_cli.exists():
        pytest.skip(f"no dask command beside {sys.executable}")
    address = f"tcp://127.0.0.1:{free_port()}"
    port = address.rsplit(":", 1)[1]
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL, "cwd": ROOT}
    scheduler = subprocess.Popen(
        [str(dask_cli), "scheduler", "--host", "127.0.0.1", "--port", port, "--no-dashboard"],
        **quiet,
    )
    worker = subprocess.Popen(
        [str(dask_cli), "worker", address, "--nworkers", "2", "--nthreads", "1",
         "--no-dashboard", "--host", "127.0.0.1"],
        **quiet,
    )  # fmt: skip
    try:
        with distributed.Client(address, timeout=60) as client:
            client.wait_for_workers(2, timeout=120)
        yield SimpleNamespace(scheduler_address=address)
    finally:
        for process in (worker, scheduler):
            process.terminate()
        for process in (worker, scheduler):
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()


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
        run_experiment(load_experiment(path), copy, executor)
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
    assert f"{15 - saved} replications run" in resumed.stdout.replace("\n", " ")
    with SequentialExecutor() as executor:
        run_experiment(load_experiment(path), whole, executor)
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


def test_more_replications_resume_from_the_existing_ones(reference, tmp_path) -> None:
    path, out = reference
    more = experiment_file(tmp_path, replications=5)
    copy = tmp_path / "out"
    with SequentialExecutor() as executor:
        run_experiment(load_experiment(path), copy, executor)
        outcome = run_experiment(load_experiment(more), copy, executor, resume=True)
    assert (outcome.ran, outcome.reused, outcome.replications) == (3, 12, 5)
    first = pd.read_parquet(out / "replications.parquet")
    now = pd.read_parquet(copy / "replications.parquet")
    pd.testing.assert_frame_equal(
        now[now["replication"] < 4].reset_index(drop=True), first, check_like=False
    )


# --------------------------------------------------------------------------- failures


def failing_task(
    scenario: Scenario,
    replication: int,
    seed: int,
    keep_records: bool = False,
    warmup: bool = False,
    *,
    marker: str,
    fail_always: bool,
) -> ReplicationResult:
    """run_one, except replication 2 of late-16 raises (always, or only the first time)."""
    if scenario.name == "late-16" and replication == 2:
        flag = Path(marker)
        attempts = int(flag.read_text()) if flag.exists() else 0
        flag.write_text(str(attempts + 1))
        if fail_always or attempts == 0:
            raise ZeroDivisionError(f"injected failure, attempt {attempts + 1}")
    return run_one(scenario, replication, seed, keep_records, warmup)


@pytest.mark.parametrize("workers", [1, 2])
def test_a_failing_replication_is_retried_once_then_reported(reference, tmp_path, workers) -> None:
    path, out = reference
    marker = tmp_path / "attempts"
    task = functools.partial(failing_task, marker=str(marker), fail_always=True)
    executor = SequentialExecutor() if workers == 1 else ProcessExecutor(workers)
    with executor:
        outcome = run_experiment(load_experiment(path), tmp_path / "out", executor, task=task)
    assert marker.read_text() == "2"  # tried, and tried once more
    [failure] = outcome.failures
    assert (failure.scenario, failure.replication, failure.seed) == ("late-16", 2, 11)
    assert "ZeroDivisionError: injected failure" in failure.traceback
    assert "failing_task" in failure.traceback
    failures = pd.read_csv(tmp_path / "out" / "failures.csv")
    assert failures[["scenario", "replication", "seed"]].values.tolist() == [["late-16", 2, 11]]
    # The others finished; the summary says how many replications each figure rests on.
    summary = outcome.summary.set_index("scenario")
    assert (summary.loc["late-16", "replications"] == 3).all()
    assert (summary.loc["late-12", "replications"] == 4).all()
    comparison = outcome.comparison
    assert (comparison[comparison["scenario"] == "late-16"]["pairs"] == 3).all()
    # Resuming with the bug fixed runs just that one, and gives the reference results.
    with SequentialExecutor() as executor:
        fixed = run_experiment(load_experiment(path), tmp_path / "out", executor, resume=True)
    assert (fixed.ran, fixed.failures) == (1, [])
    assert not (tmp_path / "out" / "failures.csv").exists()
    assert_same_tables(out, tmp_path / "out")


def test_a_replication_failing_once_succeeds_on_retry(reference, tmp_path) -> None:
    path, out = reference
    marker = tmp_path / "attempts"
    task = functools.partial(failing_task, marker=str(marker), fail_always=False)
    with SequentialExecutor() as executor:
        outcome = run_experiment(load_experiment(path), tmp_path / "out", executor, task=task)
    assert marker.read_text() == "2" and outcome.failures == []
    assert_same_tables(out, tmp_path / "out")


def test_cli_exits_1_with_a_summary_of_failures(reference, tmp_path, monkeypatch) -> None:
    path, _ = reference
    import sim.runs.runner

    real = sim.runs.runner.run_replication

    def broken(scenario, replication, seed=None):
        if scenario.name == "late-12" and replication == 1:
            raise RuntimeError("model bug")
        return real(scenario, replication, seed)

    monkeypatch.setattr(sim.runs.runner, "run_replication", broken)
    result = runner.invoke(app, ["experiment", str(path), "--out", str(tmp_path / "o"),
                                 "--workers", "1"])  # fmt: skip
    assert result.exit_code == 1
    assert "1 replication(s) failed twice" in result.output
    assert "late-12 replication 1 (seed 11): RuntimeError: model bug" in result.output
    assert "Traceback" in result.output and "--resume" in result.output
    assert (tmp_path / "o" / "summary.csv").exists()


# --------------------------------------------------------------------------- auto replications


def noisy_task(
    scenario: Scenario,
    replication: int,
    seed: int,
    keep_records: bool = False,
    warmup: bool = False,
    *,
    sd: float,
) -> ReplicationResult:
    """A stand-in replication with a known distribution: N(100, sd) per scenario and replication."""
    late = scenario.handler_pools["contact_centre"].roster.shifts[2].count
    rng = np.random.default_rng([seed, replication, late])
    values = [
        MetricValue("answer_time", "101", "mean", "s", float(rng.normal(100 + late, sd))),
        MetricValue("offered", "101", "count", "calls", 1000.0),
    ]
    return ReplicationResult(scenario.name, replication, seed, values, None, 0, 0, 0.0, None)


def auto_experiment(folder: Path, target: float, cap: int) -> Path:
    precision = {
        "metrics": [{"metric": "answer_time", "segment": "101", "stat": "mean"}],
        "relative_half_width": target,
        "min_replications": 3,
        "max_replications": cap,
        "look_ahead": 5,
    }
    return experiment_file(folder, replications="auto", precision=precision)


def expected_stop(plan, target: float, sd: float, cap: int) -> int:
    from tests.metrics.test_statistics import sequential_rule

    stops = []
    for planned in plan.scenarios:
        values = [
            noisy_task(planned.scenario, r, plan.seed, sd=sd).values[0].value for r in range(cap)
        ]
        stops.append(sequential_rule(values, target, 3, 5))
    return max(stops)


def test_auto_replications_stop_where_the_sequential_rule_does(tmp_path) -> None:
    plan = load_experiment(auto_experiment(tmp_path, target=0.04, cap=400))
    task = functools.partial(noisy_task, sd=10.0)
    with SequentialExecutor() as executor:
        outcome = run_experiment(plan, tmp_path / "out", executor, task=task)
    expected = expected_stop(plan, 0.04, 10.0, 400)
    assert 8 < expected < 400
    assert outcome.replications == expected
    precision = pd.read_csv(tmp_path / "out" / "precision.csv", dtype={"segment": str})
    assert len(precision) == 3 and precision["met"].all()
    assert (precision["relative_half_width"] <= 0.04).all()
    assert (precision["replications"] == expected).all()
    assert outcome.precision_met is True
    # Interval of the widest scenario, recomputed: the achieved precision is what it says.
    table = pd.read_parquet(tmp_path / "out" / "replications.parquet")
    values = table[(table["scenario"] == "late-16") & (table["metric"] == "answer_time")]["value"]
    half = stats.t.ppf(0.975, len(values) - 1) * values.std(ddof=1) / math.sqrt(len(values))
    row = precision[precision["scenario"] == "late-16"].iloc[0]
    assert row["relative_half_width"] == pytest.approx(half / values.mean())


def test_auto_replications_respect_the_cap(tmp_path) -> None:
    plan = load_experiment(auto_experiment(tmp_path, target=0.001, cap=12))
    with SequentialExecutor() as executor:
        outcome = run_experiment(
            plan, tmp_path / "out", executor, task=functools.partial(noisy_task, sd=10.0)
        )
    assert outcome.replications == 12
    assert outcome.precision_met is False
    assert not outcome.precision["met"].any()
    assert (outcome.summary["replications"] == 12).all()


def test_auto_replications_settle_at_once_when_precise(tmp_path) -> None:
    plan = load_experiment(auto_experiment(tmp_path, target=0.2, cap=50))
    with SequentialExecutor() as executor:
        outcome = run_experiment(
            plan, tmp_path / "out", executor, task=functools.partial(noisy_task, sd=1.0)
        )
    assert outcome.replications == 3 + 5  # the minimum and its look-ahead


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
        outcome = run_experiment(load_experiment(path), tmp_path / "o", executor, resume=True)
    assert outcome.reused == 24 and outcome.replications >= 8
