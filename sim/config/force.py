"""A police force: its channels, online reports, areas, and the teams its incidents need."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field, model_validator

from sim.config.base import CrossFieldError, FrozenModel, Identifier
from sim.config.demand import (
    CHANNEL_PRIORITY,
    DEFAULT_ANSWER_TARGET_S,
    Channel,
    ChannelId,
    OnlineChannel,
)
from sim.config.geography import Geography, area_units_from_stations
from sim.config.mechanisms import MultiUnit, RightCareRightPerson
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
    channels: Annotated[dict[ChannelId, Channel], Field(min_length=1)]
    online: OnlineChannel | None = None
    areas: dict[Identifier, Area] = Field(default_factory=dict)
    response: ResponsePolicy | None = None
    appointments: Appointments | None = None
    resolution: ResolutionTeam | None = None
    rcrp: RightCareRightPerson | None = Field(
        default=None, description="Right Care Right Person: welfare demand referred to partners."
    )
    multi_unit: MultiUnit | None = Field(
        default=None, description="Per grade, the share of incidents needing several units."
    )
    geography: Geography | None = None

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
                if isinstance(channel, dict) and channel.get("priority") is None:
                    channel = {**channel, "priority": CHANNEL_PRIORITY.get(str(key))}
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
        return area_units_from_stations(data)

    @model_validator(mode="after")
    def _channels_say_how_they_rank(self) -> Force:
        # 999 and 101 have national defaults; another channel has none to fall back on.
        problems: list[tuple[tuple[str | int, ...], str]] = []
        for channel_id, channel in self.channels.items():
            if channel.priority is None:
                problems.append(
                    (
                        ("channels", channel_id, "priority"),
                        "missing; a channel other than 999 and 101 must state its priority "
                        "rank (0 is answered first; 999 is 0, 101 is 1; equal ranks are "
                        "answered in order of arrival)",
                    )
                )
            if channel.answer_target_s is None:
                problems.append(
                    (
                        ("channels", channel_id, "answer_target_s"),
                        "missing; a channel other than 999 and 101 has no national answer "
                        "target: state it in seconds",
                    )
                )
        if problems:
            raise CrossFieldError(problems)
        return self

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
        problems += self._beats_in_areas()
        problems += reaction_problems(self.channels, self.online is not None)
        if problems:
            raise CrossFieldError(problems)
        return self

    def _beats_in_areas(self) -> list[tuple[tuple[str | int, ...], str]]:
        """Every beat in an area of the force; every area with a share has a beat."""
        if self.geography is None:
            return []
        problems: list[tuple[tuple[str | int, ...], str]] = []
        known = ", ".join(self.areas) or "none"
        for i, beat in enumerate(self.geography.beats):
            if beat.area not in self.areas:
                problems.append(
                    (("geography", "beats", i, "area"), f"'{beat.area}' is not an area of this "
                     f"force; expected one of: {known}")
                )  # fmt: skip
        for area_id, area in self.areas.items():
            weights = [b.weight for b in self.geography.beats if b.area == area_id]
            if area.share > 0 and not any(w > 0 for w in weights):
                problems.append(
                    (("areas", area_id), "has a share of incidents but no beat with a weight "
                     "above 0 in geography.beats")
                )  # fmt: skip
        if self.multi_unit is not None and any(
            rule.share > 0 for rule in (self.multi_unit.grade1, self.multi_unit.grade2) if rule
        ):
            # The spatial dispatcher sends one unit per job; sending the others by
            # travel time is not built yet, and a silent single unit would mislead.
            problems.append(
                (("multi_unit",), "cannot be combined with geography yet (the spatial "
                 "dispatcher sends one unit per job); remove one of the two blocks")
            )  # fmt: skip
        return problems

    def target_s(self, channel: str) -> float:
        """Answer target of a channel, seconds."""
        target = self.channels[channel].answer_target_s
        return DEFAULT_ANSWER_TARGET_S[channel] if target is None else target

    def priority_of(self, channel: str) -> int:
        """Priority rank of a channel (lower is answered first)."""
        rank = self.channels[channel].priority
        return CHANNEL_PRIORITY[channel] if rank is None else rank

    def grade1_target_min(self, area_id: str) -> float:
        """Grade 1 attendance target of an area, minutes."""
        area = self.areas[area_id]
        if area.grade1_target_min is not None:
            return area.grade1_target_min
        return DEFAULT_GRADE1_TARGET_MIN[area.kind or "urban"]

    def grade2_target_min(self) -> float:
        """Grade 2 attendance target, minutes."""
        return self.response.grade2_target_min if self.response else DEFAULT_GRADE2_TARGET_MIN
