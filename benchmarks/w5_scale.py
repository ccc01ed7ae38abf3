"""W5 scale: summary-only population runs, in process and on a Dask LocalCluster.

Workload (benchmarks/README.md W5): N subjects x 1 day of the default endorphin
scenario (exercise at 75 % VO2max 60-105 min, laughter 300-315, pain 4 at
600-720; pulses and the circadian rhythm on), summary mode only (per subject
and output: max, tmax, min, AUC, time above, end value for plasma
beta-endorphin, analgesia, opioid analgesia, mood), population percentiles from
the summaries.

Rows, measured in the same run:

* in process: ``Scenario.summarize(chunks=None)``, the engine on every core;
* dask threads: ``Scenario.summarize(chunks=K)`` on dask's threaded scheduler;
* dask LocalCluster: the same on a ``dask.distributed.LocalCluster`` with 2 worker
  processes x 1 thread (what a cluster of nodes does, on this machine).

Reported: wall time, subjects/s, Dask overhead versus in process (target: below
15 %), peak memory (this process's max RSS; the workers' max RSS from their own
``getrusage``), and the projection for 10^9 subjects on 100 nodes, with the
arithmetic.  Usage::

    python benchmarks/w5_scale.py --n 1000000 --chunks 100000
    python benchmarks/w5_scale.py --n 10000000 --chunks 100000 --n-inprocess 500000 \
        --skip-threads       # the 10^7 run of benchmarks/README.md (about 1.5 h here)
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import time

import numpy as np

import endorphin as en

OUTPUTS = ("plasma_beta_endorphin", "analgesia", "opioid_analgesia", "mood")


def scenario(n: int, seed: int = 1) -> en.Scenario:
    protocol = (en.Exercise(0.75, start=60, duration=45) + en.Laughter(start=300, duration=15)
                + en.Pain(level=4, start=600, duration=120))
    return en.Scenario(protocol, population=en.Population(n, seed=seed), t_end=1440.0,
                       dt=1440.0)


def _maxrss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=200_000)
    ap.add_argument("--chunks", type=int, default=20_000)
    ap.add_argument("--n-inprocess", type=int, default=None,
                    help="subjects of the in-process reference run (default: --n); the "
                         "overhead compares throughputs, since time is linear in N")
    ap.add_argument("--skip-threads", action="store_true")
    ap.add_argument("--skip-cluster", action="store_true")
    args = ap.parse_args(argv)
    n_ref = args.n if args.n_inprocess is None else args.n_inprocess
    sc = scenario(args.n)
    rows = {}            # name -> (subjects, seconds)

    t0 = time.perf_counter()
    ref = scenario(n_ref).summarize(OUTPUTS)
    rows["in process (2 engine threads)"] = (n_ref, time.perf_counter() - t0)
    p_ref = ref.percentiles() if n_ref == args.n else None
    rss_in = _maxrss_mb()

    def rel(p):
        if p is None or p_ref is None:
            return float("nan")
        a, b = p.to_numpy(), p_ref.to_numpy()
        return float(np.nanmax(np.abs(a - b) / (np.abs(b) + 1e-12)))

    import dask
    err_thr = float("nan")
    if not args.skip_threads:
        t0 = time.perf_counter()
        lazy = sc.summarize(OUTPUTS, chunks=args.chunks)
        with dask.config.set(scheduler="threads"):
            p_thr = lazy.percentiles()
        rows["dask threads, percentiles streamed"] = (args.n, time.perf_counter() - t0)
        err_thr = rel(p_thr)

    worker_rss = None
    err = float("nan")
    if not args.skip_cluster:
        from distributed import Client, LocalCluster
        with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                          dashboard_address=":0", silence_logs=50) as lc, Client(lc) as client:
            client.run(lambda: __import__("endorphin"))        # warm workers
            t0 = time.perf_counter()
            p_dist = sc.summarize(OUTPUTS, chunks=args.chunks).percentiles()
            rows["dask LocalCluster 2 procs, percentiles streamed"] = (
                args.n, time.perf_counter() - t0)
            worker_rss = client.run(lambda: resource.getrusage(
                resource.RUSAGE_SELF).ru_maxrss / 1024.0)
            # bitwise: the first chunk's summaries against the in-process run
            k = min(args.chunks, n_ref)
            one = sc.summarize(OUTPUTS, chunks=args.chunks).values[:k].compute()
            assert np.array_equal(one, ref.values[:k]), "cluster != in process"
            print(f"first {k} subjects on the cluster: bitwise equal to in process")
        err = rel(p_dist)

    base = n_ref / rows["in process (2 engine threads)"][1]
    print(f"W5: {args.n} subjects x 1 day, summary mode, chunks of {args.chunks} "
          f"(in-process reference: {n_ref} subjects)\n")
    print("| run | subjects | time (s) | subjects/s | overhead vs in process |")
    print("|---|---|---|---|---|")
    for k, (n, v) in rows.items():
        print(f"| {k} | {n:,} | {v:.1f} | {n / v:,.0f} | {100 * (base / (n / v) - 1):+.1f} % |")
    print(f"\npeak RSS: this process {rss_in:.0f} MB after the in-process run "
          f"(summaries {ref.values.nbytes / 1e6:.0f} MB); {_maxrss_mb():.0f} MB at the end")
    if worker_rss:
        print("workers: " + ", ".join(f"{v:.0f} MB" for v in worker_rss.values()))
    print(f"percentiles, streamed vs exact: max relative difference {err_thr:.2e} (threads), "
          f"{err:.2e} (cluster){'' if p_ref is not None else ' (not compared: n-inprocess != n)'}")
    rate = base / 2            # subjects per second per core
    total = 1e9 / (rate * 100 * 32)
    print(f"\nprojection: {rate:,.0f} subject-days/s per core here; 10^9 subjects on 100 "
          f"nodes of 32 cores = 1e9 / ({rate:,.0f} x 3200) = {total:,.0f} s "
          f"({total / 60:.1f} min), plus the Dask overhead measured above")
    out = os.path.join(os.path.dirname(__file__), "results")
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "w5_scale.json"), "w") as fh:
        json.dump({"n": args.n, "n_inprocess": n_ref, "chunks": args.chunks, "rows": rows,
                   "rss_mb": rss_in, "worker_rss_mb": worker_rss}, fh, indent=1)


if __name__ == "__main__":
    main()
