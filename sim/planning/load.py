"""Offered load, computed from the scenario: Erlangs per handler pool and per response area.

The *offered load* of a team at time ``t`` is the expected number of jobs that
would be in progress if every job started the moment it arrived: the
infinite-server load ``m(t)`` of Feldman, Mandelbaum, Massey and Whitt (2008),
which lags the arrival rate by the length of a job. Here it is computed, not
sampled: the expected arrival rate (profile and surges; day-to-day busyness has
mean 1) on a one-minute grid, convolved with the chance that a job which
arrived ``k`` minutes ago is in progress, from stratified quantiles of the
configured distributions; then averaged over each staffing interval of the
measured weeks (at least one whole week, so a run shorter than a week still
has a load in every interval).

* A handler pool (:func:`expected_offered_load`): the first attempts at its
  queues, each busy for talk plus wrap-up from its arrival. Redials depend on
  the staffing and are added by :mod:`sim.planning.staffing`.
* A response area (:func:`area_offered_load`): the grade 1 and grade 2
  incidents located there, each ready after the call's grading delay (an
  online report after its desk review, an escalated call-back after the
  call-back), then busy for the dispatch decision, travel and the grade's
  on-scene time. Taken as if every call were answered and every unit free:
  the queues in front (abandonment, the desk and resolution teams' own waits)
  and help from neighbours are left to the simulation that verifies the
  staffing.

:func:`sipp_loads` gives the period-by-period baseline (rate times mean job,
no lag) for a pool.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from scipy.special import ndtri

from sim.config import (
    MINUTES_PER_WEEK,
    SECONDS_PER_MINUTE,
    SECONDS_PER_WEEK,
    ConstantTime,
    ExponentialTime,
    LognormalTime,
    Scenario,
)
from sim.metrics.windows import in_period, interval_of
from sim.model.demand import rate_segments
from sim.units import SECONDS_PER_HOUR

if TYPE_CHECKING:
    from sim.config import Channel, OnlineChannel
    from sim.planning.area import AreaSetup
    from sim.planning.pool import PoolSetup

#: Stratified samples per distribution.
SAMPLES = 200_000

_Duration = ExponentialTime | LognormalTime | ConstantTime


def duration_quantiles(distribution: _Duration, u: np.ndarray) -> np.ndarray:
    """Quantiles (seconds) of a configured duration at probabilities ``u``."""
    if isinstance(distribution, ExponentialTime):
        return -distribution.mean_s * np.log1p(-u)
    if isinstance(distribution, LognormalTime):
        mu, sigma = distribution.log_params()
        return np.exp(mu + sigma * ndtri(u))
    return np.full(u.size, float(distribution.value_s))


def _stratified(
    parts: Sequence[_Duration | float], samples: int = SAMPLES, seed: int = 20080201
) -> np.ndarray:
    """Samples (seconds) of a sum of independent durations: stratified, each part shuffled."""
    generator = np.random.default_rng(seed)
    u = (np.arange(samples) + 0.5) / samples
    total = np.zeros(samples)
    for i, part in enumerate(parts):
        if isinstance(part, (int, float)):
            total += float(part)
            continue
        values = duration_quantiles(part, u)
        total += values if i == 0 else generator.permutation(values)
    return total


@dataclass(frozen=True)
class _Grid:
    """Minutes from a day before the first measured week's warm-up to the end of the run."""

    edges_s: np.ndarray  # minute edges, seconds
    horizon_s: float

    @classmethod
    def of(cls, scenario: Scenario) -> _Grid:
        horizon_s = max(scenario.horizon_s, float(SECONDS_PER_WEEK))
        first = -MINUTES_PER_WEEK - 24 * 60
        last = math.ceil(horizon_s / SECONDS_PER_MINUTE)
        return cls(np.arange(first, last + 1) * float(SECONDS_PER_MINUTE), horizon_s)

    def arrivals(self, channel: Channel | OnlineChannel, scale: float = 1.0) -> np.ndarray:
        """Expected arrivals in each minute."""
        edges, rates = rate_segments(channel, self.edges_s[0], self.edges_s[-1])  # type: ignore[arg-type]
        cumulative = np.concatenate([[0.0], np.cumsum(rates * np.diff(edges))])
        return scale * np.diff(np.interp(self.edges_s, edges, cumulative))

    def fold(self, per_minute: np.ndarray, interval_minutes: int) -> np.ndarray:
        """Mean over the measured minutes of each interval of the week."""
        measured = in_period(self.edges_s[:-1], self.horizon_s)
        slot = interval_of(self.edges_s[:-1][measured], interval_minutes)
        intervals = MINUTES_PER_WEEK // interval_minutes
        total = np.bincount(slot, weights=per_minute[measured], minlength=intervals)
        count = np.bincount(slot, minlength=intervals)
        return np.divide(total, count, out=np.zeros(intervals), where=count > 0)


def _beyond(points: np.ndarray, lags: np.ndarray) -> np.ndarray:
    """``mean(max(points - k, 0))`` for every lag ``k``, from sorted ``points``."""
    above = np.searchsorted(points, lags, side="right")
    tail = np.concatenate([np.cumsum(points[::-1])[::-1], [0.0]])
    return (tail[above] - lags * (points.size - above)) / points.size


def _in_progress(arrivals: np.ndarray, start_s: np.ndarray, end_s: np.ndarray) -> np.ndarray:
    """Expected jobs in progress per minute: arrivals convolved with time in progress.

    A job arriving at mid-minute is in progress from ``start_s`` to ``end_s``
    after it (samples, seconds); ``overlap[k]``, its expected time in progress
    within the ``k``-th following minute, is ``E[clip(end - k, 0, 1) - clip(start - k, 0, 1)]``
    (in minutes from the start of the arrival's minute).
    """
    starts = 0.5 + np.sort(start_s) / SECONDS_PER_MINUTE
    ends = 0.5 + np.sort(end_s) / SECONDS_PER_MINUTE
    lags = np.arange(math.ceil(np.quantile(ends, 1 - 1e-5)) + 2, dtype=float)

    def within_minute(points: np.ndarray) -> np.ndarray:
        return _beyond(points, lags) - _beyond(points, lags + 1.0)

    overlap = within_minute(ends) - within_minute(starts)
    # Zero-padded to a power of two: FFT lengths with large prime factors are slow.
    size = 1 << (arrivals.size + overlap.size - 2).bit_length()
    spectrum = np.fft.rfft(arrivals, size) * np.fft.rfft(overlap, size)
    return np.fft.irfft(spectrum, size)[: arrivals.size]


def expected_offered_load(setup: PoolSetup, samples: int = SAMPLES) -> np.ndarray:
    """Offered load of a pool's first call attempts per interval of the week, Erlangs.

    Each call is busy for talk plus wrap-up from its arrival. This is the
    expectation an ample-staff simulation estimates, without its noise: a few
    replications leave each interval's simulated load several percent off.
    """
    grid = _Grid.of(setup.scenario)
    in_service = np.zeros(grid.edges_s.size - 1)
    for q in setup.queues:
        busy = _stratified([q.config.handling, q.config.wrap_up], samples)
        in_service += _in_progress(grid.arrivals(q.config), np.zeros(samples), busy)
    return grid.fold(in_service, setup.interval_minutes)


@dataclass(frozen=True)
class AreaLoad:
    """An area's computed load: per interval, and the mean job."""

    load: np.ndarray  # Erlangs: grade 1 and 2 incidents with a unit on them
    per_hour: np.ndarray  # grade 1 and 2 incidents ready per hour
    job_s: float  # mean job: decision, travel and on scene, seconds


def area_offered_load(setup: AreaSetup, samples: int = SAMPLES) -> AreaLoad:
    """Offered load of an area's units per interval of the week, from demand, grading and jobs.

    See the module docstring for what is counted; a job runs from the
    incident being ready (graded) for the decision time, travel and the
    grade's on-scene time.
    """
    scenario = setup.scenario
    force = scenario.forces[setup.force_id]
    area = force.areas[setup.area_id]
    response = force.response
    grid = _Grid.of(scenario)
    minutes = grid.edges_s.size - 1
    load = np.zeros(minutes)
    ready = np.zeros(minutes)
    work, rate = 0.0, 0.0
    if response is None:
        return AreaLoad(np.zeros(setup.intervals), np.zeros(setup.intervals), 1.0)
    on_scene = {"grade1": response.on_scene.grade1, "grade2": response.on_scene.grade2}
    # (arrivals per minute, delay to ready, share to each grade) per source of incidents.
    sources: list[tuple[np.ndarray, list[_Duration | float], dict[str, float]]] = []
    for channel in force.channels.values():
        shares = {"grade1": channel.grading.grade1, "grade2": channel.grading.grade2}
        sources.append((grid.arrivals(channel), [channel.grading_delay], shares))
        team = force.resolution
        if team is not None and channel.grading.resolution > 0:
            delay: list[_Duration | float] = [channel.grading_delay, team.callback]
            escalated = {"grade2": channel.grading.resolution * team.escalation.grade2}
            sources.append((grid.arrivals(channel), delay, escalated))
    if force.online is not None:
        review = force.online.desk_review
        delay = [review.review] if review is not None else [0.0]
        shares = {"grade1": force.online.grading.grade1, "grade2": force.online.grading.grade2}
        sources.append((grid.arrivals(force.online), delay, shares))
    for arrivals, delay, shares in sources:
        wait = _stratified([*delay, 0.0], samples)
        for grade, share in shares.items():
            if share <= 0:
                continue
            here = arrivals * share * area.share
            parts = [response.decision_delay(grade), area.travel_for(grade), on_scene[grade]]
            job = _stratified(parts, samples)
            load += _in_progress(here, wait, wait + job)
            ready += _in_progress(here, wait, wait + SECONDS_PER_MINUTE)  # per minute
            mean_rate = float(here.mean())
            work += mean_rate * float(job.mean())
            rate += mean_rate
    per_hour = grid.fold(ready, setup.interval_minutes) * 60.0
    job_s = work / rate if rate > 0 else 1.0
    return AreaLoad(grid.fold(load, setup.interval_minutes), per_hour, job_s)


def sipp_loads(setup: PoolSetup) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Expected arrivals, offered load and handling time per interval, from the profile.

    Returns
    -------
    tuple of numpy.ndarray
        Calls per hour, offered load (Erlangs: rate times mean handling time,
        with no lag) and load-weighted mean handling time (seconds), one value
        per interval of the week. Surges and day-to-day busyness are left out.
    """
    minutes = np.arange(setup.intervals) * setup.interval_minutes
    hour = minutes // 60
    rates = np.zeros(setup.intervals)
    work = np.zeros(setup.intervals)
    for q in setup.queues:
        r = q.rates_per_s[hour]
        rates += r
        work += r * q.aht_s
    aht = np.where(rates > 0, work / np.where(rates > 0, rates, 1.0), setup.queues[0].aht_s)
    return rates * SECONDS_PER_HOUR, work, aht
