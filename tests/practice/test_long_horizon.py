"""The day resolution (``Scenario.simulate(method="day")``; docs/model.md, "Long
horizons") against the full model, for the same subjects.

The reference is the full model itself: discrete pituitary pulses, the default
integrator and tolerances (rtol 1e-6).  Issue 22's agreement: the population mean of
every day-scale output at each daily output within 2 % (or 0.05 points on the 0-10 and
0-21 scales), and the daily mean plasma beta-endorphin within 2 %.
"""
from __future__ import annotations

import numpy as np
import pytest

import endorphin as en

DAY = 1440.0
def programme(weeks):
    return (en.weekly(en.Exercise(0.75, start=17 * 60, duration=40),
                      days=("mon", "wed", "fri"), weeks=weeks)
            + en.weekly(en.Meditation(start=20 * 60, duration=30), days=("tue", "sat"),
                        weeks=weeks))


SCORES = {"pain_nrs": 0.05, "anxiety_score": 0.05, "depression_score": 0.05}
DAY_SCALE = ("pain_nrs", "anxiety_score", "depression_score", "vo2max", "receptor_mu",
             "receptor_acute_mu", "receptor_chronic_mu", "practice_exercise",
             "practice_meditation", "analgesia")


def _scenario(n, dt, days=84):
    pop = en.Population(n, condition="fibromyalgia", seed=3)
    return en.Scenario(programme(days // 7), population=pop,
                       t_end=days * DAY, dt=dt)


def test_day_scale_outputs_agree_with_the_full_model():
    sc = _scenario(300, DAY)
    full = sc.simulate(outputs=list(DAY_SCALE))
    day = sc.simulate(outputs=list(DAY_SCALE), method="day")
    assert day.provenance["method"] == "day" and full.provenance["method"] == "auto"
    assert day.provenance["rtol"] == 1e-3 and day.provenance["atol"] == 1e-6
    for o in DAY_SCALE:
        a, b = day[o].mean(axis=0), full[o].mean(axis=0)
        tol = np.maximum(0.02 * np.abs(b), SCORES.get(o, 0.0))
        bad = np.abs(a - b) > tol
        assert not bad.any(), (o, np.flatnonzero(bad)[:5], a[bad][:3], b[bad][:3])
    # the programme acts (the agreement is not between two flat lines)
    assert full["vo2max"].mean(axis=0)[-1] > 1.05 * full["vo2max"].mean(axis=0)[0]
    assert full["pain_nrs"].mean(axis=0)[-1] < full["pain_nrs"].mean(axis=0)[0] - 0.3


def _daily_means(result, dt):
    y = result["plasma_beta_endorphin"]
    k = int(round(DAY / dt))
    days = (y.shape[1] - 1) // k
    w = np.full(k + 1, dt)
    w[[0, -1]] = dt / 2                                    # trapezoid weights
    return np.stack([y[:, i * k:(i + 1) * k + 1] @ w / DAY for i in range(days)], axis=1)


def test_daily_mean_plasma_beta_endorphin_agrees_with_the_pulsatile_model():
    """The pulses are a mean field in the day resolution: the population mean of each
    day's mean plasma level (5-min grid, sessions at 75 % VO2max with their plasma rises)
    within 2 % of the full model with its discrete pulses."""
    sc = _scenario(150, 5.0, days=21)
    full = _daily_means(sc.simulate(outputs=["plasma_beta_endorphin"]), 5.0).mean(axis=0)
    day = _daily_means(sc.simulate(outputs=["plasma_beta_endorphin"], method="day"),
                       5.0).mean(axis=0)
    np.testing.assert_array_less(np.abs(day - full), 0.02 * full)
    # sessions raise the daily mean (so the sessions' plasma responses are compared too)
    assert full.max() > 1.05 * full.min()


def test_day_method_is_reproducible_and_rejects_unknown_methods():
    sc = _scenario(20, DAY, days=14)
    a = sc.simulate(outputs=["pain_nrs"], method="day")
    b = sc.simulate(outputs=["pain_nrs"], method="day", threads=1)
    np.testing.assert_array_equal(a["pain_nrs"], b["pain_nrs"])
    with pytest.raises(ValueError, match="method.*day"):
        sc.simulate(method="weekly")
