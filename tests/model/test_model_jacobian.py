"""The analytic Jacobians in the model table (for the stiff method) against
central finite differences of the models' own right-hand sides."""
import numpy as np
import pytest

from endorphin import _engine_tests, core
from endorphin import model as M


def _fd_jacobian(name, t, y, p, u):
    S = y.size
    J = np.empty((S, S))
    for j in range(S):
        h = 1e-6 * max(abs(y[j]), 1.0)
        yp, ym = y.copy(), y.copy()
        yp[j] += h
        ym[j] -= h
        J[:, j] = (_engine_tests._evaluate(name, t, yp, p, u)[0]
                   - _engine_tests._evaluate(name, t, ym, p, u)[0]) / (2 * h)
    return J


def _points(name, rng):
    m = core.models[name]
    S, P, U = len(m.states), len(m.params), len(m.inputs)
    for _ in range(25):
        if name == "endorphin":
            p = M.sample_parameters(1, int(rng.integers(1 << 30)), variability=2.0)[0]
            p[M.INDEX["a_circ"]] = rng.uniform(0, 0.9)
            y = rng.uniform(0.1, 2.0, S)
            y[7:11] *= np.array([5.0, 20.0, 3.0, 300.0])
            y[6] = rng.choice([0.0, rng.uniform(0.05, 2.0)])   # pulse off / on
            if y[6] == 0.0:
                y[6] = -0.3       # below the clip: d/d pulse must be 0 on both sides
            u = np.zeros(U)
            u[:7] = rng.uniform(0, 1, 7) * (rng.uniform(size=7) < 0.5)
            u[2] *= 10
        elif name.startswith("endorphin_d"):
            nd = int(name[-1])
            base = M.sample_parameters(1, int(rng.integers(1 << 30)), variability=2.0)[0]
            dp = rng.uniform(0.1, 2.0, (nd, (P - base.size) // nd))
            names = m.params[base.size:base.size + dp.shape[1]]
            col = {n.split("_", 1)[1]: i for i, n in enumerate(names)}
            for k in range(nd):
                if rng.uniform() < 0.5:
                    dp[k, col["kon"]] = 0.0                 # equilibrium binding
                dp[k, col["n"]] = rng.choice([1.0, rng.uniform(0.5, 1.5)])
            p = np.concatenate([base, dp.ravel()])
            y = rng.uniform(0.1, 2.0, S)
            y[7:11] *= np.array([5.0, 20.0, 3.0, 300.0])
            drug = y[len(M.ENGINE.states):].reshape(nd, -1)   # the drug slots
            drug[:, 5] *= rng.uniform(0.05, 0.6)               # bound fractions
            for k in range(nd):                             # the clips at 0 on one side
                if rng.uniform() < 0.2:
                    drug[k, 4] = -0.2
                if rng.uniform() < 0.2:
                    drug[k, 5] = -0.1
            u = np.zeros(U)
            u[:7] = rng.uniform(0, 1, 7) * (rng.uniform(size=7) < 0.5)
        else:
            p = rng.uniform(0.1, 2.0, P)
            y = rng.uniform(0.1, 3.0, S)
            u = rng.uniform(0, 1, U)
        yield float(rng.uniform(0, 1440)), y, p, u


@pytest.mark.parametrize("name", ["linear1", "linear2", "lotka_volterra", "riccati",
                                  "endorphin", "endorphin_d1", "endorphin_d2",
                                  "endorphin_d4"])
def test_analytic_jacobian_matches_finite_differences(name):
    rng = np.random.default_rng(11)
    for t, y, p, u in _points(name, rng):
        J = _engine_tests._jacobian(name, t, y, p, u)
        assert J is not None and J.shape == (y.size, y.size)
        fd = _fd_jacobian(name, t, y, p, u)
        scale = np.maximum(np.abs(fd).max(axis=1, keepdims=True), 1e-12)
        np.testing.assert_allclose(J / scale, fd / scale, atol=1e-7)
        assert np.count_nonzero(J) > 0


def test_models_without_jacobian_say_so():
    m = core.models["w4_bench"]
    y = np.ones(len(m.states))
    assert _engine_tests._jacobian("w4_bench", 0.0, y, np.ones(len(m.params)),
                                np.zeros(len(m.inputs))) is None
