"""endorphin: simulate endogenous opioid (beta-endorphin) release and its effects.

The dose-response mathematics are compiled NumPy ufuncs (``endorphin.hill``,
...): they broadcast, accept ``out=``/``where=``/``dtype=``, and work on dask
arrays, xarray objects and pandas Series through the ufunc protocol.

Units throughout the package: time in minutes, beta-endorphin in pmol/L,
drugs and affinities in nmol/L.

Importing endorphin imports only NumPy and pandas; plotting (matplotlib),
xarray and dask are imported lazily by the functions that need them.
"""
from ._version import __version__
from ._ufuncs import (
    competitive_occupancy,
    dose_ratio,
    ecx,
    emax_model,
    hill,
    hill_inverse,
    hill_jac,
    ll4,
    ll4_jac,
    ll5,
    ll5_jac,
    occupancy,
    operational,
    operational_multi,
)
from . import core, nca, model, drugs, presets
from .model import parameters
from .scenario import (Acupuncture, Dose, Exercise, Laughter, Meditation, Pain, Placebo,
                       Population, Scenario, Stress, Subject, compare)
from .measurement import PRO, Assay
from .results import Result
from .fitting import FitResult, fit_dose_response, schild_analysis
from . import plot  # matplotlib is imported inside its functions only
from . import _ufunc_docs, _ufuncs

_ufunc_docs.attach(_ufuncs)

__all__ = [
    "__version__",
    "Acupuncture",
    "Assay",
    "Dose",
    "Exercise",
    "FitResult",
    "Laughter",
    "Meditation",
    "PRO",
    "Pain",
    "Placebo",
    "Population",
    "Result",
    "Scenario",
    "Stress",
    "Subject",
    "compare",
    "core",
    "drugs",
    "competitive_occupancy",
    "dose_ratio",
    "ecx",
    "fit_dose_response",
    "emax_model",
    "hill",
    "hill_inverse",
    "hill_jac",
    "ll4",
    "ll4_jac",
    "ll5",
    "ll5_jac",
    "model",
    "nca",
    "parameters",
    "plot",
    "presets",
    "occupancy",
    "operational",
    "operational_multi",
    "schild_analysis",
]
