"""Call channels beyond 999 and 101 from the command line: exit 2 naming the field, or exit 0.

What the config, model and fit make of a third channel is tested in their
layers; these tests check what ``demandsim validate`` and ``demandsim fit`` say.
"""

from __future__ import annotations

import copy
import subprocess
import sys
from pathlib import Path

import yaml

from tests.config.problems import demo_raw
from tests.fit.three_queues import FIXTURE, MAPPING

ROOT = Path(__file__).resolve().parents[2]


def _cli(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(ROOT / "cli.py"), *map(str, args)], capture_output=True, text=True
    )


def test_validate_names_the_missing_priority_of_a_new_channel(tmp_path: Path) -> None:
    raw = demo_raw()
    extra = copy.deepcopy(raw["forces"]["demo"]["channels"]["101"])
    extra["answer_target_s"] = 60
    raw["forces"]["demo"]["channels"]["crime-line"] = extra
    raw["handler_pools"]["contact_centre"]["serves"].append("crime-line")
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")
    bad = _cli("validate", path)
    assert bad.returncode == 2, bad.stdout + bad.stderr
    assert f"{path}: forces.demo.channels.crime-line.priority: missing" in bad.stderr
    extra["priority"] = 2
    path.write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")
    good = _cli("validate", path)
    assert good.returncode == 0, good.stderr


def test_fit_of_three_queues_writes_a_scenario_that_validates(tmp_path: Path) -> None:
    out = tmp_path / "three.yaml"
    fitted = _cli("fit", "--calls", FIXTURE, "--columns", MAPPING, "--out", out)
    assert fitted.returncode == 0, fitted.stderr
    assert "101-switchboard:" in out.read_text(encoding="utf-8")
    checked = _cli("validate", out)
    assert checked.returncode == 0, checked.stderr


def test_fit_with_a_new_channel_and_no_rank_exits_2(tmp_path: Path) -> None:
    mapping = tmp_path / "m.yaml"
    mapping.write_text(
        MAPPING.read_text(encoding="utf-8").split("channel_priorities")[0], encoding="utf-8"
    )
    bad = _cli("fit", "--calls", FIXTURE, "--columns", mapping, "--out", tmp_path / "x.yaml")
    assert bad.returncode == 2
    assert f"{mapping}: channel_priorities.101-switchboard: missing" in bad.stderr
    assert f"{mapping}: channel_answer_targets_s.101-switchboard: missing" in bad.stderr
