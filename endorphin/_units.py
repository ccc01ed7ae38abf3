"""Optional pint support: quantities where a user gives amounts, concentrations and times.

pint is not a dependency.  A value is treated as a quantity when it has
``magnitude``, ``units``, ``to`` and ``dimensionality`` (pint's ``Quantity``
has), so nothing here imports pint; a plain number passes through unchanged.
"""
from __future__ import annotations

import numpy as np

_MASS = {"[mass]": 1}
_SUBSTANCE = {"[substance]": 1}
_MASS_PER_MASS = {}         # mg/kg is dimensionless in pint


def is_quantity(x) -> bool:
    """True for a pint-like quantity (duck-typed: no pint import)."""
    return all(hasattr(x, a) for a in ("magnitude", "units", "to", "dimensionality"))


def _dims(q) -> dict:
    return {str(k): v for k, v in dict(q.dimensionality).items()}


def _plain(q, unit: str, name: str):
    """``q`` in ``unit`` as a float or ndarray; ValueError naming ``name`` when the
    dimensions do not match."""
    try:
        m = q.to(unit).magnitude
    except Exception as exc:       # pint.DimensionalityError and undefined units
        raise ValueError(f"{name}: cannot convert {q!s} to {unit} ({exc})") from None
    return m.item() if isinstance(m, np.ndarray) and m.ndim == 0 else m


def magnitude(x, unit: str, name: str):
    """A quantity converted to ``unit`` (its magnitude), or ``x`` unchanged."""
    return _plain(x, unit, name) if is_quantity(x) else x


_KIND = {"mg": "mass", "ug": "mass", "nmol": "substance", "mg/kg": "per_kg",
         "ug/kg": "per_kg"}
_CANONICAL = {"mass": "mg", "substance": "nmol", "per_kg": "mg/kg"}


def _dose_unit(dims: dict, prefer: str):
    """The dose unit for quantity dimensions ``dims`` (time removed): ``prefer`` when it
    is of the same kind, else mg, nmol or mg/kg; None for other dimensions."""
    kind = "mass" if dims == _MASS else "substance" if dims == _SUBSTANCE else \
        "per_kg" if dims == _MASS_PER_MASS else None
    if kind is None:
        return None
    return prefer if _KIND.get(prefer) == kind else _CANONICAL[kind]


def dose_amount(x, prefer: str = "mg", name: str = "amount"):
    """``(value, unit)`` of a dose amount: a mass, an amount of substance or a mass
    per body mass, in ``prefer`` when that unit is of the same kind (else mg, nmol or
    mg/kg); ``(x, None)`` for a plain number."""
    if not is_quantity(x):
        return x, None
    unit = _dose_unit(_dims(x), prefer)
    if unit is not None:
        return _plain(x, unit, name), unit
    raise ValueError(f"{name}: a dose is a mass (mg), an amount of substance (nmol) or a "
                     f"mass per body weight (mg/kg), got {x!s}")


def dose_rate(x, prefer: str = "mg", name: str = "rate"):
    """``(value, unit)`` of an infusion rate (mass, substance or mass per body mass,
    per time) in ``unit`` per minute, ``unit`` chosen as in :func:`dose_amount`;
    ``(x, None)`` for a plain number."""
    if not is_quantity(x):
        return x, None
    d = _dims(x)
    unit = _dose_unit(d, prefer) if d.pop("[time]", None) == -1 else None
    if unit is not None:
        return _plain(x, f"{unit}/min", name), unit
    raise ValueError(f"{name}: an infusion rate is a mass, an amount of substance or a mass "
                     f"per body weight per time (e.g. mg/h), got {x!s}")
