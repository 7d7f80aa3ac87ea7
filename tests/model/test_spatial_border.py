"""Borderless dispatch and patrolling units, checked from the records.

The scenario is the shipped two-force example (``configs/spatial-border.yaml``):
two forces of twelve beats sharing a border, each with a border station at the
opposite end of the border from the other's, so that the border beats w41 and
e13 are nearer the other force's border station than their own.
"""

from __future__ import annotations

import copy
import dataclasses
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml
from scipy import stats

from sim.config import scenario_from_dict
from sim.config.border import border_minutes
from sim.config.geography import band_of_hour
from sim.config.geography_files import resolve_geography_files
from sim.model.records import Grade, ReplicationOutput
from sim.model.replication import run_replication

ROOT = Path(__file__).resolve().parents[2]
SCENARIO = ROOT / "configs" / "spatial-border.yaml"


def _raw() -> dict[str, Any]:
    raw = resolve_geography_files(yaml.safe_load(SCENARIO.read_text()), SCENARIO)
    raw.pop("platform")  # the dispatch scope is set on the forces below
    raw["days"], raw["warmup_days"] = 14, 1
    return raw


def _borderless(raw: dict[str, Any], on: bool, **response: Any) -> dict[str, Any]:
    raw = copy.deepcopy(raw)
    for force in raw["forces"].values():
        force["response"].update(help_across_forces=on, **response)
    return raw


def _one_area_per_force(raw: dict[str, Any]) -> dict[str, Any]:
    """Every beat of each force in one area whose only neighbour is the other force's."""
    raw = copy.deepcopy(raw)
    for force_id, other in (("west", "east"), ("east", "west")):
        force = raw["forces"][force_id]
        for beat in force["geography"]["beats"]:
            beat["area"] = "rural"
        rural = force["areas"]["rural"]
        force["areas"] = {"rural": {**rural, "share": 1.0, "neighbours": [f"{other}/rural"]}}
    return raw


def _same_records(a: ReplicationOutput, b: ReplicationOutput) -> None:
    """Every incident and assignment field, and where every incident was, identical."""
    for records in ("incidents", "assignments"):
        for field in dataclasses.fields(getattr(a, records)):
            left, right = getattr(a, records), getattr(b, records)
            assert np.array_equal(
                getattr(left, field.name), getattr(right, field.name), equal_nan=True
            ), field.name
    assert a.geography.incident_columns().equals(b.geography.incident_columns())
    assert np.array_equal(
        a.geography.incident_travel_s, b.geography.incident_travel_s, equal_nan=True
    )


def _band_travel(cube: np.ndarray, t: float) -> np.ndarray:
    return cube[band_of_hour(int(t // 3600) % 24)]


def _free_units_and_places(
    output: ReplicationOutput, cube: np.ndarray, incident: int
) -> dict[int, int]:
    """Each unit free when ``incident`` was dispatched, and the beat it would be sent from.

    Rebuilt from the records alone: its jobs (busy or not), and where its last job
    was and whether it was still driving home from it (expected travel back).
    """
    geo, jobs, incidents = output.geography, output.assignments, output.incidents
    t = incidents.created[incident]
    places = {}
    for unit in range(len(geo.unit_station)):
        mine = np.flatnonzero(jobs.unit == unit)
        mine = mine[np.argsort(jobs.start_s[mine], kind="stable")]
        if np.any((jobs.start_s[mine] <= t) & (jobs.end_s[mine] > t)
                  & (jobs.incident[mine] != incident)):  # fmt: skip
            continue
        home = geo.unit_home_beat[unit]
        before = mine[jobs.end_s[mine] <= t]
        position = home
        if before.size:
            end = jobs.end_s[before[-1]]
            was = geo.incident_beat[jobs.incident[before[-1]]]
            if t < end + _band_travel(cube, end)[was, home]:
                position = was
        places[unit] = position
    return places


def test_border_travel_is_the_shortest_path_over_the_border_roads() -> None:
    """Across forces: the best single crossing (the forces' matrices are metric);
    within a force: its own matrix, unchanged."""
    scenario = scenario_from_dict(_raw())
    cube = border_minutes(scenario.border_travel, scenario.forces)
    west = scenario.forces["west"].geography.travel_minutes()
    east = scenario.forces["east"].geography.travel_minutes()
    n = west.shape[1]
    assert np.array_equal(cube[:, :n, :n], west) and np.array_equal(cube[:, n:, n:], east)
    ids = [b.id for b in scenario.forces["west"].geography.beats]
    eids = [b.id for b in scenario.forces["east"].geography.beats]
    # A road runs centre to centre: no within-beat minutes at its ends.
    w, e = west.copy(), east.copy()
    w[:, range(n), range(n)] = e[:, range(n), range(n)] = 0.0
    for band, factor in enumerate((1.0, 1.1, 0.85)):
        crossing = np.full((n, n), np.inf)
        for road in scenario.border_travel.roads:
            a, b = ids.index(road.start.split("/")[1]), eids.index(road.end.split("/")[1])
            via = w[band][:, [a]] + road.minutes * factor + e[band][[b], :]
            crossing = np.minimum(crossing, via)
        assert cube[band, :n, n:] == pytest.approx(crossing)
        assert cube[band, n:, :n] == pytest.approx(crossing.T)
    # w41 -> e11 is the one road: 4.88 minutes by day.
    assert cube[0, ids.index("w41"), n + eids.index("e11")] == pytest.approx(4.88)


def _every_pair_by_networkx(scenario: Any) -> np.ndarray:
    """The reference: one graph with an edge per pair of beats of each force and every
    road, all-pairs shortest paths across forces by networkx."""
    import networkx as nx

    names = [f"{f}/{b.id}" for f, force in scenario.forces.items() for b in force.geography.beats]
    cubes = [force.geography.travel_minutes() for force in scenario.forces.values()]
    starts = np.cumsum([0] + [c.shape[1] for c in cubes])
    force_of = np.repeat(np.arange(len(cubes)), np.diff(starts))
    out = np.zeros((3, len(names), len(names)))
    for band in range(3):
        graph = nx.DiGraph()
        for f, cube in enumerate(cubes):
            for i in range(cube.shape[1]):
                for j in range(cube.shape[1]):
                    if i != j:
                        graph.add_edge(names[starts[f] + i], names[starts[f] + j],
                                       minutes=cube[band][i, j])  # fmt: skip
        factor = scenario.border_travel.band_factors.get(("day", "evening", "night")[band], 1.0)
        for road in scenario.border_travel.roads:
            for a, b in ((road.start, road.end), (road.end, road.start)):
                graph.add_edge(a, b, minutes=road.minutes * factor)
        for i, name in enumerate(names):
            reach = nx.single_source_dijkstra_path_length(graph, name, weight="minutes")
            for j in range(len(names)):
                out[band, i, j] = (
                    reach[names[j]] if force_of[i] != force_of[j]
                    else cubes[force_of[i]][band][i - starts[force_of[i]], j - starts[force_of[j]]]
                )  # fmt: skip
    return out


def test_border_travel_through_junctions_and_back_across_is_every_pairs_shortest_path() -> None:
    """Roads through junctions, one that crosses twice, and a slow direct road that a
    detour beats: the portal computation against every pair by networkx."""
    raw = _raw()
    raw["border_travel"]["roads"] = [
        {"start": "west/w41", "end": "j1", "minutes": 2.0},
        {"start": "j1", "end": "east/e11", "minutes": 2.5},
        {"start": "j1", "end": "j2", "minutes": 4.0},
        {"start": "j2", "end": "east/e13", "minutes": 1.0},
        {"start": "west/w43", "end": "east/e13", "minutes": 30.0},
        {"start": "east/e12", "end": "west/w22", "minutes": 6.0},
    ]
    raw["border_travel"].pop("file")
    scenario = scenario_from_dict(raw)
    assert border_minutes(scenario.border_travel, scenario.forces) == pytest.approx(
        _every_pair_by_networkx(scenario)
    )


@pytest.mark.parametrize("grade2", [False, True])
def test_borderless_dispatch_never_sends_a_farther_free_unit_than_the_nearest_of_both_forces(
    grade2: bool,
) -> None:
    """A grade 1 (and a grade 2 with ``border_travel.grade2``) dispatched at once takes
    the nearest free unit of either force; a grade 2 otherwise its own force's nearest."""
    raw = _borderless(_one_area_per_force(_raw()), True, divert_from_grade2=False)
    raw["border_travel"]["grade2"] = grade2
    scenario = scenario_from_dict(raw)
    output = run_replication(scenario, 0)
    cube = border_minutes(scenario.border_travel, scenario.forces) * 60.0
    geo, incidents = output.geography, output.incidents
    station_force = np.array(geo.beat_force)[geo.station_beat]
    unit_force = station_force[geo.unit_station]
    immediate = np.flatnonzero(
        (incidents.dispatched == incidents.created) & (incidents.unit >= 0)
        & (geo.incident_origin_beat >= 0)
    )  # fmt: skip
    checked = {int(Grade.GRADE1): 0, int(Grade.GRADE2): 0}
    across = {int(Grade.GRADE1): 0, int(Grade.GRADE2): 0}
    for incident in immediate:
        grade = int(incidents.grade[incident])
        places = _free_units_and_places(output, cube, incident)
        force = np.array(geo.beat_force)[geo.incident_beat[incident]]
        if grade != int(Grade.GRADE1) and not grade2:  # its own force's units only
            places = {u: p for u, p in places.items() if unit_force[u] == force}
        travel = _band_travel(cube, incidents.created[incident])
        options = {u: travel[p, geo.incident_beat[incident]] for u, p in places.items()}
        chosen = int(incidents.unit[incident])
        assert chosen in options
        assert options[chosen] <= min(options.values()) + 1e-6
        assert options[chosen] == pytest.approx(geo.incident_expected_travel_s[incident])
        across[grade] += unit_force[chosen] != force
        checked[grade] += 1
    assert checked[int(Grade.GRADE1)] > 300 and checked[int(Grade.GRADE2)] > 200
    # The border is crossed (the check is not vacuous), by a grade 2 only if allowed.
    assert across[int(Grade.GRADE1)] > 30
    assert (across[int(Grade.GRADE2)] > 20) if grade2 else (across[int(Grade.GRADE2)] == 0)
    # and the incident records say which force's unit went
    went = incidents.unit_force[immediate]
    assert np.array_equal(np.array(output.forces)[went], unit_force[incidents.unit[immediate]])


def test_borderless_dispatch_shortens_grade1_attendance_in_the_border_beats() -> None:
    """Paired by replication (common random numbers): the same incidents either way."""
    raw = _raw()
    differences = []
    for replication in range(8):
        means = []
        for on in (False, True):
            output = run_replication(scenario_from_dict(_borderless(raw, on)), replication)
            geo, incidents = output.geography, output.incidents
            beats = np.array(geo.beat_id)[geo.incident_beat]
            mine = (incidents.grade == int(Grade.GRADE1)) & np.isin(beats, ["w41", "e13"])
            mine &= incidents.created >= 0
            means.append(np.nanmean(incidents.arrived[mine] - incidents.created[mine]) / 60.0)
        differences.append(means[1] - means[0])
    diff = np.asarray(differences)
    half = stats.t.ppf(0.975, len(diff) - 1) * diff.std(ddof=1) / np.sqrt(len(diff))
    assert diff.mean() + half < 0, (diff.mean(), half)  # shorter, beyond the 95% interval


def test_without_the_scope_border_travel_changes_nothing() -> None:
    raw = _borderless(_raw(), False)
    without = copy.deepcopy(raw)
    without.pop("border_travel")
    a = run_replication(scenario_from_dict(raw), 2)
    b = run_replication(scenario_from_dict(without), 2)
    _same_records(a, b)


def _patrolling(raw: dict[str, Any]) -> dict[str, Any]:
    raw = copy.deepcopy(raw)
    for force_id, beats in (("west", ["w21", "w23"]), ("east", ["e31", "e33"])):
        geography = raw["forces"][force_id]["geography"]
        geography["patrol"] = "home_beat"
        geography["stations"]["hinterland"]["patrol_beats"] = beats
    return raw


def test_patrol_beats_are_given_to_a_stations_units_in_turn() -> None:
    output = run_replication(scenario_from_dict(_patrolling(_raw())), 0)
    geo = output.geography
    for unit, label in enumerate(geo.unit_label):
        station, _, k = label.rpartition(".")
        home = geo.beat_id[geo.unit_home_beat[unit]]
        if station == "hinterland":
            force = geo.beat_force[geo.unit_home_beat[unit]]
            beats = ["w21", "w23"] if force == "west" else ["e31", "e33"]
            assert home == beats[(int(k) - 1) % 2]
        else:
            assert geo.unit_home_beat[unit] == geo.station_beat[geo.unit_station[unit]]


@pytest.mark.parametrize("borderless", [False, True])
def test_a_patrolling_unit_is_never_in_two_places(borderless: bool) -> None:
    """Per unit: jobs never overlap, and each trip starts from its patrol beat (its
    home) or its last job's beat; some start from a patrol beat off the station's."""
    raw = _borderless(_patrolling(_raw()), borderless, divert_from_grade2=False)
    output = run_replication(scenario_from_dict(raw), 1)
    geo, jobs, incidents = output.geography, output.assignments, output.incidents
    from_patrol = checked = 0
    for unit in np.unique(jobs.unit):
        mine = np.flatnonzero(jobs.unit == unit)
        mine = mine[np.argsort(jobs.start_s[mine], kind="stable")]
        assert np.all(jobs.start_s[mine][1:] >= jobs.end_s[mine][:-1] - 1e-9)
        home = geo.unit_home_beat[unit]
        station_beat = geo.station_beat[geo.unit_station[unit]]
        for k in range(len(mine)):
            incident = jobs.incident[mine[k]]
            if incidents.unit[incident] != unit or geo.incident_origin_beat[incident] < 0:
                continue
            was = geo.incident_beat[jobs.incident[mine[k - 1]]] if k else home
            origin = geo.incident_origin_beat[incident]
            assert origin in (home, was)
            from_patrol += origin == home != station_beat
            checked += 1
    assert checked > 500 and from_patrol > 50


def test_patrolling_the_stations_own_beat_is_waiting_at_the_station() -> None:
    """``patrol: home_beat`` without patrol beats: a beat is a point, so nothing moves."""
    raw = _raw()
    patrol = copy.deepcopy(raw)
    for force in patrol["forces"].values():
        force["geography"]["patrol"] = "home_beat"
    a = run_replication(scenario_from_dict(raw), 3)
    b = run_replication(scenario_from_dict(patrol), 3)
    _same_records(a, b)
