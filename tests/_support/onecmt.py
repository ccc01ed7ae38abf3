"""A registered one-compartment drug with a closed form, for the fitting diagnostics'
tests (tests/fitting/test_diagnostics.py, tests/plot/test_fit_plots.py): its
concentrations after an IV bolus, population data simulated in NumPy (independent of
the engine), and a PopulationFit built by hand at given parameters."""
import dataclasses

import numpy as np
import pandas as pd

DRUG = "dgdiag"
OUT = f"{DRUG}_plasma"
DOSE_MG = 10.0
TIMES = np.array([5.0, 15, 30, 60, 90, 120, 180, 240, 360, 480])
CL, V = 1.0, 50.0                    # L/min, L
OMEGA = {"cl": 0.09, "v1": 0.04}     # omega^2 of log CL, log V
ADD, PROP = 2.0, 0.1                 # residual SDs: nmol/L, fraction
NAMES = [f"{DRUG}.cl", f"{DRUG}.v1"]


def register():
    import endorphin as en
    d = dataclasses.replace(en.drugs["morphine"], name=DRUG, q2=None, v2=None, q3=None,
                            v3=None, cl=CL, v1=V)
    en.drugs.register(d, replace=True)
    return d


def unregister():
    import endorphin as en
    en.drugs.unregister(DRUG)


def closed_form(cl, v, t=TIMES):
    """nmol/L after DOSE_MG mg IV at t = 0: C = D / V exp(-CL/V t)."""
    import endorphin as en
    mw = en.drugs[DRUG].molar_mass
    cl, v = np.asarray(cl, dtype=float)[..., None], np.asarray(v, dtype=float)[..., None]
    return DOSE_MG * 1e6 / mw / v * np.exp(-cl / v * t)


def scenario():
    import endorphin as en
    return en.Scenario(doses=[en.Dose(DRUG, amount=DOSE_MG, unit="mg", route="iv", time=0)],
                       population=en.Population(1, variability=0), t_end=480, dt=60,
                       pulses=False)


def population_data(n, seed, cl=CL, v=V, omega=OMEGA, add=ADD, prop=PROP, times=TIMES):
    """Tidy data of n subjects from the population model, in NumPy."""
    rng = np.random.default_rng(seed)
    cli = cl * np.exp(np.sqrt(omega["cl"]) * rng.standard_normal(n))
    vi = v * np.exp(np.sqrt(omega["v1"]) * rng.standard_normal(n))
    c = closed_form(cli, vi, times)
    y = c + np.sqrt(add ** 2 + (prop * c) ** 2) * rng.standard_normal(c.shape)
    return pd.DataFrame({"subject": np.repeat(np.arange(n), times.size),
                         "time": np.tile(times, n), "output": OUT, "value": y.ravel()})


def population_fit(data, cl=CL, v=V, omega=OMEGA, add=ADD, prop=PROP):
    """A PopulationFit built by hand at the given parameters, with its Problem."""
    from endorphin.estimation.population import PopulationFit
    from endorphin.estimation.problem import Problem
    prob = Problem(data, scenario(), NAMES)
    n = prob.N
    om = pd.DataFrame(np.diag([omega["cl"], omega["v1"]]), index=NAMES, columns=NAMES)
    return PopulationFit(method="foce", error="combined",
                         params=pd.Series([cl, v], index=NAMES),
                         omega=pd.Series([omega["cl"], omega["v1"]], index=NAMES),
                         omega_matrix=om,
                         sigma=pd.Series({"additive": add, "proportional": prop}),
                         eta=pd.DataFrame(np.zeros((n, 2)), columns=NAMES), ofv=0.0,
                         _problem=prob)
