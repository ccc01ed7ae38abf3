"""A small smoke run of every C entry point, for valgrind memcheck
(tools/qa/valgrind_smoke.sh): ufuncs (float64, float32, strided, out=, error
paths), gufuncs, NCA, core.simulate (every method, summary mode, doses,
breaks, threads), model.simulate and the batched fitter."""
import numpy as np

import endorphin as en
from endorphin import _engine_tests, _ufuncs, core, model, nca

with np.errstate(all="ignore"):
    x = np.linspace(0.0, 10.0, 301)
    for f32 in (False, True):
        c = x.astype(np.float32) if f32 else x
        en.hill(c, 1.0, 3.0, 1.7)
        en.hill(c[::-3], 1.0, np.linspace(1, 2, 101), 1.7, out=np.empty(101))
        en.emax_model(c, 0.1, 1.0, 3.0, 1.7)
        en.ll4(c, 1.3, 0.1, 2.0, 3.0)
        en.ll5(c, 1.3, 0.1, 2.0, 3.0, 0.7)
        en.occupancy(c, 3.0)
        en.operational(c, 3.0, 5.0, 1.0, 1.7)
        en.dose_ratio(c, 3.0, 0.9)
        en.hill_inverse(c / 11, 1.0, 3.0, 1.7)
        en.ecx(c / 11, 3.0, 1.7)
        en.hill_jac(c[:10], 1.0, 3.0, 1.7)
        en.ll4_jac(c[:10], 1.3, 0.1, 2.0, 3.0)
        en.ll5_jac(c[:10], 1.3, 0.1, 2.0, 3.0, 0.7)
    conc = np.abs(np.sin(np.arange(60.0))).reshape(20, 3)
    K = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    en.competitive_occupancy(conc, K)
    en.competitive_occupancy(conc[::2].astype(np.float32), K)
    en.competitive_occupancy([0.0, 1.0, np.inf], K)
    en.operational_multi(conc, K[0], np.array([4.0, 0.0, 1.0]), 1.7)
    t = np.cumsum(np.ones((5, 12)), axis=1)
    prof = np.exp(-t / 5.0) * 10
    nca.auc(t, prof), nca.auc(t, prof, method="linear-up/log-down")
    nca.cmax(prof), nca.tmax(t, prof), nca.half_life(t, prof)
    _ufuncs._half_life(t, prof, np.intp(1))
    for bad in (lambda: en.hill("x", 1, 1, 1), lambda: en.competitive_occupancy(conc, K.T),
                lambda: nca.auc(t[:, ::-1], prof), lambda: _ufuncs._cmax(
                    np.broadcast_to(np.float32(1.0), (2**60,)))):
        try:
            bad()
        except (TypeError, ValueError, MemoryError):
            pass

p = np.array([[0.1, 0.02, 5.0], [0.2, 0.03, 4.0], [0.05, 0.01, 3.0]])
tt = np.linspace(0.0, 200.0, 21)
for method in ("explicit", "tsit5", "stiff", "auto"):
    core.simulate("linear1", p, tt, method=method, threads=2, doses=([0.0, 50.0], [0, 1],
                  [10.0, 5.0]), breaks=[20.0, 40.0], inputs=[[0.0], [1.0], [0.0]],
                  summary=True)
core.simulate("robertson", [0.04, 3e7, 1e4], [0.0, 1.0, 10.0], y0=[1.0, 0.0, 0.0],
              method="auto", threads=1)
core.simulate("linear1", p[0], tt, fixed_step=0.5)
try:
    core.simulate("linear1", p[0], tt, max_steps=3)
    _engine_tests._evaluate("linear1", 0.0, None, p[0], np.zeros(1))
except ValueError:
    pass
pe = model.sample_parameters(3, seed=1)
model.simulate(pe, np.linspace(0.0, 120.0, 13), segments=[("exercise", 10.0, 30.0, 0.8)],
               pulses=True, threads=2)
xd = np.geomspace(0.1, 100.0, 8)
en.fit_dose_response(xd, en.ll4(xd, 1.2, 0.05, np.linspace(0.8, 1.2, 6)[:, None], 3.0),
                     threads=2)
en.fit_dose_response(xd, en.ll4(xd, 1.2, 0.05, 1.0, 3.0), model="ll5", threads=1)
print("smoke done")
