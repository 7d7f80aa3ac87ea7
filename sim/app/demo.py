"""``demandsim demo``: the shipped demo scenario, run into ``results/demo`` and reported.

What ``make demo`` does, on any machine: the demo scenario with records, then its
panel report. From a checkout the scenario is ``configs/demo.yaml``; a wheel
carries the shipped scenarios as package data (``sim/configs/``, copied there by
``setup.py`` at build time), so an installed demandsim finds it without one.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from sim.errors import InputError, Problem

#: Where ``demandsim demo`` writes its results and report, relative to the current folder.
DEMO_OUT = Path("results") / "demo"
DEMO_SCENARIO = "demo.yaml"


def shipped_scenario(name: str = DEMO_SCENARIO) -> Path:
    """The path of a shipped scenario (``configs/NAME``), in a checkout or an installed wheel.

    Raises
    ------
    InputError
        If neither the checkout nor the installed package holds it.
    """
    packaged = resources.files("sim") / "configs" / name
    if packaged.is_file():
        return Path(str(packaged))
    # An editable install or a checkout: the package's folder sits beside configs/.
    checkout = Path(str(resources.files("sim"))).parent / "configs" / name
    if checkout.is_file():
        return checkout
    raise InputError(
        [
            Problem(
                name,
                "",
                "is not shipped with this demandsim: expected it in the package (sim/configs/) "
                "or beside it in a checkout (configs/); reinstall demandsim",
            )
        ]
    )
