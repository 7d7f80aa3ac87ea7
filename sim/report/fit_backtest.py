"""The back-test section of the fit page: the fitted scenario simulated, beside the data.

Reads the plain rows of :class:`sim.fit.backtest.BacktestTable` only. Each
headline figure from the data, the simulated mean with its 95% confidence
interval, and the relative error; a figure beyond the flag is marked.
"""

from __future__ import annotations

import html

from sim.catalogue import METRICS
from sim.fit.backtest import FLAG_RELATIVE_ERROR, BacktestTable

BACKTEST_CSS = """
table.backtest tr.flagged td { background: #fde7e1; }
table.backtest td.flag { font-weight: bold; color: #b23a00; }
"""


def _label(metric: str) -> str:
    definition = METRICS.get(metric)
    return getattr(definition, "label", metric) if definition is not None else metric


def backtest_section(table: BacktestTable | None) -> str:
    """The page's back-test section (empty text without a back-test)."""
    if table is None:
        return ""
    rows = []
    for row in table.rows:
        error = row.relative_error
        shown = f"{error:+.1%}" if error == error else "n/a"
        flag = f"beyond ±{FLAG_RELATIVE_ERROR:.0%}" if row.flagged else ""
        rows.append(
            f"<tr class='{'flagged' if row.flagged else ''}'>"
            f"<td>{html.escape(_label(row.metric))}</td><td>{html.escape(row.segment)}</td>"
            f"<td>{html.escape(row.stat)}</td><td>{html.escape(row.unit)}</td>"
            f"<td class='number'>{row.data:,.1f}</td>"
            f"<td class='number'>{row.simulated:,.1f} ({row.ci_low:,.1f}-{row.ci_high:,.1f})</td>"
            f"<td class='number'>{shown}</td><td class='flag'>{flag}</td></tr>"
        )
    flagged = len(table.flagged)
    verdict = (
        f"{flagged} figure(s) differ from the data by more than ±{FLAG_RELATIVE_ERROR:.0%}: "
        "the fitted scenario does not behave like the service there."
        if flagged
        else f"Every figure is within ±{FLAG_RELATIVE_ERROR:.0%} of the data."
    )
    return (
        "<section id='backtest'><h2>Back-test: the fitted scenario simulated</h2>"
        f"<p class='note'>{table.replications} replication(s) of {table.days:g} days, beside "
        f"the same figures from the data. {html.escape(verdict)}</p>"
        "<table class='fit backtest'><thead><tr><th>figure</th><th>segment</th><th>stat</th>"
        "<th>unit</th><th>data</th><th>simulated (95% CI)</th><th>relative error</th><th></th>"
        "</tr></thead><tbody>" + "".join(rows) + "</tbody></table></section>"
    )
