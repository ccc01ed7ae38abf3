"""method="tsit5" (Tsitouras 5(4) with its free interpolant): the analytic
checks of the explicit method, order of convergence, interpolant continuity,
thread independence."""
import numpy as np
import pytest

from endorphin import core

import engine_refs as R

RTOL, ATOL = 1e-6, 1e-9
LIN1 = (0.05, 0.01, 12.5)
LIN2 = (0.04, 0.02, 0.03, 0.012, 9.0)


def sim(model, params, t, **kw):
    kw.setdefault("method", "tsit5")
    return core.simulate(model, np.asarray(params, float), np.asarray(t, float), **kw)


def tu_max(got, ref, rtol=RTOL, atol=ATOL):
    return R.tol_units(np.asarray(got), np.asarray(ref), rtol, atol).max()


@pytest.mark.parametrize("rtol,atol", [(1e-4, 1e-7), (1e-6, 1e-9), (1e-9, 1e-12)])
def test_iv_bolus_and_oral(rtol, atol):
    t = np.linspace(0.0, 600.0, 121)
    p = np.array([LIN1, (0.3, 0.002, 4.0), (1.0, 0.08, 40.0)])
    bol = sim("linear1", p, t, doses=([0.0], ["central"], [100.0]), rtol=rtol, atol=atol)
    ora = sim("linear1", p, t, doses=([0.0], ["depot"], [100.0]), rtol=rtol, atol=atol)
    for i, (ka, ke, _) in enumerate(p):
        assert tu_max(bol.y[i, 1], R.bolus_1cpt(t, 100.0, ke), rtol, atol) < 5
        assert tu_max(ora.y[i, 1], R.bateman(t, 100.0, ka, ke)[1], rtol, atol) < 5


def test_two_compartment_mixed_regimen():
    t = np.linspace(0, 720, 241)
    breaks, rates = [100.0, 160.0], [0.0, 1.5, 0.0]
    doses = [(10.0, 0, 80.0), (300.0, 2, 25.0), (300.0, 1, 5.0)]
    res = sim("linear2", LIN2, t, breaks=breaks, inputs=np.array(rates)[:, None],
              doses=([d[0] for d in doses], [d[1] for d in doses], [d[2] for d in doses]))
    ref = R.linear_exact("linear2", LIN2, t, breaks=breaks, rates=rates, doses=doses)
    assert tu_max(res.y[0, 0] * LIN2[-1], ref[1]) < 5


def test_interpolant_meets_step_values():
    """Breaks force step points; the interpolant of the step ending there meets
    the step value (difference over d = 1e-6 equals the true one to 1e-12)."""
    R.assert_interpolant_meets_step_values(sim, LIN1)


def test_order_five_with_fixed_steps():
    Ns = np.array([8, 16, 32, 64, 128])
    errs = [abs(sim("riccati", [-1.0], [0.0, 1.0], y0=[1.0], fixed_step=1.0 / n).y[0, 0, -1]
                - 0.5) for n in Ns]
    local = np.diff(np.log(errs)) / np.diff(np.log(Ns))
    order = -(2 * local[1:] - local[:-1])
    assert np.all(np.abs(order[-2:] - 5.0) < 0.2), (local, order)


def test_interpolant_order_four():
    """Outputs between fixed steps: the interpolant's error falls like h^4 or
    faster (order-4 continuous extension)."""
    t = np.linspace(0.0, 1.0, 201)
    errs = []
    for n in (8, 16, 32):
        y = sim("riccati", [-1.0], t, y0=[1.0], fixed_step=1.0 / n).y[0, 0]
        errs.append(np.abs(y - 1.0 / (1.0 + t)).max())
    slopes = np.diff(np.log(errs)) / np.log(2.0)
    assert np.all(slopes < -3.7), (errs, slopes)


def test_bitwise_across_threads_and_differs_from_dopri5():
    rng = np.random.default_rng(5)
    p = np.column_stack([rng.uniform(0.01, 0.2, 64), rng.uniform(0.001, 0.05, 64),
                         rng.uniform(1, 20, 64)])
    t = np.linspace(0, 600, 61)
    kw = dict(doses=([0.0, 300.0], ["depot", "depot"], [100.0, 50.0]))
    a = sim("linear1", p, t, threads=1, **kw)
    b = sim("linear1", p, t, threads=2, **kw)
    np.testing.assert_array_equal(a.y, b.y)
    c = sim("linear1", p, t, method="dopri5", **kw)
    assert not np.array_equal(a.y, c.y)      # really another method
    e = sim("linear1", p, t, method="explicit", **kw)
    np.testing.assert_array_equal(c.y, e.y)  # "explicit" is Dormand-Prince
