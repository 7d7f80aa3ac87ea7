"""Travel per grade and area, and the decision time per grade, recovered from simulated records."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from sim.app.fit import fit_scenario
from sim.config import Z90, load_scenario
from sim.fit.durations import fit_lognormal
from tests.fit.known_force import BY_GRADE_DECISION, BY_GRADE_TRAVEL, simulated_exports

#: 95% intervals widened to about 99.5%: several parameters are checked from one run.
WIDEN = 2.81 / 1.96


def _widened(ci: tuple[float, float]) -> tuple[float, float]:
    centre, half = (ci[0] + ci[1]) / 2, (ci[1] - ci[0]) / 2 * WIDEN
    return centre - half, centre + half


def _recovered(values_s, truth: dict, fitted: dict) -> None:
    """The true and the written median and p90 lie within the fit's (widened) intervals."""
    fit = fit_lognormal(values_s)
    assert fit is not None
    mu_low, mu_high = _widened(fit.mu_ci)
    sigma_low, sigma_high = _widened(fit.sigma_ci)
    p90_low = math.exp(mu_low + Z90 * sigma_low)
    p90_high = math.exp(mu_high + Z90 * sigma_high)
    for spec in (truth, fitted):
        assert math.exp(mu_low) <= spec["median_s"] <= math.exp(mu_high), (spec, fit.mu_ci)
        assert p90_low <= spec["p90_s"] <= p90_high, (spec, p90_low, p90_high)


@pytest.fixture(scope="module")
def by_grade(tmp_path_factory: pytest.TempPathFactory):
    cad, calls, raw = simulated_exports(tmp_path_factory, "by-grade")
    out = tmp_path_factory.mktemp("by-grade") / "fitted.yaml"
    return fit_scenario(cad, calls, None, out), raw


def test_grade1_travel_of_its_own_is_recovered_per_area(by_grade) -> None:
    outcome, raw = by_grade
    force = load_scenario(outcome.out).forces["fitted"]
    samples = outcome.result.samples
    for area, own in BY_GRADE_TRAVEL.items():
        written = force.areas[area].travel_by_grade
        assert written is not None and written.grade1 is not None, area
        spec = written.grade1.model_dump()
        _recovered(samples[f"travel/{area}/grade1"], own["grade1"], spec)
        # Grade 2 travels as the area's travel did, and is written on its own too.
        assert written.grade2 is not None, area
        truth = raw["forces"]["demo"]["areas"][area]["travel"]
        _recovered(samples[f"travel/{area}/grade2"], truth, written.grade2.model_dump())


def test_decision_time_per_grade_is_recovered_from_jobs_a_free_unit_took(by_grade) -> None:
    outcome, _ = by_grade
    response = load_scenario(outcome.out).forces["fitted"].response
    assert response.dispatch_delay is not None
    for grade, truth in BY_GRADE_DECISION.items():
        written = getattr(response.dispatch_delay, grade)
        assert written is not None and written.distribution == "lognormal", grade
        decision_s = outcome.result.samples[f"decision_delay/{grade}"]
        assert len(decision_s) > 1000, grade
        _recovered(decision_s, truth, written.model_dump())
    assert "raised while a unit of their area was free" in outcome.out.read_text()


def test_the_known_force_without_a_decision_time_is_fitted_as_sent_at_once(
    tmp_path_factory: pytest.TempPathFactory, tmp_path: Path
) -> None:
    cad, calls, _ = simulated_exports(tmp_path_factory)
    outcome = fit_scenario(cad, calls, None, tmp_path / "known.yaml")
    response = load_scenario(outcome.out).forces["fitted"].response
    for grade in ("grade1", "grade2"):
        assert getattr(response.dispatch_delay, grade).model_dump() == {
            "distribution": "constant",
            "value_s": 0.0,
        }
