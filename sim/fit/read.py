"""Reading a force's CSV exports: rows as text, columns mapped, times parsed, bad rows counted.

A CAD export has one row per incident, a telephony export one row per call.
Each is read as text (:func:`read_export`), its columns renamed to ours by the
mapping, its timestamps parsed and its codes mapped (:func:`clean_incidents`,
:func:`clean_calls`). A row the fit cannot use (an unparseable timestamp,
times out of order, an unknown code) is left out and counted by kind, so the
data report (:func:`issues_text`) says what was excluded and where. A file the
fit cannot use at all (empty, a required column missing) is an
:class:`~sim.errors.InputError` naming the file and the column.
"""

from __future__ import annotations

import csv
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from sim.errors import InputError, Problem
from sim.fit.mapping import GRADES, TELEPHONE_CHANNELS, CallMapping, IncidentMapping

#: Our incident columns: True where the fit cannot do without it.
INCIDENT_EXPORT_COLUMNS = {
    "created": True,
    "priority": True,
    "dispatched": False,
    "arrived": False,
    "cleared": False,
    "area": False,
    "channel": False,
    "call_id": False,
    "unit": False,
}
#: Our call columns: True where the fit cannot do without it.
CALL_EXPORT_COLUMNS = {
    "arrival": True,
    "answered": True,
    "ended": True,
    "channel": True,
    "abandoned": False,
    "handler_id": False,
    "call_id": False,
}


@dataclass
class DataIssue:
    """One kind of bad row in one file: how many, and the first few row numbers.

    Row numbers are 1-based data rows as a spreadsheet shows them (row 2 is the
    first data row under the header).
    """

    source: str
    kind: str
    column: str
    count: int
    examples: list[int]

    def describe(self) -> str:
        """A one-line description for the report."""
        rows = ", ".join(str(r) for r in self.examples)
        label = "row" if len(self.examples) == 1 else "rows"
        return (
            f"{self.source}: {self.count} row(s) {self.kind} ({self.column}); e.g. {label} {rows}"
        )


@dataclass
class Cleaned:
    """A cleaned table, the issues found, and how many rows were read and kept."""

    frame: pd.DataFrame
    issues: list[DataIssue]
    rows_read: int
    source: str = ""

    @property
    def rows_kept(self) -> int:
        """Rows left after excluding bad ones."""
        return len(self.frame)


def read_export(path: str | Path) -> tuple[pd.DataFrame, list[DataIssue], int]:
    """Read a CSV export as text, setting aside rows whose field count is wrong.

    Parameters
    ----------
    path
        The CSV file (UTF-8, with or without a byte-order mark; bytes that are
        not UTF-8 are replaced, which at worst makes a timestamp unparseable).

    Returns
    -------
    (frame, issues, rows_read)
        Every well-formed row as text, indexed by its position among the data
        rows (so row numbers in the report match the file); one issue for rows
        with too many or too few fields; how many data rows the file has.

    Raises
    ------
    InputError
        If the file cannot be read, is empty, or repeats a column name (the
        problem's path names the repeated columns).
    """
    source = str(path)
    try:
        with open(path, newline="", encoding="utf-8-sig", errors="replace") as handle:
            rows = list(csv.reader(handle))
    except (OSError, csv.Error) as exc:
        raise InputError([Problem(source, "", f"cannot read the CSV: {exc}")]) from exc
    if not rows or not any(cell.strip() for cell in rows[0]):
        raise InputError(
            [Problem(source, "", "the file is empty; expected a header row of column names")]
        )
    header = [cell.strip() for cell in rows[0]]
    repeated = sorted({name for name in header if header.count(name) > 1})
    if repeated:
        message = (
            f"column name(s) {', '.join(map(repr, repeated))} appear more than once; "
            "expected each column once"
        )
        raise InputError([Problem(source, ", ".join(repeated), message)])
    body = rows[1:]
    # A trailing blank line is not a row.
    while body and not any(cell.strip() for cell in body[-1]):
        body.pop()
    width = len(header)
    good = [i for i, row in enumerate(body) if len(row) == width]
    issues: list[DataIssue] = []
    if len(good) < len(body):
        ragged = pd.Series([len(row) != width for row in body])
        _issue(
            source,
            f"with a number of fields other than the header's {width}",
            "fields",
            ragged,
            issues,
        )
    frame = pd.DataFrame([body[i] for i in good], columns=header, index=good, dtype="string")
    return frame.fillna(""), issues, len(body)


def _rename(
    raw: pd.DataFrame,
    spec: dict[str, bool],
    mapping: IncidentMapping | CallMapping,
    source: str,
) -> pd.DataFrame:
    """Our columns of ``spec`` taken from the export by the mapping's names.

    Raises
    ------
    InputError
        Naming the missing columns: a required one, or an optional one the
        mapping names explicitly.
    """
    frame = pd.DataFrame(index=raw.index)
    required_missing, mapped_missing, missing_names = [], [], []
    for ours, required in spec.items():
        theirs = mapping.columns.get(ours, ours)
        shown = f"'{theirs}'" + (f" (for {ours})" if theirs != ours else "")
        if theirs in raw.columns:
            frame[ours] = raw[theirs]
        elif required:
            required_missing.append(shown)
            missing_names.append(theirs)
        elif ours in mapping.columns:
            # An optional column the mapping names explicitly is expected to be there.
            mapped_missing.append(shown)
            missing_names.append(theirs)
    parts = []
    if required_missing:
        parts.append(f"missing required column(s) {', '.join(required_missing)}")
    if mapped_missing:
        parts.append(f"missing column(s) named in --columns {', '.join(mapped_missing)}")
    if parts:
        message = (
            f"{'; '.join(parts)}; found {', '.join(map(str, raw.columns))}. "
            "Map your own names with --columns."
        )
        raise InputError([Problem(source, ", ".join(missing_names), message)])
    return frame


def _issue(source: str, kind: str, column: str, mask: pd.Series, issues: list[DataIssue]) -> None:
    """Record one kind of bad row, if ``mask`` marks any, with its first five row numbers."""
    if mask.any():
        rows = [int(i) + 2 for i in mask[mask].index[:5]]
        issues.append(DataIssue(source, kind, column, int(mask.sum()), rows))


def _times(
    frame: pd.DataFrame, columns: list[str], fmt: str | None, source: str, issues: list[DataIssue]
) -> pd.Series:
    """Parse timestamp columns in place; return the mask of rows with an unparseable one."""
    bad = pd.Series(False, index=frame.index)
    for column in columns:
        if column not in frame:
            continue
        text = frame[column].astype("string").str.strip()
        blank = text.isna() | (text == "")
        parsed = pd.to_datetime(text, format=fmt if fmt else "mixed", errors="coerce")
        unparseable = parsed.isna() & ~blank
        _issue(source, "with an unparseable timestamp", column, unparseable, issues)
        bad |= unparseable
        frame[column] = parsed
    return bad


def _out_of_order(
    frame: pd.DataFrame, pairs: list[tuple[str, str]], source: str, issues: list[DataIssue]
) -> pd.Series:
    """The mask of rows where a time comes before the one it must follow (``pairs``)."""
    bad = pd.Series(False, index=frame.index)
    for first, then in pairs:
        if first in frame and then in frame:
            mask = (frame[then] < frame[first]).fillna(False).astype(bool)
            _issue(source, "with times out of order", f"{then} before {first}", mask, issues)
            bad |= mask
    return bad


def clean_incidents(
    raw: pd.DataFrame, mapping: IncidentMapping, source: str = "incidents"
) -> Cleaned:
    """Rename, parse and check a CAD incident export.

    Parameters
    ----------
    raw
        The export as read, one row per incident.
    mapping
        Column names, timestamp format and priority codes.
    source
        File name for messages.

    Returns
    -------
    Cleaned
        Columns ``created, dispatched, arrived, cleared`` (timestamps), ``grade``,
        ``area``, ``channel``; rows with unparseable timestamps, times out of
        order or unknown priority codes excluded and counted.

    Raises
    ------
    InputError
        If a required column (``created``, ``priority``) is missing, or one the
        mapping names.
    """
    frame = _rename(raw, INCIDENT_EXPORT_COLUMNS, mapping, source)
    issues: list[DataIssue] = []
    stamps = ["created", "dispatched", "arrived", "cleared"]
    bad = _times(frame, stamps, mapping.timestamp_format, source, issues)
    missing_created = frame["created"].isna() & ~bad
    _issue(source, "with no created time", "created", missing_created, issues)
    bad |= missing_created
    bad |= _out_of_order(
        frame,
        [("created", "dispatched"), ("dispatched", "arrived"), ("arrived", "cleared")],
        source,
        issues,
    )
    codes = frame["priority"].astype("string").str.strip()
    known = {g: g for g in GRADES} | mapping.priorities
    frame["grade"] = codes.map(lambda c: known.get(c) if isinstance(c, str) else None)
    unknown = frame["grade"].isna()
    _issue(source, "with an unknown priority code", "priority", unknown, issues)
    bad |= unknown
    if "area" in frame:
        frame["area"] = frame["area"].astype("string").str.strip().str.lower()
    if "channel" in frame:
        frame["channel"] = _channel_codes(frame["channel"], mapping)
        unknown_channel = frame["channel"].isna()
        _issue(source, "with no or an unknown channel code", "channel", unknown_channel, issues)
        bad |= unknown_channel
    kept = frame[~bad].drop(columns=["priority"])
    return Cleaned(kept.reset_index(drop=True), issues, len(raw), source)


def _channel_codes(column: pd.Series, mapping: IncidentMapping | CallMapping) -> pd.Series:
    """Our channel (999, 101, online) of each row's code; missing where the code is unknown."""
    text = column.astype("string").str.strip()
    known = {c: c for c in (*TELEPHONE_CHANNELS, "online")} | mapping.channels
    return text.map(lambda c: known.get(c) if isinstance(c, str) else None)


def clean_calls(raw: pd.DataFrame, mapping: CallMapping, source: str = "calls") -> Cleaned:
    """Rename, parse and check a telephony export (one row per call).

    Returns
    -------
    Cleaned
        Columns ``arrival, answered, abandoned, ended`` (timestamps), ``channel``
        (``999`` or ``101``), ``handler_id`` where given, plus ``wait_s`` (arrival
        to answer or abandonment, s), ``handling_s`` (answered to ended, s) and
        ``answered_flag``.

    Raises
    ------
    InputError
        If a required column (``arrival``, ``answered``, ``ended``, ``channel``)
        is missing, or one the mapping names.
    """
    frame = _rename(raw, CALL_EXPORT_COLUMNS, mapping, source)
    issues: list[DataIssue] = []
    stamps = ["arrival", "answered", "abandoned", "ended"]
    bad = _times(frame, stamps, mapping.timestamp_format, source, issues)
    missing = frame["arrival"].isna() & ~bad
    _issue(source, "with no arrival time", "arrival", missing, issues)
    bad |= missing
    bad |= _out_of_order(
        frame,
        [("arrival", "answered"), ("answered", "ended"), ("arrival", "abandoned")],
        source,
        issues,
    )
    frame["channel"] = _channel_codes(frame["channel"], mapping)
    unknown = frame["channel"].isna() | (frame["channel"] == "online")
    _issue(source, "with no or an unknown channel code", "channel", unknown, issues)
    bad |= unknown
    frame = frame[~bad].copy()
    frame["answered_flag"] = frame["answered"].notna()
    gave_up = frame["abandoned"] if "abandoned" in frame else frame["ended"]
    end_of_wait = frame["answered"].where(frame["answered_flag"], gave_up)
    no_end = end_of_wait.isna()
    if no_end.any():
        _issue(source, "abandoned with no abandoned or ended time", "abandoned", no_end, issues)
        frame = frame[~no_end]
        end_of_wait = end_of_wait[~no_end]
    frame["wait_s"] = (end_of_wait - frame["arrival"]).dt.total_seconds()
    frame["handling_s"] = (frame["ended"] - frame["answered"]).dt.total_seconds()
    return Cleaned(frame.reset_index(drop=True), issues, len(raw), source)


def read_incidents(path: str | Path, mapping: IncidentMapping) -> Cleaned:
    """Read and clean a CAD incident export (:func:`read_export`, :func:`clean_incidents`)."""
    raw, issues, rows = read_export(path)
    cleaned = clean_incidents(raw, mapping, source=str(path))
    return Cleaned(cleaned.frame, issues + cleaned.issues, rows, cleaned.source)


def read_calls(path: str | Path, mapping: CallMapping) -> Cleaned:
    """Read and clean a telephony export (:func:`read_export`, :func:`clean_calls`)."""
    raw, issues, rows = read_export(path)
    cleaned = clean_calls(raw, mapping, source=str(path))
    return Cleaned(cleaned.frame, issues + cleaned.issues, rows, cleaned.source)


def issues_text(issues: list[DataIssue], read: Mapping[str, tuple[int, int]]) -> str:
    """The bad-data report: rows read and kept per file, then each kind of bad row."""
    out = [f"{source}: {kept} of {rows} rows used" for source, (rows, kept) in read.items()]
    out += [issue.describe() for issue in issues] or ["no bad rows"]
    return "\n".join(out)
