"""Geography, opt-in per force: beats, stations and the travel times between beats.

A force that gives ``geography`` has its incidents located in beats and its
response units based at stations; a force without it keeps the aggregate model
(each area one lognormal travel time and a pool of interchangeable units).

- ``beats``: each beat lies in one of the force's areas and takes ``weight``
  (relative, within its area) of the area's incidents, optionally shaped by an
  hour-of-week ``profile`` (168 multipliers, Monday 00:00 first). The area's
  ``share`` still splits the force's incidents between areas.
- ``stations``: each in a beat, with its units on a roster as an area's are
  today. **An area's units are the sum of its stations' units**: leave the
  area's ``units`` out; it is filled in with that sum (for the planning tools),
  and giving both is an error.
- ``travel``: minutes between beat centres, by one of (a) ``matrix_file`` (a
  beat x beat CSV, optionally per time band), (b) ``roads_file`` (a road graph,
  GraphML or an edge-list CSV; shortest paths computed once) or (c)
  ``speed_kmh`` with the beats' centre points and a ``road_factor``. Files are
  read when the scenario is loaded (:mod:`sim.config.geography_files`) into
  ``minutes``, so the resolved scenario (and its manifest) holds the matrix.
  Each trip is the expected time times a lognormal factor of median 1 and 90th
  percentile ``trip_factor_p90`` (1: no randomness).
- ``patrol``: ``station`` (a free unit waits at its station) or ``home_beat``
  (it patrols a beat: unit k of a station the k-th of the station's
  ``patrol_beats``, in turn, or the station's own beat). A unit's position is a
  beat, its centre (its row of the matrix): patrolling the station's own beat
  is the same as waiting at the station.

Time bands (for per-band matrices and ``band_factors``): day 07:00-17:00,
evening 17:00-23:00, night 23:00-07:00, every day of the week.
"""

from __future__ import annotations

import math
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import Field, model_validator

from sim.config.base import CrossFieldError, FrozenModel, Identifier, NotBool, Weight
from sim.config.handlers import Roster

#: The travel-time bands, in the order of a resolved matrix's first axis.
BANDS: tuple[str, ...] = ("day", "evening", "night")
#: Hour of the day each band starts (it runs to the next band's start).
BAND_START_HOUR: dict[str, int] = {"day": 7, "evening": 17, "night": 23}

Km = Annotated[float, Field(ge=-1e5, le=1e5, allow_inf_nan=False), NotBool]
Factor = Annotated[float, Field(gt=0, le=100, allow_inf_nan=False), NotBool]


def band_of_hour(hour: int) -> int:
    """Index in :data:`BANDS` of the band an hour of the day (0-23) falls in."""
    if BAND_START_HOUR["day"] <= hour < BAND_START_HOUR["evening"]:
        return 0
    if BAND_START_HOUR["evening"] <= hour < BAND_START_HOUR["night"]:
        return 1
    return 2


class Beat(FrozenModel):
    """A beat: where incidents happen, in one area of the force (kilometres for places)."""

    id: Identifier
    area: Identifier
    weight: Weight = Field(
        default=1.0, description="Relative share of its area's incidents (within the area)."
    )
    profile: Annotated[list[Weight], Field(min_length=168, max_length=168)] | None = Field(
        default=None, description="168 hour-of-week multipliers of weight, Monday 00:00 first."
    )
    x_km: Km | None = None
    y_km: Km | None = None
    polygon: Annotated[list[tuple[Km, Km]], Field(min_length=3, max_length=10_000)] | None = None


class Station(FrozenModel):
    """A station: where units are based, in one beat, with its units on a roster."""

    beat: Identifier
    units: Roster
    x_km: Km | None = None
    y_km: Km | None = None
    patrol_beats: Annotated[list[Identifier], Field(max_length=2000)] = Field(
        default_factory=list,
        description="With patrol: home_beat, the beats its units patrol when free, one "
        "per unit in turn (default: the station's own beat).",
    )


class Travel(FrozenModel):
    """Expected travel between beats (minutes), and the random factor of each trip."""

    matrix_file: Annotated[str, Field(min_length=1, max_length=1000)] | None = Field(
        default=None, description="Beat x beat CSV of minutes, relative to the scenario file."
    )
    roads_file: Annotated[str, Field(min_length=1, max_length=1000)] | None = Field(
        default=None,
        description="Road graph (GraphML, or CSV from,to,minutes or from,to,length_km), "
        "relative to the scenario file; nodes named by beat id.",
    )
    speed_kmh: Annotated[float, Field(gt=0, le=300, allow_inf_nan=False), NotBool] | None = None
    road_factor: Annotated[float, Field(ge=1, le=5, allow_inf_nan=False), NotBool] = Field(
        default=1.3, description="Road distance over straight-line distance (centre points)."
    )
    band_factors: dict[Literal["day", "evening", "night"], Factor] = Field(
        default_factory=dict, description="Multiplier of every travel time per time band."
    )
    minutes: (
        dict[
            Literal["day", "evening", "night"],
            list[list[Annotated[float, Field(ge=0, le=10_080, allow_inf_nan=False)]]],
        ]
        | None
    ) = Field(default=None, description="Resolved matrix per band (filled from the files).")
    within_beat_min: Annotated[float, Field(ge=0, le=600, allow_inf_nan=False), NotBool] = Field(
        default=0.0,
        description="Travel within a beat, minutes: replaces a 0 on the matrix's diagonal "
        "(a road graph or centre points give 0 from a beat to itself).",
    )
    trip_factor_p90: Annotated[float, Field(ge=1, le=10, allow_inf_nan=False), NotBool] = Field(
        default=1.0, description="90th percentile of the per-trip lognormal factor (median 1)."
    )

    @model_validator(mode="after")
    def _one_method(self) -> Travel:
        given = [
            name
            for name, value in (
                ("matrix_file", self.matrix_file),
                ("roads_file", self.roads_file),
            )
            if value is not None
        ]
        if len(given) > 1:
            raise ValueError("give one of matrix_file and roads_file, not both")
        if given and self.minutes is None:
            raise CrossFieldError(
                [((given[0],), "was not read; load the scenario from its file (load_scenario)")]
            )
        if not given and self.minutes is None and self.speed_kmh is None:
            raise ValueError(
                "needs matrix_file, roads_file, or speed_kmh (with the beats' x_km and y_km)"
            )
        return self

    @property
    def trip_sigma(self) -> float:
        """Log-scale standard deviation of the per-trip factor (0: none)."""
        return math.log(self.trip_factor_p90) / 1.2815515655446004


class Geography(FrozenModel):
    """Beats, stations, travel and the dispatch rule of a force (see the module docstring).

    ``dispatch``: ``nearest`` sends the free unit with the shortest expected
    travel from where it is; ``preference`` the first station of the beat's
    list in ``preferences`` with a free unit (hypercube style: units off the
    list are never sent). ``when_no_unit``: ``queue`` (first come first served,
    grade 1 ahead of grade 2) or ``lost`` (the incident is passed elsewhere
    and counted as lost: the hypercube's zero line).
    """

    beats: Annotated[list[Beat], Field(min_length=1, max_length=2000)]
    stations: Annotated[dict[Identifier, Station], Field(min_length=1, max_length=2000)]
    travel: Travel
    dispatch: Literal["nearest", "preference"] = "nearest"
    preferences: dict[Identifier, list[Identifier]] = Field(default_factory=dict)
    when_no_unit: Literal["queue", "lost"] = "queue"
    patrol: Literal["station", "home_beat"] = Field(
        default="station",
        description="Where a free unit waits: at its station, or patrolling its home beat "
        "(the station's patrol_beats in turn, else the station's beat).",
    )

    @model_validator(mode="after")
    def _consistent(self) -> Geography:
        problems: list[tuple[tuple[str | int, ...], str]] = []
        ids = [beat.id for beat in self.beats]
        seen: set[str] = set()
        for i, beat_id in enumerate(ids):
            if beat_id in seen:
                problems.append((("beats", i, "id"), f"'{beat_id}' is given twice"))
            seen.add(beat_id)
        known = set(ids)
        for station_id, station in self.stations.items():
            if station.beat not in known:
                problems.append(
                    (("stations", station_id, "beat"), f"'{station.beat}' is not a beat")
                )
            for i, beat_id in enumerate(station.patrol_beats):
                if beat_id not in known:
                    problems.append(
                        (("stations", station_id, "patrol_beats", i), f"'{beat_id}' is not a beat")
                    )
        for beat_id, order in self.preferences.items():
            if beat_id not in known:
                problems.append((("preferences", beat_id), "is not a beat"))
            for i, station_id in enumerate(order):
                if station_id not in self.stations:
                    problems.append(
                        (("preferences", beat_id, i), f"'{station_id}' is not a station")
                    )
        if self.dispatch == "preference":
            for beat_id in ids:
                if not self.preferences.get(beat_id):
                    problems.append(
                        (("preferences", beat_id), "missing; dispatch: preference needs a "
                         "list of stations for every beat")
                    )  # fmt: skip
        travel = self.travel
        if travel.minutes is not None:
            for band, matrix in travel.minutes.items():
                if len(matrix) != len(ids) or any(len(row) != len(ids) for row in matrix):
                    problems.append(
                        (("travel", "minutes", band), f"expected {len(ids)} x {len(ids)} minutes")
                    )
        elif any(b.x_km is None or b.y_km is None for b in self.beats):
            problems.append(
                (("travel", "speed_kmh"), "needs every beat's x_km and y_km (centre points)")
            )
        if problems:
            raise CrossFieldError(problems)
        return self

    def travel_minutes(self) -> np.ndarray:
        """Expected travel, minutes, as an array (band, from beat, to beat), bands as :data:`BANDS`.

        A band the resolved matrix leaves out takes the day band's (or the
        first given); a 0 on the diagonal is ``within_beat_min``;
        ``band_factors`` multiply each band.
        """
        travel = self.travel
        if travel.minutes is not None:
            given = {band: np.asarray(m, dtype=float) for band, m in travel.minutes.items()}
            fallback = given.get("day", next(iter(given.values())))
            cube = np.stack([given.get(band, fallback) for band in BANDS])
        else:
            xy = np.array([[b.x_km, b.y_km] for b in self.beats], dtype=float)
            km = np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1))
            assert travel.speed_kmh is not None
            cube = np.stack([km * travel.road_factor / travel.speed_kmh * 60.0] * len(BANDS))
        cube = cube.copy()
        diagonal = np.arange(cube.shape[1])
        cube[:, diagonal, diagonal] = np.where(
            cube[:, diagonal, diagonal] > 0, cube[:, diagonal, diagonal], travel.within_beat_min
        )
        factors = np.array([travel.band_factors.get(band, 1.0) for band in BANDS])
        return cube * factors[:, None, None]


def geography_places(forces: dict[str, Any]) -> dict[str, list[dict[str, Any]]] | None:
    """The beats and stations of a scenario's forces, as ``geography.json`` holds them.

    ``{"beats": [{"id", "area", "x_km", "y_km", "polygon"}], "stations": [{"id",
    "beat", "x_km", "y_km"}]}``, kilometres (``None`` where not given; a
    station without a place is at its beat's centre), each with its ``force``.
    ``forces`` maps force ids to forces; ``None`` when none has geography.
    """
    beats: list[dict[str, Any]] = []
    stations: list[dict[str, Any]] = []
    for force_id, force in forces.items():
        geography: Geography | None = force.geography
        if geography is None:
            continue
        centre = {b.id: (b.x_km, b.y_km) for b in geography.beats}
        for beat in geography.beats:
            polygon = [list(p) for p in beat.polygon] if beat.polygon else None
            beats.append({"id": beat.id, "force": force_id, "area": beat.area,
                          "x_km": beat.x_km, "y_km": beat.y_km, "polygon": polygon})  # fmt: skip
        for station_id, station in geography.stations.items():
            x, y = centre[station.beat]
            stations.append({"id": station_id, "force": force_id, "beat": station.beat,
                             "x_km": x if station.x_km is None else station.x_km,
                             "y_km": y if station.y_km is None else station.y_km})  # fmt: skip
    return {"beats": beats, "stations": stations} if beats else None


def area_units_from_stations(force: dict[str, Any]) -> dict[str, Any]:
    """A raw force mapping whose areas get ``units``: the sum of their stations' rosters.

    Called before validation. An area given ``units`` that differ from the sum
    is an error; a station roster that does not validate is skipped (its own validation reports it).
    """
    geography, areas = force.get("geography"), force.get("areas")
    if not isinstance(geography, dict) or not isinstance(areas, dict):
        return force
    beats, stations = geography.get("beats"), geography.get("stations")
    if not isinstance(beats, list) or not isinstance(stations, dict):
        return force
    beat_area = {b.get("id"): b.get("area") for b in beats if isinstance(b, dict)}
    per_area: dict[str, np.ndarray] = {}
    for station in stations.values():
        if not isinstance(station, dict):
            continue
        try:
            roster = Roster.model_validate(station.get("units"))
        except ValueError:
            continue
        area = beat_area.get(station.get("beat"))
        if isinstance(area, str):
            per_area[area] = per_area.get(area, 0) + roster.staff_per_minute()
    filled = {}
    both: list[tuple[tuple[str | int, ...], str]] = []
    for area_id, area in areas.items():
        if not isinstance(area, dict):
            filled[area_id] = area
            continue
        # 15-minute intervals, the finest a roster has: each takes its first minute.
        minutes = per_area.get(str(area_id), np.zeros(10_080, dtype=np.int64))[::15]
        if "units" in area:
            # A resolved scenario dumped and read again holds the sum already.
            if not _same_roster(area["units"], minutes):
                both.append(
                    (("areas", area_id, "units"), "differs from the sum of its stations' "
                     "units; with geography leave it out (it is the sum of the stations')")
                )  # fmt: skip
            filled[area_id] = area
            continue
        units = {"interval_minutes": 15, "staff": minutes.tolist(), "allow_gaps": True}
        filled[area_id] = {**area, "units": units}
    if both:
        raise CrossFieldError(both)
    return {**force, "areas": filled}


def _same_roster(raw: Any, per_quarter: np.ndarray) -> bool:
    """Whether a raw roster has, in every 15-minute interval, the staff of ``per_quarter``."""
    try:
        roster = Roster.model_validate(raw)
    except ValueError:
        return False
    return bool(np.array_equal(roster.staff_per_minute(), np.repeat(per_quarter, 15)))


__all__ = [
    "BANDS",
    "BAND_START_HOUR",
    "Beat",
    "Geography",
    "Station",
    "Travel",
    "area_units_from_stations",
    "band_of_hour",
    "geography_places",
]
