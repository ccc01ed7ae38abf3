"""``fit_model(method="foce")``: first-order conditional estimation with interaction.

The model (:mod:`.population`): subject ``i``'s log-parameters are
``psi_i = log theta + E eta_i`` (``E`` selects the parameters with
between-subject variability), ``eta_i ~ N(0, Omega)``, and the observations
``y_ij ~ N(f_ij, V_ij)`` with ``V_ij = a^2 + (b f_ij)^2``, ``f_ij`` the model's
prediction at ``psi_i``.

What FOCE-I approximates
------------------------
The marginal likelihood ``L = prod_i int p(y_i | eta) p(eta) d eta`` has no
closed form.  FOCE-I replaces each subject's integral by Laplace's
approximation around the conditional mode ``eta_i^`` (the empirical Bayes
estimate, EBE), with the Hessian of the conditional ``-2 log`` density
replaced by its expectation over ``y`` (first derivatives of ``f`` only), and
keeps the dependence of the residual variance on ``eta`` ("interaction",
``V`` evaluated at the EBEs; Lindstrom & Bates 1990, Biometrics 46:673,
doi:10.2307/2532087; Wang 2007, J Pharmacokinet Pharmacodyn 34:575,
doi:10.1007/s10928-007-9060-6; Almquist et al. 2015, J Pharmacokinet
Pharmacodyn 42:191, doi:10.1007/s10928-015-9409-1).  With
``O_i(eta) = sum_j [(y_ij - f_ij)^2 / V_ij + log V_ij] + eta' Omega^-1 eta``
(minimised by ``eta_i^``), ``G_ij = d f_ij / d eta`` and
``H_i = Omega^-1 + sum_j [G_ij G_ij' / V_ij + (1/2) dV_ij dV_ij' / V_ij^2]``
(``dV_ij = d V_ij / d eta = 2 b^2 f_ij G_ij``), all at ``eta_i^``::

    ofv = sum_i [ n_i log(2 pi) + O_i(eta_i^) + log det Omega + log det H_i ]

which is ``-2 log L`` up to the approximation.  ``ofv`` includes the
``n log(2 pi)`` constant (NONMEM's OFV omits it: subtract ``n log(2 pi)``,
``n`` the number of observations, to compare).

Algorithm
---------
* Inner step (EBEs): Newton's method on ``O_i`` (the exact Hessian from
  finite differences where it is positive definite, else the scoring matrix
  ``2 H_i``) in a trust region (steps of at most 0.25-1 on the log scale), all
  subjects at once: each iteration is ONE batched engine call of
  ``1 + 2 Q + Q (Q - 1)`` lanes per active subject (the trial point and the
  central differences of ``f`` with respect to ``eta`` on the log scale, step
  ``step``), warm-started from the previous EBEs.
* Outer step: the population parameters ``x`` (log typical values, the
  Cholesky factor of ``Omega`` with log diagonal, log residual SDs) take a
  Newton step on the objective in which each subject's predictions are replaced
  by their second-order Taylor expansion in ``psi`` around the current EBEs
  (the inner step's last evaluation when every parameter has IIV, else one more
  engine call); that surrogate's EBEs are found by Newton's method in NumPy
  and its gradient and Hessian in ``x`` by central differences.  The step is
  accepted when the true objective (EBEs recomputed with the engine) does not
  rise (else halved).  Since the expansion reproduces ``f`` and its first and
  second derivatives at the EBEs, the surrogate's gradient is the objective's
  gradient there, and the fixed point is a stationary point of ``ofv``.
* Covariance step: ``cov(x) = 2 H^-1``, ``H`` the central finite-difference
  Hessian of the objective in ``x`` at the estimate (through the expansion of
  ``f`` at the final EBEs: third derivatives of ``f`` are neglected), mapped
  to the reported scales by the delta method: typical values and residual SDs
  on the natural scale, ``"omega2:<name>"`` the variances and
  ``"omega2:<a>,<b>"`` the covariances of a block.

Parameters not fitted are the scenario population's typical values, as for
``method="individual"``.  Censored rows (M3) are not supported by FOCE-I yet.
"""
from __future__ import annotations

import numpy as np

from .._validate import known, suggest
from .population import PopulationFit, diagnostics
from .problem import Problem

__all__ = ["fit"]

ERRORS = ("additive", "proportional", "combined")
#: default starting omega^2 (variance of eta) of every fitted parameter: 0.1,
#: a coefficient of variation of about 32 %
OMEGA_START = 0.1
_LOG2PI = float(np.log(2 * np.pi))


# ---------------------------------------------------------------------------
# the conditional objective of one subject, vectorised over subjects
# ---------------------------------------------------------------------------
def _conditional(y, m, f, G, eta, Oinv, a, b, F=None):
    """``O_i`` (S,), its gradient (S, Q), the scoring matrix ``2 H_i`` (S, Q, Q)
    and, with ``F = d2 f / d eta2`` (S, M, Q, Q), the exact Hessian of ``O_i``;
    also ``V`` (S, M).  Padding slots (``m`` False) contribute nothing."""
    V = a * a + (b * f) ** 2
    V = np.where(m, V, 1.0)
    r = np.where(m, y - f, 0.0)
    w = m.astype(np.float64)
    d1 = 2.0 * b * b * f                       # dV/df
    O = np.sum(w * (r * r / V + np.log(V)), axis=1) + np.einsum("sq,qr,sr->s", eta, Oinv,
                                                                   eta)
    u1 = w * (-2.0 * r / V - r * r * d1 / V ** 2 + d1 / V)
    grad = np.einsum("sm,smq->sq", u1, G) + 2.0 * eta @ Oinv
    e2 = w * (2.0 / V + d1 * d1 / V ** 2)      # E[d2 u / df2]
    A = np.einsum("sm,smq,smr->sqr", e2, G, G) + 2.0 * Oinv
    if F is None:
        return O, grad, A, V, None
    d2 = 2.0 * b * b
    u2 = w * (2.0 / V + 4.0 * r * d1 / V ** 2 - r * r * d2 / V ** 2
              + 2.0 * r * r * d1 * d1 / V ** 3 + d2 / V - d1 * d1 / V ** 2)
    Hx = np.einsum("sm,smq,smr->sqr", u2, G, G) + np.einsum("sm,smqr->sqr", u1, F) \
        + 2.0 * Oinv
    return O, grad, A, V, Hx


def _objective(y, m, f, eta, Oinv, a, b):
    """``O_i`` (S,) alone."""
    with np.errstate(divide="ignore", invalid="ignore"):
        V = np.where(m, a * a + (b * f) ** 2, 1.0)
        r = np.where(m, y - f, 0.0)
        O = np.sum(np.where(m, r * r / V + np.log(V), 0.0), axis=1)
    return O + np.einsum("sq,qr,sr->s", eta, Oinv, eta)


def _ofv_terms(O, A, logdet_omega, n_obs):
    """Per-subject FOCE-I ``-2 log L_i`` from ``O_i`` and ``2 H_i``."""
    Q = A.shape[-1]
    if Q == 0:
        ld = np.zeros(len(O))
    else:
        sign, ld = np.linalg.slogdet(A / 2.0)
        ld = np.where(sign > 0, ld, np.inf)
    return n_obs * _LOG2PI + O + logdet_omega + ld


def _solve(A, g):
    try:
        return np.linalg.solve(A, g[..., None])[..., 0]
    except np.linalg.LinAlgError:
        return np.stack([np.linalg.lstsq(a, v, rcond=None)[0] for a, v in zip(A, g)])


# ---------------------------------------------------------------------------
# the parameter vector x
# ---------------------------------------------------------------------------
class _Layout:
    """Packing of the population parameters into ``x``."""

    def __init__(self, P, iiv, block, kinds):
        self.P = P
        self.iiv = iiv                      # indices (into the P parameters) with IIV
        self.Q = Q = len(iiv)
        self.E = np.zeros((P, Q))
        self.E[iiv, np.arange(Q)] = 1.0
        self.block = block                  # positions (into 0..Q-1) in the block
        self.offdiag = [(q, r) for q in range(Q) for r in range(q) if q in block
                        and r in block]
        self.kinds = kinds                  # residual SDs estimated: "additive" / "proportional"
        self.n = P + Q + len(self.offdiag) + len(kinds)

    def pack(self, phi, L, sig):
        x = [phi, np.log(np.diag(L))] + [np.array([L[q, r] for q, r in self.offdiag])]
        x.append(np.log([sig[k] for k in self.kinds]))
        return np.concatenate(x)

    def unpack(self, x):
        P, Q = self.P, self.Q
        phi = x[:P]
        L = np.diag(np.exp(x[P:P + Q]))
        for k, (q, r) in enumerate(self.offdiag):
            L[q, r] = x[P + Q + k]
        s = np.exp(x[P + Q + len(self.offdiag):])
        sig = dict(zip(self.kinds, s))
        return phi, L, sig.get("additive", 0.0), sig.get("proportional", 0.0)

    def omega(self, x):
        phi, L, a, b = self.unpack(x)
        Om = L @ L.T
        if self.Q:
            Oinv = np.linalg.inv(Om)
            logdet = 2.0 * float(np.sum(np.log(np.diag(L))))
        else:
            Oinv, logdet = np.zeros((0, 0)), 0.0
        return phi, Om, Oinv, logdet, a, b

    def reported(self, x, names):
        """Typical values, omega^2 (variances, block covariances), residual SDs."""
        phi, Om, _, _, a, b = self.omega(x)
        sig = {"additive": a, "proportional": b}
        vals = list(np.exp(phi)) + [Om[q, q] for q in range(self.Q)] + \
            [Om[q, r] for q, r in self.offdiag] + [sig[k] for k in self.kinds]
        labels = list(names) + [f"omega2:{names[self.iiv[q]]}" for q in range(self.Q)] + \
            [f"omega2:{names[self.iiv[r]]},{names[self.iiv[q]]}" for q, r in self.offdiag] + \
            [f"sigma:{k}" for k in self.kinds]
        return np.array(vals), labels


# ---------------------------------------------------------------------------
# options
# ---------------------------------------------------------------------------
def _check_options(names, omega, omega_block, sigma, kinds):
    P = len(names)
    om = np.full(P, OMEGA_START)
    if omega is not None:
        if not hasattr(omega, "items"):
            raise TypeError(f"omega must be a mapping parameter -> initial omega^2 (0: no "
                            f"between-subject variability), got {type(omega).__name__}")
        for k, v in omega.items():
            if k not in names:
                raise ValueError(f"omega: {k!r} is not among the fitted parameters; "
                                 f"{suggest(k, names)}(fitted: {known(names)})")
            if isinstance(v, bool) or not isinstance(v, (int, float, np.floating,
                                                          np.integer)):
                raise TypeError(f"omega: {k!r} must be a number (omega^2), got {v!r}")
            if not np.isfinite(v) or v < 0:
                raise ValueError(f"omega: {k!r} must be a variance >= 0 (omega^2 of the "
                                 f"log-normal random effect; 0 = none), got {v!r}")
            om[names.index(k)] = float(v)
    iiv = [k for k in range(P) if om[k] > 0]
    block = []
    if omega_block not in (None, False):
        if omega_block is True:
            bnames = [names[k] for k in iiv]
        elif isinstance(omega_block, (list, tuple)):
            bnames = list(omega_block)
            for k in bnames:
                if k not in names:
                    raise ValueError(f"omega_block: {k!r} is not among the fitted "
                                     f"parameters; {suggest(k, names)}(fitted: "
                                     f"{known(names)})")
                if om[names.index(k)] == 0:
                    raise ValueError(f"omega_block: {k!r} has no between-subject "
                                     f"variability (omega {k!r} is 0)")
            if len(set(bnames)) != len(bnames):
                raise ValueError(f"omega_block: duplicate names in {bnames}")
        else:
            raise TypeError(f"omega_block must be True or a list of parameter names, got "
                            f"{omega_block!r}")
        if len(bnames) < 2:
            raise ValueError(f"omega_block needs at least two parameters with "
                             f"between-subject variability, got {bnames}")
        block = [iiv.index(names.index(k)) for k in bnames]
    sig = {}
    if sigma is not None:
        if not hasattr(sigma, "items"):
            raise TypeError(f"sigma must be a mapping 'additive'/'proportional' -> initial "
                            f"residual SD, got {type(sigma).__name__}")
        for k, v in sigma.items():
            if k not in kinds:
                raise ValueError(f"sigma: {k!r} is not a residual SD of this error model "
                                 f"(it has {list(kinds)})")
            if isinstance(v, bool) or not isinstance(v, (int, float, np.floating,
                                                          np.integer)) \
                    or not np.isfinite(v) or v <= 0:
                raise ValueError(f"sigma: {k!r} must be a positive number, got {v!r}")
            sig[k] = float(v)
    return om, iiv, block, sig


# ---------------------------------------------------------------------------
# the fit
# ---------------------------------------------------------------------------
def fit(data, scenario, parameters, *, error="additive", initial=None, max_iter=None,
        rtol=1e-8, atol=1e-12, threads=None, omega=None, omega_block=None, sigma=None,
        step=1e-3, covariance=True, doses=None):
    """FOCE-I population fit (see the module docstring for the objective).

    Parameters
    ----------
    data, scenario, parameters, initial, rtol, atol, threads
        As for :func:`endorphin.fit_model`; ``initial`` are the starting typical
        values (natural scale).
    error : {"additive", "proportional", "combined"}
        ``V = a^2``, ``(b f)^2`` or ``a^2 + (b f)^2``.
    max_iter : int, optional
        Outer iterations (default 50); 0 evaluates the objective, the EBEs and
        the covariance step at the initial values (NONMEM's MAXEVAL=0).
    omega : mapping, optional
        Parameter name -> starting omega^2 (variance of its log-normal random
        effect); 0 = no between-subject variability (held at 0).  Default: every
        fitted parameter with IIV, starting at omega^2 = 0.1 (CV about 32 %).
    omega_block : True or list of str, optional
        Estimate the covariances between these parameters' random effects (a
        full block; ``True``: all with IIV).  Default: diagonal Omega.
    sigma : mapping, optional
        Starting residual SDs, ``{"additive": a, "proportional": b}`` (output
        units, a fraction).  Default: ``b = 0.1``, ``a = 0.1`` times the median
        of ``|value|`` (``0.05`` with ``"combined"``).
    step : float
        Finite-difference step on the log-parameters for ``d f / d eta``.
    covariance : bool
        Run the covariance step (standard errors).
    doses : pandas.DataFrame, optional
        Per-subject doses for a tidy ``data`` (as :func:`endorphin.fit_model`).

    Returns
    -------
    PopulationFit
        With ``predict()`` giving PRED, IPRED, RES, IWRES and CWRES.
    """
    import pandas as pd
    from ..scenario import Scenario
    if not isinstance(scenario, Scenario):
        raise TypeError(f"scenario must be an endorphin.Scenario, got "
                        f"{type(scenario).__name__}")
    if not isinstance(error, str) or error not in ERRORS:
        raise ValueError(f"error must be one of {list(ERRORS)}, got {error!r}; "
                         f"{suggest(error, ERRORS)}".rstrip("; "))
    if scenario.pulses:
        raise ValueError("scenario: fitting needs a deterministic model; the scenario has "
                         "random pituitary pulses: pass Scenario(..., pulses=False)")
    if isinstance(data, pd.DataFrame) and "censored" in data.columns \
            and data["censored"].fillna(False).astype(bool).any():
        raise ValueError("data: censored rows (below the LLOQ) are not supported by "
                         "method='foce' yet (the M3 likelihood); drop them or use "
                         "method='individual'")
    for name, v in (("step", step), ("rtol", rtol), ("atol", atol)):
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not np.isfinite(v) \
                or v <= 0:
            raise ValueError(f"{name} must be a positive number, got {v!r}")
    if max_iter is None:
        max_iter = 50
    if isinstance(max_iter, bool) or not isinstance(max_iter, (int, np.integer)) \
            or max_iter < 0:
        raise ValueError(f"max_iter must be an integer >= 0 (0: evaluate the objective "
                         f"and the EBEs at the initial values), got {max_iter!r}")
    if not isinstance(covariance, (bool, np.bool_)):
        raise TypeError(f"covariance must be True or False, got {covariance!r}")
    prob = Problem(data, scenario, parameters, initial, rtol=rtol, atol=atol,
                   threads=threads, doses=doses)
    kinds = {"additive": ("additive",), "proportional": ("proportional",),
             "combined": ("additive", "proportional")}[error]
    om0, iiv, block, sig0 = _check_options(prob.names, omega, omega_block, sigma, kinds)
    scale = float(np.median(np.abs(prob.data["value"].to_numpy()))) or 1.0
    start_sig = {"additive": (0.05 if error == "combined" else 0.1) * scale,
                 "proportional": 0.1}
    start_sig.update(sig0)
    lay = _Layout(prob.P, iiv, block, kinds)
    x0 = lay.pack(np.log(prob.start), np.diag(np.sqrt(om0[iiv])), start_sig)
    est = _Estimator(prob, lay, step)
    x, state, ofv, converged, it, H = est.run(x0, max_iter)

    # covariance step
    D = lay.n
    vals, labels = lay.reported(x, prob.names)
    se = np.full(len(vals), np.nan)
    cov_x = None
    if covariance:
        if H is None:
            H = est.grad_hess(x, est.surrogate(x, state))[2]
        cov_x = est.covariance(H)
        if cov_x is not None:
            J = np.zeros((len(vals), D))
            h = 1e-6
            for k in range(D):
                e = np.zeros(D)
                e[k] = h
                J[:, k] = (lay.reported(x + e, prob.names)[0]
                           - lay.reported(x - e, prob.names)[0]) / (2 * h)
            var = np.einsum("rk,kl,rl->r", J, cov_x, J)
            se = np.sqrt(np.where(var >= 0, var, np.nan))

    phi, Om, Oinv, logdet, a, b = lay.omega(x)
    names = prob.names
    Qn = [names[k] for k in iiv]
    idx = pd.Index(prob.subjects, name="subject")
    omega_full = np.zeros((prob.P, prob.P))
    omega_full[np.ix_(iiv, iiv)] = Om
    eta_full = np.zeros((prob.N, prob.P))
    eta_full[:, iiv] = state["eta"]
    params = pd.Series(np.exp(phi), index=names, name="params")
    f_pred = prob.simulate(np.tile(phi, (prob.N, 1)), np.arange(prob.N))
    diag = diagnostics(prob.Y, prob.mask, f_pred, state["f"], state["G"], state["eta"], Om,
                       a, b)
    return PopulationFit(
        method="foce", error=error,
        params=params,
        omega=pd.Series(np.diag(omega_full), index=names, name="omega2"),
        omega_matrix=pd.DataFrame(omega_full, index=names, columns=names),
        sigma=pd.Series([{"additive": a, "proportional": b}[k] for k in kinds],
                        index=list(kinds), name="sigma"),
        eta=pd.DataFrame(eta_full, index=idx, columns=names),
        individual=pd.DataFrame(np.exp(phi + eta_full), index=idx, columns=names),
        stderr=pd.Series(se, index=labels, name="stderr"),
        ofv=float(ofv), converged=bool(converged), iterations=int(it),
        n_obs=int(prob.mask.sum()), eta_names=Qn, cov_x=cov_x,
        _data=prob.data, _problem=prob,
        _diagnostics={k: prob.rows(v) for k, v in diag.items()})


class _Estimator:
    """The inner (engine) and outer (surrogate) steps of one problem."""

    def __init__(self, prob, lay, step):
        self.prob, self.lay, self.step = prob, lay, step
        self.engine_calls = 0

    # -- the engine's f and its derivatives ---------------------------------------
    def _expand(self, psi, subj, dirs):
        """``f`` (S, M), its first (S, M, d) and second (S, M, d, d) derivatives
        along the log-parameter directions ``dirs`` at ``psi`` (S, P): central
        differences (step ``step``), ONE engine call of ``1 + 2 d + d (d - 1)``
        lanes per subject."""
        prob, h = self.prob, self.step
        P, M, S, d = prob.P, prob.M, len(subj), len(dirs)
        pairs = [(k, l) for k in range(d) for l in range(k)]
        offs = [np.zeros(P)]
        for k in range(d):
            e = np.zeros(P)
            e[dirs[k]] = h
            offs += [e, -e]
        for k, l in pairs:
            e = np.zeros(P)
            e[dirs[k]] = e[dirs[l]] = h
            offs += [e, -e]
        offs = np.array(offs)
        W = len(offs)
        pts = (psi[:, None, :] + offs[None]).reshape(S * W, P)
        f = prob.simulate(pts, np.repeat(subj, W)).reshape(S, W, M)
        self.engine_calls += 1
        f0 = f[:, 0]
        J = np.empty((S, M, d))
        H = np.empty((S, M, d, d))
        for k in range(d):
            fp, fm = f[:, 1 + 2 * k], f[:, 2 + 2 * k]
            J[:, :, k] = (fp - fm) / (2 * h)
            H[:, :, k, k] = (fp - 2 * f0 + fm) / h ** 2
        base = 1 + 2 * d
        for n, (k, l) in enumerate(pairs):
            fpp, fmm = f[:, base + 2 * n], f[:, base + 2 * n + 1]
            c = (fpp + fmm - 2 * f0) / (2 * h * h) - (H[:, :, k, k] + H[:, :, l, l]) / 2
            H[:, :, k, l] = H[:, :, l, k] = c
        return f0, J, H

    def ebe(self, x, eta0, tol=1e-7, max_inner=100, max_step=0.25):
        """EBEs at population parameters ``x`` (engine), from ``eta0``: Newton's
        method on ``O_i`` (exact Hessian where positive definite, else the
        scoring matrix) with Levenberg-Marquardt damping, all subjects in one
        engine call per iteration.  Returns the state (eta, f, G, F, O, A, V) and
        the ofv."""
        prob, lay = self.prob, self.lay
        phi, Om, Oinv, logdet, a, b = lay.omega(x)
        Y, mask = prob.Y, prob.mask
        N, Q, iiv = prob.N, lay.Q, lay.iiv

        def evaluate(eta, s):
            f, G, F = self._expand(phi[None, :] + eta @ lay.E.T, s, iiv)
            O, g, A, V, Hx = _conditional(Y[s], mask[s], f, G, eta, Oinv, a, b, F)
            return dict(f=f, G=G, F=F, O=O, g=g, A=A, V=V, Hx=Hx)

        eta = eta0.copy()
        st = evaluate(eta, np.arange(N))
        if not (np.isfinite(st["O"]).all() and np.isfinite(st["F"]).all()):
            return None, np.inf
        iters = 0
        if Q:
            rho = np.full(N, max_step)          # trust radius (max |step|, log scale)
            active = np.ones(N, dtype=bool)
            for iters in range(1, max_inner + 1):
                s = np.flatnonzero(active)
                if s.size == 0:
                    break
                Hs, As = st["Hx"][s], st["A"][s]
                ev = np.linalg.eigvalsh(Hs)
                pd_ = ev.min(axis=1) > 1e-10 * np.abs(ev).max(axis=1)
                delta = -_solve(np.where(pd_[:, None, None], Hs, As), st["g"][s])
                big = np.abs(delta).max(axis=1)
                delta *= np.minimum(1.0, rho[s] / np.maximum(big, 1e-300))[:, None]
                trial = eta[s] + delta
                with np.errstate(all="ignore"):
                    nst = evaluate(trial, s)
                nO = nst["O"]
                ok = np.isfinite(nO) & np.isfinite(nst["F"]).all(axis=(1, 2, 3)) & \
                    (nO <= st["O"][s])
                acc = s[ok]
                eta[acc] = trial[ok]
                for k in st:
                    st[k][acc] = nst[k][ok]
                rho[acc] = np.minimum(2.0 * rho[acc], 4 * max_step)
                active[s[big <= tol]] = False   # the Newton step is below tol
                rej = s[~ok]
                rho[rej] = np.abs(delta[~ok]).max(axis=1) / 4.0
                active[rej[rho[rej] < 1e-10]] = False
        ofv_i = _ofv_terms(st["O"], st["A"], logdet, prob.n_obs)
        st["eta"] = eta
        st["inner"] = iters
        return st, float(np.sum(ofv_i))

    # -- the second-order expansion of f around the EBEs ----------------------------
    def surrogate(self, x, state):
        prob, lay = self.prob, self.lay
        phi = lay.unpack(x)[0]
        psi = phi[None, :] + state["eta"] @ lay.E.T
        if lay.Q == prob.P:
            # every parameter has IIV: the inner step's last evaluation is the expansion
            J, H = state["G"].copy(), state["F"].copy()
        else:
            _, J, H = self._expand(psi, np.arange(prob.N), list(range(prob.P)))
            J[:, :, lay.iiv] = state["G"]
        E = lay.E
        return dict(psi=psi, f0=state["f"], J=J, H=H, eta=state["eta"].copy(), JE=J @ E,
                    F=np.einsum("kp,smkl,lq->smpq", E, H, E))

    def surrogate_ofv(self, x, sur, tol=1e-8, max_newton=50, return_state=False):
        """The objective at ``x`` with each subject's ``f`` replaced by the
        expansion ``sur``; EBEs by Newton's method (exact Hessian where positive
        definite, else the scoring matrix) with step halving, per subject."""
        prob, lay = self.prob, self.lay
        bad = (np.inf, None) if return_state else np.inf
        if not np.isfinite(x).all():
            return bad
        phi, Om, Oinv, logdet, a, b = lay.omega(x)
        if not np.isfinite(Oinv).all():
            return bad
        Y, mask = prob.Y, prob.mask
        E, H, J, psi0 = lay.E, sur["H"], sur["J"], sur["psi"]
        F = sur["F"]
        JE = sur["JE"]

        def fg(eta, s):
            d = phi[None, :] + eta @ E.T - psi0[s]
            Hd = np.einsum("smkl,sl->smk", H[s], d)
            f = sur["f0"][s] + np.einsum("smk,sk->sm", J[s] + 0.5 * Hd, d)
            G = JE[s] + Hd @ E
            return f, G

        eta = sur["eta"].copy()
        al = slice(None)
        f, G = fg(eta, al)
        O, g, A, V, Hx = _conditional(Y, mask, f, G, eta, Oinv, a, b, F)
        if lay.Q:
            for _ in range(max_newton):
                try:
                    delta = -np.linalg.solve(Hx, g[..., None])[..., 0]
                except np.linalg.LinAlgError:
                    delta = np.full_like(g, np.nan)
                bad = ~(np.einsum("sq,sq->s", g, delta) < 0) | ~np.isfinite(delta).all(1)
                if bad.any():
                    delta[bad] = -_solve(A[bad], g[bad])
                t = np.ones(len(O))
                trial = eta + delta
                for _ in range(40):
                    nf, _ = fg(trial, al)
                    nO = _objective(Y, mask, nf, trial, Oinv, a, b)
                    worse = ~(nO <= O + 1e-13 * np.abs(O))
                    if not worse.any():
                        break
                    t[worse] /= 2
                    trial = eta + t[:, None] * delta
                step = np.abs(trial - eta).max()
                eta = trial
                f, G = fg(eta, al)
                O, g, A, V, Hx = _conditional(Y, mask, f, G, eta, Oinv, a, b, F)
                if step <= tol:
                    break
        ofv = float(np.sum(_ofv_terms(O, A, logdet, prob.n_obs)))
        if not np.isfinite(ofv):
            ofv = np.inf
        if return_state:
            return ofv, eta
        return ofv

    # -- outer loop ---------------------------------------------------------------
    def grad_hess(self, x, sur, h=1e-3):
        """The surrogate objective's value, central finite-difference gradient and
        Hessian in ``x`` (``1 + 2 D + D (D - 1)`` evaluations)."""
        D = len(x)
        f0 = self.surrogate_ofv(x, sur)
        g, H = np.empty(D), np.empty((D, D))
        for k in range(D):
            e = np.zeros(D)
            e[k] = h
            fp, fm = self.surrogate_ofv(x + e, sur), self.surrogate_ofv(x - e, sur)
            g[k] = (fp - fm) / (2 * h)
            H[k, k] = (fp - 2 * f0 + fm) / h ** 2
        for k in range(D):
            for l in range(k):
                e = np.zeros(D)
                e[k] = e[l] = h
                c = (self.surrogate_ofv(x + e, sur) + self.surrogate_ofv(x - e, sur)
                     - 2 * f0) / (2 * h * h) - (H[k, k] + H[l, l]) / 2
                H[k, l] = H[l, k] = c
        return f0, g, H

    def run(self, x, max_iter, max_move=1.0):
        """Outer iterations: a Newton step on the surrogate objective (its
        Hessian made positive definite), halved until the true objective does not
        rise; stops when the step is below 1e-4 or the predicted decrease below
        1e-6.  Returns x, state, ofv, converged, iterations, last Hessian."""
        prob, lay = self.prob, self.lay
        state, ofv = self.ebe(x, np.zeros((prob.N, lay.Q)))
        if state is None:
            raise ValueError("foce: the model could not be simulated at the starting "
                             "values (pass initial={name: value})")
        converged = False
        it = 0
        H = None
        for it in range(1, max_iter + 1):
            sur = self.surrogate(x, state)
            f0, g, H = self.grad_hess(x, sur)
            if not (np.isfinite(g).all() and np.isfinite(H).all()):
                break
            lam, U = np.linalg.eigh(H)
            lam = np.maximum(np.abs(lam), 1e-8 * max(np.abs(lam).max(), 1e-300))
            dx = -U @ ((U.T @ g) / lam)
            decrease = 0.5 * float(g @ -dx)
            if decrease < 1e-6 or np.abs(dx).max() < 1e-5:
                # the Hessian H is the covariance step's
                converged = True
                break
            big = np.abs(dx).max()
            if big > max_move:
                dx *= max_move / big
            for _ in range(12):
                nsur, eta_s = self.surrogate_ofv(x + dx, sur, return_state=True)
                if nsur <= f0:
                    break
                dx /= 2
            accepted = False
            for _ in range(8):
                with np.errstate(all="ignore"):
                    nstate, nofv = self.ebe(x + dx, eta_s if eta_s is not None
                                            else state["eta"])
                if nstate is not None and nofv <= ofv + 1e-9 * abs(ofv):
                    accepted = True
                    break
                dx /= 2
                eta_s = state["eta"]
            if not accepted:
                break                       # no step lowers the objective
            x, state, ofv = x + dx, nstate, nofv
            if np.abs(dx).max() < 1e-4:
                converged = True
                sur = self.surrogate(x, state)
                H = self.grad_hess(x, sur)[2]
                break
        return x, state, ofv, converged, it, H

    def covariance(self, H):
        """``2 H^-1`` or None if ``H`` is not positive definite."""
        if H is None or not np.isfinite(H).all():
            return None
        try:
            np.linalg.cholesky(H)
        except np.linalg.LinAlgError:
            return None
        return 2.0 * np.linalg.inv(H)
