"""Coverage-guided fuzz harness (atheris) for endorphin's C entry points.

Each input is decoded by ``decode()`` into one call:

* a ufunc or gufunc of ``endorphin._ufuncs`` (public and the private NCA ones)
  with arrays of an arbitrary dtype (every numeric dtype, both byte orders,
  complex, bool, object, strings), arbitrary shapes (0-d, size 0, broadcast,
  shapes matching the core dimensions or not), arbitrary bit patterns
  (NaN payloads, infinities, denormals), non-contiguous layouts (reversed,
  stepped) and an optional ``out=`` (read-only or not);
* ``endorphin.core.simulate`` on a small model with arbitrary parameters,
  times, breaks, inputs and doses;
* the private ``endorphin._integrate._simulate`` with arbitrary arrays
  (it must check them itself: never trust a private entry point);
* ``endorphin.fit_dose_response`` (then ``ed`` and ``predict``) with arbitrary
  data, models and options, and the private ``endorphin._fit._fit`` with
  arbitrary arrays and integers.

Any Python exception is an acceptable answer; a crash (SIGSEGV, abort, an
ASan report) is a finding.  For float32/float64 ufunc calls the harness also
checks an invariant: the result does not depend on the memory layout of the
inputs (bitwise, NaN == NaN), so silent wrong answers from stride handling
are findings too.

Run with tools/qa/fuzz/run.sh SECONDS (builds an instrumented copy of the
extension).  ``python fuzz_endorphin.py --replay FILE...`` replays inputs
without atheris (what tests/reliability/test_regressions.py does);
``--random-fit N SEED`` runs N deterministic random inputs of the fitter's
targets (also a test, so it runs under the sanitizers in CI).
"""
from __future__ import annotations

import os
import sys
import warnings
from pathlib import Path

import numpy as np

# the ufuncs, engine and numbers behind them
DTYPES = ["f8", "f4", "f2", ">f8", ">f4", "<f8", "i1", "i2", "i4", ">i8", "u1", "u2",
          "u4", "u8", "?", "g", "c16", ">c8", "O", "U3", "S2", "M8[s]", "m8[ms]", "V8"]

# name -> core-dims spec per input (letters, "" = scalar core): the registry of public
# callables, tests/_support/registry.py (its sorted names index the kept corpus)
sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "tests" / "_support"))
from registry import UFUNC_CORES, UFUNC_NAMES  # noqa: E402

ENGINE_MODELS = ["linear1", "linear2", "riccati", "lotka_volterra", "robertson",
                 "stiff_pk", "w4_bench", "endorphin"]


class Bytes:
    """A tiny FuzzedDataProvider that also works without atheris (replay)."""

    def __init__(self, data: bytes):
        self.data = data
        self.pos = 0

    def take(self, n: int) -> bytes:
        b = self.data[self.pos:self.pos + n]
        self.pos += len(b)
        return b + bytes(n - len(b))

    def int(self, n: int) -> int:
        """An integer in [0, n)."""
        if n <= 1:
            return 0
        return int.from_bytes(self.take(2), "little") % n

    def flag(self) -> bool:
        return bool(self.int(2))

    def float(self) -> float:
        """A float64 from a table of awkward values or from raw bits."""
        k = self.int(16)
        table = [0.0, -0.0, 1.0, -1.0, np.nan, np.inf, -np.inf, 5e-324, 1e-310,
                 1e308, -1e308, 0.5, 3.0, 1e-9]
        if k < len(table):
            return table[k]
        return float(np.frombuffer(self.take(8), dtype="<f8")[0])

    def array(self, shape, dtype) -> np.ndarray:
        dt = np.dtype(dtype)
        size = int(np.prod(shape)) if len(shape) else 1
        if dt.kind == "O":
            vals = [self.float() if self.flag() else None for _ in range(size)]
            return np.array(vals + [None], dtype=object)[:size].reshape(shape)
        if dt.kind in "fc" and self.flag():
            # mostly "interesting" floats, converted to the dtype
            with np.errstate(all="ignore"):
                return np.array([self.float() for _ in range(size)]).astype(dt).reshape(shape)
        raw = self.take(size * dt.itemsize)
        return np.frombuffer(raw, dtype=dt).copy().reshape(shape)


def layout(b: Bytes, a: np.ndarray) -> np.ndarray:
    """The same values in another memory layout (same shape)."""
    k = b.int(5)
    if k == 0 or a.ndim == 0 or a.size == 0:
        return a
    if k == 1:                               # reversed (negative strides)
        return np.flip(np.flip(a).copy())
    if k == 2:                               # every other element of a bigger buffer
        big = np.empty(a.shape[:-1] + (2 * a.shape[-1],), dtype=a.dtype)
        big[..., ::2] = a
        return big[..., ::2]
    if k == 3:                               # Fortran order
        return np.asfortranarray(a)
    ro = a.copy()                            # read-only
    ro.flags.writeable = False
    return ro


def shape_for(b: Bytes, core: str, sizes: dict) -> tuple:
    loop = tuple(b.int(4) for _ in range(b.int(3)))
    coreshape = []
    for letter in core:
        if b.int(8) == 0:
            coreshape.append(b.int(5))       # deliberately (maybe) mismatched
        else:
            coreshape.append(sizes[letter])
    return loop + tuple(coreshape)


def fuzz_ufunc(b: Bytes) -> None:
    import endorphin._ufuncs as uf
    name = UFUNC_NAMES[b.int(len(UFUNC_NAMES))]
    f = getattr(uf, name)
    sizes = {"l": b.int(5), "r": b.int(4), "n": b.int(7)}
    args = []
    for k, core in enumerate(UFUNC_CORES[name]):
        if b.int(10) == 0:                   # a non-array argument
            args.append([None, "x", 2.5, 3, True, [1.0, 2.0], b"\x00"][b.int(7)])
            continue
        dtype = DTYPES[0] if b.int(3) else DTYPES[b.int(len(DTYPES))]
        if name == "_half_life" and k == 2 and b.int(4):
            dtype = "intp"
        args.append(b.array(shape_for(b, core, sizes), dtype))
    kwargs = {}
    if b.int(4) == 0:
        kwargs["dtype"] = [np.float32, np.float64, np.int32, object][b.int(4)]
    arrays = [a for a in args if isinstance(a, np.ndarray)]
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            ref = f(*args, **kwargs)
    except Exception:
        ref = None
    # the same values in other layouts, maybe with out=
    moved = [layout(b, a) if isinstance(a, np.ndarray) else a for a in args]
    if ref is not None and isinstance(ref, np.ndarray) and b.flag():
        out = layout(b, np.full_like(ref, np.nan) if ref.dtype.kind == "f"
                     else np.zeros_like(ref))
        kwargs["out"] = out
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            got = f(*moved, **kwargs)
    except Exception:
        return
    if ref is not None and isinstance(ref, np.ndarray) and ref.dtype.kind == "f" \
            and all(a.dtype.kind in "fiub" for a in arrays):
        if got.shape != ref.shape or not np.array_equal(got, ref, equal_nan=True):
            raise AssertionError(f"{name}: result depends on the memory layout")


def fuzz_engine(b: Bytes) -> None:
    import endorphin._engine_tests  # noqa: F401  (registers the engine's test models)
    from endorphin import core
    mname = ENGINE_MODELS[b.int(len(ENGINE_MODELS))]
    m = core.models[mname]
    P, S, U = len(m.params), len(m.states), len(m.inputs)
    n = b.int(4)
    params = b.array((n, P) if b.int(6) else (P + b.int(3) - 1,), "f8" if b.int(6) else
                     DTYPES[b.int(len(DTYPES))])
    if mname == "endorphin" and b.int(4):
        from endorphin.model import default_parameters
        params = np.tile(default_parameters(), (max(n, 1), 1))
    params = np.abs(params) if params.dtype.kind == "f" and b.flag() else params
    T = b.int(6)
    t_out = np.sort(np.abs(b.array((T,), "f8"))) % 240.0 if b.flag() else b.array((T,), "f8")
    kw = dict(rtol=[1e-6, 1e-3, 1e-10, b.float()][b.int(4)], max_steps=b.int(2000) + 1,
              threads=b.int(4) + 1, method=["explicit", "tsit5", "stiff", "auto"][b.int(4)])
    if b.int(3) == 0:
        B = b.int(3)
        kw["breaks"] = np.sort(b.array((B,), "f8"))
        kw["inputs"] = b.array((B + 1, U) if b.int(5) else (B + b.int(3), U + b.int(3)), "f8")
    if b.int(3) == 0:
        D = b.int(3)
        kw["doses"] = (b.array((D,), "f8"), b.array((D,), "i8") % max(S, 1) if b.int(5)
                       else b.array((D,), "i8"), b.array((D,), "f8"))
    if b.int(4) == 0:
        kw["y0"] = b.array((S,) if b.int(4) else (S + 1,), "f8")
    if b.int(4) == 0:
        kw["summary"] = True
    if b.int(5) == 0:
        kw["fixed_step"] = b.float()
    if b.int(5) == 0:
        kw["outputs"] = [m.outputs[b.int(len(m.outputs))], "nope"][b.int(2)]
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        try:
            core.simulate(mname, params, t_out, **kw)
        except Exception:
            pass


def fuzz_private_engine(b: Bytes) -> None:
    """endorphin._integrate._simulate with arbitrary arrays: it must check them."""
    from endorphin import _integrate

    def arr(ndim_hint):
        dt = ["f8", "f8", "f8", "i8", "i1", "f4", ">f8"][b.int(7)]
        shape = tuple(b.int(4) for _ in range(ndim_hint if b.int(4) else b.int(4)))
        a = b.array(shape, dt)
        return layout(b, a) if b.int(4) == 0 else a

    mname = ENGINE_MODELS[b.int(len(ENGINE_MODELS))]
    args = [mname if b.int(8) else "nope", arr(2), arr(1), b.float(), arr(2), arr(3),
            arr(2), arr(2), arr(2), None if b.flag() else arr(2), arr(1),
            [1e-6, b.float()][b.int(2)], [1e-9, b.float()][b.int(2)], b.int(3000) - 10,
            b.int(5) - 1, arr(3), arr(1), arr(1), arr(1), arr(1)]
    if b.flag():
        args += [[0.0, b.float()][b.int(2)], b.int(4) - 1, arr(1), arr(1),
                 None if b.flag() else arr(3), arr(1), b.int(2)]
    # sensible dtypes for the index arrays most of the time, so the run goes deeper
    if b.int(3):
        args[7] = np.abs(args[7].astype(np.int64)) % 2
        args[10] = np.abs(args[10].astype(np.int64)) % 2
    try:
        _integrate._simulate(*args)
    except Exception:
        pass


def fuzz_fit(b: Bytes) -> None:
    """endorphin.fit_dose_response with arbitrary data, models, weights, fixed
    parameters, bounds and options; curves that are flat, tiny, NaN-ridden or huge."""
    import endorphin as en
    model = ["ll4", "ll5", "hill", "emax", "nope"][b.int(5)]
    batch = tuple(b.int(3) for _ in range(b.int(3)))
    n = b.int(12)
    dt = "f8" if b.int(5) else DTYPES[b.int(len(DTYPES))]
    x = b.array(batch + (n,) if b.int(5) else (n + b.int(3),), dt)
    y = b.array(batch + (n,), "f8" if b.int(6) else dt)
    if b.flag() and x.dtype.kind == "f":
        x = np.abs(x)
    if b.int(3) == 0:
        x, y = layout(b, x), layout(b, y)
    kw = {}
    names = {"ll4": "bcde", "ll5": "bcdef", "hill": "bde", "emax": "cde"}.get(model, "bcde")
    if b.int(4) == 0:
        kw["weights"] = b.array(y.shape if b.int(4) else (n + 1,), "f8")
    if b.int(4) == 0:
        kw["fixed"] = {names[b.int(len(names))]: b.float()}
    if b.int(4) == 0:
        kw["bounds"] = {names[b.int(len(names))]: (b.float(), b.float())}
    if b.int(4) == 0:
        kw["p0"] = {names[b.int(len(names))]: b.float()}
    if b.int(3) == 0:
        kw["max_iter"] = b.int(300) - 2
    if b.int(4) == 0:
        kw["ec50_range"] = b.float()
    if b.int(4) == 0:
        kw["threads"] = b.int(4)
    try:
        r = en.fit_dose_response(x, y, model=model, **kw)
        r.ed(b.float())
        r.predict(b.array((b.int(4),), "f8"))
    except Exception:
        pass


def fuzz_private_fit(b: Bytes) -> None:
    """endorphin._fit._fit with arbitrary arrays and integers: it must check them."""
    from endorphin import _fit

    def arr(shape):
        dt = ["f8", "f8", "f8", "i8", "f4", ">f8", "O"][b.int(7)]
        a = b.array(shape, dt)
        return layout(b, a) if b.int(4) == 0 else a

    n = b.int(10)
    C = b.int(4)
    P = b.int(7)
    args = [arr((C, n)), arr((C, n if b.int(5) else n + 1)), arr((C, n)), arr((C, P)),
            b.int(8) - 2, b.int(64), arr((P,)), arr((P,)), b.float(), b.int(400) - 5,
            b.float(), b.float(), b.int(3) - 1, b.int(6) - 1]
    if b.int(6) == 0:
        args[2] = None
    try:
        _fit._fit(*args)
    except Exception:
        pass


TARGETS = [fuzz_ufunc, fuzz_ufunc, fuzz_ufunc, fuzz_engine, fuzz_private_engine]
# The fitter's targets take the selector values 50000..59999 (15 % of inputs); the rest
# map to TARGETS as before they existed, so the stored inputs replay unchanged.
FIT_TARGETS = [fuzz_fit, fuzz_private_fit]


def pick_target(b: Bytes):
    sel = b.int(65536)
    if 50000 <= sel < 60000:
        return FIT_TARGETS[sel % len(FIT_TARGETS)]
    return TARGETS[sel % len(TARGETS)]


def one_input(data: bytes) -> None:
    b = Bytes(data)
    target = pick_target(b)
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        target(b)


def replay(paths) -> int:
    for p in paths:
        with open(p, "rb") as fh:
            one_input(fh.read())
    return len(paths)


def random_fit_inputs(n: int, seed: int) -> int:
    """``n`` pseudo-random inputs aimed at the fitter's targets (no coverage guidance):
    a cheap, deterministic sweep that the test suite runs under the sanitizers."""
    import random
    rng = random.Random(seed)
    for _ in range(n):
        sel = rng.randrange(50000, 60000).to_bytes(2, "little")
        one_input(sel + bytes(rng.randrange(256) for _ in range(rng.randrange(400))))
    return n


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--replay":
        n = replay(sys.argv[2:])
        print(f"replayed {n} inputs")
        return
    if len(sys.argv) > 1 and sys.argv[1] == "--random-fit":
        n = random_fit_inputs(int(sys.argv[2]), int(sys.argv[3]))
        print(f"ran {n} random fitter inputs")
        return
    import atheris
    with atheris.instrument_imports(include=["endorphin"]):
        import endorphin  # noqa: F401
        import endorphin.core  # noqa: F401
    os.environ.setdefault("ENDORPHIN_FUZZING", "1")
    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
