"""Estimation: fitting the model's parameters to measured time courses.

The layer above :mod:`endorphin.scenario` (it simulates through the scenario
runner).  :func:`fit_model` fits each subject on its own
(``method="individual"``, :mod:`.individual`: additive, proportional or
combined error, the M3 likelihood for censored data) or the population
(``"foce"``: FOCE-I, :mod:`.foce`; ``"saem"``: SAEM, :mod:`.saem`), from a tidy
table or a NONMEM-style one (:mod:`.data`); :func:`vpc` and :func:`profile` are
the diagnostics (:mod:`.diagnostics`), with ``PopulationFit.predict()`` giving
PRED, IPRED, IWRES and CWRES.
"""
from .individual import ModelFit, fit_model
from .diagnostics import VPC, Profile, profile, vpc
from .population import PopulationFit

__all__ = ["fit_model", "ModelFit", "PopulationFit", "vpc", "profile", "VPC", "Profile"]
