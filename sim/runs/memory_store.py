"""Finished replications kept in memory, for callers that reduce them further.

The in-memory counterpart of :class:`sim.runs.store.ResultStore`, with the
same methods (:class:`sim.runs.pipeline.Store`): nothing is written and
nothing resumes.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import pandas as pd

from sim.runs.replicate import Replicated, ReplicationResult
from sim.runs.tables import replication_table


class MemoryStore:
    """Finished replications kept in memory, for callers that reduce them further.

    Staffing verification simulates trial rosters whose replications are worth
    keeping only until the next trial: nothing is written, nothing resumes.
    """

    durable = False

    def __init__(self) -> None:
        self.results: dict[tuple[str, int], ReplicationResult | Replicated] = {}

    def open(self, identity: dict[str, Any], resume: bool) -> None:
        """Nothing to prepare: a memory store starts empty."""

    def save(self, result: ReplicationResult | Replicated) -> None:
        """Keep one finished replication."""
        self.results[(result.scenario, result.replication)] = result

    def completed(self, needs: Iterable[str] = ()) -> set[tuple[str, int]]:
        """``(scenario, replication)`` of every replication kept."""
        return set(self.results)

    def load_values(self, wanted: Sequence[tuple[str, int]]) -> pd.DataFrame:
        """Metric values of the given replications (metric reducer results only)."""
        kept = [self.results[key] for key in wanted]
        return replication_table([r for r in kept if isinstance(r, ReplicationResult)])

    def details(self, scenario: str, replication: int) -> dict[str, Any]:
        """Calls, events and wall-clock seconds of one replication."""
        result = self.results[(scenario, replication)]
        return {"calls": result.calls, "events": result.events, "wall_s": result.wall_s}
