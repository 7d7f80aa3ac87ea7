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
that belongs elsewhere is refused, by name.
"""

from __future__ import annotations

import json
import logging
import re
import shutil
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from sim.errors import InputError, Problem
from sim.files import (
    LOCK_FILE,
    REPLICATION_COLUMNS,
    REPLICATION_DIRS,
    FolderInUseError,
    FolderLock,
    atomic_write,
    not_a_regular_file,
    replication_file,
    unwritable_reason,
    write_json,
)
from sim.runs.checksums import changed_file, write_checksums
from sim.runs.replicate import ReplicationResult
from sim.runs.tables import now_utc, replication_table, writing_into

log = logging.getLogger(__name__)

STORE_FILE = "experiment.json"
DURABLE_DIRS = tuple(REPLICATION_DIRS.values())
#: Files of the results directory an experiment writes at the end (rebuilt on resume).
SUMMARY_FILES = (
    "summary.csv",
    "comparison.csv",
    "replications.parquet",
    "warmup.csv",
    "precision.csv",
    "failures.csv",
    "manifest.json",
    "targets.csv",
    "changes.csv",
    "geography.json",
)
#: Where ``demandsim report`` writes its page by default (deleted with the results it shows).
REPORT_FILE = "report.html"
_REPLICATION_FILE = re.compile(r"^(\d{5,})\.parquet$")
_METADATA_KEY = b"demandsim"


class ResultStore:
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

    def close(self) -> None:
        """Release the directory for another run (the files stay)."""
        self._lock.release()

    #: Whether finished replications survive the process (so a plan can resume).
    durable = True

    def path(self, kind: str, scenario: str, replication: int) -> Path:
        """File of one replication: ``kind`` is values, warmup, calls, incidents or outages."""
        return replication_file(self.root, kind, scenario, replication)

    # ----------------------------------------------------------------- opening

    def open(self, identity: dict[str, Any], resume: bool) -> None:
        """Make the directory ready for a plan, or check it holds this one.

        Parameters
        ----------
        identity
            What identifies the plan; must include a ``fingerprint`` (see
            :meth:`sim.runs.plan.RunPlan.fingerprint`) and its ``kind``.
        resume
            Continue the plan whose results are already in the directory.

        Raises
        ------
        InputError
            If the directory is a file, cannot be created or written, is in use
            by another process, holds other results, holds this experiment
            without ``resume``, or holds a different one.
        """
        try:
            self._open(identity, resume)
        except BaseException:
            self.close()  # a refused directory is left as it was, with no .lock of ours
            raise
        self.identity = dict(identity)

    def _open(self, identity: dict[str, Any], resume: bool) -> None:
        where = str(self.root)
        if self.overwrite and resume:
            raise InputError(
                [
                    Problem(
                        "--overwrite",
                        "",
                        "and --resume contradict each other: --resume finishes the results "
                        "in --out, --overwrite replaces them; give one",
                    )
                ]
            )
        if self.root.exists() and not self.root.is_dir():
            raise self._refused("is a file; expected a directory")
        self._take()
        marker = self.root / STORE_FILE
        held = self._held(marker)
        if held is not None and self.overwrite:
            self._remove_results(held)
        elif held is not None:
            self._check_held(held, identity, resume)
            self._remove_temporary_files()
            return
        elif (self.root / REPLICATION_DIRS["values"]).is_dir():
            # Replications without experiment.json or manifest.json: whose they are is unknown.
            raise self._refused(
                f"holds replications but neither {STORE_FILE} nor manifest.json, "
                "which say which run or experiment they belong to; restore "
                f"{STORE_FILE} to resume, or give a new directory"
            )
        elif any(p.name != LOCK_FILE for p in self.root.iterdir()):
            # --overwrite too: it replaces demandsim's results, never anyone else's files.
            raise self._refused(
                "is not empty and does not hold results of demandsim run or "
                "experiment; expected a new or empty directory (--overwrite replaces "
                "only demandsim's results)"
            )
        if resume:
            log.info("nothing to resume in %s: starting afresh", where)
        write_json({**identity, "created": now_utc()}, marker)

    def _refused(self, message: str) -> InputError:
        """Bad input naming ``--out`` and this directory."""
        return InputError([Problem("--out", str(self.root), message)])

    def _take(self) -> None:
        """Create the directory, check files can be written in it, and lock it."""
        try:
            self.root.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            parent = next((p for p in self.root.parents if p.exists()), None)
            reason = (
                f"its parent {parent} is a file"
                if parent is not None and not parent.is_dir()
                else exc.strerror or str(exc)
            )
            raise self._refused(f"cannot be created: {reason}; expected a directory") from None
        reason = unwritable_reason(self.root)
        if reason is None:
            try:
                self._lock.acquire()
            except FolderInUseError as busy:
                pid = f"pid {busy.pid}" if busy.pid is not None else "pid unknown"
                raise self._refused(
                    f"is in use by another run or experiment ({pid}); wait for it "
                    "to finish, or give another directory"
                ) from None
            except OSError as exc:
                reason = exc.strerror or str(exc)
        if reason is not None:
            raise self._refused(
                f"is not writable ({reason}); expected a directory this user can write to"
            )

    def _held(self, marker: Path) -> dict[str, Any] | None:
        """What plan the directory holds: experiment.json, else manifest.json, else None."""
        if marker.exists():
            try:
                # Only a regular file is read: a FIFO put there would block for ever.
                held = json.loads(marker.read_text()) if not not_a_regular_file(marker) else {}
            except (OSError, ValueError):
                held = {}
            return held if isinstance(held, dict) else {}
        # experiment.json lost: a finished run's manifest names the same plan.
        manifest_file = self.root / "manifest.json"
        if not_a_regular_file(manifest_file):
            return None
        try:
            manifest = json.loads(manifest_file.read_text())
        except (OSError, ValueError):
            return None
        about = next(
            (
                manifest[key]
                for key in ("experiment", "run", "staffing")
                if isinstance(manifest, dict) and isinstance(manifest.get(key), dict)
            ),
            None,
        )
        if about is None or not isinstance(about.get("fingerprint"), str):
            return None
        held = {k: about.get(k) for k in ("fingerprint", "name", "kind", "source")}
        held["scenarios"] = list(manifest.get("scenarios") or [])
        log.warning("%s has no %s: rebuilt it from manifest.json", self.root, STORE_FILE)
        write_json({**held, "created": now_utc(), "rebuilt_from": "manifest.json"}, marker)
        return held

    def _check_held(self, held: dict[str, Any], identity: dict[str, Any], resume: bool) -> None:
        """Refuse a directory that holds another plan, or this one without ``resume``."""
        what = "run" if identity.get("kind") == "run" else "experiment"
        held_what = "run" if held.get("kind") == "run" else "experiment"
        if held_what != what:
            # Say what the directory holds: "a different run" would misdescribe an experiment.
            raise self._refused(
                f"holds the results of {held_what} {held.get('name', '?')}, which a "
                f"{what} cannot resume; expected a new or empty directory (or --overwrite "
                "to replace them)"
            )
        if held.get("fingerprint") != identity["fingerprint"]:
            raise self._refused(
                f"holds results of a different {what} ({held.get('name', '?')}, "
                "or the same one with different scenarios or settings); expected "
                f"a new directory, the same {what} to resume, or --overwrite to replace them"
            )
        if not resume:
            raise self._refused(
                f"already holds results of this {what}; add --resume to finish "
                "it, --overwrite to replace it, or give a new directory"
            )

    def _remove_results(self, held: dict[str, Any]) -> None:
        """Delete the files an earlier run or experiment wrote here (``--overwrite``), nothing else.

        The report's default ``report.html`` goes too: it describes the results
        being replaced. A planner's own files (notes, a report saved under
        another name) stay where they are.
        """
        for folder in {kind.split("/")[0] for kind in DURABLE_DIRS}:
            shutil.rmtree(self.root / folder, ignore_errors=True)
        for name in (*SUMMARY_FILES, STORE_FILE, REPORT_FILE):
            (self.root / name).unlink(missing_ok=True)
        self._remove_temporary_files(everywhere=True)
        log.warning(
            "--overwrite: replaced the results of %s %s in %s",
            held.get("kind") or "run",
            held.get("name") or "?",
            self.root,
        )

    def _remove_temporary_files(self, everywhere: bool = False) -> None:
        """Delete half-written temporary files left by an interrupted run."""
        removed = 0
        if everywhere:
            for path in self.root.glob(".write-test.*"):
                path.unlink(missing_ok=True)
        for kind in DURABLE_DIRS:
            for path in (self.root / kind).glob("*/.*"):  # kind: a folder of DURABLE_DIRS
                path.unlink(missing_ok=True)
                removed += 1
        for name in SUMMARY_FILES:
            for path in self.root.glob(f".{name}.*"):
                path.unlink(missing_ok=True)
                removed += 1
        if removed:
            log.info("removed %d half-written file(s) from an interrupted run", removed)

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
