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
    """The README's walk-through: fit-sample, fit, validate; and either file alone validates."""
    sample = tmp_path / "sample"
    made = _cli("fit-sample", sample)
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
