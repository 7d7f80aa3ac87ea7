"""Durations: exponential, lognormal (by moments or by median and p90) and constant, in seconds."""

from __future__ import annotations

import math
from typing import Annotated, Literal

from pydantic import Field, model_validator

from sim.config.base import (
    MAX_LOGNORMAL_RATIO,
    CrossFieldError,
    FrozenModel,
    PositiveSeconds,
    Seconds,
)

#: z-score of the 90th percentile of the standard normal distribution.
Z90 = 1.2815515655446004


class ExponentialTime(FrozenModel):
    """An exponentially distributed duration with the given mean (seconds)."""

    distribution: Literal["exponential"]
    mean_s: PositiveSeconds

    def mean(self) -> float:
        """Mean duration in seconds."""
        return self.mean_s


class LognormalTime(FrozenModel):
    """A lognormal duration, given by ``mean_s`` and ``sd_s`` or by ``median_s`` and ``p90_s``.

    Forces usually publish medians and 90th percentiles; call-centre systems
    report means and standard deviations. Either pair fixes the distribution.
    """

    distribution: Literal["lognormal"]
    mean_s: PositiveSeconds | None = None
    sd_s: PositiveSeconds | None = None
    median_s: PositiveSeconds | None = None
    p90_s: PositiveSeconds | None = None

    @model_validator(mode="after")
    def _one_parameter_pair(self) -> LognormalTime:
        moments = (self.mean_s, self.sd_s)
        quantiles = (self.median_s, self.p90_s)
        has_moments = any(v is not None for v in moments)
        has_quantiles = any(v is not None for v in quantiles)
        if has_moments and has_quantiles:
            raise ValueError("give either mean_s and sd_s, or median_s and p90_s, not both")
        if has_moments and None in moments:
            missing = "sd_s" if self.sd_s is None else "mean_s"
            raise CrossFieldError([((missing,), "missing; mean_s and sd_s go together")])
        if has_quantiles and None in quantiles:
            missing = "p90_s" if self.p90_s is None else "median_s"
            raise CrossFieldError([((missing,), "missing; median_s and p90_s go together")])
        if not has_moments and not has_quantiles:
            raise ValueError("needs mean_s and sd_s, or median_s and p90_s")
        if has_quantiles and self.p90_s <= self.median_s:  # type: ignore[operator]
            raise CrossFieldError(
                [
                    (
                        ("p90_s",),
                        f"is {self.p90_s:g}; expected a value above median_s ({self.median_s:g})",
                    )
                ]
            )
        if has_quantiles and self.p90_s > MAX_LOGNORMAL_RATIO * self.median_s:  # type: ignore[operator]
            raise CrossFieldError(
                [
                    (
                        ("p90_s",),
                        f"is {self.p90_s:g}, over {MAX_LOGNORMAL_RATIO:g} times median_s "
                        f"({self.median_s:g}); expected at most {MAX_LOGNORMAL_RATIO:g} times "
                        "median_s (check both are in seconds)",
                    )
                ]
            )
        if has_moments and self.sd_s > MAX_LOGNORMAL_RATIO * self.mean_s:  # type: ignore[operator]
            raise CrossFieldError(
                [
                    (
                        ("sd_s",),
                        f"is {self.sd_s:g}, over {MAX_LOGNORMAL_RATIO:g} times mean_s "
                        f"({self.mean_s:g}); expected at most {MAX_LOGNORMAL_RATIO:g} times "
                        "mean_s (check both are in seconds)",
                    )
                ]
            )
        return self

    def log_params(self) -> tuple[float, float]:
        """Return ``(mu, sigma)`` of the underlying normal distribution (log seconds)."""
        if self.median_s is not None and self.p90_s is not None:
            mu = math.log(self.median_s)
            return mu, (math.log(self.p90_s) - mu) / Z90
        assert self.mean_s is not None and self.sd_s is not None
        sigma2 = math.log1p((self.sd_s / self.mean_s) ** 2)
        return math.log(self.mean_s) - sigma2 / 2, math.sqrt(sigma2)

    def mean(self) -> float:
        """Mean duration in seconds."""
        mu, sigma = self.log_params()
        return math.exp(mu + sigma**2 / 2)


class ConstantTime(FrozenModel):
    """A fixed duration in seconds (for wrap-up, or deterministic tests)."""

    distribution: Literal["constant"]
    value_s: Seconds

    def mean(self) -> float:
        """The duration in seconds."""
        return self.value_s


Duration = Annotated[
    ExponentialTime | LognormalTime | ConstantTime, Field(discriminator="distribution")
]
Patience = Annotated[ExponentialTime | LognormalTime, Field(discriminator="distribution")]
