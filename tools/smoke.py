"""Smoke test of an installed endorphin (a wheel, an sdist install): run from any folder.

    python tools/smoke.py

Needs only the hard dependencies (NumPy, pandas).  Checks, each against something
independent of the package's code:

1. the installed distribution's metadata version is ``endorphin.__version__`` (one source);
2. ``hill`` (float64 and float32) against the closed form emax c^n / (ec50^n + c^n);
3. a small scenario (20 subjects, exercise for 30 min): the shape (subject, time), every
   value finite, plasma beta-endorphin higher at the end of the exercise than before it
   (docs/model.md: exercise releases beta-endorphin), and the same numbers with 1 and 2
   engine threads (the thread pool of csrc/glue/pool.c);
4. naloxone blocks the opioid part of exercise-induced analgesia (docs/model.md, the
   README's example: below 30 % of placebo's at the same time).

Exits non-zero with a message naming the failed check.  The CI stage "wheel and sdist"
(.ci/run) and cibuildwheel's test-command (pyproject.toml) run it.
"""
import sys
import time
from importlib import metadata

import numpy as np
import pandas as pd

import endorphin as en


def check(ok, what):
    if not ok:
        sys.exit(f"smoke test FAILED: {what}")
    print(f"  ok  {what}")


def main():
    t0 = time.perf_counter()
    where = en.__file__
    print(f"endorphin {en.__version__} from {where}\n"
          f"numpy {np.__version__}, pandas {pd.__version__}, Python {sys.version.split()[0]}")

    check(metadata.version("endorphin") == en.__version__,
          f"metadata version {metadata.version('endorphin')} == endorphin.__version__")

    c = np.array([0.0, 0.1, 1.0, 3.0, 10.0, 1e3])
    emax, ec50, n = 1.0, 3.0, 1.7
    closed = emax * c**n / (ec50**n + c**n)
    check(np.allclose(en.hill(c, emax, ec50, n), closed, rtol=1e-13, atol=0),
          "hill (float64) against emax c^n / (ec50^n + c^n)")
    c32 = c.astype(np.float32)
    h32 = en.hill(c32, np.float32(emax), np.float32(ec50), np.float32(n))
    check(h32.dtype == np.float32 and np.allclose(h32, closed, rtol=1e-5, atol=0),
          "hill (float32 loop) against the closed form")

    sc = en.Scenario(en.Exercise(0.8, start=60, duration=30),
                     population=en.Population(20, seed=1), t_end=180, dt=5.0)
    r1 = sc.simulate(outputs=["plasma_beta_endorphin", "analgesia"], threads=1)
    r2 = sc.simulate(outputs=["plasma_beta_endorphin", "analgesia"], threads=2)
    b = r1["plasma_beta_endorphin"]
    check(b.shape == (20, 37), f"scenario shape (subject, time) = {b.shape}")
    check(bool(np.isfinite(b).all() and np.isfinite(r1["analgesia"]).all()),
          "every simulated value finite")
    t = r1.t
    before, end = int(np.searchsorted(t, 55.0)), int(np.searchsorted(t, 90.0))
    check(bool((b[:, end] > b[:, before]).all()),
          "plasma beta-endorphin higher at the end of exercise than before it")
    check(bool(np.array_equal(b, r2["plasma_beta_endorphin"])),
          "the same numbers with 1 and 2 engine threads")

    stim = en.Exercise(0.8, start=60, duration=30) + en.Pain(level=6, start=60, duration=90)
    nlx = en.Dose("naloxone", amount=0.1, unit="mg/kg", route="iv", time=40)
    cmp = en.compare({"placebo": en.Scenario(stim, t_end=240, pulses=False),
                      "naloxone": en.Scenario(stim, nlx, t_end=240, pulses=False)},
                     outputs=["opioid_analgesia"])
    a = {k: cmp[k]["opioid_analgesia"][0] for k in ("placebo", "naloxone")}
    check(bool(a["placebo"][150] > 0 and a["naloxone"][150] < 0.3 * a["placebo"][150]),
          "naloxone blocks the opioid analgesia (< 30 % of placebo's)")
    print(f"smoke test passed in {time.perf_counter() - t0:.1f} s")


if __name__ == "__main__":
    main()
