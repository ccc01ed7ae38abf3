"""Scenarios: stimuli, doses and virtual populations, simulated in one call.

This is the layer a notebook uses (the README's "Scenarios").  Its rooms:

* :mod:`~endorphin.scenario.stimuli`: the stimuli and protocols;
* :mod:`~endorphin.scenario.doses`: :class:`Dose`;
  :mod:`~endorphin.scenario.drug_plan` maps drug doses onto the engine's slots;
* :mod:`~endorphin.scenario.population`: :class:`Population`, :class:`Subject`;
  :mod:`~endorphin.scenario.covariates`: covariate distributions :class:`Normal`,
  :class:`Categorical`;
* :mod:`~endorphin.scenario.scenario`: :class:`Scenario` and :func:`compare`;
* :mod:`~endorphin.scenario.runner`: the one loop over the engine
  (in process, with a progress bar, or as Dask tasks with ``chunks=``).

Units: time, start, duration, every, t_end and dt in **minutes** (t = 0 is
the start of the scenario, at clock time ``clock_start``); outputs in the
model's units (beta-endorphin and ACTH pmol/L, cortisol nmol/L, effects
dimensionless).
"""
from .._public import examples
from . import covariates, doses, drug_plan, population, runner, scenario, stimuli
from .covariates import Categorical, Normal
from .doses import Dose, DrugNotAvailableError
from .population import CONDITIONS, Population, Subject
from .scenario import Scenario, compare
from .stimuli import (DEFAULT_VO2MAX, DEFAULT_VO2MAX_OTHER, Acupuncture, Exercise, Laughter,
                      Meditation, Pain, Placebo, Protocol, Stimulus, Stress)
from .weekly import WEEKDAYS, weekly

__all__ = ["Stimulus", "Exercise", "Stress", "Pain", "Laughter", "Meditation",
           "Acupuncture", "Placebo", "Protocol", "weekly", "WEEKDAYS", "Dose", "DrugNotAvailableError",
           "Population", "Subject", "Scenario", "compare", "CONDITIONS", "Normal",
           "Categorical"]

__test__ = examples(stimuli, doses, drug_plan, population, scenario, runner, covariates)
