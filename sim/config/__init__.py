"""Scenario configuration: frozen pydantic models, YAML loading and ``--set`` overrides.

Everything a replication needs is described here and validated before a single
event is simulated. Units are in the field names (``_s`` seconds, ``_hours``,
``_per_year``) or stated in the docstrings. Nothing in this package imports SimPy.

Errors are collected, never raised one at a time: a planner who mistyped three
values sees three lines, each ``FILE: field.path: what is wrong; what is expected``.

One module per concept, from the bottom up: :mod:`~sim.config.base` (the frozen
base model, field types and limits), :mod:`~sim.config.messages` (validation
errors as problem lines), :mod:`~sim.config.durations`,
:mod:`~sim.config.handlers` (rosters, handler pools), :mod:`~sim.config.demand`
(channels, online reports, grading), :mod:`~sim.config.response` (areas,
dispatch, appointments, resolution), :mod:`~sim.config.force`,
:mod:`~sim.config.platform` (and the named platforms shipped as package data in
``sim/config/platforms/``), :mod:`~sim.config.cost` (the work a scenario plans,
bounded), :mod:`~sim.config.scenario`, :mod:`~sim.config.caveats` (warnings about
scenarios that run but mean nothing),
:mod:`~sim.config.safe_yaml` and :mod:`~sim.config.loading`. This module only
re-exports their public names.
"""

from __future__ import annotations

from sim.config.base import (
    MAX_DAYS,
    MAX_DURATION_S,
    MAX_LOGNORMAL_RATIO,
    MAX_STAFF,
    MAX_VOLUME_PER_YEAR,
    AreaRef,
    ClockTime,
    CrossFieldError,
    FrozenModel,
    Identifier,
    NotBool,
    PositiveSeconds,
    Probability,
    Seconds,
    StaffCount,
    Weight,
)
from sim.config.caveats import scenario_warnings
from sim.config.cost import (
    MAX_ARRIVALS_PER_REPLICATION,
    MAX_OUTAGES_PER_REPLICATION,
    planned_arrivals,
)
from sim.config.demand import (
    CALL_CHANNELS,
    CHANNEL_PRIORITY,
    DEFAULT_ANSWER_TARGET_S,
    ONLINE,
    Channel,
    ChannelId,
    DeskReview,
    Grading,
    OnlineChannel,
    Profile,
    Redial,
    Surge,
)
from sim.config.durations import (
    Z90,
    ConstantTime,
    Duration,
    ExponentialTime,
    LognormalTime,
    Patience,
)
from sim.config.force import Force
from sim.config.handlers import HandlerPool, Roster, Shift
from sim.config.loading import apply_overrides, load_scenario, parse_override, scenario_from_dict
from sim.config.mechanisms import (
    FlaggedShares,
    MultiUnit,
    RightCareRightPerson,
    Seasonality,
    UnitsNeeded,
)
from sim.config.messages import problems_from_validation
from sim.config.platform import (
    LearningCurve,
    Multiplier,
    Outages,
    Platform,
    SmsAdvice,
    available_platforms,
    shipped_platform,
)
from sim.config.response import (
    DEFAULT_GRADE1_TARGET_MIN,
    DEFAULT_GRADE2_TARGET_MIN,
    Appointments,
    Area,
    Escalation,
    OnScene,
    ResolutionTeam,
    ResponsePolicy,
)
from sim.config.safe_yaml import MAX_FILE_BYTES, parse_yaml, read_yaml_file
from sim.config.scenario import Scenario

# Re-exported for the layers that still import them from here; their home is
# sim.errors and sim.units.
from sim.errors import InputError, Problem
from sim.units import (
    DAY_NAMES,
    DAYS_PER_YEAR,
    HOURS_PER_WEEK,
    MINUTES_PER_WEEK,
    SECONDS_PER_DAY,
    SECONDS_PER_HOUR,
    SECONDS_PER_MINUTE,
    SECONDS_PER_WEEK,
    clock_to_seconds,
)

__all__ = [
    "CALL_CHANNELS",
    "CHANNEL_PRIORITY",
    "DAYS_PER_YEAR",
    "DAY_NAMES",
    "DEFAULT_ANSWER_TARGET_S",
    "DEFAULT_GRADE1_TARGET_MIN",
    "DEFAULT_GRADE2_TARGET_MIN",
    "HOURS_PER_WEEK",
    "MAX_ARRIVALS_PER_REPLICATION",
    "MAX_DAYS",
    "MAX_DURATION_S",
    "MAX_FILE_BYTES",
    "MAX_LOGNORMAL_RATIO",
    "MAX_OUTAGES_PER_REPLICATION",
    "MAX_STAFF",
    "MAX_VOLUME_PER_YEAR",
    "MINUTES_PER_WEEK",
    "ONLINE",
    "SECONDS_PER_DAY",
    "SECONDS_PER_HOUR",
    "SECONDS_PER_MINUTE",
    "SECONDS_PER_WEEK",
    "Z90",
    "Appointments",
    "Area",
    "AreaRef",
    "Channel",
    "ChannelId",
    "ClockTime",
    "ConstantTime",
    "CrossFieldError",
    "DeskReview",
    "Duration",
    "Escalation",
    "ExponentialTime",
    "FlaggedShares",
    "Force",
    "FrozenModel",
    "Grading",
    "HandlerPool",
    "Identifier",
    "InputError",
    "LearningCurve",
    "LognormalTime",
    "MultiUnit",
    "Multiplier",
    "NotBool",
    "OnScene",
    "OnlineChannel",
    "Outages",
    "Patience",
    "Platform",
    "PositiveSeconds",
    "Probability",
    "Problem",
    "Profile",
    "Redial",
    "ResolutionTeam",
    "ResponsePolicy",
    "RightCareRightPerson",
    "Roster",
    "Scenario",
    "Seasonality",
    "Seconds",
    "Shift",
    "SmsAdvice",
    "StaffCount",
    "Surge",
    "UnitsNeeded",
    "Weight",
    "apply_overrides",
    "available_platforms",
    "clock_to_seconds",
    "load_scenario",
    "parse_override",
    "parse_yaml",
    "planned_arrivals",
    "problems_from_validation",
    "read_yaml_file",
    "scenario_from_dict",
    "scenario_warnings",
    "shipped_platform",
]
