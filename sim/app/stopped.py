"""A run or experiment stopped part-way, its finished replications kept (Ctrl-C, a lost cluster).

A module of its own, importing nothing heavy, so the command line can catch it
without loading the run pipeline.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from sim.errors import Problem


class RunStoppedError(Exception):
    """A run or experiment stopped before its end; every finished replication is kept.

    Attributes
    ----------
    out_dir
        The results directory, to resume with ``--resume --out``.
    finished
        Replications saved in it.
    interrupted
        True for Ctrl-C (exit 130); False for a fault such as a lost cluster (exit 2).
    problems
        What went wrong (none for Ctrl-C), each naming the option or address.
    """

    def __init__(
        self,
        out_dir: Path,
        finished: int,
        interrupted: bool,
        problems: Sequence[Problem] = (),
    ):
        super().__init__(f"stopped: {finished} replications kept in {out_dir}")
        self.out_dir = out_dir
        self.finished = finished
        self.interrupted = interrupted
        self.problems = list(problems)
