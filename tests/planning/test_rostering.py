"""Shift rosters: optimal against brute force, cover, minimality, YAML round trip, errors."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest
import yaml

from sim.config import InputError, load_scenario
from sim.planning.rostering import (
    columns_for,
    cover_matrix,
    roster_block,
    roster_cover,
    solve_roster,
)
from sim.planning.shifts import (
    ShiftPattern,
    default_patterns,
    load_patterns,
    patterns_from_dict,
    patterns_from_roster,
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
    solution = solve_roster(requirement, patterns, 60, vary_by_day=True)
    assert solution.paid_hours == pytest.approx(best)
    assert np.all(solution.cover >= requirement - 1e-9)


def _assert_covers_and_minimal(solution, tied: bool = True) -> None:
    """Covers, and no shift can go -- a pattern's weekdays together when they are tied."""
    covers = cover_matrix(solution.columns, solution.interval_minutes).toarray()
    np.testing.assert_allclose(covers @ solution.counts, solution.cover)
    assert np.all(solution.cover >= solution.requirement - 1e-9)
    groups: dict[tuple[str, str], list[int]] = {}
    for j, column in enumerate(solution.columns):
        weekday = tied and column.day in ("mon", "tue", "wed", "thu", "fri")
        groups.setdefault((column.pattern.name, "wk" if weekday else column.day), []).append(j)
    for key, group in groups.items():
        if all(solution.counts[j] > solution.columns[j].pattern.min_count for j in group):
            # Remove one person from these shifts: some interval is no longer covered.
            thinner = solution.cover - covers[:, group].sum(axis=1)
            assert np.any(thinner < solution.requirement - 1e-9), key


@pytest.mark.parametrize("interval", [30, 60])
def test_roster_covers_a_week_and_no_shift_can_go(interval: int) -> None:
    rng = np.random.default_rng(7)
    hourly = np.round(8 + 6 * np.sin(2 * np.pi * (np.arange(168) - 9) / 24) + rng.normal(0, 1, 168))
    requirement = np.repeat(np.maximum(hourly, 1).astype(np.int64), 60 // interval)
    solution = solve_roster(requirement, default_patterns(), interval, vary_by_day=True)
    _assert_covers_and_minimal(solution, tied=False)
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
    assert np.array_equal(roster_cover(block, 60), solution.on_duty)


def test_patterns_beyond_their_maximum_are_a_clear_error() -> None:
    patterns, requirement = tiny()
    requirement[12] = 50
    with pytest.raises(InputError) as caught:
        solve_roster(requirement, patterns, 60)
    message = str(caught.value)
    assert "cannot cover the requirement" in message and "mon 12:00 needs 50, at most" in message
    assert "short by" in message


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


# --------------------------------------------------------------------------- practical rosters


def weekly_requirement(interval: int = 60) -> np.ndarray:
    rng = np.random.default_rng(11)
    hourly = np.round(8 + 6 * np.sin(2 * np.pi * (np.arange(168) - 9) / 24) + rng.normal(0, 1, 168))
    return np.repeat(np.maximum(hourly, 1).astype(np.int64), 60 // interval)


def test_default_patterns_are_the_scenarios_own_shifts() -> None:
    demo = load_scenario(ROOT / "configs" / "demo.yaml")
    patterns = patterns_from_roster(demo.handler_pools["contact_centre"].roster)
    assert [(p.start_minute, p.length_minutes) for p in patterns] == [
        (420, 510), (600, 510), (900, 510), (1380, 510),
    ]  # fmt: skip
    solution = solve_roster(weekly_requirement(30), patterns, 30)
    assert set(solution.start_times) <= {420, 600, 900, 1380}
    _assert_covers_and_minimal(solution)


def test_max_starts_limits_distinct_start_times_at_a_price() -> None:
    requirement = weekly_requirement()
    free = solve_roster(requirement, default_patterns(), 60)
    limited = solve_roster(requirement, default_patterns(), 60, max_starts=3)
    assert len(free.start_times) > 3 >= len(limited.start_times)
    assert limited.paid_hours >= free.paid_hours - 1e-9
    _assert_covers_and_minimal(limited)


def test_weekdays_share_one_pattern_unless_told_otherwise() -> None:
    requirement = weekly_requirement()
    same = solve_roster(requirement, default_patterns(), 60)
    varied = solve_roster(requirement, default_patterns(), 60, vary_by_day=True)
    counts: dict[str, dict[str, int]] = {}
    for column, n in zip(same.columns, same.counts, strict=True):
        counts.setdefault(column.pattern.name, {})[column.day] = int(n)
    for by_day in counts.values():
        assert len({by_day[d] for d in ("mon", "tue", "wed", "thu", "fri")}) == 1
    assert varied.paid_hours <= same.paid_hours + 1e-9


def test_staggered_breaks_are_taken_out_of_cover() -> None:
    # One 8-hour shift, a 60-minute break staggered over hours 3 to 5: half the
    # people are on a break at any minute of those two hours.
    pattern = ShiftPattern("day", 8 * 60, 8 * 60, 60, ("mon",), break_window=(180, 300))
    requirement = np.zeros(168, dtype=np.int64)
    requirement[8:16] = 4
    solution = solve_roster(requirement, [pattern], 60)
    assert solution.counts.tolist() == [8]  # 4 working in hours 3-5 needs 8 on duty
    assert solution.cover[11:13].tolist() == [4.0, 4.0] and solution.cover[8] == 8.0
    assert solution.paid_hours == 8 * 7.0
    raw = {"patterns": [{"name": "d", "start": "08:00", "length_hours": 8, "break_minutes": 60,
                         "break_window_hours": [3, 5]}]}  # fmt: skip
    assert patterns_from_dict(raw, "s.yaml")[0].break_window == (180, 300)
