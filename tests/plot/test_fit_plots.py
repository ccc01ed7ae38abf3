"""Figures of model fits (endorphin.plot.vpc, gof, profile): the artists drawn (points,
percentile lines, bands, identity lines, the QQ plot, thresholds), their data and the axis
labels, and bad input."""
import warnings

import numpy as np
import pandas as pd
import pytest

import endorphin as en
import onecmt as oc

plt = pytest.importorskip("matplotlib.pyplot")
from matplotlib.collections import PolyCollection  # noqa: E402


@pytest.fixture(scope="module", autouse=True)
def drug():
    d = oc.register()
    yield d
    oc.unregister()


@pytest.fixture(scope="module")
def data():
    return oc.population_data(12, seed=8)


@pytest.fixture(scope="module")
def vpc_result(data):
    return oc.population_fit(data).vpc(20, seed=2)


@pytest.fixture(scope="module")
def ind_fit(data):
    return en.fit_model(data[data["subject"] < 4], oc.scenario(), oc.NAMES,
                        error="proportional")


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def _points(ax):
    return [ln for ln in ax.get_lines() if ln.get_marker() == "o" and
            ln.get_linestyle() in ("None", "none", "")]


def test_vpc_artists(vpc_result, data):
    ax = en.plot.vpc(vpc_result)
    pts = _points(ax)
    assert len(pts) == 1
    np.testing.assert_array_equal(pts[0].get_xdata(), data["time"])
    np.testing.assert_array_equal(pts[0].get_ydata(), data["value"])
    bands = [c for c in ax.collections if isinstance(c, PolyCollection)]
    assert len(bands) == 3                                   # one CI band per percentile
    lines = [ln for ln in ax.get_lines() if ln not in pts]
    assert len(lines) == 3                                   # observed P5, P50, P95
    assert sorted(ln.get_linestyle() for ln in lines) == ["-", "--", "--"]
    med = next(ln for ln in lines if ln.get_linestyle() == "-")
    # the observed median line passes through the data's median at each time
    np.testing.assert_allclose(med.get_ydata(),
                               data.groupby("time")["value"].median().to_numpy())
    assert ax.get_xlabel() == "time [min]"
    assert ax.get_ylabel() == en.plot.output_label(oc.OUT)
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "observed P50" in labels and "simulated P95, 95 % CI" in labels
    # no points, log axis, a given Axes
    fig, ax2 = plt.subplots()
    out = en.plot.vpc(vpc_result, oc.OUT, ax=ax2, points=False, log=True)
    assert out is ax2 and not _points(ax2) and ax2.get_yscale() == "log"


def test_vpc_bad_input(vpc_result):
    with pytest.raises(TypeError, match="VPC"):
        en.plot.vpc(vpc_result.table)
    with pytest.raises(ValueError, match="output"):
        en.plot.vpc(vpc_result, "plasma_cortisol")
    fig, axs = plt.subplots(1, 2)
    with pytest.raises(ValueError, match="axes"):
        en.plot.vpc(vpc_result, ax=axs)


def test_gof_individual(ind_fit):
    pred = ind_fit.predict()
    axs = en.plot.gof(ind_fit)
    assert len(axs) == 4
    assert [a.get_xlabel() for a in axs] == ["IPRED [nmol/L]", "time [min]",
                                             "IPRED [nmol/L]", "standard normal quantile"]
    assert [a.get_ylabel() for a in axs] == ["DV [nmol/L]", "IWRES", "|IWRES|",
                                             "IWRES quantile"]
    for a in axs:
        pts = _points(a)
        assert len(pts) == 1 and len(pts[0].get_xdata()) == len(pred)
    np.testing.assert_allclose(_points(axs[0])[0].get_xdata(), pred["prediction"])
    np.testing.assert_allclose(_points(axs[2])[0].get_ydata(), np.abs(pred["iwres"]))
    # identity lines in DV vs IPRED and the QQ plot
    ident = [ln for a in axs for ln in a.get_lines() if ln.get_gid() == "endorphin-identity"]
    assert len(ident) == 2
    x, y = ident[0].get_xdata(), ident[0].get_ydata()
    np.testing.assert_array_equal(x, y)
    # QQ: sorted IWRES against normal quantiles (Blom-free (k + 0.5) / n positions)
    qq = _points(axs[3])[0]
    np.testing.assert_allclose(qq.get_ydata(), np.sort(pred["iwres"]))
    from scipy.stats import norm
    n = len(pred)
    np.testing.assert_allclose(qq.get_xdata(), norm.ppf((np.arange(n) + 0.5) / n),
                               rtol=1e-9)


def test_gof_population_table_two_outputs(ind_fit):
    pred = ind_fit.predict().rename(columns={"prediction": "ipred"})
    pred["pred"] = pred["ipred"] * 1.2
    pred["cwres"] = pred["iwres"] * 0.5
    other = pred.copy()
    other["output"] = "plasma_beta_endorphin"          # pmol/L
    tab = pd.concat([pred, other], ignore_index=True)
    axs = en.plot.gof(tab, log=True)
    assert len(axs) == 6
    assert [a.get_ylabel() for a in axs] == ["DV", "DV", "CWRES", "CWRES", "|IWRES|",
                                             "CWRES quantile"]
    assert axs[0].get_xlabel() == "PRED"                   # two outputs: no common unit
    assert axs[0].get_xscale() == "log" and axs[1].get_yscale() == "log"
    # one point series per output in the scatter panels, one in the QQ plot
    assert [len(_points(a)) for a in axs] == [2, 2, 2, 2, 2, 1]
    assert len(_points(axs[5])[0].get_xdata()) == len(tab)
    np.testing.assert_allclose(_points(axs[3])[0].get_xdata(), pred["pred"])
    labels = [t.get_text() for t in axs[0].get_legend().get_texts()]
    assert oc.OUT in labels and "plasma_beta_endorphin" in labels


def test_gof_bad_input(ind_fit):
    with pytest.raises(TypeError, match="ModelFit"):
        en.plot.gof([1, 2, 3])
    with pytest.raises(ValueError, match="iwres"):
        en.plot.gof(ind_fit.predict().drop(columns="iwres"))
    with pytest.raises(ValueError, match="no rows"):
        en.plot.gof(ind_fit.predict().iloc[:0])
    with pytest.raises(ValueError, match="6 matplotlib Axes|4 matplotlib Axes"):
        en.plot.gof(ind_fit, axes=plt.subplots(1, 2)[1])


def test_profile_plot(ind_fit):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        p = ind_fit.profile(oc.NAMES[0], points=9)
    ax = en.plot.profile(p)
    curves = [ln for ln in ax.get_lines() if ln.get_marker() == "o"]
    assert len(curves) == 4                                  # one per subject
    assert all(len(c.get_xdata()) == 9 for c in curves)
    thr = [ln for ln in ax.get_lines() if ln.get_linestyle() == "--"]
    assert len(thr) == 1 and thr[0].get_ydata()[0] == pytest.approx(3.8414588, abs=1e-6)
    assert ax.get_xlabel() == oc.NAMES[0]
    assert ax.get_ylabel() == "-2 log L above the minimum"
    one = en.plot.profile(p, subject=1, ax=plt.subplots()[1])
    bounds = [ln.get_xdata()[0] for ln in one.get_lines() if ln.get_linestyle() == ":"]
    row = p.interval.loc[1]
    expected = [b for b in (row["lower"], row["upper"]) if np.isfinite(b)]
    np.testing.assert_allclose(bounds, expected)
    est = [ln for ln in one.get_lines() if ln.get_marker() == "D"]
    assert len(est) == 1 and est[0].get_xdata()[0] == pytest.approx(row["estimate"])
    with pytest.raises(ValueError, match="subject"):
        en.plot.profile(p, subject=99)
    with pytest.raises(TypeError, match="Profile"):
        en.plot.profile(p.table)
    with pytest.raises(ValueError, match="max_subjects"):
        en.plot.profile(p, max_subjects=0)
