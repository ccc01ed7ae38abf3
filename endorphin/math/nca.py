"""Non-compartmental analysis (NCA) of concentration-time profiles.

Every function works over the LAST axis (the sampling times) and is batched
over all leading axes, so a (subject, time) array gives one value per subject.
`t` and `c` broadcast against each other: one time grid can serve a whole
population.  The work is done by compiled gufuncs; these wrappers check the
input and turn the gufuncs' invalid flags into clear exceptions.

Units: whatever `t` and `c` carry (minutes and pmol/L or nmol/L in endorphin);
an AUC is in unit(c) x unit(t), a half-life in unit(t).
"""
from __future__ import annotations

import numpy as np

from .. import _ufuncs

__all__ = ["auc", "cmax", "tmax", "half_life"]

_AUC_METHODS = {
    "linear": _ufuncs._auc_linear,
    "linear-up/log-down": _ufuncs._auc_linlog,
}


def _as_float_array(x, name: str) -> np.ndarray:
    try:
        a = np.asarray(x)
    except Exception as exc:  # e.g. ragged lists
        raise TypeError(f"{name} must be array-like of numbers: {exc}") from None
    if a.dtype == object or not (np.issubdtype(a.dtype, np.floating)
                                 or np.issubdtype(a.dtype, np.integer)
                                 or a.dtype == bool):
        raise TypeError(f"{name} must be a real numeric array, got dtype {a.dtype}")
    if a.ndim == 0:
        raise ValueError(f"{name} must have at least one dimension (the sampling axis)")
    if a.dtype != np.float32:
        a = a.astype(np.float64, copy=False)
    return a


def _profile(t, c, min_points: int):
    t = _as_float_array(t, "t")
    c = _as_float_array(c, "c")
    if t.shape[-1] != c.shape[-1]:
        raise ValueError(f"t and c must have the same number of samples on the last "
                         f"axis, got {t.shape[-1]} and {c.shape[-1]}")
    try:
        np.broadcast_shapes(t.shape[:-1], c.shape[:-1])
    except ValueError:
        raise ValueError(f"the leading axes of t {t.shape} and c {c.shape} do not "
                         "broadcast") from None
    n = c.shape[-1]
    if n < min_points:
        raise ValueError(f"need at least {min_points} samples on the last axis, got {n}")
    if np.isinf(t).any() or (np.diff(t, axis=-1) <= 0).any():
        raise ValueError("t must be finite and strictly increasing along the last axis")
    if (c < 0).any():
        raise ValueError("c must be non-negative (concentrations)")
    if t.dtype != c.dtype:   # one loop dtype for both
        t, c = t.astype(np.float64), c.astype(np.float64)
    return t, c


def auc(t, c, method: str = "linear"):
    """Area under the curve over the last axis.

    Parameters
    ----------
    t : array_like, shape (..., n)
        Sampling times, strictly increasing (minutes).
    c : array_like, shape (..., n)
        Concentrations, ``>= 0``; NaN gives NaN for that profile.
    method : {"linear", "linear-up/log-down"}
        ``"linear"``: the trapezoidal rule.  ``"linear-up/log-down"``: the
        trapezoid while the concentration rises or stays, the exact integral
        of an exponential decay, ``(c1 - c2) (t2 - t1) / log(c1/c2)``, on
        falling segments with both ends positive (the usual NCA convention;
        exact for mono-exponential elimination).

    Returns
    -------
    auc : ndarray, shape (...)
        In unit(c) x unit(t).

    Examples
    --------
    >>> import numpy as np
    >>> from endorphin import nca
    >>> t = np.array([0.0, 1.0, 2.0, 4.0])
    >>> float(nca.auc(t, np.array([0.0, 4.0, 2.0, 1.0])))
    8.0
    >>> nca.auc(t, np.exp(-np.log(2) * t) * np.array([[1.0], [2.0]]),
    ...         method="linear-up/log-down").round(6)        # broadcasting
    array([1.352541, 2.705082])
    """
    if method not in _AUC_METHODS:
        raise ValueError(f"method must be one of {sorted(_AUC_METHODS)}, got {method!r}")
    t, c = _profile(t, c, 2)
    return _AUC_METHODS[method](t, c)


def cmax(c):
    """Maximum concentration over the last axis (NaN if the profile has a NaN).

    Examples
    --------
    >>> import numpy as np
    >>> from endorphin import nca
    >>> nca.cmax(np.array([[1.0, 5.0, 2.0], [3.0, 1.0, 0.0]]))
    array([5., 3.])
    """
    c = _as_float_array(c, "c")
    if c.shape[-1] == 0:
        raise ValueError("c has no samples on the last axis")
    return _ufuncs._cmax(c)


def tmax(t, c):
    """Time of the first maximum concentration, over the last axis.

    Examples
    --------
    >>> import numpy as np
    >>> from endorphin import nca
    >>> nca.tmax(np.array([0.0, 10.0, 20.0]), np.array([[1.0, 5.0, 5.0], [3.0, 1.0, 0.0]]))
    array([10.,  0.])
    """
    t, c = _profile(t, c, 1)
    return _ufuncs._tmax(t, c)


def half_life(t, c, n_points: int = 3):
    """Terminal half-life ``log(2) / lambda_z`` over the last axis.

    ``lambda_z`` is the slope of an unweighted least-squares line through
    ``(t, log c)`` over the last `n_points` samples.  A profile whose last
    points are not all positive or do not decline gives NaN with a
    ``RuntimeWarning``.

    Parameters
    ----------
    t, c : array_like, shape (..., n)
        Sampling times (strictly increasing) and concentrations.
    n_points : int
        Number of terminal samples used, ``2 <= n_points <= n``.

    Examples
    --------
    >>> import numpy as np
    >>> from endorphin import nca
    >>> t = np.arange(0.0, 60.0, 10.0)                        # minutes
    >>> c = 20.0 * np.exp(-np.log(2) / 37.0 * t)              # t1/2 37 min
    >>> round(float(nca.half_life(t, c, n_points=4)), 10)
    37.0
    """
    if isinstance(n_points, (bool, np.bool_)) or not isinstance(n_points, (int, np.integer)):
        raise TypeError(f"n_points must be an integer, got {type(n_points).__name__}")
    t, c = _profile(t, c, 2)
    n = c.shape[-1]
    if not 2 <= n_points <= n:
        raise ValueError(f"n_points must be between 2 and the number of samples ({n}), "
                         f"got {n_points}")
    return _ufuncs._half_life(t, c, np.intp(n_points))
