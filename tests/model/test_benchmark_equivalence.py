"""The kernel benchmark compares like with like (benchmarks/mmc.py).

Its three contenders -- the project's engine, a textbook SimPy model and a
no-engine heap loop -- must compute the same wait and the same abandoned flag
for every call of the same samples; otherwise the speed ratios it reports
would compare different computations. These tests guard the benchmark's
validity, never its speed: nothing here asserts on timings.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from benchmarks.mmc import (
    CONTENDERS,
    MMcSamples,
    Outcome,
    compare,
    first_mismatches,
    run_ours,
    run_plain_simpy,
    run_reference,
    sample_mmc,
)

TOLERANCE_S = 1e-6


@pytest.mark.parametrize(
    ("agents", "load", "mean_handling_s", "mean_patience_s", "seed"),
    [
        (20, 0.9, 300.0, 600.0, 1),  # the benchmark's shape: few abandon
        (5, 1.3, 300.0, 120.0, 2),  # overloaded: many abandon, long queues
        (1, 0.8, 60.0, 30.0, 3),  # a single server
    ],
)
def test_contenders_agree_call_by_call(
    agents: int, load: float, mean_handling_s: float, mean_patience_s: float, seed: int
) -> None:
    samples = sample_mmc(5_000, agents, load, mean_handling_s, mean_patience_s, seed)
    outcomes = {name: contender(samples) for name, contender in CONTENDERS.items()}
    ours = outcomes["ours"]

    # Not vacuous: some callers wait, some abandon, most are answered.
    assert ours.abandoned.sum() > 0 < samples.n / 2
    assert np.count_nonzero(ours.wait[~ours.abandoned] > 0) > samples.n / 10

    for name, outcome in outcomes.items():
        assert outcome.wait.shape == outcome.abandoned.shape == (samples.n,)
        assert np.array_equal(np.isnan(outcome.wait), outcome.abandoned), name
        agreement = compare(ours, outcome, TOLERANCE_S)
        assert agreement.mismatches == 0, (name, agreement, first_mismatches(ours, outcome))
        assert agreement.max_abs_diff_s <= TOLERANCE_S


def test_reference_is_exact_on_a_hand_worked_case() -> None:
    # One server. Call 0 is served 0-10; call 1 (deadline 5) abandons without
    # taking the server; call 2 (arrives 2, deadline 12) is answered at 10 and
    # holds the server to 13; call 3 (arrives 12.5, deadline 14) waits 0.5.
    samples = MMcSamples(
        arrival=np.array([0.0, 1.0, 2.0, 12.5]),
        patience=np.array([1.0, 4.0, 10.0, 1.5]),
        handling=np.array([10.0, 1.0, 3.0, 1.0]),
        agents=1,
    )
    expected_wait = np.array([0.0, np.nan, 8.0, 0.5])
    for contender in (run_reference, run_ours, run_plain_simpy):
        outcome = contender(samples)
        np.testing.assert_array_equal(outcome.abandoned, [False, True, False, False])
        np.testing.assert_allclose(outcome.wait, expected_wait, atol=TOLERANCE_S)


def test_compare_detects_differences() -> None:
    base = Outcome(np.array([0.0, 1.0, np.nan]), np.array([False, False, True]), None)
    shifted = Outcome(np.array([0.0, 1.5, np.nan]), np.array([False, False, True]), None)
    flipped = Outcome(np.array([0.0, np.nan, 2.0]), np.array([False, True, False]), None)

    same = compare(base, base)
    assert (same.mismatches, same.max_abs_diff_s) == (0, 0.0)
    moved = compare(base, shifted)
    assert (moved.wait_mismatches, moved.flag_mismatches) == (1, 0)
    assert moved.max_abs_diff_s == pytest.approx(0.5)
    assert first_mismatches(base, shifted) == [1]
    swapped = compare(base, flipped)
    assert (swapped.flag_mismatches, swapped.wait_mismatches) == (2, 0)


def test_event_counts_are_those_of_each_model() -> None:
    samples = sample_mmc(2_000, 10, 0.9, seed=4)
    ours = run_ours(samples)
    plain = run_plain_simpy(samples)
    answered = int(np.count_nonzero(~ours.abandoned))
    # Ours: arrivals are merged into the run loop without an event, and a call's
    # end is an event only when callers are waiting for a handler then.
    waited = int(np.count_nonzero(~ours.abandoned & (ours.wait > 0)))
    assert waited > 0 and waited <= ours.events < answered
    # The textbook model needs several events per call.
    assert plain.events is not None and plain.events > 3 * samples.n
    assert run_reference(samples).events is None


def test_runner_writes_markdown_and_json(tmp_path) -> None:
    from benchmarks.run import main

    argv = ["--calls", "1000", "--repeats", "1", "--only", "mmc", "--only", "full"]
    assert main([*argv, "--out-dir", str(tmp_path)]) == 0
    markdown = (tmp_path / "results.md").read_text()
    assert "M/M/c+M" in markdown and "Full model" in markdown
    data = json.loads((tmp_path / "results.json").read_text())
    assert data["mmc_kernel"]["settings"]["calls"] == 1000
    assert all(a["mismatches"] == 0 for a in data["mmc_kernel"]["agreement"].values())
    assert data["full_model_demo"]["events"] > data["full_model_demo"]["calls"]


def test_ciw_contender_agrees_when_installed() -> None:
    pytest.importorskip("ciw")  # the optional `bench` extra
    from benchmarks.mmc import run_ciw

    samples = sample_mmc(3_000, 5, 1.2, 300.0, 200.0, 7)
    ours, theirs = run_ours(samples), run_ciw(samples)
    assert ours.abandoned.sum() > 0
    agreement = compare(ours, theirs, TOLERANCE_S)
    assert agreement.mismatches == 0, (agreement, first_mismatches(ours, theirs))


def test_year_benchmark_quick_reports_rates_and_memory() -> None:
    from benchmarks.common import BenchSettings
    from benchmarks.year import benchmark

    section = benchmark(BenchSettings(quick=True, repeats=1))
    data = section.data
    assert data["days"] == 30 and data["calls"] > 0 and data["incidents"] > 0
    assert data["events_per_call"] > 1 and data["peak_rss_mib"] > 0
    assert data["targets"]["cpu_met"] is None  # the time target is for a whole year


def test_scaling_experiment_has_twenty_scenarios() -> None:
    from benchmarks.scaling import SCENARIOS, experiment

    plan = experiment(quick=True)
    assert len(plan.names) == SCENARIOS == 20
    assert plan.baseline in plan.names


def test_targets_table_judges_each_figure_against_its_target() -> None:
    from benchmarks.common import Section
    from benchmarks.targets import summary

    kernel = {
        "contenders": {"plain SimPy": {"cpu_us_per_call": 20.0}, "ours": {"events_per_call": 1.0}},
        "targets": {
            "plain SimPy": {"target": 8.0, "ratio": 9.0, "met": True},
            "no-engine reference": {"target": 6.0, "ratio": 7.0, "met": False},
        },
    }
    year = {"cpu_us_per_call": 9.0, "events_per_call": 2.4, "peak_rss_mib": 2000.0}
    demo = {"cpu_us_per_call": 11.0, "events_per_call": 2.5, "peak_rss_mib": 300.0}
    sections = [
        Section("mmc_kernel", "", "", data=kernel),
        Section("full_year", "", "", data=year),
        Section("full_model_demo", "", "", data=demo),
    ]
    closing = summary(sections)
    assert closing is not None
    met = {key: figure["met"] for key, figure in closing.data.items()}
    assert met["kernel_vs_plain SimPy"] is True
    assert met["reference_vs_kernel"] is False
    assert met["full_year_cost_per_call"] is True  # 9 / 20 = 0.45 <= 0.5
    assert met["full_model_demo_cost_per_call"] is False  # 11 / 20 = 0.55
    assert met["full_year_peak_memory"] is False and met["full_model_demo_peak_memory"] is True
    assert "cli_help" not in met  # not measured in this run
    assert summary([]) is None
