"""Travel across forces' borders: roads between the beats of two or more forces.

A scenario whose forces have geography may give ``border_travel``: roads (or
direct trips) that join one force's beats to another's, as a CSV
(``file``: ``from, to, minutes``; read when the scenario is loaded, relative to
the scenario file) or inline (``roads``). A beat is named by its force:
``tvp/b12``; a name without a force (``m4-j10``) is a junction. Roads are
two-way. Expected travel from a beat of one force to a beat of another is the
shortest path, computed once per replication by networkx, over those roads and
each force's own beat x beat matrix (its band factors included), times the
border's own ``band_factors`` on the border roads. Travel within a force is
always its own matrix, unchanged.

The model uses it only where a force helps across forces (``response.
help_across_forces``, or a platform's ``dispatch_scope: cross_force``): see
:mod:`sim.model.spatial`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Literal

import numpy as np
from pydantic import Field

from sim.config.base import FrozenModel, NotBool

if TYPE_CHECKING:
    from sim.config.force import Force

#: A force's beat (``tvp/b12``) or a junction (``m4-j10``).
PlaceRef = Annotated[
    str, Field(pattern=r"^([a-z0-9][a-z0-9_-]{0,39}/)?[A-Za-z0-9][A-Za-z0-9_.-]{0,79}$")
]
_Minutes = Annotated[float, Field(ge=0, le=10_080, allow_inf_nan=False), NotBool]
_Factor = Annotated[float, Field(gt=0, le=100, allow_inf_nan=False), NotBool]
_BANDS = ("day", "evening", "night")


class BorderRoad(FrozenModel):
    """A two-way road (or trip) of ``minutes`` between two places, at least one a beat."""

    start: PlaceRef
    end: PlaceRef
    minutes: _Minutes


class BorderTravel(FrozenModel):
    """Roads across forces' borders, and which grades may be sent across them.

    ``grade2``: whether a grade 2 may also take the nearest free unit across the
    border (by default only a grade 1 may: see :mod:`sim.model.spatial`).
    """

    file: Annotated[str, Field(min_length=1, max_length=1000)] | None = Field(
        default=None,
        description="CSV from,to,minutes (beats as FORCE/BEAT), relative to the scenario file.",
    )
    roads: Annotated[list[BorderRoad], Field(min_length=1, max_length=100_000)] = Field(
        description="The roads across the border (read from file, or given here)."
    )
    band_factors: dict[Literal["day", "evening", "night"], _Factor] = Field(
        default_factory=dict, description="Multiplier of the border roads' minutes per band."
    )
    grade2: bool = Field(
        default=False,
        description="Grade 2 may also take the nearest free unit across the border.",
    )


def border_problems(
    border: BorderTravel, forces: dict[str, Force]
) -> list[tuple[tuple[str | int, ...], str]]:
    """Problems of ``border`` against the scenario's ``forces``, at paths below it.

    Each end must be a beat ``FORCE/BEAT`` of a force with geography or a
    junction; a road may not join two beats of one force (its own matrix gives
    that); every force with geography must be reached from every other.
    """
    problems: list[tuple[tuple[str | int, ...], str]] = []
    beats = {
        force_id: {beat.id for beat in force.geography.beats}
        for force_id, force in forces.items()
        if force.geography is not None
    }
    for i, road in enumerate(border.roads):
        ends = []
        for name in ("start", "end"):
            message = place_problem(getattr(road, name), beats)
            if message:
                problems.append((("roads", i, name), message))
            ends.append(getattr(road, name).partition("/"))
        if ends[0][1] and ends[1][1] and ends[0][0] == ends[1][0]:
            problems.append(
                (("roads", i), f"joins two beats of {ends[0][0]}; travel within a force is "
                 "its own geography's (give it there)")
            )  # fmt: skip
    if problems:
        return problems
    if len(beats) < 2:
        problems.append(((), "needs two or more forces with geography"))
        return problems
    # Within a force every beat reaches every other: a force is one node here.
    parent: dict[str, str] = {}

    def root(node: str) -> str:
        while parent.get(node, node) != node:
            node = parent[node]
        return node

    for road in border.roads:
        a, b = (root(p.partition("/")[0] if "/" in p else "@" + p) for p in (road.start, road.end))
        parent[a] = b
    groups = {root(force_id) for force_id in beats}
    if len(groups) > 1:
        apart = sorted(beats)
        problems.append(
            (("roads",), f"do not join every force with geography ({', '.join(apart)}); "
             "expected a road between each force and the rest")
        )  # fmt: skip
    return problems


def place_problem(name: str, beats: dict[str, set[str]]) -> str | None:
    """Why ``name`` is not a place of the border (None: it is a beat or a junction)."""
    if not name:
        return "is empty; expected FORCE/BEAT (a beat) or a junction's name"
    if "/" not in name:
        owners = sorted(force_id for force_id, ids in beats.items() if name in ids)
        if owners:
            return f"'{name}' is a beat of {owners[0]}; expected it as {owners[0]}/{name}"
        return None
    force_id, _, beat = name.partition("/")
    if force_id not in beats:
        known = ", ".join(sorted(beats)) or "none"
        return (
            f"'{name}' names no force with geography; expected FORCE/BEAT with FORCE one of {known}"
        )
    if beat not in beats[force_id]:
        return f"'{name}': {force_id} has no beat '{beat}'"
    return None


def border_minutes(border: BorderTravel, forces: dict[str, Force]) -> np.ndarray:
    """Expected travel between every pair of beats of every force with geography, minutes.

    An array (band, from, to) with bands as :data:`sim.config.geography.BANDS`
    and the beats of the forces with geography in scenario order. Blocks within
    a force are its own :meth:`Geography.travel_minutes`; across forces, the
    shortest path over the graph of each force's matrix (every pair of its
    beats joined directly) and the border roads.

    Computed through the *portals* (beats at an end of a border road): a path
    from a beat of one force to a beat of another leaves its force at a portal
    and enters the other at one, so it is the shortest within-force path to a
    portal (scipy, from and to the portals only), portal to portal over the
    small graph of roads, junctions and within-force portal pairs (networkx),
    and portal to beat: exact, without an edge per pair of beats.
    """
    import networkx as nx  # only for scenarios with border travel
    from scipy.sparse.csgraph import csgraph_from_dense, shortest_path

    names: list[str] = []
    cubes: list[np.ndarray] = []
    for force_id, force in forces.items():
        if force.geography is not None:
            names.extend(f"{force_id}/{beat.id}" for beat in force.geography.beats)
            cubes.append(force.geography.travel_minutes())
    index = {name: k for k, name in enumerate(names)}
    starts = np.cumsum([0] + [cube.shape[1] for cube in cubes])
    portals = sorted(
        {index[p] for road in border.roads for p in (road.start, road.end) if p in index}
    )
    total = len(names)
    result = np.full((len(_BANDS), total, total), np.inf)
    for band_index, band in enumerate(_BANDS):
        graph = nx.DiGraph()
        # Per force: within-force shortest paths from its portals and to them.
        away: dict[int, np.ndarray] = {}  # portal -> minutes to each beat of its force
        back: dict[int, np.ndarray] = {}  # portal -> minutes from each beat of its force
        for f, cube in enumerate(cubes):
            first, last = starts[f], starts[f + 1]
            block = cube[band_index]
            result[band_index, first:last, first:last] = block
            mine = [p for p in portals if first <= p < last]
            if not mine:
                continue
            edges = block.copy()
            np.fill_diagonal(edges, np.inf)  # a road ends at the beat's centre: no within-beat time
            sparse = csgraph_from_dense(edges, null_value=np.inf)
            local = [p - first for p in mine]
            from_portal = shortest_path(sparse, method="D", indices=local)
            to_portal = shortest_path(sparse.T.tocsr(), method="D", indices=local)
            for k, p in enumerate(mine):
                away[p], back[p] = from_portal[k], to_portal[k]
                for q, other in zip(mine, local, strict=True):
                    if q != p:
                        graph.add_edge(names[p], names[q], minutes=from_portal[k][other])
        factor = border.band_factors.get(band, 1.0)
        for road in border.roads:
            minutes = road.minutes * factor
            for a, b in ((road.start, road.end), (road.end, road.start)):
                if not graph.has_edge(a, b) or graph[a][b]["minutes"] > minutes:
                    graph.add_edge(a, b, minutes=minutes)
        between = {
            p: nx.single_source_dijkstra_path_length(graph, names[p], weight="minutes")
            for p in portals
        }
        for f in range(len(cubes)):
            for g in range(len(cubes)):
                if f == g:
                    continue
                rows, cols = slice(starts[f], starts[f + 1]), slice(starts[g], starts[g + 1])
                entry = [p for p in portals if starts[g] <= p < starts[g + 1]]
                best = np.full((starts[f + 1] - starts[f], starts[g + 1] - starts[g]), np.inf)
                for p in (p for p in portals if starts[f] <= p < starts[f + 1]):
                    # From portal p of f: the best way into g, to each of g's beats.
                    onward = np.full(starts[g + 1] - starts[g], np.inf)
                    for q in entry:
                        if names[q] in between[p]:
                            onward = np.minimum(onward, between[p][names[q]] + away[q])
                    best = np.minimum(best, back[p][:, None] + onward[None, :])
                result[band_index, rows, cols] = best
    return result


__all__ = [
    "BorderRoad",
    "BorderTravel",
    "PlaceRef",
    "border_minutes",
    "border_problems",
    "place_problem",
]
