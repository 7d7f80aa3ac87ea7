"""The back-test of the shipped sample: the fitted scenario behaves like the demo it was made from.

The sample (``demandsim fit-sample``) is one four-week replication of the demo
scenario as a fit sees it (``sim.fit.sample.as_a_fit_sees_it``), so the fit
can be checked twice: against the data (the back-test's ±15% flag) and against
the true scenario, simulated the same way (same replications and seed), figure
by figure within the two simulations' confidence intervals.
"""

from __future__ import annotations

import math

import pytest

from sim import fit
from sim.app.fit import fit_scenario
from sim.config import read_yaml_file, scenario_from_dict
from sim.fit.backtest import FLAG_RELATIVE_ERROR
from sim.fit.sample import BEAT_NAMES, as_a_fit_sees_it, write_sample
from tests.fit.known_force import ROOT

#: 95% intervals widened to about 99.5%: sixteen figures are compared.
WIDEN = 2.81 / 1.96
#: The one figure the sample's own draw puts out of reach (see the test below).
SAMPLE_DRAW = {("attendance_time", "grade2/rural-north", "p50")}


def _truth(seed: int, replications: int):
    """The demo as the sample simulated it, its areas named as the fit names them."""
    raw = as_a_fit_sees_it(read_yaml_file(ROOT / "configs" / "demo.yaml"))
    ids = fit.valid_ids(BEAT_NAMES.values())
    renamed = {kind: ids[name] for kind, name in BEAT_NAMES.items()}
    force = raw["forces"]["demo"]
    force["areas"] = {renamed[a]: {**area, "kind": a} for a, area in force["areas"].items()}
    for area in force["areas"].values():
        area["neighbours"] = [renamed[n] for n in area.get("neighbours", [])]
    return scenario_from_dict({**raw, "seed": seed, "replications": replications})


@pytest.mark.slow
def test_the_sample_backtest_matches_the_data_and_the_true_scenario(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    where = tmp_path_factory.mktemp("sample-backtest")
    # As demandsim fit-sample writes it.
    demo = as_a_fit_sees_it(read_yaml_file(ROOT / "configs" / "demo.yaml"))
    write_sample(where, scenario_from_dict(demo))
    outcome = fit_scenario(
        where / "cad.csv",
        where / "calls.csv",
        where / "mapping.yaml",
        where / "fitted.yaml",
        backtest=True,
    )
    table = outcome.backtest
    assert table is not None and len(table.rows) == 20
    fitted_scenario = scenario_from_dict(read_yaml_file(outcome.out))
    inc = fit.read_incidents(where / "cad.csv", fit.read_mapping(where / "mapping.yaml").incidents)
    calls = fit.read_calls(where / "calls.csv", fit.read_mapping(where / "mapping.yaml").calls)
    truth = fit.backtest(_truth(fitted_scenario.seed, table.replications), inc, calls)
    true_rows = {(r.metric, r.segment, r.stat): r for r in truth.rows}
    for row in table.rows:
        key = (row.metric, row.segment, row.stat)
        true = true_rows[key]
        # The fit reproduces the service it was fitted to: fitted and true scenario,
        # simulated alike, agree within their confidence intervals.
        half = math.hypot(row.ci_high - row.ci_low, true.ci_high - true.ci_low) / 2 * WIDEN
        assert abs(row.simulated - true.simulated) <= half + 1e-9, (key, row, true)
        if key in SAMPLE_DRAW:
            # The sample's rural grade 2 median (29.3 min) is a high draw: the demo
            # itself, simulated so, gives about 25 min (measured 24.9, -14.9%), and a
            # correct fit lands on either side of the flag. Checked above instead.
            assert abs(true.relative_error) > FLAG_RELATIVE_ERROR - 0.03, true
            continue
        assert not row.flagged, row
