"""Docstrings of the compiled ufuncs, kept in Python (numpydoc).

``setup.py`` reads :data:`DOCS` from this file (without importing the package)
and embeds every entry in the C extension at build time, as
``csrc/_ufuncs.c`` needs a static C string.  Edit the text here, never the
generated ``endorphin_docs.h``.

Every entry starts with a signature line that uses the real parameter names,
states units, and has a broadcasting example.
"""

DOCS: dict[str, str] = {}

_ERROR_POLICY = """\
Invalid parameters give NaN and raise the floating-point "invalid" flag,
so NumPy emits ``RuntimeWarning: invalid value encountered`` and
``np.errstate(invalid="raise")`` turns them into ``FloatingPointError``.
A NaN argument propagates quietly to a NaN result, as in NumPy's own ufuncs.
Size-0 input gives size-0 output."""


#: The sections every entry shares, written in an entry as ``{notes}`` (the Notes
#: heading and the error policy; the entry's own notes may follow) and ``{examples}``
#: (the Examples heading and the imports the examples use).
_SECTIONS = {
    "{notes}": "Notes\n-----\n" + _ERROR_POLICY,
    "{examples}": "Examples\n--------\n>>> import numpy as np\n>>> import endorphin as en",
}


def add_newdoc(name: str, doc: str) -> None:
    """Register the docstring `doc` of the compiled ufunc `name`."""
    if name in DOCS:
        raise ValueError(f"docstring for {name!r} registered twice")
    doc = doc.strip("\n")
    for key, text in _SECTIONS.items():
        doc = doc.replace(key, text)
    DOCS[name] = doc


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

{notes}

The function is evaluated through the ratio of the smaller to the larger of
`c` and `ec50`, so it never overflows, whatever the magnitudes of `c`,
`ec50` and `n`; the relative error is about ``(n/2 + 3)`` ulp, matching the
conditioning of the function itself.

{examples}
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


_UFUNC_KW = "/, out=None, *, where=True, casting='same_kind', order='K', dtype=None"
_GUFUNC_KW = "/, out=None, *, axes=None, axis=None, keepdims=False, casting='same_kind', dtype=None"

add_newdoc("emax_model", f"""
emax_model(c, e0, emax, ec50, n, {_UFUNC_KW})

Sigmoid Emax model: a baseline plus a Hill response.

.. math:: E = E_0 + E_{{max}} \\frac{{c^n}}{{EC_{{50}}^n + c^n}}

Parameters
----------
c : array_like
    Concentration, ``c >= 0`` (nmol/L, or any unit shared with `ec50`).
e0 : array_like
    Baseline effect at ``c = 0``, in the unit of the response.
emax : array_like
    Maximal change from baseline (negative for inhibition).
ec50 : array_like
    Concentration of half-maximal effect, ``ec50 > 0``.
n : array_like
    Hill slope, ``n > 0``.

Returns
-------
effect : ndarray or scalar
    ``e0 + hill(c, emax, ec50, n)``, in the unit of `e0` and `emax`.

{{notes}}

{{examples}}
>>> float(en.emax_model(3.0, 10.0, 80.0, 3.0, 1.0))   # baseline + half of emax
50.0

Broadcasting: three baselines (column) against a dose grid (row).

>>> en.emax_model(np.array([0.0, 3.0, 9.0]), np.array([[0.0], [10.0], [20.0]]), 80.0, 3.0, 1.0)
array([[ 0., 40., 60.],
       [10., 50., 70.],
       [20., 60., 80.]])
""")

add_newdoc("ll4", f"""
ll4(x, b, c, d, e, {_UFUNC_KW})

Four-parameter log-logistic dose-response model (drc's ``LL.4``).

.. math:: f(x) = c + \\frac{{d - c}}{{1 + \\exp(b (\\log x - \\log e))}}

The parametrisation is that of the R package drc (Ritz et al. 2015, PLoS ONE
10:e0146021): `b` is the slope, `c` the lower and `d` the upper limit, `e` the
ED50.  With ``b < 0`` the curve rises from `c` to `d`; with ``b > 0`` it
falls from `d` to `c`.  ``ll4(x, -n, 0, emax, ec50) == hill(x, emax, ec50, n)``.

Parameters
----------
x : array_like
    Dose or concentration, ``x >= 0``; ``x = 0`` gives the exact limit
    (`d` for ``b > 0``, `c` for ``b < 0``).
b : array_like
    Slope (dimensionless), any real; ``b = 0`` gives ``(c + d) / 2``.
c, d : array_like
    Response at the two ends, in the unit of the response.
e : array_like
    ED50, ``e > 0``, same unit as `x`.

Returns
-------
response : ndarray or scalar

{{notes}}

The weights ``1/(1 + w)`` and ``w/(1 + w)``, ``w = (x/e)**b``, are computed
from the ratio of the smaller to the larger of `x` and `e` and never
overflow; the response is blended from the nearer end, so the limits are
exact.

{{examples}}
>>> en.ll4(np.array([0.0, 1.0, 10.0, np.inf]), 2.0, 0.0, 100.0, 10.0)
array([100.        ,  99.00990099,  50.        ,   0.        ])

Broadcasting: two slopes (column) over a dose grid (row).

>>> en.ll4(np.array([1.0, 10.0, 100.0]), np.array([[-1.0], [1.0]]), 0.0, 1.0, 10.0).round(4)
array([[0.0909, 0.5   , 0.9091],
       [0.9091, 0.5   , 0.0909]])
""")

add_newdoc("ll5", f"""
ll5(x, b, c, d, e, f, {_UFUNC_KW})

Five-parameter log-logistic model (drc's ``LL.5``), asymmetric when f != 1.

.. math:: f(x) = c + \\frac{{d - c}}{{\\left(1 + \\exp(b (\\log x - \\log e))\\right)^f}}

Parameters
----------
x : array_like
    Dose or concentration, ``x >= 0``.
b : array_like
    Slope, any real.
c, d : array_like
    Lower and upper limits, in the unit of the response.
e : array_like
    Inflection dose, ``e > 0`` (the ED50 only when ``f = 1``).
f : array_like
    Asymmetry, ``f > 0``; ``f = 1`` gives exactly :func:`ll4`.

Returns
-------
response : ndarray or scalar

{{notes}}

{{examples}}
>>> float(en.ll5(10.0, 1.0, 0.0, 1.0, 10.0, 2.0))     # 1 / (1 + 1)**2
0.25

Broadcasting: asymmetries (column) over doses (row).

>>> en.ll5(np.array([1.0, 10.0, 100.0]), 1.0, 0.0, 1.0, 10.0, np.array([[0.5], [1.0], [2.0]])).round(4)
array([[0.9535, 0.7071, 0.3015],
       [0.9091, 0.5   , 0.0909],
       [0.8264, 0.25  , 0.0083]])
""")

add_newdoc("occupancy", f"""
occupancy(c, kd, {_UFUNC_KW})

Fractional receptor occupancy by one ligand at equilibrium (Langmuir / Hill-Langmuir).

.. math:: \\theta = \\frac{{c}}{{c + K_d}}

Parameters
----------
c : array_like
    Free ligand concentration, ``c >= 0`` (nmol/L); ``c = inf`` gives 1.
kd : array_like
    Equilibrium dissociation constant, ``kd > 0``, same unit as `c`.

Returns
-------
occupancy : ndarray or scalar
    Fraction of receptors bound, in [0, 1].

{{notes}}

{{examples}}
>>> en.occupancy(np.array([0.0, 1.0, 3.0, np.inf]), 1.0)
array([0.  , 0.5 , 0.75, 1.  ])

Broadcasting: morphine at the mu, delta and kappa receptors (Ki about 1.2,
200 and 300 nmol/L, illustrative) over three concentrations.

>>> en.occupancy(np.array([1.0, 10.0, 100.0]), np.array([[1.2], [200.0], [300.0]])).round(4)
array([[0.4545, 0.8929, 0.9881],
       [0.005 , 0.0476, 0.3333],
       [0.0033, 0.0323, 0.25  ]])
""")

add_newdoc("operational", f"""
operational(a, ka, tau, em, n, {_UFUNC_KW})

Black-Leff operational model of agonism, with transducer slope `n`.

.. math:: E = \\frac{{E_m \\tau^n a^n}}{{(K_A + a)^n + \\tau^n a^n}}

Black & Leff (1983) Proc R Soc Lond B 220:141-162; the slope form is
their eq. 8.  Efficacy `tau` is the ratio of receptor density to the
transducer constant; ``tau = 0`` is a neutral antagonist.

Parameters
----------
a : array_like
    Agonist concentration, ``a >= 0`` (nmol/L).
ka : array_like
    Agonist dissociation constant, ``ka > 0``, same unit as `a`.
tau : array_like
    Operational efficacy, ``tau >= 0`` (dimensionless).
em : array_like
    Maximal effect of the system, in the unit of the response.
n : array_like
    Transducer slope, ``n > 0``.

Returns
-------
effect : ndarray or scalar

{{notes}}

Evaluated as a Hill function of ``u = tau a / (ka + a)`` with EC50 1, so
it never overflows.  The maximal effect at ``a = inf`` is
``em tau**n / (1 + tau**n)``.

{{examples}}
>>> float(en.operational(1.0, 1.0, 2.0, 100.0, 1.0))   # u = 1, half of em
50.0

Broadcasting: a full agonist (tau 10) and a partial agonist (tau 0.5).

>>> en.operational(np.array([0.1, 1.0, 10.0]), 1.0, np.array([[10.0], [0.5]]), 1.0, 1.0).round(4)
array([[0.4762, 0.8333, 0.9009],
       [0.0435, 0.2   , 0.3125]])
""")

add_newdoc("dose_ratio", f"""
dose_ratio(b, kb, slope, {_UFUNC_KW})

Schild equation: the agonist dose ratio caused by a competitive antagonist.

.. math:: r = 1 + \\left(\\frac{{[B]}}{{K_B}}\\right)^{{s}}

Arunlakshana & Schild (1959) Br J Pharmacol 14:48-58.  A Schild plot of
``log10(r - 1)`` against ``log10(b)`` is a line of slope `slope` crossing
zero at ``log10(kb)`` (``pA2 = -log10(kb)`` in mol/L).

Parameters
----------
b : array_like
    Antagonist concentration, ``b >= 0`` (nmol/L).
kb : array_like
    Antagonist dissociation constant, ``kb > 0``, same unit as `b`.
slope : array_like
    Schild slope, ``slope > 0`` (1 for simple competition).

Returns
-------
ratio : ndarray or scalar
    EC50 with antagonist / EC50 without, >= 1.

{{notes}}

{{examples}}
>>> en.dose_ratio(np.array([0.0, 1.0, 10.0]), 1.0, 1.0)
array([ 1.,  2., 11.])

Broadcasting: naloxone concentrations (row) against two slopes (column).

>>> en.dose_ratio(np.array([0.5, 2.0, 8.0]), 2.0, np.array([[1.0], [0.5]]))
array([[1.25, 2.  , 5.  ],
       [1.5 , 2.  , 3.  ]])
""")

#: The Hill parameters as :func:`hill_inverse` and :func:`ecx` both take them.
_EC50_N = """\
ec50 : array_like
    Concentration of half-maximal effect, ``ec50 > 0`` (nmol/L).
n : array_like
    Hill slope, ``n > 0``."""

add_newdoc("hill_inverse", f"""
hill_inverse(effect, emax, ec50, n, {_UFUNC_KW})

Concentration that gives `effect` under the Hill equation (the inverse of :func:`hill`).

.. math:: c = EC_{{50}} \\left(\\frac{{E}}{{E_{{max}} - E}}\\right)^{{1/n}}

Parameters
----------
effect : array_like
    Effect, between 0 and `emax` inclusive (same sign as `emax`);
    ``effect = emax`` gives ``inf``.
emax : array_like
    Maximal effect, non-zero and finite.
{_EC50_N}

Returns
-------
c : ndarray or scalar
    Concentration, in the unit of `ec50`.

{{notes}}

``emax - effect`` is formed exactly (two-sum), and one Newton step on
``c**n (emax - effect) = effect ec50**n`` removes the error of the rounded
exponent ``1/n``, so ``hill(hill_inverse(E))`` returns `E` to a few ulp.

{{examples}}
>>> en.hill_inverse(np.array([0.0, 0.25, 0.5, 0.75]), 1.0, 3.0, 1.0)
array([0., 1., 3., 9.])

Broadcasting: the same effects for slopes 1 and 2 (column).

>>> en.hill_inverse(np.array([0.2, 0.5, 0.8]), 1.0, 4.0, np.array([[1.0], [2.0]]))
array([[ 1.,  4., 16.],
       [ 2.,  4.,  8.]])
""")

add_newdoc("ecx", f"""
ecx(x, ec50, n, {_UFUNC_KW})

EC_x: the concentration that gives the fraction `x` of the maximal Hill effect.

.. math:: EC_x = EC_{{50}} \\left(\\frac{{x}}{{1 - x}}\\right)^{{1/n}}

Parameters
----------
x : array_like
    Fraction of the maximal effect, ``0 <= x <= 1`` (0.9 for the EC90);
    ``x = 1`` gives ``inf``.
{_EC50_N}

Returns
-------
c : ndarray or scalar
    Concentration, in the unit of `ec50`; ``ecx(0.5, ec50, n) == ec50``.

{{notes}}

Same as ``hill_inverse(x, 1, ec50, n)``.

{{examples}}
>>> en.ecx(np.array([0.1, 0.5, 0.9]), 2.0, 1.0)
array([ 0.22222222,  2.        , 18.        ])

Broadcasting: EC10, EC50, EC90 for two slopes (column).

>>> en.ecx(np.array([0.1, 0.5, 0.9]), 2.0, np.array([[1.0], [2.0]])).round(4)
array([[ 0.2222,  2.    , 18.    ],
       [ 0.6667,  2.    ,  6.    ]])
""")

add_newdoc("competitive_occupancy", f"""
competitive_occupancy(conc, K, {_GUFUNC_KW})

Occupancy of each of l ligands competing at each of r receptors (gufunc ``(l),(r,l)->(r,l)``).

.. math:: \\theta_{{rj}} = \\frac{{c_j / K_{{rj}}}}{{1 + \\sum_m c_m / K_{{rm}}}}

Equilibrium competitive binding (Gaddum 1937): every ligand binds the same
site of a receptor, so occupancies at one receptor add up to at most 1.

Parameters
----------
conc : array_like, shape (..., l)
    Free concentrations of the l ligands, ``>= 0`` (nmol/L).
K : array_like, shape (..., r, l)
    Dissociation constants, ``K[..., r, j]`` of ligand j at receptor r,
    ``> 0`` (nmol/L); ``inf`` means the ligand does not bind.

Returns
-------
occ : ndarray, shape (..., r, l)
    Fractional occupancy of receptor r by ligand j.

{{notes}}

The core dimensions must match exactly (no broadcasting inside them): a
``ValueError`` names the mismatch.  With `K` broadcast over the loop
dimensions (the usual case), the reciprocal affinities are computed once
per call.  Exactly one infinite concentration takes all of a receptor.

For xarray objects use ``xarray.apply_ufunc``::

    xr.apply_ufunc(en.competitive_occupancy, conc, K,
                   input_core_dims=[["ligand"], ["receptor", "ligand"]],
                   output_core_dims=[["receptor", "ligand"]],
                   dask="parallelized", output_dtypes=[float])

{{examples}}
>>> K = np.array([[1.0, 2.0],        # mu: ligand 0, ligand 1
...               [4.0, 8.0]])       # delta
>>> en.competitive_occupancy(np.array([1.0, 2.0]), K)
array([[0.33333333, 0.33333333],
       [0.16666667, 0.16666667]])

Broadcasting over a time course: conc of shape (3, 2) gives (3, 2, 2).

>>> en.competitive_occupancy(np.array([[0.0, 0.0], [1.0, 0.0], [1.0, 2.0]]), K).shape
(3, 2, 2)
""")

add_newdoc("operational_multi", f"""
operational_multi(conc, K, tau, n, {_GUFUNC_KW})

Operational-model effect of l ligands competing at one receptor (gufunc ``(l),(l),(l),()->()``).

.. math:: E = \\frac{{u^n}}{{1 + u^n}}, \\quad u = \\frac{{\\sum_j \\tau_j c_j / K_j}}{{1 + \\sum_j c_j / K_j}}

The Black-Leff model extended to competing ligands (Leff et al. 1993,
Trends Pharmacol Sci): antagonists have ``tau = 0`` and only occupy.  With
one ligand it equals ``operational(a, ka, tau, 1, n)``.

Parameters
----------
conc : array_like, shape (..., l)
    Concentrations, ``>= 0`` (nmol/L).
K : array_like, shape (..., l)
    Dissociation constants, ``> 0`` (nmol/L).
tau : array_like, shape (..., l)
    Efficacies, ``>= 0``.
n : array_like, shape (...)
    Transducer slope, ``> 0``.

Returns
-------
effect : ndarray, shape (...)
    Fractional effect (Em = 1) in [0, 1).

{{notes}}

{{examples}}
>>> K, tau = np.array([1.0, 1.0]), np.array([3.0, 0.0])   # agonist, antagonist
>>> round(float(en.operational_multi(np.array([1.0, 0.0]), K, tau, 1.0)), 12)   # u = 1.5
0.6
>>> round(float(en.operational_multi(np.array([1.0, 1.0]), K, tau, 1.0)), 12)   # u = 1
0.5

Broadcasting: an antagonist concentration series against one agonist level.

>>> conc = np.stack([np.full(3, 1.0), np.array([0.0, 1.0, 10.0])], axis=-1)
>>> en.operational_multi(conc, K, tau, 1.0).round(4)
array([0.6, 0.5, 0.2])
""")

add_newdoc("hill_jac", f"""
hill_jac(c, emax, ec50, n, {_GUFUNC_KW})

Gradient of :func:`hill` with respect to (emax, ec50, n) (gufunc ``(),(),(),()->(3)``).

With ``g = c^n / (ec50^n + c^n)``: ``d/d emax = g``,
``d/d ec50 = -emax n g (1 - g) / ec50``, ``d/d n = emax g (1 - g) log(c/ec50)``.

Parameters
----------
c, emax, ec50, n : array_like
    As for :func:`hill`; here `ec50` and `n` must also be finite.

Returns
-------
jac : ndarray, shape (..., 3)
    One Jacobian row per point, columns (emax, ec50, n).

{{notes}}

{{examples}}
>>> en.hill_jac(3.0, 2.0, 3.0, 1.0)          # at c = ec50: g = 1/2
array([ 0.5       , -0.16666667,  0.        ])

Broadcasting: a dose grid gives one row per dose.

>>> en.hill_jac(np.array([0.0, 3.0, 9.0]), 1.0, 3.0, 1.0).shape
(3, 3)
""")

add_newdoc("ll4_jac", f"""
ll4_jac(x, b, c, d, e, {_GUFUNC_KW})

Gradient of :func:`ll4` with respect to (b, c, d, e), drc's order (gufunc ``()...->(4)``).

With ``A = 1 / (1 + (x/e)^b)``, ``B = 1 - A``: ``d/db = -(d - c) A B log(x/e)``,
``d/dc = B``, ``d/dd = A``, ``d/de = (d - c) A B b / e``.

Parameters
----------
x, b, c, d, e : array_like
    As for :func:`ll4`; here `b` and `e` must also be finite.

Returns
-------
jac : ndarray, shape (..., 4)

{{notes}}

{{examples}}
>>> en.ll4_jac(10.0, 1.0, 0.0, 1.0, 10.0)   # at the ED50: A = B = 1/2
array([0.   , 0.5  , 0.5  , 0.025])

Broadcasting: one row per dose.

>>> en.ll4_jac(np.array([1.0, 10.0, 100.0]), 1.0, 0.0, 1.0, 10.0).shape
(3, 4)
""")

add_newdoc("ll5_jac", f"""
ll5_jac(x, b, c, d, e, f, {_GUFUNC_KW})

Gradient of :func:`ll5` with respect to (b, c, d, e, f) (gufunc ``()...->(5)``).

With ``A = 1 / (1 + (x/e)^b)``, ``F = A^f``: ``d/db = -(d - c) f F (1 - A) log(x/e)``,
``d/dc = 1 - F``, ``d/dd = F``, ``d/de = (d - c) f F (1 - A) b / e``,
``d/df = (d - c) F log A``.

Parameters
----------
x, b, c, d, e, f : array_like
    As for :func:`ll5`; `b`, `e` and `f` must also be finite.

Returns
-------
jac : ndarray, shape (..., 5)

{{notes}}

{{examples}}
>>> en.ll5_jac(10.0, 1.0, 0.0, 1.0, 10.0, 1.0).round(6)   # f = 1: as ll4, plus d/df
array([ 0.      ,  0.5     ,  0.5     ,  0.025   , -0.346574])

Broadcasting: one row per dose.

>>> en.ll5_jac(np.array([1.0, 10.0, 100.0]), 1.0, 0.0, 1.0, 10.0, 2.0).shape
(3, 5)
""")

_NCA_RAW = """
{name}(t, c, /, out=None, *, axes=None, axis=None, keepdims=False)

Raw gufunc behind :func:`endorphin.nca.{public}`; use that wrapper, which
validates its input and documents the method.  Core dimension (n) is the
sampling axis.

{{examples}}
>>> t = np.array([0.0, 1.0, 2.0])
>>> en._ufuncs.{name}(t, np.array([[0.0, 2.0, 2.0], [4.0, 2.0, 1.0]])).shape   # broadcasting
(2,)
"""
add_newdoc("_auc_linear", _NCA_RAW.format(name="_auc_linear", public="auc"))
add_newdoc("_auc_linlog", _NCA_RAW.format(name="_auc_linlog", public="auc"))
add_newdoc("_tmax", _NCA_RAW.format(name="_tmax", public="tmax"))
add_newdoc("_cmax", """
_cmax(c, /, out=None, *, axes=None, axis=None, keepdims=False)

Raw gufunc behind :func:`endorphin.nca.cmax` (core dimension n).

{examples}
>>> en._ufuncs._cmax(np.array([[1.0, 3.0, 2.0], [0.0, 0.5, 0.25]]))   # broadcasting
array([3. , 0.5])
""")
add_newdoc("_half_life", """
_half_life(t, c, n_points, /, out=None, *, axes=None, axis=None, keepdims=False)

Raw gufunc behind :func:`endorphin.nca.half_life` (core dimension n;
`n_points` is an integer, ``2 <= n_points <= n``).

{examples}
>>> t = np.arange(4.0)
>>> c = np.array([[8.0, 4.0, 2.0, 1.0], [16.0, 4.0, 1.0, 0.25]])
>>> en._ufuncs._half_life(t, c, np.intp(3))                       # broadcasting
array([1. , 0.5])
""")
