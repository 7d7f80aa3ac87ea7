"""Callers who answer back: reactions to waiting, and call-backs (virtual hold).

Both are optional blocks of a call channel (in practice 101), off unless given:

- ``reaction`` (:class:`WaitReaction`): a caller who abandons, or who is told an
  expected wait above ``announce_threshold_s``, may ring 999 instead, with a
  probability rising with the wait (a logistic curve in minutes), or report
  online, or give up. A switched 999 call is graded by the 999 channel's
  ``displaced_grading`` (default: the 101 channel's own grading, since it is
  101 demand).
- ``callback`` (:class:`VirtualHold`): when the expected wait exceeds
  ``threshold_s``, a share of callers accept a call-back: they leave the line,
  keep their place, and a handler rings them when their turn comes.

The expected wait is the usual ACD estimate (an automatic call distributor's
announcement): the places ahead of the caller in its queue (callers in line
and call-backs waiting, the caller included) times the channel's mean handling
time (talk plus wrap-up) divided by the handlers on duty in the pools serving
it, seconds. It ignores 999 calls, which are answered first, so it is low when
999 is busy -- as a real announcement is.

Sources and assumptions. The inspectorate (HMICFRS) has linked rising 999
volumes to a lack of confidence in 101, and forces offer 101 call-backs, but
no source we hold publishes the probabilities, so every figure here is an
assumption a force states in its scenario. The default switch curve is a
cautious assumption: a switch to 999 unlikely at a short wait (intercept -3:
5% at 0 min) that rises by 0.1 on the log-odds per minute (27% at 20 min, 50%
at 30 min).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Annotated

from pydantic import Field

from sim.config.base import FrozenModel, NotBool, PositiveSeconds, Probability, Seconds
from sim.config.durations import ConstantTime, Duration

if TYPE_CHECKING:
    from sim.config.demand import Channel

#: The channel a reacting caller switches to.
SWITCH_CHANNEL = "999"


class SwitchCurve(FrozenModel):
    """The probability that a reacting caller rings 999: a logistic in the wait, minutes.

    ``p(w) = 1 / (1 + exp(-(intercept + slope_per_min * w)))`` for a wait of
    ``w`` minutes (time waited for an abandoning caller, the announced expected
    wait for one who hears it).
    """

    intercept: Annotated[float, Field(ge=-20, le=20, allow_inf_nan=False), NotBool] = -3.0
    slope_per_min: Annotated[float, Field(ge=0, le=10, allow_inf_nan=False), NotBool] = 0.1

    def probability(self, wait_s: float) -> float:
        """The switch probability at a wait of ``wait_s`` seconds."""
        return 1.0 / (1.0 + math.exp(-(self.intercept + self.slope_per_min * wait_s / 60.0)))


class WaitReaction(FrozenModel):
    """What a 101 caller does on abandoning, or on hearing a long expected wait.

    A reacting caller rings 999 with the :class:`SwitchCurve` probability;
    otherwise reports online with ``online_probability``; otherwise gives up
    (an abandoning caller), or stays in line (one who heard the announcement).
    A caller who will redial 101 (``redial``) redials instead of reacting.
    """

    announce_threshold_s: Seconds | None = Field(
        default=None,
        description="Expected wait (s) above which callers are told it; null: no announcement.",
    )
    switch_to_999: SwitchCurve = SwitchCurve()
    online_probability: Probability = Field(
        default=0.0, description="Share of reacting callers not ringing 999 who report online."
    )


class VirtualHold(FrozenModel):
    """Call-backs: callers facing a long wait keep their place without holding a line.

    An outbound call that is answered takes ``outbound_talk`` (plus the
    channel's wrap-up) and is then graded as the call would have been; one that
    is not answered (``no_answer_probability``) takes ``ring_s`` of a handler's
    time and is tried again after ``retry_delay`` at the head of the queue (it
    keeps its place), up to ``max_tries`` in all.
    """

    threshold_s: Seconds = Field(
        description="Expected wait (s) above which a call-back is offered."
    )
    accept_probability: Probability = Field(
        default=0.5,
        description="Share of callers offered a call-back who accept it; 0.5 is an "
        "assumption (no published take-up figure), a round middle value.",
    )
    outbound_talk: Duration | None = Field(
        default=None,
        description="Talk time of an answered call-back (s); null: the channel's handling.",
    )
    no_answer_probability: Probability = 0.1
    ring_s: PositiveSeconds = Field(
        default=30.0, description="Handler time spent on a call-back nobody answers (s)."
    )
    max_tries: Annotated[int, Field(ge=1, le=10), NotBool] = 3
    retry_delay: Duration = Field(
        default=ConstantTime(distribution="constant", value_s=900.0),
        description="Time from an unanswered call-back to the next try (s).",
    )


def reaction_problems(
    channels: Mapping[str, Channel], has_online: bool
) -> list[tuple[tuple[str | int, ...], str]]:
    """What a force's channels ask of reactions and call-backs that the force lacks.

    A reaction rings 999, so it needs a 999 channel and may not be on it; a
    reaction that reports online needs the force's ``online`` channel.
    """
    problems: list[tuple[tuple[str | int, ...], str]] = []
    for channel_id, channel in channels.items():
        reaction = channel.reaction
        if reaction is None:
            continue
        where = ("channels", channel_id, "reaction")
        if channel_id == SWITCH_CHANNEL:
            problems.append((where, "is set on the 999 channel; expected it on 101 only"))
        elif SWITCH_CHANNEL not in channels:
            problems.append((where, "switches callers to 999, but the force has no 999 channel"))
        if reaction.online_probability > 0 and not has_online:
            problems.append(
                (
                    (*where, "online_probability"),
                    f"is {reaction.online_probability:g}, but the force has no online channel; "
                    "expected 0, or an online: block",
                )
            )
    return problems
