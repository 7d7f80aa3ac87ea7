"""A telephony export with three queues (999, 101, a switchboard), made by the simulator.

``tests/fixtures/fit/three_queues_calls.csv`` is :func:`export_frame` written
out (``python -m tests.fit.three_queues`` rewrites it). It is a stored sample,
not a golden file: the fit tests check what is fitted from it against
:func:`three_queue_scenario`, so a change to the simulator's random streams
does not make it wrong. The contact centre behind it is
:func:`three_queue_scenario`: a switchboard (queue ``SWBD``, our
``101-switchboard``, answered after 101) beside 999 (``EMERG``) and 101
(``NONEMERG``), one pool of handlers with a day and a night shift, impatient
callers on 101 and the switchboard. The export writes day-first UK
timestamps, as ``three_queues_mapping.yaml`` says.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.config import scenario_from_dict
from sim.fit.sample import acd_handler_ids
from sim.metrics.windows import calls_in_period
from sim.model.records import CallOutcome
from sim.model.replication import run_replication

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "tests" / "fixtures" / "fit" / "three_queues_calls.csv"
MAPPING = ROOT / "tests" / "fixtures" / "fit" / "three_queues_mapping.yaml"
START = pd.Timestamp("2024-01-01 00:00")  # a Monday
#: Our channel id -> the export's queue code.
QUEUE_CODES = {"999": "EMERG", "101": "NONEMERG", "101-switchboard": "SWBD"}


def three_queue_scenario() -> dict[str, Any]:
    """The known contact centre: three channels, 14 days, one pool."""

    def channel(per_year: float, median_s: float, patience_s: float | None) -> dict[str, Any]:
        entry: dict[str, Any] = {
            "volume_per_year": per_year,
            "profile": {"hourly": [1] * 7 + [3] * 12 + [2] * 5},
            "handling": {"distribution": "lognormal", "median_s": median_s, "p90_s": 2 * median_s},
        }
        if patience_s is not None:
            entry["patience"] = {"distribution": "exponential", "mean_s": patience_s}
        return entry

    switchboard = channel(18_000, 180, 180)
    switchboard.update(priority=2, answer_target_s=60)
    return {
        "name": "three-queues",
        "days": 14,
        "warmup_days": 1,
        "seed": 314,
        "replications": 1,
        "forces": {
            "f": {
                "channels": {
                    "999": channel(15_000, 420, None),
                    "101": channel(24_000, 900, 300),
                    "101-switchboard": switchboard,
                }
            }
        },
        "handler_pools": {
            "contact_centre": {
                "serves": ["999", "101", "101-switchboard"],
                "shrinkage": 0.0,
                "roster": {
                    "shifts": [
                        {"start": "07:00", "length_hours": 12, "count": 3},
                        {"start": "19:00", "length_hours": 12, "count": 2},
                    ]
                },
            }
        },
    }


def _stamp(seconds: np.ndarray) -> pd.Series:
    times = START + pd.to_timedelta(pd.Series(seconds), unit="s")
    return times.dt.strftime("%d/%m/%Y %H:%M:%S").where(~np.isnan(seconds), "")


def export_frame() -> pd.DataFrame:
    """One replication of :func:`three_queue_scenario` as a force's telephony export."""
    scenario = scenario_from_dict(three_queue_scenario())
    output = run_replication(scenario, 0)
    calls = output.calls
    busy_until = calls.answered_s + calls.talk_s + calls.wrap_s
    handler = acd_handler_ids(
        calls.answered_s,
        busy_until,
        scenario.handler_pools["contact_centre"].available_per_minute(),
    )
    abandoned = calls.outcome == CallOutcome.ABANDONED
    abandoned_s = np.where(abandoned, calls.arrival_s + calls.patience_s, np.nan)
    # Calls still queuing when the run ended are not in an export of finished calls.
    inside = calls_in_period(output) & (abandoned | (calls.outcome == CallOutcome.ANSWERED))
    codes = np.array([QUEUE_CODES[channel] for _, channel in output.queues])
    ended = np.where(abandoned, abandoned_s, busy_until)[inside]
    return pd.DataFrame(
        {
            "CallStart": _stamp(calls.arrival_s[inside]),
            "Answered": _stamp(calls.answered_s[inside]),
            "Abandoned": _stamp(abandoned_s[inside]),
            "Released": _stamp(ended),
            "Queue": codes[calls.queue[inside]],
            "AgentId": np.where(handler[inside] >= 0, "A" + handler[inside].astype(str), ""),
        }
    )


def export_text() -> str:
    """The fixture's CSV text."""
    return export_frame().to_csv(index=False, lineterminator="\n")


if __name__ == "__main__":
    FIXTURE.write_text(export_text(), encoding="utf-8")
