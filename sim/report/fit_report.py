"""The diagnostic report of ``demandsim fit``: each fitted part beside the data behind it.

Built from the plain numbers of :class:`sim.fit.FitDiagnostics` (no model
objects, no SimPy): the figures of :mod:`sim.report.fit_figures` on one
self-contained offline HTML page with the bad-data report and a summary table.
Styling follows the panel report (:mod:`sim.report.style`, :mod:`sim.report.html`):
Okabe–Ito colours, plotly.js inlined once, printable on A4. Entry point:
:func:`write_fit_report`.
"""

from __future__ import annotations

import html
import logging
from pathlib import Path

import plotly.offline

from sim.errors import InputError, Problem
from sim.files import atomic_write
from sim.fit.backtest import BacktestTable
from sim.fit.diagnostics import DistributionCheck, FitDiagnostics
from sim.report import ReportOutcome, write_pngs
from sim.report.fit_backtest import BACKTEST_CSS, backtest_section
from sim.report.fit_figures import (
    fit_figures,
    largest_gap,
)
from sim.report.html import CSS, PRINT_JS, figure_block
from sim.report.style import ReportFigure

log = logging.getLogger(__name__)

FIT_CSS = """
table.fit { border-collapse: collapse; font-size: 0.9rem; width: 100%; }
table.fit th, table.fit td { border: 1px solid var(--rule); padding: 0.3rem 0.4rem;
     text-align: left; vertical-align: top; }
table.fit td.number { text-align: right; white-space: nowrap; }
ul.data-report li { font-family: monospace; font-size: 0.85rem; }
"""

HOW_TO_READ = """
<p>Each figure puts the force's own data beside what the fitted scenario will generate.
<b>A good fit has the two curves close together</b>; where they part, the scenario will
not behave like the data there.</p>
<ul>
<li><b>Durations</b> (handling, patience, travel, time on scene) are drawn as the share of
calls or incidents that took at most a given time. The black steps are the data, the blue
curve the fitted distribution. Times are on a log scale, so that short and long ones both
show.</li>
<li><b>The largest vertical gap</b> between the two curves is the Kolmogorov–Smirnov distance
(D): 0 means the curves agree everywhere, 0.1 that somewhere they differ by a tenth of all
calls or incidents.</li>
<li><b>Patience</b> (how long a caller will wait before hanging up) cannot be seen directly:
a caller who was answered would have waited longer, but we do not know how much. Such waits
are <i>censored</i>, and patience is estimated from them and from the callers who hung up
(the Kaplan–Meier curve).</li>
<li><b>Arrivals</b> are the average number per hour of the week in the data (dots), and the
smoothed rate the scenario will generate (line).</li>
<li><b>Rosters</b> show the staff seen on duty in each week of the data (faint lines) and the
roster written to the scenario (bold steps).</li>
</ul>
"""


# ---------------------------------------------------------------- page


def _summary_table(checks: list[DistributionCheck]) -> str:
    if not checks:
        return "<p>No duration distributions were fitted.</p>"
    rows = []
    for check in checks:
        gap = largest_gap(check)
        gap_text = f"{gap[0]:.3f}" if gap is not None else "–"
        rows.append(
            "<tr>"
            f"<td>{html.escape(check.title)}<br><small><code>{html.escape(check.key)}</code>"
            "</small></td>"
            f"<td class='number'>{check.n:,}</td>"
            f"<td class='number'>{gap_text}</td>"
            f"<td>{html.escape(check.note)}</td>"
            "</tr>"
        )
    return (
        "<table class='fit' id='distribution-table'><thead><tr><th>duration</th>"
        "<th>n</th><th>largest gap (D)</th><th>fit</th></tr></thead><tbody>"
        + "".join(rows)
        + "</tbody></table>"
    )


def render_fit_html(
    diagnostics: FitDiagnostics,
    figures: list[ReportFigure],
    backtest: BacktestTable | None = None,
) -> str:
    """The whole fit report page.

    Parameters
    ----------
    diagnostics
        The checks, sources and bad-data report.
    figures
        The figures (:func:`fit_figures`).
    backtest
        The back-test, when ``fit --backtest`` ran one (:mod:`sim.report.fit_backtest`).

    Returns
    -------
    str
        One HTML document with plotly.js inlined once and no external references.
    """
    title = diagnostics.title
    sources = (
        "".join(f"<li><code>{html.escape(str(s))}</code></li>" for s in diagnostics.sources)
        or "<li>none given</li>"
    )
    report = (
        "<ul class='data-report'>"
        + "".join(f"<li>{html.escape(line)}</li>" for line in diagnostics.data_report)
        + "</ul>"
        if diagnostics.data_report
        else "<p>No data report.</p>"
    )
    shown = [f for f in figures if f.figure is not None]
    left_out = [f for f in figures if f.figure is None]
    body = [
        f"<h1>{html.escape(title)}</h1>",
        "<p class='lede'>A scenario fitted by <code>demandsim fit</code> from a force's own "
        "incident and call records, and how well each fitted part matches them.</p>",
        f"<section id='sources'><h2>Source files</h2><ul>{sources}</ul></section>",
        "<section class='howto' id='how-to-read'><h2>How to read this report</h2>"
        + HOW_TO_READ
        + "</section>",
        "<section id='data-report'><h2>The data: rows used, and bad rows excluded</h2>"
        "<p class='note'>Rows that could not be used (a timestamp that cannot be read, times "
        "out of order, an unknown code) were counted and left out of every fit.</p>"
        + report
        + "</section>",
        "<section id='distributions'><h2>Fitted durations</h2>"
        + _summary_table(diagnostics.distributions)
        + "</section>",
        backtest_section(backtest),
        "<section id='figures'><h2>Figures</h2>",
    ]
    if shown:
        body.extend(figure_block(item) for item in shown)
    else:
        body.append("<p>There is nothing to draw: the fit made no checks.</p>")
    if left_out:
        body.append("<h3>Left out, and why</h3><ul class='left-out'>")
        body.extend(
            f"<li data-left-out='{html.escape(f.key, quote=True)}'><b>{html.escape(f.title)}"
            f"</b>: left out, because {html.escape(f.reason)}.</li>"
            for f in left_out
        )
        body.append("</ul>")
    body.append("</section>")
    plotly_js = plotly.offline.get_plotlyjs()
    return (
        "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{html.escape(title)}</title><style>{CSS}{FIT_CSS}{BACKTEST_CSS}</style>"
        f"<script type='text/javascript'>{plotly_js}</script>"
        "</head><body>\n"
        + "\n".join(body)
        + f"\n<script type='text/javascript'>{PRINT_JS}</script>\n</body></html>\n"
    )


def write_fit_report(
    diagnostics: FitDiagnostics,
    out: Path,
    png_dir: Path | None = None,
    backtest: BacktestTable | None = None,
) -> ReportOutcome:
    """Write the fit's diagnostic report: one offline HTML page, and PNGs on request.

    Parameters
    ----------
    diagnostics
        The fit's checks (:class:`sim.fit.FitDiagnostics`).
    out
        The HTML file; written atomically (a temporary file, then renamed).
    png_dir
        Also write every figure as ``<key>.png`` here, 1000 px wide.
    backtest
        A back-test to show (``fit --backtest``).

    Returns
    -------
    ReportOutcome
        The page, the figures, and the PNGs written.

    Raises
    ------
    InputError
        If ``out`` is a directory, or PNG export finds no Chromium.
    """
    out = Path(out)
    if out.is_dir():
        raise InputError([Problem("--report", str(out), "is a directory; expected an .html file")])
    figures = fit_figures(diagnostics)
    page = render_fit_html(diagnostics, figures, backtest)
    atomic_write(out, lambda path: path.write_text(page, encoding="utf-8"))
    log.info("fit report written to %s (%d figures)", out, len(figures))
    pngs: list[Path] = []
    if png_dir is not None:
        pngs = write_pngs(figures, Path(png_dir))
        log.info("%d PNG(s) written to %s", len(pngs), png_dir)
    return ReportOutcome(out, figures, pngs)
