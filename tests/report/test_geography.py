"""The report's map of beats: built from geography.json and summary.csv alone, drawn offline."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from sim.report import write_report
from sim.report.geography import (
    NO_DATA,
    beat_attendance,
    map_figures,
    parse_geography,
    read_geography,
)
from sim.report.load import load_results
from tests.report.results_files import write_changes, write_summary, write_targets
from tests.report.test_offline_pages import draw_offline
from tests.report.test_report import chromium_or_skip

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def grid_geography(columns: int = 6, rows: int = 5, size_km: float = 3.0) -> dict:
    """Square beats on a grid: the middle two columns urban, the rest rural.

    Beat ``b<r><c>`` has a polygon except ``b00`` (a centre point only, as a force
    without boundaries would give).
    """
    beats = []
    for r in range(rows):
        for c in range(columns):
            x0, y0 = c * size_km, r * size_km
            polygon = [
                [x0, y0],
                [x0 + size_km, y0],
                [x0 + size_km, y0 + size_km],
                [x0, y0 + size_km],
            ]
            beats.append(
                {
                    "id": f"b{r}{c}",
                    "area": "urban" if c in (2, 3) else "rural",
                    "x_km": x0 + size_km / 2,
                    "y_km": y0 + size_km / 2,
                    "polygon": None if (r, c) == (0, 0) else polygon,
                }
            )
    stations = [
        {"id": "central", "beat": "b22", "x_km": 7.5, "y_km": 7.5},
        {"id": "west", "beat": "b20", "x_km": 1.5, "y_km": 7.5},
    ]
    return {"beats": beats, "stations": stations}


def beat_p90(beat: dict, scenario: str) -> float:
    """A made-up P90 (min): rising with distance from the central station, worse when closed."""
    distance = math.hypot(beat["x_km"] - 7.5, beat["y_km"] - 7.5)
    return 6.0 + 1.6 * distance + (6.0 if scenario == "close-west" and beat["x_km"] < 6 else 0.0)


def write_results(root: Path, scenarios: tuple[str, ...]) -> dict:
    geography = grid_geography()
    figures = []
    for scenario in scenarios:
        figures += [
            (scenario, "attendance_time", "grade1/urban", "p90", "min", 12.0),
            (scenario, "attendance_time", "grade1/rural", "p90", "min", 22.0),
        ]
        for beat in geography["beats"]:
            if beat["id"] == "b41":  # no grade 1 incident there: grey on the map
                continue
            p90 = beat_p90(beat, scenario)
            segment = f"grade1/beat/{beat['id']}"
            figures += [
                (scenario, "attendance_time", segment, stat, "min", p90 * factor)
                for stat, factor in (("mean", 0.5), ("p50", 0.45), ("p90", 1.0), ("p95", 1.2))
            ]
            figures.append((scenario, "attended_within_target", segment, "value", "%", 80.0))
    write_summary(root, figures)
    # The urban target set to 14 minutes in the scenario; rural stays the national 20.
    write_targets(root, {("attendance_time", "grade1/urban", "threshold"): 14.0})
    write_changes(root, [("close-west", "stations.west", "2 units", "closed", "west closed")][
        : len(scenarios) - 1
    ])  # fmt: skip
    if len(scenarios) > 1:
        (root / "manifest.json").write_text(
            json.dumps({"experiment": {"name": "stations", "baseline": scenarios[0]}})
        )
    (root / "geography.json").write_text(json.dumps(geography))
    return geography


def rgb(colour: str) -> tuple[int, ...]:
    """``rgb(r, g, b)`` (plotly's sampled colours) as numbers."""
    return tuple(int(float(v)) for v in colour.removeprefix("rgb(").removesuffix(")").split(","))


def test_each_beat_is_judged_against_its_areas_target(tmp_path: Path) -> None:
    geography = write_results(tmp_path, ("baseline",))
    results = load_results(tmp_path)
    parsed, reason = read_geography(tmp_path)
    assert parsed is not None and reason == ""
    rows = {r["beat"].id: r for r in beat_attendance(results, "baseline", parsed)}
    central = next(b for b in geography["beats"] if b["id"] == "b22")
    assert rows["b22"]["target"] == 14.0  # urban: the scenario's own target
    assert rows["b00"]["target"] == 20.0  # rural: the national standard
    assert rows["b22"]["over"] == pytest.approx(beat_p90(central, "baseline") - 14.0)
    assert math.isnan(rows["b41"]["over"])


def test_the_map_colours_beats_by_minutes_over_target(tmp_path: Path) -> None:
    write_results(tmp_path, ("baseline",))
    figures, geography, note = map_figures(load_results(tmp_path))
    assert note == "" and geography is not None and len(figures) == 1
    fig = figures[0].figure
    polygons = {t.name: t for t in fig.data if t.fill == "toself"}
    # 30 beats, one of which (b00) has a centre point only.
    assert len(polygons) == 29 and "b00" not in polygons
    assert polygons["b41"].fillcolor == NO_DATA
    # b22 holds the central station: P90 6 min against its 14, green; corner b45 is
    # 10.8 km out: 6 + 1.6 * 10.8 = 23.3 min against the rural 20, red.
    assert rgb(polygons["b22"].fillcolor)[1] > rgb(polygons["b22"].fillcolor)[0]
    assert rgb(polygons["b45"].fillcolor)[0] > rgb(polygons["b45"].fillcolor)[1]
    assert fig.layout.yaxis.scaleanchor == "x" and fig.layout.yaxis.scaleratio == 1
    centres = next(t for t in fig.data if t.name == "beats")
    assert centres.marker.cmin == -centres.marker.cmax
    stations = next(t for t in fig.data if t.name == "stations")
    assert list(stations.text) == ["central", "west"]


def test_no_geography_means_no_map_section(tmp_path: Path) -> None:
    write_results(tmp_path, ("baseline",))
    (tmp_path / "geography.json").unlink()
    page = write_report(tmp_path).html.read_text()
    assert "id='geography'" not in page


def test_a_damaged_geography_is_named_and_the_report_still_written(tmp_path: Path) -> None:
    write_results(tmp_path, ("baseline",))
    (tmp_path / "geography.json").write_text('{"beats": [{"id": "b1", "x_km": "east"}]}')
    page = write_report(tmp_path).html.read_text()
    assert "geography.json cannot be read: beats.0.x_km is &#x27;east&#x27;" in page
    with pytest.raises(ValueError, match=r"beats\.0\.polygon expected at least 3"):
        parse_geography({"beats": [{"id": "b", "x_km": 0, "y_km": 0, "polygon": [[0, 0]]}]})


def test_the_map_draws_offline_screenshots_and_prints(tmp_path: Path) -> None:
    results_dir = tmp_path / "results"
    write_results(results_dir, ("baseline", "close-west"))
    page_file = write_report(results_dir).html
    page = page_file.read_text()
    assert "id='geography'" in page and "id='worst-beats'" in page
    # The worst beats of the baseline: the two east corners, 10.8 km from the central
    # station (P90 23.3 min, 3.3 over the rural 20); closing west does not touch them.
    table = page.split("id='worst-beats'")[1].split("</table>")[0]
    rows = table.split("<tr data-beat='")[1:]
    assert [r.split("'")[0] for r in rows[:2]] == ["b05", "b45"]
    assert "<td class='missed'>+3.3</td>" in rows[0] and rows[0].endswith("<td>23.3</td></tr>")
    assert len(rows) == 10
    drawn, errors, fetched = draw_offline(page_file)
    assert errors == [] and fetched == []
    maps = [d for d in drawn if d["id"].startswith("fig-beat-map-")]
    assert [m["id"] for m in maps] == ["fig-beat-map-0", "fig-beat-map-1"]
    # 29 polygons, the centres and the stations: every trace drawn, at page width.
    assert all(m["traces"] == 31 and m["width"] > 600 for m in maps), maps

    browser = chromium_or_skip()
    sync_api = pytest.importorskip("playwright.sync_api")
    shot, pdf = tmp_path / "map.png", tmp_path / "report.pdf"
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=browser, args=["--no-sandbox", "--disable-gpu"]
        )
        try:
            view = chromium.new_page(viewport={"width": 1100, "height": 900})
            view.goto(page_file.as_uri(), wait_until="load")
            view.wait_for_function(
                "document.querySelectorAll('#geography .js-plotly-plot .main-svg').length >= 2"
            )
            view.locator("#geography").screenshot(path=str(shot))
            view.pdf(path=str(pdf), format="A4")
        finally:
            chromium.close()
    assert shot.read_bytes()[:8] == PNG_MAGIC and shot.stat().st_size > 30_000
    assert pdf.read_bytes()[:5] == b"%PDF-" and pdf.stat().st_size > 50_000


def test_beats_without_a_place_are_named_and_kept_in_the_table(tmp_path: Path) -> None:
    geography = write_results(tmp_path, ("baseline",))
    for beat in geography["beats"]:
        if beat["id"] == "b05":  # the worst beat: no centre, no polygon
            beat["x_km"] = beat["y_km"] = beat["polygon"] = None
        elif beat["id"] == "b11":  # a polygon without a centre: its mean corner
            beat["x_km"] = beat["y_km"] = None
    (tmp_path / "geography.json").write_text(json.dumps(geography))
    figures, parsed, note = map_figures(load_results(tmp_path))
    assert parsed is not None and len(figures) == 1
    assert "1 beat(s) have no centre or polygon" in note and "(b05)" in note
    b11 = next(b for b in parsed.beats if b.id == "b11")
    assert (b11.x_km, b11.y_km) == pytest.approx((4.5, 4.5))
    centres = next(t for t in figures[0].figure.data if t.name == "beats")
    assert len(centres.x) == 29
    page = write_report(tmp_path).html.read_text()
    assert "<tr data-beat='b05'>" in page


def test_several_forces_read_their_own_segments_and_targets(tmp_path: Path) -> None:
    beats = [
        {"id": "b1", "force": "north", "area": "rural", "x_km": 1.0, "y_km": 1.0, "polygon": None},
        {"id": "b1", "force": "south", "area": "urban", "x_km": 5.0, "y_km": 1.0, "polygon": None},
    ]
    figures = []
    for force, p90 in (("north", 25.0), ("south", 11.0)):
        figures.append(("run", "attendance_time", f"{force}/grade1/beat/b1", "p90", "min", p90))
        figures.append(("run", "attendance_time", f"{force}/grade1/urban", "p90", "min", 12.0))
    write_summary(tmp_path, figures)
    write_targets(tmp_path, {("attendance_time", "south/grade1/urban", "threshold"): 10.0})
    write_changes(tmp_path)
    (tmp_path / "geography.json").write_text(json.dumps({"beats": beats, "stations": []}))
    results = load_results(tmp_path)
    assert results.forces == ["north", "south"]
    parsed, _ = read_geography(tmp_path)
    assert parsed is not None
    rows = beat_attendance(results, "run", parsed)
    # north's rural beat: 25 against the national 20; south's: 11 against its own 10.
    assert [(r["p90"][0], r["target"]) for r in rows] == [(25.0, 20.0), (11.0, 10.0)]
    page = write_report(tmp_path).html.read_text()
    assert "<td>north/b1</td>" in page and "<td>south/b1</td>" in page


def test_png_export_includes_the_maps(tmp_path: Path) -> None:
    chromium_or_skip()
    write_results(tmp_path / "results", ("baseline", "close-west"))
    outcome = write_report(tmp_path / "results", png_dir=tmp_path / "png")
    maps = [p for p in outcome.pngs if p.name.startswith("beat-map-")]
    assert [p.name for p in maps] == ["beat-map-0.png", "beat-map-1.png"]
    assert all(p.read_bytes()[:8] == PNG_MAGIC and p.stat().st_size > 20_000 for p in maps)
