"""The property every case must keep, and the tally of what the cases did.

Every case is one or more ``demandsim`` command lines run in the worker of
``tests/property/worker.py``; each must answer in time, without crashing the
worker, exit 0 or 2 (1 is a bug, DESIGN §3), print no traceback, and say why on
exit 2. The tally (cases, commands, exit codes, time) is written per test to
``<pytest basetemp>/property-summary/<test>.json``; ``python -m
tests.property.summary`` adds them up (``make test-slow`` prints it).

With ``PROPERTY_COLLECT=FILE`` in the environment a failing case is appended to
FILE (one JSON line) and the test goes on, so that one run lists every failing
case rather than stopping at the first.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.property.worker import CliWorker, Outcome


@dataclass
class Tally:
    """What the cases of one test did: counts by command and exit code, and time."""

    name: str
    cases: int = 0
    commands: Counter[str] = field(default_factory=Counter)
    exit_codes: Counter[str] = field(default_factory=Counter)
    failures: int = 0
    seconds: float = 0.0
    slowest_s: float = 0.0
    events: Counter[str] = field(default_factory=Counter)
    slowest: list[tuple[float, str]] = field(default_factory=list)

    def record(self, command: str, outcome: Outcome, case: str = "") -> None:
        self.commands[command] += 1
        code = outcome.kind if outcome.kind != "done" else str(outcome.exit_code)
        self.exit_codes[f"{command}:{code}"] += 1
        self.seconds += outcome.seconds
        self.slowest_s = max(self.slowest_s, outcome.seconds)
        self.slowest = sorted([*self.slowest, (outcome.seconds, f"{command}: {case}"[:300])])[-5:]

    def as_dict(self) -> dict[str, Any]:
        return {
            "test": self.name,
            "cases": self.cases,
            "commands": dict(self.commands),
            "exit_codes": dict(sorted(self.exit_codes.items())),
            "failures": self.failures,
            "seconds": round(self.seconds, 1),
            "slowest_s": round(self.slowest_s, 2),
            "events": dict(self.events),
            "slowest": [[round(s, 2), what] for s, what in reversed(self.slowest)],
        }

    def write(self, folder: Path) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{self.name}.json"
        path.write_text(json.dumps(self.as_dict(), indent=1) + "\n")
        return path


def problems_with(outcome: Outcome) -> list[str]:
    """Why an outcome breaks the property (empty if it keeps it)."""
    if outcome.kind == "hang":
        return [f"no answer within {outcome.seconds:.0f} s: a hang"]
    if outcome.kind == "crash":
        return ["the worker died (memory limit, or a crash)"]
    found = []
    if outcome.exception is not None:
        found.append(f"{outcome.exception} escaped the command:\n{outcome.traceback}")
    if "Traceback" in outcome.text:
        found.append("a traceback in the output")
    if outcome.exit_code not in (0, 2):
        found.append(f"exit {outcome.exit_code}; expected 0 or 2")
    if outcome.exit_code == 2 and not outcome.text.strip():  # a usage message may be help
        found.append("exit 2 with no message")
    return found


class Checker:
    """Runs a case's command lines in the worker, checks each, and keeps the tally."""

    def __init__(self, worker: CliWorker, tally: Tally) -> None:
        self.worker = worker
        self.tally = tally
        self.collect = os.environ.get("PROPERTY_COLLECT")

    def run(self, command: str, argv: list[str], case: str) -> Outcome:
        """Run ``demandsim ARGV``; fail (or collect) if it breaks the property."""
        outcome = self.worker.run(argv)
        self.tally.record(command, outcome, case)
        found = problems_with(outcome)
        if found:
            self.fail(case, argv, found, outcome)
        return outcome

    def fail(self, case: str, argv: list[str], found: list[str], outcome: Outcome) -> None:
        self.tally.failures += 1
        report = {
            "test": self.tally.name,
            "case": case,
            "argv": argv,
            "problems": found,
            "exit_code": outcome.exit_code,
            "output": outcome.text[-3000:],
        }
        if self.collect:
            with open(self.collect, "a", encoding="utf-8") as sink:
                sink.write(json.dumps(report) + "\n")
            return
        raise AssertionError(
            f"{case}\n$ demandsim {' '.join(argv)}\n"
            + "\n".join(found)
            + f"\n--- output ---\n{outcome.text[-3000:]}"
        )
