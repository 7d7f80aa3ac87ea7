"""The options several commands share, defined once, and what ``--excel`` does after them."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

from sim.cli.output import bad_input_exits_2, out

Scheduler = Annotated[
    str | None,
    typer.Option(
        metavar="ADDRESS", help="Run on a Dask cluster: its scheduler address, tcp://HOST:PORT."
    ),
]
Resume = Annotated[
    bool, typer.Option("--resume", metavar="", help="Finish an interrupted run in --out DIR.")
]
Overwrite = Annotated[
    bool,
    typer.Option(
        "--overwrite",
        metavar="",
        help="Replace the results of another run or experiment in --out (only the files "
        "demandsim wrote there).",
    ),
]
Excel = Annotated[
    Path | None,
    typer.Option(
        "--excel",
        metavar="FILE.xlsx",
        help="Also write the tables as an Excel workbook (and records as CSV, wall-clock times).",
    ),
]
Overrides = Annotated[
    list[str] | None,
    typer.Option(
        "--set", metavar="PATH=VALUE", help="Override a field: --set a.b.c=VALUE (repeatable)."
    ),
]
ResultsDir = Annotated[
    Path | None,
    typer.Option("--out", metavar="DIR", help="Results directory (default results/NAME-TIME)."),
]
Workers = Annotated[int, typer.Option(min=1, metavar="N", help="Worker processes.")]
Records = Annotated[
    bool, typer.Option("--records", metavar="", help="Write per-call and per-incident records.")
]
Json = Annotated[bool, typer.Option("--json", metavar="", help="Print one JSON object.")]


def write_excel_if_asked(
    write: Callable[[Any, Path], Any], outcome: Any, workbook: Path | None
) -> None:
    """``--excel``: write the workbook (and records CSV) and say where they are."""
    if workbook is None:
        return
    with bad_input_exits_2():
        written = write(outcome, workbook)
    where = f"workbook: {written.workbook}"
    if written.records:
        folder = written.workbook.with_name(f"{written.workbook.stem}-records")
        where += f"; records as CSV in {folder}/ ({len(written.records)} files)"
    out.print(where, markup=False, highlight=False, soft_wrap=True)
