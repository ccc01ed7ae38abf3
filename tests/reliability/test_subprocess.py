"""Junk calls in subprocesses: every public callable, fed every kind of junk,
raises a Python exception or returns the correct result -- it never crashes.

Each test runs ONE callable's whole battery in a child process (this file run
as a script), which prints ``START <case>`` before each call and a JSON report
at the end; a child killed by a signal or aborted (ASan, a failed assert) is a
failing test naming the case it was running, not a dead test run.

The junk, in every argument position in turn (the other arguments valid):

* every dtype of ``np.typecodes['All']``, and every numeric one in the other
  byte order, filled with random bit patterns (NaN payloads, inf, denormals);
* object arrays, None, strings, bytes, dicts, ragged lists, 0-d arrays,
  size-0 arrays, huge broadcast shapes (with no memory behind them, some
  whose product overflows, some whose byte count wraps size_t);
* the valid value in non-contiguous layouts (reversed, stepped, Fortran,
  read-only) -- the result must then be bitwise the contiguous result;
* for ufuncs: ``out=`` read-only, of the wrong dtype, non-contiguous, and
  the ``dtype=`` keyword.

A call that returns is checked against a reference computed from the same
values in canonical form (native, contiguous, cast to the result's dtype).
``SystemError`` (a C function returned NULL without an exception, or the
reverse) is always a failure; the C entry points must raise one of the clean
exception types below.

To add a callable: add it to the registry of public callables,
tests/_support/registry.py (name -> (callable, valid args, valid kwargs, kind));
``kind`` "ufunc" for NumPy ufuncs, "py" for Python functions.  The total number of cases run is printed by
``test_case_count`` (``pytest -s``) and recorded in the report.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import warnings

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
# this file also runs as a script in a child process (safe-path mode, outside the tree)
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "_support"))
import registry  # noqa: E402

#: exception types that count as a clean refusal from a C entry point
CLEAN = ("TypeError", "ValueError", "MemoryError", "OverflowError", "FloatingPointError",
         "IndexError", "KeyError", "NotImplementedError", "UFuncTypeError",
         "_UFuncNoLoopError", "_UFuncInputCastingError", "_UFuncOutputCastingError",
         "UFuncOutputCastingError", "DrugNotAvailableError", "AxisError",
         "RuntimeWarning", "UserWarning")


# ---------------------------------------------------------------------------
# the registry (tests/_support/registry.py): name -> (callable, args, kwargs, kind)
# ---------------------------------------------------------------------------
def _registry():
    return registry.calls()


def registry_names():
    # the names without importing endorphin's heavy parts in the parent process
    return sorted(_registry())


# ---------------------------------------------------------------------------
# junk values
# ---------------------------------------------------------------------------
def _dtypes():
    """Every dtype of np.typecodes['All'] (with a unit where one is needed), and
    each multi-byte numeric one in the non-native byte order."""
    out = []
    for code in np.typecodes["All"]:
        dt = {"M": "M8[s]", "m": "m8[ms]", "S": "S4", "U": "U4", "V": "V8"}.get(code, code)
        dt = np.dtype(dt)
        if dt not in out:
            out.append(dt)
        if dt.kind in "biufc" and dt.itemsize > 1:
            sw = dt.newbyteorder("S")
            if sw not in out:
                out.append(sw)
    return out


def _garbage(shape, dt: np.dtype, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    n = int(np.prod(shape)) if len(shape) else 1
    if dt.kind == "O":
        vals = [1.5, None, "x", 2, np.nan][: max(n, 1)] * (n // 5 + 1)
        a = np.empty(n, dtype=object)
        a[:] = vals[:n]
        return a.reshape(shape)
    if dt.kind == "U":        # valid code points (NumPy itself refuses invalid UCS4)
        return rng.integers(32, 0x10FFFF, size=n * (dt.itemsize // 4), dtype=np.uint32) \
            .view(dt.newbyteorder("=")).astype(dt).reshape(shape)
    raw = rng.bytes(n * dt.itemsize)
    a = np.frombuffer(raw, dtype=dt).copy().reshape(shape)
    if dt.kind in "fc" and n >= 4:              # and some awkward values for sure
        with np.errstate(all="ignore"):
            a.flat[:4] = np.array([np.nan, np.inf, 5e-324, -0.0]).astype(dt)
    return a


def _layouts(v):
    """The value v (an array) in other layouts, same values."""
    a = np.asarray(v)
    out = []
    if a.ndim == 0 or a.size == 0:
        ro = a.copy()
        ro.flags.writeable = False
        return [("read-only", ro)]
    out.append(("reversed", np.flip(np.flip(a).copy())))
    big = np.zeros(a.shape[:-1] + (3 * a.shape[-1],), dtype=a.dtype)
    big[..., ::3] = a
    out.append(("stepped", big[..., ::3]))
    out.append(("fortran", np.asfortranarray(a)))
    ro = a.copy()
    ro.flags.writeable = False
    out.append(("read-only", ro))
    sw = a.astype(a.dtype.newbyteorder("S"))
    out.append(("byteswapped", sw))
    unal = np.zeros(a.size * a.itemsize + 1, dtype=np.uint8)[1:].view(a.dtype) \
        if a.dtype.kind != "O" else a.copy()
    unal[...] = a.ravel()
    out.append(("unaligned", unal.reshape(a.shape)))
    return out


def _huge(v):
    """Huge broadcast versions of v's shape (no memory behind them)."""
    a = np.asarray(v, dtype=np.float64)
    core = a.shape[-1:] if a.ndim else ()
    cases = [
        ("huge 2**44 elements", np.broadcast_to(np.float64(1.0), (2**44,) + core)),
        ("huge 2**30 x 2**20", np.broadcast_to(np.float64(1.0), (2**30, 2**20) + core)),
        ("huge core (2**61+1)//3, f8", np.broadcast_to(np.float64(1.0), ((2**61 + 1) // 3,))),
        ("huge core 2**60, f4", np.broadcast_to(np.float32(1.0), (2**60,))),
        ("huge core 2**59 x 1", np.broadcast_to(np.float64(1.0), (1, 2**59))),
    ]
    return cases


SCALAR_JUNK = [("None", None), ("str", "3.0"), ("bytes", b"\x00\x01"), ("dict", {"a": 1.0}),
               ("object()", object()), ("ragged list", [[1.0], [1.0, 2.0]]),
               ("empty list", []), ("nan", float("nan")), ("inf", float("inf")),
               ("-inf", -float("inf")), ("negative", -1.0), ("zero", 0.0),
               ("huge int", 10**30), ("bool", True), ("complex", 1 + 2j),
               ("0-d array", np.array(2.0)), ("size-0 array", np.empty(0)),
               ("size-0 2-d", np.empty((0, 3))), ("size-0 core", np.empty((2, 0))),
               ("list of str", ["a", "b"]), ("nested 4-d", np.ones((1, 2, 1, 3))),
               ("denormal", 5e-324), ("negative zero", -0.0),
               ("int64 max", np.int64(2**63 - 1)), ("float32 nan", np.float32("nan"))]


# ---------------------------------------------------------------------------
# the child: run one callable's battery
# ---------------------------------------------------------------------------
def _native(a: np.ndarray, dtype=None) -> np.ndarray:
    """A C-contiguous, aligned, native-byte-order copy (0-d stays 0-d)."""
    dt = a.dtype if dtype is None else np.dtype(dtype)
    return np.array(a, dtype=dt.newbyteorder("="), order="C", copy=True)


def _loop_dtype(f, k: int, result_dtype):
    """Input dtype of argument k in the ufunc loop whose output is result_dtype."""
    for t in f.types:
        ins, out = t.split("->")
        if np.dtype(out) == result_dtype.newbyteorder("="):
            return np.dtype(ins[k])
    return result_dtype


def _same(a, b) -> bool:
    if type(a) is not type(b) and not (isinstance(a, np.ndarray) and isinstance(b, np.ndarray)):
        return False
    if isinstance(a, np.ndarray):
        return a.shape == b.shape and a.dtype.newbyteorder("=") == b.dtype.newbyteorder(
            "=") and np.array_equal(
            a, b, equal_nan=a.dtype.kind in "fc")
    if isinstance(a, tuple):                      # SimResult
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, float):
        return (a == b) or (a != a and b != b)
    return True


def _cases(name, spec):
    """Yield (case name, args, kwargs, reference-or-None)."""
    f, args, kwargs, kind = spec
    positions = [("arg", i) for i in range(len(args))] + [("kw", k) for k in kwargs]
    seed = 0

    def put(where, value):
        a, kw = list(args), dict(kwargs)
        if where[0] == "arg":
            a[where[1]] = value
        else:
            kw[where[1]] = value
        return a, kw

    for where in positions:
        valid = args[where[1]] if where[0] == "arg" else kwargs[where[1]]
        label = f"{where[0]} {where[1]}"
        shape = np.shape(valid) if isinstance(valid, np.ndarray) and np.ndim(valid) else (3,)
        for dt in _dtypes():
            seed += 1
            a, kw = put(where, _garbage(shape, dt, seed))
            yield f"{label} <- dtype {dt.str} garbage", a, kw, "cast"
        for jname, junk in SCALAR_JUNK:
            a, kw = put(where, junk)
            yield f"{label} <- {jname}", a, kw, None
        if isinstance(valid, np.ndarray) or (kind == "ufunc" and np.isscalar(valid)):
            for lname, v in _layouts(valid):
                a, kw = put(where, v)
                yield f"{label} <- {lname}", a, kw, "layout"
        if kind == "ufunc" or isinstance(valid, np.ndarray):
            for hname, v in _huge(valid):
                a, kw = put(where, v)
                yield f"{label} <- {hname}", a, kw, None
    if kind == "ufunc":
        with np.errstate(all="ignore"):
            ref = f(*args)
        ro = np.empty_like(ref)
        ro.flags.writeable = False
        outs = [("out read-only", ro), ("out int64", np.empty(ref.shape, np.int64)),
                ("out float32", np.empty(ref.shape, np.float32)),
                ("out wrong shape", np.empty(ref.shape + (2,))),
                ("out list", [1.0, 2.0]), ("out None", None),
                ("out tuple", (np.empty_like(ref),)), ("out too many", (ref.copy(), ref.copy()))]
        for lname, v in _layouts(ref):
            if lname not in ("read-only",):
                outs.append((f"out {lname}", v))
        for oname, o in outs:
            yield oname, list(args), {"out": o}, "layout" if oname.startswith(
                ("out reversed", "out stepped", "out fortran", "out byteswapped",
                 "out unaligned", "out None", "out tuple", "out float32")) else None
        first = args[0]
        if isinstance(first, np.ndarray) and first.ndim == 1 and f.signature is None:
            yield "out aliases input 0", [first.copy()] + list(args[1:]), {"out": "alias0"}, \
                "layout"
        for dname, d in [("dtype float32", np.float32), ("dtype float64", np.float64),
                         ("dtype int32", np.int32), ("dtype object", object),
                         ("dtype complex", np.complex128), ("dtype str", "S3")]:
            yield dname, list(args), {"dtype": d}, "cast"
        if f.nin >= 2:          # shapes whose broadcast product overflows npy_intp
            big = list(args)
            big[0] = np.broadcast_to(np.float64(1.0), (2**40, 1) + np.shape(args[0])[-1:])
            big[1] = np.broadcast_to(np.float64(1.0), (1, 2**40) + np.shape(args[1])[-2:])
            yield "broadcast shape product overflows", big, {}, None
        yield "too many args", list(args) + [1.0, 1.0, 1.0], {}, None
        yield "too few args", list(args)[:-1], {}, None
        yield "bogus keyword", list(args), {"bogus": 1}, None
        yield "where mask", list(args), {"where": np.array([True, False, True])}, None
        if f.signature is not None:
            yield "axes junk", list(args), {"axes": [(0,), (5,)]}, None


def _reference(f, args, kwargs, kind, result):
    """The result recomputed from canonical inputs, or None when not applicable."""
    if not isinstance(result, (np.ndarray, tuple, float)) or isinstance(result, str):
        return None
    if kind == "cast" and isinstance(result, np.ndarray):
        is_ufunc = isinstance(f, np.ufunc)
        canon = []
        for k, a in enumerate(args):
            if isinstance(a, np.ndarray) and a.dtype.kind in "biuf":
                a = _native(a, _loop_dtype(f, k, result.dtype) if is_ufunc else result.dtype)
            canon.append(a)
        return f(*canon, **kwargs)
    if kind == "layout":
        canon = [_native(a) if isinstance(a, np.ndarray) and a.dtype.kind != "O" else a
                 for a in args]
        kw = {}
        for k, v in kwargs.items():
            if k == "out":
                v = tuple(np.empty_like(_native(o)) for o in v) if isinstance(v, tuple) \
                    else (np.empty_like(_native(v)) if isinstance(v, np.ndarray) else v)
            elif isinstance(v, np.ndarray) and v.dtype.kind != "O":
                v = _native(v)
            kw[k] = v
        return f(*canon, **kw)
    return None


def child(name: str) -> None:
    warnings.simplefilter("ignore")
    reg = _registry()
    f, args, kwargs, kind = reg[name]
    report = {"cases": 0, "returned": 0, "raised": {}, "failures": []}
    for case, a, kw, check in _cases(name, reg[name]):
        print("START", case, flush=True)
        report["cases"] += 1
        alias = isinstance(kw.get("out"), str)
        if alias:                              # out= is input 0 itself
            orig = a[0].copy()
            kw = dict(kw, out=a[0])
        try:
            with np.errstate(all="ignore"):
                res = f(*a, **kw)
        except BaseException as exc:          # noqa: BLE001  (KeyboardInterrupt too)
            t = type(exc).__name__
            report["raised"][t] = report["raised"].get(t, 0) + 1
            if isinstance(exc, SystemError) or (kind == "ufunc" and t not in CLEAN) \
                    or not isinstance(exc, Exception):
                report["failures"].append(f"{case}: unclean {t}: {exc}")
            continue
        report["returned"] += 1
        if check is None:
            continue
        try:
            with np.errstate(all="ignore"):
                if alias:
                    ref = f(orig, *a[1:])
                else:
                    ref = _reference(f, a, kw, check, res)
        except Exception as exc:
            report["failures"].append(f"{case}: returned, but the canonical call raised "
                                      f"{type(exc).__name__}: {exc}")
            continue
        if ref is not None and not _same(res, ref):
            report["failures"].append(f"{case}: result differs from the canonical call")
    print("REPORT", json.dumps(report), flush=True)


# ---------------------------------------------------------------------------
# the parent: pytest
# ---------------------------------------------------------------------------
def run_child(name: str, timeout: float = 240.0):
    env = dict(os.environ, PYTHONWARNINGS="ignore")
    proc = subprocess.run([sys.executable, os.path.abspath(__file__), name],
                          capture_output=True, text=True, timeout=timeout, cwd="/", env=env)
    lines = proc.stdout.splitlines()
    report = None
    last = None
    for line in lines:
        if line.startswith("START "):
            last = line[6:]
        elif line.startswith("REPORT "):
            report = json.loads(line[7:])
    return proc, report, last


HUGE_CORE_SCRIPT = r"""
import sys, numpy as np, endorphin as en
from endorphin import _ufuncs
from numpy.lib.stride_tricks import as_strided
case = sys.argv[1]
if case == "operational_multi":          # 8 * (3 l + 1) wrapped to 16 bytes
    a = np.broadcast_to(1.0, ((2**61 + 1) // 3,))
    en.operational_multi(a, a, a, 1.0)
elif case == "nca":                      # 8 * (2 n + 1) wrapped to 8 bytes (float32 loop)
    c = np.broadcast_to(np.float32(1.0), (2**60,))
    _ufuncs._cmax(c)
elif case == "competitive_occupancy":    # 8 * (l + 3 r l) + r wrapped to 1 byte
    l = 2**59
    out = as_strided(np.zeros(1), shape=(1, l), strides=(0, 0), writeable=True)
    en.competitive_occupancy(np.broadcast_to(1.0, (l,)), np.broadcast_to(1.0, (1, l)), out=out)
"""

if __name__ == "__main__":
    child(sys.argv[1])
else:
    import pytest

    NAMES = registry_names()
    _COUNTS: dict = {}

    @pytest.mark.slow   # one subprocess per callable, thousands of junk cases
    @pytest.mark.parametrize("name", NAMES)
    def test_junk_calls_never_crash(name):
        proc, report, last = run_child(name)
        if proc.returncode != 0 or report is None:
            pytest.fail(f"{name}: the child died (exit code {proc.returncode}) while running "
                        f"case {last!r}\n--- stderr (tail)\n{proc.stderr[-3000:]}")
        _COUNTS[name] = report["cases"]
        assert report["cases"] > 50, report
        assert not report["failures"], "\n".join(report["failures"][:40])

    @pytest.mark.parametrize("case", ["operational_multi", "nca", "competitive_occupancy"])
    def test_huge_core_dimensions_raise_memoryerror(case):
        """Regression (csrc/ufuncs/_ufuncs.c): the gufunc scratch buffers were sized with an
        unchecked size_t product that wrapped around for huge broadcast core dimensions,
        so the loop overran a tiny allocation (SIGSEGV).  Now: MemoryError."""
        proc = subprocess.run([sys.executable, "-c", HUGE_CORE_SCRIPT, case], cwd="/",
                              capture_output=True, text=True, timeout=120)
        assert proc.returncode == 1, (proc.returncode, proc.stderr[-2000:])
        assert "MemoryError" in proc.stderr

    @pytest.mark.slow   # reads the counts of test_junk_calls_never_crash
    def test_case_count():
        """The number of junk cases run (all callables), for the reliability report."""
        if len(_COUNTS) < len(NAMES):
            pytest.skip("run together with test_junk_calls_never_crash")
        total = sum(_COUNTS.values())
        print(f"\njunk-call cases run in subprocesses: {total} over {len(NAMES)} callables")
        assert total > 3000
