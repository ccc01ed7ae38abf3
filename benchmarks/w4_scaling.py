"""W4 in summary mode: time linear in N from 10^3 to 10^6, and the throughput of
the full default endorphin model.

Summary mode (``core.simulate(..., summary=True)`` with ``t_out = [t_end]``)
keeps six statistics per subject and output instead of trajectories, so the
memory is O(N); this script times N = 10^3, 10^4, 10^5 (and 10^6 with
``--max-n 1000000``) W4 subject-days with 2 threads and reports the time per
subject (flat = linear in N; the median of 5 runs below 10^6) and the size of the
result.  Then the default endorphin model (24 states, pulses, circadian rhythm,
30 min of exercise at 80 % VO2max, 24 h), explicit and auto, in subject-days per
second.

    python benchmarks/w4_scaling.py --peers ../shared/bench [--max-n 1000000]
"""
import argparse
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--peers", default=str(HERE.parent.parent / "shared" / "bench"))
    ap.add_argument("--max-n", type=int, default=100_000)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    peers = Path(args.peers)
    if not (peers / "w4_model.py").exists():
        sys.exit(f"peer folder {peers} not found (pass --peers)")
    sys.path.insert(0, str(peers))
    import w4_model as w  # noqa: E402

    import endorphin._engine_tests  # noqa: F401  (registers the test model w4_bench)
    from endorphin import core
    from endorphin import model as M

    seg_t, seg_D = w.segments()
    kw = dict(breaks=seg_t[1:-1], inputs=seg_D, rtol=w.RTOL, atol=w.ATOL,
              threads=args.threads, summary=True, outputs=["C_p", "C_h", "analgesia"])
    print(f"W4 summary mode, {args.threads} threads")
    print("| N | time | us per subject-day | subject-days/s | result bytes |")
    print("|---|---|---|---|---|")
    n = 1000
    while n <= args.max_n:
        # the peer's population generator stops at w.N_MAX subjects: repeat it beyond
        subj = w.population(min(n, w.N_MAX))
        if n > subj.shape[0]:
            subj = np.tile(subj, (-(-n // subj.shape[0]), 1))[:n]
        params = np.hstack([subj, np.tile(w.fixed_vector(), (n, 1))])
        core.simulate("w4_bench", params[:100], [w.T_OUT[-1]], t0=0.0, **kw)
        times = []
        for _ in range(5 if n <= 100_000 else 1):   # the median of 5 below 10^6
            t1 = time.perf_counter()
            r = core.simulate("w4_bench", params, [w.T_OUT[-1]], t0=0.0, **kw)
            times.append(time.perf_counter() - t1)
        dt = float(np.median(times))
        assert (r.status == 0).all()
        print(f"| {n:,} | {dt:.3f} s | {1e6 * dt / n:.1f} | {n / dt:,.0f} | "
              f"{r.summary.nbytes + r.y.nbytes:,} |")
        n *= 10

    print("\nDefault endorphin model: 24 h, pulses, rhythm, 30 min at 80 % VO2max, "
          "plasma beta-endorphin every 10 min")
    n = 10_000
    p = M.sample_parameters(n, 1)
    t = np.arange(0.0, 1441.0, 10.0)
    for method in ("explicit", "auto"):
        M.simulate(p[:100], t, pulses=True, segments=[("exercise", 60, 30, 0.8)],
                   outputs=["plasma_beta_endorphin"], threads=args.threads)
        q = p.copy()
        t1 = time.perf_counter()
        doses = M.pulse_doses(q, 0.0, 1440.0, 1)
        t2 = time.perf_counter()
        br, inp = M.stimulus_inputs([("exercise", 60, 30, 0.8)], 0.0, 1440.0)
        r = core.simulate("endorphin", q, t, breaks=br, inputs=inp, method=method,
                          doses=doses, outputs=["plasma_beta_endorphin"],
                          threads=args.threads)
        t3 = time.perf_counter()
        print(f"  {method:8s}: engine {n / (t3 - t2):,.0f} subject-days/s "
              f"({args.threads} threads; {r.n_rhs.mean():.0f} RHS per subject-day); "
              f"Python pulse generator {n / (t2 - t1):,.0f} subjects/s")


if __name__ == "__main__":
    main()
