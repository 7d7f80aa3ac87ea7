"""Sampling for the callers' choices: call-backs and reactions to waiting, per queue.

Built only for a scenario whose channels have a ``callback`` or ``reaction``
block (:func:`caller_choices` returns ``None`` otherwise, and the contact
centre runs exactly as without them). Every draw comes from a stream of its
own, named ``choice/KIND/FORCE/CHANNEL``, so turning a mechanism on shifts no
other draw. A first attempt's decisions use its own uniform (an array
indexed by call id, drawn up front), so two scenarios that differ only in a
threshold make the same decision for the same caller (common random
numbers); redials and switched calls draw theirs one at a time.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

import numpy as np

from sim.config import OnlineChannel, Scenario
from sim.config.reactions import SwitchCurve, VirtualHold
from sim.model.choice_records import ReactionReason
from sim.model.incidents import IncidentFactory, RedialAttributes
from sim.model.records import NO_GRADE, IncidentSource
from sim.model.sampling import SampledCalls, _redial_grade
from sim.model.streams import Streams, buffered_durations, buffered_uniforms

#: The occasions a caller decides on.
DECISIONS = (ReactionReason.ABANDONED, ReactionReason.ANNOUNCED)


class CallUniforms:
    """One uniform per call: a first attempt's from an array drawn up front, others one by one."""

    def __init__(self, generator: np.random.Generator, first_attempts: int):
        self._first = generator.random(first_attempts).tolist()
        self._more = buffered_uniforms(generator)

    def __call__(self, call: int) -> float:
        return self._first[call] if call < len(self._first) else self._more()


@dataclass
class SwitchedCalls:
    """The 999 calls 101 callers switch to: their queue and attribute samplers.

    ``grade`` draws the displaced-demand grade code (``NO_GRADE``: no incident).
    """

    queue: int
    patience: Callable[[], float]
    talk: Callable[[], float]
    wrap: Callable[[], float]
    grade: Callable[[], int]
    grading_delay: Callable[[], float]


@dataclass
class HoldPolicy:
    """Call-backs of one queue (:class:`sim.config.VirtualHold`) with their samplers."""

    config: VirtualHold
    accept: CallUniforms
    answered: Callable[[], float]
    outbound_talk: Callable[[], float]
    retry_delay: Callable[[], float]


@dataclass
class ReactionPolicy:
    """Reactions to waiting of one queue (:class:`sim.config.WaitReaction`) with their samplers.

    ``report_online(call)`` turns the caller's demand into an online report
    (an incident by the force's online grading, or none).
    """

    announce_threshold_s: float | None
    curve: SwitchCurve
    online_probability: float
    #: The uniforms of each kind of decision (a caller may decide twice: on
    #: hearing the wait, then on abandoning), so each is a fresh draw.
    switch_u: dict[ReactionReason, CallUniforms]
    online_u: dict[ReactionReason, CallUniforms]
    switched: SwitchedCalls
    report_online: Callable[[int], None]


@dataclass
class QueueChoices:
    """What callers of one queue may choose; ``mean_handling_s`` feeds the wait estimate."""

    mean_handling_s: float
    hold: HoldPolicy | None
    reaction: ReactionPolicy | None


def caller_choices(
    scenario: Scenario, sampled: SampledCalls, streams: Streams, factory: IncidentFactory
) -> dict[int, QueueChoices] | None:
    """The call-back and reaction policies by queue index (``None``: no queue has any)."""
    choices: dict[int, QueueChoices] = {}
    first_attempts = len(sampled.calls)
    force_index = {force_id: i for i, force_id in enumerate(scenario.forces)}
    queue_of = {(q.force, q.channel): q.index for q in sampled.queues}
    for queue in sampled.queues:
        force = scenario.forces[queue.force]
        channel = force.channels[queue.channel]  # type: ignore[index]
        if channel.callback is None and channel.reaction is None:
            continue

        def stream(kind: str, force_id: str = queue.force, channel_id: str = queue.channel):
            return streams[f"choice/{kind}/{force_id}/{channel_id}"]

        hold = None
        if channel.callback is not None:
            config = channel.callback
            hold = HoldPolicy(
                config=config,
                accept=CallUniforms(stream("accept"), first_attempts),
                answered=buffered_uniforms(stream("no_answer")),
                outbound_talk=buffered_durations(
                    config.outbound_talk or channel.handling, stream("outbound_talk")
                ),
                retry_delay=buffered_durations(config.retry_delay, stream("retry_delay")),
            )
        reaction = None
        if channel.reaction is not None:
            config999 = force.channels["999"]  # type: ignore[index]
            grading = config999.displaced_grading or channel.grading
            switched = SwitchedCalls(
                queue=queue_of[(queue.force, "999")],
                patience=buffered_durations(config999.patience, stream("switched_patience")),
                talk=buffered_durations(config999.handling, stream("switched_handling")),
                wrap=buffered_durations(config999.wrap_up, stream("switched_wrap_up")),
                grade=partial(
                    _redial_grade,
                    np.cumsum(grading.shares()).tolist(),
                    buffered_uniforms(stream("switched_grading")),
                ),
                grading_delay=buffered_durations(
                    config999.grading_delay, stream("switched_grading_delay")
                ),
            )
            reaction = ReactionPolicy(
                announce_threshold_s=channel.reaction.announce_threshold_s,
                curve=channel.reaction.switch_to_999,
                online_probability=channel.reaction.online_probability,
                switch_u={
                    why: CallUniforms(stream(f"switch_{why.label}"), first_attempts)
                    for why in DECISIONS
                },
                online_u={
                    why: CallUniforms(stream(f"online_{why.label}"), first_attempts)
                    for why in DECISIONS
                },
                switched=switched,
                report_online=_online_reporter(
                    factory, force_index[queue.force], force.online, stream
                ),
            )
        mean_handling_s = channel.handling.mean() + channel.wrap_up.mean()
        choices[queue.index] = QueueChoices(mean_handling_s, hold, reaction)
    return choices or None


def _online_reporter(
    factory: IncidentFactory,
    force: int,
    online: OnlineChannel | None,
    stream: Callable[[str], np.random.Generator],
) -> Callable[[int], None]:
    """Creates the incident of a caller who reports online instead (by the online grading)."""
    if online is None:  # validated: only a force with online reports may send callers there
        return lambda _call: None
    grade = partial(
        _redial_grade,
        np.cumsum(online.grading.shares()).tolist(),
        buffered_uniforms(stream("online_grading")),
    )
    attributes = RedialAttributes(factory.forces[force], stream("online_incident"))

    def report(call: int) -> None:
        code = grade()
        if code != NO_GRADE:
            factory.create(force, code, IncidentSource.ONLINE_INSTEAD, call, attributes(code))

    return report
