"""endorphin.fit_dose_response and schild_analysis: agreement with drc's fits (reference
numbers from tests/data/drc_reference.json, no R needed), with scipy's curve_fit on 10,000
synthetic curves, hard cases, ED with delta-method SEs, Schild analysis, validation,
thread determinism and leaks."""
import json
import tracemalloc
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import endorphin as en
from endorphin.fitting import REASONS
from interrupt import interrupt_call

DATA = Path(__file__).resolve().parents[1] / "data"
REF = json.loads((DATA / "drc_reference.json").read_text())


def ryegrass():
    d = pd.read_csv(DATA / "drc_ryegrass.csv")
    return d.conc.to_numpy(), d.rootl.to_numpy()


def salba(herb):
    d = pd.read_csv(DATA / "drc_S.alba.csv")
    d = d[d.Herbicide == herb]
    return d.Dose.to_numpy(), d.DryMatter.to_numpy()


CASES = {
    "ryegrass_LL4": (ryegrass, "ll4"),
    "ryegrass_LL5": (ryegrass, "ll5"),
    "S.alba_glyphosate_LL4": (lambda: salba("Glyphosate"), "ll4"),
    "S.alba_bentazone_LL4": (lambda: salba("Bentazone"), "ll4"),
}


def ll4(x, b, c, d, e):
    with np.errstate(divide="ignore"):
        return c + (d - c) / (1 + np.exp(b * (np.log(x) - np.log(e))))


# --------------------------------------------------------------------------- drc
@pytest.mark.parametrize("name", sorted(CASES))
def test_agrees_with_drc_reference(name):
    data, model = CASES[name]
    x, y = data()
    ref = REF[name]
    fit = en.fit_dose_response(x, y, model=model)
    assert fit.converged and fit.reason == "ok"
    np.testing.assert_allclose(fit.params, ref["params"], rtol=1e-4)
    np.testing.assert_allclose(fit.rss, ref["rss"], rtol=1e-9)
    assert fit.df == ref["df"]
    np.testing.assert_allclose(fit.stderr, ref["stderr_hessian"], rtol=1e-2)
    gn = en.fit_dose_response(x, y, model=model, vcov="gauss-newton")
    np.testing.assert_allclose(gn.stderr, ref["stderr_gauss_newton"], rtol=1e-3)


def test_published_ryegrass_ll4():
    """Ritz et al. (2015), PLoS ONE 10:e0146021: drc's summary of the ryegrass LL.4 fit."""
    pub = REF["published_ryegrass_LL4"]
    fit = en.fit_dose_response(*ryegrass())
    np.testing.assert_allclose(fit.params, pub["params"], rtol=2e-5)
    np.testing.assert_allclose(fit.stderr, pub["stderr"], rtol=2e-4)
    np.testing.assert_allclose(np.sqrt(fit.rss / fit.df), pub["residual_se"], rtol=1e-6)


def test_ed_delta_method_matches_numerical_delta():
    x, y = ryegrass()
    fit = en.fit_dose_response(x, y)
    est, se = fit.ed([5, 10, 50])
    b, c, d, e = fit.params
    np.testing.assert_allclose(est, e * (np.array([5, 10, 50]) / np.array([95, 90, 50])) ** (1 / b))
    assert est[2] == pytest.approx(e) and se[2] == pytest.approx(fit.stderr[3])
    # delta method by finite differences of the ED formula
    for k, p in enumerate([5, 10, 50]):
        g = np.zeros(4)
        for i in range(4):
            h = 1e-6 * abs(fit.params[i])
            q1, q2 = fit.params.copy(), fit.params.copy()
            q1[i] += h
            q2[i] -= h
            f1 = q1[3] * (p / (100 - p)) ** (1 / q1[0])
            f2 = q2[3] * (p / (100 - p)) ** (1 / q2[0])
            g[i] = (f1 - f2) / (2 * h)
        assert se[k] == pytest.approx(np.sqrt(g @ fit.cov @ g), rel=1e-6)


def test_ed_ll5_and_hill_consistency():
    x, y = ryegrass()
    f5 = en.fit_dose_response(x, y, model="ll5")
    est, se = f5.ed(50)
    b, c, d, e, f = f5.params
    # the response at ED50 is halfway between d and c
    resp = en.ll5(est, b, c, d, e, f)
    assert resp == pytest.approx((c + d) / 2, rel=1e-10)
    assert np.isfinite(se) and se > 0
    xh = np.logspace(-2, 2, 9)
    yh = en.hill(xh, 2.0, 1.5, 1.3)
    fh = en.fit_dose_response(xh, yh, model="hill")
    est, _ = fh.ed([10, 90])
    np.testing.assert_allclose(est, en.ecx(np.array([0.1, 0.9]), 1.5, 1.3), rtol=1e-8)


# --------------------------------------------------------------------------- models
@pytest.mark.parametrize("model,true,fn", [
    ("ll4", (1.7, 0.1, 1.0, 2.0), en.ll4),
    ("ll5", (1.2, 0.1, 1.0, 2.0, 0.6), en.ll5),
    ("hill", (1.5, 0.8, 1.4), en.hill),
    ("emax", (0.2, 1.5, 0.8, 1.4), en.emax_model),
])
def test_noise_free_recovers_truth(model, true, fn):
    x = np.concatenate([[0.0], np.logspace(-2, 2, 11)])
    y = fn(x, *true)
    fit = en.fit_dose_response(x, y, model=model)
    assert fit.converged, fit.reason
    np.testing.assert_allclose(fit.params, true, rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(fit.predict(x), y, atol=1e-9)


# --------------------------------------------------------------------------- scipy
def test_vs_curve_fit_10000_synthetic_curves():
    from scipy.optimize import OptimizeWarning, curve_fit
    rng = np.random.default_rng(20240503)
    N, x = 10_000, np.logspace(-2, 2, 12)
    true = np.stack([rng.uniform(0.8, 2.5, N), rng.uniform(0.0, 0.1, N),
                     rng.uniform(0.9, 1.1, N), 10 ** rng.uniform(-1, 1, N)], axis=1)
    y = ll4(x, *true.T[:, :, None]) + rng.normal(0, 0.03, (N, 12))
    fit = en.fit_dose_response(x, y)
    frac = fit.converged.mean()
    print(f"\nendorphin converged {fit.converged.sum()}/{N} ({frac:.4f})")
    assert frac > 0.995
    # curve_fit on a subset (a Python loop: about 0.3 ms per curve)
    idx = rng.choice(N, 400, replace=False)
    ok_cf = 0
    worst = 0.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", OptimizeWarning)
        warnings.simplefilter("ignore", RuntimeWarning)
        for i in idx:
            try:
                p, _ = curve_fit(ll4, x, y[i], p0=fit.params[i], xtol=1e-14, ftol=1e-14,
                                 gtol=1e-14, maxfev=20000)
            except RuntimeError:
                continue
            ok_cf += 1
            if fit.converged[i]:
                worst = max(worst, np.max(np.abs(p[[0, 2, 3]] / fit.params[i, [0, 2, 3]] - 1)))
                assert abs(p[1] - fit.params[i, 1]) < 1e-6
                rss_cf = ((y[i] - ll4(x, *p)) ** 2).sum()
                assert fit.rss[i] <= rss_cf * (1 + 1e-10)
    print(f"curve_fit converged {ok_cf}/400; max rel diff b, d, e {worst:.1e}")
    assert worst < 1e-6


# --------------------------------------------------------------------------- hard cases
def test_hard_cases():
    x = np.logspace(-2, 2, 8)
    good = ll4(x, 1.5, 0.1, 1.0, 1.0)
    rng = np.random.default_rng(3)
    cases = {
        "flat_exact": np.full(8, 0.7),
        "flat_noisy": 0.7 + rng.normal(0, 0.02, 8),
        "too_few": np.where(np.arange(8) < 3, good, np.nan),
        "all_nan": np.full(8, np.nan),
        "missing": np.where(np.arange(8) % 3 == 1, np.nan, good),
        "inverted": ll4(x, -1.5, 0.1, 1.0, 1.0),
        "noise_free": good,
    }
    y = np.stack(list(cases.values()))
    fit = en.fit_dose_response(x, y)
    r = dict(zip(cases, fit.reason))
    assert r["flat_exact"] == "flat"
    assert r["flat_noisy"] in ("singular", "at_bound", "flat", "max_iter")  # not determined
    assert r["too_few"] == "too_few_points" and r["all_nan"] == "too_few_points"
    for k in ("missing", "noise_free"):
        i = list(cases).index(k)
        assert r[k] == "ok"
        np.testing.assert_allclose(fit.params[i], [1.5, 0.1, 1.0, 1.0], rtol=1e-7)
    i = list(cases).index("inverted")
    assert r["inverted"] == "ok"
    np.testing.assert_allclose(fit.params[i], [-1.5, 0.1, 1.0, 1.0], rtol=1e-7)
    # never an absurd EC50: every finite e within the default range
    e = fit["e"][np.isfinite(fit["e"])]
    assert np.all((e >= x.min() / 1e3 * (1 - 1e-12)) & (e <= x.max() * 1e3 * (1 + 1e-12)))
    assert np.all(np.isnan(fit.stderr[~fit.converged]))


def test_zero_dose_and_fixed_parameters():
    x = np.array([0, 0, 0.1, 0.3, 1, 3, 10, 30.0])
    y = ll4(x, 2.0, 0.0, 5.0, 2.0)
    fit = en.fit_dose_response(x, y)
    np.testing.assert_allclose(fit.params, [2, 0, 5, 2], atol=1e-8)
    f3 = en.fit_dose_response(x, y + 0.01 * np.sin(np.arange(8)), fixed={"c": 0})
    assert f3.converged and f3["c"] == 0 and f3.stderr[1] == 0 and f3.df == 5
    assert f3.fixed == ("c",)


def test_weights_equal_duplicated_points():
    x, y = ryegrass()
    w = np.where(np.arange(24) % 2 == 0, 2.0, 1.0)
    fw = en.fit_dose_response(x, y, weights=w)
    reps = np.where(np.arange(24) % 2 == 0, 2, 1)
    fd = en.fit_dose_response(np.repeat(x, reps), np.repeat(y, reps))
    np.testing.assert_allclose(fw.params, fd.params, rtol=1e-7)
    np.testing.assert_allclose(fw.rss, fd.rss, rtol=1e-9)


# --------------------------------------------------------------------------- result API
def test_result_api():
    x, y = ryegrass()
    fit = en.fit_dose_response(x, np.stack([y, y * 1.1, y * 0.9]).reshape(3, 1, 24))
    assert fit.params.shape == (3, 1, 4) and fit.stderr.shape == (3, 1, 4)
    assert fit.converged.shape == (3, 1) and fit.reason.shape == (3, 1)
    np.testing.assert_array_equal(fit["e"], fit.e)
    df = fit.to_pandas()
    assert len(df) == 3 and {"b", "e_se", "converged", "reason"} <= set(df.columns)
    assert fit.predict(np.array([1.0, 2.0])).shape == (3, 1, 2)
    assert fit.ed([10, 50]).estimate.shape == (3, 1, 2)
    assert set(REASONS) >= set(np.unique(fit.reason))
    assert "FitResult" in repr(fit)


# --------------------------------------------------------------------------- Schild
def test_schild_known_antagonist():
    K, x = 1e-8, np.logspace(-10, -4, 13)
    B = np.array([0, 1e-8, 3e-8, 1e-7, 3e-7, 1e-6])
    ec50 = 1e-7 * (1 + B / K)
    rng = np.random.default_rng(5)
    resp = 0.05 + 0.95 / (1 + (ec50[:, None] / x) ** 1.2) + rng.normal(0, 0.005, (6, 13))
    res = en.schild_analysis(x, resp, B)
    assert res.pA2 == pytest.approx(8.0, abs=0.05)
    assert res.slope == pytest.approx(1.0, abs=0.05)
    assert res.n_points == 5 and res.pA2_se > 0 and res.slope_se > 0
    from scipy import stats
    ok = np.isfinite(res.log_dr_minus_1)
    lr = stats.linregress(res.log_antagonist[ok], res.log_dr_minus_1[ok])
    assert res.slope == pytest.approx(lr.slope, rel=1e-12)
    assert res.slope_se == pytest.approx(lr.stderr, rel=1e-10)
    assert res.pA2 == pytest.approx(lr.intercept / lr.slope, rel=1e-12)


# --------------------------------------------------------------------------- validation
@pytest.mark.parametrize("kwargs,exc,match", [
    (dict(model="ll3"), ValueError, "model"),
    (dict(weights=-np.ones(24)), ValueError, "weights"),
    (dict(fixed={"z": 1}), ValueError, "fixed"),
    (dict(fixed={"e": -1}), ValueError, "fixed"),
    (dict(bounds={"e": (5, 1)}), ValueError, "bounds"),
    (dict(bounds={"e": 3}), ValueError, "bounds"),
    (dict(threads=0), ValueError, "threads"),
    (dict(vcov="x"), ValueError, "vcov"),
    (dict(max_iter=0), ValueError, "max_iter"),
])
def test_validation(kwargs, exc, match):
    x, y = ryegrass()
    with pytest.raises(exc, match=match):
        en.fit_dose_response(x, y, **kwargs)


def test_validation_data():
    x, y = ryegrass()
    with pytest.raises(ValueError, match="x must not contain NaN"):
        en.fit_dose_response(np.where(x > 7, np.nan, x), y)
    with pytest.raises(ValueError, match="x must be >= 0"):
        en.fit_dose_response(x - 1, y)
    with pytest.raises(ValueError, match="same number of doses"):
        en.fit_dose_response(x[:5], y)
    with pytest.raises(TypeError, match="y must be a real numeric"):
        en.fit_dose_response(x, np.array(["a"] * 24))
    with pytest.raises(ValueError, match="do not broadcast"):
        en.fit_dose_response(np.ones((2, 24)), np.ones((3, 24)))


# --------------------------------------------------------------------------- threads, leaks
def test_threads_bitwise_identical():
    rng = np.random.default_rng(7)
    x = np.logspace(-2, 2, 10)
    y = ll4(x, 1.5, 0.1, 1.0, 1.0) + rng.normal(0, 0.05, (3000, 10))
    a = en.fit_dose_response(x, y, threads=1)
    for t in (2, 3, 8):
        b = en.fit_dose_response(x, y, threads=t)
        for k in ("params", "cov", "rss", "n_iter", "reason_code"):
            np.testing.assert_array_equal(getattr(a, k), getattr(b, k))


def test_no_leak():
    x = np.logspace(-2, 2, 10)
    y = ll4(x, 1.5, 0.1, 1.0, 1.0) + np.random.default_rng(1).normal(0, 0.05, (200, 10))
    for _ in range(5):
        en.fit_dose_response(x, y)
    tracemalloc.start()
    s1 = tracemalloc.take_snapshot()
    for _ in range(50):
        f = en.fit_dose_response(x, y)
        f.ed(50)
    del f
    s2 = tracemalloc.take_snapshot()
    tracemalloc.stop()
    grown = sum(s.size_diff for s in s2.compare_to(s1, "filename"))
    assert grown < 100_000


@pytest.mark.parametrize("model", ["ll4", "hill", "emax"])
def test_reported_rss_matches_mpmath(model):
    """The fitter evaluates the model with its own vectorised exp (fit.c exp_nonpos, not
    libm's); at the reported estimates its RSS must equal the RSS recomputed with mpmath at
    40 digits.  Steep curves over 12 decades of dose push |t| past the exp's clamp at 708."""
    mpmath = pytest.importorskip("mpmath")
    mpmath.mp.dps = 40
    rng = np.random.default_rng(7)
    x = np.concatenate([[0.0], np.logspace(-6, 6, 11)])
    n = 60
    slope = 10 ** rng.uniform(-0.3, 1.8, n)
    lo, hi = rng.uniform(0, 0.2, n), rng.uniform(0.8, 1.2, n)
    ec = 10 ** rng.uniform(-3, 3, n)
    t = slope[:, None] * (np.log(np.maximum(x, 1e-300))[None, :] - np.log(ec)[:, None])
    frac = np.where(x[None, :] == 0, 1.0, 1 / (1 + np.exp(np.clip(t, -700, 700))))
    if model == "ll4":
        y = lo[:, None] + (hi - lo)[:, None] * frac
    else:
        y = (lo[:, None] if model == "emax" else 0) + hi[:, None] * (1 - frac)
    y = y + rng.normal(0, 0.02, y.shape)
    fit = en.fit_dose_response(x, y, model=model, max_iter=3)   # any estimates will do
    for i in range(n):
        p = [mpmath.mpf(float(v)) for v in fit.params[i]]
        rss = mpmath.mpf(0)
        for xj, yj in zip(x, y[i]):
            if model == "ll4":
                b, c, d, e = p
                f = c + (d - c) / (1 + mpmath.exp(b * (mpmath.log(xj) - mpmath.log(e)))) \
                    if xj > 0 else d
            else:
                e0, emax, ec50, h = ([0] + p) if model == "hill" else p
                f = e0 + (emax / (1 + (mpmath.mpf(ec50) / xj) ** h) if xj > 0 else 0)
            rss += (mpmath.mpf(float(yj)) - f) ** 2
        assert fit.rss[i] == pytest.approx(float(rss), rel=1e-11), (i, fit.params[i])


@pytest.mark.parametrize("threads", [1, 2])
def test_ctrl_c_interrupts_a_long_batch(threads):
    """SIGINT during a long batch (about 10 s) raises KeyboardInterrupt within a few
    chunks of curves, on one thread and on several (the calling thread fits too and
    checks for signals every 50 ms)."""
    out, err, elapsed = interrupt_call("""
        import numpy as np
        import endorphin as en
        x = np.logspace(-2, 2, 12)
        rng = np.random.default_rng(1)
        y = 1 / (1 + x / rng.uniform(0.1, 10, (2_500_000, 1))) + rng.normal(0, 0.03, (2_500_000, 12))
    """, f"en.fit_dose_response(x, y, threads={threads})")
    assert "interrupted" in out, (out, err)
    assert elapsed < 3.0, elapsed
