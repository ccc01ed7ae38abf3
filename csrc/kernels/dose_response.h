/*
 * dose_response.h -- scalar dose-response kernels of endorphin.
 *
 * Pure C99: no Python.h, no NumPy headers.  The ufunc glue (csrc/_ufuncs.c)
 * loops over arrays and calls these; the C-only harness
 * (csrc/tests/check_dose_response.c) calls them directly.
 *
 * Error convention (documented in endorphin/_docstrings.py):
 *   - a NaN argument propagates quietly to a NaN result (as NumPy's own ufuncs);
 *   - a parameter outside its domain (ec50 <= 0, n <= 0, c < 0, ...) gives NaN
 *     and raises the IEEE "invalid" flag (feraiseexcept(FE_INVALID)), which
 *     NumPy turns into a RuntimeWarning or, under np.errstate(invalid="raise"),
 *     a FloatingPointError;
 *   - no kernel raises a spurious overflow or divide-by-zero flag for valid,
 *     finite input (underflow to zero is allowed and ignored by NumPy).
 */
#ifndef ENDORPHIN_DOSE_RESPONSE_H
#define ENDORPHIN_DOSE_RESPONSE_H

/* NaN with the IEEE invalid flag raised: the result of a domain error. */
double endo_invalid(void);

/*
 * Hill equation  emax * c^n / (ec50^n + c^n).
 *   c     concentration (any unit, same as ec50), c >= 0; c = +inf gives emax
 *   emax  maximal effect (any finite real; negative for inhibition)
 *   ec50  concentration of half-maximal effect, ec50 > 0
 *   n     Hill slope, n > 0 (n = +inf gives the step function)
 */
double endo_hill(double c, double emax, double ec50, double n);

#endif /* ENDORPHIN_DOSE_RESPONSE_H */
