"""Covariate distributions of a :class:`~endorphin.scenario.Population`.

``Population(n, covariates={"body_weight": Normal(75, 12, low=45, high=130),
"sex": Categorical({"female": 0.6, "male": 0.4})})`` draws each subject's
covariates instead of fixing them, so every virtual study (and every replicate of
a :class:`endorphin.Trial`) has new ones.  Subject ``i`` draws covariate number
``j`` (its position in ``body_weight, age, vo2max, sex``) from its own generator
keyed by ``(seed, i, PURPOSE_COVARIATES + j)``: the draws do not depend on ``n``,
chunking or threads, and the first 100 subjects of 1000 are the population of 100.
"""
from __future__ import annotations

import math
from collections.abc import Mapping
from statistics import NormalDist

import numpy as np

from .._random import PURPOSE_COVARIATES, keyed_rng
from .._validate import real

__all__ = ["Normal", "Categorical"]


class Normal:
    """A normal distribution of a numeric covariate, optionally truncated.

    Parameters
    ----------
    mean, sd : float
        Mean and standard deviation (``sd > 0``) in the covariate's unit (kg,
        years, mL/kg/min) before truncation.
    low, high : float, optional
        Truncation bounds (the normal restricted to ``[low, high]``, drawn by the
        inverse CDF).  The population also checks the covariate's own range.

    >>> from endorphin.scenario import Normal
    >>> Normal(75, 12, low=45, high=130)
    Normal(mean=75, sd=12, low=45, high=130)
    """

    def __init__(self, mean: float, sd: float, *, low: float | None = None,
                 high: float | None = None):
        self.mean = real(mean, "mean")
        self.sd = real(sd, "sd", low=0.0, low_open=True)
        self.low = None if low is None else real(low, "low")
        self.high = None if high is None else real(high, "high")
        if self.low is not None and self.high is not None and self.low >= self.high:
            raise ValueError(f"low must be < high, got low={self.low:g}, "
                             f"high={self.high:g}")
        nd = NormalDist(self.mean, self.sd)
        self._a = 0.0 if self.low is None else nd.cdf(self.low)
        self._b = 1.0 if self.high is None else nd.cdf(self.high)
        if self._b - self._a < 1e-12:
            raise ValueError(f"Normal({self.mean:g}, {self.sd:g}) has no mass within "
                             f"[{self.low}, {self.high}]")

    def sample(self, u: np.ndarray) -> np.ndarray:
        """Values at uniform draws ``u`` in (0, 1) (inverse CDF)."""
        nd = NormalDist(self.mean, self.sd)
        q = self._a + (self._b - self._a) * np.asarray(u, dtype=np.float64)
        q = np.clip(q, 1e-300, 1.0 - 1e-16)
        out = np.array([nd.inv_cdf(float(x)) for x in q.ravel()]).reshape(q.shape)
        lo = -math.inf if self.low is None else self.low
        hi = math.inf if self.high is None else self.high
        return np.clip(out, lo, hi)

    def _key(self):
        return ("Normal", self.mean, self.sd, self.low, self.high)

    def __eq__(self, other):
        return isinstance(other, Normal) and self._key() == other._key()

    def __hash__(self):
        return hash(self._key())

    def __repr__(self) -> str:
        b = "".join(f", {k}={v:g}" for k, v in (("low", self.low), ("high", self.high))
                    if v is not None)
        return f"Normal(mean={self.mean:g}, sd={self.sd:g}{b})"


class Categorical:
    """A categorical distribution: ``{value: probability}`` (probabilities > 0 summing
    to 1), e.g. ``Categorical({"female": 0.6, "male": 0.4})``.

    >>> from endorphin.scenario import Categorical
    >>> Categorical({"female": 0.6, "male": 0.4})
    Categorical({'female': 0.6, 'male': 0.4})
    """

    def __init__(self, probabilities: Mapping):
        if not isinstance(probabilities, Mapping) or not probabilities:
            raise TypeError(f"probabilities must be a non-empty mapping value -> "
                            f"probability, got {type(probabilities).__name__}")
        p = {k: real(v, f"probabilities[{k!r}]", low=0.0, high=1.0, low_open=True)
             for k, v in probabilities.items()}
        total = sum(p.values())
        if abs(total - 1.0) > 1e-9:
            raise ValueError(f"probabilities must sum to 1, got {total:g}")
        self.probabilities = p

    def sample(self, u: np.ndarray) -> np.ndarray:
        """Values at uniform draws ``u`` in [0, 1)."""
        keys = list(self.probabilities)
        cum = np.cumsum(list(self.probabilities.values()))
        idx = np.minimum(np.searchsorted(cum, np.asarray(u), side="right"), len(keys) - 1)
        return np.array(keys, dtype=object)[idx]

    def _key(self):
        return ("Categorical", tuple(self.probabilities.items()))

    def __eq__(self, other):
        return isinstance(other, Categorical) and self._key() == other._key()

    def __hash__(self):
        return hash(self._key())

    def __repr__(self) -> str:
        return f"Categorical({self.probabilities!r})"


DISTRIBUTIONS = (Normal, Categorical)


def draw(dist, seed: int, n: int, index: int) -> np.ndarray:
    """``n`` subjects' values of covariate number ``index``, keyed per subject."""
    u = np.array([keyed_rng(seed, i, PURPOSE_COVARIATES + index).random()
                  for i in range(n)])
    return dist.sample(u)
