"""Issue 27, item 7: ``plot.dose_response`` draws one curve of a batched fit with the
band from the fit's covariance, not a band recomputed from the data.

Reference: the delta-method interval by hand, ``f(x) +- t_{df} sqrt(g' cov g)`` with
the gradient ``g`` by central finite differences of the LL.4 formula and ``cov`` the
fit's own (drc's Hessian covariance); SciPy's Student t.  The band recomputed from the
data (Gauss-Newton ``s^2 (J'J)^-1``) differs from it, so the test tells them apart.
"""
import numpy as np
import pytest

mpl = pytest.importorskip("matplotlib")
mpl.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

import endorphin as en  # noqa: E402
from endorphin import plot as P  # noqa: E402


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def _ll4(x, b, c, d, e):
    return c + (d - c) / (1.0 + np.exp(b * (np.log(x) - np.log(e))))


def _band_limits(coll, xs):
    v = np.concatenate([p.vertices for p in coll.get_paths()])
    lo = np.array([v[np.isclose(v[:, 0], x, rtol=1e-12), 1].min() for x in xs])
    hi = np.array([v[np.isclose(v[:, 0], x, rtol=1e-12), 1].max() for x in xs])
    return lo, hi


def _delta_band(params, cov, df, xs, level):
    stats = pytest.importorskip("scipy.stats")
    g = np.empty((xs.size, 4))
    for k in range(4):
        h = 1e-6 * max(abs(params[k]), 1.0)
        up, dn = params.copy(), params.copy()
        up[k] += h
        dn[k] -= h
        g[:, k] = (_ll4(xs, *up) - _ll4(xs, *dn)) / (2 * h)
    half = stats.t.ppf(0.5 + level / 2, df) * np.sqrt(np.einsum("ij,jk,ik->i", g, cov, g))
    f = _ll4(xs, *params)
    return f - half, f + half


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(7)
    x = np.repeat(np.geomspace(0.5, 500.0, 7), 2)
    e = np.array([[5.0], [20.0], [80.0]])
    y = _ll4(x, -1.1, 3.0, 95.0, e) + rng.normal(0.0, 5.0, (3, x.size))
    return x, y, en.fit_dose_response(x, y, model="ll4")


def test_one_curve_of_a_batched_fit_uses_the_fit_covariance(data):
    x, y, fit = data
    fig, ax = plt.subplots()
    P.dose_response(x, y[1], ax=ax, fit=fit[1], level=0.9)      # fit[1]: was KeyError
    curve = [ln for ln in ax.get_lines() if ln.get_linestyle() != "None"][0]
    xc, yc = curve.get_data()
    np.testing.assert_allclose(yc, _ll4(xc, *fit.params[1]), rtol=1e-12)
    assert len(ax.collections) == 1
    xs = xc[::25]
    lo, hi = _band_limits(ax.collections[0], xs)
    ref_lo, ref_hi = _delta_band(fit.params[1], fit.cov[1], int(fit.df[1]), xs, 0.9)
    np.testing.assert_allclose(lo, ref_lo, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(hi, ref_hi, rtol=1e-5, atol=1e-6)
    # not the band recomputed from the data (Gauss-Newton covariance)
    rlo, _, rhi = P.confidence_band(x, y[1], fit.params[1], "ll4", xs, level=0.9)
    assert np.max(np.abs((rhi - rlo) / (hi - lo) - 1.0)) > 1e-3


def test_whole_batch_and_one_fit_for_many_data_sets(data):
    x, y, fit = data
    fig, ax = plt.subplots()
    P.dose_response(x, y, ax=ax, fit=fit)
    assert len(ax.collections) == 3
    xs = np.geomspace(0.5, 500.0, 5)
    curve = [ln for ln in ax.get_lines() if ln.get_linestyle() != "None"][2]
    xs = curve.get_xdata()[::40]
    lo, hi = _band_limits(ax.collections[2], xs)
    ref_lo, ref_hi = _delta_band(fit.params[2], fit.cov[2], int(fit.df[2]), xs, 0.95)
    np.testing.assert_allclose(lo, ref_lo, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(hi, ref_hi, rtol=1e-5, atol=1e-6)
    # one fitted curve drawn over three data sets: its band each time, not a
    # recomputed one (before, the covariance was skipped in this case)
    fig, ax = plt.subplots()
    P.dose_response(x, y, ax=ax, fit=fit[0])
    assert len(ax.collections) == 3
    ref_lo, ref_hi = _delta_band(fit.params[0], fit.cov[0], int(fit.df[0]), xs, 0.95)
    for coll in ax.collections:
        lo, hi = _band_limits(coll, xs)
        np.testing.assert_allclose(lo, ref_lo, rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(hi, ref_hi, rtol=1e-5, atol=1e-6)


def test_old_call_forms_and_a_fit_in_the_wrong_place(data):
    x, y, fit = data
    fig, ax = plt.subplots()
    # params= with data: the band is still recomputed from the data
    P.dose_response(x, y[0], ax=ax, model="ll4", params=fit.params[0])
    xs = ax.get_lines()[1].get_xdata()[::40]
    lo, hi = _band_limits(ax.collections[0], xs)
    rlo, _, rhi = P.confidence_band(x, y[0], fit.params[0], "ll4", xs)
    np.testing.assert_allclose(lo, rlo, rtol=1e-9)
    np.testing.assert_allclose(hi, rhi, rtol=1e-9)
    with pytest.raises(TypeError, match="fit="):
        P.dose_response(fit[0], x, ax=ax)
