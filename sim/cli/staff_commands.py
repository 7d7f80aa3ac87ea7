"""``staff``: the handlers (or an area's units) needed per interval, then rosters."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

from sim.cli.deferred import app_excel, app_staff
from sim.cli.options import Excel, Overrides, Scheduler, Workers, write_excel_if_asked
from sim.cli.output import bad_input_exits_2, err, print_staffing, progress_shown
from sim.errors import InputError, Problem


def staff(
    scenario: Annotated[Path, typer.Argument(metavar="SCENARIO", help="Scenario YAML file.")],
    target: Annotated[
        list[str],
        typer.Option(
            "--target",
            metavar="TARGET",
            help="metric:segment[:stat]<=|>=value, e.g. 'answered_within_target:999>=90' "
            "or 'answer_time:101:p90<=120' for a pool; 'attended_within_target:grade1/urban>=90' "
            "or 'attendance_time:grade2:p90<=60' (minutes) for an area (repeatable).",
        ),
    ],
    pool: Annotated[
        str | None,
        typer.Option("--pool", metavar="POOL", help="Handler pool to staff (or --area)."),
    ] = None,
    area: Annotated[
        str | None,
        typer.Option(
            "--area", metavar="AREA", help="Response area whose units to staff: AREA or FORCE/AREA."
        ),
    ] = None,
    interval: Annotated[
        int | None,
        typer.Option(
            metavar="MINUTES",
            help="Staffing interval, minutes: 15, 30 or 60 (default 30; 60 for units).",
        ),
    ] = None,
    shifts: Annotated[
        Path | None,
        typer.Option(
            metavar="FILE",
            help="Shift patterns YAML (default: the scenario's own shifts, any number on each).",
        ),
    ] = None,
    confidence: Annotated[
        float,
        typer.Option(
            metavar="P", help="One-sided confidence each interval must meet each target with."
        ),
    ] = 0.95,
    tolerance: Annotated[
        float,
        typer.Option(
            metavar="X", help="How far below a target a mean may be, in the target's unit."
        ),
    ] = 0.0,
    max_replications: Annotated[
        int, typer.Option(min=3, metavar="N", help="Most replications per staffing searched.")
    ] = 20,
    max_starts: Annotated[
        int | None,
        typer.Option(min=1, metavar="N", help="Most distinct shift start times in the roster."),
    ] = None,
    vary_by_day: Annotated[
        bool,
        typer.Option(
            "--vary-by-day",
            metavar="",
            help="Let the roster differ between weekdays (default: the same).",
        ),
    ] = False,
    compare_sipp: Annotated[
        bool,
        typer.Option(
            "--compare-sipp", metavar="", help="Also simulate the SIPP staffing, for comparison."
        ),
    ] = False,
    set_: Overrides = None,
    max_staff: Annotated[
        int, typer.Option(min=1, metavar="N", help="Most handlers (or units) per interval.")
    ] = 2000,
    workers: Workers = 1,
    scheduler: Scheduler = None,
    out_dir: Annotated[
        Path | None,
        typer.Option(
            "--out", metavar="DIR", help="Results directory (default results/NAME-staff-TIME)."
        ),
    ] = None,
    overwrite: Annotated[
        bool,
        typer.Option(
            "--overwrite", metavar="", help="Replace an earlier staffing result in --out."
        ),
    ] = False,
    excel: Excel = None,
) -> None:
    """Handlers (or an area's units) needed per interval to meet targets, then rosters."""
    with bad_input_exits_2():
        app_excel.check_excel_path(excel)
        if (pool is None) == (area is None):
            raise InputError(
                [
                    Problem(
                        "--pool/--area", "", "give exactly one: a handler pool or a response area"
                    )
                ]
            )
        options = app_staff.StaffOptions(
            interval_minutes=interval,
            out_dir=out_dir,
            overrides=set_ or [],
            shifts=shifts,
            workers=workers,
            max_staff=max_staff,
            scheduler=scheduler,
            confidence=confidence,
            tolerance=tolerance,
            max_replications=max_replications,
            max_starts=max_starts,
            vary_by_day=vary_by_day,
            compare_sipp=compare_sipp,
        )
        if area is not None:
            run: Callable[..., Any] = app_staff.staff_area
            args: tuple[Any, ...] = (scenario, area, target, options)
        else:
            run, args = app_staff.staff_scenario, (scenario, pool, target, options)
        if progress_shown():
            with err.status("staffing") as status:
                outcome = run(*args, on_step=status.update, overwrite=overwrite)
        else:
            outcome = run(*args, overwrite=overwrite)
    print_staffing(outcome)
    write_excel_if_asked(app_excel.write_staff_excel, outcome, excel)
