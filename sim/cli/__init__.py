"""The command line: the Typer app, its commands by group, and what they print.

``commands`` makes the app and registers the commands of the ``*_commands``
modules on it; ``output`` prints their results.
"""

from sim.cli.commands import app, main

__all__ = ["app", "main"]
