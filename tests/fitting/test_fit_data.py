"""fit_model(method="individual") with the combined error model, censored data (M3) and
data in the forms users have (issue 25, items 1-2).

References are independent of the package's engine: a one-compartment IV drug whose
concentrations are written here in closed form (NumPy), scipy.optimize.minimize of the
same -2 log-likelihood written here (scipy.stats.norm.logcdf for the censored rows), and
finite-difference Hessians of that closed-form likelihood for the standard errors."""
import dataclasses

import numpy as np
import pandas as pd
import pytest

import endorphin as en

CL, V = 1.0, 50.0                    # L/min, L: the registered drug's typical values
OUT = "fd1cmt_plasma"
TIMES = np.array([5.0, 10, 15, 30, 45, 60, 90, 120, 180, 240, 300, 360, 420, 480])
A_SD, B_SD = 2.0, 0.1                # combined error: nmol/L, fraction
DENSE = np.round(np.geomspace(2.0, 480.0, 24), 2)   # both error components informed


@pytest.fixture(scope="module")
def drug():
    d = dataclasses.replace(en.drugs["morphine"], name="fd1cmt", q2=None, v2=None, q3=None,
                            v3=None, cl=CL, v1=V)
    en.drugs.register(d, replace=True)
    yield d
    en.drugs.unregister("fd1cmt")


def conc(cl, v, t, mw, doses=((0.0, 10.0),)):
    """nmol/L of IV boluses (time min, mg): sum D / V exp(-CL/V (t - t_d)) for t >= t_d."""
    cl, v = np.asarray(cl, dtype=float)[..., None], np.asarray(v, dtype=float)[..., None]
    out = 0.0
    for td, mg in doses:
        out = out + np.where(t >= td, mg * 1e6 / mw / v * np.exp(-cl / v * (t - td)), 0.0)
    return out


def scenario(amount=10.0, unit="mg"):
    return en.Scenario(doses=[en.Dose("fd1cmt", amount=amount, unit=unit, route="iv")],
                       population=en.Population(1, variability=0), t_end=480, dt=60,
                       pulses=False)


def simulate(drug, n, seed, a=A_SD, b=B_SD, times=TIMES):
    rng = np.random.default_rng(seed)
    cl = CL * np.exp(0.3 * rng.standard_normal(n))
    v = V * np.exp(0.2 * rng.standard_normal(n))
    c = conc(cl, v, times, drug.molar_mass)
    y = c + np.sqrt(a ** 2 + (b * c) ** 2) * rng.standard_normal(c.shape)
    return y, cl, v


def tidy(y, times=TIMES):
    n = y.shape[0]
    return pd.DataFrame({"subject": np.repeat(np.arange(n), times.size),
                         "time": np.tile(times, n), "output": OUT, "value": y.ravel()})


def neg2ll(x, y, mw, kinds, cens=None, lloq=None, doses=((0.0, 10.0),)):
    """The closed-form -2 log L of one subject at x = (log cl, log v, log SDs...)."""
    from scipy.stats import norm
    f = conc(np.exp(x[0]), np.exp(x[1]), TIMES, mw, doses)
    sd = dict(zip(kinds, np.exp(x[2:])))
    var = sd.get("additive", 0.0) ** 2 + (sd.get("proportional", 0.0) * f) ** 2
    cens = np.zeros(y.size, dtype=bool) if cens is None else cens
    obs = ~cens
    out = np.sum((y[obs] - f[obs]) ** 2 / var[obs] + np.log(2 * np.pi * var[obs]))
    if cens.any():
        out += -2 * np.sum(norm.logcdf((lloq[cens] - f[cens]) / np.sqrt(var[cens])))
    return out


def fd_hessian(fun, x, h=1e-4):
    k = x.size
    H = np.empty((k, k))
    for i in range(k):
        for j in range(k):
            ei, ej = np.eye(k)[i] * h, np.eye(k)[j] * h
            H[i, j] = (fun(x + ei + ej) - fun(x + ei - ej) - fun(x - ei + ej)
                       + fun(x - ei - ej)) / (4 * h * h)
    return H


def test_combined_equals_scipy_minimize(drug):
    """Estimates (and SDs) equal to scipy's minimum of the closed-form -2 log L; standard
    errors equal to the inverse of half the closed form's Hessian (observed information)."""
    from scipy.optimize import minimize
    scipy = pytest.importorskip("scipy")
    del scipy
    y, cl, v = simulate(drug, 8, seed=3)
    fit = en.fit_model(tidy(y), scenario(), ["fd1cmt.cl", "fd1cmt.v1"], error="combined")
    assert fit.converged.all(), fit.reason.to_dict()
    assert list(fit.sigma.columns) == ["additive", "proportional"]
    kinds = ("additive", "proportional")
    n_interior = 0
    for i in range(8):
        x0 = np.log([cl[i], v[i], A_SD, B_SD])
        ref = minimize(neg2ll, x0, args=(y[i], drug.molar_mass, kinds), method="BFGS",
                       options=dict(gtol=1e-9, maxiter=2000))
        assert ref.success or ref.status == 2, ref.message
        ours = np.r_[fit.params.iloc[i].to_numpy(), fit.sigma.iloc[i].to_numpy()]
        if (ours[2:] == 0).any():
            # an SD at its bound (reported 0): scipy's heads there too (a few % of the
            # truth, still falling); the structural parameters agree
            assert (np.exp(ref.x[2:])[ours[2:] == 0] < 0.05 * np.array([A_SD, B_SD])[
                ours[2:] == 0]).all()
            np.testing.assert_allclose(ours[:2], np.exp(ref.x[:2]), rtol=1e-3)
            continue
        n_interior += 1
        np.testing.assert_allclose(ours, np.exp(ref.x), rtol=1e-4)
        H = fd_hessian(lambda x: neg2ll(x, y[i], drug.molar_mass, kinds), ref.x)
        se = np.sqrt(np.diag(np.linalg.inv(H / 2)))
        np.testing.assert_allclose(fit.stderr_log.iloc[i], se[:2], rtol=2e-3)
        np.testing.assert_allclose(fit.stderr_sigma.iloc[i] / fit.sigma.iloc[i], se[2:],
                                   rtol=2e-3)
        # ofv: -2 log L at the estimate
        x = np.r_[np.log(fit.params.iloc[i]), np.log(fit.sigma.iloc[i])]
        assert abs(fit.ofv_subject.iloc[i] - neg2ll(x, y[i], drug.molar_mass, kinds)) < 1e-6
    assert n_interior >= 5
    assert fit.ofv == pytest.approx(fit.ofv_subject.sum())
    # iwres uses sqrt(a^2 + (b f)^2)
    pred = fit.predict()
    a = fit.sigma["additive"].reindex(pred.subject).to_numpy()
    b = fit.sigma["proportional"].reindex(pred.subject).to_numpy()
    np.testing.assert_allclose(pred.iwres, pred.residual / np.sqrt(a ** 2 + (b * pred.prediction)
                                                                   ** 2))


@pytest.mark.slow
def test_combined_recovery_and_coverage(drug):
    """200 simulated subjects: median estimates near the truth, 95 % intervals covering
    the true clearance and volume about 95 % of the time."""
    n = 200
    y, cl, v = simulate(drug, n, seed=21, times=DENSE)
    fit = en.fit_model(tidy(y, DENSE), scenario(), ["fd1cmt.cl", "fd1cmt.v1"],
                       error="combined")
    assert fit.converged.mean() > 0.97, fit.reason.value_counts()
    ok = fit.converged.to_numpy()
    for name, truth in (("fd1cmt.cl", cl), ("fd1cmt.v1", v)):
        est = fit.params[name].to_numpy()[ok]
        assert abs(np.median(est / truth[ok]) - 1) < 0.02, name
        z = (np.log(est) - np.log(truth[ok])) / fit.stderr_log[name].to_numpy()[ok]
        cover = np.mean(np.abs(z) < 1.959964)
        # binomial SD of the coverage ~1.5 %; 24 observations, 4 parameters per subject:
        # ML intervals (ML SDs) run a little short
        assert 0.87 < cover < 0.99, (name, cover)
    # per-subject ML SDs: biased low (n - p < n), right order
    assert 0.6 < np.median(fit.sigma["additive"][ok]) / A_SD < 1.1
    assert 0.6 < np.median(fit.sigma["proportional"][ok]) / B_SD < 1.1


# ---------------------------------------------------------------------------
# M3
# ---------------------------------------------------------------------------
LLOQ = 20.0


def censored_data(drug, n, seed, sd=8.0):
    rng = np.random.default_rng(seed)
    cl = CL * np.exp(0.3 * rng.standard_normal(n))
    v = V * np.exp(0.2 * rng.standard_normal(n))
    c = conc(cl, v, TIMES, drug.molar_mass)
    y = c + sd * rng.standard_normal(c.shape)
    cens = y < LLOQ
    data = tidy(np.where(cens, np.nan, y))
    data["censored"] = cens.ravel()
    data["lloq"] = LLOQ
    return data, y, cens, cl, v


def test_m3_equals_scipy_minimize(drug):
    from scipy.optimize import minimize
    data, y, cens, cl, v = censored_data(drug, 6, seed=8)
    assert cens.any(axis=1).all() and (cens.sum(axis=1) < 8).all()
    fit = en.fit_model(data, scenario(), ["fd1cmt.cl", "fd1cmt.v1"], error="additive")
    assert fit.converged.all(), fit.reason.to_dict()
    assert fit.n_censored == cens.sum()
    lloq = np.full(TIMES.size, LLOQ)
    for i in range(6):
        fun = (lambda x, i=i: neg2ll(x, np.where(cens[i], 0.0, y[i]), drug.molar_mass,
                                      ("additive",), cens[i], lloq))
        ref = minimize(fun, np.log([cl[i], v[i], 8.0]), method="BFGS",
                       options=dict(gtol=1e-9, maxiter=2000))
        ours = np.r_[fit.params.iloc[i].to_numpy(), fit.sigma.iloc[i]]
        np.testing.assert_allclose(ours, np.exp(ref.x), rtol=1e-4)
        se = np.sqrt(np.diag(np.linalg.inv(fd_hessian(fun, ref.x) / 2)))
        np.testing.assert_allclose(fit.stderr_log.iloc[i], se[:2], rtol=2e-3)
    pred = fit.predict()
    assert pred["censored"].sum() == cens.sum()
    assert pred.loc[pred.censored, "iwres"].isna().all()


@pytest.mark.slow
def test_m3_removes_the_bias_of_dropping_censored_rows(drug):
    """Proportional error (every row weighs the same on the log scale), 46 % of the rows
    below the LLOQ: dropping them keeps only the high values late in the profile, so
    elimination looks slower (clearance underestimated, volume overestimated); M3
    recovers both."""
    n, lloq = 200, 50.0
    rng = np.random.default_rng(9)
    cl = CL * np.exp(0.3 * rng.standard_normal(n))
    v = V * np.exp(0.2 * rng.standard_normal(n))
    c = conc(cl, v, TIMES, drug.molar_mass)
    y = c * (1 + 0.3 * rng.standard_normal(c.shape))
    cens = y < lloq
    assert 0.4 < cens.mean() < 0.5
    data = tidy(np.where(cens, np.nan, y))
    data["censored"] = cens.ravel()
    data["lloq"] = lloq
    sc = scenario()
    names = ["fd1cmt.cl", "fd1cmt.v1"]
    m3 = en.fit_model(data, sc, names, error="proportional")
    dropped = en.fit_model(data[~data.censored].drop(columns=["censored", "lloq"]), sc,
                           names, error="proportional")
    assert m3.converged.mean() > 0.97 and dropped.converged.mean() > 0.97
    # median log-ratio to the truth, with its standard error (1.2533 sd / sqrt(n))
    stats = {}
    for label, fit in (("m3", m3), ("dropped", dropped)):
        for name, truth in (("cl", cl), ("v", v)):
            lr = np.log(fit.params[f"fd1cmt.{'v1' if name == 'v' else name}"].to_numpy()
                        / truth)
            stats[label, name] = (np.median(lr), 1.2533 * np.std(lr) / np.sqrt(n))
    for name in ("cl", "v"):
        bias, se = stats["m3", name]
        assert abs(bias) < 2.5 * se + 0.002, (name, stats)
    bias, se = stats["dropped", "cl"]
    assert bias < -0.015 and bias < -2.5 * se, stats
    assert abs(bias) > 3 * abs(stats["m3", "cl"][0]), stats
    # paired (a sign test): dropping lowers most subjects' clearance (0.5 if unbiased;
    # subjects without censored rows get the same estimate both ways)
    paired = np.log(dropped.params["fd1cmt.cl"] / m3.params["fd1cmt.cl"]).to_numpy()
    assert np.mean(paired < 0) > 0.75 and np.mean(paired) < -0.01, paired


# ---------------------------------------------------------------------------
# data forms: a NONMEM-style table == the tidy table with per-subject doses
# ---------------------------------------------------------------------------
def per_subject_doses(n):
    """Subject i: mg/kg doses (their own amounts, some two doses at different times)."""
    rows = []
    for i in range(n):
        rows.append((i, 0.0, 0.1 + 0.02 * i))
        if i % 3 == 1:
            rows.append((i, 100.0 + 10 * i, 0.05))
    return pd.DataFrame(rows, columns=["subject", "time", "amount"])


def nonmem_case(drug, n=6, seed=4):
    rng = np.random.default_rng(seed)
    wt = 50.0 + 5 * np.arange(n)
    dose_table = per_subject_doses(n)
    cl = CL * np.exp(0.3 * rng.standard_normal(n))
    v = V * np.exp(0.2 * rng.standard_normal(n))
    y = np.empty((n, TIMES.size))
    for i in range(n):
        di = dose_table[dose_table.subject == i]
        mg = [(t, a * wt[i]) for t, a in zip(di.time, di.amount)]
        c = conc(cl[i], v[i], TIMES, drug.molar_mass, mg)
        y[i] = c * (1 + 0.1 * rng.standard_normal(TIMES.size))
    data = tidy(y)
    data["censored"] = data.value < 5.0
    data["lloq"] = 5.0
    data["body_weight"] = np.repeat(wt, TIMES.size)
    # the same as a NONMEM-style table
    obs = pd.DataFrame({"ID": data.subject, "TIME": data.time, "DV": data.value,
                        "AMT": 0.0, "EVID": 0, "MDV": 0, "CMT": 2,
                        "BLQ": data.censored.astype(int), "LLOQ": 5.0,
                        "WT": data.body_weight})
    dos = pd.DataFrame({"ID": dose_table.subject, "TIME": dose_table.time, "DV": 0.0,
                        "AMT": dose_table.amount, "EVID": 1, "MDV": 1, "CMT": 1, "BLQ": 0,
                        "LLOQ": 5.0, "WT": wt[dose_table.subject]})
    nm = pd.concat([dos, obs]).sort_values(["ID", "TIME", "EVID"], ascending=[True, True,
                                                                             False],
                                           kind="stable").reset_index(drop=True)
    return data, dose_table, nm, wt, y


def test_nonmem_table_equals_tidy_table_with_doses(drug):
    from scipy.optimize import minimize
    data, dose_table, nm, wt, y = nonmem_case(drug)
    sc = scenario(amount=0.1, unit="mg/kg")        # the protocol: the doses' drug/route/unit
    names = ["fd1cmt.cl", "fd1cmt.v1"]
    a = en.fit_model(data, sc, names, error="proportional", doses=dose_table)
    b = en.fit_model(nm, sc, names, error="proportional")
    assert a.converged.all() and b.converged.all()
    np.testing.assert_array_equal(a.params.to_numpy(), b.params.to_numpy())
    np.testing.assert_array_equal(a.stderr.to_numpy(), b.stderr.to_numpy())
    # and the doses are each subject's own: scipy on the closed form with those doses
    cens = data.censored.to_numpy().reshape(y.shape)
    for i in range(len(wt)):
        di = dose_table[dose_table.subject == i]
        mg = tuple((t, am * wt[i]) for t, am in zip(di.time, di.amount))
        fun = (lambda x, i=i, mg=mg: neg2ll(x, np.where(cens[i], 0.0, y[i]), drug.molar_mass,
                                             ("proportional",), cens[i],
                                             np.full(TIMES.size, 5.0), mg))
        x0 = np.log(np.r_[a.params.iloc[i].to_numpy(), a.sigma.iloc[i]]) + 0.05
        ref = minimize(fun, x0, method="BFGS", options=dict(gtol=1e-9, maxiter=2000))
        np.testing.assert_allclose(a.params.iloc[i], np.exp(ref.x[:2]), rtol=1e-4)


def test_subjects_without_dose_rows_get_the_scenario_dose(drug):
    data, dose_table, nm, wt, y = nonmem_case(drug)
    sc = scenario(amount=0.1, unit="mg/kg")
    names = ["fd1cmt.cl", "fd1cmt.v1"]
    # subject 0's data dose is the scenario's (0.1 mg/kg at 0): leaving it out is the same
    full = en.fit_model(nm, sc, names, error="proportional")
    part = en.fit_model(nm[~((nm.ID == 0) & (nm.EVID == 1))], sc, names, error="proportional")
    np.testing.assert_allclose(full.params.to_numpy(), part.params.to_numpy(), rtol=1e-12)


def _nm(drug):
    return nonmem_case(drug, n=3)[2]


@pytest.mark.parametrize("change, word", [
    (lambda d: d.drop(columns="DV").rename(columns={"ID": "id"}), "missing column"),
    (lambda d: d.iloc[[0, 2, 1] + list(range(3, len(d)))], "not sorted"),
    (lambda d: d.assign(OUTPUT="fd1cmt_plasm"), "did you mean"),
    (lambda d: d.assign(AMT=np.where(d.EVID == 1, np.nan, d.AMT)), "without an amount"),
    (lambda d: pd.concat([d.iloc[:2], d.iloc[1:]]).reset_index(drop=True), "duplicate"),
    (lambda d: d.assign(DV=np.where(d.index == 5, np.nan, d.DV)), "NaN"),
    (lambda d: d.assign(EVID=np.where(d.index == 0, 4, d.EVID)), "EVID"),
    (lambda d: d.assign(RATE=np.where(d.EVID == 1, 10.0, 0.0)), "RATE"),
    (lambda d: d.assign(WT=np.where(d.index == 3, 99.0, d.WT)), "varies within"),
    (lambda d: d.assign(BLQ=np.where(d.index == 3, 2, d.BLQ)), "BLQ"),
    (lambda d: d.assign(EVID=0, AMT=0.0, MDV=1), "no observation"),
])
def test_malformed_nonmem_tables(drug, change, word):
    with pytest.raises(ValueError, match=word) as e:
        en.fit_model(change(_nm(drug)), scenario(0.1, "mg/kg"), ["fd1cmt.cl"])
    assert "data" in str(e.value) or "doses" in str(e.value)


@pytest.mark.parametrize("doses, word", [
    (pd.DataFrame({"subject": [0], "time": [0.0]}), "missing column"),
    (pd.DataFrame({"subject": [0], "time": [0.0], "amount": [np.nan]}), "without an amount"),
    (pd.DataFrame({"subject": [0, 0], "time": [0.0, 0.0], "amount": [1.0, 1.0]}), "duplicate"),
    (pd.DataFrame({"subject": [99], "time": [0.0], "amount": [1.0]}), "no observations"),
    (pd.DataFrame({"subject": [0], "time": [0.0], "amount": [1.0], "dose": [3]}), "dose"),
])
def test_malformed_dose_tables(drug, doses, word):
    data = nonmem_case(drug, n=3)[0]
    with pytest.raises(ValueError, match=word):
        en.fit_model(data, scenario(0.1, "mg/kg"), ["fd1cmt.cl"], doses=doses)


def test_data_type_errors(drug):
    data = nonmem_case(drug, n=3)[0]
    with pytest.raises(TypeError, match="doses"):
        en.fit_model(data, scenario(), ["fd1cmt.cl"], doses=[(0, 0.0, 1.0)])
    with pytest.raises(ValueError, match="lloq"):
        en.fit_model(data.drop(columns="lloq"), scenario(), ["fd1cmt.cl"])
    with pytest.raises(ValueError, match="NONMEM"):
        en.fit_model(_nm(drug), scenario(), ["fd1cmt.cl"], doses=per_subject_doses(3))
