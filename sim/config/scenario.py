"""A scenario: forces, handler pools and an optional platform, checked across forces."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import AfterValidator, BeforeValidator, Field, model_validator

from sim.config.base import MAX_DAYS, CrossFieldError, FrozenModel, Identifier, NotBool
from sim.config.border import BorderTravel, border_problems
from sim.config.cost import cost_problems
from sim.config.force import Force
from sim.config.handlers import HandlerPool
from sim.config.mechanisms import YearOffset
from sim.config.messages import describe_input
from sim.config.platform import Platform, platform_by_name
from sim.units import SECONDS_PER_DAY


def _a_monday(value: date | None) -> date | None:
    # Simulation time 0 is Monday 00:00: hour-of-week profiles and rosters start there.
    if value is not None and value.weekday() != 0:
        raise ValueError(
            f"is a {value:%A}; expected a Monday (the measured period starts on a Monday at 00:00)"
        )
    return value


class Scenario(FrozenModel):
    """One scenario: forces, their demand, and the handler pools that answer it.

    The measured period is ``days`` long and starts on a Monday at 00:00
    (simulation time 0). A warm-up of ``warmup_days`` runs before it, so that the
    measured period does not start with empty queues; nothing in the warm-up
    counts in any metric.
    """

    name: Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]{0,79}$")]
    description: str = Field(default="", max_length=4000)
    days: Annotated[float, Field(gt=0, le=MAX_DAYS, allow_inf_nan=False), NotBool] = 28.0
    warmup_days: Annotated[float, Field(ge=0, le=365, allow_inf_nan=False), NotBool] = 1.0
    seed: Annotated[int, Field(ge=0, lt=2**63), NotBool] = 1
    replications: Annotated[int, Field(ge=1, le=10_000), NotBool] = 5
    start_date: Annotated[date | None, AfterValidator(_a_monday)] = Field(
        default=None,
        description="The Monday the measured period starts, at 00:00: the date of wall-clock "
        "times in records CSV files (default: the Monday after the run started).",
    )
    year: YearOffset = Field(
        default=0.0,
        description="Years after the base year: each channel's volume grows by its "
        "growth_per_year, compounded (--set year=1: next year's demand).",
    )
    forces: Annotated[dict[Identifier, Force], Field(min_length=1)]
    handler_pools: Annotated[dict[Identifier, HandlerPool], Field(min_length=1)]
    platform: Annotated[Platform | None, BeforeValidator(platform_by_name)] = Field(
        default=None,
        description="A platform applied on top of this scenario: a name from "
        "sim/config/platforms/ (cmp, legacy...) or its fields inline.",
    )
    border_travel: BorderTravel | None = Field(
        default=None,
        description="Roads between the beats of forces with geography (sim/config/border.py).",
    )

    @model_validator(mode="after")
    def _pools_serve_real_channels(self) -> Scenario:
        problems: list[tuple[tuple[str | int, ...], str]] = []
        for force_id, force in self.forces.items():
            for area_id, area in force.areas.items():
                for i, ref in enumerate(area.neighbours):
                    if "/" not in ref:
                        continue
                    other, _, other_area = ref.partition("/")
                    target = self.forces.get(other)
                    if (
                        target is None
                        or other_area not in target.areas
                        or ref == (f"{force_id}/{area_id}")
                    ):
                        known = sorted(
                            f"{f}/{a}" for f, fc in self.forces.items() for a in fc.areas
                            if (f, a) != (force_id, area_id)
                        )  # fmt: skip
                        problems.append(
                            (
                                ("forces", force_id, "areas", area_id, "neighbours", i),
                                f"{describe_input(ref)} is not an area of this scenario; "
                                f"expected one of: {', '.join(known) or 'none'}",
                            )
                        )
        known = {f"{f}/{c}" for f, force in self.forces.items() for c in force.channels}
        served: set[str] = set()
        for pool_id, pool in self.handler_pools.items():
            for i, ref in enumerate(pool.serves):
                resolved = self.resolve_channel_ref(ref)
                if resolved is None:
                    problems.append(
                        (
                            ("handler_pools", pool_id, "serves", i),
                            f"{describe_input(ref)} is not a channel of this scenario; "
                            f"expected one of {', '.join(sorted(self._channel_refs()))}",
                        )
                    )
                else:
                    served.add(resolved)
        for ref in sorted(known - served):
            force_id, channel = ref.split("/")
            if self.forces[force_id].channels[channel].volume_per_year > 0:  # type: ignore[index]
                problems.append(
                    (
                        ("forces", force_id, "channels", channel),
                        "has calls but no handler pool serves it; expected it in some "
                        "handler_pools.*.serves",
                    )
                )
        if self.border_travel is not None:
            problems.extend(
                (("border_travel", *path), message)
                for path, message in border_problems(self.border_travel, self.forces)
            )
        if self.platform is not None:
            known = self.channel_ids()
            for field, channel in self.platform.unknown_channels(known):
                problems.append(
                    (
                        ("platform", field, channel),
                        f"{describe_input(channel)} is not a call channel of this scenario; "
                        f"expected one of: {', '.join(sorted(known))}",
                    )
                )
        if problems:
            raise CrossFieldError(problems)
        return self

    def channel_ids(self) -> set[str]:
        """Every call channel id of any force (``999``, ``101-switchboard``...)."""
        return {c for force in self.forces.values() for c in force.channels}

    @model_validator(mode="after")
    def _calendar_for_seasonality(self) -> Scenario:
        if self.start_date is not None:
            return self
        problems: list[tuple[tuple[str | int, ...], str]] = [
            (
                ("forces", force_id, *where, "seasonality"),
                "needs the calendar; expected start_date (a Monday) in the scenario",
            )
            for force_id, force in self.forces.items()
            for where, demand in [(("channels", c), ch) for c, ch in force.channels.items()]
            + ([(("online",), force.online)] if force.online is not None else [])
            if demand.seasonality is not None
        ]
        if problems:
            raise CrossFieldError(problems)
        return self

    @model_validator(mode="after")
    def _affordable(self) -> Scenario:
        # After the structure is known to be sound: the estimate reads every channel.
        problems = cost_problems(self)
        if problems:
            raise CrossFieldError(problems)
        return self

    def _channel_refs(self) -> set[str]:
        refs = {f"{f}/{c}" for f, force in self.forces.items() for c in force.channels}
        if len(self.forces) == 1:
            refs |= {c for force in self.forces.values() for c in force.channels}
        return refs

    def resolve_channel_ref(self, ref: str) -> str | None:
        """``FORCE/CHANNEL`` for a pool's ``serves`` entry, or None if it names nothing."""
        if "/" in ref:
            force_id, _, channel = ref.partition("/")
            force = self.forces.get(force_id)
            return ref if force is not None and channel in force.channels else None
        if len(self.forces) == 1:
            force_id, force = next(iter(self.forces.items()))
            return f"{force_id}/{ref}" if ref in force.channels else None
        return None

    @property
    def horizon_s(self) -> float:
        """Length of the measured period, seconds."""
        return self.days * SECONDS_PER_DAY

    @property
    def warmup_s(self) -> float:
        """Length of the warm-up before time 0, seconds."""
        return self.warmup_days * SECONDS_PER_DAY
