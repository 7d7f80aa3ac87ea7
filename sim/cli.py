"""demandsim command line: thin Typer commands over the plain functions in ``sim.app.commands``.

Exit codes: 0 success; 2 bad input (config, arguments, data), with every problem
named by file and field path; 1 only for a genuine bug.
"""

from __future__ import annotations

import json
import logging
import math
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from sim.app import commands
from sim.config import InputError, Problem

app = typer.Typer(
    name="demandsim",
    help="Simulate police contact and response demand: run scenarios, check configs, estimate.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
erlang_app = typer.Typer(
    help="Analytic Erlang C / Erlang A figures for a quick estimate.", no_args_is_help=True
)
app.add_typer(erlang_app, name="erlang")

# Off a terminal (a pipe, a file, CI) rich would wrap tables at 80 columns.
out = (
    Console(highlight=False, emoji=False)
    if sys.stdout.isatty()
    else Console(width=120, highlight=False, emoji=False)
)
err = Console(stderr=True, emoji=False, highlight=False)


@contextmanager
def bad_input_exits_2() -> Iterator[None]:
    """Print every problem of a InputError to stderr and exit 2."""
    try:
        yield
    except InputError as exc:
        for problem in exc.problems:
            err.print(str(problem), markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(2) from None


@contextmanager
def progress_bar(label: str) -> Iterator[tuple[Callable[[int], None], Callable[[Any], None]]]:
    """A replication progress bar on a terminal; silent otherwise."""
    if not err.is_terminal:
        yield (lambda total: None), (lambda result: None)
        return
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("replications"),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=err, transient=True) as progress:
        task = progress.add_task(label, total=None)
        yield (
            lambda total: progress.update(task, total=total),
            lambda result: progress.advance(task),
        )


@contextmanager
def progress_counter(label: str) -> Iterator[Callable[[int, int], None] | None]:
    """A progress bar fed with (completed, total) on a terminal; None otherwise."""
    if not err.is_terminal:
        yield None
        return
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("replications"),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=err, transient=True) as progress:
        task = progress.add_task(label, total=None)
        yield lambda completed, total: progress.update(task, completed=completed, total=total)


def _figure(cell: Any, digits: int = 1) -> str:
    if not isinstance(cell, tuple):
        return ""
    mean, low, high = cell
    if math.isnan(mean):
        return "–"
    if math.isnan(low):
        return f"{mean:,.{digits}f}"
    return f"{mean:,.{digits}f} ± {(high - low) / 2:,.{digits}f}"


def _print_headline(title: str, first_column: str, head: Any) -> None:
    """Print a headline table of ``(mean, low, high)`` cells (counts without decimals)."""
    if head.empty:
        return
    table = Table(title=title or None)
    table.add_column(first_column)
    for column in head.columns:
        table.add_column(column, justify="right")
    digits = [0 if column in ("offered", "incidents") else 1 for column in head.columns]
    for segment, row in head.iterrows():
        table.add_row(str(segment), *(_figure(c, d) for c, d in zip(row, digits, strict=True)))
    out.print(table)


@app.command()
def run(
    scenario: Annotated[Path, typer.Argument(help="Scenario YAML file.")],
    set_: Annotated[
        list[str] | None,
        typer.Option("--set", help="Override a field: --set a.b.c=VALUE (repeatable)."),
    ] = None,
    replications: Annotated[int | None, typer.Option(help="Replications to run.")] = None,
    seed: Annotated[int | None, typer.Option(help="Base random seed.")] = None,
    days: Annotated[float | None, typer.Option(help="Measured days.")] = None,
    warmup_days: Annotated[float | None, typer.Option(help="Warm-up days before them.")] = None,
    out_dir: Annotated[
        Path | None, typer.Option("--out", help="Results directory (default results/NAME-TIME).")
    ] = None,
    records: Annotated[
        bool, typer.Option("--records", help="Write per-call and per-incident records.")
    ] = False,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes.")] = 1,
) -> None:
    """Run one scenario: N replications, results directory with summary.csv."""
    overrides = commands.cli_overrides(set_ or [], replications, seed, days, warmup_days)
    with bad_input_exits_2(), progress_bar(f"{scenario.stem}") as (on_start, on_done):
        outcome = commands.run_scenario(
            scenario, overrides, out_dir, records, workers, on_start, on_done
        )
    title = f"{outcome.scenario.name}: mean ± half-width of 95% confidence interval"
    _print_headline(title, "channel", commands.headline(outcome.summary))
    _print_headline("", "attendance", commands.response_headline(outcome.summary))
    for label, cell, unit in commands.other_headlines(outcome.summary):
        out.print(f"{label}: {_figure(cell)} {unit}")
    out.print(
        f"{outcome.calls:,} calls simulated in {outcome.wall_s:.1f} s of compute; "
        f"results in {outcome.out_dir}/ (summary.csv)"
    )


@app.command()
def validate(
    file: Annotated[Path, typer.Argument(help="Scenario or experiment YAML file.")],
) -> None:
    """Check a scenario or experiment file: exit 0 if valid, or 2 listing every problem."""
    with bad_input_exits_2():
        out.print(commands.validate_file(file), markup=False, highlight=False, soft_wrap=True)


@app.command()
def experiment(
    file: Annotated[Path, typer.Argument(help="Experiment YAML file (experiments/*.yaml).")],
    out_dir: Annotated[
        Path | None,
        typer.Option("--out", help="Results directory (default results/NAME-TIME)."),
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option(min=1, help="Local worker processes (default: one per core)."),
    ] = None,
    scheduler: Annotated[
        str | None,
        typer.Option(help="Run on a Dask cluster: its scheduler address, tcp://HOST:PORT."),
    ] = None,
    resume: Annotated[
        bool, typer.Option("--resume", help="Finish an interrupted run in --out DIR.")
    ] = False,
) -> None:
    """Run a sweep of scenarios and compare each with the baseline (paired, same random numbers).

    Exit 0 when every replication finished; 2 for bad input, before anything runs;
    1 if some replication failed twice (the others are in the results; --resume
    tries the failed ones again).
    """
    try:
        with bad_input_exits_2(), progress_counter(file.stem) as on_progress:
            outcome = commands.run_experiment_file(
                file, out_dir, workers, scheduler, resume, on_progress
            )
    except KeyboardInterrupt:
        err.print(
            "interrupted: every finished replication is saved; run the same command with "
            "--resume (and --out) to finish",
            markup=False,
            soft_wrap=True,
        )
        raise typer.Exit(130) from None
    _print_experiment(outcome)
    if outcome.failures:
        first = outcome.failures[0]
        err.print(f"\n{len(outcome.failures)} replication(s) failed twice:", markup=False)
        for failure in outcome.failures:
            err.print(
                f"  {failure.scenario} replication {failure.replication} (seed {failure.seed}): "
                f"{failure.error}",
                markup=False,
                soft_wrap=True,
            )
        err.print(f"\nfirst traceback:\n{first.traceback}", markup=False, soft_wrap=True)
        err.print(
            f"all tracebacks: {outcome.out_dir / 'failures.csv'}; after a fix, finish with "
            f"--resume --out {outcome.out_dir}",
            markup=False,
            soft_wrap=True,
        )
        raise typer.Exit(1)


def _print_experiment(outcome: Any) -> None:
    """The headline table per scenario, precision, and where the results are."""
    plan = outcome.plan
    head, missing = commands.experiment_headline(outcome)
    table = Table(
        title=f"{plan.name}: mean per scenario (paired difference from {plan.baseline}; "
        "* its 95% interval excludes 0)"
    )
    table.add_column("scenario", no_wrap=True)
    for column in head.columns:
        table.add_column(column, justify="right")
    for name, row in head.iterrows():
        cells = []
        for column, cell in row.items():
            digits = 0 if str(column).endswith("offered") else 1
            cells.append(_experiment_cell(cell, digits, name == plan.baseline))
        label = f"{name} (baseline)" if name == plan.baseline else str(name)
        table.add_row(label, *cells)
    out.print(table)
    if missing:
        out.print(f"not in the results, so not shown: {', '.join(missing)}", soft_wrap=True)
    if outcome.precision is not None:
        worst = outcome.precision.sort_values("relative_half_width").iloc[-1]
        state = "met" if outcome.precision_met else "NOT met (cap reached)"
        out.print(
            f"replications: {outcome.replications} per scenario (auto); target "
            f"±{worst['target']:.1%} {state}; widest: {worst['metric']}/{worst['segment']}/"
            f"{worst['stat']} in {worst['scenario']} at ±{worst['relative_half_width']:.1%} "
            "(precision.csv)",
            soft_wrap=True,
        )
    else:
        out.print(f"replications: {outcome.replications} per scenario")
    reused = f", {outcome.reused} reused from disk" if outcome.reused else ""
    out.print(
        f"{outcome.ran} replications run on {outcome.executor}{reused}; "
        f"{outcome.calls:,} calls simulated in {outcome.compute_s:.1f} s of compute, "
        f"{outcome.elapsed_s:.1f} s elapsed",
        soft_wrap=True,
    )
    out.print(
        f"results in {outcome.out_dir}/ (summary.csv, comparison.csv, warmup.csv)",
        markup=False,
        highlight=False,
        soft_wrap=True,
    )


def _experiment_cell(cell: Any, digits: int, baseline: bool) -> str:
    if not isinstance(cell, commands.HeadlineCell) or math.isnan(cell.mean):
        return "–"
    text = f"{cell.mean:,.{digits}f}"
    if baseline:
        return _figure((cell.mean, cell.ci_low, cell.ci_high), digits)
    if not math.isnan(cell.difference):
        text += f" ({cell.difference:+,.{digits}f}{'*' if cell.excludes_zero else ''})"
    return text


def _erlang(model: str, json_output: bool, **arguments: Any) -> None:
    with bad_input_exits_2():
        figures = commands.erlang(model, **arguments)
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


CallsPerHour = Annotated[float, typer.Option("--calls-per-hour", help="Arrivals, calls per hour.")]
Aht = Annotated[float, typer.Option("--aht", help="Mean handling time, seconds.")]
Agents = Annotated[int, typer.Option("--agents", help="Agents answering.")]
Target = Annotated[float, typer.Option("--target", help="Answer target, seconds.")]
Json = Annotated[bool, typer.Option("--json", help="Print one JSON object.")]


@erlang_app.command("c")
def erlang_c(
    calls_per_hour: CallsPerHour,
    aht: Aht,
    agents: Agents,
    target: Target = 20.0,
    json_: Json = False,
) -> None:
    """Erlang C (M/M/c): callers never abandon."""
    _erlang("c", json_, calls_per_hour=calls_per_hour, aht_s=aht, agents=agents, target_s=target)


@erlang_app.command("a")
def erlang_a(
    calls_per_hour: CallsPerHour,
    aht: Aht,
    agents: Agents,
    patience: Annotated[float, typer.Option("--patience", help="Mean patience, seconds.")],
    target: Target = 20.0,
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


@app.command()
def report(
    results_dir: Annotated[Path, typer.Argument(help="Results directory of a run or experiment.")],
    out_file: Annotated[
        Path | None, typer.Option("--out", help="HTML file (default RESULTS_DIR/report.html).")
    ] = None,
    png: Annotated[
        Path | None, typer.Option("--png", help="Also write each figure as a PNG in this folder.")
    ] = None,
) -> None:
    """The panel report: one self-contained HTML page of plots and plain words."""
    with bad_input_exits_2():
        outcome = commands.write_panel_report(results_dir, out_file, png)
    for item in outcome.left_out:
        out.print(f"left out: {item.title}: {item.reason}", markup=False, soft_wrap=True)
    if outcome.pngs:
        out.print(f"{len(outcome.pngs)} PNG figures in {png}/", markup=False, soft_wrap=True)
    out.print(f"report: {outcome.html}", markup=False, highlight=False, soft_wrap=True)


@app.command()
def staff(
    scenario: Annotated[Path, typer.Argument(help="Scenario YAML file.")],
    target: Annotated[
        list[str],
        typer.Option(
            "--target",
            help="metric:segment[:stat]<=|>=value, e.g. 'answered_within_target:999>=90' "
            "or 'answer_time:101:p90<=120' for a pool; 'attended_within_target:grade1/urban>=90' "
            "or 'attendance_time:grade2:p90<=60' (minutes) for an area (repeatable).",
        ),
    ],
    pool: Annotated[
        str | None, typer.Option("--pool", help="Handler pool to staff (or --area).")
    ] = None,
    area: Annotated[
        str | None,
        typer.Option("--area", help="Response area whose units to staff: AREA or FORCE/AREA."),
    ] = None,
    interval: Annotated[
        int | None,
        typer.Option(help="Staffing interval, minutes: 15, 30 or 60 (default 30; 60 for units)."),
    ] = None,
    shifts: Annotated[
        Path | None,
        typer.Option(help="Shift patterns YAML (default: 8 and 10 h, any hour; units 10 h)."),
    ] = None,
    set_: Annotated[
        list[str] | None,
        typer.Option("--set", help="Override a field: --set a.b.c=VALUE (repeatable)."),
    ] = None,
    max_staff: Annotated[
        int, typer.Option(min=1, help="Most handlers (or units) per interval.")
    ] = 2000,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes.")] = 1,
    out_dir: Annotated[
        Path | None,
        typer.Option("--out", help="Results directory (default results/NAME-staff-TIME)."),
    ] = None,
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
            run: Callable[..., Any] = commands.staff_area
            args: tuple[Any, ...] = (scenario, area, target, interval or 60)
        else:
            run, args = commands.staff_scenario, (scenario, pool, target, interval or 30)
        args = (*args, out_dir, set_ or [], shifts, workers, max_staff)
        if err.is_terminal:
            with err.status("staffing") as status:
                outcome = run(*args, lambda text: status.update(text))
        else:
            outcome = run(*args)
    _print_staffing(outcome)


def _print_staffing(outcome: Any) -> None:
    """Hours needed and rostered, how the targets fared per interval, and where it all is."""
    result, roster = outcome.result, outcome.roster
    req = result.requirement
    hours = req["interval"].size and 7 * 24 / req["interval"].size
    units = hasattr(result.setup, "area_id")
    what = (
        f"{result.setup.pool_id}: unit-hours"
        if units
        else f"pool {result.setup.pool_id}: handler-hours"
    )
    table = Table(title=f"{what} a week")
    table.add_column("")
    table.add_column("on duty" if units else "taking calls", justify="right")
    table.add_column("rostered", justify="right")
    table.add_row("SIPP (Erlang, period by period)", f"{req['sipp_staff'].sum() * hours:,.0f}", "")
    table.add_row(
        "FMMW, verified by simulation",
        f"{req['required_staff'].sum() * hours:,.0f}",
        f"{req['required_rostered'].sum() * hours:,.0f}",
    )
    table.add_row("new roster (paid hours)", "", f"{roster.paid_hours:,.0f}")
    table.add_row("current roster", "", f"{outcome.current_paid_hours:,.0f}")
    out.print(table)
    spread = Table(title="achieved per interval: worst interval mean, spread across intervals")
    for column in ("target", "method", "worst", "std across intervals", "missed beyond CI"):
        spread.add_column(column, justify="left" if column in ("target", "method") else "right")
    for row in outcome.spread.itertuples(index=False):
        spread.add_row(
            row.target, row.method, f"{row.worst:.1f}", f"{row.std:.2f}", str(row.intervals_missed)
        )
    out.print(spread)
    if units:
        state = (
            "verified: every interval meets every target within its CI"
            if result.converged
            else "NOT verified: some intervals miss a target beyond doubt (correction cap)"
        )
        out.print(f"requirement {state}", soft_wrap=True)
    state = (
        "units"
        if units
        else "FMMW " + ("converged" if result.converged else "NOT converged (iteration cap)")
    )
    out.print(
        f"{state}; {result.runs} simulations of {result.setup.scenario.replications} "
        f"replications; roster: {roster.shifts} shifts a week, {roster.paid_hours:,.1f} paid hours "
        f"(current {outcome.current_paid_hours:,.1f})",
        soft_wrap=True,
    )
    files = "requirement.csv, verification.csv, roster.yaml, scenario.yaml"
    if outcome.figure is not None:
        files += ", requirement.html"
    out.print(
        f"results in {outcome.out_dir}/ ({files})", markup=False, highlight=False, soft_wrap=True
    )


@app.command("fit")
def fit_command(
    incidents: Annotated[Path, typer.Option("--incidents", help="CAD incident export (CSV).")],
    out_path: Annotated[Path, typer.Option("--out", help="Scenario YAML to write.")],
    calls: Annotated[
        Path | None, typer.Option("--calls", help="Telephony export (CSV), one row per call.")
    ] = None,
    columns: Annotated[
        Path | None,
        typer.Option("--columns", help="Mapping YAML: column names, timestamp format, codes."),
    ] = None,
    report_path: Annotated[
        Path | None,
        typer.Option(
            "--report", help="Diagnostic HTML page [default: <out stem>.fit-report.html]."
        ),
    ] = None,
    png_dir: Annotated[
        Path | None, typer.Option("--png", help="Also write each diagnostic figure as PNG here.")
    ] = None,
) -> None:
    """Fit a scenario's demand and times from a force's own CAD and telephony exports."""
    with bad_input_exits_2():
        outcome = commands.fit_scenario(
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
