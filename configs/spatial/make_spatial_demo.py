"""Write the synthetic force of the spatial demo: beats.csv, stations.csv, roads.csv.

Run from anywhere (it writes beside itself, and always the same files)::

    python configs/spatial/make_spatial_demo.py

The force is made up, to show what geography does; no figure here is any real
force's. Every assumption is stated where it is made.

The place
---------
A square force 40 km a side (1,600 km², a rural county division of about a
third of Northumbria's area), cut by a 2 km lattice whose inner corners are
moved up to 0.4 km at random, so that beats are not perfect squares but still
tile the force exactly (neighbours share their corners):

- the **urban core**: the central 8 km x 8 km, sixteen beats of one lattice
  cell (about 4 km² each: town beats are small, as a patrol can cover one);
- the **rural periphery**: the other twenty-four 8 km x 8 km blocks of 4 x 4
  lattice cells (about 64 km² each: rural beats are large and empty).

That is 40 beats. Coordinates are kilometres east and north of the south-west
corner. Each beat's centre is its polygon's centroid.

Demand (``weight``, relative within the beat's area)
----------------------------------------------------
The scenario's area ``share`` splits incidents between urban and rural; the
weights only spread each area's incidents over its beats:

- urban: ``1 + 3 exp(-d / 2 km)``, d the distance from the town centre: the
  centre beats (shops, pubs, the night-time economy) take about four times the
  incidents of the edge of town;
- rural: ``1 + 2 exp(-d / 10 km)`` (commuter villages near the town), times 3
  in the four market-town beats, where the rural stations are.

Stations (``units``: response units constantly on duty, a starting point)
-------------------------------------------------------------------------
- ``central``, in the beat nearest the town centre: 8 units (the core has most
  incidents and short trips, so one large station serves it);
- four market-town stations, one per side of the force, 2 units each: rural
  forces base a few cars at each market town so that no village is more than
  about 25 minutes away.

Roads (``roads.csv``: ``from, to, length_km, speed_kmh, minutes``)
------------------------------------------------------------------
Nodes are beat ids (at the beat centres) and four junctions of a trunk road;
every road is two-way:

- neighbouring beats (sharing a border or a corner: roads run every way, not
  on a grid) are joined by a road of the straight distance between their
  centres times a road factor (roads wind): 1.3 in town at 40 km/h (the average
  of blue-light runs through traffic and junctions), 1.4 between rural beats at
  60 km/h (A and B roads, some lanes), 1.3 at 50 km/h between town and country;
- a trunk road (dual carriageway) crosses the force west to east through four
  junctions just south of the middle, at 90 km/h (factor 1.05), with a slip
  road to the rural beat each junction lies in.

``minutes`` is ``length_km / speed_kmh * 60``; the shortest paths between beats
(computed by the scenario loader) give the expected travel time.

The same force for ``demandsim hypercube``
-------------------------------------------
``configs/hypercube/spatial-demo.yaml`` and its ``spatial-demo-travel.csv``: the
16 units at their stations, the 40 beats as atoms, each unit's travel the
shortest road time from its station's beat (Dijkstra, here). ASSUMED: 4
response incidents an hour (grade 1 and 2, about 35,000 a year), 60% urban
(the town holds most of the people), and an hour a job (travel, on scene and
the paperwork before the unit is free): 4 Erlangs on 16 units. Sixteen units
are past the exact model's 12, so it is solved by Larson's approximation.
"""

from __future__ import annotations

import csv
import heapq
import itertools
import math
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
#: The one seed of the lattice jitter: the files are the same on every run.
SEED = 20_261_201
SIDE_KM = 40.0
CELL_KM = 2.0
CELLS = int(SIDE_KM / CELL_KM)  # 20 lattice cells a side
BLOCK = 4  # a rural beat is 4 x 4 lattice cells (8 km)
CORE = (8, 12)  # the urban core: lattice cells 8..11 each way (16 km to 24 km)
JITTER_KM = 0.4
TOWN_CENTRE = (20.0, 20.0)


def lattice() -> np.ndarray:
    """Corner positions (km), shape (21, 21, 2): inner corners jittered, the edge kept straight."""
    rng = np.random.default_rng(SEED)
    ticks = np.arange(CELLS + 1) * CELL_KM
    points = np.stack(np.meshgrid(ticks, ticks, indexing="ij"), axis=-1)
    shift = rng.uniform(-JITTER_KM, JITTER_KM, points.shape)
    shift[[0, -1], :, :] = 0.0
    shift[:, [0, -1], :] = 0.0
    return points + shift


def block_outline(corners: np.ndarray, i0: int, j0: int, size: int) -> list[tuple[float, float]]:
    """The polygon of the block of ``size`` x ``size`` cells from corner (i0, j0), anticlockwise.

    Every lattice corner on the block's edge is a vertex, so that a big rural
    beat meets the small town beats beside it corner for corner.
    """
    path = [(i0 + k, j0) for k in range(size)]
    path += [(i0 + size, j0 + k) for k in range(size)]
    path += [(i0 + size - k, j0 + size) for k in range(size)]
    path += [(i0, j0 + size - k) for k in range(size)]
    return [(float(corners[i, j, 0]), float(corners[i, j, 1])) for i, j in path]


def centroid(polygon: list[tuple[float, float]]) -> tuple[float, float, float]:
    """Area (km²) and centroid (km) of a simple polygon (the shoelace formula)."""
    xs = np.array([p[0] for p in polygon])
    ys = np.array([p[1] for p in polygon])
    cross = xs * np.roll(ys, -1) - np.roll(xs, -1) * ys
    area = cross.sum() / 2.0
    cx = ((xs + np.roll(xs, -1)) * cross).sum() / (6.0 * area)
    cy = ((ys + np.roll(ys, -1)) * cross).sum() / (6.0 * area)
    return float(area), float(cx), float(cy)


def make_beats() -> list[dict]:
    """The 40 beats: id, area, cells (lattice block), polygon, centre, weight."""
    corners = lattice()
    beats = []
    for bi in range(CELLS // BLOCK):
        for bj in range(CELLS // BLOCK):
            i0, j0 = bi * BLOCK, bj * BLOCK
            if CORE[0] <= i0 < CORE[1] and CORE[0] <= j0 < CORE[1]:
                for di in range(BLOCK):
                    for dj in range(BLOCK):
                        beats.append({"id": f"u{di + 1}{dj + 1}", "area": "urban",
                                      "block": (i0 + di, j0 + dj, 1)})  # fmt: skip
            else:
                beats.append({"id": f"r{bi + 1}{bj + 1}", "area": "rural",
                              "block": (i0, j0, BLOCK)})  # fmt: skip
    for beat in beats:
        beat["polygon"] = block_outline(corners, *beat["block"])
        beat["area_km2"], beat["x_km"], beat["y_km"] = centroid(beat["polygon"])
        d = math.dist((beat["x_km"], beat["y_km"]), TOWN_CENTRE)
        if beat["area"] == "urban":
            beat["weight"] = 1.0 + 3.0 * math.exp(-d / 2.0)
        else:
            beat["weight"] = (1.0 + 2.0 * math.exp(-d / 10.0)) * (
                3.0 if beat["id"] in MARKET_TOWNS.values() else 1.0
            )
    return beats


#: The rural beat of each market town: the middle of each side of the force.
MARKET_TOWNS = {"north": "r35", "south": "r31", "west": "r13", "east": "r53"}


def make_stations(beats: list[dict]) -> list[dict]:
    """The central station and the four market-town stations, at their beats' centres."""
    by_id = {b["id"]: b for b in beats}
    central = min(
        (b for b in beats if b["area"] == "urban"),
        key=lambda b: math.dist((b["x_km"], b["y_km"]), TOWN_CENTRE),
    )
    stations = [{"id": "central", "beat": central["id"], "units": 8}]
    stations += [{"id": name, "beat": beat, "units": 2} for name, beat in MARKET_TOWNS.items()]
    for station in stations:
        beat = by_id[station["beat"]]
        station["x_km"], station["y_km"] = beat["x_km"], beat["y_km"]
    return stations


#: Road factor and speed (km/h) by the pair of areas a road joins.
ROAD_CLASS = {
    ("urban", "urban"): (1.3, 40.0),
    ("rural", "rural"): (1.4, 60.0),
    ("rural", "urban"): (1.3, 50.0),
}
TRUNK = (1.05, 90.0)
#: The trunk road's latitude (km north): between the middle and southern beats.
TRUNK_Y_KM = 15.0


def _cells_of(beat: dict) -> set[tuple[int, int]]:
    i0, j0, size = beat["block"]
    return {(i0 + a, j0 + b) for a in range(size) for b in range(size)}


def make_roads(beats: list[dict]) -> list[dict]:
    """Roads between neighbouring beats (by a border or a corner), and the trunk road."""
    owner = {cell: beat["id"] for beat in beats for cell in _cells_of(beat)}
    by_id = {b["id"]: b for b in beats}
    pairs = set()
    for (i, j), beat in owner.items():
        for ni, nj in ((i + 1, j), (i, j + 1), (i + 1, j + 1), (i + 1, j - 1)):
            other = owner.get((ni, nj))
            if other is not None and other != beat:
                pairs.add(tuple(sorted((beat, other))))
    roads = []

    def road(a: str, b: str, xy_a: tuple, xy_b: tuple, factor: float, speed: float) -> None:
        length = math.dist(xy_a, xy_b) * factor
        roads.append({"from": a, "to": b, "length_km": length, "speed_kmh": speed,
                      "minutes": length / speed * 60.0})  # fmt: skip

    for a, b in sorted(pairs):
        kind = tuple(sorted((by_id[a]["area"], by_id[b]["area"])))
        factor, speed = ROAD_CLASS[kind]  # type: ignore[index]
        road(a, b, (by_id[a]["x_km"], by_id[a]["y_km"]), (by_id[b]["x_km"], by_id[b]["y_km"]),
             factor, speed)  # fmt: skip
    # The trunk road: junctions at 4, 12, 28 and 36 km east (it skirts the town).
    junctions = [(f"j{n + 1}", (x, TRUNK_Y_KM)) for n, x in enumerate((4.0, 12.0, 28.0, 36.0))]
    for (a, xy_a), (b, xy_b) in itertools.pairwise(junctions):
        road(a, b, xy_a, xy_b, *TRUNK)
    for name, xy in junctions:
        cell = (int(xy[0] // CELL_KM), int(xy[1] // CELL_KM))
        beat = by_id[owner[cell]]
        road(name, beat["id"], xy, (beat["x_km"], beat["y_km"]), *ROAD_CLASS[("rural", "rural")])
    return roads


def polygon_text(polygon: list[tuple[float, float]]) -> str:
    """``x y; x y; ...`` in km, the beats file's polygon column."""
    return "; ".join(f"{x:.3f} {y:.3f}" for x, y in polygon)


def write_csv(path: Path, columns: list[str], rows: list[dict]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(columns)
        for row in rows:
            writer.writerow([_cell(row[c]) for c in columns])


def _cell(value: object) -> str:
    return f"{value:.3f}" if isinstance(value, float) else str(value)


def road_minutes(roads: list[dict], origin: str) -> dict[str, float]:
    """Shortest road time (minutes) from ``origin`` to every node: Dijkstra's algorithm."""
    links: dict[str, list[tuple[str, float]]] = {}
    for road in roads:
        links.setdefault(road["from"], []).append((road["to"], road["minutes"]))
        links.setdefault(road["to"], []).append((road["from"], road["minutes"]))
    best = {origin: 0.0}
    frontier = [(0.0, origin)]
    while frontier:
        time, node = heapq.heappop(frontier)
        if time > best[node]:
            continue
        for nxt, minutes in links[node]:
            if time + minutes < best.get(nxt, math.inf):
                best[nxt] = time + minutes
                heapq.heappush(frontier, (time + minutes, nxt))
    return best


#: The hypercube example's assumptions (see the module docstring).
INCIDENTS_PER_HOUR = 4.0
URBAN_SHARE = 0.6
JOBS_PER_HOUR = 1.0


def write_hypercube(
    folder: Path, beats: list[dict], stations: list[dict], roads: list[dict]
) -> None:
    """The force as a hypercube file and its atom x unit travel CSV."""
    units = [(f"{s['id']}-{n + 1}", s) for s in stations for n in range(s["units"])]
    times = {s["id"]: road_minutes(roads, s["beat"]) for s in stations}
    weight = {
        area: sum(b["weight"] for b in beats if b["area"] == area) for area in ("urban", "rural")
    }
    share = {"urban": URBAN_SHARE, "rural": 1.0 - URBAN_SHARE}
    lines = [
        "# The spatial demo's force for the hypercube model: written by",
        "# configs/spatial/make_spatial_demo.py (its docstring states every assumption).",
        "#",
        "#   demandsim hypercube configs/hypercube/spatial-demo.yaml",
        "#",
        f"# {INCIDENTS_PER_HOUR:g} response incidents an hour, {URBAN_SHARE:.0%} urban, spread "
        "over each area's",
        "# beats by their demand weight; an hour a job; a call finding every unit busy",
        "# waits. Preferences: stations by road time, nearest first; a station's units",
        "# in an order turned by one from beat to beat, so that they share the work.",
        f"service_rate_per_hour: {JOBS_PER_HOUR:g}",
        "capacity: infinite line",
        f"units: [{', '.join(u for u, _ in units)}]",
        "travel_csv: spatial-demo-travel.csv",
        "atoms:",
    ]
    for index, beat in enumerate(beats):
        rate = INCIDENTS_PER_HOUR * share[beat["area"]] * beat["weight"] / weight[beat["area"]]
        # Stations by road time; a station's units in an order turned by one per beat,
        # so that no unit of a station is always first (dispatchers share the work).
        order = sorted(stations, key=lambda s: times[s["id"]][beat["id"]])
        prefs = []
        for station in order:
            own = [u for u, s in units if s is station]
            turn = index % len(own)
            prefs += own[turn:] + own[:turn]
        listed = ", ".join(prefs)
        lines.append(
            f"  - {{id: {beat['id']}, calls_per_hour: {rate:.4f}, preferences: [{listed}]}}"
        )
    (folder / "spatial-demo.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    write_csv(folder / "spatial-demo-travel.csv", ["atom", *(u for u, _ in units)],
              [{"atom": b["id"], **{u: times[s["id"]][b["id"]] for u, s in units}}
               for b in beats])  # fmt: skip


def main(folder: Path = HERE, hypercube_folder: Path = HERE.parent / "hypercube") -> None:
    """Write beats.csv, stations.csv and roads.csv into ``folder``, the hypercube files beside."""
    beats = make_beats()
    for beat in beats:
        beat["polygon_text"] = polygon_text(beat["polygon"])
    stations = make_stations(beats)
    roads = make_roads(beats)
    write_csv(folder / "beats.csv", ["id", "area", "weight", "x_km", "y_km", "polygon"],
              [{**b, "polygon": b["polygon_text"]} for b in beats])  # fmt: skip
    write_csv(folder / "stations.csv", ["id", "beat", "units", "x_km", "y_km"], stations)
    write_csv(folder / "roads.csv", ["from", "to", "length_km", "speed_kmh", "minutes"], roads)
    write_hypercube(hypercube_folder, beats, stations, roads)


if __name__ == "__main__":
    main()
