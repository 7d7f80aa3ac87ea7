"""Warnings about scenarios that validate and run but whose results cannot mean anything.

These are not errors: a planner may build such a scenario on purpose (a pool
with nobody left, to see the queue grow). But done by mistake, the run ends
with exit 0 and figures such as 100% abandoned or an interval wider than the
mean, and nothing says why. Each warning is a :class:`~sim.errors.Problem`
naming the field, as ``demandsim validate`` prints it.
"""

from __future__ import annotations

from sim.config.scenario import Scenario
from sim.errors import Problem
from sim.units import SECONDS_PER_DAY


def scenario_warnings(scenario: Scenario, source: str) -> list[Problem]:
    """What makes a valid scenario's results meaningless, one warning per field.

    Parameters
    ----------
    scenario
        A validated scenario.
    source
        The file it came from, named in each warning.

    Returns
    -------
    list of Problem
        Empty when nothing is amiss: handler pools (and resolution or desk
        review teams) whose every member is rounded away by shrinkage; areas
        with demand for response units but no unit all week; a measured period
        shorter than a channel's mean handling time.
    """
    warnings: list[Problem] = []
    for pool_id, pool in scenario.handler_pools.items():
        rostered = pool.roster.staff_per_minute()
        if rostered.any() and not pool.available_per_minute().any():
            warnings.append(
                Problem(
                    source,
                    f"handler_pools.{pool_id}.shrinkage",
                    f"is {pool.shrinkage:g}, which rounds every rostered handler away in every "
                    f"interval (at most {rostered.max()} on duty); no call of "
                    f"{', '.join(pool.serves)} will be answered",
                )
            )
    for force_id, force in scenario.forces.items():
        teams = {
            "resolution": (force.resolution, "no incident graded for resolution is called back"),
            "online.desk_review": (
                force.online.desk_review if force.online is not None else None,
                "no online report is reviewed",
            ),
        }
        for field, (team, consequence) in teams.items():
            if team is None:
                continue
            rostered = team.roster.staff_per_minute()
            if rostered.any() and not team.available_per_minute().any():
                warnings.append(
                    Problem(
                        source,
                        f"forces.{force_id}.{field}.shrinkage",
                        f"is {team.shrinkage:g}, which rounds everyone rostered away in every "
                        f"interval (at most {rostered.max()} on duty); {consequence}",
                    )
                )
        deploying = _deploying_grades(scenario, force_id)
        if not deploying:
            continue
        for area_id, area in force.areas.items():
            if area.share > 0 and not area.units.staff_per_minute().any():
                warnings.append(
                    Problem(
                        source,
                        f"forces.{force_id}.areas.{area_id}.units",
                        f"has no unit on duty all week, but the force has "
                        f"{' and '.join(sorted(deploying))} demand and this area has a share "
                        f"of {area.share:g}; its incidents will never be attended by a unit "
                        "of its own",
                    )
                )
    horizon_s = scenario.days * SECONDS_PER_DAY
    for force_id, force in scenario.forces.items():
        for channel_id, channel in force.channels.items():
            handling_s = channel.handling.mean() + channel.wrap_up.mean()
            if channel.volume_per_year > 0 and handling_s > horizon_s:
                warnings.append(
                    Problem(
                        source,
                        "days",
                        f"is {scenario.days:g} ({horizon_s:,.0f} s), shorter than the mean "
                        f"handling and wrap-up time of forces.{force_id}.channels.{channel_id} "
                        f"({handling_s:,.0f} s); expected a measured period of many handling "
                        "times, or occupancy and waits mean nothing",
                    )
                )
    return warnings


def _deploying_grades(scenario: Scenario, force_id: str) -> set[str]:
    """Grades 1 and 2 that this force's calls, reports or call-back escalations create."""
    force = scenario.forces[force_id]
    grades: set[str] = set()
    for channel in force.channels.values():
        if channel.volume_per_year > 0:
            grades |= channel.grading.deploys()
    if force.online is not None and force.online.volume_per_year > 0:
        grades |= force.online.grading.deploys()
    if force.resolution is not None and force.resolution.escalation.grade2 > 0:
        grades.add("grade2")
    return grades & {"grade1", "grade2"}
