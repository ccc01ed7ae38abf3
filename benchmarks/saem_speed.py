"""SAEM speed (issue 25: population fits of 100 subjects x 10 samples "in seconds").

A one-compartment IV bolus drug (registered as in tests/fitting/test_saem.py), 100 subjects,
10 samples each, CL and V with omega^2 0.09, 10 % proportional error, simulated in NumPy;
``fit_model(method="saem", error="proportional", seed=7)`` with its defaults (150 + 100
iterations, kernels (1, 1, 1), 1 chain per subject, 50 conditional iterations, 500
importance-sampling draws per subject), and without the importance sampling.  Wall time,
best of --repeats.  Not a test.

Run:  python benchmarks/saem_speed.py [--repeats 3] [--threads N]
"""
from __future__ import annotations

import argparse
import dataclasses
import time

import numpy as np
import pandas as pd

import endorphin as en

TIMES = np.array([5.0, 15, 30, 60, 90, 120, 180, 240, 360, 480])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--threads", type=int, default=None)
    args = ap.parse_args()
    drug = dataclasses.replace(en.drugs["morphine"], name="bench1cmt", q2=None, v2=None,
                               q3=None, v3=None, cl=1.0, v1=50.0)
    en.drugs.register(drug, replace=True)
    n = 100
    rng = np.random.default_rng(2024)
    cl = np.exp(0.3 * rng.standard_normal(n))
    v = 50.0 * np.exp(0.3 * rng.standard_normal(n))
    c = 10e6 / drug.molar_mass / v[:, None] * np.exp(-(cl / v)[:, None] * TIMES)
    y = c * (1 + 0.1 * rng.standard_normal(c.shape))
    data = pd.DataFrame({"subject": np.repeat(np.arange(n), TIMES.size),
                         "time": np.tile(TIMES, n), "output": "bench1cmt_plasma",
                         "value": y.ravel()})
    sc = en.Scenario(doses=[en.Dose("bench1cmt", amount=10, unit="mg", route="iv", time=0)],
                     population=en.Population(1, variability=0), t_end=480, dt=60,
                     pulses=False)
    names = ["bench1cmt.cl", "bench1cmt.v1"]
    for label, kw in (("default (with importance sampling)", {}),
                      ("is_samples=0 (ofv by linearisation)", {"is_samples": 0})):
        best = np.inf
        for _ in range(args.repeats):
            t = time.perf_counter()
            fit = en.fit_model(data, sc, names, method="saem", error="proportional", seed=7,
                               threads=args.threads, **kw)
            best = min(best, time.perf_counter() - t)
        print(f"{label}: {best:.1f} s  params {dict(fit.params.round(4))} "
              f"omega {dict(fit.omega.round(4))} sigma {dict(fit.sigma.round(4))} "
              f"ofv {fit.ofv:.2f}")
    t = time.perf_counter()
    en.fit_model(data, sc, names, error="proportional", threads=args.threads)
    print(f"individual fits of the same data: {time.perf_counter() - t:.2f} s")


if __name__ == "__main__":
    main()
