"""Checksums of saved replications, so that resume re-runs one whose files changed.

Each saved replication's files (metric values, warm-up, records) are hashed
once written, and the digests go into a small ``<replication>.sha256`` file
beside the metric file, written last. A file that still reads but whose
bytes have changed (a flipped bit, a partial copy, an edit) no longer
matches, and the replication is run again rather than trusted. Replications
saved before checksums were kept have no such file and are only read.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from sim.files import atomic_write, not_a_regular_file

#: Bytes read at a time when hashing a file.
_CHUNK_BYTES = 1 << 20


def file_digest(path: Path) -> str:
    """SHA-256 of a file's bytes, as hex."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK_BYTES):
            digest.update(chunk)
    return digest.hexdigest()


def checksum_file(values_path: Path) -> Path:
    """Where the checksums of the replication whose metric file is ``values_path`` are kept."""
    return values_path.with_suffix(".sha256")


def write_checksums(values_path: Path, files: dict[str, Path]) -> None:
    """Hash a saved replication's files (by kind) into its checksum file."""
    digests = {kind: file_digest(path) for kind, path in files.items()}
    text = json.dumps(digests, indent=1, sort_keys=True)
    atomic_write(checksum_file(values_path), lambda p: p.write_text(text))


def changed_file(values_path: Path, files: dict[str, Path]) -> Path | None:
    """The first of a saved replication's files whose checksum no longer matches, or None.

    ``files`` maps each kind of file to check to its path. A replication with
    no checksum file (saved before they were kept), or a kind it holds no
    checksum for, is not checked. A checksum file that cannot be read counts
    as a change of the metric file.
    """
    sums = checksum_file(values_path)
    if not sums.exists():
        return None
    try:
        if not_a_regular_file(sums):
            return values_path
        saved = json.loads(sums.read_text())
    except (OSError, ValueError):
        return values_path
    if not isinstance(saved, dict):
        return values_path
    for kind, path in files.items():
        if kind in saved and file_digest(path) != saved[kind]:
            return path
    return None
