/*
 * fit.h -- batched nonlinear least squares for dose-response curves.
 *
 * Pure C11: no Python.h, no NumPy headers.  The Python glue (csrc/_fit.c)
 * loops over curves on a thread pool and calls endo_fit_curve; the C-only
 * harness (csrc/tests/check_fit.c) calls it directly.
 *
 * Models and parameters, in drc order (the user's, "drc parameterisation"):
 *   ENDO_FIT_LL4   (b, c, d, e)        c + (d - c) / (1 + exp(b (log x - log e)))
 *   ENDO_FIT_LL5   (b, c, d, e, f)     c + (d - c) / (1 + exp(b (log x - log e)))^f
 *   ENDO_FIT_HILL  (emax, ec50, n)     emax x^n / (ec50^n + x^n)
 *   ENDO_FIT_EMAX  (e0, emax, ec50, n) e0 + emax x^n / (ec50^n + x^n)
 * The same functions as endo_ll4 / endo_ll5 / endo_hill / endo_emax_model in
 * dose_response.h.  Internally e, ec50 and f are estimated on the log scale
 * (they stay positive, and a step cannot throw e to 1e291); everything this
 * header returns is on the original scale.
 *
 * The fit: Levenberg-Marquardt on the normal equations (J^T W J + lambda
 * diag) z = J^T W r with analytic Jacobians, box bounds by an active set,
 * drc-like self-starting values, and a covariance matrix as drc and R's nls
 * report it: s^2 H^-1 with s^2 = RSS / (n_obs - n_free) and H the observed
 * Hessian of RSS/2 (drc), or J^T W J (R's nls), in the drc parameterisation.  Each curve is fitted independently and
 * deterministically (no state shared between curves), so a batch gives
 * bitwise the same results on any number of threads.
 */
#ifndef ENDORPHIN_FIT_H
#define ENDORPHIN_FIT_H

#include <stddef.h>

#define ENDO_FIT_MAXP 5

enum endo_fit_model {
    ENDO_FIT_LL4 = 0,
    ENDO_FIT_LL5 = 1,
    ENDO_FIT_HILL = 2,
    ENDO_FIT_EMAX = 3,
    ENDO_FIT_NMODELS
};

/* Why a fit ended (endorphin.fitting.REASONS maps the codes to names). */
enum endo_fit_reason {
    ENDO_FIT_OK = 0,              /* converged */
    ENDO_FIT_TOO_FEW_POINTS = 1,  /* fewer valid points or distinct doses than free parameters */
    ENDO_FIT_FLAT = 2,            /* responses without variation: no curve to fit */
    ENDO_FIT_MAX_ITER = 3,        /* iteration limit reached */
    ENDO_FIT_SINGULAR = 4,        /* J^T W J singular at the end: parameters not determined */
    ENDO_FIT_AT_BOUND = 5,        /* an estimate ended on a bound (e.g. EC50 far outside the doses) */
    ENDO_FIT_NO_PROGRESS = 6,     /* no step reduced the RSS, away from a stationary point */
    ENDO_FIT_NONFINITE = 7,       /* the model gave a non-finite value at the start values */
    ENDO_FIT_NREASONS
};

typedef struct {
    int model;                    /* enum endo_fit_model */
    unsigned free_mask;           /* bit i set: parameter i is estimated, else held fixed */
    double lo[ENDO_FIT_MAXP];     /* bounds in the drc parameterisation (-inf/inf: none; */
    double hi[ENDO_FIT_MAXP];     /*   for e, ec50 and f a lower bound <= 0 means none) */
    double ec50_range;            /* > 0: e (ec50) also kept within [min x>0 / r, max x * r] */
    int max_iter;                 /* iterations (Jacobian evaluations), e.g. 200 */
    double xtol;                  /* relative step for convergence, e.g. 1e-10 */
    double ftol;                  /* relative RSS decrease for convergence, e.g. 1e-12 */
    int vcov;                     /* covariance from 0: the observed Hessian of the RSS
                                     (drc), 1: J^T W J (Gauss-Newton, R's nls) */
} endo_fit_opts;

typedef struct {
    double params[ENDO_FIT_MAXP];               /* estimates (drc parameterisation) */
    double cov[ENDO_FIT_MAXP * ENDO_FIT_MAXP];  /* covariance, P x P row-major in the
                                                   first P*P entries (P = nparams);
                                                   0 for fixed parameters, NaN unless
                                                   reason == ENDO_FIT_OK */
    double rss;                                 /* sum w (y - f)^2 */
    int n_obs;                                  /* points used (finite y, w > 0) */
    int df;                                     /* n_obs - number of free parameters */
    int n_iter;                                 /* Jacobian evaluations */
    int reason;                                 /* enum endo_fit_reason */
} endo_fit_result;

/* Number of parameters of a model (3..5), or 0 for an unknown model. */
int endo_fit_nparams(int model);

/* Doubles of workspace endo_fit_curve needs for curves of n points. */
size_t endo_fit_workspace(int n);

/* Self-starting values (drc parameterisation) from the points with finite y
 * and w > 0 (w may be NULL); what endo_fit_curve uses for NaN starts.
 * Returns 0, or -1 when fewer than 2 points have x > 0 and finite y. */
int endo_fit_self_start(int model, int n, const double *x, const double *y,
                        const double *w, double *start);

/* Fit one curve of n points: x >= 0 finite (checked by the caller), y with
 * NaN as missing, w (NULL for unweighted) > 0 or NaN/0 to drop a point.
 * logx: NULL, or log(x) precomputed by the caller (a batch that shares its
 * doses computes the logarithms once; only read where x > 0).
 * start[i]: the start value of parameter i (drc parameterisation), or NaN for
 * the self-starting value; a fixed parameter (bit clear in free_mask) keeps
 * start[i], which must then be finite.  work: endo_fit_workspace(n) doubles.
 * Writes *res; never fails (the reason says what happened). */
void endo_fit_curve(const endo_fit_opts *opts, int n, const double *x, const double *logx,
                    const double *y, const double *w, const double *start,
                    endo_fit_result *res, double *work);

#endif /* ENDORPHIN_FIT_H */
