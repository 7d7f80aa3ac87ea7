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
