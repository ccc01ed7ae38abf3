"""Symptoms over days: each subject's trait levels and day-to-day fluctuations.

The engine's symptom outputs (``pain_nrs``'s ongoing part, ``anxiety_score``,
``depression_score``; docs/model.md, "Symptoms") read, per subject,

* a **trait** multiplier of each symptom (parameters ``pain_trait``, ``anxiety_trait``,
  ``depression_trait``): log-normal with mean 1 and CV ``<symptom>_between_cv`` x
  ``variability``, drawn here and multiplied into the parameter vector in place (the
  typical subject has 1);
* a **fluctuation** (inputs ``pain_fluctuation``, ``anxiety_fluctuation``,
  ``depression_fluctuation``): a unit Ornstein-Uhlenbeck process with correlation time
  ``<symptom>_tau`` days, sampled once per calendar day (the day changes at midnight of
  the clock, ``clock_start`` being the clock time of t = 0) and held constant over the
  day.  Its daily values are the exact AR(1) discretisation
  ``X_{k+1} = rho X_k + sqrt(1 - rho^2) e_k``, ``rho = exp(-1 / tau)``, started from the
  stationary law ``X_0 ~ N(0, 1)``, so the daily series has exactly unit variance and
  autocorrelation ``rho^lag``.

Every draw of subject ``i`` comes from its own generator keyed by ``(seed, first_subject
+ i, PURPOSE_SYMPTOMS)``: three trait deviates, then three deviates per day; so a
subject's symptoms do not depend on the population size, on chunking or on threads.
"""
from __future__ import annotations

import numpy as np

from .._random import PURPOSE_SYMPTOMS, keyed_rng
from .table import INDEX, check_seed

__all__ = ["SYMPTOMS", "PURPOSE_SYMPTOMS", "symptom_days", "symptom_schedule",
           "merge_inputs"]

#: The symptoms with a trait and a fluctuation, in the order of their inputs.
SYMPTOMS = ("pain", "anxiety", "depression")
#: Stream number of the symptom draws (never renumber: results depend on it).
DAY = 1440.0


def symptom_days(t0: float, t_end: float, clock_start: float):
    """Calendar days touching ``[t0, t_end]``: the first day's index and the day
    boundaries (midnights) strictly inside ``(t0, t_end)``, in model minutes."""
    k0 = int(np.floor((t0 + clock_start) / DAY))
    k1 = int(np.floor((t_end + clock_start) / DAY))
    edges = np.array([k * DAY - clock_start for k in range(k0 + 1, k1 + 1)])
    edges = edges[(edges > t0) & (edges < t_end)]
    return k0, edges


def symptom_schedule(params: np.ndarray, t0: float, t_end: float, seed: int = 0, *,
                     first_subject: int = 0, variability: float = 1.0):
    """Trait multipliers (written into ``params`` in place) and daily fluctuations.

    Parameters
    ----------
    params : ndarray (N, P)
        Engine parameters of the subjects (``clock_start`` the same for all); their
        ``<symptom>_trait`` columns are multiplied by the drawn traits.
    t0, t_end : float
        The simulated window, minutes.
    seed : int
        Seed of the keyed streams.
    first_subject : int
        Index of the first subject (for chunks).
    variability : float
        Multiplier of the between-subject CVs (0: every trait 1).

    Returns
    -------
    breaks : ndarray (B,)
        The midnights inside ``(t0, t_end)``.
    values : ndarray (N, B + 1, 3)
        The fluctuation of each symptom on each day segment.
    """
    seed = check_seed(seed)
    params = np.asarray(params)
    n = params.shape[0]
    clock = params[:, INDEX["clock_start"]]
    if not (clock == clock[0]).all():
        raise ValueError("clock_start must be the same for every subject")
    _, breaks = symptom_days(t0, t_end, float(clock[0]))
    days = breaks.size + 1
    tau = np.stack([params[:, INDEX[f"{s}_tau"]] for s in SYMPTOMS], axis=1)     # (n, 3)
    cv = np.stack([params[:, INDEX[f"{s}_between_cv"]] for s in SYMPTOMS], axis=1)
    if not (np.isfinite(tau).all() and (tau > 0).all()):
        raise ValueError("the symptom correlation times (pain_tau, anxiety_tau, "
                         "depression_tau) must be positive, in days")
    if not (np.isfinite(cv).all() and (cv >= 0).all()):
        raise ValueError("the between-subject CVs of the symptoms must be >= 0")
    Z = np.empty((n, 3))
    E = np.empty((n, 3, days))
    for i in range(n):
        g = keyed_rng(seed, first_subject + i, PURPOSE_SYMPTOMS)
        Z[i] = g.standard_normal(3)
        E[i] = g.standard_normal((days, 3)).T
    sigma = np.sqrt(np.log1p((cv * float(variability)) ** 2))
    trait = np.exp(sigma * Z - 0.5 * sigma ** 2)
    for j, s in enumerate(SYMPTOMS):
        params[:, INDEX[f"{s}_trait"]] *= trait[:, j]
    rho = np.exp(-1.0 / tau)
    q = np.sqrt(1.0 - rho ** 2)
    X = np.empty((n, 3, days))
    X[:, :, 0] = E[:, :, 0]
    for k in range(1, days):
        X[:, :, k] = rho * X[:, :, k - 1] + q * E[:, :, k]
    return breaks, np.ascontiguousarray(X.transpose(0, 2, 1))


def merge_inputs(breaks, inputs, sym_breaks, sym_values, columns, t0: float = 0.0):
    """Join piecewise-constant inputs with per-subject symptom fluctuations.

    ``breaks`` (B,) and ``inputs`` (B+1, U) or (N, B+1, U): the stimuli; ``sym_breaks``
    (S,) and ``sym_values`` (N, S+1, 3): the fluctuations, written into ``columns`` (the
    three input indices).  Returns the union of the breaks and inputs (N, B'+1, U).
    """
    breaks = np.asarray(breaks, dtype=np.float64).reshape(-1)
    sym_breaks = np.asarray(sym_breaks, dtype=np.float64).reshape(-1)
    n = sym_values.shape[0]
    inputs = np.asarray(inputs, dtype=np.float64)
    if sym_breaks.size == 0:
        out = np.array(np.broadcast_to(inputs, (n,) + inputs.shape[-2:]))
        out[:, :, columns] = sym_values[:, :1, :]
        return breaks, out
    allb = np.union1d(breaks, sym_breaks) if breaks.size else sym_breaks
    if breaks.size and np.unique(breaks).size != breaks.size:
        raise ValueError("merge_inputs needs distinct stimulus breaks")
    lefts = np.concatenate([[t0], allb])
    i_old = np.searchsorted(breaks, lefts, side="right")
    i_sym = np.searchsorted(sym_breaks, lefts, side="right")
    out = np.array(np.broadcast_to(inputs, (n,) + inputs.shape[-2:])[:, i_old, :])
    out[:, :, columns] = sym_values[:, i_sym, :]
    return allb, out
