"""Simulation-based detection power of a sampling schedule (:func:`detection`,
:func:`detection_search`).

The FO Fisher information (:mod:`endorphin.design.fim`) assumes a smooth typical
profile with log-normal parameters and independent residuals.  Pulsatile release
breaks that: the pituitary's ultradian pulses add a within-subject, time-correlated
signal to every sample.  Here the question is answered by brute force: how often
does a study of ``n`` subjects, sampled at given times and measured with a given
assay, detect the stimulus response?

Simulation.  The virtual subjects of all ``studies`` studies are one batched engine
run of ``studies x max(n)`` subjects drawn from the scenario's population (its
condition, variability, overrides and covariate distributions), with the scenario's
pulses and circadian rhythm, at the union of the sampling times.  The run's
population seed is derived from ``seed`` by the keyed stream
``(seed, 0, PURPOSE_DETECTION)`` (:mod:`endorphin._random`), so the detection's
subjects are not those of ``Population(seed=seed)``.  Subject ``i`` of study ``s``
is simulated subject ``i * studies + s``: a study of ``n`` subjects is the first
``n`` subjects of the same study with more, so power curves over ``n`` use common
random numbers.  The assay's error model (:meth:`endorphin.Assay.measure`: CV,
additive floor, LLOQ) reads every sample with standard normal draws keyed by
(seed, assay, sampling time) and taken in subject order, so that a subject's reading
at a time does not depend on the other times sampled: :func:`detection_search`
evaluates every schedule on the same readings as :func:`detection` would.
(``Result.sample`` keys its draws by subject over the sampled times instead.)

Analysis, per study.  Each subject's paired difference is ``d = mean(peak samples)
- mean(baseline samples)`` (assay unit).  Samples below the LLOQ are replaced by
``LLOQ / 2`` (``censored="half"``), by the LLOQ (``"lloq"``) or drop the subject
(``"drop"``); subjects whose simulation failed are dropped.  The test of
``d`` (``alternative`` as in scipy):

* ``"paired-t"``: ``t = mean(d) / (sd(d) / sqrt(k))`` on ``k - 1`` degrees of
  freedom (``k`` the subjects analysed); ``sd = 0`` gives ``p = 1`` when
  ``mean(d) = 0``, else ``p = 0``.
* ``"wilcoxon"``: the signed-rank statistic ``W+`` (zero differences dropped,
  tied ``|d|`` given average ranks; Wilcoxon's treatment, scipy's
  ``zero_method="wilcox"``); exact null distribution when ``k <= 50`` and there are
  no ties, else the normal approximation with the tie correction and no
  continuity correction (scipy's ``method="asymptotic", correction=False``).

A study with fewer than 2 subjects analysed (1 for Wilcoxon) has ``p`` NaN and does
not detect.  Power is the fraction of studies with ``p < alpha``; its Monte Carlo
standard error is ``sqrt(power (1 - power) / studies)``.  scipy (the ``stats``
extra) gives the t and normal distributions.
"""
from __future__ import annotations

import copy
import itertools
import math
from dataclasses import dataclass

import numpy as np

from .._random import PURPOSE_DETECTION, keyed_rng
from .._validate import choice, integer, real
from ..measurement import PRO, Assay, check_seed
from ..scenario import Population, Scenario
from ..scenario import runner
from .fim import check_times

__all__ = ["Detection", "detection", "detection_search", "TESTS"]

TESTS = ("paired-t", "wilcoxon")
ALTERNATIVES = ("two-sided", "greater", "less")
CENSORED = ("half", "lloq", "drop")
#: Largest number of subjects with the exact Wilcoxon null distribution.
EXACT_MAX = 50
#: Largest number of schedules detection_search enumerates from a grid.
MAX_SCHEDULES = 20000
#: Largest number of simulated subjects (studies x n) of one run.
MAX_SUBJECTS = 2_000_000

_DEFAULT_ASSAYS = {"plasma_beta_endorphin": Assay.plasma, "csf_beta_endorphin": Assay.csf,
                   "plasma_acth": Assay.acth, "plasma_cortisol": Assay.cortisol}


def _stats():
    try:
        from scipy import stats
    except ImportError:
        raise ImportError("endorphin.design.detection needs scipy: pip install "
                          "'endorphin[stats]'") from None
    return stats


@dataclass(frozen=True)
class Detection:
    """What :func:`detection` returns.

    Attributes
    ----------
    power : float
        Fraction of the simulated studies whose test has ``p < alpha``.
    se : float
        Monte Carlo standard error of ``power``, ``sqrt(power (1 - power) / studies)``.
    p_values : ndarray (studies,)
        Each study's p-value (NaN: too few subjects analysed).
    difference : ndarray (studies,)
        Each study's mean paired difference, peak minus baseline, in the assay's unit.
    n_analysed : ndarray (studies,) of int
        Subjects analysed per study (fewer than ``n`` when subjects are dropped).
    true_difference : float
        Mean noise-free paired difference over all simulated subjects, in the
        assay's unit: the effect the studies try to detect.
    censored : float
        Fraction of the schedule's samples below the LLOQ.
    times, baseline, peak : ndarray
        The schedule (minutes) and the times analysed as baseline and as peak.
    n, studies, test, alpha, alternative, seed
        The settings.
    """
    power: float
    se: float
    p_values: np.ndarray
    difference: np.ndarray
    n_analysed: np.ndarray
    true_difference: float
    censored: float
    times: np.ndarray
    baseline: np.ndarray
    peak: np.ndarray
    n: int
    studies: int
    test: str
    alpha: float
    alternative: str
    seed: int

    def __repr__(self) -> str:
        return (f"Detection(power={self.power:.3f} +- {self.se:.3f} (MC SE), n={self.n}, "
                f"{self.studies} studies, {self.test} {self.alternative} at alpha "
                f"{self.alpha:g}; times {_fmt(self.times)}, baseline {_fmt(self.baseline)}, "
                f"peak {_fmt(self.peak)}; true difference {self.true_difference:.3g})")


def _fmt(t) -> str:
    return "[" + ", ".join(f"{x:g}" for x in np.asarray(t)) + "]"


# -- arguments ------------------------------------------------------------------------
def _times(times, scenario: Scenario, name: str = "times") -> np.ndarray:
    try:
        t = np.asarray(times, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a sequence of numbers (minutes), got "
                        f"{type(times).__name__}") from None
    t = check_times(t, scenario, name)
    if np.unique(t).size != t.size:
        raise ValueError(f"{name} must be distinct sampling times, got {_fmt(t)}")
    return np.sort(t)


def _assay(assay, output, scenario: Scenario):
    if assay is None:
        output = "plasma_beta_endorphin" if output is None else output
        if output not in _DEFAULT_ASSAYS:
            raise ValueError(f"assay: no default assay for output {output!r}; give "
                             f"assay=en.Assay(...) (defaults exist for "
                             f"{', '.join(_DEFAULT_ASSAYS)})")
        assay = _DEFAULT_ASSAYS[output]()
    elif not isinstance(assay, (Assay, PRO)):
        raise TypeError(f"assay must be an endorphin Assay or PRO, got "
                        f"{type(assay).__name__}")
    if output is not None and output != assay.output:
        raise ValueError(f"output {output!r} is not what the assay reads "
                         f"({assay.output!r}); give one of them or make them agree")
    have = scenario.outputs()
    for out in assay.outputs():
        if out not in have:
            choice(out, [o for o in have if not o.endswith("_demand_doses")], "output",
                   what="output")
    return assay


def _onset(scenario: Scenario):
    starts = [float(st.start) for st in scenario.protocol]
    starts += [float(d.time) for d in scenario.doses]
    return min(starts) if starts else None


def _subset(value, times: np.ndarray, name: str):
    t = np.atleast_1d(np.asarray(value, dtype=np.float64))
    if t.ndim != 1 or t.size == 0:
        raise ValueError(f"{name} must be one or more sampling times, got {value!r}")
    missing = [x for x in t if not np.any(times == x)]
    if missing:
        raise ValueError(f"{name}: {_fmt(missing)} are not sampling times of the schedule "
                         f"{_fmt(times)}")
    return np.unique(t)


def _settings(scenario, n, test, alpha, studies, seed, alternative, censored):
    if not isinstance(scenario, Scenario):
        raise TypeError(f"scenario must be an endorphin.Scenario, got "
                        f"{type(scenario).__name__}")
    ns = np.atleast_1d(np.asarray(n, dtype=object))
    if ns.ndim != 1 or ns.size == 0:
        raise ValueError(f"n must be a number of subjects (or several), got {n!r}")
    ns = sorted({integer(k, "n", low=2, high=10**6) for k in ns.tolist()})
    test = choice(test, TESTS, "test")
    alpha = real(alpha, "alpha", low=0.0, high=1.0, low_open=True)
    if alpha >= 1.0:
        raise ValueError(f"alpha must be < 1, got {alpha!r}")
    studies = integer(studies, "studies", low=1, high=10**6)
    seed = check_seed(seed)
    alternative = choice(alternative, ALTERNATIVES, "alternative")
    censored = choice(censored, CENSORED, "censored")
    if studies * ns[-1] > MAX_SUBJECTS:
        raise ValueError(f"studies x n = {studies * ns[-1]} simulated subjects exceeds "
                         f"{MAX_SUBJECTS}; use fewer studies or subjects")
    return ns, test, alpha, studies, seed, alternative, censored


# -- simulation ----------------------------------------------------------------------
def _study_population(pop: Population, count: int, seed: int) -> Population:
    """``count`` subjects like the scenario's population's, under ``seed``."""
    cov = {}
    dists = getattr(pop, "covariate_distributions", {}) or {}
    for key, val in pop.covariates.items():
        if key in dists:
            cov[key] = dists[key]
            continue
        u = np.unique(np.asarray(val))
        if u.size != 1:
            raise ValueError(f"scenario: the population has per-subject values of the "
                             f"covariate {key!r}; detection draws new subjects, so give it "
                             f"as one value or a distribution (en.Normal, en.Categorical)")
        cov[key] = u[0].item() if hasattr(u[0], "item") else u[0]
    return Population(count, pop.condition, pop.variability, seed, cov or None,
                      cv=pop.cv or None, correlation=pop.correlation or None,
                      drug_variability=pop.drug_variability, **pop.overrides)


def _noise(seed: int, assay, t: np.ndarray, N: int) -> np.ndarray:
    """Standard normal draws (n_draws, N, T) of the assay readings: one keyed stream
    per sampling time, ``(seed, assay.purpose, PURPOSE_DETECTION, bits of t)``, from
    which subject ``k`` takes draws ``k * n_draws ..``.  A reading therefore depends on
    (seed, subject, time) only, not on the other times of the schedule nor on the
    number of subjects (detection_search's union of times reads the same values)."""
    z = np.empty((assay.n_draws, N, t.size))
    for j, tj in enumerate(t.tolist()):
        bits = int(np.float64(tj + 0.0).view(np.uint64))
        rng = keyed_rng(seed, assay.purpose, PURPOSE_DETECTION, bits)
        z[:, :, j] = rng.standard_normal((N, assay.n_draws)).T
    return z


def _simulate(scenario, assay, t: np.ndarray, studies: int, n_max: int, seed: int,
              threads):
    """Measured values (studies, n_max, T) in the assay's unit (NaN where censored or
    failed), censored flags, noise-free values of ``assay.output`` (model unit) and
    the run's status (studies, n_max)."""
    N = studies * n_max
    sim_seed = int(keyed_rng(seed, 0, PURPOSE_DETECTION).integers(2 ** 62))
    sc = copy.copy(scenario)
    sc.population = _study_population(scenario.population, N, sim_seed)
    outs = assay.outputs()
    # the engine runs to the last output time: t_end too, so that pulses and doses
    # scheduled up to t_end lie inside the run (that column is dropped)
    t_run = np.append(t, scenario.t_end) if t[-1] < scenario.t_end else t
    y, status, _, _ = runner.run(sc, 0, N, outs, times=t_run, threads=threads)
    y = y[:, :, :t.size]
    true = {o: y[:, j, :] for j, o in enumerate(outs)}
    value, cens = assay.measure(true, _noise(seed, assay, t, N))
    # subject i * studies + s is subject i of study s
    def shape(a):
        return np.swapaxes(a.reshape((n_max, studies) + a.shape[1:]), 0, 1)
    return (shape(value), shape(cens), shape(true[assay.output]),
            shape(status.reshape(N, 1))[..., 0])


# -- the tests, vectorised over studies -------------------------------------------------
def paired_t(d: np.ndarray, alternative: str = "two-sided") -> np.ndarray:
    """p-values of the one-sample t test of ``mean(d) = 0`` per row of ``d`` (R, n),
    NaN entries left out."""
    st = _stats()
    ok = np.isfinite(d)
    k = ok.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        m = np.where(ok, d, 0.0).sum(axis=1) / k
        ss = np.where(ok, (d - m[:, None]) ** 2, 0.0).sum(axis=1)
        sd = np.sqrt(ss / (k - 1))
        t = m / (sd / np.sqrt(k))
        df = np.maximum(k - 1, 1)
        if alternative == "two-sided":
            p = 2.0 * st.t.sf(np.abs(t), df)
        elif alternative == "greater":
            p = st.t.sf(t, df)
        else:
            p = st.t.cdf(t, df)
    zero = sd == 0
    if alternative == "two-sided":
        degenerate = np.where(m == 0, 1.0, 0.0)
    elif alternative == "greater":
        degenerate = np.where(m > 0, 0.0, 1.0)
    else:
        degenerate = np.where(m < 0, 0.0, 1.0)
    p = np.where(zero, degenerate, p)
    return np.where(k >= 2, p, np.nan)


def _average_ranks(a: np.ndarray, valid: np.ndarray):
    """Average ranks (1-based) of ``a`` (R, n) per row among its ``valid`` entries
    (others: 0), and the tie term ``sum(t^3 - t)`` per row."""
    R, n = a.shape
    key = np.where(valid, a, np.inf)
    order = np.argsort(key, axis=1, kind="stable")
    s = np.take_along_axis(key, order, axis=1)
    pos = np.broadcast_to(np.arange(n), (R, n))
    start = np.ones((R, n), dtype=bool)
    start[:, 1:] = s[:, 1:] != s[:, :-1]
    end = np.ones((R, n), dtype=bool)
    end[:, :-1] = s[:, 1:] != s[:, :-1]
    first = np.maximum.accumulate(np.where(start, pos, 0), axis=1)
    last = np.minimum.accumulate(np.where(end, pos, n)[:, ::-1], axis=1)[:, ::-1]
    ranks_sorted = (first + last) / 2.0 + 1.0
    size = (last - first + 1).astype(np.float64)
    vs = np.take_along_axis(valid, order, axis=1)
    ties = np.where(vs, size ** 2 - 1.0, 0.0).sum(axis=1)     # sum over groups t^3 - t
    ranks = np.zeros((R, n))
    np.put_along_axis(ranks, order, np.where(vs, ranks_sorted, 0.0), axis=1)
    return ranks, ties


def _signed_rank_counts(k: int) -> np.ndarray:
    """Number of subsets of {1..k} with each sum 0..k(k+1)/2 (exact in float64 for
    k <= 50: the counts are below 2^50)."""
    c = np.zeros(k * (k + 1) // 2 + 1)
    c[0] = 1.0
    for j in range(1, k + 1):
        c[j:] = c[j:] + c[:-j].copy()
    return c


def wilcoxon(d: np.ndarray, alternative: str = "two-sided") -> np.ndarray:
    """p-values of the Wilcoxon signed-rank test of each row of ``d`` (R, n) (see the
    module's notes), NaN entries left out."""
    st = _stats()
    valid = np.isfinite(d) & (d != 0)
    k = valid.sum(axis=1)
    ranks, ties = _average_ranks(np.abs(np.where(valid, d, 0.0)), valid)
    w = np.where(valid & (d > 0), ranks, 0.0).sum(axis=1)
    mean = k * (k + 1) / 4.0
    with np.errstate(invalid="ignore", divide="ignore"):
        se = np.sqrt((k * (k + 1) * (2 * k + 1) - ties / 2.0) / 24.0)
        z = (w - mean) / se
    if alternative == "two-sided":
        p = 2.0 * st.norm.sf(np.abs(z))
    elif alternative == "greater":
        p = st.norm.sf(z)
    else:
        p = st.norm.cdf(z)
    exact = (k >= 1) & (k <= EXACT_MAX) & (ties == 0)
    for kk in np.unique(k[exact]):
        rows = exact & (k == kk)
        pmf = _signed_rank_counts(int(kk)) / 2.0 ** int(kk)
        cdf = np.cumsum(pmf)
        sf = pmf[::-1].cumsum()[::-1]                         # P(W >= w)
        wi = np.rint(w[rows]).astype(np.int64)
        if alternative == "two-sided":
            p[rows] = np.minimum(1.0, 2.0 * np.minimum(sf[wi], cdf[wi]))
        elif alternative == "greater":
            p[rows] = sf[wi]
        else:
            p[rows] = cdf[wi]
    return np.where(k >= 1, p, np.nan)


_TEST_FUNCTIONS = {"paired-t": paired_t, "wilcoxon": wilcoxon}


# -- one schedule on simulated studies ----------------------------------------------------
def _roles(sched: np.ndarray, baseline, peak, onset, true, t_all, alternative):
    """The baseline and peak times of a schedule."""
    if baseline is None:
        if onset is None:
            raise ValueError("baseline: the scenario has no stimulus or dose to put the "
                             "baseline before; give baseline= (sampling times)")
        base = sched[sched <= onset]
        if base.size == 0:
            raise ValueError(f"baseline: the schedule {_fmt(sched)} has no sample at or "
                             f"before the stimulus onset at {onset:g} min; add one or give "
                             f"baseline=")
    else:
        base = _subset(baseline, sched, "baseline")
    rest = np.setdiff1d(sched, base)
    if isinstance(peak, str):
        if peak != "all":
            raise ValueError(f"peak must be None, 'all' or sampling times, got {peak!r}")
        pk = rest
    elif peak is None:
        if rest.size == 0:
            pk = rest
        else:
            ib = np.searchsorted(t_all, base)
            ir = np.searchsorted(t_all, rest)
            rise = np.nanmedian(true[..., ir] - true[..., ib].mean(axis=-1, keepdims=True),
                                axis=(0, 1))
            score = {"two-sided": np.abs(rise), "greater": rise, "less": -rise}[alternative]
            pk = rest[[int(np.nanargmax(score))]] if np.isfinite(score).any() else rest[:1]
    else:
        pk = _subset(peak, sched, "peak")
        both = np.intersect1d(pk, base)
        if both.size:
            raise ValueError(f"peak and baseline share the times {_fmt(both)}")
    if pk.size == 0:
        raise ValueError(f"peak: the schedule {_fmt(sched)} has no sample after the "
                         f"baseline {_fmt(base)}")
    return base, pk


def _analyse(sim, t_all, sched, baseline, peak, onset, ns, test, alpha, alternative,
             censored, lloq):
    """Power of one schedule for each n: list of dicts."""
    value, cens, true, status = sim
    cols = np.searchsorted(t_all, sched)
    v = value[..., cols]
    c = cens[..., cols]
    if censored == "half":
        v = np.where(c, lloq / 2.0, v)
    elif censored == "lloq":
        v = np.where(c, lloq, v)
    v = np.where((status != 0)[..., None], np.nan, v)
    out = []
    fn = _TEST_FUNCTIONS[test]
    for n in ns:
        # the roles from this n's subjects: the figure equals detection(n=n)'s
        base, pk = _roles(sched, baseline, peak, onset, true[:, :n], t_all, alternative)
        ib, ip = np.searchsorted(sched, base), np.searchsorted(sched, pk)
        dn = v[:, :n, ip].mean(axis=-1) - v[:, :n, ib].mean(axis=-1)        # (S, n)
        tb, tp = np.searchsorted(t_all, base), np.searchsorted(t_all, pk)
        tr = true[:, :n, tp].mean(axis=-1) - true[:, :n, tb].mean(axis=-1)
        p = fn(dn, alternative)
        power = float(np.mean(np.nan_to_num(p, nan=1.0) < alpha))
        ok = np.isfinite(dn)
        with np.errstate(invalid="ignore"):
            diff = np.where(ok, dn, 0.0).sum(axis=1) / ok.sum(axis=1)
        out.append(dict(n=n, power=power,
                        se=math.sqrt(power * (1.0 - power) / dn.shape[0]),
                        p_values=p, difference=diff, n_analysed=ok.sum(axis=1),
                        true=float(np.nanmean(tr)),
                        censored=float(np.mean(c[:, :n])), baseline=base, peak=pk))
    return out


def detection(scenario: Scenario, output: str | None = None, times=None, assay=None,
              n: int = 10, *, baseline=None, peak=None, test: str = "paired-t",
              alpha: float = 0.05, alternative: str = "two-sided", studies: int = 1000,
              censored: str = "half", seed: int = 0, threads: int | None = None
              ) -> Detection:
    """Probability that a study with this schedule and assay detects the response.

    Simulates ``studies`` studies of ``n`` subjects each (one batched run, see
    :mod:`endorphin.design.detection`), measures every subject at ``times`` with
    ``assay`` and tests each study's paired differences, peak minus baseline.

    Parameters
    ----------
    scenario : Scenario
        The protocol and doses, and the population the subjects are drawn from (its
        condition, variability, overrides and covariate distributions; its size and
        seed are not used); pulses and the circadian rhythm as the scenario sets them.
    output : str, optional
        The sampled output (default the assay's; ``"plasma_beta_endorphin"`` when
        neither is given).
    times : array_like
        Distinct sampling times, minutes, within ``[0, scenario.t_end]``.
    assay : Assay or PRO, optional
        The measurement (default: the output's factory, e.g. ``Assay.plasma()``).
    n : int
        Subjects per study, ``>= 2``.
    baseline : float or sequence, optional
        Baseline sampling times (a subset of ``times``); default the times at or
        before the first stimulus or dose.
    peak : float, sequence or "all", optional
        Peak sampling times (a subset of ``times``); default the one non-baseline time
        with the largest median noise-free rise over the simulated subjects (the
        prediction, not the measurements); ``"all"``: every non-baseline time.
    test : {"paired-t", "wilcoxon"}
        The paired t-test or the Wilcoxon signed-rank test.
    alpha : float
        Significance level, in (0, 1).
    alternative : {"two-sided", "greater", "less"}
        The alternative hypothesis about the mean (median) difference.
    studies : int
        Number of simulated studies (Monte Carlo replicates).
    censored : {"half", "lloq", "drop"}
        Samples below the LLOQ: replaced by LLOQ/2, by the LLOQ, or the subject is
        left out.
    seed : int
        Non-negative seed: the same seed gives the same studies.
    threads : int, optional
        Engine threads.

    Returns
    -------
    Detection
        ``power``, its Monte Carlo ``se``, per-study ``p_values`` and differences.

    Raises
    ------
    ValueError
        Times outside the scenario or repeated, ``n < 2``, an unknown test,
        alternative or censoring rule, baseline or peak times not in the schedule, a
        schedule without a baseline or a peak sample.
    TypeError
        A scenario or assay of the wrong type.

    Examples
    --------
    >>> import endorphin as en
    >>> sc = en.Scenario(en.Exercise(0.8, start=30, duration=30), t_end=120,
    ...                  population=en.Population(1, seed=1))
    >>> d = en.design.detection(sc, times=[0, 65], n=4, studies=50, seed=1)
    >>> 0.0 <= d.power <= 1.0
    True
    """
    if times is None:
        raise ValueError("times: give the sampling times (minutes)")
    ns, test, alpha, studies, seed, alternative, censored = _settings(
        scenario, n, test, alpha, studies, seed, alternative, censored)
    if len(ns) != 1:
        raise ValueError("n must be one number of subjects here; detection_search takes "
                         "several")
    t = _times(times, scenario)
    assay = _assay(assay, output, scenario)
    sim = _simulate(scenario, assay, t, studies, ns[0], seed, threads)
    r = _analyse(sim, t, t, baseline, peak, _onset(scenario), ns, test, alpha,
                 alternative, censored, assay.lloq_reported)[0]
    factor = getattr(assay, "factor", 1.0)
    return Detection(power=r["power"], se=r["se"], p_values=r["p_values"],
                     difference=r["difference"], n_analysed=r["n_analysed"],
                     true_difference=r["true"] * factor, censored=r["censored"], times=t,
                     baseline=r["baseline"], peak=r["peak"], n=ns[0], studies=studies,
                     test=test, alpha=alpha, alternative=alternative, seed=seed)


def _candidates(scenario, candidates, grid, n_samples, baseline):
    if candidates is not None and grid is not None:
        raise ValueError("give candidates= or grid= (with n_samples=), not both")
    if candidates is not None:
        if isinstance(candidates, dict):
            items = list(candidates.items())
        else:
            try:
                items = [(None, c) for c in candidates]
            except TypeError:
                raise TypeError("candidates must be a sequence of schedules or a mapping "
                                "name -> schedule") from None
        if not items:
            raise ValueError("candidates is empty: give at least one schedule")
        out = []
        for name, c in items:
            t = _times(c, scenario, "candidates")
            out.append((name if name is not None else _fmt(t), t))
        return out
    if grid is None:
        raise ValueError("give candidates= (schedules) or grid= and n_samples=")
    g = _times(grid, scenario, "grid")
    k = integer(n_samples, "n_samples", low=2, high=g.size)
    fixed = np.empty(0) if baseline is None else _subset(baseline, g, "baseline")
    free = np.setdiff1d(g, fixed)
    m = k - fixed.size
    if m < 1:
        raise ValueError(f"n_samples = {k} leaves no sample after the {fixed.size} "
                         f"baseline times")
    count = math.comb(free.size, m)
    if count > MAX_SCHEDULES:
        raise ValueError(f"grid and n_samples give {count} schedules (more than "
                         f"{MAX_SCHEDULES}); use a coarser grid")
    onset = _onset(scenario)
    out = []
    for comb in itertools.combinations(free.tolist(), m):
        t = np.sort(np.concatenate([fixed, comb]))
        if baseline is None and onset is not None and \
                not (np.any(t <= onset) and np.any(t > onset)):
            continue                   # no baseline or no post-onset sample
        out.append((_fmt(t), t))
    if not out:
        raise ValueError("grid: no schedule has a sample at or before the stimulus onset "
                         "and one after it")
    return out


def detection_search(scenario: Scenario, output: str | None = None, candidates=None, *,
                     grid=None, n_samples: int | None = None, assay=None, n=10,
                     baseline=None, peak=None, test: str = "paired-t",
                     alpha: float = 0.05, alternative: str = "two-sided",
                     studies: int = 1000, censored: str = "half", seed: int = 0,
                     threads: int | None = None):
    """Detection power of several schedules on the same simulated studies.

    The union of all candidate times is simulated once (``studies x max(n)``
    subjects, as :func:`detection`); every schedule is then analysed on the same
    subjects and assay readings (common random numbers: differences between
    schedules are not Monte Carlo noise), and for the same ``seed`` each figure
    equals :func:`detection`'s for that schedule and ``n``.

    Parameters
    ----------
    scenario, output, assay, baseline, peak, test, alpha, alternative, studies, censored, seed, threads
        As in :func:`detection` (``baseline`` and ``peak`` apply to every schedule).
    candidates : sequence of array_like, or mapping name -> array_like
        The schedules (sampling times, minutes).
    grid : array_like, optional
        Instead of ``candidates``: allowed times; every schedule of ``n_samples``
        of them (with the ``baseline`` times, if given, in every schedule) that has
        a sample at or before the stimulus onset and one after it.
    n_samples : int
        Samples per schedule, with ``grid``.
    n : int or sequence of int
        Subjects per study (several: a power curve; a study of ``n`` subjects is the
        first ``n`` subjects of the larger ones).

    Returns
    -------
    pandas.DataFrame
        One row per schedule and ``n``, sorted by power (descending): ``schedule``
        (name), ``times``, ``baseline``, ``peak`` (tuples, min), ``n``, ``power``,
        ``se`` (Monte Carlo), ``true_difference`` (assay unit), ``censored``
        (fraction of samples below the LLOQ).

    Raises
    ------
    ValueError
        As :func:`detection`; empty ``candidates``, both or neither of
        ``candidates`` and ``grid``, too many grid schedules.

    Examples
    --------
    >>> import endorphin as en
    >>> sc = en.Scenario(en.Exercise(0.8, start=30, duration=30), t_end=120,
    ...                  population=en.Population(1, seed=1))
    >>> df = en.design.detection_search(sc, candidates=[[0, 65], [0, 120]], n=4,
    ...                                 studies=50)
    >>> list(df.columns[:3])
    ['schedule', 'times', 'baseline']
    """
    import pandas as pd

    ns, test, alpha, studies, seed, alternative, censored = _settings(
        scenario, n, test, alpha, studies, seed, alternative, censored)
    assay = _assay(assay, output, scenario)
    scheds = _candidates(scenario, candidates, grid, n_samples, baseline)
    t_all = np.unique(np.concatenate([t for _, t in scheds]))
    sim = _simulate(scenario, assay, t_all, studies, ns[-1], seed, threads)
    onset = _onset(scenario)
    factor = getattr(assay, "factor", 1.0)
    rows = []
    for name, t in scheds:
        for r in _analyse(sim, t_all, t, baseline, peak, onset, ns, test, alpha,
                          alternative, censored, assay.lloq_reported):
            rows.append(dict(schedule=name, times=tuple(t.tolist()),
                             baseline=tuple(r["baseline"].tolist()),
                             peak=tuple(r["peak"].tolist()), n=r["n"], power=r["power"],
                             se=r["se"], true_difference=r["true"] * factor,
                             censored=r["censored"]))
    df = pd.DataFrame(rows)
    df = df.sort_values(["power", "true_difference"], ascending=False, kind="stable")
    df = df.reset_index(drop=True)
    df.attrs.update(studies=studies, test=test, alpha=alpha, alternative=alternative,
                    seed=seed, output=assay.output)
    return df
