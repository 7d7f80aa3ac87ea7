"""How a results directory is claimed for a plan: locked, checked, resumed or replaced.

:class:`sim.runs.store.ResultStore` opens its directory through these methods:
the directory is created if need be, checked writable and locked (``.lock``,
one process at a time); a directory holding the same plan is resumed only with
``--resume``, one holding another plan or someone else's files is refused by
name, and ``--overwrite`` deletes only the files demandsim wrote there.
"""

from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path
from typing import Any

from sim.errors import InputError, Problem
from sim.files import (
    LOCK_FILE,
    REPLICATION_DIRS,
    FolderInUseError,
    FolderLock,
    not_a_regular_file,
    unwritable_reason,
    write_json,
)
from sim.runs.tables import now_utc

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


class StoreClaim:
    """How a :class:`~sim.runs.store.ResultStore` opens its directory: lock, resume, replace.

    The store's own ``__init__`` sets the attributes below; this class holds
    the checks that decide whether the directory may be written, resumed or
    replaced.

    Attributes
    ----------
    root
        The results directory.
    overwrite
        Replace the results of an earlier run or experiment (``--overwrite``).
    identity
        What identifies the plan the directory holds, once opened.
    """

    root: Path
    overwrite: bool
    identity: dict[str, Any]
    _lock: FolderLock

    def close(self) -> None:
        """Release the directory for another run (the files stay)."""
        self._lock.release()

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
                "or the same one with different scenarios or settings, or one written "
                "by a version of demandsim whose scenarios resolve differently); expected "
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
