"""Every ``--help`` names values by plain metavars (DIR, N, SECONDS), never ``<type>``."""

from __future__ import annotations

import click
import pytest
import typer.main
from typer.testing import CliRunner

from cli import app

runner = CliRunner()

#: Typer's own type labels, which say less to a planner than a metavar does.
TYPE_LABELS = ("<bool>", "<str>", "<int>", "<float>", "<list", "<path>")


def command_paths(command: click.Command, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """The root and every command and subcommand under it, as argument tuples."""
    paths = [path]
    for name, sub in sorted(getattr(command, "commands", {}).items()):
        paths += command_paths(sub, (*path, name))
    return paths


ALL_COMMANDS = command_paths(typer.main.get_command(app))


def test_every_command_is_covered() -> None:
    names = {" ".join(path) for path in ALL_COMMANDS}
    assert {"", "run", "experiment", "staff", "fit", "erlang c"} <= names


@pytest.mark.parametrize("path", ALL_COMMANDS, ids=lambda path: " ".join(path) or "demandsim")
def test_help_shows_no_type_labels(path: tuple[str, ...]) -> None:
    result = runner.invoke(app, [*path, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage" in result.output
    shown = [label for label in TYPE_LABELS if label in result.output]
    assert not shown, f"{' '.join(path)} --help shows {shown}:\n{result.output}"


def test_flags_show_no_metavar_and_values_show_theirs() -> None:
    output = runner.invoke(app, ["run", "--help"], terminal_width=200).output
    lines = {line.split()[1]: line for line in output.splitlines() if line.startswith("│ --")}
    assert lines["--records"].split()[2] == "Write"
    assert lines["--help"].split()[2] == "Show"
    assert lines["--out"].split()[2] == "DIR"
    assert lines["--set"].split()[2] == "PATH=VALUE"
    assert "SCENARIO" in output
