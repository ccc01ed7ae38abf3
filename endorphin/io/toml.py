"""Scenario files: a scenario as TOML, read and written.

The layout (every time in minutes, as in the Python API)::

    name = "naloxone challenge"
    t_end = 240.0
    dt = 1.0
    clock_start = "08:00"
    circadian = true
    pulses = false

    [population]            # or type = "Subject" (n = 1, no variability)
    type = "Population"
    n = 100
    condition = "healthy"
    variability = 1.0
    seed = 4
    drug_variability = true # optional: false keeps drug PK typical

    [population.overrides]  # optional: typical parameter values
    t_half_plasma = 40.0

    [population.covariates] # optional: a number or one value per subject
    body_weight = 80.0

    [population.cv]         # optional: per-parameter CV overrides
    t_half_plasma = 0.3

    [population.correlation]  # optional: "name:name" = rho
    "store_time_p:rho_p" = -0.5

    [[stimuli]]
    type = "Exercise"
    intensity = 0.8
    start = 60.0
    duration = 30.0

    [[doses]]
    drug = "naloxone"
    amount = 0.1
    unit = "mg/kg"
    route = "iv"
    time = 40.0

Reading uses :mod:`tomllib` (Python 3.11+; on 3.10 the ``tomli`` package);
writing uses a small writer for exactly this layout, so there is no extra
dependency.  Unknown keys are errors that name the key.
"""
from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import numpy as np

from ..results.meta import register_scenario_codec
from .._validate import choice, suggest
from ..scenario import Dose, Population, Protocol, Scenario, Subject
from ..scenario.scenario import register_file_format
from ..scenario.stimuli import STIMULUS_TYPES

__all__ = ["to_dict", "from_dict", "dumps", "loads", "read", "write"]

_TOP = ("name", "t_end", "dt", "clock_start", "start_day", "circadian", "pulses", "population",
        "stimuli", "doses")


def _stimulus_types():
    return {cls.__name__: cls for cls in STIMULUS_TYPES}


def to_dict(sc) -> dict:
    """A plain dict (TOML-able) describing the scenario ``sc``."""
    pop = sc.population
    pd_ = {"type": "Subject" if isinstance(pop, Subject) else "Population",
           "condition": pop.condition, "seed": int(pop.seed)}
    if pd_["type"] == "Population":
        pd_.update(n=int(pop.n), variability=float(pop.variability))
        if not getattr(pop, "drug_variability", True):
            pd_["drug_variability"] = False
    if pop.overrides:
        pd_["overrides"] = {k: float(v) for k, v in pop.overrides.items()}
    if getattr(pop, "cv", None):
        pd_["cv"] = {k: float(v) for k, v in pop.cv.items()}
    if getattr(pop, "correlation", None):
        pd_["correlation"] = {f"{a}:{b}": float(v) for (a, b), v in pop.correlation.items()}
    if pop.covariates:
        cov = {}
        for k, v in pop.covariates.items():
            v = np.asarray(v)
            same = v.size > 0 and (v == v.flat[0]).all()
            cov[k] = (v.flat[0].item() if same else v.tolist())
        pd_["covariates"] = cov
    stimuli = []
    for s in sc.protocol:
        d = {"type": type(s).__name__}
        for f in dataclasses.fields(s):
            if getattr(s, f.name) is not None:      # Exercise: intensity or vo2
                d[f.name] = getattr(s, f.name)
        stimuli.append(d)
    doses = []
    for dose in sc.doses:
        d = {}
        for f in dataclasses.fields(dose):
            v = getattr(dose, f.name)
            if v is not None and not (f.name == "times" and v == 1):
                d[f.name] = v
        doses.append(d)
    out = {"t_end": sc.t_end, "dt": sc.dt, "clock_start": sc.clock_start_text,
           "circadian": sc.circadian, "pulses": sc.pulses, "population": pd_}
    if sc.start_day != "mon":                       # the default is not written
        out["start_day"] = sc.start_day
    if sc.name is not None:
        out = {"name": sc.name, **out}
    if stimuli:
        out["stimuli"] = stimuli
    if doses:
        out["doses"] = doses
    return out


def from_dict(d: dict):
    """The :class:`~endorphin.Scenario` a :func:`to_dict` dict describes."""
    if not isinstance(d, dict):
        raise TypeError(f"a scenario description must be a table, got {type(d).__name__}")
    unknown = set(d) - set(_TOP)
    if unknown:
        raise ValueError(f"scenario file: unknown key(s) {sorted(unknown)}; known: {list(_TOP)}")
    kinds = _stimulus_types()
    stimuli = []
    for i, s in enumerate(d.get("stimuli", [])):
        s = dict(s)
        kind = s.pop("type", None)
        if isinstance(kind, str) and kind not in kinds:      # any case ("exercise")
            kind = choice(kind, kinds, f"stimuli[{i}].type", message=lambda v: (
                f"scenario file: stimuli[{i}].type must be one of {sorted(kinds)}, got "
                f"{v!r}; {suggest(v, kinds)}".rstrip("; ")))
        if kind not in kinds:
            raise ValueError(f"scenario file: stimuli[{i}].type must be one of "
                             f"{sorted(kinds)}, got {kind!r}")
        try:
            stimuli.append(kinds[kind](**s))
        except TypeError as exc:
            raise ValueError(f"scenario file: stimuli[{i}] ({kind}): {exc}") from None
    doses = []
    for i, s in enumerate(d.get("doses", [])):
        try:
            doses.append(Dose(**s))
        except TypeError as exc:
            if "unexpected keyword" in str(exc):
                raise ValueError(f"scenario file: doses[{i}]: {exc}") from None
            raise
    pop = None
    if "population" in d:
        p = dict(d["population"])
        kind = p.pop("type", "Population")
        overrides = p.pop("overrides", {}) or {}
        covariates = p.pop("covariates", None)
        cv = p.pop("cv", None)
        corr = p.pop("correlation", None)
        if corr is not None:
            if not isinstance(corr, dict) or not all(
                    isinstance(k, str) and k.count(":") == 1 for k in corr):
                raise ValueError("scenario file: population.correlation keys must be "
                                 "'name:name'")
            corr = {tuple(k.split(":")): v for k, v in corr.items()}
        if kind == "Subject":
            allowed = {"condition", "seed"}
            extra = set(p) - allowed
            if extra:
                raise ValueError(f"scenario file: population (Subject) has unknown key(s) "
                                 f"{sorted(extra)}")
            pop = Subject(covariates=covariates, **p, **overrides)
        elif kind == "Population":
            allowed = {"n", "condition", "variability", "seed", "drug_variability"}
            extra = set(p) - allowed
            if extra:
                raise ValueError(f"scenario file: population has unknown key(s) "
                                 f"{sorted(extra)}")
            pop = Population(covariates=covariates, cv=cv, correlation=corr, **p, **overrides)
        else:
            raise ValueError(f"scenario file: population.type must be 'Population' or "
                             f"'Subject', got {kind!r}")
    kw = {k: d[k] for k in ("t_end", "dt", "clock_start", "start_day", "circadian", "pulses",
                            "name")
          if k in d}
    return Scenario(Protocol(tuple(stimuli)) if stimuli else None, doses or None, pop, **kw)


# -- writing ------------------------------------------------------------------------
def _key(k: str) -> str:
    return k if k.replace("_", "").replace("-", "").isalnum() else _str(k)


def _str(s: str) -> str:
    out = ['"']
    for ch in s:
        if ch in '"\\':
            out.append("\\" + ch)
        elif ord(ch) < 0x20 or ch == "\x7f":
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def _value(v) -> str:
    if isinstance(v, (bool, np.bool_)):
        return "true" if v else "false"
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    if isinstance(v, (float, np.floating)):
        v = float(v)
        if math.isnan(v):
            return "nan"
        if math.isinf(v):
            return "inf" if v > 0 else "-inf"
        return repr(v)
    if isinstance(v, str):
        return _str(v)
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(_value(x) for x in v) + "]"
    raise TypeError(f"cannot write {type(v).__name__} to TOML")


def dumps(d: dict) -> str:
    """TOML text of a :func:`to_dict` dict (scalars, one level of sub-tables and
    arrays of tables)."""
    lines, tables, arrays = [], [], []
    for k, v in d.items():
        if isinstance(v, dict):
            tables.append((k, v))
        elif isinstance(v, list) and v and all(isinstance(x, dict) for x in v):
            arrays.append((k, v))
        else:
            lines.append(f"{_key(k)} = {_value(v)}")

    def table(prefix, t):
        out = [f"\n[{prefix}]"]
        subs = []
        for k, v in t.items():
            if isinstance(v, dict):
                subs.append((k, v))
            else:
                out.append(f"{_key(k)} = {_value(v)}")
        for k, v in subs:
            out.extend(table(f"{prefix}.{_key(k)}", v))
        return out

    for k, v in tables:
        lines.extend(table(_key(k), v))
    for k, items in arrays:
        for item in items:
            lines.append(f"\n[[{_key(k)}]]")
            lines.extend(f"{_key(a)} = {_value(b)}" for a, b in item.items())
    return "\n".join(lines) + "\n"


def loads(text: str):
    """The scenario of a TOML text."""
    try:
        import tomllib
    except ImportError:  # pragma: no cover - Python 3.10
        try:
            import tomli as tomllib
        except ImportError:
            raise ImportError("reading scenario files needs Python 3.11+ or the 'tomli' "
                              "package (pip install tomli)") from None
    try:
        d = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"scenario file is not valid TOML: {exc}") from None
    return from_dict(d)


def read(path):
    """The scenario of a TOML file."""
    return loads(Path(path).read_text(encoding="utf-8"))


def write(sc, path) -> Path:
    """Write ``sc`` to ``path`` as TOML; returns the path."""
    path = Path(path)
    path.write_text(dumps(to_dict(sc)), encoding="utf-8")
    return path


def _dump_scenario(sc) -> str:
    return dumps(to_dict(sc))


register_file_format("toml", read, write)
register_scenario_codec(_dump_scenario, loads)
