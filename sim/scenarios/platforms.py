"""Platforms applied to scenarios: the static changes.

A platform (:class:`sim.config.Platform`, a named YAML file) changes a scenario
in two ways:

- **statically**, by :func:`apply_platform` here, which builds a new scenario
  (the original is never changed): talk and wrap-up times scaled per channel, SMS
  advice (shorter wrap-up, fewer repeat calls), part of 101 moved online, handler
  pools merged into one, dispatch scope and dispatch delay set on every force;
- **in time**, by :class:`sim.model.outages.PlatformClock`: outage windows sampled
  per replication from their own random stream, during which talk time and
  dispatch delay are multiplied, and a learning curve after go-live.

Scenarios layer: numpy only, no SimPy.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from sim.config import (
    MINUTES_PER_WEEK,
    InputError,
    Platform,
    Problem,
    Scenario,
    scenario_from_dict,
)

#: Id of the single handler pool a pooled contact centre becomes.
POOLED_POOL_ID = "pooled"


def _scale_duration(duration: dict[str, Any], factor: float) -> dict[str, Any]:
    """A duration (as a dict) with every time parameter multiplied by ``factor``.

    Scaling the parameters of an exponential, lognormal or constant duration
    scales every draw by exactly that factor, so common random numbers hold.
    """
    if factor == 1.0:
        return duration
    scaled = dict(duration)
    for key in ("mean_s", "sd_s", "median_s", "p90_s", "value_s"):
        if scaled.get(key) is not None:
            scaled[key] = scaled[key] * factor
    return scaled


def _pooled_roster(pools: list[dict[str, Any]], scenario: Scenario) -> dict[str, Any]:
    """One roster whose staff on duty is, each minute, the sum of the pools' rosters."""
    configs = list(scenario.handler_pools.values())
    per_minute = sum(c.roster.staff_per_minute() for c in configs)
    assert isinstance(per_minute, np.ndarray)
    allow_gaps = any(c.roster.allow_gaps for c in configs)
    if (per_minute == per_minute[0]).all():
        return {"staff": int(per_minute[0]), "allow_gaps": allow_gaps}
    for interval in (60, 30, 15):
        blocks = per_minute.reshape(MINUTES_PER_WEEK // interval, interval)
        if (blocks == blocks[:, :1]).all():
            return {
                "interval_minutes": interval,
                "staff": blocks[:, 0].tolist(),
                "allow_gaps": allow_gaps,
            }
    if all(pool["roster"].get("shifts") for pool in pools):
        shifts = [shift for pool in pools for shift in pool["roster"]["shifts"]]
        return {"shifts": shifts, "allow_gaps": allow_gaps}
    raise InputError(
        [
            Problem(
                "platform",
                "pooled_contact_centre",
                "cannot merge these rosters: they change at minutes that are not on a "
                "15-minute boundary and not all are given as shifts; expected rosters on "
                "15, 30 or 60-minute intervals, or shifts",
            )
        ]
    )


def _pool(scenario: Scenario, raw_pools: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The handler pools merged into one: channels united, rosters summed, shrinkage weighted."""
    configs = scenario.handler_pools
    serves: list[str] = []
    for config in configs.values():
        for ref in config.serves:
            resolved = scenario.resolve_channel_ref(ref)
            if resolved is not None and resolved not in serves:
                serves.append(resolved)
    staff = {pool_id: float(c.roster.staff_per_minute().sum()) for pool_id, c in configs.items()}
    total = sum(staff.values())
    shrinkage = (
        sum(c.shrinkage * staff[pool_id] for pool_id, c in configs.items()) / total
        if total > 0
        else 0.0
    )
    return {
        POOLED_POOL_ID: {
            "name": "Pooled: " + " + ".join(configs),
            "serves": serves,
            "roster": _pooled_roster(list(raw_pools.values()), scenario),
            "shrinkage": shrinkage,
        }
    }


def _apply_to_force(force: dict[str, Any], platform: Platform) -> None:
    """Change one force's raw config in place (a fresh dump, never the original)."""
    for channel_id, channel in force["channels"].items():
        sms = platform.sms_advice.get(channel_id)
        talk = platform.handling_multiplier.get(channel_id, 1.0)
        wrap = platform.wrap_up_multiplier.get(channel_id, 1.0)
        if sms is not None:
            wrap *= sms.wrap_up_factor()
            if sms.volume_factor() != 1.0:
                channel["volume_per_year"] *= sms.volume_factor()
        channel["handling"] = _scale_duration(channel["handling"], talk)
        channel["wrap_up"] = _scale_duration(channel["wrap_up"], wrap)
    call_101 = force["channels"].get("101")
    if platform.online_shift > 0 and call_101 is not None:
        moved = call_101["volume_per_year"] * platform.online_shift
        call_101["volume_per_year"] -= moved
        if force.get("online") is None:
            force["online"] = {
                "volume_per_year": moved,
                "profile": call_101["profile"],
                "surges": call_101["surges"],
                "overdispersion_cv": call_101["overdispersion_cv"],
                "grading": call_101["grading"],
            }
        else:
            force["online"]["volume_per_year"] += moved
    response = force.get("response")
    if response is not None:
        response["help_from_neighbours"] = platform.dispatch_scope != "area"
        response["help_across_forces"] = platform.dispatch_scope == "cross_force"
        if platform.dispatch_delay_s is not None:
            # The platform's decision time is every grade's: per-grade ones give way.
            response["dispatch_delay_s"] = platform.dispatch_delay_s
            response.pop("dispatch_delay", None)


def _check_platform_channels(scenario: Scenario, platform: Platform) -> None:
    """Refuse a platform field naming a call channel no force of the scenario has.

    The scenario checks its own ``platform:``; this catches one applied from
    outside (an experiment's), whose channels the scenario never saw.
    """
    known = scenario.channel_ids()
    problems = [
        Problem(
            f"platform {platform.name}",
            f"{field}.{channel}",
            f"'{channel}' is not a call channel of scenario {scenario.name}; expected one "
            f"of: {', '.join(sorted(known))}",
        )
        for field, channel in platform.unknown_channels(known)
    ]
    if problems:
        raise InputError(problems)


def apply_platform(scenario: Scenario, platform: Platform | None = None) -> Scenario:
    """The scenario as it runs on a platform: a new, validated scenario without a platform.

    Parameters
    ----------
    scenario
        The scenario; left unchanged.
    platform
        The platform to apply; defaults to the scenario's own (``scenario.platform``).
        With neither, the scenario itself is returned.

    Returns
    -------
    Scenario
        A copy with the platform's static changes made and ``platform`` unset (the
        platform's outages and learning curve act in time: see :class:`PlatformClock`).

    Raises
    ------
    InputError
        If the changed scenario is not valid (for instance, rosters that cannot
        be pooled).
    """
    platform = platform if platform is not None else scenario.platform
    if platform is None:
        return scenario
    _check_platform_channels(scenario, platform)
    raw = scenario.model_dump()
    raw["platform"] = None
    for force in raw["forces"].values():
        _apply_to_force(force, platform)
    if platform.pooled_contact_centre and len(scenario.handler_pools) > 1:
        raw["handler_pools"] = _pool(scenario, raw["handler_pools"])
    return scenario_from_dict(raw, f"{scenario.name} on platform {platform.name}")
