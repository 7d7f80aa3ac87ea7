"""``demandsim erlang`` and ``demandsim hypercube``: analytic figures for a quick estimate."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sim.analytic import QueueFigures, erlang_a_figures, erlang_c_figures
from sim.analytic.hypercube import HypercubeSolution, solve
from sim.config.hypercube import HypercubeInputs, load_hypercube
from sim.errors import InputError, Problem


def erlang(
    model: str,
    calls_per_hour: float,
    aht_s: float,
    agents: int,
    target_s: float,
    patience_s: float | None = None,
) -> QueueFigures:
    """Analytic Erlang C (``model='c'``) or Erlang A (``model='a'``) figures.

    Raises
    ------
    InputError
        For arguments out of range, naming the option.
    """
    try:
        if model == "a":
            if patience_s is None:
                raise InputError(
                    [Problem("erlang a", "--patience", "missing; Erlang A needs mean patience")]
                )
            return erlang_a_figures(calls_per_hour, aht_s, agents, patience_s, target_s)
        return erlang_c_figures(calls_per_hour, aht_s, agents, target_s)
    except ValueError as exc:
        message = str(exc)
        name = message.split(" ", 1)[0]
        option = _OPTIONS.get(name, "")
        raise InputError([Problem(f"erlang {model}", option, message)]) from None


#: The option each argument of the analytic functions comes from, for messages.
_OPTIONS = {
    "calls_per_hour": "--calls-per-hour",
    "aht_s": "--aht",
    "agents": "--agents",
    "target_s": "--target",
    "patience_s": "--patience",
}


@dataclass(frozen=True, eq=False)
class HypercubeOutcome:
    """A hypercube file and its solution, for ``demandsim hypercube`` to print.

    Attributes
    ----------
    inputs : HypercubeInputs
        The validated file: ids, rates (calls per hour), preferences, travel (minutes).
    solution : HypercubeSolution
        Workloads, dispatch fractions, lost or queued fraction, travel (minutes).
    """

    inputs: HypercubeInputs
    solution: HypercubeSolution


def hypercube(path: str | Path) -> HypercubeOutcome:
    """Solve the hypercube model a YAML file describes (exact up to 12 units, else approximate).

    Raises
    ------
    InputError
        For a file that cannot be read or is not valid, naming the field.
    """
    inputs = load_hypercube(path)
    try:
        solution = solve(
            inputs.rates_per_hour,
            inputs.service_rate_per_hour,
            inputs.preferences,
            inputs.capacity,
            inputs.travel_min,
            inputs.method,
        )
    except ValueError as exc:
        raise InputError([Problem(str(path), "", str(exc))]) from None
    return HypercubeOutcome(inputs, solution)
