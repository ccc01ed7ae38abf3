"""-2 log-likelihood of observations with a normal residual error and censoring (M3).

An observation ``y`` with prediction ``f`` and residual variance ``v`` (e.g.
``a^2 + (b f)^2``, :func:`endorphin.estimation.population.residual_sd` squared)
contributes ``(y - f)^2 / v + log v + log 2 pi``; a censored one (below the limit
``L``) contributes ``-2 log Phi((L - f) / sqrt(v))``, the probability of a value
below the limit (Beal SL. Ways to fit a PK model with some data below the
quantification limit. J Pharmacokinet Pharmacodyn 2001;28:481-504,
doi:10.1023/A:1012299115260, "M3").

Derivatives are with respect to any parameters ``x`` given the Jacobians of ``f``
and ``v`` (``Df``, ``Dv`` of shape (..., M, K)); all arrays are batched over
leading axes (subjects).  :func:`derivatives` gives the gradient and the
Fisher-scoring (Gauss-Newton) matrix, positive semi-definite, which the fitter's
Levenberg-Marquardt steps use; :func:`hessian` the exact Hessian (observed
information) given second derivatives too.  Pure NumPy.
"""
from __future__ import annotations

import math

import numpy as np

__all__ = ["log_ndtr", "mills", "neg2ll", "derivatives", "hessian"]

_LOG_2PI = math.log(2.0 * math.pi)
_erfc = np.vectorize(math.erfc, otypes=[np.float64])


def log_ndtr(z):
    """``log Phi(z)`` of the standard normal CDF, accurate in the far left tail."""
    z = np.asarray(z, dtype=np.float64)
    out = np.empty_like(z)
    far = z < -20.0
    near = ~far & np.isfinite(z)
    out[near] = np.log(0.5 * _erfc(-z[near] / math.sqrt(2.0)))
    if far.any():
        zf = z[far]
        q = 1.0 / (zf * zf)
        # asymptotic series of the Mills ratio: Phi(z) = phi(z)/(-z) (1 - q + 3q^2 - ...)
        s = 1.0 - q * (1.0 - 3.0 * q * (1.0 - 5.0 * q * (1.0 - 7.0 * q * (1.0 - 9.0 * q))))
        out[far] = -0.5 * zf * zf - 0.5 * _LOG_2PI - np.log(-zf) + np.log(s)
    out[np.isnan(z)] = np.nan
    out[z == np.inf] = 0.0
    out[z == -np.inf] = -np.inf
    return out


def mills(z):
    """``phi(z) / Phi(z)`` (the inverse Mills ratio of the left tail), stable for
    large negative ``z`` (where it tends to ``-z``)."""
    z = np.asarray(z, dtype=np.float64)
    with np.errstate(over="ignore", under="ignore"):
        return np.exp(-0.5 * z * z - 0.5 * _LOG_2PI - log_ndtr(z))


def neg2ll(y, f, v, mask, censored, lloq):
    """-2 log L summed over the last axis (rows outside ``mask`` ignored)."""
    obs = mask & ~censored
    cen = mask & censored
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        r = y - f
        term = np.where(obs, r * r / v + np.log(v) + _LOG_2PI, 0.0)
        if cen.any():
            z = np.where(cen, (lloq - f) / np.sqrt(v), 0.0)
            term = term + np.where(cen, -2.0 * log_ndtr(z), 0.0)
    bad = ~np.isfinite(np.where(mask, term, 0.0)).all(axis=-1)
    out = term.sum(axis=-1)
    out[bad] = np.nan
    return out


def _pieces(y, f, v, Df, Dv, mask, censored, lloq):
    obs = (mask & ~censored)[..., None]
    cen = (mask & censored)[..., None]
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        r = (y - f)[..., None]
        vv = v[..., None]
        sd = np.sqrt(vv)
        z = np.where(cen, (lloq[..., None] - f[..., None]) / sd, 0.0)
        lam = np.where(cen, mills(z), 0.0)
        dz = np.where(cen, -Df / sd - z / (2.0 * vv) * Dv, 0.0)
    return obs, cen, r, vv, sd, z, lam, dz


def derivatives(y, f, v, Df, Dv, mask, censored, lloq):
    """-2 log L (...,), half its gradient (..., K) and half its Fisher-scoring
    matrix (..., K, K): ``sum Df Df^T / v + Dv Dv^T / (2 v^2)`` over observed rows,
    ``lambda (lambda + z) Dz Dz^T`` over censored ones (``lambda`` the inverse
    Mills ratio; the exact Hessian of ``-log Phi`` in ``z``, without the curvature
    of ``z``)."""
    cost = neg2ll(y, f, v, mask, censored, lloq)
    obs, cen, r, vv, sd, z, lam, dz = _pieces(y, f, v, Df, Dv, mask, censored, lloq)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        g = np.where(obs, -r / vv * Df + 0.5 * (1.0 / vv - r * r / (vv * vv)) * Dv, 0.0)
        g = g + np.where(cen, -lam * dz, 0.0)
        Wf = np.where(obs, Df / vv, 0.0)
        Wv = np.where(obs, Dv / (2.0 * vv * vv), 0.0)
        Wz = np.where(cen, lam * (lam + z) * dz, 0.0)
    gsum = g.sum(axis=-2)
    H = (np.swapaxes(Wf, -1, -2) @ np.where(obs, Df, 0.0)
         + np.swapaxes(Wv, -1, -2) @ np.where(obs, Dv, 0.0)
         + np.swapaxes(Wz, -1, -2) @ dz)
    return cost, gsum, H


def hessian(y, f, v, Df, Dv, D2f, D2v, mask, censored, lloq):
    """The exact Hessian of -2 log L (..., K, K) given second derivatives ``D2f``,
    ``D2v`` (..., M, K, K)."""
    obs, cen, r, vv, sd, z, lam, dz = _pieces(y, f, v, Df, Dv, mask, censored, lloq)
    o4, c4 = obs[..., None], cen[..., None]
    r4, v4, sd4 = r[..., None], vv[..., None], sd[..., None]
    ff = Df[..., :, None] * Df[..., None, :]
    fv = Df[..., :, None] * Dv[..., None, :]
    fv = fv + np.swapaxes(fv, -1, -2)
    vvv = Dv[..., :, None] * Dv[..., None, :]
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        h_obs = (2.0 / v4 * ff + 2.0 * r4 / v4 ** 2 * fv - 2.0 * r4 / v4 * D2f
                 + (-1.0 / v4 ** 2 + 2.0 * r4 ** 2 / v4 ** 3) * vvv
                 + (1.0 / v4 - r4 ** 2 / v4 ** 2) * D2v)
        # z = (L - f) v^(-1/2)
        zz = z[..., None]
        d2z = (-D2f / sd4 + 0.5 / (v4 * sd4) * fv + 0.75 * zz / v4 ** 2 * vvv
               - 0.5 * zz / v4 * D2v)
        lam4 = lam[..., None]
        h_cen = (2.0 * lam4 * (lam4 + zz) * dz[..., :, None] * dz[..., None, :]
                 - 2.0 * lam4 * d2z)
    H = np.where(o4, h_obs, 0.0) + np.where(c4, h_cen, 0.0)
    return H.sum(axis=-3)
