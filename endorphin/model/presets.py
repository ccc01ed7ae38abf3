"""Conditions as parameter presets (docs/model.md, "Drugs, tolerance and conditions").

A preset changes parameters, never equations.  Each override is a value, or a
factor on the default (``("x", 0.5)`` halves it), with its source.  Use a
preset by name in ``endorphin.Population(condition=...)`` or
``endorphin.Subject(condition=...)``; explicit parameter overrides given there
apply on top of the preset.

    >>> import endorphin as en
    >>> sorted(en.presets)
    ['anxiety', 'chronic_pain', 'depression_anhedonia', 'fibromyalgia', 'healthy', 'opioid_tolerant', 'trained']
    >>> en.presets["fibromyalgia"].values()["receptor_mu"]
    0.7

Some features of a condition are not parameters and belong in the scenario:
an experimental noxious stimulus is a ``Pain`` stimulus (the conditions' ongoing
pain is already in ``pain_nrs``: parameters ``pain_ongoing`` and the symptom
generator, docs/model.md "Symptoms"), and the higher VO2max of ``trained`` subjects means a
given absolute workload is a lower *relative* intensity, which is what
``en.Exercise(intensity=...)`` takes.
"""
from __future__ import annotations

import types
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

from .._validate import unknown_name
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
    "gracely2002": "Gracely RH et al. Arthritis Rheum 2002;46:1333 (16 fibromyalgia vs 16 "
                   "controls: equal pain from 2.4 kg/cm2 in patients and 4.16 kg/cm2 in "
                   "controls)",
    "fm_pain": "Mease PJ et al. J Rheumatol 2008;35:502 (748 patients, baseline pain "
               "7.1/10); pooled pregabalin fibromyalgia trials (baseline 5.8 +- 0.8 in "
               "the moderate and 7.9 +- 0.7 in the severe subgroup)",
    "finder": "FINDER study baseline, Eur Psychiatry (3468 outpatients starting an "
              "antidepressant: HADS-D 12.3 (SD 4.5), HADS-A 13.0 (SD 4.0))",
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


# symptoms: a HADS score's population mean is base / availability^hads_mu_exponent
# (exponent 1), so a preset that lowers receptor_mu to R sets base = target x R; the
# between-subject CVs are calibrated (tests/model/test_symptoms.py) so that, with the
# day-to-day fluctuation and the instrument's noise, the measured SD is the published one.
def _hads(target: float, receptor_mu: float) -> float:
    return round(target * receptor_mu, 4)


_TOLERANT_R = 0.39     # tools/calibration/calibrate.py: chronic mu fraction after 3 days / at rest

_PRESETS = {p.name: p for p in [
    Preset("healthy", "the reference adult: the model's defaults"),
    Preset(
        "fibromyalgia",
        "fewer functional mu receptors and a higher central opioid tone (a higher tone "
        "acting on fewer receptors)",
        {"receptor_mu": 0.7, "bend_csf_base": ("x", 2.0), "rho_h": ("x", 0.5),
         # symptoms
         "pain_ongoing": 6.8, "pain_sensitization": 0.733,
         "anxiety_base": _hads(11.0, 0.7), "anxiety_between_cv": 0.4,
         "depression_base": _hads(9.0, 0.7), "depression_between_cv": 0.48,
         # practice over weeks
         "flare_rate": 0.0133},
        {"receptor_mu": _S["harris2007"] + "; the size of the reduction is not in the "
                        "abstract: assumed 30 %",
         "pain_ongoing": _S["fm_pain"] + ": 6.8, between the two (trial populations; "
                         "inclusion pain >= 4)",
         "pain_sensitization": _S["gracely2002"] + ": the same pressure hurts as much "
                               "as 4.16 / 2.4 = 1.73 times the pressure in controls",
         "anxiety_base": "HADS-A about 11 (SD 4.4) in fibromyalgia samples (m: recalled "
                         "from Vallejo MA et al. Rev Psiquiatr Salud Ment 2012;5:107, 301 "
                         "patients, 'higher levels of anxiety than in other disorders'; "
                         "check); x receptor_mu (see hads_mu_exponent)",
         "anxiety_between_cv": "calibrated: the SD 4.4 above with the day-to-day "
                               "fluctuation and PRO.hads_anxiety's noise",
         "depression_base": "HADS-D about 9 (SD 4.3) in fibromyalgia samples (m: as "
                            "anxiety_base; check); x receptor_mu",
         "depression_between_cv": "calibrated: the SD 4.3 above",
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
        {"bend_csf_base": ("x", 0.5), "receptor_mu": 0.8,
         # symptoms
         "pain_ongoing": 6.0, "anxiety_base": _hads(8.0, 0.8), "anxiety_between_cv": 0.45,
         "depression_base": _hads(7.0, 0.8), "depression_between_cv": 0.5},
        {"bend_csf_base": _S["lipman1990"],
         "pain_ongoing": "assumed: a typical baseline of chronic (low back) pain trials, "
                         "NRS about 6 with inclusion at >= 4 (no single source used)",
         "anxiety_base": "assumed: HADS-A about 8 (mild range) in chronic pain clinics; "
                         "x receptor_mu",
         "anxiety_between_cv": "assumed: as the clinical presets",
         "depression_base": "assumed: HADS-D about 7 in chronic pain clinics; x "
                            "receptor_mu",
         "depression_between_cv": "assumed: as the clinical presets",
         "receptor_mu": "assumed: 20 % fewer functional mu receptors, for the "
                        "'desensitized receptors' of the model contract (no human "
                        "receptor measurement used)"}),
    Preset(
        "depression_anhedonia",
        "lower mu-receptor availability; beta-endorphin release unchanged (plasma "
        "findings conflict)",
        {"receptor_mu": 0.8,
         # symptoms
         "depression_base": _hads(12.3, 0.8), "depression_between_cv": 0.37,
         "anxiety_base": _hads(13.0, 0.8), "anxiety_between_cv": 0.3},
        {"receptor_mu": _S["nummenmaa2020"] + "; the size is assumed (20 %)",
         "depression_base": _S["finder"] + ": HADS-D 12.3, x receptor_mu",
         "depression_between_cv": "calibrated: the SD 4.5 of " + _S["finder"],
         "anxiety_base": _S["finder"] + ": HADS-A 13.0, x receptor_mu",
         "anxiety_between_cv": "calibrated: the SD 4.0 of " + _S["finder"]}),
    Preset(
        "anxiety",
        "anxiety disorder: anxiety score in the clinical range; lower mu-receptor "
        "availability (as subclinical anxiety goes with lower availability)",
        {"receptor_mu": 0.8, "anxiety_base": _hads(13.0, 0.8), "anxiety_between_cv": 0.3,
         "depression_base": _hads(8.0, 0.8), "depression_between_cv": 0.5},
        {"receptor_mu": _S["nummenmaa2020"] + "; the size is assumed (20 %, as "
                        "depression_anhedonia)",
         "anxiety_base": "assumed: the clinical range (HADS-A >= 11 is a probable case, "
                         "Zigmond & Snaith 1983): 13.0 (SD 4.0), the HADS-A of "
                         + _S["finder"] + "; x receptor_mu",
         "anxiety_between_cv": "calibrated: the SD 4.0 above",
         "depression_base": "assumed: HADS-D about 8 (SD 4), comorbid low mood below "
                            "caseness; x receptor_mu",
         "depression_between_cv": "calibrated: the SD 4 above"}),
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
            raise KeyError(unknown_name(name, sorted(_PRESETS), "condition")) from None

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
