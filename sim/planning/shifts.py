"""Shift patterns a roster may use: the scenario's own shifts, a ``--shifts`` file, any hour.

A *shift pattern* is a start time, a length, an unpaid break (taken, staggered,
somewhere in a window of the shift), the days it may be worked and the least
and most people who may work it on each of those days.

* :func:`patterns_from_roster` -- the scenario's current shifts (their start
  times and lengths, any number of people): the default, so that the new
  roster is one the centre already knows how to work;
* :func:`load_patterns` -- a ``--shifts`` YAML file (``patterns:``);
* :func:`default_patterns` -- 8 or 10 hours from any hour, when the current
  roster is not given as shifts.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from sim.config import DAY_NAMES, InputError, Problem, Roster, clock_to_seconds, read_yaml_file

_CLOCK = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


@dataclass(frozen=True)
class ShiftPattern:
    """A shift that may be worked: start, length, unpaid break, days, and counts per day.

    Attributes
    ----------
    name : str
        Label, used in the roster's shift names.
    start_minute : int
        Start, minutes after midnight.
    length_minutes : int
        Time on duty, minutes (breaks included).
    break_minutes : int
        Unpaid break within the shift, minutes.
    days : tuple of str
        Days it may start on (``mon`` ... ``sun``).
    min_count, max_count : int
        Least and most people on it on each of its days (``max_count`` may be
        ``None``: no limit).
    break_window : tuple of int, optional
        Minutes after the start between which breaks are taken, staggered
        evenly (default: the middle third of the shift).
    """

    name: str
    start_minute: int
    length_minutes: int
    break_minutes: int = 0
    days: tuple[str, ...] = DAY_NAMES
    min_count: int = 0
    max_count: int | None = None
    break_window: tuple[int, int] | None = None

    @property
    def paid_hours(self) -> float:
        """Paid hours of one person working it once."""
        return (self.length_minutes - self.break_minutes) / 60.0

    def on_duty(self) -> np.ndarray:
        """Share of the people on it who are working, each minute from its start.

        With breaks staggered evenly over the window, ``break / window`` of them
        are on a break at any minute of it (all of them for a window no longer
        than the break).
        """
        working = np.ones(self.length_minutes)
        if self.break_minutes > 0:
            low, high = self.break_window or (
                self.length_minutes // 3,
                self.length_minutes - self.length_minutes // 3,
            )
            width = max(high - low, self.break_minutes)
            high = min(low + width, self.length_minutes)
            working[low:high] -= self.break_minutes / width
        return working


def default_patterns(lengths_hours: Sequence[float] = (8.0, 10.0)) -> list[ShiftPattern]:
    """Shifts starting on any hour, of each length, any day, no limit on numbers."""
    return [
        ShiftPattern(f"{hours:g}h-{start:02d}00", start * 60, round(hours * 60))
        for hours in lengths_hours
        for start in range(24)
    ]


def patterns_from_dict(raw: Any, source: str) -> list[ShiftPattern]:
    """Shift patterns from a parsed YAML file (``patterns:`` list).

    Each entry: ``name``, ``start`` (``"07:00"``) or ``starts`` (a list),
    ``length_hours``, optional ``break_minutes`` (unpaid, default 0), ``days``
    (default all), ``min`` (default 0) and ``max`` (default no limit) people per day.

    Raises
    ------
    InputError
        Naming the file and the field of every problem.
    """
    problems: list[Problem] = []
    entries = raw.get("patterns") if isinstance(raw, dict) else None
    if not isinstance(entries, list) or not entries:
        raise InputError(
            [Problem(source, "patterns", "missing or empty; expected a list of shift patterns")]
        )
    known = {"name", "start", "starts", "length_hours", "break_minutes", "break_window_hours"}
    known |= {"days", "min", "max"}
    patterns: list[ShiftPattern] = []
    for i, entry in enumerate(entries):
        where = f"patterns.{i}"
        if not isinstance(entry, dict):
            problems.append(Problem(source, where, "expected a section (mapping)"))
            continue
        for key in sorted(set(entry) - known):
            problems.append(
                Problem(
                    source, f"{where}.{key}", f"unknown field; expected {', '.join(sorted(known))}"
                )
            )
        starts = entry.get("starts", [entry["start"]] if "start" in entry else None)
        if not isinstance(starts, list) or not starts:
            problems.append(Problem(source, f"{where}.start", "missing; expected a time, 07:00"))
            continue
        length = entry.get("length_hours")
        if isinstance(length, bool) or not isinstance(length, (int, float)) or not 0 < length <= 24:
            problems.append(
                Problem(source, f"{where}.length_hours", "expected hours on duty, above 0 to 24")
            )
            continue
        pause = entry.get("break_minutes", 0)
        if isinstance(pause, bool) or not isinstance(pause, int) or not 0 <= pause < length * 60:
            problems.append(
                Problem(
                    source,
                    f"{where}.break_minutes",
                    "expected whole minutes from 0, shorter than the shift",
                )
            )
            continue
        window = entry.get("break_window_hours")
        if window is not None:
            numbers = isinstance(window, list) and len(window) == 2
            numbers = numbers and all(
                isinstance(w, (int, float)) and not isinstance(w, bool) for w in window
            )
            if not numbers or not 0 <= window[0] < window[1] <= length:
                problems.append(
                    Problem(
                        source,
                        f"{where}.break_window_hours",
                        f"expected [from, to]: hours after the start, 0 to {length:g}",
                    )
                )
                continue
            window = (round(window[0] * 60), round(window[1] * 60))
        days = entry.get("days", list(DAY_NAMES))
        if not isinstance(days, list) or not days or any(d not in DAY_NAMES for d in days):
            problems.append(
                Problem(source, f"{where}.days", f"expected a list of {', '.join(DAY_NAMES)}")
            )
            continue
        low, high = entry.get("min", 0), entry.get("max")
        if isinstance(low, bool) or not isinstance(low, int) or low < 0:
            problems.append(Problem(source, f"{where}.min", "expected a whole number >= 0"))
            continue
        if high is not None and (isinstance(high, bool) or not isinstance(high, int) or high < low):
            problems.append(
                Problem(source, f"{where}.max", f"expected a whole number >= min ({low})")
            )
            continue
        for j, start in enumerate(starts):
            if not isinstance(start, str) or not _CLOCK.match(start):
                field = f"{where}.starts.{j}" if "starts" in entry else f"{where}.start"
                problems.append(Problem(source, field, f"{start!r}: expected HH:MM, 00:00-23:59"))
                continue
            minute = clock_to_seconds(start) // 60
            name = str(entry.get("name", f"shift{i}"))
            patterns.append(
                ShiftPattern(
                    name if len(starts) == 1 else f"{name}-{minute // 60:02d}{minute % 60:02d}",
                    minute,
                    round(length * 60),
                    pause,
                    tuple(days),
                    low,
                    high,
                    window,
                )
            )
    if problems:
        raise InputError(problems)
    return patterns


def load_patterns(path: Path) -> list[ShiftPattern]:
    """Shift patterns from a YAML file (see :func:`patterns_from_dict`)."""
    return patterns_from_dict(read_yaml_file(path), str(path))


def patterns_from_roster(roster: Roster) -> list[ShiftPattern] | None:
    """The roster's own shifts as patterns: their start times and lengths, counts free.

    Each distinct (start, length) becomes one pattern, on every day, with no
    limit on numbers; ``None`` when the roster is not given as shifts.
    """
    if not roster.shifts:
        return None
    seen: dict[tuple[int, int], str] = {}
    for shift in roster.shifts:
        key = (clock_to_seconds(shift.start) // 60, round(shift.length_hours * 60))
        seen.setdefault(key, shift.name)
    return [ShiftPattern(name, start, length) for (start, length), name in seen.items()]
