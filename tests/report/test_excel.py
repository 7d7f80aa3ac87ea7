"""The workbook's sheets and the records' wall-clock times (sim.report.excel), unit by unit."""

from __future__ import annotations

from datetime import date, datetime

import numpy as np
import pandas as pd
import pytest

from sim.errors import InputError
from sim.report.excel import (
    clock_label,
    label_with_unit,
    next_monday,
    requirement_sheet,
    results_sheets,
    roster_sheet,
    with_wall_clock,
)


def test_clock_labels_count_minutes_from_monday_midnight() -> None:
    assert clock_label(0) == "Mon 00:00"
    assert clock_label(8 * 60 + 30) == "Mon 08:30"
    assert clock_label(6 * 24 * 60 + 23 * 60 + 45) == "Sun 23:45"
    assert clock_label(7 * 24 * 60) == "Mon 00:00"  # the end of the week is the next Monday


def test_label_with_units_carry_their_unit() -> None:
    assert label_with_unit("answer_time", "p90", "s") == "p90 answer time (s)"
    assert label_with_unit("offered", "count", "calls") == "offered (calls)"
    assert label_with_unit("not_a_metric", "value", "%") == "not_a_metric (%)"


def test_requirement_intervals_become_clock_times() -> None:
    requirement = pd.DataFrame({"interval": range(336), "required_staff": 3, "aht_s": 300.0})
    sheet = requirement_sheet(requirement, "units")
    assert sheet["starts"].iloc[17] == "Mon 08:30"
    assert sheet["ends"].iloc[17] == "Mon 09:00"
    assert list(sheet.columns) == [
        "starts", "ends", "verified requirement (units)", "mean handling time (s)",
    ]  # fmt: skip


def test_roster_start_read_by_yaml_as_base_60_is_a_clock_time() -> None:
    # PyYAML reads `start: 06:30` as 390 (YAML 1.1 base 60).
    roster = {"roster": {"shifts": [
        {"name": "early", "start": 390, "length_hours": 8.5, "break_minutes": 30,
         "count": 4, "days": ["mon", "tue"]},
        {"name": "night", "start": "22:00", "length_hours": 10, "count": 2},
    ]}}  # fmt: skip
    sheet = roster_sheet(roster)
    assert sheet["starts"].tolist() == ["06:30", "22:00"]
    assert sheet["days"].iloc[0] == "Mon, Tue"
    assert sheet["paid hours a week"].tolist() == [8 * 4 * 2, 10 * 2 * 7]


def test_moments_become_timestamps_and_durations_stay_seconds() -> None:
    records = pd.DataFrame(
        {"arrival_s": [-3600.0, 90.25], "answered_s": [np.nan, 100.0], "talk_s": [5.0, 6.0]}
    )
    frame = with_wall_clock(records, datetime(2024, 1, 1))
    assert list(frame.columns) == ["arrival", "answered", "talk_s"]
    assert frame["arrival"].tolist() == ["2023-12-31 23:00:00.000", "2024-01-01 00:01:30.250"]
    assert frame["answered"].tolist() == ["", "2024-01-01 00:01:40.000"]


def test_the_next_monday_is_after_the_day() -> None:
    assert next_monday(date(2026, 12, 1)) == date(2026, 12, 7)  # a Tuesday
    assert next_monday(date(2026, 12, 7)) == date(2026, 12, 14)  # a Monday: the next one


def test_a_folder_without_results_is_bad_input(tmp_path) -> None:
    with pytest.raises(InputError, match="expected a results directory"):
        results_sheets(tmp_path)


def test_a_requirement_the_confirmation_did_not_hold_is_named_not_verified(tmp_path) -> None:
    from sim.report.excel import results_sheets
    from sim.report.staffing import requirement_figure

    requirement = pd.DataFrame(
        {"interval": [0, 1], "label": ["Mon 00:00-00:30", "Mon 00:30-01:00"],
         "sipp_staff": [3, 3], "required_staff": [4, 5]}
    )  # fmt: skip
    verification = pd.DataFrame(
        {"method": ["fmmw"] * 4, "stage": ["search", "search", "confirmation", "confirmation"],
         "held": [True, True, True, False]}
    )  # fmt: skip
    requirement.to_csv(tmp_path / "requirement.csv", index=False)
    verification.to_csv(tmp_path / "verification.csv", index=False)
    sheet = results_sheets(tmp_path)["requirement"]
    assert "NOT verified requirement (handlers)" in sheet.columns
    verification.assign(held=True).to_csv(tmp_path / "verification.csv", index=False)
    assert "verified requirement (handlers)" in results_sheets(tmp_path)["requirement"].columns
    names = [trace.name for trace in requirement_figure(requirement, verified=False).data]
    assert "FMMW requirement, NOT verified (taking calls)" in names
