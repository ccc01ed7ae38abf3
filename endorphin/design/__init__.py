"""Study design: the population Fisher information matrix of a sampling design.

:func:`evaluate` computes the first-order (FO) population FIM of a scenario's output
sampled at given times in ``n`` subjects (or in several groups), for log-normal
between-subject variability and additive, proportional or combined residual error
(:func:`error`), in the full or the reduced (block-diagonal) form, as PopED computes
them, optionally with samples censored below an LLOQ (:func:`censored_information`).
:func:`optimize` finds D- or ED-optimal sampling times, :func:`choose_samples` the
number of samples per cost and :func:`n_subjects` the number of subjects for a
target RSE.  :func:`detection` and :func:`detection_search` give the simulated power
of a study to detect the stimulus response, where pulses break the FIM's assumptions
(:mod:`endorphin.design.detection`).

The layer sits above :mod:`endorphin.scenario` (it simulates scenarios).
"""
from .censored import censored_information
from .fim import DesignResult, Error, error, evaluate
from .detection import Detection, detection, detection_search
from .optimize import OptimalDesign, SampleChoice, choose_samples, n_subjects, optimize

__all__ = ["evaluate", "error", "optimize", "choose_samples", "n_subjects",
           "censored_information", "detection", "detection_search"]
