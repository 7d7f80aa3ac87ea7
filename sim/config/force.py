"""A police force: its channels, online reports, areas, and the teams its incidents need."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, model_validator

from sim.config.base import CrossFieldError, FrozenModel, Identifier
from sim.config.demand import DEFAULT_ANSWER_TARGET_S, Channel, OnlineChannel
from sim.config.messages import describe_input
from sim.config.reactions import reaction_problems
from sim.config.response import (
    DEFAULT_GRADE1_TARGET_MIN,
    DEFAULT_GRADE2_TARGET_MIN,
    Appointments,
    Area,
    ResolutionTeam,
    ResponsePolicy,
)


class Force(FrozenModel):
    """A police force: its call channels, online reports, areas and response teams.

    Only ``channels`` is required: a scenario of the contact centre alone needs
    no areas. Each kind of incident the grading can create needs the part of the
    force that deals with it (areas and ``response`` for grades 1 and 2,
    ``appointments`` for scheduled, ``resolution`` for telephone resolution).
    """

    name: str = Field(default="", max_length=120)
    channels: Annotated[dict[Literal["999", "101"], Channel], Field(min_length=1)]
    online: OnlineChannel | None = None
    areas: dict[Identifier, Area] = Field(default_factory=dict)
    response: ResponsePolicy | None = None
    appointments: Appointments | None = None
    resolution: ResolutionTeam | None = None

    @model_validator(mode="before")
    @classmethod
    def _defaults(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        data = dict(data)
        if isinstance(data.get("channels"), dict):
            channels = {}
            for key, channel in data["channels"].items():
                if isinstance(channel, dict) and channel.get("answer_target_s") is None:
                    target = DEFAULT_ANSWER_TARGET_S.get(str(key))
                    channel = {**channel, "answer_target_s": target}
                channels[key] = channel
            data["channels"] = channels
        if isinstance(data.get("areas"), dict):
            areas = {}
            for key, area in data["areas"].items():
                if (
                    isinstance(area, dict)
                    and area.get("kind") is None
                    and key in ("urban", "rural")
                ):
                    area = {**area, "kind": key}
                areas[key] = area
            data["areas"] = areas
        return data

    @model_validator(mode="after")
    def _parts_for_each_grade(self) -> Force:
        problems: list[tuple[tuple[str | int, ...], str]] = []
        grades: dict[str, str] = {}
        for channel_id, channel in self.channels.items():
            for grade in channel.grading.deploys():
                grades.setdefault(grade, f"channels.{channel_id}.grading.{grade}")
            if channel.displaced_grading is not None:
                for grade in channel.displaced_grading.deploys():
                    grades.setdefault(grade, f"channels.{channel_id}.displaced_grading.{grade}")
        if self.online is not None:
            for grade in self.online.grading.deploys():
                grades.setdefault(grade, f"online.grading.{grade}")
        if self.resolution is not None and self.resolution.escalation.grade2 > 0:
            grades.setdefault("grade2", "resolution.escalation.grade2")
        if self.resolution is not None and self.resolution.escalation.scheduled > 0:
            grades.setdefault("scheduled", "resolution.escalation.scheduled")
        if {"grade1", "grade2"} & grades.keys():
            where = grades.get("grade1") or grades["grade2"]
            if not self.areas:
                problems.append(
                    (
                        ("areas",),
                        f"missing; {where} sends incidents to response units, "
                        "so the force needs areas with units",
                    )
                )
            if self.response is None:
                problems.append(
                    (
                        ("response",),
                        f"missing; {where} needs on-scene times "
                        "(response.on_scene.grade1 and grade2)",
                    )
                )
        if "scheduled" in grades and self.appointments is None:
            problems.append(
                (
                    ("appointments",),
                    f"missing; {grades['scheduled']} books appointments, so the force "
                    "needs schedule cars",
                )
            )
        if "scheduled" in grades and self.appointments is not None and self.appointments.cars == 0:
            # The diary would have no slot to book: every replication would fail.
            problems.append(
                (
                    ("appointments", "cars"),
                    f"is 0, but {grades['scheduled']} books appointments; expected at least "
                    "1 schedule car, or no scheduled share",
                )
            )
        if "resolution" in grades and self.resolution is None:
            problems.append(
                (
                    ("resolution",),
                    f"missing; {grades['resolution']} sends incidents to a telephone "
                    "resolution team",
                )
            )
        if self.areas:
            total = sum(area.share for area in self.areas.values())
            if abs(total - 1) > 1e-6:
                problems.append(
                    (
                        ("areas",),
                        f"shares add up to {total:.4g}; expected 1 "
                        "(each area's share of the force's incidents)",
                    )
                )
        for area_id, area in self.areas.items():
            if area.kind is None and area.grade1_target_min is None:
                problems.append(
                    (
                        ("areas", area_id, "kind"),
                        "missing; expected urban or rural (it sets the grade 1 target), "
                        "or give grade1_target_min",
                    )
                )
            for i, neighbour in enumerate(area.neighbours):
                if "/" in neighbour:
                    continue  # another force's area: checked by the scenario
                if neighbour == area_id or neighbour not in self.areas:
                    known = ", ".join(a for a in self.areas if a != area_id) or "none"
                    problems.append(
                        (
                            ("areas", area_id, "neighbours", i),
                            f"{describe_input(neighbour)} is not another area of this "
                            f"force; expected one of: {known}",
                        )
                    )
        problems += reaction_problems(self.channels, self.online is not None)
        if problems:
            raise CrossFieldError(problems)
        return self

    def target_s(self, channel: str) -> float:
        """Answer target of a channel, seconds."""
        target = self.channels[channel].answer_target_s  # type: ignore[index]
        return DEFAULT_ANSWER_TARGET_S[channel] if target is None else target

    def grade1_target_min(self, area_id: str) -> float:
        """Grade 1 attendance target of an area, minutes."""
        area = self.areas[area_id]
        if area.grade1_target_min is not None:
            return area.grade1_target_min
        return DEFAULT_GRADE1_TARGET_MIN[area.kind or "urban"]

    def grade2_target_min(self) -> float:
        """Grade 2 attendance target, minutes."""
        return self.response.grade2_target_min if self.response else DEFAULT_GRADE2_TARGET_MIN
