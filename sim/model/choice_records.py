"""What callers chose: call-backs taken and reactions to waiting, one row per call.

Present in a replication's output (``ReplicationOutput.choices``) only when
some channel has a ``callback`` or ``reaction`` block, so a scenario without
them writes the same records files as before. The columns are added to
``records/calls/`` (:meth:`ChoiceRecords.add_columns`), and the metrics of
:mod:`sim.metrics.choices` are computed from them.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

import numpy as np
import pandas as pd

from sim.model.records import _labels


class Reaction(IntEnum):
    """What a caller did on abandoning or on hearing the expected wait."""

    NONE = 0
    RANG_999 = 1
    ONLINE = 2
    GAVE_UP = 3

    @property
    def label(self) -> str:
        """``none``, ``rang_999``, ``online``, ``gave_up``."""
        return self.name.lower()


class ReactionReason(IntEnum):
    """Why a caller decided: no decision, abandoning, or the expected-wait announcement."""

    NONE = 0
    ABANDONED = 1
    ANNOUNCED = 2

    @property
    def label(self) -> str:
        """``none``, ``abandoned``, ``announced``."""
        return self.name.lower()


class CallbackState(IntEnum):
    """Whether a caller was offered a call-back, and took it."""

    NOT_OFFERED = 0
    DECLINED = 1
    ACCEPTED = 2

    @property
    def label(self) -> str:
        """``not_offered``, ``declined``, ``accepted``."""
        return self.name.lower()


@dataclass(frozen=True, eq=False)
class ChoiceRecords:
    """Per-call columns of the callers' choices, aligned with ``CallRecords``.

    Attributes
    ----------
    hold_queues, reaction_queues
        Indices of the queues (``ReplicationOutput.queues``) with call-backs,
        and with reactions to waiting.
    expected_wait_s
        The ACD estimate of the wait when the caller joined the queue, seconds
        (NaN: answered at once, or a channel without call-backs or reactions).
    announced_wait_s
        The expected wait the caller was told, seconds (NaN: no announcement).
    callback, callback_tries
        :class:`CallbackState` code, and the outbound calls made to the caller.
    reaction, reaction_reason, reaction_wait_s
        :class:`Reaction` and :class:`ReactionReason` codes of the caller's last
        decision, and the wait it was taken at (time waited, or the expected
        wait announced), seconds (NaN: no decision). A caller told the wait who
        stays in line and later abandons decides twice; the first decision is
        then ``none`` at ``announced_wait_s``.
    switched_from
        For a 999 call a 101 caller switched to, the 101 call's id (-1: none).
    """

    hold_queues: tuple[int, ...]
    reaction_queues: tuple[int, ...]
    expected_wait_s: np.ndarray
    announced_wait_s: np.ndarray
    callback: np.ndarray
    callback_tries: np.ndarray
    reaction: np.ndarray
    reaction_reason: np.ndarray
    reaction_wait_s: np.ndarray
    switched_from: np.ndarray

    def add_columns(self, frame: pd.DataFrame) -> None:
        """Add the columns to a ``records/calls/`` frame (one row per call, in call-id order)."""
        frame["expected_wait_s"] = self.expected_wait_s
        frame["announced_wait_s"] = self.announced_wait_s
        frame["callback"] = pd.Categorical(_labels(CallbackState)[self.callback])
        frame["callback_tries"] = self.callback_tries
        frame["reaction"] = pd.Categorical(_labels(Reaction)[self.reaction])
        frame["reaction_reason"] = pd.Categorical(_labels(ReactionReason)[self.reaction_reason])
        frame["reaction_wait_s"] = self.reaction_wait_s
        frame["switched_from"] = self.switched_from
