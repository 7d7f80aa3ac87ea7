"""Fit a scenario's demand and times from a force's own CAD and telephony exports.

Plain functions over pandas DataFrames; nothing here imports SimPy. The
command ``demandsim fit`` reads the CSV files, cleans them (:func:`clean_incidents`,
:func:`clean_calls`), fits each part (:func:`fit_lognormal`,
:func:`fit_censored_patience`, :func:`fit_profile`, :func:`fit_grading`,
:func:`fit_handlers_on_duty`) and writes a commented scenario
(:func:`scenario_yaml`). All durations are in seconds.
"""

from __future__ import annotations

import csv
import logging
import math
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
import pandas as pd
import yaml
from pydantic import AfterValidator, Field, ValidationError
from scipy import optimize, stats

from sim.config import (
    HOURS_PER_WEEK,
    Z90,
    FrozenModel,
    InputError,
    problems_from_validation,
    read_yaml_file,
)

log = logging.getLogger(__name__)

GRADES = ("grade1", "grade2", "scheduled", "resolution", "no_deployment")
CHANNELS = ("999", "101")
HOURS_PER_YEAR = 8760.0
#: Longest idle time within one spell of duty (hours): longer means a new shift.
HANDLER_GAP_HOURS = 2.0
#: Response units can sit free for hours at night; a spell ends only after this long (hours).
UNIT_GAP_HOURS = 4.0
Z95 = 1.959963984540054

INCIDENT_COLUMNS = {
    "created": True,
    "priority": True,
    "dispatched": False,
    "arrived": False,
    "cleared": False,
    "area": False,
    "channel": False,
    "call_id": False,
    "unit": False,
}
CALL_COLUMNS = {
    "arrival": True,
    "answered": True,
    "ended": True,
    "channel": True,
    "abandoned": False,
    "handler_id": False,
    "call_id": False,
}


class FitDataError(Exception):
    """Input data the fit cannot use at all (a missing required column, an empty file)."""


# --------------------------------------------------------------------------- bad data


@dataclass
class DataIssue:
    """One kind of bad row in one file: how many, and the first few row numbers.

    Row numbers are 1-based data rows as a spreadsheet shows them (row 2 is the
    first data row under the header).
    """

    source: str
    kind: str
    column: str
    count: int
    examples: list[int]

    def describe(self) -> str:
        """A one-line description for the report."""
        rows = ", ".join(str(r) for r in self.examples)
        label = "row" if len(self.examples) == 1 else "rows"
        return (
            f"{self.source}: {self.count} row(s) {self.kind} ({self.column}); e.g. {label} {rows}"
        )


@dataclass
class Cleaned:
    """A cleaned table, the issues found, and how many rows were read and kept."""

    frame: pd.DataFrame
    issues: list[DataIssue]
    rows_read: int
    source: str = ""

    @property
    def rows_kept(self) -> int:
        """Rows left after excluding bad ones."""
        return len(self.frame)


IncidentColumn = Literal[
    "created", "priority", "dispatched", "arrived", "cleared", "area", "channel", "call_id", "unit"
]
CallColumn = Literal[
    "arrival", "answered", "ended", "channel", "abandoned", "handler_id", "call_id"
]
OurGrade = Literal["grade1", "grade2", "scheduled", "resolution", "no_deployment"]
OurChannel = Literal["999", "101", "online"]
#: A column name or code in the force's export: text, as in the CSV header or cell.
TheirName = Annotated[str, Field(min_length=1, max_length=200)]


def _has_directive(value: str | None) -> str | None:
    if value is not None and "%" not in value:
        raise ValueError(
            "expected strftime codes such as '%d/%m/%Y %H:%M:%S' (leave it out to read "
            "ISO 8601 and most common forms)"
        )
    return value


TimestampFormat = Annotated[str | None, AfterValidator(_has_directive)]


class _MappingSection(FrozenModel):
    timestamp_format: TimestampFormat = Field(
        default=None, description="strftime codes of the file's timestamps; None: guessed"
    )


class IncidentMapping(_MappingSection):
    """How a CAD export's columns, timestamps and priority codes map onto ours."""

    columns: dict[IncidentColumn, TheirName] = Field(
        default_factory=dict, description="our column name: the export's column name"
    )
    priorities: dict[TheirName, OurGrade] = Field(
        default_factory=dict, description="the export's priority code: our grade"
    )
    channels: dict[TheirName, OurChannel] = Field(
        default_factory=dict, description="the export's source code: 999, 101 or online"
    )


class CallMapping(_MappingSection):
    """How a telephony export's columns, timestamps and channel codes map onto ours."""

    columns: dict[CallColumn, TheirName] = Field(
        default_factory=dict, description="our column name: the export's column name"
    )
    channels: dict[TheirName, Literal["999", "101"]] = Field(
        default_factory=dict, description="the export's channel code (queue, DDI): 999 or 101"
    )


class ColumnMappingFile(FrozenModel):
    """A ``--columns`` mapping file: optional ``incidents:`` and ``calls:`` sections."""

    incidents: IncidentMapping = IncidentMapping()
    calls: CallMapping = CallMapping()


def read_mapping(path: str | Path | None) -> ColumnMappingFile:
    """Read and check a ``--columns`` mapping YAML file.

    Each of the optional ``incidents:`` and ``calls:`` sections may give
    ``columns`` (our name: their column), ``timestamp_format`` (``strftime``
    codes), ``channels`` (their code: ``999``, ``101``; incidents also
    ``online``) and, for incidents, ``priorities`` (their code: our grade).

    Raises
    ------
    InputError
        Naming the file and field path of every problem (an unknown key, a
        grade or channel we do not have, a format with no ``%`` codes).
    """
    if path is None:
        mapping = ColumnMappingFile()
    else:
        raw = read_yaml_file(path)
        if raw is None:
            raw = {}
        try:
            mapping = ColumnMappingFile.model_validate(raw)
        except ValidationError as exc:
            raise InputError(problems_from_validation(exc, str(path), raw)) from None
    return mapping


def read_export(path: str | Path) -> tuple[pd.DataFrame, list[DataIssue], int]:
    """Read a CSV export as text, setting aside rows whose field count is wrong.

    Parameters
    ----------
    path
        The CSV file (UTF-8, with or without a byte-order mark; bytes that are
        not UTF-8 are replaced, which at worst makes a timestamp unparseable).

    Returns
    -------
    (frame, issues, rows_read)
        Every well-formed row as text, indexed by its position among the data
        rows (so row numbers in the report match the file); one issue for rows
        with too many or too few fields; how many data rows the file has.

    Raises
    ------
    FitDataError
        If the file cannot be read, is empty, or repeats a column name.
    """
    source = str(path)
    try:
        with open(path, newline="", encoding="utf-8-sig", errors="replace") as handle:
            rows = list(csv.reader(handle))
    except (OSError, csv.Error) as exc:
        raise FitDataError(f"{source}: cannot read the CSV: {exc}") from exc
    if not rows or not any(cell.strip() for cell in rows[0]):
        raise FitDataError(f"{source}: the file is empty; expected a header row of column names")
    header = [cell.strip() for cell in rows[0]]
    repeated = sorted({name for name in header if header.count(name) > 1})
    if repeated:
        raise FitDataError(
            f"{source}: column name(s) {', '.join(map(repr, repeated))} appear more than once; "
            "expected each column once"
        )
    body = rows[1:]
    # A trailing blank line is not a row.
    while body and not any(cell.strip() for cell in body[-1]):
        body.pop()
    width = len(header)
    good = [i for i, row in enumerate(body) if len(row) == width]
    issues: list[DataIssue] = []
    if len(good) < len(body):
        ragged = pd.Series([len(row) != width for row in body])
        _issue(
            source,
            f"with a number of fields other than the header's {width}",
            "fields",
            ragged,
            issues,
        )
    frame = pd.DataFrame([body[i] for i in good], columns=header, index=good, dtype="string")
    return frame.fillna(""), issues, len(body)


def _rename(
    raw: pd.DataFrame,
    spec: dict[str, bool],
    mapping: IncidentMapping | CallMapping,
    source: str,
) -> pd.DataFrame:
    frame = pd.DataFrame(index=raw.index)
    required_missing, mapped_missing = [], []
    for ours, required in spec.items():
        theirs = mapping.columns.get(ours, ours)
        shown = f"'{theirs}'" + (f" (for {ours})" if theirs != ours else "")
        if theirs in raw.columns:
            frame[ours] = raw[theirs]
        elif required:
            required_missing.append(shown)
        elif ours in mapping.columns:
            # An optional column the mapping names explicitly is expected to be there.
            mapped_missing.append(shown)
    parts = []
    if required_missing:
        parts.append(f"missing required column(s) {', '.join(required_missing)}")
    if mapped_missing:
        parts.append(f"missing column(s) named in --columns {', '.join(mapped_missing)}")
    if parts:
        raise FitDataError(
            f"{source}: {'; '.join(parts)}; found {', '.join(map(str, raw.columns))}. "
            "Map your own names with --columns."
        )
    return frame


def _issue(source: str, kind: str, column: str, mask: pd.Series, issues: list[DataIssue]) -> None:
    if mask.any():
        rows = [int(i) + 2 for i in mask[mask].index[:5]]
        issues.append(DataIssue(source, kind, column, int(mask.sum()), rows))


def _times(
    frame: pd.DataFrame, columns: list[str], fmt: str | None, source: str, issues: list[DataIssue]
) -> pd.Series:
    """Parse timestamp columns in place; return the mask of rows with an unparseable one."""
    bad = pd.Series(False, index=frame.index)
    for column in columns:
        if column not in frame:
            continue
        text = frame[column].astype("string").str.strip()
        blank = text.isna() | (text == "")
        parsed = pd.to_datetime(text, format=fmt if fmt else "mixed", errors="coerce")
        unparseable = parsed.isna() & ~blank
        _issue(source, "with an unparseable timestamp", column, unparseable, issues)
        bad |= unparseable
        frame[column] = parsed
    return bad


def _out_of_order(
    frame: pd.DataFrame, pairs: list[tuple[str, str]], source: str, issues: list[DataIssue]
) -> pd.Series:
    bad = pd.Series(False, index=frame.index)
    for first, then in pairs:
        if first in frame and then in frame:
            mask = (frame[then] < frame[first]).fillna(False).astype(bool)
            _issue(source, "with times out of order", f"{then} before {first}", mask, issues)
            bad |= mask
    return bad


def clean_incidents(
    raw: pd.DataFrame, mapping: IncidentMapping, source: str = "incidents"
) -> Cleaned:
    """Rename, parse and check a CAD incident export.

    Parameters
    ----------
    raw
        The export as read, one row per incident.
    mapping
        Column names, timestamp format and priority codes.
    source
        File name for messages.

    Returns
    -------
    Cleaned
        Columns ``created, dispatched, arrived, cleared`` (timestamps), ``grade``,
        ``area``, ``channel``; rows with unparseable timestamps, times out of
        order or unknown priority codes excluded and counted.
    """
    frame = _rename(raw, INCIDENT_COLUMNS, mapping, source)
    issues: list[DataIssue] = []
    stamps = ["created", "dispatched", "arrived", "cleared"]
    bad = _times(frame, stamps, mapping.timestamp_format, source, issues)
    missing_created = frame["created"].isna() & ~bad
    _issue(source, "with no created time", "created", missing_created, issues)
    bad |= missing_created
    bad |= _out_of_order(
        frame,
        [("created", "dispatched"), ("dispatched", "arrived"), ("arrived", "cleared")],
        source,
        issues,
    )
    codes = frame["priority"].astype("string").str.strip()
    known = {g: g for g in GRADES} | mapping.priorities
    frame["grade"] = codes.map(lambda c: known.get(c) if isinstance(c, str) else None)
    unknown = frame["grade"].isna()
    _issue(source, "with an unknown priority code", "priority", unknown, issues)
    bad |= unknown
    if "area" in frame:
        frame["area"] = frame["area"].astype("string").str.strip().str.lower()
    if "channel" in frame:
        frame["channel"] = _channel_codes(frame["channel"], mapping)
        unknown_channel = frame["channel"].isna()
        _issue(source, "with no or an unknown channel code", "channel", unknown_channel, issues)
        bad |= unknown_channel
    kept = frame[~bad].drop(columns=["priority"])
    return Cleaned(kept.reset_index(drop=True), issues, len(raw), source)


def _channel_codes(column: pd.Series, mapping: IncidentMapping | CallMapping) -> pd.Series:
    text = column.astype("string").str.strip()
    known = {c: c for c in (*CHANNELS, "online")} | mapping.channels
    return text.map(lambda c: known.get(c) if isinstance(c, str) else None)


def clean_calls(raw: pd.DataFrame, mapping: CallMapping, source: str = "calls") -> Cleaned:
    """Rename, parse and check a telephony export (one row per call).

    Returns
    -------
    Cleaned
        Columns ``arrival, answered, abandoned, ended`` (timestamps), ``channel``
        (``999`` or ``101``), ``handler_id`` where given, plus ``wait_s`` (arrival
        to answer or abandonment, s), ``handling_s`` (answered to ended, s) and
        ``answered_flag``.
    """
    frame = _rename(raw, CALL_COLUMNS, mapping, source)
    issues: list[DataIssue] = []
    stamps = ["arrival", "answered", "abandoned", "ended"]
    bad = _times(frame, stamps, mapping.timestamp_format, source, issues)
    missing = frame["arrival"].isna() & ~bad
    _issue(source, "with no arrival time", "arrival", missing, issues)
    bad |= missing
    bad |= _out_of_order(
        frame,
        [("arrival", "answered"), ("answered", "ended"), ("arrival", "abandoned")],
        source,
        issues,
    )
    frame["channel"] = _channel_codes(frame["channel"], mapping)
    unknown = frame["channel"].isna() | (frame["channel"] == "online")
    _issue(source, "with no or an unknown channel code", "channel", unknown, issues)
    bad |= unknown
    frame = frame[~bad].copy()
    frame["answered_flag"] = frame["answered"].notna()
    gave_up = frame["abandoned"] if "abandoned" in frame else frame["ended"]
    end_of_wait = frame["answered"].where(frame["answered_flag"], gave_up)
    no_end = end_of_wait.isna()
    if no_end.any():
        _issue(source, "abandoned with no abandoned or ended time", "abandoned", no_end, issues)
        frame = frame[~no_end]
        end_of_wait = end_of_wait[~no_end]
    frame["wait_s"] = (end_of_wait - frame["arrival"]).dt.total_seconds()
    frame["handling_s"] = (frame["ended"] - frame["answered"]).dt.total_seconds()
    return Cleaned(frame.reset_index(drop=True), issues, len(raw), source)


def read_incidents(path: str | Path, mapping: IncidentMapping) -> Cleaned:
    """Read and clean a CAD incident export (:func:`read_export`, :func:`clean_incidents`)."""
    raw, issues, rows = read_export(path)
    cleaned = clean_incidents(raw, mapping, source=str(path))
    return Cleaned(cleaned.frame, issues + cleaned.issues, rows, cleaned.source)


def read_calls(path: str | Path, mapping: CallMapping) -> Cleaned:
    """Read and clean a telephony export (:func:`read_export`, :func:`clean_calls`)."""
    raw, issues, rows = read_export(path)
    cleaned = clean_calls(raw, mapping, source=str(path))
    return Cleaned(cleaned.frame, issues + cleaned.issues, rows, cleaned.source)


# --------------------------------------------------------------------------- fits


@dataclass(frozen=True)
class LognormalFit:
    """A lognormal fitted by maximum likelihood.

    ``mu`` and ``sigma`` are of log seconds; ``*_ci`` are 95% intervals;
    ``ks`` is the Kolmogorov-Smirnov distance between the fitted and the
    empirical distribution (0 is a perfect fit).
    """

    mu: float
    sigma: float
    n: int
    mu_ci: tuple[float, float]
    sigma_ci: tuple[float, float]
    ks: float

    @property
    def median_s(self) -> float:
        """Median in seconds."""
        return math.exp(self.mu)

    @property
    def p90_s(self) -> float:
        """90th percentile in seconds."""
        return math.exp(self.mu + Z90 * self.sigma)

    def config(self) -> dict[str, Any]:
        """The scenario form: ``{distribution: lognormal, median_s, p90_s}``."""
        return {
            "distribution": "lognormal",
            "median_s": round(self.median_s, 2),
            "p90_s": round(max(self.p90_s, self.median_s * 1.0001), 2),
        }

    def note(self) -> str:
        """Comment text: sample size, fitted median and p90 with CI, KS distance."""
        lo, hi = (math.exp(m) for m in self.mu_ci)
        return (
            f"n={self.n}; median 95% CI {lo:.0f}-{hi:.0f} s; sigma {self.sigma:.3f}; "
            f"KS D={self.ks:.3f}"
        )


def fit_lognormal(values_s: np.ndarray | pd.Series) -> LognormalFit | None:
    """Fit a lognormal to positive durations by maximum likelihood.

    Parameters
    ----------
    values_s
        Durations in seconds; non-positive and missing values are ignored.

    Returns
    -------
    LognormalFit or None
        None with fewer than 3 positive values.
    """
    x = np.asarray(values_s, dtype=float)
    x = x[np.isfinite(x) & (x > 0)]
    n = len(x)
    if n < 3:
        return None
    logs = np.log(x)
    mu = float(logs.mean())
    sigma = float(logs.std(ddof=0))
    sigma = max(sigma, 1e-6)
    half = Z95 * sigma / math.sqrt(n)
    s2 = sigma**2 * n
    sigma_ci = (
        math.sqrt(s2 / stats.chi2.ppf(0.975, n - 1)),
        math.sqrt(s2 / stats.chi2.ppf(0.025, n - 1)),
    )
    ks = float(stats.kstest(logs, "norm", args=(mu, sigma)).statistic)
    return LognormalFit(mu, sigma, n, (mu - half, mu + half), sigma_ci, ks)


@dataclass(frozen=True)
class PatienceFit:
    """Caller patience fitted from censored waits.

    ``distribution`` is ``exponential`` (``mean_s``) or ``lognormal`` (``mu``,
    ``sigma`` of log seconds), chosen by AIC; ``events`` abandoned calls and
    ``censored`` answered ones. ``km_gap`` is the largest gap between the
    fitted survival curve and the Kaplan-Meier estimate.
    """

    distribution: str
    events: int
    censored: int
    mean_s: float | None = None
    mean_ci: tuple[float, float] | None = None
    mu: float | None = None
    sigma: float | None = None
    mu_ci: tuple[float, float] | None = None
    sigma_ci: tuple[float, float] | None = None
    km_gap: float = float("nan")
    aic: dict[str, float] = field(default_factory=dict)

    def config(self) -> dict[str, Any]:
        """The scenario form of the fitted distribution."""
        if self.distribution == "exponential":
            assert self.mean_s is not None
            return {"distribution": "exponential", "mean_s": round(self.mean_s, 2)}
        assert self.mu is not None and self.sigma is not None
        median = math.exp(self.mu)
        return {
            "distribution": "lognormal",
            "median_s": round(median, 2),
            "p90_s": round(max(math.exp(self.mu + Z90 * self.sigma), median * 1.0001), 2),
        }

    def survival(self, t_s: np.ndarray) -> np.ndarray:
        """Fitted probability that patience exceeds ``t_s`` seconds."""
        t = np.asarray(t_s, dtype=float)
        if self.distribution == "exponential":
            assert self.mean_s is not None
            return np.exp(-t / self.mean_s)
        assert self.mu is not None and self.sigma is not None
        with np.errstate(divide="ignore"):
            return stats.norm.sf((np.log(t) - self.mu) / self.sigma)

    def note(self) -> str:
        """Comment text: events, censored, CI, KM gap."""
        if self.distribution == "exponential":
            assert self.mean_ci is not None
            ci = f"mean 95% CI {self.mean_ci[0]:.0f}-{self.mean_ci[1]:.0f} s"
        else:
            assert self.mu_ci is not None
            ci = f"median 95% CI {math.exp(self.mu_ci[0]):.0f}-{math.exp(self.mu_ci[1]):.0f} s"
        return (
            f"censored MLE: {self.events} abandoned, {self.censored} answered (censored); "
            f"{ci}; max |fit - Kaplan-Meier| {self.km_gap:.3f}"
        )


def kaplan_meier(times_s: np.ndarray, event: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Kaplan-Meier survival estimate.

    Parameters
    ----------
    times_s
        Wait of each call (s): patience if ``event``, else a lower bound.
    event
        True where the caller abandoned (patience observed).

    Returns
    -------
    (times, survival)
        Distinct event times (s) and the survival just after each.
    """
    t = np.asarray(times_s, dtype=float)
    e = np.asarray(event, dtype=bool)
    order = np.argsort(t, kind="stable")
    t, e = t[order], e[order]
    distinct, first = np.unique(t, return_index=True)
    at_risk = len(t) - first
    deaths = np.add.reduceat(e.astype(int), first)
    keep = deaths > 0
    surv = np.cumprod(1 - deaths[keep] / at_risk[keep])
    return distinct[keep], surv


def _numeric_se(nll: Any, theta: np.ndarray) -> np.ndarray:
    """Standard errors from a finite-difference Hessian of a negative log-likelihood."""
    k = len(theta)
    h = 1e-4 * np.maximum(1.0, np.abs(theta))
    hess = np.zeros((k, k))
    for i in range(k):
        for j in range(k):
            ei = np.eye(k)[i] * h[i]
            ej = np.eye(k)[j] * h[j]
            hess[i, j] = (
                nll(theta + ei + ej)
                - nll(theta + ei - ej)
                - nll(theta - ei + ej)
                + nll(theta - ei - ej)
            ) / (4 * h[i] * h[j])
    return np.sqrt(np.diag(np.linalg.inv(hess)))


def fit_censored_patience(wait_s: np.ndarray, abandoned: np.ndarray) -> PatienceFit | None:
    """Fit patience from waits where an answered call is right-censored.

    An abandoned call's wait is its patience; an answered call's wait is only a
    lower bound (patience exceeded it). Exponential and lognormal are fitted by
    censored maximum likelihood and the lower AIC is kept.

    Parameters
    ----------
    wait_s
        Arrival to answer or abandonment, seconds.
    abandoned
        True where the caller hung up before an answer.

    Returns
    -------
    PatienceFit or None
        None with fewer than 5 abandoned calls (patience is not identifiable).
    """
    t = np.asarray(wait_s, dtype=float)
    e = np.asarray(abandoned, dtype=bool)
    ok = np.isfinite(t) & (t >= 0)
    t, e = t[ok], e[ok]
    d = int(e.sum())
    if d < 5:
        return None
    # An abandonment at zero wait carries no information about a continuous patience.
    t_events = np.maximum(t[e], 1e-3)
    t_cens = t[~e & (t > 0)]
    exposure = float(t_events.sum() + t_cens.sum())
    mean = exposure / d
    ll_exp = -d * math.log(mean) - exposure / mean
    mean_ci = (mean * math.exp(-Z95 / math.sqrt(d)), mean * math.exp(Z95 / math.sqrt(d)))
    log_e, log_c = np.log(t_events), np.log(t_cens)

    def nll(theta: np.ndarray) -> float:
        mu, log_sigma = theta
        sigma = math.exp(log_sigma)
        z_e = (log_e - mu) / sigma
        z_c = (log_c - mu) / sigma
        return -float(
            np.sum(stats.norm.logpdf(z_e) - math.log(sigma) - log_e) + np.sum(stats.norm.logsf(z_c))
        )

    start = np.array([math.log(mean), 0.0])
    result = optimize.minimize(
        nll, start, method="Nelder-Mead", options={"xatol": 1e-7, "fatol": 1e-9}
    )
    mu, log_sigma = (float(v) for v in result.x)
    sigma = math.exp(log_sigma)
    try:
        se_mu, se_ls = _numeric_se(nll, result.x)
    except np.linalg.LinAlgError:
        se_mu, se_ls = float("nan"), float("nan")
    aic = {"exponential": 2 - 2 * ll_exp, "lognormal": 4 + 2 * float(result.fun)}
    km_t, km_s = kaplan_meier(t, e)
    common: dict[str, Any] = {
        "events": d,
        "censored": int((~e).sum()),
        "mean_s": mean,
        "mean_ci": mean_ci,
        "mu": mu,
        "sigma": sigma,
        "mu_ci": (mu - Z95 * se_mu, mu + Z95 * se_mu),
        "sigma_ci": (sigma * math.exp(-Z95 * se_ls), sigma * math.exp(Z95 * se_ls)),
        "aic": aic,
    }
    best = min(aic, key=aic.__getitem__)
    fit = PatienceFit(distribution=best, **common)
    gap = float(np.max(np.abs(fit.survival(km_t) - km_s))) if len(km_t) else float("nan")
    return PatienceFit(distribution=best, km_gap=gap, **common)


@dataclass(frozen=True)
class ProfileFit:
    """Annual volume and hour-of-week profile of one channel.

    ``weights`` are 168 relative rates (Monday 00:00 first, mean 1); ``weeks``
    is how many weeks of data they rest on; ``dispersion`` is Pearson's
    chi-square per degree of freedom of each week's hourly counts about the
    fitted rates (about 1 for Poisson arrivals; above 1, busier and quieter
    weeks than Poisson); ``day_cv`` is the day-to-day busyness beyond Poisson
    (the coefficient of variation of a day's factor, method of moments over
    ``days`` whole days; 0 when days vary no more than Poisson).
    """

    volume_per_year: float
    volume_ci: tuple[float, float]
    count: int
    weeks: float
    weights: np.ndarray
    raw_rate_per_hour: np.ndarray
    smoothed: bool
    dispersion: float
    day_cv: float = 0.0
    days: int = 0

    @property
    def rate_per_hour(self) -> np.ndarray:
        """The 168 fitted arrivals per hour the scenario generates (calls per hour)."""
        return self.weights * self.volume_per_year / HOURS_PER_YEAR


def fit_profile(
    times: pd.Series, start: pd.Timestamp, end: pd.Timestamp, prior_weeks: float = 2.0
) -> ProfileFit:
    """Fit the annual volume and hour-of-week profile of arrivals.

    Each of the 168 hours of the week gets its own rate (count / hours
    observed). Where the data are thin, rates are shrunk towards a separable
    day x hour shape (gamma-Poisson: ``prior_weeks`` weeks' worth of the
    separable rate is added), which matters only with a few weeks of data.

    Parameters
    ----------
    times
        Arrival timestamps.
    start, end
        The observed period (end exclusive).
    prior_weeks
        Weight of the smoothing prior, in weeks.
    """
    hours = pd.date_range(start.floor("h"), end.ceil("h"), freq="h", inclusive="left")
    hour_slot = np.asarray(hours.day_of_week * 24 + hours.hour)
    exposure = np.bincount(hour_slot, minlength=HOURS_PER_WEEK).astype(float)
    slot = (times.dt.day_of_week * 24 + times.dt.hour).to_numpy()
    counts = np.bincount(slot, minlength=HOURS_PER_WEEK).astype(float)
    span_h = (end - start).total_seconds() / 3600.0
    n = int(counts.sum())
    raw = np.divide(counts, exposure, out=np.zeros(HOURS_PER_WEEK), where=exposure > 0)
    grid = raw.reshape(7, 24)
    day = grid.mean(axis=1)
    hour = grid.mean(axis=0)
    overall = grid.mean()
    separable = (np.outer(day, hour) / overall).ravel() if overall > 0 else np.ones(HOURS_PER_WEEK)
    smoothed = (counts + prior_weeks * separable) / (exposure + prior_weeks)
    # Each calendar hour's count against its fitted rate: repeated weeks are the
    # replication that makes this a test (the rates came from their sums).
    per_hour = times.dt.floor("h").value_counts().reindex(hours, fill_value=0).to_numpy(dtype=float)
    expected = smoothed[hour_slot]
    seen = expected > 0
    df = max(int(seen.sum()) - int((exposure > 0).sum()), 1)
    dispersion = float(np.sum((per_hour[seen] - expected[seen]) ** 2 / expected[seen]) / df)
    day_cv, days = _day_to_day_cv(per_hour, expected, hours)
    per_year = n / span_h * HOURS_PER_YEAR
    half = Z95 * math.sqrt(max(n, 1)) / span_h * HOURS_PER_YEAR
    weights = smoothed / smoothed.mean() if smoothed.mean() > 0 else np.ones(HOURS_PER_WEEK)
    return ProfileFit(
        per_year,
        (per_year - half, per_year + half),
        n,
        span_h / 168.0,
        weights,
        raw,
        bool(prior_weeks > 0),
        dispersion,
        day_cv,
        days,
    )


def _day_to_day_cv(
    per_hour: np.ndarray, expected: np.ndarray, hours: pd.DatetimeIndex
) -> tuple[float, int]:
    """Day factor CV beyond Poisson: Var(N/E) = 1/E + cv^2 for a day's count N of mean E."""
    if len(hours) == 0:
        return 0.0, 0
    day = np.asarray((hours - hours[0]).days)
    observed = np.bincount(day, weights=per_hour)
    mean = np.bincount(day, weights=expected)
    whole = (np.bincount(day) == 24) & (mean > 0)
    weekday = np.asarray(hours[::24].day_of_week)[: len(whole)]
    # Each weekday's rates were fitted from its own W days, which absorbs 1/W of
    # every day's deviation: scale the squared deviations back up by W/(W-1).
    same_weekday = np.bincount(weekday[whole], minlength=7)[weekday]
    whole &= same_weekday >= 2
    if whole.sum() < 7:
        return 0.0, int(whole.sum())
    ratio = observed[whole] / mean[whole]
    w = same_weekday[whole]
    excess = float(np.mean((ratio - 1.0) ** 2 * w / (w - 1) - 1.0 / mean[whole]))
    return (math.sqrt(excess) if excess > 0 else 0.0), int(whole.sum())


def fit_grading(incidents: pd.DataFrame, handled: Mapping[str, int]) -> dict[str, dict[str, Any]]:
    """Share of handled calls becoming each grade of incident, per channel.

    Parameters
    ----------
    incidents
        Cleaned incidents with ``grade`` and ``channel`` columns.
    handled
        Answered calls per channel. Where a channel's count is missing, the
        channel's incidents themselves are the base (every call made one). For
        ``online`` the base is always the online incidents: a report that made
        no incident is not in a CAD export.

    Returns
    -------
    dict
        ``{channel: {"shares": {grade: share}, "n": base, "ci": {grade: (lo, hi)}}}``
        with Wilson 95% intervals.
    """
    out: dict[str, dict[str, Any]] = {}
    by_channel = incidents.groupby("channel", observed=True)["grade"].value_counts()
    for channel in (*CHANNELS, "online"):
        if channel not in by_channel.index.get_level_values(0):
            continue
        counts = by_channel.loc[channel]
        base = int(handled.get(channel) or counts.sum())
        base = max(base, int(counts.sum()))
        shares, cis = {}, {}
        for grade in GRADES:
            k = int(counts.get(grade, 0))
            p = k / base
            denom = 1 + Z95**2 / base
            centre = (p + Z95**2 / (2 * base)) / denom
            half = Z95 * math.sqrt(p * (1 - p) / base + Z95**2 / (4 * base**2)) / denom
            shares[grade] = p
            cis[grade] = (centre - half, centre + half)
        out[channel] = {"shares": shares, "n": base, "ci": cis}
    return out


@dataclass(frozen=True)
class OnDutyFit:
    """Staff on duty per hour of the week, estimated from who was seen working.

    ``per_week`` has one row per calendar week (Monday first) and 168 columns:
    the mean number on duty in that hour (NaN outside the data). ``fitted`` is
    the whole number per hour of the week written to the roster. ``people`` is
    how many distinct ids were seen, ``sessions`` how many spells of duty.
    """

    per_week: np.ndarray
    fitted: np.ndarray
    people: int
    sessions: int
    gap_hours: float
    summary: str


def _sessions(
    ids: np.ndarray, busy_from: np.ndarray, busy_to: np.ndarray, gap_s: float
) -> tuple[np.ndarray, np.ndarray]:
    """Spells of duty per id: activity with no gap longer than ``gap_s`` between jobs."""
    order = np.lexsort((busy_from, ids))
    ids, busy_from, busy_to = ids[order], busy_from[order], busy_to[order]
    # Running latest end of the id's jobs so far (a short job inside a long one).
    frame = pd.DataFrame({"id": ids, "to": busy_to})
    latest_to = frame.groupby("id", sort=False)["to"].cummax().to_numpy()
    new_id = np.r_[True, ids[1:] != ids[:-1]]
    gap = np.r_[np.inf, busy_from[1:] - latest_to[:-1]]
    first = new_id | (gap > gap_s)
    label = np.cumsum(first) - 1
    starts = busy_from[first]
    ends = np.maximum.reduceat(busy_to, np.flatnonzero(first))
    assert len(starts) == label[-1] + 1
    return starts, ends


def fit_on_duty(
    ids: pd.Series,
    busy_from: pd.Series,
    busy_to: pd.Series,
    start: pd.Timestamp,
    end: pd.Timestamp,
    gap_hours: float,
    summary: Literal["median", "max"] = "median",
) -> OnDutyFit | None:
    """Staff on duty per hour of the week from the jobs each person (or unit) did.

    A person is on duty from their first job to their last in a spell of
    work; a spell ends where they did nothing for more than ``gap_hours``
    (between shifts). The mean number on duty in each hour of each week is
    then summarised over the weeks observed.

    Parameters
    ----------
    ids
        Handler or unit id of each job.
    busy_from, busy_to
        When each job started and ended (timestamps): answer to end of call,
        or dispatch to clearing.
    start, end
        The observed period (end exclusive).
    gap_hours
        Longest idle time, in hours, within one spell of duty.
    summary
        ``median`` (a typical week) or ``max`` (the most seen in any week:
        use where idle staff are easily missed, as with response units that
        can sit idle for hours).

    Returns
    -------
    OnDutyFit or None
        None when no job has an id and both times.
    """
    ok = ids.notna() & busy_from.notna() & busy_to.notna()
    ok &= ids.astype("string").str.strip().fillna("") != ""
    if not ok.any():
        return None
    origin = start.floor("D") - pd.Timedelta(days=int(start.floor("D").day_of_week))
    seconds_from = (busy_from[ok] - origin).dt.total_seconds().to_numpy()
    seconds_to = (busy_to[ok] - origin).dt.total_seconds().to_numpy()
    codes, people = pd.factorize(ids[ok].astype("string").str.strip())
    on, off = _sessions(codes, seconds_from, seconds_to, gap_hours * 3600.0)
    # Person-seconds on duty up to each event, exact for a step function.
    times = np.r_[on, off]
    order = np.argsort(times, kind="stable")
    times = times[order]
    level = np.cumsum(np.r_[np.ones(len(on)), -np.ones(len(off))][order])
    integral = np.r_[0.0, np.cumsum(level[:-1] * np.diff(times))]
    first_hour = math.floor((start - origin).total_seconds() / 3600.0)
    last_hour = math.ceil((end - origin).total_seconds() / 3600.0)
    edges = np.arange(first_hour, last_hour + 1) * 3600.0
    covered = np.interp(edges, times, integral, left=0.0, right=integral[-1])
    mean_on_duty = np.diff(covered) / 3600.0
    hour = np.arange(first_hour, last_hour)
    weeks = int(hour[-1] // HOURS_PER_WEEK) + 1
    per_week = np.full((weeks, HOURS_PER_WEEK), np.nan)
    per_week[hour // HOURS_PER_WEEK, hour % HOURS_PER_WEEK] = mean_on_duty
    with warnings.catch_warnings():
        # An hour of the week no week covers is all-NaN: it stays NaN, then 0.
        warnings.simplefilter("ignore", RuntimeWarning)
        summarise = np.nanmedian if summary == "median" else np.nanmax
        summarised = summarise(per_week, axis=0)
    fitted = np.floor(np.nan_to_num(summarised, nan=0.0) + 0.5).astype(int)
    return OnDutyFit(per_week, fitted, len(people), len(on), gap_hours, summary)


# --------------------------------------------------------------------------- diagnostics


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


# --------------------------------------------------------------------------- scenario


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


def _whole_days(times: pd.Series) -> tuple[pd.Timestamp, pd.Timestamp]:
    """The whole days the data cover: midnight before the first to midnight after the last."""
    return times.min().floor("D"), times.max().floor("D") + pd.Timedelta(days=1)


def _online_section(
    online: pd.DataFrame,
    grading: dict[str, Any],
    start: pd.Timestamp,
    end: pd.Timestamp,
    fits: dict[str, Any],
    comments: dict[tuple[str, ...], str],
    fpath: tuple[str, ...],
) -> dict[str, Any]:
    """The ``online:`` channel from incidents whose source is an online report."""
    path = (*fpath, "online")
    prof = fit_profile(online["created"], start, end)
    fits["profile/online"] = prof
    shares = {k: round(v, 4) for k, v in grading["shares"].items() if v > 0}
    comments[(*path, "volume_per_year")] = (
        f"n={prof.count} online incidents over {prof.weeks:.1f} weeks; 95% CI "
        f"{prof.volume_ci[0]:,.0f}-{prof.volume_ci[1]:,.0f}; reports that made no "
        "incident are not in a CAD export, so volume and grading count incidents only"
    )
    comments[(*path, "profile")] = (
        f"of incident creation (after any desk review) over {prof.weeks:.1f} weeks; "
        f"hourly counts about it chi-square/df {prof.dispersion:.2f} (1 for Poisson)"
    )
    comments[(*path, "grading")] = f"share of {grading['n']} online incidents; " + ", ".join(
        f"{k} {grading['ci'][k][0]:.3f}-{grading['ci'][k][1]:.3f}" for k in shares
    )
    comments[(*path, "overdispersion_cv")] = (
        f"day-to-day busyness beyond Poisson over {prof.days} whole days"
    )
    return {
        "volume_per_year": round(prof.volume_per_year),
        "profile": {"hour_of_week": [round(float(w), 3) for w in prof.weights]},
        "overdispersion_cv": round(prof.day_cv, 3),
        "grading": shares,
    }


def _units_for(rate_per_h: float, busy_s: float, utilisation: float = 0.65) -> int:
    return max(1, math.ceil(rate_per_h * busy_s / 3600.0 / utilisation))


def build_scenario(
    incidents: Cleaned, calls: Cleaned | None, name: str = "fitted", force_id: str = "fitted"
) -> FitResult:
    """Fit every part and assemble a scenario dict with comments.

    Parameters
    ----------
    incidents
        Cleaned CAD incidents (:func:`clean_incidents`).
    calls
        Cleaned telephony calls (:func:`clean_calls`), or None.
    name, force_id
        Scenario name and force id.

    Returns
    -------
    FitResult
        ``scenario`` passes :func:`sim.config.scenario_from_dict`.
    """
    inc = incidents.frame
    if inc.empty:
        found = (
            "; ".join(issue.describe() for issue in incidents.issues) or "the file has no data rows"
        )
        raise FitDataError(
            f"{incidents.source}: no usable incident rows after excluding bad ones: {found}"
        )
    comments: dict[tuple[str, ...], str] = {}
    fits: dict[str, Any] = {}
    samples: dict[str, Any] = {}
    force: dict[str, Any] = {"name": "Fitted from the force's own data", "channels": {}}
    fpath = ("forces", force_id)
    handled: dict[str, int] = {}
    if "channel" not in inc:
        inc = inc.assign(channel="999")
        comments[(*fpath, "channels")] = (
            "no channel column in the incidents: all incidents counted as 999"
        )
    if calls is not None and not calls.frame.empty:
        c = calls.frame
        start, end = _whole_days(c["arrival"])
        for channel, group in c.groupby("channel", observed=True):
            handled[str(channel)] = int(group["answered_flag"].sum())
    else:
        c = None
        start, end = _whole_days(inc["created"])
    grading = fit_grading(inc, handled)
    fits["grading"] = grading
    for channel in CHANNELS:
        path = (*fpath, "channels", channel)
        if c is not None:
            group = c[c["channel"] == channel]
        else:
            group = inc[inc["channel"] == channel].rename(columns={"created": "arrival"})
        if group.empty:
            continue
        prof = fit_profile(group["arrival"], start, end)
        fits[f"profile/{channel}"] = prof
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
        )
        entry["overdispersion_cv"] = round(prof.day_cv, 3)
        comments[(*path, "overdispersion_cv")] = (
            f"day-to-day busyness beyond Poisson over {prof.days} whole days "
            "(method of moments; 0: no more than Poisson)"
        )
        if c is not None:
            waits = (group["wait_s"].to_numpy(), ~group["answered_flag"].to_numpy())
            patience = fit_censored_patience(*waits)
            fits[f"patience/{channel}"] = patience
            samples[f"patience/{channel}"] = waits
            if patience is not None:
                entry["patience"] = patience.config()
                comments[(*path, "patience")] = patience.note()
            else:
                comments[(*path, "volume_per_year")] += (
                    "; fewer than 5 abandoned calls: no patience fitted (no one abandons)"
                )
            handled_s = group.loc[group["answered_flag"], "handling_s"].to_numpy()
            handling = fit_lognormal(handled_s)
            fits[f"handling/{channel}"] = handling
            samples[f"handling/{channel}"] = handled_s
        else:
            handling = None
        if handling is not None:
            entry["handling"] = handling.config()
            comments[(*path, "handling")] = handling.note()
        else:
            entry["handling"] = {"distribution": "exponential", "mean_s": 300}
            comments[(*path, "handling")] = "ASSUMED, not fitted: no telephony export"
        entry["wrap_up"] = {"distribution": "constant", "value_s": 0}
        comments[(*path, "wrap_up")] = (
            "inside handling: the export's ended time is read as the handler free again; "
            "if yours is the end of talk, set after-call work here"
        )
        g = grading.get(channel)
        if g is not None:
            entry["grading"] = {k: round(v, 4) for k, v in g["shares"].items() if v > 0}
            ci = g["ci"]
            comments[(*path, "grading")] = f"share of {g['n']} handled calls; " + ", ".join(
                f"{k} {ci[k][0]:.3f}-{ci[k][1]:.3f}" for k in entry["grading"]
            )
        force["channels"][channel] = entry
    if not force["channels"]:
        raise FitDataError("no calls or incidents on channel 999 or 101 to fit")
    online = inc[inc["channel"] == "online"]
    if not online.empty:
        force["online"] = _online_section(
            online, grading["online"], start, end, fits, comments, fpath
        )

    deployed = inc[inc["grade"].isin(["grade1", "grade2"])]
    hours = max((end - start).total_seconds() / 3600.0, 1.0)
    on_scene_fits: dict[str, LognormalFit | None] = {}
    if {"arrived", "cleared"} <= set(inc.columns):
        for grade in ("grade1", "grade2", "scheduled"):
            rows = inc[inc["grade"] == grade]
            scene_s = (rows["cleared"] - rows["arrived"]).dt.total_seconds().to_numpy()
            on_scene_fits[grade] = fit_lognormal(scene_s)
            samples[f"on_scene/{grade}"] = scene_s
    fits["on_scene"] = on_scene_fits
    if not deployed.empty and "area" in inc:
        areas: dict[str, Any] = {}
        counts = deployed["area"].value_counts()
        total = int(counts.sum())
        mean_scene = np.mean(
            [f.median_s for f in on_scene_fits.values() if f is not None] or [2400.0]
        )
        for area_id, k in counts.items():
            apath = (*fpath, "areas", str(area_id))
            rows = deployed[deployed["area"] == area_id]
            travel = None
            if {"dispatched", "arrived"} <= set(inc.columns):
                travel_s = (rows["arrived"] - rows["dispatched"]).dt.total_seconds().to_numpy()
                travel = fit_lognormal(travel_s)
                samples[f"travel/{area_id}"] = travel_s
            fits[f"travel/{area_id}"] = travel
            area: dict[str, Any] = {
                "kind": "rural" if "rural" in str(area_id) else "urban",
                "share": round(k / total, 6),
            }
            comments[(*apath, "kind")] = "ASSUMED from the area name: set urban or rural"
            comments[(*apath, "share")] = f"{k} of {total} grade 1 and 2 incidents"
            if travel is not None:
                area["travel"] = travel.config()
                comments[(*apath, "travel")] = "dispatched to arrived; " + travel.note()
                busy = travel.median_s * 2 + mean_scene
            else:
                area["travel"] = {"distribution": "exponential", "mean_s": 600}
                comments[(*apath, "travel")] = "ASSUMED, not fitted: no dispatched/arrived times"
                busy = 1200 + mean_scene
            units = None
            if {"unit", "dispatched", "cleared"} <= set(inc.columns):
                units = fit_on_duty(
                    rows["unit"],
                    rows["dispatched"],
                    rows["cleared"],
                    start,
                    end,
                    gap_hours=UNIT_GAP_HOURS,
                    summary="max",
                )
            fits[f"units/{area_id}"] = units
            if units is not None and units.fitted.sum() > 0:
                area["units"] = {"staff": [int(v) for v in units.fitted], "allow_gaps": True}
                comments[(*apath, "units")] = (
                    f"fitted from {units.people} unit ids on grade 1 and 2 jobs: on duty from "
                    f"first dispatch to last clear of each spell (split at {UNIT_GAP_HOURS:g} h "
                    f"idle), most seen in any of {len(units.per_week)} weeks per hour of the "
                    "week; a unit free all spell is not seen, so this is a lower bound"
                )
            else:
                area["units"] = {"staff": _units_for(k / hours, busy)}
                comments[(*apath, "units")] = (
                    "ASSUMED, not fitted (no unit ids): sized for about 65% utilisation"
                )
            areas[str(area_id)] = area
        shares = [a["share"] for a in areas.values()]
        first = next(iter(areas.values()))
        first["share"] = round(first["share"] + 1 - sum(shares), 6)
        force["areas"] = areas
        on_scene: dict[str, Any] = {}
        for grade in ("grade1", "grade2"):
            f = (
                on_scene_fits.get(grade)
                or on_scene_fits.get("grade2")
                or on_scene_fits.get("grade1")
            )
            if f is not None:
                on_scene[grade] = f.config()
                comments[(*fpath, "response", "on_scene", grade)] = "arrived to cleared; " + (
                    f.note()
                    if on_scene_fits.get(grade) is f
                    else f"borrowed from another grade; {f.note()}"
                )
            else:
                on_scene[grade] = {"distribution": "lognormal", "median_s": 2400, "p90_s": 5400}
                comments[(*fpath, "response", "on_scene", grade)] = "ASSUMED, not fitted"
        if on_scene_fits.get("scheduled") is not None:
            on_scene["scheduled"] = on_scene_fits["scheduled"].config()  # type: ignore[union-attr]
            comments[(*fpath, "response", "on_scene", "scheduled")] = (
                "arrived to cleared; " + on_scene_fits["scheduled"].note()  # type: ignore[union-attr]
            )
        force["response"] = {"on_scene": on_scene}
    sources = [*force["channels"].values(), *([force["online"]] if "online" in force else [])]
    grades_used = {g for ch in sources for g in ch.get("grading", {})}
    if {"grade1", "grade2"} & grades_used and "areas" not in force:
        for ch in sources:
            for g in ("grade1", "grade2"):
                ch.get("grading", {}).pop(g, None)
        comments[(*fpath, "channels")] = "no areas in the incidents: grade 1 and 2 shares dropped"
    if "scheduled" in grades_used:
        n_sched = int((inc["grade"] == "scheduled").sum())
        force["appointments"] = {
            "cars": _units_for(n_sched / hours, 3600, 0.5),
            "lead_time_hours": 2,
        }
        comments[(*fpath, "appointments")] = (
            "ASSUMED, not fitted: cars sized from the scheduled volume"
        )
    if "resolution" in grades_used:
        n_res = int((inc["grade"] == "resolution").sum())
        force["resolution"] = {
            "roster": {"staff": _units_for(n_res / hours, 1200, 0.6)},
            "callback": {"distribution": "exponential", "mean_s": 1200},
        }
        comments[(*fpath, "resolution")] = (
            "ASSUMED, not fitted: team sized from the resolution volume"
        )

    pool: dict[str, Any] = {"serves": list(force["channels"])}
    on_duty = None
    if c is not None and "handler_id" in c:
        answered = c[c["answered_flag"]]
        on_duty = fit_on_duty(
            answered["handler_id"],
            answered["answered"],
            answered["ended"],
            start,
            end,
            gap_hours=HANDLER_GAP_HOURS,
        )
    fits["handlers_on_duty"] = on_duty
    if on_duty is not None and on_duty.fitted.sum() > 0:
        pool["roster"] = {"staff": [int(v) for v in on_duty.fitted], "allow_gaps": True}
        comments[("handler_pools", "contact_centre", "roster")] = (
            f"fitted from {on_duty.people} handler ids: on duty from first to last call "
            f"of each spell (split at {HANDLER_GAP_HOURS:g} h idle), median of "
            f"{len(on_duty.per_week)} weeks per hour of the week; no shrinkage (staff "
            "seen taking calls are already net of it)"
        )
    else:
        load = 0.0
        for ch_id in force["channels"]:
            prof = fits[f"profile/{ch_id}"]
            fit_h = fits.get(f"handling/{ch_id}")
            mean_h = math.exp(fit_h.mu + fit_h.sigma**2 / 2) if fit_h is not None else 300.0
            load += prof.volume_per_year / HOURS_PER_YEAR * mean_h / 3600.0
        pool["roster"] = {"staff": max(1, math.ceil(load / 0.8))}
        comments[("handler_pools", "contact_centre", "roster")] = (
            "ASSUMED, not fitted (no handler ids): sized for about 80% occupancy"
        )
    scenario = {
        "name": name,
        "description": "Fitted by demandsim fit from a force's CAD and telephony exports.",
        "days": 28,
        "warmup_days": 1,
        "seed": 1,
        "replications": 5,
        "forces": {force_id: force},
        "handler_pools": {"contact_centre": pool},
    }
    issues = incidents.issues + (calls.issues if calls is not None else [])
    return FitResult(scenario, comments, issues, fits, samples)


def _lognormal_check(
    key: str, title: str, fitted: LognormalFit, values_s: Any
) -> DistributionCheck:
    x = np.sort(np.asarray(values_s, dtype=float))
    x = x[np.isfinite(x) & (x > 0)]
    grid = np.geomspace(x[0], x[-1], 240)
    cdf = stats.norm.cdf((np.log(grid) - fitted.mu) / fitted.sigma)
    observed_cdf = np.arange(1, len(x) + 1) / len(x)
    return DistributionCheck(key, title, x, observed_cdf, grid, cdf, fitted.n, fitted.note())


def _patience_check(key: str, title: str, fitted: PatienceFit, waits: Any) -> DistributionCheck:
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
        shown = part.replace("grade", "grade ") if kind == "on_scene" else part
        heading = _TITLES[kind].format(shown)
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


def _scalar(value: Any) -> str:
    return (
        yaml.safe_dump(value, default_flow_style=True, width=10_000).strip().removesuffix("\n...")
    )


def scenario_yaml(result: FitResult, header: str = "") -> str:
    """Render a fitted scenario as YAML, each fitted value with its comment.

    Parameters
    ----------
    result
        From :func:`build_scenario`.
    header
        Comment lines for the top of the file.
    """
    lines = [f"# {line}" if line else "#" for line in header.splitlines()]

    def emit(node: Any, path: tuple[str, ...], indent: int) -> None:
        pad = " " * indent
        for key, value in node.items():
            shown = f'"{key}"' if key in CHANNELS else _scalar(str(key))
            note = result.comments.get((*path, str(key)))
            if note is not None and isinstance(value, dict) and len(_scalar(value)) > 70:
                lines.append(f"{pad}# {note}")
                note = None
            if isinstance(value, dict) and len(_scalar(value)) > 70:
                lines.append(f"{pad}{shown}:")
                emit(value, (*path, str(key)), indent + 2)
            elif isinstance(value, list) and len(value) > 12:
                lines.append(f"{pad}{shown}:" + (f"  # {note}" if note else ""))
                for i in range(0, len(value), 12):
                    chunk = ", ".join(_scalar(v) for v in value[i : i + 12])
                    opening = "[" if i == 0 else " "
                    closing = "]" if i + 12 >= len(value) else ","
                    lines.append(f"{pad}  {opening}{chunk}{closing}")
            else:
                text = f"{pad}{shown}: {_scalar(value)}"
                lines.append(text + (f"  # {note}" if note else ""))

    emit(result.scenario, (), 0)
    return "\n".join(lines) + "\n"


def issues_text(issues: list[DataIssue], read: Mapping[str, tuple[int, int]]) -> str:
    """The bad-data report: rows read and kept per file, then each kind of bad row."""
    out = [f"{source}: {kept} of {rows} rows used" for source, (rows, kept) in read.items()]
    out += [issue.describe() for issue in issues] or ["no bad rows"]
    return "\n".join(out)
