"""What a results directory says about its scenarios: ``targets.csv`` and ``changes.csv``.

The report reads results files only, never configs (ARCHITECTURE.md §2), so a
results directory carries what the report needs of them:

- ``targets.csv``: every target the metrics are judged against, per scenario,
  force and segment, with the segments exactly as in ``summary.csv``
  (``999``, ``grade1/urban``; ``tvp/999`` in a scenario of several forces, and
  the unprefixed scenario-wide segment only where every force agrees);
- ``changes.csv``: each scenario's settings that differ from the baseline's.
"""

from __future__ import annotations

import pandas as pd

from sim.catalogue import default_target
from sim.config import DEFAULT_ANSWER_TARGET_S, DEFAULT_GRADE1_TARGET_MIN, Force, Scenario
from sim.config import DEFAULT_GRADE2_TARGET_MIN as NATIONAL_GRADE2_MIN
from sim.files import CHANGE_COLUMNS, TARGET_COLUMNS
from sim.runs.plan import RunPlan

#: One target: (metric, segment without force prefix, stat, direction, target, unit, source).
_Row = tuple[str, str, str, str, float, str, str]


def _source(value: float, national: float | None) -> str:
    return "national" if national is not None and value == national else "scenario"


def force_targets(force: Force) -> list[_Row]:
    """A force's targets, segments without the force prefix."""
    rows: list[_Row] = []
    for channel in force.channels:
        seconds = force.target_s(channel)
        national = DEFAULT_ANSWER_TARGET_S.get(channel)
        rows.append(
            ("answer_time", channel, "threshold", "<=", seconds, "s", _source(seconds, national))
        )
        share = default_target("answered_within_target", channel, "value")
        if share is not None:  # 999: 90% answered within the threshold (DESIGN §6)
            rows.append(("answered_within_target", channel, "value", ">=", share, "%", "national"))
    if force.areas and force.response is not None:
        for area_id, area in force.areas.items():
            minutes = force.grade1_target_min(area_id)
            national = DEFAULT_GRADE1_TARGET_MIN.get(area.kind or "")
            rows.append(
                (
                    "attendance_time",
                    f"grade1/{area_id}",
                    "threshold",
                    "<=",
                    minutes,
                    "min",
                    _source(minutes, national),
                )
            )
        grade2 = force.grade2_target_min()
        rows.append(
            (
                "attendance_time",
                "grade2",
                "threshold",
                "<=",
                grade2,
                "min",
                _source(grade2, NATIONAL_GRADE2_MIN),
            )
        )
    return rows


def scenario_targets(name: str, scenario: Scenario) -> list[tuple[object, ...]]:
    """Rows of ``targets.csv`` for one scenario."""
    forces = scenario.forces
    if len(forces) == 1:
        return [(name, *row) for row in force_targets(next(iter(forces.values())))]
    rows: list[tuple[object, ...]] = []
    by_segment: dict[tuple[str, str, str], set[tuple[object, ...]]] = {}
    for force_id, force in forces.items():
        for metric, segment, stat, direction, target, unit, source in force_targets(force):
            rows.append(
                (name, metric, f"{force_id}/{segment}", stat, direction, target, unit, source)
            )
            by_segment.setdefault((metric, segment, stat), set()).add(
                (direction, target, unit, source)
            )
    for (metric, segment, stat), values in by_segment.items():
        if len(values) == 1:
            direction, target, unit, source = next(iter(values))
            rows.append((name, metric, segment, stat, direction, target, unit, source))
    return rows


def targets_frame(plan: RunPlan) -> pd.DataFrame:
    """``targets.csv``: every target of every scenario of a plan, as it runs (platform applied)."""
    rows = [row for s in plan.scenarios for row in scenario_targets(s.name, s.prepared)]
    return pd.DataFrame(rows, columns=TARGET_COLUMNS)


def changes_frame(plan: RunPlan) -> pd.DataFrame:
    """``changes.csv``: each scenario's settings that differ from the baseline's."""
    rows = [(s.name, c.path, c.before, c.after, c.label) for s in plan.scenarios for c in s.changes]
    return pd.DataFrame(rows, columns=CHANGE_COLUMNS)
