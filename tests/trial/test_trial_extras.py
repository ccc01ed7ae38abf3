"""Virtual trials, issue 23 items beyond the first slice: time-to-event endpoints and
the log-rank test, informative dropout, parameter uncertainty and covariate
distributions, stratification, TrialResult.to_xarray and the trial plots.

References are independent of the package: the textbook log-rank formula on a hand
example with ties and ``scipy.stats.logrank``; geometric event times of a normal
rater (the per-visit event probability is a normal tail); closed forms of the
dropout hazard; the noncentral-t power integrated over an uncertain effect.
"""
import numpy as np
import pytest

import endorphin as en
from endorphin.trial import analysis as A
from endorphin.trial.trial import _rule_dropout_times

stats = pytest.importorskip("scipy.stats")


def _pain_arm(level, t_end, dt=5.0):
    stim = en.Pain(level=level, start=0, duration=t_end) if level else None
    return en.Scenario(stim, population=en.Population(1, variability=0), t_end=t_end,
                       dt=dt, pulses=False)


def _true_at(sc, times):
    r = sc.simulate(outputs=["pain_nrs"])
    from endorphin.measurement import interpolate
    return interpolate(r.t, r["pain_nrs"], np.asarray(times, float))[0]


# ---------------------------------------------------------------- time to event
def test_logrank_by_hand_with_ties_and_against_scipy():
    # control: 1, 2, 2+, 3, 4 ; treatment: 2, 2, 3+, 5, 6+   (+ censored)
    x = np.array([[1.0, 2.0, 2.0, 3.0, 4.0]])
    xe = np.array([[1, 1, 0, 1, 1]], float)
    y = np.array([[2.0, 2.0, 3.0, 5.0, 6.0]])
    ye = np.array([[1, 1, 0, 1, 0]], float)
    # textbook table (Kalbfleisch & Prentice; hypergeometric variance with ties):
    # time n  n1 d  d1   E1 = d n1/n     V = d (n1/n)(1 - n1/n)(n - d)/(n - 1)
    rows = [(1, 10, 5, 1, 0), (2, 9, 5, 3, 2), (3, 5, 3, 1, 0), (4, 3, 2, 1, 0),
            (5, 2, 2, 1, 1)]
    o_e = sum(d1 - d * n1 / n for _, n, n1, d, d1 in rows)
    v = sum(d * (n1 / n) * (1 - n1 / n) * (n - d) / (n - 1) for _, n, n1, d, d1 in rows)
    res = A.run_test("logrank", x, y, x_event=xe, y_event=ye)
    assert res["p_value"][0] == pytest.approx(stats.chi2.sf(o_e ** 2 / v, 1), rel=1e-12)
    assert res["effect"][0] == pytest.approx(np.exp(o_e / v), rel=1e-12)
    z = stats.norm.ppf(0.975)
    assert res["ci_low"][0] == pytest.approx(np.exp(o_e / v - z / np.sqrt(v)))
    assert res["ci_high"][0] == pytest.approx(np.exp(o_e / v + z / np.sqrt(v)))
    # scipy's log-rank (same test) on random data with ties, censoring, a missing value
    if not hasattr(stats, "logrank"):
        pytest.skip("scipy < 1.11 has no stats.logrank")
    rng = np.random.default_rng(4)
    x = np.round(rng.exponential(5, (6, 14)))
    y = np.round(rng.exponential(8, (6, 11)))
    xe = (rng.random(x.shape) < 0.7).astype(float)
    ye = (rng.random(y.shape) < 0.7).astype(float)
    x[2, 5] = np.nan
    res = A.run_test("logrank", x, y, x_event=xe, y_event=ye)
    for r in range(6):
        k = ~np.isnan(x[r])
        ref = stats.logrank(
            stats.CensoredData(uncensored=y[r][ye[r] > 0], right=y[r][ye[r] == 0]),
            stats.CensoredData(uncensored=x[r][k & (xe[r] > 0)],
                               right=x[r][k & (xe[r] == 0)]))
        assert res["p_value"][r] == pytest.approx(ref.pvalue, rel=1e-9)
        # scipy's z is (O - E)/sqrt(V) of its first sample: the sign of log HR
        assert np.sign(np.log(res["effect"][r])) == np.sign(ref.statistic)
    assert res["n_control"][2] == 13
    # no events at all: no difference seen
    none = A.run_test("logrank", x[:1], y[:1], x_event=0 * xe[:1], y_event=0 * ye[:1])
    assert none["p_value"][0] == 1.0 and np.isnan(none["effect"][0])


def test_time_to_event_reduction_by_hand():
    ep = en.endpoint.time_to_event("pain_nrs", 4, start=10, at=40, every=10)
    np.testing.assert_array_equal(ep.visits, [10, 20, 30, 40])
    r = np.array([[6.0, 5.0, 3.0, 2.0],        # event at 30 -> 20 min after start
                  [6.0, 5.0, 5.0, 5.0],        # censored at 40 -> 30
                  [6.0, 5.0, np.nan, np.nan],  # dropped after 20: censored at 10
                  [3.0, 5.0, 2.0, 1.0],        # below at the first visit -> 0
                  [np.nan] * 4])               # never seen: missing
    np.testing.assert_array_equal(ep.reduce(r), [20, 30, 10, 0, np.nan])
    np.testing.assert_array_equal(ep.events(r), [1, 0, 0, 1, np.nan])
    up = en.endpoint.time_to_event("pain_nrs", 5.5, below=False, start=10, at=40,
                                   every=10)
    np.testing.assert_array_equal(up.events(r), [1, 1, 1, 0, np.nan])
    np.testing.assert_array_equal(up.reduce(r), [0, 0, 0, 30, np.nan])
    assert ep.name == "time_to_event:pain_nrs<4@40"
    assert up.default_analysis == "logrank"


def test_geometric_event_times_and_the_hazard_ratio():
    """A normal rater read every minute; the event is a reading above ``thr``.  Each
    visit is an independent Bernoulli trial with p = P(N(true, SD) > thr), so the time
    to the event is geometric and the hazard ratio of the arms is known."""
    R, n, SD = 300, 40, 11.0
    start, at = 100.0, 200.0
    visits = np.arange(start, at + 1)
    rest, pain = _pain_arm(0, at), _pain_arm(2, at)
    v_c, v_t = _true_at(rest, visits), _true_at(pain, visits)
    assert np.ptp(v_c) == 0 and np.ptp(v_t) < 0.02      # constant true pain
    thr = SD * stats.norm.isf(0.02)
    p_c = stats.norm.sf((thr - v_c) / SD)
    p_t = stats.norm.sf((thr - v_t) / SD)
    fine = en.PRO("pain_nrs", sd=SD, low=-1e6, high=1e6, resolution=1e-9)
    ep = en.endpoint.time_to_event("pain_nrs", thr, below=False, start=start, at=at,
                                   every=1, instrument=fine)
    res = en.Trial({"rest": rest, "pain": pain}, n_per_arm=n, endpoints=[ep]).run(
        replicates=R, seed=21)
    # events by the end: 1 - prod(1 - p) (geometric), binomial MC error
    for arm, p in (("rest", p_c), ("pain", p_t)):
        expect = 1 - np.prod(1 - p)
        got = np.nanmean(res.events[arm][ep.name])
        assert abs(got - expect) <= 3.5 * np.sqrt(expect * (1 - expect) / (R * n))
    # mean event time given an event, in visits (truncated geometric)
    k = np.arange(visits.size)
    surv = np.concatenate([[1.0], np.cumprod(1 - p_c)[:-1]])
    pk = surv * p_c
    mean_k = (k * pk).sum() / pk.sum()
    t = res.values["rest"][ep.name][res.events["rest"][ep.name] == 1]
    assert abs(t.mean() - mean_k) <= 3.5 * t.std() / np.sqrt(t.size)
    # the hazard ratio: continuous-time log(1 - p_t)/log(1 - p_c) (the one-step
    # estimate differs from it by < 0.03 on the log scale here)
    true_log_hr = np.log(np.mean(np.log1p(-p_t)) / np.mean(np.log1p(-p_c)))
    assert 0.35 < true_log_hr < 0.45
    log_hr = np.log(res.estimates["effect"].to_numpy())
    assert abs(log_hr.mean() - true_log_hr) <= 3.5 * log_hr.std() / np.sqrt(R) + 0.03
    assert res.trial.analysis[ep.name] == "logrank"
    assert res.summary().loc[("pain vs rest", ep.name), "effect_mean"] == pytest.approx(
        np.exp(log_hr.mean()))
    # the CI covers the truth about 95 % of the time
    est = res.estimates
    cover = ((np.log(est["ci_low"]) <= true_log_hr) & (true_log_hr <= np.log(est["ci_high"])))
    assert abs(cover.mean() - 0.95) <= 3.5 * np.sqrt(0.95 * 0.05 / R) + 0.02


# ---------------------------------------------------------------- dropout
def test_dropout_rule_hazard_matches_its_closed_form():
    rule = en.dropout(0.3, "pain_nrs", per_unit=0.5, center=5.0)
    visits = np.array([0.0, 10.0, 20.0, 30.0, 40.0])
    N = 6000
    y = np.where(np.arange(N)[:, None] < N // 2, 5.0, 7.0) * np.ones((N, visits.size))
    t = _rule_dropout_times(rule, 17, np.arange(N), visits, y)
    h0 = 1 - 0.7 ** (1 / 4)
    for half, yy in ((slice(0, N // 2), 5.0), (slice(N // 2, N), 7.0)):
        p = 1 - (1 - h0) ** (4 * np.exp(0.5 * (yy - 5.0)))    # leave in any interval
        got = np.isfinite(t[half]).mean()
        assert abs(got - p) <= 3.5 * np.sqrt(p * (1 - p) / (N // 2))
    # readings at 5 (the center): leave with probability rate, uniformly per interval
    gone = t[:N // 2][np.isfinite(t[:N // 2])]
    counts = np.histogram(gone, bins=visits)[0]
    expect = h0 * (1 - h0) ** np.arange(4)
    assert stats.chisquare(counts, expect / expect.sum() * counts.sum()).pvalue > 1e-3
    # a drop time lies in [v_k, v_{k+1}): visit k observed, visit k + 1 not
    assert (gone >= 0).all() and (gone < 40).all()


def test_informative_dropout_shifts_the_completers_mean_and_mcar_does_not():
    R, n = 40, 25
    arm = en.Scenario(population=en.Population(1, condition="chronic_pain"), t_end=60,
                      dt=10)
    ep = en.endpoint.value("pain_nrs", at=60)
    visits = np.arange(0, 61, 10.0)

    def run(dropout):
        return en.Trial({"a": arm, "b": arm}, n_per_arm=n, endpoints=[ep],
                        dropout=dropout, visits=visits).run(replicates=R, seed=8)

    full = run(0.0).values["a"][ep.name]
    assert not np.isnan(full).any() and full.std() > 1.0     # pain varies by subject
    sigma = full.std()
    for dropout, shift in ((en.dropout(0.4, "pain_nrs", per_unit=1.0, center=5.0), -1),
                           (en.dropout(0.4), 0), (0.4, 0)):
        got = run(dropout).values["a"][ep.name]
        kept = ~np.isnan(got)
        np.testing.assert_array_equal(got[kept], full[kept])    # the same subjects
        m, N = kept.sum(), kept.size
        assert 0.3 < 1 - m / N < 0.75
        # a random subset of m of N: the mean differs by sigma^2 (1/m - 1/N)
        se = sigma * np.sqrt(1 / m - 1 / N)
        diff = got[kept].mean() - full.mean()
        if shift:
            assert diff < -5 * se            # those with more pain left
        else:
            assert abs(diff) <= 3.5 * se


def test_bad_input_of_the_extras():
    sc = _pain_arm(0, 60)
    with pytest.raises(ValueError, match="at must be > start"):
        en.endpoint.time_to_event("pain_nrs", 4, start=60, at=60)
    with pytest.raises(TypeError, match="threshold must be a number"):
        en.endpoint.time_to_event("pain_nrs", "4", at=60)
    with pytest.raises(TypeError, match="below must be True or False"):
        en.endpoint.time_to_event("pain_nrs", 4, below="yes", at=60)
    with pytest.raises(ValueError, match="every must be > 0"):
        en.endpoint.time_to_event("pain_nrs", 4, at=60, every=0)
    tte = en.endpoint.time_to_event("pain_nrs", 4, at=60, every=10)
    with pytest.raises(ValueError, match="'ttest' does not apply"):
        en.Trial({"a": sc, "b": sc}, n_per_arm=5, endpoints=[tte], analysis="ttest")
    with pytest.raises(ValueError, match="needs event flags"):
        A.run_test("logrank", np.ones((1, 3)), np.ones((1, 3)))
    with pytest.raises(ValueError, match="rate must be < 1"):
        en.dropout(1.0)
    with pytest.raises(ValueError, match="rate must be >= 0"):
        en.dropout(-0.1)
    with pytest.raises(ValueError, match="per_unit and instrument need output"):
        en.dropout(0.2, per_unit=0.3)
    with pytest.raises(TypeError, match="output must be a model output name"):
        en.dropout(0.2, 3)
    with pytest.raises(ValueError, match="not the dropout output"):
        en.dropout(0.2, "mood", instrument=en.PRO.nrs())
    with pytest.raises(ValueError, match="dropout: unknown output 'pain_nsr'"):
        en.Trial({"a": sc, "b": sc}, n_per_arm=5, endpoints=[tte],
                 dropout=en.dropout(0.2, "pain_nsr", per_unit=1))


# ---------------------------------------------------------------- uncertainty
def _t_power(delta, sd, n, alpha=0.05):
    df = 2 * n - 2
    ncp = np.asarray(delta) / (sd * np.sqrt(2.0 / n))
    tc = stats.t.ppf(1 - alpha / 2, df)
    return stats.nct.sf(tc, df, ncp) + np.nan_to_num(stats.nct.cdf(-tc, df, ncp))


def _ongoing(po, n=1):
    # ongoing pain without day-to-day or between-subject symptom noise: every subject
    # has the same true pain, a function of pain_ongoing
    return en.Scenario(population=en.Population(n, variability=0, pain_ongoing=po,
                                                pain_between_cv=0, pain_day_cv=0),
                       t_end=60, dt=10, pulses=False)


def test_uncertain_effect_power_is_the_expected_power_over_the_effect():
    """pain_ongoing (typical 2 in the treated arm, 0 in the control) has CV 0.5: the
    power is E[power(delta(theta))] over theta = 2 exp(N(0, log 1.25)), computed
    by Gauss-Hermite quadrature with delta(theta) from noise-free runs."""
    R, n, SD, cv = 1500, 6, 2.0, 0.5
    fine = en.PRO("pain_nrs", sd=SD, low=-1e6, high=1e6, resolution=1e-9)
    ep = en.endpoint.value("pain_nrs", at=10, instrument=fine)
    tr = en.Trial({"c": _ongoing(0.0), "t": _ongoing(2.0)}, n_per_arm=n, endpoints=[ep])
    res = tr.run(replicates=R, seed=12, uncertainty={"pain_ongoing": cv})
    omega = np.sqrt(np.log1p(cv ** 2))
    # the replicates' multipliers: log-normal, median 1, sd of the log omega
    mult = res.uncertainty["pain_ongoing"].to_numpy()
    assert stats.kstest(np.log(mult), "norm", args=(0, omega)).pvalue > 1e-3

    def delta(theta):
        r = _ongoing(min(theta, 10.0)).simulate(outputs=["pain_nrs"])  # documented max
        return r["pain_nrs"][0, 1]

    x, w = np.polynomial.hermite_e.hermegauss(20)
    w = w / w.sum()
    d = np.array([delta(2.0 * np.exp(omega * xi)) for xi in x])
    expected = float((w * _t_power(d, SD, n)).sum())
    fixed = float(_t_power(delta(2.0), SD, n))
    mc = 3.5 * np.sqrt(expected * (1 - expected) / R)
    assert abs(expected - fixed) > mc                  # the test tells them apart
    assert abs(res.power(0.05)[ep.name] - expected) <= mc
    # the effects spread by the effect's own variance: var = var(delta) + 2 SD^2 / n
    var = float((w * d ** 2).sum() - (w * d).sum() ** 2) + 2 * SD ** 2 / n
    lo, hi = stats.chi2.ppf([0.0005, 0.9995], R - 1) / (R - 1)
    ratio = res.estimates["effect"].var(ddof=1) / var
    assert lo * 0.95 <= ratio <= hi * 1.05
    # the arms of a replicate share the unknown truth (the control's 0 stays 0), and
    # a replicate's draw does not depend on how many run
    res2 = tr.run(replicates=5, seed=12, uncertainty={"pain_ongoing": cv})
    np.testing.assert_array_equal(res2.uncertainty["pain_ongoing"], mult[:5])
    np.testing.assert_array_equal(res2.values["t"][ep.name], res.values["t"][ep.name][:5])


def test_uncertainty_covariance_form_and_bad_input():
    ep = en.endpoint.value("pain_nrs", at=10)
    tr = en.Trial({"c": _ongoing(0.0), "t": _ongoing(2.0)}, n_per_arm=2, endpoints=[ep])
    cov = np.array([[0.04, 0.03], [0.03, 0.09]])
    res = tr.run(replicates=400, seed=1,
                 uncertainty=(["pain_ongoing", "pain_u50"], cov))
    logs = np.log(res.uncertainty[["pain_ongoing", "pain_u50"]].to_numpy())
    np.testing.assert_allclose(np.cov(logs.T), cov, atol=3.5 * 0.09 * np.sqrt(2 / 400))
    # the true pain of the treated arm follows its replicate's pain_ongoing
    t = res.values["t"][ep.name]
    assert np.ptp(t, axis=1).max() < 1e-12                       # one truth a replicate
    assert stats.spearmanr(t[:, 0], logs[:, 0]).statistic > 0.8
    with pytest.raises(ValueError, match="unknown parameter 'pain_ongoin'"):
        tr.run(replicates=2, uncertainty={"pain_ongoin": 0.2})
    with pytest.raises(ValueError, match=r"uncertainty\['pain_ongoing'\] must be >= 0"):
        tr.run(replicates=2, uncertainty={"pain_ongoing": -0.2})
    with pytest.raises(TypeError, match="uncertainty must be a mapping"):
        tr.run(replicates=2, uncertainty=0.2)
    with pytest.raises(ValueError, match="not positive semi-definite"):
        tr.run(replicates=2, uncertainty=(["pain_ongoing", "pain_u50"],
                                          [[0.01, 0.2], [0.2, 0.01]]))
    with pytest.raises(ValueError, match="symmetric"):
        tr.run(replicates=2, uncertainty=(["pain_ongoing"], [[0.01, 0.0]]))
    with pytest.raises(ValueError, match="pulse-generator parameter"):
        tr.run(replicates=2, uncertainty={en.model.PULSE_TABLE[0].name: 0.1})


# ---------------------------------------------------------------- covariates, strata
def test_covariate_distributions_are_keyed_per_subject():
    nd = en.Normal(70, 12, low=50, high=100)
    cat = en.Categorical({"female": 0.6, "male": 0.4})
    pop = en.Population(4000, seed=3, covariates={"body_weight": nd, "sex": cat})
    w = pop.covariates["body_weight"]
    ref = stats.truncnorm((50 - 70) / 12, (100 - 70) / 12, loc=70, scale=12)
    assert stats.kstest(w, ref.cdf).pvalue > 1e-3
    assert w.min() >= 50 and w.max() <= 100
    f = (pop.covariates["sex"] == "female").mean()
    assert abs(f - 0.6) <= 3.5 * np.sqrt(0.24 / 4000)
    small = en.Population(100, seed=3, covariates={"body_weight": nd, "sex": cat})
    np.testing.assert_array_equal(small.covariates["body_weight"], w[:100])
    np.testing.assert_array_equal(small.covariates["sex"], pop.covariates["sex"][:100])
    # the covariate reaches the model: body weight scales a per-kg dose's volume
    assert pop.body_weight is pop.covariates["body_weight"]
    # each replicate of a trial draws new covariates, and the arms differ
    sc = en.Scenario(population=en.Population(1, covariates={"sex": cat}), t_end=10,
                     dt=10, pulses=False)
    ep = en.endpoint.value("pain_nrs", at=10)
    res = en.Trial({"a": sc, "b": sc}, n_per_arm=50, endpoints=[ep]).run(replicates=4,
                                                                          seed=2)
    s = res.covariates["a"]["sex"]
    assert s.shape == (4, 50)
    assert len({tuple(r) for r in s}) == 4
    assert not np.array_equal(s, res.covariates["b"]["sex"])
    with pytest.raises(ValueError, match="sd must be > 0"):
        en.Normal(70, 0)
    with pytest.raises(ValueError, match="low must be < high"):
        en.Normal(70, 10, low=80, high=60)
    with pytest.raises(ValueError, match="probabilities must sum to 1"):
        en.Categorical({"female": 0.6, "male": 0.6})
    with pytest.raises(TypeError, match="probabilities must be a non-empty mapping"):
        en.Categorical(["female"])
    with pytest.raises(TypeError, match=r"covariates\['sex'\] must be"):
        en.Population(3, covariates={"sex": nd})
    with pytest.raises(ValueError, match=r"covariates\['body_weight'\] must be finite and "
                                         r"within"):
        en.Population(3, covariates={"body_weight": en.Normal(500, 10)})


def test_stratified_randomization_gives_exact_counts():
    sc = en.Scenario(population=en.Population(1), t_end=10, dt=10, pulses=False)
    ep = en.endpoint.value("pain_nrs", at=10)
    tr = en.Trial({"a": sc, "b": sc}, n_per_arm={"a": 7, "b": 10}, endpoints=[ep],
                  strata={"sex": {"female": 0.5, "male": 0.5},
                          "age": {30: 0.3, 60: 0.7}})
    res = tr.run(replicates=3, seed=1)
    # cells: (F,30) .15, (F,60) .35, (M,30) .15, (M,60) .35 of n, largest remainders
    for arm, n, cells in (("a", 7, {("female", 30): 1, ("female", 60): 3,
                                    ("male", 30): 1, ("male", 60): 2}),
                          ("b", 10, {("female", 30): 2, ("female", 60): 3,
                                     ("male", 30): 2, ("male", 60): 3})):
        sex, age = res.covariates[arm]["sex"], res.covariates[arm]["age"]
        for r in range(3):
            got = {}
            for s_, a_ in zip(sex[r], age[r]):
                got[(s_, int(a_))] = got.get((s_, int(a_)), 0) + 1
            assert got == cells, (arm, got)
    with pytest.raises(ValueError, match="stratification by condition is not supported"):
        en.Trial({"a": sc, "b": sc}, n_per_arm=4, endpoints=[ep],
                 strata={"condition": {"healthy": 1.0}})
    with pytest.raises(ValueError, match=r"strata\['sex'\]: fractions must sum to 1"):
        en.Trial({"a": sc, "b": sc}, n_per_arm=4, endpoints=[ep],
                 strata={"sex": {"female": 0.5}})
    with pytest.raises(ValueError, match="unknown covariate 'height'"):
        en.Trial({"a": sc, "b": sc}, n_per_arm=4, endpoints=[ep],
                 strata={"height": {170: 1.0}})


# ---------------------------------------------------------------- results and plots
def test_to_xarray_holds_the_estimates_and_values():
    sc0, sc1 = _pain_arm(0, 60), _pain_arm(2, 60)
    fine = en.PRO("pain_nrs", sd=3, low=-1e6, high=1e6, resolution=1e-9)
    eps = [en.endpoint.value("pain_nrs", at=30, instrument=fine),
           en.endpoint.time_to_event("pain_nrs", 3, below=False, start=10, at=60,
                                     every=10, instrument=fine)]
    res = en.Trial({"c": sc0, "t": sc1, "u": sc1}, n_per_arm={"c": 4, "t": 6, "u": 5},
                   endpoints=eps).run(replicates=3, seed=4)
    ds = res.to_xarray()
    assert ds["effect"].dims == ("comparison", "endpoint", "replicate")
    assert ds["value"].dims == ("arm", "endpoint", "replicate", "subject")
    est = res.estimates
    for _, row in est.iterrows():
        got = ds["p_value"].sel(comparison=row["comparison"], endpoint=row["endpoint"],
                                replicate=row["replicate"]).item()
        assert got == row["p_value"] or (np.isnan(got) and np.isnan(row["p_value"]))
    np.testing.assert_array_equal(ds["value"].sel(arm="t", endpoint=eps[0].name)
                                  .values[:, :6], res.values["t"][eps[0].name])
    assert np.isnan(ds["value"].sel(arm="c").values[..., 4:]).all()   # padding
    np.testing.assert_array_equal(ds["event"].sel(arm="u", endpoint=eps[1].name)
                                  .values[:, :5], res.events["u"][eps[1].name])
    assert list(ds["analysis"].values) == ["ttest", "logrank"]
    assert list(ds["n_per_arm"].values) == [4, 6, 5]


def test_sample_size_curve_and_trial_plots():
    pytest.importorskip("matplotlib")
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fine = en.PRO("pain_nrs", sd=2, low=-1e6, high=1e6, resolution=1e-9)
    ep = en.endpoint.value("pain_nrs", at=30, instrument=fine)
    tr = en.Trial({"c": _pain_arm(0, 60), "t": _pain_arm(2, 60)}, n_per_arm=5,
                  endpoints=[ep])
    n, curve = en.sample_size(tr, power=0.5, n_range=(2, 20), replicates=150, seed=2,
                              return_curve=True)
    assert n == en.sample_size(tr, power=0.5, n_range=(2, 20), replicates=150, seed=2)
    assert curve.loc[n] >= 0.5 and curve.loc[n - 1] < 0.5
    assert curve.index.min() == 2 and curve.index.max() == 20 and len(curve) >= 15
    # each point is the power of the first n subjects of the same replicates
    res = tr.run(replicates=150, seed=2)
    small = en.Trial(tr.arms, n_per_arm=20, endpoints=[ep]).run(replicates=150, seed=2)
    assert curve.loc[20] == small.power(0.05)[ep.name]
    ax = en.plot.power_curve(curve)
    line = [ln for ln in ax.lines if ln.get_label() == "simulated power"][0]
    np.testing.assert_array_equal(line.get_xdata(), curve.index.to_numpy())
    np.testing.assert_array_equal(line.get_ydata(), curve.to_numpy())
    plt.close("all")
    # effects: the mean line sits at the mean effect
    ax = en.plot.effects(res, ep.name, truth=1.0)
    mean_line = [ln for ln in ax.lines if ln.get_label().startswith("mean")][0]
    assert mean_line.get_xdata()[0] == pytest.approx(res.estimates["effect"].mean())
    plt.close("all")
    # Kaplan-Meier by hand: times 1, 2, 2, 3+, 4; at 1: 1 of 5 -> 4/5; at 2: 2 of the 4
    # at risk -> 4/5 x 1/2; at 4: 1 of 1 -> 0
    u, s = en.plot.kaplan_meier([1, 2, 2, 3, 4, np.nan], [1, 1, 1, 0, 1, 1])
    np.testing.assert_array_equal(u, [1, 2, 4])
    np.testing.assert_allclose(s, [0.8, 0.4, 0.0])
    tte = en.endpoint.time_to_event("pain_nrs", 3, below=False, start=10, at=60,
                                    every=10, instrument=fine)
    r2 = en.Trial(tr.arms, n_per_arm=5, endpoints=[tte]).run(replicates=4, seed=1)
    ax = en.plot.arms(r2, 0)
    km_c = en.plot.kaplan_meier(r2.values["c"][tte.name], r2.events["c"][tte.name])
    np.testing.assert_allclose(ax.lines[0].get_ydata()[1:], km_c[1])
    plt.close("all")
    ax = en.plot.arms(res)
    assert len(ax.get_xticklabels()) == 2
    plt.close("all")
    with pytest.raises(TypeError, match="tr must be an endorphin TrialResult"):
        en.plot.effects("no")
    with pytest.raises(ValueError, match="comparison must be"):
        en.plot.effects(res, comparison=3)
    with pytest.raises(ValueError, match="endpoint must be"):
        en.plot.arms(res, "nope")
    with pytest.raises(TypeError, match="curve must be a power curve"):
        en.plot.power_curve(3)
    with pytest.raises(TypeError, match="return_curve must be True or False"):
        en.sample_size(tr, power=0.5, n_range=(2, 4), replicates=5, return_curve=1)
    plt.close("all")


def test_new_draws_do_not_depend_on_threads_chunks_or_count():
    arm = lambda po: en.Scenario(population=en.Population(  # noqa: E731
        1, variability=0.5, pain_ongoing=po,
        covariates={"body_weight": en.Normal(70, 10, low=40, high=120)}), t_end=60, dt=10)
    eps = [en.endpoint.value("pain_nrs", at=10, instrument=en.PRO.nrs()),
           en.endpoint.time_to_event("pain_nrs", 3, start=10, at=60, every=10,
                                     instrument=en.PRO.nrs())]
    tr = en.Trial({"c": arm(1), "t": arm(2)}, n_per_arm=5, endpoints=eps,
                  dropout=en.dropout(0.3, "pain_nrs", per_unit=0.3, center=3,
                                     instrument=en.PRO.nrs()),
                  visits=[0, 20, 40, 60], strata={"sex": {"female": 0.4, "male": 0.6}})
    kw = dict(seed=6, uncertainty={"pain_ongoing": 0.3})
    a = tr.run(replicates=4, threads=1, **kw)
    b = tr.run(replicates=4, threads=2, **kw)
    c = tr.run(replicates=2, **kw)
    runs = [b, c]
    if pytest.importorskip("dask"):
        runs.append(tr.run(replicates=4, chunks=7, **kw))
    for other in runs:
        k = other.replicates
        for arm_ in ("c", "t"):
            for e in eps:
                np.testing.assert_array_equal(a.values[arm_][e.name][:k],
                                              other.values[arm_][e.name])
            np.testing.assert_array_equal(a.events[arm_][eps[1].name][:k],
                                          other.events[arm_][eps[1].name])
            np.testing.assert_array_equal(a.covariates[arm_]["body_weight"][:k],
                                          other.covariates[arm_]["body_weight"])
    assert (a.covariates["c"]["sex"] == "female").sum(axis=1).tolist() == [2] * 4


def test_logrank_type_i_error_with_identical_arms():
    R, n, SD = 1000, 15, 3.0
    fine = en.PRO("pain_nrs", sd=SD, low=-1e6, high=1e6, resolution=1e-9)
    sc = _pain_arm(2, 60)
    ep = en.endpoint.time_to_event("pain_nrs", 5, below=False, start=10, at=60, every=5,
                                   instrument=fine)
    res = en.Trial({"a": sc, "b": sc}, n_per_arm=n, endpoints=[ep]).run(replicates=R,
                                                                         seed=30)
    assert 0.2 < np.nanmean(res.events["a"][ep.name]) < 0.9       # events and censoring
    # the chi-square approximation with 15 a arm and 11 tied visit times rejects about
    # 6 % (0.061 in 5,000 replicates of another seed): within the MC band of alpha
    p = res.power(0.05)[ep.name]
    assert abs(p - 0.05) <= 3.5 * np.sqrt(0.05 * 0.95 / R)
