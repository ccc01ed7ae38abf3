"""Docstrings of the compiled ufuncs, kept in Python (numpydoc).

``setup.py`` reads :data:`DOCS` from this file (without importing the package)
and embeds every entry in the C extension at build time, as
``csrc/_ufuncs.c`` needs a static C string.  Edit the text here, never the
generated ``endorphin_docs.h``.

Every entry starts with a signature line that uses the real parameter names,
states units, and has a broadcasting example (STYLE.md, item 13).
"""

DOCS: dict[str, str] = {}

_ERROR_POLICY = """\
    Invalid parameters give NaN and raise the floating-point "invalid" flag,
    so NumPy emits ``RuntimeWarning: invalid value encountered`` and
    ``np.errstate(invalid="raise")`` turns them into ``FloatingPointError``.
    A NaN argument propagates quietly to a NaN result, as in NumPy's own ufuncs.
    Size-0 input gives size-0 output."""


def add_newdoc(name: str, doc: str) -> None:
    """Register the docstring `doc` of the compiled ufunc `name`."""
    if name in DOCS:
        raise ValueError(f"docstring for {name!r} registered twice")
    DOCS[name] = doc.strip("\n").replace("{error_policy}", _ERROR_POLICY)


add_newdoc("hill", """
hill(c, emax, ec50, n, /, out=None, *, where=True, casting='same_kind', order='K', dtype=None)

Hill equation: the effect of concentration `c` on a saturable response.

.. math:: E = E_{max} \\frac{c^n}{EC_{50}^n + c^n}

Parameters
----------
c : array_like
    Concentration, ``c >= 0``, in any unit (nmol/L throughout endorphin),
    the same unit as `ec50`.  ``c = inf`` gives `emax`.
emax : array_like
    Maximal effect, in the unit of the response (any finite real; negative
    for an inhibitory response).
ec50 : array_like
    Concentration of half-maximal effect, ``ec50 > 0``, same unit as `c`.
n : array_like
    Hill slope (dimensionless), ``n > 0``; ``n = inf`` gives the step function.
out : ndarray, None, or tuple of ndarray and None, optional
    Where to store the result, as for any NumPy ufunc.

Returns
-------
effect : ndarray or scalar
    The effect, in the unit of `emax`; float32 for float32 inputs,
    float64 otherwise.

Notes
-----
{error_policy}

The function is evaluated through the ratio of the smaller to the larger of
`c` and `ec50`, so it never overflows, whatever the magnitudes of `c`,
`ec50` and `n`; the relative error is about ``(n/2 + 3)`` ulp, matching the
conditioning of the function itself.

Examples
--------
>>> import numpy as np
>>> import endorphin as en
>>> float(en.hill(3.0, 1.0, 3.0, 1.7))        # half-maximal at c = ec50
0.5
>>> en.hill(np.array([0.0, 1.0, 9.0]), 100.0, 3.0, 1.0)
array([ 0.,  25.,  75.])

Broadcasting: a dose grid against three Hill slopes gives a (3, 4) array.

>>> c = np.array([0.3, 1.0, 3.0, 10.0])
>>> en.hill(c, 1.0, 3.0, np.array([[0.5], [1.0], [2.0]])).round(3)
array([[0.24 , 0.366, 0.5  , 0.646],
       [0.091, 0.25 , 0.5  , 0.769],
       [0.01 , 0.1  , 0.5  , 0.917]])
""")
