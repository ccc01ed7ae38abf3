"""Pure-NumPy twin of the ``endorphin`` model: the slow, readable test oracle.

This module restates ``docs/model.md`` (the exact statement of the model that the
engine's C kernel ``csrc/model/endorphin_model.c`` implements) in plain Python, one
equation per line, parameters looked up by name.  It was written from the document, not
translated from the C, and shares no code with the engine: the tests compare the two
(right-hand side and outputs pointwise, the resting state, whole trajectories), and a
test checks that its names are those of the model's specification
(``endorphin/model/spec.py``).  It is
slow (one Python call per right-hand-side evaluation, scipy's Radau), so use
``endorphin.core.simulate`` for real work.

Contents
--------
``STATES``, ``PARAMS``, ``INPUTS``, ``OUTPUTS``
    Names in the engine's order (``endorphin.core.models["endorphin"]``).
``rhs(t, y, p, u)``, ``outputs(t, y, p, u)``
    The derivatives and the algebraic outputs for one subject.
``rest_state(t0, p)``
    The resting state (the model's initial state): exact closed values with the rhythm
    off; with the rhythm on, the 24-h periodic orbit at ``t0``, found by shooting with the
    twin's own right-hand side (the rest dynamics are affine in the state, so one period of
    the flow is ``y(T) = M y(0) + g`` and the orbit solves ``(I - M) y = g``), not by the
    complex-amplitude formulas and quadrature the C uses.  With pulses on, the rest is
    the mean field: the pulse state held at ``pulse_mean`` (a parameter used only here).
``solve(p, t_out, protocol=None, ...)``
    A trajectory with piecewise-constant inputs and bolus doses, restarting the integrator
    at every input switch, dose and output time.

scipy (a test dependency, not a runtime one) is imported only by ``solve`` and by
``rest_state`` with the rhythm on.

Units as in the engine: time in minutes, beta-endorphin and ACTH in pmol/L, cortisol in
nmol/L, receptor affinities in nmol/L.
"""
from __future__ import annotations

import math

import numpy as np

__all__ = ["STATES", "PARAMS", "INPUTS", "OUTPUTS", "CHANNELS", "DAY",
           "rhs", "outputs", "rest_state", "solve"]

#: The seven stimulus channels (inputs 0..6), each with its own Hill transform.
CHANNELS = ("exercise", "stress", "pain", "laughter", "meditation", "acupuncture",
            "placebo")

#: The three opioid receptors.
RECEPTORS = ("mu", "delta", "kappa")


STATES = (
    "act_p", "act_h", "syn_p", "syn_h", "store_p", "store_h", "pulse",
    "bend_plasma", "bend_csf", "acth", "cortisol",
) + tuple(f"nonopioid_{ch}" for ch in CHANNELS) + tuple(
    f"receptor_{proc}_{r}" for proc in ("acute", "chronic") for r in RECEPTORS) + (
    # practice over weeks
    "training_load", "fitness", "practice_exercise", "practice_meditation",
    "exercise_flare")

#: Practice over weeks: the states, all 0 at rest (untrained, no practice, no flare).
PRACTICE_STATES = STATES[-5:]

PARAMS = tuple(
    f"{ch}_{field}" for ch in CHANNELS
    for field in ("u50", "n", "gain_pituitary", "gain_hypothalamic", "nonopioid_gain")
) + (
    "tau_act", "tau_syn", "sigma_p", "sigma_h", "store_time_p", "store_time_h",
    "rho_p", "rho_h", "tau_pulse", "pulse_mean", "a_circ", "t_peak", "clock_start",
    "t_half_plasma", "t_half_csf", "bend_plasma_base", "bend_csf_base",
    "acth_base", "t_half_acth", "cortisol_base", "t_half_cortisol", "acth_ec50",
    "cortisol_hill", "tau_nonopioid",
    "K_bend_mu", "K_bend_delta", "K_bend_kappa",
    "tau_bend_mu", "tau_bend_delta", "tau_bend_kappa",
    "slope_mu", "slope_delta", "slope_kappa",
    "receptor_mu", "receptor_delta", "receptor_kappa",
    "w_mu", "w_delta", "w_kappa", "v_mu", "v_delta", "v_kappa",
) + tuple(f"k_{what}_{proc}_{r}" for what, proc in (("des", "acute"), ("rec", "acute"),
                                                     ("des", "chronic"), ("rec", "chronic"))
          for r in RECEPTORS) + (
    # symptoms
    "pain_sensitization", "pain_ongoing", "pain_between_cv", "pain_day_cv", "pain_tau",
    "pain_trait",
    "anxiety_base", "anxiety_between_cv", "anxiety_day_cv", "anxiety_tau", "anxiety_trait",
    "depression_base", "depression_between_cv", "depression_day_cv", "depression_tau",
    "depression_trait", "hads_mu_exponent",
    # practice over weeks
    "vo2max_base", "tau_load", "k_fitness", "fitness_max", "tau_detrain",
    "k_practice_exercise", "tau_practice_exercise", "practice_exercise_nonopioid",
    "practice_exercise_opioid", "k_practice_meditation", "tau_practice_meditation",
    "practice_meditation_nonopioid", "flare_rate", "tau_flare",
    "practice_exercise_mood", "practice_meditation_mood")

#: Per drug slot k (1-based, "drug<k>_" + name): states, parameters, inputs, outputs.
DRUG_STATES = ("depot", "central", "peripheral2", "peripheral3", "effect_site", "bound")
DRUG_PARAMS = ("v1", "k10", "k12", "k21", "k13", "k31", "ka", "ke0", "f_brain",
               "K_mu", "K_delta", "K_kappa", "tau_mu", "tau_delta", "tau_kappa",
               "kon", "koff", "n")
DRUG_INPUTS = ("rate", "depot_rate")

INPUTS = CHANNELS + ("bend_iv_rate", "bend_icv_rate") + (
    # symptoms: the day-to-day fluctuations (unit Ornstein-Uhlenbeck values)
    "pain_fluctuation", "anxiety_fluctuation", "depression_fluctuation") + (
    # practice over weeks
    "exercise_vo2",) + (
    # long horizons: the mean-field pulse drive, the quasi-steady acute receptors
    "pulse_rate", "acute_qss")

OUTPUTS = (
    "plasma_beta_endorphin", "csf_beta_endorphin", "plasma_acth", "plasma_cortisol",
    "occupancy_mu", "occupancy_delta", "occupancy_kappa",
    "receptor_mu", "receptor_delta", "receptor_kappa",
    "effect_mu", "effect_delta", "effect_kappa",
    "opioid_analgesia", "nonopioid_analgesia", "analgesia", "mood",
    "pain_nrs", "pain_threshold",
    "activation_pituitary", "activation_hypothalamic",
    "synthesis_pituitary", "synthesis_hypothalamic",
    "store_pituitary", "store_hypothalamic", "pulse", "circadian",
) + tuple(f"occupancy_{r}_beta_endorphin" for r in RECEPTORS) + tuple(
    f"receptor_{proc}_{r}" for proc in ("acute", "chronic") for r in RECEPTORS) + (
    # symptoms
    "anxiety_score", "depression_score",
    # practice over weeks
    "vo2max", "exercise_intensity", "training_load", "practice_exercise",
    "practice_meditation", "exercise_flare")


def names(n_drugs: int = 0) -> dict:
    """States, params, inputs and outputs of the variant with ``n_drugs`` slots
    (engine model ``"endorphin"`` for 0, ``"endorphin_d<n>"`` otherwise)."""
    ks = range(1, n_drugs + 1)
    return {
        "states": STATES + tuple(f"drug{k}_{s}" for k in ks for s in DRUG_STATES),
        "params": PARAMS + tuple(f"drug{k}_{s}" for k in ks for s in DRUG_PARAMS),
        "inputs": INPUTS + tuple(f"drug{k}_{s}" for k in ks for s in DRUG_INPUTS),
        "outputs": OUTPUTS + tuple(
            f"drug{k}_{s}" if s in ("plasma", "effect_site") else f"occupancy_{s}_drug{k}"
            for k in ks for s in ("plasma", "effect_site", "mu", "delta", "kappa")),
    }


def _n_drugs(p) -> int:
    extra = np.asarray(p).shape[0] - len(PARAMS)
    if extra < 0 or extra % len(DRUG_PARAMS):
        raise ValueError(f"p must have {len(PARAMS)} + {len(DRUG_PARAMS)} k entries, got "
                         f"{np.asarray(p).shape}")
    return extra // len(DRUG_PARAMS)

#: Period of the circadian rhythm (minutes).
DAY = 1440.0

# the states that are not zero at rest: the linear synthesis -> store -> plasma/CSF/ACTH
# chain, and cortisol (affine in itself, a Hill function of ACTH)
_LINEAR_REST = tuple(STATES.index(s) for s in (
    "syn_p", "syn_h", "store_p", "store_h", "bend_plasma", "bend_csf", "acth"))
_CORTISOL = STATES.index("cortisol")
_PULSE = STATES.index("pulse")


# ----------------------------------------------------------------------------- pieces
def _params(p) -> dict:
    p = np.asarray(p, dtype=float)
    if p.ndim != 1:
        raise ValueError(f"p must be 1-D, got shape {p.shape}")
    return dict(zip(names(_n_drugs(p))["params"], p.tolist()))


def _inputs(u, nd: int = 0) -> dict:
    u = np.asarray(u, dtype=float)
    n_in = len(names(nd)["inputs"])
    if u.shape != (n_in,):
        raise ValueError(f"u must have shape ({n_in},), got {u.shape}")
    return dict(zip(names(nd)["inputs"], u.tolist()))


def channel_hill(u: float, u50: float, n: float) -> float:
    """h(u) = u^n / (u50^n + u^n) for u > 0, 0 for u <= 0 (docs/model.md, Inputs)."""
    if not u > 0.0:
        return 0.0
    return u ** n / (u50 ** n + u ** n)


def circadian(t, P: dict):
    """c(t) = 1 + a_circ cos(2 pi (t + clock_start - t_peak) / 1440)."""
    return 1.0 + P["a_circ"] * np.cos(2.0 * np.pi * (t + P["clock_start"] - P["t_peak"]) / DAY)


def cortisol_secretion(X, P: dict):
    """H(X) = X^m / (acth_ec50^m + X^m), m = cortisol_hill, X clipped at 0."""
    X = np.maximum(X, 0.0)
    m = P["cortisol_hill"]
    return X ** m / (P["acth_ec50"] ** m + X ** m)


def vo2max(Y: dict, P: dict) -> float:
    """The current VO2max, vo2max_base (1 + F), mL/kg/min."""
    return P["vo2max_base"] * (1.0 + Y["fitness"])


def relative_intensity(Y: dict, P: dict, U: dict) -> float:
    """x = u_exercise + exercise_vo2 / VO2max: the exercise channel's input."""
    if U["exercise_vo2"] > 0.0:
        return U["exercise"] + U["exercise_vo2"] / vo2max(Y, P)
    return U["exercise"]


def _stimuli(P: dict, U: dict, x: float | None = None) -> dict:
    """h_k(u_k) for the seven stimulus channels (exercise: the relative intensity x)."""
    h = {ch: channel_hill(U[ch], P[f"{ch}_u50"], P[f"{ch}_n"]) for ch in CHANNELS}
    if x is not None:
        h["exercise"] = channel_hill(x, P["exercise_u50"], P["exercise_n"])
    return h


def _g(s, m):
    """The operational transducer s^m / (1 + s^m) (0 for s <= 0)."""
    s = np.maximum(s, 0.0)
    sm = s ** m
    return sm / (1.0 + sm)


def _binding(C_h, Y: dict, P: dict, nd: int, R=None):
    """Occupancies, desensitization drive and effects (docs/model.md, "Binding").

    Ligands: beta-endorphin (CSF C_h, pmol/L -> nmol/L) and the drugs' effect-site
    concentrations.  Kinetic drugs (kon > 0) occupy their bound fraction of mu; the
    other ligands share the remaining 1 - sum(bound) by competitive equilibrium binding.
    Returns ``occ[(ligand, r)]``, ``drive[r]`` = g(sum tau occ) (all receptors
    functional) and, if ``R`` is given, ``eff[r]`` = g(R_r sum tau occ).
    """
    ligands = {"beta_endorphin": (1e-3 * np.maximum(C_h, 0.0),
                                  {r: P[f"K_bend_{r}"] for r in RECEPTORS},
                                  {r: P[f"tau_bend_{r}"] for r in RECEPTORS}, False)}
    bound = 0.0
    for k in range(1, nd + 1):
        d = f"drug{k}_"
        kinetic = P[d + "kon"] > 0.0
        ligands[f"drug{k}"] = (np.maximum(Y[d + "effect_site"], 0.0),
                               {r: P[d + f"K_{r}"] for r in RECEPTORS},
                               {r: P[d + f"tau_{r}"] for r in RECEPTORS}, kinetic)
        if kinetic:
            bound = bound + np.maximum(Y[d + "bound"], 0.0)
    free_mu = np.maximum(1.0 - bound, 0.0)
    occ, drive, eff = {}, {}, {}
    for r in RECEPTORS:
        eq = {name: L / K[r] for name, (L, K, _, kin) in ligands.items()
              if not (kin and r == "mu")}
        denom = 1.0 + sum(eq.values())
        share = (free_mu if r == "mu" else 1.0) / denom
        s = 0.0
        for name, (L, K, tau, kin) in ligands.items():
            if kin and r == "mu":
                o = np.maximum(Y[name + "_bound"], 0.0)
            else:
                o = share * eq[name]
            occ[(name, r)] = o
            s = s + tau[r] * o
        m = P[f"slope_{r}"]
        drive[r] = _g(s, m)
        if R is not None:
            eff[r] = _g(R[r] * s, m)
    return occ, drive, eff


def _effects(C_h, P: dict, R: dict):
    """Occupancy and effect of beta-endorphin alone at CSF C_h (pmol/L), receptors R."""
    occ, _, eff = _binding(C_h, {}, P, 0, R)
    return {r: occ[("beta_endorphin", r)] for r in RECEPTORS}, eff


def _rest_receptors(P: dict) -> dict:
    """Functional fractions at the constant-drive rest of beta-endorphin's base level."""
    _, drive, _ = _binding(P["bend_csf_base"], {}, P, 0)
    R = {}
    for r in RECEPTORS:
        ka, kc = P[f"k_rec_acute_{r}"], P[f"k_rec_chronic_{r}"]
        R[r] = (P[f"receptor_{r}"] * ka / (ka + P[f"k_des_acute_{r}"] * drive[r])
                * kc / (kc + P[f"k_des_chronic_{r}"] * drive[r]))
    return R


def _mood(eff: dict, P: dict) -> float:
    return P["v_mu"] * eff["mu"] + P["v_delta"] * eff["delta"] - P["v_kappa"] * eff["kappa"]


def _symptoms(Y: dict, P: dict, U: dict, a: float, eff_rest: dict, flare: float = 1.0):
    """pain_nrs, anxiety_score, depression_score (docs/model.md, "Symptoms").

    Evoked pain: the nociceptive input, amplified by central sensitization and relieved
    by the analgesia a.  Ongoing pain: the subject's level (population mean x trait x
    day-to-day fluctuation), relieved only by analgesia beyond the resting one (the
    resting opioid tone does not hold it down: naltrexone leaves it unchanged).  The two
    combine on the 0-10 scale as 10 [1 - (1 - e/10)(1 - o/10)].  The HADS scores: the
    subject's level x fluctuation, over the mu availability (receptor_mu x chronic
    factor, relative to its resting value) to the power hads_mu_exponent.
    """
    evoked = min(max((1.0 + P["pain_sensitization"]) * U["pain"] * (1.0 - a) * flare, 0.0),
                 10.0)
    a_rest = 1.0 - math.prod(1.0 - P[f"w_{r}"] * eff_rest[r] for r in RECEPTORS)
    relief = min(1.0, (1.0 - a) / (1.0 - a_rest))
    level = P["pain_ongoing"] * P["pain_trait"] * (1.0 + P["pain_day_cv"]
                                                   * U["pain_fluctuation"])
    ongoing = min(max(level * relief * flare, 0.0), 10.0)
    pain = 10.0 * (1.0 - (1.0 - evoked / 10.0) * (1.0 - ongoing / 10.0))

    _, drive, _ = _binding(P["bend_csf_base"], {}, P, 0)
    kc = P["k_rec_chronic_mu"]
    z_rest = kc / (kc + P["k_des_chronic_mu"] * drive["mu"])
    availability = max(P["receptor_mu"] * Y["receptor_chronic_mu"] / z_rest, 1e-6)
    factor = availability ** -P["hads_mu_exponent"]
    # practice over weeks: both scores fall with exercise and meditation practice
    px = min(max(Y["practice_exercise"], 0.0), 1.0)
    pm = min(max(Y["practice_meditation"], 0.0), 1.0)
    factor *= (1.0 - P["practice_exercise_mood"] * px) * (1.0 - P["practice_meditation_mood"] * pm)
    scores = [min(max(P[f"{k}_base"] * P[f"{k}_trait"]
                      * (1.0 + P[f"{k}_day_cv"] * U[f"{k}_fluctuation"]) * factor, 0.0),
                  21.0) for k in ("anxiety", "depression")]
    return pain, scores[0], scores[1]


# ----------------------------------------------------------------------------- model
FLUSH = 1e-6


def _filter(drive, x, tau):
    """d/dt of an input filter, (drive - x) / tau, held at 0 when the drive is off and
    |x| < FLUSH (docs/model.md, "Long horizons": a decayed transient is not integrated
    for days)."""
    if np.ndim(drive) == 0 and np.ndim(x) == 0:
        return 0.0 if (drive == 0.0 and abs(x) < FLUSH) else (drive - x) / tau
    held = (np.asarray(drive) == 0.0) & (np.abs(x) < FLUSH)
    return np.where(held, 0.0, (drive - x) / tau)


def rhs(t, y, p, u) -> np.ndarray:
    """dy/dt of the endorphin model (docs/model.md, table "States").

    ``y`` is the state (n_states,); it may also be (n_states, K), K states evaluated at
    once (scipy's ``vectorized=True`` layout).  ``p`` (n_params,) and ``u`` (n_inputs,)
    are in :data:`PARAMS` and :data:`INPUTS` order.
    """
    nd = _n_drugs(p)
    P, U = _params(p), _inputs(u, nd)
    states = names(nd)["states"]
    y = np.asarray(y, dtype=float)
    if y.shape[0] != len(states):
        raise ValueError(f"y must have {len(states)} rows, got shape {y.shape}")
    Y = dict(zip(states, y.tolist() if y.ndim == 1 else y))
    if y.ndim == 1:
        x = relative_intensity(Y, P, U)
        h = _stimuli(P, U, x)
    else:                      # K states at once (scipy's vectorized layout)
        x = (U["exercise"] + U["exercise_vo2"] / vo2max(Y, P)
             if U["exercise_vo2"] > 0.0 else np.full(y.shape[1], U["exercise"]))
        h = _stimuli(P, U)
        h["exercise"] = np.array([channel_hill(v, P["exercise_u50"], P["exercise_n"])
                                  for v in np.atleast_1d(x)])

    # drives to the pituitary and hypothalamic pools
    D_p = sum(P[f"{ch}_gain_pituitary"] * h[ch] for ch in CHANNELS)
    D_h = sum(P[f"{ch}_gain_hypothalamic"] * h[ch] for ch in CHANNELS)

    A_p, A_h = Y["act_p"], Y["act_h"]
    P_p, P_h = Y["syn_p"], Y["syn_h"]
    S_p, S_h = Y["store_p"], Y["store_h"]
    pulse = Y["pulse"]
    c = circadian(t, P)

    # release multipliers and elimination rates
    r_p = (1.0 + P["rho_p"] * A_p) * (1.0 + np.maximum(pulse, 0.0))
    r_h = 1.0 + P["rho_h"] * A_h
    k_p = math.log(2.0) / P["t_half_plasma"]
    k_h = math.log(2.0) / P["t_half_csf"]
    k_X = math.log(2.0) / P["t_half_acth"]
    k_F = math.log(2.0) / P["t_half_cortisol"]

    d = {}
    d["act_p"] = _filter(D_p, A_p, P["tau_act"])
    d["act_h"] = _filter(D_h, A_h, P["tau_act"])
    d["syn_p"] = (c * (1.0 + P["sigma_p"] * A_p) - P_p) / P["tau_syn"]
    d["syn_h"] = (c * (1.0 + P["sigma_h"] * A_h) - P_h) / P["tau_syn"]
    d["store_p"] = (P_p - r_p * S_p) / P["store_time_p"]
    d["store_h"] = (P_h - r_h * S_h) / P["store_time_h"]
    d["pulse"] = -pulse / P["tau_pulse"] + U["pulse_rate"]
    d["bend_plasma"] = (k_p * (P["bend_plasma_base"] * r_p * S_p - Y["bend_plasma"])
                        + U["bend_iv_rate"])
    d["bend_csf"] = (k_h * (P["bend_csf_base"] * r_h * S_h - Y["bend_csf"])
                     + U["bend_icv_rate"])
    d["acth"] = k_X * (P["acth_base"] * r_p * S_p - Y["acth"])
    d["cortisol"] = k_F * (P["cortisol_base"] * cortisol_secretion(Y["acth"], P)
                           / cortisol_secretion(P["acth_base"], P) - Y["cortisol"])
    for ch in CHANNELS:
        d[f"nonopioid_{ch}"] = _filter(h[ch], Y[f"nonopioid_{ch}"], P["tau_nonopioid"])

    # desensitization: acute and chronic processes driven by the agonist drive
    _, drive, _ = _binding(Y["bend_csf"], Y, P, nd)
    for proc in ("acute", "chronic"):
        for r in RECEPTORS:
            X = Y[f"receptor_{proc}_{r}"]
            d[f"receptor_{proc}_{r}"] = (P[f"k_rec_{proc}_{r}"] * (1.0 - X)
                                         - P[f"k_des_{proc}_{r}"] * drive[r] * X)
            if proc == "acute" and U["acute_qss"] > 0.0:     # quasi-steady: held
                d[f"receptor_{proc}_{r}"] = 0.0 * X

    # practice over weeks (docs/model.md, "Practice over weeks")
    xp = np.maximum(x, 0.0)
    L, F = Y["training_load"], Y["fitness"]
    P_x, P_m, H = Y["practice_exercise"], Y["practice_meditation"], Y["exercise_flare"]
    between_sessions = np.where(xp > 0.0, 0.0, 1.0)
    d["training_load"] = xp - L / P["tau_load"]
    d["fitness"] = (between_sessions * P["k_fitness"] * L * (P["fitness_max"] - F)
                    - F / P["tau_detrain"])
    d["practice_exercise"] = (P["k_practice_exercise"] * L * (1.0 - P_x)
                              - P_x / P["tau_practice_exercise"])
    d["practice_meditation"] = (P["k_practice_meditation"] * max(U["meditation"], 0.0)
                                * (1.0 - P_m) - P_m / P["tau_practice_meditation"])
    d["exercise_flare"] = P["flare_rate"] * xp * (1.0 - P_x) - H / P["tau_flare"]
    # exercise practice raises the central (CSF) opioid tone, not plasma
    d["bend_csf"] = d["bend_csf"] + k_h * P["bend_csf_base"] * P["practice_exercise_opioid"] * P_x

    # drugs: depot -> central <-> two peripheral compartments; effect site; binding
    bound = sum(np.maximum(Y[f"drug{k}_bound"], 0.0) for k in range(1, nd + 1)
                if P[f"drug{k}_kon"] > 0.0)
    for k in range(1, nd + 1):
        q = f"drug{k}_"
        A0, A1 = Y[q + "depot"], Y[q + "central"]
        A2, A3 = Y[q + "peripheral2"], Y[q + "peripheral3"]
        d[q + "depot"] = U[q + "depot_rate"] - P[q + "ka"] * A0
        d[q + "central"] = (U[q + "rate"] + P[q + "ka"] * A0
                            - (P[q + "k10"] + P[q + "k12"] + P[q + "k13"]) * A1
                            + P[q + "k21"] * A2 + P[q + "k31"] * A3)
        d[q + "peripheral2"] = P[q + "k12"] * A1 - P[q + "k21"] * A2
        d[q + "peripheral3"] = P[q + "k13"] * A1 - P[q + "k31"] * A3
        d[q + "effect_site"] = P[q + "ke0"] * (P[q + "f_brain"] * A1 / P[q + "v1"]
                                               - Y[q + "effect_site"])
        if P[q + "kon"] > 0.0:
            L = np.maximum(Y[q + "effect_site"], 0.0)
            d[q + "bound"] = (P[q + "kon"] * L ** P[q + "n"] * (1.0 - bound)
                              - P[q + "koff"] * Y[q + "bound"])
        else:
            d[q + "bound"] = -Y[q + "bound"]
    return np.array([d[s] for s in states], dtype=float)    # every d[s] has y[i]'s shape


def outputs(t, y, p, u) -> np.ndarray:
    """The model's outputs (docs/model.md, "Binding and effects" and "Outputs")."""
    nd = _n_drugs(p)
    P, U = _params(p), _inputs(u, nd)
    nm = names(nd)
    y = np.asarray(y, dtype=float)
    if y.shape != (len(nm["states"]),):
        raise ValueError(f"y must have shape ({len(nm['states'])},), got {y.shape}")
    Y = dict(zip(nm["states"], y.tolist()))

    acute = {r: Y[f"receptor_acute_{r}"] for r in RECEPTORS}
    if U["acute_qss"] > 0.0:             # the acute factors at their quasi-steady state
        _, drive0, _ = _binding(Y["bend_csf"], Y, P, nd)
        acute = {r: P[f"k_rec_acute_{r}"] / (P[f"k_rec_acute_{r}"]
                                             + P[f"k_des_acute_{r}"] * drive0[r])
                 for r in RECEPTORS}
    R = {r: P[f"receptor_{r}"] * acute[r] * Y[f"receptor_chronic_{r}"] for r in RECEPTORS}
    occ_l, _, eff = _binding(Y["bend_csf"], Y, P, nd, R)
    _, eff_rest = _effects(P["bend_csf_base"], P, _rest_receptors(P))

    a_op = 1.0 - math.prod(1.0 - P[f"w_{r}"] * eff[r] for r in RECEPTORS)
    # non-opioid analgesia: the channels' activations and the trained (tonic) part of
    # exercise and meditation practice
    clip = lambda v: min(max(v, 0.0), 1.0)      # noqa: E731
    a_non = 1.0 - math.prod(
        1.0 - P[f"{ch}_nonopioid_gain"] * clip(Y[f"nonopioid_{ch}"]) for ch in CHANNELS) * (
        (1.0 - P["practice_exercise_nonopioid"] * clip(Y["practice_exercise"]))
        * (1.0 - P["practice_meditation_nonopioid"] * clip(Y["practice_meditation"])))
    a = 1.0 - (1.0 - a_op) * (1.0 - a_non)
    mood = _mood(eff, P) - _mood(eff_rest, P)
    flare = 1.0 + max(Y["exercise_flare"], 0.0)     # post-exercise flare multiplies pain
    pain_nrs, anxiety, depression = _symptoms(Y, P, U, a, eff_rest, flare)
    # min(1 / ((1 - a) flare), 10), so that (1 - a) flare = 0 gives 10 without dividing by 0
    q = (1.0 - a) * flare
    pain_threshold = 1.0 / q if q > 0.1 else 10.0

    o = {
        "plasma_beta_endorphin": Y["bend_plasma"],
        "csf_beta_endorphin": Y["bend_csf"],
        "plasma_acth": Y["acth"],
        "plasma_cortisol": Y["cortisol"],
        "opioid_analgesia": a_op,
        "nonopioid_analgesia": a_non,
        "analgesia": a,
        "mood": mood,
        "pain_nrs": pain_nrs,
        "anxiety_score": anxiety,
        "depression_score": depression,
        "pain_threshold": pain_threshold,
        "activation_pituitary": Y["act_p"],
        "activation_hypothalamic": Y["act_h"],
        "synthesis_pituitary": Y["syn_p"],
        "synthesis_hypothalamic": Y["syn_h"],
        "store_pituitary": Y["store_p"],
        "store_hypothalamic": Y["store_h"],
        "pulse": Y["pulse"],
        "circadian": float(circadian(t, P)),
        "vo2max": vo2max(Y, P),
        "exercise_intensity": relative_intensity(Y, P, U),
        "training_load": Y["training_load"],
        "practice_exercise": Y["practice_exercise"],
        "practice_meditation": Y["practice_meditation"],
        "exercise_flare": Y["exercise_flare"],
    }
    for r in RECEPTORS:
        o[f"occupancy_{r}"] = sum(v for (lig, rr), v in occ_l.items() if rr == r)
        o[f"occupancy_{r}_beta_endorphin"] = occ_l[("beta_endorphin", r)]
        o[f"receptor_{r}"] = R[r]
        o[f"effect_{r}"] = eff[r]
        o[f"receptor_acute_{r}"] = acute[r]
        o[f"receptor_chronic_{r}"] = Y[f"receptor_chronic_{r}"]
    for k in range(1, nd + 1):
        q = f"drug{k}"
        o[q + "_plasma"] = Y[q + "_central"] / P[q + "_v1"]
        o[q + "_effect_site"] = Y[q + "_effect_site"]
        for r in RECEPTORS:
            o[f"occupancy_{r}_{q}"] = occ_l[(q, r)]
    return np.array([o[name] for name in nm["outputs"]], dtype=float)


# ----------------------------------------------------------------------------- rest
def _flow(t_start, t_end, Y0, p, u, *, rtol, atol, frozen=()):
    """Integrate K states (columns of Y0, (n_states, K)) from t_start to t_end at once.

    The states listed in ``frozen`` are held at their initial values (derivative 0)."""
    from scipy.integrate import solve_ivp

    S, K = Y0.shape
    frozen = list(frozen)

    def f(t, z):
        d = rhs(t, z.reshape(S, K), p, u)
        d[frozen] = 0.0
        return d.ravel()

    sol = solve_ivp(f, (t_start, t_end), Y0.ravel(), method="DOP853", rtol=rtol,
                    atol=atol)
    if not sol.success:
        raise RuntimeError(f"rest-state integration failed: {sol.message}")
    return sol.y[:, -1].reshape(S, K)


def rest_state(t0, p, *, rtol=1e-12, atol=1e-13) -> np.ndarray:
    """The resting state at time ``t0`` (docs/model.md, "Resting state").

    Stimuli, pulses and infusions off: activations, pulse and non-opioid states are 0.
    With pulses on (``pulse_mean`` > 0, the time-averaged pulse state) the pituitary
    store rests where the mean-field release ``(1 + pulse_mean) S_p`` balances synthesis.

    Rhythm off (``a_circ == 0``): synthesis and the hypothalamic store 1, the pituitary
    store ``1 / (1 + pulse_mean)``, every concentration at its base.

    Rhythm on: the 24-h periodic orbit of the resting model, by shooting with :func:`rhs`
    (DOP853 at ``rtol``) with the pulse state held at ``pulse_mean`` (the mean field).
    One day of that flow maps the linear chain (synthesis, stores, plasma, CSF, ACTH)
    affinely, ``y(t0) = M y(t0 - 1440) + g``; ``M`` and ``g`` come from integrating the
    zero state and the unit vectors together, and the periodic state solves
    ``(I - M) y = g``.  Cortisol is then affine in itself over the day,
    ``F(t0) = m F(t0 - 1440) + f`` given that ACTH orbit, so it is fixed from two
    integrations (``F = 0`` and ``F = 1``).  The returned pulse state is 0.
    """
    P = _params(p)
    if not P["pulse_mean"] >= 0.0:
        raise ValueError(f"pulse_mean must be >= 0, got {P['pulse_mean']}")
    n_states = len(names(_n_drugs(p))["states"])
    rec = [STATES.index(f"receptor_{proc}_{r}") for proc in ("acute", "chronic")
           for r in RECEPTORS]
    y = np.zeros(n_states)
    if P["a_circ"] == 0.0:
        _, drive, _ = _binding(P["bend_csf_base"], {}, P, 0)
        for proc in ("acute", "chronic"):
            for r in RECEPTORS:
                k = P[f"k_rec_{proc}_{r}"]
                y[STATES.index(f"receptor_{proc}_{r}")] = k / (
                    k + P[f"k_des_{proc}_{r}"] * drive[r])
        for s in ("syn_p", "syn_h", "store_h"):
            y[STATES.index(s)] = 1.0
        y[STATES.index("store_p")] = 1.0 / (1.0 + P["pulse_mean"])
        y[STATES.index("bend_plasma")] = P["bend_plasma_base"]
        y[STATES.index("bend_csf")] = P["bend_csf_base"]
        y[STATES.index("acth")] = P["acth_base"]
        y[STATES.index("cortisol")] = P["cortisol_base"]
        return y

    u0 = np.zeros(len(names(_n_drugs(p))["inputs"]))
    t_start = float(t0) - DAY
    lin = list(_LINEAR_REST)
    kw = dict(rtol=rtol, atol=atol, frozen=[_PULSE])
    # columns: the zero state, then a unit vector in each linear rest state
    Y0 = np.zeros((n_states, 1 + len(lin)))
    Y0[_PULSE] = P["pulse_mean"]
    for j, i in enumerate(lin):
        Y0[i, 1 + j] = 1.0
    Y1 = _flow(t_start, float(t0), Y0, p, u0, **kw)
    g = Y1[lin, 0]
    M = Y1[np.ix_(lin, range(1, 1 + len(lin)))] - g[:, None]
    y_lin = np.linalg.solve(np.eye(len(lin)) - M, g)

    # cortisol on that orbit: two starts, F = 0 and F = 1
    Z0 = np.zeros((n_states, 2))
    Z0[_PULSE] = P["pulse_mean"]
    Z0[lin, :] = y_lin[:, None]
    Z0[_CORTISOL, 1] = 1.0
    Z1 = _flow(t_start, float(t0), Z0, p, u0, **kw)
    f0, f1 = Z1[_CORTISOL, 0], Z1[_CORTISOL, 1]
    y[lin] = y_lin
    y[_CORTISOL] = f0 / (1.0 - (f1 - f0))

    # the receptor processes on that orbit: each is affine in itself over the day
    # (dX/dt = k (1 - X) - kd D(t) X with D from the CSF orbit): starts X = 0 and 1
    W0 = np.zeros((n_states, 2))
    W0[_PULSE] = P["pulse_mean"]
    W0[:, :] += y[:, None]
    W0[_PULSE] = P["pulse_mean"]
    W0[rec, 0], W0[rec, 1] = 0.0, 1.0
    W1 = _flow(t_start, float(t0), W0, p, u0, **kw)
    g0, g1 = W1[rec, 0], W1[rec, 1]
    y[rec] = g0 / (1.0 - (g1 - g0))
    return y


# ----------------------------------------------------------------------------- solve
def solve(p, t_out, protocol=None, y0=None, rtol=1e-10, atol=1e-12, *, doses=None,
          t0=None, method="Radau") -> np.ndarray:
    """Outputs (n_outputs, T) of one subject at ``t_out`` (nondecreasing, minutes).

    ``protocol = (breaks, inputs)``: breaks (B,) nondecreasing in (t0, t_end), inputs
    (B+1, n_inputs) on ``[t0, b0), [b0, b1), ..., [b_{B-1}, t_end]`` (default: all 0).
    ``y0``: the initial state (default :func:`rest_state` at ``t0``).  ``doses =
    (times, states, amounts)``: amounts added to the named (or indexed) states at those
    times.  ``t0`` defaults to ``t_out[0]``.  Everything is right-continuous: an output
    at a break or dose time sees the new inputs and the dosed state.

    scipy ``solve_ivp`` (Radau by default) is restarted at every break, dose and output
    time, so it never steps across a discontinuity and no output is interpolated.
    """
    from scipy.integrate import solve_ivp

    p = np.asarray(p, dtype=float)
    t_out = np.asarray(t_out, dtype=float)
    if t_out.ndim != 1 or t_out.size == 0 or (np.diff(t_out) < 0).any():
        raise ValueError("t_out must be a nonempty nondecreasing 1-D array")
    t0 = float(t_out[0]) if t0 is None else float(t0)
    t_end = float(t_out[-1])
    if t0 > t_out[0]:
        raise ValueError("t0 must be <= t_out[0]")

    nm = names(_n_drugs(p))
    if protocol is None:
        breaks, inputs = np.zeros(0), np.zeros((1, len(nm["inputs"])))
    else:
        breaks, inputs = protocol
        breaks = np.asarray(breaks, dtype=float).reshape(-1)
        inputs = np.asarray(inputs, dtype=float)
    if inputs.shape != (breaks.size + 1, len(nm["inputs"])):
        raise ValueError(f"inputs must have shape ({breaks.size + 1}, {len(nm['inputs'])})")

    if doses is None:
        d_t, d_i, d_a = np.zeros(0), np.zeros(0, dtype=int), np.zeros(0)
    else:
        d_t, d_s, d_a = doses
        d_t = np.asarray(d_t, dtype=float).reshape(-1)
        d_a = np.asarray(d_a, dtype=float).reshape(-1)
        d_i = np.array([nm["states"].index(s) if isinstance(s, str) else int(s)
                        for s in d_s],
                       dtype=int)

    def inputs_at(t):
        # right-continuous: at a break the next segment's inputs apply (and of two
        # equal breaks the later one, so a zero-length segment never acts)
        return inputs[np.searchsorted(breaks, t, side="right")]

    y = rest_state(t0, p) if y0 is None else np.array(y0, dtype=float)
    stops = np.unique(np.concatenate([[t0, t_end], breaks, d_t, t_out]))
    out = np.empty((len(nm["outputs"]), t_out.size))
    for j, s in enumerate(stops):
        for t_d, i, a in zip(d_t, d_i, d_a):
            if t_d == s:
                y[i] += a
        u = inputs_at(s)
        for k in np.flatnonzero(t_out == s):
            out[:, k] = outputs(s, y, p, u)
        if j + 1 < stops.size:
            sol = solve_ivp(lambda t, z: rhs(t, z, p, u), (s, stops[j + 1]), y,
                            method=method, rtol=rtol, atol=atol, vectorized=True)
            if not sol.success:
                raise RuntimeError(f"integration failed on [{s}, {stops[j + 1]}]: "
                                   f"{sol.message}")
            y = sol.y[:, -1].copy()
    return out
