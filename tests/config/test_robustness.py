"""Property tests: malformed input is reported as problems, never a traceback.

The command-line properties (every broken demo, junk file and random ``--set``
string exits 2 from ``validate`` and ``run``, within a time limit, writing
nothing) are in ``tests/cli/test_config.py``; the broken inputs themselves are
made in ``tests/config/mutations.py``.
"""

from __future__ import annotations

import copy
import datetime as dt
import math
import tempfile
from pathlib import Path
from typing import Any

import pytest

from sim.config import InputError, load_scenario
from tests.config.mutations import BASE, NUMBER_PATHS, dump, set_at


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
        with pytest.raises(InputError) as caught:
            load_scenario(file)
    lines = [str(p) for p in caught.value.problems]
    assert lines and all(line.startswith(f"{file}: ") and len(line) < 2000 for line in lines)
    fields = [line.removeprefix(f"{file}: ").split(": ")[0] for line in lines]
    assert sorted(fields) == sorted(".".join(map(str, p)) for p in NUMBER_PATHS)
