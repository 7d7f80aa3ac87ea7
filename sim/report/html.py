"""The panel report as one self-contained HTML page: words, table, figures, appendix.

plotly.js is inlined once in the page's head; nothing is fetched when the page
is opened, so it works offline and from a USB stick. The page prints on A4.
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass

import pandas as pd
import plotly.offline

from sim.report.comparison import describe_changes
from sim.report.load import Results
from sim.report.style import ReportFigure
from sim.report.targets import (
    HEADLINES,
    TargetLine,
    headline_label,
    reference_scenario,
    scopes,
    targets_for,
)
from sim.report.words import Difference, Figure, format_value, sentence

PLOT_CONFIG = {
    "displaylogo": False,
    "responsive": True,
    "modeBarButtonsToRemove": ["sendDataToCloud"],
}

CSS = """
:root { --ink: #222; --muted: #555; --rule: #ccc; --met: #009E73; --missed: #D55E00;
        --close: #E69F00; }
* { box-sizing: border-box; }
body { font-family: Helvetica, Arial, sans-serif; color: var(--ink); line-height: 1.45;
       margin: 0 auto; padding: 1.5rem; max-width: 1040px; }
h1 { font-size: 1.7rem; margin-bottom: 0.2rem; }
h2 { font-size: 1.3rem; border-bottom: 1px solid var(--rule); padding-bottom: 0.2rem;
     margin-top: 2rem; }
h3 { font-size: 1.05rem; margin-bottom: 0.3rem; }
.lede { color: var(--muted); }
.howto { border: 2px solid #0072B2; border-radius: 6px; padding: 0.6rem 1rem;
         background: #f2f8fc; }
.figure { margin: 1.2rem 0 2rem; page-break-inside: avoid; break-inside: avoid; }
.figure .note, .figure .partial { font-size: 0.9rem; color: var(--muted); margin: 0.3rem 0; }
.plot { width: 100%; }
table.headline { border-collapse: collapse; font-size: 0.9rem; width: 100%; }
table.headline th, table.headline td { border: 1px solid var(--rule); padding: 0.3rem 0.4rem;
     text-align: right; vertical-align: top; }
table.headline th:first-child, table.headline td:first-child { text-align: left; }
.status { display: block; font-weight: bold; font-size: 0.85rem; }
.met .status { color: var(--met); } .missed .status { color: var(--missed); }
.close .status { color: #8a5a00; }
td.met { background: #e6f5f0; } td.missed { background: #fbe9e1; } td.close { background: #fdf3dd; }
.left-out li { margin-bottom: 0.3rem; }
pre { font-size: 0.75rem; white-space: pre-wrap; background: #f6f6f6; padding: 0.5rem; }
@page { size: A4 portrait; margin: 14mm; }
@media print {
  body { max-width: none; padding: 0; font-size: 10pt; }
  .modebar-container { display: none !important; }
  .figure, table.headline, .howto { page-break-inside: avoid; break-inside: avoid; }
  h2 { page-break-after: avoid; break-after: avoid; }
  details { display: block; } details > pre { display: block; }
  a { color: inherit; text-decoration: none; }
}
"""

# Resize the plots to the page width before printing, and back afterwards.
PRINT_JS = """
(function () {
  function resizeAll() {
    document.querySelectorAll('.js-plotly-plot').forEach(function (el) {
      if (window.Plotly) { Plotly.Plots.resize(el); }
    });
  }
  window.addEventListener('beforeprint', resizeAll);
  window.addEventListener('afterprint', resizeAll);
})();
"""

PANEL_HOW_TO_READ = """
<ul>
<li><b>Simulated, not measured.</b> Each scenario was simulated many times over
(<i>replications</i>) with different but realistic runs of calls and incidents. The figures
are averages over those replications.</li>
<li><b>P50, P90, P95</b> are times within which half, 9 in 10 and 19 in 20 of the calls or
incidents were dealt with. The national targets are about P90-style promises: a grade 1
urban incident attended within 15 minutes, 90% of 999 calls answered within 10 seconds.</li>
<li><b>Whiskers and shaded bands</b> show the 95% confidence interval: the range the true
figure for that scenario very probably lies in. Where two scenarios' ranges overlap a lot,
the simulation cannot tell them apart.</li>
<li><b>Dashed lines</b> are targets. <b>Met</b> means the whole confidence interval is on the
right side of the target, <b>missed</b> that it is wholly on the wrong side, <b>too close to
call</b> that it straddles the target.</li>
<li><b>Differences from the baseline</b> compare the same simulated days under both
scenarios, so they are sharper than comparing the two averages by eye. "No clear difference"
means the change is within the noise of the simulation.</li>
</ul>
"""


@dataclass(frozen=True)
class Verdict:
    """Met, missed, or too close to call, as a word and a CSS class."""

    word: str
    css: str


def verdict(mean: float, low: float, high: float, target: TargetLine) -> Verdict:
    """Compare a figure and its interval with a target."""
    if not math.isfinite(mean):
        return Verdict("no data", "")
    lo = low if math.isfinite(low) else mean
    hi = high if math.isfinite(high) else mean
    if target.higher_is_better:
        good, bad = lo >= target.value, hi < target.value
    else:
        good, bad = hi <= target.value, lo > target.value
    if good:
        return Verdict("Met", "met")
    if bad:
        return Verdict("Missed", "missed")
    return Verdict("Too close to call", "close")


def _figure_of(summary: pd.DataFrame, scenario: str, head: tuple[str, str, str]) -> Figure | None:
    rows = summary[
        (summary["scenario"] == scenario)
        & (summary["metric"] == head[0])
        & (summary["segment"] == head[1])
        & (summary["stat"] == head[2])
    ]
    if rows.empty or not math.isfinite(float(rows["mean"].iloc[0])):
        return None
    row = rows.iloc[0]
    return Figure(
        head[0],
        head[1],
        head[2],
        str(row["unit"]),
        float(row["mean"]),
        float(row["ci_low"]),
        float(row["ci_high"]),
    )


def _difference_of(
    results: Results, scenario: str, head: tuple[str, str, str]
) -> Difference | None:
    comparison = results.comparison
    if comparison is None or scenario == results.baseline:
        return None
    rows = comparison[
        (comparison["scenario"] == scenario)
        & (comparison["metric"] == head[0])
        & (comparison["segment"] == head[1])
        & (comparison["stat"] == head[2])
    ]
    if rows.empty:
        return None
    row = rows.iloc[0]
    return Difference(
        float(row["baseline_mean"]),
        float(row["difference"]),
        float(row["ci_low"]),
        float(row["ci_high"]),
    )


def scenario_sentences(results: Results) -> list[tuple[str, str, list[str]]]:
    """For each scenario: its heading, its lead-in, and its sentences."""
    out = []
    for scenario in results.scenarios:
        is_baseline = scenario == results.baseline
        if not results.is_experiment:
            heading, lead = scenario, "In this scenario:"
        elif is_baseline:
            heading, lead = (
                f"{scenario} (the baseline)",
                "In the baseline, the scenario others are compared with:",
            )
        else:
            change = describe_changes(results, scenario)
            heading = scenario
            lead = f"With {change}:" if change else "Compared with the baseline:"
        lines = []
        for scope in scopes(results):
            for metric_name, segment, stat in HEADLINES:
                head = (metric_name, f"{scope}{segment}", stat)
                figure = _figure_of(results.summary, scenario, head)
                if figure is None:
                    continue
                lines.append(sentence(figure, _difference_of(results, scenario, head)))
        out.append((heading, lead, lines))
    return out


def headline_table(results: Results) -> str:
    """The headline figures per scenario, each with met / missed / too close to call.

    Each scenario is judged against its own targets (``targets.csv``); the
    column heads give the reference scenario's (the baseline's), and a cell
    whose target differs says its own. In multi-force results each scenario
    has a row for all forces together and one per force.
    """
    reference = targets_for(results, reference_scenario(results))
    rows = [(s, scope) for s in results.scenarios for scope in scopes(results)]
    heads = [
        h
        for h in HEADLINES
        if any(_figure_of(results.summary, s, _scoped(h, scope)) for s, scope in rows)
    ]
    if not heads:
        return "<p>These results have none of the headline figures.</p>"
    header = "".join(
        f"<th>{html.escape(headline_label(*h))}"
        + (
            f"<br><small>target: {html.escape(reference[h].label)}</small>"
            if h in reference
            else ""
        )
        + "</th>"
        for h in heads
    )
    body = []
    for scenario, scope in rows:
        own = targets_for(results, scenario)
        name = scenario + (" (baseline)" if scenario == results.baseline else "")
        if results.forces:
            name += f" — {scope.rstrip('/')}" if scope else " — all forces"
        cells = [f"<td>{html.escape(name)}</td>"]
        for head in heads:
            key = _scoped(head, scope)
            figure = _figure_of(results.summary, scenario, key)
            if figure is None:
                cells.append("<td>–</td>")
                continue
            text = html.escape(format_value(figure.mean, figure.unit))
            target = own.get(key)
            if target is None:
                cells.append(f"<td>{text}<span class='status'>no target</span></td>")
                continue
            v = verdict(figure.mean, figure.ci_low, figure.ci_high, target)
            differs = reference.get(head) != target
            mark = f"<small>target: {html.escape(target.label)}</small>" if differs else ""
            cells.append(
                f"<td class='{v.css}'>{text}<span class='status'>{v.word}</span>{mark}</td>"
            )
        body.append("<tr>" + "".join(cells) + "</tr>")
    return (
        "<table class='headline' id='headline-table'><thead><tr><th>scenario</th>"
        + header
        + "</tr></thead><tbody>"
        + "".join(body)
        + "</tbody></table>"
    )


def _scoped(head: tuple[str, str, str], scope: str) -> tuple[str, str, str]:
    """A headline figure for one force (``scope`` ``"tvp/"``) or all (``""``)."""
    return head[0], f"{scope}{head[1]}", head[2]


def _table(frame: pd.DataFrame, columns: list[str]) -> str:
    """A small HTML table of some columns of a frame."""
    head = "".join(f"<th>{html.escape(c)}</th>" for c in columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(_cell(row[c]))}</td>" for c in columns) + "</tr>"
        for _, row in frame.iterrows()
    )
    return f"<table class='headline'><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _cell(value: object) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def appendix(results: Results) -> str:
    """How the results were made (manifest.json), and each scenario's changes and targets."""
    manifest = results.manifest
    facts = []
    if not manifest:
        facts.append("The results directory has no manifest.json: how it was run is not known.")
    experiment = manifest.get("experiment") or {}
    if experiment:
        facts.append(
            f"Experiment <b>{html.escape(str(experiment.get('name', '')))}</b> from "
            f"<code>{html.escape(str(experiment.get('source', '')))}</code>, base scenario "
            f"<code>{html.escape(str(experiment.get('base', '')))}</code>, baseline "
            f"<b>{html.escape(str(experiment.get('baseline', '')))}</b>."
        )
    elif manifest.get("source"):
        overrides = manifest.get("overrides") or []
        facts.append(
            f"Scenario file <code>{html.escape(str(manifest['source']))}</code>"
            + (
                f" with overrides <code>{html.escape(', '.join(map(str, overrides)))}</code>"
                if overrides
                else ""
            )
            + "."
        )
    if manifest:
        command = " ".join(str(c) for c in manifest.get("command") or [])
        facts.append(
            f"Run from {html.escape(str(manifest.get('started', '?')))} to "
            f"{html.escape(str(manifest.get('finished', '?')))}; base seed "
            f"{html.escape(str(manifest.get('seed', '?')))}; "
            f"{len(manifest.get('replications') or [])} replications per scenario. "
            f"Command: <code>{html.escape(command)}</code>"
        )
    versions = manifest.get("versions") or {}
    if versions:
        facts.append(
            "Versions: " + html.escape(", ".join(f"{k} {v}" for k, v in versions.items())) + "."
        )
    facts.extend(f"Note: {html.escape(note)}." for note in results.notes)
    parts = ["<p>" + "</p><p>".join(facts) + "</p>"]
    for scenario in results.scenarios:
        parts.append(f"<h3>{html.escape(scenario)}</h3>")
        changes = results.scenario_changes(scenario)
        if len(changes):
            parts.append("<p>Settings changed from the baseline:</p>")
            parts.append(_table(changes, ["label", "path", "before", "after"]))
        targets = results.scenario_targets(scenario)
        if len(targets):
            parts.append("<details><summary>Targets judged against</summary>")
            parts.append(
                _table(
                    targets, ["metric", "segment", "stat", "direction", "target", "unit", "source"]
                )
            )
            parts.append("</details>")
    return "\n".join(parts)


def figure_block(item: ReportFigure) -> str:
    """One figure of a report page: heading, the plot (plotly.js not included), note."""
    key = html.escape(item.key, quote=True)
    plot = item.figure.to_html(
        full_html=False,
        include_plotlyjs=False,
        div_id=f"fig-{item.key}",
        config=PLOT_CONFIG,
        default_width="100%",
    )
    return (
        f"<div class='figure' id='figure-{key}' data-figure='{key}'>"
        f"<h3>{html.escape(item.title)}</h3>"
        f"<div class='plot'>{plot}</div>"
        + (f"<p class='note'>{html.escape(item.note)}</p>" if item.note else "")
        + (f"<p class='partial'>Note: {html.escape(item.reason)}.</p>" if item.reason else "")
        + "</div>"
    )


def render_html(results: Results, figures: list[ReportFigure], title: str) -> str:
    """The whole report page.

    Parameters
    ----------
    results
        The results directory's tables.
    figures
        The figures, present or left out (:func:`sim.report.figures.build_figures`).
    title
        The page title.

    Returns
    -------
    str
        One HTML document with plotly.js inlined and no external references.
    """
    kind = (
        f"an experiment of {len(results.scenarios)} scenarios compared with the baseline "
        f"<b>{html.escape(results.baseline or '')}</b>"
        if results.is_experiment
        else f"a single run of {', '.join(html.escape(s) for s in results.scenarios)}"
    )
    shown = [f for f in figures if f.figure is not None]
    left_out = [f for f in figures if f.figure is None]
    partial = [f for f in figures if f.figure is not None and f.reason]
    body = [
        f"<h1>{html.escape(title)}</h1>",
        f"<p class='lede'>What-if results from {kind}, simulated with demandsim. "
        f"Source: <code>{html.escape(str(results.root))}</code>.</p>",
        *(
            f"<p class='partial' data-note='targets'>Note: {html.escape(n)}.</p>"
            for n in results.notes
        ),
        "<section class='howto' id='how-to-read'><h2>How to read these charts</h2>"
        + PANEL_HOW_TO_READ
        + "</section>",
        "<section id='in-words'><h2>In words</h2>",
    ]
    for heading, lead, lines in scenario_sentences(results):
        body.append(f"<h3>{html.escape(heading)}</h3><p>{html.escape(lead)}</p><ul>")
        body.extend(f"<li>{html.escape(line)}</li>" for line in lines)
        body.append("</ul>")
    body.append("</section>")
    body.append(
        "<section id='headline'><h2>Headline figures against the targets</h2>"
        "<p class='note'>Each cell: the average over the replications, and whether the target "
        "is met (the whole 95% confidence interval on the right side), missed, or too close to "
        "call.</p>" + headline_table(results) + "</section>"
    )
    body.append("<section id='figures'><h2>Figures</h2>")
    body.extend(figure_block(item) for item in shown)
    body.append("</section>")
    body.append("<section id='left-out'><h2>Left out, and why</h2>")
    if left_out or partial:
        body.append("<ul class='left-out'>")
        body.extend(
            f"<li data-left-out='{f.key}'><b>{html.escape(f.title)}</b>: left out, because "
            f"{html.escape(f.reason)}.</li>"
            for f in left_out
        )
        body.extend(
            f"<li data-partial='{f.key}'><b>{html.escape(f.title)}</b>: shown in part, because "
            f"{html.escape(f.reason)}.</li>"
            for f in partial
        )
        body.append("</ul>")
    else:
        body.append("<p>Nothing: every figure of the report is shown in full.</p>")
    body.append("</section>")
    body.append(
        "<section id='appendix'><h2>Appendix: assumptions and settings</h2>"
        + appendix(results)
        + "</section>"
    )
    plotly_js = plotly.offline.get_plotlyjs()
    return (
        "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{html.escape(title)}</title><style>{CSS}</style>"
        f"<script type='text/javascript'>{plotly_js}</script>"
        "</head><body>\n"
        + "\n".join(body)
        + f"\n<script type='text/javascript'>{PRINT_JS}</script>\n</body></html>\n"
    )
