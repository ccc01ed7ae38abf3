"""Calibrate the endorphin model's free parameters to the validation targets.

Run from a checkout with the package installed::

    python tools/calibration/calibrate.py [--n 2000] [--seed 1]

It prints every target, the model's value and the residual.  The defaults in
``endorphin/model/spec.py`` marked "calibrated" are this script's output (copied
by hand; the tests in tests/validation/ check the targets on the defaults).

Free parameters and targets (docs/model.md; Goldfarb 1990, Iranmanesh 1989):

* ``rho_p`` (pituitary release gain): the population mean of plasma
  beta-endorphin 5 min after 30 min of cycling at 80 % VO2max (from 08:00, pulses
  and rhythm on) is 21.91 pmol/L.  Bisection on ``rho_p`` with the population
  drawn by ``sample_parameters``.
* ``exercise_u50`` (threshold of the steep exercise drive) is fixed at 0.75
  and *checked*: no rise at 60 % (population mean below 1.2-fold), a rise by
  15 min at 70 %, by 5 min at 80 %.
* ``a_circ``, ``t_peak``: closed form.  At rest the chain synthesis -> store ->
  plasma is linear, each stage ``dx/dt = k (in - x)`` multiplies the complex
  amplitude of the daily harmonic by ``k / (k + i w)``; the plasma rhythm's
  relative amplitude is ``a_circ |G|`` and its acrophase lags the synthesis
  peak by ``-arg(G) / w``.  Targets: 23 % of the mean, 10:43.
* ``pulse_amplitude``, ``tau_pulse``: from the pulse-detection sweep in
  tests/validation (plasma increments ~63 %, ~13 pulses a day).

With ``--drugs`` (drugs, receptors; docs/model.md, validation targets, targets 5 and the Sarton
AC50), by fixed-point iteration from the current defaults:

* morphine ``f_brain``: the model run through Sarton et al. (2000)'s experiment
  and analysed with their PD model gives AC50 = 71.2 nmol/L (men).  The fitted
  AC50 scales exactly as 1/f_brain (the model sees only f_brain x Cp), so each
  step multiplies f_brain by AC50_fit / 71.2.
* ``k_des_chronic_<r>``: bisection (log scale) so that 3 days of a 2 mg/h IV
  morphine infusion shift the morphine concentration-analgesia curve 5.5-fold
  (receptor fractions frozen at the end vs the start; 4-7-fold: Way 1969).
* The ``opioid_tolerant`` preset's mu availability: the chronic mu fraction at
  the end of those 3 days over its resting value.

The experiment and analysis functions are those of
``tests/validation/test_drug_targets.py`` (imported, so that the calibration and
the test are the same computation).
"""
from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path

import numpy as np

from endorphin import model as M

GOLDFARB_PEAK = 21.91      # pmol/L, 5 min after 30 min at 80 % VO2max (SE 2.03, n = 12)
AMPLITUDE = 0.23           # plasma circadian amplitude / 24-h mean (Iranmanesh 1989)
ACROPHASE = 10 * 60 + 43   # min after midnight


def exercise_curve(params, intensity, t, seed=1):
    """Plasma beta-endorphin of the subjects in ``params`` for 30 min of cycling
    starting at t = 0 = 08:00 (the default clock_start), as in the laboratory:
    pulses and the circadian rhythm on."""
    res = M.simulate(params, t, segments=[("exercise", 0.0, 30.0, intensity)],
                     pulses=True, circadian=True, seed=seed,
                     outputs=["plasma_beta_endorphin"], t0=-10.0)
    return res.y[:, 0, :]


def population_peak(rho, base, n, seed):
    p = M.sample_parameters(n, seed, base=M.default_parameters(
        **dict(zip(M.core.models["endorphin"].params, base)) | {"rho_p": rho}))
    y = exercise_curve(p, 0.8, np.array([-10.0, 35.0]))
    return y[:, 1].mean()


def circadian_gain(params):
    names = M.core.models["endorphin"].params
    P = dict(zip(names, params))
    w = 2 * np.pi / 1440
    pm = 1.0 + P["pulse_mean"]
    g = 1.0 + 0j
    for k in (1 / P["tau_syn"], pm / P["store_time_p"], np.log(2) / P["t_half_plasma"]):
        g *= k / (k + 1j * w)
    return g


def calibrate_drugs(iterations=6):
    """Morphine f_brain and k_des_chronic (see the module docstring); prints each step."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tests" / "validation"))
    import test_drug_targets as T
    from endorphin import drugs
    import endorphin as en

    def set_f(f):
        drugs.register(dataclasses.replace(drugs.get("morphine"), f_brain=f), replace=True)

    def chronic(kd):
        return {f"k_des_chronic_{r}": kd for r in ("mu", "delta", "kappa")}

    def shift(kd):
        sc, r = T.tolerance_run(recovery_days=0, **chronic(kd))
        return T.potency_shift(sc, r, 3 * 1440.0)

    names = M.core.models["endorphin"].params
    f = drugs.get("morphine").f_brain
    kd = float(M.default_parameters()[names.index("k_des_chronic_mu")])
    try:
        for it in range(iterations):
            set_f(f)
            ac50, ke0, _, _ = T.sarton_analysis(en.Subject(**chronic(kd)))
            f *= ac50 / 71.2
            set_f(f)
            lo, hi = 1e-5, 0.05
            for _ in range(40):
                mid = np.sqrt(lo * hi)
                lo, hi = (mid, hi) if shift(mid) < 5.5 else (lo, mid)
            kd = float(np.sqrt(lo * hi))
            print(f"  step {it}: Sarton AC50 {ac50:.2f} nmol/L (ke0 {ke0:.5f}) -> f_brain "
                  f"{f:.6f}; k_des_chronic {kd:.7f} (shift {shift(kd):.3f})", flush=True)
        # women (Sarton's ke0 0.0030 1/min, endorphin._dosing.SEX_EFFECTS): f_brain for
        # their AC50 of 41.7 nmol/L, with the men's calibration above
        from endorphin.scenario import drug_plan as _dosing
        fw = _dosing.SEX_EFFECTS["morphine"]["f_brain"][0]
        ke0_w = _dosing.SEX_EFFECTS["morphine"]["ke0"]
        for _ in range(4):
            _dosing.SEX_EFFECTS["morphine"]["f_brain"] = (fw, "")
            ac50_w, k_w, _, _ = T.sarton_analysis(
                en.Subject(covariates={"sex": "female"}, **chronic(kd)))
            fw *= ac50_w / 41.7
        print(f"women: f_brain = {fw:.5f} (Sarton AC50 {ac50_w:.2f} nmol/L, fitted ke0 "
              f"{k_w:.5f} with the model's {ke0_w[0]})")
        sc, r = T.tolerance_run(recovery_days=0, **chronic(kd))
        rc = r["receptor_chronic_mu"][0]
        print(f"morphine f_brain = {f:.6f}; k_des_chronic = {kd:.7f} 1/min; "
              f"opioid_tolerant receptor_mu = {rc[-1]:.3f} / {rc[0]:.3f} = {rc[-1] / rc[0]:.3f}")
    finally:
        drugs.reset()


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--drugs", action="store_true",
                    help="calibrate the drug and receptor parameters instead")
    args = ap.parse_args(argv)
    if args.drugs:
        calibrate_drugs()
        return
    base = M.default_parameters()
    names = M.core.models["endorphin"].params

    # circadian first (closed form, independent of rho_p), with the mean pulse
    # multiplier of the default pulse generator
    _, _, pmean = M.pulse_schedule(1, 0.0, 1.0, tau_pulse=base[names.index("tau_pulse")])
    b = base.copy()
    b[names.index("pulse_mean")] = float(np.atleast_1d(pmean)[0])
    g = circadian_gain(b)
    w = 2 * np.pi / 1440
    a_circ = AMPLITUDE / abs(g)
    lag = -np.angle(g) / w
    t_peak = (ACROPHASE - lag) % 1440
    print(f"a_circ = {a_circ:.4f}  (|G| = {abs(g):.4f}); t_peak = {t_peak:.1f} min "
          f"({int(t_peak // 60):02d}:{int(t_peak % 60):02d}; plasma lags synthesis by "
          f"{lag:.1f} min)")
    base[names.index("a_circ")] = round(a_circ, 4)
    base[names.index("t_peak")] = round(t_peak, 1)

    lo, hi = 5.0, 60.0
    for _ in range(30):
        mid = 0.5 * (lo + hi)
        if population_peak(mid, base, args.n, args.seed) < GOLDFARB_PEAK:
            lo = mid
        else:
            hi = mid
    rho = 0.5 * (lo + hi)
    print(f"rho_p = {rho:.3f}  (population mean at +5 min, 80 %: "
          f"{population_peak(rho, base, args.n, args.seed):.2f} pmol/L; target {GOLDFARB_PEAK})")
    base[names.index("rho_p")] = rho
    pop = M.sample_parameters(args.n, args.seed, base=base)
    t = np.array([-10.0, 5.0, 15.0, 30.0, 35.0])
    for I in (0.6, 0.7, 0.8):
        y = exercise_curve(pop, I, t)
        fold = (y / y[:, :1]).mean(0)
        print(f"  {I:.0%} VO2max: mean fold at 5/15/30/+5 min = "
              + " ".join(f"{f:.2f}" for f in fold[1:]))


if __name__ == "__main__":
    main()
