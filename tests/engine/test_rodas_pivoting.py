"""Rodas4 on a system whose LU needs row interchanges (the endorphin model with its
circadian rhythm: the first columns pivot on other rows).

Before the fix, rodas_solve applied each interchange just before its column's
elimination while the decomposition swapped whole rows (multipliers included), which
mixed rows: an input-free state (activation_pituitary) moved by about 1e-3 per step,
fixed-step errors did not fall with the step, and adaptive runs took ~480 steps a day.
The reference is the explicit method at rtol 1e-12 (independent code, converged).
"""
import numpy as np

import endorphin as en
from endorphin import core

T = np.arange(0.0, 1441.0, 240.0)


def _params():
    return en.Population(1, condition="healthy", variability=0.0).typical()


def test_fixed_step_rodas4_converges_and_leaves_unforced_states_at_zero():
    p = _params()
    ref = core.simulate("endorphin", p, T, method="explicit", rtol=1e-12, atol=1e-15)
    j = ref.output_names.index("plasma_beta_endorphin")
    a = ref.output_names.index("activation_pituitary")
    err = {}
    for h in (60.0, 30.0):
        r = core.simulate("endorphin", p, T, method="stiff", fixed_step=h, max_steps=10**6)
        err[h] = np.max(np.abs(r.y[0, j] - ref.y[0, j]))
        assert np.max(np.abs(r.y[0, a])) < 1e-15, h          # no input: stays at 0
    assert err[60.0] < 1e-4 * np.max(ref.y[0, j])
    assert err[30.0] < err[60.0] / 6.0, err                   # order >= 3 (4 expected)


def test_adaptive_rodas4_takes_steps_of_hours_over_a_week():
    p = _params()
    t = np.arange(0.0, 7 * 1440.0 + 1, 1440.0)
    r = core.simulate("endorphin", p, t, method="stiff", rtol=1e-6, atol=1e-9)
    assert r.status[0] == 0
    assert r.n_accepted[0] + r.n_rejected[0] < 7 * 100        # was about 7 x 740
    ref = core.simulate("endorphin", p, t, method="explicit", rtol=1e-10, atol=1e-13)
    np.testing.assert_allclose(r.y, ref.y, rtol=1e-4, atol=1e-9)
