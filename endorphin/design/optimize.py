"""Optimal sampling times (:func:`optimize`), the number of samples by cost
(:func:`choose_samples`) and the number of subjects for a target RSE
(:func:`n_subjects`).

Criteria.  ``"D"``: maximise ``log det FIM`` at the typical values.  ``"ED"``:
maximise its expectation over uncertain typical values, ``E[log det FIM(theta)]``
with ``theta_i = theta_i0 exp(u_i)``, ``u_i ~ N(0, log(1 + cv_i^2))`` (a log-normal
prior of coefficient of variation ``cv_i``), by Gauss-Hermite quadrature (a tensor
product of ``nodes`` points per uncertain parameter; deterministic, no random draws).

Algorithm.  (1) The sensitivities of the output at every allowed time of the grid,
at every quadrature node, come from ONE batched engine run; any subset of the grid
is then a design whose FIM needs no simulation.  (2) Coordinate exchange on the
grid (Meyer & Nachtsheim, Technometrics 37:60-69, 1995):
each sample in turn is moved to the allowed time (not already in the design) that
most improves the criterion, until a full pass changes nothing.  A singular start
is replaced by a greedy build on a ridge-regularised criterion.  (3) With
``bounds``, a local optimiser (``scipy.optimize.minimize``, L-BFGS-B within the
bounds) from the exchange's design; each step is one engine run at the times and
``t_i +- delta`` (``delta = 1e-3`` of the bounds' width) that gives the criterion
and its central-difference gradient.  With ``min_gap > 0`` both stages keep the
samples that far apart (the local stage by SLSQP with the linear constraints
``t_(i+1) - t_i >= min_gap``).
"""
from __future__ import annotations

import math
import time as _time
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from .._validate import choice, integer, real
from .fim import (DesignResult, check_error, check_lloq, check_scenario,
                  check_times, parameter_labels, Setup, evaluate, fo_fim)

__all__ = ["OptimalDesign", "SampleChoice", "optimize", "choose_samples", "n_subjects"]

#: Default number of allowed times on a grid spread over ``bounds``.
GRID_POINTS = 41
#: Time step of the local optimiser's gradient, as a fraction of the bounds' width.
DELTA = 1e-3
#: Largest number of quadrature nodes of the ED criterion.
MAX_NODES = 1000


class _Singular(ValueError):
    """No design on the grid identifies every parameter."""


@dataclass(frozen=True)
class OptimalDesign:
    """What :func:`optimize` returns.

    Attributes
    ----------
    times : ndarray (n_samples,)
        The optimal sampling times, min, sorted.
    rse : pandas.Series
        The design's RSEs, percent, at the typical values (as :func:`evaluate`).
    log_det : float
        ``log det FIM`` at the typical values.
    value : float
        The criterion's value: ``log_det`` (``"D"``) or ``E[log det FIM]`` (``"ED"``).
    efficiency : float or None
        Against ``reference``: ``exp((value - value_ref) / K)``, K the FIM's size
        (the D-efficiency; > 1: the optimum is better).  None without a reference.
    history : pandas.DataFrame
        One row per step: ``stage`` ("start", "exchange", "local"), ``step``,
        ``value`` and ``times``.
    design : DesignResult
        :func:`evaluate` at the optimal times.
    criterion : str
    seconds : float
        Wall time of the optimisation.
    engine_runs : int
        Batched engine runs used.
    """
    times: np.ndarray
    rse: object
    log_det: float
    value: float
    efficiency: float | None
    history: object
    design: DesignResult
    criterion: str
    seconds: float
    engine_runs: int

    def __repr__(self) -> str:
        eff = "" if self.efficiency is None else f", efficiency={self.efficiency:.4g}"
        return (f"OptimalDesign({self.criterion}, times=[{', '.join(f'{t:.4g}' for t in self.times)}]"
                f" min, log_det={self.log_det:.5g}{eff}, {self.seconds:.2g} s)")


class _Crit:
    """The criterion of any subset of candidate times, from precomputed
    sensitivities ``mu`` (Q, G), ``S`` (Q, G, P), ``Hs`` (Q, P, P, G)."""

    def __init__(self, setup: Setup, err, kind: str, lloq, n: int, offsets, weights):
        self.s, self.err, self.kind, self.lloq, self.n = setup, err, kind, lloq, n
        self.offsets, self.weights = offsets, weights
        _, values = parameter_labels(setup, err)
        self.K = values.size
        self.P = setup.P
        # FIM scaling by the parameter values at each node (log det shifts by a constant)
        self.D = []
        for q in range(offsets.shape[0]):
            v = values.copy()
            v[:self.P] = setup.theta * np.exp(offsets[q])
            self.D.append(np.abs(v))

    def value(self, mu, S, Hs, idx, ridge: float = 0.0) -> float:
        total = 0.0
        for q in range(self.offsets.shape[0]):
            theta = self.s.theta * np.exp(self.offsets[q])
            try:
                F = self.n * fo_fim(mu[q, idx], S[q][idx], theta, self.s.omega2,
                                    self.err.proportional ** 2, self.err.additive ** 2,
                                    Hs=None if Hs is None else Hs[q][:, :, idx],
                                    full=self.kind == "full", lloq=self.lloq)
            except np.linalg.LinAlgError:
                # a sample with no variance at all (proportional error where the
                # prediction is 0, e.g. before a dose is absorbed): not a design
                return -math.inf
            D = self.D[q]
            Fs = F * np.outer(D, D)
            if ridge:
                Fs = Fs + ridge * max(np.trace(Fs) / self.K, 1e-300) * np.eye(self.K)
            if not np.all(np.isfinite(Fs)):
                return -math.inf
            w = np.linalg.eigvalsh(Fs)
            # singular as evaluate judges it (the scaled FIM's eigenvalue ratio)
            if not w[0] > 1e-10 * max(w[-1], np.finfo(float).tiny):
                return -math.inf
            ld = float(np.sum(np.log(w)))
            total += self.weights[q] * (ld - 2.0 * np.log(D).sum())
        return float(total)


def _prior(prior, criterion: str, names: list, nodes: int):
    """Quadrature offsets (Q, P) in log p and weights (Q,)."""
    P = len(names)
    if criterion == "D":
        if prior is not None:
            raise ValueError("prior is the parameter uncertainty of criterion='ED'; "
                             "criterion='D' takes none")
        return np.zeros((1, P)), np.ones(1)
    if not isinstance(prior, Mapping) or not prior:
        raise ValueError("criterion='ED' needs prior={name: cv}: the coefficients of "
                         "variation of the uncertain typical values (log-normal)")
    cols, sd = [], []
    for k, cv in prior.items():
        if k not in names:
            raise ValueError(f"prior: {k!r} is not one of the design parameters "
                             f"{', '.join(map(repr, names))}")
        cv = real(cv, f"prior[{k!r}] (cv)", low=0.0, low_open=True)
        cols.append(names.index(k))
        sd.append(math.sqrt(math.log1p(cv * cv)))
    nodes = integer(nodes, "nodes", low=2, high=20)
    if nodes ** len(cols) > MAX_NODES:
        raise ValueError(f"nodes: {nodes}^{len(cols)} quadrature points exceed "
                         f"{MAX_NODES}; use fewer nodes or fewer uncertain parameters")
    x, w = np.polynomial.hermite_e.hermegauss(nodes)       # weight exp(-x^2 / 2)
    w = w / w.sum()
    grids = np.meshgrid(*([x] * len(cols)), indexing="ij")
    wg = np.meshgrid(*([w] * len(cols)), indexing="ij")
    Q = nodes ** len(cols)
    offsets = np.zeros((Q, P))
    for j, c in enumerate(cols):
        offsets[:, c] = grids[j].ravel() * sd[j]
    weights = np.prod([g.ravel() for g in wg], axis=0)
    return offsets, weights


def _grid_and_bounds(scenario, n_samples: int, bounds, grid):
    if bounds is None and grid is None:
        raise ValueError("give bounds=(lo, hi) (min) or grid= (the allowed times)")
    lo = hi = None
    if bounds is not None:
        if (not isinstance(bounds, (tuple, list, np.ndarray)) or len(bounds) != 2):
            raise ValueError(f"bounds must be (lo, hi) in min, got {bounds!r}")
        lo = real(bounds[0], "bounds[0]", unit="min")
        hi = real(bounds[1], "bounds[1]", unit="min")
        if not 0.0 <= lo < hi <= scenario.t_end:
            raise ValueError(f"bounds must satisfy 0 <= lo < hi <= t_end = "
                             f"{scenario.t_end:g} min (within the scenario), got "
                             f"({lo:g}, {hi:g})")
    if grid is None or (isinstance(grid, int) and not isinstance(grid, bool)):
        if bounds is None:
            raise ValueError("grid given as a number of points needs bounds=(lo, hi)")
        if grid is None:
            # evenly spaced times plus times spaced evenly in log(t - lo): the early
            # minutes after a dose or a stimulus often carry the information (an
            # absorption rate) and an even grid alone steps over them
            g = np.concatenate([np.linspace(lo, hi, GRID_POINTS),
                                lo + np.geomspace(1e-3 * (hi - lo), hi - lo, GRID_POINTS)])
        else:
            g = np.linspace(lo, hi, integer(grid, "grid", low=2, high=10**5))
    else:
        g = check_times(grid, scenario, "grid")
        if bounds is not None and (g.min() < lo or g.max() > hi):
            raise ValueError(f"grid must lie within bounds ({lo:g}, {hi:g}) min")
    g = np.unique(g)
    if g.size < n_samples:
        raise ValueError(f"grid has {g.size} distinct allowed times, fewer than "
                         f"n_samples = {n_samples}; give a finer grid or fewer samples")
    return g, lo, hi


def _exchange(crit: _Crit, mu, S, Hs, m: int, history: list, grid: np.ndarray,
              gap: float) -> np.ndarray:
    G = mu.shape[1]
    tol = 1e-9 * max(1.0, float(np.abs(grid).max()))

    def fits(g, others) -> bool:
        return all(g != o and abs(grid[g] - grid[o]) >= gap - tol for o in others)

    idx = np.unique(np.round(np.linspace(0, G - 1, m)).astype(int))
    if idx.size < m or not all(fits(idx[i], np.delete(idx, i)) for i in range(m)):
        first: list = []                               # first fit from the left
        for g in range(G):
            if fits(g, first):
                first.append(g)
            if len(first) == m:
                break
        if len(first) < m:
            raise ValueError(f"min_gap = {gap:g} min leaves fewer than n_samples = {m} "
                             f"allowed times on the grid; lower it or widen the bounds")
        idx = np.array(first)
    best = crit.value(mu, S, Hs, idx)
    if not np.isfinite(best):
        # greedy build on a ridge-regularised criterion
        chosen: list = []
        for _ in range(m):
            cand = [g for g in range(G) if fits(g, chosen)]
            if not cand:
                break
            vals = [crit.value(mu, S, Hs, np.array(chosen + [g]), ridge=1e-8) for g in cand]
            chosen.append(cand[int(np.argmax(vals))])
        idx = np.array(chosen)
        best = crit.value(mu, S, Hs, idx) if idx.size == m else -math.inf
        if not np.isfinite(best):
            raise _Singular("optimize: no design of this size on the grid identifies every "
                            "parameter (the FIM is singular); add samples, subjects or "
                            "information, or fix some parameters")
    history.append(("start", 0, best, idx.copy()))
    step = 0
    changed = True
    while changed:
        changed = False
        for i in range(m):
            others = np.delete(idx, i)
            for g in range(G):
                if g == idx[i] or not fits(g, others):
                    continue
                trial = idx.copy()
                trial[i] = g
                v = crit.value(mu, S, Hs, trial)
                if v > best + 1e-12 * max(1.0, abs(best)):
                    best, idx, changed = v, trial, True
            step += 1
            history.append(("exchange", step, best, idx.copy()))
    return idx


def _local(crit: _Crit, setup: Setup, t0: np.ndarray, lo: float, hi: float,
           second: bool, max_iter: int, history: list, gap: float):
    try:
        from scipy.optimize import minimize
    except ImportError as exc:                    # pragma: no cover - the "stats" extra
        raise ImportError("optimize(bounds=...) refines the times with scipy.optimize: "
                          "pip install 'endorphin[stats]' (or pass local=False)") from exc
    width = hi - lo
    delta = DELTA * width
    m = t0.size
    offsets = crit.offsets
    cache: dict = {}

    def evaluate_at(u):
        t = lo + np.clip(u, 0.0, 1.0) * width
        tp = np.minimum(t + delta, hi)
        tm = np.maximum(t - delta, lo)
        mu, S, Hs = setup.sensitivities(np.concatenate([t, tp, tm]), second, offsets)
        base = np.arange(m)
        v = crit.value(mu, S, Hs, base)
        grad = np.zeros(m)
        for i in range(m):
            ip, im = base.copy(), base.copy()
            ip[i], im[i] = m + i, 2 * m + i
            dt = tp[i] - tm[i]
            if dt > 0:
                grad[i] = (crit.value(mu, S, Hs, ip) - crit.value(mu, S, Hs, im)) / dt
        history.append(("local", len([h for h in history if h[0] == "local"]) + 1, v,
                        t.copy()))
        if not np.isfinite(v) or not np.all(np.isfinite(grad)):
            return 1e300, np.zeros(m)
        return -v, -grad * width

    u0 = (np.sort(t0) - lo) / width
    if gap > 0 and m > 1:
        # sorted times at least `gap` apart: u_(i+1) - u_i >= gap / width (SLSQP)
        A = np.zeros((m - 1, m))
        A[np.arange(m - 1), np.arange(m - 1)] = -1.0
        A[np.arange(m - 1), np.arange(1, m)] = 1.0
        cons = {"type": "ineq", "fun": lambda u: A @ u - gap / width, "jac": lambda u: A}
        res = minimize(lambda u: evaluate_at(u), u0, jac=True, method="SLSQP",
                       bounds=[(0.0, 1.0)] * m, constraints=[cons],
                       options={"maxiter": max_iter, "ftol": 1e-12})
        if np.any(A @ res.x < gap / width - 1e-9):
            return t0, -math.inf                      # infeasible end: keep the grid's
    else:
        res = minimize(lambda u: evaluate_at(u), u0, jac=True, method="L-BFGS-B",
                       bounds=[(0.0, 1.0)] * m,
                       options={"maxiter": max_iter, "ftol": 1e-13, "gtol": 1e-9})
    return lo + np.clip(res.x, 0.0, 1.0) * width, -float(res.fun)


def optimize(scenario, output: str, n_samples: int, bounds=None, grid=None,
             parameters: Mapping | None = None, error=None, n: int = 1,
             criterion: str = "D", fim: str = "reduced", lloq: float | None = None,
             prior: Mapping | None = None, nodes: int = 3, reference=None,
             local: bool = True, max_iter: int = 100,
             min_gap: float = 0.0) -> OptimalDesign:
    """D- or ED-optimal sampling times of one group.

    Parameters
    ----------
    scenario : Scenario
        As in :func:`evaluate` (``pulses=False`` recommended).
    output : str
        The sampled output.
    n_samples : int
        Samples per subject (>= 1), at distinct times.
    bounds : (float, float), optional
        Allowed interval, min, within ``[0, scenario.t_end]``: the exchange runs on a
        grid over it (``grid`` points, default 41) and a local optimiser refines the
        times within it.
    grid : array_like or int, optional
        The allowed times, min (within the scenario and ``bounds``); without
        ``bounds`` the design stays on it.  An int: that many evenly spaced times
        over ``bounds``.  Default: 41 evenly spaced times over ``bounds`` and 41
        spaced evenly in ``log(t - lo)`` from ``lo + 0.001 (hi - lo)`` (dense early).
    parameters, error, n, fim, lloq
        As in :func:`evaluate` (``n`` subjects scale the FIM; the optimum does not
        depend on ``n``).
    criterion : {"D", "ED"}
        ``"D"``: ``log det FIM`` at the typical values; ``"ED"``: its expectation
        over the log-normal ``prior`` (Gauss-Hermite quadrature, see the module).
    prior : mapping of str to float, optional
        For ``"ED"``: design parameter -> coefficient of variation (fraction, > 0) of
        the uncertainty of its typical value.
    nodes : int
        Quadrature points per uncertain parameter (``"ED"``; at most 1000 in all).
    reference : array_like, optional
        A reference schedule (min): ``efficiency`` compares the optimum with it.
    local : bool
        Refine within ``bounds`` with ``scipy.optimize`` (the "stats" extra).
    max_iter : int
        Iterations of the local optimiser.
    min_gap : float
        Smallest time between two samples, min (>= 0).  0: the grid stage keeps the
        times distinct but the local optimiser may merge two into a replicate (the FO
        FIM allows it); > 0: both stages keep the samples this far apart (the local
        stage by SLSQP with linear constraints).

    Returns
    -------
    OptimalDesign
        ``times`` (sorted), ``rse``, ``log_det``, ``value``, ``efficiency``,
        ``history``, ``design``, ``seconds``, ``engine_runs``.

    Raises
    ------
    ValueError
        ``n_samples < 1``, neither bounds nor grid, bounds or grid outside the
        scenario, a grid with fewer distinct times than ``n_samples``, an unknown
        criterion, a prior that is missing or names other parameters, a negative
        LLOQ, and :func:`evaluate`'s errors; no identifying design on the grid.

    Notes
    -----
    See :mod:`endorphin.design.optimize`.  One engine run gives the sensitivities
    at all grid times (and quadrature nodes); the local optimiser adds one per step.

    Examples
    --------
    >>> import endorphin as en
    >>> sc = en.Scenario(doses=en.Dose("morphine", 10, unit="mg", route="iv", time=0),
    ...                  t_end=480, pulses=False)
    >>> opt = en.design.optimize(sc, "morphine_plasma", n_samples=1, bounds=(0, 480),
    ...                          parameters={"morphine.cl": 0.0},
    ...                          error=en.design.error(additive=1.0))
    >>> round(float(opt.times[0]))      # 1/k = V/CL = 276 L / 1.584 L/min
    174
    """
    import pandas as pd

    start = _time.perf_counter()
    check_scenario(scenario)
    m = integer(n_samples, "n_samples", low=1, high=10**4)
    err = check_error(error)
    n = integer(n, "n", low=1, high=10**9)
    criterion = choice(criterion, ("D", "ED"), "criterion")
    fim = choice(fim, ("reduced", "full"), "fim")
    lloq = check_lloq(lloq)
    g, lo, hi = _grid_and_bounds(scenario, m, bounds, grid)
    if not isinstance(local, (bool, np.bool_)):
        raise TypeError(f"local must be True or False, got {local!r}")
    max_iter = integer(max_iter, "max_iter", low=1, high=10**5)
    gap = real(min_gap, "min_gap", low=0.0, unit="min")
    if bounds is not None and (m - 1) * gap > hi - lo:
        raise ValueError(f"min_gap = {gap:g} min: {m} samples do not fit in the bounds "
                         f"({lo:g}, {hi:g}) min")
    ref = None if reference is None else check_times(reference, scenario, "reference")
    setup = Setup(scenario, output, parameters)
    offsets, weights = _prior(prior, criterion, setup.names, nodes)
    crit = _Crit(setup, err, fim, lloq, n, offsets, weights)
    second = setup.second(fim)
    history: list = []

    mu, S, Hs = setup.sensitivities(g, second, offsets)
    idx = _exchange(crit, mu, S, Hs, m, history, g, gap)
    times, value = g[idx], history[-1][2]
    if local and bounds is not None:
        t_loc, v_loc = _local(crit, setup, times, lo, hi, second, max_iter, history, gap)
        if v_loc > value:
            times, value = t_loc, v_loc
    times = np.sort(times)
    design = evaluate(scenario, output, times, n, parameters=parameters, error=err,
                      fim=fim, lloq=lloq)
    eff = None
    if ref is not None:
        mr, Sr, Hr = setup.sensitivities(ref, second, offsets)
        v_ref = crit.value(mr, Sr, Hr, np.arange(ref.size))
        eff = math.exp((value - v_ref) / crit.K) if np.isfinite(v_ref) else math.inf
    hist = pd.DataFrame([{"stage": h[0], "step": h[1], "value": h[2],
                          "times": tuple(np.sort(g[h[3]] if h[0] != "local" else h[3]))}
                         for h in history])
    return OptimalDesign(times=times, rse=design.rse, log_det=design.log_det,
                         value=float(value), efficiency=eff, history=hist, design=design,
                         criterion=criterion, seconds=_time.perf_counter() - start,
                         engine_runs=setup.runs + 1)


@dataclass(frozen=True)
class SampleChoice:
    """What :func:`choose_samples` returns.

    Attributes
    ----------
    best : int
        The number of samples per subject with the most information per cost.
    table : pandas.DataFrame
        Index ``n_samples``: ``times``, ``value`` (the criterion), ``cost`` (per
        subject), ``efficiency_per_cost`` (relative to the best, which is 1).
    designs : dict
        ``n_samples`` -> :class:`OptimalDesign`.
    """
    best: int
    table: object
    designs: dict


def choose_samples(scenario, output: str, n_samples=(1, 6), cost_sample: float = 1.0,
                   cost_subject: float = 0.0, **options) -> SampleChoice:
    """The number of samples per subject with the most information per unit cost.

    For each ``m`` in ``n_samples`` the optimal design (:func:`optimize`) is found;
    with ``N`` subjects the study costs ``N (cost_subject + m cost_sample)`` and its
    FIM is ``N F_m``, so the D-criterion per unit cost,
    ``det(N F_m)^(1/K) / (N (cost_subject + m cost_sample))
    = det(F_m)^(1/K) / (cost_subject + m cost_sample)``, does not depend on ``N``;
    the best ``m`` maximises it.  (This cost-normalised D-criterion is an assumption
    of this package, in the spirit of the cost-based designs of Fedorov & Leonov,
    Optimal Design for Nonlinear Response Models, CRC 2013; with ``"ED"`` the
    criterion's value replaces ``log det F_m``.)

    Parameters
    ----------
    scenario, output
        As in :func:`optimize`.
    n_samples : (int, int) or sequence of int
        The range ``(lo, hi)`` (inclusive) or the list of sample numbers to compare.
    cost_sample : float
        Cost of one sample (>= 0, any currency unit).
    cost_subject : float
        Cost of one subject besides the samples (>= 0); ``cost_sample +
        cost_subject > 0``.
    **options
        :func:`optimize`'s other arguments (``bounds``, ``grid``, ``parameters``,
        ``error``, ``criterion``, ``lloq`` ...).

    Returns
    -------
    SampleChoice
        ``best``, ``table``, ``designs``.  A number of samples that cannot identify
        the parameters gets efficiency 0.
    """
    import pandas as pd

    cs = real(cost_sample, "cost_sample", low=0.0)
    cj = real(cost_subject, "cost_subject", low=0.0)
    if cs + cj <= 0:
        raise ValueError("cost_sample and cost_subject are both 0; give at least one "
                         "positive cost")
    if "n_samples" in options:
        raise TypeError("n_samples is choose_samples' own argument")
    if isinstance(n_samples, tuple) and len(n_samples) == 2:
        a = integer(n_samples[0], "n_samples[0]", low=1, high=10**4)
        b = integer(n_samples[1], "n_samples[1]", low=a, high=10**4)
        ms = list(range(a, b + 1))
    else:
        try:
            ms = sorted({integer(k, "n_samples", low=1, high=10**4) for k in n_samples})
        except TypeError:
            raise TypeError(f"n_samples must be (lo, hi) or a sequence of integers, got "
                            f"{n_samples!r}") from None
        if not ms:
            raise ValueError("n_samples must hold at least one number")
    rows, designs = [], {}
    K = None
    for m in ms:
        try:
            opt = optimize(scenario, output, m, **options)
        except _Singular:
            rows.append({"n_samples": m, "times": None, "value": -math.inf,
                         "cost": cj + m * cs})
            continue
        designs[m] = opt
        K = opt.design.fim.shape[0]
        rows.append({"n_samples": m, "times": tuple(opt.times), "value": opt.value,
                     "cost": cj + m * cs})
    if K is None:
        raise ValueError(f"no number of samples in {ms} identifies every parameter")
    table = pd.DataFrame(rows).set_index("n_samples")
    value = table["value"].to_numpy(dtype=np.float64)
    ok = np.isfinite(value)
    log_score = np.full(value.size, -np.inf)
    log_score[ok] = value[ok] / K - np.log(table["cost"].to_numpy(dtype=np.float64)[ok])
    eff = np.zeros(value.size)
    eff[ok] = np.exp(log_score[ok] - log_score[ok].max())
    table["efficiency_per_cost"] = eff
    best = int(table["efficiency_per_cost"].idxmax())
    return SampleChoice(best=best, table=table, designs=designs)


def n_subjects(design, target: float, parameter: str | None = None) -> int:
    """The number of subjects for a target RSE.

    Under the FO FIM, ``n`` subjects with one design have ``n`` times one subject's
    information, so each RSE scales as ``1 / sqrt(n)``: ``rse(n) = rse0 sqrt(n0 / n)``
    and the smallest ``n`` with ``rse(n) <= target`` is
    ``ceil(n0 (rse0 / target)^2)``.

    Parameters
    ----------
    design : DesignResult or OptimalDesign
        A design evaluated at ``n0`` subjects (its ``rse``).
    target : float
        The target RSE, percent (> 0).
    parameter : str, optional
        The parameter (a name of ``design.rse``: a typical value, ``"omega2:<name>"``
        or ``"sigma2:..."``) whose RSE must reach the target; default the worst.

    Returns
    -------
    int
        The number of subjects (>= 1).
    """
    if isinstance(design, OptimalDesign):
        design = design.design
    if not isinstance(design, DesignResult):
        raise TypeError(f"design must be what evaluate or optimize returns, got "
                        f"{type(design).__name__}")
    target = real(target, "target", low=0.0, low_open=True, unit="%")
    rse = design.rse
    if parameter is None:
        r0 = float(rse.max())
    else:
        if parameter not in rse.index:
            from .._validate import suggest
            raise ValueError(f"parameter {parameter!r} is not in the design's RSEs; "
                             f"{suggest(parameter, rse.index)}(one of "
                             f"{', '.join(map(repr, rse.index))})")
        r0 = float(rse[parameter])
    if not math.isfinite(r0):
        raise ValueError("the design's RSE is not finite")
    x = design.n * (r0 / target) ** 2
    return max(1, math.ceil(x * (1.0 - 1e-12)))
