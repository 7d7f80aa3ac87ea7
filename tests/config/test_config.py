"""The configuration layer: every bad input is reported, one line per problem.

DESIGN §3: ``demandsim validate FILE`` and ``demandsim run FILE --set ...`` print
every problem as ``FILE: field.path: what is wrong; what is expected`` and exit 2;
exit 1 is only for a genuine bug, and there is never a traceback. Each test here
feeds one kind of mistake to :func:`sim.config.load_scenario` (the file, and any
``--set`` overrides, as the commands read them) and checks the file, the field
path and the expectation in the message; ``tests/cli/test_config.py`` checks
what the command line makes of them (exit codes, printing, nothing written).
The derived quantities (profile weights, staff per minute, shrinkage, lognormal
parameters) are checked against independent computations.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from sim.config import (
    HandlerPool,
    InputError,
    LognormalTime,
    Profile,
    Roster,
    load_scenario,
    read_yaml_file,
    scenario_from_dict,
)
from tests.config.problems import (
    DEMO,
    assert_bad,
    channel,
    demo_raw,
    pool,
    problem_lines,
    write,
)

ROOT = Path(__file__).resolve().parents[2]
CONFIGS = ROOT / "configs"

# --------------------------------------------------------------------------- helpers


@dataclass(frozen=True)
class Checked:
    """What checking a scenario found, as the commands report it.

    ``exit_code`` is the one ``demandsim validate`` or ``run`` gives (0 valid,
    2 bad input) and ``stderr`` the lines they print, one per problem.
    """

    exit_code: int
    stderr: str = ""

    @property
    def output(self) -> str:
        return self.stderr


def check(path: Path | str, overrides: Sequence[str] = ()) -> Checked:
    """Load a scenario file with ``--set`` overrides; any other exception propagates."""
    try:
        load_scenario(path, overrides)
    except InputError as exc:
        return Checked(2, "\n".join(str(p) for p in exc.problems))
    return Checked(0)


def validate_data(tmp_path: Path, content: dict[str, Any] | str) -> tuple[Checked, Path]:
    path = write(tmp_path, content)
    return check(path), path


# --------------------------------------------------------------------------- shipped configs


@pytest.mark.parametrize("name", ["demo.yaml", "mmc.yaml"])
def test_shipped_configs_validate(name: str) -> None:
    result = check(CONFIGS / name)
    assert result.exit_code == 0, result.output
    assert load_scenario(CONFIGS / name).name == name.removesuffix(".yaml")


def test_unquoted_channel_keys_are_read_as_names(tmp_path: Path) -> None:
    text = DEMO.read_text().replace('"999":', "999:").replace('"101":', "101:")
    text = text.replace('serves: ["999", "101"]', "serves: [999, 101]")
    assert "\n      999:" in text and "serves: [999, 101]" in text
    path = write(tmp_path, text)
    raw = read_yaml_file(path)
    assert set(raw["forces"]["demo"]["channels"]) == {"999", "101"}
    scenario = load_scenario(path)
    assert set(scenario.forces["demo"].channels) == {"999", "101"}
    assert scenario.handler_pools["contact_centre"].serves == ["999", "101"]
    assert check(path).exit_code == 0


def test_keys_are_read_as_written(tmp_path: Path) -> None:
    raw = read_yaml_file(write(tmp_path, "yes: 1\n0x10: 2\n~: 3\n1.50: 4\n"))
    assert list(raw) == ["yes", "0x10", "~", "1.50"]


def test_default_answer_targets() -> None:
    raw = demo_raw()
    for name in ("999", "101"):
        del channel(raw, name)["answer_target_s"]
    force = scenario_from_dict(raw).forces["demo"]
    assert force.target_s("999") == 10.0
    assert force.target_s("101") == 120.0


# --------------------------------------------------------------------------- unknown keys, types


def test_unknown_top_level_key(tmp_path: Path) -> None:
    raw = demo_raw()
    raw["replicatons"] = 3
    result, path = validate_data(tmp_path, raw)
    assert_bad(result, path, "replicatons", "unknown field", "check the spelling")
    assert len(problem_lines(result)) == 1


def test_unknown_nested_key(tmp_path: Path) -> None:
    raw = demo_raw()
    channel(raw)["handlin"] = channel(raw).pop("handling")
    result, path = validate_data(tmp_path, raw)
    assert_bad(result, path, "forces.demo.channels.999.handlin", "unknown field")
    assert_bad(result, path, "forces.demo.channels.999.handling", "missing", "required")


def test_string_where_a_number_is_expected(tmp_path: Path) -> None:
    raw = demo_raw()
    channel(raw)["volume_per_year"] = "lots"
    result, path = validate_data(tmp_path, raw)
    assert_bad(
        result, path, "forces.demo.channels.999.volume_per_year", "'lots'", "expected a number"
    )


@pytest.mark.parametrize("word", ["yes", "true", "off"])
def test_yaml_boolean_is_not_a_number(tmp_path: Path, word: str) -> None:
    text = DEMO.read_text().replace("days: 28 ", f"days: {word} ")
    result, path = validate_data(tmp_path, text)
    assert_bad(result, path, "days", "expected a number")


def test_fraction_where_a_whole_number_is_expected(tmp_path: Path) -> None:
    raw = demo_raw()
    pool(raw)["roster"]["shifts"][0]["count"] = 5.5
    result, path = validate_data(tmp_path, raw)
    assert_bad(
        result, path, "handler_pools.contact_centre.roster.shifts.0.count", "5.5", "whole number"
    )


def test_list_where_a_section_is_expected_and_vice_versa(tmp_path: Path) -> None:
    raw = demo_raw()
    channel(raw)["profile"] = [1, 2, 3]
    pool(raw)["serves"] = {"999": True}
    result, path = validate_data(tmp_path, raw)
    assert_bad(result, path, "forces.demo.channels.999.profile", "is a list", "expected a section")
    assert_bad(result, path, "handler_pools.contact_centre.serves", "expected a list")


def test_negative_rate(tmp_path: Path) -> None:
    raw = demo_raw()
    channel(raw)["volume_per_year"] = -5
    result, path = validate_data(tmp_path, raw)
    assert_bad(
        result, path, "forces.demo.channels.999.volume_per_year", "is -5", "expected 0 or more"
    )


@pytest.mark.parametrize("literal", [".nan", ".inf", "-.inf", ".NaN"])
def test_non_finite_numbers(tmp_path: Path, literal: str) -> None:
    text = DEMO.read_text().replace("volume_per_year: 162000", f"volume_per_year: {literal}")
    result, path = validate_data(tmp_path, text)
    assert_bad(result, path, "forces.demo.channels.999.volume_per_year", "expected a finite number")


def test_number_too_large(tmp_path: Path) -> None:
    raw = demo_raw()
    raw["seed"] = 10**40
    channel(raw, "101")["volume_per_year"] = 1e308
    result, path = validate_data(tmp_path, raw)
    assert_bad(result, path, "seed", "expected less than")
    assert_bad(result, path, "forces.demo.channels.101.volume_per_year", "expected at most")


def test_enormous_integer_is_described_not_printed(tmp_path: Path) -> None:
    # Hex integers have no digit limit in Python; repr() of one would raise.
    text = DEMO.read_text().replace("seed: 20181116", "seed: 0x" + "f" * 5000)
    result, path = validate_data(tmp_path, text)
    line = assert_bad(result, path, "seed", "digits", "expected less than")
    assert len(line) < 300


# --------------------------------------------------------------------------- profiles


def test_hourly_profile_of_the_wrong_length(tmp_path: Path) -> None:
    raw = demo_raw()
    channel(raw)["profile"]["hourly"] = [1.0] * 23
    result, path = validate_data(tmp_path, raw)
    assert_bad(
        result,
        path,
        "forces.demo.channels.999.profile.hourly",
        "has 23 values",
        "expected 24",
        "hour of the day",
    )


def test_hour_of_week_profile_of_the_wrong_length(tmp_path: Path) -> None:
    raw = demo_raw()
    channel(raw)["profile"] = {"hour_of_week": [1.0] * 100}
    result, path = validate_data(tmp_path, raw)
    assert_bad(
        result,
        path,
        "forces.demo.channels.999.profile.hour_of_week",
        "has 100 values",
        "expected 168",
    )


def test_daily_profile_of_the_wrong_length_and_all_zero(tmp_path: Path) -> None:
    raw = demo_raw()
    channel(raw)["profile"]["daily"] = [1.0] * 6
    channel(raw, "101")["profile"]["hourly"] = [0] * 24
    result, path = validate_data(tmp_path, raw)
    assert_bad(result, path, "forces.demo.channels.999.profile.daily", "has 6", "expected 7")
    assert_bad(
        result, path, "forces.demo.channels.101.profile.hourly", "all weights are zero", "positive"
    )


def test_profile_in_both_forms(tmp_path: Path) -> None:
    raw = demo_raw()
    channel(raw)["profile"]["hour_of_week"] = [1.0] * 168
    result, path = validate_data(tmp_path, raw)
    assert_bad(result, path, "forces.demo.channels.999.profile", "not both")


# --------------------------------------------------------------------------- rosters


def test_staff_list_of_the_wrong_length(tmp_path: Path) -> None:
    raw = demo_raw()
    pool(raw)["roster"] = {"staff": [10] * 100}
    result, path = validate_data(tmp_path, raw)
    assert_bad(
        result,
        path,
        "handler_pools.contact_centre.roster.staff",
        "has 100 values",
        "expected 168",
        "or a single number",
    )


def test_staff_list_length_follows_the_interval(tmp_path: Path) -> None:
    raw = demo_raw()
    pool(raw)["roster"] = {"interval_minutes": 30, "staff": [10] * 168}
    result, path = validate_data(tmp_path, raw)
    assert_bad(
        result, path, "handler_pools.contact_centre.roster.staff", "expected 336", "30-minute"
    )


def test_staff_of_the_wrong_type(tmp_path: Path) -> None:
    raw = demo_raw()
    pool(raw)["roster"] = {"staff": "twelve"}
    result, path = validate_data(tmp_path, raw)
    line = assert_bad(result, path, "handler_pools.contact_centre.roster.staff", "whole number")
    assert len(problem_lines(result)) == 1, result.stderr  # one line, not one per union member
    assert "constrained" not in line and "list[" not in line


def test_staff_list_with_a_bad_entry(tmp_path: Path) -> None:
    raw = demo_raw()
    pool(raw)["roster"] = {"staff": [10] * 5 + ["x"] + [10] * 162}
    result, path = validate_data(tmp_path, raw)
    assert_bad(result, path, "handler_pools.contact_centre.roster.staff.5", "'x'", "whole number")
    assert len(problem_lines(result)) == 1, result.stderr


def test_shifts_that_leave_a_gap(tmp_path: Path) -> None:
    raw = demo_raw()
    del pool(raw)["roster"]["shifts"][3]  # no night shift: nobody 23:30-07:00
    result, path = validate_data(tmp_path, raw)
    assert_bad(
        result,
        path,
        "handler_pools.contact_centre.roster.shifts",
        "leaves nobody on duty",
        "Mon 00:00–Mon 07:00",
        "allow_gaps",
    )


def test_gaps_allowed_when_asked(tmp_path: Path) -> None:
    raw = demo_raw()
    del pool(raw)["roster"]["shifts"][3]
    pool(raw)["roster"]["allow_gaps"] = True
    result, _ = validate_data(tmp_path, raw)
    assert result.exit_code == 0, result.output


def test_empty_shifts(tmp_path: Path) -> None:
    raw = demo_raw()
    pool(raw)["roster"]["shifts"] = []
    result, path = validate_data(tmp_path, raw)
    assert_bad(result, path, "handler_pools.contact_centre.roster.shifts", "is empty", "one shift")


@pytest.mark.parametrize(
    "roster", [{}, {"staff": 5, "shifts": [{"start": "00:00", "length_hours": 24, "count": 5}]}]
)
def test_roster_needs_staff_or_shifts(tmp_path: Path, roster: dict[str, Any]) -> None:
    raw = demo_raw()
    pool(raw)["roster"] = roster
    result, path = validate_data(tmp_path, raw)
    assert_bad(result, path, "handler_pools.contact_centre.roster", "either staff", "or shifts")


def test_zero_staff_is_a_gap(tmp_path: Path) -> None:
    raw = demo_raw()
    pool(raw)["roster"] = {"staff": 0}
    result, path = validate_data(tmp_path, raw)
    assert_bad(result, path, "handler_pools.contact_centre.roster.staff", "all week")


@pytest.mark.parametrize("start", ["25:00", "7:00", "07:60", "noon", ""])
def test_bad_clock_time(tmp_path: Path, start: str) -> None:
    raw = demo_raw()
    pool(raw)["roster"]["shifts"][0]["start"] = start
    result, path = validate_data(tmp_path, raw)
    assert_bad(
        result,
        path,
        "handler_pools.contact_centre.roster.shifts.0.start",
        "expected a clock time",
    )


def test_unquoted_clock_time_read_as_base_60_number(tmp_path: Path) -> None:
    # YAML 1.1 reads an unquoted 23:00 as 23 * 60 = 1380.
    text = DEMO.read_text().replace('start: "23:00"', "start: 23:00")
    assert "start: 23:00," in text
    result, path = validate_data(tmp_path, text)
    assert_bad(
        result,
        path,
        "handler_pools.contact_centre.roster.shifts.3.start",
        "1380",
        'in quotes, e.g. "23:00"',
    )


def test_unknown_day_name(tmp_path: Path) -> None:
    raw = demo_raw()
    pool(raw)["roster"]["shifts"][0]["days"] = ["mon", "Tuesday"]
    result, path = validate_data(tmp_path, raw)
    assert_bad(
        result, path, "handler_pools.contact_centre.roster.shifts.0.days.1", "'Tuesday'", "'tue'"
    )


# --------------------------------------------------------------------------- channels and pools


def test_patience_on_a_channel_that_does_not_exist(tmp_path: Path) -> None:
    raw = demo_raw()
    raw["forces"]["demo"]["channels"]["Crime Line"] = {
        "patience": {"distribution": "exponential", "mean_s": 60}
    }
    result, path = validate_data(tmp_path, raw)
    assert_bad(
        result,
        path,
        "forces.demo.channels.'Crime Line'",
        "'Crime Line' is not a valid channel id",
        "expected an identifier",
    )
    # One line for the bad name: not also the fields missing under it.
    assert len(problem_lines(result)) == 1, result.stderr


def test_pool_serving_a_channel_that_does_not_exist(tmp_path: Path) -> None:
    raw = demo_raw()
    pool(raw)["serves"] = ["999", "101", "111"]
    result, path = validate_data(tmp_path, raw)
    assert_bad(
        result,
        path,
        "handler_pools.contact_centre.serves.2",
        "'111' is not a channel of this scenario",
        "expected one of 101, 999, demo/101, demo/999",
    )


def test_channel_with_calls_that_no_pool_serves(tmp_path: Path) -> None:
    raw = demo_raw()
    pool(raw)["serves"] = ["999"]
    result, path = validate_data(tmp_path, raw)
    assert_bad(
        result,
        path,
        "forces.demo.channels.101",
        "no handler pool serves it",
        "handler_pools.*.serves",
    )


def test_channel_without_calls_need_not_be_served(tmp_path: Path) -> None:
    raw = demo_raw()
    pool(raw)["serves"] = ["999"]
    channel(raw, "101")["volume_per_year"] = 0
    result, _ = validate_data(tmp_path, raw)
    assert result.exit_code == 0, result.output


def test_bad_force_id_is_reported_once(tmp_path: Path) -> None:
    raw = demo_raw()
    raw["forces"] = {"Thames Valley": raw["forces"]["demo"]}
    pool(raw)["serves"] = ["999", "101"]
    result, path = validate_data(tmp_path, raw)
    assert_bad(
        result, path, "forces.'Thames Valley'", "not a valid force id", "expected an identifier"
    )
    assert len(problem_lines(result)) == 1, result.stderr


# --------------------------------------------------------------------------- distributions


def test_lognormal_with_only_one_parameter(tmp_path: Path) -> None:
    raw = demo_raw()
    channel(raw)["handling"] = {"distribution": "lognormal", "median_s": 240}
    channel(raw, "101")["handling"] = {"distribution": "lognormal", "mean_s": 360}
    result, path = validate_data(tmp_path, raw)
    assert_bad(
        result, path, "forces.demo.channels.999.handling.p90_s", "missing", "median_s and p90_s"
    )
    assert_bad(result, path, "forces.demo.channels.101.handling.sd_s", "missing", "mean_s and sd_s")


def test_lognormal_with_both_pairs_or_none(tmp_path: Path) -> None:
    raw = demo_raw()
    channel(raw)["handling"] |= {"mean_s": 300, "sd_s": 100}
    channel(raw, "101")["handling"] = {"distribution": "lognormal"}
    result, path = validate_data(tmp_path, raw)
    assert_bad(result, path, "forces.demo.channels.999.handling", "either", "not both")
    assert_bad(result, path, "forces.demo.channels.101.handling", "needs mean_s and sd_s")


def test_lognormal_p90_below_median(tmp_path: Path) -> None:
    raw = demo_raw()
    channel(raw)["handling"] = {"distribution": "lognormal", "median_s": 240, "p90_s": 200}
    result, path = validate_data(tmp_path, raw)
    assert_bad(
        result,
        path,
        "forces.demo.channels.999.handling.p90_s",
        "is 200",
        "expected a value above median_s (240)",
    )


@pytest.mark.parametrize(
    ("spec", "field"),
    [
        ({"median_s": 1e-300, "p90_s": 1e7}, "p90_s"),
        ({"mean_s": 1e-300, "sd_s": 1e7}, "sd_s"),
    ],
)
def test_lognormal_spread_that_would_overflow(
    tmp_path: Path, spec: dict[str, float], field: str
) -> None:
    # Used to raise OverflowError (exit 1) in Redial's delay check.
    raw = demo_raw()
    channel(raw)["redial"]["delay"] = {"distribution": "lognormal", **spec}
    result, path = validate_data(tmp_path, raw)
    assert_bad(
        result, path, f"forces.demo.channels.999.redial.delay.{field}", "expected at most 100 times"
    )


def test_unknown_distribution(tmp_path: Path) -> None:
    raw = demo_raw()
    channel(raw)["handling"] = {"distribution": "gamma", "mean_s": 240}
    result, path = validate_data(tmp_path, raw)
    assert_bad(
        result,
        path,
        "forces.demo.channels.999.handling",
        "distribution 'gamma' is not known",
        "'exponential', 'lognormal', 'constant'",
    )


def test_distribution_without_a_name(tmp_path: Path) -> None:
    raw = demo_raw()
    channel(raw)["handling"] = {"mean_s": 240}
    result, path = validate_data(tmp_path, raw)
    assert_bad(result, path, "forces.demo.channels.999.handling", "has no 'distribution'")


def test_zero_redial_delay(tmp_path: Path) -> None:
    raw = demo_raw()
    channel(raw)["redial"]["delay"] = {"distribution": "constant", "value_s": 0}
    result, path = validate_data(tmp_path, raw)
    assert_bad(result, path, "forces.demo.channels.999.redial.delay", "positive redial delay")


# --------------------------------------------------------------------------- files and YAML


def test_yaml_syntax_error_names_the_line(tmp_path: Path) -> None:
    result, path = validate_data(tmp_path, "name: demo\ndays: 28\nforces: [1, 2\n")
    assert_bad(result, path, "line 4, column 1", "not valid YAML")


def test_yaml_indentation_error_names_the_line(tmp_path: Path) -> None:
    result, path = validate_data(tmp_path, "name: demo\n  days: 28\n")
    assert_bad(result, path, "line 2, column 7", "not valid YAML")


def test_duplicate_key(tmp_path: Path) -> None:
    text = DEMO.read_text().replace("days: 28 ", "days: 14\ndays: 28 ")
    result, path = validate_data(tmp_path, text)
    second = text.splitlines().index(next(x for x in text.splitlines() if x.startswith("days: 28")))
    assert_bad(result, path, f"line {second + 1}, column 1", "duplicate key 'days'")


def test_duplicate_nested_key(tmp_path: Path) -> None:
    result, path = validate_data(tmp_path, "forces:\n  a:\n    name: x\n    name: y\n")
    assert_bad(result, path, "line 4, column 5", "duplicate key 'name'")


def test_merge_keys_are_allowed_and_may_be_overridden(tmp_path: Path) -> None:
    # Anchors and `<<:` merges let a planner share a block; an explicit key wins.
    text = DEMO.read_text().replace(
        "handler_pools:",
        "handler_pools:\n  backup:\n    <<: &cc\n      serves: ['999']\n"
        "      roster: {staff: 2}\n    shrinkage: 0.1\n    serves: ['101']",
    )
    path = write(tmp_path, text)
    scenario = load_scenario(path)
    assert scenario.handler_pools["backup"].serves == ["101"]
    assert scenario.handler_pools["backup"].shrinkage == 0.1


def test_key_that_is_a_list(tmp_path: Path) -> None:
    result, path = validate_data(tmp_path, "name: x\n[1, 2]: 3\n")
    assert_bad(result, path, "line 2, column 1", "used as a key", "expected a name")


@pytest.mark.parametrize(
    ("text", "kind"),
    [("- a\n- b\n", "is a list"), ("just text\n", "is text"), ("42\n", "is a number")],
)
def test_file_that_is_not_a_mapping(tmp_path: Path, text: str, kind: str) -> None:
    result, path = validate_data(tmp_path, text)
    line = assert_bad(result, path, "", kind, "expected a mapping of scenario fields")
    # The kind of document only: its content is never echoed.
    assert "just" not in line and "42" not in line and "'a'" not in line


@pytest.mark.parametrize("text", ["", "\n\n", "# only a comment\n", "---\n"])
def test_empty_file(tmp_path: Path, text: str) -> None:
    result, path = validate_data(tmp_path, text)
    assert_bad(result, path, "", "is empty", "expected a mapping")


def test_directory_instead_of_a_file(tmp_path: Path) -> None:
    result = check(tmp_path)
    assert_bad(result, tmp_path, "", "is a folder")


def test_file_that_is_not_text(tmp_path: Path) -> None:
    path = tmp_path / "binary.yaml"
    path.write_bytes(b"name: \xff\xfe\x00\x81\n")
    result = check(path)
    assert_bad(result, path, "", "not UTF-8")


def test_control_character_in_the_file(tmp_path: Path) -> None:
    result, path = validate_data(tmp_path, "name: demo\ndescription: a\x01b\n")
    assert_bad(result, path, "line 2", "not valid YAML", "'\\x01'")


def test_several_errors_are_all_reported(tmp_path: Path) -> None:
    raw = demo_raw()
    raw["days"] = -1
    raw["colour"] = "blue"
    channel(raw)["volume_per_year"] = "many"
    channel(raw, "101")["profile"]["hourly"] = [1.0] * 23
    pool(raw)["shrinkage"] = 1.5
    pool(raw)["roster"]["shifts"][1]["start"] = "10h00"
    result, path = validate_data(tmp_path, raw)
    assert_bad(result, path, "days", "is -1", "above 0")
    assert_bad(result, path, "colour", "unknown field")
    assert_bad(result, path, "forces.demo.channels.999.volume_per_year", "expected a number")
    assert_bad(result, path, "forces.demo.channels.101.profile.hourly", "expected 24")
    assert_bad(result, path, "handler_pools.contact_centre.shrinkage", "less than 1")
    assert_bad(result, path, "handler_pools.contact_centre.roster.shifts.1.start", "clock time")
    assert len(problem_lines(result)) == 6, result.stderr


# --------------------------------------------------------------------------- safety


def test_yaml_in_set_cannot_run_code(tmp_path: Path) -> None:
    marker = tmp_path / "hacked"
    override = f'description=!!python/object/apply:os.system ["touch {marker}"]'
    result = check(DEMO, [override])
    assert_bad(result, f"--set {override}", "line 1, column 1", "not valid YAML")
    assert not marker.exists()


def test_alias_bomb_is_harmless(tmp_path: Path) -> None:
    lines = ["a: &a [1, 1, 1, 1, 1, 1, 1, 1, 1]"]
    for i, name in enumerate("bcdefgh"):
        previous = "abcdefgh"[i]
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{previous}"] * 9) + "]")
    lines.append("name: *h")
    result, path = validate_data(tmp_path, "\n".join(lines) + "\n")
    line = assert_bad(result, path, "name", "is a list", "expected text")
    assert len(line) < 300


@pytest.mark.parametrize("text", ["name: " + "[" * 3000 + "]" * 3000, "a: &a [*a]\nname: *a"])
def test_deep_or_self_referring_yaml(tmp_path: Path, text: str) -> None:
    result, path = validate_data(tmp_path, text + "\n")
    assert result.exit_code == 2
    assert all(line.startswith(f"{path}: ") for line in problem_lines(result))


# --------------------------------------------------------------------------- --set overrides


def test_set_is_validated_like_the_file() -> None:
    result = check(DEMO, ["days=-1"])
    line = assert_bad(result, DEMO, "days", "is -1", "above 0")
    assert "(from --set days=-1)" in line
    assert len(problem_lines(result)) == 1


@pytest.mark.parametrize("override", ["days", "", "=5", "days 14"])
def test_set_without_equals(override: str) -> None:
    result = check(DEMO, [override])
    assert_bad(result, f"--set {override}", "", "expected PATH=VALUE")


@pytest.mark.parametrize("override", ["a..b=1", ".days=1", "days.=1"])
def test_set_with_an_empty_path_part(override: str) -> None:
    result = check(DEMO, [override])
    assert_bad(result, f"--set {override}", "", "empty part")


def test_set_inside_a_scalar() -> None:
    result = check(DEMO, ["days.x=1"])
    assert_bad(result, "--set days.x=1", "days", "is a value (28), not a section")


def test_set_inside_a_list_item_that_is_a_scalar() -> None:
    # Used to raise TypeError ('str' object does not support item assignment).
    override = "handler_pools.contact_centre.serves.0.x=1"
    result = check(DEMO, [override])
    assert_bad(
        result, f"--set {override}", "handler_pools.contact_centre.serves.0", "not a section"
    )


def test_set_indexes_lists() -> None:
    override = "handler_pools.contact_centre.roster.shifts.0.count=20"
    scenario = load_scenario(DEMO, [override])
    assert scenario.handler_pools["contact_centre"].roster.shifts[0].count == 20
    assert scenario.handler_pools["contact_centre"].roster.shifts[1].count == 5
    # Accepted among others: only the other, bad, override is reported.
    result = check(DEMO, [override, "days=0"])
    assert_bad(result, DEMO, "days", "above 0")
    assert len(problem_lines(result)) == 1, result.stderr


def test_set_replaces_a_whole_list_and_parses_yaml_values() -> None:
    scenario = load_scenario(
        DEMO,
        [
            "forces.demo.channels.999.profile.daily=[1, 1, 1, 1, 1, 2, 2]",
            "forces.demo.channels.101.patience={distribution: exponential, mean_s: 300}",
            "description=a planner's note = with an equals sign",
        ],
    )
    force = scenario.forces["demo"]
    assert force.channels["999"].profile.daily == [1, 1, 1, 1, 1, 2, 2]
    assert force.channels["101"].patience.mean() == 300
    assert scenario.description == "a planner's note = with an equals sign"


def test_the_last_set_of_a_field_wins() -> None:
    scenario = load_scenario(DEMO, ["days=-1", "days=3"])
    assert scenario.days == 3


@pytest.mark.parametrize("index", ["4", "99", "-1", "first"])
def test_set_list_index_out_of_range(index: str) -> None:
    override = f"handler_pools.contact_centre.roster.shifts.{index}.count=20"
    result = check(DEMO, [override])
    assert_bad(
        result,
        f"--set {override}",
        f"handler_pools.contact_centre.roster.shifts.{index}",
        "not an index of this list of 4",
        "0..3",
    )


def test_set_into_an_empty_list(tmp_path: Path) -> None:
    raw = demo_raw()
    pool(raw)["serves"] = []
    path = write(tmp_path, raw)
    override = "handler_pools.contact_centre.serves.0=999"
    result = check(path, [override])
    assert_bad(result, f"--set {override}", "handler_pools.contact_centre.serves.0", "is empty")


@pytest.mark.parametrize(
    ("override", "field"),
    [
        ("forces.demo.channels.999.handlin=300", "forces.demo.channels.999.handlin"),
        ("forecs.demo.name=x", "forecs"),
        (
            "handler_pools.contact_centre.roster.shift.0.count=1",
            "handler_pools.contact_centre.roster.shift",
        ),
    ],
)
def test_set_unknown_field(override: str, field: str) -> None:
    result = check(DEMO, [override])
    line = assert_bad(result, DEMO, field, "unknown field")
    assert f"(from --set {override})" in line


def test_set_bad_yaml_value() -> None:
    result = check(DEMO, ["forces.demo.channels.999.profile.daily=[1, 2"])
    assert_bad(
        result,
        "--set forces.demo.channels.999.profile.daily=[1, 2",
        "line 1, column 6",
        "not valid YAML",
    )


def test_set_empty_value_is_null() -> None:
    scenario = load_scenario(DEMO, ["forces.demo.channels.999.patience="])
    assert scenario.forces["demo"].channels["999"].patience is None
    result = check(DEMO, ["days="])
    assert_bad(result, DEMO, "days", "null", "expected a number")


def test_every_bad_set_is_reported() -> None:
    result = check(DEMO, ["days", "seed.x=1", "a..b=2"])
    assert result.exit_code == 2
    assert len(problem_lines(result)) == 3, result.stderr


# --------------------------------------------------------------------------- derived quantities


weights = st.floats(min_value=0.0, max_value=1e6, allow_nan=False, allow_infinity=False)


@settings(max_examples=60, deadline=None)
@given(
    hourly=st.lists(weights, min_size=24, max_size=24).filter(lambda w: sum(w) > 0),
    daily=st.none() | st.lists(weights, min_size=7, max_size=7).filter(lambda w: sum(w) > 0),
)
def test_profile_weights_are_the_normalised_outer_product(
    hourly: list[float], daily: list[float] | None
) -> None:
    profile = Profile(hourly=hourly, daily=daily)
    got = profile.weights()
    assert got.shape == (168,)
    assert got.sum() == pytest.approx(1.0, abs=1e-12)
    assert (got >= 0).all()
    day = np.ones(7) if daily is None else np.asarray(daily, dtype=float)
    explicit = np.array([d * h for d in day for h in hourly])  # Monday 00:00 first
    assert np.allclose(got, explicit / explicit.sum(), rtol=1e-9, atol=1e-15)
    same = Profile(hour_of_week=(explicit / explicit.max()).tolist()).weights()
    assert np.allclose(got, same, rtol=1e-9, atol=1e-15)


def test_profile_weights_hour_of_week_and_flat() -> None:
    raw = list(range(1, 169))
    w = Profile(hour_of_week=raw).weights()
    assert w.sum() == pytest.approx(1.0)
    assert w[0] == pytest.approx(1 / sum(raw)) and w[167] == pytest.approx(168 / sum(raw))
    assert np.allclose(Profile().weights(), 1 / 168)
    # Thursday (day 3) 14:00 of the demo 999 profile: daily[3] * hourly[14], normalised.
    demo = scenario_from_dict(demo_raw()).forces["demo"].channels["999"].profile
    hourly, daily = np.array(demo.hourly), np.array(demo.daily)
    expected = daily[3] * hourly[14] / (daily.sum() * hourly.sum())
    assert demo.weights()[3 * 24 + 14] == pytest.approx(expected)


def test_shift_wrapping_past_sunday_midnight_carries_into_monday() -> None:
    roster = Roster(
        shifts=[
            {"start": "22:00", "length_hours": 8, "count": 3, "days": ["sun"]},
            {"start": "06:00", "length_hours": 16, "count": 2, "days": ["mon"]},
        ],
        allow_gaps=True,
    )
    per_minute = roster.staff_per_minute()
    assert per_minute.shape == (7 * 24 * 60,)
    sunday_22 = 6 * 1440 + 22 * 60
    assert (per_minute[sunday_22:] == 3).all()  # Sun 22:00-24:00
    assert (per_minute[: 6 * 60] == 3).all()  # Mon 00:00-06:00, the same shift
    assert (per_minute[6 * 60 : 22 * 60] == 2).all()  # Mon 06:00-22:00
    assert (per_minute[22 * 60 : sunday_22] == 0).all()
    assert per_minute.sum() == 3 * 8 * 60 + 2 * 16 * 60


def test_overlapping_shifts_add_up_and_cover_the_week() -> None:
    raw = demo_raw()
    roster = scenario_from_dict(raw).handler_pools["contact_centre"].roster
    per_minute = roster.staff_per_minute()
    # Demo shifts: early 07:00-15:30 (14), middle 10:00-18:30 (5), late 15:00-23:30 (14),
    # night 23:00-07:30 (7), every day.
    tuesday = 1440
    assert per_minute[tuesday + 7 * 60 + 15] == 14 + 7  # night still on until 07:30
    assert per_minute[tuesday + 12 * 60] == 14 + 5
    assert per_minute[tuesday + 15 * 60 + 10] == 14 + 5 + 14
    assert per_minute[tuesday + 23 * 60 + 10] == 14 + 7
    assert per_minute[3 * 60] == 7  # Monday 03:00: Sunday's night shift
    assert per_minute.min() > 0


def test_per_interval_staff_and_constant_staff() -> None:
    staff = list(range(336))
    per_minute = Roster(interval_minutes=30, staff=staff, allow_gaps=True).staff_per_minute()
    assert per_minute[0:30].tolist() == [0] * 30
    assert per_minute[30:60].tolist() == [1] * 30
    assert per_minute[-1] == 335
    assert (Roster(staff=12).staff_per_minute() == 12).all()


@pytest.mark.parametrize(
    ("staff", "shrinkage", "available"),
    [
        (10, 0.0, 10),
        (10, 0.25, 8),  # 7.5 rounds half up, not to even
        (10, 0.35, 7),  # 6.5 -> 7
        (3, 0.5, 2),  # 1.5 -> 2
        (1, 0.5, 1),  # 0.5 -> 1
        (12, 0.3, 8),  # 8.4 -> 8
        (7, 0.9, 1),  # 0.7 -> 1
        (4, 0.9, 0),  # 0.4 -> 0
    ],
)
def test_available_handlers_after_shrinkage(staff: int, shrinkage: float, available: int) -> None:
    handler_pool = HandlerPool(
        serves=["101"], roster={"staff": staff, "allow_gaps": True}, shrinkage=shrinkage
    )
    got = handler_pool.available_per_minute()
    assert got.dtype.kind == "i"
    assert (got == available).all()
    assert available == math.floor(staff * (1 - shrinkage) + 0.5)


def test_available_handlers_follow_the_roster() -> None:
    scenario = scenario_from_dict(demo_raw())
    handler_pool = scenario.handler_pools["contact_centre"]
    rostered = handler_pool.roster.staff_per_minute()
    available = handler_pool.available_per_minute()
    assert np.array_equal(available, np.floor(rostered * 0.75 + 0.5).astype(int))
    assert available[1440 + 12 * 60] == 14  # 19 rostered x 0.75 = 14.25


@pytest.mark.parametrize(("median", "p90"), [(240, 540), (180, 720), (1, 1.0001), (60, 6000)])
def test_lognormal_from_median_and_p90(median: float, p90: float) -> None:
    time = LognormalTime(distribution="lognormal", median_s=median, p90_s=p90)
    mu, sigma = time.log_params()
    reference = stats.lognorm(s=sigma, scale=math.exp(mu))
    assert reference.ppf(0.5) == pytest.approx(median, rel=1e-9)
    assert reference.ppf(0.9) == pytest.approx(p90, rel=1e-9)
    assert time.mean() == pytest.approx(reference.mean(), rel=1e-9)


@pytest.mark.parametrize(("mean", "sd"), [(360, 240), (45, 45), (100, 1), (10, 900)])
def test_lognormal_from_mean_and_sd(mean: float, sd: float) -> None:
    time = LognormalTime(distribution="lognormal", mean_s=mean, sd_s=sd)
    mu, sigma = time.log_params()
    reference = stats.lognorm(s=sigma, scale=math.exp(mu))
    assert reference.mean() == pytest.approx(mean, rel=1e-9)
    assert reference.std() == pytest.approx(sd, rel=1e-9)
    assert time.mean() == pytest.approx(mean, rel=1e-9)


def test_lognormal_sample_matches_the_configured_moments_and_quantiles() -> None:
    rng = np.random.default_rng(20181116)
    by_moments = LognormalTime(distribution="lognormal", mean_s=360, sd_s=240)
    sample = rng.lognormal(*by_moments.log_params(), size=1_000_000)
    assert sample.mean() == pytest.approx(360, rel=0.005)
    assert sample.std() == pytest.approx(240, rel=0.01)
    by_quantiles = LognormalTime(distribution="lognormal", median_s=240, p90_s=540)
    sample = rng.lognormal(*by_quantiles.log_params(), size=1_000_000)
    assert np.quantile(sample, 0.5) == pytest.approx(240, rel=0.005)
    assert np.quantile(sample, 0.9) == pytest.approx(540, rel=0.005)


def test_config_error_lists_every_problem() -> None:
    raw = demo_raw()
    raw["days"] = 0
    raw["seed"] = -1
    with pytest.raises(InputError) as caught:
        scenario_from_dict(raw, "S")
    assert [str(p) for p in caught.value.problems] == [
        "S: days: is 0; expected a number above 0",
        "S: seed: is -1; expected 0 or more",
    ]
    assert str(caught.value) == "\n".join(str(p) for p in caught.value.problems)
