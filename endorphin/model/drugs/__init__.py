"""Exogenous opioid drugs: the drug table, dose units and closed-form linear PK.

This package is the data layer for the drugs of the endorphin model
(``docs/model.md``, States and Binding and effects): for each drug its molar mass, a linear one-
to three-compartment disposition for a 70-kg adult, the absorption of each
route, the effect-site link (``ke0``, ``f_brain``), the equilibrium affinity
``K`` and operational efficacy ``tau`` at the mu, delta and kappa receptors,
and, for slowly dissociating ligands, kinetic binding constants at mu; the
between-subject CVs of the PK (``Drug.cv``) and its body-weight exponents
(``Drug.weight_exponents``; docs/model.md, "Between-subject variability of drug
PK").  Every
number carries a source: a citation (DOI/PMID/journal), ``"computed: "`` from
cited inputs, or ``"assumed: "`` with the reason.

Units are those of the model: time in minutes, volumes in L, clearances in
L/min, concentrations and affinities in nmol/L.

The table is a read-only mapping::

    >>> import endorphin.drugs as drugs
    >>> drugs.table["morphine"].ke0
    0.007
    >>> drugs["naloxone"].kind            # the module itself is subscriptable
    'antagonist'
    >>> "fentanyl" in drugs.names()
    True

:func:`register` adds a user-defined drug (validated), :func:`to_pandas`
lists every value with its unit and source, :func:`dose_to_nmol` converts a
dose, and :func:`concentration` gives the exact central-compartment
concentration for IV boluses, IV infusions and first-order absorption with a
lag, by superposition of exponentials (the model prefers exact closed forms
over ODE states for linear PK).

The built-in drugs are data (``builtin.py``); ``registry.py`` holds :class:`Drug` and
the registry, ``pk.py`` the dose units and the closed-form PK.  The package is public
as ``endorphin.drugs``.
"""
from __future__ import annotations

import sys
import types
from collections.abc import Iterator

from .pk import concentration, dose_to_nmol, half_lives, macro_constants
from .registry import (CV_FIELDS, FIELDS, KINDS, RECEPTORS, REFERENCE_WEIGHT, ROUTES,
                       WEIGHT_FIELDS, Drug, DrugTable, Route, get, names, register, reset,
                       table, to_pandas, unregister)
from .registry import _rebuild_drug  # noqa: F401  (Drug pickles name endorphin.drugs._rebuild_drug)

__all__ = ["Drug", "Route", "DrugTable", "table", "register", "unregister", "reset",
           "get", "names", "to_pandas", "dose_to_nmol", "concentration",
           "macro_constants", "half_lives", "FIELDS", "ROUTES", "RECEPTORS", "KINDS",
           "CV_FIELDS", "WEIGHT_FIELDS", "REFERENCE_WEIGHT"]

# doctest.testmod(endorphin.drugs) runs the examples of the package's public functions
# and classes, which live in its submodules
__test__ = {name: globals()[name] for name in __all__
            if callable(globals()[name]) and ">>>" in (globals()[name].__doc__ or "")}


# -- `endorphin.drugs["morphine"]`: make the module itself a read-only mapping ----
class _DrugsModule(types.ModuleType):
    """The module, subscriptable like :data:`table` (``drugs["morphine"]``)."""

    def __getitem__(self, name: str) -> Drug:
        return table[name]

    def __iter__(self) -> Iterator[str]:
        return iter(table)

    def __len__(self) -> int:
        return len(table)

    def __contains__(self, name: object) -> bool:
        return name in table


sys.modules[__name__].__class__ = _DrugsModule
