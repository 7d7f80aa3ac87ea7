"""The state of the spatial response model: stations, units' places, forces' beats.

See :mod:`sim.model.spatial` for how they move; these are the plain records of
where things are, and the per-force lookups (a beat for a new incident, the
expected travel between two beats at a time of day).
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field

import numpy as np

from sim.config.geography import band_of_hour
from sim.model.response import AreaState, Unit

_HOURS_PER_WEEK = 168
#: Draws fetched from a stream at a time: one per call would cost a microsecond each.
_BLOCK = 4096
#: The band of each hour of the day.
_BAND_OF_HOUR = [band_of_hour(hour) for hour in range(24)]


class Draws:
    """Standard normal or uniform draws from one named stream, fetched in blocks."""

    def __init__(self, generator: np.random.Generator, normal: bool):
        self._generator = generator
        self._normal = normal
        self._values: list[float] = []

    def next(self) -> float:
        if not self._values:
            block = (
                self._generator.standard_normal(_BLOCK)
                if self._normal
                else self._generator.random(_BLOCK)
            )
            self._values = block.tolist()[::-1]
        return self._values.pop()


@dataclass(eq=False)
class StationState:
    """A station during a run: its home units, those on duty and those due to leave."""

    index: int
    station_id: str
    beat: int
    area: AreaState
    on_duty: int = 0
    spare: list[Unit] = field(default_factory=list)
    leaving_since: deque[float] = field(default_factory=deque)
    created: int = 0
    #: With ``patrol: home_beat``: the beats its units patrol, unit k the k-th in turn.
    patrol_beats: list[int] = field(default_factory=list)

    def home_of_next_unit(self) -> int:
        """The home beat of the unit about to be created here: where it waits when free."""
        if not self.patrol_beats:
            return self.beat
        return self.patrol_beats[self.created % len(self.patrol_beats)]


@dataclass(eq=False)
class UnitPlace:
    """Where a unit is: its home station, its position (a beat) and when it is back home.

    ``home`` is the beat it waits in when free: its station's, or its patrol beat.
    """

    station: StationState
    force: SpatialForce
    label: str
    position: int
    home: int
    back_at: float = -math.inf
    on_since: float = math.nan
    present_s: float = 0.0


@dataclass(eq=False)
class SpatialForce:
    """A force's beats (indexed across forces from ``first_beat``) and travel, seconds."""

    force: int
    first_beat: int
    travel_s: list[list[list[float]]]
    trip_sigma: float
    trip: Draws
    lost_when_no_unit: bool
    preferences: list[list[StationState]] | None
    beats_of_area: dict[int, list[int]]
    cumulative: dict[int, np.ndarray]
    pick: Draws

    def draw_beat(self, area: int, now: float) -> int:
        """A beat of ``area`` for an incident created ``now`` (seconds), by the beats' weights."""
        weights = self.cumulative[area]
        hour = int(now // 3600) % _HOURS_PER_WEEK
        row = weights[hour] if weights.ndim == 2 else weights
        position = int(np.searchsorted(row, self.pick.next() * row[-1], side="right"))
        return self.beats_of_area[area][min(position, len(row) - 1)]

    def expected_s(self, origin: int, beat: int, now: float) -> float:
        """Expected travel from beat ``origin`` to ``beat`` for a unit sent ``now``, seconds."""
        band = _BAND_OF_HOUR[int(now // 3600) % 24]
        return self.travel_s[band][origin - self.first_beat][beat - self.first_beat]


@dataclass(eq=False)
class BorderState:
    """Expected travel between the beats of every force with geography, seconds.

    ``travel_s[band][from][to]``, beats indexed across forces as everywhere in
    the spatial model; within a force the same figures as the force's own.
    """

    travel_s: list[list[list[float]]]
    grade2: bool

    def expected_s(self, origin: int, beat: int, now: float) -> float:
        """Expected travel from beat ``origin`` to ``beat`` for a unit sent ``now``, seconds."""
        return self.travel_s[_BAND_OF_HOUR[int(now // 3600) % 24]][origin][beat]


__all__ = ["BorderState", "Draws", "SpatialForce", "StationState", "UnitPlace"]
