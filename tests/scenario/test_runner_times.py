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


def test_explicit_parameter_rows_are_deterministic():
    """Estimation and design lanes are points in parameter space: two lanes with the
    same row must give the same outputs.  Before, each lane drew symptom traits and a
    day-to-day fluctuation keyed by its lane index, so pain_nrs differed between lanes
    at the same point (finite-difference Jacobians of a symptom output were noise)."""
    pop = en.Population(4, condition="chronic_pain", variability=0.0, seed=5)
    sc = en.Scenario(population=pop, t_end=3 * 1440, dt=360, pulses=False)
    row = pop.typical()
    params = np.tile(row, (4, 1))
    outs = ("pain_nrs", "anxiety_score", "plasma_beta_endorphin")
    y, status, _, _ = runner.run(sc, 0, 4, outs, params=params,
                                 times=np.array([60.0, 1500, 2900, 4000]))
    assert (status == 0).all()
    np.testing.assert_array_equal(y, np.broadcast_to(y[:1], y.shape))
    # and they are the population's typical subject on its mean day: the scenario's own
    # subjects (variability 0) differ from it only by their day-to-day fluctuation
    res = sc.simulate(outputs=list(outs))
    assert np.ptp(np.asarray(res["pain_nrs"])[:, 1:], axis=0).max() > 0.01
