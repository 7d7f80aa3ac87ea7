"""``--excel FILE.xlsx``: the tables as a workbook, and records as CSV with wall-clock times."""

from __future__ import annotations

import json
import re
from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
from typer.testing import CliRunner

from cli import app
from sim.files import read_records
from tests.helpers import CONFIGS

runner = CliRunner()


def _sheet(path: Path, name: str) -> pd.DataFrame:
    book = openpyxl.load_workbook(path, read_only=True)
    rows = list(book[name].iter_rows(values_only=True))
    return pd.DataFrame(rows[1:], columns=rows[0])


@pytest.fixture(scope="module")
def excel_run(tmp_path_factory) -> tuple[Path, Path]:
    out = tmp_path_factory.mktemp("excel") / "run"
    workbook = out.parent / "book.xlsx"
    result = runner.invoke(
        app,
        ["run", str(CONFIGS / "demo.yaml"), "--days", "1", "--warmup-days", "0.5",
         "--replications", "2", "--records", "--set", "start_date=2024-01-01",
         "--out", str(out), "--excel", str(workbook)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert f"workbook: {workbook}" in " ".join(result.output.split())
    return out, workbook


def test_the_workbook_holds_the_summary_with_units_in_its_headers(excel_run) -> None:
    out, workbook = excel_run
    book = openpyxl.load_workbook(workbook, read_only=True)
    assert book.sheetnames == ["summary", "comparison"]
    sheet = _sheet(workbook, "summary")
    assert list(sheet.columns) == [
        "scenario", "metric", "segment", "statistic", "figure (unit)", "unit",
        "mean", "95% interval, low", "95% interval, high", "replications",
    ]  # fmt: skip
    summary = pd.read_csv(out / "summary.csv", dtype={"segment": str})
    assert len(sheet) == len(summary)
    row = sheet[(sheet["metric"] == "answer_time") & (sheet["segment"] == "101")]
    row = row[row["statistic"] == "p90"].iloc[0]
    expected = summary.query("metric == 'answer_time' and segment == '101' and stat == 'p90'")
    assert row["figure (unit)"] == "p90 answer time (s)"
    assert row["mean"] == pytest.approx(float(expected["mean"].iloc[0]))
    assert row["95% interval, high"] == pytest.approx(float(expected["ci_high"].iloc[0]))
    offered = sheet[(sheet["metric"] == "offered") & (sheet["segment"] == "999")].iloc[0]
    assert offered["figure (unit)"] == "offered (calls)"


def test_records_csv_timestamps_round_trip_to_the_simulated_seconds(excel_run) -> None:
    out, workbook = excel_run
    start = datetime(2024, 1, 1)  # the scenario's start_date: Monday 00:00 is time 0
    calls = read_records(out, "calls")
    csv = pd.concat(
        pd.read_csv(p, keep_default_na=False)
        for p in sorted((workbook.parent / "book-records" / "calls" / "demo").glob("*.csv"))
    )
    assert len(csv) == len(calls)
    for moment in ("arrival", "answered", "abandoned"):
        text = csv[moment].to_numpy()
        seconds = calls[f"{moment}_s"].to_numpy()
        assert ((text == "") == np.isnan(seconds)).all()
        parsed = pd.to_datetime(pd.Series(text[text != ""]), format="%Y-%m-%d %H:%M:%S.%f")
        back = (parsed - start).dt.total_seconds().to_numpy()
        assert np.abs(back - seconds[~np.isnan(seconds)]).max() < 0.001
    # The warm-up is before the Monday: its calls fall on the Sunday.
    assert csv["arrival"].iloc[0].startswith("2023-12-31 12:")
    incidents = pd.read_csv(workbook.parent / "book-records" / "incidents" / "demo" / "00000.csv")
    assert "created" in incidents.columns and "created_s" not in incidents.columns


def test_without_a_start_date_records_start_the_monday_after_the_run(tmp_path) -> None:
    out, workbook = tmp_path / "run", tmp_path / "b.xlsx"
    result = runner.invoke(
        app,
        ["run", str(CONFIGS / "mmc.yaml"), "--days", "0.25", "--warmup-days", "0",
         "--replications", "1", "--records", "--out", str(out), "--excel", str(workbook)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    started = datetime.fromisoformat(json.loads((out / "manifest.json").read_text())["started"])
    monday = started.date() + timedelta(days=7 - started.date().weekday())
    first = pd.read_csv(tmp_path / "b-records" / "calls" / "mmc" / "00000.csv")["arrival"].iloc[0]
    assert date.fromisoformat(first[:10]) == monday


def test_an_excel_path_not_ending_in_xlsx_is_refused_before_anything_runs(tmp_path) -> None:
    result = runner.invoke(
        app,
        ["run", str(CONFIGS / "mmc.yaml"), "--out", str(tmp_path / "r"),
         "--excel", str(tmp_path / "b.csv")],
    )  # fmt: skip
    assert result.exit_code == 2
    assert "--excel" in result.output and "ending in .xlsx" in result.output
    assert not (tmp_path / "r").exists()


def test_a_start_date_that_is_not_a_monday_is_bad_input(tmp_path) -> None:
    result = runner.invoke(
        app, ["validate", str(CONFIGS / "mmc.yaml")]
    )  # a valid file without start_date
    assert result.exit_code == 0
    result = runner.invoke(
        app,
        ["run", str(CONFIGS / "mmc.yaml"), "--set", "start_date=2024-01-02",
         "--out", str(tmp_path / "r")],
    )  # fmt: skip
    assert result.exit_code == 2
    assert "start_date: is a Tuesday; expected a Monday" in " ".join(result.output.split())


def test_staff_writes_requirement_and_roster_sheets_with_clock_times(tmp_path) -> None:
    workbook = tmp_path / "staff.xlsx"
    result = runner.invoke(
        app,
        ["staff", str(CONFIGS / "mmc.yaml"), "--pool", "handlers",
         "--target", "answer_time:101:p90<=60", "--interval", "60",
         "--set", "days=2", "--set", "replications=2",
         "--out", str(tmp_path / "staff"), "--excel", str(workbook)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    book = openpyxl.load_workbook(workbook, read_only=True)
    assert book.sheetnames == ["requirement", "roster"]
    requirement = _sheet(workbook, "requirement")
    assert requirement["starts"].iloc[0] == "Mon 00:00"
    assert requirement["starts"].iloc[33] == "Tue 09:00"
    assert requirement["ends"].iloc[-1] == "Mon 00:00"
    assert "arrivals per hour" in requirement.columns
    assert "verified requirement (handlers)" in requirement.columns
    csv = pd.read_csv(tmp_path / "staff" / "requirement.csv")
    assert requirement["verified requirement (handlers)"].tolist() == csv["required_staff"].tolist()
    roster = _sheet(workbook, "roster")
    assert len(roster) > 0
    assert all(len(s) == 5 and s[2] == ":" for s in roster["starts"])
    printed = re.search(r"([\d,]+\.\d) paid hours,", " ".join(result.output.split()))
    assert printed, result.output
    assert roster["paid hours a week"].sum() == pytest.approx(
        float(printed.group(1).replace(",", "")), abs=0.05
    )
