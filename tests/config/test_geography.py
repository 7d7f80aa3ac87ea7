"""Geography config: files read beside the scenario, one matrix out, errors by row and column."""

from __future__ import annotations

import shutil
from pathlib import Path

import networkx as nx
import numpy as np
import pytest
import yaml

from sim.config import InputError, load_scenario, scenario_from_dict
from sim.config.geography_files import resolve_geography_files

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "spatial"


def _copy(tmp_path: Path) -> Path:
    folder = tmp_path / "force"
    shutil.copytree(FIXTURES, folder)
    return folder / "small.yaml"


def _edit(path: Path, change) -> Path:  # type: ignore[no-untyped-def]
    raw = yaml.safe_load(path.read_text())
    change(raw["forces"]["small"]["geography"])
    path.write_text(yaml.safe_dump(raw))
    return path


def test_road_graph_gives_shortest_paths_by_hand() -> None:
    geography = load_scenario(FIXTURES / "small.yaml").forces["small"].geography
    assert geography is not None
    minutes = geography.travel_minutes()
    ids = [b.id for b in geography.beats]
    day = minutes[0]
    # c1-c2 2.5 km at 30 km/h = 5 min; c2-j1 3 km and j1-r1 3.5 km at 60 km/h = 6.5 min.
    assert day[ids.index("c1"), ids.index("r1")] == pytest.approx(11.5)
    assert day[ids.index("r1"), ids.index("c1")] == pytest.approx(11.5)
    # r3 from c1: via r1 (11.5 + 12) beats via c3-r2 (5 + 7.5 + 12).
    assert day[ids.index("c1"), ids.index("r3")] == pytest.approx(23.5)
    assert np.all(minutes[0] == minutes[2])  # one band given: every band the same


def test_area_units_are_the_sum_of_their_stations() -> None:
    force = load_scenario(FIXTURES / "small.yaml").forces["small"]
    assert set(force.areas["urban"].units.staff_per_minute()) == {4}  # central: 4
    assert set(force.areas["rural"].units.staff_per_minute()) == {2}  # east 1 + north 1


def test_resolved_scenario_validates_again_unchanged() -> None:
    """What a platform or a manifest does: dump the resolved scenario and read it back."""
    scenario = load_scenario(FIXTURES / "small.yaml")
    again = scenario_from_dict(scenario.model_dump(), "dumped")
    assert again == scenario


def test_matrix_file_with_bands(tmp_path: Path) -> None:
    path = _copy(tmp_path)
    (path.parent / "beats.csv").write_text("id,area\nc1,urban\nc2,urban\nr1,rural\n")

    def to_matrix(geography: dict) -> None:
        geography["travel"] = {"matrix_file": "matrix.csv", "band_factors": {"evening": 2}}
        geography["stations"] = {
            "central": {"beat": "c1", "units": {"staff": 2}},
            "east": {"beat": "r1", "units": {"staff": 1}},
        }

    geography = load_scenario(_edit(path, to_matrix)).forces["small"].geography
    minutes = geography.travel_minutes()
    assert minutes[0][0].tolist() == [2, 6, 15]
    assert minutes[2][2].tolist() == [12, 10, 2]
    # No evening rows: the day's, doubled by its band factor.
    assert minutes[1][1].tolist() == [12, 4, 24]


def test_centre_points_and_speed() -> None:
    raw = yaml.safe_load((FIXTURES / "small.yaml").read_text())
    geography = raw["forces"]["small"]["geography"]
    geography["travel"] = {"speed_kmh": 40, "road_factor": 1.5, "within_beat_min": 2}
    geography["beats"] = [
        {"id": "a", "area": "urban", "x_km": 0, "y_km": 0},
        {"id": "b", "area": "rural", "x_km": 3, "y_km": 4},
    ]
    geography["stations"] = {
        "central": {"beat": "a", "units": {"staff": 2}},
        "east": {"beat": "b", "units": {"staff": 1}},
    }
    minutes = scenario_from_dict(raw).forces["small"].geography.travel_minutes()
    # 5 km x 1.5 at 40 km/h = 11.25 min; 2 min within a beat.
    assert minutes[0].tolist() == [[2, 11.25], [11.25, 2]]


def test_graphml_road_graph(tmp_path: Path) -> None:
    path = _copy(tmp_path)
    graph = nx.Graph()
    for a, b, minutes in [("c1", "c2", 4), ("c2", "c3", 3), ("c1", "c3", 9), ("c3", "r1", 10),
                          ("r1", "r2", 5), ("r2", "r3", 5)]:  # fmt: skip
        graph.add_edge(a, b, minutes=minutes)
    nx.write_graphml(graph, path.parent / "roads.graphml")
    geography = (
        load_scenario(_edit(path, lambda g: g["travel"].update(roads_file="roads.graphml")))
        .forces["small"]
        .geography
    )
    ids = [b.id for b in geography.beats]
    day = geography.travel_minutes()[0]
    assert day[ids.index("c1"), ids.index("c3")] == 7  # via c2, not the 9-minute road
    assert day[ids.index("c1"), ids.index("r3")] == 27


def _problems(path: Path) -> list[str]:
    with pytest.raises(InputError) as caught:
        load_scenario(path)
    return [str(p) for p in caught.value.problems]


def test_bad_number_names_file_row_and_column(tmp_path: Path) -> None:
    path = _copy(tmp_path)
    roads = path.parent / "roads.csv"
    roads.write_text(roads.read_text().replace("c1,c3,2.5,30", "c1,c3,fast,30"))
    (problem,) = _problems(path)
    assert "roads.csv: row 3, column length_km: is 'fast'; expected a number" in problem


def test_missing_file_and_missing_column(tmp_path: Path) -> None:
    path = _copy(tmp_path)
    (path.parent / "stations.csv").unlink()
    (problem,) = _problems(path)
    assert "stations.csv" in problem and "does not exist" in problem
    assert "forces.small.geography.stations" in problem
    (path.parent / "stations.csv").write_text("id,units\ncentral,4\n")
    (problem,) = _problems(path)
    assert "stations.csv: row 1: has no column beat" in problem


def test_unreachable_beat_and_beat_missing_from_graph(tmp_path: Path) -> None:
    path = _copy(tmp_path)
    roads = path.parent / "roads.csv"
    roads.write_text("\n".join(roads.read_text().splitlines()[:4]) + "\nr1,r3,10,50\nr2,r3,1,1\n")
    (problem,) = _problems(path)
    assert "roads.csv: has no road from beat c1 to r1" in problem
    roads.write_text("from,to,minutes\nc1,c2,3\n")
    (problem,) = _problems(path)
    assert "has no node for beat(s) c3" in problem


def test_matrix_with_unknown_beat_row(tmp_path: Path) -> None:
    path = _copy(tmp_path)
    (path.parent / "beats.csv").write_text("id,area\nc1,urban\nc2,urban\nr1,rural\n")
    (path.parent / "matrix.csv").write_text("from,c1,c2,r1\nc1,0,1,2\nc9,1,0,2\nr1,2,2,0\n")

    def to_matrix(geography: dict) -> None:
        geography["travel"] = {"matrix_file": "matrix.csv"}
        geography["stations"] = {"central": {"beat": "c1", "units": {"staff": 2}},
                                 "east": {"beat": "r1", "units": {"staff": 1}}}  # fmt: skip

    (problem,) = _problems(_edit(path, to_matrix))
    assert "matrix.csv: row 3, column from: 'c9' is not a beat" in problem


def test_cross_field_errors_name_the_field() -> None:
    raw = yaml.safe_load((FIXTURES / "small.yaml").read_text())
    force = raw["forces"]["small"]
    force["geography"] = {
        "beats": [{"id": "a", "area": "urban"}, {"id": "b", "area": "nowhere"}],
        "stations": {"s": {"beat": "zz", "units": {"staff": 1}}},
        "travel": {"minutes": {"day": [[0, 1], [1, 0]]}},
        "dispatch": "preference",
    }
    with pytest.raises(InputError) as caught:
        scenario_from_dict(raw, "x.yaml")
    text = str(caught.value)
    assert "forces.small.geography.stations.s.beat: 'zz' is not a beat" in text
    assert "forces.small.geography.preferences.a: missing" in text


def test_area_units_and_stations_that_disagree_are_refused() -> None:
    path = FIXTURES / "small.yaml"
    raw = resolve_geography_files(yaml.safe_load(path.read_text()), path)
    raw["forces"]["small"]["areas"]["urban"]["units"] = {"staff": 9}
    with pytest.raises(InputError) as caught:
        scenario_from_dict(raw, "x.yaml")
    assert "forces.small.areas.urban.units: differs from the sum of its stations'" in str(
        caught.value
    )
