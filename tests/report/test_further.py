"""The report's "every other figure" section: a mechanism's metrics, tabled with intervals.

Made-up results whose content is known: an RCRP metric and a unit workload are
shown (the mechanism's first), per-beat rows are left to the map, headline
figures are not repeated, and an experiment's paired difference is written
under each value, starred when its interval excludes zero.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from sim.report.further import further_html, further_metrics
from sim.report.load import load_results
from tests.report.results_files import write_summary


def _results(root: Path, with_comparison: bool = True):  # type: ignore[no-untyped-def]
    figures = [(s, "answer_time", "999", "p90", "s", 9.0) for s in ("base", "refer")] + [
        ("base", "officer_hours_released", "referral", "value", "officer-hours/year", 0.0),
        ("refer", "officer_hours_released", "referral", "value", "officer-hours/year", 30601.0),
        ("base", "unit_overrun", "urban", "value", "h", 12.0),
        ("refer", "unit_overrun", "urban", "value", "h", 11.0),
        ("base", "attended_within_target", "grade1/beat/u11", "value", "%", 80.0),
        ("refer", "attended_within_target", "grade1/beat/u11", "value", "%", 82.0),
    ]
    write_summary(root, figures)
    manifest = '{"experiment": {"baseline": "base", "name": "x"}}'
    (root / "manifest.json").write_text(manifest)
    if with_comparison:
        pd.DataFrame(
            [
                {
                    "scenario": "refer", "baseline": "base",
                    "metric": "officer_hours_released", "segment": "referral", "stat": "value",
                    "unit": "officer-hours/year", "baseline_mean": 0.0, "scenario_mean": 30601.0,
                    "difference": 30601.0, "ci_low": 28074.0, "ci_high": 33128.0,
                    "excludes_zero": True, "pairs": 5,
                }
            ]
        ).to_csv(root / "comparison.csv", index=False)  # fmt: skip
    return load_results(root)


def test_mechanism_metrics_come_first_and_place_and_headline_rows_are_left_out(
    tmp_path: Path,
) -> None:
    results = _results(tmp_path / "r")
    assert further_metrics(results) == ["officer_hours_released", "unit_overrun"]


def test_the_section_tables_each_value_with_its_interval_and_paired_difference(
    tmp_path: Path,
) -> None:
    page = further_html(_results(tmp_path / "r"))
    assert "officer-hours released" in page  # the catalogue's label
    assert "30,601" in page and "(29,071 – 32,131)" in page  # write_summary's ±5%
    assert "+30,601 (+28,074 to +33,128)*" in page
    assert "u11" not in page
    # The figure without a mechanism is folded away below the mechanisms'.
    assert (
        page.index("officer_hours_released") < page.index("<details") < page.index("unit_overrun")
    )


def test_no_section_without_further_figures(tmp_path: Path) -> None:
    root = tmp_path / "r"
    write_summary(root, [("base", "answer_time", "999", "p90", "s", 9.0)])
    assert further_html(load_results(root)) == ""
