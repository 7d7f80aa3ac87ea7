"""The fit page's back-test section: one period's own spread beside each figure, in plain words."""

from __future__ import annotations

from sim.fit import BacktestRow, BacktestTable
from sim.report.fit_backtest import backtest_section

FIGURE = ("attendance_time", "grade2/rural", "p50", "min", 29.3, 24.3)
#: Beyond ±15%; the data inside one period's range (chance may explain it), or beyond it.
CHANCE = BacktestRow(*FIGURE, 22.9, 25.7, 900, 2.6, 18.5, 30.1)
MISSED = BacktestRow(*FIGURE, 23.9, 24.7, 900, 0.6, 22.9, 25.7)
CLOSE = BacktestRow("answer_time", "999", "p90", "s", 20.0, 21.0, 20.0, 22.0, 900, 3.0, 14.0, 28.0)


def _rows(page: str) -> list[str]:
    body = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return body.split("</tr>")[:-1]


def test_the_section_gives_each_figure_one_periods_range_and_sd() -> None:
    page = backtest_section(BacktestTable([CLOSE], 10, 91.0))
    assert "<th>one period (95% range)</th>" in page
    [row] = _rows(page)
    assert "14.0-28.0 (SD 3.0)" in row and "+5.0%" in row
    assert "Every figure is within ±15% of the data." in page
    assert "Each replication is as long as the data (91 days)" in page


def test_a_flag_within_one_periods_spread_reads_otherwise_than_a_miss() -> None:
    page = backtest_section(BacktestTable([CHANCE, MISSED, CLOSE], 10, 28.0))
    chance, missed, close = _rows(page)
    assert "class='spread'" in chance and "a longer export would tell" in chance
    assert "class='flagged'" in missed and "beyond ±15% and one period&#x27;s spread" in missed
    assert "class=''" in close and "beyond" not in close
    assert "1 figure(s) differ from the data by more than ±15% and by more" in page
    assert "the fitted scenario probably does not behave like the service there" in page
    assert "1 figure(s) differ from the data by more than ±15%, but no more than one period" in page


def test_only_a_flag_within_spread_says_chance_may_explain_it() -> None:
    page = backtest_section(BacktestTable([CHANCE, CLOSE], 10, 28.0))
    assert "does not behave like the service" not in page
    assert "a longer export would tell" in page
