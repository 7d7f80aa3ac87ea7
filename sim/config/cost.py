"""What a scenario will cost to simulate, estimated from its fields and refused past a bound.

A scenario that validates must also run: a typo of volume, a surge left on for
the whole period or a platform that fails every few seconds can make one
replication plan hundreds of millions of events, which then runs for hours or
exhausts memory. These checks estimate the work from the fields alone (no model
is built) and name the fields to change.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from sim.config.demand import Channel, OnlineChannel, Surge
from sim.config.mechanisms import growth_bound
from sim.units import DAYS_PER_YEAR, HOURS_PER_WEEK, SECONDS_PER_HOUR

if TYPE_CHECKING:
    from sim.config.scenario import Scenario

#: Most call attempts and online reports one replication may plan (warm-up and
#: measured period together): 20 million, about 20 times a large force's year
#: (DESIGN §8: about a million calls and incidents). Each costs a few hundred
#: bytes of records and several events; far beyond this a replication takes
#: hours and gigabytes, which is almost always a volume or surge typo.
MAX_ARRIVALS_PER_REPLICATION = 20_000_000

#: Most platform outages one replication may expect: 100,000 (a failure every
#: five minutes for a year). Each is a window every call answered is checked
#: against; a real platform fails a few times a month.
MAX_OUTAGES_PER_REPLICATION = 100_000

#: Memory one replication holds per planned call attempt or online report
#: (redials counted at most, as planned): its call and incident rows, the
#: events between, and its records when kept, bytes. Measured at 535-660 bytes
#: on the demo at four times its volume (resident memory, with and without records).
BYTES_PER_PLANNED_ARRIVAL = 700

#: Most memory one replication may plan: 4 GB, about four times a large force's
#: year (DESIGN §8: about a million calls and incidents, some 1 GB). Every
#: worker process holds one replication at a time.
MAX_REPLICATION_BYTES = 4_000_000_000

FieldPath = tuple[str | int, ...]


def _calls_from_week_start(rates_per_hour: np.ndarray, cumulative: np.ndarray, t_h: float) -> float:
    """Expected arrivals from Monday 00:00 of week 0 to ``t_h`` hours (negative: before it)."""
    weeks = math.floor(t_h / HOURS_PER_WEEK)
    within = t_h - weeks * HOURS_PER_WEEK
    hour = min(int(within), HOURS_PER_WEEK - 1)
    return float(weeks * cumulative[-1] + cumulative[hour] + (within - hour) * rates_per_hour[hour])


def planned_arrivals(
    channel: Channel | OnlineChannel, start_s: float, end_s: float, attempts_per_caller: float = 1.0
) -> float:
    """Expected arrivals of one channel over ``[start_s, end_s)``, surges included.

    Parameters
    ----------
    channel
        A call channel or online reports.
    start_s, end_s
        The window, seconds from the scenario start (Monday 00:00; the warm-up
        is negative).
    attempts_per_caller
        Calls each caller makes at most (redials included), multiplying the result.

    Returns
    -------
    float
        Expected arrivals (calls or reports) in the window: the hour-of-week rate
        integrated exactly, times the product of the surges covering each
        moment (surges that overlap compound, as in the model). Day-to-day
        over-dispersion has mean 1 and leaves it unchanged.
    """
    if channel.volume_per_year <= 0 or end_s <= start_s:
        return 0.0
    calls_per_week = channel.volume_per_year * 7.0 / DAYS_PER_YEAR
    rates = calls_per_week * channel.profile.weights()  # calls in each hour of the week
    cumulative = np.concatenate(([0.0], np.cumsum(rates)))
    windows = [surge.window_s() for surge in channel.surges]
    cuts = sorted(
        {start_s, end_s} | {t for w in windows for t in w if start_s < t < end_s}
    )  # fmt: skip
    total = 0.0
    for a, b in itertools.pairwise(cuts):
        multiplier = math.prod(
            s.multiplier for s, (lo, hi) in zip(channel.surges, windows, strict=True)
            if lo <= a and b <= hi
        )  # fmt: skip
        base = _calls_from_week_start(rates, cumulative, b / SECONDS_PER_HOUR)
        base -= _calls_from_week_start(rates, cumulative, a / SECONDS_PER_HOUR)
        total += multiplier * base
    return total * attempts_per_caller


def _attempts_per_caller(channel: Channel) -> float:
    """Most calls one caller makes on average if every attempt were abandoned (an upper bound)."""
    if channel.redial is None:
        return 1.0
    p = channel.redial.probability
    return float(sum(p**k for k in range(channel.redial.max_attempts)))


def _planned_by_channel(scenario: Scenario) -> list[tuple[float, FieldPath, Sequence[Surge]]]:
    """Planned arrivals of every channel and online reports: (arrivals, path, surges)."""
    start_s, end_s = -scenario.warmup_s, scenario.horizon_s
    by_channel: list[tuple[float, FieldPath, Sequence[Surge]]] = []

    def grown(demand: Channel | OnlineChannel) -> float:
        # Growth over the scenario's year and seasonality, at their largest (a bound).
        return growth_bound(demand.growth_per_year, demand.seasonality, scenario.year,
                            -scenario.warmup_days, scenario.days)  # fmt: skip

    for force_id, force in scenario.forces.items():
        for channel_id, channel in force.channels.items():
            planned = planned_arrivals(channel, start_s, end_s, _attempts_per_caller(channel))
            planned *= grown(channel)
            path = ("forces", force_id, "channels", channel_id)
            by_channel.append((planned, path, channel.surges))
        if force.online is not None:
            planned = planned_arrivals(force.online, start_s, end_s)
            planned *= grown(force.online)
            by_channel.append((planned, ("forces", force_id, "online"), force.online.surges))
    return by_channel


def planned_replication_cost(scenario: Scenario) -> tuple[float, float]:
    """What one replication of a scenario plans: (call attempts and online reports, bytes).

    Attempts count redials at most (every attempt abandoned); bytes are the
    memory a replication holds at its peak, at :data:`BYTES_PER_PLANNED_ARRIVAL`.
    """
    arrivals = sum(planned for planned, _, _ in _planned_by_channel(scenario))
    return arrivals, arrivals * BYTES_PER_PLANNED_ARRIVAL


def cost_problems(scenario: Scenario) -> list[tuple[FieldPath, str]]:
    """Problems of a scenario too costly to simulate: arrivals, memory and outages past bounds.

    Returns
    -------
    list
        ``(field path, message)`` pairs, empty when the scenario is within bounds.
    """
    problems: list[tuple[FieldPath, str]] = []
    period = f"{scenario.warmup_days:g} warm-up and {scenario.days:g} measured days"
    by_channel = _planned_by_channel(scenario)
    total = sum(planned for planned, _, _ in by_channel)
    memory = total * BYTES_PER_PLANNED_ARRIVAL
    if total > MAX_ARRIVALS_PER_REPLICATION or memory > MAX_REPLICATION_BYTES:
        planned, path, surges = max(by_channel, key=lambda item: item[0])
        field = (*path, "surges") if surges else (*path, "volume_per_year")
        if total > MAX_ARRIVALS_PER_REPLICATION:
            bound = (
                f"expected at most {MAX_ARRIVALS_PER_REPLICATION:,} (about 20 times a large "
                "force's year)"
            )
        else:
            bound = (
                f"that needs about {memory / 1e9:.1f} GB of memory per replication; expected "
                f"at most {MAX_REPLICATION_BYTES / 1e9:g} GB (about "
                f"{MAX_REPLICATION_BYTES // BYTES_PER_PLANNED_ARRIVAL:,} attempts)"
            )
        problems.append(
            (
                field,
                f"makes the scenario plan about {total:,.0f} call attempts and online reports "
                f"per replication over {period} ({planned:,.0f} from this channel, surges and "
                f"redials included); {bound}: lower volume_per_year (or growth_per_year "
                "and the scenario's year) or a surge's multiplier or duration_hours, or "
                "shorten days",
            )
        )
    platform = scenario.platform
    if platform is not None and platform.outages is not None:
        outages = platform.outages
        hours = (scenario.warmup_days + scenario.days) * 24.0
        expected = hours / (outages.mtbf_hours + outages.mttr_hours)
        if expected > MAX_OUTAGES_PER_REPLICATION:
            problems.append(
                (
                    ("platform", "outages", "mtbf_hours"),
                    f"is {outages.mtbf_hours:g} h, which with mttr_hours {outages.mttr_hours:g} "
                    f"makes about {expected:,.0f} outages per replication over {period}; "
                    f"expected at most {MAX_OUTAGES_PER_REPLICATION:,} "
                    "(mtbf_hours + mttr_hours at least "
                    f"{hours / MAX_OUTAGES_PER_REPLICATION:.3g} h for this period)",
                )
            )
    return problems
