"""The generalized ufuncs: competitive_occupancy, operational_multi and the Jacobians
hill_jac, ll4_jac, ll5_jac.

Values: mpmath at 50 digits from the exact float inputs (tests/_support/references.py); the
Jacobian references are analytic derivatives evaluated in mpmath and are themselves
checked against mpmath.diff below.  Shapes and broadcasting: the result equals
np.vectorize of a plain NumPy reference with the same signature.  Tolerances are the
specification's (stated per test).
"""
import functools

import mpmath
import numpy as np
import pytest

import endorphin as en
import layouts
import references as R

EPS64 = np.finfo(np.float64).eps
F32_TINY = float(np.finfo(np.float32).tiny)
RAISE = dict(over="raise", divide="raise", invalid="raise")


def _check(got, ref, tol, what, inputs=None):
    got = np.asarray(got, dtype=np.float64)
    with np.errstate(all="ignore"):
        err = np.abs(got - ref)
        ok = (got == ref) | (err <= tol)
        ratio = np.where(np.isfinite(err), err / np.broadcast_to(tol, err.shape), np.inf)
    if not ok.all():
        idx = np.unravel_index(np.argmax(np.where(ok, -1, ratio)), got.shape)
        where = "" if inputs is None else f" inputs {inputs(idx)}"
        raise AssertionError(f"{what}: {(~ok).sum()} of {ok.size} values outside tolerance; "
                             f"worst at {idx}{where}: got {got[idx]!r}, reference "
                             f"{ref[idx]!r}, err/tol={ratio[idx]:.3g}")


# =================================================================== NumPy references
# Plain float64 NumPy implementations, used with np.vectorize(signature=...) as the
# oracle for shapes, broadcasting and axes (values agree with the C to a few ulp).

def comp_occ_np(conc, K):
    x = conc / K
    return x / (1 + x.sum(axis=-1, keepdims=True))


def op_multi_np(conc, K, tau, n):
    x = conc / K
    u = np.sum(tau * x) / (1 + np.sum(x))
    return u ** n / (1 + u ** n)


def hill_jac_np(c, emax, ec50, n):
    r = c ** n / (ec50 ** n + c ** n)
    s = r * (1 - r)
    return np.array([r, -emax * n * s / ec50, emax * s * np.log(c / ec50)])


def ll4_jac_np(x, b, c, d, e):
    L = np.log(x / e)
    f = 1 / (1 + np.exp(b * L))
    s = f * (1 - f)
    return np.array([-(d - c) * s * L, 1 - f, f, (d - c) * b * s / e])


def ll5_jac_np(x, b, c, d, e, f):
    L = np.log(x / e)
    z = np.exp(b * L)
    g = (1 + z) ** -f
    h = f * z * (1 + z) ** (-f - 1)
    return np.array([-(d - c) * h * L, 1 - g, g, (d - c) * b * h / e, -(d - c) * g * np.log1p(z)])


VEC = {
    "competitive_occupancy": np.vectorize(comp_occ_np, signature="(l),(r,l)->(r,l)"),
    "operational_multi": np.vectorize(op_multi_np, signature="(l),(l),(l),()->()"),
    "hill_jac": np.vectorize(hill_jac_np, signature="(),(),(),()->(p)"),
    "ll4_jac": np.vectorize(ll4_jac_np, signature="(),(),(),(),()->(p)"),
    "ll5_jac": np.vectorize(ll5_jac_np, signature="(),(),(),(),(),()->(p)"),
}


def random_args(name, batch, rng, l=3, r=2):
    """Valid, well-conditioned random arguments with loop shape `batch`."""
    u = lambda lo, hi, shape=(): rng.uniform(lo, hi, batch + shape)     # noqa: E731
    if name == "competitive_occupancy":
        return [u(0, 10, (l,)), u(0.5, 5, (r, l))]
    if name == "operational_multi":
        return [u(0, 10, (l,)), u(0.5, 5, (l,)), u(0, 8, (l,)), u(0.5, 3)]
    if name == "hill_jac":
        return [u(0.1, 20), u(-2, 2), u(0.5, 5), u(0.3, 4)]
    if name == "ll4_jac":
        return [u(0.1, 20), u(-4, 4), u(-1, 1), u(0, 3), u(0.5, 5)]
    if name == "ll5_jac":
        return [u(0.1, 20), u(-4, 4), u(-1, 1), u(0, 3), u(0.5, 5), u(0.3, 3)]
    raise KeyError(name)


GUFUNCS = sorted(VEC)
CORE_NDIMS = {  # core dimensions of each input
    "competitive_occupancy": (1, 2),
    "operational_multi": (1, 1, 1, 0),
    "hill_jac": (0,) * 4, "ll4_jac": (0,) * 5, "ll5_jac": (0,) * 6,
}
OUT_CORE = {"competitive_occupancy": 2, "operational_multi": 0,
            "hill_jac": 1, "ll4_jac": 1, "ll5_jac": 1}
JAC_SIZE = {"hill_jac": 3, "ll4_jac": 4, "ll5_jac": 5}


# =================================================================== competitive_occupancy

def _comp_occ_cases():
    rng = np.random.default_rng(11)
    cases = []
    for l, r in [(1, 1), (2, 3), (3, 2), (5, 4), (8, 2)]:
        for _ in range(12):
            conc = 10.0 ** rng.uniform(-30, 30, l)
            K = conc * 10.0 ** rng.uniform(-6, 6, (r, l))          # x near 1 on average
            K[:, ::2] = 10.0 ** rng.uniform(-30, 30, (r, (l + 1) // 2))   # and far from it
            if rng.uniform() < 0.3:
                conc[rng.integers(l)] = 0.0
            cases.append((conc, K))
    # exact small-integer case: x = (1, 2, 1) -> occ = x / 5
    cases.append((np.array([1.0, 4.0, 3.0]), np.array([[1.0, 2.0, 3.0]])))
    return cases


@pytest.mark.parametrize("case", range(len(_comp_occ_cases())))
def test_competitive_occupancy_against_mpmath(case):
    conc, K = _comp_occ_cases()[case]
    l = conc.shape[-1]
    ref = np.array(R.to_float(R.competitive_occupancy(conc, K)))
    with np.errstate(**RAISE):
        got = en.competitive_occupancy(conc, K)
    assert got.shape == K.shape
    # (2 l + 4) ulp relative: l quotients x_j (or reciprocal affinities: 2 roundings
    # each), a sum of l terms, 1 + sum, and the final division.
    _check(got, ref, (2 * l + 4) * EPS64 * np.abs(ref), "competitive_occupancy",
           lambda i: (conc.tolist(), K.tolist()))


@pytest.mark.parametrize("l,r", [(1, 1), (2, 3), (4, 2), (7, 1)])
def test_competitive_occupancy_large_batch_against_mpmath(l, r):
    """A long batch (the loop may take a different, blocked path for many rows), in
    C order and through a strided view of the same values."""
    rng = np.random.default_rng(100 * l + r)
    m = 300
    conc = 10.0 ** rng.uniform(-8, 8, (m, l))
    K = conc[:, None, :] * 10.0 ** rng.uniform(-4, 4, (m, r, l))
    conc[rng.uniform(size=(m, l)) < 0.1] = 0.0
    ref = np.array([R.to_float(R.competitive_occupancy(c, k)) for c, k in zip(conc, K)])
    with np.errstate(**RAISE):
        got = en.competitive_occupancy(conc, K)
        strided = en.competitive_occupancy(layouts.strided(conc), _transposed_memory(K))
    _check(got, ref, (2 * l + 4) * EPS64 * np.abs(ref), "competitive_occupancy batch")
    np.testing.assert_array_equal(strided, got)
    np.testing.assert_array_equal(en.competitive_occupancy(conc[:1], K[:1]), got[:1])


def test_competitive_occupancy_known_values():
    got = en.competitive_occupancy(np.array([1.0, 4.0, 3.0]), np.array([[1.0, 2.0, 3.0]]))
    np.testing.assert_allclose(got, [[0.2, 0.4, 0.2]], rtol=10 * EPS64, atol=0)
    # one ligand reduces to occupancy(c, kd)
    c = np.logspace(-3, 3, 13)
    one = en.competitive_occupancy(c[:, None], np.full((1, 1), 3.0))[:, 0, 0]
    np.testing.assert_allclose(one, en.occupancy(c, 3.0), rtol=10 * EPS64, atol=0)
    # zero concentration: that ligand's occupancy is exactly 0
    got = en.competitive_occupancy(np.array([0.0, 2.0]), np.array([[1.0, 1.0], [5.0, 2.0]]))
    np.testing.assert_array_equal(got[:, 0], 0.0)


def test_competitive_occupancy_one_infinite_concentration():
    conc = np.array([1.0, np.inf, 3.0, 0.0])
    K = np.array([[1.0, 2.0, 3.0, 4.0], [1e-30, 1e30, 5.0, 1.0]])
    with np.errstate(**RAISE):
        got = en.competitive_occupancy(conc, K)
    np.testing.assert_array_equal(got, [[0.0, 1.0, 0.0, 0.0], [0.0, 1.0, 0.0, 0.0]])


@pytest.mark.parametrize("l,r", [(3, 3), (1, 1), (3, 1), (2, 3), (4, 2), (8, 4), (9, 4),
                                 (3, 5)])
def test_competitive_occupancy_w2_layout_rows_kernel(l, r):
    """The W2 layout (C-contiguous (N, l) concentrations, one (r, l) K for all rows) takes
    the rows kernels (AVX2 on x86-64 for up to 8 ligands at up to 4 receptors; W2 is 3 x 3):
    bitwise the per-point kernel's values (a strided view of the same concentrations
    takes that one), within tolerance of mpmath, and no floating-point flag on valid
    inputs."""
    rng = np.random.default_rng(33 + 10 * l + r)
    m = 2001
    conc = 10.0 ** rng.uniform(-6, 6, (m, l))
    conc[rng.uniform(size=(m, l)) < 0.1] = 0.0
    K = 10.0 ** rng.uniform(-3, 3, (r, l))
    with np.errstate(**RAISE):
        got = en.competitive_occupancy(conc, K)
        strided = en.competitive_occupancy(layouts.strided(conc), K)
    np.testing.assert_array_equal(got, strided)
    sub = slice(0, 100)
    ref = np.array([R.to_float(R.competitive_occupancy(c, K)) for c in conc[sub]])
    _check(got[sub], ref, (2 * l + 4) * EPS64 * np.abs(ref), "competitive_occupancy rows")


@pytest.mark.parametrize("l,r", [(1, 1), (1, 3), (3, 1)])
def test_competitive_occupancy_length_one_dimensions_any_stride(l, r):
    """A core dimension of length 1 may carry any stride (NumPy never steps along it):
    the contiguous rows path still applies, and the values are the plain call's."""
    rng = np.random.default_rng(3)
    conc = 10.0 ** rng.uniform(-3, 3, (1001, l))
    K = 10.0 ** rng.uniform(-1, 1, (r, l))
    ref = en.competitive_occupancy(np.ascontiguousarray(conc), K)
    odd = 8 * 977                                   # a stride nothing could step along
    c2 = np.lib.stride_tricks.as_strided(conc, conc.shape,
                                         (conc.strides[0], odd if l == 1 else 8))
    out = np.full((1001, r, l), np.nan)
    o2 = np.lib.stride_tricks.as_strided(
        out, out.shape, (out.strides[0], odd if r == 1 else out.strides[1],
                         odd if l == 1 else 8))
    got = en.competitive_occupancy(c2, K, out=o2)
    assert got is o2
    np.testing.assert_array_equal(out, ref)


@pytest.mark.parametrize("row", [[np.nan, 1.0, 2.0], [1.0, -1.0, 2.0], [np.inf, 1.0, 0.0],
                                 [np.inf, np.inf, 1.0], [1e300, 1e300, 1.0], [0.0, 0.0, 0.0],
                                 [1e-320, 5e-324, 1e308]])
@pytest.mark.parametrize("r", [3, 2, 1])
def test_competitive_occupancy_w2_layout_odd_rows(row, r):
    """An odd row inside a batch in the W2 layout gives bitwise the per-point kernel's
    values and the same floating-point flags, and leaves its neighbours alone."""
    rng = np.random.default_rng(5)
    conc = 10.0 ** rng.uniform(-3, 3, (9, 3))
    conc[4] = row
    K = np.array([[1.0, 2.0, 3.0], [0.5, 1e-3, 7.0], [2e2, 1.0, 0.25]])[:r]
    outcomes = []
    for c in (conc, layouts.strided(conc)):
        with np.errstate(all="ignore"):
            vals = en.competitive_occupancy(c, K)
        with np.errstate(**RAISE):
            try:
                en.competitive_occupancy(c, K)
                raised = None
            except FloatingPointError as e:
                raised = str(e)
        outcomes.append((vals, raised))
    np.testing.assert_array_equal(outcomes[0][0], outcomes[1][0])
    assert outcomes[0][1] == outcomes[1][1]
    clean = np.delete(np.arange(9), 4)
    with np.errstate(**RAISE):
        np.testing.assert_array_equal(outcomes[0][0][clean],
                                      en.competitive_occupancy(conc[clean], K))


# =================================================================== operational_multi

def _op_multi_cases():
    rng = np.random.default_rng(12)
    cases = []
    for l in (1, 2, 3, 5):
        for n in (0.5, 1.0, 2.5, 6.0):
            for _ in range(8):
                K = 10.0 ** rng.uniform(-30, 30, l)
                conc = K * 10.0 ** rng.uniform(-5, 5, l)
                tau = 10.0 ** rng.uniform(-3, 3, l)
                tau[rng.uniform(size=l) < 0.3] = 0.0        # antagonists
                if rng.uniform() < 0.2:
                    conc[rng.integers(l)] = 0.0
                cases.append((conc, K, tau, n))
    return cases


def _op_multi_tol(ref, l, n):
    # (4 n + 2 l + 6) ulp relative (the l-term sums add 2 l roundings to the
    # operational model's 4 n + 6), + 1e-300 absolute near underflow.
    return (4 * n + 2 * l + 6) * EPS64 * np.abs(ref) + 1e-300


def test_operational_multi_against_mpmath():
    cases = _op_multi_cases()
    for conc, K, tau, n in cases:
        ref = float(R.operational_multi(conc, K, tau, n))
        with np.errstate(**RAISE):
            got = en.operational_multi(conc, K, tau, n)
        assert np.ndim(got) == 0
        _check(got, np.float64(ref), _op_multi_tol(ref, len(conc), n), "operational_multi",
               lambda i: (conc.tolist(), K.tolist(), tau.tolist(), n))
    # the batched call gives the same values as the one-by-one calls
    by_l = {}
    for conc, K, tau, n in cases:
        by_l.setdefault(len(conc), []).append((conc, K, tau, n))
    for l, group in by_l.items():
        arrs = [np.array([g[i] for g in group]) for i in range(4)]
        batched = en.operational_multi(*arrs)
        single = [en.operational_multi(*g) for g in group]
        np.testing.assert_array_equal(batched, single)


def test_operational_multi_single_ligand_is_operational():
    rng = np.random.default_rng(13)
    a = 10.0 ** rng.uniform(-8, 8, 500)
    ka = a * 10.0 ** rng.uniform(-4, 4, 500)
    tau = 10.0 ** rng.uniform(-2, 2, 500)
    n = 10.0 ** rng.uniform(-0.5, 0.8, 500)
    multi = en.operational_multi(a[:, None], ka[:, None], tau[:, None], n)
    single = en.operational(a, ka, tau, 1.0, n)
    ref = R.evaluate(R.operational, a, ka, tau, 1.0, n)
    # both within their spec tolerance of the same exact value
    tol = _op_multi_tol(ref, 1, n) + (4 * n + 6) * EPS64 * np.abs(ref) + 1e-300
    _check(multi, single, tol, "operational_multi(l=1) vs operational")


def test_operational_multi_antagonist_and_limits():
    with np.errstate(**RAISE):
        # only antagonists (tau = 0): no effect
        assert en.operational_multi([1.0, 5.0], [1.0, 2.0], [0.0, 0.0], 1.3) == 0.0
        # no ligand present: no effect
        assert en.operational_multi([0.0, 0.0], [1.0, 2.0], [3.0, 4.0], 1.3) == 0.0
        # one infinite agonist concentration: u = tau of that ligand
        got = en.operational_multi([np.inf, 5.0], [1.0, 2.0], [3.0, 4.0], 2.0)
    assert got == pytest.approx(9.0 / 10.0, rel=20 * EPS64)
    # an antagonist shifts the agonist curve right by the dose ratio 1 + B/KB
    a = np.logspace(-3, 3, 31)
    B, KB = 10.0, 2.0
    with_b = en.operational_multi(np.stack([a, np.full_like(a, B)], -1), [1.0, KB], [5.0, 0.0], 1.0)
    shifted = en.operational_multi((a / (1 + B / KB))[:, None], [1.0], [5.0], 1.0)
    np.testing.assert_allclose(with_b, shifted, rtol=40 * EPS64)


# =================================================================== Jacobians

def _jac_grid(name):
    ratios = R.perturbed_logspace(-6, 6, 13)
    rows = []
    if name == "hill_jac":
        for ec50 in (1e-20, 3.0, 1e20):
            for q in list(ratios) + [1.0]:
                for emax in (1.0, -2.5):
                    for n in (0.3, 1.0, 2.5, 10.0):
                        rows.append((q * ec50, emax, ec50, n))
    else:
        for e in (1e-20, 3.0, 1e20):
            for q in list(ratios) + [1.0, 1 + 1e-8]:
                for b in (-10.0, -3.0, -0.5, 0.0, 0.5, 3.0, 10.0):
                    for c, d in ((0.0, 1.0), (100.0, -2.5)):
                        if name == "ll4_jac":
                            rows.append((q * e, b, c, d, e))
                        else:
                            for f in (0.3, 1.0, 3.0):
                                rows.append((q * e, b, c, d, e, f))
    rows = np.array(rows)
    return [rows[:, i].copy() for i in range(rows.shape[1])]


REF_JAC = {"hill_jac": R.hill_jac, "ll4_jac": R.ll4_jac, "ll5_jac": R.ll5_jac}


@functools.lru_cache(maxsize=None)
def _jac_table(name):
    args = _jac_grid(name)
    return args, R.evaluate_jac(REF_JAC[name], *args)


def _jac_tol(ref):
    # relative 1e-12 of max(|component|, scale), scale = the largest |component| of the
    # row: the derivatives are products of few-ulp quantities (spec).
    scale = np.max(np.abs(ref), axis=-1, keepdims=True)
    return 1e-12 * np.maximum(np.abs(ref), scale)


@pytest.mark.parametrize("name", sorted(JAC_SIZE))
def test_jacobian_against_mpmath(name):
    args, ref = _jac_table(name)
    with np.errstate(**RAISE):
        got = getattr(en, name)(*args)
    assert got.shape == (len(args[0]), JAC_SIZE[name])
    _check(got, ref, _jac_tol(ref), name,
           lambda i: tuple(float(a[i[0]]) for a in args))


@pytest.mark.parametrize("name", sorted(JAC_SIZE))
def test_jacobian_float32(name):
    args, _ = _jac_table(name)
    a32 = [a[::3].astype(np.float32) for a in args]
    ok = np.all([(np.abs(a) == 0) | (np.abs(a) >= 1e-19) for a in a32], axis=0)
    a32 = [a[ok] for a in a32]
    ref = R.evaluate_jac(REF_JAC[name], *a32)     # exact at the float32 inputs
    with np.errstate(over="ignore", divide="raise", invalid="raise"):
        got = getattr(en, name)(*a32)
    assert got.dtype == np.float32
    # computed in double (the 1e-12 scale tolerance), rounded once (1 float32 ulp)
    tol = R.exact_float32_ulp(ref) + _jac_tol(ref)
    keep = np.all(np.abs(ref) < 1e37, axis=-1)
    _check(got[keep], ref[keep], tol[keep], name + " float32")


def _mp_partials(func, point):
    """All first partial derivatives of func at point, by mpmath.diff at 60 digits."""
    with mpmath.workdps(60):
        p = [mpmath.mpf(float(v)) for v in point]
        out = []
        for k in range(len(p)):
            order = tuple(1 if j == k else 0 for j in range(len(p)))
            out.append(mpmath.diff(lambda *q: func(*q), p, order))
        return out


@pytest.mark.parametrize("name", sorted(JAC_SIZE))
def test_jacobian_references_match_mpmath_diff(name):
    """The analytic formulas in references.py agree with numerical differentiation."""
    func = {"hill_jac": R.hill, "ll4_jac": R.ll4, "ll5_jac": R.ll5}[name]
    points = {
        "hill_jac": [(0.7, 2.0, 3.0, 1.7), (30.0, -1.5, 2.5e-3, 0.4), (1e-5, 1.0, 1e-4, 9.0)],
        "ll4_jac": [(0.7, 1.3, 0.1, 2.0, 3.0), (30.0, -2.5, 100.0, -2.5, 2.5e-3),
                    (1e-5, 0.0, -1.0, 1.0, 1e-4)],
        "ll5_jac": [(0.7, 1.3, 0.1, 2.0, 3.0, 0.7), (30.0, -2.5, 100.0, -2.5, 2.5e-3, 2.2),
                    (1e-5, 0.4, -1.0, 1.0, 1e-4, 1.0)],
    }[name]
    for pt in points:
        full = _mp_partials(func, pt)
        # drop d/dx (the Jacobians are w.r.t. the parameters only)
        numeric = [float(v) for v in full[1:]]
        analytic = [float(v) for v in REF_JAC[name](*pt)]
        # both rounded once to float64 from 50+ digit values
        np.testing.assert_allclose(analytic, numeric, rtol=1e-14,
                                   atol=1e-14 * max(abs(v) for v in analytic))


def test_jacobians_at_zero_dose():
    with np.errstate(**RAISE):
        np.testing.assert_array_equal(en.hill_jac(0.0, 2.0, 3.0, np.array([0.4, 1.0, 7.0])),
                                      np.zeros((3, 3)))
        # ll4 at x = 0: d ll4/db = d ll4/de = 0; the value is d (b > 0) or c (b < 0)
        j = en.ll4_jac(0.0, np.array([0.5, 3.0, -0.5, -3.0]), -1.0, 2.0, 3.0)
        np.testing.assert_array_equal(j[:, 0], 0.0)
        np.testing.assert_array_equal(j[:, 3], 0.0)
        np.testing.assert_array_equal(j[:, 1:3], [[0, 1], [0, 1], [1, 0], [1, 0]])
        # ll5 at x = 0 is the constant d (b > 0) or c (b < 0) in b, e and f: zero partials
        j = en.ll5_jac(0.0, np.array([0.5, -0.5]), -1.0, 2.0, 3.0, 1.7)
        np.testing.assert_array_equal(j[:, [0, 3, 4]], 0.0)
        np.testing.assert_array_equal(j[:, 1:3], [[0, 1], [1, 0]])


def test_jacobians_consistent_with_the_ufuncs():
    """Finite differences of en.hill / en.ll4 / en.ll5 agree with the Jacobians (coarse,
    central differences with h = 1e-6 relative: truncation ~1e-12, rounding ~1e-10)."""
    rng = np.random.default_rng(14)
    x = 10.0 ** rng.uniform(-2, 2, 50)
    b, c, d, e, f = rng.uniform(0.3, 3, 50), rng.normal(size=50), rng.normal(size=50) + 3, \
        10.0 ** rng.uniform(-1, 1, 50), rng.uniform(0.3, 3, 50)
    params = [b, c, d, e, f]
    jac = en.ll5_jac(x, *params)
    for k in range(5):
        h = 1e-6 * np.maximum(np.abs(params[k]), 1.0)
        up = [p + (h if i == k else 0) for i, p in enumerate(params)]
        dn = [p - (h if i == k else 0) for i, p in enumerate(params)]
        fd = (en.ll5(x, *up) - en.ll5(x, *dn)) / (2 * h)
        np.testing.assert_allclose(jac[:, k], fd, rtol=1e-6, atol=1e-8)
    # ll5 with f = 1 is ll4, so their gradients w.r.t. (b, c, d, e) agree (each within
    # the 1e-12 row-scale tolerance of the same exact value)
    jac4 = en.ll4_jac(x, b, c, d, e)
    _check(jac4, en.ll5_jac(x, b, c, d, e, 1.0)[:, :4], 2 * _jac_tol(jac4), "ll4_jac vs ll5_jac")
    for k in range(4):
        h = 1e-6 * np.maximum(np.abs(params[k]), 1.0)
        up = [p + (h if i == k else 0) for i, p in enumerate(params[:4])]
        dn = [p - (h if i == k else 0) for i, p in enumerate(params[:4])]
        fd = (en.ll4(x, *up) - en.ll4(x, *dn)) / (2 * h)
        np.testing.assert_allclose(jac4[:, k], fd, rtol=1e-6, atol=1e-8)
    emax, ec50, n = c, e, b
    jh = en.hill_jac(x, emax, ec50, n)
    for k, pr in enumerate([emax, ec50, n]):
        h = 1e-6 * np.maximum(np.abs(pr), 1.0)
        up = [p + (h if i == k else 0) for i, p in enumerate([emax, ec50, n])]
        dn = [p - (h if i == k else 0) for i, p in enumerate([emax, ec50, n])]
        fd = (en.hill(x, *up) - en.hill(x, *dn)) / (2 * h)
        np.testing.assert_allclose(jh[:, k], fd, rtol=1e-6, atol=1e-8)


# =================================================================== vs np.vectorize

SHAPES = [((), ()), ((4,), (4,)), ((3, 1), (1, 5)), ((2, 1, 3), (4, 1))]


@pytest.mark.parametrize("name", GUFUNCS)
@pytest.mark.parametrize("shapes", SHAPES, ids=str)
def test_equals_vectorized_reference(name, shapes):
    rng = np.random.default_rng(15)
    s1, s2 = shapes
    args = random_args(name, s1, rng)
    # give the other arguments the second loop shape (broadcasting across arguments)
    args = [args[0]] + [random_args(name, s2, rng)[i] for i in range(1, len(args))]
    got = getattr(en, name)(*args)
    ref = VEC[name](*args)
    assert got.shape == ref.shape
    # both sides are few-ulp accurate float64: 2x the spec tolerance of each function
    if name in JAC_SIZE:
        tol = 2 * _jac_tol(ref)
    elif name == "competitive_occupancy":
        tol = 2 * (2 * 3 + 4) * EPS64 * np.abs(ref)
    else:
        tol = 2 * ((4 * args[3] + 2 * 3 + 6) * EPS64 * np.abs(ref) + 1e-300)
    _check(got, ref, np.broadcast_to(tol, ref.shape), name + " vs np.vectorize")


@pytest.mark.parametrize("name", GUFUNCS)
def test_loop_dims_broadcast_like_single_calls(name):
    rng = np.random.default_rng(16)
    args = random_args(name, (3, 1), rng)
    args[1] = random_args(name, (1, 4), rng)[1]
    got = getattr(en, name)(*args)
    assert got.shape[:2] == (3, 4)
    for i in range(3):
        for j in range(4):
            single = getattr(en, name)(args[0][i, 0], args[1][0, j], *[a[i, 0] for a in args[2:]])
            np.testing.assert_array_equal(got[i, j], single)


# =================================================================== core-dimension errors

def test_core_dimension_mismatch_raises_valueerror():
    with pytest.raises(ValueError):
        en.competitive_occupancy(np.ones(3), np.ones((2, 4)))
    with pytest.raises(ValueError):
        en.competitive_occupancy(np.ones((5, 3)), np.ones((5, 2, 2)))
    with pytest.raises(ValueError):
        en.competitive_occupancy(np.ones(3), np.ones(3))           # K needs 2 core dims
    with pytest.raises(ValueError):
        en.operational_multi(np.ones(3), np.ones(4), np.ones(3), 1.0)
    with pytest.raises(ValueError):
        en.operational_multi(np.ones(3), np.ones(3), np.ones(2), 1.0)
    with pytest.raises(ValueError):
        en.competitive_occupancy(np.ones(3), np.ones((2, 3)), out=np.empty((3, 2)))
    for name, p in JAC_SIZE.items():
        args = random_args(name, (4,), np.random.default_rng(0))
        with pytest.raises(ValueError):
            getattr(en, name)(*args, out=np.empty((4, p + 1)))
        with pytest.raises(ValueError):
            getattr(en, name)(*args, out=np.empty((4,)))
    # loop dimensions that do not broadcast
    with pytest.raises(ValueError):
        en.competitive_occupancy(np.ones((4, 3)), np.ones((5, 2, 3)))
    with pytest.raises(ValueError):
        en.hill_jac(np.ones(3), 1.0, np.ones(4), 1.0)


# =================================================================== axes=, strides, out=

def test_axes_keyword():
    rng = np.random.default_rng(17)
    conc, K = random_args("competitive_occupancy", (6,), rng, l=3, r=2)
    expected = en.competitive_occupancy(conc, K)                    # (6, 2, 3)
    got = en.competitive_occupancy(np.moveaxis(conc, -1, 0), np.moveaxis(K, (-2, -1), (0, 1)),
                                   axes=[(0,), (0, 1), (0, 1)])
    assert got.shape == (2, 3, 6)
    np.testing.assert_array_equal(got, np.moveaxis(expected, 0, -1))
    # the output's core axes may go elsewhere too
    got = en.competitive_occupancy(conc, K, axes=[(-1,), (-2, -1), (0, 1)])
    np.testing.assert_array_equal(got, np.moveaxis(expected, 0, -1))

    args = random_args("operational_multi", (6,), rng)
    expected = en.operational_multi(*args)
    moved = [np.moveaxis(a, -1, 0) for a in args[:3]] + [args[3]]
    got = en.operational_multi(*moved, axes=[(0,), (0,), (0,), (), ()])
    np.testing.assert_array_equal(got, expected)

    for name, p in JAC_SIZE.items():
        args = random_args(name, (6,), rng)
        expected = getattr(en, name)(*args)
        got = getattr(en, name)(*args, axes=[()] * len(args) + [(0,)])
        assert got.shape == (p, 6)
        np.testing.assert_array_equal(got, expected.T)


def _transposed_memory(a):
    """Same values, last two axes stored transposed (Fortran-like core)."""
    return np.swapaxes(np.ascontiguousarray(np.swapaxes(a, -1, -2)), -1, -2)


def _every_other(a, axis=-1):
    shape = list(a.shape)
    shape[axis] *= 2
    big = np.full(shape, -1.2345e30, dtype=a.dtype)
    idx = [slice(None)] * a.ndim
    idx[axis] = slice(None, None, 2)
    big[tuple(idx)] = a
    return big[tuple(idx)]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_non_contiguous_core_dims(dtype):
    rng = np.random.default_rng(18)
    conc, K = (a.astype(dtype) for a in random_args("competitive_occupancy", (5,), rng, l=4, r=3))
    expected = en.competitive_occupancy(conc, K)
    for c2, K2 in [(conc, _transposed_memory(K)), (_every_other(conc), K),
                   (_every_other(conc), _every_other(K, -2)),
                   (_every_other(conc, 0), _every_other(_transposed_memory(K), -1))]:
        assert not (c2.flags.c_contiguous and K2.flags.c_contiguous)
        np.testing.assert_array_equal(en.competitive_occupancy(c2, K2), expected)
    # core dims read through negative strides (same values, same order)
    np.testing.assert_array_equal(
        en.competitive_occupancy(layouts.reversed_(conc), layouts.reversed_(K)), expected)
    # permuting the ligands permutes the output (the sum's order may change: rounding only)
    rev = en.competitive_occupancy(conc[..., ::-1], K[..., ::-1])
    np.testing.assert_allclose(rev, expected[..., ::-1], rtol=2 * (2 * 4 + 4) * np.finfo(dtype).eps)

    args = [a.astype(dtype) for a in random_args("operational_multi", (5,), rng, l=4)]
    expected = en.operational_multi(*args)
    moved = [_every_other(a) for a in args[:3]] + [args[3]]
    np.testing.assert_array_equal(en.operational_multi(*moved), expected)
    moved = [np.asfortranarray(a) for a in args[:3]] + [args[3]]
    np.testing.assert_array_equal(en.operational_multi(*moved), expected)
    # permuting the ligands does not change the effect beyond rounding of the sums
    perm = [a[..., ::-1] for a in args[:3]] + [args[3]]
    np.testing.assert_allclose(en.operational_multi(*perm), expected,
                               rtol=8 * np.finfo(dtype).eps)


@pytest.mark.parametrize("name", GUFUNCS)
def test_out_argument_including_non_contiguous(name):
    rng = np.random.default_rng(19)
    args = random_args(name, (4, 3), rng)
    expected = getattr(en, name)(*args)
    out = np.empty_like(expected)
    assert getattr(en, name)(*args, out=out) is out
    np.testing.assert_array_equal(out, expected)
    out = np.empty_like(expected)
    assert getattr(en, name)(*args, out=(out,)) is out
    np.testing.assert_array_equal(out, expected)
    # non-contiguous: every other element of a sentinel-filled buffer, in the last axis
    big = np.full(expected.shape[:-1] + (2 * expected.shape[-1],), 7.5)
    view = big[..., ::2]
    r = getattr(en, name)(*args, out=view)
    assert r is view
    np.testing.assert_array_equal(view, expected)
    np.testing.assert_array_equal(big[..., 1::2], 7.5)
    # transposed (Fortran-ordered) out
    fout = np.asfortranarray(np.empty_like(expected))
    getattr(en, name)(*args, out=fout)
    np.testing.assert_array_equal(fout, expected)
    # reversed out
    rout = np.empty_like(expected)[::-1]
    getattr(en, name)(*args, out=rout)
    np.testing.assert_array_equal(rout, expected)


# =================================================================== float32 values

def test_competitive_occupancy_and_operational_multi_float32():
    rng = np.random.default_rng(20)
    for l, r in [(1, 1), (3, 2), (6, 3)]:
        conc = (10.0 ** rng.uniform(-6, 6, (50, l))).astype(np.float32)
        K = (10.0 ** rng.uniform(-6, 6, (50, r, l))).astype(np.float32)
        got = en.competitive_occupancy(conc, K)
        assert got.dtype == np.float32
        ref = np.array([R.to_float(R.competitive_occupancy(c, k)) for c, k in zip(conc, K)])
        keep = (np.abs(ref) > 1e-30) & ((2 * l + 4) * EPS64 * np.abs(ref) <= 0.25 * R.exact_float32_ulp(ref))
        # computed in double and rounded once: within 1 float32 ulp
        _check(got[keep], ref[keep], R.exact_float32_ulp(ref)[keep], "competitive_occupancy f32")

        tau = (10.0 ** rng.uniform(-2, 2, (50, l))).astype(np.float32)
        n = np.float32(1.7)
        got = en.operational_multi(conc, K[:, 0, :], tau, n)
        assert got.dtype == np.float32
        ref = np.array([float(R.operational_multi(*a, n)) for a in zip(conc, K[:, 0, :], tau)])
        keep = np.abs(ref) > 1e-30
        _check(got[keep], ref[keep], R.exact_float32_ulp(ref)[keep], "operational_multi f32")


# =================================================================== error policy

@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_competitive_occupancy_invalid(dtype):
    conc = np.array([1.0, 2.0, 3.0], dtype=dtype)
    K = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], dtype=dtype)
    good = en.competitive_occupancy(conc, K)
    bad_K = K.copy()
    bad_K[1, 2] = -6.0
    with pytest.warns(RuntimeWarning, match="invalid value"):
        r = en.competitive_occupancy(conc, bad_K)
    assert np.isnan(r[1, 2])
    np.testing.assert_array_equal(r[0], good[0])          # the other receptor unaffected
    with np.errstate(invalid="raise"), pytest.raises(FloatingPointError):
        en.competitive_occupancy(conc, bad_K)
    bad_c = conc.copy()
    bad_c[0] = -1.0
    with pytest.warns(RuntimeWarning, match="invalid value"):
        r = en.competitive_occupancy(bad_c, K)
    assert np.isnan(r[:, 0]).all()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_competitive_occupancy_nan_quiet(dtype):
    """NaN: quietly NaN; a NaN concentration affects every receptor, a NaN K its row."""
    conc = np.array([1.0, 2.0, 3.0], dtype=dtype)
    K = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], dtype=dtype)
    good = en.competitive_occupancy(conc, K)
    with np.errstate(**RAISE):
        nan_c = conc.copy()
        nan_c[1] = np.nan
        assert np.isnan(en.competitive_occupancy(nan_c, K)).all()
        nan_K = K.copy()
        nan_K[0, 0] = np.nan
        r = en.competitive_occupancy(conc.copy(), nan_K)
        assert np.isnan(r[0]).all()
        np.testing.assert_array_equal(r[1], good[1])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_competitive_occupancy_zero_affinity_constant_is_invalid(dtype):
    """K = 0 is outside the domain K > 0: NaN and the *invalid* flag (one warning,
    "invalid value"; no divide-by-zero flag, which errstate(divide=...) would catch)."""
    conc = np.array([1.0, 2.0, 3.0], dtype=dtype)
    K = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 0.0]], dtype=dtype)
    with np.errstate(invalid="ignore", divide="raise"):
        r = en.competitive_occupancy(conc, K)
    assert np.isnan(r[1, 2])
    with np.errstate(invalid="raise"), pytest.raises(FloatingPointError, match="invalid"):
        en.competitive_occupancy(conc, K)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("pos,idx,value", [(0, 1, -1.0), (1, 0, 0.0), (1, 2, -2.0),
                                           (2, 0, -0.5), (3, None, 0.0), (3, None, -1.0)])
def test_operational_multi_invalid(pos, idx, value, dtype):
    args = [np.array([1.0, 2.0, 3.0], dtype=dtype), np.array([1.0, 2.0, 3.0], dtype=dtype),
            np.array([4.0, 0.0, 1.0], dtype=dtype), np.array(1.7, dtype=dtype)]
    if idx is None:
        args[pos] = np.array(value, dtype=dtype)
    else:
        args[pos][idx] = value
    with pytest.warns(RuntimeWarning, match="invalid value"):
        r = en.operational_multi(*args)
    assert np.isnan(r) and r.dtype == dtype
    with np.errstate(invalid="raise"), pytest.raises(FloatingPointError):
        en.operational_multi(*args)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_operational_multi_nan_quiet(dtype):
    base = [np.array([1.0, 2.0, 3.0]), np.array([1.0, 2.0, 3.0]), np.array([4.0, 0.0, 1.0]), 1.7]
    for pos in range(4):
        args = [np.array(a, dtype=dtype) for a in base]
        if pos == 3:
            args[3] = np.array(np.nan, dtype=dtype)
        else:
            args[pos][1] = np.nan
        with np.errstate(**RAISE):
            assert np.isnan(en.operational_multi(*args)), pos


JAC_VALID = {"hill_jac": (1.0, 2.0, 3.0, 1.7), "ll4_jac": (1.0, 1.3, 0.1, 2.0, 3.0),
             "ll5_jac": (1.0, 1.3, 0.1, 2.0, 3.0, 0.7)}
JAC_INVALID = [("hill_jac", 0, -1.0), ("hill_jac", 2, 0.0), ("hill_jac", 2, -3.0),
               ("hill_jac", 3, 0.0), ("hill_jac", 3, -1.0),
               ("ll4_jac", 0, -1.0), ("ll4_jac", 4, 0.0), ("ll4_jac", 4, -3.0),
               ("ll5_jac", 0, -1.0), ("ll5_jac", 4, 0.0), ("ll5_jac", 5, 0.0),
               ("ll5_jac", 5, -0.7)]
# components that depend on each argument (a NaN there must give NaN); the others
# (e.g. d hill/d emax = hill/emax does not involve emax) may stay finite
JAC_DEPENDS = {"hill_jac": [[0, 1, 2], [1, 2], [0, 1, 2], [0, 1, 2]],
               "ll4_jac": [[0, 1, 2, 3], [0, 1, 2, 3], [0, 3], [0, 3], [0, 1, 2, 3]],
               "ll5_jac": [[0, 1, 2, 3, 4], [0, 1, 2, 3, 4], [0, 3, 4], [0, 3, 4],
                           [0, 1, 2, 3, 4], [0, 1, 2, 3, 4]]}


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name,pos,value", JAC_INVALID)
def test_jacobian_invalid_parameter(name, pos, value, dtype):
    args = [np.array(v, dtype=dtype) for v in JAC_VALID[name]]
    args[pos] = np.array(value, dtype=dtype)
    with pytest.warns(RuntimeWarning, match="invalid value"):
        r = getattr(en, name)(*args)
    assert r.dtype == dtype and np.isnan(r).all()
    with np.errstate(invalid="raise"), pytest.raises(FloatingPointError):
        getattr(en, name)(*args)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", sorted(JAC_VALID))
def test_jacobian_nan_quiet(name, dtype):
    good = getattr(en, name)(*[np.array(v, dtype=dtype) for v in JAC_VALID[name]])
    for pos, depends in enumerate(JAC_DEPENDS[name]):
        args = [np.array(v, dtype=dtype) for v in JAC_VALID[name]]
        args[pos] = np.array(np.nan, dtype=dtype)
        with np.errstate(**RAISE):
            r = getattr(en, name)(*args)
        assert np.isnan(r[depends]).all(), (name, pos, r)
        others = [k for k in range(len(r)) if k not in depends]
        assert np.all(np.isnan(r[others]) | (r[others] == good[others])), (name, pos, r)


# =================================================================== size 0

@pytest.mark.parametrize("name", GUFUNCS)
def test_size_zero_loop_dims(name):
    rng = np.random.default_rng(21)
    for batch in [(0,), (3, 0)]:
        args = random_args(name, batch, rng)
        with np.errstate(**RAISE):
            r = getattr(en, name)(*args)
        expected = VEC[name](*random_args(name, (1,), rng)).shape[1:]
        assert r.shape == batch + expected and r.size == 0 and r.dtype == np.float64


# =================================================================== dask and xarray

def _refuse(*args, **kwargs):
    raise AssertionError("dask computed while the graph was being built")


def test_dask_direct_call_on_gufuncs_is_lazy():
    da = pytest.importorskip("dask.array")
    import dask
    rng = np.random.default_rng(22)
    conc, K = random_args("competitive_occupancy", (12,), rng, l=3, r=2)
    conc_d = da.from_array(conc, chunks=(4, 3))              # core dim in one chunk
    K_d = da.from_array(K, chunks=(4, 2, 3))
    with dask.config.set(scheduler=_refuse):
        lazy = en.competitive_occupancy(conc_d, K_d)
        lazy2 = en.operational_multi(*[da.from_array(a, chunks=(4,) + a.shape[1:])
                                       for a in random_args("operational_multi", (12,),
                                                            np.random.default_rng(1))])
    assert isinstance(lazy, da.Array) and isinstance(lazy2, da.Array)
    np.testing.assert_array_equal(lazy.compute(scheduler="threads"),
                                  en.competitive_occupancy(conc, K))
    np.testing.assert_array_equal(
        lazy2.compute(scheduler="threads"),
        en.operational_multi(*random_args("operational_multi", (12,), np.random.default_rng(1))))


@pytest.mark.parametrize("name", GUFUNCS)
def test_dask_apply_gufunc(name):
    """dask.array.apply_gufunc with named output dims (a fixed-size output core
    dimension such as (3) needs output_sizes in dask)."""
    da = pytest.importorskip("dask.array")
    import dask
    rng = np.random.default_rng(23)
    args = random_args(name, (10,), rng)
    dargs = [da.from_array(a, chunks=(5,) + a.shape[1:]) for a in args]
    sig = {"competitive_occupancy": "(l),(r,l)->(r,l)",
           "operational_multi": "(l),(l),(l),()->()",
           "hill_jac": "(),(),(),()->(p)", "ll4_jac": "(),(),(),(),()->(p)",
           "ll5_jac": "(),(),(),(),(),()->(p)"}[name]
    kw = {"output_sizes": {"p": JAC_SIZE[name]}} if name in JAC_SIZE else {}
    with dask.config.set(scheduler=_refuse):
        lazy = da.apply_gufunc(getattr(en, name), sig, *dargs, output_dtypes=float, **kw)
    assert isinstance(lazy, da.Array)
    np.testing.assert_array_equal(lazy.compute(scheduler="threads"), getattr(en, name)(*args))


@pytest.mark.parametrize("backend", ["numpy", "dask"])
def test_xarray_apply_ufunc_recipe_keeps_coords(backend):
    xr = pytest.importorskip("xarray")
    if backend == "dask":
        pytest.importorskip("dask.array")
    rng = np.random.default_rng(24)
    conc = rng.uniform(0, 10, (6, 3))
    K = rng.uniform(0.5, 5, (2, 3))
    conc_da = xr.DataArray(conc, dims=("subject", "ligand"),
                           coords={"subject": np.arange(100, 106),
                                   "ligand": ["beta_endorphin", "morphine", "naloxone"],
                                   "site": ("subject", list("abcdef"))})
    K_da = xr.DataArray(K, dims=("receptor", "ligand"),
                        coords={"receptor": ["mu", "delta"],
                                "ligand": ["beta_endorphin", "morphine", "naloxone"]})
    if backend == "dask":
        conc_da = conc_da.chunk({"subject": 2})
    occ = xr.apply_ufunc(en.competitive_occupancy, conc_da, K_da,
                         input_core_dims=[["ligand"], ["receptor", "ligand"]],
                         output_core_dims=[["receptor", "ligand"]],
                         dask="parallelized", output_dtypes=[float])
    assert isinstance(occ, xr.DataArray)
    assert occ.dims == ("subject", "receptor", "ligand")
    if backend == "dask":
        import dask.array as da
        assert isinstance(occ.data, da.Array)
        occ = occ.compute()
    np.testing.assert_array_equal(occ["subject"], np.arange(100, 106))
    assert list(occ["receptor"].values) == ["mu", "delta"]
    assert list(occ["ligand"].values) == ["beta_endorphin", "morphine", "naloxone"]
    assert list(occ["site"].values) == list("abcdef")
    np.testing.assert_array_equal(occ.values, en.competitive_occupancy(conc, K))
