"""W2 at other shapes: competitive occupancy of l ligands at r receptors, 10^6 rows.

W2 (w2_occupancy.py) is 3 ligands at 3 receptors.  This script times the package on
other shapes, with the same kind of inputs (C = 10 ** uniform(-3, 3), K = 10 **
uniform(-1, 1), fixed seeds):

    endorphin.competitive_occupancy(C, K, out=occ)    the package (rows kernels)
    NumPy broadcasting, out= buffers                 x = C[:, None, :] / K; x / (1 + x.sum(-1))

round-robin in the same rounds, reported as per-round ratios.  With --generic it
also runs itself in a subprocess with ENDORPHIN_SIMD=generic (the scalar rows kernel;
the SIMD kernels are chosen once per process) and reports the package's time there:
that ratio comes from two processes, so it is a rough one.

Run:  python benchmarks/w2_shapes.py [--repeats 7] [--generic]    (about 30 s)
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys

import numpy as np

import common as cm

NROW = 1_000_000
SHAPES = [(3, 3), (2, 3), (4, 2), (5, 4), (8, 4), (3, 6), (3, 1), (1, 1)]


def measure(repeats: int) -> dict:
    import endorphin
    res = {}
    for l, r in SHAPES:
        rng = np.random.default_rng(1000 * l + r)
        C = 10 ** rng.uniform(-3, 3, size=(NROW, l))
        K = 10 ** rng.uniform(-1, 1, size=(r, l))
        occ = np.zeros((NROW, r, l))
        xbuf = np.zeros((NROW, r, l))
        sbuf = np.zeros((NROW, r, 1))

        def np_out():
            np.divide(C[:, None, :], K[None, :, :], out=xbuf)
            np.sum(xbuf, axis=2, keepdims=True, out=sbuf)
            np.add(sbuf, 1.0, out=sbuf)
            np.divide(xbuf, sbuf, out=occ)

        fns = {"package": lambda: endorphin.competitive_occupancy(C, K, out=occ),
               "numpy": np_out}
        times = cm.interleaved(fns, repeats=repeats)
        res[f"{l}x{r}"] = {
            "package_s": cm.summary(times["package"])["median"],
            "numpy_over_package": cm.per_round_ratio(times["numpy"], times["package"])}
    return res


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeats", type=int, default=7, help="timed rounds (>= 5 to quote)")
    ap.add_argument("--generic", action="store_true",
                    help="also time the package with ENDORPHIN_SIMD=generic (subprocess)")
    ap.add_argument("--json-only", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.json_only:
        print(json.dumps(measure(args.repeats)))
        return {}
    full_run = cm.check_repeats(args.repeats)
    import endorphin
    res = measure(args.repeats)
    generic = None
    if args.generic:
        env = dict(os.environ, ENDORPHIN_SIMD="generic")
        p = subprocess.run([sys.executable, __file__, "--json-only", "--repeats",
                            str(args.repeats)], capture_output=True, text=True, env=env,
                           check=True)
        generic = json.loads(p.stdout.strip().splitlines()[-1])
    table = []
    for shape, v in res.items():
        row = [f"{shape.replace('x', ' ligands x ')} receptors", cm.fmt_time(v["package_s"]),
               cm.fmt_ratio(v["numpy_over_package"])]
        if generic is not None:
            g = generic[shape]["package_s"]
            row += [cm.fmt_time(g), f"{g / v['package_s']:.2f}"]
        table.append(row)
    headers = ["shape", "package (out=)", "NumPy out= / package, per round"]
    if generic is not None:
        headers += ["package, ENDORPHIN_SIMD=generic", "generic / default (2 processes)"]
    print(f"## W2 shapes, {NROW:,} rows (endorphin {endorphin.__version__}, NumPy "
          f"{np.__version__})\n")
    print(cm.markdown_table(headers, table))
    payload = {"workload": "W2 shapes", "rows": NROW, "repeats": args.repeats,
               "full_run": full_run, "results": res, "generic": generic}
    path = cm.save_json("w2_shapes", payload)
    print(f"results: {path}")
    return payload


if __name__ == "__main__":
    main()
