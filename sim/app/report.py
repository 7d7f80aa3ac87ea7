"""``demandsim report``: the panel report of a results directory."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sim.report import ReportOutcome


def write_panel_report(
    results_dir: Path,
    out: Path | None = None,
    png_dir: Path | None = None,
    pdf: Path | None = None,
) -> ReportOutcome:
    """Write the panel report of a results directory (``demandsim report``).

    Parameters
    ----------
    results_dir
        A directory written by ``demandsim run`` or ``demandsim experiment``.
    out
        The HTML file (default ``RESULTS_DIR/report.html``).
    png_dir
        Also write every figure as a PNG here (through the system Chromium).
    pdf
        Also print the two-page brief to this PDF file (through the system Chromium).

    Raises
    ------
    InputError
        Not a results directory (no summary.csv), a damaged one, or no Chromium
        for ``--png`` or ``--pdf``.
    """
    from sim.report import write_report  # plotly is imported only for reports

    return write_report(results_dir, out, png_dir, pdf=pdf)
