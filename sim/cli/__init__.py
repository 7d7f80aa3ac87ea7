"""The command line: Typer commands (``commands``) and what they print (``output``)."""

from sim.cli.commands import app, main

__all__ = ["app", "main"]
