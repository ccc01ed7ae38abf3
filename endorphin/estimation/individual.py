"""``fit_model(method="individual")``: every subject fitted on its own, all at once.

Estimation is maximum likelihood on the log-parameters by Levenberg-Marquardt,
vectorized over subjects in NumPy (each subject has its own damping and its own
convergence test).  Each iteration is ONE batched engine call (through
:func:`endorphin.scenario.runner.run` with explicit per-lane parameter rows):
every active subject at its trial point and its central finite-difference
perturbations on the log scale (``2 P + 1`` lanes per subject), at ``rtol`` 1e-8.
A trial point that lowers the subject's objective is accepted and its
Jacobian is already there; a rejected one raises that subject's damping.

Two paths.

**Profiled** (``error`` "additive" or "proportional", no censored rows): sums of
squares of residuals ``r`` with sigma profiled out:

* ``"additive"``: ``y ~ N(f, sigma^2)``; ``r = y - f`` (ordinary least squares;
  the ML estimate of the parameters).
* ``"proportional"``: ``y ~ N(f, sigma^2 f^2)``, exact maximum likelihood with
  sigma profiled out: ``-2 log L = n log(S / n) + 2 sum log f + const`` with
  ``S = sum ((y - f) / f)^2``, which is ``n log`` of the sum of squares of
  ``r = g (y - f) / f`` (``g`` the geometric mean of ``f``).  Not iterated
  weighted least squares, whose fixed point is a different estimator.

``sigma`` reported is ``sqrt(S / (n - p))`` (the residual SD with the degrees of
freedom; ``S`` the (weighted) residual sum of squares); ``ofv`` is ``-2 log L``
at the ML ``sigma^2 = S / n``, summed over subjects.  Standard errors: the
inverse of the expected (Fisher) information of the log-parameters with sigma
profiled out (additive: ``sigma^2 (J^T J)^-1``, the Gauss-Newton covariance R's
``nls`` reports; proportional: ``(J^T W J + 2 A^T (I - 11^T/n) A)^-1`` with
``W = 1/(sigma^2 f^2)`` and ``A = d log f / d log theta``, the second term from
the variance depending on the parameters), evaluated at the estimate with
``sigma`` above; not the observed information.

**Maximum likelihood** (``error="combined"``, or any censored row): the
parameters are ``x = (log theta, log a, log b)`` (the residual SDs the error
model has: ``a`` additive, output units; ``b`` proportional, a fraction; the
variance ``a^2 + (b f)^2``, :func:`endorphin.estimation.population.residual_sd`).
An observed row contributes ``(y - f)^2 / v + log(2 pi v)`` to ``-2 log L``, a
censored one ``-2 log Phi((lloq - f) / sqrt(v))`` (M3: Beal SL, J Pharmacokinet
Pharmacodyn 2001;28:481-504; :mod:`endorphin.estimation.likelihood`).
Levenberg-Marquardt steps use the Fisher-scoring matrix (positive semi-definite;
the derivatives in the SDs are analytic, those in theta from the same central
differences), starting from the profiled least-squares fit of the uncensored rows
(additive for the combined model) and residual SDs from its residuals.  A
residual SD that the data drive towards 0 stops at a bound, 1e-6 of its start
(held there by an active set): it is reported as 0 and gets no SE.  The
convergence test on the objective is relative to ``max(|-2 log L|, 1)``.
Standard errors: the observed information, half the exact Hessian of ``-2 log L``
at the estimate (second derivatives of ``f`` by central differences with step
``10 step``, one more engine call of ``2 P^2 + 1`` lanes per subject), inverted
over the coordinates not at a bound; ``sigma`` are the ML estimates.

Both paths: natural-scale SEs by the delta method (``theta * se_log``).
Parameters not fitted are the scenario population's typical values (its
condition and overrides; its variability and covariates are not used) at the
subject's body weight (the data's, else 70 kg); drugs' PK likewise.  Doses are
the scenario's, or each subject's own from the data
(:mod:`endorphin.estimation.data`).
"""
from __future__ import annotations

import copy

import numpy as np

from .._validate import suggest
from .likelihood import derivatives, hessian
from .population import residual_sd
from .problem import Problem

__all__ = ["fit_model", "ModelFit"]

METHODS = ("individual", "foce", "saem")
ERRORS = ("additive", "proportional", "combined")
#: convergence reasons (per subject)
REASONS = {
    "ftol": "relative decrease of the objective below ftol",
    "xtol": "step on the log-parameters below xtol",
    "gtol": "gradient below gtol",
    "max_iter": "max_iter iterations without convergence",
    "stalled": "no step lowers the objective (damping above 1e12) before convergence",
    "simulation failed": "the engine failed at the starting values",
}
_CONVERGED = ("ftol", "xtol", "gtol")


class ModelFit:
    """The result of :func:`fit_model` (``method="individual"``).

    Attributes
    ----------
    params, stderr : pandas.DataFrame
        One row per subject (index ``subject``), one column per fitted
        parameter: estimates and their standard errors (natural scale, delta
        method from the log scale).
    stderr_log : pandas.DataFrame
        Standard errors of the log-parameters (for intervals
        ``exp(log theta +- 1.96 se)``).
    sigma : pandas.Series or pandas.DataFrame
        Residual SD per subject (additive: output units; proportional: a
        fraction): ``sqrt(S / (n - p))`` on the profiled path, the ML estimate on
        the ML path; the combined model: columns ``additive`` and
        ``proportional`` (0: at the bound, see the module docstring).
    stderr_sigma : like ``sigma``
        SEs of the residual SDs (ML path; NaN on the profiled path).
    ofv_subject : pandas.Series
        Each subject's ``-2 log L``.
    likelihood : {"profiled", "ml"}
        The estimation path (module docstring).
    n_censored : int
        Censored rows in the data.
    converged : pandas.Series of bool, reason : pandas.Series of str
        Per subject (reasons: :data:`REASONS`).
    iterations : pandas.Series of int
    ofv : float
        ``-2 log L`` summed over subjects (ML sigma).
    error, method : str
    """

    def __init__(self, **kw):
        self.__dict__.update(kw)

    def predict(self):
        """The data with ``prediction`` (IPRED), ``residual`` (value - prediction)
        and ``iwres`` (residual over its SD, ``residual_sd`` of the error model;
        NaN on censored rows), one row per observation (then ``censored`` and
        ``lloq`` where the data has censored rows)."""
        data = self._data
        out = data[["subject", "time", "output", "value"]].copy()
        out["prediction"] = self._pred
        out["residual"] = out["value"] - out["prediction"]
        pred = out["prediction"].to_numpy()
        if self.error == "combined":
            a = self.sigma["additive"].reindex(out["subject"]).to_numpy()
            b = self.sigma["proportional"].reindex(out["subject"]).to_numpy()
            sd = residual_sd(pred, a, b)
        else:
            sd = self.sigma.reindex(out["subject"]).to_numpy()
            if self.error == "proportional":
                sd = sd * np.abs(pred)
        out["iwres"] = out["residual"].to_numpy() / sd
        if data["censored"].any():
            out.loc[data["censored"].to_numpy(), ["residual", "iwres"]] = np.nan
            out["censored"] = data["censored"].to_numpy()
            out["lloq"] = data["lloq"].to_numpy()
        return out

    def profile(self, name: str, values=None, *, points: int = 11, span: float = 3.0,
                level: float = 0.95):
        """Profile likelihood of one parameter, each subject: see
        :func:`endorphin.estimation.diagnostics.profile`."""
        from .diagnostics import profile
        return profile(self, name, values, points=points, span=span, level=level)

    def vpc(self, *args, **kwargs):
        """Refused: a visual predictive check simulates new subjects from the
        population distribution, which an individual fit does not estimate (fit
        with ``method="foce"`` or ``"saem"``)."""
        from .diagnostics import vpc
        return vpc(self, *args, **kwargs)

    def __repr__(self) -> str:
        return (f"ModelFit(method={self.method!r}, error={self.error!r}, "
                f"subjects={len(self.params)}, parameters={list(self.params.columns)}, "
                f"converged={int(self.converged.sum())}/{len(self.converged)}, "
                f"ofv={self.ofv:.4g})")


# ---------------------------------------------------------------------------
# the fit
# ---------------------------------------------------------------------------
def fit_model(data, scenario, parameters, *, method: str = "individual",
              error: str = "additive", initial=None, max_iter: int | None = None,
              ftol: float | None = None, xtol: float = 1e-8, rtol: float = 1e-8,
              atol: float = 1e-12, step: float = 1e-3, threads: int | None = None,
              doses=None, **population_options):
    """Fit model (and drug PK) parameters to measured time courses.

    Parameters
    ----------
    data : pandas.DataFrame
        Tidy: columns ``subject``, ``time`` (min after the scenario's t = 0),
        ``output`` (a name of ``scenario.outputs()``), ``value`` (its units);
        optional ``censored`` (bool, below the limit of quantification) with
        ``lloq`` (output units; fitted by M3), ``body_weight`` (kg, one per
        subject).  Or a NONMEM-style table (``ID``, ``TIME`` in min, ``DV``,
        ``EVID``, ``MDV``, ``AMT``, ``CMT``, optional ``BLQ``/``CENS``, ``LLOQ``,
        ``WT``, ``OUTPUT``) whose dose rows give each subject's doses.  The rules
        (which output a DV row is, which scenario dose an AMT row replaces, what
        is refused) are in :mod:`endorphin.estimation.data`.
    scenario : endorphin.Scenario
        The protocol and doses (those the data do not replace), ``t_end`` (>= the
        last time) and every parameter not fitted (the population's typical
        values; its variability is not used).  Needs ``pulses=False`` (a fit
        needs a deterministic model).
    parameters : list of str
        Names of ``endorphin.parameters()`` and drug PK fields as
        ``"<drug>.<field>"`` (``"morphine.cl"``, ``"morphine.v1"``, ...,
        L/min and L).  Estimated on the log scale (positive).
    method : {"individual", "foce", "saem"}
        ``"individual"``: each subject on its own, all subjects in one batched
        simulation per iteration.  ``"foce"``: the population (mixed-effects)
        fit by first-order conditional estimation with interaction
        (:func:`endorphin.estimation.foce.fit`); ``"saem"``: by the stochastic
        approximation EM algorithm (:func:`endorphin.estimation.saem.fit`).
        Both return a :class:`~endorphin.estimation.population.PopulationFit`.
    error : {"additive", "proportional", "combined"}
        Residual error model (SD ``a``, ``b f`` or ``sqrt(a^2 + (b f)^2)``; see
        the module docstring for the two estimation paths).
    initial : mapping, optional
        Starting values by parameter name (default: the typical values).
    max_iter : int, optional
        Iteration limit (individual: Levenberg-Marquardt iterations per
        subject, default 100; population methods: see their modules).
    ftol, xtol : float
        Levenberg-Marquardt limits (per subject): stop when an accepted step
        lowers the objective by less than ``ftol`` relative, or moves the
        log-parameters by less than ``xtol`` relative.  ``xtol`` 1e-8;
        ``ftol`` by default 1e-8 for the sums of squares (additive or
        proportional error without censored rows: scipy's ``least_squares``
        default; the estimates are within about 1e-5 relative of a fit to
        1e-14) and 1e-10 for the maximum-likelihood path (combined error or
        censored rows, whose residual SDs sit on flatter likelihoods).
    rtol, atol : engine tolerances (default 1e-8, 1e-12).
    step : float
        Central finite-difference step on the log-parameters.
    doses : pandas.DataFrame, optional
        Per-subject doses for a tidy ``data``: ``subject``, ``time`` (min),
        ``amount`` (in the unit of the scenario dose replaced) and, when the
        scenario has several drug doses, ``dose`` (0-based index among them).
        A NONMEM-style table carries its own (refused here).
    **population_options
        Options of the population methods (``omega=``, ``seed=``, ...; see
        their modules).  Refused by ``method="individual"``.

    Returns
    -------
    ModelFit or PopulationFit
        ``method="individual"``: a ModelFit with ``params``, ``stderr``, ``stderr_log`` (DataFrames, one row per subject),
        ``sigma`` (Series; a DataFrame with columns additive/proportional for the
        combined model) and ``stderr_sigma``, ``converged``, ``reason``,
        ``iterations``, ``ofv`` and ``ofv_subject`` (-2 log L), ``likelihood``
        ("profiled" or "ml"), ``n_censored``, ``predict()``.
    """
    from ..scenario import Scenario
    if not isinstance(scenario, Scenario):
        raise TypeError(f"scenario must be an endorphin.Scenario, got "
                        f"{type(scenario).__name__}")
    if not isinstance(method, str) or method not in METHODS:
        raise ValueError(f"method must be one of {list(METHODS)}, got {method!r}; "
                         f"{suggest(method, METHODS)}".rstrip("; "))
    if method != "individual":
        # the population methods live in their own modules (FOCE-I: .foce, SAEM: .saem)
        from importlib import import_module
        try:
            mod = import_module(f".{method}", __package__)
        except ModuleNotFoundError:
            raise ValueError(f"method={method!r} is not yet available (issue 25); use "
                             f"method='individual'") from None
        if doses is not None:
            population_options["doses"] = doses
        return mod.fit(data, scenario, parameters, error=error, initial=initial,
                       max_iter=max_iter, rtol=rtol, atol=atol, threads=threads,
                       **population_options)
    if population_options:
        raise TypeError(f"fit_model(method='individual') got unexpected keyword "
                        f"argument(s) {sorted(population_options)}")
    if not isinstance(error, str) or error not in ERRORS:
        raise ValueError(f"error must be one of {list(ERRORS)}, got {error!r}; "
                         f"{suggest(error, ERRORS)}".rstrip("; "))
    if scenario.pulses:
        raise ValueError("scenario: fitting needs a deterministic model; the scenario has "
                         "random pituitary pulses: pass Scenario(..., pulses=False)")
    ml = error == "combined"           # or censored rows (known once the data are read)
    for name, v, lo in (("ftol", 1e-8 if ftol is None else ftol, 0.0), ("xtol", xtol, 0.0),
                        ("step", step, 0.0),
                        ("rtol", rtol, 0.0), ("atol", atol, 0.0)):
        if not isinstance(v, (int, float)) or not np.isfinite(v) or v <= lo:
            raise ValueError(f"{name} must be a positive number, got {v!r}")
    if max_iter is None:
        max_iter = 100
    if isinstance(max_iter, bool) or not isinstance(max_iter, (int, np.integer)) \
            or max_iter < 1:
        raise ValueError(f"max_iter must be a positive integer, got {max_iter!r}")
    prob = Problem(data, scenario, parameters, initial, rtol=rtol, atol=atol,
                   threads=threads, doses=doses)
    small = prob.n_obs <= prob.P
    if small.any():
        raise ValueError(f"data: subject(s) {list(prob.subjects[small][:5])} have {prob.P} "
                         f"or fewer observations for {prob.P} parameters; each subject needs "
                         f"more observations than parameters")
    if prob.censored.any() or ml:
        return _fit_ml(prob, error, max_iter, 1e-10 if ftol is None else ftol, xtol, step)
    return _fit_profiled(prob, error, max_iter, 1e-8 if ftol is None else ftol, xtol, step)


# ---------------------------------------------------------------------------
# the engine lanes and the Levenberg-Marquardt iterations shared by both paths
# ---------------------------------------------------------------------------
def _stencil(prob, theta, subj, step):
    """f (S, M) at log-parameters ``theta`` (S, P) of subjects ``subj`` and the
    central differences of f and log f (S, M, P): one engine call, 2 P + 1 lanes
    per subject."""
    P, M = prob.P, prob.M
    width = 2 * P + 1
    offsets = np.zeros((width, P))
    for k in range(P):
        offsets[1 + 2 * k, k] = step
        offsets[2 + 2 * k, k] = -step
    S = len(subj)
    pts = (theta[:, None, :] + offsets[None]).reshape(S * width, P)
    f = prob.simulate(pts, np.repeat(subj, width)).reshape(S, width, M)
    return f


def _diff(f, step, mask):
    """Central differences (S, M, P) of lanes f (S, 2P+1, M)."""
    j = (f[:, 1::2] - f[:, 2::2]).transpose(0, 2, 1) / (2 * step)
    return np.where(mask[:, :, None], j, 0.0)


def _levenberg_marquardt(evaluate, x, max_iter, ftol, xtol, denom, lower=None):
    """Levenberg-Marquardt per subject, vectorized: ``evaluate(x (S, K), subj)``
    returns a dict with ``cost`` (S,) (NaN: invalid point), ``g`` (S, K) and ``H``
    (S, K, K) (half the gradient of the cost and a positive semi-definite
    approximation of half its Hessian) and any other per-subject arrays, kept
    for the accepted points; ``lower`` (N, K), optional: lower bounds (a trial
    point is clipped to them).  Returns x, the state, reason, iterations, failed."""
    N, K = x.shape
    st = evaluate(x, np.arange(N))
    lam = np.full(N, 1e-3)
    reason = np.full(N, "", dtype=object)
    failed = ~np.isfinite(st["cost"])
    reason[failed] = "simulation failed"
    iters = np.zeros(N, dtype=np.int64)
    active = ~failed
    eye = np.eye(K)
    for _ in range(max_iter):
        s = np.flatnonzero(active)
        if s.size == 0:
            break
        iters[s] += 1
        H, grad = st["H"][s], st["g"][s]
        if lower is not None:
            # coordinates at their bound and pushed past it are held (active set)
            held = (x[s] <= lower[s] + 1e-12) & (grad > 0)
            if held.any():
                grad = np.where(held, 0.0, grad)
                H = np.where(held[:, :, None] | held[:, None, :], 0.0, H)
                H = H + np.eye(K)[None] * held[:, :, None]
        gnorm = np.abs(grad).max(axis=1)
        small_g = gnorm <= 1e-12 * denom(st["cost"][s])
        reason[s[small_g]] = "gtol"
        active[s[small_g]] = False
        keep = ~small_g
        s, H, grad = s[keep], H[keep], grad[keep]
        if s.size == 0:
            break
        D = np.einsum("spp->sp", H)
        A = H + lam[s, None, None] * (D[:, :, None] * eye)
        try:
            delta = -np.linalg.solve(A, grad[..., None])[..., 0]
        except np.linalg.LinAlgError:
            delta = -np.stack([np.linalg.lstsq(a, g, rcond=None)[0]
                               for a, g in zip(A, grad)])
        trial = x[s] + delta
        if lower is not None:
            trial = np.maximum(trial, lower[s])
            delta = trial - x[s]
        with np.errstate(over="ignore", invalid="ignore"):
            bounded = np.isfinite(np.exp(trial)).all(axis=1) & (np.abs(trial) < 700).all(axis=1)
        trial = np.where(bounded[:, None], trial, x[s])
        new = evaluate(trial, s)
        ncost = new["cost"]
        cost = st["cost"]
        ok = bounded & np.isfinite(ncost) & (ncost <= cost[s])
        acc = s[ok]
        rel = (cost[acc] - ncost[ok]) / denom(cost[acc])
        step_small = np.abs(delta[ok]).max(axis=1) <= xtol * (xtol + np.abs(x[acc]).max(
            axis=1))
        x[acc] = trial[ok]
        for key, val in new.items():
            st[key][acc] = val[ok]
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
    return x, st, reason, iters, failed


def _covariance_se(info, keep=None):
    """Square roots of the diagonal of the inverses of info (N, K, K); NaN where
    singular or not finite.  ``keep`` (N, K) bool, optional: the coordinates to
    keep (others, at a bound, are held fixed and get NaN)."""
    N, K = info.shape[:2]
    se = np.full((N, K), np.nan)
    if keep is None:
        keep = np.ones((N, K), dtype=bool)
    for i in range(N):
        k = np.flatnonzero(keep[i])
        sub = info[i][np.ix_(k, k)]
        if np.isfinite(sub).all():
            try:
                cov = np.linalg.inv(sub)
                se[i, k] = np.sqrt(np.where(np.diag(cov) >= 0, np.diag(cov), np.nan))
            except np.linalg.LinAlgError:
                pass
    return se


def _result(prob, error, theta, failed, se_log, f, reason, iters, ofv, sigma, stderr_sigma,
            path, options):
    import pandas as pd
    nat = np.exp(theta)
    nat[failed] = np.nan
    names = prob.names
    idx = pd.Index(prob.subjects, name="subject")
    converged = np.isin(reason.astype(str), _CONVERGED)
    if isinstance(sigma, dict):
        sig = pd.DataFrame(sigma, index=idx)
        sig_se = pd.DataFrame(stderr_sigma, index=idx)
    else:
        sig = pd.Series(sigma, index=idx, name="sigma")
        sig_se = pd.Series(stderr_sigma, index=idx, name="sigma")
    return ModelFit(
        method="individual", error=error, likelihood=path,
        params=pd.DataFrame(nat, index=idx, columns=names),
        stderr=pd.DataFrame(nat * se_log, index=idx, columns=names),
        stderr_log=pd.DataFrame(se_log, index=idx, columns=names),
        sigma=sig, stderr_sigma=sig_se,
        converged=pd.Series(converged, index=idx, name="converged"),
        reason=pd.Series(reason.astype(str), index=idx, name="reason"),
        iterations=pd.Series(iters, index=idx, name="iterations"),
        ofv=float(np.sum(ofv)),
        ofv_subject=pd.Series(ofv, index=idx, name="ofv"), n_censored=int(prob.censored.sum()),
        _data=prob.data, _pred=prob.rows(f), _problem=prob, _theta=theta,
        _options=options)


# ---------------------------------------------------------------------------
# additive / proportional without censoring: sums of squares, sigma profiled out
# ---------------------------------------------------------------------------
def _fit_profiled(prob, error, max_iter, ftol, xtol, step):
    P, N, M = prob.P, prob.N, prob.M
    Y, mask, n_obs = prob.Y, prob.mask, prob.n_obs

    def residuals(f, subj):
        """r (L, M) of lanes of subjects ``subj`` (NaN: an invalid point)."""
        m = mask[subj]
        y = Y[subj]
        if error == "additive":
            r = np.where(m, y - f, 0.0)
        else:
            ok = np.where(m, f > 0, True).all(axis=1)
            lf = np.where(m & (f > 0), np.log(np.abs(f) + (f == 0)), 0.0)
            g = np.exp(lf.sum(axis=1) / n_obs[subj])
            with np.errstate(divide="ignore", invalid="ignore"):
                r = np.where(m, (y - f) / f, 0.0) * g[:, None]
            r[~ok] = np.nan
        bad = ~np.isfinite(r).all(axis=1)
        r[bad] = np.nan
        return r

    width = 2 * P + 1

    def evaluate(theta, subj):
        S = len(subj)
        f = _stencil(prob, theta, subj, step)
        r = residuals(f.reshape(S * width, M), np.repeat(subj, width)).reshape(S, width, M)
        m = mask[subj]
        Jr = _diff(r, step, m)
        Jf = _diff(f, step, m)
        with np.errstate(divide="ignore", invalid="ignore"):
            lf = np.log(np.where(f > 0, f, np.nan))
        Jl = _diff(lf, step, m)
        r0 = r[:, 0]
        cost = np.sum(r0 ** 2, axis=1)
        cost[~np.isfinite(Jr).all(axis=(1, 2))] = np.nan
        return dict(cost=cost, g=np.einsum("smp,sm->sp", Jr, r0),
                    H=Jr.transpose(0, 2, 1) @ Jr, f=f[:, 0], Jf=Jf, Jl=Jl)

    theta, st, reason, iters, failed = _levenberg_marquardt(
        evaluate, np.tile(np.log(prob.start), (N, 1)), max_iter, ftol, xtol,
        lambda c: np.maximum(c, 1e-300))
    f, Jf, Jl = st["f"], st["Jf"], st["Jl"]

    # residual SD, standard errors, ofv
    dof = n_obs - P
    if error == "additive":
        S_w = np.sum(np.where(mask, Y - f, 0.0) ** 2, axis=1)
    else:
        with np.errstate(divide="ignore", invalid="ignore"):
            S_w = np.sum(np.where(mask, ((Y - f) / f), 0.0) ** 2, axis=1)
    sigma = np.sqrt(S_w / dof)
    s2 = sigma ** 2
    if error == "additive":
        info = Jf.transpose(0, 2, 1) @ Jf / s2[:, None, None]
        ofv_i = n_obs * np.log(2 * np.pi * S_w / n_obs) + n_obs
    else:
        with np.errstate(divide="ignore", invalid="ignore"):
            w = np.where(mask, 1.0 / (s2[:, None] * f ** 2), 0.0)
        info = np.einsum("smp,sm,smq->spq", Jf, w, Jf)
        Ac = Jl - (Jl.sum(axis=1) / n_obs[:, None])[:, None, :]
        Ac = np.where(mask[:, :, None], Ac, 0.0)
        info = info + 2.0 * Ac.transpose(0, 2, 1) @ Ac
        with np.errstate(divide="ignore", invalid="ignore"):
            lf = np.where(mask, np.log(np.abs(f)), 0.0)
        ofv_i = n_obs * np.log(2 * np.pi * S_w / n_obs) + 2 * lf.sum(axis=1) + n_obs
    se_log = _covariance_se(info)
    return _result(prob, error, theta, failed, se_log, f, reason, iters, ofv_i, sigma,
                   np.full(N, np.nan), "profiled",
                   {"max_iter": max_iter, "ftol": ftol, "xtol": xtol, "step": step})


# ---------------------------------------------------------------------------
# combined error and/or censored data: maximum likelihood over (log theta, log SDs)
# ---------------------------------------------------------------------------
_RESIDUAL = {"additive": ("additive",), "proportional": ("proportional",),
             "combined": ("additive", "proportional")}


def _variance(f, Df, res, kinds, D2f=None):
    """v = a^2 + (b f)^2 (S, M) from log SDs ``res`` (S, K) and its derivatives
    with respect to x = (log theta, log SDs): Dv (S, M, P+K) and, given D2f
    (S, M, P, P), D2v (S, M, P+K, P+K)."""
    S, M, P = Df.shape
    K = len(kinds)
    a2 = np.exp(2 * res[:, kinds.index("additive")]) if "additive" in kinds else np.zeros(S)
    b2 = np.exp(2 * res[:, kinds.index("proportional")]) if "proportional" in kinds \
        else np.zeros(S)
    a2, b2 = a2[:, None], b2[:, None]
    v = a2 + b2 * f * f
    Dv = np.zeros((S, M, P + K))
    Dv[:, :, :P] = 2 * b2[:, :, None] * f[:, :, None] * Df
    if "additive" in kinds:
        Dv[:, :, P + kinds.index("additive")] = 2 * a2
    if "proportional" in kinds:
        Dv[:, :, P + kinds.index("proportional")] = 2 * b2 * f * f
    if D2f is None:
        return v, Dv
    D2v = np.zeros((S, M, P + K, P + K))
    b4 = b2[:, :, None, None]
    D2v[:, :, :P, :P] = 2 * b4 * (Df[..., :, None] * Df[..., None, :]
                                  + f[:, :, None, None] * D2f)
    if "additive" in kinds:
        k = P + kinds.index("additive")
        D2v[:, :, k, k] = 4 * a2
    if "proportional" in kinds:
        k = P + kinds.index("proportional")
        D2v[:, :, k, k] = 4 * b2 * f * f
        D2v[:, :, k, :P] = D2v[:, :, :P, k] = 4 * b2[:, :, None] * f[:, :, None] * Df
    return v, Dv, D2v


def _second_derivatives(prob, theta, step):
    """d^2 f / d log theta^2 (N, M, P, P) by central differences at ``theta``
    (one engine call, 2 P^2 + 1 lanes per subject)."""
    N, P, M = prob.N, prob.P, prob.M
    pts = [np.zeros(P)]
    for k in range(P):
        for sgn in (1, -1):
            e = np.zeros(P)
            e[k] = sgn * step
            pts.append(e)
    pairs = [(i, j) for i in range(P) for j in range(i + 1, P)]
    for i, j in pairs:
        for si, sj in ((1, 1), (1, -1), (-1, 1), (-1, -1)):
            e = np.zeros(P)
            e[i], e[j] = si * step, sj * step
            pts.append(e)
    off = np.array(pts)
    W = off.shape[0]
    f = prob.simulate((theta[:, None, :] + off[None]).reshape(N * W, P),
                      np.repeat(np.arange(N), W)).reshape(N, W, M)
    D2 = np.empty((N, M, P, P))
    for k in range(P):
        D2[:, :, k, k] = (f[:, 1 + 2 * k] - 2 * f[:, 0] + f[:, 2 + 2 * k]) / step ** 2
    base = 1 + 2 * P
    for n, (i, j) in enumerate(pairs):
        fpp, fpm, fmp, fmm = (f[:, base + 4 * n + q] for q in range(4))
        D2[:, :, i, j] = D2[:, :, j, i] = (fpp - fpm - fmp + fmm) / (4 * step ** 2)
    return np.where(prob.mask[:, :, None, None], D2, 0.0)


def _fit_ml(prob, error, max_iter, ftol, xtol, step):
    P, N, M = prob.P, prob.N, prob.M
    Y, mask, cens, lloq = prob.Y, prob.mask, prob.censored, prob.lloq
    kinds = _RESIDUAL[error]
    K = len(kinds)
    small = prob.n_obs <= P + K
    if small.any():
        raise ValueError(f"data: subject(s) {list(prob.subjects[small][:5])} have {P + K} "
                         f"or fewer observations for {P} parameters and {K} residual SD(s); "
                         f"each subject needs more observations than that")

    def evaluate(x, subj):
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            # (a trial point far out may overflow: its cost is NaN and it is rejected)
            return _evaluate(x, subj)

    def _evaluate(x, subj):
        theta, res = x[:, :P], x[:, P:]
        f = _stencil(prob, theta, subj, step)
        m = mask[subj]
        Jf = _diff(f, step, m)
        f0 = f[:, 0]
        with np.errstate(over="ignore", invalid="ignore"):
            v, Dv = _variance(f0, Jf, res, kinds)
        Df = np.concatenate([Jf, np.zeros((len(subj), M, K))], axis=2)
        cost, g, H = derivatives(Y[subj], f0, v, Df, Dv, m, cens[subj], lloq[subj])
        bad = ~(np.isfinite(g).all(axis=1) & np.isfinite(H).all(axis=(1, 2))
                & np.isfinite(np.where(m[:, None, :], f, 0.0)).all(axis=(1, 2)))
        cost[bad] = np.nan
        return dict(cost=cost, g=g, H=H, f=f0, Jf=Jf)

    # starting values: the sums-of-squares fit of the uncensored rows (additive for
    # the combined model, which allows observations where f = 0), where a subject has
    # enough of them; the residual SDs from its residuals
    theta0 = np.tile(np.log(prob.start), (N, 1))
    first = copy.copy(prob)
    first.mask = mask & ~cens
    first.n_obs = first.mask.sum(axis=1).astype(np.float64)
    enough = first.n_obs > P
    if enough.any():
        stage = _fit_profiled(first, "proportional" if error == "proportional" else
                              "additive", max_iter, ftol, xtol, step)
        est = np.log(stage.params.to_numpy())
        use = enough & np.isfinite(est).all(axis=1)
        theta0[use] = est[use]
    f_start = prob.simulate(theta0, np.arange(N))
    obs = mask & ~cens
    with np.errstate(invalid="ignore", divide="ignore"):
        r0 = np.where(obs, Y - f_start, 0.0)
        ms = np.sqrt(np.sum(r0 ** 2, axis=1) / np.maximum(obs.sum(axis=1), 1))
        level = np.sqrt(np.sum(np.where(obs, Y, 0.0) ** 2, axis=1)
                        / np.maximum(obs.sum(axis=1), 1))
    ms = np.where(np.isfinite(ms) & (ms > 0), ms, 1.0)
    level = np.where(np.isfinite(level) & (level > 0), level, 1.0)
    start = {"additive": ms / np.sqrt(K), "proportional": ms / np.sqrt(K) / level}
    x0 = np.concatenate([theta0, np.log(np.stack([start[k] for k in kinds], axis=1))],
                        axis=1)
    # a residual SD tending to 0 (the data support the other component alone) stops
    # at 1e-6 of its start: a bound, where it is reported as 0 without an SE
    lower = np.full_like(x0, -np.inf)
    lower[:, P:] = x0[:, P:] + np.log(1e-6)
    x, st, reason, iters, failed = _levenberg_marquardt(
        evaluate, x0, max_iter, ftol, xtol, lambda c: np.maximum(np.abs(c), 1.0), lower)
    theta, res = x[:, :P], x[:, P:]
    f, Jf = st["f"], st["Jf"]
    # observed information: the exact Hessian of -2 log L / 2, second derivatives of
    # f by central differences with a larger step (engine tolerance vs truncation)
    D2f = _second_derivatives(prob, theta, 10 * step)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        v, Dv, D2v = _variance(f, Jf, res, kinds, D2f)
        Df = np.concatenate([Jf, np.zeros((N, M, K))], axis=2)
        D2 = np.zeros((N, M, P + K, P + K))
        D2[:, :, :P, :P] = D2f
        Hx = hessian(Y, f, v, Df, Dv, D2, D2v, mask, cens, lloq)
    at_bound = np.zeros_like(x, dtype=bool)
    at_bound[:, P:] = x[:, P:] <= lower[:, P:] + 1e-9
    se_x = _covariance_se(0.5 * Hx, ~at_bound)
    sd = np.exp(res)
    sd[at_bound[:, P:]] = 0.0
    sd[failed] = np.nan
    se_sd = sd * se_x[:, P:]
    if K == 1:
        sigma, sigma_se = sd[:, 0], se_sd[:, 0]
    else:
        sigma = {k: sd[:, i] for i, k in enumerate(kinds)}
        sigma_se = {k: se_sd[:, i] for i, k in enumerate(kinds)}
    return _result(prob, error, theta, failed, se_x[:, :P], f, reason, iters, st["cost"],
                   sigma, sigma_se, "ml",
                   {"max_iter": max_iter, "ftol": ftol, "xtol": xtol, "step": step})
