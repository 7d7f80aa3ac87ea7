"""Fitting durations: lognormal by maximum likelihood, caller patience from censored waits.

Handling, travel and on-scene times are fitted as lognormals
(:func:`fit_lognormal`), each with 95% intervals and a Kolmogorov-Smirnov
distance. Patience is harder: a caller who was answered only shows that their
patience exceeded their wait, so answered calls are right-censored and
patience is fitted by censored maximum likelihood
(:func:`fit_censored_patience`), checked against the Kaplan-Meier estimate
(:func:`kaplan_meier`). All durations are in seconds.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import optimize, stats

from sim.config import Z90

#: The standard normal quantile of a two-sided 95% interval.
Z95 = 1.959963984540054


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
