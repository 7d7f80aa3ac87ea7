"""What the command line prints: rich tables, progress, problems (stderr), exit codes.

Commands in :mod:`sim.cli` call these; nothing here does any work itself.
"""

from __future__ import annotations

import logging
import math
import shlex
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from sim.app.stopped import RunStoppedError
from sim.errors import InputError

# Off a terminal (a pipe, a file, CI) rich would wrap tables at 80 columns.
out = (
    Console(highlight=False, emoji=False)
    if sys.stdout.isatty()
    else Console(width=120, highlight=False, emoji=False)
)


err = Console(stderr=True, emoji=False, highlight=False)


class _ConsoleLogHandler(logging.Handler):
    """Log records as ``warning: message`` lines on stderr, through the rich console.

    Through the console, a log line printed while a progress bar is drawn lands
    above the bar instead of breaking it.
    """

    def emit(self, record: logging.LogRecord) -> None:
        try:
            text = f"{record.levelname.lower()}: {record.getMessage().strip()}"
            # A library's error (Dask's, as a lost scheduler is reconnected to) is one
            # line: demandsim says what it means; only its own errors carry tracebacks.
            own = record.name == "sim" or record.name.startswith("sim.")
            if record.exc_info and record.levelno >= logging.ERROR and own:
                text += "\n" + logging.Formatter().formatException(record.exc_info)
            err.print(text, markup=False, highlight=False, soft_wrap=True)
        except Exception:  # a log line must never stop a command
            self.handleError(record)


#: The one handler the command line logs through (added once, however often
#: :func:`set_verbosity` is called: each message is printed once).
_log_handler = _ConsoleLogHandler()
_quiet = False


def set_verbosity(quiet: bool = False, verbose: bool = False) -> None:
    """Set what is shown besides the results: progress, notes and log lines.

    Parameters
    ----------
    quiet
        Results only: no progress bar, no notes, log lines of errors only.
    verbose
        Also demandsim's information log lines (what each step is doing).
        By default: progress, notes and warnings.
    """
    global _quiet
    _quiet = quiet
    root = logging.getLogger()
    if _log_handler not in root.handlers:
        root.addHandler(_log_handler)
    root.setLevel(logging.ERROR if quiet else logging.WARNING)
    # Only demandsim's own information lines: the libraries' stay at warnings.
    logging.getLogger("sim").setLevel(logging.INFO if verbose else logging.NOTSET)


def progress_shown() -> bool:
    """Whether to draw progress: on a terminal, unless ``--quiet``."""
    return err.is_terminal and not _quiet


def note(text: str) -> None:
    """An information line on stderr (what was left out, and why); hidden by ``--quiet``."""
    if not _quiet:
        err.print(text, markup=False, highlight=False, soft_wrap=True)


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
def stopped_runs_say_how_to_resume(command: Sequence[str]) -> Iterator[None]:
    """On Ctrl-C or a lost cluster: say what is kept and how to resume; exit 130 or 2.

    ``command`` is the command line that was run, without ``--out``,
    ``--resume`` and ``--overwrite``: the hint adds ``--out DIR --resume``.
    """
    try:
        yield
    except RunStoppedError as stopped:
        for problem in stopped.problems:
            err.print(str(problem), markup=False, highlight=False, soft_wrap=True)
        hint = shlex.join([*command, "--out", str(stopped.out_dir), "--resume"])
        what = "interrupted" if stopped.interrupted else "stopped"
        err.print(
            f"{what}: {stopped.finished} finished replication(s) are saved in "
            f"{stopped.out_dir}/; to finish, run:\n  {hint}",
            markup=False,
            highlight=False,
            soft_wrap=True,
        )
        raise typer.Exit(130 if stopped.interrupted else 2) from None
    except KeyboardInterrupt:
        err.print("interrupted before any replication ran", markup=False, soft_wrap=True)
        raise typer.Exit(130) from None


@contextmanager
def progress_counter(label: str) -> Iterator[Callable[[int, int], None] | None]:
    """A progress bar fed with (completed, total) on a terminal; None otherwise or if quiet."""
    if not progress_shown():
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


def figure(cell: Any, digits: int = 1) -> str:
    if not isinstance(cell, tuple):
        return ""
    mean, low, high = cell
    if math.isnan(mean):
        return "–"
    if math.isnan(low):
        return f"{mean:,.{digits}f}"
    return f"{mean:,.{digits}f} ± {(high - low) / 2:,.{digits}f}"


def print_headline(title: str, first_column: str, head: Any) -> None:
    """Print a headline table of ``(mean, low, high)`` cells (counts without decimals)."""
    if head.empty:
        return
    table = Table(title=title or None)
    table.add_column(first_column)
    for column in head.columns:
        table.add_column(column, justify="right")
    digits = [0 if column in ("offered", "incidents") else 1 for column in head.columns]
    for segment, row in head.iterrows():
        table.add_row(str(segment), *(figure(c, d) for c, d in zip(row, digits, strict=True)))
    out.print(table)


def print_failures(outcome: Any) -> None:
    """Every replication that failed twice, the first traceback, and exit 1; nothing if none."""
    if not outcome.failures:
        return
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


def print_experiment(outcome: Any) -> None:
    """The headline table per scenario, precision, and where the results are."""
    from sim.app import headline as app_headline  # pandas, only once there are results

    plan = outcome.plan
    head, missing = app_headline.experiment_headline(outcome)
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
            cells.append(experiment_cell(cell, digits, name == plan.baseline))
        label = f"{name} (baseline)" if name == plan.baseline else str(name)
        table.add_row(label, *cells)
    out.print(table)
    if missing:
        note(f"not in the results, so not shown: {', '.join(missing)}")
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
    out.print(
        f"{work_done(outcome, where=True)}, {outcome.elapsed_s:.1f} s elapsed", soft_wrap=True
    )
    out.print(
        f"results in {outcome.out_dir}/ (summary.csv, comparison.csv, warmup.csv)",
        markup=False,
        highlight=False,
        soft_wrap=True,
    )


def print_comparison(comparison: Any, figures: Any) -> None:
    """Headline figures of a comparison: both means and the difference with its interval.

    Parameters
    ----------
    comparison
        ``comparison.csv`` of two runs (one scenario against the baseline).
    figures
        ``(metric, segment or None for every segment, stat)`` to show.
    """
    from sim.app.headline import figure_label

    if comparison.empty:
        return
    first = comparison.iloc[0]
    table = Table(
        title=f"{first['scenario']} against {first['baseline']} (* the 95% interval excludes 0)"
    )
    for column in ("figure", str(first["baseline"]), str(first["scenario"]), "difference"):
        table.add_column(column, justify="left" if column == "figure" else "right")
    for metric_name, segment, stat in figures:
        rows = comparison[(comparison["metric"] == metric_name) & (comparison["stat"] == stat)]
        if segment is not None:
            rows = rows[rows["segment"] == segment]
        for row in rows.itertuples(index=False):
            interval = (
                f" ({row.ci_low:+,.1f} to {row.ci_high:+,.1f})"
                if not math.isnan(row.ci_low)
                else ""
            )
            table.add_row(
                figure_label(row.metric, row.segment, row.stat),
                f"{row.baseline_mean:,.1f}",
                f"{row.scenario_mean:,.1f}",
                f"{row.difference:+,.1f}{'*' if row.excludes_zero else ''}{interval}",
            )
    out.print(table)


def work_done(outcome: Any, where: bool = False) -> str:
    """What this command simulated: replications run and reused, calls and compute time.

    Calls and compute are those of the replications run now (a resume that finds
    everything done simulated nothing, and says so).

    Parameters
    ----------
    outcome
        A :class:`sim.runs.results.ResultsWritten`.
    where
        Also name where the replications ran (worker processes, a Dask cluster).
    """

    def replications(count: int) -> str:
        return f"{count} replication{'' if count == 1 else 's'}"

    if not outcome.ran:
        return f"nothing simulated: all {replications(outcome.reused)} reused from disk"
    text = f"{replications(outcome.ran)} run"
    if where:
        text += f" on {outcome.executor}"
    if outcome.reused:
        reused = str(outcome.reused) if where else replications(outcome.reused)
        text += f", {reused} reused from disk"
    return f"{text}; {outcome.calls:,} calls simulated in {outcome.compute_s:.1f} s of compute"


def experiment_cell(cell: Any, digits: int, baseline: bool) -> str:
    from sim.app.headline import HeadlineCell

    if not isinstance(cell, HeadlineCell) or math.isnan(cell.mean):
        return "–"
    text = f"{cell.mean:,.{digits}f}"
    if baseline:
        return figure((cell.mean, cell.ci_low, cell.ci_high), digits)
    if not math.isnan(cell.difference):
        text += f" ({cell.difference:+,.{digits}f}{'*' if cell.excludes_zero else ''})"
    return text


def print_staffing(outcome: Any) -> None:
    """Hours needed and rostered, how the targets held per interval, and where it all is."""
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
        "FMMW (Erlang at the offered load)", f"{req['fmmw_staff'].sum() * hours:,.0f}", ""
    )
    table.add_row(
        "required, after search and confirmation",
        f"{req['required_staff'].sum() * hours:,.0f}",
        f"{req['required_rostered'].sum() * hours:,.0f}",
    )
    table.add_row("new roster (paid hours)", "", f"{roster.paid_hours:,.0f}")
    table.add_row("current roster", "", f"{outcome.current_paid_hours:,.0f}")
    out.print(table)
    level = outcome.options.confidence
    spread = Table(
        title=f"per interval, at {level:.0%} one-sided confidence: the worst interval's mean "
        "and bound, and the intervals that hold the target"
    )
    for column in ("target", "method", "run", "worst interval", "mean", "bound", "held"):
        left = column in ("target", "method", "run", "worst interval")
        spread.add_column(column, justify="left" if left else "right")
    for row in outcome.spread.itertuples(index=False):
        spread.add_row(
            row.target,
            row.method,
            f"{row.stage} ({row.replications})",
            row.worst_label,
            f"{row.worst:.1f}",
            f"{row.worst_bound:.1f}",
            f"{row.intervals_held} of {row.intervals}",
        )
    out.print(spread)
    tolerance = f" within {outcome.options.tolerance:g}" if outcome.options.tolerance else ""
    state = (
        f"verified: every interval holds every target{tolerance} at {level:.0%} confidence "
        f"in a confirmation run of {result.confirm_replications} replications on fresh seeds"
        if result.converged
        else "NOT verified: the confirmation run on fresh seeds missed some intervals "
        "(see verification.csv, stage confirmation)"
    )
    out.print(state, soft_wrap=True)
    for note in result.notes:
        out.print(f"note: {note}", soft_wrap=True, markup=False)
    starts = ", ".join(f"{m // 60:02d}:{m % 60:02d}" for m in roster.start_times)
    price = roster.paid_hours / roster.minimum_hours - 1 if roster.minimum_hours else 0.0
    out.print(
        f"{result.runs} staffings simulated, {result.replications} replications in all; "
        f"roster from {outcome.shifts_source}: {roster.shifts} shifts a week starting at "
        f"{starts}; {roster.paid_hours:,.1f} paid hours, {price:+.1%} on the requirement's "
        f"{roster.minimum_hours:,.1f} (current roster {outcome.current_paid_hours:,.1f})",
        soft_wrap=True,
        markup=False,
    )
    files = "requirement.csv, verification.csv, roster.yaml, scenario.yaml"
    if outcome.figure is not None:
        files += ", requirement.html"
    out.print(
        f"results in {outcome.out_dir}/ ({files})", markup=False, highlight=False, soft_wrap=True
    )


def print_backtest(table: Any) -> None:
    """The back-test table: data beside simulated, one period's range, relative error, flags."""
    shown = Table(
        title=f"back-test: {table.replications} replication(s) of {table.days:g} days "
        "(simulated: mean and 95% CI; one period: its 95% range)"
    )
    numbers = ("data", "simulated", "one period", "error")
    for name in ("figure", "segment", "stat", *numbers, ""):
        shown.add_column(name, justify="right" if name in numbers else "left")
    for row in table.rows:
        error = row.relative_error
        # Short, so that the table fits 120 columns: the words are under the table.
        flag = "FLAG: spread" if row.within_period_spread else "FLAG: misses" if row.flagged else ""
        shown.add_row(
            f"{row.metric} ({row.unit})",
            row.segment,
            row.stat,
            f"{row.data:,.1f}",
            f"{row.simulated:,.1f} ({row.ci_low:,.1f}-{row.ci_high:,.1f})",
            f"{row.period_low:,.1f}-{row.period_high:,.1f}" if row.sd == row.sd else "n/a",
            f"{error:+.1%}" if error == error else "n/a",
            flag,
        )
    out.print(shown)
    within, missed = len(table.within_period_spread), len(table.missed)
    lines = []
    if within:
        lines.append(
            f"{within} figure(s) beyond ±{table.flag:.0%} of the data (FLAG: spread), but the "
            "data lie within one period's own spread: they may be a high or low draw of a "
            "service the fit matches; a longer export would tell"
        )
    if missed:
        lines.append(
            f"{missed} figure(s) beyond ±{table.flag:.0%} of the data and beyond one period's "
            "own spread (FLAG: misses): the fitted scenario probably misses them (a period "
            "of a service the fit matches falls so far out 1 time in 20)"
        )
    if not lines:
        lines.append(f"every figure within ±{table.flag:.0%} of the data")
    out.print("\n".join(lines), markup=False, highlight=False, soft_wrap=True)
