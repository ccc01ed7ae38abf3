/*
 * vhill_avx512.c -- the Hill block for AVX-512 (x86-64-v4), written with
 * intrinsics.  The method of vhill_impl.h (read its header comment first):
 * double-double log, y = n log(c/ec50) in double-double, exp after a k ln2/16
 * reduction, lanes outside the vector domain flagged for the scalar kernel.
 * The tables are the 16-entry ones of vhill_table.h, looked up with register
 * permutes rather than gathers; a broadcast emax, ec50 and n are checked once
 * per block.  gcc's auto-vectorisation of vhill_impl.h spilled heavily here;
 * the explicit version keeps every value in the 32 zmm registers.  Its
 * results may differ from the AVX2 and generic variants in the last bit.
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

/* The 16-entry tables of vhill_table.h, held in zmm registers: a lookup is
 * one two-register permute (vpermt2pd) instead of a gather, which costs
 * several times more (on AMD Zen 4 the gathers took about half the time). */
typedef struct {
    V inv0, inv1, lh0, lh1, ll0, ll1, eh0, eh1, el0, el1;
} tables16;

static inline __attribute__((always_inline)) tables16 load_tables16(void)
{
    tables16 t;
    t.inv0 = _mm512_loadu_pd(vh_log16_invc);
    t.inv1 = _mm512_loadu_pd(vh_log16_invc + 8);
    t.lh0 = _mm512_loadu_pd(vh_log16_c_hi);
    t.lh1 = _mm512_loadu_pd(vh_log16_c_hi + 8);
    t.ll0 = _mm512_loadu_pd(vh_log16_c_lo);
    t.ll1 = _mm512_loadu_pd(vh_log16_c_lo + 8);
    t.eh0 = _mm512_loadu_pd(vh_exp16_hi);
    t.eh1 = _mm512_loadu_pd(vh_exp16_hi + 8);
    t.el0 = _mm512_loadu_pd(vh_exp16_lo);
    t.el1 = _mm512_loadu_pd(vh_exp16_lo + 8);
    return t;
}

#define LOOKUP16(t0, idx, t1) _mm512_permutex2var_pd((t0), (idx), (t1))

/* s = a + b rounded, and *err with s + *err = a + b exactly (Knuth's two-sum) */
static inline __attribute__((always_inline)) V two_sum(V a, V b, V *err)
{
    const V s = ADD(a, b);
    const V bb = SUB(s, a);
    *err = ADD(SUB(a, SUB(s, bb)), SUB(b, bb));
    return s;
}

/* x = 2^e m, x normal and finite: e as a double (*ed), the table entry *i (the
 * top 4 bits of m's fraction), and r = m invc_i - 1 (|r| <= 1/32, one rounding) */
static inline __attribute__((always_inline)) V split16(V x, V *ed, VI *i, const tables16 *T)
{
    const VI u = _mm512_castpd_si512(x);
    *ed = _mm512_cvtepi64_pd(_mm512_sub_epi64(_mm512_srli_epi64(u, 52),
                                              _mm512_set1_epi64(1023)));   /* exact */
    *i = _mm512_and_si512(_mm512_srli_epi64(u, 48), _mm512_set1_epi64(15));
    const V m = _mm512_castsi512_pd(_mm512_or_si512(
        _mm512_and_si512(u, _mm512_set1_epi64(0x000fffffffffffffLL)),
        _mm512_set1_epi64(0x3ff0000000000000LL)));
    return FMSUB(m, LOOKUP16(T->inv0, *i, T->inv1), SET1(1.0));
}

/* q with log1p(r) - r = r^2 q: q = -1/2 + r/3 - ... + r^9/11 (truncation below
 * 5e-20 for |r| <= 1/32), by Estrin's scheme (r2 = r^2) */
static inline __attribute__((always_inline)) V log1p_q(V r, V r2)
{
    const V r4 = MUL(r2, r2), r8 = MUL(r4, r4);
    const V p01 = FMADD(r, SET1(1.0 / 3.0), SET1(-0.5));
    const V p23 = FMADD(r, SET1(1.0 / 5.0), SET1(-1.0 / 4.0));
    const V p45 = FMADD(r, SET1(1.0 / 7.0), SET1(-1.0 / 6.0));
    const V p67 = FMADD(r, SET1(1.0 / 9.0), SET1(-1.0 / 8.0));
    const V p89 = FMADD(r, SET1(1.0 / 11.0), SET1(-1.0 / 10.0));
    return FMADD(p89, r8, FMADD(FMADD(p67, r2, p45), r4, FMADD(p23, r2, p01)));
}

/* log(x) = hi + lo, x normal and finite: vh_log_dd of vhill_impl.h with 16
 * subintervals of the mantissa instead of 128, so |r| <= 1/32 and log1p(r)
 * - r needs the Taylor terms up to r^11 (truncation below 5e-20; the
 * rounding of r = m invc - 1 adds at most 2^-58). */
static inline __attribute__((always_inline)) V avx512_log_dd(V x, V *lo, const tables16 *T)
{
    V ed, t1, t2;
    VI i;
    const V r = split16(x, &ed, &i, T);
    const V lch = LOOKUP16(T->lh0, i, T->lh1);
    const V lcl = LOOKUP16(T->ll0, i, T->ll1);
    /* hi + lo = e ln2_hi + logc_hi + r exactly (e ln2_hi is exact), then the rest */
    const V hi = two_sum(two_sum(MUL(ed, SET1(6.93147180369123816490e-01)), lch, &t1), r, &t2);
    const V r2 = MUL(r, r);
    *lo = ADD(ADD(ADD(t1, t2), FMADD(ed, SET1(1.90821492927058770002e-10), lcl)),
              MUL(log1p_q(r, r2), r2));
    return hi;
}

/* exp(zh + zl), -707 <= zh <= 0: 2^(k + j/16) exp(r) with |r| <= log(2)/32,
 * the 16 values 2^(j/16) in double-double, exp(r) - 1 by the Taylor
 * polynomial up to r^7/7! (truncation below 1.3e-18). */
static inline __attribute__((always_inline)) V avx512_exp_dd(V zh, V zl, const tables16 *T)
{
    const V shifter = SET1(6755399441055744.0);                 /* 1.5 * 2^52 */
    const V ts = FMADD(zh, SET1(16.0 * 1.44269504088896338700e+00), shifter);
    const V kd = SUB(ts, shifter);                              /* round(16 zh / ln 2) */
    V r = FNMADD(kd, SET1(6.93147180369123816490e-01 / 16.0), zh);   /* exact */
    r = FNMADD(kd, SET1(1.90821492927058770002e-10 / 16.0), r);
    r = ADD(r, zl);
    /* q = 1/2 + r/3! + ... + r^5/7! by Estrin's scheme */
    const V r2 = MUL(r, r), r4 = MUL(r2, r2);
    const V p01 = FMADD(r, SET1(1.0 / 6.0), SET1(0.5));
    const V p23 = FMADD(r, SET1(1.0 / 120.0), SET1(1.0 / 24.0));
    const V p45 = FMADD(r, SET1(1.0 / 5040.0), SET1(1.0 / 720.0));
    const V q = FMADD(p45, r4, FMADD(p23, r2, p01));
    const V em1 = FMADD(q, r2, r);
    const VI n = _mm512_sub_epi64(_mm512_castpd_si512(ts), _mm512_castpd_si512(shifter));
    const VI j = _mm512_and_si512(n, _mm512_set1_epi64(15));
    const VI k = _mm512_srai_epi64(n, 4);
    const V th = LOOKUP16(T->eh0, j, T->eh1);
    const V tl = LOOKUP16(T->el0, j, T->el1);
    const V p = ADD(th, FMADD(th, em1, tl));
    const V scale = _mm512_castsi512_pd(
        _mm512_slli_epi64(_mm512_add_epi64(k, _mm512_set1_epi64(1023)), 52));
    return MUL(p, scale);
}

/* n ln2 = NLh + NLl, NLh with at most 42 significant bits, so that e NLh is
 * exact for every exponent |e| < 2^11 of a double. */
static inline __attribute__((always_inline)) V nl_split(V n, V *nll)
{
    const V ln2_hi = SET1(6.93147180369123816490e-01);  /* 32 trailing zero bits */
    const V P = MUL(n, ln2_hi);
    const V Pe = FMSUB(n, ln2_hi, P);                    /* P + Pe = n ln2_hi exactly */
    const V H = _mm512_and_pd(P, _mm512_castsi512_pd(_mm512_set1_epi64(~0x7ffLL)));
    *nll = ADD(ADD(SUB(P, H), Pe), MUL(n, SET1(1.90821492927058770002e-10)));
    return H;                                            /* P - H exact: P's low bits */
}

/* V = n (th + tl - lk - lkl) in double-double: the part of y = n log(c/ec50)
 * that depends on c only through the table index. */
static inline __attribute__((always_inline)) V v_dd(V n, V th, V tl, V lk, V lkl, V *vl)
{
    V Ue;
    const V Uh = two_sum(th, SUB(_mm512_setzero_pd(), lk), &Ue);
    const V Ul = ADD(Ue, SUB(tl, lkl));
    const V Vh = MUL(n, Uh);
    *vl = FMADD(n, Ul, FMSUB(n, Uh, Vh));
    return Vh;
}

/* 8 lanes.  Returns the fallback mask.
 *
 * With c = 2^e m, m in [1, 2), i the top 4 bits of m's fraction (the table
 * entry), r = m invc_i - 1 (|r| <= 1/32) and log c = e ln2 + T_i + log1p(r):
 *   y = n log(c/ec50) = e NLh + e NLl + V_i + n r + n (log1p(r) - r),
 * V_i = n (T_i - log ec50) in double-double, summed with exact two-sums into
 * Yh + Yl (absolute error about n 2^-58).  T_i, invc_i: vhill_table.h.
 *
 * allc (emax, ec50 and n one valid value each, checked by the caller): NL and
 * V_i of the 16 table entries come precomputed (nlh, nll; vh0/vh1, vl0/vl1)
 * and only c is loaded and checked per lane.  Without allc each lane computes
 * them itself with the same operations, so every element rounds the same way
 * in both (results do not depend on which inputs are broadcast). */
static inline __attribute__((always_inline)) __mmask8
avx512_hill8(const double *cp, const double *ep, const double *kp,
             const double *np, double *op, V lk0, V lk0_lo, int have_lk,
             int allc, V ec, V nc, V nlh_c, V nll_c, V vh0, V vh1, V vl0, V vl1,
             const tables16 *T)
{
    const V one = SET1(1.0);
    const V c = _mm512_loadu_pd(cp);
    /* domain (quiet comparisons: NaN lanes raise no flag) */
    __mmask8 ok = _mm512_cmp_pd_mask(c, SET1(DBL_MIN), _CMP_GE_OQ)
                  & _mm512_cmp_pd_mask(c, SET1(DBL_MAX), _CMP_LE_OQ);
    V e = ec, n = nc, k = one;
    if (!allc) {
        e = _mm512_loadu_pd(ep);
        n = _mm512_loadu_pd(np);
        k = _mm512_loadu_pd(kp);
        ok &= _mm512_cmp_pd_mask(k, SET1(DBL_MIN), _CMP_GE_OQ)
              & _mm512_cmp_pd_mask(k, SET1(DBL_MAX), _CMP_LE_OQ)
              & _mm512_cmp_pd_mask(n, _mm512_setzero_pd(), _CMP_GT_OQ)
              & _mm512_cmp_pd_mask(n, SET1(1e300), _CMP_LE_OQ)
              & _mm512_cmp_pd_mask(n, one, _CMP_NEQ_OQ)
              & _mm512_cmp_pd_mask(_mm512_abs_pd(e), SET1(DBL_MAX), _CMP_LE_OQ);
    }
    /* lanes outside the domain compute with harmless values (c = 1, and with
     * allc the valid parameters themselves): no flag, and their result is
     * replaced by the scalar kernel's */
    const V ns = allc ? n : _mm512_mask_blend_pd(ok, one, n);
    const V cs = _mm512_mask_blend_pd(ok, one, c);
    /* c = 2^e m; the table entry i; r = m invc_i - 1 */
    V ed;
    VI i;
    const V r = split16(cs, &ed, &i, T);
    V nlh, nll, vh, vl;
    if (allc) {
        nlh = nlh_c;
        nll = nll_c;
        vh = LOOKUP16(vh0, i, vh1);
        vl = LOOKUP16(vl0, i, vl1);
    }
    else {
        V lk, lk_lo;
        if (have_lk) {
            lk = _mm512_maskz_mov_pd(ok, lk0);
            lk_lo = _mm512_maskz_mov_pd(ok, lk0_lo);
        }
        else {
            lk = avx512_log_dd(_mm512_mask_blend_pd(ok, one, k), &lk_lo, T);
        }
        nlh = nl_split(ns, &nll);
        vh = v_dd(ns, LOOKUP16(T->lh0, i, T->lh1), LOOKUP16(T->ll0, i, T->ll1), lk, lk_lo,
                  &vl);
    }
    /* y = Y + Yl */
    const V r2 = MUL(r, r);
    const V tr = MUL(ns, r), tre = FMSUB(ns, r, tr);      /* n r, exactly */
    V Se, Ye;
    const V S = two_sum(MUL(ed, nlh), vh, &Se);            /* e NLh exact */
    const V Y = two_sum(S, tr, &Ye);
    const V Yl = ADD(ADD(ADD(Ye, Se), FMADD(ed, nll, vl)),
                     FMADD(MUL(ns, r2), log1p_q(r, r2), tre));
    /* z = -|y| */
    const __mmask8 up = _mm512_cmp_pd_mask(Y, _mm512_setzero_pd(), _CMP_GT_OQ);
    V zh = _mm512_mask_sub_pd(Y, up, _mm512_setzero_pd(), Y);
    V zl = _mm512_mask_sub_pd(Yl, up, _mm512_setzero_pd(), Yl);
    const __mmask8 tiny = _mm512_cmp_pd_mask(zh, SET1(-707.0), _CMP_NGE_UQ);
    zh = _mm512_mask_blend_pd(tiny, zh, _mm512_setzero_pd());
    zl = _mm512_mask_blend_pd(tiny, zl, _mm512_setzero_pd());
    const V p = avx512_exp_dd(zh, zl, T);
    const V num = _mm512_mask_blend_pd(up, p, one);
    const V es = allc ? e : _mm512_maskz_mov_pd(ok, e);
    _mm512_storeu_pd(op, MUL(es, _mm512_div_pd(num, ADD(one, p))));
    return (__mmask8)(~ok | tiny);
}

/* The block loop, specialised on allc (a literal at both call sites). */
static inline __attribute__((always_inline)) int
avx512_block(const double *c, const double *emax, const double *ec50,
             const double *n, double *out, unsigned char *fallback, size_t len,
             V lk, V lk_lo, int have_lk, int allc)
{
    const tables16 T = load_tables16();
    const V ec = SET1(emax[0]), nc = SET1(n[0]);
    V nlh = ec, nll = ec, vh0 = ec, vh1 = ec, vl0 = ec, vl1 = ec;
    if (allc) {                 /* NL and the 16 V_i, as each lane would compute them */
        nlh = nl_split(nc, &nll);
        vh0 = v_dd(nc, T.lh0, T.ll0, lk, lk_lo, &vl0);
        vh1 = v_dd(nc, T.lh1, T.ll1, lk, lk_lo, &vl1);
    }
    __mmask8 any = 0;
    size_t i = 0;
    for (; i + 8 <= len; i += 8) {
        const __mmask8 fb = avx512_hill8(c + i, emax + i, ec50 + i, n + i, out + i,
                                         lk, lk_lo, have_lk, allc, ec, nc, nlh, nll,
                                         vh0, vh1, vl0, vl1, &T);
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
        const __mmask8 fb = avx512_hill8(cb, eb, kb, nb, ob, lk, lk_lo, have_lk, allc,
                                         ec, nc, nlh, nll, vh0, vh1, vl0, vl1, &T);
        for (size_t j = 0; i + j < len; j++) {
            out[i + j] = ob[j];
            fallback[i + j] = (unsigned char)((fb >> j) & 1u);
            any |= (__mmask8)((fb >> j) & 1u);
        }
    }
    return any != 0;
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
        const tables16 T = load_tables16();
        lk = avx512_log_dd(SET1(ec50[0]), &lk_lo, &T);
    }
    /* every parameter one value, and inside the vector domain */
    const int allc = have_lk && (consts & ENDO_CONST_EMAX) && n_const
                     && __builtin_isgreater(n[0], 0.0) && __builtin_islessequal(n[0], 1e300)
                     && __builtin_islessequal(__builtin_fabs(emax[0]), DBL_MAX);
    if (allc) {
        return avx512_block(c, emax, ec50, n, out, fallback, len, lk, lk_lo, 1, 1);
    }
    return avx512_block(c, emax, ec50, n, out, fallback, len, lk, lk_lo, have_lk, 0);
}
#else
/* Not built on this compiler/architecture (the dispatcher never calls it). */
typedef int endo_vhill_avx512_unused;
#endif
