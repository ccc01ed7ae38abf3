"""Summary mode: statistics computed during the integration from the dense
output equal those of full trajectories on a fine grid (to the interpolation
error), with O(N) memory."""
import numpy as np
import pytest

from endorphin import core
from endorphin import model as M

# np.trapezoid is NumPy >= 2.0; np.trapz before (the wheel supports NumPy 1.25+)
trapezoid = getattr(np, "trapezoid", None) or np.trapz

OUTS = ["plasma_beta_endorphin", "analgesia", "pain_nrs", "plasma_cortisol"]
THR = [8.0, 0.1, 2.0, 350.0]


@pytest.fixture(scope="module", params=["explicit", "stiff"])
def runs(request):
    method = request.param
    p = M.sample_parameters(30, 3)
    dt = 0.05
    t_fine = np.arange(0.0, 1440.0 + dt / 2, dt)
    br, inp = M.stimulus_inputs([("exercise", 60, 30, 0.8), ("pain", 300, 120, 6.0)],
                                0.0, 1440.0)
    kw = dict(breaks=br, inputs=inp, outputs=OUTS, method=method, rtol=1e-8, atol=1e-10)
    full = core.simulate("endorphin", p, t_fine, **kw)
    sm = core.simulate("endorphin", p, [1440.0], t0=0.0, summary=True, thresholds=THR, **kw)
    return t_fine, full.y, sm


def test_summary_layout(runs):
    _, y, sm = runs
    assert sm.summary.shape == (30, len(OUTS), len(core.SUMMARY_STATS))
    assert core.SUMMARY_STATS == ("max", "tmax", "min", "auc", "time_above", "end")
    assert sm.y.shape == (30, len(OUTS), 1)
    np.testing.assert_array_equal(sm.status, 0)


def test_summary_equals_full_trajectory_statistics(runs):
    t, y, sm = runs
    s = sm.summary
    # extremes: the fine grid's own sampling error is below 1e-6 here
    np.testing.assert_allclose(s[..., 0], y.max(-1), rtol=1e-4)
    np.testing.assert_allclose(s[..., 2], y.min(-1), rtol=1e-4)
    # AUC against the trapezoid on the 0.05-min grid (its error ~1e-5 relative)
    np.testing.assert_allclose(s[..., 3], trapezoid(y, t, axis=-1), rtol=1e-4)
    # time above the thresholds: grid resolution 0.05 min
    above = (y > np.array(THR)[None, :, None]).sum(-1) * (t[1] - t[0])
    np.testing.assert_allclose(s[..., 4], above, atol=0.3)
    assert (s[..., 4] > 0).any() and (s[..., 4] < 1440).any()
    # value at t_end: the same state, the same output
    np.testing.assert_allclose(s[..., 5], y[..., -1], rtol=1e-12)
    # time of the plasma peak: the trajectory reaches the maximum there (a subject whose
    # exercise and pain peaks are nearly equal, or whose peak is a flat plateau, may pick
    # any point of it, so compare values), and where the peak is sharp (within 1e-4 of
    # the maximum for under 3 min) at the grid's argmax
    at_tmax = np.array([np.interp(s[i, 0, 1], t, y[i, 0]) for i in range(len(y))])
    np.testing.assert_allclose(at_tmax, s[:, 0, 0], rtol=1e-5)
    near = (y[:, 0] >= (1 - 1e-4) * y[:, 0].max(-1, keepdims=True)).sum(-1) * (t[1] - t[0])
    clear = near < 3.0
    assert clear.sum() >= 20
    np.testing.assert_allclose(s[clear, 0, 1], t[y[clear, 0].argmax(-1)], atol=0.5)


def test_summary_sees_jumps_at_doses():
    """An IV bolus at t = 100: the maximum is the right-continuous value just
    after the dose, at t = 100, exactly as a one-compartment model gives."""
    p = [0.0, np.log(2) / 60, 10.0]
    r = core.simulate("linear1", p, [600.0], t0=0.0, doses=([100.0], ["central"], [50.0]),
                      outputs=["conc"], summary=True, rtol=1e-10, atol=1e-12)
    mx, tmax, mn, auc, above, end = r.summary[0, 0]
    assert mx == pytest.approx(5.0, rel=1e-12) and tmax == 100.0 and mn == 0.0
    k = np.log(2) / 60
    assert auc == pytest.approx(5.0 / k * (1 - np.exp(-k * 500)), rel=1e-7)
    assert end == pytest.approx(5.0 * np.exp(-k * 500), rel=1e-8)
    # time above 2.5 (half the peak): exactly one half-life
    r2 = core.simulate("linear1", p, [600.0], t0=0.0, doses=([100.0], ["central"], [50.0]),
                       outputs=["conc"], summary=True, thresholds=[2.5], rtol=1e-10,
                       atol=1e-12)
    assert r2.summary[0, 0, 4] == pytest.approx(60.0, abs=0.05)


def test_summary_large_population_is_o_n():
    """10^5 subjects, one output time: the result holds 6 numbers per subject
    and output, and every subject's AUC is the analytic one."""
    n = 100_000
    ke = np.linspace(0.005, 0.05, n)
    p = np.column_stack([np.zeros(n), ke, np.full(n, 10.0)])
    r = core.simulate("linear1", p, [720.0], t0=0.0, doses=([0.0], ["central"], [100.0]),
                      outputs=["conc"], summary=True)
    assert r.y.nbytes == 8 * n and r.summary.nbytes == 48 * n
    auc = 10.0 / ke * (1 - np.exp(-ke * 720))
    np.testing.assert_allclose(r.summary[:, 0, 3], auc, rtol=2e-5)


def test_summary_arguments():
    with pytest.raises(ValueError, match="thresholds"):
        core.simulate("linear1", [0.1, 0.1, 1.0], [0.0, 1.0], thresholds=[1.0])
    with pytest.raises(ValueError, match="thresholds"):
        core.simulate("linear1", [0.1, 0.1, 1.0], [0.0, 1.0], summary=True,
                      thresholds=[1.0, 2.0, 3.0])
    with pytest.raises(TypeError, match="summary"):
        core.simulate("linear1", [0.1, 0.1, 1.0], [0.0, 1.0], summary="yes")
    r = core.simulate("linear1", [0.1, 0.1, 1.0], [0.0, 1.0])
    assert r.summary is None


def test_population_percentiles_from_summaries():
    n = 1001
    ke = np.linspace(0.005, 0.05, n)
    p = np.column_stack([np.zeros(n), ke, np.full(n, 10.0)])
    r = core.simulate("linear1", p, [720.0], t0=0.0, doses=([0.0], ["central"], [100.0]),
                      outputs=["conc", "amount"], summary=True)
    tab = core.population_percentiles(r, q=(5, 50, 95))
    assert list(tab.columns) == [5.0, 50.0, 95.0, "n_failed"]
    assert tab.shape == (2 * len(core.SUMMARY_STATS), 4)
    auc = 10.0 / ke * (1 - np.exp(-ke * 720))
    np.testing.assert_allclose(tab.loc[("conc", "auc"), [5.0, 50.0, 95.0]].to_numpy(float),
                               np.percentile(auc, [5, 50, 95]), rtol=2e-5)
    assert (tab["n_failed"] == 0).all()
    with pytest.raises(ValueError, match="summary"):
        core.population_percentiles(core.simulate("linear1", p[:2], [0.0, 1.0]))
    with pytest.raises(ValueError, match="q"):
        core.population_percentiles(r, q=(5, 150))
