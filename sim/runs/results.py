"""The results directory of DESIGN §3: summary, replications, records, manifest.

Every file is written atomically (to a temporary name in the same directory,
then renamed), so an interrupted run never leaves a half-written file behind.
Nothing is written outside the directory given.
"""

from __future__ import annotations

import platform
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import pandas as pd

from sim.config import Scenario
from sim.files import write_json, write_table

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


def now_utc() -> str:
    """The current time, ISO 8601 in UTC."""
    return datetime.now(UTC).isoformat(timespec="seconds")


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
    out_dir: Path,
    summary: pd.DataFrame,
    replications: pd.DataFrame,
    manifest: dict[str, Any],
    records: dict[str, pd.DataFrame] | None = None,
) -> None:
    """Write the results directory: summary.csv, replications.parquet, manifest.json, records/.

    ``records`` maps a table name (``calls``, ``incidents``) to its rows, written
    as ``records/<name>.parquet``.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    for kind, table in (records or {}).items():
        write_table(table, out_dir / "records" / f"{kind}.parquet")
    write_table(replications, out_dir / "replications.parquet")
    write_table(summary, out_dir / "summary.csv")
    write_json(manifest, out_dir / "manifest.json")
