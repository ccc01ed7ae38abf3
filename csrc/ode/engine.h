/*
 * engine.h -- the public interface of the batched ODE engine (pure C).
 *
 * Every subject is integrated on its own (its own step sizes) by
 * Dormand-Prince 5(4) with Hairer's dense output and PI step control.  Events
 * are breakpoints, never located by step control: the integrator stops
 * exactly at every input switch (`breaks`) and dose time, applies the doses,
 * and restarts.  Outputs are right-continuous (a request at a dose time sees
 * the dosed state) and come from the dense output, so the step sequence does
 * not depend on the requested times.  On-demand dosing (demand.c) adds state
 * events: an output's upward crossing of a threshold, located on the dense
 * output of the accepted step, ends the interval there; lockout ends are
 * breakpoints.  Subjects never share mutable state, so
 * any split of the population over threads gives bitwise identical results.
 */
#ifndef ENDORPHIN_ODE_ENGINE_H
#define ENDORPHIN_ODE_ENGINE_H

#include <stddef.h>
#include <stdint.h>

#include "models.h"

enum {
    ENDO_OK = 0,
    ENDO_MAX_STEPS = 1,         /* the step budget was exhausted */
    ENDO_STEP_UNDERFLOW = 2,    /* the step size fell below the time resolution */
    ENDO_NONFINITE = 3,         /* the state became NaN or infinite */
    ENDO_INIT_FAILED = 4,       /* the model found no initial state */
    ENDO_SINGULAR = 5,          /* the stiff method's matrix stayed singular */
    ENDO_STIFF = 100,           /* internal: auto detected stiffness (never returned) */
    ENDO_DEMAND = 101,          /* internal: a demand-dose crossing was located (never returned) */
};

enum { ENDO_METHOD_EXPLICIT = 0, ENDO_METHOD_STIFF = 1, ENDO_METHOD_AUTO = 2 };

/* One call: arrays laid out as documented; a stride of 0 means "shared by all
 * subjects", otherwise it is the number of doubles from one subject to the next. */
typedef struct {
    const endo_model *model;
    size_t n_subjects;
    const double *params;   size_t params_stride;     /* n_params per subject */
    const double *y0;       size_t y0_stride;         /* NULL: model init or zero */
    double t0;
    const double *t_out;    size_t n_times;           /* nondecreasing, >= t0 */
    const double *breaks;   size_t n_breaks;          /* nondecreasing in (t0, t_end) */
    size_t breaks_stride;
    const double *inputs;   size_t inputs_stride;     /* (n_breaks + 1) x n_inputs */
    size_t n_doses;
    const double *dose_times;   size_t dose_times_stride;    /* nondecreasing */
    const int64_t *dose_states; size_t dose_states_stride;   /* state indices */
    const double *dose_amounts; size_t dose_amounts_stride;
    const int64_t *out_idx; size_t n_sel;             /* selected model outputs */
    double rtol, atol;
    int64_t max_steps;                                /* per subject */
    double fixed_step;      /* > 0: constant steps of this size, no error control */
    int method;             /* ENDO_METHOD_* */
    int tsit5;              /* explicit pair: 0 Dormand-Prince 5(4), 1 Tsitouras 5(4) */
    int lanes;              /* 1: integrate ENDO_LANES subjects side by side when the
                               model has rhs_lanes (same results, faster); 0: never */
    /* summary mode (NULL: off): per subject and selected output, max, time of
     * max, min, AUC, time above thresholds[j], value at t_end */
    double *summary;        /* (n_subjects, n_sel, 6) */
    const double *thresholds;   /* (n_sel,) */
    /* on-demand dosing (demand_amount NULL: off), one rule per subject: when
     * model output demand_output is above (demand_inclusive: at or above) the
     * subject's threshold, at least lockout minutes after its last demand dose
     * and (demand_max > 0) with fewer than demand_max demand doses in the
     * trailing demand_window minutes, add the subject's amount to state
     * demand_state.  The upward crossing is located on the dense output by
     * the Illinois method; the end of a lockout is a breakpoint. */
    int64_t demand_output, demand_state, demand_max;
    int demand_inclusive;
    double demand_window;
    const double *demand_threshold; size_t demand_threshold_stride;
    const double *demand_amount;    size_t demand_amount_stride;
    const double *demand_lockout;   size_t demand_lockout_stride;   /* > 0 */
    size_t demand_capacity;     /* times stored per subject */
    double *demand_times;       /* (n_subjects, demand_capacity): the first doses, NaN after */
    int64_t *demand_count;      /* (n_subjects,): all the demand doses delivered */
    /* results */
    double *y;              /* (n_subjects, n_sel, n_times), C order */
    int8_t *status;
    int64_t *n_rhs, *n_accepted, *n_rejected;
    int64_t *n_jac;         /* Jacobian evaluations (NULL: not wanted) */
    int8_t *used_stiff;     /* 1 where the stiff method produced the result (NULL: not wanted) */
} endo_problem;

/* Doubles of workspace one thread needs for this problem. */
size_t endo_workspace_size(const endo_problem *prob);

/* Integrate subject i; `work` holds endo_workspace_size(prob) doubles. */
void endo_integrate_subject(const endo_problem *prob, size_t i, double *work);

/* Subjects side by side in SIMD lanes (explicit methods, models with
 * rhs_lanes): each lane integrates its own subject with its own steps, events
 * and outputs, exactly as endo_integrate_subject would (bitwise the same
 * results); only the stages are computed for all lanes at once.  A lane that
 * finishes takes the next subject from `next`, which returns a subject index
 * or ENDO_NO_SUBJECT. */
#define ENDO_NO_SUBJECT ((size_t)-1)
typedef size_t (*endo_next_fn)(void *ctx);

/* Doubles of workspace the lane path needs, or 0 when it does not apply to
 * this problem (no rhs_lanes, lanes off, the stiff method or fixed steps). */
size_t endo_lanes_workspace_size(const endo_problem *prob);

/* Integrate the subjects `next` hands out; `work` holds
 * endo_lanes_workspace_size(prob) doubles. */
void endo_integrate_lanes(const endo_problem *prob, endo_next_fn next, void *ctx,
                          double *work);

#endif /* ENDORPHIN_ODE_ENGINE_H */
