"""Conditions with symptoms at rest (docs/model.md, "Symptoms").

Resting levels against the published population values, measured the way a study
measures them (the instruments' noise, a 7-day diary mean for trial pain baselines);
fibromyalgia's hyperalgesia; the day-to-day fluctuation's SD and correlation time; the
opioid links of science-chronic.md section 2b; reproducibility; the instruments.
"""
import numpy as np
import pytest

import endorphin as en
from endorphin import reference as ref
from endorphin.model import symptoms as S
from endorphin.model import INDEX, default_parameters

DAY = 1440.0


def population(cond, n, days, seed=1, pulses=False, **kw):
    sc = en.Scenario(population=en.Population(n=n, condition=cond, seed=seed, **kw),
                     t_end=(days - 1) * DAY, dt=DAY, pulses=pulses)
    return sc.simulate(outputs=["pain_nrs", "anxiety_score", "depression_score"])


def _within(x, lo, hi, what):
    assert lo <= x <= hi, f"{what} = {x:.3f}, expected {lo}..{hi}"


# ------------------------------------------------------------------ resting levels
@pytest.mark.parametrize("cond, a_mean, a_sd, d_mean, d_sd, tol", [
    # Crawford et al. 2001 (N = 1792): HADS-A 6.14 (3.76), HADS-D 3.68 (3.07)
    ("healthy", 6.14, 3.76, 3.68, 3.07, 0.3),
    # FINDER (3468 depressed outpatients): HADS-D 12.3 (4.5), HADS-A 13.0 (4.0)
    ("depression_anhedonia", 13.0, 4.0, 12.3, 4.5, 0.5),
    # the anxiety preset: HADS-A 13.0 (4.0) (clinical range), HADS-D about 8 (4)
    ("anxiety", 13.0, 4.0, 8.0, 4.0, 0.5),
    # fibromyalgia samples (m): HADS-A about 11 (4.4), HADS-D about 9 (4.3)
    ("fibromyalgia", 11.0, 4.4, 9.0, 4.3, 0.5),
])
def test_hads_at_rest_matches_the_population_values(cond, a_mean, a_sd, d_mean, d_sd, tol):
    r = population(cond, 3000, 2, seed=11)
    a = r.sample([0.0], en.PRO.hads_anxiety())["value"].to_numpy()
    d = r.sample([0.0], en.PRO.hads_depression())["value"].to_numpy()
    # the mean within tol points (the published 95 % CI plus 3 simulation SEs), the SD
    # within 12 %
    _within(a.mean(), a_mean - tol, a_mean + tol, f"{cond} HADS-A mean")
    _within(d.mean(), d_mean - tol, d_mean + tol, f"{cond} HADS-D mean")
    _within(a.std(), 0.88 * a_sd, 1.12 * a_sd, f"{cond} HADS-A SD")
    _within(d.std(), 0.88 * d_sd, 1.12 * d_sd, f"{cond} HADS-D SD")
    if cond in ("depression_anhedonia",):
        assert (d >= 11).mean() > 0.5          # most are probable cases (HADS >= 11)
    if cond == "anxiety":
        assert (a >= 11).mean() > 0.5
        assert a.mean() > 2 * 6.14 * 0.9      # far above the healthy norm


def test_pain_at_rest_as_trial_baselines_measure_it():
    """Fibromyalgia: a 7-day mean of daily NRS ratings, as in trial baselines: about
    6.8 (pooled pregabalin trials 5.8 +- 0.8 and 7.9 +- 0.7 in the moderate and severe
    halves, Mease 2008 7.1), SD about 1.3; healthy pain-free; chronic pain about 6."""
    days = np.arange(7) * DAY
    out = {}
    for cond in ("healthy", "fibromyalgia", "chronic_pain"):
        r = population(cond, 2000, 8, seed=3)
        nrs = r.sample(days, en.PRO.nrs())
        wk = nrs.groupby("subject")["value"].mean()
        out[cond] = (wk.mean(), wk.std(), r["pain_nrs"])
    # healthy: the true ongoing pain is exactly 0; the rater's noise alone
    assert (out["healthy"][2] == 0.0).all()
    assert out["healthy"][0] < 0.3
    _within(out["fibromyalgia"][0], 6.5, 7.1, "FM weekly NRS mean")
    _within(out["fibromyalgia"][1], 1.0, 1.6, "FM weekly NRS SD")
    _within(out["chronic_pain"][0], 5.5, 6.5, "chronic pain weekly NRS mean")
    for cond in ("fibromyalgia", "chronic_pain"):
        x = out[cond][2]
        assert ((x >= 0) & (x <= 10)).all()


# ------------------------------------------------------------------ hyperalgesia
def _evoked(cond, level=5.0, n=400, **kw):
    sc = en.Scenario(en.Pain(level=level, start=0, duration=60),
                     population=en.Population(n=n, condition=cond, seed=5, **kw),
                     t_end=60, dt=30.0, pulses=False)
    return sc.simulate(outputs=["pain_nrs"])["pain_nrs"][:, -1]


def test_fibromyalgia_is_hyperalgesic():
    """The same Pain(level=5) hurts more in fibromyalgia, with and without its ongoing
    pain; without it, by about the stimulus ratio for equal pain (Gracely 2002: 4.16 /
    2.4 = 1.73) up to the pressure-threshold ratio (about 2: 53.5 vs 26.1 N/cm2)."""
    healthy = _evoked("healthy")
    fm = _evoked("fibromyalgia")
    fm_evoked = _evoked("fibromyalgia", pain_ongoing=0.0)
    assert fm.mean() > healthy.mean() + 2.0
    ratio = fm_evoked.mean() / healthy.mean()
    _within(ratio, 1.5, 2.1, "FM/healthy evoked pain")


# ------------------------------------------------------------------ fluctuation
@pytest.mark.slow
def test_fluctuation_sd_and_correlation_time_as_configured():
    """On a long daily series (2 years, 200 subjects) the within-subject SD of the
    ongoing pain is pain_day_cv x the subject's level and the autocorrelation at lag k
    days is exp(-k / pain_tau); the HADS scores likewise with their own tau."""
    r = population("fibromyalgia", 200, 730, seed=7)
    for out, name in (("pain_nrs", "pain"), ("depression_score", "depression")):
        x = r[out]
        p = r.params
        level = x.mean(axis=1, keepdims=True)
        z = (x - level) / level
        cv = p[:, INDEX[f"{name}_day_cv"]]
        tau = p[:, INDEX[f"{name}_tau"]][0]
        sd = z.std(axis=1).mean()
        _within(sd / cv.mean(), 0.85, 1.1, f"{name} within-subject CV / configured")
        for lag in (1, 3, 7):
            ac = np.mean([np.corrcoef(zi[:-lag], zi[lag:])[0, 1] for zi in z])
            want = np.exp(-lag / tau)
            # the mean of 200 two-year estimates: bias about -(1 + rho)/(1 - rho)/730
            assert abs(ac - want) < 0.06, (name, lag, ac, want)


def test_schedule_is_the_exact_ar1_of_an_ou_process():
    """The generator's daily values: unit variance, lag-k autocorrelation rho^k with
    rho = exp(-1/tau), over many subjects (no engine involved)."""
    n, days = 4000, 12
    p = np.tile(default_parameters(pain_tau=2.0, anxiety_tau=5.0, depression_tau=0.5),
                (n, 1))
    br, X = S.symptom_schedule(p, 0.0, (days - 1) * DAY, seed=2)
    assert br.size == days - 1 and X.shape == (n, days, 3)
    for j, tau in enumerate((2.0, 5.0, 0.5)):
        v = X[:, :, j]
        assert abs(v.var() - 1.0) < 0.05
        for lag in (1, 2, 4):
            c = np.mean(v[:, :-lag] * v[:, lag:])
            assert abs(c - np.exp(-lag / tau)) < 0.04, (tau, lag, c)
    # traits: mean 1, CV as configured
    t = p[:, INDEX["anxiety_trait"]]
    assert abs(t.mean() - 1.0) < 0.03
    assert abs(t.std() / t.mean() - p[0, INDEX["anxiety_between_cv"]]) < 0.04


def test_day_boundaries_are_midnights():
    # clock 08:00: the first midnight is 16 h after t = 0
    k0, edges = S.symptom_days(0.0, 3 * DAY, 480.0)
    assert k0 == 0
    np.testing.assert_array_equal(edges, [960.0, 960.0 + DAY, 960.0 + 2 * DAY])
    _, none = S.symptom_days(0.0, 120.0, 480.0)
    assert none.size == 0                       # a morning experiment: one day's value


# ------------------------------------------------------------------ reproducibility
def test_symptoms_are_reproducible_and_independent_of_chunks_and_threads():
    sc = en.Scenario(population=en.Population(n=23, condition="fibromyalgia", seed=9),
                     t_end=10 * DAY, dt=DAY / 4)
    outs = ["pain_nrs", "anxiety_score", "depression_score"]
    a = sc.simulate(outputs=outs, threads=1)
    b = sc.simulate(outputs=outs, threads=2)
    c = sc.simulate(outputs=outs, threads=2, progress=True)     # 20 chunks
    for o in outs:
        np.testing.assert_array_equal(a[o], b[o])
        np.testing.assert_array_equal(a[o], c[o])
    # subject 5 alone (first_subject keys its stream) equals subject 5 of the population
    p = sc.population.draw(5, 1)
    p[:, INDEX["clock_start"]] = sc.clock_start
    q = sc.population.draw()
    q[:, INDEX["clock_start"]] = sc.clock_start
    _, x1 = S.symptom_schedule(p, 0.0, sc.t_end, 9, first_subject=5)
    _, xa = S.symptom_schedule(q, 0.0, sc.t_end, 9)
    np.testing.assert_array_equal(x1[0], xa[5])
    np.testing.assert_array_equal(p[0], q[5])
    # another seed: other symptoms
    sc2 = en.Scenario(population=en.Population(n=23, condition="fibromyalgia", seed=10),
                      t_end=10 * DAY, dt=DAY / 4)
    assert not np.array_equal(sc2.simulate(outputs=outs)["pain_nrs"], a["pain_nrs"])


def test_engine_agrees_with_the_twin_over_days():
    """A fibromyalgia subject with its traits and three days of fluctuations, a pain
    stimulus and morphine-free rest: the C model and the twin, at every output."""
    sc = en.Scenario(en.Pain(level=5, start=DAY + 60, duration=120),
                     population=en.Population(n=2, condition="fibromyalgia", seed=4),
                     t_end=3 * DAY, dt=180.0, pulses=False, circadian=False)
    outs = ["pain_nrs", "anxiety_score", "depression_score", "receptor_mu"]
    r = sc.simulate(outputs=outs, rtol=1e-10, atol=1e-12)
    from endorphin.scenario import runner
    plan = runner.drug_plan(sc, sc.population.body_weight)
    p = runner.apply_settings(sc, sc.population.draw())
    p[:, INDEX["pulse_mean"]] = 0.0
    breaks, inputs = runner.stimulus_inputs(sc, sc.population.body_weight, plan)
    br, inp = runner.symptom_inputs(sc, p, 0, breaks, inputs, plan.model)
    np.testing.assert_array_equal(p, r.params)
    for i in range(2):
        want = ref.solve(p[i], sc.times, (br, inp[i]))
        for o in outs:
            np.testing.assert_allclose(r[o][i], want[ref.OUTPUTS.index(o)], rtol=1e-6,
                                       atol=1e-7, err_msg=o)


# ------------------------------------------------------------------ opioid links (2b)
def test_fibromyalgia_higher_tone_on_fewer_receptors():
    """Baraniuk 2004 (CSF opioid peptide 117.6 vs 35.7 pg/mL) and Harris 2007 (lower
    mu binding potential): more central opioid, fewer functional mu receptors."""
    out = {}
    for cond in ("healthy", "fibromyalgia"):
        sc = en.Scenario(population=en.Population(n=300, condition=cond, seed=2),
                         t_end=60, dt=60.0)
        out[cond] = sc.simulate(outputs=["csf_beta_endorphin", "receptor_mu",
                                         "occupancy_mu"])
    ratio = out["fibromyalgia"]["csf_beta_endorphin"].mean() \
        / out["healthy"]["csf_beta_endorphin"].mean()
    _within(ratio, 1.5, 3.5, "FM/healthy CSF opioid")
    assert out["fibromyalgia"]["receptor_mu"].mean() < 0.8 * out["healthy"]["receptor_mu"].mean()
    assert out["fibromyalgia"]["occupancy_mu"].mean() > out["healthy"]["occupancy_mu"].mean()


def test_scores_rise_with_lower_mu_availability():
    """Nummenmaa 2020 (135 healthy people): depressive and anxiety scores go with lower
    mu availability.  In a healthy population whose availability varies (CV 0.2), the
    scores correlate negatively with it; lowering availability raises every subject's
    scores by availability^-hads_mu_exponent."""
    pop = dict(cv={"receptor_mu": 0.2})
    r = population("healthy", 3000, 2, seed=8, **pop)
    R = r.params[:, INDEX["receptor_mu"]]
    for o in ("anxiety_score", "depression_score"):
        rho = np.corrcoef(np.log(R), np.log(r[o][:, 0] + 0.5))[0, 1]
        assert -0.6 < rho < -0.1, (o, rho)
    a = population("healthy", 50, 2, seed=8)
    b = population("healthy", 50, 2, seed=8, receptor_mu=0.7)
    for o in ("anxiety_score", "depression_score"):
        ok = (a[o] < 21) & (b[o] < 21)
        np.testing.assert_allclose(b[o][ok], a[o][ok] / 0.7, rtol=2e-3)


def test_naltrexone_does_not_touch_fibromyalgia_pain():
    """Younger 2009 (50 mg naltrexone, 10 FM vs 10 controls): no effect on pain.  The
    resting opioid tone does not hold the ongoing pain down: under naltrexone it is the
    subject's level exactly, and differs from placebo only by the small circadian rise
    of tone above rest (under 0.3 NRS points, far below a detectable or clinically
    important change of about 1-2 points).  The HADS scores fall a little as the blocked
    receptors begin to up-regulate (chronic factor, days): under 0.5 points in 4 h, a
    third of the HADS's minimal important difference of about 1.5 (Puhan 2008)."""
    out = {}
    for doses in ((), (en.Dose("naltrexone", 50, "mg", route="oral", time=0),)):
        sc = en.Scenario(population=en.Population(n=100, condition="fibromyalgia", seed=3),
                         doses=list(doses), t_end=240, dt=60.0)
        out[len(doses)] = sc.simulate(outputs=["pain_nrs", "anxiety_score",
                                               "depression_score", "opioid_analgesia"])
    assert out[1]["opioid_analgesia"][:, -1].mean() < 0.5 * out[0]["opioid_analgesia"][:, -1].mean()
    np.testing.assert_array_equal(out[1]["pain_nrs"][:, 0], out[0]["pain_nrs"][:, 0])
    level = out[1]["pain_nrs"][:, 0]
    np.testing.assert_allclose(out[1]["pain_nrs"][:, 1:], level[:, None] * np.ones((1, 4)),
                               rtol=0.05)
    diff = out[1]["pain_nrs"] - out[0]["pain_nrs"]
    assert diff.min() >= -1e-9                  # blocking never relieves
    assert diff.mean() < 0.2 and diff.max() < 0.3
    for o in ("anxiety_score", "depression_score"):
        assert np.abs(out[1][o] - out[0][o]).max() < 0.5


def test_analgesia_beyond_rest_relieves_ongoing_pain():
    """Morphine relieves fibromyalgia's ongoing pain (less than in chronic pain, with
    fewer receptors)."""
    rel = {}
    for cond in ("fibromyalgia", "chronic_pain"):
        base = population(cond, 100, 1 + 1, seed=6)["pain_nrs"][:, 0]
        sc = en.Scenario(population=en.Population(n=100, condition=cond, seed=6),
                         doses=[en.Dose("morphine", 10, "mg", route="iv", time=0)],
                         t_end=DAY, dt=30.0)
        r = sc.simulate(outputs=["pain_nrs"])["pain_nrs"][:, 1]
        rel[cond] = 1 - r.mean() / base.mean()
    assert 0.05 < rel["fibromyalgia"] < rel["chronic_pain"]


def test_healthy_acute_pain_unchanged_by_the_symptoms():
    """Healthy subjects have no ongoing pain and no sensitization: pain_nrs is the old
    clip(pain (1 - a), 0, 10) exactly."""
    sc = en.Scenario(en.Pain(level=5, start=0, duration=60),
                     population=en.Population(n=20, condition="healthy", seed=1), t_end=60,
                     dt=10.0)
    r = sc.simulate(outputs=["pain_nrs", "analgesia"])
    np.testing.assert_array_equal(r["pain_nrs"], np.clip(5.0 * (1.0 - r["analgesia"]), 0, 10))


# ------------------------------------------------------------------ instruments
def test_hads_instruments_record_integer_totals_with_documented_noise():
    r = population("depression_anhedonia", 500, 2, seed=4)
    for pro, out, sd in ((en.PRO.hads_anxiety(), "anxiety_score", 1.5),
                         (en.PRO.hads_depression(), "depression_score", 1.3)):
        df = r.sample([0.0, DAY], pro)
        v = df["value"].to_numpy()
        assert df["value"].dtype == np.int64
        assert v.min() >= 0 and v.max() <= 21
        err = v - df["true_value"].to_numpy()
        inside = (df["true_value"] > 3) & (df["true_value"] < 18)
        # noise sd plus rounding (1/12)
        _within(err[inside].std(), 0.9 * np.hypot(sd, 0.29), 1.1 * np.hypot(sd, 0.29),
                f"{pro.name} noise")
        assert abs(err[inside].mean()) < 0.15
        assert pro.output == out
    assert en.PRO.hads_anxiety(sd=0).sd == 0.0


def test_instruments_refuse_outputs_they_do_not_measure():
    with pytest.raises(ValueError, match="output.*anxiety_score.*plasma_beta_endorphin"):
        en.PRO.hads_anxiety(output="plasma_beta_endorphin")
    with pytest.raises(ValueError, match="output"):
        en.PRO.hads_depression(output="anxiety_score")
    with pytest.raises(ValueError, match="output"):
        en.PRO.nrs(output="mood")
    with pytest.raises(ValueError, match="output"):
        en.PRO.vas(output="depression_score")
    with pytest.raises(TypeError, match="output"):
        en.PRO.hads_anxiety(output=3)
    with pytest.raises(ValueError, match="sd"):
        en.PRO.hads_anxiety(sd=-1)


def test_schedule_bad_input():
    p = np.tile(default_parameters(), (3, 1))
    with pytest.raises(ValueError, match="pain_tau"):
        S.symptom_schedule(default_parameters(pain_tau=0.0)[None], 0.0, DAY)
    with pytest.raises(ValueError, match="seed"):
        S.symptom_schedule(p, 0.0, DAY, seed=-1)
    q = p.copy()
    q[1, INDEX["clock_start"]] = 0.0
    with pytest.raises(ValueError, match="clock_start"):
        S.symptom_schedule(q, 0.0, DAY)
    with pytest.raises(ValueError, match="between-subject"):
        S.symptom_schedule(default_parameters(anxiety_between_cv=-0.1)[None], 0.0, DAY)
