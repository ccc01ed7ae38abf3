/*
 * occ_avx2.c -- competitive occupancy rows with AVX2, one row at a time, the
 * receptors (up to 4) side by side in one vector: one vector division per row
 * instead of one scalar division per receptor, which bounded the scalar loop
 * (division throughput, not memory: 1.7x the memory floor of W2 on AMD Zen 4).
 * 3 ligands x 3 receptors (the W2 layout) has its own transposition in
 * registers; other shapes go through a small buffer; one receptor puts four
 * rows side by side instead.
 *
 * The operations are those of endo_competitive_occupancy, in the same order
 * (separate multiplications and additions: no fma), so every value is
 * bitwise the scalar kernel's.  Lanes past the last receptor repeat receptor
 * 0, so they raise no flag that lane 0 does not.  Rows with a NaN, negative or
 * infinite concentration, or a sum that overflows, take the general kernel.
 */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#pragma GCC target("avx2")
#include <immintrin.h>
#include <math.h>
#include <stddef.h>

#include "receptor.h"

void endo_occupancy_rows33_avx2(const double *conc, size_t nrows, const double *rk,
                                const unsigned char *bad_r, double *occ)
{
    /* column j of rk (ligand j at receptors 0, 1, 2, 0) */
    const __m256d K0 = _mm256_setr_pd(rk[0], rk[3], rk[6], rk[0]);
    const __m256d K1 = _mm256_setr_pd(rk[1], rk[4], rk[7], rk[1]);
    const __m256d K2 = _mm256_setr_pd(rk[2], rk[5], rk[8], rk[2]);
    const __m256d one = _mm256_set1_pd(1.0), inf = _mm256_set1_pd(INFINITY);
    for (size_t i = 0; i < nrows; i++) {
        const double *c = conc + 3 * i;
        double *o = occ + 9 * i;
        /* x_qj = c_j / K_qj for the three receptors q at once; the sums */
        const __m256d A0 = _mm256_mul_pd(_mm256_broadcast_sd(c), K0);
        const __m256d A1 = _mm256_mul_pd(_mm256_broadcast_sd(c + 1), K1);
        const __m256d A2 = _mm256_mul_pd(_mm256_broadcast_sd(c + 2), K2);
        const __m256d S = _mm256_add_pd(_mm256_add_pd(_mm256_add_pd(one, A0), A1), A2);
        /* quiet comparisons: NaN fails them without raising a flag */
        const int ok = __builtin_isgreaterequal(c[0], 0.0)
                       & __builtin_isgreaterequal(c[1], 0.0)
                       & __builtin_isgreaterequal(c[2], 0.0)
                       & (_mm256_movemask_pd(_mm256_cmp_pd(S, inf, _CMP_LT_OQ)) == 15);
        if (!ok) {
            endo_competitive_occupancy(c, 3, 3, rk, bad_r, o);
            continue;
        }
        const __m256d IV = _mm256_div_pd(one, S);
        const __m256d P0 = _mm256_mul_pd(A0, IV);      /* P_j[q] = occ[q][j] */
        const __m256d P1 = _mm256_mul_pd(A1, IV);
        const __m256d P2 = _mm256_mul_pd(A2, IV);
        /* to row-major [q][j]: P0_0 P1_0 P2_0 P0_1 | P1_1 P2_1 P0_2 P1_2 | P2_2 */
        const __m256d X = _mm256_unpacklo_pd(P0, P1);  /* P0_0 P1_0 P0_2 P1_2 */
        const __m256d Y = _mm256_unpackhi_pd(P0, P1);  /* P0_1 P1_1 P0_3 P1_3 */
        const __m256d Z = _mm256_unpacklo_pd(P2, Y);   /* P2_0 P0_1 P2_2 P0_3 */
        const __m256d W = _mm256_unpackhi_pd(Y, P2);   /* P1_1 P2_1 P1_3 P2_3 */
        _mm256_storeu_pd(o, _mm256_permute2f128_pd(X, Z, 0x20));
        _mm256_storeu_pd(o + 4, _mm256_blend_pd(W, X, 0xC));
        _mm_store_sd(o + 8, _mm256_extractf128_pd(Z, 1));
    }
}

/* Any l <= ENDO_OCC_AVX2_MAX_L ligands at 2 <= r <= 4 receptors, the same way: lanes
 * r .. 3 repeat receptor 0, and the results go to row-major [q][j] through a
 * small buffer. */
void endo_occupancy_rows_avx2(const double *conc, size_t nrows, size_t l, size_t r,
                              const double *rk, const unsigned char *bad_r, double *occ)
{
    __m256d K[ENDO_OCC_AVX2_MAX_L];
    for (size_t j = 0; j < l; j++) {
        double col[4];
        for (size_t q = 0; q < 4; q++) {
            col[q] = rk[(q < r ? q : 0) * l + j];
        }
        K[j] = _mm256_loadu_pd(col);
    }
    const __m256d one = _mm256_set1_pd(1.0), inf = _mm256_set1_pd(INFINITY);
    const int all = (1 << 4) - 1;
    for (size_t i = 0; i < nrows; i++) {
        const double *c = conc + l * i;
        double *o = occ + r * l * i;
        __m256d A[ENDO_OCC_AVX2_MAX_L];
        __m256d S = one;
        int ok = 1;
        for (size_t j = 0; j < l; j++) {
            A[j] = _mm256_mul_pd(_mm256_broadcast_sd(c + j), K[j]);
            S = _mm256_add_pd(S, A[j]);
            ok &= __builtin_isgreaterequal(c[j], 0.0);    /* quiet for NaN */
        }
        ok &= _mm256_movemask_pd(_mm256_cmp_pd(S, inf, _CMP_LT_OQ)) == all;
        if (!ok) {
            endo_competitive_occupancy(c, l, r, rk, bad_r, o);
            continue;
        }
        const __m256d IV = _mm256_div_pd(one, S);
        for (size_t j = 0; j < l; j++) {
            double p[4];
            _mm256_storeu_pd(p, _mm256_mul_pd(A[j], IV));
            for (size_t q = 0; q < r; q++) {
                o[q * l + j] = p[q];
            }
        }
    }
}
/* One receptor: four rows side by side instead (one vector division per four
 * rows).  A lane whose row is odd divides by 1 instead of its sum (no flag the
 * per-point kernel would not raise), and the row is then redone by that
 * kernel; the last nrows % 4 rows take it too. */
void endo_occupancy_rows_r1_avx2(const double *conc, size_t nrows, size_t l,
                                 const double *rk, const unsigned char *bad_r, double *occ)
{
    __m256d K[ENDO_OCC_AVX2_MAX_L];
    for (size_t j = 0; j < l; j++) {
        K[j] = _mm256_set1_pd(rk[j]);
    }
    const __m256d one = _mm256_set1_pd(1.0), inf = _mm256_set1_pd(INFINITY);
    const __m256d zero = _mm256_setzero_pd();
    size_t i = 0;
    for (; i + 4 <= nrows; i += 4) {
        const double *c = conc + l * i;
        double *o = occ + l * i;
        __m256d A[ENDO_OCC_AVX2_MAX_L];
        __m256d S = one, ok = _mm256_cmp_pd(one, zero, _CMP_GT_OQ);    /* all ones */
        for (size_t j = 0; j < l; j++) {
            const __m256d cj = _mm256_setr_pd(c[j], c[l + j], c[2 * l + j], c[3 * l + j]);
            ok = _mm256_and_pd(ok, _mm256_cmp_pd(cj, zero, _CMP_GE_OQ));  /* quiet */
            A[j] = _mm256_mul_pd(cj, K[j]);
            S = _mm256_add_pd(S, A[j]);
        }
        ok = _mm256_and_pd(ok, _mm256_cmp_pd(S, inf, _CMP_LT_OQ));
        const int okm = _mm256_movemask_pd(ok);
        const __m256d IV = _mm256_div_pd(one, _mm256_blendv_pd(one, S, ok));
        for (size_t j = 0; j < l; j++) {
            double p[4];
            _mm256_storeu_pd(p, _mm256_mul_pd(A[j], IV));
            for (size_t q = 0; q < 4; q++) {
                o[q * l + j] = p[q];
            }
        }
        if (okm != 15) {
            for (size_t q = 0; q < 4; q++) {
                if (!((okm >> q) & 1)) {
                    endo_competitive_occupancy(c + q * l, l, 1, rk, bad_r, o + q * l);
                }
            }
        }
    }
    for (; i < nrows; i++) {
        endo_competitive_occupancy(conc + l * i, l, 1, rk, bad_r, occ + l * i);
    }
}
#else
/* Not built on this compiler/architecture (the dispatcher never calls it). */
typedef int endo_occ_avx2_unused;
#endif
