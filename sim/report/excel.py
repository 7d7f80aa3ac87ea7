"""Results for a spreadsheet: a workbook of the summary tables, and records as CSV.

``--excel FILE.xlsx`` on ``run``, ``experiment`` and ``staff`` writes one
workbook from the results directory's files, a sheet per table it holds:
``summary`` and ``comparison`` (a run or experiment), ``requirement`` and
``roster`` (a staffing run). Headers are words with their unit ("p90 answer
time (s)", "calls per hour"), staffing intervals are clock times ("Mon 08:30"),
and numbers stay numbers. With records, each replication's call, incident and
outage records are also written as CSV with wall-clock timestamps
(``2026-12-07 08:30:05.250``) counted from the scenario's start date, so a
planner can open them in Excel. Like the rest of the report layer this reads
results files only; the start date is given by the caller.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from sim.catalogue import METRICS, table_label
from sim.errors import InputError, Problem
from sim.files import RECORD_KINDS, atomic_write, record_files
from sim.report.staffing import verified_in, verified_word
from sim.units import DAY_NAMES, SECONDS_PER_WEEK

#: Record columns that are moments in simulation time (seconds from Monday 00:00 of
#: the measured period); the others ending ``_s`` are durations and stay seconds.
TIME_POINTS = (
    "arrival_s",
    "answered_s",
    "abandoned_s",
    "created_s",
    "graded_s",
    "dispatched_s",
    "arrived_s",
    "cleared_s",
    "callback_start_s",
    "appointment_s",
    "start_s",
    "end_s",
)
#: How a wall-clock timestamp is written in a records CSV (milliseconds; Excel reads it).
TIMESTAMP_FORMAT = "%Y-%m-%d %H:%M:%S.%f"

_SUMMARY_HEADERS = {
    "mean": "mean",
    "ci_low": "95% interval, low",
    "ci_high": "95% interval, high",
    "replications": "replications",
}
_COMPARISON_HEADERS = {
    "baseline_mean": "baseline mean",
    "scenario_mean": "scenario mean",
    "difference": "difference (scenario - baseline)",
    "ci_low": "95% interval of the difference, low",
    "ci_high": "95% interval of the difference, high",
    "excludes_zero": "interval excludes 0",
    "pairs": "pairs",
}


def clock_label(minute_of_week: float) -> str:
    """``Mon 08:30`` for a minute of the week (0 is Monday 00:00)."""
    minute = round(minute_of_week) % (SECONDS_PER_WEEK // 60)
    day, of_day = divmod(minute, 24 * 60)
    return f"{DAY_NAMES[day].title()} {of_day // 60:02d}:{of_day % 60:02d}"


def label_with_unit(metric_name: str, stat: str, unit: str) -> str:
    """A figure in words with its unit: ``p90 answer time (s)``, ``offered (calls)``."""
    label = table_label(metric_name, stat) if metric_name in METRICS else metric_name
    return label if label.endswith(")") or not unit else f"{label} ({unit})"


def _figures(table: pd.DataFrame, headers: Mapping[str, str], lead: Iterable[str]) -> pd.DataFrame:
    """A summary-like table with a ``figure`` column in words and headers in words."""
    frame = pd.DataFrame({column: table[column] for column in lead})
    frame["metric"] = table["metric"]
    frame["segment"] = table["segment"]
    frame["statistic"] = table["stat"]
    frame["figure (unit)"] = [
        label_with_unit(m, s, u)
        for m, s, u in zip(table["metric"], table["stat"], table["unit"], strict=True)
    ]
    frame["unit"] = table["unit"]
    for column, header in headers.items():
        frame[header] = table[column]
    return frame


def summary_sheet(summary: pd.DataFrame) -> pd.DataFrame:
    """``summary.csv`` with headers in words and each figure named with its unit."""
    return _figures(summary, _SUMMARY_HEADERS, ["scenario"])


def comparison_sheet(comparison: pd.DataFrame) -> pd.DataFrame:
    """``comparison.csv`` with headers in words and each figure named with its unit."""
    return _figures(comparison, _COMPARISON_HEADERS, ["scenario", "baseline"])


def requirement_sheet(
    requirement: pd.DataFrame, staff: str = "handlers", verified: bool = True
) -> pd.DataFrame:
    """``requirement.csv`` per interval, starting ``Mon 08:30``, headers with units.

    Parameters
    ----------
    requirement
        The staffing run's ``requirement.csv``: one row per interval of the week.
    staff
        What is staffed, for the headers: ``handlers`` or ``units``.
    verified
        Whether the confirmation held (the headers say ``verified`` or ``NOT verified``).
    """
    minutes = 7 * 24 * 60 / max(len(requirement), 1)
    frame = pd.DataFrame(
        {
            "starts": [clock_label(i * minutes) for i in requirement["interval"]],
            "ends": [clock_label((i + 1) * minutes) for i in requirement["interval"]],
        }
    )
    headers = {
        "calls_per_hour": "arrivals per hour",
        "sipp_load": "SIPP load (Erlangs)",
        "offered_load": "offered load (Erlangs)",
        "aht_s": "mean handling time (s)",
        "sipp_staff": f"SIPP requirement ({staff})",
        "fmmw_staff": f"FMMW requirement ({staff})",
        "required_staff": f"{verified_word(verified)} requirement ({staff})",
        "required_rostered": f"{verified_word(verified)} requirement rostered ({staff})",
        "current_rostered": f"current roster ({staff})",
        "rostered_cover": f"new roster's cover ({staff})",
    }
    for column in requirement.columns:
        if column in ("interval", "label"):
            continue
        frame[headers.get(column, _header_with_unit(column))] = requirement[column].to_numpy()
    return frame


def _header_with_unit(column: str) -> str:
    """``job_min`` -> ``job (min)``: a column name's unit suffix as words."""
    for suffix, unit in (("_s", "s"), ("_min", "min"), ("_h", "h")):
        if column.endswith(suffix):
            return f"{column[: -len(suffix)].replace('_', ' ')} ({unit})"
    return column.replace("_", " ")


def _clock(value: Any) -> str:
    # PyYAML reads an unquoted 02:00 as the base-60 integer 120 (YAML 1.1).
    if isinstance(value, int):
        return f"{value // 60:02d}:{value % 60:02d}"
    return str(value)


def roster_sheet(roster: Mapping[str, Any]) -> pd.DataFrame:
    """The shifts of ``roster.yaml``: one row per shift, start as a clock time, hours."""
    block = roster.get("roster", roster)
    rows = []
    for shift in block.get("shifts", []) if isinstance(block, Mapping) else []:
        days = shift.get("days") or list(DAY_NAMES)
        rows.append(
            {
                "shift": shift.get("name", ""),
                "starts": _clock(shift.get("start", "")),
                "length (h)": shift.get("length_hours"),
                "unpaid break (min)": shift.get("break_minutes", 0),
                "people on it each day": shift.get("count"),
                "days": ", ".join(str(d).title() for d in days),
                "paid hours a week": (
                    (shift.get("length_hours", 0) - shift.get("break_minutes", 0) / 60)
                    * shift.get("count", 0)
                    * len(days)
                ),
            }
        )
    return pd.DataFrame(rows)


def _csv(path: Path) -> pd.DataFrame | None:
    if not path.is_file():
        return None
    return pd.read_csv(path, dtype={"segment": str, "scenario": str, "baseline": str})


def results_sheets(results_dir: Path, staff: str = "handlers") -> dict[str, pd.DataFrame]:
    """Every sheet a results directory supports, in workbook order.

    Raises
    ------
    InputError
        If the directory holds none of summary.csv, comparison.csv,
        requirement.csv or roster.yaml.
    """
    sheets: dict[str, pd.DataFrame] = {}
    summary = _csv(results_dir / "summary.csv")
    if summary is not None:
        sheets["summary"] = summary_sheet(summary)
    comparison = _csv(results_dir / "comparison.csv")
    if comparison is not None:
        sheets["comparison"] = comparison_sheet(comparison)
    requirement = _csv(results_dir / "requirement.csv")
    if requirement is not None:
        verification = _csv(results_dir / "verification.csv")
        verified = verification is not None and verified_in(verification)
        sheets["requirement"] = requirement_sheet(requirement, staff, verified)
    roster_path = results_dir / "roster.yaml"
    if roster_path.is_file():
        sheets["roster"] = roster_sheet(yaml.safe_load(roster_path.read_text()) or {})
    if not sheets:
        raise InputError(
            [
                Problem(
                    str(results_dir),
                    "",
                    "holds no summary.csv, comparison.csv, requirement.csv or roster.yaml: "
                    "expected a results directory of run, experiment or staff",
                )
            ]
        )
    return sheets


def write_workbook(results_dir: Path, xlsx: Path, staff: str = "handlers") -> Path:
    """Write the workbook of a results directory (one sheet per table); its path.

    Parameters
    ----------
    results_dir
        A directory written by ``run``, ``experiment`` or ``staff``.
    xlsx
        The workbook to write (replaced whole, never left half-written).
    staff
        ``handlers`` or ``units``: the unit of a staffing run's headers.
    """
    sheets = results_sheets(results_dir, staff)

    def write(path: Path) -> None:
        with pd.ExcelWriter(path, engine="openpyxl") as book:
            for name, frame in sheets.items():
                frame.to_excel(book, sheet_name=name, index=False)
                sheet = book.sheets[name]
                sheet.freeze_panes = "A2"
                for cells in sheet.columns:
                    width = max(len(str(c.value)) if c.value is not None else 0 for c in cells)
                    sheet.column_dimensions[cells[0].column_letter].width = min(width + 2, 60)

    xlsx.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(xlsx, write)
    return xlsx


def next_monday(day: date) -> date:
    """The Monday after ``day`` (a week on if ``day`` is a Monday)."""
    return day + timedelta(days=7 - day.weekday())


def with_wall_clock(records: pd.DataFrame, start: datetime) -> pd.DataFrame:
    """Records with each moment (``arrival_s``...) as a wall-clock timestamp column.

    ``arrival_s`` becomes ``arrival``: ``start`` plus that many seconds, as text
    in :data:`TIMESTAMP_FORMAT` (milliseconds), empty where the moment never came.
    Durations (``talk_s``, ``patience_s``...) stay in seconds.
    """
    frame = records.copy()
    for column in TIME_POINTS:
        if column not in frame.columns:
            continue
        moments = pd.Timestamp(start) + pd.to_timedelta(frame[column], unit="s")
        text = moments.dt.strftime(TIMESTAMP_FORMAT).str.slice(0, -3)
        at = frame.columns.get_loc(column)
        frame = frame.drop(columns=column)
        frame.insert(at, column.removesuffix("_s"), text.where(moments.notna(), ""))
    return frame


def write_records_csv(
    results_dir: Path, out_dir: Path, starts: Mapping[str, datetime]
) -> list[Path]:
    """Each replication's records as ``OUT/<kind>/<scenario>/<r>.csv``, wall-clock times.

    Parameters
    ----------
    results_dir
        A results directory with ``records/`` (``--records``).
    out_dir
        Folder for the CSV files.
    starts
        Per scenario, the wall-clock moment of simulation time 0 (Monday 00:00
        of the measured period).

    Returns
    -------
    list of Path
        The files written (none without records).
    """
    written = []
    for kind in RECORD_KINDS:
        for scenario, files in record_files(results_dir, kind).items():
            for source in files:
                frame = with_wall_clock(pd.read_parquet(source), starts[scenario])
                target = out_dir / kind / scenario / f"{source.stem}.csv"
                target.parent.mkdir(parents=True, exist_ok=True)
                atomic_write(target, lambda p, f=frame: f.to_csv(p, index=False))
                written.append(target)
    return written
