"""Run the endorphin benchmarks and print a combined summary of the ratios.

Usage:
    python benchmarks/run.py                     # W1 and W2, default rounds
    python benchmarks/run.py --repeats 5         # the same number of timed rounds for each
    python benchmarks/run.py --only w1           # one workload

Install the package and the peers first: ``python -m pip install ".[bench]"``.  The
package must be the installed one (the scripts import ``endorphin`` from site-packages;
the source tree has no compiled extension).

Each workload runs in its own Python process, one after the other: a workload then
starts with a fresh heap and without the other's libraries loaded, and a crash in one
does not lose the other.  Each script writes ``benchmarks/results/<name>.json``; this
script reads them back and prints the per-round ratios side by side.  These are
benchmarks, not tests: the exit status is non-zero only when a script fails to run,
never because a target is missed.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"

WORKLOADS = {
    "w1": ("w1_hill.py", "w1_hill", "W1 hill, 10^7 float64: each row's time as a multiple "
                                    "of the C copy loop's, per round"),
    "w2": ("w2_occupancy.py", "w2_occupancy", "W2 competitive occupancy, 10^6 x 3 x 3: "
                                              "rows/s and per-round ratios"),
    "w3": ("w3_fit.py", "w3_fit", "W3 fit_ll4, 10,000 curves x 12 doses: curves/s, "
                                  "speed-up vs curve_fit, ratio to the plain C LM"),
}


def ratio(r: dict | None) -> str:
    if not r:
        return ""
    return f"{r['median']:.2f} ({r['min']:.2f}-{r['max']:.2f})"


def table(headers: list[str], rows: list[list[str]]) -> str:
    """A markdown table (run.py stays importable without the workloads' helpers)."""
    w = [max(len(str(r[i])) for r in [headers] + rows) for i in range(len(headers))]

    def fmt(r):
        return "| " + " | ".join(str(x).ljust(w[i]) for i, x in enumerate(r)) + " |"

    return "\n".join([fmt(headers), "|" + "|".join("-" * (x + 2) for x in w) + "|"]
                     + [fmt(r) for r in rows])


def summarize_w1(res: dict) -> str:
    rows = [[r["row"], ratio(r["ratio_to_copy"]), f"{r['elements_per_s'] / 1e6:.0f}",
             "" if r["max_rel_err"] is None else f"{r['max_rel_err']:.1e}"]
            for r in res["rows"]]
    return table(["row", "x copy: median (min-max)", "Melem/s", "max rel err"], rows)


def summarize_w2(res: dict) -> str:
    rows = []
    for r in res["rows"]:
        if not r.get("available", True):
            rows.append([r["row"], "not available yet", "", ""])
            continue
        rows.append([r["row"], f"{r['rows_per_s'] / 1e6:.1f}", ratio(r["ratio_to_floor"]),
                     ratio(r["numpy_bcast_speedup"])])
    return table(["row", "M rows/s", "x memory floor", "speed-up vs NumPy bcast"], rows)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Run the endorphin benchmarks (W1, W2).")
    ap.add_argument("--repeats", type=int, default=None,
                    help="timed rounds per workload (default: each script's own, "
                         ">= 5; fewer is a development run)")
    ap.add_argument("--only", choices=sorted(WORKLOADS), default=None,
                    help="run one workload only")
    args = ap.parse_args(argv)

    chosen = [args.only] if args.only else list(WORKLOADS)
    status: dict[str, str] = {}
    for key in chosen:
        script, name, _ = WORKLOADS[key]
        cmd = [sys.executable, str(HERE / script)]
        if args.repeats is not None:
            cmd += ["--repeats", str(args.repeats)]
        print(f"\n>>> {' '.join(cmd)}", flush=True)
        t0 = time.time()
        rc = subprocess.run(cmd).returncode
        out = RESULTS / f"{name}.json"
        # Only a results file written by this run counts (not a stale one).
        if rc == 0 and out.exists() and out.stat().st_mtime >= t0:
            status[key] = "ok"
        else:
            status[key] = f"failed (exit status {rc})"
        print(f"<<< {key}: {status[key]} in {time.time() - t0:.0f} s", flush=True)

    print("\n# Summary (per-round ratios: median (min-max) over the timed rounds)")
    for key in chosen:
        script, name, title = WORKLOADS[key]
        print(f"\n## {title}\n")
        if status[key] != "ok":
            print(f"{script} {status[key]}: no results")
            continue
        res = json.loads((RESULTS / f"{name}.json").read_text())
        if key == "w3":
            print(table(["row", "curves/s", "x curve_fit", "x plain C LM"],
                        [[r["row"], f"{r['curves_per_s']:,.0f}",
                          ratio(r.get("speedup_vs_curve_fit")), ratio(r.get("ratio_to_limit"))]
                         for r in res["rows"]]))
        else:
            print(summarize_w1(res) if key == "w1" else summarize_w2(res))
        print()
        for tg in res["targets"]:
            print("  " + tg["line"])
        for note in res.get("notes", []):
            print("NOTE: " + note)
        if not res.get("full_run", True):
            print(f"NOTE: {res['repeats']} timed rounds: a development run.")
        m = res["machine"]
        print(f"(NumPy {m['numpy']}, {m.get('cpu', '?')}, {m['ncpu']} CPUs, "
              f"load at start {' '.join(m.get('loadavg_at_start', []))})")
    return 0 if all(s == "ok" for s in status.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
