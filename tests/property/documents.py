"""Mutated scenario and experiment files: the shipped ones, broken at random.

Each case starts from one of the shipped ``configs/*.yaml`` or
``experiments/*.yaml`` and applies one to four mutations: a key deleted, a value
of another type, an extreme number (0, -1, 1e-15, 1e15, nan, inf...), a huge list,
a value in the wrong unit (minutes where seconds are meant, ``"15 min"``,
``"7am"``), an odd key, or a planner's what-if (a number halved, doubled or
moved by 10%). Unlike ``tests/config/mutations.py`` (invalid by
construction, to check the messages), these may or may not stay valid: the
property is only that the command line answers 0 or 2, in time, without a
traceback, and that whatever ``validate`` accepts, runs.

Experiments are shortened before they are mutated (1 measured day, half a day of
warm-up, 1 replication, the first two values of each grid axis), so that an
accepted one runs in seconds; their ``base`` is made absolute, as the mutated file
is written elsewhere.
"""

from __future__ import annotations

import copy
import math
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

from sim.config import read_yaml_file
from tests.config.mutations import JUNK, ODD_CHARS, get_at, set_at, walk

ROOT = Path(__file__).resolve().parents[2]
CONFIGS = sorted((ROOT / "configs").glob("*.yaml"))
EXPERIMENTS = sorted((ROOT / "experiments").glob("*.yaml"))

Path_ = tuple[str | int, ...]


def shortened_experiment(path: Path) -> dict[str, Any]:
    """A shipped experiment cut down to run in seconds, its base path made absolute."""
    raw = copy.deepcopy(read_yaml_file(path))
    raw["base"] = str((path.parent / raw["base"]).resolve())
    return shorten(raw)


def shorten(raw: Any) -> Any:
    """An accepted experiment cut down to run in seconds: 1 day, 1 replication, few scenarios.

    A mutation may have made the experiment long (a replication count of 10,001, a
    grid of a thousand values) and still valid; the property is that what validates
    runs, so it is run shortened. The parts a mutation made odd are left as they are.
    """
    raw = copy.deepcopy(raw)
    if not isinstance(raw, dict):
        return raw
    raw.update(days=1, warmup_days=0.5, replications=1)
    raw.pop("precision", None)
    baseline = raw.get("baseline")
    grid = raw.get("grid")
    if isinstance(grid, dict):
        for label, axis in grid.items():
            if isinstance(axis, dict) and isinstance(axis.get("values"), list):
                values = axis["values"]
                kept = [i for i, v in enumerate(values) if f"{label}-{v}" == baseline] or [0]
                axis["values"] = values[kept[0] : kept[0] + 2]
                if isinstance(axis.get("labels"), list):
                    axis["labels"] = axis["labels"][kept[0] : kept[0] + 2]
    named = raw.get("scenarios")
    if isinstance(named, list) and len(named) > 2:
        first = [s for s in named if isinstance(s, dict) and s.get("name") == baseline][:1]
        raw["scenarios"] = first + [s for s in named if s not in first][: 2 - len(first)]
    return raw


BASES: dict[str, dict[str, Any]] = {
    **{f"configs/{p.name}": read_yaml_file(p) for p in CONFIGS},
    **{f"experiments/{p.name}": shortened_experiment(p) for p in EXPERIMENTS},
}
SCENARIO_BASES = [name for name in BASES if name.startswith("configs/")]
EXPERIMENT_BASES = [name for name in BASES if name.startswith("experiments/")]
NODES: dict[str, list[tuple[Path_, Any]]] = {name: list(walk(raw)) for name, raw in BASES.items()}


def paths_of(base: str, kind: type | tuple[type, ...]) -> list[Path_]:
    return [p for p, v in NODES[base] if isinstance(v, kind) and not (kind is int and v is True)]


EXTREME_NUMBERS = st.sampled_from(
    [0, -1, 1e-15, -1e-15, 1e15, -1e15, math.nan, math.inf, -math.inf, 1e308, 2**63, 2**64,
     -0.0, 0.5, 1, 1e-300, 5e7, 10_001]
)  # fmt: skip
#: A value in a unit the field does not take: text with a unit, clock times written
#: otherwise, and numbers scaled as if minutes or hours were seconds (or back).
WRONG_UNIT_TEXT = st.sampled_from(
    ["15 min", "20s", "2 h", "1e3 ms", "7am", "7:00pm", "25:00", "07:00:00", "24:00", "-01:00",
     "0700", "7.5", "10%", "90 %", "1,000", "½", "٣", "１２", "PT15M", "1 day", "monday"]
)  # fmt: skip


@st.composite
def _mutate_once(draw: st.DrawFn, raw: dict[str, Any], base: str) -> str:
    """Apply one mutation to ``raw`` in place; return what it did."""
    kind = draw(
        st.sampled_from(
            [
                "delete",
                "type",
                "extreme",
                "huge list",
                "wrong unit",
                "odd key",
                "scale",
                "nudge",
                "nudge",
            ]
        )
    )
    nodes = NODES[base]
    if kind == "delete":
        path = draw(st.sampled_from([p for p, _ in nodes]))
        del get_at(raw, path[:-1])[path[-1]]
        return f"deleted {path}"
    if kind == "type":
        path = draw(st.sampled_from([p for p, _ in nodes]))
        value = draw(JUNK)
        set_at(raw, path, value)
        return f"{path} -> {value!r}"
    if kind == "nudge":  # a planner's what-if: a number halved, doubled or moved 10%
        path = draw(st.sampled_from(paths_of(base, (int, float))))
        current = get_at(raw, path)
        factor = draw(st.sampled_from([0.5, 0.9, 1.1, 2]))
        value = type(current)(current * factor) if isinstance(current, (int, float)) else current
        set_at(raw, path, value)
        return f"{path} -> {value!r}"
    if kind in ("extreme", "scale"):
        numbers = paths_of(base, (int, float))
        path = draw(st.sampled_from(numbers))
        current = get_at(raw, path)
        if kind == "scale":  # minutes or hours written where seconds are meant, or back
            factor = draw(st.sampled_from([60, 3600, 1 / 60, 1 / 3600, 100, 1000]))
            value = current * factor if isinstance(current, (int, float)) else current
        else:
            value = draw(EXTREME_NUMBERS)
        set_at(raw, path, value)
        return f"{path} -> {value!r}"
    if kind == "huge list":
        lists = paths_of(base, list)
        path = draw(st.sampled_from(lists))
        current = get_at(raw, path)
        item = current[0] if current else 1
        # Sections past the YAML bound of 10,080 entries must be refused fast; between
        # 50 and the bound they validate slowly (seconds), so only past it here.
        long = [1_000, 2_001, 10_001] if not isinstance(item, (dict, list)) else [50, 12_000]
        length = draw(st.sampled_from([0, 1, 167, 169, *long]))
        value = [copy.deepcopy(item) for _ in range(length)]
        set_at(raw, path, value)
        return f"{path} -> [{item!r}] * {length}"
    if kind == "wrong unit":
        strings = paths_of(base, str) + paths_of(base, (int, float))
        path = draw(st.sampled_from(strings))
        value = draw(WRONG_UNIT_TEXT)
        set_at(raw, path, value)
        return f"{path} -> {value!r}"
    # An odd key: a unicode-laden, misspelt or unit-suffixed name beside the real ones.
    mappings = [(), *paths_of(base, dict)]
    path = draw(st.sampled_from(mappings))
    section = get_at(raw, path)
    existing = sorted(map(str, section)) or ["x"]
    key = draw(
        st.one_of(
            st.sampled_from(existing).map(lambda k: k.replace("_s", "_min")),
            st.sampled_from(existing).map(lambda k: k + "_hours"),
            st.builds(lambda k, c: k + c, st.sampled_from(existing), ODD_CHARS),
        )
    )
    section[key] = draw(JUNK)
    return f"{path} + {key!r}"


@st.composite
def mutated_documents(draw: st.DrawFn, bases: list[str]) -> tuple[str, Any, list[str]]:
    """(base name, mutated document, what was done), one to four mutations deep."""
    base = draw(st.sampled_from(bases))
    raw = copy.deepcopy(BASES[base])
    done: list[str] = []
    # Half the cases one mutation deep: more of them stay valid, and so get run.
    for _ in range(draw(st.sampled_from([1, 1, 1, 2, 3, 4]))):
        try:
            done.append(draw(_mutate_once(raw, base)))
        except (KeyError, IndexError, TypeError):  # an earlier mutation removed the spot
            continue
    return base, raw, done
