"""Border travel config: roads between forces' beats, read from a CSV, errors by row and column."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from sim.config import InputError, load_scenario, scenario_from_dict

ROOT = Path(__file__).resolve().parents[2]


def _copy(tmp_path: Path) -> Path:
    shutil.copy(ROOT / "configs" / "spatial-border.yaml", tmp_path)
    shutil.copytree(ROOT / "configs" / "spatial-border", tmp_path / "spatial-border")
    return tmp_path / "spatial-border.yaml"


def _problems(path: Path) -> list[str]:
    with pytest.raises(InputError) as caught:
        load_scenario(path)
    return [f"{p.source}: {p.path}: {p.message}" for p in caught.value.problems]


def _border_csv(path: Path, text: str) -> Path:
    (path.parent / "spatial-border" / "border.csv").write_text(text)
    return path


def _edit(path: Path, change: Callable[[dict[str, Any]], None]) -> Path:
    raw = yaml.safe_load(path.read_text())
    change(raw)
    path.write_text(yaml.safe_dump(raw))
    return path


def test_the_shipped_border_is_read_into_the_scenario() -> None:
    scenario = load_scenario(ROOT / "configs" / "spatial-border.yaml")
    assert scenario.border_travel is not None
    roads = [(r.start, r.end, r.minutes) for r in scenario.border_travel.roads]
    assert roads[0] == ("west/w41", "east/e11", 4.88) and len(roads) == 3
    again = scenario_from_dict(scenario.model_dump(), "dumped")  # as a manifest holds it
    assert again == scenario


@pytest.mark.parametrize(
    ("text", "where", "says"),
    [
        ("from,to,minutes\nwest/w41,east/e11,4.9\nwest/w42,east/e12,fast\n",
         "row 3, column minutes", "is 'fast'; expected a number of at least 0"),
        ("from,to,minutes\nwest/w99,east/e11,4.9\n", "row 2, column from",
         "west has no beat 'w99'"),
        ("from,to,minutes\nwest/w41,e11,4.9\n", "row 2, column to",
         "'e11' is a beat of east; expected it as east/e11"),
        ("from,to,minutes\nsouth/s1,east/e11,4.9\n", "row 2, column from",
         "names no force with geography"),
        ("from,to\nwest/w41,east/e11\n", "row 1", "has no column minutes"),
    ],
)  # fmt: skip
def test_a_bad_border_file_names_file_row_and_column(
    tmp_path: Path, text: str, where: str, says: str
) -> None:
    problems = _problems(_border_csv(_copy(tmp_path), text))
    assert len(problems) == 1
    assert "border.csv" in problems[0] and where in problems[0] and says in problems[0]


def test_a_road_inside_one_force_is_refused(tmp_path: Path) -> None:
    path = _border_csv(
        _copy(tmp_path), "from,to,minutes\nwest/w41,west/w42,3\nwest/w41,east/e11,4\n"
    )
    problems = _problems(path)
    assert any("border_travel.roads.0" in p and "joins two beats of west" in p for p in problems)


def test_forces_the_roads_do_not_join_are_named(tmp_path: Path) -> None:
    path = _border_csv(_copy(tmp_path), "from,to,minutes\nwest/w41,m4-j10,3\n")
    problems = _problems(path)
    assert any("border_travel.roads" in p and "do not join every force" in p for p in problems)


def test_junctions_join_forces(tmp_path: Path) -> None:
    path = _border_csv(_copy(tmp_path), "from,to,minutes\nwest/w41,m4-j10,3\nm4-j10,east/e11,2\n")
    scenario = load_scenario(path)
    assert scenario.border_travel is not None and len(scenario.border_travel.roads) == 2


def test_patrol_beats_must_be_beats(tmp_path: Path) -> None:
    def change(raw: dict[str, Any]) -> None:
        geography = raw["forces"]["west"]["geography"]
        geography["patrol"] = "home_beat"
        geography["stations"]["border"]["patrol_beats"] = ["w42", "nowhere"]

    problems = _problems(_edit(_copy(tmp_path), change))
    assert any(
        "forces.west.geography.stations.border.patrol_beats.1" in p and "not a beat" in p
        for p in problems
    )
