/*
 * fit.c -- batched dose-response fitting: Levenberg-Marquardt for one curve
 * (see fit.h for the models, the parameterisation and the result).
 *
 * The model functions are the ones of dose_response.c (endo_ll4, endo_ll5,
 * endo_hill, endo_emax_model) written for the fitter's own parameterisation
 * (log e, log f) with log x precomputed once per curve: one exponential per
 * point and evaluation (LL.5: one more exp and a log1p), evaluated for 16
 * points at a time in a loop the compiler vectorises (exp_nonpos, not libm's
 * exp, which is a call per point), and with drc's Hessian correction taken
 * from the final pass of the normal equations.
 *
 * Algorithm, per curve:
 *   1. keep the points with finite y and w > 0; too few points or distinct
 *      doses for the free parameters, or a constant response, end here;
 *   2. start values: drc's self-starter idea (c, d from the range of y; b and
 *      log e from the regression of log((d' - y)/(y - c')) on log x, with c', d'
 *      5 % outside the range), or the caller's;
 *   3. Levenberg-Marquardt: normal equations A z = g with A = J^T W J +
 *      lambda diag(J^T W J), g = J^T W r, Cholesky; lambda / 10 after an
 *      accepted step, x 10 after a rejected one; parameters on a bound with
 *      the gradient pointing out are held for the iteration (active set), and
 *      steps are clipped to the bounds;
 *   4. convergence: a Gauss-Newton-like step (lambda < 1) that moves every
 *      parameter by less than xtol (|theta| + scale), or an RSS decrease
 *      below ftol relative with a small gradient, or a gradient that is zero
 *      to rounding (cosine between residual and Jacobian column < 1e-12),
 *      or an exact fit;
 *   5. at the end: an estimate on a bound is "at_bound"; J^T W J scaled to
 *      unit diagonal with a Cholesky pivot below 1e-12 (condition above
 *      1e12), or a Jacobian column that vanishes, is "singular"; otherwise
 *      the covariance s^2 (J^T W J)^-1, s^2 = RSS / df, transformed to the drc
 *      parameterisation.
 */
#include "../portable.h"
#include "curve.h"

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

/* ------------------------------------------------------------------------- */
/* Models in the internal parameterisation                                    */
/* ------------------------------------------------------------------------- */
/* Internal parameter vectors (L = log):
 *   LL4  (b, c, d, Le)     LL5  (b, c, d, Le, Lf)
 *   HILL (emax, Lec50, n)  EMAX (e0, emax, Lec50, n)
 * Every model is a blend with the logistic weight A = 1 / (1 + exp(t)),
 * t = beff (log x - Le), beff = b (LL) or -n (HILL, EMAX); B = 1 - A. */

int endo_fit_nparams(int model)
{
    return fit_nparams(model);
}

/* 1 when parameter i is in the units of the response (c, d, emax, e0) */
static int is_response_param(int model, int i)
{
    switch (model) {
    case ENDO_FIT_LL4:
    case ENDO_FIT_LL5: return i == 1 || i == 2;
    case ENDO_FIT_HILL: return i == 0;
    default: return i == 0 || i == 1;
    }
}

#if defined(__GNUC__)
#define ENDO_INLINE static inline ENDO_ALWAYS_INLINE
#else
#define ENDO_INLINE static inline
#endif

/* cond ? a : b through bit masks, so that a loop of them vectorises (with
 * -ftrapping-math gcc does not if-convert floating-point selects). */
ENDO_INLINE double sel(int cond, double a, double b)
{
    uint64_t ua, ub;
    memcpy(&ua, &a, sizeof ua);
    memcpy(&ub, &b, sizeof ub);
    const uint64_t msk = (uint64_t)0 - (uint64_t)(cond != 0);
    const uint64_t u = (ua & msk) | (ub & ~msk);
    double d;
    memcpy(&d, &u, sizeof d);
    return d;
}

/* exp(x) for x <= 0, branch-free so that a loop over points vectorises
 * (libm's exp is a call per point).  x = k ln2 + r with |r| <= ln2/2 (Cody
 * and Waite: k ln2_hi is exact), exp(r) = 1 + r + r^2 (1/2! + ... + r^11/13!)
 * (Taylor; truncation below 5e-18), 2^k put into the exponent bits.  Relative
 * error about 1 ulp.  x < -708 is evaluated at -708 (3.3e-308 in place of a
 * smaller value, immaterial next to the 1 of 1 + u below); NaN stays NaN.
 * Only multiplications and additions (no fma): ISO C mode forbids
 * contraction, so the AVX2 and baseline builds round identically. */
ENDO_INLINE double exp_nonpos(double x)
{
    const double inv_ln2 = 1.44269504088896338700e+00;
    const double ln2_hi = 6.93147180369123816490e-01;   /* 32 trailing zero bits */
    const double ln2_lo = 1.90821492927058770002e-10;
    const double shifter = 6755399441055744.0;          /* 1.5 * 2^52 */
    const double xc = sel(x < -708.0, -708.0, x);
    const double ts = xc * inv_ln2 + shifter;           /* shifter + round(xc / ln2) */
    const double kd = ts - shifter;
    const double r = (xc - kd * ln2_hi) - kd * ln2_lo;
    double q = 1.6059043836821614e-10;                  /* 1/13! */
    q = q * r + 2.0876756987868099e-09;                 /* 1/12! */
    q = q * r + 2.5052108385441720e-08;
    q = q * r + 2.7557319223985893e-07;
    q = q * r + 2.7557319223985888e-06;
    q = q * r + 2.4801587301587302e-05;
    q = q * r + 1.9841269841269841e-04;
    q = q * r + 1.3888888888888889e-03;
    q = q * r + 8.3333333333333332e-03;
    q = q * r + 4.1666666666666664e-02;
    q = q * r + 1.6666666666666666e-01;
    q = q * r + 0.5;                                    /* 1/2! */
    const double p = 1.0 + (r + q * (r * r));
    /* k = round(xc / ln2) in [-1022, 0], from the low bits of ts */
    uint64_t ub, us;
    memcpy(&ub, &ts, sizeof ub);
    memcpy(&us, &shifter, sizeof us);
    const uint64_t e = (ub - us + 1023u) << 52;         /* k + 1023 in [1, 1023] */
    double scale;
    memcpy(&scale, &e, sizeof scale);
    return p * scale;
}

/* A = 1/(1+exp(t)), B = 1 - A, both without cancellation or overflow
 * (selects rather than a branch: the sign of t is not predictable). */
ENDO_INLINE void logistic(double t, double *A, double *B)
{
    const double u = exp_nonpos(-fabs(t));
    const double inv = 1.0 / (1.0 + u);
    const double small = u * inv;
    const int up = t > 0.0;
    *A = sel(up, small, inv);
    *B = sel(up, inv, small);
}

/* Per-curve constants of the model at th (so that the point loop is cheap). */
typedef struct {
    int model;
    double beff, le, lo_level, amp, f, b_or_n;
} model_c;

ENDO_INLINE model_c model_consts(int model, const double *th)
{
    model_c k;
    k.model = model;
    k.f = 1.0;
    switch (model) {
    case ENDO_FIT_LL4:
    case ENDO_FIT_LL5:
        k.beff = th[0];
        k.b_or_n = th[0];
        k.le = th[3];
        k.lo_level = th[1];
        k.amp = th[2] - th[1];
        if (model == ENDO_FIT_LL5) {
            k.f = exp(th[4]);
        }
        break;
    case ENDO_FIT_HILL:
        k.beff = -th[2];
        k.b_or_n = th[2];
        k.le = th[1];
        k.lo_level = 0.0;
        k.amp = th[0];
        break;
    default:
        k.beff = -th[3];
        k.b_or_n = th[3];
        k.le = th[2];
        k.lo_level = th[0];
        k.amp = th[1];
        break;
    }
    return k;
}

/* The logistic weights of a block of points, in a loop the compiler
 * vectorises (the sums over points stay scalar, in point order, so that every
 * build adds in the same order).  zero[i] != 0: x == 0, where A is the limit
 * of the weight (1, 0, or 1/2 for beff = 0) and dl is 0. */
#define FIT_BLOCK 16
typedef struct {
    double A[FIT_BLOCK], B[FIT_BLOCK], dl[FIT_BLOCK];
} wblock;

ENDO_INLINE void logistic_block(const model_c *k, const double *lx, const double *zero,
                                int len, wblock *o)
{
    const double az = (k->beff > 0.0) ? 1.0 : ((k->beff < 0.0) ? 0.0 : 0.5);
    const double le = k->le, beff = k->beff;
#pragma omp simd
    for (int i = 0; i < len; i++) {
        const int z = zero[i] != 0.0;
        const double dl = lx[i] - le;                   /* lx = 0 at x = 0: finite */
        double A, B;
        logistic(beff * dl, &A, &B);
        o->A[i] = sel(z, az, A);
        o->B[i] = sel(z, 1.0 - az, B);
        o->dl[i] = sel(z, 0.0, dl);
    }
}

/* Model value at one point from its weights A, B and dl (logistic_block);
 * with J != NULL also the gradient (internal parameterisation, all
 * parameters of the model).  zero: x == 0. */
ENDO_INLINE double point_eval(const model_c *k, double A, double B, double dl, int zero,
                              double *J)
{
    const double ab = zero ? 0.0 : A * B;
    const double amp = k->amp;
    switch (k->model) {
    case ENDO_FIT_LL4:
        if (J) {
            J[0] = -amp * ab * dl;
            J[1] = B;
            J[2] = A;
            J[3] = amp * ab * k->b_or_n;
        }
        return k->lo_level + amp * A;
    case ENDO_FIT_LL5: {
        /* F = A^f = exp(f log A), G = 1 - F */
        double logA;
        if (zero) {
            logA = (A == 1.0) ? 0.0 : ((A == 0.0) ? -INFINITY : -0.69314718055994530942);
        }
        else {
            const double t = k->beff * dl;
            logA = (t > 0.0) ? -(t + log1p(exp(-t))) : -log1p(exp(t));
        }
        const double F = (A == 0.0) ? 0.0 : exp(k->f * logA);
        if (J) {
            const double fb = zero ? 0.0 : k->f * F * B;
            J[0] = -amp * fb * dl;
            J[1] = (F > 0.5) ? -expm1(k->f * logA) : 1.0 - F;
            J[2] = F;
            J[3] = amp * fb * k->b_or_n;
            J[4] = (F == 0.0) ? 0.0 : amp * F * logA * k->f;
        }
        return k->lo_level + amp * F;
    }
    case ENDO_FIT_HILL:
        if (J) {
            J[0] = A;
            J[1] = -amp * ab * k->b_or_n;
            J[2] = amp * ab * dl;
        }
        return amp * A;
    default:
        if (J) {
            J[0] = 1.0;
            J[1] = A;
            J[2] = -amp * ab * k->b_or_n;
            J[3] = amp * ab * dl;
        }
        return k->lo_level + amp * A;
    }
}

/* point_eval at a single point (the weights computed here). */
ENDO_INLINE double point_at(const model_c *k, double lx, int zero, double *J)
{
    wblock wb;
    const double z = zero ? 1.0 : 0.0;
    logistic_block(k, &lx, &z, 1, &wb);
    return point_eval(k, wb.A[0], wb.B[0], wb.dl[0], zero, J);
}

/* The logistic weights (into wb) of the curve's block of points from i0 on;
 * returns how many points the block holds (FIT_BLOCK, fewer at the end). */
ENDO_INLINE int curve_block(const model_c *k, const curve *cv, int i0, wblock *wb)
{
    const int len = (cv->m - i0 < FIT_BLOCK) ? cv->m - i0 : FIT_BLOCK;
    logistic_block(k, cv->lx + i0, cv->zero + i0, len, wb);
    return len;
}

/* The residual y - f at the curve's point i, point j of its block wb
 * (curve_block); with J != NULL also the gradient of f (point_eval). */
ENDO_INLINE double block_residual(const model_c *k, const curve *cv, const wblock *wb,
                                  int i, int j, double *J)
{
    return cv->y[i] - point_eval(k, wb->A[j], wb->B[j], wb->dl[j], cv->zero[i] != 0.0, J);
}

ENDO_INLINE double rss_gen(const int model, const double *th, const curve *cv)
{
    const model_c k = model_consts(model, th);
    double s = 0.0;
    for (int i0 = 0; i0 < cv->m; i0 += FIT_BLOCK) {
        wblock wb;
        const int len = curve_block(&k, cv, i0, &wb);
        for (int j = 0; j < len; j++) {
            const int i = i0 + j;
            const double r = block_residual(&k, cv, &wb, i, j, NULL);
            s += cv->w[i] * r * r;
        }
    }
    return s;
}

/* One point's term of the Hessian correction C (hessian_correction below):
 * rw = w r, the weighted residual; A, B, dl its logistic weights.  LL.4,
 * Hill and Emax (A_t = -A B, A_tt = A B (B - A) for A(t)); lower triangle. */
ENDO_INLINE void hessian_terms(const int model, const model_c *k, double A, double B,
                               double dl, double rw, double C[MAXP][MAXP])
{
    const double amp = k->amp;
    const double At = -A * B, Att = A * B * (B - A);
    if (model == ENDO_FIT_LL4) {
        const double b = k->b_or_n;            /* (b, c, d, Le), t = b dl */
        C[0][0] += rw * amp * Att * dl * dl;
        C[1][0] += rw * (-At * dl);
        C[2][0] += rw * (At * dl);
        C[3][0] += rw * amp * (-Att * b * dl - At);
        C[3][1] += rw * (At * b);
        C[3][2] += rw * (-At * b);
        C[3][3] += rw * amp * Att * b * b;
    }
    else {
        const double n = k->b_or_n;            /* t = -n dl */
        const int o = (model == ENDO_FIT_EMAX);   /* offset: e0 first */
        const int ie = o, il = o + 1, in = o + 2; /* emax, Lec50, n */
        C[il][ie] += rw * At * n;
        C[in][ie] += rw * (-At * dl);
        C[il][il] += rw * amp * Att * n * n;
        C[in][il] += rw * amp * (-Att * n * dl + At);
        C[in][in] += rw * amp * Att * dl * dl;
    }
}

/* Normal equations over all P parameters of the model: A (lower triangle,
 * P x P) and g = J^T W r; returns the RSS.  P is a constant in each
 * instantiation below, so the accumulation unrolls. */
ENDO_INLINE double normal_gen(const int model, const double *th, const curve *cv,
                              double A[MAXP][MAXP], double *g, double (*C)[MAXP])
{
    const int P = (model == ENDO_FIT_LL5) ? 5 : ((model == ENDO_FIT_HILL) ? 3 : 4);
    const model_c k = model_consts(model, th);
    double s = 0.0;
    double Al[MAXP][MAXP] = {{0.0}}, gl[MAXP] = {0.0};
    for (int i0 = 0; i0 < cv->m; i0 += FIT_BLOCK) {
        wblock wb;
        const int len = curve_block(&k, cv, i0, &wb);
        for (int j = 0; j < len; j++) {
            const int i = i0 + j;
            double J[MAXP];
            const double r = block_residual(&k, cv, &wb, i, j, J);
            const double w = cv->w[i];
            s += w * r * r;
            if (C && model != ENDO_FIT_LL5 && cv->zero[i] == 0.0) {
                hessian_terms(model, &k, wb.A[j], wb.B[j], wb.dl[j], w * r, C);
            }
            for (int a = 0; a < P; a++) {
                const double jw = w * J[a];
                gl[a] += jw * r;
                for (int b = 0; b <= a; b++) {
                    Al[a][b] += jw * J[b];
                }
            }
        }
    }
    for (int a = 0; a < P; a++) {
        g[a] = gl[a];
        for (int b = 0; b <= a; b++) {
            A[a][b] = Al[a][b];
        }
    }
    return s;
}

ENDO_INLINE double rss_at(int model, const double *th, const curve *cv)
{
    switch (model) {
    case ENDO_FIT_LL4: return rss_gen(ENDO_FIT_LL4, th, cv);
    case ENDO_FIT_LL5: return rss_gen(ENDO_FIT_LL5, th, cv);
    case ENDO_FIT_HILL: return rss_gen(ENDO_FIT_HILL, th, cv);
    default: return rss_gen(ENDO_FIT_EMAX, th, cv);
    }
}

/* Normal equations over the free parameters idx[0..na-1].  With C != NULL
 * (zeroed by the caller) also the Hessian correction of LL.4, Hill and Emax
 * over all parameters, from the same logistic weights (one exp per point for
 * both); LL.5's comes from hessian_correction. */
ENDO_INLINE double normal_eq(int model, const double *th, const curve *cv, const int *idx, int na,
                        double A[MAXP][MAXP], double *g, double (*C)[MAXP])
{
    double Af[MAXP][MAXP], gf[MAXP], s;
    switch (model) {
    case ENDO_FIT_LL4: s = normal_gen(ENDO_FIT_LL4, th, cv, Af, gf, C); break;
    case ENDO_FIT_LL5: s = normal_gen(ENDO_FIT_LL5, th, cv, Af, gf, NULL); break;
    case ENDO_FIT_HILL: s = normal_gen(ENDO_FIT_HILL, th, cv, Af, gf, C); break;
    default: s = normal_gen(ENDO_FIT_EMAX, th, cv, Af, gf, C); break;
    }
    for (int a = 0; a < na; a++) {
        g[a] = gf[idx[a]];
        for (int b = 0; b <= a; b++) {
            const int i = idx[a], j = idx[b];
            A[a][b] = (i >= j) ? Af[i][j] : Af[j][i];
        }
    }
    return s;
}

/* The Hessian correction C: the sum over the points of w r (second
 * derivatives of the model), the term by which the Hessian of RSS/2 differs
 * from J^T W J: H = J^T W J - C.  drc's standard errors come from this
 * observed Hessian (optim's), R's nls ones from J^T W J.  LL.4, Hill and
 * Emax: analytic (hessian_terms), accumulated by normal_eq in its final pass.
 * LL.5 (here): central differences of the analytic gradient.  Full P x P
 * (lower triangle), internal parameterisation; C zeroed by the caller. */
ENDO_INLINE void hessian_correction_ll5(const double *th, const curve *cv,
                                        double C[MAXP][MAXP])
{
    const int model = ENDO_FIT_LL5, P = 5;
    const model_c k0 = model_consts(model, th);
    for (int j = 0; j < P; j++) {
        const double h = 1e-5 * (fabs(th[j]) + 1.0);
        double tp[MAXP], tm[MAXP];
        memcpy(tp, th, sizeof tp);
        memcpy(tm, th, sizeof tm);
        tp[j] += h;
        tm[j] -= h;
        const model_c kp = model_consts(model, tp), km = model_consts(model, tm);
        for (int i = 0; i < cv->m; i++) {
            double Jp[MAXP], Jm[MAXP];
            const int z = cv->zero[i] != 0.0;
            const double r = cv->y[i] - point_at(&k0, cv->lx[i], z, NULL);
            point_at(&kp, cv->lx[i], z, Jp);
            point_at(&km, cv->lx[i], z, Jm);
            for (int a = 0; a < P; a++) {
                C[a][j] += cv->w[i] * r * (Jp[a] - Jm[a]) / (2.0 * h);
            }
        }
    }
    for (int a = 0; a < P; a++) {              /* symmetrise into the lower triangle */
        for (int b = 0; b < a; b++) {
            C[a][b] = 0.5 * (C[a][b] + C[b][a]);
        }
    }
}

/* Cholesky of the lower triangle of M (n x n) in place, the diagonal
 * replaced by its reciprocal (solves then multiply); 0 if not positive
 * definite.  With minpiv != NULL also the smallest pivot^2. */
ENDO_INLINE int cholesky_n(double M[MAXP][MAXP], const int n, double *minpiv)
{
    double mp = INFINITY;
    for (int i = 0; i < n; i++) {
        for (int j = 0; j <= i; j++) {
            /* callers fill the lower triangle 0..n-1, all this reads; the analyzer
             * loses track of that through cholesky()'s callers */
            double s = M[i][j];  // NOLINT(clang-analyzer-core.uninitialized.Assign)
            for (int q = 0; q < j; q++) {
                s -= M[i][q] * M[j][q];
            }
            if (i == j) {
                if (!(s > 0.0) || !(s < INFINITY)) {
                    if (minpiv) {
                        *minpiv = 0.0;
                    }
                    return 0;
                }
                mp = (s < mp) ? s : mp;
                M[i][i] = 1.0 / sqrt(s);
            }
            else {
                M[i][j] = s * M[j][j];
            }
        }
    }
    if (minpiv) {
        *minpiv = mp;
    }
    return 1;
}

ENDO_INLINE void chol_solve_n(double L[MAXP][MAXP], const int n, const double *g, double *z)
{
    double v[MAXP];
    for (int i = 0; i < n; i++) {
        double s = g[i];
        for (int q = 0; q < i; q++) {
            s -= L[i][q] * v[q];
        }
        v[i] = s * L[i][i];
    }
    for (int i = n - 1; i >= 0; i--) {
        double s = v[i];
        for (int q = i + 1; q < n; q++) {
            s -= L[q][i] * z[q];
        }
        z[i] = s * L[i][i];
    }
}

/* Dispatch on n so that each size is a fully unrolled constant-size kernel
 * (the factorisation is on the critical path of every trial step). */
ENDO_INLINE int cholesky(double M[MAXP][MAXP], int n, double *minpiv)
{
    switch (n) {
    case 1: return cholesky_n(M, 1, minpiv);
    case 2: return cholesky_n(M, 2, minpiv);
    case 3: return cholesky_n(M, 3, minpiv);
    case 4: return cholesky_n(M, 4, minpiv);
    default: return cholesky_n(M, 5, minpiv);
    }
}

ENDO_INLINE void chol_solve(double L[MAXP][MAXP], int n, const double *g, double *z)
{
    switch (n) {
    case 1: chol_solve_n(L, 1, g, z); break;
    case 2: chol_solve_n(L, 2, g, z); break;
    case 3: chol_solve_n(L, 3, g, z); break;
    case 4: chol_solve_n(L, 4, g, z); break;
    default: chol_solve_n(L, 5, g, z); break;
    }
}

size_t endo_fit_workspace(int n)
{
    return 4 * (size_t)(n > 0 ? n : 1);
}

/* ------------------------------------------------------------------------- */
/* The fit                                                                    */
/* ------------------------------------------------------------------------- */

static void result_nan(endo_fit_result *res, int P)
{
    for (int i = 0; i < MAXP; i++) {
        res->params[i] = NAN;
    }
    for (int i = 0; i < MAXP * MAXP; i++) {
        res->cov[i] = NAN;
    }
    (void)P;
}

/* The fit is also built for x86-64-v3 (AVX2: four points of logistic_block
 * at a time) and chosen at load time; ISO C mode forbids contraction and the
 * sums run in point order, so both clones round identically.  What it calls
 * in its iterations is always_inline, so it is compiled into each clone. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && defined(__linux__)
#define ENDO_FIT_CLONES __attribute__((target_clones("arch=x86-64-v3", "default")))
#else
#define ENDO_FIT_CLONES
#endif

ENDO_FIT_CLONES
void endo_fit_curve(const endo_fit_opts *o, int n, const double *x, const double *logx,
                    const double *y, const double *w, const double *start,
                    endo_fit_result *res, double *work)
{
    const int model = o->model;
    const int P = endo_fit_nparams(model);
    result_nan(res, P);
    res->rss = NAN;
    res->n_obs = 0;
    res->df = 0;
    res->n_iter = 0;
    res->reason = ENDO_FIT_TOO_FEW_POINTS;
    if (P == 0) {
        return;
    }
    const curve cv = fit_gather(n, x, logx, y, w, work);
    const int m = cv.m;

    int freeidx[MAXP], nfree = 0;
    for (int i = 0; i < P; i++) {
        if (o->free_mask & (1u << i)) {
            freeidx[nfree++] = i;
        }
    }
    res->n_obs = m;
    res->df = m - nfree;

    /* distinct doses (stop counting at nfree) */
    int ndist = 0;
    {
        double seen[MAXP + 1];
        for (int i = 0; i < m && ndist < nfree; i++) {
            const double v = cv.zero[i] != 0.0 ? -INFINITY : cv.lx[i];
            int found = 0;
            for (int q = 0; q < ndist; q++) {
                found |= (seen[q] == v);
            }
            if (!found) {
                seen[ndist++] = v;
            }
        }
    }
    double ymin = INFINITY, ymax = -INFINITY, wsum = 0.0;
    for (int i = 0; i < m; i++) {
        ymin = fmin(ymin, cv.y[i]);
        ymax = fmax(ymax, cv.y[i]);
        wsum += cv.w[i];
    }
    if (m < nfree || ndist < nfree || m == 0) {
        res->reason = ENDO_FIT_TOO_FEW_POINTS;
        return;
    }
    const double yspread = ymax - ymin;
    if (!(yspread > 1e-14 * fmax(fabs(ymax), fabs(ymin)))) {
        res->reason = ENDO_FIT_FLAT;
        double mean = 0.0;
        for (int i = 0; i < m; i++) {
            mean += cv.w[i] * cv.y[i];
        }
        mean /= wsum;
        double rss = 0.0;
        for (int i = 0; i < m; i++) {
            rss += cv.w[i] * (cv.y[i] - mean) * (cv.y[i] - mean);
        }
        res->rss = rss;
        return;
    }

    /* start values and bounds, internal parameterisation */
    double th[MAXP], lo[MAXP], hi[MAXP], scale[MAXP];
    if (fit_self_start(model, &cv, th) < 0) {
        res->reason = ENDO_FIT_TOO_FEW_POINTS;
        return;
    }
    for (int i = 0; i < P; i++) {
        if (isfinite(start[i])) {
            th[i] = is_log_param(model, i) ? log(start[i]) : start[i];
        }
        if (is_log_param(model, i)) {
            lo[i] = (o->lo[i] > 0.0) ? log(o->lo[i]) : -INFINITY;
            hi[i] = (o->hi[i] > 0.0) ? log(o->hi[i]) : -INFINITY;
            if (isnan(o->hi[i]) || o->hi[i] == INFINITY) {
                hi[i] = INFINITY;
            }
        }
        else {
            lo[i] = isnan(o->lo[i]) ? -INFINITY : o->lo[i];
            hi[i] = isnan(o->hi[i]) ? INFINITY : o->hi[i];
        }
        scale[i] = is_response_param(model, i) ? yspread : 1.0;
    }
    if (o->ec50_range > 0.0) {
        double lmin = INFINITY, lmax = -INFINITY;
        for (int i = 0; i < m; i++) {
            if (cv.zero[i] == 0.0) {
                lmin = fmin(lmin, cv.lx[i]);
                lmax = fmax(lmax, cv.lx[i]);
            }
        }
        const int li = log_index(model);
        const double lr = log(o->ec50_range);
        if (isfinite(lmin)) {
            lo[li] = fmax(lo[li], lmin - lr);
            hi[li] = fmin(hi[li], lmax + lr);
        }
    }
    for (int a = 0; a < nfree; a++) {
        const int i = freeidx[a];
        if (th[i] < lo[i]) {
            th[i] = lo[i];
        }
        if (th[i] > hi[i]) {
            th[i] = hi[i];
        }
    }

    double rss = rss_at(model, th, &cv);
    if (!isfinite(rss)) {
        res->reason = ENDO_FIT_NONFINITE;
        fit_to_drc(model, th, res->params);
        return;
    }
    /* an exact fit: RSS at the level of rounding of the responses */
    double ysq = 0.0;
    for (int i = 0; i < m; i++) {
        ysq += cv.w[i] * cv.y[i] * cv.y[i];
    }
    const double rss_exact = 1e-28 * ysq + DBL_MIN;

    double lam = 1e-3;
    int conv = 0, reason = ENDO_FIT_MAX_ITER, njac = 0;
    double A[MAXP][MAXP], g[MAXP];
    for (int it = 0; it < o->max_iter; it++) {
        rss = normal_eq(model, th, &cv, freeidx, nfree, A, g, NULL);
        njac++;
        if (rss <= rss_exact) {
            conv = 1;
            break;
        }
        /* gradient test and the active set */
        double cos2max = 0.0;               /* squared cosines: no sqrt */
        int act[MAXP], nact = 0;
        for (int a = 0; a < nfree; a++) {
            const int i = freeidx[a];
            const int pinned = (th[i] <= lo[i] && g[a] < 0.0) || (th[i] >= hi[i] && g[a] > 0.0);
            if (!pinned) {
                act[nact++] = a;
                const double c2 = g[a] * g[a] / (A[a][a] * rss);
                cos2max = (c2 > cos2max) ? c2 : cos2max;   /* A_aa = 0: no test */
            }
        }
        if (nact == 0 || cos2max <= 1e-24) {
            conv = 1;
            break;
        }
        int accepted = 0;
        while (!accepted) {
            double M[MAXP][MAXP], z[MAXP], gg[MAXP];
            for (int a = 0; a < nact; a++) {
                gg[a] = g[act[a]];
                for (int b = 0; b <= a; b++) {
                    M[a][b] = A[act[a]][act[b]];
                }
                M[a][a] += lam * fmax(A[act[a]][act[a]], 1e-30);
            }
            if (cholesky(M, nact, NULL)) {
                chol_solve(M, nact, gg, z);
                double tn[MAXP];
                memcpy(tn, th, sizeof tn);
                for (int a = 0; a < nact; a++) {
                    const int i = freeidx[act[a]];
                    double v = th[i] + z[a];
                    v = (v < lo[i]) ? lo[i] : ((v > hi[i]) ? hi[i] : v);
                    tn[i] = v;
                }
                const double rn = rss_at(model, tn, &cv);
                if (rn < rss) {
                    int small = 1;
                    for (int a = 0; a < nact; a++) {
                        const int i = freeidx[act[a]];
                        if (fabs(tn[i] - th[i]) > o->xtol * (fabs(th[i]) + scale[i])) {
                            small = 0;
                        }
                    }
                    const double rel = (rss - rn) / rss;
                    memcpy(th, tn, sizeof th);
                    if ((small && lam < 1.0) || (rel <= o->ftol && cos2max <= 1e-12)) {
                        conv = 1;
                    }
                    /* rss itself is recomputed by normal_eq at the next iteration */
                    lam = fmax(lam * 0.1, 1e-12);
                    accepted = 1;
                    break;
                }
            }
            lam *= 10.0;
            if (lam > 1e16) {
                break;
            }
        }
        if (!accepted) {
            /* no decrease even for tiny steps: a minimum to rounding, or stuck */
            if (cos2max <= 1e-14) {
                conv = 1;
            }
            else {
                reason = ENDO_FIT_NO_PROGRESS;
            }
            break;
        }
        if (conv) {
            break;
        }
    }
    res->n_iter = njac;
    fit_to_drc(model, th, res->params);
    /* final RSS and normal equations over every free parameter, and drc's
     * Hessian correction from the same pass (LL.5: below) */
    double Cf[MAXP][MAXP] = {{0.0}};
    const int fuse = o->vcov == 0 && model != ENDO_FIT_LL5;
    rss = normal_eq(model, th, &cv, freeidx, nfree, A, g, fuse ? Cf : NULL);
    res->rss = rss;
    if (!conv) {
        res->reason = reason;
        return;
    }
    for (int a = 0; a < nfree; a++) {
        const int i = freeidx[a];
        const double tol = 1e-12 * (fabs(th[i]) + scale[i]);
        if (th[i] <= lo[i] + tol || th[i] >= hi[i] - tol) {
            res->reason = ENDO_FIT_AT_BOUND;
            return;
        }
    }
    /* identifiability: vanishing columns, then the scaled matrix */
    double d[MAXP];
    for (int a = 0; a < nfree; a++) {
        const int i = freeidx[a];
        const double colrms = sqrt(A[a][a] / wsum);
        const double unit = is_response_param(model, i) ? 1.0 : yspread;
        if (!(colrms > 1e-9 * unit)) {
            res->reason = ENDO_FIT_SINGULAR;
            return;
        }
        d[a] = 1.0 / sqrt(A[a][a]);
    }
    double R[MAXP][MAXP];
    for (int a = 0; a < nfree; a++) {
        for (int b = 0; b <= a; b++) {
            R[a][b] = A[a][b] * d[a] * d[b];
        }
    }
    double minpiv;
    if (!cholesky(R, nfree, &minpiv) || minpiv < 1e-12) {
        res->reason = ENDO_FIT_SINGULAR;
        return;
    }
    if (o->vcov == 0) {
        /* drc: the observed Hessian J^T W J - sum w r f'' (over the free parameters) */
        if (model == ENDO_FIT_LL5) {
            hessian_correction_ll5(th, &cv, Cf);
        }
        for (int a = 0; a < nfree; a++) {
            for (int b = 0; b <= a; b++) {
                const int i = freeidx[a], j = freeidx[b];
                const double c = (i >= j) ? Cf[i][j] : Cf[j][i];
                R[a][b] = (A[a][b] - c) * d[a] * d[b];
            }
        }
        if (!cholesky(R, nfree, &minpiv) || minpiv < 1e-12) {
            res->reason = ENDO_FIT_SINGULAR;
            return;
        }
    }
    res->reason = ENDO_FIT_OK;
    /* inverse of the scaled matrix, column by column */
    double inv[MAXP][MAXP];
    for (int c = 0; c < nfree; c++) {
        double e[MAXP] = {0}, col[MAXP];
        e[c] = 1.0;
        chol_solve(R, nfree, e, col);
        for (int a = 0; a < nfree; a++) {
            inv[a][c] = col[a];
        }
    }
    const double s2 = (res->df > 0) ? rss / res->df : NAN;
    double jac_scale[MAXP] = {0};             /* d theta_drc / d theta_internal */
    for (int i = 0; i < P; i++) {
        jac_scale[i] = is_log_param(model, i) ? res->params[i] : 1.0;
    }
    for (int i = 0; i < MAXP * MAXP; i++) {
        res->cov[i] = 0.0;
    }
    for (int a = 0; a < nfree; a++) {
        for (int b = 0; b < nfree; b++) {
            const int i = freeidx[a], j = freeidx[b];
            res->cov[i * P + j] = s2 * inv[a][b] * d[a] * d[b] * jac_scale[i] * jac_scale[j];
        }
    }
}
