"""Files written atomically: to a temporary name in the same folder, then renamed.

An interrupted run never leaves a half-written file behind, and nothing is
written outside the folder given. Every layer that writes a file uses these.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd


def atomic_write(path: Path, write: Callable[[Path], None]) -> None:
    """Write a file by calling ``write`` on a temporary path, then renaming it into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    os.close(handle)
    try:
        write(Path(temporary))
        # mkstemp creates the file readable by its owner only; results are for sharing.
        os.chmod(temporary, 0o644)
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
