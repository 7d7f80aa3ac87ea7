"""The metric catalogue: every metric of ``summary.csv``, named once.

Each :class:`MetricDef` says what one metric is: its unit, the statistics it
has, whether higher or lower is better, the range a target on it may take,
a short label for a table column, a phrase for a sentence of the panel
report, and the national standard (DESIGN §6) it is judged against when the
scenario sets none. The planning layer reads it to check ``--target`` text, the
report to label, phrase and judge figures, the app to name table columns.

Segments (DESIGN §3) are separated by ``/``; in multi-force results the force
id comes first (``tvp/999``). :func:`split_force` takes the force off, and the
defaults and words below are keyed by the rest (``999``, ``grade1/urban``).

Sources of the national standards: 999 calls, 90% answered within 10 s;
attendance, grade 1 within 15 min urban and 20 min rural, grade 2 within
60 min (the common force target); 101, "the vast majority of 101 calls within
two minutes" (Thames Valley Police and Crime Panel, 16 November 2018,
minutes item 18), the configurable default of 120 s.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

#: Percentile statistics by name: the percentile (0..100).
PERCENTILES: Mapping[str, float] = MappingProxyType({"p50": 50.0, "p90": 90.0, "p95": 95.0})
#: The statistic of a target that is a threshold (``answer_time`` ``threshold`` 10 s:
#: the time within which a call counts as answered within target).
THRESHOLD = "threshold"
#: Seconds in each time unit a metric may be measured in.
SECONDS_PER_UNIT: Mapping[str, float] = MappingProxyType({"s": 1.0, "min": 60.0, "h": 3600.0})

HIGHER = ">="
LOWER = "<="

#: How many of the calls or incidents a percentile reaches, in words.
SHARE_WORDS: Mapping[str, str] = MappingProxyType(
    {"p50": "half of the", "p90": "9 in 10", "p95": "19 in 20"}
)
#: Grades in words.
GRADE_WORDS: Mapping[str, str] = MappingProxyType(
    {"grade1": "grade 1 (immediate)", "grade2": "grade 2 (priority)"}
)
#: Segments (without a force prefix) in words, for headings and labels.
SEGMENT_WORDS: Mapping[str, str] = MappingProxyType(
    {
        "grade1/urban": "grade 1 urban",
        "grade1/rural": "grade 1 rural",
        "grade2": "grade 2",
        "grade1": "grade 1",
        "resolution": "telephone resolution",
        "scheduled": "appointments",
        "999": "999 calls",
        "101": "101 calls",
        "online": "online reports",
    }
)


@dataclass(frozen=True)
class DefaultTarget:
    """A national standard for one segment: ``stat`` of the metric ``direction`` ``value``.

    ``segment`` is without a force prefix; ``value`` is in the metric's unit.
    """

    segment: str
    stat: str
    value: float


@dataclass(frozen=True)
class MetricDef:
    """One metric of ``summary.csv`` and what may be said of it.

    Attributes
    ----------
    name
        The metric's name in ``summary.csv`` (``answer_time``).
    unit
        Its unit (``s``, ``min``, ``h``, ``%``, ``calls``, ``count``).
    stats
        The statistics it has; the first is the default of a target.
    direction
        ``">="`` if higher is better, ``"<="`` if lower is, ``None`` if neither
        (a volume, or a utilisation that is good neither high nor low).
    low, high, low_inclusive
        The range a target value may take, in ``unit`` (``high`` inclusive).
    label
        A short label for a table column (``answer time``).
    phrase
        The start of a sentence, with ``{share}`` (9 in 10), ``{segment}`` (the
        segment in words, without its force), ``{where}`` (`` in tvp``, or
        nothing) and ``{v}`` (the value in words); empty: no sentence.
    defaults
        The national standards it is judged against unless the scenario says.
    segment_units
        Segments measured in another unit than ``unit``.
    """

    name: str
    unit: str
    stats: tuple[str, ...]
    direction: str | None
    low: float
    high: float
    low_inclusive: bool
    label: str
    phrase: str = ""
    defaults: tuple[DefaultTarget, ...] = ()
    segment_units: Mapping[str, str] = field(default_factory=dict)

    @property
    def default_stat(self) -> str:
        """The statistic a target names when it names none."""
        return self.stats[0]

    @property
    def higher_is_better(self) -> bool:
        """True when a larger figure is better."""
        return self.direction == HIGHER

    def unit_of(self, segment: str) -> str:
        """The unit of one segment's figures."""
        return self.segment_units.get(split_force(segment)[1], self.unit)

    def in_range(self, value: float) -> bool:
        """Whether a target value lies in the metric's range."""
        low_ok = value >= self.low if self.low_inclusive else value > self.low
        return low_ok and value <= self.high


_DISTRIBUTION = ("mean", *PERCENTILES)
_WEEK_MIN = 10_080.0

METRICS: Mapping[str, MetricDef] = MappingProxyType(
    {
        m.name: m
        for m in (
            MetricDef("offered", "calls", ("count",), None, 0.0, 1e12, True, "offered"),
            MetricDef(
                "answer_time", "s", _DISTRIBUTION, LOWER, 0.0, 86_400.0, False, "answer time",
                "{share} calls to {segment}{where} are answered within {v}",
                (DefaultTarget("999", THRESHOLD, 10.0), DefaultTarget("101", THRESHOLD, 120.0)),
            ),
            MetricDef(
                "answered_within_target", "%", ("value",), HIGHER, 0.0, 100.0, False,
                "answered within target",
                "{v} of {segment} calls{where} are answered within the target",
                (DefaultTarget("999", "value", 90.0),),
            ),
            MetricDef(
                "abandoned", "%", ("value",), LOWER, 0.0, 100.0, True, "abandoned",
                "{v} of {segment} callers{where} hang up before being answered",
            ),
            MetricDef("occupancy", "%", ("value",), None, 0.0, 100.0, True, "occupancy"),
            MetricDef(
                "attendance_time", "min", _DISTRIBUTION, LOWER, 0.0, _WEEK_MIN, False,
                "attendance",
                "{share} {segment} incidents{where} are attended within {v}",
                (
                    DefaultTarget("grade1/urban", THRESHOLD, 15.0),
                    DefaultTarget("grade1/rural", THRESHOLD, 20.0),
                    DefaultTarget("grade2", THRESHOLD, 60.0),
                ),
            ),
            MetricDef(
                "attended_within_target", "%", ("value",), HIGHER, 0.0, 100.0, False,
                "attended within target",
                "{v} of {segment} incidents{where} are attended within the target",
            ),
            MetricDef(
                "dispatch_delay", "min", ("mean", "p50", "p90"), LOWER, 0.0, _WEEK_MIN, False,
                "wait for a unit",
                "{share} {segment} incidents{where} have a unit dispatched within {v}",
            ),
            MetricDef(
                "unit_utilisation", "%", ("value",), None, 0.0, 100.0, True, "unit utilisation"
            ),
            MetricDef("unit_overrun", "h", ("value",), LOWER, 0.0, 1e9, True, "unit overrun"),
            MetricDef(
                "callback_time", "min", ("mean", "p50", "p90"), LOWER, 0.0, _WEEK_MIN, False,
                "call-back time",
                "{share} telephone call-backs{where} happen within {v}",
            ),
            MetricDef(
                "appointment_wait", "h", ("p50", "p90"), LOWER, 0.0, 8_760.0, False,
                "appointment wait",
                "{share} appointments{where} take place within {v}",
            ),
            MetricDef("incidents", "count", ("count",), None, 0.0, 1e12, True, "incidents"),
            MetricDef(
                "unit_workload", "%", ("value",), None, 0.0, 100.0, True, "unit workload"
            ),
            MetricDef(
                "cross_beat_dispatch", "%", ("value",), None, 0.0, 100.0, True,
                "sent from another beat",
            ),
            MetricDef(
                "incidents_lost", "%", ("value",), LOWER, 0.0, 100.0, True, "lost (no unit)"
            ),
            MetricDef(
                "travel_time", "min", ("mean", "p50", "p90"), LOWER, 0.0, _WEEK_MIN, False,
                "travel time",
                "{share} {segment} incidents{where} have the unit travel within {v}",
            ),
            MetricDef(
                "platform_outage", "h", ("value",), LOWER, 0.0, 1e9, True, "platform outage",
                segment_units=MappingProxyType({"share": "%"}),
            ),
            # Right Care Right Person (sim/model/rcrp.py): flagged, referred, refused
            # (partner full that day) and attended flagged incidents.
            MetricDef("rcrp_incidents", "count", ("count",), None, 0.0, 1e12, True,
                      "RCRP incidents"),
            MetricDef(
                "officer_hours_released", "officer-hours/year", ("value",), HIGHER, 0.0, 1e12,
                True, "officer-hours released",
                "RCRP releases {v} of officers' time{where} ({segment})",
            ),
            # Officer-hours committed to jobs (unit time on jobs times officers per unit).
            MetricDef("officer_hours", "officer-hours/year", ("value",), None, 0.0, 1e12, True,
                      "officer-hours on jobs"),
            MetricDef("multi_unit_jobs", "count", ("count",), None, 0.0, 1e12, True,
                      "jobs needing several units"),
            # Call-backs (virtual hold) and callers who react to waiting: sim.metrics.choices.
            MetricDef(
                "callbacks_offered", "calls", ("count",), None, 0.0, 1e12, True,
                "call-backs offered",
            ),
            MetricDef(
                "callbacks_accepted", "calls", ("count",), None, 0.0, 1e12, True,
                "call-backs accepted",
            ),
            MetricDef(
                "callbacks_completed", "calls", ("count",), None, 0.0, 1e12, True,
                "call-backs completed",
            ),
            MetricDef(
                "callbacks_unreached", "calls", ("count",), LOWER, 0.0, 1e12, True,
                "call-backs unreached",
            ),
            MetricDef(
                "callback_wait", "min", _DISTRIBUTION, LOWER, 0.0, _WEEK_MIN, False,
                "wait for a call-back",
                "{share} callers to {segment}{where} who take a call-back are rung back within {v}",
            ),
            MetricDef(
                "switched_to_999", "calls", ("count",), LOWER, 0.0, 1e12, True,
                "switched to 999",
            ),
            MetricDef(
                "switched_online", "calls", ("count",), None, 0.0, 1e12, True,
                "switched online",
            ),
            MetricDef("gave_up", "calls", ("count",), LOWER, 0.0, 1e12, True, "gave up"),
            MetricDef(
                "displaced_101", "%", ("value",), LOWER, 0.0, 100.0, True,
                "displaced 101 demand",
                "{v} of {segment}{where} are 101 callers who gave up waiting",
            ),
        )
    }
)  # fmt: skip


#: Metrics an optional mechanism adds (geography, Right Care Right Person, multi-unit
#: jobs and crewing, call-backs, callers who react to waiting): present only when a
#: scenario switches it on, so the report gives them a section of their own.
MECHANISM_METRICS: frozenset[str] = frozenset(
    {
        "unit_workload", "cross_beat_dispatch", "incidents_lost", "travel_time",
        "rcrp_incidents", "officer_hours_released", "officer_hours", "multi_unit_jobs",
        "callbacks_offered", "callbacks_accepted", "callbacks_completed",
        "callbacks_unreached", "callback_wait", "switched_to_999", "switched_online",
        "gave_up", "displaced_101",
    }
)  # fmt: skip


def metric(name: str) -> MetricDef:
    """The catalogue entry of one metric.

    Raises
    ------
    KeyError
        For a metric the catalogue does not know, naming those it does.
    """
    try:
        return METRICS[name]
    except KeyError:
        raise KeyError(f"unknown metric '{name}'; expected one of {', '.join(METRICS)}") from None


def is_place_segment(segment: str) -> bool:
    """Whether a segment is one beat's or one station area's (``grade1/beat/u11``).

    A force with geography has dozens of them; headline tables leave them out.
    """
    parts = segment.split("/")
    return len(parts) >= 3 and parts[-2] in ("beat", "station")


def split_force(segment: str, forces: frozenset[str] | None = None) -> tuple[str, str]:
    """``("tvp", "grade1/urban")`` from ``tvp/grade1/urban``; ``("", segment)`` without a force.

    Parameters
    ----------
    segment
        A segment of ``summary.csv``.
    forces
        The force ids of the results, when known. Without them a first part
        counts as a force when the rest is a segment in :data:`SEGMENT_WORDS`
        or the first part is not a grade.
    """
    head, sep, rest = segment.partition("/")
    if not sep:
        return "", segment
    if forces is not None:
        return (head, rest) if head in forces else ("", segment)
    if head in GRADE_WORDS:
        return "", segment
    return head, rest


def segment_words(segment: str) -> str:
    """A segment in words: ``"grade 1 urban"``, ``"tvp: 101 calls"``."""
    force, rest = split_force(segment)
    words = SEGMENT_WORDS.get(rest, rest)
    return f"{force}: {words}" if force else words


def default_target(metric_name: str, segment: str, stat: str) -> float | None:
    """The national standard for ``stat`` of a metric in a segment (``None``: none).

    A force prefix is ignored; an area other than urban or rural has none.
    """
    definition = METRICS.get(metric_name)
    if definition is None:
        return None
    rest = split_force(segment)[1]
    return next((d.value for d in definition.defaults if (d.segment, d.stat) == (rest, stat)), None)


def national_threshold(metric_name: str, segment: str) -> float:
    """The national threshold of a time metric in a segment (seconds or minutes, its unit).

    For the config's defaults, which must exist: a missing one is a bug here.
    """
    value = default_target(metric_name, segment, THRESHOLD)
    if value is None:
        raise KeyError(f"no national threshold for {metric_name} {segment}")
    return value


def table_label(metric_name: str, stat: str) -> str:
    """A column label for one statistic of a metric: ``p90 answer time (s)``, ``offered``."""
    definition = METRICS.get(metric_name)
    if definition is None:
        return f"{metric_name} {stat}"
    prefix = "" if stat in ("value", "count") else f"{stat} "
    unit = "" if stat == "count" else f" ({definition.unit})"
    return f"{prefix}{definition.label}{unit}"


def figure_phrase(metric_name: str, segment: str, stat: str, value_text: str) -> str:
    """The start of a sentence about one figure, with its value filled in.

    Examples
    --------
    >>> figure_phrase("answer_time", "101", "p90", "2 min")
    '9 in 10 calls to 101 are answered within 2 min'
    >>> figure_phrase("attendance_time", "tvp/grade1/urban", "p90", "14 min")
    '9 in 10 urban grade 1 (immediate) incidents in tvp are attended within 14 min'
    """
    definition = METRICS.get(metric_name)
    force, rest = split_force(segment)
    share = SHARE_WORDS.get(stat, "")
    if definition is None or not definition.phrase or not (share or stat == "value"):
        name = metric_name.replace("_", " ")
        label = f"{stat} {name}" if stat not in ("value", "count") else name
        return f"{label} for {segment} is {value_text}"
    grade, _, area = rest.partition("/")
    if grade in GRADE_WORDS:
        words = f"{area} {GRADE_WORDS[grade]}" if area else GRADE_WORDS[grade]
    else:
        words = rest
    return definition.phrase.format(
        share=share, segment=words, where=f" in {force}" if force else "", v=value_text
    )


__all__ = [
    "GRADE_WORDS",
    "HIGHER",
    "LOWER",
    "MECHANISM_METRICS",
    "METRICS",
    "PERCENTILES",
    "SECONDS_PER_UNIT",
    "SEGMENT_WORDS",
    "SHARE_WORDS",
    "THRESHOLD",
    "DefaultTarget",
    "MetricDef",
    "default_target",
    "figure_phrase",
    "is_place_segment",
    "metric",
    "segment_words",
    "split_force",
    "table_label",
]
