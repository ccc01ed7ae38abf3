/*
 * vhill.c -- dispatcher for the vectorised Hill block (see vhill.h) and its
 * portable variant.  On x86-64 with gcc, the AVX2+FMA and AVX-512 variants
 * (vhill_avx2.c, vhill_avx512.c) are picked at run time from the CPU's
 * features.  The variants share the method but not every rounding step (the
 * AVX-512 one uses smaller tables and precomputes per block), so results may
 * differ between them in the last ulp; within a variant they never depend on
 * the layout, the block or which inputs are broadcast.  Every variant passes
 * the same accuracy tests (tests/test_simd_variants.py).
 */
#include "vhill.h"
#include "dose_response.h"
#include "simd_cap.h"

#include <stddef.h>

#define VHILL_NAME endo_hill_block_generic
/* a hardware fma when the baseline has one: x86-64 built with FMA, and every
 * AArch64 (ARMv8 has fused multiply-add; gcc says so with __ARM_FEATURE_FMA,
 * not __FMA__); otherwise vhill_impl.h splits products the Dekker way */
#if defined(__FMA__) || defined(__ARM_FEATURE_FMA)
#define VHILL_FMA 1
#endif
int endo_hill_block_generic(const double *, const double *, const double *,
                             const double *, double *, unsigned char *, size_t, int);
#include "vhill_impl.h"
#undef VHILL_NAME
#undef VHILL_FMA

typedef int (*vhill_fn)(const double *, const double *, const double *,
                         const double *, double *, unsigned char *, size_t, int);

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
int endo_hill_block_avx2(const double *, const double *, const double *,
                          const double *, double *, unsigned char *, size_t, int);
int endo_hill_block_avx512(const double *, const double *, const double *,
                            const double *, double *, unsigned char *, size_t, int);
#define VHILL_X86 1
#endif

/* Chosen once: PyInit__ufuncs calls endo_vhill_isa() under the GIL before any
 * ufunc can run, so Python's threads never race on it (a C caller that skips
 * that selects lazily, on its first call). */
static vhill_fn vhill_impl = NULL;
static const char *vhill_isa_name = "generic";

/* The best variant the CPU supports, capped by ENDORPHIN_SIMD (simd_cap.h). */
static vhill_fn vhill_select(void)
{
    vhill_fn f = endo_hill_block_generic;
    const char *name = "generic";
#ifdef VHILL_X86
    const int cap = endo_simd_cap();
    const int allow512 = cap >= ENDO_SIMD_AVX512, allow2 = cap >= ENDO_SIMD_AVX2;
    __builtin_cpu_init();
    if (allow512 && __builtin_cpu_supports("avx512f")
        && __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl")
        && __builtin_cpu_supports("bmi2")) {
        f = endo_hill_block_avx512;
        name = "avx512";
    }
    else if (allow2 && __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
        f = endo_hill_block_avx2;
        name = "avx2";
    }
#endif
    vhill_isa_name = name;
    return f;
}

const char *endo_vhill_isa(void)
{
    if (vhill_impl == NULL) {
        vhill_impl = vhill_select();
    }
    return vhill_isa_name;
}

void endo_hill_block(const double *c, const double *emax, const double *ec50,
                     const double *n, double *out, size_t len, int consts)
{
    unsigned char fallback[ENDO_VBLOCK];
    double tmp[ENDO_VBLOCK];
    if (vhill_impl == NULL) {
        vhill_impl = vhill_select();
    }
    /* When `out` is the memory of an input (in-place out=), the vector results
     * go to tmp first, so the scalar fallback still reads the inputs. */
    const int alias = out == c || out == emax || out == ec50 || out == n;
    double *dst = alias ? tmp : out;
    const int any = vhill_impl(c, emax, ec50, n, dst, fallback, len, consts);
    if (alias) {
        for (size_t i = 0; i < len; i++) {
            /* cppcheck-suppress uninitvar ; vhill_impl wrote dst = tmp[0..len) */
            out[i] = fallback[i] ? endo_hill(c[i], emax[i], ec50[i], n[i]) : tmp[i];
        }
    }
    else if (any) {
        for (size_t i = 0; i < len; i++) {
            if (fallback[i]) {
                out[i] = endo_hill(c[i], emax[i], ec50[i], n[i]);
            }
        }
    }
}
