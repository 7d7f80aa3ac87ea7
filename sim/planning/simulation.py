"""The simulations staffing verification asks for, through the one run pipeline.

Staffing verification simulates trial rosters (:class:`sim.planning.search.TrialRunner`)
and looks at each interval of the week. It keeps only what it needs of each
replication -- the calls at one
handler pool's queues, or one area's grade 1 and 2 incidents and unit jobs --
by passing a reducer to :func:`sim.runs.pipeline.simulate`, which owns
replication numbers, seeds, retries and the executor (this process, worker
processes or a Dask cluster: ``demandsim staff --workers/--scheduler``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from sim.config import SECONDS_PER_MINUTE, Scenario
from sim.model.records import CallOutcome, Grade
from sim.model.replication import ReplicationOutput
from sim.runs.executors import Executor


@dataclass(frozen=True)
class PoolCalls:
    """The calls of one replication at the pool's queues (all attempts, warm-up included).

    Times in seconds from Monday 00:00 of the measured period.
    """

    replication: int
    horizon_s: float
    arrival_s: np.ndarray
    busy_s: np.ndarray  # talk plus wrap-up
    wait_s: np.ndarray  # arrival to answer; NaN if not answered
    answered: np.ndarray
    abandoned: np.ndarray
    within: np.ndarray  # answered within the channel's answer target
    attempt: np.ndarray  # 0 for a first call, 1, 2, ... for redials
    ref: np.ndarray  # "force/channel" of each call


@dataclass(frozen=True)
class PoolCallsReducer:
    """Keep the calls of the given queues (``force/channel``) of one replication."""

    refs: tuple[str, ...]

    def __call__(self, output: ReplicationOutput, scenario: Scenario) -> PoolCalls:
        """The pool's calls of this replication."""
        calls = output.calls
        names = np.array([f"{f}/{c}" for f, c in output.queues], dtype=object)
        keep = np.isin(names[calls.queue], list(self.refs))
        wait = calls.answer_wait_s[keep]
        targets = np.asarray(output.targets_s)[calls.queue[keep]]
        answered = (calls.outcome == CallOutcome.ANSWERED)[keep]
        return PoolCalls(
            replication=output.replication,
            horizon_s=output.horizon_s,
            arrival_s=calls.arrival_s[keep],
            busy_s=(calls.talk_s + calls.wrap_s)[keep],
            wait_s=wait,
            answered=answered,
            abandoned=(calls.outcome == CallOutcome.ABANDONED)[keep],
            within=answered & (wait <= targets),
            attempt=calls.attempt[keep],
            ref=names[calls.queue[keep]],
        )


def simulate_calls(
    scenario: Scenario,
    refs: Sequence[str],
    replications: int,
    executor: Executor | None = None,
    seed: int | None = None,
) -> list[PoolCalls]:
    """``replications`` replications (0, 1, ...) of ``seed`` (default the scenario's), in order."""
    from sim.runs.pipeline import simulate  # here: the reducers above go to workers without it

    update = {"replications": replications} | ({} if seed is None else {"seed": seed})
    runs = simulate(
        [scenario.model_copy(update=update)],
        PoolCallsReducer(tuple(refs)),
        executor,
        name=f"{scenario.name} staffing",
    )
    return runs[scenario.name]


@dataclass(frozen=True)
class AreaIncidents:
    """One replication's grade 1 and grade 2 incidents in the area, and its unit jobs.

    Times in seconds from Monday 00:00 of the measured period; attendance and
    dispatch delay in minutes (NaN: not attended, or not dispatched, by the end).
    """

    replication: int
    horizon_s: float
    ready_s: np.ndarray  # graded (ready for a unit)
    grade: np.ndarray
    attendance_min: np.ndarray
    dispatch_min: np.ndarray
    job_start_s: np.ndarray  # unit assignments on the area's incidents
    job_end_s: np.ndarray


@dataclass(frozen=True)
class AreaIncidentsReducer:
    """Keep the grade 1 and 2 incidents and unit jobs of area ``(force, area)``."""

    where: tuple[str, str]

    def __call__(self, output: ReplicationOutput, scenario: Scenario) -> AreaIncidents:
        """The area's incidents of this replication."""
        index = next(i for i, a in enumerate(output.areas) if (a.force, a.area_id) == self.where)
        inc = output.incidents
        keep = (inc.area == index) & np.isin(inc.grade, (Grade.GRADE1, Grade.GRADE2))
        arrived = np.where(inc.arrived <= output.end_s, inc.arrived, np.nan)
        dispatched = np.where(inc.dispatched <= output.end_s, inc.dispatched, np.nan)
        jobs = output.assignments
        here = inc.area[jobs.incident] == index
        here &= np.isin(inc.grade[jobs.incident], (Grade.GRADE1, Grade.GRADE2))
        return AreaIncidents(
            replication=output.replication,
            horizon_s=output.horizon_s,
            ready_s=inc.graded_at[keep],
            grade=inc.grade[keep],
            attendance_min=((arrived - inc.graded_at) / SECONDS_PER_MINUTE)[keep],
            dispatch_min=((dispatched - inc.graded_at) / SECONDS_PER_MINUTE)[keep],
            job_start_s=jobs.start_s[here],
            job_end_s=np.minimum(jobs.end_s[here], output.end_s),
        )


def simulate_incidents(
    scenario: Scenario,
    where: tuple[str, str],
    replications: int,
    executor: Executor | None = None,
    seed: int | None = None,
) -> list[AreaIncidents]:
    """``replications`` replications (0, 1, ...) of ``seed`` (default the scenario's), in order."""
    from sim.runs.pipeline import simulate  # here: the reducers above go to workers without it

    update = {"replications": replications} | ({} if seed is None else {"seed": seed})
    runs = simulate(
        [scenario.model_copy(update=update)],
        AreaIncidentsReducer(where),
        executor,
        name=f"{scenario.name} unit staffing",
    )
    return runs[scenario.name]
