"""The metric catalogue names every metric the simulator writes, in the unit it writes it."""

from __future__ import annotations

import doctest
from pathlib import Path

import pandas as pd
import pytest

import sim.catalogue
from sim.catalogue import (
    METRICS,
    default_target,
    figure_phrase,
    metric,
    segment_words,
    split_force,
    table_label,
)

GOLDEN = Path(__file__).resolve().parents[1] / "back" / "golden"


def golden_figures() -> pd.DataFrame:
    frames = [pd.read_csv(p, dtype={"segment": str}) for p in sorted(GOLDEN.glob("*/summary.csv"))]
    return pd.concat(frames, ignore_index=True)[["metric", "segment", "stat", "unit"]]


def test_every_written_metric_is_catalogued_with_its_unit_and_stats() -> None:
    for row in golden_figures().drop_duplicates().itertuples(index=False):
        definition = metric(row.metric)
        assert definition.unit_of(row.segment) == row.unit, row
        assert row.stat in definition.stats, row


def test_unknown_metric_names_the_known_ones() -> None:
    with pytest.raises(KeyError, match=r"unknown metric 'answered'.*answer_time"):
        metric("answered")


def test_national_standards_by_segment_whatever_the_force() -> None:
    assert default_target("answered_within_target", "999", "value") == 90.0
    assert default_target("answer_time", "tvp/999", "threshold") == 10.0
    assert default_target("answer_time", "101", "threshold") == 120.0
    assert default_target("attendance_time", "hampshire/grade1/rural", "threshold") == 20.0
    assert default_target("attendance_time", "grade1/urban", "threshold") == 15.0
    assert default_target("attendance_time", "grade2", "threshold") == 60.0
    assert default_target("attendance_time", "grade1/moor", "threshold") is None
    assert default_target("abandoned", "101", "value") is None


def test_directions_and_ranges() -> None:
    assert METRICS["answered_within_target"].higher_is_better
    assert not METRICS["answer_time"].higher_is_better
    assert METRICS["occupancy"].direction is None
    assert not METRICS["answered_within_target"].in_range(0.0)
    assert METRICS["abandoned"].in_range(0.0)
    assert not METRICS["abandoned"].in_range(100.5)


def test_segments_and_forces() -> None:
    assert split_force("tvp/grade1/urban") == ("tvp", "grade1/urban")
    assert split_force("grade2/urban") == ("", "grade2/urban")
    assert split_force("999") == ("", "999")
    assert segment_words("tvp/101") == "tvp: 101 calls"
    assert segment_words("grade1/rural") == "grade 1 rural"


def test_labels_and_phrases() -> None:
    assert table_label("answer_time", "p90") == "p90 answer time (s)"
    assert table_label("offered", "count") == "offered"
    assert table_label("answered_within_target", "value") == "answered within target (%)"
    assert figure_phrase("abandoned", "tvp/101", "value", "4%") == (
        "4% of 101 callers in tvp hang up before being answered"
    )
    assert figure_phrase("answer_time", "101", "mean", "30 s") == "mean answer time for 101 is 30 s"


def test_docstring_examples() -> None:
    assert doctest.testmod(sim.catalogue).failed == 0
