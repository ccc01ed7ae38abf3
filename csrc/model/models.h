/*
 * models.h -- the model interface of the batched ODE engine (pure C).
 *
 * A model is a table: its dimensions and names, the right-hand side, the
 * output function and, optionally, its own initial state.  The engine
 * (csrc/ode/) only ever talks to a model through this table, so the
 * endogenous-opioid model is one entry among the library models (library.c)
 * and the test models (csrc/testing/, registered at run time).
 *
 * Conventions: t in minutes; y[n_states], p[n_params], u[n_inputs] (the
 * piecewise-constant inputs of the current segment), all contiguous.
 * Functions must be pure (no globals): they are called from several threads.
 */
#ifndef ENDORPHIN_MODELS_H
#define ENDORPHIN_MODELS_H

#include <stddef.h>

/* Hot model functions (and the integrators) are built twice on x86-64 with gcc,
 * for x86-64-v3 (AVX2, FMA) and the baseline, and chosen at load time.  ISO C
 * mode (-std=c11) turns floating-point contraction off and nothing reassociates,
 * so both clones round identically. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && defined(__linux__)
#define ENDO_CLONES __attribute__((target_clones("arch=x86-64-v3", "default")))
#else
#define ENDO_CLONES
#endif

typedef void (*endo_rhs_fn)(double t, const double *y, const double *p,
                            const double *u, double *dydt);
typedef void (*endo_output_fn)(double t, const double *y, const double *p,
                               const double *u, double *out);
/* Jacobian of the right-hand side, J[i * n_states + j] = d f_i / d y_j (row-major). */
typedef void (*endo_jac_fn)(double t, const double *y, const double *p,
                            const double *u, double *J);
/* The right-hand side of ENDO_LANES subjects at once, structure of arrays:
 * t[l], y[i * ENDO_LANES + l], p[j * ENDO_LANES + l], u[k * ENDO_LANES + l],
 * dydt[i * ENDO_LANES + l] for lane l.  Each lane must round exactly as `rhs`
 * does for that subject, so that results never depend on whether the engine
 * used lanes (tests compare the two bitwise). */
#define ENDO_LANES 4
typedef void (*endo_rhs_lanes_fn)(const double *t, const double *y, const double *p,
                                  const double *u, double *dydt);
typedef void (*endo_output_lanes_fn)(const double *t, const double *y, const double *p,
                                     const double *u, double *out);
/* Returns 0 on success, non-zero when no initial state exists for p. */
typedef int (*endo_init_fn)(double t0, const double *p, const double *u, double *y);

typedef struct {
    const char *name;
    const char *doc;                    /* one line: what the model is */
    int n_states, n_params, n_inputs, n_outputs;
    const char *const *state_names;
    const char *const *param_names;
    const char *const *input_names;
    const char *const *output_names;
    endo_rhs_fn rhs;
    endo_output_fn output;
    endo_init_fn init;                  /* NULL: the initial state is zero */
    /* The states the output function reads (n_output_states indices), so
     * that dense output interpolates only those; NULL: all states.  The
     * output function must not read any other state. */
    int n_output_states;
    const int *output_states;
    endo_jac_fn jac;                    /* NULL: no analytic Jacobian */
    endo_rhs_lanes_fn rhs_lanes;        /* NULL: the engine integrates one subject at a time */
    /* The output function at ENDO_LANES points at once, in the same layout (the
     * lane engine evaluates the outputs inside a step four at a time, all of
     * one subject); it must round exactly as `output` does.  NULL: one at a
     * time. */
    endo_output_lanes_fn output_lanes;
} endo_model;

/* ---- the registry (registry.c) ----------------------------------------- */
/* The built-in models (the endorphin model and its drug-slot variants, the
 * library models) come first, then those registered at run time, in the
 * order of registration.  Registration and lookups happen with the GIL held
 * (endorphin._integrate and the extensions that register models). */

/* The model called `name`, or NULL. */
const endo_model *endo_find_model(const char *name);

/* The number of registered models, and model i of them. */
int endo_model_count(void);
const endo_model *endo_model_at(int i);

/* Register a model defined in another extension (which must stay loaded):
 * 0 on success or when this very model is registered already, -1 when another
 * model has its name, -2 when the registry is full. */
int endo_register_model(const endo_model *m);

#endif /* ENDORPHIN_MODELS_H */
