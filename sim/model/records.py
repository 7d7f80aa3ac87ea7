"""What one replication produced: typed records of equal-length numpy arrays.

The model returns a :class:`ReplicationOutput`: per-call, per-incident,
per-assignment, per-online-report and per-outage records, each a frozen
dataclass of arrays indexed by record id, and per-pool, per-area and per-team
unit-second totals. Codes are :class:`enum.IntEnum` s (:class:`CallOutcome`,
:class:`Grade`, :class:`IncidentSource`), so a reader compares
``calls.outcome == CallOutcome.ANSWERED``, never a bare number; the numbers
themselves (0, 1, 2 ...) are what the arrays hold and what the records files
store as names (the codes are in :mod:`sim.model.record_codes`).

``CallRecords.to_frame``, ``IncidentRecords.to_frame`` and
``OutageRecords.to_frame`` are the schemas of a results directory's
``records/calls/``, ``records/incidents/`` and ``records/outages/`` files (one
per scenario and replication: :mod:`sim.files`). Which records
fall in the measured period is a metrics question (``sim.metrics.windows``), so
the caller passes that mask in.

Times are seconds from the scenario start (negative in the warm-up).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

# The codes are re-exported: the model and its readers import them from here.
from sim.model.record_codes import NO_GRADE as NO_GRADE
from sim.model.record_codes import CallOutcome, Grade, IncidentSource, _labels
from sim.model.spatial_records import GeographyRecords

if TYPE_CHECKING:
    from sim.model.choice_records import ChoiceRecords
    from sim.model.mechanism_records import MechanismRecords


@dataclass(frozen=True, eq=False)
class _Records:
    """Records as equal-length arrays, one field per column (``None``: column absent)."""

    def _columns(self) -> dict[str, np.ndarray]:
        return {
            f.name: value
            for f in dataclasses.fields(self)
            if (value := getattr(self, f.name)) is not None
        }

    def __post_init__(self) -> None:
        lengths = {name: len(values) for name, values in self._columns().items()}
        if len(set(lengths.values())) > 1:
            raise ValueError(f"{type(self).__name__} columns differ in length: {lengths}")

    def __len__(self) -> int:
        first = dataclasses.fields(self)[0].name
        return len(getattr(self, first))


@dataclass(frozen=True, eq=False)
class CallRecords(_Records):
    """One record per call attempt (first attempts and redials), in the order they rang.

    Attributes
    ----------
    arrival_s, patience_s, talk_s, wrap_s
        Arrival time, patience, talk time as handled and wrap-up, seconds.
    answered_s
        Answer time, seconds (NaN if never answered).
    queue
        Index into ``ReplicationOutput.queues``.
    attempt
        0 for a first call, 1, 2 ... for redials.
    caller
        Call id of the caller's first call.
    pool
        Index into ``ReplicationOutput.pools`` of the pool that answered (-1: none).
    outcome
        :class:`CallOutcome` code.
    sampled_talk_s, talk_multiplier
        Only when a platform changes talk times in time (outages, learning
        curve): the sampled talk time, seconds, and the multiplier applied to it
        (``talk_s`` is their product).
    """

    arrival_s: np.ndarray
    patience_s: np.ndarray
    talk_s: np.ndarray
    wrap_s: np.ndarray
    answered_s: np.ndarray
    queue: np.ndarray
    attempt: np.ndarray
    caller: np.ndarray
    pool: np.ndarray
    outcome: np.ndarray
    sampled_talk_s: np.ndarray | None = None
    talk_multiplier: np.ndarray | None = None

    @property
    def answer_wait_s(self) -> np.ndarray:
        """Seconds from arrival to answer (NaN if never answered)."""
        return self.answered_s - self.arrival_s

    def to_frame(self, output: ReplicationOutput, in_period: np.ndarray) -> pd.DataFrame:
        """The records as ``records/calls/<scenario>/<r>.parquet`` holds them.

        Parameters
        ----------
        output
            The replication the records belong to (names of queues and pools,
            scenario, replication, seed, outages).
        in_period
            Whether each call arrived in the measured period.
        """
        forces = np.array([force for force, _ in output.queues], dtype=object)
        channels = np.array([channel for _, channel in output.queues], dtype=object)
        pool_ids = np.array([p.pool_id for p in output.pools] + [""], dtype=object)
        abandoned_s = np.where(
            self.outcome == CallOutcome.ABANDONED, self.arrival_s + self.patience_s, np.nan
        )
        frame = pd.DataFrame(
            {
                "scenario": output.scenario,
                "replication": output.replication,
                "seed": output.seed,
                "call_id": np.arange(len(self)),
                "caller_id": self.caller,
                "attempt": self.attempt,
                "force": pd.Categorical(forces[self.queue]),
                "channel": pd.Categorical(channels[self.queue]),
                "arrival_s": self.arrival_s,
                "patience_s": self.patience_s,
                "answered_s": self.answered_s,
                "abandoned_s": abandoned_s,
                "answer_wait_s": self.answer_wait_s,
                "talk_s": self.talk_s,
                "wrap_s": self.wrap_s,
                # pool -1 (not answered) maps to the trailing "".
                "handler_pool": pd.Categorical(pool_ids[self.pool]),
                "outcome": pd.Categorical(_labels(CallOutcome)[self.outcome]),
                "in_period": in_period,
            }
        )
        if self.talk_multiplier is not None:
            frame["sampled_talk_s"] = self.sampled_talk_s
            frame["talk_multiplier"] = self.talk_multiplier
        if output.outages is not None:
            frame["in_outage"] = output.outages.contains(self.answered_s)
        if output.choices is not None:
            output.choices.add_columns(frame)
        return frame


@dataclass(frozen=True, eq=False)
class IncidentRecords(_Records):
    """One record per incident, in the order they were created.

    Attributes
    ----------
    created, graded_at
        Creation, and when it got its final grade (later than ``created`` only
        for an escalated call-back), seconds.
    force, area
        Index into ``ReplicationOutput.forces`` and ``ReplicationOutput.areas``
        (-1: a force without areas).
    grade, first_grade
        Final and first :class:`Grade` code.
    source, source_id
        :class:`IncidentSource` code, and the call or online report id.
    travel, on_scene, remaining, callback_s
        Sampled travel, on-scene time, on-scene time left (after a diversion),
        call-back length, seconds.
    escalate_to
        Grade a call-back escalates to (:data:`NO_GRADE`: none).
    dispatched, arrived, cleared, callback_start, appointment_s
        Seconds; NaN where they did not happen. ``arrived`` is the first unit on
        scene, or the appointment; ``arrived`` and ``cleared`` may lie after the
        end of the run (a job in progress).
    unit, unit_force
        First unit on scene, and its force index (-1: none).
    diverted, helped, escalated
        Whether a unit was taken off it, a neighbouring area's unit went, the
        call-back escalated it.
    appointment_slot, appointment_car
        The booked slot and car (-1: none).
    """

    created: np.ndarray
    force: np.ndarray
    area: np.ndarray
    grade: np.ndarray
    first_grade: np.ndarray
    source: np.ndarray
    source_id: np.ndarray
    graded_at: np.ndarray
    travel: np.ndarray
    on_scene: np.ndarray
    remaining: np.ndarray
    escalate_to: np.ndarray
    callback_s: np.ndarray
    dispatched: np.ndarray
    arrived: np.ndarray
    cleared: np.ndarray
    unit: np.ndarray
    diverted: np.ndarray
    helped: np.ndarray
    escalated: np.ndarray
    callback_start: np.ndarray
    appointment_s: np.ndarray
    appointment_slot: np.ndarray
    appointment_car: np.ndarray
    unit_force: np.ndarray

    def to_frame(self, output: ReplicationOutput, in_period: np.ndarray) -> pd.DataFrame:
        """The records as ``records/incidents/<scenario>/<r>.parquet`` holds them (or empty).

        Times are seconds: ``created_s``, ``graded_s`` (the final grade),
        ``dispatched_s``, ``arrived_s``, ``cleared_s`` (NaN after the end of the
        run), ``callback_start_s`` and ``appointment_s``; NaN where they did not
        happen.

        Parameters
        ----------
        output
            The replication the records belong to (names of forces and areas,
            scenario, replication, seed, end of the run).
        in_period
            Whether each incident got its final grade in the measured period.
        """
        if not len(self):
            return pd.DataFrame()
        area_names = np.array([a.area_id for a in output.areas] + [""], dtype=object)
        grades = _labels(Grade)
        forces = np.array(output.forces, dtype=object)
        return pd.DataFrame(
            {
                "scenario": output.scenario,
                "replication": output.replication,
                "seed": output.seed,
                "incident_id": np.arange(len(self)),
                "force": pd.Categorical(forces[self.force]),
                # area -1 (a force without areas) maps to the trailing "".
                "area": pd.Categorical(area_names[self.area]),
                "grade": pd.Categorical(grades[self.grade]),
                "first_grade": pd.Categorical(grades[self.first_grade]),
                "source": pd.Categorical(_labels(IncidentSource)[self.source]),
                "source_id": self.source_id,
                "created_s": self.created,
                "graded_s": self.graded_at,
                "dispatched_s": self.dispatched,
                "arrived_s": np.where(self.arrived <= output.end_s, self.arrived, np.nan),
                "cleared_s": np.where(self.cleared <= output.end_s, self.cleared, np.nan),
                "callback_start_s": self.callback_start,
                "appointment_s": self.appointment_s,
                "unit": self.unit,
                # Force of the first unit on scene ("" if none): another force's where
                # help crossed a border.
                "unit_force": pd.Categorical(np.append(forces, "")[self.unit_force]),
                "diverted": self.diverted,
                "helped": self.helped,
                "escalated": self.escalated,
                "in_period": in_period,
            }
        )


@dataclass(frozen=True, eq=False)
class UnitAssignments(_Records):
    """One record per unit sent to an incident.

    ``incident`` and ``unit`` ids; ``start_s`` when it was sent and ``end_s``
    when it cleared, or was diverted, seconds (may lie after the end of the run).
    """

    incident: np.ndarray
    unit: np.ndarray
    start_s: np.ndarray
    end_s: np.ndarray


@dataclass(frozen=True, eq=False)
class OnlineReports(_Records):
    """One record per online report: ``arrival_s`` (seconds) and ``force`` index."""

    arrival_s: np.ndarray
    force: np.ndarray


@dataclass(frozen=True, eq=False)
class OutageRecords(_Records):
    """A platform's outage windows, in time order: ``start_s`` and ``end_s``, seconds."""

    start_s: np.ndarray
    end_s: np.ndarray

    def contains(self, times_s: np.ndarray) -> np.ndarray:
        """Whether each time (seconds; NaN: no) falls inside one of the outages."""
        if not len(self):
            return np.zeros(len(times_s), dtype=bool)
        times = np.nan_to_num(np.asarray(times_s, dtype=float), nan=-np.inf)
        window = np.searchsorted(self.start_s, times, side="right") - 1
        return (window >= 0) & (times < self.end_s[np.maximum(window, 0)])

    def to_frame(self, output: ReplicationOutput, in_period: np.ndarray) -> pd.DataFrame:
        """The records as ``records/outages/<scenario>/<r>.parquet`` holds them.

        Parameters
        ----------
        output
            The replication the records belong to (scenario, replication, seed,
            platform).
        in_period
            Whether each window overlaps the measured period.
        """
        return pd.DataFrame(
            {
                "scenario": output.scenario,
                "replication": output.replication,
                "seed": output.seed,
                "platform": output.platform,
                "outage_id": np.arange(len(self)),
                "start_s": self.start_s,
                "end_s": self.end_s,
                "duration_h": (self.end_s - self.start_s) / 3600.0,
                "in_period": in_period,
            }
        )


@dataclass(frozen=True)
class PoolTotals:
    """Handler-seconds of one pool over the measured period."""

    pool_id: str
    busy_s: float
    present_s: float


@dataclass(frozen=True)
class AreaTotals:
    """Unit-seconds of one response area over the measured period."""

    force: str
    area_id: str
    grade1_target_min: float
    busy_s: float
    present_s: float
    overrun_s: float


@dataclass(frozen=True)
class TeamTotals:
    """Staff-seconds of one team (``resolution`` or ``desk``) over the measured period."""

    force: str
    team: str
    busy_s: float
    present_s: float


@dataclass(frozen=True, eq=False)
class ReplicationOutput:
    """Everything a replication produced (no SimPy objects).

    The measured period is ``[0, horizon_s)``; the run went from ``-warmup_s``
    to ``end_s`` (the measured period plus a drain), seconds. ``queues`` are
    ``(force, channel)`` in queue-index order with their answer ``targets_s``;
    ``forces`` the force ids in force-index order, with their
    ``grade2_target_min``. ``platform`` is the platform's name ("" for none);
    ``outages`` its outage windows when the platform has outages (``None``
    otherwise). ``events`` counts the SimPy events processed.
    """

    scenario: str
    replication: int
    seed: int
    horizon_s: float
    warmup_s: float
    end_s: float
    queues: list[tuple[str, str]]
    targets_s: list[float]
    calls: CallRecords
    pools: list[PoolTotals]
    events: int
    forces: list[str]
    grade2_target_min: list[float]
    areas: list[AreaTotals]
    teams: list[TeamTotals]
    incidents: IncidentRecords
    assignments: UnitAssignments
    online: OnlineReports
    platform: str = ""
    outages: OutageRecords | None = None
    #: RCRP, multi-unit jobs and crewing, when a force uses any (``None``: none).
    mechanisms: MechanismRecords | None = None
    #: Beats, stations and where incidents and units were (forces with geography only).
    geography: GeographyRecords | None = None
    #: Call-backs and reactions to waiting, when some channel has them (``None``: none).
    choices: ChoiceRecords | None = None
