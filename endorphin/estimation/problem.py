"""The estimation problem shared by every method of :func:`fit_model`.

:class:`Problem` checks the data and the parameter names against the scenario,
pads the observations per subject (``Y``, ``mask`` of shape (N, M)) and
simulates lanes: :meth:`Problem.simulate` maps log-parameters (L, P) of lanes
belonging to subjects ``subj`` (L,) to the predictions at each subject's
observations (L, M), in ONE batched engine call.  The individual fitter
(:mod:`.individual`) and the population methods build on it.
"""
from __future__ import annotations

import copy
from dataclasses import replace

import numpy as np

from .. import model
from .._validate import known, suggest
from ..model import drugs
from ..scenario import Population
from ..scenario import runner
from .data import read_data

__all__ = ["Problem"]

#: engine-internal parameters set by the scenario, not fittable
_NOT_FITTABLE = ("clock_start", "pulse_mean")


# ---------------------------------------------------------------------------
# validation
# ---------------------------------------------------------------------------
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


def _check_fixed(fixed, sc, fitted):
    """[(kind, key, value)] of parameters held at given values (not fitted)."""
    if fixed is None:
        return []
    if not hasattr(fixed, "items"):
        raise TypeError(f"fixed must be a mapping parameter -> value, got "
                        f"{type(fixed).__name__}")
    out = []
    for name, value in fixed.items():
        if name in fitted:
            raise ValueError(f"fixed: {name!r} is also among the fitted parameters")
        try:
            value = float(value)
        except (TypeError, ValueError):
            raise TypeError(f"fixed: {name!r} must be a number, got {value!r}") from None
        (_, kind, key), = _check_parameters([name], sc, {name: value})[0]
        out.append((kind, key, value))
    return out


class Problem:
    """Data, scenario and fitted parameters, ready for batched simulation.

    ``data`` is a tidy or a NONMEM-style table, ``doses`` per-subject doses for a
    tidy table (:mod:`endorphin.estimation.data` says how both are read).

    Attributes
    ----------
    data : pandas.DataFrame
        The checked tidy table (subject, time, output, value, censored, lloq),
        index 0..n-1 (a NONMEM-style table's observation rows).
    specs : list of (name, kind, key)
        ``kind`` "model" (``key`` the engine parameter index) or "drug"
        (``key`` (drug name, PK field)).
    names : list of str
        Fitted parameter names, in order (P of them).
    start : ndarray (P,)
        Natural-scale starting values (typical values or ``initial``).
    subjects : ndarray (N,)
        Subject labels, sorted where sortable.
    outputs : list of str
        Observed outputs.
    times : ndarray
        The distinct observation times (min), sorted.
    Y, mask : ndarray (N, M)
        Observations padded per subject and which slots hold one.
    o_idx, t_idx : ndarray (N, M) of int
        Each slot's output (into ``outputs``) and time (into ``times``).
    sub_i, pos : ndarray (n,) of int
        Row ``k`` of ``data`` is slot ``(sub_i[k], pos[k])``.
    n_obs : ndarray (N,)
        Observations per subject (float), censored ones included.
    censored : ndarray (N, M) of bool, lloq : ndarray (N, M)
        Which slots are censored (below the limit ``lloq``, output units; NaN
        elsewhere).
    body_weight : ndarray (N,)
        kg: the data's per subject, else the population's default.
    schedules : dict
        Per-subject doses from data: index of the scenario drug dose ->
        (times (D,) min, nmol (N, D) before bioavailability; 0: no dose then).
    N, M, P : int
    """

    def __init__(self, data, scenario, parameters, initial=None, *, fixed=None, rtol=1e-8,
                 atol=1e-12, threads=None, doses=None):
        import pandas as pd
        self.scenario = scenario
        read = read_data(data, scenario, doses)
        self.data = d = read.obs
        self.specs, self.start = _check_parameters(parameters, scenario, initial)
        self.fixed = _check_fixed(fixed, scenario, [s[0] for s in self.specs])
        self.names = [s[0] for s in self.specs]
        self.P = len(self.specs)
        self.rtol, self.atol, self.threads = rtol, atol, threads
        subjects = pd.unique(d["subject"])
        try:
            subjects = np.sort(subjects)
        except TypeError:
            pass
        self.subjects = subjects
        self.outputs = list(pd.unique(d["output"]))
        self.times = np.unique(d["time"].to_numpy())
        self.sub_i = sub_i = pd.Index(subjects).get_indexer(d["subject"])
        self.N = N = len(subjects)
        counts = np.bincount(sub_i, minlength=N)
        self.M = M = int(counts.max())
        order = np.argsort(sub_i, kind="stable")
        pos = np.empty(len(d), dtype=np.int64)
        starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
        pos[order] = np.arange(len(d)) - np.repeat(starts, counts)
        self.pos = pos
        self.o_idx = np.zeros((N, M), dtype=np.int64)
        self.t_idx = np.zeros((N, M), dtype=np.int64)
        self.Y = np.zeros((N, M))
        self.mask = np.zeros((N, M), dtype=bool)
        self.o_idx[sub_i, pos] = pd.Index(self.outputs).get_indexer(d["output"])
        self.t_idx[sub_i, pos] = np.searchsorted(self.times, d["time"].to_numpy())
        self.Y[sub_i, pos] = np.nan_to_num(d["value"].to_numpy())
        self.mask[sub_i, pos] = True
        self.censored = np.zeros((N, M), dtype=bool)
        self.censored[sub_i, pos] = d["censored"].to_numpy()
        self.lloq = np.full((N, M), np.nan)
        self.lloq[sub_i, pos] = d["lloq"].to_numpy()
        self.n_obs = counts.astype(np.float64)
        self._lanes = 0
        self._sc = None
        # without weights in the data: the default subject's (the scenario
        # population's covariates are not used, like its variability)
        default_bw = float(Population(1, variability=0.0, seed=0).body_weight[0])
        self.body_weight = np.full(N, default_bw)
        self._weighted = read.body_weight is not None
        if self._weighted:
            self.body_weight = read.body_weight.reindex(subjects).to_numpy(dtype=np.float64)
        self.schedules = self._schedules(read.doses)

    def _schedules(self, doses) -> dict:
        """Index of a scenario drug dose -> (times (D,), nmol (N, D)): each subject's
        boluses of that dose, from the data where it has them, else the scenario's."""
        if doses is None:
            return {}
        drug_doses = [x for x in self.scenario.doses if not x.is_endogenous]
        out = {}
        for k, sub in doses.groupby("dose"):
            template = drug_doses[int(k)]
            per_unit = np.array([replace(template, amount=1.0).amount_nmol(w)
                                 for w in self.body_weight])             # nmol per unit (N,)
            own = {}
            for s, g in sub.groupby("subject"):
                own[s] = list(zip(g["time"].to_numpy(), g["amount"].to_numpy()))
            rows = []
            for s in self.subjects:
                if s in own:
                    rows.append(own[s])
                else:
                    rows.append([(float(t), template.amount)
                                 for t in template.administrations()])
            times = np.unique([t for r in rows for t, _ in r])
            nmol = np.zeros((self.N, times.size))
            for i, r in enumerate(rows):
                for t, amt in r:
                    nmol[i, np.searchsorted(times, t)] += amt * per_unit[i]
            out[int(k)] = (times, nmol)
        return out

    def _scenario_for(self, L: int):
        """A copy of the scenario whose typical, variability-free population has
        at least ``L`` rows (made anew only when more lanes are needed)."""
        if L > self._lanes:
            pop = self.scenario.population
            lanes = max(L, 2 * self._lanes)
            cov = {"body_weight": np.full(lanes, self.body_weight[0])} if self._weighted \
                else None
            ipop = Population(lanes, condition=pop.condition, variability=0.0,
                              seed=pop.seed, drug_variability=False, covariates=cov,
                              **pop.overrides)
            sc = copy.copy(self.scenario)
            sc.population = ipop
            self._sc, self._lanes = sc, lanes
            self._base = ipop.typical()
        return self._sc

    def parameter_rows(self, theta_log: np.ndarray):
        """Engine parameter rows (L, n_params) and drug PK overrides for
        log-parameters ``theta_log`` (L, P)."""
        L = theta_log.shape[0]
        self._scenario_for(L)
        nat = np.exp(theta_log)
        prm = np.tile(self._base, (L, 1))
        pk = {}
        for kind, key, value in self.fixed:
            if kind == "model":
                prm[:, key] = value
            else:
                pk.setdefault(key[0], {})[key[1]] = np.full(L, value)
        for k, (_, kind, key) in enumerate(self.specs):
            if kind == "model":
                prm[:, key] = nat[:, k]
            else:
                drug, field = key
                pk.setdefault(drug, {})[field] = nat[:, k]
        return prm, pk

    def simulate(self, theta_log, subj):
        """Predictions (L, M) at log-parameters ``theta_log`` (L, P) for lanes of
        subjects ``subj`` (L,), at each subject's observation slots (padding slots
        hold some prediction; use ``mask``).  A lane whose simulation failed is
        all NaN."""
        theta_log = np.asarray(theta_log, dtype=np.float64)
        subj = np.asarray(subj)
        L = theta_log.shape[0]
        sc = self._scenario_for(L)
        prm, pk = self.parameter_rows(theta_log)
        if self._weighted:
            # each lane has its subject's body weight (per-kg doses, weight-scaled PK)
            sc.population.covariates["body_weight"][:L] = self.body_weight[subj]
        sched = {k: (t, nmol[subj]) for k, (t, nmol) in self.schedules.items()} or None
        y, status, _, _ = runner.run(sc, 0, L, self.outputs, rtol=self.rtol, atol=self.atol,
                                     threads=self.threads, params=prm, times=self.times,
                                     drug_pk=pk, schedules=sched)
        f = y[np.arange(L)[:, None], self.o_idx[subj], self.t_idx[subj]]
        f[status != 0] = np.nan
        return f

    def rows(self, per_subject: np.ndarray) -> np.ndarray:
        """The (N, M) array ``per_subject`` back in the data's row order (n,)."""
        return per_subject[self.sub_i, self.pos]
