"""endorphin.measurement: immunoassays and patient-reported outcomes.

References:
* the error model documented in the module (docs/model.md): measured =
  c (1 + cv z1) + floor z2, z from Philox(SeedSequence(seed,
  spawn_key=(subject, purpose))); values below the LLOQ are censored;
* beta-endorphin 3465 g/mol, so 1 pmol/L = 3.465 pg/mL exactly (docs/model.md
  section 7 target 1); ACTH 4541 g/mol; cortisol 362.46 g/mol (1 ug/dL =
  27.59 nmol/L);
* beta-lipotropin is equimolar with ACTH in POMC (Liotta 1978), so a
  cross-reacting RIA reads plasma beta-endorphin + xr x ACTH;
* the NRS is an integer 0-10 scale (Farrar 2001), the VAS 0-100 mm;
  rounding a continuous rating adds variance 1/12 (uniform rounding error).
"""
import numpy as np
import pytest

from endorphin.measurement import PRO, Assay, convert, interpolate, sample
from endorphin.scenario import Dose, Exercise, Pain, Population, Scenario

REST = 4.34                   # pmol/L, bend_plasma_base (Goldfarb 1990)


@pytest.fixture(scope="module")
def flat():
    """300 identical subjects at exact rest (no rhythm, no pulses): plasma 4.34."""
    sc = Scenario(population=Population(300, seed=5, variability=0.0), t_end=1440, dt=10,
                  circadian=False, pulses=False)
    return sc.simulate(outputs=["plasma_beta_endorphin", "plasma_acth", "pain_nrs", "mood"])


@pytest.fixture(scope="module")
def bout():
    """A population cycling at 80 % VO2max with pain, rhythm and pulses on."""
    sc = Scenario(Exercise(0.8, start=30, duration=30) + Pain(7, start=0, duration=240),
                  population=Population(200, seed=11), t_end=240, dt=5)
    return sc.simulate(outputs=["plasma_beta_endorphin", "plasma_acth", "pain_nrs",
                                "mood", "plasma_cortisol"])


def test_noise_cv_recovered(flat):
    times = flat.t
    np.testing.assert_allclose(flat["plasma_beta_endorphin"], REST, rtol=1e-12)
    pure = flat.sample(times, Assay("plasma_beta_endorphin", cv=0.10, floor=0.0, lloq=0.0))
    v = pure["value"].to_numpy()
    assert v.size == 300 * times.size
    assert v.mean() == pytest.approx(REST, rel=0.003)
    assert v.std() / v.mean() == pytest.approx(0.10, rel=0.03)
    # CV plus additive floor: SD = sqrt((cv c)^2 + floor^2)
    mixed = flat.sample(times, Assay("plasma_beta_endorphin", cv=0.05, floor=0.5, lloq=0.0))
    assert mixed["value"].std() == pytest.approx(np.hypot(0.05 * REST, 0.5), rel=0.03)
    # the default plasma assay: CV 0.08, floor 0.3 pmol/L
    dflt = flat.sample(times, Assay.plasma())
    assert dflt["value"].std() == pytest.approx(np.hypot(0.08 * REST, 0.3), rel=0.03)
    # independent across times and subjects
    r = (pure["value"].to_numpy().reshape(300, -1) - REST)
    assert abs(np.corrcoef(r[:, :-1].ravel(), r[:, 1:].ravel())[0, 1]) < 0.03
    assert abs(np.corrcoef(r[:-1].ravel(), r[1:].ravel())[0, 1]) < 0.03


def test_keyed_streams_reproduce_the_documented_draws(flat):
    assay = Assay("plasma_beta_endorphin", cv=0.1, floor=0.2, lloq=0.0, purpose=123)
    times = [0.0, 60.0, 120.0]
    df = flat.sample(times, assay, seed=42)
    for s in (0, 7, 299):
        g = np.random.Generator(np.random.Philox(np.random.SeedSequence(42,
                                                                       spawn_key=(s, 123))))
        z = g.standard_normal((2, 3))
        expected = REST * (1 + 0.1 * z[0]) + 0.2 * z[1]
        np.testing.assert_allclose(df.loc[df.subject == s, "value"], expected, rtol=1e-12)


def test_reproducible_by_seed(bout):
    times = [0, 30, 60, 90, 120]
    a = bout.sample(times, Assay.plasma())
    b = bout.sample(times, Assay.plasma())
    assert a.equals(b)
    # the default seed is the population's
    assert a.equals(bout.sample(times, Assay.plasma(), seed=bout.provenance["seed"]))
    c = bout.sample(times, Assay.plasma(), seed=12)
    assert not np.array_equal(a["value"], c["value"])
    np.testing.assert_array_equal(a["true_value"], c["true_value"])
    # keyed by subject: the first 50 subjects of a population of 200 are the
    # population of 50, noise included
    small = Scenario(Exercise(0.8, start=30, duration=30) + Pain(7, start=0, duration=240),
                     population=Population(50, seed=11), t_end=240, dt=5).simulate(
        outputs=["plasma_beta_endorphin", "plasma_acth"])
    s = small.sample(times, Assay.plasma())
    np.testing.assert_array_equal(s["value"], a["value"][:50 * len(times)])
    # different assays draw independent noise
    pl = bout.sample(bout.t, Assay("plasma_beta_endorphin", 0.1, 0.0, 0.0, purpose=16))
    ac = bout.sample(bout.t, Assay("plasma_acth", 0.1, 0.0, 0.0, purpose=18))
    e1 = pl["value"] / pl["true_value"] - 1
    e2 = ac["value"] / ac["true_value"] - 1
    assert abs(np.corrcoef(e1, e2)[0, 1]) < 0.03


def test_tidy_table(bout):
    df = bout.sample([0, 60, 120], Assay.plasma())
    assert list(df.columns) == ["subject", "time", "assay", "value", "unit", "censored",
                                "lloq", "true_value"]
    assert len(df) == 200 * 3
    assert df["subject"].tolist()[:4] == [0, 0, 0, 1]
    assert df["time"].tolist()[:4] == [0.0, 60.0, 120.0, 0.0]
    assert set(df["unit"]) == {"pmol/L"} and df["censored"].dtype == bool
    np.testing.assert_array_equal(
        df["true_value"].to_numpy().reshape(200, 3),
        bout["plasma_beta_endorphin"][:, [0, 12, 24]])


def test_lloq_censoring_is_flagged():
    res = Scenario(Exercise(0.8, start=30, duration=30), t_end=180, dt=5, circadian=False,
                   pulses=False).simulate(outputs=["plasma_beta_endorphin"])
    true = res["plasma_beta_endorphin"][0]
    assert true.min() < 10.0 < true.max()
    exact = res.sample(res.t, Assay("plasma_beta_endorphin", cv=0.0, floor=0.0, lloq=10.0))
    np.testing.assert_array_equal(exact["censored"], true < 10.0)
    assert exact.loc[exact.censored, "value"].isna().all()
    np.testing.assert_array_equal(exact.loc[~exact.censored, "value"], true[true >= 10.0])
    assert (exact["lloq"] == 10.0).all()
    # with noise at an LLOQ equal to the true level, about half are censored,
    # and exactly those are NaN
    flat = Scenario(population=Population(200, seed=1, variability=0.0), t_end=100, dt=10,
                    circadian=False, pulses=False).simulate(outputs=["plasma_beta_endorphin"])
    noisy = flat.sample(flat.t, Assay.plasma(lloq=REST))
    assert noisy["censored"].mean() == pytest.approx(0.5, abs=0.04)
    np.testing.assert_array_equal(noisy["censored"], noisy["value"].isna())
    assert (noisy.loc[~noisy.censored, "value"] >= REST).all()


def test_unit_conversion_is_exact(bout):
    assert convert(1.0, "pmol/L", "pg/mL") == 3.465
    assert convert(3.465, "pg/mL", "pmol/L") == 1.0
    x = np.array([0.5, 4.34, 21.9])
    np.testing.assert_array_equal(convert(x, "pmol/L", "pg/mL"), x * 3.465)
    assert convert(4.34, "pmol/L", "ng/L") == 4.34 * 3.465
    assert round(convert(4.34, "pmol/L", "pg/mL"), 1) == 15.0        # "about 15 pg/mL"
    assert convert(1.0, "pmol/L", "pg/mL", "acth") == 4.541
    assert convert(1.0, "ug/dL", "nmol/L", "cortisol") == pytest.approx(10000 / 362.46,
                                                                       rel=1e-12)
    assert convert(10.0, "pg/mL", "ng/L", "acth") == pytest.approx(10.0, rel=1e-15)
    with pytest.raises(ValueError, match="to_unit"):
        convert(1.0, "pmol/L", "mg/dL")
    with pytest.raises(ValueError, match="analyte"):
        convert(1.0, "pmol/L", "pg/mL", "oxytocin")
    # a sampled table in pg/mL is 3.465 x the same samples in pmol/L, exactly
    times = [0, 30, 60, 65, 90]
    pmol = bout.sample(times, Assay.plasma())
    pg = bout.sample(times, Assay.plasma(unit="pg/mL"))
    np.testing.assert_array_equal(pg["value"], pmol["value"] * 3.465)
    np.testing.assert_array_equal(pg["true_value"], pmol["true_value"] * 3.465)
    np.testing.assert_array_equal(pg["censored"], pmol["censored"])
    assert set(pg["unit"]) == {"pg/mL"} and pg["lloq"].iloc[0] == 3.465
    cort = bout.sample(times, Assay.cortisol(unit="ug/dL"))
    np.testing.assert_allclose(cort["true_value"],
                               bout.sample(times, Assay.cortisol())["true_value"]
                               * 362.46 / 10000, rtol=1e-12)


def test_beta_lipotropin_cross_reactivity(bout):
    times = bout.t
    idx = np.arange(times.size)
    base = bout["plasma_beta_endorphin"][:, idx]
    acth = bout["plasma_acth"][:, idx]
    for xr, ratio in ((0.3, 1.0), (0.05, 2.0)):
        df = bout.sample(times, Assay.plasma(cv=0.0, floor=0.0, lloq=0.0,
                                             cross_reactivity=xr, lph_per_acth=ratio))
        np.testing.assert_allclose(df["value"].to_numpy().reshape(base.shape),
                                   base + xr * ratio * acth, rtol=1e-12)
        # true_value stays the authentic beta-endorphin
        np.testing.assert_array_equal(df["true_value"].to_numpy().reshape(base.shape), base)


def test_nrs_vas_and_mood(bout, flat):
    true = bout["pain_nrs"]
    assert 2.0 < true.min() and true.max() < 7.0 + 1e-9
    nrs = bout.sample(bout.t, PRO.nrs())
    assert np.issubdtype(nrs["value"].dtype, np.integer)
    assert nrs["value"].between(0, 10).all()
    d = nrs["value"] - nrs["true_value"]
    assert d.mean() == pytest.approx(0.0, abs=0.03)
    # rater noise 0.5 points plus rounding (variance 1/12)
    assert d.std() == pytest.approx(np.sqrt(0.25 + 1 / 12), rel=0.03)
    exact = bout.sample(bout.t, PRO.nrs(sd=0.0))
    np.testing.assert_array_equal(exact["value"], np.round(exact["true_value"]))
    vas = bout.sample(bout.t, PRO.vas(sd=0.0))
    assert np.issubdtype(vas["value"].dtype, np.integer) and set(vas["unit"]) == {"mm"}
    np.testing.assert_array_equal(vas["value"], np.round(10 * vas["true_value"]))
    noisy_vas = bout.sample(bout.t, PRO.vas())
    assert noisy_vas["value"].between(0, 100).all()
    # extreme ratings stay on the scale
    clipped = bout.sample(bout.t, PRO("pain_nrs", sd=20.0))
    assert clipped["value"].between(0, 10).all() and set(clipped["value"]) >= {0, 10}
    # mood scale: 50 mm at the subject's rest
    mood = flat.sample(flat.t, PRO.mood(sd=0.0))
    assert (mood["value"] == 50).all()
    assert (bout.sample(bout.t, PRO.mood())["value"].between(0, 100)).all()
    assert not nrs["censored"].any() and nrs["lloq"].isna().all()


def test_interpolation_between_grid_points(bout):
    df = bout.sample([2.5, 5.0, 237.5], Assay("plasma_beta_endorphin", 0.0, 0.0, 0.0))
    y = bout["plasma_beta_endorphin"]
    got = df["true_value"].to_numpy().reshape(200, 3)
    np.testing.assert_allclose(got[:, 0], (y[:, 0] + y[:, 1]) / 2, rtol=1e-14)
    np.testing.assert_array_equal(got[:, 1], y[:, 1])
    np.testing.assert_allclose(got[:, 2], (y[:, -2] + y[:, -1]) / 2, rtol=1e-14)
    t = np.array([0.0, 10.0])
    np.testing.assert_array_equal(interpolate(t, np.array([[1.0, 3.0]]),
                                              np.array([0.0, 2.5, 10.0])), [[1.0, 1.5, 3.0]])


def test_a_dose_at_a_sampling_time_is_seen():
    res = Scenario(doses=Dose("beta_endorphin", 1.0, time=30.0), t_end=60, dt=10,
                   circadian=False, pulses=False).simulate(outputs=["plasma_beta_endorphin"])
    df = res.sample([20.0, 30.0], Assay("plasma_beta_endorphin", 0.0, 0.0, 0.0))
    assert df["value"].iloc[0] == pytest.approx(REST)
    assert df["value"].iloc[1] > 1000.0


BAD = [
    (lambda r: r.sample([-1.0]), ValueError, "times"),
    (lambda r: r.sample([1e6]), ValueError, "times"),
    (lambda r: r.sample([float("nan")]), ValueError, "times"),
    (lambda r: r.sample([]), ValueError, "times"),
    (lambda r: r.sample(["noon"]), TypeError, "times"),
    (lambda r: r.sample([0.0], assay="plasma"), TypeError, "assay"),
    (lambda r: r.sample([0.0], Assay.csf()), ValueError, "csf_beta_endorphin"),
    (lambda r: r.sample([0.0], seed=-1), ValueError, "seed"),
    (lambda r: Assay("plasma_beta_endorphin", cv=-0.1, floor=0, lloq=0), ValueError, "cv"),
    (lambda r: Assay("plasma_beta_endorphin", cv=0.1, floor=-1, lloq=0), ValueError,
     "floor"),
    (lambda r: Assay("plasma_beta_endorphin", cv=0.1, floor=0, lloq=float("nan")),
     ValueError, "lloq"),
    (lambda r: Assay.plasma(unit="g/L"), ValueError, "unit"),
    (lambda r: Assay.plasma(cross_reactivity=1.5), ValueError, "cross_reactivity"),
    (lambda r: Assay("plasma_beta_endorphin", 0.1, 0, 0, cross_reactivity=0.1), ValueError,
     "cross_output"),
    (lambda r: PRO.nrs(sd=-1), ValueError, "sd"),
    (lambda r: PRO("pain_nrs", sd=1.0, low=10, high=0), ValueError, "high"),
]


@pytest.fixture(scope="module")
def small():
    return Scenario(t_end=60, dt=10).simulate(outputs=["plasma_beta_endorphin", "plasma_acth"])


@pytest.mark.parametrize("call, exc, pattern", BAD, ids=range(len(BAD)))
def test_bad_input(small, call, exc, pattern):
    with pytest.raises(exc, match=pattern):
        call(small)


def test_sample_function_equals_method(bout):
    a = sample(bout, [0, 60], Assay.acth(), seed=4)
    b = bout.sample([0, 60], Assay.acth(), seed=4)
    assert a.equals(b)


def test_module_doctests():
    import doctest

    from endorphin import measurement
    res = doctest.testmod(measurement, optionflags=doctest.ELLIPSIS
                          | doctest.NORMALIZE_WHITESPACE)
    assert res.attempted >= 2 and res.failed == 0
