"""The travel-matrix and beat-profile estimators on synthetic data with a known answer."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import yaml

from sim.config import parse_yaml, scenario_from_dict
from sim.config.geography_files import resolve_geography_files
from sim.fit.assemble import build_scenario
from sim.fit.beats import beat_key, beat_profile
from sim.fit.emit import scenario_yaml
from sim.fit.mapping import IncidentMapping
from sim.fit.read import read_incidents
from sim.fit.travel_matrix import fit_travel_matrix
from tests.fit.spatial_force import SPATIAL_MAPPING, spatial_export

#: A line of beats 2 km apart; the true expected trip is 2 + 1.5 min/km, 3 min within a beat.
CENTRES = {f"b{i}": (2.0 * i, 0.0) for i in range(6)}
SIGMA = math.log(1.4) / 1.2815515655446004


def _true_minutes(a: str, b: str) -> float:
    if a == b:
        return 3.0
    return 2.0 + 1.5 * abs(CENTRES[a][0] - CENTRES[b][0])


def _trips(rng: np.random.Generator, pairs: dict[tuple[str, str], int]) -> pd.DataFrame:
    rows = []
    for (a, b), n in pairs.items():
        factor = np.exp(rng.normal(0.0, SIGMA, n))
        rows += [(a, b, _true_minutes(a, b) * 60 * f) for f in factor]
    return pd.DataFrame(rows, columns=["origin", "destination", "travel_s"])


def test_distance_model_and_trip_factor_are_recovered_from_a_straight_line_force() -> None:
    rng = np.random.default_rng(3)
    beats = list(CENTRES)
    pairs = {(a, b): 60 for a in beats for b in beats if abs(int(a[1]) - int(b[1])) <= 2}
    fit = fit_travel_matrix(beats, _trips(rng, pairs), CENTRES)
    assert fit is not None
    # Medians of lognormal trips: a + b x d exactly, so the line comes back (2 and 1.5).
    assert fit.intercept_min == pytest.approx(2.0, abs=0.35)
    assert fit.per_km_min == pytest.approx(1.5, abs=0.06)
    assert fit.within_beat_min == pytest.approx(3.0, rel=0.05)
    # The trips' log-sd, on about 1,600 trips: within 4 standard errors (sigma / sqrt(2 df)).
    df = fit.trip_count - int((fit.trips > 0).sum())
    assert abs(fit.trip_sigma - SIGMA) <= 4 * SIGMA / math.sqrt(2 * df)
    # The model fits every pair, so it is worth many trips.
    assert fit.prior_count > 10
    # Pairs 3 or more beats apart had no trip: they take the line, near the truth.
    for i, a in enumerate(beats):
        for j, b in enumerate(beats):
            assert fit.minutes[i, j] == pytest.approx(_true_minutes(a, b), rel=0.1), (a, b)


def test_a_pair_unlike_the_model_keeps_its_own_median_when_well_observed() -> None:
    rng = np.random.default_rng(5)
    beats = list(CENTRES)
    pairs = {(a, b): 40 for a in beats for b in beats if a != b}
    trips = _trips(rng, pairs)
    # A river between b0 and b1: twice as long as the distance says, in both directions.
    slow = trips["origin"].isin(["b0", "b1"]) & trips["destination"].isin(["b0", "b1"])
    trips.loc[slow, "travel_s"] *= 2.0
    thin = trips[~slow | (trips.index % 40 == 0)]  # one slow trip each way
    well = fit_travel_matrix(beats, trips, CENTRES)
    sparse = fit_travel_matrix(beats, thin, CENTRES)
    assert well is not None and sparse is not None
    truth = 2 * _true_minutes("b0", "b1")
    se = SIGMA / math.sqrt(40)
    assert abs(math.log(well.minutes[0, 1] / truth)) <= 4 * se + math.log(1.15)
    # One trip is pulled most of the way to the model (k trips to its 1).
    k = sparse.prior_count
    own = math.log(
        thin[(thin["origin"] == "b0") & (thin["destination"] == "b1")]["travel_s"].iloc[0] / 60
    )
    expected = (own + k * math.log(sparse.model[0, 1])) / (1 + k)
    assert math.log(sparse.minutes[0, 1]) == pytest.approx(expected)
    assert k > 1


def test_no_centre_points_give_one_figure_between_any_two_beats() -> None:
    rng = np.random.default_rng(8)
    beats = list(CENTRES)
    pairs = {(a, b): 30 for a in beats for b in beats}
    fit = fit_travel_matrix(beats, _trips(rng, pairs), None)
    assert fit is not None and fit.per_km_min is None
    off = ~np.eye(len(beats), dtype=bool)
    assert np.allclose(fit.model[off], fit.intercept_min)


def test_beat_names_match_whatever_the_spaces_and_case() -> None:
    assert beat_key("  Town   Centre ") == beat_key("town centre") == "town centre"


def test_a_beat_gets_its_own_profile_only_where_its_hours_differ() -> None:
    rng = np.random.default_rng(11)
    area = rng.integers(0, 168, 5000)
    same = rng.integers(0, 168, 400)
    profile, p = beat_profile(same, np.concatenate([area, same]))
    assert profile is None and p is not None and p > 0.001
    # A night-time beat: two thirds of its incidents between 00:00 and 06:00.
    night = np.concatenate([rng.integers(0, 6, 300) + 24 * rng.integers(0, 7, 300), same[:150]])
    profile, p = beat_profile(night, np.concatenate([area, night]))
    assert profile is not None and p < 1e-6
    assert len(profile) == 168 and min(profile[:6]) > 2 > max(profile[12:18])
    # Too few incidents: no test at all.
    assert beat_profile(night[:50], area) == (None, None)


def test_beats_with_a_profile_are_written_in_the_yaml_and_validate(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    cad, _, _, _ = spatial_export(tmp_path_factory)
    mapping = IncidentMapping.model_validate(SPATIAL_MAPPING["incidents"])
    cleaned = read_incidents(cad, mapping)
    frame = cleaned.frame
    # Beat r13's incidents moved to the small hours of their day: its own profile.
    r13 = frame["beat_key"] == "r13"
    for column in ("created", "dispatched", "arrived", "cleared"):
        frame.loc[r13, column] = frame.loc[r13, column].dt.floor("D") + pd.Timedelta(hours=2)
    result = build_scenario(cleaned, None, name="profiled")
    beats = result.scenario["forces"]["fitted"]["geography"]["beats"]
    assert isinstance(beats, list)
    assert [b["id"] for b in beats if "profile" in b] == ["r13"]
    folder = tmp_path_factory.mktemp("profiled")
    for name, text in result.files.items():
        (folder / name).write_text(text)
    assert "profiled.beats.csv" not in result.files
    text = scenario_yaml(result)
    raw = resolve_geography_files(parse_yaml(text, "profiled.yaml"), folder / "profiled.yaml")
    scenario = scenario_from_dict(raw)
    geography = scenario.forces["fitted"].geography
    assert geography is not None
    assert next(b for b in geography.beats if b.id == "r13").profile is not None
    assert yaml.safe_load(text)["forces"]["fitted"]["geography"]["beats"][0]["id"]


def test_evening_and_night_factors_are_recovered_and_the_matrix_is_the_days(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    from sim.app.fit import fit_scenario
    from tests.fit.test_geography_fit import _true_minutes, _well_observed_pairs_hold

    cad, _, _, raw = spatial_export(tmp_path_factory, bands=True)
    where = tmp_path_factory.mktemp("bands")
    (where / "mapping.yaml").write_text(yaml.safe_dump(SPATIAL_MAPPING))
    outcome = fit_scenario(cad, None, where / "mapping.yaml", where / "fitted.yaml")
    matrix = outcome.result.fits["travel_matrix"]
    true_bands = raw["forces"]["spatial"]["geography"]["travel"]["band_factors"]
    for band, factor in true_bands.items():
        # Within 3.3 standard errors (99.9%) of the fitted factor.
        log_error = math.log(matrix.band_factors[band] / factor)
        assert abs(log_error) <= 3.3 * matrix.band_log_se[band], (band, matrix.band_factors)
    written = yaml.safe_load(outcome.out.read_text())["forces"]["fitted"]["geography"]["travel"]
    assert set(written["band_factors"]) == {"evening", "night"}
    # The matrix is the day's: the road graph's times with no band factor.
    assert _well_observed_pairs_hold(matrix, _true_minutes(raw | {}, matrix.beats)) >= 40
