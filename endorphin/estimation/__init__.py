"""Estimation: fitting the model's parameters to measured time courses.

The layer above :mod:`endorphin.scenario` (it simulates through the scenario
runner).  This slice has :func:`fit_model` with ``method="individual"``; the
population methods (FOCE-I, SAEM), NONMEM-style tables, the M3 likelihood for
censored data and the diagnostics come later (issue 25).
"""
from .individual import ModelFit, fit_model
from .diagnostics import VPC, Profile, profile, vpc

__all__ = ["fit_model", "ModelFit", "vpc", "profile", "VPC", "Profile"]
