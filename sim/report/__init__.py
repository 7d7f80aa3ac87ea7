"""The panel report: Plotly figures and one self-contained HTML page from a results directory.

This package takes DataFrames read from a results directory (DESIGN §3) and
never imports SimPy or the model. Entry point: :func:`write_report`.
"""

from __future__ import annotations

import logging
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sim.errors import InputError, Problem
from sim.report.figures import build_figures
from sim.report.geography import map_figures
from sim.report.html import render_brief_html, render_html
from sim.report.load import Results, load_results
from sim.report.pdf import print_to_pdf
from sim.report.style import WIDTH_PX, ReportFigure

log = logging.getLogger(__name__)

#: Where Debian's chromium package puts the browser kaleido drives for PNG export.
SYSTEM_CHROMIUM = ("/usr/bin/chromium", "/usr/bin/chromium-browser")


@dataclass
class ReportOutcome:
    """What :func:`write_report` wrote.

    Attributes
    ----------
    html
        The report page.
    figures
        Every figure, present or left out with its reason.
    pngs
        PNG files written with ``png_dir`` (the figures', and the maps of beats).
    pdf
        The printed brief, with ``pdf``.
    """

    html: Path
    figures: list[ReportFigure]
    pngs: list[Path] = field(default_factory=list)
    pdf: Path | None = None

    @property
    def shown(self) -> list[ReportFigure]:
        """The figures in the report."""
        return [f for f in self.figures if f.figure is not None]

    @property
    def left_out(self) -> list[ReportFigure]:
        """The figures left out, each with its reason."""
        return [f for f in self.figures if f.figure is None]


def system_browser() -> str | None:
    """The Chromium for PNG export: ``$BROWSER_PATH``, else Debian's, else one on PATH."""
    configured = os.environ.get("BROWSER_PATH")
    if configured:
        return configured if Path(configured).exists() else None
    for candidate in SYSTEM_CHROMIUM:
        if Path(candidate).exists():
            return candidate
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if found := shutil.which(name):
            return found
    return None


def require_browser(option: str, path: Path, what: str) -> str:
    """The system Chromium, or an error naming the option that needs it.

    Raises
    ------
    InputError
        If no Chromium is installed (nothing is downloaded: install Debian's
        ``chromium`` package, or set ``BROWSER_PATH``).
    """
    browser = system_browser()
    if browser is None:
        raise InputError(
            [
                Problem(
                    option,
                    str(path),
                    f"needs Chromium to {what} and none was found; expected Debian's "
                    "package (apt-get install chromium, giving /usr/bin/chromium) or "
                    "BROWSER_PATH set to a Chrome or Chromium executable",
                )
            ]
        )
    return browser


def write_pngs(figures: list[ReportFigure], png_dir: Path) -> list[Path]:
    """Write each present figure as ``<key>.png`` through kaleido and the system Chromium.

    Raises
    ------
    InputError
        If no Chromium is installed.
    """
    browser = require_browser("--png", png_dir, "draw the PNGs")
    # kaleido (through choreographer) reads BROWSER_PATH; it never downloads a browser here.
    os.environ["BROWSER_PATH"] = browser
    import plotly.io as pio
    from choreographer.errors import BrowserClosedError, BrowserFailedError

    _make_folder("--png", png_dir)
    shown = [f for f in figures if f.figure is not None]
    paths = [png_dir / f"{f.key}.png" for f in shown]
    if shown:
        try:
            pio.write_images(
                [f.figure for f in shown],
                paths,
                format="png",
                width=WIDTH_PX,
                height=[int(f.figure.layout.height or 500) for f in shown],
                scale=1,
            )
        except (BrowserFailedError, BrowserClosedError) as exc:
            # A browser that will not start (no display libraries, a memory limit):
            # the HTML report is written; say why the PNGs are not.
            reason = exc.args[0] if exc.args else type(exc).__name__
            message = f"Chromium ({browser}) failed to draw the PNGs: {reason}"
            raise InputError([Problem("--png", str(png_dir), message)]) from None
        _redraw_missing(pio, shown, paths, png_dir)
    return paths


def _redraw_missing(pio: Any, shown: list[ReportFigure], paths: list[Path], png_dir: Path) -> None:
    """Draw again, one by one, any PNG the batch left unwritten; refuse if one is still missing.

    kaleido's batch export has been seen to return without writing one of its
    files on a loaded machine; a report that lists a PNG it does not have
    would mislead, so each is checked.
    """

    def unwritten() -> list[int]:
        return [i for i, path in enumerate(paths) if not path.exists() or not path.stat().st_size]

    for i in unwritten():
        figure = shown[i].figure
        log.warning("kaleido left %s unwritten; drawing it again", paths[i].name)
        pio.write_image(
            figure,
            paths[i],
            format="png",
            width=WIDTH_PX,
            height=int(figure.layout.height or 500),
            scale=1,
        )
    missing = [paths[i].name for i in unwritten()]
    if missing:
        message = f"Chromium did not draw {', '.join(missing)}; try again, or without --png"
        raise InputError([Problem("--png", str(png_dir), message)])


def _make_folder(option: str, folder: Path) -> None:
    """Create an output folder, or say (naming the option) why it cannot be."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise InputError([Problem(option, str(folder), "is a file; expected a folder")]) from None
    except OSError as exc:
        message = f"cannot be created: {exc.strerror or exc}"
        raise InputError([Problem(option, str(folder), message)]) from None


def write_report(
    results_dir: Path,
    out: Path | None = None,
    png_dir: Path | None = None,
    title: str | None = None,
    pdf: Path | None = None,
) -> ReportOutcome:
    """Write the panel report of a results directory.

    Parameters
    ----------
    results_dir
        Directory written by ``demandsim run`` or ``demandsim experiment``.
    out
        The HTML file (default ``RESULTS_DIR/report.html``).
    png_dir
        Also write every figure as a PNG here.
    title
        Page title (default from the experiment or scenario name).
    pdf
        Also print the two-page brief to this PDF file (through the system Chromium).

    Returns
    -------
    ReportOutcome
        The files written and the figures, present or left out.

    Raises
    ------
    InputError
        If ``results_dir`` is not a results directory, or PNG or PDF export has
        no browser.
    """
    results: Results = load_results(Path(results_dir))
    browser = require_browser("--pdf", Path(pdf), "print the brief") if pdf is not None else ""
    if pdf is not None and Path(pdf).is_dir():
        raise InputError([Problem("--pdf", str(pdf), "is a directory; expected a .pdf file")])
    figures = build_figures(results)
    if title is None:
        name = (results.manifest.get("experiment") or {}).get("name") or ", ".join(
            results.scenarios
        )
        title = f"Police contact and response demand: {name}"
    out = Path(out) if out is not None else Path(results_dir) / "report.html"
    try:
        is_folder = out.is_dir()
    except OSError as exc:  # a name too long, a loop of links...
        message = f"cannot be used: {exc.strerror or exc}; expected an .html file to write"
        raise InputError([Problem("--out", str(out), message)]) from None
    if is_folder:
        raise InputError([Problem("--out", str(out), "is a directory; expected an .html file")])
    _make_folder("--out", out.parent)
    try:
        out.write_text(render_html(results, figures, title), encoding="utf-8")
    except OSError as exc:
        message = f"cannot be written: {exc.strerror or exc}; expected an .html file to write"
        raise InputError([Problem("--out", str(out), message)]) from None
    log.info("report written to %s", out)
    # The maps of beats (with geography.json) are PNGs too, beside the other figures.
    drawn = [*figures, *map_figures(results)[0]] if png_dir is not None else []
    pngs = write_pngs(drawn, Path(png_dir)) if png_dir is not None else []
    printed = print_to_pdf(render_brief_html(results, title), Path(pdf), browser) if pdf else None
    return ReportOutcome(out, figures, pngs, printed)


__all__ = [
    "ReportFigure",
    "ReportOutcome",
    "load_results",
    "require_browser",
    "write_pngs",
    "write_report",
]
