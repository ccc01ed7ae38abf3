"""W3 fit_ll4: 10,000 drc LL.4 dose-response fits, endorphin against its peers and the limit.

Workload (fixed; benchmarks/README.md, W3; the same data as the team's bench/w3_fit_ll4.py):
    x = np.logspace(-2, 2, 12); rng = np.random.default_rng(20240503), drawn in order
    b ~ U(0.8, 2.5), c ~ U(0, 0.1), d ~ U(0.9, 1.1), e = 10**U(-1, 1)   (10,000 each)
    y = c + (d - c) / (1 + exp(b (log x - log e))) + N(0, 0.03)         (10,000 x 12)

Rows (round-robin in the same rounds, 1 warm-up round, then --repeats rounds):
    endorphin.fit_dose_response(x, y), threads=1     the package, self-start, covariance,
                                                     reasons included (wall time)
    endorphin.fit_dose_response(x, y), default threads
    scipy.optimize.curve_fit per curve               on --sub curves (default 300), scaled
                                                     to 10,000; its own p0 from the same
                                                     self-start (not timed)
    plain C batched LM, 1 thread  [LIMIT]            the team's bench/c/w3_lm.c, compiled
                                                     -O3 -march=native, start values given
                                                     (not timed), kernel-only time; skipped
                                                     with a note when ../shared is missing

Targets (benchmarks/README.md): endorphin (default threads) >= 100x curve_fit; endorphin 1 thread
within 1.5x of the C LM's time.  Accuracy: endorphin's converged fits against curve_fit's
(max relative difference of b, d, e) and the fraction converged.

Run:  python benchmarks/w3_fit.py [--repeats 5] [--sub 300]
"""
from __future__ import annotations

import argparse
import ctypes
import os
import subprocess
import warnings
from pathlib import Path

import numpy as np

import common as cm

NC, M = 10_000, 12
X = np.logspace(-2, 2, M)
SHARED_LM = Path(os.environ.get("ENDORPHIN_SHARED_BENCH",
                                Path(__file__).resolve().parents[2] / "shared" / "bench")) \
    / "c" / "w3_lm.c"


def data():
    rng = np.random.default_rng(20240503)
    b = rng.uniform(0.8, 2.5, NC)
    c = rng.uniform(0.0, 0.1, NC)
    d = rng.uniform(0.9, 1.1, NC)
    e = 10 ** rng.uniform(-1, 1, NC)
    y = f_ll4(X, b[:, None], c[:, None], d[:, None], np.log(e)[:, None])
    return np.ascontiguousarray(y + rng.normal(0.0, 0.03, (NC, M)))


def f_ll4(x, b, c, d, le):
    return c + (d - c) / (1.0 + np.exp(b * (np.log(x) - le)))


def build_shared_lm():
    """The team's plain C LM, compiled like the other limits (-O3 -march=native)."""
    if not SHARED_LM.exists():
        return None
    cm.BUILD.mkdir(parents=True, exist_ok=True)
    obj, out = cm.BUILD / "w3_lm.o", cm.BUILD / "w3_lm.so"
    subprocess.run([cm.CC, *cm.BASE_CFLAGS, "-c", "-o", str(obj), str(SHARED_LM)], check=True)
    subprocess.run([cm.CC, "-shared", "-o", str(out), str(obj), "-lm"], check=True)
    lib = ctypes.CDLL(str(out))
    vp = ctypes.c_void_p
    return cm.cfunc(lib, "lm_batch", [ctypes.c_long, ctypes.c_int, vp, vp, vp, vp, vp, vp,
                                      ctypes.c_int, ctypes.c_double, ctypes.c_double,
                                      ctypes.c_int])


def main() -> None:
    import endorphin as en
    from scipy.optimize import OptimizeWarning, curve_fit

    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--sub", type=int, default=300)
    args = ap.parse_args()
    full = cm.check_repeats(args.repeats)
    y = data()
    S = args.sub
    ref = en.fit_dose_response(X, y, threads=1)
    lm = build_shared_lm()
    th = np.empty((NC, 4))
    info = np.zeros(NC, np.int32)
    its = np.zeros(NC, np.int32)
    sse = np.zeros(NC)
    # C LM start: a drc-like self-start (the one of bench/w3_fit_ll4.py), not timed
    lo_y, hi_y = y.min(1), y.max(1)
    r_ = hi_y - lo_y
    z = np.log(((hi_y + 0.05 * r_)[:, None] - y) / (y - (lo_y - 0.05 * r_)[:, None]))
    lx = np.log(X)
    b0 = ((lx - lx.mean()) * (z - z.mean(1, keepdims=True))).sum(1) / ((lx - lx.mean()) ** 2).sum()
    b0 = np.where(b0 < 0.05, 1.0, b0)
    le0 = np.clip(lx.mean() - z.mean(1) / b0, np.log(0.01), np.log(100.0))
    start = np.ascontiguousarray(np.stack([b0, lo_y, hi_y, le0], 1))

    def c_lm():
        th[:] = start
        return lm(NC, M, cm.addr(X), cm.addr(y), cm.addr(th), info.ctypes.data, its.ctypes.data,
                  cm.addr(sse), 200, 1e-10, 1e-12, 1)

    cf_out = {}

    def cf():
        out = np.full((S, 4), np.nan)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", OptimizeWarning)
            warnings.simplefilter("ignore", RuntimeWarning)
            for i in range(S):
                try:
                    out[i] = curve_fit(f_ll4, X, y[i], p0=start[i])[0]
                except RuntimeError:
                    pass
        cf_out["p"] = out

    fns = {"endo1": lambda: en.fit_dose_response(X, y, threads=1),
           "endo": lambda: en.fit_dose_response(X, y),
           "curve_fit": cf}
    if lm is not None:
        fns["c_lm"] = c_lm
    times = cm.interleaved(fns, repeats=args.repeats, warmup=1)
    per_curve = {k: [t / (S if k == "curve_fit" else NC) for t in v] for k, v in times.items()}
    ok_cf = np.isfinite(cf_out["p"]).all(1)
    both = ok_cf & ref.converged[:S]
    pc = cf_out["p"][both]
    pe = ref.params[:S][both]
    rel = np.abs(np.stack([pc[:, 0] / pe[:, 0], pc[:, 2] / pe[:, 2],
                           np.exp(pc[:, 3]) / pe[:, 3]], 1) - 1).max()
    rows, targets = [], []
    names = {"endo1": "endorphin.fit_dose_response, 1 thread",
             "endo": f"endorphin.fit_dose_response, default threads ({os.cpu_count()})",
             "curve_fit": f"scipy curve_fit per curve ({S} timed, scaled)",
             "c_lm": "plain C batched LM (bench/c/w3_lm.c), 1 thread  [LIMIT]"}
    for k in fns:
        med = float(np.median(per_curve[k]))
        row = {"row": names[k], "curves_per_s": 1.0 / med, "time_per_curve": cm.summary(
            per_curve[k]), "time_10000_curves_s": med * NC}
        if "c_lm" in fns:
            row["ratio_to_limit"] = cm.per_round_ratio(per_curve[k], per_curve["c_lm"])
        row["speedup_vs_curve_fit"] = cm.per_round_ratio(per_curve["curve_fit"], per_curve[k])
        rows.append(row)
        print(f"{names[k]:60s} {1.0 / med:12,.0f} curves/s   "
              f"x curve_fit {cm.fmt_ratio(row['speedup_vs_curve_fit'])}"
              + (f"   x limit {cm.fmt_ratio(row['ratio_to_limit'])}" if "c_lm" in fns else ""))
    targets.append(cm.target("endorphin (default threads) speed-up vs curve_fit",
                             cm.per_round_ratio(per_curve["curve_fit"], per_curve["endo"]),
                             100, True))
    if "c_lm" in fns:
        targets.append(cm.target("endorphin 1 thread time / plain C LM time",
                                 cm.per_round_ratio(per_curve["endo1"], per_curve["c_lm"]),
                                 1.5, False))
    else:
        targets.append(cm.unavailable_target("endorphin 1 thread / plain C LM",
                                             f"{SHARED_LM} not found"))
    for t in targets:
        print(t["line"])
    notes = [f"endorphin converged {int(ref.converged.sum())}/{NC} "
             f"({ref.converged.mean():.4f}); curve_fit converged {int(ok_cf.sum())}/{S}; "
             f"max rel diff of b, d, e vs curve_fit over {int(both.sum())} curves: {rel:.1e} "
             "(curve_fit's own tolerance is 1.5e-8 relative on the step)"]
    print("NOTE: " + notes[0])
    cm.save_json("w3_fit", {"workload": __doc__, "rows": rows, "targets": targets,
                            "notes": notes, "repeats": args.repeats, "full_run": full,
                            "machine": cm.machine_info()})


if __name__ == "__main__":
    main()
