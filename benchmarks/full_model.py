"""Benchmark 2: one replication of the full model on the shipped demo scenario.

Replication 0 of ``configs/demo.yaml`` (four weeks and its warm-up, as shipped)
through ``sim.runs.replicate.simulate_replication`` and
``sim.metrics.kpis.replication_metrics``, as a planner's ``demandsim run`` does
once per replication, in a fresh child process on one CPU like the year
(:func:`benchmarks.year.measure`): sampling every call's attributes, wiring,
running SimPy through the warm-up, the measured period and the drain, collecting
the records and reducing them to metrics. The demo has no platform to apply.
"""

from __future__ import annotations

from pathlib import Path

from benchmarks.common import BenchSettings, Section, Table, thousands
from benchmarks.year import TARGET_PEAK_MIB, measure

#: The scenario this benchmark runs.
DEMO_SCENARIO = Path(__file__).resolve().parents[1] / "configs" / "demo.yaml"


def benchmark(settings: BenchSettings) -> Section:
    """Time replication 0 of the demo scenario (fastest of ``settings.repeats``, CPU time)."""
    figures = measure(DEMO_SCENARIO, None, settings.repeats)
    calls, redials = figures["calls"], figures["redials"]
    figures["first_attempts"] = calls - redials
    row = [
        f"`{DEMO_SCENARIO.relative_to(DEMO_SCENARIO.parents[1])}`",
        f"{figures['days']:g} + {figures['warmup_days']:g} warm-up",
        thousands(calls),
        thousands(redials),
        thousands(figures["incidents"]),
        thousands(figures["events"]),
        f"{figures['events_per_call']:.2f}",
        f"{figures['cpu_s']:.3f}",
        f"{figures['wall_s']:.3f}",
        f"{figures['cpu_us_per_call']:.1f}",
        f"{figures['peak_rss_mib']:.0f}",
    ]
    description = """
One replication (replication 0) of the shipped demo scenario through
`simulate_replication` and `replication_metrics` (what `demandsim run` does per
replication; the demo has no platform to apply), in a fresh child process pinned
to one CPU: two channels (999 and 101) with time-varying demand, over-dispersion,
lognormal and exponential durations, redials, a shift roster, and the response
side (units, schedule cars, resolution team). CPU time is the fastest of the
repeats, with that run's wall time; it covers the whole replication: sampling,
wiring, running SimPy from the start of the warm-up to the end of the drain,
collecting the records and the metrics. Calls are all call attempts simulated,
warm-up and redials included; events the SimPy events processed.
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
                    "incidents",
                    "events",
                    "events/call",
                    "CPU time (s)",
                    "wall time (s)",
                    "CPU µs/call",
                    "peak memory (MiB)",
                ],
                [row],
            )
        ],
        notes=[f"Peak memory target (as for the year): under {TARGET_PEAK_MIB:.0f} MiB."],
        data=figures,
    )
