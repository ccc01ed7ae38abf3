/*
 * internal.h -- what the rooms of the ODE engine share (csrc/ode/, not public):
 * the per-subject state, the subject's protocol cursor, the hot helpers every
 * method inlines (right-hand side, outputs, error norm, step landing), and the
 * functions one room calls in another.
 *
 *   erk.c      Dormand-Prince 5(4) and Tsitouras 5(4): stages, dense output, PI control
 *   rodas.c    Rodas4, the stiff method
 *   driver.c   one subject: its events (input switches, doses), the method, auto
 *   lanes.c    ENDO_LANES subjects side by side in SIMD lanes
 *   summary.c  summary mode (extremes, AUC, time above a threshold)
 *   demand.c   on-demand dosing: the rule, its crossings located on the dense output
 *
 * The helpers below are static inline, so every room compiles them as the
 * single file did (ISO C, no contraction: the same arithmetic everywhere).
 */
#ifndef ENDORPHIN_ODE_INTERNAL_H
#define ENDORPHIN_ODE_INTERNAL_H

#include "../portable.h"
#include "engine.h"

#include <math.h>
#include <string.h>

#define LOG_1EM4 (-9.210340371976184)     /* log(1e-4): floor of the PI memory */

/* Per-subject state of one integration. */
typedef struct {
    const endo_problem *pb;
    const endo_model *m;
    size_t S;
    const double *p, *u;        /* parameters; inputs of the current segment */
    double *y, *ynew, *k[8], *r[5], *ytmp, *obuf;
    double *yout;               /* this subject's (n_sel, n_times) block */
    size_t iout;                /* next output time index */
    int64_t n_rhs, n_acc, n_rej;
    double h;                   /* proposed next step size (0: unknown) */
    double log_facold;          /* log of the previous accepted error (>= log 1e-4) */
    double *jac, *lu, *piv, *dfdt;  /* Rodas4 */
    int64_t n_jac;
    int stiff_count, nonstiff_count;    /* stiffness detection (auto) */
    int stiff_seen;                     /* auto: riding a detected stiffness out */
    int64_t stiff_steps;                /* ... stability-limited steps since */
    double stiff_hl;                    /* h |lambda| estimate of the last step */
    double *sum, *prev, *vals;          /* summary mode: (n_sel, 6), (n_sel), (4, n_sel) */
    /* on-demand dosing (demand.c) */
    double d_thr, d_amt, d_lock;        /* this subject's threshold, amount, lockout */
    double d_next;                      /* earliest time of the next demand dose */
    double d_gprev;                     /* output - threshold at the start of the step */
    double d_tstar;                     /* a located crossing (ENDO_DEMAND) */
    int d_armed;                        /* the rule may fire in the current interval */
    int d_hit;                          /* the interval ended at a located crossing */
    int64_t d_count;                    /* demand doses delivered */
    double *d_ring, *d_buf;             /* the last demand_max dose times; a state */
    double *d_times;                    /* this subject's row of demand_times */
} subject;

/* Where a subject is in its protocol: the events passed and the time. */
typedef struct {
    const double *inputs, *bk, *dt, *da;
    const int64_t *ds;
    size_t seg, idose, ibreak;
    double t, t_end;
} cursor;

static inline void rhs(subject *s, double t, const double *y, double *dy)
{
    s->m->rhs(t, y, s->p, s->u, dy);
    s->n_rhs++;
}

/* Write the selected outputs of state y at output index s->iout. */
static inline void emit(subject *s, double t, const double *y)
{
    const endo_problem *pb = s->pb;
    s->m->output(t, y, s->p, s->u, s->obuf);
    for (size_t j = 0; j < pb->n_sel; j++) {
        s->yout[j * pb->n_times + s->iout] = s->obuf[pb->out_idx[j]];
    }
    s->iout++;
}

/* Mark every remaining output NaN. */
static inline void emit_nan_rest(subject *s)
{
    const endo_problem *pb = s->pb;
    for (; s->iout < pb->n_times; s->iout++) {
        for (size_t j = 0; j < pb->n_sel; j++) {
            s->yout[j * pb->n_times + s->iout] = NAN;
        }
    }
}

static inline double maxd(double a, double b)
{
    return a > b ? a : b;   /* libm's fmax is a call; NaN handled by the caller */
}

static inline double err_norm(const subject *s, const double *restrict y,
                       const double *restrict ynew, const double *restrict e)
{
    const double rtol = s->pb->rtol, atol = s->pb->atol;
    double acc = 0.0;
    for (size_t i = 0; i < s->S; i++) {
        const double sc = atol + rtol * maxd(fabs(y[i]), fabs(ynew[i]));
        const double q = e[i] / sc;
        acc += q * q;
    }
    return sqrt(acc / (double)s->S);
}

/* A step of the proposed size h from t towards tb: cut to land on tb when it
 * would (nearly) reach it; ENDO_STEP_UNDERFLOW below the time resolution. */
static inline ENDO_ALWAYS_INLINE int
step_to(double h, double t, double tb, double *h_out, int *last_out)
{
    int last = 0;
    if (t + h >= tb || t + 1.0000001 * h >= tb) {
        h = tb - t;
        last = 1;
    }
    if (!last && h <= 1e-14 * fmax(fabs(t), 1.0)) {
        return ENDO_STEP_UNDERFLOW;
    }
    *h_out = h;
    *last_out = last;
    return ENDO_OK;
}

/* ---- summary mode (summary.c) ------------------------------------------ */
enum { SM_MAX, SM_TMAX, SM_MIN, SM_AUC, SM_ABOVE, SM_END, SM_N };

typedef void (*dense_fn)(subject *s, double theta, double *out);

/* the first point (start != 0: at t0) or the point at an event: the
 * right-continuous value at t */
void ode_sm_point(subject *s, double t, const double *y, int start);
/* one accepted step [t, t + h] with the method's dense output */
void ode_sm_step(subject *s, double t, double h, const double *yn, dense_fn dense_at);

/* ---- on-demand dosing (demand.c) ----------------------------------------- */
static inline int demand_on(const endo_problem *pb)
{
    return pb->demand_amount != NULL;
}

/* the rule's condition on g = output - threshold */
static inline int demand_true(const subject *s, double g)
{
    return s->pb->demand_inclusive ? g >= 0.0 : g > 0.0;
}

/* output - threshold at state y, time t (the current segment's inputs) */
static inline double demand_g(subject *s, double t, const double *y)
{
    s->m->output(t, y, s->p, s->u, s->obuf);
    return s->obuf[s->pb->demand_output] - s->d_thr;
}

void ode_demand_begin(subject *s, size_t i);
/* the events at t (after the scheduled doses): a located crossing or a true
 * condition at t >= d_next delivers a dose; arms the next interval */
void ode_demand_event(subject *s, double t);
/* theta in (0, 1] of the first point where the condition holds on the last
 * accepted step [t, t + h] (false at theta 0 with g = ga, true at 1 with gb) */
double ode_demand_locate(subject *s, double t, double h, double ga, double gb,
                         dense_fn dense_at);
void ode_demand_end(subject *s, size_t i);

/* ---- the methods ---------------------------------------------------------- */
/* Hairer's initial step (erk.c; Rodas4 uses it too). */
double ode_initial_step(subject *s, double t, double span);
/* Integrate one interval [ta, tb] of constant inputs; return a status. */
int ode_dp5_interval(subject *s, double ta, double tb);      /* erk.c */
int ode_tsit5_interval(subject *s, double ta, double tb);    /* erk.c */
int ode_rodas_interval(subject *s, double ta, double tb);    /* rodas.c */
/* The dense output of the last accepted explicit step at theta into out (erk.c). */
void ode_dp5_dense_at(subject *s, double theta, double *out);
void ode_ts5_dense_at(subject *s, double theta, double *out);

/* ---- one subject (driver.c) ---------------------------------------------- */
int ode_subject_begin(subject *s, cursor *c, const endo_problem *pb, size_t i, double *work);
int ode_subject_events(subject *s, cursor *c, double *te);
void ode_subject_end(subject *s, size_t i, int status, int64_t counts[4]);
void ode_subject_store(const endo_problem *pb, size_t i, double *work, int status,
                       int stiff, int64_t counts[4]);

#endif /* ENDORPHIN_ODE_INTERNAL_H */
