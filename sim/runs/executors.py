"""Where replications run: in this process, in local worker processes, or on Dask.

Every executor runs the same function on the same arguments and yields one
:class:`Attempt` per job as it finishes, in whatever order they finish. A job
that raises does not stop the others: the exception is caught where it happens
(in the worker) and comes back as an attempt with the error and its traceback.
A lost worker (a killed process, a dead Dask worker) comes back the same way,
for the jobs it took down. What to do about failures -- retry, report -- is the
caller's business (:func:`sim.runs.pipeline.run_plan`).

Results do not depend on the executor: a replication is a pure function of its
scenario, replication number and seed.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import re
import signal
import threading
import time
import traceback
from collections.abc import Callable, Hashable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Protocol

from sim.config import InputError, Problem

log = logging.getLogger(__name__)

#: How long to try to reach a Dask scheduler, and to wait for it to have a worker (seconds).
DASK_CONNECT_TIMEOUT_S = 15.0
DASK_WORKERS_TIMEOUT_S = 60.0


@dataclass(frozen=True)
class Job:
    """One call of the task function: an identifying key and the arguments."""

    key: Hashable
    args: tuple[Any, ...]


@dataclass(frozen=True)
class Attempt:
    """The outcome of one job: its result, or the error and traceback that stopped it."""

    key: Hashable
    result: Any = None
    error: str | None = None
    traceback: str | None = None

    @property
    def ok(self) -> bool:
        """Whether the job finished."""
        return self.error is None


def guarded(function: Callable[..., Any], key: Hashable, *args: Any) -> Attempt:
    """Run ``function(*args)`` and wrap its result, or the exception it raised, in an Attempt.

    Runs in the worker, so that the traceback is the worker's own.
    """
    try:
        return Attempt(key, function(*args))
    except Exception as exc:
        return Attempt(key, None, f"{type(exc).__name__}: {exc}", traceback.format_exc())


class Executor(Protocol):
    """Something that runs jobs and yields their attempts as they finish."""

    description: str

    def run(self, function: Callable[..., Any], jobs: Sequence[Job]) -> Iterator[Attempt]:
        """Run ``function`` on every job; yield attempts in the order they finish."""
        ...

    def __enter__(self) -> Executor: ...

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        trace: TracebackType | None,
    ) -> None: ...


class SequentialExecutor:
    """Run jobs one after another in this process (``--workers 1``)."""

    description = "this process"

    def __enter__(self) -> SequentialExecutor:
        return self

    def __exit__(self, *exc_info: object) -> None:
        return None

    def run(self, function: Callable[..., Any], jobs: Sequence[Job]) -> Iterator[Attempt]:
        """Run each job in turn."""
        for job in jobs:
            yield guarded(function, job.key, *job.args)


def _ignore_interrupts() -> None:
    """Worker initialiser: Ctrl-C is for the parent, which stops the workers itself."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


class ProcessExecutor:
    """Run jobs in a pool of local worker processes.

    Workers are started through a fork server (never by forking the parent,
    which may hold threads such as the progress bar's), with ``sim.runs.replicate``
    preloaded. If a worker process dies, the jobs the pool lost come back as
    failed attempts and a fresh pool is started for the next call of ``run``.

    Parameters
    ----------
    workers
        Worker processes.
    """

    def __init__(self, workers: int):
        self.workers = max(1, int(workers))
        self.description = f"{self.workers} local worker processes"
        self._pool: ProcessPoolExecutor | None = None
        self._warming: threading.Thread | None = None

    def __enter__(self) -> ProcessExecutor:
        # The workers start now, on a thread (the fork server takes a second or
        # two to import the model), so that what the caller does before its
        # first run -- staff's analytic estimate, say -- overlaps their start-up.
        self._warming = threading.Thread(target=self._warm_up, name="worker start", daemon=True)
        self._warming.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, *rest: object) -> None:
        self._shutdown(interrupted=kind is not None)

    def _warm_up(self) -> None:
        """Start the pool and one worker per slot (a no-op job each)."""
        try:
            pool = self._start()
            for _ in range(self.workers):
                pool.submit(int)
        except Exception:  # the first run starts the pool again and reports what fails
            log.debug("starting the worker processes early failed", exc_info=True)
            pool, self._pool = self._pool, None
            if pool is not None:
                pool.shutdown(wait=False, cancel_futures=True)

    def _warmed(self) -> None:
        """Wait for the start-up begun on entering, if any."""
        warming, self._warming = self._warming, None
        if warming is not None:
            warming.join()

    def _start(self) -> ProcessPoolExecutor:
        if self._pool is None:
            method = (
                "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else None
            )
            context = multiprocessing.get_context(method)
            if method == "forkserver":
                context.set_forkserver_preload(["sim.runs.replicate"])
            self._pool = ProcessPoolExecutor(
                max_workers=self.workers, mp_context=context, initializer=_ignore_interrupts
            )
        return self._pool

    def _shutdown(self, interrupted: bool) -> None:
        self._warmed()
        pool, self._pool = self._pool, None
        if pool is None:
            return
        if interrupted:
            # Do not wait for running replications: stop the workers now. Whatever
            # they were running was never written, so the directory stays consistent.
            processes = list(getattr(pool, "_processes", {}).values())
            pool.shutdown(wait=False, cancel_futures=True)
            for process in processes:
                if process.is_alive():
                    process.terminate()
        else:
            pool.shutdown(wait=True)

    def run(self, function: Callable[..., Any], jobs: Sequence[Job]) -> Iterator[Attempt]:
        """Submit every job to the pool; yield attempts as they finish."""
        self._warmed()
        pool = self._start()
        futures: dict[Future[Attempt], Job] = {
            pool.submit(guarded, function, job.key, *job.args): job for job in jobs
        }
        broken = False
        try:
            for future in as_completed(futures):
                job = futures[future]
                try:
                    yield future.result()
                except BrokenProcessPool as exc:
                    broken = True
                    yield Attempt(job.key, None, f"worker process lost: {exc}", None)
                except Exception as exc:  # e.g. a result that cannot be unpickled
                    yield Attempt(job.key, None, f"{type(exc).__name__}: {exc}", None)
        finally:
            for future in futures:
                future.cancel()
            if broken:
                log.warning("a worker process died; starting a new pool")
                self._shutdown(interrupted=True)


class ClusterLostError(InputError):
    """The Dask cluster stopped answering part-way: no worker alive, or the scheduler lost.

    Bad input rather than a bug (exit 2): the address or the cluster is at fault,
    and the replications finished before it are kept for ``--resume``.
    """


#: A Dask scheduler address: an optional protocol, a host name, IPv4 or [IPv6] address, a port.
_SCHEDULER_ADDRESS = re.compile(
    r"^(?:(?:tcp|tls|ucx|ws|wss)://)?(?:[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?|\[[0-9A-Fa-f:.]+\])"
    r":(\d{1,5})$"
)


def malformed_scheduler(address: str) -> list[Problem]:
    """Problems with the shape of a ``--scheduler`` address (none if it may be one).

    Checked before connecting: Dask takes its whole time-out to give up on an
    address that could never be reached, such as one without a port.
    """
    match = _SCHEDULER_ADDRESS.match(address)
    if match and 0 < int(match.group(1)) < 65536:
        return []
    return _scheduler_problem(address, "is not a scheduler address (PROTOCOL://HOST:PORT)")


def _scheduler_problem(address: str, problem: str) -> list[Problem]:
    return [
        Problem(
            "--scheduler",
            address,
            f"{problem}; expected the address of a running Dask scheduler with workers, "
            "e.g. tcp://10.0.0.5:8786",
        )
    ]


class DaskExecutor:
    """Run jobs on an existing Dask distributed cluster (``--scheduler tcp://HOST:PORT``).

    Each job is one Dask task. The cluster's workers need demandsim installed
    (the same version: the manifest records this machine's versions). Dask
    itself moves tasks off a worker that dies; a task that still cannot finish
    comes back as a failed attempt. Nothing waits for ever: connecting gives
    up after ``connect_timeout_s`` (also when something not Dask answers on
    the port), and a run ends with :class:`ClusterLostError` when the scheduler is
    lost or no worker has been alive for ``workers_timeout_s``.

    Parameters
    ----------
    address
        The scheduler's address.
    connect_timeout_s
        How long to try to reach the scheduler, seconds (default
        ``DASK_CONNECT_TIMEOUT_S``).
    workers_timeout_s
        How long to wait for the cluster to have at least one worker, at the
        start and whenever it has none, seconds (default ``DASK_WORKERS_TIMEOUT_S``).
    """

    #: How often a run checks the cluster while no replication finishes, seconds.
    poll_s = 0.2

    def __init__(
        self,
        address: str,
        connect_timeout_s: float | None = None,
        workers_timeout_s: float | None = None,
    ):
        self.address = address
        self.description = f"Dask cluster at {address}"
        self.connect_timeout_s = (
            DASK_CONNECT_TIMEOUT_S if connect_timeout_s is None else connect_timeout_s
        )
        self.workers_timeout_s = (
            DASK_WORKERS_TIMEOUT_S if workers_timeout_s is None else workers_timeout_s
        )
        self._client: Any = None

    def _connect(self) -> Any:
        """A client of the scheduler, or InputError; never waits past the connect time-out.

        Dask's own time-out covers reaching the port, not the handshake: a
        server that accepts the connection and says nothing (not Dask) would
        hold ``Client()`` for ever, so it is made in a thread that is waited
        for only so long.
        """
        from dask.distributed import Client  # imported only when a cluster is asked for

        made: dict[str, Any] = {}

        def connect() -> None:
            try:
                made["client"] = Client(
                    self.address, timeout=self.connect_timeout_s, set_as_default=False
                )
            except BaseException as exc:  # reported below, in the caller
                made["error"] = exc

        thread = threading.Thread(target=connect, name="dask-connect", daemon=True)
        thread.start()
        thread.join(self.connect_timeout_s + 1.0)
        if "client" in made:
            return made["client"]
        if thread.is_alive():
            problem = (
                f"did not answer as a Dask scheduler within {self.connect_timeout_s:g} s "
                "(something else on that port?)"
            )
        else:
            exc = made.get("error")
            problem = f"cannot connect ({type(exc).__name__}: {str(exc)[:200]})"
            if isinstance(exc, MemoryError):
                problem = "answered, but not as a Dask scheduler (something else on that port?)"
        raise InputError(_scheduler_problem(self.address, problem))

    def __enter__(self) -> DaskExecutor:
        self._client = self._connect()
        try:
            self._client.wait_for_workers(1, timeout=self.workers_timeout_s)
        except (OSError, TimeoutError) as exc:
            self._client.close()
            self._client = None
            raise InputError(
                _scheduler_problem(
                    self.address, f"has no workers after {self.workers_timeout_s:g} s ({exc})"
                )
            ) from None
        workers = len(self._client.scheduler_info().get("workers", {}))
        self.description = f"Dask cluster at {self.address} ({workers} workers)"
        return self

    def __exit__(self, *exc_info: object) -> None:
        client, self._client = self._client, None
        if client is not None:
            try:
                client.close(timeout=self.connect_timeout_s)
            except Exception as exc:  # a lost scheduler cannot be told goodbye
                log.info("closing the Dask client: %s", exc)

    def _lost(self, what: str) -> ClusterLostError:
        return ClusterLostError(_scheduler_problem(self.address, what))

    def _check_alive(self, client: Any, no_workers_since: float | None) -> float | None:
        """Raise ClusterLostError if the scheduler is gone or long workerless.

        Returns when the cluster was first seen without workers (None if it has some).
        """
        if client.status != "running":
            raise self._lost(f"the scheduler was lost ({client.status})")
        workers = client.scheduler_info().get("workers", {})
        if workers:
            return None
        now = time.monotonic()
        if no_workers_since is None:
            return now
        if now - no_workers_since > self.workers_timeout_s:
            raise self._lost(f"has had no worker alive for {self.workers_timeout_s:g} s")
        return no_workers_since

    def run(self, function: Callable[..., Any], jobs: Sequence[Job]) -> Iterator[Attempt]:
        """Submit every job as a Dask task; yield attempts as they finish.

        Raises
        ------
        ClusterLostError
            If the scheduler is lost, or no worker is alive for ``workers_timeout_s``.
        """
        from dask.distributed import as_completed as dask_completed

        client = self._client
        assert client is not None, "use DaskExecutor as a context manager"
        if not jobs:
            return
        self._check_alive(client, None)
        tag = os.urandom(4).hex()
        futures = {}
        for i, job in enumerate(jobs):
            future = client.submit(
                guarded, function, job.key, *job.args, pure=False, key=f"demandsim-{tag}-{i}"
            )
            futures[future.key] = (future, job)
        finished = dask_completed([f for f, _ in futures.values()], loop=client.loop)
        no_workers_since: float | None = None
        try:
            while not finished.is_empty():
                if not finished.has_ready():
                    time.sleep(self.poll_s)
                    no_workers_since = self._check_alive(client, no_workers_since)
                    continue
                for future in finished.next_batch(block=False):
                    job = futures[future.key][1]
                    try:
                        # Ready, so at once; but a scheduler lost meanwhile would block for ever.
                        attempt = future.result(timeout=self.workers_timeout_s)
                    except Exception as exc:  # KilledWorker, CancelledError, lost connection
                        if isinstance(exc, TimeoutError):  # the result never came back
                            if client.status == "running" and not client.scheduler_info().get(
                                "workers"
                            ):
                                raise self._lost(
                                    f"has had no worker alive for {self.workers_timeout_s:g} s"
                                ) from None
                            raise self._lost(f"the scheduler was lost ({client.status})") from None
                        if client.status != "running" or "connection-lost" in str(exc):
                            raise self._lost(f"the scheduler was lost ({client.status})") from None
                        attempt = Attempt(
                            job.key, None, f"lost on the cluster: {type(exc).__name__}: {exc}"
                        )
                    yield attempt
        finally:
            if client.status == "running":
                client.cancel([f for f, _ in futures.values()])
