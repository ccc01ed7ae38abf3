"""Conditions as parameter presets (docs/model.md, "Drugs, tolerance and conditions").

A preset changes parameters, never equations.  Each override is a value, or a
factor on the default (``("x", 0.5)`` halves it), with its source.  Use a
preset by name in ``endorphin.Population(condition=...)`` or
``endorphin.Subject(condition=...)``; explicit parameter overrides given there
apply on top of the preset.

    >>> import endorphin as en
    >>> sorted(en.presets)
    ['chronic_pain', 'depression_anhedonia', 'fibromyalgia', 'healthy', 'opioid_tolerant', 'trained']
    >>> en.presets["fibromyalgia"].values()["receptor_mu"]
    0.7

Some features of a condition are not parameters and belong in the scenario:
the sustained pain of ``chronic_pain`` is a stimulus (``en.Pain(level=5, start=0,
duration=t_end)``), and the higher VO2max of ``trained`` subjects means a
given absolute workload is a lower *relative* intensity, which is what
``en.Exercise(intensity=...)`` takes.
"""
from __future__ import annotations

import types
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

from .table import ENGINE, default_parameters

__all__ = ["Preset", "PRESETS", "get", "names"]

_S = {
    "harris2007": "Harris RE et al. J Neurosci 2007;27:10000. "
                  "doi:10.1523/JNEUROSCI.2849-07.2007, PMID 17855614 (17 fibromyalgia vs 17 "
                  "controls: reduced mu-opioid receptor binding potential in nucleus "
                  "accumbens, amygdala, dorsal cingulate)",
    "baraniuk2004": "Baraniuk JN et al. BMC Musculoskelet Disord 2004;5:48. "
                    "doi:10.1186/1471-2474-5-48 (CSF Met-enkephalin-Arg6-Phe7: fibromyalgia "
                    "117.6 vs controls 35.7 pg/mL)",
    "lipman1990": "Lipman JJ et al. Psychopharmacology 1990;102:112. doi:10.1007/BF02245754 "
                  "(CSF 'peak B' endorphin 50 % lower in chronic pain than in pain-free "
                  "controls)",
    "nummenmaa2020": "Nummenmaa L et al. Neuropsychopharmacology 2020. "
                     "doi:10.1038/s41386-020-0725-9 (n = 135, [11C]carfentanil PET: "
                     "depressive and anxiety scores negatively associated with mu-receptor "
                     "availability)",
    "goldfarb1991": "Goldfarb AH et al. Int J Sports Med 1991;12:264 (trained and "
                    "untrained men: similar beta-endorphin response at the same relative "
                    "intensity; at rest 4.61 +- 0.25 vs 4.03 +- 0.23 pmol/L)",
    # practice over weeks
    "kosek1996": "Kosek E, Ekholm J, Hansson P. Pain 1996;64:415-423 (contraction at 22 % "
                 "MVC to exhaustion: pressure pain thresholds rose in 14 controls, "
                 "p < 0.001, and fell in 14 FM patients, p < 0.05)",
}


@dataclass(frozen=True)
class Preset:
    """A condition: parameter overrides with their sources.

    Attributes
    ----------
    name : str
    description : str
    overrides : mapping
        Parameter name -> value, or ``("x", factor)`` (a factor on the default).
    sources : mapping
        Parameter name -> source of the override (citation, "calibrated: ...",
        "assumed: <reason>").
    """
    name: str
    description: str
    overrides: Mapping = field(default_factory=dict)
    sources: Mapping = field(default_factory=dict)

    def values(self, defaults: Mapping | None = None) -> dict:
        """The overridden parameter values (factors applied to ``defaults``, by
        default the model's default parameters)."""
        if defaults is None:
            defaults = dict(zip(ENGINE.params, default_parameters()))
        out = {}
        for k, v in self.overrides.items():
            out[k] = float(defaults[k]) * v[1] if isinstance(v, tuple) else float(v)
        return out

    def to_pandas(self):
        """The overrides as a table: parameter, value, default, source."""
        import pandas as pd
        defaults = dict(zip(ENGINE.params, default_parameters()))
        vals = self.values(defaults)
        return pd.DataFrame([{"parameter": k, "value": vals[k], "default": defaults[k],
                              "source": self.sources[k]} for k in self.overrides],
                            columns=["parameter", "value", "default", "source"])


_TOLERANT_R = 0.39     # tools/calibration/calibrate.py: chronic mu fraction after 3 days / at rest

_PRESETS = {p.name: p for p in [
    Preset("healthy", "the reference adult: the model's defaults"),
    Preset(
        "fibromyalgia",
        "fewer functional mu receptors and a higher central opioid tone (a higher tone "
        "acting on fewer receptors)",
        {"receptor_mu": 0.7, "bend_csf_base": ("x", 2.0), "rho_h": ("x", 0.5),
         "flare_rate": 0.0133},
        {"receptor_mu": _S["harris2007"] + "; the size of the reduction is not in the "
                        "abstract: assumed 30 %",
         "bend_csf_base": _S["baraniuk2004"] + " (3.3-fold, a different opioid peptide); "
                          "assumed 2-fold for beta-endorphin",
         "rho_h": "assumed: halved with the doubled base, so that a stimulus releases "
                  "the same absolute amount of central beta-endorphin as in healthy "
                  "subjects (Baraniuk's raised level is a resting finding; exercise-"
                  "induced hypoalgesia is impaired, not enhanced, in fibromyalgia: "
                  "Lannersten L, Kosek E. Pain 2010;151:77)",
         "flare_rate": "calibrated: after 30 min at 75 % VO2max an unaccustomed patient's "
                       "pain rises 30 % (pressure pain threshold about 15 % lower, while "
                       "a healthy subject's rises), the direction of " + _S["kosek1996"]
                       + "; the size is assumed (the abstract gives p-values only)"}),
    Preset(
        "chronic_pain",
        "lower central beta-endorphin and desensitized mu receptors; add the sustained "
        "pain itself as a Pain stimulus",
        {"bend_csf_base": ("x", 0.5), "receptor_mu": 0.8},
        {"bend_csf_base": _S["lipman1990"],
         "receptor_mu": "assumed: 20 % fewer functional mu receptors, for the "
                        "'desensitized receptors' of the model contract (no human "
                        "receptor measurement used)"}),
    Preset(
        "depression_anhedonia",
        "lower mu-receptor availability; beta-endorphin release unchanged (plasma "
        "findings conflict)",
        {"receptor_mu": 0.8},
        {"receptor_mu": _S["nummenmaa2020"] + "; the size is assumed (20 %)"}),
    Preset(
        "trained",
        "endurance-trained: the same response at the same relative intensity, a basal "
        "plasma level no lower than untrained (Goldfarb 1991: 4.61 vs 4.03 pmol/L) and a "
        "higher VO2max",
        {"bend_plasma_base": ("x", 1.144), "vo2max_base": 55.0},
        {"bend_plasma_base": "4.61 / 4.03 = 1.144, trained over untrained men at rest, "
                             + _S["goldfarb1991"] + " (the difference is within 2 SE; "
                             "training does not lower resting beta-endorphin)",
         "vo2max_base": "assumed: typical of endurance-trained young men (the package's "
                        "DEFAULT_VO2MAX['trained'])"}),
    Preset(
        "opioid_tolerant",
        "after chronic morphine: mu receptors down-regulated as after 3 days of "
        "continuous morphine in this model",
        {"receptor_mu": _TOLERANT_R},
        {"receptor_mu": "calibrated: the chronic mu fraction at the end of 3 days of a "
                        "2 mg/h morphine infusion in this model, relative to its resting "
                        "value (0.345 / 0.874; validation target 5, tools/calibration/calibrate.py)"}),
]}


class _Presets(Mapping):
    def __getitem__(self, name: str) -> Preset:
        try:
            return _PRESETS[name]
        except (KeyError, TypeError):
            raise KeyError(f"unknown condition {name!r}; known: {sorted(_PRESETS)}") from None

    def __iter__(self) -> Iterator[str]:
        return iter(_PRESETS)

    def __len__(self) -> int:
        return len(_PRESETS)

    def __repr__(self) -> str:
        return f"<endorphin presets: {', '.join(_PRESETS)}>"


#: The presets by name (read-only mapping).
PRESETS = _Presets()


def get(name: str) -> Preset:
    """The preset called ``name`` (KeyError naming the known ones otherwise)."""
    return PRESETS[name]


def names() -> tuple:
    """Names of the presets."""
    return tuple(_PRESETS)


class _PresetsModule(types.ModuleType):
    """Let ``endorphin.presets["fibromyalgia"]`` and ``sorted(endorphin.presets)`` work."""

    def __getitem__(self, name: str) -> Preset:
        return PRESETS[name]

    def __iter__(self) -> Iterator[str]:
        return iter(_PRESETS)

    def __len__(self) -> int:
        return len(_PRESETS)

    def __contains__(self, name: object) -> bool:
        return name in _PRESETS


import sys as _sys  # noqa: E402

_sys.modules[__name__].__class__ = _PresetsModule
