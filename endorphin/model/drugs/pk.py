"""Dose units and closed-form linear PK of the registered drugs: :func:`dose_to_nmol`,
:func:`macro_constants`, :func:`half_lives` and :func:`concentration` (the exact
central-compartment concentration by superposition of exponentials)."""
from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np

from ..._validate import choice as _choice
from .registry import LN2, Drug, check_number, get

__all__ = ["dose_to_nmol", "macro_constants", "half_lives", "concentration"]


_UNITS = {"mg": 1e6, "ug": 1e3, "µg": 1e3, "mcg": 1e3, "mg/kg": 1e6, "nmol": None}


def dose_to_nmol(drug: Drug | str, amount, unit: str, body_weight: float = 70.0):
    """Convert a dose to nmol.

    Parameters
    ----------
    drug : Drug or str
        The drug (its molar mass converts mass to moles).
    amount : float or array_like
        Dose, >= 0.
    unit : {"mg", "ug", "mg/kg", "nmol"}
        ``"µg"`` and ``"mcg"`` are accepted for ``"ug"``; ``"mg/kg"`` is per
        kg of `body_weight`; any case (``"MG"`` is mg).
    body_weight : float
        kg, > 0 (used by ``"mg/kg"`` only).

    Returns
    -------
    float or ndarray
        nmol.

    Examples
    --------
    >>> from endorphin.drugs import dose_to_nmol
    >>> round(dose_to_nmol("morphine", 10, "mg"), 1)     # 10 mg / 285.343 g/mol
    35045.5
    >>> round(dose_to_nmol("naloxone", 0.01, "mg/kg", body_weight=80), 1)
    2443.6
    """
    drug = get(drug)
    unit = _choice(unit, _UNITS, "unit", what="dose unit")
    try:
        a = None if isinstance(amount, (bool, str)) else np.asarray(amount, dtype=float)
    except (TypeError, ValueError):
        a = None
    if a is None or not np.all(np.isfinite(a)) or np.any(a < 0):
        raise ValueError(f"amount must be finite and >= 0, got {amount!r}")
    bw = check_number("dose_to_nmol", "body_weight", body_weight)
    if unit == "nmol":
        out = a
    else:
        out = a * _UNITS[unit] / drug.molar_mass * (bw if unit == "mg/kg" else 1.0)
    return float(out) if out.ndim == 0 else out


# -- closed-form linear PK ----------------------------------------------------
def macro_constants(drug: Drug | str) -> tuple[np.ndarray, np.ndarray]:
    """Unit-impulse response of the central concentration.

    After a bolus of D nmol into the central compartment at t = 0,
    ``C(t) = D * sum(coef * exp(-rate * t))`` (nmol/L).

    Parameters
    ----------
    drug : Drug or str

    Returns
    -------
    coef : ndarray
        1/L, one per compartment, >= 0, summing to 1/v1.
    rate : ndarray
        1/min, the disposition rate constants (eigenvalues of the compartment
        matrix with the sign changed), descending.

    Notes
    -----
    In concentrations, ``V dC/dt = S C`` with S symmetric (flows Q between
    compartments and CL out of the central one).  ``V^-1/2 S V^-1/2`` is
    symmetric, so ``numpy.linalg.eigh`` gives real eigenvalues and an
    orthonormal basis U even for repeated eigenvalues, and the central response
    is ``sum_i U[0, i]**2 exp(mu_i t) / v1``.
    """
    d = get(drug)
    vols = [d.v1]
    flows = []
    for q, v in ((d.q2, d.v2), (d.q3, d.v3)):
        if q is not None:
            vols.append(v)
            flows.append(q)
    m = len(vols)
    S = np.zeros((m, m))
    S[0, 0] = -d.cl
    for j, q in enumerate(flows, start=1):
        S[0, 0] -= q
        S[j, j] = -q
        S[0, j] = S[j, 0] = q
    s = 1.0 / np.sqrt(np.asarray(vols))
    mu, U = np.linalg.eigh(S * s[:, None] * s[None, :])
    coef = U[0] ** 2 / d.v1
    order = np.argsort(mu)  # most negative first: fastest rate first
    return coef[order], -mu[order]


def half_lives(drug: Drug | str) -> np.ndarray:
    """Disposition half-lives ln 2 / rate, min, longest (terminal) first."""
    _, rate = macro_constants(drug)
    return np.sort(LN2 / rate)[::-1]


def _phi(d: np.ndarray, tau: np.ndarray) -> np.ndarray:
    """(1 - exp(-d tau)) / d for d >= 0, with the limit tau at d = 0."""
    x = d * tau
    small = np.abs(x) < 1e-8
    dd = np.where(small, 1.0, d)
    return np.where(small, tau * (1.0 - 0.5 * x), -np.expm1(-x) / dd)


_MISSING = object()


def _dose_field(dose, key, default=_MISSING):
    if isinstance(dose, Mapping):
        v = dose.get(key, default)
    else:
        v = getattr(dose, key, default)
    if v is _MISSING:
        raise ValueError(f"dose {dose!r} has no {key!r}")
    return v


def _administrations(drug: Drug, doses, body_weight: float):
    """Expand doses into (time, nmol, route, duration) tuples."""
    if isinstance(doses, (Mapping, str)) or not hasattr(doses, "__iter__"):
        doses = [doses]
    out = []
    for dose in doses:
        dname = _dose_field(dose, "drug", None)
        if dname is not None and getattr(dname, "name", dname) != drug.name:
            continue  # a scenario's dose list may hold several drugs
        unit = _dose_field(dose, "unit", None) or "mg"
        nmol = dose_to_nmol(drug, _dose_field(dose, "amount"), unit, body_weight)
        if np.ndim(nmol):
            raise ValueError(f"dose amount must be a scalar, got {nmol!r}")
        route = _dose_field(dose, "route", None) or "iv"
        if route not in drug.routes:
            raise ValueError(f"route {route!r} is not available for {drug.name} "
                             f"(routes: {tuple(drug.routes)})")
        t0 = check_number("dose", "time", _dose_field(dose, "time", 0.0), low=-math.inf)
        duration = _dose_field(dose, "duration", None)
        rate = _dose_field(dose, "rate", None)
        dur = 0.0
        if duration is not None or rate is not None:
            if route != "iv":
                raise ValueError(f"duration/rate (an infusion) needs route 'iv', "
                                 f"got {route!r}")
            if rate is not None:
                rate_nmol = dose_to_nmol(drug, rate, unit, body_weight)  # per min
                if rate_nmol <= 0:
                    raise ValueError(f"rate must be > 0, got {rate!r}")
                dur_r = nmol / rate_nmol
            if duration is not None:
                dur = check_number("dose", "duration", duration, strict=False)
                if rate is not None and not math.isclose(dur, dur_r, rel_tol=1e-9):
                    raise ValueError(f"amount ({nmol:g} nmol) != rate x duration "
                                     f"({dur_r:g} min implied by rate, {dur:g} given)")
            else:
                dur = dur_r
        every = _dose_field(dose, "every", None)
        times = _dose_field(dose, "times", None)
        times = 1 if times is None else times
        if isinstance(times, bool) or not isinstance(times, (int, np.integer)) or times < 1:
            raise ValueError(f"times must be an integer >= 1, got {times!r}")
        if times > 1:
            every = check_number("dose", "every", every)
        for k in range(int(times)):
            out.append((t0 + k * (every if times > 1 else 0.0), nmol, route, dur))
    return out


def concentration(drug: Drug | str, t, doses, body_weight: float = 70.0) -> np.ndarray:
    """Central (plasma) concentration of a drug, exact, by superposition.

    Parameters
    ----------
    drug : Drug or str
    t : array_like
        Times, min (any shape).
    doses : dose or sequence of doses
        Each dose is a mapping or an object (e.g. ``endorphin.Dose``) with
        ``amount`` and optionally ``unit`` (default ``"mg"``; see
        :func:`dose_to_nmol`), ``route`` (default ``"iv"``), ``time`` (min,
        default 0), ``duration`` (min) or ``rate`` (unit/min) for a
        zero-order IV infusion, ``every`` (min) and ``times`` for repeated
        doses, and ``drug`` (doses naming another drug are skipped).
    body_weight : float
        kg, for ``"mg/kg"`` doses.  The PK itself is that of a 70-kg adult.

    Returns
    -------
    ndarray
        nmol/L, the shape of `t`; 0 before the first dose.

    Notes
    -----
    With the impulse response ``h(s) = sum_i c_i exp(-l_i s)`` of
    :func:`macro_constants`, a bolus D at t0 adds ``D h(t - t0)``; an
    infusion at rate R over T adds
    ``R sum_i c_i exp(-l_i (s - s1)) (1 - exp(-l_i s1)) / l_i`` with
    ``s1 = min(s, T)``; an extravascular dose adds
    ``F D ka sum_i c_i (exp(-l_i s) - exp(-ka s)) / (ka - l_i)`` with
    ``s = t - t0 - lag``, written as ``exp(-min(l, ka) s) (1 - exp(-|ka - l| s))
    / |ka - l|`` so that it is stable (and exact in the limit ka = l).

    Examples
    --------
    >>> import numpy as np
    >>> from endorphin.drugs import concentration
    >>> t_half = np.log(2) * 276.0 / 1.584       # one compartment: V ln 2 / CL, min
    >>> c = concentration("morphine", [0.0, t_half], {"amount": 10, "unit": "mg"})
    >>> np.round(c, 2)         # 10 mg IV: D / V = 35045.5 nmol / 276 L, then halved
    array([126.98,  63.49])
    >>> inf = {"amount": 4.0, "unit": "mg", "route": "iv", "duration": 60.0,
    ...        "every": 240.0, "times": 3}
    >>> concentration("naloxone", np.linspace(0, 720, 5), inf).shape
    (5,)
    """
    d = get(drug)
    bw = check_number("concentration", "body_weight", body_weight)
    tt = np.asarray(t, dtype=float)
    if not np.all(np.isfinite(tt)):
        raise ValueError("t must be finite")
    coef, lam = macro_constants(d)
    out = np.zeros(tt.shape + (len(lam),))
    for t0, nmol, route, dur in _administrations(d, doses, bw):
        if nmol == 0.0:
            continue
        F, ka, lag = d.routes[route]
        s = (tt - t0 - lag)[..., None]
        on = s >= 0.0
        sp = np.where(on, s, 0.0)
        if route == "iv" and dur > 0.0:
            s1 = np.minimum(sp, dur)
            term = (nmol / dur) * coef / lam * np.exp(-lam * (sp - s1)) * -np.expm1(-lam * s1)
        elif route == "iv":
            term = nmol * coef * np.exp(-lam * sp)
        else:
            term = (F * nmol * ka) * coef * np.exp(-np.minimum(lam, ka) * sp) \
                * _phi(np.abs(ka - lam), sp)
        out += np.where(on, term, 0.0)
    return out.sum(axis=-1)


