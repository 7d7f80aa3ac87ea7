"""Plain functions behind the command-line commands.

Each CLI command in ``cli.py`` parses its arguments and calls one function here;
these functions never print (they log, and return what the CLI shows).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pandas as pd

from sim.analytic import QueueFigures, erlang_a_figures, erlang_c_figures
from sim.config import (
    ConfigError,
    Problem,
    Scenario,
    load_scenario,
    read_yaml_file,
    scenario_from_dict,
)
from sim.results import build_manifest, now_utc, write_results
from sim.runner import (
    ReplicationResult,
    replication_table,
    run_replications,
    summarise,
)

log = logging.getLogger(__name__)

DEFAULT_RESULTS_ROOT = Path("results")


@dataclass(frozen=True)
class RunOutcome:
    """What ``demandsim run`` produced: where, and the summary table."""

    out_dir: Path
    scenario: Scenario
    summary: pd.DataFrame
    calls: int
    wall_s: float


def cli_overrides(
    overrides: Sequence[str],
    replications: int | None = None,
    seed: int | None = None,
    days: float | None = None,
    warmup_days: float | None = None,
) -> list[str]:
    """``--set`` strings for the run options, after the user's own ``--set`` values."""
    result = list(overrides)
    for field, value in (
        ("replications", replications),
        ("seed", seed),
        ("days", days),
        ("warmup_days", warmup_days),
    ):
        if value is not None:
            result.append(f"{field}={value}")
    return result


def default_out_dir(scenario: Scenario, root: Path = DEFAULT_RESULTS_ROOT) -> Path:
    """``results/<scenario>-<YYYYmmdd-HHMMSS>``: a new directory per run."""
    return root / f"{scenario.name}-{datetime.now():%Y%m%d-%H%M%S}"


def run_scenario(
    path: Path,
    overrides: Sequence[str] = (),
    out_dir: Path | None = None,
    keep_records: bool = False,
    workers: int = 1,
    on_start: Callable[[int], None] | None = None,
    on_done: Callable[[ReplicationResult], None] | None = None,
) -> RunOutcome:
    """Run every replication of a scenario file and write its results directory.

    Parameters
    ----------
    path
        Scenario YAML file.
    overrides
        ``a.b.c=VALUE`` overrides applied before validation.
    out_dir
        Results directory; default ``results/<scenario>-<timestamp>``.
    keep_records
        Also write per-call records (``records/calls.parquet``).
    workers
        Worker processes (1: run in this process).
    on_start, on_done
        Called with the number of replications before the first starts, and with
        each replication's result as it finishes (for a progress bar).

    Raises
    ------
    ConfigError
        If the scenario or an override is invalid, or the output path is unusable.
    """
    scenario = load_scenario(path, overrides)
    out_dir = out_dir if out_dir is not None else default_out_dir(scenario)
    if out_dir.exists() and not out_dir.is_dir():
        raise ConfigError([Problem("--out", str(out_dir), "is a file; expected a directory")])
    started = now_utc()
    replications = list(range(scenario.replications))
    if on_start:
        on_start(len(replications))
    log.info("running %s: %d replications", scenario.name, len(replications))
    results = run_replications(
        scenario, replications, scenario.seed, workers, keep_records, on_done
    )
    table = replication_table(results)
    summary = summarise(table)
    records = (
        pd.concat([r.records for r in results if r.records is not None], ignore_index=True)
        if keep_records
        else None
    )
    manifest = build_manifest(
        [scenario],
        scenario.seed,
        replications,
        started,
        now_utc(),
        extra={"source": str(path), "overrides": list(overrides), "workers": workers},
    )
    write_results(out_dir, summary, table, manifest, records)
    return RunOutcome(
        out_dir=out_dir,
        scenario=scenario,
        summary=summary,
        calls=sum(r.calls for r in results),
        wall_s=sum(r.wall_s for r in results),
    )


def validate_file(path: Path) -> str:
    """Check a scenario file; return a one-line description of what it holds.

    Raises
    ------
    ConfigError
        With every problem found.
    """
    raw = read_yaml_file(path)
    scenario = scenario_from_dict(raw, str(path))
    channels = sum(len(f.channels) for f in scenario.forces.values())
    return (
        f"{path}: valid scenario '{scenario.name}': {len(scenario.forces)} force(s), "
        f"{channels} channel(s), {len(scenario.handler_pools)} handler pool(s), "
        f"{scenario.days:g} days after {scenario.warmup_days:g} warm-up, "
        f"{scenario.replications} replication(s)"
    )


def erlang(
    model: str,
    calls_per_hour: float,
    aht_s: float,
    agents: int,
    target_s: float,
    patience_s: float | None = None,
) -> QueueFigures:
    """Analytic Erlang C (``model='c'``) or Erlang A (``model='a'``) figures.

    Raises
    ------
    ConfigError
        For arguments out of range, naming the option.
    """
    try:
        if model == "a":
            if patience_s is None:
                raise ConfigError(
                    [Problem("erlang a", "--patience", "missing; Erlang A needs mean patience")]
                )
            return erlang_a_figures(calls_per_hour, aht_s, agents, patience_s, target_s)
        return erlang_c_figures(calls_per_hour, aht_s, agents, target_s)
    except ValueError as exc:
        raise ConfigError([Problem(f"erlang {model}", "", str(exc))]) from None


HEADLINE_STATS = {
    ("offered", "count"): "offered",
    ("answer_time", "mean"): "mean answer (s)",
    ("answer_time", "p90"): "p90 answer (s)",
    ("answered_within_target", "value"): "within target (%)",
    ("abandoned", "value"): "abandoned (%)",
}


def headline(summary: pd.DataFrame) -> pd.DataFrame:
    """The headline contact figures: one row per call segment, one column per figure.

    Cells are ``(mean, ci_low, ci_high)`` tuples.
    """
    rows: dict[str, dict[str, tuple[float, float, float]]] = {}
    for row in summary.itertuples(index=False):
        label = HEADLINE_STATS.get((row.metric, row.stat))
        if label is not None:
            rows.setdefault(row.segment, {})[label] = (row.mean, row.ci_low, row.ci_high)
    return pd.DataFrame.from_dict(rows, orient="index")[list(HEADLINE_STATS.values())]


def occupancy(summary: pd.DataFrame) -> pd.DataFrame:
    """Occupancy per handler pool (mean and interval, %)."""
    return summary[summary["metric"] == "occupancy"][["segment", "mean", "ci_low", "ci_high"]]
