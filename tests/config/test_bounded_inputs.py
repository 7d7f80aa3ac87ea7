"""Inputs that cost without bound are refused fast (issue 21, parts 4 and 5).

Only regular files are read (a FIFO would block for ever, ``/dev/zero`` never
ends); a YAML file is refused past its size, and past bounds on its nodes, the
entries of one list or mapping, its aliases and the length of one value,
before the slow strict loader builds anything. A message about a file that is
not a scenario says what kind of document it is, never what it says. A
``--set`` index is ASCII digits only.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from sim.config import InputError, apply_overrides, load_scenario, read_yaml_file
from sim.config.safe_yaml import (
    MAX_FILE_BYTES,
    MAX_YAML_ALIASES,
    MAX_YAML_ITEMS,
    MAX_YAML_NODES,
    MAX_YAML_SCALAR_CHARS,
)
from tests.config.problems import DEMO, demo_raw

#: Seconds any refusal here may take (the documents are up to 10 MB).
FAST_S = 3.0


def refused(path: Path) -> str:
    """The one problem line of reading ``path``, checked to come fast."""
    started = time.perf_counter()
    with pytest.raises(InputError) as caught:
        read_yaml_file(path)
    assert time.perf_counter() - started < FAST_S
    [problem] = caught.value.problems
    return str(problem)


def test_a_fifo_is_refused_at_once(tmp_path) -> None:
    fifo = tmp_path / "scenario.yaml"
    os.mkfifo(fifo)  # nobody writes to it: opening it would block for ever
    assert "is not a regular file" in refused(fifo)


def test_dev_zero_is_refused_at_once() -> None:
    assert "is not a regular file" in refused(Path("/dev/zero"))


def test_a_folder_is_refused(tmp_path) -> None:
    assert "is a folder" in refused(tmp_path)


def test_a_missing_file_says_so(tmp_path) -> None:
    assert "file not found" in refused(tmp_path / "nowhere.yaml")


def test_a_10_mb_yaml_list_is_refused_fast(tmp_path) -> None:
    path = tmp_path / "list.yaml"
    path.write_text("- 1\n" * 2_450_000)  # 9.8 MB
    assert f"is over {MAX_FILE_BYTES:,} bytes" in refused(path)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[" + "1, " * (MAX_YAML_ITEMS + 1) + "1]", f"over {MAX_YAML_ITEMS:,} entries"),
        ("".join(f"k{i}: 1\n" for i in range(MAX_YAML_ITEMS + 1)), f"over {MAX_YAML_ITEMS:,}"),
        (
            "".join(f"k{i}: [1, 2, 3, 4, 5, 6, 7, 8, 9]\n" for i in range(MAX_YAML_NODES // 10)),
            f"over {MAX_YAML_NODES:,} values",
        ),
        ("a: &a 1\nb: [" + "*a, " * MAX_YAML_ALIASES + "*a]", f"over {MAX_YAML_ALIASES:,} aliases"),
        ("description: " + "x" * (MAX_YAML_SCALAR_CHARS + 1), "characters"),
    ],
    ids=["long-list", "long-mapping", "many-nodes", "many-aliases", "long-value"],
)
def test_yaml_past_a_complexity_bound_is_refused_fast(tmp_path, text, expected) -> None:
    path = tmp_path / "big.yaml"
    path.write_text(text)
    assert len(text) < MAX_FILE_BYTES  # refused for its shape, not its size
    line = refused(path)
    assert expected in line and "line " in line, line


def test_the_shipped_scenarios_are_far_within_the_bounds() -> None:
    assert load_scenario(DEMO).name == "demo"


def test_a_file_that_is_not_a_scenario_is_never_quoted(tmp_path) -> None:
    path = tmp_path / "passwd"
    path.write_text("root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin\n")
    with pytest.raises(InputError) as caught:
        load_scenario(path)
    message = str(caught.value).removeprefix(str(path))
    assert "root" not in message and "daemon" not in message
    assert "is text" in message and "expected a mapping of scenario fields" in message


@pytest.mark.parametrize("index", ["²", "٣", "１"])
def test_a_set_index_of_non_ascii_digits_is_a_clear_error(index) -> None:
    override = f"handler_pools.contact_centre.roster.shifts.{index}.count=3"
    with pytest.raises(InputError) as caught:
        apply_overrides(demo_raw(), [override])
    [problem] = caught.value.problems
    assert problem.path == f"handler_pools.contact_centre.roster.shifts.{index}"
    assert "is not an index of this list" in problem.message
