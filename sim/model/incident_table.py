"""Per-incident state during a run, in parallel lists indexed by row.

A row is reserved before the run for every first-attempt call and online
report that may become an incident, its attributes (area, travel, on-scene
time, escalation, call-back length) drawn as vectors up front
(:func:`sim.model.incidents.incident_attributes`); the incident opens when
its call is graded, by writing its creation time. A redial's incident is added
as a new row when it is graded. The response system, the incident factory and
the teams read and write one incident at a time in the event loop, which plain
lists do fastest; at the end of the run the opened rows, in the order the
incidents were created, become :class:`sim.model.records.IncidentRecords`.
"""

from __future__ import annotations

import math

import numpy as np

from sim.model.records import IncidentRecords

_INTEGER = ("force", "area", "grade", "first_grade", "source", "source_id", "unit",
            "appointment_slot", "appointment_car", "escalate_to")  # fmt: skip
_BOOLEAN = ("diverted", "helped", "escalated")
#: Array dtype of each column that is not a float.
_DTYPES: dict[str, type] = {
    **dict.fromkeys(_INTEGER, np.int64),
    **dict.fromkeys(_BOOLEAN, bool),
}
#: An incident's attributes, fixed when its row is made: arrays for reserved rows.
#: The run reads ``force`` to ``callback_s`` (as lists); the rest only the records.
_RUN_ATTRIBUTES = ("force", "area", "travel", "escalate_to", "callback_s")
_ATTRIBUTES = (*_RUN_ATTRIBUTES, "first_grade", "source", "source_id", "on_scene")
#: What the run changes, as lists of every row, with their value before it does.
_STATE: dict[str, object] = {
    "created": math.nan, "graded_at": math.nan, "dispatched": math.nan,
    "arrived": math.nan, "cleared": math.nan, "unit": -1,
}  # fmt: skip
#: What the run writes for few incidents and never reads: by row, with the default.
_SPARSE: dict[str, object] = {
    "diverted": False, "helped": False, "escalated": False, "callback_start": math.nan,
    "appointment_s": math.nan, "appointment_slot": -1, "appointment_car": -1,
}  # fmt: skip


class SparseColumn(dict[int, object]):
    """A column written for few rows: a dict by row that reads ``default`` for the others."""

    def __init__(self, default: object):
        super().__init__()
        self.default = default

    def __missing__(self, row: int) -> object:
        return self.default


class IncidentTable:
    """Per-incident state indexed by row (seconds from the start).

    Fast to touch one incident at a time in the event loop (lists, and
    :class:`SparseColumn` s for what few incidents have); turned into numpy
    arrays once the run is over. ``opened`` lists the rows that became
    incidents, in the order they were opened. Rows are reserved in blocks
    before the run; rows added one at a time (:meth:`add`) come after them.
    """

    FIELDS = (
        "created", "force", "area", "grade", "first_grade", "source", "source_id",
        "graded_at", "travel", "on_scene", "remaining", "escalate_to", "callback_s",
        "dispatched", "arrived", "cleared", "unit", "diverted", "helped", "escalated",
        "callback_start", "appointment_s", "appointment_slot", "appointment_car",
    )  # fmt: skip

    def __init__(self) -> None:
        self.created: list[float] = []
        self.graded_at: list[float] = []
        self.dispatched: list[float] = []
        self.arrived: list[float] = []
        self.cleared: list[float] = []
        self.unit: list[int] = []
        self.grade: list[int] = []
        self.remaining: list[float] = []
        self.force: list[int] = []
        self.area: list[int] = []
        self.travel: list[float] = []
        self.escalate_to: list[int] = []
        self.callback_s: list[float] = []
        self.diverted = SparseColumn(False)
        self.helped = SparseColumn(False)
        self.escalated = SparseColumn(False)
        self.callback_start = SparseColumn(math.nan)
        self.appointment_s = SparseColumn(math.nan)
        self.appointment_slot = SparseColumn(-1)
        self.appointment_car = SparseColumn(-1)
        self.opened: list[int] = []
        #: Whether a row was opened ahead of the clock (with a later creation time).
        self.opened_ahead = False
        # Attributes of the reserved rows (arrays, one per block) and of added rows (lists).
        self._reserved: dict[str, list[np.ndarray]] = {name: [] for name in _ATTRIBUTES}
        self._added: dict[str, list] = {name: [] for name in _ATTRIBUTES}
        self._rows: np.ndarray | None = None
        self._created: np.ndarray | None = None
        self._sources: tuple[list[int], list[int]] | None = None

    def __len__(self) -> int:
        return len(self.opened)

    def reserve(
        self,
        force: np.ndarray,
        grade: np.ndarray,
        source: int,
        source_id: np.ndarray,
        area: np.ndarray,
        travel: np.ndarray,
        on_scene: np.ndarray,
        escalate_to: np.ndarray,
        callback_s: np.ndarray,
    ) -> int:
        """Reserve one row per element of the arrays (incidents that may open); return the first.

        Times are seconds; ``grade`` is the grade each would open with. Every
        block is reserved before the first row is added one at a time.
        """
        if self._added["force"]:
            raise ValueError("rows are reserved before any is added")
        first = len(self.created)
        n = len(grade)
        attributes = {
            "force": force, "area": area, "travel": travel, "escalate_to": escalate_to,
            "callback_s": callback_s, "first_grade": grade, "source": np.full(n, source),
            "source_id": source_id, "on_scene": on_scene,
        }  # fmt: skip
        for name, values in attributes.items():
            values = np.asarray(values, dtype=_DTYPES.get(name, float))
            self._reserved[name].append(values)
            if name in _RUN_ATTRIBUTES:
                getattr(self, name).extend(values.tolist())
        self.grade.extend(np.asarray(grade).tolist())
        self.remaining.extend(np.asarray(on_scene, dtype=float).tolist())
        for name, unset in _STATE.items():
            getattr(self, name).extend([unset] * n)
        return first

    def open(self, row: int, created: float) -> None:
        """A reserved row becomes an incident created (and graded) at ``created`` seconds."""
        self.created[row] = created
        self.graded_at[row] = created
        self.opened.append(row)

    def add(
        self,
        created: float,
        force: int,
        area: int,
        grade: int,
        source: int,
        source_id: int,
        travel: float,
        on_scene: float,
        escalate_to: int,
        callback_s: float,
    ) -> int:
        """Record a new incident created at ``created`` seconds; return its row."""
        values = (force, area, travel, escalate_to, callback_s, grade, source, source_id,
                  on_scene)  # fmt: skip
        for name, value in zip(_ATTRIBUTES, values, strict=True):
            self._added[name].append(value)
            if name in _RUN_ATTRIBUTES:
                getattr(self, name).append(value)
        self.grade.append(grade)
        self.remaining.append(on_scene)
        for name, unset in _STATE.items():
            getattr(self, name).append(unset)
        row = len(self.created) - 1
        self.open(row, created)
        return row

    def source_of(self, row: int) -> tuple[int, int]:
        """``(source, source_id)`` of a row (what created it: a call or an online report)."""
        # Every block is reserved before the run: the reserved rows' sources are read once.
        if self._sources is None:
            blocks = self._reserved["source"]
            self._sources = (
                np.concatenate(blocks).tolist() if blocks else [],
                np.concatenate(self._reserved["source_id"]).tolist() if blocks else [],
            )
        reserved = len(self._sources[0])
        if row >= reserved:
            return self._added["source"][row - reserved], self._added["source_id"][row - reserved]
        return self._sources[0][row], self._sources[1][row]

    def _record_rows(self) -> np.ndarray:
        """The opened rows in the order their incidents were created."""
        if self._rows is None or len(self._rows) != len(self.opened):
            rows = np.asarray(self.opened, dtype=np.int64)
            if self.opened_ahead:
                created = self._column("created")[rows]
                rows = rows[np.argsort(created, kind="stable")]
            self._rows = rows
        return self._rows

    def record_ids(self, rows: np.ndarray | list[int]) -> np.ndarray:
        """The record id (position in :meth:`to_records`) of each of ``rows``."""
        ids = np.full(len(self.created), -1, dtype=np.int64)  # -1: a row never opened
        ids[self._record_rows()] = np.arange(len(self.opened))
        return ids[np.asarray(rows, dtype=np.int64)]

    def _column(self, name: str) -> np.ndarray:
        """One column over every row, as an array."""
        dtype = _DTYPES.get(name, float)
        if name in _ATTRIBUTES:
            added = np.asarray(self._added[name], dtype=dtype)
            return np.concatenate([*self._reserved[name], added])
        if name in _SPARSE:
            sparse: SparseColumn = getattr(self, name)
            values = np.full(len(self.created), sparse.default, dtype=dtype)
            if sparse:
                values[np.fromiter(sparse.keys(), np.int64)] = list(sparse.values())
            return values
        if name == "created":  # needed twice: to order the rows, and as a column
            if self._created is None or len(self._created) != len(self.created):
                self._created = np.asarray(self.created)
            return self._created
        return np.asarray(getattr(self, name), dtype=dtype)

    def to_records(self, unit_force: np.ndarray) -> IncidentRecords:
        """The incidents as records, in the order they were created, once the run is over.

        ``unit_force`` is the force index of each unit id, with -1 appended for
        "no unit".
        """
        rows = self._record_rows()
        arrays = {name: self._column(name)[rows] for name in self.FIELDS}
        return IncidentRecords(**arrays, unit_force=unit_force[arrays["unit"]])
