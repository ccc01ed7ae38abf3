"""Programmes over weeks: :func:`weekly` and the days of the week.

A scenario's t = 0 is its ``clock_start`` (default 08:00) on its ``start_day``
(default Monday); days are 1440 minutes.  Inside :func:`weekly` a stimulus's
``start`` is the *clock time* of the session (minutes after midnight) on each
listed day, so a session at 18:00 on a Wednesday of week ``w`` (0-based, counted from
the start day) starts at ``t = (7 w + d) 1440 + 1080 - clock_start`` minutes, where
``d`` is the number of days from the start day to Wednesday.  Sessions that would
start before t = 0 are dropped.  The sessions are resolved when a
:class:`~endorphin.Scenario` is made (it knows ``clock_start`` and ``start_day``);
elsewhere (``Protocol.table()``, iteration) the defaults Monday 08:00 apply.
"""
from __future__ import annotations

from dataclasses import dataclass

from .._validate import integer

__all__ = ["weekly", "Weekly", "WEEKDAYS", "weekday"]

#: The days of the week, Monday first (the engine has no calendar: only offsets).
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_FULL = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
DAY = 1440.0
#: The most weeks a programme may last (about 20 years).
MAX_WEEKS = 1040


def weekday(value, name: str = "start_day") -> int:
    """The index (Monday 0) of a weekday given as ``"mon"`` .. ``"sun"`` or its full
    English name (any case); ``ValueError``/``TypeError`` naming ``name`` otherwise."""
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a weekday name such as 'mon', got "
                        f"{type(value).__name__}")
    v = value.strip().lower()
    if v in WEEKDAYS:
        return WEEKDAYS.index(v)
    if v in _FULL:
        return _FULL.index(v)
    raise ValueError(f"{name}: {value!r} is not a weekday; use one of {list(WEEKDAYS)} "
                     f"(or the full English names)")


@dataclass(frozen=True)
class Weekly:
    """One weekly part of a protocol: ``sessions`` (stimuli whose ``start`` is a clock
    time) on ``days`` (weekday indices, Monday 0), for ``weeks`` weeks.  Made by
    :func:`weekly`; resolved into stimuli by :meth:`stimuli`."""
    sessions: tuple
    days: tuple
    weeks: int

    def stimuli(self, clock_start: float = 480.0, start_day: int = 0) -> tuple:
        """The sessions as stimuli on the scenario's time axis (minutes from t = 0, which
        is ``clock_start`` minutes after midnight on weekday ``start_day``), sorted by
        start; sessions starting before t = 0 are dropped."""
        out = []
        for w in range(self.weeks):
            for d in self.days:
                day = 7 * w + (d - start_day) % 7
                for s in self.sessions:
                    t = day * DAY + s.start - clock_start
                    if t >= 0.0:
                        out.append(s.shifted(t - s.start))
        out.sort(key=lambda s: (s.start, s.channel))
        return tuple(out)


def weekly(stimulus, days=("mon", "wed", "fri"), weeks: int = 12):
    """A programme: ``stimulus`` on the listed weekdays, every week, for ``weeks`` weeks.

    Parameters
    ----------
    stimulus : Stimulus or Protocol
        One session (or several stimuli making one session).  Its ``start`` is the
        **clock time** of the session in minutes after midnight, ``0 <= start < 1440``,
        or ``"HH:MM"``.
    days : sequence of str, or str
        Weekdays, ``"mon"`` .. ``"sun"`` (or full English names, any case); each at
        most once.  A single string is one day.
    weeks : int
        Number of weeks, ``1 <= weeks <= 1040``; week 0 begins on the scenario's
        ``start_day``.

    Returns
    -------
    Protocol
        A protocol (combine it with ``+`` like any other).  A scenario places the
        sessions on its clock (``clock_start``, ``start_day``) and drops those that
        would start before t = 0.

    Raises
    ------
    TypeError
        ``stimulus`` is not a stimulus or protocol; ``days`` holds a non-string.
    ValueError
        A day that is not a weekday, a repeated day, ``weeks <= 0``, a session start
        outside one day, or sessions longer than the gap to the next session (the
        copies would overlap and add, which a programme of sessions never means).

    Examples
    --------
    >>> import endorphin as en
    >>> prog = en.weekly(en.Exercise(0.6, start=18 * 60, duration=40),
    ...                  days=("mon", "wed", "fri"), weeks=2)
    >>> sc = en.Scenario(prog, t_end=14 * 1440, dt=60.0)   # t = 0: Monday 08:00
    >>> [s.start / 60 for s in sc.protocol]
    [10.0, 58.0, 106.0, 178.0, 226.0, 274.0]
    """
    from .stimuli import Protocol, Stimulus

    if isinstance(stimulus, Stimulus):
        sessions = (stimulus,)
    elif isinstance(stimulus, Protocol):
        if stimulus.weekly:
            raise ValueError("stimulus: a weekly programme cannot be nested in weekly(); "
                             "give the session itself")
        sessions = tuple(stimulus.stimuli)
        if not sessions:
            raise ValueError("stimulus: the protocol is empty; give at least one stimulus")
    else:
        raise TypeError(f"stimulus must be a stimulus (Exercise, Meditation, ...) or a "
                        f"Protocol of one session, got {type(stimulus).__name__}")
    # a session given start="18:00" is at 18:00 (its clock time, minutes after midnight)
    sessions = tuple(s.as_session() for s in sessions)
    for s in sessions:
        if not s.start < DAY:
            raise ValueError(f"stimulus: start={s.start:g} is not a clock time; inside "
                             f"weekly() start is minutes after midnight, in [0, 1440)")
    if isinstance(days, str):
        days = (days,)
    try:
        days = tuple(days)
    except TypeError:
        raise TypeError(f"days must be a sequence of weekday names, got "
                        f"{type(days).__name__}") from None
    if not days:
        raise ValueError("days must name at least one weekday")
    idx = tuple(weekday(d, "days") for d in days)
    if len(set(idx)) != len(idx):
        raise ValueError(f"days: {list(days)} names a weekday twice")
    weeks = integer(weeks, "weeks", low=1, high=MAX_WEEKS)
    # sessions of one channel must not run into the next session (they would add)
    order = sorted(idx)
    gaps = [(order[(i + 1) % len(order)] - order[i]) % 7 or 7 for i in range(len(order))]
    for s in sessions:
        # the same stimulus on the next listed day starts min(gaps) days later
        if s.duration > min(gaps) * DAY:
            raise ValueError(f"stimulus: a session of {s.duration:g} min runs into the "
                             f"next listed day's session (days {list(days)}); sessions "
                             f"of a weekly programme must not overlap")
    return Protocol(weekly=(Weekly(sessions, idx, weeks),))
