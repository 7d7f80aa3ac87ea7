"""The shipped scenarios' summary.csv and comparison.csv are byte-identical to the pinned copies."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.back.golden import GOLDEN, produce


@pytest.fixture(scope="module")
def produced(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Path]]:
    out = tmp_path_factory.mktemp("golden")
    return out, produce(out)


def test_golden_files_are_the_pinned_set(produced: tuple[Path, list[Path]]) -> None:
    _, files = produced
    pinned = sorted(p.relative_to(GOLDEN) for p in GOLDEN.rglob("*.csv"))
    assert sorted(files) == pinned


@pytest.mark.parametrize(
    "relative", sorted(str(p.relative_to(GOLDEN)) for p in GOLDEN.rglob("*.csv"))
)
def test_shipped_results_are_byte_identical(
    produced: tuple[Path, list[Path]], relative: str
) -> None:
    out, _ = produced
    made = (out / relative).read_text().splitlines()
    pinned = (GOLDEN / relative).read_text().splitlines()
    changed = [
        f"line {i + 1}: pinned {a!r}, now {b!r}"
        for i, (a, b) in enumerate(zip(pinned, made, strict=False))
        if a != b
    ]
    assert len(made) == len(pinned), f"{relative}: {len(pinned)} lines pinned, {len(made)} now"
    assert not changed, f"{relative} changed:\n" + "\n".join(changed[:20])
