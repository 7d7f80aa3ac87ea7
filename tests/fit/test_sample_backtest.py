"""The back-test of the shipped sample: the fitted scenario behaves like the data and the demo.

The sample (``demandsim fit-sample``, :data:`sim.fit.sample.DEFAULT_SAMPLE_WEEKS`
weeks) is one replication of the demo scenario as a fit sees it
(``sim.fit.sample.as_a_fit_sees_it``), so the fit can be checked twice: against
the data (the back-test's ±15% flag, on every figure) and against the true
scenario, simulated the same way (same replications and seed), figure by
figure within the two simulations' confidence intervals.

Why the default is as long as it is (measured on the demo, 12 replications of
each length; the figure of one period varies by): 4 weeks, up to 16% (999
answer time p90; rural grade 2 median attendance 10%); 13 weeks, up to 13%;
26 weeks, up to 5.6%. Only at 26 weeks is ±15% more than two and a half of
one period's standard deviations on every figure, a fair test of the fit.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from sim import fit
from sim.app.fit import FitOutcome, fit_scenario
from sim.config import read_yaml_file, scenario_from_dict
from sim.fit.backtest import FLAG_RELATIVE_ERROR, BacktestRow, BacktestTable
from sim.fit.sample import BEAT_NAMES, as_a_fit_sees_it, write_sample
from tests.fit.known_force import ROOT

#: 95% intervals widened to about 99.5%: sixteen figures are compared.
WIDEN = 2.81 / 1.96
#: The most one period's figure may vary (its SD, a share of it) for ±15% to be a fair test.
FAIR_SD = FLAG_RELATIVE_ERROR / 2.5
#: Figures the fitted scenario gives lower than the demo it was fitted to, beyond both
#: simulations' intervals (measured on the 26-week sample: rural grade 2 median 23.0 min
#: against 25.1, all grade 2 13.5 against 14.2). The cause is the unit roster fitted from
#: callsigns: with the demo's own unit rosters in the fitted scenario instead, these agree
#: with the demo (rural 24.9 against 25.4, 10 replications of 13 weeks). One sign: a unit
#: finishing a job after its shift is counted on duty for that hour (rural 17:00: 13
#: fitted, 10 on the roster). Within ±15% of the data all the same.
FIT_BIAS = {
    ("attendance_time", "grade2/rural-north", "p50"),
    ("attendance_time", "grade2", "p50"),
}


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


@pytest.fixture(scope="module")
def sample_backtest(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[FitOutcome, BacktestTable, dict[tuple[str, str, str], BacktestRow]]:
    """The default sample, as ``demandsim fit-sample`` writes it, fitted and back-tested.

    Returns the fit, its back-test and the true scenario's back-test row by figure.
    """
    where = Path(tmp_path_factory.mktemp("sample-backtest"))
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
    mapping = fit.read_mapping(where / "mapping.yaml")
    inc = fit.read_incidents(where / "cad.csv", mapping.incidents)
    calls = fit.read_calls(where / "calls.csv", mapping.calls)
    truth = fit.backtest(_truth(fitted_scenario.seed, table.replications), inc, calls)
    return outcome, table, {(r.metric, r.segment, r.stat): r for r in truth.rows}


def _apart(row: BacktestRow, true: BacktestRow) -> bool:
    """Fitted and true scenario further apart than their widened intervals allow."""
    half = math.hypot(row.ci_high - row.ci_low, true.ci_high - true.ci_low) / 2 * WIDEN
    return abs(row.simulated - true.simulated) > half + 1e-9


@pytest.mark.slow
def test_every_figure_of_the_sample_backtest_is_within_15_percent_of_the_data(
    sample_backtest,
) -> None:
    """The issue's check, on every figure: nothing flagged."""
    _, table, _ = sample_backtest
    assert table.days == 7 * 26
    assert table.flagged == [], table.flagged
    with_error = [row for row in table.rows if math.isfinite(row.relative_error)]
    assert len(with_error) == 16
    # A fair test: one period's own spread well inside the flag on every figure.
    spread = [row for row in with_error if not row.relative_sd <= FAIR_SD]
    assert spread == [], spread


@pytest.mark.slow
def test_the_fitted_sample_scenario_behaves_like_the_demo_it_was_made_from(
    sample_backtest,
) -> None:
    """Fitted and true scenario, simulated alike, agree within their intervals.

    But for the :data:`FIT_BIAS` figures: below the truth by no more than a tenth.
    """
    _, table, true_rows = sample_backtest
    pairs = [(row, true_rows[(row.metric, row.segment, row.stat)]) for row in table.rows]
    apart = [(r, t) for r, t in pairs if (r.metric, r.segment, r.stat) not in FIT_BIAS]
    apart = [(row, true) for row, true in apart if _apart(row, true)]
    assert apart == [], apart
    biased = [(r, t) for r, t in pairs if (r.metric, r.segment, r.stat) in FIT_BIAS]
    assert len(biased) == len(FIT_BIAS)
    for row, true in biased:
        assert 0.9 * true.simulated < row.simulated < true.simulated, (row, true)


@pytest.mark.slow
@pytest.mark.xfail(strict=True, reason="fitted grade 2 median attendance low (see FIT_BIAS)")
def test_the_fitted_grade2_median_attendance_is_the_demos(sample_backtest) -> None:
    """Known short of the truth; strict, so that a fix of the roster fit shows here."""
    _, table, true_rows = sample_backtest
    biased = [row for row in table.rows if (row.metric, row.segment, row.stat) in FIT_BIAS]
    apart = [row for row in biased if _apart(row, true_rows[(row.metric, row.segment, row.stat)])]
    assert apart == [], apart
