"""Fit diagnostics (endorphin.estimation.diagnostics): the visual predictive check against
an independent NumPy Monte Carlo of the closed-form one-compartment model, its coverage on
data from the true model and its failure on a mis-specified one, keyed reproducibility;
the profile likelihood against scipy refits at each fixed value (closed form) and against
the Wald interval where the model is nearly linear; bad input."""
import warnings

import numpy as np
import pandas as pd
import pytest

import endorphin as en
import onecmt as oc
from endorphin.estimation import diagnostics


@pytest.fixture(scope="module", autouse=True)
def drug():
    d = oc.register()
    yield d
    oc.unregister()


@pytest.fixture(scope="module")
def data():
    return oc.population_data(40, seed=3)


@pytest.fixture(scope="module")
def true_fit(data):
    return oc.population_fit(data)


# ---------------------------------------------------------------------------
# VPC
# ---------------------------------------------------------------------------
def test_vpc_matches_numpy_monte_carlo(data, true_fit):
    R = 250
    v = true_fit.vpc(R, seed=1, bins="time")
    tab = v.table
    assert list(tab.columns) == ["output", "bin", "time", "time_lo", "time_hi", "n", "pi",
                                 "observed", "sim_median", "sim_lo", "sim_hi", "outside"]
    pis = np.array([0.05, 0.5, 0.95])
    assert len(tab) == oc.TIMES.size * pis.size
    np.testing.assert_array_equal(np.unique(tab["time"]), oc.TIMES)
    assert (tab["n"] == 40).all()
    # observed percentiles: pandas on the data
    obs = data.groupby("time")["value"].quantile(list(pis)).unstack()
    for p in pis:
        t = tab[tab["pi"] == p].set_index("time")
        np.testing.assert_allclose(t["observed"], obs.loc[t.index, p], rtol=1e-12)
    # reference: the same design simulated in NumPy with the closed form
    rng = np.random.default_rng(2024)
    Rr, n = 4000, 40
    cl = oc.CL * np.exp(np.sqrt(oc.OMEGA["cl"]) * rng.standard_normal((Rr, n)))
    vv = oc.V * np.exp(np.sqrt(oc.OMEGA["v1"]) * rng.standard_normal((Rr, n)))
    c = oc.closed_form(cl, vv)                                           # (Rr, n, T)
    y = c + np.sqrt(oc.ADD ** 2 + (oc.PROP * c) ** 2) * rng.standard_normal(c.shape)
    q = np.quantile(y, pis, axis=1)                                      # (pi, Rr, T)
    ref_med = np.median(q, axis=1)
    ref_lo, ref_hi = np.quantile(q, [0.025, 0.975], axis=1)
    sd = q.std(axis=1)
    for j, p in enumerate(pis):
        t = tab[tab["pi"] == p].sort_values("time")
        # MC error of a median of R replicates: 1.25 sd / sqrt(R); of a 2.5 % quantile
        # ~0.135 sd (normal approximation); 4 of those (and the reference's own error)
        np.testing.assert_array_less(np.abs(t["sim_median"] - ref_med[j]),
                                     4 * 1.25 * sd[j] / np.sqrt(R) + 1e-9)
        np.testing.assert_array_less(np.abs(t["sim_lo"] - ref_lo[j]), 0.6 * sd[j] + 1e-9)
        np.testing.assert_array_less(np.abs(t["sim_hi"] - ref_hi[j]), 0.6 * sd[j] + 1e-9)
    assert v.failed == 0


def test_vpc_true_model_covers_and_misspecified_does_not(data, true_fit):
    good = true_fit.vpc(100, seed=7)
    # 30 (bin, percentile) pairs at a nominal 95 %: most inside
    assert good.table["outside"].mean() <= 0.2, good.table
    bad = oc.population_fit(data, cl=oc.CL / 2).vpc(100, seed=7)
    med = bad.table[bad.table["pi"] == 0.5]
    assert med["outside"].mean() >= 0.7, med
    # the mis-specified model (half the clearance) over-predicts late concentrations
    late = med[med["time"] >= 120]
    assert (late["observed"] < late["sim_lo"]).all()


def test_vpc_is_keyed_and_batch_independent(true_fit, monkeypatch):
    a = true_fit.vpc(30, seed=5)
    b = diagnostics.vpc(true_fit, 30, seed=5)
    pd.testing.assert_frame_equal(a.table, b.table)
    c = true_fit.vpc(30, seed=6)
    assert not np.allclose(a.table["sim_median"], c.table["sim_median"])
    monkeypatch.setattr(diagnostics, "_VPC_LANES", 40)        # one replicate per call
    d = true_fit.vpc(30, seed=5)
    pd.testing.assert_frame_equal(a.table, d.table)


def test_vpc_bins(true_fit, data):
    v = true_fit.vpc(5, seed=0, bins=3, pi=[0.5])
    assert v.table["bin"].tolist() == [0, 1, 2]
    assert v.table["n"].sum() == len(data)
    # tertiles of 10 equally common times: edges at 60 and 180 min, bins [lo, hi)
    assert np.quantile(data["time"], [1 / 3, 2 / 3]).tolist() == [60.0, 180.0]
    assert v.table["n"].tolist() == [120, 120, 160]
    assert v.table["time_lo"].tolist() == [5.0, 60.0, 180.0]
    e = true_fit.vpc(5, seed=0, bins=[0, 100, 500], pi=[0.5])
    assert e.table["n"].tolist() == [200, 200]
    assert e.table["time_hi"].tolist() == [90.0, 480.0]
    np.testing.assert_array_equal(e.observed["bin"], (data["time"] >= 100).astype(int))
    assert "VPC(replicates=5" in repr(e)


def test_vpc_bad_input(true_fit, data):
    ind = en.fit_model(data[data["subject"] < 3], oc.scenario(), oc.NAMES)
    with pytest.raises(TypeError, match="population"):
        ind.vpc()
    with pytest.raises(TypeError, match="population"):
        diagnostics.vpc(ind)
    with pytest.raises(TypeError, match="PopulationFit"):
        diagnostics.vpc("fit")
    with pytest.raises(TypeError, match="ModelFit"):
        diagnostics.vpc(pd.DataFrame())
    for kw, match in [({"replicates": 1}, "replicates"), ({"replicates": 2.5}, "replicates"),
                      ({"seed": -1}, "seed"), ({"pi": (0.5, 0.05)}, "increasing"),
                      ({"pi": (0.0, 0.5)}, "pi"), ({"pi": ()}, "pi"), ({"ci": 1.5}, "ci"),
                      ({"bins": "quantile"}, "bins"), ({"bins": [100, 50]}, "bins"),
                      ({"bins": [10, 500]}, "cover"), ({"bins": 0}, "bins")]:
        with pytest.raises((ValueError, TypeError), match=match):
            diagnostics.vpc(true_fit, **{"replicates": 5, **kw})
    from endorphin.estimation.population import PopulationFit
    bare = PopulationFit(**{k: v for k, v in vars(true_fit).items() if k != "_problem"})
    with pytest.raises(ValueError, match="_problem"):
        bare.vpc(5)
    neg = oc.population_fit(data)
    neg.omega_matrix.iloc[0, 0] = -0.1
    with pytest.raises(ValueError, match="semi-definite"):
        neg.vpc(5)
    nosig = oc.population_fit(data, add=0.0, prop=0.0)
    with pytest.raises(ValueError, match="sigma"):
        nosig.vpc(5)


# ---------------------------------------------------------------------------
# profile likelihood
# ---------------------------------------------------------------------------
def _ofv_closed(cl, v, y, error):
    f = oc.closed_form(cl, v)
    n = y.size
    if error == "additive":
        S = np.sum((y - f) ** 2)
        return n * np.log(2 * np.pi * S / n) + n
    S = np.sum(((y - f) / f) ** 2)
    return n * np.log(2 * np.pi * S / n) + 2 * np.sum(np.log(f)) + n


@pytest.mark.parametrize("error", ["additive", "proportional"])
def test_profile_equals_scipy_refits(error):
    from scipy.optimize import least_squares
    n = 5
    data = oc.population_data(n, seed=11, add=5.0 if error == "additive" else 0.0,
                              prop=0.1 if error == "proportional" else 0.0)
    fit = en.fit_model(data, oc.scenario(), oc.NAMES, error=error)
    assert fit.converged.all()
    values = [0.7, 0.85, 1.0, 1.2]
    with warnings.catch_warnings():          # the grid need not reach the interval
        warnings.simplefilter("ignore", RuntimeWarning)
        p = fit.profile(oc.NAMES[0], values)
    assert list(p.table.columns) == ["subject", "value", "ofv", "delta", "converged"]
    assert len(p.table) == n * len(values) and p.table["converged"].all()
    y = data["value"].to_numpy().reshape(n, oc.TIMES.size)

    def resid(lv, cl, yi):
        f = oc.closed_form(cl, np.exp(lv[0]))
        if error == "additive":
            return yi - f
        return (yi - f) / f * np.exp(np.mean(np.log(f)))

    for i in range(n):
        v_hat = fit.params.iloc[i][oc.NAMES[1]]
        best = _ofv_closed(fit.params.iloc[i][oc.NAMES[0]], v_hat, y[i], error)
        for cl in values:
            ref = least_squares(resid, [np.log(v_hat)], args=(cl, y[i]), method="lm",
                                xtol=1e-15, ftol=1e-15, gtol=1e-15)
            ofv = _ofv_closed(cl, np.exp(ref.x[0]), y[i], error)
            row = p.table[(p.table["subject"] == i) & np.isclose(p.table["value"], cl)]
            assert len(row) == 1
            np.testing.assert_allclose(row["ofv"].iloc[0], ofv, rtol=0, atol=1e-5)
            np.testing.assert_allclose(row["delta"].iloc[0], ofv - best, rtol=0, atol=1e-5)
    # no fixed value does better than the estimate
    assert (p.table["delta"] > -1e-6).all()


def test_profile_interval_matches_wald_when_nearly_linear():
    # tiny residual error: the model is nearly linear over the interval
    data = oc.population_data(4, seed=2, add=0.5, prop=0.0)
    fit = en.fit_model(data, oc.scenario(), oc.NAMES, error="additive")
    for name in oc.NAMES:
        p = fit.profile(name, points=15, span=3.0)
        iv = p.interval
        assert np.isfinite(iv[["lower", "upper"]].to_numpy()).all()
        np.testing.assert_allclose(iv["estimate"], fit.params[name], rtol=1e-12)
        assert (iv["lower"] < iv["estimate"]).all() and (iv["estimate"] < iv["upper"]).all()
        # the Wald interval from the fit's standard errors (computed here)
        se = fit.stderr_log[name].to_numpy()
        wl = fit.params[name].to_numpy() * np.exp(-1.959964 * se)
        wu = fit.params[name].to_numpy() * np.exp(1.959964 * se)
        np.testing.assert_allclose(iv["lower"], wl, rtol=2e-3)
        np.testing.assert_allclose(iv["upper"], wu, rtol=2e-3)
        np.testing.assert_allclose(iv["wald_lower"], wl, rtol=1e-9)
        assert p.threshold == pytest.approx(3.841459, abs=1e-6)
        # the default grid is centred on the estimate: delta 0 there
        centre = p.table.groupby("subject")["delta"].apply(lambda d: d.iloc[7])
        np.testing.assert_allclose(centre, 0.0, atol=1e-6)


def test_profile_of_the_only_parameter_is_the_likelihood():
    data = oc.population_data(3, seed=4, add=5.0, prop=0.0)
    fit = en.fit_model(data, oc.scenario(), [oc.NAMES[0]], error="additive")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        p = fit.profile(oc.NAMES[0], [0.8, 1.0, 1.25])
    y = data["value"].to_numpy().reshape(3, oc.TIMES.size)
    for i in range(3):
        for cl in (0.8, 1.0, 1.25):
            row = p.table[(p.table["subject"] == i) & np.isclose(p.table["value"], cl)]
            np.testing.assert_allclose(row["ofv"].iloc[0],
                                       _ofv_closed(cl, oc.V, y[i], "additive"), atol=1e-5)


def test_profile_bad_input(data, true_fit):
    fit = en.fit_model(data[data["subject"] < 3], oc.scenario(), oc.NAMES)
    with pytest.raises(ValueError, match="not a fitted parameter"):
        fit.profile("dgdiag.cll")
    with pytest.raises(TypeError, match="name"):
        fit.profile(3)
    for kw, exc, match in [({"values": [-1.0, 1.0]}, ValueError, "positive"),
                           ({"values": [[1.0, 2.0]]}, ValueError, "shape"),
                           ({"values": "abc"}, TypeError, "values"),
                           ({"level": 1.0}, ValueError, "level"),
                           ({"points": 2}, ValueError, "points"),
                           ({"span": 0}, ValueError, "span")]:
        with pytest.raises(exc, match=match):
            fit.profile(oc.NAMES[0], **kw)
    with pytest.raises(NotImplementedError, match="population"):
        true_fit.profile(oc.NAMES[0])
    with pytest.raises(TypeError, match="ModelFit"):
        diagnostics.profile("fit", oc.NAMES[0])
    # an interval reaching beyond the grid is NaN, with a warning
    with pytest.warns(RuntimeWarning, match="beyond the grid"):
        p = fit.profile(oc.NAMES[0], points=3, span=0.1)
    assert p.interval[["lower", "upper"]].isna().all().all()
