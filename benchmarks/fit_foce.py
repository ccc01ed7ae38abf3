"""FOCE-I population fit: 100 subjects x 10 samples, wall time of fit_model(method="foce").

Workload (fixed): a one-compartment IV bolus drug registered as "bench1cmt" (morphine's
record with CL 1 L/min, V 100 L, no peripheral compartments), 10 mg at t = 0, samples at
5, 15, 30, 45, 60, 90, 120, 150, 180, 240 min.  100 subjects simulated by the closed form
C = D / V exp(-CL/V t) in NumPy (rng = np.random.default_rng(20240525)): CL and V
log-normal with omega^2 0.09 each, proportional residual error 0.1.  Fitted:
CL and V (typical values, diagonal Omega, proportional SD), starting at CL 0.7, V 150,
omega^2 0.1, SD 0.1 (default starts), covariance step included.

Rows: endorphin.fit_model(..., method="foce", error="proportional"), default threads,
1 warm-up round then --repeats timed rounds (wall time of the whole call).  Also
reported: outer iterations, engine calls, the estimates and their SEs beside the truth.
Target (issue 25): "seconds, not minutes".

Run:  python benchmarks/fit_foce.py [--repeats 5]
"""
from __future__ import annotations

import dataclasses
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402


TIMES = np.array([5.0, 15, 30, 45, 60, 90, 120, 150, 180, 240])


def workload():
    import pandas as pd
    import endorphin as en
    d = dataclasses.replace(en.drugs["morphine"], name="bench1cmt", q2=None, v2=None,
                            q3=None, v3=None, cl=1.0, v1=100.0)
    en.drugs.register(d, replace=True)
    rng = np.random.default_rng(20240525)
    n = 100
    cl = np.exp(0.3 * rng.standard_normal(n))
    v = 100.0 * np.exp(0.3 * rng.standard_normal(n))
    c = 10.0 * 1e6 / d.molar_mass / v[:, None] * np.exp(-(cl / v)[:, None] * TIMES)
    y = c * (1 + 0.1 * rng.standard_normal(c.shape))
    data = pd.DataFrame({"subject": np.repeat(np.arange(n), TIMES.size),
                         "time": np.tile(TIMES, n), "output": "bench1cmt_plasma",
                         "value": y.ravel()})
    sc = en.Scenario(doses=[en.Dose("bench1cmt", amount=10, unit="mg", route="iv",
                                    time=0)],
                     population=en.Population(1, variability=0), t_end=240, dt=60,
                     pulses=False)
    return data, sc


def main(argv=None):
    args, _ = common.parse_repeats(__doc__, argv, default=5)
    import endorphin as en
    data, sc = workload()
    names = ["bench1cmt.cl", "bench1cmt.v1"]

    def run():
        return en.fit_model(data, sc, names, method="foce", error="proportional",
                            initial={"bench1cmt.cl": 0.7, "bench1cmt.v1": 150.0})

    fit = run()                                    # warm-up
    times = []
    for _ in range(args.repeats):
        t0 = time.perf_counter()
        fit = run()
        times.append(time.perf_counter() - t0)
    s = common.summary(times)
    print(f"FOCE-I, 100 subjects x 10 samples: median {s['median']:.2f} s "
          f"(min {s['min']:.2f}, max {s['max']:.2f}; {s['n']} rounds), "
          f"{fit.iterations} outer iterations, converged={fit.converged}")
    truth = {"bench1cmt.cl": 1.0, "bench1cmt.v1": 100.0, "omega2:bench1cmt.cl": 0.09,
             "omega2:bench1cmt.v1": 0.09, "sigma:proportional": 0.1}
    est = {**fit.params.to_dict(), **{f"omega2:{k}": v for k, v in fit.omega.items()},
           **{f"sigma:{k}": v for k, v in fit.sigma.items()}}
    rows = [[k, f"{truth[k]:g}", f"{est[k]:.4g}", f"{fit.stderr[k]:.2g}"] for k in truth]
    print(common.markdown_table(["parameter", "truth", "estimate", "SE"], rows))
    path = common.save_json("fit_foce", {"seconds": s, "iterations": fit.iterations,
                                         "ofv": fit.ofv, "estimates": est,
                                         "stderr": fit.stderr.to_dict()})
    print(f"results: {path}")


if __name__ == "__main__":
    sys.exit(main())
