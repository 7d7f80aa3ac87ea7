"""Build hook: the shipped scenarios (``configs/*.yaml``) go into the wheel as package data.

Everything else about the package is in ``pyproject.toml``. The scenarios stay in
``configs/`` in the repository, where the README, the experiments and the tests
name them; a wheel carries a copy at ``sim/configs/`` (made here, at build time,
so the repository holds one), which is where ``demandsim demo`` finds the demo
scenario when demandsim is installed without a checkout.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

#: Where the shipped scenarios are, in the source tree and in the built package.
SOURCE = Path(__file__).parent / "configs"
TARGET = Path("sim", "configs")


class BuildWithScenarios(build_py):
    """``build_py`` that also copies ``configs/*.yaml`` to ``sim/configs/`` in the build."""

    def run(self) -> None:
        super().run()
        if self.editable_mode:  # an editable install reads configs/ of the checkout
            return
        target = Path(self.build_lib) / TARGET
        target.mkdir(parents=True, exist_ok=True)
        for scenario in sorted(SOURCE.glob("*.yaml")):
            shutil.copy2(scenario, target / scenario.name)


setup(cmdclass={"build_py": BuildWithScenarios})
