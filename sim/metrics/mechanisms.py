"""Metrics of the optional mechanisms: Right Care Right Person, multi-unit jobs, crewing.

Only for forces that use a mechanism, so ``summary.csv`` of a scenario without
them is what it was. Incidents count when they got their final grade in the
measured period (as the response metrics); officer-hours are scaled to a year
(365 days) from the measured period's length.

- ``rcrp_incidents`` (count): ``flagged``, ``referred`` (to the partner),
  ``refused`` (the partner accepted but was full that day) and ``attended``
  (flagged, officers sent).
- ``officer_hours_released`` (officer-hours a year): ``rcrp`` in all, of which
  ``referral`` (the long on-scene time of every referred incident, times
  its units and officers) and ``handover`` (what the handover cap cut).
- ``multi_unit_jobs`` (count): ``grade1`` and ``grade2`` incidents needing
  more than one unit.
- ``officer_hours`` (officer-hours a year): per area, unit time on jobs in the
  measured period times the officers in each unit.
"""

from __future__ import annotations

import numpy as np

from sim.metrics.kpis import MetricValue, _force_scopes, metric_value
from sim.metrics.windows import clip_to_period, incidents_in_period
from sim.model.records import Grade, ReplicationOutput
from sim.units import DAYS_PER_YEAR, SECONDS_PER_DAY, SECONDS_PER_HOUR


def per_year(output: ReplicationOutput) -> float:
    """Factor from the measured period to a year of 365 days."""
    return DAYS_PER_YEAR * SECONDS_PER_DAY / output.horizon_s


def mechanism_metrics(output: ReplicationOutput) -> list[MetricValue]:
    """The mechanisms' KPIs of one replication (empty when no force uses one)."""
    records = output.mechanisms
    if records is None:
        return []
    incidents = output.incidents
    graded = incidents_in_period(output)
    year = per_year(output)
    values: list[MetricValue] = []

    def uses(flags: list[bool], prefix: str) -> bool:
        # prefix "tvp/": that force; "": the scenario as a whole
        return flags[output.forces.index(prefix[:-1])] if prefix else any(flags)

    for prefix, scope in _force_scopes(output, incidents.force):
        counted = scope & graded
        if uses(records.rcrp, prefix):
            flagged = counted & records.flagged
            attended = flagged & ~records.referred
            for segment, mask in (("flagged", flagged), ("referred", flagged & records.referred),
                                  ("refused", flagged & records.refused),
                                  ("attended", attended)):  # fmt: skip
                values.append(
                    metric_value("rcrp_incidents", f"{prefix}{segment}", "count", float(mask.sum()))
                )
            released = records.released_s * year / SECONDS_PER_HOUR
            by_referral = float(released[flagged & records.referred].sum())
            by_cap = float(released[attended].sum())
            for segment, value in (("rcrp", by_referral + by_cap),
                                   ("referral", by_referral),
                                   ("handover", by_cap)):  # fmt: skip
                values.append(
                    metric_value("officer_hours_released", f"{prefix}{segment}", "value", value)
                )
        if uses(records.multi_unit, prefix):
            several = counted & (records.units_needed > 1)
            for code in (Grade.GRADE1, Grade.GRADE2):
                count = float((several & (incidents.grade == code)).sum())
                values.append(metric_value("multi_unit_jobs", f"{prefix}{code.label}", "count",
                                           count))  # fmt: skip
    values += _officer_hours(output)
    return values


def _officer_hours(output: ReplicationOutput) -> list[MetricValue]:
    """Officer-hours a year on jobs, per area of the forces using a mechanism."""
    records = output.mechanisms
    assert records is not None
    assignments = output.assignments
    starts = clip_to_period(assignments.start_s, output.horizon_s)
    ends = clip_to_period(assignments.end_s, output.horizon_s)
    officer_s = (ends - starts) * records.unit_officers[assignments.unit]
    area_of = records.unit_area[assignments.unit]
    force_ids = output.forces
    uses = [a or b or c for a, b, c in zip(records.rcrp, records.multi_unit, records.crews,
                                            strict=True)]  # fmt: skip
    values = []
    for index, totals in enumerate(output.areas):
        if not uses[force_ids.index(totals.force)]:
            continue
        segment = totals.area_id if len(force_ids) <= 1 else f"{totals.force}/{totals.area_id}"
        hours = float(officer_s[area_of == index].sum()) * per_year(output) / SECONDS_PER_HOUR
        values.append(metric_value("officer_hours", segment, "value", hours))
    return values


def mechanism_columns(output: ReplicationOutput) -> dict[str, np.ndarray]:
    """Per-incident columns the mechanisms add to ``records/incidents/`` (empty: none used).

    ``rcrp_flagged``, ``rcrp_referred``, ``rcrp_refused``, ``rcrp_on_scene_s``
    (the long on-scene time of a flagged incident, seconds),
    ``rcrp_released_officer_s`` (officer-seconds released) and ``units_needed``.
    """
    records = output.mechanisms
    if records is None:
        return {}
    return {
        "rcrp_flagged": records.flagged,
        "rcrp_referred": records.referred,
        "rcrp_refused": records.refused,
        "rcrp_on_scene_s": records.long_on_scene_s,
        "rcrp_released_officer_s": records.released_s,
        "units_needed": records.units_needed,
    }
