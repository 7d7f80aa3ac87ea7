"""``erlang c``, ``erlang a`` and ``hypercube``: exact models, no simulation."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from sim.cli.deferred import app_analytic
from sim.cli.help_format import PlainHelpCommand, PlainHelpGroup
from sim.cli.hypercube_tables import print_hypercube
from sim.cli.options import Json
from sim.cli.output import bad_input_exits_2, out

erlang_app = typer.Typer(
    cls=PlainHelpGroup,
    help="Analytic Erlang C / Erlang A figures for a quick estimate.",
    no_args_is_help=True,
)


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


@erlang_app.command("c", cls=PlainHelpCommand)
def erlang_c_command(
    calls_per_hour: CallsPerHour,
    aht: Aht,
    agents: Agents,
    target: AnswerTarget = 20.0,
    json_: Json = False,
) -> None:
    """Erlang C (M/M/c): callers never abandon."""
    _erlang("c", json_, calls_per_hour=calls_per_hour, aht_s=aht, agents=agents, target_s=target)


@erlang_app.command("a", cls=PlainHelpCommand)
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
