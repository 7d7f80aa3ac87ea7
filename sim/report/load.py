"""Read a results directory (DESIGN §3) into DataFrames for the report.

A results directory is written by ``demandsim run`` or ``demandsim
experiment``, in one layout (summary.csv, replications.parquet, comparison.csv,
warmup.csv, manifest.json, precision.csv with ``replications: auto``, and with
records one file per replication under ``records/calls/<scenario>/`` and
``records/incidents/<scenario>/``: :mod:`sim.files`). Every results directory also carries
``targets.csv`` (the target each figure is judged against, per scenario,
metric, segment and statistic) and ``changes.csv`` (each scenario's settings
that differ from the baseline), so the report never reads a scenario's
configuration: ``manifest.json`` is read for run metadata only (command, seed,
times, versions). Everything but summary.csv is optional: the report shows
what the directory supports. Results written before ``targets.csv`` existed
are judged against the national standards of the metric catalogue, and the
report says so.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from sim.catalogue import METRICS, THRESHOLD, split_force
from sim.errors import InputError, Problem
from sim.files import (
    CHANGE_COLUMNS,
    SCENARIO_COLUMNS,
    SUMMARY_COLUMNS,
    TARGET_COLUMNS,
    record_files,
)
from sim.report.checks import (
    COMPARISON_NUMBERS,
    COMPARISON_TEXT,
    SUMMARY_NUMBERS,
    SUMMARY_TEXT,
    check_manifest,
    check_replications,
    check_table,
)

log = logging.getLogger(__name__)

#: What the report says when targets.csv is missing.
NATIONAL_FALLBACK = (
    "these results have no targets.csv (written by an older version of demandsim), so every "
    "figure is judged against the national standards, not the scenarios' own targets"
)
REPORT_CALL_COLUMNS = ["scenario", "channel", "arrival_s", "answer_wait_s", "outcome", "in_period"]
REPORT_INCIDENT_COLUMNS = ["scenario", "grade", "area", "graded_s", "arrived_s", "in_period"]


@dataclass
class Results:
    """What a results directory holds, as DataFrames.

    Attributes
    ----------
    root
        The directory.
    summary
        ``summary.csv``.
    manifest
        ``manifest.json`` (empty if missing or unreadable), for run metadata
        only: command, seed, start and end, versions, the experiment's name.
    comparison, warmup
        ``comparison.csv`` and ``warmup.csv`` of an experiment, else ``None``.
    calls, incidents
        Per-call and per-incident records of the measured period (only the
        columns the report uses), else ``None``.
    scenarios
        Scenario names in the order of ``summary.csv``.
    baseline
        The experiment's baseline scenario; ``None`` for a single run.
    targets
        ``targets.csv`` (:data:`TARGET_COLUMNS`), or the national standards
        when it is missing.
    changes
        ``changes.csv`` (:data:`CHANGE_COLUMNS`); no rows for a single run.
    facts
        ``scenarios.csv`` (:data:`SCENARIO_COLUMNS`): each scenario's
        description, platform settings and stated assumptions (no rows in
        results written before it existed).
    forces
        The force ids of multi-force results, in the order of ``summary.csv``
        (empty for one force).
    notes
        What the report must say about the files themselves (targets assumed).
    """

    root: Path
    summary: pd.DataFrame
    manifest: dict[str, Any] = field(default_factory=dict)
    comparison: pd.DataFrame | None = None
    warmup: pd.DataFrame | None = None
    calls: pd.DataFrame | None = None
    incidents: pd.DataFrame | None = None
    scenarios: list[str] = field(default_factory=list)
    baseline: str | None = None
    targets: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=TARGET_COLUMNS))
    changes: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=CHANGE_COLUMNS))
    facts: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=SCENARIO_COLUMNS))
    forces: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def is_experiment(self) -> bool:
        """True for an experiment's directory (a baseline to compare with)."""
        return self.baseline is not None

    def scenario_changes(self, scenario: str) -> pd.DataFrame:
        """One scenario's settings that differ from the baseline (``changes.csv`` rows)."""
        return self.changes[self.changes["scenario"] == scenario]

    def scenario_facts(self, scenario: str, prefix: str = "") -> dict[str, str]:
        """One scenario's ``scenarios.csv`` fields starting with ``prefix`` (taken off)."""
        rows = self.facts[self.facts["scenario"] == scenario]
        return {
            str(f)[len(prefix) :]: str(v)
            for f, v in zip(rows["field"], rows["value"], strict=True)
            if str(f).startswith(prefix)
        }

    def platforms(self) -> dict[str, dict[str, str]]:
        """Every platform's settings (``scenarios.csv``), by platform name."""
        found: dict[str, dict[str, str]] = {}
        for scenario in self.scenarios:
            name = self.scenario_facts(scenario).get("platform")
            if name:
                found.setdefault(name, self.scenario_facts(scenario, "platform."))
        return found

    def scenario_targets(self, scenario: str) -> pd.DataFrame:
        """The targets one scenario's figures are judged against (``targets.csv`` rows)."""
        return self.targets[self.targets["scenario"] == scenario]


def _bad(root: Path, message: str, path: str = "") -> InputError:
    return InputError([Problem(str(root), path, message)])


def _read_records(paths: list[Path], columns: list[str], scenario: str | None) -> pd.DataFrame:
    frames = []
    for path in paths:
        try:
            frame = pd.read_parquet(path)
        except (OSError, ValueError) as exc:
            log.warning("left out unreadable records %s: %s", path, exc)
            continue
        if "scenario" not in frame.columns and scenario is not None:
            frame["scenario"] = scenario
        missing = [c for c in columns if c not in frame.columns]
        if missing:
            log.warning("left out records %s: no column(s) %s", path, ", ".join(missing))
            continue
        frame = frame[frame["in_period"].astype(bool)][columns]
        frames.append(frame)
    if not frames:
        return pd.DataFrame(columns=columns)
    table = pd.concat(frames, ignore_index=True)
    for column in table.columns:
        if isinstance(table[column].dtype, pd.CategoricalDtype):
            table[column] = table[column].astype(str)
    table["scenario"] = table["scenario"].astype(str)
    return table


def _records(root: Path, kind: str, columns: list[str]) -> pd.DataFrame | None:
    """Every replication's records of one kind (``records/<kind>/<scenario>/<r>.parquet``)."""
    frames = [
        _read_records(files, columns, scenario)
        for scenario, files in record_files(root, kind).items()
        if files
    ]
    frames = [f for f in frames if len(f)]
    return pd.concat(frames, ignore_index=True) if frames else None


def load_results(root: Path) -> Results:
    """Read a results directory.

    Parameters
    ----------
    root
        A directory written by ``demandsim run`` or ``demandsim experiment``.

    Returns
    -------
    Results
        Its tables; optional files that are missing are ``None``.

    Raises
    ------
    InputError
        If ``root`` is not a directory, has no ``summary.csv``, or its
        ``summary.csv`` lacks the columns of DESIGN §3.
    """
    root = Path(root)
    if not root.exists():
        raise _bad(root, "does not exist; expected a results directory (demandsim run --out DIR)")
    if not root.is_dir():
        raise _bad(root, "is a file; expected a results directory holding summary.csv")
    summary_path = root / "summary.csv"
    if not summary_path.is_file():
        hint = (
            " (an experiment that has not finished: run it again with --resume)"
            if (root / "experiment.json").exists()
            else ""
        )
        raise _bad(
            root,
            f"has no summary.csv{hint}; expected a results directory written by "
            "demandsim run or demandsim experiment",
        )
    try:
        summary = pd.read_csv(summary_path, dtype={"segment": str, "scenario": str})
    except (OSError, ValueError) as exc:
        raise _bad(summary_path, f"cannot be read as CSV ({_first_line(exc)})") from None
    missing = [c for c in SUMMARY_COLUMNS if c not in summary.columns]
    if missing:
        raise _bad(
            summary_path,
            f"has no column(s) {', '.join(missing)}; expected the columns "
            f"{', '.join(SUMMARY_COLUMNS)}",
        )
    if summary.empty:
        raise _bad(summary_path, "has no rows; expected at least one figure")
    summary = check_table(summary_path, summary, SUMMARY_TEXT, SUMMARY_NUMBERS)
    summary = check_replications(summary_path, summary)
    manifest: dict[str, Any] = {}
    manifest_path = root / "manifest.json"
    if manifest_path.is_file():
        try:
            raw = json.loads(manifest_path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            problem = f"cannot be read as JSON ({type(exc).__name__}); expected the run's details"
            raise _bad(manifest_path, problem) from None
        manifest = check_manifest(manifest_path, raw)
    scenarios = list(dict.fromkeys(summary["scenario"].astype(str)))
    baseline = ((manifest.get("experiment") or {}).get("baseline")) or None
    comparison = _optional_csv(root / "comparison.csv")
    if comparison is not None:
        comparison = check_table(
            root / "comparison.csv", comparison, COMPARISON_TEXT, COMPARISON_NUMBERS
        )
    if baseline is None and comparison is not None and len(comparison):
        baseline = str(comparison["baseline"].iloc[0])
    if baseline is not None and baseline not in scenarios:
        baseline = None
    notes: list[str] = []
    targets = _read_table(root / "targets.csv", TARGET_COLUMNS)
    if targets is None:
        log.warning("%s: %s", root, NATIONAL_FALLBACK)
        notes.append(NATIONAL_FALLBACK)
        targets = national_targets(summary)
    changes = _read_table(root / "changes.csv", CHANGE_COLUMNS)
    if changes is None:
        if baseline is not None:
            log.warning("%s has no changes.csv: the scenarios' changes are not described", root)
        changes = pd.DataFrame(columns=CHANGE_COLUMNS)
    facts = _read_table(root / "scenarios.csv", SCENARIO_COLUMNS)
    return Results(
        root=root,
        summary=summary,
        manifest=manifest,
        comparison=comparison,
        warmup=_optional_csv(root / "warmup.csv"),
        calls=_records(root, "calls", REPORT_CALL_COLUMNS),
        incidents=_records(root, "incidents", REPORT_INCIDENT_COLUMNS),
        scenarios=scenarios,
        baseline=baseline,
        targets=targets,
        changes=changes,
        facts=facts if facts is not None else pd.DataFrame(columns=SCENARIO_COLUMNS),
        forces=forces_of(summary),
        notes=notes,
    )


def forces_of(summary: pd.DataFrame) -> list[str]:
    """The force ids leading the segments of multi-force results, in order of appearance."""
    forces = (split_force(str(s))[0] for s in summary["segment"].astype(str))
    return [f for f in dict.fromkeys(forces) if f]


def national_targets(summary: pd.DataFrame) -> pd.DataFrame:
    """``targets.csv`` as the national standards would have it, for results without one.

    One row per scenario, figure and catalogue default whose segment (its
    force prefix aside) the summary has: a threshold row (``stat``
    ``threshold``) where a metric of the segment is there at all.
    """
    rows = []
    present = summary[["scenario", "metric", "segment"]].drop_duplicates()
    for scenario, metric_name, segment in present.itertuples(index=False):
        definition = METRICS.get(str(metric_name))
        if definition is None:
            continue
        rest = split_force(str(segment))[1]
        for default in definition.defaults:
            if default.segment != rest:
                continue
            rows.append(
                {
                    "scenario": str(scenario),
                    "metric": definition.name,
                    "segment": str(segment),
                    "stat": default.stat,
                    "direction": definition.direction if default.stat != THRESHOLD else "<=",
                    "target": default.value,
                    "unit": definition.unit_of(str(segment)),
                    "source": "national",
                }
            )
    return pd.DataFrame(rows, columns=TARGET_COLUMNS)


def _read_table(path: Path, columns: tuple[str, ...]) -> pd.DataFrame | None:
    """A CSV the report needs with these columns (``None`` if absent; an error if malformed)."""
    if not path.is_file():
        return None
    try:
        table = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (OSError, ValueError) as exc:
        raise _bad(path, f"cannot be read as CSV ({_first_line(exc)})") from None
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise _bad(
            path,
            f"has no column(s) {', '.join(missing)}; expected the columns {', '.join(columns)}",
        )
    if "target" in columns:
        table = check_table(path, table, (), ("target",))
    return table[list(columns)]


def _optional_csv(path: Path) -> pd.DataFrame | None:
    """A CSV the report can do without (``None`` if absent or empty; an error if damaged)."""
    if not path.is_file():
        return None
    try:
        frame = pd.read_csv(path, dtype={"segment": str, "scenario": str, "baseline": str})
    except pd.errors.EmptyDataError:
        return None
    except (OSError, ValueError) as exc:
        raise _bad(path, f"cannot be read as CSV ({_first_line(exc)})") from None
    return frame if len(frame) else None


def _first_line(exc: Exception) -> str:
    """An exception's message, its first line, short (never a file's contents)."""
    return (str(exc).splitlines() or [type(exc).__name__])[0][:160]
