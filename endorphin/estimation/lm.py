"""The Levenberg-Marquardt iteration over lanes, shared by the individual fit
(:func:`endorphin.fit_model`) and the profile likelihood
(:func:`endorphin.estimation.diagnostics.profile`).

A lane is a subject at a point in log-parameter space; every iteration is one
batched :meth:`~endorphin.estimation.problem.Problem.simulate` call for every
active lane's trial point and its central finite differences.  Each lane has its
own damping and its own convergence test.  A column of the log-parameters can be
pinned (held at each lane's own value: a profile's grid).  The objective is the
sum of squares of :func:`residuals` (the maximum-likelihood objective of the
additive or proportional error model with the residual variance profiled out,
see :mod:`endorphin.estimation.individual`).
"""
from __future__ import annotations

import numpy as np

from .problem import Problem

__all__ = ["levenberg_marquardt", "residuals", "lane_ofv", "CONVERGED"]

#: convergence reasons that count as converged
CONVERGED = ("ftol", "xtol", "gtol")


def residuals(prob: Problem, error: str, f, subj):
    """Residuals ``r`` (L, M) of predictions ``f`` (L, M) of lanes of subjects
    ``subj`` (L,) whose sum of squares the fit minimises (see the module
    docstring); a row of NaN marks an invalid point (failed simulation, or a
    prediction <= 0 under proportional error)."""
    m = prob.mask[subj]
    y = prob.Y[subj]
    n_obs = prob.n_obs[subj]
    if error == "additive":
        r = np.where(m, y - f, 0.0)
    else:
        ok = np.where(m, f > 0, True).all(axis=1)
        lf = np.where(m & (f > 0), np.log(np.abs(f) + (f == 0)), 0.0)
        g = np.exp(lf.sum(axis=1) / n_obs)
        with np.errstate(divide="ignore", invalid="ignore"):
            r = np.where(m, (y - f) / f, 0.0) * g[:, None]
        r[~ok] = np.nan
    bad = ~np.isfinite(r).all(axis=1)
    r[bad] = np.nan
    return r


def lane_ofv(prob: Problem, error: str, f, subj):
    """``-2 log L`` (L,) of each lane (a subject ``subj[l]`` with predictions
    ``f[l]``) at the maximum-likelihood residual variance: additive ``n log(2 pi
    S / n) + n`` with ``S = sum (y - f)^2``; proportional the same with ``S =
    sum ((y - f) / f)^2`` plus ``2 sum log f``."""
    m = prob.mask[subj]
    y = prob.Y[subj]
    n_obs = prob.n_obs[subj]
    with np.errstate(divide="ignore", invalid="ignore"):
        if error == "additive":
            S_w = np.sum(np.where(m, y - f, 0.0) ** 2, axis=1)
            return n_obs * np.log(2 * np.pi * S_w / n_obs) + n_obs
        S_w = np.sum(np.where(m, (y - f) / f, 0.0) ** 2, axis=1)
        lf = np.where(m, np.log(np.abs(f)), 0.0)
        return n_obs * np.log(2 * np.pi * S_w / n_obs) + 2 * lf.sum(axis=1) + n_obs


def levenberg_marquardt(prob: Problem, error: str, theta0, subj, *, max_iter: int,
                        ftol: float, xtol: float, step: float, pinned=None) -> dict:
    """Fit lanes at once: lane ``l`` is subject ``subj[l]`` starting at the
    log-parameters ``theta0[l]`` (L, P).

    ``pinned``: optional column index ``k``; that column of every lane stays at
    its value in ``theta0`` (per lane: a profile's grid), the others are
    fitted.  Each iteration is one :meth:`Problem.simulate` call for every
    active lane's trial point and its central differences (``2 Q + 1`` lanes
    each, ``Q`` the free columns).

    Returns a dict: ``theta`` (L, P), ``f`` (L, M) predictions at it, ``r``
    residuals, ``Jf`` and ``Jl`` (L, M, Q) Jacobians of ``f`` and ``log f``
    with respect to the free columns, ``cost`` (L,) sum of squares of ``r``,
    ``reason`` (L,) (:data:`endorphin.estimation.individual.REASONS`),
    ``iterations`` (L,), ``failed`` (L,) (the simulation failed at the start)
    and ``free`` (the free columns).
    """
    theta = np.array(theta0, dtype=np.float64)
    subj = np.asarray(subj)
    L, P = theta.shape
    M = prob.M
    free = [k for k in range(P) if k != pinned]
    Q = len(free)
    width = 2 * Q + 1
    offsets = np.zeros((width, P))
    for j, k in enumerate(free):
        offsets[1 + 2 * j, k] = step
        offsets[2 + 2 * j, k] = -step

    def evaluate(theta, lanes):
        """f, r at theta (S, P) and the Jacobians of r, f, log f (S, M, Q)."""
        S = len(lanes)
        s_subj = subj[lanes]
        pts = (theta[:, None, :] + offsets[None]).reshape(S * width, P)
        lane_subj = np.repeat(s_subj, width)
        f = prob.simulate(pts, lane_subj).reshape(S, width, M)
        r = residuals(prob, error, f.reshape(S * width, M), lane_subj).reshape(S, width, M)
        jr = (r[:, 1::2] - r[:, 2::2]).transpose(0, 2, 1) / (2 * step)
        jf = (f[:, 1::2] - f[:, 2::2]).transpose(0, 2, 1) / (2 * step)
        with np.errstate(divide="ignore", invalid="ignore"):
            lf = np.log(np.where(f > 0, f, np.nan))
        jl = (lf[:, 1::2] - lf[:, 2::2]).transpose(0, 2, 1) / (2 * step)
        m = prob.mask[s_subj][:, :, None]
        return (f[:, 0], r[:, 0], np.where(m, jr, 0.0), np.where(m, jf, 0.0),
                np.where(m, jl, 0.0))

    f, r, Jr, Jf, Jl = evaluate(theta, np.arange(L))
    cost = np.sum(r ** 2, axis=1)
    lam = np.full(L, 1e-3)
    reason = np.full(L, "", dtype=object)
    failed = ~np.isfinite(cost) | ~np.isfinite(Jr).all(axis=(1, 2))
    reason[failed] = "simulation failed"
    iters = np.zeros(L, dtype=np.int64)
    active = ~failed
    if Q == 0:                      # nothing to fit: the gradient is empty
        reason[active] = "gtol"
        active[:] = False
    eye = np.eye(Q)
    for it in range(max_iter):
        s = np.flatnonzero(active)
        if s.size == 0:
            break
        iters[s] += 1
        J = Jr[s]
        JtJ = J.transpose(0, 2, 1) @ J
        grad = np.einsum("smp,sm->sp", J, r[s])
        gnorm = np.abs(grad).max(axis=1)
        small_g = gnorm <= 1e-12 * np.maximum(cost[s], 1e-300)
        reason[s[small_g]] = "gtol"
        active[s[small_g]] = False
        keep = ~small_g
        s, JtJ, grad = s[keep], JtJ[keep], grad[keep]
        if s.size == 0:
            break
        D = np.einsum("spp->sp", JtJ)
        A = JtJ + lam[s, None, None] * (D[:, :, None] * eye)
        try:
            delta = -np.linalg.solve(A, grad[..., None])[..., 0]
        except np.linalg.LinAlgError:
            delta = -np.stack([np.linalg.lstsq(a, g, rcond=None)[0]
                               for a, g in zip(A, grad)])
        trial = theta[s].copy()
        trial[:, free] += delta
        with np.errstate(over="ignore", invalid="ignore"):
            bounded = np.isfinite(np.exp(trial)).all(axis=1) & (np.abs(trial) < 700).all(axis=1)
        trial = np.where(bounded[:, None], trial, theta[s])
        nf, nr, nJr, nJf, nJl = evaluate(trial, s)
        ncost = np.sum(nr ** 2, axis=1)
        ok = bounded & np.isfinite(ncost) & np.isfinite(nJr).all(axis=(1, 2)) \
            & (ncost <= cost[s])
        acc = s[ok]
        rel = (cost[acc] - ncost[ok]) / np.maximum(cost[acc], 1e-300)
        step_small = np.abs(delta[ok]).max(axis=1) <= xtol * (xtol + np.abs(theta[acc]).max(
            axis=1))
        theta[acc], f[acc], r[acc] = trial[ok], nf[ok], nr[ok]
        Jr[acc], Jf[acc], Jl[acc], cost[acc] = nJr[ok], nJf[ok], nJl[ok], ncost[ok]
        lam[acc] = np.maximum(lam[acc] / 3.0, 1e-12)
        rej = s[~ok]
        lam[rej] *= 10.0
        done_f = rel <= ftol
        reason[acc[done_f]] = "ftol"
        reason[acc[step_small & ~done_f]] = "xtol"
        active[acc[done_f | step_small]] = False
        stall = rej[lam[rej] > 1e12]
        reason[stall] = "stalled"
        active[stall] = False
    reason[active] = "max_iter"
    return {"theta": theta, "f": f, "r": r, "Jf": Jf, "Jl": Jl, "cost": cost,
            "reason": reason, "iterations": iters, "failed": failed, "free": free}
