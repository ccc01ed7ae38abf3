"""Issue 27, items 1 and 2 (the cases as the issue writes them): time quantities are
converted, never stripped, and a stimulus that cannot run is reported.

Before: ``Scenario(t_end=3*ureg.hour)``, ``dt=`` and ``.repeat(every=2*ureg.day)`` raised
TypeError; ``res.sample(np.array([0, 1, 2]) * ureg.hour, ...)`` sampled at 0, 1 and 2
*minutes*; ``Scenario(Exercise(0.75, start=60, duration=45), t_end=4)`` (hours typed by
mistake) dropped the exercise without a word.
"""
import warnings

import numpy as np
import pytest

import endorphin as en

pint = pytest.importorskip("pint")
ureg = pint.UnitRegistry()


def test_t_end_and_dt_take_time_quantities():
    sc = en.Scenario(en.Exercise(0.8, start=30, duration=30), t_end=3 * ureg.hour,
                     dt=15 * ureg.minute)
    assert sc.t_end == 180.0 and sc.dt == 15.0
    assert sc.times[-1] == 180.0 and sc.times.size == 13
    with pytest.raises(ValueError, match="t_end"):
        en.Scenario(t_end=3 * ureg.kg)


def test_repeat_every_takes_a_time_quantity():
    p = en.Exercise(0.6, start=60, duration=30).repeat(every=2 * ureg.day, times=3)
    assert [s.start for s in p] == [60.0, 60.0 + 2880.0, 60.0 + 5760.0]
    with pytest.raises(ValueError, match="every"):
        en.Exercise(0.6, start=60, duration=30).repeat(every=2 * ureg.meter, times=2)


def test_sample_converts_time_quantities_to_minutes():
    res = en.Scenario(en.Exercise(0.8, start=30, duration=30),
                      population=en.Population(5, seed=2), t_end=180, dt=5).simulate(
        outputs=["plasma_beta_endorphin"])
    a = res.sample(np.array([0, 1, 2]) * ureg.hour, en.Assay.plasma(), seed=1)
    b = res.sample(np.array([0.0, 60.0, 120.0]), en.Assay.plasma(), seed=1)
    np.testing.assert_array_equal(a["time"].to_numpy(), b["time"].to_numpy())
    np.testing.assert_array_equal(a["value"].to_numpy(), b["value"].to_numpy())
    assert sorted(set(a["time"])) == [0.0, 60.0, 120.0]


def test_a_stimulus_after_t_end_is_reported_not_dropped_silently():
    with pytest.warns(UserWarning, match=r"1 stimulus\(es\) start at or after t_end = 4 min"
                                         r" and are dropped \(Exercise at 60 min\)"):
        en.Scenario(en.Exercise(0.75, start=60, duration=45), t_end=4)
    with warnings.catch_warnings():
        warnings.simplefilter("error")            # a stimulus ending at t_end: no warning
        en.Scenario(en.Exercise(0.75, start=0, duration=45), t_end=45)


def test_a_t_end_shorter_than_the_protocol_says_what_is_dropped():
    with pytest.warns(UserWarning, match=r"t_end = 30 min is shorter than the protocol: "
                                         r"Exercise 0-45 min is cut at t_end \(its last "
                                         r"15 min dropped\)"):
        en.Scenario(en.Exercise(0.75, start=0, duration=45), t_end=30)
    with pytest.warns(UserWarning, match=r"1 of 4 morphine administrations start after "
                                         r"t_end and are dropped"):
        en.Scenario(doses=en.Dose("morphine", 5, unit="mg", time=0, every=240, times=4),   # 0, 240, 480, 720
                    t_end=600)
    with pytest.warns(UserWarning, match=r"the morphine infusion 100-160 min is cut at t_end "
                                         r"\(its last 40 min dropped\)"):
        en.Scenario(doses=en.Dose("morphine", 5, unit="mg", time=100, duration=60),
                    t_end=120)
    # a weekly programme longer than the simulation: the sessions after t_end are named
    prog = en.Exercise(0.6, start=60, duration=30).repeat(every=1440, times=5)
    with pytest.warns(UserWarning, match=r"3 stimulus\(es\) start at or after t_end"):
        en.Scenario(prog, t_end=2 * 1440)
