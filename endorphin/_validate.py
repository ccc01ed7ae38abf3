"""Argument checks shared by the layers (messages name the argument and the
allowed range): a package-internal module, imported by name."""
from __future__ import annotations

import math
import numbers

import numpy as np

__all__ = ["real", "integer", "flag"]


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
