"""Fixture files of a results directory the report reads: targets.csv and changes.csv.

The run pipeline writes both; these helpers write them for fixture results
(from a short real run, or a summary.csv made up in the test) so the report's
tests say exactly which targets and changes the report must show.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

import pandas as pd

from sim.catalogue import METRICS, THRESHOLD, split_force
from sim.files import CHANGE_COLUMNS, TARGET_COLUMNS

#: A figure's key in overrides: (metric, segment, stat).
Key = tuple[str, str, str]


def write_targets(
    root: Path,
    overrides: Mapping[Key, float] | None = None,
    per_scenario: Mapping[str, Mapping[Key, float]] | None = None,
) -> pd.DataFrame:
    """Write ``targets.csv``: the catalogue's national standards for every segment, then overrides.

    Parameters
    ----------
    root
        The results directory (its ``summary.csv`` gives scenarios and segments).
    overrides
        Targets set in every scenario (``source`` ``scenario``), by
        ``(metric, segment, stat)``; a key the standards lack is added.
    per_scenario
        Targets set in one scenario only, by scenario name.
    """
    summary = pd.read_csv(root / "summary.csv", dtype={"segment": str, "scenario": str})
    rows: dict[tuple[str, str, str, str], dict[str, object]] = {}
    present = summary[["scenario", "metric", "segment"]].drop_duplicates()
    for scenario, metric_name, segment in present.itertuples(index=False):
        definition = METRICS.get(metric_name)
        if definition is None:
            continue
        for default in definition.defaults:
            if default.segment == split_force(segment)[1]:
                rows[(scenario, metric_name, segment, default.stat)] = _row(
                    scenario, metric_name, segment, default.stat, default.value, "national"
                )
    scenarios = list(dict.fromkeys(summary["scenario"]))
    for scenario in scenarios:
        chosen = {**(overrides or {}), **((per_scenario or {}).get(scenario) or {})}
        for (metric_name, segment, stat), value in chosen.items():
            rows[(scenario, metric_name, segment, stat)] = _row(
                scenario, metric_name, segment, stat, value, "scenario"
            )
    table = pd.DataFrame(list(rows.values()), columns=TARGET_COLUMNS)
    table.to_csv(root / "targets.csv", index=False)
    return table


def _row(
    scenario: str, metric_name: str, segment: str, stat: str, value: float, source: str
) -> dict[str, object]:
    definition = METRICS[metric_name]
    return {
        "scenario": scenario,
        "metric": metric_name,
        "segment": segment,
        "stat": stat,
        "direction": "<=" if stat == THRESHOLD else definition.direction,
        "target": value,
        "unit": definition.unit_of(segment),
        "source": source,
    }


def write_changes(root: Path, changes: Iterable[tuple[str, str, str, str, str]] = ()) -> None:
    """Write ``changes.csv``: ``(scenario, path, before, after, label)`` rows (or the header)."""
    pd.DataFrame(list(changes), columns=CHANGE_COLUMNS).to_csv(root / "changes.csv", index=False)


def write_summary(root: Path, figures: Iterable[tuple[str, str, str, str, str, float]]) -> None:
    """Write a made-up ``summary.csv`` from ``(scenario, metric, segment, stat, unit, mean)``.

    Each figure gets a 95% interval of ±5% of its mean, over 10 replications.
    """
    rows = [
        {
            "scenario": scenario,
            "metric": metric_name,
            "segment": segment,
            "stat": stat,
            "unit": unit,
            "mean": mean,
            "ci_low": mean * 0.95,
            "ci_high": mean * 1.05,
            "replications": 10,
        }
        for scenario, metric_name, segment, stat, unit, mean in figures
    ]
    root.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(rows).to_csv(root / "summary.csv", index=False)
