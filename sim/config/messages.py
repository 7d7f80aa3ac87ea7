"""pydantic's validation errors as Problem lines: ``field.path: what is wrong; what is expected``.

Errors are collected, never raised one at a time: a planner who mistyped three
values sees three lines. Paths are written as the planner wrote them (union tags
and validator markers removed), and values are described briefly and safely,
however odd the input.
"""

from __future__ import annotations

import math
import re
import reprlib
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from pydantic import ValidationError

from sim.config.base import CrossFieldError
from sim.errors import Problem


class _InputRepr(reprlib.Repr):
    """Short, safe descriptions of any parsed YAML value (huge, nested or self-referring)."""

    def __init__(self) -> None:
        super().__init__()
        self.maxlevel = 3
        self.maxlist = self.maxtuple = self.maxset = self.maxfrozenset = 6
        self.maxdict = 4
        self.maxstring = 60
        self.maxother = 60
        self.maxlong = 40

    def repr_int(self, x: int, level: int) -> str:
        if x.bit_length() > 128:  # repr() of a very long int raises ValueError
            return f"a whole number of about {int(x.bit_length() * math.log10(2)) + 1} digits"
        return super().repr_int(x, level)

    def repr_bool(self, x: bool, level: int) -> str:
        return "true" if x else "false"

    def repr_NoneType(self, x: None, level: int) -> str:  # noqa: N802 - reprlib naming
        return "null"

    def repr_date(self, x: Any, level: int) -> str:
        return f"{x.isoformat()} (a date)"

    def repr_datetime(self, x: Any, level: int) -> str:
        return f"{x.isoformat()} (a date and time)"


_INPUT_REPR = _InputRepr()


def describe_input(value: Any) -> str:
    """A short description of an input value for a message, never raising."""
    try:
        text = _INPUT_REPR.repr(value)
    except Exception:  # a message must never fail on odd input
        text = f"a {type(value).__name__}"
    return text if len(text) <= 80 else text[:77] + "..."


_KIND_OF_INPUT = {
    dict: "a section (mapping)",
    list: "a list",
    str: "text",
    bool: "true/false",
    type(None): "empty (null)",
}


def describe_with_kind(value: Any) -> str:
    """``'abc'`` for a scalar; ``a list [1, 2]`` where the kind matters."""
    for kind, label in _KIND_OF_INPUT.items():
        if type(value) is kind and kind in (dict, list):
            return f"{label} {describe_input(value)}"
    return describe_input(value)


def _bound(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


#: pydantic error types, and what was expected, for the common mistakes.
_EXPECTED = {
    "float_type": "a number",
    "float_parsing": "a number",
    "int_type": "a whole number",
    "int_parsing": "a whole number",
    "int_from_float": "a whole number",
    "int_parsing_size": "a whole number of a sensible size",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
    "string_type": "text",
    "string_unicode": "text",
    "dict_type": "a section (a mapping of names to values)",
    "model_type": "a section of fields, e.g. {field: value}",
    "model_attributes_type": "a section of fields, e.g. {field: value}",
    "list_type": "a list, e.g. [a, b]",
}


def _friendly(error: Mapping[str, Any]) -> str:
    """Turn one pydantic error into 'what is wrong; what is expected'."""
    kind = error["type"]
    given = error.get("input")
    ctx = error.get("ctx") or {}
    if kind == "extra_forbidden":
        return "unknown field; check the spelling (fields are listed in README.md, Reference)"
    if kind == "missing":
        return "missing; this field is required"
    if kind == "value_error":
        return str(ctx.get("error", error["msg"])).removeprefix("Value error, ")
    if kind == "union_tag_invalid":
        return (
            f"distribution {describe_input(ctx.get('tag'))} is not known; expected one of "
            f"{ctx.get('expected_tags')}"
        )
    if kind == "union_tag_not_found":
        return "has no 'distribution'; expected distribution: exponential, lognormal or constant"
    if kind == "literal_error":
        return f"is {describe_input(given)}; expected {ctx.get('expected')}"
    if kind == "string_pattern_mismatch":
        pattern = str(ctx.get("pattern", ""))
        if ":" in pattern and "[0-5]" in pattern:
            return f"is {describe_input(given)}; expected a clock time HH:MM, e.g. 07:00"
        return (
            f"is {describe_input(given)}; expected an identifier: lower-case letters, digits, "
            "'_' or '-', starting with a letter or digit"
            if "a-z0-9]" in pattern and "A-Z" not in pattern
            else f"is {describe_input(given)}; expected letters, digits, '_' or '-' only, "
            "starting with a letter or digit"
        )
    if kind == "finite_number":
        return f"is {describe_input(given)}; expected a finite number"
    if kind in _EXPECTED:
        return f"is {describe_with_kind(given)}; expected {_EXPECTED[kind]}"
    if kind == "greater_than":
        return f"is {describe_input(given)}; expected a number above {_bound(ctx.get('gt'))}"
    if kind == "greater_than_equal":
        return f"is {describe_input(given)}; expected {_bound(ctx.get('ge'))} or more"
    if kind == "less_than":
        return f"is {describe_input(given)}; expected less than {_bound(ctx.get('lt'))}"
    if kind == "less_than_equal":
        return f"is {describe_input(given)}; expected at most {_bound(ctx.get('le'))}"
    if kind == "too_short":
        if ctx.get("actual_length") == 0:
            return f"is empty; expected at least {ctx.get('min_length')} entry"
        return f"has {ctx.get('actual_length')} entries; expected at least {ctx.get('min_length')}"
    if kind == "too_long":
        return f"has too many entries; expected at most {ctx.get('max_length')}"
    if kind == "string_too_long":
        length = len(given) if isinstance(given, str) else "too many"
        return f"is {length} characters long; expected at most {ctx.get('max_length')}"
    if kind == "recursion_loop":
        return "refers to itself (a YAML alias loop); expected plain values"
    # Custom errors (PydanticCustomError) already read 'is X; expected Y'.
    if kind in {"bool_not_number", "clock_read_as_number", "unknown_platform", "bad_platform_file"}:
        return str(error["msg"])
    return f"is {describe_with_kind(given)}; {error['msg'][:1].lower()}{error['msg'][1:]}"


#: Fields whose value is a tagged union: pydantic puts the tag in the error path.
#: (Used when the input is not at hand; with the input, tags are found exactly.)
_TAGGED_FIELDS: dict[str, frozenset[str]] = {
    **dict.fromkeys(
        (
            "patience",
            "handling",
            "wrap_up",
            "delay",
            "grading_delay",
            "review",
            "travel",
            "callback",
            "grade1",
            "grade2",
            "scheduled",
        ),
        frozenset({"exponential", "lognormal", "constant"}),
    ),
    "staff": frozenset({"number", "per_interval"}),
}
_UNION_TAGS = frozenset().union(*_TAGGED_FIELDS.values())
_VALIDATOR_LOC = re.compile(r"^function-(before|after|wrap|plain)\[")
_NO_INPUT = object()


def _clean_loc(loc: Sequence[Any], raw: Any = _NO_INPUT) -> list[Any]:
    """The path as the user wrote it: without union tags and validator markers.

    With the input at hand, a union tag is told from a key of the same name (a
    force called ``constant``) by walking the input along the path: a tag is a
    part that names nothing in the input there.
    """
    cleaned: list[Any] = []
    node = raw
    for part in loc:
        if isinstance(part, str) and _VALIDATOR_LOC.match(part):
            continue
        if node is not _NO_INPUT:
            in_dict = isinstance(node, dict) and part in node
            in_list = isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)
            if in_dict or in_list:
                node = node[part]
            elif isinstance(part, str) and part in _UNION_TAGS:
                continue
            else:
                node = _NO_INPUT
            cleaned.append(part)
            continue
        previous = cleaned[-1] if cleaned else None
        if isinstance(previous, str) and part in _TAGGED_FIELDS.get(previous, ()):
            continue
        cleaned.append(part)
    return cleaned


def _show_key(part: Any) -> str:
    text = str(part)
    if text and text.isprintable() and not any(c in text for c in ".: \"'"):
        return text
    return repr(text)


def dotted_path(loc: Iterable[Any]) -> str:
    """A field path as written in messages: ``forces.tvp.channels.101.volume_per_year``."""
    return ".".join(_show_key(p) for p in loc if p != "[key]")


def problems_from_validation(
    error: ValidationError, source: str, raw: Any = _NO_INPUT
) -> list[Problem]:
    """Every problem in a pydantic ``ValidationError``, with dotted field paths.

    ``raw`` is the input that was validated, if at hand (it makes the paths
    exact). A key that is not allowed (``channels: {"112": ...}``) is reported
    once, as such; the errors pydantic also finds inside its value are left out.
    """
    found: list[tuple[tuple[Any, ...], str]] = []
    bad_keys: set[tuple[Any, ...]] = set()
    for item in error.errors(include_url=False):
        raw_loc = tuple(item["loc"])
        loc = tuple(_clean_loc(raw_loc, raw))
        cross = (item.get("ctx") or {}).get("error")
        if isinstance(cross, CrossFieldError):
            found.extend((loc + tuple(sub), msg) for sub, msg in cross.problems)
        elif raw_loc and raw_loc[-1] == "[key]":
            key_loc = loc[:-1]
            bad_keys.add(key_loc)
            parent = str(key_loc[-2]) if len(key_loc) >= 2 else ""
            what = {
                "channels": "a valid channel id",
                "forces": "a valid force id",
                "handler_pools": "a valid pool id",
            }.get(parent, "a valid name here")
            expected = _friendly(item).split("; ", 1)[-1]
            found.append((key_loc, f"{describe_input(str(key_loc[-1]))} is not {what}; {expected}"))
        else:
            found.append((loc, _friendly(item)))
    problems: list[Problem] = []
    seen: set[tuple[str, str]] = set()
    for loc, message in found:
        if any(loc[: len(bad)] == bad and len(loc) > len(bad) for bad in bad_keys):
            continue
        key = (dotted_path(loc), message)
        if key not in seen:
            seen.add(key)
            problems.append(Problem(source, key[0], message))
    return problems
