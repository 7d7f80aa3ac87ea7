"""Cleaning a force's exports: columns mapped, times parsed, codes mapped, bad rows counted.

A CAD export has one row per incident, a telephony export one row per call.
Each is read as text (:func:`sim.fit.source.read_export`), its columns renamed
to ours by the mapping (a date and a time column joined where the export
splits them), its timestamps parsed (:mod:`sim.fit.timestamps`) and its codes
mapped (:func:`clean_incidents`, :func:`clean_calls`). ``NULL``, ``NA`` and
blank mean "not recorded": an optional field is left empty and the row kept.
Codes written as numbers (``2.0``) are read as ``2``. A row the fit cannot use
(an unparseable timestamp, times out of order, a date years from the rest, an
unknown code) is left out and counted by kind, so the data report
(:func:`issues_text`) says what was excluded and where. Durations are taken
between exact instants (in UTC where the time zone is known), so a call across
the clock change is as long as it was; the timestamps kept are the force's
local wall-clock time.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from sim.errors import InputError, Problem
from sim.fit.beats import locate_columns
from sim.fit.mapping import GRADES, TELEPHONE_CHANNELS, CallMapping, IncidentMapping
from sim.fit.source import read_export
from sim.fit.timestamps import TimeReading, local_times, parse_time_columns

#: Cell values that mean "not recorded" (compared lower-case, stripped).
NULL_TOKENS = frozenset({"", "null", "na", "n/a", "nan", "none", "nat", "#n/a", "-"})
#: A timestamp further than this from the median of its column is a stray (e.g. 1900-01-01).
STRAY_YEARS = 3
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
    "beat": False,
    "x": False,
    "y": False,
    "origin_beat": False,
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
    "wrap_end": False,
}


@dataclass
class DataIssue:
    """One kind of bad row in one file: how many, and the first few row numbers.

    Row numbers are 1-based data rows as a spreadsheet shows them (row 2 is the
    first data row under the header). ``left_out`` is False for rows kept with
    a field left empty (said so in the report, not excluded).
    """

    source: str
    kind: str
    column: str
    count: int
    examples: list[int]
    left_out: bool = True

    def describe(self) -> str:
        """A one-line description for the report."""
        rows = ", ".join(str(r) for r in self.examples)
        label = "row" if len(self.examples) == 1 else "rows"
        kept = "" if self.left_out else ", kept"
        return (
            f"{self.source}: {self.count} row(s) {self.kind} ({self.column}){kept}; "
            f"e.g. {label} {rows}"
        )


@dataclass
class Cleaned:
    """A cleaned table, the issues found, how many rows were read and kept, and how they were read.

    ``notes`` are the data report's lines on how the file was read (encoding,
    separator, timestamp formats detected).
    """

    frame: pd.DataFrame
    issues: list[DataIssue]
    rows_read: int
    source: str = ""
    notes: list[str] = field(default_factory=list)

    @property
    def rows_kept(self) -> int:
        """Rows left after excluding bad ones."""
        return len(self.frame)


def _blank_to_missing(text: pd.Series) -> pd.Series:
    """Text stripped, with NULL, NA, blank and the like as missing."""
    text = text.astype("string").str.strip()
    return text.mask(text.str.lower().isin(NULL_TOKENS) | text.isna())


def _date_and_time(date: pd.Series, time: pd.Series) -> pd.Series:
    """One timestamp from a date column and a time column (text, or Excel serial numbers)."""
    date, time = _blank_to_missing(date), _blank_to_missing(time)
    numeric = date.str.match(r"^\d+(\.\d+)?$") & time.str.match(r"^\d*\.\d+$|^0$")
    numeric = numeric.fillna(False).astype(bool)
    # A workbook's date-only cell is a datetime at midnight.
    joined = date.str.replace(r"[ T]00:00:00$", "", regex=True) + " " + time
    serial = pd.to_numeric(date[numeric]) + pd.to_numeric(time[numeric])
    joined = joined.astype("object")
    joined[numeric] = serial.map(lambda v: f"{v:.8f}")
    return joined.astype("string")


def _rename(
    raw: pd.DataFrame,
    spec: dict[str, bool],
    mapping: IncidentMapping | CallMapping,
    source: str,
) -> pd.DataFrame:
    """Our columns of ``spec`` taken from the export by the mapping's names, blanks missing.

    A column the mapping gives as ``[date, time]`` is the two joined.

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
        names = [theirs] if isinstance(theirs, str) else list(theirs)
        absent = [name for name in names if name not in raw.columns]
        shown = " and ".join(f"'{n}'" for n in absent) + (
            f" (for {ours})" if names != [ours] else ""
        )
        if not absent:
            frame[ours] = (
                _blank_to_missing(raw[names[0]])
                if len(names) == 1
                else _date_and_time(raw[names[0]], raw[names[1]])
            )
        elif required:
            required_missing.append(shown)
            missing_names.extend(absent)
        elif ours in mapping.columns:
            # An optional column the mapping names explicitly is expected to be there.
            mapped_missing.append(shown)
            missing_names.extend(absent)
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


def _issue(
    source: str,
    kind: str,
    column: str,
    mask: pd.Series,
    issues: list[DataIssue],
    left_out: bool = True,
) -> None:
    """Record one kind of bad row, if ``mask`` marks any, with its first five row numbers."""
    if mask.any():
        rows = [int(i) + 2 for i in mask[mask].index[:5]]
        issues.append(DataIssue(source, kind, column, int(mask.sum()), rows, left_out))


def _reading(mapping: IncidentMapping | CallMapping, section: str) -> TimeReading:
    formats = tuple(mapping.timestamp_format) if mapping.timestamp_format else None
    return TimeReading(formats, mapping.dayfirst, mapping.timezone, section)


def _times(
    frame: pd.DataFrame,
    columns: list[str],
    reading: TimeReading,
    source: str,
    issues: list[DataIssue],
) -> tuple[dict[str, pd.Series], pd.Series, list[str]]:
    """Parse timestamp columns; return the times, the mask of rows with a bad one, and notes.

    A timestamp is bad when it cannot be parsed, or is more than
    :data:`STRAY_YEARS` from its column's median (a stray ``1900-01-01``).
    """
    times, notes = parse_time_columns(frame, columns, reading, source)
    bad = pd.Series(False, index=frame.index)
    for column, parsed in times.items():
        unparseable = parsed.isna() & frame[column].notna()
        _issue(source, "with an unparseable timestamp", column, unparseable, issues)
        bad |= unparseable
    for column, parsed in times.items():
        if parsed.notna().any():
            far = ((parsed - parsed.median()).abs() > pd.Timedelta(days=365 * STRAY_YEARS)).fillna(
                False
            )
            _issue(
                source,
                f"with a date more than {STRAY_YEARS} years from the rest",
                column,
                far & ~bad,
                issues,
            )
            bad |= far
    return times, bad, [f"{source}: {note}" for note in notes]


def _out_of_order(
    times: dict[str, pd.Series],
    pairs: list[tuple[str, str]],
    source: str,
    issues: list[DataIssue],
    already: pd.Series,
) -> pd.Series:
    """The mask of rows where a time comes before the one it must follow (``pairs``).

    Rows ``already`` left out (a stray date) are not counted again.
    """
    bad = pd.Series(False, index=already.index)
    for first, then in pairs:
        if first in times and then in times:
            mask = (times[then] < times[first]).fillna(False).astype(bool) & ~already
            _issue(source, "with times out of order", f"{then} before {first}", mask, issues)
            bad |= mask
    return bad


def _seconds(times: dict[str, pd.Series], start: str, end: str) -> pd.Series | None:
    """Seconds from ``start`` to ``end`` (exact instants), or None without both columns."""
    if start in times and end in times:
        return (times[end] - times[start]).dt.total_seconds()
    return None


def _codes(text: pd.Series) -> pd.Series:
    """Codes as text, a whole number written as a float (``2.0``) read as ``2``."""
    return text.astype("string").str.strip().str.replace(r"^(-?\d+)\.0+$", r"\1", regex=True)


def _mapped(text: pd.Series, known: Mapping[str, str]) -> pd.Series:
    """Our name for each code; missing where the code is unknown or blank."""
    table = {str(_codes(pd.Series([k])).iloc[0]): v for k, v in known.items()}
    return _codes(text).map(lambda c: table.get(c) if isinstance(c, str) else None)


def clean_incidents(
    raw: pd.DataFrame, mapping: IncidentMapping, source: str = "incidents"
) -> Cleaned:
    """Rename, parse and check a CAD incident export.

    Parameters
    ----------
    raw
        The export as read, one row per incident.
    mapping
        Column names, timestamp format, day order, time zone and codes.
    source
        File name for messages.

    Returns
    -------
    Cleaned
        Columns ``created, dispatched, arrived, cleared`` (local timestamps),
        ``grade``, ``area``, ``channel`` (empty where not recorded) and, where
        the times are there, ``delay_s`` (created to dispatched), ``travel_s``
        (dispatched to arrived) and ``on_scene_s`` (arrived to cleared), in
        seconds; ``beat_key`` and ``origin_key`` (beat names matched
        whatever their spaces and case) and numeric ``x``, ``y`` where the
        export has them; rows with unparseable or stray timestamps, times out
        of order or unknown codes excluded and counted.

    Raises
    ------
    InputError
        If a required column (``created``, ``priority``) is missing, or one the
        mapping names, or the timestamps' day order or time zone is not known.
    """
    frame = _rename(raw, INCIDENT_EXPORT_COLUMNS, mapping, source)
    issues: list[DataIssue] = []
    stamps = ["created", "dispatched", "arrived", "cleared"]
    times, bad, notes = _times(frame, stamps, _reading(mapping, "incidents"), source, issues)
    missing_created = times["created"].isna() & ~bad
    _issue(source, "with no created time", "created", missing_created, issues)
    bad |= missing_created
    bad |= _out_of_order(
        times,
        [("created", "dispatched"), ("dispatched", "arrived"), ("arrived", "cleared")],
        source,
        issues,
        bad,
    )
    for name, (first, then) in {
        "delay_s": ("created", "dispatched"),
        "travel_s": ("dispatched", "arrived"),
        "on_scene_s": ("arrived", "cleared"),
    }.items():
        seconds = _seconds(times, first, then)
        if seconds is not None:
            frame[name] = seconds
    for column, parsed in times.items():
        frame[column] = local_times(parsed, mapping.timezone)
    frame["grade"] = _mapped(frame["priority"], {g: g for g in GRADES} | mapping.priorities)
    unknown = frame["grade"].isna()
    _issue(source, "with no or an unknown priority code", "priority", unknown, issues)
    bad |= unknown
    located = frame["grade"].isin(["grade1", "grade2"]) & ~bad
    for kind, column, mask in locate_columns(frame, located):
        _issue(source, kind, column, mask, issues, left_out=False)
    if "area" in frame:
        _issue(source, "with no area", "area", frame["area"].isna() & ~bad, issues, left_out=False)
    if "channel" in frame:
        recorded = frame["channel"].notna()
        frame["channel"] = _mapped(
            frame["channel"], {c: c for c in (*TELEPHONE_CHANNELS, "online")} | mapping.channels
        )
        unknown_channel = frame["channel"].isna() & recorded
        _issue(source, "with an unknown channel code", "channel", unknown_channel, issues)
        bad |= unknown_channel
        _issue(source, "with no channel", "channel", ~recorded & ~bad, issues, left_out=False)
    kept = frame[~bad].drop(columns=["priority"])
    return Cleaned(kept, issues, len(raw), source, notes)


def clean_calls(raw: pd.DataFrame, mapping: CallMapping, source: str = "calls") -> Cleaned:
    """Rename, parse and check a telephony export (one row per call).

    Returns
    -------
    Cleaned
        Columns ``arrival, answered, abandoned, ended`` (local timestamps),
        ``channel`` (``999`` or ``101``), ``handler_id`` where given, plus
        ``wait_s`` (arrival to answer or abandonment, s), ``handling_s``
        (answered to ended, s), ``wrap_s`` (ended to ``wrap_end``, the end of
        after-call work, s, where the export has it) and ``answered_flag``.

    Raises
    ------
    InputError
        If a required column (``arrival``, ``answered``, ``ended``, ``channel``)
        is missing, or one the mapping names, or the timestamps' day order or
        time zone is not known.
    """
    frame = _rename(raw, CALL_EXPORT_COLUMNS, mapping, source)
    issues: list[DataIssue] = []
    stamps = ["arrival", "answered", "abandoned", "ended", "wrap_end"]
    times, bad, notes = _times(frame, stamps, _reading(mapping, "calls"), source, issues)
    missing = times["arrival"].isna() & ~bad
    _issue(source, "with no arrival time", "arrival", missing, issues)
    bad |= missing
    bad |= _out_of_order(
        times,
        [
            ("arrival", "answered"),
            ("answered", "ended"),
            ("arrival", "abandoned"),
            ("ended", "wrap_end"),
        ],
        source,
        issues,
        bad,
    )
    frame["channel"] = _mapped(
        frame["channel"], {c: c for c in TELEPHONE_CHANNELS} | mapping.channels
    )
    unknown = frame["channel"].isna()
    _issue(source, "with no or an unknown channel code", "channel", unknown, issues)
    bad |= unknown
    answered = times["answered"].notna()
    gave_up = times["abandoned"] if "abandoned" in times else times["ended"]
    end_of_wait = times["answered"].where(answered, gave_up)
    no_end = end_of_wait.isna() & ~bad
    _issue(source, "abandoned with no abandoned or ended time", "abandoned", no_end, issues)
    bad |= no_end
    frame["answered_flag"] = answered
    frame["wait_s"] = (end_of_wait - times["arrival"]).dt.total_seconds()
    frame["handling_s"] = (times["ended"] - times["answered"]).dt.total_seconds()
    if "wrap_end" in times:  # after-call work, where the export times it
        frame["wrap_s"] = (times["wrap_end"] - times["ended"]).dt.total_seconds()
    for column, parsed in times.items():
        frame[column] = local_times(parsed, mapping.timezone)
    return Cleaned(frame[~bad], issues, len(raw), source, notes)


def _read(path: str | Path, mapping: IncidentMapping | CallMapping, clean: object) -> Cleaned:
    """Read an export and clean it, with the rows of the wrong width as one more issue."""
    source = str(path)
    export = read_export(path)
    issues: list[DataIssue] = []
    if export.ragged:
        ragged = pd.Series(True, index=export.ragged)
        width = len(export.frame.columns)
        _issue(
            source,
            f"with a number of fields other than the header's {width}",
            "fields",
            ragged,
            issues,
        )
    cleaned = clean(export.frame, mapping, source=source)  # type: ignore[operator]
    notes = [f"{source}: read as {export.how}", *cleaned.notes]
    frame = cleaned.frame.reset_index(drop=True)
    return Cleaned(frame, issues + cleaned.issues, export.rows_read, source, notes)


def read_incidents(path: str | Path, mapping: IncidentMapping) -> Cleaned:
    """Read and clean a CAD incident export (:func:`read_export`, :func:`clean_incidents`)."""
    return _read(path, mapping, clean_incidents)


def read_calls(path: str | Path, mapping: CallMapping) -> Cleaned:
    """Read and clean a telephony export (:func:`read_export`, :func:`clean_calls`)."""
    return _read(path, mapping, clean_calls)


def issues_text(
    issues: list[DataIssue], read: Mapping[str, tuple[int, int]], notes: list[str] | None = None
) -> str:
    """The data report, file by file: rows used, how the file was read, each kind of bad row.

    Parameters
    ----------
    issues
        Every kind of bad row, of every file.
    read
        Per file (its name): rows read and rows kept.
    notes
        Lines on how each file was read, each starting with the file's name.
    """
    out: list[str] = []
    for source, (rows, kept) in read.items():
        out.append(f"{source}: {kept} of {rows} rows used")
        out += [note for note in notes or [] if note.startswith(f"{source}: ")]
        out += [issue.describe() for issue in issues if issue.source == source]
    out += [issue.describe() for issue in issues if issue.source not in read]
    if not issues:
        out.append("no bad rows")
    return "\n".join(out)
