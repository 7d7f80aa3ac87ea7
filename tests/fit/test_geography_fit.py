"""Beats, stations and a travel matrix fitted from a CAD export of the simulated spatial demo."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from scipy import stats

from sim.app.fit import fit_scenario
from sim.config import Z90, load_scenario, scenario_from_dict
from sim.config.geography_files import resolve_geography_files
from sim.fit.beats import BEAT_PRIOR_COUNT
from tests.fit.spatial_force import ORIGIN_M, SPATIAL_MAPPING, spatial_export


@pytest.fixture(scope="module")
def spatial(tmp_path_factory: pytest.TempPathFactory):
    cad, truth, beats, raw = spatial_export(tmp_path_factory)
    where = tmp_path_factory.mktemp("spatial-fit")
    mapping = where / "mapping.yaml"
    mapping.write_text(yaml.safe_dump(SPATIAL_MAPPING))
    outcome = fit_scenario(cad, None, mapping, where / "fitted.yaml")
    return outcome, truth, beats, raw


def _true_minutes(raw: dict, beat_ids: list[str]) -> dict[tuple[str, str], float]:
    """Every pair's expected minutes in the simulated force (its road graph's shortest paths)."""
    resolved = resolve_geography_files(raw, Path("/"))
    geography = scenario_from_dict(resolved).forces["spatial"].geography
    assert geography is not None
    ids = [b.id for b in geography.beats]
    cube = geography.travel_minutes()[0]
    return {(a, b): float(cube[ids.index(a), ids.index(b)]) for a in beat_ids for b in beat_ids}


def _well_observed_pairs_hold(matrix, true: dict[tuple[str, str], float]) -> int:
    """Check every pair of 20 trips or more against the truth; return how many were checked."""
    sigma, k = matrix.trip_sigma, matrix.prior_count
    checked = 0
    for i, a in enumerate(matrix.beats):
        for j, b in enumerate(matrix.beats):
            n = int(matrix.trips[i, j])
            if n < 20:
                continue
            checked += 1
            log_true = math.log(true[(a, b)])
            # 4 standard errors of a mean log trip, plus the pull of the model's own error.
            pull = k / (n + k) * abs(math.log(matrix.model[i, j]) - log_true)
            error = abs(math.log(matrix.minutes[i, j]) - log_true)
            assert error <= 4 * sigma / math.sqrt(n) + pull, (a, b, n, error)
    return checked


def test_every_beat_is_found_once_whatever_the_spaces_and_case(spatial) -> None:
    outcome, _, beats, _ = spatial
    fits = outcome.result.fits["beats"]
    assert sorted(fits) == sorted(beats["id"])


def test_beat_weights_are_recovered_within_their_multinomial_interval(spatial) -> None:
    outcome, _, beats, _ = spatial
    fits = outcome.result.fits["beats"]
    for area, group in beats.groupby("area"):
        true_share = group.set_index("id")["weight"] / group["weight"].sum()
        n = sum(fits[b].count for b in group["id"])
        assert n > 1000
        for beat, p in true_share.items():
            fitted = fits[beat]
            assert fitted.area == area
            # 4 standard errors of a multinomial share, plus what the prior can move it.
            tolerance = 4 * math.sqrt(p * (1 - p) / n) + BEAT_PRIOR_COUNT * len(group) / n
            assert abs(fitted.weight - p) <= tolerance, (beat, fitted.weight, p, tolerance)
    # No beat's hours differ from its area's in the simulated force.
    assert all(f.profile is None for f in fits.values())


def test_beat_centres_are_the_median_of_their_incidents_in_km(spatial) -> None:
    outcome, _, beats, _ = spatial
    fits = outcome.result.fits["beats"]
    # Incidents scattered uniformly +-0.6 km about the centre: the median's standard error.
    sd_km = 1.2 / math.sqrt(12)
    for row in beats.itertuples():
        fitted = fits[row.id]
        se = 1.2533 * sd_km / math.sqrt(max(fitted.count * 0.9, 1))
        assert abs(fitted.x_km - (row.x_km + ORIGIN_M[0] / 1000)) <= 4 * se + 0.001
        assert abs(fitted.y_km - (row.y_km + ORIGIN_M[1] / 1000)) <= 4 * se + 0.001


def test_well_observed_pairs_hold_the_true_expected_trip(spatial) -> None:
    outcome, truth, _, raw = spatial
    matrix = outcome.result.fits["travel_matrix"]
    true = _true_minutes(raw, matrix.beats)
    # The records' own expected trips agree with the road graph's (one band, no factors).
    seen = truth[truth["origin_beat"] != ""]
    pair_truth = seen.groupby(["origin_beat", "beat"])["expected_travel_s"].agg(["min", "max"])
    for (a, b), row in pair_truth.iterrows():
        assert row["min"] / 60 == pytest.approx(true[(a, b)], rel=1e-6)
        assert row["max"] == pytest.approx(row["min"])
    assert _well_observed_pairs_hold(matrix, true) >= 60


def test_thin_pairs_lie_near_the_distance_model(spatial) -> None:
    outcome, _, _, raw = spatial
    matrix = outcome.result.fits["travel_matrix"]
    true = _true_minutes(raw, matrix.beats)
    unseen = matrix.trips == 0
    np.testing.assert_allclose(matrix.minutes[unseen], matrix.model[unseen])
    thin = (matrix.trips > 0) & (matrix.trips <= 2)
    assert thin.sum() > 50
    # A pair of one or two trips is mostly the model's: the model is worth more trips than it.
    assert matrix.prior_count > 1
    # The model itself is an honest guess where there are no trips: within 30% of the
    # road graph's time for most unobserved pairs, and not biased either way.
    true_unseen = np.array(
        [true[(a, b)] for i, a in enumerate(matrix.beats) for j, b in enumerate(matrix.beats)]
    ).reshape(matrix.minutes.shape)[unseen]
    ratio = np.log(matrix.model[unseen] / true_unseen)
    assert np.median(np.abs(ratio)) < math.log(1.3)
    assert abs(np.median(ratio)) < math.log(1.15)


def test_trip_factor_p90_holds_the_true_one_within_its_interval(spatial) -> None:
    outcome, _, _, raw = spatial
    matrix = outcome.result.fits["travel_matrix"]
    df = matrix.trip_count - int((matrix.trips > 0).sum())
    low, high = stats.chi2.ppf([0.0005, 0.9995], df)
    sigma_low = matrix.trip_sigma * math.sqrt(df / high)
    sigma_high = matrix.trip_sigma * math.sqrt(df / low)
    p90 = raw["forces"]["spatial"]["geography"]["travel"]["trip_factor_p90"]
    assert math.exp(Z90 * sigma_low) <= p90 <= math.exp(Z90 * sigma_high)


def test_the_fitted_scenario_validates_with_its_files_beside_it(spatial) -> None:
    outcome, _, _, _ = spatial
    folder = outcome.out.parent
    text = outcome.out.read_text()
    assert "matrix_file: fitted.travel.csv" in text
    assert "beats: fitted.beats.csv" in text
    assert (folder / "fitted.travel.csv").exists() and (folder / "fitted.beats.csv").exists()
    scenario = load_scenario(outcome.out)
    geography = scenario.forces["fitted"].geography
    assert geography is not None and len(geography.beats) == 40
    # Each area's units are the sum of its stations'.
    raw = yaml.safe_load(text)
    assert all("units" not in area for area in raw["forces"]["fitted"]["areas"].values())
    # The stations are where the force's are (each unit is sent most often from its base).
    assert set(geography.stations) == {"u32", "r35", "r31", "r13", "r53"}


def test_null_beats_and_missing_coordinates_are_in_the_data_report(spatial) -> None:
    outcome, _, _, _ = spatial
    report = outcome.report_text
    assert "of grade 1 or 2 with no beat (beat), kept" in report
    assert "of grade 1 or 2 with no or unreadable coordinates (x, y), kept" in report
    cad = pd.read_csv(Path(str(outcome.result.issues[0].source)), dtype=str)
    deployed = cad["Grade"].isin(["grade1", "grade2"])
    null_beats = int((deployed & cad["Beat Name"].isna()).sum())
    issue = next(i for i in outcome.result.issues if i.column == "beat")
    assert issue.count == null_beats > 0
    assert not issue.left_out


@pytest.mark.slow
def test_fitted_geography_gives_the_data_grade1_p90_per_area(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    cad, _, _, _ = spatial_export(tmp_path_factory)
    where = tmp_path_factory.mktemp("spatial-backtest")
    mapping = where / "mapping.yaml"
    mapping.write_text(yaml.safe_dump(SPATIAL_MAPPING))
    outcome = fit_scenario(cad, None, mapping, where / "fitted.yaml", backtest=True)
    assert outcome.backtest is not None
    rows = {
        (r.metric, r.segment, r.stat): r
        for r in outcome.backtest.rows
        if r.metric == "attendance_time"
    }
    for area in ("urban", "rural"):
        row = rows[("attendance_time", f"grade1/{area}", "p90")]
        assert abs(row.simulated / row.data - 1) <= 0.15, (area, row)
