"""The checks of a fit, as plain numbers for its diagnostic report.

Every fitted duration beside the data it was fitted to (the empirical CDF;
Kaplan-Meier for patience), every channel's fitted hour-of-week arrival rate
beside the observed one, and every roster fitted from ids beside each week's
estimate. The report page (:mod:`sim.report.fit_report`) draws these and
knows nothing of how they were fitted.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import stats

from sim.fit.assemble import FitResult
from sim.fit.durations import LognormalFit, PatienceFit, kaplan_meier
from sim.fit.rosters import OnDutyFit


@dataclass(frozen=True)
class DistributionCheck:
    """A fitted duration distribution beside the data it was fitted to.

    Attributes
    ----------
    key
        Short identifier, e.g. ``handling/999``, ``travel/urban``,
        ``on_scene/grade1``, ``patience/101`` (figure ids and PNG names use it).
    title
        Plain-words heading, e.g. "Handling time, 999 calls".
    observed_s, observed_cdf
        The empirical distribution: durations in seconds (ascending) and the
        share of values at or below each. For patience (``censored``) this is
        one minus the Kaplan-Meier survival at each abandonment time.
    grid_s, fitted_cdf
        The fitted distribution's CDF on a grid of durations (seconds).
    n
        Sample size (for patience: abandoned plus answered calls).
    note
        Sample size, confidence interval and goodness of fit, as in the YAML.
    censored
        True where the empirical curve is Kaplan-Meier (patience).
    """

    key: str
    title: str
    observed_s: np.ndarray
    observed_cdf: np.ndarray
    grid_s: np.ndarray
    fitted_cdf: np.ndarray
    n: int
    note: str
    censored: bool = False


@dataclass(frozen=True)
class ProfileCheck:
    """A channel's fitted hour-of-week arrival rate beside the observed one.

    Attributes
    ----------
    key, title
        As for :class:`DistributionCheck` (``profile/999``).
    observed_per_hour
        168 observed mean arrivals per hour (calls per hour), Monday 00:00 first.
    fitted_per_hour
        168 fitted (smoothed) arrivals per hour the scenario will generate.
    weeks
        Weeks of data the profile rests on.
    note
        Volume, its confidence interval and the dispersion figure.
    """

    key: str
    title: str
    observed_per_hour: np.ndarray
    fitted_per_hour: np.ndarray
    weeks: float
    note: str


@dataclass(frozen=True)
class RosterCheck:
    """Staff on duty per hour of the week fitted from ids in the data.

    Attributes
    ----------
    key, title
        As for :class:`DistributionCheck` (``handlers/contact_centre``, ``units/urban``).
    per_week
        Observed staff on duty, one row per week observed and 168 columns
        (NaN where a week does not cover the hour).
    fitted
        The 168 values written to the scenario's roster.
    note
        How the estimate was made.
    """

    key: str
    title: str
    per_week: np.ndarray
    fitted: np.ndarray
    note: str


@dataclass(frozen=True)
class FitDiagnostics:
    """Everything the fit's diagnostic report shows; plain numbers, no model objects.

    Attributes
    ----------
    title
        Page title.
    sources
        The input files, as given.
    data_report
        The bad-data report, one line per entry.
    distributions, profiles, rosters
        The checks, in the order to show them.
    """

    title: str
    sources: list[str]
    data_report: list[str]
    distributions: list[DistributionCheck]
    profiles: list[ProfileCheck]
    rosters: list[RosterCheck]


def _lognormal_check(
    key: str, title: str, fitted: LognormalFit, values_s: Any
) -> DistributionCheck:
    """A fitted lognormal's CDF beside the empirical CDF of its durations (s)."""
    x = np.sort(np.asarray(values_s, dtype=float))
    x = x[np.isfinite(x) & (x > 0)]
    grid = np.geomspace(x[0], x[-1], 240)
    cdf = stats.norm.cdf((np.log(grid) - fitted.mu) / fitted.sigma)
    observed_cdf = np.arange(1, len(x) + 1) / len(x)
    return DistributionCheck(key, title, x, observed_cdf, grid, cdf, fitted.n, fitted.note())


def _patience_check(key: str, title: str, fitted: PatienceFit, waits: Any) -> DistributionCheck:
    """Fitted patience beside one minus the Kaplan-Meier survival of the waits (s, abandoned)."""
    wait_s, abandoned = (np.asarray(v) for v in waits)
    ok = np.isfinite(wait_s) & (wait_s >= 0)
    times, survival = kaplan_meier(wait_s[ok], abandoned[ok])
    positive = wait_s[ok][wait_s[ok] > 0]
    grid = np.geomspace(max(float(positive.min()), 1.0), float(positive.max()), 240)
    return DistributionCheck(
        key,
        title,
        times,
        1.0 - survival,
        grid,
        1.0 - fitted.survival(grid),
        fitted.events + fitted.censored,
        fitted.note(),
        censored=True,
    )


_TITLES = {
    "handling": "Handling time (answered to ended), {} calls",
    "patience": "Caller patience, {} calls",
    "travel": "Travel time (dispatched to arrived), {} area",
    "on_scene": "Time on scene (arrived to cleared), {}",
    "wrap_up": "After-call work (ended to wrap end), {} calls",
    "dispatch_delay": "Dispatch delay (created to dispatched, those not sent at once), {}",
}


def fit_diagnostics(
    result: FitResult, sources: list[str], data_report: list[str], title: str
) -> FitDiagnostics:
    """The checks of a fit, as plain numbers for the diagnostic report.

    Every fitted distribution beside its data (Kaplan-Meier for patience),
    every fitted arrival profile beside the observed hourly rates, and every
    roster fitted from ids beside each week's estimate.
    """
    distributions: list[DistributionCheck] = []
    fits = dict(result.fits)
    for grade, scene in (fits.pop("on_scene", None) or {}).items():
        fits[f"on_scene/{grade}"] = scene
    for key, fitted in fits.items():
        kind, _, part = key.partition("/")
        if fitted is None or kind not in _TITLES or key not in result.samples:
            continue
        shown = part.replace("grade", "grade ") if kind in ("on_scene", "dispatch_delay") else part
        heading = _TITLES[kind].format(shown)
        if kind == "travel" and "/" in part:  # one grade's travel in an area
            area, grade = part.split("/", 1)
            heading = f"{_TITLES[kind].format(area)}, {grade.replace('grade', 'grade ')}"
        if kind == "patience":
            distributions.append(_patience_check(key, heading, fitted, result.samples[key]))
        else:
            distributions.append(_lognormal_check(key, heading, fitted, result.samples[key]))
    profiles = [
        ProfileCheck(
            key,
            f"Arrivals per hour of the week, {key.partition('/')[2]}",
            prof.raw_rate_per_hour,
            prof.rate_per_hour,
            prof.weeks,
            f"{prof.count:,} arrivals; {prof.volume_per_year:,.0f} a year (95% CI "
            f"{prof.volume_ci[0]:,.0f}-{prof.volume_ci[1]:,.0f}); hourly counts about the fit "
            f"chi-square/df {prof.dispersion:.2f}; day-to-day CV beyond Poisson {prof.day_cv:.3f}",
        )
        for key, prof in result.fits.items()
        if key.startswith("profile/")
    ]
    rosters: list[RosterCheck] = []
    for key, on_duty in result.fits.items():
        if not isinstance(on_duty, OnDutyFit):
            continue
        who = "Call handlers" if key == "handlers_on_duty" else f"Response units, {key[6:]}"
        rosters.append(
            RosterCheck(
                "handlers/contact_centre" if key == "handlers_on_duty" else key,
                f"{who} on duty per hour of the week",
                on_duty.per_week,
                on_duty.fitted,
                f"{on_duty.people} ids, {on_duty.sessions} spells of duty (split at "
                f"{on_duty.gap_hours:g} h idle); the {on_duty.summary} over "
                f"{len(on_duty.per_week)} weeks, rounded, is the fitted roster",
            )
        )
    return FitDiagnostics(title, sources, data_report, distributions, profiles, rosters)
