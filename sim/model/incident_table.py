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
#: Columns set when a row is reserved (its attributes), and their initial values otherwise.
_ATTRIBUTES = ("force", "area", "grade", "first_grade", "source", "source_id", "travel",
               "on_scene", "remaining", "escalate_to", "callback_s")  # fmt: skip
_UNSET: dict[str, object] = {
    "created": math.nan, "graded_at": math.nan, "dispatched": math.nan, "arrived": math.nan,
    "cleared": math.nan, "unit": -1, "diverted": False, "helped": False, "escalated": False,
    "callback_start": math.nan, "appointment_s": math.nan, "appointment_slot": -1,
    "appointment_car": -1,
}  # fmt: skip


class IncidentTable:
    """Per-incident state in parallel lists indexed by row (seconds from the start).

    Fast to touch one incident at a time in the event loop; turned into numpy
    arrays once the run is over. ``opened`` lists the rows that became
    incidents, in the order they were opened.
    """

    FIELDS = (
        "created", "force", "area", "grade", "first_grade", "source", "source_id",
        "graded_at", "travel", "on_scene", "remaining", "escalate_to", "callback_s",
        "dispatched", "arrived", "cleared", "unit", "diverted", "helped", "escalated",
        "callback_start", "appointment_s", "appointment_slot", "appointment_car",
    )  # fmt: skip

    def __init__(self) -> None:
        self.created: list[float] = []
        self.force: list[int] = []
        self.area: list[int] = []
        self.grade: list[int] = []
        self.first_grade: list[int] = []
        self.source: list[int] = []
        self.source_id: list[int] = []
        self.graded_at: list[float] = []
        self.travel: list[float] = []
        self.on_scene: list[float] = []
        self.remaining: list[float] = []
        self.escalate_to: list[int] = []
        self.callback_s: list[float] = []
        self.dispatched: list[float] = []
        self.arrived: list[float] = []
        self.cleared: list[float] = []
        self.unit: list[int] = []
        self.diverted: list[bool] = []
        self.helped: list[bool] = []
        self.escalated: list[bool] = []
        self.callback_start: list[float] = []
        self.appointment_s: list[float] = []
        self.appointment_slot: list[int] = []
        self.appointment_car: list[int] = []
        self.opened: list[int] = []
        #: Whether a row was opened ahead of the clock (with a later creation time).
        self.opened_ahead = False

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

        Times are seconds; ``grade`` is the grade each would open with.
        """
        first = len(self.created)
        n = len(grade)
        columns = {
            "force": force, "area": area, "grade": grade, "first_grade": grade,
            "source": np.full(n, source), "source_id": source_id, "travel": travel,
            "on_scene": on_scene, "remaining": on_scene, "escalate_to": escalate_to,
            "callback_s": callback_s,
        }  # fmt: skip
        for name, values in columns.items():
            getattr(self, name).extend(np.asarray(values).tolist())
        for name, unset in _UNSET.items():
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
        values = (force, area, grade, grade, source, source_id, travel, on_scene, on_scene,
                  escalate_to, callback_s)  # fmt: skip
        for name, value in zip(_ATTRIBUTES, values, strict=True):
            getattr(self, name).append(value)
        for name, unset in _UNSET.items():
            getattr(self, name).append(unset)
        row = len(self.created) - 1
        self.open(row, created)
        return row

    def _record_rows(self) -> np.ndarray:
        """The opened rows in the order their incidents were created."""
        rows = np.asarray(self.opened, dtype=np.int64)
        if self.opened_ahead:
            created = np.asarray(self.created)[rows]
            rows = rows[np.argsort(created, kind="stable")]
        return rows

    def record_ids(self, rows: np.ndarray) -> np.ndarray:
        """The record id (position in :meth:`to_records`) of each of ``rows``."""
        ids = np.full(len(self.created), -1, dtype=np.int64)  # -1: a row never opened
        ids[self._record_rows()] = np.arange(len(self.opened))
        return ids[np.asarray(rows, dtype=np.int64)]

    def to_records(self, unit_force: np.ndarray) -> IncidentRecords:
        """The incidents as records, in the order they were created, once the run is over.

        ``unit_force`` is the force index of each unit id, with -1 appended for
        "no unit".
        """
        rows = self._record_rows()
        arrays = {
            name: np.asarray(getattr(self, name), dtype=_DTYPES.get(name, float))[rows]
            for name in self.FIELDS
        }
        return IncidentRecords(**arrays, unit_force=unit_force[arrays["unit"]])
