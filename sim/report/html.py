"""The panel report as one self-contained HTML page: words, table, figures, appendix.

plotly.js is inlined once in the page's head; nothing is fetched when the page
is opened, so it works offline and from a USB stick. The page prints on A4.
"""

from __future__ import annotations

import html

import plotly.offline

from sim.report.appendix import appendix
from sim.report.brief import brief_pages, headline_chart, headline_table
from sim.report.comparison import describe_changes
from sim.report.explain import gains_and_losses, mechanism_notes
from sim.report.further import further_html
from sim.report.geography import geography_section
from sim.report.load import Results
from sim.report.style import ReportFigure
from sim.report.targets import headline_figures, scopes
from sim.report.verdicts import DEFINITIONS, figure_of
from sim.report.words import Difference, sentence

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
.close .status { color: #8a5a00; } .few .status { color: var(--muted); }
td.met { background: #e6f5f0; } td.missed { background: #fbe9e1; } td.close { background: #fdf3dd; }
td.few { background: #eeeeee; }
.left-out li { margin-bottom: 0.3rem; }
.answer { font-size: 1.1rem; font-weight: bold; margin: 0.4rem 0; }
.question { font-size: 1.1rem; font-style: italic; }
dl.definitions dt { font-weight: bold; } dl.definitions dd { margin: 0 0 0.3rem 1rem; }
#brief .figure h3 { display: none; }
.page { border-bottom: 2px dashed var(--rule); padding-bottom: 1rem; margin-bottom: 1rem; }
pre { font-size: 0.75rem; white-space: pre-wrap; background: #f6f6f6; padding: 0.5rem; }
@page { size: A4 portrait; margin: 14mm; }
@media print {
  body { max-width: none; width: 182mm; padding: 0; font-size: 10pt; }
  .modebar-container { display: none !important; }
  .figure, table.headline tr, .howto, .scenario-appendix, li, dl { page-break-inside: avoid;
      break-inside: avoid; }
  .page { border: 0; margin: 0; padding: 0; page-break-after: always; break-after: page; }
  h2, h3 { page-break-after: avoid; break-after: avoid; }
  details > summary { list-style: none; }
  table.headline { table-layout: fixed; font-size: 8pt; overflow-wrap: anywhere; }
  table.headline th, table.headline td { padding: 1mm; }
  a { color: inherit; text-decoration: none; }
}
"""

#: The brief's pages: A4 boxes (a page that overflows runs on to another page rather than
#: losing its end: a table of many scenarios). In the brief's own document (the PDF) in
#: every medium, so the layout a script measures on screen is the layout printed; in
#: the interactive page in print only.
BRIEF_CSS = """
body { width: 182mm; max-width: none; padding: 0; margin: 0; font-size: 10pt; }
.page { display: flow-root; width: 182mm; min-height: 268mm; border: 0; margin: 0; padding: 0;
        page-break-after: always; break-after: page; }
.page:last-child { page-break-after: auto; break-after: auto; }
.page h1 { font-size: 16pt; margin: 0 0 2mm; } .page h2 { font-size: 12pt; margin: 4mm 0 1.5mm; }
.page .answer { font-size: 11pt; } .page .question { font-size: 11pt; margin: 0; }
.page .caveats { margin: 0; padding-left: 5mm; font-size: 9pt; }
.page .caveats li { margin-bottom: 1mm; }
.page .figure { margin: 2mm 0; } .page .figure h3 { display: none; }
.page table.headline { font-size: 8pt; }
.page table.headline th, .page table.headline td { padding: 1mm; }
.page .status { font-size: 7.5pt; } .page p.note { font-size: 8.5pt; color: #555; margin: 1mm 0; }
.page dl.definitions { font-size: 8.5pt; margin: 2mm 0 0; }
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
  // Open every folded detail for print (the appendix is read in full on paper).
  window.addEventListener('beforeprint', function () {
    document.querySelectorAll('details').forEach(function (d) { d.open = true; });
  });
})();
"""

PANEL_HOW_TO_READ = """
<ul>
<li><b>Simulated, not measured.</b> Each scenario was simulated several times over
(<i>replications</i>), each a different but equally likely run of calls and incidents. The
figures are averages over those replications.</li>
<li><b>P50, P90, P95</b> are times within which half, 9 in 10 and 19 in 20 of the calls or
incidents were dealt with.</li>
<li><b>Whiskers and shaded bands</b> are 95% intervals of the simulation's own noise: had the
model been run for ever with these same inputs, its long-run average would lie inside 95 times
in 100. They do not cover errors in the inputs themselves (volumes, handling times, staff
numbers), which are assumptions. Intervals of times and shares never go below zero (or above
100%): where the usual symmetric interval would, it is worked out on a log (times) or logit
(shares) scale instead, which keeps it inside the possible range.</li>
<li><b>Dashed lines</b> are targets. <b>Met</b> means the whole interval is on the right side of
the target, <b>missed</b> that it is wholly on the wrong side, <b>too close to call</b> that it
straddles the target. With fewer than 5 replications nothing is judged.</li>
<li><b>Differences from the baseline</b> compare the same simulated days under both scenarios,
so they are sharper than comparing the two averages by eye. A difference of two percentages
is in <i>percentage points</i>. "No clear difference" means the change is within the noise of
the simulation.</li>
</ul>
"""


def definitions_html() -> str:
    """What each headline figure counts, stated once."""
    items = "".join(
        f"<dt>{html.escape(term)}</dt><dd>{html.escape(text)}</dd>" for term, text in DEFINITIONS
    )
    return f"<dl class='definitions' id='definitions'>{items}</dl>"


def plotly_script() -> str:
    """plotly.js inlined in a script element (nothing fetched when the page opens)."""
    return f"<script type='text/javascript'>{plotly.offline.get_plotlyjs()}</script>"


def _document(title: str, css: str, body: list[str]) -> str:
    return (
        "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{html.escape(title)}</title><style>{css}</style>"
        + plotly_script()
        + "</head><body>\n"
        + "\n".join(body)
        + f"\n<script type='text/javascript'>{PRINT_JS}</script>\n</body></html>\n"
    )


def brief_html(results: Results, title: str) -> str:
    """The brief's two pages (question, answer, chart, caveats; headline table), with their CSS."""
    chart = headline_chart(results)
    block = figure_block(chart, "brief") if chart.figure is not None else ""
    # The definitions close page 2: stated once, beside the table that needs them.
    return brief_pages(results, block, title, definitions_html())


def render_brief_html(results: Results, title: str) -> str:
    """The brief alone as one document: two fixed A4 pages, for Chromium to print to PDF."""
    return _document(title, CSS + BRIEF_CSS, [brief_html(results, title)])


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
            for metric_name, segment, stat in headline_figures(results):
                head = (metric_name, f"{scope}{segment}", stat)
                figure = figure_of(results.summary, scenario, head)
                if figure is None:
                    continue
                lines.append(sentence(figure, _difference_of(results, scenario, head)))
        out.append((heading, lead, lines))
    return out


def figure_block(item: ReportFigure, role: str = "figure") -> str:
    """One figure of a report page: heading, the plot (plotly.js not included), note.

    ``role`` names the block's data attribute (``data-figure``; the brief's chart
    is ``data-brief``).
    """
    key = html.escape(item.key, quote=True)
    plot = item.figure.to_html(
        full_html=False,
        include_plotlyjs=False,
        div_id=f"fig-{item.key}",
        config=PLOT_CONFIG,
        default_width="100%",
    )
    return (
        f"<div class='figure' id='figure-{key}' data-{role}='{key}'>"
        f"<h3>{html.escape(item.title)}</h3>"
        f"<div class='plot'>{plot}</div>"
        + (f"<p class='note'>{html.escape(item.note)}</p>" if item.note else "")
        + (f"<p class='partial'>Note: {html.escape(item.reason)}.</p>" if item.reason else "")
        + "</div>"
    )


def render_html(results: Results, figures: list[ReportFigure], title: str) -> str:
    """The whole interactive report: the brief first, then all the evidence.

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
        f"<section id='brief'>{brief_html(results, title)}</section>",
        f"<p class='lede'>The evidence: what-if results from {kind}, simulated with demandsim. "
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
    notes = mechanism_notes(results)
    if notes:
        body.append("<h3>Why some figures move the unexpected way</h3><ul id='mechanisms'>")
        body.extend(f"<li>{html.escape(n)}</li>" for n in notes)
        body.append("</ul>")
    body.append("</section>")
    gains = gains_and_losses(results)
    if gains:
        body.append(
            "<section id='gains'><h2>Pooled contact centres: who gains, who loses</h2>"
            f"{gains}</section>"
        )
    body.append(
        "<section id='headline'><h2>Every headline figure</h2>"
        "<p class='note'>As the brief's table, with the figures that have no target too.</p>"
        + headline_table(results)
        + "</section>"
    )
    body.append("<section id='figures'><h2>Figures</h2>")
    body.extend(figure_block(item) for item in shown)
    body.append("</section>")
    # The map of beats, when the results carry geography.json ("" otherwise).
    body.append(geography_section(results, figure_block))
    further = further_html(results)
    if further:
        body.append(f"<section id='further'><h2>Every other figure</h2>{further}</section>")
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
    return _document(title, CSS + "@media print {" + BRIEF_CSS + "}", body)
