"""Right Care Right Person: welfare incidents referred to partners, or officers capped on scene.

At grading, each grade 1 or grade 2 incident of a force with ``rcrp`` takes
three uniforms from the stream ``rcrp/<force>`` (in routing order, which the
response never changes, so every RCRP variant of a scenario sees the same
draws: common random numbers): whether it is flagged (mental health or
welfare: the channel's share for its grade), whether the partner accepts it
(``referral_share``), and its long on-scene time (``on_scene``, by inversion).

A flagged incident the partner accepts, while it has capacity left that day,
is referred: re-graded ``no_deployment`` and closed at once; the officers it
would have held (its long on-scene time, times the units it needs and their
officers) are released. One that is not referred is attended with its long
on-scene time, cut to ``handover_cap_min`` when a cap is set; the cut is
released. Released officer-seconds are recorded per incident, so the metric is
a sum over the measured period of what each incident would otherwise have held.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from sim.config import RightCareRightPerson, Scenario
from sim.model.incident_table import IncidentTable
from sim.model.incidents import IncidentFactory
from sim.model.records import Grade, IncidentSource
from sim.model.response import ResponseSystem
from sim.model.streams import Streams, buffered_uniforms, quantile
from sim.units import SECONDS_PER_DAY, SECONDS_PER_MINUTE

#: Stream name prefix of the RCRP draws (three uniforms per routed incident).
RCRP_STREAM = "rcrp"

_GRADE1, _GRADE2 = int(Grade.GRADE1), int(Grade.GRADE2)
_NO_DEPLOYMENT = int(Grade.NO_DEPLOYMENT)


class RcrpDesk:
    """Decides, at grading, which flagged incidents go to the partner agency.

    Parameters
    ----------
    settings
        Per force index, its RCRP block (forces without: left out).
    streams
        The replication's streams (``rcrp/<force id>``).
    force_ids
        Force ids in force-index order.
    incidents, response
        The incident table, and the response system (units each incident needs).
    channel_of
        The channel (``999``, ``101``, ``online``) of an incident row.
    officers_of_area
        Officers per unit of each area index (1 where not given).
    clock
        The simulation time now, seconds.
    """

    def __init__(
        self,
        settings: dict[int, RightCareRightPerson],
        streams: Streams,
        force_ids: list[str],
        incidents: IncidentTable,
        response: ResponseSystem,
        channel_of: Callable[[int], str],
        officers_of_area: list[int],
        clock: Callable[[], float],
    ):
        self._settings = settings
        self._draw = {
            force: buffered_uniforms(streams[f"{RCRP_STREAM}/{force_ids[force]}"])
            for force in settings
        }
        self._incidents = incidents
        self._response = response
        self._channel_of = channel_of
        self._officers = officers_of_area
        self._clock = clock
        self._referred_on_day: dict[tuple[int, int], int] = {}
        # The largest flagged share of each force: most incidents are ruled out by it
        # without looking up their channel.
        self._most_flagged = {
            force: max(
                (max(shares.grade1, shares.grade2) for shares in rcrp.flagged.values()),
                default=0.0,
            )
            for force, rcrp in settings.items()
        }
        #: Per incident row: flagged incidents only.
        self.flagged: dict[int, bool] = {}
        #: Per flagged row: referred to the partner.
        self.referred: dict[int, bool] = {}
        #: Per flagged row: the partner accepted but had no capacity left that day.
        self.refused: dict[int, bool] = {}
        #: Per flagged row: the long on-scene time it has (or would have had), seconds.
        self.long_on_scene_s: dict[int, float] = {}
        #: Per flagged row: officer-seconds released (referral, or the handover cap).
        self.released_s: dict[int, float] = {}

    def refer(self, incident: int) -> bool:
        """Flag a grade 1 or 2 incident being routed; True if it goes to the partner instead."""
        table = self._incidents
        force = table.force[incident]
        settings = self._settings.get(force)
        if settings is None or incident in self.flagged:
            return False  # an escalated call-back routed again keeps its first decision
        draw = self._draw[force]
        u_flag, u_accept, u_scene = draw(), draw(), draw()
        if u_flag >= self._most_flagged[force]:
            return False
        shares = settings.flagged.get(self._channel_of(incident))  # type: ignore[call-overload]
        grade = table.grade[incident]
        share = 0.0
        if shares is not None:
            share = shares.grade1 if grade == _GRADE1 else shares.grade2
        if u_flag >= share:
            return False
        self.flagged[incident] = True
        if settings.on_scene is not None:
            long_s = float(quantile(settings.on_scene, u_scene))
        else:
            long_s = table.remaining[incident]
        self.long_on_scene_s[incident] = long_s
        area = table.area[incident]
        officers = self._officers[area] if area >= 0 else 1
        crew = officers * self._response.units_needed(incident)
        now = self._clock()
        if u_accept < settings.referral_share:
            day = (force, math.floor(now / SECONDS_PER_DAY))
            taken = self._referred_on_day.get(day, 0)
            limit = settings.partner_referrals_per_day
            if limit is None or taken < limit:
                self._referred_on_day[day] = taken + 1
                self.referred[incident] = True
                self.released_s[incident] = long_s * crew
                table.grade[incident] = _NO_DEPLOYMENT
                table.cleared[incident] = now
                return True
            self.refused[incident] = True
        attended_s = long_s
        if settings.handover_cap_min is not None:
            attended_s = min(long_s, settings.handover_cap_min * SECONDS_PER_MINUTE)
        table.remaining[incident] = attended_s
        self.released_s[incident] = (long_s - attended_s) * crew
        return False


def incident_channel(
    incidents: IncidentTable, call_queue: list[int], queue_channel: list[str]
) -> Callable[[int], str]:
    """The channel of an incident row: its call's queue's channel, or ``online``."""

    def channel_of(row: int) -> str:
        source, source_id = incidents.source_of(row)
        if source == IncidentSource.ONLINE:
            return "online"
        return queue_channel[call_queue[source_id]]

    return channel_of


def attach_rcrp(
    scenario: Scenario,
    streams: Streams,
    factory: IncidentFactory,
    call_queue: list[int],
    queue_channel: list[str],
) -> RcrpDesk | None:
    """Give the incident factory an RCRP desk where a force has ``rcrp`` (else ``None``).

    ``call_queue`` is the queue index of each call id (grown as redials ring);
    ``queue_channel`` the channel of each queue index. Call after every row is
    reserved.
    """
    settings = {
        i: force.rcrp for i, force in enumerate(scenario.forces.values()) if force.rcrp is not None
    }
    if not settings:
        return None
    officers = [
        area.officers_per_unit or 1
        for force in scenario.forces.values()
        for area in force.areas.values()
    ]
    env = factory.env
    desk = RcrpDesk(
        settings,
        streams,
        list(scenario.forces),
        factory.incidents,
        factory.response,
        incident_channel(factory.incidents, call_queue, queue_channel),
        officers,
        lambda: env.now,
    )
    factory.rcrp = desk
    return desk
