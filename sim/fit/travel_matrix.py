"""A beat x beat travel matrix from dispatched -> arrived, shrunk towards a distance model.

Each trip whose unit's origin beat is known gives a time from that beat to the
incident's. Trips are lognormal about their pair's expected time (the
simulator's trip factor has median 1), so each (origin, destination) pair's
median is estimated on the log scale: the geometric mean of its trips (the
lognormal median's maximum-likelihood estimate). Thin pairs borrow from a
**distance model** fitted to every trip:

- between beats, expected minutes = ``a + b x d``, ``d`` the straight-line
  distance between the beats' centres (km), fitted by least squares to the
  pairs' medians weighted by their trip counts (``a`` the time to get going
  and out of the origin, ``b`` minutes per km, road factor included);
- within a beat, the pooled median of all within-beat trips.

A pair's estimate is the precision-weighted mean, on the log scale, of its
own median and the model's (empirical Bayes): its own counts ``n`` trips,
the model ``k`` trips, with ``k = s^2 / tau^2`` from the trips' spread about
their pairs' medians (``s``) and the pairs' spread about the model beyond
sampling (``tau``, method of moments). A pair with no trip takes the model.
Without centre points (or for a beat with none) the model is one figure for
every pair of different beats, the pooled median of those trips.

The trip factor's 90th percentile comes from the trips' spread about their
own pair's median (``s``, pooled with ``n - 1`` degrees of freedom per pair),
so it does not mistake the model's error for randomness of trips.

Where trips are given their time band (of the dispatch: day 07:00-17:00,
evening 17:00-23:00, night 23:00-07:00), each of evening and night gets a
factor over the day (``travel.band_factors``): a pair effect and a band effect
fitted together on the log scale (alternating means), every trip then taken
as a day trip for the matrix.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

#: z of the 90th percentile of a standard normal.
_Z90 = 1.2815515655446004
#: Trips a band needs before its factor is fitted.
MIN_BAND_TRIPS = 30
#: Rounds of alternating least squares for the pair and band effects.
_BAND_ROUNDS = 20
#: Bounds of the prior count ``k`` (trips the distance model is worth).
PRIOR_COUNT_BOUNDS = (0.5, 200.0)


@dataclass(frozen=True)
class TravelMatrixFit:
    """The fitted matrix (minutes) and what it rests on.

    ``minutes[i][j]`` is from beat ``beats[i]`` to ``beats[j]``; ``trips[i][j]``
    the trips it rests on; ``model`` the distance model's minutes for each pair.
    """

    beats: list[str]
    minutes: np.ndarray
    trips: np.ndarray
    model: np.ndarray
    intercept_min: float
    per_km_min: float | None
    within_beat_min: float
    prior_count: float
    trip_sigma: float
    trip_count: int
    #: Multiplier of each band's trips over the day's (``evening``, ``night``), where fitted.
    band_factors: dict[str, float] = field(default_factory=dict)
    #: Standard error of each band factor's log.
    band_log_se: dict[str, float] = field(default_factory=dict)

    @property
    def trip_factor_p90(self) -> float:
        """90th percentile of the per-trip factor (median 1)."""
        return float(np.exp(_Z90 * self.trip_sigma))

    def note(self) -> str:
        """The comment on the fitted matrix."""
        pairs = int((self.trips > 0).sum())
        slope = (
            f"{self.intercept_min:.2f} + {self.per_km_min:.3f} min/km x straight-line km"
            if self.per_km_min is not None
            else f"{self.intercept_min:.2f} min between any two beats (no centre points)"
        )
        return (
            f"{self.trip_count} trips (dispatched to arrived) from a known origin beat over "
            f"{pairs} of {len(self.beats) ** 2} pairs; each pair's median shrunk towards "
            f"the distance model {slope} ({self.within_beat_min:.2f} min within a beat), "
            f"the model worth {self.prior_count:.1f} trips (empirical Bayes); pairs with no "
            "trip take the model"
        )

    def csv(self) -> str:
        """The matrix as ``travel.matrix_file`` reads it: ``from`` then a column per beat."""
        frame = pd.DataFrame(np.round(self.minutes, 3), columns=self.beats)
        frame.insert(0, "from", self.beats)
        return frame.to_csv(index=False, lineterminator="\n")


def _pair_stats(
    origin: np.ndarray, destination: np.ndarray, log_min: np.ndarray, size: int
) -> tuple[np.ndarray, np.ndarray, float, int]:
    """Per pair: trip count and mean log minutes; the pooled within-pair variance and its df."""
    flat = origin * size + destination
    n = np.bincount(flat, minlength=size * size).astype(float)
    total = np.bincount(flat, weights=log_min, minlength=size * size)
    mean = np.divide(total, n, out=np.zeros_like(total), where=n > 0)
    squares = float(((log_min - mean[flat]) ** 2).sum())
    df = int(len(log_min) - (n > 0).sum())
    variance = squares / df if df > 0 else 0.0
    return n.reshape(size, size), mean.reshape(size, size), variance, df


def _distance_model(
    n: np.ndarray, median_min: np.ndarray, km: np.ndarray | None
) -> tuple[float, float | None]:
    """``a`` and ``b`` of minutes = a + b x km over pairs of different beats (weights ``n``)."""
    off = ~np.eye(len(n), dtype=bool) & (n > 0)
    if km is None or not np.isfinite(km[off]).any():
        w = n[off]
        return float(np.exp((np.log(median_min[off]) * w).sum() / w.sum())), None
    use = off & np.isfinite(km)
    w, x, y = n[use], km[use], median_min[use]
    x_bar, y_bar = np.average(x, weights=w), np.average(y, weights=w)
    spread = float((w * (x - x_bar) ** 2).sum())
    slope = float((w * (x - x_bar) * (y - y_bar)).sum() / spread) if spread > 0 else 0.0
    slope = max(slope, 0.0)
    intercept = max(float(y_bar - slope * x_bar), 0.0)
    return intercept, slope


def _band_effects(
    flat: np.ndarray, band: np.ndarray, log_min: np.ndarray, size: int
) -> tuple[np.ndarray, np.ndarray]:
    """Each band's log effect over the day band (0), with pair effects, by alternating means.

    ``band`` indexes ``BANDS`` (0 day, 1 evening, 2 night); a band with fewer
    than :data:`MIN_BAND_TRIPS` trips keeps 0. Returns the effects and their
    standard errors (residual spread over the band's and the day's trips).
    """
    effect = np.zeros(3)
    fitted = np.array([(band == b).sum() >= MIN_BAND_TRIPS for b in range(3)])
    if not fitted[0] or not fitted[1:].any():
        return effect, np.full(3, np.inf)
    n = np.bincount(flat, minlength=size * size).astype(float)
    for _ in range(_BAND_ROUNDS):
        adjusted = log_min - effect[band]
        pair = np.bincount(flat, weights=adjusted, minlength=size * size) / np.maximum(n, 1)
        residual = log_min - pair[flat]
        for b in (1, 2):
            if fitted[b]:
                effect[b] = residual[band == b].mean() - residual[band == 0].mean()
    spread = float(np.std(log_min - effect[band] - pair[flat]))
    counts = np.array([(band == b).sum() for b in range(3)], dtype=float)
    se = np.where(fitted, spread * np.sqrt(1 / np.maximum(counts, 1) + 1 / counts[0]), np.inf)
    return effect, se


def fit_travel_matrix(
    beats: list[str],
    trips: pd.DataFrame,
    centres_km: dict[str, tuple[float, float]] | None = None,
) -> TravelMatrixFit | None:
    """Fit the expected travel between every pair of beats from observed trips.

    Parameters
    ----------
    beats
        Beat ids, in the matrix's order.
    trips
        ``origin``, ``destination`` (beat ids in ``beats``) and ``travel_s``
        (dispatched to arrived, seconds, above 0); optionally ``band`` (0 day,
        1 evening, 2 night, of the dispatch), for a factor per band over the
        day (the matrix is then the day's).
    centres_km
        Beat id -> centre (x, y), km, where known.

    Returns
    -------
    TravelMatrixFit or None
        None with fewer than two trips between different beats.
    """
    index = {beat: i for i, beat in enumerate(beats)}
    trips = trips[trips["origin"].isin(index) & trips["destination"].isin(index)]
    trips = trips[trips["travel_s"] > 0]
    origin = trips["origin"].map(index).to_numpy(dtype=int)
    destination = trips["destination"].map(index).to_numpy(dtype=int)
    if int((origin != destination).sum()) < 2:
        return None
    log_min = np.log(trips["travel_s"].to_numpy(dtype=float) / 60.0)
    size = len(beats)
    bands: dict[str, float] = {}
    band_se: dict[str, float] = {}
    if "band" in trips:
        band = trips["band"].to_numpy(dtype=int)
        effect, se = _band_effects(origin * size + destination, band, log_min, size)
        for b, label in ((1, "evening"), (2, "night")):
            if np.isfinite(se[b]):
                bands[label], band_se[label] = float(np.exp(effect[b])), float(se[b])
        # Every trip as if in the day band: the matrix is the day's.
        log_min = log_min - effect[band]
    n, mean_log, variance, _df = _pair_stats(origin, destination, log_min, size)
    km = None
    if centres_km:
        xy = np.array([centres_km.get(b, (np.nan, np.nan)) for b in beats], dtype=float)
        km = np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1))
    median_min = np.exp(mean_log)
    intercept, slope = _distance_model(n, median_min, km)
    diagonal = np.eye(size, dtype=bool)
    on_diag = diagonal & (n > 0)
    within = (
        float(np.exp((mean_log[on_diag] * n[on_diag]).sum() / n[on_diag].sum()))
        if on_diag.any()
        else intercept
    )
    model = np.full((size, size), intercept)
    if km is not None and slope is not None:
        # A beat with no centre takes the model at the trips' typical distance.
        typical = float(np.nanmedian(km[~diagonal & (n > 0)])) if (n > 0).any() else 0.0
        model = intercept + slope * np.where(np.isfinite(km), km, typical)
    model[diagonal] = within
    model = np.maximum(model, 1e-3)
    seen = n > 0
    residual = mean_log[seen] - np.log(model[seen])
    sampling = variance / n[seen]
    tau2 = float(np.mean(residual**2 - sampling))
    low, high = PRIOR_COUNT_BOUNDS
    k = float(np.clip(variance / tau2, low, high)) if tau2 > 0 else high
    shrunk = np.where(seen, (n * mean_log + k * np.log(model)) / (n + k), np.log(model))
    return TravelMatrixFit(
        beats=list(beats),
        minutes=np.exp(shrunk),
        trips=n.astype(int),
        model=model,
        intercept_min=intercept,
        per_km_min=slope,
        within_beat_min=within,
        prior_count=k,
        trip_sigma=float(np.sqrt(variance)),
        trip_count=len(log_min),
        band_factors=bands,
        band_log_se=band_se,
    )
