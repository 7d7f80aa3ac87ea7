"""Malformed inputs for the property tests: the shipped demo, broken in every way.

Wrong types at random field paths, required fields removed, extreme and
non-finite numbers, empty rosters, odd unicode in keys and values, lists for
sections and sections for lists; and junk. Each :class:`Mutation` says whether it
may legitimately stay valid (odd text in a free-text field, ``-0.0``). Used by
``tests/config/test_robustness.py`` and the command-line properties of
``tests/cli/test_config.py``.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from hypothesis import assume
from hypothesis import strategies as st

from sim.config import read_yaml_file

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "configs" / "demo.yaml"
MMC = ROOT / "configs" / "mmc.yaml"
BASE: dict[str, Any] = read_yaml_file(DEMO)
DEMO_BYTES = yaml.safe_dump(BASE, allow_unicode=True, sort_keys=False).encode("utf-8")

Path_ = tuple[str | int, ...]

# --------------------------------------------------------------------------- the demo's shape


def walk(node: Any, path: Path_ = ()) -> Iterator[tuple[Path_, Any]]:
    """Every node of a parsed config with its path (the root excluded)."""
    if path:
        yield path, node
    if isinstance(node, dict):
        for key, value in node.items():
            yield from walk(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from walk(value, (*path, index))


NODES = list(walk(BASE))
NODES_PATHS = [p for p, _ in NODES]
NUMBER_PATHS = [p for p, v in NODES if isinstance(v, (int, float)) and not isinstance(v, bool)]
STRING_PATHS = [p for p, v in NODES if isinstance(v, str)]
LIST_PATHS = [p for p, v in NODES if isinstance(v, list)]
SECTION_PATHS = [p for p, v in NODES if isinstance(v, dict)]
MAPPING_PATHS: list[Path_] = [(), *SECTION_PATHS]


def get_at(root: Any, path: Path_) -> Any:
    for part in path:
        root = root[part]
    return root


def set_at(root: Any, path: Path_, value: Any) -> None:
    get_at(root, path[:-1])[path[-1]] = value


#: Keys a section cannot do without, by the key of the section (removing one is
#: always an error). Sections are named by their own key, or by the key of the
#: mapping or list they are an entry of (``forces.*``, ``shifts.*``...).
REQUIRED_KEYS: dict[str, set[str]] = {
    "": {"name", "forces", "handler_pools"},
    "forces.*": {"channels"},
    "channels.*": {"volume_per_year", "handling"},
    "handler_pools.*": {"serves", "roster"},
    "areas.*": {"share", "units", "travel"},
    "shifts.*": {"start", "length_hours", "count"},
    "roster": {"shifts", "staff"},
    "units": {"shifts", "staff"},
    "redial": {"probability", "delay"},
    "online": {"volume_per_year"},
    "response": {"on_scene"},
    "on_scene": {"grade1", "grade2"},
    "appointments": {"cars"},
    "resolution": {"roster", "callback"},
    "desk_review": {"roster", "review"},
}
#: Mappings whose every entry is needed: each force, channel and pool of the demo is
#: referred to elsewhere, and the area shares must add up to 1.
WHOLE_ENTRIES = {"forces", "channels", "handler_pools", "areas"}


def is_required(path: Path_) -> bool:
    """Whether removing the key at ``path`` from the demo must make it invalid."""
    parent = get_at(BASE, path[:-1])
    if isinstance(parent, dict) and "distribution" in parent:
        return True  # the name of a distribution and each of its parameters
    if len(path) >= 2 and path[-2] in WHOLE_ENTRIES:
        return True
    section = "" if len(path) == 1 else str(path[-2])
    if len(path) >= 3 and (isinstance(path[-2], int) or path[-3] in WHOLE_ENTRIES):
        section = f"{path[-3]}.*"
    return path[-1] in REQUIRED_KEYS.get(section, set())


REQUIRED_PATHS = [p for p in NODES_PATHS if isinstance(p[-1], str) and is_required(p)]
#: Free-text fields: any text is fine there, so odd unicode may leave the config valid.
FREE_TEXT = {"description", "name"}

assert len(NUMBER_PATHS) > 60 and len(STRING_PATHS) > 10 and len(REQUIRED_PATHS) > 30


def is_free_text(path: Path_) -> bool:
    return path == ("description",) or (len(path) > 1 and path[-1] in FREE_TEXT)


# --------------------------------------------------------------------------- strategies

#: Characters that no identifier, clock time, channel or distribution name allows:
#: anything beyond ASCII (emoji, right-to-left text and marks, zero-width and
#: combining characters, CJK, BOM...) and the control characters.
ODD_CHARS = st.one_of(
    st.characters(min_codepoint=0x80, exclude_categories=("Cs",)),
    st.sampled_from(
        [chr(c) for c in range(0x20)]
        + ["\x7f", "\u202e", "\u200f", "\u200b", "\u200d", "\ufeff", "\u2028", "\u0301"]
        + ["😀", "🚓", "ش", "א", "警", "\U0001f3f4\u200d\u2620\ufe0f"]
    ),
)
ANY_CHARS = st.characters(exclude_categories=("Cs",))


@st.composite
def odd_text(draw: st.DrawFn) -> str:
    """Text that contains at least one odd character, not only at the ends."""
    return (
        draw(st.text(ANY_CHARS, max_size=8))
        + draw(ODD_CHARS)
        + draw(st.text(ANY_CHARS, min_size=1, max_size=8))
    )


def with_odd_char_inside(text: str, odd: str, where: int) -> str:
    where = 1 + where % max(len(text) - 1, 1)
    return text[:where] + odd + text[where:]


JUNK_SCALAR = st.one_of(
    st.text(ANY_CHARS, max_size=20),
    st.integers(),
    st.floats(),
    st.booleans(),
    st.none(),
    st.dates(),
)
JUNK = st.recursive(
    JUNK_SCALAR,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4)
    ),
    max_leaves=12,
)
NON_NUMERIC_TEXT = st.text(ANY_CHARS, max_size=12).map(lambda t: "x" + t)
SMALL_LISTS = st.lists(JUNK_SCALAR, max_size=3)
SMALL_DICTS = st.dictionaries(st.text(max_size=5), JUNK_SCALAR, max_size=3)
NOT_A_NUMBER = st.one_of(NON_NUMERIC_TEXT, SMALL_LISTS, SMALL_DICTS, st.booleans(), st.dates())
NOT_TEXT = st.one_of(SMALL_LISTS, SMALL_DICTS, st.booleans(), st.dates())
NOT_A_LIST = st.one_of(SMALL_DICTS, NON_NUMERIC_TEXT, st.booleans(), st.floats(), st.integers())
NOT_A_SECTION = st.one_of(
    SMALL_LISTS, st.text(ANY_CHARS, max_size=12), st.booleans(), st.floats(), st.integers()
)
#: Out of range for every numeric field (bounds are at most 2**63 and at least -366).
EXTREME = st.sampled_from(
    [1e308, -1e308, math.inf, -math.inf, math.nan, 10**30, -(10**30), 2**64, -(2**64), 1e20, -1]
)
EMPTY_ROSTERS = st.sampled_from(
    [
        {},
        {"shifts": []},
        {"staff": []},
        {"staff": 0},
        {"staff": [0] * 168},
        {"staff": None},
        {"shifts": None},
        {"staff": [], "shifts": []},
        {"shifts": [{"start": "00:00", "length_hours": 24, "count": 0}]},
        {"interval_minutes": 15, "staff": [3] * 168},
        {"allow_gaps": False},
        [],
        None,
    ]
)


@dataclass
class Mutation:
    """A broken copy of the demo, what was done to it, and whether it may still be valid."""

    raw: Any
    what: str
    may_be_valid: bool = False


@st.composite
def mutations(draw: st.DrawFn) -> Mutation:
    raw = copy.deepcopy(BASE)
    kind = draw(
        st.sampled_from(
            [
                "wrong type",
                "required field removed",
                "extreme number",
                "empty roster",
                "odd key added",
                "key renamed",
                "odd text value",
                "several",
            ]
        )
    )
    rounds = draw(st.integers(2, 4)) if kind == "several" else 1
    what: list[str] = []
    may_be_valid = False
    for _ in range(rounds):
        this = kind
        if kind == "several":
            this = draw(st.sampled_from(["wrong type", "extreme number", "odd key added"]))
        try:
            step, maybe = _mutate(draw, raw, this, only_invalid=rounds > 1)
        except (KeyError, IndexError, TypeError):  # an earlier round removed the spot
            continue
        what.append(step)
        may_be_valid = may_be_valid or maybe
    assume(what)
    return Mutation(raw, "; ".join(what), may_be_valid)


def _mutate(
    draw: st.DrawFn, raw: dict[str, Any], kind: str, only_invalid: bool = False
) -> tuple[str, bool]:
    """Apply one mutation in place; return its description and whether it may be valid."""
    if kind == "wrong type":
        group = draw(st.sampled_from(["number", "string", "list", "section"]))
        paths, values = {
            "number": (NUMBER_PATHS, NOT_A_NUMBER),
            "string": (STRING_PATHS, NOT_TEXT),
            "list": (LIST_PATHS, NOT_A_LIST),
            "section": (SECTION_PATHS, NOT_A_SECTION),
        }[group]
        path = draw(st.sampled_from(paths))
        value = draw(values)
        get_at(raw, path)  # still there?
        set_at(raw, path, value)
        return f"{group} at {path} -> {value!r}", False
    if kind == "required field removed":
        path = draw(st.sampled_from(REQUIRED_PATHS))
        del get_at(raw, path[:-1])[path[-1]]
        return f"removed {path}", False
    if kind == "extreme number":
        path = draw(st.sampled_from(NUMBER_PATHS))
        get_at(raw, path)
        value = draw(EXTREME if only_invalid else st.one_of(EXTREME, st.sampled_from([-0.0, 0])))
        set_at(raw, path, value)
        return f"{path} -> {value!r}", value == 0
    if kind == "empty roster":
        roster = draw(EMPTY_ROSTERS)
        raw["handler_pools"]["contact_centre"]["roster"] = copy.deepcopy(roster)
        return f"roster -> {roster!r}", False
    if kind == "odd key added":
        path = draw(st.sampled_from(MAPPING_PATHS))
        key, value = draw(odd_text()), draw(JUNK)
        get_at(raw, path)[key] = value
        return f"{path} + {key!r}: {value!r}", False
    if kind == "key renamed":
        path = draw(st.sampled_from([p for p in NODES_PATHS if isinstance(p[-1], str)]))
        parent = get_at(raw, path[:-1])
        new = with_odd_char_inside(path[-1], draw(ODD_CHARS), draw(st.integers(0, 50)))
        parent[new] = parent.pop(path[-1])
        return f"{path} renamed {new!r}", False
    if kind == "odd text value":
        path = draw(st.sampled_from(STRING_PATHS))
        text = get_at(raw, path)
        new = with_odd_char_inside(text, draw(ODD_CHARS), draw(st.integers(0, 50)))
        set_at(raw, path, new)
        return f"{path} -> {new!r}", is_free_text(path)
    raise AssertionError(kind)


def dump(raw: Any) -> str:
    """YAML text of ``raw``, with unicode written as is where that reads back the same.

    PyYAML writes a NEL or line separator raw inside a quoted string, where it
    reads back as a line break: such text is written with escapes instead.
    """
    text = yaml.safe_dump(raw, allow_unicode=True, sort_keys=False)
    if any(c in text for c in "\x85\u2028\u2029\ufeff"):
        text = yaml.safe_dump(raw, allow_unicode=False, sort_keys=False)
    return text
