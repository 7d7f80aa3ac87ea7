"""The mechanisms' rows of summary.csv and columns of the incident records."""

from __future__ import annotations

import numpy as np

from sim.config import scenario_from_dict
from sim.metrics.kpis import incident_records, replication_metrics
from sim.model.replication import run_replication
from tests.helpers import load_raw


def _two_forces(**tvp_parts: object):
    raw = load_raw("thames-valley-hampshire-2018.yaml")
    raw["days"] = 7
    raw.pop("platform", None)  # the model runs a prepared scenario; no platform needed here
    raw["forces"]["tvp"].update(tvp_parts)
    return scenario_from_dict(raw)


RCRP = {
    "flagged": {"999": {"grade1": 0.1, "grade2": 0.2}, "101": {"grade2": 0.2}},
    "referral_share": 0.5,
    "handover_cap_min": 60,
    "on_scene": {"distribution": "lognormal", "median_s": 7200, "p90_s": 18000},
}


def test_with_two_forces_only_the_force_with_rcrp_and_the_total_get_rcrp_rows() -> None:
    values = replication_metrics(run_replication(_two_forces(rcrp=RCRP), 0))
    segments = {v.segment for v in values if v.metric == "officer_hours_released"}
    assert segments == {
        "tvp/rcrp", "tvp/referral", "tvp/handover", "rcrp", "referral", "handover"
    }  # fmt: skip
    by_key = {(v.metric, v.segment): v.value for v in values}
    assert (
        by_key[("officer_hours_released", "rcrp")] == by_key[("officer_hours_released", "tvp/rcrp")]
    )
    assert by_key[("rcrp_incidents", "tvp/referred")] > 0
    # Officer-hours on jobs for the force using a mechanism only.
    officer = {v.segment for v in values if v.metric == "officer_hours"}
    assert officer and all(s.startswith("tvp/") for s in officer)


def test_the_incident_records_carry_the_mechanisms_columns_only_when_used() -> None:
    plain = incident_records(run_replication(_two_forces(), 0))
    assert not any(c.startswith("rcrp_") or c == "units_needed" for c in plain.columns)
    output = run_replication(
        _two_forces(rcrp=RCRP, multi_unit={"grade1": {"share": 0.5, "units": 2}}), 0
    )
    frame = incident_records(output)
    assert frame["rcrp_referred"].sum() == output.mechanisms.referred.sum() > 0
    referred = frame[frame["rcrp_referred"]]
    assert (referred["grade"] == "no_deployment").all()
    assert set(np.unique(frame["units_needed"])) == {1, 2}
    needing_two = frame[(frame["units_needed"] == 2)]
    assert (needing_two["first_grade"] == "grade1").all()
