"""Dropout rules of a trial: who leaves, and when.

``Trial(dropout=0.2)`` is dropout completely at random (MCAR): a subject drops out
with probability 0.2, at a time uniform over ``(0, last visit]``.
``Trial(dropout=en.dropout(rate=0.2, output="pain_nrs", per_unit=0.3))`` makes
dropout depend on what the trial sees (informative dropout, missing at random given
the readings): a discrete-time proportional-hazards model over the trial's visits
``v_0 < v_1 < .. < v_K``.  A subject still in the trial after visit ``k < K``
leaves before visit ``k + 1`` with probability

    h_k = 1 - (1 - h_0) ** exp(per_unit * (y_k - center)),
    h_0 = 1 - (1 - rate) ** (1 / K),

where ``y_k`` is the reading of ``output`` at visit ``k`` (through ``instrument``, the
same reading an endpoint with that instrument records; the true output without
one; a missing reading gives ``h_0``).  ``per_unit`` is the log hazard ratio of
leaving per unit of the reading, so a subject whose readings stay at ``center``
leaves with probability ``rate`` over the trial, and with ``per_unit > 0`` one with
more pain leaves sooner.  The dropout time is uniform within the interval
``(v_k, v_{k+1})``.  Draws are keyed by (arm seed, subject, ``PURPOSE_DROPOUT``).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._validate import real
from ..measurement import PRO, Assay

__all__ = ["Dropout", "dropout"]


@dataclass(frozen=True)
class Dropout:
    """An informative dropout rule (build it with :func:`dropout`).

    Attributes
    ----------
    rate : float
        Probability of leaving over the trial for readings that stay at ``center``.
    output : str or None
        The model output whose reading drives dropout (None: completely at random,
        by visit).
    per_unit : float
        Log hazard ratio of leaving per unit of the reading (instrument unit).
    center : float
        The reading at which the hazard is the base hazard.
    instrument : PRO, Assay or None
        What records the output (None: the true output).
    """
    rate: float
    output: str | None = None
    per_unit: float = 0.0
    center: float = 0.0
    instrument: object = None

    def key(self):
        return (self.output, self.instrument)

    def hazards(self, readings: np.ndarray | None, n_intervals: int,
                n_subjects: int) -> np.ndarray:
        """Per-interval probability of leaving, (N, K), from the readings (N, K+1)."""
        K = int(n_intervals)
        h0 = 1.0 - (1.0 - self.rate) ** (1.0 / K) if K > 0 else 0.0
        if readings is None or self.per_unit == 0.0:
            return np.full((n_subjects, K), h0)
        y = np.asarray(readings, dtype=np.float64)[:, :K]
        with np.errstate(over="ignore", invalid="ignore"):
            ratio = np.exp(self.per_unit * (y - self.center))
            h = 1.0 - (1.0 - h0) ** ratio
        return np.where(np.isnan(y), h0, h)

    def __repr__(self) -> str:
        if self.output is None:
            return f"dropout(rate={self.rate:g})"
        inst = "" if self.instrument is None else f", instrument={self.instrument.name!r}"
        return (f"dropout(rate={self.rate:g}, output={self.output!r}, "
                f"per_unit={self.per_unit:g}, center={self.center:g}{inst})")


def dropout(rate: float, output: str | None = None, *, per_unit: float = 0.0,
            center: float = 0.0, instrument=None) -> Dropout:
    """A dropout rule for :class:`endorphin.Trial` (the model: module docstring).

    Parameters
    ----------
    rate : float
        Probability, 0 <= rate < 1, that a subject whose readings stay at ``center``
        drops out before the last visit.
    output : str, optional
        Model output whose reading at each visit drives dropout (e.g. ``"pain_nrs"``);
        None: a constant hazard per visit interval (completely at random).
    per_unit : float
        Log hazard ratio of dropping out per unit of the reading (e.g. 0.3 per NRS
        point: a subject 2 points above ``center`` leaves at exp(0.6) = 1.8 times
        the hazard).  Needs ``output``.
    center : float
        Reading at which the hazard is the base hazard (instrument unit; default 0).
    instrument : PRO or Assay, optional
        What records ``output`` (its noise is the one an endpoint with the same
        instrument records); None reads the true output.

    >>> import endorphin as en
    >>> en.dropout(0.2, "pain_nrs", per_unit=0.3)
    dropout(rate=0.2, output='pain_nrs', per_unit=0.3, center=0)
    """
    rate = real(rate, "rate", low=0.0, high=1.0)
    if rate >= 1.0:
        raise ValueError(f"rate must be < 1, got {rate!r}")
    per_unit = real(per_unit, "per_unit")
    center = real(center, "center")
    if output is None:
        if per_unit != 0.0 or instrument is not None:
            raise ValueError("dropout: per_unit and instrument need output= (the model "
                             "output whose reading drives dropout)")
    elif not isinstance(output, str):
        raise TypeError(f"output must be a model output name (str) or None, got "
                        f"{type(output).__name__}")
    if instrument is not None:
        if not isinstance(instrument, (PRO, Assay)):
            raise TypeError(f"instrument must be an endorphin PRO, Assay or None, got "
                            f"{type(instrument).__name__}")
        if output not in instrument.outputs():
            raise ValueError(f"instrument {instrument.name!r} reads "
                             f"{instrument.outputs()[0]!r}, not the dropout output "
                             f"{output!r}")
    return Dropout(rate, output, per_unit, center, instrument)
