"""Study design: the population Fisher information matrix of a sampling design.

:func:`evaluate` computes the first-order (FO) population FIM of a scenario's output
sampled at given times in ``n`` subjects, for log-normal between-subject variability
and additive, proportional or combined residual error (:func:`error`), in the full
or the reduced (block-diagonal) form, as PopED computes them.  Optimisation of the
times (``optimize``), samples below the LLOQ and several groups are not in this
release (issue 24).  :func:`detection` and :func:`detection_search` give the
simulated power of a study to detect the stimulus response, where pulses break the
FIM's assumptions (:mod:`endorphin.design.detection`).

The layer sits above :mod:`endorphin.scenario` (it simulates scenarios).
"""
from .fim import DesignResult, Error, error, evaluate
from .detection import Detection, detection, detection_search

__all__ = ["evaluate", "error", "detection", "detection_search"]
