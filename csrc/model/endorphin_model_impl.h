/*
 * endorphin_model_impl.h -- internal to csrc/model: the constants and the small
 * functions that the equations (endorphin_model.c) and the resting state
 * (endorphin_rest.c) both use, so that both compute them with the same arithmetic.
 */
#ifndef ENDORPHIN_MODEL_IMPL_H
#define ENDORPHIN_MODEL_IMPL_H

#include "endorphin_model.h"
#include "endo_math.h"

#include <math.h>

#define TWO_PI 6.283185307179586476925286766559
#define LN2 0.69314718055994530941723212145818
#define OMEGA (TWO_PI / 1440.0)

/* cortisol secretion curve H(X) = X^m / (ec50^m + X^m), X clipped at 0; the power
 * as exp(m log(ec50 / X)) by endo_math.h's log and exp (a few ulp; the lane RHS
 * computes them for four subjects at once): a default-model day was 8 % faster
 * with libm's exp and log than with its pow, and faster again with these */
static inline double cort_hill_v(double x, double ec50, double m)
{
    if (!(x > 0.0)) {
        return 0.0;
    }
    return 1.0 / (1.0 + endo_exp(m * endo_log(ec50 / x)));
}

static inline double cort_hill(double x, const double *p)
{
    return cort_hill_v(x, p[EM_P_ACTH_EC50], p[EM_P_CORTISOL_HILL]);
}

/* operational transducer g(s) = s^m / (1 + s^m), 0 for s <= 0 */
static inline double transducer(double s, double m)
{
    if (!(s > 0.0)) {
        return 0.0;
    }
    if (m == 1.0) {
        return s / (1.0 + s);
    }
    /* 1 / (1 + s^-m): no overflow for large s */
    return 1.0 / (1.0 + pow(s, -m));
}

/* desensitization drive of beta-endorphin alone at CSF concentration ch */
static inline double bend_drive(double ch, const double *p, int r)
{
    const double x = (ch > 0.0 ? 1e-3 * ch : 0.0) / p[EM_P_K_BEND_MU + r];
    return transducer(p[EM_P_TAU_BEND_MU + r] * x / (1.0 + x), p[EM_P_SLOPE_MU + r]);
}

/* The resting state of the variant with nd drug slots (endorphin_rest.c): 0, or 1
 * when the parameters are invalid or the state is not finite. */
int endo_em_init(int nd, double t0, const double *p, const double *u, double *y);

#endif /* ENDORPHIN_MODEL_IMPL_H */
