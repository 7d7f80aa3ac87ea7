"""A long-lived command-line worker for the property suite, and its client.

Thousands of cases cannot each pay for a fresh Python that imports pandas
(about 3 s here), yet a case that hangs or blows up its memory must not take
the test run with it. So one worker process per test module runs the cases one
after another, in process through Typer's test runner, under an address-space
limit (``RLIMIT_AS``); the client gives each case a time limit and, on a hang
or a crash, kills the worker's whole process group (worker processes of
``--workers N`` included) and starts a fresh one for the next case.

Protocol: one JSON object per line. The client writes ``{"argv": [...]}``; the
worker answers ``{"exit_code", "stdout", "stderr", "exception", "traceback"}``
(``exception`` is null, or the repr of what escaped the command other than
``SystemExit``).

Run as ``python -m tests.property.worker`` (the client does this).
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

#: The address-space limit of the worker, bytes. The worker itself (Python with numpy,
#: pandas, pyarrow, scipy, simpy, plotly imported) reserves about 1.5 GB of address space;
#: a case may use about 2.5 GB more before it fails with MemoryError or is killed.
MEMORY_LIMIT_BYTES = 4 * 1024**3

#: Seconds a case may take before it counts as a hang. The slowest legitimate case (a
#: one-day run of the two-force scenario, or a report) takes 1 to 3 s here when the
#: machine is idle; the limit leaves room for a machine shared with other work.
TIME_LIMIT_S = 60.0


@dataclass(frozen=True)
class Outcome:
    """What one case did.

    ``kind`` is ``"done"`` (the command returned or exited), ``"hang"`` (no answer
    within the time limit) or ``"crash"`` (the worker died: killed by the memory
    limit, a segfault...). ``seconds`` is wall-clock time.
    """

    kind: str
    exit_code: int | None
    stdout: str
    stderr: str
    exception: str | None
    traceback: str | None
    seconds: float

    @property
    def text(self) -> str:
        return self.stdout + self.stderr


class CliWorker:
    """The client: runs command-line cases in a worker process, restarting it when needed.

    Parameters
    ----------
    workdir
        The worker's current directory (relative paths in a case resolve there).
    time_limit_s
        Seconds per case before it is a hang.
    memory_limit_bytes
        The worker's ``RLIMIT_AS``.
    """

    def __init__(
        self,
        workdir: Path,
        time_limit_s: float = TIME_LIMIT_S,
        memory_limit_bytes: int = MEMORY_LIMIT_BYTES,
    ) -> None:
        self.workdir = workdir
        self.time_limit_s = time_limit_s
        self.memory_limit_bytes = memory_limit_bytes
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0
        self._log = workdir / "worker-stderr.log"

    def _start(self) -> subprocess.Popen[bytes]:
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")])
        env["PROPERTY_MEMORY_LIMIT_BYTES"] = str(self.memory_limit_bytes)
        # One thread per numeric library: less address space reserved, and 2 cores.
        for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
            env[name] = "1"
        env.pop("COLUMNS", None)
        self.starts += 1
        with self._log.open("ab") as log:
            process = subprocess.Popen(
                [sys.executable, "-m", "tests.property.worker"],
                cwd=self.workdir,
                env=env,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=log,
                start_new_session=True,
            )
        ready = self._read_line(process, 120.0)
        if ready is None or json.loads(ready).get("ready") is not True:
            self._kill(process)
            raise RuntimeError(f"the property worker did not start; see {self._log}")
        return process

    @staticmethod
    def _read_line(process: subprocess.Popen[bytes], seconds: float) -> bytes | None:
        assert process.stdout is not None
        readable, _, _ = select.select([process.stdout], [], [], seconds)
        if not readable:
            return None
        line = process.stdout.readline()
        return line or None

    @staticmethod
    def _kill(process: subprocess.Popen[bytes]) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()

    def run(self, argv: list[str]) -> Outcome:
        """Run ``demandsim ARGV...`` in the worker; never raises for what the case does."""
        if self.process is None or self.process.poll() is not None:
            self.process = self._start()
        process = self.process
        assert process.stdin is not None
        started = time.monotonic()
        try:
            process.stdin.write(json.dumps({"argv": argv}).encode() + b"\n")
            process.stdin.flush()
            line = self._read_line(process, self.time_limit_s)
        except BrokenPipeError:
            line = None
        seconds = time.monotonic() - started
        if line is None:
            hung = process.poll() is None
            self._kill(process)
            self.process = None
            kind = "hang" if hung else "crash"
            return Outcome(kind, None, "", "", None, None, seconds)
        answer = json.loads(line)
        return Outcome(
            "done",
            answer["exit_code"],
            answer["stdout"],
            answer["stderr"],
            answer["exception"],
            answer["traceback"],
            seconds,
        )

    def close(self) -> None:
        if self.process is not None:
            self._kill(self.process)
            self.process = None


def _serve() -> None:
    """The worker's loop: read a case, run it through Typer's test runner, answer."""
    import resource
    import traceback

    limit = int(os.environ["PROPERTY_MEMORY_LIMIT_BYTES"])
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    answers = os.fdopen(os.dup(sys.stdout.fileno()), "w", encoding="utf-8")
    from typer.testing import CliRunner

    from cli import app

    runner = CliRunner()
    answers.write(json.dumps({"ready": True}) + "\n")
    answers.flush()
    for line in sys.stdin:
        case = json.loads(line)
        result = runner.invoke(app, case["argv"], catch_exceptions=True)
        escaped = result.exception
        if isinstance(escaped, SystemExit):
            escaped = None
        answer = {
            "exit_code": result.exit_code,
            "stdout": result.stdout,
            "stderr": result.stderr,
            "exception": None if escaped is None else repr(escaped),
            "traceback": None
            if escaped is None or result.exc_info is None
            else "".join(traceback.format_exception(*result.exc_info)),
        }
        answers.write(json.dumps(answer) + "\n")
        answers.flush()


if __name__ == "__main__":
    _serve()
