"""The built-in drugs, as data: the fields of each (see ``endorphin.drugs.Drug``) with
the source of every number.

Every number carries a source: a citation (DOI/PMID/journal), ``"computed: "`` from
cited inputs (the computation is written out below, next to its inputs), or
``"assumed: "`` with the reason.  Units are those of the model: time in minutes, volumes
in L, clearances in L/min, concentrations and affinities in nmol/L.  beta-endorphin's
constants are the model's own (``endorphin/model/spec.py``).  The registry
(``registry.py``) validates each row into a ``Drug``; this module imports only the spec.
"""
from __future__ import annotations

import math

from .. import spec

__all__ = ["DRUGS"]

RECEPTORS = spec.RECEPTORS
LN2 = math.log(2.0)

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
    "model_md": "endorphin model contract, docs/model.md (provisional value)",
    "westerling1993": "Westerling D et al. Ther Drug Monit 1993;15:364-374 (10 healthy "
                      "volunteers; oral solution absolute bioavailability 21.6 %, 95 % CI "
                      "15.4-27.7 %)",
}
# Between-subject variability where no source gives it (docs/model.md, "Drugs": the CV
# table).  A drug's typical PK is that of a 70-kg adult; CVs are log-normal (median =
# typical value), F logit-normal.
_CV_ASSUMED = ("assumed: 0.3, a conservative between-subject CV for opioid disposition "
               "(no estimate found for this drug; morphine's CL and V vary by 0.26 in "
               + _C["stuartharris2000"] + ")")
_CV_KA_ASSUMED = ("assumed: 0.5; absorption rate constants vary more between subjects "
                  "than disposition (morphine s.c. 0.375, " + _C["stuartharris2000"]
                  + "); no estimate found for this route")
_CV_F_ASSUMED = ("assumed: 0.3 (logit scale); no estimate of the between-subject "
                 "variability of this bioavailability found")
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


def _builtin() -> list[dict]:
    rows = {r[0]: r for r in spec.PARAMETERS + spec.DOSING_PARAMETERS}
    bend = {k: float(rows[k][1]) for k in
            ("K_bend_mu", "K_bend_delta", "K_bend_kappa", "tau_bend_mu", "tau_bend_delta",
             "tau_bend_kappa", "t_half_csf", "bend_plasma_volume")}
    bend_src = {k: str(rows[k][7]) for k in bend}
    drugs: list[dict] = []
    iv_route, iv_src = _IV

    # -- morphine ------------------------------------------------------------------
    K_mor, tau_mor, ac50_mor = 1.2, 10.0, 71.2
    drugs.append(dict(
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
        # CV = SD / mean of the IV bolus data; Westerling's 95 % CI gives the SD of F:
        # (27.7 - 15.4) / 2 / t(0.975, 9) x sqrt(10) = 6.15 / 2.262 x 3.162 = 8.60 %.
        cv={"cl": 408.0 / 1584.0, "v1": 72.0 / 276.0, "ka_sc": 0.03 / 0.08,
            "ka_oral": 0.5, "F_oral": 8.60 / 21.6},
        sources={
            "cv_cl": "computed: SD / mean of the IV clearance, 408 / 1584 = 0.258, "
                     + _C["stuartharris2000"],
            "cv_v1": "computed: SD / mean of the IV volume, 72 / 276 = 0.261, "
                     + _C["stuartharris2000"] + "; no body-weight scaling (the source "
                     "standardizes to 70 kg and gives no weight model)",
            "cv_ka_sc": "computed: SD / mean of the s.c. bolus appearance half-life, "
                        "0.03 / 0.08 h = 0.375 (ka = ln 2 / t1/2 has the same log-normal "
                        "CV), " + _C["stuartharris2000"] + "; F_sc is 1 and does not vary",
            "cv_ka_oral": _CV_KA_ASSUMED,
            "cv_F_oral": "computed: SD of F from the 95 % CI of " + _C["westerling1993"]
                         + ", (27.7 - 15.4) / 2 / 2.262 x sqrt(10) = 8.6 %, / 21.6 % = "
                         "0.398",
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
            "f_brain": "calibrated: tools/calibration/calibrate.py, so that the model run through "
                       "the experiment of " + _C["sarton2000"] + " (0.1 mg/kg + 0.03 "
                       "mg/kg/h for 1 h) and analysed with their PD model (I = I0 (1 + "
                       "Ce/AC50), effect compartment) gives their AC50 for men, 71.2 "
                       "nmol/L (tests/validation/test_drug_targets.py::sarton_analysis); "
                       "lumps free fraction, brain partition and the in-vitro/in-vivo "
                       "affinity gap",
            "K_mu": _C["chen1991"] + ": morphine Ki 1.2 nmol/L",
            "K_delta": "assumed: " + _C["model_md"] + " ~200 nmol/L; literature range "
                       "about 100-300 nmol/L (docs/sources.md, receptor affinities; unverified)",
            "K_kappa": "assumed: " + _C["model_md"] + " ~300 nmol/L; literature range "
                       "about 50-300 nmol/L (docs/sources.md, receptor affinities; unverified)",
            "tau_mu": "assumed: receptor reserve of a full agonist in vivo (maximal "
                      "effect tau/(1+tau) = 0.91, not capped near one half: docs/model.md, "
                      "Binding and effects); calibrated jointly with f_brain",
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
    drugs.append(dict(
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
        cv={"cl": 0.3, "v1": 0.3, "ka_intranasal": 0.5, "F_intranasal": 0.3},
        sources={
            "cv_cl": _CV_ASSUMED + "; Shafer 1990's interindividual variances not read; "
                     "no body-weight scaling (Shafer's model has none)",
            "cv_v1": _CV_ASSUMED + "; Shafer 1990's interindividual variances not read",
            "cv_ka_intranasal": _CV_KA_ASSUMED,
            "cv_F_intranasal": _CV_F_ASSUMED + " (" + _C["nasal_fent2021"] + " reports "
                               "geometric means)",
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
            "K_delta": "assumed: delta affinity roughly 100-200 nmol/L (docs/sources.md, "
                       "receptor affinities; unverified); mu-selective",
            "K_kappa": "assumed: kappa affinity above 200 nmol/L (docs/sources.md, "
                       "receptor affinities; unverified)",
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
    drugs.append(dict(
        name="naloxone", molar_mass=327.380, kind="antagonist", **dow,
        routes={"iv": iv_route,
                "im": (0.36, 0.65 / h, 0.0),
                "intranasal": (0.04, 1.52 / h, 0.0)},
        ke0=LN2 / 6.5, f_brain=1.0,
        K_mu=K_nlx, K_delta=K_nlx * 41.0, K_kappa=K_nlx * 8.0,
        kon=kon_n, koff=koff_n, n=n_n,
        # Dowling 2008: between-subject variability on CL and V1 only; lean body weight
        # on CL and weight on V1 (the estimates and the covariate form are not in the
        # abstract, the source read).
        cv={"cl": 0.3, "v1": 0.3},
        weight_exponents={"cl": 0.75, "v1": 1.0},
        sources={
            "cv_cl": _CV_ASSUMED.replace("no estimate found for this drug", "the "
                     "structure of " + _C["dowling2008"] + ": variability on CL and V1 "
                     "only; its estimates not read"),
            "cv_v1": _CV_ASSUMED.replace("no estimate found for this drug", "Dowling "
                     "2008 estimate variability on V1; its estimate not read"),
            "wt_cl": "assumed: allometric exponent 0.75 on total weight; " + _C["dowling2008"]
                     + " scale CL with lean body weight, which needs height (not a "
                     "covariate here)",
            "wt_v1": "assumed form: linear in weight (exponent 1); " + _C["dowling2008"]
                     + " put weight on the central volume (the covariate form not read)",
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
                       "binding (Swiss Fachinformation; docs/sources.md, PK) roughly cancel, and "
                       "Mann 2022 bind naloxone at its biophase concentration directly",
            "K_mu": "computed: (koff/kon)^(1/n) = 0.586 nmol/L, " + _C["mann2022"],
            "kon": _C["mann2022"] + ": Kon 1.669e-4 pM^-n s^-1, converted x 1000^n x 60",
            "koff": _C["mann2022"] + ": Koff 0.03959 1/s, x 60",
            "n": _C["mann2022"] + ": n 0.858",
            "K_delta": "assumed: 41 x K_mu from the MOR:DOR:KOR affinity ratio 1:41:8 "
                       "attributed to " + _C["troestheim2022"] + " Table S1 (read in a "
                       "secondary summary only); the model contract's provisional ~20 nmol/L",
            "K_kappa": "assumed: 8 x K_mu from the same 1:41:8 ratio "
                       "(Trostheim 2022, secondary); the model contract's provisional ~10 nmol/L",
            **{f"tau_{r}": "assumed: 0; a competitive antagonist (inverse agonism at "
               "constitutively active receptors is neglected)" for r in RECEPTORS},
        }))

    # -- naltrexone ----------------------------------------------------------------
    cl_ntx = 3.51
    drugs.append(dict(
        name="naltrexone", molar_mass=341.407, kind="antagonist",
        cl=cl_ntx, v1=cl_ntx * 240.0 / LN2,  # one compartment with t1/2 = 4 h
        routes={"iv": iv_route, "oral": (0.05, 0.012, 0.0)},
        ke0=LN2 / 6.5, f_brain=1.0,
        K_mu=0.2, K_delta=0.2 * 79.0, K_kappa=0.2 * 2.0,
        cv={"cl": 0.3, "v1": 0.3, "ka_oral": 0.5, "F_oral": 0.3},
        sources={
            "cv_cl": _CV_ASSUMED + "; Licko 1981's +- 300 mL/min is not said to be an SD",
            "cv_v1": _CV_ASSUMED,
            "cv_ka_oral": _CV_KA_ASSUMED,
            "cv_F_oral": _CV_F_ASSUMED,
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
    drugs.append(dict(
        name="buprenorphine", molar_mass=mw_bup, kind="partial agonist", **bup,
        routes={"iv": iv_route},
        ke0=LN2 / 173.0, f_brain=1.0,
        K_mu=koff_b / kon_b, K_delta=2.0, K_kappa=0.5,
        tau_mu=1.0, tau_delta=0.0, tau_kappa=0.0,
        kon=kon_b, koff=koff_b, n=1.0,
        cv={"cl": 0.3, "v1": 0.3},
        sources={
            "cv_cl": _CV_ASSUMED.replace("no estimate found for this drug",
                                         _C["yassen2007"] + " estimate interindividual "
                                         "variability; the paper's table not read (the "
                                         "FDA code gives typical values only)"),
            "cv_v1": _CV_ASSUMED.replace("no estimate found for this drug",
                                         "Yassen 2007's estimate not read"),
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
    drugs.append(dict(
        name="carfentanil", molar_mass=394.515, kind="agonist", **shafer,
        routes={"iv": iv_route},
        ke0=0.2102, f_brain=f_brain_fen,
        K_mu=_kd(kon_c, koff_c, n_c), K_delta=2.3, K_kappa=23.0,
        tau_mu=10.0, tau_delta=1.0, tau_kappa=1.0,
        kon=kon_c, koff=koff_c, n=n_c,
        cv={"cl": 0.3, "v1": 0.3},
        sources={
            "cv_cl": "assumed: fentanyl's (" + _CV_ASSUMED + ")",
            "cv_v1": "assumed: fentanyl's (" + _CV_ASSUMED + ")",
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
    foley = spec.SOURCES["foley1979"]
    drugs.append(dict(
        name="beta_endorphin", molar_mass=spec.BEND_MW, kind="agonist",
        cl=3.2e-3 * bw, v1=bend["bend_plasma_volume"] * 1e-3 * bw,
        routes={"iv": iv_route},
        ke0=LN2 / bend["t_half_csf"], f_brain=0.01,
        K_mu=bend["K_bend_mu"], K_delta=bend["K_bend_delta"], K_kappa=bend["K_bend_kappa"],
        tau_mu=bend["tau_bend_mu"], tau_delta=bend["tau_bend_delta"],
        tau_kappa=bend["tau_bend_kappa"],
        cv={"cl": 0.3, "v1": 0.3},
        weight_exponents={"cl": 1.0, "v1": 1.0},
        sources={
            "cv_cl": _CV_ASSUMED,
            "cv_v1": _CV_ASSUMED,
            "wt_cl": foley + " report clearance per kg (3.2 mL/min/kg): linear in weight",
            "wt_v1": foley + " report the volume per kg (178 mL/kg): linear in weight",
            "molar_mass": "computed: from the sequence YGGFMTSEKSQTPLVTLFKNAIIKNAYKKGE "
                          "(endorphin.model.BEND_MW; docs/sources.md, beta-endorphin)",
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
    return drugs




#: The built-in drugs: one dict of ``Drug`` fields per drug, in registration order.
DRUGS: tuple[dict, ...] = tuple(_builtin())
