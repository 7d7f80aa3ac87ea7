"""Records to KPIs: the contact metrics of DESIGN §3, one replication at a time.

Every metric covers calls that arrived in the measured period ``[0, horizon)``
(warm-up excluded). A call that arrived in the period is followed to its end
(the model drains after the period), so answer times are not cut off.

Segments: in a one-force scenario, the channel (``999``); with several forces,
``force/channel`` (``tvp/999``) and the scenario-wide channel total (``999``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.model import ReplicationOutput

PERCENTILES: dict[str, float] = {"p50": 50.0, "p90": 90.0, "p95": 95.0}


@dataclass(frozen=True)
class MetricValue:
    """One number of one replication: ``metric`` for ``segment``, statistic ``stat``."""

    metric: str
    segment: str
    stat: str
    unit: str
    value: float


def call_segments(output: ReplicationOutput) -> dict[str, np.ndarray]:
    """Boolean masks over the call records (all attempts) for each call segment."""
    queue = output.calls["queue"]
    forces = sorted({force for force, _ in output.queues})
    segments: dict[str, np.ndarray] = {}
    for index, (force, channel) in enumerate(output.queues):
        name = channel if len(forces) == 1 else f"{force}/{channel}"
        segments[name] = queue == index
    if len(forces) > 1:
        for channel in sorted({channel for _, channel in output.queues}):
            indices = [i for i, (_, c) in enumerate(output.queues) if c == channel]
            segments[channel] = np.isin(queue, indices)
    return segments


def answer_waits(output: ReplicationOutput) -> np.ndarray:
    """Seconds from arrival to answer for each call record (NaN if never answered)."""
    return output.calls["answered_s"] - output.calls["arrival_s"]


def measured(output: ReplicationOutput) -> np.ndarray:
    """Mask of call records that arrived in the measured period."""
    arrival = output.calls["arrival_s"]
    return (arrival >= 0.0) & (arrival < output.horizon_s)


def contact_metrics(output: ReplicationOutput) -> list[MetricValue]:
    """The contact-centre KPIs of one replication.

    Returns ``offered`` (count), ``answer_time`` (mean, p50, p90, p95 of answered
    calls, seconds), ``answered_within_target`` and ``abandoned`` (% of offered)
    per call segment, and ``occupancy`` (% of present handler time busy) per pool.
    """
    calls = output.calls
    in_period = measured(output)
    wait = answer_waits(output)
    answered = calls["outcome"] == 0
    abandoned = calls["outcome"] == 1
    target = np.asarray(output.targets_s)[calls["queue"]]
    within = answered & (wait <= target)

    values: list[MetricValue] = []
    for segment, mask in call_segments(output).items():
        offered_mask = mask & in_period
        offered = int(offered_mask.sum())
        values.append(MetricValue("offered", segment, "count", "calls", float(offered)))
        waits = wait[offered_mask & answered]
        stats = {"mean": float(waits.mean()) if waits.size else float("nan")}
        for stat, q in PERCENTILES.items():
            stats[stat] = float(np.percentile(waits, q)) if waits.size else float("nan")
        values.extend(MetricValue("answer_time", segment, s, "s", v) for s, v in stats.items())
        share = 100.0 / offered if offered else float("nan")
        values.append(
            MetricValue(
                "answered_within_target",
                segment,
                "value",
                "%",
                float((within & offered_mask).sum()) * share,
            )
        )
        values.append(
            MetricValue(
                "abandoned", segment, "value", "%", float((abandoned & offered_mask).sum()) * share
            )
        )
    for pool in output.pools:
        occupancy = 100.0 * pool.busy_s / pool.present_s if pool.present_s > 0 else float("nan")
        values.append(MetricValue("occupancy", pool.pool_id, "value", "%", occupancy))
    return values


def replication_metrics(output: ReplicationOutput) -> list[MetricValue]:
    """Every KPI of one replication (the runner's single entry point into this module)."""
    return contact_metrics(output)


def call_records(output: ReplicationOutput) -> pd.DataFrame:
    """Per-call records of one replication, for ``records/calls.parquet``.

    Times are seconds from the scenario start (negative in the warm-up).
    """
    calls = output.calls
    forces = np.array([force for force, _ in output.queues], dtype=object)
    channels = np.array([channel for _, channel in output.queues], dtype=object)
    pool_ids = np.array([p.pool_id for p in output.pools] + [""], dtype=object)
    outcome_names = np.array(["answered", "abandoned", "waiting"], dtype=object)
    wait = answer_waits(output)
    abandoned_at = np.where(calls["outcome"] == 1, calls["arrival_s"] + calls["patience_s"], np.nan)
    frame = pd.DataFrame(
        {
            "scenario": output.scenario,
            "replication": output.replication,
            "seed": output.seed,
            "call_id": np.arange(len(calls["arrival_s"])),
            "caller_id": calls["caller"],
            "attempt": calls["attempt"],
            "force": pd.Categorical(forces[calls["queue"]]),
            "channel": pd.Categorical(channels[calls["queue"]]),
            "arrival_s": calls["arrival_s"],
            "patience_s": calls["patience_s"],
            "answered_s": calls["answered_s"],
            "abandoned_s": abandoned_at,
            "answer_wait_s": wait,
            "talk_s": calls["talk_s"],
            "wrap_s": calls["wrap_s"],
            "handler_pool": pd.Categorical(pool_ids[calls["pool"]]),
            "outcome": pd.Categorical(outcome_names[calls["outcome"]]),
            "in_period": measured(output),
        }
    )
    return frame
