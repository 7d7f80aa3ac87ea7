"""The ``--columns`` mapping file: how a force's export names map onto ours.

A force's CAD and telephony exports name their columns, write their
timestamps and code their priorities and channels in their own way. The
mapping file says, per export, which of their columns is which of ours, the
``strftime`` codes of their timestamps, and which of their codes is which of
our grades and channels. It is checked like a scenario: every problem names
the file and the field path.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from pathlib import Path
from typing import Annotated, Literal, get_args

import pandas as pd
from pydantic import AfterValidator, BeforeValidator, Field, ValidationError, model_validator

from sim.config import (
    CALL_CHANNELS,
    ONLINE,
    ChannelId,
    CrossFieldError,
    FrozenModel,
    Identifier,
    Seconds,
    problems_from_validation,
    read_yaml_file,
)
from sim.errors import InputError, Problem
from sim.files import not_a_regular_file

IncidentColumn = Literal[
    "created",
    "priority",
    "dispatched",
    "arrived",
    "cleared",
    "area",
    "channel",
    "call_id",
    "unit",
    "beat",
    "x",
    "y",
    "origin_beat",
]
CallColumn = Literal[
    "arrival", "answered", "ended", "channel", "abandoned", "handler_id", "call_id", "wrap_end"
]
OurGrade = Literal["grade1", "grade2", "scheduled", "resolution", "no_deployment"]
#: Our channel for an incident's source: a call channel id (``999``, ``101``,
#: ``101-switchboard``), or ``online``.
OurChannel = Identifier
#: Our incident grades, the codes an export's priorities map onto.
GRADES: tuple[str, ...] = get_args(OurGrade)
#: The standard telephone channels, read as themselves without a mapping (an
#: online report is not a call); any other is named by a mapping's ``channels:``.
TELEPHONE_CHANNELS = CALL_CHANNELS
#: A column name or code in the force's export: text, as in the CSV header or cell.
TheirName = Annotated[str, Field(min_length=1, max_length=200)]


#: A moment each format is tried on in the mapping check (every field past 12).
_PROBE = dt.datetime(2024, 11, 19, 13, 45, 56, tzinfo=dt.UTC)


def _works(value: str) -> str:
    """Reject a timestamp format with no ``%`` codes, or one that cannot read what it writes.

    Each format is tried at once, as the fit would use it, so a bad directive
    (``%Q``) is an error in the mapping check, not a crash half-way through a fit.
    """
    if "%" not in value:
        raise ValueError(
            "expected strftime codes such as '%d/%m/%Y %H:%M:%S' (leave it out to read "
            "ISO 8601 and most common forms)"
        )
    try:
        written = _PROBE.strftime(value)
        dt.datetime.strptime(written, value)
        pd.to_datetime(pd.Series([written]), format=value, utc="%z" in value)
    except (ValueError, TypeError) as exc:
        raise ValueError(
            f"cannot be used to read timestamps ({exc}); expected strftime codes such as "
            "'%d/%m/%Y %H:%M:%S'"
        ) from None
    return value


def _one_or_many(value: object) -> object:
    """``timestamp_format: '%d/%m/%Y'`` is a list of one format."""
    return [value] if isinstance(value, str) else value


def _zone(value: str | None) -> str | None:
    """Reject a time zone name the IANA database does not know."""
    if value is not None:
        try:
            zoneinfo.ZoneInfo(value)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                "is not a time zone name; expected an IANA name such as 'Europe/London'"
            ) from None
    return value


TimestampFormats = Annotated[
    list[Annotated[str, AfterValidator(_works)]] | None, BeforeValidator(_one_or_many)
]
#: Their column for one of ours: one name, or a date column and a time column.
TheirColumn = TheirName | Annotated[list[TheirName], Field(min_length=2, max_length=2)]


class _MappingSection(FrozenModel):
    """What both sections of a mapping file have: how their timestamps are written."""

    timestamp_format: TimestampFormats = Field(
        default=None,
        description="strftime codes of the file's timestamps (one, or a list tried in turn); "
        "None: detected",
    )
    dayfirst: bool | None = Field(
        default=None,
        description="01/02/2025 is 1 February (true) or 2 January (false); None: detected, "
        "and an error where every date could be either",
    )
    timezone: Annotated[str | None, AfterValidator(_zone)] = Field(
        default=None,
        description="the force's time zone (IANA name): times with a UTC offset or Z are "
        "converted to it, and local times read in it",
    )


class IncidentMapping(_MappingSection):
    """How a CAD export's columns, timestamps and priority codes map onto ours."""

    columns: dict[IncidentColumn, TheirColumn] = Field(
        default_factory=dict,
        description="our column name: the export's column name (or [date column, time column])",
    )
    priorities: dict[TheirName, OurGrade] = Field(
        default_factory=dict, description="the export's priority code: our grade"
    )
    channels: dict[TheirName, OurChannel] = Field(
        default_factory=dict,
        description="the export's source code: 999, 101, online, or another call channel id",
    )
    coordinates: Literal["metres", "km"] = Field(
        default="metres",
        description="unit of the x and y columns: metres (British National Grid easting and "
        "northing, as most CAD systems export them) or km",
    )
    stations: dict[TheirName, TheirName] = Field(
        default_factory=dict,
        description="callsign prefix: the beat (as the export names it) of the station its "
        "units are based at; used where the export has no origin_beat column",
    )


class CallMapping(_MappingSection):
    """How a telephony export's columns, timestamps and channel codes map onto ours."""

    columns: dict[CallColumn, TheirColumn] = Field(
        default_factory=dict,
        description="our column name: the export's column name (or [date column, time column])",
    )
    channels: dict[TheirName, ChannelId] = Field(
        default_factory=dict,
        description="the export's channel code (queue, DDI): 999, 101, or another channel id",
    )


class ColumnMappingFile(FrozenModel):
    """A ``--columns`` mapping file: optional ``incidents:`` and ``calls:`` sections.

    A code may map to a call channel other than 999 and 101 (a switchboard, a
    crime line): it becomes a channel of the fitted force with its own profile,
    patience and handling. Such a channel has no national defaults, so the
    file gives its rank in ``channel_priorities`` (0 is answered first; 999 is
    0 and 101 is 1 unless given here) and its target in
    ``channel_answer_targets_s``.
    """

    incidents: IncidentMapping = IncidentMapping()
    calls: CallMapping = CallMapping()
    channel_priorities: dict[ChannelId, Annotated[int, Field(ge=0, le=99)]] = Field(
        default_factory=dict,
        description="our channel id: its priority rank (lower is answered first; equal "
        "ranks in order of arrival); required for every channel other than 999 and 101",
    )
    channel_answer_targets_s: dict[ChannelId, Seconds] = Field(
        default_factory=dict,
        description="our channel id: its answer target in seconds; required for every "
        "channel other than 999 and 101",
    )

    @model_validator(mode="after")
    def _new_channels_say_how_they_rank(self) -> ColumnMappingFile:
        mapped: dict[str, str] = {}
        for section in ("calls", "incidents"):
            for code, ours in getattr(self, section).channels.items():
                if ours != ONLINE:
                    mapped.setdefault(ours, f"{section}.channels maps {code!r} to {ours!r}")
        problems: list[tuple[tuple[str | int, ...], str]] = []
        for field, what in (
            ("channel_priorities", "its priority rank (0 is answered first; 999 is 0, 101 is 1)"),
            ("channel_answer_targets_s", "its answer target in seconds"),
        ):
            given = getattr(self, field)
            for ours, where in mapped.items():
                if ours not in CALL_CHANNELS and ours not in given:
                    problems.append(
                        (
                            (field, ours),
                            f"missing; {where}, a channel with no default; expected {what}",
                        )
                    )
            for ours in given:
                if ours not in mapped and ours not in CALL_CHANNELS:
                    known = ", ".join(sorted({*CALL_CHANNELS, *mapped}))
                    problems.append(
                        (
                            (field, ours),
                            f"{ours!r} is not a channel any channels: code maps to; expected "
                            f"one of {known}",
                        )
                    )
        if problems:
            raise CrossFieldError(problems)
        return self

    def channel_settings(self, channel: str) -> dict[str, float | int]:
        """The ``priority`` and ``answer_target_s`` a fitted channel is written with.

        999 and 101 get a ``priority`` only where the file overrides the default,
        and never an answer target unless given (their national defaults apply).
        """
        settings: dict[str, float | int] = {}
        rank = self.channel_priorities.get(channel)
        if rank is not None:
            settings["priority"] = rank
        target = self.channel_answer_targets_s.get(channel)
        if target is not None:
            settings["answer_target_s"] = target
        return settings


def read_mapping(path: str | Path | None) -> ColumnMappingFile:
    """Read and check a ``--columns`` mapping YAML file.

    Each of the optional ``incidents:`` and ``calls:`` sections may give
    ``columns`` (our name: their column), ``timestamp_format`` (``strftime``
    codes), ``channels`` (their code: ``999``, ``101`` or another channel id;
    incidents also ``online``) and, for incidents, ``priorities`` (their code:
    our grade). Top-level ``channel_priorities`` and ``channel_answer_targets_s``
    give each channel other than 999 and 101 its rank and answer target.

    Raises
    ------
    InputError
        Naming the file and field path of every problem (an unknown key, a
        grade we do not have, a channel id that is not valid, a new channel
        with no rank or target, a format with no ``%`` codes).
    """
    if path is None:
        mapping = ColumnMappingFile()
    else:
        why = not_a_regular_file(Path(path))
        if why is not None:
            raise InputError([Problem(str(path), "", f"{why} (the --columns mapping YAML)")])
        raw = read_yaml_file(path)
        if raw is None:
            raw = {}
        try:
            mapping = ColumnMappingFile.model_validate(raw)
        except ValidationError as exc:
            raise InputError(problems_from_validation(exc, str(path), raw)) from None
    return mapping
