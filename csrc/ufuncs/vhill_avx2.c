/* vhill_avx2.c -- the Hill block for AVX2 + FMA (x86-64-v3); see vhill_impl.h. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#pragma GCC target("avx2,fma")
#define VHILL_FMA 1
#define VHILL_NAME endo_hill_block_avx2
#include <stddef.h>
#include "vhill.h"
int endo_hill_block_avx2(const double *, const double *, const double *,
                          const double *, double *, unsigned char *, size_t, int);
#include "vhill_impl.h"
#else
/* Not built on this compiler/architecture (the dispatcher never calls it). */
typedef int endo_vhill_avx2_unused;
#endif
