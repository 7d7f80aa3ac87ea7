"""Records to KPIs: the contact metrics of DESIGN §3, one replication at a time.

Every metric covers calls that arrived in the measured period ``[0, horizon)``
(warm-up excluded). A call that arrived in the period is followed to its end
(the model drains after the period), so answer times are not cut off.

Segments: in a one-force scenario, the channel (``999``); with several forces,
``force/channel`` (``tvp/999``) and the scenario-wide channel total (``999``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.model.replication import OUTCOME_NAMES, ReplicationOutput
from sim.model.response import GRADE1, GRADE2, GRADE_NAMES, RESOLUTION, SCHEDULED

PERCENTILES: dict[str, float] = {"p50": 50.0, "p90": 90.0, "p95": 95.0}


@dataclass(frozen=True)
class MetricValue:
    """One number of one replication: ``metric`` for ``segment``, statistic ``stat``."""

    metric: str
    segment: str
    stat: str
    unit: str
    value: float


def call_segments(output: ReplicationOutput) -> dict[str, np.ndarray]:
    """Boolean masks over the call records (all attempts) for each call segment."""
    queue = output.calls["queue"]
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


def answer_waits(output: ReplicationOutput) -> np.ndarray:
    """Seconds from arrival to answer for each call record (NaN if never answered)."""
    return output.calls["answered_s"] - output.calls["arrival_s"]


def measured(output: ReplicationOutput) -> np.ndarray:
    """Mask of call records that arrived in the measured period."""
    arrival = output.calls["arrival_s"]
    return (arrival >= 0.0) & (arrival < output.horizon_s)


def contact_metrics(output: ReplicationOutput) -> list[MetricValue]:
    """The contact-centre KPIs of one replication.

    Returns ``offered`` (count), ``answer_time`` (mean, p50, p90, p95 of answered
    calls, seconds), ``answered_within_target`` and ``abandoned`` (% of offered)
    per call segment, and ``occupancy`` (% of present handler time busy) per pool.
    """
    calls = output.calls
    in_period = measured(output)
    wait = answer_waits(output)
    answered = calls["outcome"] == 0
    abandoned = calls["outcome"] == 1
    target = np.asarray(output.targets_s)[calls["queue"]]
    within = answered & (wait <= target)

    values: list[MetricValue] = []
    for segment, mask in call_segments(output).items():
        offered_mask = mask & in_period
        offered = int(offered_mask.sum())
        values.append(MetricValue("offered", segment, "count", "calls", float(offered)))
        waits = wait[offered_mask & answered]
        stats = {"mean": float(waits.mean()) if waits.size else float("nan")}
        for stat, q in PERCENTILES.items():
            stats[stat] = float(np.percentile(waits, q)) if waits.size else float("nan")
        values.extend(MetricValue("answer_time", segment, s, "s", v) for s, v in stats.items())
        share = 100.0 / offered if offered else float("nan")
        values.append(
            MetricValue(
                "answered_within_target",
                segment,
                "value",
                "%",
                float((within & offered_mask).sum()) * share,
            )
        )
        values.append(
            MetricValue(
                "abandoned", segment, "value", "%", float((abandoned & offered_mask).sum()) * share
            )
        )
    for pool in output.pools:
        occupancy = 100.0 * pool.busy_s / pool.present_s if pool.present_s > 0 else float("nan")
        values.append(MetricValue("occupancy", pool.pool_id, "value", "%", occupancy))
    return values


def replication_metrics(output: ReplicationOutput) -> list[MetricValue]:
    """Every KPI of one replication (the runner's single entry point into this module)."""
    return contact_metrics(output) + response_metrics(output) + platform_metrics(output)


def _distribution(
    metric: str, segment: str, unit: str, values: np.ndarray, stats: Sequence[str]
) -> list[MetricValue]:
    """Mean and percentiles of ``values`` (NaN when there are none)."""
    result = []
    for stat in stats:
        if not values.size:
            value = float("nan")
        elif stat == "mean":
            value = float(values.mean())
        else:
            value = float(np.percentile(values, PERCENTILES[stat]))
        result.append(MetricValue(metric, segment, stat, unit, value))
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
    online = output.online.get("arrival_s", np.empty(0))
    if online.size:
        in_period = (online >= 0) & (online < output.horizon_s)
        for prefix, mask in _force_scopes(output, output.online["force"]):
            count = float((mask & in_period).sum())
            values.append(MetricValue("offered", f"{prefix}online", "count", "calls", count))
    incidents = output.incidents
    if not incidents or (not incidents["created"].size and not output.areas):
        return values  # a contact-centre-only scenario
    graded_at = incidents["graded_at"]
    in_period = (graded_at >= 0) & (graded_at < output.horizon_s)
    grade = incidents["grade"]
    area = incidents["area"]
    arrived = np.where(incidents["arrived"] <= output.end_s, incidents["arrived"], np.nan)
    attendance = (arrived - graded_at) / 60.0
    dispatch = (incidents["dispatched"] - graded_at) / 60.0
    area_index = {(a.force, a.area_id): i for i, a in enumerate(output.areas)}
    four = ("mean", "p50", "p90", "p95")

    for prefix, scope in _force_scopes(output, incidents["force"]):
        counted = scope & in_period
        for code, name in enumerate(GRADE_NAMES):
            values.append(
                MetricValue("incidents", f"{prefix}{name}", "count", "count",
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
            grade1 = counted & (grade == GRADE1) & in_area
            values += _distribution(
                "attendance_time",
                f"{prefix}grade1/{area_id}",
                "min",
                _finite(attendance[grade1]),
                four,
            )
            targets = np.array([a.grade1_target_min for a in output.areas])
            within = grade1 & (attendance <= targets[np.maximum(area, 0)])
            values.append(
                _share("attended_within_target", f"{prefix}grade1/{area_id}", within, grade1)
            )
            grade2 = counted & (grade == GRADE2) & in_area
            values += _distribution(
                "attendance_time",
                f"{prefix}grade2/{area_id}",
                "min",
                _finite(attendance[grade2]),
                four,
            )
        grade2 = counted & (grade == GRADE2)
        values += _distribution(
            "attendance_time", f"{prefix}grade2", "min", _finite(attendance[grade2]), four
        )
        grade2_target = (
            np.array(output.grade2_target_min)[incidents["force"]] if grade.size else np.empty(0)
        )
        values.append(
            _share(
                "attended_within_target",
                f"{prefix}grade2",
                grade2 & (attendance <= grade2_target),
                grade2,
            )
        )
        for code, name in ((GRADE1, "grade1"), (GRADE2, "grade2")):
            mask = counted & (grade == code)
            values += _distribution(
                "dispatch_delay",
                f"{prefix}{name}",
                "min",
                _finite(dispatch[mask]),
                ("mean", "p50", "p90"),
            )
        resolution = (
            scope & (incidents["first_grade"] == RESOLUTION)
            & (incidents["created"] >= 0) & (incidents["created"] < output.horizon_s)
        )  # fmt: skip
        if resolution.any() or any(t.team == "resolution" for t in output.teams):
            callback = (incidents["callback_start"] - incidents["created"]) / 60.0
            values += _distribution(
                "callback_time",
                f"{prefix}resolution",
                "min",
                _finite(callback[resolution]),
                ("mean", "p50", "p90"),
            )
        scheduled = counted & (grade == SCHEDULED)
        if scheduled.any():
            # To the car's actual arrival: the booked slot, or later if it slipped.
            wait = (arrived - graded_at) / 3600.0
            values += _distribution(
                "appointment_wait",
                f"{prefix}scheduled",
                "h",
                _finite(wait[scheduled]),
                ("p50", "p90"),
            )
    for totals in output.areas:
        segment = totals.area_id if len(output.forces) <= 1 else f"{totals.force}/{totals.area_id}"
        utilisation = (
            100.0 * totals.busy_s / totals.present_s if totals.present_s > 0 else float("nan")
        )
        values.append(MetricValue("unit_utilisation", segment, "value", "%", utilisation))
        values.append(MetricValue("unit_overrun", segment, "value", "h", totals.overrun_s / 3600.0))
    return values


def _finite(values: np.ndarray) -> np.ndarray:
    return values[~np.isnan(values)]


def _share(metric: str, segment: str, hit: np.ndarray, of: np.ndarray) -> MetricValue:
    """``hit`` as a percentage of ``of`` (NaN when ``of`` is empty)."""
    total = int(of.sum())
    value = 100.0 * float((hit & of).sum()) / total if total else float("nan")
    return MetricValue(metric, segment, "value", "%", value)


def call_records(output: ReplicationOutput) -> pd.DataFrame:
    """Per-call records of one replication, for ``records/calls.parquet``.

    Times are seconds from the scenario start (negative in the warm-up).
    """
    calls = output.calls
    forces = np.array([force for force, _ in output.queues], dtype=object)
    channels = np.array([channel for _, channel in output.queues], dtype=object)
    pool_ids = np.array([p.pool_id for p in output.pools] + [""], dtype=object)
    outcome_names = np.array(OUTCOME_NAMES, dtype=object)
    wait = answer_waits(output)
    abandoned_at = np.where(calls["outcome"] == 1, calls["arrival_s"] + calls["patience_s"], np.nan)
    frame = pd.DataFrame(
        {
            "scenario": output.scenario,
            "replication": output.replication,
            "seed": output.seed,
            "call_id": np.arange(len(calls["arrival_s"])),
            "caller_id": calls["caller"],
            "attempt": calls["attempt"],
            "force": pd.Categorical(forces[calls["queue"]]),
            "channel": pd.Categorical(channels[calls["queue"]]),
            "arrival_s": calls["arrival_s"],
            "patience_s": calls["patience_s"],
            "answered_s": calls["answered_s"],
            "abandoned_s": abandoned_at,
            "answer_wait_s": wait,
            "talk_s": calls["talk_s"],
            "wrap_s": calls["wrap_s"],
            "handler_pool": pd.Categorical(pool_ids[calls["pool"]]),
            "outcome": pd.Categorical(outcome_names[calls["outcome"]]),
            "in_period": measured(output),
        }
    )
    if "talk_multiplier" in calls:
        frame["sampled_talk_s"] = calls["sampled_talk_s"]
        frame["talk_multiplier"] = calls["talk_multiplier"]
    if "start_s" in output.outages:
        frame["in_outage"] = in_outage(output, calls["answered_s"])
    return frame


def in_outage(output: ReplicationOutput, times_s: np.ndarray) -> np.ndarray:
    """Whether each time (seconds; NaN: no) falls inside one of the platform's outages."""
    starts = output.outages.get("start_s", np.empty(0))
    ends = output.outages.get("end_s", np.empty(0))
    if not starts.size:
        return np.zeros(len(times_s), dtype=bool)
    times = np.nan_to_num(np.asarray(times_s, dtype=float), nan=-np.inf)
    window = np.searchsorted(starts, times, side="right") - 1
    return (window >= 0) & (times < ends[np.maximum(window, 0)])


def outage_records(output: ReplicationOutput) -> pd.DataFrame:
    """The platform's outage windows of one replication, for ``records/outages.parquet``.

    Seconds from the scenario start; ``in_period`` if the window overlaps the
    measured period.
    """
    starts = output.outages.get("start_s", np.empty(0))
    ends = output.outages.get("end_s", np.empty(0))
    return pd.DataFrame(
        {
            "scenario": output.scenario,
            "replication": output.replication,
            "seed": output.seed,
            "platform": output.platform,
            "outage_id": np.arange(len(starts)),
            "start_s": starts,
            "end_s": ends,
            "duration_h": (ends - starts) / 3600.0,
            "in_period": (ends > 0) & (starts < output.horizon_s),
        }
    )


def platform_metrics(output: ReplicationOutput) -> list[MetricValue]:
    """``platform_outage`` hours (in the measured period) and share of time, with outages."""
    if "start_s" not in output.outages:
        return []
    starts = np.clip(output.outages["start_s"], 0.0, output.horizon_s)
    ends = np.clip(output.outages["end_s"], 0.0, output.horizon_s)
    down_s = float(np.sum(ends - starts))
    return [
        MetricValue("platform_outage", "time", "value", "h", down_s / 3600.0),
        MetricValue("platform_outage", "share", "value", "%", 100.0 * down_s / output.horizon_s),
    ]


def incident_records(output: ReplicationOutput) -> pd.DataFrame:
    """Per-incident records of one replication, for ``records/incidents.parquet``.

    Times are seconds from the scenario start: ``created``, ``graded_at`` (the
    final grade; later only for an escalated call-back), ``dispatched``,
    ``arrived`` (first unit on scene, or the appointment), ``cleared``,
    ``callback_start`` and ``appointment_s``; NaN where they did not happen.
    """
    inc = output.incidents
    n = len(inc.get("created", ()))
    area_names = np.array([a.area_id for a in output.areas] + [""], dtype=object)
    grades = np.array(GRADE_NAMES, dtype=object)
    forces = np.array(output.forces, dtype=object)
    if not n:
        return pd.DataFrame()
    return pd.DataFrame(
        {
            "scenario": output.scenario,
            "replication": output.replication,
            "seed": output.seed,
            "incident_id": np.arange(n),
            "force": pd.Categorical(forces[inc["force"]]),
            # area -1 (a force without areas) maps to the trailing "".
            "area": pd.Categorical(area_names[inc["area"]]),
            "grade": pd.Categorical(grades[inc["grade"]]),
            "first_grade": pd.Categorical(grades[inc["first_grade"]]),
            "source": pd.Categorical(np.where(inc["source"] == 0, "call", "online")),
            "source_id": inc["source_id"],
            "created_s": inc["created"],
            "graded_s": inc["graded_at"],
            "dispatched_s": inc["dispatched"],
            "arrived_s": np.where(inc["arrived"] <= output.end_s, inc["arrived"], np.nan),
            "cleared_s": np.where(inc["cleared"] <= output.end_s, inc["cleared"], np.nan),
            "callback_start_s": inc["callback_start"],
            "appointment_s": inc["appointment_s"],
            "unit": inc["unit"],
            # Force of the first unit on scene ("" if none): another force's where help
            # crossed a border.
            "unit_force": pd.Categorical(
                np.append(forces, "")[inc["unit_force"]] if "unit_force" in inc else ""
            ),
            "diverted": inc["diverted"],
            "helped": inc["helped"],
            "escalated": inc["escalated"],
            "in_period": (inc["graded_at"] >= 0) & (inc["graded_at"] < output.horizon_s),
        }
    )


def replication_records(output: ReplicationOutput) -> dict[str, pd.DataFrame]:
    """Every record table of one replication, by file name.

    ``calls``; ``incidents`` when there are any; ``outages`` when the platform
    has outages.
    """
    records = {"calls": call_records(output)}
    incidents = incident_records(output)
    if len(incidents):
        records["incidents"] = incidents
    if "start_s" in output.outages:
        records["outages"] = outage_records(output)
    return records
