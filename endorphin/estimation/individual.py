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

import copy

import numpy as np

from .. import model
from .._validate import known, suggest
from ..model import drugs
from ..scenario import Population
from ..scenario import runner

__all__ = ["fit_model", "ModelFit"]

METHODS = ("individual", "foce", "saem")
ERRORS = ("additive", "proportional", "combined")
#: engine-internal parameters set by the scenario, not fittable
_NOT_FITTABLE = ("clock_start", "pulse_mean")
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

    def __repr__(self) -> str:
        return (f"ModelFit(method={self.method!r}, error={self.error!r}, "
                f"subjects={len(self.params)}, parameters={list(self.params.columns)}, "
                f"converged={int(self.converged.sum())}/{len(self.converged)}, "
                f"ofv={self.ofv:.4g})")


# ---------------------------------------------------------------------------
# validation
# ---------------------------------------------------------------------------
def _check_data(data, sc):
    import pandas as pd
    if not isinstance(data, pd.DataFrame):
        raise TypeError(f"data must be a pandas DataFrame with columns subject, time, output, "
                        f"value, got {type(data).__name__}")
    need = ("subject", "time", "output", "value")
    missing = [c for c in need if c not in data.columns]
    if missing:
        raise ValueError(f"data: missing column(s) {missing}; a tidy table needs columns "
                         f"{list(need)} (optional: censored, lloq)")
    if len(data) == 0:
        raise ValueError("data has no rows")
    if "censored" in data.columns and data["censored"].fillna(False).astype(bool).any():
        raise ValueError("data: censored rows (below the LLOQ) need the M3 likelihood, "
                         "which is not yet supported by fit_model; drop them or wait for "
                         "issue 25's M3")
    d = data[list(need)].copy()
    for c in ("time", "value"):
        try:
            d[c] = d[c].astype(np.float64)
        except (TypeError, ValueError):
            raise TypeError(f"data: column {c!r} must be numeric") from None
        if not np.isfinite(d[c].to_numpy()).all():
            raise ValueError(f"data: column {c!r} has NaN or infinite values "
                             f"({int((~np.isfinite(d[c].to_numpy())).sum())} rows); drop "
                             f"them")
    if d["subject"].isna().any():
        raise ValueError("data: column 'subject' has missing values")
    t = d["time"].to_numpy()
    if (t < 0).any():
        raise ValueError(f"data: column 'time' has negative times (min {t.min():g} min); "
                         f"times are minutes after the scenario's t = 0")
    if (t > sc.t_end).any():
        raise ValueError(f"data: column 'time' has times after the scenario's t_end = "
                         f"{sc.t_end:g} min (max {t.max():g}); lengthen t_end")
    available = sc.outputs()
    for o in pd.unique(d["output"]):
        if o not in available:
            raise ValueError(f"data: output {o!r} is not an output of this scenario; "
                             f"{suggest(o, available)}(known: {known(available)})")
    dup = d.duplicated(["subject", "time", "output"], keep=False)
    if dup.any():
        first = d[dup].iloc[0]
        raise ValueError(f"data: {int(dup.sum())} duplicate (subject, time, output) rows, "
                         f"e.g. subject {first['subject']!r} at {first['time']:g} min, "
                         f"{first['output']!r}")
    return d.reset_index(drop=True)


def _check_parameters(parameters, sc, initial):
    """[(name, kind, key)], natural-scale starting values (P,)."""
    if isinstance(parameters, str):
        parameters = [parameters]
    try:
        parameters = list(parameters)
    except TypeError:
        raise TypeError(f"parameters must be a list of parameter names, got "
                        f"{type(parameters).__name__}") from None
    if not parameters:
        raise ValueError("parameters must name at least one parameter to fit")
    if len(set(parameters)) != len(parameters):
        raise ValueError(f"parameters: duplicate names in {parameters}")
    dosed = [d.drug for d in sc.doses if not d.is_endogenous]
    typical = sc.population.typical()
    fittable = [n for n in model.INDEX if n not in _NOT_FITTABLE]
    specs, start = [], []
    for name in parameters:
        if not isinstance(name, str):
            raise TypeError(f"parameters: names must be strings, got {name!r}")
        if "." in name:
            drug, field = name.split(".", 1)
            if drug not in dosed:
                raise ValueError(f"parameters: {name!r} names drug {drug!r}, which the "
                                 f"scenario does not dose; {suggest(drug, dosed)}(dosed: "
                                 f"{known(dosed) if dosed else 'none'})")
            pk = Population(1, variability=0, seed=0).drug_pk(drug, 0, 1)
            if field not in pk:
                raise ValueError(f"parameters: {name!r}: {drug} has no PK field {field!r}; "
                                 f"{suggest(field, list(pk))}(fields: {known(list(pk))})")
            specs.append((name, "drug", (drugs.get(drug).name, field)))
            start.append(float(pk[field][0]))
        else:
            if name not in fittable:
                raise ValueError(f"parameters: {name!r} is not a model parameter; "
                                 f"{suggest(name, fittable)}(see endorphin.parameters(); "
                                 f"drug PK as '<drug>.cl', '<drug>.v1', ...)")
            specs.append((name, "model", model.INDEX[name]))
            start.append(float(typical[model.INDEX[name]]))
    if initial is not None:
        if not hasattr(initial, "items"):
            raise TypeError(f"initial must be a mapping parameter -> starting value, got "
                            f"{type(initial).__name__}")
        names = [s[0] for s in specs]
        for k, v in initial.items():
            if k not in names:
                raise ValueError(f"initial: {k!r} is not among the fitted parameters "
                                 f"{names}")
            start[names.index(k)] = float(v)
    start = np.array(start)
    bad = ~(np.isfinite(start) & (start > 0))
    if bad.any():
        raise ValueError(f"parameters: fitting is on the log scale and needs positive "
                         f"starting values; {[specs[i][0] for i in np.flatnonzero(bad)]} "
                         f"start at {start[bad].tolist()} (pass initial={{name: value}})")
    return specs, start


# ---------------------------------------------------------------------------
# the fit
# ---------------------------------------------------------------------------
def fit_model(data, scenario, parameters, *, method: str = "individual",
              error: str = "additive", initial=None, max_iter: int = 100,
              ftol: float = 1e-10, xtol: float = 1e-8, rtol: float = 1e-8,
              atol: float = 1e-12, step: float = 1e-3, threads: int | None = None):
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
    max_iter, ftol, xtol : Levenberg-Marquardt limits (per subject).
    rtol, atol : engine tolerances (default 1e-8, 1e-12).
    step : float
        Central finite-difference step on the log-parameters.

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
        raise ValueError(f"method={method!r} is not yet available (issue 25); use "
                         f"method='individual'")
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
    if isinstance(max_iter, bool) or not isinstance(max_iter, (int, np.integer)) \
            or max_iter < 1:
        raise ValueError(f"max_iter must be a positive integer, got {max_iter!r}")
    d = _check_data(data, scenario)
    specs, start = _check_parameters(parameters, scenario, initial)
    P = len(specs)

    # the observations, padded per subject: out_idx, t_idx, y, mask (N, M)
    subjects = pd.unique(d["subject"])
    try:
        subjects = np.sort(subjects)
    except TypeError:
        pass
    outputs = list(pd.unique(d["output"]))
    times = np.unique(d["time"].to_numpy())
    sub_i = pd.Index(subjects).get_indexer(d["subject"])
    N = len(subjects)
    counts = np.bincount(sub_i, minlength=N)
    small = counts <= P
    if small.any():
        raise ValueError(f"data: subject(s) {list(subjects[small][:5])} have {P} or fewer "
                         f"observations for {P} parameters; each subject needs more "
                         f"observations than parameters")
    M = counts.max()
    order = np.argsort(sub_i, kind="stable")
    pos = np.empty(len(d), dtype=np.int64)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    pos[order] = np.arange(len(d)) - np.repeat(starts, counts)
    o_idx = np.zeros((N, M), dtype=np.int64)
    t_idx = np.zeros((N, M), dtype=np.int64)
    Y = np.zeros((N, M))
    mask = np.zeros((N, M), dtype=bool)
    o_idx[sub_i, pos] = pd.Index(outputs).get_indexer(d["output"])
    t_idx[sub_i, pos] = np.searchsorted(times, d["time"].to_numpy())
    Y[sub_i, pos] = d["value"].to_numpy()
    mask[sub_i, pos] = True
    n_obs = counts.astype(np.float64)

    # the simulation of lanes (each a subject at a point in log-parameter space)
    pop = scenario.population
    width = 2 * P + 1
    lanes_max = N * width
    ipop = Population(lanes_max, condition=pop.condition, variability=0.0, seed=pop.seed,
                      drug_variability=False, **pop.overrides)
    isc = copy.copy(scenario)
    isc.population = ipop
    base = ipop.typical()
    drug_specs = [(k, s) for k, (_, kind, s) in enumerate(specs) if kind == "drug"]
    drug_base = {}
    for _, (drug, field) in drug_specs:
        drug_base.setdefault(drug, ipop.drug_pk(drug, 0, 1))

    def simulate(theta_log, subj):
        """f (L, M) at log-parameters (L, P) for lanes of subjects ``subj`` (L,)."""
        L = theta_log.shape[0]
        nat = np.exp(theta_log)
        prm = np.tile(base, (L, 1))
        pk = {}
        for k, (_, kind, key) in enumerate(specs):
            if kind == "model":
                prm[:, key] = nat[:, k]
            else:
                drug, field = key
                pk.setdefault(drug, {})[field] = nat[:, k]
        y, status, _, _ = runner.run(isc, 0, L, outputs, rtol=rtol, atol=atol,
                                     threads=threads, params=prm, times=times,
                                     drug_pk=pk)
        f = y[np.arange(L)[:, None], o_idx[subj], t_idx[subj]]
        f[(status != 0)] = np.nan
        return f

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

    offsets = np.zeros((width, P))
    for k in range(P):
        offsets[1 + 2 * k, k] = step
        offsets[2 + 2 * k, k] = -step

    def evaluate(theta, subj):
        """f, r at theta (S, P) and the Jacobians of r, f, log f (S, M, P)."""
        S = len(subj)
        pts = (theta[:, None, :] + offsets[None]).reshape(S * width, P)
        lane_subj = np.repeat(subj, width)
        f = simulate(pts, lane_subj).reshape(S, width, M)
        r = residuals(f.reshape(S * width, M), lane_subj).reshape(S, width, M)
        jr = (r[:, 1::2] - r[:, 2::2]).transpose(0, 2, 1) / (2 * step)
        jf = (f[:, 1::2] - f[:, 2::2]).transpose(0, 2, 1) / (2 * step)
        with np.errstate(divide="ignore", invalid="ignore"):
            lf = np.log(np.where(f > 0, f, np.nan))
        jl = (lf[:, 1::2] - lf[:, 2::2]).transpose(0, 2, 1) / (2 * step)
        m = mask[subj][:, :, None]
        return (f[:, 0], r[:, 0], np.where(m, jr, 0.0), np.where(m, jf, 0.0),
                np.where(m, jl, 0.0))

    theta = np.tile(np.log(start), (N, 1))
    all_s = np.arange(N)
    f, r, Jr, Jf, Jl = evaluate(theta, all_s)
    cost = np.sum(r ** 2, axis=1)
    lam = np.full(N, 1e-3)
    reason = np.full(N, "", dtype=object)
    failed = ~np.isfinite(cost) | ~np.isfinite(Jr).all(axis=(1, 2))
    reason[failed] = "simulation failed"
    iters = np.zeros(N, dtype=np.int64)
    active = ~failed
    eye = np.eye(P)
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
        trial = theta[s] + delta
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
    converged = np.isin(reason.astype(str), _CONVERGED)

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
    names = [sp[0] for sp in specs]
    idx = pd.Index(subjects, name="subject")
    pred = f[sub_i, pos]
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
        _data=d, _pred=pred)
