"""Virtual trials (docs/api.md, section 8): :class:`Trial` (arms of scenarios,
endpoints read through instruments, analysis), :class:`TrialResult` (estimates,
power) and :func:`sample_size`; endpoints are built by :mod:`endorphin.endpoint`
(this package's :mod:`.endpoints`)."""
from . import endpoints
from .dropouts import Dropout, dropout
from .trial import Trial, TrialResult, sample_size

__all__ = ["Trial", "TrialResult", "sample_size", "endpoints", "dropout", "Dropout"]
