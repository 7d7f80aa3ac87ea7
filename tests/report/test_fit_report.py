"""The fit's diagnostic report: figures and page from synthetic diagnostics (no simulation)."""

from __future__ import annotations

import html as html_module
import re
from pathlib import Path

import numpy as np
import plotly.graph_objects as go
import plotly.offline
import pytest
from scipy import stats

from sim.fit import DistributionCheck, FitDiagnostics, ProfileCheck, RosterCheck, kaplan_meier
from sim.report.fit_figures import (
    EMPIRICAL_NAME,
    FITTED_NAME,
    KAPLAN_MEIER_NAME,
    MAX_STEP_POINTS,
    fit_figures,
    largest_gap,
    safe_key,
)
from sim.report.fit_report import write_fit_report
from sim.report.style import WIDTH_PX
from tests.report.test_report import chromium_or_skip, png_size

SAFE = re.compile(r"^[A-Za-z0-9-]+$")
EVIL = "calls.csv: 3 row(s) with an unparseable timestamp (arrival <script>alert(1)</script>)"
DATA_REPORT = [
    "incidents.csv: 9,990 of 10,000 rows used",
    "calls.csv: 4,997 of 5,000 rows used",
    EVIL,
]


# ------------------------------------------------------------------ synthetic diagnostics


def ecdf(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    x = np.sort(values)
    return x, np.arange(1, len(x) + 1) / len(x)


def lognormal_check(
    key: str, title: str, seed: int, median_s: float, sigma: float, n: int = 400
) -> DistributionCheck:
    rng = np.random.default_rng(seed)
    values = rng.lognormal(np.log(median_s), sigma, n)
    x, y = ecdf(values)
    grid = np.geomspace(median_s / 50, median_s * 50, 200)
    fitted = stats.lognorm.cdf(grid, s=sigma, scale=median_s)
    note = f"n={n}; median {median_s:.0f} s; KS D=0.03 <fitted>"
    return DistributionCheck(key, title, x, y, grid, fitted, n, note)


def patience_check(seed: int = 5) -> DistributionCheck:
    rng = np.random.default_rng(seed)
    patience = rng.exponential(180.0, 600)
    wait = rng.exponential(120.0, 600)
    abandoned = patience < wait
    times, survival = kaplan_meier(np.minimum(patience, wait), abandoned)
    grid = np.geomspace(1.0, 3000.0, 150)
    return DistributionCheck(
        "patience/101",
        "Patience of 101 callers",
        times,
        1.0 - survival,
        grid,
        stats.expon.cdf(grid, scale=180.0),
        600,
        "exponential; n=600 of which abandoned 240",
        censored=True,
    )


def profile_check() -> ProfileCheck:
    hours = np.arange(168)
    fitted = 20 + 15 * np.sin((hours % 24 - 6) / 24 * 2 * np.pi)
    observed = np.random.default_rng(3).poisson(fitted * 8) / 8
    return ProfileCheck(
        "profile/999", "999 calls per hour", observed, fitted, 8.0, "48,000 a year (95% CI ...)"
    )


def roster_check() -> RosterCheck:
    fitted = np.repeat([8, 12, 14, 10], 42).astype(float)
    per_week = np.tile(fitted, (4, 1)) + np.random.default_rng(4).integers(-2, 3, (4, 168))
    per_week[0, :30] = np.nan  # the first week starts on Monday at 06:00
    per_week[3, 100:] = np.nan
    return RosterCheck(
        "handlers/contact_centre",
        "Call handlers on duty",
        per_week,
        fitted,
        "median over the weeks of distinct handler ids answering calls",
    )


def diagnostics(data_report: list[str] | None = None) -> FitDiagnostics:
    return FitDiagnostics(
        title="Fitted scenario: Northshire <test>",
        sources=["exports/cad.csv", "exports/calls & queues.csv"],
        data_report=DATA_REPORT if data_report is None else data_report,
        distributions=[
            lognormal_check("handling/999", "Handling time, 999 calls", 1, 300.0, 0.6),
            lognormal_check("travel/urban", "Travel time, urban", 2, 480.0, 0.5),
            lognormal_check("on_scene/grade1", "Time on scene, grade 1", 3, 3600.0, 0.8),
            patience_check(),
        ],
        profiles=[profile_check()],
        rosters=[roster_check()],
    )


def empty_diagnostics() -> FitDiagnostics:
    return FitDiagnostics("Nothing fitted", ["cad.csv"], DATA_REPORT, [], [], [])


def trace(fig: go.Figure, name: str) -> go.Scatter:
    found = [t for t in fig.data if t.name == name]
    assert len(found) == 1, [t.name for t in fig.data]
    return found[0]


# ------------------------------------------------------------------ figures


def test_one_figure_per_check_with_safe_unique_keys() -> None:
    diag = diagnostics()
    figures = fit_figures(diag)
    assert [f.key for f in figures] == [
        "handling-999",
        "travel-urban",
        "on-scene-grade1",
        "patience-101",
        "profile-999",
        "handlers-contact-centre",
    ]
    assert all(SAFE.match(f.key) for f in figures)
    assert all(f.figure is not None and not f.reason for f in figures)
    checks = [*diag.distributions, *diag.profiles, *diag.rosters]
    assert [f.title for f in figures] == [c.title for c in checks]
    assert [f.note for f in figures[:4]] == [c.note for c in diag.distributions]
    assert all(int(f.figure.layout.height) > 0 for f in figures)


def test_keys_made_unique() -> None:
    base = lognormal_check("travel/urban", "Travel, urban", 2, 480.0, 0.5, n=20)
    clash = lognormal_check("travel-urban", "Travel, urban again", 2, 480.0, 0.5, n=20)
    diag = FitDiagnostics("t", [], [], [base, clash, base], [], [])
    assert [f.key for f in fit_figures(diag)] == [
        "travel-urban",
        "travel-urban-2",
        "travel-urban-3",
    ]
    assert safe_key("units/north east") == "units-north-east"
    assert safe_key("") == "check"


def test_distribution_traces_equal_the_inputs_in_display_units() -> None:
    diag = diagnostics()
    figures = {f.key: f for f in fit_figures(diag)}
    for check, key, per in [
        (diag.distributions[0], "handling-999", 1.0),  # seconds
        (diag.distributions[1], "travel-urban", 60.0),  # minutes
        (diag.distributions[2], "on-scene-grade1", 60.0),
        (diag.distributions[3], "patience-101", 1.0),
    ]:
        fig = figures[key].figure
        empirical = trace(fig, KAPLAN_MEIER_NAME if check.censored else EMPIRICAL_NAME)
        fitted = trace(fig, FITTED_NAME)
        np.testing.assert_allclose(empirical.x, check.observed_s / per)
        np.testing.assert_allclose(empirical.y, check.observed_cdf)
        assert empirical.line.shape == "hv"
        np.testing.assert_allclose(fitted.x, check.grid_s / per)
        np.testing.assert_allclose(fitted.y, check.fitted_cdf)
        assert fig.layout.xaxis.type == "log"
        unit = "s" if per == 1.0 else "min"
        assert f"({unit}, log scale)" in fig.layout.xaxis.title.text
        assert fig.layout.yaxis.title.text == "share at or below"
        gap = [t for t in fig.data if t.name.startswith("largest gap")]
        assert len(gap) == 1 and f"D = {largest_gap(check)[0]:.3f}" in gap[0].name
    assert EMPIRICAL_NAME not in {t.name for t in figures["patience-101"].figure.data}


def test_largest_gap_is_the_kolmogorov_smirnov_distance() -> None:
    check = lognormal_check("handling/101", "Handling, 101", 9, 240.0, 0.7, n=300)
    gap, at_s = largest_gap(check)
    exact = stats.kstest(check.observed_s, stats.lognorm(s=0.7, scale=240.0).cdf).statistic
    assert gap == pytest.approx(exact, abs=2e-3)  # the fitted CDF is interpolated on a grid
    assert at_s in check.observed_s
    empty = DistributionCheck("x", "x", np.array([]), np.array([]), np.array([1.0]), [0.5], 0, "")
    assert largest_gap(empty) is None


def test_large_samples_are_thinned_within_a_small_share() -> None:
    check = lognormal_check("handling/999", "Handling, 999", 11, 300.0, 0.6, n=50_000)
    fig = fit_figures(FitDiagnostics("t", [], [], [check], [], []))[0].figure
    empirical = trace(fig, EMPIRICAL_NAME)
    x, y = np.asarray(empirical.x), np.asarray(empirical.y)
    assert len(x) <= MAX_STEP_POINTS + 2
    assert x[0] == check.observed_s[0] and x[-1] == check.observed_s[-1]
    # the thinned step line stays within 1/MAX_STEP_POINTS of the full one
    drawn = y[np.searchsorted(x, check.observed_s, side="right") - 1]
    assert np.max(np.abs(drawn - check.observed_cdf)) <= 1.0 / MAX_STEP_POINTS + 1e-9


def test_profile_figure_hour_of_week() -> None:
    check = profile_check()
    figure = fit_figures(FitDiagnostics("t", [], [], [], [check], []))[0]
    fig = figure.figure
    observed, fitted = trace(fig, "observed"), trace(fig, "fitted")
    np.testing.assert_allclose(observed.x, np.arange(168))
    np.testing.assert_allclose(observed.y, check.observed_per_hour)
    np.testing.assert_allclose(fitted.y, check.fitted_per_hour)
    assert "markers" in observed.mode and fitted.mode == "lines"
    assert list(fig.layout.xaxis.tickvals) == [0, 24, 48, 72, 96, 120, 144]
    assert list(fig.layout.xaxis.ticktext) == ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    assert check.note in figure.note and "8.0 weeks" in figure.note
    assert observed.text[0] == "Mon 00:00" and observed.text[167] == "Sun 23:00"


def test_roster_figure_weeks_and_fitted_steps() -> None:
    check = roster_check()
    figure = fit_figures(FitDiagnostics("t", [], [], [], [], [check]))[0]
    fig = figure.figure
    weeks = [t for t in fig.data if t.legendgroup == "observed"]
    assert len(weeks) == 4 and sum(bool(t.showlegend) for t in weeks) == 1
    for row, line in zip(check.per_week, weeks, strict=True):
        np.testing.assert_array_equal(np.asarray(line.y, dtype=float)[:168], row)  # NaN gaps kept
    fitted = trace(fig, "fitted roster")
    assert fitted.line.shape == "hv" and fitted.line.width > weeks[0].line.width
    np.testing.assert_allclose(fitted.y[:168], check.fitted)
    assert fitted.x[-1] == 168 and fitted.y[-1] == check.fitted[-1]  # last hour drawn to the end
    assert figure.note == check.note


def test_no_checks_no_figures() -> None:
    assert fit_figures(empty_diagnostics()) == []


def test_unplottable_durations_are_said() -> None:
    check = lognormal_check("travel/rural", "Travel, rural", 2, 900.0, 0.5, n=50)
    zeros = DistributionCheck(
        check.key,
        check.title,
        np.concatenate(([0.0, 0.0], check.observed_s)),
        np.concatenate(([0.01, 0.02], check.observed_cdf)),
        check.grid_s,
        check.fitted_cdf,
        52,
        check.note,
    )
    nothing = DistributionCheck("travel/x", "Nothing", np.array([]), np.array([]), [], [], 0, "")
    part, left_out = fit_figures(FitDiagnostics("t", [], [], [zeros, nothing], [], []))
    assert part.figure is not None and "2 observed value(s) of zero or less" in part.reason
    assert len(trace(part.figure, EMPIRICAL_NAME).x) == 50
    assert left_out.figure is None and left_out.reason


# ------------------------------------------------------------------ page


def test_page_is_offline_escaped_and_complete(tmp_path: Path) -> None:
    diag = diagnostics()
    out = tmp_path / "sub" / "fit.html"
    outcome = write_fit_report(diag, out)
    assert outcome.html == out and outcome.pngs == []
    assert [p.name for p in out.parent.iterdir()] == ["fit.html"]  # no temporary left behind
    page = out.read_text(encoding="utf-8")
    plotly_js = plotly.offline.get_plotlyjs()
    assert page.count(plotly_js) == 1  # plotly.js inlined once, whole
    ours = page.replace(plotly_js, "")
    assert "<link" not in page and not re.search(r"<script[^>]*\ssrc=", page)
    assert "http://" not in ours and "https://" not in ours
    for figure in outcome.figures:
        assert f'id="fig-{figure.key}"' in page and f"data-figure='{figure.key}'" in page
        assert html_module.escape(figure.note) in ours
    for line in DATA_REPORT:
        assert f"<li>{html_module.escape(line)}</li>" in ours
    assert "<script>alert(1)</script>" not in ours
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in ours
    assert "<title>Fitted scenario: Northshire &lt;test&gt;</title>" in ours
    assert "exports/calls &amp; queues.csv" in ours
    assert "Kolmogorov–Smirnov" in ours and "censored" in ours
    table = ours[ours.index("id='distribution-table'") :]
    table = table[: table.index("</table>")]
    for check in diag.distributions:
        assert html_module.escape(check.title) in table
        assert f">{check.n:,}<" in table
        assert html_module.escape(check.note) in table
    assert "@media print" in page


def test_empty_diagnostics_still_writes_the_data_report(tmp_path: Path) -> None:
    out = tmp_path / "fit.html"
    outcome = write_fit_report(empty_diagnostics(), out)
    assert outcome.figures == []
    page = out.read_text(encoding="utf-8")
    assert page.count(plotly.offline.get_plotlyjs()) == 1
    assert 'id="fig-' not in page
    for line in DATA_REPORT:
        assert html_module.escape(line) in page
    assert "No duration distributions were fitted" in page


def test_existing_report_is_replaced_and_directory_refused(tmp_path: Path) -> None:
    out = tmp_path / "fit.html"
    out.write_text("old")
    write_fit_report(empty_diagnostics(), out)
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    from sim.config import InputError

    with pytest.raises(InputError, match="is a directory"):
        write_fit_report(empty_diagnostics(), tmp_path)


def test_png_export_one_image_per_figure(tmp_path: Path) -> None:
    chromium_or_skip()
    png_dir = tmp_path / "png"
    outcome = write_fit_report(diagnostics(), tmp_path / "fit.html", png_dir=png_dir)
    assert sorted(p.name for p in png_dir.iterdir()) == sorted(
        f"{f.key}.png" for f in outcome.figures
    )
    assert sorted(outcome.pngs) == sorted(png_dir.iterdir())
    for item in outcome.figures:
        path = png_dir / f"{item.key}.png"
        assert path.stat().st_size > 10_000
        assert png_size(path) == (WIDTH_PX, int(item.figure.layout.height))
