"""Staffing variants: a scenario with one handler pool or one area re-rostered.

Staffing verification simulates trial rosters; these build each trial scenario
from the original (which is never changed), per interval of the week.
:func:`contact_only` keeps just what a handler pool's calls depend on, and
:func:`staffed_scenario_yaml` writes the scenario file with a new roster in place.
"""

from __future__ import annotations

from collections.abc import Sequence
from copy import deepcopy
from typing import Any

from sim.config import Grading, Roster, Scenario


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


def contact_only(scenario: Scenario) -> Scenario:
    """The scenario with calls creating no incidents: just the contact side.

    A call's arrival, patience, handling and redials do not depend on what
    becomes of its incident (each is drawn from its own named stream), so
    the calls at every handler pool are exactly those of the whole scenario,
    at a fraction of the cost: no incidents, units, appointments or teams.
    Online reports stay (a platform may move demand to them) but grade none.
    """
    forces = {}
    for force_id, force in scenario.forces.items():
        channels = {
            key: channel.model_copy(update={"grading": Grading()})
            for key, channel in force.channels.items()
        }
        online = force.online
        if online is not None:
            online = online.model_copy(update={"grading": Grading(), "desk_review": None})
        forces[force_id] = force.model_copy(
            update={
                "channels": channels,
                "online": online,
                "areas": {},
                "response": None,
                "appointments": None,
                "resolution": None,
            }
        )
    return scenario.model_copy(update={"forces": forces})


def staffed_scenario_yaml(
    raw: dict[str, Any], key: Sequence[str], block: dict[str, Any], name: str
) -> dict[str, Any]:
    """A scenario file's mapping with the roster at ``key`` replaced by ``block``, renamed.

    Parameters
    ----------
    raw
        The scenario file as read (overrides applied); not changed.
    key
        Path of the roster mapping, e.g. ``("handler_pools", "contact_centre", "roster")``.
    block
        The new ``roster:`` mapping.
    name
        The new scenario's name (cut to 80 characters).
    """
    staffed = deepcopy(raw)
    node = staffed
    for part in key[:-1]:
        node = node[part]
    node[key[-1]] = block
    staffed["name"] = name[:80]
    return staffed
