"""``--excel FILE.xlsx`` on ``run``, ``experiment`` and ``staff``: results for a spreadsheet.

The workbook and the records CSV files are written by :mod:`sim.report.excel`
from the results directory; this module adds what only the scenarios know: the
date each one starts (``start_date:``, or by default the Monday after the run
started), so that record times become wall-clock timestamps.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from sim.config import Scenario
from sim.errors import InputError, Problem
from sim.report.excel import next_monday, write_records_csv, write_workbook

if TYPE_CHECKING:
    from sim.app.staff import StaffOutcome
    from sim.runs.results import ResultsWritten


@dataclass(frozen=True)
class ExcelOutcome:
    """What ``--excel`` wrote.

    Attributes
    ----------
    workbook
        The ``.xlsx`` file.
    records
        Records CSV files (with records only), under ``<workbook stem>-records/``.
    starts
        Per scenario, the wall-clock moment of simulation time 0 (Monday 00:00
        of the measured period).
    """

    workbook: Path
    records: list[Path] = field(default_factory=list)
    starts: dict[str, datetime] = field(default_factory=dict)


def check_excel_path(path: Path | None) -> None:
    """Refuse an ``--excel`` path that is not an ``.xlsx`` file, before anything runs.

    Raises
    ------
    InputError
        Naming ``--excel``.
    """
    if path is None:
        return
    if path.suffix.lower() != ".xlsx":
        raise InputError([Problem("--excel", str(path), "expected a file name ending in .xlsx")])
    if path.is_dir():
        raise InputError([Problem("--excel", str(path), "is a folder; expected a .xlsx file")])


def run_started(results_dir: Path) -> date:
    """The day a results directory's run started (``manifest.json``), else today."""
    try:
        started = json.loads((results_dir / "manifest.json").read_text())["started"]
        return datetime.fromisoformat(started).date()
    except (OSError, ValueError, KeyError, TypeError):
        return date.today()


def scenario_starts(scenarios: Sequence[Scenario], results_dir: Path) -> dict[str, datetime]:
    """Per scenario, 00:00 of its ``start_date``, or of the Monday after the run started."""
    default = next_monday(run_started(results_dir))
    return {
        s.name: datetime.combine(s.start_date or default, datetime.min.time()) for s in scenarios
    }


def write_excel(
    results_dir: Path,
    workbook: Path,
    scenarios: Sequence[Scenario],
    staff: str = "handlers",
) -> ExcelOutcome:
    """Write the workbook of a results directory, and its records as CSV if it has any.

    Parameters
    ----------
    results_dir
        A directory written by ``run``, ``experiment`` or ``staff``.
    workbook
        The ``.xlsx`` file to write.
    scenarios
        The scenarios in it (for their start dates).
    staff
        ``handlers`` or ``units``: what a staffing run staffed.
    """
    starts = scenario_starts(scenarios, results_dir)
    write_workbook(results_dir, workbook, staff)
    records = write_records_csv(results_dir, workbook.with_name(f"{workbook.stem}-records"), starts)
    return ExcelOutcome(workbook, records, starts)


def write_run_excel(outcome: ResultsWritten, workbook: Path) -> ExcelOutcome:
    """``--excel`` after ``run`` or ``experiment``."""
    scenarios = [planned.scenario for planned in outcome.plan.scenarios]
    return write_excel(outcome.out_dir, workbook, scenarios)


def write_staff_excel(outcome: StaffOutcome, workbook: Path) -> ExcelOutcome:
    """``--excel`` after ``staff`` (handlers of a pool, or an area's units)."""
    setup = outcome.result.setup  # type: ignore[attr-defined]
    staff = "units" if hasattr(setup, "area_id") else "handlers"
    return write_excel(outcome.out_dir, workbook, [setup.scenario], staff)
