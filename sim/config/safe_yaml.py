"""Safe YAML reading: no Python objects, keys read as written, duplicates rejected, sizes capped.

Size is not the only cost: PyYAML's pure-Python reader takes seconds per
megabyte and builds a few hundred bytes of objects per node, so a file of a
few megabytes of list items would take minutes and gigabytes. Before the
strict (pure-Python) loader reads anything, a quick pass over the document's
events (libyaml's C parser where PyYAML has it) counts nodes, list and mapping
lengths, aliases and scalar lengths, and refuses the document at the first
bound it passes. A scenario is a few hundred nodes; the bounds are far above
any real one.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from sim.config.messages import describe_input
from sim.errors import InputError, Problem
from sim.files import not_a_regular_file

#: Largest scenario file read, bytes (a scenario is a few kilobytes; this stops a
#: wrong path such as a data file from being read, and bounds the strict loader's
#: time to about a second).
MAX_FILE_BYTES = 1_000_000
#: Most nodes (values, lists, mappings and keys) in one document; a scenario of
#: several forces, each roster given per 15-minute interval, has under 20,000.
MAX_YAML_NODES = 100_000
#: Most items in one list or entries in one mapping (a roster per 15 minutes: 672).
MAX_YAML_ITEMS = 10_080
#: Most alias references (``*name``) in one document: each may stand for a whole
#: block, so a few dozen aliases nested can stand for billions of nodes.
MAX_YAML_ALIASES = 1_000
#: Longest single value, characters (a description is at most 4,000).
MAX_YAML_SCALAR_CHARS = 100_000

_EventLoader: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

_MERGE_TAG = "tag:yaml.org,2002:merge"


class _StrictLoader(yaml.SafeLoader):
    """Safe YAML loader: no Python objects, keys read as names, duplicate keys rejected."""


def _construct_mapping(loader: _StrictLoader, node: yaml.MappingNode, deep: bool = False) -> dict:
    explicit = sum(1 for key_node, _ in node.value if key_node.tag != _MERGE_TAG)
    # `<<: *defaults` merge keys, as in yaml.SafeLoader: merged entries come first,
    # and the mapping's own entries may override them.
    loader.flatten_mapping(node)
    first_explicit = len(node.value) - explicit
    mapping: dict[str, Any] = {}
    own_keys: set[str] = set()
    for i, (key_node, value_node) in enumerate(node.value):
        if not isinstance(key_node, yaml.ScalarNode):
            raise yaml.constructor.ConstructorError(
                "while reading a mapping",
                node.start_mark,
                "found a list or mapping used as a key; expected a name",
                key_node.start_mark,
            )
        # Every key in a scenario is a name, read as written: `999:` is "999",
        # not the number 999, and `yes:` is "yes", not true.
        key_text = str(key_node.value)
        if i >= first_explicit:
            if key_text in own_keys:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key '{key_text}'", key_node.start_mark
                )
            own_keys.add(key_text)
        mapping[key_text] = loader.construct_object(value_node, deep=deep)
    return mapping


_StrictLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG,
    _construct_mapping,  # type: ignore[arg-type]
)


def _too_complex(text: str) -> tuple[str, str] | None:
    """Where and why a document passes a complexity bound, or None if it is within them.

    Counts on the event stream (never builds the document). A syntax error ends
    the count: the strict loader then reports it, at a cost bounded by what was
    read before it.
    """
    nodes = aliases = 0
    # Of each list or mapping being read: events so far, and the most allowed (a
    # mapping's entries are key and value events: twice the entries).
    open_collections: list[list[int]] = []
    try:
        for event in yaml.parse(text, Loader=_EventLoader):
            if isinstance(event, yaml.CollectionEndEvent):
                open_collections.pop()
                continue
            if not isinstance(event, yaml.NodeEvent):
                continue
            nodes += 1
            mark = event.start_mark
            where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
            if open_collections:
                counted = open_collections[-1]
                counted[0] += 1
                if counted[0] > counted[1]:
                    return where, f"has a list or mapping of over {MAX_YAML_ITEMS:,} entries"
            if nodes > MAX_YAML_NODES:
                return where, f"has over {MAX_YAML_NODES:,} values, lists and mappings"
            if isinstance(event, yaml.AliasEvent):
                aliases += 1
                if aliases > MAX_YAML_ALIASES:
                    return where, f"has over {MAX_YAML_ALIASES:,} aliases (*name)"
            elif isinstance(event, yaml.ScalarEvent):
                if len(event.value) > MAX_YAML_SCALAR_CHARS:
                    return where, f"has a value of over {MAX_YAML_SCALAR_CHARS:,} characters"
            elif isinstance(event, yaml.CollectionStartEvent):
                per_entry = 2 if isinstance(event, yaml.MappingStartEvent) else 1
                open_collections.append([0, per_entry * MAX_YAML_ITEMS])
    except (yaml.YAMLError, RecursionError, ValueError, IndexError):
        return None
    return None


def parse_yaml(text: str, source: str) -> Any:
    """Parse YAML text safely, raising ``InputError`` that names the line on failure.

    Raises
    ------
    InputError
        If the text is not valid YAML, or passes a complexity bound
        (:data:`MAX_YAML_NODES`, :data:`MAX_YAML_ITEMS`, :data:`MAX_YAML_ALIASES`,
        :data:`MAX_YAML_SCALAR_CHARS`).
    """
    bound = _too_complex(text)
    if bound is not None:
        where, what = bound
        raise InputError(
            [Problem(source, where, f"{what}; expected a scenario of a sensible size")]
        )
    try:
        return yaml.load(text, Loader=_StrictLoader)  # a SafeLoader subclass: safe
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        detail = exc.problem or str(exc)
        raise InputError([Problem(source, where, f"not valid YAML: {detail}")]) from None
    except yaml.reader.ReaderError as exc:
        line = text.count("\n", 0, max(exc.position, 0)) + 1
        character = chr(exc.character) if isinstance(exc.character, int) else exc.character
        detail = f"character {describe_input(character)} is not allowed in YAML"
        raise InputError([Problem(source, f"line {line}", f"not valid YAML: {detail}")]) from None
    except yaml.YAMLError as exc:
        raise InputError([Problem(source, "", f"not valid YAML: {exc}")]) from None
    except RecursionError:
        raise InputError(
            [Problem(source, "", "not valid YAML: nested too deeply; expected a scenario")]
        ) from None
    except (ValueError, TypeError, LookupError, ArithmeticError) as exc:
        # A scalar YAML cannot convert: a date such as 2024-02-30, `!!bool maybe`,
        # an integer too long to read.
        raise InputError(
            [Problem(source, "", f"not valid YAML: a value cannot be read ({exc})")]
        ) from None


def read_yaml_file(path: str | Path) -> Any:
    """Read and parse a YAML file, raising ``InputError`` if it cannot be read or parsed."""
    source = str(path)
    unreadable = not_a_regular_file(Path(path))
    if unreadable is not None:
        if unreadable == "does not exist":
            unreadable = "file not found; expected the path of a scenario YAML file"
        raise InputError([Problem(source, "", unreadable)])
    try:
        with Path(path).open("rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        raise InputError(
            [Problem(source, "", "file not found; expected the path of a scenario YAML file")]
        ) from None
    except IsADirectoryError:
        raise InputError([Problem(source, "", "is a directory; expected a YAML file")]) from None
    except OSError as exc:
        raise InputError([Problem(source, "", f"cannot be read: {exc.strerror}")]) from None
    if len(data) > MAX_FILE_BYTES:
        raise InputError(
            [
                Problem(
                    source, "", f"is over {MAX_FILE_BYTES:,} bytes; expected a scenario YAML file"
                )
            ]
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError([Problem(source, "", "is not UTF-8 text; expected a YAML file")]) from None
    return parse_yaml(text, source)
