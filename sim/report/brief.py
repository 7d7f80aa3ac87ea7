"""The brief: two A4 pages for the panel, the answer first, then the headline table.

Page 1: the question, the answer (which scenarios meet which targets, which
comes closest), one headline chart, the caveats. Page 2: the headline figures
per scenario (and per force), each met, missed, too close to call, or not
judged for want of replications. The same two pages open the interactive
report and make the PDF of ``demandsim report --pdf``.
"""

from __future__ import annotations

import html

import plotly.graph_objects as go

from sim.report.answer import answer_keys, answer_sentences, caveats, question, scenario_line
from sim.report.load import Results
from sim.report.style import PALETTE, TARGET_COLOUR, ReportFigure, style_figure
from sim.report.targets import (
    add_target_line,
    axis_title,
    headline_figures,
    headline_label,
    reference_scenario,
    scopes,
)
from sim.report.verdicts import figure_of, judge, judged_targets
from sim.report.words import format_value

#: Colours of the verdicts (Okabe–Ito): met, missed, too close, too few runs.
VERDICT_COLOURS = {"met": PALETTE[2], "missed": PALETTE[3], "close": PALETTE[1], "few": "#888888"}
#: The headline chart's height on page 1, pixels (about 85 mm at 96 px per inch).
CHART_HEIGHT_PX = 320


def headline_chart(results: Results) -> ReportFigure:
    """The first answer figure per scenario: mean, 95% interval and target, coloured by verdict."""
    key, title = "brief-headline", "The headline figure per scenario"
    keys = answer_keys(results)
    if not keys:
        return ReportFigure(key, title, None, "no headline figure has a target to judge")
    head = keys[0]
    target = judged_targets(results, reference_scenario(results))[head]
    names, means, lows, highs, colours, words = [], [], [], [], [], []
    unit = ""
    for scenario in results.scenarios:
        figure = figure_of(results.summary, scenario, head)
        if figure is None:
            continue
        verdict = judge(results, scenario, head)
        unit = figure.unit
        names.append(scenario)
        means.append(figure.mean)
        lows.append(figure.ci_low if figure.ci_low == figure.ci_low else figure.mean)
        highs.append(figure.ci_high if figure.ci_high == figure.ci_high else figure.mean)
        colours.append(VERDICT_COLOURS.get(verdict.css if verdict else "", TARGET_COLOUR))
        words.append(verdict.word if verdict else "no target")
    fig = go.Figure(
        go.Scatter(
            x=means,
            y=names,
            mode="markers",
            marker={"color": colours, "size": 11, "line": {"width": 1, "color": "#222222"}},
            error_x={
                "type": "data",
                "symmetric": False,
                "array": [h - m for h, m in zip(highs, means, strict=True)],
                "arrayminus": [m - lo for m, lo in zip(means, lows, strict=True)],
                "color": "#444444",
                "thickness": 1.5,
            },
            text=[
                f"{format_value(m, unit)} (95% interval {format_value(lo, unit)} to "
                f"{format_value(h, unit)}): {w}"
                for m, lo, h, w in zip(means, lows, highs, words, strict=True)
            ],
            hovertemplate="%{y}: %{text}<extra></extra>",
            showlegend=False,
        )
    )
    add_target_line(fig, target, 1, 1, vertical=True)
    fig.update_xaxes(title_text=axis_title(*head, unit))
    fig.update_yaxes(autorange="reversed", type="category", automargin=True)
    chart_title = headline_label(*head)
    style_figure(fig, CHART_HEIGHT_PX, chart_title)
    fig.update_layout(margin={"l": 110, "r": 20, "t": 50, "b": 50}, title_font_size=14)
    note = (
        "Dot: the average over the replications; bar: its 95% interval; dashed line: the "
        "target. Green: met; vermilion: missed; orange: too close to call; grey: too few "
        "replications to judge."
    )
    return ReportFigure(key, chart_title, fig, "", note)


def headline_table(results: Results, judged_only: bool = False) -> str:
    """The headline figures per scenario (and force), each met / missed / too close to call.

    Each scenario is judged against its own targets (``targets.csv``); the
    column heads give the reference scenario's (the baseline's), and a cell
    whose target differs says its own. ``judged_only`` keeps the columns that
    have a target (the brief's page 2).
    """
    reference = judged_targets(results, reference_scenario(results))
    rows = [(s, scope) for s in results.scenarios for scope in scopes(results)]
    heads = [
        h
        for h in headline_figures(results)
        if any(figure_of(results.summary, s, _scoped(h, scope)) for s, scope in rows)
        and (h in reference or not judged_only)
    ]
    if not heads:
        return "<p>These results have none of the headline figures.</p>"
    header = "".join(
        f"<th>{html.escape(headline_label(*h))}"
        + (f"<br><small>{html.escape(reference[h].label)}</small>" if h in reference else "")
        + "</th>"
        for h in heads
    )
    body = []
    for scenario, scope in rows:
        own = judged_targets(results, scenario)
        name = scenario + (" (baseline)" if scenario == results.baseline else "")
        if results.forces:
            name += f" — {scope.rstrip('/')}" if scope else " — all forces"
        what = html.escape(scenario_line(results, scenario)) if not scope else ""
        cells = [
            f"<td>{html.escape(name)}" + (f"<br><small>{what}</small>" if what else "") + "</td>"
        ]
        for head in heads:
            key = _scoped(head, scope)
            figure = figure_of(results.summary, scenario, key)
            if figure is None:
                cells.append("<td>–</td>")
                continue
            text = html.escape(format_value(figure.mean, figure.unit))
            target = own.get(key)
            verdict = judge(results, scenario, key)
            if target is None or verdict is None:
                cells.append(f"<td>{text}<span class='status'>not judged</span></td>")
                continue
            same = reference.get(head)
            differs = same is None or (same.value, same.higher_is_better) != (
                target.value,
                target.higher_is_better,
            )
            mark = f"<small>{html.escape(target.label)}</small>" if differs else ""
            cells.append(
                f"<td class='{verdict.css}'>{text}<span class='status'>{verdict.word}</span>"
                f"{mark}</td>"
            )
        body.append("<tr>" + "".join(cells) + "</tr>")
    return (
        f"<table class='headline' id='{'headline-table' if judged_only else 'headline-all'}'>"
        "<thead><tr><th>scenario</th>"
        + header
        + "</tr></thead><tbody>"
        + "".join(body)
        + "</tbody></table>"
    )


def _scoped(head: tuple[str, str, str], scope: str) -> tuple[str, str, str]:
    """A headline figure for one force (``scope`` ``"tvp/"``) or all (``""``)."""
    return head[0], f"{scope}{head[1]}", head[2]


def brief_pages(results: Results, chart_html: str, title: str, page2_end: str = "") -> str:
    """The brief's two pages as HTML sections.

    ``chart_html`` is the headline chart's block, ``page2_end`` what closes page 2.
    """
    answer = "".join(f"<p class='answer'>{html.escape(s)}</p>" for s in answer_sentences(results))
    caveat_items = "".join(f"<li>{html.escape(c)}</li>" for c in caveats(results))
    page1 = (
        "<section class='page' id='brief-1'>"
        f"<h1>{html.escape(title)}</h1>"
        "<h2>The question</h2>"
        f"<p class='question'>{html.escape(question(results))}</p>"
        f"<h2>The answer</h2><div id='answer'>{answer}</div>"
        f"{chart_html}"
        f"<h2>Caveats</h2><ul class='caveats'>{caveat_items}</ul>"
        "</section>"
    )
    page2 = (
        "<section class='page' id='brief-2'>"
        "<h2>Headline figures against the targets</h2>"
        "<p class='note'>Each cell: the average over the replications, and whether the "
        "target is met (the whole 95% interval on the right side), missed (wholly on the "
        "wrong side) or too close to call. What each figure counts is defined once, under "
        "“What the figures count”.</p>"
        + headline_table(results, judged_only=True)
        + page2_end
        + "</section>"
    )
    return page1 + page2


__all__ = ["VERDICT_COLOURS", "brief_pages", "headline_chart", "headline_table"]
