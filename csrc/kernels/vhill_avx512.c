/*
 * vhill_avx512.c -- the Hill block for AVX-512 (x86-64-v4), written with
 * intrinsics.  Same method and the same rounding steps as vhill_impl.h (read
 * its header comment first): double-double log from the 128-entry table,
 * y = n log(c/ec50) in double-double, exp by a degree-13 polynomial, lanes
 * outside the vector domain flagged for the scalar kernel.  gcc's
 * auto-vectorisation of vhill_impl.h spilled heavily here; the explicit
 * version keeps every value in the 32 zmm registers.
 */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#pragma GCC target("avx512f,avx512dq,avx512vl,avx2,fma,bmi2")
#include <immintrin.h>
#include <float.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "vhill.h"
#include "vhill_table.h"

int endo_hill_block_avx512(const double *, const double *, const double *,
                            const double *, double *, unsigned char *, size_t, int);
/* the auto-vectorised variant of vhill_impl.h, for the n = 1 path and tails */
#define VHILL_FMA 1
#define VHILL_NAME vhill_avx512_autovec
static int vhill_avx512_autovec(const double *, const double *, const double *,
                                 const double *, double *, unsigned char *,
                                 size_t, int);
#include "vhill_impl.h"

#define V __m512d
#define VI __m512i
#define SET1 _mm512_set1_pd
#define FMADD _mm512_fmadd_pd        /* a*b + c */
#define FNMADD _mm512_fnmadd_pd      /* -(a*b) + c */
#define FMSUB _mm512_fmsub_pd        /* a*b - c */
#define ADD _mm512_add_pd
#define SUB _mm512_sub_pd
#define MUL _mm512_mul_pd
#ifndef LOGDD
#define LOGDD avx512_log_dd
#endif

/* log(x) = hi + lo, x normal and finite (vh_log_dd in vhill_impl.h). */
static inline V avx512_log_dd(V x, V *lo)
{
    const V ln2_hi = SET1(6.93147180369123816490e-01);
    const V ln2_lo = SET1(1.90821492927058770002e-10);
    const VI u = _mm512_castpd_si512(x);
    const VI e = _mm512_sub_epi64(_mm512_srli_epi64(u, 52), _mm512_set1_epi64(1023));
    const VI i = _mm512_and_si512(_mm512_srli_epi64(u, 52 - VH_LOG_TABLE_BITS),
                                  _mm512_set1_epi64(VH_LOG_TABLE_SIZE - 1));
    const V m = _mm512_castsi512_pd(_mm512_or_si512(
        _mm512_and_si512(u, _mm512_set1_epi64(0x000fffffffffffffLL)),
        _mm512_set1_epi64(0x3ff0000000000000LL)));
    const V invc = _mm512_i64gather_pd(i, vh_log_invc, 8);
    const V lch = _mm512_i64gather_pd(i, vh_log_c_hi, 8);
    const V lcl = _mm512_i64gather_pd(i, vh_log_c_lo, 8);
    const V r = FMSUB(m, invc, SET1(1.0));
    const V ed = _mm512_cvtepi64_pd(e);                  /* exact */
    const V a = MUL(ed, ln2_hi);                         /* exact */
    const V s1 = ADD(a, lch);
    const V bb1 = SUB(s1, a);
    const V t1 = ADD(SUB(a, SUB(s1, bb1)), SUB(lch, bb1));
    const V hi = ADD(s1, r);
    const V bb2 = SUB(hi, s1);
    const V t2 = ADD(SUB(s1, SUB(hi, bb2)), SUB(r, bb2));
    const V r2 = MUL(r, r);
    V q = FMADD(r, SET1(1.0 / 7.0), SET1(-1.0 / 6.0));
    q = FMADD(q, r, SET1(1.0 / 5.0));
    q = FMADD(q, r, SET1(-1.0 / 4.0));
    q = FMADD(q, r, SET1(1.0 / 3.0));
    q = FMADD(q, r, SET1(-0.5));
    *lo = ADD(ADD(ADD(t1, t2), FMADD(ed, ln2_lo, lcl)), MUL(q, r2));
    return hi;
}

/* log(x) = hi + lo without tables: fdlibm's kernel, log(1+f) = f - hf +
 * s (hf + R(s^2)), s = f/(2+f), with m in [sqrt(1/2), sqrt(2)) and the
 * leading terms split exactly.  One division instead of three gathers. */
static inline V avx512_log_dd_div(V x, V *lo)
{
    const V ln2_hi = SET1(6.93147180369123816490e-01);
    const V ln2_lo = SET1(1.90821492927058770002e-10);
    const VI u = _mm512_castpd_si512(x);
    VI e = _mm512_sub_epi64(_mm512_srli_epi64(u, 52), _mm512_set1_epi64(1023));
    VI mb = _mm512_or_si512(_mm512_and_si512(u, _mm512_set1_epi64(0x000fffffffffffffLL)),
                            _mm512_set1_epi64(0x3ff0000000000000LL));
    const __mmask8 big = _mm512_cmpgt_epi64_mask(mb, _mm512_set1_epi64(0x3ff6a09e667f3bcdLL));
    mb = _mm512_mask_sub_epi64(mb, big, mb, _mm512_set1_epi64(0x0010000000000000LL));
    e = _mm512_mask_add_epi64(e, big, e, _mm512_set1_epi64(1));
    const V f = SUB(_mm512_castsi512_pd(mb), SET1(1.0));
    const V s = _mm512_div_pd(f, ADD(SET1(2.0), f));
    const V z = MUL(s, s), w = MUL(z, z);
    const V t1 = MUL(w, FMADD(w, FMADD(w, SET1(1.531383769920937332e-01),
                                       SET1(2.222219843214978396e-01)),
                              SET1(3.999999999940941908e-01)));
    const V t2 = MUL(z, FMADD(w, FMADD(w, FMADD(w, SET1(1.479819860511658591e-01),
                                                SET1(1.818357216161805012e-01)),
                                       SET1(2.857142874366239149e-01)),
                              SET1(6.666666666666735130e-01)));
    const V R = ADD(t2, t1);
    const V ff = MUL(f, f);
    const V ff_lo = FMSUB(f, f, ff);
    const V hf = MUL(SET1(0.5), ff), hf_lo = MUL(SET1(0.5), ff_lo);
    const V T = MUL(s, ADD(hf, R));
    const V A = SUB(f, hf);
    const V a = SUB(SUB(f, A), hf);
    const V ed = _mm512_cvtepi64_pd(e);
    const V eh = MUL(ed, ln2_hi);
    const V hi = ADD(eh, A);
    const V bb = SUB(hi, eh);
    const V tail = ADD(SUB(eh, SUB(hi, bb)), SUB(A, bb));
    *lo = ADD(tail, ADD(ADD(a, SUB(T, hf_lo)), MUL(ed, ln2_lo)));
    return hi;
}

/* exp(zh + zl), -707 <= zh <= 0: 2^(k + j/32) exp(r) with |r| <= log(2)/64,
 * the 32 values 2^(j/32) in double-double from vhill_table.h (generated by
 * setup.py), exp(r) - 1 by a degree-6 Taylor polynomial (truncation < 4e-18). */
static inline V avx512_exp_dd(V zh, V zl)
{
    const V shifter = SET1(6755399441055744.0);                 /* 1.5 * 2^52 */
    const V ts = FMADD(zh, SET1(32.0 * 1.44269504088896338700e+00), shifter);
    const V kd = SUB(ts, shifter);                              /* round(32 zh / ln 2) */
    V r = FNMADD(kd, SET1(6.93147180369123816490e-01 / 32.0), zh);   /* exact */
    r = FNMADD(kd, SET1(1.90821492927058770002e-10 / 32.0), r);
    r = ADD(r, zl);
    V q = SET1(1.0 / 720.0);
    q = FMADD(q, r, SET1(1.0 / 120.0));
    q = FMADD(q, r, SET1(1.0 / 24.0));
    q = FMADD(q, r, SET1(1.0 / 6.0));
    q = FMADD(q, r, SET1(0.5));
    const V em1 = FMADD(q, MUL(r, r), r);
    const VI n = _mm512_sub_epi64(_mm512_castpd_si512(ts), _mm512_castpd_si512(shifter));
    const VI j = _mm512_and_si512(n, _mm512_set1_epi64(31));
    const VI k = _mm512_srai_epi64(n, 5);
    const V th = _mm512_i64gather_pd(j, vh_exp2_hi, 8);
    const V tl = _mm512_i64gather_pd(j, vh_exp2_lo, 8);
    const V p = ADD(th, FMADD(th, em1, tl));
    const V scale = _mm512_castsi512_pd(
        _mm512_slli_epi64(_mm512_add_epi64(k, _mm512_set1_epi64(1023)), 52));
    return MUL(p, scale);
}

/* 8 lanes; ec50 log given (have_lk) or computed.  Returns the fallback mask. */
/* 8 lanes; ec50 log given (have_lk) or computed.  Returns the fallback mask. */
static inline __attribute__((always_inline)) __mmask8
avx512_hill8(const double *cp, const double *ep, const double *kp,
             const double *np, double *op, V lk0, V lk0_lo, int have_lk)
{
    const V one = SET1(1.0);
    const V c = _mm512_loadu_pd(cp), e = _mm512_loadu_pd(ep), n = _mm512_loadu_pd(np);
    const V k = _mm512_loadu_pd(kp);
    /* domain (quiet comparisons: NaN lanes raise no flag) */
    const __mmask8 ok = _mm512_cmp_pd_mask(c, SET1(DBL_MIN), _CMP_GE_OQ)
                        & _mm512_cmp_pd_mask(c, SET1(DBL_MAX), _CMP_LE_OQ)
                        & _mm512_cmp_pd_mask(k, SET1(DBL_MIN), _CMP_GE_OQ)
                        & _mm512_cmp_pd_mask(k, SET1(DBL_MAX), _CMP_LE_OQ)
                        & _mm512_cmp_pd_mask(n, _mm512_setzero_pd(), _CMP_GT_OQ)
                        & _mm512_cmp_pd_mask(n, SET1(1e300), _CMP_LE_OQ)
                        & _mm512_cmp_pd_mask(n, one, _CMP_NEQ_OQ)
                        & _mm512_cmp_pd_mask(_mm512_abs_pd(e), SET1(DBL_MAX), _CMP_LE_OQ);
    const V ns = _mm512_mask_blend_pd(ok, one, n);
    const V cs = _mm512_mask_blend_pd(ok, one, c);
    V lc_lo, lk, lk_lo;
    const V lc = LOGDD(cs, &lc_lo);
    if (have_lk) {
        lk = _mm512_maskz_mov_pd(ok, lk0);
        lk_lo = _mm512_maskz_mov_pd(ok, lk0_lo);
    }
    else {
        lk = avx512_log_dd(_mm512_mask_blend_pd(ok, one, k), &lk_lo);
    }
    /* L = log(c/ec50) in double-double */
    const V D = SUB(lc, lk);
    const V bb = SUB(D, lc);
    const V d = ADD(ADD(SUB(lc, SUB(D, bb)), SUB(_mm512_setzero_pd(), ADD(lk, bb))),
                    SUB(lc_lo, lk_lo));
    const V Lh = ADD(D, d);
    const V Ll = SUB(d, SUB(Lh, D));
    /* y = n L; z = -|y| */
    const V Y = MUL(ns, Lh);
    const V ye = FMSUB(ns, Lh, Y);
    const V Yl = FMADD(ns, Ll, ye);
    const __mmask8 up = _mm512_cmp_pd_mask(Y, _mm512_setzero_pd(), _CMP_GT_OQ);
    const V negY = SUB(_mm512_setzero_pd(), Y), negYl = SUB(_mm512_setzero_pd(), Yl);
    V zh = _mm512_mask_blend_pd(up, Y, negY);
    V zl = _mm512_mask_blend_pd(up, Yl, negYl);
    const __mmask8 tiny = _mm512_cmp_pd_mask(zh, SET1(-707.0), _CMP_NGE_UQ);
    zh = _mm512_mask_blend_pd(tiny, zh, _mm512_setzero_pd());
    zl = _mm512_mask_blend_pd(tiny, zl, _mm512_setzero_pd());
    const V p = avx512_exp_dd(zh, zl);
    const V num = _mm512_mask_blend_pd(up, p, one);
    const V es = _mm512_maskz_mov_pd(ok, e);
    _mm512_storeu_pd(op, MUL(es, _mm512_div_pd(num, ADD(one, p))));
    return (__mmask8)(~ok | tiny);
}

int endo_hill_block_avx512(const double *c, const double *emax, const double *ec50,
                            const double *n, double *out, unsigned char *fallback,
                            size_t len, int consts)
{
    const int ec50_const = consts & ENDO_CONST_EC50, n_const = consts & ENDO_CONST_N;
    if (n_const && n[0] == 1.0) {
        return vhill_avx512_autovec(c, emax, ec50, n, out, fallback, len, consts);
    }
    /* quiet comparisons: a NaN ec50 must not raise the invalid flag */
    const int have_lk = ec50_const && __builtin_isgreaterequal(ec50[0], DBL_MIN)
                        && __builtin_islessequal(ec50[0], DBL_MAX);
    V lk = _mm512_setzero_pd(), lk_lo = _mm512_setzero_pd();
    if (have_lk) {
        lk = avx512_log_dd(SET1(ec50[0]), &lk_lo);
    }
    __mmask8 any = 0;
    size_t i = 0;
    for (; i + 8 <= len; i += 8) {
        const __mmask8 fb = avx512_hill8(c + i, emax + i, ec50 + i, n + i, out + i,
                                         lk, lk_lo, have_lk);
        any |= fb;
        /* one byte per lane, 0 or 1: spread the 8 mask bits over 8 bytes */
        const uint64_t bytes = _pdep_u64((uint64_t)fb, 0x0101010101010101ULL);
        memcpy(fallback + i, &bytes, sizeof bytes);
    }
    if (i < len) {
        /* the tail through a padded copy, so it rounds exactly like the rest */
        double cb[8], eb[8], kb[8], nb[8], ob[8];
        for (int j = 0; j < 8; j++) {
            const size_t s = (i + (size_t)j < len) ? i + (size_t)j : i;
            cb[j] = c[s];
            eb[j] = emax[s];
            kb[j] = ec50[s];
            nb[j] = n[s];
        }
        const __mmask8 fb = avx512_hill8(cb, eb, kb, nb, ob, lk, lk_lo, have_lk);
        for (size_t j = 0; i + j < len; j++) {
            out[i + j] = ob[j];
            fallback[i + j] = (unsigned char)((fb >> j) & 1u);
            any |= (__mmask8)((fb >> j) & 1u);
        }
    }
    return any != 0;
}
#else
/* Not built on this compiler/architecture (the dispatcher never calls it). */
typedef int endo_vhill_avx512_unused;
#endif
