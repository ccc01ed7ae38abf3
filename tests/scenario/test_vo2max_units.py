"""The VO2max covariate with absolute workloads (``Exercise(vo2=...)``), and pint
quantities where users give amounts, concentrations and times.

Independent references: a workload of vo2 mL/kg/min is the relative intensity
vo2 / VO2max, so it must give exactly the inputs (and hence the results) of
``Exercise(intensity=vo2 / VO2max)``; pint conversions are checked against
hand-converted plain numbers (0.4 mg = 400 ug; 1 pmol/L = 3.465 pg/mL of
beta-endorphin, its molar mass 3465 g/mol)."""
from __future__ import annotations

import numpy as np
import pytest

import endorphin as en
from endorphin import scenario as S
from endorphin.scenario import runner

OUT = ["plasma_beta_endorphin", "analgesia"]


def _run(protocol, **pop):
    sc = en.Scenario(protocol, population=en.Population(**{"n": 1, "seed": 3, **pop}),
                     t_end=240.0, dt=5.0, pulses=False)
    return sc.simulate(outputs=OUT, threads=1)


def test_vo2_workload_is_intensity_over_vo2max():
    """A workload of 30 mL/kg/min at VO2max 40 is the relative intensity 0.75, bit for
    bit; at VO2max 60 it is 0.5, which is below the threshold (no rise, Goldfarb 1991's
    point that fitter subjects respond less to the same absolute workload)."""
    rel = _run(en.Exercise(0.75, start=30, duration=45), covariates={"vo2max": 40.0})
    ab = _run(en.Exercise(vo2=30.0, start=30, duration=45), covariates={"vo2max": 40.0})
    np.testing.assert_array_equal(rel.y, ab.y)
    fit = _run(en.Exercise(vo2=30.0, start=30, duration=45), covariates={"vo2max": 60.0})
    half = _run(en.Exercise(0.5, start=30, duration=45), covariates={"vo2max": 60.0})
    np.testing.assert_array_equal(fit.y, half.y)
    peak = lambda r: r["plasma_beta_endorphin"].max()      # noqa: E731
    assert peak(fit) < 0.8 * peak(ab)


def test_vo2_population_gives_each_subject_its_own_intensity():
    vo2max = np.array([35.0, 40.0, 50.0, 60.0])
    pop = en.Population(4, seed=5, covariates={"vo2max": vo2max})
    sc = en.Scenario(en.Exercise(vo2=30.0, start=30, duration=40), population=pop,
                     t_end=180.0, dt=5.0, pulses=False)
    res = sc.simulate(outputs=OUT, threads=1)
    params = pop.parameters().to_numpy()
    for i in range(4):
        one = en.Scenario(en.Exercise(30.0 / vo2max[i], start=30, duration=40),
                          population=en.Population(4, seed=5,
                                                   covariates={"vo2max": vo2max}),
                          t_end=180.0, dt=5.0, pulses=False).simulate(outputs=OUT,
                                                                       threads=1)
        np.testing.assert_array_equal(res.y[i], one.y[i])
    assert params.shape[0] == 4


def test_default_vo2max_depends_on_condition():
    assert (en.Population(3).vo2max == S.DEFAULT_VO2MAX_OTHER).all()
    assert (en.Population(3, condition="trained").vo2max == S.DEFAULT_VO2MAX["trained"]).all()
    assert (en.Population(2, covariates={"vo2max": [30, 70]}).vo2max == [30, 70]).all()


@pytest.mark.parametrize("kw, exc, word", [
    (dict(intensity=0.7, vo2=30.0), TypeError, "not both"),
    (dict(), TypeError, "neither"),
    (dict(vo2=-1.0), ValueError, "vo2"),
    (dict(vo2=float("nan")), ValueError, "vo2"),
    (dict(vo2=120.0), ValueError, "vo2"),
    (dict(vo2="30"), TypeError, "vo2"),
])
def test_exercise_bad_vo2(kw, exc, word):
    with pytest.raises(exc, match=word):
        en.Exercise(start=0, duration=10, **kw)


def test_vo2_above_the_model_range_for_a_subject():
    pop = en.Population(3, covariates={"vo2max": [50.0, 30.0, 60.0]})
    sc = en.Scenario(en.Exercise(vo2=40.0, start=0, duration=10), population=pop,
                     t_end=60.0, dt=10.0)
    with pytest.raises(ValueError, match=r"vo2=40.*subject 1 \(30 mL/kg/min\)"):
        sc.simulate(threads=1)


def test_vo2max_covariate_validation():
    with pytest.raises(ValueError, match="vo2max"):
        en.Population(2, covariates={"vo2max": [5.0, 40.0]})
    with pytest.raises(TypeError, match="vo2max"):
        en.Population(2, covariates={"vo2max": ["a", "b"]})


def test_vo2_exercise_round_trips_through_toml(tmp_path):
    sc = en.Scenario(en.Exercise(vo2=28.0, start=10, duration=20)
                     + en.Exercise(0.8, start=100, duration=10),
                     population=en.Population(2, seed=1, covariates={"vo2max": [35, 45]}),
                     t_end=200.0, dt=10.0)
    path = tmp_path / "s.toml"
    sc.to_toml(path)
    back = en.Scenario.from_toml(path)
    assert list(back.protocol) == list(sc.protocol)
    assert (back.population.vo2max == [35, 45]).all()
    assert "vo2=28.0" in repr(back.protocol.stimuli[0]) or "vo2=28.0" in repr(
        back.protocol.stimuli[1])


# ---------------------------------------------------------------------------
# pint
pint = pytest.importorskip("pint")
ureg = pint.UnitRegistry()


def test_dose_amount_quantities():
    a = en.Dose("naloxone", amount=400 * ureg.ug, route="iv", time=50)
    b = en.Dose("naloxone", amount=0.4, unit="mg", route="iv", time=50)
    assert a.unit == "mg" and a.amount == pytest.approx(0.4, rel=1e-15)
    assert a.amount_nmol(70.0) == pytest.approx(b.amount_nmol(70.0), rel=1e-14)
    c = en.Dose("naloxone", amount=0.4 * ureg.mg, unit="ug", route="iv")
    assert c.unit == "ug" and c.amount == pytest.approx(400.0, rel=1e-14)
    d = en.Dose("morphine", amount=0.1 * ureg("mg/kg"), route="iv")
    assert d.unit == "mg/kg" and d.amount_mg(80.0) == pytest.approx(8.0, rel=1e-14)
    e = en.Dose("naloxone", amount=1221.8 * ureg.nmol, route="iv")
    assert e.unit == "nmol" and e.amount_nmol(70.0) == pytest.approx(1221.8)


def test_dose_rate_and_time_quantities():
    d = en.Dose("morphine", rate=2 * ureg("mg/h"), duration=3 * ureg.hour, route="iv",
                time=0.5 * ureg.hour)
    assert d.unit == "mg" and d.rate == pytest.approx(2 / 60, rel=1e-14)
    assert d.duration == pytest.approx(180.0) and d.time == pytest.approx(30.0)
    assert d.amount == pytest.approx(6.0, rel=1e-12)
    ref = en.Dose("morphine", rate=2 / 60, duration=180.0, route="iv", time=30.0)
    assert d.amount_mg(70.0) == pytest.approx(ref.amount_mg(70.0), rel=1e-12)


@pytest.mark.parametrize("kw, word", [
    (dict(amount=3 * ureg.mL), "amount"),
    (dict(rate=2 * ureg.mg, duration=10.0), "rate"),
    (dict(amount=1 * ureg.mg, time=5 * ureg.mg), "time"),
    (dict(amount=1 * ureg.mg, rate=1 * ureg("nmol/min")), "same kind"),
])
def test_dose_bad_quantities(kw, word):
    with pytest.raises(ValueError, match=word):
        en.Dose("morphine", route="iv", **kw)


def test_assay_concentration_quantities():
    a = en.Assay.plasma(lloq=3.465 * ureg("pg/mL"), floor=0.3 * ureg("pmol/L"))
    assert a.lloq == pytest.approx(1.0, rel=1e-12) and a.floor == pytest.approx(0.3)
    c = en.Assay.cortisol(lloq=1 * ureg("ug/dL"))
    # cortisol 362.46 g/mol: 1 ug/dL = 10 ng/mL = 27.59 nmol/L
    assert c.lloq == pytest.approx(1e4 / 362.46, rel=1e-6)
    with pytest.raises(ValueError, match="lloq"):
        en.Assay.plasma(lloq=3 * ureg.mg)


def test_stimulus_and_covariate_quantities():
    e = en.Exercise(vo2=30 * ureg("mL/kg/min"), start=1 * ureg.hour, duration=45 * ureg.min)
    assert (e.vo2, e.start, e.duration) == (30.0, 60.0, 45.0)
    p = en.Pain(level=4, start=0.5 * ureg.hour, duration=2 * ureg.hour)
    assert (p.start, p.duration) == (30.0, 120.0)
    pop = en.Population(2, covariates={"body_weight": np.array([70, 80]) * ureg.kg,
                                       "vo2max": 0.045 * ureg("L/kg/min")})
    np.testing.assert_allclose(pop.body_weight, [70, 80])
    np.testing.assert_allclose(pop.vo2max, [45, 45])
    with pytest.raises(ValueError, match="body_weight"):
        en.Population(1, covariates={"body_weight": 70 * ureg.m})


# ---------------------------------------------------------------------------
# result size: the default outputs are every output
def test_large_default_result_warns_and_impossible_one_raises(monkeypatch):
    sc = en.Scenario(None, population=en.Population(50, seed=1), t_end=1440.0, dt=1.0)
    need = 8 * 50 * len(sc.outputs()) * sc.times.size
    monkeypatch.setattr(runner, "_WARN_RESULT_BYTES", need - 1)
    with pytest.warns(UserWarning, match="outputs=") as rec:
        sc.simulate(threads=1)
    assert any("GiB" in str(w.message) for w in rec)
    # asking for outputs explicitly: no warning
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        sc.simulate(threads=1, outputs=["plasma_beta_endorphin"])
    monkeypatch.setattr(runner, "_physical_memory", lambda: need - 1)
    with pytest.raises(MemoryError, match="summarize"):
        sc.simulate(threads=1)
