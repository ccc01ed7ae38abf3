"""Several groups in en.design.evaluate, and samples below the LLOQ (issue 24).

References written here: the FO FIM of a one-compartment IV bolus without
between-subject variability (independent samples, so the FIM is a sum over samples)
from its analytic sensitivities, and the information of a left-censored normal by
numerical integration (scipy.integrate.quad) of the outer product of the censored
likelihood's score (the score itself by finite differences of scipy.stats' log
density and log CDF).
"""
import numpy as np
import pytest

import endorphin as en

scipy_stats = pytest.importorskip("scipy.stats")
from scipy import integrate  # noqa: E402

T_END = 480.0
CL, V = en.drugs.get("morphine").cl, en.drugs.get("morphine").v1


def _sc(dose):
    return en.Scenario(doses=en.Dose("morphine", dose, unit="nmol", route="iv", time=0.0),
                       t_end=T_END, pulses=False, circadian=False)


def _per_sample(t, dose, sp2, sa2):
    """Mean, variance and their derivatives in (CL, V, sigma2_prop, sigma2_add) of
    independent samples of C = dose / V exp(-CL t / V) with y = C (1 + e_p) + e_a."""
    k = CL / V
    f = dose / V * np.exp(-k * t)
    dmu = np.stack([-f * t / V, f * (CL * t / V - 1.0) / V, 0 * t, 0 * t], axis=1)
    var = sa2 + sp2 * f ** 2
    dvar = np.stack([2 * sp2 * f * dmu[:, 0], 2 * sp2 * f * dmu[:, 1], f ** 2,
                     np.ones_like(t)], axis=1)
    return f, var, dmu, dvar


def _quad_information(m, s, L):
    """E[score score^T] of y ~ N(m, s^2) left-censored at L, over (m, v = s^2): the
    censored mass times the outer product of d log Phi((L - m) / s), plus the integral
    over y > L of the normal score's outer product times the density."""
    v = s * s
    c = (L - m) / s
    mills = scipy_stats.norm.pdf(c) / scipy_stats.norm.cdf(c)
    sc0 = np.array([-mills / s, -c * mills / (2 * v)])         # d log Phi(c)/d(m, v)
    info = scipy_stats.norm.cdf(c) * np.outer(sc0, sc0)

    def score(y):                                               # d log N(y; m, v)/d(m, v)
        return np.array([(y - m) / v, ((y - m) ** 2 / v - 1.0) / (2 * v)])

    for a in range(2):
        for b in range(a, 2):
            info[a, b] += integrate.quad(
                lambda y: score(y)[a] * score(y)[b] * scipy_stats.norm.pdf(y, m, s),
                max(L, m - 12 * s), m + 12 * s, epsabs=1e-13 / v ** 2, epsrel=1e-11,
                limit=200)[0]
            info[b, a] = info[a, b]
    return info


@pytest.mark.parametrize("m, s, L", [(10.0, 2.0, 8.0), (1.0, 0.5, 1.3), (3.0, 1.0, 0.2),
                                     (0.4, 0.3, 1.0), (5.0, 1.0, 0.0)])
def test_censored_information_against_quadrature(m, s, L):
    ref = _quad_information(m, s, L)
    got = en.design.censored_information(m, s, L)
    scale = np.sqrt(np.outer(np.diag(ref), np.diag(ref)))
    np.testing.assert_array_less(np.abs(got - ref) / scale, 1e-6)


def test_censored_information_limits():
    # far above the LLOQ: the normal's information about (mean, variance)
    np.testing.assert_allclose(en.design.censored_information(100.0, 2.0, 0.0),
                               np.diag([1 / 4.0, 1 / (2 * 16.0)]), rtol=1e-12, atol=1e-150)
    # far below: no information
    assert np.abs(en.design.censored_information(0.0, 1.0, 50.0)).max() < 1e-100
    with pytest.raises(ValueError, match="lloq"):
        en.design.censored_information(1.0, 1.0, -0.1)
    with pytest.raises(ValueError, match="sd"):
        en.design.censored_information(1.0, 0.0, 0.5)


@pytest.mark.parametrize("kind", ["full", "reduced"])
def test_lloq_fim_of_independent_samples_is_the_tobit_sum(kind):
    """No omega2: V is diagonal, the samples independent, and the FO FIM with an
    LLOQ is the sum over samples of J^T I_censored J (J: d(mean, variance)/d params);
    the reduced form keeps the fixed-effect mean block and the variance block."""
    dose, sp2, sa2, L = 1000.0, 0.2 ** 2, 0.3 ** 2, 1.0
    times = np.array([5.0, 60.0, 150.0, 250.0, 400.0])
    d = en.design.evaluate(_sc(dose), "morphine_plasma", times, n=7,
                           parameters={"morphine.cl": 0.0, "morphine.v1": 0.0},
                           error=en.design.error(proportional=0.2, additive=0.3),
                           fim=kind, lloq=L)
    f, var, dmu, dvar = _per_sample(times, dose, sp2, sa2)
    assert (f < L).sum() >= 2 and (f > L).sum() >= 2     # both regimes present
    ref = np.zeros((4, 4))
    for j in range(times.size):
        info = _quad_information(f[j], np.sqrt(var[j]), L)
        if kind == "reduced":
            Jm = np.stack([dmu[j], np.r_[0, 0, dvar[j, 2:]]])
            info = np.diag(np.diag(info))
        else:
            Jm = np.stack([dmu[j], dvar[j]])
        ref += Jm.T @ info @ Jm
    ref *= 7
    scale = np.sqrt(np.outer(np.diag(ref), np.diag(ref)))
    np.testing.assert_array_less(np.abs(d.fim - ref) / scale, 1e-5)


def test_lloq_moves_the_late_sample_earlier():
    """Proportional error: the D-optimal two-sample design of a mono-exponential is
    the earliest and the latest time (log C is linear in t).  With an LLOQ above the
    late concentrations the late sample moves to where it is rarely censored."""
    sc = _sc(1000.0)
    kw = dict(bounds=(0.0, T_END), parameters={"morphine.cl": 0.0, "morphine.v1": 0.0},
              error=en.design.error(proportional=0.2))
    free = en.design.optimize(sc, "morphine_plasma", 2, **kw)
    np.testing.assert_allclose(free.times, [0.0, T_END], atol=1e-6 * T_END)
    L = 1.0
    c_late = 1000.0 / V * np.exp(-CL / V * T_END)
    assert c_late < 0.3 * L                                 # the late sample: censored
    cens = en.design.optimize(sc, "morphine_plasma", 2, lloq=L, **kw)
    assert cens.times[1] < 0.6 * T_END
    # where the concentration stays above the LLOQ (c(t) > L):
    assert 1000.0 / V * np.exp(-CL / V * cens.times[1]) > L
    # the uncensored optimum loses CL's information to censoring: singular
    with pytest.raises(ValueError, match="'morphine.cl' are not identifiable"):
        en.design.evaluate(sc, "morphine_plasma", free.times, n=1, lloq=L,
                           parameters=kw["parameters"], error=kw["error"])
    # a design with the late sample at the censored optimum's time but no LLOQ
    # account is still informative, and the LLOQ costs information
    at = en.design.evaluate(sc, "morphine_plasma", cens.times, n=1, lloq=L,
                            parameters=kw["parameters"], error=kw["error"])
    assert at.log_det == pytest.approx(cens.log_det, rel=1e-9)
    assert cens.log_det < free.log_det


# -- groups -------------------------------------------------------------------------
PARAMS = {"morphine.cl": 0.09, "morphine.v1": 0.04}
ERR = dict(proportional=0.15, additive=0.2)


@pytest.mark.parametrize("kind", ["full", "reduced"])
def test_groups_sum_to_the_separate_fims(kind):
    a, b = _sc(1000.0), _sc(3000.0)
    ta, tb = [2.0, 30.0, 240.0], [10.0, 90.0, 180.0, 420.0]
    kw = dict(parameters=PARAMS, error=en.design.error(**ERR), fim=kind)
    sep = (en.design.evaluate(a, "morphine_plasma", ta, 12, **kw).fim
           + en.design.evaluate(b, "morphine_plasma", tb, 5, **kw).fim)
    both = en.design.evaluate(a, "morphine_plasma", groups=[
        {"times": ta, "n": 12}, {"times": tb, "n": 5, "scenario": b}], **kw)
    np.testing.assert_allclose(both.fim, sep, rtol=1e-13)
    assert both.n == 17 and len(both.groups) == 2
    named = en.design.evaluate(a, "morphine_plasma", groups={
        "low": {"times": ta, "n": 12}, "high": {"times": tb, "n": 5, "scenario": b}}, **kw)
    np.testing.assert_array_equal(named.fim, both.fim)
    assert list(named.sensitivities.index.get_level_values("group").unique()) == ["low",
                                                                                 "high"]


def test_two_groups_closed_form():
    """No omega2, additive and proportional error: the FIM of two groups with their
    own doses, times and sizes is sum_g n_g sum_j (dmu dmu^T / v + dv dv^T / (2 v^2))."""
    groups = [(1000.0, np.array([1.0, 30.0, 200.0]), 8), (4000.0, np.array([60.0, 300.0]),
                                                          3)]
    sp2, sa2 = ERR["proportional"] ** 2, ERR["additive"] ** 2
    ref = np.zeros((4, 4))
    for dose, t, n in groups:
        _, var, dmu, dvar = _per_sample(t, dose, sp2, sa2)
        for j in range(t.size):
            ref += n * (np.outer(dmu[j], dmu[j]) / var[j]
                        + np.outer(dvar[j], dvar[j]) / (2 * var[j] ** 2))
    d = en.design.evaluate(_sc(1000.0), "morphine_plasma",
                           groups=[{"times": t, "n": n, "scenario": _sc(dose)}
                                   for dose, t, n in groups],
                           parameters={"morphine.cl": 0.0, "morphine.v1": 0.0},
                           error=en.design.error(**ERR), fim="full")
    scale = np.sqrt(np.outer(np.diag(ref), np.diag(ref)))
    np.testing.assert_array_less(np.abs(d.fim - ref) / scale, 1e-6)
    # two groups identify what neither does alone (one sample each)
    one = [{"times": [20.0], "n": 4}, {"times": [300.0], "n": 4}]
    kw = dict(parameters={"morphine.cl": 0.0, "morphine.v1": 0.0},
              error=en.design.error(additive=0.2))
    assert np.isfinite(en.design.evaluate(_sc(1000.0), "morphine_plasma", groups=one,
                                          **kw).log_det)


@pytest.mark.parametrize("over, exc, match", [
    (dict(groups=[{"times": [10.0], "n": 3}], times=[5.0]), ValueError, "not both"),
    (dict(groups=[]), ValueError, "at least one group"),
    (dict(groups=[{"times": [10.0]}]), ValueError, "'times' and 'n'"),
    (dict(groups=[{"times": [10.0], "n": 3, "dose": 1}]), ValueError, "'times' and 'n'"),
    (dict(groups=[{"times": [10.0, 900.0], "n": 3}]), ValueError,
     r"groups\[0\]\['times'\] must lie within"),
    (dict(groups=[{"times": [10.0], "n": 0}]), ValueError, r"groups\[0\]\['n'\]"),
    (dict(groups=[[10.0, 20.0]]), TypeError, "mapping"),
    (dict(groups="ab"), TypeError, "groups"),
    (dict(lloq=-1.0, times=[10.0, 100.0], n=3), ValueError, "lloq"),
    (dict(), ValueError, "times and n"),
])
def test_bad_groups_and_lloq(over, exc, match):
    kw = dict(parameters=PARAMS, error=en.design.error(**ERR))
    kw.update(over)
    with pytest.raises(exc, match=match):
        en.design.evaluate(_sc(1000.0), "morphine_plasma", **kw)


def test_groups_must_share_typical_values():
    ex = en.Scenario(en.Exercise(0.8, start=30, duration=30), t_end=240, pulses=False)
    other = en.Scenario(en.Exercise(0.8, start=30, duration=30), t_end=240, pulses=False,
                        population=en.Population(1, t_half_plasma=40.0))
    with pytest.raises(ValueError, match="typical value of 't_half_plasma'"):
        en.design.evaluate(ex, "plasma_beta_endorphin",
                           groups=[{"times": [30.0, 60.0, 120.0], "n": 3},
                                   {"times": [30.0, 60.0, 120.0], "n": 3, "scenario": other}],
                           parameters={"t_half_plasma": 0.1},
                           error=en.design.error(proportional=0.1))
