"""endorphin.fit_model(method="saem"): recovery of the typical values, omega^2 and the
residual SD of a population simulated by an independent closed form (one-compartment IV
bolus in NumPy, written here); reproducibility from the seed and independence of threads;
the importance-sampling -2 log L against adaptive Gauss-Hermite quadrature of the
closed-form marginal likelihood; bad input naming the argument."""
import dataclasses

import numpy as np
import pandas as pd
import pytest

import endorphin as en

DOSE_MG = 10.0
TIMES = np.array([5.0, 15, 30, 60, 90, 120, 180, 240, 360, 480])
CL, V = 1.0, 50.0                    # L/min, L: typical values of the simulated population
OUT = "fs1cmt_plasma"
NAMES = ["fs1cmt.cl", "fs1cmt.v1"]


@pytest.fixture(scope="module")
def drug():
    d = dataclasses.replace(en.drugs["morphine"], name="fs1cmt", q2=None, v2=None, q3=None,
                            v3=None, cl=CL, v1=V)
    en.drugs.register(d, replace=True)
    yield d
    en.drugs.unregister("fs1cmt")


def closed_form(cl, v, t, mw):
    """nmol/L after DOSE_MG mg IV at t = 0: C = D / V exp(-CL/V t)."""
    cl, v = np.asarray(cl)[..., None], np.asarray(v)[..., None]
    return DOSE_MG * 1e6 / mw / v * np.exp(-cl / v * t)


def scenario():
    return en.Scenario(doses=[en.Dose("fs1cmt", amount=DOSE_MG, unit="mg", route="iv",
                                      time=0)],
                       population=en.Population(1, variability=0), t_end=480, dt=60,
                       pulses=False)


def population(drug, n, seed, omega2_cl=0.09, omega2_v=0.09, prop=0.1):
    rng = np.random.default_rng(seed)
    cl = CL * np.exp(np.sqrt(omega2_cl) * rng.standard_normal(n))
    v = V * np.exp(np.sqrt(omega2_v) * rng.standard_normal(n))
    c = closed_form(cl, v, TIMES, drug.molar_mass)
    y = c * (1 + prop * rng.standard_normal(c.shape))
    data = pd.DataFrame({"subject": np.repeat(np.arange(n), TIMES.size),
                         "time": np.tile(TIMES, n), "output": OUT, "value": y.ravel()})
    return data, cl, v, y


@pytest.mark.slow
def test_recovery_of_a_simulated_population(drug):
    n = 100
    data, cl, v, _ = population(drug, n, seed=2024)
    fit = en.fit_model(data, scenario(), NAMES, method="saem", error="proportional",
                       seed=7, initial={"fs1cmt.cl": 2.0, "fs1cmt.v1": 30.0})
    assert fit.method == "saem" and fit.converged
    assert list(fit.params.index) == NAMES and list(fit.sigma.index) == ["proportional"]
    # typical values: the SE of a log typical value is about sqrt(omega^2 / n) = 0.03;
    # 0.1 on the log scale is > 3 SE
    for name, true in zip(NAMES, (CL, V)):
        assert abs(np.log(fit.params[name] / true)) < 0.1, (name, fit.params[name])
    # omega^2: SE about omega^2 sqrt(2 / n) = 0.013 (plus the estimation of the etas);
    # +-0.045 is > 3 SE
    for name in NAMES:
        assert abs(fit.omega[name] - 0.09) < 0.045, (name, fit.omega[name])
    # proportional SD: 1000 observations, SE about 0.1 / sqrt(2 * 800) = 2.5 %; 10 % is 4 SE
    assert abs(fit.sigma["proportional"] / 0.1 - 1) < 0.1, fit.sigma
    # linearisation SEs of the log typical values near the theoretical sqrt(omega^2/n)
    for name in NAMES:
        rse = fit.stderr[name] / fit.params[name]
        assert 0.02 < rse < 0.045, (name, rse)
    for name in NAMES:
        assert 0.004 < fit.stderr[f"omega2:{name}"] < 0.03
    assert 0.001 < fit.stderr["sigma:proportional"] < 0.006
    # conditional means of eta follow the simulated individual parameters
    for name, truth in zip(NAMES, (cl, v)):
        r = np.corrcoef(fit.eta[name], np.log(truth))[0, 1]
        assert r > 0.9, (name, r)
        np.testing.assert_allclose(fit.individual[name],
                                   fit.params[name] * np.exp(fit.eta[name]))
    assert fit.ofv_method == "importance sampling" and np.isfinite(fit.ofv)
    assert 0 < fit.ofv_se < 3


@pytest.mark.slow
def test_recovery_with_combined_error(drug):
    n = 100
    rng = np.random.default_rng(5)
    cl = CL * np.exp(0.3 * rng.standard_normal(n))
    v = V * np.exp(0.3 * rng.standard_normal(n))
    c = closed_form(cl, v, TIMES, drug.molar_mass)
    y = c * (1 + 0.1 * rng.standard_normal(c.shape)) + 1.0 * rng.standard_normal(c.shape)
    data = pd.DataFrame({"subject": np.repeat(np.arange(n), TIMES.size),
                         "time": np.tile(TIMES, n), "output": OUT, "value": y.ravel()})
    fit = en.fit_model(data, scenario(), NAMES, method="saem", error="combined", seed=2,
                       is_samples=0)
    assert list(fit.sigma.index) == ["additive", "proportional"]
    assert fit.ofv_method == "linearization" and np.isfinite(fit.ofv)
    for name, true in zip(NAMES, (CL, V)):          # as in the proportional test
        assert abs(np.log(fit.params[name] / true)) < 0.1, (name, fit.params[name])
    for name in NAMES:
        assert abs(fit.omega[name] - 0.09) < 0.045, (name, fit.omega[name])
    # a = 1 nmol/L is set by the ~300 late samples near it: SE about 5 %; b = 0.1 by the
    # early ones: SE about 0.004; 3-5 SE
    assert abs(fit.sigma["additive"] / 1.0 - 1) < 0.15, fit.sigma
    assert abs(fit.sigma["proportional"] - 0.1) < 0.02, fit.sigma


def _small_fit(drug, **kw):
    data, _, _, _ = population(drug, 16, seed=5)
    opts = dict(method="saem", error="proportional", seed=3, iterations=(20, 10),
                conditional=5, is_samples=20, chains=2)
    opts.update(kw)
    return en.fit_model(data, scenario(), NAMES, **opts)


def test_same_seed_same_fit_and_threads_do_not_matter(drug):
    one = _small_fit(drug, threads=1)
    again = _small_fit(drug, threads=1)
    two = _small_fit(drug, threads=2)
    for other in (again, two):
        pd.testing.assert_series_equal(one.params, other.params, check_exact=True)
        pd.testing.assert_series_equal(one.omega, other.omega, check_exact=True)
        pd.testing.assert_series_equal(one.sigma, other.sigma, check_exact=True)
        pd.testing.assert_frame_equal(one.eta, other.eta, check_exact=True)
        assert one.ofv == other.ofv
    other_seed = _small_fit(drug, seed=4, threads=1)
    assert not np.array_equal(one.params.to_numpy(), other_seed.params.to_numpy())
    assert one.seed == 3 and one.iterations == 30 and len(one.trajectory) == 30


@pytest.mark.parametrize("error", ["additive", "combined"])
def test_other_error_models_run(drug, error):
    fit = _small_fit(drug, error=error)
    want = ["additive"] if error == "additive" else ["additive", "proportional"]
    assert list(fit.sigma.index) == want
    assert (fit.sigma > 0).all() and np.isfinite(fit.ofv)
    assert [f"sigma:{k}" for k in want] == list(fit.stderr.index[-len(want):])


def test_unbalanced_data_and_linearization_ofv(drug):
    data, _, _, _ = population(drug, 16, seed=5)
    data = data.drop(index=[3, 4, 25, 77, 78, 79]).reset_index(drop=True)   # padding
    fit = en.fit_model(data, scenario(), NAMES, method="saem", error="proportional",
                       seed=3, iterations=(20, 10), conditional=5, is_samples=0, chains=2)
    assert fit.ofv_method == "linearization" and fit.ofv == fit.ofv_linearization
    assert np.isfinite(fit.ofv) and fit.eta.shape == (16, 2)
    assert np.isfinite(fit.stderr).all()


def _gauss_hermite_ofv(y, cl_typ, v, omega2, b, mw, nodes=40):
    """-2 log L of the closed-form model with IIV on CL only: per subject, the integral
    over eta ~ N(0, omega2) of prod_j N(y_j; f_j, (b f_j)^2) by adaptive Gauss-Hermite
    quadrature (centred at the mode of the integrand, scaled by its curvature)."""
    t, w = np.polynomial.hermite.hermgauss(nodes)

    def h(eta, yi):          # log integrand, eta (K,)
        f = closed_form(cl_typ * np.exp(eta), v, TIMES, mw)
        ll = np.sum(-0.5 * ((yi - f) / (b * f)) ** 2 - np.log(b * f)
                    - 0.5 * np.log(2 * np.pi), axis=-1)
        return ll - 0.5 * eta ** 2 / omega2 - 0.5 * np.log(2 * np.pi * omega2)

    total = 0.0
    grid = np.linspace(-6, 6, 4001) * np.sqrt(omega2)
    for yi in y:
        vals = h(grid, yi)
        m = grid[np.argmax(vals)]
        for _ in range(20):                      # Newton on the mode
            d = 1e-4
            h0, hp, hm = h(np.array([m, m + d, m - d]), yi)
            g, c = (hp - hm) / (2 * d), (hp - 2 * h0 + hm) / d ** 2
            m -= g / c
        s = 1.0 / np.sqrt(-c)
        x = m + np.sqrt(2) * s * t
        hx = h(x, yi)
        top = hx.max()
        total += top + np.log(np.sqrt(2) * s * np.sum(w * np.exp(t ** 2 + hx - top)))
    return -2 * total


@pytest.mark.slow
def test_importance_sampling_ofv_equals_quadrature(drug):
    n = 20
    data, cl, v, y = population(drug, n, seed=99, omega2_cl=0.09, omega2_v=0.0)
    fit = en.fit_model(data, scenario(), NAMES, method="saem", error="proportional",
                       seed=1, omega={"fs1cmt.v1": 0}, iterations=(80, 50),
                       is_samples=2000)
    assert fit.omega["fs1cmt.v1"] == 0 and (fit.eta["fs1cmt.v1"] == 0).all()
    assert "omega2:fs1cmt.v1" not in fit.stderr.index
    # V without IIV, estimated in the M-step: 200 observations at 10 % give ~1 % on V
    assert abs(fit.params["fs1cmt.v1"] / V - 1) < 0.05, fit.params
    ref = _gauss_hermite_ofv(y, fit.params["fs1cmt.cl"], fit.params["fs1cmt.v1"],
                             fit.omega["fs1cmt.cl"], fit.sigma["proportional"],
                             drug.molar_mass)
    # the IS Monte Carlo SD, and 0.02 for the engine's rtol 1e-8 against the closed form
    assert 0 < fit.ofv_se < 0.5
    assert abs(fit.ofv - ref) < 4 * fit.ofv_se + 0.02, (fit.ofv, ref, fit.ofv_se)


@pytest.mark.parametrize("kw, exc, words", [
    (dict(seed=-1), ValueError, "seed"),
    (dict(seed=1.5), TypeError, "seed"),
    (dict(seed=True), TypeError, "seed"),
    (dict(iterations=(0, 10)), ValueError, "K1"),
    (dict(iterations=10), TypeError, "iterations"),
    (dict(iterations=(10, 5), max_iter=20), ValueError, "max_iter"),
    (dict(omega={"fs1cmt.k": 0.1}), ValueError, "omega"),
    (dict(omega={"fs1cmt.cl": -0.1}), ValueError, "omega"),
    (dict(omega={"fs1cmt.cl": 0, "fs1cmt.v1": 0}), ValueError, "omega"),
    (dict(omega="big"), TypeError, "omega"),
    (dict(omega=float("nan")), ValueError, "omega"),
    (dict(chains=0), ValueError, "chains"),
    (dict(kernels=(0, 0, 0)), ValueError, "kernels"),
    (dict(is_samples=3), ValueError, "is_samples"),
    (dict(error="log"), ValueError, "error"),
    (dict(annealing="yes"), TypeError, "annealing"),
])
def test_bad_input_names_the_argument(drug, kw, exc, words):
    data, _, _, _ = population(drug, 3, seed=1)
    with pytest.raises(exc, match=words):
        en.fit_model(data, scenario(), NAMES, method="saem", **kw)


def test_censored_rows_are_refused(drug):
    data, _, _, _ = population(drug, 3, seed=1)
    data["censored"] = False
    data.loc[0, "censored"] = True
    with pytest.raises(ValueError, match="censored"):
        en.fit_model(data, scenario(), NAMES, method="saem")
