"""Determinism (DESIGN §7.3): the same seed gives identical results, in sequence or in parallel.

(Dask and resumed runs: tests/runs and tests/cli/test_runs.py.)
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.config import Scenario, scenario_from_dict
from sim.runs.tables import replication_table
from tests.helpers import load_raw, replications


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


def test_same_seed_gives_identical_results_sequential_and_parallel(demo_scenario) -> None:
    sequential = replication_table(replications(demo_scenario, 3, seed=5))
    again = replication_table(replications(demo_scenario, 3, seed=5))
    parallel = replication_table(replications(demo_scenario, 3, seed=5, workers=2))
    pd.testing.assert_frame_equal(sequential, again)
    pd.testing.assert_frame_equal(sequential, parallel)
    other = replication_table(replications(demo_scenario, 3, seed=6))
    assert not np.allclose(sequential["value"], other["value"])
