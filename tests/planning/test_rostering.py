"""Shift rosters: optimal against brute force, cover, minimality, YAML round trip, errors."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest
import yaml

from sim.config import InputError
from sim.planning.rostering import (
    ShiftPattern,
    columns_for,
    cover_matrix,
    default_patterns,
    load_patterns,
    patterns_from_dict,
    roster_block,
    roster_cover,
    solve_roster,
)

ROOT = Path(__file__).resolve().parents[2]


def tiny() -> tuple[list[ShiftPattern], np.ndarray]:
    """Monday only, four patterns with small maxima, a requirement 06:00-22:00."""
    patterns = [
        ShiftPattern("early", 6 * 60, 8 * 60, 30, ("mon",), 0, 4),
        ShiftPattern("day", 9 * 60, 10 * 60, 0, ("mon",), 0, 4),
        ShiftPattern("late", 14 * 60, 8 * 60, 30, ("mon",), 0, 4),
        ShiftPattern("short", 12 * 60, 4 * 60, 0, ("mon",), 1, 4),
    ]
    requirement = np.zeros(168, dtype=np.int64)
    requirement[6:22] = [1, 2, 2, 3, 4, 4, 5, 5, 4, 3, 3, 3, 2, 2, 1, 1]
    return patterns, requirement


def test_milp_matches_brute_force_on_a_tiny_instance() -> None:
    patterns, requirement = tiny()
    columns = columns_for(patterns)
    covers = cover_matrix(columns, 60).toarray()
    cost = np.array([c.pattern.paid_hours for c in columns])
    best = np.inf
    for counts in itertools.product(*(range(p.min_count, p.max_count + 1) for p in patterns)):
        x = np.array(counts)
        if np.all(covers @ x >= requirement):
            best = min(best, float(cost @ x))
    solution = solve_roster(requirement, patterns, 60)
    assert solution.paid_hours == pytest.approx(best)
    assert np.all(solution.cover >= requirement)


def _assert_covers_and_minimal(solution) -> None:
    covers = cover_matrix(solution.columns, solution.interval_minutes).toarray()
    assert np.array_equal(covers @ solution.counts, solution.cover)
    assert np.all(solution.cover >= solution.requirement)
    for j, column in enumerate(solution.columns):
        if solution.counts[j] > column.pattern.min_count:
            # Remove one person from this shift: some interval is no longer covered.
            assert np.any(solution.cover - covers[:, j] < solution.requirement), column


@pytest.mark.parametrize("interval", [30, 60])
def test_roster_covers_a_week_and_no_shift_can_go(interval: int) -> None:
    rng = np.random.default_rng(7)
    hourly = np.round(8 + 6 * np.sin(2 * np.pi * (np.arange(168) - 9) / 24) + rng.normal(0, 1, 168))
    requirement = np.repeat(np.maximum(hourly, 1).astype(np.int64), 60 // interval)
    solution = solve_roster(requirement, default_patterns(), interval)
    _assert_covers_and_minimal(solution)
    # Lower bound: every interval's requirement must be paid for at least once.
    assert solution.paid_hours >= requirement.sum() * interval / 60 * 8 / 8 - 1e-9


def test_roster_yaml_drops_into_a_scenario_roster() -> None:
    patterns, requirement = tiny()
    patterns = [ShiftPattern(p.name, p.start_minute, p.length_minutes, p.break_minutes,
                             ("mon", "tue", "sun"), 0, 6) for p in patterns]  # fmt: skip
    requirement[24 * 6 + 20 : 24 * 6 + 24] = 2  # Sunday evening: a shift past midnight
    requirement[24 + 6 : 24 + 22] = 3
    solution = solve_roster(requirement, [*patterns, ShiftPattern("night", 20 * 60, 10 * 60)], 60)
    block = yaml.safe_load(yaml.safe_dump(roster_block(solution)))
    assert np.array_equal(roster_cover(block, 60), solution.cover)


def test_patterns_beyond_their_maximum_are_a_clear_error() -> None:
    patterns, requirement = tiny()
    requirement[12] = 50
    with pytest.raises(InputError) as caught:
        solve_roster(requirement, patterns, 60)
    message = str(caught.value)
    assert "cannot cover the requirement" in message and "mon 12:00 needs 50, at most 12" in message


def test_pattern_file_problems_name_the_field(tmp_path: Path) -> None:
    raw = {
        "patterns": [
            {"name": "early", "start": "07:00", "length_hours": 8, "max": 3},
            {"name": "bad", "start": "25:00", "length_hours": 8},
            {"name": "long", "start": "07:00", "length_hours": 30},
            {"name": "odd", "starts": ["07:00"], "length_hours": 8, "days": ["funday"]},
            {"name": "neg", "start": "07:00", "length_hours": 8, "min": 4, "max": 2},
            {"name": "x", "start": "07:00", "length_hours": 8, "colour": "red"},
        ]
    }
    with pytest.raises(InputError) as caught:
        patterns_from_dict(raw, "shifts.yaml")
    text = str(caught.value)
    for path in ("patterns.1.start", "patterns.2.length_hours", "patterns.3.days",
                 "patterns.4.max", "patterns.5.colour"):  # fmt: skip
        assert f"shifts.yaml: {path}:" in text
    good = tmp_path / "shifts.yaml"
    good.write_text(
        "patterns:\n  - {name: early, starts: ['06:00', '07:00'], length_hours: 8.5,"
        " break_minutes: 30, days: [mon, tue], min: 1, max: 9}\n"
    )
    loaded = load_patterns(good)
    assert [p.name for p in loaded] == ["early-0600", "early-0700"]
    assert loaded[0].paid_hours == 8.0 and loaded[0].max_count == 9
