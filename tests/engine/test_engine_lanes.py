"""Subjects side by side in SIMD lanes: the same results as one at a time.

The engine integrates ENDO_LANES subjects at once when the model has a lane
right-hand side (w4_bench and linear1 have one) and the method is explicit.  Each
lane keeps its own steps, events, outputs, summary and status, and its arithmetic
is the scalar path's, operation for operation, so every result must be *bitwise*
equal to the scalar path's (``_lanes=False``): values, statuses and counters, with
lanes finishing at different times, per-subject events and doses, failures, auto's
stiff retry, summary mode, and any number of threads.

Also here: the models' vectorisable cosine (kernels/endo_math.h) against mpmath.
"""
import mpmath
import numpy as np
import pytest

from endorphin import _engine_tests, core

import engine_refs as R


def _both(model, params, t_out, **kw):
    a = core.simulate(model, params, t_out, _lanes=False, **kw)
    b = core.simulate(model, params, t_out, _lanes=True, **kw)
    return a, b


def _assert_same(a, b):
    np.testing.assert_array_equal(a.y, b.y)     # NaN == NaN here; bitwise otherwise
    assert a.y.tobytes() == b.y.tobytes()
    for name in ("status", "n_rhs", "n_accepted", "n_rejected", "n_jac", "stiff"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)
    if a.summary is not None:
        assert a.summary.tobytes() == b.summary.tobytes()


@pytest.mark.parametrize("method", ["dopri5", "tsit5", "auto"])
@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("mixed_m", [False, True])
def test_w4_lanes_bitwise_equal_to_scalar(method, threads, mixed_m):
    n = 23                                  # not a multiple of the lane count
    breaks, inputs = R.w4_segments()
    params = R.w4_params(R.w4_population(n))
    if mixed_m:
        params[::3, 15] = 0.8               # transducer slope m != 1 in some lanes (pow)
    a, b = _both("w4_bench", params, R.W4_T_OUT,
                 breaks=breaks, inputs=inputs, method=method, threads=threads)
    np.testing.assert_array_equal(a.status, 0)
    _assert_same(a, b)


@pytest.mark.parametrize("method", ["dopri5", "tsit5"])
def test_w4_lanes_summary_mode_bitwise_equal(method):
    n = 9
    breaks, inputs = R.w4_segments()
    a, b = _both("w4_bench", R.w4_params(R.w4_population(n)), [0.0, 700.0, 1440.0],
                 breaks=breaks, inputs=inputs, method=method, summary=True,
                 thresholds=[3.0, 40.0, 0.1])
    assert np.isfinite(a.summary).all()
    _assert_same(a, b)


def _linear1_population(n, rng):
    """Subjects with their own rates, breaks, inputs and doses, some dosed at
    output times and at t0, so lanes reach their events at different times."""
    params = np.column_stack([rng.uniform(0.01, 2.0, n), rng.uniform(0.001, 0.5, n),
                              rng.uniform(1.0, 50.0, n)])
    breaks = np.sort(rng.uniform(1.0, 99.0, (n, 3)), axis=1)
    breaks[::5, 1] = breaks[::5, 0]             # zero-length segments
    inputs = rng.uniform(0.0, 3.0, (n, 4, 1))
    times = rng.uniform(0.0, 100.0, (n, 4))
    times[::3, 0] = 0.0                         # a dose at t0
    times[1::4, 2] = 50.0                       # at an output time
    times.sort(axis=1)
    amounts = rng.uniform(0.0, 100.0, (n, 4))
    return params, breaks, inputs, (times, np.zeros((n, 4), dtype=np.int64), amounts)


@pytest.mark.parametrize("method", ["dopri5", "tsit5", "auto"])
def test_linear1_lanes_per_subject_events_bitwise_equal(method):
    rng = np.random.default_rng(5)
    n = 31
    params, breaks, inputs, doses = _linear1_population(n, rng)
    t_out = np.linspace(0.0, 100.0, 201)
    for kw in ({}, {"y0": rng.uniform(0.0, 10.0, (n, 2))}, {"t0": -5.0}):
        a, b = _both("linear1", params, t_out, breaks=breaks, inputs=inputs, doses=doses,
                     method=method, rtol=1e-8, atol=1e-10, threads=2, **kw)
        np.testing.assert_array_equal(a.status, 0)
        _assert_same(a, b)
    # and the values are right: linear1 has an analytic solution (test_engine checks
    # it in detail); here a spot check that the lane run is not consistently wrong
    one = core.simulate("linear1", params[:1], t_out, doses=([0.0], [0], [10.0]),
                        rtol=1e-10, atol=1e-12)
    ka, ke, V = params[0]
    want = 10.0 * ka / (ka - ke) * (np.exp(-ke * t_out) - np.exp(-ka * t_out)) / V
    np.testing.assert_allclose(one.y[0, 0], want, rtol=1e-7, atol=1e-12)


def test_lanes_failures_and_auto_retry_bitwise_equal():
    """Lanes whose subjects fail (step budget) or switch to the stiff method (auto)
    finish alone; their neighbours go on, and everything equals the scalar path."""
    rng = np.random.default_rng(7)
    n = 14
    params, breaks, inputs, doses = _linear1_population(n, rng)
    params[2::5, 0] = 1e5           # ka = 1e5/min: stiff over 100 min
    t_out = np.linspace(0.0, 100.0, 51)
    kw = dict(breaks=breaks, inputs=inputs, doses=doses, rtol=1e-6, atol=1e-9)
    a, b = _both("linear1", params, t_out, method="dopri5", max_steps=3000, **kw)
    assert set(np.unique(a.status)) == {0, 1}           # some ran out of steps
    assert np.isnan(a.y[a.status == 1]).any()
    _assert_same(a, b)
    a, b = _both("linear1", params, t_out, method="auto", **kw)
    np.testing.assert_array_equal(a.status, 0)
    np.testing.assert_array_equal(a.stiff, params[:, 0] > 1e4)
    _assert_same(a, b)


def test_w4_lanes_nonfinite_and_init_failure_bitwise_equal():
    breaks, inputs = R.w4_segments()
    params = R.w4_params(R.w4_population(10))
    # subject 3: C_p_base 1.5e308 at a circadian peak of 1.5: its resting C_p
    # overflows, so it has no initial state
    params[3, [12, 13, 4]] = 0.5, params[3, 14], 1.5e308
    params[6, 3] = -1e-9            # tau_A < 0: blows up (nonfinite)
    a, b = _both("w4_bench", params, R.W4_T_OUT, breaks=breaks, inputs=inputs)
    assert a.status[3] == 4 and a.status[6] != 0      # 4: ENDO_INIT_FAILED
    assert (np.delete(a.status, [3, 6]) == 0).all()
    _assert_same(a, b)


def test_endo_cos_against_mpmath():
    """endo_cos (the models' circadian cosine): absolute error <= 2^-53 (half an ulp
    of 1) and within 2 ulp relative where |cos| > 1e-3 (the reduction by three parts of
    pi/2 leaves about an ulp of its own); the lane and scalar versions give the same
    bits; beyond 1e6 and for inf/NaN, libm's cos."""
    mpmath.mp.prec = 113
    rng = np.random.default_rng(11)
    x = np.concatenate([rng.uniform(-10, 10, 3000), rng.uniform(-2000, 2000, 3000),
                        rng.uniform(-1e6, 1e6, 3000), np.arange(-400, 400) * (np.pi / 2),
                        [0.0, -0.0, 1e-300, 5e-324, np.pi / 4, 1e6, -1e6]])
    got = _engine_tests._mathfn("cos", x, False)
    assert got.tobytes() == _engine_tests._mathfn("cos", x, True).tobytes()
    want = np.array([float(mpmath.cos(mpmath.mpf(v))) for v in x])
    err = np.abs(got - want)
    assert err.max() <= 2.0 ** -53
    big = np.abs(want) > 1e-3
    assert np.max(err[big] / np.spacing(np.abs(want[big]))) <= 2.0
    # a wrong coefficient or quadrant would show far above these bounds
    special = np.array([1.5e6, -3e7, 1e300, np.inf, -np.inf, np.nan])
    with np.errstate(invalid="ignore"):
        want_sp = np.cos(special)
    for lanes in (False, True):
        got_sp = _engine_tests._mathfn("cos", np.tile(special, 2), lanes)
        np.testing.assert_array_equal(got_sp, np.tile(want_sp, 2))


def test_endo_log_exp_against_mpmath():
    """endo_log within 1 ulp, endo_exp within 2 ulp of mpmath over their whole ranges
    (the cortisol curve's power); outside them, libm's values."""
    mpmath.mp.prec = 113
    rng = np.random.default_rng(12)
    x = np.concatenate([10.0 ** rng.uniform(-307, 308, 4000), rng.uniform(0.5, 2.0, 4000),
                        1.0 + rng.uniform(-1e-6, 1e-6, 500),
                        [2.2250738585072014e-308, 1.7976931348623157e308, 1.0, 2.0, 0.5]])
    got = _engine_tests._mathfn("log", x, False)
    want = np.array([float(mpmath.log(mpmath.mpf(v))) for v in x])
    nz = want != 0.0
    assert np.max(np.abs(got - want)[nz] / np.spacing(np.abs(want[nz]))) <= 1.0
    assert got[x == 1.0][0] == 0.0
    e = np.concatenate([rng.uniform(-708, 708, 4000), rng.uniform(-1, 1, 4000),
                        [0.0, 1.0, -1.0, 708.0, -708.0]])
    got = _engine_tests._mathfn("exp", e, False)
    want = np.array([float(mpmath.exp(mpmath.mpf(v))) for v in e])
    assert np.max(np.abs(got - want) / np.spacing(want)) <= 2.0
    out = np.array([0.0, -1.0, 5e-324, np.inf, np.nan])
    with np.errstate(all="ignore"):
        np.testing.assert_array_equal(_engine_tests._mathfn("log", out, False), np.log(out))
        big = np.array([709.5, -745.0, -800.0, 1000.0, np.inf, -np.inf, np.nan])
        np.testing.assert_array_equal(_engine_tests._mathfn("exp", big, False), np.exp(big))


# --- the endorphin model's lane right-hand side -------------------------------------

def _lanes_eval(name, t, y, p, u):
    """_evaluate_lanes with rows per lane (L, ...) in, rows per lane out."""
    T = lambda a: np.ascontiguousarray(np.asarray(a, dtype=float).T)  # noqa: E731
    dy, _ = _engine_tests._evaluate_lanes(name, np.ascontiguousarray(t, dtype=float), T(y),
                                       T(p), T(u))
    return dy.T


@pytest.mark.parametrize("nd", [0, 1, 2, 3, 4])
def test_endorphin_rhs_lanes_bitwise_equal_to_rhs(nd):
    """Four subjects at four random points: every lane's derivative has exactly the
    bits of the one-subject right-hand side, with stimuli on in some lanes only,
    slopes != 1, the rhythm off in some lanes, kinetic and equilibrium drugs with
    binding slopes n != 1, states on both sides of the clips at zero."""
    import model_drugs as D
    rng = np.random.default_rng(100 + nd)
    name = "endorphin" if nd == 0 else f"endorphin_d{nd}"
    m = core.models[name]
    for trial in range(25):
        ps = [D.random_params(rng, nd) for _ in range(4)]
        if trial % 2:
            for p in ps:                                    # all slopes 1: vector path
                for r in ("mu", "delta", "kappa"):
                    p[m.params.index(f"slope_{r}")] = 1.0
        ys = [D.random_state(rng, p, nd) for p in ps]
        if trial % 3 == 0:                                  # negative states: the clips
            for y in ys:
                y[rng.integers(0, y.size, 5)] *= -0.1
        us = np.zeros((4, len(m.inputs)))
        for lane in range(4):
            on = rng.random(len(m.inputs)) < 0.3
            us[lane, on] = rng.uniform(0.0, 3.0, on.sum())
        t = rng.uniform(0.0, 3000.0, 4)
        got = _lanes_eval(name, t, ys, ps, us)
        for lane in range(4):
            want, _ = D.evaluate(name, t[lane], ys[lane], ps[lane], us[lane])
            assert got[lane].tobytes() == want.tobytes(), (trial, lane)


def test_endorphin_population_day_lanes_bitwise_equal():
    """A scenario population with exercise, pain, pulses and three drugs (oral
    morphine, an IV fentanyl infusion, IM naloxone: kinetic binding), integrated with
    and without lanes: the same bits, statuses and counters."""
    import endorphin as en
    import model_drugs as D
    stim = en.Exercise(0.8, start=20, duration=30) + en.Pain(5, start=200, duration=60)
    sc, plan, params, breaks, inputs, boluses = D.three_drug_scenario(
        stim, t_end=600, dt=5, pulses=True, population=en.Population(n=9, seed=4))
    for method in ("dopri5", "tsit5", "auto"):
        a, b = _both(plan.model, params, sc.times, t0=0.0, breaks=breaks, inputs=inputs,
                     doses=boluses, method=method, threads=2)
        np.testing.assert_array_equal(a.status, 0)
        _assert_same(a, b)
