"""Safe YAML reading: no Python objects, keys read as written, duplicates rejected, sizes capped."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from sim.config.messages import describe_input
from sim.errors import InputError, Problem

#: Largest scenario file read (a scenario is a few kilobytes; this stops a wrong
#: path such as a data file or /dev/zero from being read for ever).
MAX_FILE_BYTES = 10_000_000

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


def parse_yaml(text: str, source: str) -> Any:
    """Parse YAML text safely, raising ``InputError`` that names the line on failure."""
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
