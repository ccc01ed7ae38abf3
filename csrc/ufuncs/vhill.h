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

/* `consts` flags: this input is the same value in every element (a broadcast
 * scalar), which lets the kernel check it and take its logarithm once. */
#define ENDO_CONST_EMAX 1
#define ENDO_CONST_EC50 2
#define ENDO_CONST_N 4

/* out[i] = hill(c[i], emax[i], ec50[i], n[i]) for i < len <= ENDO_VBLOCK.
 * `consts` (ENDO_CONST_* flags) promises which inputs hold one value in every
 * element.  n = 1 is evaluated exactly as c/(c + ec50) (no logarithms), like
 * endo_hill. */
void endo_hill_block(const double *c, const double *emax, const double *ec50,
                     const double *n, double *out, size_t len, int consts);

/* Name of the instruction set the dispatcher picked ("avx512", "avx2",
 * "generic"), for benchmarks and bug reports. */
const char *endo_vhill_isa(void);

#endif /* ENDORPHIN_VHILL_H */
