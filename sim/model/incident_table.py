"""Per-incident state during a run, in parallel lists indexed by incident id.

The response system, the incident factory and the teams read and write one
incident at a time in the event loop, which plain lists do fastest; at the end
of the run the table becomes :class:`sim.model.records.IncidentRecords`.
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


class IncidentTable:
    """Per-incident state in parallel lists indexed by incident id (seconds from the start).

    Fast to touch one incident at a time in the event loop; turned into numpy
    arrays once the run is over.
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

    def __len__(self) -> int:
        return len(self.created)

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
        """Record a new incident created at ``created`` seconds; return its id."""
        self.created.append(created)
        self.force.append(force)
        self.area.append(area)
        self.grade.append(grade)
        self.first_grade.append(grade)
        self.source.append(source)
        self.source_id.append(source_id)
        self.graded_at.append(created)
        self.travel.append(travel)
        self.on_scene.append(on_scene)
        self.remaining.append(on_scene)
        self.escalate_to.append(escalate_to)
        self.callback_s.append(callback_s)
        self.dispatched.append(math.nan)
        self.arrived.append(math.nan)
        self.cleared.append(math.nan)
        self.unit.append(-1)
        self.diverted.append(False)
        self.helped.append(False)
        self.escalated.append(False)
        self.callback_start.append(math.nan)
        self.appointment_s.append(math.nan)
        self.appointment_slot.append(-1)
        self.appointment_car.append(-1)
        return len(self.created) - 1

    def to_records(self, unit_force: np.ndarray) -> IncidentRecords:
        """The table as records, once the run is over.

        ``unit_force`` is the force index of each unit id, with -1 appended for
        "no unit".
        """
        arrays = {
            name: np.asarray(getattr(self, name), dtype=_DTYPES.get(name, float))
            for name in self.FIELDS
        }
        return IncidentRecords(**arrays, unit_force=unit_force[arrays["unit"]])
