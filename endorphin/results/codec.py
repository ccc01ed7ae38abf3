"""What a saved result keeps beyond its arrays: the attributes written by
:meth:`endorphin.Result.to_xarray` and read back by
:meth:`endorphin.Result.from_xarray`.

netCDF attributes hold numbers, strings and 1-D arrays only, so the exact
Python values of the result (its name, the provenance with its booleans, None
and dicts, the clock start, the output order) travel as one JSON text in the
Dataset attribute ``endorphin_result``; the scenario as its TOML text (the
scenario file of :mod:`endorphin.io.toml`) in ``endorphin_scenario``; and for
a comparison, one such record per scenario in ``endorphin_comparison``.  The
readable provenance attributes (``seed``, ``method``, ...; booleans as 0/1,
None as "") are written as before, for other tools.

JSON has no tuples, NumPy scalars or arrays, and only string keys: those are
written as tagged objects (``{"__tuple__": [...]}``, ``{"__array__": [...],
"dtype": ...}``, ``{"__dict__": [[key, value], ...]}``) and restored; floats
keep every bit (``repr`` round trip; NaN and infinities as JSON's ``NaN``,
``Infinity``).  A value of another type is written as its ``repr`` string
(``{"__repr__": ...}``) and comes back as that string.
"""
from __future__ import annotations

import json
import warnings

import numpy as np

from .meta import scenario_codec

__all__ = ["FORMAT", "RESULT_ATTR", "SCENARIO_ATTR", "COMPARISON_ATTR", "encode", "decode",
           "dump_scenario", "load_scenario"]

FORMAT = 1
RESULT_ATTR = "endorphin_result"
SCENARIO_ATTR = "endorphin_scenario"
COMPARISON_ATTR = "endorphin_comparison"


def _tag(v):
    if v is None or isinstance(v, (bool, str)):
        return v
    if isinstance(v, np.bool_):
        return {"__numpy__": bool(v), "dtype": "bool"}
    if isinstance(v, (int, float)):
        return v
    if isinstance(v, np.generic):
        return {"__numpy__": v.item(), "dtype": v.dtype.str}
    if isinstance(v, tuple):
        return {"__tuple__": [_tag(x) for x in v]}
    if isinstance(v, list):
        return [_tag(x) for x in v]
    if isinstance(v, dict):
        if all(isinstance(k, str) and not k.startswith("__") for k in v):
            return {k: _tag(x) for k, x in v.items()}
        return {"__dict__": [[_tag(k), _tag(x)] for k, x in v.items()]}
    if isinstance(v, np.ndarray) and v.dtype.kind in "biufU":
        return {"__array__": v.tolist(), "dtype": v.dtype.str, "shape": list(v.shape)}
    return {"__repr__": repr(v)}


def _untag(v):
    if isinstance(v, list):
        return [_untag(x) for x in v]
    if not isinstance(v, dict):
        return v
    if "__tuple__" in v:
        return tuple(_untag(x) for x in v["__tuple__"])
    if "__numpy__" in v:
        return np.dtype(v["dtype"]).type(v["__numpy__"])
    if "__array__" in v:
        return np.array(v["__array__"], dtype=np.dtype(v["dtype"])).reshape(v["shape"])
    if "__dict__" in v:
        return {_hashable(_untag(k)): _untag(x) for k, x in v["__dict__"]}
    if "__repr__" in v:
        return v["__repr__"]
    return {k: _untag(x) for k, x in v.items()}


def _hashable(k):
    return tuple(k) if isinstance(k, list) else k


def encode(value) -> str:
    """JSON text of ``value`` (tuples, NumPy values and non-string keys tagged)."""
    return json.dumps(_tag(value), allow_nan=True)


def decode(text: str):
    """The value :func:`encode` wrote."""
    if not isinstance(text, str):
        raise TypeError(f"an endorphin metadata attribute must be JSON text, got "
                        f"{type(text).__name__}")
    try:
        return _untag(json.loads(text))
    except json.JSONDecodeError as exc:
        raise ValueError(f"the endorphin metadata attribute is not valid JSON: {exc}") \
            from None


def dump_scenario(scenario):
    """The scenario's TOML text, or None (no scenario, :mod:`endorphin.io` not
    imported, or a scenario the file format cannot write)."""
    codec = scenario_codec()
    if scenario is None or codec is None:
        return None
    try:
        return codec[0](scenario)
    except (TypeError, ValueError, AttributeError, KeyError) as exc:
        warnings.warn(f"the result's scenario cannot be written as a scenario file ({exc}); "
                      f"the saved result will reopen without it (scenario=None)",
                      UserWarning, stacklevel=3)
        return None


def load_scenario(text):
    """The scenario of a TOML text written by :func:`dump_scenario`, or None."""
    codec = scenario_codec()
    if not text or codec is None:
        return None
    try:
        return codec[1](str(text))
    except (TypeError, ValueError, KeyError, ImportError) as exc:
        warnings.warn(f"the saved scenario cannot be rebuilt ({exc}); the result reopens "
                      f"without it (scenario=None)", UserWarning, stacklevel=3)
        return None
