"""Where each unit was sent from, for an export with no origin beat: its station or its last job.

Many CAD exports name the unit (its callsign) and the incident's beat but not
where the unit was when it was sent. A force's callsigns usually say the
station (``NA21`` is a north-area car), so the mapping's ``stations:`` gives
callsign prefix -> the station's beat. A unit then drives from where the
simulator says it is: from its station when idle there, or from the beat of
the job it has just cleared while it is still driving back (the expected trip
back to its station). That trip is not known before the matrix is fitted, so
the origins are found in two passes:

1. trips whose origin is certain: the unit's first job in the export, or sent
   :data:`AT_BASE_AFTER_MIN` minutes or more after clearing its last job
   (home by then from any beat), from its station (a unit's first job may
   follow one before the export began: a few are wrong); sent before clearing its
   last job (taken off it), from that job's beat;
2. with the matrix fitted to those, every other trip is from its last job's
   beat when sent before the expected trip from there to the station was
   over, else from the station.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np
import pandas as pd

from sim.fit.beats import beat_key

#: A unit sent this long after clearing its last job is taken to be back at its station, minutes.
AT_BASE_AFTER_MIN = 120.0


def station_of_units(units: pd.Series, prefixes: Mapping[str, str]) -> pd.Series:
    """Each callsign's station beat key, by the longest prefix it starts with (case ignored)."""
    ordered = sorted(prefixes, key=len, reverse=True)

    def station(unit: object) -> str | None:
        if not isinstance(unit, str):
            return None
        text = unit.strip().casefold()
        for prefix in ordered:
            if text.startswith(prefix.strip().casefold()):
                return beat_key(prefixes[prefix])
        return None

    return units.map(station)


def derive_origins(
    jobs: pd.DataFrame,
    prefixes: Mapping[str, str],
    back_minutes: Callable[[pd.Series, pd.Series], np.ndarray] | None = None,
) -> pd.Series:
    """Each job's origin beat key: its unit's station or the beat of the job before.

    Parameters
    ----------
    jobs
        Incidents with ``unit``, ``beat_key``, ``dispatched`` and ``cleared``.
    prefixes
        Callsign prefix -> station beat (as the export names it).
    back_minutes
        Expected minutes from each beat key to each station key (pass 2);
        None: pass 1 only, the uncertain origins missing.

    Returns
    -------
    pd.Series
        Origin beat key per job (index of ``jobs``); missing where the unit
        has no station in ``prefixes`` or (pass 1) the origin is uncertain.
    """
    rows = jobs[jobs["unit"].notna() & jobs["dispatched"].notna() & jobs["cleared"].notna()]
    rows = rows.sort_values(["unit", "dispatched"], kind="stable")
    station = station_of_units(rows["unit"], prefixes)
    same_unit = rows["unit"].eq(rows["unit"].shift())
    last_beat = rows["beat_key"].shift().where(same_unit)
    last_clear = rows["cleared"].shift().where(same_unit)
    gap_min = (rows["dispatched"] - last_clear).dt.total_seconds() / 60.0
    # A unit's first job in the export is taken to start at its station (its job before
    # is not in the export); after a job with no beat, only a long gap says where it was.
    home = ~same_unit | (gap_min >= AT_BASE_AFTER_MIN)
    taken_off = gap_min < 0
    origin = pd.Series(pd.NA, index=rows.index, dtype="object")
    origin[home] = station[home]
    origin[taken_off] = last_beat[taken_off]
    if back_minutes is not None:
        open_ = ~home & ~taken_off & station.notna() & last_beat.notna()
        trip = back_minutes(last_beat[open_], station[open_])
        driving = gap_min[open_].to_numpy() < trip
        origin[open_] = np.where(driving, last_beat[open_], station[open_])
    origin[station.isna()] = pd.NA
    return origin.reindex(jobs.index)
