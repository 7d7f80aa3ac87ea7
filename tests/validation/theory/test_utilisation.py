"""Utilisation is the exact busy fraction: offered load over servers (DESIGN §7.1).

In a stationary queue with no abandonment and servers always on duty, every
job is served, so the long-run share of server time spent busy is exactly the
offered load per server, ``arrival rate x mean job time / servers``, whatever
the queueing discipline or the job-time distribution. Response areas
(``unit_utilisation``: a unit is busy from dispatch to clear, i.e. travel plus
on scene), handler pools (``occupancy``: talk plus wrap-up) and rostered teams
(the telephone resolution team's call-backs, desk review of online reports)
must all report it, from one unit at 50% to ten at 95%. Each case runs enough
fixed-seed replications that the 99% confidence interval of the mean is narrow
(asserted, so the test cannot pass vacuously) and must contain the exact value.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from scipy import stats

from sim.config import Scenario, scenario_from_dict
from sim.metrics.kpis import replication_metrics
from sim.model.records import ReplicationOutput
from sim.model.replication import run_replication
from sim.units import DAYS_PER_YEAR, SECONDS_PER_DAY
from tests.helpers import single_queue

#: (servers, offered load per server) of every case: one server at half load,
#: ten at moderate, high and very high load.
LOADS = [(1, 0.50), (10, 0.50), (10, 0.85), (10, 0.95)]
#: Mean job time, seconds: a unit's 120 s travel (constant) plus 480 s on scene
#: (exponential); a handler's talk time; a team member's call-back or review.
JOB_S = 600.0
TRAVEL_S = 120.0
#: Server-days simulated per replication: the horizon is this over the number of
#: servers, so every case serves about as many jobs (one server: 140 days).
SERVER_DAYS = 140.0
REPLICATIONS = 12
#: Widest 99% confidence half-width accepted, percentage points: narrow enough
#: that an accounting error of a point or two could not hide inside it.
MAX_HALF_WIDTH = 1.0


def per_year(servers: int, load: float) -> float:
    """Arrivals per year that offer ``load`` per server of jobs of ``JOB_S``."""
    return load * servers / JOB_S * SECONDS_PER_DAY * DAYS_PER_YEAR


def days(servers: int) -> float:
    return SERVER_DAYS / servers


def online_force(servers: int, load: float, grading: dict[str, float], **parts: Any) -> Scenario:
    """One force whose work all comes from online reports (Poisson, flat profile)."""
    exponential = {"distribution": "exponential", "mean_s": JOB_S - TRAVEL_S}
    force: dict[str, Any] = {
        "channels": {
            "101": {
                "volume_per_year": 0,
                "handling": {"distribution": "exponential", "mean_s": 300},
            }
        },
        "online": {"volume_per_year": per_year(servers, load), "grading": grading},
        "areas": {
            "urban": {
                "share": 1.0,
                "travel": {"distribution": "constant", "value_s": TRAVEL_S},
                "units": {"staff": servers},
            }
        },
        "response": {"on_scene": {"grade1": exponential, "grade2": exponential}},
    }
    for key, value in parts.items():
        if key == "desk_review":
            force["online"]["desk_review"] = value
        else:
            force[key] = value
    return scenario_from_dict(
        {
            "name": "utilisation",
            "days": days(servers),
            "warmup_days": 1,
            "seed": 20261201,
            "forces": {"f": force},
            "handler_pools": {"p": {"serves": ["101"], "roster": {"staff": 1}}},
        }
    )


def area_scenario(servers: int, load: float) -> Scenario:
    return online_force(servers, load, {"grade1": 1.0})


def pool_scenario(servers: int, load: float) -> Scenario:
    calls_per_hour = load * servers / JOB_S * 3600.0
    return single_queue(
        calls_per_hour, JOB_S, servers, days=days(servers), warmup_days=1, seed=20261201
    )


def resolution_scenario(servers: int, load: float) -> Scenario:
    team = {
        "roster": {"staff": servers},
        "callback": {"distribution": "exponential", "mean_s": JOB_S},
    }
    return online_force(servers, load, {"resolution": 1.0}, resolution=team)


def desk_scenario(servers: int, load: float) -> Scenario:
    desk = {
        "roster": {"staff": servers},
        "review": {"distribution": "exponential", "mean_s": JOB_S},
    }
    return online_force(servers, load, {"no_deployment": 1.0}, desk_review=desk)


def unit_utilisation(output: ReplicationOutput) -> float:
    (value,) = [v.value for v in replication_metrics(output) if v.metric == "unit_utilisation"]
    return value


def occupancy(output: ReplicationOutput) -> float:
    (value,) = [v.value for v in replication_metrics(output) if v.metric == "occupancy"]
    return value


def team_utilisation(team: str) -> Any:
    def utilisation(output: ReplicationOutput) -> float:
        (totals,) = [t for t in output.teams if t.team == team]
        return 100.0 * totals.busy_s / totals.present_s

    return utilisation


CASES = {
    "response area": (area_scenario, unit_utilisation),
    "handler pool": (pool_scenario, occupancy),
    "resolution team": (resolution_scenario, team_utilisation("resolution")),
    "desk review": (desk_scenario, team_utilisation("desk")),
}


@pytest.mark.parametrize("kind", list(CASES))
@pytest.mark.parametrize(("servers", "load"), LOADS, ids=[f"{c}x{r:.0%}" for c, r in LOADS])
def test_utilisation_is_offered_load_per_server(kind: str, servers: int, load: float) -> None:
    build, measure = CASES[kind]
    scenario = build(servers, load)
    values = np.array([measure(run_replication(scenario, r)) for r in range(REPLICATIONS)])
    mean = values.mean()
    half_width = stats.t.ppf(0.995, REPLICATIONS - 1) * values.std(ddof=1) / np.sqrt(REPLICATIONS)
    assert half_width < MAX_HALF_WIDTH, (kind, servers, load, values)
    assert abs(mean - 100.0 * load) <= half_width, (kind, servers, load, mean, half_width)
