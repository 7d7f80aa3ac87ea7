"""Where finished replications are kept: a results directory, or memory.

The one layout of a results directory (run and experiment alike)::

    experiment.json                             which plan this directory holds
    replications/<scenario>/<r>.parquet         metric values of replication r (written last)
    warmup/<scenario>/<r>.parquet               its hourly queue figures (warmup.csv)
    records/calls/<scenario>/<r>.parquet        its per-call records (with --records)
    records/incidents/<scenario>/<r>.parquet    its per-incident records (with --records)
    records/outages/<scenario>/<r>.parquet      its platform outage windows (with --records)

(:mod:`sim.files` names the paths, so readers such as the report share them.)

Each file is written atomically (a temporary name, then a rename), and a
replication's metric file is written after its other files, so a replication
counts as done exactly when its metric file exists: a run stopped at any
moment -- Ctrl-C, a killed process, a lost machine -- leaves only whole
replications, and ``--resume`` runs the rest. The summary files at the top of
the directory are always rebuilt from these files, so a resumed run writes
exactly what an uninterrupted one would.

One process writes a directory at a time (a lock on ``.lock``, held from
:meth:`ResultStore.open` to :meth:`ResultStore.close`), and resume verifies
what it reuses: each metric file records its scenario, replication, seed and
the plan's fingerprint, a file pyarrow cannot read is run again, and a file
that belongs elsewhere is refused, by name. (Opening, locking and replacing
the directory are in :mod:`sim.runs.store_claim`.)
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

from sim.errors import InputError, Problem
from sim.files import (
    REPLICATION_COLUMNS,
    REPLICATION_DIRS,
    FolderLock,
    atomic_write,
    not_a_regular_file,
    replication_file,
)
from sim.runs.checksums import changed_file, write_checksums
from sim.runs.replicate import ReplicationResult
from sim.runs.store_claim import (
    DURABLE_DIRS,
    REPORT_FILE,
    STORE_FILE,
    SUMMARY_FILES,
    StoreClaim,
)
from sim.runs.tables import now_utc, replication_table, writing_into

log = logging.getLogger(__name__)

#: The constants of the layout are re-exported: readers have always found them here.
__all__ = ["DURABLE_DIRS", "REPORT_FILE", "STORE_FILE", "SUMMARY_FILES", "ResultStore"]

_REPLICATION_FILE = re.compile(r"^(\d{5,})\.parquet$")
_METADATA_KEY = b"demandsim"


class ResultStore(StoreClaim):
    """Per-replication files of one results directory (a run's or an experiment's).

    Parameters
    ----------
    root
        The results directory.
    overwrite
        Replace the results of an earlier run or experiment found in ``root``
        (``--overwrite``): the files demandsim wrote there are deleted first
        (:data:`SUMMARY_FILES`, ``experiment.json``, the per-replication folders
        and the report's default ``report.html``), and nothing else. Without
        it, a directory holding results is refused unless it is resumed.
    """

    def __init__(self, root: Path, overwrite: bool = False):
        self.root = Path(root)
        self.overwrite = overwrite
        self.identity: dict[str, Any] = {}
        self._lock = FolderLock(self.root)
        self._verified: set[tuple[str, int]] = set()

    def __enter__(self) -> ResultStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    #: Whether finished replications survive the process (so a plan can resume).
    durable = True

    def path(self, kind: str, scenario: str, replication: int) -> Path:
        """File of one replication: ``kind`` is values, warmup, calls, incidents or outages."""
        return replication_file(self.root, kind, scenario, replication)

    # ----------------------------------------------------------------- writing

    def save(self, result: ReplicationResult) -> None:
        """Write one finished replication: records and warm-up first, metric values last."""
        with writing_into(self.root, f"replication {result.replication} of {result.scenario}"):
            self._save(result)

    def _save(self, result: ReplicationResult) -> None:
        scenario, replication = result.scenario, result.replication
        for kind, table in (result.records or {}).items():
            path = self.path(kind, scenario, replication)
            atomic_write(path, lambda p, t=table: t.to_parquet(p, index=False))
        warmup = result.warmup
        if warmup is not None:
            path = self.path("warmup", scenario, replication)
            atomic_write(path, lambda p: warmup.to_parquet(p, index=False))
        table = pa.Table.from_pandas(replication_table([result]), preserve_index=False)
        saved = [*(result.records or {}), *(["warmup"] if warmup is not None else []), "values"]
        details = {
            # Where the file belongs: resume refuses it anywhere else (see completed).
            "scenario": scenario,
            "replication": replication,
            "seed": result.seed,
            "fingerprint": self.identity.get("fingerprint"),
            "calls": result.calls,
            "events": result.events,
            "wall_s": result.wall_s,
            "finished": now_utc(),
        }
        metadata = {**(table.schema.metadata or {}), _METADATA_KEY: json.dumps(details).encode()}
        table = table.replace_schema_metadata(metadata)
        values_path = self.path("values", scenario, replication)
        atomic_write(values_path, lambda p: pq.write_table(table, p))
        # Written last: resume re-runs the replication if any file no longer matches.
        write_checksums(values_path, {k: self.path(k, scenario, replication) for k in saved})
        self._verified.add((scenario, replication))

    # ----------------------------------------------------------------- reading

    def completed(self, needs: Iterable[str] = ("warmup",)) -> set[tuple[str, int]]:
        """``(scenario, replication)`` of every replication whose files are all present.

        A file found on disk (not saved by this store) is verified once: one
        pyarrow cannot read is left out (so it is run again), and one whose
        recorded scenario, replication, seed or plan differs from where it sits
        is refused. Files saved before these were recorded are only read.

        Parameters
        ----------
        needs
            Other kinds of file a replication must have to count as done (a run
            that now wants records re-runs replications saved without them).

        Raises
        ------
        InputError
            Naming every file that belongs to another scenario, replication or plan.
        """
        done: set[tuple[str, int]] = set()
        misplaced: list[Problem] = []
        base = self.root / REPLICATION_DIRS["values"]
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
                key = (folder.name, replication)
                if not all(self.path(kind, *key).exists() for kind in needs):
                    continue
                if key not in self._verified:
                    problem = self._verify(key, needs)
                    if problem is False:
                        continue
                    if problem is not True:
                        misplaced.append(problem)
                        continue
                    self._verified.add(key)
                done.add(key)
        if misplaced:
            raise InputError(misplaced)
        return done

    def finished(self) -> int:
        """How many replications have their metric file saved (for messages; not verified)."""
        base = self.root / REPLICATION_DIRS["values"]
        return sum(1 for path in base.glob("*/*.parquet") if _REPLICATION_FILE.match(path.name))

    def _verify(self, key: tuple[str, int], needs: Iterable[str]) -> Problem | bool:
        """True if a stored replication can be reused, False if damaged, else why it is refused."""
        path = self.path("values", *key)
        odd = next(
            (f for f in (path, *(self.path(k, *key) for k in needs)) if not_a_regular_file(f)),
            None,
        )
        if odd is not None:  # a FIFO or device would block the reader: run it again
            log.warning("%s is not a regular file: running replication %d again", odd, key[1])
            return False
        try:
            schema = pq.read_table(path).schema
            for kind in needs:
                pq.read_metadata(self.path(kind, *key))
            raw = (schema.metadata or {}).get(_METADATA_KEY)
            recorded = json.loads(raw) if raw else {}
            changed = changed_file(path, {k: self.path(k, *key) for k in ("values", *needs)})
        except (OSError, ValueError, TypeError, AttributeError, pa.ArrowException) as exc:
            log.warning("%s is damaged (%s): running replication %d again", path, exc, key[1])
            return False
        expected = {
            "scenario": key[0],
            "replication": key[1],
            "seed": self.identity.get("seed"),
            "fingerprint": self.identity.get("fingerprint"),
        }
        wrong = [
            f"{name} {recorded[name]!r} (expected {want!r})"
            for name, want in expected.items()
            if name in recorded and want is not None and recorded[name] != want
        ]
        if not wrong and changed is not None:
            log.warning(
                "%s does not match the checksum saved with it: running replication %d again",
                changed,
                key[1],
            )
            return False
        if not wrong:
            return True
        return Problem(
            "--out",
            str(path),
            f"holds a replication of another scenario, replication or plan: {', '.join(wrong)}; "
            "remove the file (the replication is then run again) or resume into the "
            "directory it came from",
        )

    def load_values(self, wanted: Sequence[tuple[str, int]]) -> pd.DataFrame:
        """Metric values of the given replications, in the order given (replications.parquet)."""
        frames = [
            pd.read_parquet(self.path("values", scenario, replication))
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
        schema = pq.read_schema(self.path("values", scenario, replication))
        raw = (schema.metadata or {}).get(_METADATA_KEY)
        return json.loads(raw) if raw else {}
