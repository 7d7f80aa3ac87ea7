"""Random ``--set`` strings on the shipped scenarios through ``run``.

Property (issue 21, part 7): ``run SCENARIO --set PATH=VALUE... --days 1
--replications 1`` exits 0 (the overrides were valid, and the one short
replication ran) or 2 (refused, saying why), in time, without a traceback, for
paths that exist, paths that nearly exist, random text and unicode, and values
of every kind: numbers extreme and not, YAML fragments, lists and sections.
"""

from __future__ import annotations

import itertools
import shutil
from pathlib import Path

import pytest
from hypothesis import given, note
from hypothesis import strategies as st

from tests.config.mutations import ANY_CHARS, odd_text
from tests.property.checks import Checker
from tests.property.conftest import cases
from tests.property.documents import NODES, SCENARIO_BASES

pytestmark = pytest.mark.slow

SHORT_RUN = ["--days", "1", "--warmup-days", "0", "--replications", "1"]
_numbers = itertools.count()

#: YAML and non-YAML fragments a planner (or a script) might pass as a value.
FRAGMENTS = st.sampled_from(
    ["", "~", "null", "true", "no", ".nan", "-.inf", "1e308", "-1e308", "-0.0", "0", "-1",
     "1e-15", "1e15", "0.5", "2", "10", "100", "0x" + "f" * 40, "[1, 2", "{a: 1}", "[]", "{}",
     "'quoted", '"x"', "&a [*a]", "!!python/object/apply:os.system ['echo hacked']",
     "!!binary gIGC", "2024-02-30", "a: b: c", "- 1\n- 2", "\t", "%YAML 1.1", "@", "`",
     "|\n  text", "*nothing", "[" * 50 + "]" * 50, "15 min", "07:00", "25:00", "lognormal",
     "exponential", "urban", "grade1", "999", "101", "cmp", "legacy", "cmp-unstable",
     "[0.5, 0.5]", "[" + ", ".join(["1"] * 168) + "]", "{distribution: constant, value_s: 0}"]
)  # fmt: skip
VALUES = st.one_of(
    FRAGMENTS,
    FRAGMENTS,
    st.text(ANY_CHARS, max_size=20),
    st.integers(-(10**20), 10**20).map(str),
    st.floats().map(repr),
    odd_text(),
)


@st.composite
def _plausible(draw: st.DrawFn, base: str) -> str:
    """A real path of the base with a value of its own kind: often valid, so it runs."""
    path, value = draw(st.sampled_from([(p, v) for p, v in NODES[base] if p]))
    if isinstance(value, bool):
        text = draw(st.sampled_from(["true", "false"]))
    elif isinstance(value, (int, float)):
        number = value * draw(st.sampled_from([0, 0.5, 0.9, 1, 1.1, 2]))
        text = str(int(number)) if isinstance(value, int) else repr(number)
    elif isinstance(value, str):
        text = draw(st.sampled_from([value, value.upper(), value + "x", ""]))
    else:
        text = draw(FRAGMENTS)
    return f"{'.'.join(map(str, path))}={text}"


def _real_path(base: str) -> st.SearchStrategy[str]:
    return st.sampled_from([".".join(map(str, p)) for p, _ in NODES[base]])


def _paths(base: str) -> st.SearchStrategy[str]:
    real = _real_path(base)
    return st.one_of(
        real,
        real,
        real,
        st.builds(lambda p, extra: f"{p}.{extra}", real, st.text(ANY_CHARS, max_size=6)),
        st.builds(lambda p, i: f"{p}.{i}", real, st.integers(-3, 10**6)),
        st.text(ANY_CHARS, max_size=20),
        st.builds(lambda p, odd: p + odd, real, odd_text()),
    )


@st.composite
def override_cases(draw: st.DrawFn) -> tuple[str, list[str]]:
    base = draw(st.sampled_from(SCENARIO_BASES))
    one = st.one_of(
        _plausible(base),
        _plausible(base),
        st.builds(lambda p, v: f"{p}={v}", _paths(base), VALUES),
        st.text(ANY_CHARS, max_size=30),
    )
    overrides = draw(st.lists(one, min_size=1, max_size=3))
    return base, overrides


@cases(400)
@given(case=override_cases())
def test_random_set_strings_are_refused_or_run(
    case: tuple[str, list[str]], checker: Checker, tmp_path: Path, repo_root: Path
) -> None:
    base, overrides = case
    note(repr(case))
    checker.tally.cases += 1
    out = tmp_path / f"out{next(_numbers)}"
    argv = ["run", str(repo_root / base), *(f"--set={o}" for o in overrides), *SHORT_RUN]
    checker.run("run", [*argv, "--out", str(out)], f"{base} --set {overrides!r}")
    shutil.rmtree(out, ignore_errors=True)
