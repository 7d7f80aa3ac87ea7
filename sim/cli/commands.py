"""demandsim command line: thin Typer commands over the plain functions in ``sim.app``.

Exit codes: 0 success; 2 bad input (config, arguments, data), with every problem
named by file and field path; 1 only for a genuine bug.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperArgument, TyperCommand, TyperGroup, TyperOption

from sim.app import analytic as app_analytic
from sim.app import fit as app_fit
from sim.app import headline as app_headline
from sim.app import report as app_report
from sim.app import run as app_run
from sim.app import staff as app_staff
from sim.cli.output import (
    bad_input_exits_2,
    err,
    figure,
    out,
    print_experiment,
    print_failures,
    print_headline,
    print_staffing,
    progress_counter,
    stopped_runs_say_how_to_resume,
)
from sim.config import InputError, Problem


class _NamedArgument(TyperArgument):
    """An argument shown in help by its metavar alone (SCENARIO), without ``<path>``."""

    def display_type_rich(self, ctx: Any) -> str | None:
        return None


def _plain_help_option(option: TyperOption | None) -> TyperOption | None:
    # Typer labels its own --help flag "<bool>"; a flag takes no value, so no metavar.
    if option is not None:
        option.metavar = ""
    return option


class _PlainHelpCommand(TyperCommand):
    """A command whose --help names values by metavar (DIR, N), never ``<type>``."""

    def get_help_option(self, ctx: Any) -> TyperOption | None:
        return _plain_help_option(super().get_help_option(ctx))

    def get_params(self, ctx: Any) -> list[Any]:
        params = super().get_params(ctx)
        for param in params:
            if type(param) is TyperArgument and param.metavar:
                param.__class__ = _NamedArgument
        return params


class _PlainHelpGroup(TyperGroup):
    """A command group whose --help flag shows no ``<bool>``."""

    def get_help_option(self, ctx: Any) -> TyperOption | None:
        return _plain_help_option(super().get_help_option(ctx))


app = typer.Typer(
    name="demandsim",
    cls=_PlainHelpGroup,
    help="Simulate police contact and response demand: run scenarios, check configs, estimate.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
erlang_app = typer.Typer(
    cls=_PlainHelpGroup,
    help="Analytic Erlang C / Erlang A figures for a quick estimate.",
    no_args_is_help=True,
)
app.add_typer(erlang_app, name="erlang")


#: Options several commands share.
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
Overrides = Annotated[
    list[str] | None,
    typer.Option(
        "--set", metavar="PATH=VALUE", help="Override a field: --set a.b.c=VALUE (repeatable)."
    ),
]


@app.command(cls=_PlainHelpCommand)
def run(
    scenario: Annotated[Path, typer.Argument(metavar="SCENARIO", help="Scenario YAML file.")],
    set_: Overrides = None,
    replications: Annotated[
        int | None, typer.Option(metavar="N", help="Replications to run.")
    ] = None,
    seed: Annotated[int | None, typer.Option(metavar="SEED", help="Base random seed.")] = None,
    days: Annotated[float | None, typer.Option(metavar="DAYS", help="Measured days.")] = None,
    warmup_days: Annotated[
        float | None, typer.Option(metavar="DAYS", help="Warm-up days before them.")
    ] = None,
    out_dir: Annotated[
        Path | None,
        typer.Option("--out", metavar="DIR", help="Results directory (default results/NAME-TIME)."),
    ] = None,
    records: Annotated[
        bool, typer.Option("--records", metavar="", help="Write per-call and per-incident records.")
    ] = False,
    workers: Annotated[int, typer.Option(min=1, metavar="N", help="Worker processes.")] = 1,
    scheduler: Scheduler = None,
    resume: Resume = False,
    overwrite: Overwrite = False,
) -> None:
    """Run one scenario: N replications, results directory with summary.csv.

    Ctrl-C keeps every finished replication and prints the command that finishes
    the run (exit 130); a lost cluster does the same with exit 2.
    """
    overrides = app_run.cli_overrides(set_ or [], replications, seed, days, warmup_days)
    command = ["demandsim", "run", str(scenario)]
    for override in set_ or []:
        command += ["--set", override]
    for flag, value in (
        ("--replications", replications),
        ("--seed", seed),
        ("--days", days),
        ("--warmup-days", warmup_days),
    ):
        if value is not None:
            command += [flag, str(value)]
    command += ["--records"] if records else []
    command += ["--workers", str(workers)] if workers != 1 else []
    command += ["--scheduler", scheduler] if scheduler is not None else []
    with (
        stopped_runs_say_how_to_resume(command),
        bad_input_exits_2(),
        progress_counter(scenario.stem) as on_progress,
    ):
        outcome = app_run.run_scenario(
            scenario,
            overrides,
            out_dir,
            records,
            workers,
            scheduler,
            resume,
            on_progress,
            overwrite=overwrite,
        )
    summary = outcome.summary
    title = f"{outcome.plan.name}: mean ± half-width of 95% confidence interval"
    print_headline(title, "channel", app_headline.headline(summary))
    print_headline("", "attendance", app_headline.response_headline(summary))
    for label, cell, unit in app_headline.other_headlines(summary):
        out.print(f"{label}: {figure(cell)} {unit}")
    reused = f" ({outcome.reused} replications reused from disk)" if outcome.reused else ""
    out.print(
        f"{outcome.calls:,} calls simulated in {outcome.compute_s:.1f} s of compute{reused}; "
        f"results in {outcome.out_dir}/ (summary.csv)"
    )
    print_failures(outcome)


@app.command(cls=_PlainHelpCommand)
def validate(
    file: Annotated[Path, typer.Argument(metavar="FILE", help="Scenario or experiment YAML file.")],
) -> None:
    """Check a scenario or experiment file: exit 0 if valid, or 2 listing every problem.

    Warnings (a scenario that will run but whose results cannot mean anything)
    are printed to stderr, one per line, and leave the exit code 0.
    """
    with bad_input_exits_2():
        validation = app_run.validate_file(file)
    out.print(validation.description, markup=False, highlight=False, soft_wrap=True)
    for warning in validation.warnings:
        err.print(f"warning: {warning}", markup=False, highlight=False, soft_wrap=True)


@app.command(cls=_PlainHelpCommand)
def experiment(
    file: Annotated[
        Path, typer.Argument(metavar="FILE", help="Experiment YAML file (experiments/*.yaml).")
    ],
    out_dir: Annotated[
        Path | None,
        typer.Option("--out", metavar="DIR", help="Results directory (default results/NAME-TIME)."),
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option(min=1, metavar="N", help="Local worker processes (default: one per core)."),
    ] = None,
    scheduler: Scheduler = None,
    resume: Resume = False,
    overwrite: Overwrite = False,
) -> None:
    """Run a sweep of scenarios and compare each with the baseline (paired, same random numbers).

    Exit 0 when every replication finished; 2 for bad input, before anything runs,
    or a lost cluster; 1 if some replication failed twice (the others are in the
    results; --resume tries the failed ones again); 130 on Ctrl-C (what finished
    is kept: the output says how to resume).
    """
    command = ["demandsim", "experiment", str(file)]
    command += ["--workers", str(workers)] if workers is not None else []
    command += ["--scheduler", scheduler] if scheduler is not None else []
    with (
        stopped_runs_say_how_to_resume(command),
        bad_input_exits_2(),
        progress_counter(file.stem) as on_progress,
    ):
        outcome = app_run.run_experiment_file(
            file, out_dir, workers, scheduler, resume, on_progress, overwrite=overwrite
        )
    print_experiment(outcome)
    print_failures(outcome)


def _erlang(model: str, json_output: bool, **arguments: Any) -> None:
    with bad_input_exits_2():
        figures = app_analytic.erlang(model, **arguments)
    if json_output:
        out.print_json(json.dumps(figures.as_dict()))
        return
    rows = [
        ("probability of waiting", f"{figures.p_wait:.4f}"),
        (f"service level (within {arguments['target_s']:g} s)", f"{figures.service_level:.4f}"),
        ("average speed of answer", f"{figures.asa_s:.1f} s"),
        ("occupancy", f"{figures.occupancy:.4f}"),
    ]
    if figures.p_abandon is not None:
        rows.append(("probability of abandoning", f"{figures.p_abandon:.4f}"))
    width = max(len(label) for label, _ in rows) + 2
    for label, value in rows:
        out.print(f"{label + ':':<{width}}{value}", highlight=False)


CallsPerHour = Annotated[
    float, typer.Option("--calls-per-hour", metavar="CALLS", help="Arrivals, calls per hour.")
]
Aht = Annotated[
    float, typer.Option("--aht", metavar="SECONDS", help="Mean handling time, seconds.")
]
Agents = Annotated[int, typer.Option("--agents", metavar="N", help="Agents answering.")]
AnswerTarget = Annotated[
    float, typer.Option("--target", metavar="SECONDS", help="Answer target, seconds.")
]
Json = Annotated[bool, typer.Option("--json", metavar="", help="Print one JSON object.")]


@erlang_app.command("c", cls=_PlainHelpCommand)
def erlang_c_command(
    calls_per_hour: CallsPerHour,
    aht: Aht,
    agents: Agents,
    target: AnswerTarget = 20.0,
    json_: Json = False,
) -> None:
    """Erlang C (M/M/c): callers never abandon."""
    _erlang("c", json_, calls_per_hour=calls_per_hour, aht_s=aht, agents=agents, target_s=target)


@erlang_app.command("a", cls=_PlainHelpCommand)
def erlang_a_command(
    calls_per_hour: CallsPerHour,
    aht: Aht,
    agents: Agents,
    patience: Annotated[
        float, typer.Option("--patience", metavar="SECONDS", help="Mean patience, seconds.")
    ],
    target: AnswerTarget = 20.0,
    json_: Json = False,
) -> None:
    """Erlang A (M/M/c+M): exponential patience, callers abandon."""
    _erlang(
        "a",
        json_,
        calls_per_hour=calls_per_hour,
        aht_s=aht,
        agents=agents,
        target_s=target,
        patience_s=patience,
    )


@app.command(cls=_PlainHelpCommand)
def report(
    results_dir: Annotated[
        Path,
        typer.Argument(metavar="RESULTS_DIR", help="Results directory of a run or experiment."),
    ],
    out_file: Annotated[
        Path | None,
        typer.Option("--out", metavar="FILE", help="HTML file (default RESULTS_DIR/report.html)."),
    ] = None,
    png: Annotated[
        Path | None,
        typer.Option(
            "--png", metavar="DIR", help="Also write each figure as a PNG in this folder."
        ),
    ] = None,
) -> None:
    """The panel report: one self-contained HTML page of plots and plain words."""
    with bad_input_exits_2():
        outcome = app_report.write_panel_report(results_dir, out_file, png)
    for item in outcome.left_out:
        out.print(f"left out: {item.title}: {item.reason}", markup=False, soft_wrap=True)
    if outcome.pngs:
        out.print(f"{len(outcome.pngs)} PNG figures in {png}/", markup=False, soft_wrap=True)
    out.print(f"report: {outcome.html}", markup=False, highlight=False, soft_wrap=True)


@app.command(cls=_PlainHelpCommand)
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
            metavar="FILE", help="Shift patterns YAML (default: 8 and 10 h, any hour; units 10 h)."
        ),
    ] = None,
    set_: Overrides = None,
    max_staff: Annotated[
        int, typer.Option(min=1, metavar="N", help="Most handlers (or units) per interval.")
    ] = 2000,
    workers: Annotated[int, typer.Option(min=1, metavar="N", help="Worker processes.")] = 1,
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
) -> None:
    """Handlers (or an area's units) needed per interval to meet targets, then rosters."""
    with bad_input_exits_2():
        if (pool is None) == (area is None):
            raise InputError(
                [
                    Problem(
                        "--pool/--area", "", "give exactly one: a handler pool or a response area"
                    )
                ]
            )
        if area is not None:
            run: Callable[..., Any] = app_staff.staff_area
            args: tuple[Any, ...] = (scenario, area, target, interval or 60)
        else:
            run, args = app_staff.staff_scenario, (scenario, pool, target, interval or 30)
        args = (*args, out_dir, set_ or [], shifts, workers, max_staff)
        if err.is_terminal:
            with err.status("staffing") as status:
                outcome = run(
                    *args, scheduler=scheduler, on_step=status.update, overwrite=overwrite
                )
        else:
            outcome = run(*args, scheduler=scheduler, overwrite=overwrite)
    print_staffing(outcome)


@app.command("fit", cls=_PlainHelpCommand)
def fit_command(
    incidents: Annotated[
        Path, typer.Option("--incidents", metavar="FILE", help="CAD incident export (CSV).")
    ],
    out_path: Annotated[
        Path, typer.Option("--out", metavar="FILE", help="Scenario YAML to write.")
    ],
    calls: Annotated[
        Path | None,
        typer.Option("--calls", metavar="FILE", help="Telephony export (CSV), one row per call."),
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
) -> None:
    """Fit a scenario's demand and times from a force's own CAD and telephony exports."""
    with bad_input_exits_2():
        outcome = app_fit.fit_scenario(
            incidents, calls, columns, out_path, html=report_path, png_dir=png_dir
        )
    lines = [
        outcome.report_text,
        f"scenario in {outcome.out}; data report in {outcome.report}",
        f"diagnostic report in {outcome.html}",
    ]
    if outcome.pngs:
        lines.append(f"{len(outcome.pngs)} PNG figure(s) in {png_dir}")
    out.print("\n".join(lines), markup=False, highlight=False, soft_wrap=True)


def main() -> None:
    """Console-script entry point."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    app()


if __name__ == "__main__":
    sys.exit(main())
