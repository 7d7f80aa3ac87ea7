"""The back-test's sampling error: how much one period as long as the data varies of itself.

Each back-test replication is one period as long as the data, so the 95%
prediction interval from the replications (``sim.fit.backtest.one_period_range``)
should hold the figure of one more period, the data's, 95% of the time when the
scenario is right. Checked against the t distribution on normal draws, and on
the simulator itself: a scenario's own replication taken as the "data" and
back-tested on ten others.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim import fit
from sim.config import read_yaml_file, scenario_from_dict
from sim.fit.backtest import (
    BACKTEST_REPLICATIONS,
    FLAG_RELATIVE_ERROR,
    backtest_rows,
    one_period_range,
)
from sim.runs.pipeline import simulate
from sim.runs.replicate import MetricReducer
from sim.runs.tables import replication_table
from tests.fit.known_force import ROOT

#: Replications behind each interval, as the back-test simulates.
N = BACKTEST_REPLICATIONS


def test_one_period_range_holds_one_more_normal_draw_95_percent_of_the_time() -> None:
    """mean ± t(n-1) s sqrt(1 + 1/n) holds a new draw with probability 0.95 exactly (normal)."""
    rng = np.random.default_rng(11)
    trials = 8000
    draws = rng.normal(50.0, 5.0, size=(trials, N + 1))
    covered = 0
    for row in draws:
        _, low, high = one_period_range(row[:N])
        covered += low <= row[N] <= high
    rate = covered / trials
    # 3 binomial standard errors (0.007 here); a z in place of t (0.92) or no
    # sqrt(1 + 1/n) (0.94) would fall outside.
    assert abs(rate - 0.95) <= 3 * math.sqrt(0.95 * 0.05 / trials), rate


def test_one_period_range_keeps_to_the_figure_bounds() -> None:
    values = np.array([0.1, 0.3, 0.2, 1.5, 0.05])
    sd, low, high = one_period_range(values, 0.0, 100.0)
    assert low == 0.0 and 0 < high < 100 and sd == pytest.approx(np.std(values, ddof=1))
    assert all(math.isnan(v) for v in one_period_range(np.array([3.0, math.nan])))


def test_a_flag_is_told_apart_by_one_periods_spread() -> None:
    """Beyond ±15% and inside the period range: chance may explain it; beyond both: a miss."""
    row = fit.BacktestRow
    figure = ("attendance_time", "grade2/rural", "p50", "min", 29.3, 24.3)
    chance = row(*figure, 22.9, 25.7, 900, 2.6, 18.5, 30.1)
    missed = row(*figure, 23.9, 24.7, 900, 0.6, 22.9, 25.7)
    inside = row("answer_time", "999", "p90", "s", 20.0, 21.0, 20.0, 22.0, 900, 3.0, 14.0, 28.0)
    assert chance.flagged and chance.within_period_spread
    assert missed.flagged and not missed.within_period_spread
    assert not inside.flagged and not inside.within_period_spread
    table = fit.BacktestTable([chance, missed, inside], N, 28.0)
    assert table.within_period_spread == [chance] and table.missed == [missed]
    assert table.flagged == [chance, missed]
    frame = table.to_frame()
    assert list(frame["within_period_spread"]) == [True, False, False]
    assert list(frame["flagged"]) == [True, True, False]
    assert abs(chance.relative_error) > FLAG_RELATIVE_ERROR


#: Figures that vary continuously from one short period to the next (a p50 answer
#: time is 0 in nearly every period, and would be covered trivially).
CONTINUOUS = [
    ("answer_time", "999", "p90"),
    ("answer_time", "101", "p90"),
    ("abandoned", "999", "value"),
    ("abandoned", "101", "value"),
    ("attendance_time", "grade1/urban", "p50"),
    ("attendance_time", "grade1/urban", "p90"),
    ("attendance_time", "grade1/rural", "p50"),
    ("attendance_time", "grade1/rural", "p90"),
    ("attendance_time", "grade2", "p50"),
    ("attendance_time", "grade2", "p90"),
]


@pytest.mark.slow
def test_one_periods_range_holds_the_datas_figure_at_its_nominal_rate() -> None:
    """A scenario's own replication as the data, back-tested on ten others: covered ~95%.

    Thirty cases of the demo over three days, each "data" replication and its
    ten back-test replications disjoint. The 95% confidence interval of the
    simulated mean, on the same cases, covers the data's figure far less often:
    the check tells a period's spread from the mean's uncertainty.
    """
    cases = 30
    raw = read_yaml_file(ROOT / "configs" / "demo.yaml")
    raw.update({"days": 3, "warmup_days": 1, "replications": cases * (N + 1), "seed": 4242})
    scenario = scenario_from_dict(raw)
    table = replication_table(simulate([scenario], MetricReducer(warmup=False))[scenario.name])
    period_rates, mean_rates = [], []
    for case in range(cases):
        data_rep = case * (N + 1)
        data = table[table["replication"] == data_rep].set_index(["metric", "segment", "stat"])
        figures = [(*key, float(data.loc[key, "value"]), 0) for key in CONTINUOUS]
        others = table["replication"].between(data_rep + 1, data_rep + N)
        rows = backtest_rows(table[others], figures)
        assert len(rows) == len(CONTINUOUS)
        period_rates.append(np.mean([r.period_low <= r.data <= r.period_high for r in rows]))
        mean_rates.append(np.mean([r.ci_low <= r.data <= r.ci_high for r in rows]))
    rate = float(np.mean(period_rates))
    # Figures of one case are correlated; the cases are independent, so the
    # standard error is over cases. 0.02 more for percentiles not quite normal.
    se = float(np.std(period_rates, ddof=1)) / math.sqrt(cases)
    assert abs(rate - 0.95) <= 3 * se + 0.02, (rate, se)
    assert float(np.mean(mean_rates)) < 0.75, mean_rates
