"""Scenarios: stimuli, doses and virtual populations, simulated in one call.

This is the layer a notebook uses (API.md section 3).  A *protocol* of
stimuli (:class:`Exercise`, :class:`Stress`, :class:`Pain`,
:class:`Laughter`, :class:`Meditation`, :class:`Acupuncture`,
:class:`Placebo`) is composed with ``+`` and repeated with
``.repeat(every=, times=)``; :class:`Dose` gives administrations; a
:class:`Population` (or a single :class:`Subject`) gives the virtual
subjects; a :class:`Scenario` ties them to a time grid and
:meth:`Scenario.simulate` runs the C engine and returns a
:class:`~endorphin.results.Result`.  :func:`compare` runs several scenarios
side by side.

Units: time, start, duration, every, t_end and dt in **minutes** (t = 0 is
the start of the scenario, at clock time ``clock_start``); exercise
intensity as a fraction of VO2max (0-1.2), pain as the NRS 0-10 nociceptive
input, the other stimuli 0-1; doses in mg or ug (or per kg of body weight);
outputs in the model's units (beta-endorphin and ACTH pmol/L, cortisol
nmol/L, effects dimensionless).

Doses: beta-endorphin itself (IV into plasma, ICV into the CSF compartment,
through the volumes of Foley et al. 1979) and every drug of
:mod:`endorphin.drugs` (morphine, naloxone, ...; up to 4 drug/route
combinations per scenario), with NONMEM-equivalent bolus, infusion, lag,
bioavailability and repeated dosing (docs/model.md).  Conditions: the presets
of :mod:`endorphin.presets`.  Covariates: ``body_weight`` (kg) scales per-kg
doses and the beta-endorphin dosing volumes; ``sex`` gives women morphine's
effect-site constants of Sarton et al. 2000 (``endorphin._dosing.SEX_EFFECTS``);
``sex`` and ``age`` are kept as coordinates of the results.
"""
from __future__ import annotations

import math
import numbers
import re
import types
import warnings
from collections.abc import Mapping
from dataclasses import KW_ONLY, dataclass, replace
from typing import ClassVar

import numpy as np

from . import _units, core, model, presets
from .results import Comparison, Result

__all__ = ["Stimulus", "Exercise", "Stress", "Pain", "Laughter", "Meditation",
           "Acupuncture", "Placebo", "Protocol", "Dose", "DrugNotAvailableError",
           "Population", "Subject", "Scenario", "compare", "CONDITIONS"]

#: Conditions (parameter presets of :mod:`endorphin.presets`).
CONDITIONS = presets.names()
_MAX_REPEATS = 100_000
_MAX_TIMES = 10_000_000


# ---------------------------------------------------------------------------
# validation helpers (messages name the argument and the allowed range)
# ---------------------------------------------------------------------------
def _real(value, name: str, *, low=None, high=None, low_open=False, unit="") -> float:
    unit = f" ({unit})" if unit else ""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number{unit}, got {type(value).__name__}")
    v = float(value)
    if not math.isfinite(v):
        raise ValueError(f"{name} must be a finite number{unit}, got {value!r}")
    bad = (low is not None and (v < low or (low_open and v == low))) or \
          (high is not None and v > high)
    if bad:
        parts = []
        if low is not None:
            parts.append(f"{'>' if low_open else '>='} {low:g}")
        if high is not None:
            parts.append(f"<= {high:g}")
        raise ValueError(f"{name} must be {' and '.join(parts)}{unit}, got {value!r}")
    return v


def _integer(value, name: str, *, low=None, high=None) -> int:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {type(value).__name__}")
    v = int(value)
    if (low is not None and v < low) or (high is not None and v > high):
        lo = "" if low is None else f">= {low}"
        hi = "" if high is None else f"<= {high}"
        raise ValueError(f"{name} must be {' and '.join(p for p in (lo, hi) if p)}, "
                         f"got {value!r}")
    return v


def _flag(value, name: str) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {value!r}")
    return bool(value)


#: A result above this many bytes with the default outputs (all of them) warns.
_WARN_RESULT_BYTES = 1 << 30


def _physical_memory() -> int | None:
    try:
        import os
        return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, ValueError, OSError):      # pragma: no cover - not POSIX
        return None


def _check_result_size(n: int, n_outputs: int, n_times: int, defaulted: bool) -> None:
    """MemoryError when the trajectories cannot fit in this machine's memory; a
    warning when the default (every output) makes them large."""
    nbytes = 8 * n * n_outputs * n_times
    hint = ("pass outputs=[...] to keep fewer outputs, chunks= for a lazy (dask) result, "
            "or use Scenario.summarize for per-subject summaries")
    mem = _physical_memory()
    if mem is not None and nbytes > mem:
        raise MemoryError(f"the result would take {nbytes / 2**30:.1f} GiB ({n} subjects x "
                          f"{n_outputs} outputs x {n_times} times x 8 bytes), more than this "
                          f"machine's {mem / 2**30:.1f} GiB; {hint}")
    if defaulted and nbytes > _WARN_RESULT_BYTES:
        warnings.warn(f"the result takes {nbytes / 2**30:.1f} GiB: every one of the "
                      f"{n_outputs} outputs for {n} subjects x {n_times} times; {hint}",
                      UserWarning, stacklevel=3)


# ---------------------------------------------------------------------------
# Stimuli and protocols
# ---------------------------------------------------------------------------
class Stimulus:
    """Base class of the stimuli: a constant level on ``[start, start + duration)``.

    Subclasses are frozen dataclasses; combine them with ``+`` into a
    :class:`Protocol` and repeat them with :meth:`repeat`.  Overlapping
    stimuli of the same channel add (MODEL.md section 2).
    """
    channel: ClassVar[str]
    level_name: ClassVar[str] = "intensity"
    level_range: ClassVar[tuple] = (0.0, 1.0)
    level_unit: ClassVar[str] = "0-1"

    def __post_init__(self):
        low, high = self.level_range
        set_ = object.__setattr__
        set_(self, self.level_name, _real(getattr(self, self.level_name), self.level_name,
                                          low=low, high=high, unit=self.level_unit))
        self._check_timing()

    def _check_timing(self):
        """start and duration as minutes (pint time quantities converted), validated."""
        set_ = object.__setattr__
        set_(self, "start", _real(_units.magnitude(self.start, "min", "start"), "start",
                                  low=0.0, unit="min"))
        set_(self, "duration", _real(_units.magnitude(self.duration, "min", "duration"),
                                     "duration", low=0.0, low_open=True, unit="min"))

    @property
    def channel_level(self) -> float:
        """The level this stimulus adds to its channel (its intensity, or the
        NRS level of :class:`Pain`)."""
        return getattr(self, self.level_name)

    @property
    def end(self) -> float:
        """``start + duration``, minutes."""
        return self.start + self.duration

    def shifted(self, by: float) -> Stimulus:
        """The same stimulus ``by`` minutes later."""
        return replace(self, start=self.start + _real(by, "by", unit="min"))

    def segment(self) -> tuple:
        """``(channel, start, duration, level)`` (minutes; the channel's unit), for
        :func:`endorphin.model.stimulus_inputs`."""
        return (self.channel, self.start, self.duration, self.channel_level)

    def __add__(self, other):
        if isinstance(other, (Stimulus, Protocol)):
            return Protocol((self,)) + other
        return NotImplemented

    def __radd__(self, other):
        if isinstance(other, int) and not isinstance(other, bool) and other == 0:
            return Protocol((self,))                 # sum([...]) starts from 0
        return NotImplemented

    def repeat(self, every: float, times: int) -> Protocol:
        """``times`` copies of this stimulus, ``every`` minutes apart.

        Parameters
        ----------
        every : float
            Interval between the starts of the copies, minutes, ``> 0``.
        times : int
            Number of copies, ``1 <= times <= 100000``.

        Returns
        -------
        Protocol
        """
        return Protocol((self,)).repeat(every=every, times=times)


#: VO2max (mL/kg/min) of a subject without a ``vo2max`` covariate, by condition.
#: **Assumed**: 40 for an untrained adult and 55 for the ``trained`` preset, typical
#: of untrained and endurance-trained young men; the package's sources give no
#: VO2max (Goldfarb 1991 compares trained and untrained men at the same *relative*
#: intensity).  Used only by ``Exercise(vo2=...)``.
DEFAULT_VO2MAX = {"trained": 55.0}
DEFAULT_VO2MAX_OTHER = 40.0


@dataclass(frozen=True, init=False)
class Exercise(Stimulus):
    """Exercise at a constant intensity, relative (``intensity``) or absolute (``vo2``).

    Parameters
    ----------
    intensity : float
        Fraction of VO2max, 0-1.2 (the drive has a steep threshold near
        0.75: no rise at 0.6, about five-fold at 0.8 for 30 min; Goldfarb
        1990).
    start, duration : float
        Minutes from the start of the scenario; ``start >= 0``,
        ``duration > 0``.
    vo2 : float, optional (keyword-only, instead of ``intensity``)
        The workload's oxygen uptake, mL/kg/min (0-90].  Each subject then
        exercises at ``vo2 / VO2max`` of its own VO2max: the ``vo2max``
        covariate of :class:`Population`, else :data:`DEFAULT_VO2MAX` (40
        mL/kg/min; 55 for ``condition="trained"``, assumed).  Trained and
        untrained subjects respond alike at the same relative intensity
        (Goldfarb 1991), so a fitter subject responds less to the same
        workload.  A subject for whom ``vo2`` exceeds 1.2 x VO2max raises
        ``ValueError`` when the scenario runs.  :meth:`Protocol.table` and
        :meth:`Protocol.levels` show the level at 40 mL/kg/min.

    Examples
    --------
    >>> from endorphin.scenario import Exercise, Laughter
    >>> p = Exercise(0.75, start=60, duration=45) + Laughter(start=300, duration=15)
    >>> print(p.table()[["stimulus", "start", "end", "level"]].to_string(index=False))
    stimulus  start   end  level
    Exercise   60.0 105.0   0.75
    Laughter  300.0 315.0   1.00
    >>> Exercise(vo2=30.0, start=0, duration=30).intensity is None
    True
    """
    intensity: float | None
    start: float
    duration: float
    vo2: float | None = None
    channel: ClassVar[str] = "exercise"
    level_range: ClassVar[tuple] = (0.0, 1.2)
    level_unit: ClassVar[str] = "fraction of VO2max"

    def __init__(self, intensity=None, start=None, duration=None, *, vo2=None):
        set_ = object.__setattr__
        if start is None or duration is None:
            raise TypeError("Exercise needs start= and duration= (minutes)")
        if (intensity is None) == (vo2 is None):
            raise TypeError("Exercise takes either intensity= (fraction of VO2max) or "
                            "vo2= (mL/kg/min), not both or neither")
        set_(self, "start", start)
        set_(self, "duration", duration)
        if vo2 is None:
            set_(self, "intensity", intensity)
            set_(self, "vo2", None)
            self.__post_init__()
            return
        set_(self, "vo2", _real(_units.magnitude(vo2, "mL/kg/min", "vo2"), "vo2", low=0.0,
                                low_open=True, high=90.0, unit="mL/kg/min"))
        set_(self, "intensity", None)
        self._check_timing()

    @property
    def channel_level(self) -> float:
        """The intensity, or for ``vo2=`` exercise ``vo2 / 40`` (the level at the
        default VO2max; each subject's own level is ``vo2 / VO2max``)."""
        if self.vo2 is not None:
            return self.vo2 / DEFAULT_VO2MAX_OTHER
        return self.intensity

    def relative(self, vo2max) -> np.ndarray:
        """Each subject's intensity (fraction of VO2max) for VO2max ``vo2max``
        (mL/kg/min, an array); ``ValueError`` when it exceeds 1.2."""
        vo2max = np.asarray(vo2max, dtype=np.float64)
        if self.vo2 is None:
            return np.full(vo2max.shape, self.intensity)
        rel = self.vo2 / vo2max
        if (rel > self.level_range[1]).any():
            i = int(np.argmax(rel))
            raise ValueError(f"Exercise(vo2={self.vo2:g}) is {rel[i]:.2f} x the VO2max of "
                             f"subject {i} ({vo2max[i]:g} mL/kg/min); the model covers "
                             f"intensities up to {self.level_range[1]:g} x VO2max")
        return rel

    def __repr__(self) -> str:
        lvl = f"vo2={self.vo2!r}" if self.vo2 is not None else f"intensity={self.intensity!r}"
        return f"Exercise({lvl}, start={self.start!r}, duration={self.duration!r})"


@dataclass(frozen=True)
class Pain(Stimulus):
    """A painful (nociceptive) input.

    Parameters
    ----------
    level : float
        Nociceptive input on the NRS scale, 0-10 (the pain a subject would
        report with no analgesia).
    start, duration : float
        Minutes; ``start >= 0``, ``duration > 0``.
    """
    level: float
    start: float
    duration: float
    channel: ClassVar[str] = "pain"
    level_name: ClassVar[str] = "level"
    level_range: ClassVar[tuple] = (0.0, 10.0)
    level_unit: ClassVar[str] = "NRS 0-10"


@dataclass(frozen=True)
class Stress(Stimulus):
    """Psychological or physical stress.

    Parameters
    ----------
    intensity : float
        0-1 (default 1).
    start, duration : float
        Minutes (keyword-only); ``start >= 0``, ``duration > 0``.
    """
    intensity: float = 1.0
    _: KW_ONLY
    start: float
    duration: float
    channel: ClassVar[str] = "stress"


@dataclass(frozen=True)
class Laughter(Stimulus):
    """Laughter (e.g. social comedy; Dunbar 2012, Manninen 2017).

    Parameters
    ----------
    intensity : float
        0-1 (default 1).
    start, duration : float
        Minutes (keyword-only); ``start >= 0``, ``duration > 0``.
    """
    intensity: float = 1.0
    _: KW_ONLY
    start: float
    duration: float
    channel: ClassVar[str] = "laughter"


@dataclass(frozen=True)
class Meditation(Stimulus):
    """Meditation (analgesia largely naloxone-insensitive: Zeidan 2016, May 2018).

    Parameters
    ----------
    intensity : float
        0-1 (default 1).
    start, duration : float
        Minutes (keyword-only); ``start >= 0``, ``duration > 0``.
    """
    intensity: float = 1.0
    _: KW_ONLY
    start: float
    duration: float
    channel: ClassVar[str] = "meditation"


@dataclass(frozen=True)
class Placebo(Stimulus):
    """Placebo expectation (releases endogenous opioids: Levine 1978).

    Parameters
    ----------
    intensity : float
        Strength of expectation, 0-1 (default 1).
    start, duration : float
        Minutes (keyword-only); ``start >= 0``, ``duration > 0``.
    """
    intensity: float = 1.0
    _: KW_ONLY
    start: float
    duration: float
    channel: ClassVar[str] = "placebo"


@dataclass(frozen=True)
class Acupuncture(Stimulus):
    """(Electro-)acupuncture.

    Parameters
    ----------
    intensity : float
        0-1 (default 1).
    start, duration : float
        Minutes (keyword-only); ``start >= 0``, ``duration > 0``.
    frequency : {"low", "high"}
        Low-frequency electro-acupuncture is endorphin-mediated;
        high-frequency (low-intensity) acupuncture is not (Pomeranz;
        science.md section 3).  The engine has one acupuncture channel,
        which drives both POMC pools (opioid) and a non-opioid analgesic
        activation.  A scenario with ``frequency="high"`` therefore sets
        every subject's ``acupuncture_gain_pituitary`` and
        ``acupuncture_gain_hypothalamic`` to 0, leaving only the non-opioid
        route (``acupuncture_nonopioid_gain``); one scenario cannot mix the
        two frequencies.
    """
    intensity: float = 1.0
    _: KW_ONLY
    start: float
    duration: float
    frequency: str = "low"
    channel: ClassVar[str] = "acupuncture"

    def __post_init__(self):
        super().__post_init__()
        if self.frequency not in ("low", "high"):
            raise ValueError(f"frequency must be 'low' or 'high', got {self.frequency!r}")


_STIMULUS_TYPES = (Exercise, Stress, Pain, Laughter, Meditation, Acupuncture, Placebo)


@dataclass(frozen=True)
class Protocol:
    """A set of stimuli (overlapping stimuli of one channel add).

    Build protocols with ``+`` from stimuli and with :meth:`repeat`;
    ``Protocol()`` is the empty protocol (rest).

    Parameters
    ----------
    stimuli : sequence of Stimulus

    Examples
    --------
    >>> from endorphin.scenario import Exercise
    >>> prog = Exercise(0.7, start=480, duration=40).repeat(every=2880, times=3)
    >>> [s.start for s in prog]
    [480.0, 3360.0, 6240.0]
    """
    stimuli: tuple = ()

    def __post_init__(self):
        if isinstance(self.stimuli, Stimulus):
            stimuli = (self.stimuli,)
        else:
            try:
                stimuli = tuple(self.stimuli)
            except TypeError:
                raise TypeError(f"stimuli must be a sequence of stimuli, got "
                                f"{type(self.stimuli).__name__}") from None
        for s in stimuli:
            if not isinstance(s, Stimulus):
                raise TypeError(f"a protocol holds stimuli (Exercise, Pain, ...), got "
                                f"{type(s).__name__}")
        object.__setattr__(self, "stimuli", stimuli)

    def __add__(self, other):
        if isinstance(other, Stimulus):
            return Protocol(self.stimuli + (other,))
        if isinstance(other, Protocol):
            return Protocol(self.stimuli + other.stimuli)
        return NotImplemented

    def __radd__(self, other):
        if isinstance(other, int) and not isinstance(other, bool) and other == 0:
            return self
        return NotImplemented

    def __iter__(self):
        return iter(self.stimuli)

    def __len__(self) -> int:
        return len(self.stimuli)

    def __getitem__(self, i):
        return self.stimuli[i]

    @property
    def end(self) -> float:
        """End of the last stimulus, minutes (0 for the empty protocol)."""
        return max((s.end for s in self.stimuli), default=0.0)

    def shifted(self, by: float) -> Protocol:
        """The same protocol ``by`` minutes later."""
        return Protocol(tuple(s.shifted(by) for s in self.stimuli))

    def repeat(self, every: float, times: int) -> Protocol:
        """``times`` copies of the protocol, ``every`` minutes apart.

        Parameters
        ----------
        every : float
            Interval between copies, minutes, ``> 0``.  Copies that overlap
            add, as any overlapping stimuli do.
        times : int
            Number of copies, ``1 <= times <= 100000``.

        Returns
        -------
        Protocol
            Copy ``k`` (0-based) is shifted by ``k * every``.  Copies that
            start after a scenario's ``t_end`` are simply not simulated.
        """
        every = _real(every, "every", low=0.0, low_open=True, unit="min")
        times = _integer(times, "times", low=1, high=_MAX_REPEATS)
        return Protocol(tuple(s.shifted(k * every) for k in range(times)
                              for s in self.stimuli))

    def segments(self) -> list:
        """Engine segments ``(channel, start, duration, level)``, by start time."""
        return sorted((s.segment() for s in self.stimuli), key=lambda g: (g[1], g[0]))

    def frequencies(self) -> set:
        """Acupuncture frequencies used ({"low"}, {"high"}, both or empty)."""
        return {s.frequency for s in self.stimuli if isinstance(s, Acupuncture)}

    def table(self):
        """The protocol as a table, one row per stimulus, sorted by start.

        Returns
        -------
        pandas.DataFrame
            Columns ``stimulus`` (class name), ``channel``, ``level``,
            ``unit`` (of the level), ``start``, ``duration``, ``end``
            (minutes) and ``frequency`` (acupuncture only, else None).
        """
        import pandas as pd
        rows = [dict(stimulus=type(s).__name__, channel=s.channel, level=s.channel_level,
                     unit=s.level_unit, start=s.start, duration=s.duration, end=s.end,
                     frequency=getattr(s, "frequency", None)) for s in self.stimuli]
        cols = ["stimulus", "channel", "level", "unit", "start", "duration", "end",
                "frequency"]
        df = pd.DataFrame(rows, columns=cols)
        return df.sort_values(["start", "channel"], kind="stable").reset_index(drop=True)

    def levels(self, times):
        """Summed level of every channel at ``times`` (the engine's inputs).

        A stimulus acts on ``[start, end)``: at its start time it is on, at
        its end time it is off (right-continuous, as in the engine).

        Parameters
        ----------
        times : array_like of float
            Minutes.

        Returns
        -------
        pandas.DataFrame
            Index ``time``; one column per channel of
            :data:`endorphin.model.CHANNELS`.
        """
        import pandas as pd
        t = np.atleast_1d(np.asarray(times, dtype=np.float64))
        out = np.zeros((t.size, len(model.CHANNELS)))
        for s in self.stimuli:
            on = (t >= s.start) & (t < s.end)
            out[on, model.CHANNELS.index(s.channel)] += s.channel_level
        return pd.DataFrame(out, index=pd.Index(t, name="time"), columns=list(model.CHANNELS))


# ---------------------------------------------------------------------------
# Doses
# ---------------------------------------------------------------------------
class DrugNotAvailableError(NotImplementedError, ValueError):
    """Kept for compatibility: no longer raised (every drug of :mod:`endorphin.drugs`
    can be dosed).  Formerly: a drug that the model could not simulate yet (part 2 of the
    model adds exogenous drugs).  Both a ``NotImplementedError`` and a
    ``ValueError``."""


_BEND_NAMES = {"beta_endorphin", "beta-endorphin", "betaendorphin", "beta endorphin",
               "bend", "b-endorphin", "\u03b2-endorphin", "\u03b2_endorphin"}
# unit -> (mg per unit, per kg of body weight)
_DOSE_UNITS = {"mg": (1.0, False), "ug": (1e-3, False), "\u00b5g": (1e-3, False),
               "\u03bcg": (1e-3, False), "mcg": (1e-3, False),
               "mg/kg": (1.0, True), "ug/kg": (1e-3, True), "\u00b5g/kg": (1e-3, True),
               "\u03bcg/kg": (1e-3, True), "mcg/kg": (1e-3, True),
               "nmol": (None, False)}
# route -> (dosed state, infusion input)
_BEND_ROUTES = {"iv": ("bend_plasma", "bend_iv_rate"), "icv": ("bend_csf", "bend_icv_rate")}
_OTHER_ROUTES = ("im", "sc", "oral", "intranasal")


@dataclass(frozen=True)
class Dose:
    """An administration (bolus or infusion, possibly repeated) of a drug.

    ``drug`` is a name of :mod:`endorphin.drugs` (``"morphine"``,
    ``"fentanyl"``, ``"naloxone"``, ``"naltrexone"``, ``"buprenorphine"``,
    ``"carfentanil"``, or one added with :func:`endorphin.drugs.register`) or
    ``"beta_endorphin"``.  Exogenous drugs enter the model's drug slots
    (linear PK with the drug's F, ka and lag for the route, an effect site,
    receptor binding; docs/model.md "Drugs" and "Dosing semantics").
    Beta-endorphin itself goes IV into plasma (state ``bend_plasma``, volume of
    distribution 178 mL/kg) or ICV into the CSF compartment (``bend_csf``,
    0.74 mL/kg; Foley et al. 1979), converted by
    :func:`endorphin.model.bend_dose`.

    Parameters
    ----------
    drug : str
        A drug of :mod:`endorphin.drugs`, or ``"beta_endorphin"`` (also
        ``"beta-endorphin"``).
    amount : float
        Amount per administration in ``unit``, ``>= 0`` (for an infusion:
        the total infused over ``duration``).
    unit : {"mg", "ug", "nmol", "mg/kg", "ug/kg"}
        Per-kg units are multiplied by the subject's body weight ("mcg" and
        "µg" are accepted for "ug").
    route : str
        One of the drug's routes (``endorphin.drugs[drug].routes``: "iv",
        "im", "sc", "oral", "intranasal"); beta-endorphin: "iv" or "icv".
    time : float
        Time of the (first) administration, minutes, ``>= 0``.  A dose at an
        output time is seen at that output (outputs are right-continuous).
        The route's lag time is added.
    every : float, optional
        Interval between administrations, minutes, ``> 0`` (needed when
        ``times > 1``).
    times : int
        Number of administrations, ``1 <= times <= 100000``.
    duration : float, optional
        Infusion duration, minutes, ``> 0`` (default: a bolus).  For an
        extravascular route, a zero-order input into the absorption depot.
    rate : float, optional
        Infusion rate in ``unit`` per minute, ``> 0``.  Two of ``amount``,
        ``rate`` and ``duration`` give the third (``amount = rate *
        duration``); given all three, they must agree.

    ``amount`` and ``rate`` may be pint quantities (if pint is installed):
    a mass (``0.4 * ureg.mg``), an amount of substance (nmol), a mass per
    body weight (mg/kg), or those per time for ``rate`` (``2 * ureg("mg/h")``);
    they are converted to ``unit`` when it is of the same kind, else to mg,
    nmol or mg/kg, and ``unit`` is set accordingly.  ``time``, ``every`` and
    ``duration`` may be time quantities (converted to minutes).

    Notes
    -----
    A scenario rejects a dose whose first administration is after its
    ``t_end``; later administrations of a repeated schedule that fall after
    ``t_end`` are dropped, and an infusion running past ``t_end`` is cut
    there.

    Examples
    --------
    >>> import endorphin as en
    >>> d = en.Dose("naloxone", amount=0.4, unit="mg", route="iv", time=50)
    >>> round(d.amount_nmol(70.0), 1)                   # 0.4 mg / 327.38 g/mol
    1221.8
    """
    drug: str
    amount: float | None = None
    unit: str = "mg"
    route: str = "iv"
    time: float = 0.0
    every: float | None = None
    times: int = 1
    duration: float | None = None
    rate: float | None = None

    def __post_init__(self):
        from . import drugs as _drugs
        set_ = object.__setattr__
        if not isinstance(self.drug, str):
            raise TypeError(f"drug must be a string, got {type(self.drug).__name__}")
        if self.drug.strip().lower() in _BEND_NAMES:
            set_(self, "drug", "beta_endorphin")
            routes = tuple(_BEND_ROUTES)
        elif self.drug in _drugs.names():
            routes = tuple(_drugs.get(self.drug).routes)
        else:
            raise ValueError(f"drug: unknown drug {self.drug!r}; known: "
                             f"{sorted(set(_drugs.names()) | {'beta_endorphin'})} (add one "
                             f"with endorphin.drugs.register)")
        if not isinstance(self.unit, str):
            raise TypeError(f"unit must be a string, got {type(self.unit).__name__}")
        # pint quantities (optional): amounts and rates carry their unit, times minutes
        amount, a_unit = _units.dose_amount(self.amount, self.unit, "amount")
        rate, r_unit = _units.dose_rate(self.rate, a_unit or self.unit, "rate")
        if a_unit is not None and r_unit is not None and a_unit != r_unit:
            raise ValueError(f"amount ({self.amount!s}) and rate ({self.rate!s}) must be "
                             f"the same kind of quantity (mass, substance or per kg)")
        set_(self, "amount", amount)
        set_(self, "rate", rate)
        if a_unit or r_unit:
            set_(self, "unit", a_unit or r_unit)
        for key in ("time", "every", "duration"):
            set_(self, key, _units.magnitude(getattr(self, key), "min", key))
        if self.unit not in _DOSE_UNITS:
            raise ValueError(f"unit must be one of 'mg', 'ug', 'nmol', 'mg/kg', 'ug/kg', "
                             f"got {self.unit!r}")
        if not isinstance(self.route, str):
            raise TypeError(f"route must be a string, got {type(self.route).__name__}")
        route = self.route.lower()
        if route not in routes:
            why = (" (beta-endorphin is a peptide given IV into plasma or ICV into the "
                   "CSF, Foley 1979)") if self.drug == "beta_endorphin" else ""
            raise ValueError(f"route must be one of {routes} for {self.drug}, got "
                             f"{self.route!r}{why}")
        set_(self, "route", route)
        set_(self, "time", _real(self.time, "time", low=0.0, unit="min"))
        if self.duration is not None:
            set_(self, "duration", _real(self.duration, "duration", low=0.0, low_open=True,
                                         unit="min"))
        if self.rate is not None:
            # an infusion: two of amount, rate, duration give the third (as in
            # endorphin.drugs); all three must agree
            rate = _real(self.rate, "rate", low=0.0, low_open=True, unit=f"{self.unit}/min")
            set_(self, "rate", rate)
            if self.amount is not None:
                amount = _real(self.amount, "amount", low=0.0, unit=self.unit)
                if self.duration is None:
                    set_(self, "duration", _real(amount / rate, "duration", low=0.0,
                                                 low_open=True, unit="min"))
                elif not math.isclose(amount, rate * self.duration, rel_tol=1e-9):
                    raise ValueError(f"amount ({amount:g} {self.unit}) != rate x duration "
                                     f"({rate * self.duration:g} {self.unit})")
            elif self.duration is None:
                raise ValueError("rate needs duration= (minutes of infusion) or amount=")
            else:
                set_(self, "amount", rate * self.duration)
        if self.amount is None:
            raise TypeError("amount is required (or rate= with duration=)")
        set_(self, "amount", _real(self.amount, "amount", low=0.0, unit=self.unit))
        set_(self, "times", _integer(self.times, "times", low=1, high=_MAX_REPEATS))
        if self.every is not None:
            set_(self, "every", _real(self.every, "every", low=0.0, low_open=True,
                                      unit="min"))
        elif self.times > 1:
            raise ValueError("every (minutes between administrations) is required when "
                             "times > 1")

    @property
    def is_infusion(self) -> bool:
        """True for an infusion (``duration`` given)."""
        return self.duration is not None

    @property
    def is_endogenous(self) -> bool:
        """True for beta-endorphin itself (dosed into the endogenous states)."""
        return self.drug == "beta_endorphin"

    def administrations(self) -> np.ndarray:
        """Start times of the administrations, minutes (before the route's lag)."""
        step = self.every if self.every is not None else 0.0
        return self.time + step * np.arange(self.times)

    def amount_mg(self, body_weight: float) -> float:
        """Amount per administration in mg for a subject of ``body_weight`` kg."""
        if self.unit == "nmol":
            return self.amount * self._molar_mass() * 1e-6
        per_mg, per_kg = _DOSE_UNITS[self.unit]
        return self.amount * per_mg * (body_weight if per_kg else 1.0)

    def amount_nmol(self, body_weight: float) -> float:
        """Amount per administration in nmol (before bioavailability)."""
        if self.unit == "nmol":
            return float(self.amount)
        return self.amount_mg(body_weight) * 1e6 / self._molar_mass()

    def _molar_mass(self) -> float:
        if self.is_endogenous:
            return model.BEND_MW
        from . import drugs as _drugs
        return _drugs.get(self.drug).molar_mass

    def step(self, body_weight: float) -> tuple:
        """Beta-endorphin only: ``(state, pmol/L)``, the concentration step of one
        administration (of the whole infused amount for an infusion)."""
        if not self.is_endogenous:
            raise ValueError(f"step() is for beta-endorphin doses; {self.drug} enters the "
                             f"drug slots (endorphin._dosing)")
        return model.bend_dose(self.amount_mg(body_weight), self.route,
                               body_weight=float(body_weight))


# ---------------------------------------------------------------------------
# Populations
# ---------------------------------------------------------------------------
_ENGINE = core.models["endorphin"]
_PULSE_NAMES = tuple(r.name for r in model._PULSE_TABLE)
_PARAM_TABLE = {r.name: r for r in model._TABLE + model._PULSE_TABLE}
_SCENARIO_SETTINGS = {"clock_start": "a Scenario setting (Scenario(clock_start=...))",
                      "pulse_mean": "derived from the pulse generator"}
_BODY_WEIGHT = {r.name: r for r in model._DOSING_TABLE}["body_weight"]
# covariate -> (unit, low, high) for numbers; sex is categorical
_COVARIATES = {"body_weight": (_BODY_WEIGHT.unit, _BODY_WEIGHT.low, _BODY_WEIGHT.high),
               "age": ("year", 0.0, 120.0), "vo2max": ("mL/kg/min", 10.0, 90.0),
               "sex": (None, None, None)}
_SEXES = {"f": "female", "female": "female", "m": "male", "male": "male"}
_DEFAULT_BODY_WEIGHT = _BODY_WEIGHT.value


def _covariates(covariates, n: int) -> dict:
    if covariates is None:
        return {}
    try:
        import pandas as pd
        if isinstance(covariates, pd.DataFrame):
            if len(covariates) != n:
                raise ValueError(f"covariates has {len(covariates)} rows; expected n = {n}")
            covariates = {c: covariates[c].to_numpy() for c in covariates.columns}
    except ImportError:  # pragma: no cover - pandas is a hard dependency
        pass
    if not isinstance(covariates, Mapping):
        raise TypeError(f"covariates must be a mapping (name -> value or per-subject "
                        f"values) or a DataFrame, got {type(covariates).__name__}")
    out = {}
    for key, val in covariates.items():
        if key not in _COVARIATES:
            raise ValueError(f"unknown covariate {key!r}; known: {list(_COVARIATES)}")
        unit, low, high = _COVARIATES[key]
        if unit is not None:
            val = _units.magnitude(val, unit, f"covariates[{key!r}]")
        arr = np.asarray(val)
        if arr.ndim == 0:
            arr = np.broadcast_to(arr, (n,))
        if arr.shape != (n,):
            raise ValueError(f"covariates[{key!r}] must be a scalar or have n = {n} values, "
                             f"got shape {arr.shape}")
        if key == "sex":
            vals = []
            for v in arr.tolist():
                if not isinstance(v, str) or v.lower() not in _SEXES:
                    raise ValueError(f"covariates['sex'] values must be 'female'/'male' "
                                     f"(or 'F'/'M'), got {v!r}")
                vals.append(_SEXES[v.lower()])
            out[key] = np.array(vals)
        else:
            if arr.dtype == bool or arr.dtype == object or not (
                    np.issubdtype(arr.dtype, np.floating) or np.issubdtype(arr.dtype,
                                                                          np.integer)):
                raise TypeError(f"covariates[{key!r}] must be numbers ({unit}), got dtype "
                                f"{arr.dtype}")
            arr = arr.astype(np.float64)
            if not np.isfinite(arr).all() or (arr < low).any() or (arr > high).any():
                raise ValueError(f"covariates[{key!r}] must be finite and within "
                                 f"[{low:g}, {high:g}] {unit}")
            out[key] = np.array(arr)
    return out


def _overrides(overrides: dict) -> tuple:
    engine, pulses = {}, {}
    for key, v in overrides.items():
        if key in _SCENARIO_SETTINGS:
            raise ValueError(f"parameter {key} cannot be overridden per subject: it is "
                             f"{_SCENARIO_SETTINGS[key]}")
        if key not in _PARAM_TABLE:
            raise ValueError(f"unknown parameter {key!r}; see endorphin.parameters() for "
                             f"the names")
        row = _PARAM_TABLE[key]
        unit = f"{row.unit}; " if row.unit not in ("1", "") else ""
        value = _real(v, key, low=0.0, low_open=row.low > 0,
                      unit=f"{unit}documented range {row.low:g}-{row.high:g}")
        (pulses if key in _PULSE_NAMES else engine)[key] = value
    return engine, pulses


class Population:
    """A virtual population: ``n`` subjects drawn around the model's defaults.

    Every parameter with an inter-individual CV in
    :func:`endorphin.parameters` is drawn log-normal around its typical value
    (median = typical) with CV ``cv * variability``, clipped to its
    documented range (:func:`endorphin.model.sample_parameters`).  Subject
    ``i`` draws from its own generator keyed by ``(seed, i, purpose)``, so
    its parameters and pulses do not depend on ``n``, on chunking or on
    threads: the first 100 subjects of a population of 1000 are the
    population of 100.

    Parameters
    ----------
    n : int
        Number of subjects, ``>= 1``.
    condition : str
        Parameter preset of :mod:`endorphin.presets`: ``"healthy"``,
        ``"fibromyalgia"``, ``"chronic_pain"``, ``"depression_anhedonia"``,
        ``"trained"``, ``"opioid_tolerant"``.
    variability : float
        Multiplier of every documented CV, 0-5 (1: the documented
        variability; 0: every subject is the typical subject; 0.5: half
        the documented CVs).
    seed : int, optional
        Non-negative seed of the keyed streams; None draws fresh entropy,
        which is then recorded in :attr:`seed` (and in results' provenance),
        so a run can always be repeated.
    covariates : mapping or DataFrame, optional
        ``body_weight`` (kg, 20-300; scales per-kg doses and the beta-endorphin
        dosing volumes, default 70 kg), ``vo2max`` (mL/kg/min, 10-90; turns
        ``Exercise(vo2=...)`` workloads into each subject's relative
        intensity), ``sex`` ("female"/"male") and ``age`` (years, 0-120).
        Each a scalar or ``n`` values; all are kept as coordinates of the
        results.  ``sex="female"`` gives morphine the women's ke0 and
        effect-site factor (Sarton et al. 2000:
        ``endorphin._dosing.SEX_EFFECTS``).  Age enters no parameter: the
        package's sources give no age effect on its parameters (docs/model.md).
    cv : mapping of str to float, optional
        Per-parameter CV overrides (``variability`` still scales them), e.g.
        ``{"t_half_plasma": 0.3}``; see :func:`endorphin.model.sample_parameters`.
    correlation : mapping of (str, str) to float, optional
        Correlations of the log-normal deviates of pairs of varied parameters,
        e.g. ``{("store_time_p", "rho_p"): -0.5}``.
    **overrides : float
        Typical values of parameters (engine or pulse-generator names of
        :func:`endorphin.parameters`), e.g. ``t_half_plasma=40``; subjects
        vary around them.  Values must be finite and non-negative (positive
        where the documented range is positive); with ``variability > 0`` a
        varying parameter must lie in its documented range, to which the
        draws are clipped.

    Examples
    --------
    >>> from endorphin.scenario import Population
    >>> pop = Population(n=1000, seed=1)
    >>> pop.parameters().shape
    (1000, 89)
    >>> bool((Population(n=10, seed=1).parameters() == pop.parameters()[:10]).all().all())
    True
    """

    # defaults for populations pickled before cv/correlation existed
    cv: Mapping = types.MappingProxyType({})
    correlation: Mapping = types.MappingProxyType({})

    def __init__(self, n: int, condition: str = "healthy", variability: float = 1.0,
                 seed: int | None = None, covariates=None, *, cv=None, correlation=None,
                 **overrides):
        self.n = _integer(n, "n", low=1, high=10**9)
        if cv is not None and not isinstance(cv, Mapping):
            raise TypeError(f"cv must be a mapping parameter -> CV, got {type(cv).__name__}")
        if correlation is not None and not isinstance(correlation, Mapping):
            raise TypeError(f"correlation must be a mapping (name, name) -> rho, got "
                            f"{type(correlation).__name__}")
        self.cv = dict(cv or {})
        self.correlation = {tuple(k) if isinstance(k, (tuple, list)) else k: v
                            for k, v in (correlation or {}).items()}
        model._cv_and_cholesky(1.0, self.cv, self.correlation)    # validate now
        if not isinstance(condition, str):
            raise TypeError(f"condition must be a string, got {type(condition).__name__}")
        if condition not in CONDITIONS:
            raise ValueError(f"condition {condition!r} is not available; available: "
                             f"{list(CONDITIONS)} (endorphin.presets)")
        self.condition = condition
        self.variability = _real(variability, "variability", low=0.0, high=5.0)
        if seed is None:
            seed = int(np.random.SeedSequence().entropy)
        elif isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
            raise TypeError(f"seed must be a non-negative integer or None, got "
                            f"{type(seed).__name__}")
        elif seed < 0:
            raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
        self.seed = int(seed)
        self.covariates = _covariates(covariates, self.n)
        self.overrides = dict(overrides)
        self._engine_overrides, self._pulse_overrides = _overrides(self.overrides)
        if self.variability > 0:
            for key, v in self._engine_overrides.items():
                row = _PARAM_TABLE[key]
                if row.cv > 0 and not row.low <= v <= row.high:
                    raise ValueError(
                        f"{key}={v:g} is outside its documented range {row.low:g}-"
                        f"{row.high:g}, to which the population's log-normal draws are "
                        f"clipped; use a value inside the range, or variability=0 (or "
                        f"Subject) for a value outside it")

    # -- parameters
    @property
    def subjects(self) -> np.ndarray:
        """Subject indices ``0 .. n-1`` (the keys of their random streams)."""
        return np.arange(self.n, dtype=np.int64)

    @property
    def body_weight(self) -> np.ndarray:
        """Body weight per subject, kg (default 70)."""
        return self.covariates.get("body_weight",
                                   np.full(self.n, _DEFAULT_BODY_WEIGHT))

    @property
    def vo2max(self) -> np.ndarray:
        """VO2max per subject, mL/kg/min: the ``vo2max`` covariate, else the
        condition's default (:data:`DEFAULT_VO2MAX`, assumed).  Read only by
        ``Exercise(vo2=...)``."""
        return self.covariates.get("vo2max", np.full(
            self.n, DEFAULT_VO2MAX.get(self.condition, DEFAULT_VO2MAX_OTHER)))

    @property
    def pulse_parameters(self) -> dict:
        """Overrides of the pulse generator (see :func:`endorphin.model.pulse_schedule`)."""
        return dict(self._pulse_overrides)

    def typical(self) -> np.ndarray:
        """The typical subject's engine parameters, (P,): the defaults, the condition's
        preset (:mod:`endorphin.presets`), then the explicit overrides."""
        return model.default_parameters(**{**presets.get(self.condition).values(),
                                           **self._engine_overrides})

    def draw(self, first: int = 0, count: int | None = None) -> np.ndarray:
        """Engine parameters of subjects ``first .. first+count-1``, (count, P).

        Parameters
        ----------
        first : int
            First subject index.
        count : int, optional
            Number of subjects (default: to the end of the population).
        """
        first = _integer(first, "first", low=0, high=self.n - 1)
        count = self.n - first if count is None else _integer(count, "count", low=1,
                                                             high=self.n - first)
        base = self.typical()
        if self.variability == 0.0:
            return np.tile(base, (count, 1))
        return model.sample_parameters(count, self.seed, self.variability, base=base,
                                       first_subject=first, cv=self.cv or None,
                                       correlation=self.correlation or None)

    def parameters(self):
        """Every subject's engine parameters as a table.

        Returns
        -------
        pandas.DataFrame
            Index ``subject``; one column per engine parameter (units in
            :func:`endorphin.parameters`).  ``clock_start`` and
            ``pulse_mean`` are set by the scenario at simulation time.
        """
        import pandas as pd
        return pd.DataFrame(self.draw(), index=pd.Index(self.subjects, name="subject"),
                            columns=list(_ENGINE.params))

    def _key(self):
        cov = tuple(sorted((k, v.tolist()) for k, v in self.covariates.items()))
        return (type(self).__name__, self.n, self.condition, self.variability, self.seed,
                cov, tuple(sorted(self.overrides.items())), tuple(sorted(self.cv.items())),
                tuple(sorted(self.correlation.items())))

    def __eq__(self, other):
        if not isinstance(other, Population):
            return NotImplemented
        return self._key() == other._key()

    def __hash__(self):
        return hash(self._key())

    def __repr__(self) -> str:
        extra = "".join(f", {k}={v!r}" for k, v in self.overrides.items())
        cov = f", covariates={sorted(self.covariates)}" if self.covariates else ""
        return (f"Population(n={self.n}, condition={self.condition!r}, "
                f"variability={self.variability:g}, seed={self.seed}{cov}{extra})")


class Subject(Population):
    """One virtual subject (n = 1): the typical subject, with parameter overrides.

    Parameters
    ----------
    condition : str
        ``"healthy"`` (see :class:`Population`).
    seed : int
        Seed of the subject's pulse stream (and measurement noise), default 0.
    covariates : mapping, optional
        ``body_weight`` (kg), ``sex``, ``age`` as for :class:`Population`.
    **overrides : float
        Parameter values, e.g. ``Subject(t_half_plasma=40.0)``.

    Examples
    --------
    >>> from endorphin.scenario import Subject
    >>> Subject(t_half_plasma=40.0).parameters()["t_half_plasma"].tolist()
    [40.0]
    """

    def __init__(self, condition: str = "healthy", *, seed: int = 0, covariates=None,
                 **overrides):
        super().__init__(1, condition, 0.0, seed, covariates, **overrides)

    def __repr__(self) -> str:
        extra = "".join(f", {k}={v!r}" for k, v in self.overrides.items())
        cov = "".join(f", {k}={v[0].item()!r}" for k, v in self.covariates.items())
        return f"Subject(condition={self.condition!r}, seed={self.seed}{cov}{extra})"


# ---------------------------------------------------------------------------
# Scenarios
# ---------------------------------------------------------------------------
def _clock(value) -> tuple:
    """clock_start as (minutes after midnight, "HH:MM")."""
    if isinstance(value, str):
        m = re.fullmatch(r"\s*(\d{1,2}):(\d{2})\s*", value)
        if not m or int(m.group(1)) > 23 or int(m.group(2)) > 59:
            raise ValueError(f"clock_start must be 'HH:MM' (00:00-23:59) or minutes after "
                             f"midnight in [0, 1440), got {value!r}")
        minutes = 60.0 * int(m.group(1)) + int(m.group(2))
    else:
        minutes = _real(value, "clock_start", low=0.0, unit="minutes after midnight")
        if minutes >= 1440.0:
            raise ValueError(f"clock_start must be in [0, 1440) minutes after midnight, "
                             f"got {value!r}")
    h, mi = divmod(minutes, 60.0)
    return minutes, f"{int(h):02d}:{mi:02.0f}" if mi == int(mi) else f"{int(h):02d}:{mi:05.2f}"


class Scenario:
    """A protocol, doses and a population on a time grid, ready to simulate.

    Parameters
    ----------
    protocol : Protocol or Stimulus, optional
        Stimuli (None: rest).  Stimuli running past ``t_end`` are cut there.
    doses : Dose or sequence of Dose, optional
        Administrations (None or []: none).  A dose whose first
        administration is after ``t_end`` is rejected (ValueError); later
        administrations of a repeated schedule past ``t_end`` are dropped.
    population : Population or Subject, optional
        Default ``Subject()`` (the typical healthy subject, seed 0).
    t_end : float
        Length of the scenario, minutes, ``> 0``.
    dt : float
        Output interval, minutes, ``0 < dt <= t_end``; outputs at ``0, dt,
        2 dt, ...`` and at ``t_end`` (at most 10^7 times).
    clock_start : str or float
        Clock time of t = 0, ``"HH:MM"`` or minutes after midnight (sets the
        engine parameter ``clock_start``).
    circadian : bool
        The circadian rhythm of POMC synthesis (False sets ``a_circ = 0``:
        at rest every concentration then equals its base value exactly).
    pulses : bool
        Ultradian pituitary pulses (a renewal process per subject, keyed by
        the population's seed).
    name : str, optional
        Label of the scenario (in results and their HTML view).

    Examples
    --------
    >>> from endorphin.scenario import Scenario, Exercise, Population
    >>> sc = Scenario(Exercise(0.8, start=60, duration=30), population=Population(50, seed=1),
    ...               t_end=240, dt=5)
    >>> res = sc.simulate(outputs=["plasma_beta_endorphin"])
    >>> res["plasma_beta_endorphin"].shape
    (50, 49)
    """

    def __init__(self, protocol=None, doses=None, population=None, t_end: float = 1440.0,
                 dt: float = 1.0, clock_start="08:00", circadian: bool = True,
                 pulses: bool = True, name: str | None = None):
        self.t_end = _real(t_end, "t_end", low=0.0, low_open=True, unit="min")
        self.dt = _real(dt, "dt", low=0.0, low_open=True, unit="min")
        if self.dt > self.t_end:
            raise ValueError(f"dt must be <= t_end = {self.t_end:g} min, got {dt!r}")
        if self.t_end / self.dt + 2 > _MAX_TIMES:
            raise ValueError(f"dt = {dt!r} gives more than {_MAX_TIMES} output times over "
                             f"t_end = {self.t_end:g} min; use a larger dt")
        if protocol is None:
            protocol = Protocol()
        elif isinstance(protocol, Stimulus):
            protocol = Protocol((protocol,))
        elif not isinstance(protocol, Protocol):
            raise TypeError(f"protocol must be a Protocol, a stimulus or None, got "
                            f"{type(protocol).__name__}")
        if protocol.frequencies() == {"low", "high"}:
            raise ValueError("protocol mixes low- and high-frequency Acupuncture; the engine "
                             "has one acupuncture channel, so simulate them as two scenarios")
        self.protocol = protocol
        if doses is None:
            doses = ()
        elif isinstance(doses, Dose):
            doses = (doses,)
        elif isinstance(doses, (str, bytes)) or not hasattr(doses, "__iter__"):
            raise TypeError(f"doses must be a Dose, a sequence of Dose or None, got "
                            f"{type(doses).__name__}")
        doses = tuple(doses)
        for d in doses:
            if not isinstance(d, Dose):
                raise TypeError(f"doses must hold Dose objects, got {type(d).__name__}")
            if d.time > self.t_end:
                raise ValueError(f"doses: the {d.drug} dose at time {d.time:g} min is after "
                                 f"t_end = {self.t_end:g} min (doses must start within "
                                 f"[0, t_end])")
        self.doses = doses
        if population is None:
            population = Subject()
        elif not isinstance(population, Population):
            raise TypeError(f"population must be a Population or Subject, got "
                            f"{type(population).__name__}")
        self.population = population
        self.clock_start, self.clock_start_text = _clock(clock_start)
        self.circadian = _flag(circadian, "circadian")
        self.pulses = _flag(pulses, "pulses")
        if name is not None and not isinstance(name, str):
            raise TypeError(f"name must be a string or None, got {type(name).__name__}")
        self.name = name

    # -- files
    @classmethod
    def from_toml(cls, path) -> Scenario:
        """Read a scenario file (TOML; the layout is documented in the README's
        "Scenario files" section and :mod:`endorphin._toml`).

        >>> import endorphin as en, tempfile, os
        >>> sc = en.Scenario(en.Exercise(0.8, start=60, duration=30),
        ...                  en.Dose("naloxone", 0.4, time=50), en.Population(20, seed=2))
        >>> path = os.path.join(tempfile.mkdtemp(), "s.toml")
        >>> _ = sc.to_toml(path)
        >>> en.Scenario.from_toml(path) == sc
        True
        """
        from . import _toml
        return _toml.read(path)

    def to_toml(self, path):
        """Write this scenario to a TOML file; returns the path."""
        from . import _toml
        return _toml.write(self, path)

    # -- the grid and the engine's arrays
    @property
    def times(self) -> np.ndarray:
        """Output times, minutes: ``0, dt, 2 dt, ...`` and ``t_end``."""
        k = int(math.floor(self.t_end / self.dt * (1.0 + 1e-12)))
        t = self.dt * np.arange(k + 1, dtype=np.float64)
        t = t[t < self.t_end * (1.0 - 1e-12)]       # k >= 1 (dt <= t_end): t[0] = 0 stays
        return np.append(t, self.t_end)

    def _apply_settings(self, params: np.ndarray) -> np.ndarray:
        ix = model._INDEX
        params[:, ix["clock_start"]] = self.clock_start
        if not self.circadian:
            params[:, ix["a_circ"]] = 0.0
        if "high" in self.protocol.frequencies():
            # high-frequency acupuncture is not endorphin-mediated (Pomeranz): the
            # single acupuncture channel keeps only its non-opioid route
            params[:, ix["acupuncture_gain_pituitary"]] = 0.0
            params[:, ix["acupuncture_gain_hypothalamic"]] = 0.0
        return params

    def _plan(self, body_weight: np.ndarray):
        """The drug plan (slots, model variant, drug boluses and infusions)."""
        from . import _dosing
        return _dosing.plan([d for d in self.doses if not d.is_endogenous], self.t_end,
                            body_weight)

    def outputs(self) -> tuple:
        """Names of the outputs this scenario produces: the model's (API.md) and, per
        drug dosed, ``<drug>_plasma``, ``<drug>_effect_site`` (nmol/L) and
        ``occupancy_<receptor>_<drug>``."""
        names = list(_ENGINE.outputs)
        seen = []
        for d in self.doses:
            if not d.is_endogenous and d.drug not in seen:
                seen.append(d.drug)
        for drug in seen:
            names += [f"{drug}_plasma", f"{drug}_effect_site"] + [
                f"occupancy_{r}_{drug}" for r in ("mu", "delta", "kappa")]
        return tuple(names)

    def _inputs(self, body_weight: np.ndarray, plan, vo2max: np.ndarray | None = None):
        """breaks (B,), inputs (B+1, U) or per subject (N, B+1, U); ``vo2max`` of the
        same subjects as ``body_weight`` (default: the population's first N)."""
        names = core.models[plan.model].inputs
        absolute = [s for s in self.protocol if isinstance(s, Exercise) and s.vo2 is not None]
        segs = sorted((s.segment() for s in self.protocol if s not in absolute),
                      key=lambda g: (g[1], g[0]))
        N = body_weight.shape[0]
        per_subject = []                       # (input, start, duration, rate (N,))
        if absolute:
            if vo2max is None:
                vo2max = self.population.vo2max[:N]
            per_subject += [(s.channel, s.start, s.duration, s.relative(vo2max))
                            for s in absolute]
        for d in self.doses:
            if d.is_endogenous and d.is_infusion:
                col = _BEND_ROUTES[d.route][1]
                rate = np.array([d.step(w)[1] for w in body_weight]) / d.duration  # pmol/L/min
                per_subject += [(col, float(t), d.duration, rate)
                                for t in d.administrations()]
        per_subject += plan.infusions
        shared = []
        for col, start, dur, rate in per_subject:
            rate = np.broadcast_to(np.asarray(rate, dtype=np.float64), (N,))
            if (rate == rate[0]).all():
                shared.append((col, start, dur, float(rate[0])))
        varying = [x for x in per_subject if not (np.broadcast_to(
            np.asarray(x[3], dtype=np.float64), (N,)) == np.ravel(x[3])[0]).all()]
        breaks, inputs = model.stimulus_inputs(segs + shared, 0.0, self.t_end, names=names)
        if not varying:
            return breaks, inputs
        # per-subject rates: the edges of the varying segments join the breaks
        edges = set(breaks.tolist())
        for _, start, dur, _ in varying:
            for e in (start, start + dur):
                if 0.0 < e < self.t_end:
                    edges.add(float(e))
        breaks2 = np.array(sorted(edges))
        lefts_old = np.concatenate([[0.0], breaks])
        lefts = np.concatenate([[0.0], breaks2])
        base = inputs[np.searchsorted(lefts_old, lefts, side="right") - 1]
        out = np.repeat(base[None], N, axis=0)
        for col, start, dur, rate in varying:
            a, b = max(start, 0.0), min(start + dur, self.t_end)
            on = (lefts >= a) & (lefts < b)
            out[:, on, names.index(col)] += np.asarray(rate, dtype=np.float64)[:, None]
        return breaks2, out

    def _boluses(self, body_weight: np.ndarray, plan):
        """User boluses: times (D,), states (D,), amounts (N, D), sorted by time."""
        times, states, cols = [], [], []
        for d in self.doses:
            if not d.is_endogenous or d.is_infusion:
                continue
            steps = np.array([d.step(w)[1] for w in body_weight])
            for t in d.administrations():
                if t <= self.t_end:
                    times.append(float(t))
                    states.append(_BEND_ROUTES[d.route][0])
                    cols.append(steps)
        times += plan.bolus_times.tolist()
        states += plan.bolus_states.tolist()
        cols += list(plan.bolus_nmol.T)
        if not times:
            return None
        order = np.argsort(times, kind="stable")
        return (np.array(times)[order], np.array(states)[order],
                np.stack(cols, axis=1)[:, order])

    # -- running
    def simulate(self, *, threads: int | None = None, method: str = "auto",
                 rtol: float = 1e-6, atol: float = 1e-9, outputs=None,
                 progress: bool = False, chunks: int | None = None):
        """Simulate every subject of the population.

        Parameters
        ----------
        threads : int, optional
            Engine threads (default: the cores available).  Results do not
            depend on it.
        method : {"auto", "explicit", "stiff", "tsit5", "dopri5"}
            Integrator (see :func:`endorphin.core.simulate`).
        rtol, atol : float
            Relative (> 0) and absolute (>= 0, in the states' units: pmol/L,
            nmol/L, dimensionless) tolerances.
        outputs : sequence of str, optional
            Output names to keep (default all; see
            ``endorphin.core.models["endorphin"].outputs``).  Fewer outputs
            need less memory: the result holds N x outputs x times floats.
        progress : bool
            Show a progress bar (``tqdm.auto``, if installed; silent without
            a terminal or notebook).  The population is then run in about
            20 chunks; results are identical.
        chunks : int, optional
            Subjects per Dask task (needs ``endorphin[dask]``): the result is
            then lazy (:class:`endorphin._dask.LazyResult`, dask arrays chunked
            along subjects), computed on the current Dask scheduler (a
            ``dask.distributed.Client`` if one is active) when asked.  The
            numbers are bitwise those of an in-process run, whatever the
            chunking and the workers (every draw is keyed by subject).

        Returns
        -------
        Result
            Trajectories (subject, time) of every output, with the
            scenario, the subjects' parameters and the provenance (a
            ``LazyResult`` with ``chunks=``).

        Warns
        -----
        RuntimeWarning
            If the engine failed for some subjects (their outputs are NaN
            from the failure on; ``result.status`` says why).
        """
        if not isinstance(method, str) or method not in core._METHODS:
            raise ValueError(f"method must be one of {sorted(core._METHODS)}, got {method!r}")
        defaulted = outputs is None
        outputs = self._check_outputs(outputs)
        progress = _flag(progress, "progress")
        if chunks is not None:
            from . import _dask
            return _dask.simulate(self, chunks, outputs=outputs, method=method, rtol=rtol,
                                  atol=atol)
        pop = self.population
        N = pop.n
        _check_result_size(N, len(outputs), self.times.size, defaulted)
        bar = None
        if progress:
            try:
                from tqdm.auto import tqdm
            except ImportError:
                tqdm = None
            if tqdm is not None:
                bar = tqdm(total=N, unit="subject", desc=self.name or "simulate",
                           disable=None)
        try:
            y, status, stiff, params = self._run(0, N, outputs, method=method, rtol=rtol,
                                                 atol=atol, threads=threads, bar=bar)
        finally:
            if bar is not None:
                bar.close()
        return self._result(y, status, stiff, params, outputs, method, rtol, atol)

    def _check_outputs(self, outputs) -> tuple:
        available = self.outputs()
        if outputs is None:
            outputs = available
        elif isinstance(outputs, str):
            outputs = (outputs,)
        else:
            try:
                outputs = tuple(outputs)
            except TypeError:
                raise TypeError(f"outputs must be a sequence of output names, got "
                                f"{type(outputs).__name__}") from None
        for o in outputs:
            if o not in available:
                raise ValueError(f"outputs: {o!r} is not an output of this scenario; "
                                 f"known: {list(available)}")
        if len(outputs) == 0:
            raise ValueError("outputs must name at least one output")
        return tuple(outputs)

    def _run(self, first: int, count: int, outputs, *, method="auto", rtol=1e-6,
             atol=1e-9, threads=None, bar=None, summary=False, thresholds=None):
        """Simulate subjects ``first .. first + count - 1`` (their draws and pulses are
        keyed by subject, so any split gives the same numbers).  Returns ``y``
        (count, outputs, times) or, with ``summary``, the engine's summaries
        (count, outputs, 6), then ``status``, ``stiff`` and the parameters."""
        pop = self.population
        N = int(count)
        t_out = self.times
        params = self._apply_settings(pop.draw(first, count))
        bw = pop.body_weight[first:first + count]
        sex = pop.covariates.get("sex")
        sex = None if sex is None else sex[first:first + count]
        plan = self._plan(bw)
        breaks, inputs = self._inputs(bw, plan, pop.vo2max[first:first + count])
        boluses = self._boluses(bw, plan)
        # engine outputs to compute; a drug given in two slots sums them
        sums = plan.drug_outputs()
        eng_outputs = []
        for o in outputs:
            for e in sums.get(o, [o]):
                if e not in eng_outputs:
                    eng_outputs.append(e)
        direct = tuple(eng_outputs) == tuple(outputs)
        if summary and not direct:
            raise ValueError("summary mode cannot sum a drug given by two routes (two "
                             "engine slots): the maximum of a sum is not a sum of maxima; "
                             "ask for full trajectories instead")
        width = 6 if summary else t_out.size
        y = np.empty((N, len(outputs), width))
        ybuf = y if direct else np.empty((N, len(eng_outputs), width))
        status = np.zeros(N, dtype=np.int8)
        stiff = np.zeros(N, dtype=bool)
        n_chunks = min(N, 20) if bar is not None else 1
        edges = np.linspace(0, N, n_chunks + 1).round().astype(int)
        ix = model._INDEX
        for a, b in zip(edges[:-1], edges[1:]):
            if b <= a:
                continue
            p = params[a:b]                       # a view: fills params' pulse_mean
            inp = inputs[a:b] if inputs.ndim == 3 else inputs
            sx = None if sex is None else sex[a:b]
            doses = None
            if boluses is not None:
                doses = (boluses[0], boluses[1], boluses[2][a:b])
            if self.pulses:
                doses = model.pulse_doses(p, 0.0, self.t_end, pop.seed, doses,
                                          first_subject=int(first + a), model=plan.model,
                                          **pop.pulse_parameters)
            else:
                p[:, ix["pulse_mean"]] = 0.0
            if summary:
                res = core.simulate(plan.model, plan.parameters(p, sx), [self.t_end], t0=0.0,
                                    breaks=breaks, inputs=inp, doses=doses,
                                    outputs=eng_outputs, rtol=rtol, atol=atol,
                                    method=method, threads=threads, summary=True,
                                    thresholds=thresholds)
                ybuf[a:b] = res.summary
            else:
                res = core.simulate(plan.model, plan.parameters(p, sx), t_out, t0=0.0,
                                    breaks=breaks, inputs=inp, doses=doses,
                                    outputs=eng_outputs, rtol=rtol, atol=atol,
                                    method=method, threads=threads, out=ybuf[a:b])
            status[a:b] = res.status
            stiff[a:b] = res.stiff
            if bar is not None:
                bar.update(b - a)
        if not direct:
            for j, o in enumerate(outputs):
                idx = [eng_outputs.index(e) for e in sums.get(o, [o])]
                y[:, j] = ybuf[:, idx].sum(axis=1)
        return y, status, stiff, params

    def _provenance(self, method, rtol, atol) -> dict:
        from ._version import __version__
        pop = self.population
        return {
            "endorphin_version": __version__,
            "model": self._plan(pop.body_weight[:1]).model, "method": method,
            "rtol": float(rtol), "atol": float(atol), "seed": pop.seed,
            "condition": pop.condition, "variability": pop.variability,
            "n_subjects": pop.n, "t_end": self.t_end, "dt": self.dt,
            "clock_start": self.clock_start_text, "circadian": self.circadian,
            "pulses": self.pulses, "population": repr(pop),
            "protocol": "; ".join(repr(s) for s in self.protocol) or "rest",
            "doses": "; ".join(repr(d) for d in self.doses) or "none",
            "scenario": self.name or "",
        }

    def _result(self, y, status, stiff, params, outputs, method, rtol, atol) -> Result:
        pop = self.population
        N = pop.n
        bad = status != 0
        if bad.any():
            counts = ", ".join(f"{int((status == k).sum())} {core.STATUS.get(int(k), k)}"
                               for k in np.unique(status[bad]))
            warnings.warn(f"the engine failed for {int(bad.sum())} of {N} subjects "
                          f"({counts}); their outputs are NaN from the failure on (see "
                          f"result.status)",
                          RuntimeWarning, stacklevel=3)
        provenance = self._provenance(method, rtol, atol)
        t_out = self.times
        return Result(t_out, y, outputs, subjects=pop.subjects, status=status, stiff=stiff,
                      params=params, covariates=pop.covariates, name=self.name,
                      provenance=provenance, scenario=self)

    def summarize(self, outputs=None, *, thresholds=None, chunks: int | None = None,
                  method: str = "auto", rtol: float = 1e-6, atol: float = 1e-9,
                  threads: int | None = None):
        """Per-subject summaries computed during the integration, without keeping
        trajectories (memory O(subjects); with ``chunks``, O(chunk) per Dask task).

        Parameters
        ----------
        outputs : sequence of str, optional
            Default: plasma beta-endorphin, analgesia, opioid analgesia and mood.
        thresholds : sequence of float, optional
            Per output, the level whose time above is reported (default 0).
        chunks : int, optional
            Subjects per Dask task; the summaries are then a lazy dask array.
        method, rtol, atol, threads
            As in :meth:`simulate`.

        Returns
        -------
        endorphin._dask.Summaries
            ``values`` (subjects, outputs, stats) with the stats of
            :data:`endorphin.core.SUMMARY_STATS` (max, tmax, min, auc,
            time_above, end), ``to_xarray()`` and ``percentiles(q)``.
        """
        from . import _dask
        if outputs is None:
            outputs = ("plasma_beta_endorphin", "analgesia", "opioid_analgesia", "mood")
        outputs = self._check_outputs(outputs)
        if not isinstance(method, str) or method not in core._METHODS:
            raise ValueError(f"method must be one of {sorted(core._METHODS)}, got {method!r}")
        thr = np.zeros(len(outputs)) if thresholds is None else np.asarray(
            core._float_array(thresholds, "thresholds", (1,)), dtype=np.float64)
        if thr.shape != (len(outputs),):
            raise ValueError(f"thresholds must have one value per output ({len(outputs)}), "
                             f"got shape {thr.shape}")
        if chunks is not None:
            return _dask.summarize(self, chunks, outputs=outputs, thresholds=thr,
                                   method=method, rtol=rtol, atol=atol)
        vals, status, _, _ = self._run(0, self.population.n, outputs, method=method,
                                       rtol=rtol, atol=atol, threads=threads, summary=True,
                                       thresholds=thr)
        return _dask.Summaries(vals, status, outputs, self)

    # -- housekeeping
    def _key(self):
        return (self.protocol, self.doses, self.population, self.t_end, self.dt,
                self.clock_start, self.circadian, self.pulses, self.name)

    def __eq__(self, other):
        if not isinstance(other, Scenario):
            return NotImplemented
        return self._key() == other._key()

    def __hash__(self):
        return hash(self._key())

    def __repr__(self) -> str:
        name = f"{self.name!r}, " if self.name else ""
        return (f"Scenario({name}{len(self.protocol)} stimuli, {len(self.doses)} doses, "
                f"{self.population!r}, t_end={self.t_end:g}, dt={self.dt:g}, "
                f"clock_start={self.clock_start_text!r}, circadian={self.circadian}, "
                f"pulses={self.pulses})")


def compare(scenarios: Mapping, **simulate_kwargs) -> Comparison:
    """Simulate several scenarios and hold the results side by side.

    Parameters
    ----------
    scenarios : mapping of str to Scenario
        Names (the ``scenario`` coordinate) and scenarios.  Use the same
        :class:`Population` object (or the same seed) in each to compare the
        same virtual subjects (common random numbers).
    **simulate_kwargs
        Passed to every :meth:`Scenario.simulate` (``threads``, ``method``,
        ``rtol``, ``atol``, ``outputs``, ``progress``).

    Returns
    -------
    Comparison
        ``cmp[name]`` is the :class:`~endorphin.results.Result` of a scenario;
        ``cmp[output]`` a (scenario, subject, time) array;
        ``to_xarray()``/``to_pandas()``/``summary()``/``sample()`` add a
        ``scenario`` dimension/column.

    Examples
    --------
    >>> from endorphin.scenario import Scenario, Exercise, Population, compare
    >>> pop = Population(20, seed=3)
    >>> cmp = compare({"60 %": Scenario(Exercise(0.6, start=30, duration=30), population=pop,
    ...                                 t_end=120, dt=5),
    ...                "80 %": Scenario(Exercise(0.8, start=30, duration=30), population=pop,
    ...                                 t_end=120, dt=5)},
    ...               outputs=["plasma_beta_endorphin"])
    >>> cmp["plasma_beta_endorphin"].shape
    (2, 20, 25)
    """
    if not isinstance(scenarios, Mapping):
        raise TypeError(f"scenarios must be a mapping of names to Scenario objects, got "
                        f"{type(scenarios).__name__}")
    if len(scenarios) == 0:
        raise ValueError("scenarios must hold at least one scenario")
    for key, sc in scenarios.items():
        if not isinstance(key, str):
            raise TypeError(f"scenario names must be strings, got {key!r}")
        if not isinstance(sc, Scenario):
            raise TypeError(f"scenarios[{key!r}] must be a Scenario, got "
                            f"{type(sc).__name__}")
        if key in _ENGINE.outputs:
            raise ValueError(f"scenario name {key!r} is also an output name; choose another")
    results = {}
    for key, sc in scenarios.items():
        res = sc.simulate(**simulate_kwargs)
        res.name = key
        results[key] = res
    return Comparison(results)
