"""What the result containers know about outputs: units and long names, netCDF
attributes, percentile bands; and the table through which they draw.

Drawing lives in :mod:`endorphin.plot`, a layer above the containers: it
registers its functions here when it is imported (``import endorphin``
imports it), so ``Result.plot`` and ``Comparison.plot`` call down this table
and never import a higher layer.
"""
from __future__ import annotations

import numpy as np

__all__ = ["OUTPUT_META", "output_meta", "netcdf_attr", "check_bands", "register_plotter",
           "plotter"]

#: Unit (CF/pint-style string) and long name of every engine output.
OUTPUT_META: dict[str, tuple[str, str]] = {
    "plasma_beta_endorphin": ("pmol/L", "plasma beta-endorphin concentration"),
    "csf_beta_endorphin": ("pmol/L", "central (CSF) beta-endorphin concentration"),
    "plasma_acth": ("pmol/L", "plasma ACTH concentration"),
    "plasma_cortisol": ("nmol/L", "serum total cortisol concentration"),
    "occupancy_mu": ("1", "fraction of mu opioid receptors occupied"),
    "occupancy_delta": ("1", "fraction of delta opioid receptors occupied"),
    "occupancy_kappa": ("1", "fraction of kappa opioid receptors occupied"),
    "receptor_mu": ("1", "functional fraction of mu opioid receptors"),
    "receptor_delta": ("1", "functional fraction of delta opioid receptors"),
    "receptor_kappa": ("1", "functional fraction of kappa opioid receptors"),
    "effect_mu": ("1", "operational effect at mu opioid receptors (0-1)"),
    "effect_delta": ("1", "operational effect at delta opioid receptors (0-1)"),
    "effect_kappa": ("1", "operational effect at kappa opioid receptors (0-1)"),
    "opioid_analgesia": ("1", "opioid analgesia (0-1)"),
    "nonopioid_analgesia": ("1", "non-opioid (naloxone-insensitive) analgesia (0-1)"),
    "analgesia": ("1", "analgesia, opioid plus non-opioid (0-1)"),
    "mood": ("1", "mood relative to the subject's rest (positive is better)"),
    "pain_nrs": ("1", "pain on the numeric rating scale (0-10)"),
    "pain_threshold": ("1", "pain threshold relative to no analgesia (capped at 10)"),
    "activation_pituitary": ("1", "activation of the pituitary POMC pool"),
    "activation_hypothalamic": ("1", "activation of the hypothalamic POMC pool"),
    "synthesis_pituitary": ("1", "pituitary POMC synthesis capacity (1 at rest)"),
    "synthesis_hypothalamic": ("1", "hypothalamic POMC synthesis capacity (1 at rest)"),
    "store_pituitary": ("1", "pituitary releasable store (1 at rest)"),
    "store_hypothalamic": ("1", "hypothalamic releasable store (1 at rest)"),
    "pulse": ("1", "pituitary pulse multiplier of exocytosis"),
    "circadian": ("1", "circadian factor on POMC synthesis"),
    **{f"occupancy_{r}_beta_endorphin": ("1", f"fraction of {r} opioid receptors occupied "
                                              f"by beta-endorphin")
       for r in ("mu", "delta", "kappa")},
    **{f"receptor_{proc}_{r}": ("1", f"{what} of {r} opioid receptors (1: none)")
       for proc, what in (("acute", "acute desensitization factor"),
                          ("chronic", "chronic down-regulation factor"))
       for r in ("mu", "delta", "kappa")},
}

def output_meta(name: str) -> tuple[str, str]:
    """``(unit, long_name)`` of an output (``("1", name)`` if undocumented).

    Drug outputs follow patterns: ``<drug>_plasma`` and ``<drug>_effect_site``
    (nmol/L), ``occupancy_<receptor>_<drug>`` (fraction)."""
    if name in OUTPUT_META:
        return OUTPUT_META[name]
    for r in ("mu", "delta", "kappa"):
        pre = f"occupancy_{r}_"
        if name.startswith(pre):
            return "1", f"fraction of {r} opioid receptors occupied by {name[len(pre):]}"
    if name.endswith("_plasma"):
        return "nmol/L", f"plasma concentration of {name[:-len('_plasma')]}"
    if name.endswith("_effect_site"):
        return "nmol/L", f"effect-site concentration of {name[:-len('_effect_site')]}"
    return "1", name.replace("_", " ")


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
