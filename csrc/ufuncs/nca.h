/*
 * nca.h -- non-compartmental analysis kernels over one profile (t[i], c[i]),
 * i < n, contiguous doubles.  Pure C.  Error convention as in dose_response.h:
 * NaN in gives NaN quietly; t not strictly increasing, negative c, or a
 * profile that cannot define the result gives NaN and the invalid flag.
 */
#ifndef ENDORPHIN_NCA_H
#define ENDORPHIN_NCA_H

#include <stddef.h>

/* AUC by the linear trapezoid (n >= 1; one point gives 0). */
double endo_auc_linear(const double *t, const double *c, size_t n);

/* AUC by linear-up/log-down: falling segments with both ends > 0 use the
 * exact integral of an exponential, (c1 - c2)(t2 - t1)/log(c1/c2). */
double endo_auc_linlog(const double *t, const double *c, size_t n);

/* Maximum concentration (NaN if any NaN); n >= 1. */
double endo_cmax(const double *c, size_t n);

/* Time of the first maximum (NaN if any NaN in c or t); n >= 1. */
double endo_tmax(const double *t, const double *c, size_t n);

/* Terminal half-life log(2)/lambda_z from an unweighted least-squares fit of
 * log c on t over the last k points (2 <= k <= n). */
double endo_half_life(const double *t, const double *c, size_t n, size_t k);

#endif /* ENDORPHIN_NCA_H */
