"""runner.run(times=...) with output times that end before t_end: the engine stops at
its last output time and refused the pulses and doses after it ("doses times must lie
within [t0, t_end]"), which broke en.design.evaluate with pulses on and fits of data
that end before a late dose.  The explicit times must give the scenario's own
trajectories at those times."""
import numpy as np
import pytest

import endorphin as en
from endorphin.scenario import runner


@pytest.mark.parametrize("pulses", [True, False])
def test_times_before_t_end_equal_the_full_run(pulses):
    sc = en.Scenario(protocol=en.Exercise(intensity=0.8, start=30, duration=30),
                     doses=[en.Dose("morphine", amount=5, unit="mg", route="iv", time=200)],
                     population=en.Population(6, seed=3), t_end=240, dt=10,
                     pulses=pulses)
    outs = ("plasma_beta_endorphin", "morphine_plasma")
    full = sc.simulate(outputs=list(outs), rtol=1e-8, atol=1e-12)
    t = np.array([0.0, 60, 90, 120])
    y, status, _, _ = runner.run(sc, 0, 6, outs, rtol=1e-8, atol=1e-12, times=t)
    assert (status == 0).all()
    assert y.shape == (6, 2, 4)
    cols = np.searchsorted(full.t, t)
    for j, o in enumerate(outs):
        ref = np.asarray(full[o])[:, cols]
        np.testing.assert_allclose(y[:, j], ref, rtol=1e-6, atol=1e-9)
