"""``fit_model(method="saem")``: stochastic approximation EM with MCMC.

The model (see :mod:`.population`): for subject ``i`` and fitted parameter
``k``, ``phi_ik = log theta_k + eta_ik`` with ``eta_i ~ N(0, Omega)``
(``Omega`` diagonal; a parameter whose omega^2 is 0 has no random effect,
``phi_ik = log theta_k``), and ``y_ij ~ N(f_ij, a^2 + (b f_ij)^2)``.

The algorithm (Delyon, Lavielle & Moulines 1999, Ann Stat 27:94,
doi:10.1214/aos/1018031103; Kuhn & Lavielle 2005, Comput Stat Data Anal
49:1020, doi:10.1016/j.csda.2004.07.002), iteration ``k = 1 .. K1 + K2``:

1. *Simulation* (E-step): Metropolis-Hastings kernels move ``chains`` Markov
   chains of every subject's ``eta_i`` towards its conditional distribution
   ``p(eta_i | y_i; theta_k)``.  Each kernel step is ONE batched engine call
   (:meth:`.Problem.simulate`) for all subjects and chains.  ``kernels =
   (m1, m2, m3)`` steps per iteration of (1) independent proposals from the
   prior ``N(0, Omega)``, (2) a random walk on the whole vector, ``eta + s2
   N(0, C_i)`` with ``C_i`` the chain's conditional covariance of the model
   linearised at its state, ``(J^T W J + Omega^-1)^-1`` (recomputed every 5
   iterations by forward differences, one engine call; Kuhn & Lavielle's
   kernel uses ``Omega``, which moves slowly along the ridge that a strongly
   correlated conditional distribution has, e.g. clearance and volume with
   their ratio well determined), (3) component-wise random walks, ``eta_k +
   s3_k omega_k N(0, 1)``, one engine call per component.  The scales ``s2, s3_k``
   adapt during the fit towards an acceptance rate of 0.4
   (``s <- s (1 + 0.4 (rate - 0.4))`` after each iteration).
2. *Stochastic approximation* of the complete-data sufficient statistics
   ``S1 = sum_i phi_i``, ``S2 = sum_i phi_i^2`` (parameters with a random
   effect) and the residual sum of squares (``sum (y - f)^2`` additive,
   ``sum ((y - f) / f)^2`` proportional), averaged over the chains:
   ``S <- S + gamma_k (s(phi^(k)) - S)`` with ``gamma_k = 1`` for ``k <= K1``
   (exploration) and ``1 / (k - K1)`` after (smoothing).
3. *Maximisation* in closed form: ``log theta = S1 / N``, ``omega^2 = S2 / N -
   (S1 / N)^2``, ``a^2 = SS / n`` or ``b^2 = SS / n`` (``n`` observations).
   ``error="combined"`` has no sufficient statistic: the (a, b) minimising the
   residual -2 log-likelihood at the current chains are found by Newton
   iterations on (log a^2, log b^2) and enter by the same stochastic
   approximation (``(a, b) <- (a, b) + gamma_k ((a, b)_new - (a, b))``).
   Parameters without a random effect are not in an exponential family with
   ``phi``; as Monolix optimises them in the M-step, each iteration takes one
   Fisher-scoring step on their log typical values for the chains' complete-
   data likelihood (forward differences, one engine call), weighted by
   ``gamma_k``, and re-simulates the chains' current state (a second call).
   The step is the typical values' part of the joint Fisher-scoring step in
   all log typical values with the chains' ``eta`` held (the non-centred
   complete data): holding the individual parameters ``phi`` instead would
   tie the typical value to the chains' current state and converge as slowly
   as EM does with much missing information.  Steps are limited to 0.1 on
   the log scale per iteration (early states are noisy).  Both have the maximum-likelihood
   estimate as fixed point (Fisher's identity).
4. *Simulated annealing* (``annealing=True``, the first ``K1 // 2``
   iterations): ``omega^2`` and the residual variance decrease at most by the
   factor 0.95 per iteration, which keeps the chains exploring early on.

After the ``K1 + K2`` iterations (a fixed number, as saemix and Monolix by
default: inspect ``fit.trajectory`` to judge convergence; ``converged`` only
says that every estimate is finite), with the estimates fixed:

* ``eta``: the conditional means ``E(eta_i | y_i)`` (and ``eta_sd`` the
  conditional SDs) from ``conditional`` further iterations of the kernels over
  all chains; ``individual`` = ``params * exp(eta)``.
* ``stderr``: by linearisation (Monolix's "linearization" method, here around
  the conditional means rather than the modes): with ``J_i = df / dphi`` at
  ``phi_i = log theta + E(eta_i | y_i)`` (central differences, one engine
  call), ``y_i`` is approximately ``N(m_i, V_i)`` with ``m_i = f_i -
  J_iR eta_i`` and ``V_i = J_iR Omega J_iR^T + diag(a^2 + b^2 f_i^2)``; the
  Fisher information of this Gaussian model in (log theta, omega^2, a, b) is
  ``sum_i dm^T V^-1 dm + tr(V^-1 dV_p V^-1 dV_q) / 2`` (the dependence of
  ``J`` on ``theta`` ignored; that of the residual variance on ``f``
  included).  Natural-scale SEs of the typical values by the delta method.
  ``ofv_linearization`` is ``-2 log L`` of the same linearised model.
* ``ofv``: ``-2 log L`` by importance sampling (Monolix's approach, the
  conditional distribution as proposal): for each subject ``is_samples``
  (default 500) draws ``eta^(m)`` from a multivariate Student t (5 degrees of
  freedom) centred at the conditional mean, with the conditional covariance of
  the linearised model, ``(J_iR^T diag(1 / (a^2 + b^2 f_i^2)) J_iR +
  Omega^-1)^-1`` (a smoother estimate than the few MCMC draws give), and
  ``L_i = mean_m p(y_i | eta^(m)) N(eta^(m); 0, Omega) / q_i(eta^(m))``;
  ``ofv_se`` is its Monte Carlo SD (delta method, ``var(w) / (M mean(w)^2)``
  per subject, summed).  ``is_samples=0`` skips it and reports the
  linearisation (``ofv_method``).

Randomness is keyed: every kernel step draws from
``endorphin._random.keyed_rng(seed, 0, PURPOSE_SAEM, stage, iteration,
kernel)`` (stage 0 SAEM, 1 conditional distribution, 2 importance sampling,
3 the 5 burn-in iterations of MCMC alone before the first M-step),
so a fit is reproducible from ``seed`` and does not depend on ``threads``.

Beyond :class:`.PopulationFit`'s attributes the result has ``seed`` (the one
used), ``chains``, ``eta_sd`` (conditional SDs), ``ofv_se``, ``ofv_method``
("importance sampling" or "linearization"), ``ofv_linearization``,
``trajectory`` (a DataFrame of the estimates per iteration: log typical
values, omega^2, residual SDs) and ``acceptance`` (mean acceptance rates of
the three kernels over the fit).
"""
from __future__ import annotations

import numbers

import numpy as np

from .._random import PURPOSE_SAEM, keyed_rng
from .._validate import suggest
from .population import PopulationFit, diagnostics
from .problem import Problem

__all__ = ["fit"]

ERRORS = ("additive", "proportional", "combined")
#: default iterations (K1 exploration, K2 smoothing)
ITERATIONS = (150, 100)
#: default initial omega^2 of parameters with a random effect (Monolix: omega = 1)
OMEGA0 = 1.0
_ANNEAL = 0.95
_TARGET = 0.4
_T_DF = 5.0
_STAGE_SAEM, _STAGE_COND, _STAGE_IS, _STAGE_BURN = 0, 1, 2, 3
#: largest step of a log typical value without IIV per iteration (the Fisher-scoring
#: step at an early, noisy state can be large)
_F_STEP = 0.1
#: iterations between updates of the whole-vector random walk's proposal covariance
_RW_REFRESH = 5
#: MCMC iterations before the first M-step (parameters held at their start)
_BURN_IN = 5


# ---------------------------------------------------------------------------
# argument checks
# ---------------------------------------------------------------------------
def _count(value, name, low):
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {value!r}")
    if value < low:
        raise ValueError(f"{name} must be an integer >= {low}, got {value!r}")
    return int(value)


def _check_options(error, max_iter, iterations, seed, chains, kernels, conditional,
                   is_samples, annealing, N):
    if not isinstance(error, str) or error not in ERRORS:
        raise ValueError(f"error must be one of {list(ERRORS)}, got {error!r}; "
                         f"{suggest(error, ERRORS)}".rstrip("; "))
    if iterations is not None:
        if isinstance(iterations, (str, bytes)) or not hasattr(iterations, "__len__") \
                or len(iterations) != 2:
            raise TypeError(f"iterations must be a pair (K1, K2) of integers (exploration, "
                            f"smoothing), got {iterations!r}")
        k1 = _count(iterations[0], "iterations[0] (K1, exploration)", 1)
        k2 = _count(iterations[1], "iterations[1] (K2, smoothing)", 1)
        if max_iter is not None and _count(max_iter, "max_iter", 2) != k1 + k2:
            raise ValueError(f"max_iter={max_iter!r} contradicts iterations={iterations!r} "
                             f"(K1 + K2 = {k1 + k2}); pass one of them")
    elif max_iter is not None:
        total = _count(max_iter, "max_iter", 2)
        k2 = max(1, round(total * ITERATIONS[1] / sum(ITERATIONS)))
        k1 = total - k2
    else:
        k1, k2 = ITERATIONS
    if seed is None:
        seed = int(np.random.SeedSequence().entropy % (2 ** 63))
    else:
        seed = _count(seed, "seed", 0)
    if chains is None:
        chains = max(1, -(-50 // N))
    chains = _count(chains, "chains", 1)
    if isinstance(kernels, (str, bytes)) or not hasattr(kernels, "__len__") \
            or len(kernels) != 3:
        raise TypeError(f"kernels must be three integers (steps per iteration of the "
                        f"prior, whole-vector and component-wise kernels), got {kernels!r}")
    kernels = tuple(_count(m, f"kernels[{j}]", 0) for j, m in enumerate(kernels))
    if sum(kernels) == 0:
        raise ValueError("kernels: at least one kernel step per iteration is needed, got "
                         "(0, 0, 0)")
    conditional = _count(conditional, "conditional", 1)
    is_samples = _count(is_samples, "is_samples", 0)
    if 0 < is_samples < 10:
        raise ValueError(f"is_samples must be 0 (no importance sampling) or >= 10, got "
                         f"{is_samples}")
    if not isinstance(annealing, (bool, np.bool_)):
        raise TypeError(f"annealing must be True or False, got {annealing!r}")
    return k1, k2, seed, chains, kernels, conditional, is_samples, bool(annealing)


def _check_omega(omega, names):
    """Initial omega^2 (P,); 0 = no random effect."""
    P = len(names)
    if omega is None:
        return np.full(P, OMEGA0)
    if isinstance(omega, numbers.Real) and not isinstance(omega, (bool, np.bool_)):
        v = float(omega)
        if not np.isfinite(v) or v <= 0:
            raise ValueError(f"omega must be a positive initial omega^2 (or a mapping "
                             f"parameter -> omega^2, 0 = no random effect), got {omega!r}")
        return np.full(P, v)
    if not hasattr(omega, "items"):
        raise TypeError(f"omega must be a number or a mapping parameter -> initial "
                        f"omega^2 (0: no between-subject variability), got "
                        f"{type(omega).__name__}")
    out = np.full(P, OMEGA0)
    for k, v in omega.items():
        if k not in names:
            raise ValueError(f"omega: {k!r} is not among the fitted parameters {names}; "
                             f"{suggest(k, names)}".rstrip("; "))
        if isinstance(v, (bool, np.bool_)) or not isinstance(v, numbers.Real):
            raise TypeError(f"omega: {k!r} must be a number (omega^2), got {v!r}")
        if not np.isfinite(v) or v < 0:
            raise ValueError(f"omega: {k!r} must be >= 0 (omega^2; 0 = no random "
                             f"effect), got {v!r}")
        out[names.index(k)] = float(v)
    if not (out > 0).any():
        raise ValueError("omega: every parameter has omega^2 = 0; a population fit needs "
                         "between-subject variability on at least one parameter (use "
                         "method='individual' or a pooled fit otherwise)")
    return out


# ---------------------------------------------------------------------------
# residual error
# ---------------------------------------------------------------------------
def _combined_argmin(r, f, a, b, n_iter=30):
    """(a, b) minimising sum log(a^2 + b^2 f^2) + r^2 / (a^2 + b^2 f^2) over the
    observations (r, f 1-D), by damped Newton on (log a^2, log b^2) from (a, b)."""
    f2 = f * f
    r2 = r * r

    def q(u):
        w = np.exp(u[0]) + np.exp(u[1]) * f2
        return np.sum(np.log(w) + r2 / w)

    u = np.log(np.array([max(a, 1e-12), max(b, 1e-12)]) ** 2)
    cur = q(u)
    for _ in range(n_iter):
        A = np.exp(u[0])
        B = np.exp(u[1]) * f2
        w = A + B
        q1 = 1.0 / w - r2 / w ** 2
        q2 = -1.0 / w ** 2 + 2.0 * r2 / w ** 3
        g = np.array([np.sum(q1 * A), np.sum(q1 * B)])
        H = np.array([[np.sum(q2 * A * A + q1 * A), np.sum(q2 * A * B)],
                      [np.sum(q2 * A * B), np.sum(q2 * B * B + q1 * B)]])
        try:
            ev = np.linalg.eigvalsh(H)
            step = -np.linalg.solve(H, g) if ev.min() > 1e-12 * max(abs(ev).max(), 1e-300) \
                else -g / max(abs(ev).max(), 1.0)
        except np.linalg.LinAlgError:
            step = -g
        step = np.clip(step, -2.0, 2.0)
        t = 1.0
        while t > 1e-4:
            new = np.clip(u + t * step, -60.0, 60.0)
            val = q(new)
            if np.isfinite(val) and val <= cur:
                break
            t *= 0.5
        else:
            break
        done = abs(cur - val) <= 1e-12 * (abs(cur) + 1)
        u, cur = new, val
        if done:
            break
    return float(np.sqrt(np.exp(u[0]))), float(np.sqrt(np.exp(u[1])))


# ---------------------------------------------------------------------------
# the fit
# ---------------------------------------------------------------------------
def fit(data, scenario, parameters, *, error="additive", initial=None, max_iter=None,
        rtol=1e-8, atol=1e-12, threads=None, omega=None, seed=None, iterations=None,
        chains=None, kernels=(1, 1, 1), annealing=True, conditional=50, is_samples=500,
        doses=None):
    """Population fit by SAEM (see the module docstring for the algorithm).

    Parameters
    ----------
    data, scenario, parameters, initial, rtol, atol, threads
        As :func:`endorphin.fit_model`.
    error : {"additive", "proportional", "combined"}
        ``a`` (output units), ``b`` (a fraction) or both.
    max_iter : int, optional
        Total iterations ``K1 + K2`` (split 3:2 like the default) when
        ``iterations`` is not given.
    omega : float or mapping, optional
        Initial omega^2: one number for every parameter, or a mapping
        parameter -> omega^2 (others 1.0, Monolix's default omega = 1); a
        parameter mapped to 0 has no between-subject variability (its typical
        value is estimated in the M-step).
    seed : int >= 0, optional
        Key of every random draw; None draws a fresh one (kept in
        ``fit.seed``).
    iterations : (int, int)
        ``(K1, K2)``: exploration (step 1) and smoothing (step ``1/(k - K1)``)
        iterations; default (150, 100).
    chains : int, optional
        Markov chains per subject (default ``ceil(50 / N)``).
    kernels : (int, int, int)
        Steps per iteration of the prior, whole-vector random-walk and
        component-wise random-walk kernels (default (1, 1, 1): each step is
        one engine call, the component-wise kernel one per parameter).
    annealing : bool
        Simulated annealing of omega^2 and the residual variance during the
        first ``K1 // 2`` iterations (default True).
    conditional : int
        Iterations (each with all kernels and chains) sampling the conditional
        distributions after the fit, for ``eta`` (conditional means), ``eta_sd``
        and the importance-sampling proposal (default 50).
    is_samples : int
        Importance-sampling draws per subject for ``ofv`` (default 500; 0:
        ``ofv`` by linearisation).
    doses : pandas.DataFrame, optional
        Per-subject doses for a tidy ``data`` (as :func:`endorphin.fit_model`).

    Returns
    -------
    PopulationFit
    """
    import pandas as pd
    if scenario.pulses:
        raise ValueError("scenario: fitting needs a deterministic model; the scenario has "
                         "random pituitary pulses: pass Scenario(..., pulses=False)")
    for name, v in (("rtol", rtol), ("atol", atol)):
        if isinstance(v, bool) or not isinstance(v, numbers.Real) or not np.isfinite(v) \
                or v <= 0:
            raise ValueError(f"{name} must be a positive number, got {v!r}")
    prob = Problem(data, scenario, parameters, initial, rtol=rtol, atol=atol,
                   threads=threads, doses=doses)
    K1, K2, seed, C, kernels, n_cond, n_is, annealing = _check_options(
        error, max_iter, iterations, seed, chains, kernels, conditional, is_samples,
        annealing, prob.N)
    omega2 = _check_omega(omega, prob.names)
    N, M, P = prob.N, prob.M, prob.P
    Y, mask = prob.Y, prob.mask
    n_tot = float(mask.sum())
    R = np.flatnonzero(omega2 > 0)          # parameters with a random effect
    F = np.flatnonzero(omega2 == 0)         # without
    nR = R.size
    L = C * N
    subj = np.tile(np.arange(N), C)          # lane l = chain * N + subject
    Yl, maskl = Y[subj], mask[subj]
    mu = np.log(prob.start)
    om2 = omega2[R].copy()
    use_a, use_b = error in ("additive", "combined"), error in ("proportional", "combined")

    def simulate(eta):
        th = np.empty((eta.shape[0], P))
        th[:, F] = mu[F]
        th[:, R] = mu[R] + eta
        return prob.simulate(th, subj)

    # starting point: eta = 0, residual SDs from the typical predictions
    f0 = prob.simulate(np.tile(mu, (N, 1)), np.arange(N))
    bad = ~np.isfinite(np.where(mask, f0, 0.0)).all(axis=1)
    if bad.any():
        raise ValueError(f"the engine failed at the starting values for subject(s) "
                         f"{list(prob.subjects[bad][:5])}; pass other initial= values")
    with np.errstate(divide="ignore", invalid="ignore"):
        rms_a = float(np.sqrt(np.sum(np.where(mask, Y - f0, 0.0) ** 2) / n_tot))
        rel = np.where(mask & (f0 != 0), (Y - f0) / f0, 0.0)
        rms_b = float(np.sqrt(np.sum(rel ** 2) / n_tot))
    a = max(rms_a, 1e-8 * (np.abs(Y[mask]).max() + 1e-300)) if use_a else 0.0
    b = min(max(rms_b, 0.05), 1.0) if use_b else 0.0
    if error == "combined":
        a *= 0.5
        b *= 0.5

    def loglik(f, y, m, a, b):
        """sum over observations of log N(y; f, a^2 + b^2 f^2) without 2 pi (lanes)."""
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            g2 = a * a + (b * f) ** 2
            t = np.where(m, (y - f) ** 2 / g2 + np.log(g2), 0.0)
            ll = -0.5 * t.sum(axis=1)
        ll[~np.isfinite(ll)] = -np.inf
        return ll

    # chains' state
    eta = np.zeros((L, nR))
    f = np.tile(f0, (C, 1))
    ll = loglik(f, Yl, maskl, a, b)
    s2 = 1.0                                   # whole-vector random-walk scale
    rw_chol = None                             # its per-lane proposal Cholesky factor
    s3 = np.full(nR, 1.0)                      # component-wise scales
    acc_sum = np.zeros(3)
    acc_n = np.zeros(3)

    def mcmc(stage, it, eta, f, ll, s2, s3, adapt):
        sd = np.sqrt(om2)
        key = 0
        rates2, rates3 = [], [[] for _ in range(nR)]

        def step(prop, log_prior_ratio, kind):
            nonlocal eta, f, ll, key
            rng = keyed_rng(seed, 0, PURPOSE_SAEM, stage, it, key)
            key += 1
            u = np.log(rng.random(L))
            fp = simulate(prop)
            llp = loglik(fp, Yl, maskl, a, b)
            ok = u < llp - ll + log_prior_ratio
            ok &= np.isfinite(llp)
            eta = np.where(ok[:, None], prop, eta)
            f = np.where(ok[:, None], fp, f)
            ll = np.where(ok, llp, ll)
            acc_sum[kind] += ok.mean()
            acc_n[kind] += 1
            return ok.mean()

        def draws():
            return keyed_rng(seed, 0, PURPOSE_SAEM, stage, it, 1000 + key).standard_normal(
                (L, nR))

        def lprior(e):
            return -0.5 * np.sum(e * e / om2, axis=1)

        for _ in range(kernels[0]):
            prop = draws() * sd
            step(prop, 0.0, 0)
        for _ in range(kernels[1]):
            prop = eta + s2 * np.einsum("lrs,ls->lr", rw_chol, draws())
            rates2.append(step(prop, lprior(prop) - lprior(eta), 1))
        for _ in range(kernels[2]):
            for j in range(nR):
                z = draws()[:, 0]
                prop = eta.copy()
                prop[:, j] += s3[j] * sd[j] * z
                rates3[j].append(step(prop, lprior(prop) - lprior(eta), 2))
        if adapt:
            if rates2:
                s2 *= 1.0 + 0.4 * (np.mean(rates2) - _TARGET)
            for j in range(nR):
                if rates3[j]:
                    s3[j] *= 1.0 + 0.4 * (np.mean(rates3[j]) - _TARGET)
        return eta, f, ll, s2, s3

    def laplace_chol():
        """Cholesky factors (L, nR, nR) of the chains' conditional covariances of
        eta linearised at their current state, (J^T W J + Omega^-1)^-1 (forward
        differences, one engine call): the whole-vector random walk's proposal,
        which follows the ridges a strongly correlated posterior has."""
        base = np.empty((L, P))
        base[:, F] = mu[F]
        base[:, R] = mu[R] + eta
        lanes = np.repeat(base[None], nR, axis=0)
        for j, p in enumerate(R):
            lanes[j, :, p] += 1e-4
        fp = prob.simulate(lanes.reshape(-1, P), np.tile(subj, nR)).reshape(nR, L, M)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            J = np.where(np.isfinite(fp), (fp - f[None]) / 1e-4, 0.0)
            g2 = a * a + (b * f) ** 2
            w = np.where(maskl, 1.0 / g2 + 2.0 * (b * b * f) ** 2 / g2 ** 2, 0.0)
        w = np.where(np.isfinite(w), w, 0.0)
        prec = np.einsum("jlm,lm,klm->ljk", J, w, J) + np.diag(1.0 / om2)[None]
        try:
            return np.linalg.cholesky(np.linalg.inv(prec))
        except np.linalg.LinAlgError:
            return np.broadcast_to(np.diag(np.sqrt(om2)), (L, nR, nR)).copy()

    def refresh_ll():
        nonlocal ll
        ll = loglik(f, Yl, maskl, a, b)

    S1 = np.zeros(nR)
    S2 = np.zeros(nR)
    SS = 0.0
    n_iter = K1 + K2
    if kernels[1]:
        rw_chol = laplace_chol()
    for k in range(1, _BURN_IN + 1):           # MCMC only, parameters held (as saemix)
        eta, f, ll, s2, s3 = mcmc(_STAGE_BURN, k, eta, f, ll, s2, s3, True)
    traj = np.empty((n_iter, P + nR + int(use_a) + int(use_b)))
    h = 1e-4
    for k in range(1, n_iter + 1):
        if kernels[1] and k % _RW_REFRESH == 1:
            rw_chol = laplace_chol()
        eta, f, ll, s2, s3 = mcmc(_STAGE_SAEM, k, eta, f, ll, s2, s3, True)
        gamma = 1.0 if k <= K1 else 1.0 / (k - K1)
        phi = mu[R] + eta
        S1 += gamma * (phi.sum(axis=0) / C - S1)
        S2 += gamma * ((phi * phi).sum(axis=0) / C - S2)
        new_mu = S1 / N
        new_om2 = np.maximum(S2 / N - new_mu ** 2, 1e-10)
        if annealing and k <= K1 // 2:
            new_om2 = np.maximum(new_om2, _ANNEAL * om2)
        # the chains' state is phi: eta is re-centred on the new typical values
        eta -= new_mu - mu[R]
        mu[R], om2 = new_mu, new_om2
        # residual error
        r = np.where(maskl, Yl - f, 0.0)
        if error == "additive":
            SS += gamma * (np.sum(r * r) / C - SS)
            na = np.sqrt(SS / n_tot)
            if annealing and k <= K1 // 2:
                na = max(na, np.sqrt(_ANNEAL) * a)
            a = na
        elif error == "proportional":
            with np.errstate(divide="ignore", invalid="ignore"):
                q = np.where(maskl, r / f, 0.0)
            SS += gamma * (np.sum(q * q) / C - SS)
            nb = np.sqrt(SS / n_tot)
            if annealing and k <= K1 // 2:
                nb = max(nb, np.sqrt(_ANNEAL) * b)
            b = nb
        else:
            na, nb = _combined_argmin(r[maskl], f[maskl], a, b)
            na, nb = a + gamma * (na - a), b + gamma * (nb - b)
            if annealing and k <= K1 // 2:
                na, nb = max(na, np.sqrt(_ANNEAL) * a), max(nb, np.sqrt(_ANNEAL) * b)
            a, b = na, nb
        if F.size:
            # one Fisher-scoring step on the typical values without random effect
            lanes = np.empty((P * L, P))
            base = np.empty((L, P))
            base[:, F] = mu[F]
            base[:, R] = mu[R] + eta
            for p in range(P):
                lanes[p * L:(p + 1) * L] = base
                lanes[p * L:(p + 1) * L, p] += h
            fp = prob.simulate(lanes, np.tile(subj, P)).reshape(P, L, M)
            J = (fp - f[None]) / h                            # (P, L, M)
            with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
                g2 = a * a + (b * f) ** 2
                dg2 = 2 * b * b * f
                res = Yl - f
                d1 = np.where(maskl, -2 * res / g2 - res ** 2 * dg2 / g2 ** 2 + dg2 / g2, 0.0)
                wt = np.where(maskl, 2.0 / g2 + dg2 ** 2 / g2 ** 2, 0.0)
            J = np.where(np.isfinite(J), J, 0.0)
            grad = np.einsum("jlm,lm->j", J, d1) / C
            H = np.einsum("jlm,lm,klm->jk", J, wt, J) / C
            try:
                delta = -np.linalg.solve(H, grad)[F]
            except np.linalg.LinAlgError:
                delta = np.zeros(F.size)
            if np.isfinite(delta).all():
                mu[F] += gamma * np.clip(delta, -_F_STEP, _F_STEP)
            f = simulate(eta)
        refresh_ll()
        bad = ~np.isfinite(ll)
        if bad.any():
            raise ValueError(f"SAEM: the engine failed for {int(bad.sum())} chain state(s) "
                             f"at iteration {k}; check the parameters, initial= and the data")
        traj[k - 1] = np.concatenate([mu, om2, [a] if use_a else [], [b] if use_b else []])

    # conditional distributions at the estimates
    sum_e = np.zeros((L, nR))
    sum_e2 = np.zeros((L, nR))
    if kernels[1]:
        rw_chol = laplace_chol()
    for k in range(1, n_cond + 1):
        eta, f, ll, s2, s3 = mcmc(_STAGE_COND, k, eta, f, ll, s2, s3, False)
        sum_e += eta
        sum_e2 += eta * eta
    cnt = n_cond * C
    e_mean = sum_e.reshape(C, N, nR).sum(axis=0) / cnt
    e_var = sum_e2.reshape(C, N, nR).sum(axis=0) / cnt - e_mean ** 2
    e_sd = np.sqrt(np.maximum(e_var, 0.0))

    # linearisation around the conditional means: Jacobian df/dphi (N, M, P)
    phi_hat = np.tile(mu, (N, 1))
    phi_hat[:, R] += e_mean
    step_d = 1e-3
    pts = np.repeat(phi_hat[:, None, :], 2 * P + 1, axis=1)
    for p in range(P):
        pts[:, 1 + 2 * p, p] += step_d
        pts[:, 2 + 2 * p, p] -= step_d
    fj = prob.simulate(pts.reshape(-1, P), np.repeat(np.arange(N), 2 * P + 1)).reshape(
        N, 2 * P + 1, M)
    f_hat = fj[:, 0]
    Jac = ((fj[:, 1::2] - fj[:, 2::2]) / (2 * step_d)).transpose(0, 2, 1)
    m3 = mask[:, :, None]
    Jac = np.where(m3, Jac, 0.0)
    fh = np.where(mask, f_hat, 0.0)
    JR = Jac[:, :, R]
    sig2 = np.where(mask, a * a + (b * fh) ** 2, 1.0)
    V = np.einsum("imr,r,inr->imn", JR, om2, JR) + sig2[:, :, None] * np.eye(M)
    Vinv = np.linalg.inv(V)
    # parameters of the information: log theta (P), omega^2 (R), a, b
    dm = [Jac[:, :, p] for p in range(P)]
    dV = []
    for p in range(P):
        dV.append(np.where(mask, 2 * b * b * fh * Jac[:, :, p], 0.0)[:, :, None]
                  * np.eye(M))
    zero_m = np.zeros((N, M))
    for j in range(nR):
        dm.append(zero_m)
        dV.append(JR[:, :, j, None] * JR[:, None, :, j])
    if use_a:
        dm.append(zero_m)
        dV.append(np.where(mask, 2 * a, 0.0)[:, :, None] * np.eye(M))
    if use_b:
        dm.append(zero_m)
        dV.append(np.where(mask, 2 * b * fh ** 2, 0.0)[:, :, None] * np.eye(M))
    Q = len(dm)
    VdV = [Vinv @ d for d in dV]
    info = np.empty((Q, Q))
    for p in range(Q):
        for q in range(p, Q):
            v = np.einsum("im,imn,in->", dm[p], Vinv, dm[q]) + \
                0.5 * np.einsum("imn,inm->", VdV[p], VdV[q])
            info[p, q] = info[q, p] = v
    se = np.full(Q, np.nan)
    if np.isfinite(info).all():
        try:
            cov = np.linalg.inv(info)
            d = np.diag(cov)
            se = np.sqrt(np.where(d >= 0, d, np.nan))
        except np.linalg.LinAlgError:
            pass
    resid = np.where(mask, Y - fh + np.einsum("imr,ir->im", JR, e_mean), 0.0)
    _, logdet = np.linalg.slogdet(V)
    ofv_lin = float(np.sum(logdet + np.einsum("im,imn,in->i", resid, Vinv, resid))
                    + n_tot * np.log(2 * np.pi))

    # importance sampling
    ofv_se = np.nan
    if n_is > 0:
        # proposal: multivariate t (5 df) at the conditional means, with the
        # conditional covariance of the linearised model (Laplace)
        prec = np.einsum("imr,im,ims->irs", JR, np.where(mask, 1.0 / sig2, 0.0), JR) \
            + np.diag(1.0 / om2)[None]
        chol = np.linalg.cholesky(np.linalg.inv(prec))            # (N, nR, nR)
        log_det_c = np.sum(np.log(np.diagonal(chol, axis1=1, axis2=2)), axis=1)
        logw = np.empty((N, n_is))
        per = max(1, 20000 // N)
        from math import lgamma
        t_norm = lgamma((_T_DF + nR) / 2) - lgamma(_T_DF / 2) \
            - 0.5 * nR * np.log(_T_DF * np.pi)
        for blk, lo in enumerate(range(0, n_is, per)):
            m = min(per, n_is - lo)
            rng = keyed_rng(seed, 0, PURPOSE_SAEM, _STAGE_IS, blk)
            z = rng.standard_normal((m, N, nR))
            chi = rng.chisquare(_T_DF, size=(m, N, 1))
            z = z * np.sqrt(_T_DF / chi)                  # standard multivariate t
            e = e_mean[None] + np.einsum("irs,mis->mir", chol, z)
            th = np.tile(mu, (m * N, 1))
            th[:, R] += e.reshape(-1, nR)
            s_l = np.tile(np.arange(N), m)
            fi = prob.simulate(th, s_l)
            lly = loglik(fi, Y[s_l], mask[s_l], a, b).reshape(m, N)
            lp = (-0.5 * np.sum(e * e / om2, axis=2)
                  - 0.5 * np.sum(np.log(2 * np.pi * om2)))
            lq = t_norm - 0.5 * (_T_DF + nR) * np.log1p(np.sum(z * z, axis=2) / _T_DF) \
                - log_det_c[None]
            logw[:, lo:lo + m] = (lly + lp - lq).T
        top = logw.max(axis=1, keepdims=True)
        w = np.exp(logw - top)
        mw = w.mean(axis=1)
        log_li = top[:, 0] + np.log(mw)
        # the 2 pi of the observations, per subject
        log_li = log_li - 0.5 * prob.n_obs * np.log(2 * np.pi)
        ofv = float(-2 * np.sum(log_li))
        var_log = w.var(axis=1) / (n_is * mw ** 2)
        ofv_se = float(2 * np.sqrt(np.sum(var_log)))
        ofv_method = "importance sampling"
    else:
        ofv = ofv_lin
        ofv_method = "linearization"

    # PRED, IPRED, RES, IWRES, CWRES (around the conditional means)
    f_pred = prob.simulate(np.tile(mu, (N, 1)), np.arange(N))
    diag = diagnostics(Y, mask, f_pred, f_hat, JR, e_mean, np.diag(om2), a, b)

    # results
    names = prob.names
    idx = pd.Index(prob.subjects, name="subject")
    theta = np.exp(mu)
    params = pd.Series(theta, index=names, name="estimate")
    om_full = np.zeros(P)
    om_full[R] = om2
    omega_s = pd.Series(om_full, index=names, name="omega2")
    sig_names = (["additive"] if use_a else []) + (["proportional"] if use_b else [])
    sig_vals = ([a] if use_a else []) + ([b] if use_b else [])
    sigma = pd.Series(sig_vals, index=sig_names, name="sigma", dtype=float)
    eta_full = np.zeros((N, P))
    eta_full[:, R] = e_mean
    sd_full = np.zeros((N, P))
    sd_full[:, R] = e_sd
    se_names = list(names) + [f"omega2:{names[r]}" for r in R] + \
        [f"sigma:{s}" for s in sig_names]
    se_vals = se.copy()
    se_vals[:P] = theta * se[:P]
    traj_cols = [f"log:{n}" for n in names] + [f"omega2:{names[r]}" for r in R] + \
        [f"sigma:{s}" for s in sig_names]
    est = np.concatenate([theta, om2, sig_vals])
    return PopulationFit(
        method="saem", error=error, params=params, omega=omega_s,
        omega_matrix=pd.DataFrame(np.diag(om_full), index=names, columns=names),
        sigma=sigma,
        eta=pd.DataFrame(eta_full, index=idx, columns=names),
        eta_sd=pd.DataFrame(sd_full, index=idx, columns=names),
        individual=pd.DataFrame(theta * np.exp(eta_full), index=idx, columns=names),
        stderr=pd.Series(se_vals, index=se_names, name="stderr"),
        ofv=ofv, ofv_se=ofv_se, ofv_method=ofv_method, ofv_linearization=ofv_lin,
        converged=bool(np.isfinite(est).all()), iterations=n_iter, seed=seed, chains=C,
        trajectory=pd.DataFrame(traj, index=pd.RangeIndex(1, n_iter + 1, name="iteration"),
                                columns=traj_cols),
        acceptance=pd.Series(acc_sum / np.maximum(acc_n, 1),
                             index=["prior", "random walk", "component-wise"],
                             name="acceptance"),
        _data=prob.data, _problem=prob,
        _diagnostics={k: prob.rows(v) for k, v in diag.items()})
