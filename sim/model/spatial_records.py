"""What the spatial response model records: places, and where each incident and unit was.

Held by :class:`sim.model.records.ReplicationOutput` as ``geography`` for a
scenario with at least one force that has beats (``None`` otherwise), so the
records and summaries of every other scenario are unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from sim.config import Scenario

if TYPE_CHECKING:  # the incident table imports the records, which hold these
    from sim.model.incident_table import IncidentTable


@dataclass(frozen=True, eq=False)
class GeographyRecords:
    """Beats and stations of every force with geography, and where things happened.

    Beats and stations are indexed across forces (a force's come together).
    Places are in kilometres (NaN where not given).

    Attributes
    ----------
    beat_id, beat_force, beat_area_index
        Each beat's id, force id and index into ``ReplicationOutput.areas``.
    beat_station_area
        Index of the station nearest each beat by expected day-time travel:
        the beat belongs to that station's area.
    beat_x_km, beat_y_km, beat_polygon
        Centre point and outline (a list of ``(x, y)``, or ``None``) of each beat.
    station_id, station_beat, station_x_km, station_y_km
        Each station's id, beat index and place (the beat's centre if not given).
    incident_beat, incident_origin_beat, incident_origin_station
        Per incident (in the order of ``ReplicationOutput.incidents``): its beat,
        and the beat and home station the first unit on scene was sent from
        (-1: not a force with beats, or no unit sent by the spatial model).
    incident_lost
        Whether an incident found no unit and was passed elsewhere
        (``when_no_unit: lost``).
    incident_expected_travel_s, incident_travel_s
        Expected and actual travel of the first unit on scene from where it
        was sent, seconds (NaN: none). ``travel`` in the incident records is
        the last trip's (a job handed back and taken up again is driven to
        again).
    unit_station, unit_label
        Per unit id (every unit of the run): its home station (-1: none) and a
        label ``<station>.<k>`` (the k-th unit created at that station).
    unit_present_s
        Seconds each unit was on duty in the measured period.
    unit_home_beat
        Per unit id: the beat it waits in when free (its station's, or its
        patrol beat with ``patrol: home_beat``; -1: no station).
    """

    beat_id: list[str]
    beat_force: list[str]
    beat_area_index: np.ndarray
    beat_station_area: np.ndarray
    beat_x_km: np.ndarray
    beat_y_km: np.ndarray
    beat_polygon: list[list[tuple[float, float]] | None]
    station_id: list[str]
    station_beat: np.ndarray
    station_x_km: np.ndarray
    station_y_km: np.ndarray
    incident_beat: np.ndarray
    incident_origin_beat: np.ndarray
    incident_origin_station: np.ndarray
    incident_lost: np.ndarray
    incident_expected_travel_s: np.ndarray
    incident_travel_s: np.ndarray
    unit_station: np.ndarray
    unit_label: list[str]
    unit_present_s: np.ndarray
    unit_home_beat: np.ndarray

    def incident_columns(self) -> pd.DataFrame:
        """The incident records' geography columns: ``beat``, ``origin_beat``,
        ``origin_station`` (ids, "" for none), ``lost`` and
        ``expected_travel_s`` (seconds)."""
        beats = np.array([*self.beat_id, ""], dtype=object)
        stations = np.array([*self.station_id, ""], dtype=object)
        return pd.DataFrame(
            {
                "beat": pd.Categorical(beats[self.incident_beat]),
                "origin_beat": pd.Categorical(beats[self.incident_origin_beat]),
                "origin_station": pd.Categorical(stations[self.incident_origin_station]),
                "lost": self.incident_lost,
                "expected_travel_s": self.incident_expected_travel_s,
            }
        )


def place_fields(
    scenario: Scenario,
    beats: list[tuple[int, str, int]],
    travel_day: list[np.ndarray],
    stations: list[tuple[str, int]],
) -> dict[str, object]:
    """The beats' and stations' fields of :class:`GeographyRecords`.

    ``beats`` are ``(force index, beat id, area index)`` across forces,
    ``travel_day`` each force's expected day-time travel (seconds, beat x
    beat), ``stations`` ``(station id, beat index)``.
    """
    force_ids = list(scenario.forces)
    configs = [
        beat
        for force in scenario.forces.values()
        if force.geography is not None
        for beat in force.geography.beats
    ]
    station_beat = np.array([beat for _, beat in stations], dtype=np.int64)
    station_force = np.array([beats[b][0] for b in station_beat], dtype=np.int64)
    nearest = np.full(len(beats), -1, dtype=np.int64)
    first = 0
    for matrix in travel_day:
        for local in range(len(matrix)):
            index = first + local
            mine = np.flatnonzero(station_force == beats[index][0])
            if mine.size:
                from_station = matrix[station_beat[mine] - first, local]
                nearest[index] = mine[int(np.argmin(from_station))]
        first += len(matrix)
    x = np.array([np.nan if b.x_km is None else b.x_km for b in configs])
    y = np.array([np.nan if b.y_km is None else b.y_km for b in configs])
    station_configs = [
        station
        for force in scenario.forces.values()
        if force.geography is not None
        for station in force.geography.stations.values()
    ]
    return {
        "beat_id": [b[1] for b in beats],
        "beat_force": [force_ids[b[0]] for b in beats],
        "beat_area_index": np.array([b[2] for b in beats], dtype=np.int64),
        "beat_station_area": nearest,
        "beat_x_km": x,
        "beat_y_km": y,
        "beat_polygon": [b.polygon for b in configs],
        "station_id": [station_id for station_id, _ in stations],
        "station_beat": station_beat,
        "station_x_km": np.array(
            [
                x[b] if c.x_km is None else c.x_km
                for (_, b), c in zip(stations, station_configs, strict=True)
            ]
        ),
        "station_y_km": np.array(
            [
                y[b] if c.y_km is None else c.y_km
                for (_, b), c in zip(stations, station_configs, strict=True)
            ]
        ),
    }


def incident_places(
    table: IncidentTable,
    beat_of: dict[int, int],
    origin_of: dict[int, tuple[int, int, float, float]],
    lost_rows: set[int],
) -> dict[str, np.ndarray]:
    """The per-incident fields of :class:`GeographyRecords`, in the order of the records.

    ``beat_of`` maps incident table rows to beats, ``origin_of`` to the first
    unit's origin beat, home station, expected and actual travel (seconds);
    ``lost_rows`` are the rows lost for want of a unit.
    """
    n = len(table)
    beat = np.full(n, -1, dtype=np.int64)
    origin_beat = np.full(n, -1, dtype=np.int64)
    origin_station = np.full(n, -1, dtype=np.int64)
    expected = np.full(n, np.nan)
    travel = np.full(n, np.nan)
    lost = np.zeros(n, dtype=bool)
    if beat_of:
        rows = np.fromiter(beat_of, np.int64)
        ids = table.record_ids(rows)
        keep = ids >= 0
        beat[ids[keep]] = np.fromiter(beat_of.values(), np.int64)[keep]
    if origin_of:
        rows = np.fromiter(origin_of, np.int64)
        ids = table.record_ids(rows)
        values = np.array(list(origin_of.values()), dtype=float).reshape(-1, 4)
        keep = ids >= 0
        origin_beat[ids[keep]] = values[keep, 0].astype(np.int64)
        origin_station[ids[keep]] = values[keep, 1].astype(np.int64)
        expected[ids[keep]] = values[keep, 2]
        travel[ids[keep]] = values[keep, 3]
    if lost_rows:
        ids = table.record_ids(sorted(lost_rows))
        lost[ids[ids >= 0]] = True
    return {
        "incident_beat": beat,
        "incident_origin_beat": origin_beat,
        "incident_origin_station": origin_station,
        "incident_lost": lost,
        "incident_expected_travel_s": expected,
        "incident_travel_s": travel,
    }


__all__ = ["GeographyRecords", "incident_places", "place_fields"]
