"""Staffing variants: a scenario with one handler pool or one area re-rostered.

Staffing verification simulates trial rosters; these build each trial scenario
from the original (which is never changed), per interval of the week.
"""

from __future__ import annotations

from collections.abc import Sequence

from sim.config import Roster, Scenario


def interval_roster(interval_minutes: int, staff: int | Sequence[int]) -> Roster:
    """A roster of ``staff`` on duty in each interval of the week (or all week)."""
    count: int | list[int] = int(staff) if isinstance(staff, int) else [int(s) for s in staff]
    return Roster(
        interval_minutes=interval_minutes,  # type: ignore[arg-type]
        staff=count,
        allow_gaps=True,
    )


def with_pool_roster(
    scenario: Scenario, pool_id: str, interval_minutes: int, staff: Sequence[int]
) -> Scenario:
    """The scenario with pool ``pool_id`` staffed by ``staff`` per interval, no shrinkage."""
    roster = interval_roster(interval_minutes, staff)
    pool = scenario.handler_pools[pool_id].model_copy(update={"roster": roster, "shrinkage": 0.0})
    return scenario.model_copy(update={"handler_pools": {**scenario.handler_pools, pool_id: pool}})


def with_area_units(
    scenario: Scenario,
    force_id: str,
    area_id: str,
    interval_minutes: int,
    units: int | Sequence[int],
) -> Scenario:
    """The scenario with area ``force_id/area_id`` rostered at ``units`` per interval."""
    roster = interval_roster(interval_minutes, units)
    force = scenario.forces[force_id]
    area = force.areas[area_id].model_copy(update={"units": roster})
    force = force.model_copy(update={"areas": {**force.areas, area_id: area}})
    return scenario.model_copy(update={"forces": {**scenario.forces, force_id: force}})
