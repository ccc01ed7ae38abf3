"""endorphin.results: the Result and Comparison containers.

Most tests build a Result directly from analytic curves, so the expected
summary values are closed forms, not the package's own computations:

* a triangle 0 -> 10 (t = 20) -> 0 (t = 60) sampled every minute: Cmax 10,
  Tmax 20, and its trapezoidal AUC is exactly the triangle's area, 300;
* ``C0 exp(-k t)``: Cmax C0 at t = 0; the log-down AUC is exactly
  ``C0 / k (1 - exp(-k T))`` and the linear trapezoid is the geometric sum
  ``h C0 (1 + q) / (2 (1 - q)) (1 - exp(-k T))`` with ``q = exp(-k h)``.
"""
import math
import pickle

import numpy as np
import pytest

import endorphin
from endorphin.results import OUTPUT_META, Comparison, Result, Summary, output_meta
from endorphin.scenario import Exercise, Population, Scenario

T = np.arange(0.0, 121.0, 1.0)
K = math.log(2) / 37.0


def _triangle(t):
    return np.where(t <= 20, t / 2.0, np.clip((60.0 - t) / 4.0, 0, None))


def _synthetic(name="synthetic", **kw):
    exp = 50.0 * np.exp(-K * T)
    tri = _triangle(T)
    plasma = np.stack([tri, exp, 2 * tri])
    analgesia = np.stack([np.sin(np.pi * T / 120.0) * 0.3, 0.1 * tri / 10, 0 * T])
    mood = np.stack([-0.1 + 0 * T, 0.05 * np.cos(T / 10.0), 0 * T])
    y = np.stack([plasma, analgesia, mood], axis=1)
    return Result(T, y, ["plasma_beta_endorphin", "analgesia", "mood"], name=name,
                  provenance={"seed": 3, "method": "explicit", "rtol": 1e-6,
                              "atol": 1e-9, "pulses": True, "note": None,
                              "big": 2**100}, **kw)


def test_summary_against_closed_forms():
    s = _synthetic().summary()
    assert isinstance(s, Summary)
    per = s.subjects
    np.testing.assert_array_equal(per["plasma_beta_endorphin_cmax"], [10.0, 50.0, 20.0])
    np.testing.assert_array_equal(per["plasma_beta_endorphin_tmax"], [20.0, 0.0, 20.0])
    q = math.exp(-K)
    trap = 50.0 * (1 + q) / (2 * (1 - q)) * (1 - math.exp(-K * 120.0))
    np.testing.assert_allclose(per["plasma_beta_endorphin_auc"], [300.0, trap, 600.0],
                               rtol=1e-12)
    logdown = _synthetic().summary(auc_method="linear-up/log-down").subjects
    assert logdown["plasma_beta_endorphin_auc"][1] == pytest.approx(
        50.0 / K * (1 - math.exp(-K * 120.0)), rel=1e-12)
    # peak effects: sin peaks at t = 60 (0.3), the scaled triangle at 20 (0.1)
    np.testing.assert_allclose(per["analgesia_peak"], [0.3, 0.1, 0.0], atol=1e-15)
    np.testing.assert_array_equal(per["analgesia_tpeak"], [60.0, 20.0, 0.0])
    np.testing.assert_allclose(per["mood_min"], [-0.1, -0.05, 0.0], rtol=1e-3)
    # population: percentiles and moments of the three subjects
    pop = s.population
    assert list(pop.columns) == ["unit", "mean", "sd", "p5", "p50", "p95"]
    assert pop.loc["plasma_beta_endorphin_cmax", "p50"] == 20.0
    assert pop.loc["plasma_beta_endorphin_cmax", "mean"] == pytest.approx(80 / 3)
    assert pop.loc["plasma_beta_endorphin_cmax", "sd"] == pytest.approx(
        np.std([10, 50, 20], ddof=1))
    assert pop.loc["plasma_beta_endorphin_auc", "unit"] == "pmol/L*min"
    assert s.units["plasma_beta_endorphin_tmax"] == "min"
    custom = _synthetic().summary(percentiles=[25, 75]).population
    assert list(custom.columns) == ["unit", "mean", "sd", "p25", "p75"]
    assert "Population summary" in s._repr_html_() and "plasma_beta" in repr(s)


def test_summary_with_failed_subject_is_nan_and_quiet():
    y = _synthetic().y.copy()
    y[1, :, 50:] = np.nan                         # the engine gave up at t = 50
    res = Result(T, y, ["plasma_beta_endorphin", "analgesia", "mood"],
                 status=[0, 3, 0])
    per = res.summary().subjects                  # no RuntimeWarning (filterwarnings=error)
    assert np.isnan(per.loc[1, "plasma_beta_endorphin_auc"])
    assert np.isnan(per.loc[1, "analgesia_tpeak"])
    assert per.loc[0, "plasma_beta_endorphin_cmax"] == 10.0
    assert "1 failed" in repr(res)
    res._repr_html_()


def test_getitem_views_are_read_only():
    res = _synthetic()
    a = res["plasma_beta_endorphin"]
    assert a.shape == (3, T.size)
    np.testing.assert_array_equal(a[0], _triangle(T))
    with pytest.raises(ValueError, match="read-only"):
        a[0, 0] = 1.0
    with pytest.raises(KeyError, match="available"):
        res["plasma_acth"]
    with pytest.raises(TypeError, match="output name"):
        res[0]
    assert "mood" in res and "plasma_acth" not in res
    assert res.keys() == ("plasma_beta_endorphin", "analgesia", "mood")
    assert res.units == {"plasma_beta_endorphin": "pmol/L", "analgesia": "1", "mood": "1"}
    assert res.n_subjects == 3 and res.time is res.t


def test_to_pandas_long_and_wide():
    res = _synthetic()
    df = res.to_pandas()
    assert list(df.columns) == ["subject", "time", "variable", "value", "unit"]
    assert len(df) == 3 * T.size * 3
    row = df[(df.subject == 2) & (df.time == 20.0) & (df.variable == "plasma_beta_endorphin")]
    assert row["value"].item() == 20.0 and row["unit"].item() == "pmol/L"
    assert set(df.loc[df.variable == "mood", "unit"]) == {"1"}
    one = res.to_pandas("analgesia")
    assert len(one) == 3 * T.size and set(one.variable) == {"analgesia"}
    wide = res.to_pandas(wide=True)
    assert list(wide.columns) == ["subject", "time", "plasma_beta_endorphin", "analgesia",
                                  "mood"]
    np.testing.assert_array_equal(wide["mood"].to_numpy().reshape(3, -1), res["mood"])
    with pytest.raises(ValueError, match="variables"):
        res.to_pandas(["nope"])


def test_to_xarray_attrs_and_netcdf(tmp_path):
    xr = pytest.importorskip("xarray")
    res = _synthetic(covariates={"body_weight": np.array([60.0, 70.0, 80.0])})
    ds = res.to_xarray()
    assert ds["plasma_beta_endorphin"].dims == ("subject", "time")
    assert ds["plasma_beta_endorphin"].attrs == {
        "units": "pmol/L", "long_name": "plasma beta-endorphin concentration"}
    assert ds["body_weight"].attrs["units"] == "kg"
    assert ds["time"].attrs["units"] == "min"
    # provenance made netCDF-safe: booleans as 0/1, None as "", huge ints as text
    assert ds.attrs["seed"] == 3 and ds.attrs["pulses"] == 1 and ds.attrs["note"] == ""
    assert ds.attrs["big"] == str(2**100)
    assert ds.attrs["method"] == "explicit" and ds.attrs["rtol"] == 1e-6
    pytest.importorskip("scipy")
    path = tmp_path / "r.nc"
    ds.to_netcdf(path, engine="scipy")
    with xr.open_dataset(path, engine="scipy") as back:
        np.testing.assert_array_equal(back["plasma_beta_endorphin"].values,
                                      res["plasma_beta_endorphin"])
        assert back["plasma_beta_endorphin"].attrs["units"] == "pmol/L"
        assert back.attrs["method"] == "explicit"


def test_every_engine_output_has_metadata():
    for name in endorphin.core.models["endorphin"].outputs:
        unit, long_name = OUTPUT_META[name]
        assert unit and long_name
    assert output_meta("unknown_thing") == ("1", "unknown thing")


def test_pickle_equality_and_html():
    res = _synthetic(name="<script>alert(1)</script>")
    back = pickle.loads(pickle.dumps(res))
    assert back == res
    assert not back.y.flags.writeable
    other = Result(T, res.y * 1.0000001, res.output_names, name=res.name,
                   provenance=res.provenance)
    assert other != res
    html = res._repr_html_()
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<pre class='endorphin-text-fallback'>" in html
    assert "\n" not in repr(res)


def test_result_validation():
    with pytest.raises(ValueError, match="y must have shape"):
        Result(T, np.zeros((3, T.size)), ["a"])
    with pytest.raises(ValueError, match="t must have shape"):
        Result(T[:-1], np.zeros((1, 1, T.size)), ["a"])
    with pytest.raises(ValueError, match="output_names"):
        Result(T, np.zeros((1, 2, T.size)), ["a", "a"])
    with pytest.raises(ValueError, match="status"):
        Result(T, np.zeros((2, 1, T.size)), ["a"], status=[0])
    res = _synthetic()
    with pytest.raises(ValueError, match="percentiles"):
        res.summary(percentiles=[150])
    with pytest.raises(ValueError, match="auc_method"):
        res.summary(auc_method="log")


def test_plot():
    mpl = pytest.importorskip("matplotlib")
    mpl.use("Agg")
    import matplotlib.pyplot as plt
    res = _synthetic()
    fig, ax = plt.subplots()
    try:
        out = res.plot("plasma_beta_endorphin", ax=ax)
        assert out is ax
        assert ax.get_ylabel() == "plasma beta-endorphin concentration [pmol/L]"
        assert ax.get_xlabel() == "time [min]"
        line = ax.get_lines()[0]
        np.testing.assert_array_equal(line.get_ydata(),
                                      np.median(res["plasma_beta_endorphin"], axis=0))
        assert len(ax.collections) == 1             # the 5-95 % band
        res.plot("analgesia", ax=ax, bands=None)
        assert len(ax.collections) == 1
        with pytest.raises(ValueError, match="bands"):
            res.plot("analgesia", ax=ax, bands=(95, 5))
        with pytest.raises(KeyError):
            res.plot("nope", ax=ax)
    finally:
        plt.close(fig)


def test_comparison_container():
    a, b = _synthetic("a"), _synthetic("b")
    cmp = Comparison({"a": a, "b": b})
    assert cmp["a"] is a and len(cmp) == 2 and list(cmp) == ["a", "b"]
    assert cmp["mood"].shape == (2, 3, T.size)
    with pytest.raises(KeyError, match="neither"):
        cmp["plasma_acth"]
    short = Result(T[:10], a.y[:, :, :10], a.output_names)
    with pytest.raises(ValueError, match="same output times"):
        Comparison({"a": a, "s": short})["mood"]
    with pytest.raises(TypeError):
        Comparison({"a": 1})
    assert "2 scenarios" in repr(cmp)


def test_comparison_plot_and_small_simulation():
    mpl = pytest.importorskip("matplotlib")
    mpl.use("Agg")
    import matplotlib.pyplot as plt
    from endorphin.scenario import compare
    pop = Population(10, seed=2)
    cmp = compare({"rest": Scenario(population=pop, t_end=60, dt=5),
                   "run": Scenario(Exercise(0.8, start=10, duration=30), population=pop,
                                   t_end=60, dt=5)}, outputs=["plasma_beta_endorphin"])
    fig, ax = plt.subplots()
    try:
        cmp.plot("plasma_beta_endorphin", ax=ax)
        assert [t.get_text() for t in ax.get_legend().get_texts()] == ["rest", "run"]
    finally:
        plt.close(fig)
    assert cmp["run"].name == "run"


def test_module_doctests():
    import doctest

    from endorphin import results
    res = doctest.testmod(results, optionflags=doctest.ELLIPSIS
                          | doctest.NORMALIZE_WHITESPACE)
    assert res.attempted >= 3 and res.failed == 0
