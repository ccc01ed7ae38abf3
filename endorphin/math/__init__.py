"""Dose-response mathematics with no model knowledge: the ufuncs' documentation
(:mod:`~endorphin.math.docstrings`, attached by :mod:`~endorphin.math.ufunc_docs`),
non-compartmental analysis (:mod:`~endorphin.math.nca`) and batched
dose-response fitting (:mod:`~endorphin.math.fitting`)."""
from . import fitting, nca

__all__ = ["fitting", "nca"]
