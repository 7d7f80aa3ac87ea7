"""What a results directory says about its scenarios: ``targets.csv`` and ``changes.csv``.

The report reads results files only, never configs (ARCHITECTURE.md §2), so a
results directory carries what the report needs of them:

- ``targets.csv``: every target the metrics are judged against, per scenario,
  force and segment, with the segments exactly as in ``summary.csv``
  (``999``, ``grade1/urban``; ``tvp/999`` in a scenario of several forces, and
  the unprefixed scenario-wide segment only where every force agrees);
- ``changes.csv``: each scenario's settings that differ from the baseline's;
- ``scenarios.csv``: each scenario's description and its platform's settings
  and stated assumptions (``scenario, field, value``).
"""

from __future__ import annotations

from importlib import resources
from typing import Any

import pandas as pd

from sim.catalogue import default_target
from sim.config import DEFAULT_ANSWER_TARGET_S, DEFAULT_GRADE1_TARGET_MIN, Force, Platform, Scenario
from sim.config import DEFAULT_GRADE2_TARGET_MIN as NATIONAL_GRADE2_MIN
from sim.config.experiment import yaml_text
from sim.config.platform import PLATFORMS_FOLDER, shipped_platform
from sim.errors import InputError
from sim.files import CHANGE_COLUMNS, SCENARIO_COLUMNS, TARGET_COLUMNS
from sim.runs.plan import PlannedScenario, RunPlan

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


# --------------------------------------------------------------------------- scenarios.csv

_ASSUMPTION = "ASSUMPTION:"


def platform_assumptions(text: str) -> list[tuple[str, str]]:
    """The ``# ASSUMPTION: ...`` comments of a platform file, each with the setting it precedes.

    Parameters
    ----------
    text
        A platform YAML file.

    Returns
    -------
    list of (path, assumption)
        ``path`` is the dotted path of the key after the comment block
        (``sms_advice.101.share``), the assumption the comment's text from
        ``ASSUMPTION:`` on, its lines joined.
    """
    found: list[tuple[str, str]] = []
    stack: list[tuple[int, str]] = []
    block: list[str] = []
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("#"):
            block.append(stripped.lstrip("#").strip())
            continue
        if not stripped or ":" not in stripped:
            block = [] if not stripped else block
            continue
        indent = len(line) - len(line.lstrip())
        key = stripped.split(":", 1)[0].strip().strip("\"'")
        stack = [(i, k) for i, k in stack if i < indent]
        stack.append((indent, key))
        words = " ".join(block)
        if _ASSUMPTION in words:
            found.append((".".join(k for _, k in stack), words.split(_ASSUMPTION, 1)[1].strip()))
        block = []
    return found


def _shipped_text(platform: Platform) -> str:
    """A named platform's shipped file, when the scenario uses it unchanged ("" otherwise)."""
    try:
        shipped = shipped_platform(platform.name)
        folder = resources.files("sim.config").joinpath(PLATFORMS_FOLDER)
        text = folder.joinpath(f"{platform.name}.yaml").read_text(encoding="utf-8-sig")
    except (InputError, OSError):
        return ""
    return text if shipped == platform else ""


def _flat(prefix: str, value: Any) -> list[tuple[str, str]]:
    """A settings tree as ``(dotted path, one line of YAML)`` leaves."""
    if isinstance(value, dict) and value:
        return [pair for key, item in value.items() for pair in _flat(f"{prefix}.{key}", item)]
    return [(prefix, yaml_text(value))]


def _item_name(raw: Any, path: str) -> str:
    """The ``name`` of the innermost named list item a dotted path runs through ("" if none)."""
    node, found = raw, ""
    for part in path.split("."):
        if isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
            if isinstance(node, dict) and isinstance(node.get("name"), str):
                found = node["name"]
        elif isinstance(node, dict) and part in node:
            node = node[part]
        else:
            break
    return found


def scenario_facts(planned: PlannedScenario) -> list[tuple[str, str, str]]:
    """Rows of ``scenarios.csv`` for one scenario: ``(scenario, field, value)``.

    Fields: ``description`` (the experiment's words for it, else the scenario
    file's); ``item.<path>``, for each changed setting inside a named list item
    (a shift), that item's name; with a platform, ``platform`` (its name),
    ``platform.description``, every setting as ``platform.<path>``, and each
    assumption the shipped platform file states, as ``assumption.<path>``.
    """
    name = planned.name
    rows = [(name, "description", planned.description)]
    raw = planned.scenario.model_dump(mode="json")
    for change in planned.changes:
        item = _item_name(raw, change.path)
        if item:
            rows.append((name, f"item.{change.path}", item))
    platform = planned.platform
    if platform is not None:
        rows.append((name, "platform", platform.name))
        rows.append((name, "platform.description", platform.description))
        dump = platform.model_dump(mode="json", exclude={"name", "description"})
        rows.extend((name, path, value) for path, value in _flat("platform", dump))
        assumptions = platform_assumptions(_shipped_text(platform))
        rows.extend((name, f"assumption.{path}", text) for path, text in assumptions)
    return rows


def scenarios_frame(plan: RunPlan) -> pd.DataFrame:
    """``scenarios.csv``: what each scenario is, in its own words, and its platform's settings."""
    rows = [row for s in plan.scenarios for row in scenario_facts(s)]
    return pd.DataFrame(rows, columns=SCENARIO_COLUMNS)
