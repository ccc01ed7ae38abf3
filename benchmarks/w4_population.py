"""W4 population_day: the engine (endorphin.core.simulate) against the plain C limit.

Workload (benchmarks/README.md, W4; defined by the peers' w4_model.py):
the 11-state endogenous model, 24 h, outputs C_p, C_h and analgesia every minute
(N, 3, 1441), rtol 1e-6, atol 1e-9, restarts at every switching time, each
subject from its resting steady state.

Every row starts from the same precomputed resting steady states (w4_model.steady_state,
passed as y0, as the peers take them), so no row's time includes finding them (the
engine's own w4_init, the same bisection, would cost about 2 % of its time).

Rows (rounds interleaved, output buffers preallocated and touched for all):
    endorphin, 1 thread / 2 threads  (core.simulate(..., out=buffer)), with the
    default Dormand-Prince and with method="tsit5"
    numba @njit Dormand-Prince 5(4), 1 thread (the peer's w4_numba_dopri, if numba is
    installed)
    plain C Dormand-Prince 5(4), 1 thread  [LIMIT] and 2 OpenMP threads, from the
    peer folder (w4_model.run_c, compiled there with -O3 -march=native)
Ratios are per round; throughput in subject-days per second.  With --lsoda K the
peer's scipy LSODA loop (one subject at a time) is timed on the first K subjects in
every round too, and its per-subject cost compared with the engine's.  Also reported:
RHS evaluations per subject-day, and the max relative difference of the engine
from the limit on C_p and C_h.

The peers are not part of the package: pass their folder with --peers (default
../shared/bench beside the repository).  Run:
    python benchmarks/w4_population.py --n 10000
"""
import argparse
import shutil
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent


def _load_common():
    """benchmarks/common.py under another name: the peers have a common.py too."""
    import importlib.util
    spec = importlib.util.spec_from_file_location("endorphin_bench_common",
                                                  HERE / "common.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


cm = _load_common()


def load_peers(peers):
    """A private copy of the peer folder (its scripts write build/ and results/ beside
    themselves) on sys.path; returns (the copy's parent, its w4_model module)."""
    import tempfile
    peers = Path(peers)
    if not (peers / "w4_model.py").exists():
        sys.exit(f"peer folder {peers} not found (pass --peers)")
    work = Path(tempfile.mkdtemp(prefix="endorphin-w4-"))
    shutil.copytree(peers, work / "bench")
    sys.path.insert(0, str(work / "bench"))
    import w4_model
    return work, w4_model


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=10_000)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--peers", default=str(HERE.parent.parent / "shared" / "bench"))
    ap.add_argument("--lsoda", type=int, default=0, metavar="K",
                    help="also time the peer's scipy LSODA loop on the first K subjects "
                         "(per-subject ratio; about 0.5 s per subject)")
    args = ap.parse_args()

    work, w = load_peers(args.peers)

    import endorphin._engine_tests  # noqa: F401  (registers the test model w4_bench)
    from endorphin import core

    N = args.n
    subj = w.population(N)
    y0 = w.steady_state(subj)
    params = np.hstack([subj, np.tile(w.fixed_vector(), (N, 1))])
    seg_t, seg_D = w.segments()
    kw = dict(breaks=seg_t[1:-1], inputs=seg_D, rtol=w.RTOL, atol=w.ATOL, y0=y0)
    out_e = np.zeros((N, 3, w.T_OUT.size))
    out_c = np.zeros((N, 3, w.T_OUT.size))

    def engine(threads, method="explicit"):
        return core.simulate("w4_bench", params, w.T_OUT, threads=threads, out=out_e,
                             method=method, **kw)

    engine(1)
    w.run_c(subj[:500], y0[:500], 1, out=out_c[:500])      # builds the limit
    fns = {}
    try:                                    # the numba peer, when numba is installed
        import w4_numba_dopri as nb
        nb.run_numba(subj[:50], y0[:50], out=out_c[:50])    # compile (cached)
        fns["numba @njit DP5(4), 1 thread (peer)"] = lambda: nb.run_numba(subj, y0, out=out_c)
    except ImportError:
        print("numba not installed: its row is skipped (pip install '.[bench]')")
    fns.update({
        "endorphin core.simulate, 1 thread": lambda: engine(1),
        "endorphin core.simulate, 2 threads": lambda: engine(2),
        "endorphin method='tsit5', 1 thread": lambda: engine(1, "tsit5"),
        "endorphin method='tsit5', 2 threads": lambda: engine(2, "tsit5"),
        "plain C DP5(4), 1 thread  [LIMIT]": lambda: w.run_c(subj, y0, 1, out=out_c),
        "plain C DP5(4), 2 OpenMP threads": lambda: w.run_c(subj, y0, 2, out=out_c),
    })
    if args.lsoda > 0:
        import w4_a_lsoda as la
        K = args.lsoda
        fns["scipy LSODA loop (peer), 1 thread, first K subjects"] = \
            lambda: la.run_lsoda(subj[:K], y0[:K])
    times = cm.interleaved({k: (lambda f=f: (f(), None)[1]) for k, f in fns.items()},
                           repeats=args.repeats, warmup=0)
    if args.lsoda > 0:
        # per-subject costs, compared round by round
        lk = "scipy LSODA loop (peer), 1 thread, first K subjects"
        per_l = [t / args.lsoda for t in times.pop(lk)]
        fns.pop(lk)
        for name in ("endorphin core.simulate, 1 thread", "endorphin method='tsit5', 1 thread"):
            per_e = [t / N for t in times[name]]
            print(cm.target(f"{name} vs scipy LSODA per subject (LSODA time / engine time)",
                            cm.per_round_ratio(per_l, per_e), 300.0, True)["line"])
    lim = times["plain C DP5(4), 1 thread  [LIMIT]"]
    res_ts = engine(1, "tsit5")
    res = engine(1)
    _, st, _ = w.run_c(subj, y0, 1, out=out_c)
    rel = [float(np.max(np.abs(out_e[:, k] - out_c[:, k]) / np.abs(out_c[:, k])))
           for k in (0, 1)]
    print(f"\nW4, N = {N:,}: engine RHS evaluations per subject-day "
          f"{res.n_rhs.mean():.0f}, tsit5 {res_ts.n_rhs.mean():.0f} "
          f"(limit {st[:, 0].mean():.0f}); "
          f"max rel diff engine vs limit: C_p {rel[0]:.1e}, C_h {rel[1]:.1e}")
    rows = []
    for k in fns:
        med = float(np.median(times[k]))
        ratio = cm.per_round_ratio(times[k], lim)
        thr = cm.summary([N / t for t in times[k]])
        rows.append([k, f"{thr['median']:,.0f} ({thr['min']:,.0f}-{thr['max']:,.0f})",
                     cm.fmt_ratio(ratio), cm.fmt_time(med)])
    print(cm.markdown_table(["row", "subject-days/s: median (min-max)",
                             "time / limit's time, per round", "median time"], rows))
    e1 = times["endorphin core.simulate, 1 thread"]
    e2 = times["endorphin core.simulate, 2 threads"]
    print(cm.target("engine speed-up 1 -> 2 threads", cm.per_round_ratio(e1, e2),
                    1.8, True)["line"])
    t1 = times["endorphin method='tsit5', 1 thread"]
    t2 = times["endorphin method='tsit5', 2 threads"]
    print(cm.target("tsit5 speed-up 1 -> 2 threads", cm.per_round_ratio(t1, t2),
                    1.8, True)["line"])
    print(cm.target("part 2: tsit5 vs the plain C limit per core (limit time / tsit5 time)",
                    cm.per_round_ratio(lim, t1), 1.15, True)["line"])
    nbk = "numba @njit DP5(4), 1 thread (peer)"
    if nbk in times:
        print(cm.target("engine speed vs numba per core (numba time / engine time)",
                        cm.per_round_ratio(times[nbk], e1), 1.0, True)["line"])
        print(cm.target("part 2: tsit5 vs numba per core (numba time / tsit5 time)",
                        cm.per_round_ratio(times[nbk], t1), 1.5, True)["line"])
    shutil.rmtree(work, ignore_errors=True)

if __name__ == "__main__":
    main()
