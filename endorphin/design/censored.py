"""The expected information of a sample that may fall below the LLOQ.

An observation ``y ~ N(m, s^2)`` is reported as "below the LLOQ" when ``y < L`` (its
likelihood is then ``Phi(c)``, ``c = (L - m) / s``: Beal's M3, J Pharmacokinet
Pharmacodyn 2001, doi:10.1023/a:1012299115260) and as its value otherwise.  The
expected Fisher information of this left-censored normal (the Tobit model's, cf.
Amemiya, Econometrica 41:997-1016, 1973), per unit of the uncensored
information, is derived here from the scores (``z = (y - m) / s``; uncensored:
``d/dm = z / s``, ``d/ds = (z^2 - 1) / s``; censored: ``d/dm = -phi / (Phi s)``,
``d/ds = -c phi / (Phi s)``) and the truncated moments
``int_c^inf z^k phi(z) dz`` (k = 2: ``1 - Phi + c phi``; 3: ``(c^2 + 2) phi``;
4: ``3 (1 - Phi) + (c^3 + 3 c) phi``)::

    a(c) = s^2 I_mm      = (1 - Phi) + c phi + phi^2 / Phi
    b(c) = 2 s^4 I_vv    = [2 (1 - Phi) + (c^3 + c) phi + c^2 phi^2 / Phi] / 2
    e(c) = s^3 I_mv      = [(c^2 + 1) phi + c phi^2 / Phi] / 2

with ``v = s^2`` the variance; ``a = b = 1``, ``e = 0`` without censoring
(``c -> -inf``) and all three vanish as ``c -> +inf`` (a sample surely below the
LLOQ carries no information).  :func:`endorphin.design.fim.fo_fim` applies them
sample by sample in the FO FIM (see there): exact for independent samples,
an approximation when between-subject variability correlates them.
"""
from __future__ import annotations

import math

import numpy as np

from .._validate import real

__all__ = ["censored_information"]

#: |c| beyond which the normal tail is taken as exactly 0 or 1 (phi(30) ~ 1e-196).
_C_MAX = 30.0
_erfc = np.frompyfunc(math.erfc, 1, 1)


def fractions(c):
    """``a, b, e`` of the module's notes for standardised LLOQs ``c`` (arrays)."""
    c = np.clip(np.asarray(c, dtype=np.float64), -_C_MAX, _C_MAX)
    Phi = 0.5 * np.asarray(_erfc(-c / math.sqrt(2.0)), dtype=np.float64)    # P(y < L)
    Q = 0.5 * np.asarray(_erfc(c / math.sqrt(2.0)), dtype=np.float64)       # 1 - Phi
    phi = np.exp(-0.5 * c * c) / math.sqrt(2.0 * math.pi)
    r = phi * (phi / Phi)                                            # phi^2 / Phi
    a = Q + c * phi + r
    b = 0.5 * (2.0 * Q + (c ** 3 + c) * phi + c * c * r)
    e = 0.5 * ((c * c + 1.0) * phi + c * r)
    return a, b, e


def censored_information(mean, sd, lloq):
    """Expected Fisher information of one normal observation censored below the LLOQ.

    Parameters
    ----------
    mean : float
        The observation's mean ``m`` (the output's unit).
    sd : float
        Its standard deviation ``s`` (> 0, same unit).
    lloq : float
        Lower limit of quantification ``L`` (>= 0, same unit): values below it are
        reported only as "below the LLOQ".

    Returns
    -------
    ndarray (2, 2)
        The information about ``(m, v)``, ``v = s^2`` the variance:
        ``[[a / v, e / s^3], [e / s^3, b / (2 v^2)]]`` (the module's notes); without
        censoring ``diag(1 / v, 1 / (2 v^2))``.

    Examples
    --------
    >>> import endorphin as en
    >>> en.design.censored_information(10.0, 1.0, 0.0).round(6)
    array([[1. , 0. ],
           [0. , 0.5]])
    """
    m = real(mean, "mean")
    s = real(sd, "sd", low=0.0, low_open=True)
    L = real(lloq, "lloq", low=0.0)
    a, b, e = (float(x) for x in fractions((L - m) / s))
    v = s * s
    return np.array([[a / v, e / s ** 3], [e / s ** 3, b / (2.0 * v * v)]])
