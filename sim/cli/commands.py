"""demandsim command line: thin Typer commands over the plain functions in ``sim.app``.

Exit codes: 0 success; 2 bad input (config, arguments, data), with every problem
named by file and field path; 1 only for a genuine bug.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperArgument, TyperCommand, TyperGroup, TyperOption

import sim
from sim.cli.deferred import deferred
from sim.cli.hypercube_tables import print_hypercube
from sim.cli.output import (
    bad_input_exits_2,
    err,
    figure,
    note,
    out,
    print_backtest,
    print_comparison,
    print_experiment,
    print_failures,
    print_headline,
    print_staffing,
    progress_counter,
    progress_shown,
    set_verbosity,
    stopped_runs_say_how_to_resume,
    work_done,
)
from sim.errors import InputError, Problem

# The app modules import pandas, scipy, SimPy and the model: only a command that runs
# loads them, so `demandsim --help` and `--version` answer at once.
app_analytic = deferred("sim.app.analytic")
app_compare = deferred("sim.app.compare")
app_demo = deferred("sim.app.demo")
app_excel = deferred("sim.app.excel")
app_fit = deferred("sim.app.fit")
app_headline = deferred("sim.app.headline")
app_report = deferred("sim.app.report")
app_run = deferred("sim.app.run")
app_sample = deferred("sim.app.sample")
app_staff = deferred("sim.app.staff")
app_validate = deferred("sim.app.validate")


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


def _print_version(value: bool) -> None:
    if value:
        out.print(f"demandsim {sim.__version__}", markup=False, highlight=False)
        raise typer.Exit()


@app.callback()
def _options(
    version: Annotated[
        bool | None,
        typer.Option(
            "--version",
            metavar="",
            callback=_print_version,
            is_eager=True,
            help="Print the version and exit.",
        ),
    ] = None,
    quiet: Annotated[
        bool,
        typer.Option(
            "--quiet", "-q", metavar="", help="Results only: no progress, notes or log lines."
        ),
    ] = False,
    verbose: Annotated[
        bool,
        typer.Option("--verbose", "-v", metavar="", help="Also log what each step is doing."),
    ] = False,
) -> None:
    """Simulate police contact and response demand: run scenarios, check configs, estimate."""
    if quiet and verbose:
        err.print("--quiet and --verbose: give one or the other", markup=False)
        raise typer.Exit(2)
    set_verbosity(quiet=quiet, verbose=verbose)


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


def _write_excel(write: Callable[[Any, Path], Any], outcome: Any, workbook: Path | None) -> None:
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
    excel: Excel = None,
) -> None:
    """Run one scenario: N replications, results directory with summary.csv.

    Ctrl-C keeps every finished replication and prints the command that finishes
    the run (exit 130); a lost cluster does the same with exit 2.
    """
    with bad_input_exits_2():
        app_excel.check_excel_path(excel)
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
    out.print(f"{work_done(outcome)}; results in {outcome.out_dir}/ (summary.csv)")
    _write_excel(app_excel.write_run_excel, outcome, excel)
    print_failures(outcome)


@app.command(cls=_PlainHelpCommand)
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
    excel: Excel = None,
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
    with bad_input_exits_2():
        app_excel.check_excel_path(excel)
    with (
        stopped_runs_say_how_to_resume(command),
        bad_input_exits_2(),
        progress_counter(file.stem) as on_progress,
    ):
        outcome = app_run.run_experiment_file(
            file, out_dir, workers, scheduler, resume, on_progress, overwrite=overwrite
        )
    print_experiment(outcome)
    _write_excel(app_excel.write_run_excel, outcome, excel)
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


@app.command("hypercube", cls=_PlainHelpCommand)
def hypercube_command(
    file: Annotated[
        Path,
        typer.Argument(
            metavar="FILE",
            help="Hypercube YAML: units, atoms (calls per hour, preferences), mu, capacity.",
        ),
    ],
    json_: Json = False,
) -> None:
    """Larson's hypercube model: unit workloads, dispatch fractions, mean travel."""
    with bad_input_exits_2():
        outcome = app_analytic.hypercube(file)
    print_hypercube(outcome, json_)


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
    pdf: Annotated[
        Path | None,
        typer.Option(
            "--pdf", metavar="FILE", help="Also print the two-page brief to this PDF file."
        ),
    ] = None,
) -> None:
    """The panel report: one self-contained HTML page of plots and plain words."""
    with bad_input_exits_2():
        outcome = app_report.write_panel_report(results_dir, out_file, png, pdf)
    for item in outcome.left_out:
        note(f"not in this report: {item.title} ({item.reason})")
    if outcome.pngs:
        out.print(f"{len(outcome.pngs)} PNG figures in {png}/", markup=False, soft_wrap=True)
    out.print(f"report: {outcome.html}", markup=False, highlight=False, soft_wrap=True)
    if outcome.pdf is not None:
        out.print(f"brief: {outcome.pdf}", markup=False, highlight=False, soft_wrap=True)


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
    _write_excel(app_excel.write_staff_excel, outcome, excel)


@app.command("fit", cls=_PlainHelpCommand)
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


@app.command("fit-sample", cls=_PlainHelpCommand)
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
) -> None:
    """Write a sample CAD and telephony export, in a force's own columns, to try fit on."""
    with bad_input_exits_2():
        if progress_shown():
            with err.status("simulating the sample force"):
                written = app_sample.write_fit_sample(out_dir, scenario)
        else:
            written = app_sample.write_fit_sample(out_dir, scenario)
    out.print(
        "sample exports in " + ", ".join(str(p) for p in written),
        markup=False,
        highlight=False,
        soft_wrap=True,
    )


@app.command(cls=_PlainHelpCommand)
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


@app.command("compare", cls=_PlainHelpCommand)
def compare_command(
    results_a: Annotated[
        Path, typer.Argument(metavar="RESULTS_A", help="Results directory of a run: the baseline.")
    ],
    results_b: Annotated[
        Path, typer.Argument(metavar="RESULTS_B", help="Results directory of the run to compare.")
    ],
    out_dir: Annotated[
        Path | None,
        typer.Option("--out", metavar="DIR", help="Where to write (default results/A-vs-B-TIME)."),
    ] = None,
) -> None:
    """Compare two runs: B minus A per figure, with 95% intervals, into comparison.csv.

    Paired when the two runs used the same seed and share replication numbers
    (the same random numbers, as in an experiment); otherwise unpaired (Welch).
    The output is a results directory: `demandsim report DIR` draws it.
    """
    with bad_input_exits_2():
        found = app_compare.compare_runs(results_a, results_b, out_dir)
    a, b = found.baseline.label, found.other.label
    out.print(f"{b} against {a}: {found.reason}", markup=False, highlight=False, soft_wrap=True)
    print_comparison(found.comparison, app_headline.DEFAULT_HEADLINE)
    out.print(
        f"results in {found.out_dir}/ (comparison.csv, summary.csv); "
        f"report: demandsim report {found.out_dir}",
        markup=False,
        highlight=False,
        soft_wrap=True,
    )


def main() -> None:
    """Console-script entry point."""
    app()


if __name__ == "__main__":
    sys.exit(main())
