"""demandsim command line: thin Typer commands over the plain functions in ``sim.app``.

The commands live in modules by group (``run_commands``, ``staff_commands``,
``fit_commands``, ``analytic_commands``, ``misc_commands``); this module makes
the one Typer ``app``, its global options, and registers every command on it,
in the order ``demandsim --help`` lists them.

Exit codes: 0 success; 2 bad input (config, arguments, data), with every problem
named by file and field path; 1 only for a genuine bug.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Annotated, Any

import typer

import sim
from sim.cli.analytic_commands import erlang_app, hypercube_command
from sim.cli.fit_commands import fit_command, fit_sample_command
from sim.cli.help_format import PlainHelpCommand, PlainHelpGroup
from sim.cli.misc_commands import demo, validate
from sim.cli.output import err, out, set_verbosity
from sim.cli.run_commands import compare_command, experiment, report, run
from sim.cli.staff_commands import staff

app = typer.Typer(
    name="demandsim",
    cls=PlainHelpGroup,
    help="Simulate police contact and response demand: run scenarios, check configs, estimate.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(erlang_app, name="erlang")


def _print_version(value: bool) -> None:
    if value:
        out.print(f"demandsim {sim.__version__}", markup=False, highlight=False)
        raise typer.Exit()


@app.callback()
def _options(
    version: Annotated[
        bool | None,
        typer.Option(
            "--version",
            metavar="",
            callback=_print_version,
            is_eager=True,
            help="Print the version and exit.",
        ),
    ] = None,
    quiet: Annotated[
        bool,
        typer.Option(
            "--quiet", "-q", metavar="", help="Results only: no progress, notes or log lines."
        ),
    ] = False,
    verbose: Annotated[
        bool,
        typer.Option("--verbose", "-v", metavar="", help="Also log what each step is doing."),
    ] = False,
) -> None:
    """Simulate police contact and response demand: run scenarios, check configs, estimate."""
    if quiet and verbose:
        err.print("--quiet and --verbose: give one or the other", markup=False)
        raise typer.Exit(2)
    set_verbosity(quiet=quiet, verbose=verbose)


#: Every command, by name (None: the function's own), in the order help lists them.
_COMMANDS: tuple[tuple[str | None, Callable[..., Any]], ...] = (
    (None, run),
    (None, validate),
    (None, experiment),
    ("hypercube", hypercube_command),
    (None, report),
    (None, staff),
    ("fit", fit_command),
    ("fit-sample", fit_sample_command),
    (None, demo),
    ("compare", compare_command),
)
for _name, _command in _COMMANDS:
    app.command(_name, cls=PlainHelpCommand)(_command)


def main() -> None:
    """Console-script entry point."""
    app()


if __name__ == "__main__":
    sys.exit(main())
