"""Junk calls: every public callable, fed wrong types, raises -- never crashes.

The callables come from the registry of public callables
(tests/_support/registry.py): add each new public callable there with one valid
call; the tests replace each argument in turn by junk
and require a TypeError (or ValueError for wrong shapes).  NumPy's own
test_junk_calls.py is the model (NumPy PR #24175).
"""
import datetime

import numpy as np
import pytest

import endorphin as en
import registry

# name -> (callable, valid positional arguments): the public ufuncs of the registry
# (tests/_support/registry.py), with one override below
def _public_ufuncs():
    out = {name: (registry.ufunc(name), registry.ufunc_args(name, np.array([1.0, 3.0])))
           for name in registry.PUBLIC_UFUNC_NAMES}
    # (l),(l),(l),()->(): K carries a loop dimension of 3, so that a 4-vector in the
    # last slot (test_ufunc_wrong_arity_and_keywords) is a loop-dimension mismatch
    out["operational_multi"] = (en.operational_multi,
                                (np.array([1.0, 2.0, 3.0]), np.full((3, 3), 2.0),
                                 np.array([4.0, 0.0, 1.0]), 1.7))
    return out


PUBLIC_UFUNCS = _public_ufuncs()
GUFUNC_NAMES = sorted(n for n, (f, _) in PUBLIC_UFUNCS.items() if f.signature is not None)

JUNK = {
    "None": None,
    "str": "3.0",
    "bytes": b"\x00\x01",
    "dict": {"c": 1.0},
    "object array": np.array([1.0, None], dtype=object),
    "str array": np.array(["a", "b"]),
    "complex": np.array([1 + 2j, 3.0]),
    "datetime64": np.array(["2026-01-01", "2026-01-02"], dtype="datetime64[D]"),
    "timedelta64": np.array([1, 2], dtype="timedelta64[s]"),
    "structured": np.zeros(2, dtype=[("a", "f8"), ("b", "f8")]),
    "void": np.zeros(2, dtype="V8"),
    "python date": datetime.date(2026, 1, 1),
    "object": object(),
}


@pytest.mark.parametrize("junk", sorted(JUNK))
@pytest.mark.parametrize("name", sorted(PUBLIC_UFUNCS))
def test_ufunc_junk_arguments_raise_typeerror(name, junk):
    func, valid = PUBLIC_UFUNCS[name]
    for pos in range(len(valid)):
        args = list(valid)
        args[pos] = JUNK[junk]
        with pytest.raises(TypeError):
            func(*args)


@pytest.mark.parametrize("name", sorted(PUBLIC_UFUNCS))
def test_ufunc_wrong_arity_and_keywords(name):
    func, valid = PUBLIC_UFUNCS[name]
    with pytest.raises(TypeError):
        func(*valid[:-1])
    with pytest.raises(TypeError):
        func(*valid, np.empty(2), np.empty(2))           # too many outputs
    with pytest.raises(TypeError):
        func(*valid, bogus_keyword=1)
    with pytest.raises(ValueError):
        func(*((np.ones(3),) + tuple(valid[1:-1]) + (np.ones(4),)))  # shapes do not broadcast


@pytest.mark.parametrize("name", sorted(PUBLIC_UFUNCS))
@pytest.mark.parametrize("dtype", ["f2", "f4", "f8", ">f8", "<f4", "i1", "u8", "bool", "longdouble"])
def test_ufunc_any_numeric_dtype_does_not_crash(name, dtype):
    """Garbage bit patterns in every numeric dtype (dask's dtype probe does this)."""
    func, valid = PUBLIC_UFUNCS[name]
    garbage = np.frombuffer(np.random.default_rng(0).bytes(64), dtype=np.uint8)
    arr = garbage.view(np.dtype(dtype).newbyteorder("=") if dtype[0] in "<>" else dtype)
    arr = arr.astype(np.dtype(dtype)) if dtype[0] in "<>" else arr
    if func.signature is not None:
        # a gufunc: garbage in the shape of the first argument's core dimensions
        first = np.asarray(valid[0])
        arr = arr[:first.size].reshape(first.shape)
        expected_shape = func(*valid).shape
    else:
        expected_shape = arr.shape
    with np.errstate(all="ignore"):
        try:
            r = func(arr, *valid[1:])
        except TypeError:
            # longdouble -> float64 is not a safe cast: NumPy refuses, which is fine
            assert np.dtype(dtype) == np.dtype("longdouble")
            return
    assert r.shape == expected_shape


@pytest.mark.parametrize("name", GUFUNC_NAMES)
def test_gufunc_wrong_core_sizes_raise_valueerror(name):
    """Every input with core dimensions, one element too long or too short; and an output
    whose core dimensions do not match."""
    func, valid = PUBLIC_UFUNCS[name]
    valid = [np.asarray(v, dtype=np.float64) for v in valid]
    tried = 0
    for pos, v in enumerate(valid):
        if v.ndim == 0 or name.endswith("_jac"):
            continue
        for delta in (1, -1):
            bad = list(valid)
            bad[pos] = np.ones(v.shape[:-1] + (v.shape[-1] + delta,))
            with pytest.raises(ValueError):
                func(*bad)
            tried += 1
    out = func(*valid)
    with pytest.raises(ValueError):
        func(*valid, out=np.empty(out.shape[:-1] + (out.shape[-1] + 1,)) if out.ndim
             else np.empty(3))
    if name.endswith("_jac"):
        assert tried == 0
    else:
        assert tried >= 2
