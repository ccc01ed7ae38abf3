"""Issue 27, item 1 (the nca part): ``nca.auc(quantity, c)`` dropped the unit with
only pint's UnitStrippedWarning.  Now quantities keep their units: auc in
unit(c) x unit(t), tmax and half_life in unit(t), cmax in unit(c); the same profile
given in hours and in minutes gives the same physical answers (by hand: trapezoids).
"""
import warnings

import numpy as np
import pytest

from endorphin import nca

pint = pytest.importorskip("pint")
U = pint.UnitRegistry()

T_H = np.array([0.0, 0.5, 1.0, 2.0, 4.0])                 # hours
C = np.array([0.0, 40.0, 30.0, 15.0, 5.0])                # ng/mL
# trapezoids by hand, in ng/mL * h
AUC_H = 0.5 * 40 / 2 + 0.5 * 70 / 2 + 1.0 * 45 / 2 + 2.0 * 20 / 2


@pytest.fixture(autouse=True)
def _strict():
    with warnings.catch_warnings():
        warnings.simplefilter("error")                      # UnitStrippedWarning included
        yield


def test_auc_of_a_time_quantity_keeps_the_unit():
    t = T_H * U.hour
    got = nca.auc(t, C)                                      # the call
    assert hasattr(got, "units") and got.units == U.hour
    assert got.magnitude == pytest.approx(AUC_H, rel=1e-14)
    got = nca.auc(t, C * U("ng/mL"))
    assert got.units == U("ng/mL * hour").units
    assert got.to("ng/mL * h").magnitude == pytest.approx(AUC_H, rel=1e-14)


def test_hours_and_minutes_give_the_same_answers():
    c = C * U("ng/mL")
    t_h, t_min = T_H * U.hour, (T_H * 60.0) * U.minute
    for method in ("linear", "linear-up/log-down"):
        a_h = nca.auc(t_h, c, method=method)
        a_min = nca.auc(t_min, c, method=method)
        assert a_min.to("ng/mL*h").magnitude == pytest.approx(a_h.magnitude, rel=1e-13)
    assert nca.tmax(t_h, c).units == U.hour
    assert nca.tmax(t_min, c).to("h").magnitude == pytest.approx(0.5, rel=1e-14)
    hl_h, hl_min = nca.half_life(t_h, c), nca.half_life(t_min, c)
    assert hl_h.units == U.hour and hl_min.units == U.minute
    assert hl_min.to("h").magnitude == pytest.approx(hl_h.magnitude, rel=1e-12)
    # by hand: ln c on t over the last 3 points, least squares (np.polyfit)
    slope = np.polyfit(T_H[-3:], np.log(C[-3:]), 1)[0]
    assert hl_h.magnitude == pytest.approx(np.log(2) / -slope, rel=1e-12)
    cm = nca.cmax(c)
    assert cm.units == U("ng/mL").units and cm.magnitude == 40.0
    # a batch keeps the units too
    both = nca.auc(t_h, np.stack([C, 2 * C]) * U("ng/mL"))
    np.testing.assert_allclose(both.magnitude, [AUC_H, 2 * AUC_H], rtol=1e-14)


def test_a_time_that_is_not_a_time():
    with pytest.raises(ValueError, match="t must be a time"):
        nca.auc(T_H * U.mg, C)
    with pytest.raises(ValueError, match="t must be a time"):
        nca.half_life(T_H * U("ng/mL"), C)


def test_plain_arrays_stay_plain():
    got = nca.auc(T_H, C)
    assert not hasattr(got, "units") and float(got) == pytest.approx(AUC_H, rel=1e-14)
