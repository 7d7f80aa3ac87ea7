"""Benchmark 1: the contact-centre kernel on an M/M/c+M queue.

One channel, Poisson arrivals, exponential patience and handling, ``c``
constant servers, first come first served. The arrival times, patience and
handling times of every call are sampled once in numpy and the same samples
are fed to three contenders:

``ours``
    The project's engine (``sim.model.contact.ContactCentre``), one queue, one pool,
    constant staff, built on a ``simpy.Environment`` as ``sim.model.replication`` does.
``plain SimPy``
    The textbook SimPy model: a source process, one process per call, each
    call ``yield req | env.timeout(patience)`` on a ``simpy.Resource``.
``Ciw``
    The Ciw queueing library (``pip install -e '.[bench]'``; skipped with a
    note when it is not installed): one node, ``c`` servers, reneging. Ciw's
    custom distributions hand it the same samples: the arrival distribution
    returns the gap to the next pre-sampled arrival time, and the service and
    reneging distributions look the call's handling time and patience up by
    its ``id_number`` (Ciw numbers customers 1, 2, ... in arrival order).
``no-engine reference``
    A plain Python loop over the calls in arrival order with a heap of the
    times servers become free. Exact for FCFS with abandonment, because a
    caller who abandons never takes a server: the caller's service would start
    at ``max(arrival, earliest free time)``; if that is after its deadline
    (arrival + patience) it abandons, otherwise it takes that server.

All contenders must give the same wait for every answered call and the same
abandoned flags; ``compare`` checks that.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Callable, Generator
from dataclasses import dataclass
from typing import Any

import numpy as np
import simpy

try:  # optional: the `bench` extra
    import ciw
except ImportError:  # pragma: no cover - depends on the environment
    ciw = None

from benchmarks.common import (
    BenchSettings,
    Section,
    Table,
    Timing,
    best_of,
    thousands,
    verdict,
)
from sim.model.call_table import NOT_ANSWERED, CallTable
from sim.model.contact import CallQueue, ContactCentre, PoolState
from sim.model.events import Arrivals, run_counting


@dataclass(frozen=True)
class MMcSamples:
    """Pre-sampled calls of an M/M/c+M queue.

    Attributes
    ----------
    arrival
        Arrival times, seconds from 0, increasing.
    patience
        How long each caller will wait before hanging up, seconds.
    handling
        Handling time of each call if answered, seconds.
    agents
        Number of servers, constant.
    """

    arrival: np.ndarray
    patience: np.ndarray
    handling: np.ndarray
    agents: int

    @property
    def n(self) -> int:
        """Number of calls."""
        return len(self.arrival)

    @property
    def deadline(self) -> np.ndarray:
        """Time each caller hangs up if still waiting, seconds (arrival + patience)."""
        return self.arrival + self.patience


@dataclass(frozen=True)
class Outcome:
    """What a contender computed for each call.

    Attributes
    ----------
    wait
        Wait of each answered call, seconds, from arrival to answer; NaN if abandoned.
    abandoned
        True for each caller who hung up before being answered.
    events
        SimPy events processed (None for a contender without an event loop).
    """

    wait: np.ndarray
    abandoned: np.ndarray
    events: int | None


@dataclass(frozen=True)
class Agreement:
    """How closely two contenders' outcomes agree, call by call.

    Attributes
    ----------
    max_abs_diff_s
        Largest difference in wait, seconds, over calls both answered (0 if none).
    flag_mismatches
        Calls answered by one contender and abandoned in the other.
    wait_mismatches
        Calls answered by both whose waits differ by more than the tolerance.
    """

    max_abs_diff_s: float
    flag_mismatches: int
    wait_mismatches: int

    @property
    def mismatches(self) -> int:
        """Calls on which the two contenders disagree."""
        return self.flag_mismatches + self.wait_mismatches


def sample_mmc(
    calls: int,
    agents: int,
    load: float,
    mean_handling_s: float = 300.0,
    mean_patience_s: float = 600.0,
    seed: int = 20_240_601,
) -> MMcSamples:
    """Sample ``calls`` calls of an M/M/c+M queue.

    Parameters
    ----------
    calls
        Number of calls.
    agents
        Number of servers ``c``.
    load
        Offered load per server, ``arrival rate * mean_handling_s / agents``
        (dimensionless); with abandonment the achieved utilisation is lower.
    mean_handling_s
        Mean of the exponential handling time, seconds.
    mean_patience_s
        Mean of the exponential patience, seconds.
    seed
        Seed of the numpy generator.
    """
    rng = np.random.default_rng(seed)
    rate_per_s = load * agents / mean_handling_s
    arrival = np.cumsum(rng.exponential(1.0 / rate_per_s, calls))
    patience = rng.exponential(mean_patience_s, calls)
    handling = rng.exponential(mean_handling_s, calls)
    return MMcSamples(arrival, patience, handling, agents)


# --------------------------------------------------------------------------- contenders


def run_ours(samples: MMcSamples) -> Outcome:
    """The project's contact-centre engine: one queue, one pool, constant staff.

    Runs until no event is left, so every call is answered or abandoned.
    """
    n = samples.n
    horizon = float(samples.arrival[-1]) if n else 0.0
    env = simpy.Environment(initial_time=0.0)
    queue = CallQueue(index=0, force="f", channel="101", priority=1)
    pool = PoolState(index=0, pool_id="handlers", window_start=0.0, window_end=horizon)
    pool.queue_groups.append([queue])
    queue.pools.append(pool)
    calls = CallTable()
    calls.extend(
        arrival=samples.arrival,
        patience=samples.patience,
        talk=samples.handling,
        wrap=np.zeros(n),
        queue=np.zeros(n, dtype=np.int64),
        may_redial=np.zeros(n, dtype=bool),
    )
    centre = ContactCentre(env, [queue], [pool], calls, redials={}, redial_cutoff=horizon)
    arrivals = Arrivals()
    centre.start([[(0.0, samples.agents)]], arrivals)
    events = run_counting(env, arrivals=arrivals)
    served_by = np.asarray(calls.served_by, dtype=np.int64)
    wait = np.asarray(calls.answered) - samples.arrival
    return Outcome(wait=wait, abandoned=served_by == NOT_ANSWERED, events=events)


def run_plain_simpy(samples: MMcSamples) -> Outcome:
    """The textbook SimPy model: a process per call competing for a ``simpy.Resource``.

    The source process waits ``arrival[i] - env.now`` (the gap to the next
    pre-sampled arrival time; computed from the absolute times so that no
    rounding error accumulates) and starts a process per call. A call requests
    a server and waits for it or for its patience to run out, whichever is first.
    """
    n = samples.n
    arrival = samples.arrival.tolist()
    patience = samples.patience.tolist()
    handling = samples.handling.tolist()
    wait = [math.nan] * n
    abandoned = [False] * n
    env = simpy.Environment()
    server = simpy.Resource(env, capacity=samples.agents)

    def call(i: int) -> Generator[simpy.Event, Any, None]:
        arrived = env.now
        with server.request() as request:
            result = yield request | env.timeout(patience[i])
            if request in result:
                wait[i] = env.now - arrived
                yield env.timeout(handling[i])
            else:
                abandoned[i] = True

    def source() -> Generator[simpy.Event, Any, None]:
        for i in range(n):
            yield env.timeout(arrival[i] - env.now)
            env.process(call(i))

    env.process(source())
    events = run_counting(env)
    return Outcome(wait=np.asarray(wait), abandoned=np.asarray(abandoned), events=events)


if ciw is not None:

    class _CiwArrivals(ciw.dists.Distribution):
        """Gaps to the pre-sampled arrival times, in order; infinite after the last."""

        def __init__(self, arrival: list[float]):
            self.arrival = arrival
            self.next = 0

        def sample(self, t: float | None = None, ind: Any = None) -> float:
            i = self.next
            if i >= len(self.arrival):
                return math.inf
            self.next = i + 1
            gap = self.arrival[i] - (t or 0.0)
            return gap if gap > 0.0 else 0.0

    class _CiwPerCall(ciw.dists.Distribution):
        """The pre-sampled value of the call, looked up by Ciw's ``id_number`` (from 1)."""

        def __init__(self, values: list[float]):
            self.values = values

        def sample(self, t: float | None = None, ind: Any = None) -> float:
            return self.values[ind.id_number - 1]


def run_ciw(samples: MMcSamples) -> Outcome:
    """Ciw: one node with ``c`` servers and reneging, fed the same samples.

    Runs until no event is left; each call's wait comes from its Ciw record
    (``service`` records give the wait, ``renege`` records mark abandonment).
    Ciw breaks exact ties between simultaneous events at random; its seed is
    fixed so that the run is repeatable.
    """
    assert ciw is not None, "install the bench extra: pip install -e '.[bench]'"
    n = samples.n
    ciw.seed(0)
    network = ciw.create_network(
        arrival_distributions=[_CiwArrivals(samples.arrival.tolist())],
        service_distributions=[_CiwPerCall(samples.handling.tolist())],
        number_of_servers=[samples.agents],
        reneging_time_distributions=[_CiwPerCall(samples.patience.tolist())],
    )
    simulation = ciw.Simulation(network)
    simulation.simulate_until_max_time(math.inf)
    wait = [math.nan] * n
    abandoned = [False] * n
    for record in simulation.get_all_records():
        i = record.id_number - 1
        if record.record_type == "renege":
            abandoned[i] = True
        elif record.record_type == "service":
            wait[i] = record.waiting_time
    return Outcome(wait=np.asarray(wait), abandoned=np.asarray(abandoned), events=None)


def run_reference(samples: MMcSamples) -> Outcome:
    """No event loop: FCFS with abandonment from a heap of server-free times.

    Callers are taken in arrival order. The earliest-free server becomes free
    at ``free[0]``; the caller would be answered at ``max(arrival, free[0])``. A
    caller whose deadline (arrival + patience) is before that abandons and
    takes no server; otherwise that server is busy until answer + handling.
    """
    n = samples.n
    arrival = samples.arrival.tolist()
    deadline = samples.deadline.tolist()
    handling = samples.handling.tolist()
    wait = [math.nan] * n
    abandoned = [False] * n
    free = [0.0] * samples.agents  # a heap: every server free from time 0
    heapreplace = heapq.heapreplace
    for i in range(n):
        arrived = arrival[i]
        earliest = free[0]
        start = arrived if arrived > earliest else earliest
        if start > deadline[i]:
            abandoned[i] = True
        else:
            heapreplace(free, start + handling[i])
            wait[i] = start - arrived
    return Outcome(wait=np.asarray(wait), abandoned=np.asarray(abandoned), events=None)


#: The contenders, in the order they are reported; ``ours`` first.
CONTENDERS: dict[str, Callable[[MMcSamples], Outcome]] = {
    "ours": run_ours,
    "plain SimPy": run_plain_simpy,
    "Ciw": run_ciw,
    "no-engine reference": run_reference,
}
if ciw is None:  # pragma: no cover - depends on the environment
    del CONTENDERS["Ciw"]


def compare(a: Outcome, b: Outcome, tolerance_s: float = 1e-6) -> Agreement:
    """Compare two contenders' outcomes call by call.

    Parameters
    ----------
    a, b
        Outcomes on the same samples.
    tolerance_s
        Largest difference in wait, seconds, still counted as the same.
    """
    flags = a.abandoned != b.abandoned
    both = ~a.abandoned & ~b.abandoned
    diff = np.abs(a.wait[both] - b.wait[both])
    return Agreement(
        max_abs_diff_s=float(diff.max()) if diff.size else 0.0,
        flag_mismatches=int(np.count_nonzero(flags)),
        wait_mismatches=int(np.count_nonzero(~(diff <= tolerance_s))),
    )


def first_mismatches(
    a: Outcome, b: Outcome, tolerance_s: float = 1e-6, limit: int = 5
) -> list[int]:
    """Indices of the first ``limit`` calls on which ``a`` and ``b`` disagree (for diagnosis)."""
    differ = (a.abandoned != b.abandoned) | (
        ~a.abandoned & ~b.abandoned & ~(np.abs(a.wait - b.wait) <= tolerance_s)
    )
    return np.flatnonzero(differ)[:limit].tolist()


# --------------------------------------------------------------------------- benchmark

#: Targets (issue 20): ours at least this many times faster (CPU time) than each contender.
KERNEL_TARGETS = {"plain SimPy": 8.0, "Ciw": 15.0}
#: ... and the no-engine reference at most this many times faster than ours.
REFERENCE_TARGET = 6.0


def benchmark(settings: BenchSettings) -> Section:
    """Time the contenders on the same samples and check they agree."""
    calls = settings.calls
    samples = sample_mmc(
        calls,
        settings.agents,
        settings.load,
        settings.mean_handling_s,
        settings.mean_patience_s,
        settings.seed,
    )
    timings: dict[str, Timing] = {}
    outcomes: dict[str, Outcome] = {}
    for name, contender in CONTENDERS.items():
        timings[name], outcomes[name] = best_of(lambda c=contender: c(samples), settings.repeats)

    ours_cpu = timings["ours"].cpu_s
    ours = outcomes["ours"]
    rows: list[list[str]] = []
    contenders: dict[str, dict[str, Any]] = {}
    for name, timing in timings.items():
        events = outcomes[name].events
        per_call = events / calls if events is not None else None
        contenders[name] = {
            "wall_s": timing.wall_s,
            "cpu_s": timing.cpu_s,
            "cpu_us_per_call": 1e6 * timing.cpu_s / calls,
            "calls_per_cpu_s": calls / timing.cpu_s,
            "time_relative_to_ours": timing.cpu_s / ours_cpu,
            "events": events,
            "events_per_call": per_call,
            "cpu_us_per_event": 1e6 * timing.cpu_s / events if events else None,
        }
        rows.append(
            [
                name,
                f"{timing.cpu_s:.3f}",
                f"{timing.wall_s:.3f}",
                f"{1e6 * timing.cpu_s / calls:.2f}",
                "1.00 (baseline)" if name == "ours" else f"{timing.cpu_s / ours_cpu:.2f}",
                thousands(events) if events is not None else "-",
                f"{per_call:.2f}" if per_call is not None else "-",
                f"{1e6 * timing.cpu_s / events:.2f}" if events else "-",
            ]
        )

    agreement_rows: list[list[str]] = []
    agreements: dict[str, dict[str, Any]] = {}
    for name, outcome in outcomes.items():
        if name == "ours":
            continue
        agreement = compare(ours, outcome, settings.tolerance_s)
        agreements[name] = {
            "max_abs_diff_s": agreement.max_abs_diff_s,
            "flag_mismatches": agreement.flag_mismatches,
            "wait_mismatches": agreement.wait_mismatches,
            "mismatches": agreement.mismatches,
            "first_mismatched_calls": first_mismatches(ours, outcome, settings.tolerance_s),
        }
        agreement_rows.append(
            [
                f"ours vs {name}",
                f"{agreement.max_abs_diff_s:.3g}",
                thousands(agreement.flag_mismatches),
                thousands(agreement.wait_mismatches),
                "yes" if agreement.mismatches == 0 else "**NO**",
            ]
        )

    answered = ~ours.abandoned
    stats = {
        "abandoned_fraction": float(ours.abandoned.mean()),
        "mean_wait_answered_s": float(np.mean(ours.wait[answered])) if answered.any() else 0.0,
        "utilisation": float(samples.handling[answered].sum())
        / (settings.agents * float(samples.arrival[-1])),
    }
    description = f"""
M/M/c+M, FCFS: {thousands(calls)} calls, c = {settings.agents} constant servers,
offered load {settings.load:.2f} per server, exponential handling (mean
{settings.mean_handling_s:g} s) and patience (mean {settings.mean_patience_s:g} s),
sampled once in numpy (seed {settings.seed}); every contender gets the same
samples. CPU and wall time are each the best of {settings.repeats} run(s), from the
numpy samples to per-call waits: building the model, running it until no event is
left, and collecting the results. Plain SimPy runs in `sim.model.events.run_counting`
(SimPy's `step` for every event); ours runs in the same loop, with its pre-sampled
arrivals merged in without an event and its own events (`Callback`s) dispatched by
the loop. "Time relative to ours" is the contender's CPU time divided by ours
(above 1: ours is faster); µs/call and µs/event are CPU time per call and per
SimPy event processed. Ratios are of CPU times: on a shared machine wall time
also counts waiting for a core.
""".replace("\n", " ")
    notes = [
        f"Outcome (ours): {stats['abandoned_fraction']:.2%} of callers abandoned; "
        f"mean wait of answered calls {stats['mean_wait_answered_s']:.1f} s; "
        f"server utilisation about {stats['utilisation']:.1%} (handling time of answered "
        "calls over servers × time of the last arrival).",
        "Ciw: "
        + (
            f"version {ciw.__version__}; events are not counted (no SimPy event loop)."
            if ciw is not None
            else "not installed, so not timed (`pip install -e '.[bench]'`)."
        ),
        f"Same statistics: calls count as agreeing if both answered them with waits "
        f"within {settings.tolerance_s:g} s of each other, or both abandoned.",
    ]
    target_data = {}
    for name, wanted in KERNEL_TARGETS.items():
        if name in timings:
            ratio = timings[name].cpu_s / ours_cpu
            target_data[name] = {"target": wanted, "ratio": ratio, "met": ratio >= wanted}
            notes.append(
                f"Target: ours at least {wanted:g}× faster than {name}: "
                f"{ratio:.2f}× ({verdict(ratio >= wanted)})."
            )
    reference = ours_cpu / timings["no-engine reference"].cpu_s
    met = reference <= REFERENCE_TARGET
    target_data["no-engine reference"] = {
        "target": REFERENCE_TARGET,
        "ratio": reference,
        "met": met,
    }
    notes.append(
        f"Target: the no-engine reference at most {REFERENCE_TARGET:g}× faster than ours: "
        f"{reference:.2f}× ({verdict(met)})."
    )
    return Section(
        key="mmc_kernel",
        title="Contact-centre kernel: M/M/c+M",
        description=description,
        tables=[
            Table(
                "Speed",
                [
                    "contender",
                    "CPU time (s)",
                    "wall time (s)",
                    "CPU µs/call",
                    "time relative to ours",
                    "events",
                    "events/call",
                    "CPU µs/event",
                ],
                rows,
            ),
            Table(
                "Same statistics (per-call waits and abandonment)",
                [
                    "comparison",
                    "max abs wait diff (s)",
                    "flag mismatches",
                    "wait mismatches",
                    "same",
                ],
                agreement_rows,
            ),
        ],
        notes=notes,
        data={
            "settings": {
                "calls": calls,
                "agents": settings.agents,
                "load": settings.load,
                "mean_handling_s": settings.mean_handling_s,
                "mean_patience_s": settings.mean_patience_s,
                "seed": settings.seed,
                "repeats": settings.repeats,
                "tolerance_s": settings.tolerance_s,
            },
            "contenders": contenders,
            "agreement": agreements,
            "outcome": stats,
            "targets": target_data,
        },
    )
