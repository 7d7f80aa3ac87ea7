"""Optional mechanisms of demand and response: Right Care Right Person, multi-unit jobs, growth.

Each is off unless its block is given, so a scenario without them runs exactly
as before (and draws no extra random numbers).

- :class:`RightCareRightPerson` (``forces.F.rcrp``): mental-health and welfare
  incidents (a share of each grade, per channel) referred to a partner agency at
  grading instead of deployed, with a partner capacity and acceptance share; the
  flagged incidents officers still attend hold them on scene long (hours at
  hospital), up to a handover cap.
- :class:`MultiUnit` (``forces.F.multi_unit``): per grade, a share of incidents
  need ``units`` units (2 or more).
- :class:`Seasonality` (``forces.F.channels.C.seasonality``): month-of-year and
  bank-holiday multipliers on a channel's arrival rate; growth itself is the
  channel's ``growth_per_year`` with the scenario's ``year`` offset.

Sources: the Right Care Right Person national partnership agreement (Home
Office and Department of Health and Social Care, July 2023) sets the one-hour
handover expectation at hospital that ``handover_cap_min`` models; the shares
diverted and the long on-scene times are each force's own assumptions, to be
stated next to the values. Growth: Northumbria PCP report, 31 July 2018, para
6.2 (+2% emergency and +27% 101 calls since 2010: over the seven years to 2017,
about 0.28% a year for 999 and 3.5% a year for 101, compounded).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import Field, field_validator

from sim.config.base import FrozenModel, NotBool, Probability, Weight
from sim.config.durations import Duration

#: Years between the base year and the scenario's year: a sanity limit.
MAX_YEAR_OFFSET = 30.0

#: Growth per year as a fraction (0.035: +3.5% a year); -50% to +100%.
GrowthPerYear = Annotated[float, Field(ge=-0.5, le=1.0, allow_inf_nan=False), NotBool]
#: Years after the base year the scenario represents (0: the base year itself).
YearOffset = Annotated[float, Field(ge=0, le=MAX_YEAR_OFFSET, allow_inf_nan=False), NotBool]


class FlaggedShares(FrozenModel):
    """Share of each deployed grade's incidents flagged as mental-health or welfare."""

    grade1: Probability = 0.0
    grade2: Probability = 0.0


class RightCareRightPerson(FrozenModel):
    """Right Care Right Person: welfare demand referred to partners, officers released sooner.

    A flagged grade 1 or grade 2 incident is referred to the partner agency at
    grading (no deployment: a referral) with probability ``referral_share``,
    while the partner has capacity left that day (``partner_referrals_per_day``;
    unlimited when null). One that still needs officers holds them on scene for
    ``on_scene`` (default: its grade's on-scene time), cut to
    ``handover_cap_min`` minutes when a cap is set (officers released after N
    minutes at hospital).
    """

    flagged: dict[Literal["999", "101", "online"], FlaggedShares] = Field(
        default_factory=dict,
        description="Per channel, the share of grade 1 and grade 2 incidents flagged as "
        "mental-health or welfare (seed 000, 6.6: about 45% of demand is public safety "
        "and welfare; each force states its own share).",
    )
    referral_share: Probability = Field(
        default=0.0, description="Share of flagged incidents the partner accepts."
    )
    partner_referrals_per_day: Annotated[int, Field(ge=0, le=100_000), NotBool] | None = Field(
        default=None, description="Referrals the partner takes per day; null: no limit."
    )
    on_scene: Duration | None = Field(
        default=None,
        description="On-scene time of a flagged incident officers attend (e.g. hours at "
        "hospital); null: its grade's on-scene time.",
    )
    handover_cap_min: (
        Annotated[float, Field(gt=0, le=1440, allow_inf_nan=False), NotBool] | None
    ) = Field(
        default=None,
        description="Officers on a flagged incident are released after this many minutes "
        "on scene (the RCRP one-hour handover); null: no cap.",
    )


class UnitsNeeded(FrozenModel):
    """A share of a grade's incidents that need more than one unit."""

    share: Probability
    units: Annotated[int, Field(ge=2, le=8), NotBool] = 2


class MultiUnit(FrozenModel):
    """Jobs needing more than one unit, per grade.

    The first unit goes as soon as one is free (attendance counts from the first
    on scene); the others follow as units of the first unit's area free up, each
    with the job's travel time; every unit sent is held until the job clears, at
    the first arrival plus the on-scene time. A unit that could only arrive
    after the job has cleared is not sent.
    """

    grade1: UnitsNeeded | None = None
    grade2: UnitsNeeded | None = None


class Seasonality(FrozenModel):
    """Month-of-year and bank-holiday multipliers on a channel's arrival rate.

    Needs the scenario's ``start_date`` (the calendar). ``month_of_year`` are 12
    relative weights, January first, scaled to average 1 so the annual volume is
    kept; a bank holiday multiplies its whole day by ``bank_holiday_multiplier``.
    """

    month_of_year: list[Weight] | None = None
    bank_holidays: list[date] = Field(default_factory=list)
    bank_holiday_multiplier: Annotated[float, Field(ge=0, le=10, allow_inf_nan=False), NotBool] = (
        1.0
    )

    @field_validator("month_of_year")
    @classmethod
    def _twelve(cls, v: list[float] | None) -> list[float] | None:
        if v is None:
            return None
        if len(v) != 12:
            raise ValueError(f"has {len(v)} values; expected 12 (one per month, January first)")
        if sum(v) <= 0:
            raise ValueError("all weights are zero; expected at least one positive weight")
        return v

    def month_factors(self) -> list[float]:
        """12 multipliers, January first, averaging 1 (all 1 without ``month_of_year``)."""
        if self.month_of_year is None:
            return [1.0] * 12
        mean = sum(self.month_of_year) / 12.0
        return [w / mean for w in self.month_of_year]


#: Officers in one response unit: 1 (single-crewed) or 2 (double-crewed), for officer-hours.
OfficersPerUnit = Annotated[int, Field(ge=1, le=4), NotBool]


def growth_bound(
    growth_per_year: float,
    seasonality: Seasonality | None,
    year: float,
    first_day: float,
    end_day: float,
) -> float:
    """Largest factor growth and seasonality put on a channel's rate over days ``[first, end)``.

    For the cost estimate: the trend ``(1 + g) ** (year + d / 365)`` at whichever
    end of the run is larger, times the largest month factor and any bank
    holiday multiplier above 1.
    """
    years = [year + first_day / 365.0, year + end_day / 365.0]
    factor = max((1.0 + growth_per_year) ** y for y in years)
    if seasonality is not None:
        factor *= max(seasonality.month_factors())
        if seasonality.bank_holidays:
            factor *= max(1.0, seasonality.bank_holiday_multiplier)
    return factor
