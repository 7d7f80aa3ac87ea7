"""Checks of a results directory's files before the report reads them (issue 21).

A results directory may have been edited, truncated or copied in part. The
report refuses a damaged file with exit 2, naming the file, the row (as a
spreadsheet numbers it: the header is row 1) or field, and what was expected,
rather than drawing from it or failing with a traceback.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pandas as pd

from sim.errors import InputError, Problem

#: Columns holding text that every row must have.
SUMMARY_TEXT = ("scenario", "metric", "segment", "stat", "unit")
#: Columns holding numbers: NaN allowed (no value, or one replication), never infinite.
SUMMARY_NUMBERS = ("mean", "ci_low", "ci_high")
COMPARISON_TEXT = ("scenario", "baseline", "metric", "segment", "stat")
COMPARISON_NUMBERS = ("baseline_mean", "scenario_mean", "difference", "ci_low", "ci_high")
#: How many damaged rows an error lists at most.
EXAMPLES = 5

#: The shape of manifest.json: each top-level field the report reads, and its JSON type.
MANIFEST_FIELDS: dict[str, tuple[type, ...]] = {
    "command": (list,),
    "started": (str,),
    "finished": (str,),
    "seed": (int,),
    "replications": (list,),
    "versions": (dict,),
    "scenarios": (dict,),
    "experiment": (dict,),
    "run": (dict,),
    "source": (str,),
    "overrides": (list,),
}
EXPERIMENT_FIELDS: dict[str, tuple[type, ...]] = {
    "name": (str,),
    "baseline": (str,),
    "question": (str,),
    "description": (str,),
    "headline": (list,),
}
_JSON_NAMES = {list: "a list", str: "text", int: "a whole number", dict: "a mapping"}


def _rows(mask: pd.Series) -> str:
    """Spreadsheet row numbers of the rows a mask selects (header row 1), a few of them."""
    numbers = [str(i + 2) for i in mask[mask].index[:EXAMPLES]]
    more = int(mask.sum()) - len(numbers)
    return ", ".join(numbers) + (f" and {more} more" if more > 0 else "")


def check_table(
    path: Path, table: pd.DataFrame, text: tuple[str, ...], numbers: tuple[str, ...]
) -> pd.DataFrame:
    """A table's text columns filled and number columns numeric and finite (or empty).

    Returns the table with its number columns as floats.

    Raises
    ------
    InputError
        One problem per damaged column, naming the file, the column and the rows.
    """
    problems = []
    for column in text:
        if column not in table.columns:
            continue
        empty = table[column].isna() | (table[column].astype(str).str.strip() == "")
        if empty.any():
            problems.append(
                Problem(
                    str(path),
                    column,
                    f"is empty in row(s) {_rows(empty)}; expected every row to have all "
                    f"{len(table.columns)} columns (a row cut short, or a ragged file)",
                )
            )
    table = table.copy()
    for column in numbers:
        if column not in table.columns:
            continue
        values = pd.to_numeric(table[column], errors="coerce")
        not_number = values.isna() & table[column].notna()
        if not_number.any():
            problems.append(
                Problem(str(path), column, f"is not a number in row(s) {_rows(not_number)}")
            )
        infinite = values.abs() == math.inf
        if infinite.any():
            problems.append(
                Problem(
                    str(path),
                    column,
                    f"is infinite in row(s) {_rows(infinite)}; expected a finite number "
                    "(or empty where there is none)",
                )
            )
        table[column] = values.astype(float)
    if problems:
        raise InputError(problems)
    return table


def check_replications(path: Path, table: pd.DataFrame) -> pd.DataFrame:
    """``replications``: a whole number, zero or more, in every row of ``summary.csv``."""
    values = pd.to_numeric(table["replications"], errors="coerce")
    bad = values.isna() | (values < 0) | (values.abs() == math.inf) | (values % 1 != 0)
    if bad.any():
        raise InputError(
            [
                Problem(
                    str(path),
                    "replications",
                    f"is not a whole number of replications in row(s) {_rows(bad)}",
                )
            ]
        )
    table = table.copy()
    table["replications"] = values.astype(int)
    return table


def check_manifest(path: Path, manifest: Any) -> dict[str, Any]:
    """``manifest.json``: a mapping whose fields the report reads have their JSON types.

    Raises
    ------
    InputError
        Naming each field of the wrong type (``experiment.baseline``).
    """
    if not isinstance(manifest, dict):
        raise InputError(
            [Problem(str(path), "", f"is {_kind(manifest)}; expected a mapping of run details")]
        )
    problems = _typed(path, manifest, MANIFEST_FIELDS, "")
    experiment = manifest.get("experiment")
    if isinstance(experiment, dict):
        problems += _typed(path, experiment, EXPERIMENT_FIELDS, "experiment.")
    if problems:
        raise InputError(problems)
    return manifest


def _typed(
    path: Path, mapping: dict[str, Any], fields: dict[str, tuple[type, ...]], prefix: str
) -> list[Problem]:
    problems = []
    for name, types in fields.items():
        value = mapping.get(name)
        if value is None:
            continue
        wrong = not isinstance(value, types) or (int in types and isinstance(value, bool))
        if wrong:
            expected = " or ".join(_JSON_NAMES[t] for t in types)
            problems.append(
                Problem(str(path), prefix + name, f"is {_kind(value)}; expected {expected}")
            )
    return problems


def _kind(value: Any) -> str:
    """The JSON type of a value in words (never its contents)."""
    for kind, name in ((bool, "true or false"), (dict, "a mapping"), (list, "a list")):
        if isinstance(value, kind):
            return name
    if isinstance(value, str):
        return "text"
    if isinstance(value, (int, float)):
        return "a number"
    return "null" if value is None else "something else"


__all__ = [
    "COMPARISON_NUMBERS",
    "COMPARISON_TEXT",
    "SUMMARY_NUMBERS",
    "SUMMARY_TEXT",
    "check_manifest",
    "check_replications",
    "check_table",
]
