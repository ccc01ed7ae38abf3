/*
 * endorphin_model.c -- the endogenous-opioid model (engine name "endorphin").
 *
 * Stimulus channels -> Hill drives -> activation of the pituitary and
 * hypothalamic POMC pools -> synthesis capacity -> releasable store ->
 * plasma and CSF beta-endorphin, plasma ACTH and cortisol; beta-endorphin
 * binding at mu/delta/kappa through the operational model; analgesia (opioid
 * and non-opioid), mood, pain.  docs/model.md states every equation; the
 * pure-NumPy twin endorphin/reference.py computes the same and is the test
 * oracle.  Time in minutes, concentrations in pmol/L (cortisol nmol/L).
 */
#include "endorphin_model.h"

#include <math.h>

#define NCH ENDO_EM_NCHANNELS
#define TWO_PI 6.283185307179586476925286766559
#define LN2 0.69314718055994530941723212145818
#define OMEGA (TWO_PI / 1440.0)

static const char *const em_states[ENDO_EM_NSTATES] = {
    "act_p", "act_h", "syn_p", "syn_h", "store_p", "store_h", "pulse",
    "bend_plasma", "bend_csf", "acth", "cortisol",
    "nonopioid_exercise", "nonopioid_stress", "nonopioid_pain", "nonopioid_laughter",
    "nonopioid_meditation", "nonopioid_acupuncture", "nonopioid_placebo",
};

#define CH_PARAMS(k) #k "_u50", #k "_n", #k "_gain_pituitary", #k "_gain_hypothalamic", \
    #k "_nonopioid_gain"

static const char *const em_params[ENDO_EM_NPARAMS] = {
    CH_PARAMS(exercise), CH_PARAMS(stress), CH_PARAMS(pain), CH_PARAMS(laughter),
    CH_PARAMS(meditation), CH_PARAMS(acupuncture), CH_PARAMS(placebo),
    "tau_act", "tau_syn", "sigma_p", "sigma_h", "store_time_p", "store_time_h",
    "rho_p", "rho_h", "tau_pulse", "pulse_mean", "a_circ", "t_peak", "clock_start",
    "t_half_plasma", "t_half_csf", "bend_plasma_base", "bend_csf_base",
    "acth_base", "t_half_acth", "cortisol_base", "t_half_cortisol", "acth_ec50",
    "cortisol_hill", "tau_nonopioid",
    "K_bend_mu", "K_bend_delta", "K_bend_kappa",
    "tau_bend_mu", "tau_bend_delta", "tau_bend_kappa",
    "slope_mu", "slope_delta", "slope_kappa",
    "receptor_mu", "receptor_delta", "receptor_kappa",
    "w_mu", "w_delta", "w_kappa", "v_mu", "v_delta", "v_kappa",
};

static const char *const em_inputs[ENDO_EM_NINPUTS] = {
    "exercise", "stress", "pain", "laughter", "meditation", "acupuncture", "placebo",
    "bend_iv_rate", "bend_icv_rate",
};

static const char *const em_outputs[ENDO_EM_NOUTPUTS] = {
    "plasma_beta_endorphin", "csf_beta_endorphin", "plasma_acth", "plasma_cortisol",
    "occupancy_mu", "occupancy_delta", "occupancy_kappa",
    "receptor_mu", "receptor_delta", "receptor_kappa",
    "effect_mu", "effect_delta", "effect_kappa",
    "opioid_analgesia", "nonopioid_analgesia", "analgesia", "mood",
    "pain_nrs", "pain_threshold",
    "activation_pituitary", "activation_hypothalamic",
    "synthesis_pituitary", "synthesis_hypothalamic",
    "store_pituitary", "store_hypothalamic", "pulse", "circadian",
};

/* channel transform h_k(u) = u^n / (u50^n + u^n), 0 for u <= 0 */
static inline double channel(double u, double u50, double n)
{
    if (!(u > 0.0)) {
        return 0.0;
    }
    /* 1 / (1 + (u50/u)^n): no overflow for the steep exercise slope */
    return 1.0 / (1.0 + pow(u50 / u, n));
}

static inline double circadian(double t, const double *p)
{
    const double a = p[EM_A_CIRC];
    if (a == 0.0) {
        return 1.0;
    }
    return 1.0 + a * cos(OMEGA * (t + p[EM_CLOCK_START] - p[EM_T_PEAK]));
}

/* cortisol secretion curve H(X) = X^m / (ec50^m + X^m), X clipped at 0 */
static inline double cort_hill(double x, const double *p)
{
    if (!(x > 0.0)) {
        return 0.0;
    }
    return 1.0 / (1.0 + pow(p[EM_ACTH_EC50] / x, p[EM_CORT_HILL]));
}

static void em_rhs(double t, const double *y, const double *p, const double *u, double *dy)
{
    double Dp = 0.0, Dh = 0.0;
    const double tau_n = p[EM_TAU_NONOP];
    for (int k = 0; k < NCH; k++) {
        const double *pk = p + EM_CH_STRIDE * k;
        const double hk = channel(u[k], pk[EM_CH_U50], pk[EM_CH_N]);
        Dp += pk[EM_CH_GAIN_P] * hk;
        Dh += pk[EM_CH_GAIN_H] * hk;
        dy[EM_Y_NONOP + k] = (hk - y[EM_Y_NONOP + k]) / tau_n;
    }
    const double Ap = y[EM_Y_ACT_P], Ah = y[EM_Y_ACT_H];
    const double c = circadian(t, p);
    const double pulse = y[EM_Y_PULSE] > 0.0 ? y[EM_Y_PULSE] : 0.0;
    const double rp = (1.0 + p[EM_RHO_P] * Ap) * (1.0 + pulse);
    const double rh = 1.0 + p[EM_RHO_H] * Ah;
    const double relp = rp * y[EM_Y_STORE_P];
    const double relh = rh * y[EM_Y_STORE_H];
    dy[EM_Y_ACT_P] = (Dp - Ap) / p[EM_TAU_ACT];
    dy[EM_Y_ACT_H] = (Dh - Ah) / p[EM_TAU_ACT];
    dy[EM_Y_SYN_P] = (c * (1.0 + p[EM_SIGMA_P] * Ap) - y[EM_Y_SYN_P]) / p[EM_TAU_SYN];
    dy[EM_Y_SYN_H] = (c * (1.0 + p[EM_SIGMA_H] * Ah) - y[EM_Y_SYN_H]) / p[EM_TAU_SYN];
    dy[EM_Y_STORE_P] = (y[EM_Y_SYN_P] - relp) / p[EM_STORE_TIME_P];
    dy[EM_Y_STORE_H] = (y[EM_Y_SYN_H] - relh) / p[EM_STORE_TIME_H];
    dy[EM_Y_PULSE] = -y[EM_Y_PULSE] / p[EM_TAU_PULSE];
    dy[EM_Y_CP] = LN2 / p[EM_THALF_PLASMA] * (p[EM_CP_BASE] * relp - y[EM_Y_CP])
                  + u[EM_U_IV];
    dy[EM_Y_CH] = LN2 / p[EM_THALF_CSF] * (p[EM_CH_BASE] * relh - y[EM_Y_CH])
                  + u[EM_U_ICV];
    dy[EM_Y_ACTH] = LN2 / p[EM_THALF_ACTH] * (p[EM_ACTH_BASE] * relp - y[EM_Y_ACTH]);
    dy[EM_Y_CORT] = LN2 / p[EM_THALF_CORT]
                    * (p[EM_CORT_BASE] * cort_hill(y[EM_Y_ACTH], p)
                       / cort_hill(p[EM_ACTH_BASE], p) - y[EM_Y_CORT]);
}

/* d H / d X of the cortisol secretion curve (0 for X <= 0) */
static inline double cort_hill_deriv(double x, const double *p)
{
    if (!(x > 0.0)) {
        return 0.0;
    }
    const double q = pow(p[EM_ACTH_EC50] / x, p[EM_CORT_HILL]);
    return p[EM_CORT_HILL] * q / (x * (1.0 + q) * (1.0 + q));
}

/* The analytic Jacobian of em_rhs (row-major, d f_i / d y_j). */
static void em_jac(double t, const double *y, const double *p, const double *u, double *J)
{
    (void)u;
    enum { S = ENDO_EM_NSTATES };
    for (int i = 0; i < S * S; i++) {
        J[i] = 0.0;
    }
#define JJ(i, j) J[(i) * S + (j)]
    const double Ap = y[EM_Y_ACT_P], Ah = y[EM_Y_ACT_H];
    const double Sp = y[EM_Y_STORE_P], Sh = y[EM_Y_STORE_H];
    const double c = circadian(t, p);
    const int on = y[EM_Y_PULSE] > 0.0;
    const double pulse = on ? y[EM_Y_PULSE] : 0.0;
    const double rp = (1.0 + p[EM_RHO_P] * Ap) * (1.0 + pulse);
    const double rp_a = p[EM_RHO_P] * (1.0 + pulse);        /* d rp / d A_p */
    const double rp_pi = on ? 1.0 + p[EM_RHO_P] * Ap : 0.0;  /* d rp / d pulse */
    const double rh = 1.0 + p[EM_RHO_H] * Ah;
    const double tsyn = p[EM_TAU_SYN], tp = p[EM_STORE_TIME_P], th = p[EM_STORE_TIME_H];
    const double kp = LN2 / p[EM_THALF_PLASMA], kh = LN2 / p[EM_THALF_CSF];
    const double kx = LN2 / p[EM_THALF_ACTH], kf = LN2 / p[EM_THALF_CORT];

    JJ(EM_Y_ACT_P, EM_Y_ACT_P) = -1.0 / p[EM_TAU_ACT];
    JJ(EM_Y_ACT_H, EM_Y_ACT_H) = -1.0 / p[EM_TAU_ACT];
    JJ(EM_Y_SYN_P, EM_Y_ACT_P) = c * p[EM_SIGMA_P] / tsyn;
    JJ(EM_Y_SYN_P, EM_Y_SYN_P) = -1.0 / tsyn;
    JJ(EM_Y_SYN_H, EM_Y_ACT_H) = c * p[EM_SIGMA_H] / tsyn;
    JJ(EM_Y_SYN_H, EM_Y_SYN_H) = -1.0 / tsyn;
    JJ(EM_Y_STORE_P, EM_Y_SYN_P) = 1.0 / tp;
    JJ(EM_Y_STORE_P, EM_Y_STORE_P) = -rp / tp;
    JJ(EM_Y_STORE_P, EM_Y_ACT_P) = -rp_a * Sp / tp;
    JJ(EM_Y_STORE_P, EM_Y_PULSE) = -rp_pi * Sp / tp;
    JJ(EM_Y_STORE_H, EM_Y_SYN_H) = 1.0 / th;
    JJ(EM_Y_STORE_H, EM_Y_STORE_H) = -rh / th;
    JJ(EM_Y_STORE_H, EM_Y_ACT_H) = -p[EM_RHO_H] * Sh / th;
    JJ(EM_Y_PULSE, EM_Y_PULSE) = -1.0 / p[EM_TAU_PULSE];
    /* plasma and ACTH read the pituitary release rp S_p */
    const int rows[2] = {EM_Y_CP, EM_Y_ACTH};
    const double gain[2] = {kp * p[EM_CP_BASE], kx * p[EM_ACTH_BASE]};
    const double decay[2] = {kp, kx};
    for (int r = 0; r < 2; r++) {
        JJ(rows[r], rows[r]) = -decay[r];
        JJ(rows[r], EM_Y_STORE_P) = gain[r] * rp;
        JJ(rows[r], EM_Y_ACT_P) = gain[r] * rp_a * Sp;
        JJ(rows[r], EM_Y_PULSE) = gain[r] * rp_pi * Sp;
    }
    JJ(EM_Y_CH, EM_Y_CH) = -kh;
    JJ(EM_Y_CH, EM_Y_STORE_H) = kh * p[EM_CH_BASE] * rh;
    JJ(EM_Y_CH, EM_Y_ACT_H) = kh * p[EM_CH_BASE] * p[EM_RHO_H] * Sh;
    JJ(EM_Y_CORT, EM_Y_CORT) = -kf;
    JJ(EM_Y_CORT, EM_Y_ACTH) = kf * p[EM_CORT_BASE] * cort_hill_deriv(y[EM_Y_ACTH], p)
                               / cort_hill(p[EM_ACTH_BASE], p);
    for (int k = 0; k < NCH; k++) {
        JJ(EM_Y_NONOP + k, EM_Y_NONOP + k) = -1.0 / p[EM_TAU_NONOP];
    }
#undef JJ
}

/* Operational-model effects of beta-endorphin (CSF, pmol/L) at mu, delta, kappa. */
static void em_effects(double ch, const double *p, double occ[3], double eff[3])
{
    const double L = ch > 0.0 ? 1e-3 * ch : 0.0;
    for (int r = 0; r < 3; r++) {
        const double x = L / p[EM_K_MU + r];
        occ[r] = x / (1.0 + x);
        const double s = p[EM_RECEPTOR_MU + r] * p[EM_TAUB_MU + r] * occ[r];
        if (s > 0.0) {
            const double sm = pow(s, p[EM_SLOPE_MU + r]);
            eff[r] = sm / (1.0 + sm);
        }
        else {
            eff[r] = 0.0;
        }
    }
}

static inline double em_mood(const double eff[3], const double *p)
{
    return p[EM_V_MU] * eff[0] + p[EM_V_DELTA] * eff[1] - p[EM_V_KAPPA] * eff[2];
}

static void em_output(double t, const double *y, const double *p, const double *u,
                      double *out)
{
    double occ[3], eff[3], occ0[3], eff0[3];
    em_effects(y[EM_Y_CH], p, occ, eff);
    em_effects(p[EM_CH_BASE], p, occ0, eff0);
    double prod_op = 1.0;
    for (int r = 0; r < 3; r++) {
        prod_op *= 1.0 - p[EM_W_MU + r] * eff[r];
    }
    double prod_non = 1.0;
    for (int k = 0; k < NCH; k++) {
        double n = y[EM_Y_NONOP + k];
        n = n < 0.0 ? 0.0 : (n > 1.0 ? 1.0 : n);
        prod_non *= 1.0 - p[EM_CH_STRIDE * k + EM_CH_NONOP] * n;
    }
    const double a_op = 1.0 - prod_op;
    const double a_non = 1.0 - prod_non;
    const double a = 1.0 - prod_op * prod_non;
    double nrs = u[EM_U_PAIN] * (1.0 - a);
    nrs = nrs < 0.0 ? 0.0 : (nrs > 10.0 ? 10.0 : nrs);
    const double one_minus_a = prod_op * prod_non;
    const double thr = one_minus_a > 0.1 ? 1.0 / one_minus_a : 10.0;

    out[0] = y[EM_Y_CP];
    out[1] = y[EM_Y_CH];
    out[2] = y[EM_Y_ACTH];
    out[3] = y[EM_Y_CORT];
    for (int r = 0; r < 3; r++) {
        out[4 + r] = occ[r];
        out[7 + r] = p[EM_RECEPTOR_MU + r];
        out[10 + r] = eff[r];
    }
    out[13] = a_op;
    out[14] = a_non;
    out[15] = a;
    out[16] = em_mood(eff, p) - em_mood(eff0, p);
    out[17] = nrs;
    out[18] = thr;
    out[19] = y[EM_Y_ACT_P];
    out[20] = y[EM_Y_ACT_H];
    out[21] = y[EM_Y_SYN_P];
    out[22] = y[EM_Y_SYN_H];
    out[23] = y[EM_Y_STORE_P];
    out[24] = y[EM_Y_STORE_H];
    out[25] = y[EM_Y_PULSE];
    out[26] = circadian(t, p);
}

/* ------------------------------------------------------------------------- */
/* resting state                                                              */
/* ------------------------------------------------------------------------- */

/* complex gain k / (k + i w) of a first-order stage dx/dt = k (in - x) */
static inline void stage(double k, double *re, double *im)
{
    const double d = k * k + OMEGA * OMEGA;
    const double gr = k * k / d, gi = -k * OMEGA / d;
    const double r = *re * gr - *im * gi;
    *im = *re * gi + *im * gr;
    *re = r;
}

/* value at t of 1 + Re[a e^{i theta(t)} G], G = (gr, gi) */
static inline double orbit(double t, const double *p, double gr, double gi)
{
    const double th = OMEGA * (t + p[EM_CLOCK_START] - p[EM_T_PEAK]);
    return 1.0 + p[EM_A_CIRC] * (cos(th) * gr - sin(th) * gi);
}

int endo_em_valid_params(const double *p)
{
    for (int i = 0; i < ENDO_EM_NPARAMS; i++) {
        if (!isfinite(p[i])) {
            return 0;
        }
    }
    const int positive[] = {EM_TAU_ACT, EM_TAU_SYN, EM_STORE_TIME_P, EM_STORE_TIME_H,
                            EM_TAU_PULSE, EM_THALF_PLASMA, EM_THALF_CSF, EM_THALF_ACTH,
                            EM_THALF_CORT, EM_ACTH_BASE, EM_ACTH_EC50, EM_CORT_HILL,
                            EM_TAU_NONOP, EM_K_MU, EM_K_MU + 1, EM_K_MU + 2,
                            EM_SLOPE_MU, EM_SLOPE_MU + 1, EM_SLOPE_MU + 2};
    for (size_t i = 0; i < sizeof positive / sizeof positive[0]; i++) {
        if (!(p[positive[i]] > 0.0)) {
            return 0;
        }
    }
    for (int k = 0; k < NCH; k++) {
        if (!(p[EM_CH_STRIDE * k + EM_CH_U50] > 0.0 && p[EM_CH_STRIDE * k + EM_CH_N] > 0.0)) {
            return 0;
        }
    }
    return 1;
}

static int em_init(double t0, const double *p, const double *u, double *y)
{
    (void)u;    /* rest: stimuli and infusions off, whatever the first segment holds */
    if (!endo_em_valid_params(p) || !(p[EM_PULSE_MEAN] >= 0.0)) {
        return 1;
    }
    for (int i = 0; i < ENDO_EM_NSTATES; i++) {
        y[i] = 0.0;
    }
    const double cp = p[EM_CP_BASE], chb = p[EM_CH_BASE], xb = p[EM_ACTH_BASE];
    /* with pulses on, the pituitary store rests at the level the mean pulse
     * multiplier (1 + pulse_mean) sustains, so plasma rests at its base value */
    const double pm = 1.0 + p[EM_PULSE_MEAN];
    if (p[EM_A_CIRC] == 0.0) {
        y[EM_Y_SYN_P] = y[EM_Y_SYN_H] = y[EM_Y_STORE_H] = 1.0;
        y[EM_Y_STORE_P] = 1.0 / pm;
        y[EM_Y_CP] = cp;
        y[EM_Y_CH] = chb;
        y[EM_Y_ACTH] = xb;
        y[EM_Y_CORT] = p[EM_CORT_BASE];
        return 0;
    }
    /* the exact periodic orbit of the linear chain */
    const double ksyn = 1.0 / p[EM_TAU_SYN];
    double sr = 1.0, si = 0.0;
    stage(ksyn, &sr, &si);
    y[EM_Y_SYN_P] = y[EM_Y_SYN_H] = orbit(t0, p, sr, si);
    double spr = sr, spi = si, shr = sr, shi = si;
    stage(pm / p[EM_STORE_TIME_P], &spr, &spi);
    stage(1.0 / p[EM_STORE_TIME_H], &shr, &shi);
    y[EM_Y_STORE_P] = orbit(t0, p, spr, spi) / pm;
    y[EM_Y_STORE_H] = orbit(t0, p, shr, shi);
    double cpr = spr, cpi = spi, chr = shr, chi = shi, xr = spr, xi = spi;
    stage(LN2 / p[EM_THALF_PLASMA], &cpr, &cpi);
    stage(LN2 / p[EM_THALF_CSF], &chr, &chi);
    stage(LN2 / p[EM_THALF_ACTH], &xr, &xi);
    y[EM_Y_CP] = cp * orbit(t0, p, cpr, cpi);
    y[EM_Y_CH] = chb * orbit(t0, p, chr, chi);
    y[EM_Y_ACTH] = xb * orbit(t0, p, xr, xi);

    /* cortisol: dF/dt = k (f(t) - F), f = F_base H(X(t)) / H(X_base); exponential
     * integrator with 3-point Gauss-Legendre quadrature of the forcing, steps of
     * at most 20 min and 0.35/k, over a window of at least 1.5 days and 28/k
     * (the start's error contracts by exp(-28) ~ 1e-12), at most 60 days */
    const double k = LN2 / p[EM_THALF_CORT];
    const double scale = p[EM_CORT_BASE] / cort_hill(xb, p);
    const double h = fmin(20.0, 0.35 / k);
    const double window = fmin(fmax(2160.0, 28.0 / k), 86400.0);
    const int nsteps = (int)ceil(window / h);
    const double q = sqrt(0.6);
    const double node[3] = {0.5 * (1.0 - q), 0.5, 0.5 * (1.0 + q)};
    const double wgt[3] = {5.0 / 18.0, 8.0 / 18.0, 5.0 / 18.0};
    double wexp[3];
    for (int j = 0; j < 3; j++) {
        wexp[j] = k * h * wgt[j] * exp(-k * h * (1.0 - node[j]));
    }
    const double decay = exp(-k * h);
    double tt = t0 - h * nsteps;
    double F = scale * cort_hill(xb * orbit(tt, p, xr, xi), p);
    for (int s = 0; s < nsteps; s++) {
        double acc = decay * F;
        for (int j = 0; j < 3; j++) {
            acc += wexp[j] * scale * cort_hill(xb * orbit(tt + node[j] * h, p, xr, xi), p);
        }
        F = acc;
        tt = t0 - h * (nsteps - 1 - s);
    }
    y[EM_Y_CORT] = F;
    for (int i = 0; i < ENDO_EM_NSTATES; i++) {
        if (!isfinite(y[i])) {
            return 1;
        }
    }
    return 0;
}

const endo_model endo_endorphin_model = {
    "endorphin",
    "the endogenous-opioid model: stimuli -> POMC pools -> plasma/CSF beta-endorphin, "
    "ACTH, cortisol, receptor effects (docs/model.md)",
    ENDO_EM_NSTATES, ENDO_EM_NPARAMS, ENDO_EM_NINPUTS, ENDO_EM_NOUTPUTS,
    em_states, em_params, em_inputs, em_outputs,
    em_rhs, em_output, em_init, 0, NULL, em_jac,
};
