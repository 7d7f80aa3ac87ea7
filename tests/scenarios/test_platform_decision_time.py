"""A platform's decision time replaces a scenario's per-grade ones (``response.dispatch_delay``)."""

from __future__ import annotations

from sim.config import Platform, read_yaml_file, scenario_from_dict
from sim.scenarios.platforms import apply_platform
from tests.helpers import CONFIGS

LOGNORMAL = {"distribution": "lognormal", "median_s": 180, "p90_s": 600}


def test_a_platform_decision_time_is_every_grades() -> None:
    raw = read_yaml_file(CONFIGS / "demo.yaml")
    raw["forces"]["demo"]["response"]["dispatch_delay"] = {"grade2": LOGNORMAL}
    scenario = scenario_from_dict(raw)
    assert scenario.forces["demo"].response.decision_delay("grade2").median_s == 180
    applied = apply_platform(scenario, Platform(dispatch_delay_s=45))
    policy = applied.forces["demo"].response
    assert policy.dispatch_delay is None
    assert policy.decision_delay("grade1") == policy.decision_delay("grade2") == 45
    # Without a platform decision time the scenario's own stay.
    kept = apply_platform(scenario, Platform()).forces["demo"].response
    assert kept.decision_delay("grade2").median_s == 180
