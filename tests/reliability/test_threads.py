"""Thread safety: 8 Python threads calling the ufuncs and the engine at once get
bitwise the results of sequential calls.

The ufunc loops run without the GIL (NumPy releases it for non-object loops)
and the engine releases it for the whole integration and runs its own worker
threads, so concurrent calls really overlap.  A barrier starts the threads
together; each thread runs its own mix of calls several times, on inputs of
its own (different values per thread, so a shared scratch buffer would show).
"""
from __future__ import annotations

import threading

import numpy as np

import endorphin as en
from endorphin import _ufuncs, core

import registry

N_THREADS = 8
ROUNDS = 20


def _ufunc_calls(k: int):
    """(label, thunk) pairs; k makes the values differ between threads."""
    rng = np.random.default_rng(100 + k)
    c = rng.lognormal(0.0, 2.0, 20_000)                       # > ENDO_VBLOCK: many blocks
    c32 = c.astype(np.float32)[::-1]
    conc = rng.lognormal(0.0, 1.0, (500, 3))
    K = rng.lognormal(0.0, 1.0, (2, 3))
    t = np.cumsum(rng.uniform(0.1, 1.0, (200, 12)), axis=1)
    prof = rng.uniform(0.0, 10.0, (200, 12))
    e = 1.0 + k / 10
    return [
        ("hill", lambda: en.hill(c, e, 3.0, 1.7)),
        ("hill f4 reversed", lambda: en.hill(c32, np.float32(e), np.float32(3.0),
                                             np.float32(1.7))),
        ("ll5", lambda: en.ll5(c, 1.3, 0.1, e, 3.0, 0.7)),
        ("operational", lambda: en.operational(c, 3.0, e, 1.0, 1.7)),
        ("hill_inverse", lambda: en.hill_inverse(c % e, e, 3.0, 1.7)),
        ("competitive_occupancy", lambda: en.competitive_occupancy(conc, K)),
        ("competitive_occupancy strided", lambda: en.competitive_occupancy(conc[::2], K * e)),
        ("operational_multi", lambda: en.operational_multi(conc, K[0], np.array([4.0, e, 1.0]),
                                                           1.5)),
        ("ll4_jac", lambda: en.ll4_jac(c[:3000], 1.3, 0.1, e, 3.0)),
        ("auc", lambda: _ufuncs._auc_linlog(t, prof)),
        ("half_life", lambda: _ufuncs._half_life(t, prof + 0.1, np.intp(4))),
    ] + [
        # and every ufunc of the registry (tests/_support/registry.py); the elementwise
        # ones on this thread's own values
        (f"registry {name}",
         lambda f=registry.ufunc(name), a=registry.ufunc_args(
             name, c[:1000] if registry.UFUNC_CORES[name][0] == "" else None): f(*a))
        for name in registry.UFUNC_NAMES
    ]


def _engine_calls(k: int):
    ka = np.linspace(0.05, 0.5, 64) * (1 + k / 20)
    p = np.column_stack([ka, np.full(64, 0.02), np.full(64, 5.0)])
    t = np.linspace(0.0, 300.0, 31)
    pe = np.tile(en.model.default_parameters(), (4, 1))
    pe[:, 48] = 30.0 + k                                      # t_half_plasma
    te = np.linspace(0.0, 240.0, 9)
    x_dose = np.geomspace(0.1, 100.0, 8)
    y_dose = en.ll4(x_dose, 1.2, 0.05, np.linspace(0.8, 1.2, 16)[:, None], 3.0)
    return [
        ("core linear1", lambda: core.simulate("linear1", p, t, threads=2,
                                               doses=([0.0, 100.0], [0, 0], [10.0, 5.0])).y),
        ("core linear2 stiff", lambda: core.simulate(
            "linear2", np.column_stack([ka, np.full((64, 3), 0.03), np.full(64, 4.0)]), t,
            method="stiff", threads=1, doses=([0.0], [0], [10.0])).y),
        ("fit_dose_response", lambda: en.fit_dose_response(
            x_dose, y_dose * (1 + k / 50), threads=2).params),
        ("model.simulate", lambda: en.model.simulate(
            pe, te, segments=[("exercise", 30.0, 60.0, 0.8)], threads=1).y),
    ]


def _run_concurrently(make_calls):
    per_thread = [make_calls(k) for k in range(N_THREADS)]
    with np.errstate(all="ignore"):
        expected = [[np.array(f()) for _, f in calls] for calls in per_thread]
    got = [[None] * len(c) for c in per_thread]
    errors = []
    barrier = threading.Barrier(N_THREADS)

    def work(k):
        try:
            barrier.wait()
            with np.errstate(all="ignore"):
                for r in range(ROUNDS):
                    calls = per_thread[k]
                    # each round a different order, so different calls overlap
                    order = np.random.default_rng(k * 1000 + r).permutation(len(calls))
                    for i in order:
                        res = np.array(calls[i][1]())
                        if got[k][i] is None or r == ROUNDS - 1:
                            got[k][i] = res
                        if not np.array_equal(res, expected[k][i], equal_nan=True) \
                                or res.dtype != expected[k][i].dtype:
                            errors.append(f"thread {k} round {r}: {calls[i][0]} differs")
        except Exception as exc:                    # pragma: no cover - reported below
            errors.append(f"thread {k}: {type(exc).__name__}: {exc}")

    threads = [threading.Thread(target=work, args=(k,)) for k in range(N_THREADS)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(timeout=120)
    assert not any(th.is_alive() for th in threads), "a thread hung"
    assert not errors, "\n".join(errors[:20])


def test_ufuncs_from_8_threads_are_bitwise_sequential():
    _run_concurrently(_ufunc_calls)


def test_engine_from_8_threads_is_bitwise_sequential():
    _run_concurrently(_engine_calls)


def test_mixed_ufuncs_and_engine_from_8_threads():
    """Half the threads in the engine (GIL released for long stretches), half in
    the ufuncs, at the same time."""
    def calls(k):
        return _engine_calls(k)[:1] if k % 2 else _ufunc_calls(k)[:4]
    _run_concurrently(calls)
