"""``demandsim fit`` from the command line: exit codes, messages on stderr, where it wrote.

What the fit computes is tested through the plain function in tests/fit;
these tests check only what the command adds.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.fit.known_force import ROOT, simulated_exports


@pytest.fixture(scope="module")
def exports(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, dict]:
    """The known force's CAD and telephony exports (simulated once per session)."""
    return simulated_exports(tmp_path_factory)


def _cli(*args: str | Path) -> subprocess.CompletedProcess[str]:
    """Run ``python cli.py ARGS...`` and capture its output as text."""
    return subprocess.run(
        [sys.executable, str(ROOT / "cli.py"), *map(str, args)], capture_output=True, text=True
    )


def test_cli_fit_exit_codes(exports, tmp_path: Path) -> None:
    cad, calls, _ = exports
    ok = _cli("fit", "--incidents", cad, "--calls", calls, "--out", tmp_path / "f.yaml")
    assert ok.returncode == 0, ok.stderr
    assert "rows used" in ok.stdout
    (tmp_path / "nocol.csv").write_text("created,area\n2024-01-01 00:00,urban\n")
    bad = _cli("fit", "--incidents", tmp_path / "nocol.csv", "--out", tmp_path / "g.yaml")
    assert bad.returncode == 2
    assert "missing required column(s) 'priority'" in bad.stderr
    assert bad.stderr.startswith(f"{tmp_path / 'nocol.csv'}: priority: missing")
    assert "Traceback" not in bad.stderr


def test_cli_bad_mapping_exits_2_naming_the_field(exports, tmp_path: Path) -> None:
    cad, _, _ = exports
    mapping = tmp_path / "m.yaml"
    mapping.write_text("incidents:\n  priorities: {E: urgent}\n")
    result = _cli("fit", "--incidents", cad, "--columns", mapping, "--out", tmp_path / "f.yaml")
    assert result.returncode == 2, result.stderr
    assert f"{mapping}: incidents.priorities.E:" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "f.yaml").exists()


def test_cli_fit_writes_the_diagnostic_report(exports, tmp_path: Path) -> None:
    cad, calls, _ = exports
    result = _cli("fit", "--incidents", cad, "--calls", calls, "--out", tmp_path / "f.yaml")
    assert result.returncode == 0, result.stderr
    page = tmp_path / "f.fit-report.html"
    assert f"diagnostic report in {page}" in result.stdout
    # What the page shows: tests/fit, test_diagnostic_report_shows_every_fitted_part.
    assert page.exists()


def test_cli_fit_refuses_a_device_fast(tmp_path: Path) -> None:
    result = _cli("fit", "--incidents", "/dev/zero", "--out", tmp_path / "f.yaml")
    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith("/dev/zero: is not a regular file")
    assert "Traceback" not in result.stderr


def test_cli_fit_ambiguous_dates_exit_2_naming_the_column(tmp_path: Path) -> None:
    cad = tmp_path / "cad.csv"
    cad.write_text("Opened,priority\n01/02/2025 07:13,grade1\n")
    mapping = tmp_path / "m.yaml"
    mapping.write_text("incidents: {columns: {created: Opened}}\n")
    result = _cli("fit", "--incidents", cad, "--columns", mapping, "--out", tmp_path / "f.yaml")
    assert result.returncode == 2, result.stderr
    assert f"{cad}: created:" in result.stderr and "(day first) or" in result.stderr
    assert "Traceback" not in result.stderr


def test_cli_fit_prints_the_data_report_once(exports, tmp_path: Path) -> None:
    cad, calls, _ = exports
    result = _cli("fit", "--incidents", cad, "--calls", calls, "--out", tmp_path / "f.yaml")
    assert result.returncode == 0, result.stderr
    assert result.stdout.count(f"{cad}: read as") == 1
    assert f"{cad}: read as" not in result.stderr


def test_cli_walk_through_on_the_sample_and_every_fit_validates(exports, tmp_path: Path) -> None:
    """The README's walk-through: fit-sample, fit, validate; and either file alone validates.

    Four weeks of sample, not the default, to keep the test fast: the default
    sample is fitted in tests/fit/test_sample_backtest.py (slow).
    """
    sample = tmp_path / "sample"
    made = _cli("fit-sample", sample, "--weeks", "4")
    assert made.returncode == 0, made.stderr
    assert f"sample exports in {sample / 'cad.csv'}" in made.stdout
    fitted = tmp_path / "fitted.yaml"
    ran = _cli(
        "fit",
        "--incidents",
        sample / "cad.csv",
        "--calls",
        sample / "calls.csv",
        "--columns",
        sample / "mapping.yaml",
        "--out",
        fitted,
    )
    assert ran.returncode == 0, ran.stderr
    cad, calls, _ = exports
    _cli("fit", "--calls", calls, "--out", tmp_path / "calls-only.yaml")
    _cli("fit", "--incidents", cad, "--out", tmp_path / "cad-only.yaml")
    for path in (fitted, tmp_path / "calls-only.yaml", tmp_path / "cad-only.yaml"):
        checked = _cli("validate", path)
        assert checked.returncode == 0, (path, checked.stderr)


def test_cli_fit_with_no_export_exits_2(tmp_path: Path) -> None:
    result = _cli("fit", "--out", tmp_path / "f.yaml")
    assert result.returncode == 2
    assert "give --incidents" in result.stderr


def test_cli_backtest_table_tells_a_flag_within_spread_from_a_miss(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The printed back-test: one period's range per figure, two kinds of flag, in 120 columns."""
    from sim.cli.output import print_backtest
    from sim.fit import BacktestRow, BacktestTable

    figure = ("attendance_time", "grade2/rural-north", "p50", "min", 29.3, 24.3)
    chance = BacktestRow(*figure, 22.9, 25.7, 900, 2.6, 18.5, 30.1)
    missed = BacktestRow(*figure, 23.9, 24.7, 900, 0.6, 22.9, 25.7)
    print_backtest(BacktestTable([chance, missed], 10, 91.0))
    printed = capsys.readouterr().out
    assert "10 replication(s) of 91 days" in printed and "one period" in printed
    assert "│  18.5-30.1 │" in printed and "FLAG: spread" in printed and "FLAG: misses" in printed
    assert "1 figure(s) beyond ±15% of the data (FLAG: spread)" in printed
    assert "a longer export would tell" in printed
    assert "beyond one period's own spread (FLAG: misses)" in printed
    table = [line for line in printed.splitlines() if line.startswith(("┏", "│", "└"))]
    assert table and max(len(line) for line in table) <= 120


def test_cli_fit_sample_weeks(tmp_path: Path) -> None:
    """--weeks: its help names the default the sample uses; 0 weeks is refused (exit 2)."""
    from sim.cli.fit_commands import SAMPLE_WEEKS_HELP
    from sim.fit.sample import DEFAULT_SAMPLE_WEEKS

    assert f"(default: {DEFAULT_SAMPLE_WEEKS})" in SAMPLE_WEEKS_HELP
    refused = _cli("fit-sample", tmp_path / "s", "--weeks", "0")
    assert refused.returncode == 2 and "--weeks" in refused.stderr
    made = _cli("fit-sample", tmp_path / "one", "--weeks", "1")
    assert made.returncode == 0, made.stderr
    cad = (tmp_path / "one" / "cad.csv").read_text().splitlines()
    opened = [line.split(",")[1] for line in cad]
    days = {stamp[:10] for stamp in opened[1:] if stamp[:2].isdigit()}
    assert days == {f"{day}/03/2025" for day in range(17, 24)}
