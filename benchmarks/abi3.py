"""The limited API (abi3) build against the normal build: the same operations, side by side.

Two interpreters, each with one build of endorphin installed (the same NumPy):

    ENDORPHIN_LIMITED_API=1 python -m build --wheel      # the abi3 wheel (setup.py)
    python benchmarks/abi3.py --normal /venv-a/bin/python --abi3 /venv-b/bin/python

Each interpreter runs a worker (this file, ``--worker``) kept alive for the whole run;
every round asks both for one timing of each operation in turn, the two builds back to back
(A B, then B A in the next round), after one warm-up round.  Each operation's time is the best of 5 repetitions of an
inner loop sized to about 20 ms.  The table gives the per-round ratio abi3 / normal (median,
min-max; common.per_round_ratio): above 1 the abi3 build is slower.

Operations (where the two builds differ is the Python-facing glue: argument parsing,
object creation, reference counting; the C kernels are the same code):
    hill, 8 values              a ufunc call (NumPy's dispatch, our inner loop)
    hill, 1e6 values            the vectorised Hill kernel
    core.simulate, 1 subject    the engine's glue on a tiny problem (linear1, 3 times)
    Scenario, 200 subjects      the notebook path (exercise, 240 min, 1 thread)
    fit_dose_response, 4 curves the fitter's glue on a tiny batch
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time

OPS = ["hill, 8 values", "hill, 1e6 values", "core.simulate, 1 subject",
       "Scenario, 200 subjects", "fit_dose_response, 4 curves"]


def _operations():
    import numpy as np

    import endorphin as en
    from endorphin import core
    c8 = np.linspace(0.1, 10.0, 8)
    c6 = np.random.default_rng(1).uniform(0.01, 100.0, 1_000_000)
    out6 = np.empty_like(c6)
    t3 = np.array([0.0, 60.0, 120.0])
    p1 = [0.0, np.log(2) / 60, 10.0]
    sc = en.Scenario(en.Exercise(0.8, start=60, duration=30),
                     population=en.Population(200, seed=1), t_end=240, dt=5.0)
    x = np.logspace(-2, 2, 12)
    y = np.stack([1.0 / (1.0 + (2.0 / x) ** k) for k in (1.0, 1.5, 2.0, 2.5)])
    return {
        OPS[0]: lambda: en.hill(c8, 1.0, 3.0, 1.7),
        OPS[1]: lambda: en.hill(c6, 1.0, 3.0, 1.7, out=out6),
        OPS[2]: lambda: core.simulate("linear1", p1, t3, outputs=["conc"],
                                      doses=([0.0], ["central"], [100.0])),
        OPS[3]: lambda: sc.simulate(outputs=["plasma_beta_endorphin"], threads=1),
        OPS[4]: lambda: en.fit_dose_response(x, y),
    }


def _time(fn, target=0.02):
    n = 1
    while True:                               # size the inner loop to ~target seconds
        t0 = time.perf_counter()
        for _ in range(n):
            fn()
        dt = time.perf_counter() - t0
        if dt >= target / 4 or n >= 1 << 20:
            break
        n *= 4
    n = max(1, int(n * target / max(dt, 1e-9)))
    best = float("inf")
    for _ in range(5):
        t0 = time.perf_counter()
        for _ in range(n):
            fn()
        best = min(best, (time.perf_counter() - t0) / n)
    return best


def worker():
    import endorphin
    ops = _operations()
    print(json.dumps({"file": endorphin._integrate.__file__}), flush=True)
    for line in sys.stdin:
        word = line.split()
        if not word or word[0] != "go":
            break
        op = OPS[int(word[1])]
        print(json.dumps(_time(ops[op])), flush=True)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--normal", required=True, help="interpreter with the normal build")
    ap.add_argument("--abi3", required=True, help="interpreter with the abi3 build")
    ap.add_argument("--rounds", type=int, default=15)
    args = ap.parse_args(argv)
    sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parent))
    from common import fmt_ratio, fmt_time, markdown_table, per_round_ratio, summary

    procs = {}
    for key, py in (("normal", args.normal), ("abi3", args.abi3)):
        p = subprocess.Popen([py, __file__, "--worker"], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, text=True, cwd="/")
        procs[key] = p
        print(f"{key}: {json.loads(p.stdout.readline())['file']}")

    def ask(key, i):
        p = procs[key]
        p.stdin.write(f"go {i}\n")
        p.stdin.flush()
        return json.loads(p.stdout.readline())

    times = {"normal": [], "abi3": []}
    for r in range(args.rounds + 1):          # round 0 is the warm-up
        order = ("normal", "abi3") if r % 2 == 0 else ("abi3", "normal")
        got = {k: {} for k in order}
        for i, op in enumerate(OPS):
            for k in order:
                got[k][op] = ask(k, i)
        if r > 0:
            for k in times:
                times[k].append(got[k])
    for p in procs.values():
        p.stdin.close()
        p.wait()
    rows = []
    for op in OPS:
        a = [t[op] for t in times["abi3"]]
        b = [t[op] for t in times["normal"]]
        rows.append([op, fmt_time(summary(b)["median"]), fmt_time(summary(a)["median"]),
                     fmt_ratio(per_round_ratio(a, b))])
    print(markdown_table(["operation", "normal", "abi3", "abi3 / normal (per round)"], rows))


if __name__ == "__main__":
    if "--worker" in sys.argv:
        worker()
    else:
        main()
