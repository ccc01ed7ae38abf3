"""Exogenous opioid drugs: the drug table, dose units and closed-form linear PK.

This module is the data layer for the drugs of the endorphin model
(``docs/model.md`` sections 3-4): for each drug its molar mass, a linear one-
to three-compartment disposition for a 70-kg adult, the absorption of each
route, the effect-site link (``ke0``, ``f_brain``), the equilibrium affinity
``K`` and operational efficacy ``tau`` at the mu, delta and kappa receptors,
and, for slowly dissociating ligands, kinetic binding constants at mu.  Every
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
"""
from __future__ import annotations

import dataclasses
import math
import re
import sys
import types
from collections.abc import Iterator, Mapping
from typing import Any, NamedTuple

import numpy as np

from . import model as _model

__all__ = ["Drug", "Route", "DrugTable", "table", "register", "unregister", "reset",
           "get", "names", "to_pandas", "dose_to_nmol", "concentration",
           "macro_constants", "half_lives", "FIELDS", "ROUTES", "RECEPTORS", "KINDS"]

#: Routes of administration (the ``route=`` of ``endorphin.Dose``).
ROUTES = ("iv", "im", "sc", "oral", "intranasal")
#: Receptor types of the model.
RECEPTORS = ("mu", "delta", "kappa")
#: Allowed values of :attr:`Drug.kind`.
KINDS = ("agonist", "antagonist", "partial agonist")

_LN2 = math.log(2.0)
_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class Route(NamedTuple):
    """Absorption of one route.

    Attributes
    ----------
    F : float
        Bioavailability, in (0, 1] (1 for ``"iv"``).
    ka : float or None
        First-order absorption rate constant, 1/min (None for ``"iv"``).
    lag : float
        Absorption lag time, min (>= 0).
    """
    F: float
    ka: float | None
    lag: float


# -- the numeric fields, their units and meaning ------------------------------
# Route fields are flattened as F_<route>, ka_<route>, lag_<route> so that every
# number has one name, one unit and one source.
_SCALARS: dict[str, tuple[str, str]] = {
    "molar_mass": ("g/mol", "molar mass (free base)"),
    "cl": ("L/min", "clearance from the central compartment"),
    "v1": ("L", "central volume"),
    "q2": ("L/min", "intercompartmental clearance to peripheral compartment 2"),
    "v2": ("L", "volume of peripheral compartment 2"),
    "q3": ("L/min", "intercompartmental clearance to peripheral compartment 3"),
    "v3": ("L", "volume of peripheral compartment 3"),
    "ke0": ("1/min", "plasma-effect-site equilibration rate constant"),
    "f_brain": ("1", "effect-site factor: Ce at equilibrium = f_brain * Cp"),
    **{f"K_{r}": ("nmol/L", f"equilibrium affinity (dissociation constant) at {r}")
       for r in RECEPTORS},
    **{f"tau_{r}": ("1", f"operational efficacy at {r} (0: antagonist)") for r in RECEPTORS},
    "kon": ("(nmol/L)^-n/min", "association rate constant at mu (kinetic binding)"),
    "koff": ("1/min", "dissociation rate constant at mu (kinetic binding)"),
    "n": ("1", "exponent of the ligand concentration in the association rate"),
    "ac50": ("nmol/L", "steady-state plasma concentration for half-maximal analgesia "
                       "(calibration target)"),
}
_ROUTE_FIELDS: dict[str, tuple[str, str]] = {
    "F": ("1", "bioavailability"),
    "ka": ("1/min", "first-order absorption rate constant"),
    "lag": ("min", "absorption lag time"),
}
#: Every numeric field name a drug may carry, with (unit, description).
FIELDS: dict[str, tuple[str, str]] = dict(_SCALARS)
for _r in ROUTES:
    for _f, (_u, _d) in _ROUTE_FIELDS.items():
        FIELDS[f"{_f}_{_r}"] = (_u, f"{_d} ({_r})")
del _r, _f, _u, _d


def _check_number(owner: str, field: str, value: Any, *, low: float = 0.0,
                  strict: bool = True, high: float | None = None,
                  high_strict: bool = False) -> float:
    """Validate one real number; raise TypeError/ValueError naming the field."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer,
                                                                     np.floating)):
        raise TypeError(f"{owner}: {field} must be a real number, got {value!r}")
    v = float(value)
    bad = (not math.isfinite(v) or (v <= low if strict else v < low)
           or (high is not None and (v >= high if high_strict else v > high)))
    if bad:
        lo = f"> {low:g}" if strict else f">= {low:g}"
        hi = "" if high is None else (f" and {'<' if high_strict else '<='} {high:g}")
        raise ValueError(f"{owner}: {field} must be finite, {lo}{hi}; got {value!r}")
    return v


@dataclasses.dataclass(frozen=True)
class Drug:
    """One drug: PK for a 70-kg adult, effect-site link and receptor constants.

    Parameters
    ----------
    name : str
        Identifier (letters, digits, underscore; used in output names such as
        ``<name>_plasma``).
    molar_mass : float
        g/mol, of the species whose amount is dosed (free base).
    kind : {"agonist", "antagonist", "partial agonist"}
    cl, v1 : float
        Clearance (L/min) and volume (L) of the central compartment.
    q2, v2, q3, v3 : float or None
        Intercompartmental clearances (L/min) and volumes (L) of the optional
        peripheral compartments (both of a pair or neither; 3 needs 2).
    routes : mapping of str to Route or (F, ka, lag)
        Keys among :data:`ROUTES`; ``"iv"`` has F = 1 and ka None; other
        routes need 0 < F <= 1, ka > 0 (1/min) and lag >= 0 (min).
    ke0 : float
        1/min, effect-site equilibration: ``dCe/dt = ke0 (f_brain Cp - Ce)``.
    f_brain : float
        Dimensionless effect-site factor (free fraction x brain partition x
        in-vitro/in-vivo affinity), >= 0.
    K_mu, K_delta, K_kappa : float
        Equilibrium dissociation constants, nmol/L (> 0).
    tau_mu, tau_delta, tau_kappa : float
        Operational efficacies (>= 0; all 0 for an antagonist).
    kon, koff, n : float or None
        Kinetic binding at mu, ``dB/dt = kon Ce^n (1 - sum B) - koff B``:
        kon in (nmol/L)^-n/min, koff in 1/min; all three or none.
    ac50 : float or None
        Steady-state plasma concentration for half-maximal analgesia, nmol/L
        (a calibration target, where measured).
    sources : mapping of str to str
        Field name (see :data:`FIELDS`) -> source of that value.

    Notes
    -----
    Instances are immutable; ``routes`` and ``sources`` become read-only
    mappings.  Use ``dataclasses.replace`` (or :func:`register` with fields)
    to derive a variant.
    """
    name: str
    molar_mass: float
    kind: str
    cl: float
    v1: float
    routes: Mapping[str, Route]
    ke0: float
    f_brain: float
    K_mu: float
    K_delta: float
    K_kappa: float
    tau_mu: float = 0.0
    tau_delta: float = 0.0
    tau_kappa: float = 0.0
    q2: float | None = None
    v2: float | None = None
    q3: float | None = None
    v3: float | None = None
    kon: float | None = None
    koff: float | None = None
    n: float | None = None
    ac50: float | None = None
    sources: Mapping[str, str] = dataclasses.field(default_factory=dict)

    def __post_init__(self):
        name = self.name
        if not isinstance(name, str) or not _NAME_RE.match(name):
            raise ValueError(f"drug name must be an identifier (letters, digits, '_'), "
                             f"got {name!r}")
        who = f"drug {name!r}"
        set_ = lambda k, v: object.__setattr__(self, k, v)  # noqa: E731  (frozen)
        set_("molar_mass", _check_number(who, "molar_mass", self.molar_mass))
        if self.kind not in KINDS:
            raise ValueError(f"{who}: kind must be one of {KINDS}, got {self.kind!r}")
        for f in ("cl", "v1", "ke0"):
            set_(f, _check_number(who, f, getattr(self, f)))
        set_("f_brain", _check_number(who, "f_brain", self.f_brain, strict=False))
        for a, b in (("q2", "v2"), ("q3", "v3")):
            pa, pb = getattr(self, a), getattr(self, b)
            if (pa is None) != (pb is None):
                raise ValueError(f"{who}: {a} and {b} must be given together")
            if pa is not None:
                set_(a, _check_number(who, a, pa))
                set_(b, _check_number(who, b, pb))
        if self.q3 is not None and self.q2 is None:
            raise ValueError(f"{who}: q3/v3 need q2/v2 (fill compartment 2 first)")
        for r in RECEPTORS:
            set_(f"K_{r}", _check_number(who, f"K_{r}", getattr(self, f"K_{r}")))
            set_(f"tau_{r}", _check_number(who, f"tau_{r}", getattr(self, f"tau_{r}"),
                                           strict=False))
        if self.kind == "antagonist":
            for r in RECEPTORS:
                if getattr(self, f"tau_{r}") != 0.0:
                    raise ValueError(f"{who}: tau_{r} must be 0 for an antagonist")
        kin = [getattr(self, f) for f in ("kon", "koff", "n")]
        if any(v is not None for v in kin):
            if any(v is None for v in kin):
                raise ValueError(f"{who}: kinetic binding needs all of kon, koff and n")
            for f in ("kon", "koff", "n"):
                set_(f, _check_number(who, f, getattr(self, f)))
        if self.ac50 is not None:
            set_("ac50", _check_number(who, "ac50", self.ac50))
        set_("routes", types.MappingProxyType(self._check_routes(who, self.routes)))
        srcs = self.sources
        if not isinstance(srcs, Mapping):
            raise TypeError(f"{who}: sources must be a mapping field -> str")
        for k, v in srcs.items():
            if k not in FIELDS:
                raise ValueError(f"{who}: sources has unknown field {k!r}")
            if not isinstance(v, str) or not v.strip():
                raise TypeError(f"{who}: sources[{k!r}] must be a non-empty str")
        set_("sources", types.MappingProxyType(dict(srcs)))

    @staticmethod
    def _check_routes(who: str, routes: Any) -> dict[str, Route]:
        if not isinstance(routes, Mapping) or not routes:
            raise TypeError(f"{who}: routes must be a non-empty mapping route -> (F, ka, lag)")
        out = {}
        for route, spec in routes.items():
            if route not in ROUTES:
                raise ValueError(f"{who}: unknown route {route!r}; routes are {ROUTES}")
            try:
                F, ka, lag = spec
            except (TypeError, ValueError):
                raise TypeError(f"{who}: routes[{route!r}] must be (F, ka, lag), "
                                f"got {spec!r}") from None
            F = _check_number(who, f"F_{route}", F, high=1.0)
            lag = _check_number(who, f"lag_{route}", lag, strict=False)
            if route == "iv":
                if F != 1.0:
                    raise ValueError(f"{who}: F_iv must be 1 (an IV dose is fully "
                                     f"available), got {F!r}")
                if ka is not None:
                    raise ValueError(f"{who}: ka_iv must be None (no absorption)")
            else:
                ka = _check_number(who, f"ka_{route}", ka)
            out[route] = Route(F, ka, lag)
        return out

    def __hash__(self):  # the mappings are not hashable; names identify drugs
        return hash((self.name, self.molar_mass, self.cl, self.v1))

    def __reduce__(self):
        # the read-only mappings do not pickle: rebuild from plain dicts (so a drug
        # travels to Dask workers and into saved results)
        fields = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        fields["routes"] = {k: tuple(v) for k, v in self.routes.items()}
        fields["sources"] = dict(self.sources)
        return (_rebuild_drug, (fields,))

    @property
    def n_compartments(self) -> int:
        """Number of disposition compartments (1-3)."""
        return 1 + (self.q2 is not None) + (self.q3 is not None)

    @property
    def kinetic(self) -> bool:
        """True when binding at mu is kinetic (kon, koff, n given)."""
        return self.kon is not None

    def values(self) -> dict[str, float]:
        """Every numeric field present, flattened (routes as ``F_oral`` ...)."""
        out = {}
        for f in _SCALARS:
            v = getattr(self, f)
            if v is not None:
                out[f] = v
        for route, (F, ka, lag) in self.routes.items():
            out[f"F_{route}"] = F
            if ka is not None:
                out[f"ka_{route}"] = ka
            out[f"lag_{route}"] = lag
        return out


# -- the registry ----------------------------------------------------------------
def _rebuild_drug(fields: dict) -> Drug:
    return Drug(**fields)


class DrugTable(Mapping):
    """Read-only mapping of drug name -> :class:`Drug` (the registry).

    Mutate it only through :func:`register`, :func:`unregister` and
    :func:`reset`.
    """

    def __init__(self):
        self._drugs: dict[str, Drug] = {}

    def __getitem__(self, name: str) -> Drug:
        try:
            return self._drugs[name]
        except (KeyError, TypeError):
            raise KeyError(f"unknown drug {name!r}; known drugs: "
                           f"{', '.join(self._drugs)} (add one with "
                           f"endorphin.drugs.register)") from None

    def __iter__(self) -> Iterator[str]:
        return iter(self._drugs)

    def __len__(self) -> int:
        return len(self._drugs)

    def __repr__(self) -> str:
        return f"DrugTable({list(self._drugs)})"


#: The registry: ``table["morphine"]`` is a :class:`Drug`.
table = DrugTable()


def names() -> tuple[str, ...]:
    """Names of the registered drugs, in registration order."""
    return tuple(table)


def get(name: str | Drug) -> Drug:
    """The registered drug called `name` (a :class:`Drug` is returned as is).

    Raises
    ------
    KeyError
        If no drug of that name is registered.
    """
    if isinstance(name, Drug):
        return name
    return table[name]


def register(drug_or_name: Drug | str, *, replace: bool = False, **fields) -> Drug:
    """Add a drug to the table (validated) and return it.

    Parameters
    ----------
    drug_or_name : Drug or str
        A :class:`Drug`, or the name of a new drug whose fields follow as
        keywords (see :class:`Drug`; units: L, L/min, 1/min, nmol/L, g/mol).
        With a Drug and keywords, the keywords replace those fields.
    replace : bool
        Allow replacing a registered drug of the same name.
    **fields
        Drug fields.  Fields without an entry in ``sources`` get the source
        ``"user-supplied (endorphin.drugs.register)"``.

    Returns
    -------
    Drug

    Raises
    ------
    TypeError, ValueError
        With a message naming the offending field, for a missing or unknown
        field, a non-number, a non-positive or non-finite PK number, F outside
        (0, 1], ka <= 0, lag < 0, K <= 0, tau < 0, or a duplicate name.

    Examples
    --------
    >>> import endorphin.drugs as drugs
    >>> d = drugs.register("mydrug", molar_mass=300.0, kind="agonist", cl=1.0, v1=100.0,
    ...                    routes={"iv": (1.0, None, 0.0), "oral": (0.5, 0.02, 10.0)},
    ...                    ke0=0.1, f_brain=0.05, K_mu=2.0, K_delta=200.0, K_kappa=500.0,
    ...                    tau_mu=5.0)
    >>> round(float(drugs.half_lives(d)[0]), 1)      # min: ln 2 x 100 L / (1 L/min)
    69.3
    >>> drugs.unregister("mydrug")
    """
    if isinstance(drug_or_name, Drug):
        drug = dataclasses.replace(drug_or_name, **fields) if fields else drug_or_name
    elif isinstance(drug_or_name, str):
        known = {f.name for f in dataclasses.fields(Drug)}
        unknown = sorted(set(fields) - known)
        if unknown:
            raise TypeError(f"register({drug_or_name!r}): unknown field(s) {unknown}; "
                            f"fields are {sorted(known - {'name'})}")
        required = [f.name for f in dataclasses.fields(Drug)
                    if f.default is dataclasses.MISSING
                    and f.default_factory is dataclasses.MISSING and f.name != "name"]
        missing = [f for f in required if f not in fields]
        if missing:
            raise TypeError(f"register({drug_or_name!r}): missing field(s) {missing}")
        drug = Drug(name=drug_or_name, **fields)
    else:
        raise TypeError(f"register() needs a Drug or a drug name, got {drug_or_name!r}")
    if not isinstance(replace, bool):
        raise TypeError(f"replace must be True or False, got {replace!r}")
    if drug.name in table._drugs and not replace:
        raise ValueError(f"name: a drug called {drug.name!r} is already registered "
                         f"(pass replace=True to replace it)")
    srcs = dict(drug.sources)
    for f in drug.values():
        srcs.setdefault(f, "user-supplied (endorphin.drugs.register)")
    drug = dataclasses.replace(drug, sources=srcs)
    table._drugs[drug.name] = drug
    return drug


def unregister(name: str) -> None:
    """Remove a user-registered drug (built-in drugs cannot be removed; see
    :func:`reset`)."""
    if name in _BUILTIN_NAMES and table._drugs.get(name) is _BUILTIN[name]:
        raise ValueError(f"{name!r} is a built-in drug; it cannot be unregistered")
    if name not in table._drugs:
        raise KeyError(f"unknown drug {name!r}")
    del table._drugs[name]


def reset() -> None:
    """Restore the table to the built-in drugs (drop user drugs and replacements)."""
    table._drugs.clear()
    table._drugs.update(_BUILTIN)


def to_pandas():
    """Every value of every registered drug, one row per drug and field.

    Returns
    -------
    pandas.DataFrame
        Columns ``drug``, ``field``, ``value``, ``unit``, ``description``,
        ``source``; route fields are named ``F_<route>``, ``ka_<route>``,
        ``lag_<route>``.  ``kind`` is not a number and is not listed.
    """
    import pandas as pd
    rows = []
    for drug in table.values():
        for field, value in drug.values().items():
            unit, desc = FIELDS[field]
            if field == "kon" and drug.n is not None:
                unit = f"(nmol/L)^-{drug.n:g}/min"
            rows.append({"drug": drug.name, "field": field, "value": float(value),
                         "unit": unit, "description": desc,
                         "source": drug.sources.get(field, "")})
    return pd.DataFrame(rows, columns=["drug", "field", "value", "unit", "description",
                                       "source"])


# -- doses ----------------------------------------------------------------------
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
        kg of `body_weight`.
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
    if unit not in _UNITS:
        raise ValueError(f"unit must be one of {tuple(_UNITS)}, got {unit!r}")
    try:
        a = None if isinstance(amount, (bool, str)) else np.asarray(amount, dtype=float)
    except (TypeError, ValueError):
        a = None
    if a is None or not np.all(np.isfinite(a)) or np.any(a < 0):
        raise ValueError(f"amount must be finite and >= 0, got {amount!r}")
    bw = _check_number("dose_to_nmol", "body_weight", body_weight)
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
    return np.sort(_LN2 / rate)[::-1]


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
        t0 = _check_number("dose", "time", _dose_field(dose, "time", 0.0), low=-math.inf)
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
                dur = _check_number("dose", "duration", duration, strict=False)
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
            every = _check_number("dose", "every", every)
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
    bw = _check_number("concentration", "body_weight", body_weight)
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


# -- the built-in table ---------------------------------------------------------
# Citations used below (short key -> text).
_C = {
    "mann2022": "Mann J et al. Clin Pharmacol Ther 2022;112:1020. doi:10.1002/cpt.2696, "
                "PMID 35766413 (FDA mechanistic opioid/naloxone model; parameters from "
                "github.com/FDA/Mechanistic-PK-PD-Model-to-Rescue-Opioid-Overdose, "
                "Ligand_Data/)",
    "yassen2007": "Yassen A et al. Clin Pharmacokinet 2007;46:965-980. "
                  "doi:10.2165/00003088-200746110-00004",
    "fda_bup": "Yassen 2007 buprenorphine 3-compartment PK as coded in the FDA model "
               "(github.com/FDA/Mechanistic-PK-PD-Model-to-Rescue-Opioid-Overdose, "
               "Clinical_Comparison_all/Clinical_Comparison_Buprenorphine/models/"
               "newODEs.txt: V1 5.71 L; k10 0.004174, k12 0.00423, k21 0.00109, k13 0.00292, "
               "k31 0.000123 1/s); secondary source, the paper's table not read",
    "sarton2000": "Sarton E et al. Anesthesiology 2000;93:1245. "
                  "doi:10.1097/00000542-200011000-00018",
    "stuartharris2000": "Br J Clin Pharmacol 2000;49:207-214. "
                        "doi:10.1046/j.1365-2125.2000.00141.x, PMC2014910, Table 1 "
                        "(10 mg/70 kg)",
    "hoskin1989": "Hoskin PJ et al. Br J Clin Pharmacol 1989;27:499-505. "
                  "doi:10.1111/j.1365-2125.1989.tb05399.x, PMID 2719903",
    "chen1991": "Life Sci 1991;48:2165. doi:10.1016/0024-3205(91)90150-a (rat brain, "
                "[3H]DAMGO displacement)",
    "shafer1990": "Shafer SL et al. Anesthesiology 1990;73:1091-1102 (fentanyl by "
                  "computer-controlled infusion; values as coded in Shafer's stanpumpR: "
                  "V1 12.1, V2 35.7, V3 224 L; CL 0.632, Q2 2.8, Q3 1.55 L/min)",
    "tpeak": "Shafer SL, Varvel JR. Anesthesiology 1991;74:53-63 (time to peak effect "
             "after a fentanyl bolus, 3.694 min in stanpumpR's t_peaks table)",
    "nasal_fent2021": "Pain Res Manag 2021;2021:2887773. doi:10.1155/2021/2887773, "
                      "PMID 34880961 (47 ug intranasal vs 50 ug IV fentanyl, n = 24)",
    "dowling2008": "Dowling J et al. Ther Drug Monit 2008;30:490-496. "
                   "doi:10.1097/FTD.0b013e3181816214, PMID 18641540",
    "licko1981": "Licko V. Overview of human pharmacokinetics of naltrexone. NIDA Res "
                 "Monogr 1981;28:161-171",
    "meyer1984": "J Clin Psychiatry 1984;45(9 Pt 2):15-19 (naltrexone bioequivalence, "
                 "24 men)",
    "troestheim2022": "Trostheim M et al. Neuropsychopharmacology 2023;48:299-307. "
                      "doi:10.1038/s41386-022-01416-z",
    "sporer2004": "Sporer KA. Buprenorphine: a primer for emergency physicians. Ann Emerg "
                  "Med 2004;43:580",
    "carf_review": "Can J Anaesth 2019 (carfentanil review). doi:10.1007/s12630-019-01294-y",
    "model_md": "endorphin model contract, docs/model.md section 4 (provisional value)",
}
_STANDARD_WEIGHTS = ("computed: from the molecular formula {} (free base) with IUPAC "
                     "standard atomic weights (C 12.011, H 1.008, N 14.007, O 15.999)")
_IV = ((1.0, None, 0.0), {
    "F_iv": "assumed: by definition an IV dose reaches the circulation entirely (F = 1)",
    "lag_iv": "assumed: by definition an IV dose enters the central compartment at once"})
_NO_LAG = "assumed: 0; the source fits first-order absorption without a lag time"


def _f_brain_for(K: float, tau: float, c50: float) -> float:
    """Effect-site factor that puts half-maximal mu effect at plasma c50 (steady
    state, mu only, R = 1, slope 1): tau x / (1 + (1 + tau) x) = 1/2 at
    x = f c50 / K, i.e. f = K / (c50 (tau - 1))."""
    return K / (c50 * (tau - 1.0))


def _mann_kinetics(kon_pM_s: float, koff_s: float, n: float) -> tuple[float, float, float]:
    # Mann 2022: dRL/dt = Kon L^n R - Koff RL with L in pM and time in s.
    # L[pM] = 1000 L[nM], so Kon L[pM]^n = Kon 1000^n L[nM]^n; per s -> per min: x 60.
    #   kon[(nM)^-n/min] = Kon[(pM)^-n/s] * 1000**n * 60;  koff[1/min] = Koff[1/s] * 60.
    # Kd_eq = (koff/kon)^(1/n) then comes out in nM: (Koff/Kon)^(1/n) / 1000.
    return kon_pM_s * 1000.0 ** n * 60.0, koff_s * 60.0, n


def _kd(kon: float, koff: float, n: float) -> float:
    return (koff / kon) ** (1.0 / n)


def _builtin() -> dict[str, Drug]:
    P = _model.parameters().set_index("name")
    bend = {k: float(P.loc[k, "value"]) for k in
            ("K_bend_mu", "K_bend_delta", "K_bend_kappa", "tau_bend_mu", "tau_bend_delta",
             "tau_bend_kappa", "t_half_csf", "bend_plasma_volume")}
    bend_src = {k: str(P.loc[k, "source"]) for k in bend}
    drugs: list[Drug] = []
    iv_route, iv_src = _IV

    # -- morphine ------------------------------------------------------------------
    K_mor, tau_mor, ac50_mor = 1.2, 10.0, 71.2
    drugs.append(Drug(
        name="morphine", molar_mass=285.343, kind="agonist",
        cl=1.584, v1=276.0,
        routes={"iv": iv_route,
                # ka from the median tmax: ln(ka/k)/(ka - k) = 15 min (sc) and 45 min
                # (oral) with k = CL/V = 0.005739/min (tests check the tmax).
                "sc": (1.0, 0.260, 0.0),
                "oral": (0.239, 0.0566, 0.0)},
        ke0=0.0070, f_brain=0.004261,
        K_mu=K_mor, K_delta=200.0, K_kappa=300.0,
        tau_mu=tau_mor, tau_delta=1.0, tau_kappa=1.0, ac50=ac50_mor,
        sources={
            "molar_mass": _STANDARD_WEIGHTS.format("C17H19NO3"),
            "cl": _C["stuartharris2000"] + ": CL 1584 +- 408 mL/min after IV",
            "v1": _C["stuartharris2000"] + ": Vd 276 +- 72 L (one compartment; with "
                  "CL, t1/2 = 2.0 h vs the reported 2.2 +- 1.0 h)",
            **iv_src,
            "F_sc": _C["stuartharris2000"] + ": s.c. bolus bioavailability "
                    "113.6 +- 16.9 %, capped at 1",
            "ka_sc": "computed: ka giving the one-compartment tmax of 0.25 h, the median "
                     "s.c. bolus tmax of " + _C["stuartharris2000"],
            "lag_sc": _NO_LAG,
            "F_oral": _C["hoskin1989"] + ": absolute bioavailability of oral solution "
                      "23.9 %",
            "ka_oral": "computed: ka giving the one-compartment tmax of 45 min, the "
                       "oral-solution tmax of " + _C["hoskin1989"],
            "lag_oral": _NO_LAG,
            "ke0": _C["sarton2000"] + ": pain threshold, men 0.0070 +- 0.0013 1/min "
                   "(women 0.0030 +- 0.0005; register a variant for women)",
            "f_brain": "calibrated: tools/calibrate.py, so that the model run through "
                       "the experiment of " + _C["sarton2000"] + " (0.1 mg/kg + 0.03 "
                       "mg/kg/h for 1 h) and analysed with their PD model (I = I0 (1 + "
                       "Ce/AC50), effect compartment) gives their AC50 for men, 71.2 "
                       "nmol/L (tests/validation/test_drug_targets.py::sarton_analysis); "
                       "lumps free fraction, brain partition and the in-vitro/in-vivo "
                       "affinity gap",
            "K_mu": _C["chen1991"] + ": morphine Ki 1.2 nmol/L",
            "K_delta": "assumed: " + _C["model_md"] + " ~200 nmol/L; literature range "
                       "about 100-300 nmol/L (science.md 4a, unverified)",
            "K_kappa": "assumed: " + _C["model_md"] + " ~300 nmol/L; literature range "
                       "about 50-300 nmol/L (science.md 4a, unverified)",
            "tau_mu": "assumed: receptor reserve of a full agonist in vivo (maximal "
                      "effect tau/(1+tau) = 0.91, not capped near one half: model.md "
                      "section 4); calibrated jointly with f_brain",
            "tau_delta": "assumed: weak delta agonism, lower reserve than mu",
            "tau_kappa": "assumed: weak kappa agonism, lower reserve than mu",
            "ac50": _C["sarton2000"] + ": plasma AC50 for doubling the electrical pain "
                    "threshold, 71.2 +- 10.5 nmol/L (men; women 41.7 +- 8.4)",
        }))

    # -- fentanyl ------------------------------------------------------------------
    kon_f, koff_f, n_f = _mann_kinetics(3.081e-5, 0.004331, 0.8439)
    K_fen, tau_fen = _kd(kon_f, koff_f, n_f), 10.0
    # (fentanyl's f_brain is reused by carfentanil below)
    meac_fen = 0.6e3 / 336.479  # 0.6 ng/mL = 600 ng/L / 336.479 g/mol = 1.78 nmol/L
    shafer = dict(cl=0.632, v1=12.1, q2=2.8, v2=35.7, q3=1.55, v3=224.0)
    shafer_src = {k: _C["shafer1990"] for k in shafer}
    drugs.append(Drug(
        name="fentanyl", molar_mass=336.479, kind="agonist", **shafer,
        routes={"iv": iv_route,
                # F = (AUC_IN / 47 ug) / (AUC_IV / 50 ug) = (515/47)/(672/50) = 0.815;
                # ka gives the 3-compartment tmax of 12 min (median 0.20 h).
                "intranasal": (0.815, 0.0391, 0.0)},
        # ke0 puts the effect-site peak after a bolus at 3.694 min with the PK above.
        ke0=0.2102, f_brain=(f_brain_fen := _f_brain_for(K_fen, tau_fen, meac_fen)),
        K_mu=K_fen, K_delta=150.0, K_kappa=300.0,
        tau_mu=tau_fen, tau_delta=1.0, tau_kappa=1.0,
        kon=kon_f, koff=koff_f, n=n_f,
        sources={
            "molar_mass": _STANDARD_WEIGHTS.format("C22H28N2O"),
            **shafer_src, **iv_src,
            "F_intranasal": "computed: dose-normalised ratio of geometric-mean AUC0-tlast, "
                            "(515/47)/(672/50) = 0.815, " + _C["nasal_fent2021"],
            "ka_intranasal": "computed: ka giving the median intranasal tmax 0.20 h with "
                             "the Shafer 1990 PK, " + _C["nasal_fent2021"],
            "lag_intranasal": _NO_LAG,
            "ke0": "computed: ke0 that puts the effect-site peak after an IV bolus at "
                   "3.694 min with the Shafer 1990 PK (" + _C["tpeak"] + "); t1/2ke0 "
                   "3.3 min",
            "f_brain": "assumed: as for morphine, f = K_mu / (c50 (tau_mu - 1)) with c50 "
                       "the fentanyl MEAC 0.6 ng/mL = 1.78 nmol/L used in stanpumpR "
                       "(Shafer), equilibrium binding with n = 1; recalibrate",
            "K_mu": "computed: (koff/kon)^(1/n) = 0.351 nmol/L, " + _C["mann2022"],
            "kon": _C["mann2022"] + ": Kon 3.081e-5 pM^-n s^-1, converted x 1000^n x 60",
            "koff": _C["mann2022"] + ": Koff 0.004331 1/s, x 60",
            "n": _C["mann2022"] + ": n 0.8439",
            "K_delta": "assumed: delta affinity roughly 100-200 nmol/L (science.md 4a, "
                       "unverified); mu-selective",
            "K_kappa": "assumed: kappa affinity above 200 nmol/L (science.md 4a, "
                       "unverified)",
            "tau_mu": "assumed: full mu agonist with a receptor reserve like morphine's (10); "
                      "calibrated jointly with f_brain",
            "tau_delta": "assumed: mu-selective agonist, weak delta efficacy (1) as "
                         "morphine; no in-vivo estimate",
            "tau_kappa": "assumed: mu-selective agonist, weak kappa efficacy (1) as "
                         "morphine; no in-vivo estimate",
        }))

    # -- naloxone ------------------------------------------------------------------
    kon_n, koff_n, n_n = _mann_kinetics(1.669e-4, 0.03959, 0.858)
    K_nlx = _kd(kon_n, koff_n, n_n)
    h = 60.0  # Dowling 2008 reports L/h and 1/h; /60 gives per minute
    dow = dict(cl=91.0 / h, v1=2.87, q2=5.66 / h, v2=1.49, q3=29.8 / h, v3=33.6)
    dow_src = {
        "cl": _C["dowling2008"] + ": CL 91 L/h",
        "v1": _C["dowling2008"] + ": central volume 2.87 L",
        "q2": _C["dowling2008"] + ": Q2 5.66 L/h",
        "v2": _C["dowling2008"] + ": V2 1.49 L",
        "q3": _C["dowling2008"] + ": Q3 29.8 L/h",
        "v3": _C["dowling2008"] + ": V3 33.6 L",
    }
    drugs.append(Drug(
        name="naloxone", molar_mass=327.380, kind="antagonist", **dow,
        routes={"iv": iv_route,
                "im": (0.36, 0.65 / h, 0.0),
                "intranasal": (0.04, 1.52 / h, 0.0)},
        ke0=_LN2 / 6.5, f_brain=1.0,
        K_mu=K_nlx, K_delta=K_nlx * 41.0, K_kappa=K_nlx * 8.0,
        kon=kon_n, koff=koff_n, n=n_n,
        sources={
            "molar_mass": _STANDARD_WEIGHTS.format("C19H21NO4"),
            **dow_src, **iv_src,
            "F_im": _C["dowling2008"] + ": relative bioavailability IM 36 %",
            "ka_im": _C["dowling2008"] + ": Ka (IM) 0.65, read as 1/h (the abstract gives "
                     "no unit; 1/h matches its L/h units and gives tmax 7 min vs the "
                     "median 12 min, 1/min would give 1.5 min)",
            "lag_im": _NO_LAG,
            "F_intranasal": _C["dowling2008"] + ": intranasal 4 % (dilute solution; "
                            "concentrated sprays reach 25-50 %)",
            "ka_intranasal": _C["dowling2008"] + ": Ka (IN) 1.52, read as 1/h (tmax 5 min "
                             "vs the median 6-9 min)",
            "lag_intranasal": _NO_LAG,
            "ke0": "computed: ln 2 / 6.5 min, the naloxone biophase half-life of "
                   + _C["yassen2007"],
            "f_brain": "assumed: 1; brain:plasma about 1.5 at peak and 32-45 % protein "
                       "binding (Swiss Fachinformation, science.md 4c) roughly cancel, and "
                       "Mann 2022 bind naloxone at its biophase concentration directly",
            "K_mu": "computed: (koff/kon)^(1/n) = 0.586 nmol/L, " + _C["mann2022"],
            "kon": _C["mann2022"] + ": Kon 1.669e-4 pM^-n s^-1, converted x 1000^n x 60",
            "koff": _C["mann2022"] + ": Koff 0.03959 1/s, x 60",
            "n": _C["mann2022"] + ": n 0.858",
            "K_delta": "assumed: 41 x K_mu from the MOR:DOR:KOR affinity ratio 1:41:8 "
                       "attributed to " + _C["troestheim2022"] + " Table S1 (read in a "
                       "secondary summary only); model.md's provisional ~20 nmol/L",
            "K_kappa": "assumed: 8 x K_mu from the same 1:41:8 ratio "
                       "(Trostheim 2022, secondary); model.md's provisional ~10 nmol/L",
            **{f"tau_{r}": "assumed: 0; a competitive antagonist (inverse agonism at "
               "constitutively active receptors is neglected)" for r in RECEPTORS},
        }))

    # -- naltrexone ----------------------------------------------------------------
    cl_ntx = 3.51
    drugs.append(Drug(
        name="naltrexone", molar_mass=341.407, kind="antagonist",
        cl=cl_ntx, v1=cl_ntx * 240.0 / _LN2,  # one compartment with t1/2 = 4 h
        routes={"iv": iv_route, "oral": (0.05, 0.012, 0.0)},
        ke0=_LN2 / 6.5, f_brain=1.0,
        K_mu=0.2, K_delta=0.2 * 79.0, K_kappa=0.2 * 2.0,
        sources={
            "molar_mass": _STANDARD_WEIGHTS.format("C20H23NO4"),
            "cl": _C["licko1981"] + ": total clearance of unconjugated naltrexone "
                  "3510 +- 300 mL/min",
            "v1": "computed: CL t1/2 / ln 2 with t1/2 about 4 h (" + _C["meyer1984"]
                  + "; Fachinformation: about 4 h); one compartment",
            **iv_src,
            "F_oral": _C["meyer1984"] + ": fraction reaching the systemic circulation "
                      "about 5 % (extensive first pass)",
            "ka_oral": _C["licko1981"] + ": oral absorption exponential 0.012/min "
                       "(half-life about 1 h)",
            "lag_oral": _NO_LAG,
            "ke0": "assumed: no human biophase estimate found; that of naloxone, a close "
                   "structural analogue (Yassen 2007, t1/2 6.5 min)",
            "f_brain": "assumed: 1, as naloxone (lipophilic, 21 % protein bound)",
            "K_mu": "assumed: 0.2 nmol/L, within the typical mu Ki range 0.1-0.5 nmol/L "
                    "(unverified); about 3 x naloxone's affinity",
            "K_delta": "assumed: 79 x K_mu from the MOR:DOR:KOR ratio 1:79:2 attributed "
                       "to " + _C["troestheim2022"] + " Table S1 (secondary summary only)",
            "K_kappa": "assumed: 2 x K_mu from the same 1:79:2 ratio (Trostheim 2022, "
                       "secondary)",
            **{f"tau_{r}": "assumed: 0; a competitive antagonist (inverse agonism at "
               "constitutively active receptors is neglected)" for r in RECEPTORS},
        }))

    # -- buprenorphine ---------------------------------------------------------------
    mw_bup = 467.650
    # Yassen 2007: kon 0.203 mL/ng/min.  1 nmol/L = mw ng/L = mw/1000 ng/mL, so
    # kon C[ng/mL] = kon (mw/1000) C[nmol/L]:  kon = 0.203 * 467.65/1000 = 0.0949
    # (nmol/L)^-1/min; Kd = 0.0172/0.0949 = 0.181 nmol/L (Yassen: 0.18).
    kon_b, koff_b = 0.203 * mw_bup / 1000.0, 0.0172
    s = 60.0  # the FDA code's rate constants are per second
    v1_b = 5.71
    bup = dict(cl=0.004174 * s * v1_b, v1=v1_b,
               q2=0.00423 * s * v1_b, v2=0.00423 * v1_b / 0.00109,
               q3=0.00292 * s * v1_b, v3=0.00292 * v1_b / 0.000123)
    bup_src = {k: "computed: CL = k10 V1, Q = k1j V1, Vj = Q / kj1 from "
               + _C["fda_bup"] for k in bup}
    bup_src["v1"] = _C["fda_bup"]
    drugs.append(Drug(
        name="buprenorphine", molar_mass=mw_bup, kind="partial agonist", **bup,
        routes={"iv": iv_route},
        ke0=_LN2 / 173.0, f_brain=1.0,
        K_mu=koff_b / kon_b, K_delta=2.0, K_kappa=0.5,
        tau_mu=1.0, tau_delta=0.0, tau_kappa=0.0,
        kon=kon_b, koff=koff_b, n=1.0,
        sources={
            "molar_mass": _STANDARD_WEIGHTS.format("C29H41NO4"),
            **bup_src, **iv_src,
            "ke0": "computed: ln 2 / 173 min, the buprenorphine biophase half-life of "
                   + _C["yassen2007"],
            "f_brain": "assumed: 1; Yassen's in-vivo KD (0.18 nmol/L) is estimated "
                       "against the biophase concentration in plasma units",
            "K_mu": "computed: koff/kon = 0.181 nmol/L (" + _C["yassen2007"]
                    + " reports KD 0.18 nmol/L)",
            "kon": _C["yassen2007"] + ": kon 0.203 mL/ng/min, x molar mass / 1000",
            "koff": _C["yassen2007"] + ": koff 0.0172 1/min",
            "n": _C["yassen2007"] + ": one-to-one binding (n = 1)",
            "K_delta": "assumed: high delta affinity, typical literature range about "
                       "1-5 nmol/L (unverified)",
            "K_kappa": "assumed: high kappa affinity, typical range about 0.1-1 nmol/L "
                       "(unverified)",
            "tau_mu": "assumed: partial agonist with a ceiling (" + _C["sporer2004"]
                      + ": 'at higher doses its agonist effects plateau'); maximal effect "
                      "tau/(1+tau) = 0.5",
            "tau_delta": "assumed: 0; buprenorphine acts as a delta antagonist "
                         "(typical literature description, unverified)",
            "tau_kappa": "assumed: kappa antagonist (0): " + _C["sporer2004"]
                         + " ('a weak kappa antagonist')",
        }))

    # -- carfentanil -----------------------------------------------------------------
    kon_c, koff_c, n_c = _mann_kinetics(9.954e-6, 2.467e-4, 1.025)
    carf_pk = ("assumed: human carfentanil PK is essentially unknown (" + _C["carf_review"]
               + "); fentanyl's Shafer 1990 disposition is used, as Mann 2022's FDA code "
               "reuses fentanyl's PK for carfentanil (Ligand_Data/Carfentanil_parameters/"
               "parmsAlgera2020.R)")
    drugs.append(Drug(
        name="carfentanil", molar_mass=394.515, kind="agonist", **shafer,
        routes={"iv": iv_route},
        ke0=0.2102, f_brain=f_brain_fen,
        K_mu=_kd(kon_c, koff_c, n_c), K_delta=2.3, K_kappa=23.0,
        tau_mu=10.0, tau_delta=1.0, tau_kappa=1.0,
        kon=kon_c, koff=koff_c, n=n_c,
        sources={
            "molar_mass": _STANDARD_WEIGHTS.format("C24H30N2O3"),
            **{k: carf_pk for k in shafer}, **iv_src,
            "ke0": "assumed: fentanyl's (lipophilic congener; no human estimate)",
            "f_brain": "assumed: fentanyl's; the affinity ratio alone then makes "
                       "carfentanil about 15 x as potent as fentanyl, near the 20-30 x of "
                       "animal studies (" + _C["carf_review"] + ")",
            "K_mu": "computed: (koff/kon)^(1/n) = 0.023 nmol/L, " + _C["mann2022"],
            "kon": _C["mann2022"] + ": Kon 9.954e-6 pM^-n s^-1, converted x 1000^n x 60",
            "koff": _C["mann2022"] + ": Koff 2.467e-4 1/s, x 60",
            "n": _C["mann2022"] + ": n 1.025",
            "K_delta": "assumed: highly mu-selective agonist (" + _C["carf_review"]
                       + "); 100 x K_mu",
            "K_kappa": "assumed: highly mu-selective agonist; 1000 x K_mu",
            "tau_mu": "assumed: full mu agonist, the reserve of fentanyl (10); no "
                      "human estimate",
            "tau_delta": "assumed: highly mu-selective agonist, weak delta efficacy "
                         "(1) as fentanyl",
            "tau_kappa": "assumed: highly mu-selective agonist, weak kappa efficacy "
                         "(1) as fentanyl",
        }))

    # -- beta-endorphin (IV) -------------------------------------------------------
    bw = 70.0
    foley = _model.SOURCES["foley1979"]
    drugs.append(Drug(
        name="beta_endorphin", molar_mass=_model.BEND_MW, kind="agonist",
        cl=3.2e-3 * bw, v1=bend["bend_plasma_volume"] * 1e-3 * bw,
        routes={"iv": iv_route},
        ke0=_LN2 / bend["t_half_csf"], f_brain=0.01,
        K_mu=bend["K_bend_mu"], K_delta=bend["K_bend_delta"], K_kappa=bend["K_bend_kappa"],
        tau_mu=bend["tau_bend_mu"], tau_delta=bend["tau_bend_delta"],
        tau_kappa=bend["tau_bend_kappa"],
        sources={
            "molar_mass": "computed: from the sequence YGGFMTSEKSQTPLVTLFKNAIIKNAYKKGE "
                          "(endorphin.model.BEND_MW; science.md section 1)",
            "cl": foley + " (CL 3.2 mL/min/kg x 70 kg)",
            "v1": foley + " (178 mL/kg x 70 kg; endorphin.model bend_plasma_volume)",
            **iv_src,
            "ke0": "computed: ln 2 / t_half_csf (93 min, CSF half-life after ICV, "
                   + foley + "): the effect site of circulating beta-endorphin is "
                   "central, and it is cleared at the CSF rate",
            "f_brain": "assumed: the blood-brain barrier excludes most circulating "
                       "beta-endorphin; an order-of-magnitude placeholder of 1 % "
                       "(CSF/plasma), uncalibrated",
            **{f"K_{r}": bend_src[f"K_bend_{r}"] + " (endorphin.model K_bend_" + r + ")"
               for r in RECEPTORS},
            **{f"tau_{r}": bend_src[f"tau_bend_{r}"] + " (endorphin.model tau_bend_"
               + r + ")" for r in RECEPTORS},
        }))
    return {d.name: d for d in drugs}


_BUILTIN: dict[str, Drug] = _builtin()
_BUILTIN_NAMES = frozenset(_BUILTIN)
reset()


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
