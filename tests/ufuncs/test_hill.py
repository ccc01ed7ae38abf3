"""endorphin.hill against independent references and the NumPy ufunc protocol.

References: mpmath at 60 significant digits, evaluated at the exact float64 (or
float32) inputs, so the comparison measures only the error of the C kernel.
"""
import itertools
import pickle
import re
import sys
from pathlib import Path

import mpmath
import numpy as np
import pytest

import endorphin as en
from layouts import LAYOUTS
from threads import run_threads

EPS64 = np.finfo(np.float64).eps
EPS32 = np.finfo(np.float32).eps


def hill_mp(c, emax, ec50, n, dps=60):
    """Hill equation in mpmath, from the exact binary values of the inputs."""
    with mpmath.workdps(dps):
        c, emax, ec50, n = (mpmath.mpf(float(v)) for v in (c, emax, ec50, n))
        if mpmath.isinf(c):
            return float(emax)
        if c == 0:
            return 0.0
        # emax / (1 + (ec50/c)^n): the same function, written without huge powers
        return float(emax / (1 + mpmath.power(ec50 / c, n)))


# Grid: 1e-30..1e30 in c and ec50, slopes from shallow to steep, emax of both signs.
# The c values are perturbed off the powers of ten so that c/ec50 is never exactly
# representable (the awkward case for the ratio's rounding).
C_GRID = np.concatenate([np.logspace(-30, 30, 61) * (1 + np.pi * 1e-3),
                         [0.0, 1e-300, 2.9999999999999996, 3.0, 3.0000000000000004, 1e300]])
EC50_GRID = [1e-30, 2.5e-9, 3.0, 7.1e12, 1e30]
N_GRID = [0.3, 1.0, 1.7, 4.0, 20.0]
EMAX_GRID = [1.0, -2.5, 100.0]


@pytest.fixture(scope="module")
def reference_table():
    rows = list(itertools.product(C_GRID, EMAX_GRID, EC50_GRID, N_GRID))
    arr = np.array(rows, dtype=np.float64)
    ref = np.array([hill_mp(*r) for r in rows])
    return arr, ref


def test_float64_against_mpmath(reference_table):
    arr, ref = reference_table
    got = en.hill(arr[:, 0], arr[:, 1], arr[:, 2], arr[:, 3])
    # Tolerance (n + 4) ulp: the ratio c/ec50 is rounded once (0.5 ulp) and q**n
    # multiplies that relative error by n; pow and three more roundings add < 3 ulp.
    # This is the conditioning of the Hill function itself (d log h / d log c =
    # n (1 - h/emax)), so no float64 evaluation from these inputs can do much better.
    # Results below 1e-290 are in or near the subnormal range, where only an
    # absolute error of a few 1e-308 is meaningful.
    tol = (arr[:, 3] + 4) * EPS64 * np.abs(ref) + 1e-300
    err = np.abs(got - ref)
    bad = err > tol
    assert not bad.any(), (
        f"{bad.sum()} points outside (n+4) ulp; worst: "
        f"{arr[bad][np.argmax((err / tol)[bad])]} err/tol={np.max(err / tol):.3g}")
    # and the error is really small: the median is at the ulp level
    rel = err[np.abs(ref) > 1e-290] / np.abs(ref[np.abs(ref) > 1e-290])
    assert np.median(rel) <= 2 * EPS64


def _check_against_mpmath(c, emax, ec50, n):
    got = en.hill(c, emax, ec50, n)
    b = np.broadcast_arrays(c, emax, ec50, n)
    ref = np.array([hill_mp(*r) for r in zip(*(x.ravel() for x in b))]).reshape(got.shape)
    tol = (b[3] + 4) * EPS64 * np.abs(ref) + 1e-300
    err = np.abs(got - ref)
    assert np.all(err <= tol), np.max(err / tol)


def test_ratio_underflow_keeps_precision():
    """c/ec50 below the smallest normal double while (c/ec50)**n is an ordinary number."""
    c = np.array([1e-300, 5e-324, 3.3e-310, 2.2250738585072014e-308, 1e-200])
    ec50 = np.array([1e30, 1e300, 7e8, 1e20, 1e150])
    n = np.array([0.01, 0.1, 0.3, 0.5, 1.05])[:, None, None]
    _check_against_mpmath(c[None, :, None], 2.0, ec50[None, None, :], n)
    # the mirror image: c far above ec50
    _check_against_mpmath(1.0 / np.array([1e-300, 1e-290, 1e-250]), -1.0,
                          np.array([1e30, 5e-20, 1e-60])[:, None], n)


def test_random_log_uniform_points():
    rng = np.random.default_rng(20261128)
    m = 3000
    c = 10.0 ** rng.uniform(-300, 300, m)
    ec50 = c * 10.0 ** rng.uniform(-8, 8, m)      # mostly near the interesting region
    ec50[::3] = 10.0 ** rng.uniform(-300, 300, m)[::3]
    n = 10.0 ** rng.uniform(-2, 2, m)
    emax = rng.normal(0, 10, m)
    _check_against_mpmath(c, emax, ec50, n)


def test_w1_workload_grid_against_mpmath():
    """The benchmark workload W1 (benchmarks/README.md) is timed "at float64 accuracy": on its
    grid (c = logspace(-3, 3), emax = 1, ec50 = 3, n = 1.7, the broadcast-parameter path)
    every result is within 2 eps of the exact value, which mpmath gives at 40 digits.
    2 eps: the division and two other roundings of the last steps, plus n times the
    ~2^-57 absolute error the kernels keep in n log(c/ec50)."""
    c = np.logspace(-3, 3, 4001)
    got = en.hill(c, 1.0, 3.0, 1.7)
    worst = mpmath.mpf(0)
    with mpmath.workdps(40):
        ec50, n = mpmath.mpf(3.0), mpmath.mpf(1.7)
        for x, g in zip(c, got):
            exact = 1 / (1 + mpmath.power(ec50 / mpmath.mpf(float(x)), n))
            worst = max(worst, abs((mpmath.mpf(float(g)) - exact) / exact))
    assert float(worst) <= 2 * EPS64, float(worst) / EPS64


@pytest.mark.parametrize("n", [20.0, 100.0, 1000.0, 1e4])
def test_steep_slopes_against_mpmath(n):
    """Steep slopes within the kernels' error model, 2 ulp + n/16 ulp (each keeps y = n
    log(c/ec50) to a few n 2^-58), tighter than the (n + 4) ulp of the conditioning:
    with n (log1p(r) - r) up to n/2000 in y's low part, a reduction of exp that ignores
    it loses whole digits at n >= 100."""
    rng = np.random.default_rng(7)
    span = min(700.0 / n, 30.0)                      # |y| below 700: the vector path
    c = 3.0 * np.exp(rng.uniform(-span, span, 1500))
    got = en.hill(c, 1.0, 3.0, n)
    worst = 0.0
    with mpmath.workdps(50):
        for x, g in zip(c, got):
            exact = 1 / (1 + mpmath.power(mpmath.mpf(3.0) / mpmath.mpf(float(x)), mpmath.mpf(n)))
            worst = max(worst, float(abs((mpmath.mpf(float(g)) - exact) / exact)))
    assert worst <= (2 + n / 16) * EPS64, worst / EPS64


def test_float32_correctly_rounded(reference_table):
    arr, ref = reference_table
    # inputs and results inside float32's normal range
    keep = ((arr[:, 0] == 0) | ((arr[:, 0] > 1e-37) & (arr[:, 0] < 1e37))) & (np.abs(ref) > 1e-30)
    a32 = arr[keep].astype(np.float32)
    ref32 = np.array([hill_mp(*r) for r in a32])   # exact value at the float32 inputs
    got = en.hill(a32[:, 0], a32[:, 1], a32[:, 2], a32[:, 3])
    assert got.dtype == np.float32
    # computed in double, rounded once: within 1 float32 ulp of the exact value
    ulp = np.spacing(np.abs(ref32).astype(np.float32)).astype(np.float64)
    assert np.all(np.abs(got.astype(np.float64) - ref32) <= ulp)


def test_published_identities():
    ec50 = np.array([1e-20, 0.37, 3.0, 8e5, 1e25])
    n = np.array([0.2, 1.0, 1.7, 9.0, 150.0])
    # E(EC50) = Emax/2 exactly, for every slope
    np.testing.assert_array_equal(en.hill(ec50, 2.0, ec50, n), 1.0)
    # c -> 0 gives 0, c -> inf gives emax (also for a negative emax)
    np.testing.assert_array_equal(en.hill(0.0, -4.0, ec50, n), 0.0)
    np.testing.assert_array_equal(en.hill(np.inf, -4.0, ec50, n), -4.0)
    # reflection: h(c) + h(ec50^2 / c) = emax
    c = np.logspace(-3, 3, 25)
    np.testing.assert_allclose(en.hill(c, 1.0, 1.0, 1.7) + en.hill(1.0 / c, 1.0, 1.0, 1.7),
                               1.0, rtol=0, atol=4 * EPS64)
    # n = 1 is the Michaelis-Menten / Langmuir form c / (c + ec50), exact in small integers
    np.testing.assert_array_equal(en.hill(np.array([1.0, 3.0, 9.0]), 4.0, 3.0, 1.0),
                                  [1.0, 2.0, 3.0])
    # n = inf is the step function
    np.testing.assert_array_equal(en.hill(np.array([2.0, 3.0, 4.0]), 1.0, 3.0, np.inf),
                                  [0.0, 0.5, 1.0])


def test_monotone_in_concentration():
    c = np.logspace(-12, 12, 20001)
    for n in (0.5, 1.0, 3.0, 40.0):
        h = en.hill(c, 1.0, 1.0, n)
        assert np.all(np.diff(h) >= 0)
        assert 0.0 <= h.min() and h.max() <= 1.0


def test_no_overflow_for_extreme_magnitudes():
    with np.errstate(over="raise", divide="raise", invalid="raise"):
        assert en.hill(1e300, 1.0, 1e-300, 50.0) == 1.0
        assert en.hill(1e-300, 1.0, 1e300, 50.0) == 0.0
        assert en.hill(1.7e308, 3.0, 5e-324, 1e6) == 3.0
        assert en.hill(np.float32(3e38), np.float32(1), np.float32(1e-38),
                       np.float32(30)) == np.float32(1.0)


@pytest.mark.parametrize("args", [
    (-1.0, 1.0, 3.0, 1.0),      # negative concentration
    (-np.inf, 1.0, 3.0, 1.0),
    (1.0, 1.0, 0.0, 1.0),       # ec50 = 0
    (1.0, 1.0, -3.0, 1.0),      # negative ec50
    (1.0, 1.0, -np.inf, 1.0),
    (1.0, 1.0, 3.0, 0.0),       # n = 0
    (1.0, 1.0, 3.0, -1.7),      # negative slope
    (np.inf, 1.0, np.inf, 1.0), # indeterminate inf/inf
])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_invalid_parameters_nan_and_flag(args, dtype):
    a = [np.array(v, dtype=dtype) for v in args]
    with pytest.warns(RuntimeWarning, match="invalid value"):
        r = en.hill(*a)
    assert np.isnan(r) and r.dtype == dtype
    with np.errstate(invalid="raise"), pytest.raises(FloatingPointError):
        en.hill(*a)
    with np.errstate(invalid="ignore"):
        assert np.isnan(en.hill(*a))


@pytest.mark.parametrize("pos", range(4))
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_nan_propagates_quietly(pos, dtype):
    args = [np.array(v, dtype=dtype) for v in (1.0, 1.0, 3.0, 1.7)]
    args[pos] = np.array(np.nan, dtype=dtype)
    with np.errstate(all="raise"):
        r = en.hill(*args)
    assert np.isnan(r) and r.dtype == dtype


def test_one_bad_element_does_not_spoil_the_batch():
    c = np.array([1.0, -1.0, np.nan, 9.0])
    with np.errstate(invalid="ignore"):
        r = en.hill(c, 1.0, 3.0, 1.0)
    np.testing.assert_array_equal(r, [0.25, np.nan, np.nan, 0.75])


# ---------------------------------------------------------------- ufunc protocol

def test_is_a_real_ufunc_with_documented_metadata():
    f = en.hill
    assert isinstance(f, np.ufunc)
    assert (f.nin, f.nout, f.nargs, f.ntypes) == (4, 1, 5, 2)
    assert f.types == ["ffff->f", "dddd->d"]
    assert f.signature is None and f.identity is None
    assert f.__name__ == "hill"
    assert "hill(c, emax, ec50, n" in f.__doc__
    assert "Examples" in f.__doc__ and "Broadcasting" in f.__doc__
    if tuple(int(x) for x in np.__version__.split(".")[:2]) >= (2, 2):
        assert f.__doc__.splitlines()[0].startswith("hill(c, emax, ec50, n, /")


def test_pickles_by_name():
    assert pickle.loads(pickle.dumps(en.hill)) is en.hill


def test_scalar_in_numpy_scalar_out():
    r = en.hill(1.0, 1.0, 3.0, 1.0)
    assert isinstance(r, np.float64) and r == 0.25


def test_broadcasting_matches_elementwise():
    c = np.logspace(-2, 2, 5).reshape(5, 1, 1)
    emax = np.array([1.0, -2.0, 50.0, 0.0]).reshape(1, 4, 1)
    ec50 = np.array([0.1, 1.0, 10.0]).reshape(1, 1, 3)
    n = 1.7
    r = en.hill(c, emax, ec50, n)
    assert r.shape == (5, 4, 3)
    for i, j, k in np.ndindex(r.shape):
        assert r[i, j, k] == en.hill(c[i, 0, 0], emax[0, j, 0], ec50[0, 0, k], n)
    a = np.linspace(0, 10, 7)
    assert en.hill(a[:, None], 1.0, a[None, 1:], 2.0).shape == (7, 6)
    with pytest.raises(ValueError):
        en.hill(np.ones(3), 1.0, np.ones(4), 1.0)


def test_out_argument_forms():
    c = np.array([1.0, 3.0, 9.0])
    expected = np.array([0.25, 0.5, 0.75])
    out = np.empty(3)
    assert en.hill(c, 1.0, 3.0, 1.0, out) is out
    np.testing.assert_array_equal(out, expected)
    out = np.empty(3)
    assert en.hill(c, 1.0, 3.0, 1.0, out=out) is out
    np.testing.assert_array_equal(out, expected)
    out = np.empty(3)
    assert en.hill(c, 1.0, 3.0, 1.0, out=(out,)) is out
    np.testing.assert_array_equal(out, expected)
    # non-contiguous out: only every other element written
    big = np.full(6, -7.0)
    r = en.hill(c, 1.0, 3.0, 1.0, out=big[::2])
    assert r.base is big
    np.testing.assert_array_equal(big, [0.25, -7.0, 0.5, -7.0, 0.75, -7.0])
    # out aliasing an input (in place)
    c2 = c.copy()
    en.hill(c2, 1.0, 3.0, 1.0, out=c2)
    np.testing.assert_array_equal(c2, expected)
    # read-only out
    ro = np.empty(3)
    ro.flags.writeable = False
    with pytest.raises(ValueError):
        en.hill(c, 1.0, 3.0, 1.0, out=ro)


def test_where_leaves_masked_entries():
    c = np.array([1.0, 3.0, 9.0, 27.0])
    out = np.full(4, 42.0)
    en.hill(c, 1.0, 3.0, 1.0, out=out, where=np.array([True, False, True, False]))
    np.testing.assert_array_equal(out, [0.25, 42.0, 0.75, 42.0])


def test_dtypes_and_casting():
    c32 = np.array([1.0, 3.0], dtype=np.float32)
    assert en.hill(c32, 1.0, 3.0, 1.7).dtype == np.float32        # NEP 50: Python floats are weak
    assert en.hill(c32, np.float32(1), np.float32(3), np.float32(1)).dtype == np.float32
    assert en.hill(np.array([1, 3]), 1, 3, 1).dtype == np.float64  # ints use the float64 loop
    assert en.hill(np.array([1.0, 3.0]), 1.0, 3.0, 1.7, dtype=np.float32).dtype == np.float32
    assert en.hill(c32, 1.0, 3.0, 1.7, dtype=np.float64).dtype == np.float64
    np.testing.assert_allclose(en.hill(c32, 1.0, 3.0, 1.7),
                               en.hill(c32.astype(np.float64), 1.0, 3.0, 1.7), rtol=EPS32)
    with pytest.raises(TypeError):
        en.hill(np.array([1, 3]), 1, 3, 1, casting="no")
    with pytest.raises(TypeError):
        en.hill(np.array([1.0, 3.0]), 1.0, 3.0, 1.0, out=np.empty(2, dtype=np.int64))


@pytest.mark.parametrize("shape", [(0,), (3, 0), (0, 4, 2)])
def test_size_zero(shape):
    r = en.hill(np.empty(shape), 1.0, 3.0, 1.0)
    assert r.shape == shape and r.dtype == np.float64


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
@pytest.mark.parametrize("argpos", range(4))
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_layout_matrix(layout, argpos, dtype):
    rng = np.random.default_rng(7)
    args = [rng.uniform(0, 20, (6, 5)), rng.uniform(-2, 2, (6, 5)),
            rng.uniform(0.5, 5, (6, 5)), rng.uniform(0.3, 4, (6, 5))]
    args = [a.astype(dtype) for a in args]
    expected = en.hill(*args)
    moved = list(args)
    moved[argpos] = LAYOUTS[layout](args[argpos])
    np.testing.assert_array_equal(moved[argpos], args[argpos])
    got = en.hill(*moved)
    assert got.dtype == dtype
    np.testing.assert_array_equal(got, expected)


def test_zero_stride_and_negative_stride_out():
    c = np.broadcast_to(np.array([3.0]), (5,))
    out = np.zeros(10)[::-2]
    r = en.hill(c, 1.0, 3.0, 1.0, out=out)
    np.testing.assert_array_equal(r, 0.5)


def test_inputs_unchanged_and_refcounts_stable():
    c = np.linspace(0, 10, 50)
    emax, ec50, n = np.ones(50), np.full(50, 3.0), np.full(50, 1.7)
    out = np.empty(50)
    copies = [a.copy() for a in (c, emax, ec50, n)]
    before = [sys.getrefcount(a) for a in (c, emax, ec50, n, out)]
    for _ in range(1000):
        en.hill(c, emax, ec50, n, out=out)
        en.hill(c, emax, ec50, n)
    after = [sys.getrefcount(a) for a in (c, emax, ec50, n, out)]
    assert before == after
    for a, b in zip((c, emax, ec50, n), copies):
        np.testing.assert_array_equal(a, b)


def test_concurrent_calls_bitwise_equal():
    c = np.logspace(-3, 3, 200_000)
    expected = en.hill(c, 1.0, 3.0, 1.7)
    results = [None] * 8

    def work(i):
        results[i] = en.hill(c, 1.0, 3.0, 1.7)

    errors = run_threads(work, 8)
    assert not errors
    for r in results:
        np.testing.assert_array_equal(r, expected)


# ---------------------------------------------------------------- interop

def test_pandas_series_keeps_index():
    import pandas as pd
    s = pd.Series([1.0, 3.0, 9.0], index=["a", "b", "c"], name="conc")
    r = en.hill(s, 1.0, 3.0, 1.0)
    assert isinstance(r, pd.Series)
    assert list(r.index) == ["a", "b", "c"]
    np.testing.assert_array_equal(r.to_numpy(), [0.25, 0.5, 0.75])


def test_dask_array_stays_lazy_and_matches():
    da = pytest.importorskip("dask.array")
    import dask

    def refuse(*args, **kwargs):
        raise AssertionError("dask computed while the graph was being built")

    x = da.from_array(np.logspace(-3, 3, 1000), chunks=100)
    with dask.config.set(scheduler=refuse):
        lazy = en.hill(x, 1.0, 3.0, 1.7)
    assert isinstance(lazy, da.Array)
    np.testing.assert_array_equal(lazy.compute(scheduler="threads"),
                                  en.hill(np.logspace(-3, 3, 1000), 1.0, 3.0, 1.7))


def test_xarray_keeps_coordinates():
    xr = pytest.importorskip("xarray")
    conc = xr.DataArray(np.array([[1.0, 3.0], [9.0, 27.0]]), dims=("subject", "time"),
                        coords={"subject": [10, 11], "time": [0.0, 5.0]})
    r = en.hill(conc, 1.0, 3.0, 1.0)
    assert isinstance(r, xr.DataArray)
    assert r.dims == ("subject", "time")
    np.testing.assert_array_equal(r["subject"], [10, 11])
    np.testing.assert_allclose(r.values, [[0.25, 0.5], [0.75, 0.9]], rtol=4 * EPS64)


@pytest.mark.parametrize("emax,ec50,n", [(1.0, 3.0, 1.7), (-2.5, 1e-20, 0.3),
                                          (7.0, 4e15, 25.0), (1.0, 0.37, 1.0000001),
                                          (3.0, 1e-300, 2.0), (1.0, 2.0, 1e-3)])
def test_broadcast_parameters_round_like_full_arrays(emax, ec50, n):
    """The vector kernel has a path for one value of every parameter (precomputed
    per block) and a per-element one; an element's result must not depend on which
    one it took, nor on which inputs are broadcast."""
    rng = np.random.default_rng(11)
    c = 10 ** rng.uniform(-30, 30, 4001)
    c[::97] = ec50 * (1 + rng.uniform(-1e-6, 1e-6, c[::97].size))   # near c = ec50
    ref = en.hill(c, np.full_like(c, emax), np.full_like(c, ec50), np.full_like(c, n))
    np.testing.assert_array_equal(en.hill(c, emax, ec50, n), ref)
    np.testing.assert_array_equal(en.hill(c, emax, np.full_like(c, ec50), n), ref)
    np.testing.assert_array_equal(en.hill(c, np.full_like(c, emax), ec50, np.full_like(c, n)), ref)


KERNEL_AVX512 = Path(__file__).resolve().parents[2] / "csrc" / "ufuncs" / "vhill_avx512.c"


def _horner_coefficients(function: str) -> list[float]:
    """The SET1 constants of a Horner chain in vhill_avx512.c, highest degree first."""
    src = KERNEL_AVX512.read_text()
    start = src.index(f"V {function}(")
    body = src[src.index("{", start):src.index("\n}\n", start)]
    return [float.fromhex(h) for h in re.findall(r"SET1\((-?0x[0-9a-fA-F.p+-]+)\)", body)]


def _horner_weighted_error(coefs, f, radius, points=2001):
    """max |x^2 (q(x) - f(x))|, q by Horner in double with one rounding per fma."""
    worst = mpmath.mpf(0)
    with mpmath.workdps(60):
        for k in range(points):
            x = mpmath.mpf(float(-radius + 2 * radius * k / (points - 1)))
            q = mpmath.mpf(coefs[0])
            for cc in coefs[1:]:
                q = mpmath.mpf(float(q * x + mpmath.mpf(cc)))
            worst = max(worst, abs(x ** 2 * (q - f(x))))
    return float(worst)


def test_avx512_polynomials_meet_their_stated_bounds():
    """The minimax polynomials of the AVX-512 kernel (tools/generate/vhill_minimax.py), read from
    the C source, against mpmath: the error bounds its comments state, on the ranges its
    reductions guarantee (r of the 16-entry log table from setup.py's formula)."""
    radius_log = (1 + 2.0 ** -10) / 33
    with mpmath.workdps(40):
        worst_r = max(max(abs(mpmath.mpf(1 + i / 16) * mpmath.mpf(inv) - 1),
                          abs(mpmath.mpf(1 + (i + 1) / 16) * mpmath.mpf(inv) - 1))
                      for i, inv in enumerate(1.0 / (1.0 + (i + 0.5) / 16) for i in range(16)))
    assert worst_r < radius_log * (1 - 2.0 ** -20)
    log_q = _horner_coefficients("log1p_q")
    assert len(log_q) == 8
    err = _horner_weighted_error(
        log_q, lambda r: (mpmath.log1p(r) - r) / r ** 2 if r else mpmath.mpf(-0.5), radius_log)
    assert err <= 2.0e-19, err
    # exp: q is evaluated at t = -s (odd coefficients' signs flipped in the source)
    exp_q = _horner_coefficients("avx512_expm_dd")[-5:]
    radius_exp = float(mpmath.log(2)) / 32 * (1 + 2.0 ** -10)
    err = _horner_weighted_error(
        exp_q, lambda t: (mpmath.expm1(-t) + t) / t ** 2 if t else mpmath.mpf(0.5), radius_exp)
    assert err <= 1.2e-17, err
