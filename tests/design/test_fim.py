"""endorphin.design.evaluate against independent references (issue 24, first slice).

The reference FIM is written here from the closed-form one-compartment IV bolus,
C = D / V exp(-CL / V t) (morphine's PK in the drug table is one-compartment), with
analytic first and second derivatives and the FO FIM formula in plain NumPy.
"""
import numpy as np
import pytest

import endorphin as en

DOSE_NMOL = 1000.0
TIMES = np.array([2.0, 15.0, 60.0, 180.0, 360.0])
T_END = 480.0


def _scenario():
    return en.Scenario(doses=en.Dose("morphine", DOSE_NMOL, unit="nmol", route="iv", time=0.0),
                       t_end=T_END, pulses=False, circadian=False)


def _analytic(t, cl, v):
    """f, df/dlog(CL, V) (T, 2) and d2f/dlog_i dlog_j (2, 2, T)."""
    k = cl / v
    f = DOSE_NMOL / v * np.exp(-k * t)
    x = k * t
    s = np.stack([-f * x, f * (x - 1.0)], axis=1)
    h = np.empty((2, 2, t.size))
    h[0, 0] = f * (x * x - x)                 # d/dlogCL of -f x
    h[0, 1] = h[1, 0] = f * x * (2.0 - x)     # d/dlogV of -f x
    h[1, 1] = f * (x * x - 3.0 * x + 1.0)     # d/dlogV of f (x - 1)
    return f, s, h


def _reference_fim(t, omega2, sp2, sa2, full):
    """The FO FIM of one subject, written out independently of the package."""
    cl, v = en.drugs.get("morphine").cl, en.drugs.get("morphine").v1
    theta = np.array([cl, v])
    f, s, h = _analytic(t, cl, v)
    dmu = [s[:, 0] / cl, s[:, 1] / v]
    V = omega2[0] * np.outer(s[:, 0], s[:, 0]) + omega2[1] * np.outer(s[:, 1], s[:, 1]) \
        + np.diag(sa2 + sp2 * f ** 2)
    Vi = np.linalg.inv(V)
    # derivatives of V: fixed effects (through mu and G), then omega2, then sigma2
    dV_theta = []
    for i in range(2):
        d = np.diag(2.0 * sp2 * f * dmu[i])
        for k in range(2):
            dG = h[k, i] / theta[i]
            d = d + omega2[k] * (np.outer(dG, s[:, k]) + np.outer(s[:, k], dG))
        dV_theta.append(d)
    dV_var = [np.outer(s[:, 0], s[:, 0]), np.outer(s[:, 1], s[:, 1]), np.diag(f ** 2),
              np.eye(t.size)]
    dmus = dmu + [np.zeros(t.size)] * 4
    dVs = (dV_theta if full else [np.zeros((t.size, t.size))] * 2) + dV_var
    F = np.empty((6, 6))
    for a in range(6):
        for b in range(6):
            F[a, b] = dmus[a] @ Vi @ dmus[b] + 0.5 * np.trace(Vi @ dVs[a] @ Vi @ dVs[b])
    return F


PARAMS = {"morphine.cl": 0.09, "morphine.v1": 0.04}
ERR = dict(proportional=0.15, additive=0.2)


@pytest.mark.parametrize("kind", ["full", "reduced"])
def test_closed_form_one_compartment_fim(kind):
    n = 30
    d = en.design.evaluate(_scenario(), "morphine_plasma", TIMES, n=n, parameters=PARAMS,
                           error=en.design.error(**ERR), fim=kind)
    assert d.names == ("morphine.cl", "morphine.v1", "omega2:morphine.cl",
                       "omega2:morphine.v1", "sigma2:proportional", "sigma2:additive")
    ref = n * _reference_fim(TIMES, np.array([0.09, 0.04]), 0.15 ** 2, 0.2 ** 2,
                             kind == "full")
    # element-wise relative to the scale of each row and column (cross terms can be ~0)
    scale = np.sqrt(np.outer(np.diag(ref), np.diag(ref)))
    np.testing.assert_array_less(np.abs(d.fim - ref) / scale, 1e-6)
    # the sensitivities themselves
    cl, v = en.drugs.get("morphine").cl, en.drugs.get("morphine").v1
    f, s, _ = _analytic(TIMES, cl, v)
    np.testing.assert_allclose(d.prediction, f, rtol=1e-8)
    err = np.abs(d.sensitivities.to_numpy() - s).max() / np.abs(s).max()
    assert err < 1e-6, err
    # the result's other fields follow from fim
    cov = np.linalg.inv(ref)
    np.testing.assert_allclose(d.se.to_numpy(), np.sqrt(np.diag(cov)), rtol=1e-5)
    np.testing.assert_allclose(d.rse.to_numpy(), 100 * np.sqrt(np.diag(cov)) / d.values,
                               rtol=1e-5)
    assert d.log_det == pytest.approx(np.linalg.slogdet(ref)[1], rel=1e-6)


def test_rse_scales_with_one_over_sqrt_n():
    kw = dict(parameters=PARAMS, error=en.design.error(**ERR), fim="full")
    a = en.design.evaluate(_scenario(), "morphine_plasma", TIMES, n=10, **kw)
    b = en.design.evaluate(_scenario(), "morphine_plasma", TIMES, n=40, **kw)
    np.testing.assert_allclose(a.rse / b.rse, 2.0, rtol=1e-12)
    np.testing.assert_allclose(b.fim, 4.0 * a.fim, rtol=1e-14)
    assert b.log_det - a.log_det == pytest.approx(6 * np.log(4.0), rel=1e-12)


def test_reduced_and_full_differ_where_theory_says():
    kw = dict(parameters=PARAMS, error=en.design.error(**ERR))
    full = en.design.evaluate(_scenario(), "morphine_plasma", TIMES, n=1, fim="full", **kw).fim
    red = en.design.evaluate(_scenario(), "morphine_plasma", TIMES, n=1, fim="reduced",
                             **kw).fim
    P = 2
    # the cross block: zero in the reduced FIM, not in the full one
    assert np.all(red[:P, P:] == 0.0) and np.all(red[P:, :P] == 0.0)
    assert np.abs(full[:P, P:]).max() > 0.0
    # the variance block: identical (it does not involve dV/dtheta)
    np.testing.assert_array_equal(full[P:, P:], red[P:, P:])
    # the fixed-effect block: full = reduced + 1/2 tr(V^-1 dV_i V^-1 dV_j), a Gram
    # matrix, so the difference is positive semi-definite and non-zero here
    diff = full[:P, :P] - red[:P, :P]
    assert np.linalg.eigvalsh(diff).min() >= -1e-12 * np.abs(full[:P, :P]).max()
    assert np.abs(diff).max() > 1e-3 * np.abs(red[:P, :P]).max()
    # V does not depend on theta (additive error, no omega2): the two forms coincide
    kw0 = dict(parameters={"morphine.cl": 0.0, "morphine.v1": 0.0},
               error=en.design.error(additive=0.2))
    f0 = en.design.evaluate(_scenario(), "morphine_plasma", TIMES, n=1, fim="full", **kw0)
    r0 = en.design.evaluate(_scenario(), "morphine_plasma", TIMES, n=1, fim="reduced", **kw0)
    np.testing.assert_allclose(f0.fim, r0.fim, rtol=1e-13, atol=0)
    assert f0.names == ("morphine.cl", "morphine.v1", "sigma2:additive")


def test_engine_parameter_design():
    sc = en.Scenario(en.Exercise(0.8, start=30, duration=30), t_end=240, pulses=False)
    d = en.design.evaluate(sc, "plasma_beta_endorphin", [0, 30, 45, 60, 90, 150, 240], n=20,
                           parameters={"t_half_plasma": 0.1},
                           error=en.design.error(proportional=0.1))
    assert np.all(np.isfinite(d.rse)) and d.rse["t_half_plasma"] > 0


def _kw(**over):
    kw = dict(output="morphine_plasma", times=TIMES, n=10, parameters=PARAMS,
              error=en.design.error(**ERR))
    kw.update(over)
    return kw


@pytest.mark.parametrize("over, match", [
    (dict(times=[10.0, 500.0]), r"within the scenario, \[0, 480\]"),
    (dict(times=[-1.0, 10.0]), "within the scenario"),
    (dict(times=[]), "at least one time"),
    (dict(n=0), "n"),
    (dict(parameters={"morphine.cll": 0.1}), "did you mean 'morphine.cl'"),
    (dict(parameters={"t_half_plasm": 0.1}), "did you mean 't_half_plasma'"),
    (dict(parameters={"morphine.cl": -0.1}), "omega2"),
    (dict(output="morphine_plasm"), "did you mean 'morphine_plasma'"),
    (dict(fim="ful"), "fim"),
    (dict(parameters={}), "non-empty"),
])
def test_bad_input(over, match):
    with pytest.raises(ValueError, match=match):
        en.design.evaluate(_scenario(), **_kw(**over))


def test_bad_error_model():
    with pytest.raises(ValueError, match="both 0"):
        en.design.error()
    with pytest.raises(ValueError, match="additive"):
        en.design.error(additive=-1.0)
    with pytest.raises(TypeError, match="error"):
        en.design.evaluate(_scenario(), **_kw(error=0.1))


def test_singular_fim_names_the_parameters():
    # one sampling time cannot separate CL and V (two fixed effects, one mean)
    with pytest.raises(ValueError, match=r"'morphine.cl', 'morphine.v1' are not identifiable"):
        en.design.evaluate(_scenario(), **_kw(times=[60.0], error=en.design.error(additive=0.2),
                                              parameters={"morphine.cl": 0.0,
                                                          "morphine.v1": 0.0}))
    # a parameter the output does not depend on (beta-endorphin's half-life, morphine PK)
    with pytest.raises(ValueError, match=r"'t_half_plasma' are not identifiable"):
        en.design.evaluate(_scenario(), **_kw(parameters={"morphine.cl": 0.0,
                                                          "t_half_plasma": 0.0}))
