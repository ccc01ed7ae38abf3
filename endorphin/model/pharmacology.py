"""Closed-form pharmacology of the model: the concentration step of a beta-endorphin
dose, the in-vitro-like receptor response, and the steady-state drug response and its
AC50."""
from __future__ import annotations

import numpy as np

from .. import _ufuncs
from .._validate import choice, suggest
from . import drugs
from .spec import BEND_MW
from .table import DOSING_TABLE, ENGINE, INDEX, default_parameters

__all__ = ["bend_dose", "receptor_response", "drug_response", "ac50"]


def bend_dose(amount_mg: float, route: str = "iv", body_weight: float | None = None):
    """Concentration step (pmol/L) of an administered dose of beta-endorphin.

    ``route="iv"`` doses plasma (state ``bend_plasma``), ``"icv"`` the CSF
    compartment (state ``bend_csf``), through the volumes of distribution
    measured by Foley et al. 1979 (178 and 0.74 mL/kg).  Returns ``(state,
    step)`` for the ``doses=`` of :func:`simulate`.

    >>> from endorphin.model import bend_dose
    >>> state, step = bend_dose(10.0, "iv")      # 10 mg IV, 70 kg
    >>> state, round(step)
    ('bend_plasma', 231621)
    """
    if isinstance(amount_mg, bool) or not np.isscalar(amount_mg) \
            or not np.isfinite(amount_mg) or amount_mg < 0:
        raise ValueError(f"amount_mg must be a finite number >= 0, got {amount_mg!r}")
    vals = {r.name: r.value for r in DOSING_TABLE}
    bw = vals["body_weight"] if body_weight is None else body_weight
    if isinstance(bw, bool) or not np.isscalar(bw) or not np.isfinite(bw) or bw <= 0:
        raise ValueError(f"body_weight must be a positive number of kg, got {body_weight!r}")
    if route == "iv":
        state, v_ml = "bend_plasma", vals["bend_plasma_volume"] * bw
    elif route == "icv":
        state, v_ml = "bend_csf", vals["bend_csf_volume"] * bw
    else:
        raise ValueError(f"route must be 'iv' or 'icv', got {route!r}")
    pmol = float(amount_mg) * 1e-3 / BEND_MW * 1e12
    return state, pmol / (v_ml * 1e-3)


def receptor_response(agonist_conc, antagonist_conc=0.0, *, agonist="morphine",
                      antagonist="naloxone", receptor="mu", receptor_fraction=1.0,
                      slope=None):
    """In-vitro-like operational response of one receptor type, R held fixed.

    The readout a Schild experiment uses: agonist and antagonist at
    equilibrium, competing for ``receptor`` ("mu", "delta" or "kappa"),
    the operational model (Black and Leff) with efficacy scaled by the fixed
    functional fraction ``receptor_fraction``, no pharmacokinetics, no
    desensitization.  Affinities and efficacies come from
    :mod:`endorphin.drugs` ("beta_endorphin" included), the slope from the
    model's ``slope_<receptor>`` unless given.  Concentrations in nmol/L,
    broadcast against each other.

    Returns the fractional effect (Em = 1), ``s^m / (1 + s^m)`` with
    ``s = R * tau_A occ_A``, ``occ_A = (A/K_A) / (1 + A/K_A + B/K_B)``.

    Examples
    --------
    >>> import numpy as np
    >>> from endorphin.model import receptor_response
    >>> a = np.logspace(-1, 4, 6)
    >>> e0 = receptor_response(a)                       # morphine alone at mu
    >>> e1 = receptor_response(a, 10.0)                 # with 10 nmol/L naloxone
    >>> bool(np.all(e1 < e0))
    True
    """
    receptor = choice(receptor, ("mu", "delta", "kappa"), "receptor", message=lambda v: (
        f"receptor must be 'mu', 'delta' or 'kappa', got {v!r}; "
        f"{suggest(v, ('mu', 'delta', 'kappa'))}".rstrip("; ")))
    ag, an = drugs.get(agonist), drugs.get(antagonist)
    a = np.asarray(agonist_conc, dtype=np.float64)
    b = np.asarray(antagonist_conc, dtype=np.float64)
    for name, v in (("agonist_conc", a), ("antagonist_conc", b)):
        if not np.isfinite(v).all() or (v < 0).any():
            raise ValueError(f"{name} must be finite and >= 0 (nmol/L)")
    R = float(receptor_fraction)
    if not 0.0 <= R <= 1.0:
        raise ValueError(f"receptor_fraction must be in [0, 1], got {receptor_fraction!r}")
    m = default_parameters()[INDEX[f"slope_{receptor}"]] if slope is None else float(slope)
    if not m > 0:
        raise ValueError(f"slope must be > 0, got {slope!r}")
    a, b = np.broadcast_arrays(a, b)
    conc = np.stack([a, b], axis=-1)
    K = np.array([getattr(ag, f"K_{receptor}"), getattr(an, f"K_{receptor}")])
    tau = R * np.array([getattr(ag, f"tau_{receptor}"), getattr(an, f"tau_{receptor}")])
    return _ufuncs.operational_multi(conc, K, tau, m)


def _transducer(s, m):
    s = np.maximum(s, 0.0)
    sm = s ** m
    return sm / (1.0 + sm)


def drug_response(plasma_conc, drug="morphine", params=None, *, receptors="acute",
                  output="opioid_analgesia"):
    """Steady-state opioid effect of a constant plasma concentration of one drug.

    The concentration-response a steady infusion would show after hours: the
    effect site at ``f_brain * plasma_conc`` (nmol/L), beta-endorphin at its
    base CSF level, every ligand at binding equilibrium (a kinetic ligand at
    its steady bound fraction), the operational model with the functional
    receptor fractions given by ``receptors``:

    * ``"acute"`` (default): the subject's chronic resting fraction, and the
      acute desensitization at its steady state for the drug's drive (what a
      constant concentration held for an hour or more gives);
    * ``"rest"``: the resting fractions (no desensitization by the drug);
    * an array (3,) of fractions at mu, delta and kappa, held fixed (e.g.
      those reached after chronic dosing, read from a simulation's
      ``receptor_mu|delta|kappa``).

    Parameters
    ----------
    plasma_conc : array_like
        Plasma concentration, nmol/L, >= 0.
    drug : str or endorphin.drugs.Drug
    params : array_like, optional
        Engine parameters (default :func:`default_parameters`).
    output : {"opioid_analgesia", "pain_threshold", "effect_mu"}
        ``pain_threshold`` is ``1 / (1 - opioid_analgesia)`` (capped at 10),
        the ratio Sarton et al. (2000) report as the electrical pain threshold.

    Returns
    -------
    ndarray
        The output at each concentration.

    Examples
    --------
    >>> from endorphin.model import drug_response
    >>> round(float(drug_response(71.2, "morphine", output="pain_threshold")), 2)
    2.0
    """
    d = drugs.get(drug)
    P = dict(zip(ENGINE.params, default_parameters() if params is None
                 else np.asarray(params, dtype=np.float64)))
    c = np.asarray(plasma_conc, dtype=np.float64)
    if not np.isfinite(c).all() or (c < 0).any():
        raise ValueError("plasma_conc must be finite and >= 0 (nmol/L)")
    _outs = ("opioid_analgesia", "pain_threshold", "effect_mu")
    if output not in _outs:
        raise ValueError(f"output must be 'opioid_analgesia', 'pain_threshold' or "
                         f"'effect_mu', got {output!r}; {suggest(output, _outs)}".rstrip("; "))
    L = d.f_brain * c
    Lb = 1e-3 * P["bend_csf_base"]
    B = 0.0
    if d.kinetic:
        y = d.kon * L ** d.n / d.koff
        B = y / (1.0 + y)
    s = {}
    for r in ("mu", "delta", "kappa"):
        xb = Lb / P[f"K_bend_{r}"]
        if d.kinetic and r == "mu":
            share = (1.0 - B) / (1.0 + xb)
            s[r] = P[f"tau_bend_{r}"] * share * xb + d.tau_mu * B
        else:
            x = L / getattr(d, f"K_{r}")
            share = 1.0 / (1.0 + xb + x)
            s[r] = P[f"tau_bend_{r}"] * share * xb + getattr(d, f"tau_{r}") * share * x
    if isinstance(receptors, str):
        if receptors not in ("acute", "rest"):
            raise ValueError(f"receptors must be 'acute', 'rest' or 3 fractions, got "
                             f"{receptors!r}")
        R = {}
        for r in ("mu", "delta", "kappa"):
            d0 = _transducer(P[f"tau_bend_{r}"] * Lb / (P[f"K_bend_{r}"] + Lb),
                             P[f"slope_{r}"])
            ka, kc = P[f"k_rec_acute_{r}"], P[f"k_rec_chronic_{r}"]
            rc = kc / (kc + P[f"k_des_chronic_{r}"] * d0)
            drive = _transducer(s[r], P[f"slope_{r}"]) if receptors == "acute" else d0
            ra = ka / (ka + P[f"k_des_acute_{r}"] * drive)
            R[r] = P[f"receptor_{r}"] * ra * rc
    else:
        arr = np.asarray(receptors, dtype=np.float64)
        if arr.shape != (3,) or not np.isfinite(arr).all() or (arr < 0).any():
            raise ValueError("receptors must be 'acute', 'rest' or 3 fractions >= 0")
        R = dict(zip(("mu", "delta", "kappa"), arr))
    eff = {r: _transducer(R[r] * s[r], P[f"slope_{r}"]) for r in s}
    if output == "effect_mu":
        return eff["mu"]
    a = 1.0 - np.prod([1.0 - P[f"w_{r}"] * eff[r] for r in eff], axis=0)
    if output == "opioid_analgesia":
        return a
    return np.where(1.0 - a > 0.1, 1.0 / np.maximum(1.0 - a, 0.1), 10.0)


def ac50(drug="morphine", params=None, *, receptors="acute", level=0.5):
    """Plasma concentration (nmol/L) at which :func:`drug_response` gives opioid
    analgesia ``level`` (0.5: the pain threshold doubles, Sarton et al. 2000's
    AC50); NaN if the drug never reaches it."""
    def f(logc):
        return float(drug_response(np.exp(logc), drug, params, receptors=receptors)) - level
    lo, hi = np.log(1e-6), np.log(1e7)
    if f(lo) >= 0 or f(hi) <= 0:
        return float("nan")
    for _ in range(200):            # bisection on log c: the response increases with c
        mid = 0.5 * (lo + hi)
        if f(mid) < 0:
            lo = mid
        else:
            hi = mid
        if hi - lo < 1e-13:
            break
    return float(np.exp(0.5 * (lo + hi)))
