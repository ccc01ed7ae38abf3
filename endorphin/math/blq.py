"""Rules for samples below the lower limit of quantification (BLQ) in NCA.

The rules are named as the R package PKNCA names them (W. Denney et al., on
CRAN: its ``conc.blq`` option, ``PKNCA.options("conc.blq")``, applied by
``clean.conc.blq``).  A BLQ sample sits in one of three positions of its profile:

``"first"``   at or before the first measurable sample (all of them when no sample
              is measurable);
``"middle"``  between the first and the last measurable sample;
``"last"``    at or after the last measurable sample.

Each position takes ``"drop"`` (leave the sample out), ``"keep"`` (keep it as 0:
PKNCA codes BLQ as 0), a number (the concentration it is set to, in the table's
unit) or ``"lloq/2"`` (half the sample's LLOQ, the imputation among those Beal compares,
J Pharmacokinet Pharmacodyn 2001, doi:10.1023/A:1012299115260).  A rule is a dict
``{"first": ..., "middle": ..., "last": ...}`` (all three, as PKNCA requires), one
setting for every position, or one of the shorthands in :data:`RULES`.
"""
from __future__ import annotations

import difflib
import math

import numpy as np

__all__ = ["RULES", "POSITIONS", "rule", "apply"]

POSITIONS = ("first", "middle", "last")

#: shorthand -> {position: setting}
RULES: dict[str, dict] = {
    # PKNCA's default (PKNCA.options("conc.blq")): BLQ before the first and after the
    # last measurable sample kept as 0, BLQ between measurable samples dropped
    "pknca": {"first": "keep", "middle": "drop", "last": "keep"},
    # BLQ before the first measurable sample = 0 (a pre-dose baseline), all later
    # BLQ samples dropped (the AUC ends at the last measurable sample: AUClast)
    "zero-before-first": {"first": 0.0, "middle": "drop", "last": "drop"},
    "drop": {"first": "drop", "middle": "drop", "last": "drop"},
    "zero": {"first": 0.0, "middle": 0.0, "last": 0.0},
    "keep": {"first": "keep", "middle": "keep", "last": "keep"},
    "lloq/2": {"first": "lloq/2", "middle": "lloq/2", "last": "lloq/2"},
}

_WORDS = ("drop", "keep", "lloq/2")


def _suggest(word: str, choices) -> str:
    close = difflib.get_close_matches(str(word).lower(), list(choices), n=2, cutoff=0.5)
    return f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else ""


def _setting(value, where: str):
    """One position's setting: "drop", a float, or "lloq/2" ("keep" is 0.0)."""
    if isinstance(value, str):
        v = value.strip().lower()
        if v == "keep":
            return 0.0
        if v in ("drop", "lloq/2"):
            return v
        raise ValueError(f"blq{where}: unknown setting {value!r}; a position takes "
                         f"'drop', 'keep', 'lloq/2' or a number >= 0"
                         + _suggest(v, _WORDS))
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer,
                                                                     np.floating)):
        raise TypeError(f"blq{where}: a setting is 'drop', 'keep', 'lloq/2' or a number, "
                        f"got {type(value).__name__}")
    v = float(value)
    if not math.isfinite(v) or v < 0:
        raise ValueError(f"blq{where}: a number must be finite and >= 0 (a "
                         f"concentration), got {value!r}")
    return v


def rule(blq) -> dict:
    """The rule ``blq`` as ``{position: "drop" | "lloq/2" | float}``.

    Raises ValueError (with the closest names) for an unknown shorthand or position,
    TypeError for a value of the wrong type.
    """
    if isinstance(blq, dict):
        extra = [k for k in blq if k not in POSITIONS]
        if extra:
            k = extra[0]
            raise ValueError(f"blq: unknown position {k!r}; the positions are "
                             f"{', '.join(POSITIONS)}" + _suggest(k, POSITIONS))
        missing = [k for k in POSITIONS if k not in blq]
        if missing:
            raise ValueError(f"blq: a dict needs all of 'first', 'middle' and 'last' (as "
                             f"PKNCA's conc.blq); missing {', '.join(map(repr, missing))}")
        return {k: _setting(blq[k], f"[{k!r}]") for k in POSITIONS}
    if isinstance(blq, str):
        key = blq.strip().lower()
        if key in RULES:
            return {k: _setting(v, "") for k, v in RULES[key].items()}
        raise ValueError(f"blq: unknown rule {blq!r}; the rules are "
                         f"{', '.join(map(repr, RULES))}, a number, or a dict "
                         "{'first': ..., 'middle': ..., 'last': ...}"
                         + _suggest(key, RULES))
    if isinstance(blq, (int, float, np.integer, np.floating)) \
            and not isinstance(blq, (bool, np.bool_)):
        v = _setting(blq, "")
        return dict.fromkeys(POSITIONS, v)
    raise TypeError(f"blq must be a rule name, a number or a dict {{'first': ..., "
                    f"'middle': ..., 'last': ...}}, got {type(blq).__name__}")


def apply(t, value, censored, lloq, rules: dict):
    """One profile with its BLQ samples handled.

    Parameters
    ----------
    t, value : ndarray (n,)
        Sampling times (increasing) and values (NaN where censored).
    censored : bool ndarray (n,)
        True for BLQ samples.
    lloq : ndarray (n,) or None
        The samples' LLOQ (needed by "lloq/2").
    rules : dict
        From :func:`rule`.

    Returns
    -------
    t, c, measured : ndarray
        The remaining times and concentrations, and which of them were measured
        (not imputed).
    """
    measured = ~censored
    c = np.where(censored, np.nan, value).astype(np.float64)
    if measured.any():
        tfirst = t[measured][0]
        tlast = t[measured][-1]
        pos = {"first": censored & (t <= tfirst),
               "middle": censored & (t > tfirst) & (t < tlast),
               "last": censored & (t >= tlast)}
    else:
        pos = {"first": censored, "middle": np.zeros_like(censored),
               "last": np.zeros_like(censored)}
    keep = np.ones(t.shape, dtype=bool)
    for where, setting in rules.items():
        mask = pos[where]
        if not mask.any():
            continue
        if setting == "drop":
            keep &= ~mask
        elif setting == "lloq/2":
            c[mask] = 0.5 * lloq[mask]
        else:
            c[mask] = setting
    return t[keep], c[keep], measured[keep]
