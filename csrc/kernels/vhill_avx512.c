/* vhill_avx512.c -- the Hill block for AVX-512 (x86-64-v4); see vhill_impl.h. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#pragma GCC target("avx512f,avx512dq,avx512vl,avx2,fma")
#define VHILL_FMA 1
#define VHILL_NAME endo_hill_block_avx512
#include <stddef.h>
void endo_hill_block_avx512(const double *, const double *, const double *,
                            const double *, double *, unsigned char *, size_t, int, int);
#include "vhill_impl.h"
#else
typedef int endo_vhill_avx512_unused;
#endif
