"""Every SIMD variant of the hill kernel passes the hill accuracy tests, and the
AVX2 rows kernel of competitive_occupancy gives bitwise the generic kernel's values.

The dispatcher picks the best variant the CPU supports; ENDORPHIN_SIMD caps
it, so each variant this machine can run is checked here in a subprocess
against the same mpmath references, identities and layout tests as the default.
"""
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import endorphin as en

HERE = Path(__file__).resolve().parent
ORDER = ["generic", "avx2", "avx512"]


def _isa_under(cap):
    env = dict(os.environ, ENDORPHIN_SIMD=cap)
    p = subprocess.run([sys.executable, "-c",
                        "import endorphin; print(endorphin._ufuncs._simd_isa())"],
                       capture_output=True, text=True, env=env, cwd="/", timeout=60)
    assert p.returncode == 0, p.stderr
    return p.stdout.strip()


def test_default_is_the_best_available():
    assert en._ufuncs._simd_isa() in ORDER
    assert en._ufuncs._simd_isa() == _isa_under("avx512")


def test_unknown_cap_allows_only_generic():
    """ENDORPHIN_SIMD with a value it does not know caps every kernel at generic
    (simd_cap.h, shared by the hill and occupancy dispatchers)."""
    assert _isa_under("sse9") == "generic"


@pytest.mark.slow   # the hill tests again in a subprocess per SIMD variant
@pytest.mark.parametrize("cap", ORDER)
def test_variant_passes_hill_tests(cap):
    got = _isa_under(cap)
    default = en._ufuncs._simd_isa()
    if ORDER.index(cap) > ORDER.index(default):
        pytest.skip(f"this CPU cannot run the {cap} variant")
    assert got == cap
    env = dict(os.environ, ENDORPHIN_SIMD=cap)
    p = subprocess.run(
        [sys.executable, "-m", "pytest", str(HERE / "test_hill.py"), "-q",
         "-p", "no:cacheprovider", "-k",
         "mpmath or random or underflow or identities or monotone or overflow "
         "or invalid or nan or layout or bad_element"],
        capture_output=True, text=True, env=env, cwd="/", timeout=600)
    assert p.returncode == 0, p.stdout[-3000:] + p.stderr[-2000:]
    assert " passed" in p.stdout


@pytest.mark.parametrize("l,r", [(3, 3), (2, 3), (5, 4), (3, 1)])
def test_occupancy_rows_kernel_matches_generic(tmp_path, l, r):
    """competitive_occupancy in the W2 layout has AVX2 rows kernels; ENDORPHIN_SIMD=generic
    turns them off.  Both give bitwise the same values (the same operations in the same
    order), odd rows included."""
    rng = np.random.default_rng(21)
    conc = 10.0 ** rng.uniform(-8, 8, (5003, l))
    conc[rng.uniform(size=conc.shape) < 0.1] = 0.0
    conc[7, 0], conc[100, :2], conc[2000, :2] = np.nan, [np.inf, 2.0], [1e300, 1e300]
    K = 10.0 ** rng.uniform(-4, 4, (r, l))
    np.save(tmp_path / "conc.npy", conc)
    np.save(tmp_path / "K.npy", K)
    code = ("import numpy as np, endorphin as en, sys; d = sys.argv[1]; "
            "np.seterr(all='ignore'); "
            "np.save(d + '/occ.npy', en.competitive_occupancy(np.load(d + '/conc.npy'), "
            "np.load(d + '/K.npy')))")
    env = dict(os.environ, ENDORPHIN_SIMD="generic")
    p = subprocess.run([sys.executable, "-c", code, str(tmp_path)], capture_output=True,
                       text=True, env=env, cwd="/", timeout=120)
    assert p.returncode == 0, p.stderr
    with np.errstate(all="ignore"):
        here = en.competitive_occupancy(conc, K)
    np.testing.assert_array_equal(np.load(tmp_path / "occ.npy"), here)
