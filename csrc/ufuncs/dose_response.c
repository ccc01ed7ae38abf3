/*
 * dose_response.c -- scalar dose-response kernels (see dose_response.h).
 *
 * Numerical notes
 * ---------------
 * Everything is built on r^n for a ratio r of two concentrations.  Evaluating
 * c^n and ec50^n separately overflows for large c or n, and exp(n log r)
 * loses |n log r| ulp; instead the Hill-type functions take the ratio of the
 * smaller to the larger argument, q = min/max in [0, 1], so q^n never
 * overflows (c = 1e300 with ec50 = 1e-300 is fine), and branch on which of
 * the two is larger:
 *
 *     c <= ec50:  t = (c/ec50)^n,   h = emax * t / (1 + t)
 *     c >  ec50:  s = (ec50/c)^n,   h = emax / (1 + s)
 *
 * When a/b itself underflows or overflows (c = 1e-300, ec50 = 1e30), q has
 * lost its precision while q^n can still be an ordinary number (1e-330^0.3 =
 * 1e-99): endo_ratio_pow() then works on mantissas and exponents separately.
 *
 * Error: the rounding of q (0.5 ulp) is amplified by n in q^n and damped by
 * the sensitivity of h to t (at most 1), so the relative error of h is about
 * (n/2 + 3) ulp.  This is the conditioning of the function itself: a 1-ulp
 * change in c moves h by n (1 - h/emax) ulp.  The tests allow (n + 4) ulp
 * against mpmath at the same float64 inputs.
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

/* +inf with the overflow flag: a genuinely overflowing result. */
static double endo_overflow(void)
{
    feraiseexcept(FE_OVERFLOW | FE_INEXACT);
    return INFINITY;
}

/*
 * (a/b)^n for a >= 0, b > 0, n > 0.  Write a = ma 2^ea, b = mb 2^eb with
 * ma, mb in [0.5, 1); then (a/b)^n = (ma/mb)^n 2^(n d), d = ea - eb an exact
 * integer.  n*d is split into hi + lo exactly with fma, so the rounding of the
 * product costs nothing.  This path is only taken when a/b would leave the
 * normal range (the division is not even attempted, so it raises no overflow
 * flag); there |d| >= 1020, so (ma/mb)^n, in (2^-n, 2^n), cannot overflow or
 * underflow whenever the result is representable.
 */
double endo_ratio_pow(double a, double b, double n)
{
    if (a == 0.0 || isinf(a) || isinf(b) || isinf(n)) {
        return pow(a / b, n);           /* inf/inf raises invalid, as it should */
    }
    int ea, eb;
    const double ma = frexp(a, &ea), mb = frexp(b, &eb);
    const int d = ea - eb;              /* a/b lies in [2^(d-1), 2^(d+1)] */
    if (d > -1020 && d < 1020) {
        return pow(a / b, n);           /* a/b is a normal number */
    }
    /* a/b would under- or overflow (and raise a flag) before the power */
    const double r = ma / mb;           /* in (0.5, 2) */
    const double dd = (double)d;
    if (d < 0 && n * (dd + 1.0) < -1100.0) {
        return 0.0;                     /* below 2^-1100: underflows anyway */
    }
    if (d > 0 && n * (dd - 1.0) > 1100.0) {
        return endo_overflow();         /* above 2^1100: overflows anyway */
    }
    const double hi = n * dd;
    const double lo = fma(n, dd, -hi);
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
        const double t = endo_ratio_pow(c, ec50, n);
        return emax * (t / (1.0 + t));
    }
    const double s = endo_ratio_pow(ec50, c, n);
    return emax / (1.0 + s);
}

double endo_emax_model(double c, double e0, double emax, double ec50, double n)
{
    if (isnan(e0)) {
        return NAN;
    }
    return e0 + endo_hill(c, emax, ec50, n);
}

/* ------------------------------------------------------------------------- */
/* drc log-logistic models                                                    */
/* ------------------------------------------------------------------------- */
/*
 * The logistic weights of LL.4/LL.5 with w = (x/e)^b:
 *     A = 1 / (1 + w),   B = w / (1 + w) = 1 - A,
 * both computed without cancellation from p = (min(x,e)/max(x,e))^|b| in
 * [0, 1], which is w or 1/w.  Also returns log A (needed by LL.5) and
 * log(x/e) (needed by the gradients), each only when the pointer is non-NULL.
 * Preconditions (checked by the callers): x >= 0, e > 0, b not NaN.
 */
typedef struct {
    double A, B;        /* 1/(1+w), w/(1+w) */
    double p;           /* (min/max)^|b| */
    int up;             /* 1 when w = 1/p >= 1, 0 when w = p <= 1 */
} logistic_w;

static logistic_w logistic_weights(double x, double b, double e)
{
    logistic_w r;
    if (b == 0.0) {
        r.A = r.B = 0.5;
        r.p = 1.0;
        r.up = 0;
        return r;
    }
    if (x <= e) {
        r.p = endo_ratio_pow(x, e, fabs(b));
        r.up = (b < 0.0);
    }
    else {
        r.p = endo_ratio_pow(e, x, fabs(b));
        r.up = (b > 0.0);
    }
    const double lo = r.p / (1.0 + r.p), hi = 1.0 / (1.0 + r.p);
    r.A = r.up ? lo : hi;
    r.B = r.up ? hi : lo;
    return r;
}

/* log A = -log(1 + w) without overflow of w. */
static double logistic_log_a(const logistic_w *w)
{
    if (!w->up) {
        return -log1p(w->p);            /* w = p <= 1 */
    }
    if (w->p == 0.0) {
        return -INFINITY;
    }
    return log(w->p) - log1p(w->p);     /* w = 1/p: -log(1 + 1/p) */
}

/* c + (d - c) F with F + G = 1, evaluated from whichever end is nearer so that
 * F = 1 gives d and F = 0 gives c exactly. */
static double blend(double c, double d, double F, double G)
{
    return (F <= 0.5) ? c + (d - c) * F : d - (d - c) * G;
}

static int ll_domain_bad(double x, double e)
{
    return !(x >= 0.0) || !(e > 0.0);
}

double endo_ll4(double x, double b, double c, double d, double e)
{
    if (isnan(x) || isnan(b) || isnan(c) || isnan(d) || isnan(e)) {
        return NAN;
    }
    if (ll_domain_bad(x, e)) {
        return endo_invalid();
    }
    const logistic_w w = logistic_weights(x, b, e);
    return blend(c, d, w.A, w.B);
}

/* F = A^f and G = 1 - F, accurately in both tails. */
static void ll5_weights(const logistic_w *w, double f, double *F, double *G)
{
    if (f == 1.0) {                     /* exactly LL.4 */
        *F = w->A;
        *G = w->B;
        return;
    }
    const double la = logistic_log_a(w);
    *F = (w->A >= DBL_MIN) ? pow(w->A, f) : exp(f * la);
    *G = (*F > 0.5) ? -expm1(f * la) : 1.0 - *F;
}

double endo_ll5(double x, double b, double c, double d, double e, double f)
{
    if (isnan(x) || isnan(b) || isnan(c) || isnan(d) || isnan(e) || isnan(f)) {
        return NAN;
    }
    if (ll_domain_bad(x, e) || !(f > 0.0)) {
        return endo_invalid();
    }
    const logistic_w w = logistic_weights(x, b, e);
    double F, G;
    ll5_weights(&w, f, &F, &G);
    return blend(c, d, F, G);
}

/* ------------------------------------------------------------------------- */
/* Receptor theory                                                            */
/* ------------------------------------------------------------------------- */

double endo_occupancy(double c, double kd)
{
    if (isnan(c) || isnan(kd)) {
        return NAN;
    }
    if (!(c >= 0.0) || !(kd > 0.0)) {
        return endo_invalid();
    }
    if (c <= kd) {
        const double r = c / kd;        /* inf/inf: invalid, as it should */
        return r / (1.0 + r);
    }
    return 1.0 / (1.0 + kd / c);
}

double endo_operational(double a, double ka, double tau, double em, double n)
{
    if (isnan(a) || isnan(ka) || isnan(tau) || isnan(em) || isnan(n)) {
        return NAN;
    }
    if (!(a >= 0.0) || !(ka > 0.0) || !(tau >= 0.0) || !(n > 0.0)) {
        return endo_invalid();
    }
    if (a == 0.0 || tau == 0.0) {
        return 0.0 * em;
    }
    /* E = em u^n / (1 + u^n) with u = tau a / (ka + a): a Hill function of u
     * with ec50 = 1.  u = tau * occupancy never overflows unless tau does. */
    const double u = tau * endo_occupancy(a, ka);
    return endo_hill(u, em, 1.0, n);
}

double endo_dose_ratio(double b, double kb, double slope)
{
    if (isnan(b) || isnan(kb) || isnan(slope)) {
        return NAN;
    }
    if (!(b >= 0.0) || !(kb > 0.0) || !(slope > 0.0)) {
        return endo_invalid();
    }
    return 1.0 + endo_ratio_pow(b, kb, slope);
}

/*
 * y = (a/(b + blo))^(1/n) for a > 0, b > 0, returned as ym 2^(*ky) with ym
 * near [0.5, 1), so that nothing overflows or underflows before the caller
 * scales by ec50: the ratio may be 1e16 and y 1e319 while ec50 y = 1e39.
 * b + blo is the exact denominator (blo its rounding error, from a
 * two-difference).  The first guess 2^G, G = (log2(ma/mb) + ea - eb)/n, can
 * be off by a few |G| ulp (the rounded 1/n); one Newton step on
 * y^n (b + blo) = a, with the residual formed in mantissa/exponent arithmetic,
 * brings it back to about 1/n + 1.5 ulp.  For n > 500, y is within a factor
 * 2^5 of 1, the guess is already good to an ulp, and y^n could not be formed
 * safely, so the step is skipped.
 */
static double root_of_ratio(double a, double b, double blo, double n, int *ky)
{
    int ea, eb;
    const double ma = frexp(a, &ea), mb = frexp(b, &eb);
    const double inv_n = 1.0 / n;
    const double G = log2(ma / mb) * inv_n + (double)(ea - eb) * inv_n;
    if (G > 4200.0 || G < -4200.0) {
        *ky = (G > 0.0) ? 4200 : -4200;     /* the caller's ldexp saturates */
        return 0.5;
    }
    const double gi = floor(G);
    int k0;
    double ym = frexp(exp2(G - gi), &k0);   /* in [0.5, 1) */
    *ky = (int)gi + k0;
    if (n > 500.0) {
        return ym;
    }
    /* rho = y^n (b + blo) / a - 1, exponent n ky + eb - ea split exactly */
    const double hi = n * (double)(*ky);
    const double lo = fma(n, (double)(*ky), -hi);
    const double e2 = (hi + (double)(eb - ea)) + lo;
    const double ratio = pow(ym, n) * (mb / ma) * exp2(e2) * (1.0 + blo / b);
    const double rho = ratio - 1.0;
    ym -= ym * (rho / n);
    return ym;
}

double endo_hill_inverse(double effect, double emax, double ec50, double n)
{
    if (isnan(effect) || isnan(emax) || isnan(ec50) || isnan(n)) {
        return NAN;
    }
    if (!(ec50 > 0.0) || isinf(ec50) || !(n > 0.0) || isinf(n) || emax == 0.0
        || isinf(emax)) {
        return endo_invalid();
    }
    /* effect between 0 and emax, compared without dividing (no overflow) */
    const int inside = (emax > 0.0) ? (effect >= 0.0 && effect <= emax)
                                    : (effect <= 0.0 && effect >= emax);
    if (!inside) {
        return endo_invalid();
    }
    if (effect == 0.0) {
        return 0.0;
    }
    if (effect == emax) {
        return INFINITY;                /* the exact limit, quietly */
    }
    /* den = emax - effect exactly as den + den_lo (Knuth's two-sum). */
    const double den = emax - effect;
    const double bv = den - emax;           /* the part of -effect in den */
    const double den_lo = (emax - (den - bv)) + (-effect - bv);
    int ky, ke;
    const double ym = root_of_ratio(fabs(effect), fabs(den),
                                    (den < 0.0) ? -den_lo : den_lo, n, &ky);
    const double me = frexp(ec50, &ke);
    return ldexp(me * ym, ke + ky);     /* over/underflows only if c does */
}

double endo_ecx(double x, double ec50, double n)
{
    return endo_hill_inverse(x, 1.0, ec50, n);
}

/* ------------------------------------------------------------------------- */
/* Parameter gradients                                                        */
/* ------------------------------------------------------------------------- */

/* log(x/e) for x, e > 0, finite, without under/overflow of the ratio. */
static double log_ratio(double x, double e)
{
    const double q = x / e;
    if (q >= DBL_MIN && q <= DBL_MAX) {
        return log(q);
    }
    return log(x) - log(e);
}

static void fill(double *jac, int p, double v)
{
    for (int i = 0; i < p; i++) {
        jac[i] = v;
    }
}

void endo_hill_jac(double c, double emax, double ec50, double n, double *jac)
{
    if (isnan(c) || isnan(emax) || isnan(ec50) || isnan(n)) {
        fill(jac, 3, NAN);
        return;
    }
    if (!(c >= 0.0) || !(ec50 > 0.0) || isinf(ec50) || !(n > 0.0) || isinf(n)) {
        fill(jac, 3, endo_invalid());
        return;
    }
    if (c == 0.0) {
        fill(jac, 3, 0.0);
        return;
    }
    if (isinf(c)) {
        jac[0] = 1.0;
        jac[1] = jac[2] = 0.0;
        return;
    }
    /* g = h/emax = t/(1+t) and its complement gc = 1 - g, both exact-ish */
    double g, gc;
    if (c <= ec50) {
        const double t = endo_ratio_pow(c, ec50, n);
        g = t / (1.0 + t);
        gc = 1.0 / (1.0 + t);
    }
    else {
        const double s = endo_ratio_pow(ec50, c, n);
        g = 1.0 / (1.0 + s);
        gc = s / (1.0 + s);
    }
    const double ggc = g * gc;
    jac[0] = g;                                         /* d/d emax */
    jac[1] = -emax * n * ggc / ec50;                    /* d/d ec50 */
    jac[2] = emax * ggc * log_ratio(c, ec50);           /* d/d n    */
}

static int ll_jac_domain_bad(double x, double b, double e)
{
    return ll_domain_bad(x, e) || isinf(e) || isinf(b);
}

void endo_ll4_jac(double x, double b, double c, double d, double e, double *jac)
{
    if (isnan(x) || isnan(b) || isnan(c) || isnan(d) || isnan(e)) {
        fill(jac, 4, NAN);
        return;
    }
    if (ll_jac_domain_bad(x, b, e)) {
        fill(jac, 4, endo_invalid());
        return;
    }
    const logistic_w w = logistic_weights(x, b, e);
    const double ab = w.A * w.B;
    const double dc = d - c;
    /* dA/db = -A B log(x/e), dA/de = A B b / e; zero where A B = 0 (x = 0, inf) */
    jac[0] = (ab == 0.0) ? 0.0 : dc * ab * log_ratio(e, x);    /* d/d b */
    jac[1] = w.B;                                              /* d/d c */
    jac[2] = w.A;                                              /* d/d d */
    jac[3] = (ab == 0.0) ? 0.0 : dc * ab * b / e;              /* d/d e */
}

void endo_ll5_jac(double x, double b, double c, double d, double e, double f,
                  double *jac)
{
    if (isnan(x) || isnan(b) || isnan(c) || isnan(d) || isnan(e) || isnan(f)) {
        fill(jac, 5, NAN);
        return;
    }
    if (ll_jac_domain_bad(x, b, e) || !(f > 0.0) || isinf(f)) {
        fill(jac, 5, endo_invalid());
        return;
    }
    const logistic_w w = logistic_weights(x, b, e);
    double F, G;
    ll5_weights(&w, f, &F, &G);
    const double dc = d - c;
    /* F = A^f: dF/db = -f F B log(x/e), dF/de = f F B b / e, dF/df = F log A */
    const double fb = f * F * w.B;
    jac[0] = (fb == 0.0) ? 0.0 : dc * fb * log_ratio(e, x);    /* d/d b */
    jac[1] = G;                                                /* d/d c */
    jac[2] = F;                                                /* d/d d */
    jac[3] = (fb == 0.0) ? 0.0 : dc * fb * b / e;              /* d/d e */
    jac[4] = (F == 0.0) ? 0.0 : dc * F * logistic_log_a(&w);   /* d/d f */
}
