"""What the optional mechanisms (RCRP, multi-unit jobs, crewing) recorded in one replication.

Arrays of one element per incident, in the order of
:class:`sim.model.records.IncidentRecords`, and per unit id; ``None`` in the
replication output when no force uses any of them, so the records and metrics
of a scenario without them are what they were.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.config import Scenario
from sim.model.incident_table import IncidentTable
from sim.model.multi_unit import MultiUnitResponse
from sim.model.rcrp import RcrpDesk
from sim.model.response import ResponseSystem


@dataclass(frozen=True, eq=False)
class MechanismRecords:
    """Per-incident and per-unit records of the optional mechanisms.

    Attributes
    ----------
    flagged, referred, refused
        Per incident: flagged mental-health or welfare (RCRP); referred to the
        partner agency (re-graded ``no_deployment``); accepted by the partner but
        refused for want of capacity that day (then attended).
    long_on_scene_s
        Per incident: a flagged incident's long on-scene time, seconds (NaN if
        not flagged).
    released_s
        Per incident: officer-seconds released by RCRP (0 if not flagged).
    units_needed
        Per incident: units the job needs (1 unless a multi-unit job).
    unit_officers, unit_area
        Per unit id: officers in the unit, and its area index (-1: a schedule car).
    rcrp, multi_unit, crews
        Per force index: whether it has an RCRP block, multi-unit jobs, officers
        per unit given for some area (officer-hours reported).
    """

    flagged: np.ndarray
    referred: np.ndarray
    refused: np.ndarray
    long_on_scene_s: np.ndarray
    released_s: np.ndarray
    units_needed: np.ndarray
    unit_officers: np.ndarray
    unit_area: np.ndarray
    rcrp: list[bool]
    multi_unit: list[bool]
    crews: list[bool]


def by_record(
    table: IncidentTable, values: dict[int, object], default: object, dtype: type
) -> np.ndarray:
    """A per-row dict as an array in record order (rows never opened are dropped)."""
    column = np.full(len(table), default, dtype=dtype)
    if values:
        ids = table.record_ids(list(values))
        opened = ids >= 0
        column[ids[opened]] = np.asarray(list(values.values()), dtype=dtype)[opened]
    return column


def mechanism_records(
    scenario: Scenario, response: ResponseSystem, desk: RcrpDesk | None
) -> MechanismRecords | None:
    """The mechanisms' records at the end of a run (``None`` when no force uses any)."""
    forces = list(scenario.forces.values())
    rcrp = [force.rcrp is not None for force in forces]
    multi_unit = [force.multi_unit is not None for force in forces]
    crews = [any(a.officers_per_unit is not None for a in force.areas.values()) for force in forces]
    if not any(rcrp + multi_unit + crews):
        return None
    table = response.incidents
    officers = [a.officers_per_unit or 1 for force in forces for a in force.areas.values()]
    unit_area = [u.area.index if u.area is not None else -1 for u in response.units]
    needed = response.needed if isinstance(response, MultiUnitResponse) else {}
    empty: dict[int, object] = {}
    return MechanismRecords(
        flagged=by_record(table, desk.flagged if desk else empty, False, bool),
        referred=by_record(table, desk.referred if desk else empty, False, bool),
        refused=by_record(table, desk.refused if desk else empty, False, bool),
        long_on_scene_s=by_record(table, desk.long_on_scene_s if desk else empty, np.nan, float),
        released_s=by_record(table, desk.released_s if desk else empty, 0.0, float),
        units_needed=by_record(table, needed, 1, np.int64),
        unit_officers=np.array([officers[a] if a >= 0 else 1 for a in unit_area], dtype=np.int64),
        unit_area=np.array(unit_area, dtype=np.int64),
        rcrp=rcrp,
        multi_unit=multi_unit,
        crews=crews,
    )
