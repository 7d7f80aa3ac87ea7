"""The spatial demo's data: what make_spatial_demo.py writes, a force that tiles and connects."""

from __future__ import annotations

import csv
import importlib.util
import math
from collections import deque
from pathlib import Path

import pytest

from tests.helpers import CONFIGS

SPATIAL = CONFIGS / "spatial"
FILES = ("beats.csv", "stations.csv", "roads.csv")
HYPERCUBE_FILES = ("spatial-demo.yaml", "spatial-demo-travel.csv")


def generator():
    spec = importlib.util.spec_from_file_location(
        "make_spatial_demo", SPATIAL / "make_spatial_demo.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def rows(name: str) -> list[dict[str, str]]:
    with (SPATIAL / name).open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def polygon_of(text: str) -> list[tuple[float, float]]:
    return [tuple(float(v) for v in pair.split()) for pair in text.split(";")]  # type: ignore[misc]


def shoelace(points: list[tuple[float, float]]) -> float:
    return (
        sum(
            x0 * y1 - x1 * y0
            for (x0, y0), (x1, y1) in zip(points, points[1:] + points[:1], strict=True)
        )
        / 2
    )


def test_the_shipped_files_are_what_the_script_writes(tmp_path: Path) -> None:
    generator().main(tmp_path, tmp_path)
    for name in FILES:
        assert (tmp_path / name).read_bytes() == (SPATIAL / name).read_bytes(), name
    for name in HYPERCUBE_FILES:
        assert (tmp_path / name).read_bytes() == (CONFIGS / "hypercube" / name).read_bytes(), name


def test_forty_beats_tile_the_force_an_urban_core_in_a_rural_periphery() -> None:
    beats = rows("beats.csv")
    assert len(beats) == 40
    urban = [b for b in beats if b["area"] == "urban"]
    assert len(urban) == 16 and len(beats) - len(urban) == 24
    areas = {b["id"]: shoelace(polygon_of(b["polygon"])) for b in beats}
    assert all(a > 0 for a in areas.values())  # anticlockwise, not self-cancelling
    # The beats cover the 40 km square exactly (to the files' 3 decimals).
    assert sum(areas.values()) == pytest.approx(1600.0, abs=0.05)
    # The core is 8 km x 8 km but for its jittered edge (corners moved up to 0.4 km).
    assert sum(areas[b["id"]] for b in urban) == pytest.approx(64.0, rel=0.1)
    for beat in urban:  # the core is the central 8 km
        assert 16.0 - 0.4 <= float(beat["x_km"]) <= 24.0 + 0.4
        assert 16.0 - 0.4 <= float(beat["y_km"]) <= 24.0 + 0.4
    assert len({b["id"] for b in beats}) == 40


def test_every_beat_is_reached_from_every_station_by_road() -> None:
    beats = {b["id"] for b in rows("beats.csv")}
    roads = rows("roads.csv")
    links: dict[str, set[str]] = {}
    for road in roads:
        minutes = float(road["minutes"])
        assert minutes == pytest.approx(
            float(road["length_km"]) / float(road["speed_kmh"]) * 60, abs=2e-3
        )
        assert minutes > 0
        links.setdefault(road["from"], set()).add(road["to"])
        links.setdefault(road["to"], set()).add(road["from"])
    assert beats <= set(links)
    stations = rows("stations.csv")
    assert {s["beat"] for s in stations} <= beats
    for station in stations:
        seen, queue = {station["beat"]}, deque([station["beat"]])
        while queue:
            for nxt in links[queue.popleft()] - seen:
                seen.add(nxt)
                queue.append(nxt)
        assert beats <= seen, station["id"]
    # The trunk road is faster than any other road: the only 90 km/h edges join junctions.
    trunk = [r for r in roads if float(r["speed_kmh"]) == 90.0]
    assert trunk and all(r["from"].startswith("j") and r["to"].startswith("j") for r in trunk)
    assert not math.isnan(sum(float(r["minutes"]) for r in roads))
