"""Records to KPIs by place: attendance per beat and station area, unit workloads.

For the forces with geography only (nothing for a scenario without beats):

- ``attendance_time`` (mean, p50, p90, p95) and ``attended_within_target``
  for ``grade1/beat/<beat>``; ``attendance_time`` for ``grade2/beat/<beat>``;
  the same for ``grade1/station/<station>``, a station's area being the beats
  nearest to it by expected day-time travel;
- ``unit_workload``: the share of its time on duty each unit was busy
  (dispatched to cleared), segment ``<station>.<k>``, and per station;
- ``cross_beat_dispatch``: the share of attended grade 1 and grade 2
  incidents whose first unit was sent from another beat;
- ``incidents_lost``: the share of grade 1 and grade 2 incidents that found no
  unit (``when_no_unit: lost``);
- ``travel_time`` (mean, p50, p90) of the first unit on scene, minutes.

Incidents count when they got their final grade in the measured period, as
in :mod:`sim.metrics.kpis`; time on duty and busy time are cut to the period.
With several forces, segments start with the force id.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from sim.metrics.kpis import MetricValue, _distribution, _finite, _share, metric_value
from sim.metrics.windows import incidents_in_period
from sim.model.records import Grade, ReplicationOutput
from sim.units import SECONDS_PER_MINUTE


def geography_metrics(output: ReplicationOutput) -> list[MetricValue]:
    """The per-place KPIs of one replication (see the module docstring); [] without beats."""
    geo = output.geography
    if geo is None:
        return []
    incidents = output.incidents
    counted = incidents_in_period(output) & (geo.incident_beat >= 0)
    arrived = np.where(incidents.arrived <= output.end_s, incidents.arrived, np.nan)
    attendance = (arrived - incidents.graded_at) / SECONDS_PER_MINUTE
    targets = np.array([a.grade1_target_min for a in output.areas])
    beat_target = targets[geo.beat_area_index]
    incident_target = np.where(
        geo.incident_beat >= 0, beat_target[np.maximum(geo.incident_beat, 0)], np.nan
    )
    grade1 = counted & (incidents.grade == Grade.GRADE1)
    grade2 = counted & (incidents.grade == Grade.GRADE2)
    within = grade1 & (attendance <= incident_target)
    several = len(output.forces) > 1
    values: list[MetricValue] = []

    def prefix(force: str) -> str:
        return f"{force}/" if several else ""

    for beat, beat_id in enumerate(geo.beat_id):
        here = geo.incident_beat == beat
        where = f"{prefix(geo.beat_force[beat])}grade1/beat/{beat_id}"
        values += _distribution("attendance_time", where, _finite(attendance[grade1 & here]))
        values.append(_share("attended_within_target", where, within & here, grade1 & here))
        where = f"{prefix(geo.beat_force[beat])}grade2/beat/{beat_id}"
        values += _distribution("attendance_time", where, _finite(attendance[grade2 & here]))
    station_area = np.append(geo.beat_station_area, -1)[geo.incident_beat]
    for station, station_id in enumerate(geo.station_id):
        force = geo.beat_force[int(geo.station_beat[station])]
        here = station_area == station
        where = f"{prefix(force)}grade1/station/{station_id}"
        values += _distribution("attendance_time", where, _finite(attendance[grade1 & here]))
        values.append(_share("attended_within_target", where, within & here, grade1 & here))
    values += _workloads(output, prefix)
    travel = geo.incident_travel_s / SECONDS_PER_MINUTE
    sent = geo.incident_origin_beat >= 0
    for force in sorted(set(geo.beat_force), key=geo.beat_force.index):
        mine = np.isin(geo.incident_beat, [i for i, f in enumerate(geo.beat_force) if f == force])
        for code, mask in ((Grade.GRADE1, grade1 & mine), (Grade.GRADE2, grade2 & mine)):
            where = f"{prefix(force)}{code.label}"
            attended = mask & sent & ~np.isnan(arrived)
            away = geo.incident_origin_beat != geo.incident_beat
            values.append(_share("cross_beat_dispatch", where, away & attended, attended))
            values.append(_share("incidents_lost", where, geo.incident_lost & mask, mask))
            values += _distribution("travel_time", where, _finite(travel[attended]))
    return values


def _workloads(output: ReplicationOutput, prefix: Callable[[str], str]) -> list[MetricValue]:
    """``unit_workload`` per unit and per station: busy over on-duty time in the period."""
    geo = output.geography
    assert geo is not None
    jobs = output.assignments
    start = np.clip(jobs.start_s, 0.0, output.horizon_s)
    end = np.clip(jobs.end_s, 0.0, output.horizon_s)
    busy = np.bincount(jobs.unit, weights=end - start, minlength=len(geo.unit_station))
    values = []
    for station, station_id in enumerate(geo.station_id):
        force = geo.beat_force[int(geo.station_beat[station])]
        units = np.flatnonzero(geo.unit_station == station)
        present = geo.unit_present_s[units]
        for unit in units[present > 0]:
            share = 100.0 * float(busy[unit]) / float(geo.unit_present_s[unit])
            values.append(metric_value("unit_workload", f"{prefix(force)}{geo.unit_label[unit]}",
                                       "value", share))  # fmt: skip
        total = float(present.sum())
        share = 100.0 * float(busy[units].sum()) / total if total > 0 else float("nan")
        values.append(metric_value("unit_workload", f"{prefix(force)}{station_id}", "value", share))
    return values


def geography_incident_columns(output: ReplicationOutput, frame: pd.DataFrame) -> pd.DataFrame:
    """The incident records with each incident's beat and its first unit's origin added.

    ``beat``, ``origin_beat``, ``origin_station`` (ids; "" for none), ``lost``
    and ``expected_travel_s``; the frame unchanged for a scenario without beats.
    """
    if output.geography is None or frame.empty:
        return frame
    columns = output.geography.incident_columns()
    columns.index = frame.index
    return pd.concat([frame, columns], axis=1)


__all__ = ["geography_incident_columns", "geography_metrics"]
