"""Practice over weeks (docs/model.md, "Practice over weeks"): fitness and detraining,
absolute workloads read with the current VO2max, the practice states, fibromyalgia's
acute response to exercise, and the C model against its twin over weeks.

References are independent of the model: published numbers with their intervals
(Qiu 2010, Mujika & Padilla 2001, Häuser 2010, Goyal 2014, Goldfarb 1991, Kosek 1996),
the twin (endorphin/model/reference.py), finite differences, and hand arithmetic."""
from __future__ import annotations

import numpy as np
import pytest

import endorphin as en
from endorphin import _engine_tests, core
from endorphin import model as M
from endorphin.model import reference as ref

DAY = 1440.0
WEEK = 7 * DAY
EVERY_DAY = en.scenario.WEEKDAYS


def _run(protocol, days, *, condition="healthy", n=1, variability=0.0, pain=None,
         outputs=("vo2max",), dt=DAY, pulses=False, doses=None, t_end=None, seed=1, **pop):
    if pain is not None:
        p = en.Pain(level=pain, start=0, duration=(t_end or days * DAY))
        protocol = p if protocol is None else protocol + p
    sc = en.Scenario(protocol, doses=doses,
                     population=en.Population(n, condition=condition, seed=seed,
                                              variability=variability, **pop),
                     t_end=t_end or days * DAY, dt=dt, pulses=pulses)
    return sc.simulate(outputs=list(outputs), threads=1)


# ------------------------------------------------------------------ fitness
def test_vo2max_rises_by_the_meta_analysis_gain_and_detrains():
    """12 weeks of 3 x 40 min/week at 70 % VO2max: +13.2 % (95 % CI 2.96-4.25 mL/kg/min
    on 27.26, i.e. 10.9-15.6 %; Qiu 2010, 35 trials of sedentary adults).  Stopping:
    recently acquired gains are lost after more than 4 weeks (Mujika & Padilla 2001):
    at most a third left after 4 weeks, under 10 % after 8, but not gone in 1 week."""
    prog = en.weekly(en.Exercise(0.7, start=18 * 60, duration=40), days=("mon", "wed", "fri"),
                     weeks=12)
    v = _run(prog, 12 * 7 + 56)["vo2max"][0]
    assert v[0] == 40.0
    gain = v[84] / v[0] - 1.0
    assert 2.96 / 27.26 < gain < 4.25 / 27.26, gain
    left = lambda d: (v[84 + d] - v[0]) / (v[84] - v[0])     # noqa: E731
    assert left(7) > 0.6
    assert left(28) < 1 / 3
    assert left(56) < 0.10
    assert np.all(np.diff(v[84:]) < 0)                     # monotone decline


def test_trained_preset_has_the_trained_vo2max_and_no_lower_basal_level():
    """Goldfarb 1991: trained 4.61 +- 0.25 vs untrained 4.03 +- 0.23 pmol/L at rest."""
    ix = M.INDEX
    tr = en.Population(2, condition="trained", variability=0.0).typical()
    un = en.Population(2, variability=0.0).typical()
    assert tr[ix["bend_plasma_base"]] / un[ix["bend_plasma_base"]] == pytest.approx(
        4.61 / 4.03, rel=1e-3)
    assert tr[ix["vo2max_base"]] == 55.0 and un[ix["vo2max_base"]] == 40.0
    assert (en.Population(3, condition="trained").vo2max == 55.0).all()


def test_absolute_workload_is_a_falling_relative_intensity_as_fitness_rises():
    """Exercise(vo2=28) at VO2max 40 is 0.70 at the first session; 12 weeks later it is
    28 / VO2max(t) at that session, and the same workload raises plasma beta-endorphin
    less (Goldfarb 1991: the response follows the relative intensity)."""
    prog = en.weekly(en.Exercise(vo2=28.0, start=18 * 60, duration=60),
                     days=("mon", "wed", "fri"), weeks=12)
    r = _run(prog, 84, dt=30.0, outputs=("exercise_intensity", "vo2max",
                                          "plasma_beta_endorphin"))
    t = r.time
    x, v, pb = r["exercise_intensity"][0], r["vo2max"][0], r["plasma_beta_endorphin"][0]
    first = np.flatnonzero(t == 600.0 + 30.0)[0]              # Monday 18:30 of week 0
    last = np.flatnonzero(t == 11 * WEEK + 4 * DAY + 630.0)[0]  # Friday 18:30 of week 11
    assert x[first] == 0.7
    assert x[last] == pytest.approx(28.0 / v[last], rel=1e-12)
    assert x[last] < 0.7 / 1.10                               # VO2max up by over 10 %
    # rise over the 30 min before the sample, first vs last session
    rise = lambda i: pb[i] / pb[i - 1]                         # noqa: E731
    assert rise(last) < rise(first)
    assert np.count_nonzero(x) == 2 * 36                       # 2 samples in each session


def test_jacobian_with_a_workload_input_matches_finite_differences():
    rng = np.random.default_rng(3)
    m = core.models["endorphin"]
    iw = m.inputs.index("exercise_vo2")
    for _ in range(10):
        p = M.sample_parameters(1, int(rng.integers(1 << 30)), variability=1.0)[0]
        p[M.INDEX["flare_rate"]] = 0.02
        y = np.array(ref.rest_state(0.0, p), dtype=float)
        y[m.states.index("training_load")] = rng.uniform(0, 40)
        y[m.states.index("fitness")] = rng.uniform(0, 0.4)
        y[m.states.index("practice_exercise")] = rng.uniform(0, 1)
        y[m.states.index("practice_meditation")] = rng.uniform(0, 1)
        y[m.states.index("exercise_flare")] = rng.uniform(0, 0.5)
        y[m.states.index("pulse")] = rng.uniform(0.1, 1.0)   # off the kink of max(pulse, 0)
        u = np.zeros(len(m.inputs))
        u[iw] = rng.uniform(20, 40)
        u[m.inputs.index("meditation")] = rng.uniform(0, 1)
        J = _engine_tests._jacobian("endorphin", 0.0, y, p, u)
        fd = np.empty_like(J)
        for j in range(y.size):
            h = 1e-6 * max(abs(y[j]), 1.0)
            yp, ym = y.copy(), y.copy()
            yp[j] += h
            ym[j] -= h
            fd[:, j] = (_engine_tests._evaluate("endorphin", 0.0, yp, p, u)[0]
                        - _engine_tests._evaluate("endorphin", 0.0, ym, p, u)[0]) / (2 * h)
        scale = np.maximum(np.abs(fd).max(axis=1, keepdims=True), 1e-12)
        np.testing.assert_allclose(J / scale, fd / scale, atol=1e-6)
        assert J[m.states.index("act_p"), m.states.index("fitness")] != 0.0


# ------------------------------------------------------------------ C against the twin
def test_twin_agrees_with_the_c_model_over_three_weeks():
    """Sessions of an absolute workload (read with the VO2max of the time), meditation
    and pain, with the flare on: C (core.simulate) against reference.solve, daily."""
    p = M.default_parameters(flare_rate=0.0133)
    p = np.asarray(p, dtype=float)
    names = core.models["endorphin"].inputs
    segs = []
    for d in range(21):
        if d % 7 in (0, 2, 4):
            segs.append(("exercise_vo2", d * DAY + 600.0, 40.0, 30.0))
        segs.append(("meditation", d * DAY + 720.0, 30.0, 1.0))
    segs.append(("pain", 0.0, 21 * DAY, 4.0))
    breaks, u = M.stimulus_inputs(segs, 0.0, 21 * DAY, names=names)
    t_out = np.arange(0.0, 21 * DAY + 1, DAY)
    res = core.simulate("endorphin", p, t_out, breaks=breaks, inputs=u, rtol=1e-9,
                        atol=1e-11)
    assert res.status[0] == 0
    got = res.y[0]
    want = ref.solve(p, t_out, (breaks, u), rtol=1e-9, atol=1e-11)
    scale = np.abs(want).max(axis=1)
    err = np.abs(got - want).max(axis=1)
    bad = err > 2e-6 * scale + 1e-10
    assert not bad.any(), [(ref.OUTPUTS[j], err[j], scale[j]) for j in np.flatnonzero(bad)]
    o = {k: want[ref.OUTPUTS.index(k)] for k in ("vo2max", "practice_exercise",
                                                  "practice_meditation", "pain_nrs")}
    assert o["vo2max"][-1] > 41.0 and o["practice_meditation"][-1] > 0.2
    assert o["practice_exercise"][-1] > 0.1 and o["pain_nrs"][-1] < o["pain_nrs"][1]


# ------------------------------------------------------------------ meditation: non-opioid
def test_naloxone_does_not_remove_the_meditation_trained_benefit():
    """Zeidan 2016, May 2018: meditation analgesia is not naloxone-reversible.  After 8
    weeks of daily meditation, naloxone (0.4 mg iv + infusion-free) leaves at least 95 %
    of the trained pain reduction; in the model the trained part is non-opioid, so
    naloxone moves both arms by the same opioid part."""
    days = 56
    t_end = days * DAY + 60.0
    prog = en.weekly(en.Meditation(start=19 * 60, duration=30), days=EVERY_DAY, weeks=8)
    nal = [en.Dose("naloxone", 2.0, time=days * DAY)]
    out = ("pain_nrs", "nonopioid_analgesia", "occupancy_mu_naloxone")
    arms = {(m, n): _run(prog if m else None, days, pain=5.0, doses=nal if n else None,
                         outputs=out[:2] + ((out[2],) if n else ()), dt=30.0, t_end=t_end)
            for m in (0, 1) for n in (0, 1)}
    at = lambda r, k: r[k][0][-1]                              # noqa: E731  (t_end)
    benefit = at(arms[0, 0], "pain_nrs") - at(arms[1, 0], "pain_nrs")
    benefit_nal = at(arms[0, 1], "pain_nrs") - at(arms[1, 1], "pain_nrs")
    assert benefit > 0.2
    assert benefit_nal >= 0.95 * benefit
    assert at(arms[1, 1], "occupancy_mu_naloxone") > 0.5            # naloxone acts
    assert at(arms[0, 1], "pain_nrs") > at(arms[0, 0], "pain_nrs")  # on the opioid tone


# ------------------------------------------------------------------ fibromyalgia acute
def test_fibromyalgia_acute_exercise_lowers_thresholds_healthy_raises():
    """Kosek 1996: after exercise pressure pain thresholds rose in controls and fell in
    fibromyalgia (30 min at 75 % VO2max, unaccustomed; populations of 40)."""
    ex = en.Exercise(0.75, start=30, duration=30)
    ratio = {}
    for cond in ("healthy", "fibromyalgia"):
        sc = en.Scenario(ex, population=en.Population(40, condition=cond, seed=4),
                         t_end=120.0, dt=1.0)
        r = sc.simulate(outputs=["pain_threshold"])
        thr = r["pain_threshold"]
        ratio[cond] = thr[:, 60] / thr[:, 29]
    assert ratio["healthy"].mean() > 1.02 and (ratio["healthy"] > 1).all()
    assert ratio["fibromyalgia"].mean() < 0.95 and (ratio["fibromyalgia"] < 1).mean() > 0.9


# ------------------------------------------------------------------ practice over weeks
def _pain_effect(prog, days, condition="fibromyalgia", n=12, **kw):
    ctl = _run(None, days, condition=condition, n=n, variability=1.0, pain=5.0,
               outputs=("pain_nrs",), **kw)["pain_nrs"]
    arm = _run(prog, days, condition=condition, n=n, variability=1.0, pain=5.0,
               outputs=("pain_nrs", "exercise_flare", "practice_exercise"), **kw)
    return ctl, arm


@pytest.mark.slow
def test_eight_weeks_daily_exercise_changes_fibromyalgia_morning_pain():
    """The experiment of issue 22: 8 weeks of daily 30 min at 75 % VO2max in
    fibromyalgia with a constant Pain(level=5), then 6 weeks without.  Before practice
    over weeks, every morning value was unchanged to three decimals.  Now: morning pain
    falls by at least 0.2 NRS points (the evoked pain holds these patients near the top
    of the scale, 9.4); without the stimulus, the effect over the controls' SD is inside
    Häuser 2010's 0.17-0.46 (the trial targets: tests/practice/test_trial_targets.py);
    the scores fall too; the first morning after
    the first (unaccustomed, hard) session is worse (the flare, Kosek 1996); two weeks
    after stopping more than half the benefit is left, six weeks after less than three
    quarters."""
    prog = en.weekly(en.Exercise(0.75, start=17 * 60, duration=30), days=EVERY_DAY, weeks=8)
    out = ("pain_nrs", "depression_score", "anxiety_score")
    ctl = _run(None, 56 + 42, condition="fibromyalgia", n=300, variability=1.0, pain=5.0,
               outputs=out)
    arm = _run(prog, 56 + 42, condition="fibromyalgia", n=300, variability=1.0, pain=5.0,
               outputs=out + ("exercise_flare",))
    d = ctl["pain_nrs"].mean(0) - arm["pain_nrs"].mean(0)     # morning means (08:00)
    assert d[56] > 0.2, d[56]
    # the same programme without the constant stimulus (ongoing pain only, as trial
    # patients report it): the effect over the controls' SD inside Häuser's interval
    c0 = _run(None, 57, condition="fibromyalgia", n=300, variability=1.0,
              outputs=("pain_nrs",))["pain_nrs"][:, 56]
    a0 = _run(prog, 57, condition="fibromyalgia", n=300, variability=1.0,
              outputs=("pain_nrs",))["pain_nrs"][:, 56]
    effect = (c0.mean() - a0.mean()) / c0.std()
    assert 0.17 < effect < 0.46, effect
    for score in ("depression_score", "anxiety_score"):
        assert ctl[score][:, 56].mean() - arm[score][:, 56].mean() > 0.3, score
    assert d[1] < -0.1                        # the flare after the first session
    assert arm["exercise_flare"].mean(0)[1] > 0.05
    assert 0.0 < d[56 + 42] < 0.75 * d[56]    # detraining undoes part of it
    assert d[56 + 14] > 0.5 * d[56]


def test_programme_at_moderate_intensity_raises_no_plasma_beta_endorphin():
    """Häuser 2010's benefit comes at slight-to-moderate intensity, below the plasma
    threshold of about 70 % VO2max (Goldfarb 1990): a 40-min session at 60 % raises
    fibromyalgia plasma beta-endorphin by less than 20 %, so the route of the trial
    benefit (tests/practice/test_trial_targets.py) is the trained pain modulation and
    central tone, not plasma."""
    pb = _run(en.Exercise(0.6, start=30, duration=40), 1, condition="fibromyalgia",
              outputs=("plasma_beta_endorphin",), dt=5.0, t_end=120.0)
    b = pb["plasma_beta_endorphin"][0]
    assert b.max() < 1.2 * b[0]


def test_eight_weeks_of_meditation_matches_goyal():
    """Daily 30-min meditation for 8 weeks: pain down by Goyal 2014's 0.33 (0.03-0.62)
    x SD 2 on about 6.5, i.e. 0.9-19 % of the pain; stopping loses part within 8 weeks."""
    prog = en.weekly(en.Meditation(start=19 * 60, duration=30), days=EVERY_DAY, weeks=8)
    ctl, arm = _pain_effect(prog, 56 + 56, n=6)
    c, a = ctl.mean(0), arm["pain_nrs"].mean(0)
    rel = 1.0 - a[56] / c[56]
    assert 0.009 < rel < 0.19, rel
    assert 0.0 < (c - a)[112] < 0.7 * (c - a)[56]
