"""W1 hill: the Hill equation over a large float64 array, against peers and the copy limit.

Workload (fixed; benchmarks/README.md, W1):
    c = np.logspace(-3, 3, 10_000_000)          float64, C-contiguous (80 MB)
    y = emax * c**n / (ec50**n + c**n)          emax = 1.0, ec50 = 3.0, n = 1.7

Rows (all run round-robin in the same rounds; 1 warm-up round, then --repeats rounds):
    endorphin.hill(c, 1.0, 3.0, 1.7, out=y)     the package, preallocated output (main row)
    endorphin.hill(c, 1.0, 3.0, 1.7)            the package, allocating its result
    NumPy literal expression                    allocates temporaries and the result
    NumPy, preallocated buffers                 power, add, divide, multiply with out= (4 passes)
    numexpr, 1 and 2 threads, out=y            skipped with a note if numexpr is missing
    C loop, plain pow                           scalar libm pow, gcc -O3 -march=native, kernel only
    C loop, exp(n log c), -ffast-math           the same vectorised through libmvec (c/w1_fastmath.c;
                                                -ffast-math at compile only), benchmarks/README.md's
                                                "vectorised C loop" row; kernel only
    (ref) np.power(c, n, out=t) alone           one pass of NumPy's power: is it SIMD here?
    np.copyto(y, c)                             NumPy's copy, for reference
    C copy loop y[i] = c[i], 1 thread           THE LIMIT (kernel-only clock_gettime time)

Every row is reported as a multiple of the C copy loop's time in the same round
(median and min-max over rounds).  Accuracy: the maximal relative error of each
row's result against the expression evaluated in long double (x87 80-bit on x86-64)
from the same float64 inputs.  Targets (benchmarks/README.md): hill(out=) within 3x of the
copy, and at least 1.4x faster than the preallocated NumPy version, single-threaded
(NumPy ufuncs run on one thread), at float64 accuracy (a few ulp).

Run:  python benchmarks/w1_hill.py [--repeats 7]      (about 30 s with 7 rounds)
"""
from __future__ import annotations

import ctypes

import numpy as np

import common as cm

N = 10_000_000
EMAX, EC50, HILL = 1.0, 3.0, 1.7
EPS = float(np.finfo(np.float64).eps)

MAIN = "endorphin.hill(c, 1.0, 3.0, 1.7, out=y)"
ALLOC = "endorphin.hill(c, 1.0, 3.0, 1.7)  (allocating)"
LITERAL = "NumPy literal expression (allocating)"
TUNED = "NumPy, preallocated buffers (4 passes, out=)"
NE1 = "numexpr, 1 thread, out=y"
NE2 = "numexpr, 2 threads, out=y"
CPOW = "C loop, plain pow, -O3 -march=native"
CFAST = "C loop, exp(n log c), -ffast-math (libmvec)"
NPPOW = "(ref) np.power(c, 1.7, out=t) alone"
COPYTO = "np.copyto(y, c)"
LIMIT = "C copy loop y[i] = c[i], 1 thread  [LIMIT]"

CHUNK = 1 << 20     # long-double work in chunks: bounded temporaries


def long_double_reference(c: np.ndarray) -> np.ndarray:
    """The workload's expression in long double, from the float64 inputs."""
    ld = np.longdouble
    ref = np.empty(c.shape, dtype=ld)
    e50n = ld(EC50) ** ld(HILL)
    for s in range(0, c.size, CHUNK):
        cn = c[s:s + CHUNK].astype(ld) ** ld(HILL)
        ref[s:s + CHUNK] = ld(EMAX) * cn / (e50n + cn)
    return ref


def max_rel_err(v: np.ndarray, ref: np.ndarray) -> float:
    """max |v - ref| / |ref|, computed in long double, chunk by chunk (ref > 0 here)."""
    worst = 0.0
    for s in range(0, v.size, CHUNK):
        r = ref[s:s + CHUNK]
        d = np.abs((v[s:s + CHUNK].astype(np.longdouble) - r) / r)
        worst = max(worst, float(d.max()))
    return worst


def numpy_power_simd() -> str:
    """How NumPy's float64 power is likely computed here (reported, not assumed).

    NumPy built with SVML dispatches float64 power to Intel's __svml_pow8 (AVX-512)
    when the CPU has the AVX512_SKX feature group; otherwise it loops over scalar
    libm pow.  We look for the symbol in NumPy's umath library; the measured row
    "(ref) np.power alone" against "C loop, plain pow" is the empirical answer.
    """
    try:
        from numpy._core import _multiarray_umath as mu
    except ImportError:
        from numpy.core import _multiarray_umath as mu
    try:
        with open(mu.__file__, "rb") as f:
            has_svml = b"__svml_pow8" in f.read()
    except OSError:
        has_svml = False
    skx = bool(getattr(mu, "__cpu_features__", {}).get("AVX512_SKX", False))
    if has_svml and skx:
        return "SVML AVX-512 (__svml_pow8 in NumPy's umath, CPU has AVX512_SKX)"
    if has_svml:
        return "scalar (NumPy has SVML, but the CPU lacks AVX512_SKX)"
    return "scalar libm pow (no SVML in this NumPy build)"


def main(argv: list[str] | None = None) -> dict:
    args, full_run = cm.parse_repeats(__doc__, argv, default=7)

    notes: list[str] = []
    try:
        import endorphin
    except ImportError as e:               # peers are still worth measuring
        endorphin = None
        notes.append(f"endorphin not importable ({e}): package rows skipped")
    try:
        import numexpr as ne
    except ImportError:
        ne = None
        notes.append("numexpr is not installed: numexpr rows skipped "
                     "(pip install numexpr, or the [bench] extra)")

    # Inputs and preallocated outputs, touched before timing (no page faults in
    # the rows that take out=, like the limit).
    c = np.logspace(-3, 3, N)
    y = np.zeros_like(c)
    t = np.zeros_like(c)

    # W1 loops get -falign-loops=64: code placement alone moved one W1 kernel by
    # 1.6x on this machine (benchmarks/README.md, "Lessons"); aligned loops are stable.
    lib = cm.build_c("limits.c", "limits_w1", ["-falign-loops=64"])
    P, L, D = ctypes.c_void_p, ctypes.c_long, ctypes.c_double
    c_copy = cm.cfunc(lib, "w1_copy", [P, P, L])
    c_pow = cm.cfunc(lib, "w1_hill_pow", [P, P, L, D, D, D])
    # benchmarks/README.md's "C loop, vectorised (libmvec, AVX-512)" row: a peer, not a limit
    fast = cm.build_c("w1_fastmath.c", "w1_fastmath",
                      ["-falign-loops=64", "-mprefer-vector-width=512"], fast_math_compile=True)
    c_fast = cm.cfunc(fast, "w1_hill_fastmath", [P, P, L, D, D, D])
    cp, yp = cm.addr(c), cm.addr(y)

    emax, ec50, n = EMAX, EC50, HILL
    ec50n = ec50 ** n

    def np_literal():
        return emax * c ** n / (ec50 ** n + c ** n)

    def np_tuned():
        np.power(c, n, out=t)
        np.add(t, ec50n, out=y)
        np.divide(t, y, out=y)
        np.multiply(y, emax, out=y)
        return y

    # Each row: (function, how it is timed, whether its result is the full expression).
    rows: dict[str, tuple] = {}
    if endorphin is not None:
        hill = endorphin.hill
        rows[MAIN] = (lambda: hill(c, emax, ec50, n, out=y), "wall, preallocated", True)
        rows[ALLOC] = (lambda: hill(c, emax, ec50, n), "wall, allocates result", True)
    rows[LITERAL] = (np_literal, "wall, allocates temporaries", True)
    rows[TUNED] = (np_tuned, "wall, preallocated", True)
    if ne is not None:
        expr = "emax * c**n / (ec50**n + c**n)"
        env = {"c": c, "emax": emax, "ec50": ec50, "n": n}

        def ne_out(k):
            def f():
                ne.set_num_threads(k)
                return ne.evaluate(expr, local_dict=env, out=y)
            return f
        rows[NE1] = (ne_out(1), "wall, preallocated", True)
        rows[NE2] = (ne_out(2), "wall, preallocated, 2 threads", True)
    rows[CPOW] = (lambda: c_pow(cp, yp, N, emax, ec50, n), "kernel only", True)
    rows[CFAST] = (lambda: c_fast(cp, yp, N, emax, ec50, n), "kernel only", True)
    rows[NPPOW] = (lambda: np.power(c, n, out=t), "wall; one pass, not the expression", False)
    rows[COPYTO] = (lambda: np.copyto(y, c), "wall", False)
    rows[LIMIT] = (lambda: c_copy(cp, yp, N), "kernel only", False)

    # ---- accuracy: one evaluation of each row against the long-double reference
    print("computing the long-double reference ...", flush=True)
    ref = long_double_reference(c)
    ld_better = np.finfo(np.longdouble).eps < EPS
    if not ld_better:
        notes.append("long double is float64 on this platform: errors are vs float64")
    acc = cm.row_errors(rows, y, lambda r: max_rel_err(r, ref),
                        skip=[name for name, (_, _, full) in rows.items() if not full])
    del ref

    # ---- timing: round-robin, per-round ratios to the copy loop
    times = cm.time_rows(rows, args.repeats)
    if ne is not None:
        ne.set_num_threads(ne.detect_number_of_cores())
    cm.check_no_flush_to_zero("after the W1 rows")

    lim = times[LIMIT]
    out_rows = []
    table = []
    for name, (_, how, _) in rows.items():
        s = cm.summary(times[name])
        ratio = cm.per_round_ratio(times[name], lim)
        e = acc[name]
        out_rows.append({"row": name, "timed": how, "time_s": s,
                         "elements_per_s": N / s["median"],
                         "ratio_to_copy": ratio, "max_rel_err": e})
        table.append([name, cm.fmt_time_range(s), f"{N / s['median'] / 1e6:.0f}",
                      cm.fmt_ratio(ratio),
                      "" if e is None else f"{e:.1e} ({e / EPS:.2f} eps)", how])

    targets = []
    if endorphin is not None:
        targets.append(cm.target("hill(out=y) time / copy time",
                                 cm.per_round_ratio(times[MAIN], lim), 3.0,
                                 higher_is_better=False))
        targets.append(cm.target("NumPy preallocated time / hill(out=y) time",
                                 cm.per_round_ratio(times[TUNED], times[MAIN]), 1.4,
                                 higher_is_better=True))
        # "float64 accuracy (a few ulp)": read here as at most 4 eps relative error.
        e = acc[MAIN]
        ok = e <= 4 * EPS
        targets.append({"label": "hill max rel err vs long double", "pass": ok,
                        "value": e, "target": "<= 4 eps",
                        "line": f"{'PASS' if ok else 'FAIL'}  hill max rel err vs long "
                                f"double: {e:.2e} = {e / EPS:.2f} eps, target <= 4 eps "
                                "(a few ulp)"})
    else:
        targets.append(cm.unavailable_target("hill <= 3x copy", "endorphin not importable"))
        targets.append(cm.unavailable_target("hill >= 1.4x faster than NumPy preallocated",
                                             "endorphin not importable"))

    simd = numpy_power_simd()
    cm.print_report(f"## W1 hill: {N:,} float64, emax={EMAX}, ec50={EC50}, n={HILL}  "
                    f"(NumPy {np.__version__}; NumPy power: {simd})",
                    ["row", "time median (min-max)", "Melem/s",
                     "x copy, per round: median (min-max)", "max rel err vs long double",
                     "timed"], table,
                    "Targets (hill <= 3x copy; hill >= 1.4x faster than NumPy preallocated):",
                    targets, notes)

    payload = {"workload": "W1 hill", "definition": __doc__, "n_elements": N,
               "params": {"emax": EMAX, "ec50": EC50, "n": HILL},
               "repeats": args.repeats, "full_run": full_run, "baseline": LIMIT,
               "numpy_power": simd, "rows": out_rows, "targets": targets, "notes": notes}
    path = cm.save_json("w1_hill", payload)
    print(f"results: {path}")
    return payload


if __name__ == "__main__":
    main()
