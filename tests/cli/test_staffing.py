"""The staff command end to end: exit codes and messages, the files it writes."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from cli import app
from sim.config import load_scenario
from sim.planning.rostering import roster_cover
from tests.helpers import CONFIGS
from tests.planning.test_staffing import BAD_TARGETS
from tests.planning.test_staffing_units import HOURLY, units_raw

runner = CliRunner()
MMC = str(CONFIGS / "mmc.yaml")
DEMO = str(CONFIGS / "demo.yaml")


@pytest.mark.parametrize(("text", "named"), BAD_TARGETS)
def test_bad_targets_exit_2_naming_the_problem(text: str, named: str) -> None:
    result = runner.invoke(app, ["staff", MMC, "--pool", "handlers", "--target", text])
    assert result.exit_code == 2
    assert "--target" in result.output and named in result.output


def test_unreachable_target_exits_2() -> None:
    result = runner.invoke(
        app,
        ["staff", MMC, "--pool", "handlers", "--target", "answered_within_target:101>=99",
         "--max-staff", "11", "--set", "days=1", "--out", "unused"],
    )  # fmt: skip
    assert result.exit_code == 2
    assert "not reachable with 11 handlers" in result.output


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["--area", "suburb", "--target", "attendance_time:grade2<=60"], "suburb"),
        (["--area", "urban", "--target", "attendance_time:grade9<=60"], "grade9"),
        (["--area", "urban", "--target", "attended_within_target:grade1/urban>=190"], "190"),
        (["--target", "attendance_time:grade2<=60"], "--pool/--area"),
        (["--pool", "main", "--area", "urban", "--target", "x:y<=1"], "--pool/--area"),
    ],
)
def test_bad_area_or_target_exits_2_naming_it(args: list[str], named: str) -> None:
    result = runner.invoke(app, ["staff", DEMO, *args])
    assert result.exit_code == 2, result.output
    assert named in result.output


def test_cli_writes_a_units_roster_that_covers_and_drops_in(tmp_path: Path) -> None:
    travel = {"distribution": "lognormal", "median_s": 300, "p90_s": 600}
    raw = units_raw(
        60_000, {"grade1": 0.5, "grade2": 0.5}, travel=travel, hourly=HOURLY, days=14,
        replications=3,
    )  # fmt: skip
    path = tmp_path / "units.yaml"
    path.write_text(yaml.safe_dump(raw))
    out = tmp_path / "out"
    result = runner.invoke(
        app,
        ["staff", str(path), "--area", "urban", "--out", str(out),
         "--target", "attended_within_target:grade1/urban>=85",
         "--target", "attendance_time:grade2:p90<=60"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "unit-hours" in result.output
    for name in ("requirement.csv", "verification.csv", "roster.yaml", "scenario.yaml"):
        assert (out / name).is_file()
    req = pd.read_csv(out / "requirement.csv")
    assert (req["rostered_cover"] >= req["required_staff"]).all()
    block = yaml.safe_load((out / "roster.yaml").read_text())["roster"]
    assert all(shift["length_hours"] == 10.0 for shift in block["shifts"])
    cover = roster_cover(block, 60)
    assert (cover >= req["required_staff"].to_numpy()).all()
    # Removing any one shift breaks cover.
    for i, shift in enumerate(block["shifts"]):
        fewer = [dict(s) for s in block["shifts"]]
        fewer[i]["count"] -= 1
        if fewer[i]["count"] == 0:
            del fewer[i]
        thinner = roster_cover({**block, "shifts": fewer, "allow_gaps": True}, 60)
        assert (thinner < req["required_staff"].to_numpy()).any(), shift
    staffed = load_scenario(out / "scenario.yaml")
    units = staffed.forces["f"].areas["urban"].units.staff_per_minute()
    assert (units.reshape(168, 60).min(axis=1) == cover).all()


def test_staff_command_writes_a_roster_and_refuses_an_impossible_one(tmp_path: Path) -> None:
    base = ["staff", MMC, "--pool", "handlers", "--target", "answered_within_target:101>=80",
            "--interval", "60", "--set", "days=2", "--set", "replications=2"]  # fmt: skip
    out = tmp_path / "out"
    result = runner.invoke(app, [*base, "--out", str(out)])
    assert result.exit_code == 0, result.output
    for name in ("requirement.csv", "verification.csv", "roster.yaml", "scenario.yaml",
                 "manifest.json", "iterations.csv", "spread.csv"):  # fmt: skip
        assert (out / name).exists(), name
    assert "paid hours" in result.output
    check = runner.invoke(app, ["validate", str(out / "scenario.yaml")])
    assert check.exit_code == 0, check.output

    shifts = tmp_path / "shifts.yaml"
    shifts.write_text(
        "patterns:\n"
        "  - {name: day, start: '07:00', length_hours: 12, max: 5}\n"
        "  - {name: night, start: '19:00', length_hours: 12, max: 5}\n"
    )
    result = runner.invoke(app, [*base, "--shifts", str(shifts), "--out", str(tmp_path / "x")])
    assert result.exit_code == 2
    assert f"{shifts}: patterns: cannot cover the requirement" in result.output
    assert re.search(r"mon 00:00 needs 14, at most 5, .* and \d+ more intervals", result.output)


def test_staff_on_a_dask_cluster_gives_the_same_requirement(tmp_path: Path, dask_cluster) -> None:
    """``--scheduler``: every verification simulation runs on the cluster, results unchanged."""
    base = ["staff", MMC, "--pool", "handlers", "--target", "answered_within_target:101>=80",
            "--interval", "60", "--set", "days=2", "--set", "replications=2"]  # fmt: skip
    here = runner.invoke(app, [*base, "--out", str(tmp_path / "here")])
    there = runner.invoke(
        app, [*base, "--scheduler", dask_cluster.scheduler_address, "--out", str(tmp_path / "dask")]
    )
    assert here.exit_code == 0, here.output
    assert there.exit_code == 0, there.output
    for name in ("requirement.csv", "verification.csv", "roster.yaml"):
        assert (tmp_path / "here" / name).read_bytes() == (tmp_path / "dask" / name).read_bytes()


def test_infeasible_shifts_exit_2_before_any_simulation(tmp_path: Path, monkeypatch) -> None:
    """The analytic estimate already cannot be rostered: exit 2 in seconds, nothing simulated."""
    import time

    from sim.planning import search

    def no_simulation(*args, **kwargs):
        raise AssertionError("simulated before the feasibility check")

    monkeypatch.setattr(search.TrialRunner, "run", no_simulation)
    shifts = tmp_path / "shifts.yaml"
    shifts.write_text(
        "patterns:\n"
        "  - {name: day, start: '07:00', length_hours: 12, max: 5}\n"
        "  - {name: night, start: '19:00', length_hours: 12, max: 5}\n"
    )
    started = time.perf_counter()
    result = runner.invoke(
        app,
        ["staff", DEMO, "--pool", "contact_centre", "--target", "answered_within_target:999>=90",
         "--shifts", str(shifts), "--out", str(tmp_path / "out")],
    )  # fmt: skip
    assert result.exit_code == 2, result.output
    assert time.perf_counter() - started < 30
    assert f"{shifts}: patterns: cannot cover the requirement" in result.output
    assert re.search(r"\w{3} \d\d:\d\d needs \d+, at most 5", result.output)
    assert re.search(r"short by [\d,.]+ people-hours a week", result.output)
    assert not (tmp_path / "out").exists()


def test_roster_keeps_to_max_starts_and_reports_paid_hours(tmp_path: Path) -> None:
    base = ["staff", MMC, "--pool", "handlers", "--target", "answered_within_target:101>=80",
            "--interval", "60", "--set", "days=2", "--set", "replications=2",
            "--max-replications", "4"]  # fmt: skip
    shifts = tmp_path / "shifts.yaml"
    shifts.write_text(
        "patterns:\n"
        "  - {name: a, starts: ['06:00', '07:00', '08:00', '14:00', '15:00', '22:00'],"
        " length_hours: 8.5, break_minutes: 30}\n"
    )
    out = tmp_path / "out"
    result = runner.invoke(app, [*base, "--shifts", str(shifts), "--max-starts", "3",
                                 "--out", str(out)])  # fmt: skip
    assert result.exit_code == 0, result.output
    block = yaml.safe_load((out / "roster.yaml").read_text())["roster"]
    assert len({s["start"] for s in block["shifts"]}) <= 3
    assert "paid hours" in result.output and "on the requirement's" in result.output


def test_demo_default_roster_uses_its_own_shift_times_and_max_starts(tmp_path: Path) -> None:
    """No ``--shifts``: the demo is rostered on its own shifts' start times and lengths only.

    End to end on the demo itself (one week, a short search: the roster's
    shape, not the requirement's precision, is under test): at most
    ``--max-starts`` distinct start times, all of them the scenario's, each
    shift as long as the scenario's, and the paid hours reported against the
    requirement's minimum and the current roster.
    """
    demo = load_scenario(DEMO)
    own = {(s.start, s.length_hours) for s in demo.handler_pools["contact_centre"].roster.shifts}
    assert len({start for start, _ in own}) == 4  # early, middle, late, night
    out = tmp_path / "out"
    result = runner.invoke(
        app,
        ["staff", DEMO, "--pool", "contact_centre", "--target", "answered_within_target:999>=90",
         "--set", "days=7", "--set", "warmup_days=1", "--set", "replications=2",
         "--max-replications", "3", "--max-starts", "3", "--out", str(out)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    shifts = load_scenario(out / "scenario.yaml").handler_pools["contact_centre"].roster.shifts
    used = {(s.start, s.length_hours) for s in shifts}
    assert used <= own, used
    assert len({start for start, _ in used}) <= 3
    paid = re.search(r"([\d,.]+) paid hours, \+[\d.]+% on the requirement's ([\d,.]+) "
                     r"\(current roster ([\d,.]+)\)", result.output)  # fmt: skip
    assert paid, result.output
    hours = sum(s.count * s.length_hours * len(s.days) for s in shifts)
    assert float(paid.group(1).replace(",", "")) == pytest.approx(hours)
    assert "roster from the scenario's own shifts" in result.output
    # The roster covers the rostered requirement in every interval.
    requirement = pd.read_csv(out / "requirement.csv")
    assert (requirement["rostered_cover"] >= requirement["required_rostered"]).all()
