"""Records to KPIs for the callers' choices: call-backs and reactions to waiting.

Computed only when the replication has choice records (some channel has a
``callback`` or ``reaction`` block), for the call segments of the queues that
have them (:func:`sim.metrics.kpis.call_segments`); calls count when they
arrived in the measured period, like every contact metric.

Definitions. ``answer_time`` and ``answered_within_target`` (in
:mod:`sim.metrics.kpis`) count inbound answers only: a call-back is never an
answer in zero seconds, and never within target. Its own figure is
``callback_wait``, minutes from the caller's first ring to the handler's
call-back being answered. Callers are conserved: offered = answered + called
back + unreached + abandoned + left + still waiting, by outcome.
"""

from __future__ import annotations

import numpy as np

from sim.metrics.kpis import MetricValue, call_segments, metric_value
from sim.metrics.kpis import _distribution as distribution
from sim.metrics.windows import calls_in_period
from sim.model.choice_records import CallbackState, Reaction
from sim.model.records import CallOutcome, ReplicationOutput
from sim.units import SECONDS_PER_MINUTE


def choice_metrics(output: ReplicationOutput) -> list[MetricValue]:
    """The call-back and reaction KPIs of one replication (none without choice records).

    Per segment with call-backs: ``callbacks_offered``, ``callbacks_accepted``,
    ``callbacks_completed``, ``callbacks_unreached`` (counts) and
    ``callback_wait`` (minutes). Per segment with reactions: ``switched_to_999``,
    ``switched_online`` and ``gave_up`` (counts); per 999 segment,
    ``displaced_101`` (% of its offered calls that are switched 101 callers).
    """
    choices = output.choices
    if choices is None:
        return []
    calls = output.calls
    measured = calls_in_period(output)
    segments = call_segments(output)
    values: list[MetricValue] = []

    def count(metric: str, segment: str, mask: np.ndarray) -> None:
        values.append(metric_value(metric, segment, "count", float(mask.sum())))

    holds = np.isin(calls.queue, choices.hold_queues)
    reacts = np.isin(calls.queue, choices.reaction_queues)
    called_back = calls.outcome == CallOutcome.CALLED_BACK
    offered_callback = choices.callback != CallbackState.NOT_OFFERED
    accepted = choices.callback == CallbackState.ACCEPTED
    wait_min = (calls.answered_s - calls.arrival_s) / SECONDS_PER_MINUTE
    for segment, mask in segments.items():
        mine = mask & measured
        if (mask & holds).any():
            count("callbacks_offered", segment, mine & offered_callback)
            count("callbacks_accepted", segment, mine & accepted)
            count("callbacks_completed", segment, mine & called_back)
            count("callbacks_unreached", segment, mine & (calls.outcome == CallOutcome.UNREACHED))
            values += distribution("callback_wait", segment, wait_min[mine & called_back])
        if (mask & reacts).any():
            count("switched_to_999", segment, mine & (choices.reaction == Reaction.RANG_999))
            count("switched_online", segment, mine & (choices.reaction == Reaction.ONLINE))
            count("gave_up", segment, mine & (choices.reaction == Reaction.GAVE_UP))
    if choices.reaction_queues:
        switched = choices.switched_from >= 0
        for segment, mask in segments.items():
            if segment.rpartition("/")[2] != "999":
                continue
            offered = int((mask & measured).sum())
            share = float((mask & measured & switched).sum()) / offered if offered else np.nan
            values.append(metric_value("displaced_101", segment, "value", 100.0 * share))
    return values
