"""Running experiments: executors agree, resume equals an uninterrupted run, failures, auto.

One small experiment (the demo, three days, late shift 12/14/16, four
replications; :mod:`tests.runs.experiments`) is run once in this process as the
reference; every other way of running it -- worker processes, more replications
resumed, a failing replication retried -- must write byte-identical tables. The
same through the command line (a Dask cluster, a run killed part-way and
resumed) is in ``tests/cli/test_runs.py``.
"""

from __future__ import annotations

import functools
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from sim.metrics.kpis import MetricValue
from sim.metrics.warmup import hourly_profile
from sim.runs.executors import ProcessExecutor, SequentialExecutor
from sim.runs.plan import PlannedScenario, plan_experiment_file
from sim.runs.replicate import (
    MetricReducer,
    Reducer,
    ReplicationResult,
    replicate,
    simulate_replication,
)
from tests.runs.experiments import (
    LATE,
    assert_same_tables,
    auto_experiment,
    experiment_file,
    run_into,
)


def test_experiment_writes_the_results_directory(reference) -> None:
    _, out = reference
    assert {p.name for p in out.iterdir()} >= {
        "summary.csv", "comparison.csv", "replications.parquet", "warmup.csv", "manifest.json",
        "experiment.json", "replications", "warmup", "targets.csv", "changes.csv",
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
    assert manifest["experiment"]["changes"]["late-16"] == [
        {"path": LATE, "before": "14", "after": "16", "label": "late 14 → 16"}
    ]


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
    plan = plan_experiment_file(path)
    planned = plan.scenario("late-12")
    result = replicate(planned, 2, plan.seed, MetricReducer(records=True))
    records = result.records["calls"]
    profile = hourly_profile(simulate_replication(planned.scenario, 2, plan.seed))
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
        outcome = run_into(plan_experiment_file(path), tmp_path / "out", executor)
    assert outcome.ran == 12 and "2 local worker processes" in outcome.executor
    assert_same_tables(out, tmp_path / "out")


def test_more_replications_resume_from_the_existing_ones(reference, tmp_path) -> None:
    path, out = reference
    more = experiment_file(tmp_path, replications=5)
    copy = tmp_path / "out"
    with SequentialExecutor() as executor:
        run_into(plan_experiment_file(path), copy, executor)
        outcome = run_into(plan_experiment_file(more), copy, executor, resume=True)
    assert (outcome.ran, outcome.reused, outcome.replications) == (3, 12, 5)
    first = pd.read_parquet(out / "replications.parquet")
    now = pd.read_parquet(copy / "replications.parquet")
    pd.testing.assert_frame_equal(
        now[now["replication"] < 4].reset_index(drop=True), first, check_like=False
    )


# --------------------------------------------------------------------------- failures


def failing_task(
    planned: PlannedScenario,
    replication: int,
    seed: int,
    reducer: Reducer,
    *,
    marker: str,
    fail_always: bool,
) -> ReplicationResult:
    """replicate, except replication 2 of late-16 raises (always, or only the first time)."""
    if planned.name == "late-16" and replication == 2:
        flag = Path(marker)
        attempts = int(flag.read_text()) if flag.exists() else 0
        flag.write_text(str(attempts + 1))
        if fail_always or attempts == 0:
            raise ZeroDivisionError(f"injected failure, attempt {attempts + 1}")
    return replicate(planned, replication, seed, reducer)  # type: ignore[return-value]


@pytest.mark.parametrize("workers", [1, 2])
def test_a_failing_replication_is_retried_once_then_reported(reference, tmp_path, workers) -> None:
    path, out = reference
    marker = tmp_path / "attempts"
    task = functools.partial(failing_task, marker=str(marker), fail_always=True)
    executor = SequentialExecutor() if workers == 1 else ProcessExecutor(workers)
    with executor:
        outcome = run_into(plan_experiment_file(path), tmp_path / "out", executor, task=task)
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
        fixed = run_into(plan_experiment_file(path), tmp_path / "out", executor, resume=True)
    assert (fixed.ran, fixed.failures) == (1, [])
    assert not (tmp_path / "out" / "failures.csv").exists()
    assert_same_tables(out, tmp_path / "out")


def test_a_replication_failing_once_succeeds_on_retry(reference, tmp_path) -> None:
    path, out = reference
    marker = tmp_path / "attempts"
    task = functools.partial(failing_task, marker=str(marker), fail_always=False)
    with SequentialExecutor() as executor:
        outcome = run_into(plan_experiment_file(path), tmp_path / "out", executor, task=task)
    assert marker.read_text() == "2" and outcome.failures == []
    assert_same_tables(out, tmp_path / "out")


# --------------------------------------------------------------------------- auto replications


def noisy_task(
    planned: PlannedScenario,
    replication: int,
    seed: int,
    reducer: Reducer | None = None,
    *,
    sd: float,
) -> ReplicationResult:
    """A stand-in replication with a known distribution: N(100, sd) per scenario and replication."""
    late = planned.scenario.handler_pools["contact_centre"].roster.shifts[2].count
    rng = np.random.default_rng([seed, replication, late])
    values = [
        MetricValue("answer_time", "101", "mean", "s", float(rng.normal(100 + late, sd))),
        MetricValue("offered", "101", "count", "calls", 1000.0),
    ]
    return ReplicationResult(planned.name, replication, seed, values, None, 0, 0, 0.0, None)


def expected_stop(plan, target: float, sd: float, cap: int) -> int:
    from tests.metrics.test_statistics import sequential_rule

    stops = []
    for planned in plan.scenarios:
        values = [noisy_task(planned, r, plan.seed, sd=sd).values[0].value for r in range(cap)]
        stops.append(sequential_rule(values, target, 3, 5))
    return max(stops)


def test_auto_replications_stop_where_the_sequential_rule_does(tmp_path) -> None:
    plan = plan_experiment_file(auto_experiment(tmp_path, target=0.04, cap=400))
    task = functools.partial(noisy_task, sd=10.0)
    with SequentialExecutor() as executor:
        outcome = run_into(plan, tmp_path / "out", executor, task=task)
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
    plan = plan_experiment_file(auto_experiment(tmp_path, target=0.001, cap=12))
    with SequentialExecutor() as executor:
        outcome = run_into(
            plan, tmp_path / "out", executor, task=functools.partial(noisy_task, sd=10.0)
        )
    assert outcome.replications == 12
    assert outcome.precision_met is False
    assert not outcome.precision["met"].any()
    assert (outcome.summary["replications"] == 12).all()


def test_auto_replications_settle_at_once_when_precise(tmp_path) -> None:
    plan = plan_experiment_file(auto_experiment(tmp_path, target=0.2, cap=50))
    with SequentialExecutor() as executor:
        outcome = run_into(
            plan, tmp_path / "out", executor, task=functools.partial(noisy_task, sd=1.0)
        )
    assert outcome.replications == 3 + 5  # the minimum and its look-ahead
