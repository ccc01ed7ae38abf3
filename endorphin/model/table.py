"""The endorphin model's parameters, population draws and pulse generator.

The equations are in ``docs/model.md`` (engine model ``"endorphin"``, C in
``csrc/kernels/endorphin_model.c``).  This module holds the one table of
record of its parameters (:func:`parameters`), with value, unit, range,
inter-individual variability and source; draws of virtual subjects
(:func:`sample_parameters`); the pituitary pulse generator
(:func:`pulse_schedule`); and :func:`simulate`, the array-level run of the
model with stimuli given as piecewise-constant segments.  Times are in
minutes, concentrations in pmol/L (cortisol nmol/L).

The values marked "calibrated" are the output of ``tools/calibrate.py``
against the validation targets of ``docs/model.md``.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import NamedTuple

import numpy as np

from . import core

__all__ = ["parameters", "default_parameters", "sample_parameters", "pulse_schedule",
           "bend_dose", "receptor_response", "pulse_doses", "drug_response", "ac50",
           "stimulus_inputs", "simulate", "CHANNELS", "PMOL_PER_L_TO_PG_PER_ML",
           "BEND_MW", "ACTH_MW"]

#: Stimulus channels, in the engine's input order.
CHANNELS = ("exercise", "stress", "pain", "laughter", "meditation", "acupuncture", "placebo")
#: beta-endorphin(1-31) molar mass, g/mol (from its sequence).
BEND_MW = 3465.0
#: ACTH(1-39) molar mass, g/mol.
ACTH_MW = 4541.0
#: 1 pmol/L of beta-endorphin in pg/mL.
PMOL_PER_L_TO_PG_PER_ML = BEND_MW / 1000.0

# -- sources (short keys -> citation)
SOURCES = {
    "goldfarb1990": "Goldfarb AH, Hatfield BD, Armstrong D, Potts J. Med Sci Sports Exerc "
                    "1990;22:241-244. PMID 2141380",
    "foley1979": "Foley KM, Kourides IA, Inturrisi CE, et al. PNAS 1979;76:5377-5381. "
                 "doi:10.1073/pnas.76.10.5377, PMID 291954",
    "iranmanesh1989": "Iranmanesh A, Lizarralde G, Johnson ML, Veldhuis JD. J Clin "
                      "Endocrinol Metab 1989;68:1019-1026. PMID 2524500",
    "nakao1980": "Nakao K, Oki S, Tanaka I, et al. (Imura H). J Clin Invest: CSF "
                 "beta-endorphin-LI in 24 controls 22.2 +- 1.3 fmol/mL. doi:10.1172/JCI109991",
    "keenan2004": "Keenan DM, Roelfsema F, Veldhuis JD. Endogenous ACTH "
                  "concentration-dependent drive of pulsatile cortisol secretion in the "
                  "human. Am J Physiol Endocrinol Metab (32 adults; ACTH t1/2 20 +- 1.3 min, "
                  "total cortisol t1/2 49 +- 2.4 min, EC50 26 +- 2.4 ng/L, slope 0.65)",
    "horrocks1990": "Horrocks PM, Jones AF, Ratcliffe WA, et al. Clin Endocrinol (Oxf) "
                    "1990: plasma ACTH mesor 9.2-18.6 ng/L (15-min sampling)",
    "molecules2022": "Molecules 2022, Table 1 (PMC8840597): human MOR Ki of "
                     "beta-endorphin 0.9 nmol/L",
    "model_md": "endorphin model contract (MODEL.md section 4), provisional value",
    "siebers2021": "Siebers M et al. Psychoneuroendocrinology 2021;126:105173. "
                   "doi:10.1016/j.psyneuen.2021.105173 (runner's euphoria not blocked by "
                   "naltrexone)",
    "zeidan2016": "Zeidan F et al. J Neurosci 2016;36:3391. "
                  "doi:10.1523/JNEUROSCI.4328-15.2016; May LM et al. Psychosom Med "
                  "2018;80:807 (meditation analgesia not reversed by naloxone)",
    "dang2004": "Dang VC, Williams JT. J Neurosci 2004;24:7699 (acute mu desensitization "
                "in rat locus coeruleus recovers completely within 25 min)",
    "lifesci2003": "Life Sci 2003;73:115, PMID 12726892 (agonist-induced internalization "
                   "of human MOR: maximal at 30 min, about 40 % of receptors; recycling "
                   "to the surface over 60 min after washout)",
    "way1969": "Way EL, Loh HH, Shen FH. J Pharmacol Exp Ther 1969;167:1 (mouse: morphine "
               "AD50 doubles after 1 day and rises 4-7-fold after 3 days)",
    "pomeranz": "Pomeranz B (review chapter): high-frequency electro-acupuncture analgesia "
                "is not endorphin-mediated; EA +27 % dental pain threshold, partly "
                "naloxone-reversible (Acupunct Electrother Res 1987;12(1))",
}

_ASSUMED = "assumed: "


class _P(NamedTuple):
    name: str
    value: float
    unit: str
    low: float
    high: float
    cv: float
    description: str
    source: str


def _channel_rows():
    # (u50, n, gain_p, gain_h, nonopioid gain, unit of u, u50 note, nonopioid source)
    spec = {
        "exercise": (0.75, 20.0, 1.0, 0.8, 0.10, "fraction of VO2max",
                     "calibrated: tools/calibrate.py to Goldfarb 1990 (no rise at 60 %, "
                     "rise by 15 min at 70 %, 5-fold at 80 %); the steep slope stands for "
                     "the lactate threshold",
                     "assumed: part of exercise hypoalgesia is not opioid "
                     "(endocannabinoid); size not measured (" + SOURCES["siebers2021"] + ")"),
        "stress": (0.5, 2.0, 0.8, 0.4, 0.0, "0-1", None, None),
        "pain": (5.0, 2.0, 0.6, 0.6, 0.0, "NRS 0-10", None, None),
        "laughter": (0.5, 1.0, 0.1, 0.6, 0.0, "0-1", None, None),
        "meditation": (0.5, 1.0, 0.05, 0.1, 0.20, "0-1", None,
                       "assumed: about 20 % less pain, naloxone-insensitive (May 2018: "
                       "unpleasantness -20 %; " + SOURCES["zeidan2016"] + ")"),
        "acupuncture": (0.5, 1.0, 0.2, 0.8, 0.10, "0-1", None,
                        "assumed: the naloxone-insensitive part of acupuncture analgesia "
                        "(" + SOURCES["pomeranz"] + ")"),
        "placebo": (0.5, 1.0, 0.1, 0.6, 0.0, "0-1", None, None),
    }
    rows = []
    for k, (u50, n, gp, gh, gam, unit, u50_src, gam_src) in spec.items():
        rows.append(_P(f"{k}_u50", u50, unit, 0.5 * u50, 1.5 * u50,
                       0.04 if k == "exercise" else 0.2,
                       f"{k} intensity giving half the maximal drive",
                       u50_src or _ASSUMED + "no dose-response data; midpoint of the scale"))
        rows.append(_P(f"{k}_n", n, "1", 10.0 if k == "exercise" else 0.5,
                       30.0 if k == "exercise" else 4.0, 0.0,
                       f"Hill slope of the {k} drive",
                       "MODEL.md section 2: a slope near 20 is required for exercise "
                       "(Goldfarb 1990)" if k == "exercise"
                       else _ASSUMED + "no dose-response data; a gentle saturating slope"))
        rows.append(_P(f"{k}_gain_pituitary", gp, "1", 0.0, 2.0 * max(gp, 0.1), 0.0,
                       f"maximal drive of {k} to the pituitary POMC pool",
                       SOURCES["model_md"] + " (section 2)"))
        rows.append(_P(f"{k}_gain_hypothalamic", gh, "1", 0.0, 2.0 * max(gh, 0.1), 0.0,
                       f"maximal drive of {k} to the hypothalamic (arcuate) POMC pool",
                       SOURCES["model_md"] + " (section 2)"))
        rows.append(_P(f"{k}_nonopioid_gain", gam, "1", 0.0, 0.5, 0.0,
                       f"maximal non-opioid (naloxone-insensitive) analgesia from {k}",
                       gam_src or _ASSUMED + "no naloxone-insensitive component reported"))
    return rows


_TABLE: list[_P] = _channel_rows() + [
    _P("tau_act", 5.0, "min", 2.0, 15.0, 0.2, "activation time constant of both pools",
       SOURCES["model_md"] + " (tau_A ~ 5 min); " + _ASSUMED + "no direct measurement"),
    _P("tau_syn", 120.0, "min", 60.0, 480.0, 0.2,
       "time constant of POMC synthesis capacity", _ASSUMED + "hours-scale POMC "
       "transcription and processing; 120 rather than the contract's provisional ~240 "
       "min so that a circadian synthesis amplitude below 1 can give the measured plasma "
       "rhythm through the three lags (see tools/calibrate.py)"),
    _P("sigma_p", 1.0, "1", 0.0, 3.0, 0.0, "induction of pituitary synthesis by activation",
       _ASSUMED + "synthesis doubles at full activation"),
    _P("sigma_h", 1.0, "1", 0.0, 3.0, 0.0, "induction of hypothalamic synthesis by activation",
       _ASSUMED + "synthesis doubles at full activation"),
    _P("store_time_p", 1200.0, "min", 600.0, 3000.0, 0.2,
       "1 / k_rel of the pituitary store; with pulses on the store holds "
       "store_time_p / (1 + pulse_mean) minutes of basal secretion (600 at the defaults)",
       "calibrated: a 5-fold plasma peak after 30 min at 80 % VO2max needs a store of "
       "many hours of basal secretion (MODEL.md section 3; Goldfarb 1990), and a store "
       "small enough that a circadian synthesis amplitude below 1 gives the plasma rhythm"),
    _P("store_time_h", 600.0, "min", 300.0, 1500.0, 0.2,
       "hypothalamic releasable store, in minutes of basal secretion",
       _ASSUMED + "as the pituitary store; no human measurement"),
    _P("rho_p", 15.22, "1", 2.0, 40.0, 0.3, "release gain of the pituitary pool per unit activation",
       "calibrated: tools/calibrate.py to the Goldfarb 1990 80 % VO2max peak "
       "(21.91 +- 2.03 pmol/L; population mean, cycling from 08:00 with pulses and "
       "rhythm on; SD/mean 0.32 over 12 men gives the CV)"),
    _P("rho_h", 5.0, "1", 0.0, 20.0, 0.3,
       "release gain of the hypothalamic pool per unit activation",
       _ASSUMED + "CSF rises several-fold with stimulation (Akil 1978: 13-20-fold with "
       "thalamic stimulation); a moderate gain"),
    _P("tau_pulse", 10.0, "min", 5.0, 60.0, 0.2,
       "decay time of a pituitary secretory burst (exocytosis multiplier)",
       "calibrated: tools/pulse_sweep.py to the pulses detected on 10-min plasma samples "
       "(Iranmanesh 1989: 13 +- 1 pulses/24 h, 100 +- 7 min apart, increments 63 +- 13 %); "
       "short bursts, the plasma pulse's length comes from the 37-min half-life"),
    _P("pulse_mean", 0.0, "1", 0.0, 2.0, 0.0,
       "time-averaged pulse multiplier used by the resting state (set by the pulse "
       "generator: amplitude x tau_pulse / interval; 0 with pulses off)",
       "derived from pulse_amplitude, tau_pulse and pulse_interval"),
    _P("a_circ", 0.7471, "1", 0.0, 0.95, 0.2, "amplitude of the circadian factor on synthesis",
       "calibrated: tools/calibrate.py, closed form with pulses on: plasma amplitude 23 % "
       "of the 24-h mean (Iranmanesh 1989)"),
    _P("t_peak", 203.6, "min after midnight", 0.0, 1440.0, 0.0,
       "clock time of the synthesis peak",
       "calibrated: tools/calibrate.py, closed form with pulses on: plasma acrophase "
       "10:43 (Iranmanesh 1989); synthesis peaks at 03:24"),
    _P("clock_start", 480.0, "min after midnight", 0.0, 1440.0, 0.0,
       "clock time of t = 0 (a scenario setting)", _ASSUMED + "08:00, a morning lab visit"),
    _P("t_half_plasma", 37.0, "min", 25.0, 55.0, 0.15,
       "half-life of plasma beta-endorphin", SOURCES["foley1979"]
       + " (terminal t1/2 37 min after IV 5-10 mg); CV " + _ASSUMED + "n = 3"),
    _P("t_half_csf", 93.0, "min", 60.0, 140.0, 0.15,
       "half-life of CSF beta-endorphin", SOURCES["foley1979"] + " (after ICV); CV "
       + _ASSUMED + "n small"),
    _P("bend_plasma_base", 4.34, "pmol/L", 1.5, 10.0, 0.29,
       "resting plasma beta-endorphin (RIA, <5 % beta-LPH cross-reactivity)",
       SOURCES["goldfarb1990"] + " (4.34 +- 0.36 SE, n = 12: CV 0.29)"),
    _P("bend_csf_base", 22.2, "pmol/L", 8.0, 60.0, 0.3,
       "resting lumbar CSF beta-endorphin", SOURCES["nakao1980"]
       + "; CV 0.3 (SE 1.3 over 24 controls)"),
    _P("acth_base", 3.06, "pmol/L", 1.5, 6.0, 0.3, "resting plasma ACTH",
       SOURCES["horrocks1990"] + ": mid-range 13.9 ng/L / 4541 g/mol; CV "
       + _ASSUMED + "the mesor range spans 2-fold"),
    _P("t_half_acth", 20.0, "min", 10.0, 30.0, 0.1, "half-life of plasma ACTH",
       SOURCES["keenan2004"]),
    _P("cortisol_base", 300.0, "nmol/L", 150.0, 550.0, 0.25,
       "resting serum cortisol (morning, total)",
       _ASSUMED + "middle of the usual morning reference range (about 150-550 nmol/L, "
       "MODEL.md section 3)"),
    _P("t_half_cortisol", 49.0, "min", 30.0, 80.0, 0.1, "half-life of total cortisol",
       SOURCES["keenan2004"]),
    _P("acth_ec50", 5.73, "pmol/L", 2.0, 15.0, 0.2,
       "ACTH concentration for half-maximal cortisol secretion",
       SOURCES["keenan2004"] + ": 26 ng/L / 4541 g/mol"),
    _P("cortisol_hill", 0.65, "1", 0.3, 1.5, 0.0, "slope of cortisol secretion on ACTH",
       SOURCES["keenan2004"]),
    _P("tau_nonopioid", 5.0, "min", 1.0, 30.0, 0.0,
       "time constant of the non-opioid analgesic activations",
       _ASSUMED + "'a time constant of minutes' (MODEL.md section 2)"),
    _P("K_bend_mu", 0.9, "nmol/L", 0.3, 3.0, 0.0, "beta-endorphin affinity at mu",
       SOURCES["molecules2022"]),
    _P("K_bend_delta", 2.0, "nmol/L", 0.5, 10.0, 0.0, "beta-endorphin affinity at delta",
       _ASSUMED + "middle of the 1-5 nmol/L range (science.md 4a, unverified)"),
    _P("K_bend_kappa", 50.0, "nmol/L", 10.0, 200.0, 0.0, "beta-endorphin affinity at kappa",
       _ASSUMED + "middle of the 20-100 nmol/L range; 'low affinity for kappa' "
                  "(UniProt OPRK)"),
    _P("tau_bend_mu", 2.0, "1", 0.5, 10.0, 0.0,
       "in-vivo efficacy (receptor reserve) of beta-endorphin at mu",
       _ASSUMED + "small resting opioid tone (naloxone alone barely changes pain: "
                  "Grevert 1983): with it naloxone removes an opioid analgesia of about "
                  "0.04 at rest (tests/validation/test_drug_targets.py)"),
    _P("tau_bend_delta", 1.0, "1", 0.2, 5.0, 0.0, "efficacy of beta-endorphin at delta",
       _ASSUMED + "lower reserve than mu"),
    _P("tau_bend_kappa", 1.0, "1", 0.2, 5.0, 0.0, "efficacy of beta-endorphin at kappa",
       _ASSUMED + "lower reserve than mu"),
    _P("slope_mu", 1.0, "1", 0.5, 2.0, 0.0, "operational slope at mu",
       _ASSUMED + "the hyperbolic operational model"),
    _P("slope_delta", 1.0, "1", 0.5, 2.0, 0.0, "operational slope at delta",
       _ASSUMED + "the hyperbolic operational model"),
    _P("slope_kappa", 1.0, "1", 0.5, 2.0, 0.0, "operational slope at kappa",
       _ASSUMED + "the hyperbolic operational model"),
    _P("receptor_mu", 1.0, "1", 0.1, 1.0, 0.0,
       "mu-receptor availability (scales the functional fraction; conditions lower it)",
       _ASSUMED + "healthy reference = 1"),
    _P("receptor_delta", 1.0, "1", 0.1, 1.0, 0.0, "delta-receptor availability",
       _ASSUMED + "healthy reference = 1"),
    _P("receptor_kappa", 1.0, "1", 0.1, 1.0, 0.0, "kappa-receptor availability",
       _ASSUMED + "healthy reference = 1"),
    _P("w_mu", 1.0, "1", 0.0, 1.0, 0.0, "weight of mu effect in analgesia",
       SOURCES["model_md"]),
    _P("w_delta", 0.5, "1", 0.0, 1.0, 0.0, "weight of delta effect in analgesia",
       SOURCES["model_md"]),
    _P("w_kappa", 0.3, "1", 0.0, 1.0, 0.0, "weight of kappa effect in analgesia",
       SOURCES["model_md"]),
    _P("v_mu", 1.0, "1", 0.0, 2.0, 0.0, "weight of mu effect in mood",
       _ASSUMED + "mu reward as the unit of mood"),
    _P("v_delta", 0.5, "1", 0.0, 2.0, 0.0, "weight of delta effect in mood",
       _ASSUMED + "delta anxiolysis, half of mu"),
    _P("v_kappa", 1.0, "1", 0.0, 2.0, 0.0, "weight of kappa effect in mood (dysphoria)",
       _ASSUMED + "kappa dysphoria as strong as mu reward"),
    *[_P(f"k_des_acute_{r}", 0.0462, "1/min", 0.0, 0.2, 0.0,
         f"acute desensitization/internalization rate of {r} per unit agonist drive",
         ("calibrated: k_des = k_rec (1/0.6 - 1), so that a saturating agonist leaves "
          "60 % of receptors functional (about 40 % internalized at the 30-min maximum: "
          + SOURCES["lifesci2003"] + ")") if r == "mu" else
         _ASSUMED + "as mu (no human data on acute delta/kappa desensitization)")
      for r in ("mu", "delta", "kappa")],
    *[_P(f"k_rec_acute_{r}", 0.0693, "1/min", 0.01, 0.5, 0.0,
         f"recovery rate of acute {r} desensitization (t1/2 10 min)",
         ("calibrated: t1/2 10 min, so recovery is 95 % complete after about 45 min, "
          "between " + SOURCES["dang2004"] + " (within 25 min) and the 60-min recycling "
          "of " + SOURCES["lifesci2003"] + "; with a saturating agonist the onset "
          "then has a 9-min time constant, reaching its plateau by 30 min") if r == "mu"
         else _ASSUMED + "as mu (no human data on delta/kappa recovery kinetics)")
      for r in ("mu", "delta", "kappa")],
    *[_P(f"k_des_chronic_{r}", 0.000758, "1/min", 0.0, 0.01, 0.0,
         f"chronic {r} down-regulation rate per unit agonist drive (tolerance)",
         ("calibrated: tools/calibrate.py to a 5.5-fold right shift of the morphine "
          "concentration-analgesia curve after 3 days of continuous morphine (middle of "
          "the 4-7-fold of " + SOURCES["way1969"] + ")") if r == "mu" else
         _ASSUMED + "as mu (no data on chronic delta/kappa down-regulation)")
      for r in ("mu", "delta", "kappa")],
    *[_P(f"k_rec_chronic_{r}", 0.000241, "1/min", 0.00005, 0.002, 0.0,
         f"recovery rate of chronic {r} down-regulation (t1/2 2 days)",
         (_ASSUMED + "recovery over days (MODEL.md section 3: chronic tolerance develops "
          "over days); t1/2 2 days, so tolerance is mostly gone a week after stopping")
         if r == "mu" else _ASSUMED + "as mu (no data on delta/kappa recovery after "
                                      "chronic agonists)")
      for r in ("mu", "delta", "kappa")],
]

# Parameters of the pulse generator (Python side, not engine parameters).
_PULSE_TABLE: list[_P] = [
    _P("pulse_interval", 100.0, "min", 60.0, 160.0, 0.0,
       "mean interval between pituitary pulses (gamma renewal process)",
       SOURCES["iranmanesh1989"] + " (100 +- 7 min, 13 +- 1 pulses/24 h)"),
    _P("pulse_interval_cv", 0.1, "1", 0.05, 1.0, 0.0,
       "coefficient of variation of the inter-pulse intervals",
       "calibrated: tools/pulse_sweep.py; nearly regular intervals (Iranmanesh 1989: "
       "100 +- 7 min SE over 7 men); irregular intervals make close pairs that merge in "
       "plasma and lower the detected frequency"),
    _P("pulse_amplitude", 10.0, "1", 1.0, 20.0, 0.0,
       "mean jump of the pulse multiplier at a pulse",
       "calibrated: tools/pulse_sweep.py to the detected plasma increments (63 +- 13 %) "
       "and frequency (Iranmanesh 1989)"),
    _P("pulse_amplitude_cv", 0.3, "1", 0.0, 1.0, 0.0, "CV of the pulse sizes (log-normal)",
       _ASSUMED + "Iranmanesh 1989 report 63 +- 13 % (SE) increments"),
]

# Volumes that turn an administered amount of beta-endorphin into a
# concentration step (Python side: bend_dose).
_DOSING_TABLE: list[_P] = [
    _P("body_weight", 70.0, "kg", 20.0, 300.0, 0.0, "body weight",
       _ASSUMED + "reference adult"),
    _P("bend_plasma_volume", 178.0, "mL/kg", 100.0, 300.0, 0.0,
       "volume of distribution of beta-endorphin given IV",
       SOURCES["foley1979"] + " (178 mL/kg)"),
    _P("bend_csf_volume", 0.74, "mL/kg", 0.3, 2.0, 0.0,
       "volume of distribution of beta-endorphin given ICV",
       SOURCES["foley1979"] + " (0.74 mL/kg)"),
]

_ENGINE = core.models["endorphin"]
assert tuple(r.name for r in _TABLE) == _ENGINE.params, "parameter table out of engine order"
_INDEX = {name: i for i, name in enumerate(_ENGINE.params)}


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
    rows = [dict(r._asdict(), kind="engine") for r in _TABLE]
    rows += [dict(r._asdict(), kind="pulses") for r in _PULSE_TABLE]
    rows += [dict(r._asdict(), kind="dosing") for r in _DOSING_TABLE]
    cols = ["name", "value", "unit", "low", "high", "cv", "kind", "description", "source"]
    return pd.DataFrame(rows, columns=cols)


def _overrides(values: np.ndarray, overrides: Mapping[str, float] | None,
               table: Sequence[_P]) -> np.ndarray:
    names = [r.name for r in table]
    for key, v in (overrides or {}).items():
        if key not in names:
            raise ValueError(f"unknown parameter {key!r}; see endorphin.parameters()")
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
    return _overrides(np.array([r.value for r in _TABLE]), overrides, _TABLE)


def _pulse_defaults(**overrides) -> dict:
    vals = _overrides(np.array([r.value for r in _PULSE_TABLE]), overrides, _PULSE_TABLE)
    return dict(zip([r.name for r in _PULSE_TABLE], vals.tolist()))


# purposes of the keyed random streams (never renumber: results depend on them)
PURPOSE_PARAMETERS = 0
PURPOSE_PULSES = 1


def _rng(seed: int, subject: int, purpose: int) -> np.random.Generator:
    return np.random.Generator(np.random.Philox(
        np.random.SeedSequence(seed, spawn_key=(subject, purpose))))


def _check_seed(seed) -> int:
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    return int(seed)


def _check_n(n) -> int:
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"n must be a positive integer, got {n!r}")
    if n > 10**9:
        raise ValueError(f"n must be <= 1e9 subjects per call, got {n}")
    return int(n)


def _cv_and_cholesky(variability: float, cv=None, correlation=None):
    """Per-parameter CVs (documented, times ``variability``, with overrides) and the
    Cholesky factor of the correlation of the varied parameters' normal deviates."""
    names = [r.name for r in _TABLE]
    cvs = np.array([r.cv for r in _TABLE]) * float(variability)
    for key, v in (cv or {}).items():
        if key not in names:
            raise ValueError(f"cv: unknown parameter {key!r}; see endorphin.parameters()")
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
    n = _check_n(n)
    seed = _check_seed(seed)
    if isinstance(variability, bool) or not np.isscalar(variability) \
            or not np.isfinite(variability) or variability < 0:
        raise ValueError(f"variability must be a finite number >= 0, got {variability!r}")
    if isinstance(first_subject, bool) or not isinstance(first_subject, (int, np.integer)) \
            or first_subject < 0:
        raise ValueError(f"first_subject must be a non-negative integer, got {first_subject!r}")
    P = len(_TABLE)
    if base is None:
        base = default_parameters()
    base = np.asarray(base, dtype=np.float64)
    if base.shape != (P,) or not np.isfinite(base).all():
        raise ValueError(f"base must be a finite vector of {P} parameters")
    cvs, varied, chol = _cv_and_cholesky(variability, cv, correlation)
    low = np.array([r.low for r in _TABLE])
    high = np.array([r.high for r in _TABLE])
    sigma = np.sqrt(np.log1p(cvs[varied] ** 2))
    out = np.empty((n, P))
    out[:] = base
    for i in range(n):
        z = _rng(seed, first_subject + i, PURPOSE_PARAMETERS).standard_normal(varied.size)
        if chol is not None:
            z = chol @ z
        out[i, varied] = base[varied] * np.exp(sigma * z)
    out[:, varied] = np.clip(out[:, varied], low[varied], high[varied])
    return out


def _pulse_block_size(m: float, cv: float) -> int:
    """Intervals drawn per block: the expected count m plus 6 standard deviations."""
    return int(np.ceil(m + 6.0 * cv * np.sqrt(m) + 2.0))


def pulse_schedule(n: int, t0: float, t_end: float, seed: int = 0, *, first_subject: int = 0,
                   tau_pulse=None, **pulse_params):
    """Pituitary pulse times and sizes for ``n`` subjects.

    A gamma renewal process per subject (mean interval ``pulse_interval``,
    CV ``pulse_interval_cv``) with log-normal sizes (mean ``pulse_amplitude``,
    CV ``pulse_amplitude_cv``), started one day before ``t0`` so that ``t0``
    falls at a random phase of the process.  Each subject draws from its own
    generator keyed by ``(seed, first_subject + i, PURPOSE_PULSES)``.

    Returns
    -------
    times, amounts : ndarray (n, D)
        Doses of the engine's ``pulse`` state, padded with zero amounts at
        ``t_end``.  The first column is the tail at ``t0`` of the pulses
        before ``t0`` (sum of ``a_j exp(-(t0 - t_j) / tau_pulse)``), which
        needs ``tau_pulse`` (scalar or (n,)).
    pulse_mean : float
        Time average of the pulse state, ``amplitude * tau_pulse / interval``
        (for the ``pulse_mean`` engine parameter).
    """
    n = _check_n(n)
    seed = _check_seed(seed)
    pp = _pulse_defaults(**pulse_params)
    if not (np.isfinite(t0) and np.isfinite(t_end) and t_end >= t0):
        raise ValueError(f"need finite t0 <= t_end, got {t0!r}, {t_end!r}")
    if tau_pulse is None:
        tau_pulse = default_parameters()[_INDEX["tau_pulse"]]
    tau = np.broadcast_to(np.asarray(tau_pulse, dtype=np.float64), (n,))
    if not (np.isfinite(tau).all() and (tau > 0).all()):
        raise ValueError("tau_pulse must be positive and finite")
    mean_i, cv_i = pp["pulse_interval"], pp["pulse_interval_cv"]
    mean_a, cv_a = pp["pulse_amplitude"], pp["pulse_amplitude_cv"]
    if not (mean_i > 0 and cv_i > 0 and mean_a >= 0 and cv_a >= 0):
        raise ValueError("pulse_interval and pulse_interval_cv must be > 0, "
                         "pulse_amplitude and pulse_amplitude_cv >= 0")
    shape = 1.0 / cv_i**2
    scale = mean_i / shape
    s_a = np.sqrt(np.log1p(cv_a**2))
    start = t0 - 1440.0
    # Each subject's stream: one uniform phase, then blocks of K gamma intervals and K
    # normal deviates (sizes), block after block until the pulses pass t_end.  K
    # depends only on the window and the interval law, never on which other subjects
    # share the call, so a subject's pulses do not depend on the chunking.
    K = _pulse_block_size((t_end - start) / mean_i, cv_i)
    G = np.empty((n, K))
    Z = np.empty((n, K))
    U = np.empty(n)
    extra = {}
    for i in range(n):
        g = _rng(seed, first_subject + i, PURPOSE_PULSES)
        U[i] = g.uniform(0.0, mean_i)
        G[i] = g.gamma(shape, scale, K)
        Z[i] = g.standard_normal(K)
        reach = start + U[i] + G[i].sum()
        if reach <= t_end:                  # rare: the block ended before t_end
            gs, zs = [G[i]], [Z[i]]
            while reach <= t_end:
                gs.append(g.gamma(shape, scale, K))
                zs.append(g.standard_normal(K))
                reach += gs[-1].sum()
            extra[i] = (np.concatenate(gs), np.concatenate(zs))
    if extra:
        W = max(v[0].size for v in extra.values())
        G = np.pad(G, ((0, 0), (0, W - K)), constant_values=np.inf)
        Z = np.pad(Z, ((0, 0), (0, W - K)))
        for i, (gi, zi) in extra.items():
            G[i, :gi.size], Z[i, :zi.size] = gi, zi
    # pulse j at start + u + (sum of the first j intervals)
    ti = start + U[:, None] + np.concatenate([np.zeros((n, 1)), np.cumsum(G[:, :-1], axis=1)],
                                             axis=1)
    ai = mean_a * np.exp(s_a * Z - 0.5 * s_a**2)
    before = ti < t0
    with np.errstate(under="ignore"):
        decay = np.exp(-(t0 - np.where(before, ti, t0)) / tau[:, None])
    tail = np.sum(np.where(before, ai * decay, 0.0), axis=1)
    keep = ~before & (ti <= t_end)
    counts = keep.sum(axis=1)
    D = 1 + int(counts.max())
    T = np.full((n, D), float(t_end))
    A = np.zeros((n, D))
    T[:, 0], A[:, 0] = t0, tail
    rows, cols = np.nonzero(keep)
    pos = 1 + np.cumsum(keep, axis=1)[rows, cols] - 1
    T[rows, pos] = ti[rows, cols]
    A[rows, pos] = ai[rows, cols]
    return T, A, mean_a * tau / mean_i


def bend_dose(amount_mg: float, route: str = "iv", body_weight: float | None = None):
    """Concentration step (pmol/L) of an administered dose of beta-endorphin.

    ``route="iv"`` doses plasma (state ``bend_plasma``), ``"icv"`` the CSF
    compartment (state ``bend_csf``), through the volumes of distribution
    measured by Foley et al. 1979 (178 and 0.74 mL/kg).  Returns ``(state,
    step)`` for the ``doses=`` of :func:`simulate`.

    >>> from endorphin.model import bend_dose
    >>> state, step = bend_dose(10.0, "iv")      # 10 mg IV, 70 kg
    >>> state, round(step)
    ('bend_plasma', 231621)
    """
    if isinstance(amount_mg, bool) or not np.isscalar(amount_mg) \
            or not np.isfinite(amount_mg) or amount_mg < 0:
        raise ValueError(f"amount_mg must be a finite number >= 0, got {amount_mg!r}")
    vals = {r.name: r.value for r in _DOSING_TABLE}
    bw = vals["body_weight"] if body_weight is None else body_weight
    if isinstance(bw, bool) or not np.isscalar(bw) or not np.isfinite(bw) or bw <= 0:
        raise ValueError(f"body_weight must be a positive number of kg, got {body_weight!r}")
    if route == "iv":
        state, v_ml = "bend_plasma", vals["bend_plasma_volume"] * bw
    elif route == "icv":
        state, v_ml = "bend_csf", vals["bend_csf_volume"] * bw
    else:
        raise ValueError(f"route must be 'iv' or 'icv', got {route!r}")
    pmol = float(amount_mg) * 1e-3 / BEND_MW * 1e12
    return state, pmol / (v_ml * 1e-3)


def receptor_response(agonist_conc, antagonist_conc=0.0, *, agonist="morphine",
                      antagonist="naloxone", receptor="mu", receptor_fraction=1.0,
                      slope=None):
    """In-vitro-like operational response of one receptor type, R held fixed.

    The readout a Schild experiment uses: agonist and antagonist at
    equilibrium, competing for ``receptor`` ("mu", "delta" or "kappa"),
    the operational model (Black and Leff) with efficacy scaled by the fixed
    functional fraction ``receptor_fraction``, no pharmacokinetics, no
    desensitization.  Affinities and efficacies come from
    :mod:`endorphin.drugs` ("beta_endorphin" included), the slope from the
    model's ``slope_<receptor>`` unless given.  Concentrations in nmol/L,
    broadcast against each other.

    Returns the fractional effect (Em = 1), ``s^m / (1 + s^m)`` with
    ``s = R * tau_A occ_A``, ``occ_A = (A/K_A) / (1 + A/K_A + B/K_B)``.

    Examples
    --------
    >>> import numpy as np
    >>> from endorphin.model import receptor_response
    >>> a = np.logspace(-1, 4, 6)
    >>> e0 = receptor_response(a)                       # morphine alone at mu
    >>> e1 = receptor_response(a, 10.0)                 # with 10 nmol/L naloxone
    >>> bool(np.all(e1 < e0))
    True
    """
    from . import _ufuncs, drugs
    if receptor not in ("mu", "delta", "kappa"):
        raise ValueError(f"receptor must be 'mu', 'delta' or 'kappa', got {receptor!r}")
    ag, an = drugs.get(agonist), drugs.get(antagonist)
    a = np.asarray(agonist_conc, dtype=np.float64)
    b = np.asarray(antagonist_conc, dtype=np.float64)
    for name, v in (("agonist_conc", a), ("antagonist_conc", b)):
        if not np.isfinite(v).all() or (v < 0).any():
            raise ValueError(f"{name} must be finite and >= 0 (nmol/L)")
    R = float(receptor_fraction)
    if not 0.0 <= R <= 1.0:
        raise ValueError(f"receptor_fraction must be in [0, 1], got {receptor_fraction!r}")
    m = default_parameters()[_INDEX[f"slope_{receptor}"]] if slope is None else float(slope)
    if not m > 0:
        raise ValueError(f"slope must be > 0, got {slope!r}")
    a, b = np.broadcast_arrays(a, b)
    conc = np.stack([a, b], axis=-1)
    K = np.array([getattr(ag, f"K_{receptor}"), getattr(an, f"K_{receptor}")])
    tau = R * np.array([getattr(ag, f"tau_{receptor}"), getattr(an, f"tau_{receptor}")])
    return _ufuncs.operational_multi(conc, K, tau, m)


def _transducer(s, m):
    s = np.maximum(s, 0.0)
    sm = s ** m
    return sm / (1.0 + sm)


def drug_response(plasma_conc, drug="morphine", params=None, *, receptors="acute",
                  output="opioid_analgesia"):
    """Steady-state opioid effect of a constant plasma concentration of one drug.

    The concentration-response a steady infusion would show after hours: the
    effect site at ``f_brain * plasma_conc`` (nmol/L), beta-endorphin at its
    base CSF level, every ligand at binding equilibrium (a kinetic ligand at
    its steady bound fraction), the operational model with the functional
    receptor fractions given by ``receptors``:

    * ``"acute"`` (default): the subject's chronic resting fraction, and the
      acute desensitization at its steady state for the drug's drive (what a
      constant concentration held for an hour or more gives);
    * ``"rest"``: the resting fractions (no desensitization by the drug);
    * an array (3,) of fractions at mu, delta and kappa, held fixed (e.g.
      those reached after chronic dosing, read from a simulation's
      ``receptor_mu|delta|kappa``).

    Parameters
    ----------
    plasma_conc : array_like
        Plasma concentration, nmol/L, >= 0.
    drug : str or endorphin.drugs.Drug
    params : array_like, optional
        Engine parameters (default :func:`default_parameters`).
    output : {"opioid_analgesia", "pain_threshold", "effect_mu"}
        ``pain_threshold`` is ``1 / (1 - opioid_analgesia)`` (capped at 10),
        the ratio Sarton et al. (2000) report as the electrical pain threshold.

    Returns
    -------
    ndarray
        The output at each concentration.

    Examples
    --------
    >>> from endorphin.model import drug_response
    >>> round(float(drug_response(71.2, "morphine", output="pain_threshold")), 2)
    2.0
    """
    from . import drugs
    d = drugs.get(drug)
    P = dict(zip(_ENGINE.params, default_parameters() if params is None
                 else np.asarray(params, dtype=np.float64)))
    c = np.asarray(plasma_conc, dtype=np.float64)
    if not np.isfinite(c).all() or (c < 0).any():
        raise ValueError("plasma_conc must be finite and >= 0 (nmol/L)")
    if output not in ("opioid_analgesia", "pain_threshold", "effect_mu"):
        raise ValueError(f"output must be 'opioid_analgesia', 'pain_threshold' or "
                         f"'effect_mu', got {output!r}")
    L = d.f_brain * c
    Lb = 1e-3 * P["bend_csf_base"]
    B = 0.0
    if d.kinetic:
        y = d.kon * L ** d.n / d.koff
        B = y / (1.0 + y)
    s = {}
    for r in ("mu", "delta", "kappa"):
        xb = Lb / P[f"K_bend_{r}"]
        if d.kinetic and r == "mu":
            share = (1.0 - B) / (1.0 + xb)
            s[r] = P[f"tau_bend_{r}"] * share * xb + d.tau_mu * B
        else:
            x = L / getattr(d, f"K_{r}")
            share = 1.0 / (1.0 + xb + x)
            s[r] = P[f"tau_bend_{r}"] * share * xb + getattr(d, f"tau_{r}") * share * x
    if isinstance(receptors, str):
        if receptors not in ("acute", "rest"):
            raise ValueError(f"receptors must be 'acute', 'rest' or 3 fractions, got "
                             f"{receptors!r}")
        R = {}
        for r in ("mu", "delta", "kappa"):
            d0 = _transducer(P[f"tau_bend_{r}"] * Lb / (P[f"K_bend_{r}"] + Lb),
                             P[f"slope_{r}"])
            ka, kc = P[f"k_rec_acute_{r}"], P[f"k_rec_chronic_{r}"]
            rc = kc / (kc + P[f"k_des_chronic_{r}"] * d0)
            drive = _transducer(s[r], P[f"slope_{r}"]) if receptors == "acute" else d0
            ra = ka / (ka + P[f"k_des_acute_{r}"] * drive)
            R[r] = P[f"receptor_{r}"] * ra * rc
    else:
        arr = np.asarray(receptors, dtype=np.float64)
        if arr.shape != (3,) or not np.isfinite(arr).all() or (arr < 0).any():
            raise ValueError("receptors must be 'acute', 'rest' or 3 fractions >= 0")
        R = dict(zip(("mu", "delta", "kappa"), arr))
    eff = {r: _transducer(R[r] * s[r], P[f"slope_{r}"]) for r in s}
    if output == "effect_mu":
        return eff["mu"]
    a = 1.0 - np.prod([1.0 - P[f"w_{r}"] * eff[r] for r in eff], axis=0)
    if output == "opioid_analgesia":
        return a
    return np.where(1.0 - a > 0.1, 1.0 / np.maximum(1.0 - a, 0.1), 10.0)


def ac50(drug="morphine", params=None, *, receptors="acute", level=0.5):
    """Plasma concentration (nmol/L) at which :func:`drug_response` gives opioid
    analgesia ``level`` (0.5: the pain threshold doubles, Sarton et al. 2000's
    AC50); NaN if the drug never reaches it."""
    def f(logc):
        return float(drug_response(np.exp(logc), drug, params, receptors=receptors)) - level
    lo, hi = np.log(1e-6), np.log(1e7)
    if f(lo) >= 0 or f(hi) <= 0:
        return float("nan")
    for _ in range(200):            # bisection on log c: the response increases with c
        mid = 0.5 * (lo + hi)
        if f(mid) < 0:
            lo = mid
        else:
            hi = mid
        if hi - lo < 1e-13:
            break
    return float(np.exp(0.5 * (lo + hi)))


def stimulus_inputs(segments, t0: float, t_end: float, *, names=None):
    """Breaks and inputs for ``core.simulate`` from stimulus segments.

    ``segments``: iterable of ``(input_name, start, duration, level)``, input
    names from ``names`` (default ``core.models["endorphin"].inputs``; the
    drug variants add ``drug<k>_rate`` ...); overlapping segments add.
    Returns ``breaks (B,)`` and ``inputs (B+1, len(names))``.
    """
    names = _ENGINE.inputs if names is None else tuple(names)
    edges = set()
    segs = []
    for seg in segments:
        if len(seg) != 4:
            raise ValueError("each segment must be (input, start, duration, level)")
        name, start, dur, level = seg
        if name not in names:
            raise ValueError(f"unknown input {name!r}; known: {names}")
        for lab, v in (("start", start), ("duration", dur), ("level", level)):
            if isinstance(v, bool) or not np.isscalar(v) or not np.isfinite(v):
                raise ValueError(f"segment {lab} must be a finite number, got {v!r}")
        if dur < 0 or level < 0:
            raise ValueError(f"segment duration and level must be >= 0, got {dur}, {level}")
        a, b = max(float(start), t0), min(float(start) + float(dur), t_end)
        if b <= a:
            continue
        segs.append((names.index(name), a, b, float(level)))
        edges.update(e for e in (a, b) if t0 < e < t_end)
    breaks = np.array(sorted(edges))
    inputs = np.zeros((breaks.size + 1, len(names)))
    lefts = np.concatenate([[t0], breaks])
    for j, a, b, level in segs:
        inputs[(lefts >= a) & (lefts < b), j] += level
    return breaks, inputs


def _merge_doses(pulses, doses, n, model_states=None):
    """Pulse doses (N, Dp) and user doses into one per-subject schedule,
    sorted by time in every row (the states travel with their doses)."""
    if not isinstance(doses, (tuple, list)) or len(doses) != 3:
        raise TypeError("doses must be a tuple (times, states, amounts)")
    model_states = _ENGINE.states if model_states is None else model_states
    times, states, amounts = (np.asarray(a) for a in doses)
    if states.dtype.kind in "US":
        bad = [s for s in np.unique(states) if s not in model_states]
        if bad:
            raise ValueError(f"doses state {bad[0]!r} is not a state of the model: "
                             f"{model_states}")
        states = np.vectorize(model_states.index, otypes=[np.int64])(states) \
            if states.size else states.astype(np.int64)
    try:
        D = np.broadcast_shapes(times.shape[-1:], states.shape[-1:], amounts.shape[-1:])[0]
        t = np.broadcast_to(times.astype(np.float64), (n, D))
        s = np.broadcast_to(states.astype(np.int64), (n, D))
        a = np.broadcast_to(amounts.astype(np.float64), (n, D))
    except (ValueError, TypeError) as exc:
        raise ValueError(f"doses times, states and amounts do not fit {n} subjects: "
                         f"{exc}") from None
    T = np.concatenate([pulses[0], t], axis=1)
    S = np.concatenate([pulses[1], s], axis=1)
    A = np.concatenate([pulses[2], a], axis=1)
    order = np.argsort(T, axis=1, kind="stable")
    return (np.take_along_axis(T, order, 1), np.take_along_axis(S, order, 1),
            np.take_along_axis(A, order, 1))


def pulse_doses(params, t0: float, t_end: float, seed: int = 0, doses=None, *,
                first_subject: int = 0, model: str = "endorphin", **pulse_params):
    """The pulse generator's doses for the subjects in ``params`` (N, P), merged
    with the user's ``doses`` (as in :func:`endorphin.core.simulate`).

    Draws each subject's pulses (:func:`pulse_schedule`, keyed by ``seed`` and
    ``first_subject + i``) with the subject's ``tau_pulse``, writes the mean
    pulse multiplier into ``params[:, pulse_mean]`` **in place** (the resting
    state needs it), and returns ``(times, states, amounts)``, each (N, D),
    sorted by time in every row.
    """
    n = params.shape[0]
    pt, pa, pmean = pulse_schedule(n, t0, t_end, seed, first_subject=first_subject,
                                   tau_pulse=params[:, _INDEX["tau_pulse"]], **pulse_params)
    params[:, _INDEX["pulse_mean"]] = pmean
    ps = np.full(pt.shape, _ENGINE.states.index("pulse"), dtype=np.int64)
    if doses is None:
        return pt, ps, pa
    return _merge_doses((pt, ps, pa), doses, n, core.models[model].states)


def simulate(params, t_out, *, segments=(), pulses=False, circadian=True, seed=0,
             t0=None, doses=None, outputs=None, rtol=1e-6, atol=1e-9, threads=None,
             **pulse_params) -> core.SimResult:
    """Run the endorphin model for the subjects in ``params`` (array level).

    ``params`` (N, P) or (P,) from :func:`default_parameters` or
    :func:`sample_parameters`; ``segments`` as in :func:`stimulus_inputs`;
    ``pulses`` draws each subject's pituitary pulses (keyed by ``seed``);
    ``circadian=False`` sets ``a_circ = 0``.  ``doses`` as in
    :func:`endorphin.core.simulate` (e.g. ``([0.0], ["bend_plasma"], [50.0])``
    for an IV bolus raising plasma by 50 pmol/L).  The initial state is each
    subject's resting state.
    """
    params = np.array(core._float_array(params, "params", (1, 2)), dtype=np.float64)
    if params.ndim == 1:
        params = params[None]
    if params.shape[1] != len(_ENGINE.params):
        raise ValueError(f"params must have {len(_ENGINE.params)} columns (see "
                         f"endorphin.parameters()), got shape {params.shape}")
    t_out = np.asarray(t_out, dtype=np.float64)
    if t_out.ndim != 1 or t_out.size == 0:
        raise ValueError("t_out must be a non-empty 1-D array of times (minutes)")
    t0 = float(t_out[0]) if t0 is None else float(t0)
    t_end = float(t_out[-1])
    N = params.shape[0]
    if not circadian:
        params[:, _INDEX["a_circ"]] = 0.0
    breaks, inputs = stimulus_inputs(segments, t0, t_end)
    if pulses:
        doses = pulse_doses(params, t0, t_end, seed, doses, **pulse_params)
    else:
        params[:, _INDEX["pulse_mean"]] = 0.0
    return core.simulate("endorphin", params, t_out, t0=t0, breaks=breaks,
                         inputs=inputs, doses=doses, outputs=outputs, rtol=rtol,
                         atol=atol, threads=threads)
