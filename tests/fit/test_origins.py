"""Origins derived from callsigns' stations, for a CAD export with no origin beat column."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from sim.app.fit import fit_scenario
from sim.config import load_scenario
from sim.errors import InputError
from sim.fit.mapping import IncidentMapping, read_mapping
from sim.fit.origins import derive_origins
from sim.fit.read import read_incidents
from tests.fit.spatial_force import SPATIAL_MAPPING, spatial_export
from tests.fit.test_geography_fit import _true_minutes, _well_observed_pairs_hold

#: Callsign prefix of each station's cars, and the station's beat (configs/spatial/stations.csv).
PREFIXES = {"CE": "u32", "NO": "r35", "SO": "r31", "WE": "r13", "EA": "R53 "}


@pytest.fixture(scope="module")
def no_origin(tmp_path_factory: pytest.TempPathFactory):
    """The spatial export without its origin column, each callsign led by its station's code."""
    cad, truth, _, raw = spatial_export(tmp_path_factory)
    frame = pd.read_csv(cad, dtype=str, keep_default_na=False)
    home = truth.assign(unit=frame["Callsign"])[truth["origin_station"] != ""]
    station = home.groupby("unit")["origin_station"].agg(lambda s: s.value_counts().index[0])
    code = {"central": "CE", "north": "NO", "south": "SO", "west": "WE", "east": "EA"}
    frame["Callsign"] = frame["Callsign"].map(lambda u: f"{code[station[u]]}{u[2:]}" if u else "")
    frame = frame.drop(columns="Unit Origin Beat")
    where = tmp_path_factory.mktemp("no-origin")
    frame.to_csv(where / "cad.csv", index=False)
    mapping = yaml.safe_load(yaml.safe_dump(SPATIAL_MAPPING))
    mapping["incidents"]["columns"].pop("origin_beat")
    mapping["incidents"]["stations"] = PREFIXES
    (where / "mapping.yaml").write_text(yaml.safe_dump(mapping))
    return where, truth, raw


def test_origins_from_stations_and_last_jobs_match_the_records(no_origin) -> None:
    where, truth, raw = no_origin
    mapping = IncidentMapping.model_validate(
        yaml.safe_load((where / "mapping.yaml").read_text())["incidents"]
    )
    frame = read_incidents(where / "cad.csv", mapping).frame
    true = _true_minutes(raw, sorted({*truth["beat"], *truth["origin_beat"]} - {""}))
    deployed = frame["grade"].isin(["grade1", "grade2"]) & frame["beat_key"].notna()

    def back(beats: pd.Series, stations: pd.Series) -> np.ndarray:
        return np.array([true[(s, b)] for b, s in zip(beats, stations, strict=True)])

    first = derive_origins(frame[deployed], PREFIXES)
    both = derive_origins(frame[deployed], PREFIXES, back)
    actual = truth.loc[deployed.to_numpy(), "origin_beat"].to_numpy()
    certain = first.notna().to_numpy()
    # Pass 1's origins (first job, two hours idle): enough trips from each station to fit
    # the trips back to it, and nearly all right (a unit's first job in the export may
    # follow one in the warm-up, which the export does not have).
    assert certain.mean() > 0.1
    assert (first.to_numpy()[certain] == actual[certain]).mean() > 0.97
    # With the true trips back, nearly every origin is the record's.
    agree = (both.fillna("").to_numpy() == actual).mean()
    assert agree > 0.97, agree


def test_a_matrix_fitted_from_derived_origins_holds_the_true_trips(no_origin) -> None:
    where, _, raw = no_origin
    outcome = fit_scenario(where / "cad.csv", None, where / "mapping.yaml", where / "fitted.yaml")
    matrix = outcome.result.fits["travel_matrix"]
    assert _well_observed_pairs_hold(matrix, _true_minutes(raw, matrix.beats)) >= 60
    geography = load_scenario(outcome.out).forces["fitted"].geography
    assert geography is not None
    assert set(geography.stations) == {"u32", "r35", "r31", "r13", "r53"}
    assert "origins derived from the callsigns' stations" in outcome.out.read_text()


def test_a_coordinate_unit_the_fit_does_not_know_names_the_field(tmp_path: Path) -> None:
    mapping = tmp_path / "m.yaml"
    mapping.write_text(yaml.safe_dump({"incidents": {"coordinates": "miles"}}))
    with pytest.raises(InputError) as raised:
        read_mapping(mapping)
    problem = raised.value.problems[0]
    assert problem.path == "incidents.coordinates" and "metres" in problem.message


def test_beats_without_units_or_origins_keep_the_aggregate_model(no_origin) -> None:
    where, _, _ = no_origin
    mapping = yaml.safe_load((where / "mapping.yaml").read_text())
    mapping["incidents"].pop("stations")
    (where / "plain.yaml").write_text(yaml.safe_dump(mapping))
    outcome = fit_scenario(where / "cad.csv", None, where / "plain.yaml", where / "plain-fit.yaml")
    force = load_scenario(outcome.out).forces["fitted"]
    assert force.geography is None and outcome.files == ()
    assert "no geography fitted" in outcome.out.read_text()
