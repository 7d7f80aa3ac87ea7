"""Units of time, day names and clock times: the constants every layer shares.

Simulation time is in seconds from the scenario's start, Monday 00:00
(DESIGN §2). Nothing here imports anything of the package.
"""

from __future__ import annotations

SECONDS_PER_MINUTE = 60
SECONDS_PER_HOUR = 3600
SECONDS_PER_DAY = 86_400
SECONDS_PER_WEEK = 7 * SECONDS_PER_DAY
HOURS_PER_WEEK = 168
MINUTES_PER_WEEK = 7 * 24 * 60
DAYS_PER_YEAR = 365.0

#: Days of the week as written in configs, Monday first (simulation day 0 is a Monday).
DAY_NAMES: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def clock_to_seconds(clock: str) -> int:
    """Seconds after midnight of an ``HH:MM`` clock time."""
    hours, minutes = clock.split(":")
    return int(hours) * SECONDS_PER_HOUR + int(minutes) * SECONDS_PER_MINUTE
