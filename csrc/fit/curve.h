/*
 * curve.h -- what fit.c (the Levenberg-Marquardt fit) and start.c (the
 * self-starting values, the valid points, the drc parameterisation) share.
 */
#ifndef ENDORPHIN_FIT_CURVE_H
#define ENDORPHIN_FIT_CURVE_H

#include "fit.h"

#define MAXP ENDO_FIT_MAXP

/* The data of one curve, valid points only. */
typedef struct {
    int m;
    const double *lx, *y, *w, *zero;   /* zero[i] != 0: dose 0 */
} curve;

/* parameters of each model (0: not a model); endo_fit_nparams is its public face */
static inline int fit_nparams(int model)
{
    switch (model) {
    case ENDO_FIT_LL4: return 4;
    case ENDO_FIT_LL5: return 5;
    case ENDO_FIT_HILL: return 3;
    case ENDO_FIT_EMAX: return 4;
    default: return 0;
    }
}

/* index of the parameter estimated on the log scale (e / ec50), and f of LL.5 */
static inline int log_index(int model)
{
    return model == ENDO_FIT_HILL ? 1 : (model == ENDO_FIT_EMAX ? 2 : 3);
}

static inline int is_log_param(int model, int i)
{
    return i == log_index(model) || (model == ENDO_FIT_LL5 && i == 4);
}

/* The valid points of a curve (finite y, w > 0, x >= 0) gathered into work
 * (4 n doubles: log x, y, w, and 1 where the dose is 0). */
curve fit_gather(int n, const double *x, const double *logx, const double *y,
                 const double *w, double *work);
/* Self-start on the valid points, in the internal parameterisation; 0 or -1. */
int fit_self_start(int model, const curve *cv, double *th);
/* The internal parameters th as drc's (exp of the log-scale ones). */
void fit_to_drc(int model, const double *th, double *p);

#endif /* ENDORPHIN_FIT_CURVE_H */
