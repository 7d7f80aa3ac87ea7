"""Scenarios with beats for the spatial model's tests (raw mappings, validated by the tests).

:func:`hypercube_scenario` is the set-up Larson's hypercube model assumes:
Poisson arrivals per beat (online reports, a flat profile, created at once as
grade 1), exponential on-scene time independent of travel (travel 0, so a
unit's service is its time on scene), one unit per station on duty all the
time, fixed preference lists, and a zero line (``when_no_unit: lost``) or an
infinite one (``queue``, first come first served).
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

HOURS_PER_YEAR = 8760


def hypercube_scenario(
    rates_per_hour: list[float],
    service_mean_min: float,
    preferences: list[list[int]],
    units: int,
    when_no_unit: str = "lost",
    days: int = 28,
    travel_min: list[list[float]] | None = None,
) -> dict[str, Any]:
    """A one-area force: beat ``j`` gets ``rates_per_hour[j]``; unit ``i`` at station ``s<i>``.

    Station ``s<i>`` stands in beat ``b<i>`` (so there are at least as many beats
    as units); ``preferences[j]`` lists unit numbers in the order beat ``j``
    calls on them.
    """
    beats = [f"b{j}" for j in range(len(rates_per_hour))]
    total = sum(rates_per_hour)
    n = len(beats)
    return {
        "name": "hypercube",
        "days": days,
        "warmup_days": 1,
        "seed": 1974,
        "replications": 10,
        "forces": {
            "h": {
                "channels": {
                    "999": {
                        "volume_per_year": 1,
                        "handling": {"distribution": "exponential", "mean_s": 60},
                        "grading": {"no_deployment": 1.0},
                    }
                },
                "online": {"volume_per_year": total * HOURS_PER_YEAR, "grading": {"grade1": 1.0}},
                "areas": {
                    "urban": {
                        "share": 1.0,
                        "travel": {"distribution": "lognormal", "median_s": 60, "p90_s": 120},
                    }
                },
                "response": {
                    "on_scene": {
                        "grade1": {"distribution": "exponential", "mean_s": service_mean_min * 60},
                        "grade2": {"distribution": "exponential", "mean_s": 60},
                    }
                },
                "geography": {
                    "beats": [
                        {"id": b, "area": "urban", "weight": rate}
                        for b, rate in zip(beats, rates_per_hour, strict=True)
                    ],
                    "stations": {
                        f"s{i}": {"beat": beats[i], "units": {"staff": 1}} for i in range(units)
                    },
                    "travel": {"minutes": {"day": travel_min or [[0.0] * n for _ in range(n)]}},
                    "dispatch": "preference",
                    "preferences": {
                        beats[j]: [f"s{i}" for i in order] for j, order in enumerate(preferences)
                    },
                    "when_no_unit": when_no_unit,
                },
            }
        },
        "handler_pools": {"h": {"serves": ["999"], "roster": {"staff": 1}}},
    }


def one_place_scenario(geography: bool, units: int = 5, days: int = 14) -> dict[str, Any]:
    """A one-area force where travel is lognormal (median 8 min, p90 15 min) either way.

    With ``geography``: three beats, one station, every expected trip 8 min
    and the trip factor carrying the spread (p90 15/8); without: the area's
    lognormal travel. Same units, demand and on-scene times.
    """
    area: dict[str, Any] = {
        "share": 1.0,
        "travel": {"distribution": "lognormal", "median_s": 480, "p90_s": 900},
    }
    force: dict[str, Any] = {
        "channels": {
            "999": {
                "volume_per_year": 40000,
                "handling": {"distribution": "exponential", "mean_s": 120},
                "grading": {"grade1": 0.5, "grade2": 0.3, "no_deployment": 0.2},
            }
        },
        "areas": {"urban": area},
        "response": {
            "on_scene": {
                "grade1": {"distribution": "lognormal", "median_s": 1800, "p90_s": 3600},
                "grade2": {"distribution": "lognormal", "median_s": 1500, "p90_s": 3000},
            }
        },
    }
    if geography:
        force["geography"] = {
            "beats": [
                {"id": b, "area": "urban", "weight": w} for b, w in (("a", 1), ("b", 2), ("c", 3))
            ],
            "stations": {"only": {"beat": "a", "units": {"staff": units}}},
            "travel": {"minutes": {"day": [[8.0] * 3] * 3}, "trip_factor_p90": 900 / 480},
        }
    else:
        area["units"] = {"staff": units}
    return {
        "name": "one-place",
        "days": days,
        "warmup_days": 1,
        "seed": 99,
        "replications": 6,
        "forces": {"p": force},
        "handler_pools": {"h": {"serves": ["999"], "roster": {"staff": 8}}},
    }


def spatial_demo_copy(folder: Path) -> Path:
    """A copy of the shipped spatial demo, its data (``configs/spatial/``) and the
    station-closure experiment, laid out as in the repository; the scenario's path.
    """
    root = Path(__file__).resolve().parents[2]
    (folder / "configs" / "spatial").mkdir(parents=True)
    (folder / "experiments").mkdir()
    shutil.copy(root / "configs" / "spatial-demo.yaml", folder / "configs")
    shutil.copy(root / "experiments" / "station-closure.yaml", folder / "experiments")
    for data in (root / "configs" / "spatial").glob("*.csv"):
        shutil.copy(data, folder / "configs" / "spatial")
    return folder / "configs" / "spatial-demo.yaml"
