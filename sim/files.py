"""Files written atomically: to a temporary name in the same folder, then renamed.

An interrupted run never leaves a half-written file behind, and nothing is
written outside the folder given. Every layer that writes a file uses these.
"""

from __future__ import annotations

import json
import os
import stat
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

_UMASK_LOCK = threading.Lock()


def current_umask() -> int:
    """The process's umask (read by setting it and setting it back, under a lock)."""
    with _UMASK_LOCK:
        mask = os.umask(0o077)
        os.umask(mask)
    return mask


def atomic_write(path: Path, write: Callable[[Path], None]) -> None:
    """Write a file by calling ``write`` on a temporary path, then renaming it into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    os.close(handle)
    try:
        write(Path(temporary))
        # mkstemp creates the file readable by its owner only; give it the mode any
        # new file gets (0666 less the umask), so a umask of 077 keeps results
        # fitted from police data private and 022 shares them.
        os.chmod(temporary, 0o666 & ~current_umask())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def write_table(frame: pd.DataFrame, path: Path) -> None:
    """Write a DataFrame as CSV or Parquet (by the file's suffix), atomically."""
    if path.suffix == ".csv":
        atomic_write(path, lambda p: frame.to_csv(p, index=False, float_format="%.6g"))
    else:
        atomic_write(path, lambda p: frame.to_parquet(p, index=False))


def write_json(data: Any, path: Path) -> None:
    """Write JSON, atomically."""
    atomic_write(path, lambda p: p.write_text(json.dumps(data, indent=2, default=str) + "\n"))


# --------------------------------------------------------------------------- results layout

#: Columns of the tables of a results directory (DESIGN §3), for writers and readers alike.
KEY_COLUMNS = ["scenario", "metric", "segment", "stat", "unit"]
SUMMARY_COLUMNS = [*KEY_COLUMNS, "mean", "ci_low", "ci_high", "replications"]
REPLICATION_COLUMNS = [*KEY_COLUMNS, "replication", "seed", "value"]
TARGET_COLUMNS = ["scenario", "metric", "segment", "stat", "direction", "target", "unit", "source"]
CHANGE_COLUMNS = ["scenario", "path", "before", "after", "label"]
SCENARIO_COLUMNS = ["scenario", "field", "value"]

#: Per-replication folders of a results directory, by kind of file (DESIGN §3).
REPLICATION_DIRS = {
    "values": "replications",
    "warmup": "warmup",
    "calls": "records/calls",
    "incidents": "records/incidents",
    "outages": "records/outages",
}
RECORD_KINDS = ("calls", "incidents", "outages")


def replication_file(root: Path, kind: str, scenario: str, replication: int) -> Path:
    """The file of one replication in a results directory.

    ``kind`` is ``values`` (its metric values), ``warmup`` (hourly queue
    figures) or a record kind (``calls``, ``incidents``, ``outages``).
    """
    return root / REPLICATION_DIRS[kind] / scenario / f"{replication:05d}.parquet"


def record_files(root: Path, kind: str) -> dict[str, list[Path]]:
    """Every replication's record file of one kind, by scenario, in replication order."""
    base = root / REPLICATION_DIRS[kind]
    if not base.is_dir():
        return {}
    return {
        folder.name: sorted(folder.glob("[0-9]*.parquet"))
        for folder in sorted(p for p in base.iterdir() if p.is_dir())
    }


def read_records(root: Path, kind: str) -> pd.DataFrame:
    """All records of one kind in a results directory, every scenario and replication.

    Each table has a ``scenario`` column (and the ``replication`` column the
    records carry). Empty, with no columns, if there are none.
    """
    frames = []
    for scenario, files in record_files(Path(root), kind).items():
        for path in files:
            frame = pd.read_parquet(path)
            if "scenario" not in frame.columns:
                frame.insert(0, "scenario", scenario)
            frames.append(frame)
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


# --------------------------------------------------------------------------- one writer per folder

try:  # POSIX; elsewhere a folder is not locked (a second writer is not detected)
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

LOCK_FILE = ".lock"


class FolderInUseError(Exception):
    """Another process holds the lock of a folder; ``pid`` is its process id (None if unknown)."""

    def __init__(self, pid: int | None):
        super().__init__(pid)
        self.pid = pid


class FolderLock:
    """An exclusive lock on ``<folder>/.lock``, held until :meth:`release`.

    ``flock`` locks belong to the open file, so the lock goes with the process
    (a killed run leaves the file, never the lock) and two opens in one process
    exclude each other as two processes do. The file holds the holder's pid and
    is removed on release; a holder checks that the file it locked is still the
    one at the path, so a file removed by the last holder is never shared.
    """

    def __init__(self, folder: Path):
        self.path = Path(folder) / LOCK_FILE
        self._file: Any = None

    def acquire(self) -> None:
        """Take the lock, or raise :class:`FolderInUseError` at once (never wait).

        Raises
        ------
        FolderInUseError
            If another open file holds it.
        OSError
            If the lock file cannot be created (the folder is not writable).
        """
        while True:
            handle = open(self.path, "a+")  # noqa: SIM115 - held open for the life of the lock
            if fcntl is None:
                break
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                handle.seek(0)
                text = handle.read().strip()
                handle.close()
                pid = int(text) if text.isascii() and text.isdigit() else None
                raise FolderInUseError(pid) from None
            try:
                if os.stat(self.path).st_ino == os.fstat(handle.fileno()).st_ino:
                    break
            except FileNotFoundError:
                pass
            handle.close()  # the holder before removed it as we opened it: open the new one
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        self._file = handle

    def release(self) -> None:
        """Remove the lock file and let the lock go (a second call does nothing)."""
        if self._file is not None:
            self.path.unlink(missing_ok=True)  # while still held: see the class docstring
            self._file.close()  # closing the last descriptor releases a flock
            self._file = None


def unwritable_reason(folder: Path) -> str | None:
    """Why files cannot be created in an existing folder, or None if they can.

    Tries it (a temporary file, removed at once): permission bits say nothing
    for root, a read-only mount or a full quota.
    """
    try:
        handle, temporary = tempfile.mkstemp(prefix=".write-test.", dir=folder)
    except OSError as exc:
        return exc.strerror or str(exc)
    os.close(handle)
    Path(temporary).unlink(missing_ok=True)
    return None


def not_a_regular_file(path: Path) -> str | None:
    """Why ``path`` cannot be read as an input file, or None when it can.

    Only regular files are read: a FIFO would block for ever, ``/dev/zero``
    never ends, and a directory is a mistake. Symbolic links are followed.
    """
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return "does not exist"
    except OSError as exc:
        return exc.strerror or str(exc)
    if stat.S_ISDIR(mode):
        return "is a folder; expected a file"
    if not stat.S_ISREG(mode):
        return "is not a regular file (a device, pipe or socket); expected a file"
    return None
