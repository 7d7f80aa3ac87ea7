"""Modules imported on first use, so the command line starts at once.

``demandsim --help`` and ``--version`` need only Typer; the app modules behind
the commands import pandas, scipy, SimPy and the model, which take seconds to
load. A command refers to ``app_run.run_scenario`` as before; the module is
imported when that attribute is first read, that is, when the command runs.
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any


class DeferredModule:
    """A module imported when one of its attributes is first read.

    Parameters
    ----------
    name
        The module's dotted name, e.g. ``sim.app.run``.
    """

    def __init__(self, name: str) -> None:
        self._name = name

    @property
    def module(self) -> ModuleType:
        """The module itself, imported now if it was not yet."""
        return importlib.import_module(self._name)

    def __getattr__(self, attribute: str) -> Any:
        return getattr(self.module, attribute)

    def __repr__(self) -> str:
        return f"<deferred module {self._name!r}>"


def deferred(name: str) -> Any:
    """A :class:`DeferredModule` for ``name``, typed ``Any`` as the module's names are."""
    return DeferredModule(name)


# The app modules import pandas, scipy, SimPy and the model: only a command that runs
# loads them, so `demandsim --help` and `--version` answer at once.
app_analytic = deferred("sim.app.analytic")
app_compare = deferred("sim.app.compare")
app_demo = deferred("sim.app.demo")
app_excel = deferred("sim.app.excel")
app_fit = deferred("sim.app.fit")
app_headline = deferred("sim.app.headline")
app_report = deferred("sim.app.report")
app_run = deferred("sim.app.run")
app_sample = deferred("sim.app.sample")
app_staff = deferred("sim.app.staff")
app_validate = deferred("sim.app.validate")
