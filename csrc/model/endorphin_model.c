/*
 * endorphin_model.c -- the endorphin model: engine names "endorphin" (endogenous
 * opioids only) and "endorphin_d1" .. "endorphin_d4" (with 1 to 4 drug slots).
 *
 * Stimulus channels -> Hill drives -> activation of the pituitary and
 * hypothalamic POMC pools -> synthesis capacity -> releasable store ->
 * plasma and CSF beta-endorphin, plasma ACTH and cortisol.  Drugs: linear
 * one- to three-compartment PK with first-order absorption, an effect site,
 * kinetic binding at mu for slowly dissociating ligands.  Every ligand
 * (beta-endorphin and the drugs) competes at mu, delta and kappa; the
 * operational model, scaled by the functional receptor fraction (availability
 * x acute x chronic desensitization), gives the effects; analgesia (opioid and
 * non-opioid), mood, pain.  The resting state (the initial state) is in
 * endorphin_rest.c, the helpers both use in endorphin_model_impl.h.
 * docs/model.md states every equation; the
 * pure-NumPy twin endorphin/model/reference.py computes the same and is the test
 * oracle.  Time in minutes, beta-endorphin in pmol/L, drugs in nmol/L
 * (amounts in nmol), cortisol nmol/L.
 */
#include "../portable.h"
#include "endorphin_model_impl.h"
#include "endorphin_practice.h"
#include "endo_math.h"

#include <math.h>

#define NCH ENDO_EM_NCHANNELS
#define DNS ENDO_EM_DRUG_NSTATES
#define DNP ENDO_EM_DRUG_NPARAMS
#define DNU ENDO_EM_DRUG_NINPUTS
#define DNO ENDO_EM_DRUG_NOUTPUTS

/* the variants' names (generated from endorphin/model/spec.py) */
static const char *const st0[] = {ENDO_EM_STATE_NAMES_0};
static const char *const st1[] = {ENDO_EM_STATE_NAMES_1};
static const char *const st2[] = {ENDO_EM_STATE_NAMES_2};
static const char *const st3[] = {ENDO_EM_STATE_NAMES_3};
static const char *const st4[] = {ENDO_EM_STATE_NAMES_4};
static const char *const pa0[] = {ENDO_EM_PARAM_NAMES_0};
static const char *const pa1[] = {ENDO_EM_PARAM_NAMES_1};
static const char *const pa2[] = {ENDO_EM_PARAM_NAMES_2};
static const char *const pa3[] = {ENDO_EM_PARAM_NAMES_3};
static const char *const pa4[] = {ENDO_EM_PARAM_NAMES_4};
static const char *const in0[] = {ENDO_EM_INPUT_NAMES_0};
static const char *const in1[] = {ENDO_EM_INPUT_NAMES_1};
static const char *const in2[] = {ENDO_EM_INPUT_NAMES_2};
static const char *const in3[] = {ENDO_EM_INPUT_NAMES_3};
static const char *const in4[] = {ENDO_EM_INPUT_NAMES_4};
static const char *const ou0[] = {ENDO_EM_OUTPUT_NAMES_0};
static const char *const ou1[] = {ENDO_EM_OUTPUT_NAMES_1};
static const char *const ou2[] = {ENDO_EM_OUTPUT_NAMES_2};
static const char *const ou3[] = {ENDO_EM_OUTPUT_NAMES_3};
static const char *const ou4[] = {ENDO_EM_OUTPUT_NAMES_4};

/* the generated name lists match the generated counts */
_Static_assert(ENDO_EM_NRECEPTORS == 3, "the equations hold mu, delta and kappa");
_Static_assert(sizeof st0 / sizeof st0[0] == ENDO_EM_NSTATES, "state names");
_Static_assert(sizeof pa0 / sizeof pa0[0] == ENDO_EM_NPARAMS, "parameter names");
_Static_assert(sizeof in0 / sizeof in0[0] == ENDO_EM_NINPUTS, "input names");
_Static_assert(sizeof ou0 / sizeof ou0[0] == ENDO_EM_NOUTPUTS, "output names");
_Static_assert(sizeof st4 / sizeof st4[0] == ENDO_EM_NSTATES + 4 * DNS, "drug states");
_Static_assert(sizeof pa4 / sizeof pa4[0] == ENDO_EM_NPARAMS + 4 * DNP, "drug params");
_Static_assert(sizeof in4 / sizeof in4[0] == ENDO_EM_NINPUTS + 4 * DNU, "drug inputs");
_Static_assert(sizeof ou4 / sizeof ou4[0] == ENDO_EM_NOUTPUTS + 4 * DNO, "drug outputs");

/* The bodies of the variants' table functions, which are ENDO_CLONES: inlined
 * into each clone (so that the x86-64-v3 clone runs them as AVX2 code), with the
 * drug count a constant there (13 % of a default-model day). */
#define EM_INLINE ENDO_ALWAYS_INLINE

/* An input filter dX/dt = (drive - X) / tau (activations, non-opioid states): with its
 * drive off and |X| below EM_FLUSH the state is held.  Left to decay it would take days
 * to underflow (e^-t/5min), holding explicit steps at their stability limit long after
 * a session (its error held near atol, it never underflows); held below 1e-6 it changes
 * release and analgesia by less than 2e-5 of themselves (docs/model.md, "Long
 * horizons"). */
#define EM_FLUSH 1e-6
static inline double em_filter(double drive, double x, double tau)
{
    return (drive == 0.0 && fabs(x) < EM_FLUSH) ? 0.0 : (drive - x) / tau;
}

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
    const double a = p[EM_P_A_CIRC];
    if (a == 0.0) {
        return 1.0;
    }
    return 1.0 + a * endo_cos(OMEGA * (t + p[EM_P_CLOCK_START] - p[EM_P_T_PEAK]));
}

/* H(ACTH_base): constant per subject but read by every RHS call, so each thread keeps
 * the last value with the three parameters it came from (a pow call saved per RHS;
 * the value is the one cort_hill computes, bit for bit) */
static _Thread_local double cort_base_key[3] = {NAN, NAN, NAN};
static _Thread_local double cort_base_val;

static inline double cort_hill_base(const double *p)
{
    if (p[EM_P_ACTH_EC50] != cort_base_key[0] || p[EM_P_ACTH_BASE] != cort_base_key[1]
        || p[EM_P_CORTISOL_HILL] != cort_base_key[2]) {
        cort_base_key[0] = p[EM_P_ACTH_EC50];
        cort_base_key[1] = p[EM_P_ACTH_BASE];
        cort_base_key[2] = p[EM_P_CORTISOL_HILL];
        cort_base_val = cort_hill(p[EM_P_ACTH_BASE], p);
    }
    return cort_base_val;
}

/* the endogenous states 0 .. EM_Y_RECEPTOR_ACUTE - 1 */
static inline EM_INLINE void em_rhs_base(double t, const double *y, const double *p,
                                          const double *u, double *dy)
{
    double Dp = 0.0, Dh = 0.0;
    const double tau_n = p[EM_P_TAU_NONOPIOID];
    const double x = pr_exercise_x(y, p, u, 1);      /* exercise: relative intensity */
    for (int k = 0; k < NCH; k++) {
        const double *pk = p + EM_CH_STRIDE * k;
        const double hk = channel(k == EM_U_EXERCISE ? x : u[k], pk[EM_CH_U50], pk[EM_CH_N]);
        Dp += pk[EM_CH_GAIN_PITUITARY] * hk;
        Dh += pk[EM_CH_GAIN_HYPOTHALAMIC] * hk;
        dy[EM_Y_NONOPIOID + k] = em_filter(hk, y[EM_Y_NONOPIOID + k], tau_n);
    }
    const double Ap = y[EM_Y_ACT_P], Ah = y[EM_Y_ACT_H];
    const double c = circadian(t, p);
    const double pulse = y[EM_Y_PULSE] > 0.0 ? y[EM_Y_PULSE] : 0.0;
    const double rp = (1.0 + p[EM_P_RHO_P] * Ap) * (1.0 + pulse);
    const double rh = 1.0 + p[EM_P_RHO_H] * Ah;
    const double relp = rp * y[EM_Y_STORE_P];
    const double relh = rh * y[EM_Y_STORE_H];
    dy[EM_Y_ACT_P] = em_filter(Dp, Ap, p[EM_P_TAU_ACT]);
    dy[EM_Y_ACT_H] = em_filter(Dh, Ah, p[EM_P_TAU_ACT]);
    dy[EM_Y_SYN_P] = (c * (1.0 + p[EM_P_SIGMA_P] * Ap) - y[EM_Y_SYN_P]) / p[EM_P_TAU_SYN];
    dy[EM_Y_SYN_H] = (c * (1.0 + p[EM_P_SIGMA_H] * Ah) - y[EM_Y_SYN_H]) / p[EM_P_TAU_SYN];
    dy[EM_Y_STORE_P] = (y[EM_Y_SYN_P] - relp) / p[EM_P_STORE_TIME_P];
    dy[EM_Y_STORE_H] = (y[EM_Y_SYN_H] - relh) / p[EM_P_STORE_TIME_H];
    dy[EM_Y_PULSE] = -y[EM_Y_PULSE] / p[EM_P_TAU_PULSE] + u[EM_U_PULSE_RATE];
    dy[EM_Y_BEND_PLASMA] = LN2 / p[EM_P_T_HALF_PLASMA] * (p[EM_P_BEND_PLASMA_BASE] * relp - y[EM_Y_BEND_PLASMA])
                  + u[EM_U_BEND_IV_RATE];
    dy[EM_Y_BEND_CSF] = LN2 / p[EM_P_T_HALF_CSF] * (p[EM_P_BEND_CSF_BASE] * relh - y[EM_Y_BEND_CSF])
                  + u[EM_U_BEND_ICV_RATE];
    dy[EM_Y_ACTH] = LN2 / p[EM_P_T_HALF_ACTH] * (p[EM_P_ACTH_BASE] * relp - y[EM_Y_ACTH]);
    dy[EM_Y_CORTISOL] = LN2 / p[EM_P_T_HALF_CORTISOL]
                    * (p[EM_P_CORTISOL_BASE] * cort_hill(y[EM_Y_ACTH], p)
                       / cort_hill_base(p) - y[EM_Y_CORTISOL]);
    pr_rhs(y, p, u, x, dy, 1);                        /* practice over weeks */
}

/* d H / d X of the cortisol secretion curve (0 for X <= 0) */
static inline double cort_hill_deriv(double x, const double *p)
{
    if (!(x > 0.0)) {
        return 0.0;
    }
    const double q = pow(p[EM_P_ACTH_EC50] / x, p[EM_P_CORTISOL_HILL]);
    return p[EM_P_CORTISOL_HILL] * q / (x * (1.0 + q) * (1.0 + q));
}

/* The analytic Jacobian of the endogenous block (rows/columns 0 .. EM_Y_RECEPTOR_ACUTE - 1) in the
 * S x S row-major matrix J, which it zeroes first. */
static void em_jac_base(double t, const double *y, const double *p, const double *u, double *J,
                        const int S)
{
    (void)u;
    /* S: the row stride, the variant's number of states */
    for (int i = 0; i < S * S; i++) {
        J[i] = 0.0;
    }
#define JJ(i, j) J[(i) * S + (j)]
    const double Ap = y[EM_Y_ACT_P], Ah = y[EM_Y_ACT_H];
    const double Sp = y[EM_Y_STORE_P], Sh = y[EM_Y_STORE_H];
    const double c = circadian(t, p);
    const int on = y[EM_Y_PULSE] > 0.0;
    const double pulse = on ? y[EM_Y_PULSE] : 0.0;
    const double rp = (1.0 + p[EM_P_RHO_P] * Ap) * (1.0 + pulse);
    const double rp_a = p[EM_P_RHO_P] * (1.0 + pulse);        /* d rp / d A_p */
    const double rp_pi = on ? 1.0 + p[EM_P_RHO_P] * Ap : 0.0;  /* d rp / d pulse */
    const double rh = 1.0 + p[EM_P_RHO_H] * Ah;
    const double tsyn = p[EM_P_TAU_SYN], tp = p[EM_P_STORE_TIME_P], th = p[EM_P_STORE_TIME_H];
    const double kp = LN2 / p[EM_P_T_HALF_PLASMA], kh = LN2 / p[EM_P_T_HALF_CSF];
    const double kx = LN2 / p[EM_P_T_HALF_ACTH], kf = LN2 / p[EM_P_T_HALF_CORTISOL];

    JJ(EM_Y_ACT_P, EM_Y_ACT_P) = -1.0 / p[EM_P_TAU_ACT];
    JJ(EM_Y_ACT_H, EM_Y_ACT_H) = -1.0 / p[EM_P_TAU_ACT];
    JJ(EM_Y_SYN_P, EM_Y_ACT_P) = c * p[EM_P_SIGMA_P] / tsyn;
    JJ(EM_Y_SYN_P, EM_Y_SYN_P) = -1.0 / tsyn;
    JJ(EM_Y_SYN_H, EM_Y_ACT_H) = c * p[EM_P_SIGMA_H] / tsyn;
    JJ(EM_Y_SYN_H, EM_Y_SYN_H) = -1.0 / tsyn;
    JJ(EM_Y_STORE_P, EM_Y_SYN_P) = 1.0 / tp;
    JJ(EM_Y_STORE_P, EM_Y_STORE_P) = -rp / tp;
    JJ(EM_Y_STORE_P, EM_Y_ACT_P) = -rp_a * Sp / tp;
    JJ(EM_Y_STORE_P, EM_Y_PULSE) = -rp_pi * Sp / tp;
    JJ(EM_Y_STORE_H, EM_Y_SYN_H) = 1.0 / th;
    JJ(EM_Y_STORE_H, EM_Y_STORE_H) = -rh / th;
    JJ(EM_Y_STORE_H, EM_Y_ACT_H) = -p[EM_P_RHO_H] * Sh / th;
    JJ(EM_Y_PULSE, EM_Y_PULSE) = -1.0 / p[EM_P_TAU_PULSE];
    /* plasma and ACTH read the pituitary release rp S_p */
    const int rows[2] = {EM_Y_BEND_PLASMA, EM_Y_ACTH};
    const double gain[2] = {kp * p[EM_P_BEND_PLASMA_BASE], kx * p[EM_P_ACTH_BASE]};
    const double decay[2] = {kp, kx};
    for (int r = 0; r < 2; r++) {
        JJ(rows[r], rows[r]) = -decay[r];
        JJ(rows[r], EM_Y_STORE_P) = gain[r] * rp;
        JJ(rows[r], EM_Y_ACT_P) = gain[r] * rp_a * Sp;
        JJ(rows[r], EM_Y_PULSE) = gain[r] * rp_pi * Sp;
    }
    JJ(EM_Y_BEND_CSF, EM_Y_BEND_CSF) = -kh;
    JJ(EM_Y_BEND_CSF, EM_Y_STORE_H) = kh * p[EM_P_BEND_CSF_BASE] * rh;
    JJ(EM_Y_BEND_CSF, EM_Y_ACT_H) = kh * p[EM_P_BEND_CSF_BASE] * p[EM_P_RHO_H] * Sh;
    JJ(EM_Y_CORTISOL, EM_Y_CORTISOL) = -kf;
    JJ(EM_Y_CORTISOL, EM_Y_ACTH) = kf * p[EM_P_CORTISOL_BASE] * cort_hill_deriv(y[EM_Y_ACTH], p)
                               / cort_hill_base(p);
    for (int k = 0; k < NCH; k++) {
        JJ(EM_Y_NONOPIOID + k, EM_Y_NONOPIOID + k) = -1.0 / p[EM_P_TAU_NONOPIOID];
    }
#undef JJ
}

/* The Jacobian of the practice states (endorphin_practice.h) and of what they touch:
 * the CSF row (central tone of exercise practice) and, with a workload input, the
 * exercise channel's rows through x = u_exercise + exercise_vo2 / VO2max.  The gate of
 * the fitness gain (between sessions) is piecewise constant in time: its derivative is
 * that of the side the state is on. */
static void em_jac_practice(const double *y, const double *p, const double *u, double *J,
                            const int S)
{
#define JJ(i, j) J[(size_t)(i) * (size_t)S + (size_t)(j)]
    const double x = pr_exercise_x(y, p, u, 1), xp = x > 0.0 ? x : 0.0;
    const double L = y[EM_Y_TRAINING_LOAD], F = y[EM_Y_FITNESS];
    const double Px = y[EM_Y_PRACTICE_EXERCISE], Pm = y[EM_Y_PRACTICE_MEDITATION];
    const double um = u[EM_U_MEDITATION] > 0.0 ? u[EM_U_MEDITATION] : 0.0;
    const double gate = xp > 0.0 ? 0.0 : 1.0;
    const double w = u[EM_U_EXERCISE_VO2];
    /* d x / d F (0 without a workload) */
    double dx = 0.0;
    if (w > 0.0) {
        const double v = pr_vo2max(y, p, 1);
        dx = -w * p[EM_P_VO2MAX_BASE] / (v * v);
    }
    const double dxp = x > 0.0 ? dx : 0.0;
    JJ(EM_Y_TRAINING_LOAD, EM_Y_TRAINING_LOAD) = -1.0 / p[EM_P_TAU_LOAD];
    JJ(EM_Y_TRAINING_LOAD, EM_Y_FITNESS) = dxp;
    JJ(EM_Y_FITNESS, EM_Y_TRAINING_LOAD) = gate * p[EM_P_K_FITNESS] * (p[EM_P_FITNESS_MAX] - F);
    JJ(EM_Y_FITNESS, EM_Y_FITNESS) = -gate * p[EM_P_K_FITNESS] * L - 1.0 / p[EM_P_TAU_DETRAIN];
    JJ(EM_Y_PRACTICE_EXERCISE, EM_Y_TRAINING_LOAD) = p[EM_P_K_PRACTICE_EXERCISE] * (1.0 - Px);
    JJ(EM_Y_PRACTICE_EXERCISE, EM_Y_PRACTICE_EXERCISE) = -p[EM_P_K_PRACTICE_EXERCISE] * L
                                                   - 1.0 / p[EM_P_TAU_PRACTICE_EXERCISE];
    JJ(EM_Y_PRACTICE_MEDITATION, EM_Y_PRACTICE_MEDITATION) = -p[EM_P_K_PRACTICE_MEDITATION] * um
                                                       - 1.0 / p[EM_P_TAU_PRACTICE_MEDITATION];
    (void)Pm;
    JJ(EM_Y_EXERCISE_FLARE, EM_Y_EXERCISE_FLARE) = -1.0 / p[EM_P_TAU_FLARE];
    JJ(EM_Y_EXERCISE_FLARE, EM_Y_PRACTICE_EXERCISE) = -p[EM_P_FLARE_RATE] * xp;
    JJ(EM_Y_EXERCISE_FLARE, EM_Y_FITNESS) = p[EM_P_FLARE_RATE] * (1.0 - Px) * dxp;
    JJ(EM_Y_BEND_CSF, EM_Y_PRACTICE_EXERCISE) = LN2 / p[EM_P_T_HALF_CSF] * p[EM_P_BEND_CSF_BASE]
                                          * p[EM_P_PRACTICE_EXERCISE_OPIOID];
    if (dx != 0.0 && x > 0.0) {
        /* the exercise channel h(x) = 1 / (1 + (u50 / x)^n): dh/dx = n h (1 - h) / x */
        const double *pk = p + EM_CH_STRIDE * EM_U_EXERCISE;
        const double h = channel(x, pk[EM_CH_U50], pk[EM_CH_N]);
        const double dh = pk[EM_CH_N] * h * (1.0 - h) / x * dx;
        JJ(EM_Y_ACT_P, EM_Y_FITNESS) = pk[EM_CH_GAIN_PITUITARY] * dh / p[EM_P_TAU_ACT];
        JJ(EM_Y_ACT_H, EM_Y_FITNESS) = pk[EM_CH_GAIN_HYPOTHALAMIC] * dh / p[EM_P_TAU_ACT];
        JJ(EM_Y_NONOPIOID + EM_U_EXERCISE, EM_Y_FITNESS) = dh / p[EM_P_TAU_NONOPIOID];
    }
#undef JJ
}

/* ------------------------------------------------------------------------- */
/* binding, receptors and drugs                                               */
/* ------------------------------------------------------------------------- */

/* d g / d s */
static inline double transducer_deriv(double s, double m)
{
    if (!(s > 0.0)) {
        return 0.0;
    }
    if (m == 1.0) {
        return 1.0 / ((1.0 + s) * (1.0 + s));
    }
    const double q = pow(s, -m);
    return m * q / (s * (1.0 + q) * (1.0 + q));
}

/* Binding of beta-endorphin (CSF, pmol/L) and the nd drugs at mu, delta,
 * kappa.  Kinetic ligands (kon > 0) hold the bound fraction B_j of mu;
 * equilibrium ligands share the rest, 1 - sum B.  occ_b[r]: beta-endorphin;
 * occ_d[3 k + r]: drug k; drive[r]: the agonist effect with every receptor
 * functional, g(sum tau occ), which drives desensitization; eff[r]: the
 * effect with the functional fraction R[r] (NULL: not computed). */
static inline EM_INLINE double em_binding(int nd, double ch, const double *y,
                                          const double *p, const double *R, double occ_b[3],
                                          double *occ_d, double drive[3], double eff[3])
{
    const double Lb = ch > 0.0 ? 1e-3 * ch : 0.0;
    double bound = 0.0;
    for (int k = 0; k < nd; k++) {
        const double *dp = p + ENDO_EM_NPARAMS + DNP * k;
        if (dp[EM_D_KON] > 0.0) {
            const double b = y[ENDO_EM_NSTATES + DNS * k + EM_DY_BOUND];
            bound += b > 0.0 ? b : 0.0;
        }
    }
    const double free_mu = bound < 1.0 ? 1.0 - bound : 0.0;
    for (int r = 0; r < 3; r++) {
        const double xb = Lb / p[EM_P_K_BEND_MU + r];
        double X = xb;
        for (int k = 0; k < nd; k++) {
            const double *dp = p + ENDO_EM_NPARAMS + DNP * k;
            if (r == 0 && dp[EM_D_KON] > 0.0) {
                continue;
            }
            const double ce = y[ENDO_EM_NSTATES + DNS * k + EM_DY_EFFECT_SITE];
            X += (ce > 0.0 ? ce : 0.0) / dp[EM_D_K_MU + r];
        }
        const double f = (r == 0 ? free_mu : 1.0) / (1.0 + X);
        occ_b[r] = f * xb;
        double s = p[EM_P_TAU_BEND_MU + r] * occ_b[r];
        for (int k = 0; k < nd; k++) {
            const double *dp = p + ENDO_EM_NPARAMS + DNP * k;
            const double *dy = y + ENDO_EM_NSTATES + DNS * k;
            double o;
            if (r == 0 && dp[EM_D_KON] > 0.0) {
                o = dy[EM_DY_BOUND] > 0.0 ? dy[EM_DY_BOUND] : 0.0;
            }
            else {
                o = f * (dy[EM_DY_EFFECT_SITE] > 0.0 ? dy[EM_DY_EFFECT_SITE] : 0.0) / dp[EM_D_K_MU + r];
            }
            occ_d[3 * k + r] = o;
            s += dp[EM_D_TAU_MU + r] * o;
        }
        const double m = p[EM_P_SLOPE_MU + r];
        drive[r] = transducer(s, m);
        if (eff != NULL) {
            eff[r] = transducer(R[r] * s, m);
        }
    }
    return bound;
}

static inline EM_INLINE void em_rhs_n(int nd, double t, const double *y, const double *p,
                                      const double *u, double *dy)
{
    em_rhs_base(t, y, p, u, dy);
    double occ_b[3], occ_d[3 * ENDO_EM_MAX_DRUGS], drive[3];
    /* the kinetic ligands' total bound fraction of mu, shared with the binding */
    const double bound = em_binding(nd, y[EM_Y_BEND_CSF], y, p, NULL, occ_b, occ_d, drive, NULL);
    for (int r = 0; r < 3; r++) {
        const double ra = y[EM_Y_RECEPTOR_ACUTE + r], rc = y[EM_Y_RECEPTOR_CHRONIC + r];
        /* with acute_qss the factor is read at its quasi-steady state and the state held */
        dy[EM_Y_RECEPTOR_ACUTE + r] = u[EM_U_ACUTE_QSS] > 0.0 ? 0.0
            : p[EM_P_K_REC_ACUTE_MU + r] * (1.0 - ra) - p[EM_P_K_DES_ACUTE_MU + r] * drive[r] * ra;
        dy[EM_Y_RECEPTOR_CHRONIC + r] = p[EM_P_K_REC_CHRONIC_MU + r] * (1.0 - rc) - p[EM_P_K_DES_CHRONIC_MU + r] * drive[r] * rc;
    }
    for (int k = 0; k < nd; k++) {
        const double *dp = p + ENDO_EM_NPARAMS + DNP * k;
        const double *x = y + ENDO_EM_NSTATES + DNS * k;
        const double *uk = u + ENDO_EM_NINPUTS + DNU * k;
        double *dx = dy + ENDO_EM_NSTATES + DNS * k;
        const double absorbed = dp[EM_D_KA] * x[EM_DY_DEPOT];
        dx[EM_DY_DEPOT] = uk[EM_DU_DEPOT_RATE] - absorbed;
        dx[EM_DY_CENTRAL] = uk[EM_DU_RATE] + absorbed
                            - (dp[EM_D_K10] + dp[EM_D_K12] + dp[EM_D_K13]) * x[EM_DY_CENTRAL]
                            + dp[EM_D_K21] * x[EM_DY_PERIPHERAL2] + dp[EM_D_K31] * x[EM_DY_PERIPHERAL3];
        dx[EM_DY_PERIPHERAL2] = dp[EM_D_K12] * x[EM_DY_CENTRAL] - dp[EM_D_K21] * x[EM_DY_PERIPHERAL2];
        dx[EM_DY_PERIPHERAL3] = dp[EM_D_K13] * x[EM_DY_CENTRAL] - dp[EM_D_K31] * x[EM_DY_PERIPHERAL3];
        dx[EM_DY_EFFECT_SITE] = dp[EM_D_KE0] * (dp[EM_D_F_BRAIN] * x[EM_DY_CENTRAL] / dp[EM_D_V1]
                                       - x[EM_DY_EFFECT_SITE]);
        if (dp[EM_D_KON] > 0.0) {
            const double ce = x[EM_DY_EFFECT_SITE] > 0.0 ? x[EM_DY_EFFECT_SITE] : 0.0;
            const double n = dp[EM_D_N];
            const double ln = n == 1.0 ? ce : pow(ce, n);
            dx[EM_DY_BOUND] = dp[EM_D_KON] * ln * (1.0 - bound) - dp[EM_D_KOFF] * x[EM_DY_BOUND];
        }
        else {
            dx[EM_DY_BOUND] = -x[EM_DY_BOUND];     /* unused: relaxes to 0 */
        }
    }
}

static inline double em_mood(const double eff[3], const double *p)
{
    return p[EM_P_V_MU] * eff[0] + p[EM_P_V_DELTA] * eff[1] - p[EM_P_V_KAPPA] * eff[2];
}

/* the subject's resting effects: beta-endorphin at its base CSF level, the
 * receptors at the constant-drive rest that level sustains */
static void em_rest_effects(const double *p, double eff0[3])
{
    /* the same arithmetic as em_init_receptors (rhythm off) and em_binding, so that
     * the mood is exactly 0 at the rhythm-off rest */
    const double cb = p[EM_P_BEND_CSF_BASE];
    for (int r = 0; r < 3; r++) {
        const double d = bend_drive(cb, p, r);
        const double ka = p[EM_P_K_REC_ACUTE_MU + r], kc = p[EM_P_K_REC_CHRONIC_MU + r];
        const double ra = ka / (ka + p[EM_P_K_DES_ACUTE_MU + r] * d);
        const double rc = kc / (kc + p[EM_P_K_DES_CHRONIC_MU + r] * d);
        const double R0 = p[EM_P_RECEPTOR_MU + r] * ra * rc;
        const double xb = (cb > 0.0 ? 1e-3 * cb : 0.0) / p[EM_P_K_BEND_MU + r];
        const double f = 1.0 / (1.0 + xb);
        const double s = p[EM_P_TAU_BEND_MU + r] * (f * xb);
        eff0[r] = transducer(R0 * s, p[EM_P_SLOPE_MU + r]);
    }
}

/* ------------------------------------------------------------------------- */
/* symptoms (docs/model.md, "Symptoms")                                       */
/* ------------------------------------------------------------------------- */
static inline double em_clip(double x, double hi)
{
    return x < 0.0 ? 0.0 : (x > hi ? hi : x);
}

/* a HADS score: base x trait x (1 + day_cv X) x f, clipped to 0..21 */
static inline double em_hads(double base, double trait, double day_cv, double x, double f)
{
    return em_clip(base * trait * (1.0 + day_cv * x) * f, 21.0);
}

/* sym[0] pain_nrs: the evoked part e = clip((1 + pain_sensitization) pain (1 - a) flare,
 * 0, 10) and the ongoing part o = clip(pain_ongoing trait (1 + day_cv X_pain)
 * min(1, (1 - a) / (1 - a_rest)) flare, 0, 10), combined as 10 - (10 - e)(10 - o) / 10
 * (= e + o - e o / 10); sym[1], sym[2]: the anxiety and depression scores, scaled by
 * (receptor_mu Z_mu / Z_mu,rest)^-gamma and by the practice factor (endorphin_practice.h).
 * a: the analgesia; flare: the post-exercise flare factor (1: none); eff0: the resting
 * effects (em_rest_effects). */
static inline void em_symptoms(const double *y, const double *p, const double *u, double a,
                               double flare, const double eff0[3], double sym[3])
{
    const double s = 1.0 + p[EM_P_PAIN_SENSITIZATION];
    const double e = em_clip(s * u[EM_U_PAIN] * (1.0 - a) * flare, 10.0);
    double prod_rest = 1.0;
    for (int r = 0; r < 3; r++) {
        prod_rest *= 1.0 - p[EM_P_W_MU + r] * eff0[r];
    }
    double relief = prod_rest > 0.0 ? (1.0 - a) / prod_rest : 1.0;
    relief = relief < 1.0 ? relief : 1.0;
    const double o = em_clip(p[EM_P_PAIN_ONGOING] * p[EM_P_PAIN_TRAIT]
                             * (1.0 + p[EM_P_PAIN_DAY_CV] * u[EM_U_PAIN_FLUCTUATION]) * relief
                             * flare, 10.0);
    sym[0] = 10.0 - (10.0 - e) * (10.0 - o) / 10.0;   /* <= 10 exactly when e, o <= 10 */
    /* mu availability relative to the subject's rest: receptor_mu x Z_mu / Z_mu,rest */
    const double d0 = bend_drive(p[EM_P_BEND_CSF_BASE], p, 0);
    const double kc = p[EM_P_K_REC_CHRONIC_MU];
    const double z0 = kc / (kc + p[EM_P_K_DES_CHRONIC_MU] * d0);
    double m = p[EM_P_RECEPTOR_MU] * y[EM_Y_RECEPTOR_CHRONIC_MU] / z0;
    m = m > 1e-6 ? m : 1e-6;
    const double g = p[EM_P_HADS_MU_EXPONENT];
    const double f = (g == 0.0 ? 1.0 : (g == 1.0 ? 1.0 / m : pow(m, -g)))
                     * pr_mood_factor(y, p, 1);
    sym[1] = em_hads(p[EM_P_ANXIETY_BASE], p[EM_P_ANXIETY_TRAIT], p[EM_P_ANXIETY_DAY_CV],
                     u[EM_U_ANXIETY_FLUCTUATION], f);
    sym[2] = em_hads(p[EM_P_DEPRESSION_BASE], p[EM_P_DEPRESSION_TRAIT],
                     p[EM_P_DEPRESSION_DAY_CV], u[EM_U_DEPRESSION_FLUCTUATION], f);
}

static inline EM_INLINE void em_output_n(int nd, double t, const double *y,
                                         const double *p, const double *u, double *out)
{
    double R[3], occ_b[3], occ_d[3 * ENDO_EM_MAX_DRUGS], drive[3], eff[3], eff0[3];
    double qa[3];
    for (int r = 0; r < 3; r++) {
        qa[r] = y[EM_Y_RECEPTOR_ACUTE + r];
    }
    if (u[EM_U_ACUTE_QSS] > 0.0) {
        /* the acute factors at their quasi-steady state for the current drive */
        em_binding(nd, y[EM_Y_BEND_CSF], y, p, NULL, occ_b, occ_d, drive, NULL);
        for (int r = 0; r < 3; r++) {
            const double kr = p[EM_P_K_REC_ACUTE_MU + r];
            qa[r] = kr / (kr + p[EM_P_K_DES_ACUTE_MU + r] * drive[r]);
        }
    }
    for (int r = 0; r < 3; r++) {
        R[r] = p[EM_P_RECEPTOR_MU + r] * qa[r] * y[EM_Y_RECEPTOR_CHRONIC + r];
    }
    em_binding(nd, y[EM_Y_BEND_CSF], y, p, R, occ_b, occ_d, drive, eff);
    em_rest_effects(p, eff0);
    double prod_op = 1.0;
    for (int r = 0; r < 3; r++) {
        prod_op *= 1.0 - p[EM_P_W_MU + r] * eff[r];
    }
    double prod_non = 1.0;
    for (int k = 0; k < NCH; k++) {
        double n = y[EM_Y_NONOPIOID + k];
        n = n < 0.0 ? 0.0 : (n > 1.0 ? 1.0 : n);
        prod_non *= 1.0 - p[EM_CH_STRIDE * k + EM_CH_NONOPIOID_GAIN] * n;
    }
    prod_non *= pr_nonopioid_factor(y, p, 1);         /* trained non-opioid analgesia */
    const double flare = pr_flare_factor(y, 1);      /* post-exercise flare (FM) */
    const double a_op = 1.0 - prod_op;
    const double a_non = 1.0 - prod_non;
    const double a = 1.0 - prod_op * prod_non;
    double sym[3];
    em_symptoms(y, p, u, a, flare, eff0, sym);
    const double one_minus_a = prod_op * prod_non * flare;
    const double thr = one_minus_a > 0.1 ? 1.0 / one_minus_a : 10.0;

    out[EM_O_PLASMA_BETA_ENDORPHIN] = y[EM_Y_BEND_PLASMA];
    out[EM_O_CSF_BETA_ENDORPHIN] = y[EM_Y_BEND_CSF];
    out[EM_O_PLASMA_ACTH] = y[EM_Y_ACTH];
    out[EM_O_PLASMA_CORTISOL] = y[EM_Y_CORTISOL];
    for (int r = 0; r < 3; r++) {
        double occ = occ_b[r];
        for (int k = 0; k < nd; k++) {
            occ += occ_d[3 * k + r];
        }
        out[EM_O_OCCUPANCY + r] = occ;
        out[EM_O_RECEPTOR + r] = R[r];
        out[EM_O_EFFECT + r] = eff[r];
        out[EM_O_OCCUPANCY_BETA_ENDORPHIN + r] = occ_b[r];
        out[EM_O_RECEPTOR_ACUTE + r] = qa[r];
        out[EM_O_RECEPTOR_CHRONIC + r] = y[EM_Y_RECEPTOR_CHRONIC + r];
    }
    out[EM_O_OPIOID_ANALGESIA] = a_op;
    out[EM_O_NONOPIOID_ANALGESIA] = a_non;
    out[EM_O_ANALGESIA] = a;
    out[EM_O_MOOD] = em_mood(eff, p) - em_mood(eff0, p);
    out[EM_O_PAIN_NRS] = sym[0];
    out[EM_O_ANXIETY_SCORE] = sym[1];
    out[EM_O_DEPRESSION_SCORE] = sym[2];
    out[EM_O_PAIN_THRESHOLD] = thr;
    out[EM_O_ACTIVATION_PITUITARY] = y[EM_Y_ACT_P];
    out[EM_O_ACTIVATION_HYPOTHALAMIC] = y[EM_Y_ACT_H];
    out[EM_O_SYNTHESIS_PITUITARY] = y[EM_Y_SYN_P];
    out[EM_O_SYNTHESIS_HYPOTHALAMIC] = y[EM_Y_SYN_H];
    out[EM_O_STORE_PITUITARY] = y[EM_Y_STORE_P];
    out[EM_O_STORE_HYPOTHALAMIC] = y[EM_Y_STORE_H];
    out[EM_O_PULSE] = y[EM_Y_PULSE];
    out[EM_O_CIRCADIAN] = circadian(t, p);
    out[EM_O_VO2MAX] = pr_vo2max(y, p, 1);
    out[EM_O_EXERCISE_INTENSITY] = pr_exercise_x(y, p, u, 1);
    out[EM_O_TRAINING_LOAD] = y[EM_Y_TRAINING_LOAD];
    out[EM_O_PRACTICE_EXERCISE] = y[EM_Y_PRACTICE_EXERCISE];
    out[EM_O_PRACTICE_MEDITATION] = y[EM_Y_PRACTICE_MEDITATION];
    out[EM_O_EXERCISE_FLARE] = y[EM_Y_EXERCISE_FLARE];
    for (int k = 0; k < nd; k++) {
        const double *dp = p + ENDO_EM_NPARAMS + DNP * k;
        const double *x = y + ENDO_EM_NSTATES + DNS * k;
        double *o = out + ENDO_EM_NOUTPUTS + DNO * k;
        o[EM_DO_PLASMA] = x[EM_DY_CENTRAL] / dp[EM_D_V1];
        o[EM_DO_EFFECT_SITE] = x[EM_DY_EFFECT_SITE];
        for (int r = 0; r < 3; r++) {
            o[EM_DO_OCCUPANCY + r] = occ_d[3 * k + r];
        }
    }
}

/* Analytic Jacobian of every variant (nd = 0 .. 4 drug slots): the endogenous block,
 * the receptor rows through the binding (d drive / d C_h, d C_e,k and d B_k), the
 * drugs' linear PK and their kinetic binding at mu.  At the clips of the RHS
 * (max(x, 0)) the derivative is that of the side the value is on (0 at x <= 0). */
static inline EM_INLINE void em_jac_n(int nd, double t, const double *y, const double *p,
                                      const double *u, double *J)
{
    const int S = ENDO_EM_NSTATES + DNS * nd;
    em_jac_base(t, y, p, u, J, S);
    em_jac_practice(y, p, u, J, S);
#define JJ(i, j) J[(size_t)(i) * (size_t)S + (size_t)(j)]
#define DP(k) (p + ENDO_EM_NPARAMS + DNP * (k))
#define DY(k) (ENDO_EM_NSTATES + DNS * (k))
    const double ch = y[EM_Y_BEND_CSF];
    const double Lb = ch > 0.0 ? 1e-3 * ch : 0.0;
    double bound = 0.0;
    for (int k = 0; k < nd; k++) {
        if (DP(k)[EM_D_KON] > 0.0) {
            const double b = y[DY(k) + EM_DY_BOUND];
            bound += b > 0.0 ? b : 0.0;
        }
    }
    const double free_mu = bound < 1.0 ? 1.0 - bound : 0.0;
    for (int r = 0; r < 3; r++) {
        const double K = p[EM_P_K_BEND_MU + r], taub = p[EM_P_TAU_BEND_MU + r];
        const double xb = Lb / K;
        double X = xb, N = taub * xb, kin = 0.0;
        for (int k = 0; k < nd; k++) {
            const double *dp = DP(k);
            if (r == 0 && dp[EM_D_KON] > 0.0) {
                const double b = y[DY(k) + EM_DY_BOUND];
                kin += dp[EM_D_TAU_MU] * (b > 0.0 ? b : 0.0);
                continue;
            }
            const double ce = y[DY(k) + EM_DY_EFFECT_SITE];
            const double c = (ce > 0.0 ? ce : 0.0) / dp[EM_D_K_MU + r];
            X += c;
            N += dp[EM_D_TAU_MU + r] * c;
        }
        const double f = (r == 0 ? free_mu : 1.0) / (1.0 + X);
        const double sv = f * N + kin;
        const double m = p[EM_P_SLOPE_MU + r];
        const double d = transducer(sv, m), gd = transducer_deriv(sv, m);
        const double nx = N / (1.0 + X);
        const int ia = EM_Y_RECEPTOR_ACUTE + r, ic = EM_Y_RECEPTOR_CHRONIC + r;
        const double ka = p[EM_P_K_DES_ACUTE_MU + r] * y[ia], kc = p[EM_P_K_DES_CHRONIC_MU + r] * y[ic];
        JJ(ia, ia) = -p[EM_P_K_REC_ACUTE_MU + r] - p[EM_P_K_DES_ACUTE_MU + r] * d;
        JJ(ic, ic) = -p[EM_P_K_REC_CHRONIC_MU + r] - p[EM_P_K_DES_CHRONIC_MU + r] * d;
        if (ch > 0.0) {
            const double ds = f * (taub - nx) * 1e-3 / K;
            JJ(ia, EM_Y_BEND_CSF) = -ka * gd * ds;
            JJ(ic, EM_Y_BEND_CSF) = -kc * gd * ds;
        }
        for (int k = 0; k < nd; k++) {
            const double *dp = DP(k);
            if (r == 0 && dp[EM_D_KON] > 0.0) {
                if (y[DY(k) + EM_DY_BOUND] > 0.0) {
                    const double ds = dp[EM_D_TAU_MU] - (bound < 1.0 ? nx : 0.0);
                    JJ(ia, DY(k) + EM_DY_BOUND) = -ka * gd * ds;
                    JJ(ic, DY(k) + EM_DY_BOUND) = -kc * gd * ds;
                }
                continue;
            }
            if (y[DY(k) + EM_DY_EFFECT_SITE] > 0.0) {
                const double ds = f * (dp[EM_D_TAU_MU + r] - nx) / dp[EM_D_K_MU + r];
                JJ(ia, DY(k) + EM_DY_EFFECT_SITE) = -ka * gd * ds;
                JJ(ic, DY(k) + EM_DY_EFFECT_SITE) = -kc * gd * ds;
            }
        }
    }
    for (int k = 0; k < nd; k++) {
        const double *dp = DP(k);
        const int o = DY(k);
        const int dep = o + EM_DY_DEPOT, cen = o + EM_DY_CENTRAL, p2 = o + EM_DY_PERIPHERAL2;
        const int p3 = o + EM_DY_PERIPHERAL3, ce = o + EM_DY_EFFECT_SITE, bd = o + EM_DY_BOUND;
        JJ(dep, dep) = -dp[EM_D_KA];
        JJ(cen, dep) = dp[EM_D_KA];
        JJ(cen, cen) = -(dp[EM_D_K10] + dp[EM_D_K12] + dp[EM_D_K13]);
        JJ(cen, p2) = dp[EM_D_K21];
        JJ(cen, p3) = dp[EM_D_K31];
        JJ(p2, cen) = dp[EM_D_K12];
        JJ(p2, p2) = -dp[EM_D_K21];
        JJ(p3, cen) = dp[EM_D_K13];
        JJ(p3, p3) = -dp[EM_D_K31];
        JJ(ce, cen) = dp[EM_D_KE0] * dp[EM_D_F_BRAIN] / dp[EM_D_V1];
        JJ(ce, ce) = -dp[EM_D_KE0];
        if (!(dp[EM_D_KON] > 0.0)) {
            JJ(bd, bd) = -1.0;
            continue;
        }
        /* dB_k/dt = kon L^n (1 - sum_j max(B_j, 0)) - koff B_k, L = max(C_e, 0) */
        const double c = y[ce] > 0.0 ? y[ce] : 0.0, n = dp[EM_D_N];
        const double ln = n == 1.0 ? c : pow(c, n);
        if (c > 0.0) {
            const double dln = n == 1.0 ? 1.0 : n * pow(c, n - 1.0);
            JJ(bd, ce) = dp[EM_D_KON] * dln * (1.0 - bound);
        }
        for (int j = 0; j < nd; j++) {
            if (DP(j)[EM_D_KON] > 0.0 && y[DY(j) + EM_DY_BOUND] > 0.0) {
                JJ(bd, DY(j) + EM_DY_BOUND) = -dp[EM_D_KON] * ln;
            }
        }
        JJ(bd, bd) += -dp[EM_D_KOFF];
    }
    if (u[EM_U_ACUTE_QSS] > 0.0) {          /* the acute factors held (quasi-steady) */
        for (int r = 0; r < 3; r++) {
            for (int j = 0; j < S; j++) {
                JJ(EM_Y_RECEPTOR_ACUTE + r, j) = 0.0;
            }
        }
    }
#undef JJ
#undef DP
#undef DY
}
/* ------------------------------------------------------------------------- */
/* the right-hand side of ENDO_LANES subjects at once (models.h)              */
/* ------------------------------------------------------------------------- */
/*
 * em_rhs_n's arithmetic, operation for operation, for each lane (tests compare
 * the two bitwise).  The libm calls (channel and transducer powers, the
 * cortisol curve) run lane by lane, and only where a lane needs them; the rest
 * runs in loops over the lanes that the x86-64-v3 clone computes in AVX2
 * registers, with selects for em_rhs_n's branches.
 */
#define LN ENDO_LANES
#define LY(i) y[(size_t)(i) * LN + (size_t)l]
#define LP(j) p[(size_t)(j) * LN + (size_t)l]
#define LU(k) u[(size_t)(k) * LN + (size_t)l]
#define LD(i) dy[(size_t)(i) * LN + (size_t)l]

/* cort_hill_base for the lanes: each thread keeps the last value of each lane
 * with the parameters it came from (a lane keeps its subject for a whole day) */
static _Thread_local double lane_cort_key[LN][3] = {
    {NAN, NAN, NAN}, {NAN, NAN, NAN}, {NAN, NAN, NAN}, {NAN, NAN, NAN}};
static _Thread_local double lane_cort_val[LN];
_Static_assert(LN == 4, "lane_cort_key's initialiser");

static inline EM_INLINE void em_rhs_lanes_n(int nd, const double *t, const double *y,
                                            const double *p, const double *u, double *dy)
{
    /* channels: h_k = 0 unless the input is on (a power per lane then); the exercise
     * channel reads the relative intensity x (practice over weeks) */
    double h[NCH][LN], xin[LN];
    for (int l = 0; l < LN; l++) {
        xin[l] = pr_exercise_x(y + l, p + l, u + l, LN);
    }
    for (int k = 0; k < NCH; k++) {
        int on = 0;
        for (int l = 0; l < LN; l++) {
            on |= (k == EM_U_EXERCISE ? xin[l] : LU(k)) > 0.0;
        }
        for (int l = 0; l < LN; l++) {
            h[k][l] = on ? channel(k == EM_U_EXERCISE ? xin[l] : LU(k),
                                   LP(EM_CH_STRIDE * k + EM_CH_U50),
                                   LP(EM_CH_STRIDE * k + EM_CH_N))
                         : 0.0;
        }
    }
    /* the circadian factor (endo_cos over the lanes) */
    double arg[LN], cs[LN], c[LN];
#pragma omp simd
    for (int l = 0; l < LN; l++) {
        arg[l] = OMEGA * (t[l] + LP(EM_P_CLOCK_START) - LP(EM_P_T_PEAK));
    }
    endo_cos_n(arg, cs, LN);
#pragma omp simd
    for (int l = 0; l < LN; l++) {
        /* both arms computed, then selected: gcc does not speculate floating-point
         * arithmetic inside a branch (-ftrapping-math), so this form vectorises */
        const double a = LP(EM_P_A_CIRC), on = 1.0 + a * cs[l];
        c[l] = a == 0.0 ? 1.0 : on;
    }
    /* the cortisol curve at ACTH (cort_hill_v's arithmetic over the lanes when every
     * lane's arguments are in the cores' ranges, else lane by lane) and at its base */
    double H[LN], HB[LN], zl[LN];
    int in = 1;
    for (int l = 0; l < LN; l++) {
        const double x = LY(EM_Y_ACTH);
        zl[l] = LP(EM_P_ACTH_EC50) / x;
        in &= x > 0.0 && zl[l] >= ENDO_LOG_MIN && zl[l] <= ENDO_LOG_MAX;
    }
    if (in) {
        double el[LN];
#pragma omp simd
        for (int l = 0; l < LN; l++) {
            el[l] = LP(EM_P_CORTISOL_HILL) * endo_log_core(zl[l]);
        }
        for (int l = 0; l < LN; l++) {
            in &= fabs(el[l]) <= ENDO_EXP_MAX;
        }
        if (in) {
#pragma omp simd
            for (int l = 0; l < LN; l++) {
                H[l] = 1.0 / (1.0 + endo_exp_core(el[l]));
            }
        }
    }
    for (int l = 0; l < LN; l++) {
        if (!in) {
            H[l] = cort_hill_v(LY(EM_Y_ACTH), LP(EM_P_ACTH_EC50), LP(EM_P_CORTISOL_HILL));
        }
        if (LP(EM_P_ACTH_EC50) != lane_cort_key[l][0] || LP(EM_P_ACTH_BASE) != lane_cort_key[l][1]
            || LP(EM_P_CORTISOL_HILL) != lane_cort_key[l][2]) {
            lane_cort_key[l][0] = LP(EM_P_ACTH_EC50);
            lane_cort_key[l][1] = LP(EM_P_ACTH_BASE);
            lane_cort_key[l][2] = LP(EM_P_CORTISOL_HILL);
            lane_cort_val[l] = cort_hill_v(LP(EM_P_ACTH_BASE), LP(EM_P_ACTH_EC50),
                                           LP(EM_P_CORTISOL_HILL));
        }
        HB[l] = lane_cort_val[l];
    }
    /* em_rhs_base (loops over the lanes innermost, so that each vectorises) */
    double Dp[LN], Dh[LN];
    for (int l = 0; l < LN; l++) {
        Dp[l] = Dh[l] = 0.0;
    }
    for (int k = 0; k < NCH; k++) {
#pragma omp simd
        for (int l = 0; l < LN; l++) {
            const double hk = h[k][l];
            Dp[l] += LP(EM_CH_STRIDE * k + EM_CH_GAIN_PITUITARY) * hk;
            Dh[l] += LP(EM_CH_STRIDE * k + EM_CH_GAIN_HYPOTHALAMIC) * hk;
            LD(EM_Y_NONOPIOID + k) = em_filter(hk, LY(EM_Y_NONOPIOID + k), LP(EM_P_TAU_NONOPIOID));
        }
    }
#pragma omp simd
    for (int l = 0; l < LN; l++) {
        const double Ap = LY(EM_Y_ACT_P), Ah = LY(EM_Y_ACT_H);
        const double pv = LY(EM_Y_PULSE);
        const double pulse = pv > 0.0 ? pv : 0.0;
        const double rp = (1.0 + LP(EM_P_RHO_P) * Ap) * (1.0 + pulse);
        const double rh = 1.0 + LP(EM_P_RHO_H) * Ah;
        const double relp = rp * LY(EM_Y_STORE_P);
        const double relh = rh * LY(EM_Y_STORE_H);
        LD(EM_Y_ACT_P) = em_filter(Dp[l], Ap, LP(EM_P_TAU_ACT));
        LD(EM_Y_ACT_H) = em_filter(Dh[l], Ah, LP(EM_P_TAU_ACT));
        LD(EM_Y_SYN_P) = (c[l] * (1.0 + LP(EM_P_SIGMA_P) * Ap) - LY(EM_Y_SYN_P)) / LP(EM_P_TAU_SYN);
        LD(EM_Y_SYN_H) = (c[l] * (1.0 + LP(EM_P_SIGMA_H) * Ah) - LY(EM_Y_SYN_H)) / LP(EM_P_TAU_SYN);
        LD(EM_Y_STORE_P) = (LY(EM_Y_SYN_P) - relp) / LP(EM_P_STORE_TIME_P);
        LD(EM_Y_STORE_H) = (LY(EM_Y_SYN_H) - relh) / LP(EM_P_STORE_TIME_H);
        LD(EM_Y_PULSE) = -LY(EM_Y_PULSE) / LP(EM_P_TAU_PULSE) + LU(EM_U_PULSE_RATE);
        LD(EM_Y_BEND_PLASMA) = LN2 / LP(EM_P_T_HALF_PLASMA) * (LP(EM_P_BEND_PLASMA_BASE) * relp - LY(EM_Y_BEND_PLASMA))
                      + LU(EM_U_BEND_IV_RATE);
        LD(EM_Y_BEND_CSF) = LN2 / LP(EM_P_T_HALF_CSF) * (LP(EM_P_BEND_CSF_BASE) * relh - LY(EM_Y_BEND_CSF))
                      + LU(EM_U_BEND_ICV_RATE);
        LD(EM_Y_ACTH) = LN2 / LP(EM_P_T_HALF_ACTH) * (LP(EM_P_ACTH_BASE) * relp - LY(EM_Y_ACTH));
        LD(EM_Y_CORTISOL) = LN2 / LP(EM_P_T_HALF_CORTISOL)
                        * (LP(EM_P_CORTISOL_BASE) * H[l] / HB[l] - LY(EM_Y_CORTISOL));
    }
    /* practice over weeks */
    for (int l = 0; l < LN; l++) {
        pr_rhs(y + l, p + l, u + l, xin[l], dy + l, LN);
    }
    /* em_binding (no effects): the transducer inputs s[r] and the kinetic ligands'
     * total bound fraction of mu */
    double sr[3][LN], bound[LN], Lb[LN], free_mu[LN];
#pragma omp simd
    for (int l = 0; l < LN; l++) {
        const double ch = LY(EM_Y_BEND_CSF), lc = 1e-3 * ch;
        Lb[l] = ch > 0.0 ? lc : 0.0;
        bound[l] = 0.0;
    }
    for (int k = 0; k < nd; k++) {
        const size_t dp = ENDO_EM_NPARAMS + DNP * (size_t)k;
#pragma omp simd
        for (int l = 0; l < LN; l++) {
            const double b = LY(ENDO_EM_NSTATES + DNS * k + EM_DY_BOUND);
            bound[l] += LP(dp + EM_D_KON) > 0.0 ? (b > 0.0 ? b : 0.0) : 0.0;
        }
    }
#pragma omp simd
    for (int l = 0; l < LN; l++) {
        const double fm = 1.0 - bound[l];
        free_mu[l] = bound[l] < 1.0 ? fm : 0.0;
    }
    for (int r = 0; r < 3; r++) {
        double xb[LN], X[LN], f[LN];
#pragma omp simd
        for (int l = 0; l < LN; l++) {
            xb[l] = Lb[l] / LP(EM_P_K_BEND_MU + r);
            X[l] = xb[l];
        }
        for (int k = 0; k < nd; k++) {
            const size_t dp = ENDO_EM_NPARAMS + DNP * (size_t)k;
#pragma omp simd
            for (int l = 0; l < LN; l++) {
                const int kin = r == 0 && LP(dp + EM_D_KON) > 0.0;
                const double ce = LY(ENDO_EM_NSTATES + DNS * k + EM_DY_EFFECT_SITE);
                const double term = (ce > 0.0 ? ce : 0.0) / LP(dp + EM_D_K_MU + r);
                X[l] += kin ? 0.0 : term;
            }
        }
#pragma omp simd
        for (int l = 0; l < LN; l++) {
            f[l] = (r == 0 ? free_mu[l] : 1.0) / (1.0 + X[l]);
            sr[r][l] = LP(EM_P_TAU_BEND_MU + r) * (f[l] * xb[l]);
        }
        for (int k = 0; k < nd; k++) {
            const size_t dp = ENDO_EM_NPARAMS + DNP * (size_t)k;
#pragma omp simd
            for (int l = 0; l < LN; l++) {
                const int kin = r == 0 && LP(dp + EM_D_KON) > 0.0;
                const double bk = LY(ENDO_EM_NSTATES + DNS * k + EM_DY_BOUND);
                const double ce = LY(ENDO_EM_NSTATES + DNS * k + EM_DY_EFFECT_SITE);
                const double oe = f[l] * (ce > 0.0 ? ce : 0.0) / LP(dp + EM_D_K_MU + r);
                const double o = kin ? (bk > 0.0 ? bk : 0.0) : oe;
                sr[r][l] += LP(dp + EM_D_TAU_MU + r) * o;
            }
        }
    }
    /* the transducer: s / (1 + s) where every lane's slope is 1, else lane by lane */
    double drive[3][LN];
    for (int r = 0; r < 3; r++) {
        int m1 = 1;
        for (int l = 0; l < LN; l++) {
            m1 &= LP(EM_P_SLOPE_MU + r) == 1.0;
        }
        if (m1) {
#pragma omp simd
            for (int l = 0; l < LN; l++) {
                const double sv = sr[r][l], g = sv / (1.0 + sv);
                drive[r][l] = sv > 0.0 ? g : 0.0;
            }
        }
        else {
            for (int l = 0; l < LN; l++) {
                drive[r][l] = transducer(sr[r][l], LP(EM_P_SLOPE_MU + r));
            }
        }
    }
    /* receptors */
    for (int r = 0; r < 3; r++) {
#pragma omp simd
        for (int l = 0; l < LN; l++) {
            const double ra = LY(EM_Y_RECEPTOR_ACUTE + r), rc = LY(EM_Y_RECEPTOR_CHRONIC + r);
            LD(EM_Y_RECEPTOR_ACUTE + r) = LU(EM_U_ACUTE_QSS) > 0.0 ? 0.0
                : LP(EM_P_K_REC_ACUTE_MU + r) * (1.0 - ra)
                              - LP(EM_P_K_DES_ACUTE_MU + r) * drive[r][l] * ra;
            LD(EM_Y_RECEPTOR_CHRONIC + r) = LP(EM_P_K_REC_CHRONIC_MU + r) * (1.0 - rc)
                              - LP(EM_P_K_DES_CHRONIC_MU + r) * drive[r][l] * rc;
        }
    }
    /* drugs: linear PK, the effect site, kinetic binding */
    for (int k = 0; k < nd; k++) {
        const size_t dp = ENDO_EM_NPARAMS + DNP * (size_t)k;
        const int xs = ENDO_EM_NSTATES + DNS * k;
        const int uk = ENDO_EM_NINPUTS + DNU * k;
        double lnv[LN];
        for (int l = 0; l < LN; l++) {
            const double ce = LY(xs + EM_DY_EFFECT_SITE) > 0.0 ? LY(xs + EM_DY_EFFECT_SITE) : 0.0;
            const double n = LP(dp + EM_D_N);
            lnv[l] = (LP(dp + EM_D_KON) > 0.0 && n != 1.0) ? pow(ce, n) : ce;
        }
#pragma omp simd
        for (int l = 0; l < LN; l++) {
            const double absorbed = LP(dp + EM_D_KA) * LY(xs + EM_DY_DEPOT);
            LD(xs + EM_DY_DEPOT) = LU(uk + EM_DU_DEPOT_RATE) - absorbed;
            LD(xs + EM_DY_CENTRAL) = LU(uk + EM_DU_RATE) + absorbed
                                     - (LP(dp + EM_D_K10) + LP(dp + EM_D_K12) + LP(dp + EM_D_K13))
                                           * LY(xs + EM_DY_CENTRAL)
                                     + LP(dp + EM_D_K21) * LY(xs + EM_DY_PERIPHERAL2)
                                     + LP(dp + EM_D_K31) * LY(xs + EM_DY_PERIPHERAL3);
            LD(xs + EM_DY_PERIPHERAL2) = LP(dp + EM_D_K12) * LY(xs + EM_DY_CENTRAL)
                                     - LP(dp + EM_D_K21) * LY(xs + EM_DY_PERIPHERAL2);
            LD(xs + EM_DY_PERIPHERAL3) = LP(dp + EM_D_K13) * LY(xs + EM_DY_CENTRAL)
                                     - LP(dp + EM_D_K31) * LY(xs + EM_DY_PERIPHERAL3);
            LD(xs + EM_DY_EFFECT_SITE) = LP(dp + EM_D_KE0) * (LP(dp + EM_D_F_BRAIN) * LY(xs + EM_DY_CENTRAL)
                                                     / LP(dp + EM_D_V1) - LY(xs + EM_DY_EFFECT_SITE));
            const double kinetic = LP(dp + EM_D_KON) * lnv[l] * (1.0 - bound[l])
                                   - LP(dp + EM_D_KOFF) * LY(xs + EM_DY_BOUND);
            const double relax = -LY(xs + EM_DY_BOUND);
            LD(xs + EM_DY_BOUND) = LP(dp + EM_D_KON) > 0.0 ? kinetic : relax;
        }
    }
}
#undef LY
#undef LP
#undef LU
#undef LD

/* ------------------------------------------------------------------------- */
/* the variants                                                               */
/* ------------------------------------------------------------------------- */
#define VARIANT(ND)                                                                        \
    ENDO_CLONES static void rhs##ND(double t, const double *y, const double *p,            \
                                    const double *u, double *dy)                           \
    {                                                                                      \
        em_rhs_n(ND, t, y, p, u, dy);                                                      \
    }                                                                                      \
    ENDO_CLONES static void out##ND(double t, const double *y, const double *p,            \
                                    const double *u, double *o)                            \
    {                                                                                      \
        em_output_n(ND, t, y, p, u, o);                                                    \
    }                                                                                      \
    static int init##ND(double t0, const double *p, const double *u, double *y)            \
    {                                                                                      \
        return endo_em_init(ND, t0, p, u, y);                                                 \
    }                                                                                      \
    ENDO_CLONES static void jacn##ND(double t, const double *y, const double *p,           \
                                     const double *u, double *J)                           \
    {                                                                                      \
        em_jac_n(ND, t, y, p, u, J);                                                       \
    }                                                                                      \
    ENDO_CLONES static void rhsl##ND(const double *t, const double *y, const double *p,    \
                                     const double *u, double *dy)                          \
    {                                                                                      \
        em_rhs_lanes_n(ND, t, y, p, u, dy);                                                \
    }

VARIANT(0)
VARIANT(1)
VARIANT(2)
VARIANT(3)
VARIANT(4)

#define TABLE(ND, NAME, DOC, JAC)                                                          \
    {NAME, DOC, ENDO_EM_NSTATES + DNS * (ND), ENDO_EM_NPARAMS + DNP * (ND),                 \
     ENDO_EM_NINPUTS + DNU * (ND), ENDO_EM_NOUTPUTS + DNO * (ND), st##ND, pa##ND, in##ND,  \
     ou##ND, rhs##ND, out##ND, init##ND, 0, NULL, JAC, rhsl##ND, NULL}

const endo_model endo_endorphin_model = TABLE(
    0, "endorphin",
    "the endogenous-opioid model: stimuli -> POMC pools -> plasma/CSF beta-endorphin, "
    "ACTH, cortisol, receptor binding, desensitization and effects (docs/model.md)",
    jacn0);
const endo_model endo_endorphin_d1 = TABLE(
    1, "endorphin_d1", "the endorphin model with 1 drug slot (docs/model.md)", jacn1);
const endo_model endo_endorphin_d2 = TABLE(
    2, "endorphin_d2", "the endorphin model with 2 drug slots (docs/model.md)", jacn2);
const endo_model endo_endorphin_d3 = TABLE(
    3, "endorphin_d3", "the endorphin model with 3 drug slots (docs/model.md)", jacn3);
const endo_model endo_endorphin_d4 = TABLE(
    4, "endorphin_d4", "the endorphin model with 4 drug slots (docs/model.md)", jacn4);
