/*
 * endorphin_model.h -- layout of the endogenous-opioid model (pure C).
 * docs/model.md is the statement of the equations; the names are in
 * endorphin_model.c, the indices here.
 */
#ifndef ENDORPHIN_ENDORPHIN_MODEL_H
#define ENDORPHIN_ENDORPHIN_MODEL_H

#include "models.h"

#define ENDO_EM_NCHANNELS 7
#define ENDO_EM_NSTATES 18
#define ENDO_EM_NINPUTS 9
#define ENDO_EM_NOUTPUTS 27

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
    ENDO_EM_NPARAMS
};

enum {
    EM_Y_ACT_P, EM_Y_ACT_H, EM_Y_SYN_P, EM_Y_SYN_H, EM_Y_STORE_P, EM_Y_STORE_H,
    EM_Y_PULSE, EM_Y_CP, EM_Y_CH, EM_Y_ACTH, EM_Y_CORT, EM_Y_NONOP
};

enum { EM_U_EXERCISE, EM_U_STRESS, EM_U_PAIN, EM_U_IV = 7, EM_U_ICV = 8 };

/* 1 when every parameter is finite and the positive ones are positive */
int endo_em_valid_params(const double *p);

extern const endo_model endo_endorphin_model;

#endif /* ENDORPHIN_ENDORPHIN_MODEL_H */
