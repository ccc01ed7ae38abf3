"""Fitting many dose-response curves at once (batched over leading axes).

:func:`fit_dose_response` fits the drc log-logistic models LL.4 and LL.5, the
Hill equation and the Emax model to every curve of a batch in one call: the
work is a Levenberg-Marquardt fit per curve in C (``endorphin._fit``) with
analytic Jacobians, drc-like self-starting values, the EC50 estimated on the
log scale, the GIL released and the curves spread over threads.  Each curve is
fitted independently and deterministically, so the results are bitwise the
same for any number of threads.

Models and parameters (drc order; ``fit.params[..., i]``)::

    "ll4"   b, c, d, e        c + (d - c) / (1 + exp(b (log x - log e)))      endorphin.ll4
    "ll5"   b, c, d, e, f     c + (d - c) / (1 + exp(b (log x - log e)))**f   endorphin.ll5
    "hill"  emax, ec50, n     emax x**n / (ec50**n + x**n)                    endorphin.hill
    "emax"  e0, emax, ec50, n e0 + emax x**n / (ec50**n + x**n)               endorphin.emax_model

As in drc, b > 0 is a decreasing log-logistic curve (d is the response at dose
0, c the one at infinite dose) and b < 0 an increasing one.

Standard errors are the ones drc reports: ``sqrt(diag(H^-1) * RSS / df)`` with
``df = n_obs - n_free`` and H the observed Hessian of RSS/2 at the optimum
(``J'WJ - sum w r f''``; drc takes it from ``optim``), in the parameterisation
above (e on its own scale, not log e).  ``vcov="gauss-newton"`` uses ``J'WJ``
instead, as R's ``nls`` and scipy's ``curve_fit`` do (they differ from drc's by
about 1 % on typical data, and agree for an exact fit).  Weights multiply the
squared residuals (inverse variances): ``RSS = sum w (y - f)**2``; drc's
``weights`` argument is ``sqrt(w)`` in this convention.

Why a fit did not converge is in ``fit.reason`` (see :data:`REASONS`):

==================  ===========================================================
``"ok"``            converged; ``params`` and ``stderr`` are the estimates
``"too_few_points"``  fewer valid points, or distinct doses, than free parameters
``"flat"``          the responses do not vary: no curve to fit
``"max_iter"``      the iteration limit was reached
``"singular"``      J'WJ is singular at the end: the data do not determine all
                    parameters (e.g. a step between two doses, a flat curve)
``"at_bound"``      an estimate ended on a bound, by default EC50 more than
                    ``ec50_range`` (1000) times outside the doses
``"no_progress"``   no step reduced the RSS, away from a stationary point
``"nonfinite"``     the model is not finite at the start values
==================  ===========================================================

Where ``converged`` is False, ``stderr`` is NaN and ``params`` hold the last
iterate (NaN for ``"too_few_points"`` and ``"flat"``).
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from .. import _fit
from .._validate import choice, unknown_name

__all__ = ["fit_dose_response", "FitResult", "schild_analysis", "SchildResult", "REASONS",
           "MODELS"]

#: model name -> (C code, parameter names in drc order)
MODELS: dict[str, tuple[int, tuple[str, ...]]] = {
    "ll4": (0, ("b", "c", "d", "e")),
    "ll5": (1, ("b", "c", "d", "e", "f")),
    "hill": (2, ("emax", "ec50", "n")),
    "emax": (3, ("e0", "emax", "ec50", "n")),
}

#: reason code (``fit.reason_code``) -> short name (``fit.reason``)
REASONS: tuple[str, ...] = ("ok", "too_few_points", "flat", "max_iter", "singular",
                            "at_bound", "no_progress", "nonfinite")

# parameters that must be positive (estimated on the log scale)
_POSITIVE = {"e", "ec50", "f"}
# default bounds (drc parameterisation); e/ec50 also get the ec50_range bound
_DEFAULT_BOUNDS = {"f": (1e-3, 1e3), "n": (0.0, np.inf)}


def _as_float(a, name: str) -> np.ndarray:
    try:
        arr = np.asarray(a)
    except Exception as exc:  # ragged lists and the like
        raise TypeError(f"{name} must be array-like of numbers: {exc}") from None
    if arr.dtype == object or not (np.issubdtype(arr.dtype, np.floating)
                                   or np.issubdtype(arr.dtype, np.integer)
                                   or arr.dtype == bool):
        raise TypeError(f"{name} must be a real numeric array, got dtype {arr.dtype}")
    return arr.astype(np.float64, copy=False)


def _model_name(model) -> str:
    """The canonical (lower-case) model name: any case, an unknown name suggests."""
    if not isinstance(model, str):
        raise ValueError(f"model must be one of {sorted(MODELS)}, got {model!r}")
    return choice(model, MODELS, "model", what="model")


def _model(model) -> tuple[int, tuple[str, ...]]:
    return MODELS[_model_name(model)]


def _threads(threads) -> int:
    if threads is None:
        return max(1, os.cpu_count() or 1)
    if isinstance(threads, bool) or not isinstance(threads, (int, np.integer)) or threads < 1:
        raise ValueError(f"threads must be a positive integer or None, got {threads!r}")
    return int(threads)


class ED(NamedTuple):
    """Effective doses and their delta-method standard errors (batch + p shape)."""
    estimate: np.ndarray
    se: np.ndarray


class FitResult:
    """Estimates of a batch of dose-response fits (made by :func:`fit_dose_response`).

    Attributes
    ----------
    model : str
    param_names : tuple of str, drc order
    params, stderr : ndarray (..., p)
        Estimates and standard errors (drc's); stderr is 0 for fixed parameters
        and NaN where ``converged`` is False.
    cov : ndarray (..., p, p)
        Covariance matrices of the estimates.
    converged : bool ndarray (...)
    reason : str ndarray (...)      see :data:`REASONS`; ``reason_code`` the int8 codes
    rss, n_iter, df, n_obs : ndarray (...)
        Residual sum of squares (weighted), Jacobian evaluations, residual degrees
        of freedom (n_obs - free parameters), points used.
    fixed : tuple of str
        Names of the parameters held fixed.

    ``fit["e"]`` (or ``fit.e``) is the column of one parameter.  ``fit[i]``
    (an int, a slice, an integer or boolean array, or a tuple of them for several
    batch axes) indexes the batch as NumPy would and gives a FitResult with the
    same fields for those curves: ``fit[3].params`` has shape (p,), ``fit[3].cov``
    (p, p), ``fit[1:3].params`` (2, p).  Negative indices count from the end.
    """

    def __init__(self, model, params, cov, rss, n_obs, df, n_iter, reason_code, fixed,
                 batch_shape):
        self.model = model
        self.param_names = MODELS[model][1]
        p = len(self.param_names)
        self.batch_shape = tuple(batch_shape)
        shp = self.batch_shape
        self.params = params.reshape(shp + (p,))
        self.cov = cov.reshape(shp + (p, p))
        with np.errstate(invalid="ignore"):      # sqrt of the diagonal view: a new array
            self.stderr = np.sqrt(np.diagonal(self.cov, axis1=-2, axis2=-1))
        self.rss = rss.reshape(shp)
        self.n_obs = n_obs.reshape(shp)
        self.df = df.reshape(shp)
        self.n_iter = n_iter.reshape(shp)
        self.reason_code = reason_code.reshape(shp)
        self.converged = self.reason_code == 0
        self.reason = np.asarray(REASONS, dtype="<U14")[self.reason_code]
        self.fixed = tuple(fixed)

    # -- named access and batch indexing -----------------------------------
    def __getitem__(self, key):
        if isinstance(key, str):
            if key not in self.param_names:
                raise KeyError(f"{key!r} is not a parameter of {self.model} "
                               f"({', '.join(self.param_names)})")
            return self.params[..., self.param_names.index(key)]
        return self._take(key)

    # the batch-shaped fields, and the trailing axes each has beyond the batch
    _BATCH_FIELDS = (("params", 1), ("cov", 2), ("stderr", 1), ("rss", 0), ("n_obs", 0),
                     ("df", 0), ("n_iter", 0), ("reason_code", 0), ("converged", 0),
                     ("reason", 0))

    def _take(self, key) -> "FitResult":
        """The curves ``key`` selects (NumPy indexing over the batch axes)."""
        shape = self.batch_shape
        if not shape:
            raise IndexError(f"this fit holds a single curve (batch shape ()): it cannot "
                             f"be indexed with {key!r}; use it as it is, or fit['name'] "
                             "for a parameter")
        keys = key if isinstance(key, tuple) else (key,)
        for k in keys:
            if k is None or k is Ellipsis:
                raise IndexError("fit[...] takes ints, slices and integer or boolean "
                                 "arrays over the batch axes (no None or Ellipsis)")
            if isinstance(k, (float, np.floating)) or (
                    hasattr(k, "dtype") and np.asarray(k).dtype.kind not in "iub"):
                raise TypeError(f"fit[...]: indices must be integers, slices, integer or "
                                f"boolean arrays, or parameter names, got {k!r}")
        if len(keys) > len(shape):
            raise IndexError(f"too many indices: the fit's batch has {len(shape)} "
                             f"axis/axes (shape {shape}), got {len(keys)}")
        try:
            sel = np.arange(int(np.prod(shape, dtype=np.int64))).reshape(shape)[key]
        except IndexError as exc:
            n = shape[0] if len(shape) == 1 else shape
            raise IndexError(f"index {key!r} is out of range for a batch of {n} curves "
                             f"(batch shape {shape}; valid indices -{shape[0]} .. "
                             f"{shape[0] - 1} on the first axis): {exc}") from None
        new = object.__new__(FitResult)
        new.__dict__.update(self.__dict__)
        new.batch_shape = tuple(np.shape(sel))
        flat = np.ravel(sel)
        for name, extra in self._BATCH_FIELDS:
            a = getattr(self, name)
            a = a.reshape((-1,) + a.shape[a.ndim - extra:])[flat]
            setattr(new, name, a.reshape(new.batch_shape + a.shape[1:]))
        return new

    def __getattr__(self, name: str):
        names = self.__dict__.get("param_names", ())
        if name in names:
            return self.params[..., names.index(name)]
        raise AttributeError(name)

    def __len__(self) -> int:
        return int(np.prod(self.batch_shape, dtype=np.int64))

    def __repr__(self) -> str:
        n = len(self)
        k = int(self.converged.sum())
        return (f"<FitResult model={self.model!r} curves={n} batch_shape={self.batch_shape} "
                f"converged={k}/{n} params={self.param_names}>")

    # -- derived quantities ------------------------------------------------
    def predict(self, x) -> np.ndarray:
        """The fitted curves at doses ``x`` (shape (..., k), broadcast against the
        batch shape; a 1-D x gives every curve at the same doses)."""
        from .. import _ufuncs
        x = _as_float(x, "x")
        if x.ndim == 0:
            x = x[None]
        cols = [self.params[..., i, None] for i in range(len(self.param_names))]
        with np.errstate(invalid="ignore"):
            if self.model == "ll4":
                return _ufuncs.ll4(x, *cols)
            if self.model == "ll5":
                return _ufuncs.ll5(x, *cols)
            if self.model == "hill":
                return _ufuncs.hill(x, *cols)
            return _ufuncs.emax_model(x, *cols)

    def ed(self, p, interval: str = "delta") -> ED:
        """Effective doses ED_p for p in percent (0 < p < 100), as drc's ``ED``
        (type "relative", reference "control"): the dose giving p % of the change
        from the response at dose 0 to the other asymptote.  For the Hill and
        Emax models p % of emax.  Returns ``ED(estimate, se)`` with shapes
        batch_shape + shape(p); se by the delta method from ``cov`` (NaN with
        ``interval="none"``).  NaN where the fit did not converge."""
        if interval not in ("delta", "none"):
            raise ValueError(f"interval must be 'delta' or 'none', got {interval!r}")
        pa = _as_float(p, "p")
        if not np.all((pa > 0) & (pa < 100)):
            raise ValueError("p must be percentages strictly between 0 and 100")
        P = self.params[..., None, :] if pa.ndim else self.params
        C = self.cov[..., None, :, :] if pa.ndim else self.cov
        pp = pa
        names = self.param_names
        grad = np.zeros(np.broadcast_shapes(P.shape[:-1], pp.shape) + (len(names),))
        with np.errstate(all="ignore"):
            if self.model in ("ll4", "ll5"):
                b, e = P[..., 0], P[..., 3]
                f = P[..., 4] if self.model == "ll5" else np.ones_like(b)
                pr = np.where(b < 0, 100.0 - pp, pp)
                q = 100.0 / (100.0 - pr)
                qf = q ** (1.0 / f)
                h = qf - 1.0
                est = e * h ** (1.0 / b)
                grad[..., 0] = -est * np.log(h) / b ** 2
                grad[..., 3] = est / e
                if self.model == "ll5":
                    dh_df = -qf * np.log(q) / f ** 2
                    grad[..., 4] = est / (b * h) * dh_df
            else:
                ie = names.index("ec50")
                ec50, n = P[..., ie], P[..., ie + 1]
                r = pp / (100.0 - pp)
                est = ec50 * r ** (1.0 / n)
                grad[..., ie] = est / ec50
                grad[..., ie + 1] = -est * np.log(r) / n ** 2
            if interval == "delta":
                var = np.einsum("...i,...ij,...j->...", grad, C, grad)
                se = np.sqrt(var)
            else:
                se = np.full(est.shape, np.nan)
        conv = self.converged[..., None] if pa.ndim else self.converged
        est = np.where(conv, est, np.nan)
        se = np.where(conv, se, np.nan)
        return ED(est, se)

    def to_pandas(self):
        """One row per curve: the estimates, their standard errors (``<name>_se``),
        rss, df, n_obs, n_iter, converged and reason; the index is the curve's
        position in the batch (a MultiIndex for several batch axes)."""
        import pandas as pd
        n = len(self)
        p = len(self.param_names)
        data = {}
        for i, name in enumerate(self.param_names):
            data[name] = self.params.reshape(n, p)[:, i]
        for i, name in enumerate(self.param_names):
            data[name + "_se"] = self.stderr.reshape(n, p)[:, i]
        data["rss"] = self.rss.reshape(n)
        data["df"] = self.df.reshape(n)
        data["n_obs"] = self.n_obs.reshape(n)
        data["n_iter"] = self.n_iter.reshape(n)
        data["converged"] = self.converged.reshape(n)
        data["reason"] = self.reason.reshape(n)
        if len(self.batch_shape) <= 1:
            index = pd.RangeIndex(n, name="curve")
        else:
            index = pd.MultiIndex.from_product([range(s) for s in self.batch_shape],
                                               names=[f"axis{i}" for i in
                                                      range(len(self.batch_shape))])
        return pd.DataFrame(data, index=index)


def _per_curve(value, name: str, batch_shape) -> np.ndarray:
    """A scalar or an array broadcastable to the batch shape, flattened."""
    v = _as_float(value, name)
    try:
        v = np.broadcast_to(v, batch_shape)
    except ValueError:
        raise ValueError(f"{name} of shape {v.shape} does not broadcast to the batch "
                         f"shape {tuple(batch_shape)}") from None
    return v.reshape(-1)


def fit_dose_response(x, y, model: str = "ll4", weights=None, fixed=None, bounds=None,
                      p0=None, *, threads=None, max_iter: int = 200, xtol: float = 1e-10,
                      ftol: float = 1e-12, ec50_range: float = 1e3,
                      vcov: str = "hessian") -> FitResult:
    """Fit a dose-response model to every curve of a batch.

    Parameters
    ----------
    x : array_like (..., n)
        Doses (>= 0, finite; 0 is allowed: log-logistic curves take their
        asymptote there).  Broadcast against ``y``: a 1-D x serves every curve.
    y : array_like (..., n)
        Responses; NaN marks a missing point.  The leading axes are the batch.
    model : {"ll4", "ll5", "hill", "emax"}
        Any case (``"LL4"``); an unknown name suggests the closest.
    weights : array_like (..., n), optional
        Positive weights multiplying the squared residuals (inverse variances).
    fixed : dict, optional
        ``{name: value}`` parameters held fixed (a scalar, or an array broadcast
        over the batch), e.g. ``{"c": 0}`` for drc's LL.3.
    bounds : dict, optional
        ``{name: (lower, upper)}`` scalars.  By default e / ec50 is kept within
        ``[min dose / ec50_range, max dose * ec50_range]`` and LL.5's f within
        [1e-3, 1e3]; a fit that ends on a bound is reported as ``"at_bound"``.
    p0 : dict, optional
        ``{name: value}`` start values replacing the self-starting ones.
    threads : int, optional
        Worker threads (default: all cores).  Results do not depend on it.
    max_iter, xtol, ftol : convergence control (iterations; relative step;
        relative RSS decrease, which also needs a near-zero gradient).
    ec50_range : float
        See ``bounds``; 0 switches the default EC50 bound off.
    vcov : {"hessian", "gauss-newton"}
        Covariance from the observed Hessian (drc's, default) or from J'WJ
        (R's nls, scipy's curve_fit).

    Returns
    -------
    FitResult
    """
    model = _model_name(model)          # "LL4" is "ll4"
    code, names = _model(model)
    P = len(names)
    nthreads = _threads(threads)
    xa = _as_float(x, "x")
    ya = _as_float(y, "y")
    if ya.ndim == 0:
        raise ValueError("y must have at least one dimension (the dose axis)")
    if xa.ndim == 0:
        raise ValueError("x must have at least one dimension (the dose axis)")
    n = ya.shape[-1]
    if xa.shape[-1] != n:
        raise ValueError(f"x and y must have the same number of doses on the last axis, "
                         f"got {xa.shape[-1]} and {n}")
    if np.isnan(xa).any():
        raise ValueError("x must not contain NaN (mark a missing point with NaN in y)")
    if np.isinf(xa).any():
        raise ValueError("x must be finite")
    if (xa < 0).any():
        raise ValueError(f"x must be >= 0 for the {model} model (doses on a log scale)")
    if np.isinf(ya).any():
        raise ValueError("y must be finite or NaN (NaN marks a missing point)")
    shapes = [xa.shape[:-1], ya.shape[:-1]]
    wa = None
    if weights is not None:
        wa = _as_float(weights, "weights")
        if wa.ndim == 0:
            wa = np.broadcast_to(wa, (n,))
        if wa.shape[-1] != n:
            raise ValueError(f"weights must have {n} values on the last axis like y, got "
                             f"{wa.shape[-1]}")
        if not np.all(wa > 0) or not np.all(np.isfinite(wa)):
            raise ValueError("weights must be finite and > 0 (mark a missing point with "
                             "NaN in y)")
        shapes.append(wa.shape[:-1])
    try:
        batch = np.broadcast_shapes(*shapes)
    except ValueError:
        raise ValueError(f"the leading (batch) axes of x {xa.shape}, y {ya.shape}"
                         + (f" and weights {wa.shape}" if wa is not None else "")
                         + " do not broadcast") from None
    N = int(np.prod(batch, dtype=np.int64))
    Y = np.ascontiguousarray(np.broadcast_to(ya, batch + (n,)).reshape(N, n))
    if int(np.prod(xa.shape[:-1], dtype=np.int64)) == 1:
        X = np.ascontiguousarray(xa.reshape(1, n))
    else:
        X = np.ascontiguousarray(np.broadcast_to(xa, batch + (n,)).reshape(N, n))
    W = None
    if wa is not None:
        if int(np.prod(wa.shape[:-1], dtype=np.int64)) == 1:
            W = np.ascontiguousarray(wa.reshape(1, n))
        else:
            W = np.ascontiguousarray(np.broadcast_to(wa, batch + (n,)).reshape(N, n))

    # start values (NaN: self-start) and fixed parameters
    fixed = {} if fixed is None else fixed
    p0 = {} if p0 is None else p0
    for arg, dct in (("fixed", fixed), ("p0", p0), ("bounds", {} if bounds is None
                                                    else bounds)):
        if not isinstance(dct, dict):
            raise TypeError(f"{arg} must be a dict {{parameter name: value}}, got "
                            f"{type(dct).__name__}")
        for k in dct:
            if k not in names:
                raise ValueError(unknown_name(k, names, arg,
                                              what=f"parameter of {model}"))
    if len(fixed) >= P:
        raise ValueError(f"fixed: at least one parameter of {model} must be free")
    per_curve_start = bool(fixed or p0) and N > 1
    start = np.full((N if per_curve_start else 1, P), np.nan)
    free_mask = (1 << P) - 1
    for dct, arg in ((p0, "p0"), (fixed, "fixed")):
        for k, v in dct.items():
            i = names.index(k)
            col = _per_curve(v, f"{arg}[{k!r}]", batch)
            if not np.all(np.isfinite(col)):
                raise ValueError(f"{arg}[{k!r}] must be finite")
            if k in _POSITIVE and not np.all(col > 0):
                raise ValueError(f"{arg}[{k!r}] must be > 0")
            start[:, i] = col if per_curve_start else col[:1]
            if arg == "fixed":
                free_mask &= ~(1 << i)
    lo = np.full(P, -np.inf)
    hi = np.full(P, np.inf)
    for k, (a, b) in _DEFAULT_BOUNDS.items():
        if k in names:
            lo[names.index(k)], hi[names.index(k)] = a, b
    for k, v in (bounds or {}).items():
        try:
            a, b = (float(t) for t in v)
        except (TypeError, ValueError):
            raise ValueError(f"bounds[{k!r}] must be a pair of numbers (lower, upper), "
                             f"got {v!r}") from None
        if np.isnan(a) or np.isnan(b) or not a < b:
            raise ValueError(f"bounds[{k!r}] must have lower < upper, got {v!r}")
        if k in _POSITIVE and a < 0:
            raise ValueError(f"bounds[{k!r}]: {k} is positive, the lower bound must be "
                             f">= 0, got {a}")
        i = names.index(k)
        lo[i], hi[i] = a, b
    for k in p0:
        i = names.index(k)
        if np.any((start[:, i] < lo[i]) | (start[:, i] > hi[i])):
            raise ValueError(f"p0[{k!r}] lies outside its bounds ({lo[i]}, {hi[i]})")
    if isinstance(max_iter, bool) or not isinstance(max_iter, (int, np.integer)) \
            or max_iter < 1:
        raise ValueError(f"max_iter must be a positive integer, got {max_iter!r}")
    for name, v in (("xtol", xtol), ("ftol", ftol), ("ec50_range", ec50_range)):
        if not (isinstance(v, (int, float, np.floating, np.integer))
                and np.isfinite(v) and v >= 0):
            raise ValueError(f"{name} must be a finite number >= 0, got {v!r}")
    if vcov not in ("hessian", "gauss-newton"):
        raise ValueError(f"vcov must be 'hessian' or 'gauss-newton', got {vcov!r}")
    if 0 < ec50_range <= 1:
        raise ValueError(f"ec50_range must be 0 (off) or > 1, got {ec50_range}")

    params, cov, rss, n_obs, df, n_iter, reason = _fit._fit(
        X, Y, W, np.ascontiguousarray(start), code, free_mask, lo, hi, float(ec50_range),
        int(max_iter), float(xtol), float(ftol), 0 if vcov == "hessian" else 1, nthreads)
    return FitResult(model, params, cov, rss, n_obs, df, n_iter, reason,
                     [k for k in names if k in fixed], batch)


# ---------------------------------------------------------------------------
# Schild analysis
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class SchildResult:
    """Schild regression of log10(DR - 1) on log10[B].

    pA2 : the x-intercept -log10[B] at DR = 2 (= -log10 K_B when the slope is 1)
    slope : the Schild slope (1 for simple competitive antagonism)
    pA2_se, slope_se : standard errors (OLS; pA2's by the delta method)
    dose_ratios : EC50 at each antagonist concentration / EC50 without antagonist,
        shape (..., k) like the curves (1 for the control curves)
    log_antagonist, log_dr_minus_1 : the regression points (NaN where DR <= 1 or
        a fit failed; those points are left out)
    n_points : points in the regression
    fits : the FitResult of every agonist curve
    """
    pA2: float
    pA2_se: float
    slope: float
    slope_se: float
    dose_ratios: np.ndarray
    log_antagonist: np.ndarray
    log_dr_minus_1: np.ndarray
    n_points: int
    fits: FitResult


def schild_analysis(agonist_conc, responses, antagonist_conc, *, model: str = "ll4",
                    threads=None, **fit_kwargs) -> SchildResult:
    """Schild analysis of agonist concentration-response curves measured at
    several antagonist concentrations.

    Parameters
    ----------
    agonist_conc : array_like (n,) or broadcastable to responses
    responses : array_like (..., k, n)
        One agonist curve per antagonist concentration (axis -2), optionally
        with leading replicate axes (each replicate has its own control curve).
    antagonist_conc : array_like (k,)
        Antagonist concentrations, one of them 0 (the control curves).
    model : the curve model of :func:`fit_dose_response` (default "ll4").

    Each curve is fitted; dose ratios are EC50 / EC50 of the control curve of
    the same replicate; log10(DR - 1) is regressed on log10[B] over all curves
    with B > 0 (DR <= 1 or failed fits are left out).
    """
    B = _as_float(antagonist_conc, "antagonist_conc")
    if B.ndim != 1:
        raise ValueError("antagonist_conc must be 1-D (one value per curve on axis -2)")
    if not np.all(np.isfinite(B)) or (B < 0).any():
        raise ValueError("antagonist_conc must be finite and >= 0")
    if (B == 0).sum() != 1:
        raise ValueError("antagonist_conc must contain exactly one 0 (the control curve)")
    if (B > 0).sum() < 2:
        raise ValueError("antagonist_conc needs at least two concentrations > 0")
    R = _as_float(responses, "responses")
    if R.ndim < 2 or R.shape[-2] != B.size:
        raise ValueError(f"responses must have shape (..., {B.size}, n): one curve per "
                         f"antagonist concentration on axis -2, got {R.shape}")
    fits = fit_dose_response(agonist_conc, R, model=model, threads=threads, **fit_kwargs)
    ec50 = fits["ec50"] if model in ("hill", "emax") else fits["e"]
    ec50 = np.where(fits.converged, ec50, np.nan)
    i0 = int(np.flatnonzero(B == 0)[0])
    dr = ec50 / ec50[..., i0:i0 + 1]
    with np.errstate(invalid="ignore", divide="ignore"):
        ly = np.log10(dr - 1.0)
    lx = np.broadcast_to(np.where(B > 0, np.log10(np.where(B > 0, B, 1.0)), np.nan),
                         ly.shape)
    ok = np.isfinite(ly) & np.isfinite(lx)
    ly = np.where(ok, ly, np.nan)
    lxo = np.where(ok, lx, np.nan)
    xs, ys = lx[ok], ly[ok]
    m = xs.size
    nan = float("nan")
    if m < 2 or np.ptp(xs) == 0:
        return SchildResult(nan, nan, nan, nan, dr, lxo, ly, m, fits)
    xm, ym = xs.mean(), ys.mean()
    sxx = ((xs - xm) ** 2).sum()
    slope = ((xs - xm) * (ys - ym)).sum() / sxx
    icpt = ym - slope * xm
    if m > 2:
        s2 = ((ys - icpt - slope * xs) ** 2).sum() / (m - 2)
        var_s = s2 / sxx
        var_a = s2 * (1.0 / m + xm ** 2 / sxx)
        cov_as = -s2 * xm / sxx
    else:
        var_s = var_a = cov_as = nan
    # pA2 = -x at y = 0 = icpt / slope; delta method
    pA2 = icpt / slope
    g = np.array([1.0 / slope, -icpt / slope ** 2])
    V = np.array([[var_a, cov_as], [cov_as, var_s]])
    pA2_se = float(np.sqrt(g @ V @ g))
    return SchildResult(float(pA2), pA2_se, float(slope), float(np.sqrt(var_s)), dr, lxo,
                        ly, m, fits)
