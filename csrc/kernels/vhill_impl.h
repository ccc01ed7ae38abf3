/*
 * vhill_impl.h -- body of the vectorised Hill block, included once per
 * instruction set by vhill.c (generic), vhill_avx2.c and vhill_avx512.c,
 * each of which defines VHILL_NAME and, when FMA is available, VHILL_FMA.
 *
 * Method: h = emax * num / (1 + p), p = exp(-|y|) <= 1, y = n log(c/ec50),
 * num = 1 when y > 0 (c > ec50) and p otherwise, which is the two-branch form
 * of dose_response.c without any power that can overflow.  log c and log ec50
 * are evaluated in double-double (fdlibm's log kernel, its polynomial
 * coefficients from fdlibm e_log.c, with the leading terms split exactly), so
 * that y carries an absolute error of about n 2^-58 whatever its size; exp is
 * a degree-13 Taylor polynomial on |r| <= log(2)/2 after the usual k log(2)
 * reduction.  The relative error of p is about 1.5 ulp + n/64 ulp, within the
 * conditioning of the Hill function (dose_response.c).
 *
 * Everything is branch-free arithmetic on doubles and 64-bit integers, so the
 * compiler vectorises the loop (#pragma omp simd, -fopenmp-simd), and no
 * operation can raise a floating-point flag for the lanes it keeps: lanes
 * outside the domain are replaced by harmless values (1, 1, 1) and flagged
 * for the scalar kernel, before anything is computed from them.
 */
#include <float.h>
#include <stdint.h>
#include <string.h>

#ifdef VHILL_FMA
#define FMA(a, b, c) __builtin_fma((a), (b), (c))
#else
#define FMA(a, b, c) ((a) * (b) + (c))
#endif

static inline double vh_bits_to_double(uint64_t u)
{
    double d;
    memcpy(&d, &u, sizeof d);
    return d;
}

static inline uint64_t vh_double_to_bits(double d)
{
    uint64_t u;
    memcpy(&u, &d, sizeof u);
    return u;
}

/* cond ? a : b by bit masks, so that the compiler needs no branch (with
 * -ftrapping-math, gcc does not if-convert floating-point selects). */
static inline double vh_sel(int cond, double a, double b)
{
    const uint64_t m = (uint64_t)0 - (uint64_t)(cond != 0);
    return vh_bits_to_double((vh_double_to_bits(a) & m) | (vh_double_to_bits(b) & ~m));
}

/* Exact product a*b = p + e (fma, or Dekker's splitting without it). */
static inline double vh_two_prod(double a, double b, double *e)
{
    const double p = a * b;
#ifdef VHILL_FMA
    *e = __builtin_fma(a, b, -p);
#else
    const double split = 134217729.0;           /* 2^27 + 1 */
    const double ta = split * a, tb = split * b;
    const double ah = ta - (ta - a), al = a - ah;
    const double bh = tb - (tb - b), bl = b - bh;
    *e = ((ah * bh - p) + ah * bl + al * bh) + al * bl;
#endif
    return p;
}

/* log(x) = hi + lo for a normal, finite x > 0 (abs. error about 2^-58 |hi|
 * at worst, much less relative to hi when |log x| is large). */
static inline double vh_log_dd(double x, double *lo)
{
    /* fdlibm e_log.c: log(1+f) = f - hfsq + s (hfsq + R(s^2)), s = f/(2+f) */
    const double Lg1 = 6.666666666666735130e-01, Lg2 = 3.999999999940941908e-01,
                 Lg3 = 2.857142874366239149e-01, Lg4 = 2.222219843214978396e-01,
                 Lg5 = 1.818357216161805012e-01, Lg6 = 1.531383769920937332e-01,
                 Lg7 = 1.479819860511658591e-01;
    const double ln2_hi = 6.93147180369123816490e-01;   /* 32 trailing zero bits */
    const double ln2_lo = 1.90821492927058770002e-10;

    /* Only integer operations that every SIMD level has (no 64-bit integer
     * <-> double conversion, no unsigned 64-bit comparison). */
    const int64_t u = (int64_t)vh_double_to_bits(x);
    int64_t e = (u >> 52) - 1023;                       /* x > 0: no sign bit */
    int64_t mbits = (u & 0x000fffffffffffffLL) | 0x3ff0000000000000LL;
    /* mantissa in [sqrt(1/2), sqrt(2)): halve it (and bump e) above sqrt(2) */
    const int64_t big = (int64_t)(mbits > 0x3ff6a09e667f3bcdLL);
    mbits -= big << 52;
    e += big;
    const double m = vh_bits_to_double((uint64_t)mbits);
    const double f = m - 1.0;                           /* exact (Sterbenz) */
    const double s = f / (2.0 + f);
    const double z = s * s, w = z * z;
    const double t1 = w * FMA(w, FMA(w, Lg6, Lg4), Lg2);
    const double t2 = z * FMA(w, FMA(w, FMA(w, Lg7, Lg5), Lg3), Lg1);
    const double R = t2 + t1;
    double ff_lo;
    const double ff = vh_two_prod(f, f, &ff_lo);
    const double hf = 0.5 * ff, hf_lo = 0.5 * ff_lo;   /* f^2/2 exactly */
    const double T = s * (hf + R);
    /* A + a = f - hf (fast two-sum, |f| >= |hf|) */
    const double A = f - hf;
    const double a = (f - A) - hf;
    /* (double)e exactly, by the 2^52 trick: e + 2048 is in [0, 2^52) */
    const double ed = vh_bits_to_double(0x4330000000000000ULL + (uint64_t)(e + 2048))
                      - (4503599627370496.0 + 2048.0);
    /* hi + lo = e ln2_hi + A (two-sum), e ln2_hi exact for |e| < 2^20 */
    const double eh = ed * ln2_hi;
    const double hi = eh + A;
    const double bb = hi - eh;
    const double tail = (eh - (hi - bb)) + (A - bb);
    *lo = tail + (a + (T - hf_lo) + ed * ln2_lo);
    return hi;
}

/* exp(zh + zl) for -708 <= zh <= 0, |zl| tiny: normal result in (2^-1022, 1]. */
static inline double vh_exp_dd(double zh, double zl)
{
    const double inv_ln2 = 1.44269504088896338700e+00;
    const double ln2_hi = 6.93147180369123816490e-01, ln2_lo = 1.90821492927058770002e-10;
    const double shifter = 6755399441055744.0;          /* 1.5 * 2^52 */
    const double ts = FMA(zh, inv_ln2, shifter);        /* shifter + round(zh/ln2) */
    const double kd = ts - shifter;
    const double r = ((zh - kd * ln2_hi) - kd * ln2_lo) + zl;
    /* exp(r) - 1 - r = r^2 (1/2! + r/3! + ... + r^11/13!), |r| <= 0.347 */
    double q = 1.6059043836821614e-10;                  /* 1/13! */
    q = FMA(q, r, 2.0876756987868099e-09);              /* 1/12! */
    q = FMA(q, r, 2.5052108385441720e-08);              /* 1/11! */
    q = FMA(q, r, 2.7557319223985893e-07);              /* 1/10! */
    q = FMA(q, r, 2.7557319223985888e-06);              /* 1/9!  */
    q = FMA(q, r, 2.4801587301587302e-05);              /* 1/8!  */
    q = FMA(q, r, 1.9841269841269841e-04);              /* 1/7!  */
    q = FMA(q, r, 1.3888888888888889e-03);              /* 1/6!  */
    q = FMA(q, r, 8.3333333333333332e-03);              /* 1/5!  */
    q = FMA(q, r, 4.1666666666666664e-02);              /* 1/4!  */
    q = FMA(q, r, 1.6666666666666666e-01);              /* 1/3!  */
    q = FMA(q, r, 0.5);
    const double em1 = FMA(q, r * r, r);                /* exp(r) - 1 */
    const double p = 1.0 + em1;
    /* k = round(zh/ln2) in [-1022, 0], read from the bits of ts (its ulp is 1) */
    const int64_t k = (int64_t)(vh_double_to_bits(ts) - vh_double_to_bits(shifter));
    const double scale = vh_bits_to_double((uint64_t)(k + 1023) << 52);
    return p * scale;
}

/* One element.  (lk, lk_lo) = log(ec50) when known (have_lk), else computed. */
static inline double vh_hill_one(double ci, double ei, double ki, double ni,
                                 double lk_in, double lk_in_lo, int have_lk,
                                 unsigned char *fb)
{
    /* vector domain: everything normal, finite and in range */
    /* quiet comparisons: a NaN input must not raise the invalid flag */
    const int ok = __builtin_isgreaterequal(ci, DBL_MIN)
                   & __builtin_islessequal(ci, DBL_MAX)
                   & __builtin_isgreaterequal(ki, DBL_MIN)
                   & __builtin_islessequal(ki, DBL_MAX)
                   & __builtin_isgreater(ni, 0.0) & __builtin_islessequal(ni, 1e300)
                   & __builtin_islessgreater(ni, 1.0)       /* n = 1: exact path */
                   & __builtin_islessequal(__builtin_fabs(ei), DBL_MAX);
    const double cs = vh_sel(ok, ci, 1.0), ks = vh_sel(ok, ki, 1.0);
    const double ns = vh_sel(ok, ni, 1.0);
    double lc_lo, lk_lo;
    const double lc = vh_log_dd(cs, &lc_lo);
    double lk;
    if (have_lk) {
        lk = vh_sel(ok, lk_in, 0.0);
        lk_lo = vh_sel(ok, lk_in_lo, 0.0);
    }
    else {
        lk = vh_log_dd(ks, &lk_lo);
    }
    /* L = log(c/ec50) in double-double */
    const double D = lc - lk;
    const double bb = D - lc;
    const double d = ((lc - (D - bb)) + (-lk - bb)) + (lc_lo - lk_lo);
    const double Lh = D + d, Ll = d - (Lh - D);
    /* y = n L in double-double; z = -|y| */
    double ye;
    const double Y = vh_two_prod(ns, Lh, &ye);
    const double Yl = FMA(ns, Ll, ye);
    const int up = __builtin_isgreater(Y, 0.0);
    const double zh = vh_sel(up, -Y, Y), zl = vh_sel(up, -Yl, Yl);
    const int tiny = !__builtin_isgreaterequal(zh, -708.0);              /* result below ~1e-308 */
    const double p = vh_exp_dd(vh_sel(tiny, 0.0, zh), vh_sel(tiny, 0.0, zl));
    const double num = vh_sel(up, 1.0, p);
    *fb = (unsigned char)((!ok) | tiny);
    return vh_sel(ok, ei, 0.0) * (num / (1.0 + p));
}

/* n = 1, the Michaelis-Menten / Langmuir form, exactly as dose_response.c
 * evaluates it (pow(q, 1) = q): h = emax q/(1+q) or emax/(1+q), q = min/max. */
static inline double vh_hill_n1(double ci, double ei, double ki, unsigned char *fb)
{
    const int ok = __builtin_isgreaterequal(ci, DBL_MIN)
                   & __builtin_islessequal(ci, DBL_MAX)
                   & __builtin_isgreaterequal(ki, DBL_MIN)
                   & __builtin_islessequal(ki, DBL_MAX)
                   & __builtin_islessequal(__builtin_fabs(ei), DBL_MAX);
    const double cs = vh_sel(ok, ci, 1.0), ks = vh_sel(ok, ki, 1.0);
    const int up = __builtin_isgreater(cs, ks);
    const double q = vh_sel(up, ks, cs) / vh_sel(up, cs, ks);
    const int tiny = __builtin_isless(q, DBL_MIN);     /* the precise path */
    *fb = (unsigned char)((!ok) | tiny);
    const double es = vh_sel(ok, ei, 0.0);
    return vh_sel(up, es / (1.0 + q), es * (q / (1.0 + q)));
}

void VHILL_NAME(const double *c, const double *emax, const double *ec50,
                const double *n, double *out, unsigned char *fallback,
                size_t len, int ec50_const, int n_const)
{
    if (n_const && n[0] == 1.0) {
#pragma omp simd
        for (size_t i = 0; i < len; i++) {
            unsigned char fb;
            out[i] = vh_hill_n1(c[i], emax[i], ec50[i], &fb);
            fallback[i] = fb;
        }
        return;
    }
    if (ec50_const && __builtin_isgreaterequal(ec50[0], DBL_MIN)
        && __builtin_islessequal(ec50[0], DBL_MAX)) {
        double lk_lo;
        const double k0 = ec50[0];
        const double lk = vh_log_dd(k0, &lk_lo);
#pragma omp simd
        for (size_t i = 0; i < len; i++) {
            unsigned char fb;
            out[i] = vh_hill_one(c[i], emax[i], k0, n[i], lk, lk_lo, 1, &fb);
            fallback[i] = fb;
        }
    }
    else {
#pragma omp simd
        for (size_t i = 0; i < len; i++) {
            unsigned char fb;
            out[i] = vh_hill_one(c[i], emax[i], ec50[i], n[i], 0.0, 0.0, 0, &fb);
            fallback[i] = fb;
        }
    }
}

#undef FMA
