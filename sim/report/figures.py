"""The panel report's figures, in order, each present or left out with its reason.

Every builder returns a :class:`~sim.report.style.ReportFigure`: the figure,
or ``None`` with the reason it was left out, in words a panel member can
read. The builders live by family: percentiles and distributions
(:mod:`sim.report.distributions`), the day (:mod:`sim.report.hourly`), the
trade-off and the differences (:mod:`sim.report.comparison`).
"""

from __future__ import annotations

from sim.report.comparison import difference_figure, tradeoff_figure
from sim.report.distributions import (
    ATTENDANCE_MAIN,
    cdf_figure,
    percentile_figures,
)
from sim.report.hourly import hourly_figure
from sim.report.load import Results
from sim.report.style import ReportFigure
from sim.report.targets import call_channels


def build_figures(results: Results) -> list[ReportFigure]:
    """Every figure of the report in order, present or left out with a reason."""
    channels = call_channels(results)
    return [
        *percentile_figures(
            results,
            "attendance_time",
            ATTENDANCE_MAIN,
            "attendance-percentiles",
            "Attendance: how long until the first officer arrives",
            "attendance time",
        ),
        *percentile_figures(
            results,
            "answer_time",
            channels,
            "answer-percentiles",
            f"{', '.join(channels[:-1])} and {channels[-1]}: how long until a call is answered",
            "answer time",
        ),
        cdf_figure(results, "answer"),
        cdf_figure(results, "attendance"),
        hourly_figure(results),
        *tradeoff_figure(results),
        *difference_figure(results),
    ]
