"""Benchmark 2: one replication of the full model on the shipped demo scenario.

Times ``sim.runs.replicate.simulate_replication`` end to end: the model's
``run_replication`` (sampling every call's attributes, wiring the queues and
pools, running SimPy through the warm-up, the measured period and the drain,
and collecting the arrays), as a planner's ``demandsim run`` does once per
replication. The demo has no platform, so there is nothing to apply first.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from benchmarks.common import BenchSettings, Section, Table, best_of, thousands
from sim.config import load_scenario
from sim.model.records import CallOutcome, ReplicationOutput
from sim.runs.replicate import simulate_replication

#: The scenario this benchmark runs.
DEMO_SCENARIO = Path(__file__).resolve().parents[1] / "configs" / "demo.yaml"


def benchmark(settings: BenchSettings) -> Section:
    """Time replication 0 of the demo scenario (best of ``settings.repeats``)."""
    scenario = load_scenario(DEMO_SCENARIO)
    seconds, output = best_of(lambda: simulate_replication(scenario, 0), settings.repeats)
    calls = output.calls
    attempts = len(calls.arrival_s)
    redials = int(np.count_nonzero(calls.attempt > 0))
    events_per_call = output.events / attempts
    figures = {
        "scenario": output.scenario,
        "replication": output.replication,
        "days": scenario.days,
        "warmup_days": scenario.warmup_days,
        "calls": attempts,
        "first_attempts": attempts - redials,
        "redials": redials,
        "events": output.events,
        "events_per_call": events_per_call,
        "wall_s": seconds,
        "calls_per_s": attempts / seconds,
        "repeats": settings.repeats,
        "outcomes": replication_summary(output),
    }
    row = [
        f"`{DEMO_SCENARIO.relative_to(DEMO_SCENARIO.parents[1])}`",
        f"{scenario.days:g} + {scenario.warmup_days:g} warm-up",
        thousands(attempts),
        thousands(redials),
        thousands(output.events),
        f"{events_per_call:.2f}",
        f"{seconds:.3f}",
        thousands(attempts / seconds),
    ]
    description = """
One replication (replication 0) of the shipped demo scenario through
`sim.runs.replicate.simulate_replication` (the model's `run_replication`; the
demo has no platform to apply): two channels (999 and 101) with time-varying
demand, over-dispersion, lognormal and exponential durations, redials, and a
shift roster. Wall time (best of the repeats) covers the whole replication:
sampling, wiring, running SimPy from the start of the warm-up to the end of the
drain, and collecting the per-call arrays. Calls are all call attempts
simulated, warm-up and redials included.
""".replace("\n", " ")
    return Section(
        key="full_model_demo",
        title="Full model: demo scenario, one replication",
        description=description,
        tables=[
            Table(
                "",
                [
                    "scenario",
                    "days",
                    "calls",
                    "of which redials",
                    "events",
                    "events/call",
                    "wall time (s)",
                    "calls/s",
                ],
                [row],
            )
        ],
        data=figures,
    )


def replication_summary(output: ReplicationOutput) -> dict[str, int]:
    """Counts of call outcomes in a replication (answered, abandoned, still waiting)."""
    counts = np.bincount(output.calls.outcome, minlength=len(CallOutcome))
    return {outcome.label: int(counts[outcome]) for outcome in CallOutcome}
