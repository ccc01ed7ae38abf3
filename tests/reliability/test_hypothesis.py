"""Property-based tests (Hypothesis) of the ufuncs and the engine.

Ufuncs: broadcast shapes and values including NaN, +-inf, denormals and -0.0.
Each output is NaN exactly where the documented policy says (a NaN argument,
or an argument outside the domain, endorphin/_docstrings.py), otherwise
finite and within its range; the float32 loop is the float64 kernel rounded
once; every element equals the scalar call on its own arguments (broadcast and
blocked SIMD loops never mix elements up).

Engine: random valid parameters drawn from the documented [low, high] ranges
of endorphin.parameters() give finite outputs, non-negative concentrations and
occupancies/analgesia in [0, 1]; on the linear test model "linear1" the
amounts balance: doses + infusion = depot + central + ke * AUC(central).

Deterministic: derandomize=True (the same examples on every run and in CI),
no example database; modest max_examples so the file runs in seconds.
"""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import endorphin as en
from endorphin import core, model

import registry

SETTINGS = dict(derandomize=True, deadline=None, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

AWKWARD = [np.nan, np.inf, -np.inf, 0.0, -0.0, 5e-324, 2.2e-308, 1e-300, 1e300,
           np.finfo(np.float64).max, 1.0]
any_float = st.one_of(st.sampled_from(AWKWARD), st.floats(allow_nan=True, allow_infinity=True),
                      st.floats(-1e6, 1e6))
pos_float = st.one_of(st.sampled_from([5e-324, 1e-300, 1e-9, 1.0, 3.0, 1e9, 1e300]),
                      st.floats(1e-12, 1e12))


def _arrays(shape, elements=any_float):
    return hnp.arrays(np.float64, shape, elements=elements)


def _elementwise_matches_scalar_calls(f, args, res):
    """Every element of `res` is f on that element's own (broadcast) arguments."""
    b = np.broadcast_arrays(*args)
    flat = [x.ravel() for x in b]
    rflat = np.asarray(res).ravel()
    for i in range(rflat.size):
        one = f(*[x[i] for x in flat])
        assert np.array_equal(one, rflat[i], equal_nan=True), (f.__name__, i)


# ---------------------------------------------------------------------------
# NaN policy and range, with broadcasting
# ---------------------------------------------------------------------------
@settings(max_examples=60, **SETTINGS)
@given(st.data())
def test_hill_nan_policy_range_and_broadcast(data):
    shapes = data.draw(hnp.mutually_broadcastable_shapes(num_shapes=4, max_dims=3, max_side=4))
    c = data.draw(_arrays(shapes.input_shapes[0]))
    emax = data.draw(_arrays(shapes.input_shapes[1], st.floats(-1e6, 1e6)))
    ec50 = data.draw(_arrays(shapes.input_shapes[2]))
    n = data.draw(_arrays(shapes.input_shapes[3]))
    with np.errstate(all="ignore"):
        r = en.hill(c, emax, ec50, n)
        _elementwise_matches_scalar_calls(en.hill, (c, emax, ec50, n), r)
    assert np.shape(r) == shapes.result_shape
    c, emax, ec50, n = np.broadcast_arrays(c, emax, ec50, n)
    nan_expected = (np.isnan(c) | np.isnan(emax) | np.isnan(ec50) | np.isnan(n)
                    | ~(c >= 0) | ~(ec50 > 0) | ~(n > 0)
                    | (np.isinf(c) & np.isinf(ec50)))
    r = np.broadcast_to(r, c.shape)
    np.testing.assert_array_equal(np.isnan(r), nan_expected)
    ok = ~nan_expected
    assert np.isfinite(r[ok]).all()
    lo, hi = np.minimum(0.0, emax), np.maximum(0.0, emax)
    assert ((r[ok] >= lo[ok]) & (r[ok] <= hi[ok])).all()


@settings(max_examples=60, **SETTINGS)
@given(st.data())
def test_occupancy_nan_policy_and_unit_range(data):
    shapes = data.draw(hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=3, max_side=5))
    c = data.draw(_arrays(shapes.input_shapes[0]))
    kd = data.draw(_arrays(shapes.input_shapes[1]))
    with np.errstate(all="ignore"):
        r = en.occupancy(c, kd)
    c, kd = np.broadcast_arrays(c, kd)
    r = np.broadcast_to(r, c.shape)
    nan_expected = np.isnan(c) | np.isnan(kd) | ~(c >= 0) | ~(kd > 0) \
        | (np.isinf(c) & np.isinf(kd))
    np.testing.assert_array_equal(np.isnan(r), nan_expected)
    ok = ~nan_expected
    assert ((r[ok] >= 0.0) & (r[ok] <= 1.0)).all()


@settings(max_examples=40, **SETTINGS)
@given(conc=_arrays(st.tuples(st.integers(0, 5), st.integers(1, 4)),
                    st.one_of(st.sampled_from([0.0, -0.0, 5e-324, 1e300, np.inf]),
                              st.floats(0.0, 1e6))),
       data=st.data())
def test_competitive_occupancy_fractions(conc, data):
    """Finite non-negative concentrations and positive finite affinities: each
    occupancy in [0, 1] and their sum per receptor at most 1."""
    r = data.draw(st.integers(1, 3))
    K = data.draw(_arrays((r, conc.shape[-1]), pos_float))
    with np.errstate(all="ignore"):
        occ = en.competitive_occupancy(conc, K)
    assert occ.shape == conc.shape[:-1] + (r, conc.shape[-1])
    fin = np.isfinite(conc).all(axis=-1)
    o = occ[fin]
    assert not np.isnan(o).any()
    assert ((o >= 0) & (o <= 1)).all()
    assert (o.sum(axis=-1) <= 1 + 1e-12).all()


@settings(max_examples=40, **SETTINGS)
@given(st.data())
def test_operational_and_ll4_in_range_for_valid_arguments(data):
    shape = data.draw(hnp.array_shapes(min_dims=0, max_dims=2, max_side=5))
    a = data.draw(_arrays(shape, st.one_of(st.sampled_from([0.0, 5e-324, 1e300]),
                                           st.floats(0.0, 1e9))))
    ka, tau, n = (data.draw(pos_float) for _ in range(3))
    em = data.draw(st.floats(0.0, 1e6))
    with np.errstate(all="ignore"):
        e = en.operational(a, ka, tau, em, n)
    assert np.isfinite(e).all() and ((e >= 0) & (e <= em)).all()
    b, c, d, e50 = data.draw(st.floats(0.1, 10)), data.draw(st.floats(-5, 5)), \
        data.draw(st.floats(-5, 5)), data.draw(pos_float)
    with np.errstate(all="ignore"):
        y = en.ll4(a, b, c, d, e50)
    ok = np.isfinite(y)
    assert ok.all(), (a[~ok] if np.ndim(a) else a, b, c, d, e50)
    assert ((y >= min(c, d) - 1e-9 * abs(d - c)) & (y <= max(c, d) + 1e-9 * abs(d - c))).all()


# ---------------------------------------------------------------------------
# float32 loops: the float64 kernel rounded once
# ---------------------------------------------------------------------------
ELEMENTWISE = registry.ELEMENTWISE          # tests/_support/registry.py


@pytest.mark.parametrize("name", ELEMENTWISE)
@settings(max_examples=25, **SETTINGS)
@given(data=st.data())
def test_float32_is_float64_rounded_once(name, data):
    f = getattr(en, name)
    shape = data.draw(hnp.array_shapes(min_dims=1, max_dims=2, max_side=6))
    args32 = [data.draw(hnp.arrays(np.float32, shape, elements=st.floats(
        width=32, allow_nan=True, allow_infinity=True))) for _ in range(f.nin)]
    with np.errstate(all="ignore"):
        r32 = f(*args32)
        r64 = f(*[a.astype(np.float64) for a in args32]).astype(np.float32)
    assert r32.dtype == np.float32
    np.testing.assert_array_equal(r32, r64)


# ---------------------------------------------------------------------------
# the engine
# ---------------------------------------------------------------------------
_TAB = model.parameters()
_ENGINE_TAB = _TAB[_TAB["kind"] == "engine"]
LOW = _ENGINE_TAB["low"].to_numpy(float)
HIGH = _ENGINE_TAB["high"].to_numpy(float)
OUTS = core.models["endorphin"].outputs
CONC_OUTPUTS = ["plasma_beta_endorphin", "csf_beta_endorphin", "plasma_acth", "plasma_cortisol"]
UNIT_OUTPUTS = [o for o in OUTS if o.startswith("occupancy_")] + ["analgesia"]


@settings(max_examples=12, **SETTINGS)
@given(frac=hnp.arrays(np.float64, (2, len(LOW)), elements=st.floats(0.0, 1.0)),
       intensity=st.floats(0.0, 1.2), pulses=st.booleans(), seed=st.integers(0, 2**31))
def test_engine_random_valid_parameters_physical_outputs(frac, intensity, pulses, seed):
    params = LOW + frac * (HIGH - LOW)
    t = np.linspace(0.0, 240.0, 25)
    res = model.simulate(params, t, segments=[("exercise", 30.0, 60.0, intensity),
                                              ("pain", 100.0, 30.0, 5.0 * intensity)],
                         pulses=pulses, seed=seed, threads=1)
    assert (res.status == 0).all(), res.status
    y = dict(zip(res.output_names, np.moveaxis(res.y, 1, 0)))
    for name, v in y.items():
        assert np.isfinite(v).all(), name
    for name in CONC_OUTPUTS:
        assert (y[name] >= 0).all(), (name, y[name].min())
    for name in UNIT_OUTPUTS:
        assert ((y[name] >= 0) & (y[name] <= 1)).all(), (name, y[name].min(), y[name].max())


@settings(max_examples=25, **SETTINGS)
@given(ka=st.floats(1e-3, 1.0), ke=st.floats(1e-4, 0.5), V=st.floats(0.5, 100.0),
       doses=st.lists(st.tuples(st.floats(0.0, 200.0), st.sampled_from([0, 1]),
                                st.floats(0.0, 1e3)), min_size=1, max_size=4),
       rate=st.floats(0.0, 10.0), method=st.sampled_from(["explicit", "tsit5", "stiff"]))
def test_linear1_mass_balance(ka, ke, V, doses, rate, method):
    """Doses (into depot or central) + infusion = depot + central + eliminated, with
    depot known exactly and eliminated = ke * AUC(central) from summary mode."""
    doses = sorted(doses)
    times = [d[0] for d in doses]
    T = 300.0
    res = core.simulate("linear1", [ka, ke, V], [T], t0=0.0, rtol=1e-10, atol=1e-12,
                        doses=(times, [d[1] for d in doses], [d[2] for d in doses]),
                        breaks=[100.0, 150.0], inputs=[[0.0], [rate], [0.0]],
                        outputs=["amount"], summary=True, method=method)
    assert res.status[0] == 0
    central = res.y[0, 0, -1]
    auc = res.summary[0, 0, 3]
    depot = sum(a * np.exp(-ka * (T - t)) for t, s, a in doses if s == 0)
    total_in = sum(a for _, _, a in doses) + 50.0 * rate
    balance = depot + central + ke * auc
    assert central >= -1e-9 and auc >= -1e-9          # integration error only
    assert abs(balance - total_in) <= 1e-6 * max(total_in, 1e-300) + 1e-9, \
        (balance, total_in)
