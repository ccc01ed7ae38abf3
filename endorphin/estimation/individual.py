"""``fit_model(method="individual")``: every subject fitted on its own, all at once.

Estimation is maximum likelihood on the log-parameters by Levenberg-Marquardt,
vectorized over subjects in NumPy (each subject has its own damping and its own
convergence test).  Each iteration is ONE batched engine call (through
:func:`endorphin.scenario.runner.run` with explicit per-lane parameter rows):
every active subject at its trial point and its central finite-difference
perturbations on the log scale (``2 P + 1`` lanes per subject), at ``rtol`` 1e-8.
A trial point that lowers the subject's objective is accepted and its
Jacobian is already there; a rejected one raises that subject's damping.

Error models, as sums of squares of residuals ``r``:

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
inverse of the Fisher information of the log-parameters with sigma profiled out
(additive: ``sigma^2 (J^T J)^-1``; proportional: ``(J^T W J + 2 A^T (I -
11^T/n) A)^-1`` with ``W = 1/(sigma^2 f^2)`` and ``A = d log f / d log theta``,
the second term from the variance depending on the parameters), evaluated at
the estimate with ``sigma`` above; natural-scale SEs by the delta method
(``theta * se_log``).

Parameters not fitted are the scenario population's typical values (its
condition and overrides; its variability is not used) at 70 kg; drugs' PK
likewise.  Censored data (M3), covariates per subject, the combined error
model and per-subject doses from the data are not in this slice.
"""
from __future__ import annotations

import numpy as np

from .._validate import suggest
from .lm import CONVERGED, lane_ofv, levenberg_marquardt
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
    sigma : pandas.Series
        Residual SD per subject (additive: output units; proportional: a
        fraction), ``sqrt(S / (n - p))``.
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
        and ``iwres`` (residual over its SD), one row per observation."""
        out = self._data.copy()
        out["prediction"] = self._pred
        out["residual"] = out["value"] - out["prediction"]
        sd = self.sigma.reindex(out["subject"]).to_numpy()
        if self.error == "proportional":
            sd = sd * np.abs(out["prediction"].to_numpy())
        out["iwres"] = out["residual"].to_numpy() / sd
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
              ftol: float = 1e-10, xtol: float = 1e-8, rtol: float = 1e-8,
              atol: float = 1e-12, step: float = 1e-3, threads: int | None = None,
              **population_options):
    """Fit model (and drug PK) parameters to measured time courses.

    Parameters
    ----------
    data : pandas.DataFrame
        Tidy: columns ``subject``, ``time`` (min after the scenario's t = 0),
        ``output`` (a name of ``scenario.outputs()``), ``value`` (its units).
        A ``censored`` column with true rows is refused (M3 comes later).
    scenario : endorphin.Scenario
        The protocol and doses every subject had, ``t_end`` (>= the last time)
        and every parameter not fitted (the population's typical values; its
        variability is not used).  Needs ``pulses=False`` (a fit needs a
        deterministic model).
    parameters : list of str
        Names of ``endorphin.parameters()`` and drug PK fields as
        ``"<drug>.<field>"`` (``"morphine.cl"``, ``"morphine.v1"``, ...,
        L/min and L).  Estimated on the log scale (positive).
    method : {"individual"}
        Each subject on its own, all subjects in one batched simulation per
        iteration.  ``"foce"`` and ``"saem"`` come later.
    error : {"additive", "proportional"}
        Residual error model (see the module docstring); ``"combined"`` comes
        later.
    initial : mapping, optional
        Starting values by parameter name (default: the typical values).
    max_iter : int, optional
        Iteration limit (individual: Levenberg-Marquardt iterations per
        subject, default 100; population methods: see their modules).
    ftol, xtol : Levenberg-Marquardt limits (per subject).
    rtol, atol : engine tolerances (default 1e-8, 1e-12).
    step : float
        Central finite-difference step on the log-parameters.
    **population_options
        Options of the population methods (``omega=``, ``seed=``, ...; see
        their modules).  Refused by ``method="individual"``.

    Returns
    -------
    ModelFit
    """
    import pandas as pd
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
        return mod.fit(data, scenario, parameters, error=error, initial=initial,
                       max_iter=max_iter, rtol=rtol, atol=atol, threads=threads,
                       **population_options)
    if population_options:
        raise TypeError(f"fit_model(method='individual') got unexpected keyword "
                        f"argument(s) {sorted(population_options)}")
    if not isinstance(error, str) or error not in ERRORS:
        raise ValueError(f"error must be one of {list(ERRORS)}, got {error!r}; "
                         f"{suggest(error, ERRORS)}".rstrip("; "))
    if error == "combined":
        raise ValueError("error='combined' is not yet available with method='individual' "
                         "(issue 25); use 'additive' or 'proportional'")
    if scenario.pulses:
        raise ValueError("scenario: fitting needs a deterministic model; the scenario has "
                         "random pituitary pulses: pass Scenario(..., pulses=False)")
    for name, v, lo in (("ftol", ftol, 0.0), ("xtol", xtol, 0.0), ("step", step, 0.0),
                        ("rtol", rtol, 0.0), ("atol", atol, 0.0)):
        if not isinstance(v, (int, float)) or not np.isfinite(v) or v <= lo:
            raise ValueError(f"{name} must be a positive number, got {v!r}")
    if max_iter is None:
        max_iter = 100
    if isinstance(max_iter, bool) or not isinstance(max_iter, (int, np.integer)) \
            or max_iter < 1:
        raise ValueError(f"max_iter must be a positive integer, got {max_iter!r}")
    prob = Problem(data, scenario, parameters, initial, rtol=rtol, atol=atol,
                   threads=threads)
    small = prob.n_obs <= prob.P
    if small.any():
        raise ValueError(f"data: subject(s) {list(prob.subjects[small][:5])} have {prob.P} "
                         f"or fewer observations for {prob.P} parameters; each subject needs "
                         f"more observations than parameters")
    P, N, M = prob.P, prob.N, prob.M
    Y, mask, n_obs = prob.Y, prob.mask, prob.n_obs
    lm = levenberg_marquardt(prob, error, np.tile(np.log(prob.start), (N, 1)), np.arange(N),
                             max_iter=max_iter, ftol=ftol, xtol=xtol, step=step)
    theta, f, Jf, Jl = lm["theta"], lm["f"], lm["Jf"], lm["Jl"]
    reason, iters, failed = lm["reason"], lm["iterations"], lm["failed"]
    converged = np.isin(reason.astype(str), CONVERGED)

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
    else:
        with np.errstate(divide="ignore", invalid="ignore"):
            w = np.where(mask, 1.0 / (s2[:, None] * f ** 2), 0.0)
        info = np.einsum("smp,sm,smq->spq", Jf, w, Jf)
        Ac = Jl - (Jl.sum(axis=1) / n_obs[:, None])[:, None, :]
        Ac = np.where(mask[:, :, None], Ac, 0.0)
        info = info + 2.0 * Ac.transpose(0, 2, 1) @ Ac
    ofv_i = lane_ofv(prob, error, f, np.arange(N))
    se_log = np.full((N, P), np.nan)
    for i in range(N):
        if np.isfinite(info[i]).all():
            try:
                cov = np.linalg.inv(info[i])
                se_log[i] = np.sqrt(np.where(np.diag(cov) >= 0, np.diag(cov), np.nan))
            except np.linalg.LinAlgError:
                pass
    nat = np.exp(theta)
    nat[failed] = np.nan
    names = prob.names
    idx = pd.Index(prob.subjects, name="subject")
    pred = prob.rows(f)
    return ModelFit(
        method=method, error=error,
        params=pd.DataFrame(nat, index=idx, columns=names),
        stderr=pd.DataFrame(nat * se_log, index=idx, columns=names),
        stderr_log=pd.DataFrame(se_log, index=idx, columns=names),
        sigma=pd.Series(sigma, index=idx, name="sigma"),
        converged=pd.Series(converged, index=idx, name="converged"),
        reason=pd.Series(reason.astype(str), index=idx, name="reason"),
        iterations=pd.Series(iters, index=idx, name="iterations"),
        ofv=float(np.sum(ofv_i)),
        _data=prob.data, _pred=pred, _problem=prob, _theta=theta,
        _options={"max_iter": max_iter, "ftol": ftol, "xtol": xtol, "step": step})

