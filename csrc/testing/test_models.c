/*
 * test_models.c -- the engine's test and benchmark models (endorphin._engine_tests
 * registers them with the engine when it is imported; see _engine_tests.c).
 *
 *   lotka_volterra  a smooth nonlinear system (accuracy tests)
 *   riccati         y' = a y^2, nonlinear with an exact solution (order of convergence)
 *   robertson       Robertson's stiff chemical kinetics (stiff-method tests)
 *   stiff_pk        fast absorption plus a slow tolerance process (stiff-method tests)
 *   pca1            one-compartment PK with an absorption depot and a "need" output
 *                   that falls as the concentration rises (on-demand dosing tests)
 *   w4_bench        the W4 benchmark workload (benchmarks/README.md, "W4"): the
 *                   endogenous part of docs/model.md with the workload's fixed values
 *
 * Built with the engine's flags (setup.py), so w4_bench rounds as it did when
 * it was built into endorphin._integrate.
 */
#include "models.h"
#include "endo_math.h"

#include <math.h>
#include <string.h>

/* The W4 functions are built as ENDO_CLONES (models.h), as the integrator is. */

#define LN ENDO_LANES

static const char *const rate_input[] = {"rate"};

/* The output function `name` of a model whose outputs are its n states, as they are
 * (lotka_volterra, riccati, robertson). */
#define STATE_OUTPUTS(name, n)                                                      \
    static void name(double t, const double *y, const double *p, const double *u,   \
                     double *out)                                                   \
    {                                                                               \
        (void)t;                                                                    \
        (void)p;                                                                    \
        (void)u;                                                                    \
        for (int i = 0; i < (n); i++) {                                             \
            out[i] = y[i];                                                          \
        }                                                                           \
    }

/* ------------------------------------------------------------------------- */
/* lotka_volterra                                                             */
/* ------------------------------------------------------------------------- */
static const char *const lv_states[] = {"x", "y"};
static const char *const lv_params[] = {"a", "b", "c", "d"};

static void lv_rhs(double t, const double *y, const double *p, const double *u,
                   double *dy)
{
    (void)t;
    (void)u;
    dy[0] = p[0] * y[0] - p[1] * y[0] * y[1];
    dy[1] = p[2] * y[0] * y[1] - p[3] * y[1];
}

STATE_OUTPUTS(lv_output, 2)

static void lv_jac(double t, const double *y, const double *p, const double *u,
                   double *J)
{
    (void)t;
    (void)u;
    J[0] = p[0] - p[1] * y[1];
    J[1] = -p[1] * y[0];
    J[2] = p[2] * y[1];
    J[3] = p[2] * y[0] - p[3];
}

static const endo_model lotka_volterra = {
    "lotka_volterra", "Lotka-Volterra predator-prey system (smooth, nonlinear)",
    2, 4, 0, 2, lv_states, lv_params, NULL, lv_states,
    lv_rhs, lv_output, NULL, 0, NULL, lv_jac, NULL, NULL,
};

/* ------------------------------------------------------------------------- */
/* riccati: y' = a y^2, exact y0 / (1 - a y0 t) (order-of-convergence tests)  */
/* ------------------------------------------------------------------------- */
static const char *const riccati_states[] = {"y"};
static const char *const riccati_params[] = {"a"};

static void riccati_rhs(double t, const double *y, const double *p, const double *u,
                        double *dy)
{
    (void)t;
    (void)u;
    dy[0] = p[0] * y[0] * y[0];
}

STATE_OUTPUTS(riccati_output, 1)

static void riccati_jac(double t, const double *y, const double *p, const double *u,
                        double *J)
{
    (void)t;
    (void)u;
    J[0] = 2.0 * p[0] * y[0];
}

static const endo_model riccati = {
    "riccati", "y' = a y^2, with the exact solution y0 / (1 - a y0 t)",
    1, 1, 0, 1, riccati_states, riccati_params, NULL, riccati_states,
    riccati_rhs, riccati_output, NULL, 0, NULL, riccati_jac, NULL, NULL,
};

/* ------------------------------------------------------------------------- */
/* robertson: the stiff chemical kinetics test problem (Robertson 1966)       */
/* ------------------------------------------------------------------------- */
static const char *const rob_states[] = {"y1", "y2", "y3"};
static const char *const rob_params[] = {"k1", "k2", "k3"};

static void rob_rhs(double t, const double *y, const double *p, const double *u,
                    double *dy)
{
    (void)t;
    (void)u;
    const double r1 = p[0] * y[0], r2 = p[1] * y[1] * y[1], r3 = p[2] * y[1] * y[2];
    dy[0] = -r1 + r3;
    dy[1] = r1 - r2 - r3;
    dy[2] = r2;
}

STATE_OUTPUTS(rob_output, 3)

static void rob_jac(double t, const double *y, const double *p, const double *u,
                    double *J)
{
    (void)t;
    (void)u;
    const double r[9] = {-p[0], p[2] * y[2], p[2] * y[1],
                         p[0], -2.0 * p[1] * y[1] - p[2] * y[2], -p[2] * y[1],
                         0.0, 2.0 * p[1] * y[1], 0.0};
    memcpy(J, r, sizeof r);
}

static const endo_model robertson = {
    "robertson", "Robertson's stiff chemical kinetics (k1 0.04, k2 3e7, k3 1e4 classically)",
    3, 3, 0, 3, rob_states, rob_params, NULL, rob_states,
    rob_rhs, rob_output, NULL, 0, NULL, rob_jac, NULL, NULL,
};

/* ------------------------------------------------------------------------- */
/* stiff_pk: fast absorption (ka ~ 100/min) into a one-compartment model and  */
/* a slow tolerance process (days): stiff by the spread of time scales        */
/* ------------------------------------------------------------------------- */
static const char *const spk_states[] = {"depot", "central", "tolerance"};
static const char *const spk_params[] = {"ka", "ke", "V", "c50", "kt"};
static const char *const spk_outputs[] = {"conc", "tolerance"};

static void spk_rhs(double t, const double *y, const double *p, const double *u,
                    double *dy)
{
    (void)t;
    const double c = y[1] / p[2];
    dy[0] = -p[0] * y[0];
    dy[1] = p[0] * y[0] - p[1] * y[1] + u[0];
    dy[2] = p[4] * (c / (c + p[3]) - y[2]);
}

static void spk_output(double t, const double *y, const double *p, const double *u,
                       double *out)
{
    (void)t;
    (void)u;
    out[0] = y[1] / p[2];
    out[1] = y[2];
}

static void spk_jac(double t, const double *y, const double *p, const double *u,
                    double *J)
{
    (void)t;
    (void)u;
    const double c = y[1] / p[2], d = c + p[3];
    const double r[9] = {-p[0], 0.0, 0.0,
                         p[0], -p[1], 0.0,
                         0.0, p[4] * p[3] / (p[2] * d * d), -p[4]};
    memcpy(J, r, sizeof r);
}

static const endo_model stiff_pk = {
    "stiff_pk", "fast first-order absorption, one compartment, slow tolerance (stiff)",
    3, 5, 1, 2, spk_states, spk_params, rate_input, spk_outputs,
    spk_rhs, spk_output, NULL, 0, NULL, spk_jac, NULL, NULL,
};

/* ------------------------------------------------------------------------- */
/* w4_bench: the W4 workload of the benchmarks (benchmarks/README.md)        */
/* ------------------------------------------------------------------------- */
static const char *const w4_states[] = {
    "A_p", "A_h", "P_p", "P_h", "S_p", "S_h", "C_p", "C_h",
    "R_mu", "R_delta", "R_kappa"};
static const char *const w4_params[] = {
    "k_el_p", "rho_p", "rho_h", "tau_A", "C_p_base",
    "tau_syn", "k_rel_p", "k_rel_h", "sigma_p", "sigma_h", "k_el_h", "C_h_base",
    "a_circ", "t_peak", "t_clock0", "m",
    "K_mu", "K_delta", "K_kappa", "tau_mu", "tau_delta", "tau_kappa",
    "k_des_mu", "k_des_delta", "k_des_kappa", "k_rec_mu", "k_rec_delta",
    "k_rec_kappa", "w_mu", "w_delta", "w_kappa", "pm2nm"};
static const char *const w4_inputs[] = {"D_p", "D_h"};
static const char *const w4_outputs[] = {"C_p", "C_h", "analgesia"};

enum {
    W4_KELP, W4_RHOP, W4_RHOH, W4_TAUA, W4_CPB,
    W4_TSYN, W4_KRELP, W4_KRELH, W4_SIGP, W4_SIGH, W4_KELH, W4_CHB,
    W4_ACIRC, W4_TPEAK, W4_TCLOCK, W4_M,
    W4_K, W4_TAU = W4_K + 3, W4_KDES = W4_TAU + 3, W4_KREC = W4_KDES + 3,
    W4_W = W4_KREC + 3, W4_PM2NM = W4_W + 3, W4_NPARAMS
};

static double w4_circ(double t, const double *p)
{
    return 1.0 + p[W4_ACIRC] * endo_cos(2.0 * 3.14159265358979323846
                                        * (t + p[W4_TCLOCK] - p[W4_TPEAK]) / 1440.0);
}

/* operational-model transducer E(s) = s^m / (1 + s^m) */
static double w4_emax(double s, double m)
{
    const double sm = (m == 1.0) ? s : pow(s, m);
    return sm / (1.0 + sm);
}

/* The transduced effect of receptor fraction R with efficacy tau at ligand
 * L (nM) and affinity K (nM): E(R tau occ), occ = x / (1 + x), x = L / K.
 * With m = 1 that is a / (K + L + a), a = R tau L: one division, not three
 * (the RHS and the outputs spend most of their time dividing). */
static inline double w4_E(double R, double tau, double L, double K, double m)
{
    if (m == 1.0) {
        const double a = R * tau * L;
        return a / (K + L + a);
    }
    const double x = L / K;
    return w4_emax(R * tau * (x / (1.0 + x)), m);
}

ENDO_CLONES static void w4_rhs(double t, const double *y, const double *p, const double *u,
                   double *dy)
{
    const double Ap = y[0], Ah = y[1], Pp = y[2], Ph = y[3], Sp = y[4], Sh = y[5];
    const double Cp = y[6], Ch = y[7];
    const double c = w4_circ(t, p);
    const double relp = (1.0 + p[W4_RHOP] * Ap) * Sp;
    const double relh = (1.0 + p[W4_RHOH] * Ah) * Sh;
    dy[0] = (u[0] - Ap) / p[W4_TAUA];
    dy[1] = (u[1] - Ah) / p[W4_TAUA];
    dy[2] = (c * (1.0 + p[W4_SIGP] * Ap) - Pp) / p[W4_TSYN];
    dy[3] = (c * (1.0 + p[W4_SIGH] * Ah) - Ph) / p[W4_TSYN];
    dy[4] = p[W4_KRELP] * (Pp - relp);
    dy[5] = p[W4_KRELH] * (Ph - relh);
    dy[6] = p[W4_KELP] * (p[W4_CPB] * relp - Cp);
    dy[7] = p[W4_KELH] * (p[W4_CHB] * relh - Ch);
    const double L = Ch * p[W4_PM2NM];
    for (int r = 0; r < 3; r++) {
        const double R = y[8 + r];
        const double E = w4_E(R, p[W4_TAU + r], L, p[W4_K + r], p[W4_M]);
        dy[8 + r] = p[W4_KREC + r] * (1.0 - R) - p[W4_KDES + r] * E * R;
    }
}

/* w4_rhs for ENDO_LANES subjects, operation for operation (models.h) */
ENDO_CLONES static void w4_rhs_lanes(const double *t, const double *y, const double *p,
                                     const double *u, double *dy)
{
#define Y(i) y[(i) * LN + l]
#define P(j) p[(j) * LN + l]
#define D(i) dy[(i) * LN + l]
    double arg[LN], c[LN], Lc[LN];
    int all_m1 = 1;
    for (int l = 0; l < LN; l++) {
        all_m1 &= P(W4_M) == 1.0;
    }
#pragma omp simd
    for (int l = 0; l < LN; l++) {
        /* w4_circ's expression with this lane's parameters */
        arg[l] = 2.0 * 3.14159265358979323846 * (t[l] + P(W4_TCLOCK) - P(W4_TPEAK)) / 1440.0;
    }
    endo_cos_n(arg, c, LN);
#pragma omp simd
    for (int l = 0; l < LN; l++) {
        c[l] = 1.0 + P(W4_ACIRC) * c[l];
        const double Ap = Y(0), Ah = Y(1), Pp = Y(2), Ph = Y(3), Sp = Y(4), Sh = Y(5);
        const double Cp = Y(6), Ch = Y(7);
        const double relp = (1.0 + P(W4_RHOP) * Ap) * Sp;
        const double relh = (1.0 + P(W4_RHOH) * Ah) * Sh;
        D(0) = (u[l] - Ap) / P(W4_TAUA);
        D(1) = (u[LN + l] - Ah) / P(W4_TAUA);
        D(2) = (c[l] * (1.0 + P(W4_SIGP) * Ap) - Pp) / P(W4_TSYN);
        D(3) = (c[l] * (1.0 + P(W4_SIGH) * Ah) - Ph) / P(W4_TSYN);
        D(4) = P(W4_KRELP) * (Pp - relp);
        D(5) = P(W4_KRELH) * (Ph - relh);
        D(6) = P(W4_KELP) * (P(W4_CPB) * relp - Cp);
        D(7) = P(W4_KELH) * (P(W4_CHB) * relh - Ch);
        Lc[l] = Ch * P(W4_PM2NM);
    }
    for (int r = 0; r < 3; r++) {
        double E[LN];
        if (all_m1) {
#pragma omp simd
            for (int l = 0; l < LN; l++) {
                const double a = Y(8 + r) * P(W4_TAU + r) * Lc[l];
                E[l] = a / (P(W4_K + r) + Lc[l] + a);
            }
        }
        else {
            for (int l = 0; l < LN; l++) {
                E[l] = w4_E(Y(8 + r), P(W4_TAU + r), Lc[l], P(W4_K + r), P(W4_M));
            }
        }
#pragma omp simd
        for (int l = 0; l < LN; l++) {
            const double R = Y(8 + r);
            D(8 + r) = P(W4_KREC + r) * (1.0 - R) - P(W4_KDES + r) * E[l] * R;
        }
    }
#undef Y
#undef P
#undef D
}

ENDO_CLONES static void w4_output(double t, const double *y, const double *p, const double *u,
                      double *out)
{
    (void)t;
    (void)u;
    const double L = y[7] * p[W4_PM2NM];
    double prod = 1.0;
    if (p[W4_M] == 1.0) {
        /* prod (1 - w_r a_r / d_r) as one quotient, d_r = K_r + L + a_r (w4_E):
         * one division per output point, not three */
        double num = 1.0, den = 1.0;
        for (int r = 0; r < 3; r++) {
            const double a = y[8 + r] * p[W4_TAU + r] * L;
            const double d = p[W4_K + r] + L + a;
            num *= d - p[W4_W + r] * a;
            den *= d;
        }
        prod = num / den;
    }
    else {
        for (int r = 0; r < 3; r++) {
            prod *= 1.0 - p[W4_W + r] * w4_E(y[8 + r], p[W4_TAU + r], L, p[W4_K + r],
                                             p[W4_M]);
        }
    }
    out[0] = y[6];
    out[1] = y[7];
    out[2] = 1.0 - prod;
}

/* w4_output at ENDO_LANES points (models.h), operation for operation */
ENDO_CLONES static void w4_output_lanes(const double *t, const double *y, const double *p,
                                        const double *u, double *out)
{
    int all_m1 = 1;
    for (int l = 0; l < LN; l++) {
        all_m1 &= p[W4_M * LN + l] == 1.0;
    }
    if (!all_m1) {
        for (int l = 0; l < LN; l++) {
            double yl[11], pl[W4_NPARAMS], ol[3];
            for (int i = 0; i < 11; i++) yl[i] = y[i * LN + l];
            for (int j = 0; j < W4_NPARAMS; j++) pl[j] = p[j * LN + l];
            w4_output(t[l], yl, pl, u, ol);
            for (int k = 0; k < 3; k++) out[k * LN + l] = ol[k];
        }
        return;
    }
#pragma omp simd
    for (int l = 0; l < LN; l++) {
#define Y(i) y[(i) * LN + l]
#define P(j) p[(j) * LN + l]
        const double L = Y(7) * P(W4_PM2NM);
        double num = 1.0, den = 1.0;
        for (int r = 0; r < 3; r++) {
            const double a = Y(8 + r) * P(W4_TAU + r) * L;
            const double d = P(W4_K + r) + L + a;
            num *= d - P(W4_W + r) * a;
            den *= d;
        }
        out[l] = Y(6);
        out[LN + l] = Y(7);
        out[2 * LN + l] = 1.0 - num / den;
#undef Y
#undef P
    }
}

/* Resting steady state with the rhythm frozen at t0 and no stimulus (u is
 * ignored: the workload starts at rest).  R_r solves
 * k_rec (1 - R) = k_des E(R a) R by bisection on [0, 1], 200 halvings, as in
 * w4_model.steady_state. */
static int w4_init(double t0, const double *p, const double *u, double *y)
{
    (void)u;
    const double c0 = w4_circ(t0, p);
    y[0] = y[1] = 0.0;
    y[2] = y[3] = y[4] = y[5] = c0;
    y[6] = p[W4_CPB] * c0;
    y[7] = p[W4_CHB] * c0;
    const double L = y[7] * p[W4_PM2NM];
    for (int r = 0; r < 3; r++) {
        const double x = L / p[W4_K + r];
        const double a = p[W4_TAU + r] * x / (1.0 + x);
        double lo = 0.0, hi = 1.0;
        for (int it = 0; it < 200; it++) {
            const double mid = 0.5 * (lo + hi);
            if (mid == lo || mid == hi) {
                break;      /* lo and hi adjacent: more halvings change nothing */
            }
            const double g = p[W4_KREC + r] * (1.0 - mid)
                             - p[W4_KDES + r] * w4_emax(mid * a, p[W4_M]) * mid;
            if (g > 0.0) {
                lo = mid;
            }
            else {
                hi = mid;
            }
        }
        y[8 + r] = 0.5 * (lo + hi);
    }
    for (int i = 0; i < 11; i++) {
        if (!isfinite(y[i])) {
            return 1;
        }
    }
    return 0;
}

/* w4_output reads C_p, C_h and the three receptor fractions only */
static const int w4_output_states[] = {6, 7, 8, 9, 10};

static const endo_model w4_bench = {
    "w4_bench", "the W4 benchmark workload (endogenous model, fixed workload values)",
    11, W4_NPARAMS, 2, 3, w4_states, w4_params, w4_inputs, w4_outputs,
    w4_rhs, w4_output, w4_init, 5, w4_output_states, NULL, w4_rhs_lanes,
    w4_output_lanes,
};

/* ------------------------------------------------------------------------- */
/* pca1: depot -(ka)-> central -(ke)->, conc = central / V,                    */
/* need = base + pain - conc (pain: an input): "need > h" is "conc < base +   */
/* pain - h", so demand doses into central keep the concentration above a    */
/* floor, with dose times in closed form (tests/engine/test_demand_dosing.py) */
/* ------------------------------------------------------------------------- */
static const char *const pca_states[] = {"depot", "central"};
static const char *const pca_params[] = {"ka", "ke", "V", "base"};
static const char *const pca_inputs[] = {"pain"};
static const char *const pca_outputs[] = {"conc", "need"};

static void pca_rhs(double t, const double *y, const double *p, const double *u,
                    double *dy)
{
    (void)t;
    (void)u;
    dy[0] = -p[0] * y[0];
    dy[1] = p[0] * y[0] - p[1] * y[1];
}

static void pca_rhs_lanes(const double *t, const double *y, const double *p,
                          const double *u, double *dy)
{
    (void)t;
    (void)u;
    for (int l = 0; l < LN; l++) {
        dy[l] = -p[l] * y[l];
        dy[LN + l] = p[l] * y[l] - p[LN + l] * y[LN + l];
    }
}

static void pca_output(double t, const double *y, const double *p, const double *u,
                       double *out)
{
    (void)t;
    out[0] = y[1] / p[2];
    out[1] = p[3] + u[0] - y[1] / p[2];
}

static void pca_jac(double t, const double *y, const double *p, const double *u,
                    double *J)
{
    (void)t;
    (void)y;
    (void)u;
    J[0] = -p[0];
    J[1] = 0.0;
    J[2] = p[0];
    J[3] = -p[1];
}

/* the outputs read the central amount only (the depot is interpolated only
 * where a located demand crossing needs the whole state) */
static const int pca_output_states[] = {1};

static const endo_model pca1 = {
    "pca1", "one-compartment PK with a depot; need = base + pain - conc (demand tests)",
    2, 4, 1, 2, pca_states, pca_params, pca_inputs, pca_outputs,
    pca_rhs, pca_output, NULL, 1, pca_output_states, pca_jac, pca_rhs_lanes, NULL,
};

/* The test models, for _engine_tests.c, NULL-terminated. */
const endo_model *const endo_test_models[] = {
    &lotka_volterra, &riccati, &robertson, &stiff_pk, &pca1, &w4_bench, NULL,
};
