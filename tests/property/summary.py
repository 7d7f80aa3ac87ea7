"""The property suite's figures: cases, commands and exit codes, added up over its tests.

Each property test hands its tally to pytest as the user property
``property-summary`` (and writes it under ``<basetemp>/property-summary/``);
:func:`summary_lines` adds them up for the terminal summary that
``tests/conftest.py`` prints at the end of a run, under xdist too.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any

KEY = "property-summary"


def summary_lines(tallies: Iterable[dict[str, Any]]) -> list[str]:
    """Lines of text: one per test, then the totals and the exit codes by command."""
    tallies = list(tallies)
    if not tallies:
        return []
    lines = []
    cases = 0
    codes: Counter[str] = Counter()
    seconds = 0.0
    failures = 0
    for tally in sorted(tallies, key=lambda t: t["test"]):
        cases += tally["cases"]
        codes.update(tally["exit_codes"])
        seconds += tally["seconds"]
        failures += tally["failures"]
        lines.append(
            f"{tally['test']}: {tally['cases']} cases, {sum(tally['commands'].values())} "
            f"commands, {tally['seconds']:.0f} s (slowest {tally['slowest_s']:.1f} s), "
            f"{tally['failures']} failing"
        )
    lines.append(
        f"total: {cases} cases, {sum(codes.values())} commands, {seconds:.0f} s in the worker, "
        f"{failures} failing"
    )
    by_command: dict[str, Counter[str]] = {}
    for key, count in codes.items():
        command, code = key.split(":", 1)
        by_command.setdefault(command, Counter())[code] += count
    for command, counter in sorted(by_command.items()):
        shown = ", ".join(f"exit {code}: {n}" for code, n in sorted(counter.items()))
        lines.append(f"  {command}: {shown}")
    return lines
