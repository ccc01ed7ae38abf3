"""Drug doses -> the engine's drug slots, bolus schedule and infusion inputs.

The C model has variants ``"endorphin_d1"`` .. ``"endorphin_d4"`` with 1-4 *drug
slots* (docs/model.md, "Drugs").  A slot is one drug with one absorption route:
a depot (first-order absorption, rate ``ka`` of that route), a central and two
peripheral compartments (amounts in nmol), an effect site and a kinetic-binding
state.  IV doses enter the central compartment of the drug's slot; an
extravascular route enters the depot.  A drug given by two extravascular routes
(different ``ka``) takes two slots: its PK is linear, so the two slots'
concentrations add exactly, and its equilibrium binding depends only on the sum
(for kinetic binding with ``n != 1`` the split is an approximation; documented).

NONMEM-equivalent semantics (docs/model.md, "Dosing semantics"):

* a bolus of ``A`` (mg, ug, nmol, or per kg) at ``t`` adds ``F A`` nmol to the
  depot (or the central compartment, IV) at ``t + lag``;
* an infusion of ``A`` over ``d`` min runs at ``F A / d`` nmol/min on
  ``[t + lag, t + lag + d)``, into the central compartment (IV) or the depot
  (zero-order input into an absorption compartment);
* repeated doses (``every``, ``times``) repeat this; administrations whose
  (lagged) start is after ``t_end`` are dropped, infusions are cut at ``t_end``;
* an on-demand dose (``Dose.on_demand``) is a rule for the engine
  (:attr:`DrugPlan.demand`): ``F A`` nmol into the slot's central compartment
  (IV) or depot whenever the rule fires (routes without lag only).

Between-subject variability of the PK (docs/model.md, "Drugs"): :func:`individual_pk`
draws each subject's clearance, volumes, ``ka`` and ``F`` around the drug table's
typical values with the drug's CVs (:attr:`endorphin.drugs.Drug.cv`), after scaling them
with body weight where the drug has :attr:`~endorphin.drugs.Drug.weight_exponents`.
The draws are keyed by (seed, subject, drug), so they do not depend on chunking,
threads, or the other drugs of a scenario.

Pure Python over NumPy; used by :class:`endorphin.Scenario`.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._random import PURPOSE_DRUG_PK, drug_key, keyed_rng
from ..model import drugs
from ..engine import core

__all__ = ["Slot", "DrugPlan", "plan", "slot_parameters", "individual_pk", "MAX_SLOTS"]

MAX_SLOTS = 4
_RECEPTORS = ("mu", "delta", "kappa")

#: Sex differences in a drug's effect-site parameters, applied to subjects whose
#: ``sex`` covariate is "female" (the drug table holds the men's values; subjects
#: without a sex covariate get those).  drug -> {field: (value, source)}.
SEX_EFFECTS = {
    "morphine": {
        "ke0": (0.0030, "Sarton E et al. Anesthesiology 2000;93:1245: ke0 for the pain "
                        "threshold 0.0030 +- 0.0005 1/min in women (0.0070 in men)"),
        "f_brain": (0.00918, "calibrated: tools/calibrate.py --drugs, so that the model "
                             "through Sarton 2000's experiment and analysis gives the "
                             "women's AC50, 41.7 +- 8.4 nmol/L (men 71.2)"),
    },
}
_SLOT_FIELDS = {"ke0": 7, "f_brain": 8}


@dataclass(frozen=True)
class Slot:
    """One drug slot: the drug, and the extravascular route whose ``ka`` its depot uses
    (None: IV doses only)."""
    drug: drugs.Drug
    route: str | None

    @property
    def ka(self) -> float:
        return 0.0 if self.route is None else float(self.drug.routes[self.route].ka)


def slot_parameters(drug: drugs.Drug, ka: float = 0.0) -> np.ndarray:
    """The 18 engine parameters of a slot holding ``drug`` (docs/model.md, "Drugs"):
    v1, micro rate constants k10, k12, k21, k13, k31 (1/min), ka, ke0, f_brain,
    K and tau at mu/delta/kappa, kon, koff, n (kon = 0: equilibrium binding)."""
    v1 = drug.v1
    q2 = drug.q2 or 0.0
    q3 = drug.q3 or 0.0
    k21 = q2 / drug.v2 if drug.v2 else 0.0
    k31 = q3 / drug.v3 if drug.v3 else 0.0
    kin = drug.kinetic
    return np.array([
        v1, drug.cl / v1, q2 / v1, k21, q3 / v1, k31, float(ka), drug.ke0, drug.f_brain,
        drug.K_mu, drug.K_delta, drug.K_kappa, drug.tau_mu, drug.tau_delta, drug.tau_kappa,
        drug.kon if kin else 0.0, drug.koff if kin else 0.0, drug.n if kin else 1.0,
    ], dtype=np.float64)


def individual_pk(drug: drugs.Drug, seed: int, first: int, count: int,
                  body_weight: np.ndarray, scale: float = 1.0) -> dict:
    """PK fields of subjects ``first .. first + count - 1`` for ``drug``.

    Parameters
    ----------
    drug : Drug
    seed : int
        The population's seed.
    first, count : int
        Subject indices (the keys of the draws).
    body_weight : ndarray (count,)
        kg; fields with a weight exponent ``e`` get ``typical (WT / 70) ** e``.
    scale : float
        Multiplier of the drug's CVs (the population's ``variability``; 0: every
        subject has the typical value for its weight, and nothing is drawn).

    Returns
    -------
    dict of str to ndarray (count,)
        ``cl``, ``v1`` (and ``q2`` ... ``v3`` where present; L/min, L) and per
        extravascular route ``ka_<route>`` (1/min) and ``F_<route>``.  A field with
        CV ``c`` is ``typical * exp(sigma z)`` with ``sigma = sqrt(log(1 + (c scale)^2))``
        (log-normal, median = typical value); ``F`` is ``logit^-1(logit(F) + sigma z)``
        (median F, stays in (0, 1]; a typical F of 1 does not vary).  ``z`` is
        standard normal, drawn by ``keyed_rng(seed, subject, PURPOSE_DRUG_PK,
        drug_key(name))``: one deviate per entry of :data:`endorphin.drugs.CV_FIELDS`
        in that order, so a subject's draw of a field does not depend on which other
        fields vary.
    """
    count = int(count)
    bw = np.asarray(body_weight, dtype=np.float64)
    if bw.shape != (count,):
        raise ValueError(f"body_weight must have {count} values, got shape {bw.shape}")
    out: dict[str, np.ndarray] = {}
    for f in drugs.WEIGHT_FIELDS:
        v = getattr(drug, f)
        if v is None:
            continue
        e = drug.weight_exponents.get(f)
        out[f] = (np.full(count, float(v)) if e is None
                  else v * (bw / drugs.REFERENCE_WEIGHT) ** e)
    for route, (F, ka, _) in drug.routes.items():
        if route == "iv":
            continue
        out[f"ka_{route}"] = np.full(count, float(ka))
        out[f"F_{route}"] = np.full(count, float(F))
    varied = [f for f, c in drug.cv.items() if c * scale > 0.0]
    if not varied:
        return out
    fields = drugs.CV_FIELDS
    z = np.empty((count, len(fields)))
    key = drug_key(drug.name)
    for i in range(count):
        z[i] = keyed_rng(seed, first + i, PURPOSE_DRUG_PK, key).standard_normal(len(fields))
    for f in varied:
        sigma = np.sqrt(np.log1p((drug.cv[f] * scale) ** 2))
        dz = sigma * z[:, fields.index(f)]
        if f.startswith("F_"):
            F = out[f]
            if F[0] < 1.0:
                out[f] = 1.0 / (1.0 + (1.0 - F) / F * np.exp(-dz))
        else:
            out[f] = out[f] * np.exp(dz)
    return out


def _slot_matrix(drug: drugs.Drug, route, pk: dict) -> np.ndarray:
    """:func:`slot_parameters` per subject, (N, 18), from :func:`individual_pk`'s fields
    (the same operations, so the typical subject's numbers are identical)."""
    v1 = pk["v1"]
    N = v1.shape[0]
    zero = np.zeros(N)
    q2 = pk.get("q2", zero)
    q3 = pk.get("q3", zero)
    k21 = q2 / pk["v2"] if "v2" in pk else zero
    k31 = q3 / pk["v3"] if "v3" in pk else zero
    ka = zero if route is None else pk[f"ka_{route}"]
    typical = slot_parameters(drug, 0.0)
    out = np.empty((N, typical.size))
    out[:] = typical
    out[:, 0] = v1
    out[:, 1] = pk["cl"] / v1
    out[:, 2] = q2 / v1
    out[:, 3] = k21
    out[:, 4] = q3 / v1
    out[:, 5] = k31
    out[:, 6] = ka
    return out


@dataclass(frozen=True)
class DrugPlan:
    """What the engine needs for the drugs of a scenario.

    Attributes
    ----------
    slots : tuple of Slot
    model : str
        ``"endorphin"`` (no drug) or ``"endorphin_d<len(slots)>"``.
    bolus_times, bolus_states : ndarray (D,)
        Time (min) and engine state name of every drug bolus, sorted by time.
    bolus_nmol : ndarray (N, D)
        Amount (nmol, bioavailable) per subject.
    infusions : list of (input name, start, duration, rate (N,) nmol/min)
    slot_params : ndarray (N, 18 x slots) or None
        Per-subject slot parameters (between-subject PK, weight scaling); None: every
        subject has the drug table's typical 70-kg PK.
    demand : dict or None
        The on-demand dose: ``drug`` (name), ``state`` (engine state name),
        ``nmol`` (N,) bioavailable nmol per demand dose, ``mg`` (N,) mg per
        demand dose as given, ``output``, ``op``, ``threshold``, ``lockout``
        (min), ``max_per_hour``.
    """
    slots: tuple
    model: str
    bolus_times: np.ndarray
    bolus_states: np.ndarray
    bolus_nmol: np.ndarray
    infusions: list
    slot_params: np.ndarray | None = None
    demand: dict | None = None

    def parameters(self, base: np.ndarray, sex=None, rows=None) -> np.ndarray:
        """Append the slots' parameters to the endogenous parameters (N, P0).

        ``sex`` (N,) of "female"/"male" applies :data:`SEX_EFFECTS` to the women;
        ``rows`` (a slice of the plan's subjects) selects the per-subject PK rows that
        belong to ``base`` (default: all)."""
        if not self.slots:
            return base
        if self.slot_params is not None:
            sp = self.slot_params if rows is None else self.slot_params[rows]
            if sp.shape[0] != base.shape[0]:
                raise ValueError(f"the plan has PK for {sp.shape[0]} subjects, base has "
                                 f"{base.shape[0]}: pass rows=")
            out = np.concatenate([base, sp], axis=1)
        else:
            extra = np.concatenate([slot_parameters(s.drug, s.ka) for s in self.slots])
            out = np.concatenate([base, np.broadcast_to(extra, (base.shape[0],
                                                                extra.size))], axis=1)
        if sex is not None:
            women = np.asarray(sex) == "female"
            if women.any():
                P0 = base.shape[1]
                for k, s in enumerate(self.slots):
                    for field, (value, _) in SEX_EFFECTS.get(s.drug.name, {}).items():
                        out[women, P0 + 18 * k + _SLOT_FIELDS[field]] = value
        return out

    def drug_outputs(self) -> dict:
        """Public per-drug output name -> engine output names to sum (one per slot)."""
        out: dict[str, list] = {}
        for k, s in enumerate(self.slots, start=1):
            name = s.drug.name
            for pub, eng in ((f"{name}_plasma", f"drug{k}_plasma"),
                             (f"{name}_effect_site", f"drug{k}_effect_site"),
                             *((f"occupancy_{r}_{name}", f"occupancy_{r}_drug{k}")
                               for r in _RECEPTORS)):
                out.setdefault(pub, []).append(eng)
        return out


def _slot_key(drug: drugs.Drug, route: str):
    return (drug.name, None if route == "iv" else route)


def plan(doses, t_end: float, body_weight: np.ndarray, pk=None,
         schedules=None) -> DrugPlan:
    """Build the :class:`DrugPlan` of ``doses`` (endorphin.Dose objects of exogenous
    drugs) for subjects with ``body_weight`` (N,) kg, over ``[0, t_end]``.

    ``pk`` (optional) maps a Drug to its subjects' PK fields, as
    :func:`individual_pk` returns them (N values each); without it every subject has
    the drug table's typical PK.  ``schedules`` (optional, the estimation layer's
    per-subject doses from data) maps the index ``k`` of a bolus dose in ``doses``
    to ``(times (D,), nmol (N, D))``: that dose's administrations replaced by
    boluses at ``times`` (min, before the route's lag) of ``nmol`` (before
    bioavailability; 0 where a subject has no dose at that time), the drug, route,
    F and lag staying those of ``doses[k]``."""
    body_weight = np.asarray(body_weight, dtype=np.float64)
    N = body_weight.shape[0]
    # slots: one per (drug, extravascular route); IV joins the drug's first slot
    keys: list = []
    for d in doses:
        drug = drugs.get(d.drug)
        key = _slot_key(drug, d.route)
        if key[1] is None:
            continue
        if key not in keys:
            keys.append(key)
    for d in doses:
        drug = drugs.get(d.drug)
        if d.route == "iv" and not any(k[0] == drug.name for k in keys):
            keys.append((drug.name, None))
    if len(keys) > MAX_SLOTS:
        raise ValueError(f"doses: at most {MAX_SLOTS} drug/route combinations per scenario "
                         f"(the engine's drug slots), got {len(keys)}: {keys}")
    slots = tuple(Slot(drugs.get(name), route) for name, route in keys)
    subject_pk = {} if pk is None else {s.drug.name: pk(s.drug) for s in slots}

    def slot_of(drug, route):
        if route != "iv":
            return keys.index((drug.name, route)) + 1
        return next(i for i, k in enumerate(keys, start=1) if k[0] == drug.name)

    times, states, amounts, infusions = [], [], [], []
    demand = None
    on_demand = [d for d in doses if getattr(d, "is_on_demand", False)]
    if len(on_demand) > 1:
        raise ValueError(f"doses: at most one on-demand dose (Dose.on_demand) per scenario, "
                         f"got {len(on_demand)}")
    schedules = schedules or {}
    for k_dose, d in enumerate(doses):
        drug = drugs.get(d.drug)
        F, _, lag = drug.routes[d.route]
        if drug.name in subject_pk and d.route != "iv":
            F = subject_pk[drug.name][f"F_{d.route}"]                    # (N,)
        k = slot_of(drug, d.route)
        target = f"drug{k}_central" if d.route == "iv" else f"drug{k}_depot"
        nmol = F * np.array([d.amount_nmol(w) for w in body_weight])     # (N,)
        if getattr(d, "is_on_demand", False):
            if lag:
                raise ValueError(f"doses: on-demand {d.drug} by route {d.route!r} has an "
                                 f"absorption lag ({lag:g} min), which on-demand dosing does "
                                 f"not support; use a route without lag (e.g. 'iv')")
            output, op, threshold = d.demand_rule
            demand = dict(drug=drug.name, state=target, nmol=nmol,
                          mg=np.array([d.amount_mg(w) for w in body_weight]),
                          output=output, op=op, threshold=threshold, lockout=d.lockout,
                          max_per_hour=d.max_per_hour)
            continue
        if k_dose in schedules:
            if d.is_infusion:
                raise ValueError(f"doses: the {d.drug} infusion cannot take doses from "
                                 f"data (only boluses can)")
            s_times, s_nmol = schedules[k_dose]
            for j, t in enumerate(s_times):
                start = float(t) + float(lag)
                if start <= t_end:
                    times.append(start)
                    states.append(target)
                    amounts.append(F * np.asarray(s_nmol[:, j], dtype=np.float64))
            continue
        for t in d.administrations():
            start = float(t) + float(lag)
            if start > t_end:
                continue
            if d.is_infusion:
                dur = min(d.duration, t_end - start)
                if dur <= 0.0:
                    continue
                rate = nmol / d.duration
                inp = f"drug{k}_rate" if d.route == "iv" else f"drug{k}_depot_rate"
                infusions.append((inp, start, float(dur), rate))
            else:
                times.append(start)
                states.append(target)
                amounts.append(nmol)
    model_name = "endorphin" if not slots else f"endorphin_d{len(slots)}"
    if times:
        order = np.argsort(times, kind="stable")
        bt = np.array(times)[order]
        bs = np.array(states)[order]
        ba = np.stack(amounts, axis=1)[:, order]
    else:
        bt, bs, ba = np.zeros(0), np.zeros(0, dtype="<U1"), np.zeros((N, 0))
    assert model_name in core.models
    slot_params = None
    if subject_pk and slots:
        slot_params = np.concatenate([_slot_matrix(s.drug, s.route, subject_pk[s.drug.name])
                                      for s in slots], axis=1)
    return DrugPlan(slots, model_name, bt, bs, ba, infusions, slot_params, demand)
