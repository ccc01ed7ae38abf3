"""The NumPy ufunc protocol for EVERY public ufunc and gufunc (docs/reliability.md checklist
(i) items 1-10 and 14, and the layout matrix of checklist (ii) 8).

Each test is parametrised over the registry below, which records what the
specification promises for each function: its parameter names (the docstring's
first line), nin/nout/types/signature, a generator of valid arguments, a call with
integer arguments, and one out-of-domain argument.
"""
import pickle
import sys

import numpy as np
import pytest

import endorphin as en
import registry
from layouts import LAYOUTS

NUMPY_GE_2_2 = tuple(int(x) for x in np.__version__.split(".")[:2]) >= (2, 2)


class Spec:
    def __init__(self, params, ranges=None, signature=None, cores=None, out_core=(),
                 ints=None, invalid=None):
        self.params = params
        self.ranges = ranges            # elementwise: (lo, hi) per parameter
        self.signature = signature
        self.cores = cores or [()] * len(params)      # core shape of each input
        self.out_core = out_core
        self.ints = ints                # a valid call with Python/NumPy integers
        self.invalid = invalid          # (position, value) outside the domain

    @property
    def is_gufunc(self):
        return self.signature is not None


L, RR = 3, 2   # ligands, receptors in the gufunc examples
REGISTRY = {
    "hill": Spec(["c", "emax", "ec50", "n"], [(0, 20), (-2, 2), (0.5, 5), (0.3, 4)],
                 ints=([1, 3, 9], 4, 3, 1), invalid=(2, -3.0)),
    "emax_model": Spec(["c", "e0", "emax", "ec50", "n"],
                       [(0, 20), (-1, 1), (-2, 2), (0.5, 5), (0.3, 4)],
                       ints=([1, 3, 9], 1, 4, 3, 1), invalid=(3, -3.0)),
    "ll4": Spec(["x", "b", "c", "d", "e"], [(0, 20), (-4, 4), (-1, 1), (0, 3), (0.5, 5)],
                ints=([1, 3, 9], 1, 0, 4, 3), invalid=(4, -3.0)),
    "ll5": Spec(["x", "b", "c", "d", "e", "f"],
                [(0, 20), (-4, 4), (-1, 1), (0, 3), (0.5, 5), (0.3, 3)],
                ints=([1, 3, 9], 1, 0, 4, 3, 2), invalid=(5, -1.0)),
    "occupancy": Spec(["c", "kd"], [(0, 20), (0.5, 5)], ints=([1, 3, 9], 3), invalid=(1, -3.0)),
    "operational": Spec(["a", "ka", "tau", "em", "n"],
                        [(0, 20), (0.5, 5), (0, 10), (-2, 2), (0.3, 4)],
                        ints=([1, 3, 9], 3, 2, 1, 1), invalid=(1, -3.0)),
    "dose_ratio": Spec(["b", "kb", "slope"], [(0, 20), (0.5, 5), (0.3, 3)],
                       ints=([1, 3, 9], 3, 1), invalid=(1, -3.0)),
    "hill_inverse": Spec(["effect", "emax", "ec50", "n"], [(0, 0.5), (0.5, 2), (0.5, 5), (0.3, 4)],
                         ints=([0, 1, 2], 4, 3, 1), invalid=(2, -3.0)),
    "ecx": Spec(["x", "ec50", "n"], [(0, 1), (0.5, 5), (0.3, 4)],
                ints=([0, 1, 0], 3, 2), invalid=(0, 1.5)),
    "competitive_occupancy": Spec(
        ["conc", "K"], [(0, 10), (0.5, 5)], signature="(l),(r,l)->(r,l)",
        cores=[(L,), (RR, L)], out_core=(RR, L),
        ints=([1, 2, 3], [[1, 2, 3], [3, 2, 1]]), invalid=(1, -1.0)),
    "operational_multi": Spec(
        ["conc", "K", "tau", "n"], [(0, 10), (0.5, 5), (0, 8), (0.5, 3)],
        signature="(l),(l),(l),()->()", cores=[(L,), (L,), (L,), ()],
        ints=([1, 2, 3], [1, 2, 3], [4, 0, 1], 2), invalid=(1, -1.0)),
    "hill_jac": Spec(["c", "emax", "ec50", "n"], [(0.1, 20), (-2, 2), (0.5, 5), (0.3, 4)],
                     signature="(),(),(),()->(3)", out_core=(3,),
                     ints=([1, 3, 9], 4, 3, 1), invalid=(2, -3.0)),
    "ll4_jac": Spec(["x", "b", "c", "d", "e"], [(0.1, 20), (-4, 4), (-1, 1), (0, 3), (0.5, 5)],
                    signature="(),(),(),(),()->(4)", out_core=(4,),
                    ints=([1, 3, 9], 1, 0, 4, 3), invalid=(4, -3.0)),
    "ll5_jac": Spec(["x", "b", "c", "d", "e", "f"],
                    [(0.1, 20), (-4, 4), (-1, 1), (0, 3), (0.5, 5), (0.3, 3)],
                    signature="(),(),(),(),(),()->(5)", out_core=(5,),
                    ints=([1, 3, 9], 1, 0, 4, 3, 2), invalid=(5, -1.0)),
}
NAMES = sorted(REGISTRY)
ELEMENTWISE = [n for n in NAMES if not REGISTRY[n].is_gufunc]
GUFUNCS = [n for n in NAMES if REGISTRY[n].is_gufunc]
RAISE = dict(over="raise", divide="raise", invalid="raise")


def make_args(name, batch=(6, 5), seed=7, dtype=np.float64):
    """Valid random arguments: loop shape `batch` plus each input's core shape."""
    spec = REGISTRY[name]
    rng = np.random.default_rng(seed)
    return [rng.uniform(lo, hi, tuple(batch) + core).astype(dtype)
            for (lo, hi), core in zip(spec.ranges, spec.cores)]


def out_shape(name, batch):
    return tuple(batch) + REGISTRY[name].out_core


def call(name, *args, **kw):
    return getattr(en, name)(*args, **kw)


def test_specs_cover_the_registry():
    """One spec above for each public ufunc of tests/_support/registry.py."""
    assert NAMES == registry.PUBLIC_UFUNC_NAMES


# ---------------------------------------------------------------- (i) 1: metadata

@pytest.mark.parametrize("name", NAMES)
def test_metadata(name):
    f, spec = getattr(en, name), REGISTRY[name]
    nin = len(spec.params)
    assert isinstance(f, np.ufunc)
    assert f.__name__ == name
    assert (f.nin, f.nout, f.nargs, f.ntypes) == (nin, 1, nin + 1, 2)
    assert f.types == ["f" * nin + "->f", "d" * nin + "->d"]       # float32 loop first
    assert f.signature == spec.signature
    assert f.identity is None


@pytest.mark.parametrize("name", NAMES)
def test_docstring_names_the_parameters_and_shows_broadcasting(name):
    doc = getattr(en, name).__doc__
    head = f"{name}({', '.join(REGISTRY[name].params)}"
    if NUMPY_GE_2_2:
        # NumPy >= 2.2 no longer prepends its own "name(x1, x2, ...)" line
        assert doc.splitlines()[0].startswith(head), doc.splitlines()[0]
    else:
        assert head in doc
    assert "Examples" in doc and ">>>" in doc
    assert "broadcast" in doc.lower()


@pytest.mark.parametrize("name", NAMES)
def test_type_stub_declares_it(name):
    import endorphin
    from pathlib import Path
    stubs = list(Path(endorphin.__file__).parent.glob("*.pyi"))
    assert stubs, "no .pyi stub shipped"
    assert any(name in p.read_text() for p in stubs)


# ---------------------------------------------------------------- (i) 14: pickle

@pytest.mark.parametrize("name", NAMES)
def test_pickles_by_name(name):
    f = getattr(en, name)
    for protocol in range(2, pickle.HIGHEST_PROTOCOL + 1):
        assert pickle.loads(pickle.dumps(f, protocol=protocol)) is f


# ---------------------------------------------------------------- (i) 2: broadcasting

@pytest.mark.parametrize("name", NAMES)
def test_broadcasting(name):
    args_a = make_args(name, (4, 1), seed=1)
    args_b = make_args(name, (1, 3), seed=2)
    args = [args_a[0]] + args_b[1:]
    r = call(name, *args)
    assert r.shape == out_shape(name, (4, 3))
    for i in range(4):
        for j in range(3):
            single = call(name, args_a[0][i, 0], *[a[0, j] for a in args_b[1:]])
            np.testing.assert_array_equal(r[i, j], single)
    # a loop shape that does not broadcast
    bad = make_args(name, (4,), seed=3)
    bad[-1] = make_args(name, (5,), seed=3)[-1]
    with pytest.raises(ValueError):
        call(name, *bad)


@pytest.mark.parametrize("name", NAMES)
def test_scalar_in_numpy_scalar_out(name):
    args = [a[()] if a.ndim == 0 else a for a in make_args(name, ())]
    args = [float(a) if np.ndim(a) == 0 else a for a in args]
    r = call(name, *args)
    if REGISTRY[name].out_core:
        assert isinstance(r, np.ndarray) and r.shape == REGISTRY[name].out_core
    else:
        assert isinstance(r, np.float64) and np.ndim(r) == 0


# ---------------------------------------------------------------- (i) 3: out=

@pytest.mark.parametrize("name", NAMES)
def test_out_argument_forms(name):
    args = make_args(name, (4, 3))
    expected = call(name, *args)
    shape = out_shape(name, (4, 3))
    out = np.empty(shape)
    assert call(name, *args, out) is out                          # positional
    np.testing.assert_array_equal(out, expected)
    out = np.empty(shape)
    assert call(name, *args, out=out) is out                      # keyword
    np.testing.assert_array_equal(out, expected)
    out = np.empty(shape)
    assert call(name, *args, out=(out,)) is out                   # tuple
    np.testing.assert_array_equal(out, expected)
    assert call(name, *args, out=(None,)).shape == shape          # (None,)
    # non-contiguous: every other element along the first axis of a sentinel buffer
    big = np.full((2 * shape[0],) + shape[1:], -7.0)
    view = big[::2]
    assert call(name, *args, out=view) is view
    np.testing.assert_array_equal(view, expected)
    np.testing.assert_array_equal(big[1::2], -7.0)
    # negative-stride and Fortran-ordered out
    rev = np.empty(shape)[::-1]
    call(name, *args, out=rev)
    np.testing.assert_array_equal(rev, expected)
    fout = np.asfortranarray(np.empty(shape))
    call(name, *args, out=fout)
    np.testing.assert_array_equal(fout, expected)
    # read-only out
    ro = np.empty(shape)
    ro.flags.writeable = False
    with pytest.raises(ValueError):
        call(name, *args, out=ro)


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_out_aliasing_the_first_input(name):
    args = make_args(name, (4, 3))
    expected = call(name, *args)
    first = args[0].copy()
    r = call(name, first, *args[1:], out=first)
    assert r is first
    np.testing.assert_array_equal(first, expected)


# ---------------------------------------------------------------- (i) 4: where=

@pytest.mark.parametrize("name", ELEMENTWISE)
def test_where_leaves_masked_entries(name):
    args = make_args(name, (4, 3))
    expected = call(name, *args)
    mask = np.random.default_rng(0).uniform(size=(4, 3)) < 0.5
    out = np.full((4, 3), 42.0)
    call(name, *args, out=out, where=mask)
    np.testing.assert_array_equal(out[mask], expected[mask])
    np.testing.assert_array_equal(out[~mask], 42.0)


@pytest.mark.parametrize("name", GUFUNCS)
def test_where_is_refused_by_gufuncs(name):
    # NumPy does not support where= for generalized ufuncs: a clean TypeError
    with pytest.raises(TypeError):
        call(name, *make_args(name, (4,)), where=np.ones(4, dtype=bool))


# ---------------------------------------------------------------- (i) 5, 6: dtypes, casting

@pytest.mark.parametrize("name", NAMES)
def test_float32_selects_the_float32_loop(name):
    args32 = make_args(name, (4, 3), dtype=np.float32)
    r = call(name, *args32)
    assert r.dtype == np.float32
    # NEP 50: Python floats are weak, so float32 arrays with Python scalars stay float32
    if not REGISTRY[name].is_gufunc:
        mixed = [args32[0]] + [float(a.ravel()[0]) for a in args32[1:]]
        assert call(name, *mixed).dtype == np.float32
    # dtype=float32 on float64 input selects the f loop: same as casting the inputs first
    args64 = make_args(name, (4, 3))
    r = call(name, *args64, dtype=np.float32)
    assert r.dtype == np.float32
    np.testing.assert_array_equal(r, call(name, *[a.astype(np.float32) for a in args64]))
    # and dtype=float64 on float32 input the d loop
    r = call(name, *args32, dtype=np.float64)
    assert r.dtype == np.float64
    np.testing.assert_array_equal(r, call(name, *[a.astype(np.float64) for a in args32]))
    # the float32 loop is computed in double and rounded once: within 1 float32 ulp of
    # the exact value, which the float64 loop approximates to ~1e-15 relative to the
    # scale of the results (1e-12 of the row scale for the Jacobians)
    r64 = call(name, *[a.astype(np.float64) for a in args32])
    with np.errstate(under="ignore"):
        ulp = np.spacing(np.abs(r64).astype(np.float32)).astype(np.float64)
    if REGISTRY[name].out_core:
        scale = np.abs(r64).max(axis=tuple(range(-len(REGISTRY[name].out_core), 0)),
                                keepdims=True)
    else:
        scale = np.abs(r64).max()
    tol = ulp + 1e-12 * scale
    assert np.all(np.abs(call(name, *args32).astype(np.float64) - r64) <= tol)


@pytest.mark.parametrize("name", NAMES)
def test_int_input_uses_the_float64_loop(name):
    ints = [np.array(v) for v in REGISTRY[name].ints]
    assert all(a.dtype.kind == "i" for a in ints)
    r = call(name, *ints)
    assert r.dtype == np.float64
    np.testing.assert_array_equal(r, call(name, *[a.astype(np.float64) for a in ints]))
    with pytest.raises(TypeError):
        call(name, *ints, casting="no")
    with pytest.raises(TypeError):
        call(name, *[a.astype(np.float64) for a in ints],
             out=np.empty(np.shape(r), dtype=np.int64))


# ---------------------------------------------------------------- (i) 7: core dims

@pytest.mark.parametrize("name", GUFUNCS)
def test_wrong_core_dimension_raises_valueerror(name):
    spec = REGISTRY[name]
    args = make_args(name, (4,))
    expected_shape = out_shape(name, (4,))
    if spec.out_core:
        bad_out = np.empty(expected_shape[:-1] + (expected_shape[-1] + 1,))
        with pytest.raises(ValueError):
            call(name, *args, out=bad_out)
    for pos, core in enumerate(spec.cores):
        if core:
            bad = list(args)
            bad[pos] = np.ones((4,) + core[:-1] + (core[-1] + 1,))
            with pytest.raises(ValueError):
                call(name, *bad)
    # a core dimension missing altogether
    for pos, core in enumerate(spec.cores):
        if len(core) >= 1:
            bad = list(args)
            bad[pos] = np.float64(1.0) if len(core) == 1 else np.ones(core[-1:])
            with pytest.raises(ValueError):
                call(name, *bad)


# ---------------------------------------------------------------- (i) 8, 9: error policy

@pytest.mark.parametrize("name", NAMES)
def test_domain_error_nan_warning_and_raise(name):
    pos, value = REGISTRY[name].invalid
    args = make_args(name, (3,))
    args[pos] = np.full_like(args[pos], value)
    with pytest.warns(RuntimeWarning, match="invalid value") as record:
        r = call(name, *args)
    assert len([w for w in record if issubclass(w.category, RuntimeWarning)]) == 1
    assert np.isnan(r).all()
    with np.errstate(invalid="raise"), pytest.raises(FloatingPointError):
        call(name, *args)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", NAMES)
def test_nan_in_nan_out_quietly(name, dtype):
    for pos in range(len(REGISTRY[name].params)):
        args = make_args(name, (3,), dtype=dtype)
        args[pos] = np.full_like(args[pos], np.nan)
        with np.errstate(**RAISE):
            r = call(name, *args)
        assert r.dtype == dtype
        # every output that depends on the NaN argument is NaN; Jacobian components not
        # involving it (e.g. d hill/d emax) may stay finite -- test_gufuncs checks which
        assert np.isnan(r).any(axis=-1).all() if REGISTRY[name].out_core else np.isnan(r).all()


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("batch", [(0,), (3, 0), (0, 4)])
def test_size_zero(name, batch):
    args = make_args(name, batch)
    with np.errstate(**RAISE):
        r = call(name, *args)
    assert r.shape == out_shape(name, batch) and r.dtype == np.float64
    r = call(name, *[a.astype(np.float32) for a in args])
    assert r.shape == out_shape(name, batch) and r.dtype == np.float32


# ---------------------------------------------------------------- (ii) 8: layouts

@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("layout", sorted(LAYOUTS))
@pytest.mark.parametrize("name", NAMES)
def test_layout_matrix(name, layout, dtype):
    args = make_args(name, (6, 5), dtype=dtype)
    expected = call(name, *args)
    for pos in range(len(args)):
        moved = list(args)
        moved[pos] = LAYOUTS[layout](args[pos])
        np.testing.assert_array_equal(moved[pos], args[pos])
        got = call(name, *moved)
        assert got.dtype == dtype
        np.testing.assert_array_equal(got, expected, err_msg=f"argument {pos}")
    # all arguments in the layout at once
    got = call(name, *[LAYOUTS[layout](a) for a in args])
    np.testing.assert_array_equal(got, expected)


@pytest.mark.parametrize("name", NAMES)
def test_zero_stride_inputs(name):
    args = make_args(name, (6,))
    first = [a[:1] for a in args]
    broadcast = [np.broadcast_to(a, (6,) + a.shape[1:]) for a in first]
    expected = np.broadcast_to(call(name, *first), out_shape(name, (6,)))
    np.testing.assert_array_equal(call(name, *broadcast), expected)


# ---------------------------------------------------------------- inputs, refcounts

@pytest.mark.parametrize("name", NAMES)
def test_inputs_unchanged_and_refcounts_stable(name):
    args = make_args(name, (50,))
    copies = [a.copy() for a in args]
    out = np.empty(out_shape(name, (50,)))
    f = getattr(en, name)
    f(*args, out=out)
    f(*args)
    before = [sys.getrefcount(a) for a in (*args, out)]
    for _ in range(1000):
        f(*args, out=out)
        f(*args)
    after = [sys.getrefcount(a) for a in (*args, out)]
    assert before == after
    for a, b in zip(args, copies):
        np.testing.assert_array_equal(a, b)


# ---------------------------------------------------------------- (i) 10: dask

def _refuse(*args, **kwargs):
    raise AssertionError("dask computed while the graph was being built")


@pytest.mark.parametrize("name", NAMES)
def test_dask_is_lazy_and_equal(name):
    da = pytest.importorskip("dask.array")
    import dask
    spec = REGISTRY[name]
    args = make_args(name, (40,))
    dargs = [da.from_array(a, chunks=(10,) + a.shape[1:]) for a in args]   # core dims whole
    with dask.config.set(scheduler=_refuse):
        if spec.out_core and not spec.cores[0]:
            # a fixed-size output core dimension such as (3): dask's direct __array_ufunc__
            # path cannot size it, so use apply_gufunc with a named dimension
            sig = ",".join(["()"] * len(args)) + "->(p)"
            lazy = da.apply_gufunc(getattr(en, name), sig, *dargs, output_dtypes=float,
                                   output_sizes={"p": spec.out_core[0]})
        else:
            lazy = call(name, *dargs)
    assert isinstance(lazy, da.Array)
    np.testing.assert_array_equal(lazy.compute(scheduler="threads"), call(name, *args))


# ---------------------------------------------------------------- xarray, pandas

@pytest.mark.parametrize("name", ELEMENTWISE)
def test_xarray_dataarray_keeps_coords(name):
    xr = pytest.importorskip("xarray")
    args = make_args(name, (2, 3))
    da0 = xr.DataArray(args[0], dims=("subject", "time"),
                       coords={"subject": [10, 11], "time": [0.0, 5.0, 9.0],
                               "group": ("subject", ["a", "b"])})
    r = call(name, da0, *args[1:])
    assert isinstance(r, xr.DataArray)
    assert r.dims == ("subject", "time")
    np.testing.assert_array_equal(r["subject"], [10, 11])
    np.testing.assert_array_equal(r["time"], [0.0, 5.0, 9.0])
    assert list(r["group"].values) == ["a", "b"]
    np.testing.assert_array_equal(r.values, call(name, *args))


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_xarray_dask_backed_stays_lazy(name):
    xr = pytest.importorskip("xarray")
    pytest.importorskip("dask.array")
    import dask
    import dask.array as da
    args = make_args(name, (4, 3))
    x = xr.DataArray(args[0], dims=("subject", "time")).chunk({"subject": 2})
    with dask.config.set(scheduler=_refuse):
        r = call(name, x, *args[1:])
    assert isinstance(r.data, da.Array)
    np.testing.assert_array_equal(r.compute(scheduler="threads").values, call(name, *args))


@pytest.mark.parametrize("name", GUFUNCS)
def test_xarray_apply_ufunc_with_core_dims(name):
    """xarray refuses gufuncs in __array_ufunc__; xr.apply_ufunc is the recipe."""
    xr = pytest.importorskip("xarray")
    args = make_args(name, (4,))
    core_names = {"competitive_occupancy": ([["ligand"], ["receptor", "ligand"]],
                                            [["receptor", "ligand"]]),
                  "operational_multi": ([["ligand"]] * 3 + [[]], [[]])}
    in_core, out_core = core_names.get(name, ([[]] * len(args), [["parameter"]]))
    xargs = []
    for a, core in zip(args, in_core):
        dims = ("subject",) + tuple(core)
        xargs.append(xr.DataArray(a, dims=dims, coords={"subject": list("wxyz")}))
    r = xr.apply_ufunc(getattr(en, name), *xargs, input_core_dims=in_core,
                       output_core_dims=out_core)
    assert r.dims == ("subject",) + tuple(out_core[0])
    assert list(r["subject"].values) == list("wxyz")
    np.testing.assert_array_equal(r.values, call(name, *args))


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_pandas_series_keeps_index(name):
    pd = pytest.importorskip("pandas")
    args = make_args(name, (4,))
    s = pd.Series(args[0], index=["a", "b", "c", "d"], name="dose")
    r = call(name, s, *[float(a[0]) for a in args[1:]])
    assert isinstance(r, pd.Series)
    assert list(r.index) == ["a", "b", "c", "d"]
    np.testing.assert_array_equal(r.to_numpy(), call(name, args[0], *[float(a[0]) for a in args[1:]]))
