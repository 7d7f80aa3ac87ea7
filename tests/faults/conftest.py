"""Fixtures of the fault-injection tests: the uninterrupted run faulty ones are compared with."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.faults.processes import DEMO, RUN, invoke


@pytest.fixture(scope="session")
def whole_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The short demo run (:data:`RUN`), uninterrupted, through the command line in process."""
    out = tmp_path_factory.mktemp("whole") / "out"
    result = invoke("run", DEMO, *RUN, "--out", out)
    assert result.exit_code == 0, result.output
    return out
