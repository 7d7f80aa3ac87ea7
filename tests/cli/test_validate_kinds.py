"""``demandsim validate`` checks every kind of file demandsim reads, and says which kind."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli import app
from tests.helpers import CONFIGS, ROOT

runner = CliRunner()


def _validate(path: Path) -> tuple[int, str]:
    result = runner.invoke(app, ["validate", str(path)])
    return result.exit_code, " ".join(result.output.split())


def _file(tmp_path: Path, text: str, name: str = "f.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    ("path", "kind"),
    [
        (CONFIGS / "demo.yaml", "valid scenario 'demo'"),
        (ROOT / "experiments" / "handler-staffing.yaml", "valid experiment 'handler-staffing'"),
        (ROOT / "sim" / "config" / "platforms" / "cmp.yaml", "valid platform 'cmp'"),
        (CONFIGS / "hypercube" / "two-unit.yaml", "valid hypercube model: 2 unit(s), 2 atom(s)"),
    ],
    ids=["scenario", "experiment", "platform", "hypercube"],
)
def test_each_shipped_kind_is_valid_and_named(path: Path, kind: str) -> None:
    code, said = _validate(path)
    assert code == 0, said
    assert kind in said


def test_shift_patterns_are_checked_as_shift_patterns(tmp_path) -> None:
    good = _file(tmp_path, 'patterns:\n  - {name: early, start: "07:00", length_hours: 8}\n')
    code, said = _validate(good)
    assert code == 0, said
    assert "valid shift patterns: 1 pattern(s) (early)" in said
    bad = _file(tmp_path, "patterns:\n  - {name: early, length_hours: 8}\n", "bad.yaml")
    code, said = _validate(bad)
    assert code == 2
    assert str(bad) in said


def test_a_fit_mapping_is_checked_as_a_fit_mapping(tmp_path) -> None:
    good = _file(tmp_path, "incidents:\n  columns: {created: Created}\n  priorities: {E: grade1}\n")
    code, said = _validate(good)
    assert code == 0, said
    assert "valid fit mapping: incidents (1 column(s) renamed)" in said
    bad = _file(tmp_path, "incidents:\n  priorities: {E: urgent}\n", "bad.yaml")
    code, said = _validate(bad)
    assert code == 2
    assert "incidents.priorities.E" in said


def test_a_platform_with_a_bad_value_names_its_field(tmp_path) -> None:
    bad = _file(tmp_path, "online_shift: 2\n", "fast.yaml")
    code, said = _validate(bad)
    assert code == 2
    assert f"{bad}: online_shift" in said


def test_a_file_of_no_known_kind_is_checked_as_a_scenario(tmp_path) -> None:
    path = _file(tmp_path, "colour: blue\n")
    code, said = _validate(path)
    assert code == 2
    assert f"{path}: forces:" in said


def test_a_hypercube_file_with_a_bad_rate_names_its_field(tmp_path) -> None:
    path = _file(
        tmp_path,
        "service_rate_per_hour: 2\ncapacity: zero line\nunits: [a]\n"
        "atoms:\n  - {id: x, calls_per_hour: -1}\n",
    )
    code, said = _validate(path)
    assert code == 2
    assert "atoms.0.calls_per_hour: is -1; expected 0 or more" in said
