"""The stiff method (Rodas4) and method="auto" of endorphin.core.simulate.

References are scipy's Radau at tight tolerances; the evaluation counts are
bounded so that a silent fall-back to tiny explicit steps would fail."""
import numpy as np
import pytest

from endorphin import core

ROB = [0.04, 3e7, 1e4]


def _robertson_reference(t):
    from scipy.integrate import solve_ivp
    k1, k2, k3 = ROB

    def f(_, y):
        return [-k1 * y[0] + k3 * y[1] * y[2],
                k1 * y[0] - k2 * y[1] ** 2 - k3 * y[1] * y[2], k2 * y[1] ** 2]

    def jac(_, y):
        return [[-k1, k3 * y[2], k3 * y[1]],
                [k1, -2 * k2 * y[1] - k3 * y[2], -k3 * y[1]], [0, 2 * k2 * y[1], 0]]
    return solve_ivp(f, (0.0, t[-1]), [1.0, 0.0, 0.0], method="Radau", rtol=1e-12,
                     atol=1e-18, t_eval=t, jac=jac).y


T_ROB = np.array([0.0, 0.4, 4.0, 40.0, 400.0, 4e3, 4e4, 4e5])


@pytest.fixture(scope="module")
def rob_ref():
    return _robertson_reference(T_ROB)


@pytest.mark.parametrize("method", ["stiff", "auto"])
@pytest.mark.parametrize("rtol", [1e-4, 1e-6])
def test_robertson_agrees_with_radau(method, rtol, rob_ref):
    atol = rtol * 1e-6          # y2 lives near 1e-5 .. 1e-10
    r = core.simulate("robertson", ROB, T_ROB, y0=[1.0, 0.0, 0.0], rtol=rtol, atol=atol,
                      method=method)
    assert r.status[0] == 0 and r.stiff[0]
    units = np.abs(r.y[0] - rob_ref) / (atol + rtol * np.abs(rob_ref))
    assert units.max() < 5, units.max()
    # mass is conserved by the method (linear invariant)
    np.testing.assert_allclose(r.y[0].sum(axis=0), 1.0, rtol=1e-12)
    # bounded work: Rodas needs a few hundred steps; explicit steps would need
    # more than 1e5 (the step is limited by stability, about 1e-3 at the end)
    assert r.n_accepted[0] < (200 if rtol == 1e-4 else 400)
    assert r.n_jac[0] <= r.n_accepted[0] + r.n_rejected[0]
    assert r.n_rhs[0] < 10 * (r.n_accepted[0] + r.n_rejected[0]) + 2000


def test_explicit_on_robertson_runs_out_of_steps_but_auto_switches():
    r = core.simulate("robertson", ROB, T_ROB, y0=[1.0, 0.0, 0.0], rtol=1e-6, atol=1e-12,
                      method="explicit", max_steps=20_000)
    assert r.status[0] == 1 and np.isnan(r.y[0, :, -1]).all()
    a = core.simulate("robertson", ROB, T_ROB, y0=[1.0, 0.0, 0.0], rtol=1e-6, atol=1e-12,
                      method="auto", max_steps=20_000)
    assert a.status[0] == 0 and a.stiff[0]


# A PK model with ka = 100/min (absorption in seconds) plus a tolerance process
# over days, 14 days of doses every 12 h.
PK = [100.0, np.log(2) / 120.0, 10.0, 1.0, 1.0 / (7 * 1440.0)]
DOSE_TIMES = np.arange(0.0, 14 * 1440.0, 720.0)
T_PK = np.linspace(0.0, 14 * 1440.0, 673)


@pytest.fixture(scope="module")
def pk_ref():
    """Exact concentration (Bateman superposition of the doses); the tolerance
    process, driven by it, by DOP853 at rtol 1e-12 (it is not stiff on its own:
    the stiffness is in the absorption)."""
    from scipy.integrate import solve_ivp
    ka, ke, V, c50, kt = PK

    def conc(t):
        t = np.atleast_1d(t)[:, None]
        dt = t - DOSE_TIMES[None, :]
        on = dt >= 0
        dt = np.where(on, dt, 0.0)
        amt = 50.0 * ka / (ka - ke) * (np.exp(-ke * dt) - np.exp(-ka * dt))
        return (np.where(on, amt, 0.0).sum(axis=1)) / V

    def f(t, y):
        c = conc(t)[0]
        return [kt * (c / (c + c50) - y[0])]
    ref = np.zeros((2, T_PK.size))
    ref[0] = conc(T_PK)
    y = [0.0]
    edges = list(DOSE_TIMES) + [T_PK[-1]]
    for a, b in zip(edges[:-1], edges[1:]):
        m = (T_PK >= a) & ((T_PK < b) if b < T_PK[-1] else (T_PK <= b))
        sol = solve_ivp(f, (a, b), y, method="DOP853", rtol=1e-12, atol=1e-15,
                        dense_output=True, first_step=1e-4)
        ref[1, m] = sol.sol(T_PK[m])[0]
        y = sol.y[:, -1]
    return ref


@pytest.mark.parametrize("method", ["stiff", "auto"])
def test_fast_absorption_and_slow_tolerance(method, pk_ref):
    rtol, atol = 1e-6, 1e-9
    r = core.simulate("stiff_pk", PK, T_PK, rtol=rtol, atol=atol, method=method,
                      doses=(DOSE_TIMES, ["depot"] * DOSE_TIMES.size, [50.0] * DOSE_TIMES.size))
    assert r.status[0] == 0 and r.stiff[0]
    units = np.abs(r.y[0] - pk_ref) / (atol + rtol * np.abs(pk_ref))
    assert units.max() < 5, units.max()
    # the tolerance process really moves over the 14 days
    assert r.y[0, 1, -1] > 0.3
    # explicit steps would be limited to h < 3.3 / ka = 0.033 min: 6e5 steps
    assert r.n_accepted[0] < 20_000 and r.n_rhs[0] < 150_000


def test_order_four_with_fixed_steps():
    """Rodas4 is of order 4: fixed steps on y' = -y^2, Richardson-extrapolated
    observed order within 0.2 of 4."""
    Ns = np.array([8, 16, 32, 64, 128])
    errs = [abs(core.simulate("riccati", [-1.0], [0.0, 1.0], y0=[1.0], fixed_step=1.0 / n,
                              method="stiff").y[0, 0, -1] - 0.5) for n in Ns]
    local = np.diff(np.log(errs)) / np.diff(np.log(Ns))
    order = -(2 * local[1:] - local[:-1])
    assert np.all(np.abs(order[-2:] - 4.0) < 0.2), (local, order)


def test_dense_output_between_steps():
    """Outputs between steps come from Rodas4's continuous extension: error
    against the exact solution stays within a few tolerance units."""
    t = np.linspace(0.0, 10.0, 1001)
    r = core.simulate("riccati", [-1.0], t, y0=[1.0], rtol=1e-7, atol=1e-10, method="stiff")
    assert r.n_accepted[0] < 200          # so most outputs fall inside steps
    exact = 1.0 / (1.0 + t)
    assert (np.abs(r.y[0, 0] - exact) / (1e-10 + 1e-7 * exact)).max() < 5


def test_stiff_and_auto_bitwise_across_threads():
    rng = np.random.default_rng(3)
    p = np.column_stack([rng.uniform(20, 200, 40), np.full(40, np.log(2) / 120),
                         rng.uniform(5, 20, 40), np.ones(40), np.full(40, 1 / 1e4)])
    kw = dict(doses=(DOSE_TIMES[:6], ["depot"] * 6, [50.0] * 6), rtol=1e-6, atol=1e-9)
    t = np.linspace(0, 3 * 1440.0, 50)
    for method in ("stiff", "auto"):
        a = core.simulate("stiff_pk", p, t, method=method, threads=1, **kw)
        b = core.simulate("stiff_pk", p, t, method=method, threads=2, **kw)
        c = core.simulate("stiff_pk", p[17:29], t, method=method, threads=2, **kw)
        np.testing.assert_array_equal(a.y, b.y)
        np.testing.assert_array_equal(a.y[17:29], c.y)
        np.testing.assert_array_equal(a.n_jac, b.n_jac)


def test_auto_equals_explicit_when_not_stiff():
    t = np.linspace(0, 10, 21)
    a = core.simulate("lotka_volterra", [1.5, 1, 1, 3], t, y0=[1.0, 1.0], method="auto")
    e = core.simulate("lotka_volterra", [1.5, 1, 1, 3], t, y0=[1.0, 1.0], method="explicit")
    np.testing.assert_array_equal(a.y, e.y)
    assert not a.stiff[0] and a.n_jac[0] == 0


@pytest.mark.parametrize("bad", ["rodas", "", None, 1, "Stiff"])
def test_bad_method(bad):
    with pytest.raises(ValueError, match="method"):
        core.simulate("linear1", [0.1, 0.1, 1.0], [0.0, 1.0], method=bad)
