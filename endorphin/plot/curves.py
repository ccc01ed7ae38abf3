"""Dose-response curves with confidence bands, and Schild plots."""
from __future__ import annotations

import math

import numpy as np

from .. import _ufuncs
from .._validate import choice, suggest
from .common import get_axes, styled
from .theme import BAND_ALPHA, NEUTRAL, color as palette_color

__all__ = ["dose_response", "confidence_band", "schild", "schild_line"]


# ---------------------------------------------------------------------------
# dose-response curves and Schild plots
# ---------------------------------------------------------------------------
def _models():
    U = _ufuncs

    def emax_jac(c, e0, emax, ec50, n):
        j = U.hill_jac(c, emax, ec50, n)
        return np.concatenate([np.ones(j.shape[:-1] + (1,)), j], axis=-1)
    return {
        "hill": (U.hill, U.hill_jac, ("emax", "ec50", "n")),
        "emax": (U.emax_model, emax_jac, ("e0", "emax", "ec50", "n")),
        "ll4": (U.ll4, U.ll4_jac, ("b", "c", "d", "e")),
        "ll5": (U.ll5, U.ll5_jac, ("b", "c", "d", "e", "f")),
    }


def _quantile(level: float, dof: int) -> float:
    """Two-sided Student t quantile (normal without SciPy)."""
    try:
        from scipy.stats import t as student
        return float(student.ppf(0.5 + level / 2.0, dof))
    except ImportError:               # pragma: no cover - SciPy is optional
        from statistics import NormalDist
        return NormalDist().inv_cdf(0.5 + level / 2.0)


def confidence_band(x_data, y_data, params, model: str, x, level: float = 0.95):
    """Pointwise confidence band of a least-squares dose-response curve.

    The asymptotic (delta-method) band of nonlinear least squares:
    ``cov = s^2 (J^T J)^-1`` with ``J`` the model's Jacobian at the data and
    ``s^2 = RSS / (n - p)``, then ``f(x) +- t_{n-p} sqrt(g^T cov g)`` with
    ``g`` the gradient of the curve at ``x``.

    Parameters
    ----------
    x_data, y_data : array_like (n,)
        The data the curve was fitted to (non-finite pairs are ignored).
    params : array_like (p,)
        Fitted parameters in the model's order (``ll4``: b, c, d, e).
    model : {"hill", "emax", "ll4", "ll5"}
    x : array_like
        Where to evaluate the band.
    level : float
        Confidence level in (0, 1).

    Returns
    -------
    (lower, fit, upper) : tuple of ndarray
        Shapes of ``x``; lower and upper are NaN when ``n <= p`` or
        ``J^T J`` is singular.
    """
    table = _models()
    if not isinstance(model, str) or model not in table:
        model = choice(model, table, "model", message=lambda v: (
            f"model must be one of {tuple(table)}, got {v!r}; {suggest(v, table)}"
            .rstrip("; ")))
    if not (0.0 < float(level) < 1.0):
        raise ValueError(f"level must be in (0, 1), got {level!r}")
    f, jac, pnames = table[model]
    params = np.asarray(params, dtype=np.float64)
    if params.shape != (len(pnames),):
        raise ValueError(f"params must have shape ({len(pnames)},) for {model} "
                         f"({', '.join(pnames)}), got {params.shape}")
    xd = np.asarray(x_data, dtype=np.float64).ravel()
    yd = np.asarray(y_data, dtype=np.float64).ravel()
    if xd.shape != yd.shape:
        raise ValueError(f"x_data and y_data must have the same size, got {xd.size} and "
                         f"{yd.size}")
    x = np.asarray(x, dtype=np.float64)
    fit = f(x, *params)
    ok = np.isfinite(xd) & np.isfinite(yd)
    xd, yd = xd[ok], yd[ok]
    n, p = xd.size, params.size
    nan = np.full(x.shape, np.nan)
    if n <= p:
        return nan, fit, nan.copy()
    J = jac(xd, *params)
    resid = yd - f(xd, *params)
    s2 = float(resid @ resid) / (n - p)
    try:
        cov = s2 * np.linalg.inv(J.T @ J)
    except np.linalg.LinAlgError:
        return nan, fit, nan.copy()
    g = jac(x, *params)
    var = np.einsum("...i,ij,...j->...", g, cov, g)
    half = _quantile(float(level), n - p) * np.sqrt(np.maximum(var, 0.0))
    return fit - half, fit, fit + half


def _band_from_cov(model, params, cov, dof, x, level):
    """Delta-method band from a parameter covariance (a fitter's ``cov``)."""
    f, jac, _ = _models()[model]
    fit = f(x, *params)
    cov = np.asarray(cov, dtype=np.float64)
    if not (np.isfinite(cov).all() and np.isfinite(params).all()) or not dof or dof < 1:
        nan = np.full(np.shape(fit), np.nan)
        return nan, fit, nan.copy()
    g = jac(x, *params)
    var = np.einsum("...i,ij,...j->...", g, cov, g)
    half = _quantile(float(level), int(dof)) * np.sqrt(np.maximum(var, 0.0))
    return fit - half, fit, fit + half


def _fit_parts(fit, model, params):
    """Model name and parameters (..., p) from a fit object or arguments."""
    if fit is not None:
        params = np.asarray(getattr(fit, "params"), dtype=np.float64)
        model = getattr(fit, "model", model)
    if params is not None and model is None:
        raise ValueError("model is required with params= ('hill', 'emax', 'll4' or 'll5')")
    if params is not None:
        params = np.asarray(params, dtype=np.float64)
        npar = len(_models()[model][2]) if model in _models() else None
        if npar is None:
            raise ValueError(f"model must be one of {tuple(_models())}, got {model!r}")
        if params.ndim == 0 or params.shape[-1] != npar:
            raise ValueError(f"params must end in an axis of {npar} ({model}: "
                             f"{', '.join(_models()[model][2])}), got shape {params.shape}")
    return model, params


@styled
def dose_response(x, y=None, ax=None, *, model=None, params=None, fit=None, level=0.95,
                  band=True, labels=None, xscale="log", xlabel="concentration",
                  ylabel="response", colors=None, n_grid=200):
    """Dose-response data, fitted curves and their confidence bands.

    Several curves at once: ``y`` of shape ``(..., n)`` and ``params`` of
    shape ``(..., p)`` are flattened over their leading axes into curves.

    Parameters
    ----------
    x : array_like (n,) or the shape of ``y``
        Concentrations or doses (in ``xlabel``'s unit).  On a log axis,
        points with ``x <= 0`` (controls) are not drawn.
    y : array_like (..., n), optional
        Responses; NaN marks a missing point.
    ax : matplotlib.axes.Axes, optional
        Default ``plt.gca()``.
    model : {"hill", "emax", "ll4", "ll5"}, optional
        Curve model (:func:`endorphin.hill`, :func:`endorphin.emax_model`,
        :func:`endorphin.ll4`, :func:`endorphin.ll5`).
    params : array_like (..., p), optional
        Curve parameters in the model's order (hill: emax, ec50, n; emax:
        e0, emax, ec50, n; ll4: b, c, d, e; ll5: b, c, d, e, f).
    fit : FitResult or object, optional
        A fit with ``.params`` (and ``.model``), e.g. from
        :func:`endorphin.fit_dose_response`, or one curve of it (``fit[i]``);
        overrides ``params``.  When it has ``.cov`` (and ``.df``), the band
        is the delta-method band from that covariance (the fitter's choice,
        drc's Hessian by default): ``f(x) +- t_df sqrt(g' cov g)`` with ``g``
        the curve's gradient in the parameters; nothing is refitted.
    level : float
        Confidence level of the band.
    band : bool
        Draw the pointwise confidence band of each curve: from the fit's
        covariance when ``fit=`` is given, else (``params=``) recomputed from
        ``y`` (needs more points than parameters; see :func:`confidence_band`).
    labels : sequence of str, optional
        Legend label of each curve.
    xscale : {"log", "linear"}
    xlabel, ylabel : str
        Axis labels (give the units, e.g. ``"morphine [nmol/L]"``).
    colors : sequence of colors, optional
    n_grid : int
        Points of each drawn curve.

    Returns
    -------
    matplotlib.axes.Axes
    """
    if hasattr(x, "params") and hasattr(x, "cov"):
        raise TypeError("dose_response(x, y, fit=fit): x is the doses; pass the fit "
                        "(or one curve of it, fit[i]) as fit=")
    if xscale not in ("log", "linear"):
        raise ValueError(f"xscale must be 'log' or 'linear', got {xscale!r}")
    model, params = _fit_parts(fit, model, params)
    fit_cov = getattr(fit, "cov", None) if fit is not None else None
    if fit_cov is not None:
        fit_cov = np.asarray(fit_cov, dtype=np.float64).reshape(-1, params.shape[-1],
                                                               params.shape[-1])
        fit_df = np.broadcast_to(np.asarray(getattr(fit, "df", 0)), params.shape[:-1]
                                 ).reshape(-1)
        if fit_cov.shape[0] != fit_df.shape[0]:
            raise ValueError(f"fit.cov holds {fit_cov.shape[0]} covariance matrices for "
                             f"{fit_df.shape[0]} curves")
    x = np.asarray(x, dtype=np.float64)
    if y is None and params is None:
        raise ValueError("give data (y=) or a curve (params= with model=, or fit=)")
    if y is not None:
        y = np.asarray(y, dtype=np.float64)
        if y.ndim == 0:
            raise ValueError("y must have at least one dimension (points along the last)")
        try:
            xb = np.broadcast_to(x, y.shape)
        except ValueError:
            raise ValueError(f"x of shape {x.shape} does not broadcast to y of shape "
                             f"{y.shape}") from None
        lead = y.shape[:-1]
        Y, X = y.reshape(-1, y.shape[-1]), xb.reshape(-1, y.shape[-1])
    else:
        lead, Y, X = None, None, None
    if params is not None:
        P = params.reshape(-1, params.shape[-1])
        if lead is not None and P.shape[0] != Y.shape[0]:
            if P.shape[0] == 1:
                P = np.repeat(P, Y.shape[0], axis=0)
                if fit_cov is not None:      # one fitted curve drawn with each data set
                    fit_cov = np.repeat(fit_cov, Y.shape[0], axis=0)
                    fit_df = np.repeat(fit_df, Y.shape[0], axis=0)
            else:
                raise ValueError(f"params describe {P.shape[0]} curves but y holds "
                                 f"{Y.shape[0]}")
    else:
        P = None
    k = Y.shape[0] if Y is not None else P.shape[0]
    if labels is not None:
        labels = [labels] if isinstance(labels, str) else list(labels)
        if len(labels) != k:
            raise ValueError(f"labels must have one entry per curve ({k}), got {len(labels)}")
    ax = get_axes(ax)
    xs = x if X is None else X
    pos = xs[np.isfinite(xs) & (xs > 0)] if xscale == "log" else xs[np.isfinite(xs)]
    if pos.size == 0:
        raise ValueError("x has no finite (positive, for a log axis) values")
    if xscale == "log":
        lo, hi = pos.min(), pos.max()
        grid = np.geomspace(lo / 2.0, hi * 2.0, int(n_grid)) if hi > lo else \
            np.geomspace(lo / 10.0, lo * 10.0, int(n_grid))
    else:
        lo, hi = min(pos.min(), 0.0), pos.max()
        grid = np.linspace(lo, hi if hi > lo else lo + 1.0, int(n_grid))
    for i in range(k):
        col = colors[i % len(colors)] if colors is not None else palette_color(i)
        lab = labels[i] if labels is not None else None
        if Y is not None:
            xi, yi = X[i], Y[i]
            show = np.isfinite(yi) & ((xi > 0) if xscale == "log" else np.isfinite(xi))
            ax.plot(xi[show], yi[show], ls="none", marker="o", ms=4.5, color=col,
                    mfc=col if P is None else "white", mew=1.1, zorder=4,
                    label=lab if P is None else None)
        if P is not None:
            f = _models()[model][0]
            curve = f(grid, *P[i])
            ax.plot(grid, curve, color=col, label=lab, zorder=3)
            if band and fit_cov is not None:
                lo_b, _, hi_b = _band_from_cov(model, P[i], fit_cov[i], int(fit_df[i]),
                                               grid, level)
                if np.isfinite(lo_b).any():
                    ax.fill_between(grid, lo_b, hi_b, color=col, alpha=BAND_ALPHA, lw=0,
                                    zorder=1)
            elif band and Y is not None:
                lo_b, _, hi_b = confidence_band(X[i], Y[i], P[i], model, grid, level)
                if np.isfinite(lo_b).any():
                    ax.fill_between(grid, lo_b, hi_b, color=col, alpha=BAND_ALPHA, lw=0,
                                    zorder=1)
    ax.set_xscale(xscale)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if labels is not None:
        ax.legend()
    return ax


def _ec50_interp(x, y, half):
    """x at which y crosses ``half`` (log-linear interpolation, first crossing)."""
    ok = np.isfinite(x) & np.isfinite(y) & (x > 0)
    x, y = x[ok], y[ok]
    order = np.argsort(x)
    lx, y = np.log(x[order]), y[order]
    s = np.sign(y - half)
    idx = np.flatnonzero(s[:-1] * s[1:] <= 0)
    idx = idx[y[idx + 1] != y[idx]] if idx.size else idx
    if idx.size == 0:
        return np.nan
    j = idx[0]
    w = (half - y[j]) / (y[j + 1] - y[j])
    return float(np.exp(lx[j] + w * (lx[j + 1] - lx[j])))


_MOLAR = {"mol/L": 1.0, "M": 1.0, "mmol/L": 1e-3, "umol/L": 1e-6, "µmol/L": 1e-6,
          "nmol/L": 1e-9, "nM": 1e-9, "pmol/L": 1e-12}


def _molar(unit) -> None:
    """A molar unit, spelled exactly: case is meaningful ("mM" is not "MM", "nM" not
    "nm"), so a near miss is only suggested."""
    if not isinstance(unit, str) or unit not in _MOLAR:
        ok = tuple(_MOLAR)
        raise ValueError(f"unit must be one of {ok}, got {unit!r}"
                         + (f"; {suggest(unit, ok).strip()}" if suggest(unit, ok) else ""))


def schild_line(dose_ratios, antagonist, unit: str = "nmol/L"):
    """Least-squares Schild regression: slope and pA2.

    Regresses ``log10(DR - 1)`` on ``log10 [B]`` (``[B]`` in mol/L); the
    x intercept is ``-pA2``, so ``pA2 = intercept / slope`` (Arunlakshana and
    Schild 1959).  Points with ``DR <= 1`` or ``[B] <= 0`` cannot be drawn in
    these coordinates and are left out.

    Parameters
    ----------
    dose_ratios : array_like (n,) or (r, n)
        Agonist EC50 with antagonist over EC50 without (``r`` replicates).
    antagonist : array_like (n,)
        Antagonist concentrations in ``unit``.
    unit : str
        Concentration unit of ``antagonist`` (mol/L, mmol/L, umol/L, nmol/L
        or pmol/L; also M, nM).

    Returns
    -------
    (log_b, log_dr1, slope, pA2) : tuple
        The drawable points (log10 mol/L, log10(DR - 1)) and the line; slope
        and pA2 are NaN with fewer than two distinct concentrations.

    Examples
    --------
    >>> import numpy as np
    >>> b = np.array([1.0, 10.0, 100.0])          # nmol/L
    >>> _, _, slope, pa2 = schild_line(1 + b / 2.0, b)   # KB = 2 nmol/L
    >>> round(slope, 12), round(pa2, 6)                  # -log10(2e-9)
    (1.0, 8.69897)
    """
    _molar(unit)
    b = np.asarray(antagonist, dtype=np.float64)
    dr = np.asarray(dose_ratios, dtype=np.float64)
    if b.ndim != 1:
        raise ValueError(f"antagonist must be 1-d, got shape {b.shape}")
    try:
        drb, bb = np.broadcast_arrays(dr, b)
    except ValueError:
        raise ValueError(f"dose_ratios of shape {dr.shape} do not match antagonist of "
                         f"{b.size} concentrations") from None
    drb, bb = drb.ravel(), bb.ravel()
    ok = np.isfinite(drb) & np.isfinite(bb) & (drb > 1.0) & (bb > 0.0)
    log_b = np.log10(bb[ok] * _MOLAR[unit])
    log_dr1 = np.log10(drb[ok] - 1.0)
    if np.unique(log_b).size < 2:
        return log_b, log_dr1, np.nan, np.nan
    slope, intercept = np.polyfit(log_b, log_dr1, 1)
    return log_b, log_dr1, float(slope), float(intercept / slope)


@styled
def schild(dose_ratios=None, antagonist=None, ax=None, *, curves=None, unit="nmol/L",
           fit=True, label=None, color=None):
    """Schild plot: log(DR - 1) against log [antagonist], with the regression.

    Parameters
    ----------
    dose_ratios : array_like (n,) or (r, n), or SchildResult, optional
        Dose ratios at each antagonist concentration (``r`` replicates), or
        the result of :func:`endorphin.schild_analysis` (its points and
        line are drawn; ``unit`` is the unit of the concentrations it was
        given).
    antagonist : array_like (n,)
        Antagonist concentrations in ``unit``.  With ``curves``, one per
        curve, 0 for the control curve.
    ax : matplotlib.axes.Axes, optional
        Default ``plt.gca()``.
    curves : (x, Y), optional
        Agonist concentration-response curves instead of dose ratios:
        ``x`` (m,) agonist concentrations, ``Y`` (n, m) responses, one row
        per antagonist concentration, one of them 0 (the control).  Each
        curve's EC50 is where it crosses half the control's (max + min)
        (log-linear interpolation), and DR = EC50 / EC50_control.
    unit : str
        Unit of ``antagonist`` (see :func:`schild_line`).
    fit : bool or object
        True: draw the least-squares line and report slope and pA2; an
        object with ``pA2`` and ``slope`` attributes (e.g. from
        :func:`endorphin.schild_analysis`, its pA2 in ``unit``): draw that
        line; False: points only.
    label, color : optional
        Legend label and colour of the points.

    Returns
    -------
    matplotlib.axes.Axes
        The slope and pA2 are written in the Axes' corner.
    """
    _molar(unit)
    shift = -math.log10(_MOLAR[unit])          # log10 of (concentration unit -> mol/L)
    if hasattr(dose_ratios, "pA2") and hasattr(dose_ratios, "log_antagonist"):
        sr = dose_ratios                       # an endorphin.schild_analysis result
        lb = np.asarray(sr.log_antagonist, dtype=np.float64).ravel()
        ly = np.asarray(sr.log_dr_minus_1, dtype=np.float64).ravel()
        ok = np.isfinite(lb) & np.isfinite(ly)
        if not ok.any():
            raise ValueError("no point with dose ratio > 1 and antagonist > 0 to draw")
        return _schild_draw(ax, lb[ok] - shift, ly[ok], float(sr.slope),
                            float(sr.pA2) + shift, label, color)
    if antagonist is None:
        raise TypeError("antagonist (concentrations) is required")
    b = np.asarray(antagonist, dtype=np.float64)
    if curves is not None:
        if dose_ratios is not None:
            raise ValueError("give dose_ratios or curves, not both")
        try:
            xa, Y = curves
        except (TypeError, ValueError):
            raise TypeError("curves must be a pair (x, Y)") from None
        xa, Y = np.asarray(xa, dtype=np.float64), np.atleast_2d(np.asarray(Y, np.float64))
        if Y.shape != (b.size, xa.size):
            raise ValueError(f"curves: Y must have shape (len(antagonist), len(x)) = "
                             f"({b.size}, {xa.size}), got {Y.shape}")
        ctrl = np.flatnonzero(b == 0)
        if ctrl.size != 1:
            raise ValueError("curves need exactly one control curve (antagonist 0)")
        y0 = Y[ctrl[0]]
        half = 0.5 * (np.nanmax(y0) + np.nanmin(y0))
        ec = np.array([_ec50_interp(xa, yi, half) for yi in Y])
        keep = b > 0
        dose_ratios, b = ec[keep] / ec[ctrl[0]], b[keep]
    if dose_ratios is None:
        raise TypeError("dose_ratios or curves is required")
    log_b, log_dr1, slope, pa2 = schild_line(dose_ratios, b, unit)
    if log_b.size == 0:
        raise ValueError("no point with dose ratio > 1 and antagonist > 0 to draw")
    if fit is None or fit is False:
        slope = pa2 = None
    elif fit is not True:
        slope, pa2 = float(getattr(fit, "slope")), float(getattr(fit, "pA2")) + shift
    return _schild_draw(ax, log_b, log_dr1, slope, pa2, label, color)


def _schild_draw(ax, log_b, log_dr1, s, p, label, color):
    ax = get_axes(ax)
    col = color if color is not None else palette_color(0)
    ax.plot(log_b, log_dr1, ls="none", marker="o", ms=5, alpha=0.7 if log_b.size > 12 else 1.0,
            color=col, label=label, zorder=4)
    text = None
    if s is not None:
        if np.isfinite(s) and np.isfinite(p):
            xs = np.array([min(log_b.min(), -p) - 0.3, log_b.max() + 0.3])
            ax.plot(xs, s * (xs + p), color=col, lw=1.3, zorder=3,
                    label="Schild regression" if label else None)
            ax.plot([-p], [0.0], marker="x", color="black", ms=7, zorder=5)
            text = f"pA$_2$ = {p:.2f}\nslope = {s:.2f}"
    ax.axhline(0.0, color=NEUTRAL, lw=0.6, ls=":", zorder=0)
    ax.set_xlabel("log$_{10}$ [antagonist] [mol/L]")
    ax.set_ylabel("log$_{10}$ (dose ratio − 1)")
    if text:
        ax.text(0.03, 0.97, text, transform=ax.transAxes, va="top", ha="left")
    if label:
        ax.legend(loc="lower right")
    return ax
