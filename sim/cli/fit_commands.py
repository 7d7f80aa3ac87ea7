"""``fit`` and ``fit-sample``: a scenario estimated from a force's own exports."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from sim.cli.deferred import app_fit, app_sample
from sim.cli.output import bad_input_exits_2, err, out, print_backtest, progress_shown

#: ``fit-sample --weeks``: the default is :data:`sim.fit.sample.DEFAULT_SAMPLE_WEEKS`
#: (not imported here, so that ``--help`` answers at once; a test keeps them equal).
SAMPLE_WEEKS_HELP = (
    "Weeks of exports, from Monday 17 March 2025 (default: 26). Half a year: "
    "a shorter export varies too much of itself for fit --backtest's ±15% (a figure's "
    "SD from one period to the next, measured: up to 16% over 4 weeks, 13% over 13, 6% over 26)."
)


def fit_command(
    out_path: Annotated[
        Path, typer.Option("--out", metavar="FILE", help="Scenario YAML to write.")
    ],
    incidents: Annotated[
        Path | None,
        typer.Option("--incidents", metavar="FILE", help="CAD incident export (CSV or .xlsx)."),
    ] = None,
    calls: Annotated[
        Path | None,
        typer.Option(
            "--calls", metavar="FILE", help="Telephony export (CSV or .xlsx), one row per call."
        ),
    ] = None,
    columns: Annotated[
        Path | None,
        typer.Option(
            "--columns", metavar="FILE", help="Mapping YAML: column names, timestamp format, codes."
        ),
    ] = None,
    report_path: Annotated[
        Path | None,
        typer.Option(
            "--report",
            metavar="FILE",
            help="Diagnostic HTML page (default: beside --out, NAME.fit-report.html).",
        ),
    ] = None,
    png_dir: Annotated[
        Path | None,
        typer.Option("--png", metavar="DIR", help="Also write each diagnostic figure as PNG here."),
    ] = None,
    backtest: Annotated[
        bool,
        typer.Option(
            "--backtest",
            metavar="",
            help="Simulate the fitted scenario and compare it with the data.",
        ),
    ] = False,
) -> None:
    """Fit a scenario's demand and times from a force's own CAD and/or telephony exports."""
    with bad_input_exits_2():
        if backtest and progress_shown():
            with err.status("fitting, then simulating the fitted scenario"):
                outcome = app_fit.fit_scenario(
                    incidents, calls, columns, out_path, report_path, png_dir, backtest
                )
        else:
            outcome = app_fit.fit_scenario(
                incidents, calls, columns, out_path, report_path, png_dir, backtest
            )
    lines = [
        outcome.report_text,
        f"scenario in {outcome.out}; data report in {outcome.report}",
        f"diagnostic report in {outcome.html}",
    ]
    if outcome.pngs:
        lines.append(f"{len(outcome.pngs)} PNG figure(s) in {png_dir}")
    if outcome.files:
        shown = ", ".join(str(path) for path in outcome.files)
        lines.append(f"beats and travel matrix in {shown} (the scenario names them)")
    lines += [f"warning: {warning}" for warning in outcome.warnings]
    out.print("\n".join(lines), markup=False, highlight=False, soft_wrap=True)
    if outcome.backtest is not None:
        print_backtest(outcome.backtest)


def fit_sample_command(
    out_dir: Annotated[
        Path, typer.Argument(metavar="DIR", help="Folder for cad.csv, calls.csv and mapping.yaml.")
    ],
    scenario: Annotated[
        Path | None,
        typer.Option(
            "--scenario",
            metavar="FILE",
            help="One-force scenario to simulate (default: configs/demo.yaml).",
        ),
    ] = None,
    weeks: Annotated[
        int | None,
        typer.Option(
            "--weeks",
            metavar="N",
            min=1,
            help=SAMPLE_WEEKS_HELP,
        ),
    ] = None,
) -> None:
    """Write a sample CAD and telephony export, in a force's own columns, to try fit on."""
    given = {} if weeks is None else {"weeks": weeks}
    with bad_input_exits_2():
        if progress_shown():
            with err.status("simulating the sample force"):
                written = app_sample.write_fit_sample(out_dir, scenario, **given)
        else:
            written = app_sample.write_fit_sample(out_dir, scenario, **given)
    out.print(
        "sample exports in " + ", ".join(str(p) for p in written),
        markup=False,
        highlight=False,
        soft_wrap=True,
    )
