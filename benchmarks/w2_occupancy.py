"""W2 occupancy: competitive binding of 3 ligands at 3 receptors, 10^6 rows.

Workload (fixed; benchmarks/README.md, W2):
    rng = np.random.default_rng(20240502)
    C   = 10 ** rng.uniform(-3, 3, size=(1_000_000, 3))   concentrations, nmol/L,
          columns = ligands (beta-endorphin, morphine, naloxone)
    K   = [[1, 1.2, 1], [1, 200, 20], [50, 300, 10]]       affinities, nmol/L,
          rows = receptors (mu, delta, kappa), columns = ligands
    x[i, r, j]   = C[i, j] / K[r, j]
    occ[i, r, j] = x[i, r, j] / (1 + sum_l x[i, r, l])      output (1_000_000, 3, 3)

Rows (round-robin in the same rounds; 1 warm-up round, then --repeats rounds):
    endorphin.competitive_occupancy(C, K, out=occ)   the package: a gufunc with signature
                                                     (l),(r,l)->(r,l); a "not available
                                                     yet" row while it does not exist
    endorphin.competitive_occupancy(C, K)            the same, allocating its result
    NumPy broadcasting                               x = C[:, None, :] / K; x / (1 + x.sum(-1))
                                                     as users write it (allocating)
    NumPy broadcasting, out= buffers                 the same operations into preallocated arrays
    C loop, 1/K + 1 division per receptor            the practical limit (kernel only)
    memory floor                                     C loop with the same traffic (read 3,
                                                     write 9 doubles a row), no arithmetic

Reported: rows/s, each row as a multiple of the memory floor's time in the same round,
and the targets (benchmarks/README.md): the package at least 5x faster than NumPy broadcasting,
and within 1.5x of the memory floor, both as per-round ratios.  Accuracy: the maximal
relative difference from the NumPy broadcasting result.

Run:  python benchmarks/w2_occupancy.py [--repeats 9]     (about 10 s)
"""
from __future__ import annotations

import ctypes

import numpy as np

import common as cm

NROW = 1_000_000
SEED = 20240502
K = np.array([[1.0, 1.2, 1.0],
              [1.0, 200.0, 20.0],
              [50.0, 300.0, 10.0]])

PKG = "endorphin.competitive_occupancy(C, K, out=occ)"
PKG_ALLOC = "endorphin.competitive_occupancy(C, K)  (allocating)"
NP_BCAST = "NumPy broadcasting (allocating)"
NP_OUT = "NumPy broadcasting, out= buffers"
C_RECIP = "C loop, 1/K + 1 division per receptor  [practical limit]"
FLOOR = "memory floor (read 3, write 9 doubles per row)  [1.0x]"


def max_rel_diff(v: np.ndarray, ref: np.ndarray) -> float:
    """max |v - ref| / |ref| (every occupancy here is > 0: C > 0 and K finite)."""
    return float(np.max(np.abs(v - ref) / ref))


def main(argv: list[str] | None = None) -> dict:
    args, full_run = cm.parse_repeats(__doc__, argv, default=9)

    notes: list[str] = []
    try:
        import endorphin
        pkg_fn = getattr(endorphin, "competitive_occupancy", None)
        if pkg_fn is None:
            notes.append("endorphin.competitive_occupancy is not available yet in "
                         f"endorphin {endorphin.__version__}: package rows not measured")
    except ImportError as e:
        pkg_fn = None
        notes.append(f"endorphin not importable ({e}): package rows not measured")

    rng = np.random.default_rng(SEED)
    C = 10 ** rng.uniform(-3, 3, size=(NROW, 3))
    # Preallocated and touched before timing, like the limits' buffers.
    occ = np.zeros((NROW, 3, 3))
    xbuf = np.zeros((NROW, 3, 3))
    sbuf = np.zeros((NROW, 3, 1))

    # W2 kernels were checked insensitive to code alignment (benchmarks/README.md), so no
    # -falign-loops here; built into their own library name.
    lib = cm.build_c("limits.c", "limits_w2")
    P, L = ctypes.c_void_p, ctypes.c_long
    c_recip = cm.cfunc(lib, "w2_occ_recip", [P, P, P, L])
    c_floor = cm.cfunc(lib, "w2_memfloor", [P, P, L])
    Cp, Kp, Op = cm.addr(C), cm.addr(K), cm.addr(occ)

    def np_bcast():
        x = C[:, None, :] / K[None, :, :]
        return x / (1.0 + x.sum(axis=2, keepdims=True))

    def np_out():
        np.divide(C[:, None, :], K[None, :, :], out=xbuf)
        np.sum(xbuf, axis=2, keepdims=True, out=sbuf)
        np.add(sbuf, 1.0, out=sbuf)
        np.divide(xbuf, sbuf, out=occ)
        return occ

    rows: dict[str, tuple] = {}
    ref = np_bcast()
    if pkg_fn is not None:
        # Check the package's function on the workload before timing it: a wrong
        # signature or shape is reported as a row, and the peers are still measured.
        try:
            occ.fill(np.nan)
            r = pkg_fn(C, K, out=occ)
            if r is not occ or occ.shape != ref.shape or not np.all(np.isfinite(occ)):
                raise ValueError(f"result of shape {np.shape(r)} is not occ "
                                 f"{ref.shape}, or has non-finite values")
            rows[PKG] = (lambda: pkg_fn(C, K, out=occ), "wall, preallocated")
            rows[PKG_ALLOC] = (lambda: pkg_fn(C, K), "wall, allocates result")
        except Exception as e:   # noqa: BLE001 -- any failure is reported, not fatal
            notes.append(f"endorphin.competitive_occupancy failed on the workload: "
                         f"{type(e).__name__}: {e}")
            pkg_fn = None
    rows[NP_BCAST] = (np_bcast, "wall, allocates temporaries")
    rows[NP_OUT] = (np_out, "wall, preallocated")
    rows[C_RECIP] = (lambda: c_recip(Cp, Kp, Op, NROW), "kernel only")
    rows[FLOOR] = (lambda: c_floor(Cp, Op, NROW), "kernel only")

    # ---- accuracy: each row's result against NumPy broadcasting
    acc = cm.row_errors(rows, occ, lambda r: max_rel_diff(r, ref), skip=(FLOOR,))
    del ref

    times = cm.time_rows(rows, args.repeats)
    cm.check_no_flush_to_zero("after the W2 rows")

    floor = times[FLOOR]
    out_rows, table = [], []
    if pkg_fn is None:
        out_rows.append({"row": PKG, "available": False, "note": "; ".join(notes)})
        table.append([PKG, "not available yet", "", "", "", "", ""])
    for name, (_, how) in rows.items():
        s = cm.summary(times[name])
        to_floor = cm.per_round_ratio(times[name], floor)
        speedup = cm.per_round_ratio(times[NP_BCAST], times[name])
        e = acc[name]
        out_rows.append({"row": name, "available": True, "timed": how, "time_s": s,
                         "rows_per_s": NROW / s["median"], "ratio_to_floor": to_floor,
                         "numpy_bcast_speedup": speedup, "max_rel_diff_vs_numpy": e})
        table.append([name, cm.fmt_time_range(s), f"{NROW / s['median'] / 1e6:.1f}",
                      cm.fmt_ratio(to_floor), cm.fmt_ratio(speedup),
                      "" if e is None else ("bitwise equal" if e == 0 else f"{e:.1e}"),
                      how])

    if pkg_fn is not None:
        targets = [
            cm.target("package speed-up over NumPy broadcasting (NumPy time / package time)",
                      cm.per_round_ratio(times[NP_BCAST], times[PKG]), 5.0,
                      higher_is_better=True),
            cm.target("package time / memory floor time",
                      cm.per_round_ratio(times[PKG], floor), 1.5, higher_is_better=False),
        ]
    else:
        targets = [cm.unavailable_target("package >= 5x NumPy broadcasting", "not available yet"),
                   cm.unavailable_target("package within 1.5x of the memory floor",
                                         "not available yet")]

    cm.print_report(f"## W2 competitive occupancy: {NROW:,} rows x 3 ligands x 3 receptors "
                    f"(NumPy {np.__version__})",
                    ["row", "time median (min-max)", "M rows/s", "x memory floor, per round",
                     "speed-up vs NumPy bcast", "max rel diff vs NumPy", "timed"], table,
                    "Targets (package >= 5x NumPy broadcasting; package within 1.5x of the "
                    "memory floor):", targets, notes)

    payload = {"workload": "W2 competitive occupancy", "definition": __doc__,
               "n_rows": NROW, "seed": SEED, "K": K.tolist(), "repeats": args.repeats,
               "full_run": full_run, "baseline": FLOOR, "rows": out_rows,
               "targets": targets, "notes": notes}
    path = cm.save_json("w2_occupancy", payload)
    print(f"results: {path}")
    return payload


if __name__ == "__main__":
    main()
