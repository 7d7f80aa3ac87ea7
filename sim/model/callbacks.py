"""The contact centre with callers who choose: call-backs (virtual hold) and reactions.

:class:`ReactiveCentre` is :class:`sim.model.contact.ContactCentre` for
queues with a ``callback`` or ``reaction`` block; a scenario without them
runs the plain centre, untouched. For such a queue:

- When a caller must queue, the expected wait is estimated the way an ACD
  announces it: (places ahead + 1) x the channel's mean handling time (talk
  plus wrap-up) / handlers on duty in the pools serving the queue, seconds.
  Places ahead are the callers still in line (patience not yet run out) and
  the call-backs still owed in that queue; 999 calls answered first are not
  counted.
- Above the call-back threshold the caller is offered a call-back and takes
  it with its probability: the caller hangs up (frees the line: no patience
  runs out) but keeps the place in the queue. When a handler reaches that
  place it rings the caller: answered (talk from ``outbound_talk``, then the
  call is graded like any answered call), or not answered, when the handler is
  busy ``ring_s`` and the call-back rejoins the head of its queue after the
  retry delay, up to ``max_tries``.
- A caller who declines, or is offered none, and hears an expected wait above
  the announcement threshold reacts: rings 999 (logistic in the wait, minutes),
  else reports online, else stays in line. A caller whose patience runs out
  and who will not redial 101 reacts the same way, at the time waited, and
  gives up if neither.

Outcomes: answered (inbound, by a handler), called back, unreached (a
call-back never answered), abandoned, left (on the announcement), or waiting
at the end; so offered = answered + called back + unreached + abandoned + left
+ waiting, and answer times never include a call-back.
"""

from __future__ import annotations

import math
from dataclasses import replace
from heapq import heappop, heappush

import numpy as np

from sim.model.call_table import NOT_ANSWERED
from sim.model.choice_records import CallbackState, ChoiceRecords, Reaction, ReactionReason
from sim.model.contact import CallQueue, ContactCentre, PoolState
from sim.model.events import Callback
from sim.model.reactions import QueueChoices
from sim.model.records import CallOutcome, CallRecords


class ReactiveCentre(ContactCentre):
    """A contact centre whose callers may take call-backs or react to waiting.

    Parameters
    ----------
    *args, **kwargs
        As :class:`sim.model.contact.ContactCentre`.
    choices
        What the callers of each queue may choose, by queue index
        (:func:`sim.model.reactions.caller_choices`).
    """

    def __init__(self, *args: object, choices: dict[int, QueueChoices], **kwargs: object):
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.choices = choices
        # Callers in line per queue, and a heap of (deadline, call) to drop those
        # whose patience ran out: the live count the wait estimate needs.
        self._line: dict[int, set[int]] = {q: set() for q in choices}
        self._line_deadlines: dict[int, list[tuple[float, int]]] = {q: [] for q in choices}
        #: Call-backs owed: call -> outbound tries made so far.
        self.owed: dict[int, int] = {}
        self._owed_in: dict[int, int] = dict.fromkeys(choices, 0)
        self.outcome: dict[int, CallOutcome] = {}
        self.expected_wait: dict[int, float] = {}
        self.callback_state: dict[int, CallbackState] = {}
        self.tries: dict[int, int] = {}
        self.reaction: dict[int, tuple[ReactionReason, Reaction, float]] = {}
        #: The expected wait each caller was told, seconds.
        self.announced: dict[int, float] = {}
        #: Unanswered outbound calls: (pool index, start, end), seconds.
        self.unanswered: list[tuple[int, float, float]] = []
        self._patience: dict[int, float] = {}

    # ----------------------------------------------------------------- joining the queue

    def expected_wait_s(self, queue: CallQueue) -> float:
        """The ACD estimate of a new caller's wait in ``queue``, seconds (inf: nobody on duty)."""
        index = queue.index
        now = self.env._now
        line, deadlines = self._line[index], self._line_deadlines[index]
        while deadlines and deadlines[0][0] <= now:
            line.discard(heappop(deadlines)[1])
        on_duty = sum(pool.available for pool in queue.pools)
        if on_duty <= 0:
            return math.inf
        ahead = len(line) + self._owed_in[index]
        return (ahead + 1) * self.choices[index].mean_handling_s / on_duty

    def _queue_call(self, call: int, queue: CallQueue) -> None:
        choices = self.choices.get(queue.index)
        if choices is None:
            super()._queue_call(call, queue)
            return
        calls = self.calls
        wait_s = self.expected_wait_s(queue)
        self.expected_wait[call] = wait_s
        hold = choices.hold
        if hold is not None and wait_s > hold.config.threshold_s:
            if hold.accept(call) < hold.config.accept_probability:
                self.callback_state[call] = CallbackState.ACCEPTED
                self._patience[call] = calls.deadline[call] - calls.arrival[call]
                calls.deadline[call] = math.inf  # off the line: no patience runs out
                self.owed[call] = 0
                self._owed_in[queue.index] += 1
                queue.waiting.append(call)
                for pool in queue.pools:
                    self._wake_when_free(pool)
                return
            self.callback_state[call] = CallbackState.DECLINED
        reaction = choices.reaction
        if (
            reaction is not None
            and reaction.announce_threshold_s is not None
            and wait_s > reaction.announce_threshold_s
        ):
            self.announced[call] = wait_s
            if self._react(call, choices, wait_s, ReactionReason.ANNOUNCED) != Reaction.NONE:
                self.outcome[call] = CallOutcome.LEFT
                return
        self._line[queue.index].add(call)
        heappush(self._line_deadlines[queue.index], (calls.deadline[call], call))
        queue.waiting.append(call)
        for pool in queue.pools:
            self._wake_when_free(pool)
        if calls.may_redial[call] or reaction is not None:
            self._schedule(calls.deadline[call], call, self._on_patience_end)

    # ----------------------------------------------------------------- answering

    def _answer(self, call: int, pool: PoolState) -> None:
        if call in self.owed:
            self._call_back(call, pool)
            return
        line = self._line.get(self.calls.queue[call])
        if line is not None:
            line.discard(call)
        super()._answer(call, pool)

    def _call_back(self, call: int, pool: PoolState) -> None:
        """A handler reaches a call-back's place in the queue and rings the caller."""
        hold = self.choices[self.calls.queue[call]].hold
        assert hold is not None, "only call-backs are owed"
        tries = self.owed[call] + 1
        now = self.env._now
        if hold.answered() >= hold.config.no_answer_probability:
            self._settle(call, tries, CallOutcome.CALLED_BACK)
            self.calls.talk[call] = hold.outbound_talk()
            super()._answer(call, pool)
            return
        # Nobody answers: the handler is busy ringing, then free (an event only if
        # callers are waiting then, as for any call's end).
        end = now + hold.config.ring_s
        heappush(pool.finishing, end)
        self.unanswered.append((pool.index, now, end))
        if tries >= hold.config.max_tries:
            self._settle(call, tries, CallOutcome.UNREACHED)
            return
        self.owed[call] = tries
        self._schedule(end + hold.retry_delay(), call, self._on_retry)

    def _settle(self, call: int, tries: int, outcome: CallOutcome) -> None:
        del self.owed[call]
        self._owed_in[self.calls.queue[call]] -= 1
        self.tries[call] = tries
        self.outcome[call] = outcome

    def _on_retry(self, event: Callback) -> None:
        """A call-back not answered is due again: back to the head of its queue (its place)."""
        call = event._value
        queue = self.queues[self.calls.queue[call]]
        queue.waiting.appendleft(call)
        for pool in queue.pools:
            self._serve_waiting(pool)

    # ----------------------------------------------------------------- reacting

    def _on_patience_end(self, event: Callback) -> None:
        call = event._value
        calls = self.calls
        choices = self.choices.get(calls.queue[call])
        if choices is None or choices.reaction is None or calls.may_redial[call]:
            super()._on_patience_end(event)
            return
        if calls.served_by[call] != NOT_ANSWERED:
            return
        self._line[calls.queue[call]].discard(call)
        self._react(call, choices, self.env._now - calls.arrival[call], ReactionReason.ABANDONED)

    def _react(
        self, call: int, choices: QueueChoices, wait_s: float, reason: ReactionReason
    ) -> Reaction:
        """The caller decides at a wait of ``wait_s`` seconds: 999, online, or neither."""
        reaction = choices.reaction
        assert reaction is not None
        if reaction.switch_u[reason](call) < reaction.curve.probability(wait_s):
            choice = Reaction.RANG_999
            self._ring_999(call, choices)
        elif reaction.online_u[reason](call) < reaction.online_probability:
            choice = Reaction.ONLINE
            reaction.report_online(call)
        else:
            choice = Reaction.GAVE_UP if reason == ReactionReason.ABANDONED else Reaction.NONE
        self.reaction[call] = (reason, choice, wait_s)
        return choice

    def _ring_999(self, call: int, choices: QueueChoices) -> None:
        """The caller rings 999 now: a new call, graded as displaced 101 demand."""
        assert choices.reaction is not None
        switched = choices.reaction.switched
        calls = self.calls
        new = calls.append(
            arrival=self.env._now,
            patience=switched.patience(),
            talk=switched.talk(),
            wrap=switched.wrap(),
            queue=switched.queue,
            attempt=calls.attempt[call] + 1,
            caller=calls.caller[call],
            may_redial=False,
            grade=switched.grade(),
            grading_delay=switched.grading_delay(),
        )
        calls.switched_from[new] = call
        self.offer(new)

    # ----------------------------------------------------------------- at the end

    def _handler_busy(self, records: CallRecords) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        answered, handled, served_by = super()._handler_busy(records)
        if not self.unanswered:
            return answered, handled, served_by
        pool, start, end = (np.asarray(column) for column in zip(*self.unanswered, strict=True))
        return (
            np.concatenate([answered, start.astype(float)]),
            np.concatenate([handled, end.astype(float)]),
            np.concatenate([served_by, pool.astype(np.int64)]),
        )

    def settle_records(self, records: CallRecords) -> tuple[CallRecords, ChoiceRecords]:
        """The run's call records with the callers' choices applied, and the choice columns.

        Outcomes become called back, unreached, left, or waiting (a call-back
        still owed at the end); a call-back's patience is the one it was
        sampled with.
        """
        n = len(records)
        outcome = records.outcome.copy()
        for call, code in self.outcome.items():
            outcome[call] = code
        for call in self.owed:
            outcome[call] = CallOutcome.WAITING
        patience = records.patience_s.copy()
        for call, value in self._patience.items():
            patience[call] = value
        records = replace(records, outcome=outcome, patience_s=patience)
        expected = np.full(n, np.nan)
        _fill(expected, self.expected_wait)
        announced = np.full(n, np.nan)
        _fill(announced, self.announced)
        callback = np.zeros(n, dtype=np.int8)
        _fill(callback, self.callback_state)
        tries = np.zeros(n, dtype=np.int64)
        _fill(tries, self.tries)
        _fill(tries, self.owed)
        reaction = np.zeros(n, dtype=np.int8)
        reason = np.zeros(n, dtype=np.int8)
        reaction_wait = np.full(n, np.nan)
        for call, (why, choice, wait_s) in self.reaction.items():
            reason[call], reaction[call], reaction_wait[call] = why, choice, wait_s
        switched_from = np.full(n, -1, dtype=np.int64)
        _fill(switched_from, self.calls.switched_from)
        return records, ChoiceRecords(
            hold_queues=tuple(q for q, c in self.choices.items() if c.hold is not None),
            reaction_queues=tuple(q for q, c in self.choices.items() if c.reaction is not None),
            expected_wait_s=expected,
            announced_wait_s=announced,
            callback=callback,
            callback_tries=tries,
            reaction=reaction,
            reaction_reason=reason,
            reaction_wait_s=reaction_wait,
            switched_from=switched_from,
        )


def _fill(column: np.ndarray, by_call: dict[int, float] | dict[int, int]) -> None:
    if by_call:
        column[np.fromiter(by_call, dtype=np.int64)] = list(by_call.values())
