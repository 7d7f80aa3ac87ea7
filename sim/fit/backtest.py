"""The back-test of a fit: the fitted scenario simulated, beside the data it was fitted to.

A fit can match every distribution and still not behave like the service:
queues are where the parts meet. ``demandsim fit --backtest`` simulates the
fitted scenario through the run pipeline and sets each headline percentile
of the simulation (answer time p50 and p90 and abandonment per channel;
attendance p50 and p90 per grade and area; dispatch delay per grade) beside
the same figure computed from the exports, with the simulation's 95%
confidence interval and the relative error; a figure more than
:data:`FLAG_RELATIVE_ERROR` away is flagged (:func:`backtest`).

Each replication is as long as the data, so the spread of a figure across
replications is how much one period of that length varies of itself: the
data are one such period. Each row carries that spread (the per-replication
standard deviation) and the 95% prediction interval for one period
(:func:`one_period_range`). A flagged figure whose data value lies inside it
may be the data's own draw rather than the fit (a longer export would tell);
one beyond both is a figure the fitted scenario probably misses (a right fit
lands beyond that range 1 time in 20).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats as scipy_stats

from sim.config import Scenario
from sim.fit.read import Cleaned
from sim.fit.response import valid_ids
from sim.metrics.statistics import value_bounds
from sim.runs.pipeline import simulate
from sim.runs.replicate import MetricReducer
from sim.runs.tables import replication_table, summarise

#: Relative error beyond which a back-tested figure is flagged.
FLAG_RELATIVE_ERROR = 0.15
#: Fewest data values a percentile is computed from.
MIN_VALUES = 20
#: Fewest replications the back-test simulates: a grade 2 percentile of one area
#: varies by about 10% from one four-week replication to the next, so five leave
#: the simulated mean alone about 5% uncertain, a third of the flag.
BACKTEST_REPLICATIONS = 10


@dataclass(frozen=True)
class BacktestRow:
    """One headline figure: from the data, and simulated (mean and 95% CI over replications)."""

    metric: str
    segment: str
    stat: str
    unit: str
    data: float
    simulated: float
    ci_low: float
    ci_high: float
    n_data: int
    #: Standard deviation of the figure across replications (one period each), in ``unit``.
    sd: float = float("nan")
    #: 95% prediction interval for the figure of one period of the data's length, in ``unit``.
    period_low: float = float("nan")
    period_high: float = float("nan")

    @property
    def relative_error(self) -> float:
        """(simulated - data) / data; NaN when the data figure is 0."""
        return (self.simulated - self.data) / self.data if self.data else float("nan")

    @property
    def flagged(self) -> bool:
        """True when the simulation is more than the flag's share off the data."""
        error = self.relative_error
        return bool(np.isfinite(error) and abs(error) > FLAG_RELATIVE_ERROR)

    @property
    def within_period_spread(self) -> bool:
        """Flagged, but the data value lies inside one period's own 95% range.

        The data may then be a high or low draw of a service the fit matches:
        a longer export would tell. Not flagged, or the data beyond that range
        too (the fitted scenario probably misses the figure): False.
        """
        inside = self.period_low <= self.data <= self.period_high
        return self.flagged and bool(inside)

    @property
    def relative_sd(self) -> float:
        """The per-period standard deviation as a share of the simulated mean (NaN at 0)."""
        return self.sd / self.simulated if self.simulated else float("nan")


@dataclass(frozen=True)
class BacktestTable:
    """Every back-tested figure, and the simulation behind them."""

    rows: list[BacktestRow]
    replications: int
    days: float

    @property
    def flag(self) -> float:
        """The relative error beyond which a figure is flagged."""
        return FLAG_RELATIVE_ERROR

    @property
    def flagged(self) -> list[BacktestRow]:
        """The figures beyond the flag."""
        return [row for row in self.rows if row.flagged]

    @property
    def within_period_spread(self) -> list[BacktestRow]:
        """The flagged figures whose data value is inside one period's own range."""
        return [row for row in self.rows if row.within_period_spread]

    @property
    def missed(self) -> list[BacktestRow]:
        """The flagged figures beyond one period's own range too: the fit probably misses them."""
        return [row for row in self.rows if row.flagged and not row.within_period_spread]

    def to_frame(self) -> pd.DataFrame:
        """The table as a frame, one row per figure, with relative error and flag."""
        return pd.DataFrame(
            [
                {
                    **row.__dict__,
                    "relative_error": row.relative_error,
                    "flagged": row.flagged,
                    "within_period_spread": row.within_period_spread,
                }
                for row in self.rows
            ]
        )


def one_period_range(
    values: np.ndarray, low_bound: float = 0.0, high_bound: float = float("inf")
) -> tuple[float, float, float]:
    """The spread of a figure over periods, from its value in each replication.

    Each replication is one period as long as the data, so the figure of one
    more period (the data's, if the scenario is right) falls, with 95%
    probability, in the prediction interval ``mean ± t(n-1, 0.975) s sqrt(1 + 1/n)``
    (for roughly normal per-period values), clipped to the figure's bounds.

    Parameters
    ----------
    values
        The figure in each replication (NaN ignored), in its unit.
    low_bound, high_bound
        The range the figure can take (a time from 0, a share up to 100).

    Returns
    -------
    tuple of float
        ``(sd, low, high)``: the per-replication standard deviation and the
        interval, in the figure's unit; NaN with fewer than two values.
    """
    values = values[np.isfinite(values)]
    n = len(values)
    if n < 2:
        return float("nan"), float("nan"), float("nan")
    mean, sd = float(values.mean()), float(values.std(ddof=1))
    half = float(scipy_stats.t.ppf(0.975, n - 1)) * sd * math.sqrt(1.0 + 1.0 / n)
    return sd, max(mean - half, low_bound), min(mean + half, high_bound)


def data_days(incidents: Cleaned | None, calls: Cleaned | None) -> float:
    """The data's length in whole days (at least 1): first to last timestamp, rounded.

    Rounded, not truncated: a period across the clocks going forward is an
    hour short of its whole days.
    """
    columns = [(incidents, "created"), (calls, "arrival")]
    times = [
        cleaned.frame[column].dropna()
        for cleaned, column in columns
        if cleaned is not None and column in cleaned.frame
    ]
    times = [t for t in times if not t.empty]
    if not times:
        return 1.0
    first = min(t.min() for t in times)
    last = max(t.max() for t in times)
    return float(max(1, round((last - first).total_seconds() / 86400.0)))


def _percentiles(values: np.ndarray, stats: tuple[str, ...]) -> dict[str, float]:
    values = values[np.isfinite(values)]
    if len(values) < MIN_VALUES:
        return {}
    return {stat: float(np.percentile(values, float(stat[1:]))) for stat in stats}


def data_figures(
    incidents: Cleaned | None, calls: Cleaned | None
) -> list[tuple[str, str, str, float, int]]:
    """The headline figures of the exports: ``(metric, segment, stat, value, n)``.

    Answer time in seconds (answered calls); abandoned in % of calls; attendance
    (created to arrived) and dispatch delay (created to dispatched) in
    minutes, by the grade the export gives. Area segments use the fitted ids.
    """
    out: list[tuple[str, str, str, float, int]] = []
    if calls is not None:
        frame = calls.frame
        for channel, group in frame.groupby("channel", observed=True):
            answered = group.loc[group["answered_flag"], "wait_s"].to_numpy(dtype=float)
            for stat, value in _percentiles(answered, ("p50", "p90")).items():
                out.append(("answer_time", str(channel), stat, value, len(answered)))
            abandoned = 100.0 * float((~group["answered_flag"]).mean())
            out.append(("abandoned", str(channel), "value", abandoned, len(group)))
    if incidents is not None:
        inc = incidents.frame
        if "arrived" in inc:
            attendance = (inc["arrived"] - inc["created"]).dt.total_seconds() / 60.0
            ids = valid_ids(str(a) for a in inc["area"].dropna().unique()) if "area" in inc else {}
            area = inc["area"].map(ids) if "area" in inc else pd.Series(index=inc.index)
            for grade in ("grade1", "grade2"):
                rows = inc["grade"] == grade
                segments = [(f"{grade}/{a}", rows & (area == a)) for a in ids.values()]
                if grade == "grade2":
                    segments.append(("grade2", rows))
                for segment, mask in segments:
                    values = attendance[mask.fillna(False)].to_numpy(dtype=float)
                    for stat, value in _percentiles(values, ("p50", "p90")).items():
                        out.append(("attendance_time", segment, stat, value, len(values)))
        if "delay_s" in inc:
            for grade in ("grade1", "grade2"):
                values = inc.loc[inc["grade"] == grade, "delay_s"].to_numpy(dtype=float) / 60.0
                for stat, value in _percentiles(values, ("p50", "p90")).items():
                    out.append(("dispatch_delay", grade, stat, value, len(values)))
    return out


def backtest(scenario: Scenario, incidents: Cleaned | None, calls: Cleaned | None) -> BacktestTable:
    """Simulate the fitted scenario (its own replications) and compare it with the exports.

    Parameters
    ----------
    scenario
        The fitted scenario, validated; simulated with its replications, at
        least :data:`BACKTEST_REPLICATIONS`, each as long as the data
        (:func:`data_days`), so that their spread is one period's own.
    incidents, calls
        The cleaned exports it was fitted from.
    """
    replications = max(scenario.replications, BACKTEST_REPLICATIONS)
    days = data_days(incidents, calls)
    scenario = scenario.model_copy(update={"replications": replications, "days": days})
    results = simulate([scenario], MetricReducer(warmup=False), name="fit back-test")
    replicated = results[scenario.name]
    force = next(iter(scenario.forces))
    prefix = f"{force}/" if len(scenario.forces) > 1 else ""
    rows = backtest_rows(replication_table(replicated), data_figures(incidents, calls), prefix)
    return BacktestTable(rows, len(replicated), scenario.days)


def backtest_rows(
    per_replication: pd.DataFrame,
    figures: list[tuple[str, str, str, float, int]],
    prefix: str = "",
) -> list[BacktestRow]:
    """Each data figure beside the simulated one, its interval and one period's range.

    Parameters
    ----------
    per_replication
        The simulation's values, one row per replication and figure
        (:func:`sim.runs.tables.replication_table`).
    figures
        The data's figures, ``(metric, segment, stat, value, n)`` (:func:`data_figures`).
    prefix
        Put before each segment to find it in the simulation (``force/``).
    """
    summary = summarise(per_replication).set_index(["metric", "segment", "stat"])
    values = {
        key: group["value"].to_numpy(dtype=float)
        for key, group in per_replication.groupby(["metric", "segment", "stat"], observed=True)
    }
    rows = []
    for metric, segment, stat, value, n in figures:
        key = (metric, prefix + segment, stat)
        if key not in summary.index:
            continue
        sim = summary.loc[key]
        unit = str(sim["unit"])
        sd, low, high = one_period_range(values[key], *value_bounds(metric, key[1], unit))
        rows.append(
            BacktestRow(
                metric,
                segment,
                stat,
                unit,
                value,
                float(sim["mean"]),
                float(sim["ci_low"]),
                float(sim["ci_high"]),
                n,
                sd,
                low,
                high,
            )
        )
    return rows
