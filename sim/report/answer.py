"""The brief's words: the question, the answer naming who meets which target, and the caveats.

The answer is built from the verdicts (:mod:`sim.report.verdicts`) of the
figures the experiment names as its headline (``headline:`` in the experiment
file, recorded in ``manifest.json``) that have a target; failing those, the
report's own headline figures. For each such target it says which scenarios
meet it and which comes closest ("No scenario tried meets the 999 standard (90%
of calls answered within 10 s); late-18 comes closest at 89.5% answered within
10 s, against 90%").
"""

from __future__ import annotations

import math

from sim.catalogue import PERCENTILES, SHARE_WORDS, split_force
from sim.report.comparison import describe_changes, setting_name, sweep_axis
from sim.report.load import Results
from sim.report.targets import (
    HEADLINES,
    TargetLine,
    amount_text,
    headline_label,
    reference_scenario,
    short_segment,
)
from sim.report.verdicts import (
    MIN_REPLICATIONS,
    figure_of,
    judge,
    judged_targets,
    replications_of,
)
from sim.report.words import Figure, format_signed, format_value

FigureKey = tuple[str, str, str]

#: How many targets the answer names at most (one or two sentences on page 1).
ANSWER_TARGETS = 2


def answer_keys(results: Results) -> list[FigureKey]:
    """The figures the answer is about: the experiment's headline figures that have a target."""
    reference = judged_targets(results, reference_scenario(results))
    named = (results.manifest.get("experiment") or {}).get("headline") or []
    keys: list[FigureKey] = []
    for item in named:
        if isinstance(item, (list, tuple)) and len(item) == 3:
            key = (str(item[0]), str(item[1]), str(item[2]))
            if key in reference and key not in keys:
                keys.append(key)
    share = ("answered_within_target", "999", "value")
    if share in reference and share not in keys:
        keys.insert(0, share)  # the national 999 standard leads wherever it applies
    for key in HEADLINES:
        if len(keys) >= ANSWER_TARGETS:
            break
        if key in reference and key not in keys:
            keys.append(key)
    return keys[:ANSWER_TARGETS]


def target_phrase(key: FigureKey, target: TargetLine) -> str:
    """A target in words: ``"the 999 standard (90% of calls answered within 10 s)"``."""
    metric_name, segment, stat = key
    force, rest = split_force(segment)
    where = f" in {force}" if force else ""
    who = "standard" if target.source == "national" else "target"
    amount = f"{target.value:g}%" if metric_name.endswith("_target") else ""
    if metric_name == "answered_within_target":
        return f"the {rest} {who}{where} ({amount} of calls answered within {target.within})"
    if metric_name == "attended_within_target":
        return (
            f"the {short_segment(rest)} {who}{where} ({amount} of incidents attended within "
            f"{target.within})"
        )
    share = SHARE_WORDS.get(stat, stat)
    # A percentile of answer time counts answered calls only; say so.
    noun = "of answered calls" if metric_name == "answer_time" else "incidents attended"
    if stat in PERCENTILES:
        return f"the {short_segment(rest)} {who}{where} ({share} {noun} within {target.within})"
    return f"the {short_segment(rest)} {who}{where} ({target.label})"


def value_phrase(figure: Figure, target: TargetLine) -> str:
    """A figure in the words of its target: ``"89.5% answered within 10 s"``."""
    value = format_value(figure.mean, figure.unit)
    if figure.metric == "answered_within_target":
        return f"{value} answered within {target.within}"
    if figure.metric == "attended_within_target":
        return f"{value} attended within {target.within}"
    if figure.stat in PERCENTILES:
        verb = "answered" if figure.metric == "answer_time" else "attended"
        return f"{SHARE_WORDS[figure.stat]} {verb} within {value}"
    return value


def _names(names: list[str]) -> str:
    if len(names) <= 2:
        return " and ".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


def target_sentence(results: Results, key: FigureKey) -> str:
    """Which scenarios meet one target, and which comes closest, in one sentence."""
    target = judged_targets(results, reference_scenario(results))[key]
    phrase = target_phrase(key, target)
    figures = {
        s: f for s in results.scenarios if (f := figure_of(results.summary, s, key)) is not None
    }
    if not figures:
        return f"No scenario has a figure for {phrase}."
    sign = 1.0 if target.higher_is_better else -1.0
    ranked = sorted(figures, key=lambda s: sign * figures[s].mean, reverse=True)
    verdicts = {s: judge(results, s, key) for s in figures}
    met = [s for s in ranked if (v := verdicts[s]) is not None and v.met]
    close = [s for s in ranked if (v := verdicts[s]) is not None and v.css == "close"]
    against = f"against {amount_text(target.value, figures[ranked[0]].unit)}"
    count = replications_of(results)
    if count < MIN_REPLICATIONS:
        best = ranked[0]
        return (
            f"With {count} replications per scenario the simulation is too short to judge "
            f"{phrase}; {best} comes closest at {value_phrase(figures[best], target)}, {against}."
        )
    if len(met) == len(figures):
        worst = ranked[-1]
        every = "The scenario meets" if len(figures) == 1 else "Every scenario meets"
        return f"{every} {phrase}; the lowest is {worst} at {value_phrase(figures[worst], target)}."
    rest = [s for s in ranked if s not in met]
    closest = rest[0]
    tail = f"{closest} comes closest at {value_phrase(figures[closest], target)}, {against}" + (
        f" ({_names(close)}: too close to call)" if close else ""
    )
    if not met:
        none = "does not meet" if len(figures) == 1 else "No scenario tried meets"
        if len(figures) == 1:
            return (
                f"{closest} {none} {phrase}: {value_phrase(figures[closest], target)}, {against}."
            )
        return f"{none} {phrase}; {tail}."
    verb = "meets" if len(met) == 1 else "meet"
    return f"{_names(met)} {verb} {phrase}; of the others, {tail}."


def answer_sentences(results: Results) -> list[str]:
    """The answer: one sentence per target the brief is about."""
    keys = answer_keys(results)
    if not keys:
        return ["These results have no headline figure with a target to judge."]
    return [target_sentence(results, key) for key in keys]


def question(results: Results) -> str:
    """The experiment's ``question:``, or one made from what the results are."""
    about = results.manifest.get("experiment") or {}
    asked = str(about.get("question") or "").strip()
    if asked:
        return asked
    keys = answer_keys(results)
    targets = judged_targets(results, reference_scenario(results))
    aims = " and ".join(target_phrase(k, targets[k]) for k in keys) or "the targets"
    if results.is_experiment:
        count = len(results.scenarios)
        return f"Which of these {count} scenarios meet {aims}, and which comes closest?"
    return f"Does {results.scenarios[0]} meet {aims}?"


def sensitivity_line(results: Results) -> str:
    """How much the first answer figure moves per step of a swept number ("" without a sweep)."""
    axis = sweep_axis(results)
    keys = answer_keys(results)
    if axis is None or not keys:
        return ""
    path, values = axis
    key = keys[0]
    points = [
        (values[s], f.mean, f.unit)
        for s in values
        if (f := figure_of(results.summary, s, key)) is not None
    ]
    if len(points) < 3:
        return ""
    points.sort()
    (x0, y0, unit), (x1, y1, _) = points[0], points[-1]
    if x1 == x0 or not math.isfinite(y1 - y0):
        return ""
    slope = (y1 - y0) / (x1 - x0)
    return (
        f"Sensitivity: from {x0:g} to {x1:g} {setting_name(results, path)}, each one more moves "
        f"{headline_label(*key)} by {format_signed(slope, unit)} on average."
    )


def simulated_days(results: Results) -> float | None:
    """Days measured per replication, from the run record of ``manifest.json`` (None if unknown)."""
    runs = results.manifest.get("scenarios") or {}
    first = runs.get(results.scenarios[0]) if isinstance(runs, dict) and results.scenarios else None
    days = first.get("days") if isinstance(first, dict) else None
    return float(days) if isinstance(days, (int, float)) and math.isfinite(days) else None


def caveats(results: Results) -> list[str]:
    """The caveats that matter for the answer, in plain words."""
    count = replications_of(results)
    days = simulated_days(results)
    days_text = f" of {days:g} days" if isinstance(days, (int, float)) else ""
    out = [
        f"Simulated, not measured: every figure is the average of {count} simulated "
        f"replications{days_text}, built on assumed inputs (call volumes, handling times, "
        "staff and unit numbers). The 95% intervals show only how much the figures vary from "
        "one simulated period to another; they say nothing about errors in those assumptions, "
        "which may matter more.",
    ]
    if count < MIN_REPLICATIONS:
        out.append(
            f"With fewer than {MIN_REPLICATIONS} replications per scenario no figure is judged "
            "met or missed: run more replications before deciding."
        )
    else:
        out.append(
            "Met or missed means the whole 95% interval lies on one side of the target; too "
            "close to call means the simulation cannot tell, and more replications may settle it."
        )
    sensitivity = sensitivity_line(results)
    if sensitivity:
        out.append(sensitivity)
    else:
        out.append(
            "This experiment does not vary the assumed demand or handling times, so how "
            "sensitive the answer is to them is not known."
        )
    return out


def scenario_line(results: Results, scenario: str) -> str:
    """What a scenario is, in a few words, for the brief's table."""
    if scenario == results.baseline:
        return "the baseline"
    return describe_changes(results, scenario, detail=False) or results.scenario_facts(
        scenario
    ).get("description", "")


__all__ = [
    "answer_keys",
    "answer_sentences",
    "caveats",
    "question",
    "scenario_line",
    "sensitivity_line",
    "target_phrase",
    "target_sentence",
    "value_phrase",
]
