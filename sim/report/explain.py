"""Why a figure moved the unexpected way, and who gains or loses when forces pool.

Both read ``comparison.csv`` (paired differences from the baseline with
their 95% intervals): nothing is said unless the interval excludes zero.

- :func:`mechanism_notes`: attendance that improves when only call handling
  got worse (or the reverse) is explained by the model's mechanism where the
  figures show it: fewer calls answered, fewer incidents raised, less work for
  the same units.
- :func:`gains_and_losses`: for a scenario whose platform pools the forces'
  contact centres, each force's change on the headline figures.
"""

from __future__ import annotations

import html
import math

import pandas as pd

from sim.catalogue import METRICS
from sim.report.load import Results
from sim.report.targets import headline_figures, headline_label
from sim.report.words import format_signed, format_value

#: Paths of changes that act on response directly (then attendance may move for that reason).
_RESPONSE_WORDS = ("areas", "units", "response", "dispatch", "appointments")


def _difference(results: Results, scenario: str, key: tuple[str, str, str]) -> pd.Series | None:
    comparison = results.comparison
    if comparison is None:
        return None
    rows = comparison[
        (comparison["scenario"] == scenario)
        & (comparison["metric"] == key[0])
        & (comparison["segment"] == key[1])
        & (comparison["stat"] == key[2])
    ]
    if rows.empty or not math.isfinite(float(rows["difference"].iloc[0])):
        return None
    return rows.iloc[0]


def _clear(row: pd.Series | None) -> bool:
    return row is not None and str(row["excludes_zero"]).lower() == "true"


def mechanism_notes(results: Results) -> list[str]:
    """Attendance that moved against the change's direction, explained by the incidents raised."""
    if not results.is_experiment or results.comparison is None:
        return []
    notes = []
    for scenario in results.scenarios:
        if scenario == results.baseline:
            continue
        paths = [str(p) for p in results.scenario_changes(scenario)["path"]]
        if any(word in p for p in paths for word in _RESPONSE_WORDS):
            continue
        answered = _difference(results, scenario, ("answered_within_target", "101", "value"))
        if not _clear(answered):
            continue
        for segment, grade in (("grade2", "grade2"), ("grade1/urban", "grade1")):
            attendance = _difference(results, scenario, ("attendance_time", segment, "p90"))
            incidents = _difference(results, scenario, ("incidents", grade, "count"))
            if not (_clear(attendance) and _clear(incidents)):
                continue
            handling_worse = float(answered["difference"]) < 0
            sooner = float(attendance["difference"]) < 0
            fewer = float(incidents["difference"]) < 0
            if handling_worse != sooner or sooner != fewer:
                continue
            count = abs(float(incidents["difference"]))
            base = float(incidents["baseline_mean"])
            percent = 100 * count / base if base > 0 else math.nan
            digits = 1 if percent < 1 else 0
            share = f" ({percent:.{digits}f}%)" if math.isfinite(percent) else ""
            notes.append(
                f"{scenario}: {headline_label('attendance_time', segment, 'p90')} is "
                f"{format_value(abs(float(attendance['difference'])), 'min')} "
                f"{'shorter' if sooner else 'longer'} than in the baseline, though nothing about "
                f"response units changed. With "
                f"{abs(float(answered['difference'])):.1f} percentage points "
                f"{'fewer' if handling_worse else 'more'} 101 calls answered "
                f"within target, {count:,.0f} {'fewer' if fewer else 'more'} "
                f"{grade.replace('grade', 'grade ')} "
                f"incidents{share} were raised per run, so the same units had "
                f"{'less' if fewer else 'more'} to do. This is a side effect of "
                f"{'callers giving up' if fewer else 'more calls getting through'}, "
                f"not a change in response."
            )
    return notes


def pooled_scenarios(results: Results) -> list[str]:
    """The scenarios whose platform pools the contact centres of several forces."""
    if len(results.forces) < 2:
        return []
    return [
        s
        for s in results.scenarios
        if s != results.baseline
        and results.scenario_facts(s, "platform.").get("pooled_contact_centre", "").lower()
        == "true"
    ]


def gains_and_losses(results: Results) -> str:
    """For each pooled scenario, each force's change on the headline figures (HTML, or "")."""
    pooled = pooled_scenarios(results)
    if not pooled or results.comparison is None:
        return ""
    heads = [
        h
        for h in headline_figures(results)
        if h[0] in ("answer_time", "answered_within_target", "abandoned")
    ]
    parts = [
        "<p>When the forces' contact centres are pooled, one force's callers may wait longer so "
        "that another's wait less. Each cell: the force's change from the baseline "
        f"({html.escape(results.baseline or '')}), replication by replication, and whether the "
        "force gains, loses, or sees no clear change (its 95% interval includes zero).</p>"
    ]
    for scenario in pooled:
        header = "".join(f"<th>{html.escape(headline_label(*h))}</th>" for h in heads)
        body = []
        for force in results.forces:
            cells = [f"<td>{html.escape(force)}</td>"]
            for head in heads:
                row = _difference(results, scenario, (head[0], f"{force}/{head[1]}", head[2]))
                if row is None:
                    cells.append("<td>–</td>")
                    continue
                change = float(row["difference"])
                definition = METRICS[head[0]]
                better = change > 0 if definition.higher_is_better else change < 0
                word, css = (
                    (("gains", "met") if better else ("loses", "missed"))
                    if _clear(row)
                    else ("no clear change", "")
                )
                cells.append(
                    f"<td class='{css}'>{html.escape(format_signed(change, str(row['unit'])))}"
                    f"<span class='status'>{word}</span></td>"
                )
            body.append("<tr>" + "".join(cells) + "</tr>")
        parts.append(
            f"<h3>{html.escape(scenario)}: who gains, who loses</h3>"
            f"<table class='headline gains' data-gains='{html.escape(scenario, quote=True)}'>"
            f"<thead><tr><th>force</th>{header}</tr></thead><tbody>{''.join(body)}</tbody></table>"
        )
    return "".join(parts)


__all__ = ["gains_and_losses", "mechanism_notes", "pooled_scenarios"]
