"""The C model "endorphin" against its pure-NumPy twin ``endorphin.reference``.

``endorphin.reference`` restates docs/model.md in plain Python (parameters by name,
scipy's Radau for trajectories, shooting for the circadian resting orbit); it shares no
code with ``csrc/model/endorphin_model.c``.  Here the two are compared:

* names: the twin's STATES/PARAMS/INPUTS/OUTPUTS are the engine's;
* pointwise: right-hand side and outputs at 200 random states, parameters and inputs
  (through the private ``endorphin._engine_tests._evaluate``), to rounding (rtol 1e-12);
* the resting state: exact with the rhythm off; with the rhythm on, the C's closed-form
  orbit (complex amplitudes + Gauss-Legendre cortisol) against the twin's shooting;
* trajectories: ``core.simulate`` (Dormand-Prince, rtol 1e-8) against the twin (Radau,
  rtol 1e-10) for exercise, a mixed stimulus protocol, IV bolus / ICV infusion / a pulse,
  and a day with the circadian rhythm on.

No expected number here comes from the C code's own output.
"""
import math

import numpy as np
import pytest

from endorphin import _engine_tests, core
from endorphin import reference as ref

MODEL = "endorphin"
NS, NP, NU, NO = (len(ref.STATES), len(ref.PARAMS), len(ref.INPUTS), len(ref.OUTPUTS))
CHANNELS = ref.CHANNELS
LN2 = math.log(2.0)

# Engine tolerances of the trajectory tests and the resulting comparison tolerance.  The
# engine keeps the local error per step below rtol = 1e-8 of each state; on these
# dissipative problems the global error stays within a few rtol (observed ~1e-9 of each
# output's scale), and the twin (Radau, rtol 1e-10, restarted at every output) is ~100
# times better.  1e-6 of each output's scale leaves a factor 100 over the engine's
# tolerance and still catches any wrong term (those show at the 1e-3 level and above).
SIM_RTOL, SIM_ATOL = 1e-8, 1e-10
TRAJ_RTOL = 1e-6

# Our own values of each stimulus channel's parameters, one row per channel.
CHANNEL_PARAMS = ("u50", "n", "gain_pituitary", "gain_hypothalamic", "nonopioid_gain")
OWN_CHANNELS = {
    "exercise": (0.73, 20.0, 1.0, 0.8, 0.1),
    "stress": (0.5, 2.0, 0.8, 0.4, 0.0),
    "pain": (5.0, 2.0, 0.6, 0.6, 0.05),
    "laughter": (0.5, 1.0, 0.1, 0.6, 0.0),
    "meditation": (0.5, 1.5, 0.1, 0.2, 0.2),
    "acupuncture": (0.5, 1.0, 0.2, 0.8, 0.1),
    "placebo": (0.5, 1.0, 0.1, 0.6, 0.3),
}

# A plausible parameter set of our own (docs/model.md orders of magnitude), by name.
OWN = {
    **{f"{channel}_{name}": value for channel, row in OWN_CHANNELS.items()
       for name, value in zip(CHANNEL_PARAMS, row, strict=True)},
    "tau_act": 5.0, "tau_syn": 240.0, "sigma_p": 1.0, "sigma_h": 1.0,
    "store_time_p": 900.0, "store_time_h": 600.0, "rho_p": 15.0, "rho_h": 5.0,
    "tau_pulse": 30.0, "pulse_mean": 0.0, "a_circ": 0.0, "t_peak": 480.0,
    "clock_start": 480.0, "t_half_plasma": 37.0, "t_half_csf": 93.0,
    "bend_plasma_base": 4.34, "bend_csf_base": 22.2, "acth_base": 3.0,
    "t_half_acth": 20.0, "cortisol_base": 300.0, "t_half_cortisol": 49.0,
    "acth_ec50": 5.7, "cortisol_hill": 0.65, "tau_nonopioid": 5.0,
    "K_bend_mu": 0.9, "K_bend_delta": 2.0, "K_bend_kappa": 50.0,
    "tau_bend_mu": 2.0, "tau_bend_delta": 1.0, "tau_bend_kappa": 1.0,
    "slope_mu": 1.0, "slope_delta": 1.0, "slope_kappa": 1.0,
    "receptor_mu": 1.0, "receptor_delta": 1.0, "receptor_kappa": 1.0,
    "w_mu": 1.0, "w_delta": 0.5, "w_kappa": 0.3, "v_mu": 1.0, "v_delta": 0.5, "v_kappa": 1.0,
    # desensitization stronger than the defaults, so that its terms show
    "k_des_acute_mu": 0.3, "k_des_acute_delta": 0.2, "k_des_acute_kappa": 0.1,
    "k_rec_acute_mu": 0.07, "k_rec_acute_delta": 0.05, "k_rec_acute_kappa": 0.09,
    "k_des_chronic_mu": 0.004, "k_des_chronic_delta": 0.003, "k_des_chronic_kappa": 0.002,
    "k_rec_chronic_mu": 0.0005, "k_rec_chronic_delta": 0.0004, "k_rec_chronic_kappa": 0.0007,
    # symptoms: a sensitized subject with ongoing pain, so that every term shows
    "pain_sensitization": 0.7, "pain_ongoing": 5.5, "pain_between_cv": 0.2,
    "pain_day_cv": 0.2, "pain_tau": 2.0, "pain_trait": 1.1,
    "anxiety_base": 8.0, "anxiety_between_cv": 0.4, "anxiety_day_cv": 0.15,
    "anxiety_tau": 5.0, "anxiety_trait": 0.9,
    "depression_base": 6.0, "depression_between_cv": 0.5, "depression_day_cv": 0.1,
    "depression_tau": 7.0, "depression_trait": 1.3, "hads_mu_exponent": 1.3,
    # practice over weeks: rates far above the defaults, so that their terms show
    "vo2max_base": 38.0, "tau_load": 300.0, "k_fitness": 2e-4, "fitness_max": 0.45,
    "tau_detrain": 2000.0, "k_practice_exercise": 3e-4, "tau_practice_exercise": 3000.0,
    "practice_exercise_nonopioid": 0.15, "practice_exercise_opioid": 0.4,
    "k_practice_meditation": 0.02, "tau_practice_meditation": 4000.0,
    "practice_meditation_nonopioid": 0.2, "flare_rate": 0.02, "tau_flare": 400.0,
    "practice_exercise_mood": 0.3, "practice_meditation_mood": 0.25,
}

TIME_CONSTANTS = ("tau_act", "tau_syn", "store_time_p", "store_time_h", "tau_pulse",
                  "t_half_plasma", "t_half_csf", "t_half_acth", "t_half_cortisol",
                  "tau_nonopioid", "tau_load", "tau_detrain", "tau_practice_exercise",
                  "tau_practice_meditation", "tau_flare")


def params(base=None, **overrides) -> np.ndarray:
    """A parameter vector in engine order from a dict by name (default OWN)."""
    d = dict(OWN if base is None else base)
    unknown = set(overrides) - set(ref.PARAMS)
    assert not unknown, unknown
    d.update(overrides)
    assert set(d) == set(ref.PARAMS), set(ref.PARAMS) ^ set(d)
    return np.array([d[name] for name in ref.PARAMS], dtype=float)


def inputs(**values) -> np.ndarray:
    u = np.zeros(NU)
    for name, v in values.items():
        u[ref.INPUTS.index(name)] = v
    return u


def evaluate(t, y, p, u):
    return _engine_tests._evaluate(MODEL, float(t), y, np.ascontiguousarray(p, dtype=float),
                                np.ascontiguousarray(u, dtype=float))


def c_init(t0, p):
    y0, none = evaluate(t0, None, p, np.zeros(NU))
    assert none is None
    return y0


def rates(p) -> np.ndarray:
    """Per state, the rate of its first-order equation (docs/model.md, "States")."""
    P = dict(zip(ref.PARAMS, p))
    k = {"act_p": 1 / P["tau_act"], "act_h": 1 / P["tau_act"],
         "syn_p": 1 / P["tau_syn"], "syn_h": 1 / P["tau_syn"],
         "store_p": 1 / P["store_time_p"], "store_h": 1 / P["store_time_h"],
         "pulse": 1 / P["tau_pulse"], "bend_plasma": LN2 / P["t_half_plasma"],
         "bend_csf": LN2 / P["t_half_csf"], "acth": LN2 / P["t_half_acth"],
         "cortisol": LN2 / P["t_half_cortisol"]}
    for ch in CHANNELS:
        k[f"nonopioid_{ch}"] = 1 / P["tau_nonopioid"]
    for proc in ("acute", "chronic"):
        for r in ("mu", "delta", "kappa"):
            k[f"receptor_{proc}_{r}"] = P[f"k_rec_{proc}_{r}"] + P[f"k_des_{proc}_{r}"]
    # practice over weeks: the decay rate (the load's drive x is O(1), its decay slow)
    k["training_load"] = 1 / P["tau_load"] + 1.0
    k["fitness"] = 1 / P["tau_detrain"] + P["k_fitness"] * 50.0
    k["practice_exercise"] = 1 / P["tau_practice_exercise"] + P["k_practice_exercise"] * 50.0
    k["practice_meditation"] = 1 / P["tau_practice_meditation"] + P["k_practice_meditation"]
    k["exercise_flare"] = 1 / P["tau_flare"] + P["flare_rate"]
    return np.array([k[s] for s in ref.STATES])


# ---------------------------------------------------------------------------- random draws
def _loguniform(rng, lo, hi):
    return float(np.exp(rng.uniform(np.log(lo), np.log(hi))))


def random_params(rng, *, a_circ=None, pulse_mean=None) -> np.ndarray:
    """Wide plausible ranges: time constants 1-2000 min, gains 0-2, u50 0.2-0.9, ..."""
    d = {}
    for ch in CHANNELS:
        d[f"{ch}_u50"] = rng.uniform(2.0, 9.0) if ch == "pain" else rng.uniform(0.2, 0.9)
        d[f"{ch}_n"] = rng.uniform(0.5, 20.0)
        d[f"{ch}_gain_pituitary"] = rng.uniform(0.0, 2.0)
        d[f"{ch}_gain_hypothalamic"] = rng.uniform(0.0, 2.0)
        d[f"{ch}_nonopioid_gain"] = rng.uniform(0.0, 0.5)
    for name in TIME_CONSTANTS:
        d[name] = _loguniform(rng, 1.0, 2000.0)
    for name in ("tau_load", "tau_detrain", "tau_practice_exercise",
                 "tau_practice_meditation", "tau_flare"):
        d[name] = _loguniform(rng, 100.0, 1e5)
    d.update(
        sigma_p=rng.uniform(0, 2), sigma_h=rng.uniform(0, 2),
        rho_p=rng.uniform(0, 40), rho_h=rng.uniform(0, 20),
        pulse_mean=rng.uniform(0, 2) if pulse_mean is None else pulse_mean,
        a_circ=(rng.choice([0.0, rng.uniform(0.05, 0.95)]) if a_circ is None else a_circ),
        t_peak=rng.uniform(0, 1440), clock_start=rng.uniform(0, 1440),
        bend_plasma_base=rng.uniform(1, 10), bend_csf_base=rng.uniform(5, 50),
        acth_base=rng.uniform(1, 10), cortisol_base=rng.uniform(100, 600),
        acth_ec50=rng.uniform(1, 20), cortisol_hill=rng.uniform(0.3, 2.0),
    )
    for r in ("mu", "delta", "kappa"):
        d[f"K_bend_{r}"] = _loguniform(rng, 0.01, 100.0)
        d[f"tau_bend_{r}"] = _loguniform(rng, 0.1, 100.0)
        d[f"slope_{r}"] = rng.uniform(0.5, 3.0)
        d[f"receptor_{r}"] = rng.uniform(0.1, 1.0)
        d[f"w_{r}"] = rng.uniform(0.0, 1.0)
        d[f"v_{r}"] = rng.uniform(0.0, 2.0)
        d[f"k_des_acute_{r}"] = rng.uniform(0.0, 0.5)
        d[f"k_rec_acute_{r}"] = _loguniform(rng, 0.005, 0.5)
        d[f"k_des_chronic_{r}"] = rng.uniform(0.0, 0.01)
        d[f"k_rec_chronic_{r}"] = _loguniform(rng, 5e-5, 5e-3)
    # symptoms (drawn after the rest, so that the earlier draws keep their values)
    d.update(pain_sensitization=rng.uniform(0.0, 3.0), pain_ongoing=rng.uniform(0.0, 10.0),
             pain_day_cv=rng.uniform(0.0, 0.5), pain_trait=rng.uniform(0.2, 3.0),
             anxiety_base=rng.uniform(0.0, 21.0), anxiety_day_cv=rng.uniform(0.0, 0.5),
             anxiety_trait=rng.uniform(0.2, 3.0), depression_base=rng.uniform(0.0, 21.0),
             depression_day_cv=rng.uniform(0.0, 0.5), depression_trait=rng.uniform(0.2, 3.0),
             hads_mu_exponent=rng.uniform(0.0, 3.0))
    for k in ("pain", "anxiety", "depression"):
        d[f"{k}_between_cv"] = rng.uniform(0.0, 1.0)
        d[f"{k}_tau"] = rng.uniform(0.5, 30.0)
    # practice over weeks
    d.update(
        vo2max_base=rng.uniform(20, 70), k_fitness=_loguniform(rng, 1e-7, 1e-3),
        fitness_max=rng.uniform(0.2, 1.0), k_practice_exercise=_loguniform(rng, 1e-7, 1e-3),
        practice_exercise_nonopioid=rng.uniform(0, 0.5),
        practice_exercise_opioid=rng.uniform(0, 2),
        k_practice_meditation=_loguniform(rng, 1e-5, 1e-1),
        practice_meditation_nonopioid=rng.uniform(0, 0.5),
        flare_rate=rng.choice([0.0, rng.uniform(0, 0.05)]),
        practice_exercise_mood=rng.uniform(0, 0.8), practice_meditation_mood=rng.uniform(0, 0.8))
    return params(d)


def table_params(rng, **overrides) -> np.ndarray:
    """OWN with the physiological parameters varied within docs/model.md's ranges."""
    d = dict(OWN)
    d.update(
        tau_syn=rng.uniform(60, 480), store_time_p=rng.uniform(300, 1500),
        store_time_h=rng.uniform(300, 1500), t_half_plasma=rng.uniform(25, 55),
        t_half_csf=rng.uniform(60, 140), t_half_acth=rng.uniform(10, 30),
        t_half_cortisol=rng.uniform(30, 80), bend_plasma_base=rng.uniform(1.5, 10),
        bend_csf_base=rng.uniform(10, 40), acth_base=rng.uniform(1.5, 6),
        cortisol_base=rng.uniform(150, 550), acth_ec50=rng.uniform(2, 15),
        cortisol_hill=rng.uniform(0.3, 1.5), t_peak=rng.uniform(0, 1440),
        clock_start=rng.uniform(0, 1440), pulse_mean=rng.choice([0.0, rng.uniform(0, 2)]),
        rho_p=rng.uniform(2, 40), tau_pulse=rng.uniform(10, 60),
    )
    d.update(overrides)
    return params(d)


def random_state(rng, p, edge=False) -> np.ndarray:
    P = dict(zip(ref.PARAMS, p))
    y = {
        "act_p": rng.uniform(0, 3), "act_h": rng.uniform(0, 3),
        "syn_p": rng.uniform(0.2, 3), "syn_h": rng.uniform(0.2, 3),
        "store_p": rng.uniform(0.05, 2), "store_h": rng.uniform(0.05, 2),
        "pulse": rng.choice([0.0, rng.uniform(0, 4)]),
        "bend_plasma": P["bend_plasma_base"] * rng.uniform(0.2, 10),
        "bend_csf": P["bend_csf_base"] * rng.uniform(0.2, 10),
        "acth": P["acth_base"] * rng.uniform(0.2, 10),
        "cortisol": P["cortisol_base"] * rng.uniform(0.3, 3),
    }
    for ch in CHANNELS:
        y[f"nonopioid_{ch}"] = rng.uniform(0, 1)
    for proc in ("acute", "chronic"):
        for r in ("mu", "delta", "kappa"):
            y[f"receptor_{proc}_{r}"] = rng.uniform(0.1, 1.0)
    y.update(training_load=rng.uniform(0, 60), fitness=rng.uniform(0, 0.6),
             practice_exercise=rng.uniform(0, 1), practice_meditation=rng.uniform(0, 1),
             exercise_flare=rng.uniform(0, 0.8))
    if edge:
        # the clipped ranges of docs/model.md: pi < 0 (max(pi, 0)), X < 0 (H clips at 0),
        # C_h < 0 (L clips at 0), N outside [0, 1]
        y["pulse"] = -rng.uniform(0, 0.5)
        y["acth"] = -rng.uniform(0, 1)
        y["bend_csf"] = -rng.uniform(0, 5)
        for ch in CHANNELS:
            y[f"nonopioid_{ch}"] = rng.uniform(-0.3, 1.3)
    return np.array([y[s] for s in ref.STATES])


def random_inputs(rng) -> np.ndarray:
    hi = {"exercise": 1.2, "pain": 10.0, "bend_iv_rate": 5.0, "bend_icv_rate": 5.0,
          "exercise_vo2": 50.0}
    lo = {f"{k}_fluctuation": -3.0 for k in ("pain", "anxiety", "depression")}
    hi.update({f"{k}_fluctuation": 3.0 for k in ("pain", "anxiety", "depression")})
    u = np.array([rng.uniform(lo.get(name, 0.0), hi.get(name, 1.0)) for name in ref.INPUTS])
    u[ref.INPUTS.index("acute_qss")] = float(rng.integers(0, 2))   # a switch: both sides
    u[rng.random(NU) < 0.3] = 0.0             # exactly-zero inputs (h_k(0) = 0)
    return u


# ---------------------------------------------------------------------------- names
def test_names_equal_engine():
    m = core.models[MODEL]
    assert m.states == ref.STATES
    assert m.params == ref.PARAMS
    assert m.inputs == ref.INPUTS
    assert m.outputs == ref.OUTPUTS
    assert m.has_init


# ---------------------------------------------------------------------------- pointwise
def test_rhs_and_outputs_pointwise():
    rng = np.random.default_rng(20240611)
    n_points = 200
    for i in range(n_points):
        p = random_params(rng)
        y = random_state(rng, p, edge=(i % 5 == 4))
        u = np.zeros(NU) if i < 5 else random_inputs(rng)
        if i % 10 == 9:
            u[ref.INPUTS.index("pain")] = rng.uniform(10.0, 12.0)   # pain_nrs clips at 10
        t = float(rng.uniform(-500, 3000))
        dy_c, out_c = evaluate(t, y, p, u)
        dy_r, out_r = ref.rhs(t, y, p, u), ref.outputs(t, y, p, u)
        where = f"point {i}: t={t!r}, y={y.tolist()!r}, p={p.tolist()!r}, u={u.tolist()!r}"

        # dy_i = k_i (target_i - y_i): rounding is relative to the larger of the two terms
        k = rates(p)
        scale = k * (np.abs(y) + np.abs(y + dy_r / k))
        err = np.abs(dy_c - dy_r)
        bad = err > 1e-12 * (np.abs(dy_r) + scale)
        assert not bad.any(), (f"rhs differs in {[ref.STATES[j] for j in np.flatnonzero(bad)]}:"
                               f" C {dy_c[bad]}, twin {dy_r[bad]}; {where}")
        np.testing.assert_allclose(out_c, out_r, rtol=1e-12, atol=1e-13, err_msg=where)


def test_pointwise_covers_the_model():
    """The random points of the pointwise test reach every regime they should."""
    rng = np.random.default_rng(1)
    p = random_params(rng)
    # h_k(0) = 0: with all stimuli off and N = A = 0 the activations stay at 0
    y = random_state(rng, p)
    y[[ref.STATES.index("act_p"), ref.STATES.index("act_h")]] = 0.0
    dy, _ = evaluate(0.0, y, p, np.zeros(NU))
    assert dy[ref.STATES.index("act_p")] == 0.0 and dy[ref.STATES.index("act_h")] == 0.0
    # a stimulus reaches both pools and its non-opioid state
    dy2, _ = evaluate(0.0, y, p, inputs(stress=0.9))
    assert dy2[ref.STATES.index("act_p")] > 0 and dy2[ref.STATES.index("act_h")] > 0
    np.testing.assert_allclose(dy2, ref.rhs(0.0, y, p, inputs(stress=0.9)), rtol=1e-12,
                               atol=1e-15)


def test_outputs_at_the_clips():
    """pain_nrs = clip(pain (1 - a), 0, 10) and pain_threshold = min(1 / (1 - a), 10) at
    and beyond their clips, C against the twin."""
    rng = np.random.default_rng(5)
    n_clipped_nrs = n_clipped_thr = 0
    for i in range(60):
        p = random_params(rng)
        y = random_state(rng, p)
        u = random_inputs(rng)
        if i % 2:       # little analgesia and a pain input above the scale
            y[11:] = 0.0
            y[ref.STATES.index("bend_csf")] = 0.0
            u[ref.INPUTS.index("pain")] = rng.uniform(10.5, 30.0)
        else:           # strong analgesia: 1 - a below 0.1
            y[11:] = 1.0
            p[[ref.PARAMS.index(f"{ch}_nonopioid_gain") for ch in CHANNELS]] = \
                rng.uniform(0.3, 0.6, len(CHANNELS))
        _, out_c = evaluate(0.0, y, p, u)
        out_r = ref.outputs(0.0, y, p, u)
        np.testing.assert_allclose(out_c, out_r, rtol=1e-12, atol=1e-13)
        n_clipped_nrs += out_r[column("pain_nrs")] == 10.0
        n_clipped_thr += out_r[column("pain_threshold")] == 10.0
    assert n_clipped_nrs >= 20 and n_clipped_thr >= 20


# ---------------------------------------------------------------------------- rest
def test_rest_state_rhythm_off_exact():
    rng = np.random.default_rng(7)
    for i in range(40):
        p = random_params(rng, a_circ=0.0, pulse_mean=0.0 if i % 2 else None)
        t0 = float(rng.uniform(-1000, 5000))
        y_c, y_r = c_init(t0, p), ref.rest_state(t0, p)
        np.testing.assert_allclose(y_c, y_r, rtol=1e-14, atol=0, err_msg=f"p={p.tolist()}")


@pytest.mark.parametrize("case", range(5))
def test_rest_state_rhythm_on(case):
    rng = np.random.default_rng(100 + case)
    p = table_params(rng, a_circ=rng.uniform(0.3, 0.8))
    t0 = float(rng.choice([0.0, rng.uniform(-2000, 3000)]))
    y_c, y_r = c_init(t0, p), ref.rest_state(t0, p)
    where = f"t0={t0}, p={p.tolist()}"
    cort = ref.STATES.index("cortisol")
    rec = [i for i, s in enumerate(ref.STATES) if s.startswith("receptor_")]
    zero = [ref.STATES.index(s) for s in ("act_p", "act_h", "pulse")] + [
        i for i, s in enumerate(ref.STATES) if s.startswith("nonopioid_")]
    assert (y_c[zero] == 0).all() and (y_r[zero] == 0).all()
    linear = [i for i in range(NS) if i not in zero and i != cort and i not in rec]
    # the linear chain: closed form (C) vs shooting (twin, DOP853 at rtol 1e-12)
    np.testing.assert_allclose(y_c[linear], y_r[linear], rtol=1e-10, err_msg=where)
    # cortisol: the C's 1.5-day Gauss-Legendre integration (docs/model.md) is good to a
    # few 1e-9 for t_half_cortisol in 30-80 min
    np.testing.assert_allclose(y_c[cort], y_r[cort], rtol=1e-8, err_msg=where)
    # the receptor processes: the C's exponentially fitted quadrature (docs/model.md)
    # vs the twin's two-start shooting; both periodic solutions of a linear ODE
    np.testing.assert_allclose(y_c[rec], y_r[rec], rtol=1e-9, err_msg=where)
    assert (y_c[rec] < 1.0).all() and (y_c[rec] > 0.0).all()


def test_rest_state_rhythm_on_follows_the_clock():
    """The resting orbit at t0 depends on t0 + clock_start - t_peak only."""
    p1 = params(a_circ=0.6, clock_start=480.0, t_peak=420.0)
    p2 = params(a_circ=0.6, clock_start=0.0, t_peak=420.0)
    y1 = c_init(100.0, p1)
    y2 = c_init(580.0, p2)
    np.testing.assert_allclose(y1, y2, rtol=1e-12)
    y3 = c_init(100.0 + 720.0, p1)           # half a day later: a different phase
    assert abs(y3[ref.STATES.index("bend_plasma")] - y1[ref.STATES.index("bend_plasma")]) \
        > 1e-2 * y1[ref.STATES.index("bend_plasma")]
    np.testing.assert_allclose(y3, ref.rest_state(820.0, p1), rtol=1e-8)


def test_rest_is_steady_with_rhythm_off():
    rng = np.random.default_rng(11)
    for _ in range(40):
        p = random_params(rng, a_circ=0.0, pulse_mean=0.0)
        t = float(rng.uniform(-1000, 5000))
        y0 = c_init(t, p)
        dy, _ = evaluate(t, y0, p, np.zeros(NU))
        # change over one time constant, relative to the state (or 1 for the zero states)
        rel = np.abs(dy) / rates(p) / np.maximum(np.abs(y0), 1.0)
        assert rel.max() < 1e-12, (ref.STATES[int(np.argmax(rel))], rel.max(), p.tolist())
        # and the twin agrees that its own rest is steady
        rel_r = np.abs(ref.rhs(t, ref.rest_state(t, p), p, np.zeros(NU))) / rates(p)
        assert rel_r.max() < 1e-12


def test_rest_with_pulses_is_the_mean_field_steady_state():
    """pulse_mean > 0: the store rests where the mean pulse multiplier holds it, i.e. the
    rest is steady when the pulse state sits at its time average pulse_mean."""
    rng = np.random.default_rng(12)
    ip, isp = ref.STATES.index("pulse"), ref.STATES.index("store_p")
    for _ in range(20):
        pm = rng.uniform(0.1, 2.0)
        p = random_params(rng, a_circ=0.0, pulse_mean=pm)
        y0 = c_init(0.0, p)
        assert y0[ip] == 0.0
        np.testing.assert_allclose(y0[isp], 1.0 / (1.0 + pm), rtol=1e-15)
        y = y0.copy()
        y[ip] = pm
        dy, _ = evaluate(0.0, y, p, np.zeros(NU))
        dy[ip] = 0.0
        rel = np.abs(dy) / rates(p) / np.maximum(np.abs(y), 1.0)
        assert rel.max() < 1e-12, (ref.STATES[int(np.argmax(rel))], rel.max())


# ---------------------------------------------------------------------------- trajectories
def compare(p, t_out, breaks=(), segments=None, doses=None, rtol=TRAJ_RTOL):
    """core.simulate vs reference.solve; returns the twin's outputs (n_outputs, T)."""
    breaks = np.asarray(breaks, dtype=float)
    u = np.zeros((breaks.size + 1, NU)) if segments is None else np.asarray(segments, float)
    res = core.simulate(MODEL, p, t_out, breaks=breaks if breaks.size else None, inputs=u,
                        doses=doses, rtol=SIM_RTOL, atol=SIM_ATOL)
    assert res.status[0] == 0, core.STATUS[int(res.status[0])]
    assert res.output_names == ref.OUTPUTS
    got = res.y[0]
    want = ref.solve(p, t_out, (breaks, u), doses=doses, rtol=1e-10, atol=1e-12)
    scale = np.abs(want).max(axis=1)
    err = np.abs(got - want).max(axis=1)
    bad = err > rtol * scale + 1e-12
    assert not bad.any(), "; ".join(
        f"{ref.OUTPUTS[j]}: max err {err[j]:.3g} vs scale {scale[j]:.3g}"
        for j in np.flatnonzero(bad))
    return want


def column(name):
    return ref.OUTPUTS.index(name)


def test_trajectory_exercise_80_percent():
    p = params()
    t_out = np.linspace(0.0, 240.0, 49)               # every 5 min, the breaks included
    seg = np.zeros((3, NU))
    seg[1, ref.INPUTS.index("exercise")] = 0.8
    want = compare(p, t_out, breaks=[30.0, 60.0], segments=seg)
    cp = want[column("plasma_beta_endorphin")]
    assert cp[0] == pytest.approx(OWN["bend_plasma_base"], rel=1e-14)
    assert cp.max() > 2.0 * OWN["bend_plasma_base"]     # the protocol exercises the model
    assert want[column("plasma_cortisol")].max() > 1.05 * OWN["cortisol_base"]


def test_trajectory_mixed_stimuli():
    p = params(a_circ=0.0)
    #          rest   stress  +pain  pain  laugh  medit+pain  (0-length)  placebo+acu  rest
    breaks = [20.0, 50.0, 60.0, 90.0, 120.0, 150.0, 150.0, 170.0]
    seg = np.array([inputs(),
                    inputs(stress=0.7),
                    inputs(stress=0.7, pain=6.0),
                    inputs(pain=6.0),
                    inputs(laughter=0.8),
                    inputs(meditation=0.9, pain=3.0),
                    inputs(acupuncture=1.0, exercise=1.2),     # zero length: never acts
                    inputs(placebo=0.6, acupuncture=0.5, pain=4.0),
                    inputs()])
    t_out = np.union1d(np.linspace(0.0, 240.0, 25), breaks)
    want = compare(p, t_out, breaks=breaks, segments=seg)
    assert want[column("pain_nrs")].max() > 1.0
    assert want[column("nonopioid_analgesia")].max() > 0.05
    assert want[column("csf_beta_endorphin")].max() > 1.5 * OWN["bend_csf_base"]


def test_trajectory_iv_bolus_icv_infusion_and_pulse():
    p = params()
    breaks = [60.0, 120.0]
    seg = np.array([inputs(), inputs(bend_icv_rate=0.5), inputs()])
    doses = (np.array([30.0, 150.0]), ["bend_plasma", "pulse"], np.array([50.0, 1.2]))
    t_out = np.union1d(np.linspace(0.0, 240.0, 25), [30.0, 150.0])
    want = compare(p, t_out, breaks=breaks, segments=seg, doses=doses)
    cp = want[column("plasma_beta_endorphin")]
    k30 = int(np.searchsorted(t_out, 30.0))
    # right-continuous: the bolus shows at its own time
    assert cp[k30] == pytest.approx(OWN["bend_plasma_base"] + 50.0, rel=1e-9)
    assert want[column("csf_beta_endorphin")].max() > 1.5 * OWN["bend_csf_base"]
    assert want[column("pulse")][int(np.searchsorted(t_out, 150.0))] == pytest.approx(1.2)


def test_trajectory_circadian_day():
    p = params(a_circ=0.5, t_peak=420.0, clock_start=480.0, pulse_mean=0.4)
    breaks = [300.0, 330.0, 700.0, 760.0]
    seg = np.array([inputs(), inputs(exercise=0.85), inputs(), inputs(stress=0.6, pain=5.0),
                    inputs()])
    t_out = np.linspace(0.0, 1440.0, 49)
    want = compare(p, t_out, breaks=breaks, segments=seg)
    c = want[column("circadian")]
    assert c.max() - c.min() > 0.9                      # the rhythm is on
    np.testing.assert_allclose(
        c, 1.0 + 0.5 * np.cos(2 * np.pi * (t_out + 480.0 - 420.0) / 1440.0), rtol=1e-14)


def test_circadian_rest_is_periodic_in_the_engine():
    """From its own initial state, the C model at rest repeats after 24 h."""
    p = params(a_circ=0.7, t_peak=600.0, clock_start=420.0, store_time_p=1500.0)
    t_out = np.array([0.0, 720.0, 1440.0])
    res = core.simulate(MODEL, p, t_out, rtol=SIM_RTOL, atol=SIM_ATOL)
    y = res.y[0]
    scale = np.abs(y).max(axis=1)
    np.testing.assert_array_less(np.abs(y[:, 2] - y[:, 0]), 1e-7 * scale + 1e-12)
    # and it moved in between
    j = column("plasma_beta_endorphin")
    assert abs(y[j, 1] - y[j, 0]) > 0.05 * y[j, 0]


def test_trajectory_default_parameters():
    model = pytest.importorskip("endorphin.model")
    p = model.default_parameters()
    assert p.shape == (NP,) and p.dtype == np.float64
    seg = np.zeros((3, NU))
    seg[1, ref.INPUTS.index("exercise")] = 0.8
    t_out = np.linspace(0.0, 240.0, 25)
    want = compare(p, t_out, breaks=[30.0, 60.0], segments=seg)
    base = p[ref.PARAMS.index("bend_plasma_base")]
    assert want[column("plasma_beta_endorphin")].max() > 2.0 * base
