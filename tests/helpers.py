"""Scenario builders shared by the model tests."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import numpy as np

from sim.config import Scenario, read_yaml_file, scenario_from_dict
from sim.metrics.windows import calls_in_period
from sim.model.records import CallOutcome, ReplicationOutput
from sim.runs.replicate import ReplicationResult

ROOT = Path(__file__).resolve().parent.parent
CONFIGS = ROOT / "configs"


def load_raw(name: str) -> dict[str, Any]:
    """A shipped config as a plain dict (for tests to modify)."""
    return copy.deepcopy(read_yaml_file(CONFIGS / name))


def single_queue(
    calls_per_hour: float,
    aht_s: float,
    agents: int,
    patience_s: float | None = None,
    target_s: float = 20.0,
    days: float = 7.0,
    warmup_days: float = 0.5,
    replications: int = 10,
    seed: int = 1,
    channel: str = "101",
) -> Scenario:
    """An M/M/c (or M/M/c+M with ``patience_s``) scenario: constant rate and staff."""
    channel_config: dict[str, Any] = {
        "volume_per_year": calls_per_hour * 24 * 365,
        "handling": {"distribution": "exponential", "mean_s": aht_s},
        "answer_target_s": target_s,
    }
    if patience_s is not None:
        channel_config["patience"] = {"distribution": "exponential", "mean_s": patience_s}
    return scenario_from_dict(
        {
            "name": "queue",
            "days": days,
            "warmup_days": warmup_days,
            "seed": seed,
            "replications": replications,
            "forces": {"f": {"channels": {channel: channel_config}}},
            "handler_pools": {"pool": {"serves": [channel], "roster": {"staff": agents}}},
        }
    )


def measured_waits(output: ReplicationOutput) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For calls arriving in the measured period: wait (s), answered mask, abandoned mask."""
    calls = output.calls
    inside = calls_in_period(output)
    answered = calls.outcome == CallOutcome.ANSWERED
    abandoned = calls.outcome == CallOutcome.ABANDONED
    return calls.answer_wait_s[inside], answered[inside], abandoned[inside]


def replications(
    scenario: Scenario,
    numbers: int,
    seed: int | None = None,
    workers: int = 1,
    records: bool = False,
) -> list[ReplicationResult]:
    """Replications 0 .. numbers - 1 of a scenario through the run pipeline, in memory."""
    from sim.runs.executors import ProcessExecutor, SequentialExecutor
    from sim.runs.pipeline import simulate
    from sim.runs.replicate import MetricReducer

    update: dict[str, Any] = {"replications": numbers}
    if seed is not None:
        update["seed"] = seed
    planned = scenario.model_copy(update=update)
    executor = ProcessExecutor(workers) if workers > 1 else SequentialExecutor()
    with executor:
        results = simulate([planned], MetricReducer(records=records, warmup=False), executor)
    return results[scenario.name]
