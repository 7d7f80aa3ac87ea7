"""What every config model shares: the frozen base, field types with limits, shared validators.

Units are in the field names (``_s`` seconds, ``_hours``, ``_per_year``). Upper
bounds are sanity limits that catch unit mistakes and typos, not modelling limits.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field
from pydantic_core import PydanticCustomError

# Upper bounds are sanity limits, not modelling limits: they stop a typo such as
# 1e30 calls a year from turning into a run that never ends.
MAX_DURATION_S = 1e7  # about 116 days: no single call, patience or delay is longer
MAX_VOLUME_PER_YEAR = 5e7  # five times the busiest force in England and Wales
MAX_DAYS = 3660.0
MAX_STAFF = 10_000

#: Widest lognormal spread accepted: p90 at most this many times the median, or a
#: standard deviation at most this many times the mean. Real durations are far
#: narrower (p90/median of 2 to 5); beyond this the mean overflows or sampling
#: returns absurd values, so a wider spread is taken for a unit mistake.
MAX_LOGNORMAL_RATIO = 100.0


def _not_a_bool(value: Any) -> Any:
    """Reject true/false where a number is expected (pydantic would read true as 1)."""
    if isinstance(value, bool):
        raise PydanticCustomError(
            "bool_not_number",
            "is {given}; expected a number (true/false is not a number)",
            {"given": "true" if value else "false"},
        )
    return value


def _clock_not_a_number(value: Any) -> Any:
    """Explain YAML's reading of an unquoted ``23:00`` as a number (base 60: 1380)."""
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 24 * 60:
        hours, minutes = divmod(value, 60)
        raise PydanticCustomError(
            "clock_read_as_number",
            "is the number {given}, which is how YAML reads an unquoted {clock}; expected "
            'a clock time in quotes, e.g. "{clock}"',
            {"given": value, "clock": f"{hours:02d}:{minutes:02d}"},
        )
    return value


NotBool = BeforeValidator(_not_a_bool)
Seconds = Annotated[float, Field(ge=0, le=MAX_DURATION_S, allow_inf_nan=False), NotBool]
PositiveSeconds = Annotated[float, Field(gt=0, le=MAX_DURATION_S, allow_inf_nan=False), NotBool]
Weight = Annotated[float, Field(ge=0, le=1e9, allow_inf_nan=False), NotBool]
Identifier = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,39}$")]
#: An area of this force (``rural``) or of another force (``hampshire/urban``).
AreaRef = Annotated[str, Field(pattern=r"^([a-z0-9][a-z0-9_-]{0,39}/)?[a-z0-9][a-z0-9_-]{0,39}$")]
ClockTime = Annotated[
    str, Field(pattern=r"^([01]\d|2[0-3]):[0-5]\d$"), BeforeValidator(_clock_not_a_number)
]
StaffCount = Annotated[int, Field(ge=0, le=MAX_STAFF), NotBool]
Probability = Annotated[float, Field(ge=0, le=1, allow_inf_nan=False), NotBool]


class FrozenModel(BaseModel):
    """Base for every config model: immutable, unknown keys rejected."""

    # coerce_numbers_to_str: YAML reads `serves: [999, 101]` or `name: 2024` as
    # numbers; in a text field they can only mean the text.
    model_config = ConfigDict(
        frozen=True, extra="forbid", str_strip_whitespace=True, coerce_numbers_to_str=True
    )


class CrossFieldError(ValueError):
    """Problems found by a model-level check, each at a path below that model.

    pydantic reports a model validator's error at the model's own location; this
    carries the finer paths so that the message can still name the exact field.
    """

    def __init__(self, problems: Sequence[tuple[tuple[str | int, ...], str]]):
        self.problems = list(problems)
        super().__init__("; ".join(f"{'.'.join(map(str, p))}: {m}" for p, m in self.problems))
