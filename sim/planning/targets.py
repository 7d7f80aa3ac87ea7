"""Service targets: ``metric:segment[:stat]<=|>=value``, checked against the metric catalogue.

Targets are written ``metric:segment[:stat]<=|>=value``, e.g.
``answered_within_target:999>=90`` (% of offered calls answered within the
channel's answer target) or ``answer_time:101:p90<=120`` (seconds). What each
metric's unit, statistics, direction and range are comes from
:mod:`sim.catalogue`; which metrics a target may name depends on what is
staffed (:data:`HANDLER_METRICS`, :data:`UNIT_METRICS`).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from sim.catalogue import HIGHER, METRICS, MetricDef
from sim.errors import InputError, Problem

#: Metrics a handler-pool target may name.
HANDLER_METRICS: Mapping[str, MetricDef] = MappingProxyType(
    {name: METRICS[name] for name in ("answered_within_target", "abandoned", "answer_time")}
)
#: Metrics an area target may name (times in minutes).
UNIT_METRICS: Mapping[str, MetricDef] = MappingProxyType(
    {
        name: METRICS[name]
        for name in ("attended_within_target", "attendance_time", "dispatch_delay")
    }
)


_TARGET = re.compile(
    r"^\s*(?P<metric>[A-Za-z0-9_]+)\s*:\s*(?P<segment>[^:<>=\s]+)\s*"
    r"(?::\s*(?P<stat>[A-Za-z0-9_]+)\s*)?(?P<op><=|>=)\s*(?P<value>\S+)\s*$"
)


TARGET_FORM = "metric:segment[:stat]<=value or >=value, e.g. 'answered_within_target:999>=90'"


@dataclass(frozen=True)
class Target:
    """One service target: ``metric`` of ``segment`` (statistic ``stat``) ``op`` ``value``.

    ``value`` is in the metric's unit: % for ``answered_within_target`` and
    ``abandoned``, seconds for ``answer_time``.
    """

    metric: str
    segment: str
    stat: str
    op: str
    value: float
    unit: str

    def __str__(self) -> str:
        stat = "" if self.stat == "value" else f":{self.stat}"
        return f"{self.metric}:{self.segment}{stat}{self.op}{self.value:g}"

    def met(self, figure: float) -> bool:
        """Whether a figure meets the target (NaN -- no calls -- counts as met)."""
        if math.isnan(figure):
            return True
        return figure >= self.value if self.op == ">=" else figure <= self.value


def parse_target(text: str, metrics: Mapping[str, MetricDef] = HANDLER_METRICS) -> Target:
    """Parse ``metric:segment[:stat]<=|>=value``.

    Parameters
    ----------
    text
        The target as typed after ``--target``.
    metrics
        The metrics allowed here (catalogue entries by name).

    Raises
    ------
    InputError
        Naming ``--target``, the text, what is wrong and what is expected.
    """

    def bad(message: str) -> InputError:
        return InputError([Problem("--target", repr(text), message)])

    match = _TARGET.match(text)
    if match is None:
        raise bad(f"cannot read this target; expected {TARGET_FORM}")
    metric, segment, stat, op = (match[g] for g in ("metric", "segment", "stat", "op"))
    spec = metrics.get(metric)
    if spec is None:
        raise bad(f"unknown metric '{metric}'; expected one of {', '.join(metrics)}")
    stat = stat or spec.default_stat
    if stat not in spec.stats:
        raise bad(f"{metric} has no statistic '{stat}'; expected one of {', '.join(spec.stats)}")
    if op != spec.direction:
        better = "higher" if spec.direction == HIGHER else "lower"
        raise bad(f"{metric} is better {better}, so the target must use {spec.direction}")
    try:
        value = float(match["value"])
    except ValueError:
        raise bad(f"'{match['value']}' is not a number; expected a value in {spec.unit}") from None
    if not (math.isfinite(value) and spec.in_range(value)):
        low = "from" if spec.low_inclusive else "above"
        raise bad(
            f"value {match['value']} is out of range; expected {low} {spec.low:g} "
            f"to {spec.high:g} {spec.unit}"
        )
    return Target(metric, segment, stat, op, value, spec.unit)
