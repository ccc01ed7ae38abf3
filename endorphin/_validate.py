"""Argument checks shared by the layers (messages name the argument and the
allowed range): a package-internal module, imported by name."""
from __future__ import annotations

import math
import numbers

import numpy as np

__all__ = ["real", "integer", "flag", "choice", "suggest", "unknown_name", "known",
           "clock_minutes"]


def real(value, name: str, *, low=None, high=None, low_open=False, unit="") -> float:
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


def integer(value, name: str, *, low=None, high=None) -> int:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {type(value).__name__}")
    v = int(value)
    if (low is not None and v < low) or (high is not None and v > high):
        lo = "" if low is None else f">= {low}"
        hi = "" if high is None else f"<= {high}"
        raise ValueError(f"{name} must be {' and '.join(p for p in (lo, hi) if p)}, "
                         f"got {value!r}")
    return v


def flag(value, name: str) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {value!r}")
    return bool(value)


# -- names --------------------------------------------------------------------------
#: An option list this long or shorter is shown in full in an unknown-name message.
_SHOW_ALL = 12


def suggest(value, options, *, n: int = 3) -> str:
    """``"did you mean 'x'? "`` (the closest of `options` to `value` by
    :func:`difflib.get_close_matches`, ignoring case), or ``""`` when none is close."""
    import difflib

    options = [str(o) for o in options]
    if not isinstance(value, str) or not options:
        return ""
    folded = {}
    for o in options:
        folded.setdefault(o.casefold(), []).append(o)
    close = difflib.get_close_matches(value.strip().casefold(), list(folded), n=n,
                                      cutoff=0.6)
    hits = [o for k in close for o in folded[k]][:n]
    if not hits:
        # no close spelling: the names that share a word with it ('bend_plasma' ->
        # 'plasma_beta_endorphin', 'plasma_acth', ...), the most shared words first
        words = {w for w in value.strip().casefold().replace("-", "_").split("_")
                 if len(w) >= 3}
        shared = [(len(words & set(o.casefold().split("_"))), o) for o in options]
        shared = [(k, o) for k, o in shared if k > 0]
        shared.sort(key=lambda ko: -ko[0])
        hits = [o for _, o in shared[:n]]
    if not hits:
        return ""
    return "did you mean " + " or ".join(repr(h) for h in hits) + "? "


def known(options) -> str:
    """The names in full when there are at most 12 of them, else their count."""
    options = [str(o) for o in options]
    return (", ".join(repr(o) for o in options) if len(options) <= _SHOW_ALL
            else f"{len(options)} names")


def unknown_name(value, options, name: str, *, what: str | None = None,
                 hint: str = "") -> str:
    """The message of an unknown name: ``"unknown drug 'naloxon'; did you mean
    'naloxone'? (known: ...)"``.  The known names are listed in full when there are at
    most 12 of them (else the count); `hint` (e.g. where to add one) is appended."""
    options = [str(o) for o in options]
    what = what or name
    head = f"{name}: "
    tail = f"; {hint}" if hint else ""
    return (f"{head}unknown {what} {value!r}; {suggest(value, options)}"
            f"(known: {known(options)}){tail}")


def choice(value, options, name: str, *, what: str | None = None, fold_case: bool = True,
           aliases=None, hint: str = "", error=ValueError, message=None) -> str:
    """The canonical name `value` stands for among `options`.

    An exact match is returned as is.  With ``fold_case`` (the default) a name
    differing only in case (and surrounding blanks) is accepted when exactly one
    option folds to it (``"MG"`` -> ``"mg"``); when several do (``"mm"`` and
    ``"MM"``) the case must be exact.  `aliases` maps further spellings to canonical
    names (also matched case-insensitively with ``fold_case``).

    Raises
    ------
    TypeError
        `value` is not a string.
    ValueError (or `error`)
        An unknown or ambiguous name; the message names the argument, suggests the
        closest names (difflib) and lists the known names when they are few
        (:func:`unknown_name`; ``message(value)`` replaces that wording).
    """
    options = list(options)
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a string (one of {options[:_SHOW_ALL]}"
                        f"{', ...' if len(options) > _SHOW_ALL else ''}), got "
                        f"{type(value).__name__}")
    table = {o: o for o in options}
    for k, v in (aliases or {}).items():
        table.setdefault(k, v)
    if value in table:
        return table[value]
    if fold_case:
        key = value.strip().casefold()
        hits = {v for k, v in table.items() if k.casefold() == key}
        if len(hits) == 1:
            return hits.pop()
        if len(hits) > 1:
            raise error(f"{name}: {value!r} is ambiguous (case matters here): "
                        f"{' or '.join(repr(h) for h in sorted(hits))}?")
    if message is not None:              # the caller's wording (with suggest())
        raise error(message(value))
    raise error(unknown_name(value, options, name, what=what, hint=hint))


def clock_minutes(value: str, name: str) -> float:
    """A clock time ``"HH:MM"`` (00:00-23:59) as minutes after midnight; ValueError
    naming `name` otherwise."""
    import re

    m = re.fullmatch(r"\s*(\d{1,2}):(\d{2})\s*", value)
    if not m or int(m.group(1)) > 23 or int(m.group(2)) > 59:
        raise ValueError(f"{name} must be a clock time 'HH:MM' (00:00-23:59) or minutes, "
                         f"got {value!r}")
    return 60.0 * int(m.group(1)) + int(m.group(2))
