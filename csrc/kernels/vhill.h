/*
 * vhill.h -- the Hill function over a block of contiguous doubles, vectorised.
 *
 * Pure C.  Used by the hill ufunc loop (csrc/_ufuncs.c) on blocks of at most
 * ENDO_VBLOCK elements.  Every element gives the same result whatever its
 * neighbours, the block length or its position in the array: elements in the
 * vector domain always take the vector path, the others (c = 0, inf, NaN,
 * subnormal or invalid parameters, results below ~1e-308) always endo_hill.
 */
#ifndef ENDORPHIN_VHILL_H
#define ENDORPHIN_VHILL_H

#include <stddef.h>

#define ENDO_VBLOCK 256

/* out[i] = hill(c[i], emax[i], ec50[i], n[i]) for i < len <= ENDO_VBLOCK.
 * ec50_const != 0 promises that every ec50[i] equals ec50[0] (its logarithm
 * is then computed once), n_const the same for n.  n = 1 is evaluated
 * exactly as c/(c + ec50) (no logarithms), like endo_hill. */
void endo_hill_block(const double *c, const double *emax, const double *ec50,
                     const double *n, double *out, size_t len, int ec50_const,
                     int n_const);

/* Name of the instruction set the dispatcher picked ("avx512", "avx2",
 * "generic"), for benchmarks and bug reports. */
const char *endo_vhill_isa(void);

#endif /* ENDORPHIN_VHILL_H */
