"""W4 instruction counts (valgrind callgrind): the engine against the plain C limit.

Instruction counts do not depend on what else the machine is doing, so they back up the
wall-time ratios of w4_population.py.  For 100 W4 subject-days (tsit5 and dopri5 with
SIMD lanes, and tsit5 one subject at a time), the engine's worker is counted
(``--toggle-collect=run_worker``: integration, outputs, libm calls; no Python) under
valgrind.  The limit is counted with the peer folder's own ``callgrind_counts.py``
(its ``dopri_population``, built for x86-64-v3, as valgrind 3.19 cannot run AVX-512).
Both start from the peers' precomputed steady states.

Needs valgrind.  Run:  python benchmarks/w4_callgrind.py [--peers ../shared/bench]
(about 2 minutes)
"""
import argparse
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
N = 100

ENGINE = """
import sys
import numpy as np
sys.path.insert(0, {bench!r})
import w4_model as w
import endorphin._engine_tests
from endorphin import core
subj = w.population({n})
params = np.hstack([subj, np.tile(w.fixed_vector(), ({n}, 1))])
seg_t, seg_D = w.segments()
core.simulate("w4_bench", params, w.T_OUT, breaks=seg_t[1:-1], inputs=seg_D,
              rtol=w.RTOL, atol=w.ATOL, y0=w.steady_state(subj), threads=1,
              method={method!r}, _lanes={lanes})
"""


def engine_count(bench, method, lanes, tmp):
    script = Path(tmp) / f"engine_{method}_{int(lanes)}.py"
    script.write_text(ENGINE.format(bench=str(bench), n=N, method=method, lanes=lanes))
    out = Path(tmp) / f"cg.{method}.{int(lanes)}"
    res = subprocess.run(["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}",
                          "--toggle-collect=run_worker", sys.executable, str(script)],
                         capture_output=True, text=True, cwd=tmp)
    m = re.search(r"Collected : (\d+)", res.stderr)
    if res.returncode != 0 or m is None:
        sys.exit(f"valgrind failed:\n{res.stderr[-2000:]}")
    return int(m.group(1))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--peers", default=str(HERE.parent.parent / "shared" / "bench"))
    args = ap.parse_args()
    if shutil.which("valgrind") is None:
        sys.exit("valgrind not found")
    peers = Path(args.peers)
    if not (peers / "callgrind_counts.py").exists():
        sys.exit(f"peer folder {peers} not found (pass --peers)")
    with tempfile.TemporaryDirectory(prefix="endorphin-cg-") as tmp:
        bench = Path(tmp) / "bench"
        shutil.copytree(peers, bench)   # its scripts write build/ and results/ beside them
        subprocess.run([sys.executable, "callgrind_counts.py"], cwd=bench, check=True,
                       capture_output=True)
        lim = None
        for line in (bench / "results" / "callgrind.txt").read_text().splitlines():
            f = line.split()
            if f and f[0] == "w4_dopri":
                lim = int(f[2]) / int(f[3])
        rows = [("plain C DP5(4) [LIMIT] (peer, x86-64-v3)", lim)]
        for method, lanes in (("tsit5", True), ("dopri5", True), ("tsit5", False)):
            n = engine_count(bench, method, lanes, tmp) / N
            rows.append((f"endorphin {method}, {'lanes' if lanes else 'one subject at a time'}",
                         n))
    print(f"W4 instructions per subject-day (callgrind, {N} subject-days)")
    print("| row | instructions per subject-day | x limit |")
    print("|---|---|---|")
    for name, n in rows:
        print(f"| {name} | {n:,.0f} | {n / lim:.2f} |")


if __name__ == "__main__":
    main()
