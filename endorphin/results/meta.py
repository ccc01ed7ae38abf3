"""What the result containers know about outputs: units and long names, netCDF
attributes, percentile bands; and the table through which they draw.

Drawing lives in :mod:`endorphin.plot`, a layer above the containers: it
registers its functions here when it is imported (``import endorphin``
imports it), so ``Result.plot`` and ``Comparison.plot`` call down this table
and never import a higher layer.
"""
from __future__ import annotations

import numpy as np

# units and long names are facts of the model: its specification holds them
from ..model.spec import DRUG_OUTPUTS, OUTPUT_META, OUTPUTS, output_meta

__all__ = ["OUTPUT_META", "output_meta", "output_kind", "netcdf_attr", "check_bands",
           "register_plotter", "plotter", "register_scenario_codec", "scenario_codec"]

_KINDS = {o["name"]: o["kind"] for o in OUTPUTS}


def output_kind(name):
    """The kind of an output (:data:`endorphin.model.spec.OUTPUTS`):
    ``"concentration"``, ``"fraction"``, ``"effect"``, ``"score"``,
    ``"ratio"`` or ``"internal"``; drug outputs (``morphine_plasma``,
    ``morphine_effect_site``, ``occupancy_mu_morphine``) by the drug-slot
    patterns; None for a name the model does not know."""
    if name in _KINDS:
        return _KINDS[name]
    rows = sorted(DRUG_OUTPUTS, key=lambda r: r["name"].startswith("{slot}"))
    for r in rows:
        head, tail = r["name"].split("{slot}")
        if (len(name) > len(head) + len(tail) and name.startswith(head)
                and name.endswith(tail)):
            return r["kind"]
    return None


def netcdf_attr(v):
    """A provenance value as a netCDF-storable attribute."""
    if isinstance(v, (bool, np.bool_)):
        return int(v)
    if v is None:
        return ""
    if isinstance(v, (int, np.integer)):
        return int(v) if -2**63 <= int(v) < 2**63 else str(v)
    if isinstance(v, (float, np.floating, str)):
        return v
    return str(v)


def check_bands(bands):
    if bands is None or bands is False:
        return None
    try:
        lo, hi = bands
        lo, hi = float(lo), float(hi)
    except (TypeError, ValueError):
        raise ValueError(f"bands must be a pair of percentiles (lo, hi) or None, "
                         f"got {bands!r}") from None
    if not (0.0 <= lo < hi <= 100.0):
        raise ValueError(f"bands must satisfy 0 <= lo < hi <= 100 (percent), got {bands!r}")
    return lo, hi



_PLOTTERS: dict = {}
_SCENARIO_CODEC: dict = {}


def register_scenario_codec(dump, load) -> None:
    """Called by :mod:`endorphin.io`: ``dump(scenario) -> str`` and ``load(str) ->
    Scenario`` (the TOML scenario file), with which a result saved by
    ``to_xarray`` keeps its scenario."""
    _SCENARIO_CODEC["toml"] = (dump, load)


def scenario_codec():
    """``(dump, load)`` registered by :mod:`endorphin.io`, or None."""
    return _SCENARIO_CODEC.get("toml")


def register_plotter(kind: str, fn) -> None:
    """Called by :mod:`endorphin.plot`: ``fn`` draws ``kind`` ("time_course",
    "compare") for the containers' ``.plot`` methods."""
    _PLOTTERS[kind] = fn


def plotter(kind: str):
    """The drawing function registered for ``kind``."""
    try:
        return _PLOTTERS[kind]
    except KeyError:
        raise RuntimeError(f"no plot function registered for {kind!r}: import "
                           f"endorphin.plot") from None
