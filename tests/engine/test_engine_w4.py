"""The W4 workload model ("w4_bench") against the stored Radau reference.

Reference: tests/data/w4_reference_20subjects.npz, written by the benchmark peers' w4_check.py
(benchmarks/README.md, W4): scipy solve_ivp Radau at rtol 1e-10, atol 1e-12 per subject,
restarting at every switching time, first 20 subjects of the W4 population; cross-checked
with DOP853 at rtol 1e-13 to 4e-11.  Keys: out (20, 3, 1441) = C_p, C_h, analgesia at
t = 0, 1, ..., 1440 min; t; subj (20, 5) in SUBJ_KEYS order; y0 (20, 11) steady states.
The benchmarks document agreement as the max *relative* difference |x - y| / |y| over all
points (w4_model.max_rel); all three outputs stay far from zero (C_p >= 1.7, C_h >= 25,
analgesia >= 0.086), so relative and scaled-absolute errors are the same thing here.
"""
import numpy as np
import pytest

from endorphin import core

import engine_refs as R

OUTS = ("C_p", "C_h", "analgesia")


@pytest.fixture(scope="module")
def ref():
    return R.w4_reference()


@pytest.fixture(scope="module")
def seg():
    return R.w4_segments()


def test_reference_file_and_reimplementation(ref, seg):
    """Our re-implementation of the W4 parameters matches what produced the reference."""
    assert ref["out"].shape == (20, 3, 1441)
    np.testing.assert_array_equal(ref["t"], R.W4_T_OUT)
    assert tuple(ref["subj_keys"]) == R.W4_SUBJ_KEYS
    # the stored draw was made with another NumPy: exp may differ in the last bit
    np.testing.assert_allclose(R.w4_population(20), ref["subj"], rtol=4e-16, atol=0)
    np.testing.assert_allclose(R.w4_steady_state(ref["subj"]), ref["y0"], rtol=1e-15,
                               atol=1e-15)
    breaks, inputs = seg
    np.testing.assert_array_equal(breaks, [60.0, 105.0, 300.0, 315.0, 600.0, 720.0])
    assert inputs.shape == (7, 2)
    np.testing.assert_array_equal(inputs[[0, 2, 4, 6]], 0.0)
    assert R.w4_fixed_vector().shape == (27,)


def _run(params, seg, **kw):
    breaks, inputs = seg
    kw.setdefault("rtol", 1e-6)
    kw.setdefault("atol", 1e-9)
    return core.simulate("w4_bench", params, R.W4_T_OUT, breaks=breaks, inputs=inputs, **kw)


def _max_rel(got, want):
    return np.max(np.abs(got - want) / np.abs(want), axis=(0, 2))


def test_w4_against_radau_reference(ref, seg):
    res = _run(R.w4_params(ref["subj"]), seg)
    assert res.output_names == OUTS
    assert res.y.shape == (20, 3, 1441)
    np.testing.assert_array_equal(res.status, 0)
    np.testing.assert_array_equal(res.t, R.W4_T_OUT)
    rel = _max_rel(res.y, ref["out"])
    # spec: within 2e-6 at rtol 1e-6 / atol 1e-9 (the plain C Dormand-Prince of the
    # benchmarks reaches 1.2e-6; LSODA 8e-6)
    assert np.all(rel <= 2e-6), dict(zip(OUTS, rel))


def test_w4_tsit5_against_radau_reference(ref, seg):
    """Tsitouras 5(4) meets the W4 accuracy target with fewer evaluations than
    Dormand-Prince at the same tolerance."""
    ts = _run(R.w4_params(ref["subj"]), seg, method="tsit5")
    dp = _run(R.w4_params(ref["subj"]), seg, method="dopri5")
    np.testing.assert_array_equal(ts.status, 0)
    rel = _max_rel(ts.y, ref["out"])
    assert np.all(rel <= 2e-6), dict(zip(OUTS, rel))
    assert ts.n_rhs.sum() < 0.95 * dp.n_rhs.sum()


@pytest.mark.parametrize("method", ["stiff", "auto"])
def test_w4_stiff_and_auto_against_radau_reference(ref, seg, method):
    """The stiff method on a model without an analytic Jacobian (finite
    differences) and with a time-dependent right-hand side (the circadian
    rhythm: finite-difference time derivative) meets the same target as the
    explicit method; auto stays explicit on this non-stiff model."""
    res = _run(R.w4_params(ref["subj"]), seg, method=method)
    np.testing.assert_array_equal(res.status, 0)
    rel = _max_rel(res.y, ref["out"])
    assert np.all(rel <= 2e-6), dict(zip(OUTS, rel))
    if method == "stiff":
        assert res.stiff.all() and (res.n_jac > 0).all()
        # finite-difference Jacobians: 11 right-hand sides each, plus 1 for d/dt
        assert (res.n_rhs >= 12 * res.n_jac).all()
    else:
        assert not res.stiff.any() and (res.n_jac == 0).all()


def test_w4_explicit_y0_matches(ref, seg):
    res = _run(R.w4_params(ref["subj"]), seg, y0=ref["y0"])
    np.testing.assert_array_equal(res.status, 0)
    rel = _max_rel(res.y, ref["out"])
    assert np.all(rel <= 2e-6), dict(zip(OUTS, rel))


def test_w4_default_y0_is_the_resting_steady_state(ref, seg):
    """Default y0 = w4_model.steady_state: visible at t = 0 through C_p, C_h and analgesia
    (which depends on R_mu, R_delta, R_kappa), to ~1e-12."""
    subj = ref["subj"]
    y0 = R.w4_steady_state(subj)
    res = _run(R.w4_params(subj), seg)
    at0 = res.y[:, :, 0]
    np.testing.assert_allclose(at0[:, 0], y0[:, 6], rtol=1e-12, atol=0)
    np.testing.assert_allclose(at0[:, 1], y0[:, 7], rtol=1e-12, atol=0)
    F = R.W4_FIXED
    L = y0[:, 7] * F["pm2nm"]
    prod = np.ones(20)
    for r in range(3):
        x = L / F["K"][r]
        s = y0[:, 8 + r] * F["tau"][r] * x / (1 + x)
        prod *= 1 - F["w"][r] * s / (1 + s)
    np.testing.assert_allclose(at0[:, 2], 1 - prod, rtol=1e-12, atol=0)
    # and the whole trajectory equals the run from the explicit steady state
    explicit = _run(R.w4_params(subj), seg, y0=y0)
    np.testing.assert_allclose(res.y, explicit.y, rtol=1e-10, atol=0)


def test_w4_default_y0_per_subject(ref, seg):
    """The default initial state is each subject's own (C_p_base differs per subject)."""
    res = core.simulate("w4_bench", R.w4_params(ref["subj"]), np.array([0.0, 1.0]))
    c0 = 1 + 0.3 * np.cos(2 * np.pi * (0.0 - 480.0) / 1440.0)
    np.testing.assert_allclose(res.y[:, 0, 0], ref["subj"][:, 4] * c0, rtol=1e-12)


def test_w4_tight_tolerance(ref, seg):
    """At rtol 1e-9 / atol 1e-12 the error shrinks with the tolerance: below 5 tolerance
    units (relative 5e-9) against a reference good to ~4e-11."""
    res = _run(R.w4_params(ref["subj"]), seg, rtol=1e-9, atol=1e-12)
    np.testing.assert_array_equal(res.status, 0)
    rel = _max_rel(res.y, ref["out"])
    assert np.all(rel <= 5e-9), dict(zip(OUTS, rel))


def test_w4_output_subset_and_per_subject_inputs(ref, seg):
    params = R.w4_params(ref["subj"][:6])
    base = _run(params, seg)
    sub = _run(params, seg, outputs=["analgesia"])
    assert sub.output_names == ("analgesia",)
    np.testing.assert_array_equal(sub.y[:, 0], base.y[:, 2])
    breaks, inputs = seg
    per = core.simulate("w4_bench", params, R.W4_T_OUT, breaks=breaks,
                        inputs=np.broadcast_to(inputs, (6, 7, 2)).copy(), rtol=1e-6, atol=1e-9)
    np.testing.assert_array_equal(per.y, base.y)


def test_w4_counters(ref, seg):
    res = _run(R.w4_params(ref["subj"]), seg)
    assert np.all(res.n_rhs > 0) and np.all(res.n_accepted > 0) and np.all(res.n_rejected >= 0)
    tight = _run(R.w4_params(ref["subj"]), seg, rtol=1e-8, atol=1e-11)
    assert np.all(tight.n_accepted > res.n_accepted)
