"""``demandsim hypercube FILE``: the shipped examples print their figures; bad files exit 2."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli import app
from sim.analytic.hypercube import solve_exact
from tests.helpers import CONFIGS

runner = CliRunner()
TWO_UNIT = CONFIGS / "hypercube" / "two-unit.yaml"
TOWN = CONFIGS / "hypercube" / "town.yaml"


def test_two_unit_example_prints_the_exact_figures() -> None:
    result = runner.invoke(app, ["hypercube", str(TWO_UNIT)])
    assert result.exit_code == 0, result.output
    assert "exact hypercube, zero line" in result.output
    assert "calls lost (every unit busy): 20.00%" in result.output
    # Workloads 2/5; north's calls: 60% car-1, 20% car-2, 20% lost; 3 minutes' travel.
    assert "│ car-1 │         40.0 │" in result.output
    assert "│ north │              1 │  60.0 │  20.0 │ 20.0 │               3.0 │" in result.output


def test_json_gives_larsons_shares_and_the_states() -> None:
    result = runner.invoke(app, ["hypercube", str(TWO_UNIT), "--json"])
    assert result.exit_code == 0, result.output
    figures = json.loads(result.output)
    assert figures["dispatch_shares"]["north"]["car-1"] == pytest.approx(3 / 8)
    assert figures["dispatch_shares"]["south"]["car-1"] == pytest.approx(1 / 8)
    assert figures["state_probabilities"] == pytest.approx(
        {"none busy": 0.4, "car-1": 0.2, "car-2": 0.2, "car-1,car-2": 0.2}
    )


def test_town_example_reads_its_travel_csv_and_orders_cars_by_travel() -> None:
    result = runner.invoke(app, ["hypercube", str(TOWN), "--json"])
    assert result.exit_code == 0, result.output
    figures = json.loads(result.output)
    assert figures["method"] == "exact"
    assert figures["capacity"] == "infinite line"
    # Corner beat b00's nearest car is u7 at its centre: its first choice serves most.
    b00 = figures["dispatch_fractions"]["b00"]
    assert max(b00, key=b00.get) == "u7"
    assert sum(figures["workloads"].values()) == pytest.approx(5.8 / 1.25)


def test_spatial_demo_force_is_solved_by_the_approximation() -> None:
    result = runner.invoke(
        app, ["hypercube", str(CONFIGS / "hypercube" / "spatial-demo.yaml"), "--json"]
    )
    assert result.exit_code == 0, result.output
    figures = json.loads(result.output)
    assert figures["method"] == "approximate"  # 16 units, past the exact model's 12
    assert len(figures["workloads"]) == 16 and len(figures["dispatch_fractions"]) == 40
    # Every call is served in the end (infinite line): workloads add up to 4 Erlangs.
    assert sum(figures["workloads"].values()) == pytest.approx(4.0, rel=0.02)
    for shares in figures["dispatch_fractions"].values():
        assert sum(shares.values()) == pytest.approx(1.0)


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "model.yaml"
    path.write_text(text)
    return path


GOOD = """
service_rate_per_hour: 2
capacity: zero line
units: [a, b]
atoms:
  - {id: x, calls_per_hour: 1, preferences: [a, b]}
  - {id: y, calls_per_hour: 1, preferences: [b, a]}
"""


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (("capacity: zero line", "capacity: queue"), "capacity"),
        (("preferences: [b, a]", "preferences: [b, c]"), "atoms.1.preferences"),
        (("preferences: [a, b]", "preferences: [a]"), "atoms.0.preferences"),
        (("calls_per_hour: 1, preferences: [a", "calls_per_hour: -1, preferences: [a"),
         "atoms.0.calls_per_hour"),
        (("capacity: zero line", "capacity: infinite line\nmethod: exact"), None),
        (("service_rate_per_hour: 2", "service_rate_per_hour: 0.5\ncapacity2: 1"), "capacity2"),
        (("capacity: zero line", "capacity: infinite line\ntravel_csv: none.csv"), "none.csv"),
    ],
)  # fmt: skip
def test_bad_files_exit_2_naming_the_field(
    tmp_path: Path, change: tuple[str, str], expected: str | None
) -> None:
    path = write(tmp_path, GOOD.replace(*change))
    result = runner.invoke(app, ["hypercube", str(path)])
    if expected is None:  # a good variant, to show the others fail for their change
        assert result.exit_code == 0, result.output
        return
    assert result.exit_code == 2, result.output
    assert str(path) in result.output
    assert expected in result.output


def test_unstable_infinite_line_exits_2_saying_why(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD.replace("capacity: zero line", "capacity: infinite line")
                 .replace("service_rate_per_hour: 2", "service_rate_per_hour: 1"))  # fmt: skip
    result = runner.invoke(app, ["hypercube", str(path)])
    assert result.exit_code == 2
    assert "capacity" in result.output and "grow for ever" in result.output


def test_travel_csv_problems_name_row_and_column(tmp_path: Path) -> None:
    (tmp_path / "travel.csv").write_text("atom,a,b\nx,2,6\ny,six,2\n")
    text = GOOD.replace("capacity: zero line", "capacity: zero line\ntravel_csv: travel.csv")
    result = runner.invoke(app, ["hypercube", str(write(tmp_path, text))])
    assert result.exit_code == 2
    assert "travel.csv: row 3 (y), column a: is 'six'" in result.output.replace("\n", " ")


def test_missing_file_exits_2(tmp_path: Path) -> None:
    result = runner.invoke(app, ["hypercube", str(tmp_path / "nothing.yaml")])
    assert result.exit_code == 2
    assert "nothing.yaml: file not found; expected a hypercube YAML file" in result.output


def test_preferences_left_out_follow_travel(tmp_path: Path) -> None:
    text = """
service_rate_per_hour: 2
capacity: zero line
units: [a, b]
atoms:
  - {id: x, calls_per_hour: 1}
  - {id: y, calls_per_hour: 1}
travel_min:
  x: {a: 6, b: 2}
  y: {a: 2, b: 6}
"""
    result = runner.invoke(app, ["hypercube", str(write(tmp_path, text)), "--json"])
    assert result.exit_code == 0, result.output
    fractions = json.loads(result.output)["dispatch_fractions"]
    expected = solve_exact([1, 1], 2, [[1, 0], [0, 1]]).dispatch_fractions
    assert fractions["x"]["b"] == pytest.approx(expected[0, 1])
    assert fractions["x"]["b"] == pytest.approx(0.6)
