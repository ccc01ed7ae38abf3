"""The scenario layer: stimuli, protocols, doses, populations, Scenario.simulate.

References used (independent of the code under test):

* docs/model.md "Outputs": the output names; docs/api.md section 3: their units.
* Foley et al. 1979 (PNAS 76:5377): IV beta-endorphin has a volume of
  distribution of 178 mL/kg and a terminal half-life of 37 min; ICV 0.74
  mL/kg and 93 min.  A bolus into a one-compartment pool with first-order
  elimination gives ``C(t) = C_rest + A / V * 2**(-(t - t_dose) / t_half)``,
  an infusion of rate ``r`` gives ``r / k (1 - exp(-k t))`` (k = ln 2 / t_half);
  beta-endorphin 3465 g/mol.  Plasma is a separate pool with no feedback on
  the rest of the model (docs/model.md), so these hold exactly.
* docs/model.md: with the rhythm and pulses off, at rest every concentration
  equals its base value exactly (plasma 4.34 pmol/L, Goldfarb 1990), and the
  circadian factor is ``1 + a_circ cos(2 pi (t + clock_start - t_peak) / 1440)``.
* endorphin.nca (tested on analytic curves in test_nca.py) and plain NumPy
  for the summary statistics.
"""
import doctest
import math
import pickle
import re
import sys
import types
from pathlib import Path

import numpy as np
import pytest

import endorphin
from endorphin import core, nca
from endorphin.measurement import Assay
from endorphin.results import Comparison, Result
from endorphin.scenario import (
    Acupuncture,
    Dose,
    DrugNotAvailableError,
    Exercise,
    Laughter,
    Meditation,
    Pain,
    Placebo,
    Population,
    Protocol,
    Scenario,
    Stress,
    Subject,
    compare,
)

DOCS = Path(__file__).resolve().parents[2] / "docs" / "model.md"
BEND_MW = 3465.0          # g/mol
V_IV = 178.0              # mL/kg (Foley 1979)
V_ICV = 0.74              # mL/kg (Foley 1979)
T_HALF_PLASMA = 37.0      # min (Foley 1979)
T_HALF_CSF = 93.0         # min (Foley 1979)
PLASMA_REST = 4.34        # pmol/L (Goldfarb 1990)
CSF_REST = 22.2           # pmol/L (Nakao 1980)
DOCUMENTED_UNITS = {"plasma_beta_endorphin": "pmol/L", "csf_beta_endorphin": "pmol/L",
                    "plasma_acth": "pmol/L", "plasma_cortisol": "nmol/L"}   # docs/api.md


def _trapezoid(y, x):
    fn = getattr(np, "trapezoid", None) or np.trapz
    return fn(y, x, axis=-1)


def _documented_outputs():
    text = DOCS.read_text()
    section = text.split("## Outputs", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"`([a-z][a-z0-9_]*)`", section.split("\n", 1)[1])   # vo2max has a digit


def _step(amount_mg, v_ml_per_kg, body_weight=70.0):
    """Concentration step (pmol/L) of a dose into a volume of distribution."""
    return amount_mg * 1e-3 / BEND_MW * 1e12 / (v_ml_per_kg * body_weight * 1e-3)


def _quiet(**kw):
    """A scenario at exact rest: no rhythm, no pulses."""
    return dict(circadian=False, pulses=False, **kw)


# ---------------------------------------------------------------------------
# A population day (10,000 subjects, the notebook cell): xarray, pandas, summary
# ---------------------------------------------------------------------------
N_DAY = 10_000


@pytest.fixture(scope="module")
def day():
    # the short script a notebook would run
    protocol = Exercise(intensity=0.75, start=60, duration=45) + Laughter(start=300,
                                                                         duration=15)
    pop = Population(n=N_DAY, condition="healthy", variability=1.0, seed=1)
    nlx = Dose("naloxone", amount=0.4, unit="mg", route="iv", time=600)
    sc = Scenario(protocol=protocol, doses=nlx, population=pop, t_end=1440, dt=10.0,
                  name="day")
    return sc.simulate(threads=2)


def test_day_result_shape_and_response(day):
    assert isinstance(day, Result)
    assert day.output_names == core.models["endorphin"].outputs + (
        "naloxone_plasma", "naloxone_effect_site", "occupancy_mu_naloxone",
        "occupancy_delta_naloxone", "occupancy_kappa_naloxone")
    # the naloxone dose at 600 min: plasma jumps, mu is taken from beta-endorphin
    nal = day["naloxone_plasma"]
    assert (nal[:, day.t < 600] == 0).all() and (nal[:, day.t == 600] > 100).all()
    assert (day["occupancy_mu_naloxone"][:, day.t == 610] > 0.9).all()
    np.testing.assert_array_equal(day.t, np.arange(0.0, 1441.0, 10.0))
    y = day["plasma_beta_endorphin"]
    assert y.shape == (N_DAY, 145)
    assert (day.status == 0).all() and np.isfinite(day.y).all()
    t = day.t
    # exercise at 75 % VO2max from 60 to 105 min raises plasma (threshold ~0.75):
    # the median at 100 min is well above the median before the bout
    assert np.median(y[:, t == 100.0]) > 1.5 * np.median(y[:, t == 50.0])
    # laughter (300-315 min) drives the hypothalamic pool: CSF rises in most subjects
    csf = day["csf_beta_endorphin"]
    rise = csf[:, t == 320.0][:, 0] - csf[:, t == 300.0][:, 0]
    assert (rise > 0).mean() > 0.9


def test_day_xarray(day):
    xr = pytest.importorskip("xarray")
    ds = day.to_xarray()
    assert isinstance(ds, xr.Dataset)
    documented = _documented_outputs()
    assert documented == list(core.models["endorphin"].outputs)
    assert set(documented) <= set(ds.data_vars)
    for name in documented:
        da = ds[name]
        assert da.dims == ("subject", "time")
        assert da.attrs["long_name"] and isinstance(da.attrs["long_name"], str)
        assert "units" in da.attrs
        np.testing.assert_array_equal(da.values, day[name])
    for name, unit in DOCUMENTED_UNITS.items():
        assert ds[name].attrs["units"] == unit
    for name in ("analgesia", "mood", "occupancy_mu", "pain_nrs"):
        assert ds[name].attrs["units"] == "1"
    assert ds.sizes == {"subject": N_DAY, "time": 145}
    assert ds["time"].attrs["units"] == "min"
    np.testing.assert_array_equal(ds["subject"].values, np.arange(N_DAY))
    # clock time of t = 0 is 08:00
    assert ds["clock_time"].values[0] == 480.0 and ds["clock_time"].values[-1] == 480.0
    a = ds.attrs
    assert a["endorphin_version"] == endorphin.__version__
    assert a["method"] == "auto" and a["rtol"] == 1e-6 and a["atol"] == 1e-9
    assert a["seed"] == 1 and a["clock_start"] == "08:00"
    assert a["pulses"] == 1 and a["circadian"] == 1
    assert (ds["status"].values == 0).all()


def test_day_pandas_is_tidy(day):
    names = ["plasma_beta_endorphin", "analgesia", "plasma_cortisol"]
    df = day.to_pandas(names)
    assert list(df.columns) == ["subject", "time", "variable", "value", "unit"]
    assert len(df) == N_DAY * 145 * 3
    assert not df.duplicated(["subject", "time", "variable"]).any()
    units = df.groupby("variable", observed=True)["unit"].unique()
    assert units["plasma_beta_endorphin"].tolist() == ["pmol/L"]
    assert units["plasma_cortisol"].tolist() == ["nmol/L"]
    assert units["analgesia"].tolist() == ["1"]
    # the table holds exactly the arrays
    wide = df[df.variable == "plasma_cortisol"].pivot(index="subject", columns="time",
                                                      values="value")
    np.testing.assert_array_equal(wide.to_numpy(), day["plasma_cortisol"])
    # to_dataframe is the same table; wide=True has one column per variable
    w = day.to_dataframe(names, wide=True)
    assert list(w.columns) == ["subject", "time", *names]
    np.testing.assert_array_equal(w["analgesia"].to_numpy().reshape(N_DAY, -1),
                                  day["analgesia"])


def test_day_summary_agrees_with_nca(day):
    s = day.summary()
    per = s.subjects
    t, y = day.t, day["plasma_beta_endorphin"]
    assert len(per) == N_DAY and per.index.name == "subject"
    cmax = per["plasma_beta_endorphin_cmax"].to_numpy()
    tmax = per["plasma_beta_endorphin_tmax"].to_numpy()
    auc = per["plasma_beta_endorphin_auc"].to_numpy()
    np.testing.assert_array_equal(cmax, nca.cmax(y))
    np.testing.assert_array_equal(tmax, nca.tmax(t, y))
    np.testing.assert_allclose(auc, nca.auc(t, y), rtol=1e-12)
    # and with plain NumPy
    np.testing.assert_array_equal(cmax, y.max(axis=1))
    np.testing.assert_array_equal(tmax, t[y.argmax(axis=1)])
    np.testing.assert_allclose(auc, _trapezoid(y, t), rtol=1e-12)
    np.testing.assert_array_equal(per["analgesia_peak"], day["analgesia"].max(axis=1))
    # population percentiles of the per-subject metrics
    pop = s.population
    for q in (5, 50, 95):
        assert pop.loc["plasma_beta_endorphin_cmax", f"p{q}"] == pytest.approx(
            np.percentile(cmax, q), rel=1e-12)
    assert pop.loc["plasma_beta_endorphin_cmax", "unit"] == "pmol/L"
    assert pop.loc["plasma_beta_endorphin_auc", "unit"] == "pmol/L*min"
    assert pop.loc["analgesia_peak", "mean"] == pytest.approx(
        day["analgesia"].max(axis=1).mean(), rel=1e-12)


# ---------------------------------------------------------------------------
# Protocols
# ---------------------------------------------------------------------------
def test_overlapping_stimuli_add():
    p = Exercise(0.5, start=0, duration=60) + Exercise(0.25, start=30, duration=60)
    t = [0.0, 29.9, 30.0, 59.9, 60.0, 89.9, 90.0, 100.0]
    lv = p.levels(t)
    np.testing.assert_array_equal(lv["exercise"], [0.5, 0.5, 0.75, 0.75, 0.25, 0.25, 0, 0])
    assert (lv.drop(columns="exercise").to_numpy() == 0).all()
    # the engine's inputs from the same protocol
    breaks, inputs = endorphin.model.stimulus_inputs(p.segments(), 0.0, 200.0)
    np.testing.assert_array_equal(breaks, [30.0, 60.0, 90.0])
    np.testing.assert_array_equal(inputs[:, 0], [0.5, 0.75, 0.25, 0.0])
    # and in the simulation: overlapping pieces equal one stimulus of the summed level
    same = (Exercise(0.5, start=0, duration=30) + Exercise(0.75, start=30, duration=30)
            + Exercise(0.25, start=60, duration=30))
    kw = _quiet(t_end=180, dt=1)
    a = Scenario(p, **kw).simulate(outputs=["plasma_beta_endorphin", "analgesia"])
    b = Scenario(same, **kw).simulate(outputs=["plasma_beta_endorphin", "analgesia"])
    np.testing.assert_array_equal(a.y, b.y)
    assert a["plasma_beta_endorphin"].max() > 1.2 * PLASMA_REST
    # different channels add independently
    mix = Laughter(0.5, start=10, duration=20) + Laughter(0.25, start=10, duration=20) \
        + Pain(4, start=15, duration=5)
    lv = mix.levels([12.0, 16.0])
    np.testing.assert_array_equal(lv["laughter"], [0.75, 0.75])
    np.testing.assert_array_equal(lv["pain"], [0.0, 4.0])


def test_repeat_places_segments():
    prog = Exercise(intensity=0.7, start=480, duration=40).repeat(every=2880, times=12)
    assert isinstance(prog, Protocol) and len(prog) == 12
    tab = prog.table()
    np.testing.assert_array_equal(tab["start"], 480.0 + 2880.0 * np.arange(12))
    np.testing.assert_array_equal(tab["end"], 520.0 + 2880.0 * np.arange(12))
    assert (tab["level"] == 0.7).all() and (tab["channel"] == "exercise").all()
    # a composite protocol repeats as a whole
    day = Exercise(0.6, start=60, duration=30) + Meditation(start=600, duration=20)
    three = day.repeat(every=1440, times=3)
    tab = three.table()
    assert tab["stimulus"].tolist() == ["Exercise", "Meditation"] * 3
    np.testing.assert_array_equal(tab["start"], [60, 600, 1500, 2040, 2940, 3480])
    # copies past t_end are not simulated (a warning names them), the first copies are
    with pytest.warns(UserWarning, match=r"11 stimulus\(es\) start at or after t_end"):
        sc = Scenario(prog, t_end=600, dt=10, **_quiet())
    res = sc.simulate(outputs=["activation_pituitary"])
    assert res["activation_pituitary"][0, res.t == 520.0] > 0


def test_protocol_table_and_composition():
    p = (Exercise(intensity=0.75, start=60, duration=45)
         + Laughter(start=300, duration=15)
         + Pain(level=4, start=600, duration=120)
         + Stress(0.5, start=10, duration=5)
         + Acupuncture(start=800, duration=30, frequency="low")
         + Placebo(start=700, duration=10))
    tab = p.table()
    assert list(tab.columns) == ["stimulus", "channel", "level", "unit", "start",
                                 "duration", "end", "frequency"]
    assert tab["start"].tolist() == [10, 60, 300, 600, 700, 800]
    assert tab["channel"].tolist() == ["stress", "exercise", "laughter", "pain", "placebo",
                                       "acupuncture"]
    assert tab["level"].tolist() == [0.5, 0.75, 1.0, 4.0, 1.0, 1.0]
    assert tab.loc[tab.channel == "pain", "unit"].item() == "NRS 0-10"
    assert tab.loc[tab.channel == "acupuncture", "frequency"].item() == "low"
    # + is associative in content; sum() works; Protocol + Protocol
    q = sum([Exercise(0.5, 0, 10), Laughter(start=1, duration=2)])
    assert isinstance(q, Protocol) and len(q) == 2
    assert len(q + q) == 4 and (q + Exercise(0.1, 5, 5)).stimuli[-1] == Exercise(0.1, 5, 5)
    assert Exercise(0.75, 60, 45) == Exercise(intensity=0.75, start=60.0, duration=45.0)
    assert pickle.loads(pickle.dumps(p)) == p


def test_stimuli_cut_at_t_end_and_rest_is_exact():
    with pytest.warns(UserWarning, match=r"Exercise 100-600 min is cut at t_end \(its "
                                         r"last 480 min dropped\)"):
        sc = Scenario(Exercise(0.8, start=100, duration=500), t_end=120, dt=1, **_quiet())
    res = sc.simulate(outputs=["plasma_beta_endorphin"])
    y = res["plasma_beta_endorphin"][0]
    np.testing.assert_allclose(y[:101], PLASMA_REST, rtol=1e-12)
    assert y[-1] > y[100]
    rest = Scenario(t_end=600, dt=60, **_quiet()).simulate()
    np.testing.assert_allclose(rest["plasma_beta_endorphin"], PLASMA_REST, rtol=1e-12)
    np.testing.assert_allclose(rest["csf_beta_endorphin"], CSF_REST, rtol=1e-12)


def test_grid_includes_t_end():
    np.testing.assert_allclose(Scenario(t_end=25, dt=10).times, [0, 10, 20, 25])
    np.testing.assert_allclose(Scenario(t_end=0.3, dt=0.1).times, [0, 0.1, 0.2, 0.3])
    assert Scenario(t_end=5, dt=5).times.tolist() == [0.0, 5.0]


def test_high_frequency_acupuncture_is_non_opioid():
    outs = ["activation_pituitary", "activation_hypothalamic", "nonopioid_analgesia",
            "opioid_analgesia"]
    kw = _quiet(t_end=120, dt=5)
    low = Scenario(Acupuncture(start=30, duration=30), **kw).simulate(outputs=outs)
    high = Scenario(Acupuncture(start=30, duration=30, frequency="high"),
                    **kw).simulate(outputs=outs, rtol=1e-10, atol=1e-12)
    assert low["activation_hypothalamic"].max() > 0.1
    assert low["activation_pituitary"].max() > 0.01
    assert low["opioid_analgesia"].max() > low["opioid_analgesia"][0, 0]
    assert high["activation_hypothalamic"].max() == 0.0
    assert high["activation_pituitary"].max() == 0.0
    np.testing.assert_allclose(high["opioid_analgesia"], high["opioid_analgesia"][0, 0],
                               rtol=1e-9)
    # the non-opioid route is untouched (docs/model.md): gamma N with
    # dN/dt = (h(u) - N) / tau_nonopioid, h(1) = 1 / (0.5 + 1) (u50 0.5, slope 1),
    # gamma 0.1, tau 5 min
    t = high.t
    n_on = (2 / 3) * (1 - np.exp(-np.clip(t - 30.0, 0, 30.0) / 5.0))
    n = np.where(t <= 60.0, n_on, n_on * np.exp(-np.clip(t - 60.0, 0, None) / 5.0))
    np.testing.assert_allclose(high["nonopioid_analgesia"][0], 0.1 * n, rtol=1e-7,
                               atol=1e-12)
    params = Scenario(Acupuncture(start=0, duration=5, frequency="high"), t_end=10,
                      dt=5).simulate(outputs=["analgesia"]).parameters()
    assert (params["acupuncture_gain_pituitary"] == 0).all()
    assert (params["acupuncture_gain_hypothalamic"] == 0).all()
    with pytest.raises(ValueError, match="low- and high-frequency"):
        Scenario(Acupuncture(start=0, duration=5) +
                 Acupuncture(start=10, duration=5, frequency="high"))


def test_clock_start():
    kw = dict(t_end=60, dt=30, pulses=False)
    a = Scenario(clock_start="14:30", **kw).simulate(outputs=["circadian"])
    b = Scenario(clock_start=870, **kw).simulate(outputs=["circadian"])
    np.testing.assert_array_equal(a.y, b.y)
    p = a.parameters()
    assert (p["clock_start"] == 870.0).all()
    a_circ, t_peak = p["a_circ"].item(), p["t_peak"].item()
    expected = 1 + a_circ * np.cos(2 * np.pi * (a.t + 870.0 - t_peak) / 1440.0)
    np.testing.assert_allclose(a["circadian"][0], expected, rtol=1e-12)
    if _has_xarray():
        assert a.to_xarray()["clock_time"].values.tolist() == [870.0, 900.0, 930.0]
    off = Scenario(clock_start="14:30", circadian=False, **kw).simulate(outputs=["circadian"])
    np.testing.assert_array_equal(off["circadian"], 1.0)


def _has_xarray():
    try:
        import xarray  # noqa: F401
    except ImportError:
        return False
    return True


# ---------------------------------------------------------------------------
# Doses of beta-endorphin
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("t_half", [None, 50.0])
def test_iv_bolus_is_amount_over_volume_and_decays_with_half_life(t_half):
    over = {} if t_half is None else {"t_half_plasma": t_half}
    th = T_HALF_PLASMA if t_half is None else t_half
    sc = Scenario(doses=[Dose("beta_endorphin", amount=10.0, unit="mg", route="iv",
                              time=60.0)],
                  population=Subject(**over), t_end=300, dt=1.0, **_quiet())
    res = sc.simulate(rtol=1e-10, atol=1e-12, outputs=["plasma_beta_endorphin"])
    t, y = res.t, res["plasma_beta_endorphin"][0]
    step = _step(10.0, V_IV)                     # 231 621 pmol/L for 70 kg
    assert step == pytest.approx(231621.0, abs=1.0)
    expected = PLASMA_REST + np.where(t >= 60.0, step * 2.0 ** (-(t - 60.0) / th), 0.0)
    np.testing.assert_allclose(y, expected, rtol=1e-7)
    # right-continuous: the output at the dose time sees the dose
    assert y[60] == pytest.approx(PLASMA_REST + step, rel=1e-9)
    assert y[59] == pytest.approx(PLASMA_REST, rel=1e-12)
    # the terminal half-life from NCA
    assert nca.half_life(t[100:], y[100:] - PLASMA_REST, n_points=100) == \
        pytest.approx(th, rel=1e-6)


def test_icv_bolus_body_weight_units_and_repeats():
    # ICV: CSF step amount / (0.74 mL/kg x weight), t1/2 93 min; 50 kg by covariate,
    # 2 ug/kg = 100 ug, repeated every 120 min, 3 times
    dose = Dose("beta_endorphin", amount=2.0, unit="ug/kg", route="icv", time=10.0,
                every=120.0, times=3)
    pop = Subject(covariates={"body_weight": 50.0})
    res = Scenario(doses=dose, population=pop, t_end=400, dt=2.0, **_quiet()).simulate(
        rtol=1e-10, atol=1e-12, outputs=["csf_beta_endorphin", "plasma_beta_endorphin"])
    t = res.t
    step = _step(0.1, V_ICV, 50.0)
    expected = CSF_REST + sum(np.where(t >= t0, step * 2.0 ** (-(t - t0) / T_HALF_CSF), 0.0)
                              for t0 in (10.0, 130.0, 250.0))
    np.testing.assert_allclose(res["csf_beta_endorphin"][0], expected, rtol=1e-7)
    np.testing.assert_allclose(res["plasma_beta_endorphin"], PLASMA_REST, rtol=1e-12)
    # the same dose written in mg, ug and mg/kg gives the same result
    kw = dict(population=pop, t_end=60, dt=5.0, **_quiet())
    outs = ["csf_beta_endorphin"]
    ref = Scenario(doses=Dose("beta_endorphin", 0.1, "mg", "icv", 10), **kw).simulate(
        outputs=outs)
    for d in (Dose("beta_endorphin", 100.0, "ug", "icv", 10),
              Dose("beta_endorphin", 0.002, "mg/kg", "icv", 10)):
        np.testing.assert_allclose(Scenario(doses=d, **kw).simulate(outputs=outs).y,
                                   ref.y, rtol=1e-12)
    # body weight scales the step as 1 / weight (mg units)
    heavy = Scenario(doses=Dose("beta_endorphin", 0.1, "mg", "icv", 10),
                     population=Subject(covariates={"body_weight": 100.0}),
                     t_end=60, dt=5.0, **_quiet()).simulate(outputs=outs)
    np.testing.assert_allclose(heavy.y[0, 0, 2:] - CSF_REST,
                               (ref.y[0, 0, 2:] - CSF_REST) * 0.5, rtol=1e-6)


def test_iv_infusion_analytic():
    k = math.log(2) / T_HALF_PLASMA
    res = Scenario(doses=Dose("beta_endorphin", rate=0.1, unit="mg", route="iv", time=20.0,
                              duration=60.0),
                   t_end=200, dt=1.0, **_quiet()).simulate(
        rtol=1e-10, atol=1e-12, outputs=["plasma_beta_endorphin"])
    t, y = res.t, res["plasma_beta_endorphin"][0]
    r = _step(0.1, V_IV)                         # pmol/L per min
    during = r / k * (1 - np.exp(-k * np.clip(t - 20.0, 0, 60.0)))
    expected = PLASMA_REST + np.where(t <= 80.0, during,
                                      during * np.exp(-k * np.clip(t - 80.0, 0, None)))
    np.testing.assert_allclose(y, expected, rtol=1e-7)
    # two of amount, rate and duration give the third
    a = Dose("beta_endorphin", amount=6.0, rate=0.1, time=20.0)
    assert a.duration == pytest.approx(60.0) and a.is_infusion
    assert Dose("beta_endorphin", amount=6.0, duration=60.0, time=20.0).amount == 6.0
    same = Scenario(doses=a, t_end=200, dt=1.0, **_quiet()).simulate(
        rtol=1e-10, atol=1e-12, outputs=["plasma_beta_endorphin"])
    np.testing.assert_allclose(same.y, res.y, rtol=1e-12)
    # per-subject body weights: the infusion's concentration scales as 1 / weight
    two = Scenario(doses=a, population=Population(2, variability=0.0, seed=0,
                                                  covariates={"body_weight": [35.0, 140.0]}),
                   t_end=200, dt=1.0, **_quiet()).simulate(
        rtol=1e-10, atol=1e-12, outputs=["plasma_beta_endorphin"])
    excess = two["plasma_beta_endorphin"] - PLASMA_REST
    np.testing.assert_allclose(excess[0, 21:], 2.0 * (y[21:] - PLASMA_REST), rtol=1e-6)
    np.testing.assert_allclose(excess[1, 21:], 0.5 * (y[21:] - PLASMA_REST), rtol=1e-6)
    # nmol of beta-endorphin (3465 g/mol)
    n = Dose("beta_endorphin", 1000.0, unit="nmol")
    assert n.amount_mg(70.0) == pytest.approx(3.465, rel=1e-12)


def test_doses_past_t_end():
    with pytest.raises(ValueError, match="doses"):
        Scenario(doses=[Dose("beta_endorphin", 1.0, time=2000.0)], t_end=1440)
    # later administrations of a repeated schedule past t_end are dropped
    kw = dict(t_end=200, dt=5, **_quiet())
    with pytest.warns(UserWarning, match="8 of 10 beta_endorphin administrations start "
                                         "after t_end and are dropped"):
        sc = Scenario(doses=Dose("beta_endorphin", 1.0, time=50.0, every=100.0, times=10),
                      **kw)
    a = sc.simulate(outputs=["plasma_beta_endorphin"])
    b = Scenario(doses=Dose("beta_endorphin", 1.0, time=50.0, every=100.0, times=2),
                 **kw).simulate(outputs=["plasma_beta_endorphin"])
    np.testing.assert_array_equal(a.y, b.y)
    # a dose at exactly t_end is seen at the last output
    c = Scenario(doses=Dose("beta_endorphin", 1.0, time=200.0), **kw).simulate(
        outputs=["plasma_beta_endorphin"])
    assert c.y[0, 0, -1] == pytest.approx(PLASMA_REST + _step(1.0, V_IV), rel=1e-9)


def test_dose_drugs_and_routes_are_checked():
    assert Dose("naloxone", amount=0.4, unit="mg", route="iv", time=50).drug == "naloxone"
    with pytest.raises(ValueError, match="drug: unknown drug 'heroin'"):
        Dose("heroin", amount=0.4)
    with pytest.raises(ValueError, match="route must be one of"):
        Dose("fentanyl", amount=0.1, route="oral")          # no oral route in the table
    assert issubclass(DrugNotAvailableError, NotImplementedError)
    with pytest.raises(ValueError, match="route"):
        Dose("beta_endorphin", 1.0, route="oral")
    assert Dose("beta-endorphin", 1.0).drug == "beta_endorphin"


# ---------------------------------------------------------------------------
# Reproducibility
# ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def pop_run():
    sc = Scenario(Exercise(0.8, start=60, duration=30), population=Population(40, seed=7),
                  t_end=480, dt=5)
    return sc, sc.simulate(threads=1, outputs=["plasma_beta_endorphin", "analgesia"])


def test_same_seed_identical_threads_and_chunks(pop_run):
    sc, ref = pop_run
    outs = ["plasma_beta_endorphin", "analgesia"]
    again = Scenario(Exercise(0.8, start=60, duration=30), population=Population(40, seed=7),
                     t_end=480, dt=5).simulate(threads=2, outputs=outs)
    np.testing.assert_array_equal(again.y, ref.y)
    assert again == ref
    chunked = sc.simulate(threads=2, outputs=outs, progress=True)   # ~20 chunks
    np.testing.assert_array_equal(chunked.y, ref.y)
    # keyed streams: the first 15 subjects of 40 are the population of 15
    small = Scenario(Exercise(0.8, start=60, duration=30), population=Population(15, seed=7),
                     t_end=480, dt=5).simulate(outputs=outs)
    np.testing.assert_array_equal(small.y, ref.y[:15])


def test_different_seed_differs(pop_run):
    _, ref = pop_run
    other = Scenario(Exercise(0.8, start=60, duration=30), population=Population(40, seed=8),
                     t_end=480, dt=5).simulate(outputs=["plasma_beta_endorphin", "analgesia"])
    assert not np.array_equal(other.y, ref.y)
    # the subjects differ, not only the pulses
    assert (other.params != ref.params).any(axis=1).all()


def test_seed_none_is_recorded_and_repeatable():
    pop = Population(3, seed=None)
    assert isinstance(pop.seed, int) and pop.seed >= 0
    kw = dict(t_end=120, dt=10)
    a = Scenario(population=pop, **kw).simulate(outputs=["plasma_beta_endorphin"])
    b = Scenario(population=Population(3, seed=a.provenance["seed"]), **kw).simulate(
        outputs=["plasma_beta_endorphin"])
    np.testing.assert_array_equal(a.y, b.y)


def test_population_variability_and_overrides():
    pop = Population(200, seed=3, variability=0.0, t_half_plasma=40.0)
    p = pop.parameters()
    assert (p["t_half_plasma"] == 40.0).all() and p.nunique().max() == 1
    wide = Population(2000, seed=3).parameters()["t_half_plasma"]
    half = Population(2000, seed=3, variability=0.5).parameters()["t_half_plasma"]
    # log-normal CV 0.15 (documented) and 0.075 (half), median 37 min
    cv = lambda s: np.sqrt(np.expm1(np.var(np.log(s))))           # noqa: E731
    assert cv(wide) == pytest.approx(0.15, rel=0.1)
    assert cv(half) == pytest.approx(0.075, rel=0.1)
    assert np.median(wide) == pytest.approx(37.0, rel=0.02)
    assert Subject(t_half_plasma=40.0) == Subject(t_half_plasma=40.0)
    # outside the documented range only without variability (no clipping then)
    assert (Population(3, variability=0, t_half_plasma=80.0).parameters()["t_half_plasma"]
            == 80.0).all()
    assert Subject(t_half_plasma=80.0).parameters()["t_half_plasma"].item() == 80.0
    assert pickle.loads(pickle.dumps(pop)) == pop


def test_covariates_are_coordinates():
    xr = pytest.importorskip("xarray")
    pop = Population(4, seed=1, covariates={"body_weight": [50, 60, 70, 80],
                                            "sex": ["F", "M", "female", "male"], "age": 30})
    ds = Scenario(population=pop, t_end=30, dt=10).simulate(
        outputs=["plasma_beta_endorphin"]).to_xarray()
    assert isinstance(ds, xr.Dataset)
    assert ds["body_weight"].dims == ("subject",) and ds["body_weight"].attrs["units"] == "kg"
    assert ds["sex"].values.tolist() == ["female", "male", "female", "male"]
    assert ds["age"].values.tolist() == [30.0] * 4


# ---------------------------------------------------------------------------
# compare
# ---------------------------------------------------------------------------
def test_compare_side_by_side():
    pop = Population(25, seed=4)
    kw = dict(population=pop, t_end=120, dt=5)
    cmp = compare({"60 %": Scenario(Exercise(0.6, start=30, duration=30), **kw),
                   "80 %": Scenario(Exercise(0.8, start=30, duration=30), **kw)},
                  outputs=["plasma_beta_endorphin", "analgesia"])
    assert isinstance(cmp, Comparison) and cmp.names == ("60 %", "80 %")
    stacked = cmp["plasma_beta_endorphin"]
    assert stacked.shape == (2, 25, 25)
    np.testing.assert_array_equal(stacked[1], cmp["80 %"]["plasma_beta_endorphin"])
    # same subjects (common random numbers): identical before the bout, 80 % higher after
    np.testing.assert_array_equal(stacked[0, :, :6], stacked[1, :, :6])
    assert (stacked[1, :, 13] > stacked[0, :, 13]).all()
    df = cmp.to_pandas()
    assert list(df.columns) == ["scenario", "subject", "time", "variable", "value", "unit"]
    assert len(df) == 2 * 25 * 25 * 2
    s = cmp.summary()
    assert s.population.index.names == ["scenario", "metric"]
    assert s.subjects.loc[("80 %", 3), "plasma_beta_endorphin_cmax"] == \
        stacked[1, 3].max()
    smp = cmp.sample([0, 60], Assay.plasma())
    assert smp["scenario"].tolist()[:2] == ["60 %", "60 %"] and len(smp) == 2 * 25 * 2
    xr = pytest.importorskip("xarray")
    ds = cmp.to_xarray()
    assert isinstance(ds, xr.Dataset)
    assert ds["plasma_beta_endorphin"].dims == ("scenario", "subject", "time")
    assert ds["scenario"].values.tolist() == ["60 %", "80 %"]
    assert ds["plasma_beta_endorphin"].attrs["units"] == "pmol/L"
    np.testing.assert_array_equal(ds["plasma_beta_endorphin"].values, stacked)
    assert pickle.loads(pickle.dumps(cmp)) == cmp
    assert "&lt;b&gt;" in compare({"<b>": Scenario(t_end=10, dt=5)},
                                  outputs=["analgesia"])._repr_html_()


def test_compare_bad_input():
    with pytest.raises(TypeError, match="scenarios"):
        compare([Scenario()])
    with pytest.raises(ValueError, match="at least one"):
        compare({})
    with pytest.raises(TypeError, match="Scenario"):
        compare({"a": 1})
    with pytest.raises(ValueError, match="output name"):
        compare({"analgesia": Scenario()})


# ---------------------------------------------------------------------------
# Bad input: the documented exception, naming the argument
# ---------------------------------------------------------------------------
NAN = float("nan")
BAD = [
    # stimuli: intensity ranges (exercise 0-1.2, others 0-1, pain 0-10), times
    (lambda: Exercise(1.5, 0, 10), ValueError, r"intensity must be >= 0 and <= 1\.2"),
    (lambda: Exercise(-0.1, 0, 10), ValueError, "intensity"),
    (lambda: Exercise(NAN, 0, 10), ValueError, "intensity"),
    (lambda: Exercise("high", 0, 10), TypeError, "intensity"),
    (lambda: Exercise(True, 0, 10), TypeError, "intensity"),
    (lambda: Laughter(1.5, start=0, duration=10), ValueError, r"intensity must be .*<= 1 "),
    (lambda: Stress(-1, start=0, duration=10), ValueError, "intensity"),
    (lambda: Meditation(NAN, start=0, duration=10), ValueError, "intensity"),
    (lambda: Placebo(2, start=0, duration=10), ValueError, "intensity"),
    (lambda: Acupuncture(1.1, start=0, duration=10), ValueError, "intensity"),
    (lambda: Pain(11, 0, 10), ValueError, r"level must be >= 0 and <= 10"),
    (lambda: Pain(-1, 0, 10), ValueError, "level"),
    (lambda: Exercise(0.5, -1, 10), ValueError, "start"),
    (lambda: Exercise(0.5, NAN, 10), ValueError, "start"),
    (lambda: Exercise(0.5, 0, 0), ValueError, "duration"),
    (lambda: Exercise(0.5, 0, -5), ValueError, "duration"),
    (lambda: Acupuncture(start=0, duration=5, frequency="medium"), ValueError, "frequency"),
    (lambda: Exercise(0.5, 0, 10).repeat(every=0, times=3), ValueError, "every"),
    (lambda: Exercise(0.5, 0, 10).repeat(every=10, times=0), ValueError, "times"),
    (lambda: Exercise(0.5, 0, 10).repeat(every=10, times=2.5), TypeError, "times"),
    (lambda: Protocol([1, 2]), TypeError, "stimuli"),
    # doses
    (lambda: Dose("beta_endorphin", -1.0), ValueError, "amount"),
    (lambda: Dose("beta_endorphin", NAN), ValueError, "amount"),
    (lambda: Dose("beta_endorphin", "10"), TypeError, "amount"),
    (lambda: Dose("beta_endorphin"), TypeError, "amount"),
    (lambda: Dose("beta_endorphin", 1.0, unit="g"), ValueError, "unit"),
    (lambda: Dose("beta_endorphin", 1.0, time=-5), ValueError, "time"),
    (lambda: Dose("beta_endorphin", 1.0, times=3), ValueError, "every"),
    (lambda: Dose("beta_endorphin", 1.0, duration=0), ValueError, "duration"),
    (lambda: Dose("beta_endorphin", rate=1.0), ValueError, "duration"),
    (lambda: Dose("beta_endorphin", rate=0.0, duration=5), ValueError, "rate"),
    (lambda: Dose("beta_endorphin", 10.0, rate=1.0, duration=5), ValueError,
     "rate x duration"),
    (lambda: Dose(42, 1.0), TypeError, "drug"),
    # populations
    (lambda: Population(0), ValueError, "n must be >= 1"),
    (lambda: Population(-3), ValueError, "n must"),
    (lambda: Population(2.5), TypeError, "n must be an integer"),
    (lambda: Population(10, condition="fibro"), ValueError,
     r"condition 'fibro'.*healthy.*fibromyalgia"),
    (lambda: Population(10, condition="unknown"), ValueError, "condition"),
    (lambda: Population(10, variability=-1), ValueError, "variability"),
    (lambda: Population(10, variability=NAN), ValueError, "variability"),
    (lambda: Population(10, seed=-1), ValueError, "seed"),
    (lambda: Population(10, seed=1.5), TypeError, "seed"),
    (lambda: Population(10, no_such_parameter=1.0), ValueError, "no_such_parameter"),
    (lambda: Population(10, t_half_plasma=0.0), ValueError, "t_half_plasma"),
    (lambda: Population(10, t_half_plasma=NAN), ValueError, "t_half_plasma"),
    (lambda: Population(10, clock_start=600.0), ValueError, "clock_start"),
    (lambda: Population(10, t_half_plasma=80.0), ValueError, "t_half_plasma=80 .*25-55"),
    (lambda: Population(10, covariates={"height": 180}), ValueError, "height"),
    (lambda: Population(10, covariates={"body_weight": [70.0] * 3}), ValueError,
     "body_weight"),
    (lambda: Population(2, covariates={"body_weight": [70.0, -1.0]}), ValueError,
     "body_weight"),
    (lambda: Population(2, covariates={"sex": ["F", "x"]}), ValueError, "sex"),
    (lambda: Subject(condition="depressed"), ValueError, "condition"),
    (lambda: Dose("morphine", 1.0, route="icv"), ValueError, "route"),
    (lambda: Dose("naloxone", 1.0, unit="ml"), ValueError, "unit"),
    # scenarios
    (lambda: Scenario(t_end=0), ValueError, "t_end must be > 0"),
    (lambda: Scenario(t_end=-10), ValueError, "t_end"),
    (lambda: Scenario(t_end=NAN), ValueError, "t_end"),
    (lambda: Scenario(t_end="1 day"), TypeError, "t_end"),
    (lambda: Scenario(dt=0), ValueError, "dt must be > 0"),
    (lambda: Scenario(dt=-1), ValueError, "dt"),
    (lambda: Scenario(t_end=10, dt=20), ValueError, "dt must be <= t_end"),
    (lambda: Scenario(t_end=1440, dt=1e-6), ValueError, "dt"),
    (lambda: Scenario(clock_start="25:00"), ValueError, "clock_start"),
    (lambda: Scenario(clock_start="8 am"), ValueError, "clock_start"),
    (lambda: Scenario(clock_start=1440), ValueError, "clock_start"),
    (lambda: Scenario(protocol="exercise"), TypeError, "protocol"),
    (lambda: Scenario(doses=[1.0]), TypeError, "doses"),
    (lambda: Scenario(doses="beta_endorphin"), TypeError, "doses"),
    (lambda: Scenario(population=5), TypeError, "population"),
    (lambda: Scenario(circadian="yes"), TypeError, "circadian"),
    (lambda: Scenario(pulses=1), TypeError, "pulses"),
    (lambda: Scenario(name=3), TypeError, "name"),
    # simulate
    (lambda: Scenario(t_end=10, dt=5).simulate(method="rk4"), ValueError, "method"),
    (lambda: Scenario(t_end=10, dt=5).simulate(outputs=["nope"]), ValueError, "outputs"),
    (lambda: Scenario(t_end=10, dt=5).simulate(outputs=[]), ValueError, "outputs"),
    (lambda: Scenario(t_end=10, dt=5).simulate(rtol=0.0), ValueError, "rtol"),
    (lambda: Scenario(t_end=10, dt=5).simulate(atol=-1.0), ValueError, "atol"),
    (lambda: Scenario(t_end=10, dt=5).simulate(threads=0), ValueError, "threads"),
    (lambda: Scenario(t_end=10, dt=5).simulate(progress="yes"), TypeError, "progress"),
]


@pytest.mark.parametrize("call, exc, pattern", BAD, ids=range(len(BAD)))
def test_bad_input_names_the_argument(call, exc, pattern):
    with pytest.raises(exc, match=pattern):
        call()


# ---------------------------------------------------------------------------
# Pickling and display
# ---------------------------------------------------------------------------
def test_result_pickles_and_html_is_escaped():
    evil = "<script>alert('x')</script>"
    sc = Scenario(Exercise(0.8, start=10, duration=20) + Pain(5, start=0, duration=60),
                  doses=Dose("beta_endorphin", 0.01, time=5),
                  population=Population(5, seed=2, covariates={"sex": "F"}),
                  t_end=60, dt=5, name=evil)
    res = sc.simulate()
    back = pickle.loads(pickle.dumps(res))
    assert back == res and back is not res
    np.testing.assert_array_equal(back.y, res.y)
    assert back.scenario == sc and back.provenance == res.provenance
    assert not back["analgesia"].flags.writeable
    html = res._repr_html_()
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "<pre" in html                    # plain-text fallback
    text = repr(res)
    assert "\n" not in text and "5 subjects" in text
    assert pickle.loads(pickle.dumps(sc)) == sc
    assert "<script>" not in res.summary()._repr_html_()


def test_progress_bar_is_optional(monkeypatch, capsys):
    sc = Scenario(Exercise(0.8, start=5, duration=10), population=Population(7, seed=1),
                  t_end=30, dt=10)
    ref = sc.simulate(outputs=["analgesia"])
    # without a terminal tqdm stays silent
    quiet = sc.simulate(outputs=["analgesia"], progress=True)
    assert capsys.readouterr().err == ""
    np.testing.assert_array_equal(quiet.y, ref.y)
    # a bar that records its updates: one per chunk, N in total, then closed
    calls = {}

    class Bar:
        def __init__(self, total, **kw):
            calls.update(total=total, updates=[], closed=False, kw=kw)

        def update(self, k):
            calls["updates"].append(k)

        def close(self):
            calls["closed"] = True

    monkeypatch.setitem(sys.modules, "tqdm.auto", types.SimpleNamespace(tqdm=Bar))
    shown = sc.simulate(outputs=["analgesia"], progress=True)
    assert calls["total"] == 7 and sum(calls["updates"]) == 7 and calls["closed"]
    assert len(calls["updates"]) == 7 and calls["kw"]["disable"] is None
    np.testing.assert_array_equal(shown.y, ref.y)
    # tqdm not installed: still runs, silently
    monkeypatch.setitem(sys.modules, "tqdm.auto", None)
    np.testing.assert_array_equal(sc.simulate(outputs=["analgesia"], progress=True).y, ref.y)


def test_covariates_from_dataframe():
    pd = pytest.importorskip("pandas")
    cov = pd.DataFrame({"body_weight": [55.0, 90.0], "sex": ["F", "M"]})
    pop = Population(2, seed=1, covariates=cov)
    np.testing.assert_array_equal(pop.body_weight, [55.0, 90.0])
    assert pop.covariates["sex"].tolist() == ["female", "male"]
    with pytest.raises(ValueError, match="covariates"):
        Population(3, covariates=cov)


def test_module_doctests():
    from endorphin import scenario
    res = doctest.testmod(scenario, optionflags=doctest.ELLIPSIS
                          | doctest.NORMALIZE_WHITESPACE)
    assert res.attempted >= 10 and res.failed == 0


def test_population_cv_overrides_and_correlations():
    """Per-parameter CVs and correlations of the log-normal deviates: the empirical
    CV and correlation of 4000 subjects match the request; an override equal to the
    documented CV leaves every draw unchanged (the streams do not move)."""
    import pandas as pd
    tab = endorphin.parameters().set_index("name")
    a, b = "t_half_plasma", "t_half_csf"
    base = Population(4000, seed=11)
    same = Population(4000, seed=11, cv={a: float(tab.loc[a, "cv"])})
    np.testing.assert_array_equal(base.draw(), same.draw())
    pop = Population(4000, seed=11, cv={a: 0.1, b: 0.1}, correlation={(a, b): 0.6})
    p = pd.DataFrame(pop.draw(), columns=core.models["endorphin"].params)
    la, lb = np.log(p[a]), np.log(p[b])
    sigma = np.sqrt(np.log1p(0.1 ** 2))
    inside = (p[a] > tab.loc[a, "low"]) & (p[a] < tab.loc[a, "high"]) & \
             (p[b] > tab.loc[b, "low"]) & (p[b] < tab.loc[b, "high"])
    assert inside.mean() > 0.97                       # clipping barely matters here
    assert la[inside].std() == pytest.approx(sigma, rel=0.08)
    assert np.corrcoef(la[inside], lb[inside])[0, 1] == pytest.approx(0.6, abs=0.05)
    with pytest.raises(ValueError, match="positive definite"):
        Population(10, cv={a: 0.2, b: 0.2, "t_half_acth": 0.2},
                   correlation={(a, b): 0.9, (a, "t_half_acth"): 0.9,
                                (b, "t_half_acth"): -0.9})
    with pytest.raises(ValueError, match="not a varied parameter"):
        Population(10, correlation={(a, "w_mu"): 0.5})
    with pytest.raises(ValueError, match="cv: unknown parameter"):
        Population(10, cv={"nope": 0.1})
