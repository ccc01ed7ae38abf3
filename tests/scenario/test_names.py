"""Issue 27, item 8: names are case-insensitive where unambiguous, every unknown name
suggests the closest ones, and stimuli and doses take clock times as starts."""
import numpy as np
import pytest

import endorphin as en
from endorphin import _validate


# -- the issue's cases, as written --------------------------------------------------
def test_the_issues_names_are_accepted_in_any_case():
    d = en.Dose("Naloxone", 0.4, unit="MG", route="IV", time=50)
    assert (d.drug, d.unit, d.route) == ("naloxone", "mg", "iv")
    # the same dose as the canonical spelling: 0.4 mg / 327.38 g/mol (naloxone base)
    assert d.amount_nmol(70.0) == pytest.approx(0.4e6 / 327.38, rel=1e-4)
    assert en.Population(3, condition="Fibromyalgia", seed=1).condition == "fibromyalgia"
    assert en.drugs.get("Morphine").name == "morphine"
    x = np.array([0.1, 1, 10, 100, 1000.0])
    y = 10 + 90 / (1 + np.exp(1.2 * (np.log(x) - np.log(10.0))))
    fit = en.fit_dose_response(x, y, model="LL4")
    assert fit.model == "ll4"
    assert fit.param_names == ("b", "c", "d", "e")


@pytest.mark.parametrize("call,text", [
    (lambda: en.Dose("naloxon", 0.4), "unknown drug 'naloxon'; did you mean 'naloxone'"),
    (lambda: en.Dose("naloxone", 0.4, unit="mgg"), "did you mean 'mg'"),
    (lambda: en.Dose("naloxone", 0.4, route="ivv"), "did you mean 'iv'"),
    (lambda: en.Population(3, condition="fibromyalga"),
     "unknown condition 'fibromyalga'; did you mean 'fibromyalgia'"),
    (lambda: en.fit_dose_response([1.0, 2, 3, 4, 5], [1.0, 2, 3, 4, 5], model="ll3"),
     "'ll4'? (known"),
    (lambda: en.Acupuncture(start=0, duration=10, frequency="lo"), "did you mean 'low'"),
])
def test_unknown_names_suggest_the_closest(call, text):
    with pytest.raises(ValueError) as err:
        call()
    assert text in str(err.value)


def test_unknown_drug_in_the_registry_suggests():
    with pytest.raises(KeyError, match="did you mean 'morphine'"):
        en.drugs.get("morphin")
    with pytest.raises(KeyError, match="did you mean 'fentanyl'"):
        en.drugs["fentanil"]


def test_a_misspelled_output_suggests_and_does_not_list_all_names():
    sc = en.Scenario(t_end=10, dt=5)
    n = len(en.core.models["endorphin"].outputs)
    assert n > 12
    with pytest.raises(ValueError) as err:
        sc.simulate(outputs=["plasma_beta_endorphn"])
    msg = str(err.value)
    assert "did you mean 'plasma_beta_endorphin'" in msg
    assert f"(known: {n} names" in msg and "', '" not in msg    # no list of all names
    res = sc.simulate(outputs=["plasma_beta_endorphin"])
    # outputs are identifiers: exact, but a near miss in another case is suggested
    with pytest.raises(KeyError, match="did you mean 'plasma_beta_endorphin'"):
        res["Plasma_beta_endorphin"]


def test_case_is_kept_where_it_is_meaningful():
    # a molar unit is spelled exactly ("mM" vs "MM", "nM" vs "nm" nanometre) ...
    with pytest.raises(ValueError, match="did you mean 'nM'"):
        en.plot.schild_line([2.0, 6.0], [1.0, 5.0], unit="nm")
    # ... and a name two options share in another case is refused, not guessed
    assert _validate.choice("MM", ("mM", "MM"), "unit") == "MM"
    with pytest.raises(ValueError, match="ambiguous"):
        _validate.choice("mm", ("mM", "MM"), "unit")
    assert _validate.choice("mg", ("mg", "Mg"), "unit") == "mg"


def test_the_helper_lists_all_names_only_when_few():
    msg = _validate.unknown_name("naloxon", ["naloxone", "morphine"], "drug")
    assert msg == ("drug: unknown drug 'naloxon'; did you mean 'naloxone'? "
                   "(known: 'naloxone', 'morphine')")
    many = [f"name{i:02d}" for i in range(40)]
    msg = _validate.unknown_name("zzz", many, "output")
    assert "did you mean" not in msg and "(known: 40 names)" in msg
    with pytest.raises(TypeError, match="drug must be a string"):
        _validate.choice(3, ["a"], "drug")


def test_other_names_fold_case():
    assert en.Acupuncture(start=0, duration=10, frequency="High").frequency == "high"
    from endorphin.measurement import convert
    # 1 pmol/L beta-endorphin = 3.465 pg/mL (molar mass 3465 g/mol)
    assert convert(1.0, "PMOL/L", "PG/ML", "Beta_Endorphin") == pytest.approx(3.465)


# -- clock-time starts --------------------------------------------------------------
def test_a_clock_time_start_is_placed_on_the_scenarios_clock():
    ex = en.Exercise(intensity=0.7, start="10:00", duration=30)       # the issue's call
    assert ex.start == 120.0 and ex.clock_time == "10:00"             # 10:00 - 08:00
    sc = en.Scenario(ex, clock_start="08:00", t_end=600)
    assert sc.protocol[0].start == 120.0
    sc = en.Scenario(ex, clock_start="06:30", t_end=600)
    assert sc.protocol[0].start == 210.0                               # 10:00 - 06:30
    # a clock time earlier than clock_start is the next day's (as `at` reads it)
    sc = en.Scenario(en.Meditation(start="07:00", duration=20), clock_start="08:00",
                     t_end=2000)
    assert sc.protocol[0].start == 23 * 60.0


def test_every_stimulus_and_dose_takes_a_clock_time():
    kinds = [en.Exercise(0.7, start="09:15", duration=10),
             en.Pain(5.0, "09:15", 10),
             en.Stress(start="09:15", duration=10), en.Laughter(start="09:15", duration=10),
             en.Meditation(start="09:15", duration=10), en.Placebo(start="09:15", duration=10),
             en.Acupuncture(start="09:15", duration=10)]
    for s in kinds:
        sc = en.Scenario(s, clock_start="09:00", t_end=60, dt=5)
        assert sc.protocol[0].start == 15.0, type(s).__name__
    sc = en.Scenario(doses=en.Dose("naloxone", 0.4, time="12:00"), clock_start="11:00",
                     t_end=120)
    assert sc.doses[0].time == 60.0
    assert en.Dose("naloxone", 0.4, time="12:00").time == 240.0     # against 08:00


def test_repeats_and_weekly_keep_the_clock():
    daily = en.Exercise(0.6, start="18:00", duration=30).repeat(every=1440, times=3)
    sc = en.Scenario(daily, clock_start="07:00", t_end=4 * 1440, dt=60)
    assert [s.start for s in sc.protocol] == [660.0, 2100.0, 3540.0]   # 18:00 - 07:00 = 11 h
    prog = en.weekly(en.Exercise(0.6, start="18:00", duration=40), days="mon", weeks=1)
    sc = en.Scenario(prog, t_end=1440, dt=60)        # Monday 08:00: 18:00 is t = 600
    assert [s.start for s in sc.protocol] == [600.0]


@pytest.mark.parametrize("bad", ["24:00", "10:60", "10h", "ten"])
def test_a_bad_clock_time_names_the_argument(bad):
    with pytest.raises(ValueError, match="start must be a clock time 'HH:MM'"):
        en.Exercise(0.7, start=bad, duration=30)
    with pytest.raises(ValueError, match="time must be a clock time 'HH:MM'"):
        en.Dose("naloxone", 0.4, time=bad)


def test_unknown_output_without_a_close_spelling_suggests_names_sharing_a_word():
    """'bend_plasma' is not close enough to any output for difflib, and the message
    said only "(known: 44 names)"; it now names the outputs that share a word."""
    sc = en.Scenario(en.Exercise(intensity=0.8, start=30, duration=30), t_end=120,
                     pulses=False)
    with pytest.raises(ValueError, match="did you mean 'plasma_beta_endorphin'") as e:
        en.design.evaluate(sc, output="bend_plasma", times=[0, 60, 90], n=10,
                           parameters={"bend_plasma_base": 0.1},
                           error=en.design.error(proportional=0.1))
    assert "plasma_acth" in str(e.value)
    from endorphin._validate import suggest
    assert suggest("zzz_qqq", ["plasma_acth", "mood"]) == ""
