"""Trial endpoints: what a trial records of a model output, per subject.

Each endpoint reads one model output at visit times, through an instrument
(:class:`endorphin.PRO` or :class:`endorphin.Assay`; ``None`` reads the true,
noise-free output), and reduces a subject's visits to one number:

==================  ========================================================  ===========
constructor         per-subject value                                         analysis
==================  ========================================================  ===========
``value``           the reading at ``at``                                     ``ttest``
``change``          reading at ``at`` minus reading at ``baseline``           ``ttest``
``percent_change``  100 x change / baseline reading                           ``ttest``
``mean``            mean of the readings every ``every`` min over a window    ``ttest``
``responder``       1 if the reading fell by ``reduction`` (a fraction of     ``chi2``
                    baseline, IMMPACT's 30 % / 50 %) or by ``points``,
                    else 0
``time_to_event``   minutes from ``start`` to the first visit whose           ``logrank``
                    reading is below (``below=False``: above) a
                    threshold, with an event flag (0: censored at the
                    last visit observed)
==================  ========================================================  ===========

A time-to-event endpoint's values are times; :meth:`Endpoint.events` gives the
matching event flags (1 an event, 0 censored), which the trial keeps beside the
values.

Times are minutes from the start of the scenario (pint time quantities are
converted).  The "analysis" column is the default test of the endpoint's kind
(:mod:`endorphin.trial.analysis`).  Pure Python over NumPy.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .. import _units
from .._validate import real
from ..measurement import PRO, Assay

__all__ = ["Endpoint", "value", "change", "percent_change", "responder", "mean",
           "time_to_event"]

#: The kinds of endpoint and the analysis each chooses by default.
DEFAULT_ANALYSIS = {"value": "ttest", "change": "ttest", "percent_change": "ttest",
                    "mean": "ttest", "responder": "chi2", "time_to_event": "logrank"}
#: The analyses each kind of endpoint can take.
ANALYSES = {"value": ("ttest", "mannwhitney"),
            "change": ("ttest", "ancova", "mannwhitney"),
            "percent_change": ("ttest", "ancova", "mannwhitney"),
            "mean": ("ttest", "mannwhitney"),
            "responder": ("chi2", "fisher"),
            "time_to_event": ("logrank",)}
_MAX_VISITS = 10_000


@dataclass(frozen=True)
class Endpoint:
    """One endpoint of a :class:`endorphin.Trial` (build it with the functions of
    :mod:`endorphin.endpoint`, not directly).

    Attributes
    ----------
    kind : str
        ``"value"``, ``"change"``, ``"percent_change"``, ``"mean"``, ``"responder"`` or
        ``"time_to_event"``.
    output : str
        The model output read.
    at : float
        Visit of the endpoint, minutes (the window's end for ``mean``).
    baseline : float or None
        Baseline visit, minutes (``change``, ``percent_change``, ``responder``).
    start, every : float or None
        The window of ``mean`` and ``time_to_event``: readings at ``start, start +
        every, ..`` up to ``at``.
    reduction, points : float or None
        The responder rule: a fall by ``reduction`` x baseline, or by ``points``.
    threshold, below : float or None, bool
        The event of ``time_to_event``: a reading below ``threshold`` (``below=False``:
        above it), in the instrument's unit.
    instrument : PRO, Assay or None
        What records the output (None: the true output, no noise).
    name : str
        Label in results, default ``"<kind>:<output>@<at>"``.
    """
    kind: str
    output: str
    at: float
    baseline: float | None = None
    start: float | None = None
    every: float | None = None
    reduction: float | None = None
    points: float | None = None
    instrument: object = None
    name: str = ""
    threshold: float | None = None
    below: bool = True

    @property
    def visits(self) -> np.ndarray:
        """The visit times this endpoint reads, minutes, sorted."""
        if self.kind in ("mean", "time_to_event"):
            n = int(math.floor((self.at - self.start) / self.every + 1e-9)) + 1
            return self.start + self.every * np.arange(n)
        if self.baseline is None:
            return np.array([self.at])
        return np.array(sorted({self.baseline, self.at}))

    @property
    def default_analysis(self) -> str:
        return DEFAULT_ANALYSIS[self.kind]

    @property
    def has_baseline(self) -> bool:
        return self.baseline is not None

    @property
    def is_time_to_event(self) -> bool:
        return self.kind == "time_to_event"

    def _first_event(self, r: np.ndarray):
        with np.errstate(invalid="ignore"):
            hit = (r < self.threshold) if self.below else (r > self.threshold)
        hit &= ~np.isnan(r)
        seen = ~np.isnan(r)
        any_hit = hit.any(axis=-1)
        first = np.argmax(hit, axis=-1)
        # censored at the last visit observed (the reversed argmax of seen)
        last = r.shape[-1] - 1 - np.argmax(seen[..., ::-1], axis=-1)
        return any_hit, first, last, seen.any(axis=-1)

    def events(self, readings: np.ndarray) -> np.ndarray:
        """Event flags of a ``time_to_event`` endpoint from ``readings`` (..., V):
        1.0 if an event was observed, 0.0 if censored, NaN without any reading."""
        r = np.asarray(readings, dtype=np.float64)
        any_hit, _, _, any_seen = self._first_event(r)
        return np.where(any_seen, any_hit.astype(np.float64), np.nan)

    def reduce(self, readings: np.ndarray) -> np.ndarray:
        """Per-subject values from ``readings`` (..., V) at :attr:`visits` (NaN where a
        reading is missing): float64 (...,), NaN where the value is missing.

        A responder whose baseline reading is 0 cannot fall by a fraction of it and
        is a non-responder; ``percent_change`` from a baseline of 0 is missing.
        """
        r = np.asarray(readings, dtype=np.float64)
        v = self.visits
        if self.kind == "time_to_event":
            # the first visit with an event, else the last visit observed (censored);
            # a missing reading (after dropout, below an assay's LLOQ) is no event
            any_hit, first, last, any_seen = self._first_event(r)
            t = v[np.where(any_hit, first, last)] - self.start
            return np.where(any_seen, t, np.nan)
        if self.kind == "mean":
            with np.errstate(invalid="ignore"):
                n = np.sum(~np.isnan(r), axis=-1)
                total = np.nansum(r, axis=-1)
                return np.where(n > 0, total / np.maximum(n, 1), np.nan)
        at = r[..., int(np.searchsorted(v, self.at))]
        if self.baseline is None:
            return at
        base = r[..., int(np.searchsorted(v, self.baseline))]
        diff = at - base
        if self.kind == "change":
            return diff
        if self.kind == "percent_change":
            with np.errstate(invalid="ignore", divide="ignore"):
                return np.where(base != 0, 100.0 * diff / np.where(base != 0, base, 1.0),
                                np.nan)
        # responder: the fall, -diff, reaches the rule (a relative tolerance keeps an
        # exact 30 % fall of integer ratings, 10 -> 7, a responder)
        fall = -diff
        if self.points is not None:
            with np.errstate(invalid="ignore"):
                hit = fall >= self.points * (1.0 - 1e-12)
        else:
            with np.errstate(invalid="ignore"):
                hit = (base > 0) & (fall >= self.reduction * base * (1.0 - 1e-12))
        return np.where(np.isnan(diff), np.nan, hit.astype(np.float64))

    def baseline_reading(self, readings: np.ndarray) -> np.ndarray:
        """The baseline reading of each subject (the covariate of ANCOVA)."""
        v = self.visits
        return np.asarray(readings, dtype=np.float64)[
            ..., int(np.searchsorted(v, self.baseline))]


def _time(value, name: str) -> float:
    return real(_units.magnitude(value, "min", name), name, low=0.0, unit="min")


def _common(kind, output, at, instrument, name, **fields) -> Endpoint:
    if not isinstance(output, str):
        raise TypeError(f"output must be a model output name (str), got "
                        f"{type(output).__name__}")
    if instrument is not None and not isinstance(instrument, (PRO, Assay)):
        raise TypeError(f"instrument must be an endorphin PRO, Assay or None, got "
                        f"{type(instrument).__name__}")
    if instrument is not None and output not in instrument.outputs():
        raise ValueError(f"instrument {instrument.name!r} reads {instrument.outputs()[0]!r}, "
                         f"not the endpoint's output {output!r}")
    at = _time(at, "at")
    if name is None:
        name = f"{kind}:{output}@{at:g}"
    elif not isinstance(name, str) or not name:
        raise TypeError(f"name must be a non-empty string, got {name!r}")
    return Endpoint(kind, output, at, instrument=instrument, name=name, **fields)


def _baseline(baseline, at) -> float:
    b = _time(baseline, "baseline")
    if b >= _time(at, "at"):
        raise ValueError(f"baseline must be before at, got baseline={b:g} min, "
                         f"at={_time(at, 'at'):g} min")
    return b


def value(output: str, at, *, instrument=None, name: str | None = None) -> Endpoint:
    """The reading of ``output`` at visit ``at`` (minutes).

    >>> import endorphin as en
    >>> en.endpoint.value("pain_nrs", at=84 * 1440, instrument=en.PRO.nrs()).name
    'value:pain_nrs@120960'
    """
    return _common("value", output, at, instrument, name)


def change(output: str, at, baseline=0.0, *, instrument=None,
           name: str | None = None) -> Endpoint:
    """Change from baseline: the reading at ``at`` minus the reading at ``baseline``
    (minutes; ``baseline < at``), in the instrument's unit.  Negative is a fall."""
    return _common("change", output, at, instrument, name, baseline=_baseline(baseline, at))


def percent_change(output: str, at, baseline=0.0, *, instrument=None,
                   name: str | None = None) -> Endpoint:
    """Percent change from baseline, ``100 (at - baseline) / baseline``; missing for a
    subject whose baseline reading is 0."""
    return _common("percent_change", output, at, instrument, name,
                   baseline=_baseline(baseline, at))


def responder(output: str, at, baseline=0.0, *, reduction: float | None = None,
              points: float | None = None, instrument=None,
              name: str | None = None) -> Endpoint:
    """A responder: the reading fell from ``baseline`` to ``at`` by at least
    ``reduction`` x the baseline reading (IMMPACT: 0.30 a moderate, 0.50 a substantial
    improvement in pain; Dworkin et al., J Pain 2008;9:105) or by at least ``points``
    (e.g. 2 NRS points; Farrar et al., Pain 2001;94:149).  Give exactly one of them.
    Values are 1 (responder) or 0."""
    if (reduction is None) == (points is None):
        raise ValueError("responder needs exactly one of reduction= (a fraction of "
                         "baseline, e.g. 0.30) or points= (an absolute fall)")
    if reduction is not None:
        reduction = real(reduction, "reduction", low=0.0, high=1.0, low_open=True)
    if points is not None:
        points = real(points, "points", low=0.0, low_open=True)
    return _common("responder", output, at, instrument, name,
                   baseline=_baseline(baseline, at), reduction=reduction, points=points)


def mean(output: str, start, at, every=1440.0, *, instrument=None,
         name: str | None = None) -> Endpoint:
    """The mean of the readings at ``start, start + every, ..`` up to ``at`` (minutes),
    e.g. a week's daily pain diary (``start=77 * 1440, at=83 * 1440, every=1440``);
    visits missed (after dropout) are left out of the mean."""
    start = _time(start, "start")
    every = real(_units.magnitude(every, "min", "every"), "every", low=0.0, low_open=True,
                 unit="min")
    at_ = _time(at, "at")
    if at_ < start:
        raise ValueError(f"at must be >= start, got start={start:g} min, at={at_:g} min")
    if (at_ - start) / every + 1 > _MAX_VISITS:
        raise ValueError(f"mean: more than {_MAX_VISITS} visits from start to at; use a "
                         f"larger every")
    return _common("mean", output, at, instrument, name, start=start, every=every)


def time_to_event(output: str, threshold: float, *, below: bool = True, start=0.0,
                  at, every=1440.0, instrument=None, name: str | None = None) -> Endpoint:
    """Time to an event: minutes from ``start`` to the first visit (``start, start +
    every, ..`` up to ``at``, minutes) whose reading is below ``threshold`` (in the
    instrument's unit; ``below=False``: above it), e.g. the first day with pain below
    4 on the NRS (``every=1440``).

    A subject without an event is censored at the last visit observed: ``at`` (the
    end of follow-up) or the last visit before dropping out.  Readings missing at a
    visit (an assay's LLOQ) count as no event.  The values are the times (minutes);
    :meth:`Endpoint.events` gives the event flags.  Analysed by the log-rank test,
    the effect being the hazard ratio treatment / control
    (:mod:`endorphin.trial.analysis`).  The default name is
    ``"time_to_event:<output><|><threshold>@<at>"``.

    >>> import endorphin as en
    >>> en.endpoint.time_to_event("pain_nrs", 4, at=84 * 1440).name
    'time_to_event:pain_nrs<4@120960'
    """
    threshold = real(threshold, "threshold")
    if not isinstance(below, (bool, np.bool_)):
        raise TypeError(f"below must be True or False, got {below!r}")
    start = _time(start, "start")
    every = real(_units.magnitude(every, "min", "every"), "every", low=0.0, low_open=True,
                 unit="min")
    at_ = _time(at, "at")
    if at_ <= start:
        raise ValueError(f"at must be > start, got start={start:g} min, at={at_:g} min")
    if (at_ - start) / every + 1 > _MAX_VISITS:
        raise ValueError(f"time_to_event: more than {_MAX_VISITS} visits from start to "
                         f"at; use a larger every")
    if name is None:
        name = f"time_to_event:{output}{'<' if below else '>'}{threshold:g}@{at_:g}"
    return _common("time_to_event", output, at, instrument, name, start=start,
                   every=every, threshold=threshold, below=bool(below))
