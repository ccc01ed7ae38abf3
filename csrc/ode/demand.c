/*
 * demand.c -- on-demand dosing (patient-controlled analgesia), see engine.h.
 *
 * One rule per subject: when the selected model output is above the subject's
 * threshold (g = output - threshold > 0, or >= 0 with demand_inclusive), the
 * lockout has passed since the last demand dose and, with demand_max > 0,
 * fewer than demand_max demand doses fell in the trailing demand_window
 * minutes, the subject's amount is added to demand_state.
 *
 * The condition is checked at every event point (t0, input switches, doses,
 * the end of a lockout: d_next is a breakpoint like a dose time) and, in an
 * interval where the rule is armed, after every accepted step.  When it turns
 * true inside a step, the crossing is located on the method's dense output by
 * the Illinois variant of regula falsi (Dowell & Jarratt 1971) to a time
 * tolerance of 1e-12 of the step (and a few ulps of t); the method stops
 * there (ENDO_DEMAND) with the interpolated state, and the driver delivers the
 * dose at that time and restarts, as at a breakpoint.  A crossing that turns
 * back within one step (g up and down again between two accepted steps) is
 * not seen, as in every event locator that checks signs at step ends.
 */
#include "internal.h"

#include <float.h>

void ode_demand_begin(subject *s, size_t i)
{
    const endo_problem *pb = s->pb;
    s->d_thr = pb->demand_threshold[i * pb->demand_threshold_stride];
    s->d_amt = pb->demand_amount[i * pb->demand_amount_stride];
    s->d_lock = pb->demand_lockout[i * pb->demand_lockout_stride];
    s->d_times = pb->demand_times + i * pb->demand_capacity;
    s->d_next = -INFINITY;          /* allowed from t0 on */
    s->d_count = 0;
    s->d_hit = 0;
    s->d_armed = 0;
}

/* Deliver a demand dose at t and set the earliest time of the next one. */
static void deliver(subject *s, double t)
{
    const endo_problem *pb = s->pb;
    s->y[pb->demand_state] += s->d_amt;
    if ((size_t)s->d_count < pb->demand_capacity) {
        s->d_times[s->d_count] = t;     /* beyond the capacity: counted only */
    }
    s->d_count++;
    double next = t + s->d_lock;
    if (pb->demand_max > 0) {
        const int64_t M = pb->demand_max;
        s->d_ring[(s->d_count - 1) % M] = t;
        if (s->d_count >= M) {
            /* the doses count - M .. count - 1 are the last M: the oldest of
             * them leaves the trailing window at its time + window */
            const double w = s->d_ring[(s->d_count - M) % M] + pb->demand_window;
            next = maxd(next, w);
        }
    }
    s->d_next = next;
}

void ode_demand_event(subject *s, double t)
{
    double g = 0.0;
    int have_g = 0;
    if (s->d_hit) {
        s->d_hit = 0;
        deliver(s, t);
    }
    else if (t >= s->d_next) {
        g = demand_g(s, t, s->y);
        have_g = 1;
        if (demand_true(s, g)) {
            deliver(s, t);
            have_g = 0;
        }
    }
    s->d_armed = t >= s->d_next;
    if (s->d_armed) {
        s->d_gprev = have_g ? g : demand_g(s, t, s->y);
    }
}

double ode_demand_locate(subject *s, double t, double h, double ga, double gb,
                         dense_fn dense_at)
{
    double a = 0.0, b = 1.0;
    int side = 0;
    /* tolerance in theta: 1e-12 of the step, or a few ulps of t */
    const double tol = maxd(1e-12, 4.0 * DBL_EPSILON * maxd(fabs(t), fabs(t + h)) / h);
    for (int it = 0; it < 200 && b - a > tol; it++) {
        double th = b - gb * (b - a) / (gb - ga);
        if (!(th > a && th < b)) {
            th = 0.5 * (a + b);
        }
        dense_at(s, th, s->d_buf);
        const double g = demand_g(s, t + th * h, s->d_buf);
        if (!isfinite(g)) {
            /* no sign to trust: keep the earlier half */
            b = th;
            continue;
        }
        if (demand_true(s, g)) {
            b = th;
            gb = g;
            if (side == 1) {
                ga *= 0.5;      /* a kept twice: Illinois */
            }
            side = 1;
        }
        else {
            a = th;
            ga = g;
            if (side == -1) {
                gb *= 0.5;
            }
            side = -1;
        }
    }
    return b;
}

void ode_demand_end(subject *s, size_t i)
{
    const endo_problem *pb = s->pb;
    const size_t cap = pb->demand_capacity;
    for (size_t j = (size_t)s->d_count < cap ? (size_t)s->d_count : cap; j < cap; j++) {
        s->d_times[j] = NAN;
    }
    pb->demand_count[i] = s->d_count;
}
