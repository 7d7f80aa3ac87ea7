"""``validate`` and ``demo``: check any input file; the shipped demo and its report."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from sim.cli.deferred import app_demo, app_validate
from sim.cli.output import bad_input_exits_2, err, out
from sim.cli.run_commands import report, run


def validate(
    file: Annotated[
        Path,
        typer.Argument(
            metavar="FILE",
            help="Scenario, experiment, platform, shift patterns or fit mapping YAML file.",
        ),
    ],
) -> None:
    """Check any file demandsim reads: exit 0 if valid, or 2 listing every problem.

    Scenario, experiment, platform, shift patterns (staff --shifts) or fit
    mapping (fit --columns): the first line says which kind was checked.

    Warnings (a scenario that will run but whose results cannot mean anything)
    are printed to stderr, one per line, and leave the exit code 0.
    """
    with bad_input_exits_2():
        validation = app_validate.validate_any_file(file)
    out.print(validation.description, markup=False, highlight=False, soft_wrap=True)
    for warning in validation.warnings:
        err.print(f"warning: {warning}", markup=False, highlight=False, soft_wrap=True)


def demo(
    days: Annotated[
        float | None,
        typer.Option(metavar="DAYS", help="Measured days (default the scenario's 28)."),
    ] = None,
) -> None:
    """Run the shipped demo scenario into results/demo and write its panel report.

    The same as `make demo`: the demo scenario (configs/demo.yaml) with records,
    its headline figures, then results/demo/report.html.
    """
    with bad_input_exits_2():
        scenario = app_demo.shipped_scenario()
    out_dir = app_demo.DEMO_OUT
    # demo always replaces its own results/demo: that is what it is for.
    run(scenario, days=days, out_dir=out_dir, records=True, overwrite=True)
    report(out_dir, out_dir / "report.html")
