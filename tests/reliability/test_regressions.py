"""Regression tests for the bugs found by the reliability battery (issue 12),
and the replay of the fuzzer's crashing inputs.

* csrc/ode/ (erk.h, rodas.c): an event (dose or input switch) closer to the
  previous one than the time resolution (e.g. a dose at t0 + 2e-16) left the
  step size of that tiny interval as the first step of the next one, and the
  run stopped at once with status 2 "step size underflow" (Hypothesis, mass
  balance); with Rodas4 an interval shorter than ~1e-308 (1/h = inf) did too.
* csrc/ufuncs/receptor.c: competitive_occupancy with a zero concentration
  and an affinity so small that 1/K overflows (K < ~5.6e-309) gave NaN
  (0 * inf) instead of 0 (Hypothesis).
* csrc/ufuncs/_ufuncs.c: huge broadcast core dimensions wrapped the scratch-buffer
  size (SIGSEGV): see tests/reliability/test_subprocess.py.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import endorphin as en
from endorphin import core

REPO = Path(__file__).resolve().parents[2]
FUZZ_DIR = Path(__file__).resolve().parents[1] / "data" / "fuzz_regressions"


@pytest.mark.parametrize("method", ["explicit", "tsit5", "stiff", "auto"])
@pytest.mark.parametrize("eps", [2.220446049250313e-16, 1e-300, 5e-324])
def test_event_just_after_t0_is_not_a_step_underflow(method, eps):
    p = [1.0, 0.5, 1.0]
    ref = core.simulate("linear1", p, [300.0], t0=0.0, doses=([0.0], [0], [1.0]),
                        method=method, rtol=1e-8, atol=1e-12)
    r = core.simulate("linear1", p, [300.0], t0=0.0, doses=([eps], [0], [1.0]),
                      method=method, rtol=1e-8, atol=1e-12)
    b = core.simulate("linear1", p, [300.0], t0=0.0, breaks=[eps], inputs=[[0.0], [1.0]],
                      method=method, rtol=1e-8, atol=1e-12)
    assert r.status[0] == 0 and b.status[0] == 0
    np.testing.assert_allclose(r.y, ref.y, atol=1e-9)
    # the infusion of rate 1 for ~300 min, eliminated at ke = 0.5: central -> 2
    assert abs(b.y[0, 1, -1] - 2.0) < 1e-6


def test_event_pair_closer_than_resolution_later_in_the_run():
    r = core.simulate("linear1", [1.0, 0.5, 1.0], [100.0, 300.0], t0=100.0,
                      doses=([100.0 + 1e-14, 100.0 + 2e-14], [0, 0], [1.0, 1.0]))
    assert r.status[0] == 0


def test_competitive_occupancy_zero_conc_tiny_affinity_is_zero():
    with np.errstate(all="ignore"):      # 1/K overflows: the flag is honest
        occ = en.competitive_occupancy([0.0, 1.0], [[5e-324, 1.0], [1.0, 1.0]])
        np.testing.assert_array_equal(occ, [[0.0, 0.5], [0.0, 0.5]])
        assert en.competitive_occupancy([0.0], [[5e-324]])[0, 0] == 0.0
        # a positive concentration with 1/K = inf still takes the receptor
        np.testing.assert_array_equal(en.competitive_occupancy([1.0, 1.0], [[5e-324, 1.0]]),
                                      [[1.0, 0.0]])
        c32 = en.competitive_occupancy(np.float32([0.0, 2.0]), np.float32([[1e-45, 2.0]]))
    np.testing.assert_array_equal(c32, np.float32([[0.0, 0.5]]))


def _fuzz_inputs():
    return sorted(p for p in FUZZ_DIR.glob("*") if p.is_file() and p.name != "README.md")


@pytest.mark.slow   # fuzz replay
def test_fuzz_regressions_replay_in_a_subprocess():
    """Every kept fuzzer input (tests/data/fuzz_regressions/) runs without crashing."""
    files = _fuzz_inputs()
    if not files:
        pytest.skip("no fuzz regression inputs kept")
    proc = subprocess.run([sys.executable, str(REPO / "tools" / "qa" / "fuzz" / "fuzz_endorphin.py"),
                           "--replay", *map(str, files)], capture_output=True, text=True,
                          timeout=300, cwd="/", env=dict(os.environ, PYTHONWARNINGS="ignore"))
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert f"replayed {len(files)} inputs" in proc.stdout


@pytest.mark.slow   # 3000 random fitter inputs
def test_random_fitter_inputs_in_a_subprocess():
    """3000 deterministic random inputs of the fitter's fuzz targets (the public
    fit_dose_response with ed/predict, and the private _fit._fit with arbitrary arrays)
    run without a crash; under ASan in CI, without a memory error."""
    proc = subprocess.run([sys.executable, str(REPO / "tools" / "qa" / "fuzz" / "fuzz_endorphin.py"),
                           "--random-fit", "3000", "7"], capture_output=True, text=True,
                          timeout=600, cwd="/", env=dict(os.environ, PYTHONWARNINGS="ignore"))
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "ran 3000 random fitter inputs" in proc.stdout
