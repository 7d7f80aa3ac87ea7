"""Shared fixtures of the test suite.

Tests are laid out by kind and layer (ARCHITECTURE.md §2): one folder per
layer, ``validation/`` for the checks of DESIGN §7 (theory, invariants,
determinism, calibration, monotonicity), ``back/`` for the golden results of
the shipped scenarios, and ``cli/`` the only place the command line is driven.
"""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def repo_root() -> Path:
    """The repository's root folder."""
    return ROOT


@pytest.fixture(scope="session")
def configs_dir() -> Path:
    """The shipped scenarios' folder, ``configs/``."""
    return ROOT / "configs"


@pytest.fixture(scope="session")
def reference(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A small experiment run in this process, uninterrupted: (experiment file, results).

    The reference that resumed, parallel and Dask runs are compared with
    (tests/runs, tests/cli/test_runs.py).
    """
    from sim.runs.executors import SequentialExecutor
    from sim.runs.plan import plan_experiment_file
    from tests.runs.experiments import experiment_file, run_into

    folder = tmp_path_factory.mktemp("reference")
    path = experiment_file(folder)
    out = folder / "out"
    with SequentialExecutor() as executor:
        run_into(plan_experiment_file(path), out, executor)
    return path, out


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """The property suite's case counts and exit codes (tests/property), when it ran."""
    from tests.property.summary import KEY, summary_lines

    tallies = [
        value
        for reports in terminalreporter.stats.values()
        for report in reports
        if getattr(report, "when", None) == "teardown"
        for key, value in getattr(report, "user_properties", ())
        if key == KEY
    ]
    lines = summary_lines(tallies)
    if lines:
        terminalreporter.section("property suite (issue 21): cases and exit codes")
        for line in lines:
            terminalreporter.line(line)
