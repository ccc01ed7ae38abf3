"""On-demand dosing in scenarios: Dose.on_demand (patient-controlled analgesia).

The engine's rule and its exact event location are tested against a hand-solved
case in tests/engine/test_demand_dosing.py; here: the scenario layer (rule
parsing, slot and amount conversion, the <drug>_demand_doses output and the
Result.demand_doses table, methods, chunks) and what PCA must look like on the
model (doses only while pain is above the threshold, spaced by the lockout, fewer
doses when each is larger).
"""
from __future__ import annotations

import numpy as np
import pytest

import endorphin as en
from endorphin.scenario import runner

OUTS = ["pain_nrs", "morphine_plasma", "morphine_demand_doses"]


def pca_scenario(amount=1.0, *, lockout=10.0, max_per_hour=None, when="pain_nrs > 4",
                 n=4, t_end=900.0, dt=1.0, unit="mg", seed=1):
    pca = en.Dose.on_demand("morphine", amount=amount, unit=unit, route="iv", when=when,
                            lockout=lockout, max_per_hour=max_per_hour)
    return en.Scenario(protocol=en.Pain(level=7, start=60, duration=600), doses=[pca],
                       population=en.Population(n=n, seed=seed), t_end=t_end, dt=dt)


@pytest.fixture(scope="module")
def pca_result():
    return pca_scenario().simulate(outputs=OUTS)


def test_dose_on_demand_builds_a_rule():
    d = en.Dose.on_demand("Morphine", amount=1, unit="mg", route="IV", when=" pain_nrs>=4.5 ",
                          lockout=10, max_per_hour=4)
    assert d.is_on_demand and d.drug == "morphine" and d.route == "iv"
    assert d.demand_rule == ("pain_nrs", ">=", 4.5)
    assert d.lockout == 10.0 and d.max_per_hour == 4
    assert not en.Dose("morphine", amount=1).is_on_demand
    assert en.Dose("morphine", amount=1).demand_rule is None
    assert en.Dose.on_demand("morphine", 1, when="pain_nrs > -1e-1",
                             lockout=5).demand_rule == ("pain_nrs", ">", -0.1)


def test_doses_only_while_pain_is_above_the_threshold(pca_result):
    res = pca_result
    tab = res.demand_doses
    assert list(tab.columns) == ["subject", "time", "drug", "amount_mg", "amount_nmol"]
    assert len(tab) > 0 and (tab.drug == "morphine").all()
    t = res.t
    pain = res["pain_nrs"]
    for s, grp in tab.groupby("subject"):
        times = grp.time.to_numpy()
        # spaced by at least the lockout, within the pain stimulus
        assert (np.diff(times) >= 10.0 - 1e-9).all()
        assert times.min() >= 60.0 and times.max() < 660.0
        # at every dose pain is at or above the threshold (dt = 1 min: the grid point
        # at or before the dose; the dose itself does not move pain at once)
        i = np.searchsorted(t, times, side="right") - 1
        assert (np.maximum(pain[s, i], pain[s, np.minimum(i + 1, t.size - 1)])
                >= 4.0 - 0.02).all()
    # no dose at all where pain stays below the threshold (before 60 min, after 660)
    assert (tab.time >= 60.0).all()
    # the count output is the cumulative number of rows, right-continuous
    count = res["morphine_demand_doses"]
    for s in range(res.n_subjects):
        times = tab.time[tab.subject == s].to_numpy()
        np.testing.assert_array_equal(count[s], np.searchsorted(times, t, side="right"))
    assert count[:, -1].min() >= 3


def test_the_first_dose_is_at_the_pain_onset(pca_result):
    """Pain(level=7) switches on at 60 min: pain_nrs jumps above 4 at that input
    switch, so the first demand dose is at 60 exactly (an event, not a step)."""
    first = pca_result.demand_doses.groupby("subject").time.min()
    assert (first == 60.0).all()


def test_larger_doses_fewer_demands():
    counts = []
    for amount in (0.25, 0.5, 1.0, 2.0, 4.0):
        res = pca_scenario(amount, n=3, dt=10.0).simulate(outputs=["morphine_demand_doses"])
        counts.append(res["morphine_demand_doses"][:, -1])
    counts = np.array(counts)
    assert (np.diff(counts, axis=0) <= 0).all()
    assert (counts[0] > counts[-1]).all()


def test_max_per_hour():
    res = pca_scenario(0.25, lockout=5.0, max_per_hour=4, n=2, dt=10.0).simulate(
        outputs=["morphine_demand_doses"])
    for _, grp in res.demand_doses.groupby("subject"):
        times = grp.time.to_numpy()
        assert (np.diff(times) >= 5.0 - 1e-9).all()
        for t in times:
            assert ((times > t - 60.0) & (times <= t)).sum() <= 4
    # the hourly cap binds: 4 doses, then the wait for the first to leave the hour
    times = res.demand_doses.time[res.demand_doses.subject == 0].to_numpy()
    np.testing.assert_allclose(times[:6], [60, 65, 70, 75, 120, 125])


def test_per_kg_amounts_use_body_weight():
    pca = en.Dose.on_demand("morphine", amount=0.02, unit="mg/kg", when="pain_nrs > 4",
                            lockout=10)
    pop = en.Population(n=2, seed=3, covariates={"body_weight": [50.0, 100.0]})
    sc = en.Scenario(protocol=en.Pain(level=7, start=60, duration=120), doses=pca,
                     population=pop, t_end=240, dt=10)
    tab = sc.simulate(outputs=["morphine_demand_doses"]).demand_doses
    np.testing.assert_allclose(tab.amount_mg[tab.subject == 0], 1.0)
    np.testing.assert_allclose(tab.amount_mg[tab.subject == 1], 2.0)
    mw = en.drugs.get("morphine").molar_mass
    np.testing.assert_allclose(tab.amount_nmol, tab.amount_mg * 1e6 / mw)


@pytest.mark.parametrize("method", ["day", "explicit", "stiff"])
def test_methods_agree_on_the_doses(pca_result, method):
    """The full-resolution methods agree closely with "auto"; "day" (pulses and the
    acute axis by their mean field) runs too, with doses close to them."""
    res = pca_scenario().simulate(outputs=OUTS, method=method)
    ref = pca_result.demand_doses
    tab = res.demand_doses
    if method == "day":
        assert abs(len(tab) - len(ref)) <= 0.2 * len(ref)
        return
    assert len(tab) == len(ref)
    np.testing.assert_allclose(tab.time, ref.time, atol=0.05)


def test_bitwise_independent_of_threads_and_splits(pca_result):
    sc = pca_scenario()
    one = sc.simulate(outputs=OUTS, threads=1)
    assert one.y.tobytes() == pca_result.y.tobytes()
    assert one.demand_doses.equals(pca_result.demand_doses)
    # subjects 1..2 alone (a chunk): the same rows
    y, status, _, _ = runner.run(sc, 1, 2, tuple(OUTS), method="auto", rtol=1e-6,
                                 atol=1e-9, threads=2)
    assert y.tobytes() == pca_result.y[1:3].tobytes()


def test_chunks_on_dask(pca_result):
    pytest.importorskip("dask")
    lazy = pca_scenario().simulate(outputs=OUTS, chunks=3)
    y = np.asarray(lazy.y.compute() if hasattr(lazy.y, "compute") else lazy.y)
    assert y.tobytes() == pca_result.y.tobytes()


def test_no_pain_no_doses():
    sc = en.Scenario(doses=en.Dose.on_demand("morphine", 1, when="pain_nrs > 4", lockout=10),
                     population=en.Population(n=2, seed=1), t_end=300, dt=10)
    res = sc.simulate(outputs=["morphine_demand_doses", "pain_nrs"])
    assert len(res.demand_doses) == 0
    assert (res["morphine_demand_doses"] == 0).all()


def test_scheduled_and_demand_doses_together():
    """A scheduled loading dose of the same drug shares its slot with the PCA."""
    sc = en.Scenario(protocol=en.Pain(level=7, start=60, duration=600),
                     doses=[en.Dose("morphine", amount=5, time=50),
                            en.Dose.on_demand("morphine", 1, when="pain_nrs > 4",
                                              lockout=10)],
                     population=en.Population(n=2, seed=1), t_end=900, dt=10)
    alone = pca_scenario(n=2, dt=10.0).simulate(outputs=["morphine_demand_doses"])
    res = sc.simulate(outputs=["morphine_demand_doses", "morphine_plasma"])
    assert (res["morphine_demand_doses"][:, -1] <= alone["morphine_demand_doses"][:, -1]).all()
    assert res["morphine_plasma"][:, 6].min() > 0        # the loading dose at 50


def test_scenario_file_round_trip(tmp_path):
    sc = pca_scenario(n=2, dt=10.0, max_per_hour=3)
    sc.to_toml(tmp_path / "pca.toml")
    back = en.Scenario.from_toml(tmp_path / "pca.toml")
    (d,) = back.doses
    assert d.is_on_demand and d.demand_rule == ("pain_nrs", ">", 4.0)
    assert d.lockout == 10.0 and d.max_per_hour == 3


BAD_DOSES = [
    (dict(when="pain_nrs < 4", lockout=10), ValueError, "when must read"),
    (dict(when="4 < pain_nrs", lockout=10), ValueError, "when must read"),
    (dict(when="pain_nrs > four", lockout=10), ValueError, "when must read"),
    (dict(when=4, lockout=10), TypeError, "when must be a rule"),
    (dict(when="pain_nrs > 4", lockout=0), ValueError, "lockout must be > 0"),
    (dict(when="pain_nrs > 4", lockout=None), TypeError, "lockout="),
    (dict(when="pain_nrs > 4", lockout=10, max_per_hour=0), ValueError,
     "max_per_hour must be >= 1"),
    (dict(when="pain_nrs > 4", lockout=10, max_per_hour=2.5), TypeError, "max_per_hour"),
]


@pytest.mark.parametrize("kw,exc,match", BAD_DOSES)
def test_bad_on_demand(kw, exc, match):
    with pytest.raises(exc, match=match):
        en.Dose.on_demand("morphine", amount=1, **kw)


def test_bad_on_demand_combinations():
    with pytest.raises(ValueError, match="bolus"):
        en.Dose("morphine", amount=1, duration=10, when="pain_nrs > 4", lockout=10)
    with pytest.raises(ValueError, match="no every= or times="):
        en.Dose("morphine", amount=1, every=60, times=3, when="pain_nrs > 4", lockout=10)
    with pytest.raises(ValueError, match="no time="):
        en.Dose("morphine", amount=1, time=30, when="pain_nrs > 4", lockout=10)
    with pytest.raises(ValueError, match="on-demand doses only"):
        en.Dose("morphine", amount=1, lockout=10)
    with pytest.raises(ValueError, match="not beta-endorphin"):
        en.Dose.on_demand("beta_endorphin", amount=1, when="pain_nrs > 4", lockout=10)
    with pytest.raises(ValueError, match="not an output of this scenario"):
        pca_scenario(when="pain_nsr > 4")
    pca = en.Dose.on_demand("morphine", amount=1, when="pain_nrs > 4", lockout=10)
    with pytest.raises(ValueError, match="at most one on-demand dose"):
        en.Scenario(doses=[pca, pca], t_end=60)
    with pytest.raises(ValueError, match="summary mode does not support on-demand"):
        pca_scenario(n=2).summarize(["pain_nrs"])
