"""Issue 27, item 3: ``summary()`` covers every simulated output and says what it skipped.

The issue's case: ``outputs=["morphine_plasma", "pain_nrs"]`` printed an empty table.
Expected values are computed here from the result's arrays with NumPy (``np.max``,
``np.argmax``, ``np.trapezoid``; the time at or above a cut-point by integrating the
indicator on a 1000-times finer linear interpolation), or in closed form for analytic
curves; the cut-points are the published ones (NRS 5 and 7: Serlin et al. 1995, Pain
61:277; HADS 8 and 11: Zigmond & Snaith 1983, Acta Psychiatr Scand 67:361).
"""
import numpy as np
import pytest

import endorphin as en
from endorphin.model import spec
from endorphin.results import Result

# np.trapezoid is NumPy >= 2.0; np.trapz before (the wheel supports NumPy 1.25+)
_np_trapezoid = getattr(np, "trapezoid", None) or np.trapz


def _trapezoid(y, t):
    return ((y[..., 1:] + y[..., :-1]) / 2 * np.diff(t)).sum(axis=-1)


def _time_at_or_above_dense(t, y, level, k=1000):
    fine = np.linspace(t[0], t[-1], (t.size - 1) * k + 1)
    out = []
    for row in y:
        v = np.interp(fine, t, row)
        mid = (v[1:] + v[:-1]) / 2                # midpoint rule on the indicator
        out.append(((mid >= level) * np.diff(fine)).sum())
    return np.array(out)


def _scenario(dose=10.0, n=8):
    return en.Scenario(en.Pain(level=6, start=0, duration=120),
                       en.Dose("morphine", dose, "mg", route="iv", time=10),
                       population=en.Population(n, seed=2), t_end=240, dt=1.0)


def test_issue_case_morphine_plasma_and_pain_nrs():
    res = _scenario().simulate(outputs=["morphine_plasma", "pain_nrs"])
    s = res.summary()
    t, c, p = res.t, res["morphine_plasma"], res["pain_nrs"]
    per = s.subjects
    np.testing.assert_array_equal(per["morphine_plasma_cmax"], c.max(axis=1))
    np.testing.assert_array_equal(per["morphine_plasma_tmax"], t[np.argmax(c, axis=1)])
    np.testing.assert_allclose(per["morphine_plasma_auc"], _np_trapezoid(c, t, axis=1),
                               rtol=1e-12)
    np.testing.assert_allclose(per["pain_nrs_mean"],
                               _np_trapezoid(p, t, axis=1) / (t[-1] - t[0]), rtol=1e-12)
    np.testing.assert_array_equal(per["pain_nrs_min"], p.min(axis=1))
    np.testing.assert_array_equal(per["pain_nrs_max"], p.max(axis=1))
    assert p.max() > 5.0                          # the cut-point is crossed
    for level in (5.0, 7.0):
        np.testing.assert_allclose(per[f"pain_nrs_time_ge_{level:g}"],
                                   _time_at_or_above_dense(t, p, level), atol=0.01)
    # the population table is not empty and names every metric with its unit
    pop = s.population
    assert pop.loc["morphine_plasma_cmax", "unit"] == "nmol/L"
    assert pop.loc["morphine_plasma_auc", "unit"] == "nmol/L*min"
    assert pop.loc["pain_nrs_time_ge_5", "unit"] == "min"
    assert pop.loc["pain_nrs_max", "mean"] == pytest.approx(p.max(axis=1).mean())
    text = repr(s)
    assert "morphine_plasma_cmax" in text and "pain_nrs_mean" in text
    assert s.skipped == {} and "skipped" not in text


def test_every_output_has_a_metric_or_a_reason():
    res = _scenario(n=3).simulate()
    s = res.summary()
    kinds = {o["name"]: o["kind"] for o in spec.OUTPUTS}
    first = {"concentration": "cmax", "fraction": "mean", "effect": "mean", "score": "mean",
             "ratio": "mean"}
    for name in res.output_names:
        kind = kinds.get(name, "concentration" if name.startswith("morphine_")
                         else "fraction")
        if kind == "internal":
            assert "internal" in s.skipped[name]
        else:
            assert f"{name}_{first[kind]}" in s.subjects.columns, name
            assert name not in s.skipped
    assert set(s.skipped) == {n for n in res.output_names if kinds.get(n) == "internal"}
    assert "skipped: activation_pituitary" in repr(s)
    assert "internal state" in s._repr_html_()
    # the drug's effect site and receptor occupancy are covered too
    assert "morphine_effect_site_auc" in s.subjects.columns
    assert "occupancy_mu_morphine_max" in s.subjects.columns


def test_hads_cut_points_and_unknown_outputs_closed_form():
    t = np.arange(0.0, 22.0)                      # a ramp 0 -> 21 points over 21 min
    y = np.stack([np.stack([t, t[::-1]]), np.stack([0 * t + 9, 0 * t])])
    res = Result(t, y, ["anxiety_score", "depression_score"])
    per = res.summary().subjects
    # ramp y = t: y >= 8 on [8, 21] (13 min), y >= 11 on [11, 21] (10 min)
    assert per.loc[0, "anxiety_score_time_ge_8"] == pytest.approx(13.0)
    assert per.loc[0, "anxiety_score_time_ge_11"] == pytest.approx(10.0)
    assert per.loc[0, "depression_score_time_ge_8"] == pytest.approx(13.0)
    assert per.loc[1, "anxiety_score_time_ge_8"] == 21.0       # constant 9
    assert per.loc[1, "anxiety_score_time_ge_11"] == 0.0
    assert per.loc[0, "anxiety_score_mean"] == pytest.approx(10.5)
    # other cut-points replace the defaults of that output
    own = res.summary(thresholds={"anxiety_score": 4}).subjects
    assert "anxiety_score_time_ge_4" in own and "anxiety_score_time_ge_8" not in own
    assert own.loc[0, "anxiety_score_time_ge_4"] == pytest.approx(17.0)
    with pytest.raises(TypeError, match="thresholds"):
        res.summary(thresholds=[4])
    with pytest.raises(TypeError, match=r"thresholds\['anxiety_score'\]"):
        res.summary(thresholds={"anxiety_score": "high"})
    # an output the model does not know: skipped, and the repr says so
    odd = Result(t, y[:, :1], ["my_marker"]).summary()
    assert odd.skipped == {"my_marker": "not a model output: kind unknown"}
    assert "no metrics" in repr(odd) and "my_marker (not a model output" in repr(odd)
    assert odd.population.empty and list(odd.population.columns)[:3] == ["unit", "mean", "sd"]


def test_comparison_summary_covers_the_drug():
    cmp = en.compare({"10 mg": _scenario(10.0, 4), "5 mg": _scenario(5.0, 4)},
                     outputs=["morphine_plasma", "pain_nrs", "pulse"])
    s = cmp.summary()
    assert s.population.index.names == ["scenario", "metric"]
    for key in ("10 mg", "5 mg"):
        c = cmp[key]["morphine_plasma"]
        p = cmp[key]["pain_nrs"]
        assert s.subjects.loc[(key, 2), "morphine_plasma_cmax"] == c[2].max()
        assert s.subjects.loc[(key, 2), "morphine_plasma_auc"] == pytest.approx(
            _trapezoid(c[2], cmp[key].t), rel=1e-12)
        assert s.subjects.loc[(key, 1), "pain_nrs_min"] == p[1].min()
    # twice the dose, twice the concentrations (linear PK)
    assert s.population.loc[("10 mg", "morphine_plasma_cmax"), "mean"] == pytest.approx(
        2 * s.population.loc[("5 mg", "morphine_plasma_cmax"), "mean"], rel=1e-9)
    assert "pulse" in s.skipped and "skipped: pulse" in repr(s)
