"""Stimuli and protocols: what the subjects do, on which channel, when.

A *protocol* of stimuli (:class:`Exercise`, :class:`Stress`, :class:`Pain`,
:class:`Laughter`, :class:`Meditation`, :class:`Acupuncture`,
:class:`Placebo`) is composed with ``+`` and repeated with
``.repeat(every=, times=)``.  Units: start, duration and every in
**minutes** (a start may also be a clock time ``"HH:MM"``, placed on the
scenario's ``clock_start``); exercise intensity as a fraction of VO2max (0-1.2), pain as the
NRS 0-10 nociceptive input, the other stimuli 0-1.
"""
from __future__ import annotations

from dataclasses import KW_ONLY, dataclass, replace
from typing import ClassVar

import numpy as np

from .. import _units, model
from .._validate import choice, clock_minutes, integer, real, suggest

__all__ = ["Stimulus", "Exercise", "Stress", "Pain", "Laughter", "Meditation",
           "Acupuncture", "Placebo", "Protocol", "STIMULUS_TYPES", "DEFAULT_VO2MAX",
           "DEFAULT_VO2MAX_OTHER"]

#: The most copies ``repeat`` and repeated doses make.
MAX_REPEATS = 100_000
#: The clock time (minutes after midnight) a clock-time start is placed against
#: outside a scenario: the default ``Scenario(clock_start="08:00")``.
DEFAULT_CLOCK_START = 480.0
DAY = 1440.0


def clock_offset(clock: float, clock_start: float) -> float:
    """Minutes from t = 0 (clock time ``clock_start``) to the first time at or after it
    that the clock shows ``clock`` (both minutes after midnight): in ``[0, 1440)``, so a
    clock time earlier than ``clock_start`` is the next day's."""
    return (clock - clock_start) % DAY


def parse_start(value, name: str):
    """``(minutes, clock)``: a ``"HH:MM"`` string is a clock time, placed against
    08:00 (``clock`` its minutes after midnight); anything else passes through with
    ``clock`` None."""
    if isinstance(value, str):
        clock = clock_minutes(value, name)
        return clock_offset(clock, DEFAULT_CLOCK_START), clock
    return value, None


# ---------------------------------------------------------------------------
# Stimuli and protocols
# ---------------------------------------------------------------------------
class Stimulus:
    """Base class of the stimuli: a constant level on ``[start, start + duration)``.

    Subclasses are frozen dataclasses; combine them with ``+`` into a
    :class:`Protocol` and repeat them with :meth:`repeat`.  Overlapping
    stimuli of the same channel add (docs/model.md section 2).

    A ``start`` given as a clock time ``"HH:MM"`` is placed on the clock of
    the scenario it is in (``Scenario(clock_start=)``, default ``"08:00"``):
    at the first time at or after t = 0 that the clock shows it, so with
    ``clock_start="08:00"`` ``start="10:00"`` is t = 120 min and
    ``start="07:00"`` is the next morning, t = 1380 min (as the Unix ``at``
    command reads a time already past).  Outside a scenario (``.start``,
    :meth:`Protocol.table`) it is placed against 08:00.  :meth:`shifted`
    and :meth:`repeat` keep it a clock time (``.repeat(every=1440, ...)``:
    the same time every day); inside :func:`endorphin.weekly` it is the
    session's clock time.

    >>> import endorphin as en
    >>> ex = en.Exercise(intensity=0.7, start="10:00", duration=30)
    >>> ex.start, ex.clock_time
    (120.0, '10:00')
    >>> en.Scenario(ex, clock_start="09:30", t_end=240).protocol[0].start
    30.0
    """
    channel: ClassVar[str]
    #: A clock-time start ("HH:MM"), minutes after midnight, else None (see ``start``).
    _clock = None
    level_name: ClassVar[str] = "intensity"
    level_range: ClassVar[tuple] = (0.0, 1.0)
    level_unit: ClassVar[str] = "0-1"

    def __post_init__(self):
        low, high = self.level_range
        set_ = object.__setattr__
        set_(self, self.level_name, real(getattr(self, self.level_name), self.level_name,
                                          low=low, high=high, unit=self.level_unit))
        self._check_timing()

    def _check_timing(self):
        """start and duration as minutes (pint time quantities converted), validated."""
        set_ = object.__setattr__
        start, clock = parse_start(self.start, "start")
        if clock is not None:
            set_(self, "_clock", clock)
        set_(self, "start", real(_units.magnitude(start, "min", "start"), "start",
                                  low=0.0, unit="min"))
        set_(self, "duration", real(_units.magnitude(self.duration, "min", "duration"),
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
        """The same stimulus ``by`` minutes later (a clock-time start stays one: a copy
        1440 minutes later is at the same clock time the next day)."""
        out = replace(self, start=self.start + real(by, "by", unit="min"))
        if self._clock is not None:
            object.__setattr__(out, "_clock", self._clock)
        return out

    @property
    def clock_time(self) -> str | None:
        """The ``"HH:MM"`` this stimulus was given as its start, else None."""
        if self._clock is None:
            return None
        return f"{int(self._clock // 60):02d}:{int(self._clock % 60):02d}"

    def at_clock(self, clock_start: float) -> Stimulus:
        """This stimulus on a scenario whose t = 0 is ``clock_start`` (minutes after
        midnight): a clock-time start becomes minutes from t = 0 (the first time the
        clock shows it at or after t = 0, plus any shift); other stimuli are returned
        as they are."""
        if self._clock is None:
            return self
        shift = self.start - clock_offset(self._clock, DEFAULT_CLOCK_START)
        return replace(self, start=clock_offset(self._clock, clock_start) + shift)

    def as_session(self) -> Stimulus:
        """For :func:`endorphin.weekly`: a clock-time start as minutes after midnight."""
        if self._clock is None:
            return self
        shift = self.start - clock_offset(self._clock, DEFAULT_CLOCK_START)
        return replace(self, start=self._clock + shift)

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
        ``duration > 0``.  ``start`` may be a clock time ``"HH:MM"`` (see
        :class:`Stimulus`).
    vo2 : float, optional (keyword-only, instead of ``intensity``)
        The workload's oxygen uptake, mL/kg/min (0-90].  Each subject then
        exercises at ``vo2 / VO2max`` of its own VO2max *at the time of the
        session* (the model's ``vo2max`` output: the untrained VO2max, set from
        the ``vo2max`` covariate of :class:`Population`, else
        :data:`DEFAULT_VO2MAX`, 40 mL/kg/min, 55 for ``condition="trained"``,
        assumed, raised by training and lowered by detraining).  Trained and
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
        set_(self, "vo2", real(_units.magnitude(vo2, "mL/kg/min", "vo2"), "vo2", low=0.0,
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

    def segment(self) -> tuple:
        """``(input, start, duration, level)``: the ``exercise`` channel at the relative
        intensity, or the ``exercise_vo2`` input at the workload (mL/kg/min), which the
        model divides by the subject's VO2max at the time (training raises it)."""
        if self.vo2 is not None:
            return ("exercise_vo2", self.start, self.duration, self.vo2)
        return super().segment()

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
        Minutes; ``start >= 0``, ``duration > 0``.  ``start`` may be a clock
        time ``"HH:MM"`` (see :class:`Stimulus`).
    """
    level: float
    start: float
    duration: float
    channel: ClassVar[str] = "pain"
    level_name: ClassVar[str] = "level"
    level_range: ClassVar[tuple] = (0.0, 10.0)
    level_unit: ClassVar[str] = "NRS 0-10"


def _intensity_doc(summary: str, intensity: str = "0-1 (default 1).") -> str:
    """The docstring of a stimulus with an intensity and keyword-only timing."""
    return f"""{summary}

    Parameters
    ----------
    intensity : float
        {intensity}
    start, duration : float
        Minutes (keyword-only); ``start >= 0``, ``duration > 0``.  ``start``
        may be a clock time ``"HH:MM"`` (see :class:`Stimulus`).
    """


@dataclass(frozen=True)
class _IntensityStimulus(Stimulus):
    """A stimulus of intensity 0-1 (default 1), timed by keyword-only start and duration."""
    intensity: float = 1.0
    _: KW_ONLY
    start: float
    duration: float


@dataclass(frozen=True)
class Stress(_IntensityStimulus):
    __doc__ = _intensity_doc("Psychological or physical stress.")
    channel: ClassVar[str] = "stress"


@dataclass(frozen=True)
class Laughter(_IntensityStimulus):
    __doc__ = _intensity_doc("Laughter (e.g. social comedy; Dunbar 2012, Manninen 2017).")
    channel: ClassVar[str] = "laughter"


@dataclass(frozen=True)
class Meditation(_IntensityStimulus):
    __doc__ = _intensity_doc(
        "Meditation (analgesia largely naloxone-insensitive: Zeidan 2016, May 2018).")
    channel: ClassVar[str] = "meditation"


@dataclass(frozen=True)
class Placebo(_IntensityStimulus):
    __doc__ = _intensity_doc("Placebo expectation (releases endogenous opioids: Levine 1978).",
                             intensity="Strength of expectation, 0-1 (default 1).")
    channel: ClassVar[str] = "placebo"


@dataclass(frozen=True)
class Acupuncture(_IntensityStimulus):
    """(Electro-)acupuncture.

    Parameters
    ----------
    intensity : float
        0-1 (default 1).
    start, duration : float
        Minutes (keyword-only); ``start >= 0``, ``duration > 0``.  ``start``
        may be a clock time ``"HH:MM"`` (see :class:`Stimulus`).
    frequency : {"low", "high"}
        Low-frequency electro-acupuncture is endorphin-mediated;
        high-frequency (low-intensity) acupuncture is not (Pomeranz;
        docs/sources.md section 3).  The engine has one acupuncture channel,
        which drives both POMC pools (opioid) and a non-opioid analgesic
        activation.  A scenario with ``frequency="high"`` therefore sets
        every subject's ``acupuncture_gain_pituitary`` and
        ``acupuncture_gain_hypothalamic`` to 0, leaving only the non-opioid
        route (``acupuncture_nonopioid_gain``); one scenario cannot mix the
        two frequencies.
    """
    _: KW_ONLY
    frequency: str = "low"
    channel: ClassVar[str] = "acupuncture"

    def __post_init__(self):
        super().__post_init__()
        if not isinstance(self.frequency, str):
            raise ValueError(f"frequency must be 'low' or 'high', got {self.frequency!r}")
        object.__setattr__(self, "frequency", choice(
            self.frequency, ("low", "high"), "frequency", message=lambda v: (
                f"frequency must be 'low' or 'high', got {v!r}; "
                f"{suggest(v, ('low', 'high'))}".rstrip("; "))))


STIMULUS_TYPES = (Exercise, Stress, Pain, Laughter, Meditation, Acupuncture, Placebo)


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
    #: Weekly programme parts (:func:`endorphin.weekly`), placed on the clock when a
    #: scenario is made (:meth:`resolved`).
    weekly: tuple = ()

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
        object.__setattr__(self, "weekly", tuple(self.weekly))

    def resolved(self, clock_start: float = 480.0, start_day: int = 0) -> Protocol:
        """This protocol with its weekly parts placed on a scenario's clock (t = 0 is
        ``clock_start`` minutes after midnight on weekday ``start_day``, Monday 0): a
        protocol of stimuli only (itself when it has no weekly part)."""
        clocked = any(s._clock is not None for s in self.stimuli)
        if not self.weekly and not clocked:
            return self
        extra = tuple(s for w in self.weekly for s in w.stimuli(clock_start, start_day))
        return Protocol(tuple(s.at_clock(clock_start) for s in self.stimuli) + extra)

    def _plain(self) -> tuple:
        """The stimuli, weekly parts placed at the defaults (Monday 08:00)."""
        return self.resolved().stimuli

    def __add__(self, other):
        if isinstance(other, Stimulus):
            return Protocol(self.stimuli + (other,), self.weekly)
        if isinstance(other, Protocol):
            return Protocol(self.stimuli + other.stimuli, self.weekly + other.weekly)
        return NotImplemented

    def __radd__(self, other):
        if isinstance(other, int) and not isinstance(other, bool) and other == 0:
            return self
        return NotImplemented

    def __iter__(self):
        return iter(self._plain())

    def __len__(self) -> int:
        return len(self._plain())

    def __getitem__(self, i):
        return self._plain()[i]

    @property
    def end(self) -> float:
        """End of the last stimulus, minutes (0 for the empty protocol)."""
        return max((s.end for s in self._plain()), default=0.0)

    def _no_weekly(self, what: str):
        if self.weekly:
            raise ValueError(f"{what}: a weekly programme is placed on the scenario's clock; "
                             f"use weekly(..., weeks=) and the scenario's start_day and "
                             f"clock_start instead")

    def shifted(self, by: float) -> Protocol:
        """The same protocol ``by`` minutes later."""
        self._no_weekly("shifted")
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
            start at or after a scenario's ``t_end`` are not simulated (the
            scenario warns, naming them).
        """
        self._no_weekly("repeat")
        every = real(_units.magnitude(every, "min", "every"), "every", low=0.0,
                     low_open=True, unit="min")
        times = integer(times, "times", low=1, high=MAX_REPEATS)
        return Protocol(tuple(s.shifted(k * every) for k in range(times)
                              for s in self.stimuli))

    def segments(self) -> list:
        """Engine segments ``(channel, start, duration, level)``, by start time."""
        return sorted((s.segment() for s in self._plain()), key=lambda g: (g[1], g[0]))

    def frequencies(self) -> set:
        """Acupuncture frequencies used ({"low"}, {"high"}, both or empty)."""
        return {s.frequency for s in (self.stimuli + tuple(
            x for w in self.weekly for x in w.sessions)) if isinstance(s, Acupuncture)}

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
                     frequency=getattr(s, "frequency", None)) for s in self._plain()]
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
        for s in self._plain():
            on = (t >= s.start) & (t < s.end)
            out[on, model.CHANNELS.index(s.channel)] += s.channel_level
        return pd.DataFrame(out, index=pd.Index(t, name="time"), columns=list(model.CHANNELS))
