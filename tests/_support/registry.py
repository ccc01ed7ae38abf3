"""The one registry of endorphin's public callables.

Every reliability test reads it (tests/reliability/: junk calls in-process and in
subprocesses, reference counts, threads, Hypothesis; tests/ufuncs/test_ufunc_protocol.py;
the fuzz harness tools/qa/fuzz/fuzz_endorphin.py), so a callable added here is
exercised by all of them.  tests/reliability/test_registry.py checks that the
registry is complete: every public callable of the package (``endorphin.__all__``
and the ``__all__`` of the public submodules it lists) is either registered here or
listed in ``EXCLUDED`` with the reason.

To add a public callable: one entry in ``UFUNC_CORES`` + ``ufunc_args`` (a NumPy
ufunc or gufunc), or in ``calls`` (a Python function or class), with one valid call.

Importing this module does not import endorphin (the fuzz harness and the
subprocess tests read the names first); the functions below do.
"""
from __future__ import annotations

import numpy as np

# ---------------------------------------------------------------------------
# ufuncs and gufuncs: name -> core dimensions of each input, as letters ("" = a
# scalar core, "rl" = a (r, l) core).  Public ones are ``endorphin.<name>``; the
# names with a leading underscore are the gufuncs behind ``endorphin.nca``
# (``endorphin._ufuncs.<name>``), reached by users through nca's wrappers.
# The order of the sorted names is part of the fuzz corpus format
# (tests/data/fuzz_regressions/): add names, do not rename them.
# ---------------------------------------------------------------------------
UFUNC_CORES = {
    "hill": ["", "", "", ""],
    "emax_model": ["", "", "", "", ""],
    "ll4": ["", "", "", "", ""],
    "ll5": ["", "", "", "", "", ""],
    "occupancy": ["", ""],
    "operational": ["", "", "", "", ""],
    "dose_ratio": ["", "", ""],
    "hill_inverse": ["", "", "", ""],
    "ecx": ["", "", ""],
    "competitive_occupancy": ["l", "rl"],
    "operational_multi": ["l", "l", "l", ""],
    "hill_jac": ["", "", "", ""],
    "ll4_jac": ["", "", "", "", ""],
    "ll5_jac": ["", "", "", "", "", ""],
    "_auc_linear": ["n", "n"],
    "_auc_linlog": ["n", "n"],
    "_tmax": ["n", "n"],
    "_cmax": ["n"],
    "_half_life": ["n", "n", ""],
}
UFUNC_NAMES = sorted(UFUNC_CORES)
#: the public ones (``endorphin.<name>``)
PUBLIC_UFUNC_NAMES = sorted(n for n in UFUNC_CORES if not n.startswith("_"))
#: public ufuncs with only scalar cores that are not Jacobians: plain elementwise maths
ELEMENTWISE = [n for n in PUBLIC_UFUNC_NAMES
               if all(c == "" for c in UFUNC_CORES[n]) and not n.endswith("_jac")]
#: public gufuncs (a core dimension in an input or the output)
GUFUNCS = [n for n in PUBLIC_UFUNC_NAMES if n not in ELEMENTWISE]


def ufunc(name: str):
    """The ufunc object registered under ``name``."""
    import endorphin
    if name.startswith("_"):
        from endorphin import _ufuncs
        return getattr(_ufuncs, name)
    return getattr(endorphin, name)


X = np.array([1.0, 3.0, 0.5])
T = np.array([0.0, 1.0, 2.0, 4.0, 8.0])
C = np.array([0.0, 5.0, 4.0, 2.0, 1.0])


def ufunc_args(name: str, x: np.ndarray | None = None) -> tuple:
    """One valid positional call of the ufunc ``name`` (new arrays on every call).
    ``x`` replaces the concentration-like first argument of the elementwise ones."""
    x = X.copy() if x is None else x
    conc = np.array([1.0, 2.0, 3.0])
    K = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    t, c = T.copy(), C.copy()
    table = {
        "hill": (x, 1.0, 3.0, 1.7),
        "emax_model": (x, 0.5, 1.0, 3.0, 1.7),
        "ll4": (x, 1.3, 0.1, 2.0, 3.0),
        "ll5": (x, 1.3, 0.1, 2.0, 3.0, 0.7),
        "occupancy": (x, 3.0),
        "operational": (x, 3.0, 5.0, 1.0, 1.7),
        "dose_ratio": (x, 3.0, 0.9),
        "hill_inverse": (np.array([0.5, 1.0, 2.5]), 2.0, 3.0, 1.7),
        "ecx": (np.array([0.1, 0.5, 0.9]), 3.0, 1.7),
        # (l),(r,l)->(r,l) with l = 3, r = 2
        "competitive_occupancy": (conc, K),
        # (l),(l),(l),()->(): K carries a loop dimension of 2
        "operational_multi": (conc, np.full((2, 3), 2.0), np.array([4.0, 0.0, 1.0]), 1.7),
        "hill_jac": (x, 1.0, 3.0, 1.7),
        "ll4_jac": (x, 1.3, 0.1, 2.0, 3.0),
        "ll5_jac": (x, 1.3, 0.1, 2.0, 3.0, 0.7),
        "_auc_linear": (t, c),
        "_auc_linlog": (t, c.copy()),
        "_tmax": (t, c),
        "_cmax": (c,),
        "_half_life": (t, c, np.intp(3)),
    }
    return table[name]


# ---------------------------------------------------------------------------
# every registered callable: name -> (callable, args, kwargs, kind)
# kind "ufunc" for NumPy ufuncs, "py" for Python functions and classes
# ---------------------------------------------------------------------------
def _samples_table():
    """A long table as Result.sample returns it: 2 subjects, a censored baseline each."""
    import pandas as pd
    t = np.array([0.0, 10.0, 20.0, 40.0, 60.0])
    v = np.array([[np.nan, 5.0, 8.0, 4.0, 2.0], [np.nan, 3.0, 6.0, 2.5, 1.1]])
    return pd.DataFrame({"subject": np.repeat([3, 8], 5), "time": np.tile(t, 2),
                         "value": v.ravel(), "censored": np.isnan(v).ravel(), "lloq": 1.0})


def calls() -> dict:
    import endorphin as en
    import pandas as pd
    from endorphin import core, model, nca

    out = {name: (ufunc(name), ufunc_args(name), {}, "ufunc") for name in UFUNC_NAMES}
    t, c = T.copy(), C.copy()
    out.update({
        "nca.auc": (nca.auc, (t, c), {"method": "linear"}, "py"),
        "nca.cmax": (nca.cmax, (c,), {}, "py"),
        "nca.tmax": (nca.tmax, (t, c), {}, "py"),
        "nca.half_life": (nca.half_life, (t, c), {"n_points": 3}, "py"),
        "nca.from_samples": (nca.from_samples, (_samples_table(),),
                             {"blq": "zero-before-first", "method": "linear"}, "py"),
        "core.simulate": (core.simulate, ("linear1", np.array([[0.1, 0.02, 5.0]] * 2),
                                          np.array([0.0, 10.0, 20.0])),
                          {"doses": ([0.0], ["depot"], [10.0]), "breaks": [5.0],
                           "inputs": [[0.0], [1.0]], "y0": [0.0, 1.0], "rtol": 1e-6,
                           "threads": 2, "max_steps": 10_000}, "py"),
        "model.simulate": (model.simulate, (model.default_parameters(),
                                            np.array([0.0, 30.0, 60.0])),
                           {"segments": [("exercise", 10.0, 20.0, 0.8)], "threads": 1},
                           "py"),
        "Exercise": (en.Exercise, (0.8,), {"start": 10.0, "duration": 30.0}, "py"),
        "Dose": (en.Dose, ("morphine",), {"amount": 5.0, "unit": "mg", "route": "iv",
                                          "time": 10.0}, "py"),
        "Population": (en.Population, (3,), {"seed": 1, "variability": 0.5}, "py"),
        "Subject": (en.Subject, (), {"seed": 2, "t_half_plasma": 40.0}, "py"),
        "weekly": (en.weekly, (en.Exercise(0.6, start=17 * 60, duration=30),),
                   {"days": ("mon", "wed", "fri"), "weeks": 2}, "py"),
        "Scenario": (en.Scenario, (), {"protocol": en.Exercise(0.8, start=10, duration=20),
                                       "t_end": 60.0, "dt": 10.0}, "py"),
        # trials (endorphin.trial): the endpoints and the Trial spec (no simulation)
        "endpoint.value": (en.endpoint.value, ("pain_nrs", 60.0), {}, "py"),
        "endpoint.change": (en.endpoint.change, ("pain_nrs", 60.0), {"baseline": 10.0},
                            "py"),
        "endpoint.percent_change": (en.endpoint.percent_change, ("pain_nrs", 60.0),
                                    {"baseline": 10.0}, "py"),
        "endpoint.responder": (en.endpoint.responder, ("pain_nrs", 60.0),
                               {"baseline": 0.0, "reduction": 0.3}, "py"),
        "endpoint.mean": (en.endpoint.mean, ("pain_nrs", 0.0, 60.0), {"every": 20.0}, "py"),
        "Trial": (en.Trial, ({"a": en.Scenario(t_end=60.0, dt=10.0),
                              "b": en.Scenario(t_end=60.0, dt=10.0)}, 4,
                             [en.endpoint.value("pain_nrs", 60.0)]),
                  {"dropout": 0.1}, "py"),
        "endpoint.time_to_event": (en.endpoint.time_to_event, ("pain_nrs", 3.0),
                                   {"at": 2880.0, "every": 1440.0}, "py"),
        "dropout": (en.dropout, (0.2, "pain_nrs"), {"per_unit": 0.3}, "py"),
        "Normal": (en.Normal, (70.0, 10.0), {"low": 40.0, "high": 120.0}, "py"),
        "Categorical": (en.Categorical, ({"female": 0.6, "male": 0.4},), {}, "py"),
        # study design (endorphin.design): a two-parameter FO FIM (9 engine runs, batched)
        "design.error": (en.design.error, (), {"proportional": 0.1, "additive": 0.5}, "py"),
        "design.evaluate": (en.design.evaluate,
                            (en.Scenario(doses=en.Dose("morphine", 5.0, unit="mg",
                                                       route="iv", time=0.0),
                                         t_end=240.0, pulses=False),
                             "morphine_plasma", [5.0, 60.0, 240.0], 10),
                            {"parameters": {"morphine.cl": 0.09, "morphine.v1": 0.0},
                             "error": en.design.error(proportional=0.1),
                             "fim": "reduced"}, "py"),
        # simulated detection power: 20 studies x 3 typical subjects, no pulses
        "design.detection": (en.design.detection,
                             (en.Scenario(en.Exercise(0.8, start=30.0, duration=30.0),
                                          t_end=120.0, pulses=False),),
                             {"times": [0.0, 65.0], "n": 3, "studies": 20, "seed": 1,
                              "test": "wilcoxon"}, "py"),
        "design.detection_search": (en.design.detection_search,
                                    (en.Scenario(en.Exercise(0.8, start=30.0,
                                                             duration=30.0),
                                                 t_end=120.0, pulses=False),),
                                    {"candidates": [[0.0, 65.0], [0.0, 120.0]],
                                     "n": [2, 3], "studies": 20, "seed": 1}, "py"),
    })
    # optimal design: a one-parameter exponential on a 5-point grid (one engine run);
    # the sample number by cost (1-2 samples); subjects for a target RSE; a censored
    # observation's information
    _sc = en.Scenario(doses=en.Dose("morphine", 5.0, unit="mg", route="iv", time=0.0),
                      t_end=240.0, pulses=False)
    _opt = dict(grid=[30.0, 60.0, 120.0, 180.0, 240.0],
                parameters={"morphine.cl": 0.0}, error=en.design.error(additive=0.5))
    out.update({
        "design.optimize": (en.design.optimize, (_sc, "morphine_plasma", 1), _opt, "py"),
        "design.choose_samples": (en.design.choose_samples, (_sc, "morphine_plasma"),
                                  {"n_samples": (1, 2), "cost_sample": 1.0,
                                   "cost_subject": 2.0, **_opt}, "py"),
        "design.n_subjects": (en.design.n_subjects,
                              (en.design.evaluate(_sc, "morphine_plasma", [60.0, 240.0], 10,
                                                  **{k: _opt[k] for k in ("parameters",
                                                                          "error")}),
                               20.0), {"parameter": "morphine.cl"}, "py"),
        "design.censored_information": (en.design.censored_information, (2.0, 1.0, 1.5),
                                        {}, "py"),
    })
    # the batched fitter (endorphin._fit)
    xd = np.array([0.1, 0.3, 1.0, 3.0, 10.0, 30.0])
    yd = np.array([[0.05, 0.1, 0.5, 0.8, 0.95, 1.0], [0.0, 0.2, 0.4, 0.7, 0.9, 1.1]])
    out.update({
        "fit_dose_response": (en.fit_dose_response, (xd, yd),
                              {"model": "ll4", "weights": np.ones(6), "threads": 2,
                               "max_iter": 50}, "py"),
        # a control curve and two antagonist concentrations (the fewest Schild accepts)
        # one subject, three samples after an IV beta-endorphin bolus, one parameter
        "fit_model": (en.fit_model,
                      (pd.DataFrame({"subject": 0, "time": [10.0, 30.0, 60.0],
                                     "output": "plasma_beta_endorphin",
                                     "value": [40.0, 25.0, 15.0]}),
                       en.Scenario(doses=[en.Dose("beta_endorphin", amount=1.0, unit="ug",
                                                  route="iv")],
                                   population=en.Population(1, variability=0), t_end=60,
                                   dt=30, pulses=False),
                       ["t_half_plasma"]),
                      {"error": "proportional", "max_iter": 20}, "py"),
        "schild_analysis": (en.schild_analysis, (xd, np.stack([yd[0], yd[0] * 0.8, yd[0] * 0.6]),
                                                 np.array([0.0, 1.0, 3.0])), {"threads": 1},
                            "py"),
    })
    return out


# ---------------------------------------------------------------------------
# public callables deliberately NOT in the registry, each with the reason.  Keys are
# the public names ("Name" at the top level, "module.name" in a public submodule).
# ---------------------------------------------------------------------------
_PLOT = "draws with matplotlib (tests/plot/ checks the artists, bad input and labels)"
_STIMULUS = ("a stimulus class with the same validation as Exercise (registered); "
             "tests/scenario/test_scenario.py checks each one's bad input")
EXCLUDED = {
    # stimuli and containers of the scenario layer
    "Acupuncture": _STIMULUS,
    "Laughter": _STIMULUS,
    "Meditation": _STIMULUS,
    "Pain": _STIMULUS,
    "Placebo": _STIMULUS,
    "Stress": _STIMULUS,
    "compare": "runs Scenario.simulate (registered) per scenario; tests/scenario",
    "Result": "a container built by Scenario.simulate, not called by users on arrays; "
              "tests/results",
    "FitResult": "a container returned by fit_dose_response (registered); tests/fitting",
    "Comparison": "a container built by compare, not called by users on arrays; "
                  "tests/results, tests/scenario",
    "TrialResult": "a container built by Trial.run, not called by users on arrays; "
                   "tests/trial",
    "endpoint.Endpoint": "a record built by the endpoint functions (registered); "
                         "tests/trial",
    "sample_size": "runs Trial simulations (seconds each); its bad input and its answer "
                   "against the analytic t-test sample size: tests/trial",
    "open_result": "reads a file (netCDF, Zarr, CSV) into a Result; "
                   "tests/results/test_result_io.py",
    "PRO": "instrument factories (no array input); tests/results/test_measurement.py",
    "Assay": "instrument factories (no array input); tests/results/test_measurement.py",
    "parameters": "no arguments: returns the parameter table (tests/model)",
    # endorphin.core: the engine; core.simulate is registered and is the C entry point
    "core.Model": "a NamedTuple describing a compiled model (no computation)",
    "core.SimResult": "a NamedTuple returned by core.simulate",
    "core.dose_schedule": "pure-Python expansion of a dose rule into arrays; tests/engine",
    "core.population_percentiles": "np.percentile over a SimResult; tests/engine",
    # endorphin.model: Python helpers around core.simulate (model.simulate is registered)
    "model.parameters": "no arguments: the parameter table (tests/model)",
    "model.default_parameters": "keyword overrides only; tests/model/test_model_api.py",
    "model.sample_parameters": "random draws, validated in tests/model/test_model_api.py",
    "model.pulse_schedule": "pure-Python pulse draws; tests/model, tests/validation",
    "model.bend_dose": "scalar unit conversion; tests/model",
    "model.receptor_response": "pure NumPy over the ufuncs (registered); tests/validation",
    "model.drug_response": "pure NumPy over the ufuncs (registered); tests/model",
    "model.ac50": "a root search over model.drug_response; tests/model",
    "model.stimulus_inputs": "builds the input arrays of core.simulate; tests/model",
    "model.pulse_doses": "builds the dose arrays of core.simulate; tests/model",
    # endorphin.drugs: the drug table (pure Python data)
    "drugs.Drug": "a dataclass record of the drug table; tests/model/test_drugs.py",
    "drugs.Route": "a NamedTuple record of the drug table; tests/model/test_drugs.py",
    "drugs.DrugTable": "the Mapping type of drugs.table; tests/model/test_drugs.py",
    "drugs.names": "no arguments; tests/model/test_drugs.py",
    "drugs.get": "a table lookup (KeyError on unknown names); tests/model/test_drugs.py",
    "drugs.register": "validated in tests/model/test_drugs.py (bad fields raise)",
    "drugs.unregister": "a table edit; tests/model/test_drugs.py",
    "drugs.reset": "no arguments; tests/model/test_drugs.py",
    "drugs.to_pandas": "no arguments; tests/model/test_drugs.py",
    "drugs.dose_to_nmol": "scalar unit conversion; tests/model/test_drugs.py",
    "drugs.macro_constants": "closed-form PK of one drug; tests/model/test_drugs.py",
    "drugs.half_lives": "closed-form PK of one drug; tests/model/test_drugs.py",
    "drugs.concentration": "closed-form PK over NumPy; tests/model/test_drugs.py",
    # endorphin.presets: named parameter sets
    "presets.Preset": "a dataclass record; tests/scenario",
    "presets.get": "a table lookup; tests/scenario",
    "presets.names": "no arguments; tests/scenario",
    # endorphin.plot: matplotlib helpers
    "plot.time_course": _PLOT,
    "plot.timeline": _PLOT,
    "plot.occupancy": _PLOT,
    "plot.tolerance": _PLOT,
    "plot.compare": _PLOT,
    "plot.dose_response": _PLOT,
    "plot.schild": _PLOT,
    "plot.style": "a matplotlib style context manager (tests/plot)",
    "plot.power_curve": _PLOT + "; tests/trial/test_trial_extras.py",
    "plot.effects": _PLOT + "; tests/trial/test_trial_extras.py",
    "plot.arms": _PLOT + "; tests/trial/test_trial_extras.py",
    "plot.sampling_times": _PLOT + "; tests/plot/test_design_plots.py",
    "plot.schedules": _PLOT + "; tests/plot/test_design_plots.py",
    "plot.kaplan_meier": "the Kaplan-Meier estimate behind plot.arms (pure NumPy); "
                         "tests/trial/test_trial_extras.py checks it by hand",
    "plot.vpc": _PLOT + "; tests/plot/test_fit_plots.py",
    "plot.gof": _PLOT + "; tests/plot/test_fit_plots.py",
    "plot.profile": _PLOT + "; tests/plot/test_fit_plots.py",
}


def public_callables() -> dict:
    """Every public callable of the installed package: public name -> object.

    The top level's ``__all__``; for each public submodule it lists (``core``,
    ``nca``, ``plot`` ...), that module's ``__all__`` (or its names without a leading
    underscore), keeping the callables defined by endorphin (functions, classes,
    ufuncs), not modules or data."""
    import types

    import endorphin as en

    def ours(obj) -> bool:
        if isinstance(obj, np.ufunc):
            return True
        return callable(obj) and not isinstance(obj, types.ModuleType) and \
            (getattr(obj, "__module__", None) or "").startswith("endorphin")

    found = {}
    for name in en.__all__:
        obj = getattr(en, name)
        if isinstance(obj, types.ModuleType):
            names = getattr(obj, "__all__", None) or [n for n in dir(obj)
                                                      if not n.startswith("_")]
            for sub in names:
                member = getattr(obj, sub)
                if ours(member):
                    found[f"{name}.{sub}"] = member
        elif ours(obj):
            found[name] = obj
    return found
