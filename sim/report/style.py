"""The report's shared style: colours, the figure type, layout, target lines, summary lookups.

Colours are the Okabe–Ito palette (safe for the common colour-vision
deficiencies); every figure of the panel, staffing and fit pages is styled
by :func:`style_figure`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from sim.report.words import format_value

#: Okabe & Ito (2008), yellow last (it is faint on white).
PALETTE: tuple[str, ...] = (
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#D55E00",
    "#56B4E9",
    "#CC79A7",
    "#000000",
    "#F0E442",
)


SYMBOLS: tuple[str, ...] = ("circle", "square", "diamond", "triangle-up", "x", "star")


TARGET_COLOUR = "#555555"


FONT = "Helvetica, Arial, sans-serif"


WIDTH_PX = 1000  # PNG width; on the page figures fill the column


@dataclass
class ReportFigure:
    """One figure of the report, or the reason it is not there.

    Attributes
    ----------
    key
        Short identifier: the HTML element id is ``fig-<key>``, the PNG ``<key>.png``.
    title
        The figure's heading.
    figure
        The Plotly figure; ``None`` when left out.
    reason
        Why it was left out (or what part of it was), in plain words.
    note
        How to read it, or how it was built.
    """

    key: str
    title: str
    figure: go.Figure | None
    reason: str = ""
    note: str = ""


def colour(index: int) -> str:
    """The palette colour of the ``index``-th scenario."""
    return PALETTE[index % len(PALETTE)]


def summary_rows(summary: pd.DataFrame, metric: str, segment: str, stat: str) -> pd.DataFrame:
    """The rows of one figure with a finite mean (one per scenario)."""
    rows = summary[
        (summary["metric"] == metric) & (summary["segment"] == segment) & (summary["stat"] == stat)
    ]
    return rows[np.isfinite(rows["mean"].to_numpy(dtype=float))]


def has_figure(summary: pd.DataFrame, metric: str, segment: str, stat: str) -> bool:
    """Whether some scenario has a finite figure for ``metric``/``segment``/``stat``."""
    return not summary_rows(summary, metric, segment, stat).empty


def style_figure(fig: go.Figure, height: int, title: str) -> go.Figure:
    """The report's layout: title, height (pixels), font, palette, legend below."""
    fig.update_layout(
        title={"text": title, "x": 0.0, "xanchor": "left", "font": {"size": 16}},
        height=height,
        font={"family": FONT, "size": 12, "color": "#222222"},
        template="plotly_white",
        colorway=list(PALETTE),
        margin={"l": 70, "r": 30, "t": 80, "b": 60},
        legend={"orientation": "h", "yanchor": "top", "y": -0.18, "x": 0.0},
        hoverlabel={"namelength": -1},
    )
    return fig


def hover_text(values: Sequence[float], unit: str) -> list[str]:
    """Each value in words, for hover labels."""
    return [format_value(float(v), unit) for v in values]


def grid(count: int, columns: int) -> tuple[int, int]:
    """Rows and columns of a grid of ``count`` panels at most ``columns`` wide."""
    return math.ceil(count / columns), min(columns, count)


def hide_empty_cells(fig: go.Figure, count: int, rows: int, cols: int) -> None:
    """Hide the axes of grid cells after the last panel (an odd number of panels)."""
    for n in range(count, rows * cols):
        fig.update_xaxes(visible=False, row=n // cols + 1, col=n % cols + 1)
        fig.update_yaxes(visible=False, row=n // cols + 1, col=n % cols + 1)


def transparent(hex_colour: str, alpha: float) -> str:
    """``#rrggbb`` as ``rgba(...)`` with opacity ``alpha`` (0..1)."""
    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},{alpha})"
