"""Diagnostics of model fits: the visual predictive check and profile likelihood.

* :func:`vpc` -- the visual predictive check of a population fit
  (:class:`~endorphin.estimation.population.PopulationFit`): the data's design
  (the same subjects, times and outputs) simulated ``replicates`` times from
  the fitted population -- per replicate new random effects ``eta_i ~ N(0,
  Omega)`` for every subject and new residual errors ``N(0, a^2 + (b f)^2)`` --
  and, in bins of time, the observed percentiles beside the median and the
  confidence interval of the same percentiles over the replicates (Holford,
  PAGE 2005; Bergstrand et al., AAPS J 2011, doi:10.1208/s12248-011-9255-z).
  Randomness is keyed: replicate ``r`` draws from ``keyed_rng(seed, 0,
  PURPOSE_VPC, r)`` (the random effects (N, P), then the residual errors
  (N, M)), so a VPC does not depend on how replicates are batched.
* :func:`profile` -- the profile likelihood of one parameter of an individual
  fit (:class:`~endorphin.estimation.individual.ModelFit`): every subject's
  ``-2 log L`` with the parameter fixed at each value of a grid and the other
  parameters re-optimised (all subjects and grid values in one batched
  Levenberg-Marquardt, the one :func:`fit_model` uses), and the
  likelihood-based interval ``{value: -2 log L - min <= chi^2_1(level)}``
  (Venzon & Moolgavkar, Appl Stat 1988, doi:10.2307/2347496).  A population
  fit's profile (the population objective re-optimised at each value) is not
  implemented yet and is refused with the reason.

The figures are :func:`endorphin.plot.vpc`, :func:`endorphin.plot.profile` and
:func:`endorphin.plot.gof`.
"""
from __future__ import annotations

import warnings
from statistics import NormalDist

import numpy as np

from .._random import PURPOSE_VPC, keyed_rng
from .._validate import known, suggest
from .lm import CONVERGED, lane_ofv, levenberg_marquardt

__all__ = ["vpc", "profile", "VPC", "Profile"]

#: lanes per engine call when simulating VPC replicates
_VPC_LANES = 4096
#: with no ``bins``, bin by each distinct time up to this many times, else by quantiles
_MAX_TIME_BINS = 12
_QUANTILE_BINS = 8


class VPC:
    """A visual predictive check (:func:`vpc`).

    Attributes
    ----------
    table : pandas.DataFrame
        One row per (output, bin, percentile): ``output``, ``bin`` (0, 1, ...
        per output), ``time`` (median observation time in the bin, min),
        ``time_lo``, ``time_hi`` (its first and last observation time), ``n``
        (observations), ``pi`` (the percentile as a fraction), ``observed``
        (the data's percentile), ``sim_median``, ``sim_lo``, ``sim_hi`` (the
        median and the ``ci`` interval of the simulated percentile over
        replicates) and ``outside`` (observed outside [sim_lo, sim_hi]).
    observed : pandas.DataFrame
        The data (subject, time, output, value) with each row's ``bin``.
    pi : tuple of float
    ci : float
    replicates, seed : int
    failed : int
        Simulated subject-replicates whose simulation failed (left out).
    """

    def __init__(self, **kw):
        self.__dict__.update(kw)

    def __repr__(self) -> str:
        n_out = self.table["output"].nunique()
        bins = self.table.groupby("output")["bin"].nunique().sum()
        return (f"VPC(replicates={self.replicates}, seed={self.seed}, pi={self.pi}, "
                f"ci={self.ci}, outputs={n_out}, bins={bins}, "
                f"outside={int(self.table['outside'].sum())}/{len(self.table)})")


class Profile:
    """A profile likelihood (:func:`profile`).

    Attributes
    ----------
    name : str
        The profiled parameter.
    level : float
    threshold : float
        ``chi^2_1(level)``: the interval is where ``delta`` is below it.
    table : pandas.DataFrame
        One row per (subject, value): ``subject``, ``value`` (natural scale),
        ``ofv`` (``-2 log L`` with the parameter fixed there, the others
        re-optimised), ``delta`` (``ofv`` minus ``ofv`` at the estimate) and
        ``converged`` (of the re-optimisation).
    interval : pandas.DataFrame
        Index ``subject``: ``estimate``, the likelihood-based ``lower`` and
        ``upper`` (NaN where the profile stays below the threshold within the
        grid: widen ``span`` or pass ``values``) and the Wald interval
        ``wald_lower``, ``wald_upper`` (``exp(log theta +- z se_log)``).
    """

    def __init__(self, **kw):
        self.__dict__.update(kw)

    def __repr__(self) -> str:
        return (f"Profile(name={self.name!r}, level={self.level}, "
                f"subjects={len(self.interval)}, values={len(self.table)})")


# ---------------------------------------------------------------------------
# checks
# ---------------------------------------------------------------------------
def _problem(fit):
    prob = getattr(fit, "_problem", None)
    if prob is None:
        raise ValueError("fit: has no estimation Problem (fit._problem); fits made by "
                         "endorphin.fit_model carry it (a PopulationFit built by hand "
                         "needs _problem=Problem(data, scenario, parameters))")
    return prob


def _kind(fit) -> str:
    """"individual" (a ModelFit) or "population" (a PopulationFit), by the fit's
    ``method`` (this module sits beside the fit classes, whose methods call it,
    so it does not import them)."""
    method = getattr(fit, "method", None)
    if method == "individual":
        return "individual"
    if method in ("foce", "saem"):
        return "population"
    raise TypeError(f"fit must be a fit of endorphin.fit_model (a ModelFit or a "
                    f"PopulationFit), got {type(fit).__name__}")


def _fraction(name, v):
    if isinstance(v, bool) or not isinstance(v, (int, float, np.floating, np.integer)) \
            or not np.isfinite(v) or not 0 < v < 1:
        raise ValueError(f"{name} must be a number strictly between 0 and 1, got {v!r}")
    return float(v)


def _positive_int(name, v, low=1):
    if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < low:
        raise ValueError(f"{name} must be an integer >= {low}, got {v!r}")
    return int(v)


def _check_pi(pi):
    try:
        vals = [float(p) for p in np.atleast_1d(pi)]
    except (TypeError, ValueError):
        raise TypeError(f"pi must be a sequence of fractions, got {pi!r}") from None
    if not vals:
        raise ValueError("pi must name at least one percentile (fractions, e.g. "
                         "(0.05, 0.5, 0.95))")
    for p in vals:
        _fraction("pi", p)
    if any(b <= a for a, b in zip(vals, vals[1:])):
        raise ValueError(f"pi must be strictly increasing, got {vals}")
    return tuple(vals)


def _population_parameters(fit, prob):
    """log typical values (P,), a square root of Omega (P, P), a, b."""
    names = prob.names
    params = fit.params
    missing = [n for n in names if n not in params.index]
    if missing:
        raise ValueError(f"fit.params: no typical value for {missing} (fitted: {names})")
    typ = params.reindex(names).to_numpy(dtype=np.float64)
    if not (np.isfinite(typ) & (typ > 0)).all():
        raise ValueError(f"fit.params: typical values must be positive and finite, got "
                         f"{dict(zip(names, typ))}")
    om = getattr(fit, "omega_matrix", None)
    if om is not None:
        om = om.reindex(index=names, columns=names).fillna(0.0).to_numpy(dtype=np.float64)
    else:
        om = np.diag(fit.omega.reindex(names).fillna(0.0).to_numpy(dtype=np.float64))
    if not np.isfinite(om).all() or not np.allclose(om, om.T):
        raise ValueError("fit.omega_matrix must be finite and symmetric")
    w, U = np.linalg.eigh(om)
    if w.min() < -1e-10 * max(1.0, abs(w).max()):
        raise ValueError(f"fit.omega_matrix is not positive semi-definite (eigenvalues "
                         f"{w.round(6).tolist()})")
    root = U * np.sqrt(np.clip(w, 0.0, None))
    sigma = fit.sigma
    a = float(sigma.get("additive", 0.0))
    b = float(sigma.get("proportional", 0.0))
    if not (np.isfinite([a, b]).all() and a >= 0 and b >= 0) or a == b == 0:
        raise ValueError(f"fit.sigma: needs a positive 'additive' and/or 'proportional' "
                         f"residual SD, got {dict(sigma)}")
    return np.log(typ), root, a, b


def _bin_rows(t, bins):
    """Bin index (n,) of times ``t`` of one output."""
    if bins is None:
        bins = "time" if np.unique(t).size <= _MAX_TIME_BINS else _QUANTILE_BINS
    if isinstance(bins, str):
        if bins != "time":
            raise ValueError(f"bins must be 'time', a number of bins, a sequence of bin "
                             f"edges (min) or None, got {bins!r}")
        return np.searchsorted(np.unique(t), t)
    if isinstance(bins, (int, np.integer)) and not isinstance(bins, bool):
        k = _positive_int("bins", bins)
        edges = np.unique(np.quantile(t, np.linspace(0, 1, k + 1)))
        if edges.size < 2:
            return np.zeros(t.size, dtype=np.int64)
    else:
        try:
            edges = np.asarray(bins, dtype=np.float64)
        except (TypeError, ValueError):
            raise TypeError(f"bins must be 'time', a number of bins, a sequence of bin edges "
                            f"(min) or None, got {bins!r}") from None
        if edges.ndim != 1 or edges.size < 2 or not np.isfinite(edges).all() \
                or (np.diff(edges) <= 0).any():
            raise ValueError(f"bins: edges must be a strictly increasing sequence of at "
                             f"least two finite times (min), got {edges.tolist()}")
        if t.min() < edges[0] or t.max() > edges[-1]:
            raise ValueError(f"bins: the edges [{edges[0]:g}, {edges[-1]:g}] min do not "
                             f"cover the observation times [{t.min():g}, {t.max():g}]")
    idx = np.clip(np.searchsorted(edges, t, side="right") - 1, 0, edges.size - 2)
    # renumber the bins that hold observations 0, 1, ...
    return np.unique(idx, return_inverse=True)[1]


# ---------------------------------------------------------------------------
# the visual predictive check
# ---------------------------------------------------------------------------
def vpc(fit, replicates: int = 200, *, seed: int = 0, bins=None,
        pi=(0.05, 0.5, 0.95), ci: float = 0.95) -> VPC:
    """Visual predictive check of a population fit.

    Parameters
    ----------
    fit : PopulationFit
        A population fit (``fit_model(method="foce" | "saem")``) carrying its
        estimation problem (``fit._problem``).  An individual fit
        (:class:`ModelFit`) is refused: it has no population distribution to
        simulate new subjects from.
    replicates : int
        Simulated replicates of the study (>= 2; 200 or more for stable
        intervals).
    seed : int
        Key of the replicates' random streams (``keyed_rng(seed, 0,
        PURPOSE_VPC, replicate)``).
    bins : None, "time", int or sequence of float
        Time bins, per output: ``"time"`` one bin per distinct observation
        time (nominal times); an int, that many bins with equal numbers of
        observations (quantiles of time); a sequence, bin edges (min) covering
        every observation time.  Default: ``"time"`` with at most 12 distinct
        times, else 8 quantile bins.
    pi : sequence of float
        The percentiles (fractions, increasing), default the 5th, 50th, 95th.
    ci : float
        Level of the simulated percentiles' intervals (default 0.95).

    Returns
    -------
    VPC
        ``.table`` (tidy: output, bin, time, n, pi, observed, sim_median,
        sim_lo, sim_hi, outside) and ``.observed`` (the data with ``bin``);
        draw it with :func:`endorphin.plot.vpc`.

    Notes
    -----
    One batched engine call per batch of replicates (up to 4096 lanes: a lane
    is a subject of a replicate, at ``log theta + eta``).  Observations are
    simulated with ``y = f + sqrt(a^2 + (b f)^2) eps`` (``fit.sigma``'s
    ``"additive"`` ``a`` and ``"proportional"`` ``b``), values left as they are
    (no censoring).
    """
    import pandas as pd
    if _kind(fit) == "individual":
        raise TypeError("vpc needs a population fit (fit_model(method='foce' or 'saem')): "
                        "an individual fit estimates each subject's parameters but no "
                        "population distribution (Omega) to simulate new subjects from")
    prob = _problem(fit)
    R = _positive_int("replicates", replicates, low=2)
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    pis = _check_pi(pi)
    ci = _fraction("ci", ci)
    log_typ, root, a, b = _population_parameters(fit, prob)
    data = prob.data
    times = data["time"].to_numpy()
    outputs = data["output"].to_numpy()
    bin_of = np.zeros(len(data), dtype=np.int64)
    for o in prob.outputs:
        sel = outputs == o
        bin_of[sel] = _bin_rows(times[sel], bins)

    # simulate the replicates, in batches of whole replicates
    N, M, P = prob.N, prob.M, prob.P
    ysim = np.empty((R, len(data)))
    batch = max(1, min(R, _VPC_LANES // N))
    failed = 0
    for r0 in range(0, R, batch):
        reps = range(r0, min(R, r0 + batch))
        eta, eps = [], []
        for r in reps:
            g = keyed_rng(seed, 0, PURPOSE_VPC, r)
            eta.append(g.standard_normal((N, P)) @ root.T)
            eps.append(g.standard_normal((N, M)))
        theta = log_typ + np.concatenate(eta)
        f = prob.simulate(theta, np.tile(np.arange(N), len(reps)))
        failed += int(np.isnan(f).all(axis=1).sum())
        f = f.reshape(len(reps), N, M)
        y = f + np.sqrt(a ** 2 + (b * f) ** 2) * np.stack(eps)      # combined error
        ysim[r0:r0 + len(reps)] = y[:, prob.sub_i, prob.pos]
    if failed == R * N:
        raise RuntimeError("vpc: every simulation failed; check the fit's parameters")
    if failed:
        warnings.warn(f"vpc: {failed} of {R * N} simulated subjects failed in the engine "
                      f"and are left out of the simulated percentiles", RuntimeWarning,
                      stacklevel=2)

    # percentiles per output and bin
    values = data["value"].to_numpy()
    q_lo, q_hi = (1 - ci) / 2, (1 + ci) / 2
    rows = []
    for o in prob.outputs:
        for k in np.unique(bin_of[outputs == o]):
            sel = np.flatnonzero((outputs == o) & (bin_of == k))
            obs = np.quantile(values[sel], pis)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                sim = np.nanquantile(ysim[:, sel], pis, axis=1)          # (pi, R)
                med = np.nanmedian(sim, axis=1)
                lo, hi = np.nanquantile(sim, [q_lo, q_hi], axis=1)
            t = times[sel]
            for j, p in enumerate(pis):
                rows.append((o, int(k), float(np.median(t)), float(t.min()), float(t.max()),
                             sel.size, p, obs[j], med[j], lo[j], hi[j]))
    table = pd.DataFrame(rows, columns=["output", "bin", "time", "time_lo", "time_hi", "n",
                                        "pi", "observed", "sim_median", "sim_lo", "sim_hi"])
    table["outside"] = (table["observed"] < table["sim_lo"]) | \
        (table["observed"] > table["sim_hi"])
    observed = data.copy()
    observed["bin"] = bin_of
    return VPC(table=table, observed=observed, pi=pis, ci=ci, replicates=R, seed=int(seed),
               failed=failed)


# ---------------------------------------------------------------------------
# profile likelihood
# ---------------------------------------------------------------------------
def _crossing(x, d, x_hat, z):
    """Where the signed root ``sqrt(delta)`` first reaches ``z`` walking from
    ``x_hat`` down (lower) and up (upper) the grid ``x`` (log values, sorted)
    with ``delta`` ``d``; linear in the signed root (exact for a quadratic
    profile).  NaN where the grid ends first."""
    thr = z * z
    out = []
    for side in (-1, 1):
        pts = [(x_hat, 0.0)] + sorted(((xi, di) for xi, di in zip(x, d)
                                       if side * (xi - x_hat) > 0 and np.isfinite(di)),
                                      key=lambda p: side * (p[0] - x_hat))
        found = np.nan
        for (x1, d1), (x2, d2) in zip(pts, pts[1:]):
            if d2 >= thr:
                s1, s2 = np.sqrt(max(d1, 0.0)), np.sqrt(d2)
                found = x2 if s2 == s1 else x1 + (z - s1) * (x2 - x1) / (s2 - s1)
                break
        out.append(found)
    return out


def profile(fit, name: str, values=None, *, points: int = 11, span: float = 3.0,
            level: float = 0.95) -> Profile:
    """Profile likelihood of one parameter, every subject of an individual fit.

    For each subject and each value ``v`` of the grid the parameter ``name`` is
    fixed at ``v`` and the other fitted parameters are re-optimised (the
    Levenberg-Marquardt of :func:`fit_model`, started at the subject's
    estimates; all subjects and values in one batched fit); ``ofv`` is the
    subject's ``-2 log L`` there (residual variance at its maximum-likelihood
    value, as :attr:`ModelFit.ofv`).

    Parameters
    ----------
    fit : ModelFit
        An individual fit (``fit_model(method="individual")``).  Population
        fits are refused for now (NotImplementedError).
    name : str
        One of the fitted parameters (``fit.params.columns``).
    values : array_like, optional
        The grid, natural scale (the parameter's units), positive: a 1-D
        sequence for every subject, or an array (subjects, K) in the order of
        ``fit.params.index``.  Default: per subject, ``points`` values
        ``theta exp(u se_log)`` with ``u`` evenly spaced in ``[-span, span]``
        (``se_log`` the fit's log-scale standard error; 0.1 where it is not
        available).
    points : int
        Grid size of the default grid (>= 3).
    span : float
        Half-width of the default grid in standard errors (> 0).
    level : float
        Level of the likelihood-based interval (``chi^2_1(level)`` above the
        minimum; 3.84 for 0.95).

    Returns
    -------
    Profile
        ``.table`` (subject, value, ofv, delta, converged), ``.interval``
        (estimate, lower, upper, wald_lower, wald_upper per subject); draw it
        with :func:`endorphin.plot.profile`.
    """
    import pandas as pd
    if _kind(fit) == "population":
        raise NotImplementedError(
            "profile of a population fit is not implemented yet: each point needs the "
            "population objective (the FOCE-I or SAEM -2 log L) re-optimised over the "
            "other typical values, Omega and sigma with the parameter fixed; profile the "
            "individual fits (fit_model(method='individual')) instead")
    prob = _problem(fit)
    if getattr(fit, "likelihood", "profiled") != "profiled":
        raise NotImplementedError(
            f"profile of an individual fit with error={fit.error!r}"
            f"{' and censored data' if getattr(fit, 'n_censored', 0) else ''} is not "
            f"implemented yet: it profiles the sum-of-squares objective of the "
            f"additive or proportional error model without censored rows")
    if not isinstance(name, str):
        raise TypeError(f"name must be a parameter name (str), got {name!r}")
    if name not in prob.names:
        raise ValueError(f"name: {name!r} is not a fitted parameter; "
                         f"{suggest(name, prob.names)}(fitted: {known(prob.names)})")
    level = _fraction("level", level)
    k = prob.names.index(name)
    N = prob.N
    theta_hat = np.asarray(fit._theta, dtype=np.float64)
    ok = np.isfinite(fit.params.to_numpy()).all(axis=1)
    if not ok.any():
        raise ValueError("fit: no subject has estimates to profile (every fit failed)")
    if values is None:
        points = _positive_int("points", points, low=3)
        if isinstance(span, bool) or not isinstance(span, (int, float, np.integer,
                                                           np.floating)) \
                or not np.isfinite(span) or span <= 0:
            raise ValueError(f"span must be a positive number of standard errors, got "
                             f"{span!r}")
        se = fit.stderr_log[name].to_numpy(dtype=np.float64)
        se = np.where(np.isfinite(se) & (se > 0), se, 0.1)
        grid = theta_hat[:, k, None] + np.linspace(-span, span, points)[None] * se[:, None]
    else:
        try:
            v = np.asarray(values, dtype=np.float64)
        except (TypeError, ValueError):
            raise TypeError(f"values must be numbers (natural scale), got "
                            f"{type(values).__name__}") from None
        if v.ndim == 1:
            v = np.tile(v, (N, 1))
        if v.ndim != 2 or v.shape[0] != N or v.shape[1] < 1:
            raise ValueError(f"values must be 1-D (every subject) or (subjects={N}, K), "
                             f"got shape {np.shape(values)}")
        bad = ~(np.isfinite(v) & (v > 0))
        if bad.any():
            raise ValueError(f"values must be positive and finite (the parameter is "
                             f"estimated on the log scale), got {v[bad][:3].tolist()}")
        grid = np.log(v)
    K = grid.shape[1]
    subs = np.flatnonzero(ok)
    lanes_subj = np.repeat(subs, K)
    theta0 = np.repeat(theta_hat[subs], K, axis=0)
    theta0[:, k] = grid[subs].ravel()
    opts = fit._options
    lm = levenberg_marquardt(prob, fit.error, theta0, lanes_subj, max_iter=opts["max_iter"],
                             ftol=opts["ftol"], xtol=opts["xtol"], step=opts["step"],
                             pinned=k)
    ofv = lane_ofv(prob, fit.error, lm["f"], lanes_subj)
    ofv[lm["failed"]] = np.nan
    ofv_hat = lane_ofv(prob, fit.error, prob.simulate(theta_hat[subs], subs), subs)
    delta = ofv - np.repeat(ofv_hat, K)
    converged = np.isin(lm["reason"].astype(str), CONVERGED)
    labels = prob.subjects[subs]
    table = pd.DataFrame({"subject": np.repeat(labels, K),
                          "value": np.exp(lm["theta"][:, k]), "ofv": ofv, "delta": delta,
                          "converged": converged})
    z = NormalDist().inv_cdf(0.5 + level / 2)
    bounds = np.array([_crossing(grid[i], delta[j * K:(j + 1) * K], theta_hat[i, k], z)
                       for j, i in enumerate(subs)])
    se_log = fit.stderr_log[name].to_numpy(dtype=np.float64)[subs]
    est = theta_hat[subs, k]
    interval = pd.DataFrame({"estimate": np.exp(est), "lower": np.exp(bounds[:, 0]),
                             "upper": np.exp(bounds[:, 1]),
                             "wald_lower": np.exp(est - z * se_log),
                             "wald_upper": np.exp(est + z * se_log)},
                            index=pd.Index(labels, name="subject"))
    open_ = int(np.isnan(bounds).sum())
    if open_:
        warnings.warn(f"profile: {open_} interval bound(s) of {name!r} lie beyond the grid "
                      f"(NaN in .interval); widen span or pass values", RuntimeWarning,
                      stacklevel=2)
    if not converged.all():
        warnings.warn(f"profile: {int((~converged).sum())} of {converged.size} "
                      f"re-optimisations did not converge (see .table['converged'])",
                      RuntimeWarning, stacklevel=2)
    return Profile(name=name, level=level, threshold=z * z, table=table, interval=interval)
