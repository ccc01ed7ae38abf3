/*
 * endo_math.h -- cos, log and exp that vectorise, for the models.
 *
 * COSINE.  libm's cos is a call per value: in the W4 workload it took 13 % of the time,
 * one call per right-hand side and subject.  endo_cos computes the same
 * function with plain arithmetic, so a loop over SIMD lanes vectorises it and
 * the scalar and lane right-hand sides round identically (no fma: ISO C mode
 * turns contraction off, so every build and clone gives the same bits).
 *
 * Method: n = nearest integer to x 2/pi (by adding 1.5 2^52), the argument
 * reduced by pi/2 split into three 33-bit parts (Cody & Waite; exact products
 * for |n| < 2^20), then the sine or cosine polynomial of fdlibm's __kernel_sin
 * and __kernel_cos (Sun Microsystems, 1993; coefficients on [-pi/4, pi/4],
 * error below 2^-58) chosen and signed by n mod 4.  Accuracy (tested against
 * mpmath): absolute error below 1.2e-16 for |x| <= ENDO_COS_MAX, relative
 * error within 2 ulp where |cos x| > 1e-3.  Larger, infinite or NaN arguments
 * go to libm's cos.
 */
#ifndef ENDORPHIN_ENDO_MATH_H
#define ENDORPHIN_ENDO_MATH_H

#include "../portable.h"
#include <math.h>
#include <stdint.h>
#include <string.h>

#define ENDO_COS_MAX 1.0e6      /* |x| 2/pi < 2^20: the reduction's products are exact */

static inline ENDO_ALWAYS_INLINE double endo_cos_reduced(double x)
{
    static const double INVPIO2 = 6.36619772367581382433e-01;
    static const double PIO2_1 = 1.57079632673412561417e+00;    /* first 33 bits of pi/2 */
    static const double PIO2_2 = 6.07710050630396597660e-11;    /* next 33 bits */
    static const double PIO2_3 = 2.02226624871116645580e-21;    /* next 33 bits */
    static const double S1 = -1.66666666666666324348e-01, S2 = 8.33333333332248946124e-03,
                        S3 = -1.98412698298579493134e-04, S4 = 2.75573137070700676789e-06,
                        S5 = -2.50507602534068634195e-08, S6 = 1.58969099521155010221e-10;
    static const double C1 = 4.16666666666666019037e-02, C2 = -1.38888888888741095749e-03,
                        C3 = 2.48015872894767294178e-05, C4 = -2.75573143513906633035e-07,
                        C5 = 2.08757232129817482790e-09, C6 = -1.13596475577881948265e-11;
    const double shifter = 0x1.8p52;
    const double v = x * INVPIO2 + shifter;
    uint64_t q;
    memcpy(&q, &v, sizeof q);               /* low bits: n mod 2^k, two's complement */
    const double n = v - shifter;
    const double r = ((x - n * PIO2_1) - n * PIO2_2) - n * PIO2_3;
    const double z = r * r, w = z * z;
    const double rc = z * (C1 + z * (C2 + z * C3)) + w * w * (C4 + z * (C5 + z * C6));
    const double hz = 0.5 * z, wc = 1.0 - hz;
    const double cr = wc + (((1.0 - wc) - hz) + z * rc);
    const double rs = S2 + z * (S3 + z * S4) + z * w * (S5 + z * S6);
    const double sr = r + (z * r) * (S1 + z * rs);
    /* cos(r + n pi/2) = cos r, -sin r, -cos r, sin r for n mod 4 = 0, 1, 2, 3, as
     * bit operations (branch-free: loops over lanes vectorise) */
    uint64_t cb, sb;
    memcpy(&cb, &cr, sizeof cb);
    memcpy(&sb, &sr, sizeof sb);
    const uint64_t odd = 0 - (q & 1);
    const uint64_t vb = ((sb & odd) | (cb & ~odd)) ^ (((q + 1) & 2) << 62);
    double val;
    memcpy(&val, &vb, sizeof val);
    return val;
}

/* cos(x) for one value */
static inline double endo_cos(double x)
{
    return fabs(x) <= ENDO_COS_MAX ? endo_cos_reduced(x) : cos(x);
}

/* out[l] = endo_cos(x[l]), l < n, vectorised (bitwise the scalar results) */
static inline ENDO_ALWAYS_INLINE void endo_cos_n(const double *restrict x,
                                                             double *restrict out, int n)
{
    int ok = 1;
    for (int l = 0; l < n; l++) {
        ok &= fabs(x[l]) <= ENDO_COS_MAX;      /* false for NaN */
    }
    if (ok) {
#pragma omp simd
        for (int l = 0; l < n; l++) {
            out[l] = endo_cos_reduced(x[l]);
        }
        return;
    }
    for (int l = 0; l < n; l++) {
        out[l] = endo_cos(x[l]);
    }
}

/* ---- log and exp --------------------------------------------------------
 * The cortisol curve's power exp(m log z) took 17 % of a default-model day in
 * libm's log and exp, one call each per RHS and subject.  These compute the same
 * functions with plain arithmetic (no fma), so that the lane right-hand side
 * computes them for four subjects at once and rounds as the one-subject RHS does.
 * log: z = 2^k m with m in [sqrt(1/2), sqrt(2)), then the log kernel of fdlibm's
 * e_log.c (Sun Microsystems, 1993; Lg1..Lg7).  exp: x = n ln2 + r (Cody-Waite,
 * |r| <= ln2/2), Taylor polynomial of degree 13 in r, times 2^n from its bits.
 * Accuracy (tested against mpmath): within 1 ulp for log, 2 ulp for exp.
 * Arguments outside [ENDO_LOG_MIN, ENDO_LOG_MAX] resp. |x| > ENDO_EXP_MAX
 * (and NaN) go to libm. */
#define ENDO_LOG_MIN 2.2250738585072014e-308     /* smallest normal */
#define ENDO_LOG_MAX 1.7976931348623157e308      /* largest finite */
#define ENDO_EXP_MAX 708.0

static inline ENDO_ALWAYS_INLINE double endo_log_core(double x)
{
    static const double LN2_HI = 6.93147180369123816490e-01,
                        LN2_LO = 1.90821492927058770002e-10;
    static const double Lg1 = 6.666666666666735130e-01, Lg2 = 3.999999999940941908e-01,
                        Lg3 = 2.857142874366239149e-01, Lg4 = 2.222219843214978396e-01,
                        Lg5 = 1.818357216161805012e-01, Lg6 = 1.531383769920937332e-01,
                        Lg7 = 1.479819860511658591e-01;
    uint64_t b;
    memcpy(&b, &x, sizeof b);
    const uint64_t eb = (b >> 52) | 0x4330000000000000ULL;    /* 2^52 + biased exponent */
    double kd;
    memcpy(&kd, &eb, sizeof kd);
    kd -= 4503599627370496.0 + 1023.0;
    const uint64_t mb = (b & 0x000fffffffffffffULL) | 0x3ff0000000000000ULL;
    double m;
    memcpy(&m, &mb, sizeof m);                                  /* in [1, 2) */
    const int big = m > 1.4142135623730951;
    const double mh = 0.5 * m, k1 = kd + 1.0;
    m = big ? mh : m;
    kd = big ? k1 : kd;
    const double f = m - 1.0;
    const double s = f / (2.0 + f), z = s * s, w = z * z;
    const double t1 = w * (Lg2 + w * (Lg4 + w * Lg6));
    const double t2 = z * (Lg1 + w * (Lg3 + w * (Lg5 + w * Lg7)));
    const double R = t2 + t1, hfsq = 0.5 * f * f;
    return kd * LN2_HI - ((hfsq - (s * (hfsq + R) + kd * LN2_LO)) - f);
}

static inline ENDO_ALWAYS_INLINE double endo_exp_core(double x)
{
    static const double INVLN2 = 1.44269504088896338700e+00,
                        LN2_HI = 6.93147180369123816490e-01,
                        LN2_LO = 1.90821492927058770002e-10;
    const double shifter = 0x1.8p52;
    const double v = x * INVLN2 + shifter;
    uint64_t q;
    memcpy(&q, &v, sizeof q);                   /* low bits: n, two's complement */
    const double n = v - shifter;
    const double r = (x - n * LN2_HI) - n * LN2_LO;
    double p = 1.0 / 6227020800.0;              /* 1/13! */
    p = 1.0 / 479001600.0 + r * p;
    p = 1.0 / 39916800.0 + r * p;
    p = 1.0 / 3628800.0 + r * p;
    p = 1.0 / 362880.0 + r * p;
    p = 1.0 / 40320.0 + r * p;
    p = 1.0 / 5040.0 + r * p;
    p = 1.0 / 720.0 + r * p;
    p = 1.0 / 120.0 + r * p;
    p = 1.0 / 24.0 + r * p;
    p = 1.0 / 6.0 + r * p;
    p = 0.5 + r * p;
    p = 1.0 + r * p;
    p = 1.0 + r * p;
    const uint64_t sb = (q + 1023) << 52;       /* 2^n, |n| <= 1022 here */
    double sc;
    memcpy(&sc, &sb, sizeof sc);
    return p * sc;
}

static inline double endo_log(double x)
{
    return (x >= ENDO_LOG_MIN && x <= ENDO_LOG_MAX) ? endo_log_core(x) : log(x);
}

static inline double endo_exp(double x)
{
    return fabs(x) <= ENDO_EXP_MAX ? endo_exp_core(x) : exp(x);
}

#endif /* ENDORPHIN_ENDO_MATH_H */
