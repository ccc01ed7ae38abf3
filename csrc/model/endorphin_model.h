/*
 * endorphin_model.h -- layout of the endogenous-opioid model (pure C).
 * docs/model.md is the statement of the equations; the names are in
 * endorphin_model.c, the indices here.
 */
#ifndef ENDORPHIN_ENDORPHIN_MODEL_H
#define ENDORPHIN_ENDORPHIN_MODEL_H

#include "models.h"

#define ENDO_EM_NCHANNELS 7
/* the endogenous model (variant "endorphin"); each drug slot of the variants
 * "endorphin_d1" .. "endorphin_d<ENDO_EM_MAX_DRUGS>" adds ENDO_EM_DRUG_NSTATES states,
 * ENDO_EM_DRUG_NPARAMS parameters, ENDO_EM_DRUG_NINPUTS inputs and
 * ENDO_EM_DRUG_NOUTPUTS outputs after these */
#define ENDO_EM_NSTATES 24
#define ENDO_EM_NINPUTS 9
#define ENDO_EM_NOUTPUTS 36
#define ENDO_EM_MAX_DRUGS 4
#define ENDO_EM_DRUG_NSTATES 6
#define ENDO_EM_DRUG_NPARAMS 18
#define ENDO_EM_DRUG_NINPUTS 2
#define ENDO_EM_DRUG_NOUTPUTS 5

/* per-channel parameters: channel k starts at EM_CH_STRIDE * k */
enum { EM_CH_U50, EM_CH_N, EM_CH_GAIN_P, EM_CH_GAIN_H, EM_CH_NONOP, EM_CH_STRIDE };

enum {
    EM_TAU_ACT = EM_CH_STRIDE * ENDO_EM_NCHANNELS,
    EM_TAU_SYN, EM_SIGMA_P, EM_SIGMA_H, EM_STORE_TIME_P, EM_STORE_TIME_H,
    EM_RHO_P, EM_RHO_H, EM_TAU_PULSE, EM_PULSE_MEAN, EM_A_CIRC, EM_T_PEAK, EM_CLOCK_START,
    EM_THALF_PLASMA, EM_THALF_CSF, EM_CP_BASE, EM_CH_BASE,
    EM_ACTH_BASE, EM_THALF_ACTH, EM_CORT_BASE, EM_THALF_CORT, EM_ACTH_EC50,
    EM_CORT_HILL, EM_TAU_NONOP,
    EM_K_MU, EM_K_DELTA, EM_K_KAPPA,
    EM_TAUB_MU, EM_TAUB_DELTA, EM_TAUB_KAPPA,
    EM_SLOPE_MU, EM_SLOPE_DELTA, EM_SLOPE_KAPPA,
    EM_RECEPTOR_MU, EM_RECEPTOR_DELTA, EM_RECEPTOR_KAPPA,
    EM_W_MU, EM_W_DELTA, EM_W_KAPPA, EM_V_MU, EM_V_DELTA, EM_V_KAPPA,
    /* desensitization: acute (minutes) and chronic (days) processes, per receptor */
    EM_KDES_A_MU, EM_KREC_A_MU = EM_KDES_A_MU + 3, EM_KDES_C_MU = EM_KREC_A_MU + 3,
    EM_KREC_C_MU = EM_KDES_C_MU + 3,
    ENDO_EM_NPARAMS = EM_KREC_C_MU + 3
};

/* drug slot parameters, slot k starts at ENDO_EM_NPARAMS + ENDO_EM_DRUG_NPARAMS * k:
 * central volume (L), micro rate constants (1/min), absorption rate (1/min),
 * effect-site rate (1/min) and factor, affinities (nmol/L) and efficacies at
 * mu/delta/kappa, kinetic binding at mu (kon (nmol/L)^-n/min, koff 1/min, n;
 * kon = 0: equilibrium binding) */
enum {
    EM_D_V1, EM_D_K10, EM_D_K12, EM_D_K21, EM_D_K13, EM_D_K31, EM_D_KA, EM_D_KE0,
    EM_D_FBRAIN, EM_D_K_MU, EM_D_K_DELTA, EM_D_K_KAPPA, EM_D_TAU_MU, EM_D_TAU_DELTA,
    EM_D_TAU_KAPPA, EM_D_KON, EM_D_KOFF, EM_D_NBIND
};
/* drug slot states (amounts in nmol, effect site in nmol/L, bound fraction of mu) */
enum { EM_DY_DEPOT, EM_DY_CENTRAL, EM_DY_PERIPH2, EM_DY_PERIPH3, EM_DY_CE, EM_DY_BOUND };

enum {
    EM_Y_ACT_P, EM_Y_ACT_H, EM_Y_SYN_P, EM_Y_SYN_H, EM_Y_STORE_P, EM_Y_STORE_H,
    EM_Y_PULSE, EM_Y_CP, EM_Y_CH, EM_Y_ACTH, EM_Y_CORT, EM_Y_NONOP,
    EM_Y_RA = EM_Y_NONOP + ENDO_EM_NCHANNELS, EM_Y_RC = EM_Y_RA + 3
};

enum { EM_U_EXERCISE, EM_U_STRESS, EM_U_PAIN, EM_U_IV = 7, EM_U_ICV = 8 };

/* 1 when every parameter is finite and the positive ones are positive
 * (nd drug slots after the endogenous parameters) */
int endo_em_valid_params(const double *p, int nd);

extern const endo_model endo_endorphin_model;
extern const endo_model endo_endorphin_d1, endo_endorphin_d2, endo_endorphin_d3,
    endo_endorphin_d4;

#endif /* ENDORPHIN_ENDORPHIN_MODEL_H */
