"""fit_model: individual fits of 200 subjects, endorphin against the loop a user writes.

Workload (fixed): a one-compartment drug with first-order oral absorption (theophylline-
like: molar mass 180.16 g/mol, typical ka 0.025 1/min, CL 0.047 L/min, V 32 L), 200
subjects (rng = np.random.default_rng(20250601): ka, CL, V log-normal with SD 0.3, 0.3,
0.2 around the typical values), 320 mg at t = 0, 10 samples at 15, 30, 60, 120, 210,
300, 420, 540, 720 and 1440 min, additive noise N(0, 1500 nmol/L) on the closed-form
concentration (the Bateman function).  Every fit estimates ka, CL and V of each subject
by least squares (error="additive") from the same starting values (the typical ones).

Rows (round-robin in the same rounds, 1 warm-up round, then --repeats rounds):
    endorphin.fit_model(method="individual", error="additive"), default threads
        all subjects at once: one batched engine call (rtol 1e-8) per LM iteration
    endorphin.fit_model(..., error="combined")     the same data, ML with a + b f
                                                   (for reference; no peer row)
    scipy least_squares over solve_ivp, subject by subject      the loop a user writes
        without this feature: least_squares(method="lm") on log-parameters, residuals
        from solve_ivp(method="LSODA", rtol=1e-8, atol=1e-6 nmol/L) of the same ODE
        (depot -> central -> out); on --sub subjects (default 20), scaled to 200

Target (issue 25): endorphin >= 20x the scipy loop.  Accuracy: the largest relative
difference of endorphin's estimates from the loop's over the timed subjects.

Run:  python benchmarks/fit_model.py [--repeats 3] [--sub 20]
"""
from __future__ import annotations

import argparse
import dataclasses
import os

import numpy as np

import common as cm

N = 200
T = np.array([15.0, 30, 60, 120, 210, 300, 420, 540, 720, 1440])
MW, DOSE_MG = 180.16, 320.0
KA, CL, V = 0.025, 0.047, 32.0
SD = 1500.0


def bateman(ka, cl, v, t):
    k = cl / v
    d = DOSE_MG * 1e6 / MW
    return d * ka / (v * (ka - k)) * (np.exp(-k * t) - np.exp(-ka * t))


def data():
    rng = np.random.default_rng(20250601)
    ka = KA * np.exp(0.3 * rng.standard_normal(N))
    cl = CL * np.exp(0.3 * rng.standard_normal(N))
    v = V * np.exp(0.2 * rng.standard_normal(N))
    c = bateman(ka[:, None], cl[:, None], v[:, None], T)
    return c + SD * rng.standard_normal(c.shape)


def register():
    import endorphin as en
    from endorphin.model.drugs import Route
    base = en.drugs["morphine"]
    d = dataclasses.replace(base, name="bench1cmt", molar_mass=MW, q2=None, v2=None,
                            q3=None, v3=None, cl=CL, v1=V, cv={},
                            routes={"iv": base.routes["iv"],
                                    "oral": Route(F=1.0, ka=KA, lag=0.0)})
    en.drugs.register(d, replace=True)


def scipy_fit(y):
    """The user's loop: least_squares over solve_ivp, one subject at a time."""
    from scipy.integrate import solve_ivp
    from scipy.optimize import least_squares
    d0 = DOSE_MG * 1e6 / MW

    def resid(x, yi):
        ka, cl, v = np.exp(x)

        def rhs(t, s):
            return [-ka * s[0], ka * s[0] - cl / v * s[1]]
        sol = solve_ivp(rhs, (0.0, T[-1]), [d0, 0.0], t_eval=T, method="LSODA",
                        rtol=1e-8, atol=1e-6 * v)
        return yi - sol.y[1] / v

    out = np.empty((y.shape[0], 3))
    for i in range(y.shape[0]):
        out[i] = np.exp(least_squares(resid, np.log([KA, CL, V]), args=(y[i],),
                                      method="lm").x)
    return out


def main() -> None:
    import pandas as pd

    import endorphin as en
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--sub", type=int, default=20)
    args = ap.parse_args()
    full = cm.check_repeats(args.repeats)
    register()
    y = data()
    S = args.sub
    tidy = pd.DataFrame({"subject": np.repeat(np.arange(N), T.size), "time": np.tile(T, N),
                         "output": "bench1cmt_plasma", "value": y.ravel()})
    sc = en.Scenario(doses=[en.Dose("bench1cmt", amount=DOSE_MG, unit="mg", route="oral")],
                     population=en.Population(1, variability=0), t_end=T[-1], dt=60,
                     pulses=False)
    names = ["bench1cmt.ka_oral", "bench1cmt.cl", "bench1cmt.v1"]
    out = {}

    def endo():
        out["endo"] = en.fit_model(tidy, sc, names, error="additive")

    def endo_combined():
        out["combined"] = en.fit_model(tidy, sc, names, error="combined")

    def loop():
        out["scipy"] = scipy_fit(y[:S])

    fns = {"endo": endo, "combined": endo_combined, "scipy": loop}
    times = cm.interleaved(fns, repeats=args.repeats, warmup=1)
    per_subject = {k: [t / (S if k == "scipy" else N) for t in v] for k, v in times.items()}
    fit = out["endo"]
    rel = np.abs(fit.params.to_numpy()[:S] / out["scipy"] - 1).max()
    labels = {"endo": f"endorphin.fit_model individual additive ({os.cpu_count()} cpus)",
              "combined": "endorphin.fit_model individual combined (ML)",
              "scipy": f"scipy least_squares over solve_ivp per subject ({S} timed, scaled)"}
    rows = []
    for k in fns:
        med = float(np.median(per_subject[k]))
        row = {"row": labels[k], "time_per_subject": cm.summary(per_subject[k]),
               f"time_{N}_subjects_s": med * N,
               "speedup_vs_scipy_loop": cm.per_round_ratio(per_subject["scipy"],
                                                           per_subject[k])}
        rows.append(row)
        print(f"{labels[k]:70s} {med * N:8.2f} s / {N} subjects   x scipy loop "
              f"{cm.fmt_ratio(row['speedup_vs_scipy_loop'])}")
    targets = [cm.target("endorphin individual fits vs the scipy loop",
                         cm.per_round_ratio(per_subject["scipy"], per_subject["endo"]), 20,
                         True)]
    for t in targets:
        print(t["line"])
    notes = [f"endorphin converged {int(fit.converged.sum())}/{N}; combined converged "
             f"{int(out['combined'].converged.sum())}/{N}; max relative difference of "
             f"ka, CL, V from the scipy loop over {S} subjects: {rel:.1e}"]
    print("NOTE: " + notes[0])
    cm.save_json("fit_model", {"workload": __doc__, "rows": rows, "targets": targets,
                               "notes": notes, "repeats": args.repeats, "full_run": full,
                               "machine": cm.machine_info()})


if __name__ == "__main__":
    main()
