"""The array-level API of endorphin.model: reproducible keyed draws, and clear
errors naming the argument for bad input."""
import numpy as np
import pytest

from endorphin import core
from endorphin import model as M


def test_default_parameters_order_and_overrides():
    p = M.default_parameters()
    names = core.models["endorphin"].params
    assert p.shape == (len(names),) and p.dtype == np.float64
    q = M.default_parameters(t_half_plasma=40.0)
    assert q[names.index("t_half_plasma")] == 40.0
    assert np.array_equal(np.delete(q, names.index("t_half_plasma")),
                          np.delete(p, names.index("t_half_plasma")))
    with pytest.raises(ValueError, match="t_half_plasm"):
        M.default_parameters(t_half_plasm=40.0)
    with pytest.raises(ValueError, match="t_half_plasma"):
        M.default_parameters(t_half_plasma=np.nan)


def test_sample_parameters_keyed_by_subject():
    a = M.sample_parameters(50, seed=9)
    b = M.sample_parameters(20, seed=9, first_subject=30)
    np.testing.assert_array_equal(a[30:], b)
    c = M.sample_parameters(50, seed=10)
    assert not np.array_equal(a, c)
    tab = M.parameters()
    eng = tab[tab.kind == "engine"]
    assert ((a >= eng.low.to_numpy()) & (a <= eng.high.to_numpy())).all()
    # parameters without variability are the default in every subject
    fixed = (eng.cv == 0).to_numpy()
    np.testing.assert_array_equal(a[:, fixed], np.broadcast_to(M.default_parameters()[fixed],
                                                               a[:, fixed].shape))
    # variability 0: everybody is the typical subject
    np.testing.assert_array_equal(M.sample_parameters(3, 1, variability=0.0),
                                  np.tile(M.default_parameters(), (3, 1)))


def test_sample_parameters_lognormal_cv():
    """The draw's coefficient of variation matches the table's (log-normal with
    median = value), checked on a parameter whose range does not clip it."""
    names = core.models["endorphin"].params
    i = names.index("bend_plasma_base")
    x = M.sample_parameters(4000, 3)[:, i]
    cv = M.parameters().set_index("name").loc["bend_plasma_base", "cv"]
    assert np.median(x) == pytest.approx(4.34, rel=0.03)
    assert np.std(np.log(x)) == pytest.approx(np.sqrt(np.log1p(cv**2)), rel=0.06)


@pytest.mark.parametrize("call, match", [
    (lambda: M.sample_parameters(0), "n"),
    (lambda: M.sample_parameters(2.5), "n"),
    (lambda: M.sample_parameters(5, seed=-1), "seed"),
    (lambda: M.sample_parameters(5, variability=np.nan), "variability"),
    (lambda: M.sample_parameters(5, variability=-0.1), "variability"),
    (lambda: M.sample_parameters(5, base=np.ones(3)), "base"),
    (lambda: M.pulse_schedule(0, 0.0, 10.0), "n"),
    (lambda: M.pulse_schedule(2, 10.0, 0.0), "t0"),
    (lambda: M.pulse_schedule(2, 0.0, 10.0, tau_pulse=-1.0), "tau_pulse"),
    (lambda: M.pulse_schedule(2, 0.0, 10.0, pulse_interval=0.0), "pulse_interval"),
    (lambda: M.bend_dose(-1.0), "amount_mg"),
    (lambda: M.bend_dose(1.0, "oral"), "route"),
    (lambda: M.bend_dose(1.0, body_weight=0.0), "body_weight"),
    (lambda: M.stimulus_inputs([("running", 0, 10, 1)], 0.0, 100.0), "input"),
    (lambda: M.stimulus_inputs([("exercise", 0, -10, 1)], 0.0, 100.0), "duration"),
    (lambda: M.stimulus_inputs([("exercise", np.nan, 10, 1)], 0.0, 100.0), "start"),
    (lambda: M.simulate(M.default_parameters(), []), "t_out"),
    (lambda: M.simulate(np.full(77, np.nan), [0.0, 1.0]), "params"),
    (lambda: M.simulate(M.default_parameters()[:10], [0.0, 1.0]), "params"),
])
def test_bad_input_names_the_argument(call, match):
    with pytest.raises((ValueError, TypeError), match=match):
        call()


def test_stimulus_inputs_overlap_add():
    br, inp = M.stimulus_inputs([("exercise", 10, 20, 0.5), ("exercise", 20, 20, 0.3),
                                 ("pain", 0, 100, 4)], 0.0, 100.0)
    np.testing.assert_array_equal(br, [10.0, 20.0, 30.0, 40.0])
    ex = core.models["endorphin"].inputs.index("exercise")
    np.testing.assert_allclose(inp[:, ex], [0.0, 0.5, 0.8, 0.3, 0.0])
    assert (inp[:, core.models["endorphin"].inputs.index("pain")] == 4).all()


def test_pulses_reproducible_and_independent_of_threads():
    p = M.sample_parameters(8, 4)
    t = np.arange(0.0, 600.0, 10.0)
    a = M.simulate(p, t, pulses=True, seed=3, threads=1, outputs=["plasma_beta_endorphin"])
    b = M.simulate(p, t, pulses=True, seed=3, threads=2, outputs=["plasma_beta_endorphin"])
    c = M.simulate(p, t, pulses=True, seed=4, threads=2, outputs=["plasma_beta_endorphin"])
    np.testing.assert_array_equal(a.y, b.y)
    assert not np.array_equal(a.y, c.y)
