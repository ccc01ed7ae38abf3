"""The endorphin model's specification: its one table of record, as plain data.

Everything the model *is*, apart from its equations: the input channels, the states,
the parameters (value, unit, range, variability, source), the outputs (unit, long name,
kind, range) and the layout of a drug slot.  The equations are written by hand, in C
(``csrc/model/endorphin_model.c``) and, independently, in the pure-NumPy oracle
(``endorphin/model/reference.py``); ``docs/model.md`` states them.  From this file:

* ``setup.py`` writes the C layout header ``endorphin_model_layout.h`` (enums of the
  channels, states, parameters, outputs and drug-slot offsets, the counts and the name
  arrays of the five engine variants ``endorphin`` and ``endorphin_d1`` ..
  ``endorphin_d4``);
* :func:`endorphin.parameters` and the parameter draws read :data:`PARAMETERS`,
  :data:`PULSE_PARAMETERS` and :data:`DOSING_PARAMETERS`;
* output units and long names (xarray/pandas, plot labels) come from
  :func:`output_meta`;
* ``tools/param_table.py`` writes the tables of ``docs/model.md``.

This module imports nothing (``setup.py`` runs it with ``runpy`` before the package
is built); it holds literals, comprehensions over them, and three small functions that
expand the names.  Times in minutes, beta-endorphin and ACTH in pmol/L, cortisol in
nmol/L, drugs and affinities in nmol/L.

Adding a stimulus channel: a row of :data:`CHANNELS` (its Hill drive and gains; its
parameters, input and non-opioid state follow), its user-facing class in the scenario
layer, and the reference's channel list.  The C loops over the channels.
"""

#: The engine model and the number of drug slots of its variants
#: (``endorphin``, ``endorphin_d1`` .. ``endorphin_d<MAX_DRUGS>``).
MODEL = "endorphin"
MAX_DRUGS = 4

#: The opioid receptor types, in the order of every per-receptor group.
RECEPTORS = ("mu", "delta", "kappa")

#: beta-endorphin(1-31) molar mass, g/mol (from its sequence).
BEND_MW = 3465.0
#: ACTH(1-39) molar mass, g/mol.
ACTH_MW = 4541.0

# -- sources (short keys -> citation) ----------------------------------------------
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
    "model_md": "endorphin model contract (docs/model.md), provisional value",
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
    "gracely2002": "Gracely RH, Petzke F, Wolf JM, Clauw DJ. Arthritis Rheum "
                   "2002;46:1333-1343 (equal pain needed 2.4 kg/cm2 in fibromyalgia vs "
                   "4.16 kg/cm2 in controls; 2.33 kg/cm2 gave controls 3.05 vs patients "
                   "11.30 on the 0-20 scale)",
    "fm_pain": "Mease PJ et al. J Rheumatol 2008;35:502 (748 fibromyalgia patients, "
               "baseline pain 7.1/10); pooled pregabalin fibromyalgia trials, Arnold LM "
               "et al.: baseline 5.8 +- 0.8 (moderate) and 7.9 +- 0.7 (severe) "
               "subgroups, inclusion pain >= 4",
    "harris2005": "Harris RE et al. Arthritis Rheum 2005;52:3670 (125 fibromyalgia "
                  "patients, e-diary pain variability index 1.61 +- 0.66)",
    "datapain": "DATAPAIN cohort, Pain Pract, doi:10.1111/papr.13089 (n = 1,661 chronic "
                "pain patients: SD of the change in NRS 2.70 at the end of treatment, "
                "2.48 while it was ongoing)",
    "affleck1991": "Affleck G, Tennen H, Urrows S, Higgins P. Health Psychol "
                   "1991;10:419-426 (47 rheumatoid arthritis patients, 75 daily pain "
                   "reports: most series significantly autocorrelated from day to day)",
    "crawford2001": "Crawford JR, Henry JD, Crombie C, Taylor EP. Br J Clin Psychol "
                    "2001;40:429-434 (HADS norms, N = 1792 UK adults)",
    "herrmann1997": "Herrmann C. J Psychosom Res 1997;42:17-41 (HADS review: "
                    "test-retest r > 0.80 for up to 2 weeks)",
    "nummenmaa2020": "Nummenmaa L et al. Neuropsychopharmacology 2020;45:1953 (135 "
                     "healthy subjects, [11C]carfentanil PET: depression and anxiety "
                     "scores lower with lower mu availability)",
    "pomeranz": "Pomeranz B (review chapter): high-frequency electro-acupuncture analgesia "
                "is not endorphin-mediated; EA +27 % dental pain threshold, partly "
                "naloxone-reversible (Acupunct Electrother Res 1987;12(1))",
    # practice over weeks
    "qiu2010": "Qiu S, Chen P, Zhang C. Chin J Sports Med 2010;(1):14-17 (meta-analysis, 35 "
               "controlled trials, 889 sedentary healthy adults: VO2max +3.61 mL/kg/min, 95 % "
               "CI 2.96-4.25, +13.2 % of 27.26)",
    "huang2005": "Huang G, Gibson CA, Tran ZV, Osness WH. Prev Cardiol 2005;8:217-225 "
                 "(41 trials, 2,102 sedentary older adults: VO2max +3.78 mL/kg/min, +16.3 %)",
    "mujika2001": "Mujika I, Padilla S. Med Sci Sports Exerc 2001;33:413-421; Sports Med "
                  "2000;30:79-87 and 145-154 (recently acquired VO2max gains are completely "
                  "lost after training stoppage longer than 4 weeks)",
    "coyle1984": "Coyle EF, Martin WH, Sinacore DR, et al. J Appl Physiol 1984;57:1857-1864 "
                 "(athletes: VO2max -7 % after 12 days, -14 % after 56 days of detraining)",
    "jones2014": "Jones MD, Booth J, Taylor JL, Barry BK. Med Sci Sports Exerc "
                 "2014;46:1640-1647 (6 weeks, 3 x 30 min/week at 75 % VO2 reserve: "
                 "ischaemic pain tolerance up, pressure pain threshold unchanged)",
    "hauser2010": "Häuser W, Klose P, Langhorst J, et al. Arthritis Res Ther 2010;12:R79 "
                  "(28 RCTs, 2,494 FM patients: pain SMD 0.31, 95 % CI 0.17-0.46; slight to "
                  "moderate intensity, 2-3 sessions/week, >= 4 weeks)",
    "goyal2014": "Goyal M, Singh S, Sibinga EMS, et al. JAMA Intern Med 2014;174:357-368 "
                 "(8-week meditation programmes: pain ES 0.33, 95 % CI 0.03-0.62)",
    "kosek1996": "Kosek E, Ekholm J, Hansson P. Pain 1996;64:415-423 (contraction at 22 % "
                 "MVC to exhaustion: pressure pain thresholds rose in 14 controls and fell "
                 "in 14 FM patients)",
    "sluka2013": "Bement MKH, Sluka KA. Arch Phys Med Rehabil 2005;86:1736 and Stagg NJ et "
                 "al. Anesthesiology 2011;114:940 (rodents: regular exercise reduces "
                 "hyperalgesia, reversed by naloxone, with more opioid in PAG/RVM)",
}

_ASSUMED = "assumed: "

# -- inputs ----------------------------------------------------------------------------
#: The fields of a stimulus channel's parameters, in the engine's order (channel k's
#: parameters are ``<channel>_<field>``, a block of ``len(CHANNEL_PARAMETERS)`` from
#: ``k * len(CHANNEL_PARAMETERS)``).
CHANNEL_PARAMETERS = ("u50", "n", "gain_pituitary", "gain_hypothalamic", "nonopioid_gain")

# a channel on a 0-1 scale without dose-response data (the defaults of CHANNELS' rows)
_SCALE = dict(unit="0-1", range="0-1", u50=0.5, u50_cv=0.2, u50_source=None, n=1.0,
              n_low=0.5, n_high=4.0, n_source=None, nonopioid_gain=0.0,
              nonopioid_source=None)

#: Stimulus channels, in the engine's input order: the input's name, unit, range and
#: meaning, and the Hill form of its drive, ``h(u) = u^n / (u50^n + u^n)`` for u > 0
#: (``u50``, ``n``, with CV and range), its maximal drives to the pituitary and
#: hypothalamic POMC pools and its non-opioid (naloxone-insensitive) analgesia.  A
#: source of None: the generic one of its parameter (see ``_channel_rows``).
CHANNELS = (
    dict(_SCALE, name="exercise", unit="fraction of VO2max", range="0 to about 1.2",
         meaning="intensity relative to VO2max",
         u50=0.75, u50_cv=0.04,
         u50_source="calibrated: tools/calibration/calibrate.py to Goldfarb 1990 (no rise at 60 %, "
                    "rise by 15 min at 70 %, 5-fold at 80 %); the steep slope stands for "
                    "the lactate threshold",
         n=20.0, n_low=10.0, n_high=30.0,
         n_source="docs/model.md, Inputs: a slope near 20 is required for exercise ("
                  + SOURCES["goldfarb1990"] + ")",
         gain_pituitary=1.0, gain_hypothalamic=0.8, nonopioid_gain=0.10,
         nonopioid_source="assumed: part of exercise hypoalgesia is not opioid "
                          "(endocannabinoid); size not measured (" + SOURCES["siebers2021"]
                          + ")"),
    dict(_SCALE, name="stress", meaning="intensity", n=2.0,
         gain_pituitary=0.8, gain_hypothalamic=0.4),
    dict(_SCALE, name="pain", unit="NRS 0-10", range="0-10", meaning="nociceptive input",
         u50=5.0, n=2.0, gain_pituitary=0.6, gain_hypothalamic=0.6),
    dict(_SCALE, name="laughter", meaning="intensity",
         gain_pituitary=0.1, gain_hypothalamic=0.6),
    dict(_SCALE, name="meditation", meaning="intensity",
         gain_pituitary=0.05, gain_hypothalamic=0.1, nonopioid_gain=0.20,
         nonopioid_source="assumed: about 20 % less pain, naloxone-insensitive (May 2018: "
                          "unpleasantness -20 %; " + SOURCES["zeidan2016"] + ")"),
    dict(_SCALE, name="acupuncture", meaning="intensity (low-frequency, opioid-mediated "
                                             "part)",
         gain_pituitary=0.2, gain_hypothalamic=0.8, nonopioid_gain=0.10,
         nonopioid_source="assumed: the naloxone-insensitive part of acupuncture analgesia "
                          "(" + SOURCES["pomeranz"] + ")"),
    dict(_SCALE, name="placebo", meaning="expectation",
         gain_pituitary=0.1, gain_hypothalamic=0.6),
)

#: The inputs after the channels: infusions of beta-endorphin.
INFUSIONS = (
    dict(name="bend_iv_rate", unit="pmol/L/min", range=">= 0",
         meaning="beta-endorphin infused into plasma"),
    dict(name="bend_icv_rate", unit="pmol/L/min", range=">= 0",
         meaning="beta-endorphin infused into the CSF compartment"),
)

# symptoms
#: The inputs after the infusions: each subject's day-to-day fluctuation of its
#: symptoms, a unit Ornstein-Uhlenbeck process sampled once a day (at midnight of the
#: clock) and held piecewise constant, drawn by :mod:`endorphin.model.symptoms` (0: the
#: subject's typical level).
SYMPTOM_INPUTS = tuple(
    dict(name=f"{s}_fluctuation", unit="1", range="about -4 to 4",
         meaning=f"day-to-day fluctuation of {what} (unit Ornstein-Uhlenbeck process, "
                 f"held constant over each calendar day)")
    for s, what in (("pain", "ongoing pain"), ("anxiety", "the anxiety score"),
                    ("depression", "the depression score")))
# practice over weeks
#: The inputs after the infusions: the absolute exercise workload, which the model divides
#: by the subject's current VO2max (the ``vo2max`` output) and adds to the exercise
#: channel, so that the same workload is a lower relative intensity as fitness rises.
PRACTICE_INPUTS = (
    dict(name="exercise_vo2", unit="mL/kg/min", range=">= 0",
         meaning="absolute exercise workload (oxygen uptake), read with the current VO2max"),
)

# long horizons
#: The pituitary pulses as a mean field: a constant rate into the pulse multiplier
#: (pulse_mean / tau_pulse holds it at its time average), used by
#: ``Scenario.simulate(resolution="day")`` instead of the discrete pulses.
LONG_INPUTS = (
    dict(name="pulse_rate", unit="1/min", range=">= 0",
         meaning="mean-field pulse drive into the pulse multiplier (resolution 'day'; 0 "
                 "with discrete pulses or none)"),
    dict(name="acute_qss", unit="1", range="0 or 1",
         meaning="1: the acute receptor factors at their quasi-steady state k_rec / (k_rec "
                 "+ k_des drive), their states held (resolution 'day')"),
)

#: Every input of the model without drugs, in the engine's order (name, unit, range,
#: meaning).
INPUTS = tuple({k: c[k] for k in ("name", "unit", "range", "meaning")}
               for c in CHANNELS + INFUSIONS + SYMPTOM_INPUTS + PRACTICE_INPUTS
               + LONG_INPUTS)

# -- states ----------------------------------------------------------------------------
#: The states of the model without drugs, in the engine's order: name, unit, equation.
STATES = (
    dict(name="act_p", unit="1", equation="dA_p/dt = (D_p - A_p) / tau_act"),
    dict(name="act_h", unit="1", equation="dA_h/dt = (D_h - A_h) / tau_act"),
    dict(name="syn_p", unit="1", equation="dP_p/dt = (c(t) (1 + sigma_p A_p) - P_p) / tau_syn"),
    dict(name="syn_h", unit="1", equation="dP_h/dt = (c(t) (1 + sigma_h A_h) - P_h) / tau_syn"),
    dict(name="store_p", unit="1", equation="dS_p/dt = (P_p - r_p S_p) / store_time_p"),
    dict(name="store_h", unit="1", equation="dS_h/dt = (P_h - r_h S_h) / store_time_h"),
    dict(name="pulse", unit="1",
         equation="dpi/dt = -pi / tau_pulse (pulses are jumps of pi, applied as doses)"),
    dict(name="bend_plasma", unit="pmol/L",
         equation="dC_p/dt = k_p (bend_plasma_base r_p S_p - C_p) + bend_iv_rate"),
    dict(name="bend_csf", unit="pmol/L",
         equation="dC_h/dt = k_h (bend_csf_base r_h S_h - C_h) + bend_icv_rate"),
    dict(name="acth", unit="pmol/L", equation="dX/dt = k_X (acth_base r_p S_p - X)"),
    dict(name="cortisol", unit="nmol/L",
         equation="dF/dt = k_F (cortisol_base H(X) / H(acth_base) - F)"),
    *(dict(name=f"nonopioid_{c['name']}", unit="1",
           equation="dN_k/dt = (h_k(u_k) - N_k) / tau_nonopioid") for c in CHANNELS),
    *(dict(name=f"receptor_acute_{r}", unit="1",
           equation="dQ_r/dt = k_rec_acute_r (1 - Q_r) - k_des_acute_r G_r Q_r")
      for r in RECEPTORS),
    *(dict(name=f"receptor_chronic_{r}", unit="1",
           equation="dZ_r/dt = k_rec_chronic_r (1 - Z_r) - k_des_chronic_r G_r Z_r")
      for r in RECEPTORS),
    # practice over weeks (x = u_exercise + exercise_vo2 / VO2max: relative intensity)
    dict(name="training_load", unit="fraction of VO2max x min",
         equation="dL/dt = x - L / tau_load"),
    dict(name="fitness", unit="1",
         equation="dF/dt = [x = 0] k_fitness L (fitness_max - F) - F / tau_detrain; "
                  "VO2max = vo2max_base (1 + F)"),
    dict(name="practice_exercise", unit="1",
         equation="dP_x/dt = k_practice_exercise L (1 - P_x) - P_x / tau_practice_exercise"),
    dict(name="practice_meditation", unit="1",
         equation="dP_m/dt = k_practice_meditation u_meditation (1 - P_m) "
                  "- P_m / tau_practice_meditation"),
    dict(name="exercise_flare", unit="1",
         equation="dH/dt = flare_rate x (1 - P_x) - H / tau_flare"),
)

# -- parameters ------------------------------------------------------------------------
# A parameter row: (name, value, unit, low, high, cv, description, source).  [low, high]
# is the range over which the model is documented and tested; cv the inter-individual
# coefficient of variation of a log-normal draw (0: the same for every subject).


def _channel_rows(c):
    """The CHANNEL_PARAMETERS rows of channel ``c`` (a row of CHANNELS)."""
    k = c["name"]
    gp, gh = c["gain_pituitary"], c["gain_hypothalamic"]
    return [
        (f"{k}_u50", c["u50"], c["unit"], 0.5 * c["u50"], 1.5 * c["u50"], c["u50_cv"],
         f"{k} intensity giving half the maximal drive",
         c["u50_source"] or _ASSUMED + "no dose-response data; midpoint of the scale"),
        (f"{k}_n", c["n"], "1", c["n_low"], c["n_high"], 0.0, f"Hill slope of the {k} drive",
         c["n_source"] or _ASSUMED + "no dose-response data; a gentle saturating slope"),
        (f"{k}_gain_pituitary", gp, "1", 0.0, 2.0 * max(gp, 0.1), 0.0,
         f"maximal drive of {k} to the pituitary POMC pool", SOURCES["model_md"] + " (Inputs)"),
        (f"{k}_gain_hypothalamic", gh, "1", 0.0, 2.0 * max(gh, 0.1), 0.0,
         f"maximal drive of {k} to the hypothalamic (arcuate) POMC pool",
         SOURCES["model_md"] + " (Inputs)"),
        (f"{k}_nonopioid_gain", c["nonopioid_gain"], "1", 0.0, 0.5, 0.0,
         f"maximal non-opioid (naloxone-insensitive) analgesia from {k}",
         c["nonopioid_source"] or _ASSUMED + "no naloxone-insensitive component reported"),
    ]


#: The engine parameters of the model without drugs, in the engine's order.
PARAMETERS = tuple(row for c in CHANNELS for row in _channel_rows(c)) + (
    ("tau_act", 5.0, "min", 2.0, 15.0, 0.2, "activation time constant of both pools",
       SOURCES["model_md"] + " (tau_A ~ 5 min); " + _ASSUMED + "no direct measurement"),
    ("tau_syn", 120.0, "min", 60.0, 480.0, 0.2,
       "time constant of POMC synthesis capacity", _ASSUMED + "hours-scale POMC "
       "transcription and processing; 120 rather than the contract's provisional ~240 "
       "min so that a circadian synthesis amplitude below 1 can give the measured plasma "
       "rhythm through the three lags (see tools/calibration/calibrate.py)"),
    ("sigma_p", 1.0, "1", 0.0, 3.0, 0.0, "induction of pituitary synthesis by activation",
       _ASSUMED + "synthesis doubles at full activation"),
    ("sigma_h", 1.0, "1", 0.0, 3.0, 0.0, "induction of hypothalamic synthesis by activation",
       _ASSUMED + "synthesis doubles at full activation"),
    ("store_time_p", 1200.0, "min", 600.0, 3000.0, 0.2,
       "1 / k_rel of the pituitary store; with pulses on the store holds "
       "store_time_p / (1 + pulse_mean) minutes of basal secretion (600 at the defaults)",
       "calibrated: a 5-fold plasma peak after 30 min at 80 % VO2max needs a store of "
       "many hours of basal secretion (Goldfarb 1990), and a store "
       "small enough that a circadian synthesis amplitude below 1 gives the plasma rhythm"),
    ("store_time_h", 600.0, "min", 300.0, 1500.0, 0.2,
       "hypothalamic releasable store, in minutes of basal secretion",
       _ASSUMED + "as the pituitary store; no human measurement"),
    ("rho_p", 15.22, "1", 2.0, 40.0, 0.3, "release gain of the pituitary pool per unit activation",
       "calibrated: tools/calibration/calibrate.py to the Goldfarb 1990 80 % VO2max peak "
       "(21.91 +- 2.03 pmol/L; population mean, cycling from 08:00 with pulses and "
       "rhythm on; SD/mean 0.32 over 12 men gives the CV)"),
    ("rho_h", 5.0, "1", 0.0, 20.0, 0.3,
       "release gain of the hypothalamic pool per unit activation",
       _ASSUMED + "CSF rises several-fold with stimulation (Akil 1978: 13-20-fold with "
       "thalamic stimulation); a moderate gain"),
    ("tau_pulse", 10.0, "min", 5.0, 60.0, 0.2,
       "decay time of a pituitary secretory burst (exocytosis multiplier)",
       "calibrated: tools/calibration/pulse_sweep.py to the pulses detected on 10-min plasma samples "
       "(Iranmanesh 1989: 13 +- 1 pulses/24 h, 100 +- 7 min apart, increments 63 +- 13 %); "
       "short bursts, the plasma pulse's length comes from the 37-min half-life"),
    ("pulse_mean", 0.0, "1", 0.0, 2.0, 0.0,
       "time-averaged pulse multiplier used by the resting state (set by the pulse "
       "generator: amplitude x tau_pulse / interval; 0 with pulses off)",
       "derived from pulse_amplitude, tau_pulse and pulse_interval"),
    ("a_circ", 0.7471, "1", 0.0, 0.95, 0.2, "amplitude of the circadian factor on synthesis",
       "calibrated: tools/calibration/calibrate.py, closed form with pulses on: plasma amplitude 23 % "
       "of the 24-h mean (Iranmanesh 1989)"),
    ("t_peak", 203.6, "min after midnight", 0.0, 1440.0, 0.0,
       "clock time of the synthesis peak",
       "calibrated: tools/calibration/calibrate.py, closed form with pulses on: plasma acrophase "
       "10:43 (Iranmanesh 1989); synthesis peaks at 03:24"),
    ("clock_start", 480.0, "min after midnight", 0.0, 1440.0, 0.0,
       "clock time of t = 0 (a scenario setting)", _ASSUMED + "08:00, a morning lab visit"),
    ("t_half_plasma", 37.0, "min", 25.0, 55.0, 0.15,
       "half-life of plasma beta-endorphin", SOURCES["foley1979"]
       + " (terminal t1/2 37 min after IV 5-10 mg); CV " + _ASSUMED + "n = 3"),
    ("t_half_csf", 93.0, "min", 60.0, 140.0, 0.15,
       "half-life of CSF beta-endorphin", SOURCES["foley1979"] + " (after ICV); CV "
       + _ASSUMED + "n small"),
    ("bend_plasma_base", 4.34, "pmol/L", 1.5, 10.0, 0.29,
       "resting plasma beta-endorphin (RIA, <5 % beta-LPH cross-reactivity)",
       SOURCES["goldfarb1990"] + " (4.34 +- 0.36 SE, n = 12: CV 0.29)"),
    ("bend_csf_base", 22.2, "pmol/L", 8.0, 60.0, 0.3,
       "resting lumbar CSF beta-endorphin", SOURCES["nakao1980"]
       + "; CV 0.3 (SE 1.3 over 24 controls)"),
    ("acth_base", 3.06, "pmol/L", 1.5, 6.0, 0.3, "resting plasma ACTH",
       SOURCES["horrocks1990"] + ": mid-range 13.9 ng/L / 4541 g/mol; CV "
       + _ASSUMED + "the mesor range spans 2-fold"),
    ("t_half_acth", 20.0, "min", 10.0, 30.0, 0.1, "half-life of plasma ACTH",
       SOURCES["keenan2004"]),
    ("cortisol_base", 300.0, "nmol/L", 150.0, 550.0, 0.25,
       "resting serum cortisol (morning, total)",
       _ASSUMED + "middle of the usual morning reference range (about 150-550 nmol/L)"),
    ("t_half_cortisol", 49.0, "min", 30.0, 80.0, 0.1, "half-life of total cortisol",
       SOURCES["keenan2004"]),
    ("acth_ec50", 5.73, "pmol/L", 2.0, 15.0, 0.2,
       "ACTH concentration for half-maximal cortisol secretion",
       SOURCES["keenan2004"] + ": 26 ng/L / 4541 g/mol"),
    ("cortisol_hill", 0.65, "1", 0.3, 1.5, 0.0, "slope of cortisol secretion on ACTH",
       SOURCES["keenan2004"]),
    ("tau_nonopioid", 5.0, "min", 1.0, 30.0, 0.0,
       "time constant of the non-opioid analgesic activations",
       _ASSUMED + "'a time constant of minutes' (the model contract, docs/model.md)"),
    ("K_bend_mu", 0.9, "nmol/L", 0.3, 3.0, 0.0, "beta-endorphin affinity at mu",
       SOURCES["molecules2022"]),
    ("K_bend_delta", 2.0, "nmol/L", 0.5, 10.0, 0.0, "beta-endorphin affinity at delta",
       _ASSUMED + "middle of the 1-5 nmol/L range (docs/sources.md, receptor affinities; unverified)"),
    ("K_bend_kappa", 50.0, "nmol/L", 10.0, 200.0, 0.0, "beta-endorphin affinity at kappa",
       _ASSUMED + "middle of the 20-100 nmol/L range; 'low affinity for kappa' "
                  "(UniProt OPRK)"),
    ("tau_bend_mu", 2.0, "1", 0.5, 10.0, 0.0,
       "in-vivo efficacy (receptor reserve) of beta-endorphin at mu",
       _ASSUMED + "small resting opioid tone (naloxone alone barely changes pain: "
                  "Grevert 1983): with it naloxone removes an opioid analgesia of about "
                  "0.04 at rest (tests/validation/test_drug_targets.py)"),
    ("tau_bend_delta", 1.0, "1", 0.2, 5.0, 0.0, "efficacy of beta-endorphin at delta",
       _ASSUMED + "lower reserve than mu"),
    ("tau_bend_kappa", 1.0, "1", 0.2, 5.0, 0.0, "efficacy of beta-endorphin at kappa",
       _ASSUMED + "lower reserve than mu"),
    ("slope_mu", 1.0, "1", 0.5, 2.0, 0.0, "operational slope at mu",
       _ASSUMED + "the hyperbolic operational model"),
    ("slope_delta", 1.0, "1", 0.5, 2.0, 0.0, "operational slope at delta",
       _ASSUMED + "the hyperbolic operational model"),
    ("slope_kappa", 1.0, "1", 0.5, 2.0, 0.0, "operational slope at kappa",
       _ASSUMED + "the hyperbolic operational model"),
    ("receptor_mu", 1.0, "1", 0.1, 1.0, 0.0,
       "mu-receptor availability (scales the functional fraction; conditions lower it)",
       _ASSUMED + "healthy reference = 1"),
    ("receptor_delta", 1.0, "1", 0.1, 1.0, 0.0, "delta-receptor availability",
       _ASSUMED + "healthy reference = 1"),
    ("receptor_kappa", 1.0, "1", 0.1, 1.0, 0.0, "kappa-receptor availability",
       _ASSUMED + "healthy reference = 1"),
    ("w_mu", 1.0, "1", 0.0, 1.0, 0.0, "weight of mu effect in analgesia",
       SOURCES["model_md"]),
    ("w_delta", 0.5, "1", 0.0, 1.0, 0.0, "weight of delta effect in analgesia",
       SOURCES["model_md"]),
    ("w_kappa", 0.3, "1", 0.0, 1.0, 0.0, "weight of kappa effect in analgesia",
       SOURCES["model_md"]),
    ("v_mu", 1.0, "1", 0.0, 2.0, 0.0, "weight of mu effect in mood",
       _ASSUMED + "mu reward as the unit of mood"),
    ("v_delta", 0.5, "1", 0.0, 2.0, 0.0, "weight of delta effect in mood",
       _ASSUMED + "delta anxiolysis, half of mu"),
    ("v_kappa", 1.0, "1", 0.0, 2.0, 0.0, "weight of kappa effect in mood (dysphoria)",
       _ASSUMED + "kappa dysphoria as strong as mu reward"),
    *[(f"k_des_acute_{r}", 0.0462, "1/min", 0.0, 0.2, 0.0,
         f"acute desensitization/internalization rate of {r} per unit agonist drive",
         ("calibrated: k_des = k_rec (1/0.6 - 1), so that a saturating agonist leaves "
          "60 % of receptors functional (about 40 % internalized at the 30-min maximum: "
          + SOURCES["lifesci2003"] + ")") if r == "mu" else
         _ASSUMED + "as mu (no human data on acute delta/kappa desensitization)")
      for r in ("mu", "delta", "kappa")],
    *[(f"k_rec_acute_{r}", 0.0693, "1/min", 0.01, 0.5, 0.0,
         f"recovery rate of acute {r} desensitization (t1/2 10 min)",
         ("calibrated: t1/2 10 min, so recovery is 95 % complete after about 45 min, "
          "between " + SOURCES["dang2004"] + " (within 25 min) and the 60-min recycling "
          "of " + SOURCES["lifesci2003"] + "; with a saturating agonist the onset "
          "then has a 9-min time constant, reaching its plateau by 30 min") if r == "mu"
         else _ASSUMED + "as mu (no human data on delta/kappa recovery kinetics)")
      for r in ("mu", "delta", "kappa")],
    *[(f"k_des_chronic_{r}", 0.000758, "1/min", 0.0, 0.01, 0.0,
         f"chronic {r} down-regulation rate per unit agonist drive (tolerance)",
         ("calibrated: tools/calibration/calibrate.py to a 5.5-fold right shift of the morphine "
          "concentration-analgesia curve after 3 days of continuous morphine (middle of "
          "the 4-7-fold of " + SOURCES["way1969"] + ")") if r == "mu" else
         _ASSUMED + "as mu (no data on chronic delta/kappa down-regulation)")
      for r in ("mu", "delta", "kappa")],
    *[(f"k_rec_chronic_{r}", 0.000241, "1/min", 0.00005, 0.002, 0.0,
         f"recovery rate of chronic {r} down-regulation (t1/2 2 days)",
         (_ASSUMED + "recovery over days (chronic tolerance develops over days: "
          "docs/model.md, Drugs, tolerance and conditions); t1/2 2 days, so tolerance is mostly gone a week after stopping")
         if r == "mu" else _ASSUMED + "as mu (no data on delta/kappa recovery after "
                                      "chronic agonists)")
      for r in ("mu", "delta", "kappa")],
    # symptoms (docs/model.md, "Symptoms"): read by the outputs only, except the
    # correlation times, which the symptom generator (endorphin.model.symptoms) reads
    ("pain_sensitization", 0.0, "1", 0.0, 3.0, 0.35,
       "central sensitization: a nociceptive input hurts (1 + pain_sensitization) times "
       "as much (0: the healthy reference)",
       _ASSUMED + "0 in the healthy reference; the CV is the spread of pressure pain "
       "thresholds in fibromyalgia samples (about 0.35-0.5 of the mean), part of it "
       "measurement; the fibromyalgia preset sets the value (" + SOURCES["gracely2002"]
       + ")"),
    ("pain_ongoing", 0.0, "NRS 0-10", 0.0, 10.0, 0.0,
       "population mean of ongoing (spontaneous) pain at rest, NRS points (0: "
       "pain-free; conditions set it)",
       _ASSUMED + "the healthy reference is pain-free (controls of fibromyalgia and "
       "chronic-pain studies are selected pain-free); conditions set it from trial "
       "baselines"),
    ("pain_between_cv", 0.09, "1", 0.0, 1.0, 0.0,
       "between-subject CV of ongoing pain (log-normal trait, mean 1)",
       "calibrated: with pain_day_cv, the SD of 7-day mean baselines in fibromyalgia "
       "trials (about 1.3 NRS at 6.8: " + SOURCES["fm_pain"] + "; trial inclusion "
       "narrows it) and the SD of the change over weeks, about 2.5 (" + SOURCES["datapain"]
       + "); tests/model/test_symptoms.py, tests/practice"),
    ("pain_day_cv", 0.25, "1", 0.0, 0.5, 0.0,
       "day-to-day CV of ongoing pain (SD of the daily level / the subject's mean)",
       "calibrated: the SD of the change in recorded NRS over weeks, about 2.5 points ("
       + SOURCES["datapain"] + "), with the rater's 0.5; a daily SD of 1.7 NRS points at "
       "6.8, as the within-person SD of momentary e-diary ratings in fibromyalgia, 1.61 "
       "+- 0.66 (" + SOURCES["harris2005"] + ")"),
    ("pain_tau", 2.0, "day", 0.25, 30.0, 0.0,
       "correlation time of the day-to-day pain fluctuation (Ornstein-Uhlenbeck)",
       _ASSUMED + "lag-1 day autocorrelation exp(-1/2) = 0.61; daily pain series are "
       "positively autocorrelated (" + SOURCES["affleck1991"] + "), the size is not "
       "in the abstract"),
    ("pain_trait", 1.0, "1", 0.0, 10.0, 0.0,
       "the subject's ongoing-pain multiplier (set per subject by the symptom "
       "generator: log-normal, mean 1, CV pain_between_cv)",
       "derived from pain_between_cv by endorphin.model.symptoms"),
    ("anxiety_base", 6.14, "HADS 0-21", 0.0, 21.0, 0.0,
       "population mean anxiety score (HADS-A) at full mu availability",
       SOURCES["crawford2001"] + " (HADS-A 6.14, SD 3.76)"),
    ("anxiety_between_cv", 0.6, "1", 0.0, 1.5, 0.0,
       "between-subject CV of the anxiety score (log-normal trait, mean 1)",
       "calibrated: with anxiety_day_cv and the HADS's noise (PRO.hads_anxiety), the "
       "SD 3.76 of " + SOURCES["crawford2001"]),
    ("anxiety_day_cv", 0.12, "1", 0.0, 0.5, 0.0,
       "day-to-day CV of the anxiety score",
       _ASSUMED + "HADS scores are stable over weeks (test-retest r above 0.8 within 2 "
       "weeks: " + SOURCES["herrmann1997"] + "); a 12 % day-to-day CV keeps "
       "r about 0.9"),
    ("anxiety_tau", 7.0, "day", 0.25, 60.0, 0.0,
       "correlation time of the day-to-day anxiety fluctuation (Ornstein-Uhlenbeck)",
       _ASSUMED + "mood states persist for about the HADS's one-week recall period"),
    ("anxiety_trait", 1.0, "1", 0.0, 10.0, 0.0,
       "the subject's anxiety multiplier (set per subject by the symptom generator: "
       "log-normal, mean 1, CV anxiety_between_cv)",
       "derived from anxiety_between_cv by endorphin.model.symptoms"),
    ("depression_base", 3.68, "HADS 0-21", 0.0, 21.0, 0.0,
       "population mean depression score (HADS-D) at full mu availability",
       SOURCES["crawford2001"] + " (HADS-D 3.68, SD 3.07)"),
    ("depression_between_cv", 0.82, "1", 0.0, 1.5, 0.0,
       "between-subject CV of the depression score (log-normal trait, mean 1)",
       "calibrated: with depression_day_cv and the HADS's noise (PRO.hads_depression), "
       "the SD 3.07 of " + SOURCES["crawford2001"]),
    ("depression_day_cv", 0.12, "1", 0.0, 0.5, 0.0,
       "day-to-day CV of the depression score",
       _ASSUMED + "as anxiety_day_cv (" + SOURCES["herrmann1997"] + ")"),
    ("depression_tau", 7.0, "day", 0.25, 60.0, 0.0,
       "correlation time of the day-to-day depression fluctuation (Ornstein-Uhlenbeck)",
       _ASSUMED + "as anxiety_tau"),
    ("depression_trait", 1.0, "1", 0.0, 10.0, 0.0,
       "the subject's depression multiplier (set per subject by the symptom generator: "
       "log-normal, mean 1, CV depression_between_cv)",
       "derived from depression_between_cv by endorphin.model.symptoms"),
    ("hads_mu_exponent", 1.0, "1", 0.0, 3.0, 0.0,
       "exponent of the link of both HADS scores to mu availability: scores scale as "
       "(receptor_mu x chronic mu factor / its resting value)^-hads_mu_exponent",
       _ASSUMED + "scores inversely proportional to mu availability; the direction is "
       + SOURCES["nummenmaa2020"] + ", the strength is not given in the abstract"),
)

# practice over weeks: appended to PARAMETERS (the engine's order)
_DAY = 1440.0
PRACTICE_PARAMETERS = (
    ("vo2max_base", 40.0, "mL/kg/min", 10.0, 90.0, 0.2,
       "VO2max of the untrained subject (the fitness state adds to it; set from the "
       "population's vo2max covariate or condition)",
       _ASSUMED + "40 for an untrained adult (the package's DEFAULT_VO2MAX; the "
       "sedentary adults of " + SOURCES["qiu2010"] + " averaged 27; FRIEND registry "
       "medians 48.0 and 37.6 in men and women aged 20-29, 24.4 and 18.3 at 70-79, "
       "Kaminsky LA, Arena R, Myers J. Mayo Clin Proc 2015;90:1515); CV 0.2 "
       + _ASSUMED + "the spread of a trial's mixed ages and sexes around its mean"),
    ("tau_load", 1440.0, "min", 360.0, 4320.0, 0.0,
       "decay time of the training load (the signal of a session that drives adaptation)",
       _ASSUMED + "the adaptive signalling of a session lasts about a day"),
    ("k_fitness", 1.035e-06, "1/(fraction of VO2max x min^2)", 0.0, 1e-5, 0.3,
       "rate of fitness gain per unit training load (between sessions)",
       "calibrated: 12 weeks of 3 x 40 min/week at 70 % VO2max raise VO2max by 13.2 % "
       "(" + SOURCES["qiu2010"] + "; 16.3 % in older adults, " + SOURCES["huang2005"]
       + "); CV 0.3 " + _ASSUMED + "trainability varies widely"),
    ("fitness_max", 0.5, "1", 0.2, 1.0, 0.0,
       "largest relative VO2max gain (trainability ceiling)",
       _ASSUMED + "endurance-trained men have about 1.4-1.5 x the VO2max of untrained "
       "(55 vs 40 mL/kg/min, the package's defaults)"),
    ("tau_detrain", 21.0 * _DAY, "min", 7.0 * _DAY, 84.0 * _DAY, 0.0,
       "time constant of detraining (loss of the fitness gain when training stops)",
       "calibrated: 26 % of a recent gain is left 4 weeks after stopping and 7 % after 8 "
       "weeks (" + SOURCES["mujika2001"] + "; " + SOURCES["coyle1984"] + ")"),
    ("k_practice_exercise", 2.41e-06, "1/(fraction of VO2max x min^2)", 0.0, 2e-5, 0.3,
       "rate at which exercise sessions train pain modulation and central opioid tone",
       "calibrated: P_x = 0.6 after 12 weeks of 3 x 40 min/week at 60 % VO2max, which "
       "with practice_exercise_nonopioid and _opioid gives the fibromyalgia pain SMD of "
       + SOURCES["hauser2010"] + " (docs/model.md, Practice); rise time about 17 days "
       + _ASSUMED + "no human time course"),
    ("tau_practice_exercise", 42.0 * _DAY, "min", 14.0 * _DAY, 180.0 * _DAY, 0.0,
       "time constant of the loss of exercise practice when sessions stop",
       _ASSUMED + "6 weeks: the benefits of exercise programmes in fibromyalgia fade over "
       "weeks to months after they end (" + SOURCES["hauser2010"] + ": benefits at "
       "follow-up uncertain)"),
    ("practice_exercise_nonopioid", 0.145, "1", 0.0, 0.5, 0.0,
       "tonic naloxone-insensitive analgesia of full exercise practice (P_x = 1)",
       "calibrated: jointly with k_practice_exercise, to " + SOURCES["hauser2010"] + "; the "
       "non-opioid share " + _ASSUMED + "trained pain modulation with no plasma rise "
       "(" + SOURCES["jones2014"] + "); naltrexone does not touch fibromyalgia pain "
       "(Younger 2009)"),
    ("practice_exercise_opioid", 0.3, "1", 0.0, 2.0, 0.0,
       "relative rise of central (CSF) opioid tone at full exercise practice",
       _ASSUMED + "regular exercise raises central opioid content and its analgesia is "
       "naloxone-reversible in rodents (" + SOURCES["sluka2013"] + "); no human size"),
    ("k_practice_meditation", 9.92e-04, "1/(intensity x min)", 0.0, 0.01, 0.3,
       "rate at which meditation sessions train the non-opioid pathway",
       "calibrated: P_m = 0.58 after 8 weeks of daily 30-min meditation, rise time about 3 "
       "weeks, giving the 8-week pain effect of " + SOURCES["goyal2014"]
       + " (docs/model.md, Practice)"),
    ("tau_practice_meditation", 56.0 * _DAY, "min", 14.0 * _DAY, 365.0 * _DAY, 0.0,
       "time constant of the loss of meditation practice when sessions stop",
       _ASSUMED + "8 weeks: the effects of 8-week programmes are partly kept at "
                  "3-6-month follow-up"),
    ("practice_meditation_nonopioid", 0.15, "1", 0.0, 0.5, 0.0,
       "tonic naloxone-insensitive analgesia of full meditation practice (P_m = 1)",
       "calibrated: jointly with k_practice_meditation, to " + SOURCES["goyal2014"] + "; "
       "non-opioid: " + SOURCES["zeidan2016"]),
    ("flare_rate", 0.0, "1/(fraction of VO2max x min)", 0.0, 0.05, 0.0,
       "growth of the post-exercise pain flare per unit relative intensity (0: healthy)",
       _ASSUMED + "none in healthy people, whose thresholds rise after exercise; the "
       "fibromyalgia preset sets it (" + SOURCES["kosek1996"] + ")"),
    ("tau_flare", 720.0, "min", 120.0, 2880.0, 0.0,
       "decay time of the post-exercise pain flare",
       _ASSUMED + "post-exertional pain in fibromyalgia lasts about a day"),
    ("practice_exercise_mood", 0.25, "1", 0.0, 0.8, 0.0,
       "fractional fall of both HADS scores at full exercise practice (P_x = 1)",
       "calibrated: the depressed-mood effect of aerobic exercise in fibromyalgia, SMD 0.32 "
       "(95 % CI 0.12-0.53), " + SOURCES["hauser2010"] + " (tests/practice); the route "
       + _ASSUMED + "not through mu availability (whose link to mood, Nummenmaa 2020, "
       "runs the other way when the tone rises)"),
    ("practice_meditation_mood", 0.2, "1", 0.0, 0.8, 0.0,
       "fractional fall of both HADS scores at full meditation practice (P_m = 1)",
       "calibrated: the 8-week anxiety ES 0.38 (0.12-0.64) and depression ES 0.30 "
       "(0.00-0.59) of " + SOURCES["goyal2014"] + " (tests/practice); non-opioid "
       + _ASSUMED + "as meditation analgesia (" + SOURCES["zeidan2016"] + ")"),
)

PARAMETERS = PARAMETERS + PRACTICE_PARAMETERS

#: Parameters of the pulse generator (Python side, not engine parameters).
PULSE_PARAMETERS = (
    ("pulse_interval", 100.0, "min", 60.0, 160.0, 0.0,
       "mean interval between pituitary pulses (gamma renewal process)",
       SOURCES["iranmanesh1989"] + " (100 +- 7 min, 13 +- 1 pulses/24 h)"),
    ("pulse_interval_cv", 0.1, "1", 0.05, 1.0, 0.0,
       "coefficient of variation of the inter-pulse intervals",
       "calibrated: tools/calibration/pulse_sweep.py; nearly regular intervals (Iranmanesh 1989: "
       "100 +- 7 min SE over 7 men); irregular intervals make close pairs that merge in "
       "plasma and lower the detected frequency"),
    ("pulse_amplitude", 10.0, "1", 1.0, 20.0, 0.0,
       "mean jump of the pulse multiplier at a pulse",
       "calibrated: tools/calibration/pulse_sweep.py to the detected plasma increments (63 +- 13 %) "
       "and frequency (Iranmanesh 1989)"),
    ("pulse_amplitude_cv", 0.3, "1", 0.0, 1.0, 0.0, "CV of the pulse sizes (log-normal)",
       _ASSUMED + "Iranmanesh 1989 report 63 +- 13 % (SE) increments"),
)

#: Volumes that turn an administered amount of beta-endorphin into a concentration
#: step (Python side: endorphin.model.bend_dose).
DOSING_PARAMETERS = (
    ("body_weight", 70.0, "kg", 20.0, 300.0, 0.0, "body weight",
       _ASSUMED + "reference adult"),
    ("bend_plasma_volume", 178.0, "mL/kg", 100.0, 300.0, 0.0,
       "volume of distribution of beta-endorphin given IV",
       SOURCES["foley1979"] + " (178 mL/kg)"),
    ("bend_csf_volume", 0.74, "mL/kg", 0.3, 2.0, 0.0,
       "volume of distribution of beta-endorphin given ICV",
       SOURCES["foley1979"] + " (0.74 mL/kg)"),
)

# -- outputs ---------------------------------------------------------------------------
# An output row: name, unit (CF/pint style), long name, kind, range.  Kinds:
# "concentration", "fraction" (of receptors), "effect" (0-1), "score", "ratio",
# "internal" (a state of the release chain, shown for diagnosis).

#: The outputs of the model without drugs, in the engine's order.
OUTPUTS = (
    dict(name="plasma_beta_endorphin", unit="pmol/L",
         long_name="plasma beta-endorphin concentration", kind="concentration", range=">= 0"),
    dict(name="csf_beta_endorphin", unit="pmol/L",
         long_name="central (CSF) beta-endorphin concentration", kind="concentration",
         range=">= 0"),
    dict(name="plasma_acth", unit="pmol/L", long_name="plasma ACTH concentration",
         kind="concentration", range=">= 0"),
    dict(name="plasma_cortisol", unit="nmol/L", long_name="serum total cortisol concentration",
         kind="concentration", range=">= 0"),
    *(dict(name=f"occupancy_{r}", unit="1",
           long_name=f"fraction of {r} opioid receptors occupied", kind="fraction",
           range="0-1") for r in RECEPTORS),
    *(dict(name=f"receptor_{r}", unit="1",
           long_name=f"functional fraction of {r} opioid receptors", kind="fraction",
           range="0-1") for r in RECEPTORS),
    *(dict(name=f"effect_{r}", unit="1",
           long_name=f"operational effect at {r} opioid receptors (0-1)", kind="effect",
           range="0-1") for r in RECEPTORS),
    dict(name="opioid_analgesia", unit="1", long_name="opioid analgesia (0-1)",
         kind="effect", range="0-1"),
    dict(name="nonopioid_analgesia", unit="1",
         long_name="non-opioid (naloxone-insensitive) analgesia (0-1)", kind="effect",
         range="0-1"),
    dict(name="analgesia", unit="1", long_name="analgesia, opioid plus non-opioid (0-1)",
         kind="effect", range="0-1"),
    dict(name="mood", unit="1",
         long_name="mood relative to the subject's rest (positive is better)", kind="score",
         range="0 at rest"),
    dict(name="pain_nrs", unit="1", long_name="pain on the numeric rating scale (0-10)",
         kind="score", range="0-10"),
    dict(name="pain_threshold", unit="1",
         long_name="pain threshold relative to no analgesia (capped at 10)", kind="ratio",
         range="0.1-10 (below 1 in a post-exercise flare)"),
    *(dict(name=f"activation_{q}", unit="1", long_name=f"activation of the {q} POMC pool",
           kind="internal", range=">= 0") for q in ("pituitary", "hypothalamic")),
    *(dict(name=f"synthesis_{q}", unit="1",
           long_name=f"{q} POMC synthesis capacity (1 at rest)", kind="internal",
           range="> 0") for q in ("pituitary", "hypothalamic")),
    *(dict(name=f"store_{q}", unit="1", long_name=f"{q} releasable store (1 at rest)",
           kind="internal", range="> 0") for q in ("pituitary", "hypothalamic")),
    dict(name="pulse", unit="1", long_name="pituitary pulse multiplier of exocytosis",
         kind="internal", range=">= 0"),
    dict(name="circadian", unit="1", long_name="circadian factor on POMC synthesis",
         kind="internal", range="1 +- a_circ"),
    *(dict(name=f"occupancy_{r}_beta_endorphin", unit="1",
           long_name=f"fraction of {r} opioid receptors occupied by beta-endorphin",
           kind="fraction", range="0-1") for r in RECEPTORS),
    *(dict(name=f"receptor_{proc}_{r}", unit="1",
           long_name=f"{what} of {r} opioid receptors (1: none)", kind="fraction",
           range="0-1")
      for proc, what in (("acute", "acute desensitization factor"),
                         ("chronic", "chronic down-regulation factor"))
      for r in RECEPTORS),
    # symptoms
    dict(name="anxiety_score", unit="1",
         long_name="anxiety score on the HADS-A scale (0-21, continuous)", kind="score",
         range="0-21"),
    dict(name="depression_score", unit="1",
         long_name="depression score on the HADS-D scale (0-21, continuous)",
         kind="score", range="0-21"),
    # practice over weeks
    dict(name="vo2max", unit="mL/kg/min", long_name="maximal oxygen uptake (VO2max)",
         kind="score", range="vo2max_base x (1 to 1 + fitness_max)"),
    dict(name="exercise_intensity", unit="1",
         long_name="exercise intensity relative to the current VO2max", kind="ratio",
         range=">= 0"),
    dict(name="training_load", unit="1", long_name="training load (recent exercise dose)",
         kind="internal", range=">= 0"),
    dict(name="practice_exercise", unit="1", long_name="exercise practice state (0-1)",
         kind="internal", range="0-1"),
    dict(name="practice_meditation", unit="1", long_name="meditation practice state (0-1)",
         kind="internal", range="0-1"),
    dict(name="exercise_flare", unit="1",
         long_name="post-exercise pain flare (fractional rise of pain)", kind="internal",
         range=">= 0"),
)

# -- drug slots ------------------------------------------------------------------------
# Each drug slot k = 1 .. MAX_DRUGS of the variant endorphin_d<n> adds, after those of
# the model without drugs and of slots 1 .. k-1, these states, parameters, inputs and
# outputs; "{slot}" stands for "drug<k>" in the engine's names (a scenario renames
# outputs to the drug's name: "{slot}" is then the drug, e.g. morphine_plasma).

#: States per drug slot (amounts in nmol, effect site in nmol/L, bound fraction of mu).
DRUG_STATES = (
    dict(name="{slot}_depot", unit="nmol", equation="dA0/dt = depot_rate - ka A0"),
    dict(name="{slot}_central", unit="nmol",
         equation="dA1/dt = rate + ka A0 - (k10 + k12 + k13) A1 + k21 A2 + k31 A3"),
    dict(name="{slot}_peripheral2", unit="nmol", equation="dA2/dt = k12 A1 - k21 A2"),
    dict(name="{slot}_peripheral3", unit="nmol", equation="dA3/dt = k13 A1 - k31 A3"),
    dict(name="{slot}_effect_site", unit="nmol/L",
         equation="dCe/dt = ke0 (f_brain A1 / v1 - Ce)"),
    dict(name="{slot}_bound", unit="1",
         equation="dB/dt = kon max(Ce, 0)^n (1 - sum_kinetic B) - koff B  (kinetic slots; "
                  "else dB/dt = -B)"),
)

#: Parameters per drug slot (set from endorphin.drugs by the scenario layer).
DRUG_PARAMETERS = (
    dict(name="{slot}_v1", unit="L", meaning="central volume"),
    dict(name="{slot}_k10", unit="1/min", meaning="elimination rate constant, CL / V1"),
    dict(name="{slot}_k12", unit="1/min", meaning="transfer rate central -> peripheral 2"),
    dict(name="{slot}_k21", unit="1/min", meaning="transfer rate peripheral 2 -> central"),
    dict(name="{slot}_k13", unit="1/min", meaning="transfer rate central -> peripheral 3"),
    dict(name="{slot}_k31", unit="1/min", meaning="transfer rate peripheral 3 -> central"),
    dict(name="{slot}_ka", unit="1/min", meaning="absorption rate of the slot's route"),
    dict(name="{slot}_ke0", unit="1/min", meaning="effect-site equilibration rate"),
    dict(name="{slot}_f_brain", unit="1", meaning="effect-site factor"),
    *(dict(name=f"{{slot}}_K_{r}", unit="nmol/L", meaning=f"affinity at {r}")
      for r in RECEPTORS),
    *(dict(name=f"{{slot}}_tau_{r}", unit="1", meaning=f"operational efficacy at {r}")
      for r in RECEPTORS),
    dict(name="{slot}_kon", unit="(nmol/L)^-n/min",
         meaning="association rate at mu (0: equilibrium binding)"),
    dict(name="{slot}_koff", unit="1/min", meaning="dissociation rate at mu"),
    dict(name="{slot}_n", unit="1", meaning="exponent of the concentration in the "
                                            "association rate"),
)

#: Inputs per drug slot.
DRUG_INPUTS = (
    dict(name="{slot}_rate", unit="nmol/min", range=">= 0",
         meaning="infusion into the central compartment"),
    dict(name="{slot}_depot_rate", unit="nmol/min", range=">= 0",
         meaning="zero-order input into the depot"),
)

#: Outputs per drug slot.
DRUG_OUTPUTS = (
    dict(name="{slot}_plasma", unit="nmol/L", long_name="plasma concentration of {slot}",
         kind="concentration", range=">= 0"),
    dict(name="{slot}_effect_site", unit="nmol/L",
         long_name="effect-site concentration of {slot}", kind="concentration",
         range=">= 0"),
    *(dict(name=f"occupancy_{r}_{{slot}}", unit="1",
           long_name=f"fraction of {r} opioid receptors occupied by {{slot}}",
           kind="fraction", range="0-1") for r in RECEPTORS),
)


# -- names of the engine variants ------------------------------------------------------
def model_name(n_drugs):
    """The engine model with ``n_drugs`` slots: ``endorphin`` or ``endorphin_d<n>``."""
    return MODEL if n_drugs == 0 else f"{MODEL}_d{n_drugs}"


def variant(n_drugs=0):
    """Names of the variant with ``n_drugs`` slots, in the engine's order: a dict of
    tuples ``states``, ``params``, ``inputs``, ``outputs``."""
    if not (isinstance(n_drugs, int) and 0 <= n_drugs <= MAX_DRUGS):
        raise ValueError(f"n_drugs must be an integer in 0..{MAX_DRUGS}, got {n_drugs!r}")

    def names(base, slot_rows):
        return tuple(r["name"] if isinstance(r, dict) else r[0] for r in base) + tuple(
            r["name"].format(slot=f"drug{k}") for k in range(1, n_drugs + 1)
            for r in slot_rows)

    return {"states": names(STATES, DRUG_STATES),
            "params": names(PARAMETERS, DRUG_PARAMETERS),
            "inputs": names(INPUTS, DRUG_INPUTS),
            "outputs": names(OUTPUTS, DRUG_OUTPUTS)}


#: Unit and long name of every output of the model without drugs.
OUTPUT_META = {o["name"]: (o["unit"], o["long_name"]) for o in OUTPUTS}


def output_meta(name):
    """``(unit, long_name)`` of an output: those of :data:`OUTPUTS`, then the drug-slot
    patterns of :data:`DRUG_OUTPUTS` for any ligand (``drug1_plasma``,
    ``morphine_effect_site``, ``occupancy_mu_naloxone``: prefixed patterns first), and
    ``("1", name with spaces)`` for anything else."""
    if name in OUTPUT_META:
        return OUTPUT_META[name]
    rows = sorted(DRUG_OUTPUTS, key=lambda r: r["name"].startswith("{slot}"))
    for r in rows:
        head, tail = r["name"].split("{slot}")
        if (len(name) >= len(head) + len(tail) and name.startswith(head)
                and name.endswith(tail)):
            ligand = name[len(head):len(name) - len(tail)]
            return r["unit"], r["long_name"].format(slot=ligand)
    return "1", name.replace("_", " ")
