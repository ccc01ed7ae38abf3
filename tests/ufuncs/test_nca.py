"""endorphin.nca: AUC, Cmax, Tmax and terminal half-life against independent references.

References: closed forms (the exponential decay's integral; ln 2 / k), NumPy
(np.trapezoid, np.max, np.argmax, np.polyfit) and mpmath at 50 digits from the
exact float inputs.  Everything works over the last axis and is batched over the
leading axes; t and c broadcast against each other.
"""
import warnings

import mpmath
import numpy as np
import pytest

import endorphin as en
from endorphin import nca

EPS64 = np.finfo(np.float64).eps
trapezoid = getattr(np, "trapezoid", None) or np.trapz


# ---------------------------------------------------------------- references

def auc_mp(t, c, method):
    """Piecewise AUC in mpmath at 50 digits from the exact float inputs."""
    with mpmath.workdps(50):
        t = [mpmath.mpf(float(v)) for v in t]
        c = [mpmath.mpf(float(v)) for v in c]
        total = mpmath.mpf(0)
        for t1, t2, c1, c2 in zip(t[:-1], t[1:], c[:-1], c[1:]):
            if method == "linear-up/log-down" and c2 < c1 and c2 > 0:
                total += (c1 - c2) * (t2 - t1) / mpmath.log(c1 / c2)
            else:
                total += (c1 + c2) * (t2 - t1) / 2
        return float(total)


def half_life_mp(t, c, n_points):
    """ln 2 / lambda_z, lambda_z = -(least-squares slope of ln c on t), last n_points."""
    with mpmath.workdps(50):
        t = [mpmath.mpf(float(v)) for v in t[-n_points:]]
        y = [mpmath.log(mpmath.mpf(float(v))) for v in c[-n_points:]]
        tm, ym = mpmath.fsum(t) / n_points, mpmath.fsum(y) / n_points
        slope = (mpmath.fsum((a - tm) * (b - ym) for a, b in zip(t, y))
                 / mpmath.fsum((a - tm) ** 2 for a in t))
        return float(mpmath.log(2) / -slope)


# ---------------------------------------------------------------- AUC

@pytest.mark.parametrize("k", [0.05, 0.3, 1.7])
def test_log_down_auc_is_exact_for_exponential_decay(k):
    # on each segment of c = exp(-k t) the log-trapezoid (c1 - c2) dt / ln(c1/c2) is the
    # exact integral, so the sum is the closed form (1 - exp(-k T)) / k up to rounding
    t = np.array([0.0, 0.5, 1.0, 2.0, 3.0, 4.5, 6.0, 8.0, 12.0, 16.0, 24.0])
    c = np.exp(-k * t)
    got = nca.auc(t, c, method="linear-up/log-down")
    exact = -float(mpmath.expm1(-k * mpmath.mpf(24.0))) / k
    # per segment: c_i carry 0.5 ulp each, amplified by 1/(k dt) >= 1/(0.05 * 0.5) = 40 in
    # the log; 10 segments -> well below 1e-12 relative
    assert got == pytest.approx(exact, rel=1e-12)
    assert got == pytest.approx(auc_mp(t, c, "linear-up/log-down"), rel=1e-13)
    # the linear trapezoid overestimates a convex decay (and is not exact)
    lin = nca.auc(t, c, method="linear")
    assert lin > exact * (1 + 1e-6)
    assert lin == pytest.approx(trapezoid(c, t), rel=1e-14)


def test_linear_auc_matches_trapezoid_batched():
    rng = np.random.default_rng(30)
    t = np.cumsum(rng.uniform(0.1, 2.0, (4, 3, 25)), axis=-1)
    c = rng.uniform(0, 100, (4, 3, 25))
    got = nca.auc(t, c)                        # default method: linear
    assert got.shape == (4, 3)
    # positive terms: the sums agree to a few ulp times the number of terms
    np.testing.assert_allclose(got, trapezoid(c, t, axis=-1), rtol=30 * EPS64)
    np.testing.assert_allclose(nca.auc(t, c, method="linear"), got, rtol=0)
    ref = np.array([[auc_mp(t[i, j], c[i, j], "linear") for j in range(3)] for i in range(4)])
    np.testing.assert_allclose(got, ref, rtol=30 * EPS64)


def test_linear_up_log_down_mixed_profile():
    # rise (linear), plateau (linear: c does not decrease), decline (log), decline to 0
    # (linear: an end is 0), a rebound (linear) and a final decline (log)
    t = np.array([0.0, 0.5, 1.0, 2.0, 3.0, 5.0, 8.0, 9.0, 10.0, 12.0])
    c = np.array([0.0, 4.0, 9.0, 9.0, 6.0, 2.5, 0.0, 1.0, 3.0, 0.5])
    got = nca.auc(t, c, method="linear-up/log-down")
    assert got == pytest.approx(auc_mp(t, c, "linear-up/log-down"), rel=1e-14)
    # batched with t broadcast against c, and several profiles at once
    cc = np.stack([c, 2 * c, c[::-1].copy()])
    got = nca.auc(t, cc, method="linear-up/log-down")
    ref = [auc_mp(t, row, "linear-up/log-down") for row in cc]
    np.testing.assert_allclose(got, ref, rtol=1e-14)


def test_auc_t_broadcasts_against_c():
    rng = np.random.default_rng(31)
    t = np.linspace(0, 24, 13)
    c = rng.uniform(0.1, 10, (5, 13))
    np.testing.assert_array_equal(nca.auc(t, c), [nca.auc(t, row) for row in c])
    tt = np.stack([t, 2 * t])                  # (2, 13) times against (13,) concentrations
    got = nca.auc(tt, c[0])
    np.testing.assert_allclose(got, [nca.auc(t, c[0]), 2 * nca.auc(t, c[0])], rtol=4 * EPS64)
    # (2, 1, 13) against (5, 13) -> (2, 5)
    assert nca.auc(tt[:, None, :], c).shape == (2, 5)


def test_auc_constant_and_two_points():
    assert nca.auc([0.0, 2.0], [3.0, 3.0], method="linear-up/log-down") == 6.0
    assert nca.auc([1.0, 3.0], [1.0, 5.0]) == 6.0
    assert nca.auc(np.array([0.0, 1.0, 2.0]), np.array([0.0, 0.0, 0.0]),
                   method="linear-up/log-down") == 0.0


def test_auc_nan_concentration_gives_nan():
    c = np.array([[1.0, np.nan, 2.0], [1.0, 2.0, 3.0]])
    with np.errstate(over="raise", divide="raise", invalid="raise"):
        got = nca.auc([0.0, 1.0, 2.0], c)
    assert np.isnan(got[0]) and got[1] == 4.0


@pytest.mark.parametrize("t", [[0.0, 1.0, 1.0, 2.0], [0.0, 2.0, 1.0, 3.0], [3.0, 2.0, 1.0, 0.0]])
def test_auc_t_not_strictly_increasing_raises(t):
    with pytest.raises(ValueError):
        nca.auc(np.array(t), np.ones(4))
    with pytest.raises(ValueError):
        nca.auc(np.array(t), np.ones((3, 4)), method="linear-up/log-down")


def test_auc_negative_concentration_is_invalid():
    """Negative c is outside the domain: NaN with the invalid flag (surfaced as a
    RuntimeWarning or FloatingPointError) or a ValueError from the wrapper."""
    c = np.array([1.0, -2.0, 3.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        with pytest.raises((ValueError, RuntimeWarning)):
            nca.auc([0.0, 1.0, 2.0], c)
    with np.errstate(invalid="raise"), pytest.raises((ValueError, FloatingPointError)):
        nca.auc([0.0, 1.0, 2.0], c, method="linear-up/log-down")


@pytest.mark.parametrize("n", [0, 1])
def test_auc_fewer_than_two_points_raises(n):
    with pytest.raises(ValueError):
        nca.auc(np.arange(float(n)), np.ones(n))


def test_auc_unknown_method_names_method():
    with pytest.raises(ValueError, match="method"):
        nca.auc([0.0, 1.0], [1.0, 2.0], method="log")
    with pytest.raises(ValueError, match="method"):
        nca.auc([0.0, 1.0], [1.0, 2.0], method="Linear")


# ---------------------------------------------------------------- Cmax / Tmax

def test_cmax_tmax_match_numpy_batched():
    rng = np.random.default_rng(32)
    c = rng.uniform(0, 100, (3, 4, 17))
    t = np.cumsum(rng.uniform(0.1, 1.0, (3, 4, 17)), axis=-1)
    np.testing.assert_array_equal(nca.cmax(c), np.max(c, axis=-1))
    np.testing.assert_array_equal(nca.tmax(t, c),
                                  np.take_along_axis(t, np.argmax(c, -1)[..., None], -1)[..., 0])
    # t shared by all profiles (broadcast)
    t1 = t[0, 0]
    np.testing.assert_array_equal(nca.tmax(t1, c), t1[np.argmax(c, axis=-1)])


def test_tmax_is_the_first_maximum():
    t = np.array([0.0, 1.0, 2.0, 3.0, 4.0])
    c = np.array([[1.0, 5.0, 2.0, 5.0, 5.0], [5.0, 5.0, 5.0, 5.0, 5.0], [0.0, 0.0, 1.0, 2.0, 2.0]])
    np.testing.assert_array_equal(nca.tmax(t, c), [1.0, 0.0, 3.0])
    np.testing.assert_array_equal(nca.cmax(c), [5.0, 5.0, 2.0])


def test_cmax_nan_and_empty():
    with np.errstate(over="raise", divide="raise", invalid="raise"):
        r = nca.cmax(np.array([[1.0, np.nan, 3.0], [1.0, 2.0, 0.5]]))
    assert np.isnan(r[0]) and r[1] == 2.0
    with pytest.raises(ValueError):
        nca.cmax(np.empty(0))
    with pytest.raises(ValueError):
        nca.cmax(np.empty((3, 0)))


# ---------------------------------------------------------------- half-life

@pytest.mark.parametrize("k", [0.01, 0.231, 3.0])
@pytest.mark.parametrize("n_points", [2, 3, 5])
def test_half_life_of_pure_exponential(k, n_points):
    t = np.array([0.0, 0.25, 0.5, 1.0, 2.0, 3.0, 4.0, 6.0, 8.0])
    c = 7.5 * np.exp(-k * t)
    got = nca.half_life(t, c, n_points=n_points)
    assert got == pytest.approx(np.log(2) / k, rel=1e-12)


def test_half_life_uses_only_the_last_points():
    # absorption phase first; only the last three samples are a clean exponential
    t = np.array([0.0, 0.5, 1.0, 2.0, 4.0, 8.0, 12.0, 16.0])
    c = np.array([0.0, 3.0, 8.0, 6.0, 4.0, 0.0, 0.0, 0.0])
    c[-3:] = 2.0 * np.exp(-0.15 * t[-3:])
    assert nca.half_life(t, c) == pytest.approx(np.log(2) / 0.15, rel=1e-12)
    assert nca.half_life(t, c, n_points=3) == nca.half_life(t, c)


def test_half_life_noisy_against_least_squares_reference():
    rng = np.random.default_rng(33)
    t = np.array([0.5, 1.0, 2.0, 4.0, 6.0, 8.0, 12.0, 24.0])
    k = rng.uniform(0.05, 0.5, (4, 5))
    c = 10 * np.exp(-k[..., None] * t) * np.exp(rng.normal(0, 0.05, (4, 5, t.size)))
    for n_points in (3, 4, 6):
        got = nca.half_life(t, c, n_points=n_points)
        assert got.shape == (4, 5)
        ref = np.array([[half_life_mp(t, c[i, j], n_points) for j in range(5)] for i in range(4)])
        # a least-squares slope from n points of size ~10 ulp-accurate logs; the normal
        # equations' cancellation (mean t / spread of t <= ~4) costs a few digits at most
        np.testing.assert_allclose(got, ref, rtol=1e-10)
        slope = np.array([[np.polyfit(t[-n_points:], np.log(c[i, j, -n_points:]), 1)[0]
                           for j in range(5)] for i in range(4)])
        np.testing.assert_allclose(got, np.log(2) / -slope, rtol=1e-10)


def test_half_life_negative_concentration_is_rejected_or_nan():
    """A negative concentration is both a "c <= 0" tail (NaN + invalid) and bad input to
    the Python API (ValueError naming c); either is accepted, a silent value is not."""
    t = np.array([0.0, 1.0, 2.0, 3.0, 4.0])
    c = np.array([5.0, 4.0, 2.0, 1.0, -0.5])
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        with pytest.raises((ValueError, RuntimeWarning)):
            nca.half_life(t, c)


@pytest.mark.parametrize("tail", [[2.0, 2.0, 2.0], [1.0, 2.0, 3.0], [2.0, 0.0, 1.0],
                                  [2.0, 1.0, 0.0]])
def test_half_life_non_decreasing_or_zero_tail_is_nan(tail):
    t = np.array([0.0, 1.0, 2.0, 3.0, 4.0])
    c = np.array([[5.0, 4.0] + tail, [5.0, 4.0, 3.0, 2.0, 1.0]])
    with pytest.warns(RuntimeWarning):
        r = nca.half_life(t, c)
    assert np.isnan(r[0])
    # the good profile in the same batch is unaffected
    assert r[1] == pytest.approx(nca.half_life(t, c[1]), rel=0)
    assert np.isfinite(r[1])


@pytest.mark.parametrize("n_points", [0, 1, 6, 100, -3])
def test_half_life_bad_n_points_names_it(n_points):
    t = np.arange(5.0)
    c = np.exp(-t)
    with pytest.raises(ValueError, match="n_points"):
        nca.half_life(t, c, n_points=n_points)


def test_half_life_all_points_and_batching():
    t = np.arange(6.0)
    k = np.array([[0.1, 0.2], [0.3, 0.4], [0.5, 0.6]])
    c = np.exp(-k[..., None] * t)
    got = nca.half_life(t, c, n_points=6)
    assert got.shape == (3, 2)
    np.testing.assert_allclose(got, np.log(2) / k, rtol=1e-12)


def test_nca_is_reachable_from_the_package():
    assert en.nca is nca
    for name in ("auc", "cmax", "tmax", "half_life"):
        assert callable(getattr(nca, name))
