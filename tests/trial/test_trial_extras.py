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
