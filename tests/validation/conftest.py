"""Fixtures of the validation checks (DESIGN §7)."""

from __future__ import annotations

import pytest

from sim.config import Scenario, scenario_from_dict
from tests.helpers import load_raw


@pytest.fixture(scope="module")
def demo_scenario() -> Scenario:
    """The demo over a week, staffed tighter than shipped so queues, abandonment and
    redials all happen."""
    raw = load_raw("demo.yaml")
    raw["days"] = 7
    for shift, count in zip(
        raw["handler_pools"]["contact_centre"]["roster"]["shifts"], [11, 4, 11, 5], strict=False
    ):
        shift["count"] = count
    return scenario_from_dict(raw)
