"""The simulations staffing runs: replications that keep a pool's calls or an area's incidents.

:func:`simulate_calls` keeps the calls of a handler pool's queues
(:class:`PoolCalls`), :func:`simulate_incidents` the grade 1 and grade 2
incidents of one response area (:class:`AreaIncidents`); both run the
scenario's seed, replication ``r`` with the same random numbers in every
staffing tried.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

import numpy as np

from sim.config import SECONDS_PER_MINUTE, Scenario
from sim.model.replication import run_replication
from sim.model.response import GRADE1, GRADE2


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


def simulate_pool(
    scenario: Scenario, replication: int, seed: int, refs: Sequence[str]
) -> PoolCalls:
    """Run one replication and keep the calls of the given queues."""
    output = run_replication(scenario, replication, seed)
    calls = output.calls
    names = np.array([f"{f}/{c}" for f, c in output.queues], dtype=object)
    keep = np.isin(names[calls["queue"]], list(refs))
    wait = (calls["answered_s"] - calls["arrival_s"])[keep]
    targets = np.asarray(output.targets_s)[calls["queue"][keep]]
    answered = (calls["outcome"] == 0)[keep]
    return PoolCalls(
        replication=replication,
        horizon_s=output.horizon_s,
        arrival_s=calls["arrival_s"][keep],
        busy_s=(calls["talk_s"] + calls["wrap_s"])[keep],
        wait_s=wait,
        answered=answered,
        abandoned=(calls["outcome"] == 1)[keep],
        within=answered & (wait <= targets),
        attempt=calls["attempt"][keep],
        ref=names[calls["queue"][keep]],
    )


def simulate_calls(
    scenario: Scenario, refs: Sequence[str], replications: int, workers: int
) -> list[PoolCalls]:
    """``replications`` replications (0, 1, ...) with the scenario's seed, in order."""
    seeds = [scenario.seed] * replications
    runs = range(replications)
    args = ([scenario] * replications, runs, seeds, [tuple(refs)] * replications)
    if workers <= 1 or replications <= 1:
        return [simulate_pool(*a) for a in zip(*args, strict=True)]
    with ProcessPoolExecutor(max_workers=min(workers, replications)) as pool:
        return list(pool.map(simulate_pool, *args))


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


def simulate_area(
    scenario: Scenario, replication: int, seed: int, where: tuple[str, str]
) -> AreaIncidents:
    """Run one replication and keep the incidents of area ``(force, area)``."""
    output = run_replication(scenario, replication, seed)
    index = next(i for i, a in enumerate(output.areas) if (a.force, a.area_id) == where)
    inc = output.incidents
    keep = (inc["area"] == index) & np.isin(inc["grade"], (GRADE1, GRADE2))
    arrived = np.where(inc["arrived"] <= output.end_s, inc["arrived"], np.nan)
    dispatched = np.where(inc["dispatched"] <= output.end_s, inc["dispatched"], np.nan)
    jobs = output.assignments
    here = inc["area"][jobs["incident"]] == index
    here &= np.isin(inc["grade"][jobs["incident"]], (GRADE1, GRADE2))
    return AreaIncidents(
        replication=replication,
        horizon_s=output.horizon_s,
        ready_s=inc["graded_at"][keep],
        grade=inc["grade"][keep],
        attendance_min=((arrived - inc["graded_at"]) / SECONDS_PER_MINUTE)[keep],
        dispatch_min=((dispatched - inc["graded_at"]) / SECONDS_PER_MINUTE)[keep],
        job_start_s=jobs["start"][here],
        job_end_s=np.minimum(jobs["end"][here], output.end_s),
    )


def simulate_incidents(
    scenario: Scenario, where: tuple[str, str], replications: int, workers: int
) -> list[AreaIncidents]:
    """``replications`` replications (0, 1, ...) with the scenario's seed, in order."""
    args = (
        [scenario] * replications,
        range(replications),
        [scenario.seed] * replications,
        [where] * replications,
    )
    if workers <= 1 or replications <= 1:
        return [simulate_area(*a) for a in zip(*args, strict=True)]
    with ProcessPoolExecutor(max_workers=min(workers, replications)) as pool:
        return list(pool.map(simulate_area, *args))
