"""The endorphin model's parameter table, its defaults and the draws of virtual subjects.

The table of record is :mod:`endorphin.model.spec` (value, unit, range, inter-individual
variability and source of every parameter); this module gives it as rows
(:data:`TABLE`, :data:`PULSE_TABLE`, :data:`DOSING_TABLE`) and as
:func:`parameters` (a DataFrame), the engine's parameter vector
(:func:`default_parameters`) and the log-normal draws of subjects
(:func:`sample_parameters`).  The values marked "calibrated" are the output of
``tools/calibration/calibrate.py`` against the validation targets of ``docs/model.md``.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import NamedTuple

import numpy as np

from .._random import PURPOSE_PARAMETERS, PURPOSE_PULSES, keyed_rng  # noqa: F401 (re-exported)
from .._validate import unknown_name
from ..engine import core
from . import spec

__all__ = ["parameters", "default_parameters", "sample_parameters", "cv_and_cholesky",
           "TABLE", "PULSE_TABLE", "DOSING_TABLE", "ENGINE", "INDEX",
           "PURPOSE_PARAMETERS", "PURPOSE_PULSES"]


class _P(NamedTuple):
    name: str
    value: float
    unit: str
    low: float
    high: float
    cv: float
    description: str
    source: str


#: The engine parameters of the model without drugs, in the engine's order.
TABLE: list[_P] = [_P(*row) for row in spec.PARAMETERS]
#: Parameters of the pulse generator (Python side, not engine parameters).
PULSE_TABLE: list[_P] = [_P(*row) for row in spec.PULSE_PARAMETERS]
#: Volumes that turn an administered amount of beta-endorphin into a concentration
#: step (Python side: :func:`endorphin.model.bend_dose`).
DOSING_TABLE: list[_P] = [_P(*row) for row in spec.DOSING_PARAMETERS]

#: The compiled model without drugs (``endorphin.core.models["endorphin"]``).
ENGINE = core.models[spec.MODEL]
assert tuple(r.name for r in TABLE) == ENGINE.params, "parameter table out of engine order"
#: Engine parameter name -> column of the parameter vector.
INDEX = {name: i for i, name in enumerate(ENGINE.params)}


def parameters():
    """Every default parameter of the model, as a pandas DataFrame.

    Columns: ``name``, ``value``, ``unit``, ``low`` and ``high`` (the range
    over which the model is documented and tested), ``cv`` (the
    inter-individual coefficient of variation of a log-normal draw; 0: the
    same for every subject), ``kind`` ("engine" for the C model's parameters,
    in its order, then "pulses" for the pulse generator and "dosing" for
    :func:`bend_dose`), ``description`` and
    ``source`` (a citation with DOI/PMID, "calibrated: ..." or "assumed: " with
    the reason).

    Examples
    --------
    >>> import endorphin as en
    >>> tab = en.parameters()
    >>> row = tab.set_index("name").loc["t_half_plasma"]
    >>> float(row["value"]), row["unit"]
    (37.0, 'min')
    """
    import pandas as pd
    rows = [dict(r._asdict(), kind="engine") for r in TABLE]
    rows += [dict(r._asdict(), kind="pulses") for r in PULSE_TABLE]
    rows += [dict(r._asdict(), kind="dosing") for r in DOSING_TABLE]
    cols = ["name", "value", "unit", "low", "high", "cv", "kind", "description", "source"]
    return pd.DataFrame(rows, columns=cols)


def _overrides(values: np.ndarray, overrides: Mapping[str, float] | None,
               table: Sequence[_P]) -> np.ndarray:
    names = [r.name for r in table]
    for key, v in (overrides or {}).items():
        if key not in names:
            raise ValueError(unknown_name(key, names, "overrides", what="parameter",
                                          hint="see endorphin.parameters()"))
        if isinstance(v, bool) or not np.isscalar(v) or not np.isfinite(v):
            raise ValueError(f"parameter {key} must be a finite number, got {v!r}")
        values[..., names.index(key)] = float(v)
    return values


def default_parameters(**overrides) -> np.ndarray:
    """The default engine parameter vector (float64, in
    ``core.models["endorphin"].params`` order), with keyword overrides.

    >>> from endorphin.model import default_parameters
    >>> default_parameters(t_half_plasma=40.0)[[48, 49]]
    array([40., 93.])
    """
    return _overrides(np.array([r.value for r in TABLE]), overrides, TABLE)


def pulse_defaults(**overrides) -> dict:
    vals = _overrides(np.array([r.value for r in PULSE_TABLE]), overrides, PULSE_TABLE)
    return dict(zip([r.name for r in PULSE_TABLE], vals.tolist()))


def check_seed(seed) -> int:
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    return int(seed)


def check_n(n) -> int:
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"n must be a positive integer, got {n!r}")
    if n > 10**9:
        raise ValueError(f"n must be <= 1e9 subjects per call, got {n}")
    return int(n)


def cv_and_cholesky(variability: float, cv=None, correlation=None):
    """Per-parameter CVs (documented, times ``variability``, with overrides) and the
    Cholesky factor of the correlation of the varied parameters' normal deviates."""
    names = [r.name for r in TABLE]
    cvs = np.array([r.cv for r in TABLE]) * float(variability)
    for key, v in (cv or {}).items():
        if key not in names:
            raise ValueError(unknown_name(key, names, "cv", what="parameter",
                                          hint="see endorphin.parameters()"))
        if isinstance(v, bool) or not np.isscalar(v) or not np.isfinite(v) or v < 0:
            raise ValueError(f"cv[{key!r}] must be a finite number >= 0, got {v!r}")
        cvs[names.index(key)] = float(v) * float(variability)
    varied = np.flatnonzero(cvs > 0)
    chol = None
    if correlation:
        pos = {names[j]: k for k, j in enumerate(varied)}
        C = np.eye(varied.size)
        for pair, rho in correlation.items():
            try:
                a, b = pair
            except (TypeError, ValueError):
                raise ValueError(f"correlation keys must be pairs of parameter names, got "
                                 f"{pair!r}") from None
            for x in (a, b):
                if x not in pos:
                    raise ValueError(f"correlation: {x!r} is not a varied parameter (it must "
                                     f"have a cv > 0)")
            if a == b or isinstance(rho, bool) or not np.isscalar(rho) \
                    or not -1.0 < float(rho) < 1.0:
                raise ValueError(f"correlation[{pair!r}] must be in (-1, 1) between two "
                                 f"different parameters, got {rho!r}")
            C[pos[a], pos[b]] = C[pos[b], pos[a]] = float(rho)
        try:
            chol = np.linalg.cholesky(C)
        except np.linalg.LinAlgError:
            raise ValueError("correlation: the correlation matrix is not positive "
                             "definite") from None
    return cvs, varied, chol


def sample_parameters(n: int, seed: int = 0, variability: float = 1.0, *,
                      base: np.ndarray | None = None, first_subject: int = 0,
                      cv=None, correlation=None) -> np.ndarray:
    """Parameters of ``n`` virtual subjects, (n, P) float64.

    Every parameter with a nonzero ``cv`` in :func:`parameters` is drawn
    log-normal around its value (median = value, so that the typical subject
    is the default subject) with coefficient of variation ``cv *
    variability``, and clipped to its documented ``[low, high]``.  Subject
    ``i`` draws from its own generator keyed by ``(seed, first_subject + i,
    purpose)``, so a subject's parameters do not depend on ``n``, on chunking
    or on threads.

    Parameters
    ----------
    n : int
        Number of subjects (>= 1).
    seed : int
        Non-negative seed.
    variability : float
        Multiplier of every CV (0: all subjects equal to ``base``).
    base : ndarray (P,), optional
        The typical subject (default :func:`default_parameters`).
    first_subject : int
        Index of the first subject (for chunked populations).
    cv : mapping of str to float, optional
        Per-parameter CV overrides (before ``variability``); a parameter with a
        documented CV of 0 can be made to vary.  Changing which parameters vary
        changes every subject's draws.
    correlation : mapping of (str, str) to float, optional
        Correlations of the log-normal deviates of pairs of varied parameters,
        e.g. ``{("t_half_plasma", "t_half_csf"): 0.5}`` (the matrix must be
        positive definite).  Without it the deviates are independent.
    """
    n = check_n(n)
    seed = check_seed(seed)
    if isinstance(variability, bool) or not np.isscalar(variability) \
            or not np.isfinite(variability) or variability < 0:
        raise ValueError(f"variability must be a finite number >= 0, got {variability!r}")
    if isinstance(first_subject, bool) or not isinstance(first_subject, (int, np.integer)) \
            or first_subject < 0:
        raise ValueError(f"first_subject must be a non-negative integer, got {first_subject!r}")
    P = len(TABLE)
    if base is None:
        base = default_parameters()
    base = np.asarray(base, dtype=np.float64)
    if base.shape != (P,) or not np.isfinite(base).all():
        raise ValueError(f"base must be a finite vector of {P} parameters")
    cvs, varied, chol = cv_and_cholesky(variability, cv, correlation)
    low = np.array([r.low for r in TABLE])
    high = np.array([r.high for r in TABLE])
    sigma = np.sqrt(np.log1p(cvs[varied] ** 2))
    out = np.empty((n, P))
    out[:] = base
    for i in range(n):
        z = keyed_rng(seed, first_subject + i, PURPOSE_PARAMETERS).standard_normal(varied.size)
        if chol is not None:
            z = chol @ z
        out[i, varied] = base[varied] * np.exp(sigma * z)
    out[:, varied] = np.clip(out[:, varied], low[varied], high[varied])
    return out
