"""Every SIMD variant of the hill kernel passes the hill accuracy tests.

The dispatcher picks the best variant the CPU supports; ENDORPHIN_SIMD caps
it, so each variant this machine can run is checked here in a subprocess
against the same mpmath references, identities and layout tests as the default.
"""
import os
import subprocess
import sys
from pathlib import Path

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
