"""Reliability of the engine entry point: Ctrl-C, leaks, junk arguments.

(Accuracy, events and threads are in test_engine.py and test_engine_w4.py.)
"""
import sys
import tracemalloc
from pathlib import Path

import numpy as np
import pytest

from endorphin import core
from interrupt import interrupt_call


def _w4_params(n):
    # W4 workload values (benchmarks/README.md, W4): typical subject, fixed vector
    subject = [np.log(2) / 25.0, 3.0, 2.0, 5.0, 3.0]
    fixed = [240.0, 1 / 120.0, 1 / 120.0, 1.0, 1.0, np.log(2) / 60.0, 30.0, 0.3, 480.0,
             0.0, 1.0, 1.0, 1.0, 50.0, 3.0, 3.0, 0.5, 1e-3, 1e-3, 1e-3,
             1 / 2880.0, 1 / 2880.0, 1 / 2880.0, 1.0, 0.5, 0.3, 1e-3]
    return np.tile(subject + fixed, (n, 1))


def test_ctrl_c_stops_a_long_run_quickly():
    out, err, elapsed = interrupt_call(f"""
        import numpy as np
        import endorphin._engine_tests
        from endorphin import core
        sys.path.insert(0, {str(Path(__file__).parent)!r})
        from test_engine_reliability import _w4_params
        p = _w4_params(400_000)
        t = np.arange(0.0, 1441.0, 60.0)
    """, 'core.simulate("w4_bench", p, t, threads=1, rtol=1e-10, atol=1e-12)')
    assert "interrupted" in out, (out, err)
    # the workers stop after their current chunk of subjects (a few ms each)
    assert elapsed < 3.0, elapsed


def test_repeated_calls_do_not_leak():
    p = _w4_params(8)
    t = np.arange(0.0, 241.0, 10.0)
    for _ in range(3):
        core.simulate("w4_bench", p, t, threads=2)
    tracemalloc.start()
    snap0 = tracemalloc.take_snapshot()
    for _ in range(200):
        core.simulate("w4_bench", p, t, threads=2)
    snap1 = tracemalloc.take_snapshot()
    tracemalloc.stop()
    growth = sum(s.size_diff for s in snap1.compare_to(snap0, "filename"))
    assert growth < 64 * 1024, growth
    before = [sys.getrefcount(p), sys.getrefcount(t)]
    for _ in range(200):
        core.simulate("w4_bench", p, t, threads=1)
    assert [sys.getrefcount(p), sys.getrefcount(t)] == before


JUNK = [None, "abc", {"a": 1}, object(), np.array(["x"]), np.array([1 + 2j]),
        np.array([None], dtype=object)]


@pytest.mark.parametrize("arg, junk",
                         [(a, j) for a in ("params", "t_out") for j in JUNK]
                         + [(a, j) for a in ("y0", "breaks", "inputs")
                            for j in JUNK if j is not None])   # None: the default
def test_junk_arguments_raise_clean_errors(arg, junk):
    kwargs = dict(y0=None, breaks=None, inputs=None)
    params, t_out = [0.5, 0.1, 10.0], np.array([0.0, 1.0, 2.0])
    if arg == "params":
        params = junk
    elif arg == "t_out":
        t_out = junk
    else:
        kwargs[arg] = junk
    with pytest.raises((TypeError, ValueError)):
        core.simulate("linear1", params, t_out, **kwargs)


def test_private_entry_point_rejects_inconsistent_arrays():
    """endorphin._integrate checks shapes itself: no out-of-bounds write even if
    the Python layer were bypassed."""
    from endorphin import _integrate
    y = np.zeros((2, 1, 3))
    args = ["linear1", np.zeros((2, 3)), np.array([0.0, 1.0, 2.0]), 0.0, np.zeros((1, 0)),
            np.zeros((1, 1, 1)), np.zeros((1, 1)), np.array([[7]], dtype=np.int64),
            np.ones((1, 1)), None, np.array([0], dtype=np.int64), 1e-6, 1e-9, 1000, 1,
            y, np.zeros(2, np.int8), np.zeros(2, np.int64), np.zeros(2, np.int64),
            np.zeros(2, np.int64)]
    with pytest.raises(ValueError, match="dose_states"):
        _integrate._simulate(*args)          # state index 7 of a 2-state model
    args[7] = np.array([1, 1], dtype=np.int64)
    with pytest.raises(ValueError, match="dose_states"):
        _integrate._simulate(*args)          # one-dimensional: refused
    args[7] = np.array([[1]], dtype=np.int64)
    args[10] = np.array([5], dtype=np.int64)
    with pytest.raises(ValueError, match="out_idx"):
        _integrate._simulate(*args)
    args[10] = np.array([0], dtype=np.int64)
    args[1] = np.zeros((2, 4))
    with pytest.raises(ValueError, match="params"):
        _integrate._simulate(*args)
    args[1] = np.zeros((3, 3))
    with pytest.raises(ValueError, match="params"):
        _integrate._simulate(*args)
    args[1] = np.ones((2, 3))                # ka = ke = V = 1
    _integrate._simulate(*args)              # consistent: runs
    assert np.isfinite(y).all()


@pytest.mark.parametrize("kwargs, name", [
    (dict(start=0.0, amount=-1.0), "amount"),
    (dict(start=np.nan, amount=1.0), "start"),
    (dict(start=0.0, amount=1.0, lag=-5.0), "lag"),
    (dict(start=0.0, amount=1.0, bioavailability=1.5), "bioavailability"),
    (dict(start=0.0, amount=1.0, times=0), "times"),
    (dict(start=0.0, amount=1.0, times=3), "every"),
    (dict(start=0.0, amount=1.0, times=3, every=-1.0), "every"),
])
def test_dose_schedule_bad_input_names_argument(kwargs, name):
    with pytest.raises(ValueError, match=name):
        core.dose_schedule(**kwargs)


def test_dose_schedule_oral_repeated_matches_superposition():
    """Three oral doses with lag and F against the sum of shifted Bateman curves."""
    ka, ke, V, D, F, lag, tau = 0.05, 0.01, 20.0, 100.0, 0.6, 20.0, 240.0
    times, amounts = core.dose_schedule(0.0, D, every=tau, times=3, lag=lag,
                                        bioavailability=F)
    t = np.linspace(0.0, 1000.0, 201)
    res = core.simulate("linear1", [ka, ke, V], t, doses=(times, ["depot"] * 3, amounts),
                        rtol=1e-10, atol=1e-12, outputs=["conc"])
    ref = np.zeros_like(t)
    for td in times:
        s = np.clip(t - td, 0.0, None)
        ref += F * D * ka / (V * (ka - ke)) * (np.exp(-ke * s) - np.exp(-ka * s))
    np.testing.assert_allclose(res.y[0, 0], ref, rtol=1e-8, atol=1e-10)


def test_zero_length_segment_has_no_effect():
    """Equal breaks: the segment between them lasts no time, so its (huge) input never
    acts; the run equals the one without that segment."""
    p = [0.1, 0.02, 5.0]
    t = np.linspace(0.0, 100.0, 11)
    a = core.simulate("linear1", p, t, breaks=[30.0, 30.0, 60.0],
                      inputs=[[0.0], [1e6], [2.0], [0.0]], rtol=1e-9)
    b = core.simulate("linear1", p, t, breaks=[30.0, 60.0], inputs=[[0.0], [2.0], [0.0]],
                      rtol=1e-9)
    np.testing.assert_array_equal(a.y, b.y)
    assert a.y[0, 0, -1] > 0


def test_riccati_nonlinear_exact_solution():
    """y' = y^2, y(0) = 1: y = 1/(1 - t); error in tolerance units below 5."""
    t = np.linspace(0.0, 0.9, 19)
    for rtol in (1e-5, 1e-8, 1e-11):
        res = core.simulate("riccati", [1.0], t, y0=[1.0], rtol=rtol, atol=0.0)
        exact = 1.0 / (1.0 - t)
        units = np.abs(res.y[0, 0] - exact) / (rtol * exact)
        assert units.max() < 5, (rtol, units.max())


def test_unaligned_and_foreign_byte_order_arrays_are_accepted():
    """Arrays from pickled buffers (Dask workers) can be unaligned or big-endian: the
    engine copies them into aligned native arrays instead of refusing them."""
    p = np.array([0.0, np.log(2) / 60, 10.0])
    buf = np.zeros(p.nbytes + 1, dtype=np.uint8)
    unaligned = np.frombuffer(buf.data, dtype=np.float64, count=3, offset=1)
    unaligned[:] = p
    assert not unaligned.flags.aligned
    t = np.array([0.0, 60.0])
    ref = core.simulate("linear1", p, t, doses=([0.0], ["central"], [100.0]))
    for params in (unaligned, p.astype(">f8")):
        thr = np.frombuffer(np.zeros(9, np.uint8).data, dtype=np.float64, count=1, offset=1)
        r = core.simulate("linear1", params, t, doses=([0.0], ["central"], [100.0]))
        np.testing.assert_array_equal(r.y, ref.y)
        s = core.simulate("linear1", params, [60.0], t0=0.0, summary=True, thresholds=thr,
                          doses=([0.0], ["central"], [100.0]), outputs=["conc"])
        assert s.status[0] == 0
