"""A fitted force's ``geography:``: beats, stations and the travel matrix from a CAD export.

Needs the export's ``beat`` and, for stations and travel, ``unit`` and
``origin_beat`` (the beat the unit was sent from: its station, or the job it
had just cleared; CAD systems record it with the unit's position or its
assigned base at dispatch). Each unit's station is the beat it was most often
sent from (a unit idle at base is sent from its station); a station is named
for its beat. Each area's fitted units (:mod:`sim.fit.response`, one value per
hour of the week) are split between the stations in its beats in proportion
to the unit ids based there, largest remainder per hour, so that an area's
units are still the sum of its stations'. The beats and the matrix are
written as CSV files beside the YAML (``<name>.beats.csv``,
``<name>.travel.csv``); the stations, whose units vary by hour of the week,
are in the YAML (a station read from a CSV has its units on duty all week).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from sim.config.geography import band_of_hour
from sim.fit.beats import METRES_PER_KM, BeatFit, fit_beats
from sim.fit.origins import AT_BASE_AFTER_MIN, derive_origins
from sim.fit.response import valid_ids
from sim.fit.travel_matrix import fit_travel_matrix
from sim.units import HOURS_PER_WEEK

if TYPE_CHECKING:
    from sim.fit.assemble import FitParts


def _mode(values: pd.Series) -> Any:
    """The most common value (the first seen of equally common ones)."""
    return values.value_counts(sort=True).index[0]


def _split(staff: int | list[int], shares: dict[str, float]) -> dict[str, list[int]]:
    """An area's units per hour shared out by ``shares``, largest remainder each hour."""
    hourly = np.full(HOURS_PER_WEEK, staff) if isinstance(staff, int) else np.asarray(staff)
    names = list(shares)
    frac = np.array([shares[s] for s in names], dtype=float)
    out = np.zeros((len(names), len(hourly)), dtype=int)
    for h, total in enumerate(hourly.astype(int)):
        exact = frac * total
        whole = np.floor(exact).astype(int)
        rest = int(total - whole.sum())
        order = np.argsort(-(exact - whole), kind="stable")[:rest]
        whole[order] += 1
        out[:, h] = whole
    return {s: [int(v) for v in out[i]] for i, s in enumerate(names)}


def _beats_csv(fits: dict[str, BeatFit], ids: dict[str, str], area_ids: dict[str, str]) -> str:
    """The beats as ``geography.beats`` reads them: id, area, weight, x_km, y_km."""
    frame = pd.DataFrame(
        {
            "id": [ids[k] for k in fits],
            "area": [area_ids[f.area] for f in fits.values()],
            "weight": [f.weight for f in fits.values()],
            "x_km": [f.x_km for f in fits.values()],
            "y_km": [f.y_km for f in fits.values()],
        }
    )
    return frame.to_csv(index=False, lineterminator="\n")


def _trips(deployed: pd.DataFrame) -> pd.DataFrame:
    """Grade 1 and 2 jobs with a beat, an origin beat and a travel time."""
    known = deployed["beat_key"].notna() & deployed["origin_key"].notna()
    return deployed[known & deployed["travel_s"].notna()]


def _frame(trips: pd.DataFrame, ids: dict[str, str]) -> pd.DataFrame:
    """Trips as :func:`fit_travel_matrix` takes them: origin and destination beat ids."""
    return pd.DataFrame(
        {
            "origin": trips["origin_key"].map(ids),
            "destination": trips["beat_key"].map(ids),
            "travel_s": trips["travel_s"],
            "band": trips["dispatched"].dt.hour.map(band_of_hour),
        }
    )


def _homes(trips: pd.DataFrame) -> pd.Series:
    """Each unit id's station beat key: the origin it was most often sent from."""
    with_unit = trips[trips["unit"].notna()]
    return with_unit.groupby("unit")["origin_key"].agg(_mode)


def add_geography(
    parts: FitParts,
    force: dict[str, Any],
    inc: pd.DataFrame,
    name: str,
    metres: bool = True,
    station_prefixes: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """Add ``geography`` to a fitted force where the export locates its incidents.

    Parameters
    ----------
    parts
        The fit's comments and fits (updated here: ``fits['beats']``,
        ``fits['travel_matrix']``).
    force
        The fitted force, its ``areas`` already fitted (their ``units`` move to
        the stations).
    inc
        Cleaned incidents with ``beat_key`` and, for stations and travel,
        ``origin_key``, ``unit`` and ``travel_s``; ``x``, ``y`` where recorded.
    name
        Stem of the files written beside the YAML.
    metres
        ``x`` and ``y`` are metres (British National Grid); else kilometres.
    station_prefixes
        Callsign prefix -> station beat (the mapping's ``stations:``): with no
        ``origin_beat`` column, each trip's origin is derived from them
        (:func:`sim.fit.origins.derive_origins`).

    Returns
    -------
    dict
        File name (relative to the YAML) -> CSV text; empty when no geography
        could be fitted (the reason is in the force's comment).
    """
    path = (*parts.force_path, "geography")
    if "beat_key" not in inc or "areas" not in force:
        return {}
    deployed = inc[inc["grade"].isin(["grade1", "grade2"]) & inc["area"].notna()]
    area_ids = valid_ids(str(n) for n in deployed["area"].value_counts().index)
    derived = "origin_key" not in inc and bool(station_prefixes)
    if derived and {"unit", "dispatched", "cleared"} <= set(inc.columns):
        deployed = deployed.assign(origin_key=derive_origins(deployed, station_prefixes))
    if not {"origin_key", "unit", "travel_s"} <= set(deployed.columns):
        parts.comments[(*parts.force_path, "areas")] = (
            "the export has beats but not the unit and its origin beat: no geography fitted "
            "(map unit and origin_beat, or give stations: callsign prefixes, to fit "
            "stations and a travel matrix)"
        )
        return {}
    trips = _trips(deployed)
    located = set(deployed["beat_key"].dropna())
    extra = {
        str(key): str(_mode(group["area"]))
        for key, group in trips.groupby("origin_key")
        if key not in located
    }
    fits = fit_beats(deployed, area_ids, extra, 1.0 / METRES_PER_KM if metres else 1.0)
    ids = valid_ids(list(fits), fallback="beat")
    centres = {
        ids[k]: (f.x_km, f.y_km)
        for k, f in fits.items()
        if f.x_km is not None and f.y_km is not None
    }
    matrix = fit_travel_matrix(list(ids.values()), _frame(trips, ids), centres)
    if derived and matrix is not None:
        # Pass 2: a unit sent while still driving back is sent from its last job's beat.
        at = {beat: i for i, beat in enumerate(matrix.beats)}
        first = matrix

        def back(beat_keys: pd.Series, station_keys: pd.Series) -> np.ndarray:
            # Roads are two-way: back from a beat as long as out from the station to it.
            rows = station_keys.map(ids).map(at).to_numpy(dtype=float)
            cols = beat_keys.map(ids).map(at).to_numpy(dtype=float)
            known = np.isfinite(rows) & np.isfinite(cols)
            out = np.full(len(rows), np.inf)
            out[known] = first.minutes[rows[known].astype(int), cols[known].astype(int)]
            return out

        deployed = deployed.assign(origin_key=derive_origins(deployed, station_prefixes, back))
        trips = _trips(deployed)
        matrix = fit_travel_matrix(list(ids.values()), _frame(trips, ids), centres)
    if matrix is None:
        parts.comments[(*parts.force_path, "areas")] = (
            "too few trips from a known origin beat to another beat: no geography fitted"
        )
        return {}
    homes = _homes(trips)
    area_of_beat = {key: fit.area for key, fit in fits.items()}
    homeless = [a for a in area_ids if not (homes.map(area_of_beat) == a).any()]
    if homeless:
        parts.comments[(*parts.force_path, "areas")] = (
            f"no unit is based in a beat of area '{homeless[0]}' (by its origin beats): "
            "no geography fitted"
        )
        return {}
    stations: dict[str, dict[str, Any]] = {}
    for area, area_id in area_ids.items():
        based = homes[homes.map(area_of_beat) == area]
        counts = based.value_counts()
        shares = {ids[key]: int(k) / len(based) for key, k in counts.items()}
        units = force["areas"][area_id].pop("units")
        for station, staff in _split(units["staff"], shares).items():
            stations[station] = {"beat": station, "units": {"staff": staff, "allow_gaps": True}}
    parts.fits["beats"] = fits
    parts.fits["travel_matrix"] = matrix
    beats_file, matrix_file = f"{name}.beats.csv", f"{name}.travel.csv"
    profiled = any(f.profile is not None for f in fits.values())
    beats: Any = beats_file
    if profiled:
        # A beats CSV has no profile column: beats with their own profile are written here.
        beats = [
            {
                "id": ids[k],
                "area": area_ids[f.area],
                "weight": f.weight,
                **({"x_km": f.x_km, "y_km": f.y_km} if f.x_km is not None else {}),
                **({"profile": f.profile} if f.profile is not None else {}),
            }
            for k, f in fits.items()
        ]
    force["geography"] = {
        "beats": beats,
        "stations": stations,
        "travel": {"matrix_file": matrix_file, "trip_factor_p90": round(matrix.trip_factor_p90, 3)},
        "dispatch": "nearest",
    }
    without = int(deployed["beat_key"].isna().sum())
    parts.comments[(*path, "beats")] = (
        f"{len(fits)} beats from {int(sum(f.count for f in fits.values()))} grade 1 and 2 "
        f"incidents ({without} with no beat left out); weight: count + 0.5 (a beat seen only "
        "as an origin keeps a little); centre: median of its incidents' coordinates"
        + (
            f"; {sum(f.profile is not None for f in fits.values())} beat(s) with a profile of "
            "their own (200+ incidents, six-hourly counts unlike the area's at p < 0.001)"
            if profiled
            else "; no beat's hours differ from its area's enough for a profile of its own"
        )
    )
    parts.comments[(*path, "stations")] = (
        f"{len(stations)} stations, each a beat {homes.size} unit ids were most often sent "
        "from; each area's fitted units split between its stations by the unit ids based there"
    )
    parts.comments[(*path, "travel", "matrix_file")] = matrix.note() + (
        f"; origins derived from the callsigns' stations: from the station after "
        f"{AT_BASE_AFTER_MIN:g} min idle or while back there by the fitted trip, else from "
        "the job just cleared"
        if derived
        else ""
    )
    # A band's factor is written only where it is clearly not 1 (beyond 2 standard errors).
    bands = {
        band: round(factor, 3)
        for band, factor in matrix.band_factors.items()
        if abs(np.log(factor)) > 2 * matrix.band_log_se[band]
    }
    if bands:
        force["geography"]["travel"]["band_factors"] = bands
    band_note = "; ".join(
        f"{band} {factor:.3f} (95% CI {factor * np.exp(-1.96 * matrix.band_log_se[band]):.3f}-"
        f"{factor * np.exp(1.96 * matrix.band_log_se[band]):.3f})"
        for band, factor in matrix.band_factors.items()
    )
    if bands:
        parts.comments[(*path, "travel", "band_factors")] = (
            f"trips by band of dispatch over the day's: {band_note}; a band within 2 standard "
            "errors of 1 left out (the matrix is the day's)"
        )
    elif band_note:
        parts.comments[(*path, "travel", "matrix_file")] += (
            f"; no band differs from the day's beyond 2 standard errors: {band_note}"
        )
    parts.comments[(*path, "travel", "trip_factor_p90")] = (
        f"trips about their pair's median, pooled: log-sd {matrix.trip_sigma:.3f}"
    )
    files = {matrix_file: matrix.csv()}
    if not profiled:
        files[beats_file] = _beats_csv(fits, ids, area_ids)
    return files
