"""Records to KPIs: the contact metrics of DESIGN §3, one replication at a time.

Every metric covers calls that arrived in the measured period ``[0, horizon)``
(warm-up excluded). A call that arrived in the period is followed to its end
(the model drains after the period), so answer times are not cut off.

Segments: in a one-force scenario, the channel (``999``); with several forces,
``force/channel`` (``tvp/999``) and the scenario-wide channel total (``999``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.catalogue import METRICS, PERCENTILES
from sim.metrics.windows import (
    calls_in_period,
    clip_to_period,
    in_period,
    incidents_in_period,
    outages_in_period,
)
from sim.model.records import CallOutcome, Grade, ReplicationOutput
from sim.units import SECONDS_PER_HOUR, SECONDS_PER_MINUTE


@dataclass(frozen=True)
class MetricValue:
    """One number of one replication: ``metric`` for ``segment``, statistic ``stat``."""

    metric: str
    segment: str
    stat: str
    unit: str
    value: float


def metric_value(metric: str, segment: str, stat: str, value: float) -> MetricValue:
    """One number, in the unit the catalogue gives the metric (and segment)."""
    return MetricValue(metric, segment, stat, METRICS[metric].unit_of(segment), value)


def call_segments(output: ReplicationOutput) -> dict[str, np.ndarray]:
    """Boolean masks over the call records (all attempts) for each call segment."""
    queue = output.calls.queue
    forces = sorted({force for force, _ in output.queues})
    segments: dict[str, np.ndarray] = {}
    for index, (force, channel) in enumerate(output.queues):
        name = channel if len(forces) == 1 else f"{force}/{channel}"
        segments[name] = queue == index
    if len(forces) > 1:
        for channel in sorted({channel for _, channel in output.queues}):
            indices = [i for i, (_, c) in enumerate(output.queues) if c == channel]
            segments[channel] = np.isin(queue, indices)
    return segments


def contact_metrics(output: ReplicationOutput) -> list[MetricValue]:
    """The contact-centre KPIs of one replication.

    Returns ``offered`` (count), ``answer_time`` (mean, p50, p90, p95 of answered
    calls, seconds), ``answered_within_target`` and ``abandoned`` (% of offered)
    per call segment, and ``occupancy`` (% of present handler time busy) per pool.
    """
    calls = output.calls
    measured = calls_in_period(output)
    wait = calls.answer_wait_s
    answered = calls.outcome == CallOutcome.ANSWERED
    abandoned = calls.outcome == CallOutcome.ABANDONED
    target = np.asarray(output.targets_s)[calls.queue]
    within = answered & (wait <= target)

    values: list[MetricValue] = []
    for segment, mask in call_segments(output).items():
        offered_mask = mask & measured
        offered = int(offered_mask.sum())
        values.append(metric_value("offered", segment, "count", float(offered)))
        values += _distribution("answer_time", segment, wait[offered_mask & answered])
        share = 100.0 / offered if offered else float("nan")
        values.append(
            metric_value(
                "answered_within_target",
                segment,
                "value",
                float((within & offered_mask).sum()) * share,
            )
        )
        values.append(
            metric_value(
                "abandoned", segment, "value", float((abandoned & offered_mask).sum()) * share
            )
        )
    for pool in output.pools:
        occupancy = 100.0 * pool.busy_s / pool.present_s if pool.present_s > 0 else float("nan")
        values.append(metric_value("occupancy", pool.pool_id, "value", occupancy))
    return values


def replication_metrics(output: ReplicationOutput) -> list[MetricValue]:
    """Every KPI of one replication (the runner's single entry point into this module)."""
    # Imported here: sim.metrics.mechanisms and sim.metrics.geography build on this
    # module's helpers.
    from sim.metrics.choices import choice_metrics
    from sim.metrics.geography import geography_metrics
    from sim.metrics.mechanisms import mechanism_metrics

    return (
        contact_metrics(output)
        + response_metrics(output)
        + platform_metrics(output)
        + mechanism_metrics(output)
        + geography_metrics(output)
        + choice_metrics(output)
    )


def _distribution(metric: str, segment: str, values: np.ndarray) -> list[MetricValue]:
    """The catalogue's statistics of ``values``: mean, percentiles (NaN when there are none)."""
    result = []
    for stat in METRICS[metric].stats:
        if not values.size:
            value = float("nan")
        elif stat == "mean":
            value = float(values.mean())
        else:
            value = float(np.percentile(values, PERCENTILES[stat]))
        result.append(metric_value(metric, segment, stat, value))
    return result


def _force_scopes(
    output: ReplicationOutput, force_column: np.ndarray
) -> list[tuple[str, np.ndarray]]:
    """``(segment prefix, mask)`` per force, plus the scenario-wide total with several forces."""
    if len(output.forces) <= 1:
        return [("", np.ones(force_column.shape, dtype=bool))]
    scopes = [(f"{force}/", force_column == index) for index, force in enumerate(output.forces)]
    scopes.append(("", np.ones(force_column.shape, dtype=bool)))
    return scopes


def response_metrics(output: ReplicationOutput) -> list[MetricValue]:
    """The incident and response KPIs of one replication (DESIGN §3).

    Incidents count when they got their final grade in the measured period.
    Attendance and dispatch delay run from then (for a call-back escalated to
    grade 2, from the escalation) to the first unit on scene, and to the
    dispatch; minutes. An incident not attended by the end of the run counts
    against ``attended_within_target`` but has no attendance time.
    """
    values: list[MetricValue] = []
    online = output.online
    if len(online):
        reported = in_period(online.arrival_s, output.horizon_s)
        for prefix, mask in _force_scopes(output, online.force):
            count = float((mask & reported).sum())
            values.append(metric_value("offered", f"{prefix}online", "count", count))
    incidents = output.incidents
    if not len(incidents) and not output.areas:
        return values  # a contact-centre-only scenario
    graded_at = incidents.graded_at
    graded = incidents_in_period(output)
    grade = incidents.grade
    area = incidents.area
    arrived = np.where(incidents.arrived <= output.end_s, incidents.arrived, np.nan)
    attendance = (arrived - graded_at) / SECONDS_PER_MINUTE  # minutes, as the catalogue's unit
    dispatch = (incidents.dispatched - graded_at) / SECONDS_PER_MINUTE
    area_index = {(a.force, a.area_id): i for i, a in enumerate(output.areas)}

    for prefix, scope in _force_scopes(output, incidents.force):
        counted = scope & graded
        for code in Grade:
            values.append(
                metric_value("incidents", f"{prefix}{code.label}", "count",
                       float((counted & (grade == code)).sum()))
            )  # fmt: skip
        forces = [f for f in output.forces if not prefix or prefix == f"{f}/"]
        area_ids = sorted(
            {a.area_id for a in output.areas if a.force in forces},
            key=lambda a: (a != "urban", a != "rural", a),
        )
        for area_id in area_ids:
            indices = [area_index[(f, area_id)] for f in forces if (f, area_id) in area_index]
            in_area = np.isin(area, indices)
            grade1 = counted & (grade == Grade.GRADE1) & in_area
            values += _distribution(
                "attendance_time", f"{prefix}grade1/{area_id}", _finite(attendance[grade1])
            )
            targets = np.array([a.grade1_target_min for a in output.areas])
            within = grade1 & (attendance <= targets[np.maximum(area, 0)])
            values.append(
                _share("attended_within_target", f"{prefix}grade1/{area_id}", within, grade1)
            )
            grade2 = counted & (grade == Grade.GRADE2) & in_area
            values += _distribution(
                "attendance_time", f"{prefix}grade2/{area_id}", _finite(attendance[grade2])
            )
        grade2 = counted & (grade == Grade.GRADE2)
        values += _distribution("attendance_time", f"{prefix}grade2", _finite(attendance[grade2]))
        grade2_target = (
            np.array(output.grade2_target_min)[incidents.force] if grade.size else np.empty(0)
        )
        values.append(
            _share(
                "attended_within_target",
                f"{prefix}grade2",
                grade2 & (attendance <= grade2_target),
                grade2,
            )
        )
        for code in (Grade.GRADE1, Grade.GRADE2):
            mask = counted & (grade == code)
            values += _distribution(
                "dispatch_delay", f"{prefix}{code.label}", _finite(dispatch[mask])
            )
        resolution = (
            scope & (incidents.first_grade == Grade.RESOLUTION)
            & in_period(incidents.created, output.horizon_s)
        )  # fmt: skip
        if resolution.any() or any(t.team == "resolution" for t in output.teams):
            callback = (incidents.callback_start - incidents.created) / SECONDS_PER_MINUTE
            values += _distribution(
                "callback_time", f"{prefix}resolution", _finite(callback[resolution])
            )
        scheduled = counted & (grade == Grade.SCHEDULED)
        if scheduled.any():
            # To the car's actual arrival: the booked slot, or later if it slipped.
            wait = (arrived - graded_at) / SECONDS_PER_HOUR
            values += _distribution(
                "appointment_wait", f"{prefix}scheduled", _finite(wait[scheduled])
            )
    for totals in output.areas:
        segment = totals.area_id if len(output.forces) <= 1 else f"{totals.force}/{totals.area_id}"
        utilisation = (
            100.0 * totals.busy_s / totals.present_s if totals.present_s > 0 else float("nan")
        )
        values.append(metric_value("unit_utilisation", segment, "value", utilisation))
        values.append(
            metric_value("unit_overrun", segment, "value", totals.overrun_s / SECONDS_PER_HOUR)
        )
    return values


def _finite(values: np.ndarray) -> np.ndarray:
    return values[~np.isnan(values)]


def _share(metric: str, segment: str, hit: np.ndarray, of: np.ndarray) -> MetricValue:
    """``hit`` as a percentage of ``of`` (NaN when ``of`` is empty)."""
    total = int(of.sum())
    value = 100.0 * float((hit & of).sum()) / total if total else float("nan")
    return metric_value(metric, segment, "value", value)


def call_records(output: ReplicationOutput) -> pd.DataFrame:
    """Per-call records of one replication, for ``records/calls/<scenario>/<r>.parquet``.

    Times are seconds from the scenario start (negative in the warm-up).
    """
    return output.calls.to_frame(output, calls_in_period(output))


def outage_records(output: ReplicationOutput) -> pd.DataFrame:
    """The platform's outage windows of one replication, for ``records/outages/``.

    Seconds from the scenario start; ``in_period`` if the window overlaps the
    measured period.
    """
    assert output.outages is not None, "only for a platform with outages"
    return output.outages.to_frame(output, outages_in_period(output))


def platform_metrics(output: ReplicationOutput) -> list[MetricValue]:
    """``platform_outage`` hours (in the measured period) and share of time, with outages."""
    if output.outages is None:
        return []
    starts = clip_to_period(output.outages.start_s, output.horizon_s)
    ends = clip_to_period(output.outages.end_s, output.horizon_s)
    down_s = float(np.sum(ends - starts))
    return [
        metric_value("platform_outage", "time", "value", down_s / SECONDS_PER_HOUR),
        metric_value("platform_outage", "share", "value", 100.0 * down_s / output.horizon_s),
    ]


def incident_records(output: ReplicationOutput) -> pd.DataFrame:
    """Per-incident records of one replication, for ``records/incidents/<scenario>/<r>.parquet``.

    See :meth:`sim.model.records.IncidentRecords.to_frame`; ``in_period`` if the
    incident got its final grade in the measured period. With beats, the
    geography columns too (:func:`sim.metrics.geography.geography_incident_columns`).
    """
    # Imported here: sim.metrics.mechanisms and sim.metrics.geography build on this module.
    from sim.metrics.geography import geography_incident_columns
    from sim.metrics.mechanisms import mechanism_columns

    frame = output.incidents.to_frame(output, incidents_in_period(output))
    if len(frame):
        for name, values in mechanism_columns(output).items():
            frame[name] = values
    return geography_incident_columns(output, frame)


def replication_records(output: ReplicationOutput) -> dict[str, pd.DataFrame]:
    """Every record table of one replication, by file name.

    ``calls``; ``incidents`` when there are any; ``outages`` when the platform
    has outages.
    """
    records = {"calls": call_records(output)}
    incidents = incident_records(output)
    if len(incidents):
        records["incidents"] = incidents
    if output.outages is not None:
        records["outages"] = outage_records(output)
    return records
