"""endorphin.plot.sampling_times and endorphin.plot.schedules: the artists drawn and
their data (percentiles from NumPy on the raw arrays, efficiencies from the log
determinants in closed form)."""
import numpy as np
import pytest

mpl = pytest.importorskip("matplotlib")
mpl.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.collections import PolyCollection  # noqa: E402

import endorphin as en  # noqa: E402
from endorphin.plot.design import SAMPLE_GID  # noqa: E402

OUT = "plasma_beta_endorphin"


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def result():
    sc = en.Scenario(en.Exercise(0.8, start=30, duration=30), t_end=180, dt=1.0,
                     population=en.Population(30, seed=2))
    return sc.simulate(outputs=[OUT])


def _band(ax):
    polys = [c for c in ax.collections if isinstance(c, PolyCollection)
             and len(c.get_paths()) and len(c.get_paths()[0].vertices)]
    return polys[0].get_paths()[0].vertices


def test_sampling_times_one_schedule(result):
    times = [0.0, 60.0, 65.0, 150.0]
    ax = en.plot.sampling_times(result, OUT, times, lloq=8.0)
    y = result[OUT]
    med = ax.lines[0]
    np.testing.assert_allclose(med.get_ydata(), np.median(y, axis=0))
    v = _band(ax)
    lo, hi = np.percentile(y, [5, 95], axis=0)
    assert np.isclose(v[:, 1].min(), lo.min()) and np.isclose(v[:, 1].max(), hi.max())
    vlines = [ln for ln in ax.lines if ln.get_linestyle() == ":"]
    assert sorted(ln.get_xdata()[0] for ln in vlines) == times
    marks = [ln for ln in ax.lines if ln.get_gid() == SAMPLE_GID]
    # samples whose median is below the LLOQ (the baselines, ~5 pmol/L) are hollow
    m = np.interp(times, result.t, np.median(y, axis=0))
    filled = [ln for ln in marks if ln.get_markerfacecolor() != "white"]
    hollow = [ln for ln in marks if ln.get_markerfacecolor() == "white"]
    assert sorted(filled[0].get_xdata()) == [t for t, mm in zip(times, m) if mm >= 8.0]
    assert sorted(hollow[0].get_xdata()) == [t for t, mm in zip(times, m) if mm < 8.0]
    assert any(ln.get_linestyle() == "--" and ln.get_ydata()[0] == 8.0 for ln in ax.lines)
    assert "LLOQ 8" in [t.get_text() for t in ax.get_legend().get_texts()]
    assert ax.get_ylabel().startswith("plasma")


def test_sampling_times_several_schedules(result):
    scheds = {"A": [0, 65, 90, 120], "B": [0, 30, 60, 90], "C": [0, 120, 150, 180]}
    ax = en.plot.sampling_times(result, OUT, scheds)
    marks = [ln for ln in ax.lines if ln.get_gid() == SAMPLE_GID]
    assert [ln.get_label() for ln in marks] == list(scheds)
    for ln, t in zip(marks, scheds.values()):
        np.testing.assert_array_equal(ln.get_xdata(), t)
        assert ln.get_marker() == "|"


def test_sampling_times_bad_input(result):
    with pytest.raises(ValueError, match="output"):
        en.plot.sampling_times(result, "plasma_betaendorphin", [0, 60])
    with pytest.raises(ValueError, match="lloq"):
        en.plot.sampling_times(result, OUT, [0, 60], lloq=-1)
    with pytest.raises(TypeError, match="result"):
        en.plot.sampling_times("x", OUT, [0, 60])
    with pytest.raises(ValueError, match="times"):
        en.plot.sampling_times(result, OUT, [])


def test_schedules_table_sorted_with_error_bars():
    import pandas as pd
    df = pd.DataFrame({"schedule": ["a", "b", "c", "a", "b", "c"],
                       "n": [5, 5, 5, 10, 10, 10],
                       "power": [0.3, 0.8, 0.5, 0.6, 0.95, 0.7],
                       "se": [0.02] * 6})
    ax = en.plot.schedules(df, reference=0.8)
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels == ["a", "c", "b"]                   # best (b) on top
    conts = ax.containers
    assert len(conts) == 2                             # one errorbar set per n
    x5 = conts[0].lines[0].get_xdata()
    np.testing.assert_allclose(sorted(x5), [0.3, 0.5, 0.8])
    seg = conts[0].lines[2][0].get_segments()[0]       # 95 % bar: +- 1.96 se
    assert seg[1][0] - seg[0][0] == pytest.approx(2 * 1.96 * 0.02)
    assert ax.get_xlabel() == "power"
    assert any(ln.get_linestyle() == "--" for ln in ax.lines)


def test_schedules_efficiency_of_designs():
    class Fake:
        pass
    sc = en.Scenario(doses=en.Dose("morphine", 10, unit="mg", route="iv", time=0),
                     t_end=480, pulses=False)
    kw = dict(parameters={"morphine.cl": 0.09, "morphine.v1": 0.04},
              error=en.design.error(proportional=0.1), n=20)
    designs = {"early": en.design.evaluate(sc, "morphine_plasma", [2, 5, 10, 20], **kw),
               "spread": en.design.evaluate(sc, "morphine_plasma", [5, 30, 120, 480], **kw)}
    ax = en.plot.schedules(designs)
    ld = np.array([d.log_det for d in designs.values()])
    K = len(designs["early"].names)
    eff = np.exp((ld - ld.max()) / K)
    x = ax.lines[0].get_xdata()
    np.testing.assert_allclose(sorted(x), sorted(eff))
    assert ax.get_xlabel() == "D-efficiency" and max(x) == 1.0
    with pytest.raises(TypeError, match="data"):
        en.plot.schedules([0.1, 0.2])
    with pytest.raises(ValueError, match="empty"):
        en.plot.schedules({})
    with pytest.raises(TypeError, match="numbers or DesignResult"):
        en.plot.schedules({"a": Fake()})
