"""Reading a force's geography files into the scenario: files in, one travel matrix out.

Called on the parsed YAML of a scenario file before it is validated, so that
the validated scenario (and the manifest of every run) holds the beats, the
stations and the resolved beat x beat minutes, and the model never reads a
file. Paths are relative to the scenario file. A road graph's all-pairs
shortest paths are computed here, once, by networkx.

File formats (CSV: UTF-8, comma-separated, a header row):

- beats: ``id, area`` and optionally ``weight, x_km, y_km, polygon`` (the
  polygon as ``x y; x y; ...`` in kilometres);
- stations: ``id, beat, units`` (units constantly on duty) and optionally
  ``x_km, y_km``; a station with a roster is given in the YAML instead;
- travel matrix: ``from``, optionally ``band`` (day, evening, night), then one
  column per beat id, minutes from the row's beat to the column's;
- roads: GraphML with an edge attribute ``minutes`` or ``length_km``, or a CSV
  ``from, to`` with ``minutes`` or ``length_km`` (and ``speed_kmh`` per edge or
  ``travel.speed_kmh``); nodes named by beat id (other nodes are junctions);
  roads are two-way;
- border travel (scenario-level ``border_travel.file``): ``from, to, minutes``,
  beats named ``FORCE/BEAT`` (other names are junctions), roads two-way.

Every problem names the file, the row (as a spreadsheet numbers it, the
header being row 1) and the column.
"""

from __future__ import annotations

import copy
import csv
import io
import math
from pathlib import Path
from typing import Any

from sim.config.border import place_problem
from sim.errors import InputError, Problem
from sim.files import not_a_regular_file

#: The largest geography file read, bytes (a 2,000-beat matrix is about 20 MB).
MAX_GEOGRAPHY_FILE_BYTES = 64 * 1024 * 1024
_BAND_NAMES = ("day", "evening", "night")


def resolve_geography_files(raw: Any, scenario_path: str | Path) -> Any:
    """A copy of a parsed scenario with every force's geography files read in.

    ``beats`` and ``stations`` given as file names become lists and mappings;
    ``travel.matrix_file`` or ``travel.roads_file`` fill ``travel.minutes``
    (the file name is kept, to say where the figures came from). Anything
    malformed that is not a file is left for validation to report.

    Raises
    ------
    InputError
        For a file that cannot be read, or a row or column that is wrong.
    """
    if not isinstance(raw, dict) or not isinstance(raw.get("forces"), dict):
        return raw
    folder = Path(scenario_path).parent
    result = None
    problems: list[Problem] = []
    for force_id, force in raw["forces"].items():
        if not isinstance(force, dict) or not isinstance(force.get("geography"), dict):
            continue
        if result is None:
            result = copy.deepcopy(raw)
        geography = result["forces"][force_id]["geography"]
        where = f"forces.{force_id}.geography"
        try:
            _resolve_force(geography, folder, where)
        except InputError as exc:
            problems.extend(exc.problems)
    border = raw.get("border_travel")
    if isinstance(border, dict) and isinstance(border.get("file"), str):
        if result is None:
            result = copy.deepcopy(raw)
        try:
            table = _open(folder, border["file"], "border_travel.file")
            result["border_travel"]["roads"] = _read_border(table, result["forces"])
        except InputError as exc:
            problems.extend(exc.problems)
    if problems:
        raise InputError(problems)
    return raw if result is None else result


def _read_border(table: _Table, forces: dict[str, Any]) -> list[dict[str, Any]]:
    """The roads of a border travel CSV (``from, to, minutes``), each end checked."""
    table.need("from", "to", "minutes")
    beats = {
        str(force_id): {str(b.get("id")) for b in geography["beats"] if isinstance(b, dict)}
        for force_id, force in forces.items()
        if isinstance(force, dict)
        and isinstance(geography := force.get("geography"), dict)
        and isinstance(geography.get("beats"), list)
    }
    roads = []
    for i, row in enumerate(table.rows):
        for column in ("from", "to"):
            message = place_problem(row[column], beats)
            if message is not None:
                table.fail(i, column, message)
        roads.append(
            {"start": row["from"], "end": row["to"], "minutes": table.number(i, "minutes", 0.0)}
        )
    if not roads:
        raise InputError([Problem(table.name, "", "has no rows")])
    return roads


def _resolve_force(geography: dict[str, Any], folder: Path, where: str) -> None:
    if isinstance(geography.get("beats"), str):
        geography["beats"] = _read_beats(_open(folder, geography["beats"], f"{where}.beats"))
    if isinstance(geography.get("stations"), str):
        table = _open(folder, geography["stations"], f"{where}.stations")
        geography["stations"] = _read_stations(table)
    travel = geography.get("travel")
    beats = geography.get("beats")
    if not isinstance(travel, dict) or not isinstance(beats, list):
        return
    beat_ids = [str(b.get("id")) for b in beats if isinstance(b, dict)]
    if isinstance(travel.get("matrix_file"), str):
        table = _open(folder, travel["matrix_file"], f"{where}.travel.matrix_file")
        travel["minutes"] = _read_matrix(table, beat_ids)
    elif isinstance(travel.get("roads_file"), str):
        path = _path(folder, travel["roads_file"], f"{where}.travel.roads_file")
        travel["minutes"] = {"day": _road_minutes(path, beat_ids, travel.get("speed_kmh"))}


class _Table:
    """A CSV file's rows as mappings by header, with the file's name for messages."""

    def __init__(self, name: str, text: str):
        self.name = name
        reader = csv.DictReader(io.StringIO(text))
        self.columns = [c.strip() for c in (reader.fieldnames or [])]
        self.rows = [
            {k.strip(): (v or "").strip() for k, v in row.items() if k is not None}
            for row in reader
        ]

    def need(self, *columns: str) -> None:
        missing = [c for c in columns if c not in self.columns]
        if missing:
            there = ", ".join(self.columns) or "none"
            raise InputError(
                [
                    Problem(
                        self.name, "row 1", f"has no column {', '.join(missing)}; columns: {there}"
                    )
                ]
            )

    def number(self, row: int, column: str, low: float = -math.inf) -> float:
        text = self.rows[row].get(column, "")
        try:
            value = float(text)
        except ValueError:
            value = math.nan
        if not math.isfinite(value) or value < low:
            bound = f"a number of at least {low:g}" if low > -math.inf else "a number"
            raise InputError(
                [
                    Problem(
                        self.name,
                        f"row {row + 2}, column {column}",
                        f"is {text!r}; expected {bound}",
                    )
                ]
            )
        return value

    def fail(self, row: int, column: str, message: str) -> None:
        """Raise the problem of one cell (``row`` counts data rows from 0)."""
        raise InputError([Problem(self.name, f"row {row + 2}, column {column}", message)])


def _path(folder: Path, name: str, field: str) -> Path:
    path = folder / name
    why = not_a_regular_file(path)
    if why is None and path.stat().st_size > MAX_GEOGRAPHY_FILE_BYTES:
        why = f"is over {MAX_GEOGRAPHY_FILE_BYTES // 2**20} MiB"
    if why is not None:
        raise InputError([Problem(str(path), "", f"{why} (named by {field})")])
    return path


def _open(folder: Path, name: str, field: str) -> _Table:
    path = _path(folder, name, field)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError([Problem(str(path), "", f"cannot be read: {exc}")]) from None
    return _Table(str(path), text)


def _read_beats(table: _Table) -> list[dict[str, Any]]:
    table.need("id", "area")
    beats = []
    for i, row in enumerate(table.rows):
        beat: dict[str, Any] = {"id": row["id"], "area": row["area"]}
        for column in ("weight", "x_km", "y_km"):
            if row.get(column):
                beat[column] = table.number(i, column, 0.0 if column == "weight" else -math.inf)
        if row.get("polygon"):
            beat["polygon"] = _polygon(table, i)
        beats.append(beat)
    return beats


def _polygon(table: _Table, row: int) -> list[list[float]]:
    text = table.rows[row]["polygon"]
    points = []
    for pair in text.split(";"):
        parts = pair.split()
        try:
            x, y = (float(p) for p in parts)
        except ValueError:
            raise InputError(
                [Problem(table.name, f"row {row + 2}, column polygon",
                         f"has {pair.strip()!r}; expected 'x y' pairs (km) separated by ';'")]
            ) from None  # fmt: skip
        points.append([x, y])
    return points


def _read_stations(table: _Table) -> dict[str, dict[str, Any]]:
    table.need("id", "beat", "units")
    stations: dict[str, dict[str, Any]] = {}
    for i, row in enumerate(table.rows):
        units = table.number(i, "units", 0.0)
        if units != int(units):
            raise InputError(
                [
                    Problem(
                        table.name,
                        f"row {i + 2}, column units",
                        f"is {units:g}; expected a whole number",
                    )
                ]
            )
        station: dict[str, Any] = {
            "beat": row["beat"],
            "units": {"staff": int(units), "allow_gaps": True},
        }
        for column in ("x_km", "y_km"):
            if row.get(column):
                station[column] = table.number(i, column)
        stations[row["id"]] = station
    return stations


def _read_matrix(table: _Table, beat_ids: list[str]) -> dict[str, list[list[float]]]:
    table.need("from", *beat_ids)
    banded = "band" in table.columns
    found: dict[str, dict[str, list[float]]] = {}
    for i, row in enumerate(table.rows):
        band = row.get("band", "day") if banded else "day"
        if band not in _BAND_NAMES:
            raise InputError(
                [Problem(table.name, f"row {i + 2}, column band",
                         f"is {band!r}; expected day, evening or night")]
            )  # fmt: skip
        origin = row["from"]
        if origin not in beat_ids:
            raise InputError(
                [Problem(table.name, f"row {i + 2}, column from", f"{origin!r} is not a beat")]
            )
        found.setdefault(band, {})[origin] = [table.number(i, b, 0.0) for b in beat_ids]
    minutes = {}
    for band, rows in found.items():
        missing = [b for b in beat_ids if b not in rows]
        if missing:
            raise InputError(
                [Problem(table.name, "column from",
                         f"has no {band} row for beat(s) {', '.join(missing[:5])}")]
            )  # fmt: skip
        minutes[band] = [rows[b] for b in beat_ids]
    if not minutes:
        raise InputError([Problem(table.name, "", "has no rows")])
    return minutes


def _road_minutes(path: Path, beat_ids: list[str], speed_kmh: Any) -> list[list[float]]:
    """All-pairs shortest road times between the beats, minutes (computed once)."""
    import networkx as nx  # a few hundred ms to import: only for forces with a road graph

    name = str(path)
    graph = nx.Graph()
    if path.suffix.lower() == ".graphml":
        try:
            source = nx.read_graphml(path)
        except Exception as exc:
            raise InputError([Problem(name, "", f"is not readable GraphML: {exc}")]) from None
        for a, b, data in source.edges(data=True):
            graph.add_edge(
                str(a), str(b), minutes=_edge_minutes(name, f"edge {a}-{b}", data, speed_kmh)
            )
    else:
        table = _open(path.parent, path.name, name)
        table.need("from", "to")
        for i, row in enumerate(table.rows):
            if "minutes" in table.columns and row.get("minutes"):
                value = table.number(i, "minutes", 0.0)
            else:
                table.need("length_km")
                length = table.number(i, "length_km", 0.0)
                speed = table.number(i, "speed_kmh", 1e-9) if row.get("speed_kmh") else speed_kmh
                if not isinstance(speed, (int, float)) or speed <= 0:
                    raise InputError(
                        [Problem(name, f"row {i + 2}, column speed_kmh",
                                 "missing; give speed_kmh per edge or travel.speed_kmh")]
                    )  # fmt: skip
                value = length / speed * 60.0
            a, b = row["from"], row["to"]
            if not graph.has_edge(a, b) or graph[a][b]["minutes"] > value:
                graph.add_edge(a, b, minutes=value)
    missing = [b for b in beat_ids if b not in graph]
    if missing:
        raise InputError(
            [Problem(name, "", f"has no node for beat(s) {', '.join(missing[:5])}; "
                     "expected a node named by each beat id")]
        )  # fmt: skip
    matrix = []
    for origin in beat_ids:
        reach = nx.single_source_dijkstra_path_length(graph, origin, weight="minutes")
        unreachable = [b for b in beat_ids if b not in reach]
        if unreachable:
            raise InputError(
                [
                    Problem(
                        name, "", f"has no road from beat {origin} to {', '.join(unreachable[:5])}"
                    )
                ]
            )
        matrix.append([float(reach[b]) for b in beat_ids])
    return matrix


def _edge_minutes(name: str, where: str, data: dict[str, Any], speed_kmh: Any) -> float:
    try:
        if "minutes" in data:
            value = float(data["minutes"])
        else:
            value = float(data["length_km"]) / float(data.get("speed_kmh", speed_kmh)) * 60.0
    except (KeyError, TypeError, ValueError, ZeroDivisionError):
        value = math.nan
    if not math.isfinite(value) or value < 0:
        raise InputError(
            [Problem(name, where, "expected minutes, or length_km with speed_kmh, at least 0")]
        )
    return value


__all__ = ["MAX_GEOGRAPHY_FILE_BYTES", "resolve_geography_files"]
