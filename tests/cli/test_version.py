"""A conventional command line: --version, a fast start, --quiet and --verbose, one line each."""

from __future__ import annotations

import logging
import subprocess
import sys
import time
from pathlib import Path

from typer.testing import CliRunner

import sim
from cli import app
from tests.helpers import CONFIGS, ROOT

runner = CliRunner()

#: What the command line must not load before a command runs: seconds of imports.
HEAVY = ("pandas", "scipy", "simpy", "plotly", "dask", "pyarrow")


def test_version_prints_the_package_version() -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.output.strip() == f"demandsim {sim.__version__}"


def test_importing_the_command_line_loads_no_heavy_library() -> None:
    code = f"import sys, sim.cli; print(','.join(sorted(m for m in {HEAVY!r} if m in sys.modules)))"
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "", f"importing sim.cli loads {done.stdout.strip()}"


def test_help_in_a_subprocess_loads_no_heavy_library_and_reports_its_time() -> None:
    # The time is reported, not asserted (a shared machine's load would make it flaky);
    # what keeps it short is asserted above and here: nothing heavy is imported.
    code = (
        "import sys\nfrom sim.cli import app\n"
        "try:\n    app(['--help'])\nexcept SystemExit:\n    pass\n"
        f"print('loaded:', ','.join(sorted(m for m in {HEAVY!r} if m in sys.modules)))"
    )
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    elapsed = time.perf_counter() - started
    assert "Usage" in done.stdout
    assert done.stdout.strip().endswith("loaded:"), done.stdout[-200:]
    print(f"demandsim --help: {elapsed:.2f} s")


def test_quiet_and_verbose_together_is_bad_input() -> None:
    result = runner.invoke(app, ["--quiet", "--verbose", "validate", str(CONFIGS / "mmc.yaml")])
    assert result.exit_code == 2
    assert "--quiet and --verbose" in result.output


def _small_run(tmp_path: Path, *options: str) -> str:
    result = runner.invoke(
        app,
        [
            *options,
            "run",
            str(CONFIGS / "mmc.yaml"),
            "--days", "0.5", "--warmup-days", "0", "--replications", "1",
            "--out", str(tmp_path / "out"),
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    return result.output


def test_verbose_logs_information_lines_and_the_default_does_not(tmp_path: Path) -> None:
    assert "info: running" in _small_run(tmp_path / "v", "--verbose")
    assert "info:" not in _small_run(tmp_path / "d")


def test_quiet_hides_notes_and_warnings_and_keeps_errors_and_results(tmp_path, capsys) -> None:
    from sim.cli import output

    logger = logging.getLogger("sim.tests")
    output.set_verbosity(quiet=True)
    try:
        output.note("a note")
        logger.warning("a warning")
        logger.error("an error")
    finally:
        output.set_verbosity()
    printed = capsys.readouterr().err
    assert "a note" not in printed
    assert "a warning" not in printed
    assert "error: an error" in printed
    output.note("a note")
    logger.warning("a warning")
    assert capsys.readouterr().err.splitlines() == ["a note", "warning: a warning"]
    assert "calls simulated" in _small_run(tmp_path, "--quiet")


def test_a_warning_is_printed_once_however_often_the_app_is_invoked(capsys) -> None:
    from sim.cli import output

    for _ in range(3):
        runner.invoke(app, ["--version"])
        output.set_verbosity()
    logging.getLogger("sim.tests").warning("printed once")
    assert capsys.readouterr().err.count("printed once") == 1
