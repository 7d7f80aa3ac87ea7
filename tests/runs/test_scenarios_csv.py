"""scenarios.csv: each scenario's own description, its platform's settings and stated assumptions.

Checked against the shipped experiment and platform files themselves: the
descriptions are the experiment's words, every ``ASSUMPTION:`` comment of a
shipped platform file is carried with the setting it precedes.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import yaml

from sim.runs.plan import plan_experiment_file
from sim.runs.targets import platform_assumptions, scenarios_frame

ROOT = Path(__file__).resolve().parents[2]


def test_descriptions_and_platform_assumptions_of_the_cmp_experiment() -> None:
    plan = plan_experiment_file(ROOT / "experiments" / "cmp-go-live.yaml")
    table = scenarios_frame(plan)
    spec = yaml.safe_load((ROOT / "experiments" / "cmp-go-live.yaml").read_text())
    for named in spec["scenarios"]:
        rows = table[(table["scenario"] == named["name"]) & (table["field"] == "description")]
        assert rows["value"].tolist() == [named["description"]]
    unstable = table[table["scenario"] == "cmp-unstable"].set_index("field")["value"]
    assert unstable["platform"] == "cmp-unstable"
    assert unstable["platform.outages.mtbf_hours"] == "72.0"
    assert unstable["platform.pooled_contact_centre"] == "true"
    assert unstable["assumption.outages.mtbf_hours"].startswith("a failure every 3 days")
    text = resources.files("sim.config").joinpath("platforms", "cmp-unstable.yaml").read_text()
    assert text.count("ASSUMPTION:") == sum(f.startswith("assumption.") for f in unstable.index)
    legacy = table[table["scenario"] == "legacy"]["field"]
    assert not legacy.str.startswith("assumption.").any()  # legacy states none


def test_the_shift_a_changed_count_belongs_to() -> None:
    plan = plan_experiment_file(ROOT / "experiments" / "handler-staffing.yaml")
    table = scenarios_frame(plan).set_index(["scenario", "field"])["value"]
    path = "handler_pools.contact_centre.roster.shifts"
    assert table[("early-to-late", f"item.{path}.0.count")] == "early"
    assert table[("late-10", f"item.{path}.2.count")] == "late"


def test_assumption_comments_are_tied_to_the_next_key() -> None:
    text = """
outer:
  # plain comment
  a: 1
  # ASSUMPTION: b is two --
  # for a reason.
  b: 2
# ASSUMPTION: top
c: 3
"""
    assert platform_assumptions(text) == [("outer.b", "b is two -- for a reason."), ("c", "top")]
