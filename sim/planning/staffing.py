"""How many call handlers are needed, interval by interval, to meet service targets.

Two requirements are computed for one handler pool, per interval of the week
(15, 30 or 60 minutes, Monday 00:00 first):

* **SIPP** (stationary independent period by period), the quick analytic
  baseline: each interval is treated as a stationary queue with the interval's
  expected arrival rate (from the scenario's profile) times the mean handling
  time, and staffed with the smallest number of handlers that Erlang C (callers
  never hang up) or Erlang A (exponential patience with the channel's mean
  patience) says meets every target.
* **FMMW**, the iterative staffing algorithm of Feldman, Mandelbaum, Massey and
  Whitt (Management Science 54(2), 2008): simulate with ample staff; read the
  time-varying *offered load* -- the mean number of calls that would be in
  service if every call were answered on arrival (the infinite-server load),
  which lags the arrival rate by the handling time -- from the simulated calls;
  staff each interval with the Erlang requirement at that load; simulate again
  with the new staffing (abandoned callers ring again, so the offered load
  depends on the staffing) and repeat until the staffing stops changing. The
  result is then verified by simulation: every interval's achieved figures get
  a 95% confidence interval across replications, and an interval whose
  interval lies wholly on the wrong side of a target gets one more handler and
  the verification is repeated (at most ``max_corrections`` times). This last
  step absorbs what the Erlang model leaves out (priority of 999 over 101,
  non-exponential handling and patience).

Targets are written ``metric:segment[:stat]<=|>=value``, e.g.
``answered_within_target:999>=90`` (% of offered calls answered within the
channel's answer target) or ``answer_time:101:p90<=120`` (seconds).

The requirement is in handlers *taking calls*; the rostered requirement adds
the pool's shrinkage back (``available = round(rostered * (1 - shrinkage))``).
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy.special import ndtri

from sim.analytic.erlang import SECONDS_PER_HOUR, QueueFigures, erlang_a_figures, smallest_meeting
from sim.config import (
    DAY_NAMES,
    MINUTES_PER_WEEK,
    SECONDS_PER_MINUTE,
    SECONDS_PER_WEEK,
    Channel,
    ConstantTime,
    ExponentialTime,
    InputError,
    LognormalTime,
    Problem,
    Roster,
    Scenario,
)
from sim.metrics.windows import in_period, interval_edges, interval_of
from sim.model.demand import hourly_rates_per_s, rate_segments
from sim.model.records import CallOutcome
from sim.model.replication import run_replication
from sim.runs.runner import t_interval

log = logging.getLogger(__name__)

#: Interval lengths a roster can hold, minutes.
INTERVAL_CHOICES = (15, 30, 60)
#: Percentile statistics a target may name, by name: the percentile (0..100).
PERCENTILE_STATS: dict[str, float] = {"p50": 50.0, "p90": 90.0, "p95": 95.0}


# --------------------------------------------------------------------------- targets


@dataclass(frozen=True)
class MetricSpec:
    """What a target on one metric may say: its statistics, direction and range."""

    unit: str
    stats: tuple[str, ...]
    default_stat: str
    direction: str  # the only sensible operator: ">=" for a share achieved, "<=" for a time
    low: float
    high: float
    low_inclusive: bool = True


#: Metrics a handler-pool target may name (DESIGN §3 metric names).
HANDLER_METRICS: dict[str, MetricSpec] = {
    "answered_within_target": MetricSpec("%", ("value",), "value", ">=", 0.0, 100.0, False),
    "abandoned": MetricSpec("%", ("value",), "value", "<=", 0.0, 100.0),
    "answer_time": MetricSpec("s", ("mean", *PERCENTILE_STATS), "mean", "<=", 0.0, 86_400.0, False),
}

_TARGET = re.compile(
    r"^\s*(?P<metric>[A-Za-z0-9_]+)\s*:\s*(?P<segment>[^:<>=\s]+)\s*"
    r"(?::\s*(?P<stat>[A-Za-z0-9_]+)\s*)?(?P<op><=|>=)\s*(?P<value>\S+)\s*$"
)

TARGET_FORM = "metric:segment[:stat]<=value or >=value, e.g. 'answered_within_target:999>=90'"


@dataclass(frozen=True)
class Target:
    """One service target: ``metric`` of ``segment`` (statistic ``stat``) ``op`` ``value``.

    ``value`` is in the metric's unit: % for ``answered_within_target`` and
    ``abandoned``, seconds for ``answer_time``.
    """

    metric: str
    segment: str
    stat: str
    op: str
    value: float
    unit: str

    def __str__(self) -> str:
        stat = "" if self.stat == "value" else f":{self.stat}"
        return f"{self.metric}:{self.segment}{stat}{self.op}{self.value:g}"

    def met(self, figure: float) -> bool:
        """Whether a figure meets the target (NaN -- no calls -- counts as met)."""
        if math.isnan(figure):
            return True
        return figure >= self.value if self.op == ">=" else figure <= self.value

    def missed_beyond_doubt(self, ci_low: float, ci_high: float, mean: float) -> bool:
        """Whether a confidence interval lies wholly on the wrong side of the target.

        With no interval (one replication, or no spread) the mean decides.
        """
        if math.isnan(mean):
            return False
        if math.isnan(ci_low) or math.isnan(ci_high):
            return not self.met(mean)
        return ci_high < self.value if self.op == ">=" else ci_low > self.value

    def met_within_ci(self, ci_low: float, ci_high: float, mean: float) -> bool:
        """Met, or missed only by less than the confidence interval can tell apart."""
        return not self.missed_beyond_doubt(ci_low, ci_high, mean)


def parse_target(text: str, metrics: dict[str, MetricSpec] = HANDLER_METRICS) -> Target:
    """Parse ``metric:segment[:stat]<=|>=value``.

    Parameters
    ----------
    text
        The target as typed after ``--target``.
    metrics
        The metrics allowed here and what each may say.

    Raises
    ------
    InputError
        Naming ``--target``, the text, what is wrong and what is expected.
    """

    def bad(message: str) -> InputError:
        return InputError([Problem("--target", repr(text), message)])

    match = _TARGET.match(text)
    if match is None:
        raise bad(f"cannot read this target; expected {TARGET_FORM}")
    metric, segment, stat, op = (match[g] for g in ("metric", "segment", "stat", "op"))
    spec = metrics.get(metric)
    if spec is None:
        raise bad(f"unknown metric '{metric}'; expected one of {', '.join(metrics)}")
    stat = stat or spec.default_stat
    if stat not in spec.stats:
        raise bad(f"{metric} has no statistic '{stat}'; expected one of {', '.join(spec.stats)}")
    if op != spec.direction:
        better = "higher" if spec.direction == ">=" else "lower"
        raise bad(f"{metric} is better {better}, so the target must use {spec.direction}")
    try:
        value = float(match["value"])
    except ValueError:
        raise bad(f"'{match['value']}' is not a number; expected a value in {spec.unit}") from None
    low_ok = value >= spec.low if spec.low_inclusive else value > spec.low
    if not (math.isfinite(value) and low_ok and value <= spec.high):
        low = "from" if spec.low_inclusive else "above"
        raise bad(
            f"value {match['value']} is out of range; expected {low} {spec.low:g} "
            f"to {spec.high:g} {spec.unit}"
        )
    return Target(metric, segment, stat, op, value, spec.unit)


# --------------------------------------------------------------------------- the pool


@dataclass(frozen=True)
class QueueInfo:
    """One (force, channel) queue a pool serves, with what Erlang needs of it."""

    force: str
    channel: str
    aht_s: float
    patience_s: float | None
    answer_target_s: float
    rates_per_s: np.ndarray  # expected rate per hour of the week (168), calls per second
    config: Channel


@dataclass(frozen=True)
class PoolSetup:
    """The pool being staffed and the targets, resolved against a scenario."""

    scenario: Scenario
    pool_id: str
    queues: tuple[QueueInfo, ...]
    targets: tuple[Target, ...]
    segments: dict[str, tuple[str, ...]]  # target segment -> "force/channel" refs
    interval_minutes: int

    @property
    def intervals(self) -> int:
        """Intervals in a week."""
        return MINUTES_PER_WEEK // self.interval_minutes

    def refs(self) -> list[str]:
        """``force/channel`` of every queue the pool serves."""
        return [f"{q.force}/{q.channel}" for q in self.queues]


def resolve_pool(
    scenario: Scenario, pool_id: str, targets: Sequence[Target], interval_minutes: int
) -> PoolSetup:
    """Check the pool, interval and targets against the scenario.

    Raises
    ------
    InputError
        For an unknown pool, an interval a roster cannot hold, a target on a
        channel the pool does not serve, a channel shared with another pool, or
        no target at all.
    """
    problems: list[Problem] = []
    if pool_id not in scenario.handler_pools:
        known = ", ".join(scenario.handler_pools)
        raise InputError([Problem("--pool", pool_id, f"no such handler pool; expected {known}")])
    if interval_minutes not in INTERVAL_CHOICES:
        problems.append(
            Problem(
                "--interval",
                str(interval_minutes),
                f"expected one of {', '.join(map(str, INTERVAL_CHOICES))} (minutes)",
            )
        )
    if not targets:
        problems.append(Problem("--target", "", f"missing; give at least one: {TARGET_FORM}"))
    pool = scenario.handler_pools[pool_id]
    refs = [scenario.resolve_channel_ref(ref) for ref in pool.serves]
    served = [ref for ref in refs if ref is not None]
    for other_id, other in scenario.handler_pools.items():
        if other_id == pool_id:
            continue
        shared = {scenario.resolve_channel_ref(r) for r in other.serves} & set(served)
        if shared:
            problems.append(
                Problem(
                    "--pool",
                    pool_id,
                    f"shares {', '.join(sorted(s for s in shared if s))} with pool {other_id}; "
                    "expected a pool that answers its channels alone",
                )
            )
    queues = []
    for ref in served:
        force_id, channel_id = ref.split("/")
        force = scenario.forces[force_id]
        channel = force.channels[channel_id]  # type: ignore[index]
        queues.append(
            QueueInfo(
                force=force_id,
                channel=channel_id,
                aht_s=channel.handling.mean() + channel.wrap_up.mean(),
                patience_s=channel.patience.mean() if channel.patience is not None else None,
                answer_target_s=force.target_s(channel_id),
                rates_per_s=hourly_rates_per_s(channel),
                config=channel,
            )
        )
    one_force = len(scenario.forces) == 1
    segments: dict[str, tuple[str, ...]] = {}
    for q in queues:
        segments.setdefault(f"{q.force}/{q.channel}", (f"{q.force}/{q.channel}",))
        if one_force:
            segments[q.channel] = (f"{q.force}/{q.channel}",)
    if not one_force:
        for channel in {q.channel for q in queues}:
            segments[channel] = tuple(
                f"{q.force}/{q.channel}" for q in queues if q.channel == channel
            )
    for target in targets:
        if target.segment not in segments:
            problems.append(
                Problem(
                    "--target",
                    str(target),
                    f"pool {pool_id} does not answer segment '{target.segment}'; "
                    f"expected one of {', '.join(sorted(segments))}",
                )
            )
    if problems:
        raise InputError(problems)
    return PoolSetup(scenario, pool_id, tuple(queues), tuple(targets), segments, interval_minutes)


# --------------------------------------------------------------------------- Erlang requirement


def _meets(target: Target, figures: QueueFigures) -> bool:
    """Whether stationary Erlang figures meet a target (computed at the right answer target)."""
    if target.metric == "answered_within_target":
        return figures.service_level * 100.0 >= target.value
    if target.metric == "abandoned":
        return (figures.p_abandon or 0.0) * 100.0 <= target.value and figures.occupancy < 1.0
    if target.stat == "mean":
        return figures.asa_s <= target.value
    # Percentile of the answer time of answered calls: P(W <= value | answered) >= q.
    answered = 1.0 - (figures.p_abandon or 0.0)
    if answered <= 0.0:
        return False
    return figures.service_level / answered >= PERCENTILE_STATS[target.stat] / 100.0 - 1e-12


def erlang_staff(
    load: float,
    aht_s: float,
    targets: Sequence[tuple[Target, float, float | None]],
    max_staff: int,
) -> int:
    """Smallest number of handlers for which Erlang C/A meets every target.

    Parameters
    ----------
    load
        Offered load, Erlangs (calls per second times mean handling time, s).
    aht_s
        Mean handling time (talk plus wrap-up), seconds.
    targets
        ``(target, answer_target_s, patience_s)``: the target, the channel's
        answer target in seconds (for ``answered_within_target``) and its mean
        patience in seconds (``None``: Erlang C, callers never hang up).
    max_staff
        Largest number to consider.

    Returns
    -------
    int
        At least 1.

    Raises
    ------
    ValueError
        If ``max_staff`` handlers do not meet some target.
    """
    rate_per_hour = load / aht_s * SECONDS_PER_HOUR
    need = 1
    for target, answer_target_s, patience_s in targets:
        wait_s = answer_target_s if target.metric == "answered_within_target" else target.value
        if target.metric == "answer_time" and target.stat == "mean":
            wait_s = 0.0
        patience = math.inf if patience_s is None else patience_s

        def meets(staff: int, t: Target = target, w: float = wait_s, p: float = patience) -> bool:
            return _meets(t, erlang_a_figures(rate_per_hour, aht_s, staff, p, w))

        if meets(need):
            continue
        found = smallest_meeting(meets, need, min(math.ceil(load) + 1, max_staff), max_staff)
        if found is None:
            raise ValueError(
                f"{target} is not reachable with {max_staff} handlers at an offered load "
                f"of {load:.1f} Erlangs"
            )
        need = found
    return need


def erlang_requirement(
    setup: PoolSetup, loads: np.ndarray, aht_s: np.ndarray, max_staff: int
) -> np.ndarray:
    """Erlang requirement per interval at the given offered loads.

    The pool's calls are taken together (one queue with the load-weighted
    handling time); each target is judged with its own channel's answer target
    and patience.

    Raises
    ------
    InputError
        If a target cannot be met with ``max_staff`` handlers in some interval.
    """
    targets = []
    for target in setup.targets:
        queue = _first_queue(setup, target.segment)
        targets.append((target, queue.answer_target_s, queue.patience_s))
    staff = np.empty(len(loads), dtype=np.int64)
    for i, (load, aht) in enumerate(zip(loads, aht_s, strict=True)):
        try:
            staff[i] = erlang_staff(float(load), float(aht), targets, max_staff)
        except ValueError as exc:
            raise InputError(
                [
                    Problem(
                        "--target",
                        interval_label(i, setup.interval_minutes),
                        f"{exc}; expected a target some number of handlers can meet "
                        "(or raise --max-staff)",
                    )
                ]
            ) from None
    return staff


def _first_queue(setup: PoolSetup, segment: str) -> QueueInfo:
    ref = setup.segments[segment][0]
    return next(q for q in setup.queues if f"{q.force}/{q.channel}" == ref)


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


# --------------------------------------------------------------------------- simulation


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
    keep = np.isin(names[calls.queue], list(refs))
    wait = calls.answer_wait_s[keep]
    targets = np.asarray(output.targets_s)[calls.queue[keep]]
    answered = (calls.outcome == CallOutcome.ANSWERED)[keep]
    return PoolCalls(
        replication=replication,
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


def simulate(
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


def with_staff(setup: PoolSetup, staff: np.ndarray) -> Scenario:
    """The scenario with the pool staffed by ``staff`` handlers per interval (no shrinkage)."""
    roster = Roster(
        interval_minutes=setup.interval_minutes,  # type: ignore[arg-type]
        staff=[int(s) for s in staff],
        allow_gaps=True,
    )
    scenario = setup.scenario
    pool = scenario.handler_pools[setup.pool_id].model_copy(
        update={"roster": roster, "shrinkage": 0.0}
    )
    pools = {**scenario.handler_pools, setup.pool_id: pool}
    return scenario.model_copy(update={"handler_pools": pools})


def offered_load(
    runs: Sequence[PoolCalls], interval_minutes: int, redials_only: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """Infinite-server offered load and mean handling time per interval of the week.

    Every call attempt is taken as if answered on arrival and kept for its
    talk plus wrap-up time; the number of such calls in progress, averaged over
    each interval of the measured period and folded onto the week, is the
    offered load (FMMW's ``m(t)``) in Erlangs. With ``redials_only``, only
    the redials count (the load that depends on the staffing).

    Returns
    -------
    tuple of numpy.ndarray
        Offered load (Erlangs) and mean handling time of the calls arriving in
        the interval (seconds; the overall mean where none arrived).
    """
    intervals = MINUTES_PER_WEEK // interval_minutes
    area = np.zeros(intervals)
    length = np.zeros(intervals)
    work = np.zeros(intervals)
    count = np.zeros(intervals)
    for run in runs:
        if redials_only:
            run = _redials(run)
        edges = interval_edges(run.horizon_s, interval_minutes)
        start, end = run.arrival_s, run.arrival_s + run.busy_s
        times = np.concatenate([start, end])
        steps = np.concatenate([np.ones(start.size), -np.ones(end.size)])
        order = np.argsort(times, kind="stable")
        times, in_progress = times[order], np.cumsum(steps[order])
        # Integral of the in-progress count from the first event: linear between events.
        if times.size:
            integral = np.concatenate([[0.0], np.cumsum(np.diff(times) * in_progress[:-1])])
            at_edges = np.interp(edges, times, integral, left=0.0, right=integral[-1])
        else:
            at_edges = np.zeros(edges.size)
        slot = interval_of(edges[:-1], interval_minutes)
        np.add.at(area, slot, np.diff(at_edges))
        np.add.at(length, slot, np.diff(edges))
        inside = in_period(run.arrival_s, run.horizon_s)
        arrival_slot = interval_of(run.arrival_s[inside], interval_minutes)
        np.add.at(work, arrival_slot, run.busy_s[inside])
        np.add.at(count, arrival_slot, 1.0)
    load = np.divide(area, length, out=np.zeros(intervals), where=length > 0)
    overall = work.sum() / count.sum() if count.sum() else 1.0
    aht = np.divide(work, count, out=np.full(intervals, overall), where=count > 0)
    return load, aht


def _redials(run: PoolCalls) -> PoolCalls:
    keep = run.attempt > 0
    return PoolCalls(
        replication=run.replication,
        horizon_s=run.horizon_s,
        **{
            name: getattr(run, name)[keep]
            for name in (
                "arrival_s",
                "busy_s",
                "wait_s",
                "answered",
                "abandoned",
                "within",
                "ref",
                "attempt",
            )
        },
    )


def expected_offered_load(setup: PoolSetup, samples: int = 400_000) -> np.ndarray:
    """Offered load of first call attempts per interval of the week, computed exactly.

    The infinite-server load ``m(t)``, the expected number of calls arrived by
    ``t`` and still in service, is the arrival rate (profile and surges;
    day-to-day busyness has mean 1) convolved with the survival function of talk
    plus wrap-up, here on a one-minute grid, averaged over each interval of the
    measured weeks (at least one whole week, so that a run shorter than a week
    still staffs every interval). The survival function comes from stratified
    quantiles of the configured distributions. This is the expectation the
    ample-staff simulation estimates, without its noise: a few replications
    leave each interval's simulated load several percent off, which would
    scatter the requirement by one or two handlers either way.

    Returns
    -------
    numpy.ndarray
        Offered load, Erlangs, one value per interval.
    """
    from scipy.signal import fftconvolve

    scenario = setup.scenario
    # At least one whole week (every interval gets a load even in a short run,
    # and the warm-up, which falls in the previous week, is staffed too), after a
    # day from an empty start.
    horizon_s = max(scenario.horizon_s, float(SECONDS_PER_WEEK))
    first = -MINUTES_PER_WEEK - 24 * 60
    last = math.ceil(horizon_s / SECONDS_PER_MINUTE)
    minute_edges = np.arange(first, last + 1) * float(SECONDS_PER_MINUTE)
    in_service = np.zeros(last - first)
    generator = np.random.default_rng(20080201)
    for q in setup.queues:
        edges, rates = rate_segments(q.config, minute_edges[0], minute_edges[-1])
        cumulative = np.concatenate([[0.0], np.cumsum(rates * np.diff(edges))])
        arrivals = np.diff(np.interp(minute_edges, edges, cumulative))  # per minute
        # Stratified: talk at evenly spaced quantiles, wrap-up likewise, shuffled.
        u = (np.arange(samples) + 0.5) / samples
        wrap = generator.permutation(_quantiles(q.config.wrap_up, u))
        service_min = (_quantiles(q.config.handling, u) + wrap) / SECONDS_PER_MINUTE
        # Arrival at mid-minute: time in service within each following minute k.
        lags = np.arange(math.ceil(np.quantile(service_min, 1 - 1e-5)) + 2)
        ends = 0.5 + np.sort(service_min)
        overlap = np.array(
            [np.mean(np.clip(ends - k, 0.0, 1.0)) - min(max(0.5 - k, 0.0), 1.0) for k in lags]
        )
        in_service += fftconvolve(arrivals, overlap)[: arrivals.size]
    measured = in_period(minute_edges[:-1], horizon_s)
    minutes = minute_edges[:-1][measured]
    slot = interval_of(minutes, setup.interval_minutes)
    total = np.bincount(slot, weights=in_service[measured], minlength=setup.intervals)
    count = np.bincount(slot, minlength=setup.intervals)
    return np.divide(total, count, out=np.zeros(setup.intervals), where=count > 0)


def _quantiles(
    distribution: ExponentialTime | LognormalTime | ConstantTime, u: np.ndarray
) -> np.ndarray:
    """Quantiles (seconds) of a configured duration at probabilities ``u``."""
    if isinstance(distribution, ExponentialTime):
        return -distribution.mean_s * np.log1p(-u)
    if isinstance(distribution, LognormalTime):
        mu, sigma = distribution.log_params()
        return np.exp(mu + sigma * ndtri(u))
    return np.full(u.size, float(distribution.value_s))


def interval_label(index: int, interval_minutes: int) -> str:
    """``Mon 07:30-08:00`` for an interval of the week."""
    start = index * interval_minutes
    end = start + interval_minutes
    day = DAY_NAMES[start // 1440].capitalize()
    return (
        f"{day} {start % 1440 // 60:02d}:{start % 60:02d}-"
        f"{end % 1440 // 60 if end % 1440 else 24:02d}:{end % 60:02d}"
    )


def interval_figures(run: PoolCalls, setup: PoolSetup, target: Target) -> np.ndarray:
    """One replication's figure for a target in each interval of the week (NaN: no calls)."""
    inside = in_period(run.arrival_s, run.horizon_s)
    inside &= np.isin(run.ref, list(setup.segments[target.segment]))
    slot = interval_of(run.arrival_s[inside], setup.interval_minutes)
    n = setup.intervals
    offered = np.bincount(slot, minlength=n).astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        if target.metric == "answered_within_target":
            hits = np.bincount(slot, weights=run.within[inside], minlength=n)
            return np.where(offered > 0, 100.0 * hits / offered, np.nan)
        if target.metric == "abandoned":
            hits = np.bincount(slot, weights=run.abandoned[inside], minlength=n)
            return np.where(offered > 0, 100.0 * hits / offered, np.nan)
        answered = run.answered[inside]
        waits, slots = run.wait_s[inside][answered], slot[answered]
        if target.stat == "mean":
            total = np.bincount(slots, weights=waits, minlength=n)
            counted = np.bincount(slots, minlength=n)
            return np.where(counted > 0, total / np.maximum(counted, 1), np.nan)
    return interval_percentiles(slots, waits, n, PERCENTILE_STATS[target.stat])


def interval_percentiles(slots: np.ndarray, values: np.ndarray, n: int, q: float) -> np.ndarray:
    """Percentile ``q`` (0..100) of the values falling in each of ``n`` intervals.

    Parameters
    ----------
    slots
        Interval of each value (0 .. ``n - 1``).
    values
        The values (e.g. waits, seconds, or attendance times, minutes).
    n
        Intervals in a week.
    q
        The percentile, 0..100.

    Returns
    -------
    numpy.ndarray
        One figure per interval, in the values' unit (NaN: no values there).
    """
    result = np.full(n, np.nan)
    order = np.argsort(slots, kind="stable")
    sorted_slots, sorted_values = slots[order], values[order]
    cuts = np.flatnonzero(np.diff(sorted_slots)) + 1
    for group_slots, group in zip(
        np.split(sorted_slots, cuts), np.split(sorted_values, cuts), strict=True
    ):
        if group.size:
            result[group_slots[0]] = np.percentile(group, q)
    return result


def verification_table(runs: Sequence[PoolCalls], setup: PoolSetup, method: str) -> pd.DataFrame:
    """Achieved figure per interval and target: mean and 95% t-interval across replications."""
    per_target = (
        (target, np.vstack([interval_figures(run, setup, target) for run in runs]))
        for target in setup.targets
    )
    return verification_frame(per_target, setup.interval_minutes, method)


def verification_frame(
    per_target: Iterable[tuple[Target, np.ndarray]], interval_minutes: int, method: str
) -> pd.DataFrame:
    """The verification table from each target's figures per replication and interval.

    Parameters
    ----------
    per_target
        ``(target, figures)``: ``figures`` has one row per replication and one
        column per interval of the week, in the target's unit (NaN: nothing
        measured there).
    interval_minutes
        Staffing interval, minutes.
    method
        The staffing simulated (``fmmw`` or ``sipp``).

    Returns
    -------
    pandas.DataFrame
        One row per target and interval: the mean, its 95% t-interval across
        replications and whether the target is met (outright, and within the
        interval).
    """
    rows = []
    intervals = MINUTES_PER_WEEK // interval_minutes
    for target, per_run in per_target:
        for i in range(intervals):
            mean, low, high, n = t_interval(per_run[:, i])
            rows.append(
                {
                    "method": method,
                    "interval": i,
                    "label": interval_label(i, interval_minutes),
                    "target": str(target),
                    "op": target.op,
                    "unit": target.unit,
                    "goal": target.value,
                    "mean": mean,
                    "ci_low": low,
                    "ci_high": high,
                    "replications": n,
                    "met": target.met(mean),
                    "met_within_ci": target.met_within_ci(low, high, mean),
                }
            )
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------- the algorithm


@dataclass(frozen=True)
class StaffingResult:
    """The requirement, how it was found, and how it performed."""

    setup: PoolSetup
    requirement: pd.DataFrame  # one row per interval
    verification: pd.DataFrame  # FMMW and SIPP, per interval and target
    iterations: pd.DataFrame  # one row per simulation of the algorithm
    converged: bool
    runs: int = 0
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Verified:
    """A staffing after verification by simulation (see :func:`verify_staffing`)."""

    staff: np.ndarray  # verified staff per interval
    verification: pd.DataFrame  # FMMW (the verified staffing) then SIPP rows
    iterations: list[dict[str, object]]  # one row per verification round
    simulations: int  # simulations run (rounds plus the SIPP one)
    met: bool  # every interval meets every target within its confidence interval


def verify_staffing(
    verify: Callable[[np.ndarray, str], pd.DataFrame],
    staff: np.ndarray,
    sipp: np.ndarray,
    interval_minutes: int,
    max_corrections: int,
    step: Callable[[str], None],
    max_staff: int | None = None,
    on_round: Callable[[int, int], None] | None = None,
) -> Verified:
    """Simulate a staffing and add one where a target is missed beyond doubt; then SIPP.

    Parameters
    ----------
    verify
        Simulates a staffing (staff per interval) and returns its
        :func:`verification_frame` under the given method name.
    staff
        The staffing to verify (FMMW), per interval.
    sipp
        The SIPP staffing, simulated once for comparison.
    interval_minutes
        Staffing interval, minutes.
    max_corrections
        Verification rounds at most that add one where a target is missed
        beyond doubt.
    step
        Called with a short description before each simulation (progress).
    max_staff
        Most per interval after a correction (``None``: no cap).
    on_round
        Called with the round (0 first) and the intervals missed after each round.

    Returns
    -------
    Verified
        The verified staffing, the FMMW and SIPP figures, one iterations row
        per round (``verify-N``, staff in hours) and the simulations run.
    """
    verification = pd.DataFrame()
    iterations: list[dict[str, object]] = []
    simulations = 0
    for correction in range(max_corrections + 1):
        step("verifying" if correction == 0 else f"verifying (correction {correction})")
        verification = verify(staff, "fmmw")
        simulations += 1
        missed = np.unique(verification.loc[~verification["met_within_ci"], "interval"])
        iterations.append(
            {
                "step": f"verify-{correction}",
                "staff_hours": float(staff.sum()) * interval_minutes / 60,
                "next_staff_hours": float(staff.sum() + missed.size) * interval_minutes / 60,
                "intervals_changed": int(missed.size),
            }
        )
        if on_round is not None:
            on_round(correction, missed.size)
        if missed.size == 0 or correction == max_corrections:
            break
        staff = staff.copy()
        if max_staff is None:
            staff[missed] += 1
        else:
            staff[missed] = np.minimum(staff[missed] + 1, max_staff)
    met = bool(verification["met_within_ci"].all())
    step("simulating the SIPP staffing")
    sipp_verification = verify(sipp, "sipp")
    simulations += 1
    verification = pd.concat([verification, sipp_verification], ignore_index=True)
    return Verified(staff, verification, iterations, simulations, met)


def rostered_for(available: np.ndarray, shrinkage: float) -> np.ndarray:
    """Smallest rostered counts that give at least ``available`` after shrinkage.

    The model takes ``round(rostered * (1 - shrinkage))`` (half up) handlers.
    """
    keep = 1.0 - shrinkage
    rostered = np.maximum(np.ceil((available - 0.5) / keep - 1e-9), 0).astype(np.int64)
    # Guard the rounding at the edges: step up until the model's rounding gives enough.
    while True:
        short = np.floor(rostered * keep + 0.5) < available
        if not short.any():
            return rostered
        rostered = rostered + short


def staffing_requirement(
    setup: PoolSetup,
    replications: int,
    workers: int = 1,
    max_iterations: int = 8,
    max_corrections: int = 4,
    max_staff: int = 2000,
    on_step: Callable[[str], None] | None = None,
) -> StaffingResult:
    """FMMW iterative staffing, verified by simulation, beside the SIPP baseline.

    Parameters
    ----------
    setup
        Pool, targets and interval (from :func:`resolve_pool`).
    replications
        Replications per simulation (the scenario's seed; replication ``r`` uses
        the same random numbers in every simulation, so staffings are compared
        on the same calls).
    workers
        Worker processes for the replications.
    max_iterations
        FMMW iterations at most (each one simulation).
    max_corrections
        Verification rounds at most that add a handler where a target is missed
        beyond doubt.
    max_staff
        Largest number of handlers per interval considered.
    on_step
        Called with a short description before each simulation (progress).

    Raises
    ------
    InputError
        If some target is out of reach (more than ``max_staff`` handlers).
    """
    refs = setup.refs()
    step = on_step or (lambda text: None)
    arrivals, sipp_load, sipp_aht = sipp_loads(setup)
    sipp = erlang_requirement(setup, sipp_load, sipp_aht, max_staff)
    iterations: list[dict[str, object]] = []
    runs = 0

    # The load of first attempts does not depend on the staffing: computed exactly.
    # Redials do (abandoned callers ring again): read from simulation, starting
    # with ample staff (nobody waits, so nobody redials) and iterating.
    first_load = expected_offered_load(setup)
    redials = any(q.config.redial is not None for q in setup.queues)
    staff = np.full(setup.intervals, min(max_staff, int(3 * sipp.max() + 20)), dtype=np.int64)
    converged = False
    history: list[np.ndarray] = []
    redial_load = np.zeros(setup.intervals)
    load = first_load
    for iteration in range(max_iterations):
        if redials and iteration > 0:
            step(f"FMMW iteration {iteration + 1}: simulating")
            simulated = simulate(with_staff(setup, staff), refs, replications, workers)
            runs += 1
            redial_load, _ = offered_load(simulated, setup.interval_minutes, redials_only=True)
        load = first_load + redial_load
        proposed = erlang_requirement(setup, load, sipp_aht, max_staff)
        if iteration > 1:
            # Fewer staff only mean more redials: from here the staffing only rises,
            # so simulation noise cannot make it flip back and forth.
            proposed = np.maximum(proposed, staff)
        changed = int(np.sum(proposed != staff))
        iterations.append(
            {
                "step": f"fmmw-{iteration + 1}",
                "staff_hours": float(staff.sum()) * setup.interval_minutes / 60,
                "redial_load_erlang_hours": float(redial_load.sum()) * setup.interval_minutes / 60,
                "next_staff_hours": float(proposed.sum()) * setup.interval_minutes / 60,
                "intervals_changed": changed,
            }
        )
        log.info("FMMW iteration %d: %d intervals changed", iteration + 1, changed)
        if changed == 0 or (not redials and iteration > 0):
            converged = True
            break
        if any(np.array_equal(proposed, h) for h in history):
            # A cycle (the staffing flips between values): take the larger of each.
            staff = np.maximum(proposed, staff)
            converged = True
            break
        history.append(staff)
        staff = proposed
        if not redials:
            converged = True
            break
    fmmw = staff.copy()

    # Verification; where a target is missed beyond doubt, one more handler.
    def verify(trial: np.ndarray, method: str) -> pd.DataFrame:
        simulated = simulate(with_staff(setup, trial), refs, replications, workers)
        return verification_table(simulated, setup, method)

    verified = verify_staffing(verify, staff, sipp, setup.interval_minutes, max_corrections, step)
    staff = verified.staff
    iterations.extend(verified.iterations)
    runs += verified.simulations

    shrinkage = setup.scenario.handler_pools[setup.pool_id].shrinkage
    current = setup.scenario.handler_pools[setup.pool_id].roster.staff_per_minute()
    per_interval = current.reshape(setup.intervals, setup.interval_minutes)
    requirement = pd.DataFrame(
        {
            "interval": np.arange(setup.intervals),
            "label": [interval_label(i, setup.interval_minutes) for i in range(setup.intervals)],
            "calls_per_hour": arrivals,
            "sipp_load": sipp_load,
            "offered_load": load,
            "aht_s": sipp_aht,
            "sipp_staff": sipp,
            "fmmw_staff": fmmw,
            "required_staff": staff,
            "required_rostered": rostered_for(staff, shrinkage),
            "current_rostered": per_interval.min(axis=1),
        }
    )
    return StaffingResult(
        setup=setup,
        requirement=requirement,
        verification=verified.verification,
        iterations=pd.DataFrame(iterations),
        converged=converged,
        runs=runs,
    )


def service_spread(verification: pd.DataFrame) -> pd.DataFrame:
    """Spread of the achieved figures across intervals, per method and target.

    Returns
    -------
    pandas.DataFrame
        ``method, target, worst, std, intervals_missed`` -- the worst interval's
        mean, the standard deviation across intervals (the flatter the better)
        and the number of intervals whose interval excludes the target.
    """
    rows = []
    for (method, target), group in verification.groupby(["method", "target"], sort=False):
        means = group["mean"].dropna()
        worse = means.min() if group["op"].iloc[0] == ">=" else means.max()
        rows.append(
            {
                "method": method,
                "target": target,
                "worst": float(worse) if len(means) else math.nan,
                "std": float(means.std(ddof=1)) if len(means) > 1 else math.nan,
                "intervals_missed": int((~group["met_within_ci"]).sum()),
            }
        )
    return pd.DataFrame(rows)


def requirement_figure(requirement: pd.DataFrame, title: str = "", noun: str = "handlers") -> Any:
    """Plotly figure: staff needed per interval (SIPP, FMMW) against rostered cover.

    Parameters
    ----------
    requirement
        The requirement table (``requirement.csv``): ``label``, ``sipp_staff``,
        ``required_staff``, ``required_rostered`` and, where known,
        ``rostered_cover`` and ``current_rostered``.
    title
        Figure title.
    noun
        What is staffed (``handlers``, or ``units``: no shrinkage, and the
        requirement is in units on duty).

    Returns
    -------
    plotly.graph_objects.Figure
        Step lines over the week; raises ImportError if plotly is not installed.
    """
    import plotly.graph_objects as go

    figure = go.Figure()
    x = requirement["label"]
    working = "taking calls" if noun == "handlers" else "on duty"
    lines = (
        ("current_rostered", "current roster (rostered)", "#999999", "dot"),
        ("sipp_staff", f"SIPP requirement ({working})", "#1f77b4", "dash"),
        ("required_staff", f"FMMW requirement, verified ({working})", "#d62728", "solid"),
        ("rostered_cover", "new roster cover (rostered)", "#2ca02c", "solid"),
    )
    if noun == "handlers":
        rostered = ("required_rostered", "FMMW requirement, rostered (with shrinkage)")
        lines = (*lines[:3], (*rostered, "#ff7f0e", "solid"), lines[3])
    for column, name, colour, dash in lines:
        if column in requirement:
            figure.add_trace(
                go.Scatter(
                    x=x,
                    y=requirement[column],
                    name=name,
                    mode="lines",
                    line={"shape": "hv", "color": colour, "dash": dash},
                )
            )
    figure.update_layout(
        title=title,
        xaxis_title="interval of the week",
        yaxis_title=noun,
        hovermode="x unified",
        legend={"orientation": "h", "y": -0.25},
    )
    return figure
