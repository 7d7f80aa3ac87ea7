"""Real ``demandsim`` processes for the fault-injection tests: start, watch, kill.

Each command runs as ``python cli.py ...`` in a session of its own, so that a
SIGKILL of its process group takes its worker processes too, as a power cut or
the out-of-memory killer would.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.helpers import ROOT

DEMO = ROOT / "configs" / "demo.yaml"
#: The run the kill tests interrupt: 6 replications of 2 days after 1 warm-up day (about
#: 0.3 s each here), long enough to be killed part-way, short enough to run many times.
RUN = ["--days", "2", "--warmup-days", "1", "--replications", "6", "--seed", "5"]
#: The tables of a run that a resumed or faulty one must write byte for byte the same.
RUN_TABLES = ("summary.csv", "replications.parquet", "warmup.csv")
#: Seconds any one command may take before the test calls it a hang.
LIMIT_S = 300.0


def invoke(*arguments: str | Path) -> Any:
    """The command line in this process (Typer's test runner); fail on a traceback."""
    from typer.testing import CliRunner

    from cli import app

    result = CliRunner().invoke(app, [str(a) for a in arguments])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert "Traceback" not in result.output, result.output
    return result


def start(*arguments: str | Path) -> subprocess.Popen[str]:
    """``python cli.py ARGUMENTS...`` in a new session, its output captured."""
    return subprocess.Popen(
        [sys.executable, str(ROOT / "cli.py"), *map(str, arguments)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def finish(process: subprocess.Popen[str]) -> tuple[int, str, str]:
    """Wait for a process (failing the test on a hang): (exit code, stdout, stderr)."""
    try:
        stdout, stderr = process.communicate(timeout=LIMIT_S)
    except subprocess.TimeoutExpired:
        kill(process)
        raise AssertionError(f"{process.args} did not finish within {LIMIT_S:.0f} s") from None
    return process.returncode, stdout, stderr


def cli(*arguments: str | Path) -> tuple[int, str, str]:
    """Run ``python cli.py ARGUMENTS...`` to the end: (exit code, stdout, stderr)."""
    return finish(start(*arguments))


def kill(process: subprocess.Popen[str]) -> None:
    """SIGKILL the process and everything in its session; reap it."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.communicate()


def wait_until(
    process: subprocess.Popen[str], condition: Callable[[], bool], seconds: float = LIMIT_S
) -> bool:
    """Poll ``condition`` until it holds (True) or the process ends first (False)."""
    deadline = time.monotonic() + seconds
    while not condition():
        if process.poll() is not None:
            return False
        assert time.monotonic() < deadline, "the condition never held"
        time.sleep(0.005)
    return True


def wait_for(process: subprocess.Popen[str], seconds: float) -> bool:
    """Sleep ``seconds`` or until the process ends: whether it is still running."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.005)
    return process.poll() is None


def saved(out: Path) -> list[Path]:
    """The replications saved in a results directory, as finished (values files)."""
    return sorted(out.glob("replications/*/*.parquet"))


def one_line(text: str) -> str:
    """Command output with rich's line wrapping undone."""
    return " ".join(text.split())
