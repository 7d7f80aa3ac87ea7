"""Loading a scenario: read the file, apply ``--set`` overrides, validate, report every problem."""

from __future__ import annotations

import copy
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from sim.config.geography_files import resolve_geography_files
from sim.config.messages import (
    describe_input,
    dotted_path,
    problems_from_validation,
)
from sim.config.safe_yaml import parse_yaml, read_yaml_file
from sim.config.scenario import Scenario
from sim.errors import InputError, Problem


def _printable(text: str) -> str:
    """Text safe to print on a terminal: control and invisible characters escaped."""
    return text if text.isprintable() else repr(text)


_OVERRIDE = re.compile(r"^\s*([^=\s][^=]*?)\s*=(.*)$", re.DOTALL)


def _override_source(text: str) -> str:
    return f"--set {_printable(text)}"


def parse_override(text: str) -> tuple[list[str], Any]:
    """Split ``a.b.c=VALUE`` into its path and its value (parsed as YAML: a number, text, list).

    Raises
    ------
    InputError
        If the text is not of that form.
    """
    match = _OVERRIDE.match(text)
    source = _override_source(text)
    if not match:
        raise InputError([Problem(source, "", "expected PATH=VALUE, e.g. days=14")])
    path = match.group(1).split(".")
    if any(not part or part != part.strip() for part in path):
        raise InputError(
            [Problem(source, "", "has an empty part in the path; expected a.b.c=VALUE")]
        )
    value = parse_yaml(match.group(2), source) if match.group(2).strip() else None
    return path, value


def apply_overrides(raw: Any, overrides: Sequence[str]) -> Any:
    """Return a copy of a raw (parsed YAML) config with ``--set`` overrides applied.

    Lists are indexed by number (``handler_pools.cc.roster.shifts.0.count=12``).
    Missing sections are created, so that the result is validated like the file
    and an unknown name is reported as an unknown field.

    Raises
    ------
    InputError
        For every override that is malformed or cannot be applied.
    """
    result = copy.deepcopy(raw)
    problems: list[Problem] = []
    for text in overrides:
        try:
            path, value = parse_override(text)
        except InputError as exc:
            problems.extend(exc.problems)
            continue
        if not isinstance(result, dict):
            problems.append(
                Problem(_override_source(text), "", "the file is not a mapping of fields")
            )
            continue
        problem = _set_path(result, path, value, _override_source(text))
        if problem is not None:
            problems.append(problem)
    if problems:
        raise InputError(problems)
    return result


def _set_path(root: dict, path: list[str], value: Any, source: str) -> Problem | None:
    """Set ``value`` at ``path`` in ``root``; a Problem if the path cannot be followed."""
    node: Any = root
    for depth, part in enumerate(path):
        walked = dotted_path(path[: depth + 1])
        last = depth == len(path) - 1
        if isinstance(node, list):
            # ASCII digits only: "²".isdigit() is true, but int("²") fails.
            if not (part.isascii() and part.isdigit() and int(part) < len(node)):
                expected = (
                    "the list is empty; set the whole list instead, e.g. "
                    f"{dotted_path(path[:depth])}=[...]"
                    if not node
                    else f"expected an index 0..{len(node) - 1}"
                )
                return Problem(
                    source, walked, f"is not an index of this list of {len(node)}; {expected}"
                )
            key: Any = int(part)
        else:
            key = part
            if not last and node.get(key) is None:
                node[key] = {}  # a new section: validation says if the name is wrong
        if last:
            node[key] = value
            return None
        child = node[key]
        if not isinstance(child, (dict, list)):
            return Problem(
                source,
                walked,
                f"is a value ({describe_input(child)}), not a section; cannot set a field "
                "inside it",
            )
        node = child
    return None


def load_scenario(path: str | Path, overrides: Sequence[str] = ()) -> Scenario:
    """Load, override and validate a scenario file.

    Parameters
    ----------
    path
        Scenario YAML file.
    overrides
        ``a.b.c=VALUE`` strings applied to the file before validation. A problem
        with a value set this way names the ``--set`` it came from.

    Raises
    ------
    InputError
        Listing every problem found, each with the file and field path.
    """
    # Geography files are read before the overrides (so --set reaches a station read
    # from a file) and again after them (a file named by --set), beside the scenario.
    raw = resolve_geography_files(read_yaml_file(path), path)
    if not overrides:
        return scenario_from_dict(raw, str(path))
    raw = apply_overrides(raw, overrides)
    try:
        raw = resolve_geography_files(raw, path)
        return scenario_from_dict(raw, str(path))
    except InputError as exc:
        raise InputError([_blame_override(p, overrides) for p in exc.problems]) from None


def _blame_override(problem: Problem, overrides: Sequence[str]) -> Problem:
    """Add ``(from --set ...)`` to a problem at, inside or around an overridden field."""
    for text in reversed(overrides):  # the last override of a field is the one that counts
        dotted = dotted_path(parse_override(text)[0])
        if not problem.path:
            continue
        if (
            problem.path == dotted
            or problem.path.startswith(dotted + ".")
            or dotted.startswith(problem.path + ".")
        ):
            message = f"{problem.message} (from {_override_source(text)})"
            return Problem(problem.source, problem.path, message)
    return problem


def kind_of_document(raw: Any) -> str:
    """What a whole parsed file is, in words, without quoting any of it (``a list``, ``text``)."""
    if raw is None:
        return "empty"
    if isinstance(raw, list):
        return f"a list of {len(raw)} item(s)"
    if isinstance(raw, bool):
        return "true/false"
    if isinstance(raw, (int, float)):
        return "a number"
    if isinstance(raw, str):
        return f"text ({len(raw):,} characters)"
    return f"a {type(raw).__name__} value"


def scenario_from_dict(raw: Any, source: str = "<scenario>") -> Scenario:
    """Validate a parsed scenario mapping, raising ``InputError`` with every problem."""
    if not isinstance(raw, dict):
        # The kind only, never the content: the file may not be a scenario at all
        # (a wrong path to /etc/passwd, a key file), and its text is nobody's business.
        kind = kind_of_document(raw)
        raise InputError([Problem(source, "", f"is {kind}; expected a mapping of scenario fields")])
    try:
        return Scenario.model_validate(raw)
    except ValidationError as exc:
        raise InputError(problems_from_validation(exc, source, raw)) from None
    except RecursionError:
        raise InputError([Problem(source, "", "is nested too deeply")]) from None
