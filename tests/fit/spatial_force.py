"""The spatial demo, simulated with records and written out as a messy CAD export with beats.

The export has what a CAD system gives: the incident's beat as an operator
typed it (stray spaces, mixed case, some NULL), British National Grid
coordinates in metres (scattered about the beat's centre; missing for some
rows), the unit's callsign and the beat it was sent from. The truth (each
beat's weight, each incident's expected travel) is kept beside it for the
tests to check the fit against.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from sim.app.run import run_scenario
from sim.config import read_yaml_file
from sim.files import read_records

ROOT = Path(__file__).resolve().parents[2]
START = pd.Timestamp("2024-01-01 00:00")  # a Monday
#: Where the synthetic force's (0, 0) km lies on the British National Grid, metres.
ORIGIN_M = (420_000.0, 560_000.0)
#: Half-width of the square an incident's coordinates are scattered in about its beat's centre, m.
SCATTER_M = 600.0


def spatial_known_scenario(bands: bool = False) -> dict:
    """The spatial demo made identifiable: one unit per incident, one travel band.

    No help from the other area and no diversion (each incident has one unit,
    dispatched to cleared, sent from where it was); no time bands (each pair's
    expected trip is one figure, unless ``bands``: the demo's evening and night
    factors); eight weeks, so that the busier pairs are
    well observed. Geography files are made absolute so the scenario can be
    written anywhere.
    """
    raw = read_yaml_file(ROOT / "configs" / "spatial-demo.yaml")
    raw["name"] = "spatial-known"
    raw["days"] = 56
    raw["warmup_days"] = 1
    raw["replications"] = 1
    force = raw["forces"]["spatial"]
    force["response"]["help_from_neighbours"] = False
    force["response"]["divert_from_grade2"] = False
    geography = force["geography"]
    if not bands:
        geography["travel"].pop("band_factors")
    for key in ("beats", "stations"):
        geography[key] = str(ROOT / "configs" / geography[key])
    geography["travel"]["roads_file"] = str(ROOT / "configs" / geography["travel"]["roads_file"])
    return raw


def _stamp(seconds: pd.Series) -> pd.Series:
    out = (START + pd.to_timedelta(seconds, unit="s")).dt.strftime("%d/%m/%Y %H:%M:%S")
    return out.where(seconds.notna(), "NULL")


def _messy(names: pd.Series, rng: np.random.Generator) -> pd.Series:
    """Beat names as typed: some upper case, some with stray spaces."""
    names = names.astype(str)
    shout = rng.random(len(names)) < 0.1
    pad = rng.random(len(names)) < 0.1
    names = names.where(~shout, names.str.upper())
    return names.where(~pad, "  " + names + " ")


def spatial_export(
    tmp_path_factory: pytest.TempPathFactory, bands: bool = False
) -> tuple[Path, pd.DataFrame, pd.DataFrame, dict]:
    """Simulate :func:`spatial_known_scenario` once per session and write its CAD export.

    ``bands``: the force whose trips are longer in the evening and shorter at night.

    Returns
    -------
    (cad, incidents, beats, raw)
        The export file; the in-period incident records (the truth, one row per
        export row, in order); the true beats (``id, area, weight, x_km, y_km``);
        the scenario as a raw dict.
    """
    raw = spatial_known_scenario(bands)
    where = tmp_path_factory.getbasetemp() / ("fit-spatial-bands" if bands else "fit-spatial-force")
    cad, truth = where / "cad.csv", where / "truth.parquet"
    beats = pd.read_csv(ROOT / "configs" / "spatial" / "beats.csv")
    if cad.exists():
        return cad, pd.read_parquet(truth), beats, raw
    where.mkdir(parents=True, exist_ok=True)
    scenario = where / "spatial-known.yaml"
    scenario.write_text(yaml.safe_dump(raw, sort_keys=False))
    run_scenario(scenario, out_dir=where / "res", keep_records=True)
    incidents = read_records(where / "res", "incidents").drop(columns="scenario")
    incidents = incidents[incidents["in_period"]].reset_index(drop=True)
    rng = np.random.default_rng(17)
    centre = beats.set_index("id")[["x_km", "y_km"]]
    beat = incidents["beat"].astype(str)
    located = beat != ""
    x_m = beat.map(centre["x_km"]) * 1000 + ORIGIN_M[0]
    y_m = beat.map(centre["y_km"]) * 1000 + ORIGIN_M[1]
    x_m += rng.uniform(-SCATTER_M, SCATTER_M, len(beat))
    y_m += rng.uniform(-SCATTER_M, SCATTER_M, len(beat))
    no_place = rng.random(len(beat)) < 0.05
    null_beat = rng.random(len(beat)) < 0.02
    origin = incidents["origin_beat"].astype(str)
    frame = pd.DataFrame(
        {
            "Opened": _stamp(incidents["created_s"]),
            "Despatched": _stamp(incidents["dispatched_s"]),
            "On Scene": _stamp(incidents["arrived_s"]),
            "Closed": _stamp(incidents["cleared_s"]),
            "Grade": incidents["first_grade"].astype(str),
            "Division": incidents["area"].astype(str),
            "Callsign": np.where(incidents["unit"] >= 0, "CS" + incidents["unit"].astype(str), ""),
            "Beat Name": _messy(beat, rng).where(located & ~null_beat, "NULL"),
            "Easting": x_m.round(0).where(located & ~no_place),
            "Northing": y_m.round(0).where(located & ~no_place),
            "Unit Origin Beat": _messy(origin, rng).where(origin != "", "NULL"),
        }
    )
    frame.to_csv(cad, index=False)
    truth_cols = [
        "beat",
        "origin_beat",
        "origin_station",
        "expected_travel_s",
        "first_grade",
        "area",
    ]
    incidents[truth_cols].astype(
        {"beat": str, "origin_beat": str, "origin_station": str}
    ).to_parquet(truth)
    return cad, pd.read_parquet(truth), beats, raw


#: The mapping that reads :func:`spatial_export`'s columns.
SPATIAL_MAPPING = {
    "incidents": {
        "columns": {
            "created": "Opened",
            "dispatched": "Despatched",
            "arrived": "On Scene",
            "cleared": "Closed",
            "priority": "Grade",
            "area": "Division",
            "unit": "Callsign",
            "beat": "Beat Name",
            "x": "Easting",
            "y": "Northing",
            "origin_beat": "Unit Origin Beat",
        },
        "dayfirst": True,
        "coordinates": "metres",
    }
}
