"""The FO population Fisher information matrix (:func:`evaluate`).

Model (docs/api.md, "Study design").  Each design parameter ``p_i`` of subject ``j``
is log-normal around its typical value: ``p_ij = theta_i exp(eta_ij)``,
``eta_ij ~ N(0, omega2_i)``; an observation at time ``t`` is
``y = f(t; p) (1 + eps_p) + eps_a`` with ``eps_p ~ N(0, sigma2_prop)``,
``eps_a ~ N(0, sigma2_add)``.  The first-order (FO) approximation linearises ``f``
in ``eta`` at ``eta = 0``: ``y ~ N(mu, V)`` with ``mu = f(theta)`` and
``V = G Omega G^T + diag(sigma2_add + sigma2_prop mu^2)``, ``G = df/deta``
(Foracchia et al. 2004; Retout & Mentre 2003).  For a normal whose mean and
variance depend on parameters ``a``, the information of one subject is

    FIM_kl = dmu/da_k^T V^-1 dmu/da_l + 1/2 tr(V^-1 dV/da_k V^-1 dV/da_l)

over the fixed effects ``theta``, the variances ``omega2_i`` (those > 0) and the
residual variances (those > 0).  ``fim="full"`` keeps every term (``dV/dtheta``
involves the second derivatives of ``f``); ``fim="reduced"`` drops ``dV/dtheta``:
the fixed-effect block is ``dmu^T V^-1 dmu`` and the fixed-variance cross block is
zero (PopED's default, Nyberg et al. 2012).  ``n`` identical subjects: ``n`` times
the information of one.

Sensitivities.  ``f`` comes from the engine (:func:`endorphin.scenario.runner.run`
at ``rtol=1e-10, atol=1e-12``) for the typical subject; every perturbed parameter set
is a row ("subject") of one batched simulation.  First derivatives in
``log p``: five-point central differences, relative step ``1e-3`` (truncation
``O(h^4)``, round-off ``~ rtol / h``); second derivatives (full FIM with some
``omega2 > 0``): the fourth-order five-point formula on the diagonal and a
Richardson-extrapolated four-point formula off it, step ``1e-2``.
"""
from __future__ import annotations

import copy
import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from .._validate import choice, integer, real, suggest
from ..model import drugs
from ..scenario import Population, Scenario
from ..scenario import runner

__all__ = ["Error", "DesignResult", "error", "evaluate"]

#: Relative (log) steps of the finite differences.
STEP_FIRST = 1e-3
STEP_SECOND = 1e-2
#: Engine tolerances of the sensitivity runs.
RTOL, ATOL = 1e-10, 1e-12
#: Engine parameters the scenario sets (not design parameters).
_SETTINGS = ("clock_start", "pulse_mean")
#: Drug PK fields that can be design parameters (log-normal, positive).
_DRUG_FIELDS = ("cl", "v1", "q2", "v2", "q3", "v3")


@dataclass(frozen=True)
class Error:
    """Residual error model: ``y = f (1 + eps_p) + eps_a``.

    Attributes
    ----------
    proportional : float
        SD of ``eps_p`` (a fraction: 0.1 is a 10 % CV); 0: none.
    additive : float
        SD of ``eps_a``, in the output's unit; 0: none.
    """
    proportional: float = 0.0
    additive: float = 0.0

    @property
    def variances(self) -> dict:
        """The estimated residual variances, ``{"sigma2:proportional": ...,
        "sigma2:additive": ...}`` (those > 0)."""
        out = {}
        if self.proportional > 0:
            out["sigma2:proportional"] = self.proportional ** 2
        if self.additive > 0:
            out["sigma2:additive"] = self.additive ** 2
        return out


def error(proportional: float = 0.0, additive: float = 0.0) -> Error:
    """A residual error model for :func:`evaluate`.

    Parameters
    ----------
    proportional : float
        SD of the proportional error (fraction, >= 0; 0.15: a 15 % CV).
    additive : float
        SD of the additive error, in the unit of the design's output (>= 0).
        At least one of the two must be positive.

    Examples
    --------
    >>> import endorphin as en
    >>> en.design.error(proportional=0.1, additive=0.5).variances
    {'sigma2:proportional': 0.01..., 'sigma2:additive': 0.25}
    """
    p = real(proportional, "proportional", low=0.0)
    a = real(additive, "additive", low=0.0)
    if p == 0.0 and a == 0.0:
        raise ValueError("error: proportional and additive are both 0; give at least one "
                         "residual SD > 0 (an error-free design has infinite information)")
    return Error(p, a)


@dataclass(frozen=True)
class DesignResult:
    """What :func:`evaluate` returns.

    Attributes
    ----------
    fim : ndarray (K, K)
        The population FIM of ``n`` subjects, in the order of :attr:`names`.
    names : tuple of str
        Typical values by parameter name, then ``"omega2:<name>"`` (omega2 > 0), then
        ``"sigma2:proportional"`` / ``"sigma2:additive"`` (those > 0).
    values : ndarray (K,)
        The parameter values (typical values, variances).
    se : pandas.Series
        Expected standard errors, ``sqrt(diag(FIM^-1))``.
    rse : pandas.Series
        Relative standard errors, percent: ``100 se / value`` (of the variances
        themselves for omega2 and sigma2, as PopED reports them).
    log_det : float
        ``log det FIM`` (the D-criterion).
    sensitivities : pandas.DataFrame
        ``df/dlog p`` of the typical subject at the sampling times (rows: times,
        columns: parameters): the design's raw material.
    prediction : ndarray (T,)
        The typical subject's output at the sampling times.
    times : ndarray (T,)
        The sampling times, min.
    n : int
        The number of subjects (all groups).
    kind : str
        ``"reduced"`` or ``"full"``.
    lloq : float or None
        The lower limit of quantification the FIM accounts for.
    groups : tuple or None
        With ``groups=``: each group's ``(name, times, n, fim)``.
    """
    fim: np.ndarray
    names: tuple
    values: np.ndarray
    se: object
    rse: object
    log_det: float
    sensitivities: object
    prediction: np.ndarray
    times: np.ndarray
    n: int
    kind: str
    lloq: float | None = None
    groups: tuple | None = None

    def __repr__(self) -> str:
        rse = ", ".join(f"{k} {v:.3g}%" for k, v in self.rse.items())
        return (f"DesignResult({self.kind} FO FIM, n={self.n}, {self.times.size} samples, "
                f"log_det={self.log_det:.4g}; RSE: {rse})")


# -- parameters -----------------------------------------------------------------
def _design_names(sc: Scenario) -> tuple[list, dict]:
    """The allowed parameter names: engine names, and ``<drug>.<field>`` of the drugs
    the scenario doses (``<drug>.ka`` for ``ka_<route>`` when one route has one)."""
    from ..model import INDEX
    engine = [k for k in INDEX if k not in _SETTINGS]
    drug_names: dict = {}
    dosed = []
    for d in sc.doses:
        if not d.is_endogenous and d.drug not in dosed:
            dosed.append(d.drug)
    for name in dosed:
        drug = drugs.get(name)
        fields = [f for f in _DRUG_FIELDS if getattr(drug, f) is not None]
        routes = sorted({d.route for d in sc.doses if d.drug == name and d.route != "iv"})
        for f in fields:
            drug_names[f"{name}.{f}"] = (name, f)
        for r in routes:
            drug_names[f"{name}.ka_{r}"] = (name, f"ka_{r}")
        if len(routes) == 1:
            drug_names[f"{name}.ka"] = (name, f"ka_{routes[0]}")
    return engine, drug_names


class _Rows(Population):
    """The typical subject of a population (its condition, overrides and subject 0's
    covariates, no variability), repeated ``len(factors)`` times, row ``r`` with its
    design parameters multiplied by ``exp(log_steps[r])``.  Internal to
    :func:`evaluate`: the per-row parameters of one batched sensitivity run."""

    def __init__(self, pop: Population, engine: dict, drug: dict, log_steps: np.ndarray):
        cov = {k: np.asarray(v)[:1] for k, v in pop.covariates.items()}
        cov = {k: (v[0].item() if hasattr(v[0], "item") else v[0]) for k, v in cov.items()}
        super().__init__(log_steps.shape[0], pop.condition, 0.0, pop.seed, cov or None,
                         drug_variability=False, **pop.overrides)
        self._engine_cols = engine          # column of log_steps -> engine index
        self._drug_cols = drug              # column -> (drug name, pk field)
        self._log_steps = log_steps

    def draw(self, first: int = 0, count: int | None = None) -> np.ndarray:
        out = super().draw(first, count)
        rows = self._log_steps[first:first + out.shape[0]]
        for col, ix in self._engine_cols.items():
            out[:, ix] = out[:, ix] * np.exp(rows[:, col])
        return out

    def drug_pk(self, drug, first: int = 0, count: int | None = None) -> dict:
        out = super().drug_pk(drug, first, count)
        name = drugs.get(drug).name
        m = next(iter(out.values())).shape[0]
        rows = self._log_steps[first:first + m]
        for col, (dname, field) in self._drug_cols.items():
            if dname == name:
                out[field] = out[field] * np.exp(rows[:, col])
        return out


def _simulate(sc: Scenario, output: str, t: np.ndarray, typical_pop: Population,
              engine: dict, drug: dict, log_steps: np.ndarray) -> np.ndarray:
    """The output at times ``t`` (ascending, unique) for every row of ``log_steps``,
    (R, T).  Without pulses one batched run; with pulses one run per row, each with
    subject 0's pulse stream (the same pulses in every row)."""
    R = log_steps.shape[0]
    blocks = [log_steps] if not sc.pulses else [log_steps[r:r + 1] for r in range(R)]
    out = []
    for block in blocks:
        sc2 = copy.copy(sc)
        sc2.population = _Rows(typical_pop, engine, drug, block)
        y, status, _, _ = runner.run(sc2, 0, block.shape[0], (output,), rtol=RTOL,
                                     atol=ATOL, times=t)
        if np.any(status != 0):
            raise RuntimeError("design: the engine failed on a perturbed parameter set "
                               "(status " + ", ".join(map(str, np.unique(status))) + ")")
        out.append(y[:, 0, :])
    return np.concatenate(out, axis=0)


def _stencil(P: int, second: bool) -> tuple[np.ndarray, list]:
    """The rows (log steps, (R, P)) of the finite differences and their meaning."""
    rows = [np.zeros(P)]
    h, H = STEP_FIRST, STEP_SECOND
    for i in range(P):
        for m in (1, -1, 2, -2):
            r = np.zeros(P)
            r[i] = m * h
            rows.append(r)
    if second:
        for i in range(P):
            for m in (1, -1, 2, -2):
                r = np.zeros(P)
                r[i] = m * H
                rows.append(r)
        for i in range(P):
            for j in range(i + 1, P):
                for s in (1, 2):
                    for a, b in ((1, 1), (1, -1), (-1, 1), (-1, -1)):
                        r = np.zeros(P)
                        r[i], r[j] = a * s * H, b * s * H
                        rows.append(r)
    return np.array(rows), None


def _derivatives(Y: np.ndarray, P: int, second: bool):
    """``df/dlog p`` (T, P) and, with ``second``, ``d2f/dlog p_i dlog p_j`` (P, P, T)
    from the rows of :func:`_stencil`."""
    h, H = STEP_FIRST, STEP_SECOND
    f0 = Y[0]
    S = np.empty((Y.shape[1], P))
    k = 1
    for i in range(P):
        fp, fm, fp2, fm2 = Y[k:k + 4]
        S[:, i] = (8.0 * (fp - fm) - (fp2 - fm2)) / (12.0 * h)
        k += 4
    if not second:
        return S, None
    Hs = np.empty((P, P, Y.shape[1]))
    for i in range(P):
        fp, fm, fp2, fm2 = Y[k:k + 4]
        Hs[i, i] = (-fp2 + 16.0 * fp - 30.0 * f0 + 16.0 * fm - fm2) / (12.0 * H * H)
        k += 4
    for i in range(P):
        for j in range(i + 1, P):
            d = []
            for s in (1, 2):
                pp, pm, mp, mm = Y[k:k + 4]
                d.append((pp - pm - mp + mm) / (4.0 * (s * H) ** 2))
                k += 4
            Hs[i, j] = Hs[j, i] = (4.0 * d[0] - d[1]) / 3.0     # Richardson: O(H^4)
    return S, Hs


def fo_fim(mu, S, theta, omega2, sigma2_prop, sigma2_add, Hs=None, full=True,
           lloq=None):
    """The FO FIM of one subject from the sensitivities (see the module's notes).

    ``mu`` (T,), ``S = df/dlog p`` (T, P), ``theta`` (P,) typical values, ``omega2``
    (P,), residual variances (0: not estimated), ``Hs`` (P, P, T) second derivatives
    in log p (needed for the full FIM when some omega2 > 0).  Returns the FIM over
    theta, the omega2 > 0, then sigma2_prop, sigma2_add (those > 0).

    ``lloq`` (a number): samples may be censored below it; each sample's terms are
    weighted by the fractions of a normal observation's information that survive
    left-censoring (:mod:`endorphin.design.censored`): ``dmu^T A V^-1 A dmu`` with
    ``A = diag(sqrt(a_j))``, ``1/2 tr(W dV_k W dV_l)`` with
    ``W = B V^-1 B``, ``B = diag(b_j^(1/4))``, and (full FIM) the mean-variance cross
    information ``sum_j e_j (dmu_jk dV_jj,l + dV_jj,k dmu_jl)``.  Exact (the Tobit
    information of independent samples) when ``V`` is diagonal."""
    T, P = S.shape
    G = S                                          # df/deta at eta = 0
    dmu = S / theta                                # df/dtheta
    V = (G * omega2) @ G.T + np.diag(sigma2_add + sigma2_prop * mu ** 2)
    Vi = np.linalg.inv(V)
    var_idx = [k for k in range(P) if omega2[k] > 0]
    dV_var = [np.outer(G[:, k], G[:, k]) for k in var_idx]
    if sigma2_prop > 0:
        dV_var.append(np.diag(mu ** 2))
    if sigma2_add > 0:
        dV_var.append(np.eye(T))
    dV_fix = []
    if full:
        for i in range(P):
            d = np.diag(2.0 * sigma2_prop * mu * dmu[:, i])
            for k in var_idx:
                dG = Hs[k, i] / theta[i]
                d = d + omega2[k] * (np.outer(dG, G[:, k]) + np.outer(G[:, k], dG))
            dV_fix.append(d)
    K = P + len(dV_var)
    F = np.zeros((K, K))
    if lloq is None:
        F[:P, :P] = dmu.T @ Vi @ dmu
        Wv = Vi
    else:
        from .censored import fractions
        sd = np.sqrt(np.diag(V))
        a, b, e = fractions((lloq - mu) / sd)
        ra = np.sqrt(a)
        F[:P, :P] = (dmu * ra[:, None]).T @ Vi @ (dmu * ra[:, None])
        rb = b ** 0.25
        Wv = Vi * np.outer(rb, rb)
    W_var = [Wv @ d for d in dV_var]
    W_fix = [Wv @ d for d in dV_fix]

    def tr(a, b):
        return 0.5 * float(np.sum(a * b.T))

    if full:
        for i in range(P):
            for j in range(P):
                F[i, j] += tr(W_fix[i], W_fix[j])
            for m, w in enumerate(W_var):
                F[i, P + m] = F[P + m, i] = tr(W_fix[i], w)
    for m, wa in enumerate(W_var):
        for q, wb in enumerate(W_var):
            F[P + m, P + q] = tr(wa, wb)
    if lloq is not None and full:
        # the mean-variance cross information of the censored samples: e_j / sd_j^3
        # per unit of dmu_j dV_jj
        cross = e / sd ** 3
        dmus = np.concatenate([dmu, np.zeros((T, K - P))], axis=1)
        dv = np.stack([np.diag(d) for d in dV_fix] + [np.diag(d) for d in dV_var], axis=1)
        C = (dmus * cross[:, None]).T @ dv
        F += C + C.T
    return F


def _check_identifiable(F: np.ndarray, values: np.ndarray, names: list) -> None:
    """ValueError naming the parameters in the near-null space of the scaled FIM."""
    D = np.abs(values)
    Fs = F * np.outer(D, D)
    if not np.all(np.isfinite(Fs)):
        raise ValueError("design: the Fisher information is not finite")
    w, U = np.linalg.eigh(Fs)
    top = max(abs(w[-1]), np.finfo(float).tiny)
    null = w <= 1e-10 * top
    if null.any():
        v = np.abs(U[:, null]).max(axis=1)
        bad = [names[k] for k in np.flatnonzero(v > 0.1)]
        raise ValueError(f"design: the Fisher information matrix is singular: "
                         f"{', '.join(repr(b) for b in bad)} are not identifiable from this "
                         f"design (add sampling times, subjects or information, or drop or "
                         f"fix some of them)")


def check_scenario(scenario, name="scenario") -> Scenario:
    if not isinstance(scenario, Scenario):
        raise TypeError(f"{name} must be an endorphin.Scenario, got "
                        f"{type(scenario).__name__}")
    return scenario


def check_times(times, scenario: Scenario, name: str = "times") -> np.ndarray:
    t = np.asarray(times, dtype=np.float64)
    if t.ndim == 0:
        t = t.reshape(1)
    if t.ndim != 1 or t.size == 0:
        raise ValueError(f"{name} must be a 1-D sequence of at least one time, got shape "
                         f"{t.shape}")
    if not np.all(np.isfinite(t)):
        raise ValueError(f"{name} must be finite")
    bad = t[(t < 0) | (t > scenario.t_end)]
    if bad.size:
        raise ValueError(f"{name} must lie within the scenario, [0, {scenario.t_end:g}] min; "
                         f"got {', '.join(f'{b:g}' for b in bad[:5])}")
    return t


def check_error(error) -> Error:
    if not isinstance(error, Error):
        raise TypeError(f"error must be endorphin.design.error(...), got "
                        f"{type(error).__name__}")
    return error


def check_lloq(lloq):
    return None if lloq is None else real(lloq, "lloq", low=0.0)


class Setup:
    """One scenario's design parameters: names, omega2, typical values, and the
    batched sensitivity runs at any set of times (the raw material of
    :func:`evaluate` and :func:`endorphin.design.optimize`)."""

    def __init__(self, scenario: Scenario, output: str, parameters: Mapping,
                 allowed_drug: dict | None = None):
        from ..model import INDEX
        outs = [o for o in scenario.outputs() if not o.endswith("_demand_doses")]
        self.output = choice(output, outs, "output", what="output")
        self.scenario = scenario
        if not isinstance(parameters, Mapping) or not parameters:
            raise ValueError("parameters must be a non-empty mapping name -> omega2")
        engine_names, drug_names = _design_names(scenario)
        drug_names = {**(allowed_drug or {}), **drug_names}
        allowed = list(engine_names) + list(drug_names)
        names, omega2 = [], []
        for key, om in parameters.items():
            if not isinstance(key, str) or (key not in INDEX and key not in drug_names):
                hint = suggest(key, allowed) if isinstance(key, str) else ""
                dnames = ", ".join(repr(k) for k in drug_names) or "none (no drug dosed)"
                raise ValueError(f"parameters: unknown design parameter {key!r}; {hint}"
                                 f"(engine parameters of endorphin.parameters(), or the "
                                 f"scenario's drug parameters: {dnames})")
            if key in _SETTINGS:
                raise ValueError(f"parameters: {key!r} is set by the scenario, not a "
                                 f"design parameter")
            names.append(key)
            omega2.append(real(om, f"parameters[{key!r}] (omega2)", low=0.0))
        self.names = names
        self.P = P = len(names)
        self.omega2 = np.array(omega2)
        self.engine = {c: INDEX[k] for c, k in enumerate(names) if k in INDEX}
        self.drug = {c: drug_names[k] for c, k in enumerate(names) if k in drug_names}
        pop = scenario.population
        probe = _Rows(pop, {}, {}, np.zeros((1, P)))
        base = runner.apply_settings(scenario, probe.draw(0, 1))[0]
        theta = np.empty(P)
        for c, ix in self.engine.items():
            theta[c] = base[ix]
        for c, (dname, field) in self.drug.items():
            theta[c] = float(probe.drug_pk(dname, 0, 1)[field][0])
        nonpos = [names[c] for c in range(P) if not theta[c] > 0]
        if nonpos:
            raise ValueError(f"parameters: {', '.join(map(repr, nonpos))} have a typical "
                             f"value <= 0 in this scenario; a log-normal parameter must be "
                             f"positive")
        self.theta = theta
        self.runs = 0                       # engine calls so far

    def second(self, kind: str) -> bool:
        return kind == "full" and bool(np.any(self.omega2 > 0))

    def sensitivities(self, times: np.ndarray, second: bool, offsets=None):
        """``mu`` (Q, T), ``S = df/dlog p`` (Q, T, P) and ``Hs`` (Q, P, P, T) or None at
        ``times`` (any order, repeats allowed) for ``Q`` points of log-parameter space
        (``offsets`` (Q, P) from the typical values; default: the typical values),
        all in one batched engine run."""
        offsets = np.zeros((1, self.P)) if offsets is None else np.asarray(offsets)
        steps, _ = _stencil(self.P, second)
        R = steps.shape[0]
        rows = (offsets[:, None, :] + steps[None, :, :]).reshape(-1, self.P)
        tu, inverse = np.unique(times, return_inverse=True)
        Y = _simulate(self.scenario, self.output, tu, self.scenario.population,
                      self.engine, self.drug, rows)[:, inverse]
        self.runs += 1
        Y = Y.reshape(offsets.shape[0], R, -1)
        mus, Ss, Hss = [], [], []
        for q in range(offsets.shape[0]):
            S, Hs = _derivatives(Y[q], self.P, second)
            mus.append(Y[q, 0])
            Ss.append(S)
            Hss.append(Hs)
        return np.array(mus), np.array(Ss), (np.array(Hss) if second else None)


def parameter_labels(setup: Setup, err: Error):
    sig = err.variances
    om = setup.omega2
    labels = setup.names + [f"omega2:{setup.names[k]}" for k in range(setup.P)
                            if om[k] > 0] + list(sig)
    values = np.concatenate([setup.theta, om[om > 0], list(sig.values())])
    return labels, values


def _groups(groups, scenario: Scenario, times, n) -> list:
    """``[(name, scenario, times, n)]`` from ``groups`` (a sequence of mappings or a
    mapping name -> mapping, keys ``times``, ``n`` and optionally ``scenario``)."""
    if groups is None:
        if times is None or n is None:
            raise ValueError("evaluate needs times and n (or groups=)")
        return [(None, scenario, check_times(times, scenario),
                 integer(n, "n", low=1, high=10**9))]
    if times is not None or n is not None:
        raise ValueError("give either times and n or groups=, not both (each group has "
                         "its own times and n)")
    if isinstance(groups, Mapping):
        items = list(groups.items())
    elif isinstance(groups, (list, tuple)):
        items = [(k, g) for k, g in enumerate(groups)]
    else:
        raise TypeError(f"groups must be a sequence of mappings or a mapping name -> "
                        f"mapping, got {type(groups).__name__}")
    if not items:
        raise ValueError("groups must hold at least one group")
    out = []
    for key, g in items:
        if not isinstance(g, Mapping):
            raise TypeError(f"groups[{key!r}] must be a mapping with keys 'times', 'n' "
                            f"(and optionally 'scenario'), got {type(g).__name__}")
        extra = set(g) - {"times", "n", "scenario"}
        if extra or "times" not in g or "n" not in g:
            raise ValueError(f"groups[{key!r}] must have the keys 'times' and 'n' and "
                             f"optionally 'scenario'; got {sorted(map(str, g))}")
        sc = check_scenario(g.get("scenario", scenario), f"groups[{key!r}]['scenario']")
        out.append((key, sc, check_times(g["times"], sc, f"groups[{key!r}]['times']"),
                    integer(g["n"], f"groups[{key!r}]['n']", low=1, high=10**9)))
    return out


def _setups(groups: list, output: str, parameters: Mapping) -> list:
    """One :class:`Setup` per group; a drug parameter of one group's drug is allowed
    in the others (there it has no effect); the typical values must agree."""
    drug_union: dict = {}
    for _, sc, _, _ in groups:
        drug_union.update(_design_names(sc)[1])
    setups = [Setup(sc, output, parameters, drug_union) for _, sc, _, _ in groups]
    ref = setups[0].theta
    for (key, *_), s in zip(groups[1:], setups[1:]):
        if not np.allclose(s.theta, ref, rtol=1e-12, atol=0.0):
            k = int(np.argmax(np.abs(s.theta / ref - 1.0)))
            raise ValueError(f"groups: the typical value of {s.names[k]!r} is {s.theta[k]:g} "
                             f"in group {key!r} but {ref[k]:g} in the first; the groups must "
                             f"share the population's typical values (they differ only in "
                             f"times, doses, protocol and size)")
    return setups


def evaluate(scenario: Scenario, output: str, times=None, n: int | None = None,
             parameters: Mapping | None = None, error: Error | None = None,
             fim: str = "reduced", lloq: float | None = None,
             groups=None) -> DesignResult:
    """The FO population Fisher information of a sampling design.

    Parameters
    ----------
    scenario : Scenario
        The protocol, doses and population whose *typical* subject (its condition,
        overrides and subject 0's covariates, no variability) the design is about.
        Pulses and the circadian rhythm are taken as in the scenario; pulses make
        the output depend on one random pulse train, so ``pulses=False`` is
        recommended (with pulses each perturbed run uses subject 0's pulse stream).
    output : str
        The sampled output (one of ``scenario.outputs()``, e.g. ``"morphine_plasma"``).
    times : array_like (T,)
        Sampling times, min, within ``[0, scenario.t_end]`` (repeats allowed).
    n : int
        Number of subjects (>= 1) with this design.
    parameters : mapping of str to float
        Design parameter -> between-subject variance omega2 (>= 0; 0: no
        variability, not estimated).  Names: engine parameters of
        :func:`endorphin.parameters` (e.g. ``"t_half_plasma"``) and drug PK of the
        scenario's drugs, ``"<drug>.cl"``, ``"<drug>.v1"``, ``"<drug>.q2"`` ...,
        ``"<drug>.ka_<route>"`` (``"<drug>.ka"`` when the drug is given by one
        extravascular route).  Typical values from the scenario.
    error : Error
        The residual error, :func:`endorphin.design.error`.
    fim : {"reduced", "full"}
        The FIM's form (PopED's ``fim.calc.type`` 1 = reduced, 0 = full).
    lloq : float, optional
        Lower limit of quantification (the output's unit, >= 0): a sample may be
        reported only as "below the LLOQ"; each sample then carries the expected
        information of a normal observation censored at ``lloq`` (its marginal
        under the FO model; :mod:`endorphin.design.censored`).  None: no limit.
    groups : sequence of mappings or mapping name -> mapping, optional
        Several groups instead of ``times`` and ``n``: each ``{"times": [...],
        "n": int}`` and optionally ``"scenario"`` (its own doses or protocol; the
        same population's typical values; default ``scenario``).  The population FIM
        is the sum of the groups'.

    Returns
    -------
    DesignResult
        ``fim``, ``se``, ``rse`` (percent), ``log_det``, ``sensitivities``; with
        ``groups``, ``times`` and ``prediction`` are the groups' concatenated,
        ``sensitivities`` is indexed by (group, time), ``n`` is the total and
        ``groups`` holds each group's ``(name, times, n, fim)``.

    Raises
    ------
    ValueError
        Unknown output or parameter (with the closest names), times outside the
        scenario, ``n < 1``, negative variances or LLOQ, an unknown ``fim``, groups
        with other typical values, a singular FIM (naming the parameters this design
        cannot identify).

    Notes
    -----
    See :mod:`endorphin.design.fim` for the formulas and the finite differences.

    Examples
    --------
    >>> import endorphin as en
    >>> sc = en.Scenario(doses=en.Dose("morphine", 10, unit="mg", route="iv", time=0),
    ...                  t_end=480, pulses=False)
    >>> d = en.design.evaluate(sc, "morphine_plasma", [5, 30, 120, 480], n=20,
    ...                        parameters={"morphine.cl": 0.09, "morphine.v1": 0.04},
    ...                        error=en.design.error(proportional=0.1))
    >>> list(d.rse.index)
    ['morphine.cl', 'morphine.v1', 'omega2:morphine.cl', 'omega2:morphine.v1', \
'sigma2:proportional']
    """
    import pandas as pd

    check_scenario(scenario)
    err = check_error(error)
    fim = choice(fim, ("reduced", "full"), "fim")
    lloq = check_lloq(lloq)
    grp = _groups(groups, scenario, times, n)
    setups = _setups(grp, output, parameters)
    s0 = setups[0]
    F = 0.0
    parts, sens, preds = [], [], []
    for (key, _, t, ng), s in zip(grp, setups):
        second = s.second(fim)
        mu, S, Hs = s.sensitivities(t, second)
        var = err.additive ** 2 + err.proportional ** 2 * mu[0] ** 2 \
            + (S[0] ** 2) @ s.omega2
        flat = ~(var > 0)
        if flat.any():
            raise ValueError(f"times: the sample(s) at {t[flat].tolist()} min have no "
                             f"variance under the model (prediction "
                             f"{mu[0][flat].tolist()} with only proportional error and "
                             f"no between-subject variability there): drop them or add "
                             f"an additive error")
        F1 = fo_fim(mu[0], S[0], s.theta, s.omega2, err.proportional ** 2,
                    err.additive ** 2, Hs=None if Hs is None else Hs[0],
                    full=fim == "full", lloq=lloq)
        F = F + ng * F1
        parts.append((key, t, ng, ng * F1))
        idx = (pd.Index(t, name="time") if groups is None else
               pd.MultiIndex.from_arrays([[key] * t.size, t], names=["group", "time"]))
        sens.append(pd.DataFrame(S[0], index=idx, columns=s.names))
        preds.append(mu[0])
    labels, values = parameter_labels(s0, err)
    _check_identifiable(F, values, labels)
    cov = np.linalg.inv(F)
    se = np.sqrt(np.clip(np.diag(cov), 0.0, None))
    sign, log_det = np.linalg.slogdet(F)
    return DesignResult(
        fim=F, names=tuple(labels), values=values,
        se=pd.Series(se, index=labels, name="se"),
        rse=pd.Series(100.0 * se / np.abs(values), index=labels, name="rse_percent"),
        log_det=float(log_det) if sign > 0 else -math.inf,
        sensitivities=pd.concat(sens), prediction=np.concatenate(preds),
        times=np.concatenate([p[1] for p in parts]), n=sum(p[2] for p in parts),
        kind=fim, lloq=lloq, groups=None if groups is None else tuple(parts))
