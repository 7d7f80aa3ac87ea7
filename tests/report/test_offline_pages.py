"""The staffing and fit pages open with the network blocked and draw their plots.

Each page is opened in Debian's headless Chromium with every request off this
machine refused; every plot must be drawn (an SVG with traces), with no
JavaScript error and nothing fetched.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import plotly.offline
import pytest

from sim.report.fit_report import write_fit_report
from sim.report.staffing import requirement_page
from tests.report.test_fit_report import diagnostics
from tests.report.test_report import chromium_or_skip


def requirement_table() -> pd.DataFrame:
    """A week of half-hour intervals: a daily wave of handlers needed, and rosters over it."""
    intervals = np.arange(336)
    wave = np.round(10 + 6 * np.sin((intervals % 48 - 12) / 48 * 2 * np.pi))
    return pd.DataFrame(
        {
            "label": [f"day {i // 48} {i % 48 // 2:02d}:{30 * (i % 2):02d}" for i in intervals],
            "sipp_staff": wave,
            "required_staff": wave + 1,
            "required_rostered": np.ceil((wave + 1) / 0.75),
            "rostered_cover": np.ceil((wave + 1) / 0.75) + 1,
            "current_rostered": np.full(336, 18.0),
        }
    )


def draw_offline(page_file: Path) -> tuple[list[dict[str, Any]], list[str], list[str]]:
    """Open a page with the network blocked: its plots, JavaScript errors and blocked requests."""
    browser_path = chromium_or_skip()
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    errors: list[str] = []
    fetched: list[str] = []
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=browser_path, args=["--no-sandbox", "--disable-gpu"]
        )
        try:
            page = browser.new_page(viewport={"width": 1100, "height": 900})
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))

            def block(route: Any) -> None:
                if route.request.url.startswith(("file:", "data:", "blob:")):
                    route.continue_()
                else:
                    fetched.append(route.request.url)
                    route.abort()

            page.route("**/*", block)
            page.goto(page_file.as_uri(), wait_until="load")
            page.wait_for_function(
                "document.querySelectorAll('.js-plotly-plot .main-svg').length >= 1",
                timeout=30_000,
            )
            drawn = page.evaluate(
                """() => Array.from(document.querySelectorAll('.js-plotly-plot')).map(el => ({
                    id: el.id, traces: el.querySelectorAll('.scatterlayer .trace').length,
                    width: el.getBoundingClientRect().width}))"""
            )
        finally:
            browser.close()
    return drawn, errors, fetched


def test_staffing_requirement_page_draws_offline(tmp_path: Path) -> None:
    page_file = tmp_path / "requirement.html"
    page_file.write_text(requirement_page(requirement_table(), "contact_centre", "handlers"))
    ours = page_file.read_text().replace(plotly.offline.get_plotlyjs(), "")
    assert "<script src" not in ours and "https://" not in ours  # plotly.js inlined, not linked
    drawn, errors, fetched = draw_offline(page_file)
    assert errors == [] and fetched == []
    assert [d["id"] for d in drawn] == ["fig-requirement"]
    assert drawn[0]["traces"] == 5 and drawn[0]["width"] > 300  # five lines, drawn


def test_fit_page_draws_offline(tmp_path: Path) -> None:
    outcome = write_fit_report(diagnostics(), tmp_path / "fit.html")
    drawn, errors, fetched = draw_offline(outcome.html)
    assert errors == [] and fetched == []
    shown = {f"fig-{f.key}" for f in outcome.figures if f.figure is not None}
    assert {d["id"] for d in drawn} == shown
    assert all(d["traces"] >= 1 and d["width"] > 300 for d in drawn), drawn
