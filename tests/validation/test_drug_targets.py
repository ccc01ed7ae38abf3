"""The validation targets (docs/model.md) for drugs: 4 (naloxone), 5 (tolerance), 6 (fibromyalgia),
7 (analytic PK for every route), and Sarton et al. (2000)'s morphine AC50 and ke0.

Independent references: closed-form PK written here (one compartment, Bateman,
infusion plateau, accumulation ratio) and ``endorphin.drugs.concentration``
(superposition of exponentials, a separate implementation from the engine's ODE
states); published numbers (Sarton 2000: AC50 71.2 nmol/L, ke0 0.0070 1/min in
men; Way, Loh & Shen 1969: 4-7-fold after 3 days); scipy's least squares to
analyse the model's output as Sarton analysed their volunteers.
"""
import dataclasses
import math

import numpy as np
import pytest

import endorphin as en
from endorphin import drugs
from endorphin import model as M

RECEPTORS = ("receptor_mu", "receptor_delta", "receptor_kappa")

# ------------------------------------------------------------------ target 7: PK
CASES = []
for _name in drugs.names():
    if _name == "beta_endorphin":
        continue            # dosed into the endogenous states (test_endogenous_targets)
    for _route in drugs.get(_name).routes:
        CASES.append((_name, _route))


@pytest.mark.parametrize("name,route", CASES)
def test_every_drug_and_route_matches_the_closed_form(name, route):
    """Engine states (depot/central/peripheral ODEs) vs drugs.concentration (a sum of
    exponentials): a bolus, a repeated dose and, for IV, an infusion."""
    d = drugs.get(name)
    doses = [en.Dose(name, amount=1.0, unit="mg", route=route, time=10.0),
             en.Dose(name, amount=0.5, unit="mg", route=route, time=200.0, every=180.0,
                     times=3)]
    if route == "iv":
        doses.append(en.Dose(name, amount=2.0, unit="mg", route="iv", time=400.0,
                             duration=45.0))
    sc = en.Scenario(doses=doses, t_end=1000.0, dt=2.0, circadian=False, pulses=False)
    res = sc.simulate(outputs=[f"{name}_plasma"], rtol=1e-10, atol=1e-12)
    got = res[f"{name}_plasma"][0]
    want = drugs.concentration(d, res.time, doses)
    scale = want.max()
    assert scale > 0
    np.testing.assert_allclose(got, want, rtol=0, atol=2e-7 * scale)


def test_one_compartment_bateman_plateau_and_accumulation():
    """Closed forms written here: oral Bateman curve, infusion plateau R/CL,
    accumulation ratio 1/(1 - exp(-k tau)) of repeated IV boluses (morphine: one
    compartment)."""
    d = drugs.get("morphine")
    k = d.cl / d.v1
    F, ka, lag = d.routes["oral"]
    mw = d.molar_mass
    # Bateman: oral 10 mg at t = 0
    sc = en.Scenario(doses=en.Dose("morphine", 10.0, "mg", route="oral"), t_end=600,
                     dt=1.0, circadian=False, pulses=False)
    r = sc.simulate(outputs=["morphine_plasma"], rtol=1e-10, atol=1e-12)
    t = r.time - lag
    nmol = 10.0e6 / mw
    bateman = np.where(t > 0, F * nmol * ka / (d.v1 * (ka - k))
                       * (np.exp(-k * t) - np.exp(-ka * t)), 0.0)
    np.testing.assert_allclose(r["morphine_plasma"][0], bateman, atol=1e-7 * bateman.max())
    # infusion plateau: 2 mg/h for 48 h -> R / CL
    sc = en.Scenario(doses=en.Dose("morphine", rate=2.0 / 60, unit="mg", duration=2880),
                     t_end=2880, dt=60, circadian=False, pulses=False)
    r = sc.simulate(outputs=["morphine_plasma"])
    plateau = 2.0 / 60 * 1e6 / mw / d.cl
    assert r["morphine_plasma"][0, -1] == pytest.approx(plateau, rel=1e-5)
    # accumulation: 5 mg IV every 4 h, 12 doses; the trough before the last dose over
    # the trough after the first, at steady state 1 / (1 - exp(-k tau))
    tau = 240.0
    sc = en.Scenario(doses=en.Dose("morphine", 5.0, "mg", every=tau, times=12),
                     t_end=12 * tau, dt=tau / 8, circadian=False, pulses=False)
    r = sc.simulate(outputs=["morphine_plasma"], rtol=1e-10, atol=1e-12)
    c = r["morphine_plasma"][0]
    first_trough = c[np.searchsorted(r.time, tau) - 1]        # just before dose 2
    last_trough = c[np.searchsorted(r.time, 11 * tau) - 1]    # just before dose 12
    ratio = 1.0 / (1.0 - math.exp(-k * tau))
    expected = (1.0 - math.exp(-10 * k * tau)) * ratio        # 10 doses' accumulation
    assert last_trough / first_trough == pytest.approx(expected, rel=1e-4)


def test_dose_past_t_end_by_lag_and_dose_at_an_output_time():
    d = drugs.register(dataclasses.replace(drugs.get("morphine"), name="lagmorph",
                                           routes={"oral": (0.5, 0.05, 30.0)}))
    try:
        sc = en.Scenario(doses=[en.Dose("lagmorph", 1.0, route="oral", time=100)],
                         t_end=120, dt=1.0, circadian=False, pulses=False)
        r = sc.simulate(outputs=["lagmorph_plasma"])
        assert (r["lagmorph_plasma"] == 0).all()       # the lag pushes it past t_end
        sc = en.Scenario(doses=[en.Dose("lagmorph", 1.0, route="oral", time=10)],
                         t_end=200, dt=1.0, circadian=False, pulses=False)
        r = sc.simulate(outputs=["lagmorph_plasma"])
        c = r["lagmorph_plasma"][0]
        assert (c[r.time <= 40.0] == 0).all() and (c[r.time > 40.0] > 0).all()
        assert d.routes["oral"].lag == 30.0
    finally:
        drugs.unregister("lagmorph")
    # an IV bolus at an output time is seen at that output (right-continuous)
    sc = en.Scenario(doses=en.Dose("naloxone", 0.4, time=50.0), t_end=100, dt=1.0,
                     circadian=False, pulses=False)
    r = sc.simulate(outputs=["naloxone_plasma"])
    c = r["naloxone_plasma"][0]
    assert c[50] == pytest.approx(0.4e6 / drugs.get("naloxone").molar_mass
                                  / drugs.get("naloxone").v1, rel=1e-9)
    assert c[49] == 0.0


# ------------------------------------------------------------------ target 4: naloxone
@pytest.fixture(scope="module")
def naloxone_arms():
    """Four arms on the same 100 subjects: rest, stimulus, naloxone (0.1 mg/kg IV 20
    min before) and stimulus + naloxone.  The stimulus's component of an output is
    (stimulus arm - its stimulus-free arm), with or without naloxone, so that the
    fading of naloxone itself is not counted as the stimulus's."""
    stim = en.Exercise(0.8, start=60, duration=30) + en.Pain(level=6, start=60, duration=90)
    nlx = en.Dose("naloxone", 0.1, "mg/kg", time=40)
    outs = ["opioid_analgesia", "nonopioid_analgesia", "analgesia"]
    arms = {}
    for name, protocol, doses in (("rest", None, None), ("stim", stim, None),
                                  ("nlx", None, nlx), ("stim_nlx", stim, nlx)):
        sc = en.Scenario(protocol, doses, population=en.Population(100, seed=4),
                         t_end=240, dt=1.0, pulses=False)
        arms[name] = sc.simulate(outputs=outs + (["occupancy_mu_naloxone"] if doses
                                                 else []))
    return arms


def test_naloxone_abolishes_the_opioid_component_and_leaves_the_rest(naloxone_arms):
    a = naloxone_arms
    t = a["rest"].time
    win = (t >= 60) & (t <= 180)
    comp = {}
    for k in ("opioid_analgesia", "nonopioid_analgesia"):
        comp[k] = ((a["stim"][k] - a["rest"][k])[:, win].max(1),
                   (a["stim_nlx"][k] - a["nlx"][k])[:, win].max(1))
    ctrl, blocked_arm = comp["opioid_analgesia"]
    assert ctrl.mean() > 0.02                        # the stimulus has an opioid component
    blocked = 1.0 - blocked_arm.mean() / ctrl.mean()
    print(f"opioid component {ctrl.mean():.4f}, with naloxone {blocked_arm.mean():.4f}: "
          f"{100 * blocked:.1f} % blocked")
    assert blocked >= 0.80, blocked                  # docs/model.md validation target 4
    # the non-opioid component is untouched (naloxone-insensitive; the arms differ only
    # by the integrator's steps, rtol 1e-6)
    np.testing.assert_allclose(comp["nonopioid_analgesia"][0], comp["nonopioid_analgesia"][1],
                               rtol=1e-5)
    assert comp["nonopioid_analgesia"][0].mean() > 0.05
    # naloxone alone barely changes the resting opioid tone (Grevert 1983)
    pre = np.searchsorted(t, 59.0)
    rest_change = a["rest"]["opioid_analgesia"][:, pre] - a["nlx"]["opioid_analgesia"][:, pre]
    assert 0.0 < rest_change.mean() < 0.1
    assert a["nlx"]["occupancy_mu_naloxone"][:, pre].mean() > 0.9


# ------------------------------------------------------------------ target 5: tolerance
def tolerance_run(days=3, recovery_days=7, **overrides):
    """A 2 mg/h IV morphine infusion for ``days`` days, then ``recovery_days`` off."""
    sc = en.Scenario(doses=[en.Dose("morphine", rate=2.0 / 60, unit="mg", route="iv",
                                    duration=days * 1440.0)],
                     population=en.Subject(**overrides), t_end=(days + recovery_days) * 1440.0,
                     dt=30.0, circadian=False, pulses=False)
    return sc, sc.simulate(outputs=list(RECEPTORS) + ["receptor_chronic_mu",
                                                      "morphine_plasma",
                                                      "opioid_analgesia"])


def potency_shift(sc, res, t):
    """AC50 with the receptor fractions frozen at time t over AC50 at t = 0."""
    R = np.stack([res[k][0] for k in RECEPTORS])
    i = np.searchsorted(res.time, t)
    p = sc.population.typical()
    return M.ac50("morphine", p, receptors=R[:, i]) / M.ac50("morphine", p,
                                                             receptors=R[:, 0])


def test_three_days_of_morphine_shift_its_dose_response_4_to_7_fold():
    sc, res = tolerance_run()
    shift = potency_shift(sc, res, 3 * 1440.0)
    assert 4.0 <= shift <= 7.0, shift                # Way, Loh & Shen 1969
    # a day in, tolerance has begun but is smaller (their AD50 doubles after 1 day)
    assert 1.5 < potency_shift(sc, res, 1440.0) < shift
    # the analgesia of a constant infusion fades (tolerance in vivo)
    a = res["opioid_analgesia"][0]
    t = res.time
    assert a[np.searchsorted(t, 3 * 1440.0) - 1] < 0.85 * a[(t > 0) & (t < 1440)].max()


def test_tolerance_recovers_on_the_configured_time_scale():
    sc, res = tolerance_run()
    p = dict(zip(M.ENGINE.params, sc.population.typical()))
    t, rc = res.time, res["receptor_chronic_mu"][0]
    # after the morphine is gone (a day after stopping), R_chronic relaxes to its rest
    # value with rate k_rec + k_des D0 (D0: the endogenous drive at rest)
    rest = rc[0]
    sel = (t >= 5 * 1440.0) & (t <= 9 * 1440.0)
    slope = np.polyfit(t[sel], np.log(rest - rc[sel]), 1)[0]
    Lb = 1e-3 * p["bend_csf_base"]
    s0 = p["tau_bend_mu"] * Lb / (p["K_bend_mu"] + Lb)
    d0 = s0 ** p["slope_mu"] / (1 + s0 ** p["slope_mu"])
    rate = p["k_rec_chronic_mu"] + p["k_des_chronic_mu"] * d0
    assert -slope == pytest.approx(rate, rel=0.02)
    # half-recovered within about 2 days, the shift mostly gone a week after stopping
    assert 1440 < math.log(2) / rate < 3 * 1440
    assert potency_shift(sc, res, 10 * 1440.0) < 1.3


# ------------------------------------------------------------------ target 6: fibromyalgia
def test_fibromyalgia_has_a_smaller_analgesic_response_than_healthy():
    stim = en.Exercise(0.8, start=60, duration=30) + en.Pain(level=6, start=60, duration=90)
    out = {}
    for cond in ("healthy", "fibromyalgia"):
        sc = en.Scenario(stim, population=en.Population(200, condition=cond, seed=6),
                         t_end=240, dt=1.0)
        r = sc.simulate(outputs=["opioid_analgesia", "analgesia"])
        pre = np.searchsorted(r.time, 59.0)
        out[cond] = {k: (r[k][:, 60:181].max(1) - r[k][:, pre]).mean()
                     for k in ("opioid_analgesia", "analgesia")}
    # docs/model.md validation target 6: smaller; the opioid component clearly (by over 20 %), the total
    # (which keeps the same non-opioid component) by over 5 %
    assert out["fibromyalgia"]["opioid_analgesia"] < 0.8 * out["healthy"]["opioid_analgesia"]
    assert out["fibromyalgia"]["analgesia"] < 0.95 * out["healthy"]["analgesia"], out


def test_conditions_are_parameter_presets_with_sources():
    assert set(en.presets) == {"healthy", "fibromyalgia", "chronic_pain",
                               "depression_anhedonia", "trained", "opioid_tolerant",
                               "anxiety"}
    defaults = dict(zip(M.ENGINE.params, M.default_parameters()))
    for name in en.presets:
        pre = en.presets[name]
        assert set(pre.sources) == set(pre.overrides)
        for k, v in pre.values().items():
            assert k in defaults and np.isfinite(v) and v >= 0
        pop = en.Population(3, condition=name, seed=1, variability=0.0)
        typ = dict(zip(M.ENGINE.params, pop.typical()))
        for k, v in pre.values().items():
            assert typ[k] == v
    # opioid_tolerant: its morphine potency is shifted as after target 5's 3 days
    p = en.Subject(condition="opioid_tolerant").typical()
    assert 2.0 < M.ac50("morphine", p) / M.ac50("morphine") < 7.0


# ------------------------------------------------------------------ Sarton 2000
def sarton_analysis(population=None):
    """Sarton et al. (2000)'s experiment and analysis on the model: 0.1 mg/kg IV
    morphine bolus followed by 0.030 mg/kg/h for 1 h; pain threshold current every
    10 min up to 7 h; their pharmacodynamic model, a baseline current, an effect
    compartment (ke0) and AC50, "the morphine concentration causing a 100 % increase
    in stimulus intensity", i.e. ``I = I0 (1 + Ce / AC50)``, fitted by least squares
    on the measured plasma concentrations.  Returns (AC50 nmol/L, ke0 1/min, I0,
    the threshold at t = 0)."""
    from scipy.integrate import solve_ivp
    from scipy.optimize import least_squares

    doses = [en.Dose("morphine", 0.1, "mg/kg", time=0.0),
             en.Dose("morphine", amount=0.03, unit="mg/kg", duration=60.0, time=0.0)]
    sc = en.Scenario(doses=doses, population=population, t_end=420, dt=1.0,
                     circadian=False, pulses=False)
    r = sc.simulate(outputs=["morphine_plasma", "pain_threshold"])
    t, cp = r.time, r["morphine_plasma"][0]
    thr = r["pain_threshold"][0]
    obs = np.concatenate([[0.0], np.arange(10, 421, 10)])   # a baseline, then q10 min

    def predict(theta):
        ke0, ac50_, i0 = np.exp(theta)
        ce = solve_ivp(lambda tt, c: ke0 * (np.interp(tt, t, cp) - c), (0, 420), [0.0],
                       t_eval=obs, max_step=1.0, rtol=1e-9, atol=1e-9).y[0]
        return i0 * (1.0 + ce / ac50_)

    y = np.interp(obs, t, thr)
    fit = least_squares(lambda th: predict(th) / y - 1.0, np.log([0.01, 50.0, 1.0]))
    ke0, ac50_, i0 = np.exp(fit.x)
    return ac50_, ke0, i0, thr[0]


def test_sarton_analysis_recovers_the_morphine_ac50_and_ke0():
    """The model through Sarton's experiment and analysis gives their estimates for
    men: AC50 71.2 +- 10.5 nmol/L, ke0 0.0070 +- 0.0013 1/min (within 1 SE).  (AC50
    is calibrated through morphine's f_brain, tools/calibration/calibrate.py; ke0 is the drug
    table's value, recovered here through the analysis.)"""
    ac50_, ke0, i0, thr0 = sarton_analysis()
    assert ac50_ == pytest.approx(71.2, abs=10.5), (ac50_, ke0)
    assert ke0 == pytest.approx(0.0070, abs=0.0013), (ac50_, ke0)
    # the fitted baseline is near the resting threshold (the linear model cannot follow
    # the operational model's curvature exactly, so not closer than about 15 %)
    assert i0 == pytest.approx(thr0, rel=0.2)


def test_sarton_women():
    """Subjects with sex "female" get Sarton's women's ke0 (0.0030 1/min) and a
    calibrated f_brain: the same analysis gives the women's AC50 (41.7 +- 8.4 nmol/L).
    The fitted ke0 comes out above the model's (acute desensitization during the
    experiment reads as faster equilibration), but stays between the women's and the
    men's published values and below the men's fitted one."""
    ac50_w, ke0_w, _, _ = sarton_analysis(en.Subject(covariates={"sex": "female"}))
    ac50_m, ke0_m, _, _ = sarton_analysis(en.Subject(covariates={"sex": "male"}))
    assert ac50_w == pytest.approx(41.7, abs=8.4), ac50_w
    assert ac50_m == pytest.approx(71.2, abs=10.5), ac50_m
    assert 0.0030 <= ke0_w < 0.0070 and ke0_w < ke0_m, (ke0_w, ke0_m)
