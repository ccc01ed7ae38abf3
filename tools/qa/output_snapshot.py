"""Bitwise snapshot of the package's numbers, to prove a refactoring changed none.

    python tools/qa/output_snapshot.py save  BASELINE.npz
    python tools/qa/output_snapshot.py check BASELINE.npz

``save`` runs a fixed set of workloads against the *installed* package and
stores every array; ``check`` runs them again and compares bit for bit
(NaN payloads included: the float arrays are compared as raw bytes).  The
workloads: the W4 model (tests/data reference subjects, both explicit
methods, lanes and one subject at a time, 1 and 2 threads); the full
endorphin model through Scenario.simulate with pulses, rhythm, every drug
route and several conditions, under each method; summary mode; the
dose-response ufuncs and gufuncs on grids; the batched fitter.

Run it from outside the source tree (it imports the installed package).
A model change (not a refactoring) is expected to change the numbers: take
a new baseline then.
"""
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[2]


def _w4(out):
    import endorphin._engine_tests  # noqa: F401  (registers the test model w4_bench)
    from endorphin import core
    ref = np.load(REPO / "tests" / "data" / "w4_reference_20subjects.npz")
    sys.path.insert(0, str(REPO / "tests" / "_support"))
    import engine_refs as R
    breaks, inputs = R.w4_segments()
    params = R.w4_params(ref["subj"])
    for method in ("explicit", "tsit5", "stiff", "auto"):
        for lanes in (True, False):
            for threads in (1, 2):
                res = core.simulate("w4_bench", params, R.W4_T_OUT, breaks=breaks,
                                    inputs=inputs, rtol=1e-6, atol=1e-9, method=method,
                                    threads=threads, _lanes=lanes)
                _sim(out, f"w4/{method}/lanes{int(lanes)}/t{threads}", res)
    res = core.simulate("w4_bench", params, R.W4_T_OUT, breaks=breaks, inputs=inputs,
                        rtol=1e-6, atol=1e-9, summary=True)
    _sim(out, "w4/summary", res)


def _sim(out, key, res):
    for field in ("y", "status", "n_rhs", "n_accepted", "n_rejected", "n_jac", "stiff",
                  "summary"):
        v = getattr(res, field)
        if v is not None:
            out[f"{key}/{field}"] = np.asarray(v)


def _scenarios():
    import endorphin as en
    yield "mixed", en.Scenario(
        en.Exercise(0.8, start=60, duration=30) + en.Acupuncture(start=100, duration=20)
        + en.Pain(level=4, start=10, duration=5).repeat(every=100, times=3)
        + en.Laughter(start=300, duration=10) + en.Stress(0.6, start=350, duration=20)
        + en.Meditation(start=400, duration=20),
        [en.Dose("naloxone", 0.4, time=50),
         en.Dose("morphine", rate=0.01, duration=100, unit="mg", time=5, every=200, times=2),
         en.Dose("morphine", 5, "mg", route="oral", time=0)],
        en.Population(24, seed=2, t_half_plasma=40.0, cv={"t_half_csf": 0.1}),
        t_end=600, dt=2.5, clock_start="07:30")
    yield "day_pulses", en.Scenario(en.Exercise(0.7, start=480, duration=45),
                                    population=en.Population(16, seed=5),
                                    t_end=1440, dt=10)
    for cond in ("fibromyalgia", "chronic_pain", "depression_anhedonia"):
        yield f"cond_{cond}", en.Scenario(
            en.Pain(level=5, start=30, duration=60) + en.Exercise(0.6, start=120, duration=30),
            [en.Dose("morphine", 10, "mg", route="oral", time=60)],
            en.Population(12, seed=7, condition=cond), t_end=400, dt=5)
    yield "four_drugs", en.Scenario(
        en.Pain(level=6, start=0, duration=200),
        [en.Dose("morphine", 5, "mg", time=10), en.Dose("naloxone", 0.4, time=90),
         en.Dose("fentanyl", 0.05, "mg", time=30), en.Dose("buprenorphine", 0.3, "mg", time=40)],
        en.Population(10, seed=11), t_end=300, dt=5)


def _model(out):
    for name, sc in _scenarios():
        for method in ("auto", "dopri5", "tsit5", "stiff", "explicit"):
            for threads in (1, 2):
                try:
                    res = sc.simulate(method=method, threads=threads)
                except Exception as exc:          # record the failure itself
                    out[f"model/{name}/{method}/t{threads}/error"] = np.array(repr(exc))
                    continue
                for var in res.keys():
                    out[f"model/{name}/{method}/t{threads}/{var}"] = np.asarray(res[var])


def _ufuncs(out):
    import endorphin as en
    rng = np.random.default_rng(1)
    c = np.concatenate([np.logspace(-8, 8, 2001), [0.0, -1.0, np.nan, np.inf]])
    with np.errstate(all="ignore"):
        for n in (0.3, 1.0, 1.7, 20.0):
            out[f"uf/hill/{n}"] = en.hill(c, 1.0, 3.0, n)
            out[f"uf/hill32/{n}"] = en.hill(c.astype(np.float32), np.float32(1.0),
                                            np.float32(3.0), np.float32(n))
        out["uf/emax_model"] = en.emax_model(c, 0.2, 1.0, 3.0, 1.3)
        out["uf/ll4"] = en.ll4(c, 1.5, 0.1, 1.0, 2.0)
        out["uf/ll5"] = en.ll5(c, 1.5, 0.1, 1.0, 2.0, 0.7)
        out["uf/occupancy"] = en.occupancy(c, 2.5)
        out["uf/operational"] = en.operational(c, 2.0, 3.0, 1.0, 1.2)
        out["uf/dose_ratio"] = en.dose_ratio(c, 2.0, 1.0)
        out["uf/hill_inverse"] = en.hill_inverse(np.linspace(0, 1, 101), 1.0, 3.0, 1.7)
        out["uf/ecx"] = en.ecx(np.linspace(0, 100, 101), 3.0, 1.7)
        out["uf/hill_jac"] = en.hill_jac(c, 1.0, 3.0, 1.7)
        out["uf/ll4_jac"] = en.ll4_jac(c, 1.5, 0.1, 1.0, 2.0)
        out["uf/ll5_jac"] = en.ll5_jac(c, 1.5, 0.1, 1.0, 2.0, 0.7)
        for l, r in ((3, 3), (1, 1), (3, 1), (2, 3), (4, 2), (5, 4), (8, 4), (3, 6)):
            conc = rng.lognormal(size=(301, l))
            K = rng.lognormal(size=(r, l))
            conc[5, 0] = np.nan
            conc[7, -1] = -1.0
            out[f"uf/competitive_occupancy/{l}x{r}"] = en.competitive_occupancy(conc, K)
        conc = rng.lognormal(size=(301, 3))
        out["uf/operational_multi"] = en.operational_multi(
            conc, rng.lognormal(size=3), np.array([3.0, 0.0, 1.0]), 1.2)


def _fit(out):
    import endorphin as en
    rng = np.random.default_rng(3)
    x = np.logspace(-2, 2, 12)
    y = en.ll4(x, 1.5, 0.1, 1.0, 2.0) + rng.normal(scale=0.02, size=(64, 12))
    for model in ("ll4", "ll5", "hill", "emax"):
        for threads in (1, 2):
            fit = en.fit_dose_response(x, y, model=model, threads=threads)
            out[f"fit/{model}/t{threads}/params"] = fit.params
            out[f"fit/{model}/t{threads}/stderr"] = fit.stderr
            out[f"fit/{model}/t{threads}/reason"] = np.asarray(fit.reason).astype("U")


def snapshot():
    out = {}
    for part in (_w4, _model, _ufuncs, _fit):
        part(out)
    return out


def _same(a, b):
    a, b = np.asarray(a), np.asarray(b)
    if a.dtype != b.dtype or a.shape != b.shape:
        return False
    if a.dtype.kind in "fc":
        return np.ascontiguousarray(a).tobytes() == np.ascontiguousarray(b).tobytes()
    return bool(np.array_equal(a, b))


def main(argv):
    if len(argv) != 3 or argv[1] not in ("save", "check"):
        sys.exit(__doc__)
    import endorphin
    if Path(endorphin.__file__).resolve().is_relative_to(REPO):
        sys.exit("imported endorphin from the source tree: run from outside it")
    snap = snapshot()
    if argv[1] == "save":
        np.savez_compressed(argv[2], **snap)
        print(f"saved {len(snap)} arrays to {argv[2]}")
        return
    base = np.load(argv[2])
    missing = sorted(set(base.files) - set(snap))
    extra = sorted(set(snap) - set(base.files))
    differ = [k for k in sorted(set(base.files) & set(snap)) if not _same(base[k], snap[k])]
    print(f"{len(snap)} arrays: {len(differ)} differ, {len(missing)} missing, "
          f"{len(extra)} new")
    for k in differ[:40]:
        a, b = np.asarray(base[k]), np.asarray(snap[k])
        extra_info = ""
        if a.shape == b.shape and a.dtype.kind == "f":
            with np.errstate(all="ignore"):
                d = np.nanmax(np.abs(a - b) / np.maximum(np.abs(a), 1e-300))
            extra_info = f" max rel diff {d:.3g}"
        print(f"  differs: {k}{extra_info}")
    for k in missing[:20]:
        print(f"  missing: {k}")
    sys.exit(1 if differ or missing else 0)


if __name__ == "__main__":
    main(sys.argv)
