"""What the numbers in the records' code arrays mean: outcomes, grades, sources.

Codes are :class:`enum.IntEnum` s, so a reader compares
``calls.outcome == CallOutcome.ANSWERED``, never a bare number; the numbers
themselves (0, 1, 2 ...) are what the arrays of :mod:`sim.model.records` hold,
and the members' labels are what the records files store.
"""

from __future__ import annotations

from enum import IntEnum

import numpy as np


class CallOutcome(IntEnum):
    """How a call attempt ended (``CallRecords.outcome``)."""

    ANSWERED = 0
    ABANDONED = 1
    #: Still queuing (or owed a call-back) when the run (measured period plus drain) ended.
    WAITING = 2
    #: Took a call-back (virtual hold) and was rung back and answered.
    CALLED_BACK = 3
    #: Took a call-back but answered none of the tries.
    UNREACHED = 4
    #: Left on hearing the expected wait (rang 999 or went online instead).
    LEFT = 5

    @property
    def label(self) -> str:
        """The name written to the records files: ``answered``, ``abandoned``, ``waiting``."""
        return self.name.lower()


class Grade(IntEnum):
    """An incident's grade, in the order of a channel's grading shares."""

    GRADE1 = 0
    GRADE2 = 1
    SCHEDULED = 2
    RESOLUTION = 3
    NO_DEPLOYMENT = 4

    @property
    def label(self) -> str:
        """The name used in configs, metric segments and records files (``grade1`` ...)."""
        return self.name.lower()


#: Grade code of a handled call (or online report) that creates no incident, and
#: the escalation code of an incident that is not escalated.
NO_GRADE = -1


class IncidentSource(IntEnum):
    """What created an incident (``IncidentRecords.source``)."""

    CALL = 0
    ONLINE = 1
    #: An online report made by a 101 caller instead of waiting (source_id: the call).
    ONLINE_INSTEAD = 2

    @property
    def label(self) -> str:
        """``call``, ``online`` or ``online_instead``."""
        return self.name.lower()


def _labels(codes: type[CallOutcome] | type[Grade] | type[IncidentSource]) -> np.ndarray:
    """The labels of an enum's members, indexable by code."""
    return np.array([member.label for member in codes], dtype=object)
