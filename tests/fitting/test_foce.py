"""endorphin.fit_model(method="foce"): FOCE-I against an independent implementation of
its objective (closed-form one-compartment IV bolus in NumPy, EBEs by scipy.optimize,
Wang 2007's FOCE-I formula written out here), recovery of a population simulated by the
same closed form, CWRES of a correctly specified model, and bad input."""
import dataclasses

import numpy as np
import pandas as pd
import pytest

import endorphin as en

DOSE_MG = 10.0
TIMES = np.array([5.0, 15, 30, 45, 60, 90, 120, 150, 180, 240])
CL, V = 1.0, 100.0                   # L/min, L: the registered drug's typical values
OUT = "fc1cmt_plasma"
NAMES = ["fc1cmt.cl", "fc1cmt.v1"]


@pytest.fixture(scope="module")
def drug():
    d = dataclasses.replace(en.drugs["morphine"], name="fc1cmt", q2=None, v2=None, q3=None,
                            v3=None, cl=CL, v1=V)
    en.drugs.register(d, replace=True)
    yield d
    en.drugs.unregister("fc1cmt")


def closed_form(cl, v, mw):
    """nmol/L after DOSE_MG mg IV at t = 0, C = D / V exp(-CL/V t) (not the engine)."""
    cl, v = np.asarray(cl, float)[..., None], np.asarray(v, float)[..., None]
    return DOSE_MG * 1e6 / mw / v * np.exp(-cl / v * TIMES)


def scenario():
    return en.Scenario(doses=[en.Dose("fc1cmt", amount=DOSE_MG, unit="mg", route="iv",
                                      time=0)],
                       population=en.Population(1, variability=0), t_end=240, dt=60,
                       pulses=False)


def simulate(drug, n, seed, omega2=(0.09, 0.09), prop=0.1, add=0.0):
    rng = np.random.default_rng(seed)
    cl = CL * np.exp(np.sqrt(omega2[0]) * rng.standard_normal(n))
    v = V * np.exp(np.sqrt(omega2[1]) * rng.standard_normal(n))
    c = closed_form(cl, v, drug.molar_mass)
    y = c + np.sqrt(add ** 2 + (prop * c) ** 2) * rng.standard_normal(c.shape)
    return pd.DataFrame({"subject": np.repeat(np.arange(n), TIMES.size),
                         "time": np.tile(TIMES, n), "output": OUT, "value": y.ravel()})


# ---------------------------------------------------------------------------
# (a) the objective, independently
# ---------------------------------------------------------------------------
def foce_i_reference(y, theta, omega2, a, b, mw, start=None):
    """FOCE-I -2 log L (Wang 2007, with interaction; expected-information Hessian):
    sum_i [n_i log 2pi + O_i(eta^) + log det Omega + log det(Omega^-1 + sum_j
    (g g'/V + 1/2 dV dV'/V^2))], O_i = sum_j [(y - f)^2/V + log V] + eta' Omega^-1 eta,
    EBEs by scipy.optimize.minimize, derivatives of the closed form analytic.
    ``omega2`` per parameter; 0 = no random effect."""
    from scipy.optimize import minimize
    iiv = [k for k in range(2) if omega2[k] > 0]
    Om = np.diag([omega2[k] for k in iiv])
    Oinv = np.linalg.inv(Om)

    def pred(eta):
        p = np.log(theta).copy()
        p[iiv] += eta
        cl, v = np.exp(p)
        f = closed_form(cl, v, mw)
        k = cl / v
        d = np.stack([-f * k * TIMES, f * (k * TIMES - 1)], axis=1)   # d f / d log(cl, v)
        return f, d[:, iiv]

    def O(eta, yi):
        f, _ = pred(eta)
        Vr = a ** 2 + (b * f) ** 2
        return np.sum((yi - f) ** 2 / Vr + np.log(Vr)) + eta @ Oinv @ eta

    def dO(eta, yi):
        f, g = pred(eta)
        Vr = a ** 2 + (b * f) ** 2
        r = yi - f
        return (-2 * r / Vr + (1 - r * r / Vr) * 2 * b * b * f / Vr) @ g + 2 * Oinv @ eta

    total = 0.0
    for i, yi in enumerate(y):
        res = minimize(O, np.zeros(len(iiv)) if start is None else start[i], args=(yi,),
                       jac=dO, method="BFGS",
                       options={"gtol": 1e-10, "xrtol": 1e-12})
        eta = res.x
        f, g = pred(eta)
        Vr = a ** 2 + (b * f) ** 2
        dV = (2 * b * b * f)[:, None] * g
        Hm = Oinv + (g / Vr[:, None]).T @ g + 0.5 * (dV / Vr[:, None] ** 2).T @ dV
        total += (len(yi) * np.log(2 * np.pi) + O(eta, yi) + np.linalg.slogdet(Om)[1]
                  + np.linalg.slogdet(Hm)[1])
    return total


@pytest.mark.parametrize("error, omega2, sig", [
    ("proportional", (0.08, 0.12), {"proportional": 0.12}),
    ("combined", (0.05, 0.0), {"additive": 2.0, "proportional": 0.08}),
    ("additive", (0.1, 0.07), {"additive": 5.0}),
])
def test_objective_equals_independent_implementation(drug, error, omega2, sig):
    pytest.importorskip("scipy")
    data = simulate(drug, 12, seed=3, prop=0.1, add=2.0)
    theta = np.array([0.9, 110.0])
    fit = en.fit_model(data, scenario(), NAMES, method="foce", error=error,
                       initial=dict(zip(NAMES, theta)), max_iter=0,
                       omega=dict(zip(NAMES, omega2)), sigma=sig)
    y = data["value"].to_numpy().reshape(12, TIMES.size)
    ref = foce_i_reference(y, theta, omega2, sig.get("additive", 0.0),
                           sig.get("proportional", 0.0), drug.molar_mass)
    # the package differentiates the engine's f numerically (central, step 1e-3)
    assert fit.ofv == pytest.approx(ref, rel=1e-6, abs=1e-3)
    np.testing.assert_allclose(fit.params.to_numpy(), theta)
    assert fit.omega.to_dict() == pytest.approx(dict(zip(NAMES, omega2)))


def test_covariance_step_equals_independent_hessian(drug):
    """SEs against the inverse of half the central finite-difference Hessian of the
    reference objective above in (CL, V, omega2_CL, omega2_V, b), natural scale, at the
    package's estimate (the package neglects third derivatives of f)."""
    pytest.importorskip("scipy")
    n = 30
    data = simulate(drug, n, seed=77)
    fit = en.fit_model(data, scenario(), NAMES, method="foce", error="proportional")
    assert fit.converged
    y = data["value"].to_numpy().reshape(n, TIMES.size)
    p0 = np.concatenate([fit.params, fit.omega, fit.sigma])
    eta0 = fit.eta.to_numpy()

    def ref(p):
        return foce_i_reference(y, p[:2], p[2:4], 0.0, p[4], drug.molar_mass, eta0)

    D, h = 5, 1e-3 * p0
    f0 = ref(p0)
    H = np.empty((D, D))
    fpm = {}
    for k in range(D):
        e = np.zeros(D)
        e[k] = h[k]
        fpm[k] = ref(p0 + e), ref(p0 - e)
        H[k, k] = (fpm[k][0] - 2 * f0 + fpm[k][1]) / h[k] ** 2
    # the gradient vanishes at the estimate (a stationary point of the same objective)
    grad = np.array([(fpm[k][0] - fpm[k][1]) / (2 * h[k]) for k in range(D)])
    assert np.all(np.abs(grad * np.sqrt(np.diag(2 * np.linalg.inv(np.diag(np.diag(H))))))
                  < 0.01), grad
    for k in range(D):
        for l in range(k):
            e = np.zeros(D)
            e[k], e[l] = h[k], h[l]
            H[k, l] = H[l, k] = ((ref(p0 + e) + ref(p0 - e) - 2 * f0) / (h[k] * h[l])
                                 - H[k, k] * h[k] / h[l] - H[l, l] * h[l] / h[k]) / 2
    se = np.sqrt(np.diag(2 * np.linalg.inv(H)))
    # measured: typical values and sigma within 0.1 %, omega^2 within 2 % (the third
    # derivatives of f the package's covariance step neglects)
    np.testing.assert_allclose(fit.stderr.to_numpy(), se, rtol=0.03)
    assert fit.ofv == pytest.approx(f0, rel=1e-6)


# ---------------------------------------------------------------------------
# (b) recovery, (c) CWRES
# ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def recovery(drug):
    data = simulate(drug, 100, seed=2024)
    fit = en.fit_model(data, scenario(), NAMES, method="foce", error="proportional",
                       initial={"fc1cmt.cl": 0.7, "fc1cmt.v1": 150.0})
    return data, fit


def test_recovery(recovery):
    _, fit = recovery
    assert fit.converged
    truth = {"fc1cmt.cl": CL, "fc1cmt.v1": V, "omega2:fc1cmt.cl": 0.09,
             "omega2:fc1cmt.v1": 0.09, "sigma:proportional": 0.1}
    est = {**fit.params.to_dict(), **{f"omega2:{k}": v for k, v in fit.omega.items()},
           **{f"sigma:{k}": v for k, v in fit.sigma.items()}}
    assert list(fit.stderr.index) == list(truth)
    for k, t in truth.items():
        se = fit.stderr[k]
        # an estimate with its covariance-step SE: 3 SE is a 99.7 % normal band; the
        # SE itself must be of the size asymptotics give for 100 subjects x 10 samples
        # (typical values ~ sqrt(0.09/100) ~ 3 %, omega^2 ~ 0.09 sqrt(2/100) ~ 0.013,
        # sigma ~ 0.1 / sqrt(2 x 800) ~ 0.0025)
        assert abs(est[k] - t) < 3 * se, (k, est[k], t, se)
    assert 0.02 < fit.stderr["fc1cmt.cl"] / CL < 0.05
    assert 0.005 < fit.stderr["omega2:fc1cmt.cl"] < 0.025
    assert 0.0015 < fit.stderr["sigma:proportional"] < 0.004
    assert fit.eta.shape == (100, 2) and fit.individual.shape == (100, 2)
    np.testing.assert_allclose(fit.individual, fit.params.to_numpy() * np.exp(fit.eta))
    assert fit.omega_matrix.loc["fc1cmt.cl", "fc1cmt.v1"] == 0
    assert "foce" in repr(fit)


def test_predictions_and_cwres(recovery, drug):
    data, fit = recovery
    p = fit.predict()
    assert list(p.columns[-5:]) == ["pred", "ipred", "res", "iwres", "cwres"]
    assert len(p) == len(data)
    mw = drug.molar_mass
    pred = np.tile(closed_form(fit.params["fc1cmt.cl"], fit.params["fc1cmt.v1"], mw),
                   100)
    ipred = closed_form(fit.individual["fc1cmt.cl"], fit.individual["fc1cmt.v1"],
                        mw).ravel()
    np.testing.assert_allclose(p["pred"], pred, rtol=1e-6)
    np.testing.assert_allclose(p["ipred"], ipred, rtol=1e-6)
    np.testing.assert_allclose(p["res"], p["value"] - p["pred"])
    np.testing.assert_allclose(p["iwres"], (p["value"] - p["ipred"])
                               / (fit.sigma["proportional"] * p["ipred"]))
    # correctly specified model: CWRES ~ N(0, 1) (1000 residuals: SE of the mean 0.03,
    # of the SD 0.02)
    assert abs(p["cwres"].mean()) < 0.1
    assert abs(p["cwres"].std() - 1) < 0.08


@pytest.mark.slow
def test_wald_coverage(drug):
    """95 % Wald intervals of all five estimates over 12 replicate populations (60
    intervals: binomial SD of the coverage ~3 %)."""
    hits = []
    truth = [CL, V, 0.09, 0.09, 0.1]
    for rep in range(12):
        data = simulate(drug, 100, seed=500 + rep)
        fit = en.fit_model(data, scenario(), NAMES, method="foce", error="proportional")
        est = np.concatenate([fit.params, fit.omega, fit.sigma])
        hits += list(np.abs(est - truth) < 1.959964 * fit.stderr.to_numpy())
    assert 0.85 <= np.mean(hits) <= 1.0, np.mean(hits)


def test_block_and_fixed_omega(drug):
    data = simulate(drug, 40, seed=9)
    fit = en.fit_model(data, scenario(), NAMES, method="foce", error="proportional",
                       omega_block=True)
    assert "omega2:fc1cmt.cl,fc1cmt.v1" in fit.stderr.index
    c = fit.omega_matrix.loc["fc1cmt.cl", "fc1cmt.v1"]
    assert c == fit.omega_matrix.loc["fc1cmt.v1", "fc1cmt.cl"]
    assert abs(c) < 3 * fit.stderr["omega2:fc1cmt.cl,fc1cmt.v1"]     # truth: 0
    fit0 = en.fit_model(data, scenario(), NAMES, method="foce", error="proportional",
                        omega={"fc1cmt.v1": 0})
    assert fit0.omega["fc1cmt.v1"] == 0 and (fit0.eta["fc1cmt.v1"] == 0).all()
    assert "omega2:fc1cmt.v1" not in fit0.stderr.index
    # a model without V's variability fits these data worse
    assert fit0.ofv > fit.ofv


# ---------------------------------------------------------------------------
# (d) bad input
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("kw, exc, word", [
    ({"omega": {"fc1cmt.ka": 0.1}}, ValueError, "omega"),
    ({"omega": {"fc1cmt.cl": -0.1}}, ValueError, "omega"),
    ({"omega": {"fc1cmt.cl": "big"}}, TypeError, "omega"),
    ({"omega": [0.1, 0.1]}, TypeError, "omega"),
    ({"omega_block": ["fc1cmt.cl"]}, ValueError, "omega_block"),
    ({"omega_block": ["fc1cmt.cl", "nope"]}, ValueError, "omega_block"),
    ({"omega_block": "yes"}, TypeError, "omega_block"),
    ({"omega": {"fc1cmt.v1": 0}, "omega_block": True}, ValueError, "omega_block"),
    ({"sigma": {"additive": 1.0}}, ValueError, "sigma"),
    ({"sigma": {"proportional": -1}}, ValueError, "sigma"),
    ({"error": "exponential"}, ValueError, "error"),
    ({"max_iter": -1}, ValueError, "max_iter"),
    ({"covariance": "no"}, TypeError, "covariance"),
    ({"seed": 1}, TypeError, "seed"),
])
def test_bad_input(drug, kw, exc, word):
    data = simulate(drug, 3, seed=1)
    kw = {"error": "proportional", **kw}
    with pytest.raises(exc, match=word):
        en.fit_model(data, scenario(), NAMES, method="foce", **kw)


def test_censored_refused(drug):
    data = simulate(drug, 3, seed=1)
    data["censored"] = False
    data.loc[3, "censored"] = True
    with pytest.raises(ValueError, match="censored"):
        en.fit_model(data, scenario(), NAMES, method="foce")
