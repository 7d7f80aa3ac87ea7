"""``demandsim fit``: a scenario fitted from a force's own exports, with its reports."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from sim import fit
from sim.config import scenario_from_dict
from sim.files import atomic_write

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class FitOutcome:
    """What ``demandsim fit`` wrote: the scenario, the bad-data report, the diagnostic page.

    ``pngs`` lists the diagnostic figures written as PNG (with ``png_dir``).
    """

    out: Path
    report: Path
    report_text: str
    result: fit.FitResult
    html: Path
    pngs: list[Path]


def fit_scenario(
    incidents: Path,
    calls: Path | None,
    columns: Path | None,
    out: Path,
    html: Path | None = None,
    png_dir: Path | None = None,
) -> FitOutcome:
    """Fit a scenario from a CAD incident export and optionally a telephony export.

    Parameters
    ----------
    incidents, calls
        CSV exports (calls optional).
    columns
        Optional mapping YAML (column names, timestamp format, priority and channel codes).
    out
        Scenario YAML to write; the bad-data report goes beside it as ``<stem>.data-report.txt``.
    html
        The diagnostic report page (default ``<stem>.fit-report.html`` beside ``out``).
    png_dir
        Also write each diagnostic figure as a PNG here.

    Raises
    ------
    InputError
        A bad mapping file, an unusable export (empty, a missing required
        column, no usable rows), or a fitted scenario that does not validate
        (a bug in the fit).
    """
    mapping = fit.read_mapping(columns)
    inc = fit.read_incidents(incidents, mapping.incidents)
    cleaned_calls = fit.read_calls(calls, mapping.calls) if calls is not None else None
    name = "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in out.stem)[:80] or "fitted"
    result = fit.build_scenario(inc, cleaned_calls, name=name.lstrip("-_") or "fitted")
    read = {str(incidents): (inc.rows_read, inc.rows_kept)}
    if cleaned_calls is not None:
        read[str(calls)] = (cleaned_calls.rows_read, cleaned_calls.rows_kept)
    notes = inc.notes + (cleaned_calls.notes if cleaned_calls is not None else [])
    report_text = fit.issues_text(result.issues, read, notes)
    scenario_from_dict(result.scenario, str(out))
    header = (
        f"Fitted by demandsim fit from {incidents}" + (f" and {calls}" if calls else "") + ".\n"
        "Each fitted value says its sample size and a goodness-of-fit figure;\n"
        "values marked ASSUMED were not in the data: check them before use.\n"
        "Data report:\n" + report_text
    )
    text = fit.scenario_yaml(result, header)
    out.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(out, lambda p: p.write_text(text))
    report = out.with_name(out.stem + ".data-report.txt")
    atomic_write(report, lambda p: p.write_text(report_text + "\n"))
    from sim.report.fit_report import write_fit_report  # plotly is imported only for reports

    sources = [str(incidents)] + ([str(calls)] if calls else [])
    diagnostics = fit.fit_diagnostics(
        result, sources, report_text.splitlines(), title=f"How well {out.name} fits the data"
    )
    page = write_fit_report(
        diagnostics, html or out.with_name(out.stem + ".fit-report.html"), png_dir
    )
    return FitOutcome(out, report, report_text, result, page.html, page.pngs)
