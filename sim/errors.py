"""One error type for bad input: a config, a data file or a command-line argument.

Every problem names its file (or argument), the field path inside it and what
was expected; the command line prints one line per problem and exits 2
(DESIGN §3). Any other exception is a bug and exits 1.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input: where it is and what was expected."""

    source: str
    path: str
    message: str

    def __str__(self) -> str:
        text = f"{self.source}: {self.path}: " if self.path else f"{self.source}: "
        # One problem, one line: a message quoting odd input must not break the listing.
        return text + " ".join(self.message.splitlines())


class InputError(Exception):
    """Bad input: every problem found, each naming its file and field path."""

    def __init__(self, problems: Sequence[Problem]):
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))
