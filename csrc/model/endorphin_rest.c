/*
 * endorphin_rest.c -- the resting state of the endorphin model (its initial state):
 * the exact periodic orbit of the linear release chain, cortisol by an exponential
 * integrator over a window before t0, and the receptor processes' periodic solution
 * (docs/model.md, "Resting state").  The equations are in endorphin_model.c.
 */
#include "endorphin_model_impl.h"

#define DNP ENDO_EM_DRUG_NPARAMS
#define DNS ENDO_EM_DRUG_NSTATES
#define NCH ENDO_EM_NCHANNELS

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
    const double th = OMEGA * (t + p[EM_P_CLOCK_START] - p[EM_P_T_PEAK]);
    return 1.0 + p[EM_P_A_CIRC] * (cos(th) * gr - sin(th) * gi);
}

int endo_em_valid_params(const double *p, int nd)
{
    const int np = ENDO_EM_NPARAMS + DNP * nd;
    for (int i = 0; i < np; i++) {
        if (!isfinite(p[i])) {
            return 0;
        }
    }
    const int positive[] = {EM_P_TAU_ACT, EM_P_TAU_SYN, EM_P_STORE_TIME_P, EM_P_STORE_TIME_H,
                            EM_P_TAU_PULSE, EM_P_T_HALF_PLASMA, EM_P_T_HALF_CSF, EM_P_T_HALF_ACTH,
                            EM_P_T_HALF_CORTISOL, EM_P_ACTH_BASE, EM_P_ACTH_EC50, EM_P_CORTISOL_HILL,
                            EM_P_TAU_NONOPIOID, EM_P_K_BEND_MU, EM_P_K_BEND_MU + 1, EM_P_K_BEND_MU + 2,
                            EM_P_SLOPE_MU, EM_P_SLOPE_MU + 1, EM_P_SLOPE_MU + 2,
                            EM_P_K_REC_ACUTE_MU, EM_P_K_REC_ACUTE_MU + 1, EM_P_K_REC_ACUTE_MU + 2,
                            EM_P_K_REC_CHRONIC_MU, EM_P_K_REC_CHRONIC_MU + 1, EM_P_K_REC_CHRONIC_MU + 2,
                            /* practice over weeks */
                            EM_P_VO2MAX_BASE, EM_P_TAU_LOAD, EM_P_TAU_DETRAIN,
                            EM_P_TAU_PRACTICE_EXERCISE, EM_P_TAU_PRACTICE_MEDITATION, EM_P_TAU_FLARE};
    for (size_t i = 0; i < sizeof positive / sizeof positive[0]; i++) {
        if (!(p[positive[i]] > 0.0)) {
            return 0;
        }
    }
    for (int r = 0; r < 3; r++) {
        if (!(p[EM_P_K_DES_ACUTE_MU + r] >= 0.0 && p[EM_P_K_DES_CHRONIC_MU + r] >= 0.0
              && p[EM_P_TAU_BEND_MU + r] >= 0.0 && p[EM_P_RECEPTOR_MU + r] >= 0.0)) {
            return 0;
        }
    }
    for (int k = 0; k < NCH; k++) {
        if (!(p[EM_CH_STRIDE * k + EM_CH_U50] > 0.0 && p[EM_CH_STRIDE * k + EM_CH_N] > 0.0)) {
            return 0;
        }
    }
    for (int k = 0; k < nd; k++) {
        const double *dp = p + ENDO_EM_NPARAMS + DNP * k;
        if (!(dp[EM_D_V1] > 0.0 && dp[EM_D_K_MU] > 0.0 && dp[EM_D_K_DELTA] > 0.0
              && dp[EM_D_K_KAPPA] > 0.0 && dp[EM_D_N] > 0.0)) {
            return 0;
        }
        const int nonneg[] = {EM_D_K10, EM_D_K12, EM_D_K21, EM_D_K13, EM_D_K31, EM_D_KA,
                              EM_D_KE0, EM_D_F_BRAIN, EM_D_TAU_MU, EM_D_TAU_DELTA,
                              EM_D_TAU_KAPPA, EM_D_KON, EM_D_KOFF};
        for (size_t i = 0; i < sizeof nonneg / sizeof nonneg[0]; i++) {
            if (!(dp[nonneg[i]] >= 0.0)) {
                return 0;
            }
        }
    }
    return 1;
}

/* The endogenous states 0 .. EM_Y_RECEPTOR_ACUTE - 1 at rest; (*chr, *chi): the complex gain
 * of CSF beta-endorphin's orbit (0 with the rhythm off). */
static int em_init_base(double t0, const double *p, double *y, double *chr_out,
                        double *chi_out)
{
    for (int i = 0; i < EM_Y_RECEPTOR_ACUTE; i++) {
        y[i] = 0.0;
    }
    *chr_out = *chi_out = 0.0;
    const double cp = p[EM_P_BEND_PLASMA_BASE], chb = p[EM_P_BEND_CSF_BASE], xb = p[EM_P_ACTH_BASE];
    /* with pulses on, the pituitary store rests at the level the mean pulse
     * multiplier (1 + pulse_mean) sustains, so plasma rests at its base value */
    const double pm = 1.0 + p[EM_P_PULSE_MEAN];
    if (p[EM_P_A_CIRC] == 0.0) {
        y[EM_Y_SYN_P] = y[EM_Y_SYN_H] = y[EM_Y_STORE_H] = 1.0;
        y[EM_Y_STORE_P] = 1.0 / pm;
        y[EM_Y_BEND_PLASMA] = cp;
        y[EM_Y_BEND_CSF] = chb;
        y[EM_Y_ACTH] = xb;
        y[EM_Y_CORTISOL] = p[EM_P_CORTISOL_BASE];
        return 0;
    }
    /* the exact periodic orbit of the linear chain */
    const double ksyn = 1.0 / p[EM_P_TAU_SYN];
    double sr = 1.0, si = 0.0;
    stage(ksyn, &sr, &si);
    y[EM_Y_SYN_P] = y[EM_Y_SYN_H] = orbit(t0, p, sr, si);
    double spr = sr, spi = si, shr = sr, shi = si;
    stage(pm / p[EM_P_STORE_TIME_P], &spr, &spi);
    stage(1.0 / p[EM_P_STORE_TIME_H], &shr, &shi);
    y[EM_Y_STORE_P] = orbit(t0, p, spr, spi) / pm;
    y[EM_Y_STORE_H] = orbit(t0, p, shr, shi);
    double cpr = spr, cpi = spi, chr = shr, chi = shi, xr = spr, xi = spi;
    stage(LN2 / p[EM_P_T_HALF_PLASMA], &cpr, &cpi);
    stage(LN2 / p[EM_P_T_HALF_CSF], &chr, &chi);
    stage(LN2 / p[EM_P_T_HALF_ACTH], &xr, &xi);
    y[EM_Y_BEND_PLASMA] = cp * orbit(t0, p, cpr, cpi);
    y[EM_Y_BEND_CSF] = chb * orbit(t0, p, chr, chi);
    y[EM_Y_ACTH] = xb * orbit(t0, p, xr, xi);
    *chr_out = chr;
    *chi_out = chi;

    /* cortisol: dF/dt = k (f(t) - F), f = F_base H(X(t)) / H(X_base); exponential
     * integrator with 3-point Gauss-Legendre quadrature of the forcing, steps of
     * at most 20 min and 0.35/k, over a window of at least 1.5 days and 28/k
     * (the start's error contracts by exp(-28) ~ 1e-12), at most 60 days */
    const double k = LN2 / p[EM_P_T_HALF_CORTISOL];
    const double scale = p[EM_P_CORTISOL_BASE] / cort_hill(xb, p);
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
    y[EM_Y_CORTISOL] = F;
    for (int i = 0; i < EM_Y_RECEPTOR_ACUTE; i++) {
        if (!isfinite(y[i])) {
            return 1;
        }
    }
    return 0;
}


/* Gauss-Legendre 5-point nodes and weights on [0, 1] */
static const double GL5X[5] = {0.04691007703066800360, 0.23076534494715845448, 0.5,
                               0.76923465505284154552, 0.95308992296933199640};
static const double GL5W[5] = {0.11846344252809454376, 0.23931433524968323402,
                               0.28444444444444444444, 0.23931433524968323402,
                               0.11846344252809454376};

/* Lagrange basis polynomial l (through the GL5 nodes) at xi */
static inline double lagrange5(int l, double xi)
{
    double v = 1.0;
    for (int m = 0; m < 5; m++) {
        if (m != l) {
            v *= (xi - GL5X[m]) / (GL5X[l] - GL5X[m]);
        }
    }
    return v;
}

/*
 * Resting receptor states.  Each process X (acute, chronic) of receptor r obeys
 * dX/dt = k (1 - X) - kd D(t) X, with D the drive of resting beta-endorphin.
 * Rhythm off: D is constant and X = k / (k + kd D).  Rhythm on: D is 1440-
 * periodic and X is the periodic solution of this scalar linear ODE,
 * X(t0) = psi / (1 - Phi), with Phi = exp(-int_{t0-T}^{t0} (k + kd D)) and psi the
 * value at t0 of the solution started from 0 at t0 - T.  Over each step the
 * constant rate k is integrated exactly (exponentially fitted weights) and the
 * factor q(s) = exp(-kd int_s^{t_{n+1}} D) is interpolated by the quartic
 * through the GL5 nodes; the steps are short enough that kd D h <= 0.05 (at most
 * 20 min), which puts the error near 1e-11 of X.
 */
/* exp(-x) for x >= 0: for x <= 0.05 (what the quadrature's steps give, unless the
 * step count hits its cap) Taylor to x^8, truncation below x^9 / 9! = 5e-18 */
static inline double exp_small(double x)
{
    if (!(x <= 0.05)) {
        return exp(-x);
    }
    /* sum_{k <= 8} (-x)^k / k! by Horner with the coefficients as constants: the
     * nested form with x / k had seven divisions in a chain, and the receptor rest
     * calls this 36 times a quadrature step (it was most of the init's time) */
    const double y = -x;
    return 1.0 + y * (1.0 + y * (1.0 / 2.0 + y * (1.0 / 6.0 + y * (1.0 / 24.0
           + y * (1.0 / 120.0 + y * (1.0 / 720.0 + y * (1.0 / 5040.0 + y * (1.0 / 40320.0))))))));
}

static void em_init_receptors(double t0, const double *p, double *y, double chr, double chi)
{
    double dmax[3];
    for (int r = 0; r < 3; r++) {
        /* the drive is increasing in C_h; the orbit peaks at base (1 + a |G|) */
        const double amp = fabs(p[EM_P_A_CIRC]) * sqrt(chr * chr + chi * chi);
        dmax[r] = bend_drive(p[EM_P_BEND_CSF_BASE] * (1.0 + amp), p, r);
    }
    if (p[EM_P_A_CIRC] == 0.0) {
        for (int r = 0; r < 3; r++) {
            const double ka = p[EM_P_K_REC_ACUTE_MU + r], kc = p[EM_P_K_REC_CHRONIC_MU + r];
            y[EM_Y_RECEPTOR_ACUTE + r] = ka / (ka + p[EM_P_K_DES_ACUTE_MU + r] * dmax[r]);
            y[EM_Y_RECEPTOR_CHRONIC + r] = kc / (kc + p[EM_P_K_DES_CHRONIC_MU + r] * dmax[r]);
        }
        return;
    }
    double rate = 0.0;
    for (int r = 0; r < 3; r++) {
        rate = fmax(rate, fmax(p[EM_P_K_DES_ACUTE_MU + r], p[EM_P_K_DES_CHRONIC_MU + r]) * dmax[r]);
    }
    const int nsteps = (int)fmin(fmax(72.0, ceil(1440.0 * rate / 0.05)), 200000.0);
    const double h = 1440.0 / nsteps;
    /* WL[j][l] = int_{xi_j}^1 L_l: partial integrals of the interpolant (exact by GL5) */
    double WL[5][5];
    for (int j = 0; j < 5; j++) {
        const double a = GL5X[j], len = 1.0 - a;
        for (int l = 0; l < 5; l++) {
            double s = 0.0;
            for (int m = 0; m < 5; m++) {
                s += GL5W[m] * lagrange5(l, a + len * GL5X[m]);
            }
            WL[j][l] = len * s;
        }
    }
    /* per process (index 3 proc + r): rates, exponentially fitted weights
     * omega_l = int_0^1 k h e^{-k h (1 - xi)} L_l(xi) dxi (composite GL5, 4 panels) */
    double k[6], kd[6], omega[6][5], ekh[6], X[6], Itot[6];
    for (int c = 0; c < 6; c++) {
        const int r = c % 3, proc = c / 3;
        k[c] = proc == 0 ? p[EM_P_K_REC_ACUTE_MU + r] : p[EM_P_K_REC_CHRONIC_MU + r];
        kd[c] = proc == 0 ? p[EM_P_K_DES_ACUTE_MU + r] : p[EM_P_K_DES_CHRONIC_MU + r];
        const double kh = k[c] * h;
        for (int l = 0; l < 5; l++) {
            omega[c][l] = 0.0;
        }
        for (int panel = 0; panel < 4; panel++) {
            for (int m = 0; m < 5; m++) {
                const double xi = (panel + GL5X[m]) / 4.0;
                const double w = GL5W[m] / 4.0 * kh * exp(-kh * (1.0 - xi));
                for (int l = 0; l < 5; l++) {
                    omega[c][l] += w * lagrange5(l, xi);
                }
            }
        }
        ekh[c] = exp(-kh);
        X[c] = 0.0;
        Itot[c] = 0.0;
    }
    const double t_start = t0 - 1440.0;
    for (int n = 0; n < nsteps; n++) {
        double D[3][5];
        for (int j = 0; j < 5; j++) {
            const double ch = p[EM_P_BEND_CSF_BASE] * orbit(t_start + (n + GL5X[j]) * h, p, chr, chi);
            for (int r = 0; r < 3; r++) {
                D[r][j] = bend_drive(ch, p, r);
            }
        }
        double I[3], J[3][5];
        for (int r = 0; r < 3; r++) {
            I[r] = 0.0;
            for (int m = 0; m < 5; m++) {
                I[r] += GL5W[m] * D[r][m];
            }
            I[r] *= h;
            for (int l = 0; l < 5; l++) {
                double s = 0.0;
                for (int m = 0; m < 5; m++) {
                    s += WL[l][m] * D[r][m];
                }
                J[r][l] = h * s;
            }
        }
        for (int c = 0; c < 6; c++) {
            const int r = c % 3;
            double acc = ekh[c] * exp_small(kd[c] * I[r]) * X[c];
            for (int l = 0; l < 5; l++) {
                acc += omega[c][l] * exp_small(kd[c] * J[r][l]);
            }
            X[c] = acc;
            Itot[c] += I[r];
        }
    }
    for (int c = 0; c < 6; c++) {
        const double phi = exp(-k[c] * 1440.0 - kd[c] * Itot[c]);
        y[(c < 3 ? EM_Y_RECEPTOR_ACUTE : EM_Y_RECEPTOR_CHRONIC) + c % 3] = X[c] / (1.0 - phi);
    }
}

int endo_em_init(int nd, double t0, const double *p, const double *u, double *y)
{
    (void)u;    /* rest: stimuli, infusions and drugs off, whatever the first segment holds */
    if (!endo_em_valid_params(p, nd) || !(p[EM_P_PULSE_MEAN] >= 0.0)) {
        return 1;
    }
    double chr, chi;
    if (em_init_base(t0, p, y, &chr, &chi) != 0) {
        return 1;
    }
    em_init_receptors(t0, p, y, chr, chi);
    /* practice over weeks: untrained, no practice, no flare */
    for (int i = EM_Y_TRAINING_LOAD; i < ENDO_EM_NSTATES; i++) {
        y[i] = 0.0;
    }
    for (int i = ENDO_EM_NSTATES; i < ENDO_EM_NSTATES + DNS * nd; i++) {
        y[i] = 0.0;
    }
    for (int i = EM_Y_RECEPTOR_ACUTE; i < ENDO_EM_NSTATES; i++) {
        if (!isfinite(y[i])) {
            return 1;
        }
    }
    return 0;
}

