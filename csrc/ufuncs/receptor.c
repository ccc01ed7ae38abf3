/*
 * receptor.c -- multi-ligand receptor kernels (see receptor.h).
 *
 * Competitive occupancy is the hot path of workload W2 (10^6 points x 3
 * ligands x 3 receptors): with the reciprocal affinities precomputed once per
 * call, each receptor row costs l multiplications, one division and l more
 * multiplications.  Multiplying by 1/K instead of dividing by K costs at most
 * one extra rounding per term.  The scalar divisions bound the loop, not the
 * memory (1.7x the memory floor on AMD Zen 4), so on x86-64 with AVX2 rows
 * with up to 4 receptors go to occ_avx2.c, which divides several sums at once
 * (bitwise the same values; W2, 3 x 3, at about 1.1x the floor).
 */
#include "../portable.h"
#include "receptor.h"
#include "dose_response.h"

#include "simd_cap.h"

#include <math.h>

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define OCC_X86 1
#endif

/* receptors handled by the unrolled rows kernel (more use the general one) */
#define ENDO_OCC_MAX_R 16

size_t endo_reciprocal_affinities(const double *K, size_t r, size_t l,
                                  double *rk, unsigned char *bad_r)
{
    size_t nbad = 0;
    for (size_t q = 0; q < r; q++) {
        bad_r[q] = 0;
        for (size_t j = 0; j < l; j++) {
            const double k = K[q * l + j];
            if (!isgreater(k, 0.0)) {     /* quiet for NaN */
                if (!isnan(k)) {
                    (void)endo_invalid();
                }
                bad_r[q] = 1;
                rk[q * l + j] = NAN;    /* never 1/0: no divide-by-zero flag */
                continue;
            }
            rk[q * l + j] = 1.0 / k;    /* K = inf: no binding, 1/K = 0 */
        }
        nbad += bad_r[q];
    }
    return nbad;
}

/* Slow path for one receptor row whose denominator is not finite: one
 * infinite term takes all the receptors, two or more are indeterminate.
 * A zero concentration contributes nothing even when 1/K overflowed to inf
 * (K below ~5.6e-309): 0 * inf would be NaN, so that term is taken as 0 and
 * a row whose denominator is then finite is computed as usual. */
static void occupancy_row_infinite(const double *conc, const double *rkq,
                                   size_t l, double *occq)
{
    size_t ninf = 0, jinf = 0;
    double sum = 1.0;
    for (size_t j = 0; j < l; j++) {
        const double t = (conc[j] == 0.0) ? 0.0 : conc[j] * rkq[j];
        if (isinf(t)) {
            ninf++;
            jinf = j;
        }
        sum += t;
    }
    if (ninf == 0 && sum < INFINITY) {
        const double inv = 1.0 / sum;
        for (size_t j = 0; j < l; j++) {
            occq[j] = ((conc[j] == 0.0) ? 0.0 : conc[j] * rkq[j]) * inv;
        }
        return;
    }
    if (ninf != 1) {
        const double v = endo_invalid();
        for (size_t j = 0; j < l; j++) {
            occq[j] = v;
        }
        return;
    }
    for (size_t j = 0; j < l; j++) {
        occq[j] = (j == jinf) ? 1.0 : 0.0;
    }
}

void endo_competitive_occupancy(const double *conc, size_t l, size_t r,
                                const double *rk, const unsigned char *bad_r,
                                double *occ)
{
    /* Validate the concentrations once for all receptors. */
    int nan = 0, neg = 0;
    for (size_t j = 0; j < l; j++) {
        nan |= isnan(conc[j]);
        neg |= isless(conc[j], 0.0);     /* quiet for NaN */
    }
    if (nan || neg) {
        const double v = neg ? endo_invalid() : NAN;
        for (size_t i = 0; i < r * l; i++) {
            occ[i] = v;
        }
        return;
    }
    for (size_t q = 0; q < r; q++) {
        const double *rkq = rk + q * l;
        double *occq = occ + q * l;
        if (bad_r[q]) {                 /* flag already raised */
            for (size_t j = 0; j < l; j++) {
                occq[j] = NAN;
            }
            continue;
        }
        double sum = 1.0;
        for (size_t j = 0; j < l; j++) {
            sum += conc[j] * rkq[j];
        }
        if (!(sum < INFINITY)) {
            occupancy_row_infinite(conc, rkq, l, occq);
            continue;
        }
        const double inv = 1.0 / sum;
        for (size_t j = 0; j < l; j++) {
            occq[j] = (conc[j] * rkq[j]) * inv;
        }
    }
}

/*
 * Rows kernel.  The body is written for compile-time l and r through an
 * always-inline helper, so that for the common 3-ligand x 3-receptor case
 * (beta-endorphin, a drug, naloxone at mu, delta, kappa) the compiler unrolls
 * everything and the loop runs at the memory floor.
 */
static inline ENDO_ALWAYS_INLINE void
occupancy_rows_fixed(const double *conc, size_t nrows, size_t l, size_t r,
                     const double *rk, const unsigned char *bad_r, double *occ)
{
    double inv[ENDO_OCC_MAX_R];
    for (size_t i = 0; i < nrows; i++) {
        const double *c = conc + i * l;
        double *o = occ + i * r * l;
        int ok = 1;
        for (size_t j = 0; j < l; j++) {
            /* quiet comparison: NaN fails it without raising a flag */
            ok &= isgreaterequal(c[j], 0.0);
        }
        for (size_t q = 0; q < r; q++) {
            double sum = 1.0;
            for (size_t j = 0; j < l; j++) {
                sum += c[j] * rk[q * l + j];
            }
            /* an infinite concentration, or c/K overflowing: general kernel */
            ok &= isless(sum, INFINITY);
            inv[q] = sum;
        }
        if (!ok) {
            endo_competitive_occupancy(c, l, r, rk, bad_r, o);
            continue;
        }
        for (size_t q = 0; q < r; q++) {
            const double iv = 1.0 / inv[q];
            for (size_t j = 0; j < l; j++) {
                o[q * l + j] = (c[j] * rk[q * l + j]) * iv;
            }
        }
    }
}

/* Chosen once: PyInit__ufuncs calls endo_occupancy_simd() under the GIL
 * before any ufunc can run (a C caller that skips that selects lazily). */
static int occ_simd = -1;

int endo_occupancy_simd(void)
{
    if (occ_simd < 0) {
        int use = 0;
#ifdef OCC_X86
        __builtin_cpu_init();
        use = endo_simd_cap() >= ENDO_SIMD_AVX2 && __builtin_cpu_supports("avx2");
#endif
        occ_simd = use;
    }
    return occ_simd;
}

void endo_competitive_occupancy_rows(const double *conc, size_t nrows, size_t l,
                                     size_t r, const double *rk,
                                     const unsigned char *bad_r, double *occ)
{
    int any_bad = 0;
    for (size_t q = 0; q < r; q++) {
        any_bad |= bad_r[q];
    }
#ifdef OCC_X86
    if (!any_bad && r <= 4 && l <= ENDO_OCC_AVX2_MAX_L && endo_occupancy_simd()) {
        if (l == 3 && r == 3) {
            endo_occupancy_rows33_avx2(conc, nrows, rk, bad_r, occ);
        }
        else if (r == 1) {
            endo_occupancy_rows_r1_avx2(conc, nrows, l, rk, bad_r, occ);
        }
        else {
            endo_occupancy_rows_avx2(conc, nrows, l, r, rk, bad_r, occ);
        }
        return;
    }
#endif
    if (!any_bad && l == 3 && r == 3) {
        occupancy_rows_fixed(conc, nrows, 3, 3, rk, bad_r, occ);
    }
    else if (!any_bad && r <= ENDO_OCC_MAX_R) {
        occupancy_rows_fixed(conc, nrows, l, r, rk, bad_r, occ);
    }
    else {
        for (size_t i = 0; i < nrows; i++) {
            endo_competitive_occupancy(conc + i * l, l, r, rk, bad_r, occ + i * r * l);
        }
    }
}

double endo_operational_multi(const double *conc, const double *K,
                              const double *tau, size_t l, double n)
{
    /* quiet comparisons throughout: a NaN must not raise the invalid flag */
    int nan = isnan(n), bad = islessequal(n, 0.0);
    for (size_t j = 0; j < l; j++) {
        nan |= isnan(conc[j]) | isnan(K[j]) | isnan(tau[j]);
        bad |= isless(conc[j], 0.0) | islessequal(K[j], 0.0)
               | isless(tau[j], 0.0);
    }
    if (nan) {
        return NAN;
    }
    if (bad) {
        return endo_invalid();
    }
    double sx = 0.0, stx = 0.0;
    size_t ninf = 0, jinf = 0;
    for (size_t j = 0; j < l; j++) {
        const double x = conc[j] / K[j];
        if (isinf(x)) {
            ninf++;
            jinf = j;
            continue;
        }
        sx += x;
        stx += (tau[j] == 0.0) ? 0.0 : tau[j] * x;
    }
    double u;
    if (ninf == 1) {
        u = tau[jinf];                  /* one ligand saturates the receptor */
    }
    else if (ninf > 1) {
        return endo_invalid();          /* indeterminate */
    }
    else {
        u = stx / (1.0 + sx);
    }
    if (u == 0.0) {
        return 0.0;
    }
    return endo_hill(u, 1.0, 1.0, n);
}
