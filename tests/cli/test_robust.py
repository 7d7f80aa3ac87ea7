"""Faults end with a message and exit 2, never a hang or a traceback (issue 21, parts 1-5).

Driven through the command line: a scheduler address that is empty, or a port
where something that is not Dask listens (silent, or answering garbage); a
cluster whose every worker dies, or whose scheduler dies, part-way through
(the finished replications are kept and the output says how to resume); a
scenario the model cannot build; a shrinkage leaving nobody where gaps are not
allowed; ``--workers`` past the replications or the cores; an absurd Erlang.
Time-outs are shortened to about two seconds so the tests stay quick.
"""

from __future__ import annotations

import contextlib
import logging
import shlex
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

import sim.app.run
import sim.runs.executors
import sim.runs.plan
from cli import app
from tests.cli.conftest import free_port
from tests.helpers import CONFIGS, ROOT
from tests.runs.experiments import experiment_file

runner = CliRunner()
DEMO = CONFIGS / "demo.yaml"
SHORT_RUN = ["--days", "1", "--warmup-days", "0.5", "--replications", "2"]


def one_line(output: str) -> str:
    return output.replace("\n", " ")


@pytest.fixture
def quick_timeouts(monkeypatch) -> None:
    """Dask time-outs of two seconds (the defaults are 15 and 60)."""
    monkeypatch.setattr(sim.runs.executors, "DASK_CONNECT_TIMEOUT_S", 2.0)
    monkeypatch.setattr(sim.runs.executors, "DASK_WORKERS_TIMEOUT_S", 2.0)


def not_dask(answer: bytes) -> Iterator[str]:
    """A TCP server that accepts connections and sends ``answer`` (maybe nothing), not Dask."""
    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    server.settimeout(0.2)
    stop = threading.Event()
    held: list[socket.socket] = []

    def serve() -> None:
        while not stop.is_set():
            try:
                connection, _ = server.accept()
            except OSError:
                continue
            held.append(connection)
            if answer:
                with contextlib.suppress(OSError):
                    connection.sendall(answer)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"tcp://127.0.0.1:{server.getsockname()[1]}"
    finally:
        stop.set()
        thread.join(5)
        for connection in held:
            connection.close()
        server.close()


@pytest.fixture
def silent_server() -> Iterator[str]:
    yield from not_dask(b"")


@pytest.fixture
def garbage_server() -> Iterator[str]:
    yield from not_dask(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n" * 50)


# --------------------------------------------------------------------------- scheduler address


@pytest.mark.parametrize("command", ["run", "experiment"])
def test_an_empty_scheduler_is_bad_input(command, tmp_path) -> None:
    file = DEMO if command == "run" else experiment_file(tmp_path)
    out = tmp_path / "o"
    result = runner.invoke(app, [command, str(file), "--scheduler", "", "--out", str(out)])
    assert result.exit_code == 2, result.output
    assert "--scheduler: is empty; expected the address of a Dask scheduler" in one_line(
        result.output
    )
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize("server", ["silent_server", "garbage_server"])
def test_a_port_that_is_not_dask_times_out_with_its_address(
    server, request, quick_timeouts, tmp_path
) -> None:
    address = request.getfixturevalue(server)
    started = time.perf_counter()
    result = runner.invoke(
        app, ["run", str(DEMO), *SHORT_RUN, "--scheduler", address, "--out", str(tmp_path / "o")]
    )
    assert time.perf_counter() - started < 20
    assert result.exit_code == 2, result.output
    text = one_line(result.output)
    assert f"--scheduler: {address}: " in text
    assert "not as a Dask scheduler" in text or "did not answer as a Dask scheduler" in text
    assert "Traceback" not in result.output


# --------------------------------------------------------------------------- cluster lost part-way


def start_cluster() -> tuple[str, subprocess.Popen, subprocess.Popen]:
    """A ``dask scheduler`` and one single-threaded ``dask worker`` on 127.0.0.1."""
    distributed = pytest.importorskip("dask.distributed")
    dask_cli = Path(sys.executable).parent / "dask"
    if not dask_cli.exists():
        pytest.skip(f"no dask command beside {sys.executable}")
    port = free_port()
    address = f"tcp://127.0.0.1:{port}"
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL, "cwd": ROOT}
    scheduler = subprocess.Popen(
        [str(dask_cli), "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"],
        **quiet,
    )
    worker = subprocess.Popen(
        [str(dask_cli), "worker", address, "--nworkers", "1", "--nthreads", "1",
         "--no-nanny", "--no-dashboard", "--host", "127.0.0.1"],
        **quiet,
    )  # fmt: skip
    with distributed.Client(address, timeout=60) as client:
        client.wait_for_workers(1, timeout=120)
    return address, scheduler, worker


def kill_after_first_replication(out: Path, process: subprocess.Popen) -> threading.Thread:
    """Kill ``process`` once the first replication of ``out`` is saved."""

    def watch() -> None:
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            if any((out / "replications").glob("*/*.parquet")):
                process.kill()
                return
            time.sleep(0.05)

    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    return thread


@pytest.mark.parametrize("lost", ["worker", "scheduler"])
def test_a_cluster_lost_part_way_keeps_what_finished_and_says_how_to_resume(
    lost, quick_timeouts, tmp_path
) -> None:
    address, scheduler, worker = start_cluster()
    try:
        path = experiment_file(tmp_path / "spec")
        out = tmp_path / "out"
        watcher = kill_after_first_replication(out, worker if lost == "worker" else scheduler)
        started = time.perf_counter()
        result = runner.invoke(
            app, ["experiment", str(path), "--scheduler", address, "--out", str(out)]
        )
        watcher.join(5)
        assert time.perf_counter() - started < 120
    finally:
        for process in (worker, scheduler):
            process.kill()
            process.wait(30)
    assert result.exit_code == 2, result.output
    text = one_line(result.output)
    assert f"--scheduler: {address}: " in text, result.output
    assert ("no worker alive" if lost == "worker" else "the scheduler was lost") in text
    finished = sorted((out / "replications").glob("*/*.parquet"))
    assert 1 <= len(finished) < 12
    assert f"{len(finished)} finished replication(s) are saved in {out}/" in text
    hint = result.output.strip().splitlines()[-1].strip()
    assert shlex.split(hint) == [
        "demandsim", "experiment", str(path), "--scheduler", address,
        "--out", str(out), "--resume",
    ]  # fmt: skip
    assert "Traceback" not in result.output


# --------------------------------------------------------------------------- what validates, runs


def test_validate_and_run_build_each_model_before_anything_runs(tmp_path, monkeypatch) -> None:
    def broken(scenario, platform=None):
        raise ValueError("the appointment diary has no slots")

    monkeypatch.setattr(sim.runs.plan, "dry_build", broken)
    checked = runner.invoke(app, ["validate", str(DEMO)])
    assert checked.exit_code == 2
    assert f"{DEMO}: the model cannot be built from it (ValueError: the appointment" in (
        one_line(checked.output)
    )
    ran = runner.invoke(app, ["run", str(DEMO), *SHORT_RUN, "--out", str(tmp_path / "o")])
    assert ran.exit_code == 2 and "the model cannot be built" in one_line(ran.output)
    assert not (tmp_path / "o").exists()


def test_shrinkage_leaving_nobody_is_an_error_unless_gaps_are_allowed(tmp_path) -> None:
    raw = yaml.safe_load(DEMO.read_text())
    raw["handler_pools"]["contact_centre"]["shrinkage"] = 0.99
    path = tmp_path / "scenario.yaml"
    path.write_text(yaml.safe_dump(raw))
    refused = runner.invoke(app, ["validate", str(path)])
    assert refused.exit_code == 2
    assert f"{path}: handler_pools.contact_centre.shrinkage: is 0.99" in one_line(refused.output)
    raw["handler_pools"]["contact_centre"]["roster"]["allow_gaps"] = True
    path.write_text(yaml.safe_dump(raw))
    warned = runner.invoke(app, ["validate", str(path)])
    assert warned.exit_code == 0, warned.output
    assert "warning: " in warned.output and "is 0.99" in warned.output


def test_validate_states_the_planned_cost() -> None:
    result = runner.invoke(app, ["validate", str(DEMO)])
    assert result.exit_code == 0
    assert "call attempts and online reports and" in one_line(result.output)


def test_workers_are_capped_at_the_replications_and_warned_above_the_cores(
    tmp_path, monkeypatch, caplog
) -> None:
    monkeypatch.setattr(sim.app.run.os, "cpu_count", lambda: 1)
    path = experiment_file(tmp_path / "spec", days=1, replications=2, grid=None,
                           baseline="only", scenarios=[{"name": "only", "set": {}}])  # fmt: skip
    with caplog.at_level(logging.WARNING, logger="sim.app.run"):
        result = runner.invoke(
            app, ["experiment", str(path), "--workers", "1000", "--out", str(tmp_path / "o")]
        )
    assert result.exit_code == 0, result.output
    assert "2 replications run on 2 local worker processes" in one_line(result.output)
    assert "--workers 2 is more than this machine's 1 cores" in caplog.text


def test_an_absurd_erlang_is_refused_fast() -> None:
    started = time.perf_counter()
    result = runner.invoke(
        app, ["erlang", "c", "--calls-per-hour", "100", "--aht", "300", "--agents", "1000000000"]
    )
    assert time.perf_counter() - started < 1
    assert result.exit_code == 2
    assert "erlang c: --agents: agents must be at most 100,000" in one_line(result.output)


def test_staff_writes_only_a_new_or_empty_folder_unless_overwrite(tmp_path) -> None:
    base = ["staff", str(CONFIGS / "mmc.yaml"), "--pool", "handlers",
            "--target", "answered_within_target:101>=80", "--interval", "60",
            "--set", "days=2", "--set", "replications=2"]  # fmt: skip
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "summary.csv").write_text("the planner's own\n")
    for extra, expected in (([], "--overwrite to replace"), (["--overwrite"], "holds no staffing")):
        refused = runner.invoke(app, [*base, "--out", str(mine), *extra])
        assert refused.exit_code == 2, refused.output
        assert f"--out: {mine}: is not empty" in one_line(refused.output)
        assert expected in one_line(refused.output)
    assert [p.name for p in mine.iterdir()] == ["summary.csv"]
    out = tmp_path / "out"
    assert runner.invoke(app, [*base, "--out", str(out)]).exit_code == 0
    (out / "notes.txt").write_text("mine")
    again = runner.invoke(app, [*base, "--out", str(out)])
    assert again.exit_code == 2 and "--overwrite" in one_line(again.output)
    replaced = runner.invoke(app, [*base, "--out", str(out), "--overwrite"])
    assert replaced.exit_code == 0, replaced.output
    assert (out / "notes.txt").exists() and (out / "roster.yaml").exists()
