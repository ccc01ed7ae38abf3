"""The endorphin model: its specification, parameters, presets, drugs and reference twin.

The equations are in ``docs/model.md`` (engine model ``"endorphin"``, C in
``csrc/model/endorphin_model.c``).  This package holds

* :mod:`~endorphin.model.spec`: the one table of record of the model's channels,
  states, parameters (value, unit, range, inter-individual variability, source),
  outputs and drug-slot layout, as plain data (``setup.py`` generates the C layout
  from it);
* :mod:`~endorphin.model.table`: :func:`parameters`, the engine's parameter vector and
  the draws of virtual subjects (:func:`sample_parameters`);
* :mod:`~endorphin.model.pulses`: the pituitary pulse generator (:func:`pulse_schedule`);
* :mod:`~endorphin.model.run`: :func:`simulate`, the array-level run of the model with
  stimuli given as piecewise-constant segments;
* :mod:`~endorphin.model.pharmacology`: closed-form responses (:func:`drug_response`,
  :func:`receptor_response`, :func:`ac50`, :func:`bend_dose`);
* :mod:`~endorphin.model.drugs` (public as ``endorphin.drugs``) and
  :mod:`~endorphin.model.presets` (``endorphin.presets``);
* :mod:`~endorphin.model.reference`: the pure-NumPy oracle (``endorphin.reference``).

Times are in minutes, concentrations in pmol/L (cortisol nmol/L).  The modules import
one way: spec <- table <- pulses <- run, spec <- drugs <- pharmacology, table <- presets.
"""
from __future__ import annotations

from ..engine import core
from . import spec
from .spec import ACTH_MW, BEND_MW, SOURCES, output_meta
from .table import (DOSING_TABLE, ENGINE, INDEX, PULSE_TABLE, PURPOSE_PARAMETERS,
                    PURPOSE_PULSES, TABLE, cv_and_cholesky, default_parameters, parameters,
                    sample_parameters)
from .pulses import pulse_doses, pulse_schedule
from .run import simulate, stimulus_inputs
from .pharmacology import ac50, bend_dose, drug_response, receptor_response
from . import drugs, presets

__all__ = ["parameters", "default_parameters", "sample_parameters", "pulse_schedule",
           "bend_dose", "receptor_response", "pulse_doses", "drug_response", "ac50",
           "stimulus_inputs", "simulate", "CHANNELS", "PMOL_PER_L_TO_PG_PER_ML",
           "BEND_MW", "ACTH_MW"]

#: Stimulus channels, in the engine's input order.
CHANNELS = tuple(c["name"] for c in spec.CHANNELS)
#: 1 pmol/L of beta-endorphin in pg/mL.
PMOL_PER_L_TO_PG_PER_ML = BEND_MW / 1000.0

