"""Fitting a scenario from CAD and telephony exports: round trip, YAML, bad data, CLI."""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from sim import fit
from sim.commands import fit_scenario
from sim.config import load_scenario, read_yaml_file

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures" / "fit"
START = pd.Timestamp("2024-01-01 00:00")  # a Monday


def _known_scenario() -> dict:
    """The demo force, made identifiable: no redials, no over-dispersion, no help, short-staffed."""
    raw = read_yaml_file(ROOT / "configs" / "demo.yaml")
    raw["name"] = "known"
    raw["days"] = 28
    raw["warmup_days"] = 1
    raw["replications"] = 1
    force = raw["forces"]["demo"]
    force.pop("online")
    for channel in force["channels"].values():
        channel.pop("redial", None)
        channel["overdispersion_cv"] = 0.0
    force["response"]["help_from_neighbours"] = False
    force["response"]["divert_from_grade2"] = False
    raw["handler_pools"]["contact_centre"]["roster"] = {"staff": 8}
    raw["handler_pools"]["contact_centre"]["shrinkage"] = 0.0
    return raw


def _stamp(seconds: pd.Series) -> pd.Series:
    out = (START + pd.to_timedelta(seconds, unit="s")).dt.strftime("%Y-%m-%d %H:%M:%S")
    return out.where(seconds.notna(), "")


def _exports(records: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """CAD and telephony CSV frames (real timestamps from 2024-01-01) from simulator records."""
    calls = pd.read_parquet(records / "calls.parquet")
    calls = calls[calls["in_period"]].copy()
    incidents = pd.read_parquet(records / "incidents.parquet")
    incidents = incidents[incidents["in_period"] & (incidents["source"] == "call")].copy()
    ended = calls["answered_s"] + calls["talk_s"]
    telephony = pd.DataFrame(
        {
            "call_id": calls["call_id"],
            "arrival": _stamp(calls["arrival_s"]),
            "answered": _stamp(calls["answered_s"]),
            "abandoned": _stamp(calls["abandoned_s"]),
            "ended": _stamp(ended.where(ended.notna(), calls["abandoned_s"])),
            "channel": calls["channel"].astype(str),
        }
    )
    channel_of = dict(zip(calls["call_id"], calls["channel"].astype(str), strict=True))
    cad = pd.DataFrame(
        {
            "created": _stamp(incidents["created_s"]),
            "dispatched": _stamp(incidents["dispatched_s"]),
            "arrived": _stamp(incidents["arrived_s"]),
            "cleared": _stamp(incidents["cleared_s"]),
            "priority": incidents["first_grade"].astype(str),
            "area": incidents["area"].astype(str),
            "channel": incidents["source_id"].map(channel_of),
        }
    )
    cad = cad[cad["channel"].notna()]
    return cad, telephony


@pytest.fixture(scope="module")
def exports(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, dict]:
    """Simulate the known scenario with records and write CAD and telephony CSVs."""
    where = tmp_path_factory.mktemp("fit")
    raw = _known_scenario()
    scenario = where / "known.yaml"
    scenario.write_text(yaml.safe_dump(raw, sort_keys=False))
    subprocess.run(
        [
            sys.executable,
            str(ROOT / "cli.py"),
            "run",
            str(scenario),
            "--records",
            "--out",
            str(where / "res"),
        ],
        check=True,
        capture_output=True,
    )
    cad, telephony = _exports(where / "res" / "records")
    cad.to_csv(where / "cad.csv", index=False)
    telephony.to_csv(where / "calls.csv", index=False)
    return where / "cad.csv", where / "calls.csv", raw


@pytest.fixture(scope="module")
def fitted(exports: tuple[Path, Path, dict], tmp_path_factory: pytest.TempPathFactory):
    cad, calls, _ = exports
    out = tmp_path_factory.mktemp("out") / "fitted.yaml"
    return fit_scenario(cad, calls, None, out)


def _within(value: float, ci: tuple[float, float]) -> bool:
    """Inside the 95% CI widened to about 99.5% (many parameters checked from one run)."""
    centre, half = (ci[0] + ci[1]) / 2, (ci[1] - ci[0]) / 2 * 2.81 / 1.96
    return centre - half <= value <= centre + half


def test_lognormal_mle_recovers_parameters() -> None:
    rng = np.random.default_rng(1)
    result = fit.fit_lognormal(rng.lognormal(6.0, 0.7, 4000))
    assert result is not None
    assert _within(6.0, result.mu_ci) and _within(0.7, result.sigma_ci)
    assert result.ks < 0.03


def test_censored_patience_recovers_both_families() -> None:
    rng = np.random.default_rng(2)
    patience = rng.exponential(480, 5000)
    wait = rng.exponential(300, 5000)
    fitted = fit.fit_censored_patience(np.minimum(patience, wait), patience < wait)
    assert fitted is not None and fitted.distribution == "exponential"
    assert _within(480, fitted.mean_ci)
    patience = rng.lognormal(math.log(180), 1.08, 5000)
    fitted = fit.fit_censored_patience(np.minimum(patience, wait), patience < wait)
    assert fitted is not None and fitted.distribution == "lognormal"
    assert _within(math.log(180), fitted.mu_ci) and _within(1.08, fitted.sigma_ci)
    # The naive mean of abandoned waits alone is badly biased low.
    assert np.minimum(patience, wait)[patience < wait].mean() < 0.7 * math.exp(
        math.log(180) + 1.08**2 / 2
    )


def test_round_trip_recovers_known_parameters(fitted: fit_scenario, exports) -> None:
    _, _, raw = exports
    fits = fitted.result.fits
    truth = raw["forces"]["demo"]
    for channel in ("999", "101"):
        prof = fits[f"profile/{channel}"]
        assert _within(truth["channels"][channel]["volume_per_year"], prof.volume_ci), channel
        hand = fits[f"handling/{channel}"]
        spec = truth["channels"][channel]["handling"]
        if "median_s" in spec:
            mu, sigma = (
                math.log(spec["median_s"]),
                math.log(spec["p90_s"] / spec["median_s"]) / 1.2815515655446004,
            )
        else:
            s2 = math.log1p((spec["sd_s"] / spec["mean_s"]) ** 2)
            mu, sigma = math.log(spec["mean_s"]) - s2 / 2, math.sqrt(s2)
        assert _within(mu, hand.mu_ci) and _within(sigma, hand.sigma_ci), channel
        # grading: the shares of handled calls
        g = fits["grading"][channel]
        for grade, share in truth["channels"][channel]["grading"].items():
            assert _within(share, g["ci"][grade]), (channel, grade)
    p999 = fits["patience/999"]
    assert p999.distribution == "lognormal"
    assert _within(math.log(180), p999.mu_ci)
    assert _within(math.log(720 / 180) / 1.2815515655446004, p999.sigma_ci)
    p101 = fits["patience/101"]
    assert p101.distribution == "exponential" or _within(math.log(480 * math.log(2)), p101.mu_ci)
    assert _within(480, p101.mean_ci)
    for area in ("urban", "rural"):
        travel = fits[f"travel/{area}"]
        spec = truth["areas"][area]["travel"]
        assert _within(math.log(spec["median_s"]), travel.mu_ci), area
    for grade in ("grade1", "grade2"):
        scene = fits["on_scene"][grade]
        assert _within(math.log(truth["response"]["on_scene"][grade]["median_s"]), scene.mu_ci)


def test_written_yaml_is_a_commented_valid_scenario(fitted) -> None:
    scenario = load_scenario(fitted.out)
    assert set(scenario.forces["fitted"].channels) == {"999", "101"}
    text = fitted.out.read_text()
    assert "volume_per_year:" in text and "# n=" in text
    assert "censored MLE" in text and "KS D=" in text
    assert "rests on 4.0 weeks" in text or "rests on 3.9 weeks" in text


def test_missing_required_column_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "cad.csv").write_text("created,area\n2024-01-01 00:00,urban\n")
    with pytest.raises(fit.FitDataError, match="priority"):
        fit_scenario(tmp_path / "cad.csv", None, None, tmp_path / "x.yaml")


def test_bad_rows_are_counted_excluded_and_the_fit_carries_on(tmp_path: Path) -> None:
    outcome = fit_scenario(
        FIXTURES / "bad_cad.csv", None, FIXTURES / "mapping.yaml", tmp_path / "bad.yaml"
    )
    text = outcome.report_text
    assert "7 of 10 rows used" in text
    assert "1 row(s) with an unparseable timestamp (created); e.g. rows 4" in text
    assert "1 row(s) with times out of order (dispatched before created); e.g. rows 5" in text
    assert "1 row(s) with an unknown priority code (priority); e.g. rows 6" in text
    load_scenario(outcome.out)


def test_cli_fit_exit_codes(exports, tmp_path: Path) -> None:
    cad, calls, _ = exports
    cli = [sys.executable, str(ROOT / "cli.py"), "fit"]
    ok = subprocess.run(
        [*cli, "--incidents", str(cad), "--calls", str(calls), "--out", str(tmp_path / "f.yaml")],
        capture_output=True,
        text=True,
    )
    assert ok.returncode == 0, ok.stderr
    assert "rows used" in ok.stdout
    (tmp_path / "nocol.csv").write_text("created,area\n2024-01-01 00:00,urban\n")
    bad = subprocess.run(
        [*cli, "--incidents", str(tmp_path / "nocol.csv"), "--out", str(tmp_path / "g.yaml")],
        capture_output=True,
        text=True,
    )
    assert bad.returncode == 2
    assert "missing required column(s) 'priority'" in bad.stderr
