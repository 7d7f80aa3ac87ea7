"""The staffing page's figure: staff needed per interval against the roster (Plotly).

Drawn from the requirement table a staffing run writes (``requirement.csv``);
nothing here computes a requirement.
"""

from __future__ import annotations

from typing import Any

import pandas as pd


def requirement_figure(requirement: pd.DataFrame, title: str = "", noun: str = "handlers") -> Any:
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

    Returns
    -------
    plotly.graph_objects.Figure
        Step lines over the week; raises ImportError if plotly is not installed.
    """
    import plotly.graph_objects as go

    figure = go.Figure()
    x = requirement["label"]
    working = "taking calls" if noun == "handlers" else "on duty"
    lines = (
        ("current_rostered", "current roster (rostered)", "#999999", "dot"),
        ("sipp_staff", f"SIPP requirement ({working})", "#1f77b4", "dash"),
        ("required_staff", f"FMMW requirement, verified ({working})", "#d62728", "solid"),
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
    figure.update_layout(
        title=title,
        xaxis_title="interval of the week",
        yaxis_title=noun,
        hovermode="x unified",
        legend={"orientation": "h", "y": -0.25},
    )
    return figure
