"""Reference counts and memory growth of every public C entry point.

Each entry point is called 10^4 times (small arrays, so it stays fast), on a
successful path and on error paths (calls that raise: leaks hide there).
Checked:

* ``sys.getrefcount`` of every input array, of ``out=`` arrays and of the
  model-name string is the same before and after the calls;
* a returned array is referenced only by the caller (no extra reference
  kept by the extension);
* the memory traced by tracemalloc (Python objects and NumPy array data)
  grows by less than 16 KiB over 2000 further calls (any leak of a Python
  object or of array data per call), and the process RSS (which also sees
  the extension's own malloc) by less than 4 MiB over the 10^4 calls; the RSS
  bound is skipped under ASan, whose quarantine holds freed memory on purpose.

Each entry point's main path is called 10^4 times; its variants (out=,
float32 strided) and error paths, and the Python wrappers (core.simulate is
0.3 ms a call; the C entry point underneath gets its 10^4 calls directly),
10^3 times each.

The ufuncs and gufuncs come from the registry of public callables
(tests/_support/registry.py).  To add another entry point, add a case to ``CASES``: a function returning
``(call, arrays_to_watch)`` where ``call()`` performs one call (raising is
fine for error paths: pass ``raises=`` the exception type).
"""
from __future__ import annotations

import gc
import os
import sys
import tracemalloc

import numpy as np
import pytest

import endorphin as en
from endorphin import _engine_tests, _integrate, _ufuncs, core, nca

import registry

N_CALLS = 10_000          # per entry point: refcounts and RSS
N_TRACED = 2_000          # of which traced by tracemalloc (5x slower)
N_VARIANT_CALLS = 1_000   # variants, error paths, Python wrappers (core.simulate: 0.3 ms)
UNDER_ASAN = "asan" in os.environ.get("LD_PRELOAD", "")


def _rss() -> int:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


X = np.array([0.5, 1.0, 3.0])
T = np.array([0.0, 1.0, 2.0, 4.0, 8.0])
C = np.array([0.0, 5.0, 4.0, 2.0, 1.0])


def _ufunc_cases():
    # every ufunc and gufunc of the registry (tests/_support/registry.py)
    elementwise = {name: registry.ufunc_args(name, X.copy()) for name in registry.UFUNC_NAMES}
    cases = {}
    for name, args in elementwise.items():
        f = getattr(_ufuncs, name)
        out = np.array(f(*args))                         # 0-d for the NCA gufuncs
        out32 = f(*[np.asarray(a, np.float32) if isinstance(a, np.ndarray)
                    and a.dtype == np.float64 else a for a in args])
        arrays = [a for a in args if isinstance(a, np.ndarray)]
        cases[f"{name}"] = (lambda f=f, args=args: f(*args), arrays, None, True)
        cases[f"{name} out="] = (lambda f=f, args=args, out=out: f(*args, out=out),
                                 arrays + [out], None, False)
        a32 = [np.asarray(a, np.float32) if isinstance(a, np.ndarray) and a.dtype == np.float64
               else a for a in args]
        cases[f"{name} float32 strided"] = (
            lambda f=f, a32=a32: f(*[a[::-1] if isinstance(a, np.ndarray) and a.ndim else a
                                     for a in a32]),
            [a for a in a32 if isinstance(a, np.ndarray)], None, True)
        # error paths: a junk argument (no loop), a read-only out=, shapes that do not match
        cases[f"{name} junk arg (TypeError)"] = (
            lambda f=f, args=args: f("x", *args[1:]), arrays, TypeError, False)
        ro = np.array(out32)
        ro.flags.writeable = False
        cases[f"{name} read-only out (ValueError)"] = (
            lambda f=f, args=args, ro=ro: f(*args, out=ro), arrays + [ro], ValueError, False)
        if len(args) >= 2:
            bad = list(args)
            bad[0] = np.ones(np.shape(args[0])[:-1] + (7,)) if f.signature \
                else np.ones((4, 1, 7))
            bad[1] = np.ones((5, 1, 1, 6))
            cases[f"{name} shape mismatch (ValueError)"] = (
                lambda f=f, bad=bad: f(*bad), [b for b in bad if isinstance(b, np.ndarray)],
                ValueError, False)
    return cases


def _engine_args(y=None):
    params = np.array([[0.1, 0.02, 5.0], [0.2, 0.03, 4.0]])
    t_out = np.array([0.0, 10.0, 20.0])
    n = 2
    args = ["linear1", params, t_out, 0.0, np.array([[5.0]]), np.zeros((1, 2, 1)),
            np.array([[0.0]]), np.array([[0]], dtype=np.int64), np.array([[10.0]]), None,
            np.array([0, 1], dtype=np.int64), 1e-6, 1e-9, 10_000, 1,
            np.empty((n, 2, 3)) if y is None else y, np.zeros(n, np.int8),
            np.zeros(n, np.int64), np.zeros(n, np.int64), np.zeros(n, np.int64)]
    return args


def _engine_cases():
    # The argument lists are passed as ready tuples: f(*a) with a list builds a new
    # 20-tuple per call, and CPython's tuple free list then shows up in tracemalloc.
    cases = {}
    args = tuple(_engine_args())
    arrays = [a for a in args if isinstance(a, np.ndarray)]
    cases["_integrate._simulate"] = (lambda: _integrate._simulate(*args), arrays, None, False)
    args2 = args + (0.0, 2, np.zeros(2, np.int64), np.zeros(2, np.int8),
                          np.empty((2, 2, 6)), np.zeros(2), 0)
    arrays2 = [a for a in args2 if isinstance(a, np.ndarray)]
    cases["_integrate._simulate auto+summary"] = (lambda: _integrate._simulate(*args2),
                                                  arrays2, None, False)
    bad = list(args)
    bad[10] = np.array([0, 5], dtype=np.int64)                   # out_idx out of range
    bad = tuple(bad)
    cases["_integrate._simulate bad out_idx (ValueError)"] = (
        lambda: _integrate._simulate(*bad), [a for a in bad if isinstance(a, np.ndarray)],
        ValueError, False)
    bad2 = list(args)
    bad2[16] = np.zeros(3, np.int8)                              # status of the wrong size
    bad2 = tuple(bad2)
    cases["_integrate._simulate bad status (ValueError)"] = (
        lambda: _integrate._simulate(*bad2), [a for a in bad2 if isinstance(a, np.ndarray)],
        ValueError, False)
    bad3 = list(args)
    bad3[1] = [[0.1, 0.02, 5.0]]                                 # not an array
    bad3 = tuple(bad3)
    cases["_integrate._simulate list params (TypeError)"] = (
        lambda: _integrate._simulate(*bad3), [a for a in bad3 if isinstance(a, np.ndarray)],
        TypeError, False)
    bad4 = ("nope",) + args[1:]
    cases["_integrate._simulate unknown model (ValueError)"] = (
        lambda: _integrate._simulate(*bad4), arrays, ValueError, False)

    y = np.array([1.0, 2.0])
    p = np.array([0.1, 0.02, 5.0])
    u = np.array([0.5])
    cases["_engine_tests._evaluate"] = (lambda: _engine_tests._evaluate("linear1", 0.0, y, p, u),
                                     [y, p, u], None, True)
    pe = en.model.default_parameters()
    ue = np.zeros(len(core.models["endorphin"].inputs))
    cases["_engine_tests._evaluate init"] = (
        lambda: _engine_tests._evaluate("endorphin", 0.0, None, pe, ue), [pe, ue], None, True)
    cases["_engine_tests._evaluate no init (ValueError)"] = (
        lambda: _engine_tests._evaluate("linear1", 0.0, None, p, u), [p, u], ValueError, False)
    cases["_engine_tests._evaluate wrong p (ValueError)"] = (
        lambda: _engine_tests._evaluate("linear1", 0.0, y, y, u), [y, u], ValueError, False)
    cases["_engine_tests._jacobian"] = (lambda: _engine_tests._jacobian("linear1", 0.0, y, p, u),
                                     [y, p, u], None, True)
    cases["_engine_tests._jacobian unknown model (ValueError)"] = (
        lambda: _engine_tests._jacobian("nope", 0.0, y, p, u), [y, p, u], ValueError, False)
    cases["_integrate._models (list of 14 tuples)"] = (_integrate._models, [], None, True)
    cases["_ufuncs._simd_isa"] = (_ufuncs._simd_isa, [], None, True)

    # the public wrappers over the C code
    params = np.array([0.1, 0.02, 5.0])
    t_out = np.array([0.0, 10.0, 20.0])
    cases["core.simulate"] = (lambda: core.simulate("linear1", params, t_out, threads=1,
                                                    doses=([0.0], [0], [10.0])),
                              [params, t_out], None, False)
    cases["core.simulate bad params (ValueError)"] = (
        lambda: core.simulate("linear1", params[:2], t_out), [params, t_out], ValueError,
        False)
    cases["nca.auc"] = (lambda: nca.auc(T, C), [T, C], None, False)
    cases["nca.half_life"] = (lambda: nca.half_life(T, C), [T, C], None, False)
    # the batched fitter: the C entry point and the wrapper
    from endorphin import _fit
    xd = np.array([0.1, 0.3, 1.0, 3.0, 10.0, 30.0])
    yd = np.array([[0.05, 0.1, 0.5, 0.8, 0.95, 1.0], [0.0, 0.2, 0.4, 0.7, 0.9, 1.1]])
    fit_calls = []
    orig = _fit._fit

    def spy(*a):
        fit_calls.append(a)
        return orig(*a)
    _fit._fit = spy
    try:
        en.fit_dose_response(xd, yd, threads=1)
    finally:
        _fit._fit = orig
    fargs = fit_calls[0]                    # the arguments the wrapper passes, as a tuple
    cases["_fit._fit"] = (lambda: _fit._fit(*fargs), [a for a in fargs
                                                      if isinstance(a, np.ndarray)], None,
                          True)
    fbad = (fargs[0], fargs[1][:, :3]) + fargs[2:]          # x, y lengths disagree
    cases["_fit._fit bad shapes (ValueError)"] = (
        lambda: _fit._fit(*fbad), [a for a in fbad if isinstance(a, np.ndarray)],
        (ValueError, TypeError), False)
    cases["fit_dose_response"] = (lambda: en.fit_dose_response(xd, yd, threads=1),
                                  [xd, yd], None, False)
    cases["nca.auc bad t (ValueError)"] = (lambda: nca.auc(T[::-1], C), [T, C], ValueError,
                                           False)
    return cases


with np.errstate(all="ignore"):
    CASES = {**_ufunc_cases(), **_engine_cases()}


@pytest.mark.parametrize("name", sorted(CASES))
def test_refcounts_and_memory_are_stable(name):
    call, arrays, raises, fresh_result = CASES[name][:4]
    # 10^4 calls of each C entry point's main path; 10^3 of each variant and error path
    n_calls = N_CALLS if " " not in name and not name.startswith(("core.", "nca.", "fit_")) \
        else N_VARIANT_CALLS
    name_obj = "linear1"

    def once():
        if raises is None:
            return call()
        try:
            call()
        except raises:
            return None
        raise AssertionError(f"{name}: expected {raises}")

    errstate = np.errstate(all="ignore")
    errstate.__enter__()
    for _ in range(200):                                 # warm caches, interned objects
        once()
    gc.collect()          # once: the calls make no reference cycles, and a full
    gc.disable()          # collection of the test process's heap costs ~50 ms
    before = [sys.getrefcount(a) for a in arrays]
    name_before = sys.getrefcount(name_obj)
    none_before = sys.getrefcount(None) if sys.version_info < (3, 12) else 0
    rss0 = _rss()
    res = None
    for _ in range(n_calls):
        res = once()
    rss1 = _rss()
    if fresh_result and res is not None:
        # referenced by `res` (and its tuple) and getrefcount's argument only; counted
        # outside assert statements, whose rewriting by pytest holds references
        if isinstance(res, tuple):
            counts = [sys.getrefcount(o) for o in res if isinstance(o, np.ndarray)]
            expected = [3] * len(counts)
        else:
            counts, expected = [sys.getrefcount(res)], [2]
        assert counts == expected, f"{name}: result refcounts {counts}"
    res = None          # (an out= array or t_out is returned: drop that reference)
    # CPython 3.11 pushes freed 20-tuples onto its free list but never pops them (up to
    # 2,000, 200 B each): a model with 20 inputs would show 200 B a call that is no leak.
    # Fill that list first (a freed 19- or 21-tuple is reused; a 20-tuple is not).
    _filled = [tuple([None] * 20) for _ in range(2000)]
    del _filled
    tracemalloc.start()
    once()
    gc.collect(1)         # young generations only (cheap): exceptions make cycles
    snap0 = tracemalloc.take_snapshot()
    for _ in range(N_TRACED if n_calls == N_CALLS else n_calls // 5):
        once()
    gc.collect(1)
    snap1 = tracemalloc.take_snapshot()
    tracemalloc.stop()
    errstate.__exit__(None, None, None)
    gc.enable()
    after = [sys.getrefcount(a) for a in arrays]
    assert after == before, f"{name}: input refcounts {before} -> {after}"
    assert sys.getrefcount(name_obj) == name_before
    if sys.version_info < (3, 12):                       # None is immortal from 3.12 on
        # None is passed and returned everywhere; a missing Py_INCREF shows here
        assert abs(sys.getrefcount(None) - none_before) < 50, "refcount of None drifted"
    stats = snap1.compare_to(snap0, "filename")
    growth = sum(s.size_diff for s in stats)
    assert growth < 16 * 1024, f"{name}: tracemalloc growth {growth} B"
    if not UNDER_ASAN:
        assert rss1 - rss0 < 4 * 2**20, f"{name}: RSS grew by {(rss1 - rss0) / 2**20:.1f} MiB"
