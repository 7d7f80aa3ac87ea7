"""The back-test section of the fit page: the fitted scenario simulated, beside the data.

Reads the plain rows of :class:`sim.fit.backtest.BacktestTable` only. Each
headline figure from the data, the simulated mean with its 95% confidence
interval, how much one period as long as the data varies of itself (the
per-replication spread, and the range 95% of such periods fall in), and the
relative error; a figure beyond the flag is marked, and told apart by whether
the data lie inside one period's own range (a longer export would tell) or
beyond it (the fitted scenario misses the figure).
"""

from __future__ import annotations

import html

from sim.catalogue import METRICS
from sim.fit.backtest import FLAG_RELATIVE_ERROR, BacktestRow, BacktestTable

BACKTEST_CSS = """
table.backtest tr.flagged td { background: #fde7e1; }
table.backtest td.flag { font-weight: bold; color: #b23a00; }
table.backtest tr.spread td { background: #fff4d6; }
table.backtest tr.spread td.flag { color: #8a5a00; }
"""


def _label(metric: str) -> str:
    definition = METRICS.get(metric)
    return getattr(definition, "label", metric) if definition is not None else metric


def _flag(row: BacktestRow) -> tuple[str, str]:
    """The row's class and its words: beyond the flag, and whether within one period's spread."""
    if row.within_period_spread:
        return "spread", (
            f"beyond ±{FLAG_RELATIVE_ERROR:.0%}, within one period's own spread: "
            "a longer export would tell"
        )
    if row.flagged:
        return "flagged", f"beyond ±{FLAG_RELATIVE_ERROR:.0%} and one period's spread"
    return "", ""


def _verdict(table: BacktestTable) -> str:
    """What the table says, in plain words."""
    within, missed = len(table.within_period_spread), len(table.missed)
    words = []
    if missed:
        words.append(
            f"{missed} figure(s) differ from the data by more than ±{FLAG_RELATIVE_ERROR:.0%} "
            "and by more than one period varies of itself: the fitted scenario probably does "
            "not behave like the service there (a period of a service the fit matches falls "
            "so far out only 1 time in 20)."
        )
    if within:
        words.append(
            f"{within} figure(s) differ from the data by more than ±{FLAG_RELATIVE_ERROR:.0%}, "
            "but no more than one period of this length varies of itself: the data may be a "
            "high or low period of a service the fit matches; a longer export would tell."
        )
    return " ".join(words) or f"Every figure is within ±{FLAG_RELATIVE_ERROR:.0%} of the data."


def backtest_section(table: BacktestTable | None) -> str:
    """The page's back-test section (empty text without a back-test)."""
    if table is None:
        return ""
    rows = []
    for row in table.rows:
        error = row.relative_error
        shown = f"{error:+.1%}" if error == error else "n/a"
        spread = (
            f"{row.period_low:,.1f}-{row.period_high:,.1f} (SD {row.sd:,.1f})"
            if row.sd == row.sd
            else "n/a"
        )
        kind, flag = _flag(row)
        rows.append(
            f"<tr class='{kind}'>"
            f"<td>{html.escape(_label(row.metric))}</td><td>{html.escape(row.segment)}</td>"
            f"<td>{html.escape(row.stat)}</td><td>{html.escape(row.unit)}</td>"
            f"<td class='number'>{row.data:,.1f}</td>"
            f"<td class='number'>{row.simulated:,.1f} ({row.ci_low:,.1f}-{row.ci_high:,.1f})</td>"
            f"<td class='number'>{spread}</td>"
            f"<td class='number'>{shown}</td><td class='flag'>{html.escape(flag)}</td></tr>"
        )
    explain = (
        f"Each replication is as long as the data ({table.days:g} days), so the replications "
        "show how much a period of that length varies by chance alone: busy and quiet weeks, "
        "a few long jobs. The data are one such period. 'One period' gives the range 95% of "
        "periods fall in, and their standard deviation (SD). Where the data lie inside that "
        "range, a difference from the simulation may be chance in the data; where they lie "
        "beyond it, chance is an unlikely explanation."
    )
    return (
        "<section id='backtest'><h2>Back-test: the fitted scenario simulated</h2>"
        f"<p class='note'>{table.replications} replication(s) of {table.days:g} days, beside "
        f"the same figures from the data. {html.escape(_verdict(table))}</p>"
        f"<p class='note'>{html.escape(explain)}</p>"
        "<table class='fit backtest'><thead><tr><th>figure</th><th>segment</th><th>stat</th>"
        "<th>unit</th><th>data</th><th>simulated (95% CI)</th><th>one period (95% range)</th>"
        "<th>relative error</th><th></th>"
        "</tr></thead><tbody>" + "".join(rows) + "</tbody></table></section>"
    )
