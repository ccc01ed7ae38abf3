"""endorphin.design.detection / detection_search against independent references.

* The vectorised paired t and Wilcoxon signed-rank tests against scipy.stats, study by
  study (missing values, ties, zeros, small and large samples).
* With no pulses, no rhythm, no between-subject variability and an assay with only
  additive normal noise of SD ``s`` (no CV), every subject's paired difference is
  ``N(delta, 2 s^2)``; the power of the two-sided paired t-test is then the noncentral
  t formula written below with scipy.stats.nct.  ``delta`` comes from a plain
  simulation of the scenario (Scenario.simulate), not from the detection code.
"""
import importlib

import numpy as np
import pytest

import endorphin as en

# the module (the package attribute `detection` is the function)
det = importlib.import_module("endorphin.design.detection")

stats = pytest.importorskip("scipy.stats")

BOUT = en.Exercise(intensity=0.8, start=30, duration=30)
OUT = "plasma_beta_endorphin"


def _flat_scenario():
    """No pulses, no rhythm, identical subjects."""
    return en.Scenario(BOUT, population=en.Subject(seed=1), t_end=240, pulses=False,
                       circadian=False)


def _noise_only(sd):
    return en.Assay(OUT, cv=0.0, floor=sd, lloq=0.0)


def _truth(sc, times):
    res = sc.simulate(outputs=[OUT])
    return np.interp(times, res.time, res[OUT][0])


def _power_formula(delta, sd_d, n, alpha=0.05):
    """Two-sided paired t-test power: T ~ noncentral t(n - 1, delta sqrt(n) / sd_d)."""
    df, nc = n - 1, delta * np.sqrt(n) / sd_d
    tc = stats.t.ppf(1 - alpha / 2, df)
    return stats.nct.sf(tc, df, nc) + stats.nct.cdf(-tc, df, nc)


# -- the tests, vectorised, against scipy --------------------------------------------------
def _rows():
    rng = np.random.default_rng(7)
    rows = []
    for k in (2, 3, 5, 8, 12, 20, 49, 50, 51, 80):
        for shift in (0.0, 0.4, -0.7):
            rows.append(rng.normal(shift, 1.0, 80)[:k].tolist() + [np.nan] * (80 - k))
    a = np.array(rows)
    # rows 3 k + j: k = 2, 3, 5, 8, 12, 20, 49, 50, 51, 80
    a[13, :4] = np.nan                             # missing values inside a row
    a[16, :3] = 0.0                                # zero differences (dropped)
    a[10, :6] = np.round(a[10, :6], 1)             # ties in |d|
    a[9, :4] = [0.5, -0.5, 0.5, 1.5]               # ties with opposite signs
    a[20, :10] = np.round(a[20, :10])              # ties and zeros, k = 49
    a[29, :] = np.round(a[29, :], 1)               # many ties, k = 80
    return a


@pytest.mark.parametrize("alternative", ["two-sided", "greater", "less"])
def test_paired_t_matches_scipy(alternative):
    a = _rows()
    p = det.paired_t(a, alternative)
    for i, row in enumerate(a):
        x = row[np.isfinite(row)]
        ref = stats.ttest_1samp(x, 0.0, alternative=alternative).pvalue
        assert p[i] == pytest.approx(ref, rel=1e-10, abs=1e-14), i


@pytest.mark.parametrize("alternative", ["two-sided", "greater", "less"])
def test_wilcoxon_matches_scipy(alternative):
    a = _rows()
    p = det.wilcoxon(a, alternative)
    n_exact = 0
    for i, row in enumerate(a):
        x = row[np.isfinite(row)]
        nz = np.abs(x[x != 0])
        exact = nz.size <= 50 and np.unique(nz).size == nz.size
        n_exact += exact
        ref = stats.wilcoxon(x, zero_method="wilcox", correction=False,
                             alternative=alternative,
                             method="exact" if exact else "asymptotic").pvalue
        assert p[i] == pytest.approx(ref, rel=1e-9, abs=1e-14), (i, exact)
    assert 5 < n_exact < len(a)              # both branches were exercised


def test_degenerate_studies():
    d = np.array([[1.0, np.nan, np.nan], [2.0, 2.0, 2.0], [0.0, 0.0, 0.0],
                  [2.0, 3.0, 2.5]])
    p = det.paired_t(d)
    assert np.isnan(p[0]) and p[1] == 0.0 and p[2] == 1.0
    w = det.wilcoxon(d)
    assert w[0] == 1.0 and np.isnan(w[2])
    assert w[3] == pytest.approx(0.25)          # exact: W+ = 6 of 0..6, P = 2 / 8
    # three tied ranks 2, 2, 2: normal approximation with the tie correction,
    # var = (3*4*7 - (3^3 - 3) / 2) / 24 = 3
    assert w[1] == pytest.approx(2 * stats.norm.sf((6 - 3) / np.sqrt(3.0)))


# -- power against the noncentral t formula -------------------------------------------
def test_power_matches_noncentral_t():
    sc = _flat_scenario()
    times = np.array([0.0, 180.0])
    base, late = _truth(sc, times)
    delta = late - base
    assert 0.5 < delta < 2.0
    sd = delta / 2.0                       # effect size delta / (sqrt(2) sd) = 1.41
    assert base > 5.0 * sd                 # P(a reading < 0, censored) < 3e-7
    for n in (4, 7):
        d = en.design.detection(sc, times=times, assay=_noise_only(sd), n=n,
                                studies=2000, seed=11)
        ref = _power_formula(delta, np.sqrt(2.0) * sd, n)
        mc_se = np.sqrt(ref * (1 - ref) / 2000)
        assert abs(d.power - ref) < 4.0 * mc_se, (n, d.power, ref)
        assert d.true_difference == pytest.approx(delta, rel=1e-3)
        # the per-study mean differences: N(delta, 2 sd^2 / n)
        assert d.difference.mean() == pytest.approx(delta, abs=4 * sd * np.sqrt(2 / n / 2000))
        assert d.difference.std() == pytest.approx(np.sqrt(2 / n) * sd, rel=0.06)
        assert d.censored == 0.0 and (d.n_analysed == n).all()


def test_power_grows_with_n_and_falls_with_noise():
    sc = _flat_scenario()
    times = [0.0, 180.0]
    df = en.design.detection_search(sc, candidates=[times], n=[3, 5, 8],
                                    assay=_noise_only(0.6), studies=800, seed=2)
    p = df.set_index("n")["power"]
    assert p[3] < p[5] < p[8]
    noisy = en.design.detection(sc, times=times, n=5, assay=_noise_only(1.2),
                                studies=800, seed=2)
    assert noisy.power < p[5] - 0.1


# -- search, reproducibility ----------------------------------------------------------
def test_search_equals_detection_per_schedule():
    sc = en.Scenario(BOUT, population=en.Population(10, seed=3), t_end=180)
    cands = {"early": [0.0, 65.0, 75.0], "late": [15.0, 120.0, 180.0]}
    df = en.design.detection_search(sc, candidates=cands, n=[3, 5], studies=60, seed=5,
                                    test="wilcoxon", alternative="greater")
    assert len(df) == 4 and list(df["power"]) == sorted(df["power"], reverse=True)
    for _, row in df.iterrows():
        d = en.design.detection(sc, times=cands[row["schedule"]], n=row["n"], studies=60,
                                seed=5, test="wilcoxon", alternative="greater")
        assert d.power == row["power"]
        assert d.true_difference == pytest.approx(row["true_difference"], rel=1e-6)
        assert tuple(d.peak) == row["peak"] and tuple(d.baseline) == row["baseline"]


def test_reproducible_by_seed():
    sc = en.Scenario(BOUT, population=en.Population(10, seed=3), t_end=180)
    a = en.design.detection(sc, times=[0, 65, 120], n=4, studies=40, seed=9)
    b = en.design.detection(sc, times=[0, 65, 120], n=4, studies=40, seed=9)
    c = en.design.detection(sc, times=[0, 65, 120], n=4, studies=40, seed=10)
    np.testing.assert_array_equal(a.p_values, b.p_values)
    assert not np.array_equal(a.p_values, c.p_values)
    assert tuple(a.baseline) == (0.0,) and tuple(a.peak) == (65.0,)


def test_grid_search():
    sc = _flat_scenario()
    df = en.design.detection_search(sc, grid=[0, 20, 65, 150, 240], n_samples=2,
                                    baseline=[0], assay=_noise_only(0.6), n=4, studies=100)
    # schedules: 0 with each later time; the sample 5 min after the bout wins
    assert len(df) == 4 and df["times"].iloc[0] == (0.0, 65.0)


# -- bad input --------------------------------------------------------------------------
@pytest.mark.parametrize("kwargs, match", [
    (dict(times=[0, 300]), "within the scenario"),
    (dict(times=[0, 0, 60]), "distinct"),
    (dict(n=1), "n must be >= 2"),
    (dict(test="anova"), "test"),
    (dict(alternative="bigger"), "alternative"),
    (dict(censored="zero"), "censored"),
    (dict(alpha=1.0), "alpha"),
    (dict(baseline=[5]), "not sampling times"),
    (dict(times=[40, 65]), "no sample at or before"),
    (dict(peak=[0], baseline=[0]), "share"),
    (dict(output="plasma_acth", assay=en.Assay.plasma()), "not what the assay reads"),
    (dict(output="plasma_betaendorphin"), "plasma_beta_endorphin"),
])
def test_bad_input(kwargs, match):
    sc = _flat_scenario()
    args = dict(times=[0, 65], n=3, studies=5)
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        en.design.detection(sc, **args)


def test_bad_input_search():
    sc = _flat_scenario()
    with pytest.raises(ValueError, match="candidates is empty"):
        en.design.detection_search(sc, candidates=[])
    with pytest.raises(ValueError, match="not both"):
        en.design.detection_search(sc, candidates=[[0, 65]], grid=[0, 65], n_samples=2)
    with pytest.raises(ValueError, match="candidates"):
        en.design.detection_search(sc, candidates=[[0, 500]])
    with pytest.raises(TypeError, match="scenario"):
        en.design.detection("scenario", times=[0, 65])
    with pytest.raises(TypeError, match="assay"):
        en.design.detection(sc, times=[0, 65], assay="plasma")
    rest = en.Scenario(t_end=120, pulses=False)
    with pytest.raises(ValueError, match="no stimulus or dose"):
        en.design.detection(rest, times=[0, 65], studies=5)
