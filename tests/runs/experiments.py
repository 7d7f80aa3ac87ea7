"""A small experiment and the helpers that run it, shared by tests/runs and tests/cli.

The experiment: the demo scenario for three days after one warm-up day, its late
shift at 12, 14 and 16 handlers, four replications at seed 11. Every way of
running it must write byte-identical tables (:data:`TABLES`).
"""

from __future__ import annotations

from pathlib import Path

import yaml

from sim.runs.executors import Executor
from sim.runs.pipeline import Task, run_plan
from sim.runs.plan import RunPlan
from sim.runs.replicate import replicate
from sim.runs.results import ResultsWritten, write_results
from sim.runs.store import ResultStore
from sim.runs.tables import now_utc
from tests.helpers import CONFIGS

LATE = "handler_pools.contact_centre.roster.shifts.2.count"
EARLY = "handler_pools.contact_centre.roster.shifts.0.count"
#: The tables a resumed, parallel or distributed run must write byte for byte as a plain one.
TABLES = ("summary.csv", "comparison.csv", "replications.parquet", "warmup.csv")


def experiment_file(folder: Path, name: str = "exp.yaml", **changes: object) -> Path:
    """Write the small experiment (with ``changes`` to its fields; None drops one)."""
    content: dict[str, object] = {
        "name": "small",
        "base": str(CONFIGS / "demo.yaml"),
        "baseline": "late-14",
        "days": 3,
        "warmup_days": 1,
        "seed": 11,
        "replications": 4,
        "grid": {"late": {"path": LATE, "values": [12, 14, 16]}},
    }
    content.update(changes)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(yaml.safe_dump({k: v for k, v in content.items() if v is not None}))
    return path


def auto_experiment(folder: Path, target: float, cap: int) -> Path:
    """The small experiment with ``replications: auto`` on the 101 mean answer time."""
    precision = {
        "metrics": [{"metric": "answer_time", "segment": "101", "stat": "mean"}],
        "relative_half_width": target,
        "min_replications": 3,
        "max_replications": cap,
        "look_ahead": 5,
    }
    return experiment_file(folder, replications="auto", precision=precision)


def run_into(
    plan: RunPlan,
    out: Path,
    executor: Executor,
    resume: bool = False,
    task: Task = replicate,
) -> ResultsWritten:
    """Run a plan into a results directory and write its summary files.

    What :func:`sim.app.run.execute` does, with the replication task replaceable
    (to inject failures or stand-in replications).
    """
    with ResultStore(out) as store:
        outcome = run_plan(plan, store, executor, resume=resume, task=task)
        return write_results(plan, store, outcome, now_utc(), 0.0)


def assert_same_tables(one: Path, other: Path, tables: tuple[str, ...] = TABLES) -> None:
    """The named tables of two results directories are byte-identical."""
    for name in tables:
        assert (one / name).read_bytes() == (other / name).read_bytes(), name
