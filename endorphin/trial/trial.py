"""Virtual trials: arms of scenarios, endpoints read through instruments, replicates,
power and sample size.

How a run draws its subjects (docs/api.md, section 8).  Arm ``a`` (its position in
``arms``) of a run seeded ``seed`` simulates one population of ``replicates x
stride`` subjects (``stride`` = the arm's ``n_per_arm``) with the arm population's
condition, variability, covariates and parameter overrides and the seed
``arm_seed(seed, a)``; replicate ``r`` takes its subjects ``r * stride ..
r * stride + n - 1``.  Every draw of a subject (parameters, pulses, symptoms,
instrument noise, dropout) is keyed by (arm seed, subject index, purpose), so a
replicate's numbers do not depend on threads, chunks or how many replicates run,
and two arms never share a draw.  The arms' own ``n`` and ``seed`` are not used.
"""
from __future__ import annotations

import math
import numbers
import warnings
from collections.abc import Mapping

import numpy as np

from .._random import PURPOSE_DROPOUT, keyed_rng
from .._validate import integer, real
from ..measurement import check_seed, interpolate
from ..scenario import Population, Scenario
from . import analysis as analysis_module
from .endpoints import ANALYSES, Endpoint

__all__ = ["Trial", "TrialResult", "sample_size", "arm_seed"]

_MISSING = ("complete", "locf")
_MAX_SUBJECTS = 10**8
#: Scenarios at least this long (minutes) run at the day resolution by default.
DAY_METHOD_FROM = 3 * 1440.0


def arm_seed(seed: int, arm: int) -> int:
    """The population seed of arm number ``arm`` in a run seeded ``seed``."""
    ss = np.random.SeedSequence(int(seed), spawn_key=(0x7219A1, int(arm)))
    return int(ss.generate_state(1, np.uint64)[0] >> np.uint64(1))


class Trial:
    """A virtual randomized trial: arms (scenarios), endpoints and their analysis.

    Parameters
    ----------
    arms : mapping of str to Scenario
        The arms, control first: every other arm is compared with the first.  Each
        scenario gives the protocol, the doses, ``t_end`` and the population spec
        (condition, variability, covariates, overrides); its population's ``n`` and
        ``seed`` are not used (``n_per_arm`` and the run's seed decide).
    n_per_arm : int or mapping of str to int
        Subjects randomized per arm (``>= 2``); a mapping gives unequal allocation.
    endpoints : sequence of Endpoint
        From :mod:`endorphin.endpoint`; names must be unique.  Each endpoint's visits
        must lie within every arm's ``[0, t_end]``.
    analysis : str or mapping, optional
        One test for all endpoints (``"ttest"``, ``"ancova"``, ``"mannwhitney"``,
        ``"chi2"``, ``"fisher"``) or a mapping endpoint name -> test; by default each
        endpoint's kind chooses (continuous: ``"ttest"``; responder: ``"chi2"``).
        Two-sided.
    dropout : float
        Probability that a subject drops out before the last visit (0 <= dropout < 1),
        completely at random, at a time uniform over ``(0, last visit]``.
    missing : {"complete", "locf"}
        How the analysis treats readings after dropout: complete cases (the subject's
        endpoint is missing if a visit it needs came after dropout) or last
        observation carried forward (the last reading before dropout, among the
        endpoint's own visits and ``visits``, takes the place of the missed ones).
    visits : sequence of float, optional
        Extra visit times (minutes) at which readings are taken (for ``locf``).

    Examples
    --------
    >>> import endorphin as en
    >>> ctl = en.Scenario(population=en.Population(1, condition="chronic_pain"), t_end=60,
    ...                   dt=60)
    >>> tr = en.Trial({"control": ctl, "same": ctl}, n_per_arm=20,
    ...               endpoints=[en.endpoint.value("pain_nrs", at=60,
    ...                                            instrument=en.PRO.nrs())])
    >>> res = tr.run(replicates=50, seed=1)
    >>> float(res.power(0.05).iloc[0]) < 0.25
    True
    """

    def __init__(self, arms, n_per_arm, endpoints, analysis=None, dropout: float = 0.0,
                 missing: str = "complete", visits=None):
        if not isinstance(arms, Mapping) or len(arms) < 2:
            raise TypeError("arms must be a mapping name -> Scenario with at least two "
                            f"arms, got {type(arms).__name__}"
                            + (f" of {len(arms)}" if isinstance(arms, Mapping) else ""))
        for name, sc in arms.items():
            if not isinstance(name, str):
                raise TypeError(f"arms: names must be strings, got {name!r}")
            if not isinstance(sc, Scenario):
                raise TypeError(f"arms[{name!r}] must be an endorphin Scenario, got "
                                f"{type(sc).__name__}")
        self.arms = dict(arms)
        if isinstance(n_per_arm, Mapping):
            unknown = set(n_per_arm) - set(self.arms)
            missing_arms = set(self.arms) - set(n_per_arm)
            if unknown or missing_arms:
                raise ValueError(f"n_per_arm must name every arm once; unknown "
                                 f"{sorted(unknown)}, missing {sorted(missing_arms)}")
            self.n_per_arm = {k: integer(n_per_arm[k], f"n_per_arm[{k!r}]", low=2,
                                         high=_MAX_SUBJECTS) for k in self.arms}
        else:
            n = integer(n_per_arm, "n_per_arm", low=2, high=_MAX_SUBJECTS)
            self.n_per_arm = {k: n for k in self.arms}
        if isinstance(endpoints, Endpoint):
            endpoints = [endpoints]
        endpoints = list(endpoints)
        if not endpoints:
            raise ValueError("endpoints must hold at least one endpoint")
        for e in endpoints:
            if not isinstance(e, Endpoint):
                raise TypeError(f"endpoints must hold endorphin endpoints "
                                f"(en.endpoint.change(...)), got {type(e).__name__}")
        names = [e.name for e in endpoints]
        dup = sorted({n for n in names if names.count(n) > 1})
        if dup:
            raise ValueError(f"endpoints: names must be unique, repeated {dup}; give "
                             f"name= to tell them apart")
        self.endpoints = endpoints
        for name, sc in self.arms.items():
            outs = sc.outputs()
            for e in endpoints:
                if e.output not in outs:
                    raise ValueError(f"endpoint {e.name!r}: unknown output {e.output!r} "
                                     f"(arm {name!r} has {len(outs)} outputs; see "
                                     f"Scenario.outputs())")
                if e.visits.max() > sc.t_end:
                    raise ValueError(f"endpoint {e.name!r}: visit at {e.visits.max():g} "
                                     f"min is after arm {name!r}'s t_end = {sc.t_end:g} "
                                     f"min")
        self.analysis = {}
        for e in endpoints:
            test = analysis.get(e.name, e.default_analysis) if isinstance(
                analysis, Mapping) else (analysis or e.default_analysis)
            if not isinstance(test, str):
                raise TypeError(f"analysis must be a test name or a mapping endpoint -> "
                                f"test name, got {test!r}")
            if test not in ANALYSES[e.kind]:
                raise ValueError(f"analysis {test!r} does not apply to endpoint {e.name!r} "
                                 f"({e.kind}); use one of {list(ANALYSES[e.kind])}")
            self.analysis[e.name] = test
        if isinstance(analysis, Mapping):
            extra = set(analysis) - set(names)
            if extra:
                raise ValueError(f"analysis names unknown endpoints {sorted(extra)}; "
                                 f"endpoints are {names}")
        self.dropout = real(dropout, "dropout", low=0.0, high=1.0)
        if self.dropout >= 1.0:
            raise ValueError(f"dropout must be < 1, got {dropout!r}")
        if missing not in _MISSING:
            raise ValueError(f"missing must be one of {list(_MISSING)}, got {missing!r}")
        self.missing = missing
        v = np.zeros(0) if visits is None else np.atleast_1d(
            np.asarray(visits, dtype=np.float64))
        if v.ndim != 1 or not np.isfinite(v).all() or (v < 0).any():
            raise ValueError("visits must be non-negative finite times in minutes")
        self.visits = np.unique(v)

    def __repr__(self) -> str:
        return (f"Trial(arms={list(self.arms)}, n_per_arm={self.n_per_arm}, endpoints="
                f"{[e.name for e in self.endpoints]}, analysis={self.analysis}, "
                f"dropout={self.dropout:g}, missing={self.missing!r})")

    # -- running
    def run(self, replicates: int = 1000, seed: int = 0, *, threads: int | None = None,
            chunks: int | None = None, method: str | None = None,
            progress: bool = False, level: float = 0.95) -> TrialResult:
        """Simulate ``replicates`` trials and analyse every endpoint of each.

        Parameters
        ----------
        replicates : int
            Number of virtual trials (``>= 1``).
        seed : int
            Seed of the run (non-negative): with the arm number it keys every draw.
        threads, chunks, progress
            As :meth:`endorphin.Scenario.simulate` (``chunks=`` runs on Dask).
        method : str, optional
            Integration method; default ``"day"`` (the long-horizon resolution) for arms
            at least 3 days long, else ``"auto"``.
        level : float
            Confidence level of the effect intervals (default 0.95).

        Returns
        -------
        TrialResult
        """
        R = integer(replicates, "replicates", low=1, high=_MAX_SUBJECTS)
        seed = check_seed(seed)
        level = real(level, "level", low=0.0, high=1.0, low_open=True)
        if level >= 1.0:
            raise ValueError(f"level must be < 1, got {level!r}")
        data = simulate_arms(self, R, seed, strides=self.n_per_arm, threads=threads,
                             chunks=chunks, method=method, progress=progress)
        return TrialResult(self, data, R, seed, level)


def _arm_population(pop: Population, n: int, seed: int, arm: str) -> Population:
    """The arm population's spec with ``n`` subjects and ``seed``."""
    cov = {}
    for k, v in pop.covariates.items():
        v = np.asarray(v)
        if (v == v[0]).all():
            cov[k] = v[0].item()
        else:
            raise ValueError(f"arms[{arm!r}]: covariate {k!r} varies between the "
                             f"population's subjects; a trial draws new subjects, so give "
                             f"each arm's covariates as one value")
    return Population(n, pop.condition, pop.variability, seed, cov or None,
                      cv=pop.cv or None, correlation=pop.correlation or None,
                      drug_variability=pop.drug_variability, **pop.overrides)


def _grid_step(times: np.ndarray, t_end: float, dt: float) -> float:
    """An output step that puts every visit on the grid (integer-minute visits: their
    greatest common divisor), else the arm's own ``dt``."""
    if np.all(times == np.round(times)):
        g = 0
        for t in times.astype(np.int64):
            g = math.gcd(g, int(t))
        g = math.gcd(g, int(t_end)) if float(t_end).is_integer() else g
        if g > 0:
            return float(g)
        return float(t_end)
    return dt


def simulate_arms(trial: Trial, R: int, seed: int, *, strides: Mapping, threads=None,
                  chunks=None, method=None, progress=False) -> dict:
    """Per arm: endpoint values (R, stride) and baseline readings, keyed as the module
    says.  Returns {arm: {"values": {endpoint: (R, stride)}, "baselines": {...}}}."""
    out = {}
    for a, (name, sc) in enumerate(trial.arms.items()):
        stride = int(strides[name])
        s = arm_seed(seed, a)
        pop = _arm_population(sc.population, R * stride, s, name)
        visits = np.unique(np.concatenate([e.visits for e in trial.endpoints]
                                          + [trial.visits[trial.visits <= sc.t_end]]))
        dt = _grid_step(visits, sc.t_end, sc.dt)
        with warnings.catch_warnings():
            # the user's scenario has already reported what t_end drops
            warnings.filterwarnings("ignore", message=r".*t_end", category=UserWarning)
            arm = Scenario(sc.protocol, sc.doses, pop, t_end=sc.t_end, dt=dt,
                           clock_start=sc.clock_start, circadian=sc.circadian,
                           pulses=sc.pulses, name=sc.name, start_day=sc.start_day)
        m = method if method is not None else ("day" if sc.t_end >= DAY_METHOD_FROM
                                               else "auto")
        outputs = sorted({e.output for e in trial.endpoints})
        res = arm.simulate(outputs=outputs, method=m, threads=threads, chunks=chunks,
                           progress=progress)
        if chunks is not None:
            res = res.compute()
        subjects = np.arange(R * stride, dtype=np.int64)
        drop_time = _dropout_times(trial, s, subjects, visits)
        values, baselines, cache = {}, {}, {}
        for e in trial.endpoints:
            key = (e.output, e.instrument)          # one instrument reads once a visit
            if key not in cache:
                r = _readings(res, e, s, subjects, visits)          # (N, V) all visits
                cache[key] = _after_dropout(r, visits, drop_time, trial.missing)
            readings = cache[key]
            ev = np.searchsorted(visits, e.visits)
            mine = readings[:, ev]
            values[e.name] = e.reduce(mine).reshape(R, stride)
            if e.has_baseline:
                baselines[e.name] = e.baseline_reading(mine).reshape(R, stride)
        out[name] = {"values": values, "baselines": baselines, "seed": s, "method": m}
    return out


def _readings(res, e: Endpoint, seed: int, subjects: np.ndarray, visits: np.ndarray):
    """What the endpoint's instrument records at every visit, (N, V)."""
    true = {o: interpolate(res.t, res[o], visits) for o in
            (e.instrument.outputs() if e.instrument is not None else (e.output,))}
    if e.instrument is None:
        return true[e.output]
    inst = e.instrument
    z = np.empty((inst.n_draws, subjects.size, visits.size))
    for i, subj in enumerate(subjects.tolist()):
        z[:, i, :] = keyed_rng(seed, subj, inst.purpose).standard_normal(
            (inst.n_draws, visits.size))
    value, censored = inst.measure(true, z)
    return np.where(censored, np.nan, value)


def _dropout_times(trial: Trial, seed: int, subjects: np.ndarray, visits: np.ndarray):
    """Each subject's dropout time, minutes (inf: completes the trial)."""
    t = np.full(subjects.size, np.inf)
    if trial.dropout == 0.0:
        return t
    last = float(visits.max())
    for i, subj in enumerate(subjects.tolist()):
        u = keyed_rng(seed, subj, PURPOSE_DROPOUT).random(2)
        if u[0] < trial.dropout:
            t[i] = last * (1.0 - u[1])             # uniform on (0, last]
    return t


def _after_dropout(readings, visits, drop_time, missing: str):
    """Readings at visits after a subject's dropout: missing, or the last observation
    carried forward."""
    gone = visits[None, :] > drop_time[:, None]
    if not gone.any():
        return readings
    r = np.where(gone, np.nan, readings)
    if missing == "locf":
        # index of the last visit at or before each visit that was observed
        idx = np.where(~np.isnan(r), np.arange(r.shape[1])[None, :], -1)
        idx = np.maximum.accumulate(idx, axis=1)
        filled = np.take_along_axis(r, np.maximum(idx, 0), axis=1)
        r = np.where(gone & (idx >= 0), filled, r)
    return r


class TrialResult:
    """The replicates of a :class:`Trial`: estimates, power, summaries.

    Attributes
    ----------
    estimates : pandas.DataFrame
        One row per replicate, comparison and endpoint: ``replicate``,
        ``comparison`` (``"<arm> vs <control>"``), ``endpoint``, ``analysis``,
        ``effect`` (treatment minus control, endpoint unit), ``ci_low``, ``ci_high``
        (``level`` interval), ``p_value`` (two-sided), ``n_control``,
        ``n_treatment`` (values analysed).
    values : dict
        Per arm, per endpoint: the per-subject endpoint values, (replicates, n) arrays
        (NaN: missing).
    """

    def __init__(self, trial: Trial, data: dict, replicates: int, seed: int,
                 level: float, n=None):
        import pandas as pd

        self.trial = trial
        self.replicates = replicates
        self.seed = seed
        self.level = level
        arms = list(trial.arms)
        n = dict(trial.n_per_arm) if n is None else dict(n)
        self.n_per_arm = n
        self.values = {a: {e: v[:, :n[a]] for e, v in data[a]["values"].items()}
                       for a in arms}
        self.method = {a: data[a]["method"] for a in arms}
        rows = []
        control = arms[0]
        for arm in arms[1:]:
            for e in trial.endpoints:
                test = trial.analysis[e.name]
                kw = {}
                if test == "ancova":
                    kw = dict(x_baseline=data[control]["baselines"][e.name][:, :n[control]],
                              y_baseline=data[arm]["baselines"][e.name][:, :n[arm]])
                r = analysis_module.run_test(test, self.values[control][e.name],
                                             self.values[arm][e.name], level, **kw)
                df = pd.DataFrame({"replicate": np.arange(replicates),
                                   "comparison": f"{arm} vs {control}",
                                   "endpoint": e.name, "analysis": test, **r})
                rows.append(df)
        est = pd.concat(rows, ignore_index=True)
        for c in ("comparison", "endpoint", "analysis"):
            est[c] = pd.Categorical(est[c], categories=list(dict.fromkeys(est[c])))
        self.estimates = est

    @property
    def comparisons(self) -> list:
        return list(self.estimates["comparison"].cat.categories)

    def power(self, alpha: float = 0.05):
        """The fraction of replicates with a two-sided p-value below ``alpha``.

        Returns a pandas Series indexed by endpoint name (one comparison), or a
        DataFrame with one column per comparison.  A replicate whose test could not
        be computed (p-value NaN) counts as not significant.
        """
        alpha = real(alpha, "alpha", low=0.0, high=1.0, low_open=True)
        if alpha >= 1.0:
            raise ValueError(f"alpha must be in (0, 1), got {alpha!r}")
        est = self.estimates.assign(sig=self.estimates["p_value"] < alpha)
        table = est.pivot_table(index="endpoint", columns="comparison", values="sig",
                                aggfunc="mean", observed=True)
        table = table.reindex([e.name for e in self.trial.endpoints])
        if table.shape[1] == 1:
            s = table.iloc[:, 0]
            s.name = f"power (alpha={alpha:g})"
            return s
        return table

    def summary(self, alpha: float = 0.05):
        """Per comparison and endpoint: power, the mean effect and its 2.5 and 97.5
        percentiles over replicates, the mean CI width and values analysed."""
        pw = self.power(alpha)
        g = self.estimates.groupby(["comparison", "endpoint"], observed=True, sort=False)
        out = g.agg(effect_mean=("effect", "mean"),
                    effect_p2_5=("effect", lambda s: np.nanpercentile(s, 2.5)),
                    effect_p97_5=("effect", lambda s: np.nanpercentile(s, 97.5)),
                    n_control=("n_control", "mean"), n_treatment=("n_treatment", "mean"))
        if hasattr(pw, "to_frame") and not hasattr(pw, "columns"):
            pw = pw.to_frame(self.comparisons[0])
        out.insert(0, "power", [pw.loc[e, c] for c, e in out.index])
        return out

    def __repr__(self) -> str:
        return (f"TrialResult({self.replicates} replicates, arms {self.n_per_arm}, "
                f"endpoints {[e.name for e in self.trial.endpoints]}, seed={self.seed})")


def sample_size(trial: Trial, power: float = 0.8, endpoint=0, *, n_range=(10, 400),
                replicates: int = 500, alpha: float = 0.05, seed: int = 0,
                comparison: int = 0, threads=None, chunks=None, method=None) -> int:
    """The smallest number of subjects per arm reaching ``power`` on one endpoint.

    One simulation of ``replicates`` trials with ``n_range[1]`` subjects per arm;
    smaller trials take the first ``n`` subjects of each replicate (common random
    numbers, so the simulated power rises smoothly with n), and a bisection over
    ``n_range`` finds the smallest ``n`` whose simulated power reaches ``power``.
    Equal allocation only.

    Returns
    -------
    int
        Subjects per arm.

    Raises
    ------
    ValueError
        If the power at ``n_range[1]`` stays below ``power`` (the message gives it).
    """
    if not isinstance(trial, Trial):
        raise TypeError(f"trial must be an endorphin Trial, got {type(trial).__name__}")
    target = real(power, "power", low=0.0, high=1.0, low_open=True)
    if target >= 1.0:
        raise ValueError(f"power must be in (0, 1), got {power!r}")
    if len(set(trial.n_per_arm.values())) != 1:
        raise ValueError("sample_size searches equal allocation; give n_per_arm as one "
                         "number")
    if isinstance(endpoint, numbers.Integral) and not isinstance(endpoint, bool):
        if not 0 <= endpoint < len(trial.endpoints):
            raise ValueError(f"endpoint must be 0..{len(trial.endpoints) - 1} or a name, "
                             f"got {endpoint!r}")
        ep = trial.endpoints[int(endpoint)].name
    elif isinstance(endpoint, str) and endpoint in {e.name for e in trial.endpoints}:
        ep = endpoint
    else:
        raise ValueError(f"endpoint must be an index or one of "
                         f"{[e.name for e in trial.endpoints]}, got {endpoint!r}")
    if not (isinstance(n_range, (tuple, list)) and len(n_range) == 2):
        raise TypeError(f"n_range must be a pair (low, high), got {n_range!r}")
    lo = integer(n_range[0], "n_range[0]", low=2, high=_MAX_SUBJECTS)
    hi = integer(n_range[1], "n_range[1]", low=lo, high=_MAX_SUBJECTS)
    R = integer(replicates, "replicates", low=1, high=_MAX_SUBJECTS)
    seed = check_seed(seed)
    arms = list(trial.arms)
    cmp_ = integer(comparison, "comparison", low=0, high=len(arms) - 2)
    data = simulate_arms(trial, R, seed, strides={a: hi for a in arms}, threads=threads,
                         chunks=chunks, method=method)

    def power_at(n: int) -> float:
        res = TrialResult(trial, data, R, seed, 0.95, n={a: n for a in arms})
        pw = res.power(alpha)
        return float(pw.loc[ep] if not hasattr(pw, "columns") else pw.iloc[:, cmp_].loc[ep])

    p_hi = power_at(hi)
    if p_hi < target:
        raise ValueError(f"power {p_hi:.3f} at n = {hi} per arm (the top of n_range) is "
                         f"below {target:g}; widen n_range")
    if power_at(lo) >= target:
        return lo
    while hi - lo > 1:                       # power(lo) < target <= power(hi)
        mid = (lo + hi) // 2
        if power_at(mid) >= target:
            hi = mid
        else:
            lo = mid
    return hi
