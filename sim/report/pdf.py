"""The printed brief: two A4 pages, printed to PDF by the system Chromium.

The same browser draws the PNGs (:func:`sim.report.system_browser`); here it
opens the brief as a local file, lets plotly draw the headline chart, and
prints it with Chromium's own print-to-PDF. Nothing is fetched: the page holds
plotly.js, and the browser runs with a fresh profile and no background
networking.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
import tempfile
from pathlib import Path

from sim.errors import InputError, Problem

log = logging.getLogger(__name__)

#: Milliseconds of page time Chromium gives the page (plotly drawing) before printing.
RENDER_BUDGET_MS = 10_000
#: Seconds to wait for Chromium before giving up.
TIMEOUT_S = 120


def chromium_flags(profile: Path) -> list[str]:
    """Flags for headless Chromium run by demandsim: no sandbox or GPU, a fresh profile, offline."""
    return [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        f"--user-data-dir={profile}",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
    ]


def print_to_pdf(page: str, pdf: Path, browser: str) -> Path:
    """Print an HTML document to a PDF file through headless Chromium.

    Parameters
    ----------
    page
        The whole HTML document (self-contained).
    pdf
        The PDF file to write (replaced if it exists).
    browser
        The Chromium executable.

    Raises
    ------
    InputError
        If Chromium fails or writes no PDF (naming ``--pdf`` and the file).
    """
    pdf = Path(pdf).resolve()
    pdf.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="demandsim-pdf-") as folder:
        source = Path(folder) / "brief.html"
        source.write_text(page, encoding="utf-8")
        target = Path(folder) / "brief.pdf"
        command = [
            browser,
            *chromium_flags(Path(folder) / "profile"),
            "--no-pdf-header-footer",
            f"--virtual-time-budget={RENDER_BUDGET_MS}",
            f"--print-to-pdf={target}",
            source.as_uri(),
        ]
        try:
            done = subprocess.run(command, capture_output=True, timeout=TIMEOUT_S, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            problem = Problem("--pdf", str(pdf), f"Chromium did not print: {exc}")
            raise InputError([problem]) from None
        if not target.is_file() or target.stat().st_size == 0:
            lines = done.stderr.decode("utf-8", "replace").strip().splitlines()
            detail = lines[-1:] or ["no output"]
            raise InputError(
                [Problem("--pdf", str(pdf), f"Chromium wrote no PDF ({detail[0][:200]})")]
            )
        shutil.move(str(target), pdf)
    log.info("brief printed to %s", pdf)
    return pdf


__all__ = ["chromium_flags", "print_to_pdf"]
