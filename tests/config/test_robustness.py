"""Property tests: malformed input never gives a traceback, a hang, or stray output.

Thousands of broken scenarios, made by mutating the shipped demo (wrong types at
random field paths, required fields removed, extreme and non-finite numbers,
empty rosters, odd unicode in keys and values, lists for sections and sections
for lists), junk files, and random ``--set`` strings, go through the command line
in process to ``validate`` and to ``run``. Each must exit 2 with every line of
the form ``FILE: ...`` (or ``--set ...: ...``), within a time limit, writing
nothing. The mutations are invalid by construction, and each is checked to be
invalid before ``run`` is called, so that ``run`` never starts simulating; the
few kinds that may legitimately stay valid (odd text in a free-text field,
``-0.0``, random ``--set`` strings) are checked to be valid and not run.

A last property: output never lands outside the directory given with ``--out``,
and a scenario name cannot steer it elsewhere.
"""

from __future__ import annotations

import contextlib
import copy
import datetime as dt
import math
import tempfile
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import pytest
import yaml
from hypothesis import HealthCheck, assume, event, example, given, note, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from cli import app
from sim.config import InputError, apply_overrides, read_yaml_file, scenario_from_dict
from sim.runs.experiment import is_experiment, plan_from_dict

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "configs" / "demo.yaml"
MMC = ROOT / "configs" / "mmc.yaml"
BASE: dict[str, Any] = read_yaml_file(DEMO)
DEMO_BYTES = yaml.safe_dump(BASE, allow_unicode=True, sort_keys=False).encode("utf-8")
RUNNER = CliRunner()
T = TypeVar("T")

#: Seconds any one command may take on bad input before it counts as a hang.
TIME_LIMIT_S = 20.0

SETTINGS = settings(
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

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


# --------------------------------------------------------------------------- checks


def in_thread(function: Callable[[], T], seconds: float = TIME_LIMIT_S) -> T:
    """``function()`` in a fresh daemon thread, failing if it takes over ``seconds`` (a hang).

    A fresh thread also keeps each call at a shallow, constant stack depth: deep
    inside pytest and hypothesis, CPython 3.11 kept allocating and freeing a frame
    stack chunk (an mmap) on every call of YAML's recursive parser, which doubled
    the run time of these tests.
    """
    outcome: dict[str, Any] = {}

    def target() -> None:
        try:
            outcome["value"] = function()
        except BaseException as exc:  # handed to the caller below
            outcome["error"] = exc

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(seconds)
    if thread.is_alive():
        raise AssertionError(f"no answer within {seconds} s: a hang")
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


def invoke(*arguments: Any) -> Any:
    result = in_thread(lambda: RUNNER.invoke(app, [str(a) for a in arguments]))
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        note(result.output)
        raise AssertionError(
            f"{type(result.exception).__name__} instead of exit 2: {result.exception!r}"
        ) from result.exception
    return result


def assert_rejected(result: Any, *prefixes: str) -> list[str]:
    """Exit 2, some lines, each starting with one of the prefixes (``FILE: ``, ``--set ``)."""
    assert result.exit_code == 2, result.output
    assert result.stdout == "", result.stdout
    lines = result.stderr.splitlines()
    assert lines, "exit 2 but no message"
    for line in lines:
        assert line.startswith(prefixes), (line, prefixes)
        assert len(line) < 2000, line
    return lines


def expected_problems(
    raw: Any, source: str, overrides: Sequence[str] = (), command: str = "run"
) -> list[str] | None:
    """The problem lines for parsed input (in process, no YAML), or None if it is valid.

    ``validate`` reads a file with experiment keys and no ``forces`` as an experiment.
    """

    def check() -> list[str] | None:
        try:
            if command == "validate" and is_experiment(raw):
                plan_from_dict(raw, Path(source))
            else:
                scenario_from_dict(apply_overrides(raw, overrides) if overrides else raw, source)
        except InputError as exc:
            return [str(p) for p in exc.problems]
        return None

    return in_thread(check)


def files_under(root: Path) -> set[Path]:
    return set(root.rglob("*"))


def check_file_rejected(root: Path, path: Path, raw: Any, may_be_valid: bool, command: str) -> None:
    """``raw`` (as written to ``path``) is invalid, or may be and is: the CLI agrees.

    An invalid file goes to ``command`` (validate or run), which must print
    exactly the problems found in process, and write nothing. A valid one is
    only validated, never run.
    """
    expected = expected_problems(raw, str(path), command=command)
    if expected is None:
        assert may_be_valid, "a mutation meant to be invalid was accepted"
        event("valid after all (not run)")
        assert invoke("validate", path).exit_code == 0
        return
    before = files_under(root)
    arguments = ["--out", root / "out"] if command == "run" else []
    lines = assert_rejected(invoke(command, path, *arguments), f"{path}: ")
    assert lines == expected
    assert files_under(root) == before  # nothing written, no results directory
    event(f"{len(lines)} problem line(s)" if len(lines) < 4 else "4+ problem lines")


def dump(raw: Any) -> str:
    """YAML text of ``raw``, with unicode written as is where that reads back the same.

    PyYAML writes a NEL or line separator raw inside a quoted string, where it
    reads back as a line break: such text is written with escapes instead.
    """
    text = yaml.safe_dump(raw, allow_unicode=True, sort_keys=False)
    if any(c in text for c in "\x85\u2028\u2029\ufeff"):
        text = yaml.safe_dump(raw, allow_unicode=False, sort_keys=False)
    return text


COMMANDS = st.sampled_from(["validate", "run"])


# --------------------------------------------------------------------------- properties


@settings(SETTINGS, max_examples=400)
@given(mutation=mutations(), command=COMMANDS)
def test_mutated_demo_is_rejected_with_messages(mutation: Mutation, command: str) -> None:
    note(mutation.what)
    with tempfile.TemporaryDirectory() as directory:
        root = Path(directory)
        path = root / "scenario.yaml"
        path.write_text(dump(mutation.raw), encoding="utf-8")
        check_file_rejected(root, path, mutation.raw, mutation.may_be_valid, command)


@settings(SETTINGS, max_examples=250)
@given(
    content=st.one_of(
        st.text(ANY_CHARS, max_size=200).map(lambda t: (t.encode("utf-8"), False)),
        st.binary(max_size=200).map(lambda b: (b, False)),
        JUNK.map(lambda j: (dump(j).encode("utf-8"), False)),
        # The demo cut short: a cut between two shifts, or inside a number, may be valid.
        st.integers(0, len(DEMO_BYTES) - 1).map(lambda cut: (DEMO_BYTES[:cut], True)),
    ),
    command=COMMANDS,
)
@example(content=(b"grid: {days: [1, 2]}\n", False), command="validate")  # an experiment
def test_junk_files_are_rejected(content: tuple[bytes, bool], command: str) -> None:
    data, may_be_valid = content
    with tempfile.TemporaryDirectory() as directory:
        root = Path(directory)
        path = root / "junk.yaml"
        path.write_bytes(data)
        try:
            raw = read_yaml_file(path)
        except InputError as exc:  # not YAML: the CLI must say the same
            expected = [str(p) for p in exc.problems]
            result = invoke(command, path, *(["--out", root / "out"] if command == "run" else []))
            assert assert_rejected(result, f"{path}: ") == expected
            assert files_under(root) == {path}
            return
        check_file_rejected(root, path, raw, may_be_valid, command)


SET_FRAGMENTS = st.sampled_from(
    [
        "", "~", "null", "true", "no", ".nan", "-.inf", "1e308", "-1e308", "-0.0", "0", "-1",
        "0x" + "f" * 40, "[1, 2", "{a: 1}", "[]", "{}", "'quoted", '"x"', "&a [*a]",
        "!!python/object/apply:os.system ['echo hacked']", "!!binary gIGC", "2024-02-30",
        "a: b: c", "- 1\n- 2", "\t", "%YAML 1.1", "@", "`", "|\n  text", "*nothing",
    ]
)  # fmt: skip
SET_PATHS = st.one_of(
    st.sampled_from([".".join(map(str, p)) for p in NODES_PATHS]),
    st.text(ANY_CHARS, max_size=20),
    st.builds(
        lambda p, extra: ".".join(map(str, p)) + "." + extra,
        st.sampled_from(NODES_PATHS),
        st.text(ANY_CHARS, max_size=6),
    ),
)
SET_VALUES = st.one_of(
    SET_FRAGMENTS,
    st.text(ANY_CHARS, max_size=20),
    st.integers().map(str),
    st.floats().map(repr),
    odd_text(),
)


@settings(SETTINGS, max_examples=300)
@given(
    overrides=st.lists(
        st.one_of(
            st.builds(lambda p, v: f"{p}={v}", SET_PATHS, SET_VALUES),
            st.text(ANY_CHARS, max_size=30),
        ),
        min_size=1,
        max_size=3,
    )
)
def test_random_set_strings_are_rejected_or_valid(overrides: list[str]) -> None:
    note(repr(overrides))
    with tempfile.TemporaryDirectory() as directory:
        root = Path(directory)
        path = root / "demo.yaml"  # the demo without its comments: quicker to read
        path.write_bytes(DEMO_BYTES)
        if expected_problems(BASE, str(path), overrides) is None:
            event("valid --set (not run)")
            return
        event("invalid --set")
        arguments = [f"--set={o}" for o in overrides]
        result = invoke("run", path, *arguments, "--out", root / "out")
        assert_rejected(result, f"{path}: ", "--set ")
        assert files_under(root) == {path}


TRAVERSAL = st.sampled_from(["../", "../../", "/", "\\", "..", "/..", "./", "~/", "%2e%2e/"])


@settings(SETTINGS, max_examples=60)
@given(
    name=st.one_of(
        st.sampled_from(["../../evil", "/tmp/evil", "..", ".", "a/b", "a\\b", "~root", "evil\0"]),
        st.builds(
            lambda a, sep, b: a + sep + b, st.text(max_size=8), TRAVERSAL, st.text(max_size=8)
        ),
    )
)
def test_scenario_name_cannot_steer_output(name: str) -> None:
    raw = copy.deepcopy(BASE)
    raw["name"] = name
    with tempfile.TemporaryDirectory() as directory:
        root = Path(directory)
        work = root / "work"
        work.mkdir()
        path = root / "scenario.yaml"
        path.write_text(dump(raw), encoding="utf-8")
        assert expected_problems(raw, str(path)) is not None
        before = files_under(root)
        # No --out: the default results/NAME-TIME must not follow the name anywhere.
        with contextlib.chdir(work):
            result = invoke(
                "run", path, "--days", "0.05", "--warmup-days", "0", "--replications", "1"
            )
        lines = assert_rejected(result, f"{path}: ")
        assert any(line.startswith(f"{path}: name: ") for line in lines), lines
        assert files_under(root) == before


@settings(SETTINGS, max_examples=6)
@given(
    parts=st.lists(
        st.text(
            st.characters(exclude_categories=("Cs", "Cc"), exclude_characters="/\\"),
            min_size=1,
            max_size=6,
        ).filter(lambda p: p not in {".", ".."}),
        min_size=1,
        max_size=3,
    )
)
def test_valid_run_writes_only_inside_out_dir(parts: list[str]) -> None:
    with tempfile.TemporaryDirectory() as directory:
        root = Path(directory)
        work = root / "work"
        work.mkdir()
        out = root.joinpath("given", *parts)
        try:
            out.parent.mkdir(parents=True, exist_ok=True)
        except OSError:  # a name this file system refuses (too long in bytes...)
            assume(False)
        before = files_under(root)
        with contextlib.chdir(work):
            result = invoke(
                "run", MMC, "--days", "0.05", "--warmup-days", "0", "--replications", "1",
                "--out", out,
            )  # fmt: skip
        assert result.exit_code == 0, result.output
        new = files_under(root) - before
        assert (out / "summary.csv") in new and (out / "manifest.json") in new
        outside = {p for p in new if out.resolve() not in (p.resolve(), *p.resolve().parents)}
        assert outside == set()
        assert not any(work.iterdir())  # nothing in the working directory (no results/)


def test_out_that_is_a_file_is_rejected_and_left_alone() -> None:
    with tempfile.TemporaryDirectory() as directory:
        out = Path(directory) / "taken"
        out.write_text("keep me")
        result = invoke(
            "run", MMC, "--days", "0.05", "--warmup-days", "0", "--replications", "1", "--out", out
        )
        assert result.exit_code == 2
        assert f"--out: {out}: is a file" in result.stderr
        assert out.read_text() == "keep me"


@pytest.mark.parametrize(
    "value",
    [dt.date(2020, 1, 1), 10**30, math.nan, -math.inf, "x1", True, [[[[]]]], {"a": {"b": {}}}],
)
def test_every_numeric_field_rejects_odd_values(value: Any) -> None:
    """Every numeric field of the demo at once with a value of the wrong kind: one line each."""
    raw = copy.deepcopy(BASE)
    for path in NUMBER_PATHS:
        set_at(raw, path, copy.deepcopy(value))
    with tempfile.TemporaryDirectory() as directory:
        file = Path(directory) / "scenario.yaml"
        file.write_text(dump(raw), encoding="utf-8")
        lines = assert_rejected(invoke("validate", file), f"{file}: ")
    fields = [line.removeprefix(f"{file}: ").split(": ")[0] for line in lines]
    assert sorted(fields) == sorted(".".join(map(str, p)) for p in NUMBER_PATHS)
