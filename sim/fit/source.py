"""Reading an export file as rows of text: CSV of any common dialect, or an Excel workbook.

Real exports come in many shapes: UTF-8 with or without a byte-order mark,
Windows code page 1252 from an older system, UTF-16 from Excel's "Unicode
text"; fields split by commas, semicolons (a European Excel) or tabs; or an
``.xlsx`` workbook. :func:`read_export` detects which, says what it detected
(for the data report), and returns every row as text. Only a regular file is
read, of at most :data:`MAX_EXPORT_BYTES`, and at most
:data:`MAX_EXPORT_ROWS` rows are kept, read in chunks so memory stays bounded
whatever the file holds.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from sim.errors import InputError, Problem
from sim.files import not_a_regular_file

#: Largest export read (bytes): about five years of a large force's CAD export.
MAX_EXPORT_BYTES = 1 << 30
#: Most data rows read from one export.
MAX_EXPORT_ROWS = 5_000_000
#: Rows turned into a frame at a time (bounded memory while reading).
CHUNK_ROWS = 100_000
#: Bytes looked at to detect the encoding and the delimiter.
_SNIFF_BYTES = 1 << 16
#: Field separators tried, in order of preference on a tie.
DELIMITERS = (",", ";", "\t", "|")
_DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "bar"}


@dataclass
class ExportText:
    """An export as read: every well-formed row as text, and how it was read.

    Attributes
    ----------
    frame
        One column per header name, indexed by the row's position among the
        data rows (row ``i`` is spreadsheet row ``i + 2``).
    rows_read
        Data rows in the file (ragged ones included).
    ragged
        Positions of rows whose number of fields differs from the header's.
    how
        What was detected, e.g. ``UTF-8, comma-separated`` (for the data report).
    """

    frame: pd.DataFrame
    rows_read: int
    ragged: list[int] = field(default_factory=list)
    how: str = ""


def _problem(source: str, message: str) -> InputError:
    return InputError([Problem(source, "", message)])


def _encoding(head: bytes) -> tuple[str, str]:
    """The codec to read a file with, from its first bytes, and its name for the report."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig", "UTF-8 with a byte-order mark"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16", "UTF-16"
    # UTF-16 without a mark: every other byte of ASCII text is zero.
    if len(head) >= 4 and head[1::2].count(0) > len(head) // 4:
        return "utf-16-le", "UTF-16 (little-endian, no byte-order mark)"
    if len(head) >= 4 and head[0::2].count(0) > len(head) // 4:
        return "utf-16-be", "UTF-16 (big-endian, no byte-order mark)"
    try:
        # A multi-byte character cut at the end of the sample is still UTF-8.
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        return "cp1252", "Windows-1252 (not valid UTF-8)"
    return "utf-8", "UTF-8"


def _delimiter(sample: str) -> str:
    """The separator that splits the first lines into the most, equal, fields."""
    lines = sample.splitlines()[:20]
    if len(lines) > 1 and not sample.endswith(("\n", "\r")):
        lines = lines[:-1]  # the last line of the sample may be cut short
    best, best_score = ",", (0, 0)
    for candidate in DELIMITERS:
        widths = [len(row) for row in csv.reader(lines, delimiter=candidate)]
        if not widths or widths[0] < 2:
            continue
        score = (sum(w == widths[0] for w in widths), widths[0])
        if score > best_score:
            best, best_score = candidate, score
    return best


def _check_file(path: Path, source: str) -> int:
    """The file's size in bytes, after checking it can be read as an export."""
    why = not_a_regular_file(path)
    if why is not None:
        raise _problem(source, why)
    size = os.stat(path).st_size
    if size > MAX_EXPORT_BYTES:
        raise _problem(
            source,
            f"is {size / 2**30:.1f} GiB; expected an export of at most "
            f"{MAX_EXPORT_BYTES / 2**30:.0f} GiB (fit a shorter period: a year is plenty)",
        )
    return size


def _cell(value: Any) -> str:
    """A workbook cell as the text a CSV export would hold."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _workbook_rows(path: Path, source: str) -> tuple[Iterator[list[str]], str]:
    """The first sheet's rows as text, and what was read."""
    import openpyxl  # only an .xlsx export needs it
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, OSError, KeyError, ValueError) as exc:
        raise _problem(
            source, f"cannot be read as an Excel workbook ({exc}); expected .xlsx"
        ) from None
    sheet = book.worksheets[0]
    others = len(book.worksheets) - 1
    how = f"Excel workbook, sheet '{sheet.title}'" + (
        f" (the first; {others} other sheet(s) not read)" if others else ""
    )

    def rows() -> Iterator[list[str]]:
        try:
            for values in sheet.iter_rows(values_only=True):
                yield [_cell(v) for v in values]
        finally:
            book.close()

    return rows(), how


def _csv_rows(path: Path, source: str) -> tuple[Iterator[list[str]], str, Any]:
    """The file's rows as text, what was detected, and the open handle (to close)."""
    with path.open("rb") as raw:
        head = raw.read(_SNIFF_BYTES)
    codec, codec_name = _encoding(head)
    # Undecodable bytes become U+FFFD: at worst a timestamp or code no longer parses.
    handle = path.open(newline="", encoding=codec, errors="replace")
    delimiter = _delimiter(head.decode(codec, errors="replace").lstrip("\ufeff"))
    how = f"{codec_name}, {_DELIMITER_NAMES[delimiter]}-separated"
    return csv.reader(handle, delimiter=delimiter), how, handle


def read_export(path: str | Path) -> ExportText:
    """Read a CSV or ``.xlsx`` export as text, setting aside rows whose field count is wrong.

    Parameters
    ----------
    path
        The export: CSV in UTF-8 (with or without a byte-order mark), UTF-16
        or Windows-1252, separated by commas, semicolons, tabs or bars; or an
        Excel ``.xlsx`` workbook (its first sheet).

    Raises
    ------
    InputError
        If the file is not a regular file, is too large or has too many rows,
        cannot be read, is empty, or repeats a column name.
    """
    path = Path(path)
    source = str(path)
    _check_file(path, source)
    handle = None
    try:
        if path.suffix.lower() in (".xlsx", ".xlsm"):
            rows, how = _workbook_rows(path, source)
        elif path.suffix.lower() == ".xls":
            raise _problem(source, "is an old Excel .xls file; save it as .xlsx or CSV")
        else:
            rows, how, handle = _csv_rows(path, source)
        return _collect(rows, source, how)
    except csv.Error as exc:
        raise _problem(source, f"cannot be read as CSV: {exc}") from None
    except (OSError, UnicodeError) as exc:
        raise _problem(source, f"cannot be read: {exc}") from None
    finally:
        if handle is not None:
            handle.close()


def _collect(rows: Iterator[list[str]], source: str, how: str) -> ExportText:
    """Header, then data rows in chunks of :data:`CHUNK_ROWS`, under the row guard."""
    header_row = next(rows, None)
    header = [cell.strip().lstrip("\ufeff") for cell in header_row or []]
    while header and not header[-1]:
        header.pop()  # a spreadsheet's empty trailing columns
    if not any(header):
        raise _problem(source, "the file is empty; expected a header row of column names")
    repeated = sorted({name for name in header if header.count(name) > 1})
    if repeated:
        message = (
            f"column name(s) {', '.join(map(repr, repeated))} appear more than once; "
            "expected each column once"
        )
        raise InputError([Problem(source, ", ".join(repeated), message)])
    width = len(header)
    chunks: list[pd.DataFrame] = []
    chunk: list[list[str]] = []
    index: list[int] = []
    ragged: list[int] = []
    blank_run: list[int] = []
    position = -1
    for position, row in enumerate(rows):
        if position >= MAX_EXPORT_ROWS:
            raise _problem(
                source,
                f"has more than {MAX_EXPORT_ROWS:,} data rows; expected at most that many "
                "(fit a shorter period: a year is plenty)",
            )
        if len(row) > width and not any(cell.strip() for cell in row[width:]):
            row = row[:width]  # empty trailing cells
        if not any(cell.strip() for cell in row):
            blank_run.append(position)  # blank lines count only if rows follow them
            continue
        if blank_run:
            ragged.extend(blank_run)
            blank_run = []
        if len(row) != width:
            ragged.append(position)
            continue
        chunk.append(row)
        index.append(position)
        if len(chunk) >= CHUNK_ROWS:
            chunks.append(_frame(chunk, header, index))
            chunk, index = [], []
    chunks.append(_frame(chunk, header, index))
    rows_read = position + 1 - len(blank_run)
    return ExportText(pd.concat(chunks), rows_read, ragged, how)


def _frame(rows: list[list[str]], header: list[str], index: list[int]) -> pd.DataFrame:
    """One chunk of rows as a frame of text (missing values as empty text)."""
    frame = pd.DataFrame(rows, columns=header, index=index, dtype="string")
    return frame.fillna("")
