"""The report's map: beats coloured by grade 1 P90 attendance against target, drawn offline.

A results directory of a force with beats carries ``geography.json``::

    {"beats": [{"id", "area", "x_km", "y_km", "polygon": [[x_km, y_km], ...] or null}],
     "stations": [{"id", "beat", "x_km", "y_km"}]}

(each item may also name its ``force``; a beat's ``x_km``/``y_km`` may be null,
when its centre is then its polygon's mean corner, and a beat with neither is
left off the map but kept in the table)

and ``summary.csv`` rows of ``attendance_time`` (``mean``, ``p50``, ``p90``,
``p95``) and ``attended_within_target`` (``value``) for segments
``grade1/beat/<beat id>``. Each beat is judged against the grade 1 attendance
target of its area (``targets.csv``'s threshold of ``grade1/<area>``, else the
national standard of the catalogue).

The map is plain plotly on x/y axes in kilometres, equal aspect: a filled
polygon per beat (``go.Scatter(fill='toself')``) or, for a beat without one, a
marker at its centre; no tile server, no basemap, nothing fetched, so the page
works offline. Below it, a table of the beats furthest over their target.
"""

from __future__ import annotations

import html
import json
import logging
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import plotly.graph_objects as go
from plotly.colors import sample_colorscale

from sim.catalogue import THRESHOLD, default_target
from sim.files import not_a_regular_file
from sim.report.load import Results
from sim.report.style import ReportFigure, style_figure

log = logging.getLogger(__name__)

GEOGRAPHY_FILE = "geography.json"
#: Largest geography.json read: 40 beats with polygons take some tens of kilobytes.
MAX_GEOGRAPHY_BYTES = 20_000_000
#: Maps drawn, one per scenario (the baseline first); the rest are named as left out.
MAX_MAPS = 4
#: Beats listed in the table of those furthest from target.
WORST_BEATS = 10
#: Diverging scale: green under target, white at it, red over (colour-blind safe ends).
COLOURSCALE = [[0.0, "#1a9850"], [0.5, "#f7f7f7"], [1.0, "#d73027"]]
NO_DATA = "#bdbdbd"


@dataclass(frozen=True)
class BeatPlace:
    """One beat of ``geography.json``: id, area, centre (km; None: no place), polygon (km)."""

    id: str
    area: str
    x_km: float | None
    y_km: float | None
    polygon: tuple[tuple[float, float], ...] | None
    force: str = ""


@dataclass(frozen=True)
class StationPlace:
    """One station of ``geography.json``: id, its beat and position (km)."""

    id: str
    beat: str
    x_km: float
    y_km: float
    force: str = ""


@dataclass(frozen=True)
class Places:
    """The beats and stations of a results directory."""

    beats: tuple[BeatPlace, ...]
    stations: tuple[StationPlace, ...]


def _number(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ValueError(f"{where} is {value!r}; expected a number of km")
    return float(value)


def parse_geography(data: Any) -> Places:
    """Check and read a parsed ``geography.json``.

    Raises
    ------
    ValueError
        Naming the first field that is not as the contract says.
    """
    if not isinstance(data, dict) or not isinstance(data.get("beats"), list):
        raise ValueError("expected an object with a list of beats")
    beats = []
    for n, item in enumerate(data["beats"]):
        if not isinstance(item, dict) or not isinstance(item.get("id"), str):
            raise ValueError(f"beats.{n} needs an id (text)")
        polygon = item.get("polygon")
        points = None
        if polygon is not None:
            if not isinstance(polygon, list) or len(polygon) < 3:
                raise ValueError(f"beats.{n}.polygon expected at least 3 [x_km, y_km] points")
            points = []
            for k, point in enumerate(polygon):
                if not isinstance(point, list) or len(point) != 2:
                    raise ValueError(f"beats.{n}.polygon.{k} expected [x_km, y_km]")
                where = f"beats.{n}.polygon.{k}"
                points.append((_number(point[0], where), _number(point[1], where)))
        x, y = (
            None if item.get(k) is None else _number(item[k], f"beats.{n}.{k}")
            for k in ("x_km", "y_km")
        )
        if x is None or y is None:
            # No centre given: the polygon's mean corner, or no place at all.
            x = sum(p[0] for p in points) / len(points) if points else None
            y = sum(p[1] for p in points) / len(points) if points else None
        beats.append(
            BeatPlace(
                item["id"],
                str(item.get("area", "")),
                x,
                y,
                tuple(points) if points else None,
                str(item.get("force") or ""),
            )
        )
    stations = []
    for n, item in enumerate(data.get("stations") or []):
        if not isinstance(item, dict) or not isinstance(item.get("id"), str):
            raise ValueError(f"stations.{n} needs an id (text)")
        stations.append(
            StationPlace(
                item["id"],
                str(item.get("beat", "")),
                _number(item.get("x_km"), f"stations.{n}.x_km"),
                _number(item.get("y_km"), f"stations.{n}.y_km"),
                str(item.get("force") or ""),
            )
        )
    return Places(tuple(beats), tuple(stations))


def read_geography(root: Path) -> tuple[Places | None, str]:
    """The results directory's geography, or ``None`` and why not ("" when there is none)."""
    path = root / GEOGRAPHY_FILE
    if not path.exists():
        return None, ""
    reason = not_a_regular_file(path)
    if reason is None and path.stat().st_size > MAX_GEOGRAPHY_BYTES:
        reason = f"is over {MAX_GEOGRAPHY_BYTES:,} bytes"
    if reason is None:
        try:
            return parse_geography(json.loads(path.read_text(encoding="utf-8"))), ""
        except (OSError, UnicodeDecodeError, ValueError, RecursionError) as exc:
            reason = f"cannot be read: {exc}"
    log.warning("map left out: %s %s", GEOGRAPHY_FILE, reason)
    return None, f"{GEOGRAPHY_FILE} {reason}"


def beat_attendance(results: Results, scenario: str, geography: Places) -> list[dict[str, Any]]:
    """Per beat of one scenario: P90 and its CI (min), target (min), share within target (%)."""
    summary = results.summary[results.summary["scenario"] == scenario]
    cells = {
        (str(r.metric), str(r.segment), str(r.stat)): (
            float(r.mean),
            float(r.ci_low),
            float(r.ci_high),
        )
        for r in summary.itertuples(index=False)
        if "grade1/beat/" in str(r.segment)
    }
    targets = results.scenario_targets(scenario)
    thresholds = {
        str(r.segment): float(r.target)
        for r in targets.itertuples(index=False)
        if r.metric == "attendance_time" and r.stat == THRESHOLD
    }
    rows = []
    for beat in geography.beats:
        # With several forces every segment starts with the force id (DESIGN §3).
        force = f"{beat.force}/" if results.forces and beat.force else ""
        segment = f"{force}grade1/beat/{beat.id}"
        p90 = cells.get(("attendance_time", segment, "p90"))
        area = f"{force}grade1/{beat.area}"
        target = thresholds.get(area, default_target("attendance_time", area, THRESHOLD))
        within = cells.get(("attended_within_target", segment, "value"))
        value = p90[0] if p90 is not None and math.isfinite(p90[0]) else math.nan
        rows.append(
            {
                "beat": beat,
                "p90": p90,
                "target": target,
                "over": value - target if target is not None else math.nan,
                "within": within[0] if within is not None else math.nan,
            }
        )
    return rows


def _colour_of(over: float, limit: float) -> str:
    if not math.isfinite(over):
        return NO_DATA
    return sample_colorscale(COLOURSCALE, [min(max(0.5 + over / (2 * limit), 0.0), 1.0)])[0]


def _hover(row: dict[str, Any], scenario: str) -> str:
    beat: BeatPlace = row["beat"]
    lines = [f"<b>beat {html.escape(beat.id)}</b> ({html.escape(beat.area)}), {scenario}"]
    if row["p90"] is None or not math.isfinite(row["p90"][0]):
        lines.append("no grade 1 attendance in these results")
    else:
        mean, low, high = row["p90"]
        lines.append(f"grade 1 P90 attendance {mean:.1f} min (95% CI {low:.1f}–{high:.1f})")
    if row["target"] is not None:
        lines.append(f"target {row['target']:g} min")
    if math.isfinite(row["within"]):
        lines.append(f"{row['within']:.1f}% attended within target")
    return "<br>".join(lines)


def map_figure(results: Results, scenario: str, geography: Places, limit: float) -> go.Figure:
    """One scenario's map; ``limit`` (min over or under target) is the colour scale's end."""
    rows = beat_attendance(results, scenario, geography)
    fig = go.Figure()
    for row in rows:
        beat: BeatPlace = row["beat"]
        if beat.polygon is None:
            continue
        xs = [p[0] for p in beat.polygon] + [beat.polygon[0][0]]
        ys = [p[1] for p in beat.polygon] + [beat.polygon[0][1]]
        fig.add_trace(
            go.Scatter(
                x=xs, y=ys, mode="lines", fill="toself",
                fillcolor=_colour_of(row["over"], limit),
                line={"color": "#555555", "width": 0.8},
                hoverinfo="text", hoveron="fills", text=_hover(row, scenario),
                showlegend=False, name=beat.id,
            )
        )  # fmt: skip
    # One marker per beat centre: the only mark of a beat without a polygon, and the
    # carrier of the colour bar (minutes over target) for every beat.
    rows = [r for r in rows if r["beat"].x_km is not None]
    overs = [r["over"] if math.isfinite(r["over"]) else None for r in rows]
    fig.add_trace(
        go.Scatter(
            x=[r["beat"].x_km for r in rows], y=[r["beat"].y_km for r in rows],
            mode="markers", name="beats",
            marker={
                "size": [4 if r["beat"].polygon else 16 for r in rows],
                "color": [o if o is not None else 0.0 for o in overs],
                "colorscale": COLOURSCALE, "cmin": -limit, "cmax": limit,
                "line": {"color": "#555555", "width": 0.6},
                "colorbar": {"title": {"text": "P90 minus<br>target (min)"}, "thickness": 14},
            },
            text=[_hover(r, scenario) for r in rows], hoverinfo="text", showlegend=False,
        )
    )  # fmt: skip
    if geography.stations:
        fig.add_trace(
            go.Scatter(
                x=[s.x_km for s in geography.stations], y=[s.y_km for s in geography.stations],
                mode="markers+text", name="stations",
                marker={"symbol": "square", "size": 10, "color": "#222222"},
                text=[s.id for s in geography.stations], textposition="top center",
                textfont={"size": 10}, hovertext=[f"station {s.id}" for s in geography.stations],
                hoverinfo="text",
            )
        )  # fmt: skip
    style_figure(fig, 640, f"Grade 1 P90 attendance minus the target, by beat: {scenario}")
    fig.update_xaxes(title_text="km east", zeroline=False, showgrid=True)
    fig.update_yaxes(title_text="km north", zeroline=False, scaleanchor="x", scaleratio=1)
    return fig


def map_figures(results: Results) -> tuple[list[ReportFigure], Places | None, str]:
    """The maps (baseline first, at most :data:`MAX_MAPS`), the geography, and any reason."""
    geography, reason = read_geography(results.root)
    if geography is None:
        return [], None, reason
    if all(b.x_km is None for b in geography.beats):
        return [], geography, f"no beat of {GEOGRAPHY_FILE} has a centre or a polygon to draw"
    order = [s for s in ([results.baseline] if results.baseline else []) if s in results.scenarios]
    order += [s for s in results.scenarios if s not in order]
    rows = [r for s in order for r in beat_attendance(results, s, geography)]
    overs = [abs(r["over"]) for r in rows if math.isfinite(r["over"])]
    if not overs:
        return [], geography, "no scenario has grade 1 attendance per beat (grade1/beat/...)"
    # One colour scale for every map, so the same colour means the same minutes.
    limit = max(max(overs), 1.0)
    figures = [
        ReportFigure(
            f"beat-map-{n}",
            f"Where grade 1 attendance meets its target ({scenario})",
            map_figure(results, scenario, geography, limit),
            note="Green: P90 attendance under the beat's grade 1 target; red: over it; "
            "grey: no grade 1 incidents. Squares are stations. Distances in km.",
        )
        for n, scenario in enumerate(order[:MAX_MAPS])
    ]
    skipped = order[MAX_MAPS:]
    notes = [f"maps of {', '.join(skipped)} left out (at most {MAX_MAPS})"] if skipped else []
    unplaced = [b.id for b in geography.beats if b.x_km is None]
    if unplaced:
        notes.append(
            f"{len(unplaced)} beat(s) have no centre or polygon in {GEOGRAPHY_FILE} and are "
            f"left off the map ({', '.join(unplaced[:5])}{'...' if len(unplaced) > 5 else ''})"
        )
    return figures, geography, "; ".join(notes)


def _label(beat: BeatPlace, results: Results) -> str:
    return f"{beat.force}/{beat.id}" if results.forces and beat.force else beat.id


def worst_beats_table(results: Results, geography: Places) -> str:
    """HTML: the beats furthest over target in the reference scenario, others beside ("": none)."""
    reference = results.baseline or results.scenarios[0]
    others = [s for s in results.scenarios if s != reference]
    rows = [r for r in beat_attendance(results, reference, geography) if math.isfinite(r["over"])]
    rows.sort(key=lambda r: r["over"], reverse=True)
    other_p90 = {s: {r["beat"].id: r["p90"] for r in beat_attendance(results, s, geography)}
                 for s in others}  # fmt: skip
    head = ["beat", "area", f"P90 (min), {reference}", "target (min)", "over target (min)",
            "within target (%)", *(f"P90 (min), {s}" for s in others)]  # fmt: skip
    if not rows:
        return ""
    cells = []
    for row in rows[:WORST_BEATS]:
        mean, low, high = row["p90"]
        status = "missed" if low > row["target"] else "met" if high < row["target"] else "close"
        extra = []
        for s in others:
            p = other_p90[s].get(row["beat"].id)
            extra.append(f"{p[0]:.1f}" if p is not None and math.isfinite(p[0]) else "–")
        values = [
            html.escape(_label(row["beat"], results)), html.escape(row["beat"].area),
            f"{mean:.1f} ± {(high - low) / 2:.1f}", f"{row['target']:g}", f"{row['over']:+.1f}",
            f"{row['within']:.1f}" if math.isfinite(row["within"]) else "–", *extra,
        ]  # fmt: skip
        tds = "".join(
            f"<td class='{status}'>{v}</td>" if i == 4 else f"<td>{v}</td>"
            for i, v in enumerate(values)
        )
        cells.append(f"<tr data-beat='{html.escape(row['beat'].id, quote=True)}'>{tds}</tr>")
    header = "".join(f"<th>{html.escape(h)}</th>" for h in head)
    return (
        "<table class='headline' id='worst-beats'>"
        f"<thead><tr>{header}</tr></thead><tbody>{''.join(cells)}</tbody></table>"
    )


def geography_section(results: Results, figure_html: Any) -> str:
    """The map section of the panel page ("" without ``geography.json``).

    ``figure_html`` renders one :class:`ReportFigure` (the page's own figure block).
    """
    figures, geography, note = map_figures(results)
    if geography is None and not note:
        return ""
    body = ["<section id='geography'><h2>Where: attendance by beat</h2>"]
    if note:
        body.append(f"<p class='partial' data-note='geography'>Note: {html.escape(note)}.</p>")
    body.extend(figure_html(f) for f in figures)
    table = worst_beats_table(results, geography) if geography is not None else ""
    if table:
        body.append(
            f"<h3>The {WORST_BEATS} beats furthest from target</h3>"
            "<p class='note'>Grade 1 P90 attendance per beat, mean ± half-width of the 95% "
            "interval over replications, against the target of the beat's area.</p>" + table
        )
    body.append("</section>")
    return "".join(body)
