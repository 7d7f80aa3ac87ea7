"""The durable part of an experiment's results directory: one file set per replication.

Layout (inside the results directory)::

    experiment.json                         which experiment this directory holds
    replications/<scenario>/<r>.parquet     metric values of replication r (written last)
    warmup/<scenario>/<r>.parquet           its hourly queue figures (warmup.csv)
    records/<scenario>/<r>.parquet          its per-call records (with records: true)
    incidents/<scenario>/<r>.parquet        its per-incident records (with records: true)

Each file is written atomically (a temporary name, then a rename), and a
replication's metric file is written after its other files, so a replication
counts as done exactly when its metric file exists: a run stopped at any
moment -- Ctrl-C, a killed process, a lost machine -- leaves only whole
replications, and ``--resume`` runs the rest. The summary files at the top of
the directory are always rebuilt from these files, so a resumed run writes
exactly what an uninterrupted one would.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from sim.config import InputError, Problem
from sim.files import atomic_write, write_json
from sim.runs.results import now_utc
from sim.runs.runner import REPLICATION_COLUMNS, ReplicationResult, replication_table

log = logging.getLogger(__name__)

STORE_FILE = "experiment.json"
DURABLE_DIRS = ("replications", "warmup", "records", "incidents")
#: Files of the results directory an experiment writes at the end (rebuilt on resume).
SUMMARY_FILES = (
    "summary.csv",
    "comparison.csv",
    "replications.parquet",
    "warmup.csv",
    "precision.csv",
    "failures.csv",
    "manifest.json",
)
_REPLICATION_FILE = re.compile(r"^(\d{5,})\.parquet$")
_METADATA_KEY = b"demandsim"


class ResultStore:
    """Per-replication files of one experiment's results directory.

    Parameters
    ----------
    root
        The results directory.
    """

    def __init__(self, root: Path):
        self.root = Path(root)

    def path(self, kind: str, scenario: str, replication: int) -> Path:
        """File of one replication: ``kind`` is replications, warmup or records."""
        return self.root / kind / scenario / f"{replication:05d}.parquet"

    # ----------------------------------------------------------------- opening

    def open(self, identity: dict[str, Any], resume: bool) -> None:
        """Make the directory ready for an experiment, or check it holds this one.

        Parameters
        ----------
        identity
            What identifies the experiment; must include a ``fingerprint`` (see
            :meth:`sim.runs.experiment.ExperimentPlan.fingerprint`).
        resume
            Continue the experiment whose results are already in the directory.

        Raises
        ------
        InputError
            If the directory is a file, holds other results, holds this
            experiment without ``resume``, or holds a different experiment.
        """
        where = str(self.root)
        if self.root.exists() and not self.root.is_dir():
            raise InputError([Problem("--out", where, "is a file; expected a directory")])
        marker = self.root / STORE_FILE
        if marker.exists():
            try:
                held = json.loads(marker.read_text())
            except (OSError, ValueError):
                held = {}
            if held.get("fingerprint") != identity["fingerprint"]:
                raise InputError(
                    [
                        Problem(
                            "--out",
                            where,
                            f"holds results of a different experiment ({held.get('name', '?')}, "
                            "or the same one with different scenarios or settings); expected "
                            "a new directory, or the same experiment file to resume",
                        )
                    ]
                )
            if not resume:
                raise InputError(
                    [
                        Problem(
                            "--out",
                            where,
                            "already holds results of this experiment; add --resume to finish "
                            "it, or give a new directory",
                        )
                    ]
                )
            self._remove_temporary_files()
            return
        if self.root.exists() and any(self.root.iterdir()):
            raise InputError(
                [
                    Problem(
                        "--out",
                        where,
                        "is not empty and does not hold an experiment's results; expected a "
                        "new or empty directory",
                    )
                ]
            )
        if resume:
            log.info("nothing to resume in %s: starting the experiment", where)
        self.root.mkdir(parents=True, exist_ok=True)
        write_json({**identity, "created": now_utc()}, marker)

    def _remove_temporary_files(self) -> None:
        """Delete half-written temporary files left by an interrupted run."""
        removed = 0
        for kind in DURABLE_DIRS:
            for path in (self.root / kind).glob("*/.*"):
                path.unlink(missing_ok=True)
                removed += 1
        for name in SUMMARY_FILES:
            for path in self.root.glob(f".{name}.*"):
                path.unlink(missing_ok=True)
                removed += 1
        if removed:
            log.info("removed %d half-written file(s) from an interrupted run", removed)

    # ----------------------------------------------------------------- writing

    def save(
        self,
        result: ReplicationResult,
        warmup: pd.DataFrame | None = None,
        records: dict[str, pd.DataFrame] | None = None,
    ) -> None:
        """Write one finished replication: records and warm-up first, metric values last.

        ``records`` holds ``calls`` (saved under ``records/``) and, where the
        scenario has incidents, ``incidents`` (under ``incidents/``).
        """
        scenario, replication = result.scenario, result.replication
        for kind, table in (records or {}).items():
            path = self.path("records" if kind == "calls" else kind, scenario, replication)
            atomic_write(path, lambda p, t=table: t.to_parquet(p, index=False))
        if warmup is not None:
            path = self.path("warmup", scenario, replication)
            atomic_write(path, lambda p: warmup.to_parquet(p, index=False))
        table = pa.Table.from_pandas(replication_table([result]), preserve_index=False)
        details = {
            "calls": result.calls,
            "events": result.events,
            "wall_s": result.wall_s,
            "finished": now_utc(),
        }
        metadata = {**(table.schema.metadata or {}), _METADATA_KEY: json.dumps(details).encode()}
        table = table.replace_schema_metadata(metadata)
        atomic_write(
            self.path("replications", scenario, replication), lambda p: pq.write_table(table, p)
        )

    # ----------------------------------------------------------------- reading

    def completed(self, needs: Iterable[str] = ("warmup",)) -> set[tuple[str, int]]:
        """``(scenario, replication)`` of every replication whose files are all present.

        Parameters
        ----------
        needs
            Other kinds of file a replication must have to count as done (a run
            that now wants records re-runs replications saved without them).
        """
        done: set[tuple[str, int]] = set()
        base = self.root / "replications"
        if not base.is_dir():
            return done
        for folder in base.iterdir():
            if not folder.is_dir():
                continue
            for path in folder.iterdir():
                match = _REPLICATION_FILE.match(path.name)
                if not match:
                    continue
                replication = int(match.group(1))
                if all(self.path(kind, folder.name, replication).exists() for kind in needs):
                    done.add((folder.name, replication))
        return done

    def load_values(self, wanted: Sequence[tuple[str, int]]) -> pd.DataFrame:
        """Metric values of the given replications, in the order given (replications.parquet)."""
        frames = [
            pd.read_parquet(self.path("replications", scenario, replication))
            for scenario, replication in wanted
        ]
        if not frames:
            return pd.DataFrame(columns=REPLICATION_COLUMNS)
        return pd.concat(frames, ignore_index=True)[REPLICATION_COLUMNS]

    def load_warmup(self, wanted: Sequence[tuple[str, int]]) -> list[pd.DataFrame]:
        """Hourly warm-up profiles of the given replications, each with its scenario added."""
        frames = []
        for scenario, replication in wanted:
            path = self.path("warmup", scenario, replication)
            if path.exists():
                frame = pd.read_parquet(path)
                frame.insert(0, "scenario", scenario)
                frames.append(frame)
        return frames

    def details(self, scenario: str, replication: int) -> dict[str, Any]:
        """Calls, events and wall-clock seconds recorded with one replication."""
        schema = pq.read_schema(self.path("replications", scenario, replication))
        raw = (schema.metadata or {}).get(_METADATA_KEY)
        return json.loads(raw) if raw else {}
