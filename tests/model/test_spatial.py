"""The spatial response model: units that move, checked from the records.

The hypercube figures are Larson's two-unit example (Larson, "A hypercube
queuing model for facility location and redistricting in urban emergency
services", Computers & Operations Research 1974; the issue quotes them): two
atoms of rate 1 an hour, two units of service rate 2 an hour, zero line,
each atom preferring its own unit. P00 = 2/5, P10 = P01 = P11 = 1/5, so each
workload is 2/5, a fifth of calls are lost (Erlang B with 2 servers and 1
Erlang), and of the calls served 3/8 are atom 1's served by unit 1 and 1/8
atom 1's served by unit 2.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml
from scipy import stats

from sim.config import load_scenario, scenario_from_dict
from sim.config.geography_files import resolve_geography_files
from sim.metrics.geography import geography_metrics
from sim.metrics.kpis import incident_records, replication_metrics
from sim.model.replication import run_replication
from tests.model.spatial_setups import hypercube_scenario

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "spatial"


def _values(outputs, metric: str, segment: str) -> np.ndarray:  # type: ignore[no-untyped-def]
    return np.array(
        [
            next(
                v.value for v in geography_metrics(o) if (v.metric, v.segment) == (metric, segment)
            )
            for o in outputs
        ]
    )


def _within_ci(values: np.ndarray, exact: float, max_half_width: float) -> None:
    """``exact`` inside the 99% t-interval of ``values``, the interval narrow enough to matter."""
    half = stats.t.ppf(0.995, len(values) - 1) * values.std(ddof=1) / np.sqrt(len(values))
    assert half < max_half_width, f"interval too wide to test anything: +-{half:.3g}"
    assert abs(values.mean() - exact) <= half, (values.mean(), half, exact)


@pytest.fixture(scope="module")
def two_unit_zero_line() -> list:  # type: ignore[type-arg]
    scenario = scenario_from_dict(hypercube_scenario([1.0, 1.0], 30.0, [[0, 1], [1, 0]], 2))
    return [run_replication(scenario, r) for r in range(10)]


def test_two_unit_hypercube_workloads_and_losses(two_unit_zero_line: list) -> None:  # type: ignore[type-arg]
    for unit in ("s0.1", "s1.1"):
        _within_ci(_values(two_unit_zero_line, "unit_workload", unit), 40.0, 2.0)
    _within_ci(_values(two_unit_zero_line, "incidents_lost", "grade1"), 20.0, 2.0)


def test_two_unit_hypercube_dispatch_fractions(two_unit_zero_line: list) -> None:  # type: ignore[type-arg]
    f11, f12 = [], []
    for output in two_unit_zero_line:
        geo = output.geography
        served = geo.incident_origin_station >= 0
        atom1 = geo.incident_beat == 0
        f11.append(np.sum(atom1 & (geo.incident_origin_station == 0)) / served.sum())
        f12.append(np.sum(atom1 & (geo.incident_origin_station == 1)) / served.sum())
    _within_ci(np.array(f11), 3 / 8, 0.02)
    _within_ci(np.array(f12), 1 / 8, 0.02)


def test_infinite_line_workloads_are_those_of_mm2() -> None:
    """With a queue, each of two symmetric units is busy lambda / (2 mu) = 1/2 of the time."""
    scenario = scenario_from_dict(
        hypercube_scenario([1.0, 1.0], 30.0, [[0, 1], [1, 0]], 2, when_no_unit="queue")
    )
    outputs = [run_replication(scenario, r) for r in range(10)]
    total = (_values(outputs, "unit_workload", "s0") + _values(outputs, "unit_workload", "s1")) / 2
    _within_ci(total, 50.0, 3.0)
    assert np.all(_values(outputs, "incidents_lost", "grade1") == 0)


def _one_area_small(**geography: object) -> dict:  # type: ignore[type-arg]
    """The fixture force with every beat in one area, no help and no diversion."""
    path = FIXTURES / "small.yaml"
    raw = resolve_geography_files(yaml.safe_load(path.read_text()), path)
    force = raw["forces"]["small"]
    for beat in force["geography"]["beats"]:
        beat["area"] = "urban"
    force["areas"] = {"urban": {**force["areas"]["urban"], "share": 1.0, "neighbours": []}}
    force["response"].update(help_from_neighbours=False, divert_from_grade2=False)
    force["geography"].update(geography)
    return raw


def test_nearest_dispatch_never_sends_a_farther_free_unit() -> None:
    """Rebuilt from the records alone: who was free at each dispatch, and where."""
    scenario = scenario_from_dict(_one_area_small())
    output = run_replication(scenario, 0)
    geo, incidents, jobs = output.geography, output.incidents, output.assignments
    day = scenario.forces["small"].geography.travel_minutes()[0] * 60.0
    home = geo.station_beat[geo.unit_station]
    order = np.argsort(jobs.start_s, kind="stable")
    checked = returning = 0
    for incident in np.flatnonzero(
        (incidents.dispatched == incidents.created) & (geo.incident_beat >= 0)
    ):
        t, beat = incidents.created[incident], geo.incident_beat[incident]
        options = {}
        for unit in range(len(home)):
            mine = order[jobs.unit[order] == unit]
            if np.any(
                (jobs.start_s[mine] <= t)
                & (jobs.end_s[mine] > t)
                & (jobs.incident[mine] != incident)
            ):
                continue  # busy
            before = mine[jobs.end_s[mine] <= t]
            position = home[unit]
            if before.size:
                last = before[-1]
                was = geo.incident_beat[jobs.incident[last]]
                if t < jobs.end_s[last] + day[was, home[unit]]:
                    position = was
            options[unit] = day[position, beat]
        chosen = incidents.unit[incident]
        assert chosen in options
        assert options[chosen] <= min(options.values()) + 1e-6
        assert options[chosen] == pytest.approx(geo.incident_expected_travel_s[incident])
        returning += geo.incident_origin_beat[incident] != home[chosen]
        checked += 1
    assert checked > 300 and returning > 10  # enough dispatches, some from a unit on its way back


def test_a_unit_is_never_in_two_places() -> None:
    """Per unit, jobs never overlap, and each starts from its station or its last job's beat."""
    scenario = load_scenario(FIXTURES / "small.yaml")  # with help and diversion
    output = run_replication(scenario, 1)
    geo, jobs, incidents = output.geography, output.assignments, output.incidents
    assert incidents.diverted.any() and incidents.helped.any()
    checked = 0
    for unit in np.unique(jobs.unit):
        mine = np.flatnonzero(jobs.unit == unit)
        mine = mine[np.argsort(jobs.start_s[mine], kind="stable")]
        assert np.all(jobs.start_s[mine][1:] >= jobs.end_s[mine][:-1] - 1e-9)
        station_beat = geo.station_beat[geo.unit_station[unit]]
        for k in range(1, len(mine)):
            incident = jobs.incident[mine[k]]
            if incidents.unit[incident] != unit or geo.incident_origin_beat[incident] < 0:
                continue
            # The origin is where the first unit on scene was sent from on the trip
            # that got it there: its last job on this incident begun by the arrival.
            later = mine[k + 1 :]
            if np.any(
                (jobs.incident[later] == incident)
                & (jobs.start_s[later] <= incidents.arrived[incident])
            ):
                continue
            if jobs.start_s[mine[k]] > incidents.arrived[incident]:
                continue
            was = geo.incident_beat[jobs.incident[mine[k - 1]]]
            assert geo.incident_origin_beat[incident] in (station_beat, was)
            checked += 1
    assert checked > 500


def test_station_workloads_add_up_to_the_area_utilisation() -> None:
    """Two separate accounts of unit time: area integrals, and assignments over duty time."""
    output = run_replication(load_scenario(FIXTURES / "small.yaml"), 0)
    values = {(v.metric, v.segment): v.value for v in replication_metrics(output)}
    assert values[("unit_workload", "central")] == pytest.approx(
        values[("unit_utilisation", "urban")], rel=1e-9
    )
    busy = values[("unit_workload", "east")] + values[("unit_workload", "north")]
    assert busy / 2 == pytest.approx(values[("unit_utilisation", "rural")], rel=1e-9)


def test_station_rosters_put_units_on_duty() -> None:
    """Duty hours per station follow its roster (plus any time finishing a job)."""
    raw = _one_area_small()
    raw["days"], raw["warmup_days"] = 7, 0
    raw["forces"]["small"]["geography"]["stations"]["east"]["units"] = {
        "shifts": [{"name": "day", "start": "07:00", "length_hours": 10, "count": 2}],
        "allow_gaps": True,
    }
    scenario = scenario_from_dict(raw)
    output = run_replication(scenario, 0)
    geo = output.geography
    east = geo.station_id.index("east")
    present_h = geo.unit_present_s[geo.unit_station == east].sum() / 3600
    overrun_h = output.areas[0].overrun_s / 3600
    assert 140 <= present_h <= 140 + overrun_h + 1e-9  # 2 units x 10 h x 7 days
    area_units = scenario.forces["small"].areas["urban"].units.staff_per_minute()
    assert area_units[8 * 60] == 7 and area_units[3 * 60] == 5  # 4 central, 1 north, 2 east by day


def test_incident_records_name_beats_and_origins() -> None:
    output = run_replication(load_scenario(FIXTURES / "small.yaml"), 0)
    frame = incident_records(output)
    assert {"beat", "origin_beat", "origin_station", "lost", "expected_travel_s"} <= set(frame)
    attended = frame[frame.grade.isin(["grade1", "grade2"]) & frame.arrived_s.notna()]
    assert (attended.beat != "").all()
    assert set(attended.origin_station) <= {"central", "east", "north"}


def test_a_force_without_beats_has_no_geography() -> None:
    raw = yaml.safe_load(
        (Path(__file__).resolve().parents[2] / "configs" / "demo.yaml").read_text()
    )
    raw["days"], raw["warmup_days"] = 1, 0
    output = run_replication(scenario_from_dict(raw), 0)
    assert output.geography is None
    assert "beat" not in incident_records(output)
    assert not [v for v in replication_metrics(output) if v.metric == "unit_workload"]


def test_trip_factor_is_lognormal_with_median_1_and_the_configured_p90() -> None:
    """Actual over expected travel, from the records: median 1, p90 1.3 (the fixture's)."""
    scenario = load_scenario(FIXTURES / "small.yaml")
    ratios = []
    for replication in range(3):
        geo = run_replication(scenario, replication).geography
        sent = geo.incident_expected_travel_s > 0  # a trip within a beat takes 0 here
        ratios.append(geo.incident_travel_s[sent] / geo.incident_expected_travel_s[sent])
    logs = np.log(np.concatenate(ratios))
    assert len(logs) > 1500
    sigma = np.log(1.3) / stats.norm.ppf(0.9)
    # Shapiro-Wilk on the logs (normal), and their mean and sd against 0 and sigma.
    assert stats.shapiro(logs[:4000]).pvalue > 0.01
    half = 3 * sigma / np.sqrt(len(logs))
    assert abs(logs.mean()) < half
    assert abs(logs.std(ddof=1) - sigma) < 3 * sigma / np.sqrt(2 * (len(logs) - 1))


def test_trips_take_the_time_band_of_their_dispatch() -> None:
    """Day 07:00-17:00, evening 17:00-23:00, night 23:00-07:00: each its own matrix."""
    raw = hypercube_scenario([1.0, 1.0], 30.0, [[0, 1], [1, 0]], 2, when_no_unit="queue")
    bands = {"day": [[2.0, 10.0], [10.0, 2.0]], "evening": [[3.0, 12.0], [12.0, 3.0]],
             "night": [[1.0, 5.0], [5.0, 1.0]]}  # fmt: skip
    raw["forces"]["h"]["geography"]["travel"]["minutes"] = bands
    output = run_replication(scenario_from_dict(raw), 0)
    geo, incidents = output.geography, output.incidents
    sent = np.flatnonzero(geo.incident_origin_beat >= 0)
    hours = (incidents.dispatched[sent] // 3600 % 24).astype(int)
    band = np.where((hours >= 7) & (hours < 17), "day",
                    np.where((hours >= 17) & (hours < 23), "evening", "night"))  # fmt: skip
    expected = [
        bands[b][geo.incident_origin_beat[i]][geo.incident_beat[i]] * 60.0
        for i, b in zip(sent, band, strict=True)
    ]
    assert len(sent) > 500 and set(band) == {"day", "evening", "night"}
    assert np.allclose(geo.incident_expected_travel_s[sent], expected)


def test_same_seed_same_places() -> None:
    scenario = load_scenario(FIXTURES / "small.yaml")
    first, second = run_replication(scenario, 3), run_replication(scenario, 3)
    for name in ("incident_beat", "incident_origin_beat", "incident_travel_s", "unit_present_s"):
        a, b = getattr(first.geography, name), getattr(second.geography, name)
        assert np.array_equal(a, b, equal_nan=True)
    values = [[(v.metric, v.segment, v.stat, v.value) for v in replication_metrics(o)]
              for o in (first, second)]  # fmt: skip
    assert len(values[0]) == len(values[1])
    for one, other in zip(*values, strict=True):
        assert one[:3] == other[:3] and np.array_equal(one[3], other[3], equal_nan=True)


def test_beat_profiles_move_demand_between_beats_by_hour() -> None:
    """Beat b0 takes demand only 00:00-06:00, b1 the rest of the day: each incident where due."""
    raw = hypercube_scenario([1.0, 1.0], 30.0, [[0, 1], [1, 0]], 2, when_no_unit="queue")
    night = ([1.0] * 6 + [0.0] * 18) * 7
    beats = raw["forces"]["h"]["geography"]["beats"]
    beats[0]["profile"] = night
    beats[1]["profile"] = [1.0 - w for w in night]
    output = run_replication(scenario_from_dict(raw), 0)
    placed = output.geography.incident_beat >= 0
    hours = (output.incidents.created[placed] // 3600 % 24).astype(int)
    beat = output.geography.incident_beat[placed]
    assert placed.sum() > 500
    assert np.all(beat[hours < 6] == 0) and np.all(beat[hours >= 6] == 1)
