"""Between-subject variability of drug PK (issue 27, item 4).

The issue: 200 subjects given 10 mg IV morphine all had 106.893 nmol/L at +30 min.
Now each subject's clearance, volumes, ka and F are drawn log-normal (F logit-normal)
around the drug table's typical values with the drug's CVs, scaled with body weight
where the drug's source does so.  The references here are independent of the code
under test: the published means and SDs (Stuart-Harris 2000: CL 1584 +- 408 mL/min,
V 276 +- 72 L), hand-written closed forms of the one- and three-compartment
solutions (a NumPy eigen-decomposition, not endorphin.drugs.concentration), and the
allometric rule (WT/70)^0.75.
"""
import math

import numpy as np
import pytest

import endorphin as en
from endorphin import drugs
from endorphin.scenario import drug_plan

MW_MORPHINE = 285.343            # g/mol, C17H19NO3
DOSE_NMOL = 10e-3 / MW_MORPHINE * 1e9     # 10 mg in nmol


def morphine_iv(population, t_end=60.0, dt=10.0, outputs=("morphine_plasma",)):
    sc = en.Scenario(doses=en.Dose("morphine", 10, unit="mg", route="iv", time=0),
                     population=population, t_end=t_end, dt=dt)
    return sc.simulate(outputs=list(outputs))


@pytest.fixture(scope="module")
def issue_run():
    pop = en.Population(200, seed=1)
    return pop, morphine_iv(pop)


def at(res, name, t):
    j = int(np.flatnonzero(np.isclose(res.t, t))[0])
    return res[name][:, j]


# -- the issue's case ----------------------------------------------------------------
def test_issue_case_200_subjects_spread_at_30_min(issue_run):
    pop, res = issue_run
    c30 = at(res, "morphine_plasma", 30.0)
    # before: every subject 106.893 nmol/L
    assert np.unique(np.round(c30, 6)).size == 200
    assert np.std(c30) / np.mean(c30) > 0.15
    # the typical subject by hand: D / V exp(-CL/V t), V 276 L, CL 1.584 L/min
    typical = DOSE_NMOL / 276.0 * math.exp(-1.584 / 276.0 * 30.0)
    assert typical == pytest.approx(106.893, abs=1e-3)
    # the median concentration is near the typical subject's (log SD about 0.27:
    # the standard error of a median of 200 is about 1.25 x 0.27 / sqrt(200) = 2.4 %)
    assert np.median(c30) == pytest.approx(typical, rel=0.08)


def test_log_clearance_sd_matches_the_published_cv(issue_run):
    pop, _ = issue_run
    pk = pop.drug_parameters("morphine")
    for field, sd, mean in (("cl", 408.0, 1584.0), ("v1", 72.0, 276.0)):
        sigma = math.sqrt(math.log1p((sd / mean) ** 2))         # log-normal with that CV
        x = np.log(pk[field].to_numpy())
        se = sigma / math.sqrt(2 * (x.size - 1))                 # SE of a sample SD
        assert abs(np.std(x, ddof=1) - sigma) < 4 * se, (field, np.std(x, ddof=1), sigma)
        # median = the typical value (log-mean within 4 SE)
        typ = {"cl": 1.584, "v1": 276.0}[field]
        assert abs(x.mean() - math.log(typ)) < 4 * sigma / math.sqrt(x.size)
    # CL and V are drawn independently
    assert abs(np.corrcoef(np.log(pk.cl), np.log(pk.v1))[0, 1]) < 0.2


def test_each_subjects_curve_is_its_own_one_compartment_solution(issue_run):
    pop, res = issue_run
    pk = pop.drug_parameters("morphine")
    t = res.t
    for i in (0, 7, 199):
        cl, v = pk.cl.iloc[i], pk.v1.iloc[i]
        expect = DOSE_NMOL / v * np.exp(-cl / v * t)
        np.testing.assert_allclose(res["morphine_plasma"][i], expect, rtol=1e-4)


# -- switched off --------------------------------------------------------------------
def test_drug_variability_off_gives_the_typical_curve():
    pop = en.Population(50, seed=1, drug_variability=False)
    res = morphine_iv(pop, outputs=("morphine_plasma", "plasma_beta_endorphin"))
    typical = DOSE_NMOL / 276.0 * np.exp(-1.584 / 276.0 * res.t)
    np.testing.assert_allclose(res["morphine_plasma"], np.broadcast_to(typical, (50, typical.size)),
                               rtol=1e-4)
    # and equal to the typical subject's run (Subject: no variability at all)
    sub = morphine_iv(en.Subject(seed=1))
    np.testing.assert_allclose(res["morphine_plasma"], np.broadcast_to(
        sub["morphine_plasma"][0], (50, res.t.size)), rtol=1e-6)
    # physiology still varies
    assert np.std(res["plasma_beta_endorphin"][:, 0]) > 0
    # the parameters are exactly the drug table's
    pk = pop.drug_parameters("morphine")
    assert (pk.cl == 1.584).all() and (pk.v1 == 276.0).all()
    assert (pk.F_oral == drugs["morphine"].routes["oral"].F).all()
    # variability=0 switches drug PK off too (it scales every CV)
    pk0 = en.Population(5, seed=1, variability=0).drug_parameters("fentanyl")
    assert (pk0.cl == 0.632).all() and (pk0.v1 == 12.1).all()


def test_drug_variability_off_matches_the_old_engine_parameters_exactly():
    # the per-subject slot parameters of a typical subject are bitwise the table's
    pop = en.Population(4, seed=2, drug_variability=False)
    doses = [en.Dose("fentanyl", 100, "ug", route="intranasal"),
             en.Dose("naloxone", 0.4, "mg", route="im")]
    plan = drug_plan.plan(doses, 100.0, pop.body_weight, pk=pop.drug_pk)
    old = np.concatenate([drug_plan.slot_parameters(s.drug, s.ka) for s in plan.slots])
    assert plan.slot_params.shape == (4, old.size)
    assert (plan.slot_params == old).all()


def test_drug_variability_validates():
    with pytest.raises(TypeError, match="drug_variability"):
        en.Population(3, drug_variability="no")
    assert "drug_variability=False" in repr(en.Population(3, seed=1, drug_variability=False))
    assert en.Population(3, seed=1) != en.Population(3, seed=1, drug_variability=False)


# -- keyed draws ---------------------------------------------------------------------
def test_draws_do_not_depend_on_population_size_or_other_drugs():
    big = en.Population(300, seed=5).drug_parameters("morphine")
    small = en.Population(10, seed=5).drug_parameters("morphine")
    assert small.equals(big.iloc[:10])
    # the same subject gets the same morphine PK whatever else is dosed
    pop = en.Population(6, seed=5)
    alone = drug_plan.plan([en.Dose("morphine", 10, "mg", route="oral")], 100.0,
                           pop.body_weight, pk=pop.drug_pk)
    both = drug_plan.plan([en.Dose("fentanyl", 50, "ug", route="intranasal"),
                           en.Dose("morphine", 10, "mg", route="oral")], 100.0,
                          pop.body_weight, pk=pop.drug_pk)
    assert both.slots[1].drug.name == "morphine"
    assert (both.slot_params[:, 18:] == alone.slot_params).all()
    assert (both.bolus_nmol[:, 1] == alone.bolus_nmol[:, 0]).all()
    # chunks: subjects 100.. of a population drawn from 100 on equal the whole's
    pk = en.Population(300, seed=5).drug_pk("morphine", first=100, count=50)
    np.testing.assert_array_equal(pk["cl"], big.cl.to_numpy()[100:150])
    # a different seed, different draws
    assert not en.Population(10, seed=6).drug_parameters("morphine").equals(small)


def test_variability_scales_the_drug_cvs():
    half = np.log(en.Population(400, seed=3, variability=0.5)
                  .drug_parameters("fentanyl").cl.to_numpy())
    sigma = math.sqrt(math.log1p(0.15 ** 2))                    # CV 0.3 x 0.5
    assert abs(np.std(half, ddof=1) - sigma) < 4 * sigma / math.sqrt(2 * 399)


# -- absorption: ka and F reach the engine -------------------------------------------
def test_oral_ka_and_f_per_subject_against_the_bateman_function():
    pop = en.Population(6, seed=11)
    sc = en.Scenario(doses=en.Dose("morphine", 10, unit="mg", route="oral", time=0),
                     population=pop, t_end=240, dt=20)
    res = sc.simulate(outputs=["morphine_plasma"])
    pk = pop.drug_parameters("morphine")
    assert pk.ka_oral.nunique() == 6 and pk.F_oral.nunique() == 6
    assert ((pk.F_oral > 0) & (pk.F_oral < 1)).all()
    assert (pk.F_sc == 1.0).all()              # a typical F of 1 does not vary
    t = res.t
    for i in range(6):
        F, ka, cl, v = pk.F_oral.iloc[i], pk.ka_oral.iloc[i], pk.cl.iloc[i], pk.v1.iloc[i]
        k = cl / v
        expect = F * DOSE_NMOL * ka / (v * (ka - k)) * (np.exp(-k * t) - np.exp(-ka * t))
        np.testing.assert_allclose(res["morphine_plasma"][i], expect, rtol=1e-4,
                                   atol=1e-6)


def test_f_is_logit_normal_with_the_typical_median():
    F = en.Population(2000, seed=4).drug_parameters("morphine").F_oral.to_numpy()
    F0 = 0.239
    logit = np.log(F / (1 - F))
    assert np.median(F) == pytest.approx(F0, rel=0.05)
    sigma = math.sqrt(math.log1p((8.60 / 21.6) ** 2))  # Westerling 1993's CI -> SD 8.6 %
    assert np.std(logit, ddof=1) == pytest.approx(sigma, rel=0.1)


# -- a three-compartment drug: closed form by eigen-decomposition --------------------
def three_compartment_central(cl, v1, q2, v2, q3, v3, dose, t):
    k10, k12, k21, k13, k31 = cl / v1, q2 / v1, q2 / v2, q3 / v1, q3 / v3
    M = np.array([[-(k10 + k12 + k13), k21, k31],
                  [k12, -k21, 0.0],
                  [k13, 0.0, -k31]])
    lam, vec = np.linalg.eig(M)
    coef = np.linalg.solve(vec, np.array([dose, 0.0, 0.0]))
    amounts = (vec[0] * coef)[None, :] * np.exp(np.outer(t, lam))
    return amounts.sum(axis=1).real / v1


def test_fentanyl_subjects_against_the_three_compartment_solution():
    pop = en.Population(5, seed=21)
    sc = en.Scenario(doses=en.Dose("fentanyl", 100, unit="ug", route="iv", time=0),
                     population=pop, t_end=240, dt=10)
    res = sc.simulate(outputs=["fentanyl_plasma"])
    pk = pop.drug_parameters("fentanyl")
    dose = 100e-6 / 336.479 * 1e9
    # Shafer 1990: only CL and V1 vary; the peripheral parameters are typical
    assert (pk.q2 == 2.8).all() and (pk.v3 == 224.0).all()
    assert pk.cl.nunique() == 5 and pk.v1.nunique() == 5
    for i in range(5):
        r = pk.iloc[i]
        expect = three_compartment_central(r.cl, r.v1, r.q2, r.v2, r.q3, r.v3, dose,
                                           res.t[1:])
        np.testing.assert_allclose(res["fentanyl_plasma"][i, 1:], expect, rtol=1e-4)


# -- body weight -------------------------------------------------------------------------
def test_body_weight_scaling_of_naloxone_and_not_morphine():
    pop = en.Population(2, seed=1, covariates={"body_weight": [100.0, 50.0]},
                        drug_variability=False)
    nlx = pop.drug_parameters("naloxone")
    # Dowling 2008: weight on V1 (linear), lean weight on CL (allometric 0.75 here)
    assert nlx.cl.iloc[0] / nlx.cl.iloc[1] == pytest.approx(2.0 ** 0.75, rel=1e-12)
    assert nlx.v1.iloc[0] / nlx.v1.iloc[1] == pytest.approx(2.0, rel=1e-12)
    assert nlx.cl.iloc[0] == pytest.approx(91.0 / 60 * (100 / 70) ** 0.75, rel=1e-12)
    assert (nlx.v2 == 1.49).all()                 # not scaled
    mor = pop.drug_parameters("morphine")         # Stuart-Harris: no weight model
    assert (mor.cl == 1.584).all()
    # with variability the same subject's draw is scaled by the same factor
    var = en.Population(2, seed=1, covariates={"body_weight": [100.0, 70.0]})
    base = en.Population(2, seed=1).drug_parameters("naloxone")
    got = var.drug_parameters("naloxone")
    assert got.cl.iloc[0] / base.cl.iloc[0] == pytest.approx((100 / 70) ** 0.75)
    assert got.cl.iloc[1] == base.cl.iloc[1]


def test_heavier_subject_naloxone_curve():
    pop = en.Population(2, seed=1, covariates={"body_weight": [100.0, 50.0]},
                        drug_variability=False)
    sc = en.Scenario(doses=en.Dose("naloxone", 0.4, unit="mg", route="iv", time=0),
                     population=pop, t_end=60, dt=5)
    res = sc.simulate(outputs=["naloxone_plasma"])
    dose = 0.4e-3 / 327.380 * 1e9
    for i, wt in enumerate((100.0, 50.0)):
        expect = three_compartment_central(91.0 / 60 * (wt / 70) ** 0.75, 2.87 * wt / 70,
                                           5.66 / 60, 1.49, 29.8 / 60, 33.6, dose,
                                           res.t[1:])
        np.testing.assert_allclose(res["naloxone_plasma"][i, 1:], expect, rtol=1e-4)


# -- register with CVs ---------------------------------------------------------------------
BASE = dict(molar_mass=300.0, kind="agonist", cl=1.0, v1=100.0,
            routes={"iv": (1.0, None, 0.0), "oral": (0.5, 0.02, 0.0)},
            ke0=0.1, f_brain=0.05, K_mu=2.0, K_delta=200.0, K_kappa=500.0, tau_mu=5.0)


@pytest.fixture
def cleanup():
    yield
    for name in ("cvdrug",):
        if name in drugs.names():
            drugs.unregister(name)


def test_register_takes_cvs_and_weight_exponents(cleanup):
    d = drugs.register("cvdrug", cv={"cl": 0.4, "ka_oral": 0.6, "F_oral": 0.2},
                       weight_exponents={"cl": 0.75, "v1": 1.0}, **BASE)
    assert dict(d.cv) == {"cl": 0.4, "ka_oral": 0.6, "F_oral": 0.2}
    vals = d.values()
    assert vals["cv_cl"] == 0.4 and vals["wt_v1"] == 1.0
    assert d.sources["cv_cl"].startswith("user-supplied")
    df = drugs.to_pandas()
    assert set(df[df.drug == "cvdrug"].field) >= {"cv_cl", "cv_ka_oral", "wt_cl"}
    pk = en.Population(500, seed=2).drug_parameters("cvdrug")
    sigma = math.sqrt(math.log1p(0.4 ** 2))
    x = np.log(pk.cl.to_numpy())
    assert abs(np.std(x, ddof=1) - sigma) < 4 * sigma / math.sqrt(2 * 499)
    assert (pk.v1 == 100.0).all()                 # no CV: does not vary
    # pickles (Dask workers) with its CVs
    import pickle
    assert dict(pickle.loads(pickle.dumps(d)).cv) == dict(d.cv)


@pytest.mark.parametrize("kw, exc, match", [
    ({"cv": {"clearance": 0.3}}, ValueError, r"cv has unknown field 'clearance'"),
    ({"cv": {"cl": -0.1}}, ValueError, r"cv\['cl'\]"),
    ({"cv": {"cl": float("nan")}}, ValueError, r"cv\['cl'\]"),
    ({"cv": {"cl": float("inf")}}, ValueError, r"cv\['cl'\]"),
    ({"cv": {"cl": "0.3"}}, TypeError, r"cv\['cl'\]"),
    ({"cv": [0.3]}, TypeError, r"cv must be a mapping"),
    ({"cv": {"ka_sc": 0.3}}, ValueError, r"cv: 'cvdrug' has no \['ka_sc'\]"),
    ({"cv": {"q2": 0.3}}, ValueError, r"cv: 'cvdrug' has no \['q2'\]"),
    ({"weight_exponents": {"cl": -1.0}}, ValueError, r"weight_exponents\['cl'\]"),
    ({"weight_exponents": {"ka_oral": 1.0}}, ValueError,
     r"weight_exponents has unknown field 'ka_oral'"),
    ({"weight_exponents": 0.75}, TypeError, r"weight_exponents must be a mapping"),
])
def test_register_validates_cvs(cleanup, kw, exc, match):
    with pytest.raises(exc, match=match):
        drugs.register("cvdrug", **kw, **BASE)
    assert "cvdrug" not in drugs.names()


def test_builtin_cvs_have_sources():
    for name in drugs.names():
        d = drugs[name]
        for f in d.cv:
            assert f"cv_{f}" in d.sources, (name, f)
        for f in d.weight_exponents:
            assert f"wt_{f}" in d.sources, (name, f)
    mor = drugs["morphine"]
    assert mor.cv["cl"] == pytest.approx(408 / 1584)
    assert mor.cv["v1"] == pytest.approx(72 / 276)
    assert "Br J Clin Pharmacol 2000" in mor.sources["cv_cl"]


def test_non_drug_scenario_unchanged_by_drug_variability():
    # drug PK draws use their own keyed stream: physiology is the same with it on or off
    sc = lambda dv: en.Scenario(en.Exercise(0.8, start=10, duration=20),  # noqa: E731
                                population=en.Population(20, seed=9, drug_variability=dv),
                                t_end=60, dt=10).simulate(outputs=["plasma_beta_endorphin"])
    np.testing.assert_array_equal(sc(True).y, sc(False).y)


def test_scenario_file_round_trips_drug_variability(tmp_path):
    sc = en.Scenario(doses=en.Dose("morphine", 10, unit="mg"),
                     population=en.Population(5, seed=1, drug_variability=False), t_end=60)
    sc.to_toml(tmp_path / "s.toml")
    assert "drug_variability = false" in (tmp_path / "s.toml").read_text()
    back = en.Scenario.from_toml(tmp_path / "s.toml")
    assert back.population == sc.population and not back.population.drug_variability
    on = en.Scenario(population=en.Population(5, seed=1), t_end=60)
    on.to_toml(tmp_path / "on.toml")
    assert "drug_variability" not in (tmp_path / "on.toml").read_text()
