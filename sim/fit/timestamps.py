"""Reading an export's timestamps without guessing silently.

UK exports write ``01/02/2025 07:13`` for 1 February; a US-style system for 2
January. When the mapping does not say (``timestamp_format`` or
``dayfirst``), the order is detected from the data across all of a file's
timestamp columns: a first field above 12 means day first, a second above 12
month first, and a file where every date could be either is refused, naming
the columns and both readings (:func:`parse_time_columns`). Excel serial
dates (days since 1899-12-30) are recognised. Times with a UTC offset or
``Z`` are converted to the mapping's ``timezone:``, and local times read in
it, so durations across the clock change are exact; without a time zone an
offset is an error rather than a silent shift of the daily peak. What was
detected is said, for the data report.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from pandas.tseries.api import guess_datetime_format

from sim.errors import InputError, Problem

#: Day 0 of Excel's (1900) date system, as Excel counts after its 1900 leap-year bug.
EXCEL_EPOCH = pd.Timestamp("1899-12-30")
#: Serial numbers read as Excel dates: 1954-10-03 to 2119-01-09.
EXCEL_SERIAL_RANGE = (20_000.0, 80_000.0)
#: Shapes of timestamp (digits aside) given a format each; rarer shapes are unparseable.
MAX_SHAPES = 50
_DMY = re.compile(r"^\s*(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{2,4})\b")
_SERIAL = r"^\d{1,6}(?:\.\d+)?$"


@dataclass(frozen=True)
class TimeReading:
    """How one export's timestamps are written, from its mapping section.

    Attributes
    ----------
    formats
        ``strftime`` codes tried in turn; None: detected.
    dayfirst
        Whether ``01/02/2025`` is 1 February; None: detected.
    timezone
        IANA name of the force's time zone; None: times are taken as written,
        and a time with a UTC offset is an error.
    section
        ``incidents`` or ``calls``: the mapping section, for messages.
    """

    formats: tuple[str, ...] | None = None
    dayfirst: bool | None = None
    timezone: str | None = None
    section: str = "incidents"


def _quiet_to_datetime(values: pd.Series, **kwargs: object) -> pd.Series:
    """``pd.to_datetime`` without its warnings about inferred formats (we say what we read)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return pd.to_datetime(values, errors="coerce", **kwargs)  # type: ignore[call-overload]


def _example(values: pd.Series, mask: pd.Series) -> str:
    """``row N 'text'`` for the first value ``mask`` marks."""
    position = mask[mask].index[0]
    return f"row {int(position) + 2} '{values[position]}'"


def _day_month_order(
    texts: dict[str, pd.Series], reading: TimeReading, source: str
) -> tuple[bool | None, str]:
    """Whether dd/mm dates are day first, from the mapping or the data, and how that was known.

    Raises
    ------
    InputError
        If the data hold both orders, or every date could be either and the
        mapping does not say.
    """
    dmy = {column: text.str.extract(_DMY).dropna().astype(int) for column, text in texts.items()}
    dmy = {column: fields for column, fields in dmy.items() if not fields.empty}
    if not dmy:
        return None, ""
    if reading.dayfirst is not None:
        order = "day first" if reading.dayfirst else "month first"
        return (
            reading.dayfirst,
            f"{order} (dayfirst: {str(reading.dayfirst).lower()} in the mapping)",
        )
    day_first = {c: f[0] > 12 for c, f in dmy.items() if (f[0] > 12).any()}
    month_first = {c: f[1] > 12 for c, f in dmy.items() if (f[1] > 12).any()}
    columns = ", ".join(dmy)
    if day_first and month_first:
        (dc, dm), (mc, mm) = next(iter(day_first.items())), next(iter(month_first.items()))
        message = (
            f"dates are written both day first ({dc} {_example(texts[dc], dm)}) and month first "
            f"({mc} {_example(texts[mc], mm)}); expected one order: give timestamp_format in the "
            f"mapping's {reading.section} section (--columns)"
        )
        raise InputError([Problem(source, columns, message)])
    if day_first:
        column, mask = next(iter(day_first.items()))
        return True, f"day first (detected: {column} {_example(texts[column], mask)})"
    if month_first:
        column, mask = next(iter(month_first.items()))
        return False, f"month first (detected: {column} {_example(texts[column], mask)})"
    column, fields = next(iter(dmy.items()))
    differ = fields[0] != fields[1]
    at = fields.index[differ][0] if differ.any() else fields.index[0]
    day, month, year = (int(v) for v in fields.loc[at])
    year += 2000 if year < 100 else 0
    as_day_first = pd.Timestamp(year, month, day).strftime("%d %B %Y").lstrip("0")
    as_month_first = pd.Timestamp(year, day, month).strftime("%d %B %Y").lstrip("0")
    message = (
        f"every date could be day first or month first: row {int(at) + 2} "
        f"'{texts[column][at]}' ({column}) reads as {as_day_first} (day first) or "
        f"{as_month_first} (month first); say which with dayfirst: true or dayfirst: false "
        f"in the mapping's {reading.section} section (--columns)"
    )
    raise InputError([Problem(source, columns, message)])


def _by_shape(values: pd.Series, dayfirst: bool | None) -> tuple[pd.Series, pd.Series, list[str]]:
    """Parse each shape of timestamp (digits aside) with the format its first example shows.

    Returns naive times, times with a UTC offset (as UTC), and the formats used.
    """
    naive = pd.Series(pd.NaT, index=values.index, dtype="datetime64[us]")
    aware = pd.Series(pd.NaT, index=values.index, dtype="datetime64[us, UTC]")
    shapes = values.str.replace(r"\d+", "9", regex=True)
    formats: list[str] = []
    for shape in shapes.value_counts().index[:MAX_SHAPES]:
        group = values[shapes == shape]
        example = str(group.iloc[0]).strip()
        fmt = guess_datetime_format(example, dayfirst=bool(dayfirst) and bool(_DMY.match(example)))
        if fmt is None:
            continue
        offset = "%z" in fmt or "%Z" in fmt
        parsed = _quiet_to_datetime(group.str.strip(), format=fmt, utc=offset)
        (aware if offset else naive).loc[group.index] = parsed
        formats.append(fmt)
    return naive, aware, formats


def _parse(
    text: pd.Series, dayfirst: bool | None, reading: TimeReading
) -> tuple[pd.Series, pd.Series, str]:
    """One column as naive times and offset times (UTC), and how it was read."""
    values = text.dropna()
    if reading.formats:
        naive = pd.Series(pd.NaT, index=values.index, dtype="datetime64[us]")
        aware = pd.Series(pd.NaT, index=values.index, dtype="datetime64[us, UTC]")
        for fmt in reading.formats:
            todo = naive.isna() & aware.isna()
            offset = "%z" in fmt or "%Z" in fmt
            parsed = _quiet_to_datetime(values[todo].str.strip(), format=fmt, utc=offset)
            (aware if offset else naive).loc[parsed.index] = parsed
        return naive, aware, "as the mapping's timestamp_format"
    numeric = values.str.strip().str.match(_SERIAL)
    serial = pd.to_numeric(values[numeric], errors="coerce")
    low, high = EXCEL_SERIAL_RANGE
    if len(values) and numeric.mean() >= 0.9 and low <= serial.median() <= high:
        days = serial.to_numpy(dtype=float)
        naive = pd.Series(pd.NaT, index=values.index, dtype="datetime64[us]")
        stamps = EXCEL_EPOCH + pd.to_timedelta(np.round(days * 86400.0), unit="s")
        naive.loc[serial.index] = stamps
        aware = pd.Series(pd.NaT, index=values.index, dtype="datetime64[us, UTC]")
        return naive, aware, "Excel serial dates (days since 1899-12-30)"
    naive, aware, formats = _by_shape(values, dayfirst)
    how = "as " + ", ".join(dict.fromkeys(formats)) if formats else "no timestamp format recognised"
    return naive, aware, how


def parse_time_columns(
    frame: pd.DataFrame, columns: list[str], reading: TimeReading, source: str
) -> tuple[dict[str, pd.Series], list[str]]:
    """Parse a file's timestamp columns, in UTC where a time zone is known.

    Parameters
    ----------
    frame
        The export's columns as text, missing values as NA.
    columns
        Those to parse (absent ones are skipped).
    reading
        The mapping section's timestamp format, day order and time zone.
    source
        File name for messages.

    Returns
    -------
    (times, notes)
        Each column's times, NaT where blank or unparseable: tz-aware UTC when
        ``reading.timezone`` is set, else naive as written. Notes say how each
        column was read (for the data report).

    Raises
    ------
    InputError
        Where the day order is ambiguous or mixed, or times carry a UTC offset
        and no time zone is given.
    """
    present = [c for c in columns if c in frame]
    texts = {c: frame[c] for c in present}
    dayfirst, order = (None, "") if reading.formats else _day_month_order(texts, reading, source)
    out: dict[str, pd.Series] = {}
    hows: dict[str, list[str]] = {}
    for column in present:
        naive, aware, how = _parse(texts[column], dayfirst, reading)
        if aware.notna().any() and reading.timezone is None:
            message = (
                f"times carry a UTC offset or Z ({_example(texts[column], aware.notna())}); say "
                f"the force's time zone, e.g. timezone: Europe/London, in the mapping's "
                f"{reading.section} section (--columns), so they are read as its local time"
            )
            raise InputError([Problem(source, column, message)])
        if reading.timezone is not None:
            # A local time in the hour the clocks go back is taken as summer time.
            local = naive.dt.tz_localize(
                reading.timezone,
                ambiguous=np.ones(len(naive), dtype=bool),
                nonexistent="shift_forward",
            ).dt.tz_convert("UTC")
            times = local.where(aware.isna(), aware)
            if aware.notna().any():
                how += f"; UTC offsets converted to {reading.timezone}"
            if naive.notna().any():
                how += f"; local times in {reading.timezone}"
        else:
            times = naive
        out[column] = times.reindex(frame.index)
        hows.setdefault(how, []).append(column)
    notes = [f"{', '.join(cols)}: {how}" for how, cols in hows.items()]
    if order:
        notes.append(f"dates {order}")
    return out, notes


def local_times(times: pd.Series, timezone: str | None) -> pd.Series:
    """Times as the force's wall clock shows them (naive), for hour-of-week profiles and rosters."""
    if timezone is None:
        return times
    return times.dt.tz_convert(timezone).dt.tz_localize(None)
