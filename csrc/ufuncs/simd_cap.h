/*
 * simd_cap.h -- the cap that the environment variable ENDORPHIN_SIMD
 * ("generic", "avx2" or "avx512"; unset: no cap) puts on the SIMD variants the
 * dispatchers of vhill.c and receptor.c may pick, so that the tests can check
 * every variant on one machine.  Any other value allows nothing but generic.
 */
#ifndef ENDORPHIN_SIMD_CAP_H
#define ENDORPHIN_SIMD_CAP_H

#include <stdlib.h>
#include <string.h>

enum { ENDO_SIMD_GENERIC = 0, ENDO_SIMD_AVX2 = 1, ENDO_SIMD_AVX512 = 2 };

/* The highest level ENDORPHIN_SIMD allows (whatever the CPU supports). */
static inline int endo_simd_cap(void)
{
    const char *cap = getenv("ENDORPHIN_SIMD");
    if (cap == NULL || strcmp(cap, "avx512") == 0) {
        return ENDO_SIMD_AVX512;
    }
    return strcmp(cap, "avx2") == 0 ? ENDO_SIMD_AVX2 : ENDO_SIMD_GENERIC;
}

#endif /* ENDORPHIN_SIMD_CAP_H */
