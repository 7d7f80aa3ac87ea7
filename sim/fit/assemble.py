"""Assembling a scenario from a force's cleaned exports: every part fitted, or assumed and said so.

The calls (or, without a telephony export, the incidents) give each
channel's volume, profile, patience and handling; the incidents give grading,
travel and on-scene times, the areas and their shares; ids give rosters. A
part the data cannot give is filled with a stated assumption. Every value
gets a comment (its sample size and goodness of fit, or ``ASSUMED``) by its
field path, for :func:`sim.fit.emit.scenario_yaml`. The areas, on-scene times
and teams are :mod:`sim.fit.response`'s.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from sim.config import CHANNEL_PRIORITY
from sim.errors import InputError, Problem
from sim.fit.breaks import breaks_while_queued
from sim.fit.demand import HOURS_PER_YEAR, fit_grading, fit_profile, rounded_shares
from sim.fit.durations import fit_censored_patience, fit_lognormal
from sim.fit.geography_fit import add_geography
from sim.fit.mapping import TELEPHONE_CHANNELS, ColumnMappingFile
from sim.fit.read import Cleaned, DataIssue
from sim.fit.response import add_response
from sim.fit.rosters import HANDLER_GAP_HOURS, HANDLER_INTERVAL_MIN, fit_on_duty


@dataclass
class FitResult:
    """A fitted scenario (raw dict), a comment per field path, and the fits behind it."""

    scenario: dict[str, Any]
    comments: dict[tuple[str, ...], str]
    issues: list[DataIssue]
    fits: dict[str, Any]
    #: The data behind each distribution fit, by the same key as ``fits``:
    #: durations in seconds, or for patience a pair (wait in seconds, abandoned).
    samples: dict[str, Any] = field(default_factory=dict)
    #: Files to write beside the YAML (name relative to it -> text): beats, travel matrix.
    files: dict[str, str] = field(default_factory=dict)


@dataclass
class FitParts:
    """What every part of one fit shares while the scenario is assembled.

    Attributes
    ----------
    start, end
        The observed period: whole hours, end exclusive.
    force_path
        Field path of the fitted force, ``("forces", force_id)``.
    comments, fits, samples
        As in :class:`FitResult`, filled in as each part is fitted (the order
        of ``fits`` is the order of the diagnostic report).
    """

    start: pd.Timestamp
    end: pd.Timestamp
    force_path: tuple[str, ...]
    comments: dict[tuple[str, ...], str] = field(default_factory=dict)
    fits: dict[str, Any] = field(default_factory=dict)
    samples: dict[str, Any] = field(default_factory=dict)

    @property
    def hours(self) -> float:
        """Length of the observed period in hours (at least 1)."""
        return max((self.end - self.start).total_seconds() / 3600.0, 1.0)


def _observed_period(times: pd.Series) -> tuple[pd.Timestamp, pd.Timestamp]:
    """The whole hours the data cover: from the hour of the first to the end of the last's.

    Hours, not days: an export run at 10:00 on its last day, or a period that
    ends at 01:00 because the clocks went forward, would otherwise be counted
    as whole days and every volume read too low.
    """
    return times.min().floor("h"), times.max().floor("h") + pd.Timedelta(hours=1)


def _grading_comment(base: str, grading: dict[str, Any], shares: dict[str, float]) -> str:
    """The comment on a grading: its base (``n`` of ``base``) and each share's 95% interval."""
    ci = grading["ci"]
    return f"share of {grading['n']} {base}; " + ", ".join(
        f"{k} {ci[k][0]:.3f}-{ci[k][1]:.3f}" for k in shares
    )


def _channel_section(
    parts: FitParts,
    channel: str,
    group: pd.DataFrame,
    from_calls: bool,
    grading: dict[str, Any] | None,
) -> dict[str, Any]:
    """One telephone channel: volume, profile, over-dispersion, patience, handling, grading.

    ``group`` holds the channel's calls (``from_calls``), or else its incidents
    with ``created`` as the ``arrival``.
    """
    path = (*parts.force_path, "channels", channel)
    comments = parts.comments
    prof = fit_profile(group["arrival"], parts.start, parts.end)
    parts.fits[f"profile/{channel}"] = prof
    entry: dict[str, Any] = {
        "volume_per_year": round(prof.volume_per_year),
        "profile": {"hour_of_week": [round(float(w), 3) for w in prof.weights]},
    }
    comments[(*path, "volume_per_year")] = (
        f"n={prof.count} calls over {prof.weeks:.1f} weeks; 95% CI "
        f"{prof.volume_ci[0]:,.0f}-{prof.volume_ci[1]:,.0f}"
    )
    comments[(*path, "profile")] = (
        f"rests on {prof.weeks:.1f} weeks; smoothed towards a day x hour shape "
        f"(2 weeks' prior weight); hourly counts about it chi-square/df "
        f"{prof.dispersion:.2f} (1 for Poisson)"
        + (
            f"; {prof.closed} hours of the week with no call in any week kept at zero (closed)"
            if prof.closed
            else ""
        )
    )
    entry["overdispersion_cv"] = round(prof.day_cv, 3)
    comments[(*path, "overdispersion_cv")] = (
        f"day-to-day busyness beyond Poisson over {prof.days} whole days "
        "(method of moments; 0: no more than Poisson)"
    )
    handling = None
    if from_calls:
        waits = (group["wait_s"].to_numpy(), ~group["answered_flag"].to_numpy())
        patience = fit_censored_patience(*waits)
        parts.fits[f"patience/{channel}"] = patience
        parts.samples[f"patience/{channel}"] = waits
        if patience is not None:
            entry["patience"] = patience.config()
            comments[(*path, "patience")] = patience.note()
        else:
            comments[(*path, "volume_per_year")] += (
                "; fewer than 5 abandoned calls: no patience fitted (no one abandons)"
            )
        handled_s = group.loc[group["answered_flag"], "handling_s"].to_numpy()
        handling = fit_lognormal(handled_s)
        parts.fits[f"handling/{channel}"] = handling
        parts.samples[f"handling/{channel}"] = handled_s
    if handling is not None:
        entry["handling"] = handling.config()
        comments[(*path, "handling")] = handling.note()
    else:
        entry["handling"] = {"distribution": "exponential", "mean_s": 300}
        comments[(*path, "handling")] = "ASSUMED, not fitted: no telephony export"
    wrap = None
    if from_calls and "wrap_s" in group:
        wrap_s = group.loc[group["answered_flag"], "wrap_s"].dropna().to_numpy(dtype=float)
        wrap = fit_lognormal(wrap_s)
        parts.fits[f"wrap_up/{channel}"] = wrap
        parts.samples[f"wrap_up/{channel}"] = wrap_s
    if wrap is not None:
        entry["wrap_up"] = wrap.config()
        comments[(*path, "wrap_up")] = "ended to wrap_end (after-call work); " + wrap.note()
    else:
        entry["wrap_up"] = {"distribution": "constant", "value_s": 0}
        comments[(*path, "wrap_up")] = (
            "inside handling: the export's ended time is read as the handler free again; "
            "if yours is the end of talk, map wrap_end or set after-call work here"
        )
    if grading is not None:
        entry["grading"] = rounded_shares(grading["shares"])
        comments[(*path, "grading")] = _grading_comment("handled calls", grading, entry["grading"])
    return entry


def _online_section(
    parts: FitParts, online: pd.DataFrame, grading: dict[str, Any]
) -> dict[str, Any]:
    """The ``online:`` channel from incidents whose source is an online report."""
    path = (*parts.force_path, "online")
    comments = parts.comments
    prof = fit_profile(online["created"], parts.start, parts.end)
    parts.fits["profile/online"] = prof
    shares = rounded_shares(grading["shares"])
    comments[(*path, "volume_per_year")] = (
        f"n={prof.count} online incidents over {prof.weeks:.1f} weeks; 95% CI "
        f"{prof.volume_ci[0]:,.0f}-{prof.volume_ci[1]:,.0f}; reports that made no "
        "incident are not in a CAD export, so volume and grading count incidents only"
    )
    comments[(*path, "profile")] = (
        f"of incident creation (after any desk review) over {prof.weeks:.1f} weeks; "
        f"hourly counts about it chi-square/df {prof.dispersion:.2f} (1 for Poisson)"
    )
    comments[(*path, "grading")] = _grading_comment("online incidents", grading, shares)
    comments[(*path, "overdispersion_cv")] = (
        f"day-to-day busyness beyond Poisson over {prof.days} whole days"
    )
    return {
        "volume_per_year": round(prof.volume_per_year),
        "profile": {"hour_of_week": [round(float(w), 3) for w in prof.weights]},
        "overdispersion_cv": round(prof.day_cv, 3),
        "grading": shares,
    }


def _handler_pool(
    parts: FitParts, channels: dict[str, Any], calls: pd.DataFrame | None
) -> dict[str, Any]:
    """The one handler pool serving every fitted channel, its roster fitted from handler ids.

    Without handler ids the roster is sized from the fitted volumes and
    handling times for about 80% occupancy, and says it is assumed.
    """
    pool: dict[str, Any] = {"serves": list(channels)}
    path = ("handler_pools", "contact_centre", "roster")
    on_duty = None
    if calls is not None and "handler_id" in calls:
        answered = calls[calls["answered_flag"]]
        free_again = answered["ended"]
        if "wrap_end" in answered:
            free_again = answered["wrap_end"].fillna(answered["ended"])
        on_duty = fit_on_duty(
            answered["handler_id"],
            answered["answered"],
            free_again,
            parts.start,
            parts.end,
            gap_hours=HANDLER_GAP_HOURS,
            breaks=breaks_while_queued(calls, HANDLER_GAP_HOURS),
            interval_minutes=HANDLER_INTERVAL_MIN,
        )
    parts.fits["handlers_on_duty"] = on_duty
    if on_duty is not None and on_duty.fitted.sum() > 0:
        pool["roster"] = {
            "interval_minutes": HANDLER_INTERVAL_MIN,
            "staff": [int(v) for v in on_duty.fitted],
            "allow_gaps": True,
        }
        parts.comments[path] = (
            f"fitted from {on_duty.people} handler ids: on duty from first to last call "
            f"of each spell (split at {HANDLER_GAP_HOURS:g} h idle), median of "
            f"{len(on_duty.per_week)} weeks per half hour of the week; idle spells of 5 min or "
            f"more while callers queued taken out as breaks ({on_duty.break_share:.1%} of the "
            "time on duty, the fitted shrinkage), so no shrinkage on top"
        )
        return pool
    load = 0.0
    for channel in channels:
        prof = parts.fits[f"profile/{channel}"]
        handling = parts.fits.get(f"handling/{channel}")
        mean_s = math.exp(handling.mu + handling.sigma**2 / 2) if handling is not None else 300.0
        load += prof.volume_per_year / HOURS_PER_YEAR * mean_s / 3600.0
    pool["roster"] = {"staff": max(1, math.ceil(load / 0.8))}
    parts.comments[path] = "ASSUMED, not fitted (no handler ids): sized for about 80% occupancy"
    return pool


def _require_rows(cleaned: Cleaned, what: str) -> None:
    """Refuse an export none of whose rows could be used, saying what was wrong with them."""
    if cleaned.frame.empty:
        found = "; ".join(issue.describe() for issue in cleaned.issues if issue.left_out)
        message = f"no usable {what} rows after excluding bad ones: " + (
            found or "the file has no data rows"
        )
        raise InputError([Problem(cleaned.source, "", message)])


def _call_channels(rows: pd.DataFrame | None, mapping: ColumnMappingFile) -> list[str]:
    """The call channels in the rows (not ``online``), by priority rank, then id."""
    if rows is None or "channel" not in rows:
        return list(TELEPHONE_CHANNELS)
    present = {str(c) for c in rows["channel"].dropna().unique()} - {"online"}
    ranks = {**CHANNEL_PRIORITY, **mapping.channel_priorities}
    return sorted(present, key=lambda c: (ranks.get(c, len(ranks)), c))


def _ranked(parts: FitParts, channel: str, mapping: ColumnMappingFile) -> dict[str, Any]:
    """A fitted channel's priority and answer target, where the mapping gives them."""
    settings = mapping.channel_settings(channel)
    path = (*parts.force_path, "channels", channel)
    for key, source in (
        ("priority", "channel_priorities"),
        ("answer_target_s", "channel_answer_targets_s"),
    ):
        if key in settings:
            parts.comments[(*path, key)] = f"from the mapping's {source}"
    return settings


def build_scenario(
    incidents: Cleaned | None,
    calls: Cleaned | None,
    name: str = "fitted",
    force_id: str = "fitted",
    mapping: ColumnMappingFile | None = None,
) -> FitResult:
    """Fit every part and assemble a scenario dict with comments.

    Parameters
    ----------
    incidents
        Cleaned CAD incidents (:func:`sim.fit.read.clean_incidents`), or None:
        a contact-centre-only scenario, whose calls create no incidents.
    calls
        Cleaned telephony calls (:func:`sim.fit.read.clean_calls`), or None:
        channels fitted from incident creation times, handling and the
        roster assumed (and marked ASSUMED).
    name, force_id
        Scenario name and force id.
    mapping
        The ``--columns`` mapping: the priority rank and answer target of each
        channel other than 999 and 101 (every such channel in the data must
        be in it, as :func:`sim.fit.mapping.read_mapping` checks).

    Returns
    -------
    FitResult
        ``scenario`` passes :func:`sim.config.scenario_from_dict`.

    Raises
    ------
    InputError
        If neither export is given, one has no usable row, or no call or
        incident is on a call channel.
    """
    if incidents is None and calls is None:
        raise InputError([Problem("fit", "", "give --incidents, --calls or both")])
    mapping = mapping if mapping is not None else ColumnMappingFile()
    if incidents is not None:
        _require_rows(incidents, "incident")
    if calls is not None:
        _require_rows(calls, "call")
    inc = incidents.frame if incidents is not None else None
    if inc is not None and "channel" in inc:
        inc = inc.assign(channel=inc["channel"].astype("object"))
    call_rows = calls.frame if calls is not None else None
    given = [c for c in (incidents, calls) if c is not None]
    period = call_rows["arrival"] if call_rows is not None else given[0].frame["created"]
    parts = FitParts(*_observed_period(period), ("forces", force_id))
    force: dict[str, Any] = {"name": "Fitted from the force's own data", "channels": {}}
    if inc is not None and "channel" not in inc:
        inc = inc.assign(channel="999")
        parts.comments[(*parts.force_path, "channels")] = (
            "no channel column in the incidents: all incidents counted as 999"
        )
    handled: dict[str, int] = {}
    if call_rows is not None:
        for channel, group in call_rows.groupby("channel", observed=True):
            handled[str(channel)] = int(group["answered_flag"].sum())
    grading = fit_grading(inc, handled) if inc is not None else {}
    parts.fits["grading"] = grading
    for channel in _call_channels(call_rows if call_rows is not None else inc, mapping):
        if call_rows is not None:
            group = call_rows[call_rows["channel"] == channel]
        else:
            assert inc is not None
            group = inc[inc["channel"] == channel].rename(columns={"created": "arrival"})
        if not group.empty:
            entry = _channel_section(
                parts, channel, group, call_rows is not None, grading.get(channel)
            )
            entry.update(_ranked(parts, channel, mapping))
            force["channels"][channel] = entry
    if not force["channels"]:
        message = "no calls or incidents on any call channel (999, 101 or a mapped one) to fit"
        raise InputError([Problem(given[0].source, "channel", message)])
    if inc is None:
        parts.comments[(*parts.force_path, "channels")] = (
            "no CAD export: a contact-centre-only scenario (calls create no incidents)"
        )
        for entry in force["channels"].values():
            entry["grading"] = {}
        scenario = _scenario(
            name, force_id, force, _handler_pool(parts, force["channels"], call_rows)
        )
        issues = [issue for cleaned in given for issue in cleaned.issues]
        return FitResult(scenario, parts.comments, issues, parts.fits, parts.samples)
    online = inc[inc["channel"] == "online"]
    if not online.empty:
        force["online"] = _online_section(parts, online, grading["online"])
    add_response(parts, force, inc)
    metres = mapping.incidents.coordinates == "metres"
    files = add_geography(parts, force, inc, name, metres, mapping.incidents.stations)
    scenario = _scenario(name, force_id, force, _handler_pool(parts, force["channels"], call_rows))
    issues = [issue for cleaned in given for issue in cleaned.issues]
    return FitResult(scenario, parts.comments, issues, parts.fits, parts.samples, files)


def _scenario(
    name: str, force_id: str, force: dict[str, Any], pool: dict[str, Any]
) -> dict[str, Any]:
    """The scenario around one fitted force and its contact centre."""
    return {
        "name": name,
        "description": "Fitted by demandsim fit from a force's CAD and telephony exports.",
        "days": 28,
        "warmup_days": 1,
        "seed": 1,
        "replications": 5,
        "forces": {force_id: force},
        "handler_pools": {"contact_centre": pool},
    }
