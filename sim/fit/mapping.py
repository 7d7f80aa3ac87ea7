"""The ``--columns`` mapping file: how a force's export names map onto ours.

A force's CAD and telephony exports name their columns, write their
timestamps and code their priorities and channels in their own way. The
mapping file says, per export, which of their columns is which of ours, the
``strftime`` codes of their timestamps, and which of their codes is which of
our grades and channels. It is checked like a scenario: every problem names
the file and the field path.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal, get_args

from pydantic import AfterValidator, Field, ValidationError

from sim.config import FrozenModel, problems_from_validation, read_yaml_file
from sim.errors import InputError

IncidentColumn = Literal[
    "created", "priority", "dispatched", "arrived", "cleared", "area", "channel", "call_id", "unit"
]
CallColumn = Literal[
    "arrival", "answered", "ended", "channel", "abandoned", "handler_id", "call_id"
]
OurGrade = Literal["grade1", "grade2", "scheduled", "resolution", "no_deployment"]
OurChannel = Literal["999", "101", "online"]
#: Our incident grades, the codes an export's priorities map onto.
GRADES: tuple[str, ...] = get_args(OurGrade)
#: Our telephone channels (an online report is not a call).
TELEPHONE_CHANNELS = ("999", "101")
#: A column name or code in the force's export: text, as in the CSV header or cell.
TheirName = Annotated[str, Field(min_length=1, max_length=200)]


def _has_directive(value: str | None) -> str | None:
    """Reject a timestamp format with no ``%`` codes (a pattern such as ``dd/mm/yyyy``)."""
    if value is not None and "%" not in value:
        raise ValueError(
            "expected strftime codes such as '%d/%m/%Y %H:%M:%S' (leave it out to read "
            "ISO 8601 and most common forms)"
        )
    return value


TimestampFormat = Annotated[str | None, AfterValidator(_has_directive)]


class _MappingSection(FrozenModel):
    """What both sections of a mapping file have."""

    timestamp_format: TimestampFormat = Field(
        default=None, description="strftime codes of the file's timestamps; None: guessed"
    )


class IncidentMapping(_MappingSection):
    """How a CAD export's columns, timestamps and priority codes map onto ours."""

    columns: dict[IncidentColumn, TheirName] = Field(
        default_factory=dict, description="our column name: the export's column name"
    )
    priorities: dict[TheirName, OurGrade] = Field(
        default_factory=dict, description="the export's priority code: our grade"
    )
    channels: dict[TheirName, OurChannel] = Field(
        default_factory=dict, description="the export's source code: 999, 101 or online"
    )


class CallMapping(_MappingSection):
    """How a telephony export's columns, timestamps and channel codes map onto ours."""

    columns: dict[CallColumn, TheirName] = Field(
        default_factory=dict, description="our column name: the export's column name"
    )
    channels: dict[TheirName, Literal["999", "101"]] = Field(
        default_factory=dict, description="the export's channel code (queue, DDI): 999 or 101"
    )


class ColumnMappingFile(FrozenModel):
    """A ``--columns`` mapping file: optional ``incidents:`` and ``calls:`` sections."""

    incidents: IncidentMapping = IncidentMapping()
    calls: CallMapping = CallMapping()


def read_mapping(path: str | Path | None) -> ColumnMappingFile:
    """Read and check a ``--columns`` mapping YAML file.

    Each of the optional ``incidents:`` and ``calls:`` sections may give
    ``columns`` (our name: their column), ``timestamp_format`` (``strftime``
    codes), ``channels`` (their code: ``999``, ``101``; incidents also
    ``online``) and, for incidents, ``priorities`` (their code: our grade).

    Raises
    ------
    InputError
        Naming the file and field path of every problem (an unknown key, a
        grade or channel we do not have, a format with no ``%`` codes).
    """
    if path is None:
        mapping = ColumnMappingFile()
    else:
        raw = read_yaml_file(path)
        if raw is None:
            raw = {}
        try:
            mapping = ColumnMappingFile.model_validate(raw)
        except ValidationError as exc:
            raise InputError(problems_from_validation(exc, str(path), raw)) from None
    return mapping
