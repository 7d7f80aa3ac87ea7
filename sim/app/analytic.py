"""``demandsim erlang``: analytic Erlang C and Erlang A figures for a quick estimate."""

from __future__ import annotations

from sim.analytic import QueueFigures, erlang_a_figures, erlang_c_figures
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
