"""Reading real exports: every encoding, separator, timestamp form and blank a force's files use.

One fixture per case, written here as the bytes a force's system would give.
Each case either reads correctly and says what it detected, or is a clear
error (exit 2 at the command line) naming the file and the column.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pandas as pd
import pytest

from sim import fit
from sim.app.fit import fit_scenario
from sim.config import load_scenario
from sim.errors import InputError
from sim.fit import source


def _mapping(tmp_path: Path, text: str) -> fit.ColumnMappingFile:
    path = tmp_path / "m.yaml"
    path.write_text(text)
    return fit.read_mapping(path)


def _incidents(path: Path, text: str = "") -> fit.Cleaned:
    mapping = _mapping(path.parent, text) if text else fit.ColumnMappingFile()
    return fit.read_incidents(path, mapping.incidents)


CAD_DAY_FIRST = (
    "created,dispatched,priority,area\n"
    "01/02/2025 07:13,01/02/2025 07:20,grade1,urban\n"
    "13/02/2025 08:00,13/02/2025 08:05,grade2,rural\n"
    "02/03/2025 23:59,03/03/2025 00:09,grade1,urban\n"
)


def test_an_ambiguous_day_month_column_is_refused_naming_it_and_both_readings(
    tmp_path: Path,
) -> None:
    cad = tmp_path / "cad.csv"
    cad.write_text("created,priority\n01/02/2025 07:13,grade1\n03/04/2025 10:00,grade2\n")
    with pytest.raises(InputError) as caught:
        _incidents(cad)
    [problem] = caught.value.problems
    assert (problem.source, problem.path) == (str(cad), "created")
    assert "row 2 '01/02/2025 07:13'" in problem.message
    assert "1 February 2025 (day first) or 2 January 2025 (month first)" in problem.message
    assert "dayfirst: true" in problem.message


def test_the_day_order_is_detected_across_columns_and_reported(tmp_path: Path) -> None:
    cad = tmp_path / "cad.csv"
    cad.write_text(CAD_DAY_FIRST)
    cleaned = _incidents(cad)
    assert list(cleaned.frame["created"]) == [
        pd.Timestamp("2025-02-01 07:13"),
        pd.Timestamp("2025-02-13 08:00"),
        pd.Timestamp("2025-03-02 23:59"),
    ]
    assert list(cleaned.frame["delay_s"]) == [420.0, 300.0, 600.0]
    assert f"{cad}: dates day first (detected: created row 3 '13/02/2025 08:00')" in cleaned.notes


def test_dayfirst_in_the_mapping_settles_an_ambiguous_column(tmp_path: Path) -> None:
    cad = tmp_path / "cad.csv"
    cad.write_text("created,priority\n01/02/2025 07:13,grade1\n03/04/2025 10:00,grade2\n")
    day = _incidents(cad, "incidents: {dayfirst: true}\n")
    assert day.frame["created"].iloc[0] == pd.Timestamp("2025-02-01 07:13")
    month = _incidents(cad, "incidents: {dayfirst: false}\n")
    assert month.frame["created"].iloc[0] == pd.Timestamp("2025-01-02 07:13")
    assert any("dayfirst: false in the mapping" in note for note in month.notes)


def test_both_day_orders_in_one_file_are_refused(tmp_path: Path) -> None:
    cad = tmp_path / "cad.csv"
    cad.write_text("created,priority\n13/01/2025 07:13,grade1\n01/13/2025 10:00,grade2\n")
    with pytest.raises(InputError, match=r"both day first .* and month first"):
        _incidents(cad)


def test_offsets_that_change_at_the_clock_change_give_local_times_and_exact_durations(
    tmp_path: Path,
) -> None:
    """The autumn change: 01:50 BST and 01:10 GMT are 20 minutes apart, not 40 before."""
    calls = tmp_path / "calls.csv"
    calls.write_text(
        "arrival,answered,ended,channel\n"
        "2024-10-27T01:40:00+01:00,2024-10-27T01:50:00+01:00,2024-10-27T01:10:00+00:00,999\n"
        "2024-03-31T00:50:00+00:00,2024-03-31T00:55:00+00:00,2024-03-31T02:05:00+01:00,101\n"
        "2024-07-01T11:59:00+01:00,2024-07-01T12:00:00+01:00,2024-07-01T12:05:00+01:00,101\n"
    )
    mapping = _mapping(tmp_path, "calls: {timezone: Europe/London}\n")
    cleaned = fit.read_calls(calls, mapping.calls)
    frame = cleaned.frame
    assert list(frame["handling_s"]) == [1200.0, 600.0, 300.0]
    assert list(frame["wait_s"]) == [600.0, 300.0, 60.0]
    assert list(frame["answered"]) == [
        pd.Timestamp("2024-10-27 01:50"),
        pd.Timestamp("2024-03-31 00:55"),
        pd.Timestamp("2024-07-01 12:00"),
    ]
    assert any("UTC offsets converted to Europe/London" in note for note in cleaned.notes)


def test_z_times_are_converted_to_the_forces_time_zone(tmp_path: Path) -> None:
    """A UTC export of a summer afternoon peak is an hour later on the force's clock."""
    cad = tmp_path / "cad.csv"
    cad.write_text("created,priority\n2024-07-01T16:00:00Z,grade1\n2024-01-15T16:00:00Z,grade2\n")
    cleaned = _incidents(cad, "incidents: {timezone: Europe/London}\n")
    assert list(cleaned.frame["created"]) == [
        pd.Timestamp("2024-07-01 17:00"),
        pd.Timestamp("2024-01-15 16:00"),
    ]


def test_offsets_without_a_time_zone_are_refused(tmp_path: Path) -> None:
    cad = tmp_path / "cad.csv"
    cad.write_text("created,priority\n2024-07-01T16:00:00Z,grade1\n")
    with pytest.raises(InputError, match="timezone: Europe/London") as caught:
        _incidents(cad)
    assert caught.value.problems[0].path == "created"


def test_one_utc_column_among_local_ones(tmp_path: Path) -> None:
    cad = tmp_path / "cad.csv"
    cad.write_text("created,dispatched,priority\n2024-07-01 17:00:00,2024-07-01T16:05:00Z,grade1\n")
    cleaned = _incidents(cad, "incidents: {timezone: Europe/London}\n")
    assert cleaned.frame["delay_s"].iloc[0] == 300.0
    assert cleaned.frame["dispatched"].iloc[0] == pd.Timestamp("2024-07-01 17:05")


@pytest.mark.parametrize(
    ("encoding", "detected"),
    [
        ("utf-16", "UTF-16"),
        ("utf-8-sig", "UTF-8 with a byte-order mark"),
        ("cp1252", "Windows-1252 (not valid UTF-8)"),
    ],
)
def test_encodings_are_detected_and_reported(tmp_path: Path, encoding: str, detected: str) -> None:
    cad = tmp_path / "cad.csv"
    text = "created,priority,area\r\n2024-01-01 10:00,grade1,Bédford Town\r\n"
    cad.write_bytes(text.encode(encoding))
    cleaned = _incidents(cad)
    assert cleaned.frame["area"].iloc[0] == "Bédford Town"
    assert f"{cad}: read as {detected}, comma-separated" in cleaned.notes


@pytest.mark.parametrize(("delimiter", "name"), [(";", "semicolon"), ("\t", "tab")])
def test_semicolon_and_tab_separated_files(tmp_path: Path, delimiter: str, name: str) -> None:
    cad = tmp_path / "cad.csv"
    rows = [["created", "priority", "area"], ["2024-01-01 10:00", "grade1", "urban, north"]]
    cad.write_text("\n".join(delimiter.join(row) for row in rows) + "\n")
    cleaned = _incidents(cad)
    assert cleaned.frame["area"].iloc[0] == "urban, north"
    assert f"{cad}: read as UTF-8, {name}-separated" in cleaned.notes


def test_excel_serial_dates_and_float_codes(tmp_path: Path) -> None:
    cad = tmp_path / "cad.csv"
    cad.write_text("created,priority,channel\n45658.5,1.0,2.0\n45659.25,2,1\n")
    mapping = "incidents:\n  priorities: {1: grade1, 2: grade2}\n  channels: {1: '999', 2: '101'}\n"
    cleaned = _incidents(cad, mapping)
    assert list(cleaned.frame["created"]) == [
        pd.Timestamp("2025-01-01 12:00"),
        pd.Timestamp("2025-01-02 06:00"),
    ]
    assert list(cleaned.frame["grade"]) == ["grade1", "grade2"]
    assert list(cleaned.frame["channel"]) == ["101", "999"]
    assert any("Excel serial dates" in note for note in cleaned.notes)


def test_separate_date_and_time_columns(tmp_path: Path) -> None:
    calls = tmp_path / "calls.csv"
    calls.write_text(
        "Date,Start,AnsDate,AnsTime,EndDate,EndTime,Q\n"
        "14/03/2025,23:59:50,15/03/2025,00:00:10,15/03/2025,00:05:10,999\n"
    )
    mapping = _mapping(
        tmp_path,
        "calls:\n  columns: {arrival: [Date, Start], answered: [AnsDate, AnsTime], "
        "ended: [EndDate, EndTime], channel: Q}\n",
    )
    frame = fit.read_calls(calls, mapping.calls).frame
    assert frame["arrival"].iloc[0] == pd.Timestamp("2025-03-14 23:59:50")
    assert (frame["wait_s"].iloc[0], frame["handling_s"].iloc[0]) == (20.0, 300.0)


def test_null_na_and_blank_in_optional_columns_keep_the_row(tmp_path: Path) -> None:
    cad = tmp_path / "cad.csv"
    cad.write_text(
        "created,dispatched,arrived,cleared,priority,area,unit\n"
        "2024-01-01 10:00,NULL,NULL,NULL,grade1,urban,NULL\n"
        "2024-01-01 11:00,NA,,N/A,grade2,NA,\n"
        "2024-01-01 12:00,2024-01-01 12:01,2024-01-01 12:10,2024-01-01 12:40,grade1,rural,U1\n"
    )
    cleaned = _incidents(cad)
    assert cleaned.rows_kept == 3
    [no_area] = cleaned.issues  # said, and kept
    assert no_area.describe() == f"{cad}: 1 row(s) with no area (area), kept; e.g. row 3"
    assert cleaned.frame["dispatched"].isna().sum() == 2
    assert cleaned.frame["area"].isna().sum() == 1
    assert list(cleaned.frame["travel_s"].dropna()) == [540.0]


def test_a_stray_1900_date_is_left_out_and_reported(tmp_path: Path) -> None:
    cad = tmp_path / "cad.csv"
    rows = [f"2024-01-0{d} 10:00,2024-01-0{d} 11:00,grade1" for d in range(1, 8)]
    rows[3] = "2024-01-04 10:00,1900-01-01 00:00,grade1"
    cad.write_text("created,cleared,priority\n" + "\n".join(rows) + "\n")
    cleaned = _incidents(cad)
    assert cleaned.rows_kept == 6
    [issue] = cleaned.issues
    assert issue.describe() == (
        f"{cad}: 1 row(s) with a date more than 3 years from the rest (cleared); e.g. row 5"
    )


def test_an_xlsx_export_is_read(tmp_path: Path) -> None:
    import datetime as dt

    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Created", "Grade", "Beat"])
    sheet.append([dt.datetime(2025, 2, 13, 8, 0), 1, "Town"])
    sheet.append([dt.datetime(2025, 2, 14, 9, 30), 2.0, None])
    book.create_sheet("notes")
    book.save(tmp_path / "cad.xlsx")
    mapping = (
        "incidents:\n  columns: {created: Created, priority: Grade, area: Beat}\n"
        "  priorities: {1: grade1, 2: grade2}\n"
    )
    cleaned = _incidents(tmp_path / "cad.xlsx", mapping)
    assert list(cleaned.frame["created"]) == [
        pd.Timestamp("2025-02-13 08:00"),
        pd.Timestamp("2025-02-14 09:30"),
    ]
    assert list(cleaned.frame["grade"]) == ["grade1", "grade2"]
    assert any("Excel workbook, sheet 'Sheet' (the first; 1 other" in n for n in cleaned.notes)


def test_a_file_with_no_usable_rows_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "cad.csv").write_text("created,priority\nsoon,grade1\nlater,grade2\n")
    with pytest.raises(InputError, match="no usable incident rows") as caught:
        fit_scenario(tmp_path / "cad.csv", None, None, tmp_path / "f.yaml")
    assert "2 row(s) with an unparseable timestamp" in str(caught.value)


def test_calls_file_with_no_usable_rows_is_a_clear_error(tmp_path: Path) -> None:
    """The case of the issue: codes as floats were unknown, so every call was dropped silently."""
    (tmp_path / "cad.csv").write_text("created,priority\n2024-01-01 10:00,grade1\n")
    (tmp_path / "calls.csv").write_text("arrival,answered,ended,channel\nx,y,z,999\n")
    with pytest.raises(InputError, match="no usable call rows") as caught:
        fit_scenario(tmp_path / "cad.csv", tmp_path / "calls.csv", None, tmp_path / "f.yaml")
    assert str(tmp_path / "calls.csv") in str(caught.value)


def test_only_regular_files_are_read_and_fast(tmp_path: Path) -> None:
    started = time.monotonic()
    with pytest.raises(InputError, match="not a regular file"):
        fit.read_export("/dev/zero")
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    with pytest.raises(InputError, match="not a regular file"):
        fit.read_export(fifo)
    with pytest.raises(InputError, match="is a folder"):
        fit.read_export(tmp_path)
    assert time.monotonic() - started < 1.0


def test_size_and_row_guards(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cad = tmp_path / "cad.csv"
    cad.write_text("created,priority\n" + "2024-01-01 10:00,grade1\n" * 50)
    monkeypatch.setattr(source, "MAX_EXPORT_ROWS", 20)
    monkeypatch.setattr(source, "CHUNK_ROWS", 7)
    with pytest.raises(InputError, match="more than 20 data rows"):
        fit.read_export(cad)
    monkeypatch.setattr(source, "MAX_EXPORT_BYTES", 100)
    with pytest.raises(InputError, match="expected an export of at most"):
        fit.read_export(cad)


def test_a_huge_file_is_refused_before_it_is_read(tmp_path: Path) -> None:
    big = tmp_path / "big.csv"
    with big.open("wb") as handle:
        handle.truncate(5 * 2**30)  # sparse: 5 GiB of nothing, no disk used
    started = time.monotonic()
    with pytest.raises(InputError, match=r"is 5\.0 GiB"):
        fit.read_export(big)
    assert time.monotonic() - started < 1.0


def test_chunked_reading_keeps_every_row_and_row_number(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(source, "CHUNK_ROWS", 3)
    cad = tmp_path / "cad.csv"
    rows = [f"2024-01-01 {h:02d}:00,grade1" for h in range(10)]
    rows[7] = "2024-01-01 07:00,grade1,extra"
    cad.write_text("created,priority\n" + "\n".join(rows) + "\n")
    export = fit.read_export(cad)
    assert export.rows_read == 10 and export.ragged == [7]
    assert list(export.frame.index) == [0, 1, 2, 3, 4, 5, 6, 8, 9]


@pytest.mark.parametrize("fmt", ["%d/%m/%Y %Q", "%Y-%m-%d %H:%M:%S %", "%d/%m/%Y %H:%M %O"])
def test_a_bad_strftime_directive_fails_the_mapping_check(tmp_path: Path, fmt: str) -> None:
    with pytest.raises(InputError) as caught:
        _mapping(tmp_path, f"incidents:\n  timestamp_format: '{fmt}'\n")
    assert "incidents.timestamp_format" in str(caught.value)


def test_several_timestamp_formats_are_tried_in_turn(tmp_path: Path) -> None:
    cad = tmp_path / "cad.csv"
    cad.write_text("created,priority\n01/02/2025 07:13,grade1\n2025-02-03 10:00:00,grade2\n")
    cleaned = _incidents(
        cad, "incidents:\n  timestamp_format: ['%d/%m/%Y %H:%M', '%Y-%m-%d %H:%M:%S']\n"
    )
    assert list(cleaned.frame["created"]) == [
        pd.Timestamp("2025-02-01 07:13"),
        pd.Timestamp("2025-02-03 10:00"),
    ]


def test_an_unknown_time_zone_fails_the_mapping_check(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"calls\.timezone.*Europe/London"):
        _mapping(tmp_path, "calls: {timezone: Europe/Londres}\n")


def test_a_day_first_export_fits_a_valid_scenario(tmp_path: Path) -> None:
    cad = tmp_path / "cad.csv"
    cad.write_text(CAD_DAY_FIRST)
    outcome = fit_scenario(cad, None, None, tmp_path / "f.yaml")
    load_scenario(outcome.out)
    assert "dates day first (detected" in outcome.report_text


def test_shares_rounded_still_sum_to_exactly_their_total() -> None:
    thirds = {"grade1": 1 / 3, "grade2": 1 / 3, "no_deployment": 1 / 3}
    assert sum(fit.rounded_shares(thirds).values()) == pytest.approx(1.0, abs=1e-12)
    # Each rounded up alone would sum to 1.0003: the case of the issue.
    near = {f"g{i}": 0.14285 + 1e-6 for i in range(7)}
    near["g0"] = 1 - sum(v for k, v in near.items() if k != "g0")
    rounded = fit.rounded_shares(near)
    assert sum(rounded.values()) <= 1.0 + 1e-12
    assert all(abs(rounded[k] - near[k]) <= 1e-4 for k in rounded)


def test_area_names_become_valid_unique_ids() -> None:
    ids = fit.valid_ids(["Town Centre", "town-centre", "Bédford", "  ", "A" * 60])
    assert ids == {
        "Town Centre": "town-centre",
        "town-centre": "town-centre-2",
        "Bédford": "bedford",
        "  ": "area",
        "A" * 60: "a" * 40,
    }
