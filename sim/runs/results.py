"""The summary files of a results directory (DESIGN §3), rebuilt from its replications.

Every file is written atomically (:mod:`sim.files`), so an interrupted run
never leaves a half-written file behind, and the summary files are always
rebuilt from the stored replications, so a resumed run writes exactly what an
uninterrupted one would. Nothing is written outside the directory given.
"""

from __future__ import annotations

import platform
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

import pandas as pd

from sim.config import Scenario
from sim.config.geography import geography_places
from sim.files import write_json, write_table
from sim.metrics.statistics import compare
from sim.metrics.warmup import summarise_warmup
from sim.runs.pipeline import Failure, PlanOutcome
from sim.runs.plan import RunPlan
from sim.runs.store import ResultStore
from sim.runs.tables import now_utc, summarise, writing_into
from sim.runs.targets import changes_frame, scenarios_frame, targets_frame

PACKAGES = ("demandsim", "simpy", "numpy", "pandas", "pyarrow", "pydantic", "scipy", "PyYAML")


def package_versions() -> dict[str, str]:
    """Installed versions of Python and of the packages a result depends on."""
    versions = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def build_manifest(
    scenarios: Sequence[Scenario],
    seed: int,
    replications: Sequence[int],
    started: str,
    finished: str,
    command: Sequence[str] | None = None,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Everything needed to repeat a run exactly."""
    manifest: dict[str, Any] = {
        "command": list(sys.argv if command is None else command),
        "started": started,
        "finished": finished,
        "seed": seed,
        "replications": list(replications),
        "seeds": {
            "rule": "replication r uses numpy SeedSequence([seed, r]); each named stream "
            "is spawned from it with a stable hash of the stream name",
            "base_seed": seed,
        },
        "versions": package_versions(),
        "platform": platform.platform(),
        "scenarios": {s.name: s.model_dump(mode="json") for s in scenarios},
    }
    if extra:
        manifest.update(extra)
    return manifest


def write_results(
    plan: RunPlan,
    store: ResultStore,
    outcome: PlanOutcome,
    started: str,
    elapsed_s: float,
    command: Sequence[str] | None = None,
) -> ResultsWritten:
    """Rebuild the summary files of a results directory from its stored replications.

    Writes ``replications.parquet``, ``summary.csv``, ``comparison.csv``,
    ``warmup.csv``, ``targets.csv``, ``changes.csv``, ``scenarios.csv``, ``precision.csv``
    (``replications: auto``), ``failures.csv`` (if any failed) and
    ``manifest.json``; removes a stale ``precision.csv`` or ``failures.csv``.
    """
    present = outcome.present
    table = store.load_values(present)
    summary = summarise(table)
    comparison = compare(table, plan.baseline)
    warmup = summarise_warmup(store.load_warmup(present))
    # Calls and compute of the replications this call ran: a resume reports only its own work.
    details = [store.details(*key) for key in outcome.ran_keys]
    root = store.root
    failure_table = pd.DataFrame([f.__dict__ for f in outcome.failures], columns=FAILURE_COLUMNS)
    with writing_into(root, "the results tables"):
        write_table(table, root / "replications.parquet")
        write_table(summary, root / "summary.csv")
        write_table(comparison, root / "comparison.csv")
        write_table(warmup, root / "warmup.csv")
        write_table(targets_frame(plan), root / "targets.csv")
        write_table(changes_frame(plan), root / "changes.csv")
        write_table(scenarios_frame(plan), root / "scenarios.csv")
        _write_or_remove(outcome.precision, root / "precision.csv")
        _write_or_remove(failure_table if outcome.failures else None, root / "failures.csv")
        written = ResultsWritten(
            out_dir=root,
            outcome=outcome,
            summary=summary,
            comparison=comparison,
            calls=int(sum(d.get("calls", 0) for d in details)),
            compute_s=float(sum(d.get("wall_s", 0.0) for d in details)),
            elapsed_s=elapsed_s,
        )
        write_json(_manifest(written, started, command), root / "manifest.json")
        # The baseline's beats and stations, for the report's map (forces with geography).
        places = geography_places(dict(plan.scenario(plan.baseline).scenario.forces))
        if places is not None:
            write_json(places, root / "geography.json")
    return written


@dataclass(frozen=True)
class ResultsWritten:
    """A results directory as written, and what went into it.

    Attributes
    ----------
    out_dir
        The results directory.
    outcome
        What the pipeline did (replications run and reused, failures, precision).
    summary, comparison
        ``summary.csv`` and ``comparison.csv`` as written.
    calls, compute_s
        Call attempts simulated and compute seconds (summed over replications),
        of the replications this call ran (``outcome.ran``); reused ones are not
        counted.
    elapsed_s
        Wall-clock seconds of this call, seconds.
    """

    out_dir: Path
    outcome: PlanOutcome
    summary: pd.DataFrame
    comparison: pd.DataFrame
    calls: int
    compute_s: float
    elapsed_s: float

    @property
    def plan(self) -> RunPlan:
        """The plan run."""
        return self.outcome.plan

    @property
    def replications(self) -> int:
        """Replications per scenario."""
        return self.outcome.replications

    @property
    def ran(self) -> int:
        """Replications run by this call."""
        return self.outcome.ran

    @property
    def reused(self) -> int:
        """Replications found already done on disk."""
        return self.outcome.reused

    @property
    def failures(self) -> list[Failure]:
        """Replications that failed twice (not in any table)."""
        return self.outcome.failures

    @property
    def precision(self) -> pd.DataFrame | None:
        """``precision.csv`` (``replications: auto`` only)."""
        return self.outcome.precision

    @property
    def precision_met(self) -> bool | None:
        """Whether auto replications met the target on every named metric (None if fixed)."""
        return self.outcome.precision_met

    @property
    def executor(self) -> str:
        """Where the replications ran."""
        return self.outcome.executor


FAILURE_COLUMNS = ["scenario", "replication", "seed", "attempts", "error", "traceback"]


def _write_or_remove(frame: pd.DataFrame | None, path: Path) -> None:
    """Write a table, or remove a stale one left by an earlier run of the same plan."""
    if frame is None:
        path.unlink(missing_ok=True)
    else:
        write_table(frame, path)


def _manifest(written: ResultsWritten, started: str, command: Sequence[str] | None) -> dict:
    outcome = written.outcome
    plan = outcome.plan
    about: dict[str, Any] = {
        "kind": plan.kind,
        "name": plan.name,
        "source": str(plan.source),
        "baseline": plan.baseline,
        "question": plan.question,
        "description": plan.description,
        "headline": [list(k.key) for k in plan.headline] if plan.headline else None,
        "fingerprint": plan.fingerprint(),
        "changes": {s.name: [c.__dict__ for c in s.changes] for s in plan.scenarios},
        "replications": outcome.replications,
        "precision": plan.precision.model_dump(mode="json") if plan.precision else None,
        "precision_met": outcome.precision_met,
        "records": plan.records,
    }
    if plan.base_path is not None:
        about["base"] = str(plan.base_path)
    return build_manifest(
        [s.scenario for s in plan.scenarios],
        plan.seed,
        list(range(outcome.replications)),
        started,
        now_utc(),
        command,
        extra={
            # An experiment's plan under "experiment"; a run's under "run" (the report
            # tells a sweep from a single run by it).
            ("experiment" if plan.kind == "experiment" else plan.kind): about,
            **plan.settings,
            "executor": outcome.executor,
            "replications_run": outcome.ran,
            "replications_reused": outcome.reused,
            "failures": [
                {"scenario": f.scenario, "replication": f.replication, "error": f.error}
                for f in outcome.failures
            ],
        },
    )
