"""Incidents and response: dispatch rules, attendance, appointments, resolution, online."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import simpy
from scipy import stats

from sim.analytic import erlang_c_figures
from sim.config import SECONDS_PER_DAY, SECONDS_PER_HOUR, Scenario, scenario_from_dict
from sim.metrics.kpis import replication_metrics
from sim.metrics.windows import in_period as measured
from sim.model.events import follow_roster
from sim.model.incident_table import IncidentTable
from sim.model.records import Grade
from sim.model.replication import run_replication
from sim.model.response import AreaState, ResponseSystem
from tests.helpers import load_raw

TRAVEL = {"distribution": "lognormal", "median_s": 600, "p90_s": 1200}


def response_scenario(
    online_per_year: float,
    grading: dict[str, float],
    units: Any = 500,
    travel: dict = TRAVEL,
    on_scene: dict | None = None,
    days: float = 14,
    **force_parts: Any,
) -> Scenario:
    """One force whose incidents all come from online reports (Poisson, no call centre)."""
    on_scene = on_scene or {"distribution": "exponential", "mean_s": 1800}
    force = {
        "channels": {
            "101": {
                "volume_per_year": 0,
                "handling": {"distribution": "exponential", "mean_s": 300},
            }
        },
        "online": {"volume_per_year": online_per_year, "grading": grading},
        "areas": {
            "urban": {
                "share": 1.0,
                "travel": travel,
                "units": units if isinstance(units, dict) else {"staff": units},
            }
        },
        "response": {"on_scene": {"grade1": on_scene, "grade2": on_scene}},
        **force_parts,
    }
    return scenario_from_dict(
        {
            "name": "response",
            "days": days,
            "warmup_days": 1,
            "forces": {"f": force},
            "handler_pools": {"p": {"serves": ["101"], "roster": {"staff": 1}}},
        }
    )


def in_period(output, mask_field: str = "graded_at") -> np.ndarray:
    return measured(getattr(output.incidents, mask_field), output.horizon_s)


def quantile_interval(
    values: np.ndarray, q: float, confidence: float = 0.999
) -> tuple[float, float]:
    """Distribution-free confidence interval for the q-quantile (order statistics)."""
    ordered = np.sort(values)
    n = len(ordered)
    z = stats.norm.ppf(0.5 + confidence / 2)
    low = int(np.floor(n * q - z * np.sqrt(n * q * (1 - q))))
    high = int(np.ceil(n * q + z * np.sqrt(n * q * (1 - q))))
    return ordered[max(low, 0)], ordered[min(high, n - 1)]


def test_with_units_always_free_attendance_is_the_travel_distribution() -> None:
    scenario = response_scenario(200_000, {"grade1": 1.0}, units=500)
    output = run_replication(scenario, 0)
    inc = output.incidents
    mask = in_period(output) & (inc.grade == Grade.GRADE1)
    attendance = inc.arrived[mask] - inc.graded_at[mask]
    assert mask.sum() > 5000
    assert np.all(inc.dispatched[mask] == inc.graded_at[mask])
    for q, configured in ((0.5, 600.0), (0.9, 1200.0)):
        low, high = quantile_interval(attendance, q)
        assert low <= configured <= high, (q, low, high)


def engine(
    units_from_8am: int,
) -> tuple[simpy.Environment, ResponseSystem, AreaState, IncidentTable]:
    env = simpy.Environment()
    area = AreaState(0, "urban", 0, 0.0, 2 * SECONDS_PER_DAY)
    table = IncidentTable()
    response = ResponseSystem(env, [area], table, [0.0])
    follow_roster(
        env,
        [(0.0, 0), (8 * SECONDS_PER_HOUR, units_from_8am)],
        lambda count: response.set_available(area, count),
    )
    return env, response, area, table


def create_at(
    env, response, table, when: float, grade: int, travel: float, on_scene: float
) -> None:
    def create(_event) -> None:
        incident = table.add(env.now, 0, 0, grade, 0, 0, travel, on_scene, -1, 0.0)
        response.create(incident)

    env.timeout(when).callbacks.append(create)


def test_grade1_at_7am_with_no_unit_until_8am_is_attended_after_8am() -> None:
    env, response, _, table = engine(units_from_8am=1)
    create_at(env, response, table, 7 * SECONDS_PER_HOUR, Grade.GRADE1, travel=600, on_scene=1800)
    env.run(until=SECONDS_PER_DAY)
    assert table.dispatched == [8 * SECONDS_PER_HOUR]
    assert table.arrived == [8 * SECONDS_PER_HOUR + 600]
    assert table.cleared == [8 * SECONDS_PER_HOUR + 2400]


def test_grade1_is_dispatched_before_an_older_waiting_grade2() -> None:
    env, response, _, table = engine(units_from_8am=1)
    create_at(env, response, table, 6 * SECONDS_PER_HOUR, Grade.GRADE2, travel=100, on_scene=100)
    create_at(env, response, table, 7 * SECONDS_PER_HOUR, Grade.GRADE1, travel=100, on_scene=100)
    env.run(until=SECONDS_PER_DAY)
    grade2, grade1 = 0, 1
    assert table.dispatched[grade1] == 8 * SECONDS_PER_HOUR
    assert table.dispatched[grade2] == 8 * SECONDS_PER_HOUR + 200


def test_diversion_takes_a_unit_off_grade2_and_requeues_it_at_the_front() -> None:
    env, response, area, table = engine(units_from_8am=1)
    area.divert_allowed = True
    create_at(env, response, table, 9 * SECONDS_PER_HOUR, Grade.GRADE2, travel=600, on_scene=3600)
    create_at(
        env, response, table, 9 * SECONDS_PER_HOUR + 60, Grade.GRADE2, travel=600, on_scene=3600
    )
    create_at(
        env, response, table, 9 * SECONDS_PER_HOUR + 120, Grade.GRADE1, travel=300, on_scene=600
    )
    env.run(until=SECONDS_PER_DAY)
    first, second, urgent = 0, 1, 2
    assert table.dispatched[urgent] == 9 * SECONDS_PER_HOUR + 120
    assert table.diverted[first] and not table.diverted[second]
    # The diverted grade 2 had not arrived: its arrival is the re-dispatch, which
    # comes before the younger grade 2 (front of the queue).
    back = 9 * SECONDS_PER_HOUR + 120 + 300 + 600
    assert table.arrived[first] == back + 600
    assert table.dispatched[second] > table.dispatched[urgent]
    assert table.arrived[second] > table.cleared[first]


def appointment_then_grade1(allowed: bool) -> IncidentTable:
    """One schedule car on a 60-minute appointment from 09:00; a grade 1 at 09:30, no units."""
    env = simpy.Environment()
    area = AreaState(0, "urban", 0, 0.0, SECONDS_PER_DAY, divert_scheduled_allowed=allowed)
    table = IncidentTable()
    response = ResponseSystem(env, [area], table, [0.0], schedule_cars={0: 1})
    follow_roster(env, [(0.0, 0)], lambda count: response.set_available(area, count))

    def appointment(_event) -> None:
        incident = table.add(env.now, 0, 0, Grade.SCHEDULED, 0, 0, 0.0, 3600.0, -1, 0.0)
        response.appointment_due(incident)

    env.timeout(9 * SECONDS_PER_HOUR).callbacks.append(appointment)
    create_at(env, response, table, 9.5 * SECONDS_PER_HOUR, Grade.GRADE1, travel=600, on_scene=1200)
    env.run(until=SECONDS_PER_DAY)
    return table


def test_a_grade1_diverts_a_schedule_car_only_where_allowed() -> None:
    booked, urgent = 0, 1
    table = appointment_then_grade1(allowed=True)
    # The car leaves the appointment half-way, attends the grade 1, then goes
    # back to finish the appointment's remaining half hour.
    assert table.diverted[booked]
    assert table.dispatched[urgent] == 9.5 * SECONDS_PER_HOUR
    back = 9.5 * SECONDS_PER_HOUR + 600 + 1200
    assert table.cleared[booked] == back + 1800
    table = appointment_then_grade1(allowed=False)
    assert not table.diverted[booked]
    assert np.isnan(table.dispatched[urgent])  # no response unit at all
    assert table.cleared[booked] == 10 * SECONDS_PER_HOUR


def test_late_schedule_car_starts_the_appointment_when_free() -> None:
    env = simpy.Environment()
    table = IncidentTable()
    response = ResponseSystem(env, [], table, [0.0], schedule_cars={0: 1})
    for hour in (9, 10):

        def due(_event) -> None:
            incident = table.add(env.now, 0, -1, Grade.SCHEDULED, 0, 0, 0.0, 5400.0, -1, 0.0)
            response.appointment_due(incident)

        env.timeout(hour * SECONDS_PER_HOUR).callbacks.append(due)
    env.run(until=SECONDS_PER_DAY)
    # The first runs 90 minutes; the second, booked for 10:00, starts at 10:30.
    assert table.arrived == [9 * SECONDS_PER_HOUR, 10.5 * SECONDS_PER_HOUR]


@pytest.fixture(scope="module")
def demo_scenario() -> Scenario:
    raw = load_raw("demo.yaml")
    raw["days"] = 7
    return scenario_from_dict(raw)


@pytest.fixture(scope="module")
def demo_output(demo_scenario):
    return run_replication(demo_scenario, 1)


def test_no_unit_is_on_two_incidents_at_once(demo_output) -> None:
    jobs = demo_output.assignments
    assert len(jobs.unit) > 1000
    order = np.lexsort((jobs.start_s, jobs.unit))
    unit, start, end = jobs.unit[order], jobs.start_s[order], jobs.end_s[order]
    same_unit = unit[1:] == unit[:-1]
    assert np.all(start[1:][same_unit] >= end[:-1][same_unit])
    assert np.all(end >= start)


def test_every_incident_is_attended_resolved_waiting_or_closed(demo_output) -> None:
    inc = demo_output.incidents
    end = demo_output.end_s
    grade = inc.grade
    attended = (np.isin(grade, [Grade.GRADE1, Grade.GRADE2, Grade.SCHEDULED])) & (
        inc.arrived <= end
    )
    resolved = (grade == Grade.RESOLUTION) & ~np.isnan(inc.cleared)
    waiting = (
        (
            np.isin(grade, [Grade.GRADE1, Grade.GRADE2])
            & (np.isnan(inc.arrived) | (inc.arrived > end))
        )
        | ((grade == Grade.RESOLUTION) & np.isnan(inc.cleared))
        | ((grade == Grade.SCHEDULED) & (inc.arrived > end))
    )
    closed = grade == Grade.NO_DEPLOYMENT
    assert np.all(attended.astype(int) + resolved + waiting + closed == 1)
    assert attended.sum() > 1000 and resolved.sum() > 100 and closed.sum() > 100


def test_appointment_slots_are_never_double_booked(demo_scenario, demo_output) -> None:
    inc = demo_output.incidents
    booked = inc.appointment_slot >= 0
    assert booked.sum() > 200
    pairs = set(zip(inc.appointment_slot[booked], inc.appointment_car[booked], strict=True))
    assert len(pairs) == booked.sum()
    assert inc.appointment_car[booked].max() < demo_scenario.forces["demo"].appointments.cars
    # Appointments fall inside the cars' hours and after the minimum lead time.
    start = inc.appointment_s[booked]
    time_of_day = start % SECONDS_PER_DAY
    assert np.all((time_of_day >= 8 * SECONDS_PER_HOUR) & (time_of_day < 21 * SECONDS_PER_HOUR))
    assert np.all(start - inc.graded_at[booked] >= 2 * SECONDS_PER_HOUR - 1e-6)


def test_a_waiting_grade2_never_goes_before_a_waiting_grade1_of_its_area(demo_output) -> None:
    inc = demo_output.incidents
    jobs = demo_output.assignments
    for area in range(2):
        grade1 = (inc.grade == Grade.GRADE1) & (inc.area == area)
        created1 = inc.graded_at[grade1]
        dispatched1 = inc.dispatched[grade1]
        sent = jobs.incident
        to_grade2 = (inc.grade[sent] == Grade.GRADE2) & (inc.area[sent] == area)
        for t in jobs.start_s[to_grade2]:
            waiting = (created1 < t) & (np.isnan(dispatched1) | (dispatched1 > t))
            assert not waiting.any()


def test_help_and_diversion_happen_only_where_configured(demo_scenario) -> None:
    raw = demo_scenario.model_dump(mode="json")
    # Short of units, so that both would be used if allowed.
    for area in raw["forces"]["demo"]["areas"].values():
        for shift in area["units"]["shifts"]:
            shift["count"] = max(1, shift["count"] * 2 // 3)
    allowed = run_replication(scenario_from_dict(raw), 0).incidents
    assert allowed.helped.sum() > 10 and allowed.diverted.sum() > 10
    raw["forces"]["demo"]["response"]["help_from_neighbours"] = False
    raw["forces"]["demo"]["response"]["divert_from_grade2"] = False
    neither = run_replication(scenario_from_dict(raw), 0).incidents
    assert not neither.helped.any() and not neither.diverted.any()
    raw["forces"]["demo"]["response"]["divert_from_scheduled"] = True
    cars = run_replication(scenario_from_dict(raw), 0).incidents
    diverted = cars.diverted
    assert diverted.sum() > 10 and np.all(cars.grade[diverted] == Grade.SCHEDULED)


def test_escalated_callbacks_become_grade2_or_scheduled_counted_once() -> None:
    scenario = response_scenario(
        20_000,
        {"resolution": 1.0},
        units=50,
        resolution={
            "roster": {"staff": 10},
            "callback": {"distribution": "exponential", "mean_s": 600},
            "escalation": {"grade2": 0.3, "scheduled": 0.2},
        },
        appointments={"cars": 50},
        days=28,
    )
    output = run_replication(scenario, 0)
    inc = output.incidents
    escalated = inc.escalated
    assert np.all(inc.first_grade == Grade.RESOLUTION)
    assert set(inc.grade[escalated]) == {Grade.GRADE2, Grade.SCHEDULED}
    assert np.all(inc.grade[~escalated] == Grade.RESOLUTION)
    # Escalated at the end of the call-back, then attended as what they became.
    assert np.all(inc.graded_at[escalated] >= inc.callback_start[escalated])
    assert np.all(
        inc.arrived[escalated & (inc.grade == Grade.GRADE2)]
        > inc.graded_at[escalated & (inc.grade == Grade.GRADE2)]
    )
    done = ~np.isnan(inc.callback_start)
    share2 = (inc.grade[done] == Grade.GRADE2).mean()
    assert abs(share2 - 0.3) < 4 * np.sqrt(0.21 / done.sum())
    counts = {v.segment: v.value for v in replication_metrics(output) if v.metric == "incidents"}
    assert sum(counts.values()) == in_period(output).sum()


def test_grade1_dispatch_delay_agrees_with_erlang_c() -> None:
    # One area, constant units, no travel, exponential on-scene: an M/M/c queue of
    # grade 1 incidents, whose dispatch delay is the Erlang C wait.
    per_hour, mean_s, units = 30.0, 1200.0, 12
    scenario = response_scenario(
        per_hour * 8760,
        {"grade1": 1.0},
        units=units,
        travel={"distribution": "constant", "value_s": 0},
        on_scene={"distribution": "exponential", "mean_s": mean_s},
        days=21,
    )
    theory = erlang_c_figures(per_hour, mean_s, units, target_s=0.0)
    delays, waited = [], []
    for replication in range(10):
        output = run_replication(scenario, replication)
        inc = output.incidents
        mask = in_period(output)
        delay = inc.dispatched[mask] - inc.graded_at[mask]
        delays.append(delay.mean())
        waited.append((delay > 0).mean())
    for name, values, expected in (
        ("mean", delays, theory.asa_s),
        ("p_wait", waited, theory.p_wait),
    ):
        values = np.asarray(values)
        half = stats.t.ppf(0.995, len(values) - 1) * values.std(ddof=1) / np.sqrt(len(values))
        assert abs(values.mean() - expected) <= half, (name, values.mean(), expected, half)
        assert half < 0.2 * expected


def test_response_metrics_follow_the_contract(demo_output) -> None:
    keys = {(v.metric, v.segment, v.stat): v for v in replication_metrics(demo_output)}
    for area in ("urban", "rural"):
        for stat in ("mean", "p50", "p90", "p95"):
            assert ("attendance_time", f"grade1/{area}", stat) in keys
            assert ("attendance_time", f"grade2/{area}", stat) in keys
        assert ("attended_within_target", f"grade1/{area}", "value") in keys
        assert ("unit_utilisation", area, "value") in keys
    assert ("attended_within_target", "grade2", "value") in keys
    for grade in ("grade1", "grade2"):
        for stat in ("mean", "p50", "p90"):
            assert ("dispatch_delay", grade, stat) in keys
    for stat in ("mean", "p50", "p90"):
        assert ("callback_time", "resolution", stat) in keys
    for stat in ("p50", "p90"):
        assert keys[("appointment_wait", "scheduled", stat)].unit == "h"
    for grade in ("grade1", "grade2", "scheduled", "resolution", "no_deployment"):
        assert keys[("incidents", grade, "count")].value > 0
    assert keys[("offered", "online", "count")].value > 0
    assert keys[("attendance_time", "grade1/urban", "p90")].unit == "min"
    # Targets: 15 min urban, 20 min rural.
    inc = demo_output.incidents
    urban = in_period(demo_output) & (inc.grade == Grade.GRADE1) & (inc.area == 0)
    within = ((inc.arrived - inc.graded_at)[urban] <= 15 * 60).mean() * 100
    assert np.isclose(keys[("attended_within_target", "grade1/urban", "value")].value, within)
