"""Values of the elementwise dose-response ufuncs against mpmath, identities, limits
and the error policy.

Provenance of every reference value: tests/_support/references.py, i.e. the formula of the
specification evaluated by mpmath at 50 significant digits from the exact binary
value of each float input, rounded once to float64.  Tolerances are the ones of
the specification (stated per function below, with the reason); "ulp" means
eps = 2**-52 times the magnitude named.

The error policy under test (the same for every raw ufunc):
* a NaN argument gives NaN quietly (no FP flag, even under errstate(...="raise"));
* a parameter outside its domain gives NaN and raises the IEEE invalid flag, so
  NumPy warns "invalid value encountered" (FloatingPointError under
  errstate(invalid="raise"));
* valid finite inputs never raise overflow/divide/invalid flags (underflow is
  left at NumPy's default, "ignore").
"""
import itertools

import numpy as np
import pytest

import endorphin as en
import references as R

EPS64 = np.finfo(np.float64).eps
F32_TINY = float(np.finfo(np.float32).tiny)
F32_MAX = float(np.finfo(np.float32).max)
RAISE = dict(over="raise", divide="raise", invalid="raise")   # under: NumPy default

E_GRID = [1e-30, 2.5e-9, 3.0, 7.1e12, 1e30]


def _product(*axes):
    """Rows of the Cartesian product of the axes, as float64 columns."""
    rows = np.array(list(itertools.product(*axes)), dtype=np.float64)
    return [rows[:, i].copy() for i in range(rows.shape[1])]


def _near(v):
    """Points at and within a few ulp / 1e-8 of v (the 'ratio near 1' region)."""
    return [v, np.nextafter(v, 0.0), np.nextafter(v, np.inf), v * (1 + 1e-8), v * (1 - 1e-8)]


def _with_reference(name, args):
    """A reference table: the argument columns and the mpmath value of ufunc `name` at each row."""
    return args, R.evaluate(getattr(R, name), *args)


def assert_within(got, ref, tol, args, what):
    """|got - ref| <= tol elementwise; equal infinities and signed zeros also pass."""
    got = np.asarray(got, dtype=np.float64)
    ref = np.asarray(ref, dtype=np.float64)
    with np.errstate(all="ignore"):           # inf - inf, 0/0 in the diagnostics
        err = np.abs(got - ref)
        ok = (got == ref) | (err <= tol)
        ratio = np.where(np.isfinite(err), err / tol, np.inf)
    if not ok.all():
        bad = np.flatnonzero(~ok)
        worst = bad[np.argmax(ratio[bad])]
        point = tuple(float(np.broadcast_to(a, got.shape).ravel()[worst]) for a in args)
        raise AssertionError(
            f"{what}: {bad.size} of {got.size} points outside tolerance; worst at "
            f"args={point!r}: got {got.ravel()[worst]!r}, reference {ref.ravel()[worst]!r}, "
            f"err/tol={ratio[worst]:.3g}")


def assert_random_points(name, args, tol_func, **errstate):
    """Ufunc `name` at the points `args` (columns) against mpmath, within tol_func(ref, *args).

    `errstate` (e.g. all="ignore") is the floating-point error state of the ufunc's call;
    none given, NumPy's default, so an FP warning fails the test (warnings are errors).
    """
    ref = R.evaluate(getattr(R, name), *args)
    with np.errstate(**errstate):
        got = getattr(en, name)(*args)
    assert_within(got, ref, tol_func(ref, *args), args, f"{name} random")


def assert_float32_within_one_ulp(func, ref_func, args64, tol64_func, what):
    """float32 loop: computed in double and rounded once -> within 1 float32 ulp.

    Only points where the float64 computation's own tolerance (the spec's, at the
    float32 inputs) is at most a quarter of a float32 ulp are kept: there, "computed
    in double, rounded once" is within 0.5 + 0.25 < 1 float32 ulp of the exact value.
    Inputs and results are kept inside float32's normal range.
    """
    args64 = np.broadcast_arrays(*[np.asarray(a, dtype=np.float64) for a in args64])
    keep = np.ones(args64[0].shape, dtype=bool)
    for a in args64:
        fa = np.abs(a)
        keep &= (fa == 0) | np.isinf(fa) | ((fa >= F32_TINY) & (fa <= F32_MAX))
    a32 = [a[keep].astype(np.float32) for a in args64]
    ref = R.evaluate(ref_func, *a32)
    a64 = [a.astype(np.float64) for a in a32]
    tol64 = tol64_func(ref, *a64)
    ulp32 = R.exact_float32_ulp(ref)
    fine = (np.isfinite(ref) & ((ref == 0) | ((np.abs(ref) >= F32_TINY) & (np.abs(ref) <= F32_MAX)))
            & (tol64 <= 0.25 * ulp32))
    assert fine.sum() >= 50, f"{what}: too few float32 test points ({fine.sum()})"
    with np.errstate(all="ignore"):
        got = func(*a32)
    assert got.dtype == np.float32
    assert_within(got[fine], ref[fine], ulp32[fine], [a[fine] for a in a64], what + " float32")


# =================================================================== emax_model

def _emax_model_grid():
    c = list(R.perturbed_logspace(-30, 30, 21)) + [0.0, np.inf]
    rows = []
    for ec50 in [1e-30, 3.0, 1e30]:
        cs = c + _near(ec50)
        rows += list(itertools.product(cs, [0.0, -3.5, 1e-3, 250.0], [1.0, -2.5, 100.0],
                                       [ec50], [0.3, 1.0, 4.0, 20.0]))
    rows = np.array(rows)
    return [rows[:, i].copy() for i in range(5)]


def _emax_model_tol(ref, c, e0, emax, ec50, n):
    # (n + 4) ulp of |emax| for the Hill part (its conditioning, see test_hill.py)
    # plus 1 ulp of the result for the final addition e0 + hill.
    return (n + 4) * EPS64 * np.abs(emax) + EPS64 * np.abs(ref)


@pytest.fixture(scope="module")
def emax_model_table():
    return _with_reference("emax_model", _emax_model_grid())


def test_emax_model_is_e0_plus_hill(emax_model_table):
    (c, e0, emax, ec50, n), ref = emax_model_table
    finite = np.isfinite(c)
    with np.errstate(all="ignore"):
        got = en.emax_model(c, e0, emax, ec50, n)
        composed = e0 + en.hill(c, emax, ec50, n)
    # both sides carry the hill error, (n + 4) ulp of |emax| each, plus a final rounding
    tol = 2 * (n + 4) * EPS64 * np.abs(emax) + 2 * EPS64 * np.abs(ref)
    assert_within(got[finite], composed[finite], tol[finite],
                  [a[finite] for a in (c, e0, emax, ec50, n)], "emax_model vs e0 + hill")
    # limits: c = 0 gives e0, c = inf gives e0 + emax, c = ec50 gives e0 + emax/2
    np.testing.assert_array_equal(en.emax_model(0.0, e0, emax, ec50, n), e0)
    np.testing.assert_array_equal(en.emax_model(np.inf, 1.5, -4.0, 3.0, 2.0), -2.5)
    np.testing.assert_array_equal(en.emax_model(3.0, 1.5, -4.0, 3.0, 2.0), -0.5)


# =================================================================== ll4

LL4_B = [-150.0, -20.0, -3.0, -1.0, -0.37, -1e-8, 0.0, 1e-8, 0.37, 1.0, 3.0, 20.0, 150.0]
LL4_CD = [(0.0, 1.0), (100.0, -2.5), (10.0, 10.5)]


def _ll4_grid():
    xs = list(R.perturbed_logspace(-30, 30, 16)) + [0.0, np.inf]
    rows = []
    for e in E_GRID:
        for x, b, (c, d) in itertools.product(xs + _near(e), LL4_B, LL4_CD):
            if b == 0 and x in (0.0, np.inf):
                continue    # 0 * inf in b (log x - log e): tested on its own below
            rows.append((x, b, c, d, e))
    rows = np.array(rows)
    return [rows[:, i].copy() for i in range(5)]


def _ll4_tol(ref, x, b, c, d, e):
    # Absolute (|b| + 6) ulp of max(|c|, |d|): the logistic fraction is conditioned
    # like hill in log x (relative error ~ |b| ulp from rounding x/e or log x - log e),
    # and c + (d - c) f cancels relative to the scale of c and d.
    return (np.abs(b) + 6) * EPS64 * np.maximum(np.abs(c), np.abs(d))


@pytest.fixture(scope="module")
def ll4_table():
    return _with_reference("ll4", _ll4_grid())


def test_ll4_random_points():
    rng = np.random.default_rng(4)
    m = 2000
    e = 10.0 ** rng.uniform(-100, 100, m)
    x = e * 10.0 ** rng.uniform(-12, 12, m)
    b = rng.normal(0, 5, m)
    c = rng.normal(0, 10, m)
    d = rng.normal(0, 10, m)
    assert_random_points("ll4", (x, b, c, d, e), _ll4_tol, all="ignore")


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_ll4_limits_exact(dtype):
    b = np.array([0.3, 1.0, 7.0, 150.0, np.inf], dtype=dtype)
    c, d, e = dtype(-2.5), dtype(7.25), dtype(3.0)
    with np.errstate(**RAISE):
        # x = 0: d for b > 0, c for b < 0 ; x = inf: c for b > 0, d for b < 0
        np.testing.assert_array_equal(en.ll4(dtype(0), b, c, d, e), d)
        np.testing.assert_array_equal(en.ll4(dtype(0), -b, c, d, e), c)
        np.testing.assert_array_equal(en.ll4(dtype(np.inf), b, c, d, e), c)
        np.testing.assert_array_equal(en.ll4(dtype(np.inf), -b, c, d, e), d)
        # b = +-inf is the step at e (either side of it)
        x = np.array([1e-20, 1.0, 2.9999, 3.0001, 10.0, 1e20], dtype=dtype)
        np.testing.assert_array_equal(en.ll4(x, dtype(np.inf), c, d, e),
                                      [d, d, d, c, c, c])
        np.testing.assert_array_equal(en.ll4(x, dtype(-np.inf), c, d, e),
                                      [c, c, c, d, d, d])
        # b = 0: the midpoint (c + d)/2 everywhere inside (0, inf)
        np.testing.assert_array_equal(en.ll4(x, dtype(0), c, d, e), (c + d) / 2)
        # x = e: the midpoint for every finite slope
        np.testing.assert_array_equal(en.ll4(e, b[:-1], c, d, e), (c + d) / 2)
        r = en.ll4(dtype(0), b, c, d, e)
    assert r.dtype == dtype


def test_ll4_zero_slope_at_zero_and_infinite_dose():
    """b = 0 is specified as (c + d)/2 without exception; that includes x = 0 and x = inf
    (where b (log x - log e) is 0 * inf)."""
    with np.errstate(**RAISE):
        np.testing.assert_array_equal(en.ll4(np.array([0.0, np.inf]), 0.0, 1.0, 3.0, 2.0), 2.0)


def test_ll4_is_hill_with_negated_slope():
    """drc: ll4(x, -n, 0, emax, ec50) == hill(x, emax, ec50, n)."""
    c = np.concatenate([R.perturbed_logspace(-30, 30, 31), [0.0, 3.0, np.inf]])[:, None, None]
    emax = np.array([1.0, -2.5, 100.0])[None, :, None]
    n = np.array([0.3, 1.0, 1.7, 4.0, 20.0])
    for ec50 in [1e-30, 3.0, 1e30]:
        with np.errstate(all="ignore"):
            a = en.ll4(c, -n, 0.0, emax, ec50)
            h = en.hill(c, emax, ec50, n)
        # ll4's (|b| + 6) ulp of |emax| plus hill's (n + 4) ulp of |h| (<= |emax|)
        tol = (2 * n + 10) * EPS64 * np.abs(emax) + 1e-300
        assert_within(a, h, np.broadcast_to(tol, a.shape), np.broadcast_arrays(c, emax, n),
                      f"ll4 vs hill (ec50={ec50})")


def test_ll4_monotone_in_dose():
    x = np.logspace(-12, 12, 20001)
    for b in (0.3, 1.0, 4.0, 40.0):
        y = en.ll4(x, b, 0.0, 1.0, 1.0)        # b > 0, d > c: decreasing from d to c
        assert np.all(np.diff(y) <= 0)
        assert 0.0 <= y.min() and y.max() <= 1.0
        y = en.ll4(x, -b, 0.0, 1.0, 1.0)
        assert np.all(np.diff(y) >= 0)


# =================================================================== ll5

def _ll5_grid():
    xs = list(R.perturbed_logspace(-30, 30, 16))
    rows = []
    for e in [1e-30, 3.0, 1e30]:
        rows += itertools.product(xs + _near(e), [-20.0, -3.0, -0.37, 0.0, 0.37, 1.0, 20.0],
                                  [(0.0, 1.0), (100.0, -2.5)], [e], [0.2, 0.5, 1.0, 2.5, 7.0])
    rows = np.array([(x, b, c, d, e, f) for x, b, (c, d), e, f in rows])
    args = [rows[:, i].copy() for i in range(6)]
    # keep points where the ll4 fraction 1/(1 + (x/e)^b) > 1e-300 (spec)
    frac = R.evaluate(lambda x, b, e: R.ll5_fraction(x, b, e, 1.0), args[0], args[1], args[4])
    return [a[frac > 1e-300] for a in args]


def _ll5_tol(ref, x, b, c, d, e, f):
    # (|b| max(f, 1) + 8) ulp of max(|c|, |d|): the ll4 conditioning, with the power
    # f multiplying the relative error of the base when f > 1, plus pow's rounding.
    return (np.abs(b) * np.maximum(f, 1) + 8) * EPS64 * np.maximum(np.abs(c), np.abs(d))


@pytest.fixture(scope="module")
def ll5_table():
    return _with_reference("ll5", _ll5_grid())


def test_ll5_with_f_one_is_ll4_bitwise(ll4_table):
    (x, b, c, d, e), _ = ll4_table
    with np.errstate(all="ignore"):
        np.testing.assert_array_equal(en.ll5(x, b, c, d, e, 1.0), en.ll4(x, b, c, d, e))
        x32, b32, c32, d32, e32 = (a.astype(np.float32) for a in (x, b, c, d, e))
        np.testing.assert_array_equal(en.ll5(x32, b32, c32, d32, e32, np.float32(1)),
                                      en.ll4(x32, b32, c32, d32, e32))
    # and the limit points, bitwise too
    with np.errstate(**RAISE):
        for xx in (0.0, np.inf):
            for bb in (-np.inf, -2.0, 2.0, np.inf):
                assert en.ll5(xx, bb, -1.0, 4.0, 2.0, 1.0) == en.ll4(xx, bb, -1.0, 4.0, 2.0)


@pytest.mark.parametrize("f", [0.2, 1.0, 3.0])
def test_ll5_limits_exact(f):
    with np.errstate(**RAISE):
        assert en.ll5(0.0, 2.0, -2.5, 7.25, 3.0, f) == 7.25
        assert en.ll5(0.0, -2.0, -2.5, 7.25, 3.0, f) == -2.5
        assert en.ll5(np.inf, 2.0, -2.5, 7.25, 3.0, f) == -2.5
        assert en.ll5(np.inf, -2.0, -2.5, 7.25, 3.0, f) == 7.25
        # at x = e the fraction is 2^-f
        # (|b| max(f, 1) + 8) ulp of max(|c|, |d|) = 1; 2^-f from mpmath
        ref = float(R.ll5(3.0, 2.0, 0.0, 1.0, 3.0, f))
        assert abs(en.ll5(3.0, 2.0, 0.0, 1.0, 3.0, f) - ref) <= (2 * max(f, 1) + 8) * EPS64


# =================================================================== occupancy

@pytest.fixture(scope="module")
def occupancy_table():
    rows = []
    for kd in E_GRID:
        cs = list(R.perturbed_logspace(-30, 30, 61)) + [0.0, np.inf] + _near(kd)
        rows += [(c, kd) for c in cs]
    rows = np.array(rows)
    args = [rows[:, 0].copy(), rows[:, 1].copy()]
    return args, R.evaluate(R.occupancy, *args)


def _occupancy_tol(ref, c, kd):
    # 4 ulp relative: one addition and one division (or a reciprocal form) round.
    return 4 * EPS64 * np.abs(ref)


def test_occupancy_random_points():
    rng = np.random.default_rng(5)
    c = 10.0 ** rng.uniform(-150, 150, 2000)
    kd = c * 10.0 ** rng.uniform(-15, 15, 2000)
    assert_random_points("occupancy", (c, kd), _occupancy_tol)


def test_occupancy_is_hill_with_unit_slope(occupancy_table):
    (c, kd), ref = occupancy_table
    with np.errstate(all="ignore"):
        a = en.occupancy(c, kd)
        h = en.hill(c, 1.0, kd, 1.0)
    # occupancy's 4 ulp plus hill's (1 + 4) ulp
    assert_within(a, h, 9 * EPS64 * np.abs(ref), (c, kd), "occupancy vs hill")
    np.testing.assert_array_equal(en.occupancy(np.array([0.0, 3.0, np.inf]), 3.0), [0.0, 0.5, 1.0])
    np.testing.assert_array_equal(en.occupancy(np.array([1.0, 3.0, 9.0]), 3.0),
                                  [0.25, 0.5, 0.75])


# =================================================================== operational

def _operational_grid():
    a_s = list(R.perturbed_logspace(-30, 30, 21)) + [0.0, np.inf]
    rows = []
    for ka in [1e-30, 3.0, 1e30]:
        rows += itertools.product(a_s + _near(ka), [ka], [0.0, 1e-3, 0.5, 1.0, 7.0, 1e4],
                                  [1.0, -2.5], [0.3, 1.0, 2.5, 8.0])
    rows = np.array(rows)
    return [rows[:, i].copy() for i in range(5)]


def _operational_tol(ref, a, ka, tau, em, n):
    # (4 n + 6) ulp relative: u = tau a / (ka + a) carries ~4 roundings, raised to n,
    # then u^n / (1 + u^n) and the product with em; + 1e-300 absolute near underflow.
    return (4 * n + 6) * EPS64 * np.abs(ref) + 1e-300


@pytest.fixture(scope="module")
def operational_table():
    return _with_reference("operational", _operational_grid())


def test_operational_random_points():
    rng = np.random.default_rng(6)
    m = 2000
    ka = 10.0 ** rng.uniform(-100, 100, m)
    a = ka * 10.0 ** rng.uniform(-8, 8, m)
    tau = 10.0 ** rng.uniform(-3, 3, m)
    em = rng.normal(0, 10, m)
    n = 10.0 ** rng.uniform(-1, 1, m)
    assert_random_points("operational", (a, ka, tau, em, n), _operational_tol, all="ignore")


def test_operational_limits():
    tau = np.array([1e-3, 0.5, 1.0, 7.0])
    n = np.array([0.5, 1.0, 2.0, 3.0])[:, None]
    with np.errstate(**RAISE):
        np.testing.assert_array_equal(en.operational(0.0, 3.0, tau, 2.0, n), 0.0)
        np.testing.assert_array_equal(en.operational(5.0, 3.0, 0.0, 2.0, n), 0.0)
        top = en.operational(np.inf, 3.0, tau, 2.0, n)
    # a = inf: em tau^n / (1 + tau^n), from mpmath
    ref = R.evaluate(R.operational, np.inf, 3.0, tau, 2.0, n)
    assert_within(top, ref, _operational_tol(ref, np.inf, 3.0, tau, 2.0, n),
                  np.broadcast_arrays(tau, n), "operational(a = inf)")
    # tau = 1, n = 1, a = ka: u = 1/2, E = em (1/2) / (3/2) = em / 3
    assert en.operational(3.0, 3.0, 1.0, 3.0, 1.0) == pytest.approx(1.0, rel=10 * EPS64)


# =================================================================== dose_ratio

@pytest.fixture(scope="module")
def dose_ratio_table():
    b = np.concatenate([R.perturbed_logspace(-30, 30, 31), [0.0]])
    b_cols, kb_cols, s_cols = _product(b, [1e-30, 3.0, 1e30], [0.05, 0.3, 1.0, 2.5, 10.0])
    extra = [(3.0, 3.0, 0.7), (np.nextafter(3.0, 4), 3.0, 1.7), (1e300, 1e-300, 0.5),
             (1e-300, 1e300, 0.5), (1e200, 1e-200, 0.7), (5e-324, 1e300, 0.01)]
    args = [np.concatenate([col, [r[i] for r in extra]]) for i, col in
            enumerate((b_cols, kb_cols, s_cols))]
    ref = R.evaluate(R.dose_ratio, *args)
    keep = np.isfinite(ref) & (ref < 1e300)
    return [a[keep] for a in args], ref[keep]


def _dose_ratio_tol(ref, b, kb, slope):
    # (slope + 4) ulp relative: the ratio's rounding times slope, pow, the final 1 + .
    return (slope + 4) * EPS64 * np.abs(ref)


def test_dose_ratio_no_intermediate_overflow():
    """b/kb overflows but (b/kb)^slope does not: no overflow flag, correct value."""
    cases = [(1e300, 1e-300, 0.5), (1e200, 1e-200, 0.7), (1.7e308, 1e-308, 0.25),
             (5e-324, 1e300, 0.01), (1e-300, 1e300, 0.5)]
    for b, kb, s in cases:
        with np.errstate(**RAISE):
            got = en.dose_ratio(b, kb, s)
        ref = float(R.dose_ratio(b, kb, s))
        assert abs(got - ref) <= (s + 4) * EPS64 * ref, (b, kb, s, got, ref)


def test_schild_regression_slope_and_intercept():
    """Schild plot: log10(DR - 1) = slope (log10 b - log10 kb)."""
    for kb, slope in [(3e-9, 1.0), (2.5, 0.8), (1e12, 1.35)]:
        # b spanning (b/kb)^slope in 1..1e12, where DR - 1 keeps full precision
        b = kb * np.logspace(0, 12 / slope, 25)
        dr = en.dose_ratio(b, kb, slope)
        y = np.log10(dr - 1)
        fit_slope, fit_icpt = np.polyfit(np.log10(b), y, 1)
        assert fit_slope == pytest.approx(slope, rel=1e-11)
        x_intercept = -fit_icpt / fit_slope
        assert x_intercept == pytest.approx(np.log10(kb), rel=1e-11, abs=1e-11)
        # at b = kb the dose ratio is 2 exactly (pA2: log of the dose ratio is log 2)
        assert en.dose_ratio(kb, kb, slope) == 2.0
    assert en.dose_ratio(0.0, 3.0, 0.7) == 1.0


# =================================================================== hill_inverse / ecx

FRACTIONS = [0.0, 1e-300, 1e-30, 1e-12, 1e-5, 0.01, 0.25, 0.5, 0.75, 0.99,
             1 - 1e-5, 1 - 1e-12, np.nextafter(1.0, 0.0), 1.0]


def _inverse_in_range(ref, ratio, n):
    """Keep points whose exact result is finite and where (ratio)^(1/n) is a normal double."""
    with np.errstate(all="ignore"):
        lg = np.abs(np.log10(ratio)) / n
    return (ref == 0) | np.isinf(ref) | ((np.abs(ref) > 1e-290) & (np.abs(ref) < 1e290)
                                         & (lg < 290))


@pytest.fixture(scope="module")
def hill_inverse_table():
    rows = []
    for frac, emax, ec50, n in itertools.product(FRACTIONS, [1.0, -2.5, 100.0, 1e-30, 1e30],
                                                 [1e-30, 3.0, 1e30], [0.1, 0.3, 1.0, 2.5, 20.0]):
        rows.append((frac * emax, emax, ec50, n))
    rows = np.array(rows)
    args = [rows[:, i].copy() for i in range(4)]
    ref = R.evaluate(R.hill_inverse, *args)
    with np.errstate(all="ignore"):
        ratio = args[0] / (args[1] - args[0])
    keep = _inverse_in_range(ref, ratio, args[3])
    return [a[keep] for a in args], ref[keep]


def _inverse_tol(ref, *args):
    # (4 + 2/n) ulp relative: effect/(emax - effect) carries ~2 roundings, which the
    # power 1/n multiplies by 1/n; pow and the product with ec50 add a few ulp.
    n = args[-1]
    return (4 + 2 / n) * EPS64 * np.abs(ref)


def test_hill_inverse_endpoints():
    with np.errstate(**RAISE):
        # effect = 0 -> 0 ; effect = emax -> +inf, quietly (no divide-by-zero flag)
        np.testing.assert_array_equal(en.hill_inverse(0.0, np.array([2.0, -2.0]), 3.0, 1.7), 0.0)
        np.testing.assert_array_equal(en.hill_inverse(np.array([2.0, -2.0]),
                                                      np.array([2.0, -2.0]), 3.0, 1.7), np.inf)
        # effect = emax/2 -> ec50 (ratio exactly 1)
        assert en.hill_inverse(1.0, 2.0, 3.0, 1.7) == 3.0
        assert en.hill_inverse(-1.25, -2.5, 7.1e12, 0.3) == 7.1e12


@pytest.fixture(scope="module")
def ecx_table():
    args = _product(FRACTIONS, [1e-30, 2.5e-9, 3.0, 1e30], [0.1, 0.3, 1.0, 2.5, 20.0])
    ref = R.evaluate(R.ecx, *args)
    with np.errstate(all="ignore"):
        ratio = args[0] / (1 - args[0])
    keep = _inverse_in_range(ref, ratio, args[2])
    return [a[keep] for a in args], ref[keep]


def test_ecx_random_points():
    rng = np.random.default_rng(9)
    x = rng.uniform(0, 1, 2000)
    ec50 = 10.0 ** rng.uniform(-50, 50, 2000)
    n = 10.0 ** rng.uniform(-0.7, 1.5, 2000)
    assert_random_points("ecx", (x, ec50, n), _inverse_tol)


def test_ecx_identities(ecx_table):
    ec50 = np.array([1e-30, 2.5e-9, 3.0, 7.1e12, 1e30])[:, None]
    n = np.array([0.1, 0.3, 1.0, 1.7, 20.0, 150.0])
    with np.errstate(**RAISE):
        # ecx(0.5) == ec50 exactly, for every slope, in both precisions
        np.testing.assert_array_equal(en.ecx(0.5, ec50, n), np.broadcast_to(ec50, (5, 6)))
        np.testing.assert_array_equal(en.ecx(np.float32(0.5), ec50.astype(np.float32),
                                             n.astype(np.float32)),
                                      np.broadcast_to(ec50.astype(np.float32), (5, 6)))
        # x = 0 -> 0 ; x = 1 -> +inf quietly
        np.testing.assert_array_equal(en.ecx(0.0, ec50, n), 0.0)
        np.testing.assert_array_equal(en.ecx(1.0, ec50, n), np.inf)
    # ecx(x) == hill_inverse(x, 1, ec50, n): the same function, within both tolerances
    (x, e, nn), ref = ecx_table
    with np.errstate(all="ignore"):
        a, h = en.ecx(x, e, nn), en.hill_inverse(x, 1.0, e, nn)
    assert_within(a, h, 2 * _inverse_tol(ref, x, e, nn), (x, e, nn), "ecx vs hill_inverse")


def test_hill_inverse_and_ecx_no_intermediate_overflow_or_underflow():
    """(ratio)^(1/n) beyond the double range while the result ec50 * (...) is an
    ordinary number: valid finite input with a finite result, so no overflow flag, and
    the spec's (4 + 2/n) ulp holds (an intermediate subnormal would lose the digits)."""
    cases = [  # (effect, emax, ec50, n)
        (1 - 1e-10, 1.0, 1e-250, 0.05),      # ratio 1e10, ^(20) = 1e200 -> fine either way
        (1 - 1e-16, 1.0, 1e-280, 0.05),      # ratio ~9e15, ^20 ~ 1e319 (overflows), result ~1e39
        (1e-20, 1.0, 1e250, 0.06),           # ratio 1e-20, ^(1/0.06) = 1e-333 (underflows
                                             # to a subnormal), result ~1e-83
    ]
    for effect, emax, ec50, n in cases:
        ref = float(R.hill_inverse(effect, emax, ec50, n))
        with np.errstate(**RAISE):
            got = en.hill_inverse(effect, emax, ec50, n)
            got_x = en.ecx(effect / emax, ec50, n)
        tol = (4 + 2 / n) * EPS64 * abs(ref)
        assert abs(got - ref) <= tol, ((effect, emax, ec50, n), got, ref)
        assert abs(got_x - ref) <= tol, ((effect, emax, ec50, n), got_x, ref)


# =================================================================== against mpmath

# One row per ufunc: the spec's tolerance (defined in the ufunc's section above, with the
# reason), the stride of the float32 subsample of its table, and the least number of points
# its table must keep.  The table itself is the fixture "<name>_table".
ACCURACY = {
    "emax_model": (_emax_model_tol, 3, 0),
    "ll4": (_ll4_tol, 2, 0),
    "ll5": (_ll5_tol, 2, 0),
    "occupancy": (_occupancy_tol, 1, 0),
    "operational": (_operational_tol, 1, 0),
    "dose_ratio": (_dose_ratio_tol, 1, 0),
    "hill_inverse": (_inverse_tol, 1, 500),
    "ecx": (_inverse_tol, 1, 0),
}


@pytest.mark.parametrize("name", list(ACCURACY))
def test_against_mpmath(name, request):
    args, ref = request.getfixturevalue(f"{name}_table")
    tol, _, fewest = ACCURACY[name]
    assert len(ref) > fewest
    with np.errstate(all="ignore"):
        got = getattr(en, name)(*args)
    assert_within(got, ref, tol(ref, *args), args, name)


@pytest.mark.parametrize("name", list(ACCURACY))
def test_float32(name, request):
    args, _ = request.getfixturevalue(f"{name}_table")
    tol, stride, _ = ACCURACY[name]
    assert_float32_within_one_ulp(getattr(en, name), getattr(R, name),
                                  [a[::stride] for a in args], tol, name)


# =================================================================== round trips

def test_hill_inverse_round_trips():
    ec50 = np.array([1e-20, 2.5e-9, 3.0, 7.1e12, 1e20])[:, None, None]
    n = np.array([0.3, 1.0, 1.7, 4.0, 12.0])[None, :, None]
    emax = np.array([1.0, -2.5, 100.0])[None, None, :, None]
    ec50, n = ec50[..., None], n[..., None]
    # c -> hill -> hill_inverse, for c <= ec50 (h <= emax/2, so emax - h does not cancel)
    c = ec50 * np.logspace(-3 / 1, 0, 16)
    h = en.hill(c, emax, ec50, n)
    back = en.hill_inverse(h, emax, ec50, n)
    # hill's (n + 4) ulp error in h becomes (n + 4) (1 + h/(emax - h)) <= 2 (n + 4) ulp in
    # the ratio, divided by n by the root; plus hill_inverse's own (4 + 2/n) ulp.
    tol = ((2 * (n + 4) + 1) / n + 4 + 2 / n + 1) * EPS64 * c
    assert_within(back, np.broadcast_to(c, back.shape), np.broadcast_to(tol, back.shape),
                  np.broadcast_arrays(c, emax, ec50, n), "hill_inverse(hill(c))")
    # E -> hill_inverse -> hill over the whole range of effects (0, emax)
    frac = np.array([1e-12, 1e-6, 0.01, 0.2, 0.5, 0.8, 0.99, 1 - 1e-6])
    E = frac * emax
    c2 = en.hill_inverse(E, emax, ec50, n)
    again = en.hill(c2, emax, ec50, n)
    # c2's (4 + 2/n) ulp become n (1 - h/emax) (4 + 2/n) <= (4 n + 2) ulp in hill, plus
    # hill's own (n + 4) ulp and the rounding of E itself.
    tol = (5 * n + 7) * EPS64 * np.abs(E)
    assert_within(again, np.broadcast_to(E, again.shape), np.broadcast_to(tol, again.shape),
                  np.broadcast_arrays(E, emax, ec50, n), "hill(hill_inverse(E))")


def test_hill_at_ec50_is_half_emax():
    ec50 = np.array([1e-30, 0.37, 3.0, 8e5, 1e30])
    n = np.array([0.2, 1.0, 1.7, 9.0, 150.0])[:, None]
    np.testing.assert_array_equal(en.hill(ec50, -5.0, ec50, n), -2.5)
    np.testing.assert_array_equal(en.emax_model(ec50, 1.0, -5.0, ec50, n), -1.5)
    np.testing.assert_array_equal(en.ll4(ec50, n, 1.0, -5.0, ec50), -2.0)


# =================================================================== error policy

VALID = {  # a valid call of each ufunc (scalars)
    "emax_model": (1.0, 0.5, 2.0, 3.0, 1.7),
    "ll4": (1.0, 1.3, 0.1, 2.0, 3.0),
    "ll5": (1.0, 1.3, 0.1, 2.0, 3.0, 0.7),
    "occupancy": (1.0, 3.0),
    "operational": (1.0, 3.0, 5.0, 2.0, 1.7),
    "dose_ratio": (1.0, 3.0, 0.9),
    "hill_inverse": (0.5, 2.0, 3.0, 1.7),
    "ecx": (0.3, 3.0, 1.7),
}

INVALID = [  # (name, position, value): one out-of-domain argument each
    ("emax_model", 0, -1.0), ("emax_model", 0, -np.inf), ("emax_model", 3, 0.0),
    ("emax_model", 3, -3.0), ("emax_model", 4, 0.0), ("emax_model", 4, -1.7),
    ("ll4", 0, -1.0), ("ll4", 0, -np.inf), ("ll4", 4, 0.0), ("ll4", 4, -3.0),
    ("ll4", 4, -np.inf),
    ("ll5", 0, -1.0), ("ll5", 4, 0.0), ("ll5", 4, -3.0), ("ll5", 5, 0.0), ("ll5", 5, -0.7),
    ("occupancy", 0, -1.0), ("occupancy", 0, -np.inf), ("occupancy", 1, 0.0),
    ("occupancy", 1, -3.0),
    ("operational", 0, -1.0), ("operational", 1, 0.0), ("operational", 1, -3.0),
    ("operational", 2, -5.0), ("operational", 4, 0.0), ("operational", 4, -1.7),
    ("dose_ratio", 0, -1.0), ("dose_ratio", 1, 0.0), ("dose_ratio", 1, -3.0),
    ("dose_ratio", 2, 0.0), ("dose_ratio", 2, -0.9),
    ("hill_inverse", 0, -0.5), ("hill_inverse", 0, 2.5), ("hill_inverse", 1, 0.0),
    ("hill_inverse", 1, -2.0),    # effect/emax = -0.25 < 0
    ("hill_inverse", 2, 0.0), ("hill_inverse", 2, -3.0), ("hill_inverse", 3, 0.0),
    ("hill_inverse", 3, -1.7),
    ("ecx", 0, -0.1), ("ecx", 0, 1.5), ("ecx", 0, -np.inf), ("ecx", 0, np.inf),
    ("ecx", 1, 0.0), ("ecx", 1, -3.0), ("ecx", 2, 0.0), ("ecx", 2, -1.7),
]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name,pos,value", INVALID)
def test_invalid_parameter_gives_nan_and_invalid_flag(name, pos, value, dtype):
    func = getattr(en, name)
    args = [np.array(v, dtype=dtype) for v in VALID[name]]
    args[pos] = np.array(value, dtype=dtype)
    with pytest.warns(RuntimeWarning, match="invalid value"):
        r = func(*args)
    assert np.isnan(r) and r.dtype == dtype
    with np.errstate(invalid="raise"), pytest.raises(FloatingPointError):
        func(*args)
    with np.errstate(invalid="ignore"):
        assert np.isnan(func(*args))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", sorted(VALID))
def test_nan_argument_gives_nan_quietly(name, dtype):
    func = getattr(en, name)
    for pos in range(func.nin):
        args = [np.array(v, dtype=dtype) for v in VALID[name]]
        args[pos] = np.array(np.nan, dtype=dtype)
        with np.errstate(**RAISE):
            r = func(*args)
        assert np.isnan(r) and r.dtype == dtype, (name, pos)
    # all NaN at once, and NaN next to an otherwise invalid argument in another slot
    with np.errstate(**RAISE):
        assert np.isnan(func(*([np.nan] * func.nin)))


@pytest.mark.parametrize("name", sorted(VALID))
def test_one_bad_element_does_not_spoil_the_batch(name):
    func = getattr(en, name)
    bad = next(v for n, p, v in INVALID if n == name and p == 0) \
        if any(n == name and p == 0 for n, p, _ in INVALID) else None
    first = np.array([VALID[name][0], np.nan, VALID[name][0]]
                     + ([bad] if bad is not None else []))
    with np.errstate(invalid="ignore"):
        r = func(first, *VALID[name][1:])
    good = func(*VALID[name])
    assert r[0] == good and r[2] == good and np.isnan(r[1])
    if bad is not None:
        assert np.isnan(r[3])


@pytest.mark.parametrize("name", sorted(VALID))
def test_no_spurious_flags_on_valid_grids(name, request):
    """Every valid finite (and limit) input of the accuracy grids, with over-, divide-
    and invalid-flags raising.  This includes ll4/ll5 with b (log x - log e) far beyond
    exp's range, x = 0 (log 0), huge and tiny ratios, effect = emax (-> inf), and the
    dose_ratio points whose b/kb overflows while the result is finite."""
    args, ref = request.getfixturevalue(f"{name}_table")
    func = getattr(en, name)
    with np.errstate(**RAISE):
        try:
            got = func(*args)
        except FloatingPointError as exc:
            # report every offending point (at most a few) rather than just the flag
            bad = []
            for i in range(len(ref)):
                try:
                    func(*(a[i] for a in args))
                except FloatingPointError:
                    bad.append(tuple(float(a[i]) for a in args))
            raise AssertionError(f"{name}: spurious FP flag ({exc}) at {len(bad)} of "
                                 f"{len(ref)} valid points, e.g. args={bad[:3]}") from None
    assert not np.isnan(got).any(), name


def test_size_zero_in_size_zero_out():
    for name, valid in VALID.items():
        func = getattr(en, name)
        for shape in [(0,), (3, 0)]:
            with np.errstate(**RAISE):
                r = func(np.empty(shape), *valid[1:])
            assert r.shape == shape and r.dtype == np.float64
