"""The words of the panel report: each kind of change, each platform feature, each target.

Every kind of row ``changes.csv`` can hold gets its sentence, and none prints
a data structure; the answer sentence names the closest scenario and the target.
"""

from __future__ import annotations

import pytest

from sim.report.change_words import change_sentence, platform_features, platform_words
from sim.report.words import change_unit, format_signed

CMP = {
    "pooled_contact_centre": "true",
    "handling_multiplier.101": "0.9",
    "handling_multiplier.999": "0.95",
    "sms_advice.101.share": "0.2",
    "online_shift": "0.1",
    "dispatch_scope": "cross_force",
    "dispatch_delay_s": "null",
    "outages": "null",
}
LATE = "handler_pools.contact_centre.roster.shifts.2.count"


@pytest.mark.parametrize(
    ("row", "item", "expected"),
    [
        ((LATE, "14", "10"), "late", "4 fewer call handlers on the late shift (10 instead of 14)"),
        ((LATE, "14", "18"), "late", "4 more call handlers on the late shift (18 instead of 14)"),
        ((LATE, "14", "16"), "", "2 more call handlers on shift 2 (16 instead of 14)"),
        (
            ("forces.demo.areas.urban.units.roster.shifts.0.count", "20", "22"),
            "day",
            "2 more response units in the urban area on the day shift (22 instead of 20)",
        ),
        (
            ("handler_pools.contact_centre.shrinkage", "0.3", "0.35"),
            "",
            "shrinkage (contact centre) raised from 0.3 to 0.35",
        ),
        (
            ("forces.demo.channels.101.volume_per_year", "378000", "300000"),
            "",
            "calls a year (demo 101) lowered from 378,000 to 300,000",
        ),
        (
            ("forces.demo.response.help_from_neighbours", "false", "true"),
            "",
            "help from neighbours (demo response) switched on",
        ),
        (("forces.demo.channels.101.patience", "none", "60"), "", "caller patience (demo 101) "
         "set to 60 (the baseline has none)"),
        (("forces.demo.channels.101.patience", "60", "null"), "", "no caller patience (demo 101) "
         "(the baseline has 60)"),
        (("forces.demo.response.dispatch", "nearest", "divert"), "", "dispatch (demo response) "
         "divert instead of nearest"),
    ],
)  # fmt: skip
def test_each_kind_of_change_has_a_sentence(row: tuple[str, str, str], item: str, expected: str):
    assert change_sentence(*row, item=item) == expected


def test_a_change_of_platform_names_what_the_platform_does() -> None:
    text = change_sentence("platform", "legacy", "cmp", platforms={"cmp": CMP})
    assert text == (
        "the cmp platform (one pooled contact centre for every force; 101 talk time 10% shorter; "
        "advice by SMS or e-mail for 20% of 101 calls; 999 talk time 5% shorter; 10% of 101 "
        "demand moved online; units sent across force borders) instead of the legacy platform"
    )
    assert "{" not in text and "None" not in text
    assert change_sentence("platform", "cmp", "none") == "no platform (instead of the cmp platform)"


def test_platform_features_of_outages_and_learning_and_a_neutral_platform() -> None:
    unstable = {**CMP, "outages.mtbf_hours": "72.0", "outages.mttr_hours": "2.0"}
    assert "an outage every 72 h on average, 2 h to repair" in platform_features(unstable)
    learning = {"learning_curve.initial_multiplier": "1.3", "learning_curve.weeks": "8"}
    assert platform_features(learning) == [
        "talk time 30% longer at go-live, back to normal over 8 weeks"
    ]
    neutral = {"handling_multiplier.101": "1.0", "online_shift": "0.0", "dispatch_scope": "force"}
    assert platform_words("legacy", neutral) == "the legacy platform"


def test_differences_of_percentages_are_percentage_points() -> None:
    assert change_unit("%") == "percentage points"
    assert change_unit("s") == "s"
    assert format_signed(-3.14, "%") == "−3.1 percentage points"
    assert format_signed(65.0, "s") == "+1 min 5 s"
