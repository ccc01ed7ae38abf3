"""Stochastic simulation and estimation (SSE) against the FO Fisher information: the
relative standard errors that en.design.evaluate predicts for a design equal, within
25 % (issue 24), the empirical spread of FOCE-I estimates over data sets simulated from
that design.  The data come from a closed-form one-compartment IV bolus in NumPy
(tests/_support/onecmt.py), independent of the engine; 100 replicate data sets, so the
empirical RSE carries about 7 % Monte Carlo error (1 / sqrt(2 R))."""
import numpy as np
import pytest

import endorphin as en
import onecmt as oc

TIMES = np.array([5.0, 30, 120, 360])          # min: a sparse 4-sample design
N = 40
OMEGA = {oc.NAMES[0]: 0.09, oc.NAMES[1]: 0.04}
PROP = 0.1
R = 100


@pytest.fixture(scope="module")
def drug():
    oc.register()
    yield
    oc.unregister()


@pytest.mark.slow
def test_fim_rse_agrees_with_foce_estimates_over_simulated_studies(drug):
    sc = oc.scenario()
    d = en.design.evaluate(sc, output=oc.OUT, times=TIMES, n=N, parameters=OMEGA,
                           error=en.design.error(proportional=PROP), fim="reduced")
    est = np.empty((R, 5))
    for r in range(R):
        data = oc.population_data(N, 1000 + r, add=0.0, prop=PROP, times=TIMES,
                                  omega={"cl": OMEGA[oc.NAMES[0]], "v1": OMEGA[oc.NAMES[1]]})
        fit = en.fit_model(data, sc, oc.NAMES, method="foce", error="proportional",
                           initial={oc.NAMES[0]: oc.CL, oc.NAMES[1]: oc.V},
                           omega=OMEGA, sigma={"proportional": PROP}, covariance=False)
        assert fit.converged
        est[r] = [fit.params[oc.NAMES[0]], fit.params[oc.NAMES[1]],
                  fit.omega[oc.NAMES[0]], fit.omega[oc.NAMES[1]],
                  fit.sigma["proportional"] ** 2]
    truth = np.array([oc.CL, oc.V, OMEGA[oc.NAMES[0]], OMEGA[oc.NAMES[1]], PROP ** 2])
    labels = [oc.NAMES[0], oc.NAMES[1], f"omega2:{oc.NAMES[0]}", f"omega2:{oc.NAMES[1]}",
              "sigma2:proportional"]
    empirical = est.std(axis=0, ddof=1) / truth * 100
    predicted = d.rse[labels].to_numpy()
    ratio = empirical / predicted
    assert np.all(np.abs(ratio - 1) <= 0.25), dict(zip(labels, ratio.round(3)))
