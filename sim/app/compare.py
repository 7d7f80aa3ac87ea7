"""``demandsim compare RESULTS_A RESULTS_B``: any two runs, as an experiment compares.

Two results directories a planner made separately (``demandsim run`` twice) are
put side by side as one experiment of two scenarios, A the baseline: their
replications are read, and the comparison is the one an experiment makes
(:func:`sim.metrics.statistics.compare`). When the two runs used the same seed
and share replication numbers, replication ``r`` of each saw the same random
numbers, and the differences are paired (the same intervals an experiment of
the two scenarios gives); otherwise they are independent samples and the
intervals are Welch's. The output directory is a results directory the panel
report reads: ``summary.csv``, ``replications.parquet``, ``comparison.csv``,
``targets.csv``, ``changes.csv`` (settings that differ between the two runs'
scenarios) and ``manifest.json``.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from sim.app.run import check_out_dir, default_out_dir
from sim.errors import InputError, Problem
from sim.files import CHANGE_COLUMNS, write_json, write_table
from sim.metrics.statistics import compare
from sim.runs.tables import now_utc

#: What a side of the comparison needs from its results directory.
NEEDED = ("replications.parquet", "summary.csv", "manifest.json")


@dataclass(frozen=True)
class RunSide:
    """One of the two runs: its directory, its scenario (renamed if both share a name)."""

    root: Path
    scenario: str
    label: str
    seed: int | None
    replications: tuple[int, ...]
    manifest: dict[str, Any]


@dataclass(frozen=True)
class Comparison:
    """What ``compare`` found and wrote.

    Attributes
    ----------
    out_dir
        The results directory written.
    baseline, other
        The two runs (A is the baseline).
    paired
        Whether the differences are paired (same seed, shared replications).
    reason
        Why paired or not, in words.
    comparison
        ``comparison.csv`` as written.
    """

    out_dir: Path
    baseline: RunSide
    other: RunSide
    paired: bool
    reason: str
    comparison: pd.DataFrame


def _bad(root: Path, message: str) -> InputError:
    return InputError([Problem(str(root), "", message)])


def read_side(root: Path) -> RunSide:
    """A run's results directory, checked: one scenario, with its replications and seed.

    Raises
    ------
    InputError
        Not a results directory, missing a file, or holding several scenarios.
    """
    if not root.is_dir():
        raise _bad(root, "is not a directory; expected a results directory (demandsim run --out)")
    for name in NEEDED:
        if not (root / name).is_file():
            raise _bad(root, f"has no {name}; expected a results directory of demandsim run")
    values = pd.read_parquet(root / "replications.parquet")
    scenarios = list(dict.fromkeys(values["scenario"].astype(str)))
    if len(scenarios) != 1:
        raise _bad(
            root,
            f"holds {len(scenarios)} scenarios ({', '.join(scenarios)}); expected one run: "
            "an experiment already compares its scenarios (its comparison.csv)",
        )
    try:
        manifest = json.loads((root / "manifest.json").read_text())
    except ValueError as exc:
        raise _bad(root / "manifest.json", f"cannot be read as JSON ({exc})") from None
    seeds = values["seed"].unique() if "seed" in values.columns else []
    seed = int(seeds[0]) if len(seeds) else manifest.get("seed")
    replications = tuple(sorted(int(r) for r in values["replication"].unique()))
    return RunSide(root, scenarios[0], scenarios[0], seed, replications, manifest)


def _labels(a: RunSide, b: RunSide) -> tuple[str, str]:
    """Distinct names for the two sides: their scenarios', else their folders', else A/B."""
    if a.scenario != b.scenario:
        return a.scenario, b.scenario
    if a.root.name != b.root.name:
        return a.root.name, b.root.name
    return f"{a.scenario}-a", f"{b.scenario}-b"


def pairing(a: RunSide, b: RunSide) -> tuple[bool, str]:
    """Whether the two runs' replications pair up (common random numbers), and why."""
    shared = sorted(set(a.replications) & set(b.replications))
    if a.seed != b.seed:
        return False, f"unpaired (Welch): the runs used different seeds ({a.seed}, {b.seed})"
    if len(shared) < 2:
        return False, "unpaired (Welch): the runs share fewer than two replication numbers"
    return True, (
        f"paired: the same seed ({a.seed}) and {len(shared)} shared replications, so the same "
        "random numbers"
    )


def _renamed(frame: pd.DataFrame, old: str, new: str) -> pd.DataFrame:
    frame = frame.copy()
    frame["scenario"] = frame["scenario"].astype(str).replace({old: new})
    return frame


def _leaves(node: Any, path: str = "") -> dict[str, Any]:
    """Every setting of a scenario dump by dotted path, list items by index."""
    if isinstance(node, dict) and node:
        items: Any = node.items()
    elif isinstance(node, list) and node and isinstance(node[0], dict):
        items = enumerate(node)
    else:
        return {path: node}
    found: dict[str, Any] = {}
    for key, value in items:
        found.update(_leaves(value, f"{path}.{key}" if path else str(key)))
    return found


def _text(value: Any) -> str:
    return "none" if value is None else json.dumps(value, separators=(",", ":"))[:120]


def _platform_name(dump: dict[str, Any]) -> str:
    platform = dump.get("platform")
    return str(platform.get("name", "inline")) if isinstance(platform, dict) else "none"


def changes_between(a: dict[str, Any], b: dict[str, Any], scenario: str) -> pd.DataFrame:
    """``changes.csv``: the settings of B's scenario that differ from A's (names aside).

    Another platform is one change (``platform legacy → cmp``), not each of its fields.
    """
    rows = []
    old_platform, new_platform = _platform_name(a), _platform_name(b)
    if old_platform != new_platform:
        label = f"platform {old_platform} → {new_platform}"
        rows.append((scenario, "platform", old_platform, new_platform, label))
        a, b = ({k: v for k, v in dump.items() if k != "platform"} for dump in (a, b))
    before, after = _leaves(a), _leaves(b)
    for path in dict.fromkeys([*before, *after]):
        if path in ("name", "description"):
            continue
        old, new = _text(before.get(path)), _text(after.get(path))
        if old != new:
            rows.append((scenario, path, old, new, f"{path} {old} → {new}"))
    return pd.DataFrame(rows, columns=CHANGE_COLUMNS)


def _scenario_dump(side: RunSide) -> dict[str, Any]:
    return (side.manifest.get("scenarios") or {}).get(side.scenario) or {}


def compare_runs(a_dir: Path, b_dir: Path, out_dir: Path | None = None) -> Comparison:
    """Compare two runs' results (B against A) and write a results directory of both.

    Parameters
    ----------
    a_dir, b_dir
        Results directories of ``demandsim run`` (one scenario each); A is the baseline.
    out_dir
        Where to write; default ``results/<A>-vs-<B>-<timestamp>``.

    Raises
    ------
    InputError
        If either directory is not a run's results, or ``out_dir`` is unusable.
    """
    started = now_utc()
    a, b = read_side(a_dir), read_side(b_dir)
    a_label, b_label = _labels(a, b)
    a = RunSide(a.root, a.scenario, a_label, a.seed, a.replications, a.manifest)
    b = RunSide(b.root, b.scenario, b_label, b.seed, b.replications, b.manifest)
    paired, reason = pairing(a, b)
    out_dir = out_dir if out_dir is not None else default_out_dir(f"{a_label}-vs-{b_label}")
    check_out_dir(out_dir)
    if out_dir.exists() and any(out_dir.iterdir()) and not (out_dir / "comparison.csv").exists():
        raise InputError(
            [Problem("--out", str(out_dir), "is not empty; expected a new or empty directory")]
        )

    def both(name: str, reader: Any) -> pd.DataFrame | None:
        frames = []
        for side in (a, b):
            path = side.root / name
            if not path.is_file():
                return None
            frames.append(_renamed(reader(path), side.scenario, side.label))
        return pd.concat(frames, ignore_index=True)

    def csv(path: Path) -> pd.DataFrame:
        return pd.read_csv(path, dtype={"segment": str, "scenario": str})

    values = both("replications.parquet", pd.read_parquet)
    summary = both("summary.csv", csv)
    assert values is not None and summary is not None  # read_side checked they exist
    comparison = compare(values, a.label, paired=paired)
    out_dir.mkdir(parents=True, exist_ok=True)
    write_table(values, out_dir / "replications.parquet")
    write_table(summary, out_dir / "summary.csv")
    write_table(comparison, out_dir / "comparison.csv")
    for name in ("targets.csv", "warmup.csv"):
        table = both(name, csv)
        if table is not None:
            write_table(table, out_dir / name)
    changes = changes_between(_scenario_dump(a), _scenario_dump(b), b.label)
    write_table(changes, out_dir / "changes.csv")
    write_json(
        {
            "kind": "comparison",
            "command": list(sys.argv),
            "started": started,
            "finished": now_utc(),
            "seed": a.seed if a.seed == b.seed else f"{a.seed} and {b.seed}",
            "replications": sorted(set(a.replications) | set(b.replications)),
            "versions": a.manifest.get("versions") or {},
            "experiment": {
                "name": f"{a.label}-vs-{b.label}",
                "source": f"demandsim compare {a.root} {b.root}",
                "base": a.scenario,
                "baseline": a.label,
            },
            "comparison": {
                "paired": paired,
                "method": "paired t" if paired else "Welch t",
                "reason": reason,
                "runs": {
                    side.label: {
                        "results": str(side.root),
                        "scenario": side.scenario,
                        "seed": side.seed,
                        "replications": list(side.replications),
                    }
                    for side in (a, b)
                },
            },
            "scenarios": {side.label: _scenario_dump(side) for side in (a, b)},
        },
        out_dir / "manifest.json",
    )
    return Comparison(out_dir, a, b, paired, reason, comparison)
