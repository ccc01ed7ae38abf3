/*
 * library.c -- the library models of the engine, public in endorphin.core.models
 * (see models.h):
 *
 *   linear1   one-compartment PK with first-order absorption and an infusion input
 *   linear2   two-compartment PK with first-order absorption and an infusion input
 *
 * Both have closed-form solutions (the analytic tests) and analytic Jacobians.
 */
#include "models.h"

#include <math.h>
#include <string.h>

/* ------------------------------------------------------------------------- */
/* linear1: depot -> central -> out, plus an infusion rate into central       */
/* ------------------------------------------------------------------------- */
static const char *const linear1_states[] = {"depot", "central"};
static const char *const linear1_params[] = {"ka", "ke", "V"};
static const char *const rate_input[] = {"rate"};
static const char *const linear1_outputs[] = {"conc", "amount"};

static void linear1_rhs(double t, const double *y, const double *p,
                        const double *u, double *dy)
{
    (void)t;
    dy[0] = -p[0] * y[0];
    dy[1] = p[0] * y[0] - p[1] * y[1] + u[0];
}

/* linear1_rhs for ENDO_LANES subjects (models.h) */
#define LN ENDO_LANES
static void linear1_rhs_lanes(const double *t, const double *y, const double *p,
                              const double *u, double *dy)
{
    (void)t;
#pragma omp simd
    for (int l = 0; l < LN; l++) {
        dy[l] = -p[l] * y[l];
        dy[LN + l] = p[l] * y[l] - p[LN + l] * y[LN + l] + u[l];
    }
}

static void linear1_output(double t, const double *y, const double *p,
                           const double *u, double *out)
{
    (void)t;
    (void)u;
    out[0] = y[1] / p[2];
    out[1] = y[1];
}

static void linear1_jac(double t, const double *y, const double *p,
                        const double *u, double *J)
{
    (void)t;
    (void)y;
    (void)u;
    J[0] = -p[0];
    J[1] = 0.0;
    J[2] = p[0];
    J[3] = -p[1];
}

static const endo_model linear1 = {
    "linear1", "one-compartment PK, first-order absorption, infusion input",
    2, 3, 1, 2, linear1_states, linear1_params, rate_input, linear1_outputs,
    linear1_rhs, linear1_output, NULL, 0, NULL, linear1_jac, linear1_rhs_lanes, NULL,
};

/* ------------------------------------------------------------------------- */
/* linear2: depot -> central <-> peripheral                                   */
/* ------------------------------------------------------------------------- */
static const char *const linear2_states[] = {"depot", "central", "peripheral"};
static const char *const linear2_params[] = {"ka", "k10", "k12", "k21", "V"};
static const char *const conc_output[] = {"conc"};

static void linear2_rhs(double t, const double *y, const double *p,
                        const double *u, double *dy)
{
    (void)t;
    dy[0] = -p[0] * y[0];
    dy[1] = p[0] * y[0] - (p[1] + p[2]) * y[1] + p[3] * y[2] + u[0];
    dy[2] = p[2] * y[1] - p[3] * y[2];
}

static void linear2_output(double t, const double *y, const double *p,
                           const double *u, double *out)
{
    (void)t;
    (void)u;
    out[0] = y[1] / p[4];
}

static void linear2_jac(double t, const double *y, const double *p,
                        const double *u, double *J)
{
    (void)t;
    (void)y;
    (void)u;
    const double r[9] = {-p[0], 0.0, 0.0,
                         p[0], -(p[1] + p[2]), p[3],
                         0.0, p[2], -p[3]};
    memcpy(J, r, sizeof r);
}

static const endo_model linear2 = {
    "linear2", "two-compartment PK, first-order absorption, infusion input",
    3, 5, 1, 1, linear2_states, linear2_params, rate_input, conc_output,
    linear2_rhs, linear2_output, NULL, 0, NULL, linear2_jac, NULL, NULL,
};

/* The library's models, for the registry (registry.c), NULL-terminated. */
const endo_model *const endo_library_models[] = {&linear1, &linear2, NULL};
