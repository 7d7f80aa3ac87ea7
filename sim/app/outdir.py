"""Where results go: the checks on ``--out`` made before anything is simulated.

A results folder is never the filesystem root or the current directory, has
room for what is planned, and (for the commands that write no replications)
is new, empty, or holds that command's own results to replace with
``--overwrite``. The run pipeline's :class:`sim.runs.store.ResultStore` makes
the rest of the checks for ``run`` and ``experiment``.
"""

from __future__ import annotations

import logging
import os
import shutil
from collections.abc import Callable, Sequence
from pathlib import Path

from sim.errors import InputError, Problem
from sim.runs.plan import RunPlan

log = logging.getLogger(__name__)


#: Disk space a replication takes without records: its metric values and hourly
#: warm-up figures, twice (the per-replication file and the summary tables), with
#: room to spare; a year-long replication of a large force takes under 1 MB. Bytes.
BYTES_PER_REPLICATION = 2_000_000
#: Disk space of one call attempt's records (a call and its incident), bytes;
#: measured at about 110 bytes.
BYTES_PER_RECORDED_CALL = 200


def check_out_dir(out_dir: Path) -> None:
    """Refuse a results directory that is the filesystem root or the current directory.

    ``--out ""`` means the current directory, and results written there (or in
    ``/``) mix with everything else in it.

    Raises
    ------
    InputError
        Naming ``--out``.
    """
    # As written (``x/..``) and with symbolic links followed (a link to the current directory).
    named = {Path(os.path.abspath(out_dir)), Path(out_dir).resolve()}
    if any(path == Path(path.anchor) for path in named):
        reason = "is the root of the file system"
    elif named & {Path(os.path.abspath(".")), Path.cwd().resolve()}:
        reason = "is the current directory"
    else:
        return
    raise InputError(
        [Problem("--out", str(out_dir), f"{reason}; expected a new or empty directory for results")]
    )


def claim_out_folder(
    out_dir: Path,
    written: Sequence[str],
    overwrite: bool,
    holds_ours: Callable[[Path], bool],
    what: str,
) -> None:
    """Check a folder of results other than a run's may be written, before any work is done.

    For commands that write a few files and no replications (``staff``): the
    folder must be new or empty; with ``overwrite`` it may hold this command's
    earlier results (``holds_ours``), whose files (``written``) are deleted
    first, and nothing else.

    Raises
    ------
    InputError
        Naming ``--out``: the root or current directory, a file, or a folder
        holding anything else.
    """
    check_out_dir(out_dir)
    if not out_dir.exists():
        return
    if not out_dir.is_dir():
        raise InputError([Problem("--out", str(out_dir), "is a file; expected a directory")])
    if not any(out_dir.iterdir()):
        return
    if not overwrite:
        raise InputError(
            [
                Problem(
                    "--out",
                    str(out_dir),
                    "is not empty; expected a new or empty directory (or --overwrite to "
                    f"replace the {what} results in it)",
                )
            ]
        )
    if not holds_ours(out_dir):
        raise InputError(
            [
                Problem(
                    "--out",
                    str(out_dir),
                    f"is not empty and holds no {what} results; expected a new or empty "
                    f"directory (--overwrite replaces only {what} results)",
                )
            ]
        )
    for name in written:
        (out_dir / name).unlink(missing_ok=True)
    log.warning("--overwrite: replaced the %s results in %s", what, out_dir)


def estimated_bytes(plan: RunPlan) -> int:
    """Disk space a plan's results take at most, bytes (replications planned x their size).

    With records, each replication adds its expected call attempts (annual
    volumes over its warm-up and measured days) at :data:`BYTES_PER_RECORDED_CALL`.
    """
    replications = plan.precision.max_replications if plan.precision else plan.replications
    total = 0
    for planned in plan.scenarios:
        size = BYTES_PER_REPLICATION
        if plan.records:
            scenario = planned.prepared
            volume = sum(
                channel.volume_per_year
                for force in scenario.forces.values()
                for channel in force.channels.values()
            )
            calls = volume * (scenario.days + scenario.warmup_days) / 365.0
            size += int(calls * BYTES_PER_RECORDED_CALL)
        total += size * replications
    return total


def check_free_space(plan: RunPlan, out_dir: Path) -> None:
    """Refuse to start a plan whose results would not fit on the disk of ``out_dir``.

    Checked before anything runs, so a full disk never costs the simulation
    done (a resume needs as much again at most: its estimate is not reduced).

    Raises
    ------
    InputError
        Naming ``--out``, the space free and the space needed.
    """
    existing = next((p for p in (out_dir, *out_dir.absolute().parents) if p.exists()), None)
    if existing is None or not existing.is_dir():
        return  # the store says why the directory cannot be made
    free = shutil.disk_usage(existing).free
    needed = estimated_bytes(plan)
    if free < needed:
        raise InputError(
            [
                Problem(
                    "--out",
                    str(out_dir),
                    f"has {free / 1e6:.1f} MB free on its disk; these results need about "
                    f"{needed / 1e6:.1f} MB; free some space or give a directory on another disk",
                )
            ]
        )
