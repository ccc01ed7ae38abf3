"""The drug variants of the C model ("endorphin_d1" .. "endorphin_d4") against the
pure-NumPy twin ``endorphin.reference`` (written from docs/model.md): names, the
right-hand side and outputs at random points (kinetic and equilibrium ligands,
agonists and antagonists), the resting state, and whole trajectories with bolus
and infusion doses (engine rtol 1e-9 vs the twin's Radau at 1e-10)."""
import numpy as np
import pytest

import endorphin as en
from endorphin import core, drugs
from endorphin.scenario import drug_plan as _dosing
from endorphin import model as M
from endorphin import reference as ref
from model_drugs import evaluate, random_params, random_state, three_drug_scenario


@pytest.mark.parametrize("nd", [0, 1, 2, 3, 4])
def test_variant_names_equal_the_twin(nd):
    m = core.models["endorphin" if nd == 0 else f"endorphin_d{nd}"]
    nm = ref.names(nd)
    assert m.states == nm["states"]
    assert m.params == nm["params"]
    assert m.inputs == nm["inputs"]
    assert m.outputs == nm["outputs"]


@pytest.mark.parametrize("nd", [1, 2, 3, 4])
def test_rhs_and_outputs_pointwise(nd):
    rng = np.random.default_rng(70 + nd)
    name = f"endorphin_d{nd}"
    n_in = len(ref.names(nd)["inputs"])
    for i in range(60):
        p = random_params(rng, nd)
        y = random_state(rng, p, nd)
        u = rng.uniform(0, 1, n_in) * (rng.random(n_in) < 0.5)
        t = float(rng.uniform(0, 2000))
        dy_c, out_c = evaluate(name, t, y, p, u)
        dy_r, out_r = ref.rhs(t, y, p, u), ref.outputs(t, y, p, u)
        where = f"point {i}"
        np.testing.assert_allclose(dy_c, dy_r, rtol=1e-11,
                                   atol=1e-12 * (np.abs(y) + 1.0).max(), err_msg=where)
        np.testing.assert_allclose(out_c, out_r, rtol=1e-11, atol=1e-13, err_msg=where)


def test_kinetic_binding_and_competition_regimes():
    """A kinetic antagonist holding most of mu leaves the equilibrium ligands the rest;
    the occupancies at each receptor sum to at most 1."""
    rng = np.random.default_rng(3)
    p = random_params(rng, 2)
    y = random_state(rng, p, 2)
    nb = len(ref.STATES)
    y[nb + 5] = 0.9            # drug1 (kinetic) bound fraction
    _, out = evaluate("endorphin_d2", 0.0, y, p, np.zeros(len(ref.names(2)["inputs"])))
    names = ref.names(2)["outputs"]
    o = dict(zip(names, out))
    assert o["occupancy_mu_drug1"] == pytest.approx(0.9)
    assert o["occupancy_mu"] <= 1.0
    assert o["occupancy_mu_beta_endorphin"] + o["occupancy_mu_drug2"] <= 0.1 + 1e-15
    for r in ("mu", "delta", "kappa"):
        parts = [o[f"occupancy_{r}_{lig}"] for lig in ("beta_endorphin", "drug1", "drug2")]
        assert o[f"occupancy_{r}"] == pytest.approx(sum(parts), rel=1e-14)


@pytest.mark.parametrize("a_circ", [0.0, 0.6])
def test_rest_state_with_drug_slots_is_the_endogenous_rest(a_circ):
    p0 = M.default_parameters(a_circ=a_circ)
    p0[M.INDEX["pulse_mean"]] = 0.0
    y_ref = ref.rest_state(0.0, p0)
    for nd in (1, 3):
        extra = np.concatenate([_dosing.slot_parameters(drugs.get("morphine"), 0.05)] * nd)
        p = np.concatenate([p0, extra])
        y0, _ = evaluate(f"endorphin_d{nd}", 0.0, None, p,
                         np.zeros(len(ref.names(nd)["inputs"])))
        np.testing.assert_allclose(y0[:len(ref.STATES)], y_ref, rtol=1e-9)
        assert (y0[len(ref.STATES):] == 0).all()


def test_trajectory_with_morphine_naloxone_and_fentanyl_matches_the_twin():
    """Oral morphine, an IV fentanyl infusion and an IM naloxone bolus (kinetic binding
    for fentanyl and naloxone), exercise, the rhythm on: the scenario's engine run vs
    the twin with the same parameters, inputs and doses."""
    sc, plan, params, breaks, inputs, boluses = three_drug_scenario(
        en.Exercise(0.8, start=20, duration=30), t_end=240, dt=10, pulses=False)
    res = core.simulate(plan.model, params, sc.times, t0=0.0, breaks=breaks, inputs=inputs,
                        doses=(boluses[0], boluses[1], boluses[2]), rtol=1e-9, atol=1e-11,
                        method="dopri5")
    assert res.status[0] == 0
    twin = ref.solve(params[0], sc.times, (breaks, inputs),
                     doses=(boluses[0], boluses[1], boluses[2][0]), t0=0.0)
    scale = np.abs(twin).max(axis=1, keepdims=True) + 1e-12
    np.testing.assert_allclose(res.y[0] / scale, twin / scale, atol=1e-6)
    # the scenario gives the same numbers under the drugs' names
    r = sc.simulate(outputs=["fentanyl_plasma", "occupancy_mu_naloxone"], rtol=1e-9,
                    atol=1e-11, method="dopri5")
    names = core.models[plan.model].outputs
    k = [s.drug.name for s in plan.slots].index("fentanyl") + 1
    np.testing.assert_array_equal(r["fentanyl_plasma"][0],
                                  res.y[0, names.index(f"drug{k}_plasma")])


def test_a_drug_by_two_routes_takes_two_slots_that_add_up():
    doses = [en.Dose("naloxone", 0.4, "mg", route="im", time=0),
             en.Dose("naloxone", 2.0, "mg", route="intranasal", time=30),
             en.Dose("naloxone", 0.2, "mg", route="iv", time=60)]
    sc = en.Scenario(doses=doses, t_end=300, dt=5, circadian=False, pulses=False)
    assert sc._plan(sc.population.body_weight).model == "endorphin_d2"
    r = sc.simulate(outputs=["naloxone_plasma"], rtol=1e-10, atol=1e-12)
    want = drugs.concentration("naloxone", r.time, doses)
    np.testing.assert_allclose(r["naloxone_plasma"][0], want, atol=1e-7 * want.max())


def test_too_many_drug_slots_is_a_clear_error():
    doses = [en.Dose(d, 1.0, route=r) for d, r in
             (("morphine", "oral"), ("morphine", "sc"), ("naloxone", "im"),
              ("naloxone", "intranasal"), ("fentanyl", "intranasal"))]
    sc = en.Scenario(doses=doses, t_end=60)
    with pytest.raises(ValueError, match="at most 4 drug/route"):
        sc.simulate()


def test_unknown_output_names_the_scenario_outputs():
    sc = en.Scenario(doses=en.Dose("morphine", 1.0), t_end=60)
    assert "morphine_effect_site" in sc.outputs()
    with pytest.raises(ValueError, match="not an output of this scenario"):
        sc.simulate(outputs=["naloxone_plasma"])
