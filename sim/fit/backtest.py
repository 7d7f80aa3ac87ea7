"""The back-test of a fit: the fitted scenario simulated, beside the data it was fitted to.

A fit can match every distribution and still not behave like the service:
queues are where the parts meet. ``demandsim fit --backtest`` simulates the
fitted scenario through the run pipeline and sets each headline percentile
of the simulation (answer time p50 and p90 and abandonment per channel;
attendance p50 and p90 per grade and area; dispatch delay per grade) beside
the same figure computed from the exports, with the simulation's 95%
confidence interval and the relative error; a figure more than
:data:`FLAG_RELATIVE_ERROR` away is flagged (:func:`backtest`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.config import Scenario
from sim.fit.read import Cleaned
from sim.fit.response import valid_ids
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

    @property
    def relative_error(self) -> float:
        """(simulated - data) / data; NaN when the data figure is 0."""
        return (self.simulated - self.data) / self.data if self.data else float("nan")

    @property
    def flagged(self) -> bool:
        """True when the simulation is more than the flag's share off the data."""
        error = self.relative_error
        return bool(np.isfinite(error) and abs(error) > FLAG_RELATIVE_ERROR)


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

    def to_frame(self) -> pd.DataFrame:
        """The table as a frame, one row per figure, with relative error and flag."""
        return pd.DataFrame(
            [
                {
                    **row.__dict__,
                    "relative_error": row.relative_error,
                    "flagged": row.flagged,
                }
                for row in self.rows
            ]
        )


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
        least :data:`BACKTEST_REPLICATIONS`.
    incidents, calls
        The cleaned exports it was fitted from.
    """
    replications = max(scenario.replications, BACKTEST_REPLICATIONS)
    scenario = scenario.model_copy(update={"replications": replications})
    results = simulate([scenario], MetricReducer(warmup=False), name="fit back-test")
    replicated = results[scenario.name]
    summary = summarise(replication_table(replicated))
    force = next(iter(scenario.forces))
    prefix = f"{force}/" if len(scenario.forces) > 1 else ""
    index = summary.set_index(["metric", "segment", "stat"])
    rows = []
    for metric, segment, stat, value, n in data_figures(incidents, calls):
        key = (metric, prefix + segment, stat)
        if key not in index.index:
            continue
        sim = index.loc[key]
        rows.append(
            BacktestRow(
                metric,
                segment,
                stat,
                str(sim["unit"]),
                value,
                float(sim["mean"]),
                float(sim["ci_low"]),
                float(sim["ci_high"]),
                n,
            )
        )
    return BacktestTable(rows, len(replicated), scenario.days)
