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
import sys as _sys

# The layers, bottom up (a module imports only from the layers below it):
#   math (ufunc docs, nca, fitting) < engine (core) < model (spec, parameters,
#   presets, drugs) < measurement < results < scenario (stimuli, doses,
#   populations, Scenario, the runner) < trial (arms, endpoints, analysis), design
#   (FIM) < io
#   (scenario files), plot < cli.
from .math import fitting, nca
from .engine import core

# Modules that moved into a layer keep their old import paths
# (``import endorphin.core``, ``from endorphin.fitting import ...``).
for _name, _module in (("core", core), ("nca", nca), ("fitting", fitting)):
    _sys.modules[f"{__name__}.{_name}"] = _module

from . import model, drugs, presets  # noqa: E402
from .model import parameters  # noqa: E402
from .measurement import PRO, Assay  # noqa: E402
from .results import Result  # noqa: E402
from .results import Comparison, open_result  # noqa: E402
from .scenario import (Acupuncture, Categorical, Dose, Exercise, Laughter,  # noqa: E402
                       Meditation, Normal, Pain, Placebo, Population, Scenario, Stress,
                       Subject, compare, weekly)
from .trial import Trial, TrialResult, dropout, sample_size  # noqa: E402
from .trial import endpoints as endpoint  # noqa: E402
from .math.fitting import FitResult, fit_dose_response, schild_analysis  # noqa: E402
from .estimation import fit_model  # noqa: E402
from . import design  # noqa: E402  (study design: above scenario)
from . import io  # noqa: E402  (registers the scenario file readers and writers)
from . import plot  # noqa: E402  (matplotlib is imported inside its functions only)
from .math import ufunc_docs as _ufunc_docs  # noqa: E402
from . import _ufuncs  # noqa: E402

_ufunc_docs.attach(_ufuncs)
del _name, _module

__all__ = [
    "__version__",
    "Acupuncture",
    "Assay",
    "Categorical",
    "Dose",
    "Exercise",
    "FitResult",
    "Laughter",
    "Meditation",
    "Normal",
    "PRO",
    "Pain",
    "Placebo",
    "Population",
    "Result",
    "Scenario",
    "design",
    "Stress",
    "Subject",
    "Trial",
    "TrialResult",
    "compare",
    "dropout",
    "endpoint",
    "sample_size",
    "weekly",
    "core",
    "drugs",
    "competitive_occupancy",
    "dose_ratio",
    "ecx",
    "fit_dose_response",
    "fit_model",
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
    "Comparison",
    "open_result",
]
