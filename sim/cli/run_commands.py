"""``run``, ``experiment``, ``compare`` and ``report``: simulate, compare and draw results.

Each command is a few lines over a plain function in :mod:`sim.app`; what they
print is in :mod:`sim.cli.output`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from sim.cli.deferred import app_compare, app_excel, app_headline, app_report, app_run
from sim.cli.options import (
    Excel,
    Overrides,
    Overwrite,
    Records,
    ResultsDir,
    Resume,
    Scheduler,
    Workers,
    write_excel_if_asked,
)
from sim.cli.output import (
    bad_input_exits_2,
    figure,
    note,
    out,
    print_comparison,
    print_experiment,
    print_failures,
    print_headline,
    progress_counter,
    stopped_runs_say_how_to_resume,
    work_done,
)


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
    out_dir: ResultsDir = None,
    records: Records = False,
    workers: Workers = 1,
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
    write_excel_if_asked(app_excel.write_run_excel, outcome, excel)
    print_failures(outcome)


def experiment(
    file: Annotated[
        Path, typer.Argument(metavar="FILE", help="Experiment YAML file (experiments/*.yaml).")
    ],
    out_dir: ResultsDir = None,
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
    write_excel_if_asked(app_excel.write_run_excel, outcome, excel)
    print_failures(outcome)


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
