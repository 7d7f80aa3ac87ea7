"""Determinism (DESIGN §7.3): the same seed gives identical results, in sequence or in parallel.

(Dask and resumed runs: tests/runs and tests/cli/test_runs.py.)
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.runs.tables import replication_table
from tests.helpers import replications


def test_same_seed_gives_identical_results_sequential_and_parallel(demo_scenario) -> None:
    sequential = replication_table(replications(demo_scenario, 3, seed=5))
    again = replication_table(replications(demo_scenario, 3, seed=5))
    parallel = replication_table(replications(demo_scenario, 3, seed=5, workers=2))
    pd.testing.assert_frame_equal(sequential, again)
    pd.testing.assert_frame_equal(sequential, parallel)
    other = replication_table(replications(demo_scenario, 3, seed=6))
    assert not np.allclose(sequential["value"], other["value"])
