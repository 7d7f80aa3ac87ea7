"""The shipped sample export (``demandsim fit-sample``) and fitting either export alone."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from sim.app.fit import fit_scenario
from sim.config import load_scenario
from sim.fit.sample import SAMPLE_FORMAT, write_sample
from tests.fit.known_force import ROOT, simulated_exports


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    where = tmp_path_factory.mktemp("sample")
    # Four weeks, not the default: what is checked here does not depend on the length
    # (tests/fit/test_sample_backtest.py, slow, fits the default sample).
    write_sample(where, load_scenario(ROOT / "configs" / "demo.yaml"), weeks=4)
    return where


@pytest.fixture(scope="module")
def sample_fit(sample: Path, tmp_path_factory: pytest.TempPathFactory):
    out = tmp_path_factory.mktemp("sample-fit") / "fitted.yaml"
    return fit_scenario(sample / "cad.csv", sample / "calls.csv", sample / "mapping.yaml", out)


def test_sample_is_written_as_a_force_would_export(sample: Path) -> None:
    cad = pd.read_csv(sample / "cad.csv", dtype=str, keep_default_na=False)
    calls = pd.read_csv(sample / "calls.csv", dtype=str, keep_default_na=False)
    assert {"Opened", "Grade", "Beat", "Callsign"} <= set(cad.columns)
    assert {"Call Start", "Queue", "Agent"} <= set(calls.columns)
    start = pd.to_datetime(calls["Call Start"], format=SAMPLE_FORMAT, errors="coerce")
    # Day first, across the clocks going forward at 01:00 on 30 March 2025:
    # no local time falls in the hour that does not exist.
    assert (start.dt.day > 12).any() and start.min() < pd.Timestamp("2025-03-30") < start.max()
    gap = (start >= pd.Timestamp("2025-03-30 01:00")) & (start < pd.Timestamp("2025-03-30 02:00"))
    assert not gap.any()
    assert (cad == "NULL").any().any()


def test_sample_fits_with_every_bad_row_reported_once(sample: Path, sample_fit) -> None:
    text = sample_fit.report_text
    cad, calls = sample / "cad.csv", sample / "calls.csv"
    for line in (
        f"{cad}: read as UTF-8, comma-separated",
        f"{cad}: dates day first (detected",
        f"{cad}: 2 row(s) with an unparseable timestamp (created)",
        f"{cad}: 1 row(s) with a date more than 3 years from the rest (cleared)",
        f"{cad}: 2 row(s) with times out of order (dispatched before created)",
        f"{cad}: 1 row(s) with no or an unknown priority code (priority)",
        f"{cad}: 3 row(s) with no area (area), kept",
        f"{calls}: 3 row(s) with no or an unknown channel code (channel)",
        f"{calls}: 1 row(s) with no arrival time (arrival)",
    ):
        assert text.count(line) == 1, line
    scenario = load_scenario(sample_fit.out)
    force = scenario.forces["fitted"]
    assert set(force.areas) == {"town-centre", "rural-north"}
    assert force.areas["rural-north"].kind == "rural"
    assert "# 'Town Centre' in the export" in sample_fit.out.read_text()
    grading = force.channels["999"].grading
    assert sum(grading.shares()) <= 1.0


def test_calls_alone_fit_a_contact_centre_only_scenario(tmp_path: Path, tmp_path_factory) -> None:
    _, calls, _ = simulated_exports(tmp_path_factory)
    outcome = fit_scenario(None, calls, None, tmp_path / "calls-only.yaml")
    force = load_scenario(outcome.out).forces["fitted"]
    assert set(force.channels) == {"999", "101"}
    assert not force.areas and force.online is None
    assert all(sum(c.grading.shares()) == 0 for c in force.channels.values())
    assert "contact-centre-only" in outcome.out.read_text()
    assert outcome.report_text.startswith(f"{calls}: ")


def test_incidents_alone_assume_handling_and_roster_and_say_so(
    tmp_path: Path, tmp_path_factory
) -> None:
    cad, _, _ = simulated_exports(tmp_path_factory)
    outcome = fit_scenario(cad, None, None, tmp_path / "cad-only.yaml")
    text = outcome.out.read_text()
    assert "ASSUMED, not fitted: no telephony export" in text
    assert "ASSUMED, not fitted (no handler ids)" in text
    force = load_scenario(outcome.out).forces["fitted"]
    assert set(force.areas) == {"urban", "rural"}


def test_neither_export_is_a_clear_error(tmp_path: Path) -> None:
    from sim.errors import InputError

    with pytest.raises(InputError, match="give --incidents"):
        fit_scenario(None, None, None, tmp_path / "f.yaml")
