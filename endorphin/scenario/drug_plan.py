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

Pure Python over NumPy; used by :class:`endorphin.Scenario`.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..model import drugs
from ..engine import core

__all__ = ["Slot", "DrugPlan", "plan", "slot_parameters", "MAX_SLOTS"]

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
    demand: dict | None = None

    def parameters(self, base: np.ndarray, sex=None) -> np.ndarray:
        """Append the slots' parameters to the endogenous parameters (N, P0).

        ``sex`` (N,) of "female"/"male" applies :data:`SEX_EFFECTS` to the women."""
        if not self.slots:
            return base
        extra = np.concatenate([slot_parameters(s.drug, s.ka) for s in self.slots])
        out = np.concatenate([base, np.broadcast_to(extra, (base.shape[0], extra.size))],
                             axis=1)
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


def plan(doses, t_end: float, body_weight: np.ndarray) -> DrugPlan:
    """Build the :class:`DrugPlan` of ``doses`` (endorphin.Dose objects of exogenous
    drugs) for subjects with ``body_weight`` (N,) kg, over ``[0, t_end]``."""
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
    for d in doses:
        drug = drugs.get(d.drug)
        F, _, lag = drug.routes[d.route]
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
    return DrugPlan(slots, model_name, bt, bs, ba, infusions, demand)
