"""The staffing page: staff needed per interval against the roster (Plotly), offline.

Drawn from the requirement table a staffing run writes (``requirement.csv``);
nothing here computes a requirement. :func:`requirement_page` is the page
``demandsim staff`` writes as ``requirement.html``, plotly.js inlined.
"""

from __future__ import annotations

import html
from typing import Any

import pandas as pd


def requirement_figure(
    requirement: pd.DataFrame, title: str = "", noun: str = "handlers", verified: bool = True
) -> Any:
    """Plotly figure: staff needed per interval (SIPP, FMMW) against rostered cover.

    Parameters
    ----------
    requirement
        The requirement table (``requirement.csv``): ``label``, ``sipp_staff``,
        ``required_staff``, ``required_rostered`` and, where known,
        ``rostered_cover`` and ``current_rostered``.
    title
        Figure title.
    noun
        What is staffed (``handlers``, or ``units``: no shrinkage, and the
        requirement is in units on duty).
    verified
        Whether the confirmation on fresh seeds held every target (the
        legend says so, or says NOT verified).

    Returns
    -------
    plotly.graph_objects.Figure
        Step lines over the week; raises ImportError if plotly is not installed.
    """
    import plotly.graph_objects as go

    figure = go.Figure()
    x = requirement["label"]
    working = "taking calls" if noun == "handlers" else "on duty"
    required = f"FMMW requirement, {verified_word(verified)} ({working})"
    lines = (
        ("current_rostered", "current roster (rostered)", "#999999", "dot"),
        ("sipp_staff", f"SIPP requirement ({working})", "#1f77b4", "dash"),
        ("required_staff", required, "#d62728", "solid"),
        ("rostered_cover", "new roster cover (rostered)", "#2ca02c", "solid"),
    )
    if noun == "handlers":
        rostered = ("required_rostered", "FMMW requirement, rostered (with shrinkage)")
        lines = (*lines[:3], (*rostered, "#ff7f0e", "solid"), lines[3])
    for column, name, colour, dash in lines:
        if column in requirement:
            figure.add_trace(
                go.Scatter(
                    x=x,
                    y=requirement[column],
                    name=name,
                    mode="lines",
                    line={"shape": "hv", "color": colour, "dash": dash},
                )
            )
    # A tick every twelve hours, named by its start ("Mon 12:00"): 336 half-hour
    # labels cannot be read, and turned on end they ran into the legend.
    per_half_day = max(len(x) * 12 // (7 * 24), 1)
    ticks = list(x[::per_half_day])
    figure.update_layout(
        title=title,
        xaxis={
            "title": "interval of the week",
            "tickmode": "array",
            "tickvals": ticks,
            "ticktext": [str(label).split("-")[0] for label in ticks],
            "tickangle": 0,
        },
        yaxis_title=noun,
        hovermode="x unified",
        legend={"orientation": "h", "y": -0.2},
    )
    return figure


def verified_word(verified: bool) -> str:
    """``verified``, or ``NOT verified`` where the confirmation failed: a requirement's name."""
    return "verified" if verified else "NOT verified"


def verified_in(verification: pd.DataFrame) -> bool:
    """Whether a staffing run's ``verification.csv`` says the confirmation held everywhere."""
    confirmation = verification[
        (verification["stage"] == "confirmation") & (verification["method"] == "fmmw")
    ]
    held = confirmation["held"].astype(str).str.lower() == "true"  # bool, or read as text
    return bool(len(confirmation)) and bool(held.all())


def requirement_page(
    requirement: pd.DataFrame, title: str = "", noun: str = "handlers", verified: bool = True
) -> str:
    """The staffing page: the requirement figure on one self-contained offline HTML page.

    plotly.js is inlined, as on the panel page: nothing is fetched when the page
    opens, so it draws offline and from a USB stick.

    Parameters
    ----------
    requirement, title, noun, verified
        As for :func:`requirement_figure`.

    Returns
    -------
    str
        One HTML document with no external references.
    """
    from sim.report.html import CSS, PRINT_JS, figure_block, plotly_script
    from sim.report.style import ReportFigure, style_figure

    figure = style_figure(requirement_figure(requirement, title, noun, verified), 560, title)
    note = (
        f"Staff needed per interval of the week: the SIPP and FMMW requirements ({noun} "
        "working), and the rostered cover of the new and the current roster."
    )
    heading = "Staff needed per interval of the week, against the roster"
    block = figure_block(ReportFigure("requirement", heading, figure, "", note))
    return (
        "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
        f"<title>{html.escape(title or 'Staffing requirement')}</title><style>{CSS}</style>"
        + plotly_script()
        + "</head><body>\n"
        + f"<h1>Staffing requirement{html.escape(': ' + title if title else '')}</h1>\n{block}"
        + f"\n<script type='text/javascript'>{PRINT_JS}</script>\n</body></html>\n"
    )
