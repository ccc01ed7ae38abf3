"""en.design.optimize, choose_samples and n_subjects against independent references
(issue 24): analytic optima of a mono-exponential, brute force over a small grid, the
1/sqrt(n) scaling of the FO FIM's RSE checked with evaluate at the computed n.

The model: C = D / V exp(-CL t / V) (morphine's one-compartment PK, IV bolus).  With
only CL estimated and additive error the FIM of one sample at t is
(dC/dCL)^2 / sigma^2 = (t C / V)^2 / sigma^2, largest at t = V / CL; with CL
uncertain (log-normal, CV cv) E[log FIM] = const + 2 log t - 2 t E[CL] / V is largest
at t = V / E[CL] = V / (CL sqrt(1 + cv^2)).
"""
import itertools
import math

import numpy as np
import pytest

import endorphin as en

pytest.importorskip("scipy.optimize")

T_END = 480.0
CL, V = en.drugs.get("morphine").cl, en.drugs.get("morphine").v1


def _sc():
    return en.Scenario(doses=en.Dose("morphine", 1000.0, unit="nmol", route="iv", time=0.0),
                       t_end=T_END, pulses=False, circadian=False)


ONE = dict(parameters={"morphine.cl": 0.0}, error=en.design.error(additive=0.1))
TWO = dict(parameters={"morphine.cl": 0.09, "morphine.v1": 0.04},
           error=en.design.error(proportional=0.15, additive=0.2))


def test_one_parameter_exponential_d_optimum_is_one_over_k():
    opt = en.design.optimize(_sc(), "morphine_plasma", 1, bounds=(0.0, T_END), **ONE)
    assert opt.times[0] == pytest.approx(V / CL, rel=1e-3)
    # the criterion is the evaluated log det, and the history ends at the optimum
    d = en.design.evaluate(_sc(), "morphine_plasma", opt.times, 1, **ONE)
    assert opt.log_det == pytest.approx(d.log_det, rel=1e-12)
    assert list(opt.history["stage"].unique()) == ["start", "exchange", "local"]
    assert opt.history["value"].max() == pytest.approx(opt.value, rel=1e-9)


def test_ed_optimum_of_the_exponential_under_cl_uncertainty():
    cv = 0.5
    opt = en.design.optimize(_sc(), "morphine_plasma", 1, bounds=(0.0, T_END),
                             criterion="ED", prior={"morphine.cl": cv}, nodes=9, **ONE)
    assert opt.times[0] == pytest.approx(V / (CL * math.sqrt(1 + cv * cv)), rel=1e-3)
    # E[log det] = log det at the typical CL - 2 t (E[CL] - CL) / V
    t = opt.times[0]
    shift = -2.0 * t * CL * (math.sqrt(1 + cv * cv) - 1.0) / V
    assert opt.value == pytest.approx(opt.log_det + shift, abs=1e-6)


def test_exchange_is_no_worse_than_brute_force():
    grid = [1.0, 10.0, 30.0, 60.0, 120.0, 200.0, 300.0, 400.0, 480.0]
    opt = en.design.optimize(_sc(), "morphine_plasma", 3, grid=grid, fim="full", **TWO)
    best = max(en.design.evaluate(_sc(), "morphine_plasma", list(c), 1, fim="full",
                                  **TWO).log_det
               for c in itertools.combinations(grid, 3))
    assert set(opt.times) <= set(grid)
    assert opt.log_det >= best - 1e-9 * abs(best)
    assert opt.engine_runs == 2                        # the grid's run, then evaluate's


def test_local_refinement_improves_on_the_grid_and_efficiency():
    grid_only = en.design.optimize(_sc(), "morphine_plasma", 3, grid=np.linspace(0, T_END, 9),
                                   **TWO)
    refined = en.design.optimize(_sc(), "morphine_plasma", 3, bounds=(0.0, T_END), grid=9,
                                 reference=grid_only.times, **TWO)
    assert refined.log_det >= grid_only.log_det - 1e-12
    K = refined.design.fim.shape[0]
    assert refined.efficiency == pytest.approx(
        math.exp((refined.log_det - grid_only.log_det) / K), rel=1e-9)
    assert np.all(np.diff(refined.times) >= 0) and refined.times.min() >= 0.0


def test_n_subjects_for_a_target_rse_is_what_evaluate_gives():
    n0 = 10
    d0 = en.design.evaluate(_sc(), "morphine_plasma", [5.0, 60.0, 200.0, 480.0], n0, **TWO)
    for parameter, target in (("omega2:morphine.cl", 25.0), (None, 10.0)):
        n = en.design.n_subjects(d0, target, parameter=parameter)
        name = parameter or d0.rse.idxmax()
        r0 = d0.rse[name]
        assert n == math.ceil(n0 * (r0 / target) ** 2)
        dn = en.design.evaluate(_sc(), "morphine_plasma", d0.times, n, **TWO)
        assert dn.rse[name] <= target
        assert dn.rse[name] == pytest.approx(r0 * math.sqrt(n0 / n), rel=1e-9)
        if n > 1:
            assert en.design.evaluate(_sc(), "morphine_plasma", d0.times, n - 1,
                                      **TWO).rse[name] > target
        assert dn.rse.max() == pytest.approx(d0.rse.max() * math.sqrt(n0 / n), rel=1e-9)


def test_choose_samples_maximises_information_per_cost():
    kw = dict(grid=[2.0, 30.0, 90.0, 180.0, 300.0, 480.0], **TWO)
    cheap = en.design.choose_samples(_sc(), "morphine_plasma", n_samples=(1, 5),
                                     cost_sample=1.0, cost_subject=0.0, **kw)
    dear = en.design.choose_samples(_sc(), "morphine_plasma", n_samples=(1, 5),
                                    cost_sample=1.0, cost_subject=50.0, **kw)
    for ch, cj in ((cheap, 0.0), (dear, 50.0)):
        tab = ch.table
        ok = [m for m in tab.index if np.isfinite(tab.loc[m, "value"])]
        score = {}
        for m in ok:
            d = en.design.evaluate(_sc(), "morphine_plasma", list(tab.loc[m, "times"]), 1,
                                   **TWO)
            assert tab.loc[m, "value"] == pytest.approx(d.log_det, rel=1e-10)
            score[m] = math.exp(d.log_det / d.fim.shape[0]) / (cj + m)
        assert ch.best == max(score, key=score.get)
        assert tab.loc[ch.best, "efficiency_per_cost"] == pytest.approx(1.0)
        # fewer samples than a 5-parameter FO FIM can identify: efficiency 0
        assert tab.loc[1, "efficiency_per_cost"] == 0.0
    # a costly subject buys more samples per subject
    assert dear.best >= cheap.best and dear.best > 2


def test_min_gap_keeps_samples_apart():
    """Additive + proportional error: the free optimum replicates a sample (two times
    closer than 1 min); min_gap keeps them 30 min apart at a small loss."""
    kw = dict(bounds=(0.0, T_END), **TWO)
    free = en.design.optimize(_sc(), "morphine_plasma", 5, **kw)
    assert np.diff(free.times).min() < 1.0
    apart = en.design.optimize(_sc(), "morphine_plasma", 5, min_gap=30.0, **kw)
    assert np.diff(apart.times).min() >= 30.0 - 1e-6
    assert apart.log_det <= free.log_det + 1e-9
    on_grid = en.design.optimize(_sc(), "morphine_plasma", 5, min_gap=30.0, local=False,
                                 **kw)
    assert np.diff(on_grid.times).min() >= 30.0 - 1e-9
    assert apart.log_det >= on_grid.log_det - 1e-9


@pytest.mark.parametrize("over, exc, match", [
    (dict(n_samples=0), ValueError, "n_samples must be >= 1"),
    (dict(n_samples=2.5), TypeError, "n_samples"),
    (dict(bounds=(0.0, 600.0)), ValueError, r"bounds must satisfy .*within the scenario"),
    (dict(bounds=(-5.0, 100.0)), ValueError, "bounds"),
    (dict(bounds=(200.0, 100.0)), ValueError, "bounds"),
    (dict(bounds=None), ValueError, "give bounds"),
    (dict(bounds=None, grid=[10.0, 20.0]), ValueError,
     "grid has 2 distinct allowed times, fewer than n_samples = 3"),
    (dict(bounds=None, grid=[10.0, 10.0, 20.0]), ValueError, "fewer than n_samples"),
    (dict(bounds=None, grid=[10.0, 20.0, 700.0]), ValueError, "grid must lie within"),
    (dict(grid=[10.0, 20.0, 470.0], bounds=(0.0, 400.0)), ValueError,
     "grid must lie within bounds"),
    (dict(lloq=-0.5), ValueError, "lloq"),
    (dict(criterion="A"), ValueError, "criterion"),
    (dict(criterion="ED"), ValueError, "prior"),
    (dict(criterion="ED", prior={"morphine.ka": 0.3}), ValueError, "prior"),
    (dict(criterion="ED", prior={"morphine.cl": -0.3}), ValueError, "cv"),
    (dict(prior={"morphine.cl": 0.3}), ValueError, "prior"),
    (dict(criterion="ED", prior={"morphine.cl": 0.3, "morphine.v1": 0.3}, nodes=40),
     ValueError, "nodes"),
    (dict(parameters={"morphine.cll": 0.1}), ValueError, "did you mean 'morphine.cl'"),
    (dict(reference=[10.0, 900.0]), ValueError, "reference"),
    (dict(min_gap=-1.0), ValueError, "min_gap"),
    (dict(min_gap=300.0), ValueError, "min_gap = 300 min: 3 samples do not fit"),
    (dict(bounds=None, grid=[10.0, 20.0, 30.0, 400.0], min_gap=50.0), ValueError,
     "min_gap = 50 min leaves fewer than n_samples"),
])
def test_bad_input(over, exc, match):
    kw = dict(n_samples=3, bounds=(0.0, T_END), **TWO)
    kw.update(over)
    with pytest.raises(exc, match=match):
        en.design.optimize(_sc(), "morphine_plasma", **kw)


def test_bad_input_of_choose_samples_and_n_subjects():
    with pytest.raises(ValueError, match="both 0"):
        en.design.choose_samples(_sc(), "morphine_plasma", cost_sample=0.0, bounds=(0, 480),
                                 **TWO)
    with pytest.raises(ValueError, match="cost_subject"):
        en.design.choose_samples(_sc(), "morphine_plasma", cost_subject=-1.0,
                                 bounds=(0, 480), **TWO)
    with pytest.raises(ValueError, match=r"n_samples\[1\]"):
        en.design.choose_samples(_sc(), "morphine_plasma", n_samples=(3, 2),
                                 bounds=(0, 480), **TWO)
    d = en.design.evaluate(_sc(), "morphine_plasma", [5.0, 60.0, 200.0], 10, **TWO)
    with pytest.raises(ValueError, match="target"):
        en.design.n_subjects(d, 0.0)
    with pytest.raises(ValueError, match="did you mean 'morphine.cl'"):
        en.design.n_subjects(d, 20.0, parameter="morphine.cll")
    with pytest.raises(TypeError, match="design"):
        en.design.n_subjects(d.rse, 20.0)


def test_default_grid_reaches_early_samples_of_an_absorption_model():
    """Subcutaneous morphine, ka with between-subject variability: the information on
    ka lies in the first minutes.  With an evenly spaced default grid (18-min steps) the
    exchange stopped at [18, 36, 54, 720] (log det 34.7), worse than the hand-made
    schedules below; and a grid time at t = 0 (prediction 0, proportional error: no
    variance) raised a raw LinAlgError."""
    sc = en.Scenario(doses=en.Dose("morphine", 10, unit="mg", route="sc", time=0),
                     t_end=720, pulses=False)
    params = {"morphine.cl": 0.07, "morphine.v1": 0.02, "morphine.ka": 0.1}
    err = en.design.error(proportional=0.1)
    opt = en.design.optimize(sc, output="morphine_plasma", n_samples=4, bounds=(0, 720),
                             parameters=params, error=err, n=32, min_gap=5)
    for hand in ([15, 60, 240, 720], [5, 20, 120, 480], [2, 10, 60, 360]):
        d = en.design.evaluate(sc, output="morphine_plasma", times=hand, n=32,
                               parameters=params, error=err)
        assert opt.log_det >= d.log_det - 1e-9, (hand, d.log_det, opt.log_det)
    with pytest.raises(ValueError, match="no variance"):
        en.design.evaluate(sc, output="morphine_plasma", times=[0, 60, 240, 720], n=32,
                           parameters=params, error=err)
