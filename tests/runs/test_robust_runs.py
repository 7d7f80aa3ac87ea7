"""Nothing lost when a worker dies, nothing written with the wrong mode (issue 21, part 2 and 6).

A local worker process that dies (``os._exit``, as a kill or the out-of-memory
killer would end it) breaks the whole process pool; the replications it took
down are retried once on a fresh pool, and the results are byte-identical to
an uninterrupted run. Files are written with the mode the umask gives, so a
private umask keeps results private. Every scenario's model is built before
anything runs, and one that cannot be built is refused by name.
"""

from __future__ import annotations

import functools
import os
import stat
from pathlib import Path

import pytest

import sim.runs.plan
from sim.errors import InputError
from sim.files import atomic_write, current_umask
from sim.model.wiring import dry_build
from sim.runs.executors import Job, ProcessExecutor, malformed_scheduler
from sim.runs.plan import PlannedScenario, check_buildable, plan_experiment_file, plan_scenario
from sim.runs.replicate import Reducer, ReplicationResult, replicate
from tests.helpers import CONFIGS
from tests.runs.experiments import assert_same_tables, run_into


def dies_once(
    planned: PlannedScenario, replication: int, seed: int, reducer: Reducer, *, marker: str
) -> ReplicationResult:
    """replicate, except the worker running replication 1 of late-14 dies, the first time."""
    if planned.name == "late-14" and replication == 1 and not Path(marker).exists():
        Path(marker).write_text("died")
        os._exit(9)  # no exception, no clean-up: the process is simply gone
    return replicate(planned, replication, seed, reducer)  # type: ignore[return-value]


def test_a_lost_worker_process_is_retried_and_nothing_is_lost(reference, tmp_path) -> None:
    path, whole = reference
    marker = tmp_path / "died"
    task = functools.partial(dies_once, marker=str(marker))
    with ProcessExecutor(2) as executor:
        outcome = run_into(plan_experiment_file(path), tmp_path / "out", executor, task=task)
    assert marker.read_text() == "died"  # the worker did die
    assert outcome.failures == []
    assert len(outcome.outcome.present) == 12
    assert_same_tables(whole, tmp_path / "out")


@pytest.mark.parametrize(("umask", "mode"), [(0o077, 0o600), (0o022, 0o644), (0o002, 0o664)])
def test_written_files_follow_the_umask(tmp_path, umask, mode) -> None:
    previous = os.umask(umask)
    try:
        assert current_umask() == umask
        atomic_write(tmp_path / "fitted.yaml", lambda p: p.write_text("name: x\n"))
    finally:
        os.umask(previous)
    assert stat.S_IMODE((tmp_path / "fitted.yaml").stat().st_mode) == mode


SHIPPED = ["demo", "mmc", "northumbria-2017", "thames-valley-hampshire-2018"]


@pytest.mark.parametrize("name", SHIPPED)
def test_every_shipped_scenario_builds_dry(name) -> None:
    from sim.config import load_scenario

    scenario = load_scenario(CONFIGS / f"{name}.yaml")
    planned = PlannedScenario.of(scenario)
    dry_build(planned.prepared, planned.platform)  # raises if the model cannot be built


def test_a_scenario_the_model_cannot_build_is_refused_by_name(tmp_path, monkeypatch) -> None:
    def broken(scenario, platform=None):
        if scenario.name == "late-16":
            raise ValueError("the appointment diary has no slots")

    monkeypatch.setattr(sim.runs.plan, "dry_build", broken)
    from tests.runs.experiments import experiment_file

    plan = plan_experiment_file(experiment_file(tmp_path))
    with pytest.raises(InputError) as caught:
        check_buildable(plan)
    [problem] = caught.value.problems
    assert problem.path == "scenario late-16"
    assert "the model cannot be built" in problem.message
    assert "appointment diary has no slots" in problem.message


def test_a_run_checks_its_one_scenario_builds(monkeypatch) -> None:
    from sim.config import load_scenario

    def broken(scenario, platform=None):
        raise AssertionError("validated by Scenario")

    monkeypatch.setattr(sim.runs.plan, "dry_build", broken)
    plan = plan_scenario(load_scenario(CONFIGS / "mmc.yaml"), CONFIGS / "mmc.yaml")
    with pytest.raises(InputError) as caught:
        check_buildable(plan)
    assert str(caught.value).startswith(f"{CONFIGS / 'mmc.yaml'}: the model cannot be built")


@pytest.mark.parametrize(
    "address", ["not an address", "tcp://", "http://[::1", "tcp://host:0", "host:99999", "h :1"]
)
def test_a_scheduler_address_of_the_wrong_shape_is_refused_before_connecting(address) -> None:
    problems = malformed_scheduler(address)
    assert problems and "PROTOCOL://HOST:PORT" in problems[0].message
    assert problems[0].source == "--scheduler"


@pytest.mark.parametrize(
    "address", ["tcp://10.0.0.5:8786", "127.0.0.1:8786", "tls://sched.example.org:8786", "[::1]:1"]
)
def test_a_scheduler_address_of_the_right_shape_passes(address) -> None:
    assert malformed_scheduler(address) == []


def _pid() -> int:
    return os.getpid()


def test_worker_processes_start_when_the_executor_is_entered() -> None:
    # What a command does before its first run (staff's analytic estimate)
    # overlaps the workers' start-up: they exist before any job is submitted.
    with ProcessExecutor(2) as executor:
        assert executor._warming is not None  # started on entering, on a thread
        executor._warmed()
        pool = executor._pool
        assert pool is not None
        assert len(pool._processes) == 2
        pids = {a.result for a in executor.run(_pid, [Job(k, ()) for k in range(4)])}
        assert os.getpid() not in pids and 1 <= len(pids) <= 2
