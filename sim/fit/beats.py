"""Demand per beat from a CAD export's beat (and coordinate) columns.

Each grade 1 and 2 incident with an area and a beat counts towards its beat.
A beat's ``weight`` (its share of its area's incidents, relative to the
area's other beats) is its count plus a prior of :data:`BEAT_PRIOR_COUNT`
incidents, so a beat the export names but that had no incident in the period
(one seen only as a unit's origin) keeps a small weight rather than none: the
service does go there. A beat's hour-of-week ``profile`` is fitted only where
the data say it differs from its area's: :func:`beat_profile` states the rule.
A beat's centre (``x_km``, ``y_km``) is the median of its incidents'
coordinates, in kilometres.

Beat names are matched as a CAD operator types them: surrounding and doubled
spaces and letter case do not make a new beat (``Town  Centre`` is ``town
centre``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from sim.units import HOURS_PER_WEEK

#: Incidents a beat is credited with before counting (Jeffreys' prior for a multinomial share).
BEAT_PRIOR_COUNT = 0.5
#: A beat is fitted its own profile only with at least this many incidents ...
PROFILE_MIN_INCIDENTS = 200
#: ... and when its counts in the week's six-hour blocks differ from its area's at this level.
PROFILE_P_VALUE = 0.001
#: Width of the blocks a beat's profile is fitted in, hours (28 blocks a week).
PROFILE_BLOCK_HOURS = 6
#: Prior weight (incidents) towards the area's shape in each block of a beat's profile.
PROFILE_PRIOR_COUNT = 10.0
#: Coordinates given in metres (British National Grid easting and northing) are divided by this.
METRES_PER_KM = 1000.0


def beat_key(name: str) -> str:
    """The name a beat is matched by: spaces collapsed, letter case folded."""
    return re.sub(r"\s+", " ", str(name).strip()).casefold()


def beat_keys(names: pd.Series) -> pd.Series:
    """:func:`beat_key` of every recorded name (missing stays missing)."""
    text = names.astype("string").str.strip().str.replace(r"\s+", " ", regex=True)
    return text.str.casefold()


def locate_columns(frame: pd.DataFrame, located: pd.Series) -> list[tuple[str, str, pd.Series]]:
    """Add ``beat_key``, ``origin_key`` and numeric ``x``, ``y`` to a CAD frame, in place.

    A NULL beat keeps the row (it still counts for its area) but leaves it out
    of the beat fit. Returns the kinds of row kept with a field empty, for the
    data report, as (kind, column, mask); only ``located`` rows (grade 1 and 2,
    the ones the beat fit uses) are counted.
    """
    for column, key in (("beat", "beat_key"), ("origin_beat", "origin_key")):
        if column in frame:
            frame[key] = beat_keys(frame[column])
    found: list[tuple[str, str, pd.Series]] = []
    if "beat" in frame:
        found.append(("of grade 1 or 2 with no beat", "beat", frame["beat"].isna() & located))
    if "x" in frame and "y" in frame:
        for axis in ("x", "y"):
            frame[axis] = pd.to_numeric(frame[axis], errors="coerce")
        unplaced = (frame["x"].isna() | frame["y"].isna()) & located
        found.append(("of grade 1 or 2 with no or unreadable coordinates", "x, y", unplaced))
    return found


@dataclass(frozen=True)
class BeatFit:
    """One fitted beat: its area, incidents, weight, centre (km) and optional profile."""

    key: str
    area: str
    count: int
    weight: float
    x_km: float | None
    y_km: float | None
    profile: list[float] | None
    profile_p: float | None


def _hour_of_week(times: pd.Series) -> np.ndarray:
    """Hour of the week (0 is Monday 00:00) of each timestamp."""
    return (times.dt.day_of_week * 24 + times.dt.hour).to_numpy(dtype=int)


def beat_profile(
    beat_hours: np.ndarray, area_hours: np.ndarray
) -> tuple[list[float] | None, float | None]:
    """A beat's 168 hour-of-week multipliers, where its data support one.

    The rule: with at least :data:`PROFILE_MIN_INCIDENTS` incidents, the beat's
    counts in the 28 six-hour blocks of the week are compared with its area's
    shape (chi-square test of homogeneity); only below :data:`PROFILE_P_VALUE`
    is a profile fitted. Each block's multiplier is the beat's count over the
    count the area's shape predicts, both with :data:`PROFILE_PRIOR_COUNT`
    incidents of the area's shape added, so a thin block stays near 1.

    Parameters
    ----------
    beat_hours, area_hours
        Hour of the week of each of the beat's and of its area's incidents.

    Returns
    -------
    (profile, p)
        The 168 multipliers (or None) and the test's p-value (None: too few incidents).
    """
    if len(beat_hours) < PROFILE_MIN_INCIDENTS:
        return None, None
    blocks = HOURS_PER_WEEK // PROFILE_BLOCK_HOURS
    beat_n = np.bincount(beat_hours // PROFILE_BLOCK_HOURS, minlength=blocks).astype(float)
    area_n = np.bincount(area_hours // PROFILE_BLOCK_HOURS, minlength=blocks).astype(float)
    rest = area_n - beat_n
    table = np.vstack([beat_n, rest])[:, area_n > 0]
    if table.shape[1] < 2 or rest.sum() <= 0:
        return None, None
    p = float(stats.chi2_contingency(table, correction=False)[1])
    if p >= PROFILE_P_VALUE:
        return None, p
    shape = area_n / area_n.sum()
    expected = beat_n.sum() * shape
    multiplier = np.where(
        shape > 0,
        (beat_n + PROFILE_PRIOR_COUNT * shape)
        / np.maximum(expected + PROFILE_PRIOR_COUNT * shape, 1e-12),
        1.0,
    )
    return [round(float(m), 3) for m in np.repeat(multiplier, PROFILE_BLOCK_HOURS)], p


def fit_beats(
    deployed: pd.DataFrame,
    area_ids: dict[str, str],
    extra_beats: dict[str, str] | None = None,
    coordinates_km_per_unit: float = 1.0 / METRES_PER_KM,
) -> dict[str, BeatFit]:
    """Each beat's area, weight within its area, centre and profile.

    Parameters
    ----------
    deployed
        Grade 1 and 2 incidents with ``area``, ``beat_key``, ``created`` and,
        where the export has them, ``x`` and ``y`` (missing where not recorded).
    area_ids
        Scenario id of each area name in the export.
    extra_beats
        Beats with no incident here (a unit's origin only): key -> area name.
    coordinates_km_per_unit
        Kilometres per unit of ``x`` and ``y`` (0.001 for metres).

    Returns
    -------
    dict
        Beat key -> :class:`BeatFit`, beats of an area together.
    """
    rows = deployed[deployed["beat_key"].notna() & deployed["area"].notna()]
    area_of = rows.groupby("beat_key")["area"].agg(lambda a: a.value_counts().index[0])
    places = dict(area_of.items())
    for key, area in (extra_beats or {}).items():
        places.setdefault(key, area)
    counts = rows["beat_key"].value_counts()
    fits: dict[str, BeatFit] = {}
    for area in sorted({str(a) for a in places.values()}, key=lambda a: area_ids.get(a, a)):
        keys = sorted(k for k, a in places.items() if str(a) == area)
        n = np.array([int(counts.get(k, 0)) for k in keys], dtype=float)
        weights = (n + BEAT_PRIOR_COUNT) / (n.sum() + BEAT_PRIOR_COUNT * len(keys))
        in_area = rows[rows["area"] == area]
        area_hours = _hour_of_week(in_area["created"])
        for key, k, weight in zip(keys, n, weights, strict=True):
            own = in_area[in_area["beat_key"] == key]
            x_km = y_km = None
            if {"x", "y"} <= set(own.columns):
                placed = own[own["x"].notna() & own["y"].notna()]
                if not placed.empty:
                    x_km = round(float(placed["x"].median()) * coordinates_km_per_unit, 3)
                    y_km = round(float(placed["y"].median()) * coordinates_km_per_unit, 3)
            profile, p = beat_profile(_hour_of_week(own["created"]), area_hours)
            fits[key] = BeatFit(key, area, int(k), round(float(weight), 6), x_km, y_km, profile, p)
    return fits
