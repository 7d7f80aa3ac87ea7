"""The measured period, hours and staffing intervals of the week."""

from __future__ import annotations

import numpy as np

from sim.metrics.windows import (
    clip_to_period,
    hour_bins,
    hour_of_week,
    in_period,
    interval_edges,
    interval_of,
    overlaps_period,
)
from sim.units import SECONDS_PER_HOUR, SECONDS_PER_WEEK


def test_the_measured_period_is_half_open_and_excludes_nan() -> None:
    times = np.array([-1e-9, 0.0, 99.9, 100.0, np.nan])
    assert in_period(times, 100.0).tolist() == [False, True, True, False, False]


def test_windows_overlap_the_period_when_any_part_is_inside() -> None:
    start, end = np.array([-10.0, -10.0, 50.0, 100.0]), np.array([0.0, 1.0, 60.0, 120.0])
    assert overlaps_period(start, end, 100.0).tolist() == [False, True, True, False]
    assert clip_to_period(np.array([-5.0, 50.0, 150.0]), 100.0).tolist() == [0.0, 50.0, 100.0]


def test_intervals_fold_time_onto_the_week_from_monday_midnight() -> None:
    times = np.array([0.0, 1799.0, 1800.0, SECONDS_PER_WEEK - 1.0, SECONDS_PER_WEEK, -1.0])
    assert interval_of(times, 30).tolist() == [0, 0, 1, 335, 0, 335]
    assert hour_of_week(times).tolist() == [0, 0, 0, 167, 0, 167]


def test_hour_bins_cover_the_run_cut_to_it() -> None:
    hours, edges = hour_bins(-1.5 * SECONDS_PER_HOUR, 2.25 * SECONDS_PER_HOUR)
    assert hours.tolist() == [-2, -1, 0, 1, 2]
    assert edges.tolist() == [-5400.0, -3600.0, 0.0, 3600.0, 7200.0, 8100.0]


def test_interval_edges_end_at_the_horizon() -> None:
    assert interval_edges(5400.0, 60).tolist() == [0.0, 3600.0, 5400.0]
