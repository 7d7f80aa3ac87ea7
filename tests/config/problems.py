"""Helpers for the bad-input tests: break the shipped demo, check the problem lines.

Shared by ``tests/config`` (which checks the problems :func:`sim.config.load_scenario`
finds) and ``tests/cli/test_config.py`` (which checks what the command line prints):
a ``result`` is anything with ``exit_code``, ``stderr`` and ``output``, such as
Typer's test-runner result.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml

from sim.config import read_yaml_file

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "configs" / "demo.yaml"


def demo_raw() -> dict[str, Any]:
    """The shipped demo scenario as plain data, to be broken by a test."""
    return copy.deepcopy(read_yaml_file(DEMO))


def channel(raw: dict[str, Any], name: str = "999") -> dict[str, Any]:
    return raw["forces"]["demo"]["channels"][name]


def pool(raw: dict[str, Any]) -> dict[str, Any]:
    return raw["handler_pools"]["contact_centre"]


def write(tmp_path: Path, content: dict[str, Any] | str, name: str = "scenario.yaml") -> Path:
    path = tmp_path / name
    text = content if isinstance(content, str) else yaml.safe_dump(content, sort_keys=False)
    path.write_text(text, encoding="utf-8")
    return path


def problem_lines(result: Any) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.strip()]


def assert_bad(result: Any, source: Path | str, field: str, *fragments: str) -> str:
    """Exit 2, and a line ``SOURCE: FIELD: ...`` containing every fragment; return it."""
    assert result.exit_code == 2, result.output
    prefix = f"{source}: {field}: " if field else f"{source}: "
    lines = problem_lines(result)
    matching = [line for line in lines if line.startswith(prefix)]
    assert matching, f"no line starts with {prefix!r}:\n{result.stderr}"
    for line in matching:
        if all(fragment in line for fragment in fragments):
            return line
    raise AssertionError(f"no line {prefix!r} mentions {fragments}:\n{result.stderr}")
