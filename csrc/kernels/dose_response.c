/*
 * dose_response.c -- scalar dose-response kernels (see dose_response.h).
 *
 * Numerical notes
 * ---------------
 * The Hill function is evaluated through the ratio of the smaller to the larger
 * of c and ec50, q = min(c, ec50) / max(c, ec50) in [0, 1], so that q^n never
 * overflows for any finite c, ec50 and n (c = 1e300 with ec50 = 1e-300 is
 * fine), and no spurious overflow flag reaches NumPy:
 *
 *     c <= ec50:  t = (c/ec50)^n,   h = emax * t / (1 + t)
 *     c >  ec50:  s = (ec50/c)^n,   h = emax / (1 + s)
 *
 * When a/b underflows (c = 1e-300, ec50 = 1e30), q is subnormal or zero and
 * has lost its precision, yet q^n can still be an ordinary number for n < 1
 * (1e-330^0.3 = 1e-99).  ratio_pow() then works on the binary mantissas and
 * exponents separately (see there).
 *
 * Error: the rounding of q (0.5 ulp) is amplified by n in q^n, and damped by
 * the sensitivity of h to t (at most 1), so the relative error of h is about
 * (n/2 + 3) ulp.  This matches the conditioning of the function itself: a
 * 1-ulp change in c moves h by n*(1 - h/emax) ulp.  The tests allow
 * (n + 4) ulp against an mpmath reference evaluated at the same float64 inputs.
 */
#include "dose_response.h"

#include <fenv.h>
#include <float.h>
#include <math.h>

double endo_invalid(void)
{
    feraiseexcept(FE_INVALID);
    return NAN;
}

/*
 * (a/b)^n for 0 <= a <= b, b > 0, n > 0, without losing precision when a/b
 * underflows.  Write a = ma 2^ea, b = mb 2^eb with ma, mb in [0.5, 1); then
 * (a/b)^n = (ma/mb)^n 2^(n d), d = ea - eb an exact integer.  n*d is split
 * into hi + lo exactly with fma, so the rounding of the product costs nothing.
 * This path is taken only when a/b < DBL_MIN; there d <= -1021, so
 * (ma/mb)^n < 2^n cannot overflow whenever the result is representable.
 */
static double ratio_pow(double a, double b, double n)
{
    const double q = a / b;
    if (q >= DBL_MIN || a == 0.0 || isinf(b)) {
        return pow(q, n);
    }
    int ea, eb;
    const double r = frexp(a, &ea) / frexp(b, &eb);     /* in (0.5, 2) */
    const double d = (double)(ea - eb);
    if (n * (d + 1.0) < -1100.0) {
        return 0.0;                 /* < 2^-1100: underflows in any case */
    }
    const double hi = n * d;
    const double lo = fma(n, d, -hi);
    return pow(r, n) * exp2(hi) * exp2(lo);
}

double endo_hill(double c, double emax, double ec50, double n)
{
    if (isnan(c) || isnan(emax) || isnan(ec50) || isnan(n)) {
        return NAN;                     /* quiet propagation, no flag */
    }
    if (!(c >= 0.0) || !(ec50 > 0.0) || !(n > 0.0)) {
        return endo_invalid();
    }
    if (c <= ec50) {
        /* c = ec50 = +inf is indeterminate: inf/inf raises invalid itself. */
        const double t = ratio_pow(c, ec50, n);
        return emax * (t / (1.0 + t));
    }
    else {
        const double s = ratio_pow(ec50, c, n);
        return emax / (1.0 + s);
    }
}
