"""The drug registry: :class:`Drug` (validated, immutable), the read-only
:data:`table` and :func:`register`, :func:`unregister`, :func:`reset`, :func:`to_pandas`.

The built-in drugs are data, in ``endorphin/model/drugs/builtin.py``; the registry turns
each into a :class:`Drug` (which validates it) at import.
"""
from __future__ import annotations

import dataclasses
import math
import re
import types
from collections.abc import Iterator, Mapping
from typing import Any, NamedTuple

import numpy as np

from ..._validate import choice as _choice
from ..._validate import suggest as _suggest
from .. import spec as _spec
from . import builtin

__all__ = ["Drug", "Route", "DrugTable", "table", "register", "unregister", "reset",
           "get", "names", "to_pandas", "FIELDS", "ROUTES", "RECEPTORS", "KINDS",
           "CV_FIELDS", "WEIGHT_FIELDS", "REFERENCE_WEIGHT"]

#: Routes of administration (the ``route=`` of ``endorphin.Dose``).
ROUTES = ("iv", "im", "sc", "oral", "intranasal")
#: Receptor types of the model.
RECEPTORS = _spec.RECEPTORS
#: Allowed values of :attr:`Drug.kind`.
KINDS = ("agonist", "antagonist", "partial agonist")

LN2 = math.log(2.0)
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
#: Disposition fields that may scale with body weight, ``(WT / 70 kg) ** exponent``.
WEIGHT_FIELDS = ("cl", "v1", "q2", "v2", "q3", "v3")
#: PK fields that may vary between subjects (keys of :attr:`Drug.cv`): the disposition
#: fields and, per extravascular route, ``ka_<route>`` and ``F_<route>``.
CV_FIELDS = WEIGHT_FIELDS + tuple(f"{f}_{r}" for r in ROUTES if r != "iv"
                                  for f in ("ka", "F"))
for _f in CV_FIELDS:
    FIELDS[f"cv_{_f}"] = ("1", f"between-subject CV of {_f} (log-normal; F: logit-normal)")
for _f in WEIGHT_FIELDS:
    FIELDS[f"wt_{_f}"] = ("1", f"body-weight exponent of {_f}: x (WT / 70 kg) ** exponent")
del _r, _f, _u, _d
#: Reference body weight of the drug table's PK, kg.
REFERENCE_WEIGHT = 70.0


def check_number(owner: str, field: str, value: Any, *, low: float = 0.0,
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
        Field name (see :data:`FIELDS`) -> source of that value; the CVs and
        weight exponents are sourced as ``cv_<field>`` and ``wt_<field>``.
    cv : mapping of str to float
        Between-subject coefficients of variation of PK fields (keys among
        :data:`CV_FIELDS`: ``"cl"``, ``"v1"``, ``"q2"`` ... ``"v3"``,
        ``"ka_<route>"``, ``"F_<route>"``), dimensionless, finite and >= 0;
        entries for a compartment or route the drug lacks are dropped (so a
        variant with fewer routes keeps the others; :func:`register` refuses
        them).  A population draws each subject's value log-normal with
        median = the typical value and this CV (``F`` logit-normal, so it
        stays in (0, 1]; a typical F of 1 does not vary).  Fields without a
        CV do not vary.
    weight_exponents : mapping of str to float
        Body-weight scaling of disposition fields (keys among
        :data:`WEIGHT_FIELDS`): the typical value for a subject of weight WT
        is ``value * (WT / 70 kg) ** exponent`` (e.g. ``{"cl": 0.75, "v1":
        1.0}``, allometric); exponents finite, 0-2.  Empty: no scaling.

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
    cv: Mapping[str, float] = dataclasses.field(default_factory=dict)
    weight_exponents: Mapping[str, float] = dataclasses.field(default_factory=dict)

    def __post_init__(self):
        name = self.name
        if not isinstance(name, str) or not _NAME_RE.match(name):
            raise ValueError(f"drug name must be an identifier (letters, digits, '_'), "
                             f"got {name!r}")
        who = f"drug {name!r}"
        set_ = lambda k, v: object.__setattr__(self, k, v)  # noqa: E731  (frozen)
        set_("molar_mass", check_number(who, "molar_mass", self.molar_mass))
        if self.kind not in KINDS:
            raise ValueError(f"{who}: kind must be one of {KINDS}, got {self.kind!r}")
        for f in ("cl", "v1", "ke0"):
            set_(f, check_number(who, f, getattr(self, f)))
        set_("f_brain", check_number(who, "f_brain", self.f_brain, strict=False))
        for a, b in (("q2", "v2"), ("q3", "v3")):
            pa, pb = getattr(self, a), getattr(self, b)
            if (pa is None) != (pb is None):
                raise ValueError(f"{who}: {a} and {b} must be given together")
            if pa is not None:
                set_(a, check_number(who, a, pa))
                set_(b, check_number(who, b, pb))
        if self.q3 is not None and self.q2 is None:
            raise ValueError(f"{who}: q3/v3 need q2/v2 (fill compartment 2 first)")
        for r in RECEPTORS:
            set_(f"K_{r}", check_number(who, f"K_{r}", getattr(self, f"K_{r}")))
            set_(f"tau_{r}", check_number(who, f"tau_{r}", getattr(self, f"tau_{r}"),
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
                set_(f, check_number(who, f, getattr(self, f)))
        if self.ac50 is not None:
            set_("ac50", check_number(who, "ac50", self.ac50))
        set_("routes", types.MappingProxyType(self._check_routes(who, self.routes)))
        set_("cv", types.MappingProxyType(self._check_fields(
            who, "cv", CV_FIELDS, "{'cl': 0.3}", "PK field -> CV")))
        set_("weight_exponents", types.MappingProxyType(self._check_fields(
            who, "weight_exponents", WEIGHT_FIELDS, "{'cl': 0.75, 'v1': 1.0}",
            "field -> exponent", high=2.0)))
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
            F = check_number(who, f"F_{route}", F, high=1.0)
            lag = check_number(who, f"lag_{route}", lag, strict=False)
            if route == "iv":
                if F != 1.0:
                    raise ValueError(f"{who}: F_iv must be 1 (an IV dose is fully "
                                     f"available), got {F!r}")
                if ka is not None:
                    raise ValueError(f"{who}: ka_iv must be None (no absorption)")
            else:
                ka = check_number(who, f"ka_{route}", ka)
            out[route] = Route(F, ka, lag)
        return out

    def _has(self, field: str) -> bool:
        if field in WEIGHT_FIELDS:
            return getattr(self, field) is not None
        kind, route = field.split("_", 1)
        return route in self.routes

    def _check_fields(self, who: str, arg: str, fields, example: str, what: str,
                      high=None) -> dict[str, float]:
        """The mapping ``self.<arg>`` (cv or weight_exponents) validated: known
        ``fields``, numbers >= 0 (<= ``high``); entries for a route or compartment this
        drug lacks are dropped (a variant derived without it)."""
        m = getattr(self, arg)
        if not isinstance(m, Mapping):
            raise TypeError(f"{who}: {arg} must be a mapping {what} (e.g. {example}), got "
                            f"{type(m).__name__}")
        out = {}
        for k, v in m.items():
            if k not in fields:
                raise ValueError(f"{who}: {arg} has unknown field {k!r}; fields allowed "
                                 f"are {list(fields)}")
            v = check_number(who, f"{arg}[{k!r}]", v, strict=False, high=high)
            if self._has(k):
                out[k] = v
        return out

    def __hash__(self):  # the mappings are not hashable; names identify drugs
        return hash((self.name, self.molar_mass, self.cl, self.v1))

    def __reduce__(self):
        # the read-only mappings do not pickle: rebuild from plain dicts (so a drug
        # travels to Dask workers and into saved results)
        fields = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        fields["routes"] = {k: tuple(v) for k, v in self.routes.items()}
        fields["sources"] = dict(self.sources)
        fields["cv"] = dict(self.cv)
        fields["weight_exponents"] = dict(self.weight_exponents)
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
        for f, v in self.cv.items():
            out[f"cv_{f}"] = v
        for f, v in self.weight_exponents.items():
            out[f"wt_{f}"] = v
        return out


# -- the registry ----------------------------------------------------------------
def _unknown_drug(name, known) -> str:
    return (f"unknown drug {name!r}; {_suggest(name, known)}known drugs: "
            f"{', '.join(known)} (add one with endorphin.drugs.register)")


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
            raise KeyError(_unknown_drug(name, self._drugs)) from None

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

    Names are matched case-insensitively when only one registered drug has that
    name in any case (``"Naloxone"`` is ``"naloxone"``).

    Raises
    ------
    KeyError
        If no drug of that name is registered (the message suggests the closest
        names).
    """
    if isinstance(name, Drug):
        return name
    if isinstance(name, str) and name not in table._drugs:
        name = _choice(name, table._drugs, "drug", error=KeyError,
                       message=lambda v: _unknown_drug(v, table._drugs))
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
        ``"user-supplied (endorphin.drugs.register)"``.  Between-subject
        variability: ``cv={"cl": 0.3, "v1": 0.2, "ka_oral": 0.5}`` (CVs of
        the fields of :data:`CV_FIELDS`, log-normal); body-weight scaling:
        ``weight_exponents={"cl": 0.75, "v1": 1.0}`` (see :class:`Drug`).

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
    for arg in ("cv", "weight_exponents"):
        given = fields.get(arg)
        if isinstance(given, Mapping):
            absent = [k for k in given if k not in getattr(drug, arg)]
            if absent:
                raise ValueError(f"{arg}: {drug.name!r} has no {absent} (no such "
                                 f"compartment or route; its routes are "
                                 f"{list(drug.routes)})")
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



# -- the built-in drugs -----------------------------------------------------------
_BUILTIN: dict[str, Drug] = {fields["name"]: Drug(**fields) for fields in builtin.DRUGS}
_BUILTIN_NAMES = frozenset(_BUILTIN)
reset()
