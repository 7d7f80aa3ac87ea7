"""A known force, simulated, written out as the CAD and telephony exports a force would give.

The fit tests fit these exports and check the fitted scenario recovers the
known one; the CLI tests (tests/cli/test_fit.py) run ``demandsim fit`` on
them. The simulation runs once per test session, whichever asks first.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from sim.app.run import run_scenario
from sim.config import read_yaml_file, scenario_from_dict
from sim.files import read_records
from sim.fit.sample import acd_handler_ids

ROOT = Path(__file__).resolve().parents[2]
START = pd.Timestamp("2024-01-01 00:00")  # a Monday


def known_scenario() -> dict:
    """The demo force, made identifiable and short-staffed so callers abandon.

    No redials, no over-dispersion, no help or diversion (each incident has
    one unit from dispatch to clearing), no wrap-up (the export's call end is
    when the handler is free again), online reports with no desk review, and
    handlers on four shifts with no shrinkage (the roster is who is on duty).
    """
    raw = read_yaml_file(ROOT / "configs" / "demo.yaml")
    raw["name"] = "known"
    raw["days"] = 28
    raw["warmup_days"] = 1
    raw["replications"] = 1
    force = raw["forces"]["demo"]
    force["online"].pop("desk_review")
    for channel in force["channels"].values():
        channel.pop("redial", None)
        channel["overdispersion_cv"] = 0.0
        channel["wrap_up"] = {"distribution": "constant", "value_s": 0}
    force["response"]["help_from_neighbours"] = False
    force["response"]["divert_from_grade2"] = False
    pool = raw["handler_pools"]["contact_centre"]
    pool["shrinkage"] = 0.0
    pool["roster"] = {
        "shifts": [
            {"name": "early", "start": "07:00", "length_hours": 8.5, "count": 8},
            {"name": "middle", "start": "10:00", "length_hours": 8.5, "count": 3},
            {"name": "late", "start": "15:00", "length_hours": 8.5, "count": 8},
            {"name": "night", "start": "23:00", "length_hours": 8.5, "count": 4},
        ]
    }
    return raw


def _stamp(seconds: pd.Series) -> pd.Series:
    out = (START + pd.to_timedelta(seconds, unit="s")).dt.strftime("%Y-%m-%d %H:%M:%S")
    return out.where(seconds.notna(), "")


def _exports(results: Path, raw: dict) -> tuple[pd.DataFrame, pd.DataFrame]:
    """CAD and telephony CSV frames (real timestamps from 2024-01-01) from simulator records.

    The telephony export has a handler id per answered call; the CAD export
    has online incidents and the unit that attended.
    """
    calls = read_records(results, "calls").drop(columns="scenario")
    pool = scenario_from_dict(raw).handler_pools["contact_centre"]
    busy_until = calls["answered_s"] + calls["talk_s"] + calls["wrap_s"]
    calls["handler"] = acd_handler_ids(
        calls["answered_s"].to_numpy(), busy_until.to_numpy(), pool.available_per_minute()
    )
    calls = calls[calls["in_period"]].copy()
    incidents = read_records(results, "incidents").drop(columns="scenario")
    incidents = incidents[incidents["in_period"]].copy()
    ended = calls["answered_s"] + calls["talk_s"] + calls["wrap_s"]
    telephony = pd.DataFrame(
        {
            "call_id": calls["call_id"],
            "arrival": _stamp(calls["arrival_s"]),
            "answered": _stamp(calls["answered_s"]),
            "abandoned": _stamp(calls["abandoned_s"]),
            "ended": _stamp(ended.where(ended.notna(), calls["abandoned_s"])),
            "channel": calls["channel"].astype(str),
            "handler_id": np.where(calls["handler"] >= 0, "H" + calls["handler"].astype(str), ""),
        }
    )
    channel_of = dict(zip(calls["call_id"], calls["channel"].astype(str), strict=True))
    channel = incidents["source_id"].map(channel_of).where(incidents["source"] == "call", "online")
    cad = pd.DataFrame(
        {
            "created": _stamp(incidents["created_s"]),
            "dispatched": _stamp(incidents["dispatched_s"]),
            "arrived": _stamp(incidents["arrived_s"]),
            "cleared": _stamp(incidents["cleared_s"]),
            "priority": incidents["first_grade"].astype(str),
            "area": incidents["area"].astype(str),
            "channel": channel,
            "unit": np.where(incidents["unit"] >= 0, "U" + incidents["unit"].astype(str), ""),
        }
    )
    # Incidents from calls made in the warm-up have no call in the export.
    return cad[cad["channel"].notna()], telephony


def long_tailed_scenario() -> dict:
    """The known force with long-tailed times on scene (p90 five times the median).

    A median job time understates the work such jobs make: the mean is more
    than twice the median here.
    """
    raw = known_scenario()
    raw["name"] = "long-tailed"
    on_scene = raw["forces"]["demo"]["response"]["on_scene"]
    on_scene["grade1"] = {"distribution": "lognormal", "median_s": 1800, "p90_s": 9000}
    on_scene["grade2"] = {"distribution": "lognormal", "median_s": 1500, "p90_s": 7500}
    return raw


#: The by-grade force's travel and decision times (seconds), for the fit to recover.
BY_GRADE_TRAVEL = {
    "urban": {"grade1": {"distribution": "lognormal", "median_s": 330, "p90_s": 540}},
    "rural": {"grade1": {"distribution": "lognormal", "median_s": 600, "p90_s": 1080}},
}
BY_GRADE_DECISION = {
    "grade1": {"distribution": "lognormal", "median_s": 40, "p90_s": 120},
    "grade2": {"distribution": "lognormal", "median_s": 180, "p90_s": 600},
}


def by_grade_scenario() -> dict:
    """The known force with its own grade 1 travel per area and a decision time per grade."""
    raw = known_scenario()
    raw["name"] = "by-grade"
    force = raw["forces"]["demo"]
    for area, travel in BY_GRADE_TRAVEL.items():
        force["areas"][area]["travel_by_grade"] = travel
    force["response"]["dispatch_delay"] = BY_GRADE_DECISION
    return raw


def simulated_exports(
    tmp_path_factory: pytest.TempPathFactory, variant: str = "known"
) -> tuple[Path, Path, dict]:
    """Simulate the known scenario (or a ``variant``) with records and write CAD and telephony CSVs.

    ``variant`` ``long-tailed`` is :func:`long_tailed_scenario`, its CAD export
    without unit ids; ``by-grade`` is :func:`by_grade_scenario`.

    Returns
    -------
    (cad, calls, raw)
        The two CSV files and the known scenario as a raw dict.
    """
    variants = {"long-tailed": long_tailed_scenario, "by-grade": by_grade_scenario}
    raw = variants.get(variant, known_scenario)()
    where = tmp_path_factory.getbasetemp() / f"fit-{variant}-force"
    cad, calls = where / "cad.csv", where / "calls.csv"
    if calls.exists():
        return cad, calls, raw
    where.mkdir(parents=True, exist_ok=True)
    scenario = where / "known.yaml"
    scenario.write_text(yaml.safe_dump(raw, sort_keys=False))
    run_scenario(scenario, out_dir=where / "res", keep_records=True)
    cad_frame, telephony = _exports(where / "res", raw)
    if variant == "long-tailed":
        cad_frame = cad_frame.drop(columns="unit")
    cad_frame.to_csv(cad, index=False)
    # Written last: its presence says both files are complete.
    telephony.to_csv(calls, index=False)
    return cad, calls, raw
