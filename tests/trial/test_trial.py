"""Virtual trials (issue 23): statistical correctness against analytic results,
keyed reproducibility, and bad input.

The reference endpoint is exactly normal: healthy subjects with no variability and no
pulses all have the same true pain (0 at rest; a Pain stimulus gives every subject the
same value), read by a rater with normal noise of SD ``SD`` on an unbounded scale with
negligible rounding.  The arms then differ by a known true difference ``delta`` (from a
noise-free run), and the power of Student's t-test is the noncentral-t integral.
"""
import numpy as np
import pytest

import endorphin as en
from endorphin.trial.trial import _after_dropout

stats = pytest.importorskip("scipy.stats")

SD = 5.0
FINE = en.PRO("pain_nrs", sd=SD, low=-1e6, high=1e6, resolution=1e-9, name="fine NRS")


def _arm(pain: bool, t_end=60.0):
    stim = en.Pain(level=5, start=0, duration=30) if pain else None
    return en.Scenario(stim, population=en.Population(1, variability=0), t_end=t_end,
                       dt=10, pulses=False)


def _true(sc, t):
    r = sc.simulate(outputs=["pain_nrs"])
    v = r["pain_nrs"][0, int(np.searchsorted(r.t, t))]
    assert np.ptp(r["pain_nrs"][:, int(np.searchsorted(r.t, t))]) == 0
    return v


def _t_power(delta, sd, n, alpha=0.05):
    df = 2 * n - 2
    ncp = delta / (sd * np.sqrt(2.0 / n))
    tc = stats.t.ppf(1 - alpha / 2, df)
    return stats.nct.sf(tc, df, ncp) + stats.nct.cdf(-tc, df, ncp)


def _mc(p, R, k=3.5):
    return k * np.sqrt(p * (1 - p) / R)


def test_identical_arms_reject_at_alpha():
    R, n = 2000, 10
    ep = en.endpoint.value("pain_nrs", at=10, instrument=FINE)
    tr = en.Trial({"a": _arm(True), "b": _arm(True)}, n_per_arm=n,
                  endpoints=[ep, en.endpoint.value("pain_nrs", at=10, instrument=FINE,
                                                   name="mw")],
                  analysis={"mw": "mannwhitney"})
    res = tr.run(replicates=R, seed=11)
    pw = res.power(0.05)
    assert abs(pw[ep.name] - 0.05) <= _mc(0.05, R)
    # the exact Mann-Whitney test is at most alpha (its p-values are discrete)
    assert 0.05 - 2 * _mc(0.05, R) <= pw["mw"] <= 0.05 + _mc(0.05, R)
    # the t statistic under the null: p-values uniform (Kolmogorov-Smirnov)
    p = res.estimates.query("endpoint == @ep.name")["p_value"].to_numpy()
    assert stats.kstest(p, "uniform").pvalue > 1e-3


def test_power_of_a_normal_endpoint_matches_the_noncentral_t():
    R, n = 2000, 10
    delta = _true(_arm(True), 10) - _true(_arm(False), 10)
    assert delta > 4                                   # the Pain stimulus is on at 10 min
    ep = en.endpoint.value("pain_nrs", at=10, instrument=FINE)
    res = en.Trial({"rest": _arm(False), "pain": _arm(True)}, n_per_arm=n,
                   endpoints=[ep]).run(replicates=R, seed=5)
    expected = _t_power(delta, SD, n)
    assert 0.3 < expected < 0.7
    assert abs(res.power(0.05)[ep.name] - expected) <= _mc(expected, R)
    est = res.estimates
    # the effect is unbiased and its 95 % interval covers delta in 95 % of replicates
    assert abs(est["effect"].mean() - delta) <= 3.5 * SD * np.sqrt(2 / n / R)
    cover = ((est["ci_low"] <= delta) & (delta <= est["ci_high"])).mean()
    assert abs(cover - 0.95) <= _mc(0.95, R)


def test_responder_rates_are_binomial():
    R, n = 1000, 20
    sc = _arm(True)
    fall = _true(sc, 10) - _true(sc, 60)               # pain on at 10, off at 60
    points = 4.0
    ep = en.endpoint.responder("pain_nrs", at=60, baseline=10, points=points,
                               instrument=en.PRO("pain_nrs", sd=1.0, low=-1e6, high=1e6,
                                                 resolution=1e-9))
    res = en.Trial({"rest": _arm(False), "pain": sc}, n_per_arm=n,
                   endpoints=[ep]).run(replicates=R, seed=2)
    # the fall of the ratings is normal: fall + N(0, 2 sd^2)
    p = stats.norm.sf(points, loc=fall, scale=np.sqrt(2.0))
    k = np.nansum(res.values["pain"][ep.name], axis=1)
    assert abs(k.mean() / n - p) <= 3.5 * np.sqrt(p * (1 - p) / (n * R))
    # counts per trial vary as a binomial's: variance n p (1 - p), chi-square bounds
    var = k.var(ddof=1)
    lo, hi = stats.chi2.ppf([0.0005, 0.9995], R - 1) / (R - 1)
    assert lo * 0.9 <= var / (n * p * (1 - p)) <= hi * 1.1
    assert res.trial.analysis[ep.name] == "chi2"
    # the rest arm never falls by 4 points from 0 (beyond 2.8 noise SDs)
    assert np.nanmean(res.values["rest"][ep.name]) < 0.01


def test_replicates_do_not_depend_on_threads_chunks_or_count():
    ep = en.endpoint.change("pain_nrs", at=60, baseline=10, instrument=en.PRO.nrs())
    arms = {"a": en.Scenario(population=en.Population(1, condition="chronic_pain"),
                             t_end=60, dt=10),
            "b": en.Scenario(en.Meditation(start=10, duration=30),
                             population=en.Population(1, condition="chronic_pain"),
                             t_end=60, dt=10)}
    tr = en.Trial(arms, n_per_arm=7, endpoints=[ep], dropout=0.2)
    a = tr.run(replicates=6, seed=3, threads=1)
    b = tr.run(replicates=6, seed=3, threads=2)
    c = tr.run(replicates=3, seed=3)
    for arm in arms:
        np.testing.assert_array_equal(a.values[arm][ep.name], b.values[arm][ep.name])
        np.testing.assert_array_equal(a.values[arm][ep.name][:3], c.values[arm][ep.name])
    np.testing.assert_array_equal(a.estimates["p_value"][:3], c.estimates["p_value"])
    pytest.importorskip("dask")
    d = tr.run(replicates=6, seed=3, chunks=10)
    for arm in arms:
        np.testing.assert_array_equal(a.values[arm][ep.name], d.values[arm][ep.name])
    # another seed, other subjects; the two arms never share draws
    e = tr.run(replicates=6, seed=4)
    assert not np.array_equal(a.values["a"][ep.name], e.values["a"][ep.name], equal_nan=True)


def test_dropout_complete_cases_and_locf():
    R, n = 400, 10
    ep = en.endpoint.value("pain_nrs", at=60, instrument=FINE)
    res = en.Trial({"a": _arm(False), "b": _arm(False)}, n_per_arm=n, endpoints=[ep],
                   dropout=0.3).run(replicates=R, seed=9)
    kept = res.estimates["n_control"].to_numpy()
    # every dropout falls before the only visit (uniform on (0, 60]): Binomial(n, 0.7)
    assert abs(kept.mean() - 0.7 * n) <= 3.5 * np.sqrt(n * 0.21 / R)
    # LOCF by hand: visits 0, 10, 20; dropped at 15 -> the 10-min reading carries forward
    readings = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0]])
    drop = np.array([15.0, np.inf, 5.0])
    v = np.array([0.0, 10.0, 20.0])
    np.testing.assert_array_equal(_after_dropout(readings, v, drop, "locf"),
                                  [[1, 2, 2], [4, 5, 6], [7, 7, 7]])
    cc = _after_dropout(readings, v, drop, "complete")
    np.testing.assert_array_equal(np.isnan(cc), [[0, 0, 1], [0, 0, 0], [0, 1, 1]])


def test_analyses_agree_with_scipy_and_textbook_formulas():
    from endorphin.trial import analysis as A
    rng = np.random.default_rng(0)
    x = rng.normal(0, 1, (5, 12))
    y = rng.normal(0.7, 1.3, (5, 15))
    x[0, 3] = np.nan                                  # a missing value is left out
    t = A.run_test("ttest", x, y)
    for r in range(5):
        ref = stats.ttest_ind(y[r][~np.isnan(y[r])], x[r][~np.isnan(x[r])])
        assert t["p_value"][r] == pytest.approx(ref.pvalue, rel=1e-10)
        ci = ref.confidence_interval(0.95)
        assert (t["ci_low"][r], t["ci_high"][r]) == pytest.approx((ci.low, ci.high))
    # ANCOVA: the pooled within-group slope (Snedecor & Cochran)
    bx = rng.normal(5, 1, (5, 12))
    by = rng.normal(5.5, 1, (5, 15))
    ya = y + 0.8 * by
    xa = x + 0.8 * bx
    a = A.run_test("ancova", xa, ya, x_baseline=bx, y_baseline=by)
    for r in range(1, 5):
        sxx = sum(((b - b.mean()) ** 2).sum() for b in (bx[r], by[r]))
        sxy = sum(((b - b.mean()) * (v - v.mean())).sum()
                  for b, v in ((bx[r], xa[r]), (by[r], ya[r])))
        slope = sxy / sxx
        adj = (ya[r].mean() - xa[r].mean()) - slope * (by[r].mean() - bx[r].mean())
        res = np.concatenate([xa[r] - xa[r].mean() - slope * (bx[r] - bx[r].mean()),
                              ya[r] - ya[r].mean() - slope * (by[r] - by[r].mean())])
        s2 = (res ** 2).sum() / (27 - 3)
        se = np.sqrt(s2 * (1 / 12 + 1 / 15 + (by[r].mean() - bx[r].mean()) ** 2 / sxx))
        assert a["effect"][r] == pytest.approx(adj, rel=1e-10)
        assert a["p_value"][r] == pytest.approx(2 * stats.t.sf(abs(adj / se), 24), rel=1e-8)
    # Mann-Whitney: scipy's p-value; Hodges-Lehmann shift by brute force
    m = A.run_test("mannwhitney", x, y)
    for r in range(1, 5):
        assert m["p_value"][r] == pytest.approx(
            stats.mannwhitneyu(y[r], x[r], alternative="two-sided").pvalue)
        assert m["effect"][r] == pytest.approx(np.median([b - a_ for b in y[r]
                                                          for a_ in x[r]]))
    # responders: Pearson chi-square without correction, Fisher's exact test
    xr = (rng.random((4, 30)) < 0.3).astype(float)
    yr = (rng.random((4, 25)) < 0.6).astype(float)
    c = A.run_test("chi2", xr, yr)
    f = A.run_test("fisher", xr, yr)
    for r in range(4):
        tab = [[yr[r].sum(), 25 - yr[r].sum()], [xr[r].sum(), 30 - xr[r].sum()]]
        assert c["p_value"][r] == pytest.approx(
            stats.chi2_contingency(tab, correction=False).pvalue, rel=1e-10)
        assert f["p_value"][r] == pytest.approx(stats.fisher_exact(tab).pvalue)
        assert c["effect"][r] == pytest.approx(yr[r].mean() - xr[r].mean())


def test_endpoint_reductions_by_hand():
    ch = en.endpoint.change("pain_nrs", at=60, baseline=10)
    pc = en.endpoint.percent_change("pain_nrs", at=60, baseline=10)
    rs = en.endpoint.responder("pain_nrs", at=60, baseline=10, reduction=0.3)
    rp = en.endpoint.responder("pain_nrs", at=60, baseline=10, points=2)
    mn = en.endpoint.mean("pain_nrs", start=0, at=40, every=20)
    r = np.array([[10.0, 7.0], [10.0, 7.5], [0.0, 0.0], [5.0, np.nan]])
    np.testing.assert_array_equal(ch.reduce(r), [-3, -2.5, 0, np.nan])
    np.testing.assert_allclose(pc.reduce(r), [-30, -25, np.nan, np.nan])
    np.testing.assert_array_equal(rs.reduce(r), [1, 0, 0, np.nan])   # 10 -> 7 is 30 %
    np.testing.assert_array_equal(rp.reduce(r), [1, 1, 0, np.nan])
    np.testing.assert_array_equal(mn.visits, [0, 20, 40])
    np.testing.assert_array_equal(mn.reduce(np.array([[1.0, 2.0, 6.0], [1.0, np.nan, 3.0]])),
                                  [3.0, 2.0])
    assert ch.name == "change:pain_nrs@60"


def test_bad_input_names_the_argument():
    sc = _arm(False)
    ep = en.endpoint.value("pain_nrs", at=10)
    with pytest.raises(TypeError, match=r"arms\['b'\] must be an endorphin Scenario"):
        en.Trial({"a": sc, "b": "exercise"}, n_per_arm=10, endpoints=[ep])
    with pytest.raises(TypeError, match="at least two"):
        en.Trial({"a": sc}, n_per_arm=10, endpoints=[ep])
    with pytest.raises(ValueError, match="n_per_arm must be >= 2"):
        en.Trial({"a": sc, "b": sc}, n_per_arm=1, endpoints=[ep])
    with pytest.raises(ValueError, match="unknown output 'pain_nsr'"):
        en.Trial({"a": sc, "b": sc}, n_per_arm=10,
                 endpoints=[en.endpoint.value("pain_nsr", at=10)])
    with pytest.raises(ValueError, match="after arm 'a'.s t_end = 60 min"):
        en.Trial({"a": sc, "b": sc}, n_per_arm=10,
                 endpoints=[en.endpoint.value("pain_nrs", at=600)])
    with pytest.raises(ValueError, match="'chi2' does not apply"):
        en.Trial({"a": sc, "b": sc}, n_per_arm=10, endpoints=[ep], analysis="chi2")
    with pytest.raises(ValueError, match="names must be unique"):
        en.Trial({"a": sc, "b": sc}, n_per_arm=10, endpoints=[ep, ep])
    with pytest.raises(ValueError, match="dropout must be < 1"):
        en.Trial({"a": sc, "b": sc}, n_per_arm=10, endpoints=[ep], dropout=1.0)
    with pytest.raises(ValueError, match="baseline must be before at"):
        en.endpoint.change("pain_nrs", at=10, baseline=20)
    with pytest.raises(ValueError, match="exactly one of reduction"):
        en.endpoint.responder("pain_nrs", at=10, reduction=0.3, points=2)
    with pytest.raises(ValueError, match="at must be >= 0"):
        en.endpoint.value("pain_nrs", at=-5)
    res = en.Trial({"a": sc, "b": sc}, n_per_arm=3, endpoints=[ep]).run(replicates=2)
    for alpha in (0.0, 1.0, float("nan")):
        with pytest.raises(ValueError, match="alpha"):
            res.power(alpha)


@pytest.mark.slow
def test_sample_size_matches_the_analytic_t_test_sample_size():
    delta = _true(_arm(True), 10) - _true(_arm(False), 10)
    n_exact = next(n for n in range(2, 200) if _t_power(delta, SD, n) >= 0.8)
    tr = en.Trial({"rest": _arm(False), "pain": _arm(True)}, n_per_arm=10,
                  endpoints=[en.endpoint.value("pain_nrs", at=10, instrument=FINE)])
    n = en.sample_size(tr, power=0.8, n_range=(2, 40), replicates=1500, seed=1)
    # Monte Carlo error of the power near 0.8 (+-0.036 at 3.5 SE) moves n by about 2
    assert abs(n - n_exact) <= 2
    with pytest.raises(ValueError, match="below 0.8; widen n_range"):
        en.sample_size(tr, power=0.8, n_range=(2, 4), replicates=200)
