"""R's Theoph data (tests/data/theoph.csv, provenance in tests/data/theoph.md) fitted
individually with a one-compartment oral model: a test-local drug with theophylline's
molar mass (180.16 g/mol), concentrations converted from mg/L to the output's nmol/L,
times from h to min, each subject's dose Dose (mg/kg) x Wt (kg).

References: R's own per-subject least-squares fits (nlme::nlsList with SSfol, the
first-order compartment model of Pinheiro & Bates 2000's nlme package, run once with R
4.2.2; numbers below) and scipy.optimize.minimize of the closed-form -2 log L of the
combined error model, written here."""
import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import endorphin as en
from endorphin.model.drugs import Route

MW = 180.16                          # theophylline, g/mol
NAMES = ["theo.ka_oral", "theo.cl", "theo.v1"]
CSV = Path(__file__).resolve().parents[1] / "data" / "theoph.csv"

# R 4.2.2, nlme 3.1: coef(nlsList(conc ~ SSfol(Dose, Time, lKe, lKa, lCl), data = Theoph))
# (Time h, Dose mg/kg: Ke and Ka 1/h, Cl L/h/kg); printed with digits = 10, rounded here
R_NLSLIST = {
    1: (-2.919614202, 0.5751611942, -3.915856571),
    2: (-2.286108271, 0.6640567772, -3.106316922),
    3: (-2.508073238, 0.8975422432, -3.229964594),
    4: (-2.436494022, 0.1582638256, -3.286086898),
    5: (-2.425485864, 0.3862853345, -3.132600298),
    6: (-2.307331612, 0.1516233762, -2.973241687),
    7: (-2.280369804, -0.3860510847, -2.964335315),
    8: (-2.386436915, 0.3188339143, -3.069111036),
    9: (-2.446087712, 2.1821879045, -3.420773862),
    10: (-2.604147555, -0.3631215958, -3.428270545),
    11: (-2.321530357, 1.3478238604, -2.860397382),
    12: (-2.248325693, -0.1828442263, -3.170158229),
}


@pytest.fixture(scope="module")
def theoph():
    base = en.drugs["morphine"]
    d = dataclasses.replace(base, name="theo", molar_mass=MW, q2=None, v2=None, q3=None,
                            v3=None, cl=0.047, v1=32.0, cv={},
                            routes={"iv": base.routes["iv"],
                                    "oral": Route(F=1.0, ka=0.025, lag=0.0)})
    en.drugs.register(d, replace=True)
    th = pd.read_csv(CSV)
    assert th.shape == (132, 5) and th.Subject.nunique() == 12
    yield th
    en.drugs.unregister("theo")


def scenario():
    # the protocol: an oral per-kg dose at t = 0 (each subject's amount from the data)
    return en.Scenario(doses=[en.Dose("theo", amount=4.0, unit="mg/kg", route="oral")],
                       population=en.Population(1, variability=0), t_end=25 * 60, dt=60,
                       pulses=False)


def tidy_and_doses(th):
    data = pd.DataFrame({"subject": th.Subject, "time": th.Time * 60.0,
                         "output": "theo_plasma", "value": th.conc * 1e6 / MW,
                         "body_weight": th.Wt})
    first = th.groupby("Subject").first().reset_index()
    doses = pd.DataFrame({"subject": first.Subject, "time": 0.0, "amount": first.Dose})
    return data, doses


def to_nlme_scale(fit, th):
    """(lKe, lKa, lCl) per subject: 1/h and L/h/kg as SSfol has them."""
    wt = th.groupby("Subject").Wt.first().reindex(fit.params.index).to_numpy()
    p = fit.params
    return np.column_stack([np.log(p["theo.cl"] / p["theo.v1"] * 60),
                            np.log(p["theo.ka_oral"] * 60),
                            np.log(p["theo.cl"] * 60 / wt)])


def test_theoph_additive_equals_r_nlslist(theoph):
    """Additive error = ordinary least squares per subject: R's nls fits."""
    data, doses = tidy_and_doses(theoph)
    fit = en.fit_model(data, scenario(), NAMES, error="additive", doses=doses)
    assert fit.converged.all(), fit.reason.to_dict()
    ours = to_nlme_scale(fit, theoph)
    ref = np.array([R_NLSLIST[s] for s in fit.params.index])
    np.testing.assert_allclose(ours, ref, atol=2e-4)
    # R's residual standard errors are per subject sqrt(RSS / (11 - 3)) in mg/L; ours
    # in nmol/L
    assert (fit.sigma * MW / 1e6).between(0.05, 1.5).all()


def closed_form(ka, cl, v, dose_nmol, t):
    """nmol/L, one compartment, first-order absorption (F = 1): the Bateman function."""
    k = cl / v
    return dose_nmol * ka / (v * (ka - k)) * (np.exp(-k * t) - np.exp(-ka * t))


def test_theoph_combined_equals_scipy(theoph):
    """Combined error: the t = 0 concentrations that are not zero (subjects 1, 7, 10) are
    fitted by the additive part; the zeros at t = 0 are dropped (the prediction there is
    exactly 0, so a zero observation would make the likelihood unbounded as the additive
    SD tends to 0).  Every subject equals scipy's minimum of the closed-form -2 log L;
    where one SD is at its bound (reported 0), scipy's minimum of the model without that
    component."""
    from scipy.optimize import minimize
    data, doses = tidy_and_doses(theoph)
    keep = ~((data.time == 0) & (data.value == 0))
    assert (~keep).sum() == 9
    fit = en.fit_model(data[keep], scenario(), NAMES, error="combined", doses=doses)
    assert fit.converged.all(), fit.reason.to_dict()
    interior = 0
    for s, g in theoph.groupby("Subject"):
        g = g[~((g.Time == 0) & (g.conc == 0))]
        t = g.Time.to_numpy() * 60
        y = g.conc.to_numpy() * 1e6 / MW
        dose = g.Dose.iloc[0] * g.Wt.iloc[0] * 1e6 / MW          # nmol
        sig = fit.sigma.loc[s].to_numpy()
        theta = fit.params.loc[s].to_numpy()
        free = sig > 0

        def fun(x, t=t, y=y, dose=dose, free=free):
            f = closed_form(*np.exp(x[:3]), dose, t)
            sd = np.zeros(2)
            sd[free] = np.exp(x[3:])
            var = sd[0] ** 2 + (sd[1] * f) ** 2
            return np.sum((y - f) ** 2 / var + np.log(2 * np.pi * var))

        start = np.r_[np.log(theta), np.log(sig[free])] + 0.05
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            ref = minimize(fun, start, method="BFGS", options=dict(gtol=1e-9, maxiter=5000))
        np.testing.assert_allclose(theta, np.exp(ref.x[:3]), rtol=1e-4)
        # the SDs of 10-11 points are flat directions of the likelihood
        np.testing.assert_allclose(sig[free], np.exp(ref.x[3:]), rtol=1e-3)
        assert fit.ofv_subject.loc[s] == pytest.approx(ref.fun, abs=1e-4)
        interior += free.all()
    assert interior >= 3


def test_theoph_nonmem_table_equals_tidy(theoph):
    data, doses = tidy_and_doses(theoph)
    th = theoph
    first = th.groupby("Subject").first().reset_index()
    nm = pd.concat([
        pd.DataFrame({"ID": first.Subject, "TIME": 0.0, "DV": 0.0, "AMT": first.Dose,
                      "EVID": 1, "MDV": 1, "CMT": 1, "WT": first.Wt}),
        pd.DataFrame({"ID": th.Subject, "TIME": th.Time * 60, "DV": th.conc * 1e6 / MW,
                      "AMT": 0.0, "EVID": 0, "MDV": 0, "CMT": 2, "WT": th.Wt}),
    ]).sort_values(["ID", "TIME", "EVID"], ascending=[True, True, False], kind="stable")
    a = en.fit_model(data, scenario(), NAMES, error="additive", doses=doses)
    b = en.fit_model(nm, scenario(), NAMES, error="additive")
    np.testing.assert_array_equal(a.params.to_numpy(), b.params.to_numpy())
    # without the data's doses every subject would get the scenario's 4 mg/kg: different
    c = en.fit_model(data, scenario(), NAMES, error="additive")
    assert not np.allclose(a.params["theo.v1"], c.params["theo.v1"], rtol=1e-3)


# nlmixr2 (nlmixr2est documentation, the saveFit example: est="focei" on nlmixr2data's
# theo_sd, which is this data set with AMT = Dose x Wt in mg; one-compartment oral,
# log-normal IIV on ka, CL and V, additive error): printed estimates
NLMIXR2_FOCEI = {"ka_per_h": 1.59, "cl_l_per_h": 2.75, "v_l": 31.8,
                 "bsv_cv_percent": (70.4, 26.7, 13.9), "add_sd_mg_per_l": 0.694,
                 "objf": 116.8037}


def test_theoph_population_foce_equals_nlmixr2_focei(theoph):
    """FOCE-I on all 132 Theoph observations (the non-zero t = 0 concentrations kept,
    as nlmixr2 keeps them: an additive error covers them) against nlmixr2's FOCEi:
    typical values, BSV CVs and the residual SD to the 3 significant digits nlmixr2
    prints, and the objective to 0.01 once NONMEM's convention is applied (nlmixr2's
    OBJF omits n log(2 pi); our data are in nmol/L, which adds 2 n log(1e6 / MW))."""
    data, doses = tidy_and_doses(theoph)
    fit = en.fit_model(data, scenario(), NAMES, method="foce", error="additive",
                       doses=doses, initial={"theo.ka_oral": 1.5 / 60, "theo.cl": 2.7 / 60,
                                             "theo.v1": 30.0})
    assert fit.converged
    p, ref = fit.params, NLMIXR2_FOCEI
    assert p["theo.ka_oral"] * 60 == pytest.approx(ref["ka_per_h"], abs=0.006)
    assert p["theo.cl"] * 60 == pytest.approx(ref["cl_l_per_h"], abs=0.006)
    assert p["theo.v1"] == pytest.approx(ref["v_l"], abs=0.06)
    cv = np.sqrt(np.exp(fit.omega[NAMES].to_numpy()) - 1) * 100
    np.testing.assert_allclose(cv, ref["bsv_cv_percent"], atol=0.06)
    assert fit.sigma["additive"] * MW / 1e6 == pytest.approx(ref["add_sd_mg_per_l"],
                                                              abs=6e-4)
    n = len(data)
    objf = fit.ofv - n * np.log(2 * np.pi) - 2 * n * np.log(1e6 / MW)
    assert objf == pytest.approx(ref["objf"], abs=0.01)


# nlmixr2's SAEM on theo_sd, same model, as printed in two versions of the nlmixr2 README
# (github.com/nlmixr2/nlmixr2, README.Rmd example; rxode2 2.0.7 and a later build): they
# differ from each other by up to 2.6 % (CL), the Monte Carlo spread of SAEM
NLMIXR2_SAEM = [
    {"ka": 1.57, "cl": 2.76, "v": 31.5, "cv": (71.5, 27.6, 13.4), "add": 0.693},
    {"ka": 1.58, "cl": 2.69, "v": 31.6, "cv": (70.3, 27.5, 13.3), "add": 0.699},
]


@pytest.mark.slow
def test_theoph_population_saem_near_nlmixr2_saem(theoph):
    """SAEM on all 132 observations against both nlmixr2 SAEM outputs: typical values
    within 3 % and the residual SD within 2 % of each, the BSV CVs within 2.5 points
    (a little more than the two nlmixr2 runs differ by)."""
    data, doses = tidy_and_doses(theoph)
    fit = en.fit_model(data, scenario(), NAMES, method="saem", error="additive",
                       doses=doses, seed=1, initial={"theo.ka_oral": 1.5 / 60,
                                                     "theo.cl": 2.7 / 60, "theo.v1": 30.0})
    p = fit.params
    ours = {"ka": p["theo.ka_oral"] * 60, "cl": p["theo.cl"] * 60, "v": p["theo.v1"]}
    cv = np.sqrt(np.exp(fit.omega[NAMES].to_numpy()) - 1) * 100
    for ref in NLMIXR2_SAEM:
        for k in ("ka", "cl", "v"):
            assert ours[k] == pytest.approx(ref[k], rel=0.03), (k, ours[k], ref[k])
        np.testing.assert_allclose(cv, ref["cv"], atol=2.5)
        assert fit.sigma["additive"] * MW / 1e6 == pytest.approx(ref["add"], rel=0.02)
    # the diagnostics exist for SAEM too: CWRES of a well-specified model near N(0, 1)
    pr = fit.predict()
    assert abs(pr["cwres"].mean()) < 0.2 and 0.7 < pr["cwres"].std() < 1.3
