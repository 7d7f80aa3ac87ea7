"""A sample CAD and telephony export to follow the fitting walk-through with.

No force's real data can be shipped, so the sample is made the way a force's
own would be: a shipped scenario is simulated through the run pipeline with
its per-call and per-incident records, and the records are written as a CAD
system and a telephony system would export them: in the force's own column
names and codes, with day-first UK timestamps on the local clock of
Europe/London across the clocks going forward (30 March 2025), handler ids as
an ACD routes calls, a unit callsign on each job, blanks written ``NULL``,
and a few bad rows of the kinds real exports have. What no export can show
(redials, diverted or borrowed units) is switched off first
(:func:`as_a_fit_sees_it`), so the fit's back-test can be judged on it. A mapping file for
``demandsim fit --columns`` comes with it (:func:`write_sample`).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.config import Scenario
from sim.errors import InputError, Problem
from sim.files import atomic_write
from sim.runs.pipeline import simulate
from sim.runs.replicate import MetricReducer

#: The sample's first measured moment: a Monday; the clocks go forward on 30 March 2025.
SAMPLE_START = pd.Timestamp("2025-03-17 00:00", tz="Europe/London")
#: How the sample's systems write a timestamp: day first, local clock, no offset.
SAMPLE_FORMAT = "%d/%m/%Y %H:%M:%S"
#: The sample force's priority codes for our grades, and its CAD and telephony channel codes.
PRIORITY_CODES = {
    "grade1": "G1",
    "grade2": "G2",
    "scheduled": "SCH",
    "resolution": "TR",
    "no_deployment": "ND",
}
ORIGIN_CODES = {"999": "EMERGENCY", "101": "NON-EMERGENCY", "online": "ONLINE"}
QUEUE_CODES = {"999": "EMERG_999", "101": "NONEMERG_101"}
#: The sample force's names for the scenario's area kinds.
BEAT_NAMES = {"urban": "Town Centre", "rural": "Rural North"}
#: The sample's length in weeks unless asked otherwise (see :func:`sample_exports`): half a
#: year, the shortest measured length at which every headline figure of one period
#: varies well inside the back-test's ±15% (SD of one period, on the demo: 4 weeks up to
#: 16% of the figure, 13 weeks up to 13%, 26 weeks up to 5.6%; tests/fit/test_sample_backtest.py).
DEFAULT_SAMPLE_WEEKS = 26

SAMPLE_MAPPING = """\
# How this force's exports name their columns and codes: pass with demandsim fit --columns.
incidents:
  columns: {created: Opened, dispatched: Dispatched, arrived: On Scene, cleared: Closed,
            priority: Grade, area: Beat, channel: Origin, unit: Callsign, call_id: Call Ref}
  timezone: Europe/London     # local clock times; the clocks went forward on 30 March 2025
  priorities: {G1: grade1, G2: grade2, SCH: scheduled, TR: resolution, ND: no_deployment}
  channels: {EMERGENCY: "999", NON-EMERGENCY: "101", ONLINE: online}
calls:
  columns: {call_id: Call Ref, arrival: Call Start, answered: Answer Time,
            abandoned: Abandon Time, ended: Call End, channel: Queue, handler_id: Agent}
  timezone: Europe/London
  channels: {EMERG_999: "999", NONEMERG_101: "101"}   # SWITCHBOARD calls are not police demand
"""


@dataclass(frozen=True)
class SampleExports:
    """The sample: a CAD export, a telephony export (both as text) and the mapping YAML."""

    cad: pd.DataFrame
    calls: pd.DataFrame
    mapping: str


def acd_handler_ids(
    answered_s: np.ndarray, busy_until_s: np.ndarray, available_per_minute: np.ndarray
) -> np.ndarray:
    """Who took each call, as an ACD routes it: the longest-idle handler on duty.

    The simulator's handlers are anonymous; with ``k`` on duty in a minute of
    the week, handlers ``0..k-1`` are on duty and each answered call goes to
    the one free longest.

    Parameters
    ----------
    answered_s, busy_until_s
        When each call was answered, and when its handler was free again
        (seconds from the scenario's Monday 00:00; NaN for an abandoned call).
    available_per_minute
        Handlers on duty in each minute of the week.

    Returns
    -------
    numpy.ndarray
        The handler number of each call, -1 where it was not answered.
    """
    free_at = np.full(int(available_per_minute.max()) + 1, -np.inf)
    handler = np.full(len(answered_s), -1)
    for i in np.argsort(answered_s, kind="stable"):
        if not np.isfinite(answered_s[i]):
            continue
        minute = int(answered_s[i] // 60) % len(available_per_minute)
        on_duty = max(int(available_per_minute[minute]), 1)
        pick = int(np.argmin(free_at[:on_duty]))
        handler[i] = pick
        free_at[pick] = busy_until_s[i]
    return handler


def _stamps(seconds: pd.Series) -> pd.Series:
    """Seconds from the start as the force's systems write them (blank where missing).

    The simulated clock is the force's wall clock: its shifts start at 07:00
    local time and its callers keep local hours either side of the clock change,
    so seconds from the start are added to the local start time, not to an
    instant. Read as elapsed time instead, the whole service would move an hour
    on the local clock from 30 March, which no force's does (and a fit on the
    local clock would then see each roster smeared across two hours). The
    simulated hour that does not exist locally (01:00 to 02:00 on 30 March, a
    Sunday night) is written as 02:00, as a system clock shifted forward would.
    """
    local = SAMPLE_START.tz_localize(None) + pd.to_timedelta(
        seconds.to_numpy(dtype=float), unit="s"
    )
    moments = local.tz_localize(SAMPLE_START.tz, nonexistent="shift_forward")
    text = pd.Series(moments.strftime(SAMPLE_FORMAT), index=seconds.index)
    return text.where(seconds.notna().to_numpy(), "")


def _telephony(calls: pd.DataFrame, scenario: Scenario) -> pd.DataFrame:
    """Calls as the telephony system exports them, with each answering handler's id."""
    busy_until = calls["answered_s"] + calls["talk_s"] + calls["wrap_s"]
    agents = pd.Series("", index=calls.index, dtype=object)
    for pool_id, rows in calls.groupby("handler_pool", observed=True).groups.items():
        pool = scenario.handler_pools.get(str(pool_id))
        if pool is None:
            continue  # not answered by any pool
        picked = acd_handler_ids(
            calls.loc[rows, "answered_s"].to_numpy(),
            busy_until[rows].to_numpy(),
            pool.available_per_minute(),
        )
        agents[rows] = np.where(picked >= 0, [f"AG{100 + p}" for p in picked], "")
    kept = calls["in_period"].to_numpy()
    ended = busy_until.where(busy_until.notna(), calls["abandoned_s"])
    frame = pd.DataFrame(
        {
            "Call Ref": [f"C{n:07d}" for n in calls["call_id"]],
            "Queue": calls["channel"].astype(str).map(QUEUE_CODES),
            "Call Start": _stamps(calls["arrival_s"]),
            "Answer Time": _stamps(calls["answered_s"]),
            "Abandon Time": _stamps(calls["abandoned_s"]),
            "Call End": _stamps(ended),
            "Agent": agents,
        }
    )[kept]
    return frame.replace("", "NULL").reset_index(drop=True)


def _cad(incidents: pd.DataFrame, calls: pd.DataFrame) -> pd.DataFrame:
    """Incidents as the CAD system exports them (those raised in the measured period)."""
    # A CAD export holds the incidents opened in the period it covers.
    opened = incidents["created_s"]
    incidents = incidents[
        (opened >= 0) & (opened < calls.loc[calls["in_period"], "arrival_s"].max())
    ]
    channel_of = dict(zip(calls["call_id"], calls["channel"].astype(str), strict=True))
    from_call = incidents["source"].astype(str) == "call"
    origin = incidents["source_id"].map(channel_of).where(from_call, "online")
    beats = {
        a: BEAT_NAMES.get(a, a.replace("_", " ").title())
        for a in incidents["area"].astype(str).unique()
    }
    frame = pd.DataFrame(
        {
            "Incident No": [f"INC{n:07d}" for n in incidents["incident_id"]],
            "Opened": _stamps(incidents["created_s"]),
            "Grade": incidents["first_grade"].astype(str).map(PRIORITY_CODES),
            "Origin": origin.map(ORIGIN_CODES),
            "Beat": incidents["area"].astype(str).map(beats),
            "Dispatched": _stamps(incidents["dispatched_s"]),
            "On Scene": _stamps(incidents["arrived_s"]),
            "Closed": _stamps(incidents["cleared_s"]),
            "Callsign": np.where(
                incidents["unit"] >= 0, [f"RV{u:02d}" for u in incidents["unit"]], ""
            ),
            "Call Ref": [
                f"C{n:07d}" if call else ""
                for n, call in zip(incidents["source_id"], from_call, strict=True)
            ],
        }
    )
    return frame.replace("", "NULL").reset_index(drop=True)


def _spoil(cad: pd.DataFrame, calls: pd.DataFrame, seed: int) -> None:
    """A few bad rows of the kinds real exports have, at fixed random rows."""
    rng = np.random.default_rng(seed)
    rows = rng.choice(len(cad), 9, replace=False)
    cad.loc[rows[:2], "Opened"] = "#VALUE!"
    cad.loc[rows[2], "Grade"] = "TEST"
    cad.loc[rows[3], "Closed"] = "01/01/1900 00:00:00"
    deployed = cad.index[(cad["Dispatched"] != "NULL") & (cad["Grade"].isin(["G1", "G2"]))]
    typo = rng.choice(deployed, 2, replace=False)
    # Keyed by hand ten minutes before the incident was opened.
    opened = pd.to_datetime(cad.loc[typo, "Opened"], format=SAMPLE_FORMAT)
    cad.loc[typo, "Dispatched"] = (opened - pd.Timedelta(minutes=10)).dt.strftime(SAMPLE_FORMAT)
    cad.loc[rows[4:7], "Beat"] = "NULL"
    row = rng.choice(len(calls), 4, replace=False)
    calls.loc[row[:3], "Queue"] = "SWITCHBOARD"
    calls.loc[row[3], "Call Start"] = "NULL"


def as_a_fit_sees_it(raw: dict[str, Any]) -> dict[str, Any]:
    """A one-force scenario without what no export shows, so a fit of its exports can match it.

    A telephony export cannot tell a redial from a new caller, nor a CAD export
    a unit taken off a grade 2 job or sent from the next area; the sample's
    service works without them (everything else as the scenario says).
    """
    raw = copy.deepcopy(raw)
    for force in raw.get("forces", {}).values():
        for channel in force.get("channels", {}).values():
            channel.pop("redial", None)
        response = force.get("response") or {}
        response["help_from_neighbours"] = False
        response["divert_from_grade2"] = False
    return raw


def sample_exports(
    scenario: Scenario, seed: int = 7, weeks: int = DEFAULT_SAMPLE_WEEKS
) -> SampleExports:
    """Simulate one replication of a one-force scenario and write it as a force's exports.

    Parameters
    ----------
    scenario
        A validated scenario with one force (e.g. ``configs/demo.yaml``).
    seed
        Picks the bad rows.
    weeks
        The export's length in whole weeks from :data:`SAMPLE_START` (the
        scenario's own ``days`` are replaced).

    Raises
    ------
    InputError
        If the scenario has more than one force or creates no incidents.
    """
    if len(scenario.forces) != 1:
        message = "has more than one force; expected a one-force scenario for the sample"
        raise InputError([Problem(scenario.name, "forces", message)])
    if weeks < 1:
        raise InputError([Problem("--weeks", "", f"is {weeks}; expected 1 or more whole weeks")])
    one = scenario.model_copy(update={"replications": 1, "days": 7.0 * weeks})
    [result] = simulate([one], MetricReducer(records=True, warmup=False), name="sample")[
        scenario.name
    ]
    records = result.records or {}
    if "incidents" not in records:
        raise InputError([Problem(scenario.name, "forces", "creates no incidents to export")])
    calls = records["calls"]
    cad = _cad(records["incidents"], calls)
    telephony = _telephony(calls, one)
    _spoil(cad, telephony, seed)
    return SampleExports(cad, telephony, SAMPLE_MAPPING)


def write_sample(
    out_dir: Path, scenario: Scenario, weeks: int = DEFAULT_SAMPLE_WEEKS
) -> list[Path]:
    """Write ``cad.csv``, ``calls.csv`` and ``mapping.yaml`` into ``out_dir``; return the paths.

    ``weeks`` is the export's length (:func:`sample_exports`).
    """
    sample = sample_exports(scenario, weeks=weeks)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, frame in (("cad.csv", sample.cad), ("calls.csv", sample.calls)):
        path = out_dir / name
        atomic_write(path, lambda p, f=frame: f.to_csv(p, index=False))
        written.append(path)
    mapping = out_dir / "mapping.yaml"
    atomic_write(mapping, lambda p: p.write_text(sample.mapping))
    return [*written, mapping]
