"""Fit a scenario's demand and times from a force's own CAD and telephony exports.

Plain functions over pandas DataFrames; nothing here imports SimPy. The
command ``demandsim fit`` goes through the modules in order:

- :mod:`sim.fit.mapping`: the ``--columns`` file (their column names and
  codes onto ours), checked like a config (:func:`read_mapping`);
- :mod:`sim.fit.source`: each export read as text, its encoding, separator
  or workbook detected, within size and row bounds (:func:`read_export`);
- :mod:`sim.fit.timestamps`: timestamps read without guessing the day order
  or the time zone silently (:func:`parse_time_columns`);
- :mod:`sim.fit.read`: each export's rows parsed and cleaned, bad rows
  counted for the data report (:func:`read_incidents`, :func:`read_calls`,
  :func:`issues_text`);
- :mod:`sim.fit.durations` and :mod:`sim.fit.demand`: the estimates
  (:func:`fit_lognormal`, :func:`fit_censored_patience`, :func:`fit_profile`,
  :func:`fit_grading`);
- :mod:`sim.fit.rosters`: staff on duty from the ids of who was working
  (:func:`fit_on_duty`);
- :mod:`sim.fit.assemble` and :mod:`sim.fit.response`: the scenario dict,
  a comment for every value (:func:`build_scenario`);
- :mod:`sim.fit.geography_fit`, with :mod:`sim.fit.beats`,
  :mod:`sim.fit.origins` and :mod:`sim.fit.travel_matrix`: a force's
  ``geography`` (beats, stations, a travel matrix) where the export has beats
  (:func:`add_geography`, :func:`fit_beats`, :func:`derive_origins`,
  :func:`fit_travel_matrix`);
- :mod:`sim.fit.diagnostics`: each fit beside its data, for the report page
  (:func:`fit_diagnostics`);
- :mod:`sim.fit.emit`: the commented YAML (:func:`scenario_yaml`);
- :mod:`sim.fit.backtest`: the fitted scenario simulated beside the data
  (:func:`backtest`); :mod:`sim.fit.sample`: a force-like sample export.

Data the fit cannot use at all (an empty file, a missing column, no usable
rows) raises :class:`sim.errors.InputError`, naming the file and the column,
like a bad config. All durations are in seconds.
"""

from __future__ import annotations

from sim.fit.assemble import FitResult, build_scenario
from sim.fit.backtest import BacktestRow, BacktestTable, backtest
from sim.fit.beats import BeatFit, fit_beats
from sim.fit.breaks import breaks_while_queued
from sim.fit.demand import ProfileFit, fit_grading, fit_profile, rounded_shares
from sim.fit.diagnostics import (
    DistributionCheck,
    FitDiagnostics,
    ProfileCheck,
    RosterCheck,
    fit_diagnostics,
)
from sim.fit.durations import (
    LognormalFit,
    PatienceFit,
    fit_censored_patience,
    fit_lognormal,
    kaplan_meier,
)
from sim.fit.emit import scenario_yaml
from sim.fit.geography_fit import add_geography
from sim.fit.mapping import CallMapping, ColumnMappingFile, IncidentMapping, read_mapping
from sim.fit.origins import derive_origins
from sim.fit.read import (
    Cleaned,
    DataIssue,
    clean_calls,
    clean_incidents,
    issues_text,
    read_calls,
    read_incidents,
)
from sim.fit.response import valid_ids
from sim.fit.rosters import OnDutyFit, fit_on_duty
from sim.fit.source import ExportText, read_export
from sim.fit.timestamps import TimeReading, parse_time_columns
from sim.fit.travel_matrix import TravelMatrixFit, fit_travel_matrix

__all__ = [
    "BacktestRow",
    "BacktestTable",
    "BeatFit",
    "CallMapping",
    "Cleaned",
    "ColumnMappingFile",
    "DataIssue",
    "DistributionCheck",
    "ExportText",
    "FitDiagnostics",
    "FitResult",
    "IncidentMapping",
    "LognormalFit",
    "OnDutyFit",
    "PatienceFit",
    "ProfileCheck",
    "ProfileFit",
    "RosterCheck",
    "TimeReading",
    "TravelMatrixFit",
    "add_geography",
    "backtest",
    "breaks_while_queued",
    "build_scenario",
    "clean_calls",
    "clean_incidents",
    "derive_origins",
    "fit_beats",
    "fit_censored_patience",
    "fit_diagnostics",
    "fit_grading",
    "fit_lognormal",
    "fit_on_duty",
    "fit_profile",
    "fit_travel_matrix",
    "issues_text",
    "kaplan_meier",
    "parse_time_columns",
    "read_calls",
    "read_export",
    "read_incidents",
    "read_mapping",
    "rounded_shares",
    "scenario_yaml",
    "valid_ids",
]
