/*
 * vhill_avx512.c -- the Hill block for AVX-512 (x86-64-v4), written with
 * intrinsics.  The idea of vhill_impl.h (read its header comment first): y =
 * n log(c/ec50) to an absolute error of a few n 2^-58, then exp, with lanes
 * outside the vector domain flagged for the scalar kernel.  This variant is
 * built for throughput (W1 in benchmarks/README.md): every operation it
 * saves is a few percent of the time.
 *
 *   h = emax / (1 + E),  E = exp(-y) = (ec50/c)^n,  |y| <= 707 (else scalar).
 *
 * c = 2^e m, m in [1, 2); i = the top 4 bits of m's fraction; r = m invc_i -
 * 1 (|r| <= 1/33, one rounding); log c = e ln2 + T_i + log1p(r), T_i = -log
 * invc_i.  Then y = e NLh + V_i + n r + [e NLl + n (log1p(r) - r)], where
 *   - NLh + NLl = n ln2, NLh with 41 significant bits (its last bit Q);
 *   - V_i = n (T_i - log ec50) in double-double, its high part rounded to a
 *     multiple of Q (the rest goes to the low part), so that e NLh + V_i is
 *     exact in one fma (|e| <= 1023: the sum is a multiple of Q below 2^53 Q);
 *   - n r is rounded once and added with an exact two-sum: Y + Yl;
 *   - log1p(r) - r = r^2 q(r), q a degree-7 minimax polynomial (absolute
 *     error of r^2 q below 2e-19; LOG1P_Q, tools/vhill_minimax.py).
 * The errors of y: r's rounding and n r's, each at most n 2^-59 and n
 * 2^-58; the rest is below n 2^-62.  exp(-y): -y = (k + j/16) ln2 + s, |s| <=
 * ln2/32, k ln2/16 subtracted exactly (ln2/16 in two parts), 2^(j/16) in
 * double-double, expm1(s) by a degree-6 minimax polynomial (relative error
 * 1.2e-17).  With the final roundings (exp's result, 1 + E, the division) the
 * error is about 1.5 ulp + n/32 ulp; the Hill function's own conditioning is
 * n ulp (dose_response.c).
 *
 * The 16-entry tables of vhill_table.h are held in zmm registers and looked
 * up with register permutes (vpermt2pd reads the low 4 bits of each index),
 * not gathers, which cost several times more.  When emax, ec50 and n are one
 * value each (the common case) V_i and NL are computed once per block for the
 * 16 entries; otherwise each lane computes them with the same operations, so
 * results never depend on which inputs are broadcast.  Results may differ
 * from the AVX2 and generic variants in the last bit.
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

/* x = 2^e m on the lanes of ok (x normal, finite, positive there): e as a
 * double (*ed, exact), the table index *i (bits 48..51 of x: the top 4 bits of
 * m's fraction; the permutes ignore the higher bits) and r = m invc_i - 1
 * (|r| <= 1/33, one rounding).  Lanes outside ok compute x = 1 (no flag). */
static inline __attribute__((always_inline)) V split16(V x, __mmask8 ok, V *ed, VI *i,
                                                       const tables16 *T)
{
    *ed = _mm512_maskz_getexp_pd(ok, x);
    *i = _mm512_srli_epi64(_mm512_castpd_si512(x), 48);
    const V m = _mm512_mask_getmant_pd(SET1(1.0), ok, x, _MM_MANT_NORM_1_2, _MM_MANT_SIGN_zero);
    return FMSUB(m, LOOKUP16(T->inv0, *i, T->inv1), SET1(1.0));
}

/* LOG1P_Q: q with log1p(r) - r = r^2 q(r) for |r| <= 1/33, by Horner: the
 * degree-7 minimax polynomial of (log1p(r) - r)/r^2 under the weight r^2
 * (Remez exchange in mpmath, tools/vhill_minimax.py), coefficients rounded
 * to double: max |r^2 (q(r) - (log1p(r) - r)/r^2)| = 2.0e-19 with Horner's
 * roundings (tests/test_hill.py checks these coefficients, and the whole
 * kernel against mpmath). */
static inline __attribute__((always_inline)) V log1p_q(V r)
{
    V q = SET1(0x1.c818f6e9c4675p-4);
    q = FMADD(q, r, SET1(-0x1.00758f74eeddap-3));
    q = FMADD(q, r, SET1(0x1.24922a777af2ep-3));
    q = FMADD(q, r, SET1(-0x1.55553e1ae7079p-3));
    q = FMADD(q, r, SET1(0x1.9999999cb8808p-3));
    q = FMADD(q, r, SET1(-0x1.00000000e72e2p-2));
    q = FMADD(q, r, SET1(0x1.5555555555475p-2));
    return FMADD(q, r, SET1(-0x1.fffffffffffa7p-2));
}

/* log(x) = hi + lo, x normal and finite: vh_log_dd of vhill_impl.h with 16
 * subintervals of the mantissa instead of 128 (|r| <= 1/33, LOG1P_Q); the
 * absolute error is about 2^-59 (r's rounding). */
static inline __attribute__((always_inline)) V avx512_log_dd(V x, V *lo, const tables16 *T)
{
    V ed, t1, t2;
    VI i;
    const V r = split16(x, (__mmask8)0xFF, &ed, &i, T);
    const V lch = LOOKUP16(T->lh0, i, T->lh1);
    const V lcl = LOOKUP16(T->ll0, i, T->ll1);
    /* hi + lo = e ln2_hi + logc_hi + r exactly (e ln2_hi is exact), then the rest */
    const V hi = two_sum(two_sum(MUL(ed, SET1(6.93147180369123816490e-01)), lch, &t1), r, &t2);
    const V r2 = MUL(r, r);
    *lo = ADD(ADD(ADD(t1, t2), FMADD(ed, SET1(1.90821492927058770002e-10), lcl)),
              MUL(log1p_q(r), r2));
    return hi;
}

/* EXPM1_Q: exp(-(Y + Yl)) on the lanes of inr, where Ys = RN(Y + Yl) is in
 * [-707, 707]; the other lanes get Ys = +-707 and a harmless finite value.
 * -(Y + Yl) = (16 k + j) ln2/16 + s: with kd = 16 k + j = round(-16 Ys/ln2),
 * t = Y + kd ln2/16 + Yl = -s, ln2/16 in two parts, the first with 32
 * trailing zero bits (so kd times it is exact, and adding it to Y rounds at
 * most at the level of Y's ulp, which y's own error already has), |s| <=
 * ln2/32 + 2^-40.  The result is 2^k 2^(j/16) (1 + expm1(s)), 2^(j/16) in
 * double-double, expm1(s) = s + s^2 q(s), q the degree-4 minimax polynomial
 * of (expm1(s) - s)/s^2 under the weight s^2 on |s| <= ln2/32 (Remez in
 * mpmath; tools/vhill_minimax.py), evaluated at -t with the odd coefficients'
 * signs flipped: relative error 1.2e-17.  j is read from the low bits of ts
 * (the permutes use bits 0..3), 2^k is added to the exponent field (the
 * result is a normal number for |Ys| <= 707). */
static inline __attribute__((always_inline)) V avx512_expm_dd(V Y, V Yl, V Ys, __mmask8 inr,
                                                              const tables16 *T)
{
    const V shifter = SET1(6755399441055744.0);                 /* 1.5 * 2^52 */
    const V ts = FMADD(Ys, SET1(-16.0 * 1.44269504088896338700e+00), shifter);
    const V kd = SUB(ts, shifter);                      /* round(-16 (Y + Yl) / ln 2) */
    V t = FMADD(kd, SET1(6.93147180369123816490e-01 / 16.0), Y);
    t = FMADD(kd, SET1(1.90821492927058770002e-10 / 16.0), t);
    t = _mm512_maskz_add_pd(inr, t, Yl);                        /* t = -s; 0 off inr */
    V q = SET1(0x1.6c185eba0305dp-10);
    q = FMADD(q, t, SET1(-0x1.11123b44a79eep-7));
    q = FMADD(q, t, SET1(0x1.555555545db69p-5));
    q = FMADD(q, t, SET1(-0x1.555555548ec0bp-3));
    q = FMADD(q, t, SET1(0x1.0000000000005p-1));
    const V em1 = FMSUB(q, MUL(t, t), t);                       /* expm1(s) */
    const VI j = _mm512_castpd_si512(ts);
    const V th = LOOKUP16(T->eh0, j, T->eh1);
    const V tl = LOOKUP16(T->el0, j, T->el1);
    const V p = ADD(th, FMADD(th, em1, tl));
    const VI kbits = _mm512_slli_epi64(_mm512_srai_epi64(j, 4), 52);   /* k << 52 */
    return _mm512_castsi512_pd(_mm512_add_epi64(_mm512_castpd_si512(p), kbits));
}

/* n ln2 = NLh + NLl, NLh with at most 41 significant bits (P with its 12
 * lowest fraction bits cleared), so that e NLh + V_i is exact (see the top). */
static inline __attribute__((always_inline)) V nl_split(V n, V *nll)
{
    const V ln2_hi = SET1(6.93147180369123816490e-01);  /* 32 trailing zero bits */
    const V P = MUL(n, ln2_hi);
    const V Pe = FMSUB(n, ln2_hi, P);                    /* P + Pe = n ln2_hi exactly */
    const V H = _mm512_and_pd(P, _mm512_castsi512_pd(_mm512_set1_epi64(~0xfffLL)));
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

/* vh rounded to a multiple of Q = 2^(exponent of NLh - 40), NLh's last bit;
 * vh - that is exact (at most Q/2, and a multiple of vh's ulp or zero) and
 * moves into the low part. */
static inline __attribute__((always_inline)) V v_quantise(V nlh, V vh, V vl, V *vlq)
{
    const V qe = SUB(_mm512_getexp_pd(nlh), SET1(40.0));
    const V u = _mm512_roundscale_pd(_mm512_scalef_pd(vh, SUB(_mm512_setzero_pd(), qe)),
                                     _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    const V vq = _mm512_scalef_pd(u, qe);
    *vlq = ADD(vl, SUB(vh, vq));
    return vq;
}

/* The vector domain of n: Q (v_quantise) stays a normal number, and n
 * (log1p(r) - r) (in Yl, up to n/2000) stays small enough that the
 * reduction of exp never loses more than Y's ulp to cancellation; steeper or
 * shallower slopes go to the scalar kernel. */
#define N_MIN 1e-200
#define N_MAX 1e12

/* 8 lanes, in two halves: avx512_front8 loads c (and the parameters) and
 * forms y = Y + Yl; avx512_back8 takes exp, divides, stores, and returns the
 * fallback mask.  The block loop runs the front of the next 8 lanes before
 * the back of the current ones: each half is a long chain of dependent
 * operations, and interleaving two independent chains in program order lets
 * the out-of-order core overlap them (9 % faster on AMD Zen 4 than one chain
 * at a time).  The method is at the top of the file.
 *
 * allc (emax, ec50 and n one valid value each, checked by the caller): NL and
 * V_i of the 16 table entries come precomputed (nlh, nll; vh0/vh1, vl0/vl1)
 * and only c is loaded and checked per lane.  Without allc each lane computes
 * them itself with the same operations, so every element rounds the same way
 * in both (results do not depend on which inputs are broadcast). */
typedef struct {
    V Y, Yl;            /* y = n log(c/ec50) = Y + Yl */
    V es;               /* emax (0 on the lanes outside the domain) */
    __mmask8 ok;        /* the lanes inside the domain */
} front8;

static inline __attribute__((always_inline)) front8
avx512_front8(const double *cp, const double *ep, const double *kp, const double *np,
              V lk0, V lk0_lo, int have_lk, int allc, V ec, V nc, V nlh_c, V nll_c,
              V vh0, V vh1, V vl0, V vl1, const tables16 *T)
{
    const V one = SET1(1.0);
    const V c = _mm512_loadu_pd(cp);
    /* domain: c normal, finite and positive (fpclass: NaN, zero, infinite,
     * subnormal or negative; it raises no flag) */
    __mmask8 ok = (__mmask8)~_mm512_fpclass_pd_mask(c, 0xFF);
    V e = ec, n = nc, k = one;
    if (!allc) {
        e = _mm512_loadu_pd(ep);
        n = _mm512_loadu_pd(np);
        k = _mm512_loadu_pd(kp);
        /* quiet comparisons: NaN lanes raise no flag */
        ok &= _mm512_cmp_pd_mask(k, SET1(DBL_MIN), _CMP_GE_OQ)
              & _mm512_cmp_pd_mask(k, SET1(DBL_MAX), _CMP_LE_OQ)
              & _mm512_cmp_pd_mask(n, SET1(N_MIN), _CMP_GE_OQ)
              & _mm512_cmp_pd_mask(n, SET1(N_MAX), _CMP_LE_OQ)
              & _mm512_cmp_pd_mask(n, one, _CMP_NEQ_OQ)
              & _mm512_cmp_pd_mask(_mm512_abs_pd(e), SET1(DBL_MAX), _CMP_LE_OQ);
    }
    /* lanes outside the domain compute with harmless values (c = 1, n = 1,
     * ec50 = 1; with allc the valid parameters themselves): no flag, and their
     * result is replaced by the scalar kernel's */
    const V ns = allc ? n : _mm512_mask_blend_pd(ok, one, n);
    V ed;
    VI i;
    const V r = split16(c, ok, &ed, &i, T);
    V nlh, nll, vh, vl;
    if (allc) {
        nlh = nlh_c;
        nll = nll_c;
        vh = LOOKUP16(vh0, i, vh1);
        vl = LOOKUP16(vl0, i, vl1);
    }
    else {
        V lk, lk_lo, v0, v0l;
        if (have_lk) {
            lk = _mm512_maskz_mov_pd(ok, lk0);
            lk_lo = _mm512_maskz_mov_pd(ok, lk0_lo);
        }
        else {
            lk = avx512_log_dd(_mm512_mask_blend_pd(ok, one, k), &lk_lo, T);
        }
        nlh = nl_split(ns, &nll);
        v0 = v_dd(ns, LOOKUP16(T->lh0, i, T->lh1), LOOKUP16(T->ll0, i, T->ll1), lk, lk_lo,
                  &v0l);
        vh = v_quantise(nlh, v0, v0l, &vl);
    }
    /* y = Y + Yl: e NLh + V_i exact; n r rounded once, added exactly */
    const V tr = MUL(ns, r);
    V Ye;
    const V Y = two_sum(FMADD(ed, nlh, vh), tr, &Ye);
    /* n (log1p(r) - r) = (n r)(r q(r)); n r's rounding is 2^-53 of a term below n/2000 */
    const V Yl = ADD(Ye, FMADD(tr, MUL(log1p_q(r), r), FMADD(ed, nll, vl)));
    const front8 f = {Y, Yl, allc ? e : _mm512_maskz_mov_pd(ok, e), ok};
    return f;
}

static inline __attribute__((always_inline)) __mmask8
avx512_back8(front8 f, double *op, const tables16 *T)
{
    /* y in [-707, 707], else the scalar kernel.  |Yl| is below n/2000 (so
     * below 5e8: N_MAX), and |Y| below 707 + |Yl| on the lanes kept. */
    const V Ys = ADD(f.Y, f.Yl);
    const V Ysc = _mm512_range_pd(Ys, SET1(707.0), 0x02);   /* sign(Ys) min(|Ys|, 707) */
    const __mmask8 inr = _mm512_cmp_pd_mask(Ysc, Ys, _CMP_EQ_OQ);
    const V E = avx512_expm_dd(f.Y, f.Yl, Ysc, inr, T);
    _mm512_storeu_pd(op, _mm512_div_pd(f.es, ADD(SET1(1.0), E)));
    return (__mmask8)(~(f.ok & inr));
}

/* one byte per lane, 0 or 1: the 8 mask bits spread over 8 bytes */
static inline __attribute__((always_inline)) void store_fallback(unsigned char *fallback,
                                                                 __mmask8 fb)
{
    const uint64_t bytes = _pdep_u64((uint64_t)fb, 0x0101010101010101ULL);
    memcpy(fallback, &bytes, sizeof bytes);
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
        V w0, w1;
        const V u0 = v_dd(nc, T.lh0, T.ll0, lk, lk_lo, &w0);
        const V u1 = v_dd(nc, T.lh1, T.ll1, lk, lk_lo, &w1);
        vh0 = v_quantise(nlh, u0, w0, &vl0);
        vh1 = v_quantise(nlh, u1, w1, &vl1);
    }
    __mmask8 any = 0;
    size_t i = 0;
#define FRONT8(cp, ep, kp, np) avx512_front8((cp), (ep), (kp), (np), lk, lk_lo, have_lk, allc, \
                                           ec, nc, nlh, nll, vh0, vh1, vl0, vl1, &T)
    if (len >= 8) {
        front8 now = FRONT8(c, emax, ec50, n);
        for (; i + 16 <= len; i += 8) {
            const front8 next = FRONT8(c + i + 8, emax + i + 8, ec50 + i + 8, n + i + 8);
            const __mmask8 fb = avx512_back8(now, out + i, &T);
            any |= fb;
            store_fallback(fallback + i, fb);
            now = next;
        }
        const __mmask8 fb = avx512_back8(now, out + i, &T);
        any |= fb;
        store_fallback(fallback + i, fb);
        i += 8;
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
        const __mmask8 fb = avx512_back8(FRONT8(cb, eb, kb, nb), ob, &T);
        for (size_t j = 0; i + j < len; j++) {
            out[i + j] = ob[j];
            fallback[i + j] = (unsigned char)((fb >> j) & 1u);
            any |= (__mmask8)((fb >> j) & 1u);
        }
    }
#undef FRONT8
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
                     && __builtin_isgreaterequal(n[0], N_MIN) && __builtin_islessequal(n[0], N_MAX)
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
