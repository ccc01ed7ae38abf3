"""W4 lanes EXPERIMENT: vectorising across subjects, against the plain C limit.

Not a package row: ``benchmarks/c/w4_lanes.c`` integrates L subjects side by side
in SIMD lanes (each with its own step size), repeating the limit's algorithm
operation for operation, so that its outputs and RHS counts must equal the
limit's bit for bit (checked here).  It measures what the engine would gain from
the same layout (issue 5 suggests it; the engine integrates one subject at a time).

Rows (interleaved rounds, kernel-only times, 1 thread): the plain C DP5 limit
(``../shared/bench``'s w4_dopri.c via w4_model.run_c's library) and the lane
version with L = 4 and L = 8.  Run:
    python benchmarks/w4_lanes_experiment.py [--n 10000] [--repeats 5] [--peers DIR]
"""
import argparse
import ctypes
import shutil
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from w4_population import cm, load_peers  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=10_000)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--peers", default=str(HERE.parent.parent / "shared" / "bench"))
    args = ap.parse_args()
    work, w = load_peers(args.peers)

    N = args.n
    subj = np.ascontiguousarray(w.population(N))
    y0 = np.ascontiguousarray(w.steady_state(subj))
    seg_t, seg_D = w.segments()
    seg_D = np.ascontiguousarray(seg_D)
    fx = w.fixed_vector()
    vp = ctypes.c_void_p
    argtypes = [ctypes.c_long, vp, vp, ctypes.c_int, vp, vp, ctypes.c_long, vp, vp,
                ctypes.c_double, ctypes.c_double, vp, vp, ctypes.c_int, vp]
    fns = {}
    for L in (4, 8):
        lib = cm.build_c("w4_lanes.c", f"w4_lanes{L}",
                         ["-fopenmp-simd", f"-DLANES={L}", "-I", str(work / "bench" / "c")])
        f = lib.dopri_population_lanes
        f.argtypes, f.restype = argtypes, ctypes.c_long
        fns[f"lanes, L = {L}"] = f
    limit = w.c_lib("plain").dopri_population      # the limit, as W4 builds it

    def runner(f):
        out = np.zeros((N, 3, w.T_OUT.size))
        st = np.zeros((N, 3), np.int64)

        def run():
            sec = ctypes.c_double(0.0)
            rc = f(N, subj.ctypes.data, y0.ctypes.data, len(seg_t) - 1, seg_t.ctypes.data,
                   seg_D.ctypes.data, w.T_OUT.size, w.T_OUT.ctypes.data, fx.ctypes.data,
                   w.RTOL, w.ATOL, out.ctypes.data, st.ctypes.data, 1, ctypes.addressof(sec))
            if rc != 0:
                raise RuntimeError(f"{rc} subjects failed")
            return float(sec.value)
        return run, out, st

    rows = {"plain C DP5(4), 1 thread  [LIMIT]": runner(limit)}
    rows.update({k: runner(f) for k, f in fns.items()})
    times = cm.interleaved({k: r[0] for k, r in rows.items()}, repeats=args.repeats, warmup=1)
    lim_key = "plain C DP5(4), 1 thread  [LIMIT]"
    _, ref_out, ref_st = rows[lim_key]
    print(f"W4 lanes experiment, N = {N:,}, {args.repeats} rounds, kernel-only times, 1 thread")
    for k, (_, out, st) in rows.items():
        ratio = cm.per_round_ratio(times[lim_key], times[k])
        same = np.array_equal(out, ref_out) and np.array_equal(st, ref_st)
        print(f"  {k:36s} {N / np.median(times[k]):10,.0f} subject-days/s   "
              f"limit time / time: {cm.fmt_ratio(ratio)}   "
              f"outputs and RHS counts bitwise equal to the limit: {same}")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
