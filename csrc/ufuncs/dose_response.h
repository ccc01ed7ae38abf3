/*
 * dose_response.h -- scalar dose-response and receptor kernels of endorphin.
 *
 * Pure C99: no Python.h, no NumPy headers.  The ufunc glue (csrc/_ufuncs.c)
 * loops over arrays and calls these; the C-only harness
 * (csrc/tests/check_dose_response.c) calls them directly.
 *
 * Error convention (user documentation in endorphin/_docstrings.py):
 *   - a NaN argument propagates quietly to a NaN result (as NumPy's own ufuncs);
 *   - a parameter outside its domain gives NaN and raises the IEEE "invalid"
 *     flag (feraiseexcept(FE_INVALID)), which NumPy turns into a RuntimeWarning
 *     or, under np.errstate(invalid="raise"), a FloatingPointError;
 *   - no kernel raises a spurious overflow or divide-by-zero flag for valid
 *     input whose result is finite (underflow is allowed; NumPy ignores it).
 */
#ifndef ENDORPHIN_DOSE_RESPONSE_H
#define ENDORPHIN_DOSE_RESPONSE_H

/* NaN with the IEEE invalid flag raised: the result of a domain error. */
double endo_invalid(void);

/* (a/b)^n for a >= 0, b > 0, n > 0, without losing precision or
 * overflowing in the intermediate a/b (see dose_response.c). */
double endo_ratio_pow(double a, double b, double n);

/* Hill: emax c^n / (ec50^n + c^n); c >= 0, ec50 > 0, n > 0. */
double endo_hill(double c, double emax, double ec50, double n);

/* Emax model: e0 + hill(c, emax, ec50, n). */
double endo_emax_model(double c, double e0, double emax, double ec50, double n);

/* drc LL.4: c + (d - c) / (1 + exp(b (log x - log e))); x >= 0, e > 0. */
double endo_ll4(double x, double b, double c, double d, double e);

/* drc LL.5: c + (d - c) / (1 + exp(b (log x - log e)))^f; f > 0. */
double endo_ll5(double x, double b, double c, double d, double e, double f);

/* Fractional occupancy c / (c + kd); c >= 0, kd > 0. */
double endo_occupancy(double c, double kd);

/* Black-Leff operational model with slope n:
 * em tau^n a^n / ((ka + a)^n + tau^n a^n); a >= 0, ka > 0, tau >= 0, n > 0. */
double endo_operational(double a, double ka, double tau, double em, double n);

/* Schild dose ratio 1 + (b/kb)^slope; b >= 0, kb > 0, slope > 0. */
double endo_dose_ratio(double b, double kb, double slope);

/* Inverse Hill: the c >= 0 with hill(c, emax, ec50, n) = effect. */
double endo_hill_inverse(double effect, double emax, double ec50, double n);

/* EC_x: the concentration giving the fraction x in [0, 1] of the maximum. */
double endo_ecx(double x, double ec50, double n);

/* Parameter gradients (one Jacobian row per point), written to jac[0..p-1]:
 * hill w.r.t. (emax, ec50, n); ll4 w.r.t. (b, c, d, e); ll5 w.r.t. (b, c, d, e, f). */
void endo_hill_jac(double c, double emax, double ec50, double n, double *jac);
void endo_ll4_jac(double x, double b, double c, double d, double e, double *jac);
void endo_ll5_jac(double x, double b, double c, double d, double e, double f,
                  double *jac);

#endif /* ENDORPHIN_DOSE_RESPONSE_H */
