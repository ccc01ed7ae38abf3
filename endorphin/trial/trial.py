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

With ``run(uncertainty=...)`` replicate ``r`` also draws its typical-value multipliers
from the generator keyed by (run seed, ``r``, ``PURPOSE_UNCERTAINTY``): one draw a
replicate, shared by all arms.  Covariate distributions of an arm's population are
drawn per subject (``PURPOSE_COVARIATES``), so each replicate has new covariates;
``strata=`` instead assigns the stratified covariates in a fixed order within each
replicate.
"""
from __future__ import annotations

import math
import numbers
import warnings
from collections.abc import Mapping

import numpy as np

from .._random import PURPOSE_DROPOUT, PURPOSE_UNCERTAINTY, keyed_rng
from .._validate import flag, integer, real
from ..measurement import check_seed, interpolate, measure
from ..scenario import Population, Scenario
from . import analysis as analysis_module
from .dropouts import Dropout
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
    dropout : float or Dropout
        A number: the probability that a subject drops out before the last visit
        (0 <= dropout < 1), completely at random, at a time uniform over ``(0, last
        visit]``.  A rule from :func:`endorphin.dropout`: dropout that depends on a
        reading (e.g. more dropout with more pain; the model is in
        :mod:`endorphin.trial.dropouts`).
    missing : {"complete", "locf"}
        How the analysis treats readings after dropout: complete cases (the subject's
        endpoint is missing if a visit it needs came after dropout) or last
        observation carried forward (the last reading before dropout, among the
        endpoint's own visits and ``visits``, takes the place of the missed ones).
        A time-to-event endpoint is always censored at the last visit observed.
    visits : sequence of float, optional
        Extra visit times (minutes) at which readings are taken (for ``locf``).
    strata : mapping, optional
        Stratified randomization by covariate: ``{"sex": {"female": 0.5, "male":
        0.5}}`` gives every arm of every replicate exactly ``0.5 n`` women and
        ``0.5 n`` men (counts rounded by largest remainders); several covariates
        cross (the cells' fractions multiply).  The strata's covariates replace the
        arm populations' own.  Covariates: ``sex``, ``age``, ``body_weight``,
        ``vo2max``; stratifying by condition is not supported (make the conditions
        arms, or run a trial per condition).

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
                 missing: str = "complete", visits=None, strata=None):
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
        if isinstance(dropout, Dropout):
            self.dropout_rule = dropout
            self.dropout = dropout.rate
        else:
            self.dropout_rule = None
            self.dropout = real(dropout, "dropout", low=0.0, high=1.0)
            if self.dropout >= 1.0:
                raise ValueError(f"dropout must be < 1, got {dropout!r}")
        for name, sc in self.arms.items():
            outs = sc.outputs()
            if self.dropout_rule is not None and self.dropout_rule.output is not None \
                    and self.dropout_rule.output not in outs:
                raise ValueError(f"dropout: unknown output {self.dropout_rule.output!r} "
                                 f"(arm {name!r} has {len(outs)} outputs; see "
                                 f"Scenario.outputs())")
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
        if missing not in _MISSING:
            raise ValueError(f"missing must be one of {list(_MISSING)}, got {missing!r}")
        self.missing = missing
        self.strata = _check_strata(strata)
        v = np.zeros(0) if visits is None else np.atleast_1d(
            np.asarray(visits, dtype=np.float64))
        if v.ndim != 1 or not np.isfinite(v).all() or (v < 0).any():
            raise ValueError("visits must be non-negative finite times in minutes")
        self.visits = np.unique(v)

    def __repr__(self) -> str:
        return (f"Trial(arms={list(self.arms)}, n_per_arm={self.n_per_arm}, endpoints="
                f"{[e.name for e in self.endpoints]}, analysis={self.analysis}, "
                f"dropout={self.dropout_rule or self.dropout!r}, "
                f"missing={self.missing!r})")

    # -- running
    def run(self, replicates: int = 1000, seed: int = 0, *, threads: int | None = None,
            chunks: int | None = None, method: str | None = None,
            progress: bool = False, level: float = 0.95,
            uncertainty=None) -> TrialResult:
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
        uncertainty : mapping or (names, covariance), optional
            What is not known about the typical parameter values: a mapping engine
            parameter -> CV (e.g. ``{"pain_ongoing": 0.3}``), or a pair (parameter
            names, covariance matrix of their logs).  Each replicate draws one
            log-normal deviation ``d`` (median 1: ``log`` multiplier normal with
            variance ``log(1 + CV^2)``, or the covariance), keyed by (seed,
            replicate), and every subject of that replicate, in every arm (the same
            unknown truth), has those parameters multiplied by ``exp(d)``, clipped
            to their documented ranges.  The power then integrates over what is not
            known.  The deviations are kept in :attr:`TrialResult.uncertainty`.

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
                             chunks=chunks, method=method, progress=progress,
                             uncertainty=uncertainty)
        return TrialResult(self, data, R, seed, level)


def _check_strata(strata):
    if strata is None:
        return None
    from ..scenario.population import COVARIATE_NAMES
    if not isinstance(strata, Mapping) or not strata:
        raise TypeError(f"strata must be a non-empty mapping covariate -> {{value: "
                        f"fraction}}, got {type(strata).__name__}")
    out = {}
    for k, cells in strata.items():
        if k == "condition":
            raise ValueError("strata: stratification by condition is not supported; "
                             "make each condition an arm, or run a trial per condition")
        if k not in COVARIATE_NAMES:
            raise ValueError(f"strata: unknown covariate {k!r}; use one of "
                             f"{list(COVARIATE_NAMES)}")
        if not isinstance(cells, Mapping) or len(cells) < 1:
            raise TypeError(f"strata[{k!r}] must be a mapping value -> fraction, got "
                            f"{type(cells).__name__}")
        fr = {v: real(f, f"strata[{k!r}][{v!r}]", low=0.0, high=1.0, low_open=True)
              for v, f in cells.items()}
        if abs(sum(fr.values()) - 1.0) > 1e-9:
            raise ValueError(f"strata[{k!r}]: fractions must sum to 1, got "
                             f"{sum(fr.values()):g}")
        out[k] = fr
    return out


class _UncertainPopulation(Population):
    """A population whose subjects of replicate ``r`` (indices ``r * stride ..``) have
    the typical values of ``columns`` multiplied by ``exp(deviations[r])``."""

    def set_uncertainty(self, stride: int, columns, deviations, low, high):
        self._stride = int(stride)
        self._columns = np.asarray(columns, dtype=np.intp)
        self._dev = np.asarray(deviations, dtype=np.float64)
        self._low = np.asarray(low, dtype=np.float64)
        self._high = np.asarray(high, dtype=np.float64)
        return self

    def draw(self, first: int = 0, count: int | None = None) -> np.ndarray:
        out = super().draw(first, count)
        rep = (first + np.arange(out.shape[0])) // self._stride
        cols = out[:, self._columns] * np.exp(self._dev[rep])
        out[:, self._columns] = np.clip(cols, self._low, self._high)
        return out

    def _key(self):
        return super()._key() + (self._stride, self._columns.tobytes(),
                                 self._dev.tobytes())


def _largest_remainder(fractions, n: int) -> np.ndarray:
    exact = np.asarray(fractions, dtype=np.float64) * n
    counts = np.floor(exact + 1e-9).astype(int)
    order = np.argsort(-(exact - counts), kind="stable")     # ties: the first value
    counts[order[:n - counts.sum()]] += 1
    return counts


def _strata_covariates(strata: Mapping, R: int, stride: int) -> dict:
    """Per-subject covariate values giving every replicate exact stratum counts: the
    first covariate's values get ``fraction x stride`` subjects, rounded by largest
    remainders (ties to the value named first), each of those blocks is split by
    the next covariate the same way, and so on; the same order in every replicate."""
    keys = list(strata)
    rows = [()] * stride                             # per subject: its values so far
    for k in keys:
        new, i = [], 0
        while i < stride:                            # split each run of equal rows
            j = i
            while j < stride and rows[j] == rows[i]:
                j += 1
            counts = _largest_remainder(list(strata[k].values()), j - i)
            for v, c in zip(strata[k], counts):
                new += [rows[i] + (v,)] * int(c)
            i = j
        rows = new
    out = {}
    for j, k in enumerate(keys):
        block = np.array([r[j] for r in rows], dtype=object)
        out[k] = np.tile(block, R)
        if k != "sex":
            out[k] = out[k].astype(np.float64)
    return out


def _arm_population(pop: Population, n: int, seed: int, arm: str, *, strata=None,
                    R: int = 1, stride: int | None = None,
                    uncertainty=None) -> Population:
    """The arm population's spec with ``n`` subjects and ``seed`` (covariate
    distributions redrawn for these subjects; strata's covariates assigned; the
    typical values of replicate ``r`` moved by ``uncertainty``)."""
    cov = {}
    dists = getattr(pop, "covariate_distributions", {}) or {}
    for k, v in pop.covariates.items():
        if k in dists:
            cov[k] = dists[k]
            continue
        v = np.asarray(v)
        if (v == v[0]).all():
            cov[k] = v[0].item()
        else:
            raise ValueError(f"arms[{arm!r}]: covariate {k!r} varies between the "
                             f"population's subjects; a trial draws new subjects, so give "
                             f"each arm's covariates as one value or a distribution "
                             f"(en.Normal, en.Categorical)")
    if strata:
        cov.update(_strata_covariates(strata, R, stride))
    cls = Population if uncertainty is None else _UncertainPopulation
    out = cls(n, pop.condition, pop.variability, seed, cov or None,
              cv=pop.cv or None, correlation=pop.correlation or None,
              drug_variability=pop.drug_variability, **pop.overrides)
    if uncertainty is not None:
        out.set_uncertainty(stride, *uncertainty)
    return out


def _uncertainty(uncertainty, R: int, seed: int):
    """Parse ``uncertainty`` and draw the replicates' log deviations: (columns, (R, k)
    deviations, low, high), keyed by (run seed, replicate, PURPOSE_UNCERTAINTY)."""
    if uncertainty is None:
        return None
    from .. import model
    table = {r.name: r for r in model.TABLE}
    pulse = {r.name for r in model.PULSE_TABLE}
    if isinstance(uncertainty, Mapping):
        names = list(uncertainty)
        cvs = np.array([real(uncertainty[k], f"uncertainty[{k!r}]", low=0.0)
                        for k in names])
        cov = np.diag(np.log1p(cvs ** 2))
    elif isinstance(uncertainty, (tuple, list)) and len(uncertainty) == 2:
        names = list(uncertainty[0])
        cov = np.asarray(uncertainty[1], dtype=np.float64)
        if cov.shape != (len(names), len(names)) or not np.isfinite(cov).all() or \
                not np.allclose(cov, cov.T):
            raise ValueError(f"uncertainty: the covariance must be a finite symmetric "
                             f"({len(names)}, {len(names)}) matrix (log scale), got "
                             f"shape {cov.shape}")
    else:
        raise TypeError("uncertainty must be a mapping parameter -> CV or a pair "
                        "(parameter names, covariance of their logs), got "
                        f"{type(uncertainty).__name__}")
    if not names:
        raise ValueError("uncertainty must name at least one parameter")
    for k in names:
        if not isinstance(k, str):
            raise TypeError(f"uncertainty: parameter names must be strings, got {k!r}")
        if k in pulse:
            raise ValueError(f"uncertainty: {k!r} is a pulse-generator parameter; "
                             f"only engine parameters can be uncertain")
        if k not in table:
            from .._validate import unknown_name
            raise ValueError(unknown_name(k, table, "uncertainty", what="parameter",
                                          hint="see endorphin.parameters() for the names"))
    if len(set(names)) != len(names):
        raise ValueError(f"uncertainty: parameters repeat in {names}")
    w, V = np.linalg.eigh(cov)
    if w.min() < -1e-12 * max(1.0, abs(w).max()):
        raise ValueError("uncertainty: the covariance is not positive semi-definite")
    L = V * np.sqrt(np.clip(w, 0.0, None))             # cov = L L^T
    z = np.stack([keyed_rng(seed, r, PURPOSE_UNCERTAINTY).standard_normal(len(names))
                  for r in range(R)])
    dev = z @ L.T
    cols = [model.INDEX[k] for k in names]
    low = [table[k].low for k in names]
    high = [table[k].high for k in names]
    return cols, dev, low, high, names


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
                  chunks=None, method=None, progress=False, uncertainty=None) -> dict:
    """Per arm: endpoint values (R, stride) and baseline readings, keyed as the module
    says.  Returns {arm: {"values": {endpoint: (R, stride)}, "baselines": {...}}}."""
    out = {}
    unc = _uncertainty(uncertainty, R, seed)
    if unc is not None:
        import pandas as pd
        table = pd.DataFrame(np.exp(unc[1]), columns=unc[4],
                             index=pd.RangeIndex(R, name="replicate"))
        unc = unc[:4]
    for a, (name, sc) in enumerate(trial.arms.items()):
        stride = int(strides[name])
        s = arm_seed(seed, a)
        pop = _arm_population(sc.population, R * stride, s, name, strata=trial.strata,
                              R=R, stride=stride, uncertainty=unc)
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
        rule = trial.dropout_rule
        outputs = sorted({e.output for e in trial.endpoints}
                         | ({rule.output} if rule is not None and rule.output else set()))
        res = arm.simulate(outputs=outputs, method=m, threads=threads, chunks=chunks,
                           progress=progress)
        if chunks is not None:
            res = res.compute()
        subjects = np.arange(R * stride, dtype=np.int64)
        raw = {}                      # (output, instrument) -> readings (N, V)

        def read(output, instrument):
            key = (output, instrument)          # one instrument reads once a visit
            if key not in raw:
                raw[key] = _readings(res, output, instrument, s, subjects, visits)
            return raw[key]

        if rule is not None:
            y = read(rule.output, rule.instrument) if rule.output else None
            drop_time = _rule_dropout_times(rule, s, subjects, visits, y)
        else:
            drop_time = _dropout_times(trial, s, subjects, visits)
        values, baselines, events, cache = {}, {}, {}, {}
        for e in trial.endpoints:
            missing = "complete" if e.is_time_to_event else trial.missing
            key = (e.output, e.instrument, missing)
            if key not in cache:
                cache[key] = _after_dropout(read(e.output, e.instrument), visits,
                                            drop_time, missing)
            readings = cache[key]
            ev = np.searchsorted(visits, e.visits)
            mine = readings[:, ev]
            values[e.name] = e.reduce(mine).reshape(R, stride)
            if e.has_baseline:
                baselines[e.name] = e.baseline_reading(mine).reshape(R, stride)
            if e.is_time_to_event:
                events[e.name] = e.events(mine).reshape(R, stride)
        out[name] = {"values": values, "baselines": baselines, "events": events,
                     "seed": s, "method": m,
                     "uncertainty": None if unc is None else table,
                     "covariates": {k: np.asarray(v).reshape(R, stride)
                                    for k, v in pop.covariates.items()}}
    return out


def _readings(res, output: str, inst, seed: int, subjects: np.ndarray,
              visits: np.ndarray):
    """What instrument ``inst`` (None: the true output) records at every visit, (N, V):
    :func:`endorphin.measurement.measure`, censored readings missing."""
    if inst is None:
        return interpolate(res.t, res[output], visits)
    value, censored, _ = measure(res, visits, inst, seed, subjects)
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


def _rule_dropout_times(rule: Dropout, seed: int, subjects: np.ndarray,
                        visits: np.ndarray, readings):
    """Dropout times of an informative rule (:mod:`endorphin.trial.dropouts`), minutes
    (inf: completes the trial); ``readings`` (N, V) at ``visits`` or None."""
    N, K = subjects.size, visits.size - 1
    t = np.full(N, np.inf)
    if rule.rate == 0.0 or K < 1:
        return t
    h = rule.hazards(readings, K, N)                       # (N, K)
    u = np.empty((N, K, 2))
    for i, subj in enumerate(subjects.tolist()):
        u[i] = keyed_rng(seed, subj, PURPOSE_DROPOUT).random((K, 2))
    leave = u[:, :, 0] < h
    gone = leave.any(axis=1)
    k = np.argmax(leave, axis=1)
    rows = np.arange(N)
    lo, hi = visits[k], visits[k + 1]
    # uniform on [v_k, v_{k+1}): visit k is observed, visit k + 1 is not
    t[gone] = (lo + (hi - lo) * u[rows, k, 1])[gone]
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
        (NaN: missing); a time-to-event endpoint's times (minutes from its start).
    events : dict
        Per arm, per time-to-event endpoint: event flags (1 event, 0 censored), like
        ``values``.  For ``logrank`` the effect is the hazard ratio treatment /
        control (no unit).
    covariates : dict
        Per arm, per covariate the arm population states: the subjects' values,
        (replicates, n) arrays.
    uncertainty : pandas.DataFrame or None
        With ``run(uncertainty=...)``: each replicate's multipliers of the uncertain
        typical values (index replicate, one column per parameter).
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
        self.events = {a: {e: v[:, :n[a]] for e, v in data[a].get("events", {}).items()}
                       for a in arms}
        self.covariates = {a: {k: v[:, :n[a]] for k, v in data[a].get("covariates",
                                                                     {}).items()}
                           for a in arms}
        self.method = {a: data[a]["method"] for a in arms}
        self.uncertainty = data[arms[0]].get("uncertainty")
        rows = []
        control = arms[0]
        for arm in arms[1:]:
            for e in trial.endpoints:
                test = trial.analysis[e.name]
                kw = {}
                if test == "ancova":
                    kw = dict(x_baseline=data[control]["baselines"][e.name][:, :n[control]],
                              y_baseline=data[arm]["baselines"][e.name][:, :n[arm]])
                elif test == "logrank":
                    kw = dict(x_event=self.events[control][e.name],
                              y_event=self.events[arm][e.name])
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
        percentiles over replicates, and the mean numbers of values analysed.  For a
        log-rank endpoint the effect is a hazard ratio and ``effect_mean`` is the
        geometric mean."""
        pw = self.power(alpha)
        g = self.estimates.groupby(["comparison", "endpoint"], observed=True, sort=False)
        out = g.agg(effect_mean=("effect", "mean"),
                    effect_p2_5=("effect", lambda s: np.nanpercentile(s, 2.5)),
                    effect_p97_5=("effect", lambda s: np.nanpercentile(s, 97.5)),
                    n_control=("n_control", "mean"), n_treatment=("n_treatment", "mean"))
        ratio = [e.name for e in self.trial.endpoints
                 if self.trial.analysis[e.name] == "logrank"]
        if ratio:
            geo = self.estimates[self.estimates["endpoint"].isin(ratio)].groupby(
                ["comparison", "endpoint"], observed=True, sort=False)["effect"].agg(
                lambda v: float(np.exp(np.nanmean(np.log(v)))))
            out.loc[geo.index, "effect_mean"] = geo.to_numpy()
        if hasattr(pw, "to_frame") and not hasattr(pw, "columns"):
            pw = pw.to_frame(self.comparisons[0])
        out.insert(0, "power", [pw.loc[e, c] for c, e in out.index])
        return out

    def endpoint_name(self, endpoint) -> str:
        """The name of an endpoint given by its index in ``trial.endpoints`` or its
        name (ValueError naming ``endpoint`` otherwise)."""
        names = [e.name for e in self.trial.endpoints]
        if isinstance(endpoint, numbers.Integral) and not isinstance(endpoint, bool):
            if not 0 <= endpoint < len(names):
                raise ValueError(f"endpoint must be 0..{len(names) - 1} or a name, got "
                                 f"{endpoint!r}")
            return names[int(endpoint)]
        if isinstance(endpoint, str) and endpoint in names:
            return endpoint
        raise ValueError(f"endpoint must be an index or one of {names}, got {endpoint!r}")

    def to_xarray(self):
        """The run as an :class:`xarray.Dataset`.

        Variables ``effect``, ``ci_low``, ``ci_high``, ``p_value``, ``n_control``,
        ``n_treatment`` with dims (comparison, endpoint, replicate) (the rows of
        :attr:`estimates`); ``value`` with dims (arm, endpoint, replicate, subject):
        the per-subject endpoint values (NaN: missing, or beyond an arm's ``n`` when
        the arms differ in size); ``event`` alike (1 event, 0 censored; NaN for
        endpoints that are not time-to-event).  Coordinates ``analysis`` (per
        endpoint) and ``n_per_arm`` (per arm); attrs ``seed`` and ``level``.
        """
        import xarray as xr

        arms = list(self.trial.arms)
        names = [e.name for e in self.trial.endpoints]
        comps = self.comparisons
        R = self.replicates
        est = self.estimates
        data = {}
        for col in ("effect", "ci_low", "ci_high", "p_value", "n_control", "n_treatment"):
            a = np.full((len(comps), len(names), R), np.nan)
            for i, c in enumerate(comps):
                for j, e in enumerate(names):
                    sel = est[(est["comparison"] == c) & (est["endpoint"] == e)]
                    a[i, j, sel["replicate"].to_numpy()] = sel[col].to_numpy()
            data[col] = (("comparison", "endpoint", "replicate"), a)
        n_max = max(self.n_per_arm.values())
        val = np.full((len(arms), len(names), R, n_max), np.nan)
        ev = np.full_like(val, np.nan)
        for i, arm in enumerate(arms):
            k = self.n_per_arm[arm]
            for j, e in enumerate(names):
                val[i, j, :, :k] = self.values[arm][e]
                if e in self.events[arm]:
                    ev[i, j, :, :k] = self.events[arm][e]
        data["value"] = (("arm", "endpoint", "replicate", "subject"), val)
        data["event"] = (("arm", "endpoint", "replicate", "subject"), ev)
        ds = xr.Dataset(data, coords={
            "comparison": comps, "endpoint": names, "arm": arms,
            "replicate": np.arange(R), "subject": np.arange(n_max),
            "analysis": ("endpoint", [self.trial.analysis[e] for e in names]),
            "n_per_arm": ("arm", [self.n_per_arm[a] for a in arms])})
        ds.attrs.update(seed=self.seed, level=self.level)
        ds["effect"].attrs["long_name"] = "effect, treatment vs control (hazard ratio " \
                                          "for log-rank)"
        return ds

    def __repr__(self) -> str:
        return (f"TrialResult({self.replicates} replicates, arms {self.n_per_arm}, "
                f"endpoints {[e.name for e in self.trial.endpoints]}, seed={self.seed})")


def sample_size(trial: Trial, power: float = 0.8, endpoint=0, *, n_range=(10, 400),
                replicates: int = 500, alpha: float = 0.05, seed: int = 0,
                comparison: int = 0, threads=None, chunks=None, method=None,
                return_curve: bool = False, uncertainty=None):
    """The smallest number of subjects per arm reaching ``power`` on one endpoint.

    One simulation of ``replicates`` trials with ``n_range[1]`` subjects per arm;
    smaller trials take the first ``n`` subjects of each replicate (common random
    numbers, so the simulated power rises smoothly with n), and a bisection over
    ``n_range`` finds the smallest ``n`` whose simulated power reaches ``power``.
    Equal allocation only.

    Parameters
    ----------
    return_curve : bool
        Also return the power curve: the simulated power at every ``n`` the search
        evaluated and at about 20 values spread over ``n_range`` (a pandas Series
        indexed by ``n``, subjects per arm; :func:`endorphin.plot.power_curve`
        draws it).
    uncertainty
        As :meth:`Trial.run`: the power integrates over the uncertain typical values.

    Returns
    -------
    int, or (int, pandas.Series) with ``return_curve``
        Subjects per arm (and the power curve).

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
    return_curve = flag(return_curve, "return_curve")
    data = simulate_arms(trial, R, seed, strides={a: hi for a in arms}, threads=threads,
                         chunks=chunks, method=method, uncertainty=uncertainty)
    seen = {}

    def power_at(n: int) -> float:
        if n not in seen:
            res = TrialResult(trial, data, R, seed, 0.95, n={a: n for a in arms})
            pw = res.power(alpha)
            seen[n] = float(pw.loc[ep] if not hasattr(pw, "columns")
                            else pw.iloc[:, cmp_].loc[ep])
        return seen[n]

    def done(n: int):
        if not return_curve:
            return n
        import pandas as pd
        for m in np.unique(np.linspace(n_lo, n_hi, 20).round().astype(int)):
            power_at(int(m))
        curve = pd.Series(seen, name=f"power (alpha={alpha:g})").sort_index()
        curve.index.name = "n"
        curve.attrs.update(endpoint=ep, target=target, n=n, replicates=R)
        return n, curve

    n_lo, n_hi = lo, hi
    p_hi = power_at(hi)
    if p_hi < target:
        raise ValueError(f"power {p_hi:.3f} at n = {hi} per arm (the top of n_range) is "
                         f"below {target:g}; widen n_range")
    if power_at(lo) >= target:
        return done(lo)
    while hi - lo > 1:                       # power(lo) < target <= power(hi)
        mid = (lo + hi) // 2
        if power_at(mid) >= target:
            hi = mid
        else:
            lo = mid
    return done(hi)
