"""endorphin.plot: the artists each helper draws, their data and labels, the
house style, and edge cases (empty, single-subject, bad input).

References are independent of the plotting code: percentiles from NumPy on
the raw arrays, the Schild equation in closed form, and the confidence band of
a nonlinear least-squares fit from SciPy's ``curve_fit`` covariance with a
finite-difference gradient."""
import math

import numpy as np
import pytest

mpl = pytest.importorskip("matplotlib")
mpl.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

import endorphin as en  # noqa: E402
from endorphin import plot as P  # noqa: E402
from endorphin.plot.theme import PALETTE  # noqa: E402
from endorphin.results import Comparison, Result  # noqa: E402

T = np.arange(0.0, 121.0, 2.0)
NAMES = ["plasma_beta_endorphin", "analgesia", "receptor_mu", "receptor_delta",
         "receptor_acute_mu", "receptor_chronic_mu"]


@pytest.fixture(autouse=True)
def _close_figures(monkeypatch):
    def no_show(*a, **k):
        raise AssertionError("a helper called plt.show()")
    monkeypatch.setattr(plt, "show", no_show)
    yield
    plt.close("all")


def _result(n=40, seed=0, t=T, name=None, scenario=None):
    """Random but structured trajectories: n subjects, every output of NAMES."""
    rng = np.random.default_rng(seed)
    amp = rng.lognormal(0.0, 0.4, (n, 1))
    base = 4.0 + 10.0 * amp * np.exp(-((t - 50.0) / 20.0) ** 2)
    ana = np.clip(0.05 * amp * np.sin(np.pi * t / 120.0), 0, 1)
    rec = 1.0 - 0.5 * amp / (1.0 + amp) * (1 - np.exp(-t / 30.0))
    y = np.stack([base, ana + 0 * base, rec, 0.95 + 0 * rec, 0.5 + 0.5 * rec,
                  rec / (0.5 + 0.5 * rec)], axis=1)
    return Result(t, y, NAMES, name=name, scenario=scenario)


def _band_limits(coll, xs):
    """Lower and upper edge of a fill_between polygon at each x."""
    v = np.concatenate([p.vertices for p in coll.get_paths()])
    lo = np.array([v[np.isclose(v[:, 0], x), 1].min() for x in xs])
    hi = np.array([v[np.isclose(v[:, 0], x), 1].max() for x in xs])
    return lo, hi


# ---------------------------------------------------------------------------
# time courses
# ---------------------------------------------------------------------------
def test_time_course_median_bands_and_labels():
    res = _result()
    fig, ax = plt.subplots()
    out = P.time_course(res, "plasma_beta_endorphin", ax=ax, bands=((5, 95), (25, 75)))
    assert out is ax
    y = res["plasma_beta_endorphin"]
    line = ax.get_lines()[0]
    np.testing.assert_allclose(line.get_xdata(), T)
    np.testing.assert_allclose(line.get_ydata(), np.median(y, axis=0), rtol=1e-12)
    assert len(ax.collections) == 2                        # two nested bands
    outer, inner = ax.collections
    lo5, hi95 = _band_limits(outer, T)
    lo25, hi75 = _band_limits(inner, T)
    med = np.median(y, axis=0)
    np.testing.assert_allclose(lo5, np.percentile(y, 5, axis=0), rtol=1e-12)
    np.testing.assert_allclose(hi95, np.percentile(y, 95, axis=0), rtol=1e-12)
    assert np.all(lo5 <= lo25) and np.all(lo25 <= med) and np.all(med <= hi75)
    assert np.all(hi75 <= hi95)
    assert inner.get_alpha() > outer.get_alpha()           # the inner band is darker
    assert ax.get_ylabel() == "plasma beta-endorphin concentration [pmol/L]"
    assert ax.get_xlabel() == "time [min]"
    # the first median takes the first Okabe-Ito colour, the next one the second
    assert mpl.colors.same_color(line.get_color(), PALETTE[0])
    P.time_course(res, "plasma_beta_endorphin", ax=ax, bands=None)
    assert mpl.colors.same_color(ax.get_lines()[1].get_color(), PALETTE[1])
    assert len(ax.collections) == 2


def test_dimensionless_label_has_no_unit_bracket_and_long_labels_wrap():
    res = _result()
    fig, ax = plt.subplots()
    P.time_course(res, "analgesia", ax=ax)
    assert ax.get_ylabel() == en.results.output_meta("analgesia")[1]
    # a short panel: the label is wrapped onto lines, with every word kept
    fig, ax = plt.subplots(figsize=(4, 2))
    P.time_course(res, "plasma_beta_endorphin", ax=ax)
    label = ax.get_ylabel()
    assert "\n" in label and label.replace("\n", " ") == \
        "plasma beta-endorphin concentration [pmol/L]"


def test_time_units_offset_and_clock():
    sc = en.Scenario(t_end=120, dt=2, clock_start="07:30")
    res = _result(scenario=sc)
    fig, ax = plt.subplots()
    P.time_course(res, "analgesia", ax=ax, time_unit="h", offset=30)
    np.testing.assert_allclose(ax.get_lines()[0].get_xdata(), (T - 30) / 60)
    assert ax.get_xlabel().endswith("[h]")
    fig, ax = plt.subplots()
    P.time_course(res, "analgesia", ax=ax, time_unit="clock")
    np.testing.assert_allclose(ax.get_lines()[0].get_xdata(), (450 + T) / 60)
    lo, hi = ax.get_xlim()
    assert (lo, hi) == (7.5, 9.5)
    fmt = ax.xaxis.get_major_formatter()
    ticks = [fmt(v, 0) for v in ax.get_xticks() if lo <= v <= hi]
    assert ticks[0] == "07:30" and ticks[-1] == "09:30"
    assert fmt(24.25, 0) == "00:15"                        # past midnight
    with pytest.raises(ValueError, match="time_unit"):
        P.time_course(res, "analgesia", ax=ax, time_unit="week")
    with pytest.raises(ValueError, match="offset"):
        P.time_course(res, "analgesia", ax=ax, offset=float("nan"))


def test_single_subject_and_empty_results_draw_without_error():
    one = _result(n=1)
    fig, ax = plt.subplots()
    P.time_course(one, "plasma_beta_endorphin", ax=ax)
    assert len(ax.collections) == 0                        # no band for one subject
    np.testing.assert_array_equal(ax.get_lines()[0].get_ydata(),
                                  one["plasma_beta_endorphin"][0])
    empty = Result(T, np.empty((0, len(NAMES), T.size)), NAMES)
    fig, ax = plt.subplots()
    P.time_course(empty, "plasma_beta_endorphin", ax=ax, subjects=3)
    assert len(ax.lines) == 1 and np.isnan(ax.lines[0].get_ydata()).all()
    P.tolerance(empty, ax=ax)
    P.occupancy(Result(T, np.empty((0, 2, T.size)), ["occupancy_mu_beta_endorphin",
                                                     "occupancy_mu"]), ax=ax)
    no_times = Result(np.empty(0), np.empty((3, len(NAMES), 0)), NAMES)
    fig, ax = plt.subplots()
    P.time_course(no_times, "analgesia", ax=ax, timeline=False)
    cmp = Comparison({"a": one, "b": empty})
    P.compare(cmp, ["analgesia", "receptor_mu"])


def test_mean_instead_of_median():
    res = _result()
    fig, ax = plt.subplots()
    P.time_course(res, "plasma_beta_endorphin", ax=ax, center="mean")
    np.testing.assert_allclose(ax.get_lines()[0].get_ydata(),
                               res["plasma_beta_endorphin"].mean(axis=0), rtol=1e-12)
    assert ax.get_lines()[0].get_label() == "mean"
    with pytest.raises(ValueError, match="center"):
        P.time_course(res, "analgesia", ax=ax, center="mode")
    fig, axc = plt.subplots()
    P.compare(Comparison({"a": res}), "analgesia", axc, center="mean")
    np.testing.assert_allclose(axc.get_lines()[0].get_ydata(), res["analgesia"].mean(axis=0),
                               rtol=1e-12)


def test_individual_subjects_are_the_raw_trajectories():
    res = _result(n=10)
    fig, ax = plt.subplots()
    P.time_course(res, "analgesia", ax=ax, subjects=[2, 7], bands=None)
    lines = ax.get_lines()
    assert len(lines) == 3
    np.testing.assert_array_equal(lines[1].get_ydata(), res["analgesia"][2])
    np.testing.assert_array_equal(lines[2].get_ydata(), res["analgesia"][7])


def test_observed_published_points_and_assay_samples():
    sc = en.Scenario(en.Exercise(0.8, start=20, duration=30),
                     population=en.Population(30, seed=2), t_end=120, dt=2, pulses=False)
    res = sc.simulate(outputs=["plasma_beta_endorphin"])
    # published: mean +- SE drawn as error bars of exactly +- SE
    pub = {"time": [15, 55], "mean": [4.34, 21.91], "se": [0.36, 2.03],
           "label": "Goldfarb 1990"}
    # assay in pg/mL with a high LLOQ: values come back to pmol/L, censored at the LLOQ
    assay = en.Assay.plasma(unit="pg/mL", lloq=20.0)          # lloq in pmol/L
    df = res.sample([10, 40, 60, 100], assay=assay, seed=1)
    fig, ax = plt.subplots()
    P.time_course(res, "plasma_beta_endorphin", ax=ax, observed=[pub, df])
    bars = ax.containers[0]
    np.testing.assert_allclose(bars.lines[0].get_xdata(), [15, 55])
    np.testing.assert_allclose(bars.lines[0].get_ydata(), [4.34, 21.91])
    seg = bars.lines[2][0].get_segments()
    np.testing.assert_allclose([s[:, 1] for s in seg],
                               [[4.34 - 0.36, 4.34 + 0.36], [21.91 - 2.03, 21.91 + 2.03]])
    pts = [ln for ln in ax.get_lines() if ln.get_label() == "measured"][0]
    ok = ~df["censored"].to_numpy()
    factor = en.measurement.UNITS["plasma_beta_endorphin"]["pg/mL"]
    np.testing.assert_allclose(pts.get_ydata(), df["value"].to_numpy()[ok] / factor,
                               rtol=1e-12)
    cen = [ln for ln in ax.get_lines() if ln.get_label().startswith("< LLOQ")]
    assert df["censored"].any() and len(cen) == 1
    # Assay's lloq= is in pmol/L (reported as 69.3 pg/mL): drawn back at 20 pmol/L
    np.testing.assert_allclose(df["lloq"], 20.0 * factor, rtol=1e-12)
    np.testing.assert_allclose(cen[0].get_ydata(), 20.0, rtol=1e-12)
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "Goldfarb 1990" in labels
    with pytest.raises(TypeError, match="observed"):
        P.time_course(res, "plasma_beta_endorphin", ax=ax, observed=5)
    with pytest.raises(ValueError, match="'time'"):
        P.time_course(res, "plasma_beta_endorphin", ax=ax, observed={"mean": [1.0]})


def test_time_course_bad_input():
    res = _result()
    fig, ax = plt.subplots()
    with pytest.raises(KeyError, match="nope"):
        P.time_course(res, "nope", ax=ax)
    with pytest.raises(ValueError, match="bands"):
        P.time_course(res, "analgesia", ax=ax, bands=(95, 5))
    with pytest.raises(ValueError, match="bands"):
        P.time_course(res, "analgesia", ax=ax, bands=((5, 95), (50, 200)))
    with pytest.raises(TypeError, match="result"):
        P.time_course(res["analgesia"], "analgesia", ax=ax)
    with pytest.raises(TypeError, match="ax"):
        P.time_course(res, "analgesia", ax="left")


def test_style_is_local_and_backend_agnostic():
    before = dict(mpl.rcParams)
    P.time_course(_result(), "analgesia")
    after = dict(mpl.rcParams)
    assert before.keys() == after.keys()
    changed = [k for k in before if not np.array_equal(np.asarray(before[k], dtype=object),
                                                       np.asarray(after[k], dtype=object))]
    assert changed == []
    with P.style():
        assert mpl.rcParams["axes.spines.top"] is False
        cycle = [c["color"] for c in mpl.rcParams["axes.prop_cycle"]]
        assert cycle == list(PALETTE)


def test_style_keeps_interactive_mode_switched_on_inside():
    # Jupyter's inline backend turns interactive mode on when the first figure of a
    # session is made; if that happens inside a helper, it must stay on afterwards
    was = mpl.is_interactive()
    try:
        mpl.interactive(False)
        with P.style():
            mpl.interactive(True)
            assert mpl.rcParams["font.size"] == 10.0
        assert mpl.is_interactive()
    finally:
        mpl.interactive(was)


def test_palette_is_okabe_ito():
    # Okabe & Ito 2008, "Color Universal Design", sRGB values
    published = {"#000000", "#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2",
                 "#D55E00", "#CC79A7"}
    assert set(PALETTE) == published and len(PALETTE) == 8


# ---------------------------------------------------------------------------
# timeline
# ---------------------------------------------------------------------------
def test_timeline_rows_bars_and_doses():
    prot = en.Exercise(0.75, start=60, duration=45) + en.Pain(level=4, start=100, duration=60)
    doses = [en.Dose("naloxone", 0.4, "mg", time=50),
             en.Dose("morphine", 5, "mg", route="iv", time=30, every=120, times=4),
             en.Dose("fentanyl", rate=0.001, unit="mg", duration=40, time=10)]
    with pytest.warns(UserWarning, match="1 of 4 morphine administrations start after t_end"):
        sc = en.Scenario(prot, doses, t_end=300, dt=5)      # 30, 150, 270, (390)
    fig, ax = plt.subplots()
    out = P.timeline(sc, ax=ax)
    assert out is ax
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels == ["exercise", "pain", "naloxone", "morphine", "fentanyl"]   # top first
    ypos = dict(zip(labels, ax.get_yticks()))
    assert ypos["exercise"] > ypos["pain"] > ypos["fentanyl"]
    bars = {}
    for coll in ax.collections:
        for path in coll.get_paths():
            v = path.vertices
            bars.setdefault(round(v[:, 1].mean()), []).append((v[:, 0].min(), v[:, 0].max()))
    assert bars[ypos["exercise"]] == [(60.0, 105.0)]
    assert bars[ypos["pain"]] == [(100.0, 160.0)]
    assert bars[ypos["fentanyl"]] == [(10.0, 50.0)]          # an infusion is a bar
    markers = {round(ln.get_ydata()[0]): ln.get_xdata() for ln in ax.get_lines()}
    np.testing.assert_array_equal(markers[ypos["naloxone"]], [50.0])
    # a repeated dose: administrations after t_end are not drawn
    np.testing.assert_array_equal(markers[ypos["morphine"]], [30.0, 150.0, 270.0])
    assert ax.get_xlim() == (0.0, 300.0)
    texts = [t.get_text() for t in ax.texts]
    assert "75 % VO₂max" in texts and "NRS 4" in texts


def test_timeline_labels_an_absolute_workload():
    prot = en.Exercise(vo2=30.0, start=10, duration=20) + en.Exercise(0.8, start=60,
                                                                      duration=20)
    fig, ax = plt.subplots()
    P.timeline(en.Scenario(prot, t_end=120, dt=5), ax=ax)
    texts = [t.get_text() for t in ax.texts]
    assert "VO₂ 30 mL/kg/min" in texts and "80 % VO₂max" in texts


def test_timeline_empty_protocol_and_bad_input():
    fig, ax = plt.subplots()
    P.timeline(None, ax=ax, t_end=60)
    assert ax.texts[0].get_text().startswith("rest")
    with pytest.raises(TypeError, match="protocol"):
        P.timeline("exercise", ax=ax)
    with pytest.raises(TypeError, match="doses"):
        P.timeline(None, doses=[1.0], ax=ax)
    with pytest.raises(ValueError, match="t_end"):
        P.timeline(None, ax=ax, t_end=-5)


def test_time_course_with_timeline_shares_x():
    sc = en.Scenario(en.Exercise(0.8, start=20, duration=30),
                     en.Dose("naloxone", 0.4, "mg", time=10), t_end=120, dt=2)
    res = _result(scenario=sc)
    ax = P.time_course(res, "plasma_beta_endorphin", timeline=True, time_unit="h")
    fig = ax.figure
    assert len(fig.axes) == 2
    strip = fig.axes[1]
    assert strip.get_shared_x_axes().joined(ax, strip)
    assert [t.get_text() for t in strip.get_yticklabels()] == ["exercise", "naloxone"]
    assert strip.get_xlabel() == "time [h]" and ax.get_xlabel() == ""
    # into a given Axes: the strip is appended below it
    fig, ax = plt.subplots()
    P.time_course(res, "plasma_beta_endorphin", ax=ax, timeline=True)
    assert len(fig.axes) == 2


# ---------------------------------------------------------------------------
# receptors
# ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def naloxone_result():
    sc = en.Scenario(en.Exercise(0.8, start=20, duration=30),
                     en.Dose("naloxone", 0.4, "mg", time=40),
                     population=en.Population(8, seed=5), t_end=120, dt=4, pulses=False)
    return sc.simulate(outputs=["occupancy_mu", "occupancy_mu_beta_endorphin",
                                "occupancy_mu_naloxone", "plasma_beta_endorphin"])


def test_occupancy_stack_adds_up_to_the_total(naloxone_result):
    res = naloxone_result
    fig, ax = plt.subplots()
    P.occupancy(res, "mu", ax=ax)
    assert [t.get_text() for t in ax.get_legend().get_texts()] == \
        ["beta-endorphin", "naloxone", "total (all ligands)"]
    assert len(ax.collections) == 2                         # one layer per ligand
    _, top1 = _band_limits(ax.collections[0], res.t)
    lo2, top2 = _band_limits(ax.collections[1], res.t)
    mean_b = res["occupancy_mu_beta_endorphin"].mean(axis=0)
    mean_n = res["occupancy_mu_naloxone"].mean(axis=0)
    np.testing.assert_allclose(top1, mean_b, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(lo2, mean_b, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(top2, mean_b + mean_n, rtol=1e-12, atol=1e-15)
    # the model's total mu occupancy is the sum over ligands
    total = ax.get_lines()[0].get_ydata()
    np.testing.assert_allclose(total, res["occupancy_mu"].mean(axis=0), rtol=1e-12)
    np.testing.assert_allclose(top2, total, rtol=1e-6, atol=1e-9)
    assert ax.get_ylim() == (0.0, 1.0)
    # one subject, chosen by subject index
    fig, ax = plt.subplots()
    P.occupancy(res, "mu", ax=ax, subject=3, ligands=["naloxone"], total=False)
    _, top = _band_limits(ax.collections[0], res.t)
    np.testing.assert_allclose(top, res["occupancy_mu_naloxone"][3], rtol=1e-12, atol=1e-15)


def test_occupancy_bad_input(naloxone_result):
    fig, ax = plt.subplots()
    with pytest.raises(ValueError, match="receptor"):
        P.occupancy(naloxone_result, "sigma", ax=ax)
    with pytest.raises(ValueError, match="morphine"):
        P.occupancy(naloxone_result, "mu", ax=ax, ligands=["morphine"])
    with pytest.raises(ValueError, match="ligand"):
        P.occupancy(naloxone_result, "kappa", ax=ax)
    with pytest.raises(ValueError, match="subject"):
        P.occupancy(naloxone_result, "mu", ax=ax, subject=99)


def test_tolerance_receptors_and_components():
    res = _result(n=25)
    fig, ax = plt.subplots()
    P.tolerance(res, ax=ax, components=True)
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["mu (functional)", "mu acute factor", "mu chronic factor",
                      "delta (functional)"]
    mu = ax.get_lines()[0]
    np.testing.assert_allclose(mu.get_xdata(), T / 1440.0)
    np.testing.assert_allclose(mu.get_ydata(), np.median(res["receptor_mu"], axis=0))
    assert len(ax.collections) == 2                         # one band per receptor
    lo, hi = _band_limits(ax.collections[0], T / 1440.0)
    assert np.all(lo <= mu.get_ydata()) and np.all(mu.get_ydata() <= hi)
    assert ax.get_xlabel() == "time [day]"
    with pytest.raises(ValueError, match="receptor_mu"):
        P.tolerance(Result(T, np.ones((2, 1, T.size)), ["analgesia"]), ax=ax)
    with pytest.raises(ValueError, match="receptor"):
        P.tolerance(res, receptors=["nociceptin"], ax=ax)
    with pytest.raises(KeyError):
        P.tolerance(res, receptors=["kappa"], ax=ax)


# ---------------------------------------------------------------------------
# comparison panels
# ---------------------------------------------------------------------------
def test_compare_panels_colours_and_legend():
    cmp = Comparison({"rest": _result(seed=1), "run": _result(seed=2),
                      "naloxone": _result(seed=3)})
    axs = P.compare(cmp, ["plasma_beta_endorphin", "analgesia"])
    assert isinstance(axs, np.ndarray) and axs.shape == (2,)
    assert [t.get_text() for t in axs[0].get_legend().get_texts()] == \
        ["rest", "run", "naloxone"]
    assert axs[1].get_legend() is None
    for ax in axs:
        cols = [ln.get_color() for ln in ax.get_lines()]
        assert all(mpl.colors.same_color(c, p) for c, p in zip(cols, PALETTE))
        assert len(ax.collections) == 3
    assert [a.get_title(loc="left") for a in axs] == ["A", "B"]
    np.testing.assert_allclose(axs[1].get_lines()[2].get_ydata(),
                               np.median(cmp["naloxone"]["analgesia"], axis=0))
    plt.figure()                               # one output: into plt.gca()
    one = P.compare(cmp, "analgesia", scenarios=["run"])
    assert len(one.get_lines()) == 1
    with pytest.raises(ValueError, match="scenarios"):
        P.compare(cmp, "analgesia", scenarios=["swim"])
    with pytest.raises(ValueError, match="axes"):
        fig, ax = plt.subplots()
        P.compare(cmp, ["analgesia", "receptor_mu"], axes=[ax])
    with pytest.raises(TypeError, match="Comparison"):
        P.compare(cmp["rest"], "analgesia")
    with pytest.raises(KeyError):
        P.compare(cmp, ["analgesia", "mood"])


def test_result_and_comparison_plot_delegate():
    res = _result(name="healthy")
    fig, ax = plt.subplots()
    assert res.plot("analgesia", ax=ax, bands=((5, 95), (25, 75)), subjects=2) is ax
    assert len(ax.collections) == 2 and len(ax.get_lines()) == 3
    cmp = Comparison({"a": _result(seed=1), "b": _result(seed=2)})
    axs = cmp.plot(["analgesia", "receptor_mu"])
    assert len(axs) == 2


# ---------------------------------------------------------------------------
# dose-response and Schild
# ---------------------------------------------------------------------------
def _ll4(x, b, c, d, e):
    return c + (d - c) / (1.0 + np.exp(b * (np.log(x) - np.log(e))))


def test_confidence_band_matches_curve_fit_delta_method():
    scipy_opt = pytest.importorskip("scipy.optimize")
    stats = pytest.importorskip("scipy.stats")
    rng = np.random.default_rng(11)
    x = np.repeat(np.geomspace(0.5, 500.0, 8), 3)
    true = (-1.3, 2.0, 95.0, 20.0)
    y = _ll4(x, *true) + rng.normal(0.0, 4.0, x.size)
    popt, pcov = scipy_opt.curve_fit(_ll4, x, y, p0=true)
    grid = np.geomspace(0.2, 2000.0, 40)
    lo, fit, hi = P.confidence_band(x, y, popt, "ll4", grid, level=0.9)
    # reference: gradient by central differences, covariance from curve_fit
    g = np.empty((grid.size, 4))
    for k in range(4):
        h = 1e-6 * max(abs(popt[k]), 1.0)
        up, dn = popt.copy(), popt.copy()
        up[k] += h
        dn[k] -= h
        g[:, k] = (_ll4(grid, *up) - _ll4(grid, *dn)) / (2 * h)
    half = stats.t.ppf(0.95, x.size - 4) * np.sqrt(np.einsum("ij,jk,ik->i", g, pcov, g))
    np.testing.assert_allclose(fit, _ll4(grid, *popt), rtol=1e-12)
    np.testing.assert_allclose(hi - fit, half, rtol=1e-5)
    np.testing.assert_allclose(fit - lo, half, rtol=1e-5)
    # too few points for the parameters: no band
    lo, _, hi = P.confidence_band(x[:4], y[:4], popt, "ll4", grid)
    assert np.isnan(lo).all() and np.isnan(hi).all()
    with pytest.raises(ValueError, match="model"):
        P.confidence_band(x, y, popt, "probit", grid)
    with pytest.raises(ValueError, match="params"):
        P.confidence_band(x, y, popt[:3], "ll4", grid)


def test_dose_response_points_curves_and_bands():
    rng = np.random.default_rng(3)
    x = np.concatenate([[0.0], np.geomspace(1.0, 1000.0, 7)])
    params = np.array([[80.0, 30.0, 1.2], [80.0, 300.0, 1.2]])           # hill
    y = en.hill(x, *params.T[:, :, None]) + rng.normal(0, 3.0, (2, x.size))
    fig, ax = plt.subplots()
    P.dose_response(x, y, ax=ax, model="hill", params=params, labels=["a", "b"],
                    xlabel="morphine [nmol/L]", ylabel="analgesia [%]")
    assert ax.get_xscale() == "log"
    assert ax.get_xlabel() == "morphine [nmol/L]" and ax.get_ylabel() == "analgesia [%]"
    pts = [ln for ln in ax.get_lines() if ln.get_linestyle() == "None"]
    curves = [ln for ln in ax.get_lines() if ln.get_linestyle() != "None"]
    assert len(pts) == 2 and len(curves) == 2
    np.testing.assert_array_equal(pts[0].get_xdata(), x[1:])     # x = 0 left off a log axis
    xc, yc = curves[1].get_data()
    np.testing.assert_allclose(yc, 80.0 * xc ** 1.2 / (300.0 ** 1.2 + xc ** 1.2), rtol=1e-12)
    assert len(ax.collections) == 2
    lo, hi = _band_limits(ax.collections[1], xc[::20])
    assert np.all(lo <= yc[::20]) and np.all(yc[::20] <= hi)
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["a", "b"]

    class Fit:                               # the duck type of a fitter's result
        model = "hill"
    fitted = Fit()
    fitted.params = params
    fig, ax = plt.subplots()
    P.dose_response(x, y, ax=ax, fit=fitted, band=False, xscale="linear")
    assert len(ax.collections) == 0 and ax.get_xscale() == "linear"
    # curves only, no data
    fig, ax = plt.subplots()
    P.dose_response(x, ax=ax, model="ll4", params=[-1.0, 0.0, 1.0, 10.0])
    assert len(ax.get_lines()) == 1
    with pytest.raises(ValueError, match="model"):
        P.dose_response(x, y, ax=ax, params=params)
    with pytest.raises(ValueError, match="params"):
        P.dose_response(x, y, ax=ax, model="ll4", params=params)
    with pytest.raises(ValueError, match="give data"):
        P.dose_response(x, ax=ax)
    with pytest.raises(ValueError, match="labels"):
        P.dose_response(x, y, ax=ax, labels=["only one"])
    with pytest.raises(ValueError, match="xscale"):
        P.dose_response(x, y, ax=ax, xscale="logit")


@pytest.mark.parametrize("slope", [1.0, 0.8])
def test_schild_line_recovers_the_schild_equation(slope):
    kb = 2.5                                                        # nmol/L
    b = np.array([1.0, 3.0, 10.0, 30.0, 100.0])
    dr = 1.0 + (b / kb) ** slope           # Schild (Arunlakshana & Schild 1959)
    log_b, log_dr1, s, pa2 = P.schild_line(dr, b, unit="nmol/L")
    assert s == pytest.approx(slope, rel=1e-12)
    assert pa2 == pytest.approx(-math.log10(kb * 1e-9), rel=1e-12)
    np.testing.assert_allclose(log_b, np.log10(b * 1e-9), rtol=1e-14)
    # the same data in umol/L give the same pA2
    assert P.schild_line(dr, b / 1000, unit="umol/L")[3] == pytest.approx(pa2, rel=1e-12)
    fig, ax = plt.subplots()
    P.schild(dr, b, ax=ax)
    line = [ln for ln in ax.get_lines() if ln.get_linestyle() == "-"][0]
    xs, ys = line.get_data()
    assert np.interp(0.0, ys, xs) == pytest.approx(-pa2, rel=1e-12)
    assert "pA$_2$ = " + f"{pa2:.2f}" in ax.texts[0].get_text()


def test_schild_from_agonist_curves():
    kb = 4.0                                                        # nmol/L
    b = np.array([0.0, 3.0, 10.0, 30.0, 100.0])
    xa = np.geomspace(0.01, 1e5, 400)
    ec50 = 10.0 * en.dose_ratio(b, kb, 1.0)                        # parallel shifts
    Y = en.hill(xa, 1.0, ec50[:, None], 1.0)
    fig, ax = plt.subplots()
    P.schild(antagonist=b, curves=(xa, Y), ax=ax)
    pts = ax.get_lines()[0]
    np.testing.assert_allclose(pts.get_ydata(), np.log10(b[1:] / kb), atol=2e-3)
    assert "slope = 1.00" in ax.texts[0].get_text()

    class Fit:                          # pA2 in the unit of the concentrations (nmol/L)
        pA2, slope = -0.6, 1.0
    fig, ax = plt.subplots()
    P.schild(antagonist=b, curves=(xa, Y), ax=ax, fit=Fit())
    assert "pA$_2$ = 8.40" in ax.texts[0].get_text()          # -0.6 + 9 in mol/L
    with pytest.raises(ValueError, match="control"):
        P.schild(antagonist=b + 1, curves=(xa, Y), ax=ax)
    with pytest.raises(ValueError, match="shape"):
        P.schild(antagonist=b[:3], curves=(xa, Y), ax=ax)
    with pytest.raises(ValueError, match="unit"):
        P.schild([2.0, 3.0], [1.0, 2.0], ax=ax, unit="ppm")
    with pytest.raises(ValueError, match="dose ratio > 1"):
        P.schild([0.5, 1.0], [1.0, 2.0], ax=ax)
    with pytest.raises(TypeError, match="antagonist"):
        P.schild([2.0, 3.0], ax=ax)


def test_module_doctests():
    import doctest

    from endorphin import plot
    from endorphin.plot import theme as _style
    for mod in (plot, _style):
        r = doctest.testmod(mod, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
        assert r.failed == 0 and r.attempted > 0, mod.__name__


def test_with_the_fitter():
    if not hasattr(en, "fit_dose_response"):
        pytest.skip("endorphin.fit_dose_response not available")
    rng = np.random.default_rng(5)
    x = np.geomspace(0.3, 3000.0, 10)
    y = en.ll4(x, -1.1, 0.0, 100.0, 40.0) + rng.normal(0, 4.0, (3, x.size))
    fit = en.fit_dose_response(x, y, model="ll4")
    fig, ax = plt.subplots()
    P.dose_response(x, y, ax=ax, fit=fit)
    curves = [ln for ln in ax.get_lines() if ln.get_linestyle() != "None"]
    xc, yc = curves[2].get_data()
    np.testing.assert_allclose(yc, _ll4(xc, *fit.params[2]), rtol=1e-12)
    # the band is the fit's own covariance (delta method, t quantile with fit.df)
    stats = pytest.importorskip("scipy.stats")
    lo, hi = _band_limits(ax.collections[2], xc[::25])
    g = en.ll4_jac(xc[::25], *fit.params[2])
    half = stats.t.ppf(0.975, fit.df[2]) * np.sqrt(np.einsum("ij,jk,ik->i", g, fit.cov[2], g))
    np.testing.assert_allclose(hi - yc[::25], half, rtol=1e-9)
    # Schild: the fitter's analysis, concentrations in nmol/L, drawn in mol/L
    kb, b = 3.0, np.array([0.0, 3.0, 10.0, 30.0, 100.0])
    xa = np.geomspace(0.1, 1e5, 14)
    Y = en.hill(xa, 100.0, 10.0 * en.dose_ratio(b, kb, 1.0)[:, None], 1.0)
    sr = en.schild_analysis(xa, Y, b, model="hill")
    fig, ax = plt.subplots()
    P.schild(sr, ax=ax, unit="nmol/L")
    np.testing.assert_allclose(ax.get_lines()[0].get_xdata(), np.log10(b[1:] * 1e-9))
    assert f"pA$_2$ = {sr.pA2 + 9:.2f}" in ax.texts[0].get_text()
    assert sr.pA2 + 9 == pytest.approx(-math.log10(kb * 1e-9), abs=1e-3)
