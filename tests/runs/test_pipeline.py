"""The run pipeline: in memory or on disk, in sequence or in parallel, the same replications.

Also what a results directory says about its scenarios (``targets.csv``,
``changes.csv``), which directories a plan may use, and that a scenario's
platform is applied once per plan, never per replication.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

import sim.runs.plan
from sim.config import InputError, Scenario, load_scenario, read_yaml_file
from sim.files import CHANGE_COLUMNS, REPLICATION_COLUMNS, TARGET_COLUMNS
from sim.metrics.kpis import replication_metrics
from sim.model.replication import ReplicationOutput, run_replication
from sim.runs.executors import Executor, ProcessExecutor, SequentialExecutor
from sim.runs.memory_store import MemoryStore
from sim.runs.pipeline import run_plan, simulate
from sim.runs.plan import PlannedScenario, RunPlan, plan_experiment_file, plan_scenario
from sim.runs.replicate import Replicated, ReplicationResult
from sim.runs.store import ResultStore
from sim.runs.tables import replication_table
from sim.runs.targets import changes_frame, targets_frame
from tests.helpers import CONFIGS, ROOT
from tests.runs.experiments import EARLY, LATE, experiment_file, run_into

DEMO = CONFIGS / "demo.yaml"
TVH = CONFIGS / "thames-valley-hampshire-2018.yaml"
HANDLER_STAFFING = ROOT / "experiments" / "handler-staffing.yaml"
#: The national targets (DESIGN §6), segments as in summary.csv of a one-force scenario.
NATIONAL = {
    ("answer_time", "999", "threshold", "<=", 10.0, "s", "national"),
    ("answered_within_target", "999", "value", ">=", 90.0, "%", "national"),
    ("answer_time", "101", "threshold", "<=", 120.0, "s", "national"),
    ("attendance_time", "grade1/urban", "threshold", "<=", 15.0, "min", "national"),
    ("attendance_time", "grade1/rural", "threshold", "<=", 20.0, "min", "national"),
    ("attendance_time", "grade2", "threshold", "<=", 60.0, "min", "national"),
}


def mean_101_answer_s(output: ReplicationOutput, scenario: Scenario) -> float:
    """A custom reducer: the replication's mean 101 answer time, seconds."""
    return next(
        v.value
        for v in replication_metrics(output)
        if (v.metric, v.segment, v.stat) == ("answer_time", "101", "mean")
    )


@pytest.fixture(scope="module")
def directory_run(tmp_path_factory) -> tuple[RunPlan, Path]:
    """The small experiment, shortened, run into a results directory in this process."""
    folder = tmp_path_factory.mktemp("directory")
    plan = plan_experiment_file(experiment_file(folder, days=2, replications=3))
    with SequentialExecutor() as executor:
        run_into(plan, folder / "out", executor)
    return plan, folder / "out"


@pytest.fixture(scope="module", params=["sequential", "processes"])
def executor(request) -> Executor:
    """This process, or two worker processes (one pool for the module)."""
    chosen = SequentialExecutor() if request.param == "sequential" else ProcessExecutor(2)
    with chosen as entered:
        yield entered


def rows(frame: pd.DataFrame) -> set[tuple[object, ...]]:
    return {tuple(row) for row in frame.drop(columns="scenario").itertuples(index=False)}


# --------------------------------------------------------------------------- in memory


def test_simulate_keeps_the_metric_values_of_a_directory_run(directory_run, executor) -> None:
    plan, out = directory_run
    results = simulate([s.scenario for s in plan.scenarios], executor=executor)
    assert list(results) == plan.names
    assert all(len(kept) == 3 for kept in results.values())
    kept = [r for name in plan.names for r in results[name]]
    assert all(isinstance(r, ReplicationResult) for r in kept)
    assert [(r.scenario, r.replication, r.seed) for r in kept] == [
        (name, replication, 11) for name in plan.names for replication in range(3)
    ]
    stored = pd.read_parquet(out / "replications.parquet")
    pd.testing.assert_frame_equal(replication_table(kept)[REPLICATION_COLUMNS], stored)


def test_run_plan_into_memory_with_a_custom_reducer(directory_run, executor) -> None:
    plan, out = directory_run
    store = MemoryStore()
    outcome = run_plan(plan, store, executor, reducer=mean_101_answer_s)
    assert (outcome.ran, outcome.reused, outcome.failures) == (9, 0, [])
    stored = pd.read_parquet(out / "replications.parquet")
    stored = stored[
        (stored["metric"] == "answer_time")
        & (stored["segment"] == "101")
        & (stored["stat"] == "mean")
    ]
    expected = {
        (row.scenario, row.replication): row.value for row in stored.itertuples(index=False)
    }
    assert set(expected) == set(outcome.present) == set(store.results)
    for key, result in store.results.items():
        assert isinstance(result, Replicated)
        assert result.kept == expected[key], key
    # simulate() gives what the reducer kept, per scenario in replication order.
    kept = simulate([s.scenario for s in plan.scenarios], mean_101_answer_s, executor)
    assert kept == {
        name: [expected[(name, replication)] for replication in range(3)] for name in plan.names
    }


# --------------------------------------------------------------------------- results directory


def test_a_second_run_into_a_folder_of_results_is_refused_without_overwrite(tmp_path) -> None:
    root = tmp_path / "out"
    with ResultStore(root) as store:
        store.open({"fingerprint": "a", "kind": "run", "name": "demo"}, resume=False)
    for fingerprint in ("a", "b"):  # the same run, and another
        with pytest.raises(InputError) as caught, ResultStore(root) as store:
            store.open({"fingerprint": fingerprint, "kind": "run"}, resume=False)
        assert "--overwrite" in str(caught.value)
    assert json.loads((root / "experiment.json").read_text())["fingerprint"] == "a"


def test_overwrite_replaces_only_what_demandsim_wrote(tmp_path) -> None:
    root = tmp_path / "out"
    with ResultStore(root) as store:
        store.open({"fingerprint": "a", "kind": "experiment", "name": "sweep"}, resume=False)
    (root / "replications" / "demo").mkdir(parents=True)
    (root / "replications" / "demo" / "00000.parquet").write_bytes(b"PAR1")
    (root / "records" / "calls" / "demo").mkdir(parents=True)
    (root / "summary.csv").write_text("scenario\n")
    (root / "report.html").write_text("<html></html>")  # the report's default: describes them
    (root / "notes.txt").write_text("the planner's own")
    with ResultStore(root, overwrite=True) as store:
        store.open({"fingerprint": "b", "kind": "run"}, resume=False)
    assert sorted(p.name for p in root.iterdir()) == ["experiment.json", "notes.txt"]
    assert json.loads((root / "experiment.json").read_text())["fingerprint"] == "b"


def test_overwrite_never_writes_into_a_folder_that_holds_no_results(tmp_path) -> None:
    root = tmp_path / "mine"
    root.mkdir()
    (root / "summary.csv").write_text("the planner's own table\n")
    with pytest.raises(InputError) as caught, ResultStore(root, overwrite=True) as store:
        store.open({"fingerprint": "b", "kind": "run"}, resume=False)
    assert "is not empty" in str(caught.value)
    assert (root / "summary.csv").read_text() == "the planner's own table\n"
    assert [p.name for p in root.iterdir()] == ["summary.csv"]


def test_overwrite_and_resume_together_are_bad_input(tmp_path) -> None:
    with pytest.raises(InputError) as caught, ResultStore(tmp_path / "out", True) as store:
        store.open({"fingerprint": "b", "kind": "run"}, resume=True)
    assert "--overwrite" in str(caught.value) and "--resume" in str(caught.value)


@pytest.mark.parametrize(("held", "kind"), [("experiment", "run"), ("run", "experiment")])
def test_a_run_and_an_experiment_never_share_a_directory(tmp_path, held, kind) -> None:
    root = tmp_path / "out"
    ResultStore(root).open({"fingerprint": "a", "kind": held, "name": "small"}, resume=False)
    for resume in (False, True):
        with pytest.raises(InputError) as caught:
            ResultStore(root).open(
                {"fingerprint": "a", "kind": kind, "name": "other"}, resume=resume
            )
        assert f"holds the results of {held} small, which a {kind} cannot resume" in str(
            caught.value.problems[0]
        )
    assert (root / "experiment.json").exists()


# --------------------------------------------------------------------------- platforms


def test_the_platform_is_applied_once_per_scenario(tmp_path, monkeypatch) -> None:
    real = sim.runs.plan.apply_platform
    applied: list[str] = []

    def counting(scenario: Scenario, platform=None) -> Scenario:
        applied.append(scenario.name)
        return real(scenario, platform)

    monkeypatch.setattr(sim.runs.plan, "apply_platform", counting)
    scenario = load_scenario(DEMO, ["platform=cmp", "replications=3", "days=1", "warmup_days=0.5"])
    plan = plan_scenario(scenario, DEMO)
    with SequentialExecutor() as executor:
        outcome = run_into(plan, tmp_path / "out", executor)
    assert outcome.ran == 3
    assert applied == ["demo"]
    assert plan.scenarios[0].prepared.platform is None
    assert plan.scenarios[0].platform is not None and plan.scenarios[0].platform.name == "cmp"


def test_run_replication_refuses_a_scenario_whose_platform_is_not_applied() -> None:
    scenario = load_scenario(DEMO, ["platform=cmp", "days=0.5", "warmup_days=0.5"])
    with pytest.raises(ValueError, match="'demo' names platform 'cmp'"):
        run_replication(scenario, 0)
    planned = PlannedScenario.of(scenario)
    output = run_replication(planned.prepared, 0, None, planned.platform)
    assert len(output.calls) > 0


# --------------------------------------------------------------------------- targets.csv


def test_the_demo_has_the_national_targets() -> None:
    frame = targets_frame(plan_scenario(load_scenario(DEMO), DEMO))
    assert list(frame.columns) == TARGET_COLUMNS
    assert set(frame["scenario"]) == {"demo"}
    assert rows(frame) == NATIONAL and len(frame) == len(NATIONAL)


def test_a_scenario_answer_target_is_the_scenarios() -> None:
    scenario = load_scenario(DEMO, ["forces.demo.channels.101.answer_target_s=60"])
    found = rows(targets_frame(plan_scenario(scenario, DEMO)))
    assert ("answer_time", "101", "threshold", "<=", 60.0, "s", "scenario") in found
    assert found - {("answer_time", "101", "threshold", "<=", 60.0, "s", "scenario")} == (
        NATIONAL - {("answer_time", "101", "threshold", "<=", 120.0, "s", "national")}
    )


def test_several_forces_have_their_own_targets_and_shared_ones_where_they_agree() -> None:
    forces = list(read_yaml_file(TVH)["forces"])
    assert forces == ["tvp", "hampshire"]
    found = rows(targets_frame(plan_scenario(load_scenario(TVH), TVH)))
    for force in forces:
        assert {r for r in found if r[1].startswith(f"{force}/")} == {
            (r[0], f"{force}/{r[1]}", *r[2:]) for r in NATIONAL
        }
    assert {r for r in found if r[1].split("/")[0] not in forces} == NATIONAL
    # Where the forces differ, only the per-force rows say so.
    differing = load_scenario(TVH, ["forces.hampshire.channels.101.answer_target_s=90"])
    found = rows(targets_frame(plan_scenario(differing, TVH)))
    assert ("answer_time", "hampshire/101", "threshold", "<=", 90.0, "s", "scenario") in found
    assert ("answer_time", "tvp/101", "threshold", "<=", 120.0, "s", "national") in found
    assert not [r for r in found if r[:2] == ("answer_time", "101")]
    shared = {r for r in found if r[1].split("/")[0] not in forces}
    assert shared == NATIONAL - {("answer_time", "101", "threshold", "<=", 120.0, "s", "national")}


def test_targets_csv_is_written_for_every_scenario(directory_run) -> None:
    plan, out = directory_run
    written = pd.read_csv(out / "targets.csv", dtype={"segment": str})
    pd.testing.assert_frame_equal(written, targets_frame(plan), check_dtype=False)
    assert list(dict.fromkeys(written["scenario"])) == plan.names


# --------------------------------------------------------------------------- changes.csv


def test_changes_of_the_handler_staffing_experiment() -> None:
    plan = plan_experiment_file(HANDLER_STAFFING)
    frame = changes_frame(plan)
    assert list(frame.columns) == CHANGE_COLUMNS
    assert plan.baseline == "late-14" and "late-14" not in set(frame["scenario"])
    for late in (10, 12, 16, 18):
        own = frame[frame["scenario"] == f"late-{late}"]
        assert own[["path", "before", "after"]].values.tolist() == [[LATE, "14", str(late)]]
        assert own["label"].tolist() == [f"late 14 → {late}"]
    moved = frame[frame["scenario"] == "early-to-late"].set_index("path")
    assert set(moved.index) == {EARLY, LATE}
    assert moved.loc[LATE, ["before", "after"]].tolist() == ["14", "16"]
    early = plan.scenario("late-14").scenario.handler_pools["contact_centre"].roster.shifts[0]
    assert moved.loc[EARLY, ["before", "after"]].tolist() == [str(early.count), "12"]


def test_changes_csv_of_an_experiment_and_of_a_single_run(directory_run, tmp_path) -> None:
    _, out = directory_run
    written = pd.read_csv(out / "changes.csv", dtype=str)
    assert written[["scenario", "after"]].values.tolist() == [["late-12", "12"], ["late-16", "16"]]
    scenario = load_scenario(DEMO, ["replications=1", "days=0.5", "warmup_days=0.5"])
    with SequentialExecutor() as executor:
        run_into(plan_scenario(scenario, DEMO), tmp_path / "run", executor)
    assert (tmp_path / "run" / "changes.csv").read_text() == ",".join(CHANGE_COLUMNS) + "\n"
