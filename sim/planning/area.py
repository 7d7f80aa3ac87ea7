"""The response area being staffed, and its Erlang C requirement in units.

:func:`resolve_area` checks an area and its targets against a scenario.
Each interval is taken as a stationary M/M/c queue of units, grade 1 and
grade 2 together first come first served, staffed with the fewest units for
which the wait for a unit ``W`` plus the decision time and travel ``X``
(attendance ``= W + X``) meet every target: ``P(W > t) = C(c, a) exp(-(c - a) t / s)``
(``s`` the mean job length), so ``P(W + X <= T) = E[1{X <= T} (1 - C exp(-(c - a)(T - X)/s))]``
over the travel distribution (:func:`attendance_meets`, :func:`erlang_units`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from sim.analytic import erlang_c
from sim.catalogue import PERCENTILES
from sim.config import MINUTES_PER_WEEK, SECONDS_PER_MINUTE, InputError, Problem, Scenario
from sim.model.records import Grade
from sim.planning.load import duration_quantiles
from sim.planning.targets import TARGET_FORM, Target
from sim.planning.verification import INTERVAL_CHOICES, interval_label

#: Default staffing interval for units, minutes (jobs last about an hour).
DEFAULT_UNIT_INTERVAL = 60


_GRADES = {"grade1": Grade.GRADE1, "grade2": Grade.GRADE2}


_TRAVEL_SAMPLES = 4000


@dataclass(frozen=True)
class AreaSetup:
    """The area being staffed and its targets, resolved against a scenario.

    ``target_grades`` gives the grade code (0 grade 1, 1 grade 2) each target
    is about; ``within_min`` each grade's attendance target, minutes.
    """

    scenario: Scenario
    force_id: str
    area_id: str
    targets: tuple[Target, ...]
    target_grades: tuple[int, ...]
    interval_minutes: int
    within_min: dict[int, float]
    decision_s: float  # dispatch decision time, seconds

    @property
    def intervals(self) -> int:
        """Intervals in a week."""
        return MINUTES_PER_WEEK // self.interval_minutes

    @property
    def label(self) -> str:
        """``force/area`` with several forces, else the area id."""
        return self.area_id if len(self.scenario.forces) == 1 else f"{self.force_id}/{self.area_id}"

    @property
    def pool_id(self) -> str:
        """What is staffed, for messages and tables shared with the handler version."""
        return f"area {self.label}"

    def travel_s(self) -> np.ndarray:
        """Stratified quantiles of the area's travel time, seconds."""
        travel = self.scenario.forces[self.force_id].areas[self.area_id].travel
        u = (np.arange(_TRAVEL_SAMPLES) + 0.5) / _TRAVEL_SAMPLES
        return duration_quantiles(travel, u)


def resolve_area(
    scenario: Scenario, area_ref: str, targets: Sequence[Target], interval_minutes: int
) -> AreaSetup:
    """Check the area, interval and targets against the scenario.

    Parameters
    ----------
    scenario
        The scenario.
    area_ref
        ``AREA`` (one force, or an id only one force has) or ``FORCE/AREA``.
    targets
        Parsed with :data:`UNIT_METRICS`.
    interval_minutes
        Staffing interval, minutes.

    Raises
    ------
    InputError
        For an unknown or ambiguous area, an interval a roster cannot hold, a
        target segment that is not this area's grade 1 or grade 2, or no target.
    """
    known = [(f, a) for f, force in scenario.forces.items() for a in force.areas]
    names = ", ".join(a if len(scenario.forces) == 1 else f"{f}/{a}" for f, a in known)
    if "/" in area_ref:
        force_id, _, area_id = area_ref.partition("/")
        matches = [(f, a) for f, a in known if (f, a) == (force_id, area_id)]
    else:
        matches = [(f, a) for f, a in known if a == area_ref]
    if len(matches) != 1:
        why = "no such response area" if not matches else "in several forces; give FORCE/AREA"
        raise InputError(
            [Problem("--area", area_ref, f"{why}; expected one of {names or '(none)'}")]
        )
    force_id, area_id = matches[0]
    force = scenario.forces[force_id]
    problems: list[Problem] = []
    if interval_minutes not in INTERVAL_CHOICES:
        problems.append(
            Problem(
                "--interval",
                str(interval_minutes),
                f"expected one of {', '.join(map(str, INTERVAL_CHOICES))} (minutes)",
            )
        )
    if not targets:
        problems.append(Problem("--target", "", f"missing; give at least one: {TARGET_FORM}"))
    allowed = {"grade1": Grade.GRADE1, "grade2": Grade.GRADE2}
    allowed |= {f"{g}/{area_id}": code for g, code in _GRADES.items()}
    allowed |= {f"{force_id}/{s}": code for s, code in list(allowed.items())}
    grades = []
    for target in targets:
        code = allowed.get(target.segment)
        if code is None:
            expected = ", ".join(f"grade1/{area_id}, grade2/{area_id}, grade1, grade2".split(", "))
            problems.append(
                Problem(
                    "--target",
                    str(target),
                    f"unknown segment '{target.segment}' for area {area_id}; expected one of "
                    f"{expected} (optionally led by '{force_id}/')",
                )
            )
        grades.append(code if code is not None else Grade.GRADE1)
    if problems:
        raise InputError(problems)
    response = force.response
    return AreaSetup(
        scenario=scenario,
        force_id=force_id,
        area_id=area_id,
        targets=tuple(targets),
        target_grades=tuple(grades),
        interval_minutes=interval_minutes,
        within_min={
            Grade.GRADE1: force.grade1_target_min(area_id),
            Grade.GRADE2: force.grade2_target_min(),
        },
        decision_s=response.dispatch_delay_s if response is not None else 0.0,
    )


def attendance_meets(
    target: Target,
    within_min: float,
    units: int,
    load: float,
    job_s: float,
    delay_s: np.ndarray,
) -> bool:
    """Whether ``units`` units at an offered load meet a target, by Erlang C.

    Parameters
    ----------
    target
        An area target (``attended_within_target``, ``attendance_time`` or
        ``dispatch_delay``).
    within_min
        The grade's attendance target, minutes (``attended_within_target``).
    units
        Units on duty.
    load
        Offered load, Erlangs (incidents per second times mean job length).
    job_s
        Mean job length (decision, travel and on scene), seconds.
    delay_s
        Samples of the time added to the wait for a unit, seconds: decision
        plus travel for attendance, decision only for dispatch delay.

    Returns
    -------
    bool
        False when ``units <= load`` (the queue grows without bound).
    """
    if load <= 0.0:
        return True
    if units <= load:
        return False
    p_wait = erlang_c(units, load)
    decay = (units - load) / job_s  # per second
    if target.stat == "mean":
        return (p_wait / decay + float(delay_s.mean())) / SECONDS_PER_MINUTE <= target.value
    if target.metric == "attended_within_target":
        limit_s, share = within_min * SECONDS_PER_MINUTE, target.value / 100.0
    else:
        limit_s, share = target.value * SECONDS_PER_MINUTE, PERCENTILES[target.stat] / 100.0
    slack = limit_s - delay_s
    inside = slack >= 0
    achieved = float(np.mean(np.where(inside, 1.0 - p_wait * np.exp(-decay * slack), 0.0)))
    return achieved >= share - 1e-12


def erlang_units(setup: AreaSetup, loads: np.ndarray, job_s: float, max_units: int) -> np.ndarray:
    """Fewest units per interval that Erlang C says meet every target (at least 1).

    Raises
    ------
    InputError
        If a target is out of reach with ``max_units`` units in some interval
        (e.g. a target shorter than the travel allows).
    """
    travel = setup.travel_s()
    attend = setup.decision_s + travel
    decide = np.array([setup.decision_s])
    units = np.empty(len(loads), dtype=np.int64)
    for i, load in enumerate(loads):
        need = 1
        for target, grade in zip(setup.targets, setup.target_grades, strict=True):
            delay = decide if target.metric == "dispatch_delay" else attend
            within = setup.within_min[grade]
            start = max(need, math.floor(load) + 1)
            found = next(
                (
                    c
                    for c in range(start, max_units + 1)
                    if attendance_meets(target, within, c, float(load), job_s, delay)
                ),
                None,
            )
            if found is None:
                raise InputError(
                    [
                        Problem(
                            "--target",
                            str(target),
                            f"not reachable with {max_units} units in "
                            f"{interval_label(i, setup.interval_minutes)} (offered load "
                            f"{load:.1f}); expected a target that travel times allow "
                            "(or raise --max-staff)",
                        )
                    ]
                )
            need = max(need, found)
        units[i] = need
    return units
