"""The command line on bad config: exit 2, one printed line per problem, nothing written.

DESIGN §3: ``demandsim validate FILE`` and ``demandsim run FILE --set ...`` print
every problem as ``FILE: field.path: what is wrong; what is expected`` and exit 2;
exit 1 is only for a genuine bug, and there is never a traceback. The problems
themselves are checked in ``tests/config`` (through :func:`sim.config.load_scenario`);
here, what the command line makes of them, in process through Typer's test
runner (and once through ``cli.py`` in a subprocess).

Property tests: thousands of broken scenarios (``tests/config/mutations.py``),
junk files and random ``--set`` strings go to ``validate`` and to ``run``. Each
must exit 2 with every line of the form ``FILE: ...`` (or ``--set ...: ...``),
within a time limit, writing nothing. The mutations are invalid by construction,
and each is checked to be invalid before ``run`` is called, so that ``run`` never
starts simulating; the few kinds that may legitimately stay valid are checked to
be valid and not run. And output never lands outside the directory given with
``--out``, and a scenario name cannot steer it elsewhere.
"""

from __future__ import annotations

import contextlib
import copy
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

from hypothesis import HealthCheck, assume, event, example, given, note, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from cli import app
from sim.config import InputError, apply_overrides, read_yaml_file, scenario_from_dict
from sim.config.experiment import is_experiment
from sim.scenarios.variants import expand_experiment
from tests.config.mutations import (
    ANY_CHARS,
    BASE,
    DEMO_BYTES,
    JUNK,
    MMC,
    NODES_PATHS,
    Mutation,
    dump,
    mutations,
    odd_text,
)
from tests.config.problems import (
    DEMO,
    ROOT,
    assert_bad,
    channel,
    demo_raw,
    problem_lines,
    write,
)

CONFIGS = ROOT / "configs"
RUNNER = CliRunner()
T = TypeVar("T")

#: Seconds any one command may take on bad input before it counts as a hang.
TIME_LIMIT_S = 20.0

SETTINGS = settings(
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


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
    """Run the CLI in process, in time; fail on any exception but SystemExit (a traceback)."""
    result = in_thread(lambda: RUNNER.invoke(app, [str(a) for a in arguments]))
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(
            f"{type(result.exception).__name__} instead of exit 2: {result.exception!r}\n"
            f"{result.output}"
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
                expand_experiment(raw, Path(source))
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


# --------------------------------------------------------------------------- one mistake each


def validate_data(tmp_path: Path, content: dict[str, Any] | str) -> tuple[Any, Path]:
    path = write(tmp_path, content)
    return invoke("validate", path), path


def test_every_line_is_file_path_message(tmp_path: Path) -> None:
    raw = demo_raw()
    raw["name"] = "bad name\nwith a newline"
    raw["forces"]["demo"]["channels"]["999"]["\u202eevil\x1b[31m"] = 1
    result, path = validate_data(tmp_path, raw)
    assert result.exit_code == 2
    lines = problem_lines(result)
    assert len(lines) == 2, result.stderr
    assert all(line.startswith(f"{path}: ") for line in lines)
    # Control and bidi characters are shown escaped, never sent to the terminal.
    assert "\x1b" not in result.stderr and "\u202e" not in result.stderr
    assert_bad(result, path, "forces.demo.channels.999.'\\u202eevil\\x1b[31m'", "unknown field")


def test_messages_are_printed_verbatim(tmp_path: Path) -> None:
    raw = demo_raw()
    raw["name"] = ":police_car: [bold]x[/bold]"
    result, path = validate_data(tmp_path, raw)
    assert_bad(result, path, "name", "is ':police_car: [bold]x[/bold]'")


def test_yaml_cannot_run_code(tmp_path: Path) -> None:
    marker = tmp_path / "hacked"
    text = f'name: !!python/object/apply:os.system ["touch {marker}"]\n'
    result, path = validate_data(tmp_path, text)
    assert_bad(result, path, "line 1, column 7", "not valid YAML", "python/object/apply")
    result = invoke("run", path, "--out", tmp_path / "out")
    assert result.exit_code == 2
    assert not marker.exists()
    assert not (tmp_path / "out").exists()


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nowhere.yaml"
    for command in (["validate", path], ["run", path, "--out", tmp_path / "out"]):
        result = invoke(*command)
        assert_bad(result, path, "", "file not found")
    assert not (tmp_path / "out").exists()


def test_run_option_is_validated_like_the_file(tmp_path: Path) -> None:
    result = invoke("run", DEMO, "--replications", "0", "--out", tmp_path / "out")
    assert_bad(result, DEMO, "replications", "is 0", "1 or more")
    assert not (tmp_path / "out").exists()


def test_console_entry_validate_and_run_exit_codes(tmp_path: Path) -> None:
    raw = demo_raw()
    channel(raw)["volume_per_year"] = -5
    bad = write(tmp_path, raw)

    def cli(*arguments: Any) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "cli.py", *map(str, arguments)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
        )

    completed = cli("validate", bad)
    assert completed.returncode == 2, completed.stderr
    assert completed.stderr.strip() == (
        f"{bad}: forces.demo.channels.999.volume_per_year: is -5; expected 0 or more"
    )
    completed = cli("run", DEMO, "--set", "days=-1", "--set", "x.y=1", "--out", tmp_path / "out")
    assert completed.returncode == 2, completed.stderr
    assert "Traceback" not in completed.stderr
    assert f"{DEMO}: days: is -1" in completed.stderr
    assert f"{DEMO}: x: unknown field" in completed.stderr
    assert not (tmp_path / "out").exists()
    completed = cli("validate", CONFIGS / "mmc.yaml")
    assert completed.returncode == 0, completed.stderr
    assert "valid scenario 'mmc'" in completed.stdout


def test_cli_exits_2_on_a_bad_platform(tmp_path: Path) -> None:
    path = write(tmp_path, {**demo_raw(), "platform": "nope"})
    result = invoke("validate", path)
    assert result.exit_code == 2
    assert "platform" in result.output and "legacy" in result.output
    result = invoke("run", DEMO, "--set", "platform=nope")
    assert result.exit_code == 2


def test_validate_prints_warnings_and_exits_0(tmp_path: Path) -> None:
    raw = demo_raw()
    raw["handler_pools"]["contact_centre"]["shrinkage"] = 0.99
    # Nobody working is an error unless the roster allows gaps (issue 21).
    raw["handler_pools"]["contact_centre"]["roster"]["allow_gaps"] = True
    result, path = validate_data(tmp_path, raw)
    assert result.exit_code == 0, result.output
    assert "valid scenario 'demo'" in result.stdout
    line, *unstable = problem_lines(result)
    assert line.startswith(f"warning: {path}: handler_pools.contact_centre.shrinkage: is 0.99")
    # ... and with 1% of the roster taking calls the pool cannot keep up (the stability check).
    assert unstable and all(
        u.startswith(f"warning: {path}: handler_pools.contact_centre: handler pool")
        for u in unstable
    )


def test_validate_refuses_a_scenario_that_would_not_run(tmp_path: Path) -> None:
    raw = demo_raw()
    raw["forces"]["demo"]["appointments"]["cars"] = 0
    result, path = validate_data(tmp_path, raw)
    assert_bad(result, path, "forces.demo.appointments.cars", "is 0")
