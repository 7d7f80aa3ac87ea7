"""Named random streams, one generator each, for common random numbers.

Replication ``r`` of a run with seed ``s`` derives ``SeedSequence([s, r])``. Each
named stream ("arrivals/tvp/999", "patience/tvp/101", ...) gets its own
``numpy.random.Generator`` spawned from that sequence with a key taken from a
stable hash of its name. So:

- two scenarios run with the same seed see the same arrivals, patience and
  handling times for the same calls (common random numbers), whatever else
  differs between them, and
- adding a stream, or drawing more from one stream, never shifts another.

Streams are created in sorted-name order, so the mapping from names to
generators is independent of the order in which the model asks for them.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Iterable

import numpy as np
from scipy import special

from sim.config import ConstantTime, ExponentialTime, LognormalTime

DurationModel = ExponentialTime | LognormalTime | ConstantTime


def stream_key(name: str) -> int:
    """A stable 64-bit integer for a stream name (independent of Python's hash seed)."""
    return int.from_bytes(hashlib.blake2b(name.encode("utf-8"), digest_size=8).digest(), "little")


class Streams:
    """The random streams of one replication.

    Parameters
    ----------
    seed
        The run's base seed.
    replication
        Replication number, from 0.
    names
        Stream names to create up front (more can be created on demand).
    """

    def __init__(self, seed: int, replication: int, names: Iterable[str] = ()):
        self.seed = seed
        self.replication = replication
        self._root = np.random.SeedSequence([seed, replication])
        self._generators: dict[str, np.random.Generator] = {}
        for name in sorted(set(names)):
            self[name]

    def __getitem__(self, name: str) -> np.random.Generator:
        generator = self._generators.get(name)
        if generator is None:
            sequence = np.random.SeedSequence(
                entropy=self._root.entropy, spawn_key=(stream_key(name),)
            )
            generator = np.random.Generator(np.random.PCG64(sequence))
            self._generators[name] = generator
        return generator

    @property
    def names(self) -> list[str]:
        """Names of the streams created so far, sorted."""
        return sorted(self._generators)


def draw(distribution: DurationModel, generator: np.random.Generator, size: int) -> np.ndarray:
    """Draw ``size`` durations in seconds from a configured distribution."""
    if isinstance(distribution, ExponentialTime):
        return generator.exponential(distribution.mean_s, size)
    if isinstance(distribution, LognormalTime):
        mu, sigma = distribution.log_params()
        return generator.lognormal(mu, sigma, size)
    return np.full(size, float(distribution.value_s))


class BufferedDraws:
    """Values from one stream, handed out one at a time but drawn in blocks.

    For quantities needed one by one as the simulation goes (a redialling
    caller's patience): a block is drawn at once, which is far cheaper than one
    numpy call per value, and the sequence stays deterministic.

    Parameters
    ----------
    sample_block
        Draws a block of the given size as an array.
    """

    BLOCK = 512

    def __init__(self, sample_block: Callable[[int], np.ndarray]):
        self._sample_block = sample_block
        self._values: list[float] = []
        self._next = 0

    def __call__(self) -> float:
        if self._next >= len(self._values):
            self._values = self._sample_block(self.BLOCK).tolist()
            self._next = 0
        value = self._values[self._next]
        self._next += 1
        return value


def buffered_durations(
    distribution: DurationModel | None, generator: np.random.Generator
) -> Callable[[], float]:
    """Durations (seconds) one at a time; ``None`` means infinite (a caller who never hangs up)."""
    if distribution is None:
        return lambda: math.inf
    return BufferedDraws(lambda size: draw(distribution, generator, size))


def buffered_uniforms(generator: np.random.Generator) -> Callable[[], float]:
    """Uniform(0, 1) draws one at a time."""
    return BufferedDraws(generator.random)


def quantile(distribution: DurationModel, u: np.ndarray | float) -> np.ndarray:
    """Durations (seconds) at probabilities ``u``: the inverse of the distribution function.

    Used where the same uniform draw must map to a duration whichever
    distribution ends up applying (an incident's travel time is drawn before its
    area is known), so that scenarios keep common random numbers.
    """
    u = np.asarray(u, dtype=float)
    if isinstance(distribution, ExponentialTime):
        return -distribution.mean_s * np.log1p(-u)
    if isinstance(distribution, LognormalTime):
        mu, sigma = distribution.log_params()
        return np.exp(mu + sigma * special.ndtri(u))
    return np.full(u.shape, float(distribution.value_s))
