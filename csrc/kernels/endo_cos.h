/*
 * endo_cos.h -- a cosine that vectorises, for the models' circadian drives.
 *
 * libm's cos is a call per value: in the W4 workload it took 13 % of the time,
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
#ifndef ENDORPHIN_ENDO_COS_H
#define ENDORPHIN_ENDO_COS_H

#include <math.h>
#include <stdint.h>
#include <string.h>

#define ENDO_COS_MAX 1.0e6      /* |x| 2/pi < 2^20: the reduction's products are exact */

static inline __attribute__((always_inline)) double endo_cos_reduced(double x)
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
static inline __attribute__((always_inline)) void endo_cos_n(const double *restrict x,
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

#endif /* ENDORPHIN_ENDO_COS_H */
