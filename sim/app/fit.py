"""``demandsim fit``: a scenario fitted from a force's own exports, with its reports."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from sim import fit
from sim.config import Scenario, parse_yaml, scenario_from_dict, scenario_warnings
from sim.config.geography_files import resolve_geography_files
from sim.errors import InputError, Problem
from sim.files import atomic_write

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class FitOutcome:
    """What ``demandsim fit`` wrote: the scenario, the bad-data report, the diagnostic page.

    ``pngs`` lists the diagnostic figures written as PNG (with ``png_dir``);
    ``warnings`` what ``demandsim validate`` warns about the fitted scenario;
    ``backtest`` the fitted scenario simulated beside the data (``--backtest``);
    ``files`` the beats and travel-matrix CSVs written beside ``out`` (geography).
    """

    out: Path
    report: Path
    report_text: str
    result: fit.FitResult
    html: Path
    pngs: list[Path]
    warnings: tuple[str, ...] = ()
    backtest: fit.BacktestTable | None = None
    files: tuple[Path, ...] = ()


def _checked(text: str, out: Path) -> tuple[Scenario, tuple[str, ...]]:
    """Check the YAML about to be written exactly as ``demandsim validate`` would read it.

    Raises
    ------
    InputError
        If it does not validate (a bug in the fit), or a handler pool or response
        area it fits cannot keep up with the demand it fits (the stability check
        of ``validate``, an error here): reported before anything is written.
    """
    try:
        raw = resolve_geography_files(parse_yaml(text, str(out)), out)
        scenario = scenario_from_dict(raw, str(out))
    except InputError as exc:
        note = "the fitted scenario does not validate (a bug in demandsim fit; please report it)"
        raise InputError([*exc.problems, Problem(str(out), "", note)]) from None
    from sim.planning.stability import stability_problems

    unstable = stability_problems(scenario, str(out))
    if unstable:
        # The data were served, so a fitted force whose queues cannot keep up with its
        # own fitted demand misreads the export (too few units or handlers on duty).
        note = (
            "the fitted capacity cannot serve the fitted demand, which the export shows was "
            "served: check the roster and unit columns (or give the mapping unit ids)"
        )
        raise InputError([*unstable, Problem(str(out), "", note)])
    return scenario, tuple(scenario_warnings(scenario, str(out)))


def fit_scenario(
    incidents: Path | None,
    calls: Path | None,
    columns: Path | None,
    out: Path,
    html: Path | None = None,
    png_dir: Path | None = None,
    backtest: bool = False,
) -> FitOutcome:
    """Fit a scenario from a CAD incident export, a telephony export, or both.

    Parameters
    ----------
    incidents, calls
        The exports (CSV or .xlsx); either may be None, not both. Calls alone
        give a contact-centre-only scenario; incidents alone assume handling
        and the roster (marked ASSUMED).
    columns
        Optional mapping YAML (column names, timestamp format, day order,
        time zone, priority and channel codes).
    out
        Scenario YAML to write; the bad-data report goes beside it as ``<stem>.data-report.txt``.
    html
        The diagnostic report page (default ``<stem>.fit-report.html`` beside ``out``).
    png_dir
        Also write each diagnostic figure as a PNG here.
    backtest
        Also simulate the fitted scenario (its own replications, through the run
        pipeline) and set its headline percentiles beside the data's.

    Raises
    ------
    InputError
        No export given, a bad mapping file, an unusable export (not a
        regular file, too large, empty, a missing required column, ambiguous
        dates, no usable rows), a fitted scenario that does not validate
        (a bug in the fit), or one whose handler pools or response areas
        cannot keep up with its fitted demand (the data report is still written).
    """
    if incidents is None and calls is None:
        message = "give --incidents (a CAD export), --calls (a telephony export) or both"
        raise InputError([Problem("demandsim fit", "", message)])
    mapping = fit.read_mapping(columns)
    inc = fit.read_incidents(incidents, mapping.incidents) if incidents is not None else None
    cleaned_calls = fit.read_calls(calls, mapping.calls) if calls is not None else None
    name = "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in out.stem)[:80] or "fitted"
    result = fit.build_scenario(
        inc, cleaned_calls, name=name.lstrip("-_") or "fitted", mapping=mapping
    )
    given = [c for c in (inc, cleaned_calls) if c is not None]
    read = {c.source: (c.rows_read, c.rows_kept) for c in given}
    notes = [note for c in given for note in c.notes]
    report_text = fit.issues_text(result.issues, read, notes)
    sources = [c.source for c in given]
    header = (
        f"Fitted by demandsim fit from {' and '.join(sources)}.\n"
        "Each fitted value says its sample size and a goodness-of-fit figure;\n"
        "values marked ASSUMED were not in the data: check them before use.\n"
        "Data report:\n" + report_text
    )
    text = fit.scenario_yaml(result, header)
    # The data report first: it says what was read even when the fit is then refused.
    out.parent.mkdir(parents=True, exist_ok=True)
    report = out.with_name(out.stem + ".data-report.txt")
    atomic_write(report, lambda p: p.write_text(report_text + "\n"))
    for file_name, file_text in result.files.items():
        # Beside the YAML, which names them relative to itself; needed to check it.
        atomic_write(out.with_name(file_name), lambda p, t=file_text: p.write_text(t))
    scenario, warnings = _checked(text, out)
    atomic_write(out, lambda p: p.write_text(text))
    from sim.report.fit_report import write_fit_report  # plotly is imported only for reports

    table = fit.backtest(scenario, inc, cleaned_calls) if backtest else None
    diagnostics = fit.fit_diagnostics(
        result, sources, report_text.splitlines(), title=f"How well {out.name} fits the data"
    )
    page = write_fit_report(
        diagnostics, html or out.with_name(out.stem + ".fit-report.html"), png_dir, table
    )
    files = tuple(out.with_name(name) for name in result.files)
    return FitOutcome(
        out, report, report_text, result, page.html, page.pngs, warnings, table, files
    )
