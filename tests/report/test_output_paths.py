"""Where the report is written: a bad ``--out`` or ``--png``, or a browser that fails, is exit 2.

Regression tests (issue 21, found by the property suite, tests/property/test_arguments.py):
``--png`` naming a file, ``--out`` under a file or with a name too long for the file
system, and a Chromium that closes as it starts were tracebacks (FileExistsError,
OSError, choreographer's BrowserFailedError).
"""

from __future__ import annotations

from pathlib import Path

import plotly.io
import pytest
from choreographer.errors import BrowserFailedError

from sim.app import run as app_run
from sim.errors import InputError
from sim.report import write_report
from tests.helpers import CONFIGS


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("paths") / "mmc"
    app_run.run_scenario(CONFIGS / "mmc.yaml", ["days=1", "replications=1"], out)
    return out


def refused(results: Path, **where: Path) -> str:
    with pytest.raises(InputError) as caught:
        write_report(results, **where)
    (problem,) = caught.value.problems
    return str(problem)


def test_png_folder_that_is_a_file(results: Path, tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("mine")
    line = refused(results, out=tmp_path / "r.html", png_dir=tmp_path / "a-file")
    assert line == f"--png: {tmp_path / 'a-file'}: is a file; expected a folder"
    assert (tmp_path / "a-file").read_text() == "mine"


def test_out_under_a_file(results: Path, tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("mine")
    line = refused(results, out=tmp_path / "a-file" / "r.html")
    assert line == f"--out: {tmp_path / 'a-file'}: is a file; expected a folder"


def test_out_and_png_names_too_long(results: Path, tmp_path: Path) -> None:
    long = "a" * 300
    assert "File name too long" in refused(results, out=tmp_path / long)
    line = refused(results, out=tmp_path / "r.html", png_dir=tmp_path / long)
    assert line.startswith("--png: ") and "File name too long" in line


def test_a_browser_that_fails_to_start(results: Path, tmp_path: Path, monkeypatch) -> None:
    def closes(*args: object, **kwargs: object) -> None:
        raise BrowserFailedError("The browser seemed to close immediately after starting.")

    monkeypatch.setattr(plotly.io, "write_images", closes)
    monkeypatch.setenv("BROWSER_PATH", "/bin/true")
    line = refused(results, out=tmp_path / "r.html", png_dir=tmp_path / "png")
    assert line.startswith(f"--png: {tmp_path / 'png'}: Chromium (/bin/true) failed")
    assert "close immediately" in line
    assert (tmp_path / "r.html").exists()  # the page itself is written


def _batch_that_drops_the_first(figures: list, paths: list, **kwargs: object) -> None:
    """kaleido's batch as seen on a loaded machine: every file but one written."""
    for path in paths[1:]:
        Path(path).write_bytes(b"png")


def test_a_png_the_batch_left_unwritten_is_drawn_again(
    results: Path, tmp_path: Path, monkeypatch
) -> None:
    redrawn: list[str] = []

    def write_image(figure: object, path: Path, **kwargs: object) -> None:
        redrawn.append(Path(path).name)
        Path(path).write_bytes(b"png")

    monkeypatch.setattr(plotly.io, "write_images", _batch_that_drops_the_first)
    monkeypatch.setattr(plotly.io, "write_image", write_image)
    monkeypatch.setenv("BROWSER_PATH", "/bin/true")
    outcome = write_report(results, out=tmp_path / "r.html", png_dir=tmp_path / "png")
    assert len(redrawn) == 1
    assert all(path.exists() and path.stat().st_size for path in outcome.pngs)


def test_a_png_still_missing_is_refused_by_name(results: Path, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(plotly.io, "write_images", _batch_that_drops_the_first)
    monkeypatch.setattr(plotly.io, "write_image", lambda *args, **kwargs: None)
    monkeypatch.setenv("BROWSER_PATH", "/bin/true")
    line = refused(results, out=tmp_path / "r.html", png_dir=tmp_path / "png")
    assert line.startswith(f"--png: {tmp_path / 'png'}: Chromium did not draw ")
    assert ".png; try again, or without --png" in line
