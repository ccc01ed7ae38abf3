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
    libRoadRunner (SBML, LLVM JIT, CVODE) from the peer's w4_e_roadrunner: one instance
    reused, parameters and initial states set by index, the switching times as SBML
    events; CVODE BDF (its default) and Adams-Moulton, rtol 1e-6, atol 1e-9 (if
    libroadrunner and antimony are installed; on the first --roadrunner K subjects)
    diffrax (JAX, float64) from the peer's w4_f_diffrax: jax.jit(jax.vmap(...)) over the
    subjects, Dopri5 and Tsit5 with the PID controller, the switching times as jump_ts,
    states as a tuple, ForwardMode (the peer's fastest configuration); steady-state
    calls only, trace and XLA compile timed apart (if jax and diffrax are installed; on
    the first --diffrax K subjects, with XLA's default threads: set XLA_FLAGS to change)
Ratios are per round; throughput in subject-days per second.  A row timed on a subset of
K subjects is compared per subject: (its time / K) / (the limit's time / N).  With --lsoda K the
peer's scipy LSODA loop (one subject at a time) is timed on the first K subjects in
every round too, and its per-subject cost compared with the engine's.  Also reported:
RHS evaluations per subject-day, and each row's max relative difference from the limit
on C_p and C_h (over the subjects it ran).

The peers are not part of the package: pass their folder with --peers (default
../shared/bench beside the repository).  Run:
    python benchmarks/w4_population.py --n 10000
The peer rows need `pip install libroadrunner antimony jax diffrax` (in the bench extra).
"""
import argparse
import os
import shutil
import sys
import time
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
    ap.add_argument("--roadrunner", type=int, default=200, metavar="K",
                    help="time libRoadRunner on the first K subjects (0: skip; about "
                         "7 ms per subject with BDF)")
    ap.add_argument("--rr-configs", nargs="+", default=["cvode_bdf", "cvode_adams"],
                    help="w4_e_roadrunner configurations (default: CVODE BDF and Adams, "
                         "events)")
    ap.add_argument("--diffrax", type=int, default=2000, metavar="K",
                    help="time diffrax (vmap) on the first K subjects (capped at N; 0: "
                         "skip; about 1.3 ms per subject)")
    ap.add_argument("--diffrax-configs", nargs="+",
                    default=["dopri5/tuple/forward", "tsit5/tuple/forward"],
                    help="w4_f_diffrax configurations solver/state/adjoint")
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
    sub = {}                # rows timed on the first K subjects: name -> K
    acc_fns = {}            # name -> function writing that row's outputs into out_p[:K]
    out_p = np.zeros((N, 3, w.T_OUT.size))
    if "numba @njit DP5(4), 1 thread (peer)" in fns:
        acc_fns["numba @njit DP5(4), 1 thread (peer)"] = \
            lambda: nb.run_numba(subj, y0, out=out_p)
    notes = []
    K_rr = min(args.roadrunner, N)
    if K_rr > 0:
        try:
            import w4_e_roadrunner as er
            import roadrunner
            for c in args.rr_configs:
                pop = er.RRPopulation(c)
                pop.run(subj[:20], y0[:20], out=out_p[:20])        # warm-up
                name = (f"libRoadRunner {roadrunner.__version__} "
                        f"{er.LABEL[c].split('libRoadRunner ')[1]} (peer)")
                fns[name] = lambda pop=pop: pop.run(subj[:K_rr], y0[:K_rr], out=out_p[:K_rr])
                acc_fns[name] = fns[name]
                sub[name] = K_rr
                notes.append(f"{name}: SBML load + LLVM JIT {pop.t_load:.2f} s (not in "
                             f"the timed rounds); first {K_rr:,} subjects")
        except ImportError as e:
            print(f"libRoadRunner rows skipped ({e}): pip install libroadrunner antimony")
    K_dx = min(args.diffrax, N)
    if K_dx > 0:
        try:
            import w4_f_diffrax as fd
            import diffrax
            import jax
            for c in args.diffrax_configs:
                solver, state, adjoint = c.split("/")[:3]
                fn = fd.make_solver(solver, adjoint=adjoint, state=state)
                t0 = time.perf_counter()
                lowered = fn.lower(subj[:K_dx], y0[:K_dx])
                t_lower = time.perf_counter() - t0
                t0 = time.perf_counter()
                lowered.compile()
                t_comp = time.perf_counter() - t0
                t0 = time.perf_counter()
                _, nst, nrj = fd.run(fn, subj[:K_dx], y0[:K_dx], out_p[:K_dx])
                t_first = time.perf_counter() - t0
                name = f"diffrax {diffrax.__version__} {c.split('/')[0].capitalize()} " \
                       f"vmap ({c}; peer)"
                fns[name] = lambda fn=fn: fd.run(fn, subj[:K_dx], y0[:K_dx],
                                                 out_p[:K_dx]) and None
                acc_fns[name] = fns[name]
                sub[name] = K_dx
                notes.append(f"{name}: trace+lower {t_lower:.2f} s, XLA compile "
                             f"{t_comp:.2f} s, first call {t_first:.2f} s (none in the "
                             f"timed rounds); steps/subject {nst.mean():.1f}, rejected "
                             f"{nrj.mean():.2f}; first {K_dx:,} subjects; jax "
                             f"{jax.__version__}, XLA_FLAGS="
                             f"'{os.environ.get('XLA_FLAGS', '')}' (default threads)")
        except ImportError as e:
            print(f"diffrax rows skipped ({e}): pip install jax diffrax")
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
    _, st, _ = w.run_c(subj, y0, 1, out=out_c)

    def max_rel(a, n):
        return [float(np.max(np.abs(a[:n, k] - out_c[:n, k]) / np.abs(out_c[:n, k])))
                for k in (0, 1)]

    acc = {"endorphin method='tsit5', 1 thread": max_rel(out_e, N)}
    acc["endorphin method='tsit5', 2 threads"] = acc["endorphin method='tsit5', 1 thread"]
    res = engine(1)
    acc["endorphin core.simulate, 1 thread"] = max_rel(out_e, N)
    acc["endorphin core.simulate, 2 threads"] = acc["endorphin core.simulate, 1 thread"]
    acc["plain C DP5(4), 1 thread  [LIMIT]"] = [0.0, 0.0]
    w.run_c(subj, y0, 2, out=out_p)
    acc["plain C DP5(4), 2 OpenMP threads"] = max_rel(out_p, N)
    for k, f in acc_fns.items():
        f()
        acc[k] = max_rel(out_p, sub.get(k, N))
    rel = acc["endorphin core.simulate, 1 thread"]
    print(f"\nW4, N = {N:,}: engine RHS evaluations per subject-day "
          f"{res.n_rhs.mean():.0f}, tsit5 {res_ts.n_rhs.mean():.0f} "
          f"(limit {st[:, 0].mean():.0f}); "
          f"max rel diff engine vs limit: C_p {rel[0]:.1e}, C_h {rel[1]:.1e}")
    for note in notes:
        print("  " + note)
    rows = []
    per_subj = {}           # per-subject times of every row, round by round
    for k in fns:
        n_k = sub.get(k, N)
        per_subj[k] = [t / n_k for t in times[k]]
    lim_ps = per_subj["plain C DP5(4), 1 thread  [LIMIT]"]
    order = {"endorphin": 0, "plain C": 1, "numba": 2, "libRoadRunner": 3, "diffrax": 4}
    for k in sorted(fns, key=lambda k: min(v for p, v in order.items()
                                          if k.startswith(p) or p == "diffrax")):
        n_k = sub.get(k, N)
        med = float(np.median(times[k]))
        ratio = cm.per_round_ratio(per_subj[k], lim_ps)
        thr = cm.summary([n_k / t for t in times[k]])
        a = acc.get(k)
        rows.append([k, f"{n_k:,}" + ("" if n_k == N else " (subset)"),
                     f"{thr['median']:,.0f} ({thr['min']:,.0f}-{thr['max']:,.0f})",
                     cm.fmt_ratio(ratio), cm.fmt_time(med),
                     "-" if a is None else f"{a[0]:.1e}, {a[1]:.1e}"])
    print(cm.markdown_table(["row", "subjects", "subject-days/s: median (min-max)",
                             "time per subject / limit's, per round", "median time",
                             "max rel diff vs limit (C_p, C_h)"], rows))
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
    peers = [k for k in fns if k.startswith(("libRoadRunner", "diffrax"))]
    if peers:
        eng = ["endorphin core.simulate, 1 thread", "endorphin core.simulate, 2 threads",
               "endorphin method='tsit5', 1 thread", "endorphin method='tsit5', 2 threads"]
        print("\nHow much faster the engine is than each peer, per subject: the peer's "
              "time / the engine's time, per round, median (min-max)")
        print(cm.markdown_table(
            ["peer"] + [e.replace("endorphin ", "") for e in eng],
            [[k] + [cm.fmt_ratio(cm.per_round_ratio(per_subj[k], per_subj[e]))
                    for e in eng] for k in peers]))
    shutil.rmtree(work, ignore_errors=True)

if __name__ == "__main__":
    main()
