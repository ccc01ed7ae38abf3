"""Shared by the model's drug tests and the engine's lane tests: the C model's
right-hand side at a point (through the test extension), random parameters and states
of every drug variant, and a three-drug scenario with its engine arguments."""
import numpy as np

import endorphin as en
from endorphin import _engine_tests
from endorphin import model as M
from endorphin import reference as ref


def evaluate(name, t, y, p, u):
    return _engine_tests._evaluate(name, float(t), y, np.ascontiguousarray(p, dtype=float),
                                np.ascontiguousarray(u, dtype=float))


def random_drug(rng, kinetic: bool, agonist: bool) -> np.ndarray:
    p = {
        "v1": rng.uniform(2, 300), "k10": rng.uniform(1e-3, 0.3),
        "k12": rng.choice([0.0, rng.uniform(0, 0.5)]), "k21": rng.uniform(1e-3, 0.2),
        "k13": rng.choice([0.0, rng.uniform(0, 0.2)]), "k31": rng.uniform(1e-4, 0.05),
        "ka": rng.choice([0.0, rng.uniform(0.005, 1.0)]), "ke0": rng.uniform(0.002, 0.5),
        "f_brain": rng.uniform(0.001, 1.0),
        "K_mu": 10 ** rng.uniform(-2, 2), "K_delta": 10 ** rng.uniform(-1, 3),
        "K_kappa": 10 ** rng.uniform(-1, 3),
        "tau_mu": rng.uniform(0.5, 30) if agonist else 0.0,
        "tau_delta": rng.uniform(0, 3) if agonist else 0.0,
        "tau_kappa": rng.uniform(0, 3) if agonist else 0.0,
        "kon": 10 ** rng.uniform(-2, 1) if kinetic else 0.0,
        "koff": 10 ** rng.uniform(-2, 1) if kinetic else 0.0,
        "n": rng.uniform(0.7, 1.2) if kinetic else 1.0,
    }
    return np.array([p[k] for k in ref.DRUG_PARAMS])


def random_params(rng, nd):
    base = M.default_parameters()
    P = dict(zip(M.ENGINE.params, base))
    for r in ("mu", "delta", "kappa"):
        P[f"k_des_acute_{r}"] = rng.uniform(0, 0.5)
        P[f"k_des_chronic_{r}"] = rng.uniform(0, 0.01)
        P[f"receptor_{r}"] = rng.uniform(0.2, 1.0)
        P[f"slope_{r}"] = rng.uniform(0.6, 2.0)
    P["a_circ"] = rng.choice([0.0, 0.5])
    P["pulse_mean"] = 0.0
    extra = [random_drug(rng, kinetic=bool(k % 2 == 0), agonist=bool(k != 1))
             for k in range(nd)]
    return np.concatenate([[P[k] for k in M.ENGINE.params]] + extra)


def random_state(rng, p, nd):
    y0, _ = evaluate("endorphin", 0.0, None, p[:len(ref.PARAMS)], np.zeros(len(ref.INPUTS)))
    y = list(y0 * rng.uniform(0.5, 2.0, y0.size))
    for i, s in enumerate(ref.STATES):
        if s.startswith("receptor_"):
            y[i] = rng.uniform(0.1, 1.0)
    for _ in range(nd):
        y += [rng.uniform(0, 5000), rng.uniform(0, 5000), rng.uniform(0, 3000),
              rng.uniform(0, 3000), 10 ** rng.uniform(-3, 2), rng.uniform(0, 0.45)]
    return np.array(y)


def three_drug_scenario(stim, **kw):
    """Oral morphine, an IV fentanyl infusion and an IM naloxone bolus with `stim`:
    the scenario and its engine arguments (model plan, parameters, breaks, inputs,
    boluses)."""
    doses = [en.Dose("morphine", 10, "mg", route="oral", time=5),
             en.Dose("fentanyl", 100, "ug", route="iv", time=30, duration=20),
             en.Dose("naloxone", 0.4, "mg", route="im", time=90)]
    sc = en.Scenario(stim, doses, **kw)
    bw = sc.population.body_weight
    plan = sc._plan(bw)
    assert plan.model == "endorphin_d3"
    params = plan.parameters(sc._apply_settings(sc.population.draw()))
    breaks, inputs = sc._inputs(bw, plan)
    return sc, plan, params, breaks, inputs, sc._boluses(bw, plan)
