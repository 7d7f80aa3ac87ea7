"""The panel report: figures from real results directories, words, offline HTML, PNGs, a browser.

The results directories are made by the real commands on short runs of the
shipped demo (one day), so the report is tested against the files the
simulator actually writes: a single run with records, an experiment (a grid
over late-shift handlers) with records, the same experiment without records,
and a contact-centre-only run with no response metrics. Each gets the
``targets.csv`` and ``changes.csv`` the test states (tests/report/results_files.py);
a made-up two-force summary tests per-force targets.
"""

from __future__ import annotations

import os
import re
import shutil
import struct
import subprocess
from pathlib import Path

import plotly.offline
import pytest

from sim.app import run as app_run
from sim.errors import InputError
from sim.report import write_report
from sim.report.figures import build_figures
from sim.report.load import NATIONAL_FALLBACK, load_results
from sim.report.style import PALETTE
from sim.report.targets import targets_for
from sim.report.words import Difference, Figure, format_duration, format_value, sentence
from tests.report.results_files import write_changes, write_summary, write_targets

ROOT = Path(__file__).resolve().parents[2]
CONFIGS = ROOT / "configs"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
ALL_FIGURES = {
    "attendance-percentiles",
    "answer-percentiles",
    "answer-distribution",
    "attendance-distribution",
    "by-hour",
    "trade-off",
    "difference",
}
#: Nine headline figures at most four panels a figure: the sweep and the differences in three.
SPLIT_FIGURES = {"trade-off-2", "trade-off-3", "difference-2", "difference-3"}
SHORT = ["days=1", "warmup_days=0.25", "replications=2"]
#: The demo's answer targets, set in its scenario file.
DEMO_TARGETS = {
    ("answer_time", "999", "threshold"): 10.0,
    ("answer_time", "101", "threshold"): 120.0,
}
LATE = "handler_pools.contact_centre.roster.shifts.2.count"


# ------------------------------------------------------------------ fixtures


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("run") / "demo"
    app_run.run_scenario(CONFIGS / "demo.yaml", SHORT, out, keep_records=True)
    write_targets(out, DEMO_TARGETS)
    write_changes(out)
    return out


@pytest.fixture(scope="module")
def contact_only_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("mmc") / "mmc"
    app_run.run_scenario(CONFIGS / "mmc.yaml", SHORT, out)
    write_targets(out, {("answer_time", "101", "threshold"): 20.0})
    write_changes(out)
    return out


@pytest.fixture(scope="module")
def experiment_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("experiment")
    spec = folder / "late.yaml"
    spec.write_text(
        f"""
name: late-sweep
base: {CONFIGS / "demo.yaml"}
baseline: late-14
days: 1
warmup_days: 0.25
seed: 7
replications: 3
records: true
grid:
  late:
    path: handler_pools.contact_centre.roster.shifts.2.count
    values: [10, 14, 18]
scenarios:
  - name: same-as-baseline
    set:
      handler_pools.contact_centre.roster.shifts.2.count: 14
"""
    )
    out = folder / "results"
    app_run.run_experiment_file(spec, out, workers=1)
    write_targets(out, DEMO_TARGETS)
    write_changes(
        out,
        [
            ("late-10", LATE, "14", "10", "late shift handlers 14 → 10"),
            ("late-18", LATE, "14", "18", "late shift handlers 14 → 18"),
        ],
    )
    return out


@pytest.fixture(scope="module")
def experiment_no_records(experiment_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("norecords") / "results"
    shutil.copytree(experiment_dir, out, ignore=shutil.ignore_patterns("records", "incidents"))
    return out


def chromium_or_skip() -> str:
    """Debian's Chromium, installed from the package when missing and we are root; else skip."""
    for candidate in ("/usr/bin/chromium", os.environ.get("BROWSER_PATH", "")):
        if candidate and Path(candidate).exists():
            return candidate
    if os.geteuid() == 0 and shutil.which("apt-get"):
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        try:
            subprocess.run(["apt-get", "update", "-qq"], check=True, env=env, timeout=600)
            subprocess.run(
                ["apt-get", "install", "-y", "-qq", "chromium"], check=True, env=env, timeout=900
            )
        except (subprocess.SubprocessError, OSError) as exc:
            pytest.skip(f"Chromium is not installed and apt-get install chromium failed: {exc}")
        if Path("/usr/bin/chromium").exists():
            return "/usr/bin/chromium"
    pytest.skip(
        "Chromium is not installed (/usr/bin/chromium) and cannot be installed here "
        "(not root, or no apt-get): install Debian's chromium package to run this test"
    )


def figure_keys(html: str) -> set[str]:
    return set(re.findall(r"data-figure='([\w-]+)'", html))


def left_out_keys(html: str) -> set[str]:
    return set(re.findall(r"data-left-out='([\w-]+)'", html))


# ------------------------------------------------------------------ words


@pytest.mark.parametrize(
    ("value", "unit", "expected"),
    [
        (827.4, "s", "13 min 47 s"),
        (13.78, "min", "13 min 47 s"),
        (25.64, "min", "25 min 38 s"),
        (79.0, "min", "1 h 19 min"),
        (6.85, "s", "6.8 s"),
        (42.4, "s", "42 s"),
        (60.2, "s", "1 min"),
        (3600.0, "s", "1 h"),
        (13.4, "h", "13 h 24 min"),
        (0.5, "h", "30 min"),
        (100.0, "h", "4 days 4 h"),
        (float("nan"), "s", "–"),
    ],
)
def test_format_duration(value: float, unit: str, expected: str) -> None:
    assert format_duration(value, unit) == expected


def test_format_value_percent_and_time() -> None:
    assert format_value(84.53, "%") == "84.5%"
    assert format_value(827.4, "s") == "13 min 47 s"
    assert format_value(13.4, "h") == "13 h 24 min"


def test_sentence_change_against_baseline_gives_both_intervals_and_baseline() -> None:
    figure = Figure("answer_time", "101", "p90", "s", 190.0, 175.0, 205.0)
    text = sentence(figure, Difference(580.0, -390.0, -410.0, -370.0))
    assert text == (
        "9 in 10 calls to 101 are answered within 3 min 10 s "
        "(95% confidence: 2 min 55 s to 3 min 25 s), instead of 9 min 40 s."
    )


def test_sentence_no_change() -> None:
    figure = Figure("attendance_time", "grade1/urban", "p90", "min", 12.5, 12.3, 12.7)
    text = sentence(figure, Difference(12.5, 0.0, 0.0, 0.0))
    assert text.endswith("the same as the baseline.")
    assert "95% confidence: 12 min 18 s to 12 min 42 s" in text


def test_sentence_change_within_noise() -> None:
    figure = Figure("answered_within_target", "999", "value", "%", 84.5, 83.9, 85.1)
    text = sentence(figure, Difference(84.0, 0.5, -0.2, 1.2))
    assert text.startswith("84.5% of 999 calls are answered within the target")
    assert "no clear difference" in text
    assert "against 84.0% in the baseline" in text


def test_sentence_without_baseline() -> None:
    figure = Figure("appointment_wait", "scheduled", "p90", "h", 13.4, 12.6, 14.2)
    assert sentence(figure) == (
        "9 in 10 appointments take place within 13 h 24 min "
        "(95% confidence: 12 h 36 min to 14 h 12 min)."
    )


# ------------------------------------------------------------------ figures


def test_single_run_with_records(run_dir: Path) -> None:
    outcome = write_report(run_dir)
    html = outcome.html.read_text()
    assert outcome.html == run_dir / "report.html"
    shown = ALL_FIGURES - {"trade-off", "difference"}
    assert figure_keys(html) == shown
    for key in shown:
        assert f'id="fig-{key}"' in html
    assert left_out_keys(html) == {"trade-off", "difference"}
    assert "single run, not a sweep" in html
    assert "no baseline to compare with" in html
    # records: the full distributions and the hourly band, nothing shown in part
    assert "data-partial" not in html
    assert "In this scenario:" in html and "95% confidence:" in html


def test_experiment_with_records_has_every_figure(experiment_dir: Path) -> None:
    results = load_results(experiment_dir)
    assert results.baseline == "late-14"
    assert results.calls is not None and set(results.calls["scenario"]) == set(results.scenarios)
    html = write_report(experiment_dir).html.read_text()
    assert figure_keys(html) == ALL_FIGURES | SPLIT_FIGURES
    assert left_out_keys(html) == set()
    assert "call handlers on the late shift (number)" in html  # the trade-off's x axis
    assert "With 4 more call handlers on the late shift (18 instead of 14):" in html
    assert "With 4 fewer call handlers on the late shift (10 instead of 14):" in html
    # a scenario identical to the baseline: the same calls, so the same figures
    assert "the same as the baseline." in html
    assert "instead of" in html  # 10 or 18 handlers make a clear difference to 101 waits
    assert re.search(r"\(95% confidence: [^)]+ to [^)]+\), instead of ", html)


def test_experiment_without_records_says_what_is_partial(experiment_no_records: Path) -> None:
    figures = {f.key: f for f in build_figures(load_results(experiment_no_records))}
    assert {k for k, f in figures.items() if f.figure is not None} == ALL_FIGURES | SPLIT_FIGURES
    assert "stored percentiles" in figures["answer-distribution"].reason
    assert "warmup.csv" in figures["by-hour"].reason
    html = write_report(experiment_no_records).html.read_text()
    assert set(re.findall(r"data-partial='([\w-]+)'", html)) == {
        "answer-distribution",
        "attendance-distribution",
        "by-hour",
    }


def test_contact_only_run_leaves_out_response_figures(contact_only_dir: Path) -> None:
    outcome = write_report(contact_only_dir)
    html = outcome.html.read_text()
    left = {f.key: f.reason for f in outcome.left_out}
    assert set(left) == {
        "attendance-percentiles",
        "attendance-distribution",
        "trade-off",
        "difference",
    }
    assert "attendance" in left["attendance-percentiles"]
    assert left_out_keys(html) == set(left)
    # mmc has 101 only: the 999 panel is missing, and the report says so
    answer = next(f for f in outcome.figures if f.key == "answer-percentiles")
    assert "999" in answer.reason
    # a run writes warmup.csv, so 101 by hour is drawn without records
    assert figure_keys(html) == {"answer-percentiles", "answer-distribution", "by-hour"}


def test_every_axis_titled_with_unit_and_palette(experiment_dir: Path) -> None:
    for item in build_figures(load_results(experiment_dir)):
        assert item.figure is not None
        layout = item.figure.to_plotly_json()["layout"]
        axes = [k for k in layout if re.fullmatch(r"[xy]axis\d*", k)]
        assert axes, item.key
        for axis in axes:
            if layout[axis].get("visible") is False:
                continue
            title = (layout[axis].get("title") or {}).get("text", "")
            assert re.search(
                r"\((s|min|h|%|number|percentile|percentage points)\)|percentile|scenario", title
            ), (
                item.key,
                axis,
                title,
            )
        allowed = {c.lower() for c in PALETTE}
        for trace in item.figure.data:
            for part in ("marker", "line"):
                value = getattr(getattr(trace, part, None), "color", None)
                if isinstance(value, str) and value.startswith("#"):
                    assert value.lower() in allowed, (item.key, value)


def test_html_is_self_contained_and_prints_on_a4(run_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "sub" / "panel.html"
    html = write_report(run_dir, out=out).html.read_text()
    assert out.exists()
    assert "<link" not in html
    assert not re.search(r"<script[^>]*\ssrc=", html)
    plotly_js = plotly.offline.get_plotlyjs()
    assert html.count(plotly_js) == 1  # plotly.js inlined once, whole
    ours = html.replace(plotly_js, "")  # the library's own code mentions plotly.com in strings
    assert not re.search(r"""(src|href|url)\s*[=(]\s*["']?(https?:)?//""", ours)
    assert "http://" not in ours and "https://" not in ours
    assert "@import" not in html
    assert html.count("<script") >= 3 and "Plotly.newPlot" in html
    assert len(html) > 3_000_000  # plotly.js itself is inlined
    assert "@page { size: A4" in html and "@media print" in html
    assert "How to read these charts" in html
    assert "Appendix: assumptions and settings" in html and "Targets judged against" in html


# ------------------------------------------------------------------ targets and changes


def test_not_a_results_directory_names_the_problem(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="does not exist"):
        load_results(tmp_path / "nowhere")
    with pytest.raises(InputError, match=r"has no summary\.csv"):
        load_results(tmp_path)
    (tmp_path / "summary.csv").write_text("a,b\n1,2\n")
    with pytest.raises(InputError, match="has no column\\(s\\) scenario"):
        load_results(tmp_path)


def test_targets_come_from_targets_csv(contact_only_dir: Path) -> None:
    results = load_results(contact_only_dir)
    assert results.notes == []
    targets = targets_for(results, "mmc")
    assert targets[("answer_time", "101", "p90")].value == 20.0
    assert targets[("answer_time", "101", "p90")].label == "101 target 20 s"
    html = write_report(contact_only_dir).html.read_text()
    assert "101 target 20 s" in html


def test_without_targets_csv_the_national_standards_are_assumed_and_said(
    contact_only_dir: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    old = tmp_path / "old"
    shutil.copytree(contact_only_dir, old)
    (old / "targets.csv").unlink()
    with caplog.at_level("WARNING", logger="sim.report.load"):
        results = load_results(old)
    assert NATIONAL_FALLBACK in caplog.text
    assert results.notes == [NATIONAL_FALLBACK]
    target = targets_for(results, "mmc")[("answer_time", "101", "p90")]
    assert (target.value, target.source) == (120.0, "national")
    html = write_report(old).html.read_text()
    assert "101 target 2 min" in html
    assert (
        html.count("national standards, not the scenarios") == 2
    )  # at the top and in the appendix


@pytest.fixture(scope="module")
def two_forces_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A made-up two-force run: the same 101 P90 (2 min 30 s), different 101 targets."""
    out = tmp_path_factory.mktemp("two") / "cmp"
    figures = []
    for scope in ("", "tvp/", "hampshire/"):
        for stat, seconds in (("p50", 40.0), ("p90", 150.0), ("p95", 200.0)):
            figures.append(("cmp", "answer_time", f"{scope}101", stat, "s", seconds))
            figures.append(("cmp", "answer_time", f"{scope}999", stat, "s", seconds / 10))
        figures.append(("cmp", "answered_within_target", f"{scope}999", "value", "%", 92.0))
        figures.append(("cmp", "abandoned", f"{scope}101", "value", "%", 4.0))
    write_summary(out, figures)
    table = write_targets(
        out,
        {
            ("answer_time", "tvp/101", "threshold"): 120.0,
            ("answer_time", "hampshire/101", "threshold"): 180.0,
        },
    )
    # The forces disagree, so all forces together have no 101 target.
    table = table[~((table["segment"] == "101") & (table["metric"] == "answer_time"))]
    table.to_csv(out / "targets.csv", index=False)
    write_changes(out)
    return out


def test_two_forces_are_judged_against_their_own_101_targets(two_forces_dir: Path) -> None:
    results = load_results(two_forces_dir)
    assert results.forces == ["tvp", "hampshire"]
    targets = targets_for(results, "cmp")
    assert targets[("answer_time", "tvp/101", "p90")].value == 120.0
    assert targets[("answer_time", "hampshire/101", "p90")].value == 180.0
    assert ("answer_time", "101", "p90") not in targets
    html = write_report(two_forces_dir).html.read_text()
    table = html[html.index("id='headline-all'") :]
    table = table[: table.index("</table>")]
    rows = {re.sub(r"<[^>]+>", "", row.split("</td>")[0]): row for row in table.split("<tr>")[2:]}
    assert set(rows) == {"cmp — all forces", "cmp — tvp", "cmp — hampshire"}
    cells = {name: row.split("</td>") for name, row in rows.items()}
    # Column 3 is P90 answer time, 101: 2 min 30 s misses TVP's 2 min and meets Hampshire's 3 min.
    assert "Missed" in cells["cmp — tvp"][3] and "tvp: 101 target 2 min" in cells["cmp — tvp"][3]
    assert "Met" in cells["cmp — hampshire"][3]
    assert "hampshire: 101 target 3 min" in cells["cmp — hampshire"][3]
    assert "not judged" in cells["cmp — all forces"][3]
    # One answer-time figure for all forces together, one per force (issue 15 part 3).
    answers = {f.key: f.figure for f in build_figures(results) if f.key.startswith("answer-p")}
    assert set(answers) == {
        "answer-percentiles",
        "answer-percentiles-tvp",
        "answer-percentiles-hampshire",
    }
    annotations = [a.text for fig in answers.values() for a in fig.layout.annotations]
    assert {"tvp: 101", "hampshire: 101", "tvp: 999", "101", "999"} <= set(annotations)
    lines = {a for a in annotations if "target" in a}
    assert {"tvp: 101 target 2 min", "hampshire: 101 target 3 min", "999 target 10 s"} <= lines


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == PNG_MAGIC
    return struct.unpack(">II", data[16:24])


def test_png_export_one_image_per_figure(run_dir: Path, tmp_path: Path) -> None:
    chromium_or_skip()
    png_dir = tmp_path / "png"
    write_report(run_dir, out=tmp_path / "r.html", png_dir=png_dir)
    figures = [f for f in build_figures(load_results(run_dir)) if f.figure is not None]
    written = sorted(p.name for p in png_dir.iterdir())
    assert written == sorted(f"{f.key}.png" for f in figures)
    for item in figures:
        path = png_dir / f"{item.key}.png"
        assert path.stat().st_size > 10_000
        assert png_size(path) == (1000, int(item.figure.layout.height))


# ------------------------------------------------------------------ browser


def test_page_renders_in_headless_chromium_offline(experiment_dir: Path, tmp_path: Path) -> None:
    browser_path = chromium_or_skip()
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="playwright (Python) is not installed: pip install -e .[test]"
    )
    page_file = write_report(experiment_dir, out=tmp_path / "report.html").html
    expected = figure_keys(page_file.read_text())
    errors: list[str] = []
    fetched: list[str] = []
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=browser_path,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        try:
            page = browser.new_page(viewport={"width": 1100, "height": 900})
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))

            def block_network(route: object) -> None:
                request = route.request  # type: ignore[attr-defined]
                if not request.url.startswith(("file:", "data:", "blob:")):
                    fetched.append(request.url)
                    route.abort()  # type: ignore[attr-defined]
                else:
                    route.continue_()  # type: ignore[attr-defined]

            page.route("**/*", block_network)
            page.goto(page_file.as_uri(), wait_until="load")
            page.wait_for_function(
                "n => document.querySelectorAll('.js-plotly-plot .main-svg').length >= n",
                arg=len(expected) + 1,
                timeout=30_000,
            )
            drawn = page.evaluate(
                """() => Array.from(document.querySelectorAll('.js-plotly-plot')).map(el => ({
                    id: el.id,
                    svgs: el.querySelectorAll('svg.main-svg').length,
                    points: el.querySelectorAll('.scatterlayer .trace').length,
                    width: el.getBoundingClientRect().width}))"""
            )
            shot = tmp_path / "report.png"
            page.screenshot(path=str(shot), full_page=True)
        finally:
            browser.close()
    assert errors == []
    assert fetched == []
    assert {d["id"] for d in drawn} == {f"fig-{k}" for k in expected} | {"fig-brief-headline"}
    for plot in drawn:
        assert plot["svgs"] >= 1 and plot["points"] >= 1, plot
        assert plot["width"] > 300, plot
    assert shot.read_bytes()[:8] == PNG_MAGIC and shot.stat().st_size > 50_000
